//! Nghị quyết and nhiệm vụ giám sát as search records, read from the store
//! (the register of resolutions and the supervision tasks).
//!
//! A resolution is public once it is in the register: the council adopted
//! and signed it. Its in-force status changes with the calendar, so it is
//! not indexed (it would go stale); the register's page computes it.
//!
//! A task is seen inside its council by every role but guests and agency
//! officers, and by the officers of the agencies that lead it or
//! co-operate on it. TODO(#5): derive these roles from the ViewSupervision
//! permission of the matrix instead of listing them here; the two agree
//! today.

use async_trait::async_trait;
use nghitruong_domain::access::Role;
use nghitruong_domain::audit::AuditRecord;
use nghitruong_domain::org::Council;
use nghitruong_domain::resolution::Resolution;
use nghitruong_domain::supervision::Task;
use nghitruong_search::{Audience, Kind, Record};
use nghitruong_store::{CouncilFilter, Store, StoreError, TaskFilter};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};

use super::{RecordSink, SearchSource, Update};

pub(super) struct Resolutions;
pub(super) struct Tasks;

async fn all_councils(store: &dyn Store) -> anyhow::Result<Vec<Council>> {
    let (councils, _) = store
        .councils(&CouncilFilter {
            limit: i64::from(u16::MAX),
            ..CouncilFilter::default()
        })
        .await?;
    Ok(councils.into_iter().map(|c| c.council).collect())
}

fn id_of(change: &AuditRecord) -> Option<i64> {
    change.entity_id.as_deref().and_then(|i| i.parse().ok())
}

fn resolution_record(r: &Resolution, council: &Council) -> Record {
    let number = r.number.to_string();
    Record {
        kind: Kind::Resolution,
        id: r.id,
        council_id: Some(council.id),
        council_name: Some(council.name.clone()),
        field: r.field.map(|f| f.label().to_owned()),
        period: Some(r.adopted_on.year().to_string()),
        status: Some(r.kind().label().to_owned()),
        title: format!("Nghị quyết số {number} {}", r.title),
        body: format!(
            "Nghị quyết số {number} của {} ngày {}: {}",
            council.name,
            crate::pages::local_date(r.adopted_on),
            r.title
        ),
        date: Some(r.adopted_on.to_string()),
        // The register has no page per resolution: its row, found by number.
        url: format!(
            "/nghi-quyet?q={}#nq-{}",
            utf8_percent_encode(&number, NON_ALPHANUMERIC),
            r.id
        ),
        public_url: None,
        audience: vec![Audience::Public, Audience::Council(council.id)],
    }
}

#[async_trait]
impl SearchSource for Resolutions {
    fn name(&self) -> &'static str {
        "Nghị quyết"
    }

    fn follows(&self, entity: &str) -> bool {
        entity == "resolution"
    }

    async fn all(&self, store: &dyn Store, sink: &mut dyn RecordSink) -> anyhow::Result<()> {
        for council in all_councils(store).await? {
            let register = store.register(&[council.id]).await?;
            for r in register.resolutions().values() {
                // The register also lists other councils' resolutions that
                // act on this one's; each is indexed with its own council.
                if r.council_id == council.id {
                    sink.put(resolution_record(r, &council))?;
                }
            }
        }
        Ok(())
    }

    async fn changed(
        &self,
        store: &dyn Store,
        change: &AuditRecord,
    ) -> anyhow::Result<Vec<Update>> {
        let Some(id) = id_of(change) else {
            return Ok(Vec::new());
        };
        let r = match store.resolution(id).await {
            Ok(r) => r,
            Err(StoreError::NotFound) => return Ok(vec![Update::Delete(Kind::Resolution, id)]),
            Err(e) => return Err(e.into()),
        };
        let council = store.council(r.council_id).await?;
        Ok(vec![Update::Upsert(Box::new(resolution_record(
            &r, &council,
        )))])
    }
}

fn task_record(t: &Task, council: &Council) -> Record {
    let mut audience: Vec<Audience> = Role::ALL
        .iter()
        .filter(|r| !matches!(r, Role::Guest | Role::AgencyOfficer))
        .map(|r| Audience::CouncilRole(council.id, r.as_str()))
        .collect();
    audience.push(Audience::Agency(t.lead_body_id()));
    audience.extend(t.co_body_ids().iter().map(|b| Audience::Agency(*b)));
    let mut body = format!(
        "{}. {}\nSản phẩm, kết quả cần đạt: {}",
        t.source().label(),
        t.content(),
        t.expected_evidence()
    );
    if let Some(who) = t.responsible() {
        body.push_str("\nNgười chịu trách nhiệm: ");
        body.push_str(who);
    }
    let title: String = t.content().chars().take(120).collect();
    Record {
        kind: Kind::Task,
        id: t.id(),
        council_id: Some(council.id),
        council_name: Some(council.name.clone()),
        field: Some(t.source().label().to_owned()),
        period: Some(t.due().year().to_string()),
        status: Some(t.status().label().to_owned()),
        title: format!("Nhiệm vụ số {}: {title}", t.id()),
        body,
        date: Some(t.due().to_string()),
        url: format!("/giam-sat/nhiem-vu/{}", t.id()),
        public_url: None,
        audience,
    }
}

#[async_trait]
impl SearchSource for Tasks {
    fn name(&self) -> &'static str {
        "Nhiệm vụ giám sát"
    }

    fn follows(&self, entity: &str) -> bool {
        // A concluded delegation's follow-up creates its tasks in one
        // change recorded against the delegation.
        matches!(entity, "supervision_task" | "delegation")
    }

    async fn all(&self, store: &dyn Store, sink: &mut dyn RecordSink) -> anyhow::Result<()> {
        for council in all_councils(store).await? {
            let filter = TaskFilter {
                council_id: Some(council.id),
                ..TaskFilter::default()
            };
            for t in store.tasks(&filter).await? {
                sink.put(task_record(&t.value, &council))?;
            }
        }
        Ok(())
    }

    async fn changed(
        &self,
        store: &dyn Store,
        change: &AuditRecord,
    ) -> anyhow::Result<Vec<Update>> {
        let Some(id) = id_of(change) else {
            return Ok(Vec::new());
        };
        if change.entity == "delegation" {
            let delegation = match store.delegation(id).await {
                Ok(d) => d,
                Err(StoreError::NotFound) => return Ok(Vec::new()),
                Err(e) => return Err(e.into()),
            };
            let council = store.council(delegation.value.council_id()).await?;
            let filter = TaskFilter {
                council_id: Some(council.id),
                delegation_id: Some(id),
                ..TaskFilter::default()
            };
            return Ok(store
                .tasks(&filter)
                .await?
                .iter()
                .map(|t| Update::Upsert(Box::new(task_record(&t.value, &council))))
                .collect());
        }
        let task = match store.task(id).await {
            Ok(t) => t,
            Err(StoreError::NotFound) => return Ok(vec![Update::Delete(Kind::Task, id)]),
            Err(e) => return Err(e.into()),
        };
        let council = store.council(store.task_council(id).await?).await?;
        Ok(vec![Update::Upsert(Box::new(task_record(
            &task.value,
            &council,
        )))])
    }
}

//! Kiến nghị cử tri as search records. Inside the council every role that
//! may view petitions finds them, except agency officers, who find only
//! what was sent to their agency; once the council has taken a petition up
//! (the statuses the public portal shows) everyone finds it. Voters' names
//! are never part of a record.

use async_trait::async_trait;
use nghitruong_domain::access::{Permission, Role};
use nghitruong_domain::audit::AuditRecord;
use nghitruong_domain::org::Council;
use nghitruong_domain::petition::{PetitionStatus, topic_label};
use nghitruong_search::{Audience, Kind, Record};
use nghitruong_store::{CouncilFilter, PetitionFilter, PetitionRecord, Store, StoreError};

use super::{RecordSink, SearchSource, Update};

pub(super) struct Petitions;

fn record_of(r: &PetitionRecord, council: &Council) -> Option<Record> {
    let p = &r.petition;
    if p.status() == PetitionStatus::Merged {
        return None;
    }
    let mut audience: Vec<Audience> = Role::ALL
        .iter()
        .filter(|role| **role != Role::AgencyOfficer)
        .filter(|role| role.permits(Permission::ViewPetitions, council.level))
        .map(|role| Audience::CouncilRole(council.id, role.as_str()))
        .collect();
    if let Some(a) = p.assignment() {
        audience.push(Audience::Agency(a.agency_id));
    }
    if p.status().is_published() {
        audience.push(Audience::Public);
    }
    let mut body = p.text().to_owned();
    if let Some(place) = &r.place_name {
        body.push_str("\nĐịa bàn: ");
        body.push_str(place);
    }
    if let Some(agency) = &r.agency_name {
        body.push_str("\nCơ quan giải quyết: ");
        body.push_str(agency);
    }
    if let Some(answer) = p.answer() {
        body.push_str("\nTrả lời: ");
        body.push_str(&answer.summary);
    }
    let class = p.classification();
    let title: String = p.text().chars().take(120).collect();
    Some(Record {
        kind: Kind::Petition,
        id: p.id(),
        council_id: Some(council.id),
        council_name: Some(council.name.clone()),
        field: class.map(|c| topic_label(&c.topic).to_owned()),
        period: None,
        status: Some(p.status().label().to_owned()),
        title: format!("Kiến nghị số {}: {title}", p.id()),
        body,
        date: p.assignment().map(|a| a.forwarded_on.to_string()),
        url: format!("/kien-nghi/{}", p.id()),
        public_url: p.status().is_published().then(|| {
            format!(
                "/cong-khai/kien-nghi?hd={}#kien-nghi-{}",
                council.unit_code,
                p.id()
            )
        }),
        audience,
    })
}

#[async_trait]
impl SearchSource for Petitions {
    fn name(&self) -> &'static str {
        "Kiến nghị cử tri"
    }

    fn follows(&self, entity: &str) -> bool {
        matches!(entity, "petition" | "petition_round")
    }

    async fn all(&self, store: &dyn Store, sink: &mut dyn RecordSink) -> anyhow::Result<()> {
        let (councils, _) = store
            .councils(&CouncilFilter {
                limit: i64::from(u16::MAX),
                ..CouncilFilter::default()
            })
            .await?;
        for summary in councils {
            let council = summary.council;
            let filter = PetitionFilter {
                council_id: Some(council.id),
                ..Default::default()
            };
            for r in store.petitions(&filter).await? {
                if let Some(record) = record_of(&r, &council) {
                    sink.put(record)?;
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
        let Some(id) = change
            .entity_id
            .as_deref()
            .and_then(|i| i.parse::<i64>().ok())
        else {
            return Ok(Vec::new());
        };
        let records = match change.entity.as_str() {
            "petition" => match store.petition(id).await {
                Ok(r) => vec![r],
                Err(StoreError::NotFound) => return Ok(vec![Update::Delete(Kind::Petition, id)]),
                Err(e) => return Err(e.into()),
            },
            // A batch of captured opinions is recorded against its round.
            "petition_round" => {
                store
                    .petitions(&PetitionFilter {
                        round_id: Some(id),
                        include_merged: true,
                        ..Default::default()
                    })
                    .await?
            }
            _ => return Ok(Vec::new()),
        };
        let mut out = Vec::with_capacity(records.len());
        for r in records {
            let council = store.council(r.petition.council_id()).await?;
            match record_of(&r, &council) {
                Some(record) => out.push(Update::Upsert(Box::new(record))),
                None => out.push(Update::Delete(Kind::Petition, r.id())),
            }
        }
        Ok(out)
    }
}

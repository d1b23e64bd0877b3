//! Kỳ họp, nội dung chương trình, chất vấn — sessions, their agenda items
//! and their questions as search records.
//!
//! Who sees them follows the routes that show them: the roles permitted to
//! view sessions in the council (the roles that prepare sessions while one
//! is still a draft), and everyone for a public session once convened. The
//! questions filed at a session stay within the council.

use async_trait::async_trait;
use nghitruong_domain::access::{Permission, Role};
use nghitruong_domain::audit::AuditRecord;
use nghitruong_domain::org::Council;
use nghitruong_domain::session;
use nghitruong_search::{Audience, Kind, Record};
use nghitruong_store::{CouncilFilter, CouncilSession, Store, StoreError};

use super::{RecordSink, SearchSource, Update};

pub(super) struct Sessions;

/// Everything one session contributes.
async fn records_of(
    store: &dyn Store,
    s: &CouncilSession,
    council: &Council,
) -> anyhow::Result<Vec<Record>> {
    let permission = if s.status.is_visible_to_deputies() {
        Permission::ViewSessions
    } else {
        Permission::ManageSessions
    };
    let council_roles: Vec<Audience> = Role::ALL
        .iter()
        .filter(|r| r.permits(permission, council.level))
        .map(|r| Audience::CouncilRole(council.id, r.as_str()))
        .collect();
    let mut seen_by = council_roles.clone();
    if s.is_public && s.status.is_visible_to_deputies() {
        seen_by.push(Audience::Public);
    }
    let title = format!(
        "{}, {} khóa {}",
        session::session_title(s.number),
        council.name,
        council.term.roman()
    );
    let url = format!("/ky-hop/{}", s.id);
    let base = |kind: Kind,
                id: i64,
                title: String,
                body: String,
                status: &str,
                audience: Vec<Audience>| Record {
        kind,
        id,
        council_id: Some(council.id),
        council_name: Some(council.name.clone()),
        field: None,
        period: Some(s.starts_on.year().to_string()),
        status: Some(status.to_string()),
        title,
        body,
        date: Some(s.starts_on.to_string()),
        url: url.clone(),
        public_url: None,
        audience,
    };
    let agenda = store.agenda(s.id).await?;
    let questions = store.questions(s.id).await?;
    let mut out = Vec::with_capacity(1 + agenda.len() + questions.len());
    let mut summary = format!("{}. {}. Địa điểm: {}.", s.kind.label(), title, s.place);
    for item in &agenda {
        summary.push(' ');
        summary.push_str(&item.title);
        summary.push('.');
    }
    out.push(base(
        Kind::Session,
        s.id,
        title.clone(),
        summary,
        s.status.label(),
        seen_by.clone(),
    ));
    for item in agenda {
        let body = format!(
            "{}. {}. Trình bày: {}.",
            item.kind.label(),
            title,
            item.presenter
        );
        out.push(base(
            Kind::AgendaItem,
            item.id,
            item.title,
            body,
            item.status.label(),
            seen_by.clone(),
        ));
    }
    for q in questions {
        let mut body = format!("{} hỏi {}. {}", q.person_name, q.official, q.content);
        if let Some(answer) = &q.answer {
            body.push_str("\nTrả lời: ");
            body.push_str(answer);
        }
        out.push(base(
            Kind::Question,
            q.id,
            q.topic,
            body,
            q.status.label(),
            council_roles.clone(),
        ));
    }
    Ok(out)
}

#[async_trait]
impl SearchSource for Sessions {
    fn name(&self) -> &'static str {
        "Kỳ họp, nội dung, chất vấn"
    }

    fn follows(&self, entity: &str) -> bool {
        matches!(entity, "session" | "agenda_item" | "question")
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
            for s in store.council_sessions(council.id).await? {
                for record in records_of(store, &s, &council).await? {
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
        let session_id = match change.entity.as_str() {
            "session" => Ok(id),
            "agenda_item" => store.agenda_item_session(id).await,
            "question" => store.question_session(id).await,
            _ => return Ok(Vec::new()),
        };
        let session_id = match session_id {
            Ok(s) => s,
            Err(StoreError::NotFound) => return Ok(Vec::new()),
            Err(e) => return Err(e.into()),
        };
        let s = match store.council_session(session_id).await {
            Ok(s) => s,
            Err(StoreError::NotFound) => {
                return Ok(vec![Update::Delete(Kind::Session, session_id)]);
            }
            Err(e) => return Err(e.into()),
        };
        let council = store.council(s.council_id).await?;
        Ok(records_of(store, &s, &council)
            .await?
            .into_iter()
            .map(|r| Update::Upsert(Box::new(r)))
            .collect())
    }
}

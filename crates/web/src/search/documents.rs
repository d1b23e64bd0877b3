//! Tài liệu kỳ họp as search records: a document's extracted text, title,
//! kind, session and council, with its audience written as index terms so
//! that the index itself keeps a document from whoever may not read it.
//!
//! The terms follow `nghitruong_domain::document::may_read` and the routes
//! that show a document:
//! - the office and the Thường trực (the roles that manage or approve
//!   documents) find every document in any state, as the store shows it to
//!   them;
//! - once a version is published and the document is not withdrawn, and
//!   its session is open to deputies, each grant of its audience adds its
//!   group: all deputies (the roles that read as deputies), guests, a
//!   committee (whoever sits on it on the day they search) or one named
//!   account. A restricted or secret document is shared only through its
//!   audience, so a deputy not on its list neither finds nor counts it;
//! - a public session's normal document for all deputies is also public
//!   (`nghitruong_domain::document::is_public`) and the portal finds it.
//!
//! The record carries the text of the version its audience reads: the
//! published one while there is one, else the latest upload (seen only by
//! the office and the Thường trực).

use async_trait::async_trait;
use nghitruong_domain::access::{Permission, Role};
use nghitruong_domain::audit::AuditRecord;
use nghitruong_domain::document::{self as rules, AudienceGrant};
use nghitruong_domain::org::Council;
use nghitruong_domain::session::session_title;
use nghitruong_search::{Audience, Kind, Record};
use nghitruong_store::{
    CouncilFilter, CouncilSession, Document, DocumentReader, Store, StoreError,
};

use super::{RecordSink, SearchSource, Update};

pub(super) struct Documents;

/// The reader that sees every document, for reading what to index. Its
/// day counts no committee seats (seeing all, it needs none).
fn indexer() -> DocumentReader {
    DocumentReader {
        user_id: 0,
        sees_all: true,
        is_deputy: false,
        is_guest: false,
        day: time::Date::MIN,
    }
}

/// Who may find a document, as index audiences.
fn audience_of(
    doc: &Document,
    grants: &[AudienceGrant],
    session: &CouncilSession,
    council: &Council,
) -> Vec<Audience> {
    let session_shown = session.status.is_visible_to_deputies();
    let route = if session_shown {
        Permission::ViewSessions
    } else {
        Permission::ManageSessions
    };
    let mut audience: Vec<Audience> = Role::ALL
        .iter()
        .filter(|r| {
            r.permits(Permission::ManageDocuments, council.level)
                || r.permits(Permission::ApproveDocuments, council.level)
        })
        .filter(|r| r.permits(route, council.level))
        .map(|r| Audience::CouncilRole(council.id, r.as_str()))
        .collect();
    let readable = doc.published_version.is_some() && doc.status.keeps_published_version();
    if !(readable && session_shown) {
        return audience;
    }
    for grant in grants {
        match *grant {
            AudienceGrant::AllDeputies => audience.extend(
                Role::ALL
                    .iter()
                    .filter(|r| rules::reads_as_deputy(**r))
                    .map(|r| Audience::CouncilRole(council.id, r.as_str())),
            ),
            AudienceGrant::Guests => {
                audience.push(Audience::CouncilRole(council.id, Role::Guest.as_str()));
            }
            AudienceGrant::Committee(body) => audience.push(Audience::Body(body)),
            AudienceGrant::Person(user) => audience.push(Audience::User(user)),
        }
    }
    if rules::is_public(
        session.is_public,
        doc.classification,
        doc.status,
        doc.published_version.is_some(),
        grants,
    ) {
        audience.push(Audience::Public);
    }
    audience.sort_by_key(|a| format!("{a:?}"));
    audience.dedup();
    audience
}

async fn record_of(
    store: &dyn Store,
    doc: &Document,
    session: &CouncilSession,
    council: &Council,
) -> anyhow::Result<Record> {
    let grants = store.audience(doc.id).await?;
    let audience = audience_of(doc, &grants, session, council);
    let version = match doc.published_version {
        Some(v) if doc.status.keeps_published_version() => v,
        _ => doc.current_version,
    };
    let text = match store.document_text(doc.id, version).await {
        Ok(text) => text,
        Err(StoreError::NotFound) => String::new(),
        Err(e) => return Err(e.into()),
    };
    let session_name = format!(
        "{}, {} khóa {}",
        session_title(session.number),
        council.name,
        council.term.roman()
    );
    let body = format!("{}. {session_name}.\n{text}", doc.kind.label());
    let public = audience.contains(&Audience::Public);
    Ok(Record {
        kind: Kind::Document,
        id: doc.id,
        council_id: Some(council.id),
        council_name: Some(council.name.clone()),
        field: None,
        period: Some(session.starts_on.year().to_string()),
        status: Some(doc.status.label().to_owned()),
        title: doc.title.clone(),
        body,
        date: Some(session.starts_on.to_string()),
        url: format!("/tai-lieu/{}", doc.id),
        public_url: public.then(|| format!("/cong-khai/tai-lieu/{}", doc.id)),
        audience,
    })
}

/// Every document of a session, as records.
async fn session_records(
    store: &dyn Store,
    session: &CouncilSession,
    council: &Council,
) -> anyhow::Result<Vec<Record>> {
    let docs = store.session_documents(session.id, &indexer()).await?;
    let mut out = Vec::with_capacity(docs.len());
    for doc in &docs {
        out.push(record_of(store, doc, session, council).await?);
    }
    Ok(out)
}

#[async_trait]
impl SearchSource for Documents {
    fn name(&self) -> &'static str {
        "Tài liệu kỳ họp"
    }

    fn follows(&self, entity: &str) -> bool {
        // A session's status and openness decide who sees its documents.
        matches!(entity, "document" | "session")
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
                for record in session_records(store, &s, &council).await? {
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
        match change.entity.as_str() {
            "document" => {
                let Some(doc) = store.document(id, &indexer()).await? else {
                    return Ok(vec![Update::Delete(Kind::Document, id)]);
                };
                let session = store.council_session(doc.session_id).await?;
                let council = store.council(session.council_id).await?;
                let record = record_of(store, &doc, &session, &council).await?;
                Ok(vec![Update::Upsert(Box::new(record))])
            }
            "session" => {
                let session = match store.council_session(id).await {
                    Ok(s) => s,
                    Err(StoreError::NotFound) => return Ok(Vec::new()),
                    Err(e) => return Err(e.into()),
                };
                let council = store.council(session.council_id).await?;
                Ok(session_records(store, &session, &council)
                    .await?
                    .into_iter()
                    .map(|r| Update::Upsert(Box::new(r)))
                    .collect())
            }
            _ => Ok(Vec::new()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nghitruong_domain::document::{Classification, DocumentStatus, FileFormat};
    use nghitruong_domain::org::CouncilLevel;
    use nghitruong_store::DocumentVersion;

    fn doc(status: DocumentStatus, published: Option<u32>, class: Classification) -> Document {
        Document {
            id: 5,
            session_id: 2,
            agenda_item_id: None,
            kind: nghitruong_domain::document::DocumentKind::Report,
            title: "Báo cáo".into(),
            classification: class,
            status,
            current_version: 1,
            published_version: published,
            version: DocumentVersion {
                version: 1,
                sha256: String::new(),
                size: 0,
                format: FileFormat::Pdf,
                file_name: "a.pdf".into(),
                pages: 1,
                uploaded_by: None,
                uploaded_at: time::OffsetDateTime::UNIX_EPOCH,
            },
        }
    }

    fn council() -> Council {
        Council {
            id: 1,
            unit_code: "40".into(),
            level: CouncilLevel::Province,
            name: "HĐND tỉnh Nghệ An".into(),
            term: nghitruong_domain::org::Term {
                number: 19,
                starts_on: time::macros::date!(2026 - 03 - 15),
                ends_on: time::macros::date!(2031 - 03 - 14),
            },
            seats_statutory: 95,
            rules: nghitruong_domain::rules::CouncilRules::default(),
        }
    }

    fn session(is_public: bool) -> CouncilSession {
        CouncilSession {
            id: 2,
            council_id: 1,
            term_number: 19,
            number: 2,
            kind: nghitruong_domain::session::SessionKind::Regular,
            is_public,
            starts_on: time::macros::date!(2026 - 12 - 08),
            ends_on: time::macros::date!(2026 - 12 - 10),
            place: "Vinh".into(),
            status: nghitruong_domain::session::SessionStatus::Convened,
        }
    }

    fn has(audience: &[Audience], role: Role) -> bool {
        audience.contains(&Audience::CouncilRole(1, role.as_str()))
    }

    #[test]
    fn a_draft_is_found_by_the_office_and_the_thuong_truc_only() {
        let council = council();
        let session = session(true);
        let d = doc(DocumentStatus::Draft, None, Classification::Normal);
        let a = audience_of(&d, &[AudienceGrant::AllDeputies], &session, &council);
        assert!(has(&a, Role::OfficeStaff) && has(&a, Role::StandingMember));
        assert!(!has(&a, Role::Deputy) && !a.contains(&Audience::Public));
    }

    #[test]
    fn a_restricted_document_reaches_only_its_list() {
        let council = council();
        let session = session(true);
        let d = doc(
            DocumentStatus::Published,
            Some(1),
            Classification::Restricted,
        );
        let grants = [AudienceGrant::Person(9), AudienceGrant::Committee(4)];
        let a = audience_of(&d, &grants, &session, &council);
        assert!(a.contains(&Audience::User(9)) && a.contains(&Audience::Body(4)));
        assert!(!has(&a, Role::Deputy) && !has(&a, Role::Guest));
        assert!(!a.contains(&Audience::Public));
        let withdrawn = doc(DocumentStatus::Withdrawn, Some(1), Classification::Normal);
        let a = audience_of(&withdrawn, &grants, &session, &council);
        assert!(!a.contains(&Audience::User(9)));
    }

    #[test]
    fn a_public_session_s_document_for_all_deputies_is_public() {
        let council = council();
        let open = session(true);
        let d = doc(DocumentStatus::Published, Some(1), Classification::Normal);
        let grants = [AudienceGrant::AllDeputies, AudienceGrant::Guests];
        let a = audience_of(&d, &grants, &open, &council);
        assert!(a.contains(&Audience::Public) && has(&a, Role::Deputy) && has(&a, Role::Guest));
        let closed = session(false);
        assert!(!audience_of(&d, &grants, &closed, &council).contains(&Audience::Public));
    }
}

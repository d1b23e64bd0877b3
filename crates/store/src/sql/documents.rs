//! Session documents: metadata, versions, audience, notes, read receipts
//! and viewer tickets.

use async_trait::async_trait;
use nghitruong_domain::clock::{from_millis, to_millis};
use nghitruong_domain::document::{AudienceGrant, DocumentEvent, DocumentStatus};
use nghitruong_domain::text::fold;
use serde_json::json;
use sqlx::AssertSqlSafe;
use sqlx::any::AnyRow;
use time::OffsetDateTime;

use super::audit::{self, Change};
use super::rows::{coded, date_text, get};
use super::{SqlStore, Write, db};
use crate::{
    AuditContext, Document, DocumentReader, DocumentStore, DocumentVersion, NewDocument,
    NewVersion, ReadReceipt, Result, StoreError, Ticket,
};

/// The columns of a document joined to the version its reader gets.
const COLUMNS: &str = "d.id, d.session_id, d.agenda_item_id, d.kind, d.title, d.classification, \
    d.status, d.current_version, d.published_version, v.version, v.sha256, v.size, v.format, \
    v.file_name, v.pages, v.uploaded_at, uu.display_name AS uploaded_by";

/// The audience rule of `nghitruong_domain::document::may_read`, in SQL.
/// Parameters: $2 sees all, $3 deputy, $4 guest, $5 user id, $6 the day.
fn from_visible() -> String {
    let withdrawn = DocumentStatus::Withdrawn.as_str();
    format!(
        "FROM session_documents d \
         JOIN document_versions v ON v.document_id = d.id AND v.version = \
              CASE WHEN $2 = 1 THEN d.current_version ELSE d.published_version END \
         LEFT JOIN users uu ON uu.id = v.uploaded_by \
         LEFT JOIN agenda_items ai ON ai.id = d.agenda_item_id \
         WHERE ($2 = 1 OR (d.published_version IS NOT NULL AND d.status <> '{withdrawn}' \
           AND EXISTS (SELECT 1 FROM document_audience a WHERE a.document_id = d.id AND ( \
               (a.kind = 'dai_bieu' AND $3 = 1) \
            OR (a.kind = 'khach_moi' AND $4 = 1) \
            OR (a.kind = 'ca_nhan' AND a.ref_id = $5) \
            OR (a.kind = 'ban' AND EXISTS (SELECT 1 FROM users u \
                 JOIN positions p ON p.person_id = u.person_id \
                 WHERE u.id = $5 AND p.body_id = a.ref_id AND p.starts_on <= $6 \
                   AND (p.ends_on IS NULL OR p.ends_on >= $6)))))))"
    )
}

fn bind_reader<'q>(
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    r: &DocumentReader,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    q.bind(i64::from(r.sees_all))
        .bind(i64::from(r.is_deputy))
        .bind(i64::from(r.is_guest))
        .bind(r.user_id)
        .bind(date_text(r.day))
}

fn number(row: &AnyRow, col: &str) -> Result<u32> {
    let n: i64 = get(row, col)?;
    Ok(u32::try_from(n).unwrap_or(0))
}

fn version(row: &AnyRow) -> Result<DocumentVersion> {
    let size: i64 = get(row, "size")?;
    Ok(DocumentVersion {
        version: number(row, "version")?,
        sha256: get(row, "sha256")?,
        size: u64::try_from(size).unwrap_or(0),
        format: coded(row, "format")?,
        file_name: get(row, "file_name")?,
        pages: number(row, "pages")?,
        uploaded_by: get(row, "uploaded_by")?,
        uploaded_at: from_millis(get(row, "uploaded_at")?),
    })
}

fn document(row: &AnyRow) -> Result<Document> {
    let published: Option<i64> = get(row, "published_version")?;
    Ok(Document {
        id: get(row, "id")?,
        session_id: get(row, "session_id")?,
        agenda_item_id: get(row, "agenda_item_id")?,
        kind: coded(row, "kind")?,
        title: get(row, "title")?,
        classification: coded(row, "classification")?,
        status: coded(row, "status")?,
        current_version: number(row, "current_version")?,
        published_version: published.and_then(|v| u32::try_from(v).ok()),
        version: version(row)?,
    })
}

async fn insert_version(
    w: &mut Write<'_>,
    document_id: i64,
    number: u32,
    v: &NewVersion,
    uploaded_by: i64,
    at: OffsetDateTime,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO document_versions (document_id, version, sha256, size, format, file_name, \
         pages, body_text, folded_text, uploaded_by, uploaded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(document_id)
    .bind(i64::from(number))
    .bind(&v.sha256)
    .bind(i64::try_from(v.size).unwrap_or(i64::MAX))
    .bind(v.format.as_str())
    .bind(&v.file_name)
    .bind(i64::from(v.pages))
    .bind(&v.text)
    .bind(fold(&v.text))
    .bind(uploaded_by)
    .bind(to_millis(at))
    .execute(&mut *w.tx)
    .await
    .map_err(db)?;
    Ok(())
}

async fn write_audience(
    w: &mut Write<'_>,
    document_id: i64,
    audience: &[AudienceGrant],
) -> Result<()> {
    sqlx::query("DELETE FROM document_audience WHERE document_id = $1")
        .bind(document_id)
        .execute(&mut *w.tx)
        .await
        .map_err(db)?;
    let mut grants = audience.to_vec();
    grants.sort();
    grants.dedup();
    for g in grants {
        let (kind, id) = g.parts();
        sqlx::query(
            "INSERT INTO document_audience (document_id, kind, ref_id) VALUES ($1, $2, $3)",
        )
        .bind(document_id)
        .bind(kind)
        .bind(id.unwrap_or(0))
        .execute(&mut *w.tx)
        .await
        .map_err(db)?;
    }
    Ok(())
}

fn audience_json(audience: &[AudienceGrant]) -> serde_json::Value {
    audience
        .iter()
        .map(|g| {
            let (kind, id) = g.parts();
            json!({ "kind": kind, "id": id })
        })
        .collect()
}

fn version_json(v: &NewVersion, number: u32) -> serde_json::Value {
    json!({
        "version": number, "sha256": v.sha256, "size": v.size,
        "format": v.format.as_str(), "file_name": v.file_name,
    })
}

async fn status_of(w: &mut Write<'_>, id: i64) -> Result<(DocumentStatus, i64)> {
    let (status, current): (String, i64) =
        sqlx::query_as("SELECT status, current_version FROM session_documents WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *w.tx)
            .await
            .map_err(db)?
            .ok_or(StoreError::NotFound)?;
    let status = status
        .parse()
        .map_err(|e: nghitruong_domain::org::UnknownVariant| StoreError::Other(e.into()))?;
    Ok((status, current))
}

fn refused(e: nghitruong_domain::machine::TransitionError) -> StoreError {
    StoreError::Conflict(e.to_string())
}

#[async_trait]
impl DocumentStore for SqlStore {
    async fn create_document(
        &self,
        new: &NewDocument,
        first: &NewVersion,
        uploaded_by: i64,
        ctx: &AuditContext,
    ) -> Result<i64> {
        let mut w = self.write().await?;
        let at = to_millis(ctx.at);
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO session_documents (session_id, agenda_item_id, kind, title, \
             classification, status, current_version, published_version, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 1, NULL, $7, $7) RETURNING id",
        )
        .bind(new.session_id)
        .bind(new.agenda_item_id)
        .bind(new.kind.as_str())
        .bind(&new.title)
        .bind(new.classification.as_str())
        .bind(DocumentStatus::Draft.as_str())
        .bind(at)
        .fetch_one(&mut *w.tx)
        .await
        .map_err(db)?;
        insert_version(&mut w, id, 1, first, uploaded_by, ctx.at).await?;
        write_audience(&mut w, id, &new.audience).await?;
        let after = json!({
            "session_id": new.session_id, "agenda_item_id": new.agenda_item_id,
            "kind": new.kind.as_str(), "title": new.title,
            "classification": new.classification.as_str(),
            "audience": audience_json(&new.audience), "file": version_json(first, 1),
        });
        let change = Change {
            action: "document.create",
            entity: "document",
            entity_id: Some(id.to_string()),
            before: None,
            after: Some(after),
        };
        audit::append(&mut w, ctx, change).await?;
        w.commit().await?;
        Ok(id)
    }

    async fn add_version(
        &self,
        document_id: i64,
        version: &NewVersion,
        uploaded_by: i64,
        ctx: &AuditContext,
    ) -> Result<u32> {
        let mut w = self.write().await?;
        let (status, current) = status_of(&mut w, document_id).await?;
        let next_status = status.on(DocumentEvent::Revise).map_err(refused)?;
        let number = u32::try_from(current + 1).unwrap_or(u32::MAX);
        insert_version(&mut w, document_id, number, version, uploaded_by, ctx.at).await?;
        sqlx::query(
            "UPDATE session_documents SET current_version = $1, status = $2, updated_at = $3 \
             WHERE id = $4",
        )
        .bind(i64::from(number))
        .bind(next_status.as_str())
        .bind(to_millis(ctx.at))
        .bind(document_id)
        .execute(&mut *w.tx)
        .await
        .map_err(db)?;
        let change = Change {
            action: "document.version",
            entity: "document",
            entity_id: Some(document_id.to_string()),
            before: Some(json!({ "status": status.as_str(), "version": current })),
            after: Some(json!({
                "status": next_status.as_str(), "file": version_json(version, number),
            })),
        };
        audit::append(&mut w, ctx, change).await?;
        w.commit().await?;
        Ok(number)
    }

    async fn document_event(
        &self,
        document_id: i64,
        event: DocumentEvent,
        ctx: &AuditContext,
    ) -> Result<DocumentStatus> {
        let mut w = self.write().await?;
        let (from, current) = status_of(&mut w, document_id).await?;
        let to = from.on(event).map_err(refused)?;
        let published = (to == DocumentStatus::Published).then_some(current);
        sqlx::query(
            "UPDATE session_documents SET status = $1, updated_at = $2, \
             published_version = COALESCE($3, published_version) WHERE id = $4",
        )
        .bind(to.as_str())
        .bind(to_millis(ctx.at))
        .bind(published)
        .bind(document_id)
        .execute(&mut *w.tx)
        .await
        .map_err(db)?;
        let change = Change {
            action: "document.status",
            entity: "document",
            entity_id: Some(document_id.to_string()),
            before: Some(json!({ "status": from.as_str() })),
            after: Some(json!({
                "status": to.as_str(), "event": event.as_str(), "version": current,
            })),
        };
        audit::append(&mut w, ctx, change).await?;
        w.commit().await?;
        Ok(to)
    }

    async fn set_audience(
        &self,
        document_id: i64,
        audience: &[AudienceGrant],
        ctx: &AuditContext,
    ) -> Result<()> {
        let mut w = self.write().await?;
        status_of(&mut w, document_id).await?;
        let before = {
            let rows: Vec<(String, i64)> = sqlx::query_as(
                "SELECT kind, ref_id FROM document_audience WHERE document_id = $1 \
                 ORDER BY kind, ref_id",
            )
            .bind(document_id)
            .fetch_all(&mut *w.tx)
            .await
            .map_err(db)?;
            let grants: Vec<AudienceGrant> = rows
                .iter()
                .filter_map(|(k, id)| AudienceGrant::from_parts(k, Some(*id)))
                .collect();
            audience_json(&grants)
        };
        write_audience(&mut w, document_id, audience).await?;
        let change = Change {
            action: "document.audience",
            entity: "document",
            entity_id: Some(document_id.to_string()),
            before: Some(before),
            after: Some(audience_json(audience)),
        };
        audit::append(&mut w, ctx, change).await?;
        w.commit().await
    }

    async fn audience(&self, document_id: i64) -> Result<Vec<AudienceGrant>> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT kind, ref_id FROM document_audience WHERE document_id = $1 \
             ORDER BY kind, ref_id",
        )
        .bind(document_id)
        .fetch_all(self.pool())
        .await
        .map_err(db)?;
        let mut grants: Vec<AudienceGrant> = rows
            .iter()
            .filter_map(|(k, id)| AudienceGrant::from_parts(k, Some(*id)))
            .collect();
        grants.sort();
        Ok(grants)
    }

    async fn session_documents(
        &self,
        session_id: i64,
        reader: &DocumentReader,
    ) -> Result<Vec<Document>> {
        let sql = format!(
            "SELECT {COLUMNS} {} AND d.session_id = $1 \
             ORDER BY COALESCE(ai.position, 0), d.id",
            from_visible()
        );
        let q = sqlx::query(AssertSqlSafe(sql)).bind(session_id);
        let rows = bind_reader(q, reader)
            .fetch_all(self.pool())
            .await
            .map_err(db)?;
        rows.iter().map(document).collect()
    }

    async fn document(&self, id: i64, reader: &DocumentReader) -> Result<Option<Document>> {
        let sql = format!("SELECT {COLUMNS} {} AND d.id = $1", from_visible());
        let q = sqlx::query(AssertSqlSafe(sql)).bind(id);
        let row = bind_reader(q, reader)
            .fetch_optional(self.pool())
            .await
            .map_err(db)?;
        row.as_ref().map(document).transpose()
    }

    async fn versions(&self, document_id: i64) -> Result<Vec<DocumentVersion>> {
        let rows = sqlx::query(
            "SELECT v.version, v.sha256, v.size, v.format, v.file_name, v.pages, v.uploaded_at, \
             uu.display_name AS uploaded_by FROM document_versions v \
             LEFT JOIN users uu ON uu.id = v.uploaded_by \
             WHERE v.document_id = $1 ORDER BY v.version DESC",
        )
        .bind(document_id)
        .fetch_all(self.pool())
        .await
        .map_err(db)?;
        rows.iter().map(version).collect()
    }

    async fn search_documents(
        &self,
        session_id: i64,
        reader: &DocumentReader,
        query: &str,
    ) -> Result<Vec<Document>> {
        let folded = fold(query.trim());
        if folded.is_empty() {
            return Ok(Vec::new());
        }
        let escaped = folded
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let sql = format!(
            "SELECT {COLUMNS} {} AND d.session_id = $1 \
             AND (v.folded_text LIKE $7 ESCAPE '\\' OR LOWER(d.title) LIKE $8 ESCAPE '\\') \
             ORDER BY COALESCE(ai.position, 0), d.id",
            from_visible()
        );
        let q = sqlx::query(AssertSqlSafe(sql)).bind(session_id);
        let rows = bind_reader(q, reader)
            .bind(format!("%{escaped}%"))
            .bind(format!("%{}%", query.trim().to_lowercase()))
            .fetch_all(self.pool())
            .await
            .map_err(db)?;
        rows.iter().map(document).collect()
    }

    async fn record_read(&self, document_id: i64, user_id: i64, ctx: &AuditContext) -> Result<()> {
        let mut w = self.write().await?;
        let at = to_millis(ctx.at);
        sqlx::query(
            "INSERT INTO document_reads (document_id, user_id, first_at, last_at, times) \
             VALUES ($1, $2, $3, $3, 1) ON CONFLICT (document_id, user_id) \
             DO UPDATE SET last_at = excluded.last_at, times = document_reads.times + 1",
        )
        .bind(document_id)
        .bind(user_id)
        .bind(at)
        .execute(&mut *w.tx)
        .await
        .map_err(db)?;
        let change = Change {
            action: "document.read",
            entity: "document",
            entity_id: Some(document_id.to_string()),
            before: None,
            after: Some(json!({ "user_id": user_id })),
        };
        audit::append(&mut w, ctx, change).await?;
        w.commit().await
    }

    async fn read_receipts(&self, session_id: i64) -> Result<Vec<ReadReceipt>> {
        let rows = sqlx::query(
            "SELECT r.document_id, r.user_id, u.display_name, r.first_at, r.last_at, r.times \
             FROM document_reads r JOIN session_documents d ON d.id = r.document_id \
             JOIN users u ON u.id = r.user_id WHERE d.session_id = $1 \
             ORDER BY r.document_id, r.first_at",
        )
        .bind(session_id)
        .fetch_all(self.pool())
        .await
        .map_err(db)?;
        rows.iter()
            .map(|row| {
                Ok(ReadReceipt {
                    document_id: get(row, "document_id")?,
                    user_id: get(row, "user_id")?,
                    name: get(row, "display_name")?,
                    first_at: from_millis(get(row, "first_at")?),
                    last_at: from_millis(get(row, "last_at")?),
                    times: number(row, "times")?,
                })
            })
            .collect()
    }

    async fn save_note(
        &self,
        document_id: i64,
        user_id: i64,
        body: &str,
        ctx: &AuditContext,
    ) -> Result<()> {
        let mut w = self.write().await?;
        if body.trim().is_empty() {
            sqlx::query("DELETE FROM document_notes WHERE document_id = $1 AND user_id = $2")
                .bind(document_id)
                .bind(user_id)
                .execute(&mut *w.tx)
                .await
                .map_err(db)?;
        } else {
            sqlx::query(
                "INSERT INTO document_notes (document_id, user_id, body, updated_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (document_id, user_id) \
                 DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
            )
            .bind(document_id)
            .bind(user_id)
            .bind(body)
            .bind(to_millis(ctx.at))
            .execute(&mut *w.tx)
            .await
            .map_err(db)?;
        }
        // The note is private: the record says one changed, not what it says.
        let change = Change {
            action: "document.note",
            entity: "document",
            entity_id: Some(document_id.to_string()),
            before: None,
            after: Some(json!({ "user_id": user_id, "chars": body.chars().count() })),
        };
        audit::append(&mut w, ctx, change).await?;
        w.commit().await
    }

    async fn note(&self, document_id: i64, user_id: i64) -> Result<Option<String>> {
        let row: Option<(String,)> = sqlx::query_as(
            "SELECT body FROM document_notes WHERE document_id = $1 AND user_id = $2",
        )
        .bind(document_id)
        .bind(user_id)
        .fetch_optional(self.pool())
        .await
        .map_err(db)?;
        Ok(row.map(|(b,)| b))
    }

    async fn issue_ticket(
        &self,
        token_hash: &str,
        ticket: &Ticket,
        expires_at: OffsetDateTime,
        ctx: &AuditContext,
    ) -> Result<()> {
        let mut w = self.write().await?;
        // Old tickets go as new ones come; none outlives its minute.
        sqlx::query("DELETE FROM document_tickets WHERE expires_at < $1")
            .bind(to_millis(ctx.at))
            .execute(&mut *w.tx)
            .await
            .map_err(db)?;
        sqlx::query(
            "INSERT INTO document_tickets (token_hash, document_id, version, user_id, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash)
        .bind(ticket.document_id)
        .bind(i64::from(ticket.version))
        .bind(ticket.user_id)
        .bind(to_millis(expires_at))
        .execute(&mut *w.tx)
        .await
        .map_err(db)?;
        let change = Change {
            action: "document.ticket",
            entity: "document",
            entity_id: Some(ticket.document_id.to_string()),
            before: None,
            after: Some(json!({ "user_id": ticket.user_id, "version": ticket.version })),
        };
        audit::append(&mut w, ctx, change).await?;
        w.commit().await
    }

    async fn take_ticket(
        &self,
        token_hash: &str,
        now: OffsetDateTime,
        ctx: &AuditContext,
    ) -> Result<Option<Ticket>> {
        let mut w = self.write().await?;
        let row: Option<(i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT document_id, version, user_id, expires_at FROM document_tickets \
             WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&mut *w.tx)
        .await
        .map_err(db)?;
        let Some((document_id, version, user_id, expires_at)) = row else {
            return Ok(None);
        };
        sqlx::query("DELETE FROM document_tickets WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&mut *w.tx)
            .await
            .map_err(db)?;
        let change = Change {
            action: "document.deliver",
            entity: "document",
            entity_id: Some(document_id.to_string()),
            before: None,
            after: Some(json!({ "user_id": user_id, "version": version })),
        };
        audit::append(&mut w, ctx, change).await?;
        w.commit().await?;
        if expires_at < to_millis(now) {
            return Ok(None);
        }
        Ok(Some(Ticket {
            document_id,
            version: u32::try_from(version).unwrap_or(0),
            user_id,
        }))
    }
}

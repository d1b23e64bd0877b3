//! The exchange with the national document axis: outgoing documents and
//! their recipients, the outbox, incoming documents, the agency directory.

use nghitruong_domain::clock::{from_millis, to_millis};
use serde_json::json;
use sqlx::AssertSqlSafe;
use sqlx::any::AnyRow;

use super::audit::{self, Change};
use super::rows::{date_text, get, parse_date};
use super::{SqlStore, Write, db};
use crate::exchange::{
    Agency, ExchangeStore, Incoming, IncomingFileInfo, NewIncoming, NewOutboxItem, NewOutgoing,
    OutboxItem, OutboxState, Outgoing, RecipientStatus, Registration, StatusReport,
};
use crate::{AuditContext, Result, StoreError};

const OUTBOX: &str = "id, dedupe_key, message_type, outgoing_id, incoming_id, summary, package, \
    state, attempts, next_attempt_at, last_error, axis_doc_id, created_at, sent_at";

fn outbox_item(row: &AnyRow) -> Result<OutboxItem> {
    let state: String = get(row, "state")?;
    let attempts: i64 = get(row, "attempts")?;
    let sent_at: Option<i64> = get(row, "sent_at")?;
    Ok(OutboxItem {
        id: get(row, "id")?,
        dedupe_key: get(row, "dedupe_key")?,
        message_type: get(row, "message_type")?,
        outgoing_id: get(row, "outgoing_id")?,
        incoming_id: get(row, "incoming_id")?,
        summary: get(row, "summary")?,
        package: get(row, "package")?,
        state: OutboxState::parse(&state)
            .ok_or_else(|| StoreError::Other(anyhow::anyhow!("bad outbox state {state:?}")))?,
        attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
        next_attempt_at: from_millis(get(row, "next_attempt_at")?),
        last_error: get(row, "last_error")?,
        axis_doc_id: get(row, "axis_doc_id")?,
        created_at: from_millis(get(row, "created_at")?),
        sent_at: sent_at.map(from_millis),
    })
}

const OUTGOING: &str = "id, document_id, business, original_id, number, notation, type_name, \
    subject, issued_on, reason, pdf_name, state, created_by, created_at";

fn outgoing_row(row: &AnyRow) -> Result<Outgoing> {
    let business: i64 = get(row, "business")?;
    Ok(Outgoing {
        id: get(row, "id")?,
        document_id: get(row, "document_id")?,
        business: u32::try_from(business).unwrap_or(u32::MAX),
        original_id: get(row, "original_id")?,
        number: get(row, "number")?,
        notation: get(row, "notation")?,
        type_name: get(row, "type_name")?,
        subject: get(row, "subject")?,
        issued_on: parse_date(&get::<String>(row, "issued_on")?)?,
        reason: get(row, "reason")?,
        pdf_name: get(row, "pdf_name")?,
        state: get(row, "state")?,
        created_by: get(row, "created_by")?,
        created_at: from_millis(get(row, "created_at")?),
        recipients: Vec::new(),
        delivery: None,
    })
}

fn recipient(row: &AnyRow) -> Result<RecipientStatus> {
    let at: Option<i64> = get(row, "updated_at")?;
    Ok(RecipientStatus {
        organ_id: get(row, "organ_id")?,
        organ_name: get(row, "organ_name")?,
        status_code: get(row, "status_code")?,
        description: get(row, "description")?,
        updated_at: at.map(from_millis),
    })
}

const INCOMING: &str = "id, axis_doc_id, from_organ_id, from_name, document_id, code, type_name, \
    subject, issued_on, business, original_document_id, reason, reg_year, reg_number, \
    registered_on, received_at, state, last_status";

fn incoming_row(row: &AnyRow) -> Result<Incoming> {
    let business: i64 = get(row, "business")?;
    let year: i64 = get(row, "reg_year")?;
    let issued: Option<String> = get(row, "issued_on")?;
    Ok(Incoming {
        id: get(row, "id")?,
        axis_doc_id: get(row, "axis_doc_id")?,
        from_organ_id: get(row, "from_organ_id")?,
        from_name: get(row, "from_name")?,
        document_id: get(row, "document_id")?,
        code: get(row, "code")?,
        type_name: get(row, "type_name")?,
        subject: get(row, "subject")?,
        issued_on: issued.as_deref().map(parse_date).transpose()?,
        business: u32::try_from(business).unwrap_or(u32::MAX),
        original_document_id: get(row, "original_document_id")?,
        reason: get(row, "reason")?,
        reg_number: get(row, "reg_number")?,
        reg_year: i32::try_from(year).unwrap_or(0),
        registered_on: parse_date(&get::<String>(row, "registered_on")?)?,
        received_at: from_millis(get(row, "received_at")?),
        state: get(row, "state")?,
        last_status: get(row, "last_status")?,
        files: Vec::new(),
    })
}

fn file_info(row: &AnyRow) -> Result<IncomingFileInfo> {
    Ok(IncomingFileInfo {
        id: get(row, "id")?,
        name: get(row, "name")?,
        content_type: get(row, "content_type")?,
        size: get(row, "size")?,
    })
}

async fn insert_outbox(w: &mut Write<'_>, item: &NewOutboxItem, at: i64) -> Result<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO exchange_outbox (dedupe_key, message_type, outgoing_id, incoming_id, summary, \
         package, state, attempts, next_attempt_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $7) RETURNING id",
    )
    .bind(&item.dedupe_key)
    .bind(&item.message_type)
    .bind(item.outgoing_id)
    .bind(item.incoming_id)
    .bind(&item.summary)
    .bind(item.package.clone())
    .bind(at)
    .fetch_one(&mut *w.tx)
    .await
    .map_err(db)?;
    Ok(id)
}

impl SqlStore {
    async fn with_details(&self, mut doc: Outgoing) -> Result<Outgoing> {
        doc.recipients = super::rows::all_by_id(
            self.pool(),
            "SELECT organ_id, organ_name, status_code, description, updated_at \
             FROM exchange_recipients WHERE outgoing_id = $1 ORDER BY organ_id"
                .into(),
            doc.id,
            recipient,
        )
        .await?;
        doc.delivery = super::rows::all_by_id(
            self.pool(),
            format!(
                "SELECT {OUTBOX} FROM exchange_outbox WHERE outgoing_id = $1 \
                 AND message_type = 'edoc' ORDER BY id DESC LIMIT 1"
            ),
            doc.id,
            outbox_item,
        )
        .await?
        .into_iter()
        .next();
        Ok(doc)
    }

    async fn with_files(&self, mut doc: Incoming) -> Result<Incoming> {
        doc.files = super::rows::all_by_id(
            self.pool(),
            "SELECT id, name, content_type, CAST(LENGTH(content) AS BIGINT) AS size FROM exchange_incoming_files \
             WHERE incoming_id = $1 ORDER BY id"
                .into(),
            doc.id,
            file_info,
        )
        .await?;
        Ok(doc)
    }
}

#[async_trait::async_trait]
impl ExchangeStore for SqlStore {
    async fn create_outgoing(&self, new: &NewOutgoing, ctx: &AuditContext) -> Result<i64> {
        let at = to_millis(ctx.at);
        let mut w = self.write().await?;
        if let Some(original) = new.original_id {
            let state: Option<(String,)> =
                sqlx::query_as("SELECT state FROM exchange_outgoing WHERE id = $1")
                    .bind(original)
                    .fetch_optional(&mut *w.tx)
                    .await
                    .map_err(db)?;
            match state {
                None => return Err(StoreError::NotFound),
                Some((s,)) if s != "active" => {
                    return Err(StoreError::Conflict(
                        "Văn bản gốc đã bị thu hồi, cập nhật hoặc thay thế trước đó.".into(),
                    ));
                }
                Some(_) => {}
            }
        }
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO exchange_outgoing (document_id, business, original_id, number, notation, \
             type_name, subject, issued_on, reason, pdf_name, state, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'active', $11, $12) RETURNING id",
        )
        .bind(&new.document_id)
        .bind(i64::from(new.business))
        .bind(new.original_id)
        .bind(&new.number)
        .bind(&new.notation)
        .bind(&new.type_name)
        .bind(&new.subject)
        .bind(date_text(new.issued_on))
        .bind(&new.reason)
        .bind(new.pdf_name.clone())
        .bind(ctx.actor_id)
        .bind(at)
        .fetch_one(&mut *w.tx)
        .await
        .map_err(db)?;
        for r in &new.recipients {
            sqlx::query(
                "INSERT INTO exchange_recipients (outgoing_id, organ_id, organ_name) \
                 VALUES ($1, $2, $3)",
            )
            .bind(id)
            .bind(&r.organ_id)
            .bind(&r.organ_name)
            .execute(&mut *w.tx)
            .await
            .map_err(db)?;
        }
        if let Some(original) = new.original_id {
            let state = match new.business {
                1 => "revoked",
                2 => "updated",
                3 => "replaced",
                _ => "active",
            };
            sqlx::query("UPDATE exchange_outgoing SET state = $1 WHERE id = $2")
                .bind(state)
                .bind(original)
                .execute(&mut *w.tx)
                .await
                .map_err(db)?;
        }
        let item = NewOutboxItem {
            dedupe_key: format!("edoc:{id}"),
            message_type: "edoc".into(),
            outgoing_id: Some(id),
            incoming_id: None,
            summary: format!("{}/{} {}", new.number, new.notation, new.subject),
            package: new.package.clone(),
        };
        insert_outbox(&mut w, &item, at).await?;
        let change = Change {
            action: "exchange.send",
            entity: "exchange_outgoing",
            entity_id: Some(id.to_string()),
            before: None,
            after: Some(json!({
                "document_id": new.document_id, "business": new.business,
                "original_id": new.original_id, "subject": new.subject,
                "recipients": new.recipients.iter().map(|r| &r.organ_id).collect::<Vec<_>>(),
                "bytes": new.package.len(),
            })),
        };
        audit::append(&mut w, ctx, change).await?;
        w.commit().await?;
        Ok(id)
    }

    async fn outgoing_list(&self, limit: i64) -> Result<Vec<Outgoing>> {
        let docs = super::rows::all_by_id(
            self.pool(),
            format!("SELECT {OUTGOING} FROM exchange_outgoing ORDER BY id DESC LIMIT $1"),
            limit,
            outgoing_row,
        )
        .await?;
        let mut out = Vec::with_capacity(docs.len());
        for doc in docs {
            out.push(self.with_details(doc).await?);
        }
        Ok(out)
    }

    async fn outgoing(&self, id: i64) -> Result<Outgoing> {
        let doc = super::rows::one_by_id(
            self.pool(),
            format!("SELECT {OUTGOING} FROM exchange_outgoing WHERE id = $1"),
            id,
            outgoing_row,
        )
        .await?;
        self.with_details(doc).await
    }

    async fn enqueue(&self, item: &NewOutboxItem, ctx: &AuditContext) -> Result<i64> {
        let mut w = self.write().await?;
        let existing: Option<(i64,)> =
            sqlx::query_as("SELECT id FROM exchange_outbox WHERE dedupe_key = $1")
                .bind(&item.dedupe_key)
                .fetch_optional(&mut *w.tx)
                .await
                .map_err(db)?;
        if let Some((id,)) = existing {
            return Ok(id);
        }
        let id = insert_outbox(&mut w, item, to_millis(ctx.at)).await?;
        let change = Change {
            action: "exchange.enqueue",
            entity: "exchange_outbox",
            entity_id: Some(id.to_string()),
            before: None,
            after: Some(json!({ "key": item.dedupe_key, "type": item.message_type,
                                "summary": item.summary })),
        };
        audit::append(&mut w, ctx, change).await?;
        w.commit().await?;
        Ok(id)
    }

    async fn due_outbox(&self, now: time::OffsetDateTime, limit: i64) -> Result<Vec<OutboxItem>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {OUTBOX} FROM exchange_outbox WHERE state = 'pending' \
             AND next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT $2"
        )))
        .bind(to_millis(now))
        .bind(limit)
        .fetch_all(self.pool())
        .await
        .map_err(db)?;
        rows.iter().map(outbox_item).collect()
    }

    async fn outbox(&self, limit: i64) -> Result<Vec<OutboxItem>> {
        super::rows::all_by_id(
            self.pool(),
            format!("SELECT {OUTBOX} FROM exchange_outbox ORDER BY id DESC LIMIT $1"),
            limit,
            outbox_item,
        )
        .await
    }

    async fn outbox_sent(&self, id: i64, axis_doc_id: &str, ctx: &AuditContext) -> Result<()> {
        let mut w = self.write().await?;
        let done = sqlx::query(
            "UPDATE exchange_outbox SET state = 'sent', axis_doc_id = $1, sent_at = $2, \
             attempts = attempts + 1, last_error = NULL WHERE id = $3 AND state = 'pending'",
        )
        .bind(axis_doc_id)
        .bind(to_millis(ctx.at))
        .bind(id)
        .execute(&mut *w.tx)
        .await
        .map_err(db)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict("outbox item is not pending".into()));
        }
        let change = Change {
            action: "exchange.sent",
            entity: "exchange_outbox",
            entity_id: Some(id.to_string()),
            before: None,
            after: Some(json!({ "axis_doc_id": axis_doc_id })),
        };
        audit::append(&mut w, ctx, change).await?;
        w.commit().await
    }

    async fn outbox_retry(
        &self,
        id: i64,
        next_at: time::OffsetDateTime,
        error: &str,
    ) -> Result<()> {
        // Bookkeeping of delivery attempts, like sign-in failures: no audit
        // record, or an axis that is down for a day would flood the log.
        let mut w = self.write().await?;
        sqlx::query(
            "UPDATE exchange_outbox SET attempts = attempts + 1, next_attempt_at = $1, \
             last_error = $2 WHERE id = $3 AND state = 'pending'",
        )
        .bind(to_millis(next_at))
        .bind(error)
        .bind(id)
        .execute(&mut *w.tx)
        .await
        .map_err(db)?;
        w.commit().await
    }

    async fn outbox_failed(&self, id: i64, error: &str, ctx: &AuditContext) -> Result<()> {
        let mut w = self.write().await?;
        sqlx::query(
            "UPDATE exchange_outbox SET state = 'failed', attempts = attempts + 1, \
             last_error = $1 WHERE id = $2 AND state = 'pending'",
        )
        .bind(error)
        .bind(id)
        .execute(&mut *w.tx)
        .await
        .map_err(db)?;
        let change = Change {
            action: "exchange.failed",
            entity: "exchange_outbox",
            entity_id: Some(id.to_string()),
            before: None,
            after: Some(json!({ "error": error })),
        };
        audit::append(&mut w, ctx, change).await?;
        w.commit().await
    }

    async fn record_status(&self, report: &StatusReport, ctx: &AuditContext) -> Result<bool> {
        let mut w = self.write().await?;
        let found: Option<(i64,)> = sqlx::query_as(
            "SELECT o.id FROM exchange_outgoing o JOIN exchange_recipients r \
             ON r.outgoing_id = o.id WHERE o.document_id = $1 AND r.organ_id = $2 \
             ORDER BY CASE WHEN o.business = 0 THEN $3 ELSE 1 - $3 END, o.id DESC LIMIT 1",
        )
        .bind(&report.document_id)
        .bind(&report.from_organ_id)
        // Answers to a revoke or update (15, 16) belong to that request; every
        // other status to the document itself.
        .bind(i64::from(matches!(report.status_code.as_str(), "15" | "16")))
        .fetch_optional(&mut *w.tx)
        .await
        .map_err(db)?;
        let Some((outgoing_id,)) = found else {
            return Ok(false);
        };
        let at = to_millis(report.at);
        sqlx::query(
            "UPDATE exchange_recipients SET status_code = $1, description = $2, updated_at = $3 \
             WHERE outgoing_id = $4 AND organ_id = $5",
        )
        .bind(&report.status_code)
        .bind(report.description.clone())
        .bind(at)
        .bind(outgoing_id)
        .bind(&report.from_organ_id)
        .execute(&mut *w.tx)
        .await
        .map_err(db)?;
        sqlx::query(
            "INSERT INTO exchange_status_log (outgoing_id, organ_id, status_code, description, at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(outgoing_id)
        .bind(&report.from_organ_id)
        .bind(&report.status_code)
        .bind(report.description.clone())
        .bind(at)
        .execute(&mut *w.tx)
        .await
        .map_err(db)?;
        let change = Change {
            action: "exchange.status_received",
            entity: "exchange_outgoing",
            entity_id: Some(outgoing_id.to_string()),
            before: None,
            after: Some(
                json!({ "from": report.from_organ_id, "code": report.status_code,
                                "description": report.description }),
            ),
        };
        audit::append(&mut w, ctx, change).await?;
        w.commit().await?;
        Ok(true)
    }

    async fn register_incoming(
        &self,
        new: &NewIncoming,
        ctx: &AuditContext,
    ) -> Result<Registration> {
        let mut w = self.write().await?;
        let existing: Option<(i64, i64, i64)> = sqlx::query_as(
            "SELECT id, reg_number, reg_year FROM exchange_incoming WHERE fingerprint = $1",
        )
        .bind(&new.fingerprint)
        .fetch_optional(&mut *w.tx)
        .await
        .map_err(db)?;
        if let Some((id, number, year)) = existing {
            return Ok(Registration {
                id,
                number,
                year: i32::try_from(year).unwrap_or(0),
                duplicate: true,
            });
        }
        let year = new.registered_on.year();
        let (last,): (Option<i64>,) =
            sqlx::query_as("SELECT MAX(reg_number) FROM exchange_incoming WHERE reg_year = $1")
                .bind(i64::from(year))
                .fetch_one(&mut *w.tx)
                .await
                .map_err(db)?;
        let number = last.unwrap_or(0) + 1;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO exchange_incoming (fingerprint, axis_doc_id, from_organ_id, from_name, \
             document_id, code, type_name, subject, issued_on, business, original_document_id, \
             reason, reg_year, reg_number, registered_on, received_at, state, package) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, \
             'registered', $17) RETURNING id",
        )
        .bind(&new.fingerprint)
        .bind(&new.axis_doc_id)
        .bind(&new.from_organ_id)
        .bind(&new.from_name)
        .bind(&new.document_id)
        .bind(&new.code)
        .bind(&new.type_name)
        .bind(&new.subject)
        .bind(new.issued_on.map(date_text))
        .bind(i64::from(new.business))
        .bind(new.original_document_id.clone())
        .bind(new.reason.clone())
        .bind(i64::from(year))
        .bind(number)
        .bind(date_text(new.registered_on))
        .bind(to_millis(ctx.at))
        .bind(new.package.clone())
        .fetch_one(&mut *w.tx)
        .await
        .map_err(db)?;
        for f in &new.files {
            sqlx::query(
                "INSERT INTO exchange_incoming_files (incoming_id, name, content_type, content) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(id)
            .bind(&f.name)
            .bind(&f.content_type)
            .bind(f.content.clone())
            .execute(&mut *w.tx)
            .await
            .map_err(db)?;
        }
        let change = Change {
            action: "exchange.register",
            entity: "exchange_incoming",
            entity_id: Some(id.to_string()),
            before: None,
            after: Some(json!({
                "number": number, "year": year, "from": new.from_organ_id,
                "document_id": new.document_id, "business": new.business,
                "files": new.files.len(),
            })),
        };
        audit::append(&mut w, ctx, change).await?;
        w.commit().await?;
        Ok(Registration {
            id,
            number,
            year,
            duplicate: false,
        })
    }

    async fn incoming_list(&self, limit: i64) -> Result<Vec<Incoming>> {
        let docs = super::rows::all_by_id(
            self.pool(),
            format!("SELECT {INCOMING} FROM exchange_incoming ORDER BY id DESC LIMIT $1"),
            limit,
            incoming_row,
        )
        .await?;
        let mut out = Vec::with_capacity(docs.len());
        for doc in docs {
            out.push(self.with_files(doc).await?);
        }
        Ok(out)
    }

    async fn incoming(&self, id: i64) -> Result<Incoming> {
        let doc = super::rows::one_by_id(
            self.pool(),
            format!("SELECT {INCOMING} FROM exchange_incoming WHERE id = $1"),
            id,
            incoming_row,
        )
        .await?;
        self.with_files(doc).await
    }

    async fn incoming_by_document(
        &self,
        from_organ_id: &str,
        document_id: &str,
    ) -> Result<Option<Incoming>> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {INCOMING} FROM exchange_incoming WHERE from_organ_id = $1 \
             AND document_id = $2 AND business = 0 ORDER BY id DESC LIMIT 1"
        )))
        .bind(from_organ_id)
        .bind(document_id)
        .fetch_optional(self.pool())
        .await
        .map_err(db)?;
        match row {
            Some(row) => Ok(Some(self.with_files(incoming_row(&row)?).await?)),
            None => Ok(None),
        }
    }

    async fn incoming_file(
        &self,
        incoming_id: i64,
        file_id: i64,
    ) -> Result<(IncomingFileInfo, Vec<u8>)> {
        let row = sqlx::query(
            "SELECT id, name, content_type, CAST(LENGTH(content) AS BIGINT) AS size, content \
             FROM exchange_incoming_files WHERE id = $1 AND incoming_id = $2",
        )
        .bind(file_id)
        .bind(incoming_id)
        .fetch_optional(self.pool())
        .await
        .map_err(db)?
        .ok_or(StoreError::NotFound)?;
        Ok((file_info(&row)?, get(&row, "content")?))
    }

    async fn set_incoming_state(
        &self,
        id: i64,
        state: Option<&str>,
        last_status: Option<&str>,
        ctx: &AuditContext,
    ) -> Result<()> {
        let mut w = self.write().await?;
        let done = sqlx::query(
            "UPDATE exchange_incoming SET state = COALESCE($1, state), \
             last_status = COALESCE($2, last_status) WHERE id = $3",
        )
        .bind(state.map(str::to_owned))
        .bind(last_status.map(str::to_owned))
        .bind(id)
        .execute(&mut *w.tx)
        .await
        .map_err(db)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        let change = Change {
            action: "exchange.incoming_state",
            entity: "exchange_incoming",
            entity_id: Some(id.to_string()),
            before: None,
            after: Some(json!({ "state": state, "last_status": last_status })),
        };
        audit::append(&mut w, ctx, change).await?;
        w.commit().await
    }

    async fn replace_agencies(&self, agencies: &[Agency], ctx: &AuditContext) -> Result<usize> {
        let mut w = self.write().await?;
        sqlx::query("DELETE FROM exchange_agencies")
            .execute(&mut *w.tx)
            .await
            .map_err(db)?;
        let at = to_millis(ctx.at);
        let mut seen = std::collections::HashSet::new();
        for a in agencies.iter().filter(|a| seen.insert(a.code.clone())) {
            sqlx::query(
                "INSERT INTO exchange_agencies (code, name, parent, fetched_at) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(&a.code)
            .bind(&a.name)
            .bind(a.parent.clone())
            .bind(at)
            .execute(&mut *w.tx)
            .await
            .map_err(db)?;
        }
        let change = Change {
            action: "exchange.agencies",
            entity: "exchange_agencies",
            entity_id: None,
            before: None,
            after: Some(json!({ "count": seen.len() })),
        };
        audit::append(&mut w, ctx, change).await?;
        w.commit().await?;
        Ok(seen.len())
    }

    async fn agencies(&self) -> Result<Vec<Agency>> {
        let rows = sqlx::query("SELECT code, name, parent FROM exchange_agencies ORDER BY code")
            .fetch_all(self.pool())
            .await
            .map_err(db)?;
        rows.iter()
            .map(|row| {
                Ok(Agency {
                    code: get(row, "code")?,
                    name: get(row, "name")?,
                    parent: get(row, "parent")?,
                })
            })
            .collect()
    }
}

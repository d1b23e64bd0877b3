//! Written consultations between sessions (xin ý kiến bằng văn bản).

use async_trait::async_trait;
use nghitruong_domain::clock::{from_millis, to_millis};
use nghitruong_domain::consultation::{self, ConsultationEvent, ConsultationStatus, Opinion};
use serde_json::json;
use sqlx::AssertSqlSafe;
use sqlx::any::AnyRow;
use time::OffsetDateTime;

use super::audit::{self, Change};
use super::rows::{coded, get};
use super::{SqlStore, Write, db};
use crate::{
    AuditContext, Consultation, ConsultationAnswer, ConsultationStore, NewConsultation, Result,
    StoreError,
};

const COLUMNS: &str =
    "id, council_id, title, question, documents_json, deadline, status, created_at, sent_at";

fn consultation_row(row: &AnyRow) -> Result<Consultation> {
    let documents: String = get(row, "documents_json")?;
    Ok(Consultation {
        id: get(row, "id")?,
        council_id: get(row, "council_id")?,
        title: get(row, "title")?,
        question: get(row, "question")?,
        document_ids: serde_json::from_str(&documents).map_err(|e| StoreError::Other(e.into()))?,
        deadline: from_millis(get(row, "deadline")?),
        status: coded(row, "status")?,
        created_at: from_millis(get(row, "created_at")?),
        sent_at: get::<Option<i64>>(row, "sent_at")?.map(from_millis),
    })
}

async fn one_in(w: &mut Write<'_>, id: i64) -> Result<Consultation> {
    let sql = format!("SELECT {COLUMNS} FROM consultations WHERE id = $1");
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *w.tx)
        .await
        .map_err(db)?
        .ok_or(StoreError::NotFound)?;
    consultation_row(&row)
}

fn refused(e: impl std::fmt::Display) -> StoreError {
    StoreError::Conflict(e.to_string())
}

#[async_trait]
impl ConsultationStore for SqlStore {
    async fn create_consultation(&self, new: &NewConsultation, ctx: &AuditContext) -> Result<i64> {
        let mut w = self.write().await?;
        let documents =
            serde_json::to_string(&new.document_ids).map_err(|e| StoreError::Other(e.into()))?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO consultations (council_id, title, question, documents_json, deadline, \
             status, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(new.council_id)
        .bind(&new.title)
        .bind(&new.question)
        .bind(&documents)
        .bind(to_millis(new.deadline))
        .bind(ConsultationStatus::Draft.as_str())
        .bind(to_millis(ctx.at))
        .fetch_one(&mut *w.tx)
        .await
        .map_err(db)?;
        let change = Change {
            action: "consultation.create",
            entity: "consultation",
            entity_id: Some(id.to_string()),
            before: None,
            after: Some(json!({
                "council_id": new.council_id, "title": new.title, "question": new.question,
                "documents": new.document_ids, "deadline": to_millis(new.deadline),
            })),
        };
        audit::append(&mut w, ctx, change).await?;
        w.commit().await?;
        Ok(id)
    }

    async fn consultation(&self, id: i64) -> Result<Consultation> {
        let sql = format!("SELECT {COLUMNS} FROM consultations WHERE id = $1");
        super::rows::one_by_id(self.pool(), sql, id, consultation_row).await
    }

    async fn consultations(&self, council_id: i64) -> Result<Vec<Consultation>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM consultations WHERE council_id = $1 \
             ORDER BY created_at DESC, id DESC"
        );
        super::rows::all_by_id(self.pool(), sql, council_id, consultation_row).await
    }

    async fn consultations_to_follow(&self, since: OffsetDateTime) -> Result<Vec<Consultation>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM consultations WHERE status <> $1 AND deadline >= $2 \
             ORDER BY deadline, id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(ConsultationStatus::Draft.as_str())
            .bind(to_millis(since))
            .fetch_all(self.pool())
            .await
            .map_err(super::db)?;
        rows.iter().map(consultation_row).collect()
    }

    async fn consultation_event(
        &self,
        id: i64,
        event: ConsultationEvent,
        ctx: &AuditContext,
    ) -> Result<ConsultationStatus> {
        if event == ConsultationEvent::Answer {
            return Err(refused("Ý kiến được gửi qua phiếu trả lời của đại biểu."));
        }
        let mut w = self.write().await?;
        let c = one_in(&mut w, id).await?;
        let to = c.status.on(event, c.deadline, ctx.at).map_err(refused)?;
        let sent_at = if event == ConsultationEvent::Send {
            Some(to_millis(ctx.at))
        } else {
            c.sent_at.map(to_millis)
        };
        sqlx::query("UPDATE consultations SET status = $1, sent_at = $2 WHERE id = $3")
            .bind(to.as_str())
            .bind(sent_at)
            .bind(id)
            .execute(&mut *w.tx)
            .await
            .map_err(db)?;
        let change = Change {
            action: "consultation.event",
            entity: "consultation",
            entity_id: Some(id.to_string()),
            before: Some(json!({ "status": c.status.as_str() })),
            after: Some(json!({ "status": to.as_str(), "event": event.as_str() })),
        };
        audit::append(&mut w, ctx, change).await?;
        w.commit().await?;
        Ok(to)
    }

    async fn answer_consultation(
        &self,
        id: i64,
        person_id: i64,
        holds_office: bool,
        opinion: Opinion,
        text: &str,
        ctx: &AuditContext,
    ) -> Result<()> {
        let mut w = self.write().await?;
        let c = one_in(&mut w, id).await?;
        consultation::check_answer(c.status, c.deadline, ctx.at, holds_office, opinion, text)
            .map_err(refused)?;
        let text = text.trim();
        sqlx::query(
            "INSERT INTO consultation_answers (consultation_id, person_id, opinion, text, \
             answered_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (consultation_id, person_id) DO UPDATE SET opinion = excluded.opinion, \
             text = excluded.text, answered_at = excluded.answered_at",
        )
        .bind(id)
        .bind(person_id)
        .bind(opinion.as_str())
        .bind(text)
        .bind(to_millis(ctx.at))
        .execute(&mut *w.tx)
        .await
        .map_err(db)?;
        let change = Change {
            action: "consultation.answer",
            entity: "consultation",
            entity_id: Some(id.to_string()),
            before: None,
            after: Some(json!({
                "person_id": person_id, "opinion": opinion.as_str(), "text": text,
            })),
        };
        audit::append(&mut w, ctx, change).await?;
        w.commit().await?;
        Ok(())
    }

    async fn consultation_answers(&self, id: i64) -> Result<Vec<ConsultationAnswer>> {
        let rows = sqlx::query(
            "SELECT a.person_id, p.full_name, a.opinion, a.text, a.answered_at \
             FROM consultation_answers a JOIN people p ON p.id = a.person_id \
             WHERE a.consultation_id = $1 ORDER BY p.full_name, a.person_id",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok(ConsultationAnswer {
                    person_id: get(r, "person_id")?,
                    person_name: get(r, "full_name")?,
                    opinion: coded(r, "opinion")?,
                    text: get(r, "text")?,
                    answered_at: from_millis(get(r, "answered_at")?),
                })
            })
            .collect()
    }
}

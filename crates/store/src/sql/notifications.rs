//! Notifications and the e-mail outbox, over SQL.

use async_trait::async_trait;
use nghitruong_domain::access::Role;
use nghitruong_domain::clock::{from_millis, to_millis};
use serde_json::json;
use sqlx::AssertSqlSafe;
use sqlx::any::AnyRow;
use time::OffsetDateTime;

use super::audit::{self, Change};
use super::rows::{get, placeholders};
use super::{SqlStore, db};
use crate::{
    AuditContext, NewNotification, Notification, NotificationStore, OutgoingEmail, Result,
};

fn notification(row: &AnyRow) -> Result<Notification> {
    Ok(Notification {
        id: get(row, "id")?,
        user_id: get(row, "user_id")?,
        subject: get(row, "subject")?,
        body: get(row, "body")?,
        link: get(row, "link")?,
        created_at: from_millis(get(row, "created_at")?),
        read_at: get::<Option<i64>>(row, "read_at")?.map(from_millis),
    })
}

#[async_trait]
impl NotificationStore for SqlStore {
    async fn add_notifications(&self, new: &NewNotification, at: OffsetDateTime) -> Result<usize> {
        let mut recipients = new.recipients.clone();
        recipients.sort_unstable();
        recipients.dedup();
        let mut w = self.write().await?;
        let mut created = 0;
        for user_id in recipients {
            let row: Option<(i64,)> = sqlx::query_as(
                "INSERT INTO notifications (user_id, dedupe_key, subject, body, link, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (user_id, dedupe_key) DO NOTHING RETURNING id",
            )
            .bind(user_id)
            .bind(new.dedupe_key.clone())
            .bind(new.subject.clone())
            .bind(new.body.clone())
            .bind(new.link.clone())
            .bind(to_millis(at))
            .fetch_optional(&mut *w.tx)
            .await
            .map_err(db)?;
            let Some((id,)) = row else { continue };
            created += 1;
            if !new.email {
                continue;
            }
            let (email,): (Option<String>,) =
                sqlx::query_as("SELECT email FROM users WHERE id = $1 AND is_active = 1")
                    .bind(user_id)
                    .fetch_optional(&mut *w.tx)
                    .await
                    .map_err(db)?
                    .unwrap_or((None,));
            if let Some(email) = email {
                sqlx::query(
                    "INSERT INTO email_outbox (notification_id, recipient, subject, body, \
                     attempts, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, 0, $5, $5)",
                )
                .bind(id)
                .bind(email)
                .bind(new.subject.clone())
                .bind(new.body.clone())
                .bind(to_millis(at))
                .execute(&mut *w.tx)
                .await
                .map_err(db)?;
            }
        }
        w.commit().await?;
        Ok(created)
    }

    async fn notifications(&self, user_id: i64, limit: i64) -> Result<Vec<Notification>> {
        sqlx::query(
            "SELECT id, user_id, subject, body, link, created_at, read_at FROM notifications \
             WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
        )
        .bind(user_id)
        .bind(limit)
        .fetch_all(self.pool())
        .await
        .map_err(db)?
        .iter()
        .map(notification)
        .collect()
    }

    async fn unread_notifications(&self, user_id: i64) -> Result<i64> {
        let (n,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL",
        )
        .bind(user_id)
        .fetch_one(self.pool())
        .await
        .map_err(db)?;
        Ok(n)
    }

    async fn mark_notifications_read(
        &self,
        user_id: i64,
        id: Option<i64>,
        at: OffsetDateTime,
    ) -> Result<u64> {
        let mut w = self.write().await?;
        let done = match id {
            Some(id) => sqlx::query(
                "UPDATE notifications SET read_at = $1 \
                 WHERE user_id = $2 AND id = $3 AND read_at IS NULL",
            )
            .bind(to_millis(at))
            .bind(user_id)
            .bind(id),
            None => sqlx::query(
                "UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL",
            )
            .bind(to_millis(at))
            .bind(user_id),
        }
        .execute(&mut *w.tx)
        .await
        .map_err(db)?;
        w.commit().await?;
        Ok(done.rows_affected())
    }

    async fn user_email(&self, user_id: i64) -> Result<Option<String>> {
        let (email,): (Option<String>,) = sqlx::query_as("SELECT email FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_one(self.pool())
            .await
            .map_err(db)?;
        Ok(email)
    }

    async fn set_user_email(
        &self,
        user_id: i64,
        email: Option<&str>,
        ctx: &AuditContext,
    ) -> Result<()> {
        let mut w = self.write().await?;
        let (before,): (Option<String>,) = sqlx::query_as("SELECT email FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_one(&mut *w.tx)
            .await
            .map_err(db)?;
        sqlx::query("UPDATE users SET email = $1 WHERE id = $2")
            .bind(email.map(str::to_owned))
            .bind(user_id)
            .execute(&mut *w.tx)
            .await
            .map_err(db)?;
        let change = Change {
            action: "user.email",
            entity: "user",
            entity_id: Some(user_id.to_string()),
            before: Some(json!({ "email": before })),
            after: Some(json!({ "email": email })),
        };
        audit::append(&mut w, ctx, change).await?;
        w.commit().await
    }

    async fn due_emails(&self, now: OffsetDateTime, limit: i64) -> Result<Vec<OutgoingEmail>> {
        let rows = sqlx::query(
            "SELECT id, recipient, subject, body, attempts FROM email_outbox \
             WHERE sent_at IS NULL AND next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT $2",
        )
        .bind(to_millis(now))
        .bind(limit)
        .fetch_all(self.pool())
        .await
        .map_err(db)?;
        rows.iter()
            .map(|row| {
                Ok(OutgoingEmail {
                    id: get(row, "id")?,
                    recipient: get(row, "recipient")?,
                    subject: get(row, "subject")?,
                    body: get(row, "body")?,
                    attempts: get(row, "attempts")?,
                })
            })
            .collect()
    }

    async fn email_sent(&self, id: i64, at: OffsetDateTime) -> Result<()> {
        let mut w = self.write().await?;
        sqlx::query(
            "UPDATE email_outbox SET sent_at = $1, attempts = attempts + 1, last_error = NULL \
             WHERE id = $2",
        )
        .bind(to_millis(at))
        .bind(id)
        .execute(&mut *w.tx)
        .await
        .map_err(db)?;
        w.commit().await
    }

    async fn email_failed(
        &self,
        id: i64,
        error: &str,
        retry_at: Option<OffsetDateTime>,
    ) -> Result<()> {
        let mut w = self.write().await?;
        // Giving up parks the e-mail far in the future; the notification
        // inside the product is still there.
        let next = retry_at.map_or(i64::MAX, to_millis);
        let error: String = error.chars().take(1000).collect();
        sqlx::query(
            "UPDATE email_outbox SET attempts = attempts + 1, last_error = $1, \
             next_attempt_at = $2 WHERE id = $3",
        )
        .bind(error)
        .bind(next)
        .bind(id)
        .execute(&mut *w.tx)
        .await
        .map_err(db)?;
        w.commit().await
    }

    async fn agency_users(&self, body_ids: &[i64]) -> Result<Vec<i64>> {
        if body_ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT id FROM users WHERE is_active = 1 AND agency_body_id IN ({}) ORDER BY id",
            placeholders(1, body_ids.len())
        );
        let mut q = sqlx::query_as::<_, (i64,)>(AssertSqlSafe(sql));
        for id in body_ids {
            q = q.bind(*id);
        }
        let rows = q.fetch_all(self.pool()).await.map_err(db)?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    async fn person_users(&self, person_ids: &[i64]) -> Result<Vec<i64>> {
        if person_ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT id FROM users WHERE is_active = 1 AND person_id IN ({}) ORDER BY id",
            placeholders(1, person_ids.len())
        );
        let mut q = sqlx::query_as::<_, (i64,)>(AssertSqlSafe(sql));
        for id in person_ids {
            q = q.bind(*id);
        }
        let rows = q.fetch_all(self.pool()).await.map_err(db)?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    async fn council_users(&self, council_id: i64, roles: &[Role]) -> Result<Vec<i64>> {
        if roles.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT DISTINCT u.id FROM users u JOIN user_roles r ON r.user_id = u.id \
             WHERE u.is_active = 1 AND r.council_id = $1 AND r.role IN ({}) ORDER BY u.id",
            placeholders(2, roles.len())
        );
        let mut q = sqlx::query_as::<_, (i64,)>(AssertSqlSafe(sql)).bind(council_id);
        for role in roles {
            q = q.bind(role.as_str().to_owned());
        }
        let rows = q.fetch_all(self.pool()).await.map_err(db)?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }
}

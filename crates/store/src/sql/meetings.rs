//! Online meetings over SQL.

use nghitruong_domain::clock::{from_millis, to_millis};
use nghitruong_domain::meeting::{InviteRole, MeetingEvent, MeetingStatus, Presence};
use serde_json::json;
use sqlx::AssertSqlSafe;
use sqlx::any::AnyRow;

use super::audit::{self, Change};
use super::rows::{all_by_id, coded, get, one_by_id};
use super::{SqlStore, Write, db};
use crate::{
    AuditContext, Invitation, Invitee, Meeting, MeetingStore, NewMeeting, Result, StoreError,
};

const COLUMNS: &str = "id, council_id, title, kind, session_id, starts_at, status, ended_at";

fn meeting(row: &AnyRow) -> Result<Meeting> {
    Ok(Meeting {
        id: get(row, "id")?,
        council_id: get(row, "council_id")?,
        title: get(row, "title")?,
        kind: coded(row, "kind")?,
        session_id: get(row, "session_id")?,
        starts_at: from_millis(get(row, "starts_at")?),
        status: coded(row, "status")?,
        ended_at: get::<Option<i64>>(row, "ended_at")?.map(from_millis),
    })
}

fn invitation(row: &AnyRow) -> Result<Invitation> {
    let person: Option<i64> = get(row, "person_id")?;
    let hall: Option<String> = get(row, "hall")?;
    let invitee = match (person, hall) {
        (Some(p), _) => Invitee::Person(p),
        (None, Some(h)) => Invitee::Hall(h),
        (None, None) => {
            return Err(StoreError::Other(anyhow::anyhow!(
                "invitation without person or hall"
            )));
        }
    };
    Ok(Invitation {
        id: get(row, "id")?,
        meeting_id: get(row, "meeting_id")?,
        invitee,
        name: get(row, "name")?,
        role: coded(row, "role")?,
    })
}

fn presence(row: &AnyRow) -> Result<Presence> {
    Ok(Presence {
        user_id: get(row, "user_id")?,
        name: get(row, "name")?,
        joined_at: from_millis(get(row, "joined_at")?),
        left_at: get::<Option<i64>>(row, "left_at")?.map(from_millis),
    })
}

fn snapshot(m: &Meeting) -> serde_json::Value {
    json!({
        "council_id": m.council_id, "title": m.title, "kind": m.kind.as_str(),
        "session_id": m.session_id, "starts_at": to_millis(m.starts_at),
        "status": m.status.as_str(),
    })
}

#[async_trait::async_trait]
impl MeetingStore for SqlStore {
    async fn create_meeting(&self, new: &NewMeeting, ctx: &AuditContext) -> Result<Meeting> {
        let mut w = self.write().await?;
        if let Some(session_id) = new.session_id {
            let owner: Option<(i64,)> =
                sqlx::query_as("SELECT council_id FROM council_sessions WHERE id = $1")
                    .bind(session_id)
                    .fetch_optional(&mut *w.tx)
                    .await
                    .map_err(db)?;
            if owner.map(|(c,)| c) != Some(new.council_id) {
                return Err(StoreError::Conflict(
                    "Kỳ họp liên kết không thuộc Hội đồng này.".into(),
                ));
            }
        }
        let sql = format!(
            "INSERT INTO meetings (council_id, title, kind, session_id, starts_at, status, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {COLUMNS}"
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(new.council_id)
            .bind(new.title.clone())
            .bind(new.kind.as_str())
            .bind(new.session_id)
            .bind(to_millis(new.starts_at))
            .bind(MeetingStatus::Scheduled.as_str())
            .bind(to_millis(ctx.at))
            .fetch_one(&mut *w.tx)
            .await
            .map_err(db)?;
        let created = meeting(&row)?;
        let change = Change {
            action: "meeting.create",
            entity: "meeting",
            entity_id: Some(created.id.to_string()),
            before: None,
            after: Some(snapshot(&created)),
        };
        audit::append(&mut w, ctx, change).await?;
        w.commit().await?;
        Ok(created)
    }

    async fn meeting(&self, id: i64) -> Result<Meeting> {
        let sql = format!("SELECT {COLUMNS} FROM meetings WHERE id = $1");
        one_by_id(self.pool(), sql, id, meeting).await
    }

    async fn meetings(&self, council_id: i64) -> Result<Vec<Meeting>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM meetings WHERE council_id = $1 ORDER BY starts_at DESC, id DESC"
        );
        all_by_id(self.pool(), sql, council_id, meeting).await
    }

    async fn meeting_event(
        &self,
        id: i64,
        event: MeetingEvent,
        ctx: &AuditContext,
    ) -> Result<Meeting> {
        let mut w = self.write().await?;
        let sql = format!("SELECT {COLUMNS} FROM meetings WHERE id = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&mut *w.tx)
            .await
            .map_err(db)?
            .ok_or(StoreError::NotFound)?;
        let before = meeting(&row)?;
        let status = before
            .status
            .on(event)
            .map_err(|e| StoreError::Conflict(e.to_string()))?;
        let ended_at = (status == MeetingStatus::Ended).then(|| to_millis(ctx.at));
        sqlx::query("UPDATE meetings SET status = $1, ended_at = $2 WHERE id = $3")
            .bind(status.as_str())
            .bind(ended_at)
            .bind(id)
            .execute(&mut *w.tx)
            .await
            .map_err(db)?;
        if status == MeetingStatus::Ended {
            sqlx::query(
                "UPDATE meeting_presence SET left_at = $1 WHERE meeting_id = $2 AND left_at IS NULL",
            )
            .bind(to_millis(ctx.at))
            .bind(id)
            .execute(&mut *w.tx)
            .await
            .map_err(db)?;
        }
        let after = Meeting {
            status,
            ended_at: ended_at.map(from_millis),
            ..before.clone()
        };
        let change = Change {
            action: "meeting.event",
            entity: "meeting",
            entity_id: Some(id.to_string()),
            before: Some(json!({ "status": before.status.as_str() })),
            after: Some(json!({ "status": status.as_str(), "event": event.as_str() })),
        };
        audit::append(&mut w, ctx, change).await?;
        w.commit().await?;
        Ok(after)
    }

    async fn invite(
        &self,
        meeting_id: i64,
        invitee: &Invitee,
        role: InviteRole,
        ctx: &AuditContext,
    ) -> Result<i64> {
        let mut w = self.write().await?;
        let council_id = invitable(&mut w, meeting_id).await?;
        let (person, hall) = match invitee {
            Invitee::Person(p) => {
                let (of_council,): (i64,) = sqlx::query_as(
                    "SELECT COUNT(*) FROM positions ps JOIN bodies b ON b.id = ps.body_id \
                     WHERE ps.person_id = $1 AND b.council_id = $2",
                )
                .bind(*p)
                .bind(council_id)
                .fetch_one(&mut *w.tx)
                .await
                .map_err(db)?;
                if of_council == 0 {
                    return Err(StoreError::Conflict(
                        "Người được mời không thuộc Hội đồng này.".into(),
                    ));
                }
                (Some(*p), None)
            }
            Invitee::Hall(h) => (None, Some(h.clone())),
        };
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO meeting_invitations (meeting_id, person_id, hall, role) \
             VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(meeting_id)
        .bind(person)
        .bind(hall.clone())
        .bind(role.as_str())
        .fetch_one(&mut *w.tx)
        .await
        .map_err(|e| match db(e) {
            StoreError::Conflict(_) => {
                StoreError::Conflict("Đã mời điểm cầu hoặc người này.".into())
            }
            other => other,
        })?;
        let change = Change {
            action: "meeting.invite",
            entity: "meeting_invitation",
            entity_id: Some(id.to_string()),
            before: None,
            after: Some(json!({
                "meeting_id": meeting_id, "person_id": person, "hall": hall, "role": role.as_str(),
            })),
        };
        audit::append(&mut w, ctx, change).await?;
        w.commit().await?;
        Ok(id)
    }

    async fn uninvite(
        &self,
        meeting_id: i64,
        invitation_id: i64,
        ctx: &AuditContext,
    ) -> Result<()> {
        let mut w = self.write().await?;
        invitable(&mut w, meeting_id).await?;
        let done = sqlx::query("DELETE FROM meeting_invitations WHERE id = $1 AND meeting_id = $2")
            .bind(invitation_id)
            .bind(meeting_id)
            .execute(&mut *w.tx)
            .await
            .map_err(db)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        let change = Change {
            action: "meeting.uninvite",
            entity: "meeting_invitation",
            entity_id: Some(invitation_id.to_string()),
            before: Some(json!({ "meeting_id": meeting_id })),
            after: None,
        };
        audit::append(&mut w, ctx, change).await?;
        w.commit().await
    }

    async fn invitations(&self, meeting_id: i64) -> Result<Vec<Invitation>> {
        let sql = "SELECT i.id, i.meeting_id, i.person_id, i.hall, i.role, \
                   COALESCE(p.full_name, i.hall) AS name \
                   FROM meeting_invitations i LEFT JOIN people p ON p.id = i.person_id \
                   WHERE i.meeting_id = $1 \
                   ORDER BY CASE WHEN i.hall IS NULL THEN 1 ELSE 0 END, \
                   COALESCE(p.full_name, i.hall), i.id"
            .to_owned();
        all_by_id(self.pool(), sql, meeting_id, invitation).await
    }

    async fn record_join(
        &self,
        meeting_id: i64,
        user_id: i64,
        name: &str,
        ctx: &AuditContext,
    ) -> Result<i64> {
        let mut w = self.write().await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO meeting_presence (meeting_id, user_id, name, joined_at) \
             VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(meeting_id)
        .bind(user_id)
        .bind(name)
        .bind(to_millis(ctx.at))
        .fetch_one(&mut *w.tx)
        .await
        .map_err(db)?;
        let change = Change {
            action: "meeting.join",
            entity: "meeting_presence",
            entity_id: Some(id.to_string()),
            before: None,
            after: Some(json!({ "meeting_id": meeting_id, "user_id": user_id })),
        };
        audit::append(&mut w, ctx, change).await?;
        w.commit().await?;
        Ok(id)
    }

    async fn record_leave(&self, presence_id: i64, ctx: &AuditContext) -> Result<()> {
        let mut w = self.write().await?;
        let done = sqlx::query(
            "UPDATE meeting_presence SET left_at = $1 WHERE id = $2 AND left_at IS NULL",
        )
        .bind(to_millis(ctx.at))
        .bind(presence_id)
        .execute(&mut *w.tx)
        .await
        .map_err(db)?;
        if done.rows_affected() == 0 {
            // Already closed (the meeting ended first): nothing to record.
            return Ok(());
        }
        let change = Change {
            action: "meeting.leave",
            entity: "meeting_presence",
            entity_id: Some(presence_id.to_string()),
            before: None,
            after: None,
        };
        audit::append(&mut w, ctx, change).await?;
        w.commit().await
    }

    async fn presences(&self, meeting_id: i64) -> Result<Vec<Presence>> {
        let sql = "SELECT user_id, name, joined_at, left_at FROM meeting_presence \
                   WHERE meeting_id = $1 ORDER BY joined_at, id"
            .to_owned();
        all_by_id(self.pool(), sql, meeting_id, presence).await
    }
}

/// Refuses a change of invitations when the meeting's status (as stored)
/// does not allow one.
/// The council of meeting `meeting_id`, once its invitations may still
/// change (a cancelled or ended meeting's may not).
async fn invitable(w: &mut Write<'_>, meeting_id: i64) -> Result<i64> {
    let (council_id, status): (i64, String) =
        sqlx::query_as("SELECT council_id, status FROM meetings WHERE id = $1")
            .bind(meeting_id)
            .fetch_optional(&mut *w.tx)
            .await
            .map_err(db)?
            .ok_or(StoreError::NotFound)?;
    let status: MeetingStatus = status
        .parse()
        .map_err(|e| StoreError::Other(anyhow::anyhow!("{e}")))?;
    status
        .check_invitations()
        .map_err(|why| StoreError::Conflict(why.into()))?;
    Ok(council_id)
}

//! Council sessions, agenda, attendance and votes.

use nghitruong_domain::attendance::{AttendanceStatus, CheckInMethod};
use nghitruong_domain::clock::{from_millis, to_millis, vietnam_day};
use nghitruong_domain::resolution::{self, ResolutionKind};
use nghitruong_domain::rules::CouncilRules;
use nghitruong_domain::session::{self, AgendaEntry, AgendaStatus, SessionEvent, SessionStatus};
use nghitruong_domain::vote::{self, Choice, Counts, RoundEvent, RoundStatus, Seats, Tally};
use serde_json::json;
use sqlx::AssertSqlSafe;
use sqlx::any::AnyRow;
use time::Date;

use super::audit::{self, Change};
use super::rows::{coded, date_text, get, parse_date};
use super::{SqlStore, Write, db};
use crate::{
    AdoptedResolution, AgendaItem, AttendanceRecord, AuditContext, CouncilSession, CouncilSize,
    NewAgendaItem, NewCouncilSession, NewVoteRound, Result, StoreError, VoteRound,
};

const SESSION_COLUMNS: &str = "id, council_id, term_number, number, kind, is_public, starts_on, \
                               ends_on, place, status";

fn council_session(row: &AnyRow) -> Result<CouncilSession> {
    let term: i64 = get(row, "term_number")?;
    let number: i64 = get(row, "number")?;
    let public: i64 = get(row, "is_public")?;
    Ok(CouncilSession {
        id: get(row, "id")?,
        council_id: get(row, "council_id")?,
        term_number: u16::try_from(term).unwrap_or(0),
        number: u32::try_from(number).unwrap_or(0),
        kind: coded(row, "kind")?,
        is_public: public != 0,
        starts_on: parse_date(&get::<String>(row, "starts_on")?)?,
        ends_on: parse_date(&get::<String>(row, "ends_on")?)?,
        place: get(row, "place")?,
        status: coded(row, "status")?,
    })
}

fn refused(e: nghitruong_domain::machine::TransitionError) -> StoreError {
    StoreError::Conflict(e.to_string())
}

pub(crate) async fn create(
    store: &SqlStore,
    new: &NewCouncilSession,
    ctx: &AuditContext,
) -> Result<CouncilSession> {
    let mut w = store.write().await?;
    let numbers: Vec<(i64,)> = sqlx::query_as(
        "SELECT number FROM council_sessions WHERE council_id = $1 AND term_number = $2",
    )
    .bind(new.council_id)
    .bind(i64::from(new.term_number))
    .fetch_all(&mut *w.tx)
    .await
    .map_err(db)?;
    let existing: Vec<u32> = numbers
        .iter()
        .filter_map(|(n,)| u32::try_from(*n).ok())
        .collect();
    let number = session::next_session_number(&existing);
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO council_sessions (council_id, term_number, number, kind, is_public, \
         starts_on, ends_on, place, status, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(new.council_id)
    .bind(i64::from(new.term_number))
    .bind(i64::from(number))
    .bind(new.kind.as_str())
    .bind(i64::from(new.is_public))
    .bind(date_text(new.starts_on))
    .bind(date_text(new.ends_on))
    .bind(&new.place)
    .bind(SessionStatus::Draft.as_str())
    .bind(to_millis(ctx.at))
    .fetch_one(&mut *w.tx)
    .await
    .map_err(db)?;
    let created = CouncilSession {
        id,
        council_id: new.council_id,
        term_number: new.term_number,
        number,
        kind: new.kind,
        is_public: new.is_public,
        starts_on: new.starts_on,
        ends_on: new.ends_on,
        place: new.place.clone(),
        status: SessionStatus::Draft,
    };
    let after = json!({
        "council_id": new.council_id, "number": number, "kind": new.kind.as_str(),
        "is_public": new.is_public, "starts_on": date_text(new.starts_on),
        "ends_on": date_text(new.ends_on), "place": new.place,
    });
    let change = Change {
        action: "session.create",
        entity: "session",
        entity_id: Some(id.to_string()),
        before: None,
        after: Some(after),
    };
    audit::append(&mut w, ctx, change).await?;
    w.commit().await?;
    Ok(created)
}

pub(crate) async fn list(store: &SqlStore, council_id: i64) -> Result<Vec<CouncilSession>> {
    let sql = format!(
        "SELECT {SESSION_COLUMNS} FROM council_sessions WHERE council_id = $1 \
         ORDER BY term_number DESC, number DESC"
    );
    super::rows::all_by_id(store.pool(), sql, council_id, council_session).await
}

pub(crate) async fn get_one(store: &SqlStore, id: i64) -> Result<CouncilSession> {
    let sql = format!("SELECT {SESSION_COLUMNS} FROM council_sessions WHERE id = $1");
    super::rows::one_by_id(store.pool(), sql, id, council_session).await
}

pub(crate) async fn apply_event(
    store: &SqlStore,
    id: i64,
    event: SessionEvent,
    ctx: &AuditContext,
) -> Result<SessionStatus> {
    let mut w = store.write().await?;
    let from = session_status(&mut w, id).await?;
    let to = from.on(event).map_err(refused)?;
    // In the same transaction as the change: a vote opened from another
    // tab cannot slip in between the check and the close.
    let (open,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM vote_rounds WHERE session_id = $1 AND status = $2")
            .bind(id)
            .bind(RoundStatus::Open.as_str())
            .fetch_one(&mut *w.tx)
            .await
            .map_err(db)?;
    session::check_votes(event, open > 0).map_err(|reason| StoreError::Conflict(reason.into()))?;
    sqlx::query("UPDATE council_sessions SET status = $1 WHERE id = $2")
        .bind(to.as_str())
        .bind(id)
        .execute(&mut *w.tx)
        .await
        .map_err(db)?;
    let change = Change {
        action: "session.status",
        entity: "session",
        entity_id: Some(id.to_string()),
        before: Some(json!({ "status": from.as_str() })),
        after: Some(json!({ "status": to.as_str(), "event": event.as_str() })),
    };
    audit::append(&mut w, ctx, change).await?;
    w.commit().await?;
    Ok(to)
}

const AGENDA_COLUMNS: &str =
    "id, session_id, position, kind, title, presenter, planned_minutes, status, resolution_kind";

fn agenda_item(row: &AnyRow) -> Result<AgendaItem> {
    let position: i64 = get(row, "position")?;
    let minutes: i64 = get(row, "planned_minutes")?;
    Ok(AgendaItem {
        id: get(row, "id")?,
        session_id: get(row, "session_id")?,
        position: u32::try_from(position).unwrap_or(0),
        kind: coded(row, "kind")?,
        title: get(row, "title")?,
        presenter: get(row, "presenter")?,
        planned_minutes: u32::try_from(minutes).unwrap_or(0),
        status: coded(row, "status")?,
        resolution_kind: get::<Option<String>>(row, "resolution_kind")?
            .map(|k| k.parse())
            .transpose()
            .map_err(|e: nghitruong_domain::org::UnknownVariant| StoreError::Other(e.into()))?,
    })
}

pub(crate) async fn add_agenda_item(
    store: &SqlStore,
    new: &NewAgendaItem,
    ctx: &AuditContext,
) -> Result<i64> {
    let mut w = store.write().await?;
    let (max,): (Option<i64>,) =
        sqlx::query_as("SELECT MAX(position) FROM agenda_items WHERE session_id = $1")
            .bind(new.session_id)
            .fetch_one(&mut *w.tx)
            .await
            .map_err(db)?;
    let position = max.unwrap_or(0) + 1;
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO agenda_items (session_id, position, kind, title, presenter, \
         planned_minutes, status, resolution_kind) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         RETURNING id",
    )
    .bind(new.session_id)
    .bind(position)
    .bind(new.kind.as_str())
    .bind(&new.title)
    .bind(&new.presenter)
    .bind(i64::from(new.planned_minutes))
    .bind(AgendaStatus::Pending.as_str())
    .bind(new.resolution_kind.map(|k| k.as_str()))
    .fetch_one(&mut *w.tx)
    .await
    .map_err(db)?;
    let after = json!({
        "session_id": new.session_id, "position": position, "kind": new.kind.as_str(),
        "title": new.title, "presenter": new.presenter, "planned_minutes": new.planned_minutes,
        "resolution_kind": new.resolution_kind.map(|k| k.as_str()),
    });
    let change = Change {
        action: "agenda.add",
        entity: "agenda_item",
        entity_id: Some(id.to_string()),
        before: None,
        after: Some(after),
    };
    audit::append(&mut w, ctx, change).await?;
    w.commit().await?;
    Ok(id)
}

pub(crate) async fn agenda(store: &SqlStore, session_id: i64) -> Result<Vec<AgendaItem>> {
    let sql = format!(
        "SELECT {AGENDA_COLUMNS} FROM agenda_items WHERE session_id = $1 ORDER BY position"
    );
    super::rows::all_by_id(store.pool(), sql, session_id, agenda_item).await
}

pub(crate) async fn move_agenda(
    store: &SqlStore,
    session_id: i64,
    item_id: i64,
    ctx: &AuditContext,
) -> Result<()> {
    let mut w = store.write().await?;
    let sql = format!(
        "SELECT {AGENDA_COLUMNS} FROM agenda_items WHERE session_id = $1 ORDER BY position"
    );
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(session_id)
        .fetch_all(&mut *w.tx)
        .await
        .map_err(db)?;
    let items = rows.iter().map(agenda_item).collect::<Result<Vec<_>>>()?;
    let entries: Vec<AgendaEntry> = items
        .iter()
        .map(|i| AgendaEntry {
            id: i.id,
            position: i.position,
            status: i.status,
        })
        .collect();
    let changes = session::move_to(&entries, item_id).map_err(refused)?;
    for (id, status) in &changes {
        sqlx::query("UPDATE agenda_items SET status = $1 WHERE id = $2")
            .bind(status.as_str())
            .bind(id)
            .execute(&mut *w.tx)
            .await
            .map_err(db)?;
    }
    let after: Vec<_> = changes
        .iter()
        .map(|(id, s)| json!({ "id": id, "status": s.as_str() }))
        .collect();
    let change = Change {
        action: "agenda.move",
        entity: "session",
        entity_id: Some(session_id.to_string()),
        before: None,
        after: Some(json!(after)),
    };
    audit::append(&mut w, ctx, change).await?;
    w.commit().await
}

pub(crate) async fn attendance(store: &SqlStore, session_id: i64) -> Result<Vec<AttendanceRecord>> {
    let rows = sqlx::query(
        "SELECT person_id, status, method, reason, at FROM attendance WHERE session_id = $1",
    )
    .bind(session_id)
    .fetch_all(store.pool())
    .await
    .map_err(db)?;
    rows.iter()
        .map(|r| {
            Ok(AttendanceRecord {
                person_id: get(r, "person_id")?,
                status: coded(r, "status")?,
                method: coded(r, "method")?,
                reason: get(r, "reason")?,
                at: from_millis(get(r, "at")?),
            })
        })
        .collect()
}

pub(crate) async fn set_attendance(
    store: &SqlStore,
    session_id: i64,
    person_id: i64,
    status: AttendanceStatus,
    method: CheckInMethod,
    reason: Option<&str>,
    ctx: &AuditContext,
) -> Result<()> {
    let mut w = store.write().await?;
    let before: Option<(String,)> =
        sqlx::query_as("SELECT status FROM attendance WHERE session_id = $1 AND person_id = $2")
            .bind(session_id)
            .bind(person_id)
            .fetch_optional(&mut *w.tx)
            .await
            .map_err(db)?;
    sqlx::query("DELETE FROM attendance WHERE session_id = $1 AND person_id = $2")
        .bind(session_id)
        .bind(person_id)
        .execute(&mut *w.tx)
        .await
        .map_err(db)?;
    sqlx::query(
        "INSERT INTO attendance (session_id, person_id, status, method, reason, at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(session_id)
    .bind(person_id)
    .bind(status.as_str())
    .bind(method.as_str())
    .bind(reason)
    .bind(to_millis(ctx.at))
    .execute(&mut *w.tx)
    .await
    .map_err(db)?;
    let change = Change {
        action: "attendance.set",
        entity: "session",
        entity_id: Some(session_id.to_string()),
        before: before.map(|(s,)| json!({ "person_id": person_id, "status": s })),
        after: Some(json!({
            "person_id": person_id, "status": status.as_str(), "method": method.as_str(),
            "reason": reason,
        })),
    };
    audit::append(&mut w, ctx, change).await?;
    w.commit().await
}

const ROUND_COLUMNS: &str = "r.id, r.session_id, r.agenda_item_id, r.round_number, r.title, \
    r.mode, r.purpose, r.status, r.opened_at, r.closes_at, r.closed_at, r.approve, r.reject, \
    r.abstain, r.manual, r.result, \
    (SELECT COUNT(*) FROM round_voters v WHERE v.round_id = r.id) AS voted";

fn round(row: &AnyRow) -> Result<VoteRound> {
    let number: i64 = get(row, "round_number")?;
    let n = |col: &str| -> Result<u32> { Ok(u32::try_from(get::<i64>(row, col)?).unwrap_or(0)) };
    let manual: i64 = get(row, "manual")?;
    let result: Option<String> = get(row, "result")?;
    Ok(VoteRound {
        id: get(row, "id")?,
        session_id: get(row, "session_id")?,
        agenda_item_id: get(row, "agenda_item_id")?,
        round_number: u32::try_from(number).unwrap_or(0),
        title: get(row, "title")?,
        mode: coded(row, "mode")?,
        purpose: coded(row, "purpose")?,
        status: coded(row, "status")?,
        opened_at: get::<Option<i64>>(row, "opened_at")?.map(from_millis),
        closes_at: get::<Option<i64>>(row, "closes_at")?.map(from_millis),
        closed_at: get::<Option<i64>>(row, "closed_at")?.map(from_millis),
        counts: Counts {
            approve: n("approve")?,
            reject: n("reject")?,
            abstain: n("abstain")?,
        },
        voted: n("voted")?,
        manual: manual != 0,
        result: result
            .map(|r| serde_json::from_str(&r))
            .transpose()
            .map_err(|e| StoreError::Other(e.into()))?,
    })
}

pub(crate) async fn round_in(w: &mut Write<'_>, id: i64) -> Result<VoteRound> {
    let sql = format!("SELECT {ROUND_COLUMNS} FROM vote_rounds r WHERE r.id = $1");
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *w.tx)
        .await
        .map_err(db)?
        .ok_or(StoreError::NotFound)?;
    round(&row)
}

pub(crate) async fn open_round(
    store: &SqlStore,
    new: &NewVoteRound,
    ctx: &AuditContext,
) -> Result<VoteRound> {
    let mut w = store.write().await?;
    ensure_live(&mut w, new.session_id).await?;
    ensure_no_open_round(&mut w, new.session_id).await?;
    let number = next_round_number(&mut w, new.agenda_item_id).await?;
    let status = RoundStatus::Ready.on(RoundEvent::Open).map_err(refused)?;
    let closes_at = new
        .seconds
        .map(|s| ctx.at + time::Duration::seconds(i64::from(s)));
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO vote_rounds (session_id, agenda_item_id, round_number, title, mode, purpose, \
         status, opened_at, closes_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(new.session_id)
    .bind(new.agenda_item_id)
    .bind(number)
    .bind(&new.title)
    .bind(new.mode.as_str())
    .bind(new.purpose.as_str())
    .bind(status.as_str())
    .bind(to_millis(ctx.at))
    .bind(closes_at.map(to_millis))
    .fetch_one(&mut *w.tx)
    .await
    .map_err(db)?;
    let change = Change {
        action: "vote.open",
        entity: "vote_round",
        entity_id: Some(id.to_string()),
        before: None,
        after: Some(json!({
            "session_id": new.session_id, "agenda_item_id": new.agenda_item_id,
            "title": new.title, "mode": new.mode.as_str(), "purpose": new.purpose.as_str(),
            "round_number": number, "seconds": new.seconds,
        })),
    };
    audit::append(&mut w, ctx, change).await?;
    let opened = round_in(&mut w, id).await?;
    w.commit().await?;
    Ok(opened)
}

/// A session's status, read in `w`.
async fn session_status(w: &mut Write<'_>, id: i64) -> Result<SessionStatus> {
    let (status,): (String,) = sqlx::query_as("SELECT status FROM council_sessions WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *w.tx)
        .await
        .map_err(db)?
        .ok_or(StoreError::NotFound)?;
    status
        .parse()
        .map_err(|e: nghitruong_domain::org::UnknownVariant| StoreError::Other(e.into()))
}

/// Refuses a new round in a session that is not under way, read in the
/// round's own transaction: a session closed from another tab meanwhile
/// does not get a vote after its end.
async fn ensure_live(w: &mut Write<'_>, session_id: i64) -> Result<()> {
    if !session_status(w, session_id).await?.is_live() {
        return Err(StoreError::Conflict(
            "Kỳ họp chưa khai mạc nên chưa thể biểu quyết.".into(),
        ));
    }
    Ok(())
}

/// Refuses a new round while another of the session is not finished.
async fn ensure_no_open_round(w: &mut Write<'_>, session_id: i64) -> Result<()> {
    let (open,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM vote_rounds WHERE session_id = $1 AND status IN ('san_sang', 'dang_bieu_quyet')",
    )
    .bind(session_id)
    .fetch_one(&mut *w.tx)
    .await
    .map_err(db)?;
    if open > 0 {
        return Err(StoreError::Conflict(
            "Đang có một lượt biểu quyết chưa kết thúc trong kỳ họp.".into(),
        ));
    }
    Ok(())
}

/// The number of the next round on an agenda item: 1, then one per revote.
async fn next_round_number(w: &mut Write<'_>, agenda_item_id: i64) -> Result<i64> {
    let (max,): (Option<i64>,) =
        sqlx::query_as("SELECT MAX(round_number) FROM vote_rounds WHERE agenda_item_id = $1")
            .bind(agenda_item_id)
            .fetch_one(&mut *w.tx)
            .await
            .map_err(db)?;
    Ok(max.unwrap_or(0) + 1)
}

pub(crate) async fn rounds(store: &SqlStore, session_id: i64) -> Result<Vec<VoteRound>> {
    let sql =
        format!("SELECT {ROUND_COLUMNS} FROM vote_rounds r WHERE r.session_id = $1 ORDER BY r.id");
    super::rows::all_by_id(store.pool(), sql, session_id, round).await
}

pub(crate) async fn get_round(store: &SqlStore, id: i64) -> Result<VoteRound> {
    let sql = format!("SELECT {ROUND_COLUMNS} FROM vote_rounds r WHERE r.id = $1");
    super::rows::one_by_id(store.pool(), sql, id, round).await
}

pub(crate) async fn close_round(
    store: &SqlStore,
    round_id: i64,
    event: RoundEvent,
    size: CouncilSize,
    rules: &CouncilRules,
    ctx: &AuditContext,
) -> Result<Tally> {
    let mut w = store.write().await?;
    let r = round_in(&mut w, round_id).await?;
    let to = r.status.on(event).map_err(refused)?;
    let (present,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM attendance WHERE session_id = $1 AND status IN ('co_mat', 'truc_tuyen')",
    )
    .bind(r.session_id)
    .fetch_one(&mut *w.tx)
    .await
    .map_err(db)?;
    let seats = Seats {
        statutory: size.statutory,
        in_office: size.in_office,
        present: u32::try_from(present).unwrap_or(0).min(size.in_office),
    };
    let tally = vote::tally(r.counts, seats, rules, r.purpose, size.degraded)
        .map_err(|e| StoreError::Conflict(e.to_string()))?;
    let result = tally_json(&tally);
    sqlx::query("UPDATE vote_rounds SET status = $1, closed_at = $2, result = $3 WHERE id = $4")
        .bind(to.as_str())
        .bind(to_millis(ctx.at))
        .bind(result.to_string())
        .bind(round_id)
        .execute(&mut *w.tx)
        .await
        .map_err(db)?;
    let change = Change {
        action: "vote.close",
        entity: "vote_round",
        entity_id: Some(round_id.to_string()),
        before: Some(json!({ "status": r.status.as_str() })),
        after: Some(json!({ "status": to.as_str(), "event": event.as_str(), "result": result })),
    };
    audit::append(&mut w, ctx, change).await?;
    if tally.passed {
        register_adoption(&mut w, r.agenda_item_id, r.purpose, ctx).await?;
    }
    w.commit().await?;
    Ok(tally)
}

/// Numbers and registers the resolution an adopted draft becomes, in the
/// transaction that closed its vote. Only an ordinary vote on a vote item
/// (dự thảo nghị quyết) adopts one; an item already numbered — a revote
/// after adoption, a replayed close — is left as it is.
async fn register_adoption(
    w: &mut Write<'_>,
    agenda_item_id: i64,
    purpose: vote::VotePurpose,
    ctx: &AuditContext,
) -> Result<()> {
    if purpose != vote::VotePurpose::Ordinary {
        return Ok(());
    }
    let sql = format!("SELECT {AGENDA_COLUMNS} FROM agenda_items WHERE id = $1");
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(agenda_item_id)
        .fetch_one(&mut *w.tx)
        .await
        .map_err(db)?;
    let item = agenda_item(&row)?;
    if item.kind != session::AgendaKind::Vote {
        return Ok(());
    }
    let taken: Option<(i64,)> =
        sqlx::query_as("SELECT id FROM resolutions WHERE agenda_item_id = $1")
            .bind(agenda_item_id)
            .fetch_optional(&mut *w.tx)
            .await
            .map_err(db)?;
    if taken.is_some() {
        return Ok(());
    }
    let (council_id,): (i64,) =
        sqlx::query_as("SELECT council_id FROM council_sessions WHERE id = $1")
            .bind(item.session_id)
            .fetch_one(&mut *w.tx)
            .await
            .map_err(db)?;
    let register = super::supervision::load_register_tx(w, &[council_id]).await?;
    let resolution = resolution::on_adoption(
        &register,
        council_id,
        item.resolution_kind.unwrap_or(ResolutionKind::Individual),
        &item.title,
        vietnam_day(ctx.at),
    )
    .map_err(|e| StoreError::Conflict(e.to_string()))?;
    super::supervision::insert_resolution(w, &resolution, Some(agenda_item_id), ctx).await?;
    Ok(())
}

pub(crate) async fn adopted_resolutions(
    store: &SqlStore,
    session_id: i64,
) -> Result<Vec<AdoptedResolution>> {
    let rows: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT r.id, a.id FROM resolutions r JOIN agenda_items a ON a.id = r.agenda_item_id \
         WHERE a.session_id = $1 ORDER BY a.position",
    )
    .bind(session_id)
    .fetch_all(store.pool())
    .await
    .map_err(db)?;
    let mut out = Vec::with_capacity(rows.len());
    for (resolution_id, agenda_item_id) in rows {
        out.push(AdoptedResolution {
            agenda_item_id,
            resolution: crate::SupervisionStore::resolution(store, resolution_id).await?,
        });
    }
    Ok(out)
}

/// The result as stored with the round: counts, the seats snapshot, the
/// denominator and the rule that decided.
pub fn tally_json(t: &Tally) -> serde_json::Value {
    json!({
        "approve": t.counts.approve, "reject": t.counts.reject, "abstain": t.counts.abstain,
        "not_voted": t.not_voted, "present": t.seats.present, "in_office": t.seats.in_office,
        "statutory": t.seats.statutory, "denominator_kind": t.denominator_kind.as_str(),
        "denominator": t.denominator, "rule": t.rule.as_str(), "threshold": t.threshold,
        "passed": t.passed,
    })
}

pub(crate) async fn voters(store: &SqlStore, round_id: i64) -> Result<Vec<i64>> {
    let rows: Vec<(i64,)> =
        sqlx::query_as("SELECT person_id FROM round_voters WHERE round_id = $1 ORDER BY person_id")
            .bind(round_id)
            .fetch_all(store.pool())
            .await
            .map_err(db)?;
    Ok(rows.into_iter().map(|(p,)| p).collect())
}

pub(crate) async fn named_ballots(store: &SqlStore, round_id: i64) -> Result<Vec<(i64, Choice)>> {
    let rows = sqlx::query(
        "SELECT person_id, choice FROM named_ballots WHERE round_id = $1 ORDER BY person_id",
    )
    .bind(round_id)
    .fetch_all(store.pool())
    .await
    .map_err(db)?;
    rows.iter()
        .map(|r| Ok((get(r, "person_id")?, coded(r, "choice")?)))
        .collect()
}

pub(crate) async fn seated_deputies(
    store: &SqlStore,
    council_id: i64,
    day: Date,
) -> Result<Vec<crate::Member>> {
    let body: Option<(i64,)> = sqlx::query_as(
        "SELECT id FROM bodies WHERE council_id = $1 AND kind = 'hdnd' ORDER BY id LIMIT 1",
    )
    .bind(council_id)
    .fetch_optional(store.pool())
    .await
    .map_err(db)?;
    let Some((body_id,)) = body else {
        return Ok(Vec::new());
    };
    let members = super::org::members(store, body_id, day).await?;
    Ok(members
        .into_iter()
        .filter(|m| m.position.role == nghitruong_domain::org::PositionRole::Deputy)
        .collect())
}

/// One deputy seated in a council on a day (đại biểu đang giữ ghế), found by a
/// single indexed query instead of loading the whole council: the ballot
/// handler needs only the voter.
pub(crate) async fn seated_deputy(
    store: &SqlStore,
    council_id: i64,
    person_id: i64,
    day: Date,
) -> Result<Option<crate::Member>> {
    let found = sqlx::query(
        "SELECT pe.id, pe.full_name, pe.status, p.body_id, p.role, p.full_time, p.starts_on, \
         p.ends_on FROM positions p JOIN people pe ON pe.id = p.person_id \
         WHERE p.person_id = $1 AND p.role = $4 AND p.starts_on <= $2 \
         AND (p.ends_on IS NULL OR p.ends_on >= $2) \
         AND p.body_id = (SELECT id FROM bodies WHERE council_id = $3 AND kind = 'hdnd' \
         ORDER BY id LIMIT 1) ORDER BY p.id LIMIT 1",
    )
    .bind(person_id)
    .bind(date_text(day))
    .bind(council_id)
    .bind(nghitruong_domain::org::PositionRole::Deputy.as_str())
    .fetch_optional(store.pool())
    .await
    .map_err(db)?;
    let Some(r) = found else {
        return Ok(None);
    };
    let full_time: i64 = get(&r, "full_time")?;
    let ends: Option<String> = get(&r, "ends_on")?;
    Ok(Some(crate::Member {
        person: nghitruong_domain::org::Person {
            id: person_id,
            full_name: get(&r, "full_name")?,
            status: coded(&r, "status")?,
        },
        position: nghitruong_domain::org::Position {
            person_id,
            body_id: get(&r, "body_id")?,
            role: coded(&r, "role")?,
            full_time: full_time != 0,
            starts_on: parse_date(&get::<String>(&r, "starts_on")?)?,
            ends_on: ends.as_deref().map(parse_date).transpose()?,
        },
    }))
}

/// Records a result counted by hand as a closed round of its own.
pub(crate) async fn record_manual(
    store: &SqlStore,
    new: &NewVoteRound,
    counts: Counts,
    present: u32,
    size: CouncilSize,
    rules: &CouncilRules,
    ctx: &AuditContext,
) -> Result<Tally> {
    let mut w = store.write().await?;
    ensure_no_open_round(&mut w, new.session_id).await?;
    let status = RoundStatus::Ready
        .on(RoundEvent::RecordManual)
        .map_err(refused)?;
    let seats = Seats {
        statutory: size.statutory,
        in_office: size.in_office,
        present,
    };
    let tally = vote::tally(counts, seats, rules, new.purpose, size.degraded)
        .map_err(|e| StoreError::Conflict(e.to_string()))?;
    let result = tally_json(&tally);
    let number = next_round_number(&mut w, new.agenda_item_id).await?;
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO vote_rounds (session_id, agenda_item_id, round_number, title, mode, purpose, \
         status, closed_at, approve, reject, abstain, manual, result) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1, $12) RETURNING id",
    )
    .bind(new.session_id)
    .bind(new.agenda_item_id)
    .bind(number)
    .bind(&new.title)
    .bind(new.mode.as_str())
    .bind(new.purpose.as_str())
    .bind(status.as_str())
    .bind(to_millis(ctx.at))
    .bind(i64::from(counts.approve))
    .bind(i64::from(counts.reject))
    .bind(i64::from(counts.abstain))
    .bind(result.to_string())
    .fetch_one(&mut *w.tx)
    .await
    .map_err(db)?;
    let change = Change {
        action: "vote.manual",
        entity: "vote_round",
        entity_id: Some(id.to_string()),
        before: None,
        after: Some(json!({ "agenda_item_id": new.agenda_item_id, "result": result })),
    };
    audit::append(&mut w, ctx, change).await?;
    if tally.passed {
        register_adoption(&mut w, new.agenda_item_id, new.purpose, ctx).await?;
    }
    w.commit().await?;
    Ok(tally)
}

//! Voter petitions: rounds, meetings, petitions, letters and imports.

use nghitruong_domain::clock::{from_millis, to_millis};
use nghitruong_domain::petition::{
    AssemblySession, NewPetition, Petition, PetitionError, PetitionStatus, Track, Transition,
};
use nghitruong_domain::text;
use serde_json::json;
use sqlx::AssertSqlSafe;
use sqlx::any::AnyRow;

use super::audit::{self, Change};
use super::rows::{coded, date_text, get, parse_date};
use super::{SqlStore, Write, db};
use crate::petitions::{
    AnswerFile, ForwardRequest, IncomingAnswer, NewOpinion, NewPetitionRound, NewVoterMeeting,
    PetitionChange, PetitionCount, PetitionCountBy, PetitionFilter, PetitionLetter, PetitionRecord,
    PetitionRound, StagedImport, StoredAnswerFile, VoterMeeting,
};
use crate::{AuditContext, Result, StoreError};

fn refused(e: PetitionError) -> StoreError {
    StoreError::Conflict(e.to_string())
}

fn round(row: &AnyRow) -> Result<PetitionRound> {
    Ok(PetitionRound {
        id: get(row, "id")?,
        council_id: get(row, "council_id")?,
        name: get(row, "name")?,
        track: coded(row, "track")?,
        session_id: get(row, "session_id")?,
        opened_on: parse_date(&get::<String>(row, "opened_on")?)?,
        assembly: assembly(row)?,
    })
}

fn assembly(row: &AnyRow) -> Result<Option<AssemblySession>> {
    let opening: Option<String> = get(row, "na_opening")?;
    let closing: Option<String> = get(row, "na_closing")?;
    match (opening, closing) {
        (Some(o), Some(c)) => Ok(Some(AssemblySession {
            opening: parse_date(&o)?,
            closing: parse_date(&c)?,
        })),
        _ => Ok(None),
    }
}

fn meeting(row: &AnyRow) -> Result<VoterMeeting> {
    let voters: i64 = get(row, "voter_count")?;
    Ok(VoterMeeting {
        id: get(row, "id")?,
        round_id: get(row, "round_id")?,
        kind: coded(row, "kind")?,
        held_on: parse_date(&get::<String>(row, "held_on")?)?,
        place_code: get(row, "place_code")?,
        place: get(row, "place")?,
        deputies: get(row, "deputies")?,
        voter_count: u32::try_from(voters).unwrap_or(0),
        minutes: get(row, "minutes")?,
    })
}

fn letter(row: &AnyRow) -> Result<PetitionLetter> {
    Ok(PetitionLetter {
        id: get(row, "id")?,
        round_id: get(row, "round_id")?,
        agency_id: get(row, "agency_id")?,
        number: get(row, "number")?,
        issued_on: parse_date(&get::<String>(row, "issued_on")?)?,
        due_on: parse_date(&get::<String>(row, "due_on")?)?,
    })
}

const RECORD_SELECT: &str = "SELECT p.round_id, p.meeting_id, p.state, p.version, \
     b.name AS agency_name, u.name AS place_name \
     FROM petitions p LEFT JOIN bodies b ON b.id = p.agency_id \
     LEFT JOIN admin_units u ON u.code = p.place_code";

fn record(row: &AnyRow) -> Result<PetitionRecord> {
    let state: String = get(row, "state")?;
    let petition: Petition = serde_json::from_str(&state)
        .map_err(|e| StoreError::Other(anyhow::anyhow!("bad petition state: {e}")))?;
    Ok(PetitionRecord {
        round_id: get(row, "round_id")?,
        meeting_id: get(row, "meeting_id")?,
        petition,
        agency_name: get(row, "agency_name")?,
        place_name: get(row, "place_name")?,
        version: get(row, "version")?,
    })
}

/// The agency a petition is with: the assignment's, or the one it was
/// classified for.
fn agency_of(p: &Petition) -> Option<i64> {
    p.assignment()
        .map(|a| a.agency_id)
        .or_else(|| p.classification().and_then(|c| c.agency_id))
}

/// Writes the petition's state and the columns repeated from it, if it is
/// still at `version`.
async fn save(w: &mut Write<'_>, p: &Petition, version: i64, ctx: &AuditContext) -> Result<i64> {
    let state = serde_json::to_string(p).map_err(|e| StoreError::Other(e.into()))?;
    let class = p.classification();
    let done = sqlx::query(
        "UPDATE petitions SET status = $1, field = $2, topic = $3, competence = $4, \
         agency_id = $5, forwarded_on = $6, due_on = $7, answered_on = $8, result = $9, \
         merged_into = $10, repeat_of = $11, carried_from = $12, voter_count = $13, \
         state = $14, version = version + 1, updated_at = $15 \
         WHERE id = $16 AND version = $17",
    )
    .bind(p.status().as_str())
    .bind(class.map(|c| c.field.as_str()))
    .bind(class.map(|c| c.topic.clone()))
    .bind(class.map(|c| c.competence.as_str()))
    .bind(agency_of(p))
    .bind(p.assignment().map(|a| date_text(a.forwarded_on)))
    .bind(p.assignment().map(|a| date_text(a.due)))
    .bind(p.answer().map(|a| date_text(a.received_on)))
    .bind(p.evaluation().map(|e| e.result.as_str()))
    .bind(p.merged_into())
    .bind(p.repeat_of())
    .bind(p.carried_from())
    .bind(i64::from(p.voter_count()))
    .bind(state)
    .bind(to_millis(ctx.at))
    .bind(p.id())
    .bind(version)
    .execute(&mut *w.tx)
    .await
    .map_err(db)?;
    if done.rows_affected() != 1 {
        return Err(StoreError::Conflict(
            "kiến nghị vừa được người khác cập nhật; hãy tải lại trang".into(),
        ));
    }
    Ok(version + 1)
}

async fn load(w: &mut Write<'_>, id: i64) -> Result<(Petition, i64)> {
    let row: Option<(String, i64)> =
        sqlx::query_as("SELECT state, version FROM petitions WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *w.tx)
            .await
            .map_err(db)?;
    let (state, version) = row.ok_or(StoreError::NotFound)?;
    let p = serde_json::from_str(&state)
        .map_err(|e| StoreError::Other(anyhow::anyhow!("bad petition state: {e}")))?;
    Ok((p, version))
}

async fn audit_transition(
    w: &mut Write<'_>,
    ctx: &AuditContext,
    t: &Transition,
    detail: serde_json::Value,
) -> Result<()> {
    let change = Change {
        action: "petition.transition",
        entity: "petition",
        entity_id: Some(t.petition_id.to_string()),
        before: Some(json!({ "status": t.from.as_str() })),
        after: Some(
            json!({ "status": t.to.as_str(), "event": t.event.as_str(), "detail": detail }),
        ),
    };
    audit::append(w, ctx, change).await
}

pub(crate) async fn create_round(
    store: &SqlStore,
    new: &NewPetitionRound,
    ctx: &AuditContext,
) -> Result<PetitionRound> {
    let name = new.name.trim();
    if name.is_empty() {
        return Err(StoreError::Conflict(
            "tên đợt tiếp xúc không được để trống".into(),
        ));
    }
    if new.assembly.is_some() && new.track != Track::Delegation {
        return Err(StoreError::Conflict(
            "chỉ đợt tiếp xúc của Đoàn ĐBQH mới gắn với kỳ họp Quốc hội".into(),
        ));
    }
    let mut w = store.write().await?;
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO petition_rounds (council_id, name, track, session_id, opened_on, \
         na_opening, na_closing, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(new.council_id)
    .bind(name)
    .bind(new.track.as_str())
    .bind(new.session_id)
    .bind(date_text(new.opened_on))
    .bind(new.assembly.map(|a| date_text(a.opening)))
    .bind(new.assembly.map(|a| date_text(a.closing)))
    .bind(to_millis(ctx.at))
    .fetch_one(&mut *w.tx)
    .await
    .map_err(db)?;
    let change = Change {
        action: "petition_round.create",
        entity: "petition_round",
        entity_id: Some(id.to_string()),
        before: None,
        after: Some(json!({
            "council_id": new.council_id, "name": name, "track": new.track.as_str(),
            "session_id": new.session_id, "opened_on": date_text(new.opened_on),
            "na_session": new.assembly.map(|a| json!({
                "opening": date_text(a.opening), "closing": date_text(a.closing) })),
        })),
    };
    audit::append(&mut w, ctx, change).await?;
    w.commit().await?;
    Ok(PetitionRound {
        id,
        council_id: new.council_id,
        name: name.to_owned(),
        track: new.track,
        session_id: new.session_id,
        opened_on: new.opened_on,
        assembly: new.assembly,
    })
}

const ROUND_COLUMNS: &str =
    "id, council_id, name, track, session_id, opened_on, na_opening, na_closing";

pub(crate) async fn rounds(store: &SqlStore, council_id: i64) -> Result<Vec<PetitionRound>> {
    let sql = format!(
        "SELECT {ROUND_COLUMNS} FROM petition_rounds WHERE council_id = $1 \
         ORDER BY opened_on DESC, id DESC"
    );
    super::rows::all_by_id(store.pool(), sql, council_id, round).await
}

pub(crate) async fn round_by_id(store: &SqlStore, id: i64) -> Result<PetitionRound> {
    let sql = format!("SELECT {ROUND_COLUMNS} FROM petition_rounds WHERE id = $1");
    super::rows::one_by_id(store.pool(), sql, id, round).await
}

pub(crate) async fn create_meeting(
    store: &SqlStore,
    new: &NewVoterMeeting,
    ctx: &AuditContext,
) -> Result<VoterMeeting> {
    let mut w = store.write().await?;
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO voter_meetings (round_id, kind, held_on, place_code, place, deputies, \
         voter_count, minutes, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         RETURNING id",
    )
    .bind(new.round_id)
    .bind(new.kind.as_str())
    .bind(date_text(new.held_on))
    .bind(new.place_code.clone())
    .bind(&new.place)
    .bind(&new.deputies)
    .bind(i64::from(new.voter_count))
    .bind(&new.minutes)
    .bind(to_millis(ctx.at))
    .fetch_one(&mut *w.tx)
    .await
    .map_err(db)?;
    let change = Change {
        action: "voter_meeting.create",
        entity: "voter_meeting",
        entity_id: Some(id.to_string()),
        before: None,
        after: Some(json!({
            "round_id": new.round_id, "kind": new.kind.as_str(),
            "held_on": date_text(new.held_on), "place": new.place,
            "voter_count": new.voter_count,
        })),
    };
    audit::append(&mut w, ctx, change).await?;
    w.commit().await?;
    Ok(VoterMeeting {
        id,
        round_id: new.round_id,
        kind: new.kind,
        held_on: new.held_on,
        place_code: new.place_code.clone(),
        place: new.place.clone(),
        deputies: new.deputies.clone(),
        voter_count: new.voter_count,
        minutes: new.minutes.clone(),
    })
}

const MEETING_COLUMNS: &str =
    "id, round_id, kind, held_on, place_code, place, deputies, voter_count, minutes";

pub(crate) async fn meetings(store: &SqlStore, round_id: i64) -> Result<Vec<VoterMeeting>> {
    let sql = format!(
        "SELECT {MEETING_COLUMNS} FROM voter_meetings WHERE round_id = $1 ORDER BY held_on, id"
    );
    super::rows::all_by_id(store.pool(), sql, round_id, meeting).await
}

pub(crate) async fn meeting_by_id(store: &SqlStore, id: i64) -> Result<VoterMeeting> {
    let sql = format!("SELECT {MEETING_COLUMNS} FROM voter_meetings WHERE id = $1");
    super::rows::one_by_id(store.pool(), sql, id, meeting).await
}

/// Inserts opinions as petitions inside an open write.
async fn insert_opinions(
    w: &mut Write<'_>,
    round_id: i64,
    meeting_id: Option<i64>,
    opinions: &[NewOpinion],
    ctx: &AuditContext,
) -> Result<Vec<i64>> {
    let council: Option<(i64,)> =
        sqlx::query_as("SELECT council_id FROM petition_rounds WHERE id = $1")
            .bind(round_id)
            .fetch_optional(&mut *w.tx)
            .await
            .map_err(db)?;
    let (council_id,) = council.ok_or(StoreError::NotFound)?;
    let mut ids = Vec::with_capacity(opinions.len());
    for (n, o) in opinions.iter().enumerate() {
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO petitions (council_id, round_id, meeting_id, text, folded, voter_count, \
             place_code, status, state, created_at, updated_at) \
             VALUES ($1, $2, $3, '', '', 0, $4, $5, '{}', $6, $6) RETURNING id",
        )
        .bind(council_id)
        .bind(round_id)
        .bind(meeting_id)
        .bind(o.place_code.clone())
        .bind(PetitionStatus::Captured.as_str())
        .bind(to_millis(ctx.at))
        .fetch_one(&mut *w.tx)
        .await
        .map_err(db)?;
        let petition = Petition::capture(NewPetition {
            id,
            council_id,
            period_id: round_id,
            text: o.text.clone(),
            voter_count: o.voter_count,
            place_code: o.place_code.clone(),
            source_id: None,
        })
        .map_err(|e| StoreError::Conflict(format!("ý kiến thứ {}: {e}", n + 1)))?;
        let state = serde_json::to_string(&petition).map_err(|e| StoreError::Other(e.into()))?;
        sqlx::query(
            "UPDATE petitions SET text = $1, folded = $2, voter_count = $3, state = $4 \
             WHERE id = $5",
        )
        .bind(petition.text())
        .bind(text::fold(petition.text()))
        .bind(i64::from(petition.voter_count()))
        .bind(state)
        .bind(id)
        .execute(&mut *w.tx)
        .await
        .map_err(db)?;
        if let Some(name) = o.voter_name.as_deref().filter(|n| !n.trim().is_empty()) {
            sqlx::query(
                "INSERT INTO petition_voters (petition_id, name, address) VALUES ($1, $2, $3)",
            )
            .bind(id)
            .bind(name.trim())
            .bind(o.voter_address.as_deref().unwrap_or("").trim())
            .execute(&mut *w.tx)
            .await
            .map_err(db)?;
        }
        ids.push(id);
    }
    // One record for the batch: the texts are in the table; personal data
    // stays out of the audit log.
    let change = Change {
        action: "petition.capture",
        entity: "petition_round",
        entity_id: Some(round_id.to_string()),
        before: None,
        after: Some(json!({ "meeting_id": meeting_id, "petition_ids": ids })),
    };
    audit::append(w, ctx, change).await?;
    Ok(ids)
}

pub(crate) async fn capture(
    store: &SqlStore,
    round_id: i64,
    meeting_id: Option<i64>,
    opinions: &[NewOpinion],
    ctx: &AuditContext,
) -> Result<Vec<i64>> {
    let mut w = store.write().await?;
    let ids = insert_opinions(&mut w, round_id, meeting_id, opinions, ctx).await?;
    w.commit().await?;
    Ok(ids)
}

/// Escapes `%`, `_` and `\` for a LIKE pattern with `ESCAPE '\'`.
fn like_pattern(words: &str) -> String {
    let mut out = String::from("%");
    for c in words.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

pub(crate) async fn list(store: &SqlStore, f: &PetitionFilter) -> Result<Vec<PetitionRecord>> {
    // Conditions are fixed strings; every value is bound.
    let mut conds: Vec<String> = Vec::new();
    let mut n = 0;
    let mut next = || {
        n += 1;
        format!("${n}")
    };
    if f.council_id.is_some() {
        conds.push(format!("p.council_id = {}", next()));
    }
    if f.round_id.is_some() {
        conds.push(format!("p.round_id = {}", next()));
    }
    if f.meeting_id.is_some() {
        conds.push(format!("p.meeting_id = {}", next()));
    }
    if f.status.is_some() {
        conds.push(format!("p.status = {}", next()));
    }
    if f.field.is_some() {
        conds.push(format!("p.field = {}", next()));
    }
    if f.agency_id.is_some() {
        conds.push(format!("p.agency_id = {}", next()));
    }
    let words: Vec<String> = f
        .text
        .as_deref()
        .map(|t| text::fold(t).split_whitespace().map(like_pattern).collect())
        .unwrap_or_default();
    for _ in &words {
        conds.push(format!("p.folded LIKE {} ESCAPE '\\'", next()));
    }
    if !f.include_merged {
        conds.push(format!("p.status <> '{}'", PetitionStatus::Merged.as_str()));
    }
    if f.published_only {
        let list: Vec<String> = PetitionStatus::ALL
            .iter()
            .filter(|s| s.is_published())
            .map(|s| format!("'{}'", s.as_str()))
            .collect();
        conds.push(format!("p.status IN ({})", list.join(", ")));
    }
    let mut sql = String::from(RECORD_SELECT);
    if !conds.is_empty() {
        sql.push_str(" WHERE ");
        sql.push_str(&conds.join(" AND "));
    }
    sql.push_str(" ORDER BY p.id DESC");
    if f.limit > 0 {
        sql.push_str(&format!(" LIMIT {}", f.limit));
    }
    let mut q = sqlx::query(AssertSqlSafe(sql));
    if let Some(v) = f.council_id {
        q = q.bind(v);
    }
    if let Some(v) = f.round_id {
        q = q.bind(v);
    }
    if let Some(v) = f.meeting_id {
        q = q.bind(v);
    }
    if let Some(v) = f.status {
        q = q.bind(v.as_str());
    }
    if let Some(v) = f.field {
        q = q.bind(v.as_str());
    }
    if let Some(v) = f.agency_id {
        q = q.bind(v);
    }
    for w in words {
        q = q.bind(w);
    }
    let rows = q.fetch_all(store.pool()).await.map_err(db)?;
    rows.iter().map(record).collect()
}

pub(crate) async fn one(store: &SqlStore, id: i64) -> Result<PetitionRecord> {
    let sql = format!("{RECORD_SELECT} WHERE p.id = $1");
    super::rows::one_by_id(store.pool(), sql, id, record).await
}

pub(crate) async fn change(
    store: &SqlStore,
    id: i64,
    version: i64,
    change: &PetitionChange,
    ctx: &AuditContext,
) -> Result<PetitionRecord> {
    let mut w = store.write().await?;
    let (mut p, stored) = load(&mut w, id).await?;
    if stored != version {
        return Err(StoreError::Conflict(
            "kiến nghị vừa được người khác cập nhật; hãy tải lại trang".into(),
        ));
    }
    let (t, detail) = match change {
        PetitionChange::Aggregate => (p.aggregate(ctx.at), json!(null)),
        PetitionChange::Classify(c) => (
            p.classify(c.clone(), ctx.at),
            json!({ "field": c.field.as_str(), "topic": c.topic,
                    "competence": c.competence.as_str(), "agency_id": c.agency_id }),
        ),
        PetitionChange::AnswerOnSpot(a) => (p.answer_on_spot(a, ctx.at), json!({ "answer": a })),
        PetitionChange::Urge => (p.urge(ctx.at), json!(null)),
        PetitionChange::RecordAnswer {
            document,
            summary,
            file,
        } => {
            let t = p.record_answer(document.clone(), summary, ctx.at);
            if let (Ok(_), Some(file)) = (&t, file) {
                insert_answer_file(&mut w, id, file, ctx).await?;
            }
            (
                t,
                json!({ "number": document.number, "date": date_text(document.date),
                        "file": file.as_ref().map(|f| json!({
                            "name": f.file_name, "sha256": f.sha256, "size": f.size })) }),
            )
        }
        PetitionChange::Evaluate { result, note } => (
            p.evaluate(*result, note, ctx.at),
            json!({ "result": result.as_str(), "note": note }),
        ),
        PetitionChange::Report(r) => (p.report_in(r, ctx.at), json!({ "report": r })),
        PetitionChange::Close => (p.close(ctx.at), json!(null)),
        PetitionChange::MarkRepeat(earlier) => {
            let exists: Option<(i64,)> = sqlx::query_as("SELECT id FROM petitions WHERE id = $1")
                .bind(*earlier)
                .fetch_optional(&mut *w.tx)
                .await
                .map_err(db)?;
            if exists.is_none() {
                return Err(StoreError::NotFound);
            }
            (
                p.mark_repeat_of(*earlier, ctx.at),
                json!({ "repeat_of": earlier }),
            )
        }
    };
    let t = t.map_err(refused)?;
    save(&mut w, &p, version, ctx).await?;
    audit_transition(&mut w, ctx, &t, detail).await?;
    w.commit().await?;
    one(store, id).await
}

async fn insert_answer_file(
    w: &mut Write<'_>,
    petition_id: i64,
    file: &AnswerFile,
    ctx: &AuditContext,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO petition_answer_files (petition_id, file_name, sha256, size, format, \
         pages, text, uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(petition_id)
    .bind(&file.file_name)
    .bind(&file.sha256)
    .bind(i64::try_from(file.size).unwrap_or(i64::MAX))
    .bind(file.format.as_str())
    .bind(i64::from(file.pages))
    .bind(&file.text)
    .bind(ctx.actor_id)
    .bind(to_millis(ctx.at))
    .execute(&mut *w.tx)
    .await
    .map_err(db)?;
    Ok(())
}

pub(crate) async fn answer_files(
    store: &SqlStore,
    petition_id: i64,
) -> Result<Vec<StoredAnswerFile>> {
    let rows = sqlx::query(
        "SELECT id, petition_id, file_name, sha256, size, format, pages, text, uploaded_at \
         FROM petition_answer_files WHERE petition_id = $1 ORDER BY id",
    )
    .bind(petition_id)
    .fetch_all(store.pool())
    .await
    .map_err(db)?;
    rows.iter()
        .map(|row| {
            let size: i64 = get(row, "size")?;
            let pages: i64 = get(row, "pages")?;
            Ok(StoredAnswerFile {
                id: get(row, "id")?,
                petition_id: get(row, "petition_id")?,
                file: AnswerFile {
                    file_name: get(row, "file_name")?,
                    sha256: get(row, "sha256")?,
                    size: u64::try_from(size).unwrap_or_default(),
                    format: coded(row, "format")?,
                    pages: u32::try_from(pages).unwrap_or_default(),
                    text: get(row, "text")?,
                },
                uploaded_at: from_millis(get(row, "uploaded_at")?),
            })
        })
        .collect()
}

pub(crate) async fn answer_by_letter(
    store: &SqlStore,
    letter_number: &str,
    answer: &IncomingAnswer,
    ctx: &AuditContext,
) -> Result<Vec<i64>> {
    let mut w = store.write().await?;
    let ids: Vec<(i64,)> = sqlx::query_as(
        "SELECT p.id FROM petitions p JOIN petition_letters l ON l.id = p.letter_id \
         WHERE l.number = $1 ORDER BY p.id",
    )
    .bind(letter_number.trim())
    .fetch_all(&mut *w.tx)
    .await
    .map_err(db)?;
    let document = nghitruong_domain::petition::DocumentRef {
        number: answer.code.clone(),
        date: answer.issued_on,
    };
    let mut answered = Vec::new();
    for (id,) in ids {
        let (mut p, version) = load(&mut w, id).await?;
        // A petition answered already (by hand, or by an earlier package)
        // keeps its answer; the document is still linked to it.
        if let Ok(t) = p.record_answer(document.clone(), &answer.summary, ctx.at) {
            save(&mut w, &p, version, ctx).await?;
            let detail = json!({
                "number": document.number, "date": date_text(document.date),
                "incoming_id": answer.incoming_id,
            });
            audit_transition(&mut w, ctx, &t, detail).await?;
            answered.push(id);
        }
        let linked = sqlx::query(
            "INSERT INTO petition_answer_documents (petition_id, incoming_id, created_at) \
             VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(answer.incoming_id)
        .bind(to_millis(ctx.at))
        .execute(&mut *w.tx)
        .await
        .map_err(db)?;
        if linked.rows_affected() > 0 {
            let change = Change {
                action: "petition.answer_document",
                entity: "petition",
                entity_id: Some(id.to_string()),
                before: None,
                after: Some(json!({
                    "incoming_id": answer.incoming_id, "code": answer.code,
                    "from": answer.from_name, "letter": letter_number.trim(),
                })),
            };
            audit::append(&mut w, ctx, change).await?;
        }
    }
    w.commit().await?;
    Ok(answered)
}

pub(crate) async fn merge(
    store: &SqlStore,
    target: i64,
    sources: &[i64],
    ctx: &AuditContext,
) -> Result<()> {
    let mut w = store.write().await?;
    let (mut into, into_version) = load(&mut w, target).await?;
    for &source in sources {
        let (mut p, version) = load(&mut w, source).await?;
        if p.council_id() != into.council_id() {
            return Err(StoreError::Conflict(
                "chỉ gộp được kiến nghị của cùng một Hội đồng".into(),
            ));
        }
        let t = p.merge_into(&mut into, ctx.at).map_err(refused)?;
        save(&mut w, &p, version, ctx).await?;
        audit_transition(&mut w, ctx, &t, json!({ "into": target })).await?;
    }
    save(&mut w, &into, into_version, ctx).await?;
    let change = Change {
        action: "petition.merge",
        entity: "petition",
        entity_id: Some(target.to_string()),
        before: None,
        after: Some(json!({ "sources": sources, "voter_count": into.voter_count() })),
    };
    audit::append(&mut w, ctx, change).await?;
    w.commit().await
}

pub(crate) async fn forward(
    store: &SqlStore,
    req: &ForwardRequest,
    ctx: &AuditContext,
) -> Result<PetitionLetter> {
    let number = req.number.trim();
    if number.is_empty() {
        return Err(StoreError::Conflict(
            "số công văn không được để trống".into(),
        ));
    }
    if req.petition_ids.is_empty() {
        return Err(StoreError::Conflict(
            "chưa chọn kiến nghị nào để chuyển".into(),
        ));
    }
    let mut w = store.write().await?;
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO petition_letters (council_id, round_id, agency_id, number, issued_on, \
         due_on, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(req.council_id)
    .bind(req.round_id)
    .bind(req.agency_id)
    .bind(number)
    .bind(date_text(req.issued_on))
    .bind(date_text(req.due_on))
    .bind(to_millis(ctx.at))
    .fetch_one(&mut *w.tx)
    .await
    .map_err(|e| match db(e) {
        StoreError::Conflict(_) => {
            StoreError::Conflict(format!("số công văn {number} đã được dùng"))
        }
        other => other,
    })?;
    let doc = nghitruong_domain::petition::DocumentRef {
        number: number.to_owned(),
        date: req.issued_on,
    };
    for &pid in &req.petition_ids {
        let (mut p, version) = load(&mut w, pid).await?;
        if p.council_id() != req.council_id {
            return Err(StoreError::NotFound);
        }
        let t = p
            .forward(req.agency_id, doc.clone(), req.due_on, ctx.at)
            .map_err(|e| StoreError::Conflict(format!("kiến nghị số {pid}: {e}")))?;
        save(&mut w, &p, version, ctx).await?;
        sqlx::query("UPDATE petitions SET letter_id = $1 WHERE id = $2")
            .bind(id)
            .bind(pid)
            .execute(&mut *w.tx)
            .await
            .map_err(db)?;
        audit_transition(
            &mut w,
            ctx,
            &t,
            json!({ "letter": number, "agency_id": req.agency_id }),
        )
        .await?;
    }
    w.commit().await?;
    Ok(PetitionLetter {
        id,
        round_id: req.round_id,
        agency_id: req.agency_id,
        number: number.to_owned(),
        issued_on: req.issued_on,
        due_on: req.due_on,
    })
}

pub(crate) async fn letters(store: &SqlStore, round_id: i64) -> Result<Vec<PetitionLetter>> {
    let sql = "SELECT id, round_id, agency_id, number, issued_on, due_on FROM petition_letters \
               WHERE round_id = $1 ORDER BY issued_on, id"
        .to_owned();
    super::rows::all_by_id(store.pool(), sql, round_id, letter).await
}

pub(crate) async fn carry_over(
    store: &SqlStore,
    id: i64,
    next_round_id: i64,
    ctx: &AuditContext,
) -> Result<i64> {
    let mut w = store.write().await?;
    let (mut p, version) = load(&mut w, id).await?;
    let (new_id,): (i64,) = sqlx::query_as(
        "INSERT INTO petitions (council_id, round_id, text, folded, voter_count, place_code, \
         status, state, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, '{}', $8, $8) RETURNING id",
    )
    .bind(p.council_id())
    .bind(next_round_id)
    .bind(p.text())
    .bind(text::fold(p.text()))
    .bind(i64::from(p.voter_count()))
    .bind(p.places().iter().next().cloned())
    .bind(PetitionStatus::Classified.as_str())
    .bind(to_millis(ctx.at))
    .fetch_one(&mut *w.tx)
    .await
    .map_err(db)?;
    let (next, t) = p
        .carry_over(new_id, next_round_id, ctx.at)
        .map_err(refused)?;
    save(&mut w, &p, version, ctx).await?;
    save(&mut w, &next, 1, ctx).await?;
    audit_transition(
        &mut w,
        ctx,
        &t,
        json!({ "new_id": new_id, "round_id": next_round_id }),
    )
    .await?;
    w.commit().await?;
    Ok(new_id)
}

pub(crate) async fn stage_import(
    store: &SqlStore,
    round_id: i64,
    file_name: &str,
    rows: &[NewOpinion],
    ctx: &AuditContext,
) -> Result<i64> {
    let body = serde_json::to_string(rows).map_err(|e| StoreError::Other(e.into()))?;
    let mut w = store.write().await?;
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO petition_imports (round_id, file_name, rows, row_count, status, created_by, \
         created_at) VALUES ($1, $2, $3, $4, 'staged', $5, $6) RETURNING id",
    )
    .bind(round_id)
    .bind(file_name)
    .bind(body)
    .bind(i64::try_from(rows.len()).unwrap_or(i64::MAX))
    .bind(ctx.actor_id)
    .bind(to_millis(ctx.at))
    .fetch_one(&mut *w.tx)
    .await
    .map_err(db)?;
    let change = Change {
        action: "petition_import.stage",
        entity: "petition_import",
        entity_id: Some(id.to_string()),
        before: None,
        after: Some(json!({ "round_id": round_id, "file": file_name, "rows": rows.len() })),
    };
    audit::append(&mut w, ctx, change).await?;
    w.commit().await?;
    Ok(id)
}

fn staged(row: &AnyRow) -> Result<StagedImport> {
    let rows: String = get(row, "rows")?;
    let status: String = get(row, "status")?;
    Ok(StagedImport {
        id: get(row, "id")?,
        round_id: get(row, "round_id")?,
        file_name: get(row, "file_name")?,
        rows: serde_json::from_str(&rows).map_err(|e| StoreError::Other(e.into()))?,
        committed: status == "committed",
    })
}

pub(crate) async fn staged_import(store: &SqlStore, id: i64) -> Result<StagedImport> {
    let sql = "SELECT id, round_id, file_name, rows, status FROM petition_imports WHERE id = $1"
        .to_owned();
    super::rows::one_by_id(store.pool(), sql, id, staged).await
}

pub(crate) async fn commit_import(store: &SqlStore, id: i64, ctx: &AuditContext) -> Result<usize> {
    let mut w = store.write().await?;
    let row = sqlx::query(
        "SELECT id, round_id, file_name, rows, status FROM petition_imports WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *w.tx)
    .await
    .map_err(db)?
    .ok_or(StoreError::NotFound)?;
    let import = staged(&row)?;
    if import.committed {
        return Err(StoreError::Conflict("tệp này đã được nhập rồi".into()));
    }
    let ids = insert_opinions(&mut w, import.round_id, None, &import.rows, ctx).await?;
    sqlx::query("UPDATE petition_imports SET status = 'committed' WHERE id = $1")
        .bind(id)
        .execute(&mut *w.tx)
        .await
        .map_err(db)?;
    w.commit().await?;
    Ok(ids.len())
}

pub(crate) async fn counts(
    store: &SqlStore,
    council_id: i64,
    by: PetitionCountBy,
) -> Result<Vec<PetitionCount>> {
    let key = match by {
        PetitionCountBy::Status => "p.status",
        PetitionCountBy::Field => "COALESCE(p.field, '')",
        PetitionCountBy::Agency => "COALESCE(b.name, '')",
        PetitionCountBy::Result => "COALESCE(p.result, '')",
        PetitionCountBy::Place => "COALESCE(u.name, '')",
    };
    let sql = format!(
        "SELECT {key} AS k, COUNT(*) AS n FROM petitions p \
         LEFT JOIN bodies b ON b.id = p.agency_id \
         LEFT JOIN admin_units u ON u.code = p.place_code \
         WHERE p.council_id = $1 AND p.status <> '{merged}' GROUP BY {key} ORDER BY n DESC, k",
        merged = PetitionStatus::Merged.as_str()
    );
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(council_id)
        .fetch_all(store.pool())
        .await
        .map_err(db)?;
    rows.iter()
        .map(|r| {
            Ok(PetitionCount {
                key: get(r, "k")?,
                count: get(r, "n")?,
            })
        })
        .collect()
}

#[async_trait::async_trait]
impl crate::PetitionStore for SqlStore {
    async fn create_petition_round(
        &self,
        new: &NewPetitionRound,
        ctx: &AuditContext,
    ) -> Result<PetitionRound> {
        create_round(self, new, ctx).await
    }
    async fn petition_rounds(&self, council_id: i64) -> Result<Vec<PetitionRound>> {
        rounds(self, council_id).await
    }
    async fn petition_round(&self, id: i64) -> Result<PetitionRound> {
        round_by_id(self, id).await
    }
    async fn create_voter_meeting(
        &self,
        new: &NewVoterMeeting,
        ctx: &AuditContext,
    ) -> Result<VoterMeeting> {
        create_meeting(self, new, ctx).await
    }
    async fn voter_meetings(&self, round_id: i64) -> Result<Vec<VoterMeeting>> {
        meetings(self, round_id).await
    }
    async fn voter_meeting(&self, id: i64) -> Result<VoterMeeting> {
        meeting_by_id(self, id).await
    }
    async fn capture_opinions(
        &self,
        round_id: i64,
        meeting_id: Option<i64>,
        opinions: &[NewOpinion],
        ctx: &AuditContext,
    ) -> Result<Vec<i64>> {
        capture(self, round_id, meeting_id, opinions, ctx).await
    }
    async fn petitions(&self, filter: &PetitionFilter) -> Result<Vec<PetitionRecord>> {
        list(self, filter).await
    }
    async fn petition(&self, id: i64) -> Result<PetitionRecord> {
        one(self, id).await
    }
    async fn answer_files(&self, petition_id: i64) -> Result<Vec<StoredAnswerFile>> {
        answer_files(self, petition_id).await
    }
    async fn change_petition(
        &self,
        id: i64,
        version: i64,
        change: &PetitionChange,
        ctx: &AuditContext,
    ) -> Result<PetitionRecord> {
        self::change(self, id, version, change, ctx).await
    }
    async fn merge_petitions(
        &self,
        target: i64,
        sources: &[i64],
        ctx: &AuditContext,
    ) -> Result<()> {
        merge(self, target, sources, ctx).await
    }
    async fn forward_petitions(
        &self,
        request: &ForwardRequest,
        ctx: &AuditContext,
    ) -> Result<PetitionLetter> {
        forward(self, request, ctx).await
    }
    async fn petition_letters(&self, round_id: i64) -> Result<Vec<PetitionLetter>> {
        letters(self, round_id).await
    }
    async fn answer_by_letter(
        &self,
        letter_number: &str,
        answer: &IncomingAnswer,
        ctx: &AuditContext,
    ) -> Result<Vec<i64>> {
        answer_by_letter(self, letter_number, answer, ctx).await
    }
    async fn answer_documents(&self, petition_id: i64) -> Result<Vec<i64>> {
        let rows: Vec<(i64,)> = sqlx::query_as(
            "SELECT incoming_id FROM petition_answer_documents WHERE petition_id = $1 \
             ORDER BY incoming_id",
        )
        .bind(petition_id)
        .fetch_all(self.pool())
        .await
        .map_err(db)?;
        Ok(rows.into_iter().map(|(i,)| i).collect())
    }
    async fn carry_over_petition(
        &self,
        id: i64,
        next_round_id: i64,
        ctx: &AuditContext,
    ) -> Result<i64> {
        carry_over(self, id, next_round_id, ctx).await
    }
    async fn stage_import(
        &self,
        round_id: i64,
        file_name: &str,
        rows: &[NewOpinion],
        ctx: &AuditContext,
    ) -> Result<i64> {
        stage_import(self, round_id, file_name, rows, ctx).await
    }
    async fn staged_import(&self, id: i64) -> Result<StagedImport> {
        staged_import(self, id).await
    }
    async fn commit_import(&self, id: i64, ctx: &AuditContext) -> Result<usize> {
        commit_import(self, id, ctx).await
    }
    async fn petition_counts(
        &self,
        council_id: i64,
        by: PetitionCountBy,
    ) -> Result<Vec<PetitionCount>> {
        counts(self, council_id, by).await
    }
}

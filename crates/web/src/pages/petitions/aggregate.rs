//! Tổng hợp: the clerk's screen where opinions raising the same concern are
//! grouped (across meetings and communes, with or without diacritics) and
//! petitions repeating an earlier round are flagged. The system proposes;
//! the clerk confirms, splits or leaves each group.

use askama::Template;
use axum::extract::{Path, RawForm, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use nghitruong_domain::dedup::{self, DedupDoc, DedupParams};
use nghitruong_domain::petition::PetitionStatus;
use nghitruong_store::{PetitionChange, PetitionFilter, PetitionRecord};

use super::{current, refusal, round_here};
use crate::AppState;
use crate::auth::login::audit_context;
use crate::auth::{CsrfToken, Signed};
use crate::error::{AppError, AppResult};
use crate::layout::Layout;

struct Member {
    id: i64,
    text: String,
    place: String,
    voters: u32,
}

struct Group {
    members: Vec<Member>,
    why: String,
}

struct Repeat {
    id: i64,
    text: String,
    earlier_id: i64,
    earlier_text: String,
    why: String,
}

#[derive(Template)]
#[template(path = "petition_aggregate.html")]
struct AggregatePage {
    layout: Layout,
    round_id: i64,
    round_name: String,
    open: usize,
    captured: usize,
    groups: Vec<Group>,
    repeats: Vec<Repeat>,
}

fn doc(r: &PetitionRecord) -> DedupDoc {
    DedupDoc {
        text: r.petition.text().to_owned(),
        place: r.place_name.clone(),
    }
}

fn member(r: &PetitionRecord) -> Member {
    Member {
        id: r.id(),
        text: r.petition.text().to_owned(),
        place: r.place_name.clone().unwrap_or_default(),
        voters: r.petition.voter_count(),
    }
}

fn why(e: &dedup::PairEvidence) -> String {
    let terms = e.shared_terms.iter().take(6).cloned().collect::<Vec<_>>();
    format!(
        "giống nhau {:.0}%; từ chung: {}",
        e.text_similarity * 100.0,
        if terms.is_empty() {
            "—".to_owned()
        } else {
            terms.join(", ")
        }
    )
}

pub(crate) async fn aggregate_page(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    CsrfToken(csrf): CsrfToken,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let round = round_here(&state, &viewer, id).await?;
    let council = current(&viewer)?;
    let records: Vec<PetitionRecord> = state
        .store
        .petitions(&PetitionFilter {
            round_id: Some(round.id),
            ..Default::default()
        })
        .await?
        .into_iter()
        .filter(|r| {
            matches!(
                r.petition.status(),
                PetitionStatus::Captured | PetitionStatus::Aggregated
            )
        })
        .collect();
    let mut records = records;
    records.sort_by_key(PetitionRecord::id);
    let earlier: Vec<PetitionRecord> = state
        .store
        .petitions(&PetitionFilter {
            council_id: Some(council.id),
            ..Default::default()
        })
        .await?
        .into_iter()
        .filter(|r| r.round_id != round.id)
        .collect();
    let captured = records
        .iter()
        .filter(|r| r.petition.status() == PetitionStatus::Captured)
        .count();
    let (groups, repeats) = {
        let current: Vec<DedupDoc> = records.iter().map(doc).collect();
        let before: Vec<DedupDoc> = earlier.iter().map(doc).collect();
        tokio::task::spawn_blocking(move || {
            let params = DedupParams::default();
            (
                dedup::find_duplicates(&current, &params),
                dedup::find_repeats(&current, &before, &params),
            )
        })
        .await
        .map_err(|e| AppError::Internal(e.into()))?
    };
    let groups = groups
        .groups
        .iter()
        .map(|g| Group {
            members: g.members.iter().map(|i| member(&records[*i])).collect(),
            why: g.links.first().map(why).unwrap_or_default(),
        })
        .collect();
    let repeats = repeats
        .iter()
        .filter(|m| records[m.current].petition.repeat_of().is_none())
        .map(|m| Repeat {
            id: records[m.current].id(),
            text: records[m.current].petition.text().to_owned(),
            earlier_id: earlier[m.earlier].id(),
            earlier_text: earlier[m.earlier].petition.text().to_owned(),
            why: why(&m.evidence),
        })
        .collect();
    let page = AggregatePage {
        layout: Layout::signed(&state, &viewer, &csrf, "Tổng hợp kiến nghị", "/kien-nghi").await?,
        round_id: round.id,
        round_name: round.name,
        open: records.len(),
        captured,
        groups,
        repeats,
    };
    Ok(Html(page.render()?).into_response())
}

/// One of three actions: merge the ticked members of a group into the
/// first ticked one, link a repeat, or take every captured opinion into the
/// summary.
pub(crate) async fn aggregate_submit(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    RawForm(body): RawForm,
) -> AppResult<Response> {
    let round = round_here(&state, &viewer, id).await?;
    let ctx = audit_context(&state, &viewer, &headers);
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
        .map_err(|_| AppError::BadRequest("Dữ liệu gửi lên không hợp lệ.".into()))?;
    let value = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let in_round = |r: &PetitionRecord| r.round_id == round.id;
    match value("action") {
        Some("gop") => {
            // The earliest recorded opinion keeps the others.
            let mut ids: Vec<i64> = pairs
                .iter()
                .filter(|(k, _)| k == "id")
                .filter_map(|(_, v)| v.parse().ok())
                .collect();
            ids.sort_unstable();
            ids.dedup();
            if ids.len() < 2 {
                return Err(AppError::BadRequest(
                    "Hãy đánh dấu ít nhất hai ý kiến để gộp.".into(),
                ));
            }
            for id in &ids {
                if !in_round(&state.store.petition(*id).await?) {
                    return Err(AppError::NotFound);
                }
            }
            state
                .store
                .merge_petitions(ids[0], &ids[1..], &ctx)
                .await
                .map_err(refusal)?;
        }
        Some("tai_kien_nghi") => {
            let parse = |k: &str| value(k).and_then(|v| v.parse::<i64>().ok());
            let (Some(current), Some(earlier)) = (parse("id"), parse("earlier")) else {
                return Err(AppError::BadRequest("Thiếu kiến nghị cần liên kết.".into()));
            };
            let record = state.store.petition(current).await?;
            if !in_round(&record) {
                return Err(AppError::NotFound);
            }
            state
                .store
                .change_petition(
                    current,
                    record.version,
                    &PetitionChange::MarkRepeat(earlier),
                    &ctx,
                )
                .await
                .map_err(refusal)?;
        }
        Some("tong_hop_tat_ca") => {
            let captured = state
                .store
                .petitions(&PetitionFilter {
                    round_id: Some(round.id),
                    status: Some(PetitionStatus::Captured),
                    ..Default::default()
                })
                .await?;
            for r in captured {
                state
                    .store
                    .change_petition(r.id(), r.version, &PetitionChange::Aggregate, &ctx)
                    .await
                    .map_err(refusal)?;
            }
        }
        _ => return Err(AppError::BadRequest("Thao tác không hợp lệ.".into())),
    }
    Ok(Redirect::to(&format!("/kien-nghi/dot/{}/tong-hop", round.id)).into_response())
}

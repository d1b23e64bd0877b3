//! Cổng thông tin: citizens read the petitions the council has taken up
//! and the answers, without any personal data, as pages and as open data
//! (JSON and CSV).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use nghitruong_domain::org::{Council, CouncilLevel};
use nghitruong_store::{CouncilFilter, PetitionFilter, PetitionRecord};
use serde::{Deserialize, Serialize};

use super::local_date;
use crate::AppState;
use crate::auth::CsrfToken;
use crate::error::{AppError, AppResult};
use crate::layout::Layout;

/// Most petitions one portal page or feed returns.
const PORTAL_LIMIT: i64 = 500;

#[derive(Deserialize, Default)]
pub(crate) struct PortalQuery {
    /// The council's unit code; the province's council when absent.
    #[serde(default)]
    hd: String,
    /// Words to look for.
    #[serde(default)]
    q: String,
}

/// One published petition: no voter names, addresses or counts of who
/// said what, only what the council published.
#[derive(Serialize)]
pub(crate) struct PublicPetition {
    id: i64,
    text: String,
    place: String,
    status: &'static str,
    field: &'static str,
    topic: String,
    agency: String,
    forwarded_on: String,
    due_on: String,
    answer: String,
    answered_on: String,
    /// Where the agency's signed letter is, when it sent one.
    answer_file: String,
    result: &'static str,
}

fn public(r: &PetitionRecord) -> PublicPetition {
    let p = &r.petition;
    let class = p.classification();
    PublicPetition {
        id: p.id(),
        text: p.text().to_owned(),
        place: r.place_name.clone().unwrap_or_default(),
        status: p.status().label(),
        field: class.map_or("", |c| c.field.label()),
        topic: class.map_or(String::new(), |c| {
            nghitruong_domain::petition::topic_label(&c.topic).to_owned()
        }),
        agency: r.agency_name.clone().unwrap_or_default(),
        forwarded_on: p
            .assignment()
            .map(|a| local_date(a.forwarded_on))
            .unwrap_or_default(),
        due_on: p
            .assignment()
            .map(|a| local_date(a.due))
            .unwrap_or_default(),
        answer: p
            .answer()
            .map(|a| a.summary.clone())
            .or_else(|| p.on_spot_answer().map(str::to_owned))
            .unwrap_or_default(),
        answered_on: p
            .answer()
            .map(|a| local_date(a.received_on))
            .unwrap_or_default(),
        answer_file: String::new(),
        result: p.evaluation().map_or("", |e| e.result.label()),
    }
}

async fn council_for(state: &AppState, code: &str) -> AppResult<Council> {
    let code = code.trim();
    if !code.is_empty() {
        return state
            .store
            .council_by_unit(code)
            .await?
            .ok_or(AppError::NotFound);
    }
    let filter = CouncilFilter {
        level: Some(CouncilLevel::Province),
        limit: 1,
        ..Default::default()
    };
    let (found, _) = state.store.councils(&filter).await?;
    found
        .into_iter()
        .next()
        .map(|s| s.council)
        .ok_or(AppError::NotFound)
}

async fn published(state: &AppState, q: &PortalQuery) -> AppResult<(Council, Vec<PublicPetition>)> {
    let council = council_for(state, &q.hd).await?;
    let records = state
        .store
        .petitions(&PetitionFilter {
            council_id: Some(council.id),
            published_only: true,
            text: Some(q.q.clone()).filter(|t| !t.trim().is_empty()),
            limit: PORTAL_LIMIT,
            ..Default::default()
        })
        .await?;
    let mut rows = Vec::with_capacity(records.len());
    for r in &records {
        let mut row = public(r);
        if r.petition.answer().is_some()
            && let Some(f) = state.store.answer_files(r.id()).await?.first()
        {
            row.answer_file = format!("/cong-khai/kien-nghi/{}/tra-loi/{}", r.id(), f.id);
        }
        rows.push(row);
    }
    Ok((council, rows))
}

#[derive(Template)]
#[template(path = "portal_petitions.html")]
struct PortalPage {
    layout: Layout,
    council_name: String,
    code: String,
    q: String,
    rows: Vec<PublicPetition>,
}

pub(crate) async fn portal_page(
    State(state): State<AppState>,
    CsrfToken(csrf): CsrfToken,
    Query(q): Query<PortalQuery>,
) -> AppResult<Response> {
    let (council, rows) = published(&state, &q).await?;
    let page = PortalPage {
        layout: Layout::public("Kiến nghị cử tri và kết quả trả lời", &csrf),
        council_name: council.name,
        code: council.unit_code,
        q: q.q,
        rows,
    };
    Ok(Html(page.render()?).into_response())
}

pub(crate) async fn open_data_json(
    State(state): State<AppState>,
    Query(q): Query<PortalQuery>,
) -> AppResult<Response> {
    let (council, rows) = published(&state, &q).await?;
    let body = serde_json::json!({
        "council": council.name,
        "unit_code": council.unit_code,
        "count": rows.len(),
        "petitions": rows,
    });
    Ok((
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body.to_string(),
    )
        .into_response())
}

/// A cell that a spreadsheet would read as a formula gets a leading
/// apostrophe, so opening the feed in Excel runs nothing.
fn inert(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

pub(crate) async fn open_data_csv(
    State(state): State<AppState>,
    Query(q): Query<PortalQuery>,
) -> AppResult<Response> {
    let (_, rows) = published(&state, &q).await?;
    let mut out = csv::Writer::from_writer(Vec::from(&b"\xEF\xBB\xBF"[..]));
    let write = |w: &mut csv::Writer<Vec<u8>>, cells: &[&str]| {
        w.write_record(cells.iter().map(|c| inert(c)))
            .map_err(|e| AppError::Internal(e.into()))
    };
    write(
        &mut out,
        &[
            "so",
            "noi_dung",
            "dia_ban",
            "trang_thai",
            "linh_vuc",
            "chu_de",
            "co_quan",
            "ngay_chuyen",
            "han_tra_loi",
            "tra_loi",
            "ngay_tra_loi",
            "ket_qua",
        ],
    )?;
    for r in &rows {
        let id = r.id.to_string();
        write(
            &mut out,
            &[
                &id,
                &r.text,
                &r.place,
                r.status,
                r.field,
                &r.topic,
                &r.agency,
                &r.forwarded_on,
                &r.due_on,
                &r.answer,
                &r.answered_on,
                r.result,
            ],
        )?;
    }
    let bytes = out
        .into_inner()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("csv: {e}")))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"kien-nghi-cu-tri.csv\"",
            ),
        ],
        bytes,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::inert;

    #[test]
    fn formula_cells_are_made_inert() {
        assert_eq!(inert("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(inert("-1+2"), "'-1+2");
        assert_eq!(inert("Đề nghị"), "Đề nghị");
    }
}

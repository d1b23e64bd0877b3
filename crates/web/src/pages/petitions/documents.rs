//! The documents the office issues for petitions, as DOCX in the state
//! format: the cover letter (công văn) forwarding petitions to an agency,
//! and the summary report (báo cáo tổng hợp) of a round.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use nghitruong_docgen::{AdminDocument, Block, to_docx};
use nghitruong_store::{PetitionFilter, PetitionRecord, PetitionRound};

use super::{local_date, local_day, round_here};
use crate::AppState;
use crate::auth::{Signed, Viewer};
use crate::error::{AppError, AppResult};

fn docx_response(name: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
                    .to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// The frame every petitions document shares: the council's standing
/// committee issues it, its chair signs.
async fn frame(state: &AppState, viewer: &Viewer, number: String) -> AppResult<AdminDocument> {
    let council = viewer.council.as_ref().ok_or(AppError::Forbidden)?;
    let place = council
        .name
        .split_once("tỉnh ")
        .or_else(|| council.name.split_once("xã "))
        .or_else(|| council.name.split_once("phường "))
        .map_or(council.name.as_str(), |(_, p)| p)
        .to_owned();
    Ok(AdminDocument {
        parent_body: Some(council.name.clone()),
        issuer: "Thường trực HĐND".into(),
        number,
        place,
        date: local_day(state.clock.now()),
        kind: None,
        title: String::new(),
        addressees: Vec::new(),
        body: Vec::new(),
        recipients: vec!["Như trên".into(), "Lưu: VT, VP".into()],
        signing_authority: "TM. THƯỜNG TRỰC HĐND".into(),
        signer_title: "CHỦ TỊCH".into(),
        signer_name: String::new(),
    })
}

fn petition_rows(records: &[PetitionRecord]) -> Vec<Vec<String>> {
    records
        .iter()
        .enumerate()
        .map(|(i, r)| {
            vec![
                (i + 1).to_string(),
                r.petition.text().to_owned(),
                r.place_name.clone().unwrap_or_default(),
                r.petition.voter_count().to_string(),
            ]
        })
        .collect()
}

async fn round_petitions(
    state: &AppState,
    round: &PetitionRound,
) -> AppResult<Vec<PetitionRecord>> {
    let mut records = state
        .store
        .petitions(&PetitionFilter {
            round_id: Some(round.id),
            ..Default::default()
        })
        .await?;
    records.sort_by_key(PetitionRecord::id);
    Ok(records)
}

/// Công văn chuyển kiến nghị: the letter and the list of what it forwards.
pub(crate) async fn letter_docx(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    Path((id, letter_id)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let round = round_here(&state, &viewer, id).await?;
    let letter = state
        .store
        .petition_letters(round.id)
        .await?
        .into_iter()
        .find(|l| l.id == letter_id)
        .ok_or(AppError::NotFound)?;
    let agency = state.store.body(letter.agency_id).await?;
    let forwarded: Vec<PetitionRecord> = round_petitions(&state, &round)
        .await?
        .into_iter()
        .filter(|r| {
            r.petition
                .assignment()
                .is_some_and(|a| a.letter.number == letter.number)
        })
        .collect();
    let mut doc = frame(&state, &viewer, letter.number.clone()).await?;
    doc.date = letter.issued_on;
    doc.title = "V/v chuyển ý kiến, kiến nghị của cử tri".into();
    doc.addressees = vec![agency.name.clone()];
    doc.body = vec![
        Block::Paragraph(format!(
            "Qua {}, cử tri đã nêu một số ý kiến, kiến nghị thuộc thẩm quyền giải quyết của {}. \
             Thường trực HĐND chuyển {} kiến nghị sau đây (danh sách kèm theo):",
            round.name.to_lowercase(),
            agency.name,
            forwarded.len()
        )),
        Block::Table {
            header: vec![
                "STT".into(),
                "Nội dung kiến nghị".into(),
                "Địa bàn".into(),
                "Số cử tri".into(),
            ],
            rows: petition_rows(&forwarded),
        },
        Block::Paragraph(format!(
            "Đề nghị {} xem xét, giải quyết và có văn bản trả lời gửi Thường trực HĐND trước ngày {} \
             để tổng hợp, báo cáo tại kỳ họp và thông tin đến cử tri.",
            agency.name,
            local_date(letter.due_on)
        )),
    ];
    let bytes = to_docx(&doc).map_err(|e| AppError::Internal(e.into()))?;
    let name = format!("cong-van-{}.docx", letter.id);
    Ok(docx_response(&name, bytes))
}

/// Báo cáo tổng hợp: the round's petitions grouped by field, with where
/// each one stands.
pub(crate) async fn report_docx(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let round = round_here(&state, &viewer, id).await?;
    let records = round_petitions(&state, &round).await?;
    let mut by_field: BTreeMap<&str, Vec<PetitionRecord>> = BTreeMap::new();
    for r in &records {
        let field = r
            .petition
            .classification()
            .map_or("Chưa phân loại", |c| c.field.label());
        by_field.entry(field).or_default().push(r.clone());
    }
    let voters: u32 = records.iter().map(|r| r.petition.voter_count()).sum();
    let mut doc = frame(&state, &viewer, format!("…/BC-HĐND (đợt {})", round.id)).await?;
    doc.kind = Some("Báo cáo".into());
    doc.title = format!("Tổng hợp ý kiến, kiến nghị của cử tri — {}", round.name);
    doc.recipients = vec![
        "Thường trực HĐND".into(),
        "Các Ban của HĐND".into(),
        "Đại biểu HĐND".into(),
        "Lưu: VT, VP".into(),
    ];
    doc.body.push(Block::Paragraph(format!(
        "Trong {}, Văn phòng đã tổng hợp {} ý kiến, kiến nghị với {} lượt cử tri nêu, \
         sau khi gộp các ý kiến trùng nội dung.",
        round.name.to_lowercase(),
        records.len(),
        voters
    )));
    for (n, (field, items)) in by_field.iter().enumerate() {
        doc.body.push(Block::Heading(format!("{}. {field}", n + 1)));
        let rows = items
            .iter()
            .enumerate()
            .map(|(i, r)| {
                vec![
                    (i + 1).to_string(),
                    r.petition.text().to_owned(),
                    r.agency_name.clone().unwrap_or_default(),
                    r.petition.status().label().to_owned(),
                ]
            })
            .collect();
        doc.body.push(Block::Table {
            header: vec![
                "STT".into(),
                "Nội dung kiến nghị".into(),
                "Cơ quan giải quyết".into(),
                "Tình trạng".into(),
            ],
            rows,
        });
    }
    let bytes = to_docx(&doc).map_err(|e| AppError::Internal(e.into()))?;
    Ok(docx_response(
        &format!("bao-cao-dot-{}.docx", round.id),
        bytes,
    ))
}

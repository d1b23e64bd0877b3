//! Reports: the results of a supervision (DOCX), the status of the
//! recommendations (DOCX), and the task list as a workbook (XLSX).

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use nghitruong_docgen::{AdminDocument, Block, to_docx};
use nghitruong_domain::supervision::{Task, TaskStatus};
use nghitruong_store::TaskFilter;

use super::dashboard::{figures, rate};
use super::{body_names, current, visible_tasks};
use crate::AppState;
use crate::auth::{Signed, Viewer};
use crate::error::{AppError, AppResult};
use crate::pages::{local_date, local_day};

fn download(name: &str, mime: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, mime.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The frame of a report of the council's Standing Committee.
fn frame(state: &AppState, viewer: &Viewer, number: String) -> AppResult<AdminDocument> {
    let council = current(viewer)?;
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
        kind: Some("Báo cáo".into()),
        title: String::new(),
        addressees: Vec::new(),
        body: Vec::new(),
        recipients: vec![
            "Thường trực HĐND".into(),
            "Các Ban của HĐND".into(),
            "Đại biểu HĐND".into(),
            "Lưu: VT, VP".into(),
        ],
        signing_authority: "TM. THƯỜNG TRỰC HĐND".into(),
        signer_title: "CHỦ TỊCH".into(),
        signer_name: String::new(),
    })
}

fn task_rows(tasks: &[&Task], names: &BTreeMap<i64, String>) -> Vec<Vec<String>> {
    tasks
        .iter()
        .enumerate()
        .map(|(i, t)| {
            vec![
                (i + 1).to_string(),
                t.content().to_owned(),
                names.get(&t.lead_body_id()).cloned().unwrap_or_default(),
                local_date(t.due()),
                t.status().label().to_owned(),
            ]
        })
        .collect()
}

fn task_header() -> Vec<String> {
    [
        "STT",
        "Nội dung kiến nghị",
        "Cơ quan chủ trì",
        "Thời hạn",
        "Tình trạng",
    ]
    .map(String::from)
    .to_vec()
}

/// Báo cáo kết quả giám sát of one delegation: what was supervised, how,
/// the conclusion and where each recommendation stands.
pub(crate) async fn results_docx(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let council = current(&viewer)?;
    if super::agency_side(&viewer).is_some() {
        return Err(AppError::NotFound);
    }
    let d = state.store.delegation(id).await?.value;
    if d.council_id() != council.id {
        return Err(AppError::NotFound);
    }
    let names: BTreeMap<i64, String> = body_names(&state, council.id).await?.into_iter().collect();
    let name = |b: &i64| names.get(b).cloned().unwrap_or_default();
    let stored = state
        .store
        .tasks(&TaskFilter {
            council_id: Some(council.id),
            delegation_id: Some(id),
            ..Default::default()
        })
        .await?;
    let tasks: Vec<&Task> = stored.iter().map(|t| &t.value).collect();
    let number = d
        .conclusion()
        .and_then(|c| c.report.as_ref())
        .map_or_else(|| "…/BC-HĐND".to_owned(), |r| r.number.clone());
    let mut doc = frame(&state, &viewer, number)?;
    doc.title = format!("Kết quả giám sát chuyên đề “{}”", d.topic());
    let mut body = vec![Block::Heading("I. KHÁI QUÁT".into())];
    body.push(Block::Paragraph(format!(
        "Thực hiện {}, {} tổ chức giám sát chuyên đề “{}”. Phạm vi giám sát: {}.",
        d.decision()
            .map(|r| format!("văn bản số {} ngày {}", r.number, local_date(r.date)))
            .unwrap_or_else(|| "chương trình giám sát năm".into()),
        d.conductor().label(),
        d.topic(),
        d.scope()
    )));
    body.push(Block::Paragraph(format!(
        "Đối tượng chịu sự giám sát: {}.",
        d.subjects().iter().map(name).collect::<Vec<_>>().join("; ")
    )));
    body.push(Block::Paragraph(format!(
        "Đoàn đã nhận {} báo cáo của các cơ quan và làm việc trực tiếp {} lần{}.",
        d.reports().len(),
        d.visits().len(),
        if d.visits().is_empty() {
            String::new()
        } else {
            format!(
                " ({})",
                d.visits()
                    .iter()
                    .map(|v| format!("{} tại {}", local_date(v.on), v.place))
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        }
    )));
    body.push(Block::Heading("II. KẾT LUẬN VÀ KIẾN NGHỊ".into()));
    match d.conclusion() {
        Some(c) => {
            body.push(Block::Paragraph(format!(
                "Kết luận giám sát số {} ngày {} nêu {} kiến nghị:",
                c.document.number,
                local_date(c.document.date),
                c.recommendations.len()
            )));
            body.push(Block::Table {
                header: vec!["STT".into(), "Kiến nghị".into(), "Cơ quan".into()],
                rows: c
                    .recommendations
                    .iter()
                    .enumerate()
                    .map(|(i, r)| {
                        vec![
                            (i + 1).to_string(),
                            r.content.clone(),
                            name(&r.addressee_id),
                        ]
                    })
                    .collect(),
            });
        }
        None => body.push(Block::Paragraph(
            "Đoàn giám sát chưa ban hành kết luận.".into(),
        )),
    }
    body.push(Block::Heading("III. TÌNH HÌNH THỰC HIỆN KIẾN NGHỊ".into()));
    if tasks.is_empty() {
        body.push(Block::Paragraph(
            "Chưa giao nhiệm vụ thực hiện kiến nghị.".into(),
        ));
    } else {
        body.push(Block::Table {
            header: task_header(),
            rows: task_rows(&tasks, &names),
        });
    }
    doc.body = body;
    let bytes = to_docx(&doc).map_err(|e| AppError::Internal(e.into()))?;
    Ok(download(
        &format!("ket-qua-giam-sat-{id}.docx"),
        DOCX,
        bytes,
    ))
}

/// Báo cáo tình hình thực hiện kiến nghị giám sát: every task of the
/// council grouped by status, with the on-time rate.
pub(crate) async fn recommendations_docx(
    State(state): State<AppState>,
    Signed(viewer): Signed,
) -> AppResult<Response> {
    let council = current(&viewer)?;
    let today = local_day(state.clock.now());
    let names_map = body_names(&state, council.id).await?;
    let names: BTreeMap<i64, String> = names_map.clone().into_iter().collect();
    let stored = visible_tasks(&state, &viewer).await?;
    let tasks: Vec<&Task> = stored.iter().map(|t| &t.value).collect();
    let f = figures(&tasks, &names_map, today);
    let mut doc = frame(&state, &viewer, "…/BC-HĐND".into())?;
    doc.title = "Tình hình thực hiện kết luận, kiến nghị sau giám sát".into();
    doc.body.push(Block::Paragraph(format!(
        "Đến ngày {}, Thường trực HĐND theo dõi {} nhiệm vụ thực hiện kiến nghị sau giám sát, \
         chất vấn, giải trình; {} nhiệm vụ quá hạn; tỷ lệ hoàn thành đúng hạn: {}.",
        local_date(today),
        f.total,
        f.overdue,
        rate(f.on_time)
    )));
    let mut n = 0;
    for status in TaskStatus::ALL {
        let group: Vec<&Task> = tasks
            .iter()
            .filter(|t| t.status() == *status)
            .copied()
            .collect();
        if group.is_empty() {
            continue;
        }
        n += 1;
        doc.body.push(Block::Heading(format!(
            "{n}. {} ({})",
            status.label(),
            group.len()
        )));
        doc.body.push(Block::Table {
            header: task_header(),
            rows: task_rows(&group, &names),
        });
    }
    let bytes = to_docx(&doc).map_err(|e| AppError::Internal(e.into()))?;
    Ok(download("tinh-hinh-thuc-hien-kien-nghi.docx", DOCX, bytes))
}

/// The tasks the viewer sees, one row each.
pub(crate) async fn tasks_xlsx(
    State(state): State<AppState>,
    Signed(viewer): Signed,
) -> AppResult<Response> {
    let council = current(&viewer)?;
    let today = local_day(state.clock.now());
    let names = body_names(&state, council.id).await?;
    let stored = visible_tasks(&state, &viewer).await?;
    let rows: Vec<[String; 9]> = stored
        .iter()
        .map(|t| {
            let t = &t.value;
            [
                t.id().to_string(),
                t.content().to_owned(),
                t.source().label().to_owned(),
                names.get(&t.lead_body_id()).cloned().unwrap_or_default(),
                t.co_body_ids()
                    .iter()
                    .filter_map(|b| names.get(b).cloned())
                    .collect::<Vec<_>>()
                    .join("; "),
                local_date(t.assigned_on()),
                local_date(t.due()),
                t.status().label().to_owned(),
                if t.is_overdue(today) { "Có" } else { "" }.to_owned(),
            ]
        })
        .collect();
    let bytes =
        tokio::task::spawn_blocking(move || -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
            use rust_xlsxwriter::{Format, Workbook};
            let mut book = Workbook::new();
            let sheet = book.add_worksheet();
            sheet.set_name("Nhiệm vụ")?;
            let bold = Format::new().set_bold();
            let wrap = Format::new().set_text_wrap();
            let headers = [
                "Số",
                "Nội dung nhiệm vụ",
                "Nguồn",
                "Cơ quan chủ trì",
                "Cơ quan phối hợp",
                "Ngày giao",
                "Thời hạn",
                "Tình trạng",
                "Quá hạn",
            ];
            for (c, h) in (0u16..).zip(headers) {
                sheet.write_string_with_format(0, c, h, &bold)?;
            }
            sheet.set_column_width(1, 70)?;
            sheet.set_column_width(3, 30)?;
            sheet.set_column_width(4, 30)?;
            for (r, row) in (1u32..).zip(&rows) {
                for (c, cell) in (0u16..).zip(row) {
                    if c == 1 {
                        sheet.write_string_with_format(r, c, cell, &wrap)?;
                    } else {
                        sheet.write_string(r, c, cell)?;
                    }
                }
            }
            book.save_to_buffer()
        })
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(download("nhiem-vu-giam-sat.xlsx", XLSX, bytes))
}

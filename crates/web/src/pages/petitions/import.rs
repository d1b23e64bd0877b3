//! Import of petition sheets (checked, previewed, then committed whole) and
//! export of a round as XLSX.

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{Html, IntoResponse, Response};
use nghitruong_store::{PetitionFilter, StoreError};

use super::sheet::{self, Places, RowError};
use super::{current, refusal, round_here};
use crate::AppState;
use crate::auth::login::audit_context;
use crate::auth::{CsrfToken, Signed};
use crate::error::{AppError, AppResult};

/// Errors shown in the preview at most; the count says how many in all.
const SHOWN_ERRORS: usize = 200;

#[derive(Template)]
#[template(path = "petition_import_partial.html")]
struct PreviewPartial {
    csrf: String,
    import_id: Option<i64>,
    file_name: String,
    accepted: usize,
    errors: Vec<RowError>,
    error_count: usize,
    sample: Vec<(String, u32, String)>,
    message: Option<String>,
}

impl PreviewPartial {
    fn refused(csrf: &str, message: String) -> Self {
        Self {
            csrf: csrf.to_owned(),
            import_id: None,
            file_name: String::new(),
            accepted: 0,
            errors: Vec::new(),
            error_count: 0,
            sample: Vec::new(),
            message: Some(message),
        }
    }
}

/// Receives a sheet, checks every row and keeps the good ones for the
/// clerk's confirmation. Nothing reaches the petitions yet; a sheet with
/// any bad row can be corrected and uploaded again.
pub(crate) async fn import_upload(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    CsrfToken(csrf): CsrfToken,
    headers: HeaderMap,
    Path(id): Path<i64>,
    mut multipart: Multipart,
) -> AppResult<Response> {
    let round = round_here(&state, &viewer, id).await?;
    let council = current(&viewer)?;
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Some(mut field) = multipart
        .next_field()
        .await
        .map_err(|_| AppError::BadRequest("Không đọc được tệp gửi lên.".into()))?
    {
        if field.name() != Some("file") {
            continue;
        }
        let name = field
            .file_name()
            .map(|n| n.chars().filter(|c| !c.is_control()).take(200).collect())
            .unwrap_or_else(|| "tep-kien-nghi".to_owned());
        let mut bytes = Vec::new();
        while let Some(chunk) = field
            .chunk()
            .await
            .map_err(|_| AppError::BadRequest("Tệp gửi lên bị gián đoạn.".into()))?
        {
            if bytes.len() + chunk.len() > sheet::MAX_FILE_BYTES {
                let partial = PreviewPartial::refused(
                    &csrf,
                    format!(
                        "Tệp quá lớn: tối đa {} MB. Hãy chia tệp thành nhiều phần.",
                        sheet::MAX_FILE_BYTES / 1024 / 1024
                    ),
                );
                return Ok(Html(partial.render()?).into_response());
            }
            bytes.extend_from_slice(&chunk);
        }
        file = Some((name, bytes));
    }
    let Some((file_name, bytes)) = file else {
        let partial = PreviewPartial::refused(&csrf, "Hãy chọn tệp để nhập.".into());
        return Ok(Html(partial.render()?).into_response());
    };
    let province = sheet::province_of(&state, &council.unit_code).await?;
    let places = Places::load(&state, &province).await?;
    let parsed = match tokio::task::spawn_blocking(move || sheet::parse(&bytes, &places)).await {
        Ok(Ok(parsed)) => parsed,
        Ok(Err(message)) => {
            return Ok(Html(PreviewPartial::refused(&csrf, message).render()?).into_response());
        }
        Err(e) => return Err(AppError::Internal(e.into())),
    };
    let import_id = if parsed.rows.is_empty() {
        None
    } else {
        Some(
            state
                .store
                .stage_import(
                    round.id,
                    &file_name,
                    &parsed.rows,
                    &audit_context(&state, &viewer, &headers),
                )
                .await
                .map_err(refusal)?,
        )
    };
    let error_count = parsed.errors.len();
    let partial = PreviewPartial {
        csrf,
        import_id,
        file_name,
        accepted: parsed.rows.len(),
        sample: parsed
            .rows
            .iter()
            .take(20)
            .map(|o| {
                (
                    o.text.clone(),
                    o.voter_count,
                    o.place_code.clone().unwrap_or_default(),
                )
            })
            .collect(),
        errors: parsed.errors.into_iter().take(SHOWN_ERRORS).collect(),
        error_count,
        message: None,
    };
    Ok(Html(partial.render()?).into_response())
}

#[derive(Template)]
#[template(path = "petition_import_done_partial.html")]
struct DonePartial {
    round_id: i64,
    count: usize,
}

/// Captures every staged row at once; a second confirmation is refused.
pub(crate) async fn import_commit(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let staged = state.store.staged_import(id).await?;
    let round = round_here(&state, &viewer, staged.round_id).await?;
    let count = state
        .store
        .commit_import(id, &audit_context(&state, &viewer, &headers))
        .await
        .map_err(|e| match e {
            StoreError::Conflict(m) => AppError::BadRequest(m),
            other => other.into(),
        })?;
    let partial = DonePartial {
        round_id: round.id,
        count,
    };
    Ok(Html(partial.render()?).into_response())
}

/// The petitions of a round as an XLSX sheet. Every cell is written as
/// text or number, never as a formula, so `=HYPERLINK(…)` typed by someone
/// stays inert text in the file.
pub(crate) async fn export_xlsx(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let round = round_here(&state, &viewer, id).await?;
    let records = state
        .store
        .petitions(&PetitionFilter {
            round_id: Some(round.id),
            ..Default::default()
        })
        .await?;
    let bytes =
        tokio::task::spawn_blocking(move || -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
            use rust_xlsxwriter::{Format, Workbook};
            let mut book = Workbook::new();
            let sheet = book.add_worksheet();
            sheet.set_name("Kiến nghị")?;
            let bold = Format::new().set_bold();
            let wrap = Format::new().set_text_wrap();
            let headers = [
                "Số",
                "Nội dung kiến nghị",
                "Số cử tri",
                "Địa bàn",
                "Trạng thái",
                "Lĩnh vực",
                "Chủ đề",
                "Thẩm quyền",
                "Cơ quan giải quyết",
                "Hạn trả lời",
                "Trả lời",
                "Kết quả",
            ];
            for (c, h) in headers.iter().enumerate() {
                sheet.write_string_with_format(0, c as u16, *h, &bold)?;
            }
            sheet.set_column_width(1, 70)?;
            sheet.set_column_width(8, 30)?;
            sheet.set_column_width(10, 50)?;
            for (i, r) in records.iter().enumerate() {
                let row = (i + 1) as u32;
                let p = &r.petition;
                let class = p.classification();
                sheet.write_number(row, 0, p.id() as f64)?;
                sheet.write_string_with_format(row, 1, p.text(), &wrap)?;
                sheet.write_number(row, 2, f64::from(p.voter_count()))?;
                sheet.write_string(row, 3, r.place_name.as_deref().unwrap_or(""))?;
                sheet.write_string(row, 4, p.status().label())?;
                sheet.write_string(row, 5, class.map_or("", |c| c.field.label()))?;
                sheet.write_string(
                    row,
                    6,
                    class.map_or("", |c| nghitruong_domain::petition::topic_label(&c.topic)),
                )?;
                sheet.write_string(row, 7, class.map_or("", |c| c.competence.label()))?;
                sheet.write_string(row, 8, r.agency_name.as_deref().unwrap_or(""))?;
                sheet.write_string(
                    row,
                    9,
                    p.assignment()
                        .map(|a| super::local_date(a.due))
                        .unwrap_or_default(),
                )?;
                sheet.write_string_with_format(
                    row,
                    10,
                    p.answer().map_or("", |a| a.summary.as_str()),
                    &wrap,
                )?;
                sheet.write_string(row, 11, p.evaluation().map_or("", |e| e.result.label()))?;
            }
            book.save_to_buffer()
        })
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .map_err(|e| AppError::Internal(e.into()))?;
    let name = format!("kien-nghi-dot-{}.xlsx", round.id);
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

//! Điểm danh bằng mã QR — QR check-in. The office prints a sheet with one
//! code per deputy, placed at their seat; each encodes a link carrying a
//! token signed with the server's key (HMAC-SHA-256) that names the
//! session, the deputy and when it expires (the end of the session's last
//! day). The deputy's own tablet or phone, signed in, opens the link and
//! is checked in: only themselves, only while the session is running, only
//! in a session of their council. The token is the proof the link came
//! from the office's sheet, so opening it is enough — no second tap.
//!
//! A forged or altered token fails the signature; an expired one is
//! refused; someone else's code checks nobody in; opening one's own code
//! again after check-in changes nothing and records nothing.

use super::*;
use crate::auth::check_in::{CheckInClaim, sign, verify};

/// When a session's codes stop working: the end of its last day, Vietnam time.
pub(crate) fn expiry_of(s: &CouncilSession) -> i64 {
    let last = s
        .ends_on
        .next_day()
        .unwrap_or(s.ends_on)
        .midnight()
        .assume_offset(nghitruong_domain::clock::VIETNAM);
    last.unix_timestamp() - 1
}

/// The host the request reached, if it looks like a host name.
fn host_of(headers: &HeaderMap) -> &str {
    headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        .unwrap_or("127.0.0.1")
}

/// A code on the sheet.
pub(crate) struct SeatCode {
    pub(crate) name: String,
    pub(crate) qr: String,
}

#[derive(Template)]
#[template(path = "session_qr_sheet.html")]
pub(crate) struct QrSheet {
    pub(crate) title: String,
    pub(crate) css: String,
    pub(crate) id: i64,
    pub(crate) valid_until: String,
    pub(crate) codes: Vec<SeatCode>,
}

/// The printable sheet: one code per deputy holding office.
pub(crate) async fn qr_sheet(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> AppResult<Html<String>> {
    let s = session_here(&state, &viewer, id).await?;
    let council = current(&viewer)?;
    let deps = deputies(&state, council).await?;
    let expires = expiry_of(&s);
    let host = host_of(&headers);
    let codes = deps
        .seated
        .iter()
        .filter(|m| m.person.status.holds_office())
        .map(|m| {
            let token = sign(
                &state.config.signing_key,
                CheckInClaim {
                    session_id: s.id,
                    person_id: m.person.id,
                    expires,
                },
            );
            SeatCode {
                name: m.person.full_name.clone(),
                qr: crate::auth::totp::qr_data_url(&format!(
                    "http://{host}/ky-hop/{}/qr/{token}",
                    s.id
                ))
                .unwrap_or_default(),
            }
        })
        .collect();
    let sheet = QrSheet {
        title: title_of(&s, council),
        css: crate::statics::url("app.css"),
        id: s.id,
        valid_until: local_date(s.ends_on),
        codes,
    };
    Ok(Html(sheet.render()?))
}

#[derive(Template)]
#[template(path = "session_checkin.html")]
pub(crate) struct CheckInPage {
    pub(crate) layout: crate::layout::Layout,
    pub(crate) id: i64,
    pub(crate) title: String,
    pub(crate) message: String,
    pub(crate) done: bool,
}

/// Opens a seat's code: checks the signed-in deputy in.
pub(crate) async fn qr_check_in(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    CsrfToken(csrf): CsrfToken,
    headers: HeaderMap,
    Path((id, token)): Path<(i64, String)>,
) -> AppResult<Response> {
    let s = session_here(&state, &viewer, id).await?;
    let council = current(&viewer)?;
    let now = state.clock.now();
    let page = |message: String, done: bool, layout| CheckInPage {
        layout,
        id: s.id,
        title: title_of(&s, council),
        message,
        done,
    };
    let layout = Layout::signed(&state, &viewer, &csrf, "Điểm danh", "/ky-hop").await?;
    let refuse = |message: String, layout| -> AppResult<Response> {
        Ok((
            axum::http::StatusCode::BAD_REQUEST,
            Html(page(message, false, layout).render()?),
        )
            .into_response())
    };
    let claim = match verify(
        &state.config.signing_key,
        &token,
        s.id,
        viewer.user.person_id,
        now,
    ) {
        Ok(c) => c,
        Err(e) => return refuse(e.to_string(), layout),
    };
    let deps = deputies(&state, council).await?;
    let Some(me) = deps
        .seated
        .iter()
        .find(|m| m.person.id == claim.person_id && m.person.status.holds_office())
    else {
        return refuse(
            "Tài khoản này không gắn với đại biểu của Hội đồng.".into(),
            layout,
        );
    };
    if let Err(e) = attendance::check_change(s.status.is_live(), AttendanceStatus::Present, None) {
        return refuse(e.to_string(), layout);
    }
    let already = state
        .store
        .attendance(s.id)
        .await?
        .iter()
        .any(|a| a.person_id == me.person.id && a.status == AttendanceStatus::Present);
    if !already {
        let ctx = audit_context(&state, &viewer, &headers);
        state
            .store
            .set_attendance(
                s.id,
                me.person.id,
                AttendanceStatus::Present,
                CheckInMethod::Qr,
                None,
                &ctx,
            )
            .await?;
        state.live.publish(s.id, "diem-danh");
    }
    let message = if already {
        format!("{} đã điểm danh có mặt từ trước.", me.person.full_name)
    } else {
        format!("{} đã điểm danh có mặt.", me.person.full_name)
    };
    Ok(Html(page(message, true, layout).render()?).into_response())
}

#[cfg(test)]
mod tests {
    use time::macros::{date, datetime};

    use super::*;

    #[test]
    fn codes_expire_at_the_end_of_the_last_day_in_vietnam() {
        let s = CouncilSession {
            id: 7,
            council_id: 1,
            term_number: 19,
            number: 2,
            kind: session::SessionKind::Regular,
            is_public: true,
            starts_on: date!(2026 - 12 - 08),
            ends_on: date!(2026 - 12 - 10),
            place: String::new(),
            status: SessionStatus::InProgress,
        };
        assert_eq!(
            expiry_of(&s),
            datetime!(2026-12-10 16:59:59 UTC).unix_timestamp()
        );
    }
}

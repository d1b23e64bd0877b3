//! Administration: users and roles, the audit log and its verification.

use crate::form::Form;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use nghitruong_domain::access::Role;
use nghitruong_domain::audit::{Anchor, AuditRecord};
use nghitruong_domain::clock::from_millis;
use nghitruong_domain::text;
use nghitruong_store::{AuditFilter, CouncilFilter, NewUser, RoleGrant, StoreError, User};
use serde::Deserialize;

use super::audit_view::{FieldChange, action_label, changes, entity_label, raw_json};
use super::local_time;
use crate::AppState;
use crate::auth::login::audit_context;
use crate::auth::{CsrfToken, Revoked, Signed, Viewer, password};
use crate::error::{AppError, AppResult};
use crate::layout::Layout;

/// A council offered in role forms, by its unit code.
pub(crate) struct CouncilChoice {
    pub(crate) id: i64,
    pub(crate) unit_code: String,
    pub(crate) name: String,
}

async fn council_choices(state: &AppState) -> AppResult<Vec<CouncilChoice>> {
    let (all, _) = state
        .store
        .councils(&CouncilFilter {
            limit: 500,
            ..Default::default()
        })
        .await?;
    Ok(all
        .into_iter()
        .map(|s| CouncilChoice {
            id: s.council.id,
            unit_code: s.council.unit_code,
            name: s.council.name,
        })
        .collect())
}

/// A user row with readable roles.
pub(crate) struct UserRow {
    pub(crate) user: User,
    pub(crate) roles: Vec<String>,
}

#[derive(Template)]
#[template(path = "admin_users.html")]
struct UsersPage {
    layout: Layout,
    q: String,
    rows: Vec<UserRow>,
    councils: Vec<CouncilChoice>,
    roles: &'static [Role],
    error: Option<String>,
    notice: Option<String>,
}

#[derive(Deserialize, Default)]
pub(crate) struct UsersQuery {
    #[serde(default)]
    q: String,
}

async fn users_page(
    state: &AppState,
    viewer: &Viewer,
    csrf: &str,
    q: &str,
    error: Option<String>,
    notice: Option<String>,
) -> AppResult<String> {
    let found = state.store.users(q, 100).await?;
    let councils = council_choices(state).await?;
    let name_of = |g: &RoleGrant| match g.council_id {
        None => format!("{} (mọi HĐND)", g.role.label()),
        Some(id) => {
            let council = councils
                .iter()
                .find(|c| c.id == id)
                .map_or("?", |c| c.name.as_str());
            format!("{} – {council}", g.role.label())
        }
    };
    let rows = found
        .into_iter()
        .map(|(user, grants)| UserRow {
            roles: grants.iter().map(name_of).collect(),
            user,
        })
        .collect();
    let page = UsersPage {
        layout: Layout::signed(state, viewer, csrf, "Người dùng", "/quan-tri/nguoi-dung").await?,
        q: q.to_owned(),
        rows,
        councils,
        roles: Role::ALL,
        error,
        notice,
    };
    Ok(page.render()?)
}

pub(crate) async fn users(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    CsrfToken(csrf): CsrfToken,
    Query(query): Query<UsersQuery>,
) -> AppResult<Html<String>> {
    let q: String = query.q.trim().chars().take(64).collect();
    Ok(Html(
        users_page(&state, &viewer, &csrf, &q, None, None).await?,
    ))
}

#[derive(Deserialize)]
pub(crate) struct CreateUserForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    unit_code: String,
}

/// A role and the council it is held in, read from a form that names the
/// council by its unit code.
async fn role_and_council(
    state: &AppState,
    role: &str,
    unit_code: &str,
) -> AppResult<Result<(Role, Option<i64>), String>> {
    let Ok(role) = role.parse::<Role>() else {
        return Ok(Err("Vui lòng chọn vai trò.".into()));
    };
    let code = unit_code.trim();
    if role == Role::Admin {
        return Ok(Ok((role, None)));
    }
    if code.is_empty() {
        return Ok(Err(
            "Vui lòng nhập mã đơn vị của Hội đồng cho vai trò này.".into()
        ));
    }
    let found = state.store.council_by_unit(code).await?;
    Ok(match found {
        Some(c) => Ok((role, Some(c.id))),
        None => Err(format!("Không có Hội đồng nào với mã đơn vị {code}.")),
    })
}

async fn respond(
    state: &AppState,
    viewer: &Viewer,
    csrf: &str,
    outcome: Result<String, String>,
) -> AppResult<Response> {
    match outcome {
        Ok(notice) => Ok(
            Html(users_page(state, viewer, csrf, "", None, Some(notice)).await?).into_response(),
        ),
        Err(error) => {
            let html = users_page(state, viewer, csrf, "", Some(error), None).await?;
            Ok((StatusCode::BAD_REQUEST, Html(html)).into_response())
        }
    }
}

pub(crate) async fn create_user(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    CsrfToken(csrf): CsrfToken,
    headers: HeaderMap,
    Form(form): Form<CreateUserForm>,
) -> AppResult<Response> {
    let checked = (|| {
        let username = text::username(&form.username).map_err(|e| e.to_string())?;
        let display_name = text::person_name(&form.display_name).map_err(|e| e.to_string())?;
        text::new_password(&form.password).map_err(|e| e.to_string())?;
        Ok::<_, String>((username, display_name))
    })();
    let (username, display_name) = match checked {
        Ok(v) => v,
        Err(e) => return respond(&state, &viewer, &csrf, Err(e)).await,
    };
    let (role, council) = match role_and_council(&state, &form.role, &form.unit_code).await? {
        Ok(v) => v,
        Err(e) => return respond(&state, &viewer, &csrf, Err(e)).await,
    };
    let ctx = audit_context(&state, &viewer, &headers);
    let new = NewUser {
        username: username.clone(),
        display_name,
        password_hash: password::hash_async(form.password).await?,
        person_id: None,
        agency_body_id: None,
    };
    let id = match state.store.create_user(&new, &ctx).await {
        Ok(id) => id,
        Err(StoreError::Conflict(_)) => {
            let msg = format!("Tên đăng nhập {username} đã được sử dụng.");
            return respond(&state, &viewer, &csrf, Err(msg)).await;
        }
        Err(e) => return Err(e.into()),
    };
    state.store.grant_role(id, council, role, &ctx).await?;
    state.viewers.forget_all();
    respond(
        &state,
        &viewer,
        &csrf,
        Ok(format!("Đã tạo tài khoản {username}.")),
    )
    .await
}

#[derive(Deserialize)]
pub(crate) struct ResetForm {
    #[serde(default)]
    password: String,
}

pub(crate) async fn reset_password(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    CsrfToken(csrf): CsrfToken,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<ResetForm>,
) -> AppResult<Response> {
    if let Err(e) = text::new_password(&form.password) {
        return respond(&state, &viewer, &csrf, Err(e.to_string())).await;
    }
    let user = state.store.user(id).await?;
    let hash = password::hash_async(form.password).await?;
    let ctx = audit_context(&state, &viewer, &headers);
    state.store.set_password(id, &hash, &ctx).await?;
    state.viewers.revoke(Revoked::User(id));
    let notice = format!(
        "Đã đặt lại mật khẩu cho {}; các phiên đăng nhập cũ đã bị thu hồi.",
        user.username
    );
    respond(&state, &viewer, &csrf, Ok(notice)).await
}

#[derive(Deserialize)]
pub(crate) struct GrantForm {
    #[serde(default)]
    role: String,
    #[serde(default)]
    unit_code: String,
}

pub(crate) async fn grant(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    CsrfToken(csrf): CsrfToken,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<GrantForm>,
) -> AppResult<Response> {
    let user = state.store.user(id).await?;
    let (role, council) = match role_and_council(&state, &form.role, &form.unit_code).await? {
        Ok(v) => v,
        Err(e) => return respond(&state, &viewer, &csrf, Err(e)).await,
    };
    let ctx = audit_context(&state, &viewer, &headers);
    match state.store.grant_role(id, council, role, &ctx).await {
        Ok(()) => {
            state.viewers.forget_all();
            let notice = format!("Đã phân vai trò {} cho {}.", role.label(), user.username);
            respond(&state, &viewer, &csrf, Ok(notice)).await
        }
        Err(StoreError::Conflict(_)) => {
            respond(
                &state,
                &viewer,
                &csrf,
                Err("Người dùng đã có vai trò này.".into()),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// An audit row as shown.
pub(crate) struct AuditRow {
    pub(crate) seq: i64,
    pub(crate) at: String,
    pub(crate) actor: String,
    pub(crate) action: String,
    pub(crate) action_label: &'static str,
    pub(crate) entity: String,
    /// The change, field by field, secrets hidden.
    pub(crate) changes: Vec<FieldChange>,
    /// The stored JSON, pretty-printed with secrets hidden ("Dữ liệu gốc").
    pub(crate) before: String,
    pub(crate) after: String,
    pub(crate) hash: String,
}

impl From<AuditRecord> for AuditRow {
    fn from(r: AuditRecord) -> Self {
        Self {
            seq: r.seq,
            at: local_time(from_millis(r.at_ms)),
            actor: r.actor_name,
            action_label: action_label(&r.action).unwrap_or("Thao tác khác"),
            changes: changes(&r.action, r.before.as_deref(), r.after.as_deref()),
            action: r.action,
            entity: match r.entity_id {
                Some(id) => format!("{} #{id}", entity_label(&r.entity)),
                None => entity_label(&r.entity).to_owned(),
            },
            before: raw_json(r.before.as_deref()),
            after: raw_json(r.after.as_deref()),
            hash: r.hash.chars().take(12).collect(),
        }
    }
}

#[derive(Template)]
#[template(path = "admin_audit.html")]
struct AuditPage {
    layout: Layout,
    action: String,
    entity: String,
    rows: Vec<AuditRow>,
    total: i64,
    page: i64,
    pages: i64,
}

#[derive(Deserialize, Default)]
pub(crate) struct AuditQuery {
    #[serde(default)]
    action: String,
    #[serde(default)]
    entity: String,
    trang: Option<String>,
}

const AUDIT_PAGE: i64 = 50;

pub(crate) async fn audit(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    CsrfToken(csrf): CsrfToken,
    Query(q): Query<AuditQuery>,
) -> AppResult<Html<String>> {
    let action: String = q.action.trim().chars().take(64).collect();
    let entity: String = q.entity.trim().chars().take(32).collect();
    let page = super::page_number(q.trang.as_deref(), 100_000);
    let filter = AuditFilter {
        action_prefix: (!action.is_empty()).then(|| action.clone()),
        entity: (!entity.is_empty()).then(|| entity.clone()),
        actor_id: None,
        limit: AUDIT_PAGE,
        offset: (page - 1) * AUDIT_PAGE,
    };
    let (records, total) = state.store.audit_page(&filter).await?;
    let page = AuditPage {
        layout: Layout::signed(
            &state,
            &viewer,
            &csrf,
            "Nhật ký hệ thống",
            "/quan-tri/nhat-ky",
        )
        .await?,
        action,
        entity,
        rows: records.into_iter().map(AuditRow::from).collect(),
        total,
        page,
        pages: (total + AUDIT_PAGE - 1) / AUDIT_PAGE,
    };
    Ok(Html(page.render()?))
}

#[derive(Template)]
#[template(path = "audit_verify_partial.html")]
struct VerifyResult {
    ok: bool,
    message: String,
    head: String,
}

#[derive(Deserialize, Default)]
pub(crate) struct VerifyForm {
    #[serde(default)]
    anchor: String,
}

pub(crate) async fn verify_audit(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    headers: HeaderMap,
    Form(form): Form<VerifyForm>,
) -> AppResult<Html<String>> {
    let typed = form.anchor.trim();
    let anchor = if typed.is_empty() {
        None
    } else {
        match typed.parse::<Anchor>() {
            Ok(a) => Some(a),
            Err(_) => {
                return Err(AppError::BadRequest(
                    "Mốc đối chiếu phải có dạng SỐ:MÃ_BĂM (64 chữ số hex), như trang này đã hiển thị."
                        .into(),
                ));
            }
        }
    };
    let result =
        match nghitruong_store::verify_audit_chain(state.store.as_ref(), anchor.as_ref()).await? {
            Ok(report) => VerifyResult {
                ok: true,
                message: format!(
                    "Chuỗi nhật ký toàn vẹn: {} bản ghi đã được kiểm tra{}.",
                    report.verified,
                    if anchor.is_some() {
                        ", khớp với mốc đối chiếu"
                    } else {
                        ""
                    }
                ),
                head: report.head.map(|h| h.to_string()).unwrap_or_default(),
            },
            Err(b) => VerifyResult {
                ok: false,
                message: format!("Chuỗi nhật ký bị phá vỡ: {}", b.vi()),
                head: String::new(),
            },
        };
    let event = nghitruong_store::AuditEvent {
        action: "audit.verify".into(),
        entity: "audit_log".into(),
        entity_id: None,
        details: Some(serde_json::json!({ "ok": result.ok })),
    };
    state
        .store
        .record_event(&event, &audit_context(&state, &viewer, &headers))
        .await?;
    Ok(Html(result.render()?))
}

#[derive(Deserialize)]
pub(crate) struct AccountActionForm {
    #[serde(default)]
    action: String,
}

/// Locks, unlocks, or clears the second factor of an account (for someone
/// who lost their phone). An administrator cannot lock their own account.
pub(crate) async fn account_action(
    State(state): State<AppState>,
    Signed(viewer): Signed,
    CsrfToken(csrf): CsrfToken,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<AccountActionForm>,
) -> AppResult<Response> {
    let user = state.store.user(id).await?;
    let ctx = audit_context(&state, &viewer, &headers);
    let notice = match form.action.as_str() {
        "khoa" if user.id == viewer.user.id => {
            return respond(
                &state,
                &viewer,
                &csrf,
                Err("Không thể tự khóa tài khoản của mình.".into()),
            )
            .await;
        }
        "khoa" => {
            state.store.set_user_active(id, false, &ctx).await?;
            format!(
                "Đã khóa tài khoản {}; các phiên đăng nhập đã bị thu hồi.",
                user.username
            )
        }
        "mo_khoa" => {
            state.store.set_user_active(id, true, &ctx).await?;
            format!("Đã mở khóa tài khoản {}.", user.username)
        }
        "tat_hai_lop" => {
            state.store.set_totp_secret(id, None, &ctx).await?;
            format!(
                "Đã tắt xác thực hai lớp của {}; người dùng cần thiết lập lại.",
                user.username
            )
        }
        _ => return respond(&state, &viewer, &csrf, Err("Thao tác không hợp lệ.".into())).await,
    };
    state.viewers.revoke(Revoked::User(id));
    respond(&state, &viewer, &csrf, Ok(notice)).await
}

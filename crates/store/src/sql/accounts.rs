//! Users, roles, sign-in sessions and failed sign-ins.

use nghitruong_domain::access::Role;
use nghitruong_domain::clock::to_millis;
use serde_json::json;
use sqlx::{AnyPool, AssertSqlSafe};
use time::OffsetDateTime;

use super::audit::{self, Change};
use super::rows::{self, coded, get};
use super::{SqlStore, db};
use crate::{
    AuditContext, AuthSession, Credentials, NewSession, NewUser, Result, RoleGrant, StoreError,
    User,
};

const USER_COLUMNS: &str =
    "id, username, display_name, person_id, agency_body_id, totp_secret, is_active";

pub(crate) async fn create_user(store: &SqlStore, u: &NewUser, ctx: &AuditContext) -> Result<i64> {
    let mut w = store.write().await?;
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO users (username, display_name, password_hash, person_id, agency_body_id, \
         is_active, created_at) VALUES ($1, $2, $3, $4, $5, 1, $6) RETURNING id",
    )
    .bind(&u.username)
    .bind(&u.display_name)
    .bind(&u.password_hash)
    .bind(u.person_id)
    .bind(u.agency_body_id)
    .bind(to_millis(ctx.at))
    .fetch_one(&mut *w.tx)
    .await
    .map_err(db)?;
    let after = json!({
        "username": u.username,
        "display_name": u.display_name,
        "person_id": u.person_id,
        "agency_body_id": u.agency_body_id,
    });
    let change = Change {
        action: "user.create",
        entity: "user",
        entity_id: Some(id.to_string()),
        before: None,
        after: Some(after),
    };
    audit::append(&mut w, ctx, change).await?;
    w.commit().await?;
    Ok(id)
}

pub(crate) async fn user(store: &SqlStore, id: i64) -> Result<User> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
    super::rows::one_by_id(store.pool(), sql, id, rows::user).await
}

pub(crate) async fn credentials(store: &SqlStore, username: &str) -> Result<Option<Credentials>> {
    let sql = format!("SELECT {USER_COLUMNS}, password_hash FROM users WHERE username = $1");
    let Some(row) = sqlx::query(AssertSqlSafe(sql))
        .bind(username)
        .fetch_optional(store.pool())
        .await
        .map_err(db)?
    else {
        return Ok(None);
    };
    Ok(Some(Credentials {
        user: rows::user(&row)?,
        password_hash: get(&row, "password_hash")?,
        totp_secret: get(&row, "totp_secret")?,
    }))
}

pub(crate) async fn users(
    store: &SqlStore,
    query: &str,
    limit: i64,
) -> Result<Vec<(User, Vec<RoleGrant>)>> {
    let like = format!("%{}%", query.to_lowercase().replace(['%', '_', '\\'], ""));
    let sql = format!(
        "SELECT {USER_COLUMNS} FROM users WHERE lower(username) LIKE $1 \
         OR lower(display_name) LIKE $1 ORDER BY username LIMIT $2"
    );
    let found = sqlx::query(AssertSqlSafe(sql))
        .bind(like)
        .bind(limit.clamp(1, 500))
        .fetch_all(store.pool())
        .await
        .map_err(db)?;
    let mut out = Vec::with_capacity(found.len());
    for row in &found {
        let user = rows::user(row)?;
        let grants = roles(store.pool(), user.id).await?;
        out.push((user, grants));
    }
    Ok(out)
}

pub(crate) async fn set_password(
    store: &SqlStore,
    user_id: i64,
    hash: &str,
    ctx: &AuditContext,
) -> Result<()> {
    let mut w = store.write().await?;
    let changed = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(user_id)
        .execute(&mut *w.tx)
        .await
        .map_err(db)?;
    if changed.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    // A new password ends every session signed in with the old one.
    sqlx::query(
        "UPDATE auth_sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
    )
    .bind(to_millis(ctx.at))
    .bind(user_id)
    .execute(&mut *w.tx)
    .await
    .map_err(db)?;
    let change = Change {
        action: "user.password.set",
        entity: "user",
        entity_id: Some(user_id.to_string()),
        before: None,
        after: Some(json!({ "sessions_revoked": true })),
    };
    audit::append(&mut w, ctx, change).await?;
    w.commit().await
}

pub(crate) async fn set_totp_secret(
    store: &SqlStore,
    user_id: i64,
    secret: Option<&str>,
    ctx: &AuditContext,
) -> Result<()> {
    let mut w = store.write().await?;
    let (had,): (Option<String>,) = sqlx::query_as("SELECT totp_secret FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(&mut *w.tx)
        .await
        .map_err(db)?
        .ok_or(StoreError::NotFound)?;
    sqlx::query("UPDATE users SET totp_secret = $1, totp_last_step = NULL WHERE id = $2")
        .bind(secret)
        .bind(user_id)
        .execute(&mut *w.tx)
        .await
        .map_err(db)?;
    // The secret itself never enters the audit log.
    let change = Change {
        action: if secret.is_some() {
            "user.totp.enable"
        } else {
            "user.totp.disable"
        },
        entity: "user",
        entity_id: Some(user_id.to_string()),
        before: Some(json!({ "totp": had.is_some() })),
        after: Some(json!({ "totp": secret.is_some() })),
    };
    audit::append(&mut w, ctx, change).await?;
    w.commit().await
}

pub(crate) async fn grant_role(
    store: &SqlStore,
    user_id: i64,
    council_id: Option<i64>,
    role: Role,
    ctx: &AuditContext,
) -> Result<()> {
    if council_id.is_none() && role != Role::Admin {
        return Err(StoreError::Conflict(
            "only the administrator role spans every council".into(),
        ));
    }
    let mut w = store.write().await?;
    let (exists,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM user_roles WHERE user_id = $1 AND role = $2 \
         AND ((council_id IS NULL AND $3 < 0) OR council_id = $3)",
    )
    .bind(user_id)
    .bind(role.as_str())
    .bind(council_id.unwrap_or(-1))
    .fetch_one(&mut *w.tx)
    .await
    .map_err(db)?;
    if exists > 0 {
        return Err(StoreError::Conflict("role already granted".into()));
    }
    sqlx::query("INSERT INTO user_roles (user_id, council_id, role) VALUES ($1, $2, $3)")
        .bind(user_id)
        .bind(council_id)
        .bind(role.as_str())
        .execute(&mut *w.tx)
        .await
        .map_err(db)?;
    let change = Change {
        action: "user.role.grant",
        entity: "user",
        entity_id: Some(user_id.to_string()),
        before: None,
        after: Some(json!({ "council_id": council_id, "role": role.as_str() })),
    };
    audit::append(&mut w, ctx, change).await?;
    w.commit().await
}

pub(crate) async fn roles(pool: &AnyPool, user_id: i64) -> Result<Vec<RoleGrant>> {
    let found =
        sqlx::query("SELECT council_id, role FROM user_roles WHERE user_id = $1 ORDER BY id")
            .bind(user_id)
            .fetch_all(pool)
            .await
            .map_err(db)?;
    found
        .iter()
        .map(|r| {
            Ok(RoleGrant {
                council_id: get(r, "council_id")?,
                role: coded(r, "role")?,
            })
        })
        .collect()
}

const SESSION_COLUMNS: &str = "id, user_id, csrf_token, council_id, needs_totp, created_at, \
                               last_seen_at, expires_at, revoked_at, user_agent, address";

pub(crate) async fn create_session(
    store: &SqlStore,
    s: &NewSession,
    ctx: &AuditContext,
) -> Result<i64> {
    let mut w = store.write().await?;
    let now = to_millis(ctx.at);
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO auth_sessions (token_hash, user_id, csrf_token, council_id, needs_totp, \
         created_at, last_seen_at, expires_at, user_agent, address) \
         VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8, $9) RETURNING id",
    )
    .bind(&s.token_hash)
    .bind(s.user_id)
    .bind(&s.csrf_token)
    .bind(s.council_id)
    .bind(i64::from(s.needs_totp))
    .bind(now)
    .bind(to_millis(s.expires_at))
    .bind(&s.user_agent)
    .bind(&s.address)
    .fetch_one(&mut *w.tx)
    .await
    .map_err(db)?;
    let change = Change {
        action: "auth.session.create",
        entity: "user",
        entity_id: Some(s.user_id.to_string()),
        before: None,
        after: Some(json!({ "session_id": id, "address": s.address, "needs_totp": s.needs_totp })),
    };
    audit::append(&mut w, ctx, change).await?;
    w.commit().await?;
    Ok(id)
}

pub(crate) async fn live_session(
    store: &SqlStore,
    token_hash: &str,
    now: OffsetDateTime,
) -> Result<Option<AuthSession>> {
    let sql = format!(
        "SELECT {SESSION_COLUMNS} FROM auth_sessions \
         WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > $2"
    );
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(token_hash)
        .bind(to_millis(now))
        .fetch_optional(store.pool())
        .await
        .map_err(db)?;
    row.as_ref().map(rows::session).transpose()
}

pub(crate) async fn touch_sessions(store: &SqlStore, seen: &[(i64, OffsetDateTime)]) -> Result<()> {
    // Activity is not a state change worth an audit record; it only moves
    // the "last seen" time shown in the session list. It still goes through
    // the writer, as every write does, so SQLite never sees two writers.
    if seen.is_empty() {
        return Ok(());
    }
    let mut w = store.write().await?;
    for (id, at) in seen {
        // Never back in time: a later write may carry an older sighting.
        sqlx::query(
            "UPDATE auth_sessions SET last_seen_at = $1 WHERE id = $2 AND last_seen_at < $1",
        )
        .bind(to_millis(*at))
        .bind(*id)
        .execute(&mut *w.tx)
        .await
        .map_err(db)?;
    }
    w.commit().await
}

pub(crate) async fn use_totp_step(store: &SqlStore, user_id: i64, step: i64) -> Result<bool> {
    let mut w = store.write().await?;
    let changed = sqlx::query(
        "UPDATE users SET totp_last_step = $1 \
         WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)",
    )
    .bind(step)
    .bind(user_id)
    .execute(&mut *w.tx)
    .await
    .map_err(db)?;
    w.commit().await?;
    Ok(changed.rows_affected() == 1)
}

pub(crate) async fn confirm_second_factor(
    store: &SqlStore,
    id: i64,
    ctx: &AuditContext,
) -> Result<()> {
    let mut w = store.write().await?;
    sqlx::query("UPDATE auth_sessions SET needs_totp = 0 WHERE id = $1")
        .bind(id)
        .execute(&mut *w.tx)
        .await
        .map_err(db)?;
    let change = Change {
        action: "auth.session.second_factor",
        entity: "session",
        entity_id: Some(id.to_string()),
        before: Some(json!({ "needs_totp": true })),
        after: Some(json!({ "needs_totp": false })),
    };
    audit::append(&mut w, ctx, change).await?;
    w.commit().await
}

pub(crate) async fn set_session_council(store: &SqlStore, id: i64, council_id: i64) -> Result<()> {
    // Switching the council one works in is a view preference, not a
    // change to shared data, so it is not audited.
    let mut w = store.write().await?;
    sqlx::query("UPDATE auth_sessions SET council_id = $1 WHERE id = $2")
        .bind(council_id)
        .bind(id)
        .execute(&mut *w.tx)
        .await
        .map_err(db)?;
    w.commit().await
}

pub(crate) async fn sessions_of(store: &SqlStore, user_id: i64) -> Result<Vec<AuthSession>> {
    let sql = format!(
        "SELECT {SESSION_COLUMNS} FROM auth_sessions WHERE user_id = $1 \
         ORDER BY created_at DESC, id DESC LIMIT 50"
    );
    super::rows::all_by_id(store.pool(), sql, user_id, rows::session).await
}

pub(crate) async fn revoke_session(
    store: &SqlStore,
    user_id: i64,
    session_id: i64,
    ctx: &AuditContext,
) -> Result<()> {
    let mut w = store.write().await?;
    let changed = sqlx::query(
        "UPDATE auth_sessions SET revoked_at = $1 \
         WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL",
    )
    .bind(to_millis(ctx.at))
    .bind(session_id)
    .bind(user_id)
    .execute(&mut *w.tx)
    .await
    .map_err(db)?;
    if changed.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    let change = Change {
        action: "auth.session.revoke",
        entity: "session",
        entity_id: Some(session_id.to_string()),
        before: None,
        after: Some(json!({ "user_id": user_id })),
    };
    audit::append(&mut w, ctx, change).await?;
    w.commit().await
}

pub(crate) async fn record_login_failure(
    store: &SqlStore,
    keys: &[String],
    at: OffsetDateTime,
) -> Result<()> {
    let mut w = store.write().await?;
    for key in keys {
        sqlx::query("INSERT INTO login_failures (key, at) VALUES ($1, $2)")
            .bind(key)
            .bind(to_millis(at))
            .execute(&mut *w.tx)
            .await
            .map_err(db)?;
    }
    w.commit().await
}

pub(crate) async fn login_failures(
    store: &SqlStore,
    key: &str,
    since: OffsetDateTime,
) -> Result<u32> {
    let (n,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM login_failures WHERE key = $1 AND at >= $2")
            .bind(key)
            .bind(to_millis(since))
            .fetch_one(store.pool())
            .await
            .map_err(db)?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

pub(crate) async fn clear_login_failures(store: &SqlStore, key: &str) -> Result<()> {
    let mut w = store.write().await?;
    sqlx::query("DELETE FROM login_failures WHERE key = $1")
        .bind(key)
        .execute(&mut *w.tx)
        .await
        .map_err(db)?;
    w.commit().await
}

pub(crate) async fn set_user_active(
    store: &SqlStore,
    user_id: i64,
    active: bool,
    ctx: &AuditContext,
) -> Result<()> {
    let mut w = store.write().await?;
    let (was,): (i64,) = sqlx::query_as("SELECT is_active FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(&mut *w.tx)
        .await
        .map_err(db)?
        .ok_or(StoreError::NotFound)?;
    sqlx::query("UPDATE users SET is_active = $1 WHERE id = $2")
        .bind(i64::from(active))
        .bind(user_id)
        .execute(&mut *w.tx)
        .await
        .map_err(db)?;
    if !active {
        sqlx::query(
            "UPDATE auth_sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
        )
        .bind(to_millis(ctx.at))
        .bind(user_id)
        .execute(&mut *w.tx)
        .await
        .map_err(db)?;
    }
    let change = Change {
        action: if active { "user.unlock" } else { "user.lock" },
        entity: "user",
        entity_id: Some(user_id.to_string()),
        before: Some(json!({ "active": was != 0 })),
        after: Some(json!({ "active": active })),
    };
    audit::append(&mut w, ctx, change).await?;
    w.commit().await
}

//! Reading rows into domain values, and the text forms of dates.

use anyhow::Context as _;
use nghitruong_domain::clock::from_millis;
use nghitruong_domain::org::{Body, Council, CouncilLevel, Term};
use sqlx::Row;
use sqlx::any::AnyRow;
use time::Date;
use time::macros::format_description;

use crate::{AuthSession, Result, StoreError, User};

pub(crate) fn date_text(d: Date) -> String {
    d.to_string()
}

pub(crate) fn parse_date(s: &str) -> Result<Date> {
    Date::parse(s, format_description!("[year]-[month]-[day]"))
        .with_context(|| format!("bad date in database: {s:?}"))
        .map_err(StoreError::Other)
}

/// Reads a column, turning a decoding failure into a store error.
pub(crate) fn get<'r, T>(row: &'r AnyRow, col: &str) -> Result<T>
where
    T: sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    row.try_get(col).map_err(super::db)
}

/// Reads a coded enum column.
pub(crate) fn coded<T>(row: &AnyRow, col: &str) -> Result<T>
where
    T: std::str::FromStr<Err = nghitruong_domain::org::UnknownVariant>,
{
    let s: String = get(row, col)?;
    s.parse::<T>().map_err(|e| StoreError::Other(e.into()))
}

pub(crate) fn council(row: &AnyRow) -> Result<Council> {
    let rules: String = get(row, "rules")?;
    let seats: i64 = get(row, "seats_statutory")?;
    let number: i64 = get(row, "term_number")?;
    Ok(Council {
        id: get(row, "id")?,
        unit_code: get(row, "unit_code")?,
        level: coded::<CouncilLevel>(row, "level")?,
        name: get(row, "name")?,
        term: Term {
            number: u16::try_from(number).unwrap_or(0),
            starts_on: parse_date(&get::<String>(row, "term_starts_on")?)?,
            ends_on: parse_date(&get::<String>(row, "term_ends_on")?)?,
        },
        seats_statutory: u16::try_from(seats).unwrap_or(0),
        rules: serde_json::from_str(&rules)
            .context("bad council rules in database")
            .map_err(StoreError::Other)?,
    })
}

pub(crate) fn body(row: &AnyRow) -> Result<Body> {
    let committee: Option<String> = get(row, "committee")?;
    Ok(Body {
        id: get(row, "id")?,
        council_id: get(row, "council_id")?,
        kind: coded(row, "kind")?,
        committee: committee
            .map(|c| c.parse())
            .transpose()
            .map_err(|e: nghitruong_domain::org::UnknownVariant| StoreError::Other(e.into()))?,
        name: get(row, "name")?,
        abbreviation: get(row, "abbreviation")?,
        organ_code: get(row, "organ_code")?,
    })
}

pub(crate) fn user(row: &AnyRow) -> Result<User> {
    let totp: Option<String> = get(row, "totp_secret")?;
    let active: i64 = get(row, "is_active")?;
    Ok(User {
        id: get(row, "id")?,
        username: get(row, "username")?,
        display_name: get(row, "display_name")?,
        person_id: get(row, "person_id")?,
        agency_body_id: get(row, "agency_body_id")?,
        has_totp: totp.is_some(),
        is_active: active != 0,
    })
}

pub(crate) fn session(row: &AnyRow) -> Result<AuthSession> {
    let needs: i64 = get(row, "needs_totp")?;
    let revoked: Option<i64> = get(row, "revoked_at")?;
    Ok(AuthSession {
        id: get(row, "id")?,
        user_id: get(row, "user_id")?,
        csrf_token: get(row, "csrf_token")?,
        council_id: get(row, "council_id")?,
        needs_totp: needs != 0,
        created_at: from_millis(get(row, "created_at")?),
        last_seen_at: from_millis(get(row, "last_seen_at")?),
        expires_at: from_millis(get(row, "expires_at")?),
        revoked_at: revoked.map(from_millis),
        user_agent: get(row, "user_agent")?,
        address: get(row, "address")?,
    })
}

/// Runs `sql` with one identifier bound as `$1` and maps every row.
pub(crate) async fn all_by_id<T>(
    pool: &sqlx::AnyPool,
    sql: String,
    id: i64,
    map: impl Fn(&AnyRow) -> Result<T>,
) -> Result<Vec<T>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_all(pool)
        .await
        .map_err(super::db)?;
    rows.iter().map(map).collect()
}

/// Runs `sql` with one identifier bound as `$1` and maps the one row;
/// `NotFound` when there is none.
pub(crate) async fn one_by_id<T>(
    pool: &sqlx::AnyPool,
    sql: String,
    id: i64,
    map: impl Fn(&AnyRow) -> Result<T>,
) -> Result<T> {
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(pool)
        .await
        .map_err(super::db)?
        .ok_or(StoreError::NotFound)?;
    map(&row)
}

/// `$first, $first+1, …` for `n` values bound in a list or a row.
pub(crate) fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A table read from one bound parameter (numbered `param`): a JSON array
/// of rows, each an array of values, whose columns have the PostgreSQL
/// types `types` (SQLite takes each value's own JSON type). A statement over
/// it reads the same whatever the number of rows, so it is prepared once
/// and kept; a many-row `VALUES` list or `IN` list is a new statement for
/// each count, and preparing those of a vote's groups (hundreds of values
/// each) took 5 % of its CPU (issue #3).
pub(crate) fn json_rows(backend: super::Backend, param: usize, types: &[&str]) -> String {
    match backend {
        super::Backend::Sqlite => format!(
            "SELECT {} FROM json_each(?)",
            (0..types.len())
                .map(|i| format!("value ->> {i}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        super::Backend::Postgres => format!(
            "SELECT {} FROM json_array_elements(${param}::json) AS e",
            types
                .iter()
                .enumerate()
                .map(|(i, t)| format!("(e ->> {i})::{t}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// [`placeholders`] for a statement whose values are all bound in the order
/// they appear, each once (many-row inserts, long IN lists): on SQLite they
/// are anonymous (`?`). sqlx binds a numbered SQLite parameter by looking
/// its name up in a list SQLite scans from the start, so a statement of
/// 768 numbered values cost 10 % of a vote's CPU; anonymous ones are
/// bound by position.
pub(crate) fn ordered_placeholders(backend: super::Backend, first: usize, n: usize) -> String {
    match backend {
        super::Backend::Sqlite => vec!["?"; n].join(", "),
        super::Backend::Postgres => placeholders(first, n),
    }
}

//! Units, councils, bodies, people and positions.

use std::collections::HashMap;

use nghitruong_domain::org::{AdminUnit, Body, Council, Person, Position, UnitKind};
use nghitruong_domain::rules::CouncilRules;
use nghitruong_domain::text::fold;
use sqlx::AssertSqlSafe;
use time::Date;

use super::audit::{self, Change};
use super::rows::{self, coded, date_text, get, parse_date};
use super::{SqlStore, Write, db};
use crate::{
    AuditContext, BodySeed, CouncilFilter, CouncilSummary, Member, OrgSeed, Result, SeedCounts,
    StoreError,
};

const COUNCIL_COLUMNS: &str = "c.id, c.unit_code, c.level, c.name, c.term_number, \
    c.term_starts_on, c.term_ends_on, c.seats_statutory, c.rules";

pub(crate) async fn seed(
    store: &SqlStore,
    seed: &OrgSeed,
    ctx: &AuditContext,
) -> Result<SeedCounts> {
    let mut w = store.write().await?;
    let mut counts = SeedCounts::default();
    let mut bodies: HashMap<&str, i64> = HashMap::new();
    let mut people: HashMap<&str, i64> = HashMap::new();
    let mut councils: HashMap<&str, i64> = HashMap::new();

    for unit in &seed.units {
        sqlx::query(
            "INSERT INTO admin_units (code, name, kind, parent_code) VALUES ($1, $2, $3, $4)",
        )
        .bind(&unit.code)
        .bind(&unit.name)
        .bind(unit.kind.as_str())
        .bind(&unit.parent_code)
        .execute(&mut *w.tx)
        .await
        .map_err(db)?;
        counts.units += 1;
    }
    for b in &seed.central_bodies {
        bodies.insert(&b.key, insert_body(&mut w, None, b).await?);
        counts.bodies += 1;
    }
    for c in &seed.councils {
        let rules = serde_json::to_string(&c.rules).map_err(|e| StoreError::Other(e.into()))?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO councils (unit_code, level, name, search_name, term_number, \
             term_starts_on, term_ends_on, seats_statutory, rules, sort_key) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(&c.unit_code)
        .bind(c.level.as_str())
        .bind(&c.name)
        .bind(fold(&c.name))
        .bind(i64::from(c.term.number))
        .bind(date_text(c.term.starts_on))
        .bind(date_text(c.term.ends_on))
        .bind(i64::from(c.seats_statutory))
        .bind(rules)
        .bind(nghitruong_domain::text::sort_key(&c.name))
        .fetch_one(&mut *w.tx)
        .await
        .map_err(db)?;
        councils.insert(&c.unit_code, id);
        counts.councils += 1;
        for b in &c.bodies {
            bodies.insert(&b.key, insert_body(&mut w, Some(id), b).await?);
            counts.bodies += 1;
        }
        for p in &c.people {
            let (pid,): (i64,) = sqlx::query_as(
                "INSERT INTO people (full_name, status) VALUES ($1, $2) RETURNING id",
            )
            .bind(&p.full_name)
            .bind(p.status.as_str())
            .fetch_one(&mut *w.tx)
            .await
            .map_err(db)?;
            if let Some(key) = &p.key {
                people.insert(key, pid);
            }
            counts.people += 1;
            for pos in &p.positions {
                let body_id = *bodies.get(pos.body_key.as_str()).ok_or_else(|| {
                    StoreError::Conflict(format!("unknown body key {}", pos.body_key))
                })?;
                sqlx::query(
                    "INSERT INTO positions (person_id, body_id, role, full_time, starts_on, ends_on) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(pid)
                .bind(body_id)
                .bind(pos.role.as_str())
                .bind(i64::from(pos.full_time))
                .bind(date_text(pos.starts_on))
                .bind(pos.ends_on.map(date_text))
                .execute(&mut *w.tx)
                .await
                .map_err(db)?;
            }
        }
    }
    for u in &seed.users {
        let person_id = u.person_key.as_deref().and_then(|k| people.get(k).copied());
        let agency_id = u.agency_key.as_deref().and_then(|k| bodies.get(k).copied());
        let (uid,): (i64,) = sqlx::query_as(
            "INSERT INTO users (username, display_name, password_hash, person_id, agency_body_id, \
             is_active, created_at) VALUES ($1, $2, $3, $4, $5, 1, $6) RETURNING id",
        )
        .bind(&u.username)
        .bind(&u.display_name)
        .bind(&u.password_hash)
        .bind(person_id)
        .bind(agency_id)
        .bind(nghitruong_domain::clock::to_millis(ctx.at))
        .fetch_one(&mut *w.tx)
        .await
        .map_err(db)?;
        for (unit, role) in &u.roles {
            let council_id =
                match unit {
                    Some(code) => Some(*councils.get(code.as_str()).ok_or_else(|| {
                        StoreError::Conflict(format!("unknown council unit {code}"))
                    })?),
                    None => None,
                };
            sqlx::query("INSERT INTO user_roles (user_id, council_id, role) VALUES ($1, $2, $3)")
                .bind(uid)
                .bind(council_id)
                .bind(role.as_str())
                .execute(&mut *w.tx)
                .await
                .map_err(db)?;
        }
        counts.users += 1;
    }

    let after = serde_json::to_value(counts).map_err(|e| StoreError::Other(e.into()))?;
    let change = Change {
        action: "organisation.seed",
        entity: "organisation",
        entity_id: None,
        before: None,
        after: Some(after),
    };
    audit::append(&mut w, ctx, change).await?;
    w.commit().await?;
    Ok(counts)
}

async fn insert_body(w: &mut Write<'_>, council_id: Option<i64>, b: &BodySeed) -> Result<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO bodies (council_id, kind, committee, name, abbreviation, organ_code) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(council_id)
    .bind(b.kind.as_str())
    .bind(b.committee.map(|c| c.as_str()))
    .bind(&b.name)
    .bind(&b.abbreviation)
    .bind(&b.organ_code)
    .fetch_one(&mut *w.tx)
    .await
    .map_err(db)?;
    Ok(id)
}

pub(crate) async fn units(store: &SqlStore, parent: Option<&str>) -> Result<Vec<AdminUnit>> {
    let rows = sqlx::query(
        "SELECT code, name, kind, parent_code FROM admin_units \
         WHERE ($1 = '' AND parent_code IS NULL) OR parent_code = $1 ORDER BY code",
    )
    .bind(parent.unwrap_or(""))
    .fetch_all(store.pool())
    .await
    .map_err(db)?;
    rows.iter()
        .map(|r| {
            Ok(AdminUnit {
                code: get(r, "code")?,
                name: get(r, "name")?,
                kind: coded::<UnitKind>(r, "kind")?,
                parent_code: get(r, "parent_code")?,
            })
        })
        .collect()
}

pub(crate) async fn council(store: &SqlStore, id: i64) -> Result<Council> {
    let sql = format!("SELECT {COUNCIL_COLUMNS} FROM councils c WHERE c.id = $1");
    super::rows::one_by_id(store.pool(), sql, id, rows::council).await
}

pub(crate) async fn council_by_unit(store: &SqlStore, unit_code: &str) -> Result<Option<Council>> {
    let sql = format!(
        "SELECT {COUNCIL_COLUMNS} FROM councils c WHERE c.unit_code = $1 \
         ORDER BY c.term_number DESC LIMIT 1"
    );
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(unit_code)
        .fetch_optional(store.pool())
        .await
        .map_err(db)?;
    row.as_ref().map(rows::council).transpose()
}

/// Counts deputies holding office on a day: seated in the council body,
/// position current, status active or suspended.
const IN_OFFICE: &str = "(SELECT COUNT(*) FROM positions p \
    JOIN bodies b ON b.id = p.body_id JOIN people pe ON pe.id = p.person_id \
    WHERE b.council_id = c.id AND b.kind = 'hdnd' AND p.role = 'dai_bieu' \
    AND pe.status IN ('dang_hoat_dong', 'tam_dinh_chi') \
    AND p.starts_on <= $1 AND (p.ends_on IS NULL OR p.ends_on >= $1))";

pub(crate) async fn councils(
    store: &SqlStore,
    f: &CouncilFilter,
) -> Result<(Vec<CouncilSummary>, i64)> {
    // The filter is fixed SQL; only values are bound. An id list is bound
    // as a comma-separated text compared by position, which both backends
    // do without array types.
    let ids = f.ids.as_ref().map(|ids| {
        let list: Vec<String> = ids.iter().map(i64::to_string).collect();
        format!(",{},", list.join(","))
    });
    let where_sql = "WHERE ($2 = '' OR c.level = $2) \
        AND ($3 = '' OR u.parent_code = $3 OR u.code = $3) \
        AND ($4 = '' OR instr_pos($4, ',' || c.id || ',') > 0) \
        AND ($5 = '' OR c.search_name LIKE $6)";
    let where_sql = match store.backend {
        super::Backend::Sqlite => where_sql.replace("instr_pos($4, ", "instr($4, "),
        super::Backend::Postgres => where_sql.replace("instr_pos($4, ", "strpos($4, "),
    };
    let today = f.today.map(date_text).unwrap_or_default();
    let level = f.level.map(|l| l.as_str()).unwrap_or("");
    let province = f.province_code.clone().unwrap_or_default();
    let ids = ids.unwrap_or_default();
    let query = f.query.as_deref().map(fold).unwrap_or_default();
    let like = format!("%{}%", query.replace(['%', '_', '\\'], ""));

    let count_sql = format!(
        "SELECT COUNT(*) FROM councils c JOIN admin_units u ON u.code = c.unit_code \
         {where_sql} AND $1 = $1"
    );
    let (total,): (i64,) = sqlx::query_as(AssertSqlSafe(count_sql))
        .bind(&today)
        .bind(level)
        .bind(&province)
        .bind(&ids)
        .bind(&query)
        .bind(&like)
        .fetch_one(store.pool())
        .await
        .map_err(db)?;

    // The sort key is meant to be compared byte by byte; PostgreSQL would
    // otherwise apply the database's locale.
    let byte_order = match store.backend {
        super::Backend::Sqlite => "",
        super::Backend::Postgres => "COLLATE \"C\"",
    };
    let sql = format!(
        "SELECT {COUNCIL_COLUMNS}, u.name AS unit_name, {IN_OFFICE} AS in_office \
         FROM councils c JOIN admin_units u ON u.code = c.unit_code {where_sql} \
         ORDER BY c.level, c.sort_key {byte_order}, c.search_name LIMIT $7 OFFSET $8"
    );
    let found = sqlx::query(AssertSqlSafe(sql))
        .bind(&today)
        .bind(level)
        .bind(&province)
        .bind(&ids)
        .bind(&query)
        .bind(&like)
        .bind(f.limit.clamp(1, 500))
        .bind(f.offset.max(0))
        .fetch_all(store.pool())
        .await
        .map_err(db)?;
    let list = found
        .iter()
        .map(|r| {
            Ok(CouncilSummary {
                council: rows::council(r)?,
                unit_name: get(r, "unit_name")?,
                deputies_in_office: get(r, "in_office")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((list, total))
}

pub(crate) async fn update_rules(
    store: &SqlStore,
    council_id: i64,
    rules: &CouncilRules,
    ctx: &AuditContext,
) -> Result<()> {
    let mut w = store.write().await?;
    let (old,): (String,) = sqlx::query_as("SELECT rules FROM councils WHERE id = $1")
        .bind(council_id)
        .fetch_optional(&mut *w.tx)
        .await
        .map_err(db)?
        .ok_or(StoreError::NotFound)?;
    let new = serde_json::to_value(rules).map_err(|e| StoreError::Other(e.into()))?;
    sqlx::query("UPDATE councils SET rules = $1 WHERE id = $2")
        .bind(new.to_string())
        .bind(council_id)
        .execute(&mut *w.tx)
        .await
        .map_err(db)?;
    let before = serde_json::from_str(&old).map_err(|e| StoreError::Other(e.into()))?;
    let change = Change {
        action: "council.rules.update",
        entity: "council",
        entity_id: Some(council_id.to_string()),
        before: Some(before),
        after: Some(new),
    };
    audit::append(&mut w, ctx, change).await?;
    w.commit().await
}

const BODY_COLUMNS: &str = "id, council_id, kind, committee, name, abbreviation, organ_code";

pub(crate) async fn bodies(store: &SqlStore, council_id: i64) -> Result<Vec<Body>> {
    let sql = format!("SELECT {BODY_COLUMNS} FROM bodies WHERE council_id = $1 ORDER BY id");
    super::rows::all_by_id(store.pool(), sql, council_id, rows::body).await
}

pub(crate) async fn body(store: &SqlStore, id: i64) -> Result<Body> {
    let sql = format!("SELECT {BODY_COLUMNS} FROM bodies WHERE id = $1");
    super::rows::one_by_id(store.pool(), sql, id, rows::body).await
}

pub(crate) async fn members(store: &SqlStore, body_id: i64, day: Date) -> Result<Vec<Member>> {
    let found = sqlx::query(
        "SELECT pe.id, pe.full_name, pe.status, p.role, p.full_time, p.starts_on, p.ends_on \
         FROM positions p JOIN people pe ON pe.id = p.person_id \
         WHERE p.body_id = $1 AND p.starts_on <= $2 AND (p.ends_on IS NULL OR p.ends_on >= $2) \
         ORDER BY p.id",
    )
    .bind(body_id)
    .bind(date_text(day))
    .fetch_all(store.pool())
    .await
    .map_err(db)?;
    found
        .iter()
        .map(|r| {
            let id: i64 = get(r, "id")?;
            let full_time: i64 = get(r, "full_time")?;
            let ends: Option<String> = get(r, "ends_on")?;
            Ok(Member {
                person: Person {
                    id,
                    full_name: get(r, "full_name")?,
                    status: coded(r, "status")?,
                },
                position: Position {
                    person_id: id,
                    body_id,
                    role: coded(r, "role")?,
                    full_time: full_time != 0,
                    starts_on: parse_date(&get::<String>(r, "starts_on")?)?,
                    ends_on: ends.as_deref().map(parse_date).transpose()?,
                },
            })
        })
        .collect()
}

/// Fills the sort key of councils stored before it existed.
pub(crate) async fn backfill_sort_keys(store: &SqlStore) -> Result<()> {
    let missing: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, name FROM councils WHERE sort_key = ''")
            .fetch_all(store.pool())
            .await
            .map_err(db)?;
    if missing.is_empty() {
        return Ok(());
    }
    let mut w = store.write().await?;
    for (id, name) in missing {
        sqlx::query("UPDATE councils SET sort_key = $1 WHERE id = $2")
            .bind(nghitruong_domain::text::sort_key(&name))
            .bind(id)
            .execute(&mut *w.tx)
            .await
            .map_err(db)?;
    }
    w.commit().await
}

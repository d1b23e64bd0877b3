//! The register of resolutions and supervision, over SQL.

use anyhow::Context as _;
use async_trait::async_trait;
use nghitruong_domain::clock::to_millis;
use nghitruong_domain::resolution::{
    Register, Relation, Resolution, ResolutionKind, ResolutionNumber,
};
use nghitruong_domain::supervision::{
    Action, Delegation, DelegationStatus, DelegationTransition, NewTask, Programme, ProgressReport,
    SupervisionError, Task, TaskEvent, TaskPlan, TaskStatus, TaskTransition,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::json;
use sqlx::AssertSqlSafe;
use sqlx::any::AnyRow;
use time::Date;

use super::audit::{self, Change};
use super::rows::{coded, date_text, get, parse_date, placeholders};
use super::{SqlStore, Write, db};
use crate::{
    AuditContext, NewDelegation, Result, StoreError, SupervisionStore, TaskFilter, Versioned,
};

fn to_json<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value)
        .context("cannot encode a supervision record")
        .map_err(StoreError::Other)
}

fn from_json<T: DeserializeOwned>(text: &str) -> Result<T> {
    serde_json::from_str(text)
        .context("bad supervision record in database")
        .map_err(StoreError::Other)
}

fn opt_date(row: &AnyRow, col: &str) -> Result<Option<Date>> {
    get::<Option<String>>(row, col)?
        .map(|s| parse_date(&s))
        .transpose()
}

const RESOLUTION_COLUMNS: &str = "id, council_id, number, symbol_year, issuer, title, adopted_on, \
    effective_from, in_force_until, field, bodies_json, reporting_json";

fn resolution(row: &AnyRow) -> Result<Resolution> {
    let number: i64 = get(row, "number")?;
    let year: Option<i64> = get(row, "symbol_year")?;
    let field: Option<String> = get(row, "field")?;
    Ok(Resolution {
        id: get(row, "id")?,
        council_id: get(row, "council_id")?,
        number: ResolutionNumber {
            number: u32::try_from(number)
                .context("bad number")
                .map_err(StoreError::Other)?,
            year: year
                .map(i32::try_from)
                .transpose()
                .context("bad year")
                .map_err(StoreError::Other)?,
            issuer: get(row, "issuer")?,
        },
        title: get(row, "title")?,
        adopted_on: parse_date(&get::<String>(row, "adopted_on")?)?,
        effective_from: opt_date(row, "effective_from")?,
        in_force_until: opt_date(row, "in_force_until")?,
        field: field
            .map(|f| f.parse())
            .transpose()
            .map_err(|e: nghitruong_domain::org::UnknownVariant| StoreError::Other(e.into()))?,
        implementing_bodies: from_json(&get::<String>(row, "bodies_json")?)?,
        reporting: from_json(&get::<String>(row, "reporting_json")?)?,
    })
}

fn relation(row: &AnyRow) -> Result<Relation> {
    Ok(Relation {
        actor: get(row, "actor_id")?,
        kind: coded(row, "kind")?,
        target: get(row, "target_id")?,
        effective_on: opt_date(row, "effective_on")?,
        provisions: get(row, "provisions")?,
    })
}

fn stored<T: DeserializeOwned>(row: &AnyRow) -> Result<Versioned<T>> {
    Ok(Versioned {
        value: from_json(&get::<String>(row, "data")?)?,
        version: get(row, "version")?,
    })
}

/// Loads the register of `council_ids` inside a transaction or the pool:
/// their resolutions, the relations touching them, and the resolutions of
/// other councils at the other end of those relations.
async fn load_register(conn: &mut sqlx::AnyConnection, council_ids: &[i64]) -> Result<Register> {
    if council_ids.is_empty() {
        return Ok(Register::default());
    }
    let list = placeholders(1, council_ids.len());
    let rel_sql = format!(
        "SELECT rr.actor_id, rr.kind, rr.target_id, rr.effective_on, rr.provisions \
         FROM resolution_relations rr \
         JOIN resolutions a ON a.id = rr.actor_id \
         JOIN resolutions t ON t.id = rr.target_id \
         WHERE a.council_id IN ({list}) OR t.council_id IN ({list}) ORDER BY rr.id"
    );
    let mut q = sqlx::query(AssertSqlSafe(rel_sql));
    for id in council_ids {
        q = q.bind(*id);
    }
    let relations: Vec<Relation> = q
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?
        .iter()
        .map(relation)
        .collect::<Result<_>>()?;
    let mut ends: Vec<i64> = relations.iter().flat_map(|r| [r.actor, r.target]).collect();
    ends.sort_unstable();
    ends.dedup();
    let mut sql =
        format!("SELECT {RESOLUTION_COLUMNS} FROM resolutions WHERE council_id IN ({list})");
    if !ends.is_empty() {
        let others = placeholders(council_ids.len() + 1, ends.len());
        sql.push_str(&format!(" OR id IN ({others})"));
    }
    sql.push_str(" ORDER BY adopted_on, id");
    let mut q = sqlx::query(AssertSqlSafe(sql));
    for id in council_ids.iter().chain(&ends) {
        q = q.bind(*id);
    }
    let resolutions: Vec<Resolution> = q
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?
        .iter()
        .map(resolution)
        .collect::<Result<_>>()?;
    Ok(Register::new(resolutions, relations))
}

pub(crate) async fn load_register_tx(w: &mut Write<'_>, council_ids: &[i64]) -> Result<Register> {
    load_register(&mut w.tx, council_ids).await
}

/// Writes a checked resolution and its audit record; `agenda_item_id`
/// links one adopted in session to the agenda item voted on.
pub(crate) async fn insert_resolution(
    w: &mut Write<'_>,
    checked: &Resolution,
    agenda_item_id: Option<i64>,
    ctx: &AuditContext,
) -> Result<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO resolutions (council_id, number, symbol_year, issuer, kind, series_year, \
         title, adopted_on, effective_from, in_force_until, field, bodies_json, \
         reporting_json, created_at, agenda_item_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id",
    )
    .bind(checked.council_id)
    .bind(i64::from(checked.number.number))
    .bind(checked.number.year.map(i64::from))
    .bind(checked.number.issuer.clone())
    .bind(checked.kind().as_str())
    .bind(i64::from(checked.series_year()))
    .bind(checked.title.clone())
    .bind(date_text(checked.adopted_on))
    .bind(checked.effective_from.map(date_text))
    .bind(checked.in_force_until.map(date_text))
    .bind(checked.field.map(|f| f.as_str().to_owned()))
    .bind(to_json(&checked.implementing_bodies)?)
    .bind(to_json(&checked.reporting)?)
    .bind(to_millis(ctx.at))
    .bind(agenda_item_id)
    .fetch_one(&mut *w.tx)
    .await
    .map_err(db)?;
    let change = Change {
        action: "resolution.add",
        entity: "resolution",
        entity_id: Some(id.to_string()),
        before: None,
        after: Some(json!({
        "council_id": checked.council_id, "number": checked.number.to_string(),
        "title": checked.title, "adopted_on": date_text(checked.adopted_on),
        })),
    };
    audit::append(w, ctx, change).await?;
    Ok(id)
}

async fn council_of_resolution(w: &mut Write<'_>, id: i64) -> Result<i64> {
    let (council,): (i64,) = sqlx::query_as("SELECT council_id FROM resolutions WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *w.tx)
        .await
        .map_err(db)?
        .ok_or(StoreError::NotFound)?;
    Ok(council)
}

/// Replaces a stored aggregate if its version is still `version`.
async fn save_versioned(
    w: &mut Write<'_>,
    table: &'static str,
    id: i64,
    version: i64,
    status: &str,
    extra: Option<(&'static str, String)>,
    data: String,
) -> Result<i64> {
    let set_extra = extra
        .as_ref()
        .map(|(col, _)| format!(", {col} = $6"))
        .unwrap_or_default();
    let sql = format!(
        "UPDATE {table} SET data = $1, status = $2, version = version + 1{set_extra} \
         WHERE id = $3 AND version = $4 AND $5 = $5"
    );
    let mut q = sqlx::query(AssertSqlSafe(sql))
        .bind(data)
        .bind(status.to_owned())
        .bind(id)
        .bind(version)
        .bind(0_i64);
    if let Some((_, value)) = extra {
        q = q.bind(value);
    }
    let done = q.execute(&mut *w.tx).await.map_err(db)?;
    if done.rows_affected() == 0 {
        let exists: Option<(i64,)> = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT version FROM {table} WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&mut *w.tx)
        .await
        .map_err(db)?;
        return Err(match exists {
            None => StoreError::NotFound,
            Some(_) => StoreError::Conflict(
                "Hồ sơ đã được người khác cập nhật; hãy tải lại trang và thực hiện lại.".into(),
            ),
        });
    }
    Ok(version + 1)
}

async fn insert_task(w: &mut Write<'_>, council_id: i64, new: &NewTask, at: i64) -> Result<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO supervision_tasks (council_id, delegation_id, source, lead_body_id, due, \
         status, data, version, created_at) VALUES ($1, $2, $3, $4, $5, $6, '{}', 1, $7) \
         RETURNING id",
    )
    .bind(council_id)
    .bind(new.delegation_id)
    .bind(new.source.as_str())
    .bind(new.lead_body_id)
    .bind(date_text(new.due))
    .bind(nghitruong_domain::supervision::TaskStatus::NotDone.as_str())
    .bind(at)
    .fetch_one(&mut *w.tx)
    .await
    .map_err(db)?;
    Ok(id)
}

async fn write_task_data(w: &mut Write<'_>, task: &Task) -> Result<()> {
    sqlx::query("UPDATE supervision_tasks SET data = $1 WHERE id = $2")
        .bind(to_json(task)?)
        .bind(task.id())
        .execute(&mut *w.tx)
        .await
        .map_err(db)?;
    Ok(())
}

fn refused(e: impl std::fmt::Display) -> StoreError {
    StoreError::Conflict(e.to_string())
}

#[async_trait]
impl SupervisionStore for SqlStore {
    async fn add_resolution(
        &self,
        resolution: &Resolution,
        kind: ResolutionKind,
        ctx: &AuditContext,
    ) -> Result<i64> {
        let mut w = self.write().await?;
        let register = load_register_tx(&mut w, &[resolution.council_id]).await?;
        let mut checked = Resolution {
            id: 0,
            ..resolution.clone()
        };
        register
            .check_resolution(&mut checked, kind)
            .map_err(refused)?;
        let id = insert_resolution(&mut w, &checked, None, ctx).await?;
        w.commit().await?;
        Ok(id)
    }

    async fn resolution(&self, id: i64) -> Result<Resolution> {
        let sql = format!("SELECT {RESOLUTION_COLUMNS} FROM resolutions WHERE id = $1");
        super::rows::one_by_id(self.pool(), sql, id, resolution).await
    }

    async fn add_relation(&self, rel: &Relation, ctx: &AuditContext) -> Result<i64> {
        let mut w = self.write().await?;
        let actor_council = council_of_resolution(&mut w, rel.actor)
            .await
            .map_err(|_| refused(format!("Không tìm thấy nghị quyết có mã {}.", rel.actor)))?;
        let target_council = council_of_resolution(&mut w, rel.target)
            .await
            .map_err(|_| refused(format!("Không tìm thấy nghị quyết có mã {}.", rel.target)))?;
        let register = load_register_tx(&mut w, &[actor_council, target_council]).await?;
        register.check_relation(rel).map_err(refused)?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO resolution_relations (actor_id, kind, target_id, effective_on, \
             provisions) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(rel.actor)
        .bind(rel.kind.as_str())
        .bind(rel.target)
        .bind(rel.effective_on.map(date_text))
        .bind(rel.provisions.trim().to_owned())
        .fetch_one(&mut *w.tx)
        .await
        .map_err(db)?;
        let change = Change {
            action: "resolution.relate",
            entity: "resolution",
            entity_id: Some(rel.target.to_string()),
            before: None,
            after: Some(json!({
                "actor": rel.actor, "kind": rel.kind.as_str(), "target": rel.target,
                "effective_on": rel.effective_on.map(date_text), "provisions": rel.provisions,
            })),
        };
        audit::append(&mut w, ctx, change).await?;
        w.commit().await?;
        Ok(id)
    }

    async fn register(&self, council_ids: &[i64]) -> Result<Register> {
        let mut conn = self.pool().acquire().await.map_err(db)?;
        load_register(&mut conn, council_ids).await
    }

    async fn save_programme(&self, programme: &Programme, ctx: &AuditContext) -> Result<i64> {
        let mut w = self.write().await?;
        let existing: Option<(i64, String)> = sqlx::query_as(
            "SELECT id, data FROM supervision_programmes WHERE council_id = $1 AND year = $2",
        )
        .bind(programme.council_id)
        .bind(i64::from(programme.year))
        .fetch_optional(&mut *w.tx)
        .await
        .map_err(db)?;
        let id = match &existing {
            Some((id, _)) => *id,
            None => {
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO supervision_programmes (council_id, year, data, created_at) \
                     VALUES ($1, $2, '{}', $3) RETURNING id",
                )
                .bind(programme.council_id)
                .bind(i64::from(programme.year))
                .bind(to_millis(ctx.at))
                .fetch_one(&mut *w.tx)
                .await
                .map_err(db)?;
                id
            }
        };
        let saved = Programme {
            id,
            ..programme.clone()
        };
        let data = to_json(&saved)?;
        sqlx::query("UPDATE supervision_programmes SET data = $1 WHERE id = $2")
            .bind(data.clone())
            .bind(id)
            .execute(&mut *w.tx)
            .await
            .map_err(db)?;
        let change = Change {
            action: "supervision.programme",
            entity: "supervision_programme",
            entity_id: Some(id.to_string()),
            before: existing
                .map(|(_, d)| serde_json::from_str(&d))
                .transpose()
                .context("bad programme in database")
                .map_err(StoreError::Other)?,
            after: Some(
                serde_json::from_str(&data)
                    .context("programme")
                    .map_err(StoreError::Other)?,
            ),
        };
        audit::append(&mut w, ctx, change).await?;
        w.commit().await?;
        Ok(id)
    }

    async fn programme(&self, council_id: i64, year: i32) -> Result<Option<Programme>> {
        let row: Option<(String,)> = sqlx::query_as(
            "SELECT data FROM supervision_programmes WHERE council_id = $1 AND year = $2",
        )
        .bind(council_id)
        .bind(i64::from(year))
        .fetch_optional(self.pool())
        .await
        .map_err(db)?;
        row.map(|(d,)| from_json(&d)).transpose()
    }

    async fn create_delegation(
        &self,
        new: &NewDelegation,
        ctx: &AuditContext,
    ) -> Result<Versioned<Delegation>> {
        let make = |id| {
            Delegation::plan(
                id,
                new.council_id,
                new.programme_id,
                new.conductor,
                new.stream,
                &new.topic,
                &new.scope,
            )
            .map_err(refused)
        };
        let draft = make(0)?;
        let mut w = self.write().await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO supervision_delegations (council_id, programme_id, topic, status, data, \
             version, created_at) VALUES ($1, $2, $3, $4, '{}', 1, $5) RETURNING id",
        )
        .bind(new.council_id)
        .bind(new.programme_id)
        .bind(draft.topic().to_owned())
        .bind(draft.status().as_str())
        .bind(to_millis(ctx.at))
        .fetch_one(&mut *w.tx)
        .await
        .map_err(db)?;
        let delegation = make(id)?;
        sqlx::query("UPDATE supervision_delegations SET data = $1 WHERE id = $2")
            .bind(to_json(&delegation)?)
            .bind(id)
            .execute(&mut *w.tx)
            .await
            .map_err(db)?;
        let change = Change {
            action: "delegation.plan",
            entity: "delegation",
            entity_id: Some(id.to_string()),
            before: None,
            after: Some(json!({
                "council_id": new.council_id, "topic": delegation.topic(),
                "conductor": new.conductor.as_str(), "stream": new.stream.as_str(),
            })),
        };
        audit::append(&mut w, ctx, change).await?;
        w.commit().await?;
        Ok(Versioned {
            value: delegation,
            version: 1,
        })
    }

    async fn delegation(&self, id: i64) -> Result<Versioned<Delegation>> {
        let sql = "SELECT data, version FROM supervision_delegations WHERE id = $1".to_owned();
        super::rows::one_by_id(self.pool(), sql, id, stored).await
    }

    async fn delegations(&self, council_id: i64) -> Result<Vec<Versioned<Delegation>>> {
        let sql = "SELECT data, version FROM supervision_delegations WHERE council_id = $1 \
                   ORDER BY created_at DESC, id DESC"
            .to_owned();
        super::rows::all_by_id(self.pool(), sql, council_id, stored).await
    }

    async fn save_delegation(
        &self,
        delegation: &Delegation,
        version: i64,
        transition: Option<&DelegationTransition>,
        ctx: &AuditContext,
    ) -> Result<i64> {
        let mut w = self.write().await?;
        if delegation.status() == DelegationStatus::Closed {
            // The file closes only when every task is done, whatever the
            // caller checked against.
            let (open,): (i64,) = sqlx::query_as(
                "SELECT COUNT(*) FROM supervision_tasks WHERE delegation_id = $1 AND status <> $2",
            )
            .bind(delegation.id())
            .bind(TaskStatus::Done.as_str())
            .fetch_one(&mut *w.tx)
            .await
            .map_err(db)?;
            if open > 0 {
                return Err(refused(SupervisionError::OpenTasks(
                    usize::try_from(open).unwrap_or(usize::MAX),
                )));
            }
        }
        let next = save_versioned(
            &mut w,
            "supervision_delegations",
            delegation.id(),
            version,
            delegation.status().as_str(),
            Some(("topic", delegation.topic().to_owned())),
            to_json(delegation)?,
        )
        .await?;
        let change = Change {
            action: "delegation.update",
            entity: "delegation",
            entity_id: Some(delegation.id().to_string()),
            before: transition.map(|t| json!({ "status": t.from.as_str() })),
            after: Some(json!({
                "status": delegation.status().as_str(),
                "event": transition.map(|t| t.event.as_str()),
                "version": next,
            })),
        };
        audit::append(&mut w, ctx, change).await?;
        w.commit().await?;
        Ok(next)
    }

    async fn follow_up(
        &self,
        delegation_id: i64,
        version: i64,
        plans: &[TaskPlan],
        ctx: &AuditContext,
    ) -> Result<Vec<Versioned<Task>>> {
        let mut w = self.write().await?;
        let row: Option<(String, i64, i64)> = sqlx::query_as(
            "SELECT data, version, council_id FROM supervision_delegations WHERE id = $1",
        )
        .bind(delegation_id)
        .fetch_optional(&mut *w.tx)
        .await
        .map_err(db)?;
        let (data, stored_version, council_id) = row.ok_or(StoreError::NotFound)?;
        if stored_version != version {
            return Err(refused(
                "Hồ sơ đã được người khác cập nhật; hãy tải lại trang và thực hiện lại.",
            ));
        }
        let mut delegation: Delegation = from_json(&data)?;
        // Check everything with placeholder ids before inserting anything.
        let count = delegation
            .conclusion()
            .map_or(0, |c| c.recommendations.len());
        let placeholder: Vec<i64> = (1..=i64::try_from(count).unwrap_or(0)).collect();
        let (drafts, _) = delegation
            .clone()
            .follow_up(&placeholder, plans, ctx.at)
            .map_err(refused)?;
        let at = to_millis(ctx.at);
        let mut ids = Vec::new();
        for draft in &drafts {
            let new = NewTask {
                id: 0,
                source: draft.source(),
                source_doc: None,
                delegation_id: Some(delegation_id),
                recommendation_id: draft.recommendation_id(),
                content: String::new(),
                lead_body_id: draft.lead_body_id(),
                co_body_ids: Vec::new(),
                responsible: None,
                expected_evidence: String::new(),
                due: draft.due(),
                complex: false,
            };
            ids.push(insert_task(&mut w, council_id, &new, at).await?);
        }
        let (tasks, transition) = delegation.follow_up(&ids, plans, ctx.at).map_err(refused)?;
        for task in &tasks {
            write_task_data(&mut w, task).await?;
        }
        let next = save_versioned(
            &mut w,
            "supervision_delegations",
            delegation_id,
            version,
            delegation.status().as_str(),
            None,
            to_json(&delegation)?,
        )
        .await?;
        let change = Change {
            action: "delegation.follow_up",
            entity: "delegation",
            entity_id: Some(delegation_id.to_string()),
            before: Some(json!({ "status": transition.from.as_str() })),
            after: Some(json!({
                "status": transition.to.as_str(), "tasks": ids,
                "version": next,
            })),
        };
        audit::append(&mut w, ctx, change).await?;
        w.commit().await?;
        Ok(tasks
            .into_iter()
            .map(|value| Versioned { value, version: 1 })
            .collect())
    }

    async fn create_task(
        &self,
        council_id: i64,
        new: &NewTask,
        ctx: &AuditContext,
    ) -> Result<Versioned<Task>> {
        Task::assign(
            NewTask {
                id: 0,
                ..new.clone()
            },
            ctx.at,
        )
        .map_err(refused)?;
        let mut w = self.write().await?;
        let id = insert_task(&mut w, council_id, new, to_millis(ctx.at)).await?;
        let task = Task::assign(NewTask { id, ..new.clone() }, ctx.at).map_err(refused)?;
        write_task_data(&mut w, &task).await?;
        let change = Change {
            action: "task.assign",
            entity: "supervision_task",
            entity_id: Some(id.to_string()),
            before: None,
            after: Some(json!({
                "council_id": council_id, "source": task.source().as_str(),
                "lead_body_id": task.lead_body_id(), "due": date_text(task.due()),
                "content": task.content(),
            })),
        };
        audit::append(&mut w, ctx, change).await?;
        w.commit().await?;
        Ok(Versioned {
            value: task,
            version: 1,
        })
    }

    async fn task(&self, id: i64) -> Result<Versioned<Task>> {
        let sql = "SELECT data, version FROM supervision_tasks WHERE id = $1".to_owned();
        super::rows::one_by_id(self.pool(), sql, id, stored).await
    }

    async fn councils_with_open_tasks(&self) -> Result<Vec<i64>> {
        let rows: Vec<(i64,)> = sqlx::query_as(
            "SELECT DISTINCT council_id FROM supervision_tasks WHERE status <> $1 ORDER BY council_id",
        )
        .bind(TaskStatus::Done.as_str())
        .fetch_all(self.pool())
        .await
        .map_err(db)?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    async fn tasks(&self, filter: &TaskFilter) -> Result<Vec<Versioned<Task>>> {
        let mut sql = "SELECT data, version FROM supervision_tasks WHERE 1 = 1".to_owned();
        let mut n = 0;
        let mut next = |col: &str, sql: &mut String| {
            n += 1;
            sql.push_str(&format!(" AND {col} ${n}"));
        };
        if filter.council_id.is_some() {
            next("council_id =", &mut sql);
        }
        if filter.delegation_id.is_some() {
            next("delegation_id =", &mut sql);
        }
        if filter.lead_body_id.is_some() {
            next("lead_body_id =", &mut sql);
        }
        if filter.status.is_some() {
            next("status =", &mut sql);
        }
        if filter.due_by.is_some() {
            next("due <=", &mut sql);
        }
        sql.push_str(" ORDER BY due, id");
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for id in [filter.council_id, filter.delegation_id, filter.lead_body_id]
            .into_iter()
            .flatten()
        {
            q = q.bind(id);
        }
        if let Some(status) = filter.status {
            q = q.bind(status.as_str());
        }
        if let Some(due) = filter.due_by {
            q = q.bind(date_text(due));
        }
        let rows = q.fetch_all(self.pool()).await.map_err(db)?;
        rows.iter().map(stored).collect()
    }

    async fn save_task(
        &self,
        task: &Task,
        version: i64,
        transition: &TaskTransition,
        ctx: &AuditContext,
    ) -> Result<i64> {
        let mut w = self.write().await?;
        let next = save_versioned(
            &mut w,
            "supervision_tasks",
            task.id(),
            version,
            task.status().as_str(),
            Some(("due", date_text(task.due()))),
            to_json(task)?,
        )
        .await?;
        if transition.event == TaskEvent::ReportProgress
            && let Some(report) = task.progress().last()
        {
            sqlx::query(
                "INSERT INTO supervision_progress (task_id, reported_on, content, \
                 documents_json, created_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(task.id())
            .bind(date_text(report.on))
            .bind(report.text.clone())
            .bind(to_json(&report.documents)?)
            .bind(to_millis(ctx.at))
            .execute(&mut *w.tx)
            .await
            .map_err(db)?;
        }
        let change = Change {
            action: "task.event",
            entity: "supervision_task",
            entity_id: Some(task.id().to_string()),
            before: Some(json!({ "status": transition.from.as_str() })),
            after: Some(json!({
                "status": transition.to.as_str(), "event": transition.event.as_str(),
                "due": date_text(task.due()), "version": next,
            })),
        };
        audit::append(&mut w, ctx, change).await?;
        w.commit().await?;
        Ok(next)
    }

    async fn progress_reports(&self, task_id: i64) -> Result<Vec<ProgressReport>> {
        let sql = "SELECT reported_on, content, documents_json FROM supervision_progress \
                   WHERE task_id = $1 ORDER BY id"
            .to_owned();
        super::rows::all_by_id(self.pool(), sql, task_id, |row| {
            Ok(ProgressReport {
                on: parse_date(&get::<String>(row, "reported_on")?)?,
                text: get(row, "content")?,
                documents: from_json(&get::<String>(row, "documents_json")?)?,
            })
        })
        .await
    }

    async fn record_action(
        &self,
        task_id: i64,
        action: &Action,
        ctx: &AuditContext,
    ) -> Result<bool> {
        let mut w = self.write().await?;
        let kind = to_json(&action.kind)?;
        let done = sqlx::query(
            "INSERT INTO supervision_actions (action_key, task_id, kind, due_on, sent_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (action_key) DO NOTHING",
        )
        .bind(action.key.clone())
        .bind(task_id)
        .bind(kind.clone())
        .bind(date_text(action.on))
        .bind(to_millis(ctx.at))
        .execute(&mut *w.tx)
        .await
        .map_err(db)?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        let change = Change {
            action: "task.action",
            entity: "supervision_task",
            entity_id: Some(task_id.to_string()),
            before: None,
            after: Some(json!({
                "key": action.key, "kind": serde_json::from_str::<serde_json::Value>(&kind)
                    .context("action kind").map_err(StoreError::Other)?,
                "on": date_text(action.on), "deadline": action.deadline.map(date_text),
            })),
        };
        audit::append(&mut w, ctx, change).await?;
        w.commit().await?;
        Ok(true)
    }

    async fn add_task_file(&self, file: &crate::TaskFile, ctx: &AuditContext) -> Result<i64> {
        let mut w = self.write().await?;
        let size = i64::try_from(file.size)
            .context("file size")
            .map_err(StoreError::Other)?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO supervision_files (task_id, doc_number, doc_date, file_name, sha256, \
             size, format, uploaded_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             RETURNING id",
        )
        .bind(file.task_id)
        .bind(file.document.number.clone())
        .bind(date_text(file.document.date))
        .bind(file.file_name.clone())
        .bind(file.sha256.clone())
        .bind(size)
        .bind(file.format.as_str())
        .bind(file.uploaded_by)
        .bind(to_millis(ctx.at))
        .fetch_one(&mut *w.tx)
        .await
        .map_err(db)?;
        let change = Change {
            action: "task.file",
            entity: "supervision_task",
            entity_id: Some(file.task_id.to_string()),
            before: None,
            after: Some(json!({
                "file": id, "number": file.document.number, "date": date_text(file.document.date),
                "name": file.file_name, "sha256": file.sha256, "size": size,
            })),
        };
        audit::append(&mut w, ctx, change).await?;
        w.commit().await?;
        Ok(id)
    }

    async fn task_files(&self, task_id: i64) -> Result<Vec<crate::TaskFile>> {
        let rows = sqlx::query(
            "SELECT id, task_id, doc_number, doc_date, file_name, sha256, size, format, uploaded_by \
             FROM supervision_files WHERE task_id = $1 ORDER BY id",
        )
        .bind(task_id)
        .fetch_all(self.pool())
        .await
        .map_err(db)?;
        rows.iter()
            .map(|row| {
                Ok(crate::TaskFile {
                    id: get(row, "id")?,
                    task_id: get(row, "task_id")?,
                    document: nghitruong_domain::petition::DocumentRef {
                        number: get(row, "doc_number")?,
                        date: parse_date(&get::<String>(row, "doc_date")?)?,
                    },
                    file_name: get(row, "file_name")?,
                    sha256: get(row, "sha256")?,
                    size: u64::try_from(get::<i64>(row, "size")?)
                        .context("file size")
                        .map_err(StoreError::Other)?,
                    format: coded(row, "format")?,
                    uploaded_by: get(row, "uploaded_by")?,
                })
            })
            .collect()
    }

    async fn sent_actions(&self, task_id: i64) -> Result<Vec<String>> {
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT action_key FROM supervision_actions WHERE task_id = $1 ORDER BY due_on, sent_at, action_key",
        )
        .bind(task_id)
        .fetch_all(self.pool())
        .await
        .map_err(db)?;
        Ok(rows.into_iter().map(|(k,)| k).collect())
    }
}

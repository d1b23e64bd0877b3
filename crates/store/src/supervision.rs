//! The store's part of supervision and the register of resolutions
//! (issue #5): [`SupervisionStore`] and the values it takes and returns.
//!
//! The rules live in `nghitruong_domain::{resolution, supervision}`: callers
//! change a delegation or a task through its domain methods and hand the
//! result back with the version they read, so two people cannot overwrite
//! each other's change unseen.

use async_trait::async_trait;
use nghitruong_domain::resolution::{Register, Relation, Resolution, ResolutionKind};
use nghitruong_domain::supervision::{
    Action, Conductor, Delegation, DelegationTransition, NewTask, Programme, ProgressReport,
    Stream, Task, TaskPlan, TaskStatus, TaskTransition,
};
use time::Date;

use crate::{AuditContext, Result};

/// A stored aggregate with the version to hand back when saving it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Versioned<T> {
    /// The value.
    pub value: T,
    /// Bumped on every save; a save with an older one is a `Conflict`.
    pub version: i64,
}

/// What the office supplies for a new delegation (planned in a programme).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewDelegation {
    /// The council.
    pub council_id: i64,
    /// The programme it belongs to.
    pub programme_id: Option<i64>,
    /// Who supervises.
    pub conductor: Conductor,
    /// The work stream.
    pub stream: Stream,
    /// Chuyên đề.
    pub topic: String,
    /// Phạm vi.
    pub scope: String,
}

/// Which tasks to list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TaskFilter {
    /// The council (required in practice; `None` lists every council).
    pub council_id: Option<i64>,
    /// Only this delegation's.
    pub delegation_id: Option<i64>,
    /// Only those led by this body (the agency's own list).
    pub lead_body_id: Option<i64>,
    /// Only those in this status.
    pub status: Option<TaskStatus>,
    /// Only those due on or before this day.
    pub due_by: Option<Date>,
}

/// A file an agency sends with a report on a task.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskFile {
    /// Identifier (0 when new).
    pub id: i64,
    /// The task.
    pub task_id: i64,
    /// Số, ngày of the document the file holds.
    pub document: nghitruong_domain::petition::DocumentRef,
    /// Display name (never a path).
    pub file_name: String,
    /// The blob's name in the document folder.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// Format, from the content.
    pub format: nghitruong_domain::document::FileFormat,
    /// Who sent it.
    pub uploaded_by: Option<i64>,
}

/// Persistence of the register of resolutions and of supervision.
#[async_trait]
pub trait SupervisionStore: Send + Sync {
    // Register of resolutions.

    /// Adds a resolution after checking it against the register of its
    /// council (`Conflict` with the Vietnamese reason); its `id` is ignored.
    async fn add_resolution(
        &self,
        resolution: &Resolution,
        kind: ResolutionKind,
        ctx: &AuditContext,
    ) -> Result<i64>;
    /// One resolution.
    async fn resolution(&self, id: i64) -> Result<Resolution>;
    /// Records a relation after checking it (`Conflict` with the reason).
    async fn add_relation(&self, relation: &Relation, ctx: &AuditContext) -> Result<i64>;
    /// The register of the given councils (a province with its communes),
    /// with the resolutions of other councils that act on them.
    async fn register(&self, council_ids: &[i64]) -> Result<Register>;

    // Programmes.

    /// Stores the programme of its council and year, replacing an earlier
    /// one; its `id` is ignored.
    async fn save_programme(&self, programme: &Programme, ctx: &AuditContext) -> Result<i64>;
    /// The programme of a council for a year.
    async fn programme(&self, council_id: i64, year: i32) -> Result<Option<Programme>>;

    // Delegations.

    /// Creates a planned delegation.
    async fn create_delegation(
        &self,
        new: &NewDelegation,
        ctx: &AuditContext,
    ) -> Result<Versioned<Delegation>>;
    /// One delegation.
    async fn delegation(&self, id: i64) -> Result<Versioned<Delegation>>;
    /// A council's delegations, newest first.
    async fn delegations(&self, council_id: i64) -> Result<Vec<Versioned<Delegation>>>;
    /// Saves a delegation changed through its domain methods; `transition`
    /// is what happened, for the audit trail. Returns the new version.
    async fn save_delegation(
        &self,
        delegation: &Delegation,
        version: i64,
        transition: Option<&DelegationTransition>,
        ctx: &AuditContext,
    ) -> Result<i64>;
    /// Turns a concluded delegation's recommendations into tasks as
    /// `plans` say, in one transaction with the delegation's change.
    async fn follow_up(
        &self,
        delegation_id: i64,
        version: i64,
        plans: &[TaskPlan],
        ctx: &AuditContext,
    ) -> Result<Vec<Versioned<Task>>>;

    // Tasks.

    /// Creates a task (from questioning, explanation, a Standing Committee
    /// conclusion); its `id` is ignored.
    async fn create_task(
        &self,
        council_id: i64,
        new: &NewTask,
        ctx: &AuditContext,
    ) -> Result<Versioned<Task>>;
    /// One task.
    async fn task(&self, id: i64) -> Result<Versioned<Task>>;
    /// The councils that have tasks not yet done (the scheduler's round).
    async fn councils_with_open_tasks(&self) -> Result<Vec<i64>>;
    /// Tasks matching `filter`, by due date.
    async fn tasks(&self, filter: &TaskFilter) -> Result<Vec<Versioned<Task>>>;
    /// Saves a task changed through its domain methods. A progress report
    /// is also kept in its own table. Returns the new version.
    async fn save_task(
        &self,
        task: &Task,
        version: i64,
        transition: &TaskTransition,
        ctx: &AuditContext,
    ) -> Result<i64>;
    /// A task's progress reports, oldest first.
    async fn progress_reports(&self, task_id: i64) -> Result<Vec<ProgressReport>>;
    /// Records that the scheduler acted on `action`: true the first time
    /// its key is seen, false after, so each action is sent once.
    async fn record_action(
        &self,
        task_id: i64,
        action: &Action,
        ctx: &AuditContext,
    ) -> Result<bool>;
    /// Records a file sent with a report on a task.
    async fn add_task_file(&self, file: &TaskFile, ctx: &AuditContext) -> Result<i64>;
    /// A task's files, oldest first.
    async fn task_files(&self, task_id: i64) -> Result<Vec<TaskFile>>;
    /// The keys of the actions recorded for a task.
    async fn sent_actions(&self, task_id: i64) -> Result<Vec<String>>;
}

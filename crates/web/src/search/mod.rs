//! Lập chỉ mục tra cứu — keeping the search index in step with the store.
//!
//! Each area that stores searchable things provides a [`SearchSource`]: how
//! to list all its records for a rebuild, and which records a stored change
//! touched. Changes are found through the audit log: every write appends its
//! audit record in the same transaction as the change, so following the log
//! sees every change, from whichever code path, in commit order. The index
//! commits the number of the last audit record it has applied together with
//! its own data, so after a restart or a crash it resumes exactly there.
//!
//! The indexer runs as one task beside the server; a write handler may call
//! [`SearchService::nudge`] so it applies the change at once rather than at
//! its next poll.
//!
//! To add an area: implement [`SearchSource`] in a file of this module and
//! list it in [`sources`].

mod documents;
mod petitions;
mod register;
mod sessions;

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use async_trait::async_trait;
use nghitruong_domain::audit::AuditRecord;
use nghitruong_search::{IndexHome, Kind, Record, Scope, SearchIndex};
use nghitruong_store::{AuditFilter, Store};
use tokio::sync::Notify;

use crate::auth::Viewer;

/// What a change means for the index.
#[derive(Debug)]
pub enum Update {
    /// Add or replace a record.
    Upsert(Box<Record>),
    /// Remove a record.
    Delete(Kind, i64),
}

/// Where a rebuild puts records.
pub trait RecordSink: Send {
    /// Takes one record.
    fn put(&mut self, record: Record) -> anyhow::Result<()>;
}

/// One area's searchable records.
#[async_trait]
pub trait SearchSource: Send + Sync {
    /// What it holds, for the rebuild's progress ("Kỳ họp").
    fn name(&self) -> &'static str;
    /// Whether a change to this audit entity (`session`, `question`) may
    /// touch its records.
    fn follows(&self, entity: &str) -> bool;
    /// Every record, for a rebuild.
    async fn all(&self, store: &dyn Store, sink: &mut dyn RecordSink) -> anyhow::Result<()>;
    /// What the change recorded in `change` did to its records.
    async fn changed(&self, store: &dyn Store, change: &AuditRecord)
    -> anyhow::Result<Vec<Update>>;
}

/// Every source. Areas add theirs here.
pub fn sources() -> Vec<Arc<dyn SearchSource>> {
    vec![
        Arc::new(sessions::Sessions),
        Arc::new(documents::Documents),
        Arc::new(petitions::Petitions),
        Arc::new(register::Resolutions),
        Arc::new(register::Tasks),
    ]
}

/// How often the indexer looks for changes when nobody nudges it.
const POLL: Duration = Duration::from_millis(500);
/// Audit records read per round.
const BATCH: i64 = 500;
/// Audit records after which the index's mark is committed even when none
/// of them changed anything searchable.
const MARK_EVERY: i64 = 5_000;

/// The index and what keeps it current.
pub struct SearchService {
    /// The index searches use; replaced when a rebuild made elsewhere (the
    /// `search reindex` command) becomes current.
    index: RwLock<Arc<SearchIndex>>,
    /// Where the generations live, and the one in use; `None` in memory.
    home: Option<(IndexHome, Mutex<String>)>,
    sources: Vec<Arc<dyn SearchSource>>,
    wake: Notify,
    started: AtomicBool,
    /// A generation given up is still to be removed (searches held it).
    stale: AtomicBool,
    /// The audit record the index last committed as applied.
    committed: AtomicI64,
}

/// The asker's scope: public records, what names them (as a person or as
/// an account), what their roles, in each council they hold one, and their
/// agency may see, and what is shared with the bodies they sit on `day`.
pub async fn scope_of(
    store: &dyn Store,
    viewer: &Viewer,
    day: time::Date,
) -> nghitruong_store::Result<Scope> {
    let mut scope = Scope::person(viewer.user.person_id).with_user(viewer.user.id);
    for grant in &viewer.grants {
        scope = scope.with_role(grant.council_id, grant.role.as_str());
    }
    if let Some(agency) = viewer.user.agency_body_id {
        scope = scope.with_agency(agency);
    }
    if !viewer.can(nghitruong_domain::access::Permission::ViewSessions) {
        // An agency officer's results would link to council pages closed to
        // them; they read what is public on the portal's own search.
        scope = scope.without_public();
    }
    for body in store.seats(viewer.user.id, day).await? {
        scope = scope.with_body(body);
    }
    Ok(scope)
}

impl SearchService {
    /// The index kept in `dir` (`<data dir>/search`): the generation in
    /// use, whose writer this service holds from now on.
    pub fn open(dir: &std::path::Path) -> anyhow::Result<Self> {
        let home = IndexHome::new(dir);
        let (name, index) = home.open_current()?;
        home.remove_stale(Some(&name));
        let mut service = Self::over(index);
        service.home = Some((home, Mutex::new(name)));
        Ok(service)
    }

    /// An index in memory, rebuilt from the store when the indexer starts.
    pub fn in_memory() -> anyhow::Result<Self> {
        Ok(Self::over(SearchIndex::in_ram()?))
    }

    /// A service over `index` alone (a rebuild into a new generation).
    pub fn over(index: SearchIndex) -> Self {
        Self {
            index: RwLock::new(Arc::new(index)),
            home: None,
            sources: sources(),
            wake: Notify::new(),
            started: AtomicBool::new(false),
            stale: AtomicBool::new(false),
            committed: AtomicI64::new(0),
        }
    }

    /// The index, for searching.
    pub fn index(&self) -> Arc<SearchIndex> {
        self.index
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Moves to the generation `CURRENT` names when a rebuild made by
    /// another process switched it; returns the audit record to resume
    /// after when it did.
    fn follow_switch(&self) -> anyhow::Result<Option<Option<i64>>> {
        let Some((home, in_use)) = &self.home else {
            return Ok(None);
        };
        let Some(current) = home.current()? else {
            return Ok(None);
        };
        let mut in_use = in_use
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if *in_use == current {
            if self.stale.load(Ordering::Relaxed) && !home.remove_stale(Some(&current)).is_empty() {
                self.stale.store(false, Ordering::Relaxed);
            }
            return Ok(None);
        }
        let index = home.open(&current)?;
        let mark = index.mark()?.and_then(|m| m.parse::<i64>().ok());
        let old = std::mem::replace(
            &mut *self
                .index
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
            Arc::new(index),
        );
        let previous = std::mem::replace(&mut *in_use, current.clone());
        // Searches still running on the old index keep it alive; its
        // writer goes with the last of them, and a later round removes it.
        drop(old);
        let removed = home.remove_stale(Some(&current));
        self.stale.store(removed.is_empty(), Ordering::Relaxed);
        tracing::info!(from = %previous, to = %current, ?removed, "search index switched to a rebuild");
        Ok(Some(mark))
    }

    /// Asks the indexer to look for changes now.
    pub fn nudge(&self) {
        self.wake.notify_one();
    }

    /// Rebuilds the whole index from the store, calling `progress` with the
    /// source's name and the records indexed so far. Returns the records
    /// indexed.
    pub async fn rebuild(
        &self,
        store: &dyn Store,
        progress: &mut (dyn FnMut(&str, u64) + Send),
    ) -> anyhow::Result<u64> {
        // Changes after this point are replayed by the indexer; replaying
        // one already seen gives the same records.
        let head = head(store).await?;
        let index = self.index();
        index.clear()?;
        let mut total = 0;
        for source in &self.sources {
            let mut sink = IndexSink {
                index: &index,
                count: 0,
                name: source.name(),
                progress: &mut *progress,
            };
            source.all(store, &mut sink).await?;
            let count = sink.count;
            total += count;
            progress(source.name(), count);
        }
        tokio::task::spawn_blocking(move || index.commit_marked(&head.to_string())).await??;
        self.committed.store(head, Ordering::Relaxed);
        Ok(total)
    }

    /// Starts the indexer task once; later calls do nothing.
    pub fn start(self: &Arc<Self>, store: Arc<dyn Store>) {
        if self.started.swap(true, Ordering::SeqCst) {
            return;
        }
        let me = self.clone();
        tokio::spawn(async move { me.follow(store).await });
    }

    async fn follow(self: Arc<Self>, store: Arc<dyn Store>) {
        let mut after = match self.index().mark() {
            Ok(Some(mark)) => mark.parse::<i64>().ok(),
            _ => None,
        };
        loop {
            match self.follow_switch() {
                Ok(Some(mark)) => after = mark,
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "could not switch to the rebuilt search index")
                }
            }
            if after.is_none() {
                match self.rebuild(&*store, &mut |_, _| {}).await {
                    Ok(n) => {
                        tracing::info!(records = n, "search index rebuilt");
                        after = self
                            .index()
                            .mark()
                            .ok()
                            .flatten()
                            .and_then(|m| m.parse().ok());
                    }
                    Err(e) => tracing::error!(error = %e, "search index rebuild failed"),
                }
            }
            if let Some(seq) = after {
                match self.apply_changes(&*store, seq).await {
                    Ok(next) => after = Some(next),
                    Err(e) => tracing::warn!(error = %e, "search index update failed; retrying"),
                }
            }
            tokio::select! {
                () = self.wake.notified() => {}
                () = tokio::time::sleep(POLL) => {}
            }
        }
    }

    /// Applies the changes recorded after audit record `after`; returns the
    /// last record applied.
    ///
    /// A page of records that touches nothing searchable (ballots, sign-ins)
    /// is not committed: a tantivy commit starts a fresh indexing arena,
    /// tens of megabytes zeroed, and during a vote those commits took more
    /// CPU than the 500 ballots themselves. The mark is still committed
    /// every [`MARK_EVERY`] records, so a restart replays at most that many
    /// records, which give no update again.
    pub async fn apply_changes(&self, store: &dyn Store, mut after: i64) -> anyhow::Result<i64> {
        let index = self.index();
        loop {
            let page = store.audit_after(after, BATCH).await?;
            let Some(last) = page.last().map(|r| r.seq) else {
                return Ok(after);
            };
            let mut touched = false;
            for record in latest_searchable(&page) {
                for source in self.sources.iter().filter(|s| s.follows(&record.entity)) {
                    for update in source.changed(store, record).await? {
                        touched = true;
                        match update {
                            Update::Upsert(r) => index.upsert(&r)?,
                            Update::Delete(kind, id) => index.delete(kind, id),
                        }
                    }
                }
            }
            if touched || last - self.committed.load(Ordering::Relaxed) >= MARK_EVERY {
                let index = index.clone();
                tokio::task::spawn_blocking(move || index.commit_marked(&last.to_string()))
                    .await??;
                self.committed.store(last, Ordering::Relaxed);
            }
            after = last;
        }
    }

    /// The audit record the index last committed as applied (0 before the
    /// first commit of this process).
    pub fn committed(&self) -> i64 {
        self.committed.load(Ordering::Relaxed)
    }
}

/// The records of `page` that may change what is searchable, one per
/// changed thing (the last): the sources read the thing's present state, so
/// 500 check-ins at one session are one look at it, not 500.
///
/// Attendance and sign-ins are recorded against a session too (a council's
/// or a browser's) but change nothing any source indexes: 3,000 check-ins
/// had the session and all its documents indexed again 3,000 times, and the
/// index fell minutes behind during a sitting.
fn latest_searchable(page: &[AuditRecord]) -> Vec<&AuditRecord> {
    let searchable =
        |r: &&AuditRecord| !(r.action.starts_with("attendance.") || r.action.starts_with("auth."));
    let mut seen = std::collections::HashSet::new();
    let mut latest: Vec<&AuditRecord> = page
        .iter()
        .rev()
        .filter(searchable)
        .filter(|r| r.entity_id.is_none() || seen.insert((&r.entity, &r.entity_id)))
        .collect();
    latest.reverse();
    latest
}

/// The number of the newest audit record (0 for none).
async fn head(store: &dyn Store) -> anyhow::Result<i64> {
    let (newest, _) = store
        .audit_page(&AuditFilter {
            limit: 1,
            ..AuditFilter::default()
        })
        .await?;
    Ok(newest.first().map_or(0, |r| r.seq))
}

struct IndexSink<'a> {
    index: &'a SearchIndex,
    count: u64,
    name: &'static str,
    progress: &'a mut (dyn FnMut(&str, u64) + Send),
}

impl RecordSink for IndexSink<'_> {
    fn put(&mut self, record: Record) -> anyhow::Result<()> {
        self.index.upsert(&record)?;
        self.count += 1;
        if self.count.is_multiple_of(100) {
            (self.progress)(self.name, self.count);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(seq: i64, action: &str, entity: &str, id: Option<&str>) -> AuditRecord {
        AuditRecord {
            seq,
            at_ms: 0,
            actor_id: None,
            actor_name: String::new(),
            action: action.into(),
            entity: entity.into(),
            entity_id: id.map(Into::into),
            before: None,
            after: None,
            request_id: None,
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    #[test]
    fn a_page_is_looked_at_once_per_changed_thing_in_its_order() {
        let page = [
            record(1, "session.status", "session", Some("7")),
            record(2, "attendance.set", "session", Some("7")),
            record(3, "question.file", "question", Some("3")),
            record(4, "auth.session.revoke", "session", Some("9")),
            record(5, "session.status", "session", Some("7")),
            record(6, "holiday.create", "holiday", None),
            record(7, "holiday.create", "holiday", None),
            record(8, "question.answer", "question", Some("4")),
        ];
        let kept: Vec<i64> = latest_searchable(&page).iter().map(|r| r.seq).collect();
        assert_eq!(kept, [3, 5, 6, 7, 8]);
        let only_check_ins = [record(1, "attendance.set", "session", Some("7"))];
        assert!(latest_searchable(&only_check_ins).is_empty());
    }
}

//! Bộ lập lịch trong máy chủ: the jobs the server runs by itself, without
//! an external cron — at start, then every minute by default.
//!
//! A job is a plain `async fn(&AppState, OffsetDateTime)`; the time comes
//! from `state.clock` only, so a test moves a `FixedClock` and calls
//! [`tick`] directly. Jobs must be safe to run as often as the scheduler
//! likes (each remembers what it has done in the store), and one job's
//! failure does not stop the others.
//!
//! Another area adds its job with one line in [`jobs`]:
//! `Job::new("kien-nghi-nhac-han", crate::pages::petitions::remind_job),`

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use time::OffsetDateTime;

use crate::AppState;

/// What a job's run returns: a short account for the log, or why it failed.
pub type JobResult = anyhow::Result<String>;

/// The future a job's run makes.
pub type JobFuture<'a> = Pin<Box<dyn Future<Output = JobResult> + Send + 'a>>;

/// A job's run: `fn run(state, now) -> JobFuture`.
pub type RunFn = for<'a> fn(&'a AppState, OffsetDateTime) -> JobFuture<'a>;

/// One job.
#[derive(Clone, Copy)]
pub struct Job {
    /// Its name in logs.
    pub name: &'static str,
    /// What it does.
    pub run: RunFn,
}

impl Job {
    /// A job called `name` that runs `run`.
    pub const fn new(name: &'static str, run: RunFn) -> Self {
        Self { name, run }
    }
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job").field("name", &self.name).finish()
    }
}

/// Every job, in the order each tick runs them. E-mail goes last, so the
/// reminders made in this tick go out in it.
pub fn jobs() -> Vec<Job> {
    vec![
        Job::new("giam-sat", crate::pages::supervision::scheduler_job),
        Job::new("kien-nghi-nhac-han", crate::pages::petitions::remind_job),
        Job::new("xin-y-kien", crate::pages::consultations::remind_job),
        Job::new("thu-dien-tu", email_job),
    ]
}

/// What one job did in a tick.
#[derive(Debug)]
pub struct Outcome {
    /// The job.
    pub job: &'static str,
    /// Its account, or the error.
    pub result: Result<String, String>,
}

/// Runs every job once at the clock's current time.
pub async fn tick(state: &AppState) -> Vec<Outcome> {
    run_jobs(state, &jobs()).await
}

/// Runs `jobs` once at the clock's current time, each after the other.
pub async fn run_jobs(state: &AppState, jobs: &[Job]) -> Vec<Outcome> {
    let now = state.clock.now();
    let mut out = Vec::with_capacity(jobs.len());
    for job in jobs {
        let result = (job.run)(state, now).await;
        match &result {
            Ok(summary) if !summary.is_empty() => {
                tracing::info!(job = job.name, %summary, "scheduled job ran");
            }
            Ok(_) => {}
            Err(e) => tracing::error!(job = job.name, error = %e, "scheduled job failed"),
        }
        out.push(Outcome {
            job: job.name,
            result: result.map_err(|e| format!("{e:#}")),
        });
    }
    out
}

/// Starts the scheduler: a tick now, then one every `every`. A tick that
/// runs long delays the next instead of overlapping it.
pub fn start(state: AppState, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(every.max(Duration::from_secs(1)));
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            tick(&state).await;
        }
    })
}

/// Sends the e-mails waiting in the outbox (retries included).
fn email_job(state: &AppState, now: OffsetDateTime) -> JobFuture<'_> {
    Box::pin(async move {
        let sent = crate::notify::send_due(state, now).await?;
        Ok(if sent == 0 {
            String::new()
        } else {
            format!("{sent} thư đã gửi")
        })
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    static RUNS: AtomicUsize = AtomicUsize::new(0);

    fn counting(_: &AppState, _: OffsetDateTime) -> JobFuture<'_> {
        Box::pin(async {
            RUNS.fetch_add(1, Ordering::SeqCst);
            Ok("một lần".into())
        })
    }

    fn failing(_: &AppState, _: OffsetDateTime) -> JobFuture<'_> {
        Box::pin(async { Err(anyhow::anyhow!("hỏng")) })
    }

    #[tokio::test]
    async fn a_failing_job_does_not_stop_the_others() {
        let dir = nghitruong_testkit::temp_dir();
        let options = nghitruong_store::StoreOptions::sqlite_file(&dir.path().join("t.db"), 2);
        let store = nghitruong_store::SqlStore::open(&options).await.unwrap();
        let state = AppState::new(
            Arc::new(store),
            nghitruong_testkit::fixed_clock(),
            crate::WebConfig::default(),
        );
        let before = RUNS.load(Ordering::SeqCst);
        let out = run_jobs(
            &state,
            &[Job::new("hong", failing), Job::new("dem", counting)],
        )
        .await;
        assert_eq!(RUNS.load(Ordering::SeqCst), before + 1);
        assert_eq!(out[0].result, Err("hỏng".to_owned()));
        assert_eq!(out[1].result, Ok("một lần".to_owned()));
    }
}

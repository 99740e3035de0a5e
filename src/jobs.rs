//! The one job mechanism: every long task (downloads, queries, renders, training, device probes)
//! runs here, off the UI thread.
//!
//! A job is a closure `FnOnce(&JobCtx) -> anyhow::Result<T>` queued on a small pool of worker
//! threads. While it runs it reports progress (fraction, message), metrics (named series of
//! `(x, y)` points) and log lines through a channel; each report wakes the UI through the waker
//! (in the GUI, `egui::Context::request_repaint`). It can be cancelled: the flag is checked by the
//! job at its own checkpoints ([`JobCtx::checkpoint`]). It ends with a typed result, delivered to
//! the [`JobHandle`] of whoever started it, and with a state (done, failed with the error's whole
//! cause chain, cancelled) that [`Jobs::poll`] reports once so that failures reach the toasts.
//! A panicking job is caught and reported as failed; it never takes the app down.

use std::any::Any;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender, TryRecvError, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Wakes whoever displays the jobs (the GUI's repaint request, or nothing in a CLI).
pub type Waker = Arc<dyn Fn() + Send + Sync>;

/// A waker that does nothing, for command-line use and tests that poll.
pub fn no_waker() -> Waker {
    Arc::new(|| {})
}

/// Progress reports closer together than this are coalesced (the last one before a gap wins).
const PROGRESS_INTERVAL: Duration = Duration::from_millis(16);

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct JobId(u64);

impl std::fmt::Display for JobId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// Where a job is in its life.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JobState {
    Queued,
    Running,
    Done,
    /// The error with its whole cause chain (`{:#}` of the anyhow error).
    Failed(String),
    Cancelled,
}

impl JobState {
    pub fn is_finished(&self) -> bool {
        matches!(self, Self::Done | Self::Failed(_) | Self::Cancelled)
    }

    pub fn label(&self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Done => "done",
            Self::Failed(_) => "failed",
            Self::Cancelled => "cancelled",
        }
    }
}

/// The error a [`JobHandle`] yields when its job did not produce a value.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error("cancelled")]
    Cancelled,
    #[error("{0:#}")]
    Failed(anyhow::Error),
    #[error("panicked: {0}")]
    Panicked(String),
}

/// Returned by [`JobCtx::checkpoint`] once the job was asked to stop; propagate it with `?`.
#[derive(Debug, thiserror::Error)]
#[error("cancelled")]
pub struct Cancelled;

/// What a job reports while it runs.
#[derive(Debug)]
enum Event {
    Started,
    Progress { fraction: Option<f32>, message: String },
    Metric { series: String, x: f64, y: f64 },
    Log(String),
    Ended(JobState),
}

/// The job's side: report progress, metrics and log lines, and learn whether to stop.
pub struct JobCtx {
    id: JobId,
    tx: Sender<(JobId, Event)>,
    cancel: Arc<AtomicBool>,
    waker: Waker,
    start: Instant,
    /// Milliseconds after `start` of the last progress report sent (u64::MAX: none yet).
    last_progress_ms: AtomicU64,
}

impl JobCtx {
    pub fn id(&self) -> JobId {
        self.id
    }

    fn send(&self, event: Event) {
        // The receiver is gone only when the app is shutting down; the job then just runs out.
        let _ = self.tx.send((self.id, event));
        (self.waker)();
    }

    /// Reports how far the job is (0..=1) and what it is doing. Reports that come faster than the
    /// screen can show them are dropped, except the last one (fraction 1).
    pub fn progress(&self, fraction: f32, message: impl Into<String>) {
        let fraction = fraction.clamp(0.0, 1.0);
        if fraction < 1.0 && !self.due_for_progress() {
            return;
        }
        self.send(Event::Progress { fraction: Some(fraction), message: message.into() });
    }

    /// Reports what the job is doing when it cannot tell how far it is.
    pub fn message(&self, message: impl Into<String>) {
        self.send(Event::Progress { fraction: None, message: message.into() });
    }

    fn due_for_progress(&self) -> bool {
        let now = self.start.elapsed().as_millis() as u64;
        let last = self.last_progress_ms.load(Ordering::Relaxed);
        if last != u64::MAX && now.saturating_sub(last) < PROGRESS_INTERVAL.as_millis() as u64 {
            return false;
        }
        self.last_progress_ms.store(now, Ordering::Relaxed);
        true
    }

    /// Appends a point to a named metric series (training loss per step, accuracy per epoch...).
    pub fn metric(&self, series: impl Into<String>, x: f64, y: f64) {
        self.send(Event::Metric { series: series.into(), x, y });
    }

    /// Appends a line to the job's log.
    pub fn log(&self, line: impl Into<String>) {
        self.send(Event::Log(line.into()));
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    /// `Err(Cancelled)` once the job was asked to stop: call it in loops and use `?`.
    pub fn checkpoint(&self) -> Result<(), Cancelled> {
        if self.is_cancelled() { Err(Cancelled) } else { Ok(()) }
    }
}

/// How long work reports progress and learns it should stop, whether it runs as a job
/// ([`JobCtx`]), from the command line, or in a test ([`Silent`]). Domain code takes `&dyn Progress`.
pub trait Progress: Sync {
    /// How far (0..=1) and what is being done.
    fn report(&self, fraction: f32, message: &str);

    fn cancelled(&self) -> bool {
        false
    }

    /// A point of a named metric series (a training loss per step...); ignored where nothing plots.
    fn metric(&self, _series: &str, _x: f64, _y: f64) {}

    /// A line for the work's log; ignored where nothing keeps one.
    fn log(&self, _line: &str) {}

    /// `Err(Cancelled)` once the work was asked to stop.
    fn checkpoint(&self) -> Result<(), Cancelled> {
        if self.cancelled() { Err(Cancelled) } else { Ok(()) }
    }
}

impl Progress for JobCtx {
    fn report(&self, fraction: f32, message: &str) {
        self.progress(fraction, message);
    }

    fn cancelled(&self) -> bool {
        self.is_cancelled()
    }

    fn metric(&self, series: &str, x: f64, y: f64) {
        JobCtx::metric(self, series, x, y);
    }

    fn log(&self, line: &str) {
        JobCtx::log(self, line);
    }
}

/// Progress that goes nowhere and never cancels.
pub struct Silent;

impl Progress for Silent {
    fn report(&self, _fraction: f32, _message: &str) {}
}

/// Reports a part of the work as a sub-range of the whole: `[start, start + span]`.
pub struct Scaled<'a> {
    pub inner: &'a dyn Progress,
    pub start: f32,
    pub span: f32,
}

impl Progress for Scaled<'_> {
    fn report(&self, fraction: f32, message: &str) {
        self.inner.report(self.start + self.span * fraction.clamp(0.0, 1.0), message);
    }

    fn cancelled(&self) -> bool {
        self.inner.cancelled()
    }

    fn metric(&self, series: &str, x: f64, y: f64) {
        self.inner.metric(series, x, y);
    }

    fn log(&self, line: &str) {
        self.inner.log(line);
    }
}

/// The starter's side of one job: its id, and its typed result once it has ended.
pub struct JobHandle<T> {
    id: JobId,
    rx: Receiver<Result<T, JobError>>,
}

impl<T> JobHandle<T> {
    pub fn id(&self) -> JobId {
        self.id
    }

    /// The result if the job has ended, `None` while it is queued or running. Yields it once.
    pub fn try_take(&self) -> Option<Result<T, JobError>> {
        match self.rx.try_recv() {
            Ok(result) => Some(result),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => None,
        }
    }

    /// Blocks until the job ends (for the command line and tests, never on the UI thread).
    pub fn wait(self) -> Result<T, JobError> {
        self.rx
            .recv()
            .unwrap_or(Err(JobError::Failed(anyhow::anyhow!("the job's worker went away without a result"))))
    }
}

/// The one job of a kind a panel keeps running (a load, a render, a training), with what it is
/// about (`C`: the metric, the candidate, the table...): starting another cancels the one before,
/// and its result is taken once when it ends.
pub struct Latest<T, C = ()>(Option<(C, JobHandle<T>)>);

impl<T, C> Default for Latest<T, C> {
    fn default() -> Self {
        Self(None)
    }
}

impl<T: Send + 'static, C> Latest<T, C> {
    /// Cancels the running job of this kind, if any, and starts `work` about `context`.
    pub fn start_with<F>(&mut self, jobs: &mut Jobs, name: impl Into<String>, context: C, work: F)
    where
        F: FnOnce(&JobCtx) -> anyhow::Result<T> + Send + 'static,
    {
        self.cancel(jobs);
        self.0 = Some((context, jobs.spawn(name, work)));
    }

    /// Cancels the running job, if any, and forgets it.
    pub fn cancel(&mut self, jobs: &Jobs) {
        if let Some((_, previous)) = self.0.take() {
            jobs.cancel(previous.id());
        }
    }

    /// The job while it is queued or running (until its result is taken).
    pub fn id(&self) -> Option<JobId> {
        self.0.as_ref().map(|(_, handle)| handle.id())
    }

    /// What the running job is about.
    pub fn context(&self) -> Option<&C> {
        self.0.as_ref().map(|(context, _)| context)
    }

    pub fn is_running(&self) -> bool {
        self.0.is_some()
    }

    /// The job's id, context and result once it has ended; after that the slot is empty.
    pub fn take_with(&mut self) -> Option<(JobId, C, Result<T, JobError>)> {
        let result = self.0.as_ref()?.1.try_take()?;
        self.0.take().map(|(context, handle)| (handle.id(), context, result))
    }

    /// The job's id and result once it has ended; after that the slot is empty.
    pub fn take(&mut self) -> Option<(JobId, Result<T, JobError>)> {
        self.take_with().map(|(id, _, result)| (id, result))
    }
}

impl<T: Send + 'static> Latest<T> {
    /// Cancels the running job of this kind, if any, and starts `work`.
    pub fn start<F>(&mut self, jobs: &mut Jobs, name: impl Into<String>, work: F)
    where
        F: FnOnce(&JobCtx) -> anyhow::Result<T> + Send + 'static,
    {
        self.start_with(jobs, name, (), work);
    }
}

/// What the UI knows of one job.
#[derive(Clone, Debug)]
pub struct JobStatus {
    pub id: JobId,
    pub name: String,
    pub state: JobState,
    /// `None` until the job reports a fraction (or when it cannot tell).
    pub fraction: Option<f32>,
    pub message: String,
    pub created: Instant,
    pub started: Option<Instant>,
    pub finished: Option<Instant>,
    /// Named series of `(x, y)` points, in the order reported.
    pub metrics: BTreeMap<String, Vec<[f64; 2]>>,
    pub log: Vec<String>,
}

impl JobStatus {
    /// Time spent running (so far, or in all once finished).
    pub fn elapsed(&self) -> Duration {
        match (self.started, self.finished) {
            (Some(s), Some(f)) => f.saturating_duration_since(s),
            (Some(s), None) => s.elapsed(),
            _ => Duration::ZERO,
        }
    }

    /// Remaining time at the rate so far, while running with a known fraction.
    pub fn eta(&self) -> Option<Duration> {
        eta(self.elapsed(), self.fraction?).filter(|_| self.state == JobState::Running)
    }
}

/// Remaining time if `fraction` of the work took `elapsed`, at the same rate.
pub fn eta(elapsed: Duration, fraction: f32) -> Option<Duration> {
    (fraction > 0.0 && fraction < 1.0).then(|| elapsed.mul_f64((1.0 - fraction as f64) / fraction as f64))
}

/// A job that just ended, reported once by [`Jobs::poll`].
#[derive(Clone, Debug)]
pub struct JobEnded {
    pub id: JobId,
    pub name: String,
    pub state: JobState,
}

type Task = Box<dyn FnOnce() + Send>;

struct Pool {
    queue: VecDeque<Task>,
    workers: usize,
}

/// The UI's side: starts jobs, keeps their status, cancels them.
pub struct Jobs {
    pool: Arc<Mutex<Pool>>,
    max_workers: usize,
    tx: Sender<(JobId, Event)>,
    rx: Receiver<(JobId, Event)>,
    waker: Waker,
    next_id: u64,
    statuses: Vec<JobStatus>,
    cancels: HashMap<JobId, Arc<AtomicBool>>,
}

impl Jobs {
    /// `max_workers` jobs run at once; the others wait in order.
    pub fn new(waker: Waker, max_workers: usize) -> Self {
        let (tx, rx) = channel();
        Self {
            pool: Arc::new(Mutex::new(Pool { queue: VecDeque::new(), workers: 0 })),
            max_workers: max_workers.max(1),
            tx,
            rx,
            waker,
            next_id: 1,
            statuses: Vec::new(),
            cancels: HashMap::new(),
        }
    }

    /// As many workers as cores, at least two so that a quick job never waits on a long one alone.
    pub fn with_default_workers(waker: Waker) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self::new(waker, cores.clamp(2, 8))
    }

    /// Queues `work` under a human-readable name and returns the handle to its result.
    pub fn spawn<T, F>(&mut self, name: impl Into<String>, work: F) -> JobHandle<T>
    where
        T: Send + 'static,
        F: FnOnce(&JobCtx) -> anyhow::Result<T> + Send + 'static,
    {
        let id = JobId(self.next_id);
        self.next_id += 1;
        let cancel = Arc::new(AtomicBool::new(false));
        self.cancels.insert(id, cancel.clone());
        self.statuses.push(JobStatus {
            id,
            name: name.into(),
            state: JobState::Queued,
            fraction: None,
            message: String::new(),
            created: Instant::now(),
            started: None,
            finished: None,
            metrics: BTreeMap::new(),
            log: Vec::new(),
        });

        let (result_tx, result_rx) = channel();
        let ctx = JobCtx {
            id,
            tx: self.tx.clone(),
            cancel,
            waker: self.waker.clone(),
            start: Instant::now(),
            last_progress_ms: AtomicU64::new(u64::MAX),
        };
        let task: Task = Box::new(move || {
            let (result, state) = if ctx.is_cancelled() {
                (Err(JobError::Cancelled), JobState::Cancelled)
            } else {
                ctx.send(Event::Started);
                run_caught(&ctx, work)
            };
            // The starter may have dropped its handle: then nobody wants the value.
            let _ = result_tx.send(result);
            ctx.send(Event::Ended(state));
        });
        self.enqueue(task);
        JobHandle { id, rx: result_rx }
    }

    fn enqueue(&self, task: Task) {
        let mut pool = self.pool.lock().unwrap_or_else(|e| e.into_inner());
        pool.queue.push_back(task);
        if pool.workers < self.max_workers {
            pool.workers += 1;
            let shared = self.pool.clone();
            let spawned = std::thread::Builder::new()
                .name("benchtop-worker".into())
                .spawn(move || worker_loop(&shared));
            if spawned.is_err() {
                // No thread to be had: the queued task runs when a running worker frees up.
                pool.workers -= 1;
                tracing::error!("could not start a worker thread; the job waits for a free one");
            }
        }
    }

    /// Asks a job to stop. A queued job ends without running; a running one stops at its next
    /// checkpoint.
    pub fn cancel(&self, id: JobId) {
        if let Some(flag) = self.cancels.get(&id) {
            flag.store(true, Ordering::Relaxed);
        }
    }

    /// Applies everything the jobs reported since the last call; returns the jobs that ended.
    pub fn poll(&mut self) -> Vec<JobEnded> {
        let mut ended = Vec::new();
        while let Ok((id, event)) = self.rx.try_recv() {
            let Some(status) = self.statuses.iter_mut().find(|s| s.id == id) else { continue };
            match event {
                Event::Started => {
                    status.state = JobState::Running;
                    status.started = Some(Instant::now());
                }
                Event::Progress { fraction, message } => {
                    status.fraction = fraction;
                    status.message = message;
                }
                Event::Metric { series, x, y } => {
                    status.metrics.entry(series).or_default().push([x, y]);
                }
                Event::Log(line) => status.log.push(line),
                Event::Ended(state) => {
                    if state == JobState::Done {
                        status.fraction = Some(1.0);
                    }
                    status.started.get_or_insert_with(Instant::now);
                    status.finished = Some(Instant::now());
                    status.state = state.clone();
                    self.cancels.remove(&id);
                    ended.push(JobEnded { id, name: status.name.clone(), state });
                }
            }
        }
        ended
    }

    /// Every job started, oldest first.
    pub fn statuses(&self) -> &[JobStatus] {
        &self.statuses
    }

    pub fn status(&self, id: JobId) -> Option<&JobStatus> {
        self.statuses.iter().find(|s| s.id == id)
    }

    /// Jobs queued or running.
    pub fn active(&self) -> impl Iterator<Item = &JobStatus> {
        self.statuses.iter().filter(|s| !s.state.is_finished())
    }

    /// Forgets the jobs that have ended.
    pub fn clear_finished(&mut self) {
        self.statuses.retain(|s| !s.state.is_finished());
    }
}

impl Drop for Jobs {
    /// Leaving the app asks every job to stop.
    fn drop(&mut self) {
        for flag in self.cancels.values() {
            flag.store(true, Ordering::Relaxed);
        }
    }
}

fn worker_loop(pool: &Mutex<Pool>) {
    loop {
        let task = {
            let mut pool = pool.lock().unwrap_or_else(|e| e.into_inner());
            match pool.queue.pop_front() {
                Some(task) => task,
                None => {
                    pool.workers -= 1;
                    return;
                }
            }
        };
        task();
    }
}

fn run_caught<T, F>(ctx: &JobCtx, work: F) -> (Result<T, JobError>, JobState)
where
    F: FnOnce(&JobCtx) -> anyhow::Result<T>,
{
    match catch_unwind(AssertUnwindSafe(|| work(ctx))) {
        Ok(Ok(value)) => (Ok(value), JobState::Done),
        Ok(Err(err)) if is_cancel_chain(&err) => (Err(JobError::Cancelled), JobState::Cancelled),
        Ok(Err(err)) => {
            let text = format!("{err:#}");
            (Err(JobError::Failed(err)), JobState::Failed(text))
        }
        Err(payload) => {
            let text = panic_text(payload.as_ref());
            (Err(JobError::Panicked(text.clone())), JobState::Failed(format!("panicked: {text}")))
        }
    }
}

/// True when a `Cancelled` (or a download stopped because the job was cancelled) sits anywhere
/// in the error's cause chain (a job may add context).
fn is_cancel_chain(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause.is::<Cancelled>()
            || matches!(
                cause.downcast_ref::<crate::download::DownloadError>(),
                Some(crate::download::DownloadError::Cancelled)
            )
    })
}

fn panic_text(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic payload".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    /// Polls until `id` has ended or 10 s have passed; returns what `poll` reported meanwhile.
    fn poll_until_ended(jobs: &mut Jobs, id: JobId) -> Vec<JobEnded> {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut ended = Vec::new();
        while Instant::now() < deadline {
            ended.extend(jobs.poll());
            if ended.iter().any(|e| e.id == id) {
                return ended;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        panic!("job {id} did not end within 10 s");
    }

    #[test]
    fn result_progress_metrics_and_log_reach_the_ui_side() {
        let wakes = Arc::new(AtomicUsize::new(0));
        let counter = wakes.clone();
        let mut jobs = Jobs::new(
            Arc::new(move || {
                counter.fetch_add(1, Ordering::Relaxed);
            }),
            2,
        );
        let handle = jobs.spawn("sum", |ctx| {
            ctx.log("starting");
            let mut total = 0u64;
            for i in 1..=10u64 {
                total += i;
                ctx.metric("partial sum", i as f64, total as f64);
            }
            ctx.progress(1.0, "summed");
            Ok(total)
        });
        let ended = poll_until_ended(&mut jobs, handle.id());
        assert_eq!(ended.len(), 1);
        assert_eq!(ended[0].state, JobState::Done);
        assert_eq!(ended[0].name, "sum");
        // 1 + 2 + ... + 10 = 55, the closed form n(n+1)/2.
        assert_eq!(handle.try_take().unwrap().unwrap(), 55);
        let status = jobs.status(handle.id()).unwrap();
        assert_eq!(status.log, vec!["starting".to_owned()]);
        assert_eq!(status.message, "summed");
        assert_eq!(status.fraction, Some(1.0));
        let series = &status.metrics["partial sum"];
        assert_eq!(series.len(), 10);
        assert_eq!(series[3], [4.0, 10.0]);
        assert_eq!(series[9], [10.0, 55.0]);
        // Started + 10 metrics + log + progress + ended: every report woke the UI.
        assert!(wakes.load(Ordering::Relaxed) >= 14, "woken {} times", wakes.load(Ordering::Relaxed));
    }

    #[test]
    fn the_job_runs_on_another_thread() {
        let mut jobs = Jobs::new(no_waker(), 1);
        let here = std::thread::current().id();
        let handle = jobs.spawn("where", move |_| Ok(std::thread::current().id() != here));
        assert!(handle.wait().unwrap());
    }

    #[test]
    fn an_error_keeps_its_cause_chain() {
        let mut jobs = Jobs::new(no_waker(), 2);
        let handle = jobs.spawn("load", |_| -> anyhow::Result<()> {
            let io = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
            Err(anyhow::Error::new(io).context("reading data/x.parquet"))
        });
        let ended = poll_until_ended(&mut jobs, handle.id());
        assert_eq!(ended[0].state, JobState::Failed("reading data/x.parquet: no such file".into()));
        match handle.try_take() {
            Some(Err(JobError::Failed(err))) => {
                assert_eq!(format!("{err:#}"), "reading data/x.parquet: no such file")
            }
            other => panic!("expected a failure, got {:?}", other.map(|r| r.map(|_| ()))),
        }
    }

    #[test]
    fn a_panic_is_a_failure_not_a_crash() {
        let mut jobs = Jobs::new(no_waker(), 1);
        let handle = jobs.spawn("boom", |_| -> anyhow::Result<()> { panic!("index out of range") });
        let ended = poll_until_ended(&mut jobs, handle.id());
        assert_eq!(ended[0].state, JobState::Failed("panicked: index out of range".into()));
        // The worker survived: the next job still runs.
        let next = jobs.spawn("after", |_| Ok(7));
        assert_eq!(next.wait().unwrap(), 7);
    }

    #[test]
    fn cancel_stops_a_running_job_at_its_next_checkpoint() {
        let mut jobs = Jobs::new(no_waker(), 1);
        let (started_tx, started_rx) = channel();
        let handle = jobs.spawn("forever", move |ctx| -> anyhow::Result<()> {
            started_tx.send(()).unwrap();
            loop {
                ctx.checkpoint()?;
                std::thread::sleep(Duration::from_millis(1));
            }
        });
        started_rx.recv_timeout(Duration::from_secs(10)).unwrap();
        let asked = Instant::now();
        jobs.cancel(handle.id());
        let ended = poll_until_ended(&mut jobs, handle.id());
        assert!(asked.elapsed() < Duration::from_secs(1), "took {:?} to stop", asked.elapsed());
        assert_eq!(ended[0].state, JobState::Cancelled);
        assert!(matches!(handle.try_take(), Some(Err(JobError::Cancelled))));
    }

    #[test]
    fn cancelled_with_context_is_still_cancelled() {
        let mut jobs = Jobs::new(no_waker(), 1);
        let (go_tx, go_rx) = channel::<()>();
        let handle = jobs.spawn("ctx", move |ctx| -> anyhow::Result<()> {
            go_rx.recv().unwrap();
            use anyhow::Context as _;
            ctx.checkpoint().context("while fitting recipe 3")?;
            Ok(())
        });
        jobs.cancel(handle.id());
        go_tx.send(()).unwrap();
        assert!(matches!(handle.wait(), Err(JobError::Cancelled)));
    }

    #[test]
    fn a_download_stopped_by_cancel_ends_the_job_as_cancelled() {
        let mut jobs = Jobs::new(no_waker(), 1);
        let handle = jobs.spawn("download", |_ctx| -> anyhow::Result<()> {
            use anyhow::Context as _;
            Err(crate::download::DownloadError::Cancelled).context("fetching the map")?;
            Ok(())
        });
        assert!(matches!(handle.wait(), Err(JobError::Cancelled)));
        let handle = jobs.spawn("download", |_ctx| -> anyhow::Result<()> {
            Err(crate::download::DownloadError::NotFound { url: "u".into() })?;
            Ok(())
        });
        assert!(matches!(handle.wait(), Err(JobError::Failed(_))));
    }

    #[test]
    fn queued_jobs_wait_for_a_free_worker_and_a_cancelled_one_never_runs() {
        let mut jobs = Jobs::new(no_waker(), 1);
        let (release_tx, release_rx) = channel::<()>();
        let first = jobs.spawn("first", move |_| {
            release_rx.recv().unwrap();
            Ok(1)
        });
        let ran = Arc::new(AtomicBool::new(false));
        let ran_in_job = ran.clone();
        let second = jobs.spawn("second", move |_| {
            ran_in_job.store(true, Ordering::Relaxed);
            Ok(2)
        });
        let third = jobs.spawn("third", |_| Ok(3));
        std::thread::sleep(Duration::from_millis(50));
        jobs.poll();
        assert_eq!(jobs.status(first.id()).unwrap().state, JobState::Running);
        assert_eq!(jobs.status(second.id()).unwrap().state, JobState::Queued);
        assert_eq!(jobs.status(third.id()).unwrap().state, JobState::Queued);
        assert_eq!(jobs.active().count(), 3);

        jobs.cancel(second.id());
        release_tx.send(()).unwrap();
        assert_eq!(third.wait().unwrap(), 3);
        assert_eq!(first.wait().unwrap(), 1);
        assert!(matches!(second.wait(), Err(JobError::Cancelled)));
        assert!(!ran.load(Ordering::Relaxed));
        poll_until_ended(&mut jobs, JobId(3));
        assert_eq!(jobs.active().count(), 0);
        jobs.clear_finished();
        assert!(jobs.statuses().is_empty());
    }

    #[test]
    fn two_workers_run_two_jobs_at_once() {
        let mut jobs = Jobs::new(no_waker(), 2);
        let barrier = Arc::new(std::sync::Barrier::new(2));
        let handles: Vec<_> = (0..2)
            .map(|i| {
                let barrier = barrier.clone();
                // Each waits for the other: this only finishes if both run at the same time.
                jobs.spawn(format!("pair {i}"), move |_| {
                    barrier.wait();
                    Ok(i)
                })
            })
            .collect();
        let results: Vec<_> = handles.into_iter().map(|h| h.wait().unwrap()).collect();
        assert_eq!(results, vec![0, 1]);
    }

    #[test]
    fn fast_progress_is_coalesced_but_the_final_report_arrives() {
        let wakes = Arc::new(AtomicUsize::new(0));
        let counter = wakes.clone();
        let mut jobs = Jobs::new(
            Arc::new(move || {
                counter.fetch_add(1, Ordering::Relaxed);
            }),
            1,
        );
        let handle = jobs.spawn("fast", |ctx| {
            for i in 0..100_000 {
                ctx.progress(i as f32 / 100_000.0, format!("step {i}"));
            }
            ctx.progress(1.0, "finished");
            Ok(())
        });
        poll_until_ended(&mut jobs, handle.id());
        let status = jobs.status(handle.id()).unwrap();
        assert_eq!(status.message, "finished");
        assert_eq!(status.fraction, Some(1.0));
        // At most one report per 16 ms gets through; 100,000 calls take far less than 100 s.
        let woken = wakes.load(Ordering::Relaxed);
        assert!(woken < 5_000, "{woken} wakes for 100,000 progress calls");
    }

    #[test]
    fn eta_extrapolates_the_rate_so_far() {
        // A quarter of the work in 10 s leaves three quarters: 30 s.
        assert_eq!(eta(Duration::from_secs(10), 0.25), Some(Duration::from_secs(30)));
        assert_eq!(eta(Duration::from_secs(10), 0.0), None);
        assert_eq!(eta(Duration::from_secs(10), 1.0), None);
    }

    #[test]
    fn a_new_latest_job_cancels_the_one_before_and_its_result_is_taken_once() {
        let mut jobs = Jobs::new(no_waker(), 2);
        let mut latest = Latest::default();
        latest.start(&mut jobs, "first", |ctx| -> anyhow::Result<u32> {
            loop {
                ctx.checkpoint()?;
                std::thread::sleep(Duration::from_millis(1));
            }
        });
        let first = latest.id().unwrap();
        latest.start(&mut jobs, "second", |_| Ok(7));
        let second = latest.id().unwrap();
        assert_ne!(first, second);
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        let taken = loop {
            if let Some(taken) = latest.take() {
                break taken;
            }
            assert!(std::time::Instant::now() < deadline);
            std::thread::sleep(Duration::from_millis(1));
        };
        assert!(matches!(taken, (id, Ok(7)) if id == second));
        assert!(!latest.is_running() && latest.take().is_none());
        while jobs.status(first).is_some_and(|s| !s.state.is_finished()) {
            assert!(std::time::Instant::now() < deadline, "the first job was not cancelled");
            std::thread::sleep(Duration::from_millis(1));
            jobs.poll();
        }
        assert_eq!(jobs.status(first).unwrap().state, JobState::Cancelled);
    }
}

//! Observability: what the runtime is doing, and why it is slow.
//!
//! * [`Handle::metrics`](crate::Handle::metrics) returns a
//!   [`RuntimeMetrics`] snapshot: workers, tasks spawned and live, and per
//!   worker polls, steals, parks, queue depth and busy time; the injector;
//!   the blocking pool. Always on.
//! * [`Builder::slow_poll_threshold`](crate::Builder::slow_poll_threshold)
//!   logs every poll longer than the threshold (a blocking call in async
//!   code) with the task's id, name and spawn location, through the `log`
//!   crate (target `runtime::slow_poll`). Off by default.
//! * [`Handle::dump`](crate::Handle::dump) returns a [`TaskDump`]: every
//!   live task with its state (idle, scheduled, running) and, with
//!   [`Builder::enable_task_dump`](crate::Builder::enable_task_dump), its
//!   spawn location and the time since its last poll.
//!
//! # Cost
//!
//! The counters are always on. Each worker has its own, on its own cache
//! line, written only by that worker with a relaxed load and store (a plain
//! `mov`/`add`/`mov`, no atomic read-modify-write). On the hot path that
//! is one such increment per poll, per spawn on a worker, and per task
//! completion. The clock is read only when a worker parks and unparks,
//! never per poll. Spawns from outside the workers add one relaxed
//! `fetch_add` to a counter of their own (they already pay one for the
//! injector). Measured with `valgrind --tool=callgrind` on a spawn-heavy
//! workload (100,000 spawns and 100,000 yields on one worker), the counters
//! add 0.8% instructions, 18 per task; see `docs/observability.md`.
//!
//! Task tracking (the dump's locations and poll times, and slow-poll
//! detection) costs nothing when off: tasks are not wrapped and no clock is
//! read. When on, see the costs in `tracked.rs`'s docs: one extra
//! allocation and two short locks per task, one or two clock readings per
//! poll.
//!
//! Reading a snapshot takes the locks of the task list's shards and of the
//! blocking pool, one at a time; call it every second, not every poll.

mod dump;
pub(crate) mod slow_poll;
pub(crate) mod tracked;
pub(crate) mod worker;

pub use dump::{DumpedTask, TaskDump, TaskState};

use crate::scheduler::Shared;
use crossbeam_utils::CachePadded;
use std::fmt;
use std::sync::atomic::{
    AtomicU64,
    Ordering::{Acquire, Relaxed, Release},
};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tracked::TaskRegistry;
use worker::WorkerCounters;

/// What the `Builder` turned on.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Config {
    pub(crate) task_dump: bool,
    pub(crate) slow_poll: Option<Duration>,
}

/// Counters written by many threads (never by the workers' hot paths).
#[derive(Debug, Default)]
struct SharedCounters {
    /// Tasks spawned from threads that are not this runtime's workers.
    remote_spawns: AtomicU64,
    /// Of those, the tasks whose listing was deferred to the end of their
    /// first poll (`task::list::DEFERRED`): the untracked ones.
    deferred_spawns: AtomicU64,
    /// Deferred tasks completed off the workers without ever being listed
    /// (a shutdown's final drains completing unstarted tasks).
    deferred_released: AtomicU64,
    /// Tasks completed off the workers: unstarted tasks that a shutdown
    /// completed (the final drains).
    remote_completions: AtomicU64,
    /// Deferred tasks listed off the workers (a first poll outside a
    /// worker's loop: none today, counted for the balance).
    deferred_listed: AtomicU64,
    /// `spawn_blocking` closures accepted.
    blocking_spawns: AtomicU64,
    /// `spawn_blocking` tasks completed.
    blocking_completions: AtomicU64,
}

/// A runtime's counters and, when tracking is on, its task table.
pub(crate) struct Metrics {
    /// Each worker also holds its own `Arc`, to count without indexing.
    workers: Box<[Arc<CachePadded<WorkerCounters>>]>,
    shared: CachePadded<SharedCounters>,
    /// The origin of the busy-time clock.
    pub(crate) epoch: Instant,
    /// Per-task data, only with `enable_task_dump` or a slow-poll threshold.
    pub(crate) registry: Option<TaskRegistry>,
}

impl Metrics {
    pub(crate) fn new(workers: usize, config: Config) -> Metrics {
        let tracking = config.task_dump || config.slow_poll.is_some();
        Metrics {
            workers: (0..workers)
                .map(|_| Arc::new(CachePadded::new(WorkerCounters::new())))
                .collect(),
            shared: CachePadded::new(SharedCounters::default()),
            epoch: Instant::now(),
            registry: tracking.then(|| TaskRegistry::new(workers, config.slow_poll)),
        }
    }

    /// The counters of worker `index`; only that worker may write them.
    pub(crate) fn worker(&self, index: usize) -> &Arc<CachePadded<WorkerCounters>> {
        &self.workers[index]
    }

    /// A task was spawned from outside the workers.
    pub(crate) fn count_remote_spawn(&self) {
        // Relaxed: a statistic; nothing is published through it.
        self.shared.remote_spawns.fetch_add(1, Relaxed);
    }

    /// A task spawned from outside the workers, its listing deferred to
    /// the end of its first poll.
    pub(crate) fn count_deferred_spawn(&self) {
        // Relaxed: a statistic; nothing is published through it.
        self.shared.deferred_spawns.fetch_add(1, Relaxed);
    }

    /// A deferred task completed without ever being listed; counted on the
    /// current worker if it is one of this runtime's (`Shared::release`
    /// has already looked it up).
    pub(crate) fn count_deferred_release(&self, on: Option<&WorkerCounters>) {
        match on {
            Some(counters) => counters.released_deferred.incr_release(),
            // Release: see `unstarted`.
            None => _ = self.shared.deferred_released.fetch_add(1, Release),
        }
    }

    /// A deferred task was listed off the workers (see `deferred_listed`).
    pub(crate) fn count_remote_listing(&self) {
        // Release: see `unstarted`.
        self.shared.deferred_listed.fetch_add(1, Release);
    }

    /// Tasks spawned with their listing deferred that are neither listed
    /// nor completed: not through their first poll yet (queued, or in it).
    /// Approximate while tasks are spawned and run, exact when the runtime
    /// is quiet.
    pub(crate) fn unstarted(&self) -> u64 {
        // The ends (listed, or completed unlisted) are read before the
        // starts, with Acquire: each pairs with the Release of a count's
        // increment, so a task counted as ended here was counted as started
        // before (its start is counted before it is queued, its end after
        // it is taken from the queue) and the loads below see that start;
        // and a task counted as listed is in the list for a look at it
        // after this one (`OwnedTasks::wait_empty`). So the difference
        // misses no task that had started before this call and not ended
        // when its ends were read; a spawn racing this call may be missed
        // by it. The starts are Relaxed: statistics, ordered by the above.
        let ended: u64 = self
            .workers
            .iter()
            .map(|w| w.listed_deferred.get_acquire() + w.released_deferred.get_acquire())
            .sum::<u64>()
            + self.shared.deferred_released.load(Acquire)
            + self.shared.deferred_listed.load(Acquire);
        let started: u64 = self
            .workers
            .iter()
            .map(|w| w.deferred_spawned.get())
            .sum::<u64>()
            + self.shared.deferred_spawns.load(Relaxed);
        started.saturating_sub(ended)
    }

    /// A task completed outside the workers, or one the shutdown's last
    /// pass took off the list (`Shared::finish_shutdown`).
    pub(crate) fn count_remote_completion(&self) {
        // Relaxed: a statistic.
        self.shared.remote_completions.fetch_add(1, Relaxed);
    }

    /// A blocking closure was accepted by the pool.
    pub(crate) fn count_blocking_spawn(&self) {
        // Relaxed: a statistic.
        self.shared.blocking_spawns.fetch_add(1, Relaxed);
    }

    /// A blocking task completed.
    pub(crate) fn count_blocking_completion(&self) {
        // Relaxed: a statistic.
        self.shared.blocking_completions.fetch_add(1, Relaxed);
    }
}

/// One worker's counters, in a [`RuntimeMetrics`] snapshot. All counts are
/// totals since the runtime started.
///
/// # Examples
///
/// Utilization of each worker over one interval, from two snapshots:
///
/// ```
/// use std::time::Instant;
///
/// let rt = runtime::Builder::new().worker_threads(2).build().unwrap();
/// let (before, start) = (rt.handle().metrics(), Instant::now());
/// rt.block_on(rt.spawn(async { (0..1000u64).sum::<u64>() })).unwrap();
/// let (after, wall) = (rt.handle().metrics(), start.elapsed());
/// for (i, (a, b)) in after.workers.iter().zip(&before.workers).enumerate() {
///     let busy = a.busy.saturating_sub(b.busy);
///     println!("worker {i}: {} polls, {:.0}% busy", a.polls - b.polls,
///         100.0 * busy.as_secs_f64() / wall.as_secs_f64());
/// }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct WorkerMetrics {
    /// Task polls on this worker.
    pub polls: u64,
    /// Tasks spawned from this worker (by tasks running on it).
    pub spawned: u64,
    /// Tasks that completed on this worker.
    pub completed: u64,
    /// Successful steals from other workers' queues.
    pub steal_operations: u64,
    /// Tasks those steals took (a steal takes half the victim's queue).
    pub stolen_tasks: u64,
    /// Times the worker ran out of work and went to park.
    pub parks: u64,
    /// Polls longer than the slow-poll threshold (zero when it is unset).
    pub slow_polls: u64,
    /// Time spent awake (between unparking and parking), polling or
    /// searching for work. Compare with wall time for the utilization.
    pub busy: Duration,
    /// Tasks in the worker's local queue now (not counting its one-task
    /// LIFO slot).
    pub local_queue_depth: usize,
}

/// A snapshot of a runtime's counters, from
/// [`Handle::metrics`](crate::Handle::metrics).
///
/// Each value is read on its own (relaxed loads, short locks), so the
/// snapshot is not atomic: while tasks run, `spawned_tasks ==
/// completed_tasks + live_tasks` may be off by the tasks in flight. It holds
/// exactly when the runtime is quiet.
///
/// `Display` prints a table, one line per worker.
///
/// # Examples
///
/// ```
/// let rt = runtime::Builder::new().worker_threads(2).build().unwrap();
/// rt.block_on(async {
///     let tasks: Vec<_> = (0..10).map(|i| runtime::spawn(async move { i })).collect();
///     for t in tasks {
///         t.await.unwrap();
///     }
/// });
/// let m = rt.handle().metrics();
/// assert_eq!(m.num_workers(), 2);
/// assert_eq!(m.spawned_tasks, 10);
/// // A task is counted as completed just after its handle is woken, so
/// // the last one or two may still be in flight here.
/// assert!(m.completed_tasks <= 10 && m.live_tasks <= 10);
/// assert!(m.total_polls() >= 10);
/// println!("{m}");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RuntimeMetrics {
    /// Per worker, by worker index.
    pub workers: Vec<WorkerMetrics>,
    /// Tasks spawned and not yet completed (`spawn_blocking` closures
    /// and a current-thread runtime's local tasks included): the length of
    /// the runtime's task lists, plus the tasks whose first poll has not
    /// ended yet (they join the list at its end, if it leaves them
    /// pending; see [`TaskDump::unstarted`](crate::metrics::TaskDump::unstarted)).
    pub live_tasks: usize,
    /// Tasks spawned since the runtime started (`spawn_blocking` closures
    /// and a current-thread runtime's local tasks included; a spawn refused
    /// at once because shutdown had begun is not counted; a task spawned
    /// just before, which the shutdown then completes instead of polling
    /// it, is counted, and as completed).
    pub spawned_tasks: u64,
    /// Tasks completed (with a value, a panic or a cancellation). A task
    /// that the shutdown completes itself counts from the moment the
    /// shutdown takes it off the task list: a task whose poll outlived
    /// `shutdown_timeout` counts then, although it finishes later.
    pub completed_tasks: u64,
    /// Tasks spawned from threads that are not this runtime's workers
    /// (they go through the injector).
    pub remote_spawns: u64,
    /// Tasks waiting in the injector (the queue for work from outside).
    pub injector_depth: usize,
    /// `spawn_blocking` closures spawned.
    pub blocking_spawns: u64,
    /// Blocking-pool threads alive.
    pub blocking_threads: usize,
    /// Blocking-pool threads waiting for work.
    pub blocking_idle_threads: usize,
    /// Blocking closures waiting for a thread.
    pub blocking_queue_depth: usize,
}

impl RuntimeMetrics {
    pub(crate) fn collect(shared: &Shared) -> RuntimeMetrics {
        let metrics = shared.metrics();
        let workers: Vec<WorkerMetrics> = metrics
            .workers
            .iter()
            .enumerate()
            .map(|(index, w)| WorkerMetrics {
                polls: w.polls.get(),
                spawned: w.spawned.get(),
                completed: w.completed.get(),
                steal_operations: w.steal_operations.get(),
                stolen_tasks: w.stolen.get(),
                parks: w.parks.get(),
                slow_polls: w.slow_polls.get(),
                busy: w.busy(metrics.epoch),
                local_queue_depth: shared.local_queue_depth(index),
            })
            .collect();
        let c = &metrics.shared;
        // Relaxed (all four): statistics, see `Metrics`.
        let remote_spawns = c.remote_spawns.load(Relaxed);
        let blocking_spawns = c.blocking_spawns.load(Relaxed);
        let completed_elsewhere =
            c.remote_completions.load(Relaxed) + c.blocking_completions.load(Relaxed);
        // A current-thread runtime's local tasks, counted by its set.
        let (local_spawns, local_completions) = shared.local_task_counts();
        let spawned_tasks = workers.iter().map(|w| w.spawned).sum::<u64>()
            + remote_spawns
            + blocking_spawns
            + local_spawns;
        let completed_tasks = workers.iter().map(|w| w.completed).sum::<u64>()
            + completed_elsewhere
            + local_completions;
        let blocking = shared.blocking().stats();
        RuntimeMetrics {
            workers,
            live_tasks: shared.num_tasks(),
            spawned_tasks,
            completed_tasks,
            remote_spawns,
            injector_depth: shared.injector_depth(),
            blocking_spawns,
            blocking_threads: blocking.threads,
            blocking_idle_threads: blocking.idle,
            blocking_queue_depth: blocking.queued,
        }
    }

    /// Number of worker threads.
    pub fn num_workers(&self) -> usize {
        self.workers.len()
    }

    /// Polls on all workers.
    pub fn total_polls(&self) -> u64 {
        self.workers.iter().map(|w| w.polls).sum()
    }

    /// Slow polls on all workers.
    pub fn total_slow_polls(&self) -> u64 {
        self.workers.iter().map(|w| w.slow_polls).sum()
    }

    /// Tasks stolen between workers.
    pub fn total_stolen_tasks(&self) -> u64 {
        self.workers.iter().map(|w| w.stolen_tasks).sum()
    }

    /// Tasks in all workers' local queues.
    pub fn total_local_queue_depth(&self) -> usize {
        self.workers.iter().map(|w| w.local_queue_depth).sum()
    }
}

impl fmt::Display for RuntimeMetrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "tasks: {} live, {} spawned ({} from outside, {} blocking), {} completed; \
             injector: {}; blocking pool: {} threads ({} idle), {} queued",
            self.live_tasks,
            self.spawned_tasks,
            self.remote_spawns,
            self.blocking_spawns,
            self.completed_tasks,
            self.injector_depth,
            self.blocking_threads,
            self.blocking_idle_threads,
            self.blocking_queue_depth,
        )?;
        writeln!(
            f,
            "{:>6} {:>10} {:>9} {:>9} {:>7} {:>8} {:>7} {:>5} {:>6} {:>10}",
            "worker",
            "polls",
            "spawned",
            "completed",
            "steals",
            "stolen",
            "parks",
            "slow",
            "queue",
            "busy"
        )?;
        for (i, w) in self.workers.iter().enumerate() {
            writeln!(
                f,
                "{:>6} {:>10} {:>9} {:>9} {:>7} {:>8} {:>7} {:>5} {:>6} {:>10}",
                i,
                w.polls,
                w.spawned,
                w.completed,
                w.steal_operations,
                w.stolen_tasks,
                w.parks,
                w.slow_polls,
                w.local_queue_depth,
                format!("{:.1?}", w.busy),
            )?;
        }
        Ok(())
    }
}

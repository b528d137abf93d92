//! Per-worker counters: what one worker thread did, written by that thread
//! alone and read by [`Handle::metrics`](crate::Handle::metrics).
//!
//! # Cost
//!
//! Each worker's counters sit on their own cache line
//! ([`CachePadded`](crossbeam_utils::CachePadded)), and only the owning
//! worker writes them, with a `Relaxed` load and a `Relaxed` store: no
//! read-modify-write, no lock, no cache line shared with another writer.
//! On x86-64 and AArch64 an increment compiles to a plain load, add and
//! store. A reader on another thread may see a value a few increments old,
//! never a torn one.
//!
//! The atomics are `std`'s, not `crate::loom`'s: they publish nothing
//! (no other memory is read through them), so the loom models have nothing
//! to check in them; but for the counts of deferred listings, whose
//! Release / Acquire pair orders a shutdown's count of unstarted tasks
//! against the task list (`Metrics::unstarted`).

use super::Metrics;
use std::cell::Cell;
use std::ptr;
use std::sync::atomic::{
    AtomicU64,
    Ordering::{Acquire, Relaxed, Release},
};
use std::time::{Duration, Instant};

/// A counter with a single writer.
#[derive(Debug, Default)]
pub(crate) struct Counter(AtomicU64);

impl Counter {
    /// Adds one. Only the counter's owning thread may call this.
    #[inline]
    pub(crate) fn incr(&self) {
        self.add(1);
    }

    /// Adds `n`. Only the counter's owning thread may call this.
    #[inline]
    pub(crate) fn add(&self, n: u64) {
        // Relaxed: one writer, so load + store loses no increment; readers
        // only need some recent value, nothing is published through it.
        self.0.store(self.0.load(Relaxed).wrapping_add(n), Relaxed);
    }

    /// The current value (from any thread).
    pub(crate) fn get(&self) -> u64 {
        self.0.load(Relaxed)
    }

    /// `incr` that publishes what this thread did before it to a reader
    /// that sees the new value through `get_acquire`. Only the counter's
    /// owning thread may call this.
    #[inline]
    pub(crate) fn incr_release(&self) {
        // Release: pairs with the Acquire of `get_acquire` (a plain store
        // on x86-64).
        self.0.store(self.0.load(Relaxed).wrapping_add(1), Release);
    }

    /// `get`, seeing what the writer did before the `incr_release` whose
    /// value (or a later one) it reads.
    pub(crate) fn get_acquire(&self) -> u64 {
        // Acquire: pairs with the Release of `incr_release`.
        self.0.load(Acquire)
    }
}

/// `busy_since` while the worker is parked.
const PARKED: u64 = u64::MAX;

/// The counters of one worker. Written only by that worker's thread.
#[derive(Debug)]
pub(crate) struct WorkerCounters {
    /// Task polls (LIFO-slot polls included).
    pub(crate) polls: Counter,
    /// Tasks spawned from this worker (they start in its LIFO slot).
    pub(crate) spawned: Counter,
    /// Tasks that completed on this worker.
    pub(crate) completed: Counter,
    /// Of `spawned`, the tasks whose listing was deferred to the end of
    /// their first poll (`task::list::DEFERRED`): the untracked ones.
    pub(crate) deferred_spawned: Counter,
    /// Deferred tasks (spawned here, elsewhere or from outside) that this
    /// worker listed when their first poll left them pending.
    pub(crate) listed_deferred: Counter,
    /// Deferred tasks that completed on this worker without ever being
    /// listed (most: in their first poll).
    pub(crate) released_deferred: Counter,
    /// Successful steals from other workers' queues.
    pub(crate) steal_operations: Counter,
    /// Tasks taken by those steals.
    pub(crate) stolen: Counter,
    /// Times the worker ran out of work and parked.
    pub(crate) parks: Counter,
    /// Polls longer than `Builder::slow_poll_threshold`.
    pub(crate) slow_polls: Counter,
    /// Time spent unparked, in nanoseconds, up to the last park.
    busy_ns: Counter,
    /// When the worker last unparked (nanoseconds since the runtime's
    /// epoch), or `PARKED`.
    busy_since: AtomicU64,
}

impl WorkerCounters {
    pub(crate) fn new() -> WorkerCounters {
        WorkerCounters {
            polls: Counter::default(),
            spawned: Counter::default(),
            completed: Counter::default(),
            deferred_spawned: Counter::default(),
            listed_deferred: Counter::default(),
            released_deferred: Counter::default(),
            steal_operations: Counter::default(),
            stolen: Counter::default(),
            parks: Counter::default(),
            slow_polls: Counter::default(),
            busy_ns: Counter::default(),
            busy_since: AtomicU64::new(PARKED),
        }
    }

    /// The worker starts (or wakes up): busy from `epoch.elapsed()` on.
    /// One clock reading.
    pub(crate) fn unparked(&self, epoch: Instant) {
        // Relaxed: single writer; see the module docs.
        self.busy_since.store(nanos(epoch.elapsed()), Relaxed);
    }

    /// The worker goes to sleep (or exits): the time since it unparked is
    /// added to its busy time. One clock reading.
    pub(crate) fn parked(&self, epoch: Instant) {
        let now = nanos(epoch.elapsed());
        // Relaxed: single writer; see the module docs.
        let since = self.busy_since.load(Relaxed);
        if since == PARKED {
            return;
        }
        // Relaxed: as above. The order of the two stores is not observable
        // reliably anyway; a reader racing with them may count this last
        // stretch twice or not at all (see `busy`).
        self.busy_since.store(PARKED, Relaxed);
        self.busy_ns.add(now.saturating_sub(since));
    }

    /// Busy time so far, including the current stretch if the worker is
    /// awake. Approximate while the worker parks or unparks concurrently.
    pub(crate) fn busy(&self, epoch: Instant) -> Duration {
        let mut ns = self.busy_ns.get();
        // Relaxed: a snapshot; see `parked`.
        let since = self.busy_since.load(Relaxed);
        if since != PARKED {
            ns += nanos(epoch.elapsed()).saturating_sub(since);
        }
        Duration::from_nanos(ns)
    }
}

/// The runtime (its `Metrics`) and the counters of the worker running on
/// this thread; null off the workers. A field of the thread's context
/// (`crate::context`: plain `Cell`s, `const` initializer, no destructor):
/// reading it is one thread-pointer-relative load, so the completion path
/// can afford it.
#[inline]
fn slot<R>(f: impl FnOnce(&Cell<(*const Metrics, *const WorkerCounters)>) -> R) -> R {
    crate::context::with(|cx| f(&cx.counters))
}

/// Makes `counters` (of `metrics`' runtime) this thread's worker counters
/// until dropped. The worker loop holds it while it runs.
pub(crate) struct EnterGuard {
    prev: (*const Metrics, *const WorkerCounters),
}

/// Called by a worker thread as it starts running.
pub(crate) fn enter(metrics: &Metrics, counters: &WorkerCounters) -> EnterGuard {
    let prev = slot(|c| c.replace((metrics, counters)));
    EnterGuard { prev }
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        slot(|c| c.set(self.prev));
    }
}

/// The counters of the worker on this thread, if it is one of `metrics`'
/// runtime's workers.
#[inline]
pub(crate) fn current(metrics: &Metrics) -> Option<&WorkerCounters> {
    let (owner, counters) = slot(Cell::get);
    if !ptr::eq(owner, metrics) {
        return None;
    }
    // SAFETY: `enter` stored a pointer to counters owned by `*owner`, and
    // the guard clears it before the worker (which keeps that runtime
    // alive) returns. `owner` is `metrics`, borrowed for the returned
    // lifetime, so the counters outlive the reference.
    Some(unsafe { &*counters })
}

/// Runs `f` on the counters of the worker on this thread, whatever its
/// runtime; does nothing off the workers.
pub(crate) fn with_any(f: impl FnOnce(&WorkerCounters)) {
    let (_, counters) = slot(Cell::get);
    if counters.is_null() {
        return;
    }
    // SAFETY: set by `enter` and cleared by its guard before the worker
    // loop (which keeps its runtime, owner of the counters, alive) ends;
    // the reference does not escape `f`, which runs within that loop.
    f(unsafe { &*counters });
}

/// Nanoseconds in a `Duration`, saturating (after 584 years).
pub(crate) fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX - 1)
}

#[cfg(all(test, not(runtime_loom)))]
mod tests {
    use super::*;

    #[test]
    fn counter_adds() {
        let c = Counter::default();
        c.incr();
        c.add(41);
        assert_eq!(c.get(), 42);
    }

    #[test]
    fn busy_time_counts_only_unparked_stretches() {
        let epoch = Instant::now();
        let w = WorkerCounters::new();
        assert_eq!(w.busy(epoch), Duration::ZERO, "never unparked");
        w.parked(epoch); // parking while parked changes nothing
        assert_eq!(w.busy(epoch), Duration::ZERO);
        w.unparked(epoch);
        let before = Instant::now();
        while before.elapsed() < Duration::from_millis(2) {}
        w.parked(epoch);
        let busy = w.busy(epoch);
        assert!(busy >= Duration::from_millis(2), "{busy:?}");
        assert!(busy <= epoch.elapsed());
        // Parked: the busy time stands still.
        assert_eq!(w.busy(epoch), busy);
    }
}

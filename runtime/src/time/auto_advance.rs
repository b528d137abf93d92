//! The paused clock's auto-advance: knowing that every participant of the
//! runtime is idle, so that the clock may jump to the next timer.
//!
//! The participants, and what "idle" means for each:
//!
//! * Workers: parked. `Idle` counts the unparked ones, and a notifier
//!   counts the worker it wakes as unparked *before* that worker runs, so a
//!   task handed to a worker is always covered.
//! * `block_on` threads of this runtime: not polling and not woken. Counted
//!   in `Driver::blockers` through the waker [`BlockOnActivity`] gives
//!   them, which counts the thread busy before unparking it.
//! * The blocking pool: nothing queued, nothing running.
//! * The run queues: empty (a task can sit there for a moment with no
//!   worker counted for it: between the last searcher parking and its
//!   final check of the queues).
//!
//! The check is sound because every participant makes the next one busy
//! (pushes a task and notifies a worker, wakes a `block_on` thread, queues
//! a blocking closure) before it goes idle itself: the counts never all
//! read zero while work started inside the runtime is in flight. Work that
//! arrives from outside (a plain thread spawning a task or waking a waker)
//! races with the check like any outside event.
//!
//! All of this only runs for runtimes built with `start_paused(true)`; the
//! others never pay for it.

use super::driver::Driver;
use crate::loom::{Arc, AtomicUsize, Ordering};
use crate::scheduler::park::{Parker, Unparker};
use crate::scheduler::Shared;
use std::task::{Wake, Waker};

impl Driver {
    /// True if no participant is busy (see the module docs). Called under
    /// the timer lock.
    pub(super) fn all_idle(&self, shared: &Shared) -> bool {
        let quiet = || {
            shared.idle.num_unparked() == 0
                // SeqCst: in the same total order as the counting RMWs of
                // `BlockOnActivity` and its waker.
                && self.blockers.load(Ordering::SeqCst) == 0
                && shared.blocking.is_idle()
        };
        let queued =
            || !shared.injector.is_empty() || shared.remotes.iter().any(|r| !r.stealer.is_empty());
        // Counts, queues, counts again: a task taken from a queue between
        // the first two looks has a worker counted by the third.
        quiet() && !queued() && quiet()
    }

    /// A participant other than a worker (a `block_on` thread, the blocking
    /// pool) went idle: if it was the last one and the paused clock has a
    /// timer to jump to, nudge a parked worker, which re-checks in
    /// `before_park` and does the jump.
    pub(crate) fn on_idle(&self, shared: &Shared) {
        if !self.clock().is_pausable() || !self.clock().is_paused() {
            return;
        }
        // No lock: the nudged worker decides again under it.
        if self.has_timers() && self.all_idle(shared) {
            if let Some(worker) = shared.idle.peek_sleeper() {
                shared.remotes[worker].unparker.unpark();
            }
        }
    }
}

const ACTIVE: usize = 0;
/// Woken while polling: poll again instead of parking.
const NOTIFIED: usize = 1;
const IDLE: usize = 2;
/// `block_on` returned; wake-ups no longer count.
const DONE: usize = 3;

/// The state behind a tracked `block_on` waker.
struct Tracker {
    state: AtomicUsize,
    blockers: Arc<AtomicUsize>,
    unparker: Unparker,
}

impl Tracker {
    /// Moves IDLE to ACTIVE, counting the thread first so that it is never
    /// ACTIVE and uncounted. Returns the state found if that was not IDLE.
    fn activate(&self) -> Result<(), usize> {
        // SeqCst on the count and the state: one total order with
        // `all_idle`'s loads and the `Idle` transitions.
        self.blockers.fetch_add(1, Ordering::SeqCst);
        match self
            .state
            .compare_exchange(IDLE, ACTIVE, Ordering::SeqCst, Ordering::SeqCst)
        {
            Ok(_) => Ok(()),
            Err(actual) => {
                self.blockers.fetch_sub(1, Ordering::SeqCst);
                Err(actual)
            }
        }
    }
}

impl Wake for Tracker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        loop {
            // SeqCst: see `activate`.
            match self.state.load(Ordering::SeqCst) {
                ACTIVE => {
                    if self
                        .state
                        .compare_exchange(ACTIVE, NOTIFIED, Ordering::SeqCst, Ordering::SeqCst)
                        .is_ok()
                    {
                        break;
                    }
                }
                IDLE => {
                    if self.activate().is_ok() {
                        break;
                    }
                }
                _ => break,
            }
        }
        self.unparker.unpark();
    }
}

/// A `block_on` thread's participation in a pausable runtime: its waker,
/// and its parking, which count the thread busy or idle.
pub(crate) struct BlockOnActivity {
    tracker: Arc<Tracker>,
    waker: Waker,
}

impl BlockOnActivity {
    /// Starts tracking this thread (busy) if `shared`'s clock is pausable;
    /// `None` otherwise.
    pub(crate) fn new(shared: &Shared, unparker: Unparker) -> Option<BlockOnActivity> {
        if !shared.time.clock().is_pausable() {
            return None;
        }
        let blockers = shared.time.blockers.clone();
        // SeqCst: see `Tracker::activate`.
        blockers.fetch_add(1, Ordering::SeqCst);
        let tracker = Arc::new(Tracker {
            state: AtomicUsize::new(ACTIVE),
            blockers,
            unparker,
        });
        let waker = Waker::from(tracker.clone());
        Some(BlockOnActivity { tracker, waker })
    }

    /// The waker to poll the `block_on` future with.
    pub(crate) fn waker(&self) -> &Waker {
        &self.waker
    }

    /// After a `Pending` poll: goes idle (which may let the clock advance)
    /// and parks until woken, then counts the thread busy again.
    pub(crate) fn park(&self, shared: &Shared, parker: &Parker) {
        let tracker = &*self.tracker;
        // SeqCst: see `Tracker::activate`.
        match tracker
            .state
            .compare_exchange(ACTIVE, IDLE, Ordering::SeqCst, Ordering::SeqCst)
        {
            Ok(_) => {
                tracker.blockers.fetch_sub(1, Ordering::SeqCst);
                shared.time.on_idle(shared);
                parker.park();
                // Our waker already made us ACTIVE; any other unpark of
                // this thread's parker did not, so count ourselves.
                let _ = tracker.activate();
            }
            Err(_) => {
                // NOTIFIED: woken during the poll. Still counted; poll
                // again without parking (the wake-up's token may already
                // have been taken by the last park, as tokens coalesce; if
                // not, it only makes a later park return early).
                tracker.state.store(ACTIVE, Ordering::SeqCst);
            }
        }
    }
}

impl Drop for BlockOnActivity {
    fn drop(&mut self) {
        // SeqCst: see `Tracker::activate`.
        let prev = self.tracker.state.swap(DONE, Ordering::SeqCst);
        if prev == ACTIVE || prev == NOTIFIED {
            self.tracker.blockers.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

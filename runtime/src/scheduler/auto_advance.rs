//! The paused clock's auto-advance: knowing that every participant of the
//! runtime is idle, so that the clock may jump to the next timer.
//!
//! The participants, and what "idle" means for each:
//!
//! * Workers: parked. `Idle` counts the unparked ones, and a notifier
//!   counts the worker it wakes as unparked *before* that worker runs, so a
//!   task handed to a worker is always covered.
//! * `block_on` threads of this runtime: not polling and not woken. Counted
//!   in the clock's [`Activity`] through the waker [`BlockOnActivity`]
//!   gives them, which counts the thread busy before unparking it.
//! * The blocking pool: nothing queued, nothing running; the pool counts
//!   its closures in the same [`Activity`] (busy from push to end of run).
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
//! others never pay for it. The scheduler decides (`all_idle`, asked by
//! the time driver under its lock as `may_advance`); the time driver does
//! the jump.

use super::park::{Parker, Unparker};
use super::Shared;
use crate::driver::time::clock::Activity;
use crate::loom::{Arc, AtomicUsize, Ordering};
use std::task::{Wake, Waker};

impl Shared {
    /// True if no participant is busy (see the module docs): the time
    /// driver's `may_advance`, asked under its lock.
    pub(super) fn all_idle(&self) -> bool {
        let activity = self.time.clock().activity();
        // Both loads SeqCst (`num_unparked`, `Activity::is_idle`): in the
        // same total order as the counting RMWs of `Idle` and `Activity`.
        let quiet = || self.idle.num_unparked() == 0 && activity.is_idle();
        let queued =
            || !self.injector.is_empty() || self.remotes.iter().any(|r| !r.stealer.is_empty());
        // Counts, queues, counts again: a task taken from a queue between
        // the first two looks has a worker counted by the third.
        quiet() && !queued() && quiet()
    }

    /// True if the paused clock has a timer to jump to and everyone is
    /// idle (no lock: the holder of the driver stack decides again under
    /// the timer lock, `time::Driver::before_park`).
    fn may_jump(&self) -> bool {
        let clock = self.time.clock();
        clock.is_pausable() && clock.is_paused() && self.time.has_timers() && self.all_idle()
    }

    /// A participant other than a worker (the last `block_on` thread or
    /// blocking closure) went idle: if the clock may jump, nudge a parked
    /// worker, which re-checks and jumps (holding the driver stack) or
    /// wakes the holder (`on_worker_idle`).
    pub(crate) fn on_idle(&self) {
        if self.may_jump() {
            if let Some(worker) = self.idle.peek_sleeper() {
                self.remotes[worker].unparker.unpark();
            }
        }
    }

    /// A worker that could not take the driver stack is about to sleep: if
    /// it was the last to go idle and the clock may jump, it wakes the
    /// holder, which alone jumps (after a look at the sockets).
    pub(super) fn on_worker_idle(&self) {
        if self.may_jump() {
            self.unpark_holder();
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
    activity: Arc<Activity>,
    unparker: Unparker,
}

impl Tracker {
    /// Moves IDLE to ACTIVE, counting the thread first so that it is never
    /// ACTIVE and uncounted. Returns the state found if that was not IDLE.
    fn activate(&self) -> Result<(), usize> {
        // SeqCst on the state (the count's are, see `Activity`): one total
        // order with `all_idle`'s loads and the `Idle` transitions.
        self.activity.busy();
        match self
            .state
            .compare_exchange(IDLE, ACTIVE, Ordering::SeqCst, Ordering::SeqCst)
        {
            Ok(_) => Ok(()),
            Err(actual) => {
                // Never the last busy one in a way that matters: this
                // thread is busy (polling) or done, not idle.
                let _ = self.activity.idle();
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
        let clock = shared.time.clock();
        if !clock.is_pausable() {
            return None;
        }
        let activity = clock.activity().clone();
        activity.busy();
        let tracker = Arc::new(Tracker {
            state: AtomicUsize::new(ACTIVE),
            activity,
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
                if tracker.activity.idle() {
                    shared.on_idle();
                }
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
            // Returning is not going idle: no auto-advance check (the
            // caller goes on running; it will park or exit the runtime).
            let _ = self.tracker.activity.idle();
        }
    }
}

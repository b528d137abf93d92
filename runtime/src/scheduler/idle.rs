//! Which workers sleep, and how many search for work.
//!
//! Rules (as in Tokio's scheduler, which they come from):
//!
//! * A push wakes at most one sleeping worker, and only if no worker is
//!   searching already: a searcher will find the new task, and if it is the
//!   last searcher to stop searching it wakes the next one (so work is never
//!   left with nobody looking, and a burst of pushes wakes workers one at a
//!   time instead of all at once).
//! * At most half the workers search at once, so stealing does not turn
//!   into a contention storm.
//! * A worker parks only after announcing it (`transition_worker_to_parked`);
//!   if it was the last searcher it checks every queue once more and wakes a
//!   worker if it finds work. The announcement and the pusher's check are
//!   read-modify-writes of the same atomic, so one of them always sees the
//!   other: no wake-up is lost.

use crate::loom::{AtomicUsize, Mutex, Ordering};

/// `state` packs the number of searching workers (low bits) and of
/// unparked workers (high bits).
const UNPARKED_SHIFT: usize = 16;
const SEARCHING_MASK: usize = (1 << UNPARKED_SHIFT) - 1;
const UNPARKED_ONE: usize = 1 << UNPARKED_SHIFT;

pub(crate) struct Idle {
    state: AtomicUsize,
    /// Indices of parked workers.
    sleepers: Mutex<Vec<usize>>,
    num_workers: usize,
}

fn searching(state: usize) -> usize {
    state & SEARCHING_MASK
}

fn unparked(state: usize) -> usize {
    state >> UNPARKED_SHIFT
}

impl Idle {
    pub(crate) fn new(num_workers: usize) -> Idle {
        assert!(num_workers < SEARCHING_MASK, "too many worker threads");
        Idle {
            state: AtomicUsize::new(num_workers * UNPARKED_ONE),
            sleepers: Mutex::new(Vec::with_capacity(num_workers)),
            num_workers,
        }
    }

    /// Called after pushing work: returns the worker to wake, if one should
    /// be woken. The woken worker is counted as unparked and searching.
    pub(crate) fn worker_to_notify(&self) -> Option<usize> {
        if !self.notify_should_wakeup() {
            return None;
        }
        let mut sleepers = self.sleepers.lock();
        // Re-check under the lock: another pusher may have woken one.
        if !self.notify_should_wakeup() {
            return None;
        }
        let worker = sleepers.pop()?;
        // SeqCst: part of the same total order as the checks above and the
        // parking worker's decrement.
        self.state.fetch_add(UNPARKED_ONE | 1, Ordering::SeqCst);
        Some(worker)
    }

    fn notify_should_wakeup(&self) -> bool {
        // A read-modify-write, not a load: it reads the latest value in the
        // modification order and synchronizes with the parking worker's
        // `fetch_sub` (SeqCst RMWs on one atomic are totally ordered), so
        // either we see that worker parked, or it sees our pushed task.
        let state = self.state.fetch_add(0, Ordering::SeqCst);
        searching(state) == 0 && unparked(state) < self.num_workers
    }

    /// A worker with nothing to do is about to park. Returns true if it was
    /// the last searching worker: it must then re-check every queue.
    pub(crate) fn transition_worker_to_parked(&self, worker: usize, is_searching: bool) -> bool {
        let mut sleepers = self.sleepers.lock();
        let dec = UNPARKED_ONE + usize::from(is_searching);
        // SeqCst: pairs with `notify_should_wakeup` (see there).
        let prev = self.state.fetch_sub(dec, Ordering::SeqCst);
        sleepers.push(worker);
        is_searching && searching(prev) == 1
    }

    /// A worker runs out of local work and wants to steal. Refused when
    /// half the workers are searching already.
    pub(crate) fn transition_worker_to_searching(&self) -> bool {
        // SeqCst: the same total order as the other transitions (a stale
        // read only makes us refuse or accept one searcher too many).
        let state = self.state.load(Ordering::SeqCst);
        if 2 * searching(state) >= self.num_workers {
            return false;
        }
        self.state.fetch_add(1, Ordering::SeqCst);
        true
    }

    /// A searching worker found work. Returns true if it was the last
    /// searcher: it must then wake another worker to keep looking.
    pub(crate) fn transition_worker_from_searching(&self) -> bool {
        // SeqCst: pairs with `notify_should_wakeup` as the parked transition.
        let prev = self.state.fetch_sub(1, Ordering::SeqCst);
        debug_assert!(searching(prev) > 0);
        searching(prev) == 1
    }

    /// After waking: was this worker notified (taken off the sleepers), or
    /// is it a spurious wake-up?
    pub(crate) fn is_parked(&self, worker: usize) -> bool {
        self.sleepers.lock().contains(&worker)
    }

    /// A parked worker leaves the parked state on its own, without being
    /// notified (its wait in the driver stack ended, or a timer is due). Returns false if a
    /// notifier took it off the sleepers first: it is then already counted
    /// as unparked and searching.
    pub(crate) fn unpark_self(&self, worker: usize) -> bool {
        let mut sleepers = self.sleepers.lock();
        let Some(pos) = sleepers.iter().position(|&w| w == worker) else {
            return false;
        };
        sleepers.remove(pos);
        // SeqCst: the same total order as the other transitions; a pusher
        // that sees us unparked may rely on us (as on any unparked worker)
        // to find its task or pass it on.
        self.state.fetch_add(UNPARKED_ONE, Ordering::SeqCst);
        true
    }

    /// A parked worker to nudge (unpark without notifying: it wakes, finds
    /// itself still parked, re-checks the timers and sleeps again), if any.
    pub(crate) fn peek_sleeper(&self) -> Option<usize> {
        // SeqCst: pairs with `transition_worker_to_parked`'s decrement,
        // which a parking worker makes together with joining the sleepers
        // (under their lock). "All unparked" thus means no sleeper yet, and
        // a worker that parks after this load looks at the timers only
        // afterwards (`driver::time::Driver::before_park`), so it sees what
        // our caller registered before calling this.
        if unparked(self.state.load(Ordering::SeqCst)) == self.num_workers {
            return None;
        }
        self.sleepers.lock().last().copied()
    }

    /// Number of workers not parked: running, searching, or notified and
    /// about to run (the paused clock only advances when this is zero).
    pub(crate) fn num_unparked(&self) -> usize {
        // SeqCst: read in the same total order as the transitions.
        unparked(self.state.load(Ordering::SeqCst))
    }

    /// Number of parked workers.
    #[allow(dead_code)] // used by metrics and tests
    pub(crate) fn num_parked(&self) -> usize {
        self.sleepers.lock().len()
    }
}

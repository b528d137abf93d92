//! One timer's state, shared between its owner (a `Sleep`) and the wheel,
//! so that the owner's common operations take no runtime-wide lock.
//!
//! A registered timer is a [`TimerShared`] behind an `Arc`: the owner holds
//! one reference (in its [`Key`]), the wheel another (its entry's payload)
//! until the timer fires or is removed. Its `state` word is either the
//! owner's deadline tick or [`FIRED`]:
//!
//! * **Fire** (the driver, under the wheel lock): an entry whose tick came
//!   swaps `state` to `FIRED` with a compare-and-swap, unless `state`
//!   holds a later tick (the owner pushed the deadline back, below): the
//!   wheel then files the entry again at that tick. After `FIRED` the
//!   wheel has released the entry and the driver takes the waker and wakes
//!   it, outside the wheel lock.
//! * **Poll** (the owner): `state == FIRED` means done; otherwise the
//!   owner stores its waker (the entry's own small lock) and loads `state`
//!   again. The fire sets `FIRED` before it takes the waker under that
//!   lock, so either the poll sees `FIRED` or the fire sees the waker.
//! * **Push back** (the owner's `reset` to the same or a later tick): a
//!   compare-and-swap from the current tick to the new one, allowed only
//!   while `state` is not `FIRED` and not later than the new tick. The
//!   entry stays where it is filed (never later than `state`), and is
//!   filed again when that tick comes. Anything else (an earlier deadline,
//!   a fired timer) goes through the wheel lock.
//! * **Drop** (the owner): a `FIRED` timer is no longer in the wheel, so
//!   dropping it takes no lock; otherwise the owner removes it under the
//!   wheel lock, where `state` can no longer change under it (only the
//!   fire changes it besides the owner, and the fire holds that lock).
//!
//! `state` never holds a tick earlier than where the entry is filed
//! (pushing back only raises it; the wheel files it at `state`), so the
//! fire sees every pushed-back deadline in time. `FIRED` is final until
//! the owner files the timer again under the wheel lock
//! (`Driver::reset` of a fired timer).
//!
//! The loom model `driver/time/loom_timer.rs` checks the fire against a
//! concurrent poll, push back and drop, on this code.

use super::wheel;
use crate::loom::{AtomicU64, Mutex, Ordering};
use std::sync::Arc;
use std::task::Waker;

/// `state` once the timer has fired (or its runtime shut down).
pub(super) const FIRED: u64 = u64::MAX;

/// A timer's state, shared by its owner and the wheel.
pub(crate) struct TimerShared {
    /// The deadline tick, or [`FIRED`]. See the module docs.
    state: AtomicU64,
    /// The waker of the owner's last poll; taken by the fire.
    waker: Mutex<Option<Waker>>,
    /// Counts live records, for the tests' leak checks.
    #[cfg(all(test, not(runtime_loom)))]
    live: Arc<std::sync::atomic::AtomicUsize>,
}

/// A registered timer, held by its owner (the `Sleep`): the shared state,
/// and the entry's key in the wheel (valid while the state is not
/// [`FIRED`]; only read or changed under the wheel lock).
pub(crate) struct Key {
    pub(super) shared: Arc<TimerShared>,
    pub(super) entry: wheel::Key,
}

/// What [`TimerShared::push_back`] did.
pub(super) enum PushBack {
    /// The deadline moved; the entry is filed again when its old tick
    /// comes.
    Done,
    /// Not possible without the wheel lock: the timer fired, or the new
    /// tick is earlier than the current one.
    NeedsLock,
}

impl TimerShared {
    /// A timer due at `tick`, waking `waker`.
    pub(super) fn new(
        tick: u64,
        waker: Option<Waker>,
        #[cfg(all(test, not(runtime_loom)))] live: &Arc<std::sync::atomic::AtomicUsize>,
    ) -> TimerShared {
        debug_assert!(tick < FIRED);
        #[cfg(all(test, not(runtime_loom)))]
        live.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        TimerShared {
            state: AtomicU64::new(tick),
            waker: Mutex::new(waker),
            #[cfg(all(test, not(runtime_loom)))]
            live: live.clone(),
        }
    }

    /// True once the timer fired: its deadline has passed (the fire only
    /// happens once the clock reached the tick in `state`) and the wheel
    /// has let go of it.
    pub(crate) fn is_fired(&self) -> bool {
        // Acquire: pairs with the Release of `fire`'s compare-and-swap (and
        // of `set_fired`), so an owner that sees `FIRED` also sees the
        // wheel done with the entry.
        self.state.load(Ordering::Acquire) == FIRED
    }

    /// The owner's poll of a registered timer: true if it fired; otherwise
    /// `waker` is stored (unless the stored one wakes the same task) for
    /// the fire to wake.
    pub(super) fn poll(&self, waker: &Waker) -> bool {
        if self.is_fired() {
            return true;
        }
        {
            let mut slot = self.waker.lock();
            match &*slot {
                Some(old) if old.will_wake(waker) => {}
                _ => *slot = Some(waker.clone()),
            }
        }
        // Looked at again after the waker is stored: a fire that took the
        // waker lock before us had set `FIRED` before it (see `fire`), and
        // one after us finds our waker.
        self.is_fired()
    }

    /// The owner moves the deadline to `tick`, without the wheel lock if it
    /// is not earlier than the current one and the timer has not fired.
    pub(super) fn push_back(&self, tick: u64) -> PushBack {
        debug_assert!(tick < FIRED);
        // Relaxed: this only decides whether the compare-and-swap below may
        // be tried; it carries nothing.
        let mut cur = self.state.load(Ordering::Relaxed);
        loop {
            if cur == FIRED || tick < cur {
                return PushBack::NeedsLock;
            }
            // Relaxed: the only other writer is the fire, which decides
            // from the value it reads in its own compare-and-swap on this
            // word (a single location's modification order is all that
            // either side needs: the fire either sees the new tick and
            // files the entry again, or its `FIRED` makes this fail).
            match self
                .state
                .compare_exchange(cur, tick, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => return PushBack::Done,
                Err(actual) => cur = actual,
            }
        }
    }

    /// The wheel's question when the entry's tick `now` came: fire it (the
    /// state is now [`FIRED`]), or file it again at the later tick the
    /// owner pushed it back to. Called under the wheel lock.
    pub(super) fn fire(&self, now: u64) -> wheel::Expired {
        let mut cur = self.state.load(Ordering::Relaxed);
        loop {
            debug_assert!(cur != FIRED, "a timer in the wheel has fired");
            if cur > now {
                return wheel::Expired::Refile(cur);
            }
            // Release: pairs with the Acquire load of `is_fired` (the
            // owner's poll and drop). Relaxed on failure: we only retry.
            match self
                .state
                .compare_exchange(cur, FIRED, Ordering::Release, Ordering::Relaxed)
            {
                Ok(_) => return wheel::Expired::Fire,
                Err(actual) => cur = actual,
            }
        }
    }

    /// Marks the timer fired without looking at its tick: a new deadline
    /// that has passed already (`Driver::reset`), or shutdown. Under the
    /// wheel lock, with the entry out of the wheel.
    pub(super) fn set_fired(&self) {
        // Release: pairs with `is_fired`'s Acquire load, as in `fire`.
        self.state.store(FIRED, Ordering::Release);
    }

    /// Files the timer again at `tick` (the owner, under the wheel lock, as
    /// it puts the entry back in the wheel).
    pub(super) fn set_tick(&self, tick: u64) {
        debug_assert!(tick < FIRED);
        // Relaxed: nobody else writes `state` now (the entry is out of the
        // wheel, the owner is the caller); the wheel lock publishes it to
        // the next fire.
        self.state.store(tick, Ordering::Relaxed);
    }

    /// The waker to wake, once fired (or `None` if the owner never polled
    /// or took it).
    pub(super) fn take_waker(&self) -> Option<Waker> {
        self.waker.lock().take()
    }
}

#[cfg(all(test, not(runtime_loom)))]
impl Drop for TimerShared {
    fn drop(&mut self) {
        self.live.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    }
}

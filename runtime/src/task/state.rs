//! The task state word: lifecycle flags and the reference count in one
//! `AtomicU32`, so every transition is a single atomic operation. (32 bits,
//! not a `usize`, so the header's other half-word can hold the task's
//! cancellation frames: see `raw::Header`.)
//!
//! Each transition is a method returning a `#[must_use]` outcome that tells
//! the caller what it now owns (a reference to hand to a run queue, the
//! output to drop, the join waker to wake). The protocol as a whole is
//! described in the [`task`](super) module docs.

use crate::loom::{AtomicU32, Ordering};
use std::fmt;

/// A worker is polling the future (or dropping it at shutdown).
///
/// Rules out: a second concurrent poll. Whoever sets it has exclusive
/// access to the future and the poll-only fields until it clears it.
const RUNNING: u32 = 1 << 0;

/// The task sits in a run queue, or is about to be pushed into one, and the
/// queue owns one reference for it.
///
/// Rules out: pushing it again (a wake while SCHEDULED is a no-op), so a
/// task is in at most one queue at a time. Set while RUNNING, it means
/// "woken during the poll": the poller re-queues the task once, after the
/// poll.
const SCHEDULED: u32 = 1 << 1;

/// The future has been dropped and the output (value, panic or
/// cancellation) stored. Never cleared.
///
/// Rules out: any further poll, any scheduling, and a later `cancel()`
/// changing the result.
const COMPLETE: u32 = 1 << 2;

/// `cancel()` was called. Never cleared.
///
/// Rules out: a second cancellation being delivered (a second `cancel()`
/// finds it set and does nothing).
const CANCELLED: u32 = 1 << 3;

/// A `JoinHandle` exists. Cleared when it is dropped.
///
/// While set, the output belongs to the handle once COMPLETE is set. Once
/// cleared, the completing worker drops the output itself, so a detached
/// task's output never leaks.
const JOIN_INTEREST: u32 = 1 << 4;

/// The join waker slot holds a waker that the *task side* may read.
///
/// While set, the `JoinHandle` must not touch the slot; it may only clear
/// the bit (when not COMPLETE) to regain it. While clear, the slot belongs to
/// the `JoinHandle` (or to whoever dropped it), and the task side must not
/// read it. This rules out the waker being replaced while it is woken.
const JOIN_WAKER: u32 = 1 << 5;

const STATE_MASK: u32 = RUNNING | SCHEDULED | COMPLETE | CANCELLED | JOIN_INTEREST | JOIN_WAKER;
const REF_SHIFT: u32 = STATE_MASK.count_ones();
/// One reference in the packed count (26 bits: see `ref_inc` for the
/// limit).
const REF_ONE: u32 = 1 << REF_SHIFT;

/// The most references a task may have (2^25, about 33 million): `ref_inc`
/// aborts the process beyond it, as `Arc::clone` does near `isize::MAX`.
/// Every reference is a waker, a queue entry or a handle somewhere, so
/// reaching it means wakers are being leaked.
const MAX_REFS: u32 = 1 << 25;
const _: () = assert!(MAX_REFS as u64 * REF_ONE as u64 * 2 == 1 << 32);

/// A new task: scheduled (its first run), a `JoinHandle`, and three
/// references: the handle, the run-queue entry, the runtime's task list.
const INITIAL: u32 = SCHEDULED | JOIN_INTEREST | (3 * REF_ONE);

/// The atomic state of one task.
pub(crate) struct State {
    val: AtomicU32,
}

/// A copy of the state word, with readable accessors.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Snapshot(u32);

/// What `transition_to_running` found.
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TransitionToRunning {
    /// The caller now holds RUNNING; `cancelled` says whether CANCELLED was
    /// set at that moment.
    Success { cancelled: bool },
    /// The task completed already (a forced shutdown); drop the reference.
    Complete,
}

/// What `transition_to_idle` found after a `Pending` poll.
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TransitionToIdle {
    /// Idle now; the caller's run-queue reference was released.
    Idle,
    /// Woken (or cancelled) during the poll: the caller keeps its reference
    /// and must re-queue the task.
    Notified,
}

/// What a wake or a `cancel()` requires of the caller.
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Notify {
    /// Nothing to do: already queued, running, or complete.
    DoNothing,
    /// The caller now holds a reference for a run queue and must submit it.
    Submit,
    /// The caller released the last reference and must deallocate.
    Dealloc,
}

/// What dropping the `JoinHandle` leaves the dropper to clean up.
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DropJoin {
    /// The output is stored and nobody else will take it: drop it.
    pub(crate) drop_output: bool,
    /// The waker slot belongs to the dropper: empty it.
    pub(crate) drop_waker: bool,
}

/// What `State::drop_join_handle_unlent` did.
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DropUnlent {
    /// The task was not complete: JOIN_INTEREST and the handle's reference
    /// are both gone; `last` if that was the last reference.
    Released {
        /// The caller must free the task.
        last: bool,
    },
    /// The task is complete: JOIN_INTEREST is gone, the output is the
    /// dropper's to drop, and the handle's reference is still its own.
    Complete,
}

impl State {
    pub(crate) fn new() -> State {
        State {
            val: AtomicU32::new(INITIAL),
        }
    }

    #[inline]
    pub(crate) fn load(&self) -> Snapshot {
        // Acquire: pairs with the AcqRel of `transition_to_complete`, so a
        // reader that sees COMPLETE also sees the stored output.
        Snapshot(self.val.load(Ordering::Acquire))
    }

    /// Applies `f` until the compare-exchange succeeds; `f` returns the new
    /// value and the outcome, or `None` to leave the state unchanged.
    fn fetch_update<T>(&self, mut f: impl FnMut(Snapshot) -> (Option<Snapshot>, T)) -> T {
        let mut curr = self.load();
        loop {
            let (next, out) = f(curr);
            let Some(next) = next else { return out };
            // AcqRel on success: every transition both publishes the caller's
            // prior writes (output, waker slot, future) and acquires those of
            // the previous owner; each caller names the pairing it needs.
            match self.val.compare_exchange_weak(
                curr.0,
                next.0,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return out,
                Err(actual) => curr = Snapshot(actual),
            }
        }
    }

    /// Scheduled -> running. Called by a worker that popped the task.
    ///
    /// Pairs with `transition_to_idle` / `transition_to_complete` of the
    /// previous poller: the future's memory as they left it is visible.
    #[must_use = "the outcome says what the caller must do next"]
    #[inline]
    pub(crate) fn transition_to_running(&self) -> TransitionToRunning {
        self.fetch_update(|mut s| {
            debug_assert!(s.is_scheduled(), "polled a task that was not scheduled");
            debug_assert!(!s.is_running());
            if s.is_complete() {
                return (None, TransitionToRunning::Complete);
            }
            s.0 &= !SCHEDULED;
            s.0 |= RUNNING;
            (
                Some(s),
                TransitionToRunning::Success {
                    cancelled: s.is_cancelled(),
                },
            )
        })
    }

    /// Running -> idle after a `Pending` poll. If the task was woken during
    /// the poll, it stays SCHEDULED and the caller re-queues it with the
    /// reference it holds; otherwise that reference is released.
    #[must_use = "the outcome says what the caller must do next"]
    #[inline]
    pub(crate) fn transition_to_idle(&self) -> TransitionToIdle {
        self.fetch_update(|mut s| {
            debug_assert!(s.is_running());
            s.0 &= !RUNNING;
            if s.is_scheduled() {
                (Some(s), TransitionToIdle::Notified)
            } else {
                // The task list still holds a reference until completion, so
                // this is never the last one.
                debug_assert!(s.ref_count() >= 2);
                s.0 -= REF_ONE;
                (Some(s), TransitionToIdle::Idle)
            }
        })
    }

    /// Running -> complete, after the output was stored. Returns the state
    /// from just before, which says whether a `JoinHandle` is interested and
    /// whether it registered a waker.
    ///
    /// AcqRel: Release publishes the stored output to the `JoinHandle`'s
    /// Acquire load; Acquire sees the waker it published with
    /// `set_join_waker`.
    #[must_use = "the outcome says what the caller must do next"]
    #[inline]
    pub(crate) fn transition_to_complete(&self) -> Snapshot {
        let prev = Snapshot(self.val.fetch_xor(RUNNING | COMPLETE, Ordering::AcqRel));
        debug_assert!(prev.is_running() && !prev.is_complete());
        prev
    }

    /// Claims exclusive access to a task that is neither running nor
    /// complete, to complete it without polling (forced shutdown). Returns
    /// false if it is running or complete. A running task is marked
    /// CANCELLED and SCHEDULED instead, so that a poll outliving the
    /// shutdown (a worker blocked past `shutdown_timeout`) re-queues it
    /// rather than leaving it idle and unlisted: the worker's exit then
    /// completes it (`worker::Context::run`).
    #[must_use = "true means the caller must complete the task"]
    pub(crate) fn transition_to_shutdown(&self) -> bool {
        self.fetch_update(|mut s| {
            if s.is_complete() {
                return (None, false);
            }
            if s.is_running() {
                s.0 |= CANCELLED | SCHEDULED;
                return (Some(s), false);
            }
            s.0 |= RUNNING | CANCELLED;
            (Some(s), true)
        })
    }

    /// A wake consuming a waker's reference (`Waker::wake`).
    #[must_use = "the outcome says what the caller must do next"]
    #[inline]
    pub(crate) fn transition_to_notified_by_val(&self) -> Notify {
        self.fetch_update(|mut s| {
            if s.is_running() {
                // Re-queued by the poller after the poll; our reference goes.
                s.0 |= SCHEDULED;
                debug_assert!(s.ref_count() >= 2, "the poller holds a reference");
                s.0 -= REF_ONE;
                (Some(s), Notify::DoNothing)
            } else if s.is_scheduled() || s.is_complete() {
                s.0 -= REF_ONE;
                let out = if s.ref_count() == 0 {
                    Notify::Dealloc
                } else {
                    Notify::DoNothing
                };
                (Some(s), out)
            } else {
                // Idle: our reference becomes the run queue's.
                s.0 |= SCHEDULED;
                (Some(s), Notify::Submit)
            }
        })
    }

    /// A wake keeping the waker's reference (`Waker::wake_by_ref`): takes a
    /// new reference only when the task must be queued.
    #[must_use = "the outcome says what the caller must do next"]
    #[inline]
    pub(crate) fn transition_to_notified_by_ref(&self) -> Notify {
        self.fetch_update(|mut s| {
            if s.is_complete() {
                (None, Notify::DoNothing)
            } else if s.is_scheduled() {
                // Nothing to change, but write the same value anyway: the
                // coming poll must see what the waker wrote before waking,
                // and only a release on the state word (acquired by that
                // poll's `transition_to_running`) orders it. A plain load
                // could also read a SCHEDULED that a poll already cleared,
                // and the wake-up would be lost; the CAS fails on a stale
                // value and retries on the current one. (Found by the loom
                // model `wake_by_ref_during_poll`; tokio#7622 is the same.)
                (Some(s), Notify::DoNothing)
            } else if s.is_running() {
                s.0 |= SCHEDULED;
                (Some(s), Notify::DoNothing)
            } else {
                s.0 |= SCHEDULED;
                s.0 += REF_ONE;
                (Some(s), Notify::Submit)
            }
        })
    }

    /// Sets CANCELLED and makes sure the task gets another poll to deliver
    /// it: queued if idle, re-queued after the current poll if running.
    /// A second call, or a call after completion, does nothing.
    #[must_use = "the outcome says what the caller must do next"]
    pub(crate) fn transition_to_cancelled(&self) -> Notify {
        self.fetch_update(|mut s| {
            if s.is_complete() || s.is_cancelled() {
                (None, Notify::DoNothing)
            } else if s.is_running() || s.is_scheduled() {
                s.0 |= CANCELLED | SCHEDULED;
                (Some(s), Notify::DoNothing)
            } else {
                s.0 |= CANCELLED | SCHEDULED;
                s.0 += REF_ONE;
                (Some(s), Notify::Submit)
            }
        })
    }

    /// The `JoinHandle` publishes the waker it wrote into the slot.
    /// Fails (returning the state) if the task completed meanwhile; then the
    /// slot still belongs to the handle.
    ///
    /// Release: pairs with the Acquire of `transition_to_complete`, so the
    /// completer reads a fully written waker.
    #[must_use = "the outcome says what the caller must do next"]
    pub(crate) fn set_join_waker(&self) -> Result<(), Snapshot> {
        self.fetch_update(|mut s| {
            debug_assert!(s.is_join_interested() && !s.is_join_waker_set());
            if s.is_complete() {
                return (None, Err(s));
            }
            s.0 |= JOIN_WAKER;
            (Some(s), Ok(()))
        })
    }

    /// The `JoinHandle` takes the waker slot back to replace the waker.
    /// Fails if the task completed: the completer may be reading the slot.
    #[must_use = "the outcome says what the caller must do next"]
    pub(crate) fn unset_join_waker(&self) -> Result<(), Snapshot> {
        self.fetch_update(|mut s| {
            if s.is_complete() {
                // The completer may have handed the slot back already
                // (JOIN_WAKER clear): not an invariant to assert here.
                return (None, Err(s));
            }
            debug_assert!(s.is_join_interested() && s.is_join_waker_set());
            s.0 &= !JOIN_WAKER;
            (Some(s), Ok(()))
        })
    }

    /// The completer is done with the waker slot (after waking it). Returns
    /// the previous state: if the `JoinHandle` is gone by now, the slot is
    /// the completer's to empty.
    #[must_use = "the outcome says what the caller must do next"]
    pub(crate) fn unset_join_waker_after_complete(&self) -> Snapshot {
        // AcqRel: Release hands the slot back to the JoinHandle (its
        // `drop_join_handle` Acquire); Acquire pairs with a concurrent
        // `drop_join_handle` that left the slot for us.
        let prev = Snapshot(self.val.fetch_and(!JOIN_WAKER, Ordering::AcqRel));
        debug_assert!(prev.is_complete() && prev.is_join_waker_set());
        prev
    }

    /// The `JoinHandle` is dropped while its waker slot is its own and
    /// already empty (JOIN_WAKER clear: the handle never lent a waker, or
    /// took it back): before completion, clears JOIN_INTEREST and releases
    /// the handle's reference in the same read-modify-write (nothing is
    /// left to clean up, so the task need not stay alive for the handle);
    /// after completion, clears JOIN_INTEREST only (as `drop_join_handle`).
    /// The common drop of a detached spawn's handle: one atomic operation
    /// instead of two.
    #[must_use = "the outcome says what the caller must do next"]
    #[inline]
    pub(crate) fn drop_join_handle_unlent(&self) -> DropUnlent {
        // fetch_update's AcqRel: Release orders the handle's accesses (the
        // emptied slot) before a free by another holder, as `ref_dec`;
        // Acquire lets us free the task if ours was the last reference, and
        // see the output if it is complete.
        self.fetch_update(|mut s| {
            debug_assert!(s.is_join_interested() && !s.is_join_waker_set());
            s.0 &= !JOIN_INTEREST;
            if s.is_complete() {
                (Some(s), DropUnlent::Complete)
            } else {
                let last = s.ref_count() == 1;
                s.0 -= REF_ONE;
                (Some(s), DropUnlent::Released { last })
            }
        })
    }

    /// The `JoinHandle` is dropped: clears JOIN_INTEREST (and, before
    /// completion, JOIN_WAKER) and says what the dropper must clean up. The
    /// handle's reference is released separately, after that cleanup.
    #[must_use = "the outcome says what the caller must do next"]
    pub(crate) fn drop_join_handle(&self) -> DropJoin {
        self.fetch_update(|mut s| {
            debug_assert!(s.is_join_interested());
            if s.is_complete() {
                let drop_waker = !s.is_join_waker_set();
                s.0 &= !JOIN_INTEREST;
                (
                    Some(s),
                    DropJoin {
                        drop_output: true,
                        drop_waker,
                    },
                )
            } else {
                s.0 &= !(JOIN_INTEREST | JOIN_WAKER);
                (
                    Some(s),
                    DropJoin {
                        drop_output: false,
                        drop_waker: true,
                    },
                )
            }
        })
    }

    #[inline]
    pub(crate) fn ref_inc(&self) {
        // Relaxed: a new reference is made from an existing one, which
        // already keeps the task alive (as `Arc::clone`).
        let prev = self.val.fetch_add(REF_ONE, Ordering::Relaxed);
        if prev > MAX_REFS * REF_ONE {
            // Wakers leaked in a loop; continuing would wrap the count.
            // The margin up to the word's top (as much again) absorbs the
            // increments racing this one before the abort.
            std::process::abort();
        }
    }

    /// Releases `n` references; true if they were the last ones.
    #[must_use = "the outcome says what the caller must do next"]
    #[inline]
    pub(crate) fn ref_dec(&self, n: usize) -> bool {
        // AcqRel: Release orders this holder's accesses before the free;
        // Acquire makes the deallocating thread see every other holder's
        // (as `Arc::drop`).
        // `n` is 1 or 2 (see the callers), so the product cannot overflow.
        let prev = Snapshot(self.val.fetch_sub(n as u32 * REF_ONE, Ordering::AcqRel));
        debug_assert!(prev.ref_count() >= n);
        prev.ref_count() == n
    }
}

impl Snapshot {
    pub(crate) fn is_running(self) -> bool {
        self.0 & RUNNING != 0
    }
    pub(crate) fn is_scheduled(self) -> bool {
        self.0 & SCHEDULED != 0
    }
    pub(crate) fn is_complete(self) -> bool {
        self.0 & COMPLETE != 0
    }
    pub(crate) fn is_cancelled(self) -> bool {
        self.0 & CANCELLED != 0
    }
    pub(crate) fn is_join_interested(self) -> bool {
        self.0 & JOIN_INTEREST != 0
    }
    pub(crate) fn is_join_waker_set(self) -> bool {
        self.0 & JOIN_WAKER != 0
    }
    pub(crate) fn ref_count(self) -> usize {
        (self.0 >> REF_SHIFT) as usize
    }
}

impl fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Snapshot")
            .field("running", &self.is_running())
            .field("scheduled", &self.is_scheduled())
            .field("complete", &self.is_complete())
            .field("cancelled", &self.is_cancelled())
            .field("join_interest", &self.is_join_interested())
            .field("join_waker", &self.is_join_waker_set())
            .field("refs", &self.ref_count())
            .finish()
    }
}

impl fmt::Debug for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.load().fmt(f)
    }
}

#[cfg(all(test, not(runtime_loom)))]
mod tests {
    use super::*;

    #[test]
    fn wake_during_poll_requeues_once() {
        let s = State::new();
        assert_eq!(
            s.transition_to_running(),
            TransitionToRunning::Success { cancelled: false }
        );
        assert_eq!(s.transition_to_notified_by_ref(), Notify::DoNothing);
        assert_eq!(s.transition_to_notified_by_ref(), Notify::DoNothing);
        assert_eq!(s.transition_to_idle(), TransitionToIdle::Notified);
        assert!(s.load().is_scheduled());
        assert_eq!(s.load().ref_count(), 3);
    }

    #[test]
    fn idle_wake_by_ref_takes_a_reference() {
        let s = State::new();
        let _ = s.transition_to_running();
        assert_eq!(s.transition_to_idle(), TransitionToIdle::Idle);
        assert_eq!(s.load().ref_count(), 2);
        assert_eq!(s.transition_to_notified_by_ref(), Notify::Submit);
        assert_eq!(s.load().ref_count(), 3);
        assert_eq!(s.transition_to_notified_by_ref(), Notify::DoNothing);
    }

    #[test]
    fn cancel_is_idempotent_and_ignored_after_completion() {
        let s = State::new();
        let _ = s.transition_to_running();
        assert_eq!(s.transition_to_idle(), TransitionToIdle::Idle);
        assert_eq!(s.transition_to_cancelled(), Notify::Submit);
        assert_eq!(s.transition_to_cancelled(), Notify::DoNothing);
        assert_eq!(
            s.transition_to_running(),
            TransitionToRunning::Success { cancelled: true }
        );

        let done = State::new();
        let _ = done.transition_to_running();
        let _ = done.transition_to_complete();
        assert_eq!(done.transition_to_cancelled(), Notify::DoNothing);
        assert!(!done.load().is_cancelled());
    }

    #[test]
    fn join_waker_handoff() {
        let s = State::new();
        assert_eq!(s.set_join_waker(), Ok(()));
        assert_eq!(s.unset_join_waker(), Ok(()));
        assert_eq!(s.set_join_waker(), Ok(()));
        let _ = s.transition_to_running();
        let prev = s.transition_to_complete();
        assert!(prev.is_join_waker_set() && prev.is_join_interested());
        assert!(s.unset_join_waker().is_err());
        let after = s.unset_join_waker_after_complete();
        assert!(after.is_join_interested());
        assert_eq!(
            s.drop_join_handle(),
            DropJoin {
                drop_output: true,
                drop_waker: true
            }
        );
    }
}

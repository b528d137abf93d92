//! How the scheduler owns the driver stack (`crate::driver`): who holds
//! it, whom to wake when a timer needs a thread waiting in it, and the
//! narrow handles the user-facing timers and sockets reach it through.
//!
//! One parking worker at a time holds the stack (it takes the I/O driver's
//! lock with a try-lock, `worker::Context::park`) and waits in it, the
//! time driver bounding the wait by the next timer. The holder announces
//! itself here (`set_holder`), so that a timer registered while nobody
//! waits in the time driver (`Wake::NoDriver`) wakes it, or else a parked
//! worker, which takes the stack on its way back to sleep.

use super::Shared;
use crate::driver::io::Reactor;
use crate::driver::time::{Driver as TimeDriver, Key, Wake};
use crate::loom::{Arc, AtomicUsize, Ordering};
use std::task::{Poll, Waker};
use std::time::Instant;

/// `Holder` when no worker holds the driver stack.
const NO_HOLDER: usize = usize::MAX;

/// The worker that holds the driver stack to wait in it, if any.
pub(crate) struct Holder(AtomicUsize);

impl Holder {
    pub(crate) fn new() -> Holder {
        Holder(AtomicUsize::new(NO_HOLDER))
    }
}

impl Shared {
    /// The time driver (timers, the clock).
    pub(crate) fn time(&self) -> &TimeDriver {
        &self.time
    }

    /// A handle to the I/O driver, for a socket to register with.
    pub(crate) fn io_handle(&self) -> Arc<Reactor> {
        self.io.clone()
    }

    /// Announces `worker` as the one waiting in the driver stack (`None`:
    /// nobody).
    pub(super) fn set_holder(&self, worker: Option<usize>) {
        // SeqCst: read by `nudge_driver` after a timer registration stored
        // `next_wake`; the holder announces itself before it loads
        // `next_wake` in `time::Driver::before_park` (see there).
        self.holder
            .0
            .store(worker.unwrap_or(NO_HOLDER), Ordering::SeqCst);
    }

    /// The worker waiting in the driver stack, if any.
    fn holder(&self) -> Option<usize> {
        // SeqCst: pairs with `set_holder`.
        let worker = self.holder.0.load(Ordering::SeqCst);
        (worker != NO_HOLDER).then_some(worker)
    }

    /// Timers need a thread waiting in the time driver and none does:
    /// unparks the holder (it is about to look at the timers, or sleeps
    /// without a timeout and looks again), or else a parked worker, which
    /// takes the driver stack on its way back to sleep.
    pub(super) fn nudge_driver(&self) {
        if let Some(worker) = self.holder().or_else(|| self.idle.peek_sleeper()) {
            self.remotes[worker].unparker.unpark();
        }
    }

    /// A worker stops holding the driver stack (it leaves to run tasks):
    /// nudges a parked worker, which wakes, finds itself still parked and
    /// takes the stack on its way back to sleep. So while any worker
    /// sleeps, one of them waits for the sockets and the timers.
    pub(super) fn hand_off_driver(&self) {
        self.io.clear_missed();
        if let Some(index) = self.idle.peek_sleeper() {
            self.remotes[index].unparker.unpark();
        }
    }

    /// Acts on what a timer registration asked for.
    fn on_timer_wake(&self, wake: Wake) {
        if wake == Wake::NoDriver {
            self.nudge_driver();
        }
    }

    /// `time::Driver::poll_sleep`, seeing that a thread will wait for the
    /// timer.
    #[track_caller]
    pub(crate) fn poll_sleep(
        &self,
        key: &mut Option<Key>,
        deadline: Instant,
        waker: &Waker,
    ) -> Poll<()> {
        let (poll, wake) = self.time.poll_sleep(key, deadline, waker);
        self.on_timer_wake(wake);
        poll
    }

    /// `time::Driver::reset`, seeing that a thread will wait for the timer.
    pub(crate) fn reset_sleep(&self, key: Key, deadline: Instant) -> Option<Key> {
        let (key, wake) = self.time.reset(key, deadline);
        self.on_timer_wake(wake);
        key
    }

    /// Lets the paused clock run again; timers pending then need a thread
    /// waiting in real time.
    #[track_caller]
    pub(crate) fn resume_clock(&self) {
        let wake = self.time.resume();
        self.on_timer_wake(wake);
    }
}

//! How the scheduler owns the driver stack (`crate::driver`): who holds
//! it, whom to wake when a timer needs a thread waiting in it, and the
//! narrow handles the user-facing timers and sockets reach it through.
//!
//! One parking worker at a time holds the stack (it takes the I/O driver's
//! poller with a try-lock, [`DriverLock`]; `worker::Context::park`) and
//! waits in it, the
//! time driver bounding the wait by the next timer. The holder announces
//! itself here (`set_holder`), so that a timer registered while nobody
//! waits in the time driver (`Wake::NoDriver`) wakes it, or else a parked
//! worker, which takes the stack on its way back to sleep.

use super::Shared;
use crate::driver::io::Reactor;
use crate::driver::io_stack::IoStack;
use crate::driver::time::{Driver as TimeDriver, Key, Wake};
use crate::loom::{fence, Arc, AtomicBool, AtomicUsize, Mutex, MutexGuard, Ordering};
use std::task::{Poll, Waker};
use std::time::{Duration, Instant};

/// `DriverLock::holder` when no worker holds the driver stack.
const NO_HOLDER: usize = usize::MAX;

/// The driver stack's lock: the bottom of the stack (the I/O driver's
/// poller, or the thread parker), which parking workers only ever *try* to
/// take. Whoever holds it may wait in it.
pub(crate) struct DriverLock {
    poller: Mutex<IoStack>,
    /// A parking worker found the poller taken: whoever releases it
    /// without waiting in it again (`release`) nudges a sleeper to take it.
    missed: AtomicBool,
    /// The worker waiting in the stack (`NO_HOLDER` if none).
    holder: AtomicUsize,
}

impl DriverLock {
    pub(crate) fn new(poller: IoStack) -> DriverLock {
        DriverLock {
            poller: Mutex::new(poller),
            missed: AtomicBool::new(false),
            holder: AtomicUsize::new(NO_HOLDER),
        }
    }

    /// Takes the poller, unless another thread holds it.
    fn try_acquire(&self) -> Option<MutexGuard<'_, IoStack>> {
        self.poller.try_lock()
    }

    /// A worker about to park tries to take the poller. If another thread
    /// holds it, the attempt is recorded (`missed`) and retried once, so
    /// that a thread releasing it without waiting in it either sees the
    /// record (and nudges a sleeper) or has already released it.
    pub(super) fn acquire_for_park(&self) -> Option<MutexGuard<'_, IoStack>> {
        if let Some(poller) = self.try_acquire() {
            return Some(poller);
        }
        // SeqCst store and fence: pairs with the fence and swap in
        // `release` (a store-load pattern on two locations: the flag and
        // the lock word).
        self.missed.store(true, Ordering::SeqCst);
        fence(Ordering::SeqCst);
        self.try_acquire()
    }

    /// Releases the poller without waiting in it. Returns true if a
    /// parking worker found it taken meanwhile (and so sleeps on its
    /// condition variable): the caller must nudge a sleeper to take it.
    pub(super) fn release(&self, poller: MutexGuard<'_, IoStack>) -> bool {
        drop(poller);
        // SeqCst fence and swap: pairs with `acquire_for_park`.
        fence(Ordering::SeqCst);
        self.missed.swap(false, Ordering::SeqCst)
    }

    /// Clears the `missed` record: the caller hands the poller on anyway.
    fn clear_missed(&self) {
        // Relaxed: a stale `true` only costs one extra nudge later.
        self.missed.store(false, Ordering::Relaxed);
    }
}

impl Shared {
    /// The time driver (timers, the clock).
    pub(crate) fn time(&self) -> &TimeDriver {
        &self.time
    }

    /// A handle to the I/O driver, for a socket to register with (`None`
    /// for a runtime built without I/O, which only the loom models build).
    pub(crate) fn io_handle(&self) -> Option<Arc<Reactor>> {
        self.io.clone()
    }

    /// True if a socket (or other I/O resource) is registered.
    pub(super) fn io_has_sources(&self) -> bool {
        self.io.as_ref().is_some_and(|io| io.has_sources())
    }

    /// Announces `worker` as the one waiting in the driver stack (`None`:
    /// nobody).
    pub(super) fn set_holder(&self, worker: Option<usize>) {
        // SeqCst: read by `nudge_driver` after a timer registration stored
        // `next_wake`; the holder announces itself before it loads
        // `next_wake` in `time::Driver::before_park` (see there).
        self.driver
            .holder
            .store(worker.unwrap_or(NO_HOLDER), Ordering::SeqCst);
    }

    /// The worker waiting in the driver stack, if any.
    fn holder(&self) -> Option<usize> {
        // SeqCst: pairs with `set_holder`.
        let worker = self.driver.holder.load(Ordering::SeqCst);
        (worker != NO_HOLDER).then_some(worker)
    }

    /// Unparks the worker waiting in the driver stack, if any.
    pub(super) fn unpark_holder(&self) {
        if let Some(worker) = self.holder() {
            self.remotes[worker].unparker.unpark();
        }
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

    /// A poll of the I/O driver that does not wait, for busy workers: reads
    /// what is ready and wakes its tasks, unless another thread holds the
    /// stack. Returns true if a parking worker found the stack taken
    /// meanwhile: the caller must then hand it on (`hand_off_driver`).
    pub(super) fn poll_driver_now(&self) -> bool {
        let Some(mut poller) = self.driver.try_acquire() else {
            return false;
        };
        if poller.park(Some(Duration::ZERO)) > 0 {
            poller.dispatch();
        }
        self.driver.release(poller)
    }

    /// A worker stops holding the driver stack (it leaves to run tasks):
    /// nudges a parked worker, which wakes, finds itself still parked and
    /// takes the stack on its way back to sleep. So while any worker
    /// sleeps, one of them waits for the sockets and the timers.
    pub(super) fn hand_off_driver(&self) {
        self.driver.clear_missed();
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

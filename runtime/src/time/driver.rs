//! The timer state of one runtime, and how the workers drive it.
//!
//! The [`Wheel`] lives behind one lock in the runtime's `Shared`, with the
//! runtime's [`Clock`]. Ticks are whole milliseconds since the driver was
//! created (`start`); a deadline is rounded *up* to its tick, so a timer
//! never fires before its deadline.
//!
//! # Who fires timers
//!
//! * A worker that runs out of tasks fires what is due before it parks
//!   (`process_if_due`), and so does every worker every
//!   `MAINTENANCE_INTERVAL` ticks of its loop, so timers fire even on a
//!   runtime whose workers never park. Between timers this costs one
//!   relaxed atomic load (`next_wake`); no lock.
//! * A parking worker calls [`Driver::before_park`]. If a timer is due it
//!   does not sleep at all. Otherwise the worker that holds the I/O poller
//!   (one parking worker at a time, `io::reactor`) becomes *the driver*:
//!   it waits in the poller with a timeout until the wheel's next
//!   expiration, while the other workers park without a timeout. When the
//!   timeout ends, the driver leaves the parked state on its own
//!   (`Idle::unpark_self`), fires the due timers and runs the tasks they
//!   woke.
//! * A timer registered earlier than the driver's wake-up (from any
//!   thread) unparks the driver (through the poller's `mio::Waker`), which
//!   re-computes its timeout; with no driver, it unparks the worker in the
//!   poller, or else a parked worker, which takes the poller and becomes
//!   the driver.
//! * A driver woken for work while timers are pending hands the role to
//!   another parked worker (`after_park` tells it to), so a long task on the
//!   former driver does not hold the timers up.
//!
//! Wakers are called outside the lock, in batches: a waker may do anything,
//! including dropping a `Sleep` of this runtime.
//!
//! # Paused clock
//!
//! While the clock is paused no one sleeps with a timeout; instead, when
//! every participant is idle (see `auto_advance`), the clock jumps to the
//! next expiration and a worker fires the timers. Only the worker holding
//! the I/O poller jumps, right after a zero-timeout poll found no socket
//! event waiting (`scheduler::worker::park`); another worker that finds
//! everyone idle wakes it instead.

use super::clock::Clock;
use super::wheel::{Key, Wheel};
use crate::loom::{Arc, AtomicU64, AtomicUsize, Mutex, Ordering};
use crate::scheduler::Shared;
use std::ops::DerefMut;
use std::task::{Poll, Waker};
use std::time::{Duration, Instant};

/// `next_wake` when no timer is registered.
const NO_WAKE: u64 = u64::MAX;

/// `driver_hint` when no worker is the driver.
const NO_DRIVER: usize = usize::MAX;

/// Wakers collected under the lock before it is released to call them.
const WAKE_BATCH: usize = 32;

/// Ticks are capped here, far beyond any real deadline, so tick arithmetic
/// never overflows.
const MAX_TICK: u64 = u64::MAX >> 8;

pub(crate) const SHUT_DOWN: &str = "a timer was polled after its runtime shut down, or while it \
shuts down (for example in a destructor of a task's future, which the shutdown runs after the \
workers stopped); timers are driven by their runtime's workers, so keep the `Runtime` alive (do \
not drop it or call `shutdown_timeout`) while its timers are awaited, and do not wait for a \
timer in a destructor";

/// The timer state of one runtime.
pub(crate) struct Driver {
    clock: Clock,
    /// Tick 0.
    start: Instant,
    inner: Mutex<Inner>,
    /// The wheel's next expiration tick (`NO_WAKE` if none), written under
    /// the lock, read without it by the workers' cheap "anything due?"
    /// check (a stale value only makes a check early or late by one round)
    /// and by `before_park`'s fast path.
    next_wake: AtomicU64,
    /// `Inner::driver` as a number (`NO_DRIVER` if none), written under
    /// the lock, so that `after_park` can tell without locking that its
    /// worker is not the driver.
    driver_hint: AtomicUsize,
    /// `block_on` threads currently running (or woken) for this runtime;
    /// counted only with a pausable clock (see `auto_advance`).
    pub(super) blockers: Arc<AtomicUsize>,
}

struct Inner {
    wheel: Wheel,
    /// The worker parked with a timeout for the timers, if any.
    driver: Option<usize>,
    /// The tick the driver wakes at (`NO_WAKE`: it sleeps until unparked).
    driver_until: u64,
    shutdown: bool,
}

/// What a worker about to park should do.
pub(crate) enum Park {
    /// A timer is due: the worker has already left the parked state (it is
    /// searching if it was notified meanwhile) and must fire timers.
    Due { searching: bool },
    /// Sleep, at most this long.
    Sleep(Option<Duration>),
}

impl Driver {
    pub(crate) fn new(start_paused: bool) -> Driver {
        let clock = Clock::new(start_paused);
        let start = clock.origin();
        Driver {
            clock,
            start,
            inner: Mutex::new(Inner {
                wheel: Wheel::new(),
                driver: None,
                driver_until: NO_WAKE,
                shutdown: false,
            }),
            next_wake: AtomicU64::new(NO_WAKE),
            driver_hint: AtomicUsize::new(NO_DRIVER),
            blockers: Arc::new(AtomicUsize::new(0)),
        }
    }

    pub(crate) fn clock(&self) -> &Clock {
        &self.clock
    }

    /// The runtime's current time (the paused clock's, if paused).
    pub(crate) fn now(&self) -> Instant {
        self.clock.now()
    }

    /// The first tick at or after `deadline`.
    fn tick_ceil(&self, deadline: Instant) -> u64 {
        let since = deadline.saturating_duration_since(self.start);
        let ms = since.as_millis() + u128::from(since.subsec_nanos() % 1_000_000 != 0);
        u64::try_from(ms).unwrap_or(MAX_TICK).min(MAX_TICK)
    }

    /// The last tick at or before `now`.
    fn tick_floor(&self, now: Instant) -> u64 {
        let ms = now.saturating_duration_since(self.start).as_millis();
        u64::try_from(ms).unwrap_or(MAX_TICK).min(MAX_TICK)
    }

    /// The instant of `tick`.
    fn tick_instant(&self, tick: u64) -> Instant {
        self.start
            .checked_add(Duration::from_millis(tick))
            .unwrap_or_else(|| super::far_future(self.start))
    }

    fn publish_next_wake(&self, inner: &Inner) {
        let next = inner.wheel.next_expiration().unwrap_or(NO_WAKE);
        // SeqCst: pairs with the SeqCst load in `before_park`'s fast path
        // (see there); the lock orders the wheel itself.
        self.next_wake.store(next, Ordering::SeqCst);
    }

    /// Sets the driver, under the lock.
    fn set_driver(&self, inner: &mut Inner, driver: Option<usize>) {
        inner.driver = driver;
        if driver.is_none() {
            inner.driver_until = NO_WAKE;
        }
        // Relaxed: only the worker named here reads its own index back
        // (`after_park`); every other reader holds the lock.
        self.driver_hint
            .store(driver.unwrap_or(NO_DRIVER), Ordering::Relaxed);
    }

    /// Locks the timer state, or panics if the runtime has shut down.
    #[track_caller]
    fn lock_running(&self) -> impl DerefMut<Target = Inner> + '_ {
        let inner = self.inner.lock();
        if inner.shutdown {
            drop(inner);
            panic!("{SHUT_DOWN}");
        }
        inner
    }

    // ----- the `Sleep` side -------------------------------------------------

    /// Polls a sleep until `deadline`: `Ready` once the clock has reached
    /// it (releasing the entry), otherwise registers the waker (allocating
    /// the entry on the first poll) and returns `Pending`.
    ///
    /// # Panics
    ///
    /// If the runtime has shut down.
    #[track_caller]
    pub(crate) fn poll_sleep(
        &self,
        shared: &Shared,
        key: &mut Option<Key>,
        deadline: Instant,
        waker: &Waker,
    ) -> Poll<()> {
        let mut inner = self.lock_running();
        if self.clock.now() >= deadline {
            if let Some(key) = key.take() {
                inner.wheel.remove(key);
                self.publish_next_wake(&inner);
            }
            return Poll::Ready(());
        }
        if let Some(registered) = *key {
            if !inner.wheel.is_fired(registered) {
                inner.wheel.set_waker(registered, waker);
                return Poll::Pending;
            }
            // Woken before the deadline (only after a reset or a wheel
            // that ran ahead of this clock reading): register again.
            inner.wheel.remove(registered);
            *key = None;
        }
        *key = Some(self.insert(&mut inner, shared, deadline, waker.clone()));
        Poll::Pending
    }

    /// Inserts a timer for `deadline`, which has not passed, and makes sure
    /// a worker will wake for it.
    fn insert(&self, inner: &mut Inner, shared: &Shared, deadline: Instant, waker: Waker) -> Key {
        let tick = self.tick_ceil(deadline);
        let key = match inner.wheel.insert(tick, waker) {
            Ok(key) => key,
            // The wheel already stands at that tick while the clock, read a
            // moment earlier, did not: fire on the next tick; the poll then
            // sees the deadline passed.
            Err(waker) => {
                let next = inner.wheel.elapsed() + 1;
                match inner.wheel.insert(next, waker) {
                    Ok(key) => key,
                    Err(_) => unreachable!("a tick after `elapsed` is always accepted"),
                }
            }
        };
        self.publish_next_wake(inner);
        self.wake_driver_for(inner, shared, tick);
        key
    }

    /// A timer at `tick` was registered: wake the driver if it sleeps past
    /// it, or a parked worker to become the driver if there is none.
    fn wake_driver_for(&self, inner: &mut Inner, shared: &Shared, tick: u64) {
        if self.clock.is_paused() {
            // Nobody waits in real time; the auto-advance takes care of it.
            return;
        }
        match inner.driver {
            Some(worker) => {
                if tick < inner.driver_until {
                    inner.driver_until = tick;
                    shared.remotes[worker].unparker.unpark();
                }
            }
            None => {
                // The worker in the I/O poller takes the role (only it may,
                // `before_park`); with none, a sleeper wakes and becomes the
                // poller.
                if let Some(worker) = shared.io.poller().or_else(|| shared.idle.peek_sleeper()) {
                    shared.remotes[worker].unparker.unpark();
                }
            }
        }
    }

    /// Moves a registered sleep to `deadline`, keeping its waker. Returns
    /// the new registration; `None` means the next poll registers (the
    /// entry had fired, or the new deadline has passed, in which case its
    /// waker is woken so that the poll happens).
    pub(crate) fn reset(&self, shared: &Shared, key: Key, deadline: Instant) -> Option<Key> {
        let mut inner = self.inner.lock();
        let waker = inner.wheel.remove(key);
        let mut new_key = None;
        let mut wake = None;
        if let Some(waker) = waker {
            if !inner.shutdown && self.clock.now() < deadline {
                new_key = Some(self.insert(&mut inner, shared, deadline, waker));
            } else {
                wake = Some(waker);
            }
        }
        self.publish_next_wake(&inner);
        drop(inner);
        if let Some(waker) = wake {
            waker.wake();
        }
        new_key
    }

    /// True if the registered sleep `key` has fired (`Sleep::is_elapsed`).
    pub(crate) fn is_fired(&self, key: Key) -> bool {
        self.inner.lock().wheel.is_fired(key)
    }

    /// Releases a sleep's registration (its `Drop`): the entry is unlinked
    /// and freed, and its waker dropped without being woken.
    pub(crate) fn deregister(&self, key: Key) {
        let mut inner = self.inner.lock();
        let waker = inner.wheel.remove(key);
        self.publish_next_wake(&inner);
        drop(inner);
        // Dropped outside the lock: the last reference to a task may go
        // with it.
        drop(waker);
    }

    // ----- the worker side --------------------------------------------------

    /// True if any timer is registered (a relaxed hint).
    pub(super) fn has_timers(&self) -> bool {
        // Relaxed: see `next_wake`.
        self.next_wake.load(Ordering::Relaxed) != NO_WAKE
    }

    /// The cheap check: is a timer (possibly) due? One relaxed load while
    /// no timer is registered; a clock read otherwise.
    pub(crate) fn is_due(&self) -> bool {
        // Relaxed: see `next_wake`.
        let next = self.next_wake.load(Ordering::Relaxed);
        next != NO_WAKE && next <= self.tick_floor(self.clock.now())
    }

    /// Fires the due timers if the cheap check says there may be some.
    /// Returns true if any waker was called.
    pub(crate) fn process_if_due(&self) -> bool {
        self.is_due() && self.fire_due()
    }

    /// Fires every timer due at the clock's current time, waking their
    /// tasks outside the lock. Returns true if any waker was called.
    pub(crate) fn fire_due(&self) -> bool {
        let mut fired = false;
        let mut batch: [Option<Waker>; WAKE_BATCH] = Default::default();
        loop {
            let mut n = 0;
            {
                let mut inner = self.inner.lock();
                if inner.shutdown {
                    return fired;
                }
                let now = self.tick_floor(self.clock.now());
                while n < WAKE_BATCH {
                    match inner.wheel.poll(now) {
                        Some(waker) => {
                            batch[n] = Some(waker);
                            n += 1;
                        }
                        None => break,
                    }
                }
                self.publish_next_wake(&inner);
            }
            for waker in batch[..n].iter_mut() {
                if let Some(waker) = waker.take() {
                    waker.wake();
                }
            }
            fired |= n > 0;
            if n < WAKE_BATCH {
                return fired;
            }
        }
    }

    /// Called by worker `worker`, already announced as parked, before each
    /// sleep: says whether to fire timers instead, or how long to sleep.
    ///
    /// `io_driver`: the worker holds the I/O reactor and will wait in its
    /// poller (it announced itself with `Reactor::set_poller` first). Only
    /// such a worker takes the driver role; the others sleep until
    /// notified.
    pub(crate) fn before_park(&self, shared: &Shared, worker: usize, io_driver: bool) -> Park {
        // Fast path, no lock: no timer, no paused clock: sleep until
        // notified (the poller: until an I/O event or notified). A timer
        // registered after this load finds the poller announced, or this
        // worker among the sleepers, and wakes it (`wake_driver_for`).
        // SeqCst: pairs with `publish_next_wake`'s store. The registering
        // thread stores `next_wake`, then reads the poller and the idle
        // state (`Reactor::poller`, `peek_sleeper`); we announced the
        // poller / changed the idle state (parked), then load `next_wake`:
        // one of the two sees the other.
        if !self.clock.is_pausable() && self.next_wake.load(Ordering::SeqCst) == NO_WAKE {
            return Park::Sleep(None);
        }
        let mut inner = self.inner.lock();
        if inner.shutdown {
            return Park::Sleep(None);
        }
        let paused = self.clock.is_paused();
        let next = inner.wheel.next_expiration();
        let now = self.clock.now();
        let due = match next {
            Some(tick) if tick <= self.tick_floor(now) => true,
            Some(tick) if paused && self.all_idle(shared) => {
                if io_driver {
                    // Everyone is idle, and the poller (us) has just seen
                    // no socket event waiting (`scheduler::worker::park`):
                    // jump to the next expiration.
                    self.clock.advance_to(self.tick_instant(tick));
                    true
                } else {
                    // Only the poller may jump, after a look at the
                    // sockets: an answer already on its way over loopback
                    // must not lose the race against a timeout.
                    if let Some(poller) = shared.io.poller() {
                        shared.remotes[poller].unparker.unpark();
                    }
                    false
                }
            }
            _ => false,
        };
        if due {
            if inner.driver == Some(worker) {
                self.set_driver(&mut inner, None);
            }
            // Leave the parked state before releasing the lock, so that
            // nobody sees every participant idle (and advances a paused
            // clock again) before these timers have fired.
            let searching = !shared.idle.unpark_self(worker);
            return Park::Due { searching };
        }
        if paused {
            if inner.driver == Some(worker) {
                self.set_driver(&mut inner, None);
            }
            return Park::Sleep(None);
        }
        if !io_driver {
            return Park::Sleep(None);
        }
        match inner.driver {
            Some(other) if other != worker => Park::Sleep(None),
            _ => {
                self.set_driver(&mut inner, Some(worker));
                inner.driver_until = next.unwrap_or(NO_WAKE);
                Park::Sleep(next.map(|tick| self.tick_instant(tick).saturating_duration_since(now)))
            }
        }
    }

    /// Called by worker `worker` after each wake-up from a sleep: gives up
    /// the driver role. Returns true if it was the driver while timers were
    /// pending: if the worker now leaves to run tasks, another parked worker
    /// must take over.
    pub(crate) fn after_park(&self, worker: usize) -> bool {
        // Relaxed: only this worker writes its own index there.
        if self.driver_hint.load(Ordering::Relaxed) != worker {
            return false;
        }
        let mut inner = self.inner.lock();
        if inner.driver != Some(worker) {
            return false;
        }
        self.set_driver(&mut inner, None);
        inner.wheel.next_expiration().is_some()
    }

    /// Unparks a parked worker to take the driver role, if timers are
    /// pending and nobody holds it (after `resume`, or a driver that left).
    pub(crate) fn wake_new_driver(&self, shared: &Shared) {
        let inner = self.inner.lock();
        if inner.driver.is_none() && inner.wheel.next_expiration().is_some() {
            // The worker waiting in the I/O poller (if any) must take the
            // role: only it may (`before_park`). It announces itself before
            // it calls `before_park`, which takes this lock: if it is not
            // announced yet, its `before_park` sees the timers.
            if let Some(worker) = shared.io.poller().or_else(|| shared.idle.peek_sleeper()) {
                shared.remotes[worker].unparker.unpark();
            }
        }
    }

    // ----- the clock --------------------------------------------------------

    #[track_caller]
    pub(crate) fn pause(&self) {
        self.clock.pause();
    }

    #[track_caller]
    pub(crate) fn resume(&self, shared: &Shared) {
        self.clock.resume();
        // Timers now need a worker sleeping in real time.
        self.wake_new_driver(shared);
    }

    /// Moves the paused clock forward and fires what is due.
    #[track_caller]
    pub(crate) fn advance(&self, duration: Duration) {
        self.clock.advance(duration);
        self.fire_due();
    }

    // ----- shutdown ---------------------------------------------------------

    /// After the workers stopped: every timer fires (its waker is woken, so
    /// a `Sleep` polled outside the runtime does not wait forever; its poll
    /// then panics with [`SHUT_DOWN`]), and new registrations are refused.
    pub(crate) fn shutdown(&self) {
        let wakers = {
            let mut inner = self.inner.lock();
            inner.shutdown = true;
            self.set_driver(&mut inner, None);
            // SeqCst: as in `publish_next_wake`.
            self.next_wake.store(NO_WAKE, Ordering::SeqCst);
            inner.wheel.fire_all()
        };
        for waker in wakers {
            waker.wake();
        }
    }

    /// Timers registered and not yet released (tests).
    #[cfg(all(test, not(runtime_loom)))]
    pub(crate) fn num_entries(&self) -> usize {
        self.inner.lock().wheel.len()
    }
}

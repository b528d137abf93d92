//! The timer state of one runtime, and the wait for the next timer.
//!
//! The [`Wheel`] lives behind one lock, with the runtime's [`Clock`].
//! Ticks are quarter milliseconds ([`TICK_NANOS`]) since the driver was
//! created (`start`); a deadline is rounded *up* to its tick, so a timer
//! never fires before its deadline. The thread waiting for the next timer
//! waits to the microsecond (the I/O driver's poller keeps sub-millisecond
//! timeouts), so a timer fires within a tick of its deadline plus the
//! wake-up.
//!
//! Each registered timer's own state ([`TimerShared`], see
//! `driver::time::timer`) is shared by its owner and the wheel, so the
//! owner's common operations take no lock: polling a registered timer,
//! pushing its deadline back, dropping it once fired. The wheel lock is
//! taken to register a timer, to move it earlier (or file a fired one
//! again), to drop it before it fired, and to fire timers.
//!
//! # Who fires timers
//!
//! This driver does not know who runs it; the scheduler decides (see
//! `scheduler::drivers`). What it offers:
//!
//! * [`Driver::process_if_due`]: fires what is due. Between timers this
//!   costs one relaxed atomic load (`next_wake`); no lock. The scheduler
//!   calls it before a thread parks and on its maintenance tick.
//! * [`Driver::before_park`]: the thread holding the driver stack asks
//!   how long it may wait in the I/O driver below: not at all if a timer
//!   is due, else until the wheel's next expiration. It is then recorded
//!   as waiting (`parked_until`) until [`Driver::after_park`].
//! * A timer registered earlier than that wake-up (from any thread)
//!   interrupts the wait through the handle of the driver below
//!   ([`Unpark`]); the waiting thread re-computes its timeout. With no
//!   thread waiting, the registration returns [`Wake::NoDriver`], and the
//!   scheduler wakes the holder, or a parked worker that takes the stack.
//! * `after_park` says whether the thread waited while timers were
//!   pending: if it now leaves to run tasks, the scheduler hands the stack
//!   on, so a long task does not hold the timers up.
//!
//! Wakers are called outside the lock, in batches: a waker may do anything,
//! including dropping a `Sleep` of this runtime.
//!
//! # Paused clock
//!
//! While the clock is paused no one waits with a timeout; instead, when the
//! scheduler says every participant is idle (the `may_advance` of
//! `before_park`, asked under the lock), the clock jumps to the next
//! expiration and the holder fires the timers. The scheduler asks only
//! right after a zero-timeout poll of the I/O driver found no event
//! waiting.

use super::clock::Clock;
use super::timer::{Key, PushBack, TimerShared};
use super::wheel::Wheel;
use crate::driver::Unpark;
use crate::loom::{Arc, AtomicBool, AtomicU64, Mutex, Ordering};
use std::ops::DerefMut;
use std::task::{Poll, Waker};
use std::time::{Duration, Instant};

/// `next_wake` when no timer is registered.
const NO_WAKE: u64 = u64::MAX;

/// Wakers collected under the lock before it is released to call them.
const WAKE_BATCH: usize = 32;

/// The wheel's resolution: a tick is a quarter of a millisecond, so a
/// timer fires at most 250 µs after its deadline (plus the wake-up), and a
/// whole millisecond is a whole number of ticks (`pause` freezes the clock
/// on a whole millisecond, so whole-millisecond sleeps end exactly).
pub(crate) const TICK_NANOS: u64 = 250_000;

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
    /// the lock, read without it by the cheap "anything due?"
    /// check (a stale value only makes a check early or late by one round)
    /// and by `before_park`'s fast path.
    next_wake: AtomicU64,
    /// `Inner::parked_until.is_some()`, written under the lock, so that
    /// `after_park` can tell without locking that its thread did not wait
    /// for the timers.
    parked_hint: AtomicBool,
    /// Interrupts the wait of the thread parked in the driver stack below
    /// (the I/O driver's waker), when a timer earlier than its wake-up is
    /// registered.
    unpark: Arc<dyn Unpark>,
    /// The runtime shut down: set once, under the lock; read under it and
    /// by the lock-free polls.
    shutdown: AtomicBool,
    /// Timer records alive (the tests' leak checks).
    #[cfg(all(test, not(runtime_loom)))]
    live: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

struct Inner {
    /// The registered timers that have not fired; each entry holds the
    /// timer's shared state.
    wheel: Wheel<Arc<TimerShared>>,
    /// A thread waits in the driver with a timeout for the timers: the tick
    /// it wakes at (`NO_WAKE`: it sleeps until unparked). `None`: no thread
    /// waits for the timers.
    parked_until: Option<u64>,
}

/// What the thread about to park in the driver should do.
pub(crate) enum Park {
    /// A timer is due: the caller has already left the parked state (the
    /// `unpark_self` given to `before_park` ran, under the timer lock, and
    /// returned `notified`) and must fire timers.
    Due { notified: bool },
    /// Sleep, at most this long.
    Sleep(Option<Duration>),
}

/// How the wait of the thread holding the driver stack ended
/// ([`Driver::park`]).
pub(crate) enum Parked<R> {
    /// A timer was due: no wait; as [`Park::Due`].
    Due { notified: bool },
    /// The wait below ran and returned `out`. `waited_for_timers`: it
    /// waited while timers were pending (see [`Driver::after_park`]).
    Woke { out: R, waited_for_timers: bool },
}

/// What a timer registration asks of whoever drives the driver.
#[must_use = "with `NoDriver`, the scheduler must see that a thread waits in the driver"]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wake {
    /// Nothing: the thread waiting in the driver was woken if it sleeps
    /// past the new timer, or the clock is paused (the auto-advance takes
    /// care of it).
    Covered,
    /// No thread waits in the driver for the timers: the scheduler must
    /// see that one does (it unparks the thread holding the driver, or a
    /// parked one that takes it).
    NoDriver,
}

impl Driver {
    /// A time driver whose waits are interrupted through `unpark` (the
    /// handle of the driver it wraps).
    pub(crate) fn new(start_paused: bool, unpark: Arc<dyn Unpark>) -> Driver {
        let clock = Clock::new(start_paused);
        let start = clock.origin();
        Driver {
            clock,
            start,
            inner: Mutex::new(Inner {
                wheel: Wheel::new(),
                parked_until: None,
            }),
            next_wake: AtomicU64::new(NO_WAKE),
            parked_hint: AtomicBool::new(false),
            unpark,
            shutdown: AtomicBool::new(false),
            #[cfg(all(test, not(runtime_loom)))]
            live: Default::default(),
        }
    }

    /// A new timer record, due at `tick`, waking `waker`.
    fn new_timer(&self, tick: u64, waker: Option<Waker>) -> Arc<TimerShared> {
        Arc::new(TimerShared::new(
            tick,
            waker,
            #[cfg(all(test, not(runtime_loom)))]
            &self.live,
        ))
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
        let nanos = deadline.saturating_duration_since(self.start).as_nanos();
        let ticks = nanos.div_ceil(u128::from(TICK_NANOS));
        u64::try_from(ticks).unwrap_or(MAX_TICK).min(MAX_TICK)
    }

    /// The last tick at or before `now`.
    fn tick_floor(&self, now: Instant) -> u64 {
        let nanos = now.saturating_duration_since(self.start).as_nanos();
        let ticks = nanos / u128::from(TICK_NANOS);
        u64::try_from(ticks).unwrap_or(MAX_TICK).min(MAX_TICK)
    }

    /// The instant of `tick`.
    fn tick_instant(&self, tick: u64) -> Instant {
        tick.checked_mul(TICK_NANOS)
            .and_then(|nanos| self.start.checked_add(Duration::from_nanos(nanos)))
            .unwrap_or_else(|| super::far_future(self.start))
    }

    fn publish_next_wake(&self, inner: &Inner) {
        let next = inner.wheel.next_expiration().unwrap_or(NO_WAKE);
        // SeqCst: pairs with the SeqCst load in `before_park`'s fast path
        // (see there); the lock orders the wheel itself.
        self.next_wake.store(next, Ordering::SeqCst);
    }

    /// Records whether a thread waits in the driver (and until when), under
    /// the lock.
    fn set_parked(&self, inner: &mut Inner, until: Option<u64>) {
        inner.parked_until = until;
        // Relaxed: only the parked thread reads it back (`after_park`);
        // every other reader holds the lock.
        self.parked_hint.store(until.is_some(), Ordering::Relaxed);
    }

    /// True once the runtime has shut down.
    fn is_shut_down(&self) -> bool {
        // Acquire: pairs with the Release store in `shutdown`; the lock-free
        // polls read it before reporting a timer's outcome.
        self.shutdown.load(Ordering::Acquire)
    }

    /// Panics if the runtime has shut down.
    #[track_caller]
    fn check_running(&self) {
        if self.is_shut_down() {
            panic!("{SHUT_DOWN}");
        }
    }

    /// Locks the timer state, or panics if the runtime has shut down.
    #[track_caller]
    fn lock_running(&self) -> impl DerefMut<Target = Inner> + '_ {
        let inner = self.inner.lock();
        if self.is_shut_down() {
            drop(inner);
            panic!("{SHUT_DOWN}");
        }
        inner
    }

    // ----- the `Sleep` side -------------------------------------------------

    /// Polls a sleep until `deadline`: `Ready` once its timer fired (or, on
    /// the first poll, once the clock has reached `deadline`), releasing
    /// the registration; otherwise registers the waker and returns
    /// `Pending`. The first `Pending` poll registers the timer (the wheel
    /// lock); later ones take no runtime-wide lock (see
    /// `driver::time::timer`). The [`Wake`] says whether the scheduler must
    /// find a thread to wait in the driver.
    ///
    /// # Panics
    ///
    /// If the runtime has shut down.
    #[track_caller]
    pub(crate) fn poll_sleep(
        &self,
        key: &mut Option<Key>,
        deadline: Instant,
        waker: &Waker,
    ) -> (Poll<()>, Wake) {
        self.check_running();
        if let Some(registered) = key {
            if !registered.shared.poll(waker) {
                return (Poll::Pending, Wake::Covered);
            }
            // Fired: by the wheel, or by the shutdown (then this panics).
            self.check_running();
            *key = None;
            return (Poll::Ready(()), Wake::Covered);
        }
        if self.clock.now() >= deadline {
            return (Poll::Ready(()), Wake::Covered);
        }
        let tick = self.tick_ceil(deadline);
        // Allocated outside the lock; dropped unused if due after all.
        let shared = self.new_timer(tick, Some(waker.clone()));
        let mut inner = self.lock_running();
        if tick <= inner.wheel.elapsed() {
            // Another thread moved the clock past the deadline and fired
            // that tick since the clock was read above: due now. (Filing
            // it on the next tick instead would make a paused clock jump
            // one tick past the deadline to fire it.)
            return (Poll::Ready(()), Wake::Covered);
        }
        let (entry, wake) = self.insert(&mut inner, tick, shared.clone());
        *key = Some(Key { shared, entry });
        (Poll::Pending, wake)
    }

    /// Files `timer` (whose state says `tick`, a deadline that has not
    /// passed) in the wheel, and wakes the thread waiting in the driver if
    /// it sleeps past it. Returns the entry's key.
    fn insert(
        &self,
        inner: &mut Inner,
        tick: u64,
        timer: Arc<TimerShared>,
    ) -> (super::wheel::Key, Wake) {
        let entry = match inner.wheel.insert(tick, timer) {
            Ok(entry) => entry,
            // The wheel already stands at that tick. Not reached: both
            // callers look under the lock first (`poll_sleep` compares the
            // tick with the wheel's, `reset` reads the clock). Kept as the
            // safe answer: fire on the next tick.
            Err(timer) => {
                let next = inner.wheel.elapsed() + 1;
                timer.set_tick(next);
                match inner.wheel.insert(next, timer) {
                    Ok(entry) => entry,
                    Err(_) => unreachable!("a tick after `elapsed` is always accepted"),
                }
            }
        };
        self.publish_next_wake(inner);
        (entry, self.wake_driver_for(inner, tick))
    }

    /// A timer at `tick` was registered: wake the thread waiting in the
    /// driver if it sleeps past it; with none, tell the caller.
    fn wake_driver_for(&self, inner: &mut Inner, tick: u64) -> Wake {
        if self.clock.is_paused() {
            // Nobody waits in real time; the auto-advance takes care of it.
            return Wake::Covered;
        }
        match inner.parked_until {
            Some(until) => {
                if tick < until {
                    inner.parked_until = Some(tick);
                    // It re-computes its timeout when it wakes; a wait that
                    // has not begun yet returns at once (the unpark is
                    // remembered by the driver below).
                    self.unpark.unpark();
                }
                Wake::Covered
            }
            None => Wake::NoDriver,
        }
    }

    /// Moves a registered sleep to `deadline`, keeping its waker. A
    /// deadline at the same tick or later, on a timer that has not fired,
    /// moves without the wheel lock (the entry is filed again when its old
    /// tick comes); otherwise the timer is filed again under the lock, or,
    /// if the new deadline has passed, marked fired and its waker woken so
    /// that the next poll completes. Returns the registration (`None` is
    /// never returned today; the next poll would register again). The
    /// [`Wake`] is as `poll_sleep`'s.
    pub(crate) fn reset(&self, key: Key, deadline: Instant) -> (Option<Key>, Wake) {
        let tick = self.tick_ceil(deadline);
        if let PushBack::Done = key.shared.push_back(tick) {
            return (Some(key), Wake::Covered);
        }
        let Key { shared, entry } = key;
        let mut inner = self.inner.lock();
        // Under the lock only the owner (the caller) and the fire change
        // the state, and the fire holds the lock: the entry is in the
        // wheel exactly while the timer has not fired.
        let removed = (!shared.is_fired()).then(|| inner.wheel.remove(entry));
        let outcome = if self.is_shut_down() || self.clock.now() >= deadline {
            shared.set_fired();
            let waker = shared.take_waker();
            self.publish_next_wake(&inner);
            drop(inner);
            if let Some(waker) = waker {
                waker.wake();
            }
            // The entry is out of the wheel; its key is never used again
            // (the state says fired).
            (Some(Key { shared, entry }), Wake::Covered)
        } else {
            shared.set_tick(tick);
            let (entry, wake) = self.insert(&mut inner, tick, shared.clone());
            drop(inner);
            (Some(Key { shared, entry }), wake)
        };
        // The wheel's reference, dropped outside the lock.
        drop(removed);
        outcome
    }

    /// True if the registered sleep `key` has fired (`Sleep::is_elapsed`).
    pub(crate) fn is_fired(&self, key: &Key) -> bool {
        key.shared.is_fired()
    }

    /// Releases a sleep's registration (its `Drop`). A fired timer is
    /// already out of the wheel: no lock. Otherwise its entry is removed
    /// under the lock, and the waker dropped without being woken.
    pub(crate) fn deregister(&self, key: Key) {
        if key.shared.is_fired() {
            return;
        }
        let removed = {
            let mut inner = self.inner.lock();
            // Looked at again under the lock: see `reset`.
            let removed = (!key.shared.is_fired()).then(|| inner.wheel.remove(key.entry));
            self.publish_next_wake(&inner);
            removed
        };
        // Dropped outside the lock: the last reference to a task may go
        // with the waker.
        drop(removed);
        drop(key);
    }

    // ----- the holder's side ------------------------------------------------

    /// True if any timer is registered (a relaxed hint).
    pub(crate) fn has_timers(&self) -> bool {
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
        // The wheel's references to the fired timers, dropped outside the
        // lock.
        let mut released: [Option<Arc<TimerShared>>; WAKE_BATCH] = Default::default();
        loop {
            let mut n = 0;
            let mut more = true;
            {
                let mut inner = self.inner.lock();
                if self.is_shut_down() {
                    return fired;
                }
                let now = self.tick_floor(self.clock.now());
                while n < WAKE_BATCH {
                    match inner.wheel.poll(now, |timer| timer.fire(now)) {
                        Some(timer) => {
                            // Taken under the lock, so that an owner
                            // filing the timer again (under the lock) never
                            // finds this fire's waker left behind.
                            batch[n] = timer.take_waker();
                            released[n] = Some(timer);
                            n += 1;
                        }
                        None => {
                            more = false;
                            break;
                        }
                    }
                }
                self.publish_next_wake(&inner);
            }
            // The wheel's references go first: a woken owner finds itself
            // the last holder of its timer.
            released[..n]
                .iter_mut()
                .for_each(|timer| drop(timer.take()));
            for waker in batch[..n].iter_mut() {
                if let Some(waker) = waker.take() {
                    waker.wake();
                    fired = true;
                }
            }
            if !more {
                return fired;
            }
        }
    }

    /// Called by the thread that holds the driver stack (a worker about
    /// to wait in it, already counted as parked), before each wait: says
    /// whether to fire timers instead, or how long to wait.
    ///
    /// `may_advance`: asked (under the timer lock) when the paused clock
    /// has a timer to jump to: true if every participant of the runtime is
    /// idle, so that the clock may jump now (the scheduler's auto-advance
    /// rule). `unpark_self`: when a timer is due, run under the lock to
    /// leave the parked state, so that nobody sees every participant idle
    /// (and jumps again) before these timers have fired; it returns true if
    /// it left the parked state itself, false if a notifier took the caller
    /// out of it first.
    pub(crate) fn before_park(
        &self,
        may_advance: impl FnOnce() -> bool,
        unpark_self: impl FnOnce() -> bool,
    ) -> Park {
        // Fast path, no lock: no timer, no paused clock: sleep until
        // notified (or an I/O event). A timer registered after this load
        // finds nobody waiting in the driver (`Wake::NoDriver`), and the
        // scheduler then wakes the holder it announced before calling this.
        // SeqCst: pairs with `publish_next_wake`'s store. The registering
        // thread stores `next_wake`, then reads who holds the driver
        // (`scheduler::drivers`); the holder announced itself, then loads
        // `next_wake`: one of the two sees the other.
        if !self.clock.is_pausable() && self.next_wake.load(Ordering::SeqCst) == NO_WAKE {
            return Park::Sleep(None);
        }
        let mut inner = self.inner.lock();
        if self.is_shut_down() {
            return Park::Sleep(None);
        }
        let paused = self.clock.is_paused();
        let next = inner.wheel.next_expiration();
        let now = self.clock.now();
        let due = match next {
            Some(tick) if tick <= self.tick_floor(now) => true,
            Some(tick) if paused && may_advance() => {
                // Everyone is idle, and the holder (our caller) has just
                // seen no I/O event waiting: jump to the next expiration.
                self.clock.advance_to(self.tick_instant(tick));
                true
            }
            _ => false,
        };
        if due {
            self.set_parked(&mut inner, None);
            let notified = !unpark_self();
            return Park::Due { notified };
        }
        if paused {
            self.set_parked(&mut inner, None);
            return Park::Sleep(None);
        }
        self.set_parked(&mut inner, Some(next.unwrap_or(NO_WAKE)));
        Park::Sleep(next.map(|tick| self.tick_instant(tick).saturating_duration_since(now)))
    }

    /// The wait of the thread holding the driver stack, wrapped: asks
    /// [`before_park`](Self::before_park) how long it may wait (with
    /// `may_advance` and `unpark_self` as there), runs `wait` (the wait in
    /// the driver below: the I/O driver's poll, or the thread parker) with
    /// that timeout unless a timer is due, then
    /// [`after_park`](Self::after_park).
    pub(crate) fn park<R>(
        &self,
        may_advance: impl FnOnce() -> bool,
        unpark_self: impl FnOnce() -> bool,
        wait: impl FnOnce(Option<Duration>) -> R,
    ) -> Parked<R> {
        match self.before_park(may_advance, unpark_self) {
            Park::Due { notified } => Parked::Due { notified },
            Park::Sleep(timeout) => {
                let out = wait(timeout);
                Parked::Woke {
                    out,
                    waited_for_timers: self.after_park(),
                }
            }
        }
    }

    /// Called by the thread that holds the driver stack after each wait:
    /// it no longer waits for the timers. Returns true if it did while
    /// timers were pending: if the thread now leaves to run tasks, another
    /// must take the driver over.
    pub(crate) fn after_park(&self) -> bool {
        // Relaxed: only the holder sets it (under the lock) and reads it
        // here; everyone else reads `parked_until` under the lock.
        if !self.parked_hint.load(Ordering::Relaxed) {
            return false;
        }
        let mut inner = self.inner.lock();
        if inner.parked_until.is_none() {
            return false;
        }
        self.set_parked(&mut inner, None);
        inner.wheel.next_expiration().is_some()
    }

    /// True if timers are pending and no thread waits in the driver for
    /// them (after `resume`, or a holder that left): the scheduler must
    /// then see that one does.
    pub(crate) fn needs_driver(&self) -> bool {
        let inner = self.inner.lock();
        inner.parked_until.is_none() && inner.wheel.next_expiration().is_some()
    }

    // ----- the clock --------------------------------------------------------

    #[track_caller]
    pub(crate) fn pause(&self) {
        self.clock.pause();
    }

    /// Lets the paused clock run again. The timers now need a thread
    /// waiting in real time: the [`Wake`] says whether one does.
    #[track_caller]
    pub(crate) fn resume(&self) -> Wake {
        self.clock.resume();
        match self.needs_driver() {
            true => Wake::NoDriver,
            false => Wake::Covered,
        }
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
        let wakers: Vec<Waker> = {
            let mut inner = self.inner.lock();
            // Release: pairs with `is_shut_down`'s Acquire load.
            self.shutdown.store(true, Ordering::Release);
            self.set_parked(&mut inner, None);
            // SeqCst: as in `publish_next_wake`.
            self.next_wake.store(NO_WAKE, Ordering::SeqCst);
            inner
                .wheel
                .fire_all()
                .into_iter()
                .filter_map(|timer| {
                    timer.set_fired();
                    timer.take_waker()
                })
                .collect()
        };
        for waker in wakers {
            waker.wake();
        }
    }

    /// Timer records alive: registered and not yet released by their
    /// owner, fired ones included (tests).
    #[cfg(all(test, not(runtime_loom)))]
    pub(crate) fn num_entries(&self) -> usize {
        self.live.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Timers in the wheel: registered and neither fired nor removed
    /// (tests).
    #[cfg(all(test, not(runtime_loom)))]
    pub(crate) fn num_in_wheel(&self) -> usize {
        self.inner.lock().wheel.len()
    }

    /// Holds the wheel lock while the guard lives (tests: what must not
    /// need it).
    #[cfg(all(test, not(runtime_loom)))]
    pub(crate) fn lock_wheel(&self) -> impl Drop + '_ {
        self.inner.lock()
    }
}

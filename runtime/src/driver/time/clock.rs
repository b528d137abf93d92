//! The runtime's clock, which tests can pause (`runtime::time::pause`,
//! `resume`, `advance` are the public side, in `crate::time`), and the
//! activity count of the participants that are not workers.
//!
//! Time is read as a `std::time::Instant`. A runtime built normally reads
//! `Instant::now()` directly (no lock, no state). A runtime built with
//! [`Builder::start_paused(true)`](crate::Builder::start_paused) has a
//! *pausable* clock: `now = base + (real time since it was last resumed)`,
//! or just `base` while paused. Pausing freezes `base`; `advance` and the
//! auto-advance move it forward. Deadlines stay plain `Instant`s: a paused
//! clock only changes which instant counts as "now" for this runtime's
//! timers.

use crate::loom::{Arc, AtomicUsize, Mutex, Ordering};
use std::time::{Duration, Instant};

const NOT_PAUSABLE: &str = "this runtime's clock cannot be paused: build the runtime with \
`Builder::start_paused(true)`, or use `#[runtime::test(start_paused = true)]`";

/// The clock of one runtime.
pub(crate) struct Clock {
    /// Built with `start_paused(true)`: the clock may be paused. When
    /// false, `now` is `Instant::now()` and `state` is unused.
    pausable: bool,
    /// When the clock was created: the timers count whole ticks
    /// from here.
    origin: Instant,
    state: Mutex<State>,
    /// The busy participants other than the workers (see [`Activity`]).
    activity: Arc<Activity>,
}

struct State {
    /// The clock's reading when it was last paused or resumed, plus every
    /// advance since.
    base: Instant,
    /// When the clock was last resumed (real time); `None` while paused.
    unfrozen: Option<Instant>,
}

impl Clock {
    pub(crate) fn new(start_paused: bool) -> Clock {
        let now = Instant::now();
        Clock {
            pausable: start_paused,
            origin: now,
            state: Mutex::new(State {
                base: now,
                unfrozen: if start_paused { None } else { Some(now) },
            }),
            activity: Arc::new(Activity(AtomicUsize::new(0))),
        }
    }

    /// When the clock was created (tick 0 of the timers).
    /// The activity count the paused clock's auto-advance reads; only
    /// maintained for a pausable clock.
    pub(crate) fn activity(&self) -> &Arc<Activity> {
        &self.activity
    }

    pub(crate) fn origin(&self) -> Instant {
        self.origin
    }

    /// The runtime's current time.
    pub(crate) fn now(&self) -> Instant {
        if !self.pausable {
            return Instant::now();
        }
        let state = self.state.lock();
        match state.unfrozen {
            Some(since) => state.base + since.elapsed(),
            None => state.base,
        }
    }

    /// True if the runtime was built with `start_paused(true)`.
    pub(crate) fn is_pausable(&self) -> bool {
        self.pausable
    }

    /// True while the clock stands still.
    pub(crate) fn is_paused(&self) -> bool {
        self.pausable && self.state.lock().unfrozen.is_none()
    }

    /// Freezes the clock, at the next whole millisecond since `origin`:
    /// then deadlines a whole number of milliseconds away are reached
    /// exactly by the auto-advance, which moves in whole ticks (a
    /// millisecond is four).
    #[track_caller]
    pub(crate) fn pause(&self) {
        assert!(self.pausable, "`runtime::time::pause`: {NOT_PAUSABLE}");
        let mut state = self.state.lock();
        let Some(since) = state.unfrozen.take() else {
            drop(state);
            panic!(
                "`runtime::time::pause` was called while the clock is already paused; \
                 call `runtime::time::resume()` first"
            );
        };
        let now = state.base + since.elapsed();
        let since_origin = now.saturating_duration_since(self.origin);
        let sub_ms = since_origin.subsec_nanos() % 1_000_000;
        state.base = if sub_ms == 0 {
            now
        } else {
            now + Duration::from_nanos(u64::from(1_000_000 - sub_ms))
        };
    }

    /// Lets the clock run again from where it stands.
    #[track_caller]
    pub(crate) fn resume(&self) {
        assert!(self.pausable, "`runtime::time::resume`: {NOT_PAUSABLE}");
        let mut state = self.state.lock();
        if state.unfrozen.is_some() {
            drop(state);
            panic!(
                "`runtime::time::resume` was called while the clock is running; \
                 only a paused clock can be resumed"
            );
        }
        state.unfrozen = Some(Instant::now());
    }

    /// Moves a paused clock forward by `duration`.
    #[track_caller]
    pub(crate) fn advance(&self, duration: Duration) {
        assert!(self.pausable, "`runtime::time::advance`: {NOT_PAUSABLE}");
        let mut state = self.state.lock();
        if state.unfrozen.is_some() {
            drop(state);
            panic!(
                "`runtime::time::advance` needs a paused clock, and this one is running: \
                 call `runtime::time::pause()` first"
            );
        }
        state.base = state
            .base
            .checked_add(duration)
            .expect("`runtime::time::advance`: the clock would overflow `Instant`");
    }

    /// Moves a paused clock forward to `to`, if it is earlier (auto-advance).
    pub(crate) fn advance_to(&self, to: Instant) {
        let mut state = self.state.lock();
        if state.unfrozen.is_none() && to > state.base {
            state.base = to;
        }
    }
}

/// How many participants of the runtime other than its workers are busy:
/// `block_on` threads polling (or woken), blocking closures queued or
/// running. The scheduler's auto-advance (`scheduler::auto_advance`) lets
/// a paused clock jump only while this reads zero. Each participant counts
/// itself busy *before* whatever made it busy can be observed as done by
/// another (a `block_on` waker counts the thread before unparking it; the
/// blocking pool counts a closure before queueing it), so the count never
/// reads zero while work started inside the runtime is in flight.
pub(crate) struct Activity(AtomicUsize);

impl Activity {
    /// One more participant is busy.
    pub(crate) fn busy(&self) {
        // SeqCst: in one total order with `is_idle`'s load and the
        // scheduler's idle transitions (`Idle`), which the auto-advance
        // reads together.
        self.0.fetch_add(1, Ordering::SeqCst);
    }

    /// A participant went idle. Returns true if it was the last busy one
    /// (the caller then lets the scheduler check for an auto-advance).
    pub(crate) fn idle(&self) -> bool {
        // SeqCst: see `busy`.
        self.0.fetch_sub(1, Ordering::SeqCst) == 1
    }

    /// True if no participant counted here is busy.
    pub(crate) fn is_idle(&self) -> bool {
        // SeqCst: see `busy`.
        self.0.load(Ordering::SeqCst) == 0
    }
}

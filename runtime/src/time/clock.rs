//! The runtime's clock, which tests can pause: [`pause`], [`resume`],
//! [`advance`].
//!
//! Time is read as a `std::time::Instant`. A runtime built normally reads
//! `Instant::now()` directly (no lock, no state). A runtime built with
//! [`Builder::start_paused(true)`](crate::Builder::start_paused) has a
//! *pausable* clock: `now = base + (real time since it was last resumed)`,
//! or just `base` while paused. Pausing freezes `base`; [`advance`] and the
//! auto-advance move it forward. Deadlines stay plain `Instant`s: a paused
//! clock only changes which instant counts as "now" for this runtime's
//! timers.

use super::current_handle;
use crate::loom::Mutex;
use std::time::{Duration, Instant};

const NOT_PAUSABLE: &str = "this runtime's clock cannot be paused: build the runtime with \
`Builder::start_paused(true)`, or use `#[runtime::test(start_paused = true)]`";

/// The clock of one runtime.
pub(crate) struct Clock {
    /// Built with `start_paused(true)`: the clock may be paused. When
    /// false, `now` is `Instant::now()` and `state` is unused.
    pausable: bool,
    /// When the clock was created: the timers count whole milliseconds
    /// from here.
    origin: Instant,
    state: Mutex<State>,
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
        }
    }

    /// When the clock was created (tick 0 of the timers).
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
    /// exactly by the auto-advance, which moves in whole milliseconds.
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

/// Pauses the current runtime's clock: time stands still for its timers
/// until [`resume`], moving only through [`advance`] and the auto-advance.
///
/// While the clock is paused and every part of the runtime is idle (no
/// task running or runnable, no `block_on` future being polled, no
/// blocking closure queued or running), the clock jumps straight to the
/// next timer's deadline. So a test of a one-hour timeout completes at
/// once, and deterministically.
///
/// A runtime built with [`Builder::start_paused(true)`] (or
/// `#[runtime::test(start_paused = true)]`) starts out paused; this
/// function pauses it again after [`resume`].
///
/// [`Builder::start_paused(true)`]: crate::Builder::start_paused
///
/// # Panics
///
/// Outside a runtime; on a runtime not built with `start_paused(true)`
/// (only those have a pausable clock); or if the clock is already paused.
///
/// # Examples
///
/// ```
/// use runtime::time::{self, Duration};
///
/// #[runtime::main(start_paused = true)]
/// async fn main() {
///     time::resume();
///     time::pause(); // paused again, wherever the clock stood
///     let start = time::now();
///     time::sleep(Duration::from_secs(3600)).await; // auto-advanced
///     assert!(time::now() - start >= Duration::from_secs(3600));
/// }
/// ```
#[track_caller]
pub fn pause() {
    current_handle("runtime::time::pause").shared.time.pause();
}

/// Lets a paused clock run again, in real time, from where it stands.
///
/// # Panics
///
/// Outside a runtime; on a runtime not built with
/// [`Builder::start_paused(true)`](crate::Builder::start_paused); or if the
/// clock is not paused.
///
/// # Examples
///
/// ```
/// use runtime::time::{self, Duration};
///
/// #[runtime::main(start_paused = true)]
/// async fn main() {
///     time::resume();
///     time::sleep(Duration::from_millis(5)).await; // a real 5 ms
/// }
/// ```
#[track_caller]
pub fn resume() {
    let handle = current_handle("runtime::time::resume");
    handle.shared.time.resume(&handle.shared);
}

/// Moves a paused clock forward by `duration`; timers due by then fire,
/// and the calling task yields so that the tasks they wake get to run.
///
/// All timers with a deadline before the new time complete "at the same
/// time", in no particular order.
///
/// # Panics
///
/// When polled: outside a runtime; on a runtime not built with
/// [`Builder::start_paused(true)`](crate::Builder::start_paused); or if the
/// clock is not paused.
///
/// # Examples
///
/// ```
/// use runtime::time::{self, Duration};
///
/// #[runtime::main(start_paused = true)]
/// async fn main() {
///     let start = time::now();
///     time::advance(Duration::from_secs(90)).await;
///     assert_eq!(time::now() - start, Duration::from_secs(90));
/// }
/// ```
pub async fn advance(duration: Duration) {
    let handle = current_handle("runtime::time::advance");
    handle.shared.time.advance(duration);
    crate::task::yield_now().await;
}

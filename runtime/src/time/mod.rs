//! Timers: [`sleep`], [`timeout`], [`interval`], and a clock that tests can
//! pause.
//!
//! | asyncio                  | here                                 |
//! |--------------------------|--------------------------------------|
//! | `asyncio.sleep(d)`       | [`sleep(d)`](sleep)`.await`          |
//! | `asyncio.wait_for(f, d)` | [`timeout(d, f)`](timeout)`.await`   |
//! | `asyncio.timeout_at(t)`  | [`timeout_at(t, f)`](timeout_at)     |
//! | `loop.time()`            | [`now()`](now)                       |
//!
//! # Which runtime, and when
//!
//! A timer belongs to the runtime that is current when it is *created*
//! (in a task, inside `block_on`, or after
//! [`Handle::enter`](crate::Handle::enter)); creating one anywhere else
//! panics with a message saying so. Its deadline is measured on that
//! runtime's clock, and that runtime's workers fire it, wherever the timer
//! is then polled.
//!
//! # Accuracy
//!
//! Timers have a resolution of 250 µs, and deadlines are rounded *up*: a
//! timer never completes before its deadline. On an idle machine it
//! normally completes within a few hundred microseconds after it (the
//! rounding plus the wake-up); on a busy one, when a worker gets to it
//! (workers check for due timers between tasks).
//!
//! # Time, `Instant` and the paused clock
//!
//! [`Instant`] is `std::time::Instant`. A runtime built normally reads the
//! system's monotonic clock. One built with
//! [`Builder::start_paused(true)`](crate::Builder::start_paused) (or
//! `#[runtime::test(start_paused = true)]`) has a clock that starts
//! *paused*: time stands still, except that
//!
//! * [`advance`] moves it forward by a given amount, and
//! * whenever the whole runtime is idle (no task running or runnable, no
//!   `block_on` future being polled, no blocking closure queued or
//!   running) it jumps straight to the next timer's deadline.
//!
//! So a test of a one-hour timeout runs in microseconds, and ticks land
//! exactly where the schedule says. [`resume`] lets such a clock run in
//! real time again, and [`pause`] stops it again. The jumps go to the
//! 250 µs tick a deadline was rounded up to; a paused clock stands on a
//! whole tick (since the runtime started; [`pause`] rounds up to a whole
//! millisecond), so a sleep of whole milliseconds ends with the clock
//! exactly at its deadline.
//!
//! The paused clock is the runtime's own, not the system's:
//! `Instant::now()` keeps telling real time. Read the runtime's time with
//! [`now()`](now) and compute deadlines from it (or from
//! [`Sleep::deadline`] and the instants [`Interval::tick`] returns); a
//! deadline computed from `Instant::now()` is only right while the clock
//! runs.
//!
//! # Shutdown
//!
//! Timers live as long as their runtime: while it shuts down, cancelled
//! tasks can still sleep in their cleanup (during
//! [`shutdown_timeout`](crate::Runtime::shutdown_timeout)'s grace period).
//! Once it has shut down, a timer polled outside it (say by a `block_on`
//! of a `Handle` on another thread) is woken one last time and its poll
//! panics, saying that the runtime is gone; it does not hang.
//!
//! # Examples
//!
//! ```
//! use runtime::time::{self, sleep, timeout, Duration};
//!
//! #[runtime::main(start_paused = true)]
//! async fn main() {
//!     let start = time::now();
//!     let work = runtime::spawn(async {
//!         sleep(Duration::from_secs(5)).await;
//!         "done"
//!     });
//!     // Like asyncio.wait_for: give up after 2 s.
//!     assert!(timeout(Duration::from_secs(2), std::future::pending::<()>()).await.is_err());
//!     assert_eq!(work.await.unwrap(), "done");
//!     assert_eq!(time::now() - start, Duration::from_secs(5));
//! }
//! ```
//!
//! The design (timing wheel, which worker drives it, the auto-advance) is
//! described in `docs/ARCHITECTURE.md`.

mod clock;
mod interval;
mod sleep;
#[cfg(all(test, not(runtime_loom)))]
mod tests;
mod timeout;

pub use clock::{advance, pause, resume};
pub use interval::{interval, interval_at, Interval, MissedTickBehavior};
pub use sleep::{sleep, sleep_until, Sleep};
pub use std::time::{Duration, Instant};
pub use timeout::{timeout, timeout_at, Elapsed, Timeout};

use crate::driver::time::far_future;
use crate::runtime::context;
use crate::Handle;

/// The current runtime's time: `Instant::now()`, unless the runtime's
/// clock is paused (see [the module docs](self#time-instant-and-the-paused-clock)).
/// Outside a runtime, `Instant::now()`.
///
/// # Examples
///
/// ```
/// use runtime::time::{self, Duration};
///
/// #[runtime::main(start_paused = true)]
/// async fn main() {
///     let before = time::now();
///     time::sleep(Duration::from_secs(60)).await; // instant: the clock is paused
///     assert_eq!(time::now() - before, Duration::from_secs(60));
/// }
/// ```
pub fn now() -> Instant {
    context::with_current(|h| h.map(|h| h.shared.time().now())).unwrap_or_else(Instant::now)
}

/// The current runtime's time, for an operation that needs a runtime.
#[track_caller]
fn now_in(what: &str) -> Instant {
    current_handle(what).shared.time().now()
}

/// The current runtime, or a panic explaining that `what` needs one.
#[track_caller]
fn current_handle(what: &str) -> Handle {
    match context::with_current(|h| h.cloned()) {
        Some(handle) => handle,
        None => panic!(
            "`{what}` was called outside a runtime; timers are driven by a runtime, so one \
             must be current: call it from a task, inside `Runtime::block_on`, or after \
             `Handle::enter()`, or annotate `main` with `#[runtime::main]`"
        ),
    }
}

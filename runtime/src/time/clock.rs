//! The public side of the runtime's clock: [`pause`], [`resume`],
//! [`advance`]. The clock itself is the time driver's
//! (`driver::time::clock`).

use super::current_handle;
use std::time::Duration;

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
    current_handle("runtime::time::pause").shared.time().pause();
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
    handle.shared.resume_clock();
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
    handle.shared.time().advance(duration);
    crate::task::yield_now().await;
}

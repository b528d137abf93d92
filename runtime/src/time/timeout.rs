//! [`timeout`], [`timeout_at`], the [`Timeout`] future and its [`Elapsed`]
//! error.

use super::sleep::{sleep_in, sleep_until_in, Sleep};
use super::Instant;
use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// Awaits `future` for at most `duration` (asyncio's `wait_for`): its
/// output, or [`Elapsed`] if the time ran out first, in which case
/// `future` is dropped (cancelled) with the `Timeout`.
///
/// The future is polled first on every wake-up, so a future that is ready
/// when the deadline passes still wins. Like [`sleep`](super::sleep), the runtime is
/// looked up when the `Timeout` is created.
///
/// # Panics
///
/// Panics if called outside a runtime; polling the `Timeout` after its
/// runtime shut down panics too (see [`sleep`](super::sleep)).
///
/// # Examples
///
/// ```
/// use runtime::time::{sleep, timeout, Duration};
///
/// #[runtime::main(start_paused = true)]
/// async fn main() {
///     let quick = timeout(Duration::from_secs(1), async { 42 }).await;
///     assert_eq!(quick, Ok(42));
///
///     // An hour-long operation, cut off after a minute (instantly, as the
///     // clock is paused).
///     let slow = timeout(Duration::from_secs(60), sleep(Duration::from_secs(3600))).await;
///     assert!(slow.is_err());
/// }
/// ```
#[track_caller]
pub fn timeout<F: IntoFuture>(duration: Duration, future: F) -> Timeout<F::IntoFuture> {
    Timeout {
        future: future.into_future(),
        delay: sleep_in("runtime::time::timeout", duration),
    }
}

/// Awaits `future` until the runtime's clock reaches `deadline`: its
/// output, or [`Elapsed`]. See [`timeout`].
///
/// # Panics
///
/// As [`timeout`].
///
/// # Examples
///
/// ```
/// use runtime::time::{self, timeout_at, Duration};
///
/// #[runtime::main(start_paused = true)]
/// async fn main() {
///     let deadline = time::now() + Duration::from_secs(10);
///     let out = timeout_at(deadline, std::future::pending::<()>()).await;
///     assert!(out.is_err());
///     assert!(time::now() >= deadline);
/// }
/// ```
#[track_caller]
pub fn timeout_at<F: IntoFuture>(deadline: Instant, future: F) -> Timeout<F::IntoFuture> {
    Timeout {
        future: future.into_future(),
        delay: sleep_until_in("runtime::time::timeout_at", deadline),
    }
}

/// Future returned by [`timeout`] and [`timeout_at`].
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct Timeout<F> {
    future: F,
    delay: Sleep,
}

impl<F> Timeout<F> {
    /// The wrapped future.
    pub fn get_ref(&self) -> &F {
        &self.future
    }

    /// The wrapped future, mutably.
    pub fn get_mut(&mut self) -> &mut F {
        &mut self.future
    }

    /// Gives the wrapped future back, dropping the timer.
    pub fn into_inner(self) -> F {
        self.future
    }

    /// The instant the time runs out at.
    pub fn deadline(&self) -> Instant {
        self.delay.deadline()
    }
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `future` is structurally pinned: it is never moved out of
        // a pinned `Timeout` (`into_inner` takes `self` by value, which
        // needs an unpinned `Timeout`), and `Timeout` has no `Drop` impl
        // that could move it. `delay` is `Unpin` and not pinned.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: see above.
        let future = unsafe { Pin::new_unchecked(&mut this.future) };
        if let Poll::Ready(output) = future.poll(cx) {
            return Poll::Ready(Ok(output));
        }
        // Not budgeted: even if the inner future spent the task's budget,
        // an expired deadline must be reported.
        this.delay.poll_elapsed(cx).map(|()| Err(Elapsed(())))
    }
}

/// The error of a [`Timeout`] whose deadline passed before its future
/// completed.
///
/// Converts into an [`std::io::Error`] of kind
/// [`TimedOut`](std::io::ErrorKind::TimedOut), so `?` works in functions
/// returning `io::Result`.
///
/// # Examples
///
/// ```
/// use runtime::time::{timeout, Duration};
///
/// #[runtime::main(start_paused = true)]
/// async fn main() {
///     let err = timeout(Duration::from_millis(5), std::future::pending::<()>())
///         .await
///         .unwrap_err();
///     assert_eq!(
///         err.to_string(),
///         "the deadline passed before the future completed (runtime::time::timeout)"
///     );
///     let io: std::io::Error = err.into();
///     assert_eq!(io.kind(), std::io::ErrorKind::TimedOut);
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Elapsed(());

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the deadline passed before the future completed (runtime::time::timeout)")
    }
}

impl std::error::Error for Elapsed {}

impl From<Elapsed> for std::io::Error {
    fn from(elapsed: Elapsed) -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::TimedOut, elapsed)
    }
}

//! [`sleep`], [`sleep_until`] and the [`Sleep`] future.

use super::{current_handle, far_future, Instant};
use crate::driver::time::Key;
use crate::loom::Arc;
use crate::scheduler::Shared;
use crate::task::coop;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// Waits until `duration` has elapsed on the current runtime's clock
/// (asyncio's `sleep`).
///
/// The sleep completes no earlier than `duration` after this call, and on
/// an idle machine normally within a few hundred microseconds after: the
/// timers have a 250 µs resolution and deadlines are rounded up. A sleep of
/// zero completes at once (it still yields once the task's cooperative
/// budget is spent, so `loop { sleep(ZERO).await }` cannot starve other
/// tasks). A duration too large to represent sleeps practically forever
/// (about 30 years).
///
/// The runtime is looked up here, when the `Sleep` is created, not when it
/// is first polled: its deadline is measured from the runtime's clock
/// (which may be paused), and the mistake of creating a timer outside a
/// runtime is reported where it is made. The `Sleep` may then be polled
/// anywhere, even on a thread that is not in the runtime.
///
/// Dropping the `Sleep` before it completes cancels the timer: its entry is
/// removed at once and nothing is woken afterwards.
///
/// # Panics
///
/// Panics if called outside a runtime (not in a task, not inside
/// `block_on`, no [`Handle::enter`](crate::Handle::enter) guard). Polling
/// the `Sleep` after its runtime shut down panics too: timers need the
/// runtime's workers.
///
/// # Examples
///
/// ```
/// use runtime::time::{sleep, Duration, Instant};
///
/// #[runtime::main]
/// async fn main() {
///     let start = Instant::now();
///     sleep(Duration::from_millis(20)).await;
///     assert!(start.elapsed() >= Duration::from_millis(20));
/// }
/// ```
#[track_caller]
pub fn sleep(duration: Duration) -> Sleep {
    sleep_in("runtime::time::sleep", duration)
}

/// `sleep`, for the public function `what` (named in the misuse panic).
#[track_caller]
pub(super) fn sleep_in(what: &str, duration: Duration) -> Sleep {
    let handle = current_handle(what);
    let now = handle.shared.time().now();
    let deadline = now.checked_add(duration).unwrap_or_else(|| far_future(now));
    Sleep::new(handle.shared, deadline)
}

/// Waits until the current runtime's clock reaches `deadline`.
///
/// A deadline already passed completes at once. See [`sleep`] for the
/// accuracy, and for why the runtime is looked up here.
///
/// # Panics
///
/// As [`sleep`]: outside a runtime, and when polled after the runtime shut
/// down.
///
/// # Examples
///
/// ```
/// use runtime::time::{self, sleep_until, Duration};
///
/// #[runtime::main]
/// async fn main() {
///     let deadline = time::now() + Duration::from_millis(10);
///     sleep_until(deadline).await;
///     assert!(time::now() >= deadline);
/// }
/// ```
#[track_caller]
pub fn sleep_until(deadline: Instant) -> Sleep {
    sleep_until_in("runtime::time::sleep_until", deadline)
}

/// `sleep_until`, for the public function `what` (named in the misuse
/// panic).
#[track_caller]
pub(super) fn sleep_until_in(what: &str, deadline: Instant) -> Sleep {
    Sleep::new(current_handle(what).shared, deadline)
}

/// Future returned by [`sleep`] and [`sleep_until`]; completes when the
/// runtime's clock reaches its [`deadline`](Sleep::deadline).
///
/// It is `Unpin`, so it can be polled by `&mut` (for example in a
/// `select!`); [`reset`](Sleep::reset) moves the deadline, which is cheaper
/// than creating a new `Sleep`. Polling it again after it completed
/// returns `Ready` again.
///
/// # Examples
///
/// A deadline pushed back each time something happens (an idle timeout):
///
/// ```
/// use runtime::time::{self, sleep, Duration};
/// use std::pin::Pin;
///
/// #[runtime::main(start_paused = true)]
/// async fn main() {
///     let idle_timeout = Duration::from_secs(30);
///     let mut timer = sleep(idle_timeout);
///     for _activity in 0..3 {
///         time::advance(Duration::from_secs(20)).await;
///         Pin::new(&mut timer).reset(time::now() + idle_timeout);
///     }
///     let reset_at = time::now();
///     timer.await;
///     assert_eq!(time::now() - reset_at, idle_timeout);
/// }
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Sleep {
    shared: Arc<Shared>,
    deadline: Instant,
    state: State,
}

enum State {
    /// Not in the wheel (not polled yet, or reset).
    Unregistered,
    /// Registered with the time driver; the registration is released on
    /// completion or drop.
    Registered(Key),
    /// Completed.
    Elapsed,
}

impl Sleep {
    fn new(shared: Arc<Shared>, deadline: Instant) -> Sleep {
        Sleep {
            shared,
            deadline,
            state: State::Unregistered,
        }
    }

    /// The instant this sleep completes at.
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime::time::{self, sleep, Duration};
    ///
    /// #[runtime::main(start_paused = true)]
    /// async fn main() {
    ///     let timer = sleep(Duration::from_secs(5));
    ///     assert_eq!(timer.deadline() - time::now(), Duration::from_secs(5));
    /// }
    /// ```
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// True once the timer has fired: the sleep completed, or the runtime's
    /// clock reached the deadline of a registered (polled) sleep. A sleep
    /// never polled is not elapsed yet, even with its deadline in the past
    /// (as in Tokio): awaiting it completes it at once.
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime::time::{sleep, Duration};
    ///
    /// #[runtime::main]
    /// async fn main() {
    ///     let mut timer = sleep(Duration::ZERO);
    ///     assert!(!timer.is_elapsed()); // not polled yet
    ///     (&mut timer).await;
    ///     assert!(timer.is_elapsed());
    /// }
    /// ```
    pub fn is_elapsed(&self) -> bool {
        match &self.state {
            State::Elapsed => true,
            State::Unregistered => false,
            // Fired, not yet seen by a poll. (A timer fires only once the
            // clock has reached its current deadline.)
            State::Registered(key) => self.shared.time().is_fired(key),
        }
    }

    /// Moves the deadline to `deadline` (earlier or later), whether or not
    /// the sleep has completed: it completes again at the new deadline. The
    /// waker registered by the last poll is kept, so a task waiting on this
    /// sleep wakes at the new deadline.
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime::time::{self, sleep, Duration};
    /// use std::pin::pin;
    ///
    /// #[runtime::main(start_paused = true)]
    /// async fn main() {
    ///     let start = time::now();
    ///     let mut timer = pin!(sleep(Duration::from_secs(60)));
    ///     timer.as_mut().reset(start + Duration::from_secs(1));
    ///     timer.await;
    ///     assert_eq!(time::now() - start, Duration::from_secs(1));
    /// }
    /// ```
    pub fn reset(self: Pin<&mut Self>, deadline: Instant) {
        let this = self.get_mut();
        this.deadline = deadline;
        this.state = match std::mem::replace(&mut this.state, State::Unregistered) {
            State::Registered(key) => match this.shared.reset_sleep(key, deadline) {
                Some(key) => State::Registered(key),
                None => State::Unregistered,
            },
            State::Unregistered | State::Elapsed => State::Unregistered,
        };
    }

    /// Polls without spending the task's cooperative budget (`Timeout`
    /// must be able to report its deadline after a busy inner future).
    #[track_caller]
    pub(crate) fn poll_elapsed(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let mut key = match std::mem::replace(&mut self.state, State::Unregistered) {
            State::Elapsed => {
                self.state = State::Elapsed;
                return Poll::Ready(());
            }
            State::Registered(key) => Some(key),
            State::Unregistered => None,
        };
        // (A panic here, a poll after the runtime shut down, leaves the
        // sleep unregistered: its `Drop` then has nothing to release.)
        let poll = self.shared.poll_sleep(&mut key, self.deadline, cx.waker());
        self.state = match (poll, key) {
            (Poll::Ready(()), _) => State::Elapsed,
            (Poll::Pending, Some(key)) => State::Registered(key),
            (Poll::Pending, None) => unreachable!("a pending sleep is registered"),
        };
        poll
    }

    /// The runtime's shared state (for `Interval`'s clock reads).
    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }
}

impl Future for Sleep {
    type Output = ();

    #[track_caller]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if coop::poll_proceed(cx).is_none() {
            return Poll::Pending;
        }
        self.get_mut().poll_elapsed(cx)
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if let State::Registered(key) = std::mem::replace(&mut self.state, State::Unregistered) {
            self.shared.time().deregister(key);
        }
    }
}

impl fmt::Debug for Sleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sleep")
            .field("deadline", &self.deadline)
            .field("registered", &matches!(self.state, State::Registered(_)))
            .finish()
    }
}

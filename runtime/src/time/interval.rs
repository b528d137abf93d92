//! [`interval`], [`interval_at`], the [`Interval`] stream of ticks and its
//! [`MissedTickBehavior`].

use super::sleep::{sleep_until_in, Sleep};
use super::{far_future, Instant};
use std::future::{poll_fn, Future as _};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// A tick this much later than scheduled counts as missed, and the
/// [`MissedTickBehavior`] decides when the next one is.
const MISSED_TOLERANCE: Duration = Duration::from_millis(5);

/// Ticks every `period`, the first tick completing at once.
///
/// Ticks are scheduled at `start + n * period` (start being now), so they
/// do not drift however long the work between them takes; what happens
/// when ticks are missed altogether is the interval's
/// [`MissedTickBehavior`] ([`Burst`](MissedTickBehavior::Burst) by
/// default).
///
/// # Panics
///
/// Panics if `period` is zero, or if called outside a runtime.
///
/// # Examples
///
/// ```
/// use runtime::time::{self, interval, Duration};
///
/// #[runtime::main(start_paused = true)]
/// async fn main() {
///     let start = time::now();
///     let mut ticks = interval(Duration::from_secs(10));
///     for n in 0..3 {
///         let at = ticks.tick().await;
///         assert_eq!(at - start, n * Duration::from_secs(10));
///     }
/// }
/// ```
#[track_caller]
pub fn interval(period: Duration) -> Interval {
    check_period(period, "interval");
    interval_at(super::now_in("runtime::time::interval"), period)
}

/// Ticks every `period`, the first tick at `start`.
///
/// # Panics
///
/// Panics if `period` is zero, or if called outside a runtime.
///
/// # Examples
///
/// ```
/// use runtime::time::{self, interval_at, Duration};
///
/// #[runtime::main(start_paused = true)]
/// async fn main() {
///     let start = time::now() + Duration::from_secs(5);
///     let mut ticks = interval_at(start, Duration::from_secs(1));
///     assert_eq!(ticks.tick().await, start);
///     assert_eq!(ticks.tick().await, start + Duration::from_secs(1));
/// }
/// ```
#[track_caller]
pub fn interval_at(start: Instant, period: Duration) -> Interval {
    check_period(period, "interval_at");
    Interval {
        delay: sleep_until_in("runtime::time::interval_at", start),
        period,
        missed_tick_behavior: MissedTickBehavior::default(),
    }
}

#[track_caller]
fn check_period(period: Duration, what: &str) {
    assert!(
        !period.is_zero(),
        "`runtime::time::{what}` was given a zero period, which would tick without end; \
         use a positive period, such as `Duration::from_millis(1)`"
    );
}

/// What an [`Interval`] does when ticks were missed (the task came back
/// to it later than a whole period after a tick was due, say because it was
/// busy): see each variant.
///
/// # Examples
///
/// ```
/// use runtime::time::{self, interval, Duration, MissedTickBehavior};
///
/// #[runtime::main(start_paused = true)]
/// async fn main() {
///     let start = time::now();
///     let mut ticks = interval(Duration::from_secs(10));
///     ticks.set_missed_tick_behavior(MissedTickBehavior::Skip);
///     ticks.tick().await; // at start
///     time::advance(Duration::from_secs(35)).await; // missed the ticks at 10, 20, 30
///     ticks.tick().await; // the late one, returned at once
///     assert_eq!(ticks.tick().await - start, Duration::from_secs(40)); // back on the grid
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MissedTickBehavior {
    /// Catch up: the missed ticks complete one after another at once, then
    /// the schedule goes on as if none had been missed (ticks at `start +
    /// n * period`). The default, right when the number of ticks matters.
    #[default]
    Burst,
    /// Start over: the next tick is one period after the late tick was
    /// taken, and the schedule moves with it. Right when ticks must be at
    /// least a period apart.
    Delay,
    /// Drop the missed ticks: the next tick is the next one on the
    /// original schedule (`start + n * period`) still in the future.
    Skip,
}

impl MissedTickBehavior {
    /// The deadline after a tick due at `timeout` was taken late, at `now`.
    fn next_timeout(self, timeout: Instant, now: Instant, period: Duration) -> Instant {
        let next = match self {
            MissedTickBehavior::Burst => timeout.checked_add(period),
            MissedTickBehavior::Delay => now.checked_add(period),
            MissedTickBehavior::Skip => {
                let late = now.saturating_duration_since(timeout).as_nanos();
                let into_period = late % period.as_nanos();
                // `into_period` < `period`, which fits in a `Duration`.
                let into_period = Duration::from_nanos(into_period as u64);
                now.checked_add(period - into_period)
            }
        };
        next.unwrap_or_else(|| far_future(now))
    }
}

/// A stream of ticks every `period`; created by [`interval`] or
/// [`interval_at`].
#[derive(Debug)]
pub struct Interval {
    delay: Sleep,
    period: Duration,
    missed_tick_behavior: MissedTickBehavior,
}

impl Interval {
    /// Waits for the next tick and returns the instant it was scheduled
    /// for (not the instant it was taken).
    ///
    /// Cancel-safe: dropping the future before it completes loses no tick.
    ///
    /// # Panics
    ///
    /// If the runtime has shut down (as a [`Sleep`] polled then).
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime::time::{interval, Duration};
    ///
    /// #[runtime::main(start_paused = true)]
    /// async fn main() {
    ///     let mut heartbeat = interval(Duration::from_secs(1));
    ///     let first = heartbeat.tick().await; // at once
    ///     let second = heartbeat.tick().await;
    ///     assert_eq!(second - first, Duration::from_secs(1));
    /// }
    /// ```
    pub async fn tick(&mut self) -> Instant {
        poll_fn(|cx| self.poll_tick(cx)).await
    }

    /// Polls for the next tick (for hand-written futures and streams);
    /// as [`tick`](Interval::tick).
    pub fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Instant> {
        if Pin::new(&mut self.delay).poll(cx).is_pending() {
            return Poll::Pending;
        }
        let timeout = self.delay.deadline();
        let now = self.delay.shared().time().now();
        let next = if now.saturating_duration_since(timeout) > MISSED_TOLERANCE {
            self.missed_tick_behavior
                .next_timeout(timeout, now, self.period)
        } else {
            timeout
                .checked_add(self.period)
                .unwrap_or_else(|| far_future(timeout))
        };
        Pin::new(&mut self.delay).reset(next);
        Poll::Ready(timeout)
    }

    /// Restarts the schedule: the next tick is one period from now.
    pub fn reset(&mut self) {
        let now = self.delay.shared().time().now();
        let next = now
            .checked_add(self.period)
            .unwrap_or_else(|| far_future(now));
        Pin::new(&mut self.delay).reset(next);
    }

    /// The period between ticks.
    pub fn period(&self) -> Duration {
        self.period
    }

    /// What happens when ticks are missed.
    pub fn missed_tick_behavior(&self) -> MissedTickBehavior {
        self.missed_tick_behavior
    }

    /// Sets what happens when ticks are missed.
    pub fn set_missed_tick_behavior(&mut self, behavior: MissedTickBehavior) {
        self.missed_tick_behavior = behavior;
    }
}

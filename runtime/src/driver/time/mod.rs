//! The time driver: the timing wheel, the runtime's clock, and the wait
//! for the next timer.
//!
//! It wraps the driver below it (the I/O driver): the thread that holds
//! the driver stack asks [`Driver::before_park`] how long it may wait in
//! the I/O driver (until the next timer), and a timer registered earlier
//! than that wake-up interrupts the wait through the I/O driver's handle
//! ([`Unpark`](crate::driver::Unpark)). It knows nothing of workers: the
//! scheduler decides who holds the driver, when a paused clock may jump
//! (`may_advance`), and whom to wake when nobody waits in the driver
//! ([`Wake::NoDriver`]).
//!
//! The public timers (`crate::time`: `sleep`, `timeout`, `interval`,
//! `pause` / `resume` / `advance`) are built on this driver.

pub(crate) mod clock;
mod driver;
#[cfg(all(test, runtime_loom))]
mod loom_timer;
mod timer;
mod wheel;

pub(crate) use driver::{Driver, Park, Parked, Wake};
pub(crate) use timer::Key;

use std::time::{Duration, Instant};

/// "Forever": about 30 years after `from` (what a duration too large for
/// `Instant` becomes).
pub(crate) fn far_future(from: Instant) -> Instant {
    from.checked_add(Duration::from_secs(30 * 365 * 24 * 60 * 60))
        .unwrap_or(from)
}

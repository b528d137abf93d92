//! The plain thread parker: the bottom of the driver stack where there is
//! no I/O driver. A thread waits on a condition variable (for at most what
//! the time driver above allows) until unparked; an unpark with nobody
//! waiting is remembered, so the next wait returns at once, as the I/O
//! driver's `mio::Waker` (an eventfd that stays signalled) behaves.
//!
//! The runtime always builds its stack on the I/O driver today (there is
//! no option to leave I/O out); the loom models use this parker as the
//! bottom of the stack (`mio` cannot run under loom).

use super::Unpark;
use crate::loom::{Condvar, Mutex};
use std::time::Duration;

/// A driver that only waits and wakes.
pub(crate) struct ParkThread {
    /// Set by `unpark`, consumed by the next `park`.
    notified: Mutex<bool>,
    cvar: Condvar,
}

impl ParkThread {
    pub(crate) fn new() -> ParkThread {
        ParkThread {
            notified: Mutex::new(false),
            cvar: Condvar::new(),
        }
    }

    /// Waits until unparked (an unpark since the last wait counts), or
    /// until `timeout` passes (`None`: no timeout). Consumes the unpark.
    pub(crate) fn park(&self, timeout: Option<Duration>) {
        let mut notified = self.notified.lock();
        match timeout {
            None => {
                while !*notified {
                    self.cvar.wait(&mut notified);
                }
            }
            Some(timeout) => {
                if !*notified {
                    // Woken, timed out or spurious: the caller re-checks
                    // its state either way, as after a poll.
                    let _ = self.cvar.wait_for(&mut notified, timeout);
                }
            }
        }
        *notified = false;
    }
}

impl Unpark for ParkThread {
    fn unpark(&self) {
        // The flag is set under the lock the waiter checks it under, so
        // the notification cannot fall between its check and its wait.
        *self.notified.lock() = true;
        self.cvar.notify_one();
    }
}

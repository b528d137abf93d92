//! Sub-millisecond timeouts for the poller (Linux): `epoll_wait` takes its
//! timeout in whole milliseconds, and mio rounds it *up*, so a wait for
//! the next timer would end up to a millisecond late. A `timerfd`
//! registered with the poller, armed for the exact timeout, ends the wait
//! on time; the rounded-up timeout stays as the fallback.
//!
//! A wait that ends early for another reason leaves the timer armed: the
//! next wait for the same deadline (the usual case: the next timer has not
//! changed) keeps that arming instead of setting the timer again, which
//! would be one more system call per wait (with timers pending, the
//! timeout is almost never whole milliseconds: an HTTP server with a read
//! deadline per connection made one `timerfd_settime` per `epoll_wait`).
//! A later wait for another deadline re-arms it; an
//! arming for an earlier deadline may still end one wait early (a
//! spurious wake-up, which every waiter tolerates: it looks at its timers
//! and waits again).
//!
//! Elsewhere [`TimerFd`] is a stand-in that does nothing (the wait then
//! ends at the rounded-up millisecond, as before).

use mio::{Interest, Registry, Token};
use std::io;
use std::time::Duration;

#[cfg(target_os = "linux")]
mod imp {
    use super::*;
    use mio::unix::SourceFd;
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    use std::time::Instant;

    /// How far apart two deadlines may be and still count as the same one
    /// (`TimerFd::arm`): the scheduler hands the poller a timeout, not a
    /// deadline, so the deadline it stands for is rebuilt from the clock, a
    /// few microseconds off each time. A kept arming ends the wait at most
    /// this much late (the timer wheel's ticks are 250 µs).
    const SAME_DEADLINE: Duration = Duration::from_micros(20);

    /// A monotonic-clock `timerfd` registered with the poller.
    pub(crate) struct TimerFd {
        fd: OwnedFd,
        /// When the armed timer expires; `None` once its expiration was
        /// seen (`fired`), or if it was never armed.
        armed_until: Option<Instant>,
        /// The `timerfd_settime` calls made (tests).
        #[cfg(test)]
        pub(crate) arms: usize,
    }

    impl TimerFd {
        /// Creates the timer and registers it with `registry` under
        /// `token`.
        ///
        /// # Errors
        ///
        /// The operating system's (out of descriptors).
        pub(crate) fn new(registry: &Registry, token: Token) -> io::Result<TimerFd> {
            // SAFETY: a plain system call; its result is checked below.
            let fd = unsafe {
                libc::timerfd_create(
                    libc::CLOCK_MONOTONIC,
                    libc::TFD_NONBLOCK | libc::TFD_CLOEXEC,
                )
            };
            if fd < 0 {
                return Err(io::Error::last_os_error());
            }
            // SAFETY: `fd` was just returned by `timerfd_create`, is valid
            // and owned by nobody else.
            let fd = unsafe { OwnedFd::from_raw_fd(fd) };
            registry.register(&mut SourceFd(&fd.as_raw_fd()), token, Interest::READABLE)?;
            Ok(TimerFd {
                fd,
                armed_until: None,
                #[cfg(test)]
                arms: 0,
            })
        }

        /// Arms the timer to fire once, `timeout` from now (replacing any
        /// earlier arming, and clearing a pending expiration, so that its
        /// next expiration is a new edge for the edge-triggered poller),
        /// unless it is armed for that deadline already (within
        /// `SAME_DEADLINE`) and has not been seen to fire.
        pub(crate) fn arm(&mut self, timeout: Duration) {
            let deadline = Instant::now().checked_add(timeout);
            if let (Some(armed), Some(deadline)) = (self.armed_until, deadline) {
                let apart = armed
                    .saturating_duration_since(deadline)
                    .max(deadline.saturating_duration_since(armed));
                if apart <= SAME_DEADLINE {
                    return;
                }
            }
            self.armed_until = deadline;
            #[cfg(test)]
            {
                self.arms += 1;
            }
            let spec = libc::itimerspec {
                it_interval: libc::timespec {
                    tv_sec: 0,
                    tv_nsec: 0,
                },
                it_value: libc::timespec {
                    tv_sec: timeout.as_secs().try_into().unwrap_or(libc::time_t::MAX),
                    // Below 10^9: fits every `c_long`.
                    tv_nsec: timeout.subsec_nanos() as libc::c_long,
                },
            };
            // SAFETY: `fd` is a valid timerfd; `spec` is a valid
            // `itimerspec`, and a null old value is allowed. An error
            // (none is expected) only leaves the fallback timeout.
            unsafe {
                libc::timerfd_settime(self.fd.as_raw_fd(), 0, &spec, std::ptr::null_mut());
            }
        }

        /// The poller saw the timer's event: it is no longer armed.
        pub(crate) fn fired(&mut self) {
            self.armed_until = None;
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod imp {
    use super::*;

    /// Nothing to arm: waits end at the rounded-up millisecond.
    pub(crate) struct TimerFd;

    impl TimerFd {
        pub(crate) fn new(_registry: &Registry, _token: Token) -> io::Result<TimerFd> {
            Ok(TimerFd)
        }

        pub(crate) fn arm(&mut self, _timeout: Duration) {}

        pub(crate) fn fired(&mut self) {}
    }
}

pub(crate) use imp::TimerFd;

/// True if a wait of `timeout` would end late without the timer: a
/// timeout that is not a whole number of milliseconds (zero and whole
/// milliseconds are exact for `epoll_wait`).
pub(crate) fn needs_timer(timeout: Duration) -> bool {
    timeout.subsec_nanos() % 1_000_000 != 0
}

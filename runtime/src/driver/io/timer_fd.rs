//! Sub-millisecond timeouts for the poller (Linux): `epoll_wait` takes its
//! timeout in whole milliseconds, and mio rounds it *up*, so a wait for
//! the next timer would end up to a millisecond late. A `timerfd`
//! registered with the poller, armed for the exact timeout, ends the wait
//! on time; the rounded-up timeout stays as the fallback.
//!
//! A wait that ends early for another reason leaves the timer armed: it
//! may then end a later wait early once (a spurious wake-up, which every
//! waiter tolerates: it looks at its timers and waits again).
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

    /// A monotonic-clock `timerfd` registered with the poller.
    pub(crate) struct TimerFd {
        fd: OwnedFd,
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
            Ok(TimerFd { fd })
        }

        /// Arms the timer to fire once, `timeout` from now (replacing any
        /// earlier arming, and clearing a pending expiration, so that its
        /// next expiration is a new edge for the edge-triggered poller).
        pub(crate) fn arm(&self, timeout: Duration) {
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

        pub(crate) fn arm(&self, _timeout: Duration) {}
    }
}

pub(crate) use imp::TimerFd;

/// True if a wait of `timeout` would end late without the timer: a
/// timeout that is not a whole number of milliseconds (zero and whole
/// milliseconds are exact for `epoll_wait`).
pub(crate) fn needs_timer(timeout: Duration) -> bool {
    timeout.subsec_nanos() % 1_000_000 != 0
}

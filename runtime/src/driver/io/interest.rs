//! [`Interest`]: which readiness an operation waits for.

use super::scheduled_io::{ERROR, READABLE, READ_CLOSED, WRITABLE, WRITE_CLOSED};
use std::fmt;
use std::ops;

/// The readiness events a task is interested in: readable, writable, or
/// errors. Combine them with `|`.
///
/// Used with [`TcpStream::ready`](crate::net::TcpStream::ready) and the
/// other sockets' `ready`, and with
/// [`AsyncFd::with_interest`](crate::io::unix::AsyncFd::with_interest).
///
/// # Examples
///
/// ```
/// use runtime::io::Interest;
///
/// let both = Interest::READABLE | Interest::WRITABLE;
/// assert!(both.is_readable() && both.is_writable());
/// assert!(!Interest::READABLE.is_writable());
/// assert_eq!(both.remove(Interest::WRITABLE), Some(Interest::READABLE));
/// assert_eq!(Interest::READABLE.remove(Interest::READABLE), None);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Interest(u8);

const R: u8 = 1;
const W: u8 = 1 << 1;
const E: u8 = 1 << 2;

impl Interest {
    /// Interest in the resource becoming readable (or its read side
    /// closing).
    pub const READABLE: Interest = Interest(R);

    /// Interest in the resource becoming writable (or its write side
    /// closing).
    pub const WRITABLE: Interest = Interest(W);

    /// Interest in error events only. The operating system always reports
    /// errors, so this is useful mainly on its own, with
    /// [`AsyncFd::with_interest`](crate::io::unix::AsyncFd::with_interest).
    pub const ERROR: Interest = Interest(E);

    /// Whether this includes [`READABLE`](Self::READABLE).
    pub const fn is_readable(self) -> bool {
        self.0 & R != 0
    }

    /// Whether this includes [`WRITABLE`](Self::WRITABLE).
    pub const fn is_writable(self) -> bool {
        self.0 & W != 0
    }

    /// Whether this includes [`ERROR`](Self::ERROR).
    pub const fn is_error(self) -> bool {
        self.0 & E != 0
    }

    /// This interest and `other` (the same as `|`, usable in `const`).
    #[must_use]
    pub const fn add(self, other: Interest) -> Interest {
        Interest(self.0 | other.0)
    }

    /// This interest without `other`; `None` if nothing is left.
    #[must_use]
    pub const fn remove(self, other: Interest) -> Option<Interest> {
        let left = self.0 & !other.0;
        if left == 0 {
            None
        } else {
            Some(Interest(left))
        }
    }

    /// The readiness bits (`scheduled_io`) that satisfy this interest.
    /// Errors satisfy every interest: an operation must run to see them.
    pub(crate) fn mask(self) -> usize {
        let mut mask = ERROR;
        if self.is_readable() {
            mask |= READABLE | READ_CLOSED;
        }
        if self.is_writable() {
            mask |= WRITABLE | WRITE_CLOSED;
        }
        mask
    }

    /// The mio interest to register with. mio always reports errors and
    /// has no error interest, but a registration needs some interest:
    /// `ERROR` alone registers for reads.
    pub(crate) fn to_mio(self) -> mio::Interest {
        match (self.is_readable(), self.is_writable()) {
            (_, false) => mio::Interest::READABLE,
            (false, true) => mio::Interest::WRITABLE,
            (true, true) => mio::Interest::READABLE | mio::Interest::WRITABLE,
        }
    }
}

impl ops::BitOr for Interest {
    type Output = Interest;

    fn bitor(self, other: Interest) -> Interest {
        self.add(other)
    }
}

impl ops::BitOrAssign for Interest {
    fn bitor_assign(&mut self, other: Interest) {
        *self = self.add(other);
    }
}

impl fmt::Debug for Interest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names = Vec::new();
        if self.is_readable() {
            names.push("READABLE");
        }
        if self.is_writable() {
            names.push("WRITABLE");
        }
        if self.is_error() {
            names.push("ERROR");
        }
        write!(f, "{}", names.join(" | "))
    }
}

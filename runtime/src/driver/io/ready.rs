//! [`Ready`]: the readiness a resource was found in.

use super::scheduled_io::{ERROR, READABLE, READ_CLOSED, WRITABLE, WRITE_CLOSED};
use std::fmt;
use std::ops;

/// The readiness of a socket or descriptor, as returned by `ready`
/// ([`TcpStream::ready`](crate::net::TcpStream::ready), ...) and by
/// [`AsyncFdReadyGuard::ready`](crate::io::unix::AsyncFdReadyGuard::ready).
///
/// Readiness is a hint: an operation may still return `WouldBlock`
/// (another task got there first, or the event was spurious), and the
/// `try_*` calls then forget it.
///
/// # Examples
///
/// ```
/// use runtime::io::Ready;
///
/// let ready = Ready::READABLE | Ready::READ_CLOSED;
/// assert!(ready.is_readable() && ready.is_read_closed());
/// assert!(!ready.is_writable());
/// assert!(Ready::EMPTY.is_empty());
/// assert_eq!(ready - Ready::READ_CLOSED, Ready::READABLE);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ready(usize);

const ALL: usize = READABLE | WRITABLE | READ_CLOSED | WRITE_CLOSED | ERROR;

impl Ready {
    /// No readiness.
    pub const EMPTY: Ready = Ready(0);
    /// Readable.
    pub const READABLE: Ready = Ready(READABLE);
    /// Writable.
    pub const WRITABLE: Ready = Ready(WRITABLE);
    /// The read side is closed (the peer shut down its write side): a read
    /// returns end of stream at once.
    pub const READ_CLOSED: Ready = Ready(READ_CLOSED);
    /// The write side is closed: a write fails at once.
    pub const WRITE_CLOSED: Ready = Ready(WRITE_CLOSED);
    /// An error is pending on the resource.
    pub const ERROR: Ready = Ready(ERROR);
    /// Every kind of readiness.
    pub const ALL: Ready = Ready(ALL);

    pub(crate) fn from_bits(bits: usize) -> Ready {
        Ready(bits & ALL)
    }

    pub(crate) fn bits(self) -> usize {
        self.0
    }

    /// Whether nothing is ready.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether [`READABLE`](Self::READABLE) is set.
    pub fn is_readable(self) -> bool {
        self.0 & READABLE != 0
    }

    /// Whether [`WRITABLE`](Self::WRITABLE) is set.
    pub fn is_writable(self) -> bool {
        self.0 & WRITABLE != 0
    }

    /// Whether [`READ_CLOSED`](Self::READ_CLOSED) is set.
    pub fn is_read_closed(self) -> bool {
        self.0 & READ_CLOSED != 0
    }

    /// Whether [`WRITE_CLOSED`](Self::WRITE_CLOSED) is set.
    pub fn is_write_closed(self) -> bool {
        self.0 & WRITE_CLOSED != 0
    }

    /// Whether [`ERROR`](Self::ERROR) is set.
    pub fn is_error(self) -> bool {
        self.0 & ERROR != 0
    }
}

impl ops::BitOr for Ready {
    type Output = Ready;

    fn bitor(self, other: Ready) -> Ready {
        Ready(self.0 | other.0)
    }
}

impl ops::BitOrAssign for Ready {
    fn bitor_assign(&mut self, other: Ready) {
        self.0 |= other.0;
    }
}

impl ops::BitAnd for Ready {
    type Output = Ready;

    fn bitand(self, other: Ready) -> Ready {
        Ready(self.0 & other.0)
    }
}

impl ops::Sub for Ready {
    type Output = Ready;

    fn sub(self, other: Ready) -> Ready {
        Ready(self.0 & !other.0)
    }
}

impl fmt::Debug for Ready {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ready")
            .field("is_readable", &self.is_readable())
            .field("is_writable", &self.is_writable())
            .field("is_read_closed", &self.is_read_closed())
            .field("is_write_closed", &self.is_write_closed())
            .field("is_error", &self.is_error())
            .finish()
    }
}

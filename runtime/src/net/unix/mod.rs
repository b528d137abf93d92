//! Unix domain sockets: [`UnixListener`], [`UnixStream`] and its halves
//! ([`OwnedReadHalf`], [`OwnedWriteHalf`], [`ReadHalf`], [`WriteHalf`],
//! [`ReuniteError`]), and [`UnixDatagram`], as in Tokio's `net::unix`.
//!
//! On Linux, a path whose first byte is NUL (`"\0name"`) names a socket in
//! the *abstract namespace*: no file is created, and the name disappears
//! with the last socket bound to it.

mod datagram;
mod listener;
mod split;
mod stream;

pub use datagram::UnixDatagram;
pub use listener::UnixListener;
pub use split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, ReuniteError, WriteHalf};
pub use std::os::unix::net::SocketAddr;
pub use stream::UnixStream;

use std::io;
use std::path::Path;

/// The socket address of `path`: a file system path, or on Linux an
/// abstract name if it starts with a NUL byte.
pub(crate) fn socket_addr(path: &Path) -> io::Result<SocketAddr> {
    #[cfg(target_os = "linux")]
    {
        use std::os::linux::net::SocketAddrExt;
        use std::os::unix::ffi::OsStrExt;
        if let Some(name) = path.as_os_str().as_bytes().strip_prefix(b"\0") {
            return SocketAddr::from_abstract_name(name);
        }
    }
    SocketAddr::from_pathname(path)
}

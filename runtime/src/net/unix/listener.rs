//! `UnixListener`: accepts Unix domain stream connections.

use super::{socket_addr, SocketAddr, UnixStream};
use crate::driver::io::registration::PollEvented;
use crate::driver::io::scheduled_io::Direction;
use std::fmt;
use std::io;
use std::path::Path;
use std::task::{Context, Poll};

/// A Unix domain socket server.
///
/// # Examples
///
/// ```
/// use futures::io::{AsyncReadExt, AsyncWriteExt};
/// use runtime::net::{UnixListener, UnixStream};
///
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let path = std::env::temp_dir().join(format!("runtime-doc-{}.sock", std::process::id()));
/// let _ = std::fs::remove_file(&path);
/// let listener = UnixListener::bind(&path)?;
/// let mut client = UnixStream::connect(&path).await?;
/// let (mut server, _) = listener.accept().await?;
/// client.write_all(b"hi").await?;
/// let mut buf = [0; 2];
/// server.read_exact(&mut buf).await?;
/// assert_eq!(&buf, b"hi");
/// std::fs::remove_file(&path)?;
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
pub struct UnixListener {
    io: PollEvented<mio::net::UnixListener>,
}

impl UnixListener {
    /// Binds a listener to the socket file `path` (which must not exist),
    /// or on Linux to the abstract name `path` if it starts with a NUL
    /// byte.
    ///
    /// # Errors
    ///
    /// The operating system's (`AddrInUse` if the file or the name
    /// exists, ...), or an error if the runtime shut down.
    ///
    /// # Panics
    ///
    /// Outside a runtime.
    #[track_caller]
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixListener> {
        let addr = socket_addr(path.as_ref())?;
        Ok(UnixListener {
            io: crate::io::register(mio::net::UnixListener::bind_addr(&addr)?)?,
        })
    }

    /// Registers a `std` listener (switching it to non-blocking mode).
    ///
    /// # Errors
    ///
    /// The operating system's, or an error if the runtime shut down.
    ///
    /// # Panics
    ///
    /// Outside a runtime.
    #[track_caller]
    pub fn from_std(listener: std::os::unix::net::UnixListener) -> io::Result<UnixListener> {
        listener.set_nonblocking(true)?;
        Ok(UnixListener {
            io: crate::io::register(mio::net::UnixListener::from_std(listener))?,
        })
    }

    /// Deregisters the listener and returns it as a `std` listener, still
    /// in non-blocking mode.
    ///
    /// # Errors
    ///
    /// None today; `io::Result` as in Tokio.
    pub fn into_std(self) -> io::Result<std::os::unix::net::UnixListener> {
        self.io.into_inner().map(Into::into)
    }

    /// Waits for a connection.
    ///
    /// # Errors
    ///
    /// The operating system's, or an error if the runtime shut down.
    pub async fn accept(&self) -> io::Result<(UnixStream, SocketAddr)> {
        let (stream, addr) = self.io.async_io(Direction::Read, |l| l.accept()).await?;
        Ok((UnixStream::from_mio(stream)?, addr))
    }

    /// Poll-style [`accept`](Self::accept), for one task.
    ///
    /// # Errors
    ///
    /// As [`accept`](Self::accept).
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(UnixStream, SocketAddr)>> {
        let (stream, addr) =
            std::task::ready!(self.io.poll_io(cx, Direction::Read, |l| l.accept()))?;
        Poll::Ready(UnixStream::from_mio(stream).map(|s| (s, addr)))
    }

    /// The address the listener is bound to.
    ///
    /// # Errors
    ///
    /// The operating system's.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }
}

impl_as_fd!(UnixListener);

impl fmt::Debug for UnixListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixListener")
            .field("local_addr", &self.local_addr().ok())
            .finish()
    }
}

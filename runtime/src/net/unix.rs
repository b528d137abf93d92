//! Unix domain sockets: `UnixListener`, `UnixStream`.

use crate::io::registration::PollEvented;
use crate::io::scheduled_io::Direction;
use crate::io::{AsyncRead, AsyncWrite};
use std::fmt;
use std::io;
use std::net::Shutdown;
use std::os::unix::net::SocketAddr;
use std::path::Path;
use std::pin::Pin;
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
    /// Binds a listener to the socket file `path` (which must not exist).
    ///
    /// # Errors
    ///
    /// The operating system's (`AddrInUse` if the file exists, ...), or an
    /// error if the runtime shut down.
    ///
    /// # Panics
    ///
    /// Outside a runtime.
    #[track_caller]
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixListener> {
        Ok(UnixListener {
            io: PollEvented::new(mio::net::UnixListener::bind(path)?)?,
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
            io: PollEvented::new(mio::net::UnixListener::from_std(listener))?,
        })
    }

    /// Waits for a connection.
    ///
    /// # Errors
    ///
    /// The operating system's, or an error if the runtime shut down.
    pub async fn accept(&self) -> io::Result<(UnixStream, SocketAddr)> {
        let (stream, addr) = self.io.async_io(Direction::Read, |l| l.accept()).await?;
        Ok((
            UnixStream {
                io: PollEvented::new(stream)?,
            },
            addr,
        ))
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

impl fmt::Debug for UnixListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixListener")
            .field("local_addr", &self.local_addr().ok())
            .finish()
    }
}

/// A Unix domain stream socket; implements
/// [`AsyncRead`](crate::io::AsyncRead) and
/// [`AsyncWrite`](crate::io::AsyncWrite). See [`UnixListener`] for an
/// example.
pub struct UnixStream {
    io: PollEvented<mio::net::UnixStream>,
}

impl UnixStream {
    /// Connects to the socket file `path`.
    ///
    /// # Errors
    ///
    /// The operating system's (`NotFound`, `ConnectionRefused`, ...), or an
    /// error if the runtime shut down.
    ///
    /// # Panics
    ///
    /// If polled outside a runtime.
    pub async fn connect(path: impl AsRef<Path>) -> io::Result<UnixStream> {
        let stream = UnixStream {
            io: PollEvented::new(mio::net::UnixStream::connect(path)?)?,
        };
        stream
            .io
            .wait_connected(|s| match s.take_error()? {
                Some(err) => Err(err),
                None => Ok(()),
            })
            .await?;
        Ok(stream)
    }

    /// Registers a connected `std` stream (switching it to non-blocking
    /// mode).
    ///
    /// # Errors
    ///
    /// The operating system's, or an error if the runtime shut down.
    ///
    /// # Panics
    ///
    /// Outside a runtime.
    #[track_caller]
    pub fn from_std(stream: std::os::unix::net::UnixStream) -> io::Result<UnixStream> {
        stream.set_nonblocking(true)?;
        Ok(UnixStream {
            io: PollEvented::new(mio::net::UnixStream::from_std(stream))?,
        })
    }

    /// The local address.
    ///
    /// # Errors
    ///
    /// The operating system's.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The remote address.
    ///
    /// # Errors
    ///
    /// The operating system's.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// Shuts down the read side, the write side, or both.
    ///
    /// # Errors
    ///
    /// The operating system's.
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.io.get_ref().shutdown(how)
    }
}

impl AsyncRead for UnixStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.io.poll_read(cx, buf)
    }
}

impl AsyncWrite for UnixStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.io.poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.shutdown(Shutdown::Write) {
            Err(err) if err.kind() == io::ErrorKind::NotConnected => Poll::Ready(Ok(())),
            other => Poll::Ready(other),
        }
    }
}

impl fmt::Debug for UnixStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixStream")
            .field("local_addr", &self.local_addr().ok())
            .finish()
    }
}

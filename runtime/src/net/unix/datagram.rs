//! `UnixDatagram`: Unix domain datagram sockets.

use super::{socket_addr, SocketAddr};
use crate::driver::io::registration::PollEvented;
use crate::driver::io::scheduled_io::Direction;
use crate::io::{Interest, ReadBuf};
use std::fmt;
use std::io;
use std::mem::ManuallyDrop;
use std::net::Shutdown;
use std::os::fd::{AsRawFd, FromRawFd};
use std::os::unix::net::UnixDatagram as StdUnixDatagram;
use std::path::Path;
use std::task::{Context, Poll};

/// A Unix domain datagram socket, in Tokio's shape. All methods take
/// `&self`. Addresses are socket file paths, or on Linux abstract names
/// (starting with a NUL byte).
///
/// # Examples
///
/// ```
/// use runtime::net::UnixDatagram;
///
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let (a, b) = UnixDatagram::pair()?;
/// a.send(b"hello").await?;
/// let mut buf = [0; 16];
/// let n = b.recv(&mut buf).await?;
/// assert_eq!(&buf[..n], b"hello");
///
/// // Readiness and a non-blocking receive.
/// b.send(b"back").await?;
/// let n = loop {
///     a.readable().await?;
///     match a.try_recv(&mut buf) {
///         Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
///         other => break other?,
///     }
/// };
/// assert_eq!(&buf[..n], b"back");
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
pub struct UnixDatagram {
    io: PollEvented<mio::net::UnixDatagram>,
}

impl UnixDatagram {
    fn from_mio(socket: mio::net::UnixDatagram) -> io::Result<UnixDatagram> {
        Ok(UnixDatagram {
            io: crate::io::register(socket)?,
        })
    }

    /// A socket bound to `path` (a file that must not exist, or on Linux
    /// an abstract name starting with a NUL byte).
    ///
    /// # Errors
    ///
    /// The operating system's (`AddrInUse`, ...), or an error if the
    /// runtime shut down.
    ///
    /// # Panics
    ///
    /// Outside a runtime.
    #[track_caller]
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixDatagram> {
        let addr = socket_addr(path.as_ref())?;
        UnixDatagram::from_mio(mio::net::UnixDatagram::bind_addr(&addr)?)
    }

    /// A socket bound to no address (it can send; replies need an address,
    /// so it can only receive from a peer it is connected to).
    ///
    /// # Errors
    ///
    /// The operating system's, or an error if the runtime shut down.
    ///
    /// # Panics
    ///
    /// Outside a runtime.
    #[track_caller]
    pub fn unbound() -> io::Result<UnixDatagram> {
        UnixDatagram::from_mio(mio::net::UnixDatagram::unbound()?)
    }

    /// A pair of sockets connected to each other.
    ///
    /// # Errors
    ///
    /// The operating system's, or an error if the runtime shut down.
    ///
    /// # Panics
    ///
    /// Outside a runtime.
    #[track_caller]
    pub fn pair() -> io::Result<(UnixDatagram, UnixDatagram)> {
        let (a, b) = mio::net::UnixDatagram::pair()?;
        Ok((UnixDatagram::from_mio(a)?, UnixDatagram::from_mio(b)?))
    }

    /// Registers a `std` socket (switching it to non-blocking mode).
    ///
    /// # Errors
    ///
    /// The operating system's, or an error if the runtime shut down.
    ///
    /// # Panics
    ///
    /// Outside a runtime.
    #[track_caller]
    pub fn from_std(socket: StdUnixDatagram) -> io::Result<UnixDatagram> {
        socket.set_nonblocking(true)?;
        UnixDatagram::from_mio(mio::net::UnixDatagram::from_std(socket))
    }

    /// Deregisters the socket and returns it as a `std` socket, still in
    /// non-blocking mode.
    ///
    /// # Errors
    ///
    /// None today; `io::Result` as in Tokio.
    pub fn into_std(self) -> io::Result<StdUnixDatagram> {
        self.io.into_inner().map(Into::into)
    }

    /// Runs `f` on a `std` view of the socket (for the calls that take a
    /// `SocketAddr`, which mio lacks).
    fn with_std<R>(&self, f: impl FnOnce(&StdUnixDatagram) -> R) -> R {
        // SAFETY: the descriptor is open while `self.io` lives, which
        // outlives this call; `ManuallyDrop` keeps the view from closing
        // it, so ownership stays with `self.io`.
        let view = ManuallyDrop::new(unsafe { StdUnixDatagram::from_raw_fd(self.as_raw_fd()) });
        f(&view)
    }

    /// Sets the default peer: [`send`](Self::send) goes there, and only its
    /// datagrams are received.
    ///
    /// # Errors
    ///
    /// The operating system's (`NotFound`, `ConnectionRefused`, ...).
    pub fn connect(&self, path: impl AsRef<Path>) -> io::Result<()> {
        let addr = socket_addr(path.as_ref())?;
        self.with_std(|s| s.connect_addr(&addr))
    }

    /// Sends a datagram to the connected peer; returns the bytes sent.
    ///
    /// # Errors
    ///
    /// The operating system's (not connected, ...), or an error if the
    /// runtime shut down.
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.async_io(Direction::Write, |s| s.send(buf)).await
    }

    /// Receives a datagram from the connected peer; returns its length (a
    /// longer datagram is truncated).
    ///
    /// # Errors
    ///
    /// The operating system's, or an error if the runtime shut down.
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.async_io(Direction::Read, |s| s.recv(buf)).await
    }

    /// Sends a datagram to the socket at `path`.
    ///
    /// # Errors
    ///
    /// The operating system's (`NotFound`, `ConnectionRefused`, ...), or
    /// an error if the runtime shut down.
    pub async fn send_to(&self, buf: &[u8], path: impl AsRef<Path>) -> io::Result<usize> {
        let addr = socket_addr(path.as_ref())?;
        self.io
            .async_io(Direction::Write, |_| {
                self.with_std(|s| s.send_to_addr(buf, &addr))
            })
            .await
    }

    /// Receives a datagram; returns its length and its sender's address
    /// (unnamed for an unbound sender).
    ///
    /// # Errors
    ///
    /// The operating system's, or an error if the runtime shut down.
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io
            .async_io(Direction::Read, |s| s.recv_from(buf))
            .await
    }

    readiness_methods!();
    datagram_try_methods!();

    /// Sends a datagram to `path` without waiting.
    ///
    /// # Errors
    ///
    /// `WouldBlock` if the send buffer is full; the operating system's.
    pub fn try_send_to(&self, buf: &[u8], path: impl AsRef<Path>) -> io::Result<usize> {
        let addr = socket_addr(path.as_ref())?;
        self.io.try_io(Interest::WRITABLE, |_| {
            self.with_std(|s| s.send_to_addr(buf, &addr))
        })
    }

    /// Receives a datagram without waiting; returns its length and sender.
    ///
    /// # Errors
    ///
    /// `WouldBlock` if none is queued; the operating system's.
    pub fn try_recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.try_io(Interest::READABLE, |s| s.recv_from(buf))
    }

    /// Poll-style [`recv_from`](Self::recv_from) into a [`ReadBuf`]: on
    /// `Ready(Ok(sender))`, the datagram was appended to `buf`'s filled
    /// part. One waiter: the last task to poll is woken.
    ///
    /// # Errors
    ///
    /// As [`recv_from`](Self::recv_from).
    pub fn poll_recv_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<SocketAddr>> {
        let (n, addr) = std::task::ready!(self.io.poll_io(cx, Direction::Read, |s| {
            s.recv_from(buf.initialize_unfilled())
        }))?;
        buf.advance(n);
        Poll::Ready(Ok(addr))
    }

    /// Poll-style [`recv`](Self::recv) into a [`ReadBuf`].
    ///
    /// # Errors
    ///
    /// As [`recv`](Self::recv).
    pub fn poll_recv(&self, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let n = std::task::ready!(self
            .io
            .poll_io(cx, Direction::Read, |s| s.recv(buf.initialize_unfilled())))?;
        buf.advance(n);
        Poll::Ready(Ok(()))
    }

    /// Poll-style [`send_to`](Self::send_to). One waiter: the last task to
    /// poll is woken.
    ///
    /// # Errors
    ///
    /// As [`send_to`](Self::send_to).
    pub fn poll_send_to(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
        path: impl AsRef<Path>,
    ) -> Poll<io::Result<usize>> {
        let addr = socket_addr(path.as_ref())?;
        self.io.poll_io(cx, Direction::Write, |_| {
            self.with_std(|s| s.send_to_addr(buf, &addr))
        })
    }

    /// Poll-style [`send`](Self::send).
    ///
    /// # Errors
    ///
    /// As [`send`](Self::send).
    pub fn poll_send(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.io.poll_io(cx, Direction::Write, |s| s.send(buf))
    }

    /// The local address.
    ///
    /// # Errors
    ///
    /// The operating system's.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The connected peer's address.
    ///
    /// # Errors
    ///
    /// `NotConnected` if not connected.
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

impl_as_fd!(UnixDatagram);

impl fmt::Debug for UnixDatagram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixDatagram")
            .field("local_addr", &self.local_addr().ok())
            .finish()
    }
}

//! `TcpListener`: accepts TCP connections.

use super::{TcpSocket, TcpStream};
use crate::driver::io::registration::PollEvented;
use crate::driver::io::scheduled_io::Direction;
use crate::net::ToSocketAddrs;
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::task::{Context, Poll};

/// The listen backlog of [`TcpListener::bind`]: the queue of connections
/// the kernel completed and that `accept` has not taken yet (capped by
/// `net.core.somaxconn`). 128 overflowed under bursts of connections.
pub(crate) const DEFAULT_BACKLOG: u32 = 1024;

/// A TCP socket server, listening for connections.
///
/// # Examples
///
/// ```
/// use runtime::net::{TcpListener, TcpStream};
///
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let listener = TcpListener::bind("127.0.0.1:0").await?;
/// let client = TcpStream::connect(listener.local_addr()?).await?;
/// let (server_side, peer) = listener.accept().await?;
/// assert_eq!(peer, client.local_addr()?);
/// # drop(server_side);
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
pub struct TcpListener {
    io: PollEvented<mio::net::TcpListener>,
}

impl TcpListener {
    /// Binds a listener to `addr` (each resolved address is tried in turn;
    /// port 0 picks a free port, see [`local_addr`](Self::local_addr)),
    /// with `SO_REUSEADDR` (on Unix) and a backlog of 1024. For other
    /// settings, use [`TcpSocket`].
    ///
    /// # Errors
    ///
    /// The operating system's (address in use, permission denied), the
    /// last one if every address failed; or an error if the runtime shut
    /// down.
    ///
    /// # Panics
    ///
    /// If polled outside a runtime (sockets register with the current
    /// runtime's reactor).
    pub async fn bind(addr: impl ToSocketAddrs) -> io::Result<TcpListener> {
        crate::net::each_addr(addr, |addr| async move {
            let socket = TcpSocket::new_for_addr(addr)?;
            #[cfg(unix)]
            socket.set_reuseaddr(true)?;
            socket.bind(addr)?;
            socket.listen(DEFAULT_BACKLOG)
        })
        .await
    }

    /// Registers a listener bound with `std` (switching it to
    /// non-blocking mode) with the current runtime.
    ///
    /// # Errors
    ///
    /// The operating system's, or an error if the runtime shut down.
    ///
    /// # Panics
    ///
    /// Outside a runtime (not in a task, not in `block_on`, no
    /// [`Handle::enter`](crate::Handle::enter) guard).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = runtime::Runtime::new().unwrap();
    /// let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// let _guard = rt.handle().enter();
    /// let listener = runtime::net::TcpListener::from_std(std_listener).unwrap();
    /// assert!(listener.local_addr().unwrap().port() != 0);
    /// ```
    #[track_caller]
    pub fn from_std(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        listener.set_nonblocking(true)?;
        Ok(TcpListener {
            io: crate::io::register(mio::net::TcpListener::from_std(listener))?,
        })
    }

    /// Waits for a connection; returns it with the peer's address. Several
    /// tasks may wait at once; each connection goes to one of them.
    ///
    /// # Errors
    ///
    /// The operating system's (out of descriptors, ...), or an error if the
    /// runtime shut down.
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let (stream, addr) = self.io.async_io(Direction::Read, |l| l.accept()).await?;
        Ok((TcpStream::from_mio(stream)?, addr))
    }

    /// Poll-style [`accept`](Self::accept), for one task (the last one to
    /// poll is the one woken).
    ///
    /// # Errors
    ///
    /// As [`accept`](Self::accept).
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
        let (stream, addr) =
            std::task::ready!(self.io.poll_io(cx, Direction::Read, |l| l.accept()))?;
        Poll::Ready(TcpStream::from_mio(stream).map(|s| (s, addr)))
    }

    /// Deregisters the listener and returns it as a `std` listener, still
    /// in non-blocking mode.
    ///
    /// # Errors
    ///
    /// None today; `io::Result` as in Tokio.
    pub fn into_std(self) -> io::Result<std::net::TcpListener> {
        self.io.into_inner().map(Into::into)
    }

    /// Sets `IP_TTL` on the accepted connections' packets.
    ///
    /// # Errors
    ///
    /// The operating system's.
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_ttl(ttl)
    }

    /// The `IP_TTL` setting.
    ///
    /// # Errors
    ///
    /// The operating system's.
    pub fn ttl(&self) -> io::Result<u32> {
        self.io.get_ref().ttl()
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

impl_as_fd!(TcpListener);

impl fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpListener")
            .field("local_addr", &self.local_addr().ok())
            .finish()
    }
}

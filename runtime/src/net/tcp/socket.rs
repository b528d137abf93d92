//! `TcpSocket`: a TCP socket configured before it listens or connects.

use super::{TcpListener, TcpStream};
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

/// A TCP socket that has not yet been turned into a stream or a listener,
/// for the options that must be set before `bind`, `listen` or `connect`
/// (`SO_REUSEADDR`, `SO_REUSEPORT`, buffer sizes, the listen backlog).
/// In Tokio's shape; the options are set through `socket2`.
///
/// # Examples
///
/// A listener with a backlog of 64:
///
/// ```
/// use runtime::net::{TcpSocket, TcpStream};
///
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let socket = TcpSocket::new_v4()?;
/// socket.set_reuseaddr(true)?;
/// socket.bind("127.0.0.1:0".parse().unwrap())?;
/// let listener = socket.listen(64)?;
/// let client = TcpStream::connect(listener.local_addr()?).await?;
/// let (_server, peer) = listener.accept().await?;
/// assert_eq!(peer, client.local_addr()?);
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
///
/// A connection from a chosen local address:
///
/// ```
/// use runtime::net::{TcpListener, TcpSocket};
///
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let listener = TcpListener::bind("127.0.0.1:0").await?;
/// let socket = TcpSocket::new_v4()?;
/// socket.set_nodelay(true)?;
/// socket.bind("127.0.0.1:0".parse().unwrap())?;
/// let local = socket.local_addr()?;
/// let stream = socket.connect(listener.local_addr()?).await?;
/// assert_eq!(stream.local_addr()?, local);
/// assert!(stream.nodelay()?);
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
pub struct TcpSocket {
    inner: socket2::Socket,
}

impl TcpSocket {
    /// A new IPv4 TCP socket (non-blocking, close-on-exec).
    ///
    /// # Errors
    ///
    /// The operating system's (out of descriptors, ...).
    pub fn new_v4() -> io::Result<TcpSocket> {
        TcpSocket::new(socket2::Domain::IPV4)
    }

    /// A new IPv6 TCP socket (non-blocking, close-on-exec).
    ///
    /// # Errors
    ///
    /// The operating system's (out of descriptors, IPv6 unsupported, ...).
    pub fn new_v6() -> io::Result<TcpSocket> {
        TcpSocket::new(socket2::Domain::IPV6)
    }

    /// A new socket of `addr`'s family.
    pub(crate) fn new_for_addr(addr: SocketAddr) -> io::Result<TcpSocket> {
        match addr {
            SocketAddr::V4(_) => TcpSocket::new_v4(),
            SocketAddr::V6(_) => TcpSocket::new_v6(),
        }
    }

    fn new(domain: socket2::Domain) -> io::Result<TcpSocket> {
        // `socket2` sets close-on-exec on Unix.
        let inner =
            socket2::Socket::new(domain, socket2::Type::STREAM, Some(socket2::Protocol::TCP))?;
        inner.set_nonblocking(true)?;
        Ok(TcpSocket { inner })
    }

    /// Sets `SO_REUSEADDR`: bind to a port that still has connections in
    /// `TIME_WAIT` (a restarted server).
    ///
    /// # Errors
    ///
    /// The operating system's.
    pub fn set_reuseaddr(&self, reuseaddr: bool) -> io::Result<()> {
        self.inner.set_reuse_address(reuseaddr)
    }

    /// The `SO_REUSEADDR` setting.
    ///
    /// # Errors
    ///
    /// The operating system's.
    pub fn reuseaddr(&self) -> io::Result<bool> {
        self.inner.reuse_address()
    }

    /// Sets `SO_REUSEPORT`: several sockets may bind the same address and
    /// port (on Linux, incoming connections are spread among the
    /// listeners).
    ///
    /// # Errors
    ///
    /// The operating system's.
    #[cfg(all(unix, not(any(target_os = "solaris", target_os = "illumos"))))]
    pub fn set_reuseport(&self, reuseport: bool) -> io::Result<()> {
        self.inner.set_reuse_port(reuseport)
    }

    /// The `SO_REUSEPORT` setting.
    ///
    /// # Errors
    ///
    /// The operating system's.
    #[cfg(all(unix, not(any(target_os = "solaris", target_os = "illumos"))))]
    pub fn reuseport(&self) -> io::Result<bool> {
        self.inner.reuse_port()
    }

    /// Sets `TCP_NODELAY` (no Nagle delay for small writes) on the future
    /// stream.
    ///
    /// # Errors
    ///
    /// The operating system's.
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.inner.set_tcp_nodelay(nodelay)
    }

    /// The `TCP_NODELAY` setting.
    ///
    /// # Errors
    ///
    /// The operating system's.
    pub fn nodelay(&self) -> io::Result<bool> {
        self.inner.tcp_nodelay()
    }

    /// Sets `SO_SNDBUF`, the send buffer size (the kernel may round or
    /// double it).
    ///
    /// # Errors
    ///
    /// The operating system's.
    pub fn set_send_buffer_size(&self, size: u32) -> io::Result<()> {
        self.inner.set_send_buffer_size(size as usize)
    }

    /// The `SO_SNDBUF` setting.
    ///
    /// # Errors
    ///
    /// The operating system's.
    pub fn send_buffer_size(&self) -> io::Result<u32> {
        self.inner.send_buffer_size().map(saturate)
    }

    /// Sets `SO_RCVBUF`, the receive buffer size (the kernel may round or
    /// double it).
    ///
    /// # Errors
    ///
    /// The operating system's.
    pub fn set_recv_buffer_size(&self, size: u32) -> io::Result<()> {
        self.inner.set_recv_buffer_size(size as usize)
    }

    /// The `SO_RCVBUF` setting.
    ///
    /// # Errors
    ///
    /// The operating system's.
    pub fn recv_buffer_size(&self) -> io::Result<u32> {
        self.inner.recv_buffer_size().map(saturate)
    }

    /// Sets `SO_LINGER` (see [`TcpStream::set_linger`]).
    ///
    /// # Errors
    ///
    /// The operating system's.
    pub fn set_linger(&self, dur: Option<Duration>) -> io::Result<()> {
        self.inner.set_linger(dur)
    }

    /// The `SO_LINGER` setting.
    ///
    /// # Errors
    ///
    /// The operating system's.
    pub fn linger(&self) -> io::Result<Option<Duration>> {
        self.inner.linger()
    }

    /// The local address (after [`bind`](Self::bind)).
    ///
    /// # Errors
    ///
    /// The operating system's.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner
            .local_addr()?
            .as_socket()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not an IP socket address"))
    }

    /// Binds the socket to `addr`.
    ///
    /// # Errors
    ///
    /// The operating system's (address in use, wrong family, ...).
    pub fn bind(&self, addr: SocketAddr) -> io::Result<()> {
        self.inner.bind(&addr.into())
    }

    /// Starts listening, with a queue of up to `backlog` completed
    /// connections not yet accepted, and registers the listener with the
    /// current runtime.
    ///
    /// # Errors
    ///
    /// The operating system's, or an error if the runtime shut down.
    ///
    /// # Panics
    ///
    /// Outside a runtime.
    #[track_caller]
    pub fn listen(self, backlog: u32) -> io::Result<TcpListener> {
        let backlog = i32::try_from(backlog).unwrap_or(i32::MAX);
        self.inner.listen(backlog)?;
        TcpListener::from_std(self.inner.into())
    }

    /// Connects to `addr` and waits until the connection is established.
    ///
    /// # Errors
    ///
    /// The operating system's (`ConnectionRefused`, ...), or an error if
    /// the runtime shut down.
    ///
    /// # Panics
    ///
    /// If polled outside a runtime.
    pub async fn connect(self, addr: SocketAddr) -> io::Result<TcpStream> {
        match self.inner.connect(&addr.into()) {
            Ok(()) => {}
            #[cfg(unix)]
            Err(err) if err.raw_os_error() == Some(libc::EINPROGRESS) => {}
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => {}
            Err(err) => return Err(err),
        }
        let std: std::net::TcpStream = self.inner.into();
        TcpStream::connect_mio(mio::net::TcpStream::from_std(std)).await
    }

    /// Wraps a `std` stream's socket (for example one from another
    /// library) to configure it, switching it to non-blocking mode.
    ///
    /// # Errors
    ///
    /// The operating system's.
    pub fn from_std_stream(stream: std::net::TcpStream) -> io::Result<TcpSocket> {
        stream.set_nonblocking(true)?;
        Ok(TcpSocket {
            inner: stream.into(),
        })
    }
}

fn saturate(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(unix)]
impl std::os::fd::AsRawFd for TcpSocket {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.inner.as_raw_fd()
    }
}

#[cfg(unix)]
impl std::os::fd::AsFd for TcpSocket {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.inner.as_fd()
    }
}

impl fmt::Debug for TcpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpSocket")
            .field("local_addr", &self.local_addr().ok())
            .finish()
    }
}

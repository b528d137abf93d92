//! `UdpSocket`: datagrams.

use crate::driver::io::registration::PollEvented;
use crate::driver::io::scheduled_io::Direction;
use crate::io::ReadBuf;
use crate::net::ToSocketAddrs;
use std::fmt;
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::task::{Context, Poll};

/// A UDP socket. All methods take `&self`: share it (in an `Arc`) between
/// a sending and a receiving task, or between several receivers.
///
/// Besides the `async` calls, Tokio's readiness calls work on it: wait
/// with [`readable`](Self::readable) / [`writable`](Self::writable) /
/// [`ready`](Self::ready), then [`try_recv_from`](Self::try_recv_from) /
/// [`try_send_to`](Self::try_send_to), which return `WouldBlock` (and
/// forget the readiness) when there is nothing to do.
///
/// # Examples
///
/// ```
/// use runtime::net::UdpSocket;
///
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let a = UdpSocket::bind("127.0.0.1:0").await?;
/// let b = UdpSocket::bind("127.0.0.1:0").await?;
/// a.send_to(b"hello", b.local_addr()?).await?;
/// let mut buf = [0; 16];
/// let (n, from) = b.recv_from(&mut buf).await?;
/// assert_eq!((&buf[..n], from), (&b"hello"[..], a.local_addr()?));
///
/// // The same with the readiness calls.
/// a.send_to(b"again", b.local_addr()?).await?;
/// let (n, from) = loop {
///     b.readable().await?;
///     match b.try_recv_from(&mut buf) {
///         Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
///         other => break other?,
///     }
/// };
/// assert_eq!((&buf[..n], from), (&b"again"[..], a.local_addr()?));
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
pub struct UdpSocket {
    io: PollEvented<mio::net::UdpSocket>,
}

impl UdpSocket {
    /// Binds a socket to `addr` (port 0 picks a free port; a host name is
    /// resolved on the blocking pool).
    ///
    /// # Errors
    ///
    /// The operating system's (address in use, ...), the resolver's, or
    /// an error if the runtime shut down.
    ///
    /// # Panics
    ///
    /// If polled outside a runtime.
    pub async fn bind(addr: impl ToSocketAddrs) -> io::Result<UdpSocket> {
        crate::net::each_addr(addr, |addr| async move {
            Ok(UdpSocket {
                io: crate::io::register(mio::net::UdpSocket::bind(addr)?)?,
            })
        })
        .await
    }

    /// Registers a `std` socket (switching it to non-blocking mode) with
    /// the current runtime.
    ///
    /// # Errors
    ///
    /// The operating system's, or an error if the runtime shut down.
    ///
    /// # Panics
    ///
    /// Outside a runtime.
    #[track_caller]
    pub fn from_std(socket: std::net::UdpSocket) -> io::Result<UdpSocket> {
        socket.set_nonblocking(true)?;
        Ok(UdpSocket {
            io: crate::io::register(mio::net::UdpSocket::from_std(socket))?,
        })
    }

    /// Deregisters the socket and returns it as a `std` socket, still in
    /// non-blocking mode.
    ///
    /// # Errors
    ///
    /// None today; `io::Result` as in Tokio.
    pub fn into_std(self) -> io::Result<std::net::UdpSocket> {
        self.io.into_inner().map(Into::into)
    }

    /// Sets the default peer: [`send`](Self::send) goes there, and only its
    /// datagrams are received (a host name is resolved on the blocking
    /// pool).
    ///
    /// # Errors
    ///
    /// The operating system's (for each resolved address; the last one is
    /// returned), or the resolver's.
    pub async fn connect(&self, addr: impl ToSocketAddrs) -> io::Result<()> {
        crate::net::each_addr(addr, |addr| async move { self.io.get_ref().connect(addr) }).await
    }

    /// Sends a datagram to the connected peer; returns the bytes sent.
    ///
    /// # Errors
    ///
    /// The operating system's (not connected, message too long, ...), or
    /// an error if the runtime shut down.
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.async_io(Direction::Write, |s| s.send(buf)).await
    }

    /// Receives a datagram from the connected peer into `buf`; returns its
    /// length (a longer datagram is truncated).
    ///
    /// # Errors
    ///
    /// The operating system's (`ConnectionRefused` after a send to a port
    /// nobody listens on, ...), or an error if the runtime shut down.
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.async_io(Direction::Read, |s| s.recv(buf)).await
    }

    /// Sends a datagram to `target` (the first address it resolves to);
    /// returns the bytes sent.
    ///
    /// # Errors
    ///
    /// As [`send`](Self::send); the resolver's; `InvalidInput` if `target`
    /// resolves to nothing.
    pub async fn send_to(&self, buf: &[u8], target: impl ToSocketAddrs) -> io::Result<usize> {
        let target = crate::net::lookup_host(target)
            .await?
            .next()
            .ok_or_else(|| {
                io::Error::new(io::ErrorKind::InvalidInput, "no addresses to send data to")
            })?;
        self.io
            .async_io(Direction::Write, |s| s.send_to(buf, target))
            .await
    }

    /// Receives a datagram into `buf`; returns its length and its sender.
    ///
    /// # Errors
    ///
    /// As [`recv`](Self::recv).
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io
            .async_io(Direction::Read, |s| s.recv_from(buf))
            .await
    }

    /// Receives the next datagram into `buf` without removing it from the
    /// queue: the next receive returns it again.
    ///
    /// # Errors
    ///
    /// As [`recv`](Self::recv).
    pub async fn peek_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io
            .async_io(Direction::Read, |s| s.peek_from(buf))
            .await
    }

    /// The sender of the next datagram, without receiving it.
    ///
    /// # Errors
    ///
    /// As [`recv`](Self::recv).
    pub async fn peek_sender(&self) -> io::Result<SocketAddr> {
        self.io.async_io(Direction::Read, peek_sender).await
    }

    readiness_methods!();
    datagram_try_methods!();

    /// Sends a datagram to `target` without waiting.
    ///
    /// # Errors
    ///
    /// `WouldBlock` if the send buffer is full; the operating system's.
    pub fn try_send_to(&self, buf: &[u8], target: SocketAddr) -> io::Result<usize> {
        self.io
            .try_io(crate::io::Interest::WRITABLE, |s| s.send_to(buf, target))
    }

    /// Receives a datagram without waiting; returns its length and sender.
    ///
    /// # Errors
    ///
    /// `WouldBlock` if none is queued; the operating system's.
    pub fn try_recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io
            .try_io(crate::io::Interest::READABLE, |s| s.recv_from(buf))
    }

    /// Peeks at the next datagram without waiting (it stays queued).
    ///
    /// # Errors
    ///
    /// `WouldBlock` if none is queued; the operating system's.
    pub fn try_peek_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io
            .try_io(crate::io::Interest::READABLE, |s| s.peek_from(buf))
    }

    /// The sender of the next datagram, without waiting or receiving it.
    ///
    /// # Errors
    ///
    /// `WouldBlock` if none is queued; the operating system's.
    pub fn try_peek_sender(&self) -> io::Result<SocketAddr> {
        self.io.try_io(crate::io::Interest::READABLE, peek_sender)
    }

    /// Poll-style [`recv_from`](Self::recv_from) into a [`ReadBuf`]: on
    /// `Ready(Ok(sender))`, the datagram was appended to `buf`'s filled
    /// part. One waiter: the last task to poll is woken.
    ///
    /// # Errors
    ///
    /// As [`recv`](Self::recv).
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

    /// Poll-style [`recv`](Self::recv) into a [`ReadBuf`] (from the
    /// connected peer).
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

    /// Poll-style [`peek_from`](Self::peek_from) into a [`ReadBuf`].
    ///
    /// # Errors
    ///
    /// As [`recv`](Self::recv).
    pub fn poll_peek_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<SocketAddr>> {
        let (n, addr) = std::task::ready!(self.io.poll_io(cx, Direction::Read, |s| {
            s.peek_from(buf.initialize_unfilled())
        }))?;
        buf.advance(n);
        Poll::Ready(Ok(addr))
    }

    /// Poll-style [`send_to`](Self::send_to). One waiter: the last task to
    /// poll is woken.
    ///
    /// # Errors
    ///
    /// As [`send`](Self::send).
    pub fn poll_send_to(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
        target: SocketAddr,
    ) -> Poll<io::Result<usize>> {
        self.io
            .poll_io(cx, Direction::Write, |s| s.send_to(buf, target))
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
    /// `NotConnected` if [`connect`](Self::connect) was not called.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// Sets `SO_BROADCAST`: allows sending to a broadcast address.
    ///
    /// # Errors
    ///
    /// The operating system's.
    pub fn set_broadcast(&self, on: bool) -> io::Result<()> {
        self.io.get_ref().set_broadcast(on)
    }

    /// The `SO_BROADCAST` setting.
    ///
    /// # Errors
    ///
    /// The operating system's.
    pub fn broadcast(&self) -> io::Result<bool> {
        self.io.get_ref().broadcast()
    }

    /// Sets `IP_TTL`, the time-to-live of outgoing packets.
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

    /// Sets `IP_MULTICAST_LOOP`: whether multicast datagrams sent from
    /// this socket are looped back to local sockets.
    ///
    /// # Errors
    ///
    /// The operating system's.
    pub fn set_multicast_loop_v4(&self, on: bool) -> io::Result<()> {
        self.io.get_ref().set_multicast_loop_v4(on)
    }

    /// The `IP_MULTICAST_LOOP` setting.
    ///
    /// # Errors
    ///
    /// The operating system's.
    pub fn multicast_loop_v4(&self) -> io::Result<bool> {
        self.io.get_ref().multicast_loop_v4()
    }

    /// Sets `IPV6_MULTICAST_LOOP`.
    ///
    /// # Errors
    ///
    /// The operating system's.
    pub fn set_multicast_loop_v6(&self, on: bool) -> io::Result<()> {
        self.io.get_ref().set_multicast_loop_v6(on)
    }

    /// The `IPV6_MULTICAST_LOOP` setting.
    ///
    /// # Errors
    ///
    /// The operating system's.
    pub fn multicast_loop_v6(&self) -> io::Result<bool> {
        self.io.get_ref().multicast_loop_v6()
    }

    /// Joins the IPv4 multicast group `multiaddr` on the interface with
    /// address `interface` (`Ipv4Addr::UNSPECIFIED`: the system's choice).
    ///
    /// # Errors
    ///
    /// The operating system's (not a multicast address, no such
    /// interface, ...).
    pub fn join_multicast_v4(&self, multiaddr: Ipv4Addr, interface: Ipv4Addr) -> io::Result<()> {
        self.io.get_ref().join_multicast_v4(&multiaddr, &interface)
    }

    /// Joins the IPv6 multicast group `multiaddr` on the interface with
    /// index `interface` (0: the system's choice).
    ///
    /// # Errors
    ///
    /// The operating system's.
    pub fn join_multicast_v6(&self, multiaddr: &Ipv6Addr, interface: u32) -> io::Result<()> {
        self.io.get_ref().join_multicast_v6(multiaddr, interface)
    }

    /// Leaves an IPv4 multicast group joined with
    /// [`join_multicast_v4`](Self::join_multicast_v4).
    ///
    /// # Errors
    ///
    /// The operating system's (not a member, ...).
    pub fn leave_multicast_v4(&self, multiaddr: Ipv4Addr, interface: Ipv4Addr) -> io::Result<()> {
        self.io.get_ref().leave_multicast_v4(&multiaddr, &interface)
    }

    /// Leaves an IPv6 multicast group joined with
    /// [`join_multicast_v6`](Self::join_multicast_v6).
    ///
    /// # Errors
    ///
    /// The operating system's.
    pub fn leave_multicast_v6(&self, multiaddr: &Ipv6Addr, interface: u32) -> io::Result<()> {
        self.io.get_ref().leave_multicast_v6(multiaddr, interface)
    }
}

/// The sender of the next queued datagram (`recvfrom` with `MSG_PEEK`
/// into no buffer, through `socket2`).
fn peek_sender(socket: &mio::net::UdpSocket) -> io::Result<SocketAddr> {
    socket2::SockRef::from(socket)
        .peek_sender()?
        .as_socket()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "not an IP sender address"))
}

impl_as_fd!(UdpSocket);

impl fmt::Debug for UdpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UdpSocket")
            .field("local_addr", &self.local_addr().ok())
            .finish()
    }
}

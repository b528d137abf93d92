//! `UdpSocket`: datagrams.

use crate::io::registration::PollEvented;
use crate::io::scheduled_io::Direction;
use std::fmt;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};

/// A UDP socket. All methods take `&self`: share it (in an `Arc`) between
/// a sending and a receiving task, or between several receivers.
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
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
pub struct UdpSocket {
    io: PollEvented<mio::net::UdpSocket>,
}

impl UdpSocket {
    /// Binds a socket to `addr` (port 0 picks a free port).
    ///
    /// # Errors
    ///
    /// The operating system's (address in use, ...), or an error if the
    /// runtime shut down.
    ///
    /// # Panics
    ///
    /// If polled outside a runtime.
    pub async fn bind(addr: impl ToSocketAddrs) -> io::Result<UdpSocket> {
        super::each_addr(addr, |addr| async move {
            Ok(UdpSocket {
                io: PollEvented::new(mio::net::UdpSocket::bind(addr)?)?,
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
            io: PollEvented::new(mio::net::UdpSocket::from_std(socket))?,
        })
    }

    /// Sets the default peer: [`send`](Self::send) goes there, and only its
    /// datagrams are received.
    ///
    /// # Errors
    ///
    /// The operating system's (for each resolved address; the last one is
    /// returned).
    pub async fn connect(&self, addr: impl ToSocketAddrs) -> io::Result<()> {
        super::each_addr(addr, |addr| async move { self.io.get_ref().connect(addr) }).await
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

    /// Sends a datagram to `target`; returns the bytes sent.
    ///
    /// # Errors
    ///
    /// As [`send`](Self::send).
    pub async fn send_to(&self, buf: &[u8], target: SocketAddr) -> io::Result<usize> {
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
}

impl fmt::Debug for UdpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UdpSocket")
            .field("local_addr", &self.local_addr().ok())
            .finish()
    }
}

//! `TcpListener`: accepts TCP connections.

use super::TcpStream;
use crate::io::registration::PollEvented;
use crate::io::scheduled_io::Direction;
use std::fmt;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};

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
    /// port 0 picks a free port, see [`local_addr`](Self::local_addr)).
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
        super::super::each_addr(addr, |addr| async move {
            let listener = mio::net::TcpListener::bind(addr)?;
            Ok(TcpListener {
                io: PollEvented::new(listener)?,
            })
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
            io: PollEvented::new(mio::net::TcpListener::from_std(listener))?,
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

    /// The address the listener is bound to.
    ///
    /// # Errors
    ///
    /// The operating system's.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }
}

impl fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpListener")
            .field("local_addr", &self.local_addr().ok())
            .finish()
    }
}

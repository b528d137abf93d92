//! `TcpStream`: a TCP connection.

use super::split::{self, OwnedReadHalf, OwnedWriteHalf, ReadHalf, WriteHalf};
use crate::driver::io::registration::PollEvented;
use crate::driver::io::scheduled_io::Direction;
use crate::io::{AsyncRead, AsyncWrite, ReadBuf};
use crate::net::ToSocketAddrs;
use std::fmt;
use std::io;
use std::net::{Shutdown, SocketAddr};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// A TCP connection. Read and write it through
/// [`AsyncRead`](crate::io::AsyncRead) and
/// [`AsyncWrite`](crate::io::AsyncWrite) (with `futures::io::AsyncReadExt`
/// and `AsyncWriteExt`); [`into_split`](Self::into_split) hands the two
/// directions to two tasks.
///
/// Dropping it closes the connection. Closing the write side
/// (`AsyncWriteExt::close`, or [`shutdown`](Self::shutdown)) sends FIN.
///
/// Besides `AsyncRead` / `AsyncWrite`, Tokio's readiness calls work on it:
/// wait with [`ready`](Self::ready) / [`readable`](Self::readable) /
/// [`writable`](Self::writable), then call [`try_read`](Self::try_read) /
/// [`try_write`](Self::try_write), which return `WouldBlock` (and forget
/// the readiness) when there is nothing to do.
///
/// # Examples
///
/// ```
/// use futures::io::{AsyncReadExt, AsyncWriteExt};
/// use runtime::net::{TcpListener, TcpStream};
///
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let listener = TcpListener::bind("127.0.0.1:0").await?;
/// let mut client = TcpStream::connect(listener.local_addr()?).await?;
/// let (mut server, _) = listener.accept().await?;
/// client.write_all(b"ping").await?;
/// client.close().await?; // FIN: the server reads to the end
/// let mut got = Vec::new();
/// server.read_to_end(&mut got).await?;
/// assert_eq!(got, b"ping");
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
pub struct TcpStream {
    io: PollEvented<mio::net::TcpStream>,
}

impl TcpStream {
    /// Connects to `addr`, trying each resolved address in turn (a host
    /// name is resolved on the blocking pool, see
    /// [`lookup_host`](crate::net::lookup_host)).
    ///
    /// # Errors
    ///
    /// The last address's error (`ConnectionRefused` for a closed port,
    /// ...), the resolver's, or an error if the runtime shut down.
    ///
    /// # Panics
    ///
    /// If polled outside a runtime.
    pub async fn connect(addr: impl ToSocketAddrs) -> io::Result<TcpStream> {
        crate::net::each_addr(addr, |addr| async move {
            TcpStream::connect_mio(mio::net::TcpStream::connect(addr)?).await
        })
        .await
    }

    /// Registers a socket whose non-blocking `connect` was started, and
    /// waits until the connection is established (or fails).
    pub(crate) async fn connect_mio(stream: mio::net::TcpStream) -> io::Result<TcpStream> {
        let stream = TcpStream::from_mio(stream)?;
        stream
            .io
            .wait_connected(|s| {
                if let Some(err) = s.take_error()? {
                    return Err(err);
                }
                match s.peer_addr() {
                    Ok(_) => Ok(()),
                    // Writable but not connected yet: wait for more.
                    Err(err) if err.kind() == io::ErrorKind::NotConnected => {
                        Err(io::ErrorKind::WouldBlock.into())
                    }
                    Err(err) => Err(err),
                }
            })
            .await?;
        Ok(stream)
    }

    pub(crate) fn from_mio(stream: mio::net::TcpStream) -> io::Result<TcpStream> {
        Ok(TcpStream {
            io: crate::io::register(stream)?,
        })
    }

    /// Registers a connected `std` stream (switching it to non-blocking
    /// mode) with the current runtime.
    ///
    /// # Errors
    ///
    /// The operating system's, or an error if the runtime shut down.
    ///
    /// # Panics
    ///
    /// Outside a runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = runtime::Runtime::new().unwrap();
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// let std_stream = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    /// let _guard = rt.handle().enter();
    /// let stream = runtime::net::TcpStream::from_std(std_stream).unwrap();
    /// assert_eq!(stream.peer_addr().unwrap(), listener.local_addr().unwrap());
    /// ```
    #[track_caller]
    pub fn from_std(stream: std::net::TcpStream) -> io::Result<TcpStream> {
        stream.set_nonblocking(true)?;
        Self::from_mio(mio::net::TcpStream::from_std(stream))
    }

    /// Deregisters the stream and returns it as a `std` stream, still in
    /// non-blocking mode (call `set_nonblocking(false)` for blocking use).
    ///
    /// # Errors
    ///
    /// None today; `io::Result` as in Tokio.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Write;
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let listener = runtime::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let stream = runtime::net::TcpStream::connect(listener.local_addr()?).await?;
    /// let mut std_stream = stream.into_std()?;
    /// std_stream.set_nonblocking(false)?;
    /// std_stream.write_all(b"hi")?;
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn into_std(self) -> io::Result<std::net::TcpStream> {
        self.io.into_inner().map(Into::into)
    }

    readiness_methods!();
    stream_try_methods!();

    /// Reads into `buf` without removing the data from the socket's
    /// queue: the next read returns it again. Waits until data (or end of
    /// stream) is there; `Ok(0)` is end of stream.
    ///
    /// # Errors
    ///
    /// The operating system's, or an error if the runtime shut down.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures::io::{AsyncReadExt, AsyncWriteExt};
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let listener = runtime::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let mut client = runtime::net::TcpStream::connect(listener.local_addr()?).await?;
    /// let (mut server, _) = listener.accept().await?;
    /// client.write_all(b"abc").await?;
    /// let mut buf = [0; 3];
    /// let n = server.peek(&mut buf).await?;
    /// assert_eq!(&buf[..n], &b"abc"[..n]);
    /// server.read_exact(&mut buf).await?; // still there
    /// assert_eq!(&buf, b"abc");
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.async_io(Direction::Read, |s| s.peek(buf)).await
    }

    /// Poll-style [`peek`](Self::peek) into a [`ReadBuf`]: on
    /// `Ready(Ok(n))`, `n` bytes were added to `buf`'s filled part.
    ///
    /// # Errors
    ///
    /// As [`peek`](Self::peek).
    pub fn poll_peek(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<usize>> {
        let n = std::task::ready!(self
            .io
            .poll_io(cx, Direction::Read, |s| s.peek(buf.initialize_unfilled())))?;
        buf.advance(n);
        Poll::Ready(Ok(n))
    }

    /// Sets `SO_LINGER`: with `Some(d)`, closing waits up to `d` for unsent
    /// data to go out (and `Some(0)` resets the connection on close);
    /// `None` is the default (close at once, send the rest in the
    /// background).
    ///
    /// # Errors
    ///
    /// The operating system's.
    pub fn set_linger(&self, dur: Option<Duration>) -> io::Result<()> {
        socket2::SockRef::from(self.io.get_ref()).set_linger(dur)
    }

    /// The `SO_LINGER` setting.
    ///
    /// # Errors
    ///
    /// The operating system's.
    pub fn linger(&self) -> io::Result<Option<Duration>> {
        socket2::SockRef::from(self.io.get_ref()).linger()
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

    /// The remote address.
    ///
    /// # Errors
    ///
    /// The operating system's (`NotConnected`, ...).
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// The local address.
    ///
    /// # Errors
    ///
    /// The operating system's.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// Sets `TCP_NODELAY` (disables Nagle's algorithm: small writes go out
    /// at once).
    ///
    /// # Errors
    ///
    /// The operating system's.
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.io.get_ref().set_nodelay(nodelay)
    }

    /// Whether `TCP_NODELAY` is set.
    ///
    /// # Errors
    ///
    /// The operating system's.
    pub fn nodelay(&self) -> io::Result<bool> {
        self.io.get_ref().nodelay()
    }

    /// Shuts down the read side, the write side (sends FIN), or both.
    ///
    /// # Errors
    ///
    /// The operating system's (`NotConnected`, ...).
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.io.get_ref().shutdown(how)
    }

    /// Borrows the stream as a read half and a write half, usable at the
    /// same time (for example in `futures::join!`) within one task.
    pub fn split(&mut self) -> (ReadHalf<'_>, WriteHalf<'_>) {
        split::split(self)
    }

    /// Splits the stream into owned halves, which two tasks can use at
    /// once. Dropping the write half shuts down the write direction (sends
    /// FIN, as in Tokio; [`OwnedWriteHalf::forget`] opts out); the
    /// connection closes when both are dropped;
    /// [`OwnedReadHalf::reunite`] puts them back together.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures::io::{AsyncReadExt, AsyncWriteExt};
    /// use runtime::net::{TcpListener, TcpStream};
    ///
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let client = TcpStream::connect(listener.local_addr()?).await?;
    /// let (server, _) = listener.accept().await?;
    /// let (mut rd, mut wr) = server.into_split();
    /// let echo = runtime::spawn(async move {
    ///     let mut buf = [0; 3];
    ///     rd.read_exact(&mut buf).await?;
    ///     std::io::Result::Ok(buf)
    /// });
    /// wr.write_all(b"hi!").await?;
    /// let (mut crd, mut cwr) = client.into_split();
    /// cwr.write_all(b"abc").await?;
    /// let mut buf = [0; 3];
    /// crd.read_exact(&mut buf).await?;
    /// assert_eq!(&buf, b"hi!");
    /// assert_eq!(&echo.await.unwrap()?, b"abc");
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn into_split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        split::into_split(self)
    }

    pub(crate) fn poll_read_priv(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.io.poll_read(cx, buf)
    }

    pub(crate) fn poll_write_priv(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.io.poll_write(cx, buf)
    }

    pub(crate) fn poll_write_vectored_priv(
        &self,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.io.poll_write_vectored(cx, bufs)
    }

    /// `poll_close`: sends FIN. A socket the peer already reset is closed
    /// anyway, so `NotConnected` counts as done.
    pub(crate) fn poll_shutdown_write(&self) -> Poll<io::Result<()>> {
        match self.shutdown(Shutdown::Write) {
            Err(err) if err.kind() == io::ErrorKind::NotConnected => Poll::Ready(Ok(())),
            other => Poll::Ready(other),
        }
    }
}

impl AsyncRead for TcpStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_read_priv(cx, buf)
    }
}

impl AsyncWrite for TcpStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_priv(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_vectored_priv(cx, bufs)
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // Writes go straight to the kernel: nothing is buffered here.
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_shutdown_write()
    }
}

impl_as_fd!(TcpStream);

impl fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpStream")
            .field("local_addr", &self.local_addr().ok())
            .field("peer_addr", &self.peer_addr().ok())
            .finish()
    }
}

//! Non-blocking sockets driven by the runtime's reactor: TCP, UDP and (on
//! Unix) Unix domain sockets.
//!
//! An operation that cannot complete at once returns `Pending` and the task
//! is woken when the socket is ready; the worker thread is never blocked.
//! Streams implement [`AsyncRead`](crate::io::AsyncRead) and
//! [`AsyncWrite`](crate::io::AsyncWrite), so `futures::io` utilities work
//! on them. With the cargo feature `tokio-io`, [`TcpStream`], its halves
//! and `UnixStream` also implement Tokio's `AsyncRead` / `AsyncWrite`
//! (only the traits: no Tokio runtime), for crates written against them.
//!
//! Sockets belong to the runtime they were created in (inside a task,
//! `block_on`, or after [`Handle::enter`](crate::Handle::enter)). Errors
//! (connection refused, address in use, reset by peer) are `io::Error`s.
//! Once that runtime has shut down, every operation fails with an error:
//! nothing would ever report the socket ready again.
//!
//! Addresses are anything [`ToSocketAddrs`]: literal addresses are used
//! as they are, host names are resolved on the blocking pool
//! ([`lookup_host`]). Besides the `async` calls, every socket has Tokio's
//! readiness calls (`ready(Interest)`, `readable`, `writable`, and the
//! non-blocking `try_read` / `try_write` / `try_send` / `try_recv` family),
//! raw descriptor access (`AsRawFd`, `AsFd`, `into_std`, `from_std`) and
//! the usual socket options; [`TcpSocket`] configures a TCP socket before
//! it binds or connects.
//!
//! Dropping a future of an operation (for example a cancelled task blocked
//! in `accept` or `read`) drops its waiter; the socket stays usable.
//!
//! # Examples
//!
//! ```
//! use futures::io::{AsyncReadExt, AsyncWriteExt};
//! use runtime::net::{TcpListener, TcpStream};
//!
//! # let rt = runtime::Runtime::new().unwrap();
//! # rt.block_on(async {
//! let listener = TcpListener::bind("127.0.0.1:0").await?;
//! let addr = listener.local_addr()?;
//! runtime::spawn(async move {
//!     let (mut socket, _) = listener.accept().await?;
//!     let mut buf = [0; 5];
//!     socket.read_exact(&mut buf).await?;
//!     socket.write_all(&buf).await?;
//!     std::io::Result::Ok(())
//! });
//! let mut client = TcpStream::connect(addr).await?;
//! client.write_all(b"hello").await?;
//! let mut echoed = [0; 5];
//! client.read_exact(&mut echoed).await?;
//! assert_eq!(&echoed, b"hello");
//! # std::io::Result::Ok(())
//! # }).unwrap();
//! ```

#[macro_use]
mod readiness;
mod addr;
pub mod tcp;
#[cfg(feature = "tokio-io")]
mod tokio_io;
mod udp;
#[cfg(unix)]
pub mod unix;

pub use addr::{lookup_host, ToSocketAddrs};
pub use tcp::{
    OwnedReadHalf, OwnedWriteHalf, ReadHalf, TcpListener, TcpSocket, TcpStream, WriteHalf,
};
pub use udp::UdpSocket;
#[cfg(unix)]
pub use unix::{UnixDatagram, UnixListener, UnixStream};

pub(crate) use addr::each_addr;

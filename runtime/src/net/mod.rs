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

mod tcp;
#[cfg(feature = "tokio-io")]
mod tokio_io;
mod udp;
#[cfg(unix)]
mod unix;

pub use tcp::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, TcpListener, TcpStream, WriteHalf};
pub use udp::UdpSocket;
#[cfg(unix)]
pub use unix::{UnixListener, UnixStream};

use std::io;
use std::net::{SocketAddr, ToSocketAddrs};

/// Resolves `addr` (on the calling thread: pass a `SocketAddr` or an IP
/// address string to avoid a DNS lookup) and runs `f` on each address
/// until one succeeds; returns the last error otherwise.
async fn each_addr<A, T, F, Fut>(addr: A, mut f: F) -> io::Result<T>
where
    A: ToSocketAddrs,
    F: FnMut(SocketAddr) -> Fut,
    Fut: std::future::Future<Output = io::Result<T>>,
{
    let mut last = None;
    for addr in addr.to_socket_addrs()? {
        match f(addr).await {
            Ok(value) => return Ok(value),
            Err(err) => last = Some(err),
        }
    }
    Err(last.unwrap_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "the address did not resolve to any socket address",
        )
    }))
}

//! [`Io`]: the bridge between `futures-io` streams and hyper's I/O traits,
//! in both directions.

use crate::io::{AsyncRead, AsyncWrite};
use ::hyper::rt::ReadBufCursor;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// Adapts I/O between `futures-io` and hyper, in both directions (as
/// hyper-util's `TokioIo` does for Tokio):
///
/// * `Io<T>` implements hyper's [`rt::Read`](::hyper::rt::Read) /
///   [`rt::Write`](::hyper::rt::Write) when `T` implements
///   [`AsyncRead`] / [`AsyncWrite`]: wrap a
///   [`TcpStream`](crate::net::TcpStream) (or a TLS stream over one) to
///   give it to hyper's server or client connections.
/// * `Io<T>` implements [`AsyncRead`] / [`AsyncWrite`] when `T` implements
///   hyper's traits: wrap a [`hyper::upgrade::Upgraded`] connection (a
///   WebSocket after its handshake) to use it with `futures-io` code.
///
/// # Examples
///
/// hyper's client over the runtime's TCP stream:
///
/// ```
/// use http_body_util::Empty;
/// use runtime::hyper::Io;
///
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let listener = runtime::net::TcpListener::bind("127.0.0.1:0").await?;
/// let addr = listener.local_addr()?;
/// runtime::spawn(runtime::hyper::serve(
///     listener,
///     hyper::service::service_fn(|_req| async {
///         Ok::<_, std::convert::Infallible>(hyper::Response::new(Empty::<bytes::Bytes>::new()))
///     }),
/// ));
/// let stream = runtime::net::TcpStream::connect(addr).await?;
/// let (mut sender, conn) = hyper::client::conn::http1::handshake(Io::new(stream))
///     .await
///     .map_err(std::io::Error::other)?;
/// runtime::spawn(conn);
/// let request = hyper::Request::get("/")
///     .header("host", "localhost")
///     .body(Empty::<bytes::Bytes>::new())
///     .unwrap();
/// let response = sender.send_request(request).await.map_err(std::io::Error::other)?;
/// assert_eq!(response.status(), 200);
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
#[derive(Debug)]
pub struct Io<T> {
    inner: T,
}

impl<T> Io<T> {
    /// Wraps `inner`.
    pub fn new(inner: T) -> Io<T> {
        Io { inner }
    }

    /// The wrapped I/O object.
    pub fn inner(&self) -> &T {
        &self.inner
    }

    /// The wrapped I/O object, mutably.
    pub fn inner_mut(&mut self) -> &mut T {
        &mut self.inner
    }

    /// Unwraps the I/O object.
    pub fn into_inner(self) -> T {
        self.inner
    }

    fn project(self: Pin<&mut Self>) -> Pin<&mut T> {
        // Structural pinning of the only field: `Io` moves `inner` out only
        // through `into_inner(self)` (which needs an unpinned value), hands
        // out `&mut T` only from `&mut self` (which a pinned `Io` gives only
        // when it is `Unpin`, exactly when `T: Unpin`), and has no `Drop`.
        // SAFETY: `inner` is structurally pinned, as just said.
        unsafe { self.map_unchecked_mut(|io| &mut io.inner) }
    }
}

impl<T: AsyncRead> ::hyper::rt::Read for Io<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        let unfilled = buf.initialize_unfilled();
        let len = unfilled.len();
        let n = ready!(self.project().poll_read(cx, unfilled))?;
        // `AsyncRead` is a safe trait: a buggy reader could report more
        // than it was given. Never trust that past the slice.
        assert!(
            n <= len,
            "an AsyncRead reported {n} bytes read into a buffer of {len}"
        );
        // SAFETY: `initialize_unfilled` initialized every unfilled byte,
        // and `n` is at most their number (checked above).
        unsafe { buf.advance(n) };
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncWrite> ::hyper::rt::Write for Io<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.project().poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.project().poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        // `futures-io` has no way to ask; its default `poll_write_vectored`
        // writes the first non-empty slice, which is correct either way.
        true
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().poll_close(cx)
    }
}

impl<T: ::hyper::rt::Read> AsyncRead for Io<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let mut read_buf = ::hyper::rt::ReadBuf::new(buf);
        ready!(::hyper::rt::Read::poll_read(
            self.project(),
            cx,
            read_buf.unfilled()
        ))?;
        Poll::Ready(Ok(read_buf.filled().len()))
    }
}

impl<T: ::hyper::rt::Write> AsyncWrite for Io<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        ::hyper::rt::Write::poll_write(self.project(), cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        ::hyper::rt::Write::poll_write_vectored(self.project(), cx, bufs)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ::hyper::rt::Write::poll_flush(self.project(), cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ::hyper::rt::Write::poll_shutdown(self.project(), cx)
    }
}

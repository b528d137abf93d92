//! Adapters that let hyper 1.x run on this runtime: an executor (spawns
//! through a `runtime::Handle`), a timer (`runtime::time::Sleep`), and an
//! I/O wrapper (`futures_io` streams as hyper's `rt::Read` / `rt::Write`).
//! Included by `hyper.rs` and by `tests/hyper.rs`.

use futures::io::{AsyncRead, AsyncWrite};
use hyper::rt::{Executor, ReadBufCursor, Sleep, Timer};
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::{Duration, Instant};

/// hyper's executor: spawns (detached) on a runtime. hyper needs it for
/// connection types that run background tasks (HTTP/2, the client pool);
/// `serve` uses it for its connection tasks too.
#[derive(Clone, Debug)]
pub struct RuntimeExecutor(pub runtime::Handle);

impl<F> Executor<F> for RuntimeExecutor
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    fn execute(&self, future: F) {
        drop(self.0.spawn(future));
    }
}

/// hyper's timer: the runtime's timers (header read timeouts, keep-alive).
#[derive(Clone, Debug)]
pub struct RuntimeTimer(pub runtime::Handle);

/// A `runtime::time::Sleep` as a hyper `Sleep`.
struct RuntimeSleep(runtime::time::Sleep);

impl Future for RuntimeSleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        Pin::new(&mut self.0).poll(cx)
    }
}

impl Sleep for RuntimeSleep {}

impl Timer for RuntimeTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Sleep>> {
        // Entered, so that it also works when hyper asks from elsewhere.
        let _entered = self.0.enter();
        Box::pin(RuntimeSleep(runtime::time::sleep(duration)))
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn Sleep>> {
        let _entered = self.0.enter();
        Box::pin(RuntimeSleep(runtime::time::sleep_until(deadline)))
    }
}

/// A `futures_io` stream (such as `runtime::net::TcpStream`) as hyper I/O.
#[derive(Debug)]
pub struct HyperIo<T>(pub T);

impl<T: AsyncRead + Unpin> hyper::rt::Read for HyperIo<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        let n = ready!(Pin::new(&mut self.0).poll_read(cx, buf.initialize_unfilled()))?;
        // SAFETY: `initialize_unfilled` initialized every unfilled byte, and
        // the read wrote `n` of them at the front (a reader never returns
        // more than the slice's length).
        unsafe { buf.advance(n) };
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncWrite + Unpin> hyper::rt::Write for HyperIo<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_close(cx)
    }
}

/// The hello service: `Hello, world!` for every request.
pub async fn hello(
    _req: hyper::Request<hyper::body::Incoming>,
) -> Result<hyper::Response<http_body_util::Full<bytes::Bytes>>, std::convert::Infallible> {
    Ok(hyper::Response::new(http_body_util::Full::new(
        bytes::Bytes::from_static(b"Hello, world!"),
    )))
}

/// Accepts connections on `listener` forever, serving each with hyper's
/// HTTP/1 server (keep-alive, 30 s to read a request head) in its own task.
pub async fn serve(handle: runtime::Handle, listener: runtime::net::TcpListener) -> io::Result<()> {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(RuntimeTimer(handle.clone()))
        .header_read_timeout(Duration::from_secs(30));
    loop {
        let (stream, _) = listener.accept().await?;
        stream.set_nodelay(true)?;
        let conn = http.serve_connection(HyperIo(stream), hyper::service::service_fn(hello));
        // Spawned through the hyper executor adapter (which hyper itself
        // uses for HTTP/2 and its client pool).
        RuntimeExecutor(handle.clone()).execute(async move {
            // A connection's error only ends that connection.
            let _ = conn.await;
        });
    }
}

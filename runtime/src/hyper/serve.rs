//! [`serve`]: hyper's HTTP/1 server on a [`TcpListener`], with a
//! header-read timeout, a task per connection, an accept loop that backs
//! off when out of descriptors, and graceful shutdown on cancellation.

use super::{Io, Timer};
use crate::net::TcpListener;
use crate::task::{catch_cancel, JoinSet};
use ::hyper::body::{Body, Incoming};
use ::hyper::server::conn::http1;
use ::hyper::service::Service;
use ::hyper::{Request, Response};
use std::error::Error as StdError;
use std::future::Future;
use std::io;
use std::pin::pin;
use std::time::Duration;

/// How long a client has to send a request's head (`serve`'s default):
/// the slowloris defence.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// The first pause after an accept error that is not the client's (out of
/// descriptors, out of memory); doubled on each error in a row up to
/// [`ACCEPT_BACKOFF_MAX`].
const ACCEPT_BACKOFF_MIN: Duration = Duration::from_millis(5);

/// The longest pause between accept attempts while out of descriptors.
const ACCEPT_BACKOFF_MAX: Duration = Duration::from_secs(1);

/// Serves HTTP/1.1 with hyper on `listener`, each connection in its own
/// task, until cancelled. The returned future is `Send + 'static`: spawn
/// it, and cancel its task (or shut the runtime down with
/// [`shutdown_timeout`](crate::Runtime::shutdown_timeout)) to stop.
///
/// * HTTP/1.1 with keep-alive and upgrades (WebSocket handshakes through
///   [`hyper::upgrade::on`]).
/// * A client gets [`HEADER_READ_TIMEOUT`] (30 s) to send a request's head,
///   measured with the runtime's [`Timer`]; the connection is closed
///   after. The same bound closes a keep-alive connection left idle
///   between requests.
/// * Errors of one connection end that connection only. An accept error
///   caused by the client (connection reset before it was accepted) is
///   skipped; any other (out of file descriptors: `EMFILE`, `ENFILE`; out
///   of memory) pauses accepting, for 5 ms doubling up to 1 s while the
///   errors go on, instead of spinning or giving up.
///
/// # Graceful shutdown
///
/// When the task running `serve` is cancelled (directly, or by the runtime
/// shutting down), `serve` catches the cancellation: it stops accepting and
/// closes the listener (new connections are refused), asks each connection
/// to shut down gracefully (idle keep-alive connections close at once;
/// requests in flight get their responses, then their connections close),
/// waits for them all, and only then ends. The task is still reported
/// cancelled. With `shutdown_timeout`, connections still busy when the
/// timeout expires are dropped.
///
/// The drain waits for every request in flight, however long it takes: a
/// client that never finishes sending a body, or a handler that never
/// returns (long polling, server-sent events), holds it open. A second
/// `cancel()` does not cut it short (the cancellation was already
/// received). Bound it where that matters: shut the runtime down with
/// [`Runtime::shutdown_timeout`](crate::Runtime::shutdown_timeout), or
/// stop awaiting the task after a deadline of your own and drop the
/// runtime.
///
/// Only cancelling the *task* drains. Dropping the `serve` future (for
/// example when it loses a `select` against `ctrl_c()`, or when it is
/// awaited directly in `block_on`, which is not a task) drops every
/// connection at once, requests in flight included: spawn `serve` and
/// cancel its task instead, as below and in `examples/graceful.rs`.
///
/// `service` is cloned for each connection. An axum `Router` serves through
/// `hyper_util::service::TowerToHyperService::new(router)`.
///
/// # Errors
///
/// Only if the listener's runtime has shut down (its reactor is gone).
/// After a graceful shutdown it returns `Ok(())`.
///
/// # Examples
///
/// ```
/// use http_body_util::Full;
/// use hyper::body::Bytes;
/// use std::io::{Read, Write};
///
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let listener = runtime::net::TcpListener::bind("127.0.0.1:0").await?;
/// let addr = listener.local_addr()?;
/// let hello = hyper::service::service_fn(|_req| async {
///     Ok::<_, std::convert::Infallible>(hyper::Response::new(Full::new(Bytes::from("hi"))))
/// });
/// let server = runtime::spawn(runtime::hyper::serve(listener, hello));
///
/// let response = runtime::spawn_blocking(move || {
///     let mut s = std::net::TcpStream::connect(addr)?;
///     s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")?;
///     let mut response = String::new();
///     s.read_to_string(&mut response)?;
///     std::io::Result::Ok(response)
/// })
/// .await
/// .unwrap()?;
/// assert!(response.starts_with("HTTP/1.1 200 OK") && response.ends_with("hi"));
///
/// server.cancel(); // graceful: stops accepting, drains, ends
/// assert!(server.await.unwrap_err().is_cancelled());
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
#[allow(
    clippy::manual_async_fn,
    reason = "the signature promises `Send + 'static`, which an `async fn` leaves to inference"
)]
pub fn serve<S, B>(
    listener: TcpListener,
    service: S,
) -> impl Future<Output = io::Result<()>> + Send + 'static
where
    S: Service<Request<Incoming>, Response = Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<Box<dyn StdError + Send + Sync>>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn StdError + Send + Sync>>,
{
    async move {
        let mut http = http1::Builder::new();
        http.timer(Timer::new())
            .header_read_timeout(HEADER_READ_TIMEOUT)
            .keep_alive(true);
        let mut server = Server {
            listener: Some(listener),
            http,
            service,
            connections: JoinSet::new(),
        };
        let accepted = catch_cancel(server.accept_loop()).await;
        // Stop accepting: close the listening socket, so that new
        // connections are refused rather than left in the backlog.
        server.listener = None;
        match accepted {
            Ok(result) => {
                // Only a runtime shut down gets here.
                server.connections.cancel_all();
                result
            }
            Err(_cancelled) => {
                // Each connection task catches this and shuts down
                // gracefully.
                server.connections.cancel_all();
                while server.connections.join_next().await.is_some() {}
                Ok(())
            }
        }
    }
}

/// `serve`'s state, borrowed mutably by the accept loop (so that the
/// future stays `Send` without requiring `S: Sync`).
struct Server<S> {
    listener: Option<TcpListener>,
    http: http1::Builder,
    service: S,
    connections: JoinSet<()>,
}

impl<S, B> Server<S>
where
    S: Service<Request<Incoming>, Response = Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<Box<dyn StdError + Send + Sync>>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn StdError + Send + Sync>>,
{
    /// Accepts and spawns connections; returns only if the runtime shut
    /// down (cancellation drops it).
    async fn accept_loop(&mut self) -> io::Result<()> {
        let listener = self.listener.as_ref().expect("the listener is open");
        let mut backoff = ACCEPT_BACKOFF_MIN;
        loop {
            // Forget the connections that ended.
            while self.connections.try_join_next().is_some() {}
            let stream = match listener.accept().await {
                Ok((stream, _peer)) => {
                    backoff = ACCEPT_BACKOFF_MIN;
                    stream
                }
                Err(err) if is_shut_down(&err) => return Err(err),
                Err(err) if is_connection_error(&err) => continue,
                Err(_) => {
                    // Out of descriptors or memory: wait for connections to
                    // end (or the limit to rise) instead of spinning.
                    crate::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(ACCEPT_BACKOFF_MAX);
                    continue;
                }
            };
            // Latency over throughput for request / response traffic; a
            // failure here only costs latency.
            let _ = stream.set_nodelay(true);
            let conn = self
                .http
                .serve_connection(Io::new(stream), self.service.clone())
                .with_upgrades();
            self.connections.spawn(async move {
                let mut conn = pin!(conn);
                // A connection's error (reset, timeout, bad request) only
                // ends that connection.
                if catch_cancel(conn.as_mut()).await.is_err() {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            });
        }
    }
}

/// The error every operation on a socket returns once its runtime shut
/// down.
fn is_shut_down(err: &io::Error) -> bool {
    err.kind() == io::ErrorKind::Other
        && err.to_string() == crate::driver::io::scheduled_io::SHUT_DOWN
}

/// An accept error that concerns one client only (it went away before its
/// connection was accepted): accept the next one at once.
fn is_connection_error(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionRefused
            | io::ErrorKind::Interrupted
            | io::ErrorKind::WouldBlock
    )
}

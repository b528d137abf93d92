//! Graceful shutdown: a hyper server that, on SIGTERM (what `kill`,
//! systemd and container runtimes send) or Ctrl-C, stops accepting, lets
//! the requests in flight finish, and exits 0 within a deadline.
//!
//! `GET /` answers at once; `GET /slow` takes 2 seconds, to show a request
//! in flight surviving the shutdown. The server is `runtime::hyper::serve`
//! in a task; on the signal, `Runtime::shutdown_timeout` cancels every
//! task: `serve` catches its cancellation, closes the listener and drains
//! the connections, and whatever is still running after the deadline is
//! dropped.
//!
//! Run: `cargo run -p examples --example graceful [ADDR]` (default
//! `127.0.0.1:8080`), then `curl http://127.0.0.1:8080/slow` and, while it
//! waits, press Ctrl-C in the server's terminal (or
//! `kill -TERM <pid>`): curl still gets its answer, then the server exits.

use futures::future::{select, Either};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use runtime::signal::unix::{signal, SignalKind};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::pin;
use std::time::Duration;

/// How long `/slow` takes.
const SLOW: Duration = Duration::from_secs(2);

/// How long requests in flight get to finish after the signal.
const DEADLINE: Duration = Duration::from_secs(10);

async fn app(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let body = match req.uri().path() {
        "/slow" => {
            println!("slow request started");
            runtime::time::sleep(SLOW).await;
            "done, slowly\n"
        }
        _ => "hello\n",
    };
    Ok(Response::new(Full::new(Bytes::from(body))))
}

fn main() -> std::io::Result<()> {
    let addr: SocketAddr = match std::env::args().nth(1) {
        Some(arg) => arg.parse().map_err(|err| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("{arg:?} is not an address like 127.0.0.1:8080: {err}"),
            )
        })?,
        None => SocketAddr::from(([127, 0, 0, 1], 8080)),
    };
    let rt = runtime::Runtime::new()?;
    rt.block_on(async {
        // The handlers first: a signal from now on is ours, not fatal.
        let mut terminate = signal(SignalKind::terminate())?;
        let mut interrupt = signal(SignalKind::interrupt())?;
        let listener = runtime::net::TcpListener::bind(addr).await?;
        println!(
            "graceful listening on http://{} (pid {})",
            listener.local_addr()?,
            std::process::id()
        );
        runtime::spawn(runtime::hyper::serve(
            listener,
            hyper::service::service_fn(app),
        ));
        let which = match select(pin!(terminate.recv()), pin!(interrupt.recv())).await {
            Either::Left(_) => "SIGTERM",
            Either::Right(_) => "Ctrl-C",
        };
        println!("{which}: no new connections; finishing requests in flight");
        std::io::Result::Ok(())
    })?;
    // Cancels every task: `serve` stops accepting and drains its
    // connections; anything still busy after DEADLINE is dropped.
    rt.shutdown_timeout(DEADLINE);
    println!("bye");
    Ok(())
}

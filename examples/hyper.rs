//! The hello server of `http.rs` on hyper 1.x instead of a hand-written
//! parser, through the crate's `runtime::hyper::serve` (cargo feature
//! `hyper`): a task per connection, keep-alive, a 30 s header-read
//! timeout, and an accept loop that backs off instead of exiting when the
//! process runs out of file descriptors. The service is in `hyper_rt.rs`.
//!
//! Run: `cargo run --release -p examples --example hyper [ADDR]` (default
//! `127.0.0.1:8080`), then `curl http://127.0.0.1:8080/`.

mod hyper_rt;

use std::net::SocketAddr;

#[runtime::main]
async fn main() -> std::io::Result<()> {
    let addr: SocketAddr = match std::env::args().nth(1) {
        Some(arg) => arg.parse().map_err(|err| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("{arg:?} is not an address like 127.0.0.1:8080: {err}"),
            )
        })?,
        None => SocketAddr::from(([127, 0, 0, 1], 8080)),
    };
    let listener = runtime::net::TcpListener::bind(addr).await?;
    println!("hyper listening on http://{}", listener.local_addr()?);
    let service = hyper::service::service_fn(hyper_rt::hello);
    runtime::hyper::serve(listener, service).await
}

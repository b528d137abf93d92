//! A small HTTP/1.1 keep-alive server on `runtime::net`, and how to embed
//! the runtime in a server: a `Server` struct holding a `runtime::Handle`,
//! started from a plain `fn main` (no `#[runtime::main]`).
//!
//! `GET /` answers `Hello, world!`. Ambiguous or malformed requests get
//! 400 and a close (RFC 9112, failing closed), a request head over 8 KiB
//! gets 431, a head or body not complete within its 30 s deadline is cut
//! off, and out of descriptors the accept loop backs off. The rules live
//! in `http_server.rs`, which `tests/http.rs`, `tests/http_hostile.rs` and
//! `tests/http_emfile.rs` check one by one.
//!
//! Run: `cargo run --release -p examples --example http [ADDR]` (default
//! `127.0.0.1:8080`), then `curl http://127.0.0.1:8080/`.

mod http_server;

use http_server::{Config, Server};
use std::net::SocketAddr;

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
    let rt = runtime::Builder::new().thread_name("http-worker").build()?;
    let server = Server::bind(rt.handle(), addr, Config::default())?;
    println!("listening on http://{}", server.local_addr()?);
    // The accept loop runs as a task; `main` only waits for it to end.
    let accept_loop = server.start();
    match rt.block_on(accept_loop) {
        Ok(result) => result,
        Err(join_error) => Err(std::io::Error::other(join_error.to_string())),
    }
}

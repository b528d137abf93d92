//! The hello server of `http.rs`, on hyper 1.x instead of a hand-written
//! parser: hyper runs on this runtime through the small adapters in
//! `hyper_rt.rs` (`rt::Executor`, `rt::Timer`, `rt::Read` / `rt::Write`).
//! This shows the runtime carrying a real ecosystem library.
//!
//! Run: `cargo run --release -p examples --example hyper [ADDR]` (default
//! `127.0.0.1:8080`), then `curl http://127.0.0.1:8080/`.

mod hyper_rt;

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
    let rt = runtime::Runtime::new()?;
    let handle = rt.handle().clone();
    rt.block_on(async move {
        let listener = runtime::net::TcpListener::bind(addr).await?;
        println!("hyper listening on http://{}", listener.local_addr()?);
        hyper_rt::serve(handle, listener).await
    })
}

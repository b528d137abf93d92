//! A TCP echo server: every connection gets its bytes back until it
//! closes. Shows `TcpListener::accept`, one task per connection, and the
//! `futures::io` utilities (`copy`) working on `runtime::net` streams.
//!
//! Run: `cargo run -p examples --example echo [ADDR]` (default
//! `127.0.0.1:7878`), then `nc 127.0.0.1 7878`.

use runtime::net::TcpListener;

#[runtime::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:7878".to_owned());
    let listener = TcpListener::bind(&addr).await?;
    println!("echoing on {}", listener.local_addr()?);
    loop {
        let (stream, peer) = listener.accept().await?;
        runtime::spawn(async move {
            let (mut rd, mut wr) = stream.into_split();
            match futures::io::copy(&mut rd, &mut wr).await {
                Ok(n) => println!("{peer}: echoed {n} bytes"),
                Err(err) => println!("{peer}: {err}"),
            }
        });
    }
}

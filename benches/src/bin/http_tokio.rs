//! The HTTP/1.1 hello server of `examples/http.rs` on Tokio, for
//! `benches/http-load.sh` to compare against: the same algorithm (read
//! until the end of the head, check the request line, answer
//! `Hello, world!`, keep the connection alive; 400 / 431 and close on bad
//! input; 30 s idle timeout), the same buffer sizes, the same number of
//! worker threads (one per CPU, both runtimes' default).
//!
//! Run: `cargo run --release -p benches --bin http_tokio [ADDR]` (default
//! `127.0.0.1:8081`).

use std::io;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const MAX_HEAD: usize = 8 * 1024;
const IDLE_TIMEOUT: Duration = Duration::from_secs(30);
const HELLO: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\nConnection: keep-alive\r\n\r\nHello, world!";
const NOT_FOUND: &[u8] = b"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n";
const BAD: &[u8] =
    b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
const TOO_LARGE: &[u8] = b"HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: text/plain\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

fn find_head_end(buf: &[u8], from: usize) -> Option<usize> {
    let start = from.saturating_sub(3);
    buf[start..]
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|p| start + p + 4)
}

/// `Some((is_root, keep_alive))`, or `None` for a malformed head.
fn parse(head: &[u8]) -> Option<(bool, bool)> {
    let head = std::str::from_utf8(head).ok()?;
    let mut lines = head.split("\r\n");
    let mut parts = lines.next()?.split(' ');
    let (method, path, version) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some()
        || method.is_empty()
        || !method.bytes().all(|b| b.is_ascii_uppercase())
        || !path.starts_with('/')
    {
        return None;
    }
    let mut keep_alive = match version {
        "HTTP/1.1" => true,
        "HTTP/1.0" => false,
        _ => return None,
    };
    for header in lines.filter(|l| !l.is_empty()) {
        let (name, value) = header.split_once(':')?;
        if name.eq_ignore_ascii_case("connection") {
            keep_alive = !value.trim().eq_ignore_ascii_case("close");
        }
    }
    Some((method == "GET" && path == "/", keep_alive))
}

async fn serve(mut stream: TcpStream) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let mut buf = vec![0u8; MAX_HEAD + 1];
    let mut filled = 0;
    loop {
        let mut scanned = 0;
        let end = loop {
            if let Some(end) = find_head_end(&buf[..filled], scanned) {
                break end;
            }
            scanned = filled;
            if filled > MAX_HEAD {
                stream.write_all(TOO_LARGE).await?;
                return stream.shutdown().await;
            }
            match tokio::time::timeout(IDLE_TIMEOUT, stream.read(&mut buf[filled..])).await {
                Err(_) => return stream.shutdown().await,
                Ok(Ok(0)) => return Ok(()),
                Ok(Ok(n)) => filled += n,
                Ok(Err(err)) => return Err(err),
            }
        };
        let keep_alive = match parse(&buf[..end]) {
            None => {
                stream.write_all(BAD).await?;
                return stream.shutdown().await;
            }
            Some((true, keep_alive)) => {
                stream.write_all(HELLO).await?;
                keep_alive
            }
            Some((false, keep_alive)) => {
                stream.write_all(NOT_FOUND).await?;
                keep_alive
            }
        };
        if !keep_alive {
            return stream.shutdown().await;
        }
        buf.copy_within(end..filled, 0);
        filled -= end;
    }
}

#[tokio::main]
async fn main() -> io::Result<()> {
    let addr: SocketAddr = match std::env::args().nth(1) {
        Some(arg) => arg.parse().map_err(|err| {
            io::Error::new(io::ErrorKind::InvalidInput, format!("{arg:?}: {err}"))
        })?,
        None => SocketAddr::from(([127, 0, 0, 1], 8081)),
    };
    let listener = TcpListener::bind(addr).await?;
    println!("listening on http://{}", listener.local_addr()?);
    loop {
        let (stream, _) = listener.accept().await?;
        tokio::spawn(async move {
            let _ = serve(stream).await;
        });
    }
}

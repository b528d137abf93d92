//! The HTTP/1.1 server of `examples/http.rs`, as a module the example and
//! its tests (`tests/http.rs`) both include.
//!
//! Rules: `GET /` (or `HEAD /`) answers `Hello, world!`, any other path 404,
//! any other method 405; connections are kept alive (HTTP/1.1, unless the
//! client says `Connection: close`; HTTP/1.0 only with `Connection:
//! keep-alive`). Bad input gets an answer and a close, and never disturbs
//! other connections: a malformed request line gets 400, a request head
//! over [`Config::max_head`] (8 KiB) gets 431, a connection idle for
//! [`Config::idle_timeout`] (30 s) is closed.

use futures::io::{AsyncReadExt, AsyncWriteExt};
use runtime::net::{TcpListener, TcpStream};
use runtime::task::JoinHandle;
use runtime::Handle;
use std::borrow::Cow;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// What the server allows.
#[derive(Debug, Clone)]
pub struct Config {
    /// A connection with no complete request for this long is closed.
    pub idle_timeout: Duration,
    /// The largest request head (request line and headers) accepted.
    pub max_head: usize,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            idle_timeout: Duration::from_secs(30),
            max_head: 8 * 1024,
        }
    }
}

/// An HTTP server embedded in a program that owns the runtime: it holds a
/// [`Handle`] and spawns its tasks through it.
pub struct Server {
    handle: Handle,
    listener: TcpListener,
    config: Arc<Config>,
}

const HELLO: &[u8] = b"Hello, world!";

/// The answer to the common case, `GET /` with keep-alive, prebuilt.
const HELLO_KEEP_ALIVE: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\nConnection: keep-alive\r\n\r\nHello, world!";

impl Server {
    /// Binds to `addr` and registers the listener with `handle`'s runtime.
    ///
    /// # Errors
    ///
    /// The operating system's (address in use, ...).
    pub fn bind(handle: &Handle, addr: SocketAddr, config: Config) -> io::Result<Server> {
        let std_listener = std::net::TcpListener::bind(addr)?;
        let _entered = handle.enter();
        Ok(Server {
            handle: handle.clone(),
            listener: TcpListener::from_std(std_listener)?,
            config: Arc::new(config),
        })
    }

    /// The address the server listens on.
    ///
    /// # Errors
    ///
    /// The operating system's.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Starts accepting connections on the runtime; each connection runs
    /// as its own task. The returned task ends only on an accept error
    /// (or when cancelled).
    pub fn start(self) -> JoinHandle<io::Result<()>> {
        let Server {
            handle,
            listener,
            config,
        } = self;
        let spawner = handle.clone();
        handle.spawn(async move {
            loop {
                let (stream, _) = match listener.accept().await {
                    Ok(conn) => conn,
                    // Out of descriptors and the like: this connection is
                    // lost, the server goes on.
                    Err(err) if is_transient(&err) => continue,
                    Err(err) => return Err(err),
                };
                let config = config.clone();
                drop(spawner.spawn(async move {
                    // A connection's I/O error only ends that connection.
                    let _ = serve(stream, &config).await;
                }));
            }
        })
    }
}

fn is_transient(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
            | io::ErrorKind::OutOfMemory
    ) || err.raw_os_error().is_some_and(|e| e == 23 || e == 24) // ENFILE, EMFILE
}

/// What the parser made of a request head.
#[derive(Debug, PartialEq, Eq)]
enum Head<'a> {
    Request {
        method: &'a str,
        path: &'a str,
        keep_alive: bool,
        content_length: usize,
    },
    /// Malformed: answer 400 and close.
    Bad,
}

fn parse_head(head: &[u8]) -> Head<'_> {
    let Ok(head) = std::str::from_utf8(head) else {
        return Head::Bad;
    };
    let mut lines = head.split("\r\n");
    let line = lines.next().unwrap_or("");
    let mut parts = line.split(' ');
    let (Some(method), Some(path), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Head::Bad;
    };
    let method_ok = !method.is_empty() && method.bytes().all(|b| b.is_ascii_uppercase());
    let http11 = match version {
        "HTTP/1.1" => true,
        "HTTP/1.0" => false,
        _ => return Head::Bad,
    };
    if !method_ok || !path.starts_with('/') {
        return Head::Bad;
    }
    let mut keep_alive = http11;
    let mut content_length = 0;
    for header in lines.filter(|l| !l.is_empty()) {
        let Some((name, value)) = header.split_once(':') else {
            return Head::Bad;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("connection") {
            if value.eq_ignore_ascii_case("close") {
                keep_alive = false;
            } else if value.eq_ignore_ascii_case("keep-alive") {
                keep_alive = true;
            }
        } else if name.eq_ignore_ascii_case("content-length") {
            match value.parse() {
                Ok(n) => content_length = n,
                Err(_) => return Head::Bad,
            }
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            return Head::Bad; // not supported by this small server
        }
    }
    Head::Request {
        method,
        path,
        keep_alive,
        content_length,
    }
}

fn find_head_end(buf: &[u8], from: usize) -> Option<usize> {
    let start = from.saturating_sub(3);
    buf[start..]
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|p| start + p + 4)
}

fn response(status: &str, body: &[u8], keep_alive: bool, head_only: bool) -> Vec<u8> {
    let connection = if keep_alive { "keep-alive" } else { "close" };
    let mut out = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: {connection}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    if !head_only {
        out.extend_from_slice(body);
    }
    out
}

/// Closes after an error answer without losing it: sends FIN, then reads
/// and discards what the client still sends (briefly, and a bounded
/// amount). Closing with unread input would make the kernel send a reset,
/// which can destroy the answer before the client reads it.
async fn close_gracefully(mut stream: TcpStream) -> io::Result<()> {
    stream.close().await?;
    let mut sink = [0u8; 4096];
    let mut left: usize = 64 * 1024;
    let drain = async {
        while left > 0 {
            match stream.read(&mut sink).await {
                Ok(0) | Err(_) => break,
                Ok(n) => left = left.saturating_sub(n),
            }
        }
    };
    let _ = runtime::time::timeout(Duration::from_secs(1), drain).await;
    Ok(())
}

/// Serves one connection until it closes, errs, idles out or misbehaves.
async fn serve(mut stream: TcpStream, config: &Config) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let mut buf = vec![0u8; config.max_head + 1];
    let mut filled = 0;
    loop {
        // Read until the head is complete.
        let mut scanned = 0;
        let end = loop {
            if let Some(end) = find_head_end(&buf[..filled], scanned) {
                break end;
            }
            scanned = filled;
            if filled > config.max_head {
                let out = response("431 Request Header Fields Too Large", b"", false, false);
                stream.write_all(&out).await?;
                return close_gracefully(stream).await;
            }
            let read = runtime::time::timeout(config.idle_timeout, stream.read(&mut buf[filled..]));
            match read.await {
                Err(_idle) => return stream.close().await,
                Ok(Ok(0)) => return Ok(()), // the client closed
                Ok(Ok(n)) => filled += n,
                Ok(Err(err)) => return Err(err),
            }
        };
        let (out, keep_alive, body_len) = match parse_head(&buf[..end]) {
            Head::Bad => {
                let out = response("400 Bad Request", b"", false, false);
                stream.write_all(&out).await?;
                return close_gracefully(stream).await;
            }
            Head::Request {
                method,
                path,
                keep_alive,
                content_length,
            } => {
                let head_only = method == "HEAD";
                let out = match (method, path) {
                    ("GET", "/") if keep_alive => Cow::Borrowed(HELLO_KEEP_ALIVE),
                    ("GET" | "HEAD", "/") => {
                        Cow::Owned(response("200 OK", HELLO, keep_alive, head_only))
                    }
                    ("GET" | "HEAD", _) => {
                        Cow::Owned(response("404 Not Found", b"", keep_alive, head_only))
                    }
                    _ => Cow::Owned(response("405 Method Not Allowed", b"", keep_alive, false)),
                };
                (out, keep_alive, content_length)
            }
        };
        stream.write_all(&out).await?;
        if !keep_alive {
            return stream.close().await;
        }
        // Drop the request (head and body) from the buffer; keep what
        // follows (a pipelined request).
        let mut consumed = end;
        let mut body_left = body_len;
        let in_buf = (filled - consumed).min(body_left);
        consumed += in_buf;
        body_left -= in_buf;
        buf.copy_within(consumed..filled, 0);
        filled -= consumed;
        while body_left > 0 {
            let chunk = body_left.min(buf.len());
            let n = stream.read(&mut buf[..chunk]).await?;
            if n == 0 {
                return Ok(());
            }
            body_left -= n;
        }
    }
}

#[cfg(test)]
mod parse_tests {
    use super::*;

    #[test]
    fn parses_request_lines() {
        assert!(matches!(
            parse_head(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
            Head::Request {
                method: "GET",
                path: "/",
                keep_alive: true,
                ..
            }
        ));
        assert!(matches!(
            parse_head(b"GET / HTTP/1.0\r\n\r\n"),
            Head::Request {
                keep_alive: false,
                ..
            }
        ));
        assert_eq!(parse_head(b"GARBAGE\r\n\r\n"), Head::Bad);
        assert_eq!(parse_head(b"GET /  HTTP/1.1\r\n\r\n"), Head::Bad);
        assert_eq!(parse_head(b"get / HTTP/1.1\r\n\r\n"), Head::Bad);
        assert_eq!(parse_head(b"GET / HTTP/2\r\n\r\n"), Head::Bad);
    }

    #[test]
    fn finds_the_end_of_a_head_split_across_reads() {
        let buf = b"GET / HTTP/1.1\r\n\r\nNEXT";
        assert_eq!(find_head_end(buf, 0), Some(18));
        assert_eq!(find_head_end(buf, 16), Some(18));
        assert_eq!(find_head_end(&buf[..17], 0), None);
    }
}

//! The HTTP/1.1 server of `examples/http.rs`, as a module the example and
//! its tests (`tests/http.rs`, `tests/http_hostile.rs`,
//! `tests/http_emfile.rs`) include.
//!
//! Rules: `GET /` (or `HEAD /`) answers `Hello, world!`, any other path 404,
//! any other method 405; connections are kept alive (HTTP/1.1, unless the
//! client says `Connection: close`; HTTP/1.0 only with `Connection:
//! keep-alive`). Bad input gets an answer and a close, and never disturbs
//! other connections. The server follows RFC 9112 and *fails closed*: a
//! request whose framing or syntax is ambiguous is refused, never guessed
//! at (request smuggling lives in the guesses):
//!
//! * a malformed request line, an invalid header name (empty, or with a
//!   space or another non-token byte, which includes whitespace before the
//!   colon), a control byte (NUL, a bare CR) in a value, an obsolete line
//!   fold, a bare LF line ending, HTTP/1.1 without exactly one `Host`, a
//!   `Content-Length` that is not plain digits or that appears twice with
//!   different values, and any `Transfer-Encoding` (none is supported) get
//!   400 and a close;
//! * a head over [`Config::max_head`] (8 KiB) gets 431, a declared body
//!   over [`Config::max_body`] (1 MiB) gets 413, both with a close;
//! * a request head must be complete within [`Config::head_timeout`]
//!   (30 s) from the accept or the end of the previous response: a
//!   deadline, not a timeout per read, so a client sending a byte every
//!   few seconds is cut off (408 if it had started a request);
//! * a declared body must arrive within [`Config::body_timeout`] (30 s)
//!   from the end of the head, or the connection is closed;
//! * a response must be taken by the kernel within
//!   [`Config::write_timeout`] (30 s): a client that never reads is
//!   dropped;
//! * out of descriptors, the accept loop backs off (10 ms, doubling up to
//!   100 ms) instead of spinning.
//!
//! `docs/reliability.md` records what each rule defends against.

use futures::io::{AsyncReadExt, AsyncWriteExt};
use runtime::net::{TcpListener, TcpSocket, TcpStream};
use runtime::task::JoinHandle;
use runtime::time::Instant;
use runtime::Handle;
use std::borrow::Cow;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// What the server allows.
#[derive(Debug, Clone)]
pub struct Config {
    /// A request head must be complete within this long after the
    /// connection was accepted or the previous response was sent.
    pub head_timeout: Duration,
    /// A declared body must be complete within this long after its head.
    pub body_timeout: Duration,
    /// The largest request head (request line and headers) accepted.
    pub max_head: usize,
    /// The largest declared body (`Content-Length`) accepted.
    pub max_body: usize,
    /// A response must be handed to the kernel within this long: a client
    /// that sends requests but never reads the answers is closed.
    pub write_timeout: Duration,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            head_timeout: Duration::from_secs(30),
            body_timeout: Duration::from_secs(30),
            max_head: 8 * 1024,
            max_body: 1024 * 1024,
            write_timeout: Duration::from_secs(30),
        }
    }
}

/// The accept loop's pause after running out of descriptors: it starts
/// here and doubles while the condition lasts...
pub const ACCEPT_BACKOFF_MIN: Duration = Duration::from_millis(10);
/// ...up to this.
pub const ACCEPT_BACKOFF_MAX: Duration = Duration::from_millis(100);

/// The listen backlog (as `TcpListener::bind`).
const BACKLOG: u32 = 1024;

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
    /// Binds to `addr` (with `SO_REUSEADDR` and a backlog of 1024) and
    /// registers the listener with `handle`'s runtime.
    ///
    /// # Errors
    ///
    /// The operating system's (address in use, ...).
    pub fn bind(handle: &Handle, addr: SocketAddr, config: Config) -> io::Result<Server> {
        let _entered = handle.enter();
        let socket = match addr {
            SocketAddr::V4(_) => TcpSocket::new_v4()?,
            SocketAddr::V6(_) => TcpSocket::new_v6()?,
        };
        socket.set_reuseaddr(true)?;
        socket.bind(addr)?;
        Ok(Server {
            handle: handle.clone(),
            listener: socket.listen(BACKLOG)?,
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
    /// as its own task. The returned task does not end by itself: accept
    /// errors are skipped (with a back-off when they repeat or when out of
    /// descriptors); cancel it, or shut the runtime down, to stop.
    pub fn start(self) -> JoinHandle<io::Result<()>> {
        let Server {
            handle,
            listener,
            config,
        } = self;
        let spawner = handle.clone();
        handle.spawn(async move {
            let mut backoff = ACCEPT_BACKOFF_MIN;
            loop {
                let (stream, _) = match listener.accept().await {
                    Ok(conn) => {
                        backoff = ACCEPT_BACKOFF_MIN;
                        conn
                    }
                    // Out of descriptors or memory: the pending
                    // connections stay queued, and accepting again at once
                    // would fail the same way at 100% CPU. Wait for
                    // connections (ours or others) to close.
                    Err(err) if is_out_of_resources(&err) => {
                        runtime::time::sleep(backoff).await;
                        backoff = (backoff * 2).min(ACCEPT_BACKOFF_MAX);
                        continue;
                    }
                    // This connection is lost (reset before we took it):
                    // the server goes on.
                    Err(err) if is_transient(&err) => continue,
                    // Anything else (`accept(2)` also reports errors that
                    // belong to one pending connection: EPROTO, ENETDOWN,
                    // EHOSTUNREACH, a firewall's EPERM, ...) must not stop
                    // the server either; backing off keeps an error that
                    // repeats from spinning.
                    Err(err) => {
                        eprintln!("accept failed ({err}); retrying after {backoff:?}");
                        runtime::time::sleep(backoff).await;
                        backoff = (backoff * 2).min(ACCEPT_BACKOFF_MAX);
                        continue;
                    }
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

/// `EMFILE`, `ENFILE`, `ENOBUFS`, `ENOMEM`: the process or the system is
/// out of something that closing connections frees.
fn is_out_of_resources(err: &io::Error) -> bool {
    err.kind() == io::ErrorKind::OutOfMemory
        || err.raw_os_error().is_some_and(|e| {
            e == libc::EMFILE || e == libc::ENFILE || e == libc::ENOBUFS || e == libc::ENOMEM
        })
}

fn is_transient(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
    )
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
    /// Refused: answer 400 and close. The reason is for tests and logs.
    Bad(&'static str),
}

/// RFC 9110 `tchar`: the bytes of a token (method, header name).
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// A field value's bytes: visible ASCII, space, tab, or non-ASCII
/// (`obs-text`); never a control byte.
fn is_value_byte(b: u8) -> bool {
    b == b'\t' || b == b' ' || (0x21..=0x7e).contains(&b) || b >= 0x80
}

/// A bare CR or a bare LF in `buf[from..]` (a CR at the very end may still
/// get its LF, so it is not judged yet).
fn bad_line_ending(buf: &[u8], from: usize) -> bool {
    (from..buf.len()).any(|i| match buf[i] {
        b'\n' => i == 0 || buf[i - 1] != b'\r',
        b'\r' => i + 1 < buf.len() && buf[i + 1] != b'\n',
        _ => false,
    })
}

/// Parses a complete head (ending with the blank line). Every line ends
/// with CRLF: `bad_line_ending` was checked while reading.
fn parse_head(head: &[u8]) -> Head<'_> {
    let Ok(head) = std::str::from_utf8(head) else {
        return Head::Bad("not UTF-8");
    };
    let mut lines = head.split("\r\n");
    let line = lines.next().unwrap_or("");
    let mut parts = line.split(' ');
    let (Some(method), Some(path), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Head::Bad("request line");
    };
    let method_ok = !method.is_empty() && method.bytes().all(|b| b.is_ascii_uppercase());
    let http11 = match version {
        "HTTP/1.1" => true,
        "HTTP/1.0" => false,
        _ => return Head::Bad("version"),
    };
    if !method_ok || !path.starts_with('/') || !path.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
        return Head::Bad("request line");
    }
    let mut close = false;
    let mut keep_alive_token = false;
    let mut content_length: Option<usize> = None;
    let mut hosts = 0;
    for header in lines.filter(|l| !l.is_empty()) {
        if header.starts_with([' ', '\t']) {
            return Head::Bad("obsolete line folding");
        }
        let Some((name, value)) = header.split_once(':') else {
            return Head::Bad("header without a colon");
        };
        // Whitespace before the colon is not a token byte: refused here
        // (RFC 9112 section 5.1), so "Transfer-Encoding :" cannot slip by.
        if name.is_empty() || !name.bytes().all(is_tchar) {
            return Head::Bad("invalid header name");
        }
        if !value.bytes().all(is_value_byte) {
            return Head::Bad("control byte in a header value");
        }
        let raw_value = value;
        let value = value.trim_matches([' ', '\t']);
        if name.eq_ignore_ascii_case("connection") {
            for option in value.split(',').map(|o| o.trim_matches([' ', '\t'])) {
                if option.eq_ignore_ascii_case("close") {
                    close = true;
                } else if option.eq_ignore_ascii_case("keep-alive") {
                    keep_alive_token = true;
                }
            }
        } else if name.eq_ignore_ascii_case("content-length") {
            // Plain digits only: no sign, no hex, no lists, and (stricter
            // than RFC 9112's optional whitespace, on purpose) nothing
            // after the digits.
            let value = raw_value.trim_start_matches([' ', '\t']);
            if value.is_empty() || value.len() > 15 || !value.bytes().all(|b| b.is_ascii_digit()) {
                return Head::Bad("invalid Content-Length");
            }
            let n: usize = match value.parse() {
                Ok(n) => n,
                Err(_) => return Head::Bad("invalid Content-Length"),
            };
            if content_length.is_some_and(|old| old != n) {
                return Head::Bad("conflicting Content-Length");
            }
            content_length = Some(n);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            return Head::Bad("Transfer-Encoding is not supported");
        } else if name.eq_ignore_ascii_case("host") {
            hosts += 1;
        }
    }
    if http11 && hosts != 1 {
        return Head::Bad("HTTP/1.1 needs exactly one Host");
    }
    if hosts > 1 {
        return Head::Bad("more than one Host");
    }
    Head::Request {
        method,
        path,
        keep_alive: !close && (http11 || keep_alive_token),
        content_length: content_length.unwrap_or(0),
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
    response_with(status, "", body, keep_alive, head_only)
}

/// [`response`] with `extra` header lines (each ending in CRLF).
fn response_with(
    status: &str,
    extra: &str,
    body: &[u8],
    keep_alive: bool,
    head_only: bool,
) -> Vec<u8> {
    let connection = if keep_alive { "keep-alive" } else { "close" };
    let mut out = format!(
        "HTTP/1.1 {status}\r\n{extra}Content-Type: text/plain\r\nContent-Length: {}\r\nConnection: {connection}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    if !head_only {
        out.extend_from_slice(body);
    }
    out
}

/// Answers `status` and closes (see [`close_gracefully`]).
async fn refuse(mut stream: TcpStream, status: &str, config: &Config) -> io::Result<()> {
    let out = response(status, b"", false, false);
    if !write_by_deadline(&mut stream, &out, config).await? {
        return Ok(());
    }
    close_gracefully(stream).await
}

/// Writes `out` within [`Config::write_timeout`]; `false` if the deadline
/// passed (the caller drops the connection).
async fn write_by_deadline(
    stream: &mut TcpStream,
    out: &[u8],
    config: &Config,
) -> io::Result<bool> {
    match runtime::time::timeout(config.write_timeout, stream.write_all(out)).await {
        Ok(result) => result.map(|()| true),
        Err(_deadline) => Ok(false),
    }
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

/// What reading a request head ended with.
enum HeadRead {
    /// The head is `buf[..end]`.
    Complete(usize),
    /// The client closed (or reset) before starting a request.
    Closed,
    /// The deadline passed; `started` if part of a request had arrived.
    TimedOut { started: bool },
    /// Too large, or a bare CR / LF: answer with this status and close.
    Refuse(&'static str),
}

/// Reads into `buf` until a complete head is in `buf[..*filled]`, the
/// deadline passes, or the input is refused.
async fn read_head(
    stream: &mut TcpStream,
    buf: &mut [u8],
    filled: &mut usize,
    deadline: Instant,
    max_head: usize,
) -> io::Result<HeadRead> {
    let mut scanned: usize = 0;
    loop {
        // Only the head is judged: what follows it (a body, a pipelined
        // request) may contain any bytes.
        let end = find_head_end(&buf[..*filled], scanned);
        if bad_line_ending(&buf[..end.unwrap_or(*filled)], scanned.saturating_sub(1)) {
            return Ok(HeadRead::Refuse("400 Bad Request"));
        }
        if let Some(end) = end {
            if end > max_head {
                // Complete, but one byte too long (the buffer holds one
                // byte more than the limit, to tell "at" from "over").
                return Ok(HeadRead::Refuse("431 Request Header Fields Too Large"));
            }
            return Ok(HeadRead::Complete(end));
        }
        scanned = *filled;
        if *filled > max_head {
            return Ok(HeadRead::Refuse("431 Request Header Fields Too Large"));
        }
        let read = runtime::time::timeout_at(deadline, stream.read(&mut buf[*filled..]));
        match read.await {
            Err(_deadline) => {
                return Ok(HeadRead::TimedOut {
                    started: *filled > 0,
                })
            }
            Ok(Ok(0)) => return Ok(HeadRead::Closed),
            Ok(Ok(n)) => *filled += n,
            Ok(Err(err)) => return Err(err),
        }
    }
}

/// Serves one connection until it closes, errs, times out or misbehaves.
async fn serve(mut stream: TcpStream, config: &Config) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let mut buf = vec![0u8; config.max_head + 1];
    let mut filled = 0;
    loop {
        // The whole head must arrive by this deadline, however it trickles.
        let deadline = runtime::time::now() + config.head_timeout;
        let end = match read_head(
            &mut stream,
            &mut buf,
            &mut filled,
            deadline,
            config.max_head,
        )
        .await?
        {
            HeadRead::Complete(end) => end,
            HeadRead::Closed => return Ok(()),
            HeadRead::TimedOut { started: true } => {
                return refuse(stream, "408 Request Timeout", config).await
            }
            HeadRead::TimedOut { started: false } => return stream.close().await,
            HeadRead::Refuse(status) => return refuse(stream, status, config).await,
        };
        let (method, path, keep_alive, body_len) = match parse_head(&buf[..end]) {
            Head::Bad(_) => return refuse(stream, "400 Bad Request", config).await,
            Head::Request { content_length, .. } if content_length > config.max_body => {
                return refuse(stream, "413 Content Too Large", config).await
            }
            Head::Request {
                method,
                path,
                keep_alive,
                content_length,
            } => (method, path, keep_alive, content_length),
        };
        let head_only = method == "HEAD";
        let out = match (method, path) {
            ("GET", "/") if keep_alive => Cow::Borrowed(HELLO_KEEP_ALIVE),
            ("GET" | "HEAD", "/") => Cow::Owned(response("200 OK", HELLO, keep_alive, head_only)),
            ("GET" | "HEAD", _) => {
                Cow::Owned(response("404 Not Found", b"", keep_alive, head_only))
            }
            // RFC 9110 15.5.6: a 405 lists the methods the target allows.
            _ => Cow::Owned(response_with(
                "405 Method Not Allowed",
                "Allow: GET, HEAD\r\n",
                b"",
                keep_alive,
                false,
            )),
        };
        // Consume the body (this server ignores it) before answering, by
        // its own deadline: a body that trickles in is cut off.
        let mut consumed = end;
        let in_buf = (filled - consumed).min(body_len);
        consumed += in_buf;
        let mut body_left = body_len - in_buf;
        buf.copy_within(consumed..filled, 0);
        filled -= consumed;
        if body_left > 0 {
            let body_deadline = runtime::time::now() + config.body_timeout;
            let drain = async {
                while body_left > 0 {
                    let chunk = body_left.min(buf.len());
                    match stream.read(&mut buf[..chunk]).await? {
                        0 => return io::Result::Ok(false),
                        n => body_left -= n,
                    }
                }
                Ok(true)
            };
            match runtime::time::timeout_at(body_deadline, drain).await {
                Ok(Ok(true)) => {}
                Ok(Ok(false)) => return Ok(()), // the client closed
                Ok(Err(err)) => return Err(err),
                Err(_deadline) => return refuse(stream, "408 Request Timeout", config).await,
            }
        }
        if !write_by_deadline(&mut stream, &out, config).await? {
            return Ok(()); // the client does not read: drop it
        }
        if !keep_alive {
            return stream.close().await;
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
        for bad in [
            &b"GARBAGE\r\n\r\n"[..],
            b"GET /  HTTP/1.1\r\nHost: x\r\n\r\n",
            b"get / HTTP/1.1\r\nHost: x\r\n\r\n",
            b"GET / HTTP/2\r\nHost: x\r\n\r\n",
            b"GET /\x01 HTTP/1.1\r\nHost: x\r\n\r\n",
        ] {
            assert!(matches!(parse_head(bad), Head::Bad(_)), "{bad:?}");
        }
    }

    #[test]
    fn refuses_ambiguous_framing() {
        let cases: &[(&[u8], &str)] = &[
            (
                b"Content-Length: 5\r\nContent-Length: 6",
                "conflicting Content-Length",
            ),
            (b"Content-Length : 5", "invalid header name"),
            (b"Transfer-Encoding : chunked", "invalid header name"),
            (b"Content-Length: +5", "invalid Content-Length"),
            (b"Content-Length: 0x5", "invalid Content-Length"),
            (b"Content-Length: 5 5", "invalid Content-Length"),
            (b"Content-Length: 5 ", "invalid Content-Length"),
            (b"Content-Length: \"5\"", "invalid Content-Length"),
            (b"Content-Length: 5, 5", "invalid Content-Length"),
            (b"Content-Length: ", "invalid Content-Length"),
            (
                b"Content-Length: 99999999999999999999",
                "invalid Content-Length",
            ),
            (
                b"Transfer-Encoding: chunked",
                "Transfer-Encoding is not supported",
            ),
            (
                b"transfer-encoding: identity",
                "Transfer-Encoding is not supported",
            ),
            (
                b"TRANSFER-ENCODING: gzip, chunked",
                "Transfer-Encoding is not supported",
            ),
            (b"Bad Name: x", "invalid header name"),
            (b": empty", "invalid header name"),
            (b"X(y): z", "invalid header name"),
            (b"X: a\x00b", "control byte in a header value"),
            (b"X: a\rb", "control byte in a header value"),
            (b"X: a\x7fb", "control byte in a header value"),
            (b" folded: x", "obsolete line folding"),
            (b"Host: second", "HTTP/1.1 needs exactly one Host"),
            (b"NoColon", "header without a colon"),
        ];
        for (header, reason) in cases {
            let mut req = b"POST / HTTP/1.1\r\nHost: x\r\n".to_vec();
            req.extend_from_slice(header);
            req.extend_from_slice(b"\r\n\r\n");
            assert_eq!(
                parse_head(&req),
                Head::Bad(reason),
                "{:?}",
                String::from_utf8_lossy(header)
            );
        }
        assert_eq!(
            parse_head(b"GET / HTTP/1.1\r\n\r\n"),
            Head::Bad("HTTP/1.1 needs exactly one Host")
        );
        // The same length twice is not ambiguous.
        assert!(matches!(
            parse_head(
                b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\ncontent-length: 5\r\n\r\n"
            ),
            Head::Request {
                content_length: 5,
                ..
            }
        ));
    }

    #[test]
    fn connection_options_are_a_list() {
        let ka = |req: &[u8]| match parse_head(req) {
            Head::Request { keep_alive, .. } => keep_alive,
            Head::Bad(why) => panic!("{why}"),
        };
        assert!(!ka(
            b"GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, close\r\n\r\n"
        ));
        assert!(!ka(
            b"GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade,CLOSE\r\n\r\n"
        ));
        assert!(ka(b"GET / HTTP/1.0\r\nConnection: foo, keep-alive\r\n\r\n"));
        assert!(!ka(b"GET / HTTP/1.0\r\n\r\n"));
    }

    #[test]
    fn finds_bare_line_endings() {
        assert!(bad_line_ending(b"GET / HTTP/1.1\n", 0));
        assert!(bad_line_ending(b"GET / HTTP/1.1\rX", 0));
        assert!(!bad_line_ending(b"GET / HTTP/1.1\r\n", 0));
        // A CR at the end may still get its LF.
        assert!(!bad_line_ending(b"GET / HTTP/1.1\r", 0));
        assert!(bad_line_ending(b"\n", 0));
    }

    #[test]
    fn finds_the_end_of_a_head_split_across_reads() {
        let buf = b"GET / HTTP/1.1\r\n\r\nNEXT";
        assert_eq!(find_head_end(buf, 0), Some(18));
        assert_eq!(find_head_end(buf, 16), Some(18));
        assert_eq!(find_head_end(&buf[..17], 0), None);
    }
}

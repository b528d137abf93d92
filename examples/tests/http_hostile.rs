//! The HTTP example against hostile clients, with raw sockets on
//! 127.0.0.1: trickling heads and bodies hit their deadlines, ambiguous
//! framing and invalid syntax get 400 and a close. Deadlines are short
//! here (configurable) so that the tests are fast; every blocking read is
//! bounded.

#[path = "../http_server.rs"]
#[allow(dead_code)]
mod http_server;

use http_server::{Config, Server};
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Bound on any one blocking read by the clients.
const READ_LIMIT: Duration = Duration::from_secs(10);

fn start(config: Config) -> (runtime::Runtime, SocketAddr) {
    let rt = runtime::Builder::new().worker_threads(2).build().unwrap();
    let server = Server::bind(rt.handle(), ([127, 0, 0, 1], 0).into(), config).unwrap();
    let addr = server.local_addr().unwrap();
    drop(server.start());
    (rt, addr)
}

fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(READ_LIMIT)).unwrap();
    s
}

/// Everything the server sends until it closes (a reset after the server
/// discarded unread input also ends it).
fn read_until_closed(s: &mut TcpStream) -> String {
    let mut out = Vec::new();
    let mut buf = [0; 1024];
    loop {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => break,
            Err(e) => panic!(
                "no close in time: {e} (got {:?})",
                String::from_utf8_lossy(&out)
            ),
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Sends `request` and asserts that exactly one `status` answer comes
/// back, followed by the close.
fn assert_refused(addr: SocketAddr, request: &[u8], status: &str) {
    let mut s = connect(addr);
    s.write_all(request).unwrap();
    let got = read_until_closed(&mut s);
    assert!(
        got.starts_with(&format!("HTTP/1.1 {status}")),
        "{:?} -> {got:?}",
        String::from_utf8_lossy(request)
    );
    assert_eq!(
        got.matches("HTTP/1.1 ").count(),
        1,
        "more than one answer: {got:?}"
    );
    assert!(got.contains("Connection: close"), "{got:?}");
}

/// Writes `bytes` one at a time, `gap` apart, on a thread, until done,
/// the connection fails, or `stop` is set.
fn trickle(mut s: TcpStream, bytes: Vec<u8>, gap: Duration, stop: Arc<AtomicBool>) {
    std::thread::spawn(move || {
        for b in bytes {
            if stop.load(Ordering::SeqCst) || s.write_all(&[b]).is_err() {
                return;
            }
            std::thread::sleep(gap);
        }
    });
}

#[test]
fn a_trickling_head_is_cut_off_at_the_deadline() {
    let deadline = Duration::from_millis(300);
    let (_rt, addr) = start(Config {
        head_timeout: deadline,
        ..Config::default()
    });
    let mut s = connect(addr);
    let stop = Arc::new(AtomicBool::new(false));
    // One byte every 20 ms: a timeout per read would never fire; the
    // whole head would take about 3 s.
    let mut head = b"GET / HTTP/1.1\r\nHost: t\r\nX-Slow: ".to_vec();
    head.extend(std::iter::repeat_n(b'a', 100));
    head.extend_from_slice(b"\r\n\r\n");
    let started = Instant::now();
    trickle(
        s.try_clone().unwrap(),
        head,
        Duration::from_millis(20),
        stop.clone(),
    );
    let got = read_until_closed(&mut s);
    let took = started.elapsed();
    stop.store(true, Ordering::SeqCst);
    assert!(got.starts_with("HTTP/1.1 408 Request Timeout"), "{got:?}");
    assert!(
        took >= deadline,
        "cut off after {took:?}, before the deadline"
    );
    assert!(
        took < Duration::from_millis(2000),
        "cut off only after {took:?}"
    );
}

#[test]
fn the_head_deadline_restarts_after_each_response() {
    let deadline = Duration::from_millis(1000);
    let (_rt, addr) = start(Config {
        head_timeout: deadline,
        ..Config::default()
    });
    let mut s = connect(addr);
    // Three requests, each sent well within its own deadline but together
    // taking longer than one: all are served.
    for _ in 0..3 {
        std::thread::sleep(Duration::from_millis(400));
        s.write_all(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n").unwrap();
        let mut buf = [0; 512];
        let n = s.read(&mut buf).unwrap();
        assert!(buf[..n].starts_with(b"HTTP/1.1 200 OK"));
    }
}

#[test]
fn a_trickling_body_is_cut_off_at_the_deadline() {
    let deadline = Duration::from_millis(300);
    let (_rt, addr) = start(Config {
        body_timeout: deadline,
        ..Config::default()
    });
    let mut s = connect(addr);
    s.write_all(b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n")
        .unwrap();
    let started = Instant::now();
    let stop = Arc::new(AtomicBool::new(false));
    trickle(
        s.try_clone().unwrap(),
        vec![b'b'; 100],
        Duration::from_millis(20),
        stop.clone(),
    );
    let got = read_until_closed(&mut s);
    let took = started.elapsed();
    stop.store(true, Ordering::SeqCst);
    assert!(got.starts_with("HTTP/1.1 408 Request Timeout"), "{got:?}");
    assert!(
        took >= deadline,
        "cut off after {took:?}, before the deadline"
    );
    assert!(
        took < Duration::from_millis(1900),
        "cut off only after {took:?}"
    );
}

#[test]
fn a_body_in_time_is_consumed_and_the_connection_goes_on() {
    let (_rt, addr) = start(Config::default());
    let mut s = connect(addr);
    // A POST with a body, then a GET in the same write: the body is not
    // mistaken for a request.
    s.write_all(
        b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 22\r\n\r\nGET /smuggled HTTP/1.1GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
    )
    .unwrap();
    let got = read_until_closed(&mut s);
    assert!(got.starts_with("HTTP/1.1 405"), "{got:?}");
    assert_eq!(got.matches("HTTP/1.1 ").count(), 2, "{got:?}");
    assert!(got.contains("HTTP/1.1 200 OK"), "{got:?}");
    assert!(
        !got.contains("404"),
        "the body was parsed as a request: {got:?}"
    );

    // A body with bare LFs and CRs, in the same packet as its head: only
    // the head's line endings are judged.
    let mut s = connect(addr);
    s.write_all(
        b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 6\r\n\r\na\nb\rc\nGET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
    )
    .unwrap();
    let got = read_until_closed(&mut s);
    assert!(got.starts_with("HTTP/1.1 405"), "{got:?}");
    assert!(got.contains("HTTP/1.1 200 OK"), "{got:?}");
}

#[test]
fn ambiguous_framing_gets_400_and_close() {
    let (_rt, addr) = start(Config::default());
    for header in [
        &b"Content-Length: 5\r\nContent-Length: 6"[..],
        b"Content-Length : 5",
        b"Content-Length: +5",
        b"Content-Length: 5 ",
        b"Content-Length: 0x5",
        b"Content-Length: 5, 6",
        b"Transfer-Encoding: chunked",
        b"Transfer-Encoding : chunked",
        b"transfer-encoding: identity",
        b"Transfer-Encoding:\tchunked",
    ] {
        // The classic smuggling shape: a body that is a chunked
        // terminator plus a second request, framed differently by
        // Content-Length and Transfer-Encoding.
        let mut req = b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n".to_vec();
        if header.starts_with(b"Content-Length") {
            req = b"POST / HTTP/1.1\r\nHost: t\r\n".to_vec();
        }
        req.extend_from_slice(header);
        req.extend_from_slice(b"\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: t\r\n\r\n");
        assert_refused(addr, &req, "400 Bad Request");
    }
}

#[test]
fn invalid_names_and_control_bytes_get_400_and_close() {
    let (_rt, addr) = start(Config::default());
    for header in [
        &b"Bad Name: x"[..],
        b": empty name",
        b"X\x01: y",
        b"X@Y: z",
        b"X: nul\x00byte",
        b"X: bare\rcr",
        b"X: del\x7f",
        b" folded: line",
    ] {
        let mut req = b"GET / HTTP/1.1\r\nHost: t\r\n".to_vec();
        req.extend_from_slice(header);
        req.extend_from_slice(b"\r\n\r\n");
        assert_refused(addr, &req, "400 Bad Request");
    }
}

#[test]
fn host_is_required_in_http_1_1() {
    let (_rt, addr) = start(Config::default());
    assert_refused(addr, b"GET / HTTP/1.1\r\n\r\n", "400 Bad Request");
    assert_refused(
        addr,
        b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
        "400 Bad Request",
    );
    // HTTP/1.0 has no Host requirement.
    let mut s = connect(addr);
    s.write_all(b"GET / HTTP/1.0\r\n\r\n").unwrap();
    let got = read_until_closed(&mut s);
    assert!(got.starts_with("HTTP/1.1 200 OK"), "{got:?}");
}

#[test]
fn connection_close_anywhere_in_the_list_closes() {
    let (_rt, addr) = start(Config::default());
    let mut s = connect(addr);
    s.write_all(b"GET / HTTP/1.1\r\nHost: t\r\nConnection: keep-alive, close\r\n\r\n")
        .unwrap();
    let got = read_until_closed(&mut s);
    assert!(got.starts_with("HTTP/1.1 200 OK"), "{got:?}");
    assert!(got.contains("Connection: close"), "{got:?}");
    assert!(got.ends_with("Hello, world!"), "{got:?}");
}

#[test]
fn bare_lf_is_refused_at_once() {
    // With the default 30 s head deadline: a hang would exceed READ_LIMIT.
    let (_rt, addr) = start(Config::default());
    let started = Instant::now();
    assert_refused(addr, b"GET / HTTP/1.1\nHost: t\n\n", "400 Bad Request");
    assert_refused(addr, b"GET / HTTP/1.1\r\nHost: t\n\r\n", "400 Bad Request");
    // Refused as soon as the bare LF arrives, even with no end of head.
    assert_refused(addr, b"GET / HTTP/1.1\nHost: t\n", "400 Bad Request");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn an_oversized_body_gets_413() {
    let (_rt, addr) = start(Config {
        max_body: 1000,
        ..Config::default()
    });
    assert_refused(
        addr,
        b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 1001\r\n\r\n",
        "413 Content Too Large",
    );
}

#[test]
fn a_client_that_never_reads_is_dropped_at_the_write_deadline() {
    let (_rt, addr) = start(Config {
        write_timeout: Duration::from_millis(300),
        ..Config::default()
    });
    let s = connect(addr);
    let mut writer = s.try_clone().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    // Pipelined requests, never reading an answer: once the answers fill
    // the socket buffers, the server's write cannot finish.
    std::thread::spawn(move || {
        let batch = b"GET / HTTP/1.1\r\nHost: t\r\n\r\n".repeat(1000);
        let started = Instant::now();
        let mut sent = 0usize;
        let result = loop {
            if sent > 256 << 20 {
                break Ok(sent);
            }
            match writer.write_all(&batch) {
                Ok(()) => sent += batch.len(),
                Err(e) => break Err(e),
            }
        };
        let _ = tx.send((result, started.elapsed()));
    });
    let (result, _took) = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("the client is still writing: the server never dropped it");
    let err = result.expect_err("the server took 256 MiB of requests without dropping the client");
    assert!(
        matches!(
            err.kind(),
            ErrorKind::ConnectionReset | ErrorKind::BrokenPipe
        ),
        "{err}"
    );
    drop(s);
}

/// A head exactly one byte over the limit is refused too (it fit the
/// read buffer, which holds one byte more than the limit), and a 405 says
/// which methods are allowed.
#[test]
fn a_head_one_byte_over_the_limit_gets_431_and_405_lists_the_methods() {
    let config = Config {
        max_head: 64,
        ..Config::default()
    };
    let (_rt, addr) = start(config);
    let head = |len: usize| {
        let start = "GET / HTTP/1.1\r\nHost: t\r\nX: ";
        let end = "\r\n\r\n";
        let pad = "a".repeat(len - start.len() - end.len());
        format!("{start}{pad}{end}")
    };
    assert_refused(addr, head(65).as_bytes(), "431");
    // At the limit: served.
    let mut s = connect(addr);
    s.write_all(head(64).as_bytes()).unwrap();
    let mut buf = [0u8; 256];
    let n = s.read(&mut buf).unwrap();
    assert!(
        buf[..n].starts_with(b"HTTP/1.1 200 OK"),
        "{:?}",
        String::from_utf8_lossy(&buf[..n])
    );

    let mut s = connect(addr);
    s.write_all(b"DELETE / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        .unwrap();
    let got = read_until_closed(&mut s);
    assert!(got.starts_with("HTTP/1.1 405"), "{got:?}");
    assert!(got.contains("\r\nAllow: GET, HEAD\r\n"), "{got:?}");
}

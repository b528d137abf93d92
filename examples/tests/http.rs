//! The HTTP example's rules, one test each, against the real server on
//! 127.0.0.1 with plain blocking clients (each read bounded by a timeout,
//! so a broken rule fails instead of hanging).

#[path = "../http_server.rs"]
#[allow(dead_code)]
mod http_server;

use http_server::{Config, Server};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
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

/// Reads one response (head and `Content-Length` body).
fn read_response(s: &mut TcpStream) -> String {
    let mut buf = Vec::new();
    let mut byte = [0; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        assert_eq!(
            s.read(&mut byte).expect("no response in time"),
            1,
            "closed early"
        );
        buf.push(byte[0]);
    }
    let head = String::from_utf8(buf).unwrap();
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Length: "))
        .expect("no Content-Length")
        .parse()
        .unwrap();
    let mut body = vec![0; len];
    s.read_exact(&mut body).unwrap();
    head + std::str::from_utf8(&body).unwrap()
}

/// Asserts the server closed the connection (EOF, or a reset after it
/// discarded unread input).
fn assert_closed(s: &mut TcpStream) {
    let mut rest = Vec::new();
    match s.read_to_end(&mut rest) {
        Ok(_) => assert!(rest.is_empty(), "unexpected bytes: {rest:?}"),
        Err(err) => assert_eq!(err.kind(), std::io::ErrorKind::ConnectionReset, "{err}"),
    }
}

#[test]
fn get_root_says_hello_with_keep_alive() {
    let (_rt, addr) = start(Config::default());
    let mut s = connect(addr);
    for _ in 0..3 {
        s.write_all(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n")
            .unwrap();
        let response = read_response(&mut s);
        assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
        assert!(response.ends_with("\r\n\r\nHello, world!"), "{response}");
    }
    s.write_all(b"GET /nope HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    assert!(read_response(&mut s).starts_with("HTTP/1.1 404"));
    // Two pipelined requests in one write get two answers.
    s.write_all(
        b"GET / HTTP/1.1\r\nHost: t\r\n\r\nGET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
    )
    .unwrap();
    assert!(read_response(&mut s).starts_with("HTTP/1.1 200 OK"));
    assert!(read_response(&mut s).contains("Connection: close"));
    assert_closed(&mut s);
}

#[test]
fn malformed_request_line_gets_400_and_close() {
    let (_rt, addr) = start(Config::default());
    for bad in [
        &b"HELLO\r\n\r\n"[..],
        b"GET / HTTP/9.9\r\n\r\n",
        b"GET  / HTTP/1.1\r\n\r\n",
        b"GET noslash HTTP/1.1\r\n\r\n",
        b"\xff\xfe / HTTP/1.1\r\n\r\n",
    ] {
        let mut s = connect(addr);
        s.write_all(bad).unwrap();
        let response = read_response(&mut s);
        assert!(
            response.starts_with("HTTP/1.1 400 Bad Request\r\n"),
            "{:?} -> {response}",
            String::from_utf8_lossy(bad)
        );
        assert_closed(&mut s);
    }
}

#[test]
fn head_over_8_kib_gets_431_and_close() {
    let (_rt, addr) = start(Config::default());
    let mut s = connect(addr);
    s.write_all(b"GET / HTTP/1.1\r\n").unwrap();
    // Header lines without the blank line that would end the head.
    let filler = format!("X-Filler: {}\r\n", "a".repeat(100));
    for _ in 0..90 {
        s.write_all(filler.as_bytes()).unwrap();
    }
    let response = read_response(&mut s);
    assert!(
        response.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"),
        "{response}"
    );
    assert_closed(&mut s);

    // Just under the limit is fine.
    let mut s = connect(addr);
    let mut req = b"GET / HTTP/1.1\r\nHost: t\r\n".to_vec();
    while req.len() + filler.len() + 2 <= 8 * 1024 {
        req.extend_from_slice(filler.as_bytes());
    }
    req.extend_from_slice(b"\r\n");
    s.write_all(&req).unwrap();
    assert!(read_response(&mut s).starts_with("HTTP/1.1 200 OK"));
}

#[test]
fn idle_connection_is_closed_at_the_head_deadline() {
    let deadline = Duration::from_millis(200);
    let (_rt, addr) = start(Config {
        head_timeout: deadline,
        ..Config::default()
    });
    // Idle from the start: closed without an answer.
    let mut s = connect(addr);
    let start = Instant::now();
    assert_closed(&mut s);
    let took = start.elapsed();
    assert!(
        took >= deadline,
        "closed after {took:?}, before the deadline"
    );
    assert!(took < READ_LIMIT, "not closed in time");

    // Idle after a request: the answer comes, then the close.
    let mut s = connect(addr);
    s.write_all(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n").unwrap();
    assert!(read_response(&mut s).starts_with("HTTP/1.1 200 OK"));
    assert_closed(&mut s);
}

#[test]
fn defaults() {
    let config = Config::default();
    assert_eq!(config.head_timeout, Duration::from_secs(30));
    assert_eq!(config.body_timeout, Duration::from_secs(30));
    assert_eq!(config.max_head, 8 * 1024);
    assert_eq!(config.max_body, 1024 * 1024);
    assert_eq!(config.write_timeout, Duration::from_secs(30));
}

#[test]
fn bad_clients_do_not_disturb_others() {
    let (_rt, addr) = start(Config::default());
    // A client that sends half a request and stalls, one that sends
    // garbage, and one that sends an oversized head...
    let mut stalled = connect(addr);
    stalled.write_all(b"GET / HT").unwrap();
    let mut garbage = connect(addr);
    garbage.write_all(b"\x00\x01\x02\r\n\r\n").unwrap();
    let mut huge = connect(addr);
    huge.write_all(&vec![b'a'; 10 * 1024]).unwrap();
    // ...while a good client is served normally.
    let mut good = connect(addr);
    for _ in 0..10 {
        good.write_all(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            .unwrap();
        assert!(read_response(&mut good).ends_with("Hello, world!"));
    }
    assert!(read_response(&mut garbage).starts_with("HTTP/1.1 400"));
    assert!(read_response(&mut huge).starts_with("HTTP/1.1 431"));
    // The stalled client finishes its request and is answered.
    stalled.write_all(b"TP/1.1\r\nHost: t\r\n\r\n").unwrap();
    assert!(read_response(&mut stalled).ends_with("Hello, world!"));
}

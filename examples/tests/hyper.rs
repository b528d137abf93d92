//! The hyper example, started as a user would: it answers real requests
//! (a plain socket with keep-alive, and hyper's own client through
//! `runtime::hyper::Io`), and, started with only 64 file descriptors and
//! sent 100 connections, it keeps running and serves the waiting ones once
//! others close, instead of exiting on EMFILE.

mod support;

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use std::io::Write;
use support::{request, Example, WAIT};

const GET: &str = "GET / HTTP/1.1\r\nHost: test\r\n\r\n";

#[test]
fn hyper_answers_a_plain_socket_with_keep_alive() {
    let example = Example::start("hyper", &["127.0.0.1:0"]);
    let mut s = example.connect();
    for _ in 0..3 {
        let (head, body) = request(&mut s, GET);
        assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
        assert_eq!(body, "Hello, world!");
    }
}

#[test]
fn hyper_answers_hyper_s_client_on_the_runtime() {
    let example = Example::start("hyper", &["127.0.0.1:0"]);
    let addr = example.addr;
    let rt = runtime::Runtime::new().unwrap();
    let body = rt.block_on(async move {
        let client = async {
            let stream = runtime::net::TcpStream::connect(addr).await?;
            let io = runtime::hyper::Io::new(stream);
            let (mut sender, conn) = hyper::client::conn::http1::handshake(io)
                .await
                .map_err(std::io::Error::other)?;
            runtime::spawn(conn);
            let req = hyper::Request::get("/")
                .header("host", "test")
                .body(Empty::<Bytes>::new())
                .unwrap();
            let res = sender
                .send_request(req)
                .await
                .map_err(std::io::Error::other)?;
            assert_eq!(res.status(), 200);
            let body = res
                .into_body()
                .collect()
                .await
                .map_err(std::io::Error::other)?;
            std::io::Result::Ok(body.to_bytes())
        };
        runtime::time::timeout(WAIT, client)
            .await
            .expect("no answer in time")
    });
    assert_eq!(&body.unwrap()[..], b"Hello, world!");
}

#[cfg(unix)]
#[test]
fn hyper_keeps_serving_when_out_of_file_descriptors() {
    use std::os::unix::process::CommandExt;

    const LIMIT: libc::rlim_t = 64;
    const CONNECTIONS: usize = 100;
    let mut example = Example::start_with("hyper", &["127.0.0.1:0"], |command| {
        // SAFETY: the closure runs in the child between fork and exec; it
        // only calls `setrlimit`, which is async-signal-safe, and allocates
        // nothing.
        unsafe {
            command.pre_exec(|| {
                let limit = libc::rlimit {
                    rlim_cur: LIMIT,
                    rlim_max: LIMIT,
                };
                if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            })
        };
    });
    // With 64 descriptors the server cannot hold 100 connections: its
    // accepts fail with EMFILE while the connections below stay open.
    let mut connections: Vec<_> = (0..CONNECTIONS).map(|_| example.connect()).collect();
    for s in &mut connections {
        s.write_all(GET.as_bytes()).unwrap();
    }
    let (head, _) = request(&mut connections[0], GET);
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert_eq!(example.try_wait(), None, "the example exited");

    // The last connection waits in the backlog; once the others close, the
    // server gets descriptors back and answers it.
    let mut last = connections.pop().unwrap();
    drop(connections);
    let mut byte = [0; 1];
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let n = std::io::Read::read(&mut last, &mut byte).expect("no answer in time");
        assert_eq!(n, 1, "closed early");
        head.push(byte[0]);
    }
    assert!(head.starts_with(b"HTTP/1.1 200 OK\r\n"));
    assert_eq!(example.try_wait(), None, "the example exited");
    let (_, body) = request(&mut example.connect(), GET);
    assert_eq!(body, "Hello, world!");
}

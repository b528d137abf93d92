//! The graceful example, started as a user would and sent SIGTERM in the
//! middle of a slow request: the response still arrives, new connections
//! are refused, and the process exits 0 within its deadline. Idle, it
//! exits at once, on SIGTERM or on Ctrl-C (SIGINT).
#![cfg(unix)]

mod support;

use std::io::ErrorKind;
use std::net::TcpStream;
use std::time::{Duration, Instant};
use support::{request, Example, WAIT};

/// The example's shutdown deadline, plus slack for a loaded machine.
const EXIT_LIMIT: Duration = Duration::from_secs(15);

fn send(example: &Example, signum: libc::c_int) {
    let pid = libc::pid_t::try_from(example.id()).unwrap();
    // SAFETY: `kill` has no memory-safety preconditions; the example has
    // installed its SIGTERM and SIGINT handlers before printing its
    // address.
    assert_eq!(unsafe { libc::kill(pid, signum) }, 0);
}

fn terminate(example: &Example) {
    send(example, libc::SIGTERM);
}

#[test]
fn sigterm_lets_the_request_in_flight_finish_then_exits_0() {
    let mut example = Example::start("graceful", &["127.0.0.1:0"]);
    let mut fast = example.connect();
    let (head, body) = request(&mut fast, "GET / HTTP/1.1\r\nHost: test\r\n\r\n");
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert_eq!(body, "hello\n");

    let mut slow = example.connect();
    let addr = example.addr;
    let in_flight =
        std::thread::spawn(move || request(&mut slow, "GET /slow HTTP/1.1\r\nHost: test\r\n\r\n"));
    example.line_containing("slow request started");
    let signalled = Instant::now();
    terminate(&example);
    example.line_containing("SIGTERM");

    // New connections are refused (the listener is closed) while the slow
    // request is still running.
    let deadline = Instant::now() + WAIT;
    loop {
        match TcpStream::connect(addr) {
            Err(err) if err.kind() == ErrorKind::ConnectionRefused => break,
            // An attempt caught by the listener closing is reset: try again.
            Err(err) if err.kind() == ErrorKind::ConnectionReset => {}
            Err(err) => panic!("unexpected connect error: {err}"),
            Ok(_) => {}
        }
        assert!(Instant::now() < deadline, "still accepting after SIGTERM");
        std::thread::yield_now();
    }
    assert!(
        !in_flight.is_finished(),
        "the slow request (2 s) ended before the listener closed"
    );

    let (head, body) = in_flight.join().unwrap();
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert_eq!(body, "done, slowly\n");
    let status = example.wait_exit(EXIT_LIMIT);
    assert!(status.success(), "{status}");
    assert!(signalled.elapsed() < EXIT_LIMIT);
}

#[test]
fn sigterm_when_idle_exits_0_at_once() {
    let mut example = Example::start("graceful", &["127.0.0.1:0"]);
    let _idle_keep_alive = {
        let mut s = example.connect();
        request(&mut s, "GET / HTTP/1.1\r\nHost: test\r\n\r\n");
        s
    };
    let signalled = Instant::now();
    terminate(&example);
    let status = example.wait_exit(EXIT_LIMIT);
    assert!(status.success(), "{status}");
    // Nothing in flight: no waiting for the deadline (10 s).
    assert!(
        signalled.elapsed() < Duration::from_secs(5),
        "{:?}",
        signalled.elapsed()
    );
}

#[test]
fn ctrl_c_exits_0_too() {
    let mut example = Example::start("graceful", &["127.0.0.1:0"]);
    send(&example, libc::SIGINT);
    example.line_containing("Ctrl-C");
    let status = example.wait_exit(EXIT_LIMIT);
    assert!(status.success(), "{status}");
}

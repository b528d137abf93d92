//! `runtime::hyper`: `serve` answers real clients (a plain socket with
//! keep-alive, hyper's client through `Io`), shuts down gracefully when its
//! task is cancelled or the runtime shuts down, and closes connections
//! whose request head does not come in time; `Executor` and `Timer` drive
//! hyper. Everything on 127.0.0.1, every wait bounded.
#![cfg(feature = "hyper")]

mod support;

use http_body_util::{BodyExt, Empty, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use runtime::hyper::{serve, Executor, Io, Timer};
use runtime::net::TcpListener;
use std::convert::Infallible;
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};
use support::{wait_until, watchdog, WAIT};

/// What the test service's slow endpoints wait on.
#[derive(Clone)]
struct Gates {
    /// `/slow` reports here that it started...
    started: async_channel::Sender<()>,
    /// ...and answers once this is closed.
    release: async_channel::Receiver<()>,
}

/// `/` says hello. The others report that they started, then: `/slow`
/// waits for the test; `/sleep` takes 200 ms of the runtime's time;
/// `/forever` never answers.
async fn app(req: Request<Incoming>, gates: Gates) -> Result<Response<Full<Bytes>>, Infallible> {
    if req.uri().path() != "/" {
        gates.started.send(()).await.unwrap();
    }
    let body = match req.uri().path() {
        "/slow" => {
            let _ = gates.release.recv().await;
            "slow done"
        }
        "/sleep" => {
            runtime::time::sleep(Duration::from_millis(200)).await;
            "slept"
        }
        "/forever" => std::future::pending().await,
        _ => "Hello, world!",
    };
    Ok(Response::new(Full::new(Bytes::from(body))))
}

struct Server {
    rt: runtime::Runtime,
    addr: SocketAddr,
    task: runtime::task::JoinHandle<std::io::Result<()>>,
    started: async_channel::Receiver<()>,
    /// Dropping it releases every `/slow` request.
    release: Option<async_channel::Sender<()>>,
}

fn start() -> Server {
    let rt = support::runtime(2);
    let (started_tx, started) = async_channel::unbounded();
    let (release, release_rx) = async_channel::bounded(1);
    let gates = Gates {
        started: started_tx,
        release: release_rx,
    };
    let (addr, task) = rt.block_on(async move {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let service = hyper::service::service_fn(move |req| app(req, gates.clone()));
        (addr, runtime::spawn(serve(listener, service)))
    });
    Server {
        rt,
        addr,
        task,
        started,
        release: Some(release),
    }
}

fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(WAIT)).unwrap();
    s
}

/// Reads one response with a `content-length` body; returns head and body.
fn read_response(s: &mut TcpStream) -> (String, String) {
    let mut buf = Vec::new();
    let mut byte = [0; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        let n = s.read(&mut byte).expect("no response in time");
        assert_eq!(n, 1, "closed early: {:?}", String::from_utf8_lossy(&buf));
        buf.push(byte[0]);
    }
    let head = String::from_utf8(buf).unwrap();
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length: "))
        .expect("no content-length")
        .parse()
        .unwrap();
    let mut body = vec![0; len];
    s.read_exact(&mut body).unwrap();
    (head, String::from_utf8(body).unwrap())
}

/// Asserts the peer closed the connection (EOF, or a reset).
fn assert_closed(s: &mut TcpStream) {
    let mut rest = Vec::new();
    match s.read_to_end(&mut rest) {
        Ok(_) => assert!(rest.is_empty(), "unexpected bytes: {rest:?}"),
        Err(err) => assert_eq!(err.kind(), ErrorKind::ConnectionReset, "{err}"),
    }
}

#[test]
fn serve_answers_with_keep_alive() {
    watchdog("keep_alive", || {
        let server = start();
        let mut s = connect(server.addr);
        for _ in 0..3 {
            s.write_all(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n")
                .unwrap();
            let (head, body) = read_response(&mut s);
            assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
            assert_eq!(body, "Hello, world!");
        }
        assert!(!server.task.is_finished());
    });
}

#[test]
fn hyper_client_through_io_and_executor() {
    watchdog("client", || {
        let server = start();
        let addr = server.addr;
        let body = server.rt.block_on(async move {
            let stream = runtime::net::TcpStream::connect(addr).await.unwrap();
            let (mut sender, conn) = hyper::client::conn::http1::Builder::new()
                .handshake(Io::new(stream))
                .await
                .unwrap();
            hyper::rt::Executor::execute(&Executor::new(), async move {
                let _ = conn.await;
            });
            let req = Request::get("/")
                .header("host", "test")
                .body(Empty::<Bytes>::new())
                .unwrap();
            let res = runtime::time::timeout(WAIT, sender.send_request(req))
                .await
                .expect("no answer in time")
                .unwrap();
            assert_eq!(res.status(), 200);
            res.into_body().collect().await.unwrap().to_bytes()
        });
        assert_eq!(&body[..], b"Hello, world!");
    });
}

#[test]
fn cancelling_serve_refuses_new_connections_and_finishes_requests_in_flight() {
    watchdog("graceful_cancel", || {
        let mut server = start();
        // An idle keep-alive connection and a request in flight.
        let mut idle = connect(server.addr);
        idle.write_all(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n")
            .unwrap();
        read_response(&mut idle);
        let mut busy = connect(server.addr);
        busy.write_all(b"GET /slow HTTP/1.1\r\nHost: test\r\n\r\n")
            .unwrap();
        server.started.recv_blocking().unwrap();

        server.task.cancel();
        // The listener closes: new connections are refused.
        wait_until("new connections are refused", || {
            match TcpStream::connect(server.addr) {
                Err(err) if err.kind() == ErrorKind::ConnectionRefused => true,
                // An attempt caught by the listener closing is reset.
                Err(err) if err.kind() == ErrorKind::ConnectionReset => false,
                Err(err) => panic!("unexpected connect error: {err}"),
                Ok(_) => false,
            }
        });
        // The idle connection is closed; serve waits for the busy one.
        assert_closed(&mut idle);
        assert!(!server.task.is_finished());

        drop(server.release.take());
        let (head, body) = read_response(&mut busy);
        assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
        assert_eq!(body, "slow done");
        assert_closed(&mut busy);
        let result = server.rt.block_on(server.task);
        assert!(result.unwrap_err().is_cancelled());
    });
}

#[test]
fn shutdown_timeout_lets_requests_in_flight_finish() {
    watchdog("shutdown_in_flight", || {
        let server = start();
        let addr = server.addr;
        let client = std::thread::spawn(move || {
            let mut s = connect(addr);
            s.write_all(b"GET /sleep HTTP/1.1\r\nHost: test\r\n\r\n")
                .unwrap();
            read_response(&mut s)
        });
        server.started.recv_blocking().unwrap();
        let started = Instant::now();
        server.rt.shutdown_timeout(Duration::from_secs(10));
        assert!(started.elapsed() < Duration::from_secs(10));
        let (head, body) = client.join().unwrap();
        assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
        assert_eq!(body, "slept");
    });
}

#[test]
fn shutdown_timeout_drops_a_connection_still_busy() {
    watchdog("shutdown_busy", || {
        let server = start();
        let mut s = connect(server.addr);
        s.write_all(b"GET /forever HTTP/1.1\r\nHost: test\r\n\r\n")
            .unwrap();
        server.started.recv_blocking().unwrap();
        let started = Instant::now();
        server.rt.shutdown_timeout(Duration::from_millis(200));
        let took = started.elapsed();
        assert!(took >= Duration::from_millis(200), "{took:?}");
        assert!(took < WAIT, "{took:?}");
        assert_closed(&mut s);
    });
}

#[test]
fn a_request_head_that_does_not_come_in_time_closes_the_connection() {
    watchdog("header_timeout", || {
        // Paused clock: the 30 s header-read timeout passes as soon as
        // the runtime is idle.
        let rt = runtime::Builder::new()
            .worker_threads(1)
            .start_paused(true)
            .build()
            .unwrap();
        let (addr, _task) = rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let hello = hyper::service::service_fn(|_req| async {
                Ok::<_, Infallible>(Response::new(Full::new(Bytes::from("hi"))))
            });
            (addr, runtime::spawn(serve(listener, hello)))
        });
        let mut s = connect(addr);
        s.write_all(b"GET / HTTP/1.1\r\nHost: te").unwrap();
        let mut got = Vec::new();
        match s.read_to_end(&mut got) {
            Ok(_) => {}
            Err(err) if err.kind() == ErrorKind::ConnectionReset => {}
            Err(err) => panic!("the connection was not closed: {err}"),
        }
        let got = String::from_utf8_lossy(&got);
        assert!(
            got.is_empty() || got.starts_with("HTTP/1.1 408"),
            "not a timeout: {got:?}"
        );
    });
}

#[test]
fn timer_follows_the_paused_clock() {
    watchdog("timer", || {
        let rt = runtime::Builder::new()
            .worker_threads(1)
            .start_paused(true)
            .build()
            .unwrap();
        let timer = rt.block_on(async { Timer::new() });
        // Made inside, used from a plain thread: it enters its runtime.
        use hyper::rt::Timer as _;
        let start = timer.now();
        let mut sleep = timer.sleep(Duration::from_secs(3600));
        timer.reset(&mut sleep, start + Duration::from_secs(60));
        rt.block_on(sleep);
        assert_eq!(timer.now() - start, Duration::from_secs(60));
    });
}

#[test]
fn serve_future_is_send_and_static() {
    fn assert_send_static<T: Send + 'static>(_: &T) {}
    let rt = support::runtime(1);
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let hello = hyper::service::service_fn(|_req| async {
            Ok::<_, Infallible>(Response::new(Full::new(Bytes::from("hi"))))
        });
        let fut = serve(listener, hello);
        assert_send_static(&fut);
    });
}

#[test]
fn upgraded_connections_are_read_with_futures_io_through_io() {
    use futures::io::{AsyncReadExt, AsyncWriteExt};
    use http_body_util::Empty;

    /// Answers `101 Switching Protocols`, then echoes 4 bytes over the
    /// upgraded connection with `futures-io` code.
    async fn upgrade(mut req: Request<Incoming>) -> Result<Response<Empty<Bytes>>, Infallible> {
        let on_upgrade = hyper::upgrade::on(&mut req);
        runtime::spawn(async move {
            let upgraded = on_upgrade.await.unwrap();
            let mut io = Io::new(upgraded);
            let mut buf = [0; 4];
            io.read_exact(&mut buf).await.unwrap();
            io.write_all(&buf).await.unwrap();
            io.flush().await.unwrap();
        });
        let mut res = Response::new(Empty::new());
        *res.status_mut() = hyper::StatusCode::SWITCHING_PROTOCOLS;
        res.headers_mut()
            .insert(hyper::header::UPGRADE, "echo".parse().unwrap());
        res.headers_mut()
            .insert(hyper::header::CONNECTION, "upgrade".parse().unwrap());
        Ok(res)
    }

    watchdog("upgrade", || {
        let rt = support::runtime(2);
        let (addr, _task) = rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let service = hyper::service::service_fn(upgrade);
            (addr, runtime::spawn(serve(listener, service)))
        });
        let mut s = connect(addr);
        s.write_all(
            b"GET / HTTP/1.1\r\nHost: test\r\nConnection: upgrade\r\nUpgrade: echo\r\n\r\n",
        )
        .unwrap();
        let mut head = Vec::new();
        let mut byte = [0; 1];
        while !head.ends_with(b"\r\n\r\n") {
            assert_eq!(s.read(&mut byte).expect("no answer in time"), 1);
            head.push(byte[0]);
        }
        let head = String::from_utf8(head).unwrap();
        assert!(
            head.starts_with("HTTP/1.1 101 Switching Protocols\r\n"),
            "{head}"
        );
        s.write_all(b"ping").unwrap();
        let mut echoed = [0; 4];
        s.read_exact(&mut echoed).unwrap();
        assert_eq!(&echoed, b"ping");
    });
}

#[test]
fn an_idle_keep_alive_connection_is_closed_by_the_header_read_timeout() {
    use futures::io::{AsyncReadExt, AsyncWriteExt};

    watchdog("idle_keep_alive", || {
        // Paused clock: 30 s pass as soon as the runtime is idle. The
        // client runs in the runtime, so the runtime is busy until the
        // request is in the server's socket.
        let rt = runtime::Builder::new()
            .worker_threads(1)
            .start_paused(true)
            .build()
            .unwrap();
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let hello = hyper::service::service_fn(|_req| async {
                Ok::<_, Infallible>(Response::new(Full::new(Bytes::from("hi"))))
            });
            runtime::spawn(serve(listener, hello));
            let mut s = runtime::net::TcpStream::connect(addr).await.unwrap();
            s.write_all(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n")
                .await
                .unwrap();
            let mut got = Vec::new();
            let mut buf = [0; 256];
            while !got.ends_with(b"hi") {
                let n = s.read(&mut buf).await.unwrap();
                assert!(n > 0, "closed early: {:?}", String::from_utf8_lossy(&got));
                got.extend_from_slice(&buf[..n]);
            }
            assert!(got.starts_with(b"HTTP/1.1 200 OK\r\n"));
            // Then silence: the server closes the connection once the
            // header-read timeout passes.
            let start = runtime::time::now();
            let n = s.read(&mut buf).await.unwrap();
            assert_eq!(n, 0, "unexpected bytes");
            assert!(runtime::time::now() - start >= runtime::hyper::HEADER_READ_TIMEOUT);
        });
    });
}

#[test]
fn executor_spawns_on_the_runtime_current_at_construction() {
    watchdog("executor", || {
        let rt = support::runtime(1);
        let executor = rt.block_on(async { Executor::default() });
        let (tx, rx) = std::sync::mpsc::channel();
        // From a thread outside any runtime: the task still runs on `rt`.
        hyper::rt::Executor::execute(&executor.clone(), async move {
            tx.send(runtime::task::try_id().is_some()).unwrap();
        });
        assert_eq!(rx.recv_timeout(WAIT), Ok(true));
    });
}

/// `Io` does not trust a reader that reports more bytes than it was given
/// (`AsyncRead` is a safe trait): it panics instead of advancing hyper's
/// buffer past what was initialized.
#[test]
fn io_refuses_a_reader_that_overreports() {
    struct Overreports;
    impl futures_io::AsyncRead for Overreports {
        fn poll_read(
            self: std::pin::Pin<&mut Self>,
            _cx: &mut std::task::Context<'_>,
            buf: &mut [u8],
        ) -> std::task::Poll<std::io::Result<usize>> {
            std::task::Poll::Ready(Ok(buf.len() + 1))
        }
    }
    let mut io = Box::pin(Io::new(Overreports));
    let mut storage = [0u8; 8];
    let mut buf = hyper::rt::ReadBuf::new(&mut storage);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    let polled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        hyper::rt::Read::poll_read(io.as_mut(), &mut cx, buf.unfilled())
    }));
    let message = support::panic_message(&*polled.expect_err("an overreport was accepted"));
    assert!(message.contains("reported 9 bytes"), "{message}");
}

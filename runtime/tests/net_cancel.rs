//! Cancellation and shutdown with sockets: a task blocked in `accept` or
//! `read` is cancelled promptly and leaves the socket usable; after the
//! runtime shut down, socket operations fail with an error instead of
//! hanging, including one already waiting.

mod support;

use futures::io::{AsyncReadExt, AsyncWriteExt};
use runtime::net::{TcpListener, TcpStream, UdpSocket};
use std::io;
use std::sync::Arc;
use std::time::Duration;
use support::{block_on, runtime, watchdog};

/// Bound on "promptly": far above the expected microseconds, far below the
/// watchdog.
const PROMPT: Duration = Duration::from_secs(5);

#[test]
fn cancel_a_task_blocked_in_accept() {
    block_on("cancel_accept", 2, || async {
        let listener = Arc::new(TcpListener::bind("127.0.0.1:0").await?);
        let addr = listener.local_addr()?;
        let (started_tx, started_rx) = futures_channel::oneshot::channel();
        let l = listener.clone();
        let blocked = runtime::spawn(async move {
            started_tx.send(()).unwrap();
            let _ = l.accept().await;
            unreachable!("nobody connected");
        });
        started_rx.await.unwrap();
        blocked.cancel();
        let out = runtime::time::timeout(PROMPT, blocked)
            .await
            .expect("the cancelled task did not complete promptly");
        assert!(out.unwrap_err().is_cancelled());
        // The listener still accepts, for a new task.
        let next = runtime::spawn(async move { listener.accept().await.map(|(_, a)| a) });
        let client = TcpStream::connect(addr).await?;
        assert_eq!(next.await.unwrap()?, client.local_addr()?);
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn cancel_a_task_blocked_in_read() {
    block_on("cancel_read", 2, || async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let mut client = TcpStream::connect(listener.local_addr()?).await?;
        let (server, _) = listener.accept().await?;
        let (started_tx, started_rx) = futures_channel::oneshot::channel();
        let blocked = runtime::spawn(async move {
            let mut server = server;
            started_tx.send(()).unwrap();
            let mut buf = [0; 8];
            let _ = server.read(&mut buf).await;
            unreachable!("nothing was sent");
        });
        started_rx.await.unwrap();
        blocked.cancel();
        let out = runtime::time::timeout(PROMPT, blocked)
            .await
            .expect("the cancelled task did not complete promptly");
        assert!(out.unwrap_err().is_cancelled());
        // The cancelled task's future, and its socket, were dropped: the
        // client sees the connection closed.
        let mut buf = [0; 8];
        assert_eq!(client.read(&mut buf).await?, 0);
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn cancel_a_udp_receiver_keeps_the_others() {
    block_on("cancel_udp", 2, || async {
        let socket = Arc::new(UdpSocket::bind("127.0.0.1:0").await?);
        let addr = socket.local_addr()?;
        let s = socket.clone();
        let doomed = runtime::spawn(async move {
            let mut buf = [0; 8];
            s.recv_from(&mut buf).await
        });
        let s = socket.clone();
        let survivor = runtime::spawn(async move {
            let mut buf = [0; 8];
            s.recv_from(&mut buf).await.map(|(n, _)| buf[..n].to_vec())
        });
        // Whether or not both receivers are waiting yet, the outcome is
        // the same: the cancelled one is gone, the other gets the datagram
        // (it waits in the socket until someone receives it).
        runtime::task::yield_now().await;
        doomed.cancel();
        assert!(doomed.await.unwrap_err().is_cancelled());
        UdpSocket::bind("127.0.0.1:0")
            .await?
            .send_to(b"hi", addr)
            .await?;
        let got = runtime::time::timeout(PROMPT, survivor)
            .await
            .expect("the remaining receiver was not woken");
        assert_eq!(got.unwrap()?, b"hi");
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn socket_after_runtime_shutdown_errors() {
    watchdog("after_shutdown", || {
        let rt = runtime(2);
        let (listener, mut client, server) = rt
            .block_on(async {
                let listener = TcpListener::bind("127.0.0.1:0").await?;
                let client = TcpStream::connect(listener.local_addr()?).await?;
                let (server, _) = listener.accept().await?;
                io::Result::Ok((listener, client, server))
            })
            .unwrap();
        let handle = rt.handle().clone();
        drop(rt);
        // Polled on a plain thread: each fails at once, none hangs.
        futures::executor::block_on(async {
            let err = listener.accept().await.expect_err("accept after shutdown");
            assert!(err.to_string().contains("shut down"), "{err}");
            let mut buf = [0; 4];
            assert!(client.read(&mut buf).await.is_err());
            assert!(client.write_all(b"late").await.is_err());
        });
        drop(server);
        // A new socket cannot register with a runtime that is gone.
        let _guard = handle.enter();
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        assert!(TcpListener::from_std(std_listener).is_err());
    });
}

#[test]
fn read_waiting_at_shutdown_is_woken_with_an_error() {
    watchdog("waiting_at_shutdown", || {
        let rt = runtime(1);
        let (mut client, server) = rt
            .block_on(async {
                let listener = TcpListener::bind("127.0.0.1:0").await?;
                let client = TcpStream::connect(listener.local_addr()?).await?;
                let (server, _) = listener.accept().await?;
                io::Result::Ok((client, server))
            })
            .unwrap();
        let (waiting_tx, waiting_rx) = std::sync::mpsc::channel();
        // A read that waits on a plain thread, outside the runtime's tasks:
        // only the shutdown can end it.
        let reader = std::thread::spawn(move || {
            futures::executor::block_on(async {
                let mut buf = [0; 4];
                let mut read = client.read(&mut buf);
                // Poll once so the waiter is registered, then report.
                let first = futures::poll!(&mut read);
                assert!(first.is_pending());
                waiting_tx.send(()).unwrap();
                read.await
            })
        });
        waiting_rx.recv().unwrap();
        drop(rt);
        let out = reader.join().unwrap();
        assert!(out.is_err(), "read after shutdown returned {out:?}");
        drop(server);
    });
}

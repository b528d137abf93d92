//! `runtime::net` TCP: echo round trips, halves, addresses, errors. Every
//! socket is on 127.0.0.1; every test runs under the watchdog.

mod support;

use futures::io::{AsyncReadExt, AsyncWriteExt};
use runtime::net::{TcpListener, TcpStream};
use std::io;
use std::net::{Shutdown, SocketAddr};
use support::block_on;

/// An echo server task on a fresh port: echoes every connection until EOF.
async fn echo_server() -> io::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    runtime::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            runtime::spawn(async move {
                let (mut rd, mut wr) = stream.into_split();
                let _ = futures::io::copy(&mut rd, &mut wr).await;
            });
        }
    });
    Ok(addr)
}

#[test]
fn echo_round_trips() {
    block_on("echo_round_trips", 2, || async {
        let addr = echo_server().await?;
        let mut client = TcpStream::connect(addr).await?;
        for i in 0..100u32 {
            let msg = format!("message {i}");
            client.write_all(msg.as_bytes()).await?;
            let mut back = vec![0; msg.len()];
            client.read_exact(&mut back).await?;
            assert_eq!(back, msg.as_bytes());
        }
        // A large write, more than the socket buffers hold: the write side
        // must wait for the read side (its own task) to make room.
        let big: Vec<u8> = (0..4_000_000u32).map(|i| i as u8).collect();
        let (mut rd, mut wr) = client.split();
        let mut back = vec![0; big.len()];
        let (w, r) = futures::join!(wr.write_all(&big), rd.read_exact(&mut back));
        w?;
        r?;
        assert!(back == big, "the echoed bytes differ");
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn owned_halves_work_from_two_tasks() {
    block_on("owned_halves", 2, || async {
        let addr = echo_server().await?;
        let (mut rd, mut wr) = TcpStream::connect(addr).await?.into_split();
        let writer = runtime::spawn(async move {
            for i in 0..1000u32 {
                wr.write_all(&i.to_le_bytes()).await?;
            }
            wr.close().await?; // FIN: the echo ends, the reader sees EOF
            io::Result::Ok(())
        });
        let reader = runtime::spawn(async move {
            let mut all = Vec::new();
            rd.read_to_end(&mut all).await?;
            io::Result::Ok(all)
        });
        writer.await.unwrap()?;
        let all = reader.await.unwrap()?;
        let expected: Vec<u8> = (0..1000u32).flat_map(u32::to_le_bytes).collect();
        assert_eq!(all, expected);
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn addresses_and_options() {
    block_on("addresses_and_options", 1, || async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        assert!(addr.ip().is_loopback() && addr.port() != 0);
        let client = TcpStream::connect(addr).await?;
        let (server, peer) = listener.accept().await?;
        assert_eq!(peer, client.local_addr()?);
        assert_eq!(server.peer_addr()?, client.local_addr()?);
        assert_eq!(client.peer_addr()?, addr);
        client.set_nodelay(true)?;
        assert!(client.nodelay()?);
        client.set_nodelay(false)?;
        assert!(!client.nodelay()?);
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn shutdown_write_sends_eof_and_drop_closes() {
    block_on("shutdown_write", 2, || async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let mut client = TcpStream::connect(listener.local_addr()?).await?;
        let (mut server, _) = listener.accept().await?;
        client.write_all(b"bye").await?;
        client.shutdown(Shutdown::Write)?;
        let mut got = Vec::new();
        server.read_to_end(&mut got).await?;
        assert_eq!(got, b"bye");
        // The other direction still works, then dropping closes it.
        server.write_all(b"ok").await?;
        drop(server);
        let mut got = Vec::new();
        client.read_to_end(&mut got).await?;
        assert_eq!(got, b"ok");
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn connect_to_a_closed_port_errors() {
    block_on("connect_closed_port", 2, || async {
        // A port that was free a moment ago: bound, then closed.
        let addr = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?;
        let err = TcpStream::connect(addr)
            .await
            .expect_err("connected to a closed port");
        assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused, "{err}");
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn bind_to_an_address_in_use_errors() {
    block_on("bind_in_use", 1, || async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let err = TcpListener::bind(listener.local_addr()?)
            .await
            .expect_err("bound twice");
        assert_eq!(err.kind(), io::ErrorKind::AddrInUse, "{err}");
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn reset_by_peer_is_an_error() {
    block_on("reset_by_peer", 2, || async {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        let mut client = TcpStream::connect(listener.local_addr()?).await?;
        let (server, _) = listener.accept()?;
        // Unread data at close makes the kernel send RST.
        client.write_all(b"unread").await?;
        support::wait_until("the server has the data", || {
            let mut buf = [0; 1];
            server.peek(&mut buf).map(|n| n == 1).unwrap_or(false)
        });
        drop(server);
        let mut buf = [0; 16];
        let mut outcome = Ok(0);
        // The RST may take a write or two to surface.
        for _ in 0..100 {
            outcome = match client.write_all(b"more").await {
                Ok(()) => client.read(&mut buf).await,
                Err(err) => Err(err),
            };
            if outcome.is_err() {
                break;
            }
        }
        let err = outcome.expect_err("no error after the peer reset the connection");
        assert!(
            matches!(
                err.kind(),
                io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe
            ),
            "{err}"
        );
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn from_std_listener_and_stream() {
    block_on("from_std", 2, || async {
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        let addr = std_listener.local_addr()?;
        let listener = TcpListener::from_std(std_listener)?;
        let std_client = std::net::TcpStream::connect(addr)?;
        let mut client = TcpStream::from_std(std_client)?;
        let (mut server, _) = listener.accept().await?;
        client.write_all(b"std").await?;
        let mut buf = [0; 3];
        server.read_exact(&mut buf).await?;
        assert_eq!(&buf, b"std");
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn many_sockets_created_and_dropped() {
    // Dropping deregisters: thousands of short connections in sequence
    // reuse the reactor's slots and never see another socket's events.
    block_on("many_dropped", 2, || async {
        let addr = echo_server().await?;
        for i in 0..2000u32 {
            let mut client = TcpStream::connect(addr).await?;
            client.write_all(&i.to_le_bytes()).await?;
            let mut back = [0; 4];
            client.read_exact(&mut back).await?;
            assert_eq!(u32::from_le_bytes(back), i);
        }
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn busy_worker_still_polls_the_reactor() {
    // One worker, kept busy forever by a task that always yields: it never
    // parks, so only its periodic reactor check can see the data arrive.
    block_on("busy_worker_io", 1, || async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let spinner = runtime::spawn(async {
            loop {
                runtime::task::yield_now().await;
            }
        });
        let reader = runtime::spawn(async move {
            let (mut stream, _) = listener.accept().await?;
            let mut buf = [0; 5];
            stream.read_exact(&mut buf).await?;
            io::Result::Ok(buf)
        });
        // A plain thread connects and writes: no task of ours is involved.
        let writer = std::thread::spawn(move || {
            use std::io::Write;
            let mut s = std::net::TcpStream::connect(addr)?;
            s.write_all(b"hello")?;
            io::Result::Ok(s)
        });
        assert_eq!(&reader.await.unwrap()?, b"hello");
        spinner.cancel();
        drop(writer.join().unwrap()?);
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn timers_fire_while_a_worker_waits_in_the_poller() {
    for workers in [1, 2] {
        block_on("timeout_on_read", workers, || async {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let mut client = TcpStream::connect(listener.local_addr()?).await?;
            let (_server, _) = listener.accept().await?;
            let start = std::time::Instant::now();
            let mut buf = [0; 4];
            let out =
                runtime::time::timeout(std::time::Duration::from_millis(50), client.read(&mut buf))
                    .await;
            assert!(out.is_err(), "the read completed: {out:?}");
            let took = start.elapsed();
            assert!(took >= std::time::Duration::from_millis(50), "{took:?}");
            io::Result::Ok(())
        })
        .unwrap();
    }
}

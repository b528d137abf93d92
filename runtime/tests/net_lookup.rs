//! `lookup_host` and host names in `connect` / `bind`: literal addresses
//! resolve at once, names resolve on the blocking pool and never block a
//! worker. Only `localhost` (from /etc/hosts) is looked up.

mod support;

use runtime::net::{lookup_host, TcpListener, TcpStream, UdpSocket};
use std::io;
use std::net::SocketAddr;
use std::sync::mpsc;
use std::time::Duration;
use support::watchdog;

#[test]
fn literal_addresses_resolve_at_once() {
    support::block_on("lookup_literal", 1, || async {
        let v4: Vec<SocketAddr> = lookup_host("127.0.0.1:80").await?.collect();
        assert_eq!(v4, ["127.0.0.1:80".parse().unwrap()]);
        let v6: Vec<SocketAddr> = lookup_host("[::1]:443").await?.collect();
        assert_eq!(v6, ["[::1]:443".parse().unwrap()]);
        let pair: Vec<SocketAddr> = lookup_host(("127.0.0.2", 8)).await?.collect();
        assert_eq!(pair, ["127.0.0.2:8".parse().unwrap()]);
        let addr: SocketAddr = "127.0.0.1:9".parse().unwrap();
        assert_eq!(lookup_host(addr).await?.collect::<Vec<_>>(), [addr]);
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn localhost_resolves_to_loopback() {
    support::block_on("lookup_localhost", 2, || async {
        let addrs: Vec<SocketAddr> = lookup_host("localhost:1234").await?.collect();
        assert!(!addrs.is_empty());
        assert!(
            addrs
                .iter()
                .all(|a| a.ip().is_loopback() && a.port() == 1234),
            "{addrs:?}"
        );
        let addrs: Vec<SocketAddr> = lookup_host(("localhost", 99)).await?.collect();
        assert!(
            addrs.iter().all(|a| a.ip().is_loopback() && a.port() == 99),
            "{addrs:?}"
        );
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn bad_names_are_errors() {
    support::block_on("lookup_bad", 2, || async {
        // No port.
        assert!(lookup_host("localhost").await.is_err());
        // Not a port (refused before any query).
        let Err(err) = lookup_host("localhost:http").await else {
            panic!("\"localhost:http\" resolved");
        };
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{err}");
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn connect_and_bind_take_host_names() {
    support::block_on("lookup_connect", 2, || async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        // "localhost" may resolve to ::1 first: each address is tried.
        let client = TcpStream::connect(format!("localhost:{port}")).await?;
        let (_server, peer) = listener.accept().await?;
        assert_eq!(peer, client.local_addr()?);
        let udp = UdpSocket::bind(("localhost", 0)).await?;
        assert!(udp.local_addr()?.ip().is_loopback());
        let other = UdpSocket::bind("127.0.0.1:0").await?;
        if udp.local_addr()?.is_ipv4() {
            udp.connect(("localhost", other.local_addr()?.port()))
                .await?;
            udp.send(b"n").await?;
            let mut buf = [0; 1];
            let (_, from) = other.recv_from(&mut buf).await?;
            assert_eq!(from, udp.local_addr()?);
            // send_to with a name.
            udp.send_to(b"m", format!("localhost:{}", other.local_addr()?.port()))
                .await?;
            other.recv_from(&mut buf).await?;
            assert_eq!(&buf, b"m");
        }
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn name_lookups_run_on_the_blocking_pool_not_a_worker() {
    // One worker and one blocking thread, and that thread is held busy:
    // a name lookup must wait for it (it is queued on the pool), while the
    // worker keeps running other tasks and literal addresses still resolve.
    watchdog("lookup_on_pool", || {
        let rt = runtime::Builder::new()
            .worker_threads(1)
            .max_blocking_threads(1)
            .build()
            .unwrap();
        let (release, held) = mpsc::channel::<()>();
        let (started_tx, started) = mpsc::channel::<()>();
        rt.block_on(async move {
            let blocker = runtime::spawn_blocking(move || {
                started_tx.send(()).unwrap();
                held.recv().unwrap();
            });
            started.recv().unwrap();
            let lookup =
                runtime::spawn(async { lookup_host("localhost:80").await.map(|a| a.count()) });
            // The worker is free: a timer fires while the lookup waits.
            let waited = runtime::time::timeout(Duration::from_millis(100), async {
                std::future::pending::<()>().await
            })
            .await;
            assert!(waited.is_err());
            assert!(
                !lookup.is_finished(),
                "the lookup did not wait for the pool"
            );
            // Literal addresses never go to the pool.
            let lit = runtime::time::timeout(Duration::from_secs(5), lookup_host("127.0.0.1:1"))
                .await
                .expect("a literal address waited for the blocking pool");
            assert_eq!(lit.unwrap().count(), 1);
            release.send(()).unwrap();
            blocker.await.unwrap();
            let n = lookup.await.unwrap().unwrap();
            assert!(n >= 1);
        });
    });
}

//! `UnixDatagram`: the behaviours of Tokio's `tests/uds_datagram.rs`
//! (echo, echo from an unbound socket, try_send / try_recv, readiness),
//! plus abstract names and raw access. Under the watchdog.
#![cfg(unix)]

mod support;

use runtime::io::Interest;
use runtime::net::UnixDatagram;
use std::io;
use std::path::PathBuf;
use std::sync::Arc;
use support::block_on;

fn temp_path(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("runtime-uds-dgram-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    path
}

/// Echoes `n` datagrams back to their senders.
async fn echo_server(socket: UnixDatagram, n: usize) -> io::Result<()> {
    let mut buf = [0; 1024];
    for _ in 0..n {
        let (len, from) = socket.recv_from(&mut buf).await?;
        let path = from.as_pathname().expect("the client is bound").to_owned();
        socket.send_to(&buf[..len], &path).await?;
    }
    Ok(())
}

#[test]
fn echo() {
    let server_path = temp_path("echo-server.sock");
    let client_path = temp_path("echo-client.sock");
    block_on("uds_dgram_echo", 2, move || async move {
        let server = UnixDatagram::bind(&server_path)?;
        let server_task = runtime::spawn(echo_server(server, 1));
        let client = UnixDatagram::bind(&client_path)?;
        client.connect(&server_path)?;
        assert_eq!(
            client.peer_addr()?.as_pathname(),
            Some(server_path.as_path())
        );
        assert_eq!(
            client.local_addr()?.as_pathname(),
            Some(client_path.as_path())
        );
        client.send(b"echo").await?;
        let mut buf = [0; 16];
        let n = client.recv(&mut buf).await?;
        assert_eq!(&buf[..n], b"echo");
        server_task.await.unwrap()?;
        std::fs::remove_file(&server_path)?;
        std::fs::remove_file(&client_path)?;
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn echo_from() {
    let server_path = temp_path("echo-from-server.sock");
    let client_path = temp_path("echo-from-client.sock");
    block_on("uds_dgram_echo_from", 2, move || async move {
        let server = UnixDatagram::bind(&server_path)?;
        let server_task = runtime::spawn(echo_server(server, 1));
        let client = UnixDatagram::bind(&client_path)?;
        client.send_to(b"from", &server_path).await?;
        let mut buf = [0; 16];
        let (n, from) = client.recv_from(&mut buf).await?;
        assert_eq!(&buf[..n], b"from");
        assert_eq!(from.as_pathname(), Some(server_path.as_path()));
        server_task.await.unwrap()?;
        std::fs::remove_file(&server_path)?;
        std::fs::remove_file(&client_path)?;
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn unbound_sender_is_unnamed() {
    let server_path = temp_path("unbound-server.sock");
    block_on("uds_dgram_unbound", 2, move || async move {
        let server = UnixDatagram::bind(&server_path)?;
        let client = UnixDatagram::unbound()?;
        client.send_to(b"anon", &server_path).await?;
        let mut buf = [0; 8];
        let (n, from) = server.recv_from(&mut buf).await?;
        assert_eq!(&buf[..n], b"anon");
        assert!(from.is_unnamed(), "{from:?}");
        std::fs::remove_file(&server_path)?;
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn try_send_recv() {
    block_on("uds_dgram_try", 2, || async {
        let (a, b) = UnixDatagram::pair()?;
        let err = b.try_recv(&mut [0; 4]).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
        for i in 0..10u8 {
            a.writable().await?;
            assert_eq!(a.try_send(&[i; 3])?, 3);
            let mut buf = [0; 8];
            let n = loop {
                b.readable().await?;
                match b.try_recv(&mut buf) {
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                    other => break other?,
                }
            };
            assert_eq!(&buf[..n], &[i; 3]);
        }
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn try_send_to_recv_from() {
    let a_path = temp_path("try-a.sock");
    let b_path = temp_path("try-b.sock");
    block_on("uds_dgram_try_to", 2, move || async move {
        let a = UnixDatagram::bind(&a_path)?;
        let b = UnixDatagram::bind(&b_path)?;
        let ready = a.ready(Interest::WRITABLE).await?;
        assert!(ready.is_writable());
        assert_eq!(a.try_send_to(b"to", &b_path)?, 2);
        let mut buf = [0; 4];
        let (n, from) = loop {
            b.readable().await?;
            match b.try_recv_from(&mut buf) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                other => break other?,
            }
        };
        assert_eq!(&buf[..n], b"to");
        assert_eq!(from.as_pathname(), Some(a_path.as_path()));
        std::fs::remove_file(&a_path)?;
        std::fs::remove_file(&b_path)?;
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn poll_ready_and_shared_receivers() {
    block_on("uds_dgram_poll_ready", 2, || async {
        let (a, b) = UnixDatagram::pair()?;
        std::future::poll_fn(|cx| a.poll_send_ready(cx)).await?;
        let pending =
            std::future::poll_fn(|cx| std::task::Poll::Ready(b.poll_recv_ready(cx).is_pending()))
                .await;
        assert!(pending, "ready with nothing queued");
        // Two tasks receive on one socket; each datagram goes to one.
        let b = Arc::new(b);
        let receivers: Vec<_> = (0..2)
            .map(|_| {
                let b = b.clone();
                runtime::spawn(async move {
                    let mut buf = [0; 4];
                    let n = b.recv(&mut buf).await?;
                    io::Result::Ok(buf[..n].to_vec())
                })
            })
            .collect();
        a.send(b"one").await?;
        a.send(b"two").await?;
        let mut got = Vec::new();
        for r in receivers {
            got.push(r.await.unwrap()?);
        }
        got.sort();
        assert_eq!(got, [b"one".to_vec(), b"two".to_vec()]);
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn poll_send_to_and_poll_recv_from() {
    use runtime::io::ReadBuf;
    use std::future::poll_fn;
    let a_path = temp_path("poll-a.sock");
    let b_path = temp_path("poll-b.sock");
    block_on("uds_dgram_poll", 2, move || async move {
        let a = UnixDatagram::bind(&a_path)?;
        let b = UnixDatagram::bind(&b_path)?;
        let n = poll_fn(|cx| a.poll_send_to(cx, b"poll", &b_path)).await?;
        assert_eq!(n, 4);
        let mut storage = [0u8; 16];
        let mut buf = ReadBuf::new(&mut storage);
        let from = poll_fn(|cx| b.poll_recv_from(cx, &mut buf)).await?;
        assert_eq!(buf.filled(), b"poll");
        assert_eq!(from.as_pathname(), Some(a_path.as_path()));
        a.connect(&b_path)?;
        b.connect(&a_path)?;
        poll_fn(|cx| b.poll_send(cx, b"back")).await?;
        let mut storage = [0u8; 16];
        let mut buf = ReadBuf::new(&mut storage);
        poll_fn(|cx| a.poll_recv(cx, &mut buf)).await?;
        assert_eq!(buf.filled(), b"back");
        std::fs::remove_file(&a_path)?;
        std::fs::remove_file(&b_path)?;
        io::Result::Ok(())
    })
    .unwrap();
}

#[cfg(target_os = "linux")]
#[test]
fn abstract_names() {
    use std::os::linux::net::SocketAddrExt;
    block_on("uds_dgram_abstract", 2, || async {
        let a_name = format!("\0runtime-test-{}-dgram-a", std::process::id());
        let b_name = format!("\0runtime-test-{}-dgram-b", std::process::id());
        let a = UnixDatagram::bind(&a_name)?;
        let b = UnixDatagram::bind(&b_name)?;
        assert_eq!(
            a.local_addr()?.as_abstract_name(),
            Some(&a_name.as_bytes()[1..])
        );
        a.send_to(b"hi", &b_name).await?;
        let mut buf = [0; 4];
        let (n, from) = b.recv_from(&mut buf).await?;
        assert_eq!(&buf[..n], b"hi");
        assert_eq!(from.as_abstract_name(), Some(&a_name.as_bytes()[1..]));
        b.connect(&a_name)?;
        b.send(b"back").await?;
        let n = a.recv(&mut buf).await?;
        assert_eq!(&buf[..n], b"back");
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn into_std_and_raw_fd() {
    use std::os::fd::AsRawFd;
    block_on("uds_dgram_into_std", 2, || async {
        let (a, b) = UnixDatagram::pair()?;
        let fd = a.as_raw_fd();
        let std_a = a.into_std()?;
        assert_eq!(std_a.as_raw_fd(), fd);
        std_a.send(b"std")?;
        let mut buf = [0; 4];
        let n = b.recv(&mut buf).await?;
        assert_eq!(&buf[..n], b"std");
        let a = UnixDatagram::from_std(std_a)?;
        b.send(b"ok").await?;
        let n = a.recv(&mut buf).await?;
        assert_eq!(&buf[..n], b"ok");
        a.shutdown(std::net::Shutdown::Both)?;
        io::Result::Ok(())
    })
    .unwrap();
}

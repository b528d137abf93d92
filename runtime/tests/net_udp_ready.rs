//! `UdpSocket` readiness, `try_*`, poll-style calls, peeking and options:
//! the behaviours of Tokio's `tests/udp.rs`, on 127.0.0.1 under the
//! watchdog.

mod support;

use runtime::io::{Interest, ReadBuf};
use runtime::net::UdpSocket;
use std::future::poll_fn;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::task::Poll;
use support::block_on;

async fn two() -> io::Result<(UdpSocket, UdpSocket)> {
    Ok((
        UdpSocket::bind("127.0.0.1:0").await?,
        UdpSocket::bind("127.0.0.1:0").await?,
    ))
}

/// Retries `op` after `readable` until it stops saying `WouldBlock`.
async fn when_readable<T>(s: &UdpSocket, mut op: impl FnMut() -> io::Result<T>) -> io::Result<T> {
    loop {
        s.readable().await?;
        match op() {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
            other => return other,
        }
    }
}

#[test]
fn try_send_to_and_try_recv_from() {
    block_on("udp_try_send_to", 2, || async {
        let (a, b) = two().await?;
        let b_addr = b.local_addr()?;
        // Nothing queued.
        let err = b.try_recv_from(&mut [0; 8]).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
        a.writable().await?;
        assert_eq!(a.try_send_to(b"hello", b_addr)?, 5);
        let mut buf = [0; 16];
        let (n, from) = when_readable(&b, || b.try_recv_from(&mut buf)).await?;
        assert_eq!((&buf[..n], from), (&b"hello"[..], a.local_addr()?));
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn try_send_and_try_recv_connected() {
    block_on("udp_try_send", 2, || async {
        let (a, b) = two().await?;
        a.connect(b.local_addr()?).await?;
        b.connect(a.local_addr()?).await?;
        for i in 0..5u8 {
            let ready = a.ready(Interest::WRITABLE).await?;
            assert!(ready.is_writable());
            assert_eq!(a.try_send(&[i; 4])?, 4);
            let mut buf = [0; 8];
            let n = when_readable(&b, || b.try_recv(&mut buf)).await?;
            assert_eq!(&buf[..n], &[i; 4]);
        }
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn poll_send_to_and_poll_recv_from() {
    block_on("udp_poll", 2, || async {
        let (a, b) = two().await?;
        let b_addr = b.local_addr()?;
        let n = poll_fn(|cx| a.poll_send_to(cx, b"poll", b_addr)).await?;
        assert_eq!(n, 4);
        let mut storage = [0u8; 32];
        let mut buf = ReadBuf::new(&mut storage);
        let from = poll_fn(|cx| b.poll_recv_from(cx, &mut buf)).await?;
        assert_eq!(from, a.local_addr()?);
        assert_eq!(buf.filled(), b"poll");
        // Into an uninitialized buffer, after what is there.
        poll_fn(|cx| a.poll_send_to(cx, b"more", b_addr)).await?;
        let mut raw = [std::mem::MaybeUninit::<u8>::uninit(); 16];
        let mut buf = ReadBuf::uninit(&mut raw);
        buf.put_slice(b">");
        poll_fn(|cx| b.poll_recv_from(cx, &mut buf)).await?;
        assert_eq!(buf.filled(), b">more");
        // Connected forms.
        a.connect(b_addr).await?;
        b.connect(a.local_addr()?).await?;
        poll_fn(|cx| a.poll_send(cx, b"c")).await?;
        let mut storage = [0u8; 4];
        let mut buf = ReadBuf::new(&mut storage);
        poll_fn(|cx| b.poll_recv(cx, &mut buf)).await?;
        assert_eq!(buf.filled(), b"c");
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn poll_recv_ready_waits_for_a_datagram() {
    block_on("udp_poll_ready", 2, || async {
        let (a, b) = two().await?;
        poll_fn(|cx| a.poll_send_ready(cx)).await?;
        let pending = poll_fn(|cx| Poll::Ready(b.poll_recv_ready(cx).is_pending())).await;
        assert!(pending, "ready with nothing queued");
        a.send_to(b"x", b.local_addr()?).await?;
        poll_fn(|cx| b.poll_recv_ready(cx)).await?;
        let mut buf = [0; 4];
        assert_eq!(b.try_recv_from(&mut buf)?.0, 1);
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn peek_from_and_peek_sender_leave_the_datagram() {
    block_on("udp_peek", 2, || async {
        let (a, b) = two().await?;
        let a_addr = a.local_addr()?;
        a.send_to(b"peeked", b.local_addr()?).await?;
        assert_eq!(b.peek_sender().await?, a_addr);
        let mut buf = [0; 16];
        let (n, from) = b.peek_from(&mut buf).await?;
        assert_eq!((&buf[..n], from), (&b"peeked"[..], a_addr));
        assert_eq!(b.try_peek_sender()?, a_addr);
        let (n, _) = b.try_peek_from(&mut buf)?;
        assert_eq!(&buf[..n], b"peeked");
        let mut storage = [0u8; 16];
        let mut rb = ReadBuf::new(&mut storage);
        assert_eq!(poll_fn(|cx| b.poll_peek_from(cx, &mut rb)).await?, a_addr);
        assert_eq!(rb.filled(), b"peeked");
        // Still queued: the receive gets it, and then the queue is empty.
        let (n, from) = b.recv_from(&mut buf).await?;
        assert_eq!((&buf[..n], from), (&b"peeked"[..], a_addr));
        let err = b.try_peek_sender().unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn shared_socket_split_between_tasks() {
    block_on("udp_split", 2, || async {
        let (a, b) = two().await?;
        let b_addr = b.local_addr()?;
        let a = std::sync::Arc::new(a);
        let sender = a.clone();
        let send = runtime::spawn(async move {
            for i in 0..10u8 {
                sender.send_to(&[i], b_addr).await?;
            }
            io::Result::Ok(())
        });
        let mut seen = Vec::new();
        let mut buf = [0; 4];
        while seen.len() < 10 {
            let (n, _) = b.recv_from(&mut buf).await?;
            seen.extend_from_slice(&buf[..n]);
        }
        send.await.unwrap()?;
        seen.sort_unstable();
        assert_eq!(seen, (0..10).collect::<Vec<u8>>());
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn options() {
    block_on("udp_options", 2, || async {
        let s = UdpSocket::bind("127.0.0.1:0").await?;
        s.set_broadcast(true)?;
        assert!(s.broadcast()?);
        s.set_broadcast(false)?;
        assert!(!s.broadcast()?);
        s.set_ttl(17)?;
        assert_eq!(s.ttl()?, 17);
        s.set_multicast_loop_v4(false)?;
        assert!(!s.multicast_loop_v4()?);
        s.set_multicast_loop_v4(true)?;
        assert!(s.multicast_loop_v4()?);
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn multicast_join_and_leave_on_loopback() {
    block_on("udp_multicast", 2, || async {
        let group = Ipv4Addr::new(239, 255, 77, 1);
        let s = UdpSocket::bind("0.0.0.0:0").await?;
        s.join_multicast_v4(group, Ipv4Addr::LOCALHOST)?;
        // Joining twice is refused by the kernel: the first join took.
        let err = s.join_multicast_v4(group, Ipv4Addr::LOCALHOST).unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::EADDRINUSE), "{err}");
        s.leave_multicast_v4(group, Ipv4Addr::LOCALHOST)?;
        // Left: leaving again fails.
        assert!(s.leave_multicast_v4(group, Ipv4Addr::LOCALHOST).is_err());
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn into_std_and_raw_fd() {
    use std::os::fd::AsRawFd;
    block_on("udp_into_std", 2, || async {
        let (a, b) = two().await?;
        let fd = a.as_raw_fd();
        let a_addr: SocketAddr = a.local_addr()?;
        let std_a = a.into_std()?;
        assert_eq!(std_a.as_raw_fd(), fd);
        std_a.send_to(b"std", b.local_addr()?)?;
        let mut buf = [0; 4];
        let (n, from) = b.recv_from(&mut buf).await?;
        assert_eq!((&buf[..n], from), (&b"std"[..], a_addr));
        let a = UdpSocket::from_std(std_a)?;
        assert_eq!(a.local_addr()?, a_addr);
        io::Result::Ok(())
    })
    .unwrap();
}

#[cfg(target_os = "linux")]
#[test]
fn multicast_v6_join_and_leave_on_loopback() {
    block_on("udp_multicast_v6", 2, || async {
        let s = match UdpSocket::bind("[::1]:0").await {
            Ok(s) => s,
            // No IPv6 loopback in this kernel or container: nothing to test.
            Err(e) if e.kind() == io::ErrorKind::AddrNotAvailable => return Ok(()),
            Err(e) => return Err(e),
        };
        let group: std::net::Ipv6Addr = "ff12::7331".parse().unwrap();
        // SAFETY: the argument is a NUL-terminated string literal.
        let lo = unsafe { libc::if_nametoindex(c"lo".as_ptr()) };
        assert_ne!(lo, 0, "no loopback interface");
        s.join_multicast_v6(&group, lo)?;
        let err = s.join_multicast_v6(&group, lo).unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::EADDRINUSE), "{err}");
        s.leave_multicast_v6(&group, lo)?;
        assert!(s.leave_multicast_v6(&group, lo).is_err());
        s.set_multicast_loop_v6(false)?;
        assert!(!s.multicast_loop_v6()?);
        io::Result::Ok(())
    })
    .unwrap();
}

/// After a socket error (an ICMP "port unreachable" reported on a
/// connected UDP socket), a later receive waits for a new datagram instead
/// of spinning: the error readiness is forgotten with the rest when the
/// retry finds nothing (it was never cleared, and every wait returned at
/// once, holding the worker at 100% inside one poll).
#[test]
fn a_receive_after_a_socket_error_waits_instead_of_spinning() {
    block_on("recv_after_error", 1, || async {
        // A port with nobody on it: bind, note the address, close.
        let closed = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let closed_addr = closed.local_addr().unwrap();
        drop(closed);
        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        socket.connect(closed_addr).await.unwrap();
        socket.send(b"anyone?").await.unwrap();
        let mut buf = [0u8; 16];
        let first = socket.recv(&mut buf).await;
        assert_eq!(
            first.unwrap_err().kind(),
            io::ErrorKind::ConnectionRefused,
            "the ICMP error is reported once"
        );
        // Nothing more comes: the receive must wait (and time out).
        let second =
            runtime::time::timeout(std::time::Duration::from_millis(100), socket.recv(&mut buf))
                .await;
        assert!(second.is_err(), "expected the receive to wait: {second:?}");
    });
}

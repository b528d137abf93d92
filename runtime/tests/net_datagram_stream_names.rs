//! The stream names on datagram sockets (`try_read`, `try_write`, their
//! vectored forms, `poll_read_ready` / `poll_write_ready`), which the
//! network issue asks for on every socket type: on a connected `UdpSocket`
//! and `UnixDatagram` each moves exactly one datagram.

mod support;

use runtime::net::{UdpSocket, UnixDatagram};
use std::future::poll_fn;
use std::io::{self, IoSlice, IoSliceMut};

/// Waits until `try_op` stops returning `WouldBlock`, waiting for
/// readability in between.
async fn read_with<F>(
    readable: impl Fn() -> F,
    mut try_op: impl FnMut() -> io::Result<usize>,
) -> usize
where
    F: std::future::Future<Output = io::Result<()>>,
{
    loop {
        match try_op() {
            Ok(n) => return n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => readable().await.unwrap(),
            Err(e) => panic!("receive failed: {e}"),
        }
    }
}

#[test]
fn udp_stream_names_move_one_datagram_each() {
    support::block_on("udp_stream_names", 1, || async {
        let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        a.connect(b.local_addr().unwrap()).await.unwrap();
        b.connect(a.local_addr().unwrap()).await.unwrap();

        poll_fn(|cx| a.poll_write_ready(cx)).await.unwrap();
        assert_eq!(a.try_write(b"hello").unwrap(), 5);
        poll_fn(|cx| b.poll_read_ready(cx)).await.unwrap();
        let mut buf = [0u8; 16];
        let n = read_with(|| b.readable(), || b.try_read(&mut buf)).await;
        assert_eq!(&buf[..n], b"hello");

        // Gathered into one datagram, scattered out of one.
        let sent = a
            .try_write_vectored(&[IoSlice::new(b"ab"), IoSlice::new(b"cde")])
            .unwrap();
        assert_eq!(sent, 5);
        let (mut x, mut y) = ([0u8; 3], [0u8; 8]);
        let n = read_with(
            || b.readable(),
            || b.try_read_vectored(&mut [IoSliceMut::new(&mut x), IoSliceMut::new(&mut y)]),
        )
        .await;
        assert_eq!(n, 5);
        assert_eq!((&x[..], &y[..2]), (&b"abc"[..], &b"de"[..]));

        // Nothing queued: WouldBlock, not a wait.
        let err = b.try_read(&mut buf).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
    });
}

#[test]
fn unix_datagram_stream_names_move_one_datagram_each() {
    support::block_on("uds_stream_names", 1, || async {
        let (a, b) = UnixDatagram::pair().unwrap();
        poll_fn(|cx| a.poll_write_ready(cx)).await.unwrap();
        assert_eq!(a.try_write(b"ping").unwrap(), 4);
        poll_fn(|cx| b.poll_read_ready(cx)).await.unwrap();
        let mut buf = [0u8; 16];
        let n = read_with(|| b.readable(), || b.try_read(&mut buf)).await;
        assert_eq!(&buf[..n], b"ping");

        let sent = b
            .try_write_vectored(&[IoSlice::new(b"po"), IoSlice::new(b"ng!")])
            .unwrap();
        assert_eq!(sent, 5);
        let (mut x, mut y) = ([0u8; 2], [0u8; 8]);
        let n = read_with(
            || a.readable(),
            || a.try_read_vectored(&mut [IoSliceMut::new(&mut x), IoSliceMut::new(&mut y)]),
        )
        .await;
        assert_eq!(n, 5);
        assert_eq!((&x[..], &y[..3]), (&b"po"[..], &b"ng!"[..]));
        assert_eq!(
            a.try_read(&mut buf).unwrap_err().kind(),
            io::ErrorKind::WouldBlock
        );
    });
}

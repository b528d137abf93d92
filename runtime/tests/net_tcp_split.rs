//! TCP owned halves: `reunite`, FIN when the write half is dropped, and
//! the halves' peek and readiness calls (Tokio's `tests/tcp_into_split.rs`
//! and `tcp_split.rs` behaviours), on 127.0.0.1 under the watchdog.

mod support;

use futures::io::{AsyncReadExt, AsyncWriteExt};
use runtime::io::Interest;
use runtime::net::tcp::ReuniteError;
use runtime::net::{TcpListener, TcpStream};
use std::io;
use support::block_on;

async fn pair() -> io::Result<(TcpStream, TcpStream)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let client = TcpStream::connect(listener.local_addr()?).await?;
    let (server, _) = listener.accept().await?;
    Ok((client, server))
}

#[test]
fn reunite_gives_back_the_stream() {
    block_on("reunite", 2, || async {
        let (client, mut server) = pair().await?;
        let local = client.local_addr()?;
        let (rd, wr) = client.into_split();
        let mut client = rd.reunite(wr).expect("halves of the same stream");
        assert_eq!(client.local_addr()?, local);
        // The write direction was not shut down by the reunion.
        client.write_all(b"still open").await?;
        let mut buf = [0; 10];
        server.read_exact(&mut buf).await?;
        assert_eq!(&buf, b"still open");
        // And the other order.
        let (rd, wr) = client.into_split();
        let client = wr.reunite(rd).expect("halves of the same stream");
        assert_eq!(client.local_addr()?, local);
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn reunite_error_hands_both_halves_back() {
    block_on("reunite_error", 2, || async {
        let (a, b) = pair().await?;
        let (a_rd, a_wr) = a.into_split();
        let (b_rd, b_wr) = b.into_split();
        let ReuniteError(a_rd, b_wr) = a_rd.reunite(b_wr).expect_err("different streams");
        let err = b_rd.reunite(a_wr).expect_err("different streams");
        assert!(
            err.to_string().contains("not from the same socket"),
            "{err}"
        );
        let ReuniteError(b_rd, a_wr) = err;
        assert!(a_rd.reunite(a_wr).is_ok());
        assert!(b_rd.reunite(b_wr).is_ok());
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn dropping_the_write_half_sends_fin() {
    block_on("drop_write_fin", 2, || async {
        let (client, mut server) = pair().await?;
        let (mut rd, mut wr) = client.into_split();
        wr.write_all(b"request").await?;
        drop(wr); // a proxy signals the end of the request like this
                  // The server sees the whole request and then end of stream, while
                  // the client's read half is still alive.
        let mut request = Vec::new();
        server.read_to_end(&mut request).await?;
        assert_eq!(request, b"request");
        // The read direction still works.
        server.write_all(b"response").await?;
        server.close().await?;
        let mut response = Vec::new();
        rd.read_to_end(&mut response).await?;
        assert_eq!(response, b"response");
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn forget_does_not_send_fin() {
    block_on("forget", 2, || async {
        let (client, mut server) = pair().await?;
        let (rd, wr) = client.into_split();
        wr.forget();
        // No FIN: the server's read waits (until the read half, the last
        // reference, is dropped, which closes the socket).
        let mut buf = [0; 1];
        let read =
            runtime::time::timeout(std::time::Duration::from_millis(100), server.read(&mut buf));
        assert!(read.await.is_err(), "the server saw data or end of stream");
        drop(rd);
        assert_eq!(server.read(&mut buf).await?, 0);
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn halves_peek_and_readiness() {
    block_on("halves_peek", 2, || async {
        let (mut client, server) = pair().await?;
        let (mut rd, wr) = server.into_split();
        wr.writable().await?;
        assert_eq!(wr.try_write(b"out")?, 3);
        let mut buf = [0; 3];
        client.read_exact(&mut buf).await?;
        assert_eq!(&buf, b"out");
        client.write_all(b"in!").await?;
        let mut n = 0;
        while n < 3 {
            n = rd.peek(&mut buf).await?;
        }
        assert_eq!(&buf, b"in!");
        let ready = rd.ready(Interest::READABLE).await?;
        assert!(ready.is_readable());
        rd.readable().await?;
        assert_eq!(rd.try_read(&mut buf)?, 3);
        assert_eq!(&buf, b"in!");
        // Borrowed halves.
        let (mut brd, bwr) = TcpStream::split(&mut client);
        bwr.writable().await?;
        assert_eq!(bwr.try_write(b"xy")?, 2);
        drop(wr);
        let mut rest = [0; 2];
        assert_eq!(brd.peek(&mut rest).await?, 0, "end of stream after the FIN");
        let mut got = [0; 2];
        rd.read_exact(&mut got).await?;
        assert_eq!(&got, b"xy");
        io::Result::Ok(())
    })
    .unwrap();
}

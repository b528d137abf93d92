//! `TcpStream` readiness, `try_*`, peek, options and raw access: the
//! behaviours of Tokio's `tests/tcp_stream.rs`, on 127.0.0.1 under the
//! watchdog.

mod support;

use futures::io::{AsyncReadExt, AsyncWriteExt};
use runtime::io::{Interest, ReadBuf};
use runtime::net::{TcpListener, TcpStream};
use std::future::poll_fn;
use std::io::{self, IoSlice, IoSliceMut};
use std::net::Shutdown;
use std::task::Poll;
use std::time::Duration;
use support::block_on;

async fn pair() -> io::Result<(TcpStream, TcpStream)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let client = TcpStream::connect(listener.local_addr()?).await?;
    let (server, _) = listener.accept().await?;
    Ok((client, server))
}

fn would_block<T: std::fmt::Debug>(r: io::Result<T>) -> bool {
    matches!(&r, Err(e) if e.kind() == io::ErrorKind::WouldBlock)
}

/// Writes with `try_write` until the kernel buffers are full; returns the
/// number of bytes written.
async fn fill(stream: &TcpStream, vectored: bool) -> io::Result<usize> {
    let chunk = [7u8; 4096];
    let mut written = 0;
    loop {
        stream.writable().await?;
        let r = if vectored {
            stream.try_write_vectored(&[IoSlice::new(&chunk[..2048]), IoSlice::new(&chunk[2048..])])
        } else {
            stream.try_write(&chunk)
        };
        match r {
            Ok(n) => written += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                // Full, unless the kernel grows the buffer: full for
                // good once no write room appears for a while.
                let ready = runtime::time::timeout(Duration::from_millis(50), stream.writable());
                if ready.await.is_err() {
                    return Ok(written);
                }
            }
            Err(e) => return Err(e),
        }
    }
}

/// Reads with `try_read` until `want` bytes arrived.
async fn drain(stream: &TcpStream, want: usize, vectored: bool) -> io::Result<()> {
    let mut got = 0;
    let mut buf = vec![0u8; 8192];
    while got < want {
        stream.readable().await?;
        let r = if vectored {
            let (a, b) = buf.split_at_mut(100);
            stream.try_read_vectored(&mut [IoSliceMut::new(a), IoSliceMut::new(b)])
        } else {
            stream.try_read(&mut buf)
        };
        match r {
            Ok(0) => panic!("unexpected end of stream after {got} of {want} bytes"),
            Ok(n) => {
                assert!(buf[..n].iter().all(|&b| b == 7));
                got += n;
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
    }
    assert_eq!(got, want);
    Ok(())
}

#[test]
fn try_read_write() {
    block_on("try_read_write", 2, || async {
        for vectored in [false, true] {
            let (client, server) = pair().await?;
            // Nothing to read yet.
            assert!(would_block(server.try_read(&mut [0; 16])));
            let written = fill(&client, vectored).await?;
            assert!(written > 0);
            drain(&server, written, vectored).await?;
            // Room again: writable returns.
            client.writable().await?;
            assert!(client.try_write(b"x")? == 1);
            // End of stream: try_read returns 0 once readable.
            drop(client);
            let mut byte = [0; 2];
            loop {
                server.readable().await?;
                match server.try_read(&mut byte) {
                    Ok(0) => break,
                    Ok(n) => assert_eq!(&byte[..n], b"x"),
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                    Err(e) => return Err(e),
                }
            }
        }
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn poll_read_ready_and_poll_write_ready() {
    block_on("poll_ready", 2, || async {
        let (mut client, server) = pair().await?;
        // A connected socket is writable at once.
        poll_fn(|cx| client.poll_write_ready(cx)).await?;
        // Not readable until the peer writes.
        let mut polled_pending = false;
        let mut first = true;
        let wait = poll_fn(|cx| {
            let r = server.poll_read_ready(cx);
            if first {
                first = false;
                polled_pending = r.is_pending();
            }
            r
        });
        let (r, w) = futures::join!(wait, async {
            client.write_all(b"hi").await?;
            io::Result::Ok(())
        });
        r?;
        w?;
        assert!(polled_pending, "poll_read_ready was ready before any data");
        let mut buf = [0; 2];
        assert_eq!(server.try_read(&mut buf)?, 2);
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn ready_reports_read_closed_and_write_closed() {
    block_on("read_closed", 2, || async {
        let (client, server) = pair().await?;
        let both = client
            .ready(Interest::READABLE | Interest::WRITABLE)
            .await?;
        assert!(both.is_writable() && !both.is_read_closed(), "{both:?}");
        server.shutdown(Shutdown::Write)?;
        let ready = client.ready(Interest::READABLE).await?;
        assert!(ready.is_read_closed(), "{ready:?}");
        assert!(!ready.is_writable(), "readable interest only: {ready:?}");
        // Both directions shut down: the write side reports closed too.
        client.shutdown(Shutdown::Write)?;
        let ready = runtime::time::timeout(Duration::from_secs(10), async {
            loop {
                let r = client.ready(Interest::WRITABLE).await?;
                if r.is_write_closed() {
                    return io::Result::Ok(r);
                }
                // An older writable event: forget it and wait for the next.
                let _ = client.try_io(Interest::WRITABLE, || {
                    Err::<(), _>(io::ErrorKind::WouldBlock.into())
                });
            }
        })
        .await
        .expect("write_closed was never reported")?;
        assert!(ready.is_write_closed(), "{ready:?}");
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn try_io_clears_readiness_on_would_block() {
    block_on("try_io", 2, || async {
        let (mut client, server) = pair().await?;
        client.write_all(b"a").await?;
        server.readable().await?;
        // Claims WouldBlock: the readiness is forgotten.
        assert!(would_block(server.try_io(Interest::READABLE, || {
            Err::<(), _>(io::ErrorKind::WouldBlock.into())
        })));
        // Not ready any more: try_read does not even try.
        assert!(would_block(server.try_read(&mut [0; 1])));
        // A new event makes it ready again, and both bytes are there.
        client.write_all(b"b").await?;
        server.readable().await?;
        let mut buf = [0; 2];
        let n = server.try_read(&mut buf)?;
        assert_eq!(&buf[..n], b"ab");
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn peek_leaves_the_data() {
    block_on("peek", 2, || async {
        let (mut client, mut server) = pair().await?;
        client.write_all(b"hello").await?;
        let mut buf = [0; 5];
        let mut got = 0;
        while got < 5 {
            got = server.peek(&mut buf).await?;
        }
        assert_eq!(&buf, b"hello");
        let mut storage = [0u8; 8];
        let mut rb = ReadBuf::new(&mut storage);
        let n = poll_fn(|cx| server.poll_peek(cx, &mut rb)).await?;
        assert_eq!(n, 5);
        assert_eq!(rb.filled(), b"hello");
        server.read_exact(&mut buf).await?;
        assert_eq!(&buf, b"hello");
        // Consumed now: nothing left to read.
        assert!(would_block(server.try_read(&mut buf)));
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn options_linger_ttl_nodelay() {
    block_on("options", 2, || async {
        let (client, _server) = pair().await?;
        client.set_linger(Some(Duration::from_secs(0)))?;
        assert_eq!(client.linger()?, Some(Duration::from_secs(0)));
        client.set_linger(None)?;
        assert_eq!(client.linger()?, None);
        client.set_ttl(42)?;
        assert_eq!(client.ttl()?, 42);
        client.set_nodelay(true)?;
        assert!(client.nodelay()?);
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn linger_zero_resets_on_close() {
    block_on("linger_zero", 2, || async {
        let (client, mut server) = pair().await?;
        client.set_linger(Some(Duration::ZERO))?;
        drop(client);
        let mut buf = [0; 1];
        let err = server.read(&mut buf).await.expect_err("expected a reset");
        assert_eq!(err.kind(), io::ErrorKind::ConnectionReset, "{err}");
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn raw_fd_into_std_from_std() {
    use std::io::{Read, Write};
    use std::os::fd::{AsFd, AsRawFd};
    block_on("into_std", 2, || async {
        let (client, server) = pair().await?;
        let fd = client.as_raw_fd();
        assert_eq!(client.as_fd().as_raw_fd(), fd);
        let mut std_client = client.into_std()?;
        assert_eq!(std_client.as_raw_fd(), fd, "the same socket is handed back");
        std_client.set_nonblocking(false)?;
        std_client.write_all(b"std")?;
        let mut buf = [0; 3];
        let mut server = server;
        server.read_exact(&mut buf).await?;
        assert_eq!(&buf, b"std");
        // And back into the runtime.
        let std_server = server.into_std()?;
        let mut server = TcpStream::from_std(std_server)?;
        server.write_all(b"ok").await?;
        std_client.set_read_timeout(Some(Duration::from_secs(10)))?;
        let mut back = [0; 2];
        std_client.read_exact(&mut back)?;
        assert_eq!(&back, b"ok");
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let lfd = listener.as_raw_fd();
        let std_listener = listener.into_std()?;
        assert_eq!(std_listener.as_raw_fd(), lfd);
        let listener = TcpListener::from_std(std_listener)?;
        assert!(listener.local_addr()?.port() != 0);
        listener.set_ttl(33)?;
        assert_eq!(listener.ttl()?, 33);
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn poll_accept_accepts() {
    block_on("poll_accept", 2, || async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let mut pending_first = None;
        let accept = poll_fn(|cx| {
            let r = listener.poll_accept(cx);
            pending_first.get_or_insert(r.is_pending());
            r
        });
        let (accepted, client) = futures::join!(accept, TcpStream::connect(addr));
        let (server, peer) = accepted?;
        assert_eq!(pending_first, Some(true));
        assert_eq!(peer, client?.local_addr()?);
        drop(server);
        // Nothing pending: poll_accept is Pending.
        let pending = poll_fn(|cx| Poll::Ready(listener.poll_accept(cx).is_pending())).await;
        assert!(pending);
        io::Result::Ok(())
    })
    .unwrap();
}

//! `UnixStream` / `UnixListener`: readiness, `try_*`, owned halves
//! (`reunite`, shutdown when the write half is dropped), abstract names,
//! raw access. Under the watchdog.
#![cfg(unix)]

mod support;

use futures::io::{AsyncReadExt, AsyncWriteExt};
use runtime::io::Interest;
use runtime::net::unix::ReuniteError;
use runtime::net::{UnixListener, UnixStream};
use std::io;
use std::path::PathBuf;
use support::block_on;

fn temp_path(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("runtime-unix-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    path
}

#[test]
fn try_read_write_and_ready() {
    block_on("unix_try_rw", 2, || async {
        let (a, b) = UnixStream::pair()?;
        let err = b.try_read(&mut [0; 4]).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
        let ready = a.ready(Interest::WRITABLE).await?;
        assert!(ready.is_writable());
        assert_eq!(a.try_write(b"abc")?, 3);
        assert_eq!(
            a.try_write_vectored(&[io::IoSlice::new(b"d"), io::IoSlice::new(b"ef")])?,
            3
        );
        let mut buf = [0; 6];
        let mut got = 0;
        while got < 6 {
            b.readable().await?;
            let (x, y) = buf[got..].split_at_mut(1);
            match b.try_read_vectored(&mut [io::IoSliceMut::new(x), io::IoSliceMut::new(y)]) {
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e),
            }
        }
        assert_eq!(&buf, b"abcdef");
        // Drained: WouldBlock, which also forgets the stale readiness.
        let err = b.try_read(&mut buf).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
        drop(a);
        let ready = b.ready(Interest::READABLE).await?;
        assert!(ready.is_read_closed(), "{ready:?}");
        assert_eq!(b.try_read(&mut buf)?, 0);
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn poll_ready_calls() {
    block_on("unix_poll_ready", 2, || async {
        let (a, b) = UnixStream::pair()?;
        std::future::poll_fn(|cx| a.poll_write_ready(cx)).await?;
        let pending =
            std::future::poll_fn(|cx| std::task::Poll::Ready(b.poll_read_ready(cx).is_pending()))
                .await;
        assert!(pending);
        a.try_write(b"x")?;
        std::future::poll_fn(|cx| b.poll_read_ready(cx)).await?;
        assert_eq!(b.try_read(&mut [0; 1])?, 1);
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn owned_halves_reunite_and_shutdown_on_drop() {
    block_on("unix_halves", 2, || async {
        let (a, mut b) = UnixStream::pair()?;
        let (rd, wr) = a.into_split();
        let a = rd.reunite(wr).expect("halves of one stream");
        let (mut rd, mut wr) = a.into_split();
        let (other, _peer) = UnixStream::pair()?;
        let (o_rd, o_wr) = other.into_split();
        let ReuniteError(o_rd, wr2) = o_rd.reunite(wr).expect_err("different streams");
        assert!(o_rd.reunite(o_wr).is_ok());
        wr = wr2;
        wr.write_all(b"request").await?;
        drop(wr); // shuts down the write direction
        let mut got = Vec::new();
        b.read_to_end(&mut got).await?;
        assert_eq!(got, b"request");
        b.write_all(b"response").await?;
        b.close().await?;
        let mut back = Vec::new();
        rd.read_to_end(&mut back).await?;
        assert_eq!(back, b"response");
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn borrowed_halves() {
    block_on("unix_split", 2, || async {
        let (mut a, mut b) = UnixStream::pair()?;
        let (mut rd, mut wr) = UnixStream::split(&mut a);
        let (w, r) = futures::join!(
            async {
                wr.write_all(b"ping").await?;
                wr.close().await
            },
            async {
                let mut buf = [0; 4];
                b.read_exact(&mut buf).await?;
                b.write_all(&buf).await?;
                io::Result::Ok(())
            }
        );
        w?;
        r?;
        let mut buf = [0; 4];
        rd.read_exact(&mut buf).await?;
        assert_eq!(&buf, b"ping");
        io::Result::Ok(())
    })
    .unwrap();
}

#[cfg(target_os = "linux")]
#[test]
fn abstract_names_bind_and_connect() {
    block_on("unix_abstract", 2, || async {
        use std::os::linux::net::SocketAddrExt;
        let name = format!("\0runtime-test-{}-stream", std::process::id());
        let listener = UnixListener::bind(&name)?;
        let addr = listener.local_addr()?;
        assert_eq!(
            addr.as_abstract_name(),
            Some(&name.as_bytes()[1..]),
            "{addr:?}"
        );
        assert!(addr.as_pathname().is_none(), "no file was created");
        // The name is taken.
        let err = UnixListener::bind(&name).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AddrInUse, "{err}");
        let mut client = UnixStream::connect(&name).await?;
        let (mut server, _) = listener.accept().await?;
        client.write_all(b"abstract").await?;
        let mut buf = [0; 8];
        server.read_exact(&mut buf).await?;
        assert_eq!(&buf, b"abstract");
        assert_eq!(
            server.local_addr()?.as_abstract_name(),
            Some(&name.as_bytes()[1..])
        );
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn poll_accept_into_std_and_raw_fd() {
    use std::io::Read;
    use std::os::fd::{AsFd, AsRawFd};
    let path = temp_path("poll_accept.sock");
    block_on("unix_poll_accept", 2, move || async move {
        let listener = UnixListener::bind(&path)?;
        let (accepted, client) = futures::join!(
            std::future::poll_fn(|cx| listener.poll_accept(cx)),
            UnixStream::connect(&path)
        );
        let (mut server, _) = accepted?;
        let client = client?;
        let fd = client.as_raw_fd();
        assert_eq!(client.as_fd().as_raw_fd(), fd);
        let mut std_client = client.into_std()?;
        assert_eq!(std_client.as_raw_fd(), fd);
        server.write_all(b"to std").await?;
        std_client.set_nonblocking(false)?;
        std_client.set_read_timeout(Some(std::time::Duration::from_secs(10)))?;
        let mut buf = [0; 6];
        std_client.read_exact(&mut buf)?;
        assert_eq!(&buf, b"to std");
        let client = UnixStream::from_std(std_client)?;
        assert!(client.peer_addr().is_ok());
        let lfd = listener.as_raw_fd();
        let std_listener = listener.into_std()?;
        assert_eq!(std_listener.as_raw_fd(), lfd);
        let listener = UnixListener::from_std(std_listener)?;
        assert_eq!(listener.local_addr()?.as_pathname(), Some(path.as_path()));
        std::fs::remove_file(&path)?;
        io::Result::Ok(())
    })
    .unwrap();
}

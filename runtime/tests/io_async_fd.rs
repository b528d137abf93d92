//! `runtime::io::unix::AsyncFd` on socket pairs: waiting, `try_io`,
//! `clear_ready` / `retain_ready`, interests, `into_inner`. Under the
//! watchdog.
#![cfg(unix)]
// Dropping a guard (which has no `Drop`) is part of what is tested: it
// ends the borrow and keeps the readiness, as in Tokio.
#![allow(clippy::drop_non_drop)]

mod support;

use runtime::io::unix::AsyncFd;
use runtime::io::{Interest, Ready};
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, AsRawFd};
use std::os::unix::net::UnixStream;
use std::time::Duration;
use support::block_on;

fn nonblocking_pair() -> (UnixStream, UnixStream) {
    let (a, b) = UnixStream::pair().unwrap();
    a.set_nonblocking(true).unwrap();
    b.set_nonblocking(true).unwrap();
    (a, b)
}

/// Whether `fut` is still pending after a short bounded wait.
async fn stays_pending<F: std::future::Future>(fut: F) -> bool {
    runtime::time::timeout(Duration::from_millis(50), fut)
        .await
        .is_err()
}

#[test]
fn readable_then_try_io_reads() {
    block_on("async_fd_read", 2, || async {
        let (a, mut b) = nonblocking_pair();
        let fd = AsyncFd::new(a)?;
        assert!(stays_pending(fd.readable()).await, "readable with no data");
        b.write_all(b"data")?;
        let mut buf = [0; 8];
        let n = loop {
            let mut guard = fd.readable().await?;
            assert!(guard.ready().is_readable());
            match guard.try_io(|inner| inner.get_ref().read(&mut buf)) {
                Ok(r) => break r?,
                Err(_would_block) => continue,
            }
        };
        assert_eq!(&buf[..n], b"data");
        // Drained: the next read returns WouldBlock, try_io clears the
        // readiness, and readable waits again.
        let mut guard = fd.readable().await?;
        assert!(guard
            .try_io(|inner| inner.get_ref().read(&mut buf))
            .is_err());
        assert!(guard.ready().is_empty(), "cleared");
        drop(guard);
        assert!(
            stays_pending(fd.readable()).await,
            "readable after WouldBlock"
        );
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn retain_ready_and_clear_ready() {
    block_on("async_fd_retain", 2, || async {
        let (a, mut b) = nonblocking_pair();
        let fd = AsyncFd::new(a)?;
        b.write_all(b"x")?;
        // Retained (or dropped): the next wait returns at once.
        fd.readable().await?.retain_ready();
        drop(fd.readable().await?);
        let guard = runtime::time::timeout(Duration::from_secs(10), fd.readable()).await;
        drop(guard.expect("retained readiness was lost")?);
        // Cleared: the next wait waits for a new event, even though data
        // is still there (edge-triggered: that is what clearing means).
        fd.readable().await?.clear_ready();
        assert!(stays_pending(fd.readable()).await);
        b.write_all(b"y")?;
        let mut guard = fd.readable().await?;
        let mut buf = [0; 2];
        let n = guard
            .try_io(|inner| inner.get_ref().read(&mut buf))
            .expect("readable")?;
        assert_eq!(&buf[..n], b"xy");
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn ready_with_both_interests_and_clear_ready_matching() {
    block_on("async_fd_ready", 2, || async {
        let (a, mut b) = nonblocking_pair();
        let fd = AsyncFd::new(a)?;
        let guard = fd.ready(Interest::READABLE | Interest::WRITABLE).await?;
        assert!(guard.ready().is_writable());
        drop(guard);
        b.write_all(b"z")?;
        let mut guard = fd.ready(Interest::READABLE | Interest::WRITABLE).await?;
        // A writable event may have come first: wait for the readable one.
        while !guard.ready().is_readable() {
            guard.clear_ready_matching(Ready::WRITABLE);
            drop(guard);
            guard = fd.ready(Interest::READABLE | Interest::WRITABLE).await?;
        }
        guard.clear_ready_matching(Ready::READABLE);
        assert!(!guard.ready().is_readable());
        drop(guard);
        // Writable is kept; readable was cleared.
        fd.writable().await?;
        assert!(stays_pending(fd.readable()).await);
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn writable_interest_only_and_mut_guard() {
    block_on("async_fd_writable", 2, || async {
        let (a, mut b) = nonblocking_pair();
        let mut fd = AsyncFd::with_interest(a, Interest::WRITABLE)?;
        b.write_all(b"ignored")?;
        // Registered for writes only: a readable event never wakes it.
        assert!(stays_pending(fd.readable()).await);
        let mut guard = fd.writable_mut().await?;
        let n = guard
            .try_io(|inner| inner.get_mut().write(b"hey"))
            .expect("writable")?;
        assert_eq!(n, 3);
        guard.get_inner_mut().flush()?;
        let mut buf = [0; 3];
        b.set_nonblocking(false)?;
        b.set_read_timeout(Some(Duration::from_secs(10)))?;
        b.read_exact(&mut buf)?;
        assert_eq!(&buf, b"hey");
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn try_io_and_async_io_on_the_fd() {
    block_on("async_fd_async_io", 2, || async {
        let (a, mut b) = nonblocking_pair();
        let fd = AsyncFd::new(a)?;
        let err = fd
            .try_io(Interest::READABLE, |s| (&*s).read(&mut [0; 1]))
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
        let writer = std::thread::spawn(move || {
            b.write_all(b"later").unwrap();
            b
        });
        let mut buf = [0; 5];
        let mut got = 0;
        while got < 5 {
            got += fd
                .async_io(Interest::READABLE, |s| (&*s).read(&mut buf[got..]))
                .await?;
        }
        assert_eq!(&buf, b"later");
        drop(writer.join().unwrap());
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn into_inner_keeps_the_descriptor_open() {
    block_on("async_fd_into_inner", 2, || async {
        let (a, mut b) = nonblocking_pair();
        let raw = a.as_raw_fd();
        let fd = AsyncFd::new(a)?;
        assert_eq!(fd.as_raw_fd(), raw);
        assert_eq!(fd.as_fd().as_raw_fd(), raw);
        assert_eq!(fd.get_ref().as_raw_fd(), raw);
        let a = fd.into_inner();
        assert_eq!(a.as_raw_fd(), raw);
        (&a).write_all(b"open")?;
        let mut buf = [0; 4];
        b.set_nonblocking(false)?;
        b.set_read_timeout(Some(Duration::from_secs(10)))?;
        b.read_exact(&mut buf)?;
        assert_eq!(&buf, b"open");
        // Registered again after into_inner: works as new.
        let fd = AsyncFd::new(a)?;
        b.write_all(b"!")?;
        let mut guard = fd.readable().await?;
        let n = guard
            .try_io(|inner| inner.get_ref().read(&mut buf))
            .expect("readable")?;
        assert_eq!(&buf[..n], b"!");
        drop(guard);
        // Dropping the AsyncFd closes the descriptor: the peer sees EOF.
        drop(fd);
        assert_eq!(b.read(&mut buf)?, 0);
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn a_regular_file_is_refused() {
    block_on("async_fd_file", 1, || async {
        let file = std::fs::File::open("/proc/self/status")
            .or_else(|_| std::fs::File::open("Cargo.toml"))?;
        assert!(AsyncFd::new(file).is_err(), "epoll accepted a regular file");
        io::Result::Ok(())
    })
    .unwrap();
}

//! 1,000 concurrent connections, each exchanging 10 messages with one echo
//! server, on 127.0.0.1. Needs about 2,000 file descriptors: the test
//! raises its own soft `RLIMIT_NOFILE` up to the hard limit if needed
//! (nothing system-wide), and is skipped with a message if even the hard
//! limit is too low.

mod support;

use futures::io::{AsyncReadExt, AsyncWriteExt};
use runtime::net::{TcpListener, TcpStream};
use std::io;
use std::time::{Duration, Instant};
use support::block_on;

const CONNECTIONS: usize = 1000;
const MESSAGES: usize = 10;
/// Descriptors needed: both ends of every connection, plus slack for the
/// runtime, the test harness and stdio.
const FDS_NEEDED: u64 = 2 * CONNECTIONS as u64 + 256;

/// Makes sure this process may open `FDS_NEEDED` descriptors. Returns
/// false if it cannot.
#[cfg(unix)]
fn ensure_fd_limit() -> bool {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `getrlimit` writes a `rlimit` through a valid pointer.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 {
        return false;
    }
    if lim.rlim_cur >= FDS_NEEDED {
        return true;
    }
    if lim.rlim_max < FDS_NEEDED {
        return false;
    }
    lim.rlim_cur = lim.rlim_max;
    // SAFETY: `setrlimit` reads a valid `rlimit`; raising the soft limit
    // up to the hard one needs no privilege and affects this process only.
    unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) == 0 }
}

#[cfg(not(unix))]
fn ensure_fd_limit() -> bool {
    true
}

#[test]
fn thousand_concurrent_connections_echo() {
    if !ensure_fd_limit() {
        eprintln!(
            "SKIPPED thousand_concurrent_connections_echo: this process may not open \
             {FDS_NEEDED} file descriptors (RLIMIT_NOFILE hard limit too low)"
        );
        return;
    }
    let took = block_on("thousand_connections", 2, || async {
        let start = Instant::now();
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let server = runtime::spawn(async move {
            let mut handlers = Vec::with_capacity(CONNECTIONS);
            for _ in 0..CONNECTIONS {
                let (mut stream, _) = listener.accept().await?;
                handlers.push(runtime::spawn(async move {
                    let mut buf = [0; 64];
                    for _ in 0..MESSAGES {
                        stream.read_exact(&mut buf).await?;
                        stream.write_all(&buf).await?;
                    }
                    io::Result::Ok(())
                }));
            }
            for h in handlers {
                h.await.unwrap()?;
            }
            io::Result::Ok(())
        });
        let clients: Vec<_> = (0..CONNECTIONS)
            .map(|c| {
                runtime::spawn(async move {
                    let mut stream = TcpStream::connect(addr).await?;
                    for m in 0..MESSAGES {
                        let msg = [(c + m) as u8; 64];
                        stream.write_all(&msg).await?;
                        let mut back = [0; 64];
                        stream.read_exact(&mut back).await?;
                        assert_eq!(back, msg, "connection {c} message {m}");
                    }
                    io::Result::Ok(())
                })
            })
            .collect();
        for c in clients {
            c.await.unwrap()?;
        }
        server.await.unwrap()?;
        io::Result::Ok(start.elapsed())
    })
    .unwrap();
    assert!(
        took < Duration::from_secs(10),
        "1,000 connections x 10 messages took {took:?}"
    );
}

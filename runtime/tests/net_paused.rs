//! Sockets on a runtime with a paused clock: the clock only jumps to the
//! next timer when the runtime is idle *and* no socket has an event
//! waiting, so a timeout around loopback I/O does not fire while the
//! answer is already there.

mod support;

use futures::io::{AsyncReadExt, AsyncWriteExt};
use runtime::net::{TcpListener, TcpStream};
use runtime::time::{self, Duration};
use std::io;
use support::watchdog;

#[test]
fn paused_clock_does_not_jump_over_ready_io() {
    for workers in [1, 2] {
        watchdog("paused_io", move || {
            let rt = runtime::Builder::new()
                .worker_threads(workers)
                .start_paused(true)
                .build()
                .unwrap();
            rt.block_on(async {
                let listener = TcpListener::bind("127.0.0.1:0").await?;
                let addr = listener.local_addr()?;
                runtime::spawn(async move {
                    let (mut s, _) = listener.accept().await?;
                    let mut buf = [0; 4];
                    loop {
                        s.read_exact(&mut buf).await?;
                        s.write_all(&buf).await?;
                    }
                    #[allow(unreachable_code)]
                    io::Result::Ok(())
                });
                let mut client = TcpStream::connect(addr).await?;
                let start = time::now();
                for i in 0..200u32 {
                    client.write_all(&i.to_le_bytes()).await?;
                    let mut back = [0; 4];
                    time::timeout(Duration::from_secs(3600), client.read_exact(&mut back))
                        .await
                        .unwrap_or_else(|_| panic!("round {i}: the paused clock jumped an hour"))?;
                    assert_eq!(u32::from_le_bytes(back), i);
                }
                // Nothing was waiting for the clock: it never moved.
                assert_eq!(time::now(), start);
                io::Result::Ok(())
            })
            .unwrap();
        });
    }
}

//! Local tasks: state shared as `Rc<RefCell<..>>` between tasks on one
//! thread, with timers and sockets.
//!
//! A current-thread runtime (`flavor = "current_thread"`, asyncio's event
//! loop) runs everything on the main thread, so tasks may share plain
//! `Rc<RefCell<..>>` state (no `Arc`, no `Mutex`) when spawned with
//! `runtime::task::spawn_local`. The program starts a TCP server that
//! answers each line in upper case and counts what it served in the shared
//! state, a ticker task that counts timer ticks in the same state, and three
//! clients; then it cancels the server and the ticker and prints the
//! totals.
//!
//! Run it with:
//!
//! ```text
//! cargo run -p examples --example local
//! ```

use futures::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use runtime::net::{TcpListener, TcpStream};
use runtime::task::spawn_local;
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

/// What the tasks share: not `Send`, and it need not be.
#[derive(Default, Debug)]
struct Stats {
    connections: usize,
    lines: usize,
    ticks: usize,
}

#[runtime::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let stats = Rc::new(RefCell::new(Stats::default()));
    let main_thread = std::thread::current().id();

    // A ticker: a timer-driven task writing to the shared state.
    let ticker = spawn_local({
        let stats = stats.clone();
        async move {
            let mut interval = runtime::time::interval(Duration::from_millis(10));
            loop {
                interval.tick().await;
                stats.borrow_mut().ticks += 1;
            }
        }
    });

    // The server: one local task per connection, all on this thread.
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = spawn_local({
        let stats = stats.clone();
        async move {
            loop {
                let (stream, _) = listener.accept().await.expect("accept");
                stats.borrow_mut().connections += 1;
                let stats = stats.clone();
                spawn_local(async move {
                    assert_eq!(std::thread::current().id(), main_thread);
                    let (read, mut write) = stream.into_split();
                    let mut lines = BufReader::new(read).lines();
                    while let Some(Ok(line)) = futures::StreamExt::next(&mut lines).await {
                        stats.borrow_mut().lines += 1;
                        let reply = format!("{}\n", line.to_uppercase());
                        if write.write_all(reply.as_bytes()).await.is_err() {
                            break;
                        }
                    }
                });
            }
        }
    });

    // Three clients, each a local task too.
    let clients: Vec<_> = (1..=3)
        .map(|n| {
            spawn_local(async move {
                let mut stream = TcpStream::connect(addr).await?;
                stream.write_all(format!("hello {n}\n").as_bytes()).await?;
                let mut reply = vec![0u8; format!("HELLO {n}\n").len()];
                stream.read_exact(&mut reply).await?;
                Ok::<_, std::io::Error>(String::from_utf8_lossy(&reply).trim().to_string())
            })
        })
        .collect();
    for client in clients {
        println!("client got: {}", client.await.expect("client task")?);
    }

    // Let the ticker tick a few times, then stop the background tasks.
    while stats.borrow().ticks < 3 {
        runtime::time::sleep(Duration::from_millis(5)).await;
    }
    ticker.cancel();
    server.cancel();
    assert!(ticker.await.unwrap_err().is_cancelled());
    assert!(server.await.unwrap_err().is_cancelled());

    let stats = stats.borrow();
    println!(
        "served {} connections, {} lines; {} ticks",
        stats.connections, stats.lines, stats.ticks
    );
    Ok(())
}

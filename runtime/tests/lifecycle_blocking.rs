//! Blocking closures, foreign executors and the cooperative budget (issue
//! 11, items 5, 6 and 14).
//!
//! Each test failed (spun forever, or answered for the wrong task) before
//! the fix it covers.

mod support;

use runtime::task::{self, JoinSet};
use std::time::Duration;

/// Item 5: runtime futures driven by another executor inside
/// `spawn_blocking` make progress however many operations they complete:
/// the cooperative budget belongs to a task's own polls, and nothing would
/// refill it inside the closure.
#[test]
fn a_foreign_executor_in_spawn_blocking_is_not_budgeted() {
    support::block_on("foreign_executor_in_blocking", 2, || async {
        let out = runtime::spawn_blocking(|| {
            futures::executor::block_on(async {
                let mut sum = 0u64;
                // Far more than one budget (128) of JoinHandle polls.
                for i in 0..600u64 {
                    sum += runtime::spawn(async move { i }).await.unwrap();
                }
                // And of timer polls.
                for _ in 0..300 {
                    runtime::time::sleep(Duration::ZERO).await;
                }
                runtime::time::sleep(Duration::from_millis(5)).await;
                sum
            })
        })
        .await
        .unwrap();
        assert_eq!(out, (0..600).sum::<u64>());
    });
}

/// Item 5: socket I/O too.
#[test]
fn socket_io_in_a_foreign_executor_inside_spawn_blocking_completes() {
    support::block_on("foreign_executor_socket_io", 2, || async {
        use futures::{AsyncReadExt, AsyncWriteExt};
        let listener = runtime::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let server = runtime::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 1];
            for _ in 0..400 {
                stream.read_exact(&mut buf).await.unwrap();
                stream.write_all(&buf).await.unwrap();
            }
        });
        let echoed = runtime::spawn_blocking(move || {
            futures::executor::block_on(async move {
                let mut stream = runtime::net::TcpStream::connect(addr).await.unwrap();
                let mut buf = [0u8; 1];
                for i in 0..400u32 {
                    stream.write_all(&[i as u8]).await.unwrap();
                    stream.read_exact(&mut buf).await.unwrap();
                    assert_eq!(buf[0], i as u8);
                }
                400
            })
        })
        .await
        .unwrap();
        assert_eq!(echoed, 400);
        server.await.unwrap();
    });
}

/// Item 6: `try_join_next` returns every finished task in one poll,
/// however much of the budget the task has spent.
#[test]
fn try_join_next_reaps_every_finished_task_in_one_poll() {
    support::block_on("try_join_next_reaps_all", 2, || async {
        const N: usize = 500;
        let reaped = runtime::spawn(async {
            let handles: Vec<_> = (0..N).map(|i| runtime::spawn(async move { i })).collect();
            // Wait (yielding) until every task has finished.
            while !handles.iter().all(|h| h.is_finished()) {
                task::yield_now().await;
            }
            let mut set = JoinSet::new();
            for handle in handles {
                set.insert(handle);
            }
            // One poll: no await between the calls.
            let mut sum = 0;
            let mut count = 0;
            while let Some(result) = set.try_join_next() {
                sum += result.unwrap();
                count += 1;
            }
            (count, sum, set.len())
        })
        .await
        .unwrap();
        assert_eq!(reaped, (N, (0..N).sum(), 0));
    });
}

/// Item 14: `block_on` nested in a cancelled blocking closure is outside
/// any task: `is_cancelled` and `try_id` describe it, not the closure.
#[test]
fn block_on_inside_a_cancelled_blocking_closure_is_outside_any_task() {
    support::block_on("block_on_in_cancelled_blocking", 2, || async {
        let handle = runtime::Handle::current();
        let (started_tx, started_rx) = std::sync::mpsc::channel::<()>();
        let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
        let closure = runtime::spawn_blocking(move || {
            started_tx.send(()).unwrap();
            go_rx.recv().unwrap();
            let in_closure = (task::is_cancelled(), task::try_id().is_some());
            let in_block_on = handle.block_on(async {
                (
                    task::is_cancelled(),
                    task::try_id(),
                    runtime::spawn(async { task::is_cancelled() })
                        .await
                        .unwrap(),
                )
            });
            (in_closure, in_block_on)
        });
        // Wait for the closure to start, cancel it, then let it go on.
        runtime::spawn_blocking(move || started_rx.recv().unwrap())
            .await
            .unwrap();
        closure.cancel();
        go_tx.send(()).unwrap();
        // A running closure is not interrupted: it finishes with its value.
        let (in_closure, in_block_on) = closure.await.expect("the closure's value");
        assert_eq!(
            in_closure,
            (true, true),
            "the closure itself is a cancelled task"
        );
        assert_eq!(
            in_block_on,
            (false, None, false),
            "block_on is outside any task"
        );
    });
}

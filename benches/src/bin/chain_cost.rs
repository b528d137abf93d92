//! What one iteration of the `chained_spawn` bench is made of: a fixed
//! cost per iteration (the `block_on` thread hands the first task to a
//! worker, and the last task hands the result back: two cross-thread
//! wake-ups) and a cost per task in the chain.
//!
//! ```text
//! cargo run --release -p benches --bin chain_cost             # 7 rounds
//! cargo run --release -p benches --bin chain_cost -- --rounds 11
//! ```
//!
//! Each round times chains of 1, 1,000 (the bench's length) and 10,000
//! tasks on this runtime, Tokio and async-executor (`BENCH_WORKERS`
//! workers, default 2), the runtimes taking turns within the round, and a
//! plain thread round trip (a message to a thread blocked on a
//! `std::sync::mpsc` channel and its reply) for scale. The tool prints the
//! median over the rounds of each figure: the time per iteration at each
//! length, the fixed cost (an iteration with a chain of one task), and the
//! cost per task (the difference between the 10,000 and the 1,000 chains,
//! per task). Every iteration checks that the chain ran to its end.

use benches::{this_runtime, tokio_runtime, workers, AsyncExecutor};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The chain lengths timed: one task, the bench's 1,000, and 10,000.
const LENGTHS: [usize; 3] = [1, 1_000, 10_000];

/// About how long each length is timed per round.
const CELL: Duration = Duration::from_millis(60);

fn rt_chain(done: mpsc::SyncSender<usize>, n: usize, left: usize) {
    if left == 0 {
        done.send(n).unwrap();
    } else {
        runtime::spawn(async move { rt_chain(done, n, left - 1) });
    }
}

fn tokio_chain(done: mpsc::SyncSender<usize>, n: usize, left: usize) {
    if left == 0 {
        done.send(n).unwrap();
    } else {
        tokio::spawn(async move { tokio_chain(done, n, left - 1) });
    }
}

fn ae_chain(
    ex: std::sync::Arc<async_executor::Executor<'static>>,
    done: mpsc::SyncSender<usize>,
    n: usize,
    left: usize,
) {
    if left == 0 {
        done.send(n).unwrap();
    } else {
        let next = ex.clone();
        ex.spawn(async move { ae_chain(next, done, n, left - 1) })
            .detach();
    }
}

/// Runs `iteration` (which runs one chain of `len` tasks and returns the
/// length it saw completed) for about [`CELL`]; the time per iteration.
fn time_cell(len: usize, mut iteration: impl FnMut(usize) -> usize) -> Duration {
    let iterations = (CELL.as_nanos() / (len as u128 * 100 + 30_000)).max(20) as u32;
    let start = Instant::now();
    for _ in 0..iterations {
        assert_eq!(iteration(len), len, "a chain ended early");
    }
    start.elapsed() / iterations
}

/// The median of `v` (sorted in place).
fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let mut rounds = 7;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--rounds" => {
                rounds = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .filter(|&n| n > 0)
                    .expect("--rounds takes a positive number")
            }
            other => panic!("unknown argument {other:?} (expected --rounds N)"),
        }
    }

    let rt = this_runtime();
    let tokio_rt = tokio_runtime();
    let ae = AsyncExecutor::new();
    let (done_tx, done_rx) = mpsc::sync_channel(1);
    let names = ["runtime", "tokio", "async_executor"];
    // times[runtime][length] over the rounds.
    let mut times = vec![vec![Vec::new(); LENGTHS.len()]; names.len()];
    let mut round_trips = Vec::new();

    // A thread blocked on a channel, answering each message.
    let (ping_tx, ping_rx) = mpsc::sync_channel::<()>(1);
    let (pong_tx, pong_rx) = mpsc::sync_channel::<()>(1);
    let echo = std::thread::spawn(move || {
        while ping_rx.recv().is_ok() {
            pong_tx.send(()).unwrap();
        }
    });

    for _ in 0..rounds {
        for (l, &len) in LENGTHS.iter().enumerate() {
            times[0][l].push(time_cell(len, |len| {
                let done = done_tx.clone();
                rt.block_on(async move {
                    runtime::spawn(async move { rt_chain(done, len, len) });
                });
                done_rx.recv().unwrap()
            }));
            times[1][l].push(time_cell(len, |len| {
                let done = done_tx.clone();
                tokio_rt.block_on(async move {
                    tokio::spawn(async move { tokio_chain(done, len, len) });
                });
                done_rx.recv().unwrap()
            }));
            times[2][l].push(time_cell(len, |len| {
                let done = done_tx.clone();
                let ex = ae.executor().clone();
                ae.executor()
                    .spawn(async move { ae_chain(ex, done, len, len) })
                    .detach();
                done_rx.recv().unwrap()
            }));
        }
        round_trips.push(time_cell(1, |len| {
            ping_tx.send(()).unwrap();
            pong_rx.recv().unwrap();
            len
        }));
    }
    drop(ping_tx);
    echo.join().unwrap();

    println!(
        "chained_spawn, {} workers, median of {rounds} rounds (per iteration; per task for the last column)",
        workers()
    );
    println!(
        "{:<16} {:>12} {:>12} {:>12} {:>14} {:>14}",
        "runtime", "1 task", "1,000", "10,000", "1,000 ÷ 1,000", "per task"
    );
    for (r, name) in names.iter().enumerate() {
        let t: Vec<Duration> = times[r].iter_mut().map(|v| median(v)).collect();
        let per_task = t[2].saturating_sub(t[1]) / (LENGTHS[2] - LENGTHS[1]) as u32;
        println!(
            "{name:<16} {:>12.1?} {:>12.1?} {:>12.1?} {:>14.1?} {:>14.1?}",
            t[0],
            t[1],
            t[2],
            t[1] / LENGTHS[1] as u32,
            per_task
        );
    }
    println!(
        "thread round trip over std::sync::mpsc (two wake-ups): {:.1?}",
        median(&mut round_trips)
    );
}

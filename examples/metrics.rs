//! Metrics, slow-poll reports and a task dump, on a mixed workload.
//!
//! Starts a runtime with task tracking (`Builder::enable_task_dump`) and a
//! slow-poll threshold of 20 ms, and runs a mix of work on it: message
//! passing between a producer and consumers, tasks ticking on timers,
//! short CPU bursts that yield, `spawn_blocking` jobs, a task that blocks
//! its worker now and then (a slow poll, reported through the `log`
//! facade, printed here by a minimal logger on stderr), and two tasks stuck
//! forever on a channel nobody sends to.
//!
//! Every second it prints `Handle::metrics()` as a table, with the polls of
//! the last second; after four seconds it prints `Handle::dump()`. In the
//! dump, the stuck tasks show as `idle` with a last poll seconds ago and
//! the line that spawned them: that is how a stuck task is found.
//!
//! Run it with:
//!
//! ```text
//! cargo run -p examples --example metrics
//! ```

use futures::channel::mpsc;
use futures::{SinkExt, StreamExt};
use runtime::task;
use runtime::time::{interval, sleep};
use std::time::{Duration, Instant};

/// Prints `log` records on stderr (any logger would do: `env_logger`, ...).
struct StderrLogger;

impl log::Log for StderrLogger {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::Level::Warn
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            eprintln!("[{} {}] {}", record.level(), record.target(), record.args());
        }
    }

    fn flush(&self) {}
}

static LOGGER: StderrLogger = StderrLogger;

const SECONDS: u64 = 4;

fn main() {
    log::set_logger(&LOGGER).expect("the only logger");
    log::set_max_level(log::LevelFilter::Warn);

    let rt = runtime::Builder::new()
        .worker_threads(2)
        .enable_task_dump(true)
        .slow_poll_threshold(Duration::from_millis(20))
        .build()
        .expect("failed to start the runtime");
    let handle = rt.handle().clone();
    let started = Instant::now();

    rt.block_on(async move {
        // Message passing: one producer, four consumers with a channel each.
        let mut senders = Vec::new();
        for n in 0..4 {
            let (tx, mut rx) = mpsc::channel::<u64>(64);
            senders.push(tx);
            task::Builder::new()
                .name(format!("consumer-{n}"))
                .spawn(async move {
                    while let Some(v) = rx.next().await {
                        std::hint::black_box(v);
                    }
                });
        }
        task::Builder::new().name("producer").spawn(async move {
            let mut tick = interval(Duration::from_millis(1));
            for v in 0u64.. {
                tick.tick().await;
                for k in 0..40 {
                    let to = &mut senders[(k % 4) as usize];
                    if to.send(v * 40 + k).await.is_err() {
                        return;
                    }
                }
            }
        });

        // Timers: tasks that wake up on their own schedule.
        for n in 0..20u64 {
            runtime::spawn(async move {
                loop {
                    sleep(Duration::from_millis(10 + n)).await;
                }
            });
        }

        // CPU bursts that yield, spawned in waves.
        task::Builder::new().name("burst-spawner").spawn(async {
            loop {
                let wave: Vec<_> = (0..20)
                    .map(|i| {
                        runtime::spawn(async move {
                            let mut x = i as u64;
                            for _ in 0..10 {
                                for _ in 0..1_000 {
                                    x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
                                }
                                task::yield_now().await;
                            }
                            x
                        })
                    })
                    .collect();
                for t in wave {
                    let _ = t.await;
                }
                sleep(Duration::from_millis(50)).await;
            }
        });

        // Blocking jobs, where they belong: on the blocking pool.
        runtime::spawn(async {
            loop {
                runtime::spawn_blocking(|| std::thread::sleep(Duration::from_millis(30)))
                    .await
                    .unwrap();
                sleep(Duration::from_millis(100)).await;
            }
        });

        // The bug slow-poll detection is for: blocking inside a task.
        task::Builder::new().name("blocks-the-worker").spawn(async {
            loop {
                sleep(Duration::from_millis(1500)).await;
                std::thread::sleep(Duration::from_millis(40)); // don't do this
            }
        });

        // Two tasks stuck for good: nobody ever sends on these channels.
        let (_never_tx, never_rx) = futures::channel::oneshot::channel::<()>();
        task::Builder::new()
            .name("waits-forever")
            .spawn(async move {
                let _ = never_rx.await;
            });
        let (_never_tx2, never_rx2) = futures::channel::oneshot::channel::<()>();
        runtime::spawn(async move {
            let _ = never_rx2.await;
        });

        // The report loop (this future is not a task, it runs in block_on).
        let mut tick = interval(Duration::from_secs(1));
        tick.tick().await; // the first tick is immediate
        let mut last_polls = 0;
        for _ in 0..SECONDS {
            tick.tick().await;
            let m = handle.metrics();
            let polls = m.total_polls();
            println!(
                "--- t = {:.1}s: {} polls in the last second ---",
                started.elapsed().as_secs_f64(),
                polls - last_polls
            );
            last_polls = polls;
            println!("{m}");
        }
        println!("--- task dump ---");
        println!("{}", handle.dump());
        // The stuck tasks must stay stuck until the dump is taken.
        drop((_never_tx, _never_tx2));
    });
}

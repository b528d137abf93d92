//! Timers on this runtime, on Tokio's multi-thread runtime and on
//! async-executor (with async-io's timers, smol's: a `BTreeMap` behind a
//! lock, driven by async-io's own thread), with the same number of worker
//! threads (`BENCH_WORKERS`, default 2), each workload one criterion group
//! with a `runtime`, a `tokio` and an `async_executor` function:
//!
//! * `timer_many`: 10,000 tasks each sleeping 1 ms, awaited from
//!   `block_on`. Measures registering, firing and waking many timers at
//!   once (the wheel, its lock, and the wake-up batches).
//! * `timer_insert_cancel`: 10,000 times, a sleep an hour away is created,
//!   polled once (which registers it) and dropped (which cancels it), in
//!   one task. Measures the insert + remove path.
//! * `timer_latency`: one task sleeping 1 ms, spawned and awaited: the
//!   time per iteration is the latency of a 1 ms sleep (criterion's
//!   distribution of it is the latency distribution). Ideal: 1 ms.
//!
//! Measurement settings as in `rt_multi_threaded.rs`: `BENCH_SAMPLE_SIZE`
//! (default 20), `BENCH_WARM_UP_SECS` (1), `BENCH_MEASUREMENT_SECS` (3).

use benches::{this_runtime, tokio_runtime, AsyncExecutor};
use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput};
use std::future::{poll_fn, Future};
use std::pin::pin;
use std::task::Poll;
use std::time::Duration;

/// Tasks (or timers) per iteration.
const NUM_TIMERS: usize = 10_000;

/// "Far in the future" for the insert + cancel workload.
const AN_HOUR: Duration = Duration::from_secs(3600);

fn group<'a>(c: &'a mut Criterion, name: &str, elements: usize) -> BenchmarkGroup<'a, WallTime> {
    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Elements(elements as u64));
    g
}

/// Polls `future` exactly once.
async fn poll_once<F: Future>(future: F) {
    let mut future = pin!(future);
    poll_fn(|cx| {
        let _ = future.as_mut().poll(cx);
        Poll::Ready(())
    })
    .await;
}

// ---------------------------------------------------------------------------
// timer_many: 10,000 tasks each sleeping 1 ms.
// ---------------------------------------------------------------------------

fn timer_many(c: &mut Criterion) {
    let mut g = group(c, "timer_many", NUM_TIMERS);
    {
        let rt = this_runtime();
        g.bench_function("runtime", |b| {
            b.iter(|| {
                rt.block_on(async {
                    let tasks: Vec<_> = (0..NUM_TIMERS)
                        .map(|_| runtime::spawn(runtime::time::sleep(Duration::from_millis(1))))
                        .collect();
                    for task in tasks {
                        task.await.unwrap();
                    }
                })
            })
        });
    }
    {
        let rt = tokio_runtime();
        g.bench_function("tokio", |b| {
            b.iter(|| {
                rt.block_on(async {
                    let tasks: Vec<_> = (0..NUM_TIMERS)
                        .map(|_| tokio::spawn(tokio::time::sleep(Duration::from_millis(1))))
                        .collect();
                    for task in tasks {
                        task.await.unwrap();
                    }
                })
            })
        });
    }
    {
        let ex = AsyncExecutor::new();
        g.bench_function("async_executor", |b| {
            b.iter(|| {
                ex.block_on(async {
                    let tasks: Vec<_> = (0..NUM_TIMERS)
                        .map(|_| {
                            ex.executor().spawn(async {
                                async_io::Timer::after(Duration::from_millis(1)).await;
                            })
                        })
                        .collect();
                    for task in tasks {
                        task.await;
                    }
                })
            })
        });
    }
    g.finish();
}

// ---------------------------------------------------------------------------
// timer_insert_cancel: register a far-away sleep and drop it, 10,000 times
// in one task.
// ---------------------------------------------------------------------------

fn timer_insert_cancel(c: &mut Criterion) {
    let mut g = group(c, "timer_insert_cancel", NUM_TIMERS);
    {
        let rt = this_runtime();
        g.bench_function("runtime", |b| {
            b.iter(|| {
                let task = rt.spawn(async {
                    for _ in 0..NUM_TIMERS {
                        poll_once(runtime::time::sleep(AN_HOUR)).await;
                    }
                });
                rt.block_on(task).unwrap();
            })
        });
    }
    {
        let rt = tokio_runtime();
        g.bench_function("tokio", |b| {
            b.iter(|| {
                let task = rt.spawn(async {
                    for _ in 0..NUM_TIMERS {
                        poll_once(tokio::time::sleep(AN_HOUR)).await;
                    }
                });
                rt.block_on(task).unwrap();
            })
        });
    }
    {
        let ex = AsyncExecutor::new();
        g.bench_function("async_executor", |b| {
            b.iter(|| {
                let task = ex.executor().spawn(async {
                    for _ in 0..NUM_TIMERS {
                        poll_once(async_io::Timer::after(AN_HOUR)).await;
                    }
                });
                ex.block_on(task);
            })
        });
    }
    g.finish();
}

// ---------------------------------------------------------------------------
// timer_latency: spawn a task that sleeps 1 ms, await it.
// ---------------------------------------------------------------------------

fn timer_latency(c: &mut Criterion) {
    let mut g = group(c, "timer_latency", 1);
    {
        let rt = this_runtime();
        g.bench_function("runtime", |b| {
            b.iter(|| {
                let task = rt.spawn(async { runtime::time::sleep(Duration::from_millis(1)).await });
                rt.block_on(task).unwrap();
            })
        });
    }
    {
        let rt = tokio_runtime();
        g.bench_function("tokio", |b| {
            b.iter(|| {
                let task = rt.spawn(async { tokio::time::sleep(Duration::from_millis(1)).await });
                rt.block_on(task).unwrap();
            })
        });
    }
    {
        let ex = AsyncExecutor::new();
        g.bench_function("async_executor", |b| {
            b.iter(|| {
                let task = ex.executor().spawn(async {
                    async_io::Timer::after(Duration::from_millis(1)).await;
                });
                ex.block_on(task);
            })
        });
    }
    g.finish();
}

criterion_group! {
    name = timer;
    config = benches::criterion_config();
    targets = timer_many, timer_insert_cancel, timer_latency,
}

criterion_main!(timer);

//! What observability costs on this runtime (`docs/observability.md`).
//!
//! The counters behind `Handle::metrics` are always on; their cost is
//! measured with callgrind instruction counts, which are deterministic
//! (see the doc). This bench measures wall time for what is optional, and
//! for reading the numbers:
//!
//! * `metrics_spawn_yield`: 10,000 tasks spawned from a task, each yielding
//!   once, all awaited; functions `tracking_off` (the default),
//!   `task_dump` (`Builder::enable_task_dump(true)`) and `slow_poll`
//!   (`Builder::slow_poll_threshold(1 s)`, never reached).
//! * `metrics_snapshot`: one `Handle::metrics()` call.
//! * `metrics_dump_1000`: one `Handle::dump()` of 1,000 idle tracked tasks.
//!
//! The function names are not runtime names on purpose: `report` lists
//! only the comparisons with Tokio and async-executor.
//!
//! Worker threads: `BENCH_WORKERS` (default 2); measurement settings as in
//! `rt_multi_threaded`: `BENCH_SAMPLE_SIZE` (20), `BENCH_WARM_UP_SECS`
//! (1), `BENCH_MEASUREMENT_SECS` (3).

use benches::workers;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::time::Duration;

/// Tasks per iteration of `metrics_spawn_yield`.
const NUM_TASKS: usize = 10_000;

/// Idle tasks listed by `metrics_dump_1000`.
const DUMP_TASKS: usize = 1_000;

/// Sets the options under test on a builder.
type Configure = fn(&mut runtime::Builder);

fn build(configure: impl FnOnce(&mut runtime::Builder)) -> runtime::Runtime {
    let mut builder = runtime::Builder::new();
    builder.worker_threads(workers());
    configure(&mut builder);
    builder.build().expect("building the runtime")
}

fn spawn_yield(c: &mut Criterion) {
    let mut g = c.benchmark_group("metrics_spawn_yield");
    g.throughput(Throughput::Elements(NUM_TASKS as u64));
    let configs: [(&str, Configure); 3] = [
        ("tracking_off", |_| {}),
        ("task_dump", |b| {
            b.enable_task_dump(true);
        }),
        ("slow_poll", |b| {
            b.slow_poll_threshold(Duration::from_secs(1));
        }),
    ];
    for (name, configure) in configs {
        let rt = build(configure);
        g.bench_function(name, |b| {
            b.iter(|| {
                rt.block_on(rt.spawn(async {
                    let tasks: Vec<_> = (0..NUM_TASKS)
                        .map(|i| {
                            runtime::spawn(async move {
                                runtime::task::yield_now().await;
                                i
                            })
                        })
                        .collect();
                    for t in tasks {
                        std::hint::black_box(t.await.unwrap());
                    }
                }))
                .unwrap();
            });
        });
    }
    g.finish();
}

fn snapshot(c: &mut Criterion) {
    let rt = build(|_| {});
    let handle = rt.handle().clone();
    c.bench_function("metrics_snapshot", |b| {
        b.iter(|| std::hint::black_box(handle.metrics()))
    });
}

fn dump(c: &mut Criterion) {
    let rt = build(|b| {
        b.enable_task_dump(true);
    });
    let idle: Vec<_> = (0..DUMP_TASKS)
        .map(|_| rt.spawn(std::future::pending::<()>()))
        .collect();
    let handle = rt.handle().clone();
    c.bench_function("metrics_dump_1000", |b| {
        b.iter(|| std::hint::black_box(handle.dump()))
    });
    drop(idle);
}

criterion_group! {
    name = metrics;
    config = benches::criterion_config();
    targets = spawn_yield, snapshot, dump,
}

criterion_main!(metrics);

//! The workloads of Tokio's `benches/rt_multi_threaded.rs` (plus Tokio's
//! `remote_spawn_contention`, a `cancel_many`, `channel_fan_in` and
//! `spawn_join_sequential`), each run on this runtime,
//! Tokio's multi-thread runtime and async-executor with the same number of
//! worker threads (`BENCH_WORKERS`, default 2).
//!
//! Every workload is one criterion group with three functions, `runtime`,
//! `tokio` and `async_executor`, so that the ratios come from one run:
//! `target/criterion/<workload>/<runtime>/new/estimates.json`. Each runtime
//! is built once per group, outside the measured closure, and only one of
//! the three exists at a time.
//!
//! The code for the three runtimes is written out side by side, each in its
//! own idiom: `runtime::spawn` / `tokio::spawn` use the ambient runtime of
//! the current thread; async-executor has none, so tasks that spawn capture
//! a clone of the `Arc<Executor>`, and its tasks are `detach()`ed where the
//! others drop their `JoinHandle` (dropping an async-executor `Task` would
//! cancel it).
//!
//! Measurement time is kept short so that everything runs in a few minutes
//! on two cores; raise it with `BENCH_SAMPLE_SIZE` (default 20),
//! `BENCH_WARM_UP_SECS` (1) and `BENCH_MEASUREMENT_SECS` (3), or criterion's
//! own `--sample-size` / `--warm-up-time` / `--measurement-time`.
//! `BENCH_PLOTS=1` turns criterion's plots back on.

use benches::{stall, this_runtime, tokio_runtime, workers, AsyncExecutor};
use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput};
use std::future::pending;
use std::sync::atomic::Ordering::{AcqRel, Relaxed};
use std::sync::atomic::{AtomicBool, AtomicUsize};
use std::sync::{mpsc, Arc, Barrier, Condvar, Mutex};
use std::thread;

mod busy;
mod cancel;
mod chain;
mod fan_in;
mod messaging;
mod spawn;

use busy::*;
use cancel::*;
use chain::*;
use fan_in::*;
use messaging::*;
use spawn::*;

type Executor = Arc<async_executor::Executor<'static>>;

/// Tasks per iteration of the spawn workloads.
const NUM_SPAWN: usize = 10_000;

/// A new group named `name` whose iterations each run `tasks` tasks.
fn group<'a>(c: &'a mut Criterion, name: &str, tasks: usize) -> BenchmarkGroup<'a, WallTime> {
    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Elements(tasks as u64));
    g
}

criterion_group! {
    name = rt_multi_threaded;
    config = benches::criterion_config();
    targets =
        spawn_many_local,
        spawn_many_local_from_block_on,
        spawn_many_remote_idle,
        spawn_many_remote_busy1,
        spawn_many_remote_busy2,
        ping_pong,
        yield_many,
        chained_spawn,
        remote_spawn_contention,
        cancel_many,
        channel_fan_in,
        spawn_join_sequential,
}

criterion_main!(rt_multi_threaded);

//! Benchmarks comparing this runtime with Tokio and async-executor.
//!
//! This library holds what the criterion benches (`benches/benches/*.rs`)
//! and the tools (`src/bin/memory.rs`, `src/bin/report.rs`) share: the
//! worker count, how each of the three runtimes is built, and where results
//! are written. `scripts/bench.sh` runs everything and regenerates
//! `docs/benchmarks.md`.

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

/// Environment variable setting the number of worker threads of every
/// runtime under test (default [`DEFAULT_WORKERS`]).
pub const WORKERS_ENV: &str = "BENCH_WORKERS";

/// Worker threads per runtime when [`WORKERS_ENV`] is not set.
pub const DEFAULT_WORKERS: usize = 2;

/// The criterion function ids of the three runtimes, in report order.
pub const RUNTIMES: [&str; 3] = ["runtime", "tokio", "async_executor"];

/// Worker threads per runtime: `$BENCH_WORKERS`, or 2.
///
/// # Panics
///
/// If the variable is set to something other than a positive number.
pub fn workers() -> usize {
    match std::env::var(WORKERS_ENV) {
        Ok(v) => match v.trim().parse::<usize>() {
            Ok(n) if n > 0 => n,
            _ => panic!("{WORKERS_ENV}={v:?} is not a positive number of worker threads"),
        },
        Err(_) => DEFAULT_WORKERS,
    }
}

/// This runtime with [`workers()`] worker threads.
pub fn this_runtime() -> runtime::Runtime {
    runtime::Builder::new()
        .worker_threads(workers())
        .build()
        .expect("building the runtime")
}

/// Tokio's multi-thread runtime with [`workers()`] worker threads, built as
/// Tokio's own `benches/rt_multi_threaded.rs` builds it (`enable_all`).
pub fn tokio_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers())
        .enable_all()
        .build()
        .expect("building the Tokio runtime")
}

/// An `async-executor` [`Executor`](async_executor::Executor) driven by `n`
/// threads, the way its documentation sets up a multi-threaded executor:
/// each thread blocks on `ex.run(shutdown.recv())`, and dropping this value
/// closes the shutdown channel and joins the threads.
///
/// Tasks that spawn more tasks capture a clone of [`executor`](Self::executor)
/// (async-executor has no ambient "current executor").
pub struct AsyncExecutor {
    ex: Arc<async_executor::Executor<'static>>,
    shutdown: Option<async_channel::Sender<()>>,
    threads: Vec<thread::JoinHandle<()>>,
}

impl AsyncExecutor {
    /// An executor run by [`workers()`] threads.
    pub fn new() -> AsyncExecutor {
        AsyncExecutor::with_threads(workers())
    }

    /// An executor run by `n` threads.
    pub fn with_threads(n: usize) -> AsyncExecutor {
        let ex = Arc::new(async_executor::Executor::new());
        let (shutdown, signal) = async_channel::bounded::<()>(1);
        let threads = (0..n)
            .map(|i| {
                let ex = ex.clone();
                let signal = signal.clone();
                thread::Builder::new()
                    .name(format!("async-executor-{i}"))
                    .spawn(move || {
                        let _ = futures_lite::future::block_on(ex.run(signal.recv()));
                    })
                    .expect("spawning an executor thread")
            })
            .collect();
        AsyncExecutor {
            ex,
            shutdown: Some(shutdown),
            threads,
        }
    }

    /// The executor, to spawn onto and to clone into tasks.
    pub fn executor(&self) -> &Arc<async_executor::Executor<'static>> {
        &self.ex
    }

    /// Polls `future` to completion on the calling thread (which is not one
    /// of the executor threads).
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        futures_lite::future::block_on(future)
    }
}

impl Default for AsyncExecutor {
    fn default() -> Self {
        AsyncExecutor::new()
    }
}

impl Drop for AsyncExecutor {
    fn drop(&mut self) {
        // Closing the channel completes every `signal.recv()`.
        drop(self.shutdown.take());
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// Burns about 10 µs of CPU, as Tokio's benches do (`stall`): a spin on the
/// clock that offers the CPU to other threads between checks.
pub fn stall() {
    const STALL_DUR: Duration = Duration::from_micros(10);
    let now = Instant::now();
    while now.elapsed() < STALL_DUR {
        thread::yield_now();
    }
}

/// The cargo target directory: `$CARGO_TARGET_DIR`, or the workspace's
/// `target/`.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => workspace_root().join("target"),
    }
}

/// The workspace root (the parent of this package).
pub fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}

/// Where criterion writes its results: `$CRITERION_HOME`, or
/// `<target>/criterion`.
pub fn criterion_dir() -> PathBuf {
    match std::env::var_os("CRITERION_HOME") {
        Some(dir) => PathBuf::from(dir),
        None => target_dir().join("criterion"),
    }
}

/// Where `scripts/bench.sh` keeps a copy of each run's criterion results
/// (`run-1`, `run-2`, ...).
pub fn bench_runs_dir() -> PathBuf {
    target_dir().join("bench-runs")
}

/// Where the `memory` tool writes its figures (a JSON array, one object
/// per runtime).
pub fn memory_json_path() -> PathBuf {
    target_dir().join("bench-memory.json")
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    match std::env::var(name) {
        Ok(v) => v
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v:?} is not valid")),
        Err(_) => default,
    }
}

/// The criterion configuration every bench target uses: short by default
/// so a full run fits in a few minutes on two cores, longer with
/// `BENCH_SAMPLE_SIZE` (default 20), `BENCH_WARM_UP_SECS` (1) and
/// `BENCH_MEASUREMENT_SECS` (3); `BENCH_PLOTS=1` turns criterion's plots on.
///
/// # Panics
///
/// If one of those variables is set to something unparsable.
pub fn criterion_config() -> criterion::Criterion {
    let c = criterion::Criterion::default()
        .sample_size(env_or("BENCH_SAMPLE_SIZE", 20))
        .warm_up_time(Duration::from_secs_f64(env_or("BENCH_WARM_UP_SECS", 1.0)))
        .measurement_time(Duration::from_secs_f64(env_or(
            "BENCH_MEASUREMENT_SECS",
            3.0,
        )));
    if std::env::var_os("BENCH_PLOTS").is_some() {
        c
    } else {
        c.without_plots()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn async_executor_runs_and_shuts_down() {
        let rt = AsyncExecutor::with_threads(2);
        let ex = rt.executor().clone();
        let task = rt
            .executor()
            .spawn(async move { ex.spawn(async { 21 * 2 }).await });
        assert_eq!(rt.block_on(task), 42);
    }
}

//! The workloads of Tokio's `benches/rt_multi_threaded.rs` (plus Tokio's
//! `remote_spawn_contention` and a `cancel_many`), each run on this runtime,
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
use std::time::Duration;

type Executor = Arc<async_executor::Executor<'static>>;

/// Tasks per iteration of the spawn workloads.
const NUM_SPAWN: usize = 10_000;

/// A new group named `name` whose iterations each run `tasks` tasks.
fn group<'a>(c: &'a mut Criterion, name: &str, tasks: usize) -> BenchmarkGroup<'a, WallTime> {
    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Elements(tasks as u64));
    g
}

// ---------------------------------------------------------------------------
// spawn_many_local: 10,000 spawns from inside a task running on a worker.
// Each task bumps a counter down; the last one signals the bench thread.
// ---------------------------------------------------------------------------

fn spawn_many_local(c: &mut Criterion) {
    let mut g = group(c, "spawn_many_local", NUM_SPAWN);
    let (tx, rx) = mpsc::sync_channel(1000);
    let rem = Arc::new(AtomicUsize::new(0));

    {
        let rt = this_runtime();
        g.bench_function("runtime", |b| {
            b.iter(|| {
                rem.store(NUM_SPAWN, Relaxed);
                let (tx, rem) = (tx.clone(), rem.clone());
                rt.spawn(async move {
                    for _ in 0..NUM_SPAWN {
                        let tx = tx.clone();
                        let rem = rem.clone();
                        runtime::spawn(async move {
                            if 1 == rem.fetch_sub(1, Relaxed) {
                                tx.send(()).unwrap();
                            }
                        });
                    }
                });
                rx.recv().unwrap();
            })
        });
    }
    {
        let rt = tokio_runtime();
        g.bench_function("tokio", |b| {
            b.iter(|| {
                rem.store(NUM_SPAWN, Relaxed);
                let (tx, rem) = (tx.clone(), rem.clone());
                rt.spawn(async move {
                    for _ in 0..NUM_SPAWN {
                        let tx = tx.clone();
                        let rem = rem.clone();
                        tokio::spawn(async move {
                            if 1 == rem.fetch_sub(1, Relaxed) {
                                tx.send(()).unwrap();
                            }
                        });
                    }
                });
                rx.recv().unwrap();
            })
        });
    }
    {
        let rt = AsyncExecutor::new();
        let ex = rt.executor();
        g.bench_function("async_executor", |b| {
            b.iter(|| {
                rem.store(NUM_SPAWN, Relaxed);
                let (tx, rem, ex2) = (tx.clone(), rem.clone(), ex.clone());
                ex.spawn(async move {
                    for _ in 0..NUM_SPAWN {
                        let tx = tx.clone();
                        let rem = rem.clone();
                        ex2.spawn(async move {
                            if 1 == rem.fetch_sub(1, Relaxed) {
                                tx.send(()).unwrap();
                            }
                        })
                        .detach();
                    }
                })
                .detach();
                rx.recv().unwrap();
            })
        });
    }
    g.finish();
}

// ---------------------------------------------------------------------------
// spawn_many_local_from_block_on: Tokio's own `spawn_many_local`, which
// spawns from inside `block_on` on the bench thread (not a worker).
// ---------------------------------------------------------------------------

fn spawn_many_local_from_block_on(c: &mut Criterion) {
    let mut g = group(c, "spawn_many_local_from_block_on", NUM_SPAWN);
    let (tx, rx) = mpsc::sync_channel(1000);
    let rem = Arc::new(AtomicUsize::new(0));

    {
        let rt = this_runtime();
        g.bench_function("runtime", |b| {
            b.iter(|| {
                rem.store(NUM_SPAWN, Relaxed);
                rt.block_on(async {
                    for _ in 0..NUM_SPAWN {
                        let tx = tx.clone();
                        let rem = rem.clone();
                        runtime::spawn(async move {
                            if 1 == rem.fetch_sub(1, Relaxed) {
                                tx.send(()).unwrap();
                            }
                        });
                    }
                    rx.recv().unwrap();
                });
            })
        });
    }
    {
        let rt = tokio_runtime();
        g.bench_function("tokio", |b| {
            b.iter(|| {
                rem.store(NUM_SPAWN, Relaxed);
                rt.block_on(async {
                    for _ in 0..NUM_SPAWN {
                        let tx = tx.clone();
                        let rem = rem.clone();
                        tokio::spawn(async move {
                            if 1 == rem.fetch_sub(1, Relaxed) {
                                tx.send(()).unwrap();
                            }
                        });
                    }
                    rx.recv().unwrap();
                });
            })
        });
    }
    {
        let rt = AsyncExecutor::new();
        let ex = rt.executor();
        g.bench_function("async_executor", |b| {
            b.iter(|| {
                rem.store(NUM_SPAWN, Relaxed);
                rt.block_on(async {
                    for _ in 0..NUM_SPAWN {
                        let tx = tx.clone();
                        let rem = rem.clone();
                        ex.spawn(async move {
                            if 1 == rem.fetch_sub(1, Relaxed) {
                                tx.send(()).unwrap();
                            }
                        })
                        .detach();
                    }
                    rx.recv().unwrap();
                });
            })
        });
    }
    g.finish();
}

// ---------------------------------------------------------------------------
// spawn_many_remote_idle: 10,000 spawns from the bench thread (outside the
// runtime) onto an idle runtime, then await every handle.
// ---------------------------------------------------------------------------

fn spawn_many_remote_idle(c: &mut Criterion) {
    let mut g = group(c, "spawn_many_remote_idle", NUM_SPAWN);

    {
        let rt = this_runtime();
        let mut handles = Vec::with_capacity(NUM_SPAWN);
        g.bench_function("runtime", |b| {
            b.iter(|| {
                for _ in 0..NUM_SPAWN {
                    handles.push(rt.spawn(async {}));
                }
                rt.block_on(async {
                    for handle in handles.drain(..) {
                        handle.await.unwrap();
                    }
                });
            })
        });
    }
    {
        let rt = tokio_runtime();
        let mut handles = Vec::with_capacity(NUM_SPAWN);
        g.bench_function("tokio", |b| {
            b.iter(|| {
                for _ in 0..NUM_SPAWN {
                    handles.push(rt.spawn(async {}));
                }
                rt.block_on(async {
                    for handle in handles.drain(..) {
                        handle.await.unwrap();
                    }
                });
            })
        });
    }
    {
        let rt = AsyncExecutor::new();
        let ex = rt.executor();
        let mut handles = Vec::with_capacity(NUM_SPAWN);
        g.bench_function("async_executor", |b| {
            b.iter(|| {
                for _ in 0..NUM_SPAWN {
                    handles.push(ex.spawn(async {}));
                }
                rt.block_on(async {
                    for handle in handles.drain(..) {
                        handle.await;
                    }
                });
            })
        });
    }
    g.finish();
}

// ---------------------------------------------------------------------------
// spawn_many_remote_busy1: as spawn_many_remote_idle, while background tasks
// keep every worker busy, each looping on `yield_now` + a 10 µs stall.
// Yielding is a lower notification priority than spawning.
// ---------------------------------------------------------------------------

/// Background tasks of `spawn_many_remote_busy1`: 8 as in Tokio's bench (2
/// per worker there), or 2 per worker if there are more than 4 workers.
fn busy1_tasks() -> usize {
    (2 * workers()).max(8)
}

fn spawn_many_remote_busy1(c: &mut Criterion) {
    let mut g = group(c, "spawn_many_remote_busy1", NUM_SPAWN);

    {
        let rt = this_runtime();
        let flag = Arc::new(AtomicBool::new(true));
        let busy: Vec<_> = (0..busy1_tasks())
            .map(|_| {
                let flag = flag.clone();
                rt.spawn(async move {
                    while flag.load(Relaxed) {
                        runtime::task::yield_now().await;
                        stall();
                    }
                })
            })
            .collect();
        let rt_handle = rt.handle();
        let mut handles = Vec::with_capacity(NUM_SPAWN);
        g.bench_function("runtime", |b| {
            b.iter(|| {
                for _ in 0..NUM_SPAWN {
                    handles.push(rt_handle.spawn(async {}));
                }
                rt.block_on(async {
                    for handle in handles.drain(..) {
                        handle.await.unwrap();
                    }
                });
            })
        });
        flag.store(false, Relaxed);
        rt.block_on(async {
            for handle in busy {
                handle.await.unwrap();
            }
        });
    }
    {
        let rt = tokio_runtime();
        let flag = Arc::new(AtomicBool::new(true));
        let busy: Vec<_> = (0..busy1_tasks())
            .map(|_| {
                let flag = flag.clone();
                rt.spawn(async move {
                    while flag.load(Relaxed) {
                        tokio::task::yield_now().await;
                        stall();
                    }
                })
            })
            .collect();
        let rt_handle = rt.handle();
        let mut handles = Vec::with_capacity(NUM_SPAWN);
        g.bench_function("tokio", |b| {
            b.iter(|| {
                for _ in 0..NUM_SPAWN {
                    handles.push(rt_handle.spawn(async {}));
                }
                rt.block_on(async {
                    for handle in handles.drain(..) {
                        handle.await.unwrap();
                    }
                });
            })
        });
        flag.store(false, Relaxed);
        rt.block_on(async {
            for handle in busy {
                handle.await.unwrap();
            }
        });
    }
    {
        let rt = AsyncExecutor::new();
        let ex = rt.executor();
        let flag = Arc::new(AtomicBool::new(true));
        let busy: Vec<_> = (0..busy1_tasks())
            .map(|_| {
                let flag = flag.clone();
                ex.spawn(async move {
                    while flag.load(Relaxed) {
                        futures_lite::future::yield_now().await;
                        stall();
                    }
                })
            })
            .collect();
        let mut handles = Vec::with_capacity(NUM_SPAWN);
        g.bench_function("async_executor", |b| {
            b.iter(|| {
                for _ in 0..NUM_SPAWN {
                    handles.push(ex.spawn(async {}));
                }
                rt.block_on(async {
                    for handle in handles.drain(..) {
                        handle.await;
                    }
                });
            })
        });
        flag.store(false, Relaxed);
        rt.block_on(async {
            for handle in busy {
                handle.await;
            }
        });
    }
    g.finish();
}

// ---------------------------------------------------------------------------
// spawn_many_remote_busy2: 1,000 remote spawns while one chain per worker
// keeps spawning tasks that stall 10 µs and spawn their successor.
// Spawning is a higher notification priority than yielding.
// ---------------------------------------------------------------------------

const NUM_SPAWN_BUSY2: usize = 1_000;

/// A chain of stalling tasks: runs while `flag` is set, then reports on
/// `done` so the group can wait for every chain to end.
struct Chain {
    flag: Arc<AtomicBool>,
    done: mpsc::Sender<()>,
}

fn rt_chain(chain: Chain) {
    runtime::spawn(async move {
        if chain.flag.load(Relaxed) {
            stall();
            rt_chain(chain);
        } else {
            let _ = chain.done.send(());
        }
    });
}

fn tokio_chain(chain: Chain) {
    tokio::spawn(async move {
        if chain.flag.load(Relaxed) {
            stall();
            tokio_chain(chain);
        } else {
            let _ = chain.done.send(());
        }
    });
}

fn ae_chain(ex: Executor, chain: Chain) {
    let ex2 = ex.clone();
    ex.spawn(async move {
        if chain.flag.load(Relaxed) {
            stall();
            ae_chain(ex2, chain);
        } else {
            let _ = chain.done.send(());
        }
    })
    .detach();
}

fn spawn_many_remote_busy2(c: &mut Criterion) {
    let mut g = group(c, "spawn_many_remote_busy2", NUM_SPAWN_BUSY2);

    {
        let rt = this_runtime();
        let flag = Arc::new(AtomicBool::new(true));
        let (done_tx, done_rx) = mpsc::channel();
        for _ in 0..workers() {
            let chain = Chain {
                flag: flag.clone(),
                done: done_tx.clone(),
            };
            rt.spawn(async move { rt_chain(chain) });
        }
        let rt_handle = rt.handle();
        let mut handles = Vec::with_capacity(NUM_SPAWN_BUSY2);
        g.bench_function("runtime", |b| {
            b.iter(|| {
                for _ in 0..NUM_SPAWN_BUSY2 {
                    handles.push(rt_handle.spawn(async {}));
                }
                rt.block_on(async {
                    for handle in handles.drain(..) {
                        handle.await.unwrap();
                    }
                });
            })
        });
        flag.store(false, Relaxed);
        for _ in 0..workers() {
            done_rx.recv().unwrap();
        }
    }
    {
        let rt = tokio_runtime();
        let flag = Arc::new(AtomicBool::new(true));
        let (done_tx, done_rx) = mpsc::channel();
        for _ in 0..workers() {
            let chain = Chain {
                flag: flag.clone(),
                done: done_tx.clone(),
            };
            rt.spawn(async move { tokio_chain(chain) });
        }
        let rt_handle = rt.handle();
        let mut handles = Vec::with_capacity(NUM_SPAWN_BUSY2);
        g.bench_function("tokio", |b| {
            b.iter(|| {
                for _ in 0..NUM_SPAWN_BUSY2 {
                    handles.push(rt_handle.spawn(async {}));
                }
                rt.block_on(async {
                    for handle in handles.drain(..) {
                        handle.await.unwrap();
                    }
                });
            })
        });
        flag.store(false, Relaxed);
        for _ in 0..workers() {
            done_rx.recv().unwrap();
        }
    }
    {
        let rt = AsyncExecutor::new();
        let ex = rt.executor();
        let flag = Arc::new(AtomicBool::new(true));
        let (done_tx, done_rx) = mpsc::channel();
        for _ in 0..workers() {
            let chain = Chain {
                flag: flag.clone(),
                done: done_tx.clone(),
            };
            let ex2 = ex.clone();
            ex.spawn(async move { ae_chain(ex2, chain) }).detach();
        }
        let mut handles = Vec::with_capacity(NUM_SPAWN_BUSY2);
        g.bench_function("async_executor", |b| {
            b.iter(|| {
                for _ in 0..NUM_SPAWN_BUSY2 {
                    handles.push(ex.spawn(async {}));
                }
                rt.block_on(async {
                    for handle in handles.drain(..) {
                        handle.await;
                    }
                });
            })
        });
        flag.store(false, Relaxed);
        for _ in 0..workers() {
            done_rx.recv().unwrap();
        }
    }
    g.finish();
}

// ---------------------------------------------------------------------------
// ping_pong: 1,000 rounds; each round spawns a task that spawns a partner,
// sends it a ping over a oneshot and awaits the pong over another.
//
// The oneshot is `futures::channel::oneshot` for all three runtimes (Tokio's
// bench uses `tokio::sync::oneshot`): one channel implementation for all
// three, so the comparison measures the schedulers (spawn, wake, steal) and
// not three channels.
// ---------------------------------------------------------------------------

const NUM_PINGS: usize = 1_000;

fn ping_pong(c: &mut Criterion) {
    use futures::channel::oneshot;

    let mut g = group(c, "ping_pong", NUM_PINGS);
    let (done_tx, done_rx) = mpsc::sync_channel(1000);
    let rem = Arc::new(AtomicUsize::new(0));

    {
        let rt = this_runtime();
        g.bench_function("runtime", |b| {
            b.iter(|| {
                let done_tx = done_tx.clone();
                let rem = rem.clone();
                rem.store(NUM_PINGS, Relaxed);
                rt.block_on(async {
                    runtime::spawn(async move {
                        for _ in 0..NUM_PINGS {
                            let rem = rem.clone();
                            let done_tx = done_tx.clone();
                            runtime::spawn(async move {
                                let (tx1, rx1) = oneshot::channel();
                                let (tx2, rx2) = oneshot::channel();
                                runtime::spawn(async move {
                                    rx1.await.unwrap();
                                    tx2.send(()).unwrap();
                                });
                                tx1.send(()).unwrap();
                                rx2.await.unwrap();
                                if 1 == rem.fetch_sub(1, Relaxed) {
                                    done_tx.send(()).unwrap();
                                }
                            });
                        }
                    });
                    done_rx.recv().unwrap();
                });
            })
        });
    }
    {
        let rt = tokio_runtime();
        g.bench_function("tokio", |b| {
            b.iter(|| {
                let done_tx = done_tx.clone();
                let rem = rem.clone();
                rem.store(NUM_PINGS, Relaxed);
                rt.block_on(async {
                    tokio::spawn(async move {
                        for _ in 0..NUM_PINGS {
                            let rem = rem.clone();
                            let done_tx = done_tx.clone();
                            tokio::spawn(async move {
                                let (tx1, rx1) = oneshot::channel();
                                let (tx2, rx2) = oneshot::channel();
                                tokio::spawn(async move {
                                    rx1.await.unwrap();
                                    tx2.send(()).unwrap();
                                });
                                tx1.send(()).unwrap();
                                rx2.await.unwrap();
                                if 1 == rem.fetch_sub(1, Relaxed) {
                                    done_tx.send(()).unwrap();
                                }
                            });
                        }
                    });
                    done_rx.recv().unwrap();
                });
            })
        });
    }
    {
        let rt = AsyncExecutor::new();
        let ex = rt.executor();
        g.bench_function("async_executor", |b| {
            b.iter(|| {
                let done_tx = done_tx.clone();
                let rem = rem.clone();
                rem.store(NUM_PINGS, Relaxed);
                let ex1 = ex.clone();
                ex.spawn(async move {
                    for _ in 0..NUM_PINGS {
                        let rem = rem.clone();
                        let done_tx = done_tx.clone();
                        let ex2 = ex1.clone();
                        ex1.spawn(async move {
                            let (tx1, rx1) = oneshot::channel();
                            let (tx2, rx2) = oneshot::channel();
                            ex2.spawn(async move {
                                rx1.await.unwrap();
                                tx2.send(()).unwrap();
                            })
                            .detach();
                            tx1.send(()).unwrap();
                            rx2.await.unwrap();
                            if 1 == rem.fetch_sub(1, Relaxed) {
                                done_tx.send(()).unwrap();
                            }
                        })
                        .detach();
                    }
                })
                .detach();
                done_rx.recv().unwrap();
            })
        });
    }
    g.finish();
}

// ---------------------------------------------------------------------------
// yield_many: 200 tasks, each yielding 1,000 times.
// ---------------------------------------------------------------------------

const NUM_YIELD: usize = 1_000;
const YIELD_TASKS: usize = 200;

fn yield_many(c: &mut Criterion) {
    // Counted in polls (yields), not tasks: 200,000 per iteration.
    let mut g = group(c, "yield_many", YIELD_TASKS * NUM_YIELD);
    let (tx, rx) = mpsc::sync_channel(YIELD_TASKS);

    {
        let rt = this_runtime();
        g.bench_function("runtime", |b| {
            b.iter(|| {
                for _ in 0..YIELD_TASKS {
                    let tx = tx.clone();
                    rt.spawn(async move {
                        for _ in 0..NUM_YIELD {
                            runtime::task::yield_now().await;
                        }
                        tx.send(()).unwrap();
                    });
                }
                for _ in 0..YIELD_TASKS {
                    rx.recv().unwrap();
                }
            })
        });
    }
    {
        let rt = tokio_runtime();
        g.bench_function("tokio", |b| {
            b.iter(|| {
                for _ in 0..YIELD_TASKS {
                    let tx = tx.clone();
                    rt.spawn(async move {
                        for _ in 0..NUM_YIELD {
                            tokio::task::yield_now().await;
                        }
                        tx.send(()).unwrap();
                    });
                }
                for _ in 0..YIELD_TASKS {
                    rx.recv().unwrap();
                }
            })
        });
    }
    {
        let rt = AsyncExecutor::new();
        let ex = rt.executor();
        g.bench_function("async_executor", |b| {
            b.iter(|| {
                for _ in 0..YIELD_TASKS {
                    let tx = tx.clone();
                    ex.spawn(async move {
                        for _ in 0..NUM_YIELD {
                            futures_lite::future::yield_now().await;
                        }
                        tx.send(()).unwrap();
                    })
                    .detach();
                }
                for _ in 0..YIELD_TASKS {
                    rx.recv().unwrap();
                }
            })
        });
    }
    g.finish();
}

// ---------------------------------------------------------------------------
// chained_spawn: a chain of 1,000 tasks, each spawning the next.
// ---------------------------------------------------------------------------

const CHAIN_LEN: usize = 1_000;

fn rt_chained(done_tx: mpsc::SyncSender<()>, n: usize) {
    if n == 0 {
        done_tx.send(()).unwrap();
    } else {
        runtime::spawn(async move {
            rt_chained(done_tx, n - 1);
        });
    }
}

fn tokio_chained(done_tx: mpsc::SyncSender<()>, n: usize) {
    if n == 0 {
        done_tx.send(()).unwrap();
    } else {
        tokio::spawn(async move {
            tokio_chained(done_tx, n - 1);
        });
    }
}

fn ae_chained(ex: Executor, done_tx: mpsc::SyncSender<()>, n: usize) {
    if n == 0 {
        done_tx.send(()).unwrap();
    } else {
        let ex2 = ex.clone();
        ex.spawn(async move {
            ae_chained(ex2, done_tx, n - 1);
        })
        .detach();
    }
}

fn chained_spawn(c: &mut Criterion) {
    let mut g = group(c, "chained_spawn", CHAIN_LEN);
    let (done_tx, done_rx) = mpsc::sync_channel(1000);

    {
        let rt = this_runtime();
        g.bench_function("runtime", |b| {
            b.iter(|| {
                let done_tx = done_tx.clone();
                rt.block_on(async {
                    runtime::spawn(async move {
                        rt_chained(done_tx, CHAIN_LEN);
                    });
                    done_rx.recv().unwrap();
                });
            })
        });
    }
    {
        let rt = tokio_runtime();
        g.bench_function("tokio", |b| {
            b.iter(|| {
                let done_tx = done_tx.clone();
                rt.block_on(async {
                    tokio::spawn(async move {
                        tokio_chained(done_tx, CHAIN_LEN);
                    });
                    done_rx.recv().unwrap();
                });
            })
        });
    }
    {
        let rt = AsyncExecutor::new();
        let ex = rt.executor();
        g.bench_function("async_executor", |b| {
            b.iter(|| {
                let done_tx = done_tx.clone();
                let ex2 = ex.clone();
                ex.spawn(async move {
                    ae_chained(ex2, done_tx, CHAIN_LEN);
                })
                .detach();
                done_rx.recv().unwrap();
            })
        });
    }
    g.finish();
}

// ---------------------------------------------------------------------------
// remote_spawn_contention: 1, 2 and 8 threads outside the runtime spawn
// 12,800 tasks in total, released together by a barrier (contention on the
// injection queue), then the bench thread awaits every handle. As in Tokio's
// `remote_spawn` bench, the spawning threads are started inside the
// iteration.
// ---------------------------------------------------------------------------

const CONTENTION_TASKS: usize = 12_800;
const CONTENTION_THREADS: [usize; 3] = [1, 2, 8];

/// Starts `threads` threads that wait on a common barrier, then call
/// `spawn` `CONTENTION_TASKS / threads` times each; returns every handle.
fn spawn_from_threads<H: Send>(threads: usize, spawn: impl Fn() -> H + Sync) -> Vec<H> {
    let per_thread = CONTENTION_TASKS / threads;
    let barrier = Barrier::new(threads);
    thread::scope(|s| {
        let spawners: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut handles = Vec::with_capacity(per_thread);
                    barrier.wait();
                    for _ in 0..per_thread {
                        handles.push(spawn());
                    }
                    handles
                })
            })
            .collect();
        spawners
            .into_iter()
            .flat_map(|t| t.join().unwrap())
            .collect()
    })
}

fn remote_spawn_contention(c: &mut Criterion) {
    for threads in CONTENTION_THREADS {
        let name = match threads {
            1 => "remote_spawn_contention_1thread".to_string(),
            n => format!("remote_spawn_contention_{n}threads"),
        };
        let mut g = group(c, &name, CONTENTION_TASKS);
        {
            let rt = this_runtime();
            g.bench_function("runtime", |b| {
                b.iter(|| {
                    let handles = spawn_from_threads(threads, || rt.spawn(async {}));
                    rt.block_on(async {
                        for handle in handles {
                            handle.await.unwrap();
                        }
                    });
                })
            });
        }
        {
            let rt = tokio_runtime();
            g.bench_function("tokio", |b| {
                b.iter(|| {
                    let handles = spawn_from_threads(threads, || rt.spawn(async {}));
                    rt.block_on(async {
                        for handle in handles {
                            handle.await.unwrap();
                        }
                    });
                })
            });
        }
        {
            let rt = AsyncExecutor::new();
            let ex = rt.executor();
            g.bench_function("async_executor", |b| {
                b.iter(|| {
                    let handles = spawn_from_threads(threads, || ex.spawn(async {}));
                    rt.block_on(async {
                        for handle in handles {
                            handle.await;
                        }
                    });
                })
            });
        }
        g.finish();
    }
}

// ---------------------------------------------------------------------------
// cancel_many: spawn 10,000 tasks that never finish, cancel them all, then
// wait until every one is gone.
//
// This runtime: `JoinHandle::cancel`, then await each handle (a cancelled
// `JoinError`). Tokio: `JoinHandle::abort`, then the same. async-executor:
// cancelling is dropping the `Task` (its `cancel().await` would wait for
// each task in turn, one worker round trip per task); its executor drops the
// future later on a worker, so the bench thread waits on a latch that the
// futures' captured guards count down when they are dropped. That is the
// equivalent of awaiting the handles: the iteration ends when every
// cancelled future has been dropped.
// ---------------------------------------------------------------------------

/// Counts down as cancelled async-executor futures are dropped. A static,
/// so the guard each future captures is zero-sized (no `Arc` per task).
struct DropLatch {
    remaining: AtomicUsize,
    open: Mutex<bool>,
    cv: Condvar,
}

impl DropLatch {
    const fn new() -> DropLatch {
        DropLatch {
            remaining: AtomicUsize::new(0),
            open: Mutex::new(false),
            cv: Condvar::new(),
        }
    }

    fn reset(&self, n: usize) {
        *self.open.lock().unwrap() = false;
        self.remaining.store(n, Relaxed);
    }

    fn count_down(&self) {
        if self.remaining.fetch_sub(1, AcqRel) == 1 {
            *self.open.lock().unwrap() = true;
            self.cv.notify_all();
        }
    }

    fn wait(&self) {
        let mut open = self.open.lock().unwrap();
        while !*open {
            open = self.cv.wait(open).unwrap();
        }
    }
}

static CANCEL_LATCH: DropLatch = DropLatch::new();

/// Counts [`CANCEL_LATCH`] down when dropped.
struct CountDownOnDrop;

impl Drop for CountDownOnDrop {
    fn drop(&mut self) {
        CANCEL_LATCH.count_down();
    }
}

fn cancel_many(c: &mut Criterion) {
    let mut g = group(c, "cancel_many", NUM_SPAWN);

    {
        let rt = this_runtime();
        let mut handles = Vec::with_capacity(NUM_SPAWN);
        g.bench_function("runtime", |b| {
            b.iter(|| {
                for _ in 0..NUM_SPAWN {
                    handles.push(rt.spawn(pending::<()>()));
                }
                for handle in &handles {
                    handle.cancel();
                }
                rt.block_on(async {
                    for handle in handles.drain(..) {
                        assert!(handle.await.unwrap_err().is_cancelled());
                    }
                });
            })
        });
    }
    {
        let rt = tokio_runtime();
        let mut handles = Vec::with_capacity(NUM_SPAWN);
        g.bench_function("tokio", |b| {
            b.iter(|| {
                for _ in 0..NUM_SPAWN {
                    handles.push(rt.spawn(pending::<()>()));
                }
                for handle in &handles {
                    handle.abort();
                }
                rt.block_on(async {
                    for handle in handles.drain(..) {
                        assert!(handle.await.unwrap_err().is_cancelled());
                    }
                });
            })
        });
    }
    {
        let rt = AsyncExecutor::new();
        let ex = rt.executor();
        let mut tasks = Vec::with_capacity(NUM_SPAWN);
        g.bench_function("async_executor", |b| {
            b.iter(|| {
                CANCEL_LATCH.reset(NUM_SPAWN);
                for _ in 0..NUM_SPAWN {
                    let guard = CountDownOnDrop;
                    tasks.push(ex.spawn(async move {
                        let _guard = guard;
                        pending::<()>().await
                    }));
                }
                // Dropping an async-executor `Task` cancels it.
                tasks.clear();
                CANCEL_LATCH.wait();
            })
        });
    }
    g.finish();
}

// ---------------------------------------------------------------------------

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    match std::env::var(name) {
        Ok(v) => v
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v:?} is not valid")),
        Err(_) => default,
    }
}

fn config() -> Criterion {
    let c = Criterion::default()
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

criterion_group! {
    name = rt_multi_threaded;
    config = config();
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
}

criterion_main!(rt_multi_threaded);

//! chained_spawn and remote_spawn_contention.

use super::*;

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

pub(crate) fn chained_spawn(c: &mut Criterion) {
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

pub(crate) fn remote_spawn_contention(c: &mut Criterion) {
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

//! spawn_many_remote_busy1 and spawn_many_remote_busy2: remote spawns onto
//! a runtime whose workers are kept busy.

use super::*;

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

pub(crate) fn spawn_many_remote_busy1(c: &mut Criterion) {
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

pub(crate) fn spawn_many_remote_busy2(c: &mut Criterion) {
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

//! spawn_many_local, spawn_many_local_from_block_on, spawn_many_remote_idle.

use super::*;

// ---------------------------------------------------------------------------
// spawn_many_local: 10,000 spawns from inside a task running on a worker.
// Each task bumps a counter down; the last one signals the bench thread.
// ---------------------------------------------------------------------------

pub(crate) fn spawn_many_local(c: &mut Criterion) {
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

pub(crate) fn spawn_many_local_from_block_on(c: &mut Criterion) {
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

pub(crate) fn spawn_many_remote_idle(c: &mut Criterion) {
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

//! ping_pong and yield_many: wake-ups between tasks and to oneself.

use super::*;

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

pub(crate) fn ping_pong(c: &mut Criterion) {
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

pub(crate) fn yield_many(c: &mut Criterion) {
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

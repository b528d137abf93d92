//! channel_fan_in and spawn_join_sequential: the cross-worker wake path,
//! and spawn-then-await latency.

use super::*;

// ---------------------------------------------------------------------------
// channel_fan_in: 8 producer tasks send 10,000 numbers each over one
// bounded async-channel to one consumer task, which sums them. Every
// runtime uses the same channel (async-channel), so the comparison
// measures the wake path: a consumer parked on one worker woken by a
// producer on another, and producers woken back when the channel drains.
// ---------------------------------------------------------------------------

const PRODUCERS: u64 = 8;
const PER_PRODUCER: u64 = 10_000;
const CAPACITY: usize = 1_024;

/// The sum the consumer must see: every producer sends 0..PER_PRODUCER.
const FAN_IN_SUM: u64 = PRODUCERS * (PER_PRODUCER * (PER_PRODUCER - 1) / 2);

async fn produce(tx: async_channel::Sender<u64>) {
    for i in 0..PER_PRODUCER {
        tx.send(i).await.expect("the consumer is gone");
    }
}

async fn consume(rx: async_channel::Receiver<u64>) -> u64 {
    let mut sum = 0;
    while let Ok(v) = rx.recv().await {
        sum += v;
    }
    sum
}

pub(crate) fn channel_fan_in(c: &mut Criterion) {
    let mut g = group(c, "channel_fan_in", (PRODUCERS * PER_PRODUCER) as usize);
    {
        let rt = this_runtime();
        g.bench_function("runtime", |b| {
            b.iter(|| {
                let sum = rt.block_on(async {
                    let (tx, rx) = async_channel::bounded(CAPACITY);
                    let consumer = runtime::spawn(consume(rx));
                    for _ in 0..PRODUCERS {
                        runtime::spawn(produce(tx.clone()));
                    }
                    drop(tx);
                    consumer.await.unwrap()
                });
                assert_eq!(sum, FAN_IN_SUM);
            })
        });
    }
    {
        let rt = tokio_runtime();
        g.bench_function("tokio", |b| {
            b.iter(|| {
                let sum = rt.block_on(async {
                    let (tx, rx) = async_channel::bounded(CAPACITY);
                    let consumer = tokio::spawn(consume(rx));
                    for _ in 0..PRODUCERS {
                        tokio::spawn(produce(tx.clone()));
                    }
                    drop(tx);
                    consumer.await.unwrap()
                });
                assert_eq!(sum, FAN_IN_SUM);
            })
        });
    }
    {
        let rt = AsyncExecutor::new();
        let ex = rt.executor();
        g.bench_function("async_executor", |b| {
            b.iter(|| {
                let sum = rt.block_on(async {
                    let (tx, rx) = async_channel::bounded(CAPACITY);
                    let consumer = ex.spawn(consume(rx));
                    for _ in 0..PRODUCERS {
                        ex.spawn(produce(tx.clone())).detach();
                    }
                    drop(tx);
                    consumer.await
                });
                assert_eq!(sum, FAN_IN_SUM);
            })
        });
    }
    g.finish();
}

// ---------------------------------------------------------------------------
// spawn_join_sequential: one task spawns a task and awaits it, 10,000
// times in a row: the latency of spawn, schedule, run, complete and wake
// the joiner, with nothing to overlap it.
// ---------------------------------------------------------------------------

const SEQUENTIAL: u64 = 10_000;

/// The sum of what the spawned tasks return (each returns its index).
const SEQUENTIAL_SUM: u64 = SEQUENTIAL * (SEQUENTIAL - 1) / 2;

pub(crate) fn spawn_join_sequential(c: &mut Criterion) {
    let mut g = group(c, "spawn_join_sequential", SEQUENTIAL as usize);
    {
        let rt = this_runtime();
        g.bench_function("runtime", |b| {
            b.iter(|| {
                let sum = rt.block_on(async {
                    runtime::spawn(async {
                        let mut sum = 0;
                        for i in 0..SEQUENTIAL {
                            sum += runtime::spawn(async move { i }).await.unwrap();
                        }
                        sum
                    })
                    .await
                    .unwrap()
                });
                assert_eq!(sum, SEQUENTIAL_SUM);
            })
        });
    }
    {
        let rt = tokio_runtime();
        g.bench_function("tokio", |b| {
            b.iter(|| {
                let sum = rt.block_on(async {
                    tokio::spawn(async {
                        let mut sum = 0;
                        for i in 0..SEQUENTIAL {
                            sum += tokio::spawn(async move { i }).await.unwrap();
                        }
                        sum
                    })
                    .await
                    .unwrap()
                });
                assert_eq!(sum, SEQUENTIAL_SUM);
            })
        });
    }
    {
        let rt = AsyncExecutor::new();
        let ex = rt.executor();
        g.bench_function("async_executor", |b| {
            b.iter(|| {
                let sum = rt.block_on(async {
                    let inner = ex.clone();
                    ex.spawn(async move {
                        let mut sum = 0;
                        for i in 0..SEQUENTIAL {
                            sum += inner.spawn(async move { i }).await;
                        }
                        sum
                    })
                    .await
                });
                assert_eq!(sum, SEQUENTIAL_SUM);
            })
        });
    }
    g.finish();
}

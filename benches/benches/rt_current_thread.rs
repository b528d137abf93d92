//! The workloads of `rt_multi_threaded` that make sense on one thread
//! (`spawn_many_local`, `ping_pong`, `yield_many`, `chained_spawn`), each on
//! this runtime's current-thread flavor, Tokio's current-thread runtime and
//! async-executor's `LocalExecutor`, in one criterion group per workload
//! (`ct_spawn_many_local`, `ct_ping_pong`, `ct_yield_many`,
//! `ct_chained_spawn`; functions `runtime`, `tokio`, `async_executor`), so
//! that the ratios come from one run.
//!
//! The workloads are written once, generic over a [`Spawner`] (a spawn
//! function with no captured state: async-executor's `LocalExecutor` is
//! reached through a thread-local), and driven by each runtime's own
//! `block_on` on the bench thread. Every iteration checks its result.
//!
//! Run with `cargo bench -p benches --bench rt_current_thread`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::future::Future;
use std::rc::Rc;
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;

const NUM_SPAWN: usize = 10_000;
const NUM_PINGS: usize = 1_000;
const NUM_YIELD: usize = 1_000;
const TASKS_PER_YIELD: usize = 200;
const ITER: usize = 1_000;

/// Spawns a detached task on the runtime of the current thread.
trait Spawner: 'static {
    fn spawn<F: Future<Output = ()> + Send + 'static>(f: F);
}

struct Rt;
impl Spawner for Rt {
    fn spawn<F: Future<Output = ()> + Send + 'static>(f: F) {
        drop(runtime::spawn(f));
    }
}

struct Tk;
impl Spawner for Tk {
    fn spawn<F: Future<Output = ()> + Send + 'static>(f: F) {
        drop(tokio::spawn(f));
    }
}

std::thread_local! {
    static LOCAL_EX: Rc<async_executor::LocalExecutor<'static>> =
        Rc::new(async_executor::LocalExecutor::new());
}

struct Lx;
impl Spawner for Lx {
    fn spawn<F: Future<Output = ()> + Send + 'static>(f: F) {
        LOCAL_EX.with(|ex| ex.spawn(f).detach());
    }
}

async fn spawn_many<S: Spawner>() {
    let (tx, rx) = async_channel::bounded(1);
    let rem = Arc::new(AtomicUsize::new(NUM_SPAWN));
    for _ in 0..NUM_SPAWN {
        let (tx, rem) = (tx.clone(), rem.clone());
        S::spawn(async move {
            if rem.fetch_sub(1, Relaxed) == 1 {
                tx.send(()).await.unwrap();
            }
        });
    }
    rx.recv().await.unwrap();
    assert_eq!(rem.load(Relaxed), 0);
}

async fn ping_pong<S: Spawner>() {
    let (done_tx, done_rx) = async_channel::bounded(1);
    let rem = Arc::new(AtomicUsize::new(NUM_PINGS));
    for _ in 0..NUM_PINGS {
        let (done_tx, rem) = (done_tx.clone(), rem.clone());
        S::spawn(async move {
            let (tx1, rx1) = async_channel::bounded::<()>(1);
            let (tx2, rx2) = async_channel::bounded::<()>(1);
            S::spawn(async move {
                rx1.recv().await.unwrap();
                tx2.send(()).await.unwrap();
            });
            tx1.send(()).await.unwrap();
            rx2.recv().await.unwrap();
            if rem.fetch_sub(1, Relaxed) == 1 {
                done_tx.send(()).await.unwrap();
            }
        });
    }
    done_rx.recv().await.unwrap();
    assert_eq!(rem.load(Relaxed), 0);
}

/// Yields once (every runtime's `yield_now` is the same wake-and-pend).
async fn yield_once() {
    let mut yielded = false;
    std::future::poll_fn(|cx| {
        if yielded {
            return std::task::Poll::Ready(());
        }
        yielded = true;
        cx.waker().wake_by_ref();
        std::task::Poll::Pending
    })
    .await;
}

async fn yield_many<S: Spawner>() {
    let (tx, rx) = async_channel::bounded(TASKS_PER_YIELD);
    for _ in 0..TASKS_PER_YIELD {
        let tx = tx.clone();
        S::spawn(async move {
            for _ in 0..NUM_YIELD {
                yield_once().await;
            }
            tx.send(()).await.unwrap();
        });
    }
    for _ in 0..TASKS_PER_YIELD {
        rx.recv().await.unwrap();
    }
}

fn chain<S: Spawner>(done: async_channel::Sender<usize>, n: usize) {
    if n == 0 {
        done.try_send(ITER).unwrap();
        return;
    }
    S::spawn(async move { chain::<S>(done, n - 1) });
}

async fn chained_spawn<S: Spawner>() {
    let (tx, rx) = async_channel::bounded(1);
    S::spawn(async move { chain::<S>(tx, ITER) });
    assert_eq!(rx.recv().await.unwrap(), ITER);
}

/// One criterion group: the workload on the three runtimes.
macro_rules! workload {
    ($fn_name:ident, $workload:ident, $tasks:expr) => {
        fn $fn_name(c: &mut Criterion) {
            let mut g = c.benchmark_group(stringify!($fn_name));
            g.throughput(Throughput::Elements($tasks as u64));
            {
                let rt = runtime::Builder::new_current_thread().build().unwrap();
                g.bench_function("runtime", |b| b.iter(|| rt.block_on($workload::<Rt>())));
            }
            {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .build()
                    .unwrap();
                g.bench_function("tokio", |b| b.iter(|| rt.block_on($workload::<Tk>())));
            }
            {
                g.bench_function("async_executor", |b| {
                    b.iter(|| {
                        let ex = LOCAL_EX.with(Rc::clone);
                        futures_lite::future::block_on(ex.run($workload::<Lx>()))
                    })
                });
            }
            g.finish();
        }
    };
}

workload!(ct_spawn_many_local, spawn_many, NUM_SPAWN);
workload!(ct_ping_pong, ping_pong, NUM_PINGS);
workload!(ct_yield_many, yield_many, NUM_YIELD * TASKS_PER_YIELD);
workload!(ct_chained_spawn, chained_spawn, ITER);

criterion_group! {
    name = rt_current_thread;
    config = benches::criterion_config();
    targets = ct_spawn_many_local, ct_ping_pong, ct_yield_many, ct_chained_spawn,
}

criterion_main!(rt_current_thread);

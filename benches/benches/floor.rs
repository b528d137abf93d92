//! The hardware floor of a task's life, measured on the same machine as the
//! workloads (issue: "near the hardware floor"): what spawning, running and
//! freeing an empty task cannot cost less than.
//!
//! * `floor/spawn_floor`: one malloc + free of a 56-byte block (this
//!   runtime's task allocation for an empty task), one push + pop on a crossbeam-deque FIFO
//!   (a local run queue), and three uncontended atomic read-modify-writes
//!   (a task's state transitions), all in one iteration.
//! * `floor/alloc_free`, `floor/push_pop`, `floor/atomic_rmw_3`: the three
//!   parts alone.
//!
//! `docs/benchmarks.md` ("Floor") compares `chained_spawn`'s time per task
//! (spawn, run, free, each task spawning the next) against `spawn_floor`.
//! Not a runtime comparison: no `runtime` function, so the report does not
//! list it as a workload.

use criterion::{criterion_group, criterion_main, Criterion};
use crossbeam_deque::Worker;
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering::AcqRel};

/// The size of this runtime's task allocation (see `docs/benchmarks.md`,
/// Memory).
type TaskBlock = [u64; 7];

fn floor(c: &mut Criterion) {
    let mut g = c.benchmark_group("floor");
    let queue: Worker<Box<TaskBlock>> = Worker::new_fifo();
    let state = AtomicUsize::new(0);
    g.bench_function("spawn_floor", |b| {
        b.iter(|| {
            let task = Box::new(black_box([0u64; 7]));
            state.fetch_add(1, AcqRel);
            queue.push(task);
            let task = queue.pop().expect("just pushed");
            state.fetch_add(1, AcqRel);
            state.fetch_sub(2, AcqRel);
            drop(black_box(task));
        })
    });
    g.bench_function("alloc_free", |b| {
        b.iter(|| drop(black_box(Box::new(black_box([0u64; 7])))))
    });
    let ints: Worker<usize> = Worker::new_fifo();
    g.bench_function("push_pop", |b| {
        b.iter(|| {
            ints.push(black_box(1));
            black_box(ints.pop())
        })
    });
    g.bench_function("atomic_rmw_3", |b| {
        b.iter(|| {
            state.fetch_add(1, AcqRel);
            state.fetch_add(1, AcqRel);
            black_box(state.fetch_sub(2, AcqRel))
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = benches::criterion_config();
    targets = floor
}
criterion_main!(benches);

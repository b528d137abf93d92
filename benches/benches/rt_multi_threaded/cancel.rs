//! cancel_many: cancelling many pending tasks.

use super::*;

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

pub(crate) fn cancel_many(c: &mut Criterion) {
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

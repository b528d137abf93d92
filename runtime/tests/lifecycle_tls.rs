//! Issue 11, item 7: the runtime's functions called from a thread-local
//! destructor that runs after the runtime's own thread-locals are gone.
//! Functions documented as safe outside a runtime give their "outside"
//! answer; functions that need a runtime panic with their usual message.
//! Before the fix, the first call aborted the whole process (a panic in a
//! thread-local destructor), so this file holds only thread-local
//! destructor tests: that one, and a runtime dropped by a thread-local's
//! destructor.

mod support;

use std::cell::RefCell;
use std::sync::mpsc;

/// What the probe saw, from inside a thread-local destructor.
#[derive(Debug, PartialEq)]
struct Seen {
    try_current_is_err: bool,
    now_works: bool,
    is_cancelled: bool,
    try_id: Option<runtime::task::Id>,
    name: Option<std::sync::Arc<str>>,
    current_panics_with_advice: bool,
    spawn_panics_with_advice: bool,
    block_on_works: bool,
}

struct Probe {
    handle: runtime::Handle,
    out: mpsc::Sender<Seen>,
}

impl Drop for Probe {
    fn drop(&mut self) {
        let quiet = |f: &mut dyn FnMut()| std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
        let current = quiet(&mut || drop(runtime::Handle::current()));
        let spawn = quiet(&mut || drop(runtime::spawn(async {})));
        let mentions_runtime = |r: Result<(), Box<dyn std::any::Any + Send>>| match r {
            Ok(()) => false,
            Err(p) => support::panic_message(&*p).contains("no runtime on this thread"),
        };
        let seen = Seen {
            try_current_is_err: runtime::Handle::try_current().is_err(),
            now_works: runtime::time::now() <= std::time::Instant::now(),
            is_cancelled: runtime::task::is_cancelled(),
            try_id: runtime::task::try_id(),
            name: runtime::task::name(),
            current_panics_with_advice: mentions_runtime(current),
            spawn_panics_with_advice: mentions_runtime(spawn),
            block_on_works: self.handle.block_on(async { 6 * 7 }) == 42,
        };
        let _ = self.out.send(seen);
    }
}

thread_local! {
    static PROBE: RefCell<Option<Probe>> = const { RefCell::new(None) };
}

#[test]
fn runtime_functions_in_a_thread_local_destructor_answer_as_outside() {
    let rt = support::runtime(1);
    let handle = rt.handle().clone();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        // Registered first, so destroyed last: after every thread-local
        // the runtime uses below.
        PROBE.with(|p| {
            *p.borrow_mut() = Some(Probe {
                handle: handle.clone(),
                out: tx,
            })
        });
        // Touch the runtime's thread-locals on this thread.
        let _guard = handle.enter();
        handle.block_on(async {
            let _ = runtime::task::name();
            let _ = runtime::time::now();
            runtime::spawn(async {}).await.unwrap();
        });
        let _ = runtime::Handle::current();
    })
    .join()
    .expect("the thread (or its thread-local destructors) panicked");
    let seen = rx.recv().expect("the probe's destructor did not run");
    assert_eq!(
        seen,
        Seen {
            try_current_is_err: true,
            now_works: true,
            is_cancelled: false,
            try_id: None,
            name: None,
            current_panics_with_advice: true,
            spawn_panics_with_advice: true,
            block_on_works: true,
        }
    );
    drop(rt);
}

thread_local! {
    static OWNED_RUNTIME: RefCell<Option<runtime::Runtime>> = const { RefCell::new(None) };
}

/// A runtime owned by a thread-local is dropped by that thread-local's
/// destructor when the thread exits: the shutdown completes there (its
/// tasks are dropped, the thread exits), with no hang and no abort.
#[test]
fn a_runtime_dropped_in_a_thread_local_destructor_shuts_down() {
    let (dropped_tx, dropped_rx) = mpsc::channel::<()>();
    let thread = std::thread::spawn(move || {
        let rt = support::runtime(2);
        // Touch the runtime's own thread-locals first, so that theirs are
        // destroyed before ours on this thread.
        rt.block_on(async { runtime::spawn(async {}).await.unwrap() });
        struct SignalsDrop(mpsc::Sender<()>);
        impl Drop for SignalsDrop {
            fn drop(&mut self) {
                let _ = self.0.send(());
            }
        }
        let guard = SignalsDrop(dropped_tx);
        drop(rt.spawn(async move {
            let _guard = guard;
            std::future::pending::<()>().await;
        }));
        OWNED_RUNTIME.with(|slot| *slot.borrow_mut() = Some(rt));
    });
    dropped_rx
        .recv_timeout(support::WAIT)
        .expect("the runtime's task was never dropped");
    thread
        .join()
        .expect("the thread (or its thread-local destructors) panicked");
}

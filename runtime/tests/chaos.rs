//! Seeded chaos test: random programs of spawn, cancel, yield, sleep, wakes
//! from another thread, panics, detached handles, `catch_cancel` (with
//! asynchronous cleanup) and `shield`, on runtimes with 1, 2 and 8 workers.
//!
//! Each seed draws waves of tasks (`chaos/program.rs`) and a controller,
//! running in `block_on`, spawns them and, in a random interleaving,
//! cancels them (at a known point, or racing whatever they do), detaches or
//! awaits them. The seed ends by shutting the runtime down with the
//! abandoned tasks still live: dropped, `shutdown_timeout`, or dropped from
//! inside itself (in one of its tasks, in a destructor on one of its
//! workers, in a blocking closure). Checked:
//!
//! * every task and child future is dropped exactly once (before its handle
//!   resolves), and every catch frame's inner future too;
//! * every awaited handle resolves as the program dictates: the value, a
//!   panic, or cancelled; where a cancel races the task, exactly the
//!   outcomes the trace allows (`check_task`);
//! * no poll after completion, no concurrent poll, no poll after a
//!   cancellation was due (the `Probe` wrapper and the poll numbers), a
//!   cancellation caught by the innermost frame in the poll it was due;
//! * nothing leaks: the seed's shared context is held by nobody at the end;
//! * no deadlock: a per-seed watchdog fails with the seed and a dump.
//!
//! Run: `cargo test -p runtime --test chaos`. Scale: `CHAOS_SEEDS=200
//! CHAOS_OPS=20000` (seeds per worker count, operations per seed; defaults
//! 40 and 2000); `CHAOS_BASE=N` starts at another seed. Replay a failure:
//! `CHAOS_SEED=N cargo test -p runtime --test chaos` (the failure prints
//! it; `CHAOS_WORKERS=W` to run only that worker count).

#[path = "chaos/program.rs"]
mod program;

use futures_channel::oneshot;
use program::{
    gen_task, panic_text, task_body, Cancel, End, Log, Place, Probe, Rng, SeedCtx, TaskRt, TaskSpec,
};
use runtime::task::{yield_now, JoinError, JoinHandle};
use runtime::time::{sleep, Duration};
use runtime::{Builder, Runtime};
use std::collections::BTreeMap;
use std::sync::{mpsc, Arc, Mutex, Once};
use std::time::Instant;

fn env(name: &str) -> Option<u64> {
    let v = std::env::var(name).ok()?;
    Some(
        v.parse()
            .unwrap_or_else(|_| panic!("{name}={v:?} is not a number")),
    )
}

/// Silences the panics the programs cause on purpose; any other panic is
/// printed as usual.
fn quiet_intended_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let payload = info.payload();
            let text = payload
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| payload.downcast_ref::<&str>().copied())
                .unwrap_or("");
            if !text.starts_with("chaos: intended panic") && !text.starts_with(OWN_WORKER_PANIC) {
                default(info);
            }
        }));
    });
}

/// Completes the oneshots the tasks send it, a few arrivals later or when
/// nothing new comes for 200 us: wakes from a thread outside the runtime,
/// sometimes long after the task was cancelled.
fn waker_thread(rx: mpsc::Receiver<oneshot::Sender<()>>, seed: u64) {
    let mut rng = Rng::new(seed ^ 0x5741_4b45);
    let mut pending: Vec<(Option<oneshot::Sender<()>>, u64)> = Vec::new();
    loop {
        let wait = if pending.is_empty() {
            std::time::Duration::from_millis(50)
        } else {
            std::time::Duration::from_micros(200)
        };
        match rx.recv_timeout(wait) {
            Ok(tx) => pending.push((Some(tx), rng.below(4))),
            Err(mpsc::RecvTimeoutError::Timeout) => pending.iter_mut().for_each(|p| p.1 = 0),
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                for (tx, _) in pending.iter_mut() {
                    let _ = tx.take().unwrap().send(());
                }
                return;
            }
        }
        let len = pending.len();
        pending.rotate_left(rng.below(len as u64 + 1) as usize % len.max(1));
        pending.retain_mut(|(tx, n)| {
            if *n == 0 {
                let _ = tx.take().unwrap().send(());
                false
            } else {
                *n -= 1;
                true
            }
        });
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shutdown {
    /// `drop(rt)` from the controller's thread.
    Drop,
    /// `shutdown_timeout` from the controller's thread.
    Graceful,
    /// Dropped inside one of its own tasks (which panics with advice).
    InTask,
    /// Dropped by a destructor that runs on one of its workers: the
    /// future of a task that completes owns the runtime.
    InDestructor,
    /// Dropped inside a blocking closure.
    InBlocking,
}

/// How the runtime's panic starts when it is dropped on its own worker.
const OWN_WORKER_PANIC: &str = "a runtime was dropped or shut down from one of its own worker";

/// Drops `rt` from inside itself (`how`), and returns once every task
/// and child of the seed has been dropped (the shutdown then goes on
/// without the caller: the last worker to exit finishes it). Returns the
/// violations seen.
fn drop_from_inside(rt: Runtime, how: Shutdown, ctx: &SeedCtx, logs: &[Arc<Log>]) -> Vec<String> {
    struct DropsRuntime(Arc<Mutex<Option<Runtime>>>);
    impl Drop for DropsRuntime {
        fn drop(&mut self) {
            let rt = self.0.lock().unwrap().take();
            drop(rt);
        }
    }
    let handle = rt.handle().clone();
    let slot = DropsRuntime(Arc::new(Mutex::new(Some(rt))));
    let dropper = match how {
        Shutdown::InTask => handle.spawn(async move {
            let rt = slot.0.lock().unwrap().take();
            drop(rt);
        }),
        Shutdown::InDestructor => handle.spawn(async move {
            // Dropped with the future, once it has completed.
            let _slot = &slot;
        }),
        Shutdown::InBlocking => handle.spawn_blocking(move || drop(slot)),
        Shutdown::Drop | Shutdown::Graceful => unreachable!("not from inside"),
    };
    let mut violations = Vec::new();
    match (how, futures::executor::block_on(dropper)) {
        (Shutdown::InBlocking, Ok(())) => {}
        (Shutdown::InTask | Shutdown::InDestructor, Err(err)) if err.is_panic() => {
            let text = panic_text_of(err.into_panic());
            if !text.starts_with(OWN_WORKER_PANIC) {
                violations.push(format!(
                    "dropping the runtime {how:?} panicked with: {text}"
                ));
            }
        }
        (_, other) => violations.push(format!("dropping the runtime {how:?} gave {other:?}")),
    }
    let deadline = Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let children = ctx.children.lock().unwrap();
        let left = logs.iter().filter(|l| l.drops.get() == 0).count()
            + children.iter().filter(|c| c.1.drops.get() == 0).count();
        drop(children);
        if left == 0 {
            break;
        }
        if Instant::now() > deadline {
            violations.push(format!(
                "{left} futures never dropped after a {how:?} shutdown"
            ));
            break;
        }
        std::thread::yield_now();
    }
    violations
}

fn panic_text_of(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_default()
}

enum Op {
    Spawn(usize),
    CancelAtGate(usize),
    WaitGate(usize),
    CancelRacy(usize, u16),
    Finish(usize),
    Pause(u8),
}

struct Task {
    rt: Arc<TaskRt>,
    handle: Option<JoinHandle<u64>>,
    at_gate: Option<oneshot::Receiver<()>>,
    gate: Option<oneshot::Sender<()>>,
}

/// Tasks (and children) of the running seed, for the watchdog's dump.
type Registry = Arc<Mutex<Vec<(TaskSpec, Arc<Log>)>>>;

/// What the task's log and its result say; empty if they are consistent
/// with its program. `result` is `None` for a detached task.
fn check_task(
    spec: &TaskSpec,
    log: &Log,
    result: Option<&Result<u64, JoinError>>,
    shutdown: Shutdown,
    stats: &Mutex<BTreeMap<String, usize>>,
) -> Vec<String> {
    #[derive(Debug, PartialEq)]
    enum Out {
        Value,
        Panic,
        Cancelled,
    }
    let mut bad = Vec::new();
    let mut expect = |cond: bool, what: &str| {
        if !cond {
            bad.push(what.to_owned());
        }
    };
    expect(
        log.drops.get() == 1,
        "the future was not dropped exactly once",
    );
    expect(
        log.inner_drops.get() == log.inner_created.get() && log.inner_created.get() <= 1,
        "a catch frame's inner future was not dropped exactly once",
    );
    expect(
        log.outer_catch_err.get() == 0,
        "the outer of two catch frames took the cancellation",
    );
    expect(
        log.cleanup_started.get() <= 1 && log.cleanup_done.get() <= log.cleanup_started.get(),
        "the cleanup ran more than once",
    );
    expect(
        log.cleanup_started.get() == 0 || log.cancelled_in_cleanup.get(),
        "is_cancelled() was false during the cleanup",
    );
    let abandoned = spec.cancel == Cancel::Abandon;
    let dropped_at_shutdown = abandoned && shutdown != Shutdown::Graceful;
    if !dropped_at_shutdown {
        expect(
            log.shield_entered.get() == log.shield_done.get(),
            "a shield was left before its future completed",
        );
        expect(
            log.cleanup_done.get() == log.cleanup_started.get(),
            "a caught cancellation's cleanup did not finish",
        );
    }
    let (end, cleaned) = (log.end_reached.get(), log.cleanup_started.get() == 1);
    let finished = if spec.panics { Out::Panic } else { Out::Value };
    let caught = if spec.panics {
        Out::Panic
    } else {
        Out::Cancelled
    };
    let place = spec.gate_place();
    let (polls, issued) = (log.polls.get(), log.issued_at.get());
    let want = match spec.cancel {
        Cancel::Never => {
            expect(
                end && !cleaned,
                "an uncancelled task did not run to its end",
            );
            expect(
                !spec.has_catch() || log.catch_ok.get(),
                "catch_cancel returned Err uncancelled",
            );
            finished
        }
        Cancel::AtGate => match place.expect("an AtGate task has a gate") {
            Place::Outside => {
                expect(
                    !end && !cleaned,
                    "ran on after a cancellation with no catch frame",
                );
                expect(
                    polls <= issued + 1,
                    "polled again after its cancellation was due",
                );
                Out::Cancelled
            }
            Place::InCatch => {
                expect(
                    cleaned && end,
                    "the catch frame did not take the cancellation",
                );
                let d = log.delivered_poll.get();
                expect(
                    d <= issued + 2,
                    "the cancellation reached the catch frame late",
                );
                caught
            }
            Place::InShield => {
                expect(
                    log.shield_done.get() == 1,
                    "the shielded future did not complete",
                );
                expect(
                    !end && !cleaned,
                    "ran on after the shield released the cancellation",
                );
                expect(
                    polls == log.post_shield_poll.get(),
                    "polled again after the shield released the cancellation",
                );
                Out::Cancelled
            }
            Place::InCatchShield => {
                expect(
                    log.shield_done.get() == 1,
                    "the shielded future did not complete",
                );
                expect(
                    cleaned && end,
                    "the catch frame did not take the released cancellation",
                );
                expect(
                    log.delivered_poll.get() == log.post_shield_poll.get() + 1,
                    "the released cancellation did not reach the catch frame at the next poll",
                );
                caught
            }
        },
        Cancel::Racy { .. } => {
            if cleaned {
                expect(end, "a caught cancellation's task did not run to its end");
                caught
            } else if end {
                finished
            } else {
                Out::Cancelled
            }
        }
        Cancel::Abandon => {
            expect(log.gate_reached.get(), "never reached its gate");
            if shutdown == Shutdown::Graceful && place == Some(Place::InCatch) {
                expect(
                    cleaned && end,
                    "the graceful shutdown's cancellation was not caught",
                );
                caught
            } else {
                expect(!end && !cleaned, "ran past a gate that was never opened");
                Out::Cancelled
            }
        }
    };
    let kind = match (spec.cancel, place) {
        (Cancel::AtGate, Some(p)) => format!("cancelled at a gate {p:?}"),
        (Cancel::Racy { .. }, _) => "cancel racing".to_owned(),
        (Cancel::Abandon, _) => format!("left to a {shutdown:?} shutdown"),
        _ => "never cancelled".to_owned(),
    };
    let how = if result.is_some() {
        "awaited"
    } else {
        "detached"
    };
    *stats
        .lock()
        .unwrap()
        .entry(format!("{kind}, {how}: {want:?}"))
        .or_default() += 1;
    if let Some(result) = result {
        let ok = match (result, &want) {
            (Ok(v), Out::Value) => *v == spec.value,
            (Err(e), Out::Cancelled) => e.is_cancelled(),
            (Err(e), Out::Panic) => e.is_panic(),
            _ => false,
        };
        if !ok {
            bad.push(format!("resolved with {result:?}, expected {want:?}"));
        }
    }
    bad
}

/// One seed on a runtime with `workers` workers; returns the violations.
fn run_seed(
    seed: u64,
    workers: usize,
    ops_target: usize,
    registry: Registry,
    stats: &Mutex<BTreeMap<String, usize>>,
) -> Vec<String> {
    let mut rng = Rng::new(seed);
    let shutdown = if rng.chance(40) {
        Shutdown::Graceful
    } else {
        match rng.below(5) {
            0 => Shutdown::InTask,
            1 => Shutdown::InDestructor,
            2 => Shutdown::InBlocking,
            _ => Shutdown::Drop,
        }
    };
    let rt = Builder::new()
        .worker_threads(workers)
        .build()
        .expect("failed to build a runtime");
    let (waker_tx, waker_rx) = mpsc::channel();
    let waker = std::thread::spawn(move || waker_thread(waker_rx, seed));
    let ctx = Arc::new(SeedCtx {
        waker_tx: Mutex::new(Some(waker_tx)),
        children: Mutex::new(Vec::new()),
        violations: Mutex::new(Vec::new()),
        stats: Mutex::default(),
    });
    let ctx2 = ctx.clone();
    let registry2 = registry.clone();
    let kept = rt.block_on(async move {
        let (ctx, registry) = (ctx2, registry2);
        let mut tasks: Vec<Task> = Vec::new();
        let mut ops = 0;
        while ops < ops_target {
            let first = tasks.len();
            let wave = 1 + rng.below(24) as usize;
            let mut queues: Vec<Vec<Op>> = Vec::new();
            for id in first..first + wave {
                let spec = gen_task(&mut rng, id, shutdown == Shutdown::Graceful);
                ops += spec.step_count();
                let mut q = vec![Op::Spawn(id)];
                match spec.cancel {
                    Cancel::AtGate => q.push(Op::CancelAtGate(id)),
                    Cancel::Abandon => q.push(Op::WaitGate(id)),
                    Cancel::Racy { spin } => q.push(Op::CancelRacy(id, spin)),
                    Cancel::Never => {}
                }
                if rng.chance(30) {
                    q.insert(1, Op::Pause(rng.below(4) as u8));
                }
                q.push(Op::Finish(id));
                ops += q.len();
                queues.push(q.into_iter().rev().collect());
                let (signal_tx, signal_rx) = oneshot::channel();
                let (gate_tx, gate_rx) = oneshot::channel();
                let log = Arc::new(Log::default());
                registry.lock().unwrap().push((spec.clone(), log.clone()));
                tasks.push(Task {
                    rt: Arc::new(TaskRt {
                        spec,
                        log,
                        ctx: ctx.clone(),
                        gate: Mutex::new(Some((signal_tx, gate_rx))),
                    }),
                    handle: None,
                    at_gate: Some(signal_rx),
                    gate: Some(gate_tx),
                });
            }
            // A random interleaving that keeps each task's own order.
            while !queues.is_empty() {
                let i = rng.below(queues.len() as u64) as usize;
                let op = queues[i].pop().unwrap();
                if queues[i].is_empty() {
                    queues.swap_remove(i);
                }
                execute(op, &mut tasks, &ctx, shutdown).await;
            }
        }
        // Everything but the abandoned tasks finishes by itself now.
        let deadline = Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let live: Vec<String> = tasks
                .iter()
                .filter(|t| t.rt.spec.cancel != Cancel::Abandon && t.rt.log.drops.get() == 0)
                .map(|t| format!("task {}", t.rt.spec.id))
                .chain(
                    ctx.children
                        .lock()
                        .unwrap()
                        .iter()
                        .filter(|c| c.1.drops.get() == 0)
                        .map(|c| c.0.clone()),
                )
                .collect();
            if live.is_empty() {
                break;
            }
            if Instant::now() > deadline {
                ctx.violation(format!("never finished: {live:?}"));
                break;
            }
            sleep(Duration::from_millis(1)).await;
        }
        for t in &tasks {
            if t.rt.spec.cancel == Cancel::Abandon && shutdown == Shutdown::Graceful {
                t.rt.log.cancel_requested.set();
            }
        }
        tasks
    });
    let mut violations = match shutdown {
        Shutdown::Drop => {
            drop(rt);
            Vec::new()
        }
        Shutdown::Graceful => {
            rt.shutdown_timeout(std::time::Duration::from_secs(10));
            Vec::new()
        }
        Shutdown::InTask | Shutdown::InDestructor | Shutdown::InBlocking => {
            let logs: Vec<Arc<Log>> = kept.iter().map(|t| t.rt.log.clone()).collect();
            drop_from_inside(rt, shutdown, &ctx, &logs)
        }
    };
    violations.extend(std::mem::take(&mut *ctx.violations.lock().unwrap()));
    for mut t in kept {
        // Awaited tasks were checked when their handle resolved; look again
        // at their drop count only (a second drop would show now).
        let result = t.handle.take().map(futures::executor::block_on);
        let found = if t.rt.spec.end == End::Await {
            match t.rt.log.drops.get() {
                1 => Vec::new(),
                n => vec![format!("dropped {n} times by the end")],
            }
        } else {
            check_task(&t.rt.spec, &t.rt.log, result.as_ref(), shutdown, &ctx.stats)
        };
        violations.extend(
            found
                .into_iter()
                .map(|v| format!("task {}: {v}", t.rt.spec.id)),
        );
    }
    for (name, log) in ctx.children.lock().unwrap().iter() {
        if log.drops.get() != 1 || !log.end_reached.get() {
            violations.push(format!(
                "{name}: dropped {} times, reached its end: {}",
                log.drops.get(),
                log.end_reached.get()
            ));
        }
    }
    violations.extend(ctx.violations.lock().unwrap().drain(..));
    ctx.waker_tx.lock().unwrap().take();
    waker.join().expect("the waker thread panicked");
    for (k, v) in std::mem::take(&mut *ctx.stats.lock().unwrap()) {
        *stats.lock().unwrap().entry(k).or_default() += v;
    }
    // After a shutdown from inside, the last futures may still be
    // releasing their references on a worker thread.
    let deadline = Instant::now() + std::time::Duration::from_secs(20);
    while Arc::strong_count(&ctx) != 1 && Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    if Arc::strong_count(&ctx) != 1 {
        violations.push(format!(
            "{} references to the seed's context leaked (a task was never freed)",
            Arc::strong_count(&ctx) - 1
        ));
    }
    violations
}

async fn execute(op: Op, tasks: &mut [Task], ctx: &Arc<SeedCtx>, shutdown: Shutdown) {
    match op {
        Op::Spawn(id) => {
            let t = &mut tasks[id];
            let name = format!("task {id}");
            let body = task_body(t.rt.clone());
            t.handle = Some(runtime::spawn(Probe::new(
                body,
                t.rt.log.clone(),
                ctx.clone(),
                name,
            )));
        }
        Op::CancelAtGate(id) | Op::WaitGate(id) => {
            let t = &mut tasks[id];
            if t.at_gate.take().unwrap().await.is_err() {
                ctx.violation(format!("task {id}: dropped before it reached its gate"));
                return;
            }
            if let Op::CancelAtGate(_) = op {
                let log = &t.rt.log;
                log.cancel_requested.set();
                t.handle.as_ref().unwrap().cancel();
                log.issued_at.set(log.polls.get());
                log.cancel_issued.set();
                let gate = t.gate.take().unwrap();
                if matches!(
                    t.rt.spec.gate_place(),
                    Some(Place::InShield | Place::InCatchShield)
                ) {
                    let _ = gate.send(());
                }
            }
        }
        Op::CancelRacy(id, spin) => {
            for _ in 0..spin {
                std::hint::spin_loop();
            }
            let t = &tasks[id];
            t.rt.log.cancel_requested.set();
            t.handle.as_ref().unwrap().cancel();
            t.rt.log.cancel_issued.set();
        }
        Op::Finish(id) => {
            let t = &mut tasks[id];
            match t.rt.spec.end {
                End::Keep => {}
                End::Detach => drop(t.handle.take()),
                End::Await => {
                    let result = t.handle.take().unwrap().await;
                    for v in check_task(&t.rt.spec, &t.rt.log, Some(&result), shutdown, &ctx.stats)
                    {
                        ctx.violation(format!("task {id}: {v}"));
                    }
                }
            }
        }
        Op::Pause(kind) => match kind {
            0 => yield_now().await,
            1 => sleep(Duration::from_millis(1)).await,
            _ => std::thread::yield_now(),
        },
    }
}

/// Runs seeds on `workers` workers, each under a watchdog; panics with the
/// seed, a replay command and the violations (or a dump, for a hang).
fn chaos(workers: usize) {
    quiet_intended_panics();
    if let Some(w) = env("CHAOS_WORKERS") {
        if w as usize != workers {
            return;
        }
    }
    let ops = env("CHAOS_OPS").unwrap_or(2000) as usize;
    let seeds: Vec<u64> = match env("CHAOS_SEED") {
        Some(seed) => vec![seed],
        None => {
            let base = env("CHAOS_BASE").unwrap_or(0) + workers as u64 * 1_000_000;
            (base..base + env("CHAOS_SEEDS").unwrap_or(40)).collect()
        }
    };
    let limit = std::time::Duration::from_secs(60 + (ops / 100) as u64);
    let stats: Arc<Mutex<BTreeMap<String, usize>>> = Arc::default();
    let started = Instant::now();
    let count = seeds.len();
    for seed in seeds {
        let stats = stats.clone();
        let registry: Registry = Arc::default();
        let (tx, rx) = mpsc::channel();
        let reg = registry.clone();
        std::thread::Builder::new()
            .name(format!("chaos-seed-{seed}"))
            .spawn(move || {
                let r = std::panic::catch_unwind(|| run_seed(seed, workers, ops, reg, &stats));
                let _ = tx.send(r);
            })
            .unwrap();
        let replay = format!(
            "replay: CHAOS_SEED={seed} CHAOS_WORKERS={workers} CHAOS_OPS={ops} \
             cargo test -p runtime --test chaos"
        );
        let violations = match rx.recv_timeout(limit) {
            Ok(Ok(v)) => v,
            Ok(Err(panic)) => {
                eprintln!("chaos: seed {seed} on {workers} workers panicked; {replay}");
                std::panic::resume_unwind(panic)
            }
            Err(_) => {
                let dump: Vec<String> = registry
                    .lock()
                    .unwrap()
                    .iter()
                    .filter(|(_, log)| log.drops.get() == 0)
                    .map(|(spec, log)| format!("{spec:?}\n    {log:?}"))
                    .collect();
                panic!(
                    "chaos: seed {seed} on {workers} workers hung for {limit:?} (deadlock or \
                     lost wake-up); {replay}\nlive tasks:\n{}",
                    dump.join("\n")
                );
            }
        };
        assert!(
            violations.is_empty(),
            "chaos: seed {seed} on {workers} workers broke {} invariant(s); {replay}\n{}",
            violations.len(),
            violations.join("\n")
        );
    }
    let mut summary = format!(
        "chaos: {count} seeds x ~{ops} ops on {workers} worker(s) in {:?}; tasks:",
        started.elapsed()
    );
    for (k, v) in stats.lock().unwrap().iter() {
        summary.push_str(&format!("\n  {v:6}  {k}"));
    }
    eprintln!("{summary}");
}

#[test]
fn chaos_1_worker() {
    chaos(1);
}

#[test]
fn chaos_2_workers() {
    chaos(2);
}

#[test]
fn chaos_8_workers() {
    chaos(8);
}

#[test]
fn the_prng_is_deterministic() {
    let (mut a, mut b) = (Rng::new(42), Rng::new(42));
    let xs: Vec<u64> = (0..5).map(|_| a.next()).collect();
    assert_eq!(xs, (0..5).map(|_| b.next()).collect::<Vec<_>>());
    assert_ne!(xs[0], Rng::new(43).next());
    let spec = format!("{:?}", gen_task(&mut Rng::new(7), 0, false));
    assert_eq!(spec, format!("{:?}", gen_task(&mut Rng::new(7), 0, false)));
    assert!(panic_text("task", 3).starts_with("chaos: intended panic"));
}

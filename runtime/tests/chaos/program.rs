//! The chaos test's random programs: a seeded PRNG, the task specs it
//! draws, the task bodies that run them, and the per-task log the bodies
//! and the `Probe` wrapper write and the checks read (see `chaos.rs`).

use futures_channel::oneshot;
use runtime::task::{catch_cancel, is_cancelled, shield, yield_now, JoinHandle};
use runtime::time::{sleep, Duration};
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc, Mutex};
use std::task::{Context, Poll};

/// xorshift64* seeded through splitmix64: small, fast, and the same on
/// every platform, so a seed replays the same program.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Rng((z ^ (z >> 31)) | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// True with probability `percent` / 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// One thing a task body does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// `yield_now().await`.
    Yield,
    /// `sleep(ms)` on the runtime's timers (0 completes at once).
    Sleep(u8),
    /// Awaits a oneshot that the waker thread completes: a wake from
    /// another thread.
    External,
    /// Spawns `children[i]`; awaits it (checking its result) or detaches it.
    Child { index: usize, join: bool },
    /// Signals the controller, then waits for it: the point where a
    /// deterministic cancellation lands.
    Gate,
}

/// What wraps the `inner` steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Frame {
    None,
    Catch,
    /// `shield(inner)`, then a `yield_now` (the cancellation lands there).
    Shield,
    /// `catch_cancel(async { shield(inner); yield_now })`.
    CatchShield,
    /// `catch_cancel(catch_cancel(inner))`: the innermost one takes it.
    CatchCatch,
}

/// How the controller cancels the task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cancel {
    Never,
    /// Once the task waits at its gate; the outcome is determined.
    AtGate,
    /// Whenever the controller gets to it: races everything.
    Racy {
        spin: u16,
    },
    /// Never released, never cancelled: left for the runtime's shutdown.
    Abandon,
}

/// What the controller finally does with the handle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    Await,
    Detach,
    /// Kept until after shutdown, then awaited (only `Cancel::Abandon`).
    Keep,
}

#[derive(Clone, Debug)]
pub struct ChildSpec {
    pub steps: Vec<Step>,
    pub panics: bool,
    pub value: u64,
}

#[derive(Clone, Debug)]
pub struct TaskSpec {
    pub id: usize,
    pub prefix: Vec<Step>,
    pub frame: Frame,
    pub inner: Vec<Step>,
    /// Run after a caught cancellation (catch frames only).
    pub cleanup: Vec<Step>,
    pub suffix: Vec<Step>,
    pub children: Vec<ChildSpec>,
    pub panics: bool,
    pub value: u64,
    pub cancel: Cancel,
    pub end: End,
}

/// Where a task's gate is, as far as cancellation is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    Outside,
    InCatch,
    InShield,
    InCatchShield,
}

impl TaskSpec {
    pub fn gate_place(&self) -> Option<Place> {
        if self.prefix.contains(&Step::Gate) || self.suffix.contains(&Step::Gate) {
            return Some(Place::Outside);
        }
        if !self.inner.contains(&Step::Gate) {
            return None;
        }
        Some(match self.frame {
            Frame::None => Place::Outside,
            Frame::Catch | Frame::CatchCatch => Place::InCatch,
            Frame::Shield => Place::InShield,
            Frame::CatchShield => Place::InCatchShield,
        })
    }

    pub fn has_catch(&self) -> bool {
        matches!(
            self.frame,
            Frame::Catch | Frame::CatchCatch | Frame::CatchShield
        )
    }

    pub fn step_count(&self) -> usize {
        self.prefix.len()
            + self.inner.len()
            + self.cleanup.len()
            + self.suffix.len()
            + self
                .children
                .iter()
                .map(|c| c.steps.len() + 1)
                .sum::<usize>()
            + 1
    }
}

fn plain_step(rng: &mut Rng) -> Step {
    match rng.below(10) {
        0..=3 => Step::Yield,
        4..=5 => Step::Sleep(rng.below(3) as u8),
        _ => Step::External,
    }
}

fn steps(rng: &mut Rng, max: u64, children: Option<&mut Vec<ChildSpec>>) -> Vec<Step> {
    let n = rng.below(max + 1);
    let mut out = Vec::new();
    let mut children = children;
    for _ in 0..n {
        match children.as_mut() {
            Some(list) if list.len() < 2 && rng.chance(15) => {
                list.push(ChildSpec {
                    steps: steps(rng, 3, None),
                    panics: rng.chance(10),
                    value: rng.next() >> 16,
                });
                out.push(Step::Child {
                    index: list.len() - 1,
                    join: rng.chance(70),
                });
            }
            _ => out.push(plain_step(rng)),
        }
    }
    out
}

/// Draws task `id`. `graceful`: the seed ends with `shutdown_timeout`, so an
/// abandoned task's gate must not sit inside a shield (it would hold the
/// cancellation until the grace period ran out).
pub fn gen_task(rng: &mut Rng, id: usize, graceful: bool) -> TaskSpec {
    let cancel = match rng.below(100) {
        0..=34 => Cancel::Never,
        35..=64 => Cancel::AtGate,
        65..=89 => Cancel::Racy {
            spin: rng.below(2000) as u16,
        },
        _ => Cancel::Abandon,
    };
    let frame = match rng.below(100) {
        0..=29 => Frame::None,
        30..=54 => Frame::Catch,
        55..=69 => Frame::Shield,
        70..=84 => Frame::CatchShield,
        _ => Frame::CatchCatch,
    };
    let abandon = cancel == Cancel::Abandon;
    let mut children = Vec::new();
    // An abandoned task spawns nothing: during a graceful shutdown a spawn
    // is refused, which would change what its parent sees.
    let kids = (!abandon).then_some(&mut children);
    let mut prefix = steps(rng, 3, kids);
    let kids = (!abandon).then_some(&mut children);
    let mut inner = steps(rng, 3, kids);
    let cleanup = if matches!(frame, Frame::Catch | Frame::CatchShield | Frame::CatchCatch) {
        steps(rng, 2, None)
    } else {
        Vec::new()
    };
    let kids = (!abandon).then_some(&mut children);
    let mut suffix = steps(rng, 3, kids);
    if matches!(cancel, Cancel::AtGate | Cancel::Abandon) {
        let shielded = matches!(frame, Frame::Shield | Frame::CatchShield);
        let mut spot = rng.below(10);
        if graceful && abandon && shielded && spot >= 3 {
            spot = if rng.chance(50) { 0 } else { 9 };
        }
        let list = match spot {
            0..=2 => &mut prefix,
            3..=8 => &mut inner,
            _ => &mut suffix,
        };
        let at = rng.below(list.len() as u64 + 1) as usize;
        list.insert(at, Step::Gate);
    }
    let end = match cancel {
        Cancel::Abandon if rng.chance(60) => End::Keep,
        Cancel::Abandon => End::Detach,
        _ if rng.chance(75) => End::Await,
        _ => End::Detach,
    };
    TaskSpec {
        id,
        prefix,
        frame,
        inner,
        cleanup,
        suffix,
        children,
        panics: rng.chance(10),
        value: rng.next() >> 16,
        cancel,
        end,
    }
}

/// A counter that the checks read.
#[derive(Default, Debug)]
pub struct Count(AtomicUsize);

impl Count {
    pub fn get(&self) -> usize {
        self.0.load(SeqCst)
    }
    pub fn incr(&self) {
        self.0.fetch_add(1, SeqCst);
    }
    pub fn set(&self, v: usize) {
        self.0.store(v, SeqCst);
    }
}

#[derive(Default, Debug)]
pub struct Bool(AtomicBool);

impl Bool {
    pub fn get(&self) -> bool {
        self.0.load(SeqCst)
    }
    pub fn set(&self) {
        self.0.store(true, SeqCst);
    }
}

/// What happened to one task (or child): written by its body, its `Probe`
/// and the controller; read by the checks and the watchdog's dump.
#[derive(Default, Debug)]
pub struct Log {
    pub drops: Count,
    pub polls: Count,
    pub current_poll: Count,
    pub polling: Bool,
    pub done: Bool,
    pub cancel_requested: Bool,
    pub cancel_issued: Bool,
    /// `polls` as the controller read it right after `cancel()` returned.
    pub issued_at: Count,
    pub gate_reached: Bool,
    /// The poll in which a `catch_cancel` returned `Err(Cancelled)`.
    pub delivered_poll: Count,
    pub outer_catch_err: Count,
    /// The poll in which the shield completed (then the task yields).
    pub post_shield_poll: Count,
    pub shield_entered: Count,
    pub shield_done: Count,
    pub catch_ok: Bool,
    pub inner_created: Count,
    pub inner_drops: Count,
    pub cleanup_started: Count,
    pub cleanup_done: Count,
    pub cancelled_in_cleanup: Bool,
    pub end_reached: Bool,
}

/// Everything a seed's tasks share.
pub struct SeedCtx {
    /// To the waker thread; taken (closing the channel) at the end.
    pub waker_tx: Mutex<Option<mpsc::Sender<oneshot::Sender<()>>>>,
    /// Logs of spawned children, for the final accounting.
    pub children: Mutex<Vec<(String, Arc<Log>)>>,
    pub violations: Mutex<Vec<String>>,
    /// How many tasks of each kind ended how (printed with --nocapture).
    pub stats: Mutex<std::collections::BTreeMap<String, usize>>,
}

impl SeedCtx {
    pub fn violation(&self, what: String) {
        self.violations.lock().unwrap().push(what);
    }
}

/// The parts of a task the controller and the body both reach.
pub struct TaskRt {
    pub spec: TaskSpec,
    pub log: Arc<Log>,
    pub ctx: Arc<SeedCtx>,
    /// (at-gate signal to the controller, the gate itself).
    pub gate: Mutex<Option<(oneshot::Sender<()>, oneshot::Receiver<()>)>>,
}

/// Wraps a task's future: counts polls and drops, and flags a poll after
/// completion, a concurrent poll, or a poll that a cancellation should have
/// prevented (`Log::cancel_issued` with the gate outside any frame).
pub struct Probe<F> {
    fut: Pin<Box<F>>,
    log: Arc<Log>,
    ctx: Arc<SeedCtx>,
    name: String,
}

impl<F: Future> Probe<F> {
    pub fn new(fut: F, log: Arc<Log>, ctx: Arc<SeedCtx>, name: String) -> Probe<F> {
        Probe {
            fut: Box::pin(fut),
            log,
            ctx,
            name,
        }
    }
}

impl<F: Future> Future for Probe<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        struct Unset<'a>(&'a AtomicBool);
        impl Drop for Unset<'_> {
            fn drop(&mut self) {
                self.0.store(false, SeqCst);
            }
        }
        let this = &mut *self;
        if this.log.polling.0.swap(true, SeqCst) {
            this.ctx
                .violation(format!("{}: polled by two threads at once", this.name));
        }
        let _unset = Unset(&this.log.polling.0);
        if this.log.done.get() {
            this.ctx
                .violation(format!("{}: polled after it completed", this.name));
        }
        this.log.polls.incr();
        this.log.current_poll.set(this.log.polls.get());
        let out = this.fut.as_mut().poll(cx);
        if out.is_ready() {
            this.log.done.set();
        }
        out
    }
}

impl<F> Drop for Probe<F> {
    fn drop(&mut self) {
        if self.log.polling.get() {
            self.ctx
                .violation(format!("{}: dropped while being polled", self.name));
        }
        self.log.drops.incr();
    }
}

/// Counts the drop of a catch frame's inner future.
struct InnerGuard(Arc<Log>);

impl Drop for InnerGuard {
    fn drop(&mut self) {
        self.0.inner_drops.incr();
    }
}

pub fn panic_text(kind: &str, id: usize) -> String {
    format!("chaos: intended panic in {kind} {id}")
}

async fn external(ctx: &SeedCtx, who: &str) {
    let (tx, rx) = oneshot::channel();
    let sent = match ctx.waker_tx.lock().unwrap().as_ref() {
        Some(waker) => waker.send(tx).is_ok(),
        None => false,
    };
    if !sent || rx.await.is_err() {
        ctx.violation(format!("{who}: the waker thread is gone"));
    }
}

/// Runs plain steps (and children, gates) for the task `t`.
async fn run_steps(t: &TaskRt, steps: &[Step]) {
    let who = format!("task {}", t.spec.id);
    for &step in steps {
        match step {
            Step::Yield => yield_now().await,
            Step::Sleep(ms) => sleep(Duration::from_millis(ms.into())).await,
            Step::External => external(&t.ctx, &who).await,
            Step::Child { index, join } => {
                let handle = spawn_child(&t.ctx, &t.spec.children[index], t.spec.id, index);
                if join {
                    let child = &t.spec.children[index];
                    let result = handle.await;
                    let ok = match &result {
                        Ok(v) => !child.panics && *v == child.value,
                        Err(e) => child.panics && e.is_panic(),
                    };
                    if !ok {
                        t.ctx.violation(format!(
                            "{who}: child {index} resolved with {result:?}, expected {}",
                            if child.panics {
                                "a panic".into()
                            } else {
                                format!("Ok({})", child.value)
                            }
                        ));
                    }
                }
            }
            Step::Gate => {
                let (signal, mut gate) = t.gate.lock().unwrap().take().expect("one gate per task");
                // Signal only once the gate is registered (first poll
                // pending): a release or a drop of the gate by the controller
                // afterwards is then seen only by a later poll.
                let mut signal = Some(signal);
                let opened = poll_fn(|cx| {
                    let poll = Pin::new(&mut gate).poll(cx);
                    if poll.is_pending() {
                        if let Some(signal) = signal.take() {
                            t.log.gate_reached.set();
                            let _ = signal.send(());
                        }
                    }
                    poll
                })
                .await;
                if opened.is_err() {
                    t.ctx.violation(format!(
                        "{who}: polled past its gate although the cancellation was issued \
                         while it waited there (not delivered); is_cancelled() = {}\n  {:?}\n  {:?}",
                        is_cancelled(),
                        t.spec,
                        t.log
                    ));
                }
            }
        }
    }
}

fn spawn_child(
    ctx: &Arc<SeedCtx>,
    spec: &ChildSpec,
    parent: usize,
    index: usize,
) -> JoinHandle<u64> {
    let log = Arc::new(Log::default());
    let name = format!("child {index} of task {parent}");
    ctx.children
        .lock()
        .unwrap()
        .push((name.clone(), log.clone()));
    let (spec, log2, ctx2, name2) = (spec.clone(), log.clone(), ctx.clone(), name.clone());
    let body = async move {
        for &step in &spec.steps {
            match step {
                Step::Yield => yield_now().await,
                Step::Sleep(ms) => sleep(Duration::from_millis(ms.into())).await,
                _ => external(&ctx2, &name2).await,
            }
        }
        log2.end_reached.set();
        if spec.panics {
            panic!("{}", panic_text("child of task", parent));
        }
        spec.value
    };
    runtime::spawn(Probe::new(body, log, ctx.clone(), name))
}

fn record_is_cancelled(t: &TaskRt, when: &str) {
    // `cancel_issued` is read before the flag: the controller sets it
    // after `cancel()` returned, so once it reads true the flag must too.
    // (Read after the flag, a cancel landing between the two reads was
    // reported as a violation: a false positive of the checker.)
    let issued = t.log.cancel_issued.get();
    let flag = is_cancelled();
    if flag && !t.log.cancel_requested.get() {
        t.ctx.violation(format!(
            "task {}: is_cancelled() true {when}, but nobody cancelled it",
            t.spec.id
        ));
    }
    if !flag && issued {
        t.ctx.violation(format!(
            "task {}: is_cancelled() false {when}, after cancel() returned",
            t.spec.id
        ));
    }
}

async fn cleanup(t: &TaskRt) {
    t.log.delivered_poll.set(t.log.current_poll.get());
    t.log.cleanup_started.incr();
    if is_cancelled() {
        t.log.cancelled_in_cleanup.set();
    }
    run_steps(t, &t.spec.cleanup).await;
    t.log.cleanup_done.incr();
}

async fn shielded(t: &TaskRt) {
    shield(async {
        t.log.shield_entered.incr();
        run_steps(t, &t.spec.inner).await;
        t.log.shield_done.incr();
    })
    .await;
    t.log.post_shield_poll.set(t.log.current_poll.get());
    yield_now().await;
}

/// The body of a task: prefix, frame (inner), suffix, then its value or
/// its panic.
pub async fn task_body(t: Arc<TaskRt>) -> u64 {
    let t = &*t;
    run_steps(t, &t.spec.prefix).await;
    let guard = || {
        t.log.inner_created.incr();
        InnerGuard(t.log.clone())
    };
    match t.spec.frame {
        Frame::None => run_steps(t, &t.spec.inner).await,
        Frame::Shield => shielded(t).await,
        Frame::Catch => {
            let g = guard();
            let caught = catch_cancel(async move {
                let _g = g;
                run_steps(t, &t.spec.inner).await;
            })
            .await;
            match caught {
                Ok(()) => t.log.catch_ok.set(),
                Err(_) => cleanup(t).await,
            }
        }
        Frame::CatchShield => {
            let g = guard();
            let caught = catch_cancel(async move {
                let _g = g;
                shielded(t).await;
            })
            .await;
            match caught {
                Ok(()) => t.log.catch_ok.set(),
                Err(_) => cleanup(t).await,
            }
        }
        Frame::CatchCatch => {
            let g = guard();
            let outer = catch_cancel(async move {
                let caught = catch_cancel(async move {
                    let _g = g;
                    run_steps(t, &t.spec.inner).await;
                })
                .await;
                match caught {
                    Ok(()) => t.log.catch_ok.set(),
                    Err(_) => cleanup(t).await,
                }
            })
            .await;
            if outer.is_err() {
                t.log.outer_catch_err.incr();
            }
        }
    }
    run_steps(t, &t.spec.suffix).await;
    record_is_cancelled(t, "at the end of the task");
    t.log.end_reached.set();
    if t.spec.panics {
        panic!("{}", panic_text("task", t.spec.id));
    }
    t.spec.value
}

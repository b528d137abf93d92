//! The task allocation: one heap block holding the header, the scheduler
//! handle, the future (later its output) and the join waker, plus the
//! type-erased pointer and vtable everything else uses to reach it.

use super::error::Repr;
use super::harness;
use super::list::UNLISTED;
use super::state::State;
use super::waker::JoinWaker;
use super::Id;
use crate::loom::{AtomicU32, Ordering, UnsafeCell};
use std::future::Future;
use std::mem::ManuallyDrop;
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Poll, Waker};

/// Where the runtime sends a task when it must run (again).
pub(crate) trait Schedule: Send + Sync + Sized + 'static {
    /// The task was woken or cancelled and must be polled.
    fn schedule(&self, task: Notified);

    /// The task was woken during its own poll: queue it behind other work
    /// (a task that keeps waking itself must not starve the others).
    fn yield_now(&self, task: Notified);

    /// The task completed: take it off the runtime's task list. Returns
    /// whether it was there (the list's reference is then the caller's to
    /// release).
    fn release(&self, task: &Header) -> bool;

    /// A task whose listing was deferred (`list::DEFERRED`) ends its first
    /// poll pending: list it. The caller still holds RUNNING and acts on
    /// the answer before it lets the task go idle. Only a scheduler that
    /// defers listings is ever asked.
    fn list_pending(&self, task: &Header) -> FirstPending {
        let _ = task;
        unreachable!("a task of a scheduler that never defers its listing was deferred")
    }
}

/// What becomes of a deferred task whose first poll left it pending
/// (`Schedule::list_pending`).
pub(crate) enum FirstPending {
    /// It is listed now, like any other live task.
    Listed,
    /// Listed after shutdown began: the poller cancels it, as the shutdown
    /// cancelled the tasks listed then.
    Cancel,
    /// The shutdown's last pass is over and nothing would find it: the
    /// poller completes it now, as cancelled.
    Refused,
}

/// Type-erased operations on one concrete `Cell<F, S>`.
pub(crate) struct Vtable {
    /// Polls the task; consumes one reference (a run-queue entry).
    pub(super) poll: unsafe fn(NonNull<Header>),
    /// Hands one reference to the task's scheduler as a `Notified`.
    pub(super) schedule: unsafe fn(NonNull<Header>),
    /// Frees the allocation; called once the count reaches zero.
    pub(super) dealloc: unsafe fn(NonNull<Header>),
    /// Writes `Poll<Result<T, JoinError>>` to the pointer if complete, else
    /// registers the waker.
    pub(super) try_read_output: unsafe fn(NonNull<Header>, *mut (), &Waker),
    /// Drops the `JoinHandle`'s claims and reference.
    pub(super) drop_join_handle: unsafe fn(NonNull<Header>),
    /// Completes an idle task as cancelled without polling it (forced
    /// shutdown); consumes one reference.
    pub(super) shutdown: unsafe fn(NonNull<Header>),
}

/// Cancellation bookkeeping that only the thread polling the task touches:
/// two live-frame counts and two flags, packed into 32 bits (the other half
/// of the state word's 64-bit slot in the header).
///
/// Each count is 15 bits and saturates at [`CancelFrames::MAX_LIVE`] rather
/// than wrapping; the top bit of each half holds one flag. `catch` carries
/// `consumed`, `shield` carries `delivered`.
#[derive(Default)]
pub(crate) struct CancelFrames {
    catch: u16,
    shield: u16,
}

/// Which live-frame count of [`CancelFrames`] a frame counts in.
#[derive(Clone, Copy)]
pub(crate) enum Frame {
    /// A `catch_cancel` frame (or a task group's).
    Catch,
    /// A `shield` frame.
    Shield,
}

/// The flag bit in each half of [`CancelFrames`].
const FLAG: u16 = 1 << 15;

impl CancelFrames {
    /// Where a live-frame count saturates (over 32,767 live frames of one
    /// kind in one task).
    pub(crate) const MAX_LIVE: u16 = FLAG - 1;

    fn half(&mut self, frame: Frame) -> &mut u16 {
        match frame {
            Frame::Catch => &mut self.catch,
            Frame::Shield => &mut self.shield,
        }
    }

    /// Live frames of this kind registered in the task.
    pub(crate) fn live(&self, frame: Frame) -> u16 {
        match frame {
            Frame::Catch => self.catch & Self::MAX_LIVE,
            Frame::Shield => self.shield & Self::MAX_LIVE,
        }
    }

    /// Counts one more live frame (saturating).
    pub(crate) fn register(&mut self, frame: Frame) {
        let half = self.half(frame);
        if *half & Self::MAX_LIVE < Self::MAX_LIVE {
            *half += 1;
        }
    }

    /// Counts one frame less (saturating at zero).
    pub(crate) fn deregister(&mut self, frame: Frame) {
        let half = self.half(frame);
        if *half & Self::MAX_LIVE > 0 {
            *half -= 1;
        }
    }

    /// A `catch_cancel` received the cancellation: never deliver again.
    /// (A task group's frame clears it when it re-arms the cancellation.)
    pub(crate) fn consumed(&self) -> bool {
        self.catch & FLAG != 0
    }

    pub(crate) fn set_consumed(&mut self, consumed: bool) {
        if consumed {
            self.catch |= FLAG;
        } else {
            self.catch &= !FLAG;
        }
    }

    /// A frame (`catch_cancel` or a task group) received the cancellation
    /// at least once; never cleared. The task then reports cancelled when
    /// it finishes, whatever its future returns (one rule for both).
    pub(crate) fn delivered(&self) -> bool {
        self.shield & FLAG != 0
    }

    pub(crate) fn set_delivered(&mut self) {
        self.shield |= FLAG;
    }
}

/// The untyped part of every task, at offset 0 of the allocation.
///
/// The state word (32 bits) and the cancellation frames (32 bits) share the
/// first eight bytes, the list slot and the stage tag the last eight; see
/// docs/ARCHITECTURE.md for the layout and what each field costs.
#[repr(C)]
pub(crate) struct Header {
    pub(crate) state: State,
    /// Only touched by the thread holding RUNNING (see `task::cancel`).
    pub(crate) cancel: UnsafeCell<CancelFrames>,
    pub(super) vtable: &'static Vtable,
    pub(crate) id: Id,
    /// The join waker; who may touch it is decided by the JOIN_WAKER bit.
    pub(super) join_waker: UnsafeCell<JoinWaker>,
    /// The task's index in its task-list shard (`list::UNLISTED` when in
    /// none); written under that shard's lock, but for `list::DEFERRED`:
    /// set by `ListedTask::defer` before the task is shared, while the
    /// list's reference waits in the task for the end of its first poll,
    /// and then touched only by the holder of its one queue entry or its
    /// runner (the harness, which lists it or completes it). An atomic
    /// (relaxed, a plain load or store) because every poll reads it
    /// without the lock (`Notified::is_deferred`).
    pub(crate) list_slot: AtomicU32,
    /// What the stage holds; touched by whoever may touch the stage.
    pub(super) stage: UnsafeCell<StageTag>,
}

/// Which of its fields a task's [`Stage`] holds.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum StageTag {
    /// The future (from the spawn until it finishes or is dropped).
    Future,
    /// The output's `Ok` value.
    Value,
    /// The output's error (cancelled or panicked).
    Error,
    /// Nothing: the future was dropped and no output is stored (yet), or
    /// the output was taken.
    Empty,
}

/// What the task holds in place of its future over its life: the future,
/// then its output, then nothing. A union whose tag is kept in the header
/// (`Header::stage`), in bytes the header pads anyway: as an enum, a task
/// with a zero-sized future and a `()` output had a 16-byte stage, now one
/// word. Only [`Cell`]'s stage methods touch it.
pub(super) union Stage<F: Future> {
    future: ManuallyDrop<F>,
    value: ManuallyDrop<F::Output>,
    error: ManuallyDrop<Repr>,
}

/// The whole allocation. `repr(C)` keeps the header first, so a
/// `NonNull<Header>` is also a pointer to the cell.
#[repr(C)]
pub(super) struct Cell<F: Future, S> {
    pub(super) header: Header,
    pub(super) scheduler: S,
    stage: UnsafeCell<Stage<F>>,
}

/// The stage's accessors. Each is an `unsafe fn` with one contract:
///
/// # Safety
/// The caller has exclusive access to the stage: it holds RUNNING, or the
/// task is COMPLETE and the output is the caller's (a `JoinHandle` that
/// saw COMPLETE, the completer of a detached task, the last reference).
impl<F: Future, S> Cell<F, S> {
    /// # Safety
    /// See the impl.
    unsafe fn tag(&self) -> StageTag {
        // SAFETY: the caller's exclusive access to the stage covers its
        // tag.
        self.header.stage.with(|t| unsafe { *t })
    }

    /// # Safety
    /// See the impl.
    unsafe fn set_tag(&self, tag: StageTag) {
        // SAFETY: as for `tag`.
        self.header.stage.with_mut(|t| unsafe { *t = tag });
    }

    /// Polls the future.
    ///
    /// # Panics
    /// If the future is gone (a bug in the task protocol).
    ///
    /// # Safety
    /// See the impl: the caller holds RUNNING.
    pub(super) unsafe fn poll_future(&self, cx: &mut std::task::Context<'_>) -> Poll<F::Output> {
        // SAFETY: forwarded from the caller.
        let tag = unsafe { self.tag() };
        assert_eq!(tag, StageTag::Future, "a task was polled after completion");
        self.stage.with_mut(|stage| {
            // SAFETY: the tag says the union holds the future; the caller
            // has exclusive access; the future lives in the task's heap
            // block and is never moved out of it, only dropped in place.
            unsafe { Pin::new_unchecked(&mut *(*stage).future) }.poll(cx)
        })
    }

    /// Drops the future in place, if it is still there. The tag says
    /// `Empty` before the destructor runs, so a panicking destructor
    /// leaves no second drop behind.
    ///
    /// # Safety
    /// See the impl.
    pub(super) unsafe fn drop_future(&self) {
        // SAFETY: forwarded from the caller.
        if unsafe { self.tag() } != StageTag::Future {
            return;
        }
        // SAFETY: forwarded from the caller.
        unsafe { self.set_tag(StageTag::Empty) };
        self.stage.with_mut(|stage| {
            // SAFETY: the union held the future (the tag said so until just
            // now); exclusive access.
            unsafe { ManuallyDrop::drop(&mut (*stage).future) }
        });
    }

    /// Stores the output in the emptied stage.
    ///
    /// # Safety
    /// See the impl; the future was dropped (the tag is `Empty`).
    pub(super) unsafe fn store_output(&self, output: Result<F::Output, Repr>) {
        // SAFETY: forwarded from the caller.
        debug_assert_eq!(unsafe { self.tag() }, StageTag::Empty);
        // Were the future still there (a bug in the harness), it must be
        // dropped in place, not overwritten: it is pinned. A no-op when
        // the tag is `Empty`, as it always is here.
        // SAFETY: forwarded from the caller.
        unsafe { self.drop_future() };
        let tag = if output.is_ok() {
            StageTag::Value
        } else {
            StageTag::Error
        };
        self.stage.with_mut(|stage| {
            // SAFETY: the union holds nothing live (the future was
            // dropped): writing a field overwrites nothing; exclusive
            // access.
            unsafe {
                match output {
                    Ok(value) => (*stage).value = ManuallyDrop::new(value),
                    Err(error) => (*stage).error = ManuallyDrop::new(error),
                }
            }
        });
        // SAFETY: forwarded from the caller.
        unsafe { self.set_tag(tag) };
    }

    /// Takes the output out, if it is stored (`None` once taken).
    ///
    /// # Safety
    /// See the impl: the output is the caller's.
    pub(super) unsafe fn take_output(&self) -> Option<Result<F::Output, Repr>> {
        // SAFETY: forwarded from the caller.
        let tag = unsafe { self.tag() };
        let output = self.stage.with_mut(|stage| {
            // SAFETY: the tag says which field is live; it is read once,
            // and the tag set to `Empty` below before anyone looks again;
            // exclusive access.
            unsafe {
                match tag {
                    StageTag::Value => Some(Ok(ManuallyDrop::take(&mut (*stage).value))),
                    StageTag::Error => Some(Err(ManuallyDrop::take(&mut (*stage).error))),
                    StageTag::Future | StageTag::Empty => None,
                }
            }
        });
        if output.is_some() {
            // SAFETY: forwarded from the caller.
            unsafe { self.set_tag(StageTag::Empty) };
        }
        output
    }
}

impl<F: Future, S> Drop for Cell<F, S> {
    /// Drops whatever the stage still holds when the allocation is freed.
    /// Every path through the harness drops or hands out the output
    /// before that, except a detached task's `Ok` output that needs no
    /// drop (`harness::complete` leaves it); this is the backstop that
    /// keeps a future or output from leaking if a path ever left one.
    fn drop(&mut self) {
        // SAFETY: the last reference is gone: nobody else touches the task.
        unsafe {
            self.drop_future();
            drop(self.take_output());
        }
    }
}

impl<F, S> Cell<F, S>
where
    F: Future + 'static,
    F::Output: 'static,
    S: Schedule,
{
    const VTABLE: Vtable = Vtable {
        poll: harness::poll::<F, S>,
        schedule: harness::schedule::<F, S>,
        dealloc: harness::dealloc::<F, S>,
        try_read_output: harness::try_read_output::<F, S>,
        drop_join_handle: harness::drop_join_handle::<F, S>,
        shutdown: harness::shutdown::<F, S>,
    };

    /// Allocates a new task: SCHEDULED, with three references (see
    /// `state::INITIAL`).
    pub(super) fn allocate(future: F, scheduler: S, id: Id) -> NonNull<Header> {
        // Written field by field into the allocation. A `Box::new(Cell {
        // .. })` assembled the header on the stack with 8-byte stores and
        // copied it with 16-byte loads, each of which stalled on store
        // forwarding (a quarter of `spawn_at`'s samples in a profile of
        // `ct_chained_spawn`), and copied the future twice.
        let mut cell = Box::<Self>::new_uninit();
        let p = cell.as_mut_ptr();
        // SAFETY: `p` points to an allocation sized and aligned for `Self`;
        // every field (`Header`'s too) is written exactly once below, so
        // the cell is initialized when `assume_init` runs.
        unsafe {
            let header = &raw mut (*p).header;
            (&raw mut (*header).state).write(State::new());
            (&raw mut (*header).cancel).write(UnsafeCell::new(CancelFrames::default()));
            (&raw mut (*header).vtable).write(&Self::VTABLE);
            (&raw mut (*header).id).write(id);
            (&raw mut (*header).join_waker).write(UnsafeCell::new(JoinWaker::empty()));
            (&raw mut (*header).list_slot).write(AtomicU32::new(UNLISTED));
            (&raw mut (*header).stage).write(UnsafeCell::new(StageTag::Future));
            (&raw mut (*p).scheduler).write(scheduler);
            (&raw mut (*p).stage).write(UnsafeCell::new(Stage {
                future: ManuallyDrop::new(future),
            }));
            NonNull::from(Box::leak(cell.assume_init())).cast()
        }
    }
}

/// A pointer to a task, without knowing its types. Private to `task/`: it
/// does not say whether its holder owns a reference, so every operation
/// that consumes one is an `unsafe fn`. Outside `task/` tasks travel as the
/// owning types [`Notified`] (a run-queue entry), [`ListedTask`] (the task
/// list's reference) and `JoinHandle`, whose `Drop` releases what they own.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) struct RawTask {
    ptr: NonNull<Header>,
}

// A task is shared between threads by design; every access to its
// interior goes through the state protocol (the header's atomics decide
// who may touch which field). The future and output are `Send`
// (`task::new_task`), or the task is local (`task::new_local_task`): its
// scheduler polls and drops the future only on the thread that owns it,
// and the output leaves that thread only through a `JoinHandle`.
// SAFETY: so moving the reference itself between threads is sound.
unsafe impl Send for RawTask {}
// SAFETY: as for `Send`: `&RawTask` only exposes the header's atomics and
// protocol-guarded fields.
unsafe impl Sync for RawTask {}

impl RawTask {
    pub(super) fn new<F, S>(future: F, scheduler: S, id: Id) -> RawTask
    where
        F: Future + 'static,
        F::Output: 'static,
        S: Schedule,
    {
        RawTask {
            ptr: Cell::allocate(future, scheduler, id),
        }
    }

    /// # Safety
    /// `ptr` must point to a live task header.
    pub(super) unsafe fn from_raw(ptr: NonNull<Header>) -> RawTask {
        RawTask { ptr }
    }

    pub(super) fn header(&self) -> &Header {
        // SAFETY: a RawTask is only made for a live allocation, and whoever
        // holds it holds a reference that keeps it alive.
        unsafe { self.ptr.as_ref() }
    }

    fn vtable(&self) -> &'static Vtable {
        self.header().vtable
    }

    /// Polls the task.
    ///
    /// # Safety
    /// The caller gives up one reference it owns: a run-queue entry.
    pub(super) unsafe fn poll(self) {
        // SAFETY: forwarded from the caller.
        unsafe { (self.vtable().poll)(self.ptr) }
    }

    /// Hands a reference to the task's scheduler (a new run-queue entry).
    ///
    /// # Safety
    /// The caller gives up one reference it owns.
    pub(super) unsafe fn schedule(self) {
        // SAFETY: forwarded from the caller.
        unsafe { (self.vtable().schedule)(self.ptr) }
    }

    /// Frees the task.
    ///
    /// # Safety
    /// The reference count has reached zero: nobody else holds the task.
    pub(super) unsafe fn dealloc(self) {
        // SAFETY: forwarded from the caller.
        unsafe { (self.vtable().dealloc)(self.ptr) }
    }

    /// # Safety
    /// `dst` must point to a `Poll<Result<T, JoinError>>` where `T` is the
    /// task's output type; the caller must be the task's `JoinHandle`.
    pub(super) unsafe fn try_read_output(self, dst: *mut (), waker: &Waker) {
        // SAFETY: forwarded from the caller.
        unsafe { (self.vtable().try_read_output)(self.ptr, dst, waker) }
    }

    /// # Safety
    /// Called once, by the `JoinHandle`, giving up its reference.
    pub(super) unsafe fn drop_join_handle(self) {
        // SAFETY: forwarded from the caller.
        unsafe { (self.vtable().drop_join_handle)(self.ptr) }
    }

    /// Completes the task as cancelled without polling it if it is idle
    /// (see `harness::shutdown`).
    ///
    /// # Safety
    /// The caller gives up one reference it owns.
    pub(super) unsafe fn shutdown(self) {
        // SAFETY: forwarded from the caller.
        unsafe { (self.vtable().shutdown)(self.ptr) }
    }

    /// Asks the task to cancel (see `JoinHandle::cancel`). Takes a new
    /// reference if it queues the task.
    pub(super) fn cancel(self) {
        harness::cancel(self);
    }

    /// Releases one reference, deallocating on the last.
    ///
    /// # Safety
    /// The caller gives up one reference it owns.
    pub(super) unsafe fn drop_reference(self) {
        if self.header().state.ref_dec(1) {
            // SAFETY: that was the last reference.
            unsafe { self.dealloc() };
        }
    }
}

/// A task that must be polled; owns one reference (its run-queue entry),
/// released on drop.
pub(crate) struct Notified(RawTask);

impl Notified {
    /// # Safety
    /// The caller hands over one reference it owns, for a run queue.
    pub(super) unsafe fn from_raw(raw: RawTask) -> Notified {
        Notified(raw)
    }

    /// Polls the task.
    pub(crate) fn run(self) {
        let raw = ManuallyDrop::new(self).0;
        // SAFETY: our run-queue reference goes to the poll.
        unsafe { raw.poll() };
    }

    pub(crate) fn header(&self) -> &Header {
        self.0.header()
    }

    /// Whether the task's list reference is still deferred (the end of its
    /// first poll lists it, `ListedTask::defer`): true only before and
    /// during that poll.
    pub(crate) fn is_deferred(&self) -> bool {
        // Relaxed: a deferred task's slot was written before the task was
        // queued, and is only written again by the holder of its queue
        // entry (us), so the queue's hand-over publishes `DEFERRED` to us.
        // A listed task's slot may be rewritten meanwhile by a compaction
        // under its shard's lock (hence an atomic), but never to
        // `DEFERRED`.
        self.header().list_slot.load(Ordering::Relaxed) == super::list::DEFERRED
    }

    /// Completes the task without polling, if it is not running (shutdown);
    /// a running task is marked to be re-queued (see
    /// `State::transition_to_shutdown`).
    pub(crate) fn shutdown(self) {
        let raw = ManuallyDrop::new(self).0;
        // SAFETY: our reference goes to the shutdown.
        unsafe { raw.shutdown() };
    }
}

impl Drop for Notified {
    fn drop(&mut self) {
        // SAFETY: the entry's own reference.
        unsafe { self.0.drop_reference() };
    }
}

/// The task list's reference to a task (`OwnedTasks`): made with the task,
/// given to the list by `insert`, taken back by `pop`. Released on drop.
pub(crate) struct ListedTask(RawTask);

impl ListedTask {
    /// # Safety
    /// The caller hands over the task's list reference.
    pub(super) unsafe fn from_raw(raw: RawTask) -> ListedTask {
        ListedTask(raw)
    }

    /// Gives the reference up to the caller (the list, as it adds it).
    pub(super) fn into_raw(self) -> RawTask {
        ManuallyDrop::new(self).0
    }

    pub(crate) fn header(&self) -> &Header {
        self.0.header()
    }

    /// Asks the task to cancel (see `JoinHandle::cancel`).
    pub(crate) fn cancel(&self) {
        self.0.cancel();
    }

    /// Keeps the list's reference in the task until the end of its first
    /// poll lists it, if that poll leaves it pending
    /// (`OwnedTasks::insert_pending`; the current-thread core may list it
    /// before, `insert_deferred`); a task that completes in that poll is
    /// never listed. Called before the task is queued (nobody else sees it
    /// yet; the queue publishes the slot with the task).
    pub(crate) fn defer(self) {
        let raw = self.into_raw();
        // Relaxed: see above.
        raw.header()
            .list_slot
            .store(super::list::DEFERRED, Ordering::Relaxed);
    }

    /// The list refused this deferred reference (`insert_deferred` after
    /// `close`, `insert_pending` once sealed): it stays in the task (the
    /// slot still reads `DEFERRED`), and `OwnedTasks::release_deferred`
    /// hands it back when the task completes.
    pub(crate) fn stay_deferred(self) {
        debug_assert_eq!(
            self.header().list_slot.load(Ordering::Relaxed),
            super::list::DEFERRED
        );
        let _reference_kept_in_the_task = self.into_raw();
    }

    /// Completes the task as cancelled without polling it, unless it is
    /// running or complete (see `Notified::shutdown`).
    pub(crate) fn shutdown(self) {
        let raw = self.into_raw();
        // SAFETY: the list's reference goes to the shutdown.
        unsafe { raw.shutdown() };
    }
}

impl Drop for ListedTask {
    fn drop(&mut self) {
        // SAFETY: the list's reference, which we own.
        unsafe { self.0.drop_reference() };
    }
}

#[cfg(all(test, not(runtime_loom)))]
mod tests {
    use super::*;

    /// The idle-task memory budget: a task whose future is a ZST and whose
    /// output is `()` must fit a 64-byte allocator chunk (56 bytes
    /// requested on glibc: a 40-byte header, the scheduler handle, a
    /// one-word stage), 32 bytes under async-executor's (see
    /// docs/benchmarks.md).
    #[test]
    fn small_task_fits_in_56_bytes() {
        type Small = Cell<std::future::Pending<()>, std::sync::Arc<()>>;
        assert_eq!(std::mem::size_of::<Header>(), 40);
        assert_eq!(std::mem::size_of::<JoinWaker>(), 8);
        assert_eq!(std::mem::size_of::<CancelFrames>(), 4);
        assert_eq!(std::mem::size_of::<Stage<std::future::Pending<()>>>(), 8);
        assert!(
            std::mem::size_of::<Small>() <= 56,
            "task is {}",
            std::mem::size_of::<Small>()
        );
    }

    #[test]
    fn cancel_frames_saturate_and_keep_their_flags() {
        let mut f = CancelFrames::default();
        f.set_consumed(true);
        f.set_delivered();
        for _ in 0..CancelFrames::MAX_LIVE as u32 + 5 {
            f.register(Frame::Catch);
        }
        f.register(Frame::Shield);
        assert_eq!(f.live(Frame::Catch), CancelFrames::MAX_LIVE);
        assert_eq!(f.live(Frame::Shield), 1);
        assert!(f.consumed() && f.delivered());
        f.deregister(Frame::Shield);
        f.deregister(Frame::Shield);
        assert_eq!(f.live(Frame::Shield), 0);
        assert!(f.delivered(), "a count at zero leaves its flag alone");
        f.set_consumed(false);
        assert!(!f.consumed());
        assert_eq!(f.live(Frame::Catch), CancelFrames::MAX_LIVE);
    }
}

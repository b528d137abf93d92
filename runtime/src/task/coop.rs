//! Cooperative budget: how many runtime operations one task poll may
//! complete before they start returning `Pending`.
//!
//! A task that loops over always-ready operations (a `JoinHandle` of a
//! finished task, a channel that is never empty) would otherwise never
//! return to the scheduler and starve the other tasks on its worker. With a
//! budget, such an operation yields once the budget is spent: it wakes the
//! task (which goes to the back of the queue) and returns `Pending`.

use std::cell::Cell;
use std::task::Context;

/// Operations per poll, as in Tokio.
const BUDGET: u8 = 128;

/// This thread's budget slot (`crate::context`); `None` outside a task
/// poll: unconstrained.
#[inline]
fn slot<R>(f: impl FnOnce(&Cell<Option<u8>>) -> R) -> R {
    crate::context::with(|cx| f(&cx.budget))
}

/// Gives the current poll a fresh budget; restores the previous one when
/// dropped (polls nest when `block_on` runs inside a blocking task).
pub(crate) struct Budget(Option<u8>);

impl Budget {
    #[inline]
    pub(crate) fn reset() -> Budget {
        Budget(slot(|c| c.replace(Some(BUDGET))))
    }
}

impl Drop for Budget {
    #[inline]
    fn drop(&mut self) {
        slot(|c| c.set(self.0));
    }
}

/// Runs `f` unbudgeted, restoring the budget afterwards. For code that is
/// not part of a task's own poll chain although a task poll is on the
/// stack: a blocking closure (which may drive runtime futures with another
/// executor, whose polls nothing would ever refill), and non-blocking
/// `try_*` calls, which must report what is ready however much of the
/// budget the caller spent.
pub(crate) fn unconstrained<R>(f: impl FnOnce() -> R) -> R {
    let _restore = Budget(slot(|c| c.replace(None)));
    f()
}

/// Spends one unit. `None` means the budget is exhausted: the task has been
/// woken and the caller must return `Pending`.
pub(crate) fn poll_proceed(cx: &mut Context<'_>) -> Option<()> {
    slot(|c| match c.get() {
        None => Some(()),
        Some(0) => {
            cx.waker().wake_by_ref();
            None
        }
        Some(n) => {
            c.set(Some(n - 1));
            Some(())
        }
    })
}

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Yields to the scheduler: the current task goes to the back of its
/// worker's queue and other tasks run before it continues (asyncio's
/// `await asyncio.sleep(0)`).
///
/// # Examples
///
/// ```
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// for _ in 0..3 {
///     runtime::task::yield_now().await;
/// }
/// # });
/// ```
pub async fn yield_now() {
    YieldNow { yielded: false }.await
}

struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        // A wake during the task's own poll re-queues it at the back, after
        // the poll (see `Schedule::yield_now`).
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

//! Cancelling tasks: a task told to stop catches the cancellation and
//! cleans up.
//!
//! The third program of the asyncio futures-and-tasks tutorial. A task
//! computes for 5 seconds; after 2 seconds `main` cancels it. In asyncio,
//! `task.cancel()` raises `CancelledError` inside the coroutine, which catches
//! it and prints `Computation cancelled!`. Here `JoinHandle::cancel()` asks
//! the task to stop, and `runtime::task::catch_cancel` is the `try/except`:
//! the sleep is abandoned, the task gets `Err(Cancelled)`, prints the
//! message (it could also `.await` more cleanup), and finishes. Its handle
//! then reports it cancelled. The program ends after about 2 seconds.
//!
//! Run it with:
//!
//! ```text
//! cargo run -p examples --example cancel
//! ```

use runtime::task::catch_cancel;
use runtime::time::sleep;
use std::time::{Duration, Instant};

async fn compute_result() {
    match catch_cancel(sleep(Duration::from_secs(5))).await {
        Ok(()) => println!("Computation finished"),
        Err(_cancelled) => println!("Computation cancelled!"),
    }
}

#[runtime::main]
async fn main() {
    let start = Instant::now();
    let task = runtime::spawn(compute_result());
    sleep(Duration::from_secs(2)).await;
    task.cancel();

    match task.await {
        Ok(()) => println!("the task finished before it was cancelled"),
        Err(err) => {
            assert!(err.is_cancelled());
            println!("{err} after {:.1?}", start.elapsed());
        }
    }
}

//! Futures: a result that is not available yet, awaited later.
//!
//! The first program of the asyncio futures-and-tasks tutorial. In asyncio,
//! `asyncio.ensure_future(compute_result())` schedules a coroutine and hands
//! back a Future to await later; here `runtime::spawn` does the same and
//! returns a `JoinHandle`. The second half shows a bare Future whose result
//! another task sets later (asyncio's `loop.create_future()` +
//! `future.set_result(...)`): a oneshot channel.
//!
//! Both computations take 5 seconds and run concurrently, so the program
//! finishes in about 5 seconds.
//!
//! Run it with:
//!
//! ```text
//! cargo run -p examples --example futures
//! ```

use runtime::time::sleep;
use std::time::{Duration, Instant};

async fn compute_result() -> u32 {
    sleep(Duration::from_secs(5)).await;
    42
}

#[runtime::main]
async fn main() {
    let start = Instant::now();

    // asyncio.ensure_future(compute_result()): scheduled now, awaited later.
    let future = runtime::spawn(compute_result());

    // A future whose result is set by someone else.
    let (set_result, result) = futures_channel::oneshot::channel::<u32>();
    runtime::spawn(async move {
        let value = compute_result().await;
        // The receiver may be gone; then nobody wants the result.
        let _ = set_result.send(value);
    });

    let value = future.await.expect("compute_result does not fail");
    println!("{value}");
    let value = result.await.expect("the setter always sends");
    println!("{value} (set by another task)");
    println!("finished in {:.1?}", start.elapsed());
}

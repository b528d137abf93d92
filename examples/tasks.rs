//! Tasks: several coroutines scheduled concurrently, their results awaited.
//!
//! The second program of the asyncio futures-and-tasks tutorial:
//! `asyncio.create_task(compute_result())` wraps a coroutine in a Task that
//! runs on its own; here `runtime::spawn` creates the task and its
//! `JoinHandle` is awaited for the result. Three tasks of 5 seconds each run
//! at the same time (on the worker threads), so the program finishes in
//! about 5 seconds, not 15.
//!
//! Run it with:
//!
//! ```text
//! cargo run -p examples --example tasks
//! ```

use runtime::time::sleep;
use std::time::{Duration, Instant};

async fn compute_result(n: u32) -> u32 {
    sleep(Duration::from_secs(5)).await;
    42 + n
}

#[runtime::main]
async fn main() {
    let start = Instant::now();

    // asyncio.create_task(...) three times: all three start right away.
    let tasks: Vec<_> = (0..3).map(|n| runtime::spawn(compute_result(n))).collect();

    for task in tasks {
        let result = task.await.expect("compute_result does not fail");
        println!("{result}");
    }
    println!("three 5-second tasks finished in {:.1?}", start.elapsed());
}

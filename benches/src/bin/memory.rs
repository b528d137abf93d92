//! Memory per idle task: spawns 1,000,000 tasks that each await
//! `std::future::pending::<()>()` and reports the growth of the process's
//! resident set (VmRSS in /proc/self/status) per task, for this runtime,
//! Tokio and async-executor, each with `BENCH_WORKERS` (default 2) workers.
//!
//! ```text
//! cargo run --release -p benches --bin memory                    # all three, one process each
//! cargo run --release -p benches --bin memory -- runtime         # just one (also: tokio, async_executor)
//! cargo run --release -p benches --bin memory -- all --tasks 100000 --out target/mem.json
//! ```
//!
//! In `all` mode (the default) the tool runs itself once per runtime, so
//! each figure comes from a fresh process, prints a table and writes the
//! figures as JSON to `target/bench-memory.json` (read by the `report`
//! tool). With one runtime named it measures that runtime in this process
//! and prints the figures, as one JSON line with `--json`.
//!
//! Besides RSS, a counting global allocator reports the heap bytes the
//! tasks requested (the task allocation plus any per-task bookkeeping of
//! the runtime, before malloc's own overhead), and the tool prints
//! `size_of` of each runtime's join handle, and of this runtime's task
//! header (`runtime::__private::TASK_HEADER_SIZE`; Tokio and
//! async-executor do not expose theirs).
//!
//! The JoinHandles are dropped as the tasks are spawned (async-executor's
//! are detached), so the figures are the tasks' own cost, not a `Vec` of
//! handles. Every task is polled once (it bumps a counter on its first
//! poll) before the second reading, so none sits in a run queue.

use std::alloc::{GlobalAlloc, Layout, System};
use std::future::pending;
use std::process::{Command, ExitCode};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::{Duration, Instant};

/// The system allocator, counting the bytes currently allocated.
struct Counting;

static ALLOCATED: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards every call to `System` unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `alloc`'s contract, which we forward.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            ALLOCATED.fetch_add(layout.size(), Relaxed);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            ALLOCATED.fetch_add(layout.size(), Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller upholds `dealloc`'s contract, which we forward.
        unsafe { System.dealloc(ptr, layout) };
        ALLOCATED.fetch_sub(layout.size(), Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller upholds `realloc`'s contract, which we forward.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            ALLOCATED.fetch_sub(layout.size(), Relaxed);
            ALLOCATED.fetch_add(new_size, Relaxed);
        }
        p
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Tasks that have been polled (each task bumps it on its first poll).
static POLLED: AtomicUsize = AtomicUsize::new(0);

const DEFAULT_TASKS: usize = 1_000_000;

/// An idle task: counts its first poll, then waits forever.
async fn idle_task() {
    POLLED.fetch_add(1, Relaxed);
    pending::<()>().await
}

/// VmRSS of this process in bytes.
fn rss_bytes() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").expect("reading /proc/self/status");
    let line = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .expect("no VmRSS line in /proc/self/status");
    let kib: usize = line
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .expect("malformed VmRSS line");
    kib * 1024
}

/// Waits until `n` tasks have been polled, then lets the workers settle.
fn wait_polled(n: usize) {
    let start = Instant::now();
    while POLLED.load(Relaxed) < n {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "only {} of {n} tasks were polled within 120 s",
            POLLED.load(Relaxed)
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(Duration::from_millis(200));
}

struct Figures {
    runtime: &'static str,
    tasks: usize,
    workers: usize,
    rss_before: usize,
    rss_after: usize,
    heap_before: usize,
    heap_after: usize,
    join_handle_size: usize,
    spawn_secs: f64,
}

impl Figures {
    fn rss_per_task(&self) -> f64 {
        self.rss_after.saturating_sub(self.rss_before) as f64 / self.tasks as f64
    }

    fn heap_per_task(&self) -> f64 {
        self.heap_after.saturating_sub(self.heap_before) as f64 / self.tasks as f64
    }

    fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "runtime": self.runtime,
            "tasks": self.tasks,
            "workers": self.workers,
            "rss_before_bytes": self.rss_before,
            "rss_after_bytes": self.rss_after,
            "rss_bytes_per_task": self.rss_per_task(),
            "heap_bytes_per_task": self.heap_per_task(),
            "join_handle_size": self.join_handle_size,
            "task_header_size": if self.runtime == "runtime" {
                serde_json::json!(runtime::__private::TASK_HEADER_SIZE)
            } else {
                serde_json::Value::Null
            },
            "spawn_secs": self.spawn_secs,
        })
    }
}

/// Spawns `tasks` idle tasks with `spawn` after `warm_up`, and measures.
fn measure(
    runtime: &'static str,
    tasks: usize,
    join_handle_size: usize,
    warm_up: impl FnOnce(),
    mut spawn: impl FnMut(),
) -> Figures {
    warm_up();
    std::thread::sleep(Duration::from_millis(100));
    POLLED.store(0, Relaxed);
    let rss_before = rss_bytes();
    let heap_before = ALLOCATED.load(Relaxed);
    let start = Instant::now();
    for _ in 0..tasks {
        spawn();
    }
    let spawn_secs = start.elapsed().as_secs_f64();
    wait_polled(tasks);
    Figures {
        runtime,
        tasks,
        workers: benches::workers(),
        rss_before,
        rss_after: rss_bytes(),
        heap_before,
        heap_after: ALLOCATED.load(Relaxed),
        join_handle_size,
        spawn_secs,
    }
}

fn measure_one(runtime: &str, tasks: usize) -> Figures {
    match runtime {
        "runtime" => {
            let rt = benches::this_runtime();
            let f = measure(
                "runtime",
                tasks,
                size_of::<runtime::task::JoinHandle<()>>(),
                || {
                    rt.block_on(async {
                        for _ in 0..1000 {
                            runtime::spawn(async {}).await.unwrap();
                        }
                    })
                },
                || drop(rt.spawn(idle_task())),
            );
            // Skip tearing down a million tasks.
            std::mem::forget(rt);
            f
        }
        "tokio" => {
            let rt = benches::tokio_runtime();
            let f = measure(
                "tokio",
                tasks,
                size_of::<tokio::task::JoinHandle<()>>(),
                || {
                    rt.block_on(async {
                        for _ in 0..1000 {
                            tokio::spawn(async {}).await.unwrap();
                        }
                    })
                },
                || drop(rt.spawn(idle_task())),
            );
            std::mem::forget(rt);
            f
        }
        "async_executor" => {
            let rt = benches::AsyncExecutor::new();
            let ex = rt.executor().clone();
            let f = measure(
                "async_executor",
                tasks,
                size_of::<async_executor::Task<()>>(),
                || {
                    rt.block_on(async {
                        for _ in 0..1000 {
                            ex.spawn(async {}).await;
                        }
                    })
                },
                || ex.spawn(idle_task()).detach(),
            );
            std::mem::forget(rt);
            f
        }
        other => {
            eprintln!(
                "unknown runtime {other:?}; expected one of {:?} or `all`",
                benches::RUNTIMES
            );
            std::process::exit(2);
        }
    }
}

fn print_table(rows: &[serde_json::Value]) {
    println!(
        "{:<16} {:>10} {:>14} {:>15} {:>17}",
        "runtime", "tasks", "RSS B/task", "heap B/task", "JoinHandle bytes"
    );
    for r in rows {
        println!(
            "{:<16} {:>10} {:>14.1} {:>15.1} {:>17}",
            r["runtime"].as_str().unwrap_or("?"),
            r["tasks"],
            r["rss_bytes_per_task"].as_f64().unwrap_or(f64::NAN),
            r["heap_bytes_per_task"].as_f64().unwrap_or(f64::NAN),
            r["join_handle_size"],
        );
    }
    println!(
        "task header size: runtime {} B (Tokio and async-executor do not expose theirs)",
        runtime::__private::TASK_HEADER_SIZE
    );
}

fn usage() -> ExitCode {
    eprintln!(
        "usage: memory [all|runtime|tokio|async_executor] [--tasks N] [--out PATH] [--json]\n\
         \n\
         all (default)  measure each runtime in its own child process, print a table and\n\
         \x20              write the figures to --out (default: target/bench-memory.json)\n\
         <runtime>      measure one runtime in this process (--json: print one JSON line)"
    );
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let mut which = "all".to_string();
    let mut tasks = DEFAULT_TASKS;
    let mut out = benches::memory_json_path();
    let mut json = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--tasks" => match args.next().and_then(|v| v.replace('_', "").parse().ok()) {
                Some(n) if n > 0 => tasks = n,
                _ => return usage(),
            },
            "--out" => match args.next() {
                Some(p) => out = p.into(),
                None => return usage(),
            },
            "--json" => json = true,
            "-h" | "--help" => return usage(),
            a if !a.starts_with('-') => which = a.to_string(),
            _ => return usage(),
        }
    }

    if which != "all" {
        let f = measure_one(&which, tasks);
        if json {
            println!("{}", f.to_json());
        } else {
            print_table(&[f.to_json()]);
        }
        return ExitCode::SUCCESS;
    }

    let exe = std::env::current_exe().expect("locating this executable");
    let mut rows = Vec::new();
    for rt in benches::RUNTIMES {
        eprintln!("memory: {rt}, {tasks} idle tasks ...");
        let output = Command::new(&exe)
            .args([rt, "--json", "--tasks", &tasks.to_string()])
            .output()
            .expect("running the memory tool for one runtime");
        if !output.status.success() {
            eprintln!(
                "memory: {rt} failed ({}):\n{}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            );
            return ExitCode::FAILURE;
        }
        let stdout = String::from_utf8_lossy(&output.stdout);
        let line = stdout.lines().last().unwrap_or_default();
        let value: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("bad output from the {rt} child ({e}): {line:?}"));
        rows.push(value);
    }
    print_table(&rows);
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir).expect("creating the output directory");
    }
    let text = serde_json::to_string_pretty(&rows).expect("serializing");
    std::fs::write(&out, text + "\n").expect("writing the memory figures");
    eprintln!("memory: wrote {}", out.display());
    ExitCode::SUCCESS
}

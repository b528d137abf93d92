//! Writes `docs/benchmarks.md` and `docs/benchmarks-ratios.svg` from
//! criterion's results and the `memory` tool's figures.
//!
//! ```text
//! cargo run --release -p benches --bin report                 # one run: target/criterion
//! cargo run --release -p benches --bin report -- --runs 3     # target/bench-runs/run-{1,2,3}
//! ```
//!
//! For every workload (criterion group) that has a `runtime` function it
//! reads the median point estimate of `runtime`, `tokio` and
//! `async_executor` from `<group>/<function>/new/estimates.json`. With
//! `--runs N` it reads N saved copies of the criterion directory
//! (`scripts/bench.sh` makes them) and reports, per runtime, the median of
//! the N run medians, plus each run's ratio to Tokio. Memory figures come
//! from `target/bench-memory.json` (written by the `memory` tool).
//!
//! Hand-written notes (profiles, analysis) between the lines
//! `<!-- notes:start -->` and `<!-- notes:end -->` of an existing output
//! file are kept when the file is regenerated.
//!
//! Options: `--runs N`, `--criterion DIR` (one run, instead of
//! `target/criterion`), `--memory PATH`, `--out PATH` (markdown),
//! `--svg PATH`.

use benches::RUNTIMES;
mod svg;

use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use svg::svg;

/// Known workloads, in report order: criterion group, tasks per iteration
/// (the per-task cost divides by it), what one iteration does.
const WORKLOADS: &[(&str, usize, &str)] = &[
    (
        "spawn_many_local",
        10_000,
        "10,000 spawns from a task on a worker",
    ),
    (
        "spawn_many_local_from_block_on",
        10_000,
        "10,000 spawns from inside `block_on` (Tokio's `spawn_many_local`)",
    ),
    (
        "spawn_many_remote_idle",
        10_000,
        "10,000 spawns from outside onto an idle runtime, await all",
    ),
    (
        "spawn_many_remote_busy1",
        10_000,
        "the same while 8 tasks loop on yield + 10 µs stall",
    ),
    (
        "spawn_many_remote_busy2",
        1_000,
        "1,000 remote spawns while chains of stalling tasks spawn",
    ),
    (
        "channel_fan_in",
        80_000,
        "8 producers × 10,000 messages → 1 consumer over one async-channel",
    ),
    (
        "spawn_join_sequential",
        10_000,
        "10,000 sequential spawn-then-await from one task",
    ),
    ("ping_pong", 1_000, "1,000 ping-pong rounds over oneshots"),
    (
        "yield_many",
        200_000,
        "200 tasks × 1,000 `yield_now` (per-task cost is per yield)",
    ),
    (
        "chained_spawn",
        1_000,
        "a chain of 1,000 tasks each spawning the next",
    ),
    (
        "remote_spawn_contention_1thread",
        12_800,
        "1 outside thread spawns 12,800 tasks, await all",
    ),
    (
        "remote_spawn_contention_2threads",
        12_800,
        "2 outside threads spawn 12,800 tasks behind a barrier",
    ),
    (
        "remote_spawn_contention_8threads",
        12_800,
        "8 outside threads spawn 12,800 tasks behind a barrier",
    ),
    (
        "cancel_many",
        10_000,
        "spawn 10,000 pending tasks, cancel all, await all",
    ),
    ("timer_many", 10_000, "10,000 tasks each sleeping 1 ms"),
    (
        "timer_insert_cancel",
        10_000,
        "10,000 sleeps registered then dropped before firing",
    ),
    ("timer_latency", 1, "one 1 ms sleep: how late it fires"),
    (
        "tcp_echo",
        64,
        "64 loopback connections, one 1 KiB round trip each",
    ),
    (
        "ct_spawn_many_local",
        10_000,
        "current-thread flavor: 10,000 spawns from a task, await all",
    ),
    (
        "ct_ping_pong",
        1_000,
        "current-thread flavor: 1,000 ping-pong rounds",
    ),
    (
        "ct_yield_many",
        200_000,
        "current-thread flavor: 200 tasks × 1,000 `yield_now`",
    ),
    (
        "ct_chained_spawn",
        1_000,
        "current-thread flavor: a chain of 1,000 spawns",
    ),
];

const NOTES_START: &str = "<!-- notes:start -->";
const NOTES_END: &str = "<!-- notes:end -->";

/// Floor of the issue: this runtime's time ≤ Tokio's.
const FLOOR: f64 = 1.0;
/// Goal of the issue: ≤ 0.80 × the faster of Tokio and async-executor.
const GOAL: f64 = 0.8;

struct Options {
    runs: Option<usize>,
    criterion: PathBuf,
    memory: PathBuf,
    out: PathBuf,
    svg: PathBuf,
}

fn parse_args() -> Result<Options, String> {
    let docs = benches::workspace_root().join("docs");
    let mut o = Options {
        runs: None,
        criterion: benches::criterion_dir(),
        memory: benches::memory_json_path(),
        out: docs.join("benchmarks.md"),
        svg: docs.join("benchmarks-ratios.svg"),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--runs" => {
                let v = value()?;
                o.runs = Some(
                    v.parse()
                        .ok()
                        .filter(|&n| n > 0)
                        .ok_or(format!("--runs {v}: not a positive number"))?,
                );
            }
            "--criterion" => o.criterion = value()?.into(),
            "--memory" => o.memory = value()?.into(),
            "--out" => o.out = value()?.into(),
            "--svg" => o.svg = value()?.into(),
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(o)
}

/// Median of `v` (mean of the two middle values for an even count).
fn median(v: &[f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

/// The median point estimate (ns per iteration) of one benchmark.
fn read_estimate(dir: &Path, group: &str, function: &str) -> Option<f64> {
    let path = dir.join(group).join(function).join("new/estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    let json: Value = serde_json::from_str(&text).ok()?;
    json["median"]["point_estimate"].as_f64()
}

/// Groups in `dir` that have a `runtime` function.
fn groups_in(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut groups: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("runtime/new/estimates.json").is_file())
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    groups.sort();
    groups
}

/// One workload's figures: per runtime, the median over runs and each
/// run's median (ns per iteration).
struct Row {
    group: String,
    tasks: Option<usize>,
    what: String,
    median: BTreeMap<&'static str, f64>,
    per_run: BTreeMap<&'static str, Vec<Option<f64>>>,
}

impl Row {
    fn get(&self, rt: &str) -> Option<f64> {
        self.median.get(rt).copied()
    }

    fn ratio_tokio(&self) -> Option<f64> {
        Some(self.get("runtime")? / self.get("tokio")?)
    }

    fn fastest_peer(&self) -> Option<f64> {
        match (self.get("tokio"), self.get("async_executor")) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn ratio_fastest(&self) -> Option<f64> {
        Some(self.get("runtime")? / self.fastest_peer()?)
    }

    fn run_ratios_tokio(&self) -> Vec<Option<f64>> {
        let rt = &self.per_run["runtime"];
        let tk = &self.per_run["tokio"];
        rt.iter()
            .zip(tk)
            .map(|(a, b)| Some((*a)? / (*b)?))
            .collect()
    }
}

fn collect_rows(dirs: &[PathBuf]) -> Vec<Row> {
    let mut names: Vec<String> = WORKLOADS.iter().map(|w| w.0.to_string()).collect();
    for dir in dirs {
        for g in groups_in(dir) {
            if !names.contains(&g) {
                names.push(g);
            }
        }
    }
    let mut rows = Vec::new();
    for group in names {
        let mut row = Row {
            tasks: WORKLOADS.iter().find(|w| w.0 == group).map(|w| w.1),
            what: WORKLOADS
                .iter()
                .find(|w| w.0 == group)
                .map_or(String::new(), |w| w.2.to_string()),
            group,
            median: BTreeMap::new(),
            per_run: BTreeMap::new(),
        };
        for rt in RUNTIMES {
            let runs: Vec<Option<f64>> = dirs
                .iter()
                .map(|d| read_estimate(d, &row.group, rt))
                .collect();
            let present: Vec<f64> = runs.iter().flatten().copied().collect();
            if let Some(m) = median(&present) {
                row.median.insert(rt, m);
            }
            row.per_run.insert(rt, runs);
        }
        if !row.median.is_empty() {
            rows.push(row);
        }
    }
    rows
}

/// `ns` as a human duration with three significant digits.
fn fmt_time(ns: f64) -> String {
    let (v, unit) = if ns >= 1e9 {
        (ns / 1e9, "s")
    } else if ns >= 1e6 {
        (ns / 1e6, "ms")
    } else if ns >= 1e3 {
        (ns / 1e3, "µs")
    } else {
        (ns, "ns")
    };
    let digits = if v >= 100.0 {
        0
    } else if v >= 10.0 {
        1
    } else {
        2
    };
    format!("{v:.digits$} {unit}")
}

fn fmt_opt(v: Option<f64>, f: impl Fn(f64) -> String) -> String {
    v.map_or("–".to_string(), f)
}

fn check(ratio: Option<f64>, limit: f64) -> &'static str {
    match ratio {
        Some(r) if r <= limit => "✅",
        Some(_) => "❌",
        None => "–",
    }
}

fn command_output(cmd: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(cmd).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".to_string())
}

/// The current UTC time as `YYYY-MM-DD HH:MM UTC`.
fn utc_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs()) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60
    )
}

fn git_revision() -> String {
    let root = benches::workspace_root();
    let root = root.to_string_lossy();
    let Some(rev) = command_output("git", &["-C", &root, "rev-parse", "--short", "HEAD"]) else {
        return "unknown".to_string();
    };
    let dirty = command_output("git", &["-C", &root, "status", "--porcelain"])
        .is_some_and(|s| !s.is_empty());
    if dirty {
        format!("{rev} (with uncommitted changes)")
    } else {
        rev
    }
}

fn read_memory(path: &Path) -> Option<Vec<Value>> {
    let text = std::fs::read_to_string(path).ok()?;
    match serde_json::from_str(&text).ok()? {
        Value::Array(rows) => Some(rows),
        _ => None,
    }
}

fn kept_notes(out: &Path) -> Option<String> {
    let old = std::fs::read_to_string(out).ok()?;
    let start = old.find(NOTES_START)?;
    let end = old[start..].find(NOTES_END)? + start + NOTES_END.len();
    Some(old[start..end].to_string())
}

fn label(rt: &str) -> &str {
    match rt {
        "runtime" => "runtime",
        "tokio" => "Tokio",
        "async_executor" => "async-executor",
        other => other,
    }
}

fn markdown(o: &Options, rows: &[Row], memory: Option<&[Value]>, svg_name: &str) -> String {
    let mut md = String::new();
    let runs = o.runs.unwrap_or(1);
    let w = &mut md;
    let _ = writeln!(w, "# Benchmarks: this runtime vs Tokio vs async-executor\n");
    let _ = writeln!(
        w,
        "Generated by `scripts/bench.sh` (the `report` tool in `benches/src/bin/report.rs`); \
         the tables and the chart are overwritten on every run, only the notes section at the \
         end is kept.\n"
    );
    let _ = writeln!(w, "## Machine and setup\n");
    let _ = writeln!(w, "| | |\n|---|---|");
    let nproc = std::thread::available_parallelism().map_or(0, |n| n.get());
    let _ = writeln!(w, "| CPU | {} |", cpu_model());
    let _ = writeln!(w, "| Cores (nproc) | {nproc} |");
    let _ = writeln!(
        w,
        "| Worker threads per runtime | {} (`BENCH_WORKERS`) |",
        benches::workers()
    );
    let _ = writeln!(
        w,
        "| rustc | {} |",
        command_output("rustc", &["--version"]).unwrap_or_else(|| "unknown".into())
    );
    let _ = writeln!(w, "| Date | {} |", utc_now());
    let _ = writeln!(w, "| Commit | {} |", git_revision());
    let _ = writeln!(
        w,
        "| Runs | {runs}{} |",
        if runs > 1 {
            " (each figure is the median of the run medians)"
        } else {
            " (each figure is criterion's median)"
        }
    );
    let _ = writeln!(
        w,
        "\nThe workloads are those of Tokio's `benches/rt_multi_threaded.rs` (and its \
         `remote_spawn` contention bench), in `benches/benches/rt_multi_threaded.rs`. \
         Times are per iteration; a ratio below 1 means this runtime is faster. \
         Floor: ratio to Tokio ≤ {FLOOR:.2}. Goal: ratio to the faster of Tokio and \
         async-executor ≤ {GOAL:.2}.\n"
    );

    let _ = writeln!(w, "## Throughput\n");
    let _ = writeln!(
        w,
        "![ratios of this runtime's time to Tokio's and to the fastest peer's]({svg_name})\n"
    );
    let _ = writeln!(
        w,
        "| workload | runtime | Tokio | async-executor | ÷ Tokio | ÷ fastest | floor | goal |"
    );
    let _ = writeln!(w, "|---|---:|---:|---:|---:|---:|:---:|:---:|");
    for r in rows {
        let _ = writeln!(
            w,
            "| `{}` | {} | {} | {} | {} | {} | {} | {} |",
            r.group,
            fmt_opt(r.get("runtime"), fmt_time),
            fmt_opt(r.get("tokio"), fmt_time),
            fmt_opt(r.get("async_executor"), fmt_time),
            fmt_opt(r.ratio_tokio(), |x| format!("{x:.2}")),
            fmt_opt(r.ratio_fastest(), |x| format!("{x:.2}")),
            check(r.ratio_tokio(), FLOOR),
            check(r.ratio_fastest(), GOAL),
        );
    }
    let met_floor = rows
        .iter()
        .filter(|r| r.ratio_tokio() <= Some(FLOOR))
        .count();
    let met_goal = rows
        .iter()
        .filter(|r| r.ratio_fastest() <= Some(GOAL))
        .count();
    let _ = writeln!(
        w,
        "\nFloor met on {met_floor} of {} workloads, goal on {met_goal}.\n",
        rows.len()
    );

    let _ = writeln!(w, "### Cost per task\n");
    let _ = writeln!(
        w,
        "Median time per iteration divided by the tasks (for `yield_many`: yields; for \
         `ping_pong`: rounds of two spawns and two oneshots) in one iteration.\n"
    );
    let _ = writeln!(
        w,
        "| workload | per iteration | runtime | Tokio | async-executor |"
    );
    let _ = writeln!(w, "|---|---|---:|---:|---:|");
    for r in rows {
        let per = |rt: &str| match (r.get(rt), r.tasks) {
            (Some(t), Some(n)) => format!("{:.0} ns", t / n as f64),
            _ => "–".to_string(),
        };
        let what = if r.what.is_empty() {
            "–".to_string()
        } else {
            r.what.clone()
        };
        let _ = writeln!(
            w,
            "| `{}` | {} | {} | {} | {} |",
            r.group,
            what,
            per("runtime"),
            per("tokio"),
            per("async_executor")
        );
    }

    if runs > 1 {
        let _ = writeln!(w, "\n### Run to run\n");
        let _ = writeln!(
            w,
            "This runtime's time ÷ Tokio's, per run (these machines are noisy and some \
             workloads are bimodal).\n"
        );
        let header: Vec<String> = (1..=runs).map(|i| format!("run {i}")).collect();
        let _ = writeln!(
            w,
            "| workload | {} | ratio of the medians |",
            header.join(" | ")
        );
        let _ = writeln!(w, "|---|{}---:|", "---:|".repeat(runs));
        for r in rows {
            let cells: Vec<String> = r
                .run_ratios_tokio()
                .iter()
                .map(|x| fmt_opt(*x, |x| format!("{x:.2}")))
                .collect();
            let _ = writeln!(
                w,
                "| `{}` | {} | {} |",
                r.group,
                cells.join(" | "),
                fmt_opt(r.ratio_tokio(), |x| format!("{x:.2}"))
            );
        }
    }

    floor_section(w, o, rows);

    let _ = writeln!(w, "\n## Memory\n");
    match memory {
        Some(mem) if !mem.is_empty() => {
            let tasks = mem[0]["tasks"].as_u64().unwrap_or(0);
            let _ = writeln!(
                w,
                "{tasks} idle tasks (each awaiting `std::future::pending::<()>()`), spawned \
                 with their handles dropped (async-executor: detached), each runtime in its \
                 own process (`memory` tool). RSS: growth of VmRSS per task. Heap: bytes \
                 requested from the allocator per task (a counting global allocator), i.e. \
                 the task allocation plus per-task bookkeeping, before malloc overhead.\n"
            );
            let _ = writeln!(
                w,
                "| runtime | RSS bytes / idle task | heap bytes / task | `size_of` JoinHandle | task header |"
            );
            let _ = writeln!(w, "|---|---:|---:|---:|---|");
            for m in mem {
                let _ = writeln!(
                    w,
                    "| {} | {:.0} | {:.0} | {} | {} |",
                    label(m["runtime"].as_str().unwrap_or("?")),
                    m["rss_bytes_per_task"].as_f64().unwrap_or(f64::NAN),
                    m["heap_bytes_per_task"].as_f64().unwrap_or(f64::NAN),
                    m["join_handle_size"],
                    m["task_header_size"]
                        .as_u64()
                        .map_or("not exposed".to_string(), |s| format!("{s} B")),
                );
            }
            let rss = |name: &str| {
                mem.iter()
                    .find(|m| m["runtime"] == name)
                    .and_then(|m| m["rss_bytes_per_task"].as_f64())
            };
            if let (Some(ours), Some(ae)) = (rss("runtime"), rss("async_executor")) {
                let _ = writeln!(
                    w,
                    "\nTarget (bytes per idle task ≤ async-executor's): {} ({ours:.0} vs {ae:.0} B).",
                    check(Some(ours / ae), 1.0)
                );
            }
            let _ = writeln!(
                w,
                "\nTokio and async-executor do not expose their task header size; the heap \
                 column bounds it."
            );
        }
        _ => {
            let _ = writeln!(
                w,
                "No memory figures: run `cargo run --release -p benches --bin memory` first \
                 (it writes `{}`).",
                o.memory.display()
            );
        }
    }

    let _ = writeln!(w, "\n## Reproducing\n");
    let _ = writeln!(
        w,
        "```sh\nscripts/bench.sh            # one run: all benches, memory, this report\n\
         scripts/bench.sh --runs 3   # three runs, median of the run medians\n\
         BENCH_WORKERS=4 BENCH_MEASUREMENT_SECS=10 scripts/bench.sh --runs 3\n```\n"
    );
    let _ = writeln!(w, "## Notes\n");
    let notes = kept_notes(&o.out).unwrap_or_else(|| {
        format!("{NOTES_START}\n_No notes yet: profiles and analysis go here; regeneration keeps this section._\n{NOTES_END}")
    });
    let _ = writeln!(w, "{notes}");
    md
}

/// The "Floor" section: `chained_spawn`'s time per task against the
/// `floor` bench (one malloc + free, one queue push + pop, three atomic
/// read-modify-writes), medians over the runs.
fn floor_section(w: &mut String, o: &Options, rows: &[Row]) {
    let dirs: Vec<PathBuf> = match o.runs {
        Some(n) => (1..=n)
            .map(|i| benches::bench_runs_dir().join(format!("run-{i}")))
            .collect(),
        None => vec![o.criterion.clone()],
    };
    let floor_of = |function: &str| {
        let runs: Vec<f64> = dirs
            .iter()
            .filter_map(|d| read_estimate(d, "floor", function))
            .collect();
        median(&runs)
    };
    let _ = writeln!(w, "\n## Floor\n");
    let Some(floor) = floor_of("spawn_floor") else {
        let _ = writeln!(
            w,
            "No floor figures: the `floor` bench did not run (`cargo bench -p benches --bench floor`)."
        );
        return;
    };
    let _ = writeln!(
        w,
        "What an empty task's spawn + run + free cannot cost less than on this machine \
         (`benches/benches/floor.rs`): one malloc + free of the 56-byte task block, one \
         push + pop on a crossbeam-deque FIFO, three uncontended atomic read-modify-writes, \
         in one iteration: **{}** (alone: malloc + free {}, push + pop {}, three RMWs {}). \
         Goal: `chained_spawn` (each task spawns the next; per task: spawn, schedule, run, \
         complete, free) ≤ 3× the floor per task.\n",
        fmt_time(floor),
        fmt_opt(floor_of("alloc_free"), fmt_time),
        fmt_opt(floor_of("push_pop"), fmt_time),
        fmt_opt(floor_of("atomic_rmw_3"), fmt_time),
    );
    let _ = writeln!(w, "| workload | per task | ÷ floor | goal |");
    let _ = writeln!(w, "|---|---:|---:|:---:|");
    for group in ["chained_spawn", "ct_chained_spawn"] {
        let Some(row) = rows.iter().find(|r| r.group == group) else {
            continue;
        };
        let Some(per_task) = row.get("runtime").zip(row.tasks).map(|(t, n)| t / n as f64) else {
            continue;
        };
        let _ = writeln!(
            w,
            "| `{group}` | {} | {:.1} | {} |",
            fmt_time(per_task),
            per_task / floor,
            check(Some(per_task / floor), 3.0)
        );
    }
}

fn main() -> ExitCode {
    let o = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("report: {e}");
            }
            eprintln!(
                "usage: report [--runs N] [--criterion DIR] [--memory PATH] [--out PATH] [--svg PATH]"
            );
            return ExitCode::from(2);
        }
    };
    let dirs: Vec<PathBuf> = match o.runs {
        Some(n) => (1..=n)
            .map(|i| benches::bench_runs_dir().join(format!("run-{i}")))
            .collect(),
        None => vec![o.criterion.clone()],
    };
    for d in &dirs {
        if !d.is_dir() {
            eprintln!("report: no criterion results in {}", d.display());
            return ExitCode::FAILURE;
        }
    }
    let rows = collect_rows(&dirs);
    if rows.is_empty() {
        eprintln!("report: no benchmark results found");
        return ExitCode::FAILURE;
    }
    let memory = read_memory(&o.memory);
    if memory.is_none() {
        eprintln!(
            "report: no memory figures at {} (run the memory tool)",
            o.memory.display()
        );
    }
    let svg_name = o
        .svg
        .file_name()
        .map_or("benchmarks-ratios.svg".into(), |n| {
            n.to_string_lossy().into_owned()
        });
    let md = markdown(&o, &rows, memory.as_deref(), &svg_name);
    for p in [&o.out, &o.svg] {
        if let Some(dir) = p.parent() {
            std::fs::create_dir_all(dir).expect("creating the output directory");
        }
    }
    std::fs::write(&o.out, md).expect("writing the markdown");
    std::fs::write(&o.svg, svg(&rows)).expect("writing the chart");
    eprintln!("report: wrote {} and {}", o.out.display(), o.svg.display());

    // A summary on the terminal.
    println!(
        "{:<34} {:>12} {:>12} {:>14} {:>8} {:>9}",
        "workload", "runtime", "tokio", "async_executor", "÷tokio", "÷fastest"
    );
    for r in &rows {
        println!(
            "{:<34} {:>12} {:>12} {:>14} {:>8} {:>9}",
            r.group,
            fmt_opt(r.get("runtime"), fmt_time),
            fmt_opt(r.get("tokio"), fmt_time),
            fmt_opt(r.get("async_executor"), fmt_time),
            fmt_opt(r.ratio_tokio(), |x| format!("{x:.2}")),
            fmt_opt(r.ratio_fastest(), |x| format!("{x:.2}")),
        );
    }
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
    }

    #[test]
    fn times_are_formatted_with_units() {
        assert_eq!(fmt_time(950.0), "950 ns");
        assert_eq!(fmt_time(1_234.0), "1.23 µs");
        assert_eq!(fmt_time(45_600_000.0), "45.6 ms");
    }
}

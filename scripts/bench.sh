#!/usr/bin/env bash
# Regenerates docs/benchmarks.md and docs/benchmarks-ratios.svg:
#   1. runs the criterion benches of the `benches` package (all bench
#      targets: rt_multi_threaded, and the others that exist) N times,
#      saving each run's target/criterion as target/bench-runs/run-<i>;
#   2. runs the `memory` tool (1,000,000 idle tasks per runtime, one
#      process per runtime) -> target/bench-memory.json;
#   3. runs the `report` tool (median of the N run medians).
#
# Usage: scripts/bench.sh [--runs N] [--skip-criterion] [--skip-memory] [-- <criterion args>]
#   --runs N          criterion runs to take (default 1; the issue asks for 3)
#   --skip-criterion  reuse target/bench-runs/run-1..N from an earlier call
#   --skip-memory     reuse target/bench-memory.json
#   -- ARGS           passed to the bench binaries (e.g. a filter: -- ping_pong)
#
# Environment: BENCH_WORKERS (worker threads per runtime, default 2),
# BENCH_SAMPLE_SIZE (20), BENCH_WARM_UP_SECS (1), BENCH_MEASUREMENT_SECS (3),
# BENCH_PLOTS=1 (criterion's plots), MEMORY_TASKS (1000000),
# CARGO_TARGET_DIR.
set -euo pipefail

runs=1
skip_criterion=0
skip_memory=0
bench_args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs="$2"; shift 2 ;;
        --runs=*) runs="${1#--runs=}"; shift ;;
        --skip-criterion) skip_criterion=1; shift ;;
        --skip-memory) skip_memory=1; shift ;;
        --) shift; bench_args=("$@"); break ;;
        -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "bench.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done
case "$runs" in ''|*[!0-9]*|0) echo "bench.sh: --runs needs a positive number" >&2; exit 2 ;; esac

cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-$PWD/target}"
export BENCH_WORKERS="${BENCH_WORKERS:-2}"
echo "bench.sh: $runs run(s), $BENCH_WORKERS worker threads per runtime, $(nproc) CPUs"

# The bench profile (release + debug info) shares its build with the benches.
cargo build --profile bench -p benches --bins
if [ "$skip_criterion" = 0 ]; then
    cargo bench -p benches --benches --no-run
    rm -rf "$target/bench-runs"
    mkdir -p "$target/bench-runs"
    for i in $(seq 1 "$runs"); do
        echo "bench.sh: criterion run $i of $runs"
        # Start from an empty results directory so a run holds only its own results.
        rm -rf "$target/criterion"
        cargo bench -p benches --benches -- "${bench_args[@]}"
        cp -r "$target/criterion" "$target/bench-runs/run-$i"
    done
fi

if [ "$skip_memory" = 0 ]; then
    "$target/release/memory" all --tasks "${MEMORY_TASKS:-1000000}" --out "$target/bench-memory.json"
fi

"$target/release/report" --runs "$runs" --memory "$target/bench-memory.json"

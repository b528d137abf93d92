#!/usr/bin/env bash
# Memory errors and leaks: runs the runtime's stress tests
# (runtime/tests/stress.rs), chaos seeds (runtime/tests/chaos.rs) and the
# shutdown tests under valgrind memcheck and under AddressSanitizer (with
# LeakSanitizer), then prints a summary. Exit status 1 if any run failed.
#
#   scripts/memcheck.sh             full: every runtime integration test but
#                                   the compile-fail UI snapshots, stress x5,
#                                   more chaos seeds, under both tools
#   scripts/memcheck.sh --quick     the CI subset (under 3 minutes)
#   MEMCHECK_TOOLS=valgrind scripts/memcheck.sh    one tool only (or asan)
#
# valgrind runs with --leak-check=full --errors-for-leak-kinds=definite
# --error-exitcode=1 (and --fair-sched=yes, since the tests spin-wait on
# conditions); it is installed with apt-get if missing. ASan needs the
# nightly toolchain (`rustup toolchain list`): the tests are built with
# `cargo +nightly` and RUSTFLAGS=-Zsanitizer=address for
# x86_64-unknown-linux-gnu into target/asan (so the normal build is left
# alone); without a nightly the script says so and skips ASan. Logs go to
# target/memcheck/<tool>-<test>.log.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=full
if [[ "${1:-}" == "--quick" ]]; then
    mode=quick
    shift
fi
if [[ $# -gt 0 ]]; then
    echo "usage: $0 [--quick]" >&2
    exit 2
fi
tools="${MEMCHECK_TOOLS:-valgrind asan}"
logs=target/memcheck
mkdir -p "$logs"

if [[ $mode == quick ]]; then
    valgrind_tests=(stress chaos shutdown lifecycle_shutdown spawn_outside first_poll)
    asan_tests=(stress chaos shutdown shutdown_live lifecycle_shutdown spawn_outside first_poll)
    export STRESS_SCALE="${STRESS_SCALE:-1}"
    chaos_valgrind=(CHAOS_SEEDS=3 CHAOS_OPS=1000)
    chaos_asan=(CHAOS_SEEDS=8 CHAOS_OPS=2000)
else
    mapfile -t all < <(ls runtime/tests/*.rs | xargs -n1 basename | sed 's/\.rs$//' | grep -v '^macros_ui$')
    valgrind_tests=("${all[@]}")
    asan_tests=("${all[@]}")
    export STRESS_SCALE="${STRESS_SCALE:-5}"
    chaos_valgrind=(CHAOS_SEEDS=10 CHAOS_OPS=2000)
    chaos_asan=(CHAOS_SEEDS=40 CHAOS_OPS=2000)
fi

summary=()
failed=0

# Builds the given integration tests with `cargo "$@"` and prints
# "name path" per test binary.
build_tests() {
    local names=("${!1}")
    shift
    local args=()
    for t in "${names[@]}"; do args+=(--test "$t"); done
    "$@" -p runtime "${args[@]}" --no-run 2>&1 |
        tee "$logs/build.log" |
        sed -n 's/^ *Executable tests\/\([a-z0-9_]*\)\.rs (\(.*\))$/\1 \2/p'
}

# run TOOL NAME CMD...: runs one test binary, records the result.
run() {
    local tool=$1 name=$2
    shift 2
    local log="$logs/$tool-$name.log" start=$SECONDS status=ok
    echo "==> $tool: $name"
    if ! "$@" >"$log" 2>&1; then
        status=FAILED
        failed=1
        tail -n 40 "$log" | sed 's/^/    /'
    fi
    summary+=("$(printf '%-9s %-14s %-7s %4ss  %s' "$tool" "$name" "$status" $((SECONDS - start)) "$log")")
}

if [[ " $tools " == *" valgrind "* ]]; then
    if ! command -v valgrind >/dev/null; then
        echo "==> installing valgrind (apt-get)"
        sudo=""
        [[ $(id -u) -ne 0 ]] && sudo=sudo
        $sudo apt-get update -qq && $sudo apt-get install -y -qq valgrind
    fi
    echo "==> building the tests for valgrind ($(valgrind --version))"
    mapfile -t bins < <(build_tests valgrind_tests[@] cargo test)
    if [[ ${#bins[@]} -ne ${#valgrind_tests[@]} ]]; then
        echo "build failed or a test binary is missing; see $logs/build.log" >&2
        tail -n 30 "$logs/build.log" >&2
        exit 1
    fi
    for line in "${bins[@]}"; do
        read -r name bin <<<"$line"
        extra=()
        [[ $name == chaos ]] && extra=("${chaos_valgrind[@]}")
        run valgrind "$name" env "${extra[@]}" valgrind --tool=memcheck --leak-check=full \
            --errors-for-leak-kinds=definite --error-exitcode=1 --fair-sched=yes \
            --num-callers=40 "$bin" --test-threads=1
    done
fi

if [[ " $tools " == *" asan "* ]]; then
    if ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
        echo "==> no nightly toolchain (rustup toolchain list): skipping AddressSanitizer"
        summary+=("$(printf '%-9s %-14s %-7s' asan '(all)' SKIPPED) no nightly toolchain")
    else
        echo "==> building the tests with AddressSanitizer ($(rustup run nightly rustc --version))"
        mapfile -t bins < <(CARGO_TARGET_DIR=target/asan RUSTFLAGS="-Zsanitizer=address" \
            build_tests asan_tests[@] cargo +nightly test --target x86_64-unknown-linux-gnu)
        if [[ ${#bins[@]} -ne ${#asan_tests[@]} ]]; then
            echo "ASan build failed or a test binary is missing; see $logs/build.log" >&2
            tail -n 30 "$logs/build.log" >&2
            exit 1
        fi
        for line in "${bins[@]}"; do
            read -r name bin <<<"$line"
            extra=()
            [[ $name == chaos ]] && extra=("${chaos_asan[@]}")
            run asan "$name" env "${extra[@]}" ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 \
                "$bin" --test-threads=2
        done
    fi
fi

echo
echo "memcheck summary ($mode, $(date -u '+%Y-%m-%d %H:%M UTC')):"
printf '  %s\n' "${summary[@]}"
if [[ $failed -ne 0 ]]; then
    echo "memcheck: FAILED (see the logs above)"
    exit 1
fi
echo "memcheck: clean"

#!/usr/bin/env bash
# Runs the loom models of the runtime (runtime/src/**/loom_*.rs): the task
# state machine, the parker, the driver stack's wake-ups (time driver over
# the thread parker), one timer's shared state (fire vs. poll, drop, push
# back), and the real multi-thread scheduler (a whole runtime built without
# I/O, its workers as loom threads: loom_pool).
#
#   scripts/loom.sh                          all models, LOOM_MAX_PREEMPTIONS=2
#   scripts/loom.sh loom_state               only tests whose name matches
#   LOOM_MAX_PREEMPTIONS=3 scripts/loom.sh   a deeper search (about a minute)
#   scripts/loom.sh --debug-assertions       with the runtime's debug_assert!s
#                                            on (own target dir, target/loom-debug)
#
# The loom build goes to its own target dir (target/loom), so it does not
# invalidate the normal build. Tests run one at a time with --nocapture: each
# model prints how many executions it explored, and a lost wake-up shows as
# loom's "deadlock; threads = [...]" panic (after which loom aborts the test
# binary, so it is the last thing printed).
set -euo pipefail
cd "$(dirname "$0")/.."

target_dir=target/loom
rustflags="--cfg runtime_loom"
if [[ "${1:-}" == "--debug-assertions" ]]; then
    shift
    target_dir=target/loom-debug
    rustflags="--cfg runtime_loom -C debug-assertions=on"
fi
filter="${1:-loom}"
preemptions="${LOOM_MAX_PREEMPTIONS:-2}"

cmd=(cargo test -p runtime --release --lib "$filter" -- --nocapture --test-threads=1)
echo "+ CARGO_TARGET_DIR=$target_dir RUSTFLAGS=\"$rustflags\" LOOM_MAX_PREEMPTIONS=$preemptions ${cmd[*]}"
CARGO_TARGET_DIR="$target_dir" RUSTFLAGS="$rustflags" LOOM_MAX_PREEMPTIONS="$preemptions" "${cmd[@]}"

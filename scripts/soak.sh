#!/usr/bin/env bash
# Soak test: examples/http.rs under wrk, with connection churn.
#
# Builds the example in release, starts it on 127.0.0.1 (a free port: it
# binds 127.0.0.1:0 and prints the address), warms it up, records its RSS
# (VmRSS in /proc/PID/status), then loads it for SOAK_SECS with wrk and
# checks:
#   * zero wrk errors: socket errors (connect, read, write, timeout) and
#     error responses (wrk counts every status >= 400; the server sends no
#     1xx or 3xx, so that is every non-2xx answer);
#   * the server is still running;
#   * the RSS at the end is at most SOAK_RSS_TOLERANCE_PCT (10) percent
#     above the RSS after the warm-up.
# Prints a summary, exits 1 on a failure, and always kills the server.
#
# Connection churn: wrk keeps its connections alive, so the load is a
# series of short wrk runs (SOAK_PHASE_SECS each), back to back, cycling
# through different connection counts (at most SOAK_CONNECTIONS), and
# every third run sends `Connection: close` (the server answers and
# closes, wrk reconnects for each request). Every run opens all its
# connections anew and drops them at its end.
#
#   scripts/soak.sh                      60 s of load after a 10 s warm-up
#   SOAK_SECS=600 scripts/soak.sh        a longer soak
#
# Environment: SOAK_SECS (60), SOAK_WARMUP_SECS (10), SOAK_PHASE_SECS (5),
# SOAK_CONNECTIONS (64), SOAK_THREADS (wrk threads, 2),
# SOAK_RSS_TOLERANCE_PCT (10), CARGO_TARGET_DIR. wrk is installed with
# apt-get if missing. Only 127.0.0.1 is ever loaded.
set -euo pipefail
cd "$(dirname "$0")/.."

soak_secs="${SOAK_SECS:-60}"
warmup_secs="${SOAK_WARMUP_SECS:-10}"
phase_secs="${SOAK_PHASE_SECS:-5}"
max_conns="${SOAK_CONNECTIONS:-64}"
wrk_threads="${SOAK_THREADS:-2}"
tolerance="${SOAK_RSS_TOLERANCE_PCT:-10}"
for v in soak_secs warmup_secs phase_secs max_conns wrk_threads tolerance; do
    case "${!v}" in
        '' | *[!0-9]* | 0) echo "soak.sh: $v must be a positive integer, not '${!v}'" >&2; exit 2 ;;
    esac
done

target="${CARGO_TARGET_DIR:-$PWD/target}"
tmp="$(mktemp -d)"
server_pid=""
wrk_pid=""
cleanup() {
    if [[ -n "$wrk_pid" ]]; then
        kill "$wrk_pid" 2>/dev/null || true
        wait "$wrk_pid" 2>/dev/null || true
    fi
    if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if ! command -v wrk >/dev/null; then
    echo "==> installing wrk (apt-get)"
    sudo=""
    [[ $(id -u) -ne 0 ]] && sudo=sudo
    $sudo apt-get update -qq && $sudo apt-get install -y -qq wrk
fi

echo "==> building examples/http.rs (release)"
cargo build --release -p examples --example http
bin="$target/release/examples/http"

echo "==> starting the server"
# `exec` in the background subshell, so $! is the server itself (whose RSS
# is measured), not a shell waiting for it.
(exec "$bin" 127.0.0.1:0 >"$tmp/server.log" 2>&1) &
server_pid=$!
url=""
for _ in $(seq 100); do
    url="$(sed -n 's|^listening on \(http://127\.0\.0\.1:[0-9]*\)$|\1/|p' "$tmp/server.log")"
    [[ -n "$url" ]] && break
    if ! kill -0 "$server_pid" 2>/dev/null; then
        echo "soak.sh: the server exited at start:" >&2
        cat "$tmp/server.log" >&2
        exit 1
    fi
    sleep 0.1
done
if [[ -z "$url" ]]; then
    echo "soak.sh: the server did not print its address within 10 s" >&2
    exit 1
fi
if [[ "$(readlink "/proc/$server_pid/exe")" != "$(readlink -f "$bin")" ]]; then
    echo "soak.sh: pid $server_pid is $(readlink "/proc/$server_pid/exe"), not $bin" >&2
    exit 1
fi
echo "    pid $server_pid, $url"

# wrk's own summary is for people; this prints the numbers for the script.
cat >"$tmp/report.lua" <<'EOF'
done = function(summary, latency, requests)
    local e = summary.errors
    io.write(string.format("SOAK requests=%d connect=%d read=%d write=%d status=%d timeout=%d\n",
        summary.requests, e.connect, e.read, e.write, e.status, e.timeout))
end
EOF

rss_kb() {
    awk '/^VmRSS:/ { print $2 }' "/proc/$server_pid/status"
}

# The phases cycle through these (connections as a share of max_conns,
# whether to send `Connection: close`).
phase_pct=(100 100 25 100 50 75)
phase_close=(0 1 0 0 1 0)

total_requests=0
errors_connect=0
errors_read=0
errors_write=0
errors_status=0
errors_timeout=0
close_requests=0
runs=0
peak_rss=0
rss_trace=""
phase=0

# Runs wrk phases for $1 seconds; adds to the totals when $2 is "soak".
load() {
    local left="$1" mode="$2"
    while ((left > 0)); do
        local secs=$((left < phase_secs ? left : phase_secs))
        local i=$((phase % ${#phase_pct[@]}))
        local conns=$((max_conns * phase_pct[i] / 100))
        if ((conns < 1)); then conns=1; fi
        local threads=$((wrk_threads < conns ? wrk_threads : conns))
        local header=()
        if [[ "${phase_close[i]}" == 1 ]]; then header=(-H "Connection: close"); fi
        local out="$tmp/wrk-$phase.txt"
        # In the background, so a signal's trap runs at once (and kills it).
        wrk -t"$threads" -c"$conns" -d"${secs}s" --timeout 2s -s "$tmp/report.lua" \
            "${header[@]}" "$url" >"$out" 2>&1 &
        wrk_pid=$!
        if ! wait "$wrk_pid"; then
            wrk_pid=""
            echo "soak.sh: wrk failed:" >&2
            cat "$out" >&2
            exit 1
        fi
        wrk_pid=""
        if ! kill -0 "$server_pid" 2>/dev/null; then
            echo "soak.sh: the server died during the load:" >&2
            cat "$tmp/server.log" >&2
            exit 1
        fi
        local line
        line="$(grep '^SOAK ' "$out" || true)"
        if [[ -z "$line" ]]; then
            echo "soak.sh: no summary from wrk:" >&2
            cat "$out" >&2
            exit 1
        fi
        local requests connect read write status timeout
        read -r requests connect read write status timeout < <(sed 's/^SOAK //; s/[a-z]*=//g' <<<"$line")
        local errs=$((connect + read + write + status + timeout))
        printf '    %-7s %2d conns%-20s %3ss  %8d requests  %d errors\n' \
            "$mode" "$conns" "${header[*]:+ (Connection: close)}" "$secs" "$requests" "$errs"
        if [[ "$mode" == soak ]]; then
            total_requests=$((total_requests + requests))
            errors_connect=$((errors_connect + connect))
            errors_read=$((errors_read + read))
            errors_write=$((errors_write + write))
            errors_status=$((errors_status + status))
            errors_timeout=$((errors_timeout + timeout))
            if [[ "${phase_close[i]}" == 1 ]]; then close_requests=$((close_requests + requests)); fi
            runs=$((runs + 1))
            local rss
            rss="$(rss_kb)"
            if ((rss > peak_rss)); then peak_rss=$rss; fi
            rss_trace+="${rss_trace:+ }$rss"
        fi
        phase=$((phase + 1))
        left=$((left - secs))
    done
}

echo "==> warm-up, ${warmup_secs} s"
load "$warmup_secs" warm-up
sleep 1 # let the last connections close
rss_before="$(rss_kb)"
echo "    RSS after warm-up: $rss_before kB"

echo "==> soak, ${soak_secs} s, up to $max_conns connections"
start=$SECONDS
load "$soak_secs" soak
elapsed=$((SECONDS - start))
sleep 1
alive=yes
kill -0 "$server_pid" 2>/dev/null || alive=no
rss_after=0
if [[ "$alive" == yes ]]; then rss_after="$(rss_kb)"; fi

errors=$((errors_connect + errors_read + errors_write + errors_status + errors_timeout))
limit=$((rss_before + rss_before * tolerance / 100))
growth_pct="$(awk -v a="$rss_after" -v b="$rss_before" 'BEGIN { printf "%+.1f", (a - b) * 100 / b }')"

echo
echo "==> soak summary ($(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs)"
echo "    load:       $runs wrk runs in ${elapsed} s, $total_requests requests ($((total_requests / (elapsed > 0 ? elapsed : 1))) /s), $close_requests of them with Connection: close"
echo "    errors:     $errors (connect $errors_connect, read $errors_read, write $errors_write, timeout $errors_timeout, status >= 400 $errors_status)"
echo "    server:     $([[ "$alive" == yes ]] && echo running || echo DIED)"
echo "    RSS:        $rss_before kB after warm-up, $rss_after kB at the end ($growth_pct %, limit +$tolerance % = $limit kB), peak $peak_rss kB"
echo "    RSS by run: $rss_trace (kB)"

failed=0
if ((errors > 0)); then
    echo "FAIL: wrk reported $errors error(s)" >&2
    failed=1
fi
if [[ "$alive" != yes ]]; then
    echo "FAIL: the server died" >&2
    failed=1
elif ((rss_after > limit)); then
    echo "FAIL: RSS grew from $rss_before kB to $rss_after kB (more than $tolerance %)" >&2
    failed=1
fi
if ((failed)); then
    exit 1
fi
echo "PASS"

#!/usr/bin/env bash
# HTTP load: examples/http.rs (this runtime) against the same server on
# Tokio (benches/src/bin/http_tokio.rs), alternately, each under `wrk` on
# 127.0.0.1 with 64 connections for a bounded time. Prints requests/s and
# p99 latency for both, per round and as medians, and their ratios, and
# the server's CPU time per request (user and system, from
# /proc/PID/stat over the wrk run): the share a runtime's own code can
# change, against the kernel's, which it cannot.
#
#   benches/http-load.sh            # 3 rounds of 10 s per server
#   ROUNDS=5 DURATION=15 benches/http-load.sh
#
# Installs wrk from Debian's packages if it is missing (needs root or
# sudo). wrk and the servers share the machine's cores, so absolute
# numbers depend on the machine; the ratio is what to look at.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-64}
WRK_THREADS=${WRK_THREADS:-2}
PORT_OURS=${PORT_OURS:-18080}
PORT_TOKIO=${PORT_TOKIO:-18081}

if ! command -v wrk >/dev/null 2>&1; then
  echo "==> installing wrk (apt-get)"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq wrk
fi

echo "==> building (release)"
cargo build --release -q -p examples --example http
cargo build --release -q -p benches --bin http_tokio
OURS_BIN=target/release/examples/http
TOKIO_BIN=target/release/http_tokio

SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
}
trap cleanup EXIT

# Waits (at most 10 s) until something answers on 127.0.0.1:$1.
wait_ready() {
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "server on port $1 did not start" >&2
  exit 1
}

# A process's user and system CPU time so far, in clock ticks: fields 14
# and 15 of /proc/PID/stat (the command name, field 2, has no spaces here).
CLK_TCK=$(getconf CLK_TCK)
cpu_ticks() { awk '{ print $14, $15 }' "/proc/$1/stat"; }

# wrk's latency to milliseconds ("850.00us", "1.23ms", "1.01s").
to_ms() {
  awk -v v="$1" 'BEGIN {
    if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v }
    else if (v ~ /m$/) { sub(/m$/, "", v); printf "%.3f", v * 60000 }
    else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.3f", v * 1000 }
    else { printf "%s", v }
  }'
}

# run NAME BIN PORT: one round; appends "rps p99_ms" to $RESULTS/NAME.
run() {
  local name=$1 bin=$2 port=$3
  "$bin" "127.0.0.1:$port" >/dev/null &
  SERVER_PID=$!
  wait_ready "$port"
  local out ticks0 ticks1
  ticks0=$(cpu_ticks "$SERVER_PID")
  out=$(timeout $((DURATION + 30)) wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "http://127.0.0.1:$port/")
  ticks1=$(cpu_ticks "$SERVER_PID")
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
  if echo "$out" | grep -q "Non-2xx\|Socket errors"; then
    echo "$out" | grep "Non-2xx\|Socket errors" | sed "s/^/  $name: /"
  fi
  local rps p99
  rps=$(echo "$out" | awk '/^Requests\/sec:/ { print $2 }')
  p99=$(to_ms "$(echo "$out" | awk '$1 == "99%" { print $2 }')")
  # The server's CPU microseconds per request, user and system.
  local cpu
  cpu=$(awk -v t0="$ticks0" -v t1="$ticks1" -v hz="$CLK_TCK" -v r="$rps" -v d="$DURATION" 'BEGIN {
    split(t0, a, " "); split(t1, b, " "); n = r * d
    printf "%.2f %.2f", (b[1] - a[1]) / hz / n * 1e6, (b[2] - a[2]) / hz / n * 1e6
  }')
  report "$name" "$rps" "$p99" $cpu
  echo "$rps $p99 $cpu" >>"$RESULTS/$name"
}

# report NAME RPS P99_MS USER_US SYS_US: one line of results.
report() {
  printf '  %-8s %12.0f req/s   p99 %8.3f ms   server CPU/request: user %5.2f us, system %5.2f us\n' "$@"
}

median() { sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

RESULTS=$(mktemp -d)
echo "==> $ROUNDS rounds, ${DURATION}s each, $CONNECTIONS connections, wrk -t$WRK_THREADS, $(nproc) CPUs"
for round in $(seq 1 "$ROUNDS"); do
  echo "round $round"
  # Alternate which goes first, so neither always gets the warmer machine.
  if [ $((round % 2)) = 1 ]; then
    run runtime "$OURS_BIN" "$PORT_OURS"
    run tokio "$TOKIO_BIN" "$PORT_TOKIO"
  else
    run tokio "$TOKIO_BIN" "$PORT_TOKIO"
    run runtime "$OURS_BIN" "$PORT_OURS"
  fi
done

# column NAME N: the median of column N of NAME's rounds.
column() { awk -v n="$2" '{ print $n }' "$RESULTS/$1" | median; }
ours_rps=$(column runtime 1)
ours_p99=$(column runtime 2)
tokio_rps=$(column tokio 1)
tokio_p99=$(column tokio 2)
ours_cpu="$(column runtime 3) $(column runtime 4)"
tokio_cpu="$(column tokio 3) $(column tokio 4)"
rm -r "$RESULTS"

echo
echo "median over $ROUNDS rounds:"
report runtime "$ours_rps" "$ours_p99" $ours_cpu
report tokio "$tokio_rps" "$tokio_p99" $tokio_cpu
awk -v a="$ours_rps" -v b="$tokio_rps" -v c="$ours_p99" -v d="$tokio_p99" 'BEGIN {
  printf "  ratio    req/s runtime/tokio = %.3f (goal >= 1)   p99 runtime/tokio = %.3f (goal <= 1)\n", a / b, c / d
}'

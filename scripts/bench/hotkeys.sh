#!/usr/bin/env bash
# Benchmarks `cachestorm hotkeys` against reference runs on the same input, and prints
# figures and ratios. Nothing here is committed output; inputs are generated.
#
#   scripts/bench/hotkeys.sh            # offline (5M-line capture) + 20M distinct keys
#                                       # + one 50 MiB key + live
#   SKIP_LIVE=1 SKIP_DISTINCT=1 SKIP_LONG_KEY=1 scripts/bench/hotkeys.sh
#   CACHESTORM_BIN=/path/to/other/cachestorm scripts/bench/hotkeys.sh   # another build
#   LONG_KEY_MIB=4 scripts/bench/hotkeys.sh                           # a smaller long key
#
# Needs: python3, GNU time (/usr/bin/time; Debian package `time`), redis-server,
# redis-cli, redis-benchmark (redis-tools). Talks only to a server it starts on a free
# loopback port, and stops it by PID.
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=${BENCH_DIR:-/tmp/cachestorm-bench}
mkdir -p "$dir"
[ -x /usr/bin/time ] || { echo "needs GNU time: apt-get install -y time" >&2; exit 1; }
cargo build --release --quiet --bin cachestorm --example hotkey_floor
bin=${CACHESTORM_BIN:-$PWD/target/release/cachestorm}
floor=$PWD/target/release/examples/hotkey_floor

tf="$dir/time.out"
best() { # best wall time in seconds of 3 runs of "$@" (output discarded)
  local best=""
  for _ in 1 2 3; do
    local t
    /usr/bin/time -f "%e" -o "$tf" "$@" >/dev/null 2>&1
    t=$(tail -1 "$tf")
    if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN{exit !(a<b)}'; then best=$t; fi
  done
  echo "$best"
}
rss_mb() { /usr/bin/time -f "%M" -o "$tf" "$@" >/dev/null 2>&1; tail -1 "$tf" | awk '{printf "%.0f", $1/1024}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b>0) printf "%.1f", a/b; else print "-" }'; }

cap="$dir/capture-5m.log"
if [ ! -s "$cap" ]; then
  echo "generating $cap (5,000,000 lines)..." >&2
  python3 scripts/bench/gen-capture.py "$cap" 5000000
fi
cat "$cap" >/dev/null # page cache warm for every run
lines=$(wc -l < "$cap")
size=$(du -m "$cap" | cut -f1)
echo "== offline: $lines lines, ${size} MB, page cache warm, best of 3 =="
t_wc=$(best wc -l "$cap")
t_cs=$(best "$bin" hotkeys --input "$cap")
t_cs1=$(best "$bin" hotkeys --input "$cap" --threads 1)
awk_pipeline() { awk -F'"' '$1 ~ /^[0-9]/ {c[$4]++} END {for (k in c) print c[k], k}' "$1" | sort -rn | head -20; }
export -f awk_pipeline
t_awk=$(best bash -c "awk_pipeline $cap")
rss_cs=$(rss_mb "$bin" hotkeys --input "$cap")
rss_cs1=$(rss_mb "$bin" hotkeys --input "$cap" --threads 1)
printf "%-40s %8s s %12s lines/s %8s x wc -l\n" "wc -l" "$t_wc" "$(awk -v l="$lines" -v t="$t_wc" 'BEGIN{printf "%.0f", l/t}')" "1.0"
printf "%-40s %8s s %12s lines/s %8s x wc -l   peak RSS %s MB\n" "cachestorm hotkeys --input" "$t_cs" "$(awk -v l="$lines" -v t="$t_cs" 'BEGIN{printf "%.0f", l/t}')" "$(ratio "$t_cs" "$t_wc")" "$rss_cs"
printf "%-40s %8s s %12s lines/s %8s x wc -l   peak RSS %s MB\n" "cachestorm hotkeys --input --threads 1" "$t_cs1" "$(awk -v l="$lines" -v t="$t_cs1" 'BEGIN{printf "%.0f", l/t}')" "$(ratio "$t_cs1" "$t_wc")" "$rss_cs1"
printf "%-40s %8s s %12s lines/s %8s x wc -l   (first argument only)\n" "awk | sort | uniq hot-key pipeline" "$t_awk" "$(awk -v l="$lines" -v t="$t_awk" 'BEGIN{printf "%.0f", l/t}')" "$(ratio "$t_awk" "$t_wc")"
# The floor: the least work any hot-key counter does (first key into a hash table,
# nothing else; examples/hotkey_floor.rs), on one and on both cores.
for th in 1 2; do
  t_fl=$(best "$floor" "$cap" "$th")
  printf "%-40s %8s s %12s lines/s %8s x wc -l   (floor: first key only, no report)\n" "hotkey_floor, $th thread(s)" "$t_fl" "$(awk -v l="$lines" -v t="$t_fl" 'BEGIN{printf "%.0f", l/t}')" "$(ratio "$t_fl" "$t_wc")"
done

if [ -z "${SKIP_DISTINCT:-}" ]; then
  many="$dir/capture-20m-distinct.log"
  if [ ! -s "$many" ]; then
    echo "generating $many (20,000,000 distinct keys)..." >&2
    seq 1 20000000 | awk '{printf "%d.%06d [0 10.0.0.1:5000] \"GET\" \"k:%d\"\n", 1700000000 + int($1/100000), $1%1000000, $1}' > "$many"
  fi
  echo "== 20,000,000 distinct keys (default --max-keys 1,000,000), best of 3 =="
  t_many=$(best "$bin" hotkeys --input "$many")
  rss_many=$(rss_mb "$bin" hotkeys --input "$many")
  # distinct_keys: estimated past --max-keys (distinct_keys_exact false); older builds
  # reported the table's size there.
  mode=$("$bin" hotkeys --input "$many" -o json --top 1 | python3 -c 'import json,sys; c=json.load(sys.stdin)["counting"]; print(c["mode"], "distinct_keys", c["distinct_keys"], "exact" if c.get("distinct_keys_exact", True) else "estimated")')
  echo "$t_many s, peak RSS ${rss_many} MB; counting: $mode"
  t_1m=$(best "$bin" hotkeys --input "$many" --max-keys 100000)
  rss_1m=$(rss_mb "$bin" hotkeys --input "$many" --max-keys 100000)
  echo "with --max-keys 100000: $t_1m s, peak RSS ${rss_1m} MB"
fi

if [ -z "${SKIP_LONG_KEY:-}" ]; then
  # One huge key: table output must stay small and take about as long as JSON (linear).
  mib=${LONG_KEY_MIB:-50}
  long="$dir/capture-long-key-${mib}mib.log"
  if [ ! -s "$long" ]; then
    echo "generating $long (one ${mib} MiB key, read 3 times)..." >&2
    python3 - "$long" "$mib" <<'PY'
import sys
path, mib = sys.argv[1], int(sys.argv[2])
key = "big:" + "k" * (mib << 20)
with open(path, "w") as f:
    for i in range(3):
        f.write('1700000000.%06d [0 10.0.0.1:5000] "GET" "%s"\n' % (i, key))
    f.write('1700000001.000000 [0 10.0.0.1:5000] "SET" "small" "v"\n')
PY
  fi
  echo "== one ${mib} MiB key: hotkeys --input --top 1, best of 3 =="
  t_json=$(best "$bin" hotkeys --input "$long" --top 1 -o json)
  t_table=$(best "$bin" hotkeys --input "$long" --top 1)
  bytes_table=$("$bin" hotkeys --input "$long" --top 1 | wc -c)
  rss_table=$(rss_mb "$bin" hotkeys --input "$long" --top 1)
  printf "%-40s %8s s\n" "-o json" "$t_json"
  printf "%-40s %8s s   %s bytes of table, peak RSS %s MB\n" "table" "$t_table" "$bytes_table" "$rss_table"
fi

if [ -z "${SKIP_LIVE:-}" ]; then
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" --logfile "$dir/bench-server.log" &
  spid=$!
  trap 'kill $spid 2>/dev/null || true' EXIT
  until redis-cli -p "$port" ping >/dev/null 2>&1; do sleep 0.05; done
  max_omem() { # polls CLIENT LIST every 100 ms for $1 seconds; prints the largest monitor omem
    local end=$((SECONDS + $1)) m=0
    while [ $SECONDS -lt $end ]; do
      local o
      o=$(redis-cli -p "$port" client list | awk '/cmd=monitor/ { for (i=1;i<=NF;i++) if ($i ~ /^omem=/) { split($i,a,"="); print a[2] } }' | sort -n | tail -1)
      [ -n "$o" ] && [ "$o" -gt "$m" ] && m=$o
      sleep 0.1
    done
    echo "$m"
  }
  run_live() { # $1: label, rest: monitor command
    local label=$1; shift
    redis-benchmark -p "$port" -t get,set -r 100000 -n 100000000 -c 50 -q >/dev/null 2>&1 &
    local bpid=$!
    sleep 1
    "$@" >/dev/null 2>&1 &
    local mpid=$!
    local m
    m=$(max_omem 9)
    local ops
    ops=$(redis-cli -p "$port" info stats | awk -F: '/instantaneous_ops_per_sec/ {print $2}' | tr -d '\r')
    kill $mpid 2>/dev/null || true; wait $mpid 2>/dev/null || true
    kill $bpid 2>/dev/null || true; wait $bpid 2>/dev/null || true
    printf "%-36s max MONITOR omem %10s bytes   server at %s ops/s\n" "$label" "$m" "$ops"
  }
  echo "== live: redis-benchmark -c 50 at full speed; server's MONITOR output buffer =="
  run_live "no MONITOR attached (baseline)" sleep 10
  run_live "redis-cli monitor > /dev/null" redis-cli -p "$port" monitor
  run_live "cachestorm hotkeys --duration 10s" "$bin" hotkeys -p "$port" --duration 10s
fi

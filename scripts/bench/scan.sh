#!/usr/bin/env bash
# Benchmarks the keyspace scans against redis-cli --memkeys on the same server and data, in
# one run, and prints figures, ratios and the goals they are held to. Nothing here is
# committed output; the data is generated.
#
#   scripts/bench/scan.sh                       # 500,000 keys
#   KEYS=200000 scripts/bench/scan.sh
#   CS_ARGS="--count 200" scripts/bench/scan.sh # extra flags for every cachestorm run
#
# Loads N mixed keys (scripts/bench/gen-keyspace.py: strings of several sizes, hashes,
# lists, sets, zsets, streams, one big key per type, ~30% with TTLs, one expiry cliff) into
# a redis-server it starts on a free loopback port (stopped by PID), then times, one run
# each with a side probe beside it (scripts/bench/latency-probe.py, PING every 10 ms: the
# latency other clients saw during the scan):
#   redis-cli --memkeys                     the reference: its time, rate and probe p99
#   cachestorm bigkeys                      defaults
#   cachestorm bigkeys --rate <memkeys's>   the same pace as the reference
#   cachestorm keyspace                     defaults
# Goals: default bigkeys >= 4x faster than --memkeys with probe p99 <= 0.5 ms; at
# memkeys's rate, probe p99 no more than 0.1 ms above memkeys's.
#
# Needs: python3, GNU time (/usr/bin/time), redis-server, redis-cli (redis-tools).
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${KEYS:-500000}
dir=${BENCH_DIR:-/tmp/cachestorm-bench}
read -r -a extra <<< "${CS_ARGS:-}"
mkdir -p "$dir"
[ -x /usr/bin/time ] || { echo "needs GNU time: apt-get install -y time" >&2; exit 1; }
cargo build --release --quiet --locked --bin cachestorm
bin=$PWD/target/release/cachestorm
tf="$dir/time.out"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" --logfile "$dir/scan-server.log" &
spid=$!
trap 'kill $spid 2>/dev/null || true' EXIT
until redis-cli -p "$port" ping >/dev/null 2>&1; do sleep 0.05; done

echo "loading $n keys..." >&2
python3 scripts/bench/gen-keyspace.py "$n" "$(date +%s)" | redis-cli -p "$port" --pipe >/dev/null
keys=$(redis-cli -p "$port" dbsize)
mem=$(redis-cli -p "$port" info memory | awk -F: '/^used_memory_human/ {print $2}' | tr -d '\r')
echo "== $(redis-server --version | cut -d' ' -f1-3), $keys keys, used_memory $mem; one run each, side PING probe every 10 ms =="

# run LABEL CMD...: one timed run with the probe beside it; sets t, p99, pmax.
run() {
  local label=$1; shift
  python3 scripts/bench/latency-probe.py "$port" > "$dir/probe.out" &
  local ppid=$!
  sleep 0.5
  /usr/bin/time -f "%e" -o "$tf" "$@" > "$dir/out.$label" 2>/dev/null || true
  kill -TERM "$ppid"; wait "$ppid" || true
  t=$(tail -1 "$tf")
  read -r _ p99 pmax _ < "$dir/probe.out"
}
calc() { awk "BEGIN{printf \"$1\", ($2)}"; }
line() { # label time p99 max
  printf "%-44s %7s s %9s keys/s %6s x memkeys's speed   probe p99 %5s ms  max %6s ms\n" \
    "$1" "$2" "$(calc %.0f "$keys/$2")" "$(calc %.2f "$t_mem/$2")" "$3" "$4"
}

run idle sleep 3; p_idle=($p99 $pmax)
run memkeys redis-cli -p "$port" --memkeys; t_mem=$t; p_mem=($p99 $pmax)
rate=$(calc %.0f "$keys/$t_mem")
run cs_big "$bin" bigkeys -p "$port" -o json "${extra[@]}"; t_cs=$t; p_cs=($p99 $pmax)
run cs_rate "$bin" bigkeys -p "$port" --rate "$rate" -o json "${extra[@]}"; t_rate=$t; p_rate=($p99 $pmax)
run cs_ks "$bin" keyspace -p "$port" -o json "${extra[@]}"; t_ks=$t; p_ks=($p99 $pmax)

printf "%-44s %7s   %9s        %6s                   probe p99 %5s ms  max %6s ms\n" \
  "no scan (baseline)" "" "" "" "${p_idle[0]}" "${p_idle[1]}"
line "redis-cli --memkeys (memory only)" "$t_mem" "${p_mem[@]}"
line "cachestorm bigkeys ${extra[*]}" "$t_cs" "${p_cs[@]}"
line "cachestorm bigkeys --rate $rate ${extra[*]}" "$t_rate" "${p_rate[@]}"
line "cachestorm keyspace ${extra[*]}" "$t_ks" "${p_ks[@]}"
count=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["settings"]["count"])' "$dir/out.cs_big")
echo "== goals (SCAN COUNT $count: 2 round trips of $(calc %d "($count + 1) / 2") keys, both in flight) =="
speed=$(calc %.2f "$t_mem/$t_cs")
echo "default bigkeys vs --memkeys: $speed x faster (goal >= 4): $(calc %s "$speed >= 4 ? \"met\" : \"MISSED\"")"
echo "default bigkeys probe p99: ${p_cs[0]} ms (goal <= 0.5): $(calc %s "${p_cs[0]} <= 0.5 ? \"met\" : \"MISSED\"")"
diff=$(calc %.3f "${p_rate[0]} - ${p_mem[0]}")
echo "at --rate $rate (memkeys's rate): p99 ${p_rate[0]} ms vs memkeys's ${p_mem[0]} ms, $diff ms above (goal <= 0.1): $(calc %s "$diff <= 0.1 ? \"met\" : \"MISSED\"")"
python3 - "$dir/out.cs_rate" "$rate" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
r, want = d["keys_per_sec"], int(sys.argv[2])
print("--rate %d held %.0f keys/s (%+.1f%%) over %.1f s" % (want, r, (r - want) * 100.0 / want, d["elapsed_ms"] / 1000.0))
PY

echo "== biggest key per type: redis-cli --memkeys vs cachestorm bigkeys =="
python3 - "$dir/out.memkeys" "$dir/out.cs_big" <<'EOF'
import json, re, sys
cli = {}
for line in open(sys.argv[1], errors="replace"):
    m = re.match(r"\s*Biggest\s+(\S+) found '?\"(.*)\"'? has (\d+) bytes", line)
    if m:
        cli[m.group(1)] = (m.group(2), int(m.group(3)))
doc = json.load(open(sys.argv[2]))
same = True
for kind, (key, size) in sorted(cli.items()):
    ours = doc["top_by_type"].get(kind, [{}])[0]
    ok = ours.get("key") == key
    same &= ok
    print("%-7s redis-cli %-12s %10d B   cachestorm %-12s %10s B  %s" % (
        kind, key, size, ours.get("key"), ours.get("memory_bytes"), "same" if ok else "DIFFERENT"))
print("same biggest key per type:", "yes" if same and cli else "no")
EOF
python3 - "$dir/out.cs_ks" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
for c in d["cliffs"]:
    print("expiry cliff found: %s, %d keys (%.1f%% of keys with a TTL), patterns %s" % (
        c["at"], c["keys"], c["keys_pct"], ", ".join(p["pattern"] for p in c["patterns"][:3])))
EOF

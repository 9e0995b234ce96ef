#!/usr/bin/env bash
# Benchmarks the keyspace scans against redis-cli on the same server and data, and prints
# figures and ratios. Nothing here is committed output; the data is generated.
#
#   scripts/bench/scan.sh             # 1,000,000 keys
#   KEYS=200000 scripts/bench/scan.sh
#
# Loads N mixed keys (scripts/bench/gen-keyspace.py: strings of several sizes, hashes,
# lists, sets, zsets, streams, one big key per type, ~30% with TTLs, one expiry cliff) into
# a redis-server it starts on a free loopback port (stopped by PID), then times, one run
# each: redis-cli --bigkeys, redis-cli --memkeys, cachestorm bigkeys, cachestorm keyspace.
# A side probe (scripts/bench/latency-probe.py, PING every 10 ms) gives the p99 latency
# other clients saw during each scan. Last, `cachestorm bigkeys --rate 10000` on a
# 50,000-key sample shows the rate it held.
#
# Needs: python3, GNU time (/usr/bin/time), redis-server, redis-cli (redis-tools).
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${KEYS:-1000000}
dir=${BENCH_DIR:-/tmp/cachestorm-bench}
mkdir -p "$dir"
[ -x /usr/bin/time ] || { echo "needs GNU time: apt-get install -y time" >&2; exit 1; }
cargo build --release --quiet --bin cachestorm
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
echo "== $keys keys, used_memory $mem; one run each, side PING probe every 10 ms =="

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
line() { # label time ref_time
  printf "%-34s %7s s %10s keys/s %6s x memkeys time   probe p99 %6s ms  max %6s ms\n" \
    "$1" "$2" "$(awk -v k="$keys" -v t="$2" 'BEGIN{printf "%.0f", k/t}')" \
    "$(awk -v a="$2" -v b="$3" 'BEGIN{printf "%.2f", a/b}')" "$p99" "$pmax"
}

run idle sleep 3
printf "%-34s %7s   %10s        %6s                 probe p99 %6s ms  max %6s ms\n" "no scan (baseline)" "" "" "" "$p99" "$pmax"
run bigkeys redis-cli -p "$port" --bigkeys; t_big=$t; p_big=($p99 $pmax)
run memkeys redis-cli -p "$port" --memkeys; t_mem=$t; p_mem=($p99 $pmax)
run cs_big "$bin" bigkeys -p "$port" -o json; t_cs=$t; p_cs=($p99 $pmax)
run cs_ks "$bin" keyspace -p "$port" -o json; t_ks=$t; p_ks=($p99 $pmax)
p99=${p_big[0]}; pmax=${p_big[1]}; line "redis-cli --bigkeys (length only)" "$t_big" "$t_mem"
p99=${p_mem[0]}; pmax=${p_mem[1]}; line "redis-cli --memkeys (memory only)" "$t_mem" "$t_mem"
p99=${p_cs[0]}; pmax=${p_cs[1]}; line "cachestorm bigkeys (mem+len+TTL)" "$t_cs" "$t_mem"
p99=${p_ks[0]}; pmax=${p_ks[1]}; line "cachestorm keyspace" "$t_ks" "$t_mem"
echo "cachestorm bigkeys is $(awk -v a="$t_mem" -v b="$t_cs" 'BEGIN{printf "%.1f", a/b}')x faster than redis-cli --memkeys"

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

echo "== --rate 10000 on a 50,000-key sample =="
run rate "$bin" bigkeys -p "$port" --rate 10000 --sample 50000 -o json
python3 - "$dir/out.rate" "$p99" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
r = d["keys_per_sec"]
print("held %.0f keys/s over %.1f s (%+.1f%% of 10000); probe p99 %s ms" % (
    r, d["elapsed_secs"], (r - 10000) / 100.0, sys.argv[2]))
EOF

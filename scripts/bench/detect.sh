#!/usr/bin/env bash
# Benchmarks `cachestorm detect`: sampling many nodes live, and replaying a long recording,
# each against a reference run in the same script, and prints figures and ratios. Nothing
# here is committed output; servers and recordings are generated.
#
#   scripts/bench/detect.sh                     # 100 standalone nodes, a 30-master cluster,
#                                               # replay of a 1 h 3-node recording
#   NODES=50 CLUSTER_NODES=0 scripts/bench/detect.sh     # fewer nodes, no cluster
#   NODES=0 CLUSTER_NODES=100 SKIP_REPLAY=1 scripts/bench/detect.sh   # a bigger cluster only
#   SKIP_LIVE=1 scripts/bench/detect.sh                  # replay only
#   SKIP_REPLAY=1 scripts/bench/detect.sh                # live only
#   REPLAY_SECONDS=600 REPLAY_NODES=3 scripts/bench/detect.sh
#   CACHESTORM_BIN=/path/to/other/cachestorm scripts/bench/detect.sh   # another build
#
# 1. Live: starts NODES redis-servers (default 100) on free loopback ports, 1,000 keys and a
#    few hits and misses on each, then `detect --node 127.0.0.1:P ... --duration 10s
#    --interval 1s -o json`: rounds, slowest_round_ms, late_rounds, slowest round / interval.
#    Reference: one sequential `redis-cli -p P INFO everything` loop over the same nodes
#    (how a shell script would sample them), best of 3; the ratio says how much faster the
#    concurrent sampler's slowest round is than one naive pass.
#    Then CLUSTER_NODES masters (default 30; 0 skips) joined by `redis-cli --cluster create`
#    and `detect --cluster -p PORT` the same way, against the same naive loop over them.
# 2. Replay: captures `INFO everything` from a server it starts (keys, commandstats), makes a
#    REPLAY_SECONDS x REPLAY_NODES recording from it (scripts/bench/gen-recording.py: counters
#    advanced each second, a mass-expiration storm in the middle), and times
#    `detect --replay FILE -o json` (best of 3, GNU time for wall and peak RSS) against the
#    floor of just parsing the file: python3 json.loads of every line, and `jq -c .` if
#    installed. Goal (the issue's): a 1-hour 3-node recording replays in under a few seconds.
#    Then half and double the length, one run each, to show how replay time scales
#    (SKIP_SCALING=1 skips).
#
# Needs: python3, GNU time (/usr/bin/time; Debian package `time`), redis-server and
# redis-cli 7 (redis-tools), optionally jq. Talks only to servers it starts on free loopback
# ports, and stops them by PID on exit.
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=${BENCH_DIR:-/tmp/cachestorm-bench}/detect
mkdir -p "$dir"
[ -x /usr/bin/time ] || { echo "needs GNU time: apt-get install -y time" >&2; exit 1; }
cargo build --release --quiet --locked --bin cachestorm
bin=${CACHESTORM_BIN:-$PWD/target/release/cachestorm}
tf="$dir/time.out"
nodes=${NODES:-100}
cnodes=${CLUSTER_NODES:-30}

pids=()
cleanup() {
  if [ ${#pids[@]} -gt 0 ]; then
    kill "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
  fi
}
trap cleanup EXIT

calc() { awk "BEGIN{printf \"$1\", ($2)}"; }
now_ms() { date +%s%3N; }
# free_ports N [BUS]: N distinct free loopback ports (with BUS, port+10000 free too, for
# the cluster bus), all held open until the last is found.
free_ports() {
  python3 - "$1" "${2:-}" <<'PY'
import random, socket, sys
n, bus = int(sys.argv[1]), bool(sys.argv[2])
held, out = [], []
def grab(p):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        s.close()
        return None
    held.append(s)
    return s
if bus:
    cands = list(range(20000, 30000)); random.shuffle(cands)
    for p in cands:
        if len(out) == n:
            break
        a = grab(p)
        if a and grab(p + 10000):
            out.append(p)
else:
    for _ in range(n):
        s = grab(0)
        out.append(s.getsockname()[1])
print(" ".join(map(str, out)))
PY
}
# start_servers PORTS...: one redis-server per port in the background (PIDs kept). Sets
# up: the ports that answered PING within 20 s.
start_servers() {
  local p
  for p in "$@"; do
    redis-server --port "$p" --bind 127.0.0.1 --save "" --appendonly no --daemonize no \
      --enable-debug-command local --dir "$dir" --logfile "$dir/server-$p.log" &
    pids+=($!)
  done
  up=()
  local end=$((SECONDS + 20))
  for p in "$@"; do
    until redis-cli -p "$p" ping >/dev/null 2>&1; do
      [ $SECONDS -lt $end ] || break
      sleep 0.05
    done
    redis-cli -p "$p" ping >/dev/null 2>&1 && up+=("$p")
  done
}
# naive_loop PORTS...: best of 3 wall ms of one sequential redis-cli INFO everything pass.
naive_loop() {
  local best="" t0 t p
  for _ in 1 2 3; do
    t0=$(now_ms)
    for p in "$@"; do redis-cli -p "$p" INFO everything >/dev/null; done
    t=$(( $(now_ms) - t0 ))
    if [ -z "$best" ] || [ "$t" -lt "$best" ]; then best=$t; fi
  done
  echo "$best"
}
# report LABEL JSON NAIVE_MS: the sampling figures of a live detect run.
report() {
  python3 - "$@" <<'PY'
import json, sys
label, path, naive = sys.argv[1], sys.argv[2], float(sys.argv[3])
d = json.load(open(path))
s = d["sampling"]
iv, slow = s["interval_ms"], s["slowest_round_ms"]
print("%s: %d nodes sampled, %d rounds, slowest_round_ms %.3f, late_rounds %d, every round "
      "inside the %d ms interval: %s" % (label, len(d["nodes"]), s["rounds"], slow,
      s["late_rounds"], iv, "yes" if s["late_rounds"] == 0 and slow < iv else "NO"))
print("  slowest round / interval: %.4f   naive sequential redis-cli INFO loop %.0f ms = "
      "%.1f x the slowest concurrent round (%.2f x the interval)"
      % (slow / iv, naive, naive / slow, naive / iv))
print("  verdict %s, primary class %s" % (d["verdict"], d["primary_class"]))
PY
}

if [ -z "${SKIP_LIVE:-}" ]; then
  echo "== machine: $(nproc) cores, ulimit -n $(ulimit -n), ulimit -u $(ulimit -u), $(free -m | awk '/^Mem:/ {print $7}') MB available; $(redis-server --version | cut -d' ' -f1-3) =="
  # Each server holds a handful of fds; detect holds one connection per node (plus
  # evidence). Ask no more nodes than fds allow.
  fds=$(ulimit -n)
  if [ "$nodes" -gt 0 ]; then
  if [ "$fds" != unlimited ] && [ $((nodes * 4 + 64)) -gt "$fds" ]; then
    want=$nodes; nodes=$(( (fds - 64) / 4 ))
    echo "ulimit -n $fds: $want nodes would need ~$((want * 4 + 64)) fds in detect; using $nodes" >&2
  fi
  read -r -a ports <<< "$(free_ports "$nodes")"
  t0=$(now_ms)
  start_servers "${ports[@]}"
  echo "started ${#up[@]} of $nodes redis-servers in $(( $(now_ms) - t0 )) ms"
  if [ ${#up[@]} -lt "$nodes" ]; then
    echo "only ${#up[@]} of $nodes answered PING within 20 s; see $dir/server-*.log" >&2
  fi
  for p in "${up[@]}"; do
    printf 'DEBUG POPULATE 1000\nGET key:1\nGET key:2\nGET nokey\nSET s v EX 600\n' |
      redis-cli -p "$p" >/dev/null
  done
  rss=$(ps -o rss= -p "$(IFS=,; echo "${pids[*]}")" | awk '{s+=$1} END {printf "%.0f", s/1024}')
  echo "each with 1,000 keys and a few hits and misses; servers' RSS together ${rss} MB"
  args=()
  for p in "${up[@]}"; do args+=(--node "127.0.0.1:$p"); done
  naive=$(naive_loop "${up[@]}")
  /usr/bin/time -f "%e %M" -o "$tf" "$bin" detect "${args[@]}" --duration 10s --interval 1s \
    -o json > "$dir/live.json" || true
  read -r wall rss_cs < <(tail -1 "$tf")
  echo "== live, ${#up[@]} standalone nodes: detect --node x${#up[@]} --duration 10s --interval 1s =="
  report "detect" "$dir/live.json" "$naive"
  echo "  detect wall ${wall} s, peak RSS $(calc %.0f "$rss_cs/1024") MB"
  fi

  if [ "$cnodes" -gt 0 ]; then
    echo "== cluster: $cnodes masters (cluster-enabled, no replicas) =="
    read -r -a cports <<< "$(free_ports "$cnodes" bus)"
    t0=$(now_ms)
    for p in "${cports[@]}"; do
      redis-server --port "$p" --bind 127.0.0.1 --save "" --appendonly no --daemonize no \
        --dir "$dir" --logfile "$dir/cluster-$p.log" --cluster-enabled yes \
        --cluster-config-file "cluster-nodes-$p.conf" --cluster-node-timeout 5000 &
      pids+=($!)
    done
    cup=()
    end=$((SECONDS + 20))
    for p in "${cports[@]}"; do
      until redis-cli -p "$p" ping >/dev/null 2>&1 || [ $SECONDS -ge $end ]; do sleep 0.05; done
      redis-cli -p "$p" ping >/dev/null 2>&1 && cup+=("$p")
    done
    addrs=()
    for p in "${cup[@]}"; do addrs+=("127.0.0.1:$p"); done
    formed=no
    if [ ${#cup[@]} -ge 3 ] &&
      timeout 120 redis-cli --cluster create "${addrs[@]}" --cluster-replicas 0 --cluster-yes \
        > "$dir/cluster-create.out" 2>&1; then
      end=$((SECONDS + 120))
      while [ $SECONDS -lt $end ]; do
        ok=0
        for p in "${cup[@]}"; do
          redis-cli -p "$p" cluster info | grep -q '^cluster_state:ok' && ok=$((ok + 1))
        done
        if [ "$ok" -eq ${#cup[@]} ]; then formed=yes; break; fi
        sleep 0.5
      done
    fi
    echo "${#cup[@]} of $cnodes cluster nodes up; cluster formed (cluster_state:ok on all): $formed in $(( $(now_ms) - t0 )) ms"
    if [ "$formed" = yes ]; then
      # a little data through the cluster (keys land on their slots' masters)
      for i in $(seq 1 200); do echo "SET key:$i v$i EX 600"; echo "GET key:$i"; echo "GET miss:$i"; done |
        redis-cli -c -p "${cup[0]}" >/dev/null
      naive=$(naive_loop "${cup[@]}")
      /usr/bin/time -f "%e %M" -o "$tf" "$bin" detect --cluster -h 127.0.0.1 -p "${cup[0]}" \
        --duration 10s --interval 1s -o json > "$dir/cluster.json" || true
      read -r wall rss_cs < <(tail -1 "$tf")
      echo "== live, cluster of ${#cup[@]} masters: detect --cluster -p ${cup[0]} --duration 10s --interval 1s =="
      report "detect --cluster" "$dir/cluster.json" "$naive"
      echo "  detect wall ${wall} s, peak RSS $(calc %.0f "$rss_cs/1024") MB"
    else
      echo "cluster did not form; see $dir/cluster-create.out" >&2
      tail -5 "$dir/cluster-create.out" >&2 || true
    fi
  fi
  cleanup
  pids=()
fi

if [ -z "${SKIP_REPLAY:-}" ]; then
  secs=${REPLAY_SECONDS:-3600}
  rnodes=${REPLAY_NODES:-3}
  rec="$dir/recording-${secs}s-${rnodes}n.ndjson"
  tmpl="$dir/info-everything.txt"
  if [ ! -s "$rec" ]; then
    # A real INFO everything text: a server with keys (TTLs), hashes, counters, hits and
    # misses, so Keyspace, Commandstats and Latencystats are all filled in.
    read -r port <<< "$(free_ports 1)"
    redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --daemonize no \
      --dir "$dir" --logfile "$dir/template-server.log" &
    tpid=$!
    pids+=($tpid)
    until redis-cli -p "$port" ping >/dev/null 2>&1; do sleep 0.05; done
    python3 - <<'PY' | redis-cli -p "$port" --pipe >/dev/null
import sys
cmds = []
for i in range(5000):
    cmds.append(("SET", "user:%d" % i, "v" * (50 + i % 200), "EX", str(600 + i % 3000)))
for i in range(500):
    cmds.append(("HSET", "session:%d" % i, "a", "1", "b", "2"))
for i in range(20000):
    cmds.append(("GET", "user:%d" % (i % 6000)))  # 1 in 6 misses
for i in range(2000):
    cmds.append(("HGET", "session:%d" % (i % 600), "a"))
for i in range(500):
    cmds.append(("INCR", "counter:%d" % (i % 10)))
w = sys.stdout.write
for c in cmds:
    w("*%d\r\n" % len(c) + "".join("$%d\r\n%s\r\n" % (len(a), a) for a in c))
PY
    redis-cli -p "$port" INFO everything > "$tmpl"
    kill "$tpid"; wait "$tpid" 2>/dev/null || true
    echo "generating $rec ($secs s x $rnodes nodes)..." >&2
    python3 scripts/bench/gen-recording.py "$tmpl" "$rec" "$rnodes" "$secs"
  fi
  cat "$rec" >/dev/null # page cache warm for every run
  lines=$(wc -l < "$rec")
  mb=$(calc %.1f "$(stat -c %s "$rec") / 1048576")
  best() { # best of 3 of "$@": sets bt (wall s) and brss (peak RSS MB of that run)
    bt=""
    local t m
    for _ in 1 2 3; do
      /usr/bin/time -f "%e %M" -o "$tf" "$@" >/dev/null 2>&1 || true
      read -r t m < <(tail -1 "$tf")
      if [ -z "$bt" ] || awk -v a="$t" -v b="$bt" 'BEGIN{exit !(a<b)}'; then bt=$t; brss=$(calc %.0f "$m/1024"); fi
    done
  }
  row() { # label seconds rss floor
    printf "%-44s %6s s %10s lines/s %6.1f MB/s %6s x python floor   peak RSS %4s MB\n" \
      "$1" "$2" "$(calc %.0f "$lines/$2")" "$(calc %.1f "$mb/$2")" "$(calc %.1f "$2/$4")" "$3"
  }
  echo "== replay: $lines lines ($secs s x $rnodes nodes at 1 s), $mb MB, page cache warm, best of 3 =="
  best python3 -c 'import json, sys
for l in open(sys.argv[1], "rb"): json.loads(l)' "$rec"
  t_py=$bt; rss_py=$brss
  best "$bin" detect --replay "$rec" -o json
  t_cs=$bt; rss_cs=$brss
  row "python3 json.loads every line (floor)" "$t_py" "$rss_py" "$t_py"
  if command -v jq >/dev/null; then
    best jq -c . "$rec"
    row "jq -c . (floor)" "$bt" "$brss" "$t_py"
  fi
  row "cachestorm detect --replay -o json" "$t_cs" "$rss_cs" "$t_py"
  # Scaling: the same generator at half and double the length, one run each; a replay
  # linear in the recording's length takes 2.0 x as long for twice the lines.
  if [ -z "${SKIP_SCALING:-}" ]; then
    for k in half double; do
      s2=$([ $k = half ] && echo $((secs / 2)) || echo $((secs * 2)))
      r2="$dir/recording-${s2}s-${rnodes}n.ndjson"
      [ -s "$r2" ] || python3 scripts/bench/gen-recording.py "$tmpl" "$r2" "$rnodes" "$s2"
      /usr/bin/time -f "%e %M" -o "$tf" "$bin" detect --replay "$r2" -o json >/dev/null 2>&1 || true
      read -r t m < <(tail -1 "$tf")
      eval "t_$k=\$t"
      printf "%-44s %6s s %10s lines/s   peak RSS %4s MB  (one run)\n" \
        "detect --replay, ${s2} s x $rnodes nodes" "$t" "$(calc %.0f "$s2 * $rnodes / $t")" "$(calc %.0f "$m/1024")"
    done
    echo "scaling: 2x the lines takes $(calc %.2f "$t_cs / $t_half") x ($((secs / 2)) -> $secs s) and $(calc %.2f "$t_double / $t_cs") x ($secs -> $((secs * 2)) s); linear would be 2.00"
  fi
  "$bin" detect --replay "$rec" -o json > "$dir/replay.json" || true
  python3 - "$dir/replay.json" "$t_cs" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
s = d["sampling"]
print("replay found: verdict %s, primary class %s, severity %s, onset %s; %d rounds assessed, "
      "%d timeline events, bad_lines %d" % (d["verdict"], d["primary_class"], d["severity"],
      d["onset"], s["rounds"], len(d["timeline"]), s["bad_lines"]))
t = float(sys.argv[2])
print("goal (1-hour 3-node recording in under a few seconds, ~5 s): %.2f s: %s"
      % (t, "met" if t < 5 else "MISSED"))
PY
fi

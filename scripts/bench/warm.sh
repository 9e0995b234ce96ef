#!/usr/bin/env bash
# Benchmarks `cachestorm warm --source` (the copy from a peer: DUMP + PTTL, RESTORE) against
# reference copies on the same servers and keys, in one run, and prints keys/s, ratios and
# the goals they are held to. Nothing here is committed output; the data is generated.
#
#   scripts/bench/warm.sh                        # 1,000,000 keys
#   KEYS=300000 scripts/bench/warm.sh
#   PIPELINES="1000 5000" scripts/bench/warm.sh  # the tuned --pipeline values tried
#                                                # (default 500 1000 5000)
#   RATE=20000 RATE_KEYS=200000 scripts/bench/warm.sh
#   NAIVE_SAMPLE=20000 scripts/bench/warm.sh     # keys the one-at-a-time loop copies
#   CACHESTORM_BIN=/path/to/other/cachestorm scripts/bench/warm.sh
#
# Starts a source and a target redis-server on free loopback ports (stopped by PID on
# exit) and loads the source with KEYS keys by `redis-cli --pipe` (scripts/bench/
# gen-warm.py: 80% 100-byte strings, hashes, lists, sets and sorted sets of a few elements,
# 30% with a TTL of 1 h +- 6 min) and writes their names to a keys file. Then, each on a
# target emptied by FLUSHALL (the target only; the source is never written after loading):
#   cachestorm warm --from-source-scan --source   default (--pipeline 100), then each PIPELINES;
#                                             and --keys-file (the planned, hottest-first path)
#   redis-benchmark -t set -d 100 -P 64       the target's write ceiling (1,000,000 SETs)
#   RESTORE alone: the same copies' RESTOREs, dumped beforehand (copy-ref.py resp), fed to
#                                             the target by one redis-cli --pipe
#   RIOT-style copy (scripts/bench/copy-ref.py riot): redis-py, one connection each side,
#                                             DUMP/PTTL batches of 50, RESTORE batches of 50
#   naive loop (copy-ref.py naive): redis-py, DUMP, PTTL, RESTORE per key, on NAIVE_SAMPLE
#                                             keys, its rate extrapolated
#   cachestorm warm --rate RATE on RATE_KEYS keys: the rate it held, and how far off
# warm's keys/s is given two ways: the report's keys_per_sec (the copy, from the first
# batch to the last) and over the process's wall time (reading and ordering the keys
# file too). After every warm run: the target's DBSIZE is the number of keys asked, the
# source's DBSIZE is unchanged, and the source's commandstats show no DEL, UNLINK or
# FLUSH* (nor RESTORE or any write after loading); after the default run, 1,000 keys spread
# over the file are compared (the same value on both sides, the TTL kept within 5 s). Goals (the issue's): warm >= 50% of
# the redis-benchmark -P 64 rate, and >= 20 x the naive loop.
#
# Needs: python3 (with venv and pip: redis-py is installed from PyPI into
# $BENCH_DIR/venv, default /tmp/cachestorm-bench/venv, if not there), redis-server,
# redis-cli and redis-benchmark 7 (redis-server, redis-tools), about 1 GB of memory for
# 1,000,000 keys on two servers.
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${KEYS:-1000000}
read -r -a pipes <<< "${PIPELINES:-500 1000 5000}"
rate=${RATE:-20000}
rate_keys=${RATE_KEYS:-200000}
sample=${NAIVE_SAMPLE:-20000}
base=${BENCH_DIR:-/tmp/cachestorm-bench}
dir=$base/warm
mkdir -p "$dir"
cargo build --release --quiet --locked --bin cachestorm
bin=${CACHESTORM_BIN:-$PWD/target/release/cachestorm}
venv=$base/venv
if ! "$venv/bin/python" -c 'import redis' 2>/dev/null; then
  echo "installing redis-py into $venv..." >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet redis
fi
py=$venv/bin/python
ref=scripts/bench/copy-ref.py

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
read -r sport tport <<< "$(python3 -c '
import socket
h = [socket.socket() for _ in range(2)]
for s in h: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in h))')"
for p in "$sport" "$tport"; do
  redis-server --port "$p" --bind 127.0.0.1 --save "" --appendonly no --daemonize no \
    --dir "$dir" --logfile "$dir/server-$p.log" &
  pids+=($!)
done
for p in "$sport" "$tport"; do
  end=$((SECONDS + 20))
  until redis-cli -p "$p" ping >/dev/null 2>&1; do
    [ $SECONDS -lt $end ] || { echo "redis-server on $p did not start; see $dir/server-$p.log" >&2; exit 1; }
    sleep 0.05
  done
done
src() { redis-cli -p "$sport" "$@"; }
tgt() { redis-cli -p "$tport" "$@"; }

keys=$dir/keys.txt
echo "loading $n keys into the source (127.0.0.1:$sport)..." >&2
t0=$(now_ms)
python3 scripts/bench/gen-warm.py "$n" "$keys" | src --pipe >/dev/null
load_ms=$(( $(now_ms) - t0 ))
sn=$(src dbsize)
[ "$sn" -eq "$n" ] || { echo "the source holds $sn keys, not $n" >&2; exit 1; }
head -n "$rate_keys" "$keys" > "$dir/keys-rate.txt"
sexp=$(src info keyspace | awk -F'[=,]' '/^db0/ {print $4}')
smem=$(src info memory | awk -F: '/^used_memory_human/ {print $2}' | tr -d '\r')
echo "== $(nproc) cores; $(redis-server --version | cut -d' ' -f1-3); source 127.0.0.1:$sport: $sn keys ($sexp with a TTL), used_memory $smem, loaded in $(calc %.1f "$load_ms/1000") s; target 127.0.0.1:$tport =="

# Deleting or rewriting commands the source ever ran (cmdstat lines; none expected). SET and
# PEXPIRE ran while loading: their counts are compared with the ones after loading instead.
deletes() { src info commandstats | grep -E '^cmdstat_(del|unlink|flushall|flushdb|getdel|getex|expire|restore|rename|copy|move|swapdb):' | cut -d, -f1 | tr '\n' ' ' || true; }
src info commandstats | grep -E '^cmdstat_(set|pexpire|hset|rpush|sadd|zadd):' | cut -d, -f1 > "$dir/src-writes.0"
checks_ok=yes
# verify LABEL WANT: the target holds WANT keys, the source is as loaded, nothing deleted.
verify() {
  local tn sn2 del writes
  tn=$(tgt dbsize); sn2=$(src dbsize); del=$(deletes)
  writes=$(src info commandstats | grep -E '^cmdstat_(set|pexpire|hset|rpush|sadd|zadd):' | cut -d, -f1)
  local ok=yes
  [ "$tn" -eq "$2" ] || ok=NO
  [ "$sn2" -eq "$n" ] || ok=NO
  [ -z "$del" ] || ok=NO
  [ "$writes" = "$(cat "$dir/src-writes.0")" ] || ok=NO
  [ $ok = yes ] || checks_ok=no
  echo "  check $1: target DBSIZE $tn (want $2), source DBSIZE $sn2 (want $n), source del/unlink/flush*/restore/new writes: ${del:-none}$([ "$writes" = "$(cat "$dir/src-writes.0")" ] || echo ' WRITES CHANGED'): $ok"
}
flush_target() { tgt flushall >/dev/null; [ "$(tgt dbsize)" -eq 0 ]; }

# warm LABEL KEYSFILE WANT ARGS...: one run; sets kps (report), wkps (wall), and prints.
warm() {
  local label=$1 kf=$2 want=$3; shift 3
  flush_target
  local t0 rc=0
  t0=$(now_ms)
  local from=(--keys-file "$kf")
  [ "$kf" != scan ] || from=(--from-source-scan)
  "$bin" warm -p "$tport" "${from[@]}" --source "redis://127.0.0.1:$sport" -o json "$@" \
    > "$dir/$label.json" 2> "$dir/$label.err" || rc=$?
  local wall=$(( $(now_ms) - t0 ))
  read -r kps written failed other dur < <(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(d["keys_per_sec"], d["written"], d["failed"],
      d["skipped_existing"] + d["missing_in_source"] + d["skipped_short_ttl"] + d["typed_fallback"],
      d["duration_ms"])' "$dir/$label.json")
  wkps=$(calc %.0f "$want * 1000 / $wall")
  printf "%-40s %8.0f keys/s (report, copy %6.2f s)  %8s keys/s (wall %6.2f s)  written %s, failed %s, skipped/fallback %s, exit %s\n" \
    "warm $([ "$kf" = scan ] && echo --from-source-scan || echo --keys-file) ${*:-(default)}" "$kps" "$(calc %.2f "$dur/1000")" "$wkps" "$(calc %.2f "$wall/1000")" "$written" "$failed" "$other" "$rc"
  [ ! -s "$dir/$label.err" ] || sed 's/^/  stderr: /' "$dir/$label.err" | head -5
  verify "$label" "$want"
}

echo "== copies of $n keys, each on an emptied target =="
warm default scan "$n"
kps_def=$kps; wkps_def=$wkps
read -r checked same ttl_ok differ < <("$py" "$ref" check "$sport" "$tport" "$keys" 1000)
echo "  spot check: $checked keys spread over the file: same value $same ($differ by type and elements, their DUMP payloads differing), TTL kept (within 5 s, none lost or added) $ttl_ok"
[ "$same" -eq "$checked" ] && [ "$ttl_ok" -eq "$checked" ] || checks_ok=no
best_kps=0; best_pipe=""
declare -A tuned tuned_w
warm keys-file "$keys" "$n"
kps_kf=$kps; wkps_kf=$wkps
for p in "${pipes[@]}"; do
  warm "pipeline-$p" scan "$n" --pipeline "$p"
  tuned[$p]=$kps; tuned_w[$p]=$wkps
  if awk -v a="$kps" -v b="$best_kps" 'BEGIN{exit !(a>b)}'; then best_kps=$kps; best_pipe=$p; fi
done

flush_target
redis-benchmark -p "$tport" -t set -n 1000000 -d 100 -P 64 -q > "$dir/benchmark.out" 2>&1
bench=$(tr '\r' '\n' < "$dir/benchmark.out" | awk '/^SET:/ && /requests per second/ {r=$2} END {print r+0}')
printf "%-40s %8.0f SETs/s (redis-benchmark -t set -n 1000000 -d 100 -P 64 -q, 50 clients)\n" "redis-benchmark (write ceiling)" "$bench"

# The target's own RESTORE rate: the same copies, pre-dumped, fed by one redis-cli --pipe.
flush_target
read -r rn rbytes < <("$py" "$ref" resp "$sport" 0 "$keys" "$dir/restore.resp")
t0=$(now_ms)
tgt --pipe < "$dir/restore.resp" > "$dir/restore-pipe.out"
rms=$(( $(now_ms) - t0 ))
rfloor=$(calc %.0f "$rn * 1000 / $rms")
printf "%-40s %8.0f keys/s (%d RESTOREs, %.0f MB, by redis-cli --pipe in %.2f s: %s)\n" \
  "RESTORE alone (target's ceiling)" "$rfloor" "$rn" "$(calc %.0f "$rbytes/1048576")" "$(calc %.2f "$rms/1000")" \
  "$(tail -1 "$dir/restore-pipe.out" | tr -d '\r')"
verify restore-pipe "$n"
rm -f "$dir/restore.resp"

flush_target
read -r rk rw rs riot < <("$py" "$ref" riot "$sport" "$tport" "$keys" 50)
printf "%-40s %8.0f keys/s (%d keys, %d written in %.2f s)\n" "RIOT-style redis-py, batches of 50" "$riot" "$rk" "$rw" "$rs"
verify riot "$n"

flush_target
read -r nk nw ns naive < <("$py" "$ref" naive "$sport" "$tport" "$keys" "$sample")
printf "%-40s %8.0f keys/s (%d keys, %d written in %.2f s; %d keys would take %.0f s)\n" \
  "naive redis-py DUMP/PTTL/RESTORE per key" "$naive" "$nk" "$nw" "$ns" "$n" "$(calc %.1f "$n / $naive")"
verify naive "$sample"

echo "== ratios =="
ratio() { # label kps wall_kps
  printf "%-31s report %7.0f keys/s = %4.1f%% of redis-benchmark -P 64, %4.1f%% of RESTORE alone, %4.1f x naive, %4.2f x RIOT-style;  wall %7s keys/s = %4.1f%% of -P 64, %4.1f x naive\n" \
    "$1" "$2" "$(calc %.1f "$2 * 100 / $bench")" "$(calc %.1f "$2 * 100 / $rfloor")" "$(calc %.1f "$2 / $naive")" "$(calc %.2f "$2 / $riot")" \
    "$3" "$(calc %.1f "$3 * 100 / $bench")" "$(calc %.1f "$3 / $naive")"
}
ratio "warm --from-source-scan (default)" "$kps_def" "$wkps_def"
ratio "warm --keys-file (default)" "$kps_kf" "$wkps_kf"
for p in "${pipes[@]}"; do ratio "warm --pipeline $p" "${tuned[$p]}" "${tuned_w[$p]}"; done
goal() { # label value op threshold
  echo "$1: $2 (goal $3 $4): $(calc %s "$2 $3 $4 ? \"met\" : \"MISSED\"")"
}
echo "== goals (report keys/s) =="
goal "warm default, % of redis-benchmark -P 64" "$(calc %.1f "$kps_def * 100 / $bench")" ">=" 50
goal "warm --pipeline $best_pipe (best tuned), % of redis-benchmark -P 64" "$(calc %.1f "$best_kps * 100 / $bench")" ">=" 50
goal "warm default, x naive loop" "$(calc %.1f "$kps_def / $naive")" ">=" 20
goal "warm --pipeline $best_pipe, x naive loop" "$(calc %.1f "$best_kps / $naive")" ">=" 20

echo "== --rate $rate on $rate_keys keys =="
warm rate "$dir/keys-rate.txt" "$rate_keys" --rate "$rate"
echo "--rate $rate held $(calc %.0f "$kps") keys/s ($(calc %+.2f "($kps - $rate) * 100 / $rate")%) by the report; $wkps keys/s ($(calc %+.2f "($wkps - $rate) * 100 / $rate")%) over the wall time"
echo "all checks (DBSIZE, source untouched, spot check): $([ $checks_ok = yes ] && echo passed || echo FAILED)"

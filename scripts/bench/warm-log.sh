#!/usr/bin/env bash
# Benchmarks the key gathering of `cachestorm warm --from-log` (memory and speed) over a
# generated nginx access log, against reference counts of the same file, in one run, and
# prints lines, distinct keys, wall time, MB/s, peak RSS and, without --top, the memory per
# distinct key. Nothing here is committed output; the log is generated and removed.
#
#   scripts/bench/warm-log.sh                         # 5 GB, 10,000,000 distinct keys
#   SIZE_GB=1 DISTINCT=2000000 scripts/bench/warm-log.sh
#   REFS="awk" scripts/bench/warm-log.sh              # reference counts run (default
#                                                     # "sort awk"; "" for wc -l only)
#   SEED=7 scripts/bench/warm-log.sh
#   KEEP_LOG=1 scripts/bench/warm-log.sh              # keep the log and outputs (else
#                                                     # removed at exit)
#   CACHESTORM_BIN=/path/to/other/cachestorm scripts/bench/warm-log.sh   # else built
#
# scripts/bench/gen-access-log.py writes SIZE_GB x 10^9 bytes of access log (about 215
# bytes a line, 4% lines without a product: health checks, static files, cart POSTs) into
# a temporary directory under TMPDIR (default /tmp), with exactly DISTINCT distinct
# `"GET /product/<id>` ids (each once, the other product lines Zipf s = 1 over them), and
# the true 1,000 hottest keys. Page cache warmed (cat), then each once under
# /usr/bin/time -v (wall time, peak RSS):
#   wc -l                                   the floor: reading the file
#   grep -oE | sort | uniq -c | sort -rn    (REFS sort) the shell one-liner: external sort,
#                                           LC_ALL=C, its temp files in the same directory
#                                           (GNU sort reading a pipe spills in small runs:
#                                           a few MiB of RSS, and temp files the size of
#                                           grep's output, ~0.5 GB at 5 GB)
#   awk (mawk) hash count | sort -rn        (REFS awk) the hand-rolled script: every
#                                           distinct id in an awk array, like warm without
#                                           --top
#   cachestorm warm --from-log F --key-regex '"GET /product/([0-9]+)'
#     --key-template 'product:{1}:info' --dry-run -o json -p 1, with --top 1000,
#     --top 100000, without --top, and on the file's first 1,000 lines (the process's own
#     RSS, subtracted for the per-key figure)
# --dry-run gathers, counts and prints the plan, and never connects (-p 1: nothing listens
# there). Checks: each report's lines, matched and unmatched are the generator's; without
# --top distinct_keys and targeted are DISTINCT; with --top N, targeted is N and
# distinct_keys is the bounded table's size, max(10 N, 100,000); the report's first_keys
# (its 10 hottest) against the true top 10; the references' top 1,000 against the truth.
# For a pipeline the peak RSS is its largest process's (GNU time reports the largest
# child). MB = 10^6 bytes for throughput; RSS in MiB; bytes/key = (peak RSS - the 1,000-line
# run's) / distinct keys.
#
# Needs: python3, GNU time (/usr/bin/time; Debian package `time`), jq, awk (mawk or
# gawk), GNU grep and sort; SIZE_GB x 1.3 GB free under TMPDIR (the log and sort's temp
# files); memory: the page cache holds the log, and the no --top run about 38 B + the key's
# allocation (at least 32 B) per distinct key (10M keys: ~0.7 GB). No server: nothing
# connects anywhere.
set -euo pipefail
cd "$(dirname "$0")/../.."
size_gb=${SIZE_GB:-5}
distinct=${DISTINCT:-10000000}
seed=${SEED:-42}
read -r -a refs <<< "${REFS-sort awk}"
[ -x /usr/bin/time ] || { echo "needs GNU time: apt-get install -y time" >&2; exit 1; }
command -v jq >/dev/null || { echo "needs jq" >&2; exit 1; }
if [ -z "${CACHESTORM_BIN:-}" ]; then
  cargo build --release --quiet --locked --bin cachestorm
fi
bin=${CACHESTORM_BIN:-$PWD/target/release/cachestorm}
dir=$(mktemp -d "${TMPDIR:-/tmp}/cachestorm-warm-log.XXXXXX")
cleanup() { if [ -z "${KEEP_LOG:-}" ]; then rm -rf "$dir"; else echo "kept $dir" >&2; fi; }
trap cleanup EXIT

calc() { awk "BEGIN{printf \"$1\", ($2)}"; }
bytes=$(calc %.0f "$size_gb * 1000000000")
need_kb=$(calc %.0f "$bytes * 1.3 / 1024")
free_kb=$(df -Pk "$dir" | awk 'NR==2 {print $4}')
[ "$free_kb" -gt "$need_kb" ] || {
  echo "$dir: $((free_kb / 1048576)) GiB free, needs about $((need_kb / 1048576)) GiB" >&2; exit 1; }

log=$dir/access.log
echo "generating $log ($size_gb GB, $distinct distinct keys, seed $seed)..." >&2
t0=$(date +%s%3N)
python3 scripts/bench/gen-access-log.py "$bytes" "$distinct" "$seed" "$dir/truth.txt" 1000 \
  > "$log" 2> "$dir/gen.err"
gen_s=$(calc %.1f "($(date +%s%3N) - $t0) / 1000")
gen() { awk -v k="$1" '{for (i = 1; i < NF; i += 2) if ($i == k) print $(i + 1)}' "$dir/gen.err"; }
lines=$(gen lines); product=$(gen product_lines); unmatched=$(gen unmatched_lines)
gdistinct=$(gen distinct_keys); key_bytes=$(gen key_bytes); fbytes=$(stat -c %s "$log")
[ "$gdistinct" -eq "$distinct" ] || { echo "the generator made $gdistinct distinct keys, not $distinct" >&2; exit 1; }
head -n 1000 "$log" > "$dir/small.log"
cat "$log" > /dev/null # page cache warm for every run
mean_key=$(calc %.1f "$key_bytes / $distinct")
echo "== $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB RAM, awk is $(basename "$(readlink -f "$(command -v awk)")"); $log: $fbytes bytes ($(calc %.2f "$fbytes / 1e9") GB), $lines lines ($product product lines, $unmatched without a product), $gdistinct distinct keys (mean key product:<id>:info $mean_key bytes), generated in $gen_s s; page cache warm, one run each =="

# timed LABEL CMD...: runs CMD under /usr/bin/time -v (stdout to $dir/LABEL.out); sets
# wall (s, at least 0.01: GNU time's resolution) and rss (KiB).
timed() {
  local label=$1; shift
  /usr/bin/time -v -o "$dir/$label.time" "$@" > "$dir/$label.out" 2> "$dir/$label.err" || {
    echo "$label failed:" >&2; cat "$dir/$label.err" "$dir/$label.time" >&2; exit 1; }
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print (s > 0 ? s : 0.01)}' "$dir/$label.time")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$dir/$label.time")
}
hdr() { printf "%-44s %8s %8s %11s %10s %10s %9s %9s\n" run "wall s" "MB/s" "lines/s" "peak MiB" distinct targeted bytes/key; }
row() { # label wall rss distinct targeted bytes/key
  printf "%-44s %8.2f %8.0f %11.0f %10.1f %10s %9s %9s\n" "$1" "$2" "$(calc %.0f "$fbytes / 1e6 / $2")" \
    "$(calc %.0f "$lines / $2")" "$(calc %.1f "$3 / 1024")" "${4:--}" "${5:--}" "${6:--}"
}
checks_ok=yes
# overlap FILE: of the true top 1000, how many are in FILE's first 1000 keys (`count
# .../<id>` lines, hottest first); whether its 1000 counts are the true ones (ties at the
# cut may be ordered otherwise); whether its first 10 are the true first 10, in order.
overlap() {
  python3 - "$dir/truth.txt" "$1" <<'PY'
import sys
truth = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
got = [l.split() for l in open(sys.argv[2]) if l.strip()][:len(truth)]
keys = ["product:%s:info" % g[-1].rsplit("/", 1)[1] for g in got]
same = [int(g[0]) for g in got] == [int(c) for c, _ in truth]
tk = [k for _, k in truth]
print(len(set(tk) & set(keys)), len(tk), "yes" if same else "no", "yes" if keys[:10] == tk[:10] else "no")
PY
}

hdr
timed wc wc -l "$log"
t_wc=$wall
row "wc -l (floor: reading the file)" "$wall" "$rss"
wc_lines=$(awk '{print $1}' "$dir/wc.out")
notes=()
[ "$wc_lines" -eq "$lines" ] || { checks_ok=no; notes+=("wc -l counted $wc_lines lines, the generator $lines: FAILED"); }
t_sort=""; t_awk=""
for r in "${refs[@]}"; do
  case $r in
    sort)
      timed sort bash -c 'LC_ALL=C grep -oE "\"GET /product/[0-9]+" "$1" | LC_ALL=C sort -T "$2" | uniq -c | LC_ALL=C sort -T "$2" -rn | head -n 1000' _ "$log" "$dir"
      t_sort=$wall; rss_sort=$rss
      row "grep -oE | sort | uniq -c | sort -rn" "$wall" "$rss" ;;
    awk)
      timed awk bash -c 'LC_ALL=C awk '"'"'match($0, /"GET \/product\/[0-9]+/) { c[substr($0, RSTART + 14, RLENGTH - 14)]++ } END { for (k in c) print c[k], "x/" k }'"'"' "$1" | LC_ALL=C sort -T "$2" -rn | head -n 1000' _ "$log" "$dir"
      t_awk=$wall; rss_awk=$rss
      row "awk hash count | sort -rn (every id held)" "$wall" "$rss" ;;
    *) echo "REFS: unknown reference $r (sort, awk)" >&2; exit 1 ;;
  esac
  read -r got of counts first10 < <(overlap "$dir/$r.out")
  ok=yes; [ "$counts" = yes ] && [ "$first10" = yes ] || { ok=FAILED; checks_ok=no; }
  notes+=("$r reference's top 1000 vs the truth: $got of $of keys, the same 1000 counts: $counts, first 10 in order: $first10: $ok")
done

re='"GET /product/([0-9]+)'
# warm LABEL LOG ARGS...: one dry run (-p 1: it must not connect); sets wall, rss and r_*,
# the report's figures.
warm() {
  local label=$1 f=$2; shift 2
  timed "$label" "$bin" warm -p 1 --from-log "$f" --key-regex "$re" \
    --key-template 'product:{1}:info' --dry-run -o json "$@"
  read -r r_lines r_matched r_unmatched r_distinct r_targeted r_dry < <(jq -r \
    '[.sources[0].lines, .sources[0].matched, .sources[0].unmatched, .distinct_keys, .targeted, .dry_run] | @tsv' \
    "$dir/$label.out")
}
warm small "$dir/small.log"
rss_base=$rss; wall_base=$wall
declare -A w_wall w_rss
for top in 1000 100000 ""; do
  label=top-${top:-none}
  warm "$label" "$log" ${top:+--top "$top"}
  w_wall[$label]=$wall; w_rss[$label]=$rss
  per_key=-
  if [ -z "$top" ]; then
    per_key=$(calc %.1f "($rss - $rss_base) * 1024 / $r_distinct")
    want_distinct=$distinct; want_targeted=$distinct
  else
    want_distinct=$(( top * 10 > 100000 ? top * 10 : 100000 ))
    want_distinct=$(( want_distinct < distinct ? want_distinct : distinct ))
    want_targeted=$(( top < distinct ? top : distinct ))
  fi
  name="--top $top"; [ -n "$top" ] || name="(no --top)"
  row "cachestorm warm --from-log $name" "$wall" "$rss" "$r_distinct" "$r_targeted" "$per_key"
  # first_keys (the plan's 10 hottest) against the true top 10.
  read -r same10 inset10 < <(python3 - "$dir/truth.txt" "$dir/$label.out" <<'PY'
import json, sys
truth = [l.split("\t")[1].strip() for l in open(sys.argv[1])]
first = json.load(open(sys.argv[2]))["first_keys"]
print(sum(a == b for a, b in zip(first, truth)), len(set(first) & set(truth[:10])))
PY
  )
  ok=FAILED
  [ "$r_lines" -eq "$lines" ] && [ "$r_matched" -eq "$product" ] && [ "$r_unmatched" -eq "$unmatched" ] &&
    [ "$r_distinct" -eq "$want_distinct" ] && [ "$r_targeted" -eq "$want_targeted" ] && [ "$r_dry" = true ] &&
    [ "$same10" -eq 10 ] && ok=yes
  [ $ok = yes ] || checks_ok=no
  notes+=("$label: lines $r_lines, matched $r_matched, unmatched $r_unmatched (generator: $lines, $product, $unmatched), distinct_keys $r_distinct (want $want_distinct), targeted $r_targeted (want $want_targeted), dry_run $r_dry; first_keys = the true top 10 in order: $same10 of 10 (as a set: $inset10 of 10): $ok")
done
printf "%-44s %8.2f %8s %11s %10.1f   (the process alone: the log's first 1,000 lines)\n" \
  "cachestorm warm --from-log, 1,000 lines" "$wall_base" - - "$(calc %.1f "$rss_base / 1024")"

echo "== checks =="
for l in "${notes[@]}"; do echo "  $l"; done
echo "  (with --top N, distinct_keys is the Space-Saving table's size, max(10 N, 100000), a"
echo "   lower bound; the JSON does not say so. The report lists only its first 10 keys.)"
echo "  true top 3: $(head -3 "$dir/truth.txt" | awk -F'\t' '{printf "%s%s %s", (NR > 1 ? ", " : ""), $2, $1}')"

echo "== ratios =="
notop=${w_rss[top-none]}
echo "without --top: $(calc %.1f "($notop - $rss_base) * 1024 / $distinct") bytes/key over the process's own RSS ($(calc %.1f "$notop * 1024 / $distinct") of the whole peak); count.rs estimates ~38 B + the key's allocation (its length + 8, rounded up to 16, at least 32): ~$(calc %.0f "38 + ((int(($mean_key + 8 + 15) / 16) * 16) > 32 ? (int(($mean_key + 8 + 15) / 16) * 16) : 32)") bytes/key (mean key $mean_key bytes)"
echo "bounded by --top: peak $(calc %.1f "${w_rss[top-1000]} / 1024") MiB (--top 1000), $(calc %.1f "${w_rss[top-100000]} / 1024") MiB (--top 100000), $(calc %.1f "$notop / 1024") MiB without --top"
for label in top-1000 top-100000 top-none; do
  line="cachestorm $label: $(calc %.2f "${w_wall[$label]} / $t_wc") x the wall time of wc -l"
  [ -z "$t_sort" ] || line+=", $(calc %.2f "${w_wall[$label]} / $t_sort") x grep|sort's ($(calc %.2f "${w_rss[$label]} / $rss_sort") x its peak RSS)"
  [ -z "$t_awk" ] || line+=", $(calc %.2f "${w_wall[$label]} / $t_awk") x awk's ($(calc %.2f "${w_rss[$label]} / $rss_awk") x its peak RSS)"
  echo "$line"
done
echo "all checks (line counts, reports' counts, bounded distinct_keys, first_keys = the true top 10, the references' top 1000): $([ $checks_ok = yes ] && echo passed || echo FAILED)"

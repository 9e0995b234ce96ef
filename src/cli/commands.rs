//! Each subcommand's own flags, built from the shared groups. clap derive only.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::shared::*;
use super::{
    at_least_one, nonzero_duration, nonzero_size, parse_duration, parse_size, percentage, positive,
    whole_minutes, whole_seconds,
};

#[derive(Debug, Args)]
pub(crate) struct StatsArgs {
    #[command(flatten)]
    pub(crate) target: TargetArgs,

    #[command(flatten)]
    pub(crate) output: OutputArgs,

    /// time between samples
    #[arg(short = 'i', long = "interval", help_heading = "Sampling", value_name = "DURATION", default_value = "1s", value_parser = nonzero_duration)]
    pub(crate) interval: std::time::Duration,

    /// stop after N intervals (N+1 INFO polls); default: until Ctrl-C
    #[arg(short = 'c', long = "count", help_heading = "Sampling", value_name = "N", value_parser = at_least_one::<u64>)]
    pub(crate) count: Option<u64>,

    /// stop after this long
    #[arg(short = 'd', long = "duration", help_heading = "Sampling", value_name = "DURATION", value_parser = parse_duration)]
    pub(crate) duration: Option<std::time::Duration>,
}

#[derive(Debug, Args)]
pub(crate) struct BigkeysArgs {
    #[command(flatten)]
    pub(crate) target: TargetArgs,

    #[command(flatten)]
    pub(crate) output: OutputArgs,

    #[command(flatten)]
    pub(crate) keys: KeyDisplayArgs,

    #[command(flatten)]
    pub(crate) scan: ScanArgs,

    /// how many keys to list, overall and per type
    #[arg(
        long = "top",
        help_heading = "Report",
        value_name = "N",
        default_value_t = 20,
        value_parser = at_least_one::<usize>
    )]
    pub(crate) top: usize,

    /// list only keys at least this big (MEMORY USAGE)
    #[arg(long = "min-bytes", help_heading = "Report", value_name = "SIZE", default_value = "0", value_parser = parse_size)]
    pub(crate) min_bytes: u64,
}

#[derive(Debug, Args)]
pub(crate) struct KeyspaceArgs {
    #[command(flatten)]
    pub(crate) target: TargetArgs,

    #[command(flatten)]
    pub(crate) output: OutputArgs,

    #[command(flatten)]
    pub(crate) keys: KeyDisplayArgs,

    #[command(flatten)]
    pub(crate) scan: ScanArgs,

    #[command(flatten)]
    pub(crate) rules: PatternRuleArgs,

    /// how many patterns to list
    #[arg(
        long = "top",
        help_heading = "Report",
        value_name = "N",
        default_value_t = 30,
        value_parser = at_least_one::<usize>
    )]
    pub(crate) top: usize,

    /// how far ahead the expiry timeline looks (per-minute buckets)
    #[arg(long = "horizon", help_heading = "Report", value_name = "DURATION", default_value = "24h", value_parser = whole_minutes)]
    pub(crate) horizon: std::time::Duration,

    /// flag a minute holding at least this share of the keys (or bytes) with a TTL
    #[arg(
        long = "cliff",
        help_heading = "Report",
        value_name = "PCT",
        default_value_t = 10.0,
        value_parser = percentage
    )]
    pub(crate) cliff: f64,

    /// a cliff also needs at least this many keys (a handful of keys is no avalanche)
    #[arg(
        long = "cliff-min-keys",
        help_heading = "Report",
        value_name = "N",
        default_value_t = 100
    )]
    pub(crate) cliff_min_keys: u64,
}

#[derive(Debug, Args)]
pub(crate) struct MonitorArgs {
    #[command(flatten)]
    pub(crate) target: TargetArgs,

    #[command(flatten)]
    pub(crate) output: OutputArgs,

    #[command(flatten)]
    pub(crate) capture: CaptureArgs,

    /// stop after writing this many lines (over all nodes)
    #[arg(long = "max-lines", help_heading = "Filter", value_name = "N", value_parser = at_least_one::<u64>)]
    pub(crate) max_lines: Option<u64>,

    /// keep only these commands (comma-separated, any case)
    #[arg(
        long = "command",
        help_heading = "Filter",
        value_name = "CMD,...",
        value_delimiter = ','
    )]
    pub(crate) commands: Vec<String>,

    /// keep only commands touching a key that matches this glob
    #[arg(long = "key-pattern", help_heading = "Filter", value_name = "GLOB")]
    pub(crate) key_pattern: Option<String>,

    /// write the capture here instead of stdout (one file per master with several)
    #[arg(
        short = 'w',
        long = "write",
        help_heading = "Capture file",
        value_name = "FILE"
    )]
    pub(crate) write: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct HotkeysArgs {
    #[command(flatten)]
    pub(crate) target: TargetArgs,

    #[command(flatten)]
    pub(crate) output: OutputArgs,

    #[command(flatten)]
    pub(crate) keys: KeyDisplayArgs,

    #[command(flatten)]
    pub(crate) traffic: TrafficArgs,

    /// where hot keys come from: MONITOR (or --input), LFU counters over SCAN, or slot stats
    #[arg(long = "method", help_heading = "Method", value_name = "METHOD", value_enum, default_value_t = Method::Monitor)]
    pub(crate) method: Method,

    /// with --method lfu: most keys per second the SCAN may visit (all masters together)
    #[arg(
        long = "scan-rate",
        help_heading = "Method",
        value_name = "KEYS_PER_SEC",
        default_value_t = 20_000,
        value_parser = at_least_one::<u64>
    )]
    pub(crate) scan_rate: u64,

    /// how many keys (and commands, clients, patterns) to list
    #[arg(
        long = "top",
        help_heading = "Report",
        value_name = "N",
        default_value_t = 20,
        value_parser = at_least_one::<usize>
    )]
    pub(crate) top: usize,

    /// mark a key hot when its share of key accesses is at least this many percent
    #[arg(
        long = "threshold",
        help_heading = "Report",
        value_name = "PCT",
        default_value_t = 1.0,
        value_parser = percentage
    )]
    pub(crate) threshold: f64,

    /// also mark a key hot when its average rate is at least this many per second
    #[arg(long = "min-rate", help_heading = "Report", value_name = "PER_SEC", value_parser = positive)]
    pub(crate) min_rate: Option<f64>,

    /// include each listed key's per-second counts in JSON
    #[arg(long = "timeline", help_heading = "Report")]
    pub(crate) timeline: bool,

    /// window for the stampede signature
    #[arg(long = "stampede-window", help_heading = "Signatures", value_name = "DURATION", default_value = "1s", value_parser = nonzero_duration)]
    pub(crate) stampede_window: std::time::Duration,

    /// writes to one key within the window that make a stampede
    #[arg(
        long = "stampede-writes",
        help_heading = "Signatures",
        value_name = "N",
        default_value_t = 10,
        value_parser = at_least_one::<u32>
    )]
    pub(crate) stampede_writes: u32,

    /// distinct writing clients within the window that make a stampede
    #[arg(
        long = "stampede-clients",
        help_heading = "Signatures",
        value_name = "N",
        default_value_t = 5,
        value_parser = at_least_one::<u32>
    )]
    pub(crate) stampede_clients: u32,

    /// reads (and no write) that make a key a penetration candidate
    #[arg(
        long = "penetration-reads",
        help_heading = "Signatures",
        value_name = "N",
        default_value_t = 3,
        value_parser = at_least_one::<u64>
    )]
    pub(crate) penetration_reads: u64,

    /// bucket size of the expiry wave
    #[arg(long = "expiry-bucket", help_heading = "Signatures", value_name = "DURATION", default_value = "10s", value_parser = whole_seconds)]
    pub(crate) expiry_bucket: std::time::Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Method {
    /// count MONITOR traffic (live for --duration, or from --input)
    Monitor,
    /// OBJECT FREQ over a throttled SCAN; needs an LFU maxmemory-policy (like redis-cli --hotkeys)
    Lfu,
    /// CLUSTER SLOT-STATS (Valkey 8+): hottest slots and the nodes serving them
    SlotStats,
}

#[derive(Debug, Args)]
pub(crate) struct PatternsArgs {
    #[command(flatten)]
    pub(crate) target: TargetArgs,

    #[command(flatten)]
    pub(crate) output: OutputArgs,

    #[command(flatten)]
    pub(crate) keys: KeyDisplayArgs,

    #[command(flatten)]
    pub(crate) traffic: TrafficArgs,

    /// how many patterns to list
    #[arg(
        long = "top",
        help_heading = "Report",
        value_name = "N",
        default_value_t = 30,
        value_parser = at_least_one::<usize>
    )]
    pub(crate) top: usize,

    /// group the keyspace (SCAN) instead of traffic: keys and memory per pattern
    #[arg(long = "scan", help_heading = "Scan", conflicts_with = "input")]
    pub(crate) scan: bool,

    #[command(flatten)]
    pub(crate) scan_args: ScanArgs,
}

#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// shell to generate for
    #[arg(value_name = "SHELL", value_enum)]
    pub(crate) shell: Shell,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum Shell {
    Bash,
    Zsh,
    Fish,
    Powershell,
    Elvish,
}

#[derive(Debug, Args)]
pub(crate) struct ManArgs {
    /// folder to write the pages into (created if missing)
    #[arg(long = "out-dir", value_name = "DIR")]
    pub(crate) out_dir: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct DetectArgs {
    #[command(flatten)]
    pub(crate) target: TargetArgs,

    #[command(flatten)]
    pub(crate) output: OutputArgs,

    /// time between samples
    #[arg(short = 'i', long = "interval", help_heading = "Sampling", value_name = "DURATION", default_value = "1s", value_parser = nonzero_duration)]
    pub(crate) interval: std::time::Duration,

    /// how long to sample [default: 10s; with --watch, until Ctrl-C]
    #[arg(short = 'd', long = "duration", help_heading = "Sampling", value_name = "DURATION", value_parser = nonzero_duration)]
    pub(crate) duration: Option<std::time::Duration>,

    /// how much recent history each assessment weighs (at least four sampling intervals)
    #[arg(long = "window", help_heading = "Sampling", value_name = "DURATION", default_value = "10s", value_parser = nonzero_duration)]
    pub(crate) window: std::time::Duration,

    /// keep assessing (live: keep sampling; replay: walk the recording) and print an event whenever the verdict, the primary class or the affected nodes change
    #[arg(long = "watch", help_heading = "Sampling")]
    pub(crate) watch: bool,

    /// write every raw sample to FILE as NDJSON (replayable with --replay)
    #[arg(
        long = "record",
        help_heading = "Record and replay",
        value_name = "FILE",
        conflicts_with = "replay"
    )]
    pub(crate) record: Option<PathBuf>,

    /// classify a recording offline instead of sampling a server (repeatable)
    #[arg(
        long = "replay",
        help_heading = "Record and replay",
        value_name = "FILE"
    )]
    pub(crate) replay: Vec<PathBuf>,

    /// add a MONITOR capture (redis-cli format) as NODE's MONITOR evidence on replay (repeatable)
    #[arg(
        long = "capture",
        help_heading = "Record and replay",
        value_name = "HOST:PORT=FILE",
        requires = "replay"
    )]
    pub(crate) capture: Vec<String>,

    /// after the INFO window, take a MONITOR sample this long on every master (hot keys, stampedes, penetration candidates checked with EXISTS); MONITOR costs the server, so it is off by default
    #[arg(long = "monitor", help_heading = "Deeper evidence", value_name = "DURATION", value_parser = nonzero_duration, conflicts_with = "replay")]
    pub(crate) monitor: Option<std::time::Duration>,

    /// after the INFO window, read the TTLs of N keys per master with a throttled SCAN (no value read): the expiry timeline ahead and its cliffs
    #[arg(long = "ttl-sample", help_heading = "Deeper evidence", value_name = "N", value_parser = at_least_one::<u64>, conflicts_with = "replay")]
    pub(crate) ttl_sample: Option<u64>,

    /// take the deeper evidence only where INFO makes it useful, and say what was taken and why: a MONITOR sample (--monitor, default 5s) on the masters where INFO suggests a hot key, a stampede or penetration; a TTL sample (--ttl-sample, default 10000 keys) where it suggests or forecasts mass expiration
    #[arg(
        long = "deep",
        help_heading = "Deeper evidence",
        conflicts_with = "replay"
    )]
    pub(crate) deep: bool,

    /// compare with a baseline saved in calm times by --save-baseline
    #[arg(long = "baseline", help_heading = "Baseline", value_name = "FILE")]
    pub(crate) baseline: Option<PathBuf>,

    /// save this run's per-node rates and gauges (live, or of a recording's last five minutes) as a baseline
    #[arg(long = "save-baseline", help_heading = "Baseline", value_name = "FILE")]
    pub(crate) save_baseline: Option<PathBuf>,

    /// print the table of thresholds (defaults, or as overridden) and exit
    #[arg(long = "thresholds", help_heading = "Thresholds")]
    pub(crate) thresholds: bool,

    /// override one threshold (see --thresholds for names); repeatable
    #[arg(
        long = "threshold",
        help_heading = "Thresholds",
        value_name = "NAME=VALUE"
    )]
    pub(crate) threshold: Vec<String>,
}

#[derive(Debug, Args)]
pub(crate) struct WarmArgs {
    /// the cache to warm (the target)
    #[command(flatten)]
    pub(crate) target: TargetArgs,

    #[command(flatten)]
    pub(crate) output: OutputArgs,

    /// keys from an access or application log (`-` for stdin, gzip read as such), one per line that --key-regex matches; repeatable
    #[arg(
        long = "from-log",
        help_heading = "Keys",
        value_name = "FILE",
        requires = "key_regex"
    )]
    pub(crate) from_log: Vec<String>,

    /// the key in a log line: the regex's group named `key`, else its first group
    #[arg(long = "key-regex", help_heading = "Keys", value_name = "REGEX")]
    pub(crate) key_regex: Option<String>,

    /// build the key from the regex's groups: `user:{1}:profile`, `{key}`
    #[arg(
        long = "key-template",
        help_heading = "Keys",
        value_name = "TEMPLATE",
        requires = "key_regex"
    )]
    pub(crate) key_template: Option<String>,

    /// keys from a MONITOR capture (redis-cli format, what `cachestorm monitor` writes): the keys read; repeatable
    #[arg(long = "from-monitor", help_heading = "Keys", value_name = "FILE")]
    pub(crate) from_monitor: Vec<String>,

    /// keys from `cachestorm hotkeys -o json`, by their counts; repeatable
    #[arg(long = "from-report", help_heading = "Keys", value_name = "FILE")]
    pub(crate) from_report: Vec<String>,

    /// one key per line, as cachestorm prints keys (`\xHH` escapes); repeatable
    #[arg(long = "keys-file", help_heading = "Keys", value_name = "FILE")]
    pub(crate) keys_file: Vec<String>,

    /// the keys are every key of the --source server (or cluster) matching --match, as SCAN returns them: copy from a peer, streamed, no key list needed
    #[arg(long = "from-source-scan", help_heading = "Keys", requires = "source")]
    pub(crate) from_source_scan: bool,

    /// with --from-source-scan: only keys of these cluster slots (`A-B` or `A`), e.g. the slots of a node just added
    #[arg(long = "slots", help_heading = "Keys", value_name = "A-B", value_parser = slot_range, requires = "from_source_scan")]
    pub(crate) slots: Option<std::ops::RangeInclusive<u16>>,

    /// warm only the N hottest keys
    #[arg(long = "top", help_heading = "Keys", value_name = "N", value_parser = at_least_one::<usize>, conflicts_with = "from_source_scan")]
    pub(crate) top: Option<usize>,

    /// warm only keys matching this glob (Redis MATCH rules)
    #[arg(long = "match", help_heading = "Keys", value_name = "GLOB")]
    pub(crate) pattern: Option<String>,

    /// where values come from: a peer, replica or backup server (DUMP + PTTL, RESTORE on the target)
    #[arg(long = "source", help_heading = "Values", value_name = "URL", required_unless_present_any = ["dry_run", "source_file", "source_cmd", "source_http"], conflicts_with_all = ["source_file", "source_cmd", "source_http"])]
    pub(crate) source: Option<String>,

    /// the --source URL is a node of a cluster: read each key from the master of its slot
    #[arg(long = "source-cluster", help_heading = "Values", requires = "source")]
    pub(crate) source_cluster: bool,

    /// where values come from: a JSONL file, {"key", "value" (or "value_b64"), "ttl_ms"} a line; written with SET NX
    #[arg(long = "source-file", help_heading = "Values", value_name = "FILE", conflicts_with_all = ["source_cmd", "source_http"])]
    pub(crate) source_file: Option<String>,

    /// where values come from: a command per key, run by `sh -c` with the key as "$1" (`{key}` in the template stands for it; the key is never put into the shell text); its stdout, byte for byte, is the value (no output: missing; a non-zero exit or --timeout: failed); written with SET NX
    #[arg(
        long = "source-cmd",
        help_heading = "Values",
        value_name = "'CMD {key}'",
        conflicts_with = "source_http"
    )]
    pub(crate) source_cmd: Option<String>,

    /// where values come from: an HTTP(S) GET per key, `{key}` percent-encoded into the URL; a 2xx body is the value, 404/410 missing, 5xx/429/timeouts retried (--retries) then failed; written with SET NX
    #[arg(long = "source-http", help_heading = "Values", value_name = "URL")]
    pub(crate) source_http: Option<String>,

    /// with --source-http: retries of a 5xx, 429 or timed-out GET, 100 ms apart and doubling (up to 2 s)
    #[arg(long = "retries", help_heading = "Values", value_name = "N", default_value_t = 3, conflicts_with_all = ["source", "source_file", "source_cmd"])]
    pub(crate) retries: u32,

    /// with --source-cmd/--source-http: value fetches in flight at once (what protects the database behind them)
    #[arg(long = "concurrency", help_heading = "Values", value_name = "N", default_value_t = 8, value_parser = at_least_one::<usize>, conflicts_with_all = ["source", "source_file"])]
    pub(crate) concurrency: usize,

    /// with --source-file, --source-cmd or --source-http: the TTL written (a file's line may give its own; default: none)
    #[arg(long = "ttl", help_heading = "Values", value_name = "DURATION", value_parser = nonzero_duration, conflicts_with = "source")]
    pub(crate) ttl: Option<std::time::Duration>,

    /// skip keys whose remaining TTL in the --source server is under this (they would expire at once)
    #[arg(long = "min-ttl", help_heading = "Values", value_name = "DURATION", default_value = "1s", value_parser = parse_duration, conflicts_with_all = ["source_file", "source_cmd", "source_http"])]
    pub(crate) min_ttl: std::time::Duration,

    /// spread each written key's TTL by up to PCT percent up or down, so keys warmed together do not expire together (keys without a TTL keep none) [default: 10 with --source-file, --source-cmd and --source-http, 0 with --source]
    #[arg(long = "ttl-jitter", help_heading = "Values", value_name = "PCT", value_parser = percentage)]
    pub(crate) ttl_jitter: Option<f64>,

    /// replace keys that already exist on the target (default: leave them alone)
    #[arg(long = "overwrite", help_heading = "Writing")]
    pub(crate) overwrite: bool,

    /// most keys per second written
    #[arg(long = "rate", help_heading = "Writing", value_name = "KEYS_PER_SEC", value_parser = at_least_one::<u64>)]
    pub(crate) rate: Option<u64>,

    /// most value bytes per second written
    #[arg(long = "max-bytes-per-sec", help_heading = "Writing", value_name = "SIZE", value_parser = nonzero_size)]
    pub(crate) max_bytes_per_sec: Option<u64>,

    /// back off while the target's PING latency (side probe) is above this: a pause that doubles precedes each batch, and batches halve
    #[arg(long = "max-latency", help_heading = "Writing", value_name = "DURATION", default_value = "10ms", value_parser = nonzero_duration)]
    pub(crate) max_latency: std::time::Duration,

    /// keys per round trip (fetches from the source and writes to the target alike)
    #[arg(long = "pipeline", help_heading = "Writing", value_name = "N", default_value_t = 100, value_parser = at_least_one::<usize>)]
    pub(crate) pipeline: usize,

    /// stop cleanly at this deadline, keeping what was written
    #[arg(long = "max-time", help_heading = "Writing", value_name = "DURATION", value_parser = nonzero_duration)]
    pub(crate) max_time: Option<std::time::Duration>,

    /// stop when the target's used memory passes this share of maxmemory, or when it starts evicting
    #[arg(long = "max-memory-pct", help_heading = "Writing", value_name = "PCT", default_value = "90", value_parser = percentage)]
    pub(crate) max_memory_pct: f64,

    /// sample the target's hit rate and misses/s for this long before the warm and after it, and report both
    #[arg(long = "measure", help_heading = "Writing", value_name = "DURATION", value_parser = nonzero_duration)]
    pub(crate) measure: Option<std::time::Duration>,

    /// after the warm, read N written keys back from the target and the source and compare them by type and value
    #[arg(long = "verify", help_heading = "Writing", value_name = "N", value_parser = at_least_one::<usize>, requires = "source")]
    pub(crate) verify: Option<usize>,

    /// save progress to FILE as the run goes (atomically), so an interrupted run can go on with --resume
    #[arg(long = "checkpoint", help_heading = "Writing", value_name = "FILE")]
    pub(crate) checkpoint: Option<std::path::PathBuf>,

    /// go on from --checkpoint FILE, after the keys a run of the same plan already handled
    #[arg(long = "resume", help_heading = "Writing", requires = "checkpoint")]
    pub(crate) resume: bool,

    /// warm even when the plan's estimated bytes exceed the target's headroom under --max-memory-pct
    #[arg(long = "force", help_heading = "Writing")]
    pub(crate) force: bool,

    /// print the plan and write nothing
    #[arg(long = "dry-run", help_heading = "Writing")]
    pub(crate) dry_run: bool,
}

/// `A-B` or `A`: cluster slots, 0 to 16383.
fn slot_range(s: &str) -> Result<std::ops::RangeInclusive<u16>, String> {
    let slot = |t: &str| -> Result<u16, String> {
        t.trim()
            .parse::<u16>()
            .ok()
            .filter(|n| *n < 16384)
            .ok_or_else(|| format!("{t:?} is not a cluster slot (0 to 16383)"))
    };
    let (a, b) = match s.split_once('-') {
        Some((a, b)) => (slot(a)?, slot(b)?),
        None => (slot(s)?, slot(s)?),
    };
    if a > b {
        return Err(format!("{a}-{b}: the first slot is after the last"));
    }
    Ok(a..=b)
}

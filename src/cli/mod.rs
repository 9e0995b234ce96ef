//! Command-line definitions (clap derive) and nothing else: `Cli` and the subcommands
//! here, each subcommand's flags in `commands.rs`, the flag groups they share in
//! `shared.rs`.
//!
//! Conventions: every option that takes a value has an UPPERCASE `value_name`; help lines
//! start lowercase and have no final period; connection flags use redis-cli's spellings
//! (`-h` is the host, so help is `--help` only); each subcommand's long help ends with an
//! example. Values are resolved into plain settings in `cmd/` (`cmd::target::resolve`, the `XxxConfig`s).

use std::time::Duration;

use clap::{ArgAction, Parser, Subcommand};

mod commands;
mod shared;

pub(crate) use commands::*;
pub(crate) use shared::*;

#[derive(Debug, Parser)]
#[command(
    name = "cachestorm",
    version,
    about = "Diagnose Redis cache storms: rates, hot keys, key patterns, big keys, expiry cliffs",
    long_about = "Diagnose Redis cache storms from the command line.\n\n\
        Every report prints as a table for people (-o table, the default) or as JSON for jq \
        (-o json, -o ndjson). Reports go to stdout; progress and warnings go to stderr. \
        JSON fields follow one vocabulary (docs/JSON.md in the source; a JSON Schema for \
        every document in docs/schema/).\n\n\
        Exit codes: 0 ok, 1 a finding you asked to fail on, 2 usage or bad input, \
        3 cannot connect / auth refused / server error / a node lost part-way (the report of \
        the rest is still printed), 130 interrupted. A bound you set (--duration, --count, \
        --max-lines, --sample) or the MONITOR buffer guard ending a run early is not a \
        failure: exit 0, with complete: false and stopped_by in the JSON.",
    disable_help_flag = true,
    disable_help_subcommand = true,
    disable_version_flag = true
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,

    /// print help
    #[arg(long, action = ArgAction::Help, global = true)]
    help: Option<bool>,

    /// print version
    #[arg(short = 'V', long, action = ArgAction::Version)]
    version: Option<bool>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// poll INFO on every node: per-interval ops/s, hit %, misses, expiries, evictions, memory
    #[command(
        disable_help_flag = true,
        after_long_help = "Examples:\n  \
        cachestorm stats -h 10.0.0.5 -p 6379 --interval 1s\n  \
        cachestorm stats --cluster -u redis://:$PASS@10.0.0.5:7000 --count 10\n  \
        cachestorm stats --node 10.0.0.5:6379 --node 10.0.0.6:6379 -o ndjson | jq .hit_pct\n\n\
        Rates come from counter deltas between two samples divided by the measured time \
        between them (not from instantaneous_* fields). An interval in which a node restarted \
        or ran CONFIG RESETSTAT is marked 'reset' and shows no rates. With several nodes a \
        'total' row sums the rates (hit % from summed hits and misses; keys from masters only)."
    )]
    Stats(Box<StatsArgs>),

    /// bounded MONITOR capture to a file (redis-cli MONITOR format), from one node or every master
    #[command(
        disable_help_flag = true,
        after_long_help = "Examples:\n  \
        cachestorm monitor -h 10.0.0.5 --duration 30s -w capture.log\n  \
        cachestorm monitor --cluster -p 7000 --duration 10s -w capture.log   # capture.<host>_<port>.log per master\n  \
        cachestorm monitor --command GET,SET --key-pattern 'user:*' --max-lines 100000 | head\n\n\
        The file is in redis-cli's MONITOR format, so `cachestorm hotkeys --input` (and \
        redis-faina) read it back. With several nodes each master gets its own file, named \
        after --write with the node's host_port before the extension. cachestorm's own \
        commands are left out. MONITOR makes the server copy every command to this \
        connection: the capture stops early, and says so, when the server's output buffer for \
        it passes --max-server-buffer."
    )]
    Monitor(Box<MonitorArgs>),

    /// hottest keys, commands, clients and patterns from MONITOR or a capture file
    #[command(
        disable_help_flag = true,
        after_long_help = "Examples:\n  \
        cachestorm hotkeys --input fixtures/monitor/redis-7.0-shop.log\n  \
        cachestorm hotkeys -h 10.0.0.5 --duration 60\n  \
        cachestorm hotkeys --cluster -p 7000 --duration 30 -o json | jq '.keys[] | select(.hot)'\n  \
        zcat monitor.log.gz | cachestorm hotkeys --input - --top 50\n  \
        cachestorm hotkeys --method lfu -h 10.0.0.5          # allkeys-lfu servers, no MONITOR\n  \
        cachestorm hotkeys --method slot-stats --cluster -p 7000   # Valkey 8+\n\n\
        Live capture uses MONITOR for --duration; it stops early (and says so) when the server's \
        output buffer for the MONITOR connection passes --max-server-buffer. Besides the top keys \
        it reports the stampede signature (one key written by many clients within \
        --stampede-window), penetration candidates (keys read repeatedly and never written; \
        checked with EXISTS when live) and the expiry wave (when the TTLs set in the capture \
        will fire)."
    )]
    Hotkeys(Box<HotkeysArgs>),

    /// traffic grouped by inferred key pattern (user:*:profile), from MONITOR or a capture file
    #[command(
        disable_help_flag = true,
        after_long_help = "Examples:\n  \
        cachestorm patterns --input fixtures/monitor/redis-7.0-shop.log\n  \
        cachestorm patterns -h 10.0.0.5 --duration 30 --rule 'tenant-[a-z]+=tenant-*'\n  \
        cachestorm patterns --scan -h 10.0.0.5      # keys and memory per pattern, from SCAN\n\n\
        Keys are split on --separator characters; numbers, UUIDs, hex hashes, ULIDs, dates, \
        IPv4 and e-mail addresses and long random tokens become '*'; hash tags keep their \
        braces. Every pattern is a valid SCAN MATCH glob."
    )]
    Patterns(Box<PatternsArgs>),

    /// biggest keys overall and per type, per-type totals, size percentiles, big collections
    #[command(
        disable_help_flag = true,
        after_long_help = "Examples:\n  \
        cachestorm bigkeys -h 10.0.0.5\n  \
        cachestorm bigkeys --cluster -p 7000 --rate 20000 -o json | jq '.top_by_type.hash[0]'\n  \
        cachestorm bigkeys --match 'session:*' --min-bytes 10kb --top 50\n  \
        cachestorm bigkeys --sample 100000        # extrapolated totals with 95% intervals\n\n\
        SCAN walks every master (or one replica each with --replicas) concurrently; each batch \
        of keys costs one pipelined round trip asking TYPE, MEMORY USAGE (SAMPLES), PTTL and \
        the length (STRLEN/LLEN/SCARD/ZCARD/HLEN/XLEN). No KEYS, no value is read. --rate caps \
        keys per second over all nodes; a side PING probe per node backs the scan off while \
        latency is above --max-latency. Ctrl-C prints the partial report with each node's \
        cursor; --cursor resumes a one-node scan."
    )]
    Bigkeys(Box<BigkeysArgs>),

    /// memory and TTLs per key pattern, per-minute expiry timeline, expiry cliffs, headroom
    #[command(
        disable_help_flag = true,
        after_long_help = "Examples:\n  \
        cachestorm keyspace -h 10.0.0.5\n  \
        cachestorm keyspace --cluster -p 7000 --horizon 6h --cliff 5 -o json | jq .cliffs\n  \
        cachestorm keyspace --rule 'tenant-[a-z]+=tenant-*' --rate 10000\n\n\
        Every key with a TTL is placed at its expiry minute (time seen + PTTL). A minute that \
        holds --cliff percent or more of the keys (or bytes) with a TTL, and at least \
        --cliff-min-keys keys, is an expiry cliff: \
        they will all miss together (the avalanche). Per pattern: keys, memory, share of keys \
        without a TTL, and the expiry concentration (the largest share of the pattern's TTL \
        keys due in one minute: 100% means no jitter). Headroom compares used_memory with \
        maxmemory and says how much of the scanned memory the policy could evict. The scan \
        is the one bigkeys uses, with the same options."
    )]
    Keyspace(Box<KeyspaceArgs>),

    /// is this a cache storm, which kind, where, why, and what to do now (exit 1 when it is)
    #[command(
        disable_help_flag = true,
        after_long_help = "Examples:\n  \
        cachestorm detect -h 10.0.0.5                       # 10 s of INFO every second, then the verdict\n  \
        cachestorm detect --cluster -p 7000 --watch         # an event whenever the verdict changes\n  \
        cachestorm detect --replay fixtures/storms/mass_expiration.ndjson\n  \
        cachestorm detect -h 10.0.0.5 --duration 60s --save-baseline calm.json   # in calm times\n  \
        cachestorm detect -h 10.0.0.5 --baseline calm.json -o json | jq .primary_class\n  \
        cachestorm detect -h 10.0.0.5 --deep                # + MONITOR / TTL samples where INFO suspects\n\n\
        Every node is sampled concurrently (INFO everything, its round trip; SLOWLOG and LATENCY \
        LATEST at the start and end). Each round, the last --window of samples is compared with \
        a saved baseline, else with the calm samples before it, else with what the server \
        remembers (lifetime counters over uptime), and one rule per class scores it: cold_start, \
        mass_invalidation, mass_expiration, hot_key, memory_pressure, replication, penetration, \
        breakdown, connection_storm, slow_commands. The report is the most severe assessment of \
        the run: verdict (healthy, degraded, storm), severity, primary class, onset, evidence, \
        per-node summary, timeline and runbook. Thresholds: --thresholds lists them, \
        --threshold NAME=VALUE overrides one. --record writes every raw sample as NDJSON \
        ({\"t\", \"node\", \"info\", \"rtt_ms\"}, {\"t\", \"node\", \"error\"}, slowlog, \
        latency); --replay classifies such a file offline, whoever wrote it. Exit codes: 0 \
        healthy, 1 degraded or storm, 2 bad input, 3 no node reachable, 130 interrupted."
    )]
    Detect(Box<DetectArgs>),

    /// refill a cold cache from a peer, a cluster, a file, a command or HTTP, hottest keys first, rate-limited, never clobbering
    #[command(
        disable_help_flag = true,
        after_long_help = "Examples:\n  \
        cachestorm warm -h 10.0.0.7 --from-log access.log --key-regex 'GET /product/(\\d+)' --key-template 'product:{1}:info' --source redis://10.0.0.8:6379 --top 50000 --rate 20000\n  \
        cachestorm hotkeys -h 10.0.0.8 --duration 30 -o json > hot.json\n  \
        cachestorm warm -h 10.0.0.7 --from-report hot.json --source redis://10.0.0.8:6379\n  \
        cachestorm warm -h 10.0.0.7 --keys-file keys.txt --source redis://backup:6379 --dry-run\n  \
        cachestorm warm --cluster -h 10.0.0.7 --from-source-scan --source redis://10.0.0.8:6379 --source-cluster --slots 10923-16383\n  \
        cachestorm warm -h 10.0.0.7 --keys-file keys.txt --source-http 'http://api:8080/items/{key}' --concurrency 8 --ttl 10m\n\n\
        Keys are counted over every source given and warmed hottest first (--top, --match), \
        or taken from a SCAN of the source (--from-source-scan, --slots). The plan (keys, \
        estimated memory on the target, time at --rate) is said on stderr before writing, \
        and refused when it exceeds the target's headroom under --max-memory-pct unless \
        --force. Values are copied from --source (a server, or a cluster with \
        --source-cluster) with DUMP and PTTL and written with RESTORE and the remaining TTL, \
        without REPLACE: a key that already exists on the target is left alone (--overwrite \
        replaces it). Where the target refuses a payload (a newer engine's DUMP format), the \
        key is copied type by type by one atomic script that also leaves existing keys \
        alone. --source-file, --source-cmd and --source-http values are written with SET NX \
        and --ttl, jittered. A cluster target (--cluster) gets each key on the master of its \
        slot, MOVED and ASK followed. Keys missing in the source or with a TTL under \
        --min-ttl are skipped and counted. Batches of --pipeline keys, at most --rate keys \
        and --max-bytes-per-sec bytes per second, until --max-time, backing off while the \
        target's PING latency is over --max-latency; the run stops before the target evicts \
        (a rise of evicted_keys, or used memory past --max-memory-pct of maxmemory). \
        --checkpoint and --resume go on after an interrupted run. Nothing is ever deleted. \
        Exit: 0 done, 2 bad input or a plan over the headroom, 3 a server or source lost \
        part-way (the keys written stay), 130 interrupted."
    )]
    Warm(Box<WarmArgs>),

    /// print a shell completion script to stdout
    #[command(
        disable_help_flag = true,
        after_long_help = "Example:\n  cachestorm completions bash > /etc/bash_completion.d/cachestorm"
    )]
    Completions(CompletionsArgs),

    /// write man pages (cachestorm.1 and one per subcommand) into a folder
    #[command(
        disable_help_flag = true,
        after_long_help = "Example:\n  cachestorm man --out-dir /usr/local/share/man/man1"
    )]
    Man(ManArgs),
}

// Value parsers: a bad value dies while the flags are parsed (clap's exit 2, one line
// naming the flag), so nothing below sees a zero interval or a percentage over 100.

pub(super) fn parse_duration(s: &str) -> Result<Duration, String> {
    crate::units::parse_duration(s)
}

/// Intervals, timeouts, windows, capture lengths: above zero.
pub(super) fn nonzero_duration(s: &str) -> Result<Duration, String> {
    crate::units::parse_nonzero_duration(s)
}

/// Bucket sizes counted in seconds.
pub(super) fn whole_seconds(s: &str) -> Result<Duration, String> {
    crate::units::parse_whole_duration(s, Duration::from_secs(1), "seconds", "1s")
}

/// Bucket sizes counted in minutes.
pub(super) fn whole_minutes(s: &str) -> Result<Duration, String> {
    crate::units::parse_whole_duration(s, Duration::from_secs(60), "minutes", "1m")
}

/// A count that must be at least 1 (a top-N, a limit, a rate in keys per second).
pub(super) fn at_least_one<T: TryFrom<u64>>(s: &str) -> Result<T, String> {
    match s.trim().parse::<u64>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => T::try_from(n).map_err(|_| "too large".into()),
        Err(_) => Err("expected a whole number, at least 1".into()),
    }
}

pub(super) fn percentage(s: &str) -> Result<f64, String> {
    crate::units::parse_pct(s)
}

/// A rate or other real number above zero.
pub(super) fn positive(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err("expected a number above 0".into()),
    }
}

pub(super) fn parse_size(s: &str) -> Result<u64, String> {
    crate::units::parse_size(s)
}

/// A size limit: above zero.
pub(super) fn nonzero_size(s: &str) -> Result<u64, String> {
    match crate::units::parse_size(s)? {
        0 => Err("must be more than 0 (e.g. 512kb, 32mb)".into()),
        n => Ok(n),
    }
}

/// The types SCAN TYPE knows by name.
const SCAN_TYPES: [&str; 6] = ["string", "list", "set", "zset", "hash", "stream"];

/// SCAN TYPE: a core type (any case, as the server compares it), or a module type name
/// (always 9 characters of `A-Z a-z 0-9 - _`, e.g. `ReJSON-RL`). Anything else would scan
/// the whole keyspace and match nothing (Redis before 7.4 does not refuse it).
pub(super) fn scan_type(s: &str) -> Result<String, String> {
    let t = s.trim();
    if SCAN_TYPES.iter().any(|k| k.eq_ignore_ascii_case(t)) {
        return Ok(t.to_ascii_lowercase());
    }
    let module_type = t.len() == 9
        && t.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if module_type {
        return Ok(t.to_string());
    }
    Err(format!(
        "expected one of {} or a module type name (9 characters, e.g. ReJSON-RL)",
        SCAN_TYPES.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_types() {
        assert_eq!(scan_type("ZSet").unwrap(), "zset");
        assert_eq!(scan_type("ReJSON-RL").unwrap(), "ReJSON-RL");
        assert_eq!(scan_type("MBbloom--").unwrap(), "MBbloom--");
        let e = scan_type("bogus").unwrap_err();
        assert!(e.contains("string, list, set, zset, hash, stream"), "{e}");
        assert!(scan_type("").is_err());
        assert!(scan_type("json rl!!").is_err());
    }

    #[test]
    fn counts() {
        assert_eq!(at_least_one::<u32>("7").unwrap(), 7);
        assert!(at_least_one::<u64>("0").is_err());
        assert!(at_least_one::<u64>("-1").is_err());
        assert!(at_least_one::<u32>("99999999999").is_err());
    }

    #[test]
    fn positives() {
        assert_eq!(positive("2.5").unwrap(), 2.5);
        assert!(positive("0").is_err());
        assert!(positive("-3").is_err());
        assert!(positive("inf").is_err());
    }
}

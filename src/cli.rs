//! Command-line definitions (clap derive) and nothing else.
//!
//! Conventions: every option that takes a value has an UPPERCASE `value_name`; help lines
//! start lowercase and have no final period; connection flags use redis-cli's spellings
//! (`-h` is the host, so help is `--help` only); each subcommand's long help ends with an
//! example. Values are resolved into plain settings by `target::resolve` and `cmd::*`.

use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};

use crate::output::Format;

#[derive(Debug, Parser)]
#[command(
    name = "cachestorm",
    version,
    about = "Diagnose Redis cache storms: rates, hot keys, big keys, storm classification",
    long_about = "Diagnose Redis cache storms from the command line.\n\n\
        Every report prints as a table for people (-o table, the default) or as JSON for jq \
        (-o json, -o ndjson). Reports go to stdout; progress and warnings go to stderr.\n\n\
        Exit codes: 0 ok, 1 a finding you asked to fail on, 2 usage or bad input, \
        3 cannot connect / auth refused / server error, 130 interrupted.",
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

/// Where to connect: one node, a list of nodes, a whole cluster, or a Sentinel-managed master.
#[derive(Debug, Args, Clone)]
#[command(next_help_heading = "Connection")]
pub(crate) struct TargetArgs {
    /// server URL: redis://[user[:pass]@]host[:port][/db], rediss:// for TLS
    #[arg(short = 'u', long = "url", value_name = "URL", conflicts_with_all = ["host", "port"])]
    pub(crate) url: Option<String>,

    /// server host
    #[arg(short = 'h', long = "host", value_name = "HOST")]
    pub(crate) host: Option<String>,

    /// server port
    #[arg(short = 'p', long = "port", value_name = "PORT")]
    pub(crate) port: Option<u16>,

    /// ACL user name (Redis 6+)
    #[arg(long = "user", value_name = "USER")]
    pub(crate) user: Option<String>,

    /// password (or set REDISCLI_AUTH, which keeps it out of the process list)
    #[arg(short = 'a', long = "pass", value_name = "PASSWORD")]
    pub(crate) pass: Option<String>,

    /// database number
    #[arg(short = 'n', long = "db", value_name = "DB")]
    pub(crate) db: Option<i64>,

    /// connect with TLS
    #[arg(long = "tls")]
    pub(crate) tls: bool,

    /// CA certificate (PEM) to verify the server with, instead of the system roots
    #[arg(long = "cacert", value_name = "FILE")]
    pub(crate) cacert: Option<PathBuf>,

    /// client certificate (PEM) for mutual TLS
    #[arg(long = "cert", value_name = "FILE", requires = "key")]
    pub(crate) cert: Option<PathBuf>,

    /// client private key (PEM) for mutual TLS
    #[arg(long = "key", value_name = "FILE", requires = "cert")]
    pub(crate) key: Option<PathBuf>,

    /// do not verify the server's TLS certificate
    #[arg(long = "insecure")]
    pub(crate) insecure: bool,

    /// a node to include (repeatable); replaces -h/-p/--url's address
    #[arg(long = "node", value_name = "HOST:PORT", action = ArgAction::Append)]
    pub(crate) nodes: Vec<String>,

    /// discover every node (masters and replicas) of the cluster from the given node
    #[arg(long = "cluster", conflicts_with = "sentinel")]
    pub(crate) cluster: bool,

    /// ask this Sentinel for the master (repeatable; the first that answers wins)
    #[arg(long = "sentinel", value_name = "HOST:PORT", action = ArgAction::Append, requires = "master")]
    pub(crate) sentinel: Vec<String>,

    /// master name known to Sentinel
    #[arg(long = "master", value_name = "NAME", requires = "sentinel")]
    pub(crate) master: Option<String>,

    /// password for the Sentinel itself (or set CACHESTORM_SENTINEL_AUTH)
    #[arg(long = "sentinel-pass", value_name = "PASSWORD")]
    pub(crate) sentinel_pass: Option<String>,

    /// time allowed to open a connection
    #[arg(long = "connect-timeout", value_name = "DURATION", default_value = "2s", value_parser = parse_duration)]
    pub(crate) connect_timeout: std::time::Duration,

    /// time allowed for each request
    #[arg(long = "timeout", value_name = "DURATION", default_value = "5s", value_parser = parse_duration)]
    pub(crate) timeout: std::time::Duration,
}

#[derive(Debug, Args, Clone)]
#[command(next_help_heading = "Output")]
pub(crate) struct OutputArgs {
    /// report format
    #[arg(short = 'o', long = "format", value_name = "FORMAT", value_enum, default_value_t = Format::Table)]
    pub(crate) format: Format,

    /// same as -o json
    #[arg(long = "json", conflicts_with = "format")]
    pub(crate) json: bool,
}

impl OutputArgs {
    pub(crate) fn format(&self) -> Format {
        if self.json {
            Format::Json
        } else {
            self.format
        }
    }
}

#[derive(Debug, Args)]
pub(crate) struct StatsArgs {
    #[command(flatten)]
    pub(crate) target: TargetArgs,

    #[command(flatten)]
    pub(crate) output: OutputArgs,

    /// time between samples
    #[arg(short = 'i', long = "interval", value_name = "DURATION", default_value = "1s", value_parser = parse_duration)]
    pub(crate) interval: std::time::Duration,

    /// stop after N intervals (N+1 INFO polls); default: until Ctrl-C
    #[arg(short = 'c', long = "count", value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) count: Option<u64>,

    /// stop after this long
    #[arg(short = 'd', long = "duration", value_name = "DURATION", value_parser = parse_duration)]
    pub(crate) duration: Option<std::time::Duration>,
}

/// The bounds of a live MONITOR capture (monitor, hotkeys, patterns).
#[derive(Debug, Args, Clone)]
#[command(next_help_heading = "Capture")]
pub(crate) struct CaptureArgs {
    /// how long to capture live MONITOR traffic
    #[arg(short = 'd', long = "duration", value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub(crate) duration: std::time::Duration,

    /// stop a live capture when the server's output buffer for it passes this size
    #[arg(long = "max-server-buffer", value_name = "SIZE", default_value = "32mb", value_parser = parse_size)]
    pub(crate) max_server_buffer: u64,
}

/// Where traffic comes from and how it is counted (hotkeys, patterns).
#[derive(Debug, Args, Clone)]
#[command(next_help_heading = "Traffic")]
pub(crate) struct TrafficArgs {
    /// read a MONITOR capture instead of a live server ('-' for stdin; gzip is detected)
    #[arg(long = "input", value_name = "FILE")]
    pub(crate) input: Option<String>,

    #[command(flatten)]
    pub(crate) capture: CaptureArgs,

    /// distinct keys counted exactly; past this, a Space-Saving top-k of this size
    #[arg(long = "max-keys", value_name = "N", default_value_t = 1_000_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) max_keys: u64,

    /// with --input: threads counting keys (1: the reading thread alone; default: one per core, up to 4)
    #[arg(long = "threads", value_name = "N", value_parser = clap::value_parser!(u64).range(1..=64))]
    pub(crate) threads: Option<u64>,

    #[command(flatten)]
    pub(crate) rules: PatternRuleArgs,
}

/// How keys are grouped into patterns (hotkeys, patterns, keyspace).
#[derive(Debug, Args, Clone)]
#[command(next_help_heading = "Patterns")]
pub(crate) struct PatternRuleArgs {
    /// characters that separate key segments, for pattern inference
    #[arg(long = "separator", value_name = "CHARS", default_value = ":/.|#")]
    pub(crate) separator: String,

    /// extra pattern rule REGEX=REPLACEMENT, applied first ('*' in REPLACEMENT is a wildcard)
    #[arg(long = "rule", value_name = "REGEX=REPLACEMENT", action = ArgAction::Append)]
    pub(crate) rules: Vec<String>,
}

/// How the keyspace is walked (bigkeys, keyspace, patterns --scan).
#[derive(Debug, Args, Clone)]
#[command(next_help_heading = "Scan")]
pub(crate) struct ScanArgs {
    /// keys SCAN asks for per call (each batch is one pipelined round trip)
    #[arg(long = "count", value_name = "N", default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub(crate) count: u64,

    /// only keys matching this glob (SCAN MATCH)
    #[arg(long = "match", value_name = "GLOB")]
    pub(crate) pattern: Option<String>,

    /// only keys of this type (SCAN TYPE): string, list, set, zset, hash, stream or a module type
    #[arg(long = "type", value_name = "TYPE")]
    pub(crate) kind: Option<String>,

    /// MEMORY USAGE SAMPLES for collections (0: every element, exact but slow on big keys)
    #[arg(long = "samples", value_name = "N", default_value_t = 5)]
    pub(crate) samples: u64,

    /// also read each key's OBJECT ENCODING
    #[arg(long = "encoding")]
    pub(crate) encoding: bool,

    /// most keys per second, over all nodes together
    #[arg(long = "rate", value_name = "KEYS_PER_SEC", value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) rate: Option<u64>,

    /// back off while a node's PING latency (side probe) is above this
    #[arg(long = "max-latency", value_name = "DURATION", default_value = "5ms", value_parser = parse_duration)]
    pub(crate) max_latency: std::time::Duration,

    /// scan one replica of each master instead of the masters (sends READONLY in a cluster)
    #[arg(long = "replicas")]
    pub(crate) replicas: bool,

    /// stop after N keys per node and extrapolate the totals to DBSIZE
    #[arg(long = "sample", value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) sample: Option<u64>,

    /// resume a one-node scan from this cursor (an interrupted scan prints it)
    #[arg(long = "cursor", value_name = "CURSOR")]
    pub(crate) cursor: Option<u64>,
}

#[derive(Debug, Args)]
pub(crate) struct BigkeysArgs {
    #[command(flatten)]
    pub(crate) target: TargetArgs,

    #[command(flatten)]
    pub(crate) output: OutputArgs,

    #[command(flatten)]
    pub(crate) scan: ScanArgs,

    /// how many keys to list, overall and per type
    #[arg(long = "top", value_name = "N", default_value_t = 20)]
    pub(crate) top: usize,

    /// list only keys at least this big (MEMORY USAGE)
    #[arg(long = "min-bytes", value_name = "SIZE", default_value = "0", value_parser = parse_size)]
    pub(crate) min_bytes: u64,
}

#[derive(Debug, Args)]
pub(crate) struct KeyspaceArgs {
    #[command(flatten)]
    pub(crate) target: TargetArgs,

    #[command(flatten)]
    pub(crate) output: OutputArgs,

    #[command(flatten)]
    pub(crate) scan: ScanArgs,

    #[command(flatten)]
    pub(crate) rules: PatternRuleArgs,

    /// how many patterns to list
    #[arg(long = "top", value_name = "N", default_value_t = 30)]
    pub(crate) top: usize,

    /// how far ahead the expiry timeline looks (per-minute buckets)
    #[arg(long = "horizon", value_name = "DURATION", default_value = "24h", value_parser = parse_duration)]
    pub(crate) horizon: std::time::Duration,

    /// flag a minute holding at least this share of the keys (or bytes) with a TTL
    #[arg(long = "cliff", value_name = "PCT", default_value_t = 10.0)]
    pub(crate) cliff: f64,

    /// a cliff also needs at least this many keys (a handful of keys is no avalanche)
    #[arg(long = "cliff-min-keys", value_name = "N", default_value_t = 100)]
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
    #[arg(long = "max-lines", value_name = "N")]
    pub(crate) max_lines: Option<u64>,

    /// keep only these commands (comma-separated, any case)
    #[arg(long = "command", value_name = "CMD,...", value_delimiter = ',')]
    pub(crate) commands: Vec<String>,

    /// keep only commands touching a key that matches this glob
    #[arg(long = "key-pattern", value_name = "GLOB")]
    pub(crate) key_pattern: Option<String>,

    /// write the capture here instead of stdout (one file per master with several)
    #[arg(short = 'w', long = "write", value_name = "FILE")]
    pub(crate) write: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct HotkeysArgs {
    #[command(flatten)]
    pub(crate) target: TargetArgs,

    #[command(flatten)]
    pub(crate) output: OutputArgs,

    #[command(flatten)]
    pub(crate) traffic: TrafficArgs,

    /// where hot keys come from: MONITOR (or --input), LFU counters over SCAN, or slot stats
    #[arg(long = "method", value_name = "METHOD", value_enum, default_value_t = Method::Monitor)]
    pub(crate) method: Method,

    /// with --method lfu: most keys per second the SCAN may visit (all masters together)
    #[arg(
        long = "scan-rate",
        value_name = "KEYS_PER_SEC",
        default_value_t = 20_000
    )]
    pub(crate) scan_rate: u64,

    /// how many keys (and commands, clients, patterns) to list
    #[arg(long = "top", value_name = "N", default_value_t = 20)]
    pub(crate) top: usize,

    /// mark a key hot when its share of key accesses is at least this many percent
    #[arg(long = "threshold", value_name = "PCT", default_value_t = 1.0)]
    pub(crate) threshold: f64,

    /// also mark a key hot when its average rate is at least this many per second
    #[arg(long = "min-rate", value_name = "PER_SEC")]
    pub(crate) min_rate: Option<f64>,

    /// include each listed key's per-second counts in JSON
    #[arg(long = "timeline")]
    pub(crate) timeline: bool,

    /// window for the stampede signature
    #[arg(long = "stampede-window", value_name = "DURATION", default_value = "1s", value_parser = parse_duration)]
    pub(crate) stampede_window: std::time::Duration,

    /// writes to one key within the window that make a stampede
    #[arg(long = "stampede-writes", value_name = "N", default_value_t = 10)]
    pub(crate) stampede_writes: u32,

    /// distinct writing clients within the window that make a stampede
    #[arg(long = "stampede-clients", value_name = "N", default_value_t = 5)]
    pub(crate) stampede_clients: u32,

    /// reads (and no write) that make a key a penetration candidate
    #[arg(long = "penetration-reads", value_name = "N", default_value_t = 3)]
    pub(crate) penetration_reads: u64,

    /// bucket size of the expiry wave
    #[arg(long = "expiry-bucket", value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
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
    pub(crate) traffic: TrafficArgs,

    /// how many patterns to list
    #[arg(long = "top", value_name = "N", default_value_t = 30)]
    pub(crate) top: usize,

    /// group the keyspace (SCAN) instead of traffic: keys and memory per pattern
    #[arg(long = "scan", conflicts_with = "input")]
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

fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    crate::units::parse_duration(s)
}

fn parse_size(s: &str) -> Result<u64, String> {
    crate::units::parse_size(s)
}

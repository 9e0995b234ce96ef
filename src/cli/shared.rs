//! Flag groups several subcommands share: where to connect, how to print, MONITOR
//! bounds, traffic counting, pattern rules, keyspace scans. clap derive only.

use std::path::PathBuf;

use clap::{ArgAction, Args};

use super::{at_least_one, nonzero_duration, nonzero_size, scan_type};
use crate::output::Format;

/// Where to connect: one node, a list of nodes, a whole cluster, or a Sentinel-managed master.
#[derive(Debug, Args, Clone)]
#[command(next_help_heading = "Connection")]
pub(crate) struct TargetArgs {
    /// server URL: redis://[user[:pass]@]host[:port][/db], rediss:// for TLS, unix:///path[?db=N]
    #[arg(short = 'u', long = "url", value_name = "URL", conflicts_with_all = ["host", "port"])]
    pub(crate) url: Option<String>,

    /// server host
    #[arg(short = 'h', long = "host", value_name = "HOST")]
    pub(crate) host: Option<String>,

    /// server port
    #[arg(short = 'p', long = "port", value_name = "PORT", value_parser = clap::value_parser!(u16).range(1..))]
    pub(crate) port: Option<u16>,

    /// Unix socket to connect to instead of TCP (one node; no TLS, no cluster)
    #[arg(
        short = 's',
        long = "socket",
        value_name = "PATH",
        conflicts_with_all = ["url", "host", "port", "nodes", "cluster", "sentinel", "tls", "cacert", "cert", "key", "insecure"]
    )]
    pub(crate) socket: Option<PathBuf>,

    /// ACL user name (Redis 6+)
    #[arg(long = "user", value_name = "USER")]
    pub(crate) user: Option<String>,

    /// password (or set REDISCLI_AUTH, which keeps it out of the process list)
    #[arg(short = 'a', long = "pass", value_name = "PASSWORD")]
    pub(crate) pass: Option<String>,

    /// database number (hotkeys, patterns: count only the MONITOR events in this database)
    #[arg(short = 'n', long = "db", value_name = "DB", value_parser = clap::value_parser!(i64).range(0..))]
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
    #[arg(long = "connect-timeout", value_name = "DURATION", default_value = "2s", value_parser = nonzero_duration)]
    pub(crate) connect_timeout: std::time::Duration,

    /// time allowed for each request
    #[arg(long = "timeout", value_name = "DURATION", default_value = "5s", value_parser = nonzero_duration)]
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

/// How tables show keys (hotkeys, patterns, bigkeys, keyspace).
#[derive(Debug, Args, Clone)]
#[command(next_help_heading = "Output")]
pub(crate) struct KeyDisplayArgs {
    /// show keys, patterns and client names whole in tables (default: cut to 60 characters, marked '…+N'; JSON is always whole)
    #[arg(long = "full-keys")]
    pub(crate) full_keys: bool,
}

/// `--max-server-buffer`'s default (32mb), for captures without the flag (`detect`).
pub(crate) const DEFAULT_MAX_SERVER_BUFFER: u64 = 32 << 20;

/// The bounds of a live MONITOR capture (monitor, hotkeys, patterns).
#[derive(Debug, Args, Clone)]
#[command(next_help_heading = "Capture")]
pub(crate) struct CaptureArgs {
    /// how long to capture live MONITOR traffic
    #[arg(short = 'd', long = "duration", value_name = "DURATION", default_value = "10s", value_parser = nonzero_duration)]
    pub(crate) duration: std::time::Duration,

    /// stop a live capture when the server's output buffer for it passes this size (checked every 100 ms, every 10 ms once it holds data, every 2 ms past half; one burst between checks can pass it)
    #[arg(long = "max-server-buffer", value_name = "SIZE", default_value = "32mb", value_parser = nonzero_size)]
    pub(crate) max_server_buffer: u64,
}

/// Where traffic comes from and how it is counted (hotkeys, patterns).
#[derive(Debug, Args, Clone)]
#[command(next_help_heading = "Traffic")]
pub(crate) struct TrafficArgs {
    /// read a MONITOR capture instead of a live server ('-' for stdin; gzip is detected)
    #[arg(
        long = "input",
        value_name = "FILE",
        conflicts_with_all = [
            "url", "host", "port", "socket", "user", "pass", "tls", "cacert", "cert", "key",
            "insecure", "nodes", "cluster", "sentinel", "master", "sentinel_pass",
            "connect_timeout", "timeout", "duration", "max_server_buffer",
        ]
    )]
    pub(crate) input: Option<String>,

    #[command(flatten)]
    pub(crate) capture: CaptureArgs,

    /// distinct keys counted exactly; past this, a Space-Saving top-k of this size
    #[arg(long = "max-keys", help_heading = "Traffic", value_name = "N", default_value_t = 1_000_000, value_parser = at_least_one::<u64>)]
    pub(crate) max_keys: u64,

    /// with --input: threads counting keys (1: the reading thread alone; default: one per core, up to 4)
    #[arg(long = "threads", help_heading = "Traffic", value_name = "N", value_parser = clap::value_parser!(u64).range(1..=64))]
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
    /// keys SCAN asks for per call; they are looked at in 2 pipelined round trips, 2 in flight at once (the batch another client may wait behind)
    #[arg(long = "count", value_name = "N", default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub(crate) count: u64,

    /// only keys matching this glob (SCAN MATCH)
    #[arg(long = "match", value_name = "GLOB")]
    pub(crate) pattern: Option<String>,

    /// only keys of this type (SCAN TYPE): string, list, set, zset, hash, stream or a module type
    #[arg(long = "type", value_name = "TYPE", value_parser = scan_type)]
    pub(crate) kind: Option<String>,

    /// MEMORY USAGE SAMPLES for collections (0: every element, exact but slow on big keys)
    // `--samples` was its name before `--sample` (keys per node) made the pair confusing:
    // kept as a hidden alias so scripts keep working.
    #[arg(
        long = "memory-samples",
        alias = "samples",
        value_name = "N",
        default_value_t = 5
    )]
    pub(crate) memory_samples: u64,

    /// skip the lengths (STRLEN, LLEN, ...): on servers without CLIENT NO-TOUCH (before Redis/Valkey 7.2) they touch each key's LRU/LFU; lengths are then null and there are no big-collection findings
    #[arg(long = "no-lengths")]
    pub(crate) no_lengths: bool,

    /// also read each key's OBJECT ENCODING
    #[arg(long = "encoding")]
    pub(crate) encoding: bool,

    /// most keys per second, over all nodes together, in small batches spaced evenly
    #[arg(long = "rate", value_name = "KEYS_PER_SEC", value_parser = at_least_one::<u64>)]
    pub(crate) rate: Option<u64>,

    /// back off while a node's PING latency (side probe) is above this (2ms: the p95 at which cache runbooks warn)
    #[arg(long = "max-latency", value_name = "DURATION", default_value = "2ms", value_parser = nonzero_duration)]
    pub(crate) max_latency: std::time::Duration,

    /// scan one replica of each master instead of the masters (sends READONLY in a cluster)
    #[arg(long = "replicas")]
    pub(crate) replicas: bool,

    /// stop after N keys per node and extrapolate the totals to DBSIZE
    #[arg(long = "sample", value_name = "N", value_parser = at_least_one::<u64>)]
    pub(crate) sample: Option<u64>,

    /// resume a one-node scan from this cursor (an interrupted scan prints it)
    #[arg(long = "cursor", value_name = "CURSOR")]
    pub(crate) cursor: Option<u64>,
}

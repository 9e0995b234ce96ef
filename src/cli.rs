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

//! The keyspace walker behind `bigkeys`, `keyspace` and `patterns --scan`: SCAN on every
//! node concurrently, and per batch one pipelined round trip that asks TYPE, MEMORY
//! USAGE (with SAMPLES), PTTL and (when asked) OBJECT ENCODING of the keys the previous
//! SCAN returned, the length (STRLEN/LLEN/SCARD/ZCARD/HLEN/XLEN) of the keys typed in the
//! round before (unless `--no-lengths`), and the next SCAN. Never KEYS, never a value
//! read. The lengths are the only commands that would update a key's LRU/LFU data, so
//! the walk's connection sends `CLIENT NO-TOUCH ON` first (Redis/Valkey 7.2+); where the
//! node has none, its report says the lengths touched the keys.
//!
//! `hotkeys --method lfu` walks the same way with OBJECT FREQ in place of the key facts.
//!
//! Protection: a schedule shared by all nodes (`--rate`, `pace.rs`) that spaces small
//! batches evenly (`paced_count`), and per node the
//! latency guard (`probe.rs`): while the side probe's recent PING latency is above
//! `--max-latency` the node's batches halve and a pause precedes each one, and they grow
//! back when it falls under half of it. Keys that are gone (or changed type) between SCAN
//! and the pipeline are counted as vanished; any other error reply about a key
//! (CLUSTERDOWN, LOADING, NOPERM, ...) ends the node's walk as a node error.
//!
//! This file is the walk as callers see it (settings, messages, how each node went) and
//! starts it; `node.rs` is one node's walk, `round.rs` one round trip of it. Must not: read
//! values, send KEYS, analyse.

mod node;
mod round;

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use super::pace::Bucket;
use super::stop::Stop;
use crate::endpoint::{ConnectOptions, Endpoint};
use crate::error::Error;
use crate::parse::keyfacts::{KeyInfo, NodeMemory};

#[derive(Debug, Clone)]
pub(crate) struct WalkSettings {
    /// SCAN COUNT.
    pub(crate) count: u64,
    pub(crate) pattern: Option<String>,
    pub(crate) kind: Option<String>,
    /// MEMORY USAGE SAMPLES (0: every element).
    pub(crate) samples: u64,
    /// Ask each key's length (STRLEN, LLEN, ...); `--no-lengths` turns it off.
    pub(crate) lengths: bool,
    pub(crate) encoding: bool,
    /// Keys per second over all nodes.
    pub(crate) rate: Option<u64>,
    pub(crate) max_latency: Duration,
    /// Stop after this many keys per node.
    pub(crate) sample: Option<u64>,
    /// Start from this cursor (one node).
    pub(crate) cursor: Option<u64>,
    /// Send READONLY first (cluster replicas).
    pub(crate) readonly: bool,
    /// Ask OBJECT FREQ (LFU counters) instead of the key facts; the node's policy must be
    /// an LFU one.
    pub(crate) lfu: bool,
}

/// How one node's walk went.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub(crate) struct NodeWalk {
    pub(crate) node: String,
    pub(crate) dbsize: u64,
    /// Keys SCAN returned that were looked at (their facts delivered, or found vanished).
    #[serde(rename = "keys_scanned")]
    pub(crate) scanned: u64,
    /// Keys gone or changed type before they could be looked at.
    #[serde(rename = "keys_vanished")]
    pub(crate) vanished: u64,
    pub(crate) complete: bool,
    /// Stopped by `--sample`.
    pub(crate) sampled: bool,
    /// Where to resume with `--cursor` (0 when complete).
    pub(crate) cursor: u64,
    pub(crate) error: Option<String>,
    pub(crate) round_trips: u64,
    /// Rounds that waited because the node's latency was above `--max-latency`.
    pub(crate) latency_backoffs: u64,
    /// The side probe's PING latency during the walk.
    pub(crate) probe_p50_ms: Option<f64>,
    pub(crate) probe_p99_ms: Option<f64>,
    pub(crate) probe_max_ms: Option<f64>,
    /// How long the node's walk took.
    #[serde(rename = "elapsed_ms", serialize_with = "crate::show::ms::from_secs")]
    pub(crate) elapsed_secs: f64,
    /// What the node said about itself when the walk opened.
    #[serde(flatten)]
    pub(crate) server: NodeServer,
    #[serde(skip)]
    pub(crate) memory: Option<NodeMemory>,
}

/// What the walk learned of the node itself when it opened.
#[derive(Debug, Clone, Default, Serialize, schemars::JsonSchema)]
pub(crate) struct NodeServer {
    /// `master` or `replica`, as the node says (INFO replication); null when it would not
    /// say. With `--replicas`, a `master` here means there was no replica to scan instead.
    pub(crate) role: Option<&'static str>,
    /// The length commands (STRLEN, LLEN, SCARD, ZCARD, HLEN, XLEN) updated the scanned
    /// keys' LRU/LFU data, as any read does: the node has no `CLIENT NO-TOUCH` (Redis and
    /// Valkey before 7.2) or refused it (ACL). TYPE, MEMORY USAGE, PTTL and OBJECT never
    /// touch; `--no-lengths` leaves the lengths out.
    pub(crate) lengths_touched_keys: bool,
    /// The walk got past opening (connected, DBSIZE answered): whatever happened next, the
    /// node has a part in the report.
    #[serde(skip)]
    pub(crate) opened: bool,
}

impl NodeWalk {
    fn new(ep: &Endpoint, cursor: u64) -> NodeWalk {
        NodeWalk {
            node: ep.to_string(),
            dbsize: 0,
            scanned: 0,
            vanished: 0,
            complete: false,
            sampled: false,
            cursor,
            error: None,
            round_trips: 0,
            latency_backoffs: 0,
            probe_p50_ms: None,
            probe_p99_ms: None,
            probe_max_ms: None,
            elapsed_secs: 0.0,
            server: NodeServer::default(),
            memory: None,
        }
    }
}

/// What node tasks send while they walk.
pub(crate) enum Msg {
    /// The node's DBSIZE, once, before its first batch.
    Size(u64),
    Keys(Vec<KeyInfo>),
    /// With `lfu`: (key, LFU counter, node).
    Freqs(Vec<(Vec<u8>, u8, u16)>),
}

impl Msg {
    /// A batch with nothing in it (every key vanished, or a round with no keys to look at).
    fn is_empty(&self) -> bool {
        match self {
            Msg::Keys(v) => v.is_empty(),
            Msg::Freqs(v) => v.is_empty(),
            Msg::Size(_) => false,
        }
    }
}

/// A running walk: messages from every node, and the tasks that end with each node's
/// [`NodeWalk`] (by node index).
pub(crate) struct Walk {
    pub(crate) rx: mpsc::Receiver<Msg>,
    pub(crate) tasks: Tasks,
}

/// The node tasks: each ends with its node's index, how its walk went, and the error that
/// ended it early.
pub(crate) type Tasks = JoinSet<(u16, NodeWalk, Option<Error>)>;

/// Under `--rate`, the time each round trip's batch spans: a node looks at
/// `rate × PACED_EVERY` keys per round trip (at least `PACED_MIN_BATCH`), one round trip
/// every `PACED_EVERY`. The smaller the batch, the shorter the server's busy spell another
/// client may wait behind; at 50,000 keys/s a batch is 20 keys.
pub(crate) const PACED_EVERY: Duration = Duration::from_micros(400);
/// The smallest batch under `--rate` (below it, round trips cost more than the keys).
pub(crate) const PACED_MIN_BATCH: u64 = 10;

/// The SCAN COUNT of each of `nodes` under `--rate`: `node::DEPTH` batches of
/// `PACED_EVERY`'s share of the node's part of the rate (at least `PACED_MIN_BATCH`), at
/// most `--count`.
pub(crate) fn paced_count(count: u64, rate: u64, nodes: usize) -> u64 {
    let per_node = rate as f64 / nodes.max(1) as f64;
    let batch = ((per_node * PACED_EVERY.as_secs_f64()).round() as u64).max(PACED_MIN_BATCH);
    (batch * node::DEPTH as u64).min(count.max(1))
}

/// Starts walking every node. The stop switch ends the walk early: each node finishes
/// its in-flight keys and reports the cursor to resume from.
pub(crate) fn start(nodes: &[Endpoint], o: &ConnectOptions, s: &WalkSettings, stop: &Stop) -> Walk {
    let (tx, rx) = mpsc::channel(64);
    let mut settings = s.clone();
    if let Some(r) = s.rate {
        settings.count = paced_count(s.count, r, nodes.len());
    }
    let shared = node::Shared {
        settings: Arc::new(settings),
        options: o.clone(),
        tx,
        stop: stop.clone(),
        bucket: s.rate.map(|r| Arc::new(Bucket::new(r))),
    };
    let mut tasks = JoinSet::new();
    for (i, ep) in nodes.iter().enumerate() {
        tasks.spawn(node::walk(i as u16, ep.clone(), shared.clone()));
    }
    Walk { rx, tasks }
}

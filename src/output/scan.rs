//! The lines every keyspace-scan report starts with (`bigkeys`, `keyspace`,
//! `patterns --scan`): what was scanned, how fast, how each node went. Knows reports, not
//! sockets.
//!
//! Their JSON fields (flattened into each document): `keys_scanned`, `keys_vanished`,
//! `dbsize`, `elapsed_ms`, `keys_per_sec`, `settings`,
//! `nodes` (per node: keys, cursor, error, role, whether the lengths touched the keys'
//! LRU/LFU, round trips, latency backoffs, PING latency),
//! `extrapolation` (with `--sample`).

use schemars::JsonSchema;
use serde::Serialize;

use super::{Completeness, StopReason};
use crate::analysis::census::Extrapolation;
use crate::source::walker::{NodeWalk, WalkSettings};
use crate::units::count;

/// The walk's settings, as reported.
#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct ScanSettings {
    count: u64,
    #[serde(rename = "match")]
    pattern: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    /// MEMORY USAGE SAMPLES (`--memory-samples`).
    memory_samples: u64,
    /// false with `--no-lengths`.
    lengths: bool,
    rate_keys_per_sec: Option<u64>,
    max_latency_ms: f64,
    replicas: bool,
    sample_per_node: Option<u64>,
    start_cursor: Option<u64>,
}

impl From<&WalkSettings> for ScanSettings {
    fn from(a: &WalkSettings) -> Self {
        ScanSettings {
            count: a.count,
            pattern: a.pattern.clone(),
            kind: a.kind.clone(),
            memory_samples: a.samples,
            lengths: a.lengths,
            rate_keys_per_sec: a.rate,
            max_latency_ms: a.max_latency.as_secs_f64() * 1000.0,
            replicas: a.readonly,
            sample_per_node: a.sample,
            start_cursor: a.cursor,
        }
    }
}

/// How the scan went, for every report.
#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct ScanReport {
    /// Every node walked to its end (its share of the envelope's `complete`).
    #[serde(skip)]
    pub(crate) complete: bool,
    #[serde(skip)]
    pub(crate) interrupted: bool,
    pub(crate) keys_scanned: u64,
    pub(crate) keys_vanished: u64,
    pub(crate) dbsize: u64,
    #[serde(rename = "elapsed_ms", serialize_with = "crate::show::ms::from_secs")]
    #[schemars(rename = "elapsed_ms", with = "f64")]
    pub(crate) elapsed_secs: f64,
    pub(crate) keys_per_sec: f64,
    pub(crate) settings: ScanSettings,
    pub(crate) nodes: Vec<NodeWalk>,
    /// With `--sample`: totals extrapolated to DBSIZE.
    pub(crate) extrapolation: Option<Extrapolation>,
}

impl ScanReport {
    /// Ctrl-C, then a failed node, then `--sample`.
    pub(crate) fn completeness(&self) -> Completeness {
        Completeness::from_reasons(&[
            (self.interrupted, StopReason::Interrupted),
            (
                self.nodes.iter().any(|n| n.error.is_some()),
                StopReason::NodeLost,
            ),
            (self.nodes.iter().any(|n| n.sampled), StopReason::Sample),
            (!self.complete, StopReason::NodeLost),
        ])
    }
}

/// The lines every scan report starts with, for tables.
pub(crate) fn summary(s: &ScanReport) -> String {
    let mut out = format!(
        "{} keys scanned of {} (DBSIZE) on {} node{} in {:.1}s, {} keys/s; {} vanished during the scan{}\n",
        count(s.keys_scanned as f64),
        count(s.dbsize as f64),
        s.nodes.len(),
        if s.nodes.len() == 1 { "" } else { "s" },
        s.elapsed_secs,
        count(s.keys_per_sec),
        s.keys_vanished,
        if s.complete { "" } else { "; INCOMPLETE" }
    );
    for n in &s.nodes {
        let probe = match (n.probe_p99_ms, n.probe_max_ms) {
            (Some(p99), Some(max)) => format!("; PING p99 {p99:.2}ms, max {max:.2}ms"),
            _ => String::new(),
        };
        let master = if s.settings.replicas && n.server.role == Some("master") {
            " (a master: --replicas found no replica)"
        } else {
            ""
        };
        let state = if let Some(e) = &n.error {
            format!("FAILED at cursor {}: {e}", n.cursor)
        } else if n.sampled {
            format!("sampled (--sample), cursor {}", n.cursor)
        } else if !n.complete {
            format!("stopped, resume with --cursor {}", n.cursor)
        } else {
            "complete".to_string()
        };
        out.push_str(&format!(
            "  {}{master}: {} keys, {} round trip{}, {} latency backoff{}{probe}; {state}\n",
            n.node,
            count(n.scanned as f64),
            n.round_trips,
            if n.round_trips == 1 { "" } else { "s" },
            n.latency_backoffs,
            if n.latency_backoffs == 1 { "" } else { "s" },
        ));
    }
    let touched: Vec<&str> = s
        .nodes
        .iter()
        .filter(|n| n.server.lengths_touched_keys)
        .map(|n| n.node.as_str())
        .collect();
    if !touched.is_empty() {
        out.push_str(&format!(
            "  lengths (STRLEN, LLEN, SCARD, ZCARD, HLEN, XLEN) touched the keys' LRU/LFU on {} (no CLIENT NO-TOUCH before Redis/Valkey 7.2); --no-lengths skips them\n",
            touched.join(", ")
        ));
    }
    if !s.settings.lengths {
        out.push_str(
            "  lengths skipped (--no-lengths): no lengths, so no big-collection findings\n",
        );
    }
    if let Some(e) = &s.extrapolation {
        out.push_str(&format!(
            "  extrapolated from {} sampled keys to {} keys: memory {} ± {} (95%)\n",
            count(e.sampled_keys as f64),
            count(e.total_keys as f64),
            crate::units::bytes(e.memory_bytes.estimate as u64),
            crate::units::bytes(e.memory_bytes.ci95 as u64),
        ));
    }
    out
}

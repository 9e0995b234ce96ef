//! The `stats` report: rows printed as each round of INFO polls arrives (a vmstat-like
//! table, or one NDJSON line per row), and the JSON document at the end. Knows reports,
//! not sockets.

use serde::Serialize;

use super::stream::{Column, Streamed};
use super::style::Tone;
use super::{Completeness, Report};
use crate::analysis::rates::{RowStatus, StatsRow};
use crate::source::discover::NodeSpec;
use crate::units::{bytes, count, or_dash, pct};

/// `cachestorm stats`.
///
/// # Format
///
/// JSON (`cachestorm.stats/v1`): `interval_ms`, `nodes` (node, role, cluster id, version,
/// last error),
/// `samples` (one row per node and interval, plus a `total` row with several nodes: time,
/// node, role, status, rates `*_per_sec`, `hit_pct`, memory, clients, keys, replication
/// lag, flags, reason). NDJSON: one line per element of `samples`, printed as it comes.
#[derive(Serialize, schemars::JsonSchema)]
pub(crate) struct StatsReport {
    #[serde(skip)]
    pub(crate) completeness: Completeness,
    pub(crate) interval_ms: u64,
    pub(crate) nodes: Vec<NodeReport>,
    pub(crate) samples: Vec<StatsRow>,
}

#[derive(Serialize, schemars::JsonSchema)]
pub(crate) struct NodeReport {
    #[serde(flatten)]
    pub(crate) spec: NodeSpec,
    pub(crate) version: Option<String>,
    /// The last error of a node that missed a poll; null when it answered every one.
    pub(crate) error: Option<String>,
}

impl Report for StatsReport {
    const SCHEMA: &'static str = "stats";
    type Record = StatsRow;

    fn records(&self) -> &[StatsRow] {
        &self.samples
    }

    fn table(&self) -> String {
        let mut t = super::stream::StreamTable::new(StatsRows::columns(), false);
        let mut out = Vec::new();
        for r in &self.samples {
            // Writing to memory cannot fail.
            let _ = t.row(&mut out, &StatsRows::cells(r));
        }
        String::from_utf8_lossy(&out).into_owned()
    }

    fn completeness(&self) -> Completeness {
        self.completeness
    }
}

/// How `stats` rows print as they arrive.
pub(crate) struct StatsRows;

impl Streamed for StatsRows {
    type Row = StatsRow;

    fn columns() -> Vec<Column> {
        let col = |header, width, left| Column {
            header,
            width,
            left,
        };
        vec![
            col("time", 8, true),
            col("node", 21, true),
            col("role", 7, true),
            col("ops/s", 7, false),
            col("hit%", 6, false),
            col("miss/s", 7, false),
            col("exp/s", 6, false),
            col("evict/s", 7, false),
            col("in/s", 7, false),
            col("out/s", 7, false),
            col("mem", 7, false),
            col("mem%", 6, false),
            col("frag", 5, false),
            col("clients", 7, false),
            col("blk", 4, false),
            col("keys", 7, false),
            col("lag", 10, false),
            col("status", 6, true),
        ]
    }

    fn cells(r: &StatsRow) -> Vec<(String, Tone)> {
        cells(r)
    }
}

fn cells(r: &StatsRow) -> Vec<(String, Tone)> {
    let plain = |s: String| (s, Tone::Plain);
    let rate = |v: Option<f64>| plain(or_dash(v, count));
    let kbps = |v: Option<f64>| plain(or_dash(v, |b| bytes(b as u64)));
    let time = chrono::DateTime::parse_from_rfc3339(&r.time)
        .map(|t| {
            t.with_timezone(&chrono::Local)
                .format("%H:%M:%S")
                .to_string()
        })
        .unwrap_or_default();
    let lag = match (r.repl_lag_bytes, r.repl_lag_secs) {
        (None, None) => "-".to_string(),
        (b, s) => format!("{}/{}", or_dash(b, bytes), or_dash(s, |s| format!("{s}s"))),
    };
    let mut status = r.status.to_string();
    if !r.flags.is_empty() {
        status = format!("{status},{}", r.flags.join(","));
    }
    if let Some(why) = r.reason.as_ref().or(r.error.as_ref()) {
        status = format!("{status}: {why}");
    }
    let tone = match r.status {
        RowStatus::Down => Tone::Bad,
        RowStatus::Reset => Tone::Warn,
        _ if !r.flags.is_empty() => Tone::Warn,
        _ => Tone::Plain,
    };
    vec![
        plain(time),
        plain(r.node.clone()),
        plain(r.role.clone().unwrap_or_default()),
        rate(r.ops_per_sec),
        plain(or_dash(r.hit_pct, pct)),
        rate(r.misses_per_sec),
        rate(r.expired_per_sec),
        rate(r.evicted_per_sec),
        kbps(r.net_in_bytes_per_sec),
        kbps(r.net_out_bytes_per_sec),
        plain(or_dash(r.used_memory_bytes, bytes)),
        plain(or_dash(r.used_memory_pct, pct)),
        plain(or_dash(r.fragmentation_ratio, |f| format!("{f:.2}"))),
        plain(or_dash(r.connected_clients, |c| count(c as f64))),
        plain(or_dash(r.blocked_clients, |c| count(c as f64))),
        plain(or_dash(r.keys, |c| count(c as f64))),
        plain(lag),
        (status, tone),
    ]
}

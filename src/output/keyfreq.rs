//! The MONITOR-free `hotkeys` reports: keys by LFU counter (`--method lfu`) and slots by
//! CLUSTER SLOT-STATS (`--method slot-stats`): their documents and tables. Knows reports,
//! not sockets.

use serde::Serialize;

use super::table::{Col, Table};
use super::{Completeness, NodeRef, Report, View};
use crate::analysis::keyfreq::{LfuKey, SlotReport, SlotRow};
use crate::units::{bytes, count, micros, or_dash, pct};

/// `cachestorm hotkeys --method lfu`.
///
/// # Format
///
/// JSON (`cachestorm.hotkeys.lfu/v1`): `nodes`, `keys_scanned`, `keys` (key, LFU counter `freq` 0–255, node; highest first).
/// NDJSON: one line per element of `keys`.
#[derive(Serialize, schemars::JsonSchema)]
pub(crate) struct LfuDoc {
    #[serde(skip)]
    pub(crate) completeness: Completeness,
    /// The masters walked.
    pub(crate) nodes: Vec<NodeRef>,
    pub(crate) keys_scanned: u64,
    pub(crate) keys: Vec<LfuKey>,
}

impl Report for LfuDoc {
    const SCHEMA: &'static str = "hotkeys.lfu";
    type Record = LfuKey;

    fn records(&self) -> &[LfuKey] {
        &self.keys
    }

    fn table(&self, view: &View) -> String {
        let mut t = Table::new(vec![
            Col::num("#"),
            Col::text("key"),
            Col::num("lfu"),
            Col::label("node").drop(1),
        ]);
        for (i, k) in self.keys.iter().enumerate() {
            t.row(vec![
                (i + 1).to_string(),
                k.key.clone(),
                k.freq.to_string(),
                k.node.clone(),
            ]);
        }
        let names: Vec<&str> = self.nodes.iter().map(|n| n.node.as_str()).collect();
        format!(
            "{}: {} keys scanned{}; LFU counters are logarithmic (0-255) and decay\n\n{}",
            names.join(", "),
            count(self.keys_scanned as f64),
            if self.completeness.complete {
                ""
            } else {
                " (INCOMPLETE)"
            },
            t.render(view)
        )
    }

    fn completeness(&self) -> Completeness {
        self.completeness
    }
}

/// `cachestorm hotkeys --method slot-stats`.
///
/// # Format
///
/// JSON (`cachestorm.hotkeys.slots/v1`): `ordered_by`
/// (`cpu-usec` when the server collects it, else `key-count`), `slots` (the hottest
/// slots: slot, node, keys, `cpu_ms`, `net_in_bytes`, `net_out_bytes`, share), `nodes` (each node's
/// slots, keys and share). NDJSON: one line per element of `slots`. The table shows the
/// CPU time and network bytes as a duration and sizes.
#[derive(Serialize, schemars::JsonSchema)]
pub(crate) struct SlotDoc {
    #[serde(flatten)]
    pub(crate) report: SlotReport,
}

impl Report for SlotDoc {
    const SCHEMA: &'static str = "hotkeys.slots";
    type Record = SlotRow;

    fn records(&self) -> &[SlotRow] {
        &self.report.slots
    }

    fn table(&self, view: &View) -> String {
        let report = &self.report;
        let mut out = format!(
            "hottest slots by {} (CLUSTER SLOT-STATS){}\n\n",
            report.ordered_by,
            if report.ordered_by == "key-count" {
                "; set cluster-slot-stats-enabled yes for cpu-usec and network bytes"
            } else {
                ""
            }
        );
        let mut t = Table::new(vec![
            Col::num("slot"),
            Col::label("node"),
            Col::num("share"),
            Col::num("keys"),
            Col::num("cpu time").drop(2),
            Col::num("net in").drop(1),
            Col::num("net out").drop(1),
        ]);
        for s in &report.slots {
            t.row(vec![
                s.slot.to_string(),
                s.node.clone(),
                pct(s.share_pct),
                count(s.key_count as f64),
                or_dash(s.cpu_usec, micros),
                or_dash(s.network_bytes_in, bytes),
                or_dash(s.network_bytes_out, bytes),
            ]);
        }
        out.push_str(&t.render(view));
        let mut n = Table::new(vec![
            Col::label("node"),
            Col::num("share"),
            Col::num("slots"),
            Col::num("keys"),
        ]);
        for l in &report.nodes {
            n.row(vec![
                l.node.clone(),
                pct(l.share_pct),
                l.slots.to_string(),
                count(l.key_count as f64),
            ]);
        }
        out.push('\n');
        out.push_str(&n.render(view));
        out
    }

    fn completeness(&self) -> Completeness {
        Completeness::done()
    }
}

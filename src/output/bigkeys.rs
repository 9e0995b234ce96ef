//! The `bigkeys` report: its document and table. Knows reports, not sockets.

use serde::Serialize;

use super::scan::summary;
use super::scan::ScanReport;
use super::table::{Col, Table};
use super::{Completeness, Report, View};
use crate::analysis::census::{finding_rules, BigKey, BigkeysReport};
use crate::units::{bytes, count, decimal, or_dash, pct, secs};

/// `cachestorm bigkeys`.
///
/// # Format
///
/// JSON (`cachestorm.bigkeys/v1`), after the envelope (docs/JSON.md): the scan's fields
/// (`keys_scanned`, `keys_vanished`, `dbsize`, `elapsed_ms`, `keys_per_sec`, `settings`,
/// `nodes` with each node's cursor, error and PING latency, `extrapolation` with
/// `--sample`), then the report's: `keys_counted`, `memory_bytes`, `top` (the biggest
/// keys by MEMORY USAGE), `top_by_type`, `types`, `per_node`, `size_percentiles`,
/// `findings`. NDJSON: one line per element of `top`.
#[derive(Serialize, schemars::JsonSchema)]
pub(crate) struct BigkeysDoc<'a> {
    #[serde(flatten)]
    pub(crate) scan: &'a ScanReport,
    #[serde(flatten)]
    pub(crate) report: &'a BigkeysReport,
}

impl Report for BigkeysDoc<'_> {
    const SCHEMA: &'static str = "bigkeys";
    type Record = BigKey;

    fn records(&self) -> &[BigKey] {
        &self.report.top
    }

    fn table(&self, view: &View) -> String {
        text(self.scan, self.report, view)
    }

    fn completeness(&self) -> Completeness {
        self.scan.completeness()
    }
}

fn length(k: &BigKey) -> String {
    match k.length {
        Some(n) => format!("{} {}", count(n as f64), k.length_unit),
        None => "-".into(),
    }
}

fn ttl(ms: Option<u64>) -> String {
    or_dash(ms, |ms| secs(ms / 1000))
}

fn text(s: &ScanReport, r: &BigkeysReport, view: &View) -> String {
    let mut out = summary(s);
    out.push('\n');
    if r.keys_counted == 0 {
        out.push_str("no keys to report\n");
        return out;
    }
    out.push_str(&top_table(r, view));
    out.push_str(&types_table(r, view));
    if r.per_node.len() > 1 {
        out.push_str(&nodes_table(r, view));
    }
    let p = &r.size_percentiles;
    out.push_str(&format!(
        "\nkey size: p50 {}  p90 {}  p99 {}  p99.9 {}  max {}  (total {})\n",
        bytes(p.p50_bytes),
        bytes(p.p90_bytes),
        bytes(p.p99_bytes),
        bytes(p.p99_9_bytes),
        bytes(p.max_bytes),
        bytes(r.memory_bytes)
    ));
    out.push_str(&findings(r, view));
    out
}

fn top_table(r: &BigkeysReport, view: &View) -> String {
    // The encoding column only when it was asked for (--encoding).
    let enc = r.top.iter().any(|k| k.encoding.is_some());
    let mut cols = vec![
        Col::num("#"),
        Col::text("key"),
        Col::label("type"),
        Col::num("memory"),
        Col::num("length").drop(2),
    ];
    if enc {
        cols.push(Col::label("encoding").drop(1));
    }
    cols.extend([Col::label("ttl").drop(3), Col::label("node").drop(4)]);
    let mut t = Table::new(cols);
    for (i, k) in r.top.iter().enumerate() {
        let mut row = vec![
            (i + 1).to_string(),
            k.key.clone(),
            k.kind.clone(),
            bytes(k.memory_bytes),
            length(k),
        ];
        if enc {
            row.push(k.encoding.clone().unwrap_or_else(|| "-".into()));
        }
        row.extend([ttl(k.ttl_ms), k.node.clone()]);
        t.row(row);
    }
    format!("biggest keys by memory (MEMORY USAGE)\n{}", t.render(view))
}

fn types_table(r: &BigkeysReport, view: &View) -> String {
    let mut t = Table::new(vec![
        Col::label("type"),
        Col::num("keys"),
        Col::num("% keys").drop(1),
        Col::num("memory"),
        Col::num("avg memory").drop(2),
        Col::num("avg length").drop(3),
        Col::text("biggest").drop(5),
        Col::num("its memory").drop(4),
    ]);
    for ty in &r.types {
        t.row(vec![
            ty.kind.clone(),
            count(ty.keys as f64),
            pct(ty.keys_pct),
            bytes(ty.memory_bytes),
            bytes(ty.avg_memory_bytes.round() as u64),
            or_dash(ty.avg_length, |l| {
                format!("{} {}", decimal(l), ty.length_unit)
            }),
            ty.biggest_key.clone().unwrap_or_else(|| "-".into()),
            or_dash(ty.biggest_memory_bytes, bytes),
        ]);
    }
    format!("\nper type\n{}", t.render(view))
}

fn nodes_table(r: &BigkeysReport, view: &View) -> String {
    let mut t = Table::new(vec![
        Col::label("node"),
        Col::num("keys"),
        Col::num("memory"),
        Col::num("% memory"),
        Col::num("with ttl").drop(1),
    ]);
    for n in &r.per_node {
        t.row(vec![
            n.node.clone(),
            count(n.keys as f64),
            bytes(n.memory_bytes),
            pct(n.memory_pct),
            bytes(n.ttl_memory_bytes),
        ]);
    }
    format!("\nper node\n{}", t.render(view))
}

fn findings(r: &BigkeysReport, view: &View) -> String {
    if r.findings.is_empty() {
        let rules: Vec<&str> = finding_rules().collect();
        return format!("\nno big collections: none of {}\n", rules.join(", "));
    }
    let mut out = "\nfindings\n".to_string();
    for f in &r.findings {
        let names: Vec<String> = f
            .examples
            .iter()
            .take(5)
            .map(|e| format!("{} ({})", view.text(&e.key), count(e.length as f64)))
            .collect();
        out.push_str(&format!(
            "  {}: {} key{}: {}{}\n",
            f.rule,
            count(f.keys as f64),
            if f.keys == 1 { "" } else { "s" },
            names.join(", "),
            if f.keys as usize > names.len() {
                ", ..."
            } else {
                ""
            }
        ));
    }
    out
}

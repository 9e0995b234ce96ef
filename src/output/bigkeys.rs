//! The `bigkeys` report: its document and table. Knows reports, not sockets.

use serde::Serialize;

use super::scan::summary;
use super::scan::ScanReport;
use super::table::{render, table};
use super::{Completeness, Report};
use crate::analysis::census::{finding_rules, BigKey, BigkeysReport};
use crate::units::{bytes, count, or_dash, pct, secs};

/// `cachestorm bigkeys`.
///
/// # Format
///
/// JSON (`cachestorm.bigkeys/v1`): the scan's fields (`complete`, `interrupted`,
/// `keys_scanned`, `keys_vanished`, `dbsize`, `elapsed_secs`, `keys_per_sec`, `settings`,
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

    fn table(&self) -> String {
        text(self.scan, self.report)
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

fn text(s: &ScanReport, r: &BigkeysReport) -> String {
    let mut out = summary(s);
    out.push('\n');
    if r.keys_counted == 0 {
        out.push_str("no keys to report\n");
        return out;
    }
    out.push_str(&top_table(r));
    out.push_str(&types_table(r));
    if r.per_node.len() > 1 {
        out.push_str(&nodes_table(r));
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
    out.push_str(&findings(r));
    out
}

fn top_table(r: &BigkeysReport) -> String {
    // The encoding column only when it was asked for (--encoding).
    let enc = r.top.iter().any(|k| k.encoding.is_some());
    let mut headers = vec!["#", "key", "type", "memory", "length"];
    if enc {
        headers.push("encoding");
    }
    headers.extend(["ttl", "node"]);
    let mut t = table(&headers, &["#", "memory", "length"]);
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
        t.add_row(row);
    }
    format!("biggest keys by memory (MEMORY USAGE)\n{}", render(&t))
}

fn types_table(r: &BigkeysReport) -> String {
    let mut t = table(
        &[
            "type",
            "keys",
            "% keys",
            "memory",
            "avg memory",
            "avg length",
            "biggest",
            "its memory",
        ],
        &[
            "keys",
            "% keys",
            "memory",
            "avg memory",
            "avg length",
            "its memory",
        ],
    );
    for ty in &r.types {
        t.add_row(vec![
            ty.kind.clone(),
            count(ty.keys as f64),
            pct(ty.keys_pct),
            bytes(ty.memory_bytes),
            bytes(ty.avg_memory_bytes.round() as u64),
            or_dash(ty.avg_length, |l| {
                format!("{} {}", count(l), ty.length_unit)
            }),
            ty.biggest_key.clone().unwrap_or_else(|| "-".into()),
            or_dash(ty.biggest_memory_bytes, bytes),
        ]);
    }
    format!("\nper type\n{}", render(&t))
}

fn nodes_table(r: &BigkeysReport) -> String {
    let mut t = table(
        &["node", "keys", "memory", "% memory", "with ttl"],
        &["keys", "memory", "% memory", "with ttl"],
    );
    for n in &r.per_node {
        t.add_row(vec![
            n.node.clone(),
            count(n.keys as f64),
            bytes(n.memory_bytes),
            pct(n.memory_pct),
            bytes(n.ttl_memory_bytes),
        ]);
    }
    format!("\nper node\n{}", render(&t))
}

fn findings(r: &BigkeysReport) -> String {
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
            .map(|e| format!("{} ({})", e.key, count(e.length as f64)))
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

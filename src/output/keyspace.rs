//! The `keyspace` report and the keyspace `patterns --scan` report: their documents and
//! tables (memory by pattern, TTLs, expiry cliffs and busiest minutes, memory headroom).
//! Knows reports, not sockets.

use serde::Serialize;

use super::scan::summary;
use super::scan::ScanReport;
use super::table::{Col, Table};
use super::{Completeness, Report, View};
use crate::analysis::census::{Headroom, KeyspaceReport, PatternMemory};
use crate::units::{bytes, count, or_dash, pct, secs};

/// `cachestorm keyspace`.
///
/// # Format
///
/// JSON (`cachestorm.keyspace/v1`): the scan's fields (as in `bigkeys`), then
/// `keys_counted`, `memory_bytes`, `ttl` (keys and bytes with and without a TTL, beyond
/// the horizon), `patterns` (keys, memory, shares, TTL coverage, expiry concentration, TTL
/// p10–p90 per pattern), `horizon_ms`, `cliff_pct`, `cliff_min_keys`,
/// `expiry_timeline` (every non-empty minute), `cliffs`, and `headroom` per node.
/// NDJSON: one line per element of `patterns`.
#[derive(Serialize, schemars::JsonSchema)]
pub(crate) struct KeyspaceDoc<'a> {
    #[serde(flatten)]
    pub(crate) scan: &'a ScanReport,
    #[serde(flatten)]
    pub(crate) report: &'a KeyspaceReport,
    pub(crate) headroom: &'a [Headroom],
}

impl Report for KeyspaceDoc<'_> {
    const SCHEMA: &'static str = "keyspace";
    type Record = PatternMemory;

    fn records(&self) -> &[PatternMemory] {
        &self.report.patterns
    }

    fn table(&self, view: &View) -> String {
        let mut text = summary(self.scan);
        text.push('\n');
        if self.report.keys_counted == 0 {
            text.push_str("no keys to report\n");
        } else {
            text.push_str(&patterns_table(&self.report.patterns, view));
            text.push_str(&expiry_text(self.report, view));
        }
        text.push_str(&headroom_table(self.headroom, view));
        text
    }

    fn completeness(&self) -> Completeness {
        self.scan.completeness()
    }
}

/// `cachestorm patterns --scan`: the keyspace's pattern table.
///
/// # Format
///
/// JSON (`cachestorm.patterns.scan/v1`): `mode` (`scan`), the scan's fields (as in `bigkeys`),
/// `keys_counted`, `memory_bytes`, `patterns` (as in `keyspace`). NDJSON: one line per
/// element of `patterns`.
#[derive(Serialize, schemars::JsonSchema)]
pub(crate) struct ScanPatternsDoc<'a> {
    pub(crate) mode: &'static str,
    #[serde(flatten)]
    pub(crate) scan: &'a ScanReport,
    pub(crate) keys_counted: u64,
    pub(crate) memory_bytes: u64,
    pub(crate) patterns: &'a [PatternMemory],
}

impl Report for ScanPatternsDoc<'_> {
    const SCHEMA: &'static str = "patterns.scan";
    type Record = PatternMemory;

    fn records(&self) -> &[PatternMemory] {
        self.patterns
    }

    fn table(&self, view: &View) -> String {
        summary(self.scan) + "\n" + &patterns_table(self.patterns, view)
    }

    fn completeness(&self) -> Completeness {
        self.scan.completeness()
    }
}

/// `2026-11-23T03:23:00.000Z` → `2026-11-23 03:23` (a minute, UTC).
fn minute(at: &str) -> String {
    match (at.get(0..10), at.get(11..16)) {
        (Some(day), Some(hm)) => format!("{day} {hm}"),
        _ => at.to_string(),
    }
}

/// Keys and memory per pattern (also `patterns --scan`).
fn patterns_table(rows: &[PatternMemory], view: &View) -> String {
    let mut t = Table::new(vec![
        Col::text("pattern"),
        Col::num("keys"),
        Col::num("% keys").drop(2),
        Col::num("memory"),
        Col::num("% memory").drop(3),
        Col::num("avg").drop(4),
        Col::num("no ttl").drop(5),
        Col::num("expiry conc."),
        Col::label("ttl p10-p90").drop(6),
        Col::text("example").drop(1),
    ]);
    for p in rows {
        t.row(vec![
            p.pattern.clone(),
            count(p.keys as f64),
            pct(p.keys_pct),
            bytes(p.memory_bytes),
            pct(p.memory_pct),
            bytes(p.avg_bytes.round() as u64),
            pct(p.no_ttl_pct),
            or_dash(p.expiry_concentration_pct, pct),
            match (p.ttl_p10_secs, p.ttl_p90_secs) {
                (Some(a), Some(b)) => format!("{}-{}", secs(a), secs(b)),
                _ => "-".into(),
            },
            p.example_key.clone(),
        ]);
    }
    format!(
        "memory by pattern (expiry conc.: largest share of the pattern's TTL keys due in one minute)\n{}",
        t.render(view)
    )
}

fn expiry_text(r: &KeyspaceReport, view: &View) -> String {
    let ttl = &r.ttl;
    let with = ttl.keys_with_ttl;
    let all = with + ttl.keys_without_ttl;
    let mut out = format!(
        "\n{} keys with a TTL ({} of the scanned keys, {}), {} without; {} expire after the {} horizon\n",
        count(with as f64),
        pct(crate::ratio::pct(with, all)),
        bytes(ttl.bytes_with_ttl),
        count(ttl.keys_without_ttl as f64),
        count(ttl.beyond_horizon_keys as f64),
        secs(u64::from(r.horizon_mins) * 60),
    );
    out.push_str(&cliffs_text(r, view));
    out.push_str(&busiest_minutes(r, view));
    out
}

fn cliffs_text(r: &KeyspaceReport, view: &View) -> String {
    if r.cliffs.is_empty() {
        return format!(
            "no expiry cliff: no minute holds {}% or more of the keys or bytes with a TTL (and {} keys or more)\n",
            r.cliff_pct, r.cliff_min_keys
        );
    }
    let mut t = Table::new(vec![
        Col::label("minute (UTC)"),
        Col::num("in"),
        Col::num("keys"),
        Col::num("% ttl keys").drop(1),
        Col::num("bytes"),
        Col::num("% ttl bytes").drop(2),
        Col::prose("patterns"),
    ]);
    for c in &r.cliffs {
        let ps: Vec<String> = c
            .patterns
            .iter()
            .take(3)
            .map(|p| format!("{} ({})", view.text(&p.pattern), count(p.keys as f64)))
            .collect();
        t.row(vec![
            minute(&c.at),
            secs(u64::from(c.minutes_from_start) * 60),
            count(c.keys as f64),
            pct(c.keys_pct),
            bytes(c.bytes),
            pct(c.bytes_pct),
            ps.join(", "),
        ]);
    }
    format!(
        "EXPIRY CLIFFS: minutes holding {}% or more of the keys or bytes with a TTL (mass expiration ahead)\n{}",
        r.cliff_pct,
        t.render(view)
    )
}

/// The busiest minutes, in time order.
fn busiest_minutes(r: &KeyspaceReport, view: &View) -> String {
    let mut busiest: Vec<_> = r.expiry_timeline.iter().collect();
    busiest.sort_by(|a, b| {
        b.keys
            .cmp(&a.keys)
            .then(a.minutes_from_start.cmp(&b.minutes_from_start))
    });
    busiest.truncate(10);
    busiest.sort_by_key(|m| m.minutes_from_start);
    if busiest.is_empty() {
        return String::new();
    }
    let mut t = Table::new(vec![
        Col::label("minute (UTC)"),
        Col::num("in"),
        Col::num("keys"),
        Col::num("bytes"),
    ]);
    for m in busiest {
        t.row(vec![
            minute(&m.at),
            secs(u64::from(m.minutes_from_start) * 60),
            count(m.keys as f64),
            bytes(m.bytes),
        ]);
    }
    format!(
        "\nbusiest expiry minutes (all {} non-empty minutes in JSON: .expiry_timeline)\n{}",
        r.expiry_timeline.len(),
        t.render(view)
    )
}

fn headroom_table(rows: &[Headroom], view: &View) -> String {
    if rows.is_empty() {
        return String::new();
    }
    let mut t = Table::new(vec![
        Col::label("node"),
        Col::num("used"),
        Col::num("maxmemory").drop(2),
        Col::num("used %"),
        Col::num("headroom"),
        Col::label("policy").drop(3),
        Col::num("evictable"),
        Col::prose("note").drop(1),
    ]);
    for h in rows {
        t.row(vec![
            h.node.clone(),
            bytes(h.used_memory_bytes),
            or_dash(h.maxmemory_bytes, bytes),
            or_dash(h.used_pct, pct),
            or_dash(h.headroom_bytes, bytes),
            h.policy.clone(),
            format!("{} ({})", bytes(h.evictable_bytes), pct(h.evictable_pct)),
            h.note.clone(),
        ]);
    }
    format!(
        "\nmemory headroom (evictable: scanned memory the policy may evict)\n{}",
        t.render(view)
    )
}

//! `cachestorm keyspace`: memory and TTLs per key pattern, the per-minute expiry
//! timeline and its cliffs, and memory headroom, from a throttled SCAN. `patterns --scan`
//! prints this command's pattern table.

use serde::Serialize;

use super::scan::{scan, summary, ScanReport, Scanned};
use super::Outcome;
use crate::analysis::census::{
    CensusConfig, ExpiryConfig, Headroom, KeyspaceReport, PatternMemory, TimelineConfig,
};
use crate::cli::{KeyspaceArgs, PatternRuleArgs, ScanArgs, TargetArgs};
use crate::error::{Error, Result};
use crate::output;
use crate::output::table::{render, table};
use crate::units::{bytes, count, or_dash, pct, secs};

#[derive(Serialize)]
struct Doc<'a> {
    #[serde(flatten)]
    scan: &'a ScanReport,
    #[serde(flatten)]
    report: &'a KeyspaceReport,
    headroom: &'a [Headroom],
}

/// Scans with the census set up for keyspace reports.
pub(crate) async fn gather(
    t: &TargetArgs,
    a: &ScanArgs,
    r: &PatternRuleArgs,
    timeline: Option<TimelineConfig>,
) -> Result<Scanned> {
    if let Some(cliff_pct) = timeline.as_ref().map(|tl| tl.cliff_pct) {
        if !(0.0..=100.0).contains(&cliff_pct) {
            return Err(Error::Usage(format!(
                "--cliff {cliff_pct}: a percentage from 0 to 100"
            )));
        }
    }
    let cfg = CensusConfig {
        top: 0,
        min_bytes: 0,
        expiry: Some(ExpiryConfig {
            start_ms: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as u64),
            timeline,
        }),
        nodes: Vec::new(),
    };
    scan(t, a, cfg, Some(super::traffic::rules(r)?)).await
}

pub(crate) async fn run(args: KeyspaceArgs) -> Result<Outcome> {
    let timeline = TimelineConfig {
        horizon_mins: (args.horizon.as_secs() / 60).clamp(1, u64::from(u32::MAX)) as u32,
        cliff_pct: args.cliff,
        cliff_min_keys: args.cliff_min_keys,
    };
    let s = gather(&args.target, &args.scan, &args.rules, Some(timeline)).await?;
    let report = s.census.keyspace(args.top);
    let headroom = s.census.headroom(&s.memory);
    let doc = Doc {
        scan: &s.scan,
        report: &report,
        headroom: &headroom,
    };
    output::emit(
        args.output.format(),
        "keyspace",
        &s.target,
        &doc,
        &report.patterns,
        || {
            let mut text = summary(&s.scan);
            text.push('\n');
            if report.keys_counted == 0 {
                text.push_str("no keys to report\n");
            } else {
                text.push_str(&patterns_table(&report.patterns));
                text.push_str(&expiry_text(&report));
            }
            text.push_str(&headroom_table(&headroom));
            text
        },
    )?;
    Ok(s.outcome())
}

/// Keys and memory per pattern (also `patterns --scan`).
pub(crate) fn patterns_table(rows: &[PatternMemory]) -> String {
    let mut t = table(
        &[
            "pattern",
            "keys",
            "% keys",
            "memory",
            "% memory",
            "avg",
            "no ttl",
            "expiry conc.",
            "ttl p10-p90",
            "example",
        ],
        &[
            "keys",
            "% keys",
            "memory",
            "% memory",
            "avg",
            "no ttl",
            "expiry conc.",
        ],
    );
    for p in rows {
        t.add_row(vec![
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
        render(&t)
    )
}

fn expiry_text(r: &KeyspaceReport) -> String {
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
    if r.cliffs.is_empty() {
        out.push_str(&format!(
            "no expiry cliff: no minute holds {}% or more of the keys or bytes with a TTL (and {} keys or more)\n",
            r.cliff_pct, r.cliff_min_keys
        ));
    } else {
        let mut t = table(
            &[
                "minute (UTC)",
                "in",
                "keys",
                "% ttl keys",
                "bytes",
                "% ttl bytes",
                "patterns",
            ],
            &["in", "keys", "% ttl keys", "bytes", "% ttl bytes"],
        );
        for c in &r.cliffs {
            let ps: Vec<String> = c
                .patterns
                .iter()
                .take(3)
                .map(|p| format!("{} ({})", p.pattern, count(p.keys as f64)))
                .collect();
            t.add_row(vec![
                c.at.clone(),
                secs(u64::from(c.minutes_from_start) * 60),
                count(c.keys as f64),
                pct(c.keys_pct),
                bytes(c.bytes),
                pct(c.bytes_pct),
                ps.join(", "),
            ]);
        }
        out.push_str(&format!(
            "EXPIRY CLIFFS: minutes holding {}% or more of the keys or bytes with a TTL (mass expiration ahead)\n{}",
            r.cliff_pct,
            render(&t)
        ));
    }
    // The busiest minutes, in time order.
    let mut busiest: Vec<_> = r.expiry_timeline.iter().collect();
    busiest.sort_by(|a, b| {
        b.keys
            .cmp(&a.keys)
            .then(a.minutes_from_start.cmp(&b.minutes_from_start))
    });
    busiest.truncate(10);
    busiest.sort_by_key(|m| m.minutes_from_start);
    if !busiest.is_empty() {
        let mut t = table(
            &["minute (UTC)", "in", "keys", "bytes"],
            &["in", "keys", "bytes"],
        );
        for m in busiest {
            t.add_row(vec![
                m.at.clone(),
                secs(u64::from(m.minutes_from_start) * 60),
                count(m.keys as f64),
                bytes(m.bytes),
            ]);
        }
        out.push_str(&format!(
            "\nbusiest expiry minutes (all {} non-empty minutes in JSON: .expiry_timeline)\n{}",
            r.expiry_timeline.len(),
            render(&t)
        ));
    }
    out
}

fn headroom_table(rows: &[Headroom]) -> String {
    if rows.is_empty() {
        return String::new();
    }
    let mut t = table(
        &[
            "node",
            "used",
            "maxmemory",
            "used %",
            "headroom",
            "policy",
            "evictable",
            "note",
        ],
        &["used", "maxmemory", "used %", "headroom", "evictable"],
    );
    for h in rows {
        t.add_row(vec![
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
        render(&t)
    )
}

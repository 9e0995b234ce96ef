//! `hotkeys --method lfu` and `--method slot-stats`: hot keys and slots without MONITOR.

use std::io::Write;

use serde::Serialize;

use super::scan::Batch;
use super::Outcome;
use crate::analysis::keyfreq::{rank_slots, top_lfu, LfuKey, SlotReport};
use crate::cli::{HotkeysArgs, Method};
use crate::endpoint;
use crate::error::{Error, Result};
use crate::output::table::{render, table};
use crate::output::{self, Format};
use crate::source::discover::{discover, NodeList};
use crate::source::slotstats::slot_stats;
use crate::source::walker::WalkSettings;
use crate::units::{count, pct};

#[derive(Serialize)]
struct LfuDoc {
    method: &'static str,
    complete: bool,
    nodes: Vec<String>,
    scanned_keys: u64,
    keys: Vec<LfuKey>,
}

#[derive(Serialize)]
struct SlotDoc {
    method: &'static str,
    complete: bool,
    #[serde(flatten)]
    report: SlotReport,
}

pub(crate) async fn run(args: HotkeysArgs) -> Result<Outcome> {
    if args.traffic.input.is_some() {
        return Err(Error::Usage(
            "--input goes with --method monitor (the default)".into(),
        ));
    }
    if args.method == Method::Lfu {
        return lfu(args).await;
    }
    let target = endpoint::resolve(&args.target)?;
    let nodes = discover(&target).await?.capture_nodes();
    let names: Vec<String> = nodes.iter().map(|n| n.addr.to_string()).collect();
    let mut out = std::io::stdout().lock();
    let json = args.output.format() != Format::Table;
    let mut per_node = Vec::new();
    for (i, n) in nodes.iter().enumerate() {
        per_node.push((i, slot_stats(&n.addr, &target.options).await?));
    }
    let report = rank_slots(&per_node, &names, args.top);
    if json {
        let doc = SlotDoc {
            method: "slot-stats",
            complete: true,
            report,
        };
        output::write_json(&mut out, "hotkeys", &target.report(), &doc)?;
        return Ok(Outcome::Done);
    }
    writeln!(
        out,
        "hottest slots by {} (CLUSTER SLOT-STATS){}\n",
        report.ordered_by,
        if report.ordered_by == "key-count" {
            "; set cluster-slot-stats-enabled yes for cpu-usec and network bytes"
        } else {
            ""
        }
    )?;
    let mut t = table(
        &[
            "slot", "node", "share", "keys", "cpu_usec", "net_in", "net_out",
        ],
        &["slot", "share", "keys", "cpu_usec", "net_in", "net_out"],
    );
    let dash = |v: Option<u64>| v.map_or("-".to_string(), |n| count(n as f64));
    for s in &report.slots {
        t.add_row(vec![
            s.slot.to_string(),
            s.node.clone(),
            pct(s.share_pct),
            count(s.key_count as f64),
            dash(s.cpu_usec),
            dash(s.network_bytes_in),
            dash(s.network_bytes_out),
        ]);
    }
    out.write_all(render(&t).as_bytes())?;
    let mut n = table(
        &["node", "share", "slots", "keys"],
        &["share", "slots", "keys"],
    );
    for l in &report.nodes {
        n.add_row(vec![
            l.node.clone(),
            pct(l.share_pct),
            l.slots.to_string(),
            count(l.key_count as f64),
        ]);
    }
    writeln!(out)?;
    out.write_all(render(&n).as_bytes())?;
    Ok(Outcome::Done)
}

/// OBJECT FREQ over the keyspace walker (every master at once, `--scan-rate` over all of
/// them, the latency guard), like redis-cli --hotkeys but top-N and JSON.
async fn lfu(args: HotkeysArgs) -> Result<Outcome> {
    let settings = WalkSettings {
        count: 1000,
        pattern: None,
        kind: None,
        samples: 5,
        encoding: false,
        rate: Some(args.scan_rate),
        max_latency: std::time::Duration::from_millis(5),
        sample: None,
        cursor: None,
        readonly: false,
        lfu: true,
    };
    let plan = super::scan::plan(&args.target, &settings).await?;
    let mut all = Vec::new();
    let w = super::scan::walk(&plan, &settings, |b| {
        if let Batch::Freqs(f) = b {
            all.extend(f.into_iter().map(|(k, f, n)| (k, f, usize::from(n))));
        }
    })
    .await?;
    let scanned = all.len() as u64;
    let keys = top_lfu(all, &plan.names, args.top);
    let mut out = std::io::stdout().lock();
    if args.output.format() != Format::Table {
        let doc = LfuDoc {
            method: "lfu",
            complete: w.scan.complete,
            nodes: plan.names.clone(),
            scanned_keys: scanned,
            keys,
        };
        output::write_json(&mut out, "hotkeys", &w.target, &doc)?;
    } else {
        let mut t = table(&["#", "key", "lfu", "node"], &["#", "lfu"]);
        for (i, k) in keys.iter().enumerate() {
            t.add_row(vec![
                (i + 1).to_string(),
                k.key.clone(),
                k.freq.to_string(),
                k.node.clone(),
            ]);
        }
        writeln!(
            out,
            "{}: {} keys scanned{}; LFU counters are logarithmic (0-255) and decay\n",
            plan.names.join(", "),
            count(scanned as f64),
            if w.scan.complete { "" } else { " (INCOMPLETE)" }
        )?;
        out.write_all(render(&t).as_bytes())?;
    }
    Ok(w.scan.outcome())
}

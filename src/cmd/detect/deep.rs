//! The MONITOR evidence of `detect`: a bounded live sample after the INFO window
//! (`--monitor`, or `--deep` on the masters INFO makes suspect), a recording's MONITOR
//! lines on replay, and `--capture` files; each counted by the hotkeys engine and handed to
//! the detector as a [`MonitorSummary`] of the node it came from.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::analysis::hotkeys::{report, HotkeysReport, ReportConfig};
use crate::analysis::patterns::PatternRules;
use crate::analysis::storm::assess::Assessment;
use crate::analysis::storm::class::Class;
use crate::analysis::storm::detector::Detector;
use crate::analysis::storm::monitor::{signatures, MonitorSummary};
use crate::analysis::storm::reference::RefKind;
use crate::analysis::storm::ttl::TtlBuilder;
use crate::analysis::traffic::{Traffic, TrafficConfig};
use crate::cmd::scan::{Batch, Plan};
use crate::cmd::traffic;
use crate::endpoint::Target;
use crate::error::{Error, Result};
use crate::parse::recording::{Body, Record};
use crate::source::discover::{NodeList, NodeSpec};
use crate::source::evidence::now;
use crate::source::monitor::Limits;
use crate::source::recording::Recorder;
use crate::source::walker::WalkSettings;

/// What `--deep` takes by default.
pub(crate) const DEEP_MONITOR: Duration = Duration::from_secs(5);

/// Ops/s from which a node with no baseline is worth a MONITOR sample under `--deep`
/// (the `hot_node_min_ops` default).
const HOT_NODE_OPS: f64 = 500.0;

/// Classes whose suspicion makes a MONITOR sample worth its cost.
const SAMPLED_FOR: [Class; 3] = [Class::HotKey, Class::Breakdown, Class::Penetration];

/// The masters `--deep` samples: those any of hot key, breakdown or penetration scored on
/// in `a` (fired or not), with the reason for each.
pub(crate) fn suspects(a: Option<&Assessment>, nodes: &[NodeSpec]) -> (Vec<NodeSpec>, Vec<String>) {
    let mut why: BTreeMap<String, Vec<String>> = BTreeMap::new();
    // A busy node with nothing to compare its traffic with: INFO cannot rule a hot key out.
    for n in a.iter().flat_map(|a| &a.node_summaries) {
        let busy = n.ops_per_sec.is_some_and(|o| o >= HOT_NODE_OPS);
        if busy && matches!(n.reference, RefKind::Lifetime | RefKind::None) {
            why.entry(n.node.clone()).or_default().push(format!(
                "busy ({:.0} ops/s) with no saved or calm baseline to rule a hot key out",
                n.ops_per_sec.unwrap_or(0.0)
            ));
        }
    }
    for c in a.iter().flat_map(|a| &a.classes) {
        if !SAMPLED_FOR.contains(&c.class) {
            continue;
        }
        for e in &c.evidence {
            why.entry(e.node.clone())
                .or_default()
                .push(format!("{} {:.2}", c.class, c.score));
        }
    }
    let picked: Vec<NodeSpec> = nodes
        .capture_nodes()
        .into_iter()
        .filter(|n| why.contains_key(&n.addr.to_string()))
        .collect();
    let reasons = picked
        .iter()
        .map(|n| {
            let name = n.addr.to_string();
            let mut r = why.remove(&name).unwrap_or_default();
            r.dedup();
            format!("{name}: {}", r.join(", "))
        })
        .collect();
    (picked, reasons)
}

fn rules() -> PatternRules {
    // The default separators of `patterns` (the flag's default), no rules: cannot fail.
    PatternRules::new(":/.|#", &[]).unwrap_or_else(|_| unreachable!("default pattern rules"))
}

fn report_of(t: &Traffic, nodes: Vec<String>) -> (HotkeysReport, ReportConfig) {
    let cfg = ReportConfig {
        top: 10,
        signatures: Some(signatures()),
        nodes,
    };
    (report(t, &cfg, &rules()), cfg)
}

/// Samples MONITOR on `nodes` for `duration`, records its lines, and hands the summary to
/// the detector. Returns a line for stderr saying what was taken.
pub(crate) async fn live(
    target: &Target,
    nodes: Vec<NodeSpec>,
    duration: Duration,
    d: &mut Detector,
    rec: &mut Option<Recorder>,
) -> Result<String> {
    let names = nodes.names();
    let limits = Limits {
        duration,
        max_server_buffer: crate::cli::DEFAULT_MAX_SERVER_BUFFER,
    };
    let mut write_err: Option<Error> = None;
    let mut tap = |l: &crate::source::events::Line| {
        let (Some(r), Some(text)) = (rec.as_mut(), l.text) else {
            return;
        };
        if l.own_client
            .is_some_and(|c| memchr::memmem::find(text, c).is_some())
        {
            return;
        }
        let text = text.strip_prefix(b"+").unwrap_or(text);
        let text = text.strip_suffix(b"\r").unwrap_or(text);
        let record = Record {
            t: now(),
            node: names.get(l.node as usize).cloned().unwrap_or_default(),
            body: Body::Monitor(String::from_utf8_lossy(text).into_owned()),
        };
        if let Err(e) = r.push(&record) {
            write_err.get_or_insert(e);
        }
    };
    let g = traffic::capture_nodes(
        target.clone(),
        nodes.clone(),
        limits,
        TrafficConfig::default(),
        &mut tap,
    )
    .await?;
    if let Some(e) = write_err {
        return Err(e);
    }
    if let Some(r) = rec.as_mut() {
        r.write(&[])?;
    }
    let (mut rep, cfg) = report_of(&g.traffic, names.clone());
    rep.penetration.verified =
        crate::cmd::penetration::verify_missing(&(target.clone(), nodes), &g.traffic, &cfg).await;
    let node =
        MonitorSummary::node_of(&rep).unwrap_or_else(|| names.first().cloned().unwrap_or_default());
    let summary = MonitorSummary::of(&rep, now());
    let said = format!(
        "MONITOR sample of {} on {}: {} commands{}",
        crate::units::duration(duration),
        names.join(", "),
        summary.events,
        g.source
            .stopped_early
            .as_ref()
            .map_or(String::new(), |e| format!(" (stopped early: {e})"))
    );
    d.add_monitor(&node, summary);
    Ok(said)
}

/// What `--deep` samples TTLs of by default.
pub(crate) const DEEP_TTL_KEYS: u64 = 10_000;

/// The masters `--deep` reads TTLs on: those mass expiration scored on (a spike, a
/// forecast, an aftermath), with the reason.
pub(crate) fn ttl_suspects(
    a: Option<&Assessment>,
    nodes: &[NodeSpec],
) -> (Vec<NodeSpec>, Vec<String>) {
    let scored: BTreeMap<String, f64> = a
        .iter()
        .flat_map(|a| &a.classes)
        .filter(|c| c.class == Class::MassExpiration)
        .flat_map(|c| c.evidence.iter().map(move |e| (e.node.clone(), c.score)))
        .collect();
    let picked: Vec<NodeSpec> = nodes
        .capture_nodes()
        .into_iter()
        .filter(|n| scored.contains_key(&n.addr.to_string()))
        .collect();
    let why = picked
        .iter()
        .map(|n| {
            let name = n.addr.to_string();
            format!(
                "{name}: mass_expiration {:.2}",
                scored.get(&name).copied().unwrap_or(0.0)
            )
        })
        .collect();
    (picked, why)
}

/// Reads the TTLs of `per_node` keys on each of `nodes` with the throttled, latency-guarded
/// keyspace walker (TYPE, MEMORY USAGE SAMPLES 1 and PTTL per key; no value read), records
/// each node's expiry buckets and hands them to the detector. Returns a line for stderr.
pub(crate) async fn ttl_live(
    target: &Target,
    nodes: Vec<NodeSpec>,
    per_node: u64,
    d: &mut Detector,
    rec: &mut Option<Recorder>,
) -> Result<String> {
    let settings = WalkSettings {
        count: 100,
        pattern: None,
        kind: None,
        samples: 1,
        lengths: false,
        encoding: false,
        rate: Some(TTL_RATE),
        max_latency: Duration::from_millis(2),
        sample: Some(per_node),
        cursor: None,
        readonly: false,
        lfu: false,
    };
    let plan = Plan::of(target.clone(), nodes);
    let mut built: Vec<TtlBuilder> = plan.names.iter().map(|_| TtlBuilder::default()).collect();
    let walked = crate::cmd::scan::walk(&plan, &settings, |b| {
        if let Batch::Keys(keys) = b {
            for k in keys {
                if let Some(t) = built.get_mut(k.node as usize) {
                    t.add(&k);
                }
            }
        }
    })
    .await?;
    let t = now();
    let mut records = Vec::new();
    let mut said = Vec::new();
    for (name, b) in plan.names.iter().zip(built) {
        let sample = b.finish();
        said.push(format!(
            "{name} {} keys ({} with a TTL)",
            sample.keys, sample.with_ttl
        ));
        records.push(Record {
            t,
            node: name.clone(),
            body: Body::TtlSample(sample.clone()),
        });
        d.push(crate::analysis::storm::Sample {
            t,
            node: name.clone(),
            kind: crate::analysis::storm::SampleKind::TtlSample(sample),
        });
    }
    if let Some(r) = rec.as_mut() {
        r.write(&records)?;
    }
    Ok(format!(
        "TTL sample in {:.1}s: {}{}",
        walked.scan.elapsed_secs,
        said.join(", "),
        if walked.scan.interrupted {
            " (interrupted)"
        } else {
            ""
        }
    ))
}

/// Keys per second a TTL sample reads over all nodes together.
const TTL_RATE: u64 = 10_000;

/// A recording's MONITOR lines, node by node: each node's summary, dated by its last line.
pub(crate) fn replayed(lines: BTreeMap<String, Vec<(f64, String)>>, d: &mut Detector) {
    for (node, lines) in lines {
        let t = lines.iter().map(|l| l.0).fold(f64::MIN, f64::max);
        let traffic = traffic::count_lines(
            lines.iter().map(|l| l.1.as_bytes()),
            TrafficConfig::default(),
        );
        let (rep, _) = report_of(&traffic, vec![node.clone()]);
        d.add_monitor(&node, MonitorSummary::of(&rep, t));
    }
}

/// `--capture HOST:PORT=FILE`: a capture file as that node's MONITOR sample, dated `t`.
pub(crate) async fn captures(specs: &[String], t: f64, d: &mut Detector) -> Result<()> {
    for spec in specs {
        let (node, path) = spec
            .split_once('=')
            .ok_or_else(|| Error::Usage(format!("--capture {spec:?}: expected HOST:PORT=FILE")))?;
        let g = traffic::file_traffic(path, TrafficConfig::default()).await?;
        let (rep, _) = report_of(&g.traffic, vec![node.to_string()]);
        d.add_monitor(node, MonitorSummary::of(&rep, t));
    }
    Ok(())
}

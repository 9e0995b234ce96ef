//! `hotkeys --method lfu` and `--method slot-stats`: hot keys and slots without MONITOR.

use super::scan::Batch;
use super::Outcome;
use crate::analysis::keyfreq::{rank_slots, top_lfu};
use crate::cli::{HotkeysArgs, Method};
use crate::error::{Error, Result};
use crate::output;
use crate::output::keyfreq::{LfuDoc, SlotDoc};
use crate::output::NodeRef;
use crate::source::discover::{discover, NodeList};
use crate::source::slotstats::slot_stats;
use crate::source::walker::WalkSettings;

pub(crate) async fn run(args: HotkeysArgs) -> Result<Outcome> {
    if args.traffic.input.is_some() {
        return Err(Error::Usage(
            "--input goes with --method monitor (the default)".into(),
        ));
    }
    if args.method == Method::Lfu {
        return lfu(args).await;
    }
    let target = super::target::resolve(&args.target)?;
    let nodes = discover(&target).await?.capture_nodes();
    let names: Vec<String> = nodes.iter().map(|n| n.addr.to_string()).collect();
    let mut per_node = Vec::new();
    for (i, n) in nodes.iter().enumerate() {
        per_node.push((i, slot_stats(&n.addr, &target.options).await?));
    }
    let doc = SlotDoc {
        report: rank_slots(&per_node, &names, args.top),
    };
    output::print(
        args.output.format(),
        &output::View::stdout(args.keys.full_keys),
        &target.report(),
        &doc,
    )?;
    Ok(Outcome::Done)
}

/// OBJECT FREQ over the keyspace walker (every master at once, `--scan-rate` over all of
/// them, the latency guard), like redis-cli --hotkeys but top-N and JSON.
async fn lfu(args: HotkeysArgs) -> Result<Outcome> {
    let settings = WalkSettings {
        // As the scans (`--count`): small batches keep other clients' latency low.
        count: 100,
        pattern: None,
        kind: None,
        samples: 5,
        lengths: false,
        encoding: false,
        rate: Some(args.scan_rate),
        // The scans' default (`--max-latency`): the p95 at which cache runbooks warn.
        max_latency: std::time::Duration::from_millis(2),
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
    let errors: Vec<String> = w
        .scan
        .nodes
        .iter()
        .filter_map(|n| n.error.clone())
        .collect();
    let doc = LfuDoc {
        completeness: w.scan.completeness(),
        nodes: NodeRef::list(&plan.names, Some("master"), &errors),
        keys_scanned: scanned,
        keys,
    };
    output::print(
        args.output.format(),
        &output::View::stdout(args.keys.full_keys),
        &w.target,
        &doc,
    )?;
    Ok(super::scan::outcome(&w.scan))
}

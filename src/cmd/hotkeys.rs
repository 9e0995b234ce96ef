//! `cachestorm hotkeys`: the hottest keys (and commands, clients, patterns, signatures)
//! from a MONITOR capture file or a bounded live MONITOR.

use super::traffic;
use super::Outcome;
use crate::analysis::hotkeys::{report, ReportConfig, SignatureConfig};
use crate::analysis::traffic::TrafficConfig;
use crate::cli::HotkeysArgs;
use crate::error::Result;
use crate::output::{self, hotkeys::HotkeysDoc};

pub(crate) async fn run(args: HotkeysArgs) -> Result<Outcome> {
    if args.method != crate::cli::Method::Monitor {
        return super::keyfreq::run(args).await;
    }
    let rules = traffic::rules(&args.traffic.rules)?;
    let cfg = TrafficConfig {
        timeline: args.timeline,
        stampede_window_us: args.stampede_window.as_micros() as u64,
        expiry_bucket_secs: args.expiry_bucket.as_secs().max(1),
        ..traffic::config(&args.traffic)
    };
    let gathered = traffic::gather(&args.target, &args.traffic, cfg).await?;
    let target = gathered.target();
    let (t, source, live) = (&gathered.traffic, &gathered.source, &gathered.live);
    traffic::warn_skipped(source);
    let rcfg = ReportConfig {
        top: args.top,
        signatures: Some(SignatureConfig {
            threshold_pct: args.threshold,
            min_rate: args.min_rate,
            stampede_min_writes: args.stampede_writes,
            stampede_min_clients: args.stampede_clients,
            penetration_min_reads: args.penetration_reads,
        }),
        nodes: gathered.node_names(),
    };
    let mut rep = report(t, &rcfg, &rules);
    if let Some(live) = live {
        rep.penetration.verified = super::penetration::verify_missing(live, t, &rcfg).await;
    }
    let doc = HotkeysDoc {
        completeness: gathered.completeness(),
        source,
        report: &rep,
    };
    output::print(
        args.output.format(),
        &output::View::stdout(args.keys.full_keys),
        &target,
        &doc,
    )?;
    Ok(traffic::outcome(&gathered))
}

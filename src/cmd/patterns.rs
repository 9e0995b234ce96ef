//! `cachestorm patterns`: traffic grouped by inferred key pattern, from a MONITOR capture
//! file or a bounded live MONITOR (the same gathering and counting as `hotkeys`).

use super::traffic;
use super::Outcome;
use crate::analysis::hotkeys::{report, ReportConfig};
use crate::cli::PatternsArgs;
use crate::error::Result;
use crate::output;
use crate::output::hotkeys::TrafficPatternsDoc;
use crate::output::keyspace::ScanPatternsDoc;

/// `patterns --scan`: the keyspace's pattern table (the one `keyspace` prints).
async fn run_scan(args: PatternsArgs) -> Result<Outcome> {
    let s =
        super::keyspace::gather(&args.target, &args.scan_args, &args.traffic.rules, None).await?;
    let rep = s.census.keyspace(args.top);
    let doc = ScanPatternsDoc {
        mode: "scan",
        scan: &s.scan,
        keys_counted: rep.keys_counted,
        memory_bytes: rep.memory_bytes,
        patterns: &rep.patterns,
    };
    output::print(
        args.output.format(),
        &output::View::stdout(args.keys.full_keys),
        &s.target,
        &doc,
    )?;
    Ok(s.outcome())
}

/// Scan options given without --scan would be silently ignored: refuse them.
fn scan_options_without_scan(a: &crate::cli::ScanArgs) -> Option<&'static str> {
    [
        (a.pattern.is_some(), "--match"),
        (a.kind.is_some(), "--type"),
        (a.rate.is_some(), "--rate"),
        (a.sample.is_some(), "--sample"),
        (a.cursor.is_some(), "--cursor"),
        (a.replicas, "--replicas"),
        (a.encoding, "--encoding"),
        (a.no_lengths, "--no-lengths"),
    ]
    .into_iter()
    .find_map(|(set, name)| set.then_some(name))
}

pub(crate) async fn run(args: PatternsArgs) -> Result<Outcome> {
    if args.scan {
        return run_scan(args).await;
    }
    if let Some(flag) = scan_options_without_scan(&args.scan_args) {
        return Err(crate::error::Error::Usage(format!(
            "{flag} is a keyspace-scan option: add --scan"
        )));
    }
    let rules = traffic::rules(&args.traffic.rules)?;
    let cfg = traffic::config(&args.traffic);
    let g = traffic::gather(&args.target, &args.traffic, cfg).await?;
    let target = g.target();
    traffic::warn_skipped(&g.source);
    let rcfg = ReportConfig {
        top: args.top,
        signatures: None,
        nodes: g.node_names(),
    };
    let rep = report(&g.traffic, &rcfg, &rules);
    let doc = TrafficPatternsDoc {
        completeness: g.completeness(),
        source: &g.source,
        events: rep.events,
        counting: &rep.counting,
        patterns: &rep.patterns,
        report: &rep,
        top: args.top,
    };
    output::print(
        args.output.format(),
        &output::View::stdout(args.keys.full_keys),
        &target,
        &doc,
    )?;
    Ok(traffic::outcome(&g))
}

//! `cachestorm patterns`: traffic grouped by inferred key pattern, from a MONITOR capture
//! file or a bounded live MONITOR (the same gathering and counting as `hotkeys`).

use std::io::Write;

use serde::Serialize;

use super::traffic::{self, SourceReport};
use super::Outcome;
use crate::analysis::hotkeys::{report, PatternRow, ReportConfig};
use crate::cli::PatternsArgs;
use crate::error::Result;
use crate::output::{self, Format};

#[derive(Serialize)]
struct Doc<'a> {
    complete: bool,
    source: &'a SourceReport,
    events: u64,
    distinct_keys: usize,
    counting: &'static str,
    patterns: &'a [PatternRow],
}

pub(crate) async fn run(args: PatternsArgs) -> Result<Outcome> {
    let rules = traffic::rules(&args.traffic)?;
    let cfg = traffic::config(&args.traffic);
    let g = traffic::gather(&args.target, &args.traffic, cfg).await?;
    let target = g.target_json();
    traffic::warn_skipped(&g.source);
    let rcfg = ReportConfig {
        top: args.top,
        threshold_pct: 100.0,
        min_rate: None,
        stampede_min_writes: u32::MAX,
        stampede_min_clients: u32::MAX,
        penetration_min_reads: u64::MAX,
        nodes: g.source.nodes.clone(),
    };
    let rep = report(&g.traffic, &rcfg, &rules);
    let complete = g.source.stopped_early.is_none();
    let mut out = std::io::stdout().lock();
    match args.output.format() {
        Format::Json => {
            let doc = Doc {
                complete,
                source: &g.source,
                events: rep.events,
                distinct_keys: rep.counting.distinct_keys,
                counting: rep.counting.mode,
                patterns: &rep.patterns,
            };
            output::write_json(&mut out, "patterns", &target, &doc)?;
        }
        Format::Ndjson => {
            for p in &rep.patterns {
                output::write_ndjson(&mut out, p)?;
            }
        }
        Format::Table => {
            let text = super::hotkeys::summary(&rep, &g.source)
                + "\n"
                + &super::hotkeys::patterns_table(&rep, args.top);
            out.write_all(text.as_bytes())?;
            out.flush()?;
        }
    }
    Ok(traffic::outcome(g.input_error, g.interrupted))
}

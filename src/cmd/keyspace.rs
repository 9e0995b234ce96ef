//! `cachestorm keyspace`: memory and TTLs per key pattern, the per-minute expiry
//! timeline and its cliffs, and memory headroom, from a throttled SCAN. `patterns --scan`
//! prints this command's pattern table.

use super::scan::{scan, Scanned};
use super::Outcome;
use crate::analysis::census::{CensusConfig, ExpiryConfig, TimelineConfig};
use crate::cli::{KeyspaceArgs, PatternRuleArgs, ScanArgs, TargetArgs};
use crate::error::{Error, Result};
use crate::output::{self, keyspace::KeyspaceDoc};

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
    let doc = KeyspaceDoc {
        scan: &s.scan,
        report: &report,
        headroom: &headroom,
    };
    output::print(
        args.output.format(),
        &output::View::stdout(args.keys.full_keys),
        &s.target,
        &doc,
    )?;
    Ok(s.outcome())
}

//! `cachestorm keyspace`: memory and TTLs per key pattern, the per-minute expiry
//! timeline and its cliffs, and memory headroom, from a throttled SCAN. `patterns --scan`
//! prints this command's pattern table.

use super::scan::{scan, Scanned};
use super::Outcome;
use crate::analysis::keyspace::CensusConfig;
use crate::cli::{KeyspaceArgs, PatternRuleArgs, ScanArgs, TargetArgs};
use crate::error::{Error, Result};
use crate::output::{self, keyspace::KeyspaceDoc};

/// Scans with the census set up for keyspace reports.
pub(crate) async fn gather(
    t: &TargetArgs,
    a: &ScanArgs,
    r: &PatternRuleArgs,
    horizon: std::time::Duration,
    cliff_pct: f64,
    cliff_min_keys: u64,
) -> Result<Scanned> {
    if !(0.0..=100.0).contains(&cliff_pct) {
        return Err(Error::Usage(format!(
            "--cliff {cliff_pct}: a percentage from 0 to 100"
        )));
    }
    let cfg = CensusConfig {
        top: 0,
        min_bytes: 0,
        horizon_mins: (horizon.as_secs() / 60).clamp(1, u64::from(u32::MAX)) as u32,
        cliff_pct,
        cliff_min_keys,
        start_ms: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64),
        nodes: Vec::new(),
    };
    scan(t, a, cfg, Some(super::traffic::rules(r)?)).await
}

pub(crate) async fn run(args: KeyspaceArgs) -> Result<Outcome> {
    let s = gather(
        &args.target,
        &args.scan,
        &args.rules,
        args.horizon,
        args.cliff,
        args.cliff_min_keys,
    )
    .await?;
    let report = s.census.keyspace(args.top);
    let headroom = s.census.headroom(&s.memory);
    let doc = KeyspaceDoc {
        scan: &s.scan,
        report: &report,
        headroom: &headroom,
    };
    output::print(args.output.format(), &s.target, &doc)?;
    Ok(s.outcome())
}

//! `cachestorm bigkeys`: the biggest keys overall and per type, per-type totals, the
//! key-size distribution and big-collection findings, from a throttled SCAN.

use super::scan::scan;
use super::Outcome;
use crate::analysis::census::CensusConfig;
use crate::cli::BigkeysArgs;
use crate::error::Result;
use crate::output::{self, bigkeys::BigkeysDoc};

pub(crate) async fn run(args: BigkeysArgs) -> Result<Outcome> {
    let cfg = CensusConfig {
        top: args.top,
        min_bytes: args.min_bytes,
        expiry: None,
        nodes: Vec::new(),
    };
    let s = scan(&args.target, &args.scan, cfg, None).await?;
    let report = s.census.bigkeys();
    let doc = BigkeysDoc {
        scan: &s.scan,
        report: &report,
    };
    output::print(
        args.output.format(),
        &output::View::stdout(args.keys.full_keys),
        &s.target,
        &doc,
    )?;
    Ok(s.outcome())
}

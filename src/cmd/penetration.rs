//! The penetration verdict of a live capture: the candidates (keys read and never
//! written) checked with EXISTS on the node each was seen on, afterwards.

use crate::analysis::hotkeys::{penetration_candidates, ReportConfig, Verified};
use crate::analysis::traffic::Traffic;
use crate::endpoint::Target;
use crate::show;
use crate::source::discover::NodeSpec;
use crate::source::exists::exists;

/// Checks up to 200 penetration candidates with EXISTS on the node they were seen on.
pub(crate) async fn verify_missing(
    (target, nodes): &(Target, Vec<NodeSpec>),
    t: &Traffic,
    cfg: &ReportConfig,
) -> Option<Verified> {
    let cands = penetration_candidates(t, cfg, 200);
    if cands.is_empty() {
        return None;
    }
    let asked = exists(&target.options, nodes, &cands).await;
    for (name, e) in &asked.unreachable {
        eprintln!("cachestorm: warning: cannot verify penetration candidates on {name}: {e}");
    }
    let mut v = Verified {
        sampled: 0,
        missing: 0,
        missing_pct: 0.0,
        missing_examples: Vec::new(),
    };
    for (i, found) in asked.answers {
        v.sampled += 1;
        if !found {
            v.missing += 1;
            if v.missing_examples.len() < 5 {
                v.missing_examples.push(show::key(&cands[i].0));
            }
        }
    }
    if v.sampled == 0 {
        return None;
    }
    v.missing_pct = crate::ratio::pct(v.missing, v.sampled);
    Some(v)
}

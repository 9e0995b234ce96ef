//! `mass_invalidation`: keys fall faster than expiry and eviction explain, with DEL /
//! UNLINK / FLUSHDB / FLUSHALL calls in the commandstats deltas, uptime and run_id
//! unchanged. After the fall (a window that starts mid-storm), a node refilling from a
//! fall with no restart, whose lifetime counters show flush calls. Pure.

use super::shape::{biggest_drop, hit_collapse, hit_pct_after, sum_between};
use super::{Against, NodeView, Tally};
use crate::analysis::storm::thresholds::Thresholds;
use crate::units::count;

pub(super) fn node(v: &NodeView, th: &Thresholds) -> Tally {
    let mut t = Tally::default();
    let Some(last) = v.last() else {
        return t;
    };
    // A replica deletes what its master tells it to (expired keys arrive as DELs): the
    // master's counters tell an invalidation from an expiry wave, the replica's cannot.
    if v.restart_at().is_some() || last.is_replica() {
        return t;
    }
    if let Some(drop) = biggest_drop(v).filter(|d| d.pct() >= th.key_drop_pct && d.peak >= 100) {
        let d = sum_between(v, drop.peak_t, drop.trough_t);
        let fell = (drop.peak - drop.trough) as f64;
        let explained = (d.expired + d.evicted) as f64;
        let unexplained = (fell - explained).max(0.0);
        if unexplained * 100.0 / fell >= th.unexplained_drop_pct {
            t.add(v.keys_ev(
                drop.trough,
                drop.peak,
                drop.trough_t,
                0.5,
                format!(
                    "keys fell {:.0}% ({} to {}); expiry and eviction explain {}",
                    drop.pct(),
                    count(drop.peak as f64),
                    count(drop.trough as f64),
                    count(explained)
                ),
            ));
            if d.deletes + d.flushes > 0 {
                t.add(v.ev(
                    "delete_calls",
                    (d.deletes + d.flushes) as f64,
                    None,
                    Against::Event,
                    "calls",
                    drop.trough_t,
                    0.3,
                    format!(
                        "{} DEL/UNLINK and {} FLUSHDB/FLUSHALL calls as the keys fell",
                        d.deletes, d.flushes
                    ),
                ));
            }
            if let Some((hit, _)) = hit_pct_after(v, drop.peak_t, th) {
                if let Some(e) = hit_collapse(v, hit, last.t, th, 0.2) {
                    t.add(e);
                }
            }
            return t;
        }
    }
    aftermath(v, th, t)
}

/// No fall in sight but the node refills with no restart, and it has run FLUSHDB /
/// FLUSHALL, or DEL/UNLINK in bulk, in its life.
fn aftermath(v: &NodeView, th: &Thresholds, mut t: Tally) -> Tally {
    let Some(first) = v.first() else {
        return t;
    };
    let Some(refill) = super::shape::refill(v, th) else {
        return t;
    };
    let (flushes, deletes) = (first.c.flushes, first.c.deletes);
    let (weight, says) = if flushes > 0 {
        (
            0.25,
            format!("{flushes} FLUSHDB/FLUSHALL calls in the server's life, no restart"),
        )
    } else if deletes as f64 >= th.bulk_delete_calls {
        (
            0.2,
            format!("{deletes} DEL/UNLINK calls in the server's life, no restart"),
        )
    } else {
        return t;
    };
    for e in refill {
        t.add(e);
    }
    t.add(v.ev(
        if flushes > 0 {
            "flush_calls"
        } else {
            "delete_calls"
        },
        (if flushes > 0 { flushes } else { deletes }) as f64,
        None,
        Against::Lifetime,
        "calls",
        first.t,
        weight,
        says,
    ));
    t
}

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
    if v.restart_at().is_some() {
        return t;
    }
    if let Some(drop) = biggest_drop(v).filter(|d| d.pct() >= th.key_drop_pct && d.peak >= 100) {
        let d = sum_between(v, drop.peak_t, drop.trough_t);
        let fell = (drop.peak - drop.trough) as f64;
        let explained = (d.expired + d.evicted) as f64;
        let unexplained = (fell - explained).max(0.0);
        if unexplained * 100.0 / fell >= th.unexplained_drop_pct {
            t.add(v.ev(
                "keys",
                drop.trough as f64,
                Some(drop.peak as f64),
                Against::Window,
                "keys",
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

/// No fall in sight but the node refills (hit % collapsed, SETs follow misses, keys
/// growing) with no restart, and it has run FLUSHDB/FLUSHALL in its life.
fn aftermath(v: &NodeView, th: &Thresholds, mut t: Tally) -> Tally {
    let (Some(first), Some(last)) = (v.first(), v.last()) else {
        return t;
    };
    let Some((hit, r)) = hit_pct_after(v, f64::MIN, th) else {
        return t;
    };
    let growing = last.keys as f64 >= first.keys as f64 * (1.0 + th.key_drop_pct / 100.0);
    let refill = r.misses > 0.0 && r.sets / r.misses >= th.refill_sets_per_miss;
    let old = last
        .uptime_secs
        .is_some_and(|u| u as f64 >= th.restart_uptime_secs);
    if !(growing && refill && old) || first.c.flushes == 0 {
        return t;
    }
    let Some(collapse) = hit_collapse(v, hit, last.t, th, 0.2) else {
        return t;
    };
    t.add(collapse);
    t.add(v.ev(
        "keys",
        last.keys as f64,
        Some(first.keys as f64),
        Against::Window,
        "keys",
        last.t,
        0.15,
        format!(
            "keys refilling: {} to {} within the window",
            count(first.keys as f64),
            count(last.keys as f64)
        ),
    ));
    t.add(v.ev(
        "flush_calls",
        first.c.flushes as f64,
        None,
        Against::Lifetime,
        "calls",
        first.t,
        0.25,
        format!(
            "{} FLUSHDB/FLUSHALL calls in the server's life, no restart",
            first.c.flushes
        ),
    ));
    t
}

//! `penetration`: misses up (against the reference, or a hit % below the warning level
//! that is not this node's normal) while SETs no longer follow the misses, keys on their
//! course, and no expiry, eviction or invalidation that explains them: clients asking for
//! keys the database does not have either. A replica whose link is down (its writes stopped
//! arriving) is replication trouble, not penetration. Pure.

use super::shape::hit_pct_after;
use super::{Against, NodeView, Tally};
use crate::analysis::storm::series::{Point, Rates};
use crate::analysis::storm::thresholds::Thresholds;
use crate::units::count;

pub(super) fn node(v: &NodeView, th: &Thresholds) -> Tally {
    let mut t = Tally::default();
    let (Some(first), Some(last)) = (v.first(), v.last()) else {
        return t;
    };
    if v.points.iter().any(|p| p.link_up == Some(false)) || v.restart_at().is_some() {
        return t;
    }
    let Some((hit, r)) = hit_pct_after(v, f64::MIN, th) else {
        return t;
    };
    sampled(v, &mut t);
    let reference = v.reference.rate(|r| r.misses);
    let surge = reference.is_some_and(|m| r.misses >= th.spike_ratio * m.max(1.0));
    let ref_hit = v.reference.hit_pct;
    let low = hit < th.hit_pct_warning && ref_hit.is_none_or(|h| hit <= h - th.hit_drop_points);
    if !(surge || low) {
        return t;
    }
    let sets_per_miss = r.sets / r.misses.max(1e-9);
    if sets_per_miss > th.penetration_sets_per_miss {
        return t;
    }
    if !on_course(first, last, th) {
        return t;
    }
    if surge {
        misses_surge(v, &r, reference, last, &mut t);
    } else {
        hit_low(v, hit, &r, last, th, &mut t);
    }
    not_refilled(v, sets_per_miss, &r, last, th, &mut t);
    nothing_removed(v, &r, first, last, &mut t);
    hit_critical(v, hit, last, th, &mut t);
    t
}

/// Keys on their course: they moved by at most `key_course_pct` over the window (nothing
/// emptied or refilled the cache).
fn on_course(first: &Point, last: &Point, th: &Thresholds) -> bool {
    (last.keys as f64 - first.keys as f64).abs()
        <= first.keys.max(1) as f64 * th.key_course_pct / 100.0
}

/// Misses per second far above the node's `reference` rate.
fn misses_surge(v: &NodeView, r: &Rates, reference: Option<f64>, last: &Point, t: &mut Tally) {
    t.add(v.ev(
        "misses_per_sec",
        r.misses,
        reference,
        Against::of(&v.reference),
        "misses/s",
        last.t,
        0.4,
        format!(
            "{} misses/s against {}/s ({})",
            count(r.misses),
            count(reference.unwrap_or(0.0)),
            v.reference.kind.name()
        ),
    ));
}

/// Without a surge: a hit rate below the warning level and the node's reference.
fn hit_low(v: &NodeView, hit: f64, r: &Rates, last: &Point, th: &Thresholds, t: &mut Tally) {
    let ref_hit = v.reference.hit_pct;
    t.add(v.ev(
        "hit_pct",
        hit,
        Some(ref_hit.unwrap_or(th.hit_pct_warning)),
        if ref_hit.is_some() {
            Against::of(&v.reference)
        } else {
            Against::Threshold
        },
        "%",
        last.t,
        0.4,
        format!(
            "{} misses/s, hit rate {hit:.1}% against {:.1}%",
            count(r.misses),
            ref_hit.unwrap_or(th.hit_pct_warning)
        ),
    ));
}

/// SETs no longer follow the misses (already gated on `penetration_sets_per_miss`).
fn not_refilled(
    v: &NodeView,
    sets_per_miss: f64,
    r: &Rates,
    last: &Point,
    th: &Thresholds,
    t: &mut Tally,
) {
    t.add(v.ev(
        "sets_per_miss",
        sets_per_miss,
        Some(th.penetration_sets_per_miss),
        Against::Threshold,
        "ratio",
        last.t,
        0.2,
        format!(
            "only {} SETs/s follow them: the misses are not refilled",
            count(r.sets)
        ),
    ));
}

/// Expiry and eviction under a tenth of the misses: nothing removed what is missed.
fn nothing_removed(v: &NodeView, r: &Rates, first: &Point, last: &Point, t: &mut Tally) {
    let explained = r.expired + r.evicted;
    if explained < 0.1 * r.misses {
        t.add(v.keys_ev(last.keys, first.keys, last.t, 0.2, format!(
                "keys on course ({} to {}), expiry and eviction {}/s: nothing removed what is missed",
                count(first.keys as f64),
                count(last.keys as f64),
                count(explained)
            ),
        ));
    }
}

/// A hit rate below the critical level.
fn hit_critical(v: &NodeView, hit: f64, last: &Point, th: &Thresholds, t: &mut Tally) {
    if hit < th.hit_pct_critical {
        t.add(v.ev(
            "hit_pct",
            hit,
            Some(th.hit_pct_critical),
            Against::Threshold,
            "%",
            last.t,
            0.1,
            format!(
                "hit rate {hit:.1}% is below the critical {:.0}%",
                th.hit_pct_critical
            ),
        ));
    }
}

/// A MONITOR sample shows the keys read and never written, checked with EXISTS live.
fn sampled(v: &NodeView, t: &mut Tally) {
    let Some(m) = &v.extra.monitor else { return };
    let Some(u) = &m.penetration else {
        return;
    };
    let (keys, reads, pattern, verified) = (u.keys, &u.reads, &u.pattern, u.verified);
    let share = crate::ratio::pct(*reads, m.events);
    let missing = verified.map(|(s, miss)| crate::ratio::pct(miss, s));
    if share < 10.0 || missing.is_some_and(|p| p < 50.0) {
        return;
    }
    t.add(v.ev(
        "penetration_reads_pct",
        share,
        Some(10.0),
        Against::Threshold,
        "%",
        m.t,
        0.3,
        format!(
            "{keys} keys read and never written take {share:.0}% of the commands MONITOR saw, most under {pattern}{}",
            match verified {
                Some((s, miss)) => format!("; {miss} of {s} checked do not exist"),
                None => String::new(),
            }
        ),
    ));
}

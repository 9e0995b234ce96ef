//! `memory_pressure`: evictions sustained through the window, used memory near
//! maxmemory, OOM errors (noeviction at the limit), hit % falling with evictions,
//! fragmentation. Pure.

use super::shape::{hit_collapse, hit_pct_after};
use super::{Against, NodeView, Tally};
use crate::analysis::storm::series::{Interval, Point, Rates};
use crate::analysis::storm::thresholds::Thresholds;
use crate::units::{bytes, count};

pub(super) fn node(v: &NodeView, th: &Thresholds) -> Tally {
    let mut t = Tally::default();
    let Some(last) = v.last() else {
        return t;
    };
    let rated = v.rated();
    // Evictions, the limit or OOM errors are the pressure itself; fragmentation weighs
    // less beside any of them than when it is the only sign.
    let evicting = evictions(v, &rated, last, th, &mut t);
    let limit = at_limit(v, last, th, &mut t);
    let refused = oom(v, &rated, last, &mut t);
    let gate = evicting || limit || refused;
    fragmentation(v, last, gate, th, &mut t);
    t
}

/// Evictions in at least `eviction_intervals_pct` of the rated intervals (weighed by
/// whether they are above the node's usual rate), with the hit rate while evicting;
/// true when so.
fn evictions(
    v: &NodeView,
    rated: &[(&Interval, Rates)],
    last: &Point,
    th: &Thresholds,
    t: &mut Tally,
) -> bool {
    let evicting = rated.iter().filter(|(_, r)| r.evicted > 0.0).count();
    let share = crate::ratio::pct(evicting as u64, rated.len() as u64);
    let sustained = !rated.is_empty() && share >= th.eviction_intervals_pct;
    if !sustained {
        return false;
    }
    let rate = v.rates().map_or(0.0, |r| r.evicted);
    // A full cache under an allkeys policy evicts by design: evictions at their usual
    // rate are pressure only together with a falling hit rate.
    let usual = v.reference.rate(|r| r.evicted);
    let new = usual.is_none_or(|u| rate >= th.spike_ratio * u.max(0.1));
    t.add(v.ev(
        "evicted_per_sec",
        rate,
        usual,
        Against::of(&v.reference),
        "keys/s",
        last.t,
        if new { 0.4 } else { 0.2 },
        format!(
            "evicting {}/s in {evicting} of {} intervals{}",
            count(rate),
            rated.len(),
            if new { "" } else { " (its usual rate)" }
        ),
    ));
    hit_while_evicting(v, last, th, t);
    true
}

/// The hit rate over the window collapsed, or below the warning level, while evicting.
fn hit_while_evicting(v: &NodeView, last: &Point, th: &Thresholds, t: &mut Tally) {
    let Some((hit, _)) = hit_pct_after(v, f64::MIN, th) else {
        return;
    };
    let below = hit < th.hit_pct_warning;
    match hit_collapse(v, hit, last.t, th, 0.25) {
        Some(e) => t.add(e),
        None if below => t.add(v.ev(
            "hit_pct",
            hit,
            Some(th.hit_pct_warning),
            Against::Threshold,
            "%",
            last.t,
            0.2,
            format!("hit rate {hit:.1}% while evicting"),
        )),
        None => {}
    }
}

/// Used memory above the warning or critical share of maxmemory (weighed down under an
/// allkeys policy, or when other evidence came first); true when so.
fn at_limit(v: &NodeView, last: &Point, th: &Thresholds, t: &mut Tally) -> bool {
    let Some(pct) = last.memory_pct() else {
        return false;
    };
    let level = if pct > th.memory_pct_critical {
        Some((th.memory_pct_critical, 0.55, "critical"))
    } else if pct > th.memory_pct_warning {
        Some((th.memory_pct_warning, 0.5, "warning"))
    } else {
        None
    };
    // Under allkeys-* a cache at its limit is a cache doing its job (evicting the
    // coldest keys); under noeviction or volatile-* the limit means refused writes
    // or only TTL keys left to evict.
    let by_design = last
        .policy
        .as_deref()
        .is_some_and(|p| p.starts_with("allkeys"));
    let Some((limit, w, name)) = level else {
        return false;
    };
    let w = if by_design { 0.2 } else { w };
    t.add(v.ev(
        "used_memory_pct",
        pct,
        Some(limit),
        Against::Threshold,
        "%",
        last.t,
        if t.evidence.is_empty() { w } else { 0.2 },
        format!(
            "{} used of {} maxmemory ({pct:.0}%, above the {name} {limit:.0}%), policy {}",
            bytes(last.used_memory.unwrap_or(0)),
            bytes(last.maxmemory.unwrap_or(0)),
            last.policy.as_deref().unwrap_or("?")
        ),
    ));
    true
}

/// OOM error replies in the rated intervals: writes refused at maxmemory; true when any.
fn oom(v: &NodeView, rated: &[(&Interval, Rates)], last: &Point, t: &mut Tally) -> bool {
    let oom: u64 = rated
        .iter()
        .filter_map(|(iv, _)| iv.d.map(|d| d.oom_errors))
        .sum();
    if oom == 0 {
        return false;
    }
    t.add(v.ev(
        "oom_errors",
        oom as f64,
        None,
        Against::Event,
        "errors",
        last.t,
        0.3,
        format!("{oom} OOM error replies: writes refused at maxmemory"),
    ));
    true
}

/// Fragmentation above its threshold with at least 64 MiB of RSS that is not data
/// (weighed less when `gate`: other memory evidence was found).
fn fragmentation(v: &NodeView, last: &Point, gate: bool, th: &Thresholds, t: &mut Tally) {
    let (Some(f), Some(rss), Some(used)) = (last.fragmentation, last.rss, last.used_memory) else {
        return;
    };
    if f > th.fragmentation_ratio && rss.saturating_sub(used) >= 64 << 20 {
        t.add(v.ev(
            "fragmentation_ratio",
            f,
            Some(th.fragmentation_ratio),
            Against::Threshold,
            "ratio",
            last.t,
            if gate { 0.15 } else { 0.3 },
            format!(
                "fragmentation {f:.2}: {} of RSS is not data",
                bytes(rss - used)
            ),
        ));
    }
}

//! `cold_start`: a node that restarted (run_id changed, uptime reset, loading) or came up
//! empty, whose keys are far below what it held and refilling, with its hit % collapsed
//! and its misses followed by SETs. A node that restarted a minute ago with its keys and
//! hit rate normal (it loaded a snapshot) is not one; neither is a cache that grows its
//! keys steadily with a healthy hit rate. Pure.

use super::shape::hit_collapse;
use super::{shape, Against, NodeView, Tally};
use crate::analysis::storm::series::{Interval, Point, Rates};
use crate::analysis::storm::thresholds::Thresholds;
use crate::units::count;

pub(super) fn node(v: &NodeView, th: &Thresholds) -> Tally {
    let mut t = Tally::default();
    let (Some(first), Some(last)) = (v.first(), v.last()) else {
        return t;
    };
    // The part of the window after the restart, if there was one in it.
    let restart = v.restart_at().cloned();
    let after = restart.as_ref().map_or(f64::MIN, |iv| iv.t0);
    let Some((hit, rates)) = shape::hit_pct_after(v, after, th) else {
        return t;
    };
    let Some(collapse) = hit_collapse(v, hit, last.t, th, 0.3) else {
        return t;
    };
    if restart.is_none() && lost_in_window(v, th) {
        return t;
    }
    let restarted = restart_evidence(v, restart.as_ref(), last, th, &mut t);
    // Loading is evidence of its own, looked for whether or not a restart was found.
    let loading = loading(v, last, &mut t);
    let restarted = restarted || loading;
    // A node that kept its keys (it loaded a snapshot) is no cold start at all.
    if !emptied(v, restart.as_ref(), first, last, th, &mut t) {
        return Tally::default();
    }
    t.add(collapse);
    refilled(v, &rates, last, th, &mut t);
    if !restarted {
        // Refilling from empty without a restart: the cause lies before the window; a
        // flush, bulk deletes or an expiry wave in the node's lifetime counters (weighed
        // by the invalidation and expiration rules) explain it better.
        t.cap = Some(0.5);
    }
    t
}

/// Keys that fell within the window without a restart went somewhere (expiry, eviction,
/// deletion): that is another class's storm, not an empty start.
fn lost_in_window(v: &NodeView, th: &Thresholds) -> bool {
    let Some(drop) = shape::biggest_drop(v).filter(|d| d.pct() >= th.key_drop_pct) else {
        return false;
    };
    let d = shape::sum_between(v, drop.peak_t, drop.trough_t);
    let gone = (d.expired + d.evicted + d.deletes + d.flushes) as f64;
    gone >= (drop.peak - drop.trough) as f64 * 0.5 || d.flushes > 0
}

/// A restart within the window (its interval says so), or else an uptime that says the
/// node started recently; true when either was found.
fn restart_evidence(
    v: &NodeView,
    restart: Option<&Interval>,
    last: &Point,
    th: &Thresholds,
    t: &mut Tally,
) -> bool {
    if let Some(iv) = restart {
        let up = v
            .series
            .points
            .get(iv.at)
            .and_then(|p| p.uptime_secs)
            .unwrap_or(0);
        t.add(v.ev(
            "run_id",
            up as f64,
            None,
            Against::Event,
            "s uptime",
            iv.t1,
            0.35,
            format!(
                "restarted ({}); up {up}s at the next sample",
                iv.reset.as_deref().unwrap_or("restart")
            ),
        ));
        return true;
    }
    let Some(up) = last
        .uptime_secs
        .filter(|u| (*u as f64) < th.restart_uptime_secs)
        .filter(|_| fresh(last))
    else {
        return false;
    };
    t.add(v.ev(
        "uptime_secs",
        up as f64,
        Some(th.restart_uptime_secs),
        Against::Threshold,
        "s",
        last.t,
        0.3,
        format!("up only {up}s: the node started recently"),
    ));
    true
}

/// A sample that shows the node loading its dataset (it is starting up); true when one
/// did.
fn loading(v: &NodeView, last: &Point, t: &mut Tally) -> bool {
    if !v.points.iter().any(|p| p.loading) {
        return false;
    }
    let p = v.points.iter().copied().find(|p| p.loading).unwrap_or(last);
    t.add(v.ev(
        "loading",
        1.0,
        None,
        Against::Event,
        "flag",
        p.t,
        0.15,
        "loading its dataset".into(),
    ));
    true
}

/// Emptied: keys far below what the node held (before the restart, or its reference),
/// or grown within the window from a small fraction of what they reach; true when so.
fn emptied(
    v: &NodeView,
    restart: Option<&Interval>,
    first: &Point,
    last: &Point,
    th: &Thresholds,
    t: &mut Tally,
) -> bool {
    let before = restart
        .and_then(|iv| v.series.points.get(iv.from_at))
        .map(|p| p.keys as f64)
        .or(v.reference.keys)
        .filter(|k| *k >= 100.0);
    let low_at_start = if restart.is_some() {
        v.series
            .points
            .get(restart.map_or(0, |iv| iv.at))
            .map_or(first.keys, |p| p.keys)
    } else {
        first.keys
    };
    if let Some(b) = before {
        if far_below(v, low_at_start, b, restart.is_some(), last, th, t) {
            return true;
        }
    }
    refilling_from_empty(v, low_at_start, last, th, t)
}

/// Keys at the start (of the window, or after the restart) at most `cold_keys_pct` of
/// the `before` the node held; true when so.
fn far_below(
    v: &NodeView,
    low_at_start: u64,
    before: f64,
    restarted: bool,
    last: &Point,
    th: &Thresholds,
    t: &mut Tally,
) -> bool {
    if (low_at_start as f64) <= before * th.cold_keys_pct / 100.0 {
        t.add(v.ev(
            "keys",
            low_at_start as f64,
            Some(before),
            if restarted {
                Against::Window
            } else {
                Against::of(&v.reference)
            },
            "keys",
            last.t,
            0.25,
            format!(
                "{} keys against {} before",
                count(low_at_start as f64),
                count(before)
            ),
        ));
        return true;
    }
    false
}

/// Keys that grew within the window from a small fraction of what they reach (at least
/// `refill_growth_pct` of the last count is new); true when so.
fn refilling_from_empty(
    v: &NodeView,
    low_at_start: u64,
    last: &Point,
    th: &Thresholds,
    t: &mut Tally,
) -> bool {
    if last.keys >= 100
        && (low_at_start as f64) <= last.keys as f64 * (100.0 - th.refill_growth_pct) / 100.0
    {
        t.add(v.keys_ev(
            low_at_start,
            last.keys,
            last.t,
            0.2,
            format!(
                "keys grew from {} to {} within the window: refilling from near empty",
                count(low_at_start as f64),
                count(last.keys as f64)
            ),
        ));
        return true;
    }
    false
}

/// Misses followed by SETs: clients refill what they miss.
fn refilled(v: &NodeView, rates: &Rates, last: &Point, th: &Thresholds, t: &mut Tally) {
    if rates.misses > 0.0 && rates.sets / rates.misses >= th.refill_sets_per_miss {
        t.add(v.ev(
            "sets_per_miss",
            rates.sets / rates.misses,
            Some(th.refill_sets_per_miss),
            Against::Threshold,
            "ratio",
            last.t,
            0.15,
            format!(
                "{} SETs/s follow {} misses/s: clients refill what they miss",
                count(rates.sets),
                count(rates.misses)
            ),
        ));
    }
}

/// A server that never held more than it holds now: since it started, it has lost
/// (expired, evicted, deleted, flushed) fewer keys than it has. A young server that lost
/// more than it holds had its data, and lost it to something else than a restart.
fn fresh(p: &Point) -> bool {
    let lost = p.c.expired + p.c.evicted + p.c.deletes;
    p.c.flushes == 0 && lost < p.keys.max(1)
}

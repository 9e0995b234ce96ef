//! `mass_expiration` (avalanche): expired/s far above its reference and a real share of
//! the keys expiring within the window; keys falling as the expired counter rises; the
//! active expire cycle falling behind (expired_stale_perc, time-cap hits); hit % falling.
//! As a forecast: the database's avg_ttl falling with the clock (TTLs set together, none
//! refreshed) toward zero while most keys carry a TTL. The server's expired counter lags
//! the real deadlines, so the first seconds of an avalanche look smaller than they are.
//! Pure.

use super::shape::{biggest_drop, hit_collapse, hit_pct_after, sum_between, KeyDrop};
use super::{Against, NodeView, Tally};
use crate::analysis::storm::series::Point;
use crate::analysis::storm::thresholds::Thresholds;
use crate::analysis::storm::ttl::cliff;
use crate::units::count;

pub(super) fn node(v: &NodeView, th: &Thresholds) -> Tally {
    let mut t = Tally::default();
    let Some(last) = v.last() else {
        return t;
    };
    if wave(v, last, th, &mut t) {
        return t;
    }
    if !aftermath(v, th, &mut t) {
        forecast(v, th, &mut t);
    }
    sampled_cliff(v, th, &mut t);
    t
}

/// The avalanche itself: the peak expired/s far above its reference, a real share of the
/// keys expired within the window, and an effect (concentrated, keys falling or the hit
/// rate collapsing); with the keys that fell, the collapse and a stale expire cycle.
/// True when found.
fn wave(v: &NodeView, last: &Point, th: &Thresholds, t: &mut Tally) -> bool {
    let rated = v.rated();
    let Some((rate, at, start)) = rated
        .iter()
        .max_by(|a, b| a.1.expired.total_cmp(&b.1.expired))
        .map(|(iv, r)| (r.expired, iv.t1, iv.t0))
    else {
        return false;
    };
    let expired_total: u64 = rated
        .iter()
        .filter_map(|(iv, _)| iv.d.map(|d| d.expired))
        .sum();
    let keys_max = v.points.iter().map(|p| p.keys).max().unwrap_or(0);
    let reference = v.reference.rate(|r| r.expired);
    let floor = reference.unwrap_or(0.0).max(1.0);
    let share = crate::ratio::pct(expired_total, keys_max.max(1));
    // A spike against the reference is not enough (a busy churn beats a lifetime rate
    // that includes idle hours): the expiry must also be concentrated in the window,
    // or take keys down with it, or take the hit rate down.
    let others =
        crate::analysis::storm::reference::median(rated.iter().map(|(_, r)| r.expired).collect());
    let concentrated = rate >= th.spike_ratio * others.max(1.0);
    let drop = biggest_drop(v).filter(|d| d.pct() >= th.key_drop_pct);
    let hit = hit_pct_after(v, start, th);
    let collapse = hit.and_then(|(h, _)| hit_collapse(v, h, last.t, th, 0.15));
    let effect = concentrated || drop.is_some() || collapse.is_some();
    let spike = rate >= th.spike_ratio * floor
        && share >= th.expired_share_pct
        && expired_total >= 100
        && effect;
    if !spike {
        return false;
    }
    t.add(v.ev(
        "expired_per_sec",
        rate,
        reference,
        Against::of(&v.reference),
        "keys/s",
        at,
        0.5,
        format!(
            "{} keys/s expired against {}/s ({}); {share:.0}% of the keys expired in the window",
            count(rate),
            count(reference.unwrap_or(0.0)),
            v.reference.kind.name()
        ),
    ));
    if let Some(drop) = drop {
        keys_fell(v, &drop, t);
    }
    if let Some(e) = collapse {
        t.add(e);
    }
    stale(v, th, t);
    true
}

/// The keys' biggest drop, when expiry accounts for at least half of what fell.
fn keys_fell(v: &NodeView, drop: &KeyDrop, t: &mut Tally) {
    let d = sum_between(v, drop.peak_t, drop.trough_t);
    let fell = (drop.peak - drop.trough) as f64;
    if d.expired as f64 >= fell * 0.5 {
        t.add(v.keys_ev(
            drop.trough,
            drop.peak,
            drop.trough_t,
            0.25,
            format!(
                "keys fell {:.0}% as {} expired",
                drop.pct(),
                count(d.expired as f64)
            ),
        ));
    }
}

/// A TTL sample shows a cliff ahead: many keys set to expire in the same ten seconds.
fn sampled_cliff(v: &NodeView, th: &Thresholds, t: &mut Tally) {
    let Some((at, s)) = &v.extra.ttl else { return };
    let Some((bucket, n, share)) = cliff(s, v.to, th.ttl_horizon_secs) else {
        return;
    };
    if share < th.ttl_cliff_pct {
        return;
    }
    let when = crate::show::rfc3339_secs(bucket as f64);
    t.add(v.ev(
        "ttl_cliff_pct",
        share,
        Some(th.ttl_cliff_pct),
        Against::Threshold,
        "%",
        *at,
        if t.evidence.is_empty() { 0.5 } else { 0.15 },
        format!(
            "forecast: {n} of the {} sampled keys with a TTL ({share:.0}%) expire in the 10 s from {} UTC",
            s.with_ttl,
            when.split_once('T').map_or(when.as_str(), |(_, t)| t.trim_end_matches('Z'))
        ),
    ));
}

/// The wave has passed (the window starts after it): the node refills with no restart,
/// and what it remembers says expiry ran far faster before the window than in it and has
/// already removed more keys than the node now holds.
fn aftermath(v: &NodeView, th: &Thresholds, t: &mut Tally) -> bool {
    let (Some(first), Some(r)) = (v.first(), v.rates()) else {
        return false;
    };
    let Some(life) = first.lifetime() else {
        return false;
    };
    if life.expired < th.spike_ratio * r.expired.max(0.1) || first.c.expired < first.keys.max(1) {
        return false;
    }
    let Some(refill) = super::shape::refill(v, th) else {
        return false;
    };
    for e in refill {
        t.add(e);
    }
    t.add(v.ev(
        "expired_per_sec",
        r.expired,
        Some(life.expired),
        Against::Lifetime,
        "keys/s",
        first.t,
        0.2,
        format!(
            "expiry ran at {}/s over the server's life and {}/s now: {} keys expired before the window, more than the {} it holds",
            count(life.expired),
            count(r.expired),
            count(first.c.expired as f64),
            count(first.keys as f64)
        ),
    ));
    true
}

/// The active expire cycle falling behind.
fn stale(v: &NodeView, th: &Thresholds, t: &mut Tally) {
    let worst = v
        .points
        .iter()
        .filter_map(|p| Some((p.expired_stale_pct?, p.t)))
        .max_by(|a, b| a.0.total_cmp(&b.0));
    if let Some((pct, at)) = worst.filter(|w| w.0 >= th.expire_stale_pct) {
        t.add(v.ev(
            "expired_stale_perc",
            pct,
            Some(th.expire_stale_pct),
            Against::Threshold,
            "%",
            at,
            0.1,
            format!("{pct:.0}% of sampled TTL keys already stale: the expire cycle is behind"),
        ));
    }
}

/// avg_ttl falling with the clock toward zero while most keys carry a TTL.
fn forecast(v: &NodeView, th: &Thresholds, t: &mut Tally) {
    let pts: Vec<_> = v.points.iter().filter(|p| p.avg_ttl_ms > 0).collect();
    let (Some(a), Some(b)) = (pts.first(), pts.last()) else {
        return;
    };
    let span = b.t - a.t;
    if pts.len() < 4 || span < 3.0 || b.keys < 1000 {
        return;
    }
    let fell_ms = a.avg_ttl_ms as f64 - b.avg_ttl_ms as f64;
    let with_clock = fell_ms >= span * 1000.0 * 0.5;
    let soon = (b.avg_ttl_ms as f64) <= th.avg_ttl_forecast_secs * 1000.0;
    let share = crate::ratio::pct(b.expires, b.keys);
    if with_clock && soon && share >= th.expires_share_pct {
        t.add(v.ev(
            "avg_ttl_ms",
            b.avg_ttl_ms as f64,
            Some(a.avg_ttl_ms as f64),
            Against::Window,
            "ms",
            b.t,
            0.5,
            format!(
                "forecast: avg TTL fell from {:.0}s to {:.0}s in {span:.0}s with {share:.0}% of {} keys carrying a TTL: they expire together in about {:.0}s",
                a.avg_ttl_ms as f64 / 1000.0,
                b.avg_ttl_ms as f64 / 1000.0,
                count(b.keys as f64),
                b.avg_ttl_ms as f64 / 1000.0
            ),
        ));
    }
}

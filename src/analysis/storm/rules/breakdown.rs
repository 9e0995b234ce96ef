//! `breakdown` (stampede on a hot key): intervals in which one expiry is followed by many
//! misses and as many SETs, keys on course: a hot key expiring and rebuilt by many clients
//! at once. Normal churn misses about once per expired key; a stampede misses many times
//! per expired key. Seen again and again, it is periodic. Pure.

use super::{Against, NodeView, Tally};
use crate::analysis::storm::reference::median;
use crate::analysis::storm::series::{Interval, Rates};
use crate::analysis::storm::thresholds::Thresholds;
use crate::units::count;

pub(super) fn node(v: &NodeView, th: &Thresholds) -> Tally {
    let mut t = Tally::default();
    let rated = v.rated();
    if rated.len() < 3 {
        return t;
    }
    // Between bursts the cache is healthy: one key is the trouble, not the cache (misses
    // of a refill or an eviction storm are spread over every interval).
    let shares: Vec<f64> = rated.iter().map(|(_, r)| r.miss_share()).collect();
    let calm_share = median(shares);
    if calm_share > 1.0 - th.hit_pct_warning / 100.0 {
        return t;
    }
    let bursts = bursts(v, &rated, th);
    sampled(v, &mut t);
    if bursts.is_empty() {
        window_signature(v, th, &mut t);
        if !t.evidence.is_empty() {
            healthy_between(v, calm_share, th, &mut t);
        }
        return t;
    }
    stampedes(v, &bursts, rated.len(), th, &mut t);
    healthy_between(v, calm_share, th, &mut t);
    t
}

/// One burst: the end of its interval, its misses, expired keys and SETs.
type Burst = (f64, f64, u64, u64);

/// Intervals in which one expiry is answered by many misses and as many SETs, or the
/// unexplained misses jump and the SETs jump with them, keys on course and nothing
/// evicted.
fn bursts(v: &NodeView, rated: &[(&Interval, Rates)], th: &Thresholds) -> Vec<Burst> {
    let points = &v.series.points;
    // Misses not explained one-for-one by expiries, and SETs, per interval.
    let excess: Vec<f64> = rated
        .iter()
        .map(|(iv, _)| iv.d.map_or(0.0, |d| d.misses as f64 - d.expired as f64))
        .collect();
    let sets: Vec<f64> = rated
        .iter()
        .map(|(iv, _)| iv.d.map_or(0.0, |d| d.sets as f64))
        .collect();
    let (m_excess, m_sets) = (median(excess.clone()), median(sets.clone()));
    let min_jump = min_jump(rated, &excess, m_excess, th);
    let mut bursts = Vec::new();
    for (k, (iv, _)) in rated.iter().enumerate() {
        let Some(d) = iv.d else { continue };
        let (a, b) = (&points[iv.from_at], &points[iv.at]);
        // The rebuilt keys existed a moment before: the SETs after the misses did not
        // grow the keyspace (a refill after a loss does).
        let grew = b.keys as f64 - a.keys as f64;
        let course = grew <= 0.25 * excess[k].max(0.0)
            && grew.abs() <= a.keys.max(1) as f64 * th.key_course_pct / 100.0;
        let misses = d.misses as f64;
        // One expiry answered by many misses (when there is little other churn) ...
        let many_per_key = misses >= th.burst_min_misses
            && misses >= th.burst_ratio * d.expired as f64
            && d.sets as f64 >= th.refill_sets_per_miss * misses;
        // ... or a jump of unexplained misses, refilled by a jump of SETs.
        let jump = excess[k] - m_excess;
        let jumped = jump >= min_jump
            && excess[k] >= th.burst_ratio * m_excess.max(1.0)
            && sets[k] - m_sets >= th.refill_sets_per_miss * jump;
        if d.expired >= 1 && d.evicted == 0 && course && (many_per_key || jumped) {
            bursts.push((iv.t1, misses, d.expired, d.sets));
        }
    }
    bursts
}

/// How far the unexplained misses (`excess`, median `m_excess`) of an interval must jump
/// to be a burst: above their own noise, counting noise, a quarter of the usual misses
/// and `burst_min_misses`.
fn min_jump(rated: &[(&Interval, Rates)], excess: &[f64], m_excess: f64, th: &Thresholds) -> f64 {
    // How much the unexplained misses wander from interval to interval on their own
    // (median absolute deviation): a burst must stand well above it (six of them: about
    // four standard deviations of normal noise).
    let noise = median(excess.iter().map(|e| (e - m_excess).abs()).collect());
    // ... and above a quarter of the usual misses: a stampede is a visible spike.
    let m_misses = median(
        rated
            .iter()
            .map(|(iv, _)| iv.d.map_or(0.0, |d| d.misses as f64))
            .collect(),
    );
    let m_expired = median(
        rated
            .iter()
            .map(|(iv, _)| iv.d.map_or(0.0, |d| d.expired as f64))
            .collect(),
    );
    // Counts wander by about their square root even when nothing happens (Poisson).
    let counting = 4.0 * (m_misses + m_expired).sqrt();
    th.burst_min_misses
        .max(6.0 * noise)
        .max(counting)
        .max(0.25 * m_misses)
}

/// The bursts found among `intervals` rated ones, dated at the first: many misses and
/// SETs per expired key, stronger when it happened more than once.
fn stampedes(v: &NodeView, bursts: &[Burst], intervals: usize, th: &Thresholds, t: &mut Tally) {
    let (at, misses, expired, sets) = bursts[0];
    let n = bursts.len();
    t.add(v.ev(
        "misses_per_expired_key",
        misses / expired as f64,
        Some(th.burst_ratio),
        Against::Threshold,
        "ratio",
        at,
        if n >= 2 { 0.6 } else { 0.3 },
        format!(
            "{n} of {intervals} intervals: {} misses and {} SETs on {} expired key{} (first at this sample)",
            count(misses),
            count(sets as f64),
            expired,
            if expired == 1 { "" } else { "s" }
        ),
    ));
}

/// The hit rate between bursts: one key is the trouble, not the cache.
fn healthy_between(v: &NodeView, calm_share: f64, th: &Thresholds, t: &mut Tally) {
    let at = t.evidence.first().map_or(v.to, |e| e.t);
    t.add(v.ev(
        "hit_pct",
        100.0 - calm_share * 100.0,
        Some(th.hit_pct_warning),
        Against::Window,
        "%",
        at,
        0.15,
        format!(
            "between bursts the hit rate stays at {:.1}%: one key, not the cache",
            100.0 - calm_share * 100.0
        ),
    ));
}

/// When the hot key expires every interval (a TTL shorter than the sampling), no interval
/// stands out; over the window, misses beyond what expired and was evicted, each followed
/// by a SET, with the keys not growing: the SETs rebuilt keys that others had just rebuilt.
/// A replica is left out (it does not expire keys itself; its misses are not refilled by
/// its own clients).
fn window_signature(v: &NodeView, th: &Thresholds, t: &mut Tally) {
    let (Some(first), Some(last)) = (v.first(), v.last()) else {
        return;
    };
    if last.is_replica() {
        return;
    }
    let Some((d, secs)) = v.sum_after(f64::MIN) else {
        return;
    };
    let misses = d.misses as f64;
    let excess = misses - d.expired as f64 - d.evicted as f64;
    let grew = last.keys as f64 - first.keys as f64;
    // Beyond counting noise (three times the square root of what was counted), and a
    // real share (`stampede_share_pct`) of the misses.
    let noise = 3.0 * (misses + d.expired as f64).sqrt();
    // And a rise: the misses are well above what the node usually sees.
    let usual = v.reference.rate(|r| r.misses).map_or(0.0, |m| m * secs);
    if misses >= th.burst_ratio * usual
        && excess >= (3.0 * th.burst_min_misses).max(noise)
        && excess >= misses * th.stampede_share_pct / 100.0
        && d.sets as f64 >= th.refill_sets_per_miss * misses
        && grew <= 0.25 * excess
    {
        t.add(v.ev(
            "misses_beyond_expired",
            excess / secs,
            Some(d.expired as f64 / secs),
            Against::Window,
            "misses/s",
            rise_at(v, usual / secs, th).unwrap_or(last.t),
            0.55,
            format!(
                "{} misses/s beyond the {}/s that expired, each rebuilt ({} SETs/s) while the keys did not grow: the same keys rebuilt again and again",
                count(excess / secs),
                count(d.expired as f64 / secs),
                count(d.sets as f64 / secs)
            ),
        ));
    }
}

/// A MONITOR sample shows the stampede on one key.
fn sampled(v: &NodeView, t: &mut Tally) {
    let Some(m) = &v.extra.monitor else { return };
    if let Some((key, writes, writers)) = &m.stampede {
        t.add(v.ev(
            "stampede_writes",
            *writes as f64,
            None,
            Against::Event,
            "writes",
            m.t,
            0.5,
            format!(
                "{key} rebuilt {writes} times by {writers} clients within one second (MONITOR)"
            ),
        ));
    }
}

/// When the misses first rose: the first interval of the window with misses over
/// `burst_ratio` times the usual rate (or any miss beyond its expiries without one).
fn rise_at(v: &NodeView, usual_rate: f64, th: &Thresholds) -> Option<f64> {
    v.rated().into_iter().find_map(|(iv, r)| {
        let d = iv.d?;
        let rose = if usual_rate > 0.0 {
            r.misses >= th.burst_ratio * usual_rate
        } else {
            d.misses > d.expired + d.evicted
        };
        rose.then_some(iv.t1)
    })
}

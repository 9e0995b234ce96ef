//! `hot_key`: one master's ops/s or output bytes far above its peers' in a cluster, its
//! latency alone up; a node whose traffic surged with a healthy hit rate (suspected: a
//! MONITOR sample names the key), or whose output bytes per command jumped (a big hot
//! key). Pure.

use super::shape::hit_pct_after;
use super::{Against, NodeView, Tally};
use crate::analysis::storm::reference::{median, RefKind};
use crate::analysis::storm::series::Rates;
use crate::analysis::storm::thresholds::Thresholds;
use crate::units::{bytes, count};

pub(super) fn nodes(views: &[NodeView], th: &Thresholds) -> Vec<Tally> {
    let rates: Vec<Option<Rates>> = views
        .iter()
        .map(|v| {
            // Peers are the masters of one cluster: unrelated servers in a --node list
            // carry unrelated loads.
            let master = v.last().is_some_and(|p| !p.is_replica() && p.cluster);
            v.rates().filter(|_| master)
        })
        .collect();
    let rtts: Vec<Option<f64>> = views.iter().map(|v| v.rtt_p95()).collect();
    views
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let mut t = Tally::default();
            peers(v, i, &rates, th, &mut t);
            latency(v, i, &rtts, th, &mut t);
            surge(v, th, &mut t);
            sampled(v, th, &mut t);
            t
        })
        .collect()
}

/// This master against the median of the other masters.
fn peers(v: &NodeView, i: usize, rates: &[Option<Rates>], th: &Thresholds, t: &mut Tally) {
    let Some(mine) = rates[i] else { return };
    let others: Vec<Rates> = rates
        .iter()
        .enumerate()
        .filter(|(j, _)| *j != i)
        .filter_map(|(_, r)| *r)
        .collect();
    if others.is_empty() {
        return;
    }
    let at = v.last().map_or(v.to, |p| p.t);
    let ops = median(others.iter().map(|r| r.ops).collect());
    // Idle peers (a staging shard, a fresh node) are no yardstick.
    let idle = th.hot_node_min_ops / 10.0;
    if ops >= idle && mine.ops >= th.hot_node_min_ops && mine.ops >= th.hot_node_ratio * ops {
        t.add(v.ev(
            "ops_per_sec",
            mine.ops,
            Some(ops),
            Against::Peers,
            "ops/s",
            at,
            0.6,
            format!(
                "{} ops/s against a median of {} on the other masters",
                count(mine.ops),
                count(ops)
            ),
        ));
    }
    let out = median(others.iter().map(|r| r.net_out).collect());
    if mine.net_out >= 1e6 && mine.net_out >= th.hot_node_ratio * out.max(1.0) {
        t.add(v.ev(
            "net_out_bytes_per_sec",
            mine.net_out,
            Some(out),
            Against::Peers,
            "bytes/s",
            at,
            0.2,
            format!(
                "{}/s out against a median of {}/s on the other masters",
                bytes(mine.net_out as u64),
                bytes(out as u64)
            ),
        ));
    }
}

/// Latency up on this node only.
fn latency(v: &NodeView, i: usize, rtts: &[Option<f64>], th: &Thresholds, t: &mut Tally) {
    let Some(mine) = rtts[i] else { return };
    let others: Vec<f64> = rtts
        .iter()
        .enumerate()
        .filter(|(j, _)| *j != i)
        .filter_map(|(_, r)| *r)
        .collect();
    if others.is_empty() || t.evidence.is_empty() {
        return;
    }
    let m = median(others);
    if mine > th.latency_ms_warning && mine >= 2.0 * m {
        t.add(v.ev(
            "rtt_p95_ms",
            mine,
            Some(m),
            Against::Peers,
            "ms",
            v.to,
            0.15,
            format!("INFO round trip p95 {mine:.1} ms against {m:.1} ms on the others"),
        ));
    }
}

/// Traffic surged against a saved or calm reference with a healthy hit rate, or output
/// per command jumped.
fn surge(v: &NodeView, th: &Thresholds, t: &mut Tally) {
    // Lifetime averages mix night and day: a surge is only judged against a baseline or
    // the calm samples before the window.
    if !matches!(v.reference.kind, RefKind::Saved | RefKind::Calm) {
        return;
    }
    let (Some(r), Some(base)) = (v.rates(), v.reference.rates) else {
        return;
    };
    let at = v.last().map_or(v.to, |p| p.t);
    let healthy = hit_pct_after(v, f64::MIN, th).is_some_and(|(h, _)| h >= th.hit_pct_warning);
    let high = v.reference.ops_high.unwrap_or(base.ops).max(1.0);
    // The surge is reads of keys the cache holds (hits), not a write or key-count change.
    let reads_up = r.hits - base.hits >= 0.5 * (r.ops - base.ops);
    let course = match (v.first(), v.last()) {
        (Some(a), Some(b)) => {
            (b.keys as f64 - a.keys as f64).abs()
                <= a.keys.max(1) as f64 * th.key_course_pct / 100.0
        }
        _ => false,
    };
    if healthy
        && reads_up
        && course
        && r.ops >= th.hot_node_min_ops
        && r.ops >= th.hot_node_ratio * high
    {
        t.add(v.ev(
            "ops_per_sec",
            r.ops,
            Some(base.ops),
            Against::of(&v.reference),
            "ops/s",
            // When the surge began: the first interval over the normal range.
            v.rated()
                .into_iter()
                .find(|(_, x)| x.ops >= th.hot_node_ratio * high)
                .map_or(at, |(iv, _)| iv.t1),
            0.5,
            format!(
                "{} ops/s against {} ({}), reads of keys it holds, hit rate healthy: one hot key or a few (a MONITOR sample names them)",
                count(r.ops),
                count(base.ops),
                v.reference.kind.name()
            ),
        ));
    }
    if let Some(per_op) = v.reference.net_out_per_op.filter(|p| *p > 0.0) {
        let now = r.net_out / r.ops.max(1.0);
        if r.net_out >= 1e6 && now >= th.spike_ratio * per_op {
            t.add(v.ev(
                "net_out_bytes_per_op",
                now,
                Some(per_op),
                Against::of(&v.reference),
                "bytes",
                at,
                0.2,
                format!(
                    "{} out per command against {}: a big value read hot",
                    bytes(now as u64),
                    bytes(per_op as u64)
                ),
            ));
        }
    }
}

/// A MONITOR sample names the key.
fn sampled(v: &NodeView, th: &Thresholds, t: &mut Tally) {
    let Some(m) = &v.extra.monitor else { return };
    if let Some((key, n, share)) = m.top.as_ref().filter(|k| k.2 >= th.hot_key_share_pct) {
        t.add(v.ev(
            "key_share_pct",
            *share,
            Some(th.hot_key_share_pct),
            Against::Threshold,
            "%",
            m.t,
            0.7,
            format!(
                "{key} took {share:.1}% of the {} commands MONITOR saw in {:.1}s ({n})",
                m.events, m.span_secs
            ),
        ));
    }
}

//! `replication`: a replica whose master link is down (and for how long), a node that
//! stops answering while others answer, replicas dropping off a master, full resyncs and
//! failed partial ones, a role change between samples (failover), a replica that has not
//! heard from its master for seconds. Pure.

use super::{Against, NodeView, Tally};
use crate::analysis::storm::series::Point;
use crate::analysis::storm::thresholds::Thresholds;

pub(super) fn nodes(views: &[NodeView], th: &Thresholds) -> Vec<Tally> {
    let answering = views.iter().filter(|v| !v.points.is_empty()).count();
    views.iter().map(|v| node(v, th, answering)).collect()
}

fn node(v: &NodeView, th: &Thresholds, answering: usize) -> Tally {
    let mut t = Tally::default();
    link_down(v, &mut t);
    unreachable(v, answering, &mut t);
    let (Some(first), Some(last)) = (v.first(), v.last()) else {
        return t;
    };
    replicas_lost(v, last, &mut t);
    resyncs(v, first, last, &mut t);
    failover(v, &mut t);
    master_silent(v, last, th, &mut t);
    t
}

/// A replica whose link to its master went down in the window, and for how long.
fn link_down(v: &NodeView, t: &mut Tally) {
    let Some(p) = v.points.iter().find(|p| p.link_up == Some(false)) else {
        return;
    };
    let last = v.last().unwrap_or(p);
    let secs = last.link_down_secs.unwrap_or(0);
    t.add(v.ev(
        "master_link_status",
        secs as f64,
        None,
        Against::Event,
        "s down",
        p.t,
        0.7,
        format!(
            "link to master {} down{}",
            last.master.as_deref().unwrap_or("?"),
            if secs > 0 {
                format!(" for {secs}s")
            } else {
                String::new()
            }
        ),
    ));
}

/// Samples the node missed in the window while `answering` nodes answered (a restart
/// behind the gap weighs nothing here).
fn unreachable(v: &NodeView, answering: usize, t: &mut Tally) {
    let Some((at, err)) = v.down.first() else {
        return;
    };
    let back = v.points.iter().any(|p| p.t > *at);
    let restarted = back && back_restarted(v, *at);
    // One missed sample is a blip; two in a row is a node down.
    let weight = match (back, v.down.len()) {
        _ if restarted => 0.0,
        (true, _) => 0.4,
        (false, 1) => 0.3,
        (false, _) => 0.6,
    };
    let others = answering - usize::from(!v.points.is_empty());
    t.add(v.ev(
        "unreachable",
        v.down.len() as f64,
        None,
        Against::Event,
        "samples",
        *at,
        weight,
        format!(
            "missed {} sample{} from this time ({err}){}{}",
            v.down.len(),
            if v.down.len() == 1 { "" } else { "s" },
            if back { "; answers again" } else { "" },
            if others > 0 {
                format!("; {others} other node(s) answer")
            } else {
                String::new()
            }
        ),
    ));
}

/// Back after the gap at `at` with a new run_id or a small uptime: the gap was a restart
/// (cold_start's evidence), not a replication or availability problem.
fn back_restarted(v: &NodeView, at: f64) -> bool {
    v.points.iter().filter(|p| p.t > at).any(|p| {
        v.points
            .iter()
            .filter(|q| q.t < at)
            .any(|q| q.run_id != p.run_id)
            || p.uptime_secs.is_some_and(|u| (u as f64) <= p.t - at + 1.0)
    })
}

/// Fewer replicas connected now than at the most within the window.
fn replicas_lost(v: &NodeView, last: &Point, t: &mut Tally) {
    let most = v.points.iter().filter_map(|p| p.connected_replicas).max();
    if let (Some(most), Some(now)) = (most, last.connected_replicas) {
        if now < most {
            t.add(v.ev(
                "connected_slaves",
                now as f64,
                Some(most as f64),
                Against::Window,
                "replicas",
                last.t,
                0.4,
                format!("{} of {most} replicas still connected", now),
            ));
        }
    }
}

/// Full resyncs or failed partial ones within the window (same run, so the counters
/// compare).
fn resyncs(v: &NodeView, first: &Point, last: &Point, t: &mut Tally) {
    let d = last.c.minus(&first.c);
    if first.run_id == last.run_id && d.sync_full + d.sync_partial_err > 0 {
        t.add(v.ev(
            "sync_full",
            d.sync_full as f64,
            None,
            Against::Event,
            "syncs",
            last.t,
            0.3,
            format!(
                "{} full resyncs and {} failed partial ones in the window",
                d.sync_full, d.sync_partial_err
            ),
        ));
    }
}

/// The first role change between two samples (a failover).
fn failover(v: &NodeView, t: &mut Tally) {
    for w in v.points.windows(2) {
        if w[0].role.is_some() && w[1].role.is_some() && w[0].role != w[1].role {
            t.add(v.ev(
                "role",
                0.0,
                None,
                Against::Event,
                "role",
                w[1].t,
                0.5,
                format!(
                    "role changed from {} to {} (failover)",
                    w[0].role.as_deref().unwrap_or("?"),
                    w[1].role.as_deref().unwrap_or("?")
                ),
            ));
            break;
        }
    }
}

/// A replica whose link is up but that has not heard from its master for `lag_secs`.
fn master_silent(v: &NodeView, last: &Point, th: &Thresholds, t: &mut Tally) {
    if last.link_up != Some(true) {
        return;
    }
    if let Some(io) = last
        .master_last_io_secs
        .filter(|s| *s as f64 >= th.lag_secs)
    {
        t.add(v.ev(
            "master_last_io_seconds_ago",
            io as f64,
            Some(th.lag_secs),
            Against::Threshold,
            "s",
            last.t,
            0.3,
            format!("no word from its master for {io}s"),
        ));
    }
}

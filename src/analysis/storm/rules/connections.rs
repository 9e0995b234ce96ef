//! `connection_storm`: connections rejected (maxclients reached), connected clients at or
//! near maxclients, a spike of new connections per second. Pure.

use super::{Against, NodeView, Tally};
use crate::analysis::storm::thresholds::Thresholds;
use crate::units::count;

pub(super) fn node(v: &NodeView, th: &Thresholds) -> Tally {
    let mut t = Tally::default();
    let Some(last) = v.last() else {
        return t;
    };
    let rated = v.rated();
    let rejected: u64 = rated
        .iter()
        .filter_map(|(iv, _)| iv.d.map(|d| d.rejected))
        .sum();
    if rejected > 0 {
        let at = rated
            .iter()
            .find(|(iv, _)| iv.d.is_some_and(|d| d.rejected > 0))
            .map_or(last.t, |(iv, _)| iv.t1);
        t.add(v.ev(
            "rejected_connections",
            rejected as f64,
            None,
            Against::Event,
            "connections",
            at,
            0.6,
            format!(
                "{rejected} connections rejected (maxclients {})",
                last.maxclients.map_or("?".into(), |m| m.to_string())
            ),
        ));
    }
    let peak = v
        .points
        .iter()
        .filter_map(|p| Some((p.clients?, p.maxclients.filter(|m| *m > 0)?, p.t)))
        .max_by_key(|x| x.0);
    if let Some((clients, max, at)) = peak {
        let pct = clients as f64 * 100.0 / max as f64;
        if pct >= th.clients_pct {
            t.add(v.ev(
                "connected_clients",
                clients as f64,
                Some(max as f64),
                Against::Threshold,
                "clients",
                at,
                0.3,
                format!("{clients} clients connected of maxclients {max} ({pct:.0}%)"),
            ));
        }
    }
    if let Some((iv, r)) = rated.iter().max_by(|a, b| a.1.conns.total_cmp(&b.1.conns)) {
        let reference = v.reference.rate(|r| r.conns).unwrap_or(0.0);
        if r.conns >= th.conn_rate_min && r.conns >= th.spike_ratio * reference.max(1.0) {
            t.add(v.ev(
                "connections_per_sec",
                r.conns,
                Some(reference),
                Against::of(&v.reference),
                "conns/s",
                iv.t1,
                0.3,
                format!(
                    "{} new connections/s against {}/s ({})",
                    count(r.conns),
                    count(reference),
                    v.reference.kind.name()
                ),
            ));
        }
    }
    t
}

//! The delta engine: counter increases between two INFO snapshots of one node, and the
//! reasons an interval has no valid rates (a restart: run_id changed or uptime went
//! down; CONFIG RESETSTAT: a counter went down). A reset is evidence, never a negative
//! rate. Pure: time comes in as numbers.

use super::Observation;
use crate::parse::info::InfoSnapshot;

/// Counter increases over one interval.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) struct Deltas {
    pub(super) secs: f64,
    pub(super) commands: u64,
    pub(super) hits: u64,
    pub(super) misses: u64,
    pub(super) expired: u64,
    pub(super) evicted: u64,
    pub(super) net_in: u64,
    pub(super) net_out: u64,
    pub(super) rejected: u64,
}

/// The counters we take rates of, in one place so reset detection sees them all.
fn counters(i: &InfoSnapshot) -> [Option<u64>; 9] {
    let s = &i.stats;
    [
        s.total_commands_processed,
        s.keyspace_hits,
        s.keyspace_misses,
        s.expired_keys,
        s.evicted_keys,
        s.total_net_input_bytes,
        s.total_net_output_bytes,
        s.rejected_connections,
        s.total_connections_received,
    ]
}

/// Why the interval between `a` and `b` has no valid rates, if it has none.
pub(crate) fn reset_reason(a: &InfoSnapshot, b: &InfoSnapshot) -> Option<String> {
    if a.server.run_id.is_some() && a.server.run_id != b.server.run_id {
        return Some("restart (run_id changed)".into());
    }
    if let (Some(x), Some(y)) = (a.server.uptime_in_seconds, b.server.uptime_in_seconds) {
        if y < x {
            return Some("restart (uptime went down)".into());
        }
    }
    let went_down = counters(a)
        .iter()
        .zip(counters(b).iter())
        .any(|(x, y)| matches!((x, y), (Some(x), Some(y)) if y < x));
    went_down.then(|| "counters reset (CONFIG RESETSTAT)".into())
}

pub(super) fn deltas(a: &Observation, b: &Observation) -> Deltas {
    let d = |f: fn(&InfoSnapshot) -> Option<u64>| {
        f(&b.info)
            .unwrap_or(0)
            .saturating_sub(f(&a.info).unwrap_or(0))
    };
    Deltas {
        secs: b.t_secs - a.t_secs,
        commands: d(|i| i.stats.total_commands_processed),
        hits: d(|i| i.stats.keyspace_hits),
        misses: d(|i| i.stats.keyspace_misses),
        expired: d(|i| i.stats.expired_keys),
        evicted: d(|i| i.stats.evicted_keys),
        net_in: d(|i| i.stats.total_net_input_bytes),
        net_out: d(|i| i.stats.total_net_output_bytes),
        rejected: d(|i| i.stats.rejected_connections),
    }
}

//! Ranking for the MONITOR-free hot-key methods: keys by LFU counter, slots (and their
//! nodes) by CLUSTER SLOT-STATS counters. Pure.

use serde::Serialize;

use crate::parse::slotstats::SlotStat;
use crate::show;

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub(crate) struct LfuKey {
    pub(crate) key: String,
    /// Redis's logarithmic LFU counter (0-255; new keys start at 5 and decay over time).
    pub(crate) freq: u8,
    pub(crate) node: String,
}

/// The `top` keys by LFU counter (ties by key name).
pub(crate) fn top_lfu(
    mut keys: Vec<(Vec<u8>, u8, usize)>,
    nodes: &[String],
    top: usize,
) -> Vec<LfuKey> {
    keys.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    keys.into_iter()
        .take(top)
        .map(|(k, freq, n)| LfuKey {
            key: show::key(&k),
            freq,
            node: nodes.get(n).cloned().unwrap_or_default(),
        })
        .collect()
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub(crate) struct SlotRow {
    pub(crate) slot: u16,
    pub(crate) node: String,
    #[serde(rename = "keys")]
    pub(crate) key_count: u64,
    /// CPU time spent on the slot (cluster-slot-stats-enabled), ms.
    #[serde(rename = "cpu_ms", serialize_with = "crate::show::ms::from_opt_usec")]
    #[schemars(with = "Option<f64>")]
    pub(crate) cpu_usec: Option<u64>,
    #[serde(rename = "net_in_bytes")]
    pub(crate) network_bytes_in: Option<u64>,
    #[serde(rename = "net_out_bytes")]
    pub(crate) network_bytes_out: Option<u64>,
    /// Share of the ordering metric over all slots.
    pub(crate) share_pct: f64,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub(crate) struct NodeLoad {
    pub(crate) node: String,
    pub(crate) slots: u64,
    #[serde(rename = "keys")]
    pub(crate) key_count: u64,
    #[serde(rename = "cpu_ms", serialize_with = "crate::show::ms::from_opt_usec")]
    #[schemars(with = "Option<f64>")]
    pub(crate) cpu_usec: Option<u64>,
    pub(crate) share_pct: f64,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub(crate) struct SlotReport {
    /// `cpu-usec` when the server collects it (cluster-slot-stats-enabled yes), else `key-count`.
    pub(crate) ordered_by: &'static str,
    pub(crate) slots: Vec<SlotRow>,
    pub(crate) nodes: Vec<NodeLoad>,
}

/// Ranks slots from every node's stats (`(node index, stats)`).
pub(crate) fn rank_slots(
    per_node: &[(usize, Vec<SlotStat>)],
    nodes: &[String],
    top: usize,
) -> SlotReport {
    let with_cpu = per_node
        .iter()
        .flat_map(|(_, s)| s)
        .any(|s| s.cpu_usec.is_some());
    let metric = |s: &SlotStat| {
        if with_cpu {
            s.cpu_usec.unwrap_or(0)
        } else {
            s.key_count
        }
    };
    let total: u64 = per_node.iter().flat_map(|(_, s)| s).map(metric).sum();
    let pct = |n: u64| crate::ratio::pct(n, total);
    let mut slots: Vec<SlotRow> = per_node
        .iter()
        .flat_map(|(n, stats)| stats.iter().map(move |s| (*n, s)))
        .filter(|(_, s)| metric(s) > 0)
        .map(|(n, s)| SlotRow {
            slot: s.slot,
            node: nodes.get(n).cloned().unwrap_or_default(),
            key_count: s.key_count,
            cpu_usec: s.cpu_usec,
            network_bytes_in: s.network_bytes_in,
            network_bytes_out: s.network_bytes_out,
            share_pct: pct(metric(s)),
        })
        .collect();
    slots.sort_by(|a, b| {
        b.share_pct
            .total_cmp(&a.share_pct)
            .then(a.slot.cmp(&b.slot))
    });
    slots.truncate(top);
    let mut loads: Vec<NodeLoad> = per_node
        .iter()
        .map(|(n, stats)| NodeLoad {
            node: nodes.get(*n).cloned().unwrap_or_default(),
            slots: stats.len() as u64,
            key_count: stats.iter().map(|s| s.key_count).sum(),
            cpu_usec: with_cpu.then(|| stats.iter().filter_map(|s| s.cpu_usec).sum()),
            share_pct: pct(stats.iter().map(metric).sum()),
        })
        .collect();
    loads.sort_by(|a, b| {
        b.share_pct
            .total_cmp(&a.share_pct)
            .then_with(|| a.node.cmp(&b.node))
    });
    SlotReport {
        ordered_by: if with_cpu { "cpu-usec" } else { "key-count" },
        slots,
        nodes: loads,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lfu_and_slots() {
        let keys = vec![
            (b"a".to_vec(), 5, 0),
            (b"b".to_vec(), 200, 1),
            (b"c".to_vec(), 5, 0),
        ];
        let nodes = vec!["n0".to_string(), "n1".to_string()];
        let top = top_lfu(keys, &nodes, 2);
        assert_eq!(
            (top[0].key.as_str(), top[0].freq, top[0].node.as_str()),
            ("b", 200, "n1")
        );
        assert_eq!(top[1].key, "a");

        let stat = |slot, cpu| SlotStat {
            slot,
            key_count: 1,
            cpu_usec: Some(cpu),
            ..Default::default()
        };
        let r = rank_slots(
            &[
                (0, vec![stat(1, 10), stat(2, 0)]),
                (1, vec![stat(9000, 90)]),
            ],
            &nodes,
            5,
        );
        assert_eq!(r.ordered_by, "cpu-usec");
        assert_eq!(r.slots[0].slot, 9000);
        assert_eq!(r.slots[0].node, "n1");
        assert!((r.slots[0].share_pct - 90.0).abs() < 1e-9);
        assert_eq!(r.slots.len(), 2, "idle slots are left out");
        assert_eq!(r.nodes[0].node, "n1");
    }
}

//! The baseline file of `detect --save-baseline` / `--baseline`: per node, the rates and
//! gauges of a calm run, and the check that a baseline belongs to the target it is used
//! on. Pure: the caller reads and writes the file.
//!
//! # Format
//!
//! One JSON document: `{"schema": "cachestorm.baseline/v1", "saved_at", "window_ms",
//! "nodes": [{"node", "role", "run_id", "rates": {"ops_per_sec", "hits_per_sec",
//! "misses_per_sec", "sets_per_sec", "expired_per_sec", "evicted_per_sec",
//! "connections_per_sec", "rejected_conns_per_sec", "net_out_bytes_per_sec"}, "hit_pct",
//! "keys", "keys_growth_per_sec", "net_out_bytes_per_op", "used_memory_bytes",
//! "used_memory_pct", "fragmentation_ratio", "connected_clients", "rtt_p95_ms",
//! "commands_per_sec": {"get": 812.0, ...}}]}`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::reference::quantile;
use super::series::{Counters, NodeSeries, Rates};

pub(crate) const SCHEMA: &str = "cachestorm.baseline/v1";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct Baseline {
    pub(crate) schema: String,
    pub(crate) saved_at: String,
    pub(crate) window_ms: u64,
    pub(crate) nodes: Vec<NodeBaseline>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub(crate) struct BaselineRates {
    pub(crate) ops_per_sec: f64,
    pub(crate) hits_per_sec: f64,
    pub(crate) misses_per_sec: f64,
    pub(crate) sets_per_sec: f64,
    pub(crate) expired_per_sec: f64,
    pub(crate) evicted_per_sec: f64,
    pub(crate) connections_per_sec: f64,
    pub(crate) rejected_conns_per_sec: f64,
    pub(crate) net_out_bytes_per_sec: f64,
}

impl BaselineRates {
    fn of(r: &Rates) -> Self {
        BaselineRates {
            ops_per_sec: r.ops,
            hits_per_sec: r.hits,
            misses_per_sec: r.misses,
            sets_per_sec: r.sets,
            expired_per_sec: r.expired,
            evicted_per_sec: r.evicted,
            connections_per_sec: r.conns,
            rejected_conns_per_sec: r.rejected,
            net_out_bytes_per_sec: r.net_out,
        }
    }

    pub(crate) fn to_rates(&self) -> Rates {
        Rates {
            ops: self.ops_per_sec,
            hits: self.hits_per_sec,
            misses: self.misses_per_sec,
            sets: self.sets_per_sec,
            expired: self.expired_per_sec,
            evicted: self.evicted_per_sec,
            net_out: self.net_out_bytes_per_sec,
            conns: self.connections_per_sec,
            rejected: self.rejected_conns_per_sec,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub(crate) struct NodeBaseline {
    pub(crate) node: String,
    pub(crate) role: Option<String>,
    pub(crate) run_id: Option<String>,
    pub(crate) rates: BaselineRates,
    pub(crate) hit_pct: Option<f64>,
    pub(crate) keys: u64,
    pub(crate) keys_growth_per_sec: f64,
    pub(crate) net_out_bytes_per_op: Option<f64>,
    pub(crate) used_memory_bytes: Option<u64>,
    pub(crate) used_memory_pct: Option<f64>,
    pub(crate) fragmentation_ratio: Option<f64>,
    pub(crate) connected_clients: Option<u64>,
    pub(crate) rtt_p95_ms: Option<f64>,
    #[serde(default)]
    pub(crate) commands_per_sec: BTreeMap<String, f64>,
}

impl NodeBaseline {
    /// The baseline of one node from its samples: rates over the whole run (restarts
    /// excluded), gauges from the last sample. None when it answered fewer than twice.
    pub(crate) fn of(s: &NodeSeries) -> Option<Self> {
        let (first, last) = (s.points.front()?, s.points.back()?);
        let mut sum = Counters::default();
        let mut secs = 0.0;
        for iv in s.intervals(f64::MIN, f64::MAX) {
            if let Some(d) = iv.d {
                secs += iv.secs();
                sum = sum.plus(&d);
            }
        }
        if secs <= 0.0 {
            return None;
        }
        let rates = Rates::of(&sum, secs);
        let span = last.t - first.t;
        let cmds = last
            .cmds
            .iter()
            .filter_map(|(name, calls, _)| {
                let before = first.cmds.iter().find(|c| &c.0 == name).map_or(0, |c| c.1);
                let d = calls.checked_sub(before)?;
                (d > 0).then(|| (name.clone(), d as f64 / span))
            })
            .collect();
        Some(NodeBaseline {
            node: s.name.clone(),
            role: last.role.clone(),
            run_id: last.run_id.clone(),
            rates: BaselineRates::of(&rates),
            hit_pct: rates.hit_pct(),
            keys: last.keys,
            keys_growth_per_sec: (last.keys as f64 - first.keys as f64) / span.max(1e-9),
            net_out_bytes_per_op: (rates.ops > 0.0).then(|| rates.net_out / rates.ops),
            used_memory_bytes: last.used_memory,
            used_memory_pct: last.memory_pct(),
            fragmentation_ratio: last.fragmentation,
            connected_clients: last.clients,
            rtt_p95_ms: quantile(s.points.iter().filter_map(|p| p.rtt_ms).collect(), 0.95),
            commands_per_sec: cmds,
        })
    }
}

impl Baseline {
    /// Reads a baseline document; a clear reason when it is not one.
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let b: Baseline =
            serde_json::from_str(text).map_err(|e| format!("not a cachestorm baseline ({e})"))?;
        if b.schema != SCHEMA {
            return Err(format!(
                "schema {:?} is not {SCHEMA:?} (written by another version?)",
                b.schema
            ));
        }
        Ok(b)
    }

    /// Refuses a baseline saved on other nodes or another topology: the same node
    /// addresses, each with the same role.
    pub(crate) fn check(&self, nodes: &[(String, Option<String>)]) -> Result<(), String> {
        let mut saved: Vec<&str> = self.nodes.iter().map(|n| n.node.as_str()).collect();
        let mut now: Vec<&str> = nodes.iter().map(|n| n.0.as_str()).collect();
        saved.sort_unstable();
        now.sort_unstable();
        if saved != now {
            return Err(format!(
                "it was saved for {} and this target is {}: another topology (save a new one with --save-baseline in calm times)",
                saved.join(", "),
                now.join(", ")
            ));
        }
        for (name, role) in nodes {
            let b = self.nodes.iter().find(|b| &b.node == name);
            if let (Some(b), Some(role)) = (b, role) {
                if b.role.as_ref().is_some_and(|r| r != role) {
                    return Err(format!(
                        "{name} was a {} when it was saved and is a {role} now: another topology (save a new one with --save-baseline)",
                        b.role.as_deref().unwrap_or("?")
                    ));
                }
            }
        }
        Ok(())
    }

    pub(crate) fn node(&self, name: &str) -> Option<&NodeBaseline> {
        self.nodes.iter().find(|n| n.node == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::info::parse;

    #[test]
    fn built_from_samples_and_checked() {
        let mut s = NodeSeries::new("a:1".into());
        let text = |hits: u64| {
            format!("role:master\nrun_id:r\nuptime_in_seconds:9\nkeyspace_hits:{hits}\nkeyspace_misses:0\ntotal_commands_processed:{hits}\ncmdstat_get:calls={hits},usec=1,usec_per_call=1\ndb0:keys=10,expires=0,avg_ttl=0\n")
        };
        s.push_info(0.0, Some(0.2), parse(&text(0)));
        s.push_info(2.0, Some(0.4), parse(&text(200)));
        let n = NodeBaseline::of(&s).unwrap();
        assert_eq!(n.rates.hits_per_sec, 100.0);
        assert_eq!(n.hit_pct, Some(100.0));
        assert_eq!(n.commands_per_sec.get("get"), Some(&100.0));
        assert_eq!(n.rtt_p95_ms, Some(0.4));
        let b = Baseline {
            schema: SCHEMA.into(),
            saved_at: "x".into(),
            window_ms: 2000,
            nodes: vec![n],
        };
        let back = Baseline::parse(&serde_json::to_string(&b).unwrap()).unwrap();
        assert_eq!(back, b);
        assert!(b.check(&[("a:1".into(), Some("master".into()))]).is_ok());
        assert!(b
            .check(&[("b:1".into(), None)])
            .unwrap_err()
            .contains("another topology"));
        assert!(b
            .check(&[("a:1".into(), Some("slave".into()))])
            .unwrap_err()
            .contains("was a master"));
        assert!(Baseline::parse("{}").is_err());
    }
}

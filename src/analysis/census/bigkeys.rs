//! The `bigkeys` report from a census: the biggest keys overall and per type, per-type
//! totals, key-size percentiles, keys and memory per node, and big-collection findings
//! (with the rules behind them). Pure: no I/O; it reads the census, never the server.

use std::collections::BTreeMap;

use serde::Serialize;

use super::top::Top;
use super::Census;
use crate::parse::keyfacts::{KeyInfo, KeyType};
use crate::ratio::pct as share;
use crate::show;

/// Big-collection rules, in the spirit of RedisInsight's recommendations.
const FINDINGS: [(KeyType, u64, &str); 4] = [
    (KeyType::Hash, 5_000, "hashes with more than 5,000 fields"),
    (KeyType::Set, 1_000, "sets with more than 1,000 members"),
    (KeyType::String, 100_000, "strings longer than 100 kB"),
    (KeyType::List, 1_000, "lists with more than 1,000 items"),
];

/// The big-collection rules, for people ("hashes with more than 5,000 fields", ...).
pub(crate) fn finding_rules() -> impl Iterator<Item = &'static str> {
    FINDINGS.iter().map(|f| f.2)
}

/// Key names kept per finding (the longest).
const FINDING_EXAMPLES: usize = 20;

/// A key over a finding's limit, with its length.
type FindingExample = (Vec<u8>, u64);

/// Per rule: keys over the limit, and the longest of them.
pub(super) struct Findings(Vec<(u64, Top<FindingExample>)>);

impl Findings {
    pub(super) fn new() -> Self {
        Findings(
            FINDINGS
                .iter()
                .map(|_| (0, Top::new(FINDING_EXAMPLES)))
                .collect(),
        )
    }

    pub(super) fn add(&mut self, k: &KeyInfo) {
        for (i, (kind, limit, _)) in FINDINGS.iter().enumerate() {
            if let (true, Some(len)) = (*kind == k.kind, k.length) {
                if len > *limit {
                    let f = &mut self.0[i];
                    f.0 += 1;
                    f.1.offer(len, || (k.key.clone(), len));
                }
            }
        }
    }

    /// The rules some key broke, in rule order.
    fn report(&self) -> Vec<Finding> {
        FINDINGS
            .iter()
            .zip(&self.0)
            .filter(|(_, (n, _))| *n > 0)
            .map(|((kind, limit, rule), (n, top))| Finding {
                rule,
                kind: kind.as_str().to_string(),
                threshold: *limit,
                keys: *n,
                examples: top
                    .sorted()
                    .into_iter()
                    .map(|(k, len)| FindingKey {
                        key: show::key(k),
                        length: *len,
                    })
                    .collect(),
            })
            .collect()
    }
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub(crate) struct BigKey {
    pub(crate) key: String,
    #[serde(rename = "type")]
    pub(crate) kind: String,
    pub(crate) memory_bytes: u64,
    pub(crate) length: Option<u64>,
    pub(crate) length_unit: &'static str,
    pub(crate) encoding: Option<String>,
    /// None: no TTL.
    pub(crate) ttl_ms: Option<u64>,
    pub(crate) node: String,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub(crate) struct TypeRow {
    #[serde(rename = "type")]
    pub(crate) kind: String,
    pub(crate) keys: u64,
    pub(crate) keys_pct: f64,
    pub(crate) memory_bytes: u64,
    pub(crate) avg_memory_bytes: f64,
    pub(crate) avg_length: Option<f64>,
    pub(crate) length_unit: &'static str,
    pub(crate) biggest_key: Option<String>,
    pub(crate) biggest_memory_bytes: Option<u64>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub(crate) struct Percentiles {
    pub(crate) p50_bytes: u64,
    pub(crate) p90_bytes: u64,
    pub(crate) p99_bytes: u64,
    pub(crate) p99_9_bytes: u64,
    pub(crate) max_bytes: u64,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub(crate) struct Finding {
    pub(crate) rule: &'static str,
    #[serde(rename = "type")]
    pub(crate) kind: String,
    pub(crate) threshold: u64,
    pub(crate) keys: u64,
    /// The longest ones, longest first: (key, length).
    pub(crate) examples: Vec<FindingKey>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub(crate) struct FindingKey {
    pub(crate) key: String,
    pub(crate) length: u64,
}

/// What one node holds of the scanned keys.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub(crate) struct NodeTotals {
    pub(crate) node: String,
    pub(crate) keys: u64,
    pub(crate) memory_bytes: u64,
    /// Of the scanned memory on all nodes.
    pub(crate) memory_pct: f64,
    pub(crate) ttl_memory_bytes: u64,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub(crate) struct BigkeysReport {
    /// Keys measured (scanned and not vanished).
    pub(crate) keys_counted: u64,
    pub(crate) memory_bytes: u64,
    /// Per node, in node order: where the memory is (an unbalanced cluster shows here).
    pub(crate) per_node: Vec<NodeTotals>,
    pub(crate) top: Vec<BigKey>,
    pub(crate) top_by_type: BTreeMap<String, Vec<BigKey>>,
    pub(crate) types: Vec<TypeRow>,
    pub(crate) size_percentiles: Percentiles,
    pub(crate) findings: Vec<Finding>,
}

impl Census {
    fn big_key(&self, k: &KeyInfo) -> BigKey {
        BigKey {
            key: show::key(&k.key),
            kind: k.kind.as_str().to_string(),
            memory_bytes: k.memory,
            length: k.length,
            length_unit: k.kind.length_unit(),
            encoding: k.encoding.clone(),
            ttl_ms: k.ttl_ms,
            node: self.node_name(usize::from(k.node)),
        }
    }

    fn big_keys(&self, top: &Top<KeyInfo>) -> Vec<BigKey> {
        top.sorted().into_iter().map(|k| self.big_key(k)).collect()
    }

    fn type_rows(&self) -> Vec<TypeRow> {
        self.by_type
            .iter()
            .map(|(kind, (acc, top))| {
                let biggest = top.sorted().first().map(|k| (show::key(&k.key), k.memory));
                TypeRow {
                    kind: kind.as_str().to_string(),
                    keys: acc.keys,
                    keys_pct: share(acc.keys, self.keys),
                    memory_bytes: acc.memory,
                    avg_memory_bytes: acc.memory as f64 / acc.keys.max(1) as f64,
                    avg_length: (acc.length_n > 0)
                        .then(|| acc.length_sum as f64 / acc.length_n as f64),
                    length_unit: kind.length_unit(),
                    biggest_memory_bytes: biggest.as_ref().map(|b| b.1),
                    biggest_key: biggest.map(|b| b.0),
                }
            })
            .collect()
    }

    pub(crate) fn bigkeys(&self) -> BigkeysReport {
        BigkeysReport {
            keys_counted: self.keys,
            memory_bytes: self.memory,
            per_node: self
                .nodes
                .iter()
                .zip(&self.cfg.nodes)
                .map(|(n, name)| NodeTotals {
                    node: name.clone(),
                    keys: n.keys,
                    memory_bytes: n.memory,
                    memory_pct: share(n.memory, self.memory),
                    ttl_memory_bytes: n.ttl_memory,
                })
                .collect(),
            top: self.big_keys(&self.top),
            top_by_type: self
                .by_type
                .iter()
                .map(|(kind, (_, top))| (kind.as_str().to_string(), self.big_keys(top)))
                .collect(),
            types: self.type_rows(),
            size_percentiles: Percentiles {
                p50_bytes: self.sizes.quantile(0.5),
                p90_bytes: self.sizes.quantile(0.9),
                p99_bytes: self.sizes.quantile(0.99),
                p99_9_bytes: self.sizes.quantile(0.999),
                max_bytes: self.sizes.max,
            },
            findings: self.findings.report(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{cfg, key, rules};
    use super::*;

    #[test]
    fn tops_types_findings_and_percentiles() {
        let mut c = Census::new(cfg(), rules());
        for i in 0..100u64 {
            c.add(key(&format!("user:{i}"), KeyType::String, 50 + i, 10, None));
        }
        c.add(key("big:hash", KeyType::Hash, 900_000, 6_000, None));
        c.add(key("big:set", KeyType::Set, 90_000, 1_500, Some(30)));
        c.add(key("small:set", KeyType::Set, 200, 3, Some(30)));
        let r = c.bigkeys();
        assert_eq!(r.keys_counted, 103);
        let names: Vec<&str> = r.top.iter().map(|k| k.key.as_str()).collect();
        assert_eq!(names, ["big:hash", "big:set", "small:set"]);
        assert_eq!(r.top_by_type["string"][0].key, "user:99");
        assert_eq!(r.top_by_type["set"].len(), 2);
        let s = r.types.iter().find(|t| t.kind == "string").unwrap();
        assert_eq!((s.keys, s.memory_bytes), (100, (50..150).sum::<u64>()));
        assert_eq!(r.findings.len(), 2);
        assert_eq!(r.findings[0].examples[0].key, "big:hash");
        assert_eq!(r.findings[1].keys, 1);
        assert_eq!(r.size_percentiles.max_bytes, 900_000);
        assert_eq!(r.per_node.len(), 2);
        assert_eq!(r.per_node[0].keys, 103);
        assert_eq!(r.per_node[0].memory_pct, 100.0);
        assert_eq!(r.per_node[1].keys, 0);
    }
}

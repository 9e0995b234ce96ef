//! Memory headroom per node: used memory against maxmemory, and what the node's eviction
//! policy could evict of the keys scanned there. Pure: INFO memory comes in as
//! [`NodeMemory`] values read by the caller; nothing here asks a server.

use serde::Serialize;

use super::Census;
use crate::parse::keyfacts::NodeMemory;
use crate::ratio::pct as share;

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub(crate) struct Headroom {
    pub(crate) node: String,
    pub(crate) used_memory_bytes: u64,
    /// None: no maxmemory set.
    pub(crate) maxmemory_bytes: Option<u64>,
    #[serde(rename = "used_memory_pct")]
    pub(crate) used_pct: Option<f64>,
    pub(crate) headroom_bytes: Option<u64>,
    pub(crate) policy: String,
    /// Scanned memory the policy may evict (allkeys-*: all; volatile-*: keys with a TTL).
    pub(crate) evictable_bytes: u64,
    pub(crate) evictable_pct: f64,
    pub(crate) note: String,
}

impl Census {
    /// Memory headroom per node, with what the node's policy could evict of what was
    /// scanned there. `mem[i]` is node i's INFO memory, when read.
    pub(crate) fn headroom(&self, mem: &[Option<NodeMemory>]) -> Vec<Headroom> {
        mem.iter()
            .enumerate()
            .filter_map(|(i, m)| {
                let m = m.as_ref()?;
                let acc = self.nodes.get(i)?;
                let (evictable, note) = match m.policy.as_str() {
                    p if p.starts_with("allkeys-") => (acc.memory, "any key may be evicted"),
                    p if p.starts_with("volatile-") => (
                        acc.ttl_memory,
                        "only keys with a TTL may be evicted; keys without one stay",
                    ),
                    "noeviction" => (0, "nothing is evicted: writes fail with OOM at maxmemory"),
                    _ => (0, "unknown policy"),
                };
                let max = (m.maxmemory > 0).then_some(m.maxmemory);
                Some(Headroom {
                    node: self.node_name(i),
                    used_memory_bytes: m.used_memory,
                    maxmemory_bytes: max,
                    used_pct: max.map(|x| share(m.used_memory, x)),
                    headroom_bytes: max.map(|x| x.saturating_sub(m.used_memory)),
                    policy: m.policy.clone(),
                    evictable_bytes: evictable,
                    evictable_pct: share(evictable, acc.memory),
                    note: if max.is_none() {
                        "no maxmemory: the node grows until the OS stops it".to_string()
                    } else {
                        note.to_string()
                    },
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{cfg, key, rules};
    use super::*;
    use crate::parse::keyfacts::KeyType;

    #[test]
    fn headroom_follows_the_policy() {
        let mut c = Census::new(cfg(), rules());
        c.add(key("a", KeyType::String, 100, 1, Some(5)));
        c.add(key("b", KeyType::String, 300, 1, None));
        let mem = |p: &str| {
            Some(NodeMemory {
                used_memory: 1000,
                maxmemory: 4000,
                policy: p.into(),
            })
        };
        let h = c.headroom(&[mem("volatile-lru"), None]);
        assert_eq!(h.len(), 1);
        assert_eq!(h[0].evictable_bytes, 100);
        assert_eq!(h[0].headroom_bytes, Some(3000));
        assert_eq!(c.headroom(&[mem("allkeys-lfu")])[0].evictable_bytes, 400);
        assert_eq!(c.headroom(&[mem("noeviction")])[0].evictable_bytes, 0);
    }
}

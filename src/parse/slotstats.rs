//! CLUSTER SLOT-STATS replies (Valkey 8+) → per-slot counters. Pure.

use redis::Value;

use super::resp::{as_count, as_text};

/// One slot's counters from CLUSTER SLOT-STATS.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub(crate) struct SlotStat {
    pub(crate) slot: u16,
    pub(crate) key_count: u64,
    pub(crate) cpu_usec: Option<u64>,
    pub(crate) network_bytes_in: Option<u64>,
    pub(crate) network_bytes_out: Option<u64>,
}

/// `[[slot, [name, value, ...]], ...]` (RESP2) or `[[slot, {name: value}]]` (RESP3).
pub(crate) fn parse_slot_stats(v: &Value) -> Vec<SlotStat> {
    let Value::Array(rows) = v else {
        return Vec::new();
    };
    rows.iter()
        .filter_map(|row| {
            let Value::Array(pair) = row else { return None };
            let slot = match pair.first()? {
                Value::Int(n) => u16::try_from(*n).ok()?,
                _ => return None,
            };
            let fields: Vec<(String, u64)> = match pair.get(1)? {
                Value::Array(kv) => kv
                    .chunks_exact(2)
                    .filter_map(|c| Some((as_text(&c[0])?, as_count(&c[1])?)))
                    .collect(),
                Value::Map(m) => m
                    .iter()
                    .filter_map(|(k, v)| Some((as_text(k)?, as_count(v)?)))
                    .collect(),
                _ => return None,
            };
            let get = |n: &str| fields.iter().find(|(k, _)| k == n).map(|(_, v)| *v);
            Some(SlotStat {
                slot,
                key_count: get("key-count").unwrap_or(0),
                cpu_usec: get("cpu-usec"),
                network_bytes_in: get("network-bytes-in"),
                network_bytes_out: get("network-bytes-out"),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slot_stats_reply() {
        let bs = |s: &str| Value::BulkString(s.as_bytes().to_vec());
        let v = Value::Array(vec![Value::Array(vec![
            Value::Int(12182),
            Value::Array(vec![
                bs("key-count"),
                Value::Int(1),
                bs("cpu-usec"),
                Value::Int(90),
            ]),
        ])]);
        let s = parse_slot_stats(&v);
        assert_eq!(s[0].slot, 12182);
        assert_eq!(s[0].key_count, 1);
        assert_eq!(s[0].cpu_usec, Some(90));
        assert_eq!(s[0].network_bytes_in, None);
    }
}

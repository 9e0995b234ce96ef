//! Hot slots without MONITOR: `CLUSTER SLOT-STATS` (Valkey 8+). (`OBJECT FREQ` over SCAN,
//! `--method lfu`, is a mode of the keyspace walker, `source::walker`.)

use redis::Value;

use super::conn::connect;
use crate::error::{Error, Result};
use crate::target::{ConnectOptions, Endpoint};

/// One slot's counters from CLUSTER SLOT-STATS.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub(crate) struct SlotStat {
    pub(crate) slot: u16,
    pub(crate) key_count: u64,
    pub(crate) cpu_usec: Option<u64>,
    pub(crate) network_bytes_in: Option<u64>,
    pub(crate) network_bytes_out: Option<u64>,
}

/// Every slot's stats from one node (it answers for the slots it serves).
pub(crate) async fn slot_stats(ep: &Endpoint, o: &ConnectOptions) -> Result<Vec<SlotStat>> {
    let mut c = connect(ep, o).await?;
    let v: Value = c
        .query(redis::cmd("CLUSTER").arg("SLOT-STATS").arg("SLOTSRANGE").arg(0).arg(16383))
        .await
        .map_err(|e| match e {
            Error::Server { addr, msg } if msg.to_ascii_lowercase().contains("unknown") || msg.contains("syntax") => Error::Server {
                addr,
                msg: format!("CLUSTER SLOT-STATS is not supported here ({msg}); it needs Valkey 8.0 or newer: use --method monitor"),
            },
            other => other,
        })?;
    Ok(parse_slot_stats(&v))
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
                    .filter_map(|c| Some((text(&c[0])?, int(&c[1])?)))
                    .collect(),
                Value::Map(m) => m
                    .iter()
                    .filter_map(|(k, v)| Some((text(k)?, int(v)?)))
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

fn text(v: &Value) -> Option<String> {
    match v {
        Value::BulkString(b) => Some(String::from_utf8_lossy(b).into_owned()),
        Value::SimpleString(s) => Some(s.clone()),
        _ => None,
    }
}

fn int(v: &Value) -> Option<u64> {
    match v {
        Value::Int(n) => u64::try_from(*n).ok(),
        other => text(other)?.parse().ok(),
    }
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

//! Hot keys without MONITOR: `OBJECT FREQ` over a throttled SCAN (LFU policies only), and
//! `CLUSTER SLOT-STATS` (Valkey 8+) for the hottest slots. Read-only and bounded.

use std::time::{Duration, Instant};

use redis::Value;

use super::conn::{connect, NodeConn};
use crate::error::{Error, Result};
use crate::target::{ConnectOptions, Endpoint};

/// Keys per SCAN call and per pipelined OBJECT FREQ batch.
const BATCH: usize = 1000;

/// Scans every key of `ep` and reads its LFU counter. `max_keys_per_sec` throttles the
/// scan. Fails with a clear message when the node's policy is not an LFU one.
pub(crate) async fn lfu_scan(
    ep: &Endpoint,
    o: &ConnectOptions,
    max_keys_per_sec: u64,
) -> Result<Vec<(Vec<u8>, u8)>> {
    let mut c = connect(ep, o).await?;
    let info: String = c.query(redis::cmd("INFO").arg("memory")).await?;
    let policy = info
        .lines()
        .find_map(|l| l.trim_end().strip_prefix("maxmemory_policy:"))
        .unwrap_or("unknown")
        .to_string();
    if !policy.ends_with("-lfu") {
        return Err(Error::Server {
            addr: ep.to_string(),
            msg: format!(
                "maxmemory-policy is {policy}: OBJECT FREQ needs an LFU policy (CONFIG SET maxmemory-policy allkeys-lfu, or volatile-lfu); or use --method monitor"
            ),
        });
    }
    let mut out = Vec::new();
    let mut cursor: u64 = 0;
    let started = Instant::now();
    loop {
        let (next, keys): (u64, Vec<Vec<u8>>) = c
            .query(redis::cmd("SCAN").arg(cursor).arg("COUNT").arg(BATCH))
            .await?;
        if !keys.is_empty() {
            out.extend(freqs(&mut c, keys).await?);
        }
        cursor = next;
        if cursor == 0 {
            break;
        }
        // Throttle: never faster than max_keys_per_sec on average.
        let due = Duration::from_secs_f64(out.len() as f64 / max_keys_per_sec.max(1) as f64);
        if let Some(wait) = due.checked_sub(started.elapsed()) {
            tokio::time::sleep(wait).await;
        }
    }
    Ok(out)
}

async fn freqs(c: &mut NodeConn, keys: Vec<Vec<u8>>) -> Result<Vec<(Vec<u8>, u8)>> {
    let mut pipe = redis::pipe();
    for k in &keys {
        pipe.cmd("OBJECT")
            .arg("FREQ")
            .arg(k.as_slice())
            .ignore_errors();
    }
    let replies: Vec<Value> = c.query_pipe(&pipe).await?;
    // A key deleted between SCAN and OBJECT FREQ answers an error: it is left out.
    Ok(keys
        .into_iter()
        .zip(replies)
        .filter_map(|(k, v)| match v {
            Value::Int(n) => Some((k, n.clamp(0, 255) as u8)),
            _ => None,
        })
        .collect())
}

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

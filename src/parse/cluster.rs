//! Cluster topology replies → [`ClusterNode`]s. Pure: `CLUSTER SHARDS` (Redis 7+, as a
//! RESP value) and the older `CLUSTER NODES` text.

use redis::Value;
use serde::Serialize;

use super::resp::{as_array, as_int, as_map, as_text};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct ClusterNode {
    pub(crate) id: String,
    pub(crate) host: String,
    pub(crate) port: u16,
    /// `master` or `replica`.
    pub(crate) role: String,
    /// For a replica, the id of its master.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) master_id: Option<String>,
    /// Inclusive slot ranges served (masters only).
    pub(crate) slots: Vec<(u16, u16)>,
    /// `online`, `fail`, `loading`, ... as the cluster sees it.
    pub(crate) health: String,
}

/// Parses the text of `CLUSTER NODES`. Lines that do not parse are skipped.
pub(crate) fn parse_nodes(text: &str) -> Vec<ClusterNode> {
    text.lines().filter_map(parse_nodes_line).collect()
}

fn parse_nodes_line(line: &str) -> Option<ClusterNode> {
    let f: Vec<&str> = line.split_whitespace().collect();
    if f.len() < 8 {
        return None;
    }
    // ip:port@cport[,hostname]
    let addr = f[1].split(['@', ',']).next()?;
    let (host, port) = addr.rsplit_once(':')?;
    let port: u16 = port.parse().ok()?;
    let flags: Vec<&str> = f[2].split(',').collect();
    let role = if flags.contains(&"master") {
        "master"
    } else if flags.contains(&"slave") {
        "replica"
    } else {
        return None;
    };
    let health = if flags.iter().any(|fl| *fl == "fail" || *fl == "fail?") {
        "fail"
    } else if f[7] != "connected" {
        "disconnected"
    } else {
        "online"
    };
    let slots = f[8..]
        .iter()
        .filter(|s| !s.starts_with('['))
        .filter_map(|s| match s.split_once('-') {
            Some((a, b)) => Some((a.parse().ok()?, b.parse().ok()?)),
            None => s.parse().ok().map(|n| (n, n)),
        })
        .collect();
    Some(ClusterNode {
        id: f[0].to_string(),
        host: host.to_string(),
        port,
        role: role.to_string(),
        master_id: (f[3] != "-").then(|| f[3].to_string()),
        slots,
        health: health.to_string(),
    })
}

/// Parses the reply of `CLUSTER SHARDS` (RESP2 flat arrays or RESP3 maps). With
/// `tls`, a node's `tls-port` is preferred over its `port`.
pub(crate) fn parse_shards(v: &Value, tls: bool) -> Result<Vec<ClusterNode>, String> {
    let shards = as_array(v).ok_or("CLUSTER SHARDS: expected an array")?;
    let mut out = Vec::new();
    for shard in shards {
        let fields = as_map(shard).ok_or("CLUSTER SHARDS: expected a map per shard")?;
        let mut slots = Vec::new();
        let mut nodes = Vec::new();
        for (k, val) in fields {
            match k.as_str() {
                "slots" => {
                    let nums: Vec<u16> = as_array(val)
                        .unwrap_or(&[])
                        .iter()
                        .filter_map(|x| as_int(x).and_then(|n| u16::try_from(n).ok()))
                        .collect();
                    slots = nums.chunks_exact(2).map(|c| (c[0], c[1])).collect();
                }
                "nodes" => nodes = as_array(val).unwrap_or(&[]).iter().collect(),
                _ => {}
            }
        }
        let mut master_id = None;
        let mut shard_nodes = Vec::new();
        for n in nodes {
            let m = as_map(n).ok_or("CLUSTER SHARDS: expected a map per node")?;
            let get = |name: &str| m.iter().find(|(k, _)| k == name).map(|(_, v)| *v);
            let text = |name: &str| get(name).and_then(as_text).unwrap_or_default();
            let port = if tls {
                get("tls-port")
                    .and_then(as_int)
                    .or_else(|| get("port").and_then(as_int))
            } else {
                get("port")
                    .and_then(as_int)
                    .or_else(|| get("tls-port").and_then(as_int))
            };
            let Some(port) = port.and_then(|p| u16::try_from(p).ok()) else {
                continue;
            };
            let endpoint = text("endpoint");
            let host = if endpoint.is_empty() || endpoint == "?" {
                text("ip")
            } else {
                endpoint
            };
            let role = if text("role") == "master" {
                "master"
            } else {
                "replica"
            };
            let id = text("id");
            if role == "master" {
                master_id = Some(id.clone());
            }
            shard_nodes.push(ClusterNode {
                id,
                host,
                port,
                role: role.to_string(),
                master_id: None,
                slots: if role == "master" {
                    slots.clone()
                } else {
                    Vec::new()
                },
                health: text("health"),
            });
        }
        for n in &mut shard_nodes {
            if n.role == "replica" {
                n.master_id = master_id.clone();
            }
        }
        out.extend(shard_nodes);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NODES: &str = "\
07c37dfeb235213a872192d90877d0cd55635b91 127.0.0.1:30004@31004,host1 slave e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 0 1426238317239 4 connected
67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1 127.0.0.1:30002@31002 master - 0 1426238316232 2 connected 5461-10922
e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 127.0.0.1:30001@31001 myself,master - 0 0 1 connected 0-5460 [5461->-67ed2db8]
6ec23923021cf3ffec47632106199cb7f496ce01 127.0.0.1:30005@31005 slave,fail 67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1 0 1426238316232 5 connected
garbage line
";

    #[test]
    fn cluster_nodes_text() {
        let n = parse_nodes(NODES);
        assert_eq!(n.len(), 4);
        assert_eq!(n[0].role, "replica");
        assert_eq!(n[0].port, 30004);
        assert_eq!(
            n[0].master_id.as_deref(),
            Some("e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca")
        );
        assert_eq!(n[1].slots, vec![(5461, 10922)]);
        assert_eq!(n[2].slots, vec![(0, 5460)]);
        assert_eq!(n[3].health, "fail");
    }

    fn bs(s: &str) -> Value {
        Value::BulkString(s.as_bytes().to_vec())
    }

    #[test]
    fn cluster_shards_resp2() {
        let node = |id: &str, port: i64, role: &str| {
            Value::Array(vec![
                bs("id"),
                bs(id),
                bs("port"),
                Value::Int(port),
                bs("ip"),
                bs("127.0.0.1"),
                bs("endpoint"),
                bs("127.0.0.1"),
                bs("role"),
                bs(role),
                bs("health"),
                bs("online"),
            ])
        };
        let shard = Value::Array(vec![
            bs("slots"),
            Value::Array(vec![Value::Int(0), Value::Int(5460)]),
            bs("nodes"),
            Value::Array(vec![node("a", 7000, "master"), node("b", 7003, "replica")]),
        ]);
        let n = parse_shards(&Value::Array(vec![shard]), false).unwrap();
        assert_eq!(n.len(), 2);
        assert_eq!(n[0].slots, vec![(0, 5460)]);
        assert_eq!(n[1].master_id.as_deref(), Some("a"));
        assert!(parse_shards(&Value::Int(1), false).is_err());
    }
}

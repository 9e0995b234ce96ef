//! From what the user named to the concrete list of nodes: the node list as given, every
//! node of a cluster (CLUSTER SHARDS, falling back to CLUSTER NODES), or the master and
//! replicas a Sentinel knows; and which of them a job works on ([`NodeList`]: masters for
//! MONITOR, one replica per master for a `--replicas` scan). Must not: talk to a node
//! beyond discovery.

use std::collections::HashMap;

use serde::Serialize;

use super::conn::{connect, connect_with, SENTINEL_PASS};
use crate::endpoint::{Discovery, Endpoint, Target};
use crate::error::{Error, Result};
use crate::parse::cluster::{self, ClusterNode};

/// A node's part in replication, as discovery learnt it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Role {
    Master,
    Replica,
}

/// One node to work on, with what discovery learnt about it.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub(crate) struct NodeSpec {
    /// `host:port` (or a Unix socket's path).
    #[serde(rename = "node")]
    pub(crate) addr: Endpoint,
    /// When discovery knows it (cluster, sentinel); serialized `master`/`replica`.
    pub(crate) role: Option<Role>,
    /// Cluster node id.
    pub(crate) id: Option<String>,
    /// A replica's master.
    pub(crate) master: Option<Endpoint>,
    /// Cluster slot ranges served, `[first, last]`.
    pub(crate) slots: Vec<(u16, u16)>,
}

impl NodeSpec {
    fn plain(addr: Endpoint) -> Self {
        NodeSpec {
            addr,
            role: None,
            id: None,
            master: None,
            slots: Vec::new(),
        }
    }

    fn is_replica(&self) -> bool {
        self.role == Some(Role::Replica)
    }
}

/// Choosing nodes from a discovered list.
pub(crate) trait NodeList {
    /// The nodes to capture MONITOR on: masters only (replicas repeat the masters'
    /// writes); every node of a plain list.
    fn capture_nodes(&self) -> Vec<NodeSpec>;
    /// The nodes to walk the keyspace of: the masters; with `replicas` one replica of
    /// each master (the master itself where it has none). A plain list is taken as given.
    fn scan_nodes(&self, replicas: bool) -> Vec<NodeSpec>;
    /// Each node's address as shown.
    fn names(&self) -> Vec<String>;
}

impl NodeList for [NodeSpec] {
    fn capture_nodes(&self) -> Vec<NodeSpec> {
        self.iter().filter(|n| !n.is_replica()).cloned().collect()
    }

    fn scan_nodes(&self, replicas: bool) -> Vec<NodeSpec> {
        if !replicas {
            return self.capture_nodes();
        }
        if self.iter().all(|n| n.role.is_none()) {
            return self.to_vec();
        }
        self.iter()
            .filter(|n| !n.is_replica())
            .map(|m| {
                self.iter()
                    .find(|r| r.is_replica() && r.master.as_ref() == Some(&m.addr))
                    .unwrap_or(m)
                    .clone()
            })
            .collect()
    }

    fn names(&self) -> Vec<String> {
        self.iter().map(|n| n.addr.to_string()).collect()
    }
}

pub(crate) async fn discover(t: &Target) -> Result<Vec<NodeSpec>> {
    match &t.discovery {
        Discovery::Nodes(list) => Ok(list.iter().cloned().map(NodeSpec::plain).collect()),
        Discovery::Cluster(seed) => cluster_nodes(t, seed).await,
        Discovery::Sentinel {
            sentinels,
            master,
            pass,
        } => sentinel_nodes(t, sentinels, master, pass.as_deref()).await,
    }
}

async fn cluster_nodes(t: &Target, seed: &Endpoint) -> Result<Vec<NodeSpec>> {
    let mut c = connect(seed, &t.options).await?;
    let nodes = match c
        .query::<redis::Value>(redis::cmd("CLUSTER").arg("SHARDS"))
        .await
    {
        Ok(v) => {
            cluster::parse_shards(&v, t.options.tls.is_some()).map_err(|msg| Error::Server {
                addr: seed.to_string(),
                msg,
            })?
        }
        Err(e) if is_disabled(&e) => return Err(not_a_cluster(seed)),
        // Before Redis 7.0 there is no CLUSTER SHARDS.
        Err(_) => {
            let text: String = c
                .query(redis::cmd("CLUSTER").arg("NODES"))
                .await
                .map_err(|e| {
                    if is_disabled(&e) {
                        not_a_cluster(seed)
                    } else {
                        e
                    }
                })?;
            cluster::parse_nodes(&text)
        }
    };
    if nodes.is_empty() {
        return Err(Error::Server {
            addr: seed.to_string(),
            msg: "the cluster reported no nodes".into(),
        });
    }
    Ok(to_specs(nodes, seed))
}

fn is_disabled(e: &Error) -> bool {
    matches!(e, Error::Server { msg, .. } if msg.contains("cluster support disabled"))
}

fn not_a_cluster(seed: &Endpoint) -> Error {
    Error::Server {
        addr: seed.to_string(),
        msg: "not a cluster node (cluster support disabled): drop --cluster, or point at a node of the cluster".into(),
    }
}

fn to_specs(nodes: Vec<ClusterNode>, seed: &Endpoint) -> Vec<NodeSpec> {
    let addr_of = |n: &ClusterNode| {
        // A node that does not know its own address reports an empty host: the seed's.
        let host = if n.host.is_empty() {
            seed.host.clone()
        } else {
            n.host.clone()
        };
        Endpoint::new(host, n.port)
    };
    let by_id: HashMap<&str, Endpoint> =
        nodes.iter().map(|n| (n.id.as_str(), addr_of(n))).collect();
    let mut specs: Vec<NodeSpec> = nodes
        .iter()
        .map(|n| NodeSpec {
            addr: addr_of(n),
            role: Some(if n.role == "master" {
                Role::Master
            } else {
                Role::Replica
            }),
            id: Some(n.id.clone()),
            master: n.master_id.as_deref().and_then(|id| by_id.get(id).cloned()),
            slots: n.slots.clone(),
        })
        .collect();
    // Masters first (by first slot), each followed by its replicas.
    specs.sort_by_key(|s| {
        let master = s.master.clone().unwrap_or_else(|| s.addr.clone());
        (master, s.role != Some(Role::Master), s.addr.clone())
    });
    specs
}

async fn sentinel_nodes(
    t: &Target,
    sentinels: &[Endpoint],
    master: &str,
    pass: Option<&str>,
) -> Result<Vec<NodeSpec>> {
    let mut last_err = None;
    for s in sentinels {
        // Sentinels have no ACL user of the data nodes, and only db 0.
        let mut c = match connect_with(s, &t.options, None, pass, 0, SENTINEL_PASS).await {
            Ok(c) => c,
            Err(e) => {
                last_err = Some(e);
                continue;
            }
        };
        let addr: Option<Vec<String>> = c
            .query(
                redis::cmd("SENTINEL")
                    .arg("get-master-addr-by-name")
                    .arg(master),
            )
            .await?;
        let Some([host, port]) = addr.as_deref() else {
            return Err(Error::Server {
                addr: s.to_string(),
                msg: format!("sentinel does not know a master named '{master}' (check --master)"),
            });
        };
        let master_ep = Endpoint::new(
            host.clone(),
            port.parse().map_err(|_| Error::Server {
                addr: s.to_string(),
                msg: format!("sentinel gave an invalid port '{port}'"),
            })?,
        );
        let replicas: Vec<HashMap<String, String>> = c
            .query(redis::cmd("SENTINEL").arg("replicas").arg(master))
            .await
            .unwrap_or_default();
        let mut out = vec![NodeSpec {
            role: Some(Role::Master),
            ..NodeSpec::plain(master_ep.clone())
        }];
        for r in replicas {
            let flags = r.get("flags").map(String::as_str).unwrap_or("");
            if flags
                .split(',')
                .any(|f| matches!(f, "s_down" | "o_down" | "disconnected"))
            {
                continue;
            }
            let (Some(ip), Some(port)) = (r.get("ip"), r.get("port").and_then(|p| p.parse().ok()))
            else {
                continue;
            };
            out.push(NodeSpec {
                role: Some(Role::Replica),
                master: Some(master_ep.clone()),
                ..NodeSpec::plain(Endpoint::new(ip.clone(), port))
            });
        }
        return Ok(out);
    }
    Err(last_err.unwrap_or_else(|| Error::Usage("no --sentinel given".into())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(port: u16, role: Option<Role>, master: Option<u16>) -> NodeSpec {
        NodeSpec {
            role,
            master: master.map(|p| Endpoint::new("h", p)),
            ..NodeSpec::plain(Endpoint::new("h", port))
        }
    }

    fn ports(v: &[NodeSpec]) -> Vec<u16> {
        v.iter().map(|n| n.addr.port).collect()
    }

    #[test]
    fn node_choice() {
        let (m, r) = (Some(Role::Master), Some(Role::Replica));
        let cluster = [
            node(1, m, None),
            node(4, r, Some(1)),
            node(2, m, None),
            node(3, m, None),
            node(6, r, Some(3)),
        ];
        assert_eq!(ports(&cluster.capture_nodes()), [1, 2, 3]);
        assert_eq!(ports(&cluster.scan_nodes(false)), [1, 2, 3]);
        // One replica per master; a master without one stands in for itself.
        assert_eq!(ports(&cluster.scan_nodes(true)), [4, 2, 6]);
        let plain = [node(1, None, None), node(2, None, None)];
        assert_eq!(ports(&plain.capture_nodes()), [1, 2]);
        assert_eq!(ports(&plain.scan_nodes(true)), [1, 2]);
        assert_eq!(plain.names(), ["h:1", "h:2"]);
    }

    #[test]
    fn roles_serialize_as_names_and_null() {
        let v = serde_json::to_value(node(4, Some(Role::Replica), Some(1))).unwrap();
        assert_eq!(v["role"], "replica");
        let v = serde_json::to_value(node(1, Some(Role::Master), None)).unwrap();
        assert_eq!(v["role"], "master");
        let v = serde_json::to_value(node(1, None, None)).unwrap();
        assert!(v["role"].is_null(), "absent is null: {v}");
        assert_eq!(v["node"], "h:1");
    }
}

//! `INFO` text → [`InfoSnapshot`]. Pure. Works on Redis 6.2, 7.x and Valkey 8.x output;
//! fields a version lacks are `None`, fields we do not model are kept in `raw`, and lines
//! that are not `key:value` are ignored — a surprising line never fails a poll.

use std::collections::BTreeMap;

use serde::Serialize;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub(crate) struct InfoSnapshot {
    pub(crate) server: ServerInfo,
    pub(crate) clients: ClientsInfo,
    pub(crate) memory: MemoryInfo,
    pub(crate) persistence: PersistenceInfo,
    pub(crate) stats: StatsInfo,
    pub(crate) replication: ReplicationInfo,
    pub(crate) keyspace: Vec<DbKeyspace>,
    pub(crate) commandstats: Vec<CommandStat>,
    pub(crate) errorstats: Vec<ErrorStat>,
    pub(crate) latencystats: Vec<LatencyStat>,
    /// Every field not modelled above, by name.
    pub(crate) raw: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub(crate) struct ServerInfo {
    /// `redis_version` (Valkey reports the Redis version it is compatible with here).
    pub(crate) redis_version: Option<String>,
    /// `redis` or `valkey` (`server_name`, absent before Valkey).
    pub(crate) server_name: Option<String>,
    pub(crate) valkey_version: Option<String>,
    pub(crate) server_mode: Option<String>,
    pub(crate) run_id: Option<String>,
    pub(crate) tcp_port: Option<u16>,
    pub(crate) uptime_in_seconds: Option<u64>,
    pub(crate) server_time_usec: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub(crate) struct ClientsInfo {
    pub(crate) connected_clients: Option<u64>,
    pub(crate) blocked_clients: Option<u64>,
    pub(crate) tracking_clients: Option<u64>,
    pub(crate) maxclients: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub(crate) struct MemoryInfo {
    pub(crate) used_memory: Option<u64>,
    pub(crate) used_memory_rss: Option<u64>,
    pub(crate) used_memory_peak: Option<u64>,
    pub(crate) maxmemory: Option<u64>,
    pub(crate) maxmemory_policy: Option<String>,
    pub(crate) mem_fragmentation_ratio: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub(crate) struct PersistenceInfo {
    pub(crate) loading: Option<bool>,
    pub(crate) async_loading: Option<bool>,
    pub(crate) rdb_bgsave_in_progress: Option<bool>,
    pub(crate) rdb_last_bgsave_status: Option<String>,
    pub(crate) aof_enabled: Option<bool>,
    pub(crate) aof_rewrite_in_progress: Option<bool>,
    pub(crate) aof_last_write_status: Option<String>,
    pub(crate) module_fork_in_progress: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub(crate) struct StatsInfo {
    pub(crate) total_connections_received: Option<u64>,
    pub(crate) total_commands_processed: Option<u64>,
    pub(crate) total_net_input_bytes: Option<u64>,
    pub(crate) total_net_output_bytes: Option<u64>,
    pub(crate) rejected_connections: Option<u64>,
    pub(crate) sync_full: Option<u64>,
    pub(crate) sync_partial_ok: Option<u64>,
    pub(crate) sync_partial_err: Option<u64>,
    pub(crate) expired_keys: Option<u64>,
    pub(crate) expired_stale_perc: Option<f64>,
    pub(crate) expired_time_cap_reached_count: Option<u64>,
    pub(crate) evicted_keys: Option<u64>,
    pub(crate) keyspace_hits: Option<u64>,
    pub(crate) keyspace_misses: Option<u64>,
    pub(crate) total_error_replies: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub(crate) struct ReplicationInfo {
    pub(crate) role: Option<String>,
    pub(crate) connected_slaves: Option<u64>,
    pub(crate) master_host: Option<String>,
    pub(crate) master_port: Option<u16>,
    pub(crate) master_link_status: Option<String>,
    pub(crate) master_last_io_seconds_ago: Option<i64>,
    pub(crate) master_sync_in_progress: Option<bool>,
    pub(crate) slave_repl_offset: Option<u64>,
    pub(crate) master_repl_offset: Option<u64>,
    pub(crate) replicas: Vec<ReplicaInfo>,
}

/// One `slaveN:ip=...,port=...,state=...,offset=...,lag=...` line of a master.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub(crate) struct ReplicaInfo {
    pub(crate) ip: String,
    pub(crate) port: u16,
    pub(crate) state: String,
    pub(crate) offset: u64,
    /// Seconds since the replica's last acknowledgement.
    pub(crate) lag: u64,
}

/// One `dbN:keys=...,expires=...,avg_ttl=...` line.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub(crate) struct DbKeyspace {
    pub(crate) db: u32,
    pub(crate) keys: u64,
    pub(crate) expires: u64,
    pub(crate) avg_ttl_ms: u64,
}

/// One `cmdstat_NAME:calls=...,usec=...,...` line.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub(crate) struct CommandStat {
    pub(crate) command: String,
    pub(crate) calls: u64,
    pub(crate) usec: u64,
    pub(crate) usec_per_call: f64,
    pub(crate) rejected_calls: u64,
    pub(crate) failed_calls: u64,
}

/// One `errorstat_PREFIX:count=N` line.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub(crate) struct ErrorStat {
    pub(crate) prefix: String,
    pub(crate) count: u64,
}

/// One `latency_percentiles_usec_CMD:p50=...,p99=...` line.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub(crate) struct LatencyStat {
    pub(crate) command: String,
    pub(crate) percentiles_usec: BTreeMap<String, f64>,
}

fn num<T: std::str::FromStr>(v: &str) -> Option<T> {
    v.trim().parse().ok()
}

fn flag(v: &str) -> Option<bool> {
    match v.trim() {
        "0" => Some(false),
        "1" => Some(true),
        _ => None,
    }
}

/// `a=1,b=2` → pairs. Values may hold `=` (never `,`).
fn pairs(v: &str) -> impl Iterator<Item = (&str, &str)> {
    v.split(',').filter_map(|kv| kv.split_once('='))
}

impl InfoSnapshot {
    /// Total keys over every database.
    pub(crate) fn total_keys(&self) -> u64 {
        self.keyspace.iter().map(|d| d.keys).sum()
    }

    /// The node's role (`master`/`slave`) as INFO reports it.
    pub(crate) fn role(&self) -> Option<&str> {
        self.replication.role.as_deref()
    }

    /// `redis 7.0.15` / `valkey 8.1.8`.
    pub(crate) fn version_label(&self) -> Option<String> {
        match (&self.server.valkey_version, &self.server.redis_version) {
            (Some(v), _) => Some(format!("valkey {v}")),
            (None, Some(v)) => Some(format!(
                "{} {v}",
                self.server.server_name.as_deref().unwrap_or("redis")
            )),
            _ => None,
        }
    }

    /// A fork is running (BGSAVE, AOF rewrite, module fork): latency spikes are expected.
    pub(crate) fn fork_in_progress(&self) -> bool {
        let p = &self.persistence;
        [
            p.rdb_bgsave_in_progress,
            p.aof_rewrite_in_progress,
            p.module_fork_in_progress,
        ]
        .into_iter()
        .any(|f| f == Some(true))
    }

    pub(crate) fn loading(&self) -> bool {
        self.persistence.loading == Some(true) || self.persistence.async_loading == Some(true)
    }
}

/// Parses the text of `INFO` (any sections). Never fails.
pub(crate) fn parse(text: &str) -> InfoSnapshot {
    let mut s = InfoSnapshot::default();
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        if !field(&mut s, k, v) {
            s.raw.insert(k.to_string(), v.to_string());
        }
    }
    s
}

/// Stores one field; returns false when it is not modelled.
fn field(s: &mut InfoSnapshot, k: &str, v: &str) -> bool {
    let sv = || Some(v.to_string());
    match k {
        "redis_version" => s.server.redis_version = sv(),
        "server_name" => s.server.server_name = sv(),
        "valkey_version" => s.server.valkey_version = sv(),
        "redis_mode" | "server_mode" => s.server.server_mode = sv(),
        "run_id" => s.server.run_id = sv(),
        "tcp_port" => s.server.tcp_port = num(v),
        "uptime_in_seconds" => s.server.uptime_in_seconds = num(v),
        "server_time_usec" => s.server.server_time_usec = num(v),

        "connected_clients" => s.clients.connected_clients = num(v),
        "blocked_clients" => s.clients.blocked_clients = num(v),
        "tracking_clients" => s.clients.tracking_clients = num(v),
        "maxclients" => s.clients.maxclients = num(v),

        "used_memory" => s.memory.used_memory = num(v),
        "used_memory_rss" => s.memory.used_memory_rss = num(v),
        "used_memory_peak" => s.memory.used_memory_peak = num(v),
        "maxmemory" => s.memory.maxmemory = num(v),
        "maxmemory_policy" => s.memory.maxmemory_policy = sv(),
        "mem_fragmentation_ratio" => s.memory.mem_fragmentation_ratio = num(v),

        "loading" => s.persistence.loading = flag(v),
        "async_loading" => s.persistence.async_loading = flag(v),
        "rdb_bgsave_in_progress" => s.persistence.rdb_bgsave_in_progress = flag(v),
        "rdb_last_bgsave_status" => s.persistence.rdb_last_bgsave_status = sv(),
        "aof_enabled" => s.persistence.aof_enabled = flag(v),
        "aof_rewrite_in_progress" => s.persistence.aof_rewrite_in_progress = flag(v),
        "aof_last_write_status" => s.persistence.aof_last_write_status = sv(),
        "module_fork_in_progress" => s.persistence.module_fork_in_progress = flag(v),

        "total_connections_received" => s.stats.total_connections_received = num(v),
        "total_commands_processed" => s.stats.total_commands_processed = num(v),
        "total_net_input_bytes" => s.stats.total_net_input_bytes = num(v),
        "total_net_output_bytes" => s.stats.total_net_output_bytes = num(v),
        "rejected_connections" => s.stats.rejected_connections = num(v),
        "sync_full" => s.stats.sync_full = num(v),
        "sync_partial_ok" => s.stats.sync_partial_ok = num(v),
        "sync_partial_err" => s.stats.sync_partial_err = num(v),
        "expired_keys" => s.stats.expired_keys = num(v),
        "expired_stale_perc" => s.stats.expired_stale_perc = num(v),
        "expired_time_cap_reached_count" => s.stats.expired_time_cap_reached_count = num(v),
        "evicted_keys" => s.stats.evicted_keys = num(v),
        "keyspace_hits" => s.stats.keyspace_hits = num(v),
        "keyspace_misses" => s.stats.keyspace_misses = num(v),
        "total_error_replies" => s.stats.total_error_replies = num(v),

        "role" => s.replication.role = sv(),
        "connected_slaves" => s.replication.connected_slaves = num(v),
        "master_host" => s.replication.master_host = sv(),
        "master_port" => s.replication.master_port = num(v),
        "master_link_status" => s.replication.master_link_status = sv(),
        "master_last_io_seconds_ago" => s.replication.master_last_io_seconds_ago = num(v),
        "master_sync_in_progress" => s.replication.master_sync_in_progress = flag(v),
        "slave_repl_offset" => s.replication.slave_repl_offset = num(v),
        "master_repl_offset" => s.replication.master_repl_offset = num(v),

        _ => return prefixed(s, k, v),
    }
    true
}

/// The families of fields whose name carries data: slaveN, dbN, cmdstat_, errorstat_,
/// latency_percentiles_usec_.
fn prefixed(s: &mut InfoSnapshot, k: &str, v: &str) -> bool {
    if let Some(n) = k
        .strip_prefix("slave")
        .filter(|n| n.bytes().all(|b| b.is_ascii_digit()) && !n.is_empty())
    {
        let _ = n;
        let mut r = ReplicaInfo::default();
        for (pk, pv) in pairs(v) {
            match pk {
                "ip" => r.ip = pv.to_string(),
                "port" => r.port = num(pv).unwrap_or(0),
                "state" => r.state = pv.to_string(),
                "offset" => r.offset = num(pv).unwrap_or(0),
                "lag" => r.lag = num(pv).unwrap_or(0),
                _ => {}
            }
        }
        s.replication.replicas.push(r);
        return true;
    }
    if let Some(db) = k.strip_prefix("db").and_then(|n| n.parse::<u32>().ok()) {
        let mut d = DbKeyspace {
            db,
            ..Default::default()
        };
        for (pk, pv) in pairs(v) {
            match pk {
                "keys" => d.keys = num(pv).unwrap_or(0),
                "expires" => d.expires = num(pv).unwrap_or(0),
                "avg_ttl" => d.avg_ttl_ms = num(pv).unwrap_or(0),
                _ => {}
            }
        }
        s.keyspace.push(d);
        return true;
    }
    if let Some(cmd) = k.strip_prefix("cmdstat_") {
        let mut c = CommandStat {
            command: cmd.to_string(),
            ..Default::default()
        };
        for (pk, pv) in pairs(v) {
            match pk {
                "calls" => c.calls = num(pv).unwrap_or(0),
                "usec" => c.usec = num(pv).unwrap_or(0),
                "usec_per_call" => c.usec_per_call = num(pv).unwrap_or(0.0),
                "rejected_calls" => c.rejected_calls = num(pv).unwrap_or(0),
                "failed_calls" => c.failed_calls = num(pv).unwrap_or(0),
                _ => {}
            }
        }
        s.commandstats.push(c);
        return true;
    }
    if let Some(prefix) = k.strip_prefix("errorstat_") {
        let count = pairs(v)
            .find(|(pk, _)| *pk == "count")
            .and_then(|(_, pv)| num(pv))
            .unwrap_or(0);
        s.errorstats.push(ErrorStat {
            prefix: prefix.to_string(),
            count,
        });
        return true;
    }
    if let Some(cmd) = k.strip_prefix("latency_percentiles_usec_") {
        let percentiles_usec = pairs(v)
            .filter_map(|(pk, pv)| Some((pk.to_string(), num::<f64>(pv)?)))
            .collect();
        s.latencystats.push(LatencyStat {
            command: cmd.to_string(),
            percentiles_usec,
        });
        return true;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tolerates_garbage() {
        let s = parse("no colon here\r\n\r\n# Section\r\nweird:\r\n:empty\r\nused_memory:abc\r\n");
        assert_eq!(s.memory.used_memory, None);
        assert_eq!(s.raw.get("weird").map(String::as_str), Some(""));
    }

    #[test]
    fn families() {
        let s = parse(
            "slave0:ip=10.0.0.2,port=6380,state=online,offset=100,lag=1\n\
             db0:keys=10,expires=3,avg_ttl=500\n\
             db12:keys=2,expires=0,avg_ttl=0,subexpiry=0\n\
             cmdstat_get:calls=7,usec=14,usec_per_call=2.00,rejected_calls=0,failed_calls=1\n\
             errorstat_WRONGPASS:count=3\n\
             latency_percentiles_usec_get:p50=1.003,p99=5.001,p99.9=9.023\n",
        );
        assert_eq!(s.replication.replicas[0].port, 6380);
        assert_eq!(s.total_keys(), 12);
        assert_eq!(s.keyspace[1].db, 12);
        assert_eq!(s.commandstats[0].failed_calls, 1);
        assert_eq!(s.errorstats[0].count, 3);
        assert_eq!(s.latencystats[0].percentiles_usec["p99.9"], 9.023);
        assert!(s.raw.is_empty());
    }

    /// Real `INFO everything` captures (fixtures/README.md says how they were made).
    fn fixture(name: &str) -> InfoSnapshot {
        let path = format!("{}/fixtures/info/{name}", env!("CARGO_MANIFEST_DIR"));
        parse(&std::fs::read_to_string(&path).expect(&path))
    }

    #[test]
    fn redis_7_0_master() {
        let s = fixture("redis-7.0-master.txt");
        assert_eq!(s.server.redis_version.as_deref(), Some("7.0.15"));
        assert_eq!(s.version_label().as_deref(), Some("redis 7.0.15"));
        assert_eq!(s.role(), Some("master"));
        assert_eq!(s.stats.keyspace_hits, Some(50));
        assert_eq!(s.stats.keyspace_misses, Some(50));
        assert_eq!(s.memory.maxmemory, Some(64 * 1024 * 1024));
        assert_eq!(s.memory.maxmemory_policy.as_deref(), Some("allkeys-lru"));
        assert_eq!(s.replication.replicas.len(), 1);
        assert_eq!(s.replication.replicas[0].state, "online");
        assert_eq!(s.total_keys(), 1052);
        assert_eq!(s.keyspace[0].expires, 50);
        assert!(s
            .commandstats
            .iter()
            .any(|c| c.command == "get" && c.calls == 100));
        assert!(s.errorstats.iter().any(|e| e.prefix == "ERR"));
        assert!(!s.latencystats.is_empty());
        assert!(
            s.raw.contains_key("used_cpu_sys"),
            "unknown fields are kept"
        );
        assert!(!s.loading() && !s.fork_in_progress());
    }

    #[test]
    fn redis_7_0_replica() {
        let s = fixture("redis-7.0-replica.txt");
        assert_eq!(s.role(), Some("slave"));
        assert_eq!(s.replication.master_link_status.as_deref(), Some("up"));
        assert_eq!(s.replication.master_host.as_deref(), Some("127.0.0.1"));
        assert!(s.replication.slave_repl_offset.is_some());
    }

    #[test]
    fn redis_6_2() {
        let s = fixture("redis-6.2.txt");
        assert_eq!(s.version_label().as_deref(), Some("redis 6.2.14"));
        assert_eq!(s.stats.keyspace_hits, Some(50));
        assert_eq!(s.total_keys(), 1052);
        assert!(s.latencystats.is_empty(), "6.2 has no latencystats");
        assert!(s.stats.total_error_replies.is_some());
    }

    #[test]
    fn valkey_8_1() {
        let s = fixture("valkey-8.1.txt");
        assert_eq!(s.version_label().as_deref(), Some("valkey 8.1.8"));
        assert_eq!(s.server.server_name.as_deref(), Some("valkey"));
        assert_eq!(s.stats.keyspace_misses, Some(50));
        assert_eq!(s.total_keys(), 1052);
        assert!(s.memory.used_memory.is_some());
        assert!(s.stats.expired_stale_perc.is_some());
    }
}

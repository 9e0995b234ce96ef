//! A runbook per fired class, drawn from the seed documents: what the class means, the
//! next commands to run (filled in with the target's connection flags and the affected
//! node) and the application-side fixes. Pure.

use schemars::JsonSchema;
use serde::Serialize;

use super::class::Class;

/// One class's runbook.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub(crate) struct Runbook {
    pub(crate) class: Class,
    /// What is happening, in one sentence.
    pub(crate) meaning: &'static str,
    /// Commands to run next, for the affected node.
    pub(crate) next_commands: Vec<String>,
    /// What fixes it, on the application or server side.
    pub(crate) fixes: Vec<&'static str>,
}

/// How the next commands reach a node: `flags` are the connection flags beyond host and
/// port that the user gave (`--tls --cacert ca.pem`, `--user app`; never a password).
pub(crate) struct Reach<'a> {
    pub(crate) flags: &'a str,
}

impl Reach<'_> {
    /// `-h HOST -p PORT [flags]` for `node` (`host:port`; a Unix socket path as `-s`).
    fn node(&self, node: &str) -> String {
        let base = match node.rsplit_once(':') {
            Some((h, p)) if !node.starts_with('/') => format!("-h {h} -p {p}"),
            _ => format!("-s {node}"),
        };
        if self.flags.is_empty() {
            base
        } else {
            format!("{base} {}", self.flags)
        }
    }
}

/// The runbook of `class` on `nodes` (the first node is the one the commands name).
pub(crate) fn runbook(class: Class, nodes: &[String], reach: &Reach) -> Runbook {
    let n = reach.node(nodes.first().map_or("127.0.0.1:6379", String::as_str));
    let cs = |s: &str| format!("cachestorm {s} {n}");
    let cli = |s: &str| format!("redis-cli {n} {s}");
    let (meaning, next, fixes): (&str, Vec<String>, Vec<&'static str>) = match class {
        Class::ColdStart => (
            "the node lost its data (restart, new node) and every read goes to the database until it refills",
            vec![
                cs("stats --interval 1s --count 30"),
                cli("INFO persistence"),
                cs("hotkeys --duration 10"),
            ],
            vec![
                "warm the hottest keys before the node takes traffic (from a replica, a snapshot, or an access-log replay)",
                "enable persistence (RDB/AOF) or replicas so a restart does not come back empty",
                "coalesce concurrent misses (single-flight) and rate-limit database reads while it refills",
            ],
        ),
        Class::MassInvalidation => (
            "keys were deleted in bulk (DEL/UNLINK/FLUSH) and their readers now miss",
            vec![
                cli("INFO commandstats"),
                cs("monitor --command DEL,UNLINK,FLUSHDB,FLUSHALL --duration 10s"),
                cs("stats --interval 1s --count 30"),
            ],
            vec![
                "invalidate incrementally (versioned keys or namespaces) instead of in bulk",
                "restrict FLUSHDB/FLUSHALL (ACL or rename-command) in production",
                "refill the hottest keys first after a planned invalidation",
            ],
        ),
        Class::MassExpiration => (
            "many keys expire together (an avalanche) and their readers all miss at once",
            vec![
                cs("keyspace --horizon 1h"),
                cs("patterns --scan"),
                cs("stats --interval 1s --count 30"),
            ],
            vec![
                "add jitter to TTLs (base TTL plus or minus 10-20%) so keys written together do not expire together",
                "refresh ahead of expiry (logical expiry) for keys that must not all miss at once",
                "keep a local cache layer and rate-limit rebuilds while the wave passes",
            ],
        ),
        Class::HotKey => (
            "one key (or the node holding it) takes far more traffic than the rest",
            vec![
                cs("hotkeys --duration 10"),
                cs("hotkeys --method lfu"),
                cs("bigkeys --top 20"),
            ],
            vec![
                "cache the hot key in the application (a local cache with a short TTL)",
                "split the key into N copies (key:1..key:N) and read one at random",
                "read from replicas, or move the hot key's hash tag to spread the load",
            ],
        ),
        Class::MemoryPressure => (
            "the node is at its memory limit: it evicts (or refuses writes) and the hit rate falls",
            vec![
                cli("CONFIG GET maxmemory*"),
                cli("INFO memory"),
                cs("bigkeys --top 20"),
                cs("keyspace"),
            ],
            vec![
                "raise maxmemory or add shards; keep 10-20% headroom",
                "shorten TTLs of big or cold key patterns; fix oversized keys",
                "choose an eviction policy that fits the workload (allkeys-lfu for skewed reads); MEMORY PURGE or activedefrag for fragmentation",
            ],
        ),
        Class::Replication => (
            "replication is broken or a node is unreachable: replicas serve stale or no data, failover may be under way",
            vec![
                cli("INFO replication"),
                cli("ROLE"),
                cs("stats --interval 1s --count 30"),
            ],
            vec![
                "check the master's health and the network between master and replica",
                "size repl-backlog-size and client-output-buffer-limit replica so a blip does not force a full resync",
                "let Sentinel or the cluster fail over; point reads at healthy nodes meanwhile",
            ],
        ),
        Class::Penetration => (
            "clients ask for keys the database does not have either: every request misses and reaches the database",
            vec![
                cs("hotkeys --duration 10"),
                cs("patterns --duration 10"),
            ],
            vec![
                "cache the 'not found' answer with a short TTL (null caching)",
                "put a Bloom filter of existing ids in front of the database",
                "validate ids at the edge and rate-limit clients that probe",
            ],
        ),
        Class::Breakdown => (
            "a hot key expires and many clients rebuild it at once (a stampede), again and again",
            vec![
                cs("hotkeys --duration 10"),
                cs("stats --interval 1s --count 30"),
            ],
            vec![
                "let one client rebuild (a mutex: SET lock NX PX) while the others wait or serve stale",
                "logical expiry: keep the value, refresh it in the background before it goes stale",
                "probabilistic early refresh (XFetch), or no TTL on the hot key with a scheduled refresh",
            ],
        ),
        Class::ConnectionStorm => (
            "connections arrive faster than the server accepts them, or the clients reached maxclients",
            vec![
                cli("INFO clients"),
                cli("CONFIG GET maxclients"),
                cli("CLIENT LIST"),
            ],
            vec![
                "use connection pools in the clients; fix connection leaks",
                "back off with jitter on reconnect instead of retrying at once",
                "raise maxclients (and the process's open-file limit) when the load is real",
            ],
        ),
        Class::SlowCommands => (
            "slow commands block the server's one thread and every other client waits behind them",
            vec![
                cli("SLOWLOG GET 20"),
                cli("LATENCY DOCTOR"),
                cs("bigkeys --top 20"),
            ],
            vec![
                "replace KEYS with SCAN, and whole-collection reads (HGETALL, SMEMBERS, LRANGE 0 -1) with HSCAN/SSCAN or pages",
                "split big collections; FLUSHALL/DEL of big keys with ASYNC/UNLINK",
                "move heavy Lua scripts and sorts off the hot path",
            ],
        ),
    };
    Runbook {
        class,
        meaning,
        next_commands: next,
        fixes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_name_the_node_and_flags() {
        let r = runbook(
            Class::HotKey,
            &["10.0.0.7:6379".into()],
            &Reach { flags: "--tls" },
        );
        assert_eq!(
            r.next_commands[0],
            "cachestorm hotkeys --duration 10 -h 10.0.0.7 -p 6379 --tls"
        );
        let r = runbook(
            Class::SlowCommands,
            &["/tmp/r.sock".into()],
            &Reach { flags: "" },
        );
        assert_eq!(
            r.next_commands[0],
            "redis-cli -s /tmp/r.sock SLOWLOG GET 20"
        );
        for c in Class::ALL {
            assert!(!runbook(c, &[], &Reach { flags: "" }).fixes.is_empty());
        }
    }
}

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
    let c = Commands {
        node: reach.node(nodes.first().map_or("127.0.0.1:6379", String::as_str)),
    };
    let (meaning, next, fixes) = match class {
        Class::ColdStart => cold_start(&c),
        Class::MassInvalidation => mass_invalidation(&c),
        Class::MassExpiration => mass_expiration(&c),
        Class::HotKey => hot_key(&c),
        Class::MemoryPressure => memory_pressure(&c),
        Class::Replication => replication(&c),
        Class::Penetration => penetration(&c),
        Class::Breakdown => breakdown(&c),
        Class::ConnectionStorm => connection_storm(&c),
        Class::SlowCommands => slow_commands(&c),
    };
    Runbook {
        class,
        meaning,
        next_commands: next,
        fixes,
    }
}

/// A runbook's words: what the class means, the next commands, the fixes.
type Page = (&'static str, Vec<String>, Vec<&'static str>);

/// The next commands of a runbook, for one node (`-h HOST -p PORT [flags]`).
struct Commands {
    node: String,
}

impl Commands {
    /// `cachestorm SUBCOMMAND ... [node]`.
    fn cs(&self, s: &str) -> String {
        format!("cachestorm {s} {}", self.node)
    }

    /// `redis-cli [node] COMMAND ...`.
    fn cli(&self, s: &str) -> String {
        format!("redis-cli {} {s}", self.node)
    }
}

/// The node lost its data: warm it, and keep a restart from coming back empty.
fn cold_start(c: &Commands) -> Page {
    (
        "the node lost its data (restart, new node) and every read goes to the database until it refills",
        vec![
            c.cs("stats --interval 1s --count 30"),
            c.cli("INFO persistence"),
            c.cs("hotkeys --duration 10"),
        ],
        vec![
            "warm the hottest keys before the node takes traffic (from a replica, a snapshot, or an access-log replay)",
            "enable persistence (RDB/AOF) or replicas so a restart does not come back empty",
            "coalesce concurrent misses (single-flight) and rate-limit database reads while it refills",
        ],
    )
}

/// Keys deleted in bulk: invalidate incrementally, restrict flushes.
fn mass_invalidation(c: &Commands) -> Page {
    (
        "keys were deleted in bulk (DEL/UNLINK/FLUSH) and their readers now miss",
        vec![
            c.cli("INFO commandstats"),
            c.cs("monitor --command DEL,UNLINK,FLUSHDB,FLUSHALL --duration 10s"),
            c.cs("stats --interval 1s --count 30"),
        ],
        vec![
            "invalidate incrementally (versioned keys or namespaces) instead of in bulk",
            "restrict FLUSHDB/FLUSHALL (ACL or rename-command) in production",
            "refill the hottest keys first after a planned invalidation",
        ],
    )
}

/// Keys expiring together: jitter the TTLs, refresh ahead of expiry.
fn mass_expiration(c: &Commands) -> Page {
    (
        "many keys expire together (an avalanche) and their readers all miss at once",
        vec![
            c.cs("keyspace --horizon 1h"),
            c.cs("patterns --scan"),
            c.cs("stats --interval 1s --count 30"),
        ],
        vec![
            "add jitter to TTLs (base TTL plus or minus 10-20%) so keys written together do not expire together",
            "refresh ahead of expiry (logical expiry) for keys that must not all miss at once",
            "keep a local cache layer and rate-limit rebuilds while the wave passes",
        ],
    )
}

/// One key takes the traffic: cache it locally, split it, spread its reads.
fn hot_key(c: &Commands) -> Page {
    (
        "one key (or the node holding it) takes far more traffic than the rest",
        vec![
            c.cs("hotkeys --duration 10"),
            c.cs("hotkeys --method lfu"),
            c.cs("bigkeys --top 20"),
        ],
        vec![
            "cache the hot key in the application (a local cache with a short TTL)",
            "split the key into N copies (key:1..key:N) and read one at random",
            "read from replicas, or move the hot key's hash tag to spread the load",
        ],
    )
}

/// At the memory limit: more room, smaller keys, a fitting eviction policy.
fn memory_pressure(c: &Commands) -> Page {
    (
        "the node is at its memory limit: it evicts (or refuses writes) and the hit rate falls",
        vec![
            c.cli("CONFIG GET maxmemory*"),
            c.cli("INFO memory"),
            c.cs("bigkeys --top 20"),
            c.cs("keyspace"),
        ],
        vec![
            "raise maxmemory or add shards; keep 10-20% headroom",
            "shorten TTLs of big or cold key patterns; fix oversized keys",
            "choose an eviction policy that fits the workload (allkeys-lfu for skewed reads); MEMORY PURGE or activedefrag for fragmentation",
        ],
    )
}

/// Replication broken or a node unreachable: check the link, size the backlog, fail over.
fn replication(c: &Commands) -> Page {
    (
        "replication is broken or a node is unreachable: replicas serve stale or no data, failover may be under way",
        vec![
            c.cli("INFO replication"),
            c.cli("ROLE"),
            c.cs("stats --interval 1s --count 30"),
        ],
        vec![
            "check the master's health and the network between master and replica",
            "size repl-backlog-size and client-output-buffer-limit replica so a blip does not force a full resync",
            "let Sentinel or the cluster fail over; point reads at healthy nodes meanwhile",
        ],
    )
}

/// Reads of keys that do not exist: cache the misses, filter ids before the database.
fn penetration(c: &Commands) -> Page {
    (
        "clients ask for keys the database does not have either: every request misses and reaches the database",
        vec![
            c.cs("hotkeys --duration 10"),
            c.cs("patterns --duration 10"),
        ],
        vec![
            "cache the 'not found' answer with a short TTL (null caching)",
            "put a Bloom filter of existing ids in front of the database",
            "validate ids at the edge and rate-limit clients that probe",
        ],
    )
}

/// A hot key rebuilt by many clients at once: one rebuilder, refresh before expiry.
fn breakdown(c: &Commands) -> Page {
    (
        "a hot key expires and many clients rebuild it at once (a stampede), again and again",
        vec![
            c.cs("hotkeys --duration 10"),
            c.cs("stats --interval 1s --count 30"),
        ],
        vec![
            "let one client rebuild (a mutex: SET lock NX PX) while the others wait or serve stale",
            "logical expiry: keep the value, refresh it in the background before it goes stale",
            "probabilistic early refresh (XFetch), or no TTL on the hot key with a scheduled refresh",
        ],
    )
}

/// Connections faster than accepted: pools, backoff, room for the real load.
fn connection_storm(c: &Commands) -> Page {
    (
        "connections arrive faster than the server accepts them, or the clients reached maxclients",
        vec![
            c.cli("INFO clients"),
            c.cli("CONFIG GET maxclients"),
            c.cli("CLIENT LIST"),
        ],
        vec![
            "use connection pools in the clients; fix connection leaks",
            "back off with jitter on reconnect instead of retrying at once",
            "raise maxclients (and the process's open-file limit) when the load is real",
        ],
    )
}

/// Slow commands block the thread: SCAN and pages, smaller keys, async deletes.
fn slow_commands(c: &Commands) -> Page {
    (
        "slow commands block the server's one thread and every other client waits behind them",
        vec![
            c.cli("SLOWLOG GET 20"),
            c.cli("LATENCY DOCTOR"),
            c.cs("bigkeys --top 20"),
        ],
        vec![
            "replace KEYS with SCAN, and whole-collection reads (HGETALL, SMEMBERS, LRANGE 0 -1) with HSCAN/SSCAN or pages",
            "split big collections; FLUSHALL/DEL of big keys with ASYNC/UNLINK",
            "move heavy Lua scripts and sorts off the hot path",
        ],
    )
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

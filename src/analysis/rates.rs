//! Per-interval rates from consecutive INFO snapshots, with counter-reset detection,
//! replication lag, and a total row across nodes. Pure: time comes in as numbers.

use serde::Serialize;

use crate::parse::info::InfoSnapshot;

/// One node's snapshot at one moment.
#[derive(Debug, Clone)]
pub(crate) struct Observation {
    /// Monotonic seconds; only differences matter.
    pub(crate) t_secs: f64,
    pub(crate) info: InfoSnapshot,
}

/// What a node looked like in one round, as the tracker is told it.
#[derive(Debug, Clone)]
pub(crate) enum Polled {
    Up(Box<Observation>),
    Down(String),
}

/// One report row: a node (or the total) over one interval.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub(crate) struct StatsRow {
    /// Interval number, from 1.
    pub(crate) seq: u64,
    /// Wall-clock time of the sample, RFC 3339 (filled by the caller).
    pub(crate) time: String,
    /// `host:port`, or `total`.
    pub(crate) node: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) role: Option<String>,
    pub(crate) status: RowStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) reason: Option<String>,
    /// `loading` (dataset being loaded), `fork` (BGSAVE / AOF rewrite running).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) flags: Vec<&'static str>,
    pub(crate) interval_secs: Option<f64>,
    pub(crate) ops_per_sec: Option<f64>,
    pub(crate) hit_pct: Option<f64>,
    pub(crate) hits_per_sec: Option<f64>,
    pub(crate) misses_per_sec: Option<f64>,
    pub(crate) expired_per_sec: Option<f64>,
    pub(crate) evicted_per_sec: Option<f64>,
    pub(crate) net_in_kb_per_sec: Option<f64>,
    pub(crate) net_out_kb_per_sec: Option<f64>,
    pub(crate) rejected_conns_per_sec: Option<f64>,
    pub(crate) used_memory_bytes: Option<u64>,
    pub(crate) maxmemory_bytes: Option<u64>,
    /// used / maxmemory; absent without a limit.
    pub(crate) used_memory_pct: Option<f64>,
    pub(crate) fragmentation_ratio: Option<f64>,
    pub(crate) connected_clients: Option<u64>,
    pub(crate) blocked_clients: Option<u64>,
    pub(crate) keys: Option<u64>,
    pub(crate) repl_lag_bytes: Option<u64>,
    pub(crate) repl_lag_secs: Option<u64>,
    /// Counter deltas behind the rates (for summing and for checking).
    #[serde(skip)]
    deltas: Option<Deltas>,
}

/// What a row says about its node over the interval; serialized in lowercase (`ok`, ...).
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub(crate) enum RowStatus {
    /// Rates for the interval. (The default only serves `..Default::default()`: every
    /// row gets its status set.)
    #[default]
    Ok,
    /// No rates this interval: a restart or a counter reset (the reason says which).
    Reset,
    /// First sample of this node: rates from the next interval.
    New,
    /// The node did not answer.
    Down,
}

impl RowStatus {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            RowStatus::Ok => "ok",
            RowStatus::Reset => "reset",
            RowStatus::New => "new",
            RowStatus::Down => "down",
        }
    }
}

impl std::fmt::Display for RowStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Compares with the serialized name (`status == "down"`).
impl PartialEq<&str> for RowStatus {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// Counter increases over one interval.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Deltas {
    secs: f64,
    commands: u64,
    hits: u64,
    misses: u64,
    expired: u64,
    evicted: u64,
    net_in: u64,
    net_out: u64,
    rejected: u64,
}

/// The counters we take rates of, in one place so reset detection sees them all.
fn counters(i: &InfoSnapshot) -> [Option<u64>; 9] {
    let s = &i.stats;
    [
        s.total_commands_processed,
        s.keyspace_hits,
        s.keyspace_misses,
        s.expired_keys,
        s.evicted_keys,
        s.total_net_input_bytes,
        s.total_net_output_bytes,
        s.rejected_connections,
        s.total_connections_received,
    ]
}

/// Why the interval between `a` and `b` has no valid rates, if it has none.
fn reset_reason(a: &InfoSnapshot, b: &InfoSnapshot) -> Option<String> {
    if a.server.run_id.is_some() && a.server.run_id != b.server.run_id {
        return Some("restart (run_id changed)".into());
    }
    if let (Some(x), Some(y)) = (a.server.uptime_in_seconds, b.server.uptime_in_seconds) {
        if y < x {
            return Some("restart (uptime went down)".into());
        }
    }
    let went_down = counters(a)
        .iter()
        .zip(counters(b).iter())
        .any(|(x, y)| matches!((x, y), (Some(x), Some(y)) if y < x));
    went_down.then(|| "counters reset (CONFIG RESETSTAT)".into())
}

fn deltas(a: &Observation, b: &Observation) -> Deltas {
    let d = |f: fn(&InfoSnapshot) -> Option<u64>| {
        f(&b.info)
            .unwrap_or(0)
            .saturating_sub(f(&a.info).unwrap_or(0))
    };
    Deltas {
        secs: b.t_secs - a.t_secs,
        commands: d(|i| i.stats.total_commands_processed),
        hits: d(|i| i.stats.keyspace_hits),
        misses: d(|i| i.stats.keyspace_misses),
        expired: d(|i| i.stats.expired_keys),
        evicted: d(|i| i.stats.evicted_keys),
        net_in: d(|i| i.stats.total_net_input_bytes),
        net_out: d(|i| i.stats.total_net_output_bytes),
        rejected: d(|i| i.stats.rejected_connections),
    }
}

impl StatsRow {
    fn set_rates(&mut self, d: Deltas) {
        if d.secs <= 0.0 {
            return;
        }
        let per = |n: u64| Some(n as f64 / d.secs);
        self.interval_secs = Some(d.secs);
        self.ops_per_sec = per(d.commands);
        self.hits_per_sec = per(d.hits);
        self.misses_per_sec = per(d.misses);
        self.hit_pct = hit_pct(d.hits, d.misses);
        self.expired_per_sec = per(d.expired);
        self.evicted_per_sec = per(d.evicted);
        self.net_in_kb_per_sec = Some(d.net_in as f64 / 1024.0 / d.secs);
        self.net_out_kb_per_sec = Some(d.net_out as f64 / 1024.0 / d.secs);
        self.rejected_conns_per_sec = per(d.rejected);
        self.deltas = Some(d);
    }

    fn set_gauges(&mut self, i: &InfoSnapshot) {
        let m = &i.memory;
        self.role = i.role().map(|r| {
            if r == "slave" {
                "replica".into()
            } else {
                r.into()
            }
        });
        self.used_memory_bytes = m.used_memory;
        self.maxmemory_bytes = m.maxmemory.filter(|n| *n > 0);
        self.used_memory_pct = pct_of(m.used_memory, self.maxmemory_bytes);
        self.fragmentation_ratio = m.mem_fragmentation_ratio;
        self.connected_clients = i.clients.connected_clients;
        self.blocked_clients = i.clients.blocked_clients;
        self.keys = Some(i.total_keys());
        if i.loading() {
            self.flags.push("loading");
        }
        if i.fork_in_progress() {
            self.flags.push("fork");
        }
    }
}

fn hit_pct(hits: u64, misses: u64) -> Option<f64> {
    crate::ratio::pct_opt(hits, hits + misses)
}

fn pct_of(used: Option<u64>, max: Option<u64>) -> Option<f64> {
    match (used, max) {
        (Some(u), Some(m)) => crate::ratio::pct_opt(u, m),
        _ => None,
    }
}

/// Keeps the last good observation of every node and turns each round into rows.
pub(crate) struct StatsTracker {
    /// `host:port` of each node, used as the row's name and to match replicas to masters.
    names: Vec<String>,
    ports: Vec<u16>,
    prev: Vec<Option<Observation>>,
    rounds: u64,
}

impl StatsTracker {
    pub(crate) fn new(nodes: Vec<(String, u16)>) -> Self {
        let n = nodes.len();
        let (names, ports) = nodes.into_iter().unzip();
        StatsTracker {
            names,
            ports,
            prev: vec![None; n],
            rounds: 0,
        }
    }

    /// Feeds one round (`polled[i]` is node i). The first round only sets the baseline and
    /// yields no rows; later rounds yield one row per node, plus `total` with several nodes.
    pub(crate) fn push(&mut self, polled: Vec<Polled>) -> Vec<StatsRow> {
        self.rounds += 1;
        let first = self.rounds == 1;
        let seq = self.rounds - 1;
        let mut rows = Vec::with_capacity(polled.len() + 1);
        for (i, p) in polled.iter().enumerate() {
            let mut row = StatsRow {
                seq,
                node: self.names[i].clone(),
                ..Default::default()
            };
            match p {
                Polled::Down(err) => {
                    row.status = RowStatus::Down;
                    row.reason = Some(err.clone());
                }
                Polled::Up(obs) => {
                    row.set_gauges(&obs.info);
                    match &self.prev[i] {
                        None => row.status = RowStatus::New,
                        Some(prev) => match reset_reason(&prev.info, &obs.info) {
                            Some(why) => {
                                row.status = RowStatus::Reset;
                                row.reason = Some(why);
                            }
                            None => {
                                row.status = RowStatus::Ok;
                                row.set_rates(deltas(prev, obs));
                            }
                        },
                    }
                    (row.repl_lag_bytes, row.repl_lag_secs) = self.lag(i, &obs.info, &polled);
                }
            }
            rows.push(row);
        }
        for (i, p) in polled.into_iter().enumerate() {
            if let Polled::Up(obs) = p {
                self.prev[i] = Some(*obs);
            }
        }
        if first {
            return Vec::new();
        }
        if rows.len() > 1 {
            let total = total_row(seq, &rows);
            rows.push(total);
        }
        rows
    }

    /// Replication lag of node `i` if it is a replica: bytes behind its master's offset and
    /// seconds since its last acknowledgement, both from the master's INFO when the master
    /// is among the polled nodes; otherwise seconds since the replica last heard from it.
    fn lag(&self, i: usize, info: &InfoSnapshot, round: &[Polled]) -> (Option<u64>, Option<u64>) {
        let r = &info.replication;
        if info.role() != Some("slave") {
            return (None, None);
        }
        let fallback_secs = r
            .master_last_io_seconds_ago
            .and_then(|s| u64::try_from(s).ok());
        let Some(mport) = r.master_port else {
            return (None, fallback_secs);
        };
        let wanted = format!("{}:{}", r.master_host.as_deref().unwrap_or_default(), mport);
        let by_name = self.names.iter().position(|n| *n == wanted);
        let by_port = || {
            let mut it = self.ports.iter().enumerate().filter(|(_, p)| **p == mport);
            match (it.next(), it.next()) {
                (Some((j, _)), None) => Some(j),
                _ => None,
            }
        };
        let master = by_name.or_else(by_port).and_then(|j| match &round[j] {
            Polled::Up(o) => Some(&o.info),
            Polled::Down(_) => None,
        });
        let Some(m) = master else {
            return (None, fallback_secs);
        };
        let bytes = match (m.replication.master_repl_offset, r.slave_repl_offset) {
            (Some(mo), Some(so)) => Some(mo.saturating_sub(so)),
            _ => None,
        };
        let my_port = info.server.tcp_port.unwrap_or(self.ports[i]);
        let secs = m
            .replication
            .replicas
            .iter()
            .find(|rep| rep.port == my_port)
            .map(|rep| rep.lag)
            .or(fallback_secs);
        (bytes, secs)
    }
}

/// Sums node rows into the cluster total. Rates sum over nodes with rates this interval;
/// hit % comes from the summed hits and misses; keys count masters only (replicas hold
/// copies); memory and clients sum over every node that answered.
fn total_row(seq: u64, rows: &[StatsRow]) -> StatsRow {
    let mut t = StatsRow {
        seq,
        node: "total".into(),
        status: RowStatus::Ok,
        ..Default::default()
    };
    let up: Vec<&StatsRow> = rows
        .iter()
        .filter(|r| r.status != RowStatus::Down)
        .collect();
    let down = rows.len() - up.len();
    if up.is_empty() {
        t.status = RowStatus::Down;
        t.reason = Some("no node answered".into());
        return t;
    }
    if down > 0 {
        t.reason = Some(format!("{down} of {} nodes down", rows.len()));
    }
    let with_rates: Vec<Deltas> = up.iter().filter_map(|r| r.deltas).collect();
    if !with_rates.is_empty() {
        let sum = |f: fn(&Deltas) -> f64| Some(with_rates.iter().map(f).sum::<f64>());
        t.ops_per_sec = sum(|d| d.commands as f64 / d.secs);
        t.hits_per_sec = sum(|d| d.hits as f64 / d.secs);
        t.misses_per_sec = sum(|d| d.misses as f64 / d.secs);
        t.expired_per_sec = sum(|d| d.expired as f64 / d.secs);
        t.evicted_per_sec = sum(|d| d.evicted as f64 / d.secs);
        t.net_in_kb_per_sec = sum(|d| d.net_in as f64 / 1024.0 / d.secs);
        t.net_out_kb_per_sec = sum(|d| d.net_out as f64 / 1024.0 / d.secs);
        t.rejected_conns_per_sec = sum(|d| d.rejected as f64 / d.secs);
        let hits = with_rates.iter().map(|d| d.hits).sum();
        let misses = with_rates.iter().map(|d| d.misses).sum();
        t.hit_pct = hit_pct(hits, misses);
        t.interval_secs =
            Some(with_rates.iter().map(|d| d.secs).sum::<f64>() / with_rates.len() as f64);
    }
    let sum_u =
        |f: fn(&StatsRow) -> Option<u64>| up.iter().filter_map(|r| f(r)).reduce(|a, b| a + b);
    t.used_memory_bytes = sum_u(|r| r.used_memory_bytes);
    t.connected_clients = sum_u(|r| r.connected_clients);
    t.blocked_clients = sum_u(|r| r.blocked_clients);
    t.keys = up
        .iter()
        .filter(|r| r.role.as_deref() != Some("replica"))
        .filter_map(|r| r.keys)
        .reduce(|a, b| a + b);
    if up.iter().all(|r| r.maxmemory_bytes.is_some()) {
        t.maxmemory_bytes = sum_u(|r| r.maxmemory_bytes);
        t.used_memory_pct = pct_of(t.used_memory_bytes, t.maxmemory_bytes);
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::info::parse;

    fn obs(t: f64, text: &str) -> Polled {
        Polled::Up(Box::new(Observation {
            t_secs: t,
            info: parse(text),
        }))
    }

    const BASE: &str = "run_id:aaa\nuptime_in_seconds:100\nrole:master\ntotal_commands_processed:1000\nkeyspace_hits:100\nkeyspace_misses:100\nexpired_keys:0\nevicted_keys:0\ntotal_net_input_bytes:0\ntotal_net_output_bytes:0\nused_memory:500\nmaxmemory:1000\ndb0:keys=5,expires=0,avg_ttl=0\n";

    #[test]
    fn first_round_is_baseline_then_rates() {
        let mut t = StatsTracker::new(vec![("a:1".into(), 1)]);
        assert!(t.push(vec![obs(0.0, BASE)]).is_empty());
        let next = BASE
            .replace(
                "total_commands_processed:1000",
                "total_commands_processed:3000",
            )
            .replace("keyspace_hits:100", "keyspace_hits:1100")
            .replace("keyspace_misses:100", "keyspace_misses:600")
            .replace("expired_keys:0", "expired_keys:20")
            .replace("uptime_in_seconds:100", "uptime_in_seconds:102");
        let rows = t.push(vec![obs(2.0, &next)]);
        assert_eq!(rows.len(), 1);
        let r = &rows[0];
        assert_eq!(r.status, "ok");
        assert_eq!(r.ops_per_sec, Some(1000.0));
        assert_eq!(r.hits_per_sec, Some(500.0));
        assert!((r.hit_pct.unwrap() - 66.666).abs() < 0.01);
        assert_eq!(r.expired_per_sec, Some(10.0));
        assert_eq!(r.used_memory_pct, Some(50.0));
        assert_eq!(r.keys, Some(5));
    }

    #[test]
    fn resets_are_marked() {
        let mut t = StatsTracker::new(vec![("a:1".into(), 1)]);
        t.push(vec![obs(0.0, BASE)]);
        let reset = BASE.replace("keyspace_hits:100", "keyspace_hits:3");
        let r = &t.push(vec![obs(1.0, &reset)])[0];
        assert_eq!(r.status, "reset");
        assert_eq!(r.ops_per_sec, None);
        let restart = reset.replace("run_id:aaa", "run_id:bbb");
        let r = &t.push(vec![obs(2.0, &restart)])[0];
        assert_eq!(r.status, "reset");
        assert!(r.reason.as_deref().unwrap().contains("restart"));
    }

    #[test]
    fn down_node_and_total() {
        let mut t = StatsTracker::new(vec![("a:1".into(), 1), ("b:2".into(), 2)]);
        t.push(vec![obs(0.0, BASE), obs(0.0, BASE)]);
        let next = BASE.replace("keyspace_hits:100", "keyspace_hits:200");
        let rows = t.push(vec![
            obs(1.0, &next),
            Polled::Down("connection refused".into()),
        ]);
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[1].status, "down");
        assert_eq!(rows[2].node, "total");
        assert_eq!(rows[2].hit_pct, Some(100.0));
        assert_eq!(rows[2].keys, Some(5));
        assert!(rows[2].reason.as_deref().unwrap().contains("1 of 2"));
    }

    #[test]
    fn replica_lag_from_master() {
        let master = "role:master\nmaster_repl_offset:5000\nslave0:ip=127.0.0.1,port=2,state=online,offset=4000,lag=1\n";
        let replica = "role:slave\ntcp_port:2\nmaster_host:127.0.0.1\nmaster_port:1\nslave_repl_offset:4200\nmaster_last_io_seconds_ago:7\n";
        let mut t = StatsTracker::new(vec![("127.0.0.1:1".into(), 1), ("127.0.0.1:2".into(), 2)]);
        t.push(vec![obs(0.0, master), obs(0.0, replica)]);
        let rows = t.push(vec![obs(1.0, master), obs(1.0, replica)]);
        assert_eq!(rows[1].role.as_deref(), Some("replica"));
        assert_eq!(rows[1].repl_lag_bytes, Some(800));
        assert_eq!(rows[1].repl_lag_secs, Some(1));
        assert_eq!(rows[2].keys, Some(0));
    }

    #[test]
    fn loading_and_fork_flags() {
        let mut t = StatsTracker::new(vec![("a:1".into(), 1)]);
        t.push(vec![obs(0.0, BASE)]);
        let busy = format!("{BASE}loading:1\nrdb_bgsave_in_progress:1\n");
        let r = &t.push(vec![obs(1.0, &busy)])[0];
        assert_eq!(r.flags, vec!["loading", "fork"]);
        let aof = format!("{BASE}aof_rewrite_in_progress:1\n");
        assert_eq!(t.push(vec![obs(2.0, &aof)])[0].flags, vec!["fork"]);
    }

    #[test]
    fn status_serializes_as_its_name() {
        for st in [
            RowStatus::Ok,
            RowStatus::Reset,
            RowStatus::New,
            RowStatus::Down,
        ] {
            let json = serde_json::to_string(&st).unwrap();
            assert_eq!(json, format!("\"{st}\""));
        }
    }

    #[test]
    fn no_reads_means_no_hit_rate_and_no_limit_means_no_pct() {
        let mut t = StatsTracker::new(vec![("a:1".into(), 1)]);
        let nolimit = BASE.replace("maxmemory:1000", "maxmemory:0");
        t.push(vec![obs(0.0, &nolimit)]);
        let r = &t.push(vec![obs(1.0, &nolimit)])[0];
        assert_eq!(r.hit_pct, None);
        assert_eq!(r.maxmemory_bytes, None);
        assert_eq!(r.used_memory_pct, None);
        assert_eq!(r.ops_per_sec, Some(0.0));
    }
}

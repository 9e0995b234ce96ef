//! Each node's recent history as the storm rules read it: [`Point`]s (what one INFO
//! sample says, reduced to the numbers the rules use) and [`Interval`]s between two
//! consecutive points of the same server (counter deltas as rates). A restart or CONFIG
//! RESETSTAT between two points is kept as evidence (the interval has no rates), never
//! turned into a negative rate: the reset test is the delta engine's. Pure.

use std::collections::VecDeque;

use crate::analysis::rates::reset_reason;
use crate::parse::info::InfoSnapshot;

/// Commands that fill a cache after a miss.
const FILLS: &[&str] = &[
    "set", "setex", "psetex", "setnx", "mset", "msetnx", "getset", "hset", "hmset", "hsetnx",
    "sadd", "zadd", "lpush", "rpush", "restore", "json.set",
];
const DELETES: &[&str] = &["del", "unlink", "getdel"];
const FLUSHES: &[&str] = &["flushdb", "flushall"];

/// Monotonic counters of one sample (lifetime totals as the server keeps them).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Counters {
    pub(crate) commands: u64,
    pub(crate) hits: u64,
    pub(crate) misses: u64,
    pub(crate) expired: u64,
    pub(crate) evicted: u64,
    pub(crate) net_out: u64,
    pub(crate) conns: u64,
    pub(crate) rejected: u64,
    pub(crate) sync_full: u64,
    pub(crate) sync_partial_err: u64,
    pub(crate) sets: u64,
    pub(crate) deletes: u64,
    pub(crate) flushes: u64,
    pub(crate) time_cap: u64,
    pub(crate) oom_errors: u64,
}

impl Counters {
    fn of(i: &InfoSnapshot) -> Self {
        let s = &i.stats;
        let calls = |names: &[&str]| -> u64 {
            i.commandstats
                .iter()
                .filter(|c| names.contains(&c.command.as_str()))
                .map(|c| c.calls)
                .sum()
        };
        Counters {
            commands: s.total_commands_processed.unwrap_or(0),
            hits: s.keyspace_hits.unwrap_or(0),
            misses: s.keyspace_misses.unwrap_or(0),
            expired: s.expired_keys.unwrap_or(0),
            evicted: s.evicted_keys.unwrap_or(0),
            net_out: s.total_net_output_bytes.unwrap_or(0),
            conns: s.total_connections_received.unwrap_or(0),
            rejected: s.rejected_connections.unwrap_or(0),
            sync_full: s.sync_full.unwrap_or(0),
            sync_partial_err: s.sync_partial_err.unwrap_or(0),
            sets: calls(FILLS),
            deletes: calls(DELETES),
            flushes: calls(FLUSHES),
            time_cap: s.expired_time_cap_reached_count.unwrap_or(0),
            oom_errors: i
                .errorstats
                .iter()
                .filter(|e| e.prefix == "OOM")
                .map(|e| e.count)
                .sum(),
        }
    }

    /// Applies `f` to each counter pair: the one place that lists the counters.
    fn zip(&self, o: &Counters, f: impl Fn(u64, u64) -> u64) -> Counters {
        Counters {
            commands: f(self.commands, o.commands),
            hits: f(self.hits, o.hits),
            misses: f(self.misses, o.misses),
            expired: f(self.expired, o.expired),
            evicted: f(self.evicted, o.evicted),
            net_out: f(self.net_out, o.net_out),
            conns: f(self.conns, o.conns),
            rejected: f(self.rejected, o.rejected),
            sync_full: f(self.sync_full, o.sync_full),
            sync_partial_err: f(self.sync_partial_err, o.sync_partial_err),
            sets: f(self.sets, o.sets),
            deletes: f(self.deletes, o.deletes),
            flushes: f(self.flushes, o.flushes),
            time_cap: f(self.time_cap, o.time_cap),
            oom_errors: f(self.oom_errors, o.oom_errors),
        }
    }

    /// `self - earlier`, each counter floored at zero.
    pub(crate) fn minus(&self, e: &Counters) -> Counters {
        self.zip(e, u64::saturating_sub)
    }

    /// `self + other`, counter by counter.
    pub(crate) fn plus(&self, o: &Counters) -> Counters {
        self.zip(o, u64::saturating_add)
    }
}

/// One good sample of one node.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Point {
    /// Unix seconds.
    pub(crate) t: f64,
    pub(crate) rtt_ms: Option<f64>,
    pub(crate) c: Counters,
    /// Per command family: (name, calls, usec), lifetime.
    pub(crate) cmds: Vec<(String, u64, u64)>,
    pub(crate) run_id: Option<String>,
    pub(crate) uptime_secs: Option<u64>,
    pub(crate) loading: bool,
    pub(crate) keys: u64,
    pub(crate) expires: u64,
    /// avg_ttl of the database holding most keys (0 = the server has no estimate).
    pub(crate) avg_ttl_ms: u64,
    pub(crate) used_memory: Option<u64>,
    pub(crate) maxmemory: Option<u64>,
    pub(crate) rss: Option<u64>,
    pub(crate) fragmentation: Option<f64>,
    pub(crate) policy: Option<String>,
    pub(crate) clients: Option<u64>,
    pub(crate) maxclients: Option<u64>,
    pub(crate) blocked: Option<u64>,
    /// `master` / `slave` as the node says.
    pub(crate) role: Option<String>,
    /// A replica's link to its master (`up` is true).
    pub(crate) link_up: Option<bool>,
    pub(crate) link_down_secs: Option<u64>,
    pub(crate) master: Option<String>,
    pub(crate) master_last_io_secs: Option<i64>,
    pub(crate) connected_replicas: Option<u64>,
    pub(crate) expired_stale_pct: Option<f64>,
    /// The node runs in cluster mode.
    pub(crate) cluster: bool,
}

impl Point {
    pub(crate) fn of(t: f64, rtt_ms: Option<f64>, i: &InfoSnapshot) -> Self {
        let main_db = i.keyspace.iter().max_by_key(|d| d.keys);
        let r = &i.replication;
        let raw = |k: &str| i.raw.get(k).and_then(|v| v.trim().parse::<u64>().ok());
        Point {
            t,
            rtt_ms,
            c: Counters::of(i),
            cmds: i
                .commandstats
                .iter()
                .map(|c| (c.command.clone(), c.calls, c.usec))
                .collect(),
            run_id: i.server.run_id.clone(),
            uptime_secs: i.server.uptime_in_seconds,
            loading: i.loading(),
            keys: i.total_keys(),
            expires: i.keyspace.iter().map(|d| d.expires).sum(),
            avg_ttl_ms: main_db.map_or(0, |d| d.avg_ttl_ms),
            used_memory: i.memory.used_memory,
            maxmemory: i.memory.maxmemory.filter(|m| *m > 0),
            rss: i.memory.used_memory_rss,
            fragmentation: i.memory.mem_fragmentation_ratio,
            policy: i.memory.maxmemory_policy.clone(),
            clients: i.clients.connected_clients,
            maxclients: i.clients.maxclients,
            blocked: i.clients.blocked_clients,
            role: r.role.clone(),
            link_up: r.master_link_status.as_deref().map(|s| s == "up"),
            link_down_secs: raw("master_link_down_since_seconds"),
            master: r
                .master_host
                .as_ref()
                .zip(r.master_port)
                .map(|(h, p)| format!("{h}:{p}")),
            master_last_io_secs: r.master_last_io_seconds_ago,
            connected_replicas: r.connected_slaves,
            expired_stale_pct: i.stats.expired_stale_perc,
            cluster: i.server.server_mode.as_deref() == Some("cluster"),
        }
    }

    pub(crate) fn is_replica(&self) -> bool {
        self.role.as_deref() == Some("slave")
    }

    pub(crate) fn memory_pct(&self) -> Option<f64> {
        Some(self.used_memory? as f64 * 100.0 / self.maxmemory? as f64)
    }

    /// Rates over the server's whole life (counters / uptime): what it remembers.
    pub(crate) fn lifetime(&self) -> Option<Rates> {
        let up = self.uptime_secs.filter(|u| *u > 0)? as f64;
        Some(Rates::of(&self.c, up))
    }
}

/// Per-second rates of one interval (or of a lifetime).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Rates {
    pub(crate) ops: f64,
    pub(crate) hits: f64,
    pub(crate) misses: f64,
    pub(crate) sets: f64,
    pub(crate) expired: f64,
    pub(crate) evicted: f64,
    pub(crate) net_out: f64,
    pub(crate) conns: f64,
    pub(crate) rejected: f64,
}

impl Rates {
    pub(crate) fn of(d: &Counters, secs: f64) -> Self {
        let per = |n: u64| n as f64 / secs;
        Rates {
            ops: per(d.commands),
            hits: per(d.hits),
            misses: per(d.misses),
            sets: per(d.sets),
            expired: per(d.expired),
            evicted: per(d.evicted),
            net_out: per(d.net_out),
            conns: per(d.conns),
            rejected: per(d.rejected),
        }
    }

    pub(crate) fn reads(&self) -> f64 {
        self.hits + self.misses
    }

    /// Hit %, when there were reads at all.
    pub(crate) fn hit_pct(&self) -> Option<f64> {
        (self.reads() > 0.0).then(|| self.hits * 100.0 / self.reads())
    }

    pub(crate) fn miss_share(&self) -> f64 {
        if self.reads() > 0.0 {
            self.misses / self.reads()
        } else {
            0.0
        }
    }
}

/// The time between two consecutive points of one node.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Interval {
    pub(crate) t0: f64,
    pub(crate) t1: f64,
    /// Counter increases; None when the server restarted or reset its counters between
    /// the two points (`reset` says which).
    pub(crate) d: Option<Counters>,
    pub(crate) reset: Option<String>,
    /// Index of the later point in the node's points.
    pub(crate) at: usize,
    /// Index of the earlier point.
    pub(crate) from_at: usize,
}

impl Interval {
    pub(crate) fn secs(&self) -> f64 {
        self.t1 - self.t0
    }

    pub(crate) fn rates(&self) -> Option<Rates> {
        let secs = self.secs();
        (secs > 0.0).then_some(())?;
        Some(Rates::of(self.d.as_ref()?, secs))
    }
}

/// One node's history: good points (oldest first, trimmed to what the rules may look
/// back on) and the times it did not answer.
#[derive(Debug, Clone, Default)]
pub(crate) struct NodeSeries {
    pub(crate) name: String,
    pub(crate) points: VecDeque<Point>,
    /// Why each point's interval has no rates (restart / RESETSTAT), parallel to points.
    resets: VecDeque<Option<String>>,
    /// (unix seconds, error) of each sample the node did not answer, trimmed likewise.
    pub(crate) down: VecDeque<(f64, String)>,
    last_info: Option<InfoSnapshot>,
}

impl NodeSeries {
    pub(crate) fn new(name: String) -> Self {
        NodeSeries {
            name,
            ..Default::default()
        }
    }

    pub(crate) fn push_info(&mut self, t: f64, rtt_ms: Option<f64>, info: InfoSnapshot) {
        let reset = self
            .last_info
            .as_ref()
            .and_then(|prev| reset_reason(prev, &info));
        self.points.push_back(Point::of(t, rtt_ms, &info));
        self.resets.push_back(reset);
        self.last_info = Some(info);
    }

    pub(crate) fn push_down(&mut self, t: f64, error: String) {
        self.down.push_back((t, error));
    }

    /// Forgets what is older than `t`, keeping one point before it (the start of the
    /// first interval that ends after `t`).
    pub(crate) fn trim_before(&mut self, t: f64) {
        while self.points.len() > 1 && self.points[1].t <= t {
            self.points.pop_front();
            self.resets.pop_front();
        }
        while self.down.front().is_some_and(|d| d.0 < t) {
            self.down.pop_front();
        }
    }

    /// Intervals whose end lies in `[from, to]`.
    pub(crate) fn intervals(&self, from: f64, to: f64) -> Vec<Interval> {
        let mut out = Vec::new();
        // Samples at the same instant (a recorder writing whole seconds) make no interval
        // of their own: the interval runs from the first of them to the next later sample.
        let mut start = 0;
        for i in 1..self.points.len() {
            let (a, b) = (&self.points[start], &self.points[i]);
            if b.t <= a.t {
                continue;
            }
            let reset = (start + 1..=i).find_map(|k| self.resets[k].clone());
            let earlier = start;
            start = i;
            if b.t < from || b.t > to {
                continue;
            }
            out.push(Interval {
                t0: a.t,
                t1: b.t,
                d: reset.is_none().then(|| b.c.minus(&a.c)),
                reset,
                at: i,
                from_at: earlier,
            });
        }
        out
    }

    /// Points with `from <= t <= to`.
    pub(crate) fn points_in(&self, from: f64, to: f64) -> impl Iterator<Item = &Point> {
        self.points.iter().filter(move |p| p.t >= from && p.t <= to)
    }

    /// Samples the node missed in `[from, to]`.
    pub(crate) fn down_in(&self, from: f64, to: f64) -> impl Iterator<Item = &(f64, String)> {
        self.down.iter().filter(move |d| d.0 >= from && d.0 <= to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::info::parse;

    fn info(hits: u64, run: &str) -> InfoSnapshot {
        parse(&format!(
            "run_id:{run}\nuptime_in_seconds:50\nkeyspace_hits:{hits}\nkeyspace_misses:10\ncmdstat_set:calls=7,usec=1,usec_per_call=0.1\ncmdstat_unlink:calls=2,usec=1,usec_per_call=0.5\ndb0:keys=10,expires=4,avg_ttl=900\ndb1:keys=1,expires=0,avg_ttl=0\n"
        ))
    }

    #[test]
    fn intervals_rates_and_resets() {
        let mut s = NodeSeries::new("a:1".into());
        s.push_info(100.0, Some(0.3), info(100, "x"));
        s.push_info(102.0, None, info(300, "x"));
        s.push_info(103.0, None, info(5, "y"));
        let iv = s.intervals(0.0, 200.0);
        assert_eq!(iv.len(), 2);
        let r = iv[0].rates().unwrap();
        assert_eq!(r.hits, 100.0);
        assert_eq!(r.misses, 0.0);
        assert!(iv[1].rates().is_none());
        assert!(iv[1].reset.as_deref().unwrap().contains("restart"));
        let p = s.points.back().unwrap();
        assert_eq!((p.keys, p.expires, p.avg_ttl_ms), (11, 4, 900));
        assert_eq!((p.c.sets, p.c.deletes), (7, 2));
        s.trim_before(102.5);
        assert_eq!(s.points.len(), 2);
        assert_eq!(s.intervals(0.0, 200.0).len(), 1);
    }
}

//! Per-interval rates from consecutive INFO snapshots, with counter-reset detection,
//! replication lag, and a total row across nodes. Pure: time comes in as numbers.

mod deltas;
mod row;

use crate::parse::info::InfoSnapshot;

use self::deltas::deltas;
pub(crate) use self::deltas::reset_reason;
use self::row::total_row;
pub(crate) use self::row::{RowStatus, StatsRow};

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
                    row.error = Some(err.clone());
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

//! The detector on synthetic servers: each scenario moves the counters the way the storm
//! moves a real server's, and the detector must name it (or stay quiet when healthy).

use super::*;
use crate::analysis::storm::assess::Verdict;
use crate::parse::info::parse;

/// A simulated node: counters advance each second by the rates set on it.
#[derive(Clone)]
struct Node {
    name: String,
    run_id: String,
    uptime: u64,
    hits: u64,
    misses: u64,
    gets: u64,
    sets: u64,
    dels: u64,
    flushes: u64,
    expired: u64,
    evicted: u64,
    keys: u64,
    expires: u64,
    avg_ttl_ms: u64,
    used: u64,
    maxmemory: u64,
    clients: u64,
    maxclients: u64,
    conns: u64,
    rejected: u64,
    commands: u64,
    role: &'static str,
    link_up: bool,
    debug_calls: u64,
    debug_usec: u64,
    cluster: bool,
}

impl Node {
    fn new(name: &str, keys: u64) -> Self {
        Node {
            name: name.into(),
            run_id: "run-a".into(),
            uptime: 86_400,
            // A day of the calm traffic below (2,000 GETs/s at 95%, 100 SETs/s, 100
            // keys/s expiring): lifetime counters consistent with the calm seconds.
            hits: 164_160_000,
            misses: 8_640_000,
            gets: 172_800_000,
            sets: 8_640_000,
            dels: 10,
            flushes: 0,
            expired: 8_640_000,
            evicted: 0,
            keys,
            expires: keys,
            avg_ttl_ms: 0,
            used: 100 << 20,
            maxmemory: 0,
            clients: 20,
            maxclients: 10_000,
            conns: 5000,
            rejected: 0,
            commands: 181_440_000,
            role: "master",
            link_up: true,
            debug_calls: 0,
            debug_usec: 0,
            cluster: false,
        }
    }

    /// One second of traffic: `reads` GETs at `hit` share, `sets` SETs, `expired` keys
    /// expiring; keys move by `dkeys`.
    fn tick(&mut self, reads: u64, hit: f64, sets: u64, expired: u64, dkeys: i64) {
        let h = (reads as f64 * hit).round() as u64;
        self.hits += h;
        self.misses += reads - h;
        self.gets += reads;
        self.sets += sets;
        self.expired += expired;
        self.commands += reads + sets + 1;
        self.keys = (self.keys as i64 + dkeys).max(0) as u64;
        self.expires = self.keys;
        self.uptime += 1;
    }

    fn info(&self) -> String {
        let slave = if self.role == "slave" {
            format!(
                "master_host:127.0.0.1\nmaster_port:7000\nmaster_link_status:{}\nmaster_last_io_seconds_ago:1\n{}",
                if self.link_up { "up" } else { "down" },
                if self.link_up { "" } else { "master_link_down_since_seconds:7\n" }
            )
        } else {
            String::new()
        };
        format!(
            "redis_mode:{}\nrun_id:{}\nuptime_in_seconds:{}\nconnected_clients:{}\nmaxclients:{}\nused_memory:{}\nmaxmemory:{}\nmaxmemory_policy:allkeys-lru\nused_memory_rss:{}\nmem_fragmentation_ratio:1.1\ntotal_connections_received:{}\ntotal_commands_processed:{}\nrejected_connections:{}\nexpired_keys:{}\nevicted_keys:{}\nkeyspace_hits:{}\nkeyspace_misses:{}\nrole:{}\n{slave}cmdstat_get:calls={},usec={},usec_per_call=1\ncmdstat_set:calls={},usec={},usec_per_call=1\ncmdstat_unlink:calls={},usec=1,usec_per_call=1\ncmdstat_flushdb:calls={},usec=1,usec_per_call=1\ncmdstat_debug:calls={},usec={},usec_per_call=1\ndb0:keys={},expires={},avg_ttl={}\n",
            if self.cluster { "cluster" } else { "standalone" }, self.run_id, self.uptime, self.clients, self.maxclients, self.used, self.maxmemory,
            self.used + (5 << 20), self.conns, self.commands, self.rejected, self.expired,
            self.evicted, self.hits, self.misses, self.role, self.gets, self.gets, self.sets,
            self.sets, self.dels, self.flushes, self.debug_calls, self.debug_usec, self.keys,
            self.expires, self.avg_ttl_ms
        )
    }
}

/// Runs `secs` seconds of `step(second, nodes)` through a detector sampling every second;
/// returns the detector.
fn run(mut nodes: Vec<Node>, secs: u64, mut step: impl FnMut(u64, &mut [Node])) -> Detector {
    let names = nodes.iter().map(|n| n.name.clone()).collect();
    let mut d = Detector::new(names, Thresholds::default(), 10.0, None);
    for s in 0..secs {
        let t = 1_000_000.0 + s as f64;
        step(s, &mut nodes);
        for n in &nodes {
            d.push(Sample {
                t,
                node: n.name.clone(),
                kind: SampleKind::Info {
                    info: Box::new(parse(&n.info())),
                    rtt_ms: Some(0.3),
                },
            });
        }
        d.evaluate(t);
    }
    d
}

fn primary(d: &Detector) -> (Verdict, Option<Class>) {
    let w = d.worst().expect("assessed");
    (w.verdict, w.primary_class)
}

/// Calm read-through traffic: 2,000 GETs/s at 95%, misses refilled, churn expiring.
fn calm(n: &mut Node) {
    n.tick(2000, 0.95, 100, 100, 0);
}

#[test]
fn healthy_steady_bursty_and_churn_raise_nothing() {
    let d = run(vec![Node::new("a:1", 50_000)], 40, |_, n| calm(&mut n[0]));
    assert_eq!(primary(&d), (Verdict::Healthy, None));
    let d = run(vec![Node::new("a:1", 50_000)], 40, |s, n| {
        let reads = if (s / 3) % 2 == 0 { 500 } else { 6000 };
        n[0].tick(reads, 0.95, reads / 20, reads / 20, 0);
    });
    assert_eq!(primary(&d), (Verdict::Healthy, None));
    let d = run(vec![Node::new("a:1", 50_000)], 40, |_, n| {
        n[0].tick(3000, 0.85, 450, 450, 0);
    });
    assert_eq!(primary(&d), (Verdict::Healthy, None));
}

#[test]
fn mass_expiration() {
    let d = run(vec![Node::new("a:1", 50_000)], 30, |s, n| match s {
        15 => n[0].tick(2000, 0.5, 1000, 30_000, -29_000),
        16..=20 => n[0].tick(2000, 0.6, 800, 300, 800),
        _ => calm(&mut n[0]),
    });
    assert_eq!(primary(&d), (Verdict::Storm, Some(Class::MassExpiration)));
    let w = d.worst().unwrap();
    assert_eq!(w.classes[0].onset_t, Some(1_000_015.0));
}

#[test]
fn cold_start_after_restart() {
    let d = run(vec![Node::new("a:1", 50_000)], 30, |s, n| {
        if s == 15 {
            let mut fresh = Node::new("a:1", 0);
            fresh.run_id = "run-b".into();
            fresh.uptime = 0;
            (
                fresh.hits,
                fresh.misses,
                fresh.gets,
                fresh.sets,
                fresh.expired,
                fresh.commands,
            ) = (0, 0, 0, 0, 0, 0);
            n[0] = fresh;
        }
        if s >= 15 {
            n[0].tick(2000, 0.2, 1600, 0, 1600);
        } else {
            calm(&mut n[0]);
        }
    });
    assert_eq!(primary(&d), (Verdict::Storm, Some(Class::ColdStart)));
}

#[test]
fn mass_invalidation_by_unlink() {
    let d = run(vec![Node::new("a:1", 50_000)], 30, |s, n| {
        if s == 15 {
            n[0].dels += 60;
            n[0].tick(2000, 0.9, 100, 100, -30_000);
        } else if s > 15 {
            n[0].tick(2000, 0.45, 1100, 50, 1000);
        } else {
            calm(&mut n[0]);
        }
    });
    assert_eq!(primary(&d), (Verdict::Storm, Some(Class::MassInvalidation)));
}

#[test]
fn penetration() {
    let d = run(vec![Node::new("a:1", 50_000)], 30, |s, n| {
        if s >= 15 {
            // 3,000 more GETs/s for ids nobody has: all miss, none is set.
            n[0].tick(5000, 0.38, 100, 100, 0);
        } else {
            calm(&mut n[0]);
        }
    });
    assert_eq!(primary(&d), (Verdict::Storm, Some(Class::Penetration)));
}

#[test]
fn breakdown_stampede() {
    let d = run(vec![Node::new("a:1", 50_000)], 30, |s, n| {
        if s >= 12 && s % 2 == 0 {
            // The hot key expired: 60 clients miss it and each rebuilds it.
            n[0].tick(2000, 0.92, 160, 101, 0);
        } else {
            calm(&mut n[0]);
        }
    });
    assert_eq!(primary(&d).1, Some(Class::Breakdown));
}

#[test]
fn memory_pressure() {
    let d = run(vec![Node::new("a:1", 50_000)], 30, |s, n| {
        n[0].maxmemory = 100 << 20;
        if s >= 12 {
            n[0].used = 100 << 20;
            n[0].evicted += 800;
            n[0].tick(2000, 0.6, 900, 50, 0);
        } else {
            n[0].used = 60 << 20;
            calm(&mut n[0]);
        }
    });
    assert_eq!(primary(&d), (Verdict::Storm, Some(Class::MemoryPressure)));
}

#[test]
fn connection_storm() {
    let d = run(vec![Node::new("a:1", 50_000)], 25, |s, n| {
        n[0].maxclients = 100;
        if s >= 12 {
            n[0].clients = 100;
            n[0].conns += 400;
            n[0].rejected += 300;
        }
        calm(&mut n[0]);
    });
    assert_eq!(primary(&d), (Verdict::Storm, Some(Class::ConnectionStorm)));
}

#[test]
fn replica_link_down_is_replication_not_penetration() {
    let mut replica = Node::new("b:2", 50_000);
    replica.role = "slave";
    let d = run(vec![replica], 25, |s, n| {
        if s >= 12 {
            n[0].link_up = false;
            n[0].tick(2000, 0.5, 0, 0, 0);
        } else {
            calm(&mut n[0]);
        }
    });
    assert_eq!(primary(&d), (Verdict::Storm, Some(Class::Replication)));
}

#[test]
fn master_unreachable() {
    let names = vec!["a:1".to_string(), "b:2".to_string()];
    let mut d = Detector::new(names, Thresholds::default(), 10.0, None);
    let (mut m, mut r) = (Node::new("a:1", 1000), Node::new("b:2", 1000));
    r.role = "slave";
    for s in 0..20u64 {
        let t = 1000.0 + s as f64;
        calm(&mut r);
        let kind = if s < 10 {
            calm(&mut m);
            SampleKind::Info {
                info: Box::new(parse(&m.info())),
                rtt_ms: None,
            }
        } else {
            SampleKind::Down("cannot connect to a:1: connection refused".into())
        };
        d.push(Sample {
            t,
            node: "a:1".into(),
            kind,
        });
        d.push(Sample {
            t,
            node: "b:2".into(),
            kind: SampleKind::Info {
                info: Box::new(parse(&r.info())),
                rtt_ms: None,
            },
        });
        d.evaluate(t);
    }
    let w = d.worst().unwrap();
    assert_eq!(w.primary_class, Some(Class::Replication));
    assert_eq!(w.nodes, vec!["a:1".to_string()]);
    assert_eq!(w.severity, Some(Severity::Critical));
}

#[test]
fn hot_node_in_a_cluster() {
    let nodes = vec![
        Node::new("a:1", 30_000),
        Node::new("b:2", 30_000),
        Node::new("c:3", 30_000),
    ];
    let d = run(nodes, 25, |s, n| {
        for (i, node) in n.iter_mut().enumerate() {
            if i == 1 && s >= 10 {
                node.tick(20_000, 0.99, 100, 100, 0);
            } else {
                calm(node);
            }
        }
    });
    let w = d.worst().unwrap();
    assert_eq!(w.primary_class, Some(Class::HotKey));
    assert_eq!(w.nodes, vec!["b:2".to_string()]);
    assert_eq!(w.severity, Some(Severity::Major));
}

#[test]
fn slow_commands_from_commandstats() {
    let d = run(vec![Node::new("a:1", 50_000)], 25, |s, n| {
        if s >= 12 {
            n[0].debug_calls += 5;
            n[0].debug_usec += 5 * 50_000;
        }
        calm(&mut n[0]);
    });
    assert_eq!(primary(&d).1, Some(Class::SlowCommands));
}

#[test]
fn mid_storm_cut_without_calm_period() {
    // Penetration already under way when sampling starts: no calm window, lifetime says 90%.
    let d = run(vec![Node::new("a:1", 50_000)], 15, |_, n| {
        n[0].tick(5000, 0.38, 100, 100, 0)
    });
    assert_eq!(primary(&d).1, Some(Class::Penetration));
}

#[test]
fn timeline_records_changes_only() {
    let d = run(vec![Node::new("a:1", 50_000)], 30, |s, n| {
        if (15..20).contains(&s) {
            n[0].tick(5000, 0.38, 100, 100, 0);
        } else {
            calm(&mut n[0]);
        }
    });
    let verdicts: Vec<Verdict> = d.timeline().iter().map(|c| c.verdict).collect();
    assert_eq!(verdicts.first(), Some(&Verdict::Healthy));
    assert!(verdicts.contains(&Verdict::Storm));
    for w in d.timeline().windows(2) {
        assert!(
            w[0].verdict != w[1].verdict
                || w[0].primary_class != w[1].primary_class
                || w[0].nodes != w[1].nodes
        );
    }
}

#[test]
fn rounds_group_by_time_and_node() {
    let s = |t: f64, node: &str| Sample {
        t,
        node: node.into(),
        kind: SampleKind::Down("x".into()),
    };
    let samples = vec![
        s(0.0, "a"),
        s(0.01, "b"),
        s(1.0, "a"),
        s(1.02, "b"),
        s(1.03, "a"),
    ];
    assert_eq!(rounds(&samples, 0.5), vec![2, 4, 5]);
}

#[test]
fn a_full_lru_cache_evicting_as_usual_is_healthy() {
    let mut full = Node::new("a:1", 50_000);
    // A day at 5 evictions/s, as the counters of such a cache say.
    full.evicted = 5 * 86_400;
    let d = run(vec![full], 40, |_, n| {
        n[0].maxmemory = 100 << 20;
        n[0].used = 99 << 20;
        n[0].evicted += 5;
        calm(&mut n[0]);
    });
    assert_eq!(primary(&d), (Verdict::Healthy, None));
}

#[test]
fn a_replica_deleting_its_masters_expired_keys_is_no_invalidation() {
    let mut r = Node::new("b:2", 50_000);
    r.role = "slave";
    let d = run(vec![r], 30, |s, n| {
        if s == 15 {
            // The master's wave arrives as DELs; a replica does not expire keys itself.
            n[0].dels += 30_000;
            n[0].tick(2000, 0.6, 0, 0, -30_000);
        } else {
            calm(&mut n[0]);
        }
    });
    assert_ne!(primary(&d).1, Some(Class::MassInvalidation));
}

#[test]
fn samples_at_the_same_second_do_not_inflate_rates() {
    // A recorder writing whole seconds, twice a second.
    let mut d = Detector::new(vec!["a:1".into()], Thresholds::default(), 10.0, None);
    let mut n = Node::new("a:1", 50_000);
    for s in 0..20u64 {
        n.tick(1000, 0.95, 50, 50, 0);
        d.push(Sample {
            t: 1000.0 + (s / 2) as f64,
            node: "a:1".into(),
            kind: SampleKind::Info {
                info: Box::new(parse(&n.info())),
                rtt_ms: None,
            },
        });
        d.evaluate(1000.0 + (s / 2) as f64);
    }
    let w = d.worst().unwrap();
    let ops = w.node_summaries[0].ops_per_sec.unwrap();
    // 1,051 commands a sample, two samples a second.
    assert!((ops - 2102.0).abs() < 1.0, "{ops}");
}

#[test]
fn an_idle_or_unrelated_peer_is_no_yardstick() {
    let idle = Node::new("b:2", 1000);
    let d = run(vec![Node::new("a:1", 30_000), idle], 25, |_, n| {
        calm(&mut n[0]);
        n[1].tick(0, 1.0, 0, 0, 0);
    });
    assert_eq!(primary(&d), (Verdict::Healthy, None));
}

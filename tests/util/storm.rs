//! The storm scenarios `cachestorm detect` is judged on. Each one starts its servers on
//! loopback, warms the cache with a read-through application load (`load`) until it is in
//! steady state, records a calm period of `CALM` samples (`recorder`), triggers the storm
//! (what a real incident does: a crash and restart, a purge script, a batch job's keys
//! expiring together, a viral item, an import past maxmemory, a dead master, a rotated
//! password, a scraper, a TTL misconfiguration, a fleet restart, an ops script's KEYS),
//! records `AFTER` more samples with the load still running, stops, and checks from the
//! recording that the storm really happened on the servers (`effect`: the INFO fields that
//! moved), independently of the detector.
//!
//! The three `healthy_*` scenarios have no trigger: their "onset" is the end of the calm
//! period, and their check is that nothing moved (hit rate stayed high, nothing evicted,
//! rejected or restarted).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::incident::{fleet, import, repeat, unlink_matching, Background};
use super::load::{connect, prefill, Dist, Load, LoadConfig, Route};
use super::recorder::{unix_now, Recorder};
use super::recording::{parse_info, Recording};
use super::{redis_server_bin, wait_until, RedisCluster, RedisServer};

/// Samples of the calm period, and after the onset.
pub const CALM: u64 = 5;
pub const AFTER: u64 = 11;

/// Every scenario, by name; the expected class is `expected(name)`.
pub const SCENARIOS: &[&str] = &[
    "cold_start",
    "mass_invalidation",
    "mass_invalidation_flush",
    "mass_expiration",
    "hot_key",
    "hot_key_cluster",
    "memory_pressure",
    "replication_master_down",
    "replication_link_down",
    "penetration",
    "breakdown",
    "connection_storm",
    "slow_commands",
    "healthy_steady",
    "healthy_bursty",
    "healthy_ttl_churn",
];

const CLASSES: &[&str] = &[
    "cold_start",
    "mass_invalidation",
    "mass_expiration",
    "hot_key",
    "memory_pressure",
    "replication",
    "penetration",
    "breakdown",
    "connection_storm",
    "slow_commands",
];

/// The class a scenario must be detected as ("healthy" for the healthy ones): the longest
/// class name its name starts with.
pub fn expected(scenario: &str) -> &'static str {
    if scenario.starts_with("healthy") {
        return "healthy";
    }
    CLASSES
        .iter()
        .filter(|c| scenario.starts_with(*c))
        .max_by_key(|c| c.len())
        .unwrap_or_else(|| panic!("unknown scenario {scenario}"))
}

/// What a scenario run leaves: the recording, the onset, and what its servers showed.
#[derive(Debug)]
pub struct Outcome {
    pub scenario: String,
    pub path: PathBuf,
    pub onset: f64,
    pub expected: &'static str,
    pub nodes: Vec<String>,
    /// The INFO fields that moved, in words (from the recording).
    pub effect: String,
}

impl Outcome {
    /// Writes `<stem>.onset` (the onset, unix seconds) and `<stem>.expected` (the class)
    /// next to the recording, which is what `scripts/storm-lab score` reads.
    pub fn write_sidecars(&self) {
        std::fs::write(
            self.path.with_extension("onset"),
            format!("{:.3}\n", self.onset),
        )
        .expect("writing the onset sidecar");
        std::fs::write(
            self.path.with_extension("expected"),
            format!("{}\n", self.expected),
        )
        .expect("writing the expected sidecar");
    }
}

/// Where a scenario hands over to its caller (a live `cachestorm detect` beside it).
pub enum Step<'a> {
    /// The calm period's recording has started, on these servers: a live detect starts.
    Calm(&'a [&'a RedisServer]),
    /// The samples after the onset are recorded; the load and the servers stay until this
    /// returns: a live detect is waited for, so its window never sees them go.
    Recorded,
}

/// Runs `scenario`, recording to `path`; `on_calm` runs once the calm period's recording
/// has started (a live `cachestorm detect` is started there), with the recorded servers.
pub fn run(scenario: &str, path: &Path, on_calm: &mut dyn FnMut(&[&RedisServer])) -> Outcome {
    run_with(scenario, path, &mut |step| {
        if let Step::Calm(servers) = step {
            on_calm(servers);
        }
    })
}

/// [`run`], calling `hook` at each [`Step`].
pub fn run_with(scenario: &str, path: &Path, hook: &mut dyn FnMut(Step<'_>)) -> Outcome {
    let expected = expected(scenario);
    let (nodes, onset, effect) = match scenario {
        "cold_start" => cold_start(path, hook),
        "mass_invalidation" => mass_invalidation(path, hook, false),
        "mass_invalidation_flush" => mass_invalidation(path, hook, true),
        "mass_expiration" => mass_expiration(path, hook),
        "hot_key" => hot_key(path, hook),
        "hot_key_cluster" => hot_key_cluster(path, hook),
        "memory_pressure" => memory_pressure(path, hook),
        "replication_master_down" => replication(path, hook, false),
        "replication_link_down" => replication(path, hook, true),
        "penetration" => penetration(path, hook),
        "breakdown" => breakdown(path, hook),
        "connection_storm" => connection_storm(path, hook),
        "slow_commands" => slow_commands(path, hook),
        "healthy_steady" => healthy(path, hook, Healthy::Steady),
        "healthy_bursty" => healthy(path, hook, Healthy::Bursty),
        "healthy_ttl_churn" => healthy(path, hook, Healthy::TtlChurn),
        other => panic!("unknown scenario {other}; known: {SCENARIOS:?}"),
    };
    Outcome {
        scenario: scenario.to_string(),
        path: path.to_path_buf(),
        onset,
        expected,
        nodes,
        effect,
    }
}

/// The catalog every scenario's application reads: 20,000 products of ~300 bytes, Zipf
/// popularity, cached for 5 minutes (±10%), a 1-2 ms database read on a miss; 3 client
/// threads at 300 requests/s each. Prefilled `aged` (keys of every age), so the calm
/// period has what a real one has: keys expiring steadily, a few misses refilled.
fn catalog(route: Route) -> LoadConfig {
    LoadConfig::new("catalog", route, "product:", 20_000)
        .dist(Dist::Zipf(0.8))
        .threads(3, 300)
        .ttl(300_000, 0.1)
        .value_bytes(300)
}

/// INFO of one node, parsed (fields, and `a.b` for `a:b=1,...` values).
pub fn info(addr: &str) -> HashMap<String, String> {
    // A few tries: while the replication_link_down scenario runs, its replica reconnects to
    // the master hundreds of times a second (as Redis does after an auth error), and the
    // local ports in TIME_WAIT can make a connect fail for a moment (EAGAIN).
    let mut tries = 0;
    let mut c = loop {
        match connect(addr) {
            Ok(c) => break c,
            Err(e) if tries < 20 && e.is_io_error() => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            Err(e) => panic!("connecting to {addr}: {e}"),
        }
    };
    let text: String = redis::cmd("INFO")
        .arg("everything")
        .query(&mut c)
        .unwrap_or_else(|e| panic!("INFO on {addr}: {e}"));
    parse_info(&text)
}

fn num(i: &HashMap<String, String>, f: &str) -> f64 {
    i.get(f).and_then(|v| v.parse().ok()).unwrap_or(0.0)
}

/// Waits until `addr` holds at least `keys` keys in db0 and its hit share over the last
/// half second is at least `hit` (with reads in it): the cache is warm and steady.
fn wait_steady(addr: &str, keys: f64, hit: f64) {
    let deadline = Instant::now() + Duration::from_secs(40);
    let mut prev = info(addr);
    loop {
        std::thread::sleep(Duration::from_millis(500));
        let now = info(addr);
        let h = num(&now, "keyspace_hits") - num(&prev, "keyspace_hits");
        let m = num(&now, "keyspace_misses") - num(&prev, "keyspace_misses");
        let k = num(&now, "db0.keys");
        if k >= keys && h + m > 0.0 && h / (h + m) >= hit {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{addr} not steady in 40s: {k} keys (want {keys}), hit share {:.3} (want {hit})",
            h / (h + m).max(1.0)
        );
        prev = now;
    }
}

/// Starts the recorder on `servers`, calls `hook` (`Step::Calm`), and waits for the calm
/// samples.
fn calm(servers: &[&RedisServer], path: &Path, hook: &mut dyn FnMut(Step<'_>)) -> Recorder {
    let nodes: Vec<String> = servers.iter().map(|s| s.addr()).collect();
    let rec = Recorder::start(&nodes, path);
    hook(Step::Calm(servers));
    let first = rec.rounds();
    rec.wait_rounds(first.max(1) + CALM - 1);
    rec
}

/// Records `AFTER` more samples, stops the recorder, and calls `hook` (`Step::Recorded`)
/// before the scenario stops its load and its servers.
fn tail(mut rec: Recorder, hook: &mut dyn FnMut(Step<'_>)) {
    let n = rec.rounds();
    rec.wait_rounds(n + AFTER);
    rec.stop();
    hook(Step::Recorded);
}

fn addrs(servers: &[&RedisServer]) -> Vec<String> {
    servers.iter().map(|s| s.addr()).collect()
}

/// Fails the scenario with what the recording shows when its effect is missing.
fn check(ok: bool, scenario: &str, effect: &str) {
    assert!(ok, "{scenario} did not reproduce: {effect}");
}

type Ran = (Vec<String>, f64, String);

/// A node crashes (SIGKILL) and comes back at once, empty (no persistence), under load.
fn cold_start(path: &Path, hook: &mut dyn FnMut(Step<'_>)) -> Ran {
    let mut s = RedisServer::start();
    let cfg = catalog(Route::One(s.addr()));
    prefill(&cfg, 0, cfg.keys, true);
    let mut load = Load::start(cfg);
    wait_steady(&s.addr(), 18_000.0, 0.95);
    let rec = calm(&[&s], path, hook);
    let onset = unix_now();
    s.restart();
    tail(rec, hook);
    load.stop();
    let r = Recording::read(path);
    let a = s.addr();
    let (t0, t1) = (r.first_t(), r.last_t() + 1.0);
    let calm_keys = r.num(&a, "db0.keys", t0, onset);
    let after_keys = r.num(&a, "db0.keys", onset, t1);
    let up_after = r.num(&a, "uptime_in_seconds", onset, t1);
    let effect = format!(
        "uptime_in_seconds back to {:?} after the onset; db0.keys {:?} before, lowest {} after (last {:?}); \
         hit share {:.3} before, {:.3} after; misses/s {:.0} -> {:.0}; {} error samples",
        up_after.first(),
        calm_keys.last(),
        after_keys.iter().cloned().fold(f64::MAX, f64::min),
        after_keys.last(),
        r.hit_ratio(&a, t0, onset),
        r.hit_ratio(&a, onset, t1),
        r.rate(&a, "keyspace_misses", t0, onset),
        r.rate(&a, "keyspace_misses", onset, t1),
        r.errors(&a, onset, t1),
    );
    let min_after = after_keys.iter().cloned().fold(f64::MAX, f64::min);
    check(
        up_after.first().is_some_and(|u| *u < 5.0) && min_after < 5_000.0,
        "cold_start",
        &effect,
    );
    (vec![a], onset, effect)
}

/// A purge script unlinks every product (SCAN MATCH product:* + UNLINK), or FLUSHDB, while
/// sessions stay: most of the keyspace is gone at once under load.
fn mass_invalidation(path: &Path, hook: &mut dyn FnMut(Step<'_>), flush: bool) -> Ran {
    let s = RedisServer::start();
    let a = s.addr();
    let cfg = catalog(Route::One(a.clone()));
    prefill(&cfg, 0, cfg.keys, true);
    let sessions = LoadConfig::new("sessions", Route::One(a.clone()), "session:", 5_000)
        .threads(1, 200)
        .ttl(1_800_000, 0.2);
    prefill(&sessions, 0, sessions.keys, true);
    let mut load = Load::start(cfg);
    let mut load2 = Load::start(sessions);
    wait_steady(&a, 22_000.0, 0.95);
    let rec = calm(&[&s], path, hook);
    let onset = unix_now();
    let gone = if flush {
        let held: u64 = s.cli(&["DBSIZE"]).parse().expect("DBSIZE");
        s.cli(&["FLUSHDB"]);
        held
    } else {
        unlink_matching(&a, "product:*")
    };
    tail(rec, hook);
    load.stop();
    load2.stop();
    let r = Recording::read(path);
    let (t0, t1) = (r.first_t(), r.last_t() + 1.0);
    let before = r.num(&a, "db0.keys", t0, onset);
    let after = r.num(&a, "db0.keys", onset, t1);
    let low = after.iter().cloned().fold(f64::MAX, f64::min);
    let effect = format!(
        "{} {gone} keys; db0.keys {:?} before, lowest {low} after (last {:?}); hit share {:.3} before, \
         {:.3} after; misses/s {:.0} -> {:.0}; sets/s {:.0} -> {:.0}",
        if flush { "FLUSHDB of" } else { "UNLINK of" },
        before.last(),
        after.last(),
        r.hit_ratio(&a, t0, onset),
        r.hit_ratio(&a, onset, t1),
        r.rate(&a, "keyspace_misses", t0, onset),
        r.rate(&a, "keyspace_misses", onset, t1),
        r.rate(&a, "cmdstat_set.calls", t0, onset),
        r.rate(&a, "cmdstat_set.calls", onset, t1),
    );
    check(
        low < 0.5 * before.last().copied().unwrap_or(0.0),
        "mass_invalidation",
        &effect,
    );
    (vec![a], onset, effect)
}

/// A price-sync job wrote 30,000 prices at once with the same 12 s TTL; the application
/// reads them (and caches what it reloads for 10 minutes): they expire together.
fn mass_expiration(path: &Path, hook: &mut dyn FnMut(Step<'_>)) -> Ran {
    let s = RedisServer::start();
    let a = s.addr();
    let ttl_ms = 12_000;
    let batch = LoadConfig::new("prices", Route::One(a.clone()), "price:", 30_000)
        .ttl(ttl_ms, 0.0)
        .value_bytes(120)
        .dist(Dist::Zipf(0.8))
        .threads(3, 300);
    let written = unix_now();
    prefill(&batch, 0, batch.keys, false);
    let onset = written + ttl_ms as f64 / 1000.0;
    let mut load = Load::start(batch.clone().ttl(600_000, 0.1));
    wait_steady(&a, 30_000.0, 0.97);
    // The recording starts so that the calm period is CALM samples long.
    wait_until("the calm period's start", 15, || {
        unix_now() >= onset - CALM as f64 - 0.5
    });
    let rec = calm(&[&s], path, hook);
    assert!(
        unix_now() < onset,
        "the calm period outlasted the batch's TTL: the machine is too slow for this scenario"
    );
    wait_until("the batch's keys to reach their TTL", 20, || {
        unix_now() >= onset
    });
    tail(rec, hook);
    load.stop();
    let r = Recording::read(path);
    let (t0, t1) = (r.first_t(), r.last_t() + 1.0);
    let expired = r.increase(&a, "expired_keys", onset - 1.0, t1);
    let before = r.num(&a, "db0.keys", t0, onset);
    let after = r.num(&a, "db0.keys", onset, t1);
    let low = after.iter().cloned().fold(f64::MAX, f64::min);
    let effect = format!(
        "expired_keys +{expired} around and after the onset (+{} before); db0.keys {:?} before, lowest {low} after \
         (last {:?}); hit share {:.3} before, {:.3} after; misses/s {:.0} -> {:.0}; sets/s {:.0} -> {:.0}",
        r.increase(&a, "expired_keys", t0, onset - 1.0),
        before.last(),
        after.last(),
        r.hit_ratio(&a, t0, onset),
        r.hit_ratio(&a, onset, t1),
        r.rate(&a, "keyspace_misses", t0, onset),
        r.rate(&a, "keyspace_misses", onset, t1),
        r.rate(&a, "cmdstat_set.calls", t0, onset),
        r.rate(&a, "cmdstat_set.calls", onset, t1),
    );
    check(
        expired >= 20_000.0 && low < 15_000.0,
        "mass_expiration",
        &effect,
    );
    (vec![a], onset, effect)
}

/// A product goes viral: two more client threads read product:0 at 2,000/s each, on top
/// of the catalog load (900/s): it takes ~80% of the reads; it stays cached (hits).
fn hot_key(path: &Path, hook: &mut dyn FnMut(Step<'_>)) -> Ran {
    let s = RedisServer::start();
    let a = s.addr();
    let cfg = catalog(Route::One(a.clone()));
    prefill(&cfg, 0, cfg.keys, true);
    let mut load = Load::start(cfg.clone());
    wait_steady(&a, 18_000.0, 0.95);
    let rec = calm(&[&s], path, hook);
    let onset = unix_now();
    let mut viral = Load::start(
        LoadConfig {
            name: "viral".into(),
            ..cfg
        }
        .dist(Dist::Hot(1.0))
        .threads(2, 2_000),
    );
    tail(rec, hook);
    viral.stop();
    load.stop();
    let r = Recording::read(path);
    let (t0, t1) = (r.first_t(), r.last_t() + 1.0);
    let (c0, c1) = (
        r.rate(&a, "total_commands_processed", t0, onset),
        r.rate(&a, "total_commands_processed", onset + 1.0, t1),
    );
    let effect = format!(
        "commands/s {c0:.0} -> {c1:.0} (the viral key: {} reads by the extra threads); hit share {:.3} \
         before, {:.3} after; net output bytes/s {:.0} -> {:.0}",
        viral.count(&viral.stats.gets),
        r.hit_ratio(&a, t0, onset),
        r.hit_ratio(&a, onset, t1),
        r.rate(&a, "total_net_output_bytes", t0, onset),
        r.rate(&a, "total_net_output_bytes", onset + 1.0, t1),
    );
    check(c1 > 3.0 * c0, "hot_key", &effect);
    (vec![a], onset, effect)
}

/// The slot → master ranges of a cluster, from CLUSTER NODES.
fn cluster_route(c: &RedisCluster) -> Route {
    let text = c.nodes[0].cli(&["CLUSTER", "NODES"]);
    let mut ranges = Vec::new();
    for line in text.lines().filter(|l| l.contains("master")) {
        let f: Vec<&str> = line.split_whitespace().collect();
        let addr = f[1].split('@').next().expect("ip:port@bus").to_string();
        for r in &f[8..] {
            let (lo, hi) = r.split_once('-').unwrap_or((r, r));
            ranges.push((lo.parse().unwrap(), hi.parse().unwrap(), addr.clone()));
        }
    }
    Route::Cluster(Arc::new(ranges))
}

/// The same viral product on a 3-master cluster: the catalog load spreads over the three,
/// the viral reads all land on the master of product:0's slot.
fn hot_key_cluster(path: &Path, hook: &mut dyn FnMut(Step<'_>)) -> Ran {
    let c = RedisCluster::start_masters(redis_server_bin(), &[]);
    let route = cluster_route(&c);
    let cfg = catalog(route.clone());
    prefill(&cfg, 0, cfg.keys, true);
    let mut load = Load::start(cfg.clone());
    let servers: Vec<&RedisServer> = c.nodes.iter().collect();
    for s in &servers {
        wait_steady(&s.addr(), 5_500.0, 0.95);
    }
    let rec = calm(&servers, path, hook);
    let onset = unix_now();
    let mut viral = Load::start(
        LoadConfig {
            name: "viral".into(),
            ..cfg
        }
        .dist(Dist::Hot(1.0))
        .threads(2, 1_500),
    );
    tail(rec, hook);
    viral.stop();
    load.stop();
    let Route::Cluster(ranges) = &route else {
        unreachable!()
    };
    let slot = super::load::key_slot("product:0");
    let hot = ranges
        .iter()
        .find(|(lo, hi, _)| *lo <= slot && slot <= *hi)
        .map(|(_, _, a)| a.clone())
        .expect("a master for the slot");
    let r = Recording::read(path);
    let (t0, t1) = (r.first_t(), r.last_t() + 1.0);
    let mut words = Vec::new();
    let mut others: f64 = 0.0;
    let mut hot_rate = 0.0;
    for s in &servers {
        let a = s.addr();
        let (b, x) = (
            r.rate(&a, "total_commands_processed", t0, onset),
            r.rate(&a, "total_commands_processed", onset + 1.0, t1),
        );
        words.push(format!(
            "{a}{} commands/s {b:.0} -> {x:.0}",
            if a == hot {
                " (product:0's master)"
            } else {
                ""
            }
        ));
        if a == hot {
            hot_rate = x;
        } else {
            others = others.max(x);
        }
    }
    let effect = words.join("; ");
    check(hot_rate > 4.0 * others, "hot_key_cluster", &effect);
    (addrs(&servers), onset, effect)
}

/// A 20 MB cache (allkeys-lru) holding the catalog (~8 MB); an import writes 1 KB reports,
/// 400 per pipeline every 50 ms (~8 MB/s): past maxmemory it evicts steadily, the catalog
/// with it.
fn memory_pressure(path: &Path, hook: &mut dyn FnMut(Step<'_>)) -> Ran {
    let s = RedisServer::with_args(&["--maxmemory", "20mb", "--maxmemory-policy", "allkeys-lru"]);
    let a = s.addr();
    let cfg = catalog(Route::One(a.clone()));
    prefill(&cfg, 0, cfg.keys, true);
    let mut load = Load::start(cfg);
    wait_steady(&a, 18_000.0, 0.95);
    let rec = calm(&[&s], path, hook);
    let onset = unix_now();
    let mut imp = import(&a, "report:", 1_000, 400, Duration::from_millis(50));
    tail(rec, hook);
    imp.stop();
    load.stop();
    let r = Recording::read(path);
    let (t0, t1) = (r.first_t(), r.last_t() + 1.0);
    let evicted = r.increase(&a, "evicted_keys", onset, t1);
    let effect = format!(
        "evicted_keys +{} before, +{evicted} after; used_memory peak {:.1} MB (maxmemory 20 MB); hit share \
         {:.3} before, {:.3} after (worst interval {:.3}); misses/s {:.0} -> {:.0}; {} keys imported",
        r.increase(&a, "evicted_keys", t0, onset),
        r.num(&a, "used_memory", onset, t1).iter().cloned().fold(0.0, f64::max) / 1048576.0,
        r.hit_ratio(&a, t0, onset),
        r.hit_ratio(&a, onset, t1),
        r.worst_hit_ratio(&a, onset, t1),
        r.rate(&a, "keyspace_misses", t0, onset),
        r.rate(&a, "keyspace_misses", onset, t1),
        imp.count.load(std::sync::atomic::Ordering::Relaxed),
    );
    check(
        evicted > 5_000.0 && r.hit_ratio(&a, onset, t1) < r.hit_ratio(&a, t0, onset) - 0.02,
        "memory_pressure",
        &effect,
    );
    (vec![a], onset, effect)
}

/// A master and a replica; the application reads from the replica and writes to the
/// master. The master dies (SIGKILL), or (`link_only`) its password is rotated and the
/// replica's link kicked: the replica, which has no new masterauth, cannot sync again
/// while both keep answering.
fn replication(path: &Path, hook: &mut dyn FnMut(Step<'_>), link_only: bool) -> Ran {
    let mut m = RedisServer::start();
    let port = m.port.to_string();
    let r_srv = RedisServer::with_args(&["--replicaof", "127.0.0.1", &port]);
    let (ma, ra) = (m.addr(), r_srv.addr());
    let cfg = catalog(Route::Split {
        read: ra.clone(),
        write: ma.clone(),
    });
    prefill(&cfg, 0, cfg.keys, true);
    wait_until("the replica in sync", 30, || {
        let i = info(&ra);
        i.get("master_link_status").map(String::as_str) == Some("up")
            && num(&i, "db0.keys") >= 18_000.0
    });
    let mut load = Load::start(cfg);
    wait_steady(&ra, 18_000.0, 0.95);
    let rec = calm(&[&m, &r_srv], path, hook);
    let onset = unix_now();
    if link_only {
        m.cli(&["CONFIG", "SET", "requirepass", "rotated-secret"]);
        m.pass = Some("rotated-secret".into());
        m.cli(&["CLIENT", "KILL", "TYPE", "replica"]);
    } else {
        m.stop();
    }
    tail(rec, hook);
    load.stop();
    let r = Recording::read(path);
    let (t0, t1) = (r.first_t(), r.last_t() + 1.0);
    let link = r.text(&ra, "master_link_status", onset, t1);
    let down = link.iter().filter(|v| v.as_deref() == Some("down")).count();
    let up_before = r
        .text(&ra, "master_link_status", t0, onset)
        .iter()
        .all(|v| v.as_deref() == Some("up"));
    let effect = format!(
        "replica master_link_status up before: {up_before}, down in {down} of {} samples after; \
         master_link_down_since_seconds last {:?}; master connected_slaves {:?} -> {:?}; \
         master error samples after: {}, replica error samples: {}",
        link.len(),
        r.num(&ra, "master_link_down_since_seconds", onset, t1)
            .last(),
        r.num(&ma, "connected_slaves", t0, onset).last(),
        r.num(&ma, "connected_slaves", onset, t1).last(),
        r.errors(&ma, onset, t1),
        r.errors(&ra, t0, t1),
    );
    let answered = r.errors(&ma, onset, t1) == 0;
    check(
        up_before && down + 2 >= link.len() && down >= 5 && answered == link_only,
        "replication",
        &effect,
    );
    (vec![ma, ra], onset, effect)
}

/// A scraper walks product ids that do not exist (random ids up to 10^12): every GET
/// misses and the database has nothing to cache (no null caching), 3 threads at 400/s.
fn penetration(path: &Path, hook: &mut dyn FnMut(Step<'_>)) -> Ran {
    let s = RedisServer::start();
    let a = s.addr();
    let cfg = catalog(Route::One(a.clone()));
    prefill(&cfg, 0, cfg.keys, true);
    let mut load = Load::start(cfg);
    wait_steady(&a, 18_000.0, 0.95);
    let rec = calm(&[&s], path, hook);
    let onset = unix_now();
    let mut scraper = Load::start(
        LoadConfig::new(
            "scraper",
            Route::One(a.clone()),
            "product:",
            1_000_000_000_000,
        )
        .threads(3, 400)
        .db(1, 2, false),
    );
    tail(rec, hook);
    scraper.stop();
    load.stop();
    let r = Recording::read(path);
    let (t0, t1) = (r.first_t(), r.last_t() + 1.0);
    let keys = r.num(&a, "db0.keys", t0, t1);
    let (m0, m1) = (
        r.rate(&a, "keyspace_misses", t0, onset),
        r.rate(&a, "keyspace_misses", onset + 1.0, t1),
    );
    let effect = format!(
        "misses/s {m0:.0} -> {m1:.0}; hit share {:.3} before, {:.3} after; sets/s {:.0} -> {:.0}; db0.keys \
         {:?} .. {:?} (unchanged)",
        r.hit_ratio(&a, t0, onset),
        r.hit_ratio(&a, onset, t1),
        r.rate(&a, "cmdstat_set.calls", t0, onset),
        r.rate(&a, "cmdstat_set.calls", onset + 1.0, t1),
        keys.first(),
        keys.last(),
    );
    check(
        m1 > 500.0 && m1 > 10.0 * m0.max(1.0),
        "penetration",
        &effect,
    );
    (vec![a], onset, effect)
}

/// The home feed (feed:home:0) is read by 64 client threads at 40/s each, and rebuilding
/// it is an expensive query (300-400 ms: long enough that every thread reads it during a
/// rebuild even when the machine is busy and the threads run late). A config push sets its cache TTL to 1 s: from
/// then on, each time it expires every thread misses during the rebuild and rebuilds it
/// too, a stampede of misses and SETs every second.
fn breakdown(path: &Path, hook: &mut dyn FnMut(Step<'_>)) -> Ran {
    let s = RedisServer::start();
    let a = s.addr();
    let cfg = catalog(Route::One(a.clone()));
    prefill(&cfg, 0, cfg.keys, true);
    let feed_cfg = LoadConfig::new("feed", Route::One(a.clone()), "feed:home:", 1)
        .threads(64, 40)
        .ttl(3_600_000, 0.0)
        .db(300, 400, true)
        .value_bytes(4_000);
    prefill(&feed_cfg, 0, 1, false);
    let mut load = Load::start(cfg);
    let mut feed = Load::start(feed_cfg);
    wait_steady(&a, 18_000.0, 0.95);
    let rec = calm(&[&s], path, hook);
    let onset = unix_now();
    feed.set_ttl_ms(1_000);
    // The config push republishes the feed with its new TTL.
    s.cli(&["SET", "feed:home:0", "republished", "PX", "1000"]);
    tail(rec, hook);
    feed.stop();
    load.stop();
    let r = Recording::read(path);
    let (t0, t1) = (r.first_t(), r.last_t() + 1.0);
    let effect = format!(
        "expired_keys +{} before, +{} after; misses/s {:.1} -> {:.1}; sets/s {:.1} -> {:.1}; hit share \
         {:.4} before, {:.4} after; the feed threads missed {} times in all",
        r.increase(&a, "expired_keys", t0, onset),
        r.increase(&a, "expired_keys", onset, t1),
        r.rate(&a, "keyspace_misses", t0, onset),
        r.rate(&a, "keyspace_misses", onset, t1),
        r.rate(&a, "cmdstat_set.calls", t0, onset),
        r.rate(&a, "cmdstat_set.calls", onset, t1),
        r.hit_ratio(&a, t0, onset),
        r.hit_ratio(&a, onset, t1),
        feed.count(&feed.stats.misses),
    );
    check(
        r.increase(&a, "keyspace_misses", onset, t1) >= 40.0
            && r.increase(&a, "expired_keys", onset, t1) >= 5.0,
        "breakdown",
        &effect,
    );
    (vec![a], onset, effect)
}

/// maxclients 50; a deploy starts 8 app instances at once, each opening a pool of 10
/// connections and retrying refused ones every 250 ms.
fn connection_storm(path: &Path, hook: &mut dyn FnMut(Step<'_>)) -> Ran {
    let s = RedisServer::with_args(&["--maxclients", "50"]);
    let a = s.addr();
    let cfg = catalog(Route::One(a.clone()));
    prefill(&cfg, 0, cfg.keys, true);
    let mut load = Load::start(cfg);
    wait_steady(&a, 18_000.0, 0.95);
    let rec = calm(&[&s], path, hook);
    let onset = unix_now();
    let mut fleet: Background = fleet(&a, 8, 10, Duration::from_millis(250));
    tail(rec, hook);
    fleet.stop();
    load.stop();
    let r = Recording::read(path);
    let (t0, t1) = (r.first_t(), r.last_t() + 1.0);
    let rejected = r.increase(&a, "rejected_connections", onset, t1);
    let effect = format!(
        "rejected_connections +{} before, +{rejected} after; connected_clients {:?} before, peak {} after \
         (maxclients 50); total_connections_received/s {:.1} -> {:.1}",
        r.increase(&a, "rejected_connections", t0, onset),
        r.num(&a, "connected_clients", t0, onset).last(),
        r.num(&a, "connected_clients", onset, t1).iter().cloned().fold(0.0, f64::max),
        r.rate(&a, "total_connections_received", t0, onset),
        r.rate(&a, "total_connections_received", onset, t1),
    );
    check(rejected > 50.0, "connection_storm", &effect);
    (vec![a], onset, effect)
}

/// 150,000 sessions beside the catalog; an ops script looks for stale session locks with
/// KEYS session:*:lock every 300 ms (each call walks the whole keyspace, blocking the
/// server for tens of ms; the reply is empty, so the script's own reading never slows
/// the calls down on a busy machine).
fn slow_commands(path: &Path, hook: &mut dyn FnMut(Step<'_>)) -> Ran {
    let s = RedisServer::start();
    let a = s.addr();
    let cfg = catalog(Route::One(a.clone()));
    prefill(&cfg, 0, cfg.keys, true);
    let sessions = LoadConfig::new("sessions", Route::One(a.clone()), "session:", 150_000)
        .ttl(1_800_000, 0.2)
        .value_bytes(60);
    prefill(&sessions, 0, sessions.keys, true);
    let mut load = Load::start(cfg);
    wait_steady(&a, 150_000.0, 0.95);
    let rec = calm(&[&s], path, hook);
    let onset = unix_now();
    let mut ops = repeat(&a, &["KEYS", "session:*:lock"], Duration::from_millis(300));
    tail(rec, hook);
    ops.stop();
    load.stop();
    let r = Recording::read(path);
    let (t0, t1) = (r.first_t(), r.last_t() + 1.0);
    let keys_calls = r.increase(&a, "cmdstat_keys.calls", onset, t1);
    let effect = format!(
        "cmdstat_keys calls +{keys_calls}, usec_per_call {:?}; cmdstat_get usec_per_call {:?} -> {:?}; \
         KEYS calls made: {}",
        r.num(&a, "cmdstat_keys.usec_per_call", onset, t1).last(),
        r.num(&a, "cmdstat_get.usec_per_call", t0, onset).last(),
        r.num(&a, "cmdstat_get.usec_per_call", onset, t1).last(),
        ops.count.load(std::sync::atomic::Ordering::Relaxed),
    );
    check(
        keys_calls >= 10.0
            && r.num(&a, "cmdstat_keys.usec_per_call", onset, t1)
                .last()
                .is_some_and(|u| *u >= 10_000.0),
        "slow_commands",
        &effect,
    );
    (vec![a], onset, effect)
}

enum Healthy {
    Steady,
    Bursty,
    TtlChurn,
}

/// Loads that must raise no alarm: the catalog load steady; the catalog load alternating
/// between 100/s and 600/s per thread every 2 s; sessions with 3-9 s TTLs, continuously
/// expiring and refilled, read often enough that the hit share stays high.
fn healthy(path: &Path, hook: &mut dyn FnMut(Step<'_>), kind: Healthy) -> Ran {
    let s = RedisServer::start();
    let a = s.addr();
    let mut toggler = None;
    let (mut load, keys) = match kind {
        Healthy::Steady | Healthy::Bursty => {
            let cfg = catalog(Route::One(a.clone()));
            prefill(&cfg, 0, cfg.keys, true);
            // The catalog's keys expire and are refilled all the time: a warm cache holds
            // most of them, not every one at every moment.
            (Load::start(cfg), 18_000.0)
        }
        Healthy::TtlChurn => {
            let cfg = LoadConfig::new("sessions", Route::One(a.clone()), "session:", 600)
                .threads(3, 500)
                .ttl(6_000, 0.5)
                .value_bytes(150);
            prefill(&cfg, 0, cfg.keys, true);
            (Load::start(cfg), 500.0)
        }
    };
    if let Healthy::Bursty = kind {
        let stats = load.stats.clone();
        let mut high = false;
        toggler = Some(Background::start(Duration::from_secs(90), move |_| {
            high = !high;
            stats.set_rate(if high { 600 } else { 100 });
            Duration::from_secs(2)
        }));
    }
    wait_steady(&a, keys, 0.85);
    let rec = calm(&[&s], path, hook);
    let onset = unix_now();
    tail(rec, hook);
    drop(toggler);
    load.stop();
    let r = Recording::read(path);
    let (t0, t1) = (r.first_t(), r.last_t() + 1.0);
    let cmds: Vec<f64> = r
        .num(&a, "total_commands_processed", t0, t1)
        .windows(2)
        .map(|w| w[1] - w[0])
        .collect();
    let effect = format!(
        "hit share {:.3} overall, worst interval {:.3}; commands per interval {:.0}..{:.0}; expired_keys/s \
         {:.0}; evicted_keys +{}; rejected_connections +{}; db0.keys {:?}..{:?}",
        r.hit_ratio(&a, t0, t1),
        r.worst_hit_ratio(&a, t0, t1),
        cmds.iter().cloned().fold(f64::MAX, f64::min),
        cmds.iter().cloned().fold(0.0, f64::max),
        r.rate(&a, "expired_keys", t0, t1),
        r.increase(&a, "evicted_keys", t0, t1),
        r.increase(&a, "rejected_connections", t0, t1),
        r.num(&a, "db0.keys", t0, t1).iter().cloned().fold(f64::MAX, f64::min),
        r.num(&a, "db0.keys", t0, t1).iter().cloned().fold(0.0, f64::max),
    );
    check(
        r.worst_hit_ratio(&a, t0, t1) >= 0.8 && r.errors(&a, t0, t1) == 0,
        "healthy",
        &effect,
    );
    (vec![a], onset, effect)
}

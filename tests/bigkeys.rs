//! `bigkeys` against real servers holding data the tests write themselves: single servers,
//! a 3+3 cluster, Redis 6.2, Valkey 8.1 and 9.1, TLS; and the walker's protections it runs with
//! (--rate, the latency guard, --sample) and a node that dies mid-scan.

use std::collections::BTreeMap;
use std::process::{Command as Proc, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::util::{
    redis62_bin, redis_cli_bin, redis_server_bin, valkey91_bin, valkey_bin, wait_for_scan,
    wait_until, Conn, RedisCluster, RedisServer,
};
use crate::{cachestorm, commands, fails, json, spawn, stdout_json};

/// The biggest key of each type, planted (by length and by memory alike).
const PLANTED: [(&str, &str); 6] = [
    ("string", "str:big"),
    ("hash", "hash:big"),
    ("set", "set:big"),
    ("list", "list:big"),
    ("zset", "zset:big"),
    ("stream", "stream:big"),
];

/// Small keys of every type plus one big key per type (see `PLANTED`).
fn plant_types(s: &RedisServer) {
    s.pipe(&commands(2000, |i| format!("SET str:{i} value-{i}")));
    s.pipe(&commands(200, |i| format!("HSET hash:{i} a 1 b 2")));
    s.pipe(&commands(200, |i| format!("SADD set:{i} a b c")));
    s.pipe(&commands(200, |i| format!("RPUSH list:{i} a b")));
    s.pipe(&commands(200, |i| format!("ZADD zset:{i} 1 a 2 b")));
    s.pipe(&commands(50, |i| format!("XADD stream:{i} * k v")));
    s.cli(&["SETRANGE", "str:big", "149999", "x"]);
    let fields: Vec<String> = (0..6000).map(|i| format!("f{i} v")).collect();
    s.pipe(&format!("HSET hash:big {}\n", fields.join(" ")));
    let members: Vec<String> = (0..1500).map(|i| format!("m{i}")).collect();
    s.pipe(&format!("SADD set:big {}\n", members.join(" ")));
    s.pipe(&format!("RPUSH list:big {}\n", members.join(" ")));
    let scored: Vec<String> = (0..800).map(|i| format!("{i} m{i}")).collect();
    s.pipe(&format!("ZADD zset:big {}\n", scored.join(" ")));
    s.pipe(&commands(300, |_| {
        "XADD stream:big * field value".to_string()
    }));
}

fn dbsize(s: &RedisServer) -> u64 {
    s.cli(&["DBSIZE"]).parse().expect("DBSIZE is a number")
}

#[test]
fn bigkeys_finds_the_planted_biggest_key_of_each_type_like_redis_cli() {
    let s = RedisServer::start();
    plant_types(&s);
    let p = s.port.to_string();
    let doc = json(&[
        "bigkeys",
        "-p",
        &p,
        "--top",
        "5",
        "--encoding",
        "-o",
        "json",
    ]);
    assert_eq!(doc["complete"], true);
    assert_eq!(doc["keys_scanned"].as_u64(), Some(dbsize(&s)));
    assert_eq!(doc["keys_counted"].as_u64(), Some(dbsize(&s)));
    for (kind, key) in PLANTED {
        assert_eq!(
            doc["top_by_type"][kind][0]["key"], key,
            "biggest {kind}: {}",
            doc["top_by_type"][kind]
        );
    }
    assert_eq!(doc["top"][0]["key"], "hash:big");
    assert_eq!(doc["top"][0]["length"], 6000);
    assert_eq!(doc["top"][0]["encoding"], "hashtable");
    // Per-type counts are the planted ones.
    let types: BTreeMap<String, u64> = doc["types"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["type"].as_str().unwrap().to_string(),
                t["keys"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(types["string"], 2001);
    assert_eq!(types["hash"], 201);
    assert_eq!(types["stream"], 51);
    // Findings name the big collections.
    let rules: Vec<(&str, &str)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["type"].as_str().unwrap(),
                f["examples"][0]["key"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rules,
        [
            ("hash", "hash:big"),
            ("set", "set:big"),
            ("string", "str:big"),
            ("list", "list:big")
        ]
    );
    let p = &doc["size_percentiles"];
    assert!(p["p50_bytes"].as_u64() <= p["p99_bytes"].as_u64());
    assert_eq!(p["max_bytes"], doc["top"][0]["memory_bytes"]);

    // redis-cli --bigkeys on the same data names the same biggest key per type.
    let out = Proc::new(redis_cli_bin())
        .args(["-p", &s.port.to_string(), "--bigkeys"])
        .output()
        .expect("running redis-cli --bigkeys");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut seen = 0;
    for line in text.lines() {
        // Biggest   hash found '"hash:big"' has 6000 fields   (Redis 7.0)
        // Biggest   hash found "hash:big" has 6000 fields      (later)
        let Some(rest) = line.trim().strip_prefix("Biggest") else {
            continue;
        };
        let mut words = rest.split_whitespace();
        let kind = words.next().unwrap();
        let key = words
            .nth(1)
            .unwrap()
            .trim_matches(|c| c == '\'' || c == '"');
        assert_eq!(doc["top_by_type"][kind][0]["key"], key, "redis-cli: {line}");
        seen += 1;
    }
    assert_eq!(seen, 6, "redis-cli --bigkeys output:\n{text}");

    // --min-bytes lists only big keys; NDJSON is one top key per line.
    let out = cachestorm()
        .args([
            "bigkeys",
            "-p",
            &s.port.to_string(),
            "--min-bytes",
            "10kb",
            "-o",
            "ndjson",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let lines = crate::ndjson(&out.stdout);
    assert!(!lines.is_empty());
    assert!(lines
        .iter()
        .all(|k| k["memory_bytes"].as_u64().unwrap() >= 10 * 1024));
    let mut names: Vec<&str> = lines.iter().map(|k| k["key"].as_str().unwrap()).collect();
    names.sort_unstable();
    // The planted keys MEMORY USAGE puts at 10kB or more (the small keys are far below).
    let mut planted: Vec<&str> = PLANTED
        .iter()
        .map(|p| p.1)
        .filter(|k| s.cli(&["MEMORY", "USAGE", k]).parse::<u64>().unwrap() >= 10 * 1024)
        .collect();
    planted.sort_unstable();
    assert!(planted.len() >= 3);
    assert_eq!(names, planted);

    // --type keeps one type; the table prints.
    let doc = json(&[
        "bigkeys",
        "-p",
        &s.port.to_string(),
        "--type",
        "set",
        "-o",
        "json",
    ]);
    assert_eq!(doc["keys_counted"], 201);
    assert_eq!(doc["types"].as_array().unwrap().len(), 1);
    let out = cachestorm()
        .args(["bigkeys", "-p", &s.port.to_string(), "--top", "3"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains("hashes with more than 5,000 fields: 1 key: hash:big (6000)"),
        "{table}"
    );
}

#[test]
fn binary_key_names_round_trip_in_json() {
    let s = RedisServer::start();
    s.pipe("SET \"bin:\\x00\\xff\\\"q\" value\nSET plain v\n");
    let p = s.port.to_string();
    let doc = json(&["bigkeys", "-p", &p, "-o", "json"]);
    let keys: Vec<&str> = doc["top"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["key"].as_str().unwrap())
        .collect();
    assert!(keys.contains(&r#"bin:\x00\xff\"q"#), "{keys:?}");
    // The shown form pastes back into redis-cli.
    let out = Proc::new(redis_cli_bin())
        .args(["-p", &p])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin
                .take()
                .unwrap()
                .write_all(format!("EXISTS \"{}\"\n", r#"bin:\x00\xff\"q"#).as_bytes())?;
            c.wait_with_output()
        })
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "1");
}

#[test]
fn a_cluster_is_scanned_completely_on_every_master() {
    let c = RedisCluster::start();
    let seed = &c.nodes[0];
    let mut cli = Proc::new(redis_cli_bin())
        .args(["-c", "-p", &seed.port.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = cli.stdin.take().unwrap();
        stdin
            .write_all(commands(3000, |i| format!("SET key:{i} v{i}")).as_bytes())
            .unwrap();
    }
    assert!(cli.wait().unwrap().success());
    let masters: Vec<&RedisServer> = c
        .nodes
        .iter()
        .filter(|n| n.cli(&["ROLE"]).starts_with("master"))
        .collect();
    let total: u64 = masters.iter().map(|m| dbsize(m)).sum();
    assert_eq!(total, 3000);
    let p = seed.port.to_string();
    let doc = json(&["bigkeys", "--cluster", "-p", &p, "-o", "json"]);
    assert_eq!(doc["complete"], true, "{doc}");
    assert_eq!(doc["nodes"].as_array().unwrap().len(), 3);
    assert_eq!(doc["keys_scanned"], 3000, "{}", doc["nodes"]);
    let per_node: u64 = doc["per_node"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["keys"].as_u64().unwrap())
        .sum();
    assert_eq!(per_node, 3000);
    assert_eq!(doc["per_node"].as_array().unwrap().len(), 3);
    assert_eq!(doc["keys_counted"], 3000);
    assert_eq!(doc["dbsize"], 3000);
    // The same from one replica of each master, once they have the data (the initial
    // sync may start a few seconds after the cluster forms).
    let deadline = Instant::now() + Duration::from_secs(60);
    while c
        .nodes
        .iter()
        .filter(|n| n.cli(&["ROLE"]).starts_with("slave"))
        .map(dbsize)
        .sum::<u64>()
        < 3000
    {
        assert!(
            Instant::now() < deadline,
            "replicas did not sync within 60s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let doc = json(&[
        "keyspace",
        "--cluster",
        "--replicas",
        "-p",
        &p,
        "-o",
        "json",
    ]);
    assert_eq!(doc["nodes"].as_array().unwrap().len(), 3);
    let mut replicas: Vec<String> = doc["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["node"].as_str().unwrap().to_string())
        .collect();
    replicas.sort();
    for r in &replicas {
        let port: u16 = r.rsplit(':').next().unwrap().parse().unwrap();
        let node = c.nodes.iter().find(|n| n.port == port).unwrap();
        assert!(node.cli(&["ROLE"]).starts_with("slave"), "{r} is a replica");
    }
    for n in doc["nodes"].as_array().unwrap() {
        assert_eq!(n["role"], "replica", "{n}");
    }
    assert_eq!(doc["keys_counted"], 3000, "{doc}");
}

#[test]
fn a_node_that_dies_mid_scan_is_marked_and_the_others_are_kept() {
    let a = RedisServer::start();
    let mut b = RedisServer::start();
    a.pipe(&commands(300, |i| format!("SET a:{i} v")));
    b.pipe(&commands(20_000, |i| format!("SET b:{i} v")));
    let child = spawn(&[
        "bigkeys",
        "--node",
        &a.addr(),
        "--node",
        &b.addr(),
        "--rate",
        "2000",
        "-o",
        "json",
    ]);
    wait_for_scan(&b);
    b.stop();
    let (code, doc, err) = stdout_json(child);
    assert_eq!(code, Some(3), "a failed node exits 3: {err}");
    assert_eq!(doc["complete"], false);
    let nodes = doc["nodes"].as_array().unwrap();
    assert_eq!(nodes[0]["complete"], true);
    assert_eq!(nodes[0]["keys_scanned"], 300);
    assert_eq!(nodes[1]["complete"], false);
    assert!(nodes[1]["error"].as_str().is_some_and(|e| !e.is_empty()));
    assert!(err.contains("not scanned completely"), "{err}");
    assert!(doc["keys_counted"].as_u64().unwrap() >= 300);
}

#[test]
fn rate_caps_keys_per_second() {
    let s = RedisServer::start();
    s.pipe(&commands(3000, |i| format!("SET k:{i} v")));
    let p = s.port.to_string();
    let doc = json(&["bigkeys", "-p", &p, "--rate", "1500", "-o", "json"]);
    assert_eq!(doc["complete"], true);
    assert_eq!(doc["keys_scanned"], 3000);
    assert_eq!(doc["settings"]["rate_keys_per_sec"], 1500);
    // Rates are measured by scripts/bench/scan.sh, not here: a test only asserts what no
    // machine speed can break. Under --rate the batches are small and evenly spaced: at
    // 1500 keys/s a node looks at 10 keys (the smallest paced batch) every 6.7 ms, and
    // nothing is saved up, so the 300th batch cannot start before 299 × 10 / 1500 = 1.99 s
    // however fast the machine; 1.9 s leaves room for clock granularity.
    let elapsed = doc["elapsed_ms"].as_f64().unwrap() / 1000.0;
    assert!(
        elapsed >= 1.9,
        "3000 keys in {elapsed:.2}s with --rate 1500: the rate was not applied"
    );
    // One round trip per batch of at most 10 keys (SCAN COUNT is a hint: a little slack).
    let trips = doc["nodes"][0]["round_trips"].as_u64().unwrap();
    assert!(
        trips >= 3000 / 12,
        "{trips} round trips: batches were not small"
    );
}

#[test]
fn sample_extrapolates_to_dbsize_with_an_interval() {
    let s = RedisServer::start();
    s.pipe(&commands(6000, |i| format!("SET s:{i} {}", "v".repeat(20))));
    s.pipe(&commands(4000, |i| format!("HSET h:{i} a 1 b 2 c 3")));
    let p = s.port.to_string();
    let doc = json(&["bigkeys", "-p", &p, "--sample", "2000", "-o", "json"]);
    assert_eq!(doc["complete"], false);
    assert_eq!(doc["nodes"][0]["sampled"], true);
    assert_eq!(doc["keys_scanned"], 2000);
    let e = &doc["extrapolation"];
    assert_eq!(e["total_keys"], 10_000);
    let hashes = e["types"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["type"] == "hash")
        .unwrap();
    let (est, ci) = (
        hashes["keys"]["estimate"].as_f64().unwrap(),
        hashes["keys"]["ci95"].as_f64().unwrap(),
    );
    assert!(ci > 0.0 && ci < 400.0, "ci {ci}");
    // Two half-widths: 99.99% coverage, so this fails only on a broken estimator.
    assert!((est - 4000.0).abs() <= 2.0 * ci, "{est} ± {ci} vs 4000");
    fails(
        &["bigkeys", "-p", &p, "--sample", "10", "--match", "s:*"],
        2,
    );
}

#[test]
fn the_latency_guard_backs_off_while_the_server_is_slow() {
    let s = RedisServer::with_args(&["--enable-debug-command", "yes"]);
    s.pipe(&commands(6000, |i| format!("SET k:{i} v")));
    let p = s.port.to_string();
    let child = spawn(&["bigkeys", "-p", &p, "--rate", "2000", "-o", "json"]);
    wait_for_scan(&s);
    // Make the server slow for other clients: 50 ms stalls, ten times.
    let mut c = Conn::open(s.port);
    for _ in 0..10 {
        c.call(&["DEBUG", "SLEEP", "0.05"]);
        std::thread::sleep(Duration::from_millis(50));
    }
    let (code, doc, err) = stdout_json(child);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(doc["complete"], true);
    assert_eq!(doc["keys_scanned"], 6000);
    let node = &doc["nodes"][0];
    assert!(node["probe_max_ms"].as_f64().unwrap() >= 5.0, "{node}");
    assert!(node["latency_backoffs"].as_u64().unwrap() > 0, "{node}");
}

#[test]
fn bigkeys_works_on_redis_6_2_and_valkey_8_1_and_9_1() {
    for (bin, label) in [
        (redis62_bin(), "redis 6.2"),
        (valkey_bin(), "valkey 8.1"),
        (valkey91_bin(), "valkey 9.1"),
    ] {
        let s = RedisServer::with(bin, &[]);
        plant_types(&s);
        let p = s.port.to_string();
        let doc = json(&["bigkeys", "-p", &p, "--encoding", "-o", "json"]);
        assert_eq!(doc["complete"], true, "{label}");
        assert_eq!(doc["keys_counted"].as_u64(), Some(dbsize(&s)), "{label}");
        for (kind, key) in PLANTED {
            assert_eq!(
                doc["top_by_type"][kind][0]["key"], key,
                "{label}: biggest {kind}"
            );
        }
        assert!(doc["top"][0]["encoding"].is_string(), "{label}");
    }
}

#[test]
fn scans_work_over_tls() {
    let s = RedisServer::start_tls(false);
    let ca = s.tls_files().ca.to_string_lossy().into_owned();
    let url = format!("rediss://127.0.0.1:{}", s.port);
    let doc = json(&["bigkeys", "-u", &url, "--cacert", &ca, "-o", "json"]);
    assert_eq!(doc["complete"], true);
    assert_eq!(doc["target"]["tls"], true);
    assert_eq!(doc["nodes"][0]["error"], Value::Null);
    // An untrusted certificate is refused with the connect error.
    fails(&["keyspace", "-u", &url], 3);
}

#[test]
fn memory_samples_is_the_flag_and_samples_its_hidden_alias() {
    // `--sample N` (keys per node) and `--samples N` (MEMORY USAGE SAMPLES) read alike:
    // the second is `--memory-samples` now, and the old spelling still works for scripts.
    let s = RedisServer::start();
    s.cli(&["SET", "k", "v"]);
    let p = s.port.to_string();
    for flag in ["--memory-samples", "--samples"] {
        let doc = json(&["bigkeys", "-p", &p, flag, "0", "-o", "json"]);
        assert_eq!(doc["settings"]["memory_samples"], 0, "{flag}");
        assert_eq!(doc["keys_counted"], 1, "{flag}");
    }
    let out = cachestorm().args(["bigkeys", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("--memory-samples <N>"), "{help}");
    assert!(!help.contains("--samples"), "the alias is hidden: {help}");
}

#[test]
fn a_cluster_with_a_master_down_is_a_node_error_not_vanished_keys() {
    // No replicas, so nothing takes over: once the others mark the killed master failed,
    // the cluster is down and they answer every key command with CLUSTERDOWN (SCAN, which
    // has no key, still works there).
    let mut c = RedisCluster::start_masters(redis_server_bin(), &["--cluster-node-timeout", "500"]);
    c.load(3000);
    let dead = c.nodes[2].addr();
    c.nodes[2].stop();
    for n in &c.nodes[..2] {
        wait_until(&format!("{} to see the cluster down", n.addr()), 30, || {
            n.cli(&["CLUSTER", "INFO"]).contains("cluster_state:fail")
        });
    }
    let p = c.nodes[0].port.to_string();
    for cmd in ["bigkeys", "keyspace"] {
        let out = cachestorm()
            .args([cmd, "--cluster", "-p", &p, "-o", "json"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{cmd}: {err}");
        let doc: Value = serde_json::from_slice(&out.stdout).expect("a report");
        assert_eq!(doc["complete"], false, "{cmd}");
        assert_eq!(doc["keys_vanished"], 0, "{cmd}: {}", doc["nodes"]);
        assert_eq!(doc["keys_counted"], 0, "{cmd}");
        assert_eq!(doc["keys_scanned"], 0, "{cmd}: no key was looked at");
        let nodes = doc["nodes"].as_array().unwrap();
        assert_eq!(nodes.len(), 3, "{cmd}");
        for n in nodes {
            let addr = n["node"].as_str().unwrap();
            let e = n["error"].as_str().unwrap_or_else(|| panic!("{cmd}: {n}"));
            assert_eq!(n["complete"], false, "{cmd}: {n}");
            assert_eq!(n["keys_vanished"], 0, "{cmd}: {n}");
            // Nothing of the first batch was delivered: resume from the start.
            assert_eq!(n["cursor"], 0, "{cmd}: {n}");
            if addr == dead {
                assert!(e.contains("cannot connect"), "{cmd}: {e}");
            } else {
                assert!(e.contains("CLUSTERDOWN The cluster is down"), "{cmd}: {e}");
            }
            assert!(err.contains(addr), "{cmd}: the warning names {addr}: {err}");
        }
    }
    // The table says so too.
    let out = cachestorm()
        .args(["bigkeys", "--cluster", "-p", &p])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("0 vanished"), "{table}");
    assert!(table.contains("0 keys scanned"), "{table}");
    assert!(
        table.contains("FAILED at cursor 0: ")
            && table.contains("TYPE: CLUSTERDOWN The cluster is down"),
        "{table}"
    );
}

#[test]
fn replicas_without_replicas_scans_the_masters_and_says_so() {
    // Standalone: the one node is a master, so --replicas cannot keep the scan off it.
    let s = RedisServer::start();
    s.pipe(&commands(100, |i| format!("SET k:{i} v")));
    let p = s.port.to_string();
    let out = cachestorm()
        .args(["bigkeys", "--replicas", "-p", &p, "-o", "json"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["keys_counted"], 100);
    assert_eq!(doc["settings"]["replicas"], true);
    assert_eq!(doc["nodes"][0]["role"], "master");
    assert!(
        err.contains(&format!(
            "--replicas: {} is a master with no replica to scan instead",
            s.addr()
        )),
        "{err}"
    );
    let out = cachestorm()
        .args(["bigkeys", "--replicas", "-p", &p])
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains(&format!(
            "{} (a master: --replicas found no replica)",
            s.addr()
        )),
        "{table}"
    );
    // Without --replicas the role is there, and nothing is said.
    let out = cachestorm()
        .args(["bigkeys", "-p", &p, "-o", "json"])
        .output()
        .unwrap();
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["nodes"][0]["role"], "master");

    // A cluster without replicas: every master is scanned, each one marked.
    let c = RedisCluster::start_masters(redis_server_bin(), &[]);
    c.load(300);
    let p = c.nodes[0].port.to_string();
    let out = cachestorm()
        .args([
            "keyspace",
            "--cluster",
            "--replicas",
            "-p",
            &p,
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["keys_counted"], 300);
    let nodes = doc["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 3);
    for n in nodes {
        assert_eq!(n["role"], "master", "{n}");
        let addr = n["node"].as_str().unwrap();
        assert!(
            err.contains(&format!("--replicas: {addr} is a master")),
            "{err}"
        );
    }
}

/// A few keys of every type with a length command; their names.
fn plant_lengths(s: &RedisServer) -> Vec<String> {
    s.pipe(&commands(20, |i| format!("SET str:{i} value-{i}")));
    s.pipe(&commands(20, |i| format!("HSET hash:{i} a 1 b 2")));
    s.pipe(&commands(20, |i| format!("SADD set:{i} a b c")));
    s.pipe(&commands(20, |i| format!("RPUSH list:{i} a b")));
    s.pipe(&commands(20, |i| format!("ZADD zset:{i} 1 a 2 b")));
    s.pipe(&commands(20, |i| format!("XADD stream:{i} * k v")));
    ["str", "hash", "set", "list", "zset", "stream"]
        .iter()
        .flat_map(|t| (0..20).map(move |i| format!("{t}:{i}")))
        .collect()
}

/// `OBJECT IDLETIME|FREQ` of every key (OBJECT touches nothing).
fn object(s: &RedisServer, sub: &str, keys: &[String]) -> Vec<u64> {
    let mut c = Conn::open(s.port);
    keys.iter()
        .map(|k| {
            let r = c.call(&["OBJECT", sub, k]);
            r.trim_start_matches(':')
                .parse()
                .unwrap_or_else(|_| panic!("OBJECT {sub} {k}: {r}"))
        })
        .collect()
}

/// Waits until every key has been idle for 2 s or more (the LRU clock ticks in seconds),
/// and returns their idle times.
fn idle_for_2s(s: &RedisServer, keys: &[String]) -> Vec<u64> {
    let mut idle = Vec::new();
    wait_until("every key idle for 2s", 20, || {
        idle = object(s, "IDLETIME", keys);
        idle.iter().all(|&t| t >= 2)
    });
    idle
}

/// Keys whose idle time went back (something touched them) between `before` and `after`.
fn touched(keys: &[String], before: &[u64], after: &[u64]) -> Vec<String> {
    keys_where(keys, before, after, |b, a| a < b)
}

/// Keys whose LFU counter moved between `before` and `after` (with decay off, only a read
/// moves it).
fn counted(keys: &[String], before: &[u64], after: &[u64]) -> Vec<String> {
    keys_where(keys, before, after, |b, a| a != b)
}

/// Keys whose (before, after) pair passes `moved`.
fn keys_where(
    keys: &[String],
    before: &[u64],
    after: &[u64],
    moved: impl Fn(u64, u64) -> bool,
) -> Vec<String> {
    keys.iter()
        .zip(before.iter().zip(after))
        .filter(|(_, (&b, &a))| moved(b, a))
        .map(|(k, _)| k.clone())
        .collect()
}

/// LFU counters that count reads exactly: each read adds 1 (log factor 0), nothing takes
/// any away (decay off).
const EXACT_LFU: [&str; 6] = [
    "--maxmemory-policy",
    "allkeys-lfu",
    "--lfu-decay-time",
    "0",
    "--lfu-log-factor",
    "0",
];

#[test]
fn scans_leave_lru_and_lfu_alone_on_servers_with_no_touch() {
    for (bin, label) in [(valkey_bin(), "valkey 8.1"), (valkey91_bin(), "valkey 9.1")] {
        // LRU: every key's idle time keeps growing through a bigkeys scan.
        let s = RedisServer::with(bin.clone(), &[]);
        let keys = plant_lengths(&s);
        let before = idle_for_2s(&s, &keys);
        let p = s.port.to_string();
        let doc = json(&["bigkeys", "-p", &p, "-o", "json"]);
        assert_eq!(doc["keys_counted"], 120, "{label}");
        assert_eq!(doc["nodes"][0]["lengths_touched_keys"], false, "{label}");
        // The lengths were read all the same.
        assert_eq!(doc["top_by_type"]["hash"][0]["length"], 2, "{label}");
        let after = object(&s, "IDLETIME", &keys);
        assert_eq!(
            touched(&keys, &before, &after),
            Vec::<String>::new(),
            "{label}"
        );

        // LFU: no counter moves through a keyspace scan. With decay off and log factor 0,
        // any read would add exactly 1.
        let s = RedisServer::with(bin, &EXACT_LFU);
        let keys = plant_lengths(&s);
        let before = object(&s, "FREQ", &keys);
        let p = s.port.to_string();
        let doc = json(&["keyspace", "-p", &p, "-o", "json"]);
        assert_eq!(doc["keys_counted"], 120, "{label}");
        assert_eq!(doc["nodes"][0]["lengths_touched_keys"], false, "{label}");
        assert_eq!(object(&s, "FREQ", &keys), before, "{label}");
    }
}

#[test]
fn without_no_touch_the_report_says_lengths_touched_keys_and_no_lengths_avoids_it() {
    // Redis 7.0 has no CLIENT NO-TOUCH. A touch is read off the LFU counters, which count
    // reads exactly: log factor 0 (each read adds 1), decay off (nothing takes any away).
    // An LRU idle time, in whole seconds, would make it a matter of timing.
    let s = RedisServer::with_args(&EXACT_LFU);
    let keys = plant_lengths(&s);
    let p = s.port.to_string();
    let before = object(&s, "FREQ", &keys);
    let doc = json(&["bigkeys", "-p", &p, "-o", "json"]);
    assert_eq!(doc["nodes"][0]["lengths_touched_keys"], true);
    assert_eq!(doc["settings"]["lengths"], true);
    // What the report says is what happened: every key was touched.
    let after = object(&s, "FREQ", &keys);
    assert_eq!(counted(&keys, &before, &after), keys);
    let out = cachestorm().args(["bigkeys", "-p", &p]).output().unwrap();
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains(&format!(
            "lengths (STRLEN, LLEN, SCARD, ZCARD, HLEN, XLEN) touched the keys' LRU/LFU on {}",
            s.addr()
        )),
        "{table}"
    );

    // --no-lengths: nothing touched, no lengths, and the report says why.
    let before = object(&s, "FREQ", &keys);
    let doc = json(&["bigkeys", "-p", &p, "--no-lengths", "-o", "json"]);
    assert_eq!(doc["nodes"][0]["lengths_touched_keys"], false);
    assert_eq!(doc["settings"]["lengths"], false);
    assert_eq!(doc["keys_counted"], 120);
    assert!(doc["top"]
        .as_array()
        .unwrap()
        .iter()
        .all(|k| k["length"].is_null()));
    assert_eq!(doc["findings"].as_array().unwrap().len(), 0);
    let after = object(&s, "FREQ", &keys);
    assert_eq!(counted(&keys, &before, &after), Vec::<String>::new());
    let out = cachestorm()
        .args(["bigkeys", "-p", &p, "--no-lengths"])
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains("lengths skipped (--no-lengths): no lengths, so no big-collection findings"),
        "{table}"
    );
}

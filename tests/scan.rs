//! `bigkeys`, `keyspace` and `patterns --scan` against real servers holding data the tests
//! write themselves.

use std::collections::BTreeMap;
use std::process::{Child, Command as Proc, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::util::{
    interrupt, redis62_bin, redis_cli_bin, valkey_bin, Conn, RedisCluster, RedisServer,
};
use crate::{cachestorm, commands, fails, json};

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

/// Seconds since the epoch, at the middle of the minute `mins` minutes from now.
fn mid_minute(mins: u64) -> u64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    (now / 60 + mins) * 60 + 30
}

#[test]
fn keyspace_memory_per_pattern_matches_memory_usage_and_flags_the_planted_cliff() {
    let s = RedisServer::start();
    // 400 page keys expiring one per minute from 200 minutes ahead, 100 session keys (20% of the
    // keys with a TTL) all in one minute two hours ahead, 100 config keys with no TTL.
    let cliff_at = mid_minute(120);
    s.pipe(&commands(400, |i| {
        format!(
            "SET page:{i} {} EXAT {}",
            "p".repeat(i % 50 + 1),
            mid_minute(200 + i as u64)
        )
    }));
    s.pipe(&commands(100, |i| {
        format!("SET session:{i} token-{i} EXAT {cliff_at}")
    }));
    s.pipe(&commands(100, |i| format!("HSET config:{i} a 1")));
    let p = s.port.to_string();
    let doc = json(&["keyspace", "-p", &p, "--horizon", "12h", "-o", "json"]);
    assert_eq!(doc["complete"], true);
    assert_eq!(doc["ttl"]["keys_with_ttl"], 500);
    assert_eq!(doc["ttl"]["keys_without_ttl"], 100);

    // Memory per pattern equals the sum of MEMORY USAGE over its keys.
    let mut c = Conn::open(s.port);
    let usage = |c: &mut Conn, key: String| -> u64 {
        c.call(&["MEMORY", "USAGE", &key])
            .trim_start_matches(':')
            .parse()
            .unwrap()
    };
    let pages: u64 = (0..400).map(|i| usage(&mut c, format!("page:{i}"))).sum();
    let sessions: u64 = (0..100)
        .map(|i| usage(&mut c, format!("session:{i}")))
        .sum();
    let pattern = |name: &str| {
        doc["patterns"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["pattern"] == name)
            .unwrap_or_else(|| panic!("no {name} in {}", doc["patterns"]))
            .clone()
    };
    assert_eq!(pattern("page:*")["memory_bytes"].as_u64(), Some(pages));
    assert_eq!(pattern("page:*")["keys"], 400);
    assert_eq!(
        pattern("session:*")["memory_bytes"].as_u64(),
        Some(sessions)
    );
    assert_eq!(pattern("session:*")["expiry_concentration_pct"], 100.0);
    assert_eq!(pattern("config:*")["no_ttl_pct"], 100.0);
    assert!(
        pattern("page:*")["expiry_concentration_pct"]
            .as_f64()
            .unwrap()
            < 1.0
    );

    // Exactly one cliff: the session minute.
    let cliffs = doc["cliffs"].as_array().unwrap();
    assert_eq!(cliffs.len(), 1, "{}", doc["cliffs"]);
    assert_eq!(cliffs[0]["keys"], 100);
    assert_eq!(cliffs[0]["keys_pct"], 20.0);
    assert_eq!(cliffs[0]["patterns"][0]["pattern"], "session:*");
    let at = cliffs[0]["at"].as_str().unwrap();
    let expect = chrono_minute(cliff_at);
    assert_eq!(at, expect);
    // The timeline holds every key expiring within the horizon.
    let in_timeline: u64 = doc["expiry_timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["keys"].as_u64().unwrap())
        .sum();
    assert_eq!(
        in_timeline + doc["ttl"]["beyond_horizon_keys"].as_u64().unwrap(),
        500
    );
    assert!(doc["headroom"][0]["used_memory_bytes"].as_u64().unwrap() > 0);

    // patterns --scan shows the same table.
    let pdoc = json(&["patterns", "--scan", "-p", &p, "-o", "json"]);
    assert_eq!(pdoc["mode"], "scan");
    let ppage = pdoc["patterns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["pattern"] == "page:*")
        .unwrap();
    assert_eq!(ppage["memory_bytes"].as_u64(), Some(pages));

    // The table names the cliff.
    let out = cachestorm().args(["keyspace", "-p", &p]).output().unwrap();
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("EXPIRY CLIFFS"), "{table}");
    assert!(table.contains("session:* (100)"), "{table}");
}

/// `2026-11-23T03:12:00.000Z` for the minute holding `secs`.
fn chrono_minute(secs: u64) -> String {
    let out = Proc::new("date")
        .args([
            "-u",
            "-d",
            &format!("@{}", secs / 60 * 60),
            "+%Y-%m-%dT%H:%M:00.000Z",
        ])
        .output()
        .expect("running date");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
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
    assert_eq!(doc["keys_counted"], 3000, "{doc}");
}

/// Starts `cachestorm ARGS` with piped stdout and stderr.
fn spawn(args: &[&str]) -> Child {
    let mut cmd = Proc::new(assert_cmd::cargo::cargo_bin("cachestorm"));
    cmd.args(args)
        .env_remove("REDISCLI_AUTH")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd.spawn().expect("starting cachestorm")
}

/// Waits until cachestorm's walker is at work on `s` (it has sent SCAN there).
fn wait_for_scan(s: &RedisServer) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !s.cli(&["INFO", "commandstats"]).contains("cmdstat_scan:") {
        assert!(Instant::now() < deadline, "no SCAN within 20s");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn stdout_json(child: Child) -> (Option<i32>, Value, String) {
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    let doc = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}\nstderr: {err}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    (out.status.code(), doc, err)
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
    assert_eq!(nodes[0]["scanned"], 300);
    assert_eq!(nodes[1]["complete"], false);
    assert!(nodes[1]["error"].as_str().is_some_and(|e| !e.is_empty()));
    assert!(err.contains("not scanned completely"), "{err}");
    assert!(doc["keys_counted"].as_u64().unwrap() >= 300);
}

#[test]
fn ctrl_c_reports_the_cursor_and_cursor_resumes() {
    let s = RedisServer::start();
    s.pipe(&commands(20_000, |i| format!("SET k:{i} v")));
    let p = s.port.to_string();
    let child = spawn(&["keyspace", "-p", &p, "--rate", "3000", "-o", "json"]);
    wait_for_scan(&s);
    std::thread::sleep(Duration::from_millis(300));
    interrupt(&child);
    let (code, first, err) = stdout_json(child);
    assert_eq!(code, Some(130), "{err}");
    assert_eq!(first["complete"], false);
    assert_eq!(first["interrupted"], true);
    let cursor = first["nodes"][0]["cursor"].as_u64().unwrap();
    assert_ne!(cursor, 0);
    let done = first["keys_scanned"].as_u64().unwrap();
    assert!(done > 0 && done < 20_000, "{done}");
    let rest = json(&[
        "keyspace",
        "-p",
        &p,
        "--cursor",
        &cursor.to_string(),
        "-o",
        "json",
    ]);
    assert_eq!(rest["complete"], true);
    // SCAN returns every key present throughout at least once over the two runs.
    assert!(done + rest["keys_scanned"].as_u64().unwrap() >= 20_000);
}

#[test]
fn rate_caps_keys_per_second() {
    let s = RedisServer::start();
    s.pipe(&commands(3000, |i| format!("SET k:{i} v")));
    let p = s.port.to_string();
    let doc = json(&["bigkeys", "-p", &p, "--rate", "1500", "-o", "json"]);
    assert_eq!(doc["keys_scanned"], 3000);
    let rate = doc["keys_per_sec"].as_f64().unwrap();
    assert!(rate <= 1500.0 * 1.1, "{rate} keys/s with --rate 1500");
    assert!(doc["nodes"][0]["round_trips"].as_u64().unwrap() >= 3000 / 150);
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
fn scans_need_no_keys_and_no_value_reads() {
    let s = RedisServer::with_args(&["--requirepass", "adminpw"]);
    // What README's permissions table lists for bigkeys/keyspace: no KEYS, no GET.
    s.cli(&[
        "ACL",
        "SETUSER",
        "scan",
        "on",
        ">scanpw",
        "-@all",
        "+scan",
        "+dbsize",
        "+info",
        "+ping",
        "+type",
        "+memory|usage",
        "+pttl",
        "+strlen",
        "+llen",
        "+scard",
        "+zcard",
        "+hlen",
        "+xlen",
        "~*",
    ]);
    let mut c = Conn::open(s.port);
    c.call(&["AUTH", "adminpw"]);
    for i in 0..50 {
        c.call(&["SET", &format!("k:{i}"), "v", "EX", "600"]);
    }
    c.call(&["HSET", "h", "f", "v"]);
    let p = s.port.to_string();
    for cmd in ["bigkeys", "keyspace"] {
        let doc = json(&[
            cmd, "-p", &p, "--user", "scan", "-a", "scanpw", "-o", "json",
        ]);
        assert_eq!(doc["complete"], true, "{cmd}");
        assert_eq!(doc["keys_counted"], 51, "{cmd}");
        assert_eq!(doc["keys_vanished"], 0, "{cmd}");
    }
    let stats = s.cli(&["INFO", "commandstats"]);
    assert!(!stats.contains("cmdstat_keys:"), "{stats}");
    assert!(!stats.contains("cmdstat_get:"), "{stats}");
    assert!(!stats.contains("cmdstat_hgetall:"), "{stats}");
}

#[test]
fn scan_options_are_refused_where_they_cannot_apply() {
    let err = fails(&["patterns", "--input", "-", "--match", "x*"], 2);
    assert!(err.contains("add --scan"), "{err}");
    let err = fails(
        &[
            "bigkeys",
            "--node",
            "127.0.0.1:1",
            "--node",
            "127.0.0.1:2",
            "--cursor",
            "5",
        ],
        2,
    );
    assert!(err.contains("--cursor"), "{err}");
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
fn an_empty_database_gives_an_empty_report() {
    let s = RedisServer::start();
    let p = s.port.to_string();
    let doc = json(&["keyspace", "-p", &p, "-o", "json"]);
    assert_eq!(doc["complete"], true);
    assert_eq!(doc["keys_counted"], 0);
    assert_eq!(doc["patterns"].as_array().unwrap().len(), 0);
    let out = cachestorm().args(["bigkeys", "-p", &p]).output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("no keys to report"));
}

#[test]
fn bigkeys_works_on_redis_6_2_and_valkey_8_1() {
    for (bin, label) in [(redis62_bin(), "redis 6.2"), (valkey_bin(), "valkey 8.1")] {
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

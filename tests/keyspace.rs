//! `keyspace` against real servers holding data the tests write themselves: memory per
//! pattern against MEMORY USAGE and the planted expiry cliff (with `patterns --scan`, which
//! shows the same table), Ctrl-C and --cursor, a least-privilege ACL user, an empty database.

use std::process::Command as Proc;

use crate::util::{interrupt, wait_for_scan, Conn, RedisServer};
use crate::{cachestorm, commands, json, spawn, stdout_json};

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
fn ctrl_c_reports_the_cursor_and_cursor_resumes() {
    let s = RedisServer::start();
    s.pipe(&commands(20_000, |i| format!("SET k:{i} v")));
    let p = s.port.to_string();
    let child = spawn(&["keyspace", "-p", &p, "--rate", "3000", "-o", "json"]);
    wait_for_scan(&s);
    // The walker sends a SCAN only once the previous one's keys are counted and its cursor
    // kept: at the third, some keys are scanned and the cursor is not 0. --rate 3000 keeps
    // the 20,000 keys from being done for 6 s, however fast the machine.
    s.wait_for_calls("scan", 3);
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

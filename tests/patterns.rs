//! `patterns` on a capture file, live against a real server with traffic driven here, and
//! where its `--scan` options are refused. (`patterns --scan` is checked against
//! `keyspace`'s table in keyspace.rs.)

use crate::hotkeys::{fixture, naive_key_counts, SHOP};
use crate::util::RedisServer;
use crate::{commands, fails, json, spawn};

#[test]
fn shop_patterns_sum_their_keys() {
    let path = fixture(SHOP);
    let doc = json(&["patterns", "--input", &path, "-o", "json"]);
    assert_eq!(doc["schema"], "cachestorm.patterns/v1");
    let naive = naive_key_counts();
    let product_info: u64 = naive
        .iter()
        .filter(|(k, _)| k.starts_with("product:") && k.ends_with(":info"))
        .map(|(_, c)| c)
        .sum();
    let rows = doc["patterns"].as_array().unwrap();
    let row = rows
        .iter()
        .find(|r| r["pattern"] == "product:*:info")
        .unwrap();
    assert_eq!(row["count"], product_info);
    assert_eq!(rows[0]["pattern"], "product:*:info");
    let names: Vec<&str> = rows
        .iter()
        .map(|r| r["pattern"].as_str().unwrap())
        .collect();
    for p in [
        "cart:{*}:items",
        "session:*",
        "user:*:profile",
        "rl:login:*",
        "config:feature-flags",
    ] {
        assert!(names.contains(&p), "{p} in {names:?}");
    }
}

#[test]
fn patterns_live() {
    let s = RedisServer::start();
    let p = s.port.to_string();
    // Ended by Ctrl-C once the server's stream is read: no race with the clock.
    let child = spawn(&["patterns", "-p", &p, "--duration", "60s", "-o", "json"]);
    s.wait_for_monitor();
    s.pipe(&commands(40, |i| {
        format!("SET user:{}:profile v", 1000 + i)
    }));
    s.pipe(&commands(10, |i| {
        format!("GET session:{i:08x}-aaaa-bbbb-cccc-{i:012x}")
    }));
    let doc = crate::interrupt_when_drained(child, &s);
    assert_eq!(doc["schema"], "cachestorm.patterns/v1");
    assert_eq!(doc["patterns"][0]["pattern"], "user:*:profile");
    assert_eq!(doc["patterns"][0]["count"], 40);
    assert_eq!(doc["patterns"][0]["keys"], 40);
    assert_eq!(doc["patterns"][1]["pattern"], "session:*");
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

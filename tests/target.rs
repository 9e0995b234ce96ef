//! The target options every command shares, exercised through `stats` (the simplest
//! command that connects): passwords from flags, URLs and `REDISCLI_AUTH`, ACL users,
//! TLS and mutual TLS, timeouts, usage errors; and discovery: `--cluster` against a real
//! 3+3 cluster (and CLUSTER NODES on Redis 6.2), `--sentinel` against a real Sentinel.

use std::io::{BufRead, BufReader};
use std::sync::{Arc, Mutex};

use predicates::prelude::*;
use serde_json::Value;

use crate::stats::port;
use crate::util::{client_cert, redis62_bin, wait_until, RedisCluster, RedisServer, Sentinel};
use crate::{cachestorm, fails, json, stats_once};

#[test]
fn wrong_password_exits_3_and_never_prints_it() {
    let s = RedisServer::with_args(&["--requirepass", "rightpw"]);
    let p = port(&s);
    let url = format!("redis://:wrongpw-flag@127.0.0.1:{p}");
    let cases: Vec<(Vec<&str>, Option<&str>)> = vec![
        (
            vec!["stats", "-p", &p, "-a", "wrongpw-flag", "--count", "1"],
            None,
        ),
        (
            vec!["stats", "-u", &url, "--count", "1", "-o", "json"],
            None,
        ),
        (
            vec!["stats", "-p", &p, "--count", "1"],
            Some("wrongpw-flag"),
        ),
    ];
    for (args, env) in cases {
        let mut c = cachestorm();
        if let Some(v) = env {
            c.env("REDISCLI_AUTH", v);
        }
        let out = c.args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(3), "{args:?}");
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        // What the server said, not a text of our own.
        assert!(
            all.contains("authentication failed")
                && all.contains("WRONGPASS invalid username-password pair"),
            "{all}"
        );
        assert!(!all.contains("wrongpw"), "password leaked: {all}");
    }
    // And no password at all: NOAUTH, with a hint.
    assert!(fails(&["stats", "-p", &p, "--count", "1"], 3).contains("NOAUTH"));
}

#[test]
fn right_password_from_flag_url_and_env() {
    let s = RedisServer::with_args(&["--requirepass", "rightpw"]);
    let p = port(&s);
    let url = format!("redis://:rightpw@127.0.0.1:{p}/0");
    for (args, env) in [
        (vec!["stats", "-p", &p, "-a", "rightpw"], None),
        (vec!["stats", "-u", &url], None),
        (vec!["stats", "-p", &p], Some("rightpw")),
    ] {
        let mut c = cachestorm();
        if let Some(v) = env {
            c.env("REDISCLI_AUTH", v);
        }
        let out = c
            .args(&args)
            .args(["--count", "1", "--interval", "200ms", "-o", "json"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(!text.contains("rightpw"), "password in report: {text}");
        let doc: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(doc["samples"][0]["status"], "ok");
        if env.is_none() && args.contains(&"-u") {
            assert_eq!(
                doc["target"]["url"],
                format!("redis://:***@127.0.0.1:{p}/0")
            );
        }
    }
    // Nothing was sent before AUTH for the server to refuse (and count in its error stats).
    let errors = s.cli(&["INFO", "errorstats"]);
    assert!(!errors.contains("NOAUTH"), "{errors}");
}

#[test]
fn acl_user_with_only_info_can_poll() {
    let s = RedisServer::with_args(&["--requirepass", "adminpw"]);
    s.cli(&[
        "ACL", "SETUSER", "monitor", "on", ">monpw", "-@all", "+info",
    ]);
    let doc = stats_once(&["-p", &port(&s), "--user", "monitor", "-a", "monpw"]);
    assert_eq!(doc["samples"][0]["status"], "ok");
    assert_eq!(doc["target"]["user"], "monitor");
    fails(
        &[
            "stats",
            "-p",
            &port(&s),
            "--user",
            "monitor",
            "-a",
            "nope",
            "--count",
            "1",
        ],
        3,
    );
}

#[test]
fn tls_via_rediss_url_and_tls_flag() {
    let s = RedisServer::start_tls(false);
    let ca = s.tls_files().ca.to_string_lossy().into_owned();
    let url = format!("rediss://127.0.0.1:{}", s.port);
    let base = ["--count", "1", "--interval", "200ms", "-o", "json"];
    let doc = json(&[&["stats", "-u", &url, "--cacert", &ca][..], &base].concat());
    assert_eq!(doc["samples"][0]["status"], "ok");
    assert_eq!(doc["target"]["tls"], true);
    let doc = json(
        &[
            &["stats", "--tls", "-p", &port(&s), "--cacert", &ca][..],
            &base,
        ]
        .concat(),
    );
    assert_eq!(doc["samples"][0]["status"], "ok");
    let doc = json(
        &[
            &["stats", "--tls", "--insecure", "-p", &port(&s)][..],
            &base,
        ]
        .concat(),
    );
    assert_eq!(doc["samples"][0]["status"], "ok");
    // An untrusted certificate is refused.
    fails(&["stats", "-u", &url, "--count", "1"], 3);
}

#[test]
fn mutual_tls_with_client_certificate() {
    let s = RedisServer::start_tls(true);
    let ca = s.tls_files().ca.to_string_lossy().into_owned();
    let (cert, key) = client_cert(&s);
    let (cert, key) = (
        cert.to_string_lossy().into_owned(),
        key.to_string_lossy().into_owned(),
    );
    let doc = stats_once(&[
        "--tls",
        "-p",
        &port(&s),
        "--cacert",
        &ca,
        "--cert",
        &cert,
        "--key",
        &key,
    ]);
    assert_eq!(doc["samples"][0]["status"], "ok");
    let p = port(&s);
    fails(
        &["stats", "--tls", "-p", &p, "--cacert", &ca, "--count", "1"],
        3,
    );
}

#[test]
fn a_server_that_never_answers_times_out_with_exit_3() {
    // Accepts TCP connections (the kernel completes the handshake) but never replies.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let p = listener.local_addr().unwrap().port().to_string();
    for auth in [&[][..], &["-a", "pw"]] {
        let base = [
            "stats",
            "-p",
            &p,
            "--count",
            "1",
            "--connect-timeout",
            "500ms",
            "--timeout",
            "500ms",
        ];
        let err = fails(&[&base[..], auth].concat(), 3);
        assert!(
            err.contains(&format!("cannot connect to 127.0.0.1:{p}")) && err.contains("timed out"),
            "{auth:?}: {err}"
        );
    }
    drop(listener);
}

#[test]
fn cluster_discovery_finds_all_six_nodes_with_roles() {
    let c = RedisCluster::start();
    let seed = c.nodes[4].port.to_string();
    let doc = stats_once(&["--cluster", "-p", &seed]);
    assert_eq!(doc["target"]["mode"], "cluster");
    let nodes = doc["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 6, "{nodes:?}");
    let masters: Vec<_> = nodes.iter().filter(|n| n["role"] == "master").collect();
    let replicas: Vec<_> = nodes.iter().filter(|n| n["role"] == "replica").collect();
    assert_eq!((masters.len(), replicas.len()), (3, 3));
    let slots: u64 = masters
        .iter()
        .flat_map(|m| m["slots"].as_array().unwrap())
        .map(|r| r[1].as_u64().unwrap() - r[0].as_u64().unwrap() + 1)
        .sum();
    assert_eq!(slots, 16384);
    let master_addrs: Vec<&str> = masters
        .iter()
        .map(|m| m["node"].as_str().unwrap())
        .collect();
    for r in &replicas {
        assert!(master_addrs.contains(&r["master"].as_str().unwrap()), "{r}");
    }
    let expected: std::collections::BTreeSet<String> = c.nodes.iter().map(|n| n.addr()).collect();
    let found: std::collections::BTreeSet<String> = nodes
        .iter()
        .map(|n| n["node"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(found, expected);
    let samples = doc["samples"].as_array().unwrap();
    assert_eq!(samples.len(), 7, "6 nodes + total");
    assert_eq!(samples[6]["node"], "total");
    for s in samples.iter().filter(|s| s["role"] == "replica") {
        assert!(
            s["repl_lag_bytes"].is_u64(),
            "replica lag from its master's offset: {s}"
        );
    }
}

#[test]
fn cluster_flag_on_a_plain_server_is_a_clear_error() {
    let s = RedisServer::start();
    let port = s.port.to_string();
    let err = fails(&["stats", "--cluster", "-p", &port, "--count", "1"], 3);
    assert!(err.contains("not a cluster node"), "{err}");
}

#[test]
fn sentinel_resolves_and_polls_the_master() {
    let master = RedisServer::start();
    let sentinel = Sentinel::start(&master, "mymaster");
    let addr = format!("127.0.0.1:{}", sentinel.port);
    let doc = stats_once(&["--sentinel", &addr, "--master", "mymaster"]);
    assert_eq!(doc["target"]["mode"], "sentinel");
    assert_eq!(doc["target"]["master_name"], "mymaster");
    assert_eq!(doc["nodes"][0]["node"], master.addr());
    assert_eq!(doc["nodes"][0]["role"], "master");
    assert_eq!(doc["samples"][0]["node"], master.addr());
    assert_eq!(doc["samples"][0]["status"], "ok");

    let err = fails(
        &[
            "stats",
            "--sentinel",
            &addr,
            "--master",
            "nosuch",
            "--count",
            "1",
        ],
        3,
    );
    assert!(
        err.contains("does not know a master named 'nosuch'"),
        "{err}"
    );
}

#[test]
fn cluster_discovery_falls_back_to_cluster_nodes_on_redis_6_2() {
    let c = RedisCluster::start_with(redis62_bin());
    let seed = c.nodes[0].port.to_string();
    let doc = stats_once(&["--cluster", "-p", &seed]);
    let nodes = doc["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 6, "{nodes:?}");
    assert_eq!(nodes.iter().filter(|n| n["role"] == "master").count(), 3);
    assert!(nodes[0]["version"]
        .as_str()
        .unwrap()
        .starts_with("redis 6.2"));
    let slots: u64 = nodes
        .iter()
        .filter_map(|n| n["slots"].as_array())
        .flatten()
        .map(|r| r[1].as_u64().unwrap() - r[0].as_u64().unwrap() + 1)
        .sum();
    assert_eq!(slots, 16384);
}

#[test]
fn bad_duration_is_a_usage_error() {
    cachestorm()
        .args(["stats", "--interval", "soon"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("invalid duration"));
}

#[test]
fn bad_url_is_a_usage_error_without_the_password() {
    let out = cachestorm()
        .args(["stats", "-u", "http://app:hunter2@127.0.0.1:6379"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("redis://"), "{err}");
    assert!(!err.contains("hunter2"), "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn client_cert_needs_key() {
    cachestorm()
        .args(["stats", "--tls", "--cert", "c.pem"])
        .assert()
        .code(2);
}

#[test]
fn missing_ca_file_is_bad_input() {
    cachestorm()
        .args(["stats", "--tls", "--cacert", "/nonexistent/ca.pem"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("/nonexistent/ca.pem"));
}

#[test]
fn refused_connection_names_the_node_and_exits_3() {
    let port = crate::util::free_port(false);
    let addr = format!("127.0.0.1:{port}");
    let out = cachestorm()
        .args(["stats", "-p", &port.to_string(), "--count", "1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&addr) && err.contains("refused"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn bad_values_are_refused_when_parsing() {
    // Aimed at a port nothing listens on: a value that slipped through would end in exit 3
    // (cannot connect), not 2.
    let p = crate::util::free_port(false).to_string();
    let cases: [(&[&str], &str); 15] = [
        (&["stats", "--interval", "0s"], "--interval"),
        (&["stats", "--timeout", "0ms"], "--timeout"),
        (&["bigkeys", "--max-latency", "0ms"], "--max-latency"),
        (&["hotkeys", "--duration", "0s"], "--duration"),
        (&["hotkeys", "--expiry-bucket", "0s"], "--expiry-bucket"),
        (&["hotkeys", "--expiry-bucket", "1500ms"], "--expiry-bucket"),
        (&["hotkeys", "--stampede-window", "0s"], "--stampede-window"),
        (&["keyspace", "--horizon", "0s"], "--horizon"),
        (&["hotkeys", "--threshold", "200"], "--threshold"),
        (&["keyspace", "--cliff", "150"], "--cliff"),
        (&["bigkeys", "--type", "bogus"], "--type"),
        (&["hotkeys", "--top", "0"], "--top"),
        (&["hotkeys", "--stampede-writes", "0"], "--stampede-writes"),
        (
            &["monitor", "--max-server-buffer", "0"],
            "--max-server-buffer",
        ),
        (&["monitor", "--max-lines", "0"], "--max-lines"),
    ];
    for (args, flag) in cases {
        let all = [args, &["-p", &p][..]].concat();
        let err = fails(&all, 2);
        let first = err.lines().next().unwrap_or_default();
        assert!(
            first.starts_with("error: invalid value") && first.contains(flag),
            "{all:?}: {err}"
        );
    }
    let err = fails(&["stats", "-p", "0"], 2);
    assert!(err.contains("--port"), "{err}");
    let err = fails(&["bigkeys", "-p", &p, "--type", "bogus"], 2);
    assert!(
        err.contains("string, list, set, zset, hash, stream"),
        "{err}"
    );
}

#[test]
fn unix_socket_by_flag_and_by_url() {
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("redis.sock");
    let path = sock.to_str().unwrap();
    let s = RedisServer::with_args(&["--unixsocket", path, "--unixsocketperm", "700"]);
    s.cli(&["-n", "1", "SET", "in-db-1", "v"]);

    // The multiplexed connection (stats), by flag and by URL.
    let doc = stats_once(&["-s", path]);
    assert_eq!(doc["samples"][0]["status"], "ok", "{doc}");
    assert_eq!(doc["nodes"][0]["node"], path);
    assert_eq!(doc["target"]["url"], format!("unix://{path}?db=0"));
    let doc = stats_once(&["-u", &format!("unix://{path}?db=1")]);
    assert_eq!(doc["samples"][0]["status"], "ok", "{doc}");
    assert_eq!(doc["target"]["db"], 1);
    // The database of the URL is the one scanned.
    let doc = json(&[
        "bigkeys",
        "-u",
        &format!("unix://{path}?db=1"),
        "-o",
        "json",
    ]);
    assert_eq!(doc["keys_scanned"], 1, "{doc}");
    assert_eq!(doc["top"][0]["key"], "in-db-1");

    // The raw MONITOR connection, and the guard's connection beside it.
    let child = crate::spawn(&[
        "monitor",
        "-s",
        path,
        "--duration",
        "60s",
        "--max-lines",
        "3",
    ]);
    s.wait_for_monitor();
    let mut c = crate::util::Conn::open(s.port);
    for i in 0..3 {
        c.call(&["GET", &format!("k{i}")]);
    }
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 3);

    // Nothing else makes sense with a socket.
    for extra in [
        &["--cluster"][..],
        &["--tls"],
        &["-p", "6379"],
        &["--node", "h:1"],
    ] {
        let err = fails(&[&["stats", "-s", path][..], extra].concat(), 2);
        assert!(err.contains("--socket"), "{extra:?}: {err}");
    }
    let url = format!("unix://{path}");
    for extra in [&["--cluster"][..], &["--tls"]] {
        let err = fails(&[&["stats", "-u", &url][..], extra].concat(), 2);
        assert!(
            err.contains("Unix socket cannot go with"),
            "{extra:?}: {err}"
        );
    }
    // A socket that is not there.
    let gone = dir.path().join("gone.sock");
    let err = fails(&["stats", "-s", gone.to_str().unwrap(), "--count", "1"], 3);
    assert!(
        err.contains("cannot connect to") && err.contains("gone.sock"),
        "{err}"
    );
}

#[test]
fn urls_with_bad_escapes_or_unknown_parameters_are_refused() {
    for (url, says) in [
        ("redis://:hunter2%ZZ@127.0.0.1:6379", "percent-escape"),
        (
            "redis://:hunter2@127.0.0.1:6379?timeout=1",
            "unknown query parameter 'timeout'",
        ),
        (
            "unix:///tmp/x.sock?pass=hunter2&tls=1",
            "unknown query parameter 'tls'",
        ),
    ] {
        let err = fails(&["stats", "-u", url, "--count", "1"], 2);
        assert!(err.contains(says), "{url}: {err}");
        assert!(!err.contains("hunter2"), "password shown: {err}");
        assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    }
}

#[test]
fn input_refuses_live_only_flags() {
    let f = format!(
        "{}/fixtures/monitor/redis-7.0-shop.log",
        env!("CARGO_MANIFEST_DIR")
    );
    for (sub, extra) in [
        ("hotkeys", &["-p", "6379"][..]),
        ("hotkeys", &["-h", "10.0.0.5"]),
        ("hotkeys", &["-u", "redis://127.0.0.1:6379"]),
        ("hotkeys", &["--cluster"]),
        ("hotkeys", &["--node", "127.0.0.1:6379"]),
        (
            "hotkeys",
            &["--sentinel", "127.0.0.1:26379", "--master", "m"],
        ),
        ("hotkeys", &["--duration", "5s"]),
        ("hotkeys", &["--max-server-buffer", "1mb"]),
        ("hotkeys", &["-a", "pw"]),
        ("hotkeys", &["--timeout", "1s"]),
        ("patterns", &["-s", "/tmp/redis.sock"]),
        ("patterns", &["--tls"]),
    ] {
        let err = fails(&[&[sub, "--input", &f][..], extra].concat(), 2);
        assert!(
            err.contains("'--input <FILE>' cannot be used with"),
            "{extra:?}: {err}"
        );
    }
}

#[test]
fn db_flag_counts_only_that_database() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("cap.log");
    std::fs::write(
        &f,
        "1700000000.000001 [0 127.0.0.1:5000] \"GET\" \"in-0\"\n\
         1700000000.000002 [2 127.0.0.1:5000] \"GET\" \"in-2\"\n\
         1700000000.000003 [2 127.0.0.1:5000] \"SET\" \"in-2\" \"v\"\n",
    )
    .unwrap();
    let f = f.to_str().unwrap();
    let out = cachestorm()
        .args(["hotkeys", "--input", f, "-n", "2", "-o", "json"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("counting database 2 only") && err.contains("1 event in"),
        "{err}"
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["events"], 2, "{doc}");
    assert_eq!(doc["keys"][0]["key"], "in-2");
    assert_eq!(doc["keys"].as_array().unwrap().len(), 1);
    assert_eq!(doc["target"]["db"], 2);
    let doc = json(&["patterns", "--input", f, "-n", "0", "-o", "json"]);
    assert_eq!(doc["events"], 1, "{doc}");
    // Every database without -n, as before.
    assert_eq!(json(&["hotkeys", "--input", f, "-o", "json"])["events"], 3);
    let err = fails(&["hotkeys", "--input", f, "-n", "5"], 2);
    assert!(err.contains("3 events in other databases than 5"), "{err}");
}

#[test]
fn db_flag_filters_a_live_capture() {
    let s = RedisServer::start();
    let p = port(&s);
    let child = crate::spawn(&[
        "hotkeys",
        "-p",
        &p,
        "-n",
        "3",
        "--duration",
        "60s",
        "-o",
        "json",
    ]);
    s.wait_for_monitor();
    let mut c = crate::util::Conn::open(s.port);
    c.call(&["GET", "in-0"]);
    c.call(&["SELECT", "3"]);
    c.call(&["GET", "in-3"]);
    c.call(&["GET", "in-3"]);
    let doc = crate::interrupt_when_drained(child, &s);
    let keys: Vec<&str> = doc["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["in-3"], "{doc}");
    assert_eq!(doc["target"]["db"], 3);
}

#[test]
fn tls_files_that_hold_no_pem_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("ca.der");
    std::fs::write(&junk, b"\x30\x82\x01\x0a not PEM at all").unwrap();
    let junk = junk.to_str().unwrap();
    let p = crate::util::free_port(false).to_string();
    let err = fails(&["stats", "--tls", "-p", &p, "--cacert", junk], 2);
    assert!(err.contains(&format!("no certificate in {junk}")), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    let err = fails(
        &["stats", "--tls", "-p", &p, "--cert", junk, "--key", junk],
        2,
    );
    assert!(err.contains(&format!("no certificate in {junk}")), "{err}");
    // A key file that holds only a certificate.
    let s = RedisServer::start_tls(true);
    let ca = s.tls_files().ca.to_string_lossy().into_owned();
    let err = fails(
        &["stats", "--tls", "-p", &p, "--cert", &ca, "--key", &ca],
        2,
    );
    assert!(err.contains(&format!("no private key in {ca}")), "{err}");
}

#[test]
fn a_password_for_a_server_without_one_warns_and_goes_on() {
    let s = RedisServer::start();
    let p = port(&s);
    // The multiplexed connection (stats) ...
    let out = cachestorm()
        .args(["stats", "-p", &p, "-a", "unneeded-pw", "--count", "1"])
        .args(["--interval", "200ms", "-o", "json"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("has no password set, going on without AUTH")
            && err.contains("called without any password configured"),
        "{err}"
    );
    assert_eq!(err.matches("has no password set").count(), 1, "once: {err}");
    assert!(!err.contains("unneeded-pw"), "{err}");
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["samples"][0]["status"], "ok");
    // ... and the raw MONITOR connection.
    let child = crate::spawn(&[
        "monitor",
        "-p",
        &p,
        "-a",
        "unneeded-pw",
        "--duration",
        "60s",
        "--max-lines",
        "1",
    ]);
    s.wait_for_monitor();
    crate::util::Conn::open(s.port).call(&["GET", "k"]);
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1);
}

#[test]
fn sentinel_that_wants_a_password_names_sentinel_pass() {
    let master = RedisServer::start();
    let sentinel = Sentinel::start(&master, "mymaster");
    let sp = sentinel.port.to_string();
    let out = std::process::Command::new(crate::util::redis_cli_bin())
        .args([
            "-p",
            &sp,
            "ACL",
            "SETUSER",
            "default",
            "resetpass",
            ">sentpw",
        ])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "OK");
    let addr = format!("127.0.0.1:{sp}");
    let args = [
        "stats",
        "--sentinel",
        &addr,
        "--master",
        "mymaster",
        "--count",
        "1",
    ];
    let err = fails(&args, 3);
    assert!(
        err.contains("NOAUTH") && err.contains("--sentinel-pass or CACHESTORM_SENTINEL_AUTH"),
        "{err}"
    );
    assert!(!err.contains("give -a"), "{err}");
    let doc = stats_once(&[
        "--sentinel",
        &addr,
        "--master",
        "mymaster",
        "--sentinel-pass",
        "sentpw",
    ]);
    assert_eq!(doc["samples"][0]["status"], "ok");
}

#[test]
fn a_request_without_reply_is_a_timeout_not_a_connect_failure() {
    let s = RedisServer::with_args(&["--enable-debug-command", "local"]);
    let p = port(&s);
    // No --count: the run polls until Ctrl-C, however late the server is blocked.
    let mut child = crate::spawn(&[
        "stats",
        "-p",
        &p,
        "--interval",
        "300ms",
        "--timeout",
        "300ms",
        "-o",
        "json",
    ]);
    let stderr = Arc::new(Mutex::new(String::new()));
    let reader = {
        let (pipe, text) = (child.stderr.take().unwrap(), stderr.clone());
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                let mut text = text.lock().unwrap();
                text.push_str(&line);
                text.push('\n');
            }
        })
    };
    let warned = || stderr.lock().unwrap().contains("warning");
    s.wait_for_first_poll();
    // Blocks the server: the polls on the open connection get no reply. Again if the run
    // slept through a whole block (a busy machine) and has not warned yet.
    wait_until("a warning from stats on stderr", 60, || {
        warned() || {
            s.cli(&["DEBUG", "SLEEP", "1.5"]);
            warned()
        }
    });
    crate::util::interrupt(&child);
    let (code, doc, _) = crate::stdout_json(child);
    reader.join().unwrap();
    let err = stderr.lock().unwrap().clone();
    // Without --count Ctrl-C is the normal end; a poll with no reply is a node lost: 3.
    assert_eq!(code, Some(3), "{err}");
    assert_eq!(doc["complete"], false, "{doc}");
    assert_eq!(doc["stopped_by"], "node_lost", "{doc}");
    let first = err
        .lines()
        .find(|l| l.contains("warning"))
        .unwrap_or_default();
    assert!(
        first.contains("request timed out: no reply within 300ms (--timeout)"),
        "{err}"
    );
    assert!(!first.contains("cannot connect"), "{err}");
}

#[test]
fn server_errors_read_as_the_server_wrote_them() {
    let s = RedisServer::start();
    let select = fails(&["stats", "-p", &port(&s), "-n", "99", "--count", "1"], 3);
    assert!(
        select.contains("cannot select database 99: ERR DB index is out of range"),
        "{select}"
    );
    let v = RedisServer::with(crate::util::valkey_bin(), &[]);
    let slots = fails(&["hotkeys", "--method", "slot-stats", "-p", &port(&v)], 3);
    assert!(
        slots.contains("ERR This instance has cluster support disabled"),
        "{slots}"
    );
    for e in [select, slots] {
        assert!(
            !e.contains("ResponseError") && !e.contains("Server("),
            "{e}"
        );
        assert_eq!(e.trim().lines().count(), 1, "{e}");
    }
}

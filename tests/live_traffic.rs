//! `hotkeys`, `patterns` and `monitor` against real servers with traffic driven here.

use std::process::{Child, Stdio};

use serde_json::Value;

use crate::commands;
use crate::util::{valkey_bin, Conn, RedisCluster, RedisServer};
use crate::{fails, json};

/// Starts a live capture; the caller drives traffic once MONITOR is attached.
fn spawn(args: &[&str]) -> Child {
    std::process::Command::new(assert_cmd::cargo::cargo_bin("cachestorm"))
        .args(args)
        .env_remove("REDISCLI_AUTH")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting cachestorm")
}

/// `cachestorm monitor -p PORT -w <temp>/cap.log -o json EXTRA...`; returns the child, the
/// temp dir (keep it alive) and the capture path.
fn spawn_monitor(
    s: &RedisServer,
    extra: &[&str],
) -> (Child, tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cap.log");
    let p = s.port.to_string();
    let mut args = vec![
        "monitor",
        "-p",
        &p,
        "-w",
        file.to_str().unwrap(),
        "-o",
        "json",
    ];
    args.extend_from_slice(extra);
    let child = spawn(&args);
    (child, dir, file)
}

fn finish_json(child: Child) -> Value {
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

#[test]
fn skewed_workload_puts_the_hot_key_first() {
    let s = RedisServer::start();
    s.pipe(&commands(70, |i| format!("SET item:{i} v")));
    s.pipe("SET item:hot v\n");
    let p = s.port.to_string();
    let child = spawn(&["hotkeys", "-p", &p, "--duration", "3s", "-o", "json"]);
    s.wait_for_monitor();
    // 1,000 reads: 300 on the hot key, 10 on each of 70 others.
    let mut c = Conn::open(s.port);
    for _ in 0..10 {
        for k in 0..70 {
            c.call(&["GET", &format!("item:{k}")]);
        }
        for _ in 0..30 {
            c.call(&["GET", "item:hot"]);
        }
    }
    let doc = finish_json(child);
    let top = &doc["keys"][0];
    assert_eq!(top["key"], "item:hot");
    assert_eq!(top["count"], 300);
    assert!(
        (top["share_pct"].as_f64().unwrap() - 30.0).abs() < 1e-9,
        "{top}"
    );
    assert_eq!(top["hot"], true);
    assert_eq!(doc["keys"][1]["count"], 10);
    assert_eq!(doc["source"]["kind"], "live");
    // The server's COMMAND INFO was read; Redis 7.0 knows nothing the built-in table lacks.
    assert_eq!(doc["source"]["server_commands_added"], 0);
    assert_eq!(doc["complete"], true);
    let cmds: Vec<&str> = doc["commands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        cmds,
        ["get"],
        "cachestorm's own commands are not in the capture"
    );
    assert_eq!(doc["patterns"][0]["pattern"], "item:*");
}

#[test]
fn stampede_of_twenty_clients_is_flagged() {
    let s = RedisServer::start();
    let mut clients: Vec<Conn> = (0..20).map(|_| Conn::open(s.port)).collect();
    let p = s.port.to_string();
    let child = spawn(&["hotkeys", "-p", &p, "--duration", "2s", "-o", "json"]);
    s.wait_for_monitor();
    // Every client misses, then every client rebuilds the key: within a few milliseconds.
    for c in &mut clients {
        c.call(&["GET", "report:daily"]);
    }
    for c in &mut clients {
        c.call(&["SET", "report:daily", "rebuilt", "EX", "60"]);
    }
    let doc = finish_json(child);
    let st = &doc["stampedes"][0];
    assert_eq!(st["key"], "report:daily", "{doc}");
    assert_eq!(st["writes"], 20);
    assert_eq!(st["distinct_writers"], 20);
    assert_eq!(st["reads"], 20);
    assert_eq!(doc["expiry_wave"]["ttls_set"], 20);
}

#[test]
fn penetration_is_verified_with_exists() {
    let s = RedisServer::start();
    s.pipe(&commands(10, |i| format!("SET real:{i} v")));
    let p = s.port.to_string();
    let child = spawn(&["hotkeys", "-p", &p, "--duration", "2s", "-o", "json"]);
    s.wait_for_monitor();
    let mut reads = commands(150, |i| format!("GET ghost:{}", i % 50));
    reads += &commands(30, |i| format!("GET real:{}", i % 10));
    s.pipe(&reads);
    let doc = finish_json(child);
    let pen = &doc["penetration"];
    assert_eq!(pen["candidate_keys"], 60);
    assert_eq!(pen["verified"]["sampled"], 60);
    assert_eq!(pen["verified"]["missing"], 50);
    assert!(pen["verified"]["missing_examples"][0]
        .as_str()
        .unwrap()
        .starts_with("ghost:"));
    assert_eq!(pen["by_pattern"][0]["pattern"], "ghost:*");
}

#[test]
fn patterns_live() {
    let s = RedisServer::start();
    let p = s.port.to_string();
    let child = spawn(&["patterns", "-p", &p, "--duration", "2s", "-o", "json"]);
    s.wait_for_monitor();
    s.pipe(&commands(40, |i| {
        format!("SET user:{}:profile v", 1000 + i)
    }));
    s.pipe(&commands(10, |i| {
        format!("GET session:{i:08x}-aaaa-bbbb-cccc-{i:012x}")
    }));
    let doc = finish_json(child);
    assert_eq!(doc["schema"], "cachestorm.patterns/v1");
    assert_eq!(doc["patterns"][0]["pattern"], "user:*:profile");
    assert_eq!(doc["patterns"][0]["ops"], 40);
    assert_eq!(doc["patterns"][0]["distinct_keys"], 40);
    assert_eq!(doc["patterns"][1]["pattern"], "session:*");
}

#[test]
fn monitor_writes_a_file_hotkeys_reads_back() {
    let s = RedisServer::start();
    let (child, _dir, file) = spawn_monitor(&s, &["--duration", "2s"]);
    s.wait_for_monitor();
    // A bare connection: redis-cli would add its own COMMAND DOCS to the capture.
    let mut c = Conn::open(s.port);
    for i in 0..25 {
        c.call(&["SET", &format!("k:{}", i % 5), "v"]);
    }
    c.call(&["GET", "bin\0key"]);
    let doc = finish_json(child);
    assert_eq!(doc["lines_written"], 26);
    assert_eq!(doc["complete"], true);
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(text.lines().count(), 26);
    assert!(text.contains(r#""GET" "bin\x00key""#), "{text}");
    let back = json(&["hotkeys", "--input", file.to_str().unwrap(), "-o", "json"]);
    assert_eq!(back["events"], 26);
    assert_eq!(back["keys"][0]["count"], 5);
    assert_eq!(back["source"]["skipped_lines"], 0);
}

#[test]
fn monitor_filters_and_max_lines() {
    let s = RedisServer::start();
    let p = s.port.to_string();
    let child = spawn(&[
        "monitor",
        "-p",
        &p,
        "--duration",
        "5s",
        "--command",
        "get,MGET",
        "--key-pattern",
        "user:*",
        "--max-lines",
        "15",
    ]);
    s.wait_for_monitor();
    s.pipe(&commands(10, |i| format!("SET user:{i} v")));
    s.pipe(&commands(10, |i| format!("GET item:{i}")));
    s.pipe(&commands(20, |i| format!("GET user:{i}")));
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 15, "{text}");
    assert!(
        lines.iter().all(|l| l.contains(r#""GET" "user:"#)),
        "{text}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("--max-lines reached"));
}

#[test]
fn monitor_on_a_cluster_writes_every_master() {
    let c = RedisCluster::start();
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("cap.log");
    let seed = c.nodes[0].port.to_string();
    let child = spawn(&[
        "monitor",
        "--cluster",
        "-p",
        &seed,
        "--duration",
        "3s",
        "-w",
        base.to_str().unwrap(),
        "-o",
        "json",
    ]);
    for n in &c.nodes {
        // Replicas show no MONITOR client; masters do.
        if n.info_field("role") == "master" {
            n.wait_for_monitor();
        }
    }
    // One write per master, straight to the node that owns each key's slot.
    let mut expected = Vec::new();
    for n in c.nodes.iter().filter(|n| n.info_field("role") == "master") {
        let key = (0..10_000)
            .map(|i| format!("k{i}"))
            .find(|k| {
                n.cli(&["CLUSTER", "KEYSLOT", k])
                    .parse::<u16>()
                    .is_ok_and(|slot| {
                        n.cli(&["CLUSTER", "COUNTKEYSINSLOT", &slot.to_string()]) == "0"
                            && owns(n, slot)
                    })
            })
            .unwrap();
        n.cli(&["SET", &key, "v"]);
        expected.push((n.addr(), key));
    }
    let doc = finish_json(child);
    let files = doc["files"].as_array().unwrap();
    assert_eq!(files.len(), 3, "{doc}");
    for (addr, key) in expected {
        let f = files
            .iter()
            .find(|f| f["node"] == addr.as_str())
            .unwrap_or_else(|| panic!("no file for {addr}"));
        let text = std::fs::read_to_string(f["path"].as_str().unwrap()).unwrap();
        assert!(
            text.contains(&format!("\"SET\" \"{key}\"")),
            "{addr}: {text}"
        );
        assert!(f["path"]
            .as_str()
            .unwrap()
            .contains(&addr.replace(':', "_")));
    }
}

/// Whether `n` serves `slot` (from CLUSTER SHARDS-free CLUSTER NODES text).
fn owns(n: &RedisServer, slot: u16) -> bool {
    let nodes = n.cli(&["CLUSTER", "NODES"]);
    nodes.lines().filter(|l| l.contains("myself")).any(|l| {
        l.split_whitespace()
            .skip(8)
            .any(|r| match r.split_once('-') {
                Some((a, b)) => {
                    a.parse::<u16>().is_ok_and(|a| a <= slot)
                        && b.parse::<u16>().is_ok_and(|b| slot <= b)
                }
                None => r.parse::<u16>() == Ok(slot),
            })
    })
}

#[test]
fn lfu_method_ranks_the_hottest_key_first() {
    let s = RedisServer::with_args(&["--maxmemory-policy", "allkeys-lfu"]);
    s.pipe(&commands(50, |i| format!("SET cold:{i} v")));
    s.pipe("SET hot v\n");
    s.pipe(&commands(2000, |_| "GET hot".into()));
    let p = s.port.to_string();
    let doc = json(&["hotkeys", "--method", "lfu", "-p", &p, "-o", "json"]);
    assert_eq!(doc["method"], "lfu");
    assert_eq!(doc["scanned_keys"], 51);
    assert_eq!(doc["keys"][0]["key"], "hot");
    assert!(doc["keys"][0]["freq"].as_u64().unwrap() > doc["keys"][1]["freq"].as_u64().unwrap());

    let plain = RedisServer::start();
    let err = fails(
        &["hotkeys", "--method", "lfu", "-p", &plain.port.to_string()],
        3,
    );
    assert!(
        err.contains("maxmemory-policy is noeviction") && err.contains("allkeys-lfu"),
        "{err}"
    );
}

#[test]
fn slot_stats_on_a_valkey_cluster_names_the_hot_slot_and_node() {
    let c = RedisCluster::start_with_args(valkey_bin(), &["--cluster-slot-stats-enabled", "yes"]);
    let key = "hot:key";
    let owner = c
        .nodes
        .iter()
        .find(|n| {
            let slot: u16 = n.cli(&["CLUSTER", "KEYSLOT", key]).parse().unwrap();
            n.info_field("role") == "master" && owns(n, slot)
        })
        .expect("a master owns the slot");
    let slot: u64 = owner.cli(&["CLUSTER", "KEYSLOT", key]).parse().unwrap();
    owner.cli(&["SET", key, "v"]);
    owner.pipe(&commands(3000, |_| format!("GET {key}")));
    let seed = c.nodes[1].port.to_string();
    let doc = json(&[
        "hotkeys",
        "--method",
        "slot-stats",
        "--cluster",
        "-p",
        &seed,
        "-o",
        "json",
    ]);
    assert_eq!(doc["ordered_by"], "cpu-usec");
    assert_eq!(doc["slots"][0]["slot"], slot, "{doc}");
    assert_eq!(doc["slots"][0]["node"], owner.addr());
    assert_eq!(doc["nodes"][0]["node"], owner.addr());
}

#[test]
fn the_output_buffer_guard_stops_a_capture_that_falls_behind() {
    let s = RedisServer::start();
    let (child, _dir, _file) = spawn_monitor(
        &s,
        &[
            "--duration",
            "20s",
            "--max-server-buffer",
            "1mb",
            "--timeout",
            "30s",
        ],
    );
    s.wait_for_monitor();
    // 10 MB values of NUL bytes: the server turns each into a 40 MB MONITOR line ("\x00"
    // per byte) at once, faster than any reader takes it, so the output buffer grows.
    let big = "\0".repeat(10 << 20);
    let mut c = Conn::open(s.port);
    for _ in 0..3 {
        c.call(&["SET", "big", &big]);
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "a guard stop is a finished capture: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["complete"], false);
    let why = doc["stopped_early"].as_str().unwrap();
    assert!(
        why.contains("output buffer for MONITOR") && why.contains("--max-server-buffer"),
        "{why}"
    );
    assert!(doc["max_server_buffer_bytes"].as_u64().unwrap() > 1 << 20);
    assert!(
        doc["duration_secs"].as_f64().unwrap() < 20.0,
        "stopped before --duration"
    );
}

#[test]
fn ctrl_c_ends_a_capture_with_a_complete_flushed_file() {
    let s = RedisServer::start();
    let (child, _dir, file) = spawn_monitor(&s, &["--duration", "60s"]);
    s.wait_for_monitor();
    let mut c = Conn::open(s.port);
    for i in 0..500 {
        c.call(&["SET", &format!("k:{i}"), "v"]);
    }
    // Give the stream time to reach the capture (the file is buffered until the end).
    std::thread::sleep(std::time::Duration::from_secs(2));
    crate::util::interrupt(&child);
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["complete"], false);
    assert!(doc["stopped_early"].as_str().unwrap().contains("Ctrl-C"));
    assert_eq!(doc["lines_written"], 500);
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(
        text.lines().count(),
        500,
        "every line reported is in the file"
    );
    assert!(text.ends_with('\n'), "no half-written last line");
    assert!(text.lines().all(|l| l.contains(r#""SET" "k:"#)));
}

#[test]
fn live_capture_works_for_a_least_privilege_acl_user() {
    let s = RedisServer::with_args(&["--requirepass", "adminpw"]);
    // What README's permissions table lists for live hotkeys.
    s.cli(&[
        "ACL",
        "SETUSER",
        "cap",
        "on",
        ">cappw",
        "-@all",
        "+monitor",
        "+client|id",
        "+client|list",
        "+client|info",
        "+command|info",
        "+exists",
        "~*",
    ]);
    let p = s.port.to_string();
    let child = spawn(&[
        "hotkeys",
        "-p",
        &p,
        "--user",
        "cap",
        "-a",
        "cappw",
        "--duration",
        "2s",
        "-o",
        "json",
    ]);
    s.wait_for_monitor();
    let mut c = Conn::open(s.port);
    c.call(&["AUTH", "adminpw"]);
    for _ in 0..5 {
        c.call(&["GET", "ghost:1"]);
    }
    let doc = finish_json(child);
    assert_eq!(doc["keys"][0]["key"], "ghost:1");
    assert_eq!(doc["keys"][0]["count"], 5);
    assert_eq!(doc["penetration"]["verified"]["missing"], 1);

    // Without CLIENT ID the guard cannot watch the capture: a clear refusal, exit 3.
    s.cli(&[
        "ACL",
        "SETUSER",
        "noid",
        "on",
        ">pw",
        "-@all",
        "+monitor",
        "+client|list",
        "~*",
    ]);
    let err = fails(
        &[
            "hotkeys",
            "-p",
            &p,
            "--user",
            "noid",
            "-a",
            "pw",
            "--duration",
            "1s",
        ],
        3,
    );
    assert!(
        err.contains("CLIENT ID refused") && err.contains("+client|id"),
        "{err}"
    );
}

//! `hotkeys` live against real servers with traffic driven here: MONITOR captures (a
//! skewed workload, a stampede, penetration checked with EXISTS, a least-privilege ACL
//! user), `--method lfu`, `--method slot-stats` on a Valkey cluster.

use crate::util::{owns, valkey_bin, Conn, RedisCluster, RedisServer};
use crate::{commands, fails, interrupt_when_drained, json, spawn};

#[test]
fn skewed_workload_puts_the_hot_key_first() {
    let s = RedisServer::start();
    s.pipe(&commands(70, |i| format!("SET item:{i} v")));
    s.pipe("SET item:hot v\n");
    let p = s.port.to_string();
    let child = spawn(&["hotkeys", "-p", &p, "--duration", "60s", "-o", "json"]);
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
    let doc = interrupt_when_drained(child, &s);
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
    assert_eq!(doc["source"]["stopped_early"], "interrupted (Ctrl-C)");
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
    let child = spawn(&["hotkeys", "-p", &p, "--duration", "60s", "-o", "json"]);
    s.wait_for_monitor();
    // Every client misses, then every client rebuilds the key: within a few milliseconds.
    for c in &mut clients {
        c.call(&["GET", "report:daily"]);
    }
    for c in &mut clients {
        c.call(&["SET", "report:daily", "rebuilt", "EX", "60"]);
    }
    let doc = interrupt_when_drained(child, &s);
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
    let child = spawn(&["hotkeys", "-p", &p, "--duration", "60s", "-o", "json"]);
    s.wait_for_monitor();
    let mut reads = commands(150, |i| format!("GET ghost:{}", i % 50));
    reads += &commands(30, |i| format!("GET real:{}", i % 10));
    s.pipe(&reads);
    let doc = interrupt_when_drained(child, &s);
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
fn lfu_method_ranks_the_hottest_key_first() {
    let s = RedisServer::with_args(&["--maxmemory-policy", "allkeys-lfu"]);
    s.pipe(&commands(50, |i| format!("SET cold:{i} v")));
    s.pipe("SET hot v\n");
    s.pipe(&commands(2000, |_| "GET hot".into()));
    let p = s.port.to_string();
    let doc = json(&["hotkeys", "--method", "lfu", "-p", &p, "-o", "json"]);
    assert_eq!(doc["schema"], "cachestorm.hotkeys.lfu/v1");
    assert_eq!(doc["keys_scanned"], 51);
    assert_eq!(doc["keys"][0]["key"], "hot");
    assert!(doc["keys"][0]["freq"].as_u64().unwrap() > doc["keys"][1]["freq"].as_u64().unwrap());
    // NDJSON: one key per line, the same objects as the document's `keys`.
    let out = crate::cachestorm()
        .args([
            "hotkeys", "--method", "lfu", "-p", &p, "--top", "3", "-o", "ndjson",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let lines = crate::ndjson(&out.stdout);
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0], doc["keys"][0]);

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
    // NDJSON: one slot per line.
    let out = crate::cachestorm()
        .args([
            "hotkeys",
            "--method",
            "slot-stats",
            "--cluster",
            "-p",
            &seed,
        ])
        .args(["-o", "ndjson"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let lines = crate::ndjson(&out.stdout);
    assert_eq!(lines.len(), doc["slots"].as_array().unwrap().len());
    assert_eq!(lines[0]["slot"], slot);
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
        "60s",
        "-o",
        "json",
    ]);
    s.wait_for_monitor();
    let mut c = Conn::open(s.port);
    c.call(&["AUTH", "adminpw"]);
    for _ in 0..5 {
        c.call(&["GET", "ghost:1"]);
    }
    let doc = interrupt_when_drained(child, &s);
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

#[test]
fn sigterm_and_sighup_end_a_capture_like_ctrl_c() {
    let s = RedisServer::start();
    let p = s.port.to_string();
    for sig in ["TERM", "HUP"] {
        let child = spawn(&["hotkeys", "-p", &p, "--duration", "60s", "-o", "json"]);
        s.wait_for_monitor();
        let mut c = Conn::open(s.port);
        for _ in 0..5 {
            c.call(&["GET", sig]);
        }
        s.wait_for_monitor_drained();
        crate::util::signal(&child, sig);
        let (code, doc, err) = crate::stdout_json(child);
        assert_eq!(code, Some(130), "{sig}: {err}");
        assert_eq!(doc["complete"], false, "{doc}");
        assert_eq!(doc["keys"][0]["count"], 5, "{doc}");
        assert_eq!(
            doc["source"]["stopped_early"],
            format!("interrupted (SIG{sig})"),
            "{doc}"
        );
        // The capture's connections are gone before the next one starts.
        crate::util::wait_until("no MONITOR client left", 30, || {
            !s.cli(&["CLIENT", "LIST"]).contains("cmd=monitor")
        });
    }
}

#[test]
fn a_server_lost_mid_capture_exits_3_with_the_traffic_so_far() {
    let mut s = RedisServer::start();
    let p = s.port.to_string();
    let child = spawn(&["hotkeys", "-p", &p, "--duration", "60s", "-o", "json"]);
    s.wait_for_monitor();
    let mut c = Conn::open(s.port);
    for _ in 0..7 {
        c.call(&["GET", "k"]);
    }
    s.wait_for_monitor_drained();
    s.stop();
    let (code, doc, err) = crate::stdout_json(child);
    assert_eq!(code, Some(3), "{err}");
    assert_eq!(doc["complete"], false);
    assert_eq!(doc["keys"][0]["count"], 7);
    // Whichever connection saw the server go first, the MONITOR connection's end is
    // what the report names (the server closed it, or reset it).
    let why = doc["source"]["stopped_early"].as_str().unwrap();
    assert!(
        why.contains("closed the MONITOR connection") || why.contains("MONITOR connection failed"),
        "{doc}"
    );
}

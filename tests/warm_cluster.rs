//! `warm` with clusters: a 3-master cluster target written by slot (no CROSSSLOT, the
//! values right on the node that serves each key), a slot moved to another master or
//! migrating while a warm runs (MOVED and ASK followed, nothing lost), and `--from-source-scan --source-cluster
//! --slots` taking exactly the keys of one node's slots.

use crate::util::{redis_server_bin, wait_until, Conn, RedisCluster, RedisServer};
use crate::warm::{commandstat, keys_file, run};

/// The cluster node id of `n`.
fn node_id(n: &RedisServer) -> String {
    n.cli(&["CLUSTER", "MYID"])
}

/// Keys held by every node together.
fn total_keys(c: &RedisCluster) -> u64 {
    c.nodes
        .iter()
        .map(|n| n.cli(&["DBSIZE"]).parse::<u64>().unwrap())
        .sum()
}

/// How often `n` answered an error of this code (INFO errorstats).
fn errors(n: &RedisServer, code: &str) -> u64 {
    n.cli(&["INFO", "errorstats"])
        .lines()
        .find(|l| l.starts_with(&format!("errorstat_{code}:")))
        .and_then(|l| l.split("count=").nth(1))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

#[test]
fn a_cluster_target_is_written_by_slot_with_no_crossslot() {
    let c = RedisCluster::start_masters(redis_server_bin(), &[]);
    let source = RedisServer::start();
    source.pipe(&crate::commands(3000, |i| match i % 4 {
        0 => format!("SET s:{i} v{i}"),
        1 => format!("HSET h:{i} f {i} g x"),
        2 => format!("RPUSH l:{i} a b {i}"),
        _ => format!("SET {{tag}}:{i} t{i} EX 3600"),
    }));
    let src = format!("redis://127.0.0.1:{}", source.port);
    let (code, rep, err) = run(&[
        "warm",
        "--cluster",
        "-p",
        &c.nodes[0].port.to_string(),
        "--from-source-scan",
        "--source",
        &src,
        "--pipeline",
        "200",
        "--verify",
        "100",
        "-o",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(rep["written"], 3000, "{rep}");
    assert_eq!(rep["verified"]["same"], 100, "{rep}");
    assert_eq!(rep["failed"], 0, "{rep}");
    assert_eq!(rep["target_nodes"], 3, "{rep}");
    assert_eq!(rep["targeted"], 3000, "{rep}");
    assert_eq!(total_keys(&c), 3000);
    for n in &c.nodes {
        assert_eq!(errors(n, "CROSSSLOT"), 0);
        assert_eq!(errors(n, "MOVED"), 0);
        // Every master got its share, each key on the node of its slot.
        assert!(n.cli(&["DBSIZE"]).parse::<u64>().unwrap() > 500);
    }
    let owner = |key: &str| {
        let slot: u16 = c.nodes[0]
            .cli(&["CLUSTER", "KEYSLOT", key])
            .parse()
            .unwrap();
        c.nodes.iter().find(|n| crate::util::owns(n, slot)).unwrap()
    };
    assert_eq!(owner("s:4").cli(&["GET", "s:4"]), "v4");
    assert_eq!(owner("h:5").cli(&["HGET", "h:5", "g"]), "x");
    assert_eq!(owner("l:6").cli(&["LRANGE", "l:6", "0", "-1"]), "a\nb\n6");
    let ttl: i64 = owner("{tag}:3").cli(&["TTL", "{tag}:3"]).parse().unwrap();
    assert!((3590..=3600).contains(&ttl), "{ttl}");
    // The source was only read.
    for cmd in ["del", "unlink", "restore", "set", "flushall", "flushdb"] {
        let before = if cmd == "set" { 1500 } else { 0 };
        assert_eq!(commandstat(&source, cmd), before, "{cmd}");
    }
}

#[test]
fn a_slot_moved_while_warming_is_followed() {
    warm_while_the_slot_changes(false);
}

#[test]
fn a_slot_migrating_while_warming_is_asked_for() {
    warm_while_the_slot_changes(true);
}

/// 700 keys warmed into a cluster, the last 100 all of one slot; once the warm has begun
/// and before it reaches them, that (still empty) slot is handed to another master
/// (`ask` false: CLUSTER SETSLOT ... NODE, the owner answers MOVED) or put in migration
/// (`ask`: MIGRATING / IMPORTING, the owner answers ASK for each key it does not hold).
/// At 80 keys/s the 600 keys before them take 7.5 s: the SETSLOTs have seconds to land
/// even on a busy machine, and a run where they came too late says so.
fn warm_while_the_slot_changes(ask: bool) {
    let c = RedisCluster::start_masters(redis_server_bin(), &[]);
    let dir = tempfile::tempdir().unwrap();
    let source = RedisServer::start();
    // 600 keys spread over the slots, then 100 keys of one slot that sort last.
    source.pipe(&crate::commands(600, |i| format!("SET k:{i} v{i}")));
    source.pipe(&crate::commands(100, |i| {
        format!("SET z{{late}}:{i} late{i}")
    }));
    let file = keys_file(dir.path(), "k", 600);
    let mut text = std::fs::read_to_string(&file).unwrap();
    text.extend((0..100).map(|i| format!("z{{late}}:{i}\n")));
    std::fs::write(&file, text).unwrap();
    let slot: u16 = c.nodes[0]
        .cli(&["CLUSTER", "KEYSLOT", "{late}"])
        .parse()
        .unwrap();
    let from = c
        .nodes
        .iter()
        .position(|n| crate::util::owns(n, slot))
        .unwrap();
    let to = (from + 1) % 3;
    // Asked before the warm starts: once it writes, only the SETSLOTs are left to do.
    let (id_from, id_to, s) = (
        node_id(&c.nodes[from]),
        node_id(&c.nodes[to]),
        slot.to_string(),
    );
    let cp = dir.path().join("cp.json");
    let src = format!("redis://127.0.0.1:{}", source.port);
    let child = crate::spawn(&[
        "warm",
        "--cluster",
        "-p",
        &c.nodes[0].port.to_string(),
        "--keys-file",
        file.to_str().unwrap(),
        "--source",
        &src,
        "--rate",
        "80",
        "--pipeline",
        "20",
        "--checkpoint",
        cp.to_str().unwrap(),
        "-o",
        "json",
    ]);
    let done = || -> u64 {
        std::fs::read_to_string(&cp)
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .and_then(|v| v["done"].as_u64())
            .unwrap_or(0)
    };
    wait_until("the warm to start writing", 30, || done() >= 40);
    let lost_race = "the warm reached the late keys before the slot changed (the machine was too \
                     slow for the window this test leaves)";
    assert!(done() < 600, "{lost_race}: done {}", done());
    // Replies read as they come (an error too: a lost race shows in them).
    let setslot = |n: usize, args: &[&str]| -> String {
        let mut all = vec!["CLUSTER", "SETSLOT", &s];
        all.extend_from_slice(args);
        Conn::open(c.nodes[n].port).call(&all)
    };
    let mut replies = Vec::new();
    if ask {
        replies.push(setslot(to, &["IMPORTING", &id_from]));
        replies.push(setslot(from, &["MIGRATING", &id_to]));
    } else {
        // An empty slot changes hands by SETSLOT ... NODE on every node, the new owner
        // first.
        for n in [to, from, 3 - to - from] {
            replies.push(setslot(n, &["NODE", &id_to]));
        }
    }
    let in_slot = |n: usize| c.nodes[n].cli(&["CLUSTER", "COUNTKEYSINSLOT", &s]);
    // From here on the old owner redirects every late key (MOVED, or ASK for a key it
    // does not hold): the late keys it holds now are all it will ever get. Any means the
    // warm got to them before the change (and the old owner refused to give up a slot
    // with keys), not that it mishandled a redirection.
    let early = in_slot(from);
    assert!(
        early == "0" && replies.iter().all(|r| r == "+OK"),
        "{lost_race}: {early} late keys on the old owner, SETSLOT replies {replies:?}, done {}",
        done()
    );
    let (code, rep, err) = crate::stdout_json(child);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(rep["written"], 700, "{rep}");
    assert_eq!(rep["failed"], 0, "{rep}");
    if ask {
        // The migration ends: the slot is the importing node's.
        for n in [to, from, 3 - to - from] {
            c.nodes[n].cli(&["CLUSTER", "SETSLOT", &s, "NODE", &id_to]);
        }
    }
    assert_eq!(c.nodes[to].cli(&["GET", "z{late}:7"]), "late7");
    assert_eq!((in_slot(from), in_slot(to)), ("0".into(), "100".into()));
    if ask {
        // ASK moves one command: every late key was asked for once, the map unchanged.
        assert_eq!(errors(&c.nodes[from], "ASK"), 100);
        assert_eq!(errors(&c.nodes[from], "MOVED"), 0);
    } else {
        // Only the batch that met the move was redirected: the slot map learnt it.
        let moved = errors(&c.nodes[from], "MOVED");
        assert!((1..=20).contains(&moved), "{moved}");
    }
    assert_eq!(total_keys(&c), 700);
}

#[test]
fn a_source_clusters_slots_are_scanned_into_one_server() {
    let c = RedisCluster::start_masters(redis_server_bin(), &[]);
    c.load(3000);
    let target = RedisServer::start();
    let first = c.nodes.iter().find(|n| crate::util::owns(n, 0)).unwrap();
    let last_slot: u16 = first
        .cli(&["CLUSTER", "NODES"])
        .lines()
        .find(|l| l.contains("myself"))
        .and_then(|l| l.split_whitespace().nth(8))
        .and_then(|r| r.split_once('-'))
        .and_then(|(_, b)| b.parse().ok())
        .unwrap();
    let src = format!("redis://127.0.0.1:{}", c.nodes[0].port);
    let (code, rep, err) = run(&[
        "warm",
        "-p",
        &target.port.to_string(),
        "--from-source-scan",
        "--source",
        &src,
        "--source-cluster",
        "--slots",
        &format!("0-{last_slot}"),
        "-o",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let theirs = first.cli(&["DBSIZE"]);
    assert_eq!(target.cli(&["DBSIZE"]), theirs);
    assert_eq!(rep["written"].to_string(), theirs, "{rep}");
    assert_eq!(
        rep["sources"][0]["filtered"].as_u64().unwrap() + rep["written"].as_u64().unwrap(),
        3000,
        "{rep}"
    );
}

//! Discovery: `--cluster` against a real 3+3 cluster, `--sentinel` against a real Sentinel.

use crate::util::{redis62_bin, RedisCluster, RedisServer, Sentinel};
use crate::{fails, stats_once};

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
        .map(|m| m["addr"].as_str().unwrap())
        .collect();
    for r in &replicas {
        assert!(master_addrs.contains(&r["master"].as_str().unwrap()), "{r}");
    }
    let expected: std::collections::BTreeSet<String> = c.nodes.iter().map(|n| n.addr()).collect();
    let found: std::collections::BTreeSet<String> = nodes
        .iter()
        .map(|n| n["addr"].as_str().unwrap().to_string())
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
    assert_eq!(doc["nodes"][0]["addr"], master.addr());
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

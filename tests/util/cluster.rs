//! `RedisCluster`: 3 masters + 3 replicas on loopback, made by `redis-cli --cluster create`
//! from six `RedisServer`s; ready once every node agrees on the topology. A node whose port
//! or bus port (+10000) was taken before it could bind them starts again on other ports.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use super::{free_port, redis_cli_bin, redis_server_bin, RedisServer, Started, LAUNCH_ATTEMPTS};

/// 3 masters + 3 replicas on loopback.
pub struct RedisCluster {
    pub nodes: Vec<RedisServer>,
}

impl RedisCluster {
    pub fn start() -> Self {
        Self::start_with(redis_server_bin())
    }

    /// A cluster of another server binary (Redis 6.2 has no CLUSTER SHARDS).
    pub fn start_with(bin: PathBuf) -> Self {
        Self::start_with_args(bin, &[])
    }

    /// A cluster of `bin`, each node started with `extra` arguments too.
    pub fn start_with_args(bin: PathBuf, extra: &[&str]) -> Self {
        let mut nodes = Vec::new();
        for _ in 0..6 {
            let dir = tempfile::tempdir().expect("temp dir");
            let conf = dir.path().join("nodes.conf");
            let mut args: Vec<String> =
                ["--cluster-enabled", "yes", "--cluster-node-timeout", "5000"]
                    .iter()
                    .chain(extra)
                    .map(|a| a.to_string())
                    .collect();
            args.push("--cluster-config-file".into());
            args.push(conf.to_string_lossy().into_owned());
            let mut s = RedisServer::unstarted(bin.clone(), args, dir, None);
            let launched = (0..LAUNCH_ATTEMPTS).any(|_| {
                let port = free_port(true);
                // A start that failed on the bus port may have saved a nodes.conf already.
                let _ = std::fs::remove_file(&conf);
                let started = s.launch(port);
                if started == Started::PortTaken {
                    eprintln!(
                        "port {port} or {} was taken before the node bound it: trying others",
                        port + 10000
                    );
                }
                started == Started::Listening
            });
            assert!(
                launched,
                "no ports kept free long enough in {LAUNCH_ATTEMPTS} attempts"
            );
            nodes.push(s);
        }
        let addrs: Vec<String> = nodes.iter().map(RedisServer::addr).collect();
        let out = Command::new(redis_cli_bin())
            .arg("--cluster")
            .arg("create")
            .args(&addrs)
            .args(["--cluster-replicas", "1", "--cluster-yes"])
            .output()
            .expect("running redis-cli --cluster create");
        assert!(
            out.status.success(),
            "redis-cli --cluster create failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let c = RedisCluster { nodes };
        c.wait_ok();
        c
    }

    /// Waits until every node says cluster_state:ok and sees 3 masters and 3 replicas.
    fn wait_ok(&self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let ok = self.nodes.iter().all(|n| {
                let state = n.cli(&["CLUSTER", "INFO"]);
                let nodes = n.cli(&["CLUSTER", "NODES"]);
                state.contains("cluster_state:ok")
                    && nodes.lines().filter(|l| l.contains("slave")).count() == 3
                    && nodes.lines().filter(|l| l.contains("master")).count() == 3
            });
            if ok {
                return;
            }
            assert!(Instant::now() < deadline, "cluster not ready in 60s");
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

/// Whether `n` serves `slot` (from CLUSTER SHARDS-free CLUSTER NODES text).
pub fn owns(n: &RedisServer, slot: u16) -> bool {
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

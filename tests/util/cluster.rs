//! `RedisCluster`: 3 masters + 3 replicas (or 3 masters alone) on loopback, made by
//! `redis-cli --cluster create` from `RedisServer`s; ready once every node agrees on the
//! topology. A node whose port
//! or bus port (+10000) was taken before it could bind them starts again on other ports.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::{free_port, redis_cli_bin, redis_server_bin, RedisServer, Started, LAUNCH_ATTEMPTS};

/// 3 masters + 3 replicas (or none) on loopback.
pub struct RedisCluster {
    pub nodes: Vec<RedisServer>,
    /// Replicas per master (1 or 0).
    replicas: usize,
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
        Self::build(bin, extra, 1)
    }

    /// 3 masters and no replica, each started with `extra` arguments too (a later
    /// `--cluster-node-timeout` overrides the 5000 ms every node gets).
    pub fn start_masters(bin: PathBuf, extra: &[&str]) -> Self {
        Self::build(bin, extra, 0)
    }

    fn build(bin: PathBuf, extra: &[&str], replicas: usize) -> Self {
        let mut nodes = Vec::new();
        for _ in 0..3 * (1 + replicas) {
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
            .args(["--cluster-replicas", &replicas.to_string(), "--cluster-yes"])
            .output()
            .expect("running redis-cli --cluster create");
        assert!(
            out.status.success(),
            "redis-cli --cluster create failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let c = RedisCluster { nodes, replicas };
        c.wait_ok();
        c
    }

    /// Waits until every node says cluster_state:ok and sees 3 masters and their replicas.
    fn wait_ok(&self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let ok = self.nodes.iter().all(|n| {
                let state = n.cli(&["CLUSTER", "INFO"]);
                let nodes = n.cli(&["CLUSTER", "NODES"]);
                state.contains("cluster_state:ok")
                    && nodes.lines().filter(|l| l.contains("slave")).count() == 3 * self.replicas
                    && nodes.lines().filter(|l| l.contains("master")).count() == 3
            });
            if ok {
                return;
            }
            assert!(Instant::now() < deadline, "cluster not ready in 60s");
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Writes `n` keys `key:0`.. through `redis-cli -c` (each to the master of its slot).
    pub fn load(&self, n: usize) {
        let mut cli = Command::new(redis_cli_bin())
            .args(["-c", "-p", &self.nodes[0].port.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("running redis-cli -c");
        let text: String = (0..n).map(|i| format!("SET key:{i} v{i}\n")).collect();
        cli.stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
        assert!(cli.wait().unwrap().success(), "redis-cli -c failed");
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

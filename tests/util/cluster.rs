//! `RedisCluster`: 3 masters + 3 replicas on loopback, made by `redis-cli --cluster create`
//! from six `RedisServer`s; ready once every node agrees on the topology.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use super::{free_port, redis_cli_bin, redis_server_bin, RedisServer};

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
            let port = free_port(true);
            let dir = tempfile::tempdir().expect("temp dir");
            let mut s = RedisServer {
                port: 0,
                child: None,
                log: dir.path().join("server.log"),
                dir,
                bin: bin.clone(),
                args: vec![
                    "--cluster-enabled".into(),
                    "yes".into(),
                    "--cluster-node-timeout".into(),
                    "5000".into(),
                ],
                pass: None,
                tls: None,
            };
            s.args.extend(extra.iter().map(|a| a.to_string()));
            let conf = s.dir.path().join("nodes.conf");
            s.args.push("--cluster-config-file".into());
            s.args.push(conf.to_string_lossy().into_owned());
            s.launch(port);
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

//! `Sentinel`: one redis-server in Sentinel mode on loopback, watching a `RedisServer`.

use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{free_port, redis_server_bin, RedisServer};

/// A Sentinel watching `master` under the name `name`.
pub struct Sentinel {
    pub port: u16,
    child: Child,
    dir: tempfile::TempDir,
}

impl Sentinel {
    pub fn start(master: &RedisServer, name: &str) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = free_port(false);
        let conf = dir.path().join("sentinel.conf");
        std::fs::write(
            &conf,
            format!(
                "port {port}\nbind 127.0.0.1\ndir {}\nsentinel monitor {name} 127.0.0.1 {} 1\nsentinel down-after-milliseconds {name} 5000\n",
                dir.path().display(),
                master.port
            ),
        )
        .unwrap();
        let child = Command::new(redis_server_bin())
            .arg(&conf)
            .arg("--sentinel")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting redis-server --sentinel");
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "sentinel not ready in 10s");
            std::thread::sleep(Duration::from_millis(20));
        }
        Sentinel { port, child, dir }
    }
}

impl Drop for Sentinel {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

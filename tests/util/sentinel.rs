//! `Sentinel`: one redis-server in Sentinel mode on loopback, watching a `RedisServer`;
//! started again on another port when the free port it picked was taken before it bound it.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use super::{
    free_port, log_len, redis_server_bin, wait_listening, RedisServer, Started, LAUNCH_ATTEMPTS,
};

/// A Sentinel watching `master` under the name `name`; its log is printed when a test fails.
pub struct Sentinel {
    pub port: u16,
    child: Child,
    dir: tempfile::TempDir,
    log: PathBuf,
}

impl Sentinel {
    /// Starts on a free port, and on another one each time the port turns out to be taken
    /// before the Sentinel could bind it (`LAUNCH_ATTEMPTS` in all).
    pub fn start(master: &RedisServer, name: &str) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let log = dir.path().join("sentinel.log");
        for _ in 0..LAUNCH_ATTEMPTS {
            let port = free_port(false);
            // Written afresh each attempt: a Sentinel rewrites its own config file.
            let conf = dir.path().join("sentinel.conf");
            std::fs::write(
                &conf,
                format!(
                    "port {port}\nbind 127.0.0.1\ndir {}\nlogfile {}\nsentinel monitor {name} 127.0.0.1 {} 1\nsentinel down-after-milliseconds {name} 5000\n",
                    dir.path().display(),
                    log.display(),
                    master.port
                ),
            )
            .unwrap();
            let since = log_len(&log);
            let mut child = Command::new(redis_server_bin())
                .arg(&conf)
                .arg("--sentinel")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("starting redis-server --sentinel");
            // A Sentinel logs no "Ready to accept connections"; it logs its ID once its
            // socket is bound and its config saved.
            match wait_listening(&mut child, &log, since, port, "Sentinel ID is") {
                Started::Listening => {
                    return Sentinel {
                        port,
                        child,
                        dir,
                        log,
                    }
                }
                Started::PortTaken => {
                    eprintln!("port {port} was taken before the Sentinel bound it: trying another")
                }
            }
        }
        panic!("no port kept free long enough in {LAUNCH_ATTEMPTS} attempts");
    }
}

impl Drop for Sentinel {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            let log = std::fs::read_to_string(&self.log).unwrap_or_default();
            eprintln!("--- sentinel log (127.0.0.1:{}) ---\n{log}", self.port);
        }
    }
}

//! `RedisServer`: one redis-server / valkey-server on loopback, `--save ""`, in a temp dir
//! that holds its log (printed when a test fails); killed on drop. Plain, or TLS-only with
//! a CA and server/client certificates made by openssl next to it.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{
    free_port, log_len, redis_cli_bin, redis_server_bin, wait_listening, Started, LAUNCH_ATTEMPTS,
};

pub struct RedisServer {
    pub port: u16,
    child: Option<Child>,
    pub dir: tempfile::TempDir,
    log: PathBuf,
    bin: PathBuf,
    args: Vec<String>,
    /// Password for the test's own redis-cli calls.
    pub pass: Option<String>,
    tls: Option<TlsFiles>,
}

#[derive(Clone)]
pub struct TlsFiles {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl RedisServer {
    /// Debian's redis-server with default settings.
    pub fn start() -> Self {
        Self::with(redis_server_bin(), &[])
    }

    /// Debian's redis-server with extra arguments (`["--maxmemory", "2mb"]`).
    pub fn with_args(args: &[&str]) -> Self {
        Self::with(redis_server_bin(), args)
    }

    pub fn with(bin: PathBuf, args: &[&str]) -> Self {
        let args = args.iter().map(|s| s.to_string()).collect();
        let mut s = Self::unstarted(bin, args, tempfile::tempdir().expect("temp dir"), None);
        s.launch_on_free_port();
        s
    }

    /// A TLS-only server: plain port disabled, `--tls-port` on a free port, with a CA and
    /// a server certificate for 127.0.0.1 made by openssl in the server's temp dir.
    pub fn start_tls(require_client_cert: bool) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let files = make_certs(dir.path());
        let auth_clients = if require_client_cert { "yes" } else { "no" };
        let args = vec!["--tls-auth-clients".into(), auth_clients.into()];
        let mut s = Self::unstarted(redis_server_bin(), args, dir, Some(files));
        s.launch_on_free_port();
        s
    }

    /// A guard for `bin` with `args`, in `dir`, not running yet (`launch` starts it).
    pub(super) fn unstarted(
        bin: PathBuf,
        args: Vec<String>,
        dir: tempfile::TempDir,
        tls: Option<TlsFiles>,
    ) -> Self {
        let pass = args
            .iter()
            .position(|a| a == "--requirepass")
            .and_then(|i| args.get(i + 1).cloned());
        RedisServer {
            port: 0,
            child: None,
            log: dir.path().join("server.log"),
            dir,
            bin,
            args,
            pass,
            tls,
        }
    }

    pub fn tls_files(&self) -> TlsFiles {
        self.tls.clone().expect("a TLS server")
    }

    /// Launches on a free port, and on another one each time the port turns out to be taken
    /// before the server could bind it (`LAUNCH_ATTEMPTS` in all).
    pub(super) fn launch_on_free_port(&mut self) {
        for _ in 0..LAUNCH_ATTEMPTS {
            let port = free_port(false);
            if self.launch(port) == Started::Listening {
                return;
            }
            eprintln!("port {port} was taken before the server bound it: trying another");
        }
        panic!("no port kept free long enough in {LAUNCH_ATTEMPTS} attempts");
    }

    /// Starts the server on `port` and waits until it listens and answers (`PortTaken`: it
    /// exited because the port was taken meanwhile).
    pub(super) fn launch(&mut self, port: u16) -> Started {
        let mut cmd = Command::new(&self.bin);
        cmd.arg("--bind").arg("127.0.0.1");
        match &self.tls {
            None => {
                cmd.arg("--port").arg(port.to_string());
            }
            Some(t) => {
                cmd.args(["--port", "0", "--tls-port", &port.to_string()])
                    .arg("--tls-cert-file")
                    .arg(&t.cert)
                    .arg("--tls-key-file")
                    .arg(&t.key)
                    .arg("--tls-ca-cert-file")
                    .arg(&t.ca);
            }
        }
        cmd.args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(self.dir.path())
            .arg("--logfile")
            .arg(&self.log)
            .args(&self.args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let since = log_len(&self.log);
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", self.bin.display()));
        // Redis 6.2, 7.x and Valkey write this once every listening socket is bound.
        let started = wait_listening(
            &mut child,
            &self.log,
            since,
            port,
            "Ready to accept connections",
        );
        if started == Started::PortTaken {
            return started;
        }
        self.child = Some(child);
        self.port = port;
        self.wait_ready();
        Started::Listening
    }

    /// Waits until the listening server answers PING (not LOADING) over plain TCP.
    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.tls.is_none() && self.try_cli(&["PING"]).is_none() {
            assert!(
                Instant::now() < deadline,
                "server not ready in 10s; log:\n{}",
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn cli_command(&self) -> Command {
        let mut c = Command::new(redis_cli_bin());
        c.args(["-h", "127.0.0.1", "-p", &self.port.to_string()]);
        if let Some(p) = &self.pass {
            c.env("REDISCLI_AUTH", p);
        }
        c
    }

    fn try_cli(&self, args: &[&str]) -> Option<String> {
        let out = self.cli_command().args(args).output().ok()?;
        let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
        (out.status.success() && !text.contains("LOADING") && !text.is_empty()).then_some(text)
    }

    /// Runs one command through redis-cli and returns its output (trimmed).
    pub fn cli(&self, args: &[&str]) -> String {
        let out = self
            .cli_command()
            .args(args)
            .output()
            .expect("running redis-cli");
        assert!(
            out.status.success(),
            "redis-cli {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Sends many commands at once (one per line, redis-cli's stdin format).
    pub fn pipe(&self, commands: &str) {
        let mut child = self
            .cli_command()
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("running redis-cli");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(commands.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "redis-cli pipe failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// One field of INFO.
    pub fn info_field(&self, field: &str) -> String {
        let text = self.cli(&["INFO", "everything"]);
        text.lines()
            .find_map(|l| {
                l.trim_end()
                    .strip_prefix(&format!("{field}:"))
                    .map(str::to_string)
            })
            .unwrap_or_else(|| panic!("no {field} in INFO"))
    }

    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts the server again on the same port (a restart: new run_id, counters at zero).
    pub fn restart(&mut self) {
        self.stop();
        let port = self.port;
        assert_eq!(
            self.launch(port),
            Started::Listening,
            "port {port} was taken while the server was stopped"
        );
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
        if std::thread::panicking() {
            eprintln!("--- server log ({}) ---\n{}", self.addr(), self.log_text());
        }
    }
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("openssl not found: apt-get install -y openssl");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA, and a server certificate for IP 127.0.0.1 signed by it; also a client certificate.
fn make_certs(dir: &Path) -> TlsFiles {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=cachestorm-test-ca",
            "-keyout",
            "ca.key",
            "-out",
            "ca.crt",
        ],
    );
    std::fs::write(
        dir.join("san.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\n",
    )
    .unwrap();
    for name in ["server", "client"] {
        openssl(
            dir,
            &[
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-subj",
                &format!("/CN={name}"),
                "-keyout",
                &format!("{name}.key"),
                "-out",
                &format!("{name}.csr"),
            ],
        );
        openssl(
            dir,
            &[
                "x509",
                "-req",
                "-in",
                &format!("{name}.csr"),
                "-CA",
                "ca.crt",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-days",
                "2",
                "-extfile",
                "san.ext",
                "-out",
                &format!("{name}.crt"),
            ],
        );
    }
    TlsFiles {
        ca: dir.join("ca.crt"),
        cert: dir.join("server.crt"),
        key: dir.join("server.key"),
    }
}

/// Client certificate and key made next to a TLS server's own.
pub fn client_cert(server: &RedisServer) -> (PathBuf, PathBuf) {
    (
        server.dir.path().join("client.crt"),
        server.dir.path().join("client.key"),
    )
}

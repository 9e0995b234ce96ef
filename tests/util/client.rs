//! `Conn`, a bare RESP client (many distinct clients at once, and commands that leave no
//! trace of redis-cli's own in a MONITOR capture), and the waits on what a running
//! `cachestorm` does on a server: its first INFO poll, its first SCAN, a number of calls of
//! a command, its MONITOR attached and its MONITOR stream read.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use super::{wait_until, RedisServer};

/// A bare RESP connection, for tests that need many distinct clients at once.
pub struct Conn {
    reader: BufReader<TcpStream>,
}

impl Conn {
    pub fn open(port: u16) -> Self {
        let s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        Conn {
            reader: BufReader::new(s),
        }
    }

    /// Sends one command and returns its reply line (bulk replies: the payload).
    pub fn call(&mut self, args: &[&str]) -> String {
        let mut buf = format!("*{}\r\n", args.len());
        for a in args {
            buf.push_str(&format!("${}\r\n{a}\r\n", a.len()));
        }
        self.reader.get_mut().write_all(buf.as_bytes()).unwrap();
        let mut line = String::new();
        self.reader.read_line(&mut line).unwrap();
        if let Some(n) = line
            .strip_prefix('$')
            .and_then(|n| n.trim().parse::<usize>().ok())
        {
            let mut body = vec![0u8; n + 2];
            self.reader.read_exact(&mut body).unwrap();
            return String::from_utf8_lossy(&body[..n]).into_owned();
        }
        line.trim_end().to_string()
    }
}

impl RedisServer {
    /// Waits until a cachestorm connection has had its first INFO answered (CLIENT LIST
    /// shows a client named cachestorm whose last command was `info`), so a test can act
    /// between the baseline sample and the next one.
    pub fn wait_for_first_poll(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let list = self.cli(&["CLIENT", "LIST"]);
            if list
                .lines()
                .any(|l| l.contains("name=cachestorm") && l.contains("cmd=info"))
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "cachestorm did not poll INFO within 20s"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Waits until the server has run `command` (`scan`, `info`, ...) at least `n` times for
    /// other clients than this wait (INFO commandstats, less this wait's own INFO calls),
    /// so a test acts once a run has made a known number of round trips.
    pub fn wait_for_calls(&self, command: &str, n: u64) {
        let field = format!("cmdstat_{command}:calls=");
        let mut own = 0;
        wait_until(
            &format!("{n} {command} calls on {}", self.addr()),
            30,
            || {
                let stats = self.cli(&["INFO", "commandstats"]);
                // Whether or not a reply counts the INFO that asked for it, taking it off
                // errs on the side of waiting one poll longer.
                if command == "info" {
                    own += 1;
                }
                let calls: u64 = stats
                    .lines()
                    .find_map(|l| l.trim_end().strip_prefix(field.as_str()))
                    .and_then(|rest| rest.split(',').next())
                    .map_or(0, |c| c.parse().expect("a call count"));
                calls.saturating_sub(own) >= n
            },
        );
    }

    /// Waits until a MONITOR connection is attached (CLIENT LIST shows cmd=monitor).
    pub fn wait_for_monitor(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !self.cli(&["CLIENT", "LIST"]).contains("cmd=monitor") {
            assert!(Instant::now() < deadline, "no MONITOR client within 20s");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    /// Waits until every MONITOR client has read all the server fed it so far: the server
    /// holds none of it (CLIENT LIST: obl=0 oll=0) and neither end of the loopback
    /// connection does (/proc/net/tcp: the server's send queue and the client's receive
    /// queue are empty). For a capture that writes its file only at the end, once the
    /// test's last command is answered (MONITOR is fed before the reply). CLIENT LIST is
    /// an admin command: it is never fed to MONITOR, so waiting adds no line.
    pub fn wait_for_monitor_drained(&self) {
        let what = format!(
            "the MONITOR clients of {} to read their stream",
            self.addr()
        );
        wait_until(&what, 30, || {
            let list = self.cli(&["CLIENT", "LIST"]);
            let monitors: Vec<&str> = list.lines().filter(|l| l.contains("cmd=monitor")).collect();
            !monitors.is_empty()
                && monitors.iter().all(|l| {
                    let field =
                        |name: &str| l.split_whitespace().find_map(|f| f.strip_prefix(name));
                    let port: u16 = field("addr=")
                        .and_then(|a| a.rsplit(':').next()?.parse().ok())
                        .expect("addr= in CLIENT LIST");
                    field("obl=") == Some("0")
                        && field("oll=") == Some("0")
                        && tcp_queues(self.port, port).is_some_and(|(send, _)| send == 0)
                        && tcp_queues(port, self.port).is_some_and(|(_, recv)| recv == 0)
                })
        });
    }
}

/// The send and receive queues (bytes) of the established loopback TCP connection from
/// port `local` to port `remote`, from /proc/net/tcp (None: no such connection).
fn tcp_queues(local: u16, remote: u16) -> Option<(u64, u64)> {
    let table = std::fs::read_to_string("/proc/net/tcp").expect("reading /proc/net/tcp");
    let (local, remote) = (
        format!("0100007F:{local:04X}"),
        format!("0100007F:{remote:04X}"),
    );
    table.lines().skip(1).find_map(|line| {
        // sl local_address rem_address st tx_queue:rx_queue ...; st 01 is ESTABLISHED.
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 5 || f[1] != local || f[2] != remote || f[3] != "01" {
            return None;
        }
        let (send, recv) = f[4].split_once(':')?;
        Some((
            u64::from_str_radix(send, 16).ok()?,
            u64::from_str_radix(recv, 16).ok()?,
        ))
    })
}

/// Waits until cachestorm's walker is at work on `s` (it has sent SCAN there).
pub fn wait_for_scan(s: &RedisServer) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !s.cli(&["INFO", "commandstats"]).contains("cmdstat_scan:") {
        assert!(Instant::now() < deadline, "no SCAN within 20s");
        std::thread::sleep(Duration::from_millis(10));
    }
}

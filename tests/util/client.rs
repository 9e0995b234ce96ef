//! `Conn`, a bare RESP client (many distinct clients at once, and commands that leave no
//! trace of redis-cli's own in a MONITOR capture), and the waits on what a running
//! `cachestorm` does on a server: its first INFO poll, its first SCAN, a number of calls of
//! a command, its MONITOR.

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
}

/// Waits until cachestorm's walker is at work on `s` (it has sent SCAN there).
pub fn wait_for_scan(s: &RedisServer) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !s.cli(&["INFO", "commandstats"]).contains("cmdstat_scan:") {
        assert!(Instant::now() < deadline, "no SCAN within 20s");
        std::thread::sleep(Duration::from_millis(10));
    }
}

//! `stats`: INFO rates against real single servers with real traffic driven from the test
//! (hit %, expiries, evictions, resets, a node that dies and rejoins, Ctrl-C, broken
//! pipes, output formats). The shared target options are tested in `target.rs`.

use std::process::{Child, Stdio};

use serde_json::Value;

use crate::util::{redis62_bin, valkey_bin, Lines, RedisServer};
use crate::{cachestorm, commands, json, ndjson, stats_once};

/// Starts `cachestorm stats` with NDJSON on a pipe; the test reads rows as they come.
fn spawn_stats(args: &[&str]) -> (Child, Lines) {
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("cachestorm"))
        .arg("stats")
        .args(args)
        .args(["-o", "ndjson"])
        .env_remove("REDISCLI_AUTH")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting cachestorm");
    let lines = Lines::new(child.stdout.take().unwrap());
    (child, lines)
}

fn next_row(lines: &Lines) -> Value {
    let line = lines
        .next(30)
        .expect("cachestorm ended before the expected row");
    serde_json::from_str(&line).unwrap_or_else(|e| panic!("bad NDJSON ({e}): {line}"))
}

/// Counter increase over the row's interval, from its rate.
fn count_of(row: &Value, rate: &str) -> f64 {
    (row[rate].as_f64().unwrap() * row["interval_ms"].as_f64().unwrap() / 1000.0).round()
}

pub(crate) fn port(s: &RedisServer) -> String {
    s.port.to_string()
}

#[test]
fn interval_hit_rate_comes_from_deltas() {
    let s = RedisServer::start();
    let load = commands(1000, |i| format!("SET h:{i} v"));
    s.pipe(&load);
    let (mut child, lines) = spawn_stats(&["-p", &port(&s), "--interval", "1s"]);
    s.wait_for_first_poll();
    let traffic =
        commands(1000, |i| format!("GET h:{i}")) + &commands(500, |i| format!("GET miss:{i}"));
    s.pipe(&traffic);
    // The traffic may span rows on a busy machine: read rows until they account for all
    // of it (or a minute passes), never more.
    let (mut hits, mut misses) = (0.0, 0.0);
    for _ in 0..60 {
        let row = next_row(&lines);
        assert_eq!(row["status"], "ok", "{row}");
        assert_eq!(row["keys"], 1000);
        assert_eq!(row["role"], "master");
        assert!(row["ops_per_sec"].as_f64().unwrap() > 0.0);
        let (h, m) = (
            count_of(&row, "hits_per_sec"),
            count_of(&row, "misses_per_sec"),
        );
        if h + m > 0.0 {
            // Each row's hit % is its own interval's: hits over lookups in it.
            let pct = row["hit_pct"].as_f64().unwrap();
            assert!((pct - 100.0 * h / (h + m)).abs() < 0.01, "{row}");
        }
        hits += h;
        misses += m;
        if hits + misses >= 1500.0 {
            break;
        }
    }
    crate::util::interrupt(&child);
    let _ = child.wait();
    assert_eq!((hits, misses), (1000.0, 500.0));
}

#[test]
fn short_ttls_show_as_expired_per_sec() {
    let s = RedisServer::start();
    let p = port(&s);
    let (mut child, lines) = spawn_stats(&["-p", &p, "--interval", "500ms"]);
    // Rows come once two samples exist: the keys are set after that, so every expiry
    // falls inside a row's interval.
    next_row(&lines);
    s.pipe(&commands(200, |i| format!("SET ttl:{i} v PX 200")));
    // The server expires them when its expire cycle gets to them: read rows until the
    // rates account for all 200 (or a minute passes), never more.
    let mut expired = 0.0;
    for _ in 0..120 {
        let row = next_row(&lines);
        assert_eq!(row["status"], "ok", "{row}");
        expired += count_of(&row, "expired_per_sec");
        if expired >= 200.0 {
            break;
        }
    }
    crate::util::interrupt(&child);
    let _ = child.wait();
    assert_eq!(expired, 200.0);
    assert_eq!(s.info_field("expired_keys"), "200");
}

#[test]
fn memory_pressure_shows_evictions() {
    let s = RedisServer::with_args(&["--maxmemory", "4mb", "--maxmemory-policy", "allkeys-lru"]);
    let (mut child, lines) = spawn_stats(&["-p", &port(&s), "--interval", "1s"]);
    s.wait_for_first_poll();
    let value = "x".repeat(2048);
    let load = commands(3000, |i| format!("SET big:{i} {value}"));
    s.pipe(&load);
    assert_ne!(s.info_field("evicted_keys"), "0", "6 MB into 4 MB evicts");
    // The first row whose interval saw evictions (within a minute).
    let row = (0..60)
        .map(|_| next_row(&lines))
        .find(|row| row["evicted_per_sec"].as_f64().unwrap() > 0.0)
        .expect("a row with evictions");
    crate::util::interrupt(&child);
    let _ = child.wait();
    assert_eq!(row["maxmemory_bytes"], 4 * 1024 * 1024);
    assert!(row["used_memory_pct"].as_f64().unwrap() > 50.0, "{row}");
}

#[test]
fn config_resetstat_marks_the_interval_reset() {
    let s = RedisServer::start();
    let load = commands(1000, |i| format!("SET r:{i} v"));
    s.pipe(&load);
    let (mut child, lines) = spawn_stats(&["-p", &port(&s), "--interval", "2s", "--count", "2"]);
    s.wait_for_first_poll();
    s.cli(&["CONFIG", "RESETSTAT"]);
    let reset = next_row(&lines);
    // Traffic sent once the reset row is out, so in the next interval or later: 500 GETs
    // that all hit, fewer commands than the 1000 SETs before the reset.
    s.pipe(&commands(500, |i| format!("GET r:{i}")));
    let after = next_row(&lines);
    assert!(child.wait().unwrap().success());
    assert_eq!(reset["status"], "reset", "{reset}");
    assert!(reset["reason"].as_str().unwrap().contains("RESETSTAT"));
    assert!(reset["ops_per_sec"].is_null(), "no bogus rate: {reset}");
    assert_eq!(after["status"], "ok", "{after}");
    // Rates from the counters after the reset, not against the baseline before it (the
    // server has run fewer commands since the reset than before it: that delta would
    // saturate to 0). The previous poll's own INFO ran in this interval, so ops/s is above
    // 0 on any machine; hits are only the test's GETs, and nothing missed.
    assert!(after["ops_per_sec"].as_f64().unwrap() > 0.0, "{after}");
    assert!(count_of(&after, "hits_per_sec") <= 500.0, "{after}");
    assert_eq!(count_of(&after, "misses_per_sec"), 0.0, "{after}");
}

#[test]
fn a_dead_node_shows_down_and_rejoins() {
    let a = RedisServer::start();
    let mut b = RedisServer::start();
    let (mut child, lines) = spawn_stats(&[
        "--node",
        &a.addr(),
        "--node",
        &b.addr(),
        "--interval",
        "300ms",
        "--count",
        "60",
    ]);
    let row_of = |node: &str| loop {
        let r = next_row(&lines);
        if r["node"] == node {
            return r;
        }
    };
    assert_eq!(row_of(&b.addr())["status"], "ok");
    b.stop();
    let down = loop {
        let r = row_of(&b.addr());
        if r["status"] == "down" {
            break r;
        }
    };
    assert!(
        down["error"].as_str().unwrap().contains(&b.addr()),
        "{down}"
    );
    let total = row_of("total");
    assert_eq!(total["reason"], "1 of 2 nodes down", "{total}");
    assert_eq!(
        row_of(&a.addr())["status"],
        "ok",
        "the other node keeps reporting"
    );
    b.restart();
    let back = loop {
        let r = row_of(&b.addr());
        if r["status"] != "down" {
            break r;
        }
    };
    assert_eq!(back["status"], "reset", "{back}");
    assert!(
        back["reason"].as_str().unwrap().contains("restart"),
        "{back}"
    );
    assert_eq!(row_of(&b.addr())["status"], "ok");
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn redis_6_2_and_valkey_8_1_are_polled() {
    for (bin, label) in [(redis62_bin(), "redis 6.2"), (valkey_bin(), "valkey 8.1")] {
        let s = RedisServer::with(bin, &[]);
        s.pipe("SET a 1\nGET a\nGET b\n");
        let doc = stats_once(&["-p", &port(&s)]);
        let version = doc["nodes"][0]["version"].as_str().unwrap();
        assert!(version.starts_with(label), "{version}");
        assert_eq!(doc["samples"][0]["status"], "ok");
        assert_eq!(doc["samples"][0]["keys"], 1);
    }
}

#[test]
fn table_output_has_header_and_rows() {
    let s = RedisServer::start();
    let out = cachestorm()
        .args([
            "stats",
            "-p",
            &port(&s),
            "--count",
            "2",
            "--interval",
            "200ms",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].split_whitespace().eq([
        "time", "(UTC)", "node", "role", "ops/s", "hit%", "miss/s", "exp/s", "evict/s", "in/s",
        "out/s", "mem", "mem%", "frag", "clients", "blk", "keys", "lag", "status"
    ]));
    assert!(
        lines[1].contains(&s.addr()) && lines[1].ends_with("ok"),
        "{text}"
    );
    assert!(
        !text.contains('\x1b'),
        "no colour when NO_COLOR is set / not a terminal"
    );
}

#[test]
fn ctrl_c_prints_a_partial_report_and_exits_130() {
    let s = RedisServer::start();
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("cachestorm"))
        .args([
            "stats",
            "-p",
            &port(&s),
            "--interval",
            "200ms",
            "--count",
            "1000",
            "-o",
            "json",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    s.wait_for_first_poll();
    // Polls are sequential: the third INFO is sent only after the second one's row (the
    // first interval) was made, so the partial report has a sample.
    s.wait_for_calls("info", 3);
    crate::util::interrupt(&child);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130));
    let doc: Value = serde_json::from_slice(&out.stdout).expect("a JSON report");
    assert_eq!(doc["complete"], false);
    assert!(!doc["samples"].as_array().unwrap().is_empty());
}

#[test]
fn broken_pipe_exits_0() {
    let s = RedisServer::start();
    let bin = assert_cmd::cargo::cargo_bin("cachestorm");
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "{} stats -p {} --interval 50ms --count 200 -o ndjson | head -n 1 >/dev/null; echo ${{PIPESTATUS[0]}}",
            bin.display(),
            s.port
        ))
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "0",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn ndjson_rows_are_objects_per_line() {
    let s = RedisServer::start();
    let out = cachestorm()
        .args([
            "stats",
            "-p",
            &port(&s),
            "--count",
            "3",
            "--interval",
            "100ms",
            "-o",
            "ndjson",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let rows = ndjson(&out.stdout);
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[2]["seq"], 3);
    assert!(rows.iter().all(|r| r["node"] == s.addr()));
}

#[test]
fn duration_bounds_the_run() {
    let s = RedisServer::start();
    let p = port(&s);
    let doc = json(&[
        "stats",
        "-p",
        &p,
        "--interval",
        "300ms",
        "--duration",
        "1s",
        "-o",
        "json",
    ]);
    // The first poll, and one more at least; polls are 300 ms apart or more, so a run that
    // stops once 1s has passed has room for five at most, however fast the machine.
    let n = doc["samples"].as_array().unwrap().len();
    assert!((2..=5).contains(&n), "polls every 300ms for 1s, got {n}");
    assert_eq!(doc["complete"], true);
    assert_eq!(doc["interval_ms"], 300);
}

// Discovery.

// Usage and connection errors, no server needed.

#[test]
fn a_node_down_at_any_poll_means_exit_3_and_an_incomplete_report() {
    let a = RedisServer::start();
    let mut b = RedisServer::start();
    let (addr_a, addr_b) = (a.addr(), b.addr());
    let child = crate::spawn(&[
        "stats",
        "--node",
        &addr_a,
        "--node",
        &addr_b,
        "--interval",
        "200ms",
        "--count",
        "1000",
        "-o",
        "json",
    ]);
    b.wait_for_first_poll();
    b.stop();
    // Rows go on for the node that answers; the run ends by its Ctrl-C.
    a.wait_for_calls("info", 5);
    crate::util::interrupt(&child);
    let (code, doc, err) = crate::stdout_json(child);
    assert_eq!(code, Some(130), "Ctrl-C before --count wins: {err}");
    assert_eq!(doc["complete"], false);

    // Bounded by --count and with a node down all along: exit 3, the report still printed.
    let out = cachestorm()
        .args(["stats", "--node", &addr_a, "--node", &addr_b])
        .args(["--interval", "200ms", "--count", "2", "-o", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["complete"], false);
    let down = doc["samples"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["node"] == addr_b.as_str() && r["status"] == "down")
        .count();
    assert_eq!(down, 2, "{doc}");
}

#[test]
fn duration_ends_with_a_last_poll_on_the_deadline_and_rows_carry_sample_times() {
    let s = RedisServer::start();
    let doc = json(&[
        "stats",
        "-p",
        &port(&s),
        "--interval",
        "1s",
        "--duration",
        "1500ms",
        "-o",
        "json",
    ]);
    // Polls at 0, 1 s and 1.5 s (the deadline): two intervals, the last one shorter.
    let rows = doc["samples"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{doc}");
    let secs: Vec<f64> = rows
        .iter()
        .map(|r| r["interval_ms"].as_f64().unwrap())
        .collect();
    assert!(
        secs[1] < secs[0],
        "the last interval ends at the deadline: {secs:?}"
    );
    let times: Vec<&str> = rows.iter().map(|r| r["at"].as_str().unwrap()).collect();
    assert!(
        times[0] < times[1],
        "each row has its own sample time: {times:?}"
    );
}

#[test]
fn ctrl_c_before_the_first_interval_prints_the_header_and_says_so() {
    let s = RedisServer::start();
    let child = crate::spawn(&["stats", "-p", &port(&s), "--interval", "1h"]);
    s.wait_for_first_poll();
    crate::util::interrupt(&child);
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "Ctrl-C is the normal end without --count"
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("time"), "{text}");
    assert_eq!(text.lines().count(), 1, "{text}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no interval completed"), "{err}");
}

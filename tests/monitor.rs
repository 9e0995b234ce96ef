//! `monitor`: MONITOR captures written to files from real servers and a real cluster with
//! traffic driven here: filters, --max-lines, the output-buffer guard, Ctrl-C.

use std::process::Child;

use serde_json::Value;

use crate::util::{owns, Conn, RedisCluster, RedisServer};
use crate::{commands, finish_json, json, spawn};

/// `cachestorm monitor -p PORT -w <temp>/cap.log -o json EXTRA...`; returns the child, the
/// temp dir (keep it alive) and the capture path.
fn spawn_monitor(
    s: &RedisServer,
    extra: &[&str],
) -> (Child, tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cap.log");
    let p = s.port.to_string();
    let mut args = vec![
        "monitor",
        "-p",
        &p,
        "-w",
        file.to_str().unwrap(),
        "-o",
        "json",
    ];
    args.extend_from_slice(extra);
    let child = spawn(&args);
    (child, dir, file)
}

#[test]
fn monitor_writes_a_file_hotkeys_reads_back() {
    let s = RedisServer::start();
    // Ends at the 26th line: no race with the clock.
    let (child, _dir, file) = spawn_monitor(&s, &["--duration", "60s", "--max-lines", "26"]);
    s.wait_for_monitor();
    // A bare connection: redis-cli would add its own COMMAND DOCS to the capture.
    let mut c = Conn::open(s.port);
    for i in 0..25 {
        c.call(&["SET", &format!("k:{}", i % 5), "v"]);
    }
    c.call(&["GET", "bin\0key"]);
    let doc = finish_json(child);
    assert_eq!(doc["lines_written"], 26);
    // --max-lines ended it: a bound the user set, not a failure (exit 0 above).
    assert_eq!(doc["complete"], false);
    assert_eq!(doc["stopped_by"], "max_lines");
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(text.lines().count(), 26);
    assert!(text.contains(r#""GET" "bin\x00key""#), "{text}");
    let back = json(&["hotkeys", "--input", file.to_str().unwrap(), "-o", "json"]);
    assert_eq!(back["events"], 26);
    assert_eq!(back["keys"][0]["count"], 5);
    assert_eq!(back["source"]["skipped_lines"], 0);
}

#[test]
fn monitor_filters_and_max_lines() {
    let s = RedisServer::start();
    let p = s.port.to_string();
    let child = spawn(&[
        "monitor",
        "-p",
        &p,
        "--duration",
        "60s",
        "--command",
        "get,MGET",
        "--key-pattern",
        "user:*",
        "--max-lines",
        "15",
    ]);
    s.wait_for_monitor();
    s.pipe(&commands(10, |i| format!("SET user:{i} v")));
    s.pipe(&commands(10, |i| format!("GET item:{i}")));
    s.pipe(&commands(20, |i| format!("GET user:{i}")));
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 15, "{text}");
    assert!(
        lines.iter().all(|l| l.contains(r#""GET" "user:"#)),
        "{text}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("--max-lines reached"));
}

#[test]
fn monitor_on_a_cluster_writes_every_master() {
    let c = RedisCluster::start();
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("cap.log");
    let seed = c.nodes[0].port.to_string();
    // One key per master, in a slot it owns, chosen before the capture starts.
    let masters: Vec<_> = c
        .nodes
        .iter()
        .filter(|n| n.info_field("role") == "master")
        .collect();
    let expected: Vec<_> = masters
        .iter()
        .map(|n| {
            let key = (0..10_000)
                .map(|i| format!("k{i}"))
                .find(|k| {
                    n.cli(&["CLUSTER", "KEYSLOT", k])
                        .parse::<u16>()
                        .is_ok_and(|slot| {
                            n.cli(&["CLUSTER", "COUNTKEYSINSLOT", &slot.to_string()]) == "0"
                                && owns(n, slot)
                        })
                })
                .unwrap();
            (n, key)
        })
        .collect();
    // Ended by Ctrl-C once every master's stream is read: no race with the clock.
    let child = spawn(&[
        "monitor",
        "--cluster",
        "-p",
        &seed,
        "--duration",
        "60s",
        "-w",
        base.to_str().unwrap(),
        "-o",
        "json",
    ]);
    for n in &masters {
        // Replicas show no MONITOR client; masters do.
        n.wait_for_monitor();
    }
    // One write per master, straight to the node that owns each key's slot.
    for (n, key) in &expected {
        Conn::open(n.port).call(&["SET", key, "v"]);
    }
    for n in &masters {
        n.wait_for_monitor_drained();
    }
    crate::util::interrupt(&child);
    let (code, doc, err) = crate::stdout_json(child);
    assert_eq!(code, Some(130), "{err}");
    let expected: Vec<_> = expected.into_iter().map(|(n, k)| (n.addr(), k)).collect();
    let files = doc["files"].as_array().unwrap();
    assert_eq!(files.len(), 3, "{doc}");
    for (addr, key) in expected {
        let f = files
            .iter()
            .find(|f| f["node"] == addr.as_str())
            .unwrap_or_else(|| panic!("no file for {addr}"));
        let text = std::fs::read_to_string(f["path"].as_str().unwrap()).unwrap();
        assert!(
            text.contains(&format!("\"SET\" \"{key}\"")),
            "{addr}: {text}"
        );
        assert!(f["path"]
            .as_str()
            .unwrap()
            .contains(&addr.replace(':', "_")));
    }
}

#[test]
fn the_output_buffer_guard_stops_a_capture_that_falls_behind() {
    let s = RedisServer::start();
    let (child, _dir, _file) = spawn_monitor(
        &s,
        &[
            "--duration",
            "20s",
            "--max-server-buffer",
            "1mb",
            "--timeout",
            "30s",
        ],
    );
    s.wait_for_monitor();
    // 10 MB values of NUL bytes: the server turns each into a 40 MB MONITOR line ("\x00"
    // per byte) at once, faster than any reader takes it, so the output buffer grows.
    let big = "\0".repeat(10 << 20);
    let mut c = Conn::open(s.port);
    for _ in 0..3 {
        c.call(&["SET", "big", &big]);
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "a guard stop is a finished capture: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["complete"], false);
    let why = doc["stopped_early"].as_str().unwrap();
    assert!(
        why.contains("output buffer for MONITOR") && why.contains("--max-server-buffer"),
        "{why}"
    );
    assert!(doc["peak_server_buffer_bytes"].as_u64().unwrap() > 1 << 20);
    assert_eq!(doc["max_server_buffer_bytes"], 1 << 20);
    assert_eq!(doc["stopped_by"], "server_buffer_guard");
    assert!(
        doc["duration_ms"].as_f64().unwrap() < 20_000.0,
        "stopped before --duration"
    );
}

#[test]
fn the_guards_granularity_is_stated() {
    // The guard looks every 100 ms while the buffer is empty and faster as it fills
    // (source/monitor.rs tests the rule); --help says so, since a burst between two looks
    // can pass the limit.
    for cmd in ["monitor", "hotkeys", "patterns"] {
        let out = crate::cachestorm().args([cmd, "--help"]).output().unwrap();
        let help = String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            help.contains(
                "checked every 100 ms, every 10 ms once it holds data, every 2 ms past half"
            ),
            "{cmd} --help: {help}"
        );
    }
}

#[test]
fn ctrl_c_ends_a_capture_with_a_complete_flushed_file() {
    let s = RedisServer::start();
    let (child, _dir, file) = spawn_monitor(&s, &["--duration", "60s"]);
    s.wait_for_monitor();
    let mut c = Conn::open(s.port);
    for i in 0..500 {
        c.call(&["SET", &format!("k:{i}"), "v"]);
    }
    // The file is buffered until the end, so its lines cannot be counted yet: wait until
    // the capture has read every line the server fed it (none is left in the server or
    // the socket), then stop it.
    s.wait_for_monitor_drained();
    crate::util::interrupt(&child);
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["complete"], false);
    assert!(doc["stopped_early"].as_str().unwrap().contains("Ctrl-C"));
    assert_eq!(doc["lines_written"], 500);
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(
        text.lines().count(),
        500,
        "every line reported is in the file"
    );
    assert!(text.ends_with('\n'), "no half-written last line");
    assert!(text.lines().all(|l| l.contains(r#""SET" "k:"#)));
}

#[test]
fn a_server_lost_mid_capture_exits_3_with_the_capture_so_far() {
    let mut s = RedisServer::start();
    let (child, _dir, file) = spawn_monitor(&s, &["--duration", "60s"]);
    s.wait_for_monitor();
    let mut c = Conn::open(s.port);
    for i in 0..10 {
        c.call(&["SET", &format!("k:{i}"), "v"]);
    }
    s.wait_for_monitor_drained();
    s.stop();
    let (code, doc, err) = crate::stdout_json(child);
    assert_eq!(code, Some(3), "{err}");
    assert_eq!(doc["complete"], false);
    assert_eq!(doc["lines_written"], 10);
    // Whichever connection saw the server go first, the MONITOR connection's end is
    // what the report names (the server closed it, or reset it).
    let why = doc["stopped_early"].as_str().unwrap();
    assert!(
        why.contains("closed the MONITOR connection") || why.contains("MONITOR connection failed"),
        "{doc}"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap().lines().count(), 10);
}

#[test]
fn json_without_a_file_is_refused() {
    for format in ["json", "ndjson"] {
        let err = crate::fails(&["monitor", "-p", "1", "-o", format], 2);
        assert!(err.contains("needs -w FILE"), "{err}");
    }
}

#[test]
fn ndjson_with_a_file_prints_one_line_per_file() {
    let s = RedisServer::start();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cap.log");
    let p = s.port.to_string();
    let child = crate::spawn(&[
        "monitor",
        "-p",
        &p,
        "-w",
        file.to_str().unwrap(),
        "--duration",
        "60s",
        "--max-lines",
        "2",
        "-o",
        "ndjson",
    ]);
    s.wait_for_monitor();
    let mut c = Conn::open(s.port);
    c.call(&["GET", "a"]);
    c.call(&["GET", "b"]);
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = crate::ndjson(&out.stdout);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["lines"], 2);
    assert_eq!(lines[0]["node"], s.addr());
}

//! `detect` offline and at its edges: replays of recordings written the way another tool
//! would (a shell loop around `redis-cli INFO everything`: extra fields, no round trips,
//! lines out of order), exit codes, `--watch` events, thresholds, baselines, bad input,
//! and a live run recorded and replayed.

use serde_json::Value;

use crate::util::RedisServer;
use crate::{cachestorm, fails, ndjson, valid};

const TEMPLATE: &str = include_str!("../fixtures/info/redis-7.0-master.txt");

/// The fixture's INFO text with each `field:` line given a new value (for `cmdstat_*` the
/// whole value part).
fn info(fields: &[(&str, String)]) -> String {
    TEMPLATE
        .lines()
        .map(|l| {
            let key = l.split(':').next().unwrap_or("");
            match fields.iter().find(|(k, _)| *k == key) {
                Some((k, v)) => format!("{k}:{v}\r"),
                None => l.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A node's counters, advanced a second at a time.
struct Sim {
    t: f64,
    uptime: u64,
    hits: u64,
    misses: u64,
    sets: u64,
    keys: u64,
}

impl Sim {
    fn new() -> Self {
        Sim {
            t: 1_790_000_000.0,
            uptime: 3600,
            hits: 3_000_000,
            misses: 150_000,
            sets: 150_000,
            keys: 20_000,
        }
    }

    /// One second: `reads` GETs, `hit` of them hits, `sets` SETs.
    fn tick(&mut self, reads: u64, hit: f64, sets: u64) -> String {
        let h = (reads as f64 * hit) as u64;
        self.hits += h;
        self.misses += reads - h;
        self.sets += sets;
        self.uptime += 1;
        self.t += 1.0;
        let gets = self.hits + self.misses;
        let text = info(&[
            ("uptime_in_seconds", self.uptime.to_string()),
            ("keyspace_hits", self.hits.to_string()),
            ("keyspace_misses", self.misses.to_string()),
            ("total_commands_processed", (gets + self.sets).to_string()),
            (
                "cmdstat_get",
                format!(
                    "calls={gets},usec={gets},usec_per_call=1.00,rejected_calls=0,failed_calls=0"
                ),
            ),
            (
                "cmdstat_set",
                format!(
                    "calls={},usec={},usec_per_call=1.00,rejected_calls=0,failed_calls=0",
                    self.sets, self.sets
                ),
            ),
            ("db0", format!("keys={},expires=0,avg_ttl=0", self.keys)),
        ]);
        // What a shell loop writes: its own fields, no rtt_ms.
        serde_json::json!({"t": self.t, "node": "10.1.1.1:6379", "info": text, "host": "cache-1", "seq": self.uptime})
            .to_string()
    }
}

/// A recording: `calm` calm seconds, then `storm` seconds of GETs for ids nobody has.
fn penetration(calm: usize, storm: usize) -> (tempfile::NamedTempFile, f64) {
    let mut s = Sim::new();
    let mut lines: Vec<String> = (0..calm).map(|_| s.tick(2000, 0.95, 100)).collect();
    let onset = s.t;
    lines.extend((0..storm).map(|_| s.tick(6000, 0.32, 100)));
    // Out of order, as merged logs of several recorders come.
    lines.swap(1, 2);
    let f = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(f.path(), lines.join("\n") + "\n").unwrap();
    (f, onset)
}

fn run(args: &[&str]) -> (i32, Vec<u8>, String) {
    let out = cachestorm().args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn doc(stdout: &[u8]) -> Value {
    valid(serde_json::from_slice(stdout).expect("one JSON document"))
}

#[test]
fn replay_names_the_storm_and_exits_1() {
    let (f, onset) = penetration(15, 12);
    let path = f.path().to_str().unwrap();
    let (code, out, err) = run(&["detect", "--replay", path, "-o", "json"]);
    assert_eq!(code, 1, "{err}");
    let d = doc(&out);
    assert_eq!(d["verdict"], "storm");
    assert_eq!(d["primary_class"], "penetration");
    assert_eq!(d["affected_nodes"][0], "10.1.1.1:6379");
    let t = d["onset_t"].as_f64().unwrap();
    assert!(
        t > onset && t <= onset + 3.0,
        "onset {t} vs storm from {onset}"
    );
    let class = &d["classes"][0];
    assert_eq!(class["class"], "penetration");
    assert!(class["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["metric"] == "misses_per_sec"));
    assert!(d["runbook"][0]["next_commands"][0]
        .as_str()
        .unwrap()
        .contains("-h 10.1.1.1 -p 6379"));
    assert_eq!(d["sampling"]["source"], "replay");
    assert_eq!(d["complete"], true);
    // The table says the same.
    let (code, out, _) = run(&["detect", "--replay", path]);
    assert_eq!(code, 1);
    let text = String::from_utf8_lossy(&out);
    assert!(text.starts_with("STORM: penetration ("), "{text}");
}

#[test]
fn calm_recording_is_healthy_and_exits_0() {
    let (f, _) = penetration(25, 0);
    let (code, out, err) = run(&[
        "detect",
        "--replay",
        f.path().to_str().unwrap(),
        "-o",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let d = doc(&out);
    assert_eq!(d["verdict"], "healthy");
    assert_eq!(d["primary_class"], Value::Null);
    assert_eq!(d["severity"], Value::Null);
    assert_eq!(d["nodes"][0]["hit_pct"], 95.0);
}

#[test]
fn watch_on_replay_prints_each_change_with_the_recordings_time() {
    let (f, onset) = penetration(15, 12);
    let (code, out, _) = run(&[
        "detect",
        "--replay",
        f.path().to_str().unwrap(),
        "--watch",
        "-o",
        "ndjson",
    ]);
    assert_eq!(code, 1);
    let events = ndjson(&out);
    assert_eq!(events[0]["event"], "verdict");
    assert_eq!(events[0]["verdict"], "healthy");
    let storm = events
        .iter()
        .find(|e| e["primary_class"] == "penetration")
        .expect("a penetration event");
    let t = storm["t"].as_f64().unwrap();
    assert!(t > onset && t <= onset + 10.0, "{t} vs {onset}");
}

#[test]
fn thresholds_listed_and_overridden() {
    let (code, out, _) = run(&["detect", "--thresholds"]);
    assert_eq!(code, 0);
    let text = String::from_utf8_lossy(&out);
    assert!(
        text.contains("hit_pct_critical") && text.contains("70"),
        "{text}"
    );
    let (code, out, _) = run(&[
        "detect",
        "--thresholds",
        "--threshold",
        "hit_pct_critical=60",
        "-o",
        "json",
    ]);
    assert_eq!(code, 0);
    let d = doc(&out);
    let row = d["thresholds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "hit_pct_critical")
        .unwrap()
        .clone();
    assert_eq!(
        (row["value"].as_f64(), row["default"].as_f64()),
        (Some(60.0), Some(70.0))
    );
    let err = fails(&["detect", "--threshold", "nope=1", "--thresholds"], 2);
    assert!(err.contains("no threshold named \"nope\""), "{err}");
    // Raising the fire score past every score silences the detector.
    let (f, _) = penetration(15, 12);
    let (code, _, _) = run(&[
        "detect",
        "--replay",
        f.path().to_str().unwrap(),
        "--threshold",
        "score_fire=1.5",
        "--threshold",
        "score_storm=2",
    ]);
    assert_eq!(code, 0);
}

#[test]
fn bad_recordings_are_input_errors() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.ndjson");
    std::fs::write(&junk, "hello\n{\"t\": 1}\n").unwrap();
    let err = fails(&["detect", "--replay", junk.to_str().unwrap()], 2);
    assert!(
        err.contains("no INFO samples") && err.contains("junk.ndjson:1"),
        "{err}"
    );
    let err = fails(
        &[
            "detect",
            "--replay",
            dir.path().join("none").to_str().unwrap(),
        ],
        2,
    );
    assert!(err.contains("none"), "{err}");
    // Good samples with a bad line among them: reported, marked incomplete, exit by verdict.
    let (f, _) = penetration(25, 0);
    let mut text = std::fs::read_to_string(f.path()).unwrap();
    text.push_str("{not json\n");
    std::fs::write(f.path(), text).unwrap();
    let (code, out, err) = run(&[
        "detect",
        "--replay",
        f.path().to_str().unwrap(),
        "-o",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("1 recording line(s) skipped"), "{err}");
    let d = doc(&out);
    assert_eq!(d["complete"], false);
    assert_eq!(d["sampling"]["bad_lines"], 1);
}

#[test]
fn no_server_is_exit_3() {
    let port = crate::util::free_port(false).to_string();
    let err = fails(&["detect", "-p", &port, "--duration", "1s"], 3);
    assert!(err.contains("cannot connect"), "{err}");
}

#[test]
fn live_run_records_replays_and_saves_a_baseline() {
    let s = RedisServer::start();
    s.pipe(&crate::commands(500, |i| format!("SET k:{i} v")));
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("rec.ndjson");
    let base = dir.path().join("base.json");
    let port = s.port.to_string();
    let (code, out, err) = run(&[
        "detect",
        "-p",
        &port,
        "--duration",
        "2s",
        "--interval",
        "500ms",
        "--record",
        rec.to_str().unwrap(),
        "--save-baseline",
        base.to_str().unwrap(),
        "-o",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let live = doc(&out);
    assert_eq!(live["verdict"], "healthy");
    assert_eq!(live["nodes"][0]["keys"], 500);
    assert!(live["sampling"]["rounds"].as_u64().unwrap() >= 4);
    // Every INFO line of the recording has its round trip; SLOWLOG and LATENCY too.
    let lines: Vec<Value> = std::fs::read_to_string(&rec)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(lines
        .iter()
        .filter(|l| l["info"].is_string())
        .all(|l| l["rtt_ms"].as_f64().is_some()));
    assert!(lines.iter().any(|l| l["slowlog"].is_object()));
    assert!(lines.iter().any(|l| l["latency"].is_array()));
    // The recording replays to the same verdict, against the saved baseline.
    let (code, out, err) = run(&[
        "detect",
        "--replay",
        rec.to_str().unwrap(),
        "--baseline",
        base.to_str().unwrap(),
        "-o",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let replayed = doc(&out);
    assert_eq!(replayed["nodes"][0]["node"], live["nodes"][0]["node"]);
    assert_eq!(replayed["baseline"]["kind"], "saved");
    // Live too: the saved baseline is what the next run compares with.
    let (code, out, err) = run(&[
        "detect",
        "-p",
        &port,
        "--duration",
        "1s",
        "--interval",
        "500ms",
        "--baseline",
        base.to_str().unwrap(),
        "-o",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(doc(&out)["baseline"]["kind"], "saved");
    // A baseline of other nodes is refused.
    let (f, _) = penetration(5, 0);
    let err = fails(
        &[
            "detect",
            "--replay",
            f.path().to_str().unwrap(),
            "--baseline",
            base.to_str().unwrap(),
        ],
        2,
    );
    assert!(err.contains("another topology"), "{err}");
}

#[test]
fn a_ttl_sample_forecasts_keys_set_to_expire_together() {
    let s = RedisServer::start();
    s.pipe(&crate::commands(3000, |i| format!("SET wave:{i} v EX 40")));
    let port = s.port.to_string();
    let (code, out, err) = run(&[
        "detect",
        "-p",
        &port,
        "--duration",
        "1s",
        "--interval",
        "500ms",
        "--ttl-sample",
        "1000",
        "-o",
        "json",
    ]);
    assert_eq!(code, 1, "{err}");
    let d = doc(&out);
    assert_eq!(d["primary_class"], "mass_expiration", "{d}");
    let ev = &d["classes"][0]["evidence"];
    assert!(
        ev.as_array()
            .unwrap()
            .iter()
            .any(|e| e["metric"] == "ttl_cliff_pct"),
        "{d}"
    );
    assert!(
        d["sampling"]["monitor"][0]
            .as_str()
            .unwrap()
            .contains("TTL sample"),
        "{d}"
    );
}

//! `detect`: each storm scenario of tests/util/storm.rs is run against real servers and
//! recorded (the scenario itself checks, from the recording, that the storm really
//! happened on the servers), then `cachestorm detect --replay` must name its class, from
//! the whole recording and from the cut that starts at the onset (no calm period to
//! compare with); the healthy workloads must raise no alarm. Two scenarios are also
//! detected live, with `detect` started during the calm period.

use std::path::Path;
use std::process::{Child, Output};
use std::time::Duration;

use serde_json::Value;

use crate::util::recording::cut;
use crate::util::storm::{self, Outcome, Step};
use crate::{cachestorm, spawn};

/// `cachestorm detect --replay FILE -o json`: its exit code and document.
fn replay(file: &Path) -> (Option<i32>, Value) {
    let file = file.to_str().expect("a UTF-8 path");
    let out = cachestorm()
        .args(["detect", "--replay", file, "-o", "json"])
        .output()
        .expect("running cachestorm");
    document(&out, &format!("detect --replay {file}"))
}

fn document(out: &std::process::Output, what: &str) -> (Option<i32>, Value) {
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{what}: stdout is not JSON ({e}), exit {:?}\nstdout: {}\nstderr: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code(), checked(doc))
}

/// The report, checked against its schema.
fn checked(doc: Value) -> Value {
    crate::valid(doc)
}

/// What the report of a recording of `o` must say: the expected primary class, a storm
/// or degraded verdict with exit 1 (healthy: verdict healthy, no primary class, exit 0).
fn assert_verdict(o: &Outcome, code: Option<i32>, doc: &Value, what: &str) {
    let classes: Vec<&Value> = doc["classes"].as_array().into_iter().flatten().collect();
    let context = format!(
        "{} ({what}): effect on the servers: {}\nreport: verdict {} primary_class {} classes {:?}",
        o.scenario, o.effect, doc["verdict"], doc["primary_class"], classes
    );
    if o.expected == "healthy" {
        assert_eq!(doc["verdict"], "healthy", "{context}");
        assert!(doc["primary_class"].is_null(), "{context}");
        assert_eq!(code, Some(0), "{context}");
    } else {
        assert_eq!(doc["primary_class"], o.expected, "{context}");
        let verdict = doc["verdict"].as_str().unwrap_or_default();
        assert!(verdict == "storm" || verdict == "degraded", "{context}");
        assert_eq!(code, Some(1), "{context}");
    }
}

/// Runs `scenario`, then replays its recording (and, for a storm, the cut at the onset).
fn scenario(name: &str) {
    scenario_with(name, true)
}

/// [`scenario`], with or without the cut at the onset.
fn scenario_with(name: &str, check_cut: bool) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(format!("{name}.ndjson"));
    let o = storm::run(name, &path, &mut |_| {});
    let (code, doc) = replay(&o.path);
    assert_verdict(&o, code, &doc, "whole recording");
    if o.expected != "healthy" {
        // The onset is when the server showed the storm: a forecast may come a little
        // before the trigger, and an import takes a machine-dependent while to fill memory
        // before evictions start; within the 10 s detection goal either way.
        let onset_t = doc["onset_t"].as_f64();
        assert!(
            onset_t.is_some_and(|t| t >= o.onset - 3.0 && t <= o.onset + 10.0),
            "{name}: onset_t {:?}, the storm began at {:.3}",
            doc["onset_t"],
            o.onset
        );
        if !check_cut {
            return;
        }
        let from_onset = dir.path().join(format!("{name}.from-onset.ndjson"));
        cut(&o.path, &from_onset, o.onset);
        let (code, doc) = replay(&from_onset);
        assert_verdict(&o, code, &doc, "cut at the onset");
    }
}

#[test]
fn cold_start() {
    scenario("cold_start");
}

#[test]
fn mass_invalidation() {
    scenario("mass_invalidation");
}

#[test]
fn mass_invalidation_flush() {
    scenario("mass_invalidation_flush");
}

#[test]
fn mass_expiration() {
    scenario("mass_expiration");
}

/// One hot key on a single node: from INFO alone it is a read surge against the calm
/// samples (degraded, suspected); a window that starts mid-storm has no calm samples to
/// compare with, so only a MONITOR sample can name it: `live_deep_hot_key` checks that.
#[test]
fn hot_key() {
    scenario_with("hot_key", false);
}

#[test]
fn hot_key_cluster() {
    scenario("hot_key_cluster");
}

#[test]
fn memory_pressure() {
    scenario("memory_pressure");
}

#[test]
fn replication_master_down() {
    scenario("replication_master_down");
}

#[test]
fn replication_link_down() {
    scenario("replication_link_down");
}

#[test]
fn penetration() {
    scenario("penetration");
}

#[test]
fn breakdown() {
    scenario("breakdown");
}

#[test]
fn connection_storm() {
    scenario("connection_storm");
}

#[test]
fn slow_commands() {
    scenario("slow_commands");
}

#[test]
fn healthy_steady() {
    scenario("healthy_steady");
}

#[test]
fn healthy_bursty() {
    scenario("healthy_bursty");
}

#[test]
fn healthy_ttl_churn() {
    scenario("healthy_ttl_churn");
}

/// How long a live detect samples: the calm period (5 s, and a late start on a busy
/// machine) leaves well over its 10 s window of storm.
const LIVE_DURATION: &str = "22s";

/// Runs `scenario` with `cachestorm detect -p PORT ARGS -o json` started during its calm
/// period (the storm is triggered once detect has had its first INFO answered), and waits
/// for detect to end before the scenario stops its load and its servers: every node
/// answered every sample of the window detect assessed. Its exit code and document.
fn run_live(scenario: &str, path: &Path, args: &[&str]) -> (Outcome, Option<i32>, Value) {
    let mut child = None;
    let mut out = None;
    let o = storm::run_with(scenario, path, &mut |step| match step {
        Step::Calm(servers) => {
            let s = servers[0];
            let port = s.port.to_string();
            let mut all = vec!["detect", "-p", &port, "--duration", LIVE_DURATION];
            all.extend_from_slice(args);
            all.extend_from_slice(&["-o", "json"]);
            child = Some(spawn(&all));
            s.wait_for_first_poll();
        }
        Step::Recorded => {
            out = Some(wait_within(child.take().expect("detect started"), 90));
        }
    });
    let what = format!("live detect of {scenario} (extra args {args:?})");
    let (code, doc) = document(&out.expect("detect waited for"), &what);
    let nodes = doc["nodes"].as_array().expect("nodes");
    assert!(!nodes.is_empty(), "{what}: {doc}");
    for n in nodes {
        assert_eq!(n["missed_samples"], 0, "{what}: {n}");
    }
    (o, code, doc)
}

/// Waits for a spawned run to exit and returns its output; kills it (by its id) and fails
/// the test if it has not exited within `secs` seconds.
fn wait_within(child: Child, secs: u64) -> Output {
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(Duration::from_secs(secs)) {
        Ok(out) => out.expect("waiting for detect"),
        Err(_) => {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
            panic!("detect still running {secs}s after the scenario's last sample");
        }
    }
}

/// `cachestorm detect -p PORT --duration 22s -o json` started during the calm period names
/// the class live.
fn live(name: &str) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(format!("{name}.ndjson"));
    let (o, code, doc) = run_live(name, &path, &[]);
    assert_verdict(&o, code, &doc, "live");
}

#[test]
fn live_mass_invalidation() {
    live("mass_invalidation");
}

#[test]
fn live_penetration() {
    live("penetration");
}

/// `detect --deep --record`, started during the calm period of the single-node hot key:
/// INFO cannot rule a hot key out on a busy node without a baseline, so --deep takes a
/// MONITOR sample, which names the key; the recording (MONITOR lines included) replays to
/// the same class, also from the onset on.
#[test]
fn live_deep_hot_key() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("hot_key.ndjson");
    let rec = dir.path().join("deep.ndjson");
    let rec_arg = rec.to_str().unwrap().to_string();
    // The MONITOR sample follows the INFO window, the viral load still running.
    let (o, code, doc) = run_live(
        "hot_key",
        &path,
        &["--deep", "--monitor", "2s", "--record", &rec_arg],
    );
    assert_verdict(&o, code, &doc, "live --deep");
    let hot = doc["classes"][0]["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["metric"] == "key_share_pct")
        .unwrap_or_else(|| panic!("no MONITOR evidence: {doc}"));
    assert!(hot["says"].as_str().unwrap().contains("product:0"), "{hot}");
    let (code, doc) = replay(&rec);
    assert_verdict(&o, code, &doc, "replay of the --deep recording");
    let from_onset = dir.path().join("deep.from-onset.ndjson");
    cut(&rec, &from_onset, o.onset);
    let (code, doc) = replay(&from_onset);
    assert_verdict(&o, code, &doc, "cut of the --deep recording at the onset");
}

//! The one integration-test binary: drives the real `cachestorm` binary and parses its
//! output. One module per subcommand (a test that runs two goes where its main subject
//! is), plus help, README examples and the generated files; live tests start real servers
//! on loopback (tests/util). This file holds the helpers they share.

mod util;

mod bigkeys;
mod detect;
mod detect_replay;
mod generated;
mod glob;
mod help;
mod hotkeys;
mod hotkeys_live;
mod keyspace;
mod monitor;
mod patterns;
mod readme;
mod stats;
mod target;
mod warm;
mod warm_cluster;

use std::process::{Child, Stdio};

use assert_cmd::Command;
use serde_json::Value;

/// The binary under test, with a clean environment for the variables it reads, killed if
/// it runs for more than two minutes (a hang fails the test instead of stalling the suite).
pub fn cachestorm() -> Command {
    let mut c = Command::cargo_bin("cachestorm").expect("binary built");
    c.timeout(std::time::Duration::from_secs(120))
        .env_remove("REDISCLI_AUTH")
        .env_remove("CACHESTORM_SENTINEL_AUTH")
        .env("NO_COLOR", "1");
    c
}

/// Runs with `args`, expects exit 0 and one JSON document on stdout.
pub fn json(args: &[&str]) -> Value {
    let out = cachestorm()
        .args(args)
        .output()
        .expect("running cachestorm");
    assert!(
        out.status.success(),
        "cachestorm {args:?} exited {:?}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    valid(doc)
}

/// Checks a document against its JSON Schema in docs/schema/ (named by its `schema`
/// field) and hands it back: every document a test reads is checked this way.
pub fn valid(doc: Value) -> Value {
    let name = doc["schema"]
        .as_str()
        .unwrap_or_else(|| panic!("a document without a schema name: {doc}"));
    let shape = name
        .strip_prefix("cachestorm.")
        .and_then(|s| s.strip_suffix("/v1"))
        .unwrap_or_else(|| panic!("schema name {name}"));
    let path = format!("{}/docs/schema/{shape}.v1.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let schema: Value = serde_json::from_str(&text).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("{path}: {e}"));
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{name}: {}\n{doc}", errors.join("\n"));
    doc
}

/// `cachestorm stats ARGS --count 1 --interval 300ms -o json`: one interval, as JSON.
pub fn stats_once(args: &[&str]) -> Value {
    let mut all = vec!["stats"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--count", "1", "--interval", "300ms", "-o", "json"]);
    json(&all)
}

/// Runs with `args`, expects exit `code`, nothing on stdout, and returns stderr.
pub fn fails(args: &[&str], code: i32) -> String {
    let out = cachestorm()
        .args(args)
        .output()
        .expect("running cachestorm");
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(code), "cachestorm {args:?}: {err}");
    assert!(
        out.stdout.is_empty(),
        "no report on failure: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    err
}

/// `n` lines of redis-cli input, line `i` made by `f(i)`.
pub fn commands(n: usize, f: impl Fn(usize) -> String) -> String {
    (0..n).map(|i| f(i) + "\n").collect()
}

/// Parses NDJSON output: one object per line.
pub fn ndjson(stdout: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad NDJSON line ({e}): {l}")))
        .collect()
}

/// Starts `cachestorm ARGS` with piped stdout and stderr (a live capture, or a scan the
/// test acts on while it runs).
pub fn spawn(args: &[&str]) -> Child {
    std::process::Command::new(assert_cmd::cargo::cargo_bin("cachestorm"))
        .args(args)
        .env_remove("REDISCLI_AUTH")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting cachestorm")
}

/// Waits for a spawned run; expects exit 0 and one JSON document on stdout.
pub fn finish_json(child: Child) -> Value {
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    valid(
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout))),
    )
}

/// Ends a live capture once it has read all the traffic the test sent (so exact counts
/// never depend on how fast this machine is): waits until the server's MONITOR streams
/// are drained, sends Ctrl-C, expects exit 130 and a partial report, and returns it.
pub fn interrupt_when_drained(child: Child, server: &util::RedisServer) -> Value {
    server.wait_for_monitor_drained();
    util::interrupt(&child);
    let (code, doc, err) = stdout_json(child);
    assert_eq!(code, Some(130), "{err}");
    assert_eq!(doc["complete"], false, "{doc}");
    doc
}

/// Waits for a spawned run: its exit code, its JSON document on stdout, and its stderr.
pub fn stdout_json(child: Child) -> (Option<i32>, Value, String) {
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    let doc = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}\nstderr: {err}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    (out.status.code(), valid(doc), err)
}

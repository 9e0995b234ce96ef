//! `warm`: keys from a log with known frequencies warmed hottest first and exactly `--top`,
//! values copied from a real source server with their TTLs, existing keys left alone,
//! nothing deleted, `--max-time` and `--rate` bounds, the Valkey 9.1 → Redis 7.0 typed
//! fallback, and bad input.

use serde_json::Value;

use crate::util::{valkey91_bin, RedisServer};
use crate::{cachestorm, fails, valid};

/// A log in which `product:N` is requested `N_REQUESTS[N]` times, plus lines the regex
/// does not match.
fn log(dir: &std::path::Path) -> std::path::PathBuf {
    let mut text = String::new();
    for (n, times) in [(1, 50), (2, 40), (3, 30), (4, 20), (5, 10), (6, 5)] {
        for _ in 0..times {
            text.push_str(&format!(
                "10.0.0.9 - - [01/Dec/2026:10:00:00 +0000] \"GET /product/{n} HTTP/1.1\" 200 512\n"
            ));
        }
    }
    text.push_str("10.0.0.9 - - [01/Dec/2026:10:00:01 +0000] \"GET /healthz HTTP/1.1\" 200 2\n");
    let p = dir.join("access.log");
    std::fs::write(&p, text).unwrap();
    p
}

/// A keys file of `PREFIX:0` .. `PREFIX:{n-1}`, one a line.
pub(crate) fn keys_file(dir: &std::path::Path, prefix: &str, n: usize) -> std::path::PathBuf {
    let p = dir.join("keys.txt");
    let text: String = (0..n).map(|i| format!("{prefix}:{i}\n")).collect();
    std::fs::write(&p, text).unwrap();
    p
}

pub(crate) fn run(args: &[&str]) -> (i32, Value, String) {
    let out = cachestorm().args(args).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    let doc = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{err}", String::from_utf8_lossy(&out.stdout)));
    (out.status.code().unwrap_or(-1), valid(doc), err)
}

/// The PTTLs of `keys` on `s`, read on one connection, each checked to lie within
/// `lo_s..=hi_s` seconds less the time since `since` (when the TTLs were set or copied: a
/// TTL only falls, and a busy machine may take seconds to get here).
fn ttls_in_band(
    s: &RedisServer,
    keys: &[String],
    (lo_s, hi_s): (i64, i64),
    since: std::time::Instant,
) -> Vec<i64> {
    let mut c = crate::util::Conn::open(s.port);
    let ttls: Vec<i64> = keys
        .iter()
        .map(|k| {
            c.call(&["PTTL", k])
                .trim_start_matches(':')
                .parse()
                .unwrap()
        })
        .collect();
    let waited = since.elapsed().as_millis() as i64;
    let (lo, hi) = (lo_s * 1000 - waited - 1, hi_s * 1000);
    for (k, t) in keys.iter().zip(&ttls) {
        assert!(
            (lo..=hi).contains(t),
            "{k}: PTTL {t} outside {lo}..={hi} ({waited} ms since set)"
        );
    }
    ttls
}

pub(crate) fn commandstat(s: &RedisServer, cmd: &str) -> u64 {
    s.cli(&["INFO", "commandstats"])
        .lines()
        .find(|l| l.starts_with(&format!("cmdstat_{cmd}:")))
        .and_then(|l| l.split("calls=").nth(1))
        .and_then(|v| v.split(',').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

#[test]
fn hottest_first_exactly_top_with_ttls_and_nothing_clobbered() {
    let dir = tempfile::tempdir().unwrap();
    let log = log(dir.path());
    let (source, target) = (RedisServer::start(), RedisServer::start());
    let set_at = std::time::Instant::now();
    for n in 1..=6 {
        source.cli(&[
            "SET",
            &format!("product:{n}:info"),
            &format!("v{n}"),
            "EX",
            "300",
        ]);
    }
    source.cli(&["SET", "product:4:info", "v4"]); // no TTL
    target.cli(&["SET", "product:2:info", "fresher"]);
    let src = format!("redis://127.0.0.1:{}", source.port);
    let (tp, log) = (target.port.to_string(), log.to_str().unwrap().to_string());
    let base = [
        "warm",
        "-p",
        &tp,
        "--from-log",
        &log,
        "--key-regex",
        r"GET /product/(\d+)",
        "--key-template",
        "product:{1}:info",
        "--source",
        &src,
        "--top",
        "4",
        "-o",
        "json",
    ];
    let (code, plan, _) = run(&[&base[..], &["--dry-run"]].concat());
    assert_eq!(code, 0);
    assert_eq!(plan["targeted"], 4);
    assert_eq!(plan["sources"][0]["unmatched"], 1);
    let first: Vec<&str> = plan["first_keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap())
        .collect();
    assert_eq!(
        first,
        [
            "product:1:info",
            "product:2:info",
            "product:3:info",
            "product:4:info"
        ]
    );
    assert_eq!(target.cli(&["DBSIZE"]), "1", "a dry run writes nothing");

    let (code, rep, err) = run(&base);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        (rep["written"].as_u64(), rep["skipped_existing"].as_u64()),
        (Some(3), Some(1))
    );
    assert_eq!(rep["complete"], true);
    assert_eq!(
        target.cli(&["GET", "product:2:info"]),
        "fresher",
        "never clobbered"
    );
    assert_eq!(target.cli(&["GET", "product:1:info"]), "v1");
    // The TTL kept, less the time since it was set.
    ttls_in_band(&target, &["product:1:info".into()], (300, 300), set_at);
    assert_eq!(target.cli(&["TTL", "product:4:info"]), "-1");
    assert_eq!(
        target.cli(&["EXISTS", "product:5:info"]),
        "0",
        "beyond --top"
    );
    for s in [&source, &target] {
        for cmd in ["del", "unlink", "flushdb", "flushall"] {
            assert_eq!(commandstat(s, cmd), 0, "{cmd} sent");
        }
    }
    // --overwrite replaces it.
    let (code, rep, _) = run(&[&base[..], &["--overwrite"]].concat());
    assert_eq!(code, 0);
    assert_eq!(rep["written"], 4);
    assert_eq!(target.cli(&["GET", "product:2:info"]), "v2");
}

#[test]
fn bounds_short_ttls_and_missing_keys() {
    let dir = tempfile::tempdir().unwrap();
    let (source, target) = (RedisServer::start(), RedisServer::start());
    let keys: String = (0..400).map(|i| format!("k:{i}\n")).collect();
    let file = dir.path().join("keys.txt");
    std::fs::write(&file, keys + "absent\n").unwrap();
    source.pipe(&crate::commands(400, |i| format!("SET k:{i} v")));
    source.cli(&["SET", "k:0", "soon", "PX", "400"]);
    let src = format!("redis://127.0.0.1:{}", source.port);
    let tp = target.port.to_string();
    let f = file.to_str().unwrap();
    // At 100 keys/s for one second, the deadline ends it with keys left to write.
    let (code, rep, err) = run(&[
        "warm",
        "-p",
        &tp,
        "--keys-file",
        f,
        "--source",
        &src,
        "--rate",
        "100",
        "--pipeline",
        "10",
        "--max-time",
        "1s",
        "-o",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(rep["complete"], false);
    assert_eq!(rep["stopped_by"], "max_time");
    let done = rep["written"].as_u64().unwrap();
    assert!(done > 0 && done < 400, "{rep}");
    // The pace hands out a slot of 10 keys every 0.1 s and nothing is written after the
    // deadline: at most 10 batches, however fast or slow the machine.
    assert!(done <= 110, "{rep}");
    // The rest: `absent` is missing; the key with a 400 ms TTL is skipped as under
    // --min-ttl 1s, or missing once it has expired; nothing else is left out.
    let (code, rep, _) = run(&[
        "warm",
        "-p",
        &tp,
        "--keys-file",
        f,
        "--source",
        &src,
        "-o",
        "json",
    ]);
    assert_eq!(code, 0);
    let n = |f: &str| rep[f].as_u64().unwrap();
    assert!(n("missing_in_source") >= 1, "{rep}");
    assert_eq!(n("missing_in_source") + n("skipped_short_ttl"), 2, "{rep}");
    assert_eq!(n("written") + n("skipped_existing"), 399, "{rep}");
    assert_eq!(
        target.cli(&["EXISTS", "k:0"]),
        "0",
        "never written to expire at once"
    );
}

#[test]
fn a_newer_engines_payload_takes_the_typed_copy() {
    let dir = tempfile::tempdir().unwrap();
    let source = RedisServer::with(valkey91_bin(), &[]);
    let target = RedisServer::start();
    source.cli(&["HSET", "h", "a", "1", "b", "2"]);
    source.cli(&["RPUSH", "l", "x", "y", "z"]);
    source.cli(&["ZADD", "z", "1.5", "m"]);
    let set_at = std::time::Instant::now();
    source.cli(&["SET", "s", "str", "EX", "100"]);
    let file = dir.path().join("keys.txt");
    std::fs::write(&file, "h\nl\nz\ns\n").unwrap();
    let src = format!("redis://127.0.0.1:{}", source.port);
    let (code, rep, err) = run(&[
        "warm",
        "-p",
        &target.port.to_string(),
        "--keys-file",
        file.to_str().unwrap(),
        "--source",
        &src,
        "--verify",
        "10",
        "-o",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        (rep["written"].as_u64(), rep["typed_fallback"].as_u64()),
        (Some(4), Some(4))
    );
    // Across engines the payloads differ; the values are the same.
    assert_eq!(
        (
            rep["verified"]["sampled"].as_u64(),
            rep["verified"]["same"].as_u64()
        ),
        (Some(4), Some(4)),
        "{rep}"
    );
    assert_eq!(target.cli(&["HGET", "h", "b"]), "2");
    assert_eq!(target.cli(&["LRANGE", "l", "0", "-1"]), "x\ny\nz");
    assert_eq!(target.cli(&["ZSCORE", "z", "m"]), "1.5");
    ttls_in_band(&target, &["s".into()], (100, 100), set_at);
}

#[test]
fn bad_input_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let s = RedisServer::start();
    let p = s.port.to_string();
    let err = fails(&["warm", "-p", &p, "--source", "redis://127.0.0.1:1"], 2);
    assert!(err.contains("name where the keys come from"), "{err}");
    let log = log(dir.path());
    let l = log.to_str().unwrap();
    let err = fails(
        &[
            "warm",
            "-p",
            &p,
            "--from-log",
            l,
            "--key-regex",
            "GET /product",
            "--dry-run",
        ],
        2,
    );
    assert!(err.contains("group"), "{err}");
    let src = format!("redis://127.0.0.1:{p}");
    let err = fails(
        &[
            "warm",
            "-p",
            &p,
            "--from-log",
            l,
            "--key-regex",
            r"/product/(\d+)",
            "--source",
            &src,
        ],
        2,
    );
    assert!(err.contains("the target itself"), "{err}");
    // Flags that would do nothing with the value source named are refused, not ignored.
    for extra in [
        &["--source-file", l, "--min-ttl", "2s"][..],
        &["--source", &src, "--retries", "5"],
        &["--source", &src, "--concurrency", "4"],
        &["--source", &src, "--from-source-scan", "--top", "5"],
        &["--source", &src, "--ttl", "10s"],
    ] {
        let err = fails(
            &[&["warm", "-p", &p, "--keys-file", l][..], extra].concat(),
            2,
        );
        assert!(err.contains("cannot be used with"), "{extra:?}: {err}");
    }
}

#[test]
fn ttl_jitter_spreads_ttls_inside_the_band() {
    let dir = tempfile::tempdir().unwrap();
    let (source, target) = (RedisServer::start(), RedisServer::start());
    let set_at = std::time::Instant::now();
    source.pipe(&crate::commands(200, |i| format!("SET j:{i} v EX 1000")));
    let file = keys_file(dir.path(), "j", 200);
    let src = format!("redis://127.0.0.1:{}", source.port);
    let (code, rep, err) = run(&[
        "warm",
        "-p",
        &target.port.to_string(),
        "--keys-file",
        file.to_str().unwrap(),
        "--source",
        &src,
        "--ttl-jitter",
        "10",
        "--measure",
        "300ms",
        "-o",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(rep["written"], 200);
    for m in ["measured_before", "measured_after"] {
        assert!(rep[m]["window_ms"].as_f64().unwrap() >= 300.0, "{rep}");
    }
    // 1000 s ± 10 %, less the time since the source's keys were set.
    let keys: Vec<String> = (0..200).map(|i| format!("j:{i}")).collect();
    let ttls = ttls_in_band(&target, &keys, (900, 1100), set_at);
    let (lo, hi) = (*ttls.iter().min().unwrap(), *ttls.iter().max().unwrap());
    assert!(hi - lo >= 100_000, "spread: {lo}..{hi} ms");
}

#[test]
fn an_interrupted_run_resumes_from_its_checkpoint_writing_no_key_twice() {
    let dir = tempfile::tempdir().unwrap();
    let (source, target) = (RedisServer::start(), RedisServer::start());
    source.pipe(&crate::commands(600, |i| format!("SET r:{i} v{i}")));
    let file = keys_file(dir.path(), "r", 600);
    let cp = dir.path().join("warm.checkpoint");
    let src = format!("redis://127.0.0.1:{}", source.port);
    let tp = target.port.to_string();
    let (f, c) = (file.to_str().unwrap(), cp.to_str().unwrap());
    let args = [
        "warm",
        "-p",
        &tp,
        "--keys-file",
        f,
        "--source",
        &src,
        "--checkpoint",
        c,
        "-o",
        "json",
    ];
    let child = crate::spawn(&[&args[..], &["--rate", "200", "--pipeline", "20"]].concat());
    let done = || -> u64 {
        std::fs::read_to_string(&cp)
            .ok()
            .and_then(|t| serde_json::from_str::<Value>(&t).ok())
            .and_then(|v| v["done"].as_u64())
            .unwrap_or(0)
    };
    crate::util::wait_until("the checkpoint to pass 100 keys", 30, || done() >= 100);
    crate::util::interrupt(&child);
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let first: Value = valid(serde_json::from_slice(&out.stdout).unwrap());
    assert_eq!(first["interrupted"], true);
    let saved = done();
    assert!(saved < 600, "{saved}");
    // Resumed: the rest, after the keys the checkpoint says were handled.
    let (code, second, err) = run(&[&args[..], &["--resume"]].concat());
    assert_eq!(code, 0, "{err}");
    assert_eq!(second["resumed_after"].as_u64(), Some(saved));
    let written = first["written"].as_u64().unwrap() + second["written"].as_u64().unwrap();
    assert_eq!(written, 600, "{first}\n{second}");
    assert_eq!(target.cli(&["DBSIZE"]), "600");
    // Ctrl-C lets the batch being written finish and counts it in the last save: the
    // resumed run sends no key a second time, so exactly one RESTORE per key.
    assert_eq!(second["skipped_existing"], 0, "{second}");
    assert_eq!(commandstat(&target, "restore"), 600);
    // Another plan's checkpoint is refused.
    let other = fails(
        &[
            "warm",
            "-p",
            &tp,
            "--keys-file",
            f,
            "--source",
            &src,
            "--checkpoint",
            c,
            "--resume",
            "--top",
            "5",
        ],
        2,
    );
    assert!(other.contains("another run"), "{other}");
}

#[test]
fn the_target_stops_the_warm_before_it_evicts() {
    let dir = tempfile::tempdir().unwrap();
    let source = RedisServer::start();
    let target =
        RedisServer::with_args(&["--maxmemory", "3mb", "--maxmemory-policy", "allkeys-lru"]);
    let value = "x".repeat(1000);
    source.pipe(&crate::commands(5000, |i| format!("SET m:{i} {value}")));
    let file = keys_file(dir.path(), "m", 5000);
    let src = format!("redis://127.0.0.1:{}", source.port);
    let tp = target.port.to_string();
    let args = [
        "warm",
        "-p",
        &tp,
        "--keys-file",
        file.to_str().unwrap(),
        "--source",
        &src,
        "--rate",
        "500",
        "--pipeline",
        "50",
        "-o",
        "json",
    ];
    // The plan (about 5 MB) does not fit under 90% of 3 MB: refused before any write.
    let err = fails(&args, 2);
    assert!(err.contains("headroom") && err.contains("--force"), "{err}");
    assert_eq!(target.cli(&["DBSIZE"]), "0");
    // Forced, the guard stops it as memory fills.
    let (code, rep, err) = run(&[&args[..], &["--force"]].concat());
    assert_eq!(code, 0, "{err}");
    assert!(
        rep["estimated_bytes"].as_u64().unwrap() > 4_000_000,
        "{rep}"
    );
    assert!(rep["headroom_bytes"].as_u64().unwrap() < 3_000_000, "{rep}");
    assert_eq!(rep["stopped_by"], "memory_guard", "{rep}");
    assert!(rep["written"].as_u64().unwrap() < 5000, "{rep}");
    assert_eq!(target.info_field("evicted_keys"), "0", "{rep}");
}

#[test]
fn a_source_that_dies_mid_run_is_exit_3_and_what_was_written_stays() {
    let dir = tempfile::tempdir().unwrap();
    let mut source = RedisServer::start();
    let target = RedisServer::start();
    source.pipe(&crate::commands(2000, |i| format!("SET d:{i} v")));
    let file = keys_file(dir.path(), "d", 2000);
    let src = format!("redis://127.0.0.1:{}", source.port);
    let tp = target.port.to_string();
    let child = crate::spawn(&[
        "warm",
        "-p",
        &tp,
        "--keys-file",
        file.to_str().unwrap(),
        "--source",
        &src,
        "--rate",
        "200",
        "--pipeline",
        "20",
        "-o",
        "json",
    ]);
    crate::util::wait_until("some keys on the target", 30, || {
        target.cli(&["DBSIZE"]).parse::<u64>().unwrap_or(0) >= 100
    });
    source.stop();
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rep: Value = valid(serde_json::from_slice(&out.stdout).unwrap());
    assert_eq!(rep["stopped_by"], "node_lost");
    let written = rep["written"].as_u64().unwrap();
    assert!(rep["failed"].as_u64().unwrap() > 0, "{rep}");
    assert_eq!(target.cli(&["DBSIZE"]), written.to_string());
}

#[test]
fn values_from_a_jsonl_file_with_set_nx_and_jittered_ttls() {
    let dir = tempfile::tempdir().unwrap();
    let target = RedisServer::start();
    target.cli(&["SET", "f:1", "fresher"]);
    let mut lines: Vec<String> = (0..100)
        .map(|i| format!(r#"{{"key": "f:{i}", "value": "v{i}", "ttl_ms": 600000}}"#))
        .collect();
    lines.push(r#"{"key": "bin", "value_b64": "AP8="}"#.into());
    lines.push("{not json".into());
    let values = dir.path().join("values.jsonl");
    std::fs::write(&values, lines.join("\n") + "\n").unwrap();
    let keys = dir.path().join("keys.txt");
    let mut k: String = (0..100).map(|i| format!("f:{i}\n")).collect();
    k.push_str("bin\nnot-in-file\n");
    std::fs::write(&keys, k).unwrap();
    let started = std::time::Instant::now();
    let (code, rep, err) = run(&[
        "warm",
        "-p",
        &target.port.to_string(),
        "--keys-file",
        keys.to_str().unwrap(),
        "--source-file",
        values.to_str().unwrap(),
        "--ttl",
        "1h",
        "-o",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("1 of 102 lines"), "{err}");
    let n = |f: &str| rep[f].as_u64().unwrap();
    assert_eq!(
        (n("written"), n("skipped_existing"), n("missing_in_source")),
        (100, 1, 1)
    );
    assert_eq!(target.cli(&["GET", "f:1"]), "fresher");
    assert_eq!(target.cli(&["STRLEN", "bin"]), "2");
    // The lines' 600 s TTL, spread ±10% by default; `bin` has none in its line: --ttl 1h.
    let keys: Vec<String> = (2..100).map(|i| format!("f:{i}")).collect();
    let ttls = ttls_in_band(&target, &keys, (540, 660), started);
    let (lo, hi) = (*ttls.iter().min().unwrap(), *ttls.iter().max().unwrap());
    assert!(hi - lo >= 60_000, "spread: {lo}..{hi} ms");
    ttls_in_band(&target, &["bin".into()], (3240, 3960), started);
}

#[test]
fn a_killed_scan_resumes_from_its_saved_cursor_writing_no_key_twice() {
    let dir = tempfile::tempdir().unwrap();
    let (source, target) = (RedisServer::start(), RedisServer::start());
    source.pipe(&crate::commands(2000, |i| format!("SET q:{i} v{i}")));
    let cp = dir.path().join("scan.checkpoint");
    let src = format!("redis://127.0.0.1:{}", source.port);
    let tp = target.port.to_string();
    let c = cp.to_str().unwrap();
    let args = [
        "warm",
        "-p",
        &tp,
        "--from-source-scan",
        "--source",
        &src,
        "--checkpoint",
        c,
        "--pipeline",
        "50",
    ];
    let mut child = crate::spawn(&[&args[..], &["--rate", "500", "-o", "ndjson"]].concat());
    let saved = || -> Value {
        std::fs::read_to_string(&cp)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or(Value::Null)
    };
    // 800 keys at --rate 500 take over 1.5 s: a progress event (once a second) came first.
    crate::util::wait_until("the checkpoint to pass 800 keys", 30, || {
        saved()["done"].as_u64().unwrap_or(0) >= 800
    });
    child.kill().unwrap(); // SIGKILL: no report, no last save
    let out = child.wait_with_output().unwrap();
    // The NDJSON progress events it printed while running.
    let events = crate::ndjson(&out.stdout);
    assert!(
        !events.is_empty(),
        "no progress event in a run of over a second"
    );
    assert!(events
        .iter()
        .all(|e| e["event"] == "progress" && e["total"].is_null()));
    let cp1 = saved();
    assert!(cp1["scan"].is_array(), "{cp1}");
    let before: u64 = target.cli(&["DBSIZE"]).parse().unwrap();
    assert!((800..2000).contains(&before), "{before}");
    let (code, second, err) = run(&[&args[..], &["--resume", "-o", "json"]].concat());
    assert_eq!(code, 0, "{err}");
    assert_eq!(second["resumed_after"], cp1["done"], "{second}");
    assert_eq!(target.cli(&["DBSIZE"]), "2000");
    // Keys written after the last save met the no-overwrite rule: never a second write.
    let again = second["skipped_existing"].as_u64().unwrap();
    assert_eq!(commandstat(&target, "restore"), 2000 + again);
    assert_eq!(
        before + second["written"].as_u64().unwrap(),
        2000,
        "{second}"
    );
}

/// Keys `PREFIX:0`.. for each (prefix, n), one a line.
fn keys_of(dir: &std::path::Path, sets: &[(&str, usize)]) -> std::path::PathBuf {
    let p = dir.join("external-keys.txt");
    let text: String = sets
        .iter()
        .flat_map(|(prefix, n)| (0..*n).map(move |i| format!("{prefix}:{i}\n")))
        .collect();
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn sigterm_stops_a_warm_and_ends_the_commands_it_started() {
    let dir = tempfile::tempdir().unwrap();
    let target = RedisServer::start();
    let file = keys_of(dir.path(), &[("slow", 4)]);
    let d = dir.path().display();
    // No exec: each command's shell starts a pipeline, notes its pid, and waits.
    let cmd = format!("sleep 60 | cat & echo $! > {d}/\"$1\".pid; wait # {{key}}");
    let child = crate::spawn(&[
        "warm",
        "-p",
        &target.port.to_string(),
        "--keys-file",
        file.to_str().unwrap(),
        "--source-cmd",
        &cmd,
        "--timeout",
        "120s",
        "--concurrency",
        "2",
        "-o",
        "json",
    ]);
    let pid_file = |i: usize| dir.path().join(format!("slow:{i}.pid"));
    crate::util::wait_until("the first commands to start", 60, || {
        pid_file(0).exists() && pid_file(1).exists()
    });
    crate::util::signal(&child, "TERM");
    let (code, rep, err) = crate::stdout_json(child);
    assert_eq!(code, Some(130), "{err}");
    assert_eq!(rep["stopped_by"], "interrupted", "{rep}");
    assert_eq!(rep["complete"], false, "{rep}");
    assert_eq!(rep["written"], 0, "{rep}");
    assert_eq!(target.cli(&["DBSIZE"]), "0");
    // The commands' processes did not outlive the run.
    for i in 0..2 {
        let pid = std::fs::read_to_string(pid_file(i)).unwrap();
        let stat = format!("/proc/{}/stat", pid.trim());
        crate::util::wait_until(&format!("slow:{i}'s pipeline to end"), 10, || {
            std::fs::read_to_string(&stat)
                .map(|st| {
                    st.rsplit(')')
                        .next()
                        .unwrap_or("")
                        .trim_start()
                        .starts_with('Z')
                })
                .unwrap_or(true)
        });
    }
}

#[test]
fn values_from_a_command_per_key_with_failures_counted() {
    let dir = tempfile::tempdir().unwrap();
    let target = RedisServer::start();
    target.cli(&["SET", "good:0", "fresher"]);
    let file = keys_of(dir.path(), &[("good", 40), ("bad", 5), ("none", 5)]);
    let cmd = r#"case {key} in bad:*) echo "no such row" >&2; exit 3;; none:*) ;; *) printf 'v:%s' {key};; esac"#;
    let started = std::time::Instant::now();
    let (code, rep, err) = run(&[
        "warm",
        "-p",
        &target.port.to_string(),
        "--keys-file",
        file.to_str().unwrap(),
        "--source-cmd",
        cmd,
        "--ttl",
        "60s",
        "--concurrency",
        "4",
        "-o",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(rep["written"], 39, "{rep}");
    assert_eq!(rep["skipped_existing"], 1, "{rep}");
    assert_eq!(rep["missing_in_source"], 5, "{rep}");
    assert_eq!(rep["failed"], 5, "{rep}");
    assert_eq!(
        rep["failures"][0]["reason"], "source: exit 3: no such row",
        "{rep}"
    );
    assert_eq!(target.cli(&["GET", "good:0"]), "fresher");
    assert_eq!(target.cli(&["GET", "good:7"]), "v:good:7");
    assert_eq!(target.cli(&["EXISTS", "bad:1", "none:1"]), "0");
    // --ttl 60s spread by the default 10 % jitter.
    let keys: Vec<String> = (1..40).map(|i| format!("good:{i}")).collect();
    let ttls = ttls_in_band(&target, &keys, (54, 66), started);
    assert!(ttls.iter().min() != ttls.iter().max(), "{ttls:?}");
    // A command that fails every key of the first batch the same way stops the run.
    let (code, rep, err) = run(&[
        "warm",
        "-p",
        &target.port.to_string(),
        "--keys-file",
        file.to_str().unwrap(),
        "--source-cmd",
        "no-such-command-here {key}",
        "-o",
        "json",
    ]);
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("every key so far failed the same way"),
        "{err}"
    );
    assert_eq!(rep["stopped_by"], "node_lost", "{rep}");
    assert_eq!(rep["written"], 0, "{rep}");
}

/// An HTTP server on a free loopback port: `/items/gone:*` is 404, `/items/err:*` 500,
/// anything else 200 with `h:` and the key; counts requests per key kind.
fn http_source() -> (u16, std::sync::Arc<std::sync::atomic::AtomicU64>) {
    use std::io::{BufRead, BufReader, Write};
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let errs = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let counted = errs.clone();
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(s) = s else { return };
            let counted = counted.clone();
            std::thread::spawn(move || {
                let mut r = BufReader::new(s.try_clone().unwrap());
                let mut w = s;
                loop {
                    let mut line = String::new();
                    if r.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
                    loop {
                        let mut h = String::new();
                        if r.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                            break;
                        }
                    }
                    let key = path.trim_start_matches("/items/").replace("%3A", ":");
                    let (status, body) = if key.starts_with("gone:") {
                        ("404 Not Found", String::new())
                    } else if key.starts_with("err:") {
                        counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        ("500 Internal Server Error", "db down".to_string())
                    } else {
                        ("200 OK", format!("h:{key}"))
                    };
                    let resp = format!(
                        "HTTP/1.1 {status}\r\nContent-Length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    if w.write_all(resp.as_bytes()).is_err() {
                        return;
                    }
                }
            });
        }
    });
    (port, errs)
}

#[test]
fn values_from_http_with_retries_and_an_unreachable_source() {
    let dir = tempfile::tempdir().unwrap();
    let target = RedisServer::start();
    let (port, errs) = http_source();
    let file = keys_of(dir.path(), &[("item", 30), ("gone", 4), ("err", 3)]);
    let url = format!("http://127.0.0.1:{port}/items/{{key}}");
    let tp = target.port.to_string();
    let (code, rep, err) = run(&[
        "warm",
        "-p",
        &tp,
        "--keys-file",
        file.to_str().unwrap(),
        "--source-http",
        &url,
        "--retries",
        "1",
        "-o",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(rep["written"], 30, "{rep}");
    assert_eq!(rep["missing_in_source"], 4, "{rep}");
    assert_eq!(rep["failed"], 3, "{rep}");
    let reason = rep["failures"][0]["reason"].as_str().unwrap();
    assert!(reason.contains("HTTP 500 after 2 tries"), "{reason}");
    // One retry each: two requests per failing key.
    assert_eq!(errs.load(std::sync::atomic::Ordering::SeqCst), 6);
    assert_eq!(target.cli(&["GET", "item:3"]), "h:item:3");
    // No TTL asked, none given.
    assert_eq!(target.cli(&["TTL", "item:3"]), "-1");
    // A source that is not there: one line, exit 3, nothing written, the report says so.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_port = dead.local_addr().unwrap().port();
    drop(dead);
    target.cli(&["FLUSHALL"]);
    let (code, rep, err) = run(&[
        "warm",
        "-p",
        &tp,
        "--keys-file",
        file.to_str().unwrap(),
        "--source-http",
        &format!("http://127.0.0.1:{dead_port}/items/{{key}}"),
        "-o",
        "json",
    ]);
    assert_eq!(code, 3, "{err}");
    // The plan, then one line saying why it stopped.
    assert_eq!(err.lines().count(), 2, "{err}");
    assert!(
        err.lines().nth(1).unwrap().contains("connection refused"),
        "{err}"
    );
    assert_eq!(rep["stopped_by"], "node_lost", "{rep}");
    assert_eq!(rep["failed"], 37, "{rep}");
    assert_eq!(target.cli(&["DBSIZE"]), "0");
}

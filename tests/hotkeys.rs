//! `hotkeys` on capture files (the bundled fixtures, stdin, gzip, bad input; counts checked
//! against an independent count made here). Live captures are in `hotkeys_live.rs`.

use std::collections::HashMap;
use std::io::Write;

use serde_json::Value;

use crate::{cachestorm, fails, json};

pub(crate) const SHOP: &str = "fixtures/monitor/redis-7.0-shop.log";

const EDGE: &str = "fixtures/monitor/edge-cases.log";

pub(crate) fn fixture(rel: &str) -> String {
    format!("{}/{rel}", env!("CARGO_MANIFEST_DIR"))
}

/// Key counts of the shop capture, by a deliberately naive reading of the file: split the
/// quoted arguments on `" "` (no argument in this capture contains that sequence) and
/// take the keys by hand for the few commands the workload uses.
pub(crate) fn naive_key_counts() -> HashMap<String, u64> {
    let text = std::fs::read_to_string(fixture(SHOP)).unwrap();
    let mut counts = HashMap::new();
    for line in text.lines().skip(1) {
        let rest = &line[line.find("] \"").unwrap() + 3..line.len() - 1];
        let args: Vec<&str> = rest.split("\" \"").collect();
        let keys: Vec<&str> = match args[0].to_ascii_lowercase().as_str() {
            "mget" | "del" => args[1..].to_vec(),
            "eval" => {
                let n: usize = args[2].parse().unwrap();
                args[3..3 + n].to_vec()
            }
            _ => vec![args[1]],
        };
        for k in keys {
            *counts.entry(k.to_string()).or_insert(0) += 1;
        }
    }
    counts
}

fn hotkeys(file: &str, extra: &[&str]) -> Value {
    let path = fixture(file);
    let mut args = vec!["hotkeys", "--input", &path, "-o", "json"];
    args.extend_from_slice(extra);
    json(&args)
}

#[test]
fn shop_capture_top_keys_match_an_independent_count() {
    let doc = hotkeys(SHOP, &["--top", "10"]);
    let naive = naive_key_counts();
    let mut expected: Vec<(&String, &u64)> = naive.iter().collect();
    expected.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let keys = doc["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 10);
    for (got, (name, count)) in keys.iter().zip(expected) {
        assert_eq!(got["key"], name.as_str());
        assert_eq!(got["count"], *count, "{name}");
    }
    let total: u64 = naive.values().sum();
    let share = keys[0]["share_pct"].as_f64().unwrap();
    assert!((share - naive["config:feature-flags"] as f64 * 100.0 / total as f64).abs() < 1e-9);
    assert_eq!(doc["schema"], "cachestorm.hotkeys/v1");
    assert_eq!(doc["target"]["mode"], "file");
    assert_eq!(doc["complete"], true);
    assert_eq!(doc["counting"]["mode"], "exact");
    assert_eq!(doc["counting"]["distinct_keys"], naive.len());
    assert_eq!(doc["source"]["skipped_lines"], 0);
    assert!(keys[0]["hot"].as_bool().unwrap());
}

#[test]
fn shop_capture_signatures() {
    let doc = hotkeys(SHOP, &[]);
    let st = &doc["stampedes"][0];
    assert_eq!(st["key"], "product:1001:price");
    assert_eq!(st["writes"], 12);
    assert_eq!(st["distinct_writers"], 12);
    assert_eq!(
        doc["stampedes"].as_array().unwrap().len(),
        1,
        "counters (INCR) are not stampedes"
    );
    let p = &doc["penetration"];
    assert_eq!(p["by_pattern"][0]["pattern"], "user:*:profile");
    assert!(p["verified"].is_null(), "offline: not verified");
    let w = &doc["expiry_wave"];
    // Every SET ... EX 300, SETEX 1800, EXPIRE 60 and SET ... EX 60 in the capture.
    let text = std::fs::read_to_string(fixture(SHOP)).unwrap();
    let ttls = text
        .lines()
        .filter(|l| l.contains("\"EX\"") || l.contains("\"SETEX\"") || l.contains("\"EXPIRE\""))
        .count();
    assert_eq!(w["ttls_set"], ttls as u64);
    assert!(w["largest"]["ttls"].as_u64().unwrap() > 0);
}

#[test]
fn edge_cases_capture() {
    let doc = hotkeys(EDGE, &["--top", "50"]);
    let count = |k: &str| {
        doc["keys"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["key"] == k)
            .map(|x| x["count"].as_u64().unwrap())
            .unwrap_or_else(|| panic!("{k} not listed"))
    };
    assert_eq!(count("shared:counter"), 50, "unix and IPv6 clients");
    assert_eq!(count("bin\\x00\\xff:key"), 40);
    assert_eq!(count("lua:a"), 30, "EVAL keys + the script's own GET");
    assert_eq!(count("lua:b"), 15);
    assert_eq!(count("quote\\\"and\\\\slash"), 25);
    assert_eq!(count("nl\\x0akey"), 10);
    assert_eq!(count("m:1"), 12 + 6 + 5);
    assert_eq!(count("m:4"), 6);
    assert_eq!(count("m:5"), 5);
    assert_eq!(count("doc:1"), 8, "module command: first argument");
    assert_eq!(count("db3:key"), 7);
    assert_eq!(count("crlf:key"), 1);
    assert_eq!(count("plus:key"), 1);
    assert_eq!(doc["unknown_commands"][0]["name"], "json.get");
    assert_eq!(doc["source"]["skipped_lines"], 5);
    assert_eq!(
        doc["source"]["skipped_line_numbers"],
        serde_json::json!([2, 100, 150, 200, 201])
    );
    let clients: Vec<&str> = doc["clients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(
        clients.contains(&"unix:/var/run/redis/redis.sock") && clients.contains(&"lua"),
        "{clients:?}"
    );
    let m1 = doc["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["key"] == "m:1")
        .unwrap();
    assert_eq!(
        (m1["reads"].as_u64(), m1["writes"].as_u64()),
        (Some(12), Some(11))
    );
}

#[test]
fn table_output_of_the_edge_cases() {
    let out = cachestorm()
        .args(["hotkeys", "--input", &fixture(EDGE), "--top", "5"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout)
        .unwrap()
        .replace(&fixture(EDGE), EDGE);
    insta::assert_snapshot!(text);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("5 of 201 lines are not MONITOR lines"),
        "{err}"
    );
}

#[test]
fn stdin_and_gzip_give_the_same_report() {
    let file = hotkeys(SHOP, &[]);
    let data = std::fs::read(fixture(SHOP)).unwrap();
    let out = cachestorm()
        .args(["hotkeys", "--input", "-", "-o", "json"])
        .write_stdin(data.clone())
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdin: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(stdin["keys"], file["keys"]);
    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join("shop.log.gz");
    let mut enc = flate2_writer(&gz);
    enc.write_all(&data).unwrap();
    drop(enc);
    let gz_doc = json(&["hotkeys", "--input", gz.to_str().unwrap(), "-o", "json"]);
    assert_eq!(gz_doc["keys"], file["keys"]);
}

/// A gzip writer via the system `gzip` (keeps flate2 out of the test dependencies).
fn flate2_writer(path: &std::path::Path) -> impl Write {
    struct Gz(std::process::Child);
    impl Write for Gz {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.stdin.as_mut().unwrap().write(b)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    impl Drop for Gz {
        fn drop(&mut self) {
            drop(self.0.stdin.take());
            assert!(self.0.wait().unwrap().success());
        }
    }
    let f = std::fs::File::create(path).unwrap();
    Gz(std::process::Command::new("gzip")
        .arg("-c")
        .stdin(std::process::Stdio::piped())
        .stdout(f)
        .spawn()
        .expect("gzip"))
}

#[test]
fn bad_inputs_give_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    std::fs::write(p("empty.log"), b"").unwrap();
    let err = fails(&["hotkeys", "--input", &p("empty.log")], 2);
    assert!(err.contains("no MONITOR events"), "{err}");

    let garbage: Vec<u8> = (0..200_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    std::fs::write(p("garbage.bin"), &garbage).unwrap();
    let err = fails(&["hotkeys", "--input", &p("garbage.bin")], 2);
    assert!(
        err.contains("no MONITOR events") && err.contains("first at lines 1"),
        "{err}"
    );

    // One 100 MB line: skipped without holding it, then a good line is still counted.
    let mut big = vec![b'x'; 100 << 20];
    big.extend_from_slice(b"\n1700000000.000001 [0 1.2.3.4:5] \"GET\" \"after\"\n");
    std::fs::write(p("long.log"), &big).unwrap();
    let doc = json(&["hotkeys", "--input", &p("long.log"), "-o", "json"]);
    assert_eq!(doc["keys"][0]["key"], "after");
    assert_eq!(
        doc["source"]["skipped_line_numbers"],
        serde_json::json!([1])
    );

    // A gzip cut in the middle: a report of what came before, and exit 2.
    let gz = dir.path().join("cut.log.gz");
    let mut w = flate2_writer(&gz);
    w.write_all(&std::fs::read(fixture(SHOP)).unwrap()).unwrap();
    drop(w);
    let bytes = std::fs::read(&gz).unwrap();
    std::fs::write(&gz, &bytes[..bytes.len() / 2]).unwrap();
    let out = cachestorm()
        .args(["hotkeys", "--input", gz.to_str().unwrap(), "-o", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let doc: Value = serde_json::from_slice(&out.stdout).expect("partial report");
    assert_eq!(doc["complete"], false);
    assert!(doc["events"].as_u64().unwrap() > 0);
    assert!(String::from_utf8_lossy(&out.stderr).contains("ends early"));

    assert!(fails(&["hotkeys", "--input", "/nonexistent/x.log"], 2).contains("/nonexistent/x.log"));
    assert!(fails(&["hotkeys", "--input", dir.path().to_str().unwrap()], 2).contains("folder"));
    assert!(fails(
        &["patterns", "--input", &fixture(SHOP), "--rule", "nope"],
        2
    )
    .contains("REGEX=REPLACEMENT"));
}

#[test]
fn timeline_lists_per_second_counts() {
    let doc = hotkeys(SHOP, &["--top", "1", "--timeline"]);
    let k = &doc["keys"][0];
    let sum: u64 = k["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["events"].as_u64().unwrap())
        .sum();
    assert_eq!(sum, k["count"].as_u64().unwrap());
    let peak = k["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["events"].as_u64().unwrap())
        .max()
        .unwrap();
    assert_eq!(peak, k["peak_per_sec"].as_u64().unwrap());
}

#[test]
fn any_number_of_counting_threads_gives_the_same_report() {
    for file in [
        "fixtures/monitor/redis-7.0-shop.log",
        "fixtures/monitor/edge-cases.log",
    ] {
        let report = |threads: &str| {
            let mut doc = hotkeys(file, &["--threads", threads, "--top", "1000", "--timeline"]);
            doc.as_object_mut().unwrap().remove("generated_at");
            doc
        };
        let one = report("1");
        for n in ["2", "3", "8"] {
            assert_eq!(one, report(n), "{file} with --threads {n}");
        }
    }
    let err = fails(&["hotkeys", "-p", "1", "--threads", "2"], 2);
    assert!(err.contains("--threads goes with --input"), "{err}");
}

/// The earliest and latest event times of a capture file, in microseconds, read here.
fn first_and_last_us(file: &str) -> (u64, u64) {
    let text = std::fs::read_to_string(fixture(file)).unwrap();
    let us: Vec<u64> = text
        .lines()
        .filter_map(|l| l.split_once(' '))
        .filter_map(|(t, _)| t.split_once('.'))
        .filter_map(|(s, u)| Some(s.parse::<u64>().ok()? * 1_000_000 + u.parse::<u64>().ok()?))
        .collect();
    (*us.iter().min().unwrap(), *us.iter().max().unwrap())
}

#[test]
fn rates_divide_by_the_span_the_report_states() {
    let doc = hotkeys(SHOP, &["--top", "5"]);
    let (first, last) = first_and_last_us(SHOP);
    let span = doc["span_ms"].as_f64().unwrap() / 1000.0;
    assert!((span - (last - first) as f64 / 1e6).abs() < 1e-9, "{span}");
    let events = doc["events"].as_f64().unwrap();
    let rate = doc["events_per_sec"].as_f64().unwrap();
    assert!(
        (rate - events / span).abs() < 1e-9,
        "{rate} != {events} / {span}"
    );
    for k in doc["keys"].as_array().unwrap() {
        let (n, r) = (
            k["count"].as_f64().unwrap(),
            k["rate_per_sec"].as_f64().unwrap(),
        );
        assert!((r - n / span).abs() < 1e-9, "{k}");
    }
    // Event times keep their microseconds: 1795391047.850150 is the first.
    assert_eq!(doc["first_event_at"], "2026-11-22T23:44:07.850150Z");
    assert_eq!(doc["last_event_at"], "2026-11-22T23:44:13.603337Z");
    // The table's headline says the same: 3125 events over 5.75s, 543.2/s.
    let out = cachestorm()
        .args(["hotkeys", "--input", &fixture(SHOP), "--top", "1"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let headline = format!("3125 events over {span:.2}s, {:.1}/s", 3125.0 / span);
    assert!(text.contains(&headline), "{headline} in\n{text}");
}

#[test]
fn a_capture_of_one_instant_has_no_rate() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("one.log");
    std::fs::write(
        &f,
        "1700000000.250000 [0 10.0.0.1:5000] \"GET\" \"k\"\n\
         1700000000.250000 [0 10.0.0.2:5000] \"GET\" \"k\"\n",
    )
    .unwrap();
    let path = f.to_str().unwrap();
    let doc = json(&["hotkeys", "--input", path, "-o", "json"]);
    assert_eq!(doc["span_ms"], 0.0);
    assert!(doc["events_per_sec"].is_null(), "{doc}");
    assert!(doc["keys"][0]["rate_per_sec"].is_null());
    assert_eq!(doc["keys"][0]["hot"], true, "hot by share still");
    let out = cachestorm()
        .args(["hotkeys", "--input", path])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("2 events in one instant (no span, no rate)"),
        "{text}"
    );
}

#[test]
fn distinct_clients_never_exceed_a_keys_count() {
    for file in [SHOP, EDGE] {
        let doc = hotkeys(file, &["--top", "1000"]);
        for k in doc["keys"].as_array().unwrap() {
            assert!(
                k["distinct_clients"].as_u64() <= k["count"].as_u64(),
                "{file}: {k}"
            );
        }
    }
}

#[test]
fn max_keys_reports_the_distinct_keys_seen_not_the_table_size() {
    let naive = naive_key_counts().len() as f64;
    let doc = hotkeys(SHOP, &["--max-keys", "10"]);
    let c = &doc["counting"];
    assert_eq!(c["mode"], "space-saving");
    assert_eq!(c["distinct_keys_exact"], false);
    assert!(c["tracked_keys"].as_u64().unwrap() <= 10);
    let est = c["distinct_keys"].as_f64().unwrap();
    assert!((est - naive).abs() / naive < 0.05, "{est} for {naive}");
    let exact = hotkeys(SHOP, &[]);
    assert_eq!(exact["counting"]["distinct_keys_exact"], true);
    assert_eq!(exact["counting"]["distinct_keys"], naive);
    let out = cachestorm()
        .args(["patterns", "--input", &fixture(SHOP), "--max-keys", "10"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(" distinct keys (estimated), counted space-saving"),
        "{text}"
    );
    assert!(!text.contains("; 10 distinct keys"), "{text}");
}

#[test]
fn a_1_mib_key_keeps_the_table_small() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("big.log");
    let key = format!("big:{}", "k".repeat(1 << 20));
    let mut text = String::new();
    for i in 0..3 {
        text.push_str(&format!(
            "1700000000.{i:06} [0 10.0.0.1:5000] \"GET\" \"{key}\"\n"
        ));
    }
    text.push_str("1700000001.000000 [0 10.0.0.1:5000] \"SET\" \"small\" \"v\"\n");
    std::fs::write(&f, text).unwrap();
    let path = f.to_str().unwrap();
    let run = |extra: &[&str]| {
        let mut args = vec!["hotkeys", "--input", path, "--top", "1"];
        args.extend_from_slice(extra);
        let out = cachestorm().args(&args).output().unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    };
    let table = run(&[]);
    assert!(table.len() < 4096, "{} bytes of table", table.len());
    assert!(
        table.contains("big:kkkk") && table.contains("…+1.0M"),
        "{table}"
    );
    assert!(run(&["--full-keys"]).contains(&key));
    let doc = json(&["hotkeys", "--input", path, "--top", "1", "-o", "json"]);
    assert_eq!(
        doc["keys"][0]["key"],
        key.as_str(),
        "JSON has the whole key"
    );
}

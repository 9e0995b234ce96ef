//! Every source through [`gather`], from temp files.

use std::io::Write;

use super::*;

fn file(content: &[u8]) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(content).unwrap();
    f
}

fn path(f: &tempfile::NamedTempFile) -> String {
    f.path().to_str().unwrap().to_string()
}

fn log_spec(f: &tempfile::NamedTempFile, regex: &str, template: Option<&str>) -> KeySpec {
    KeySpec::Log {
        path: path(f),
        regex: regex.to_string(),
        template: template.map(str::to_string),
    }
}

/// An nginx-style access log: user i is asked for 10 * (6 - i) times, plus noise.
fn access_log() -> Vec<u8> {
    let mut s = String::new();
    for round in 0..10 {
        for i in 1..=5 {
            for _ in 0..(6 - i) {
                s += &format!(
                    "10.0.0.{i} - - [22/Nov/2026:23:04:{round:02} +0000] \"GET /api/users/{i}/profile HTTP/1.1\" 200 512\n"
                );
            }
        }
        s += "10.0.0.9 - - [22/Nov/2026:23:04:00 +0000] \"GET /health HTTP/1.1\" 200 2\n";
    }
    s.into_bytes()
}

const USER_RE: &str = r#""GET /api/users/(\d+)/profile"#;

fn keys(g: &Gathered) -> Vec<(String, u64)> {
    g.keys
        .iter()
        .map(|(k, c)| (String::from_utf8_lossy(k).into_owned(), *c))
        .collect()
}

#[test]
fn a_log_gives_the_hottest_keys_first_and_exactly_top() {
    let f = file(&access_log());
    let g = gather(&[log_spec(&f, USER_RE, None)], Some(3), None).unwrap();
    assert_eq!(
        keys(&g),
        [("1".into(), 50), ("2".into(), 40), ("3".into(), 30)]
    );
    let s = &g.sources[0];
    assert_eq!(s.source, format!("log {}", path(&f)));
    assert_eq!((s.lines, s.matched, s.unmatched, s.bad), (160, 150, 10, 0));
    assert_eq!(s.keys, 150);
    assert_eq!((g.distinct, g.distinct_exact), (5, true));
}

#[test]
fn a_template_shapes_the_keys() {
    let f = file(&access_log());
    let re = r#""GET /api/(?P<kind>\w+)s/(\d+)/(\w+)"#;
    let g = gather(&[log_spec(&f, re, Some("{kind}:{2}:{3}"))], Some(1), None).unwrap();
    assert_eq!(keys(&g), [("user:1:profile".into(), 50)]);
}

#[test]
fn a_regex_without_a_group_is_a_usage_error_before_any_reading() {
    let e = gather(
        &[KeySpec::Log {
            path: "/nonexistent/access.log".into(),
            regex: r"GET /api/users/\d+".into(),
            template: None,
        }],
        None,
        None,
    )
    .unwrap_err();
    assert!(matches!(e, Error::Usage(_)), "{e}");
    assert!(e.to_string().contains("no capture group"), "{e}");
    assert!(!e.to_string().contains('\n'));
}

#[test]
fn a_missing_file_is_an_input_error() {
    let e = gather(
        &[KeySpec::KeysFile {
            path: "/nonexistent/keys.txt".into(),
        }],
        None,
        None,
    )
    .unwrap_err();
    assert!(matches!(e, Error::Input(_)), "{e}");
}

#[test]
fn gzip_logs_are_read_by_their_magic_bytes() {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&access_log()).unwrap();
    let f = file(&gz.finish().unwrap());
    let g = gather(&[log_spec(&f, USER_RE, None)], Some(2), None).unwrap();
    assert_eq!(keys(&g), [("1".into(), 50), ("2".into(), 40)]);
}

#[test]
fn match_filters_before_counting() {
    let f = file(b"user:1\nuser:2\nuser:1\nsession:9\nsession:9\nsession:9\n");
    let spec = [KeySpec::KeysFile { path: path(&f) }];
    let g = gather(&spec, None, Some(b"user:*")).unwrap();
    assert_eq!(keys(&g), [("user:1".into(), 2), ("user:2".into(), 1)]);
    assert_eq!((g.sources[0].keys, g.sources[0].filtered), (3, 3));
    assert_eq!(g.distinct, 2);
}

#[test]
fn a_keys_file_unescapes_and_counts_bad_lines_by_number() {
    let f = file(b"plain\r\n\\xff\\x00bin\n\nbad\\q\n\\\"quoted\\\\\nplain\n");
    let g = gather(&[KeySpec::KeysFile { path: path(&f) }], None, None).unwrap();
    assert_eq!(
        g.keys,
        vec![
            (b"plain".to_vec(), 2),
            (b"\"quoted\\".to_vec(), 1),
            (b"\xff\x00bin".to_vec(), 1),
        ]
    );
    let s = &g.sources[0];
    assert_eq!((s.lines, s.matched, s.unmatched, s.bad), (6, 4, 1, 1));
    assert_eq!(s.bad_examples.len(), 1);
    assert!(s.bad_examples[0].starts_with("line 4: bad escape"), "{s:?}");
}

#[test]
fn sources_merge_and_counts_add_up() {
    let log = file(&access_log());
    let list = file(b"5\n5\n5\n5\n5\n5\n5\n5\n5\n5\n5\n5\n5\n5\n5\n5\n5\n5\n5\n5\n5\n5\n5\n5\n5\n5\n5\n5\n5\n5\n5\n5\n5\n5\n5\n5\n5\n5\n5\n5\n5\n");
    let specs = [
        log_spec(&log, USER_RE, None),
        KeySpec::KeysFile { path: path(&list) },
    ];
    let g = gather(&specs, Some(2), None).unwrap();
    // "5": 10 from the log + 41 from the list.
    assert_eq!(keys(&g), [("5".into(), 51), ("1".into(), 50)]);
    assert_eq!(g.sources.len(), 2);
    assert_eq!(g.sources[1].source, format!("keys-file {}", path(&list)));
}

fn hotkeys_doc(keys: &str) -> Vec<u8> {
    format!(
        r#"{{"schema":"cachestorm.hotkeys/v1","generated_at":"2026-11-22T23:04:22.000Z","events":10,"keys":{keys}}}"#
    )
    .into_bytes()
}

#[test]
fn a_hotkeys_report_gives_its_keys_weighted_by_count() {
    let f = file(&hotkeys_doc(
        r#"[{"key":"user:\\xff","count":7,"reads":7},{"key":"a","count":9},{"key":"x\\q","count":1},{"count":3}]"#,
    ));
    let g = gather(&[KeySpec::Report { path: path(&f) }], None, None).unwrap();
    assert_eq!(g.keys, vec![(b"a".to_vec(), 9), (b"user:\xff".to_vec(), 7)]);
    let s = &g.sources[0];
    assert_eq!((s.lines, s.matched, s.bad), (4, 2, 2));
    assert!(s.bad_examples[0].starts_with("keys[2]"), "{s:?}");
}

#[test]
fn another_schema_is_refused_by_name() {
    let f = file(br#"{"schema":"cachestorm.bigkeys/v1","keys":[]}"#);
    let e = gather(&[KeySpec::Report { path: path(&f) }], None, None).unwrap_err();
    assert!(matches!(e, Error::Input(_)));
    assert!(e.to_string().contains("cachestorm.bigkeys/v1"), "{e}");
    let f = file(b"{\"keys\":[]}");
    let e = gather(&[KeySpec::Report { path: path(&f) }], None, None).unwrap_err();
    assert!(e.to_string().contains("no \"schema\""), "{e}");
    let f = file(b"user:1\n");
    let e = gather(&[KeySpec::Report { path: path(&f) }], None, None).unwrap_err();
    assert!(e.to_string().contains("not a JSON document"), "{e}");
}

#[test]
fn a_detect_report_gives_the_keys_its_evidence_names() {
    let hot = r#"{"metric":"key_share_pct","says":"user:1 took 63.0% of the 9000 commands MONITOR saw in 2.0s (5670)"}"#;
    let stampede = r#"{"metric":"stampede_writes","says":"page:\\\\home took 1 rebuilt 40 times by 12 clients within one second (MONITOR)"}"#;
    let other = r#"{"metric":"evicted_keys_per_sec","says":"user:2 took 1% of the 1 commands MONITOR saw in 1.0s (1)"}"#;
    let doc = format!(
        r#"{{"schema":"cachestorm.detect/v1","classes":[{{"evidence":[{hot},{stampede},{other}]}}],"timeline":[{{"evidence":[{hot}]}}]}}"#
    );
    let f = file(doc.as_bytes());
    let g = gather(&[KeySpec::Report { path: path(&f) }], None, None).unwrap();
    assert_eq!(
        keys(&g),
        [("user:1".into(), 5670), ("page:\\home took 1".into(), 40)]
    );
    assert_eq!(g.sources[0].lines, 3);
}

#[test]
fn a_monitor_capture_counts_reads_only() {
    let cap = br#"OK
1700000000.000001 [0 127.0.0.1:5000] "GET" "user:1"
1700000000.000002 [0 127.0.0.1:5000] "get" "user:1"
1700000000.000003 [0 127.0.0.1:5001] "MGET" "user:2" "user:1"
1700000000.000004 [0 127.0.0.1:5001] "SET" "written:only" "v"
1700000000.000005 [0 127.0.0.1:5001] "DEL" "user:3"
1700000000.000006 [0 127.0.0.1:5001] "HGETALL" "h\xff"
1700000000.000007 [0 127.0.0.1:5001] "PING"
this is not monitor output
1700000000.000008 [0 127.0.0.1:5001] "SET" "user:2" "v"
"#;
    let f = file(cap);
    let g = gather(&[KeySpec::Monitor { path: path(&f) }], None, None).unwrap();
    assert_eq!(
        g.keys,
        vec![
            (b"user:1".to_vec(), 3),
            (b"h\xff".to_vec(), 1),
            (b"user:2".to_vec(), 1),
        ]
    );
    let s = &g.sources[0];
    assert_eq!((s.lines, s.matched, s.unmatched, s.bad), (10, 4, 5, 1));
    assert_eq!(s.keys, 5);
    assert_eq!(s.bad_examples, ["line 9: not a MONITOR line"]);
}

#[test]
fn top_keeps_the_table_bounded_and_the_hot_keys_right() {
    // 150k distinct cold keys once each (over the 100k bound) and three hot ones.
    let mut s = Vec::new();
    for i in 0..150_000u32 {
        writeln!(s, "k{i}").unwrap();
        if i % 1000 == 0 {
            s.extend_from_slice(b"hot:a\nhot:a\nhot:b\n");
        }
        if i % 2000 == 0 {
            s.extend_from_slice(b"hot:c\n");
        }
    }
    let f = file(&s);
    let g = gather(&[KeySpec::KeysFile { path: path(&f) }], Some(3), None).unwrap();
    assert!(!g.distinct_exact);
    assert_eq!(g.distinct, 100_000);
    let names: Vec<_> = keys(&g).into_iter().map(|(k, _)| k).collect();
    assert_eq!(names, ["hot:a", "hot:b", "hot:c"]);
}

#[test]
fn invalid_utf8_lines_still_match_and_binary_keys_survive() {
    let f = file(b"\xff\xfe \"GET /api/users/7/profile\n\"GET /api/users/7/profile \xc3\n");
    let g = gather(&[log_spec(&f, USER_RE, None)], None, None).unwrap();
    assert_eq!(keys(&g), [("7".into(), 2)]);
    let f = file(b"key=a\xff\x00b rest\nkey=\n");
    let g = gather(&[log_spec(&f, r"(?-u)key=(\S*)", None)], None, None).unwrap();
    assert_eq!(g.keys, vec![(b"a\xff\x00b".to_vec(), 1)]);
    // An empty key is no key.
    assert_eq!((g.sources[0].matched, g.sources[0].unmatched), (1, 1));
}

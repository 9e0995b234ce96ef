//! Every table renderer pinned with an inline snapshot, fed a report built by hand (or, for
//! the traffic and keyspace reports, by the pure core from a few literal events and keys).
//! `cargo insta test --review` updates them after a deliberate change.

use super::bigkeys::BigkeysDoc;
use super::hotkeys::{HotkeysDoc, SourceReport, TrafficPatternsDoc};
use super::keyfreq::{LfuDoc, SlotDoc};
use super::keyspace::{KeyspaceDoc, ScanPatternsDoc};
use super::monitor::{FileReport, MonitorReport};
use super::scan::{ScanReport, ScanSettings};
use super::stats::StatsReport;
use super::{Completeness, NodeRef, Report, StopReason, View};
use crate::analysis::census::{Census, CensusConfig, ExpiryConfig, TimelineConfig};
use crate::analysis::hotkeys::{report, HotkeysReport, ReportConfig, SignatureConfig};
use crate::analysis::keyfreq::{LfuKey, NodeLoad, SlotReport, SlotRow};
use crate::analysis::patterns::PatternRules;
use crate::analysis::rates::{RowStatus, StatsRow};
use crate::analysis::traffic::{Traffic, TrafficConfig};
use crate::parse::keyfacts::{KeyInfo, KeyType, NodeMemory};
use crate::parse::monitor::parse_line;
use crate::source::walker::{NodeWalk, WalkSettings};

/// A small capture: a hot key read by many clients, a stampede of SETs, a key read and
/// never written, and TTLs that land in one bucket.
fn traffic() -> (HotkeysReport, SourceReport) {
    let mut t = Traffic::new(TrafficConfig::default());
    let mut lines = Vec::new();
    for i in 0..40u32 {
        lines.push(format!(
            r#"1764633600.{:06} [0 10.0.0.{}:5000] "GET" "product:42""#,
            i * 20_000,
            i % 8
        ));
    }
    for i in 0..6u32 {
        lines.push(format!(
            r#"1764633601.{:06} [0 10.0.0.{i}:5000] "SET" "product:42" "v" "EX" "60""#,
            i * 1000
        ));
    }
    for i in 0..5u32 {
        lines.push(format!(
            r#"1764633601.{:06} [0 10.0.1.1:6000] "GET" "user:{}:profile""#,
            500_000 + i,
            i % 2
        ));
    }
    lines.push(r#"1764633602.100000 [0 lua] "HGETALL" "cart:7""#.to_string());
    for l in &lines {
        t.add(&parse_line(l.as_bytes()).expect("a MONITOR line"), 0);
    }
    let cfg = ReportConfig {
        top: 5,
        signatures: Some(SignatureConfig {
            threshold_pct: 5.0,
            min_rate: None,
            stampede_min_writes: 5,
            stampede_min_clients: 3,
            penetration_min_reads: 2,
        }),
        nodes: Vec::new(),
    };
    let rep = report(&t, &cfg, &PatternRules::default_rules());
    let src = SourceReport {
        kind: "file",
        path: Some("capture.log".into()),
        lines: lines.len() as u64 + 1,
        skipped_lines: 1,
        skipped_line_numbers: vec![3],
        ..SourceReport::default()
    };
    (rep, src)
}

#[test]
fn hotkeys_table() {
    let (rep, src) = traffic();
    let doc = HotkeysDoc {
        completeness: Completeness::done(),
        source: &src,
        report: &rep,
    };
    insta::assert_snapshot!(doc.table(&View::default()), @"
    capture.log: 52 events over 2.10s, 24.8/s (peak 40/s at 00:00:00 UTC); 4 distinct keys, counted exact; 1 line skipped

    #  key             count  share  rate/s  peak/s  at (UTC)  reads  writes  command  clients  hot
    -----------------------------------------------------------------------------------------------
    1  product:42         46  88.5%    21.9      40  00:00:00     40       6  get           ~8  HOT
    2  user:0:profile      3   5.8%     1.4       3  00:00:01      3       0  get            1  HOT
    3  user:1:profile      2   3.8%     1.0       2  00:00:01      2       0  get            1
    4  cart:7              1   1.9%     0.5       1  00:00:02      1       0  hgetall        1

    command  calls  share  client         events  share
    ---------------------------------------------------
    get         45  86.5%  10.0.0.0:5000       6   11.5%
    set          6  11.5%  10.0.0.1:5000       6   11.5%
    hgetall      1   1.9%  10.0.0.2:5000       6   11.5%
                           10.0.0.3:5000       6   11.5%
                           10.0.0.4:5000       6   11.5%

    pattern         ops  share  keys  reads  writes  command  example
    -----------------------------------------------------------------
    product:*        46  88.5%     1     40       6  get      product:42
    user:*:profile    5   9.6%     2      5       0  get      user:0:profile
    cart:*            1   1.9%     1      1       0  hgetall  cart:7

    stampede: product:42 written 6 times by 6 clients within the window starting 00:00:01 UTC (40 reads in the capture)
    penetration candidates: 2 keys read ≥2 times and never written (5 reads); most under user:*:profile (2 of them)
    expiry wave: 6 TTLs set; the largest 10s bucket, 00:01:00 UTC, gets 6 of them (100.0%)
    ");
}

/// A report of `lines` (each with the node it came from), with `nodes` named.
fn count_lines(lines: &[(String, u16)], nodes: &[&str]) -> (HotkeysReport, SourceReport) {
    let mut t = Traffic::new(TrafficConfig::default());
    for (l, node) in lines {
        t.add(&parse_line(l.as_bytes()).expect("a MONITOR line"), *node);
    }
    let nodes: Vec<String> = nodes.iter().map(|n| n.to_string()).collect();
    let cfg = ReportConfig {
        top: 5,
        signatures: Some(SignatureConfig {
            threshold_pct: 5.0,
            min_rate: None,
            stampede_min_writes: 5,
            stampede_min_clients: 3,
            penetration_min_reads: 2,
        }),
        nodes: nodes.clone(),
    };
    let rep = report(&t, &cfg, &PatternRules::default_rules());
    let src = SourceReport {
        kind: if nodes.is_empty() { "file" } else { "live" },
        path: nodes.is_empty().then(|| "capture.log".into()),
        nodes: NodeRef::list(&nodes, Some("master"), &[]),
        lines: lines.len() as u64,
        ..SourceReport::default()
    };
    (rep, src)
}

#[test]
fn long_keys_are_cut_in_tables_unless_full_keys() {
    // A 1 MiB key read three times: the table shows its start and how much was cut.
    let big = format!("blob:{}", "x".repeat(1 << 20));
    let mut lines = Vec::new();
    for i in 0..3 {
        lines.push((
            format!(r#"1764633600.{i:06} [0 10.0.0.1:5000] "GET" "{big}""#),
            0,
        ));
    }
    lines.push((
        r#"1764633601.000000 [0 10.0.0.1:5000] "GET" "small""#.to_string(),
        0,
    ));
    let (rep, src) = count_lines(&lines, &[]);
    assert_eq!(rep.keys[0].key, big, "JSON keeps the whole key");
    let doc = HotkeysDoc {
        completeness: Completeness::done(),
        source: &src,
        report: &rep,
    };
    let table = doc.table(&View::default());
    assert!(table.len() < 4000, "{} bytes of table", table.len());
    insta::assert_snapshot!(table, @"
    capture.log: 4 events over 1.00s, 4.0/s (peak 3/s at 00:00:00 UTC); 2 distinct keys, counted exact

    #  key                                                           count  share  rate/s  peak/s  at (UTC)  reads  writes  command  clients  hot
    ---------------------------------------------------------------------------------------------------------------------------------------------
    1  blob:xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…+1.0M      3  75.0%     3.0       3  00:00:00      3       0  get            1  HOT
    2  small                                                             1  25.0%     1.0       1  00:00:01      1       0  get            1  HOT

    command  calls   share  client         events  share
    ----------------------------------------------------
    get          4  100.0%  10.0.0.1:5000       4  100.0%

    pattern                                                       ops  share  keys  reads  writes  command  example
    ---------------------------------------------------------------------------------------------------------------
    blob:xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…+1.0M    3  75.0%     1      3       0  get      blob:xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…+1.0M
    small                                                           1  25.0%     1      1       0  get      small

    stampede: none (no key written by many clients within the window)
    penetration candidates: 1 key read ≥2 times and never written (3 reads); most under blob:xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…+1.0M (1 of them)
    expiry wave: no TTLs set in the capture
    ");
    let full = doc.table(&View {
        full_keys: true,
        width: None,
    });
    assert!(full.contains(&big));
}

#[test]
fn bigkeys_table_cuts_a_2_mib_key_name() {
    let mut c = Census::new(
        CensusConfig {
            top: 5,
            min_bytes: 0,
            expiry: None,
            nodes: vec!["10.0.0.1:7000".into()],
        },
        None,
    );
    let name = format!("big:{}", "y".repeat(2 << 20));
    c.add(KeyInfo {
        key: name.clone().into_bytes(),
        kind: KeyType::Hash,
        memory: 9_000_000,
        length: Some(200_000),
        ttl_ms: None,
        expires_at_ms: None,
        encoding: None,
        node: 0,
    });
    let scan = scan_report();
    let report = c.bigkeys();
    let doc = BigkeysDoc {
        scan: &scan,
        report: &report,
    };
    let table = doc.table(&View::default());
    assert!(table.len() < 4000, "{} bytes of table", table.len());
    assert!(!table.contains(&name));
    assert!(doc
        .table(&View {
            full_keys: true,
            width: None
        })
        .contains(&name));
}

#[test]
fn one_event_has_no_rate() {
    let lines = [(
        r#"1764633600.250000 [0 10.0.0.1:5000] "GET" "k""#.to_string(),
        0,
    )];
    let (rep, src) = count_lines(&lines, &[]);
    assert_eq!(rep.events_per_sec, None);
    assert_eq!(rep.keys[0].rate_per_sec, None);
    assert_eq!(
        rep.first_event_at.as_deref(),
        Some("2025-12-02T00:00:00.250000Z")
    );
    let doc = HotkeysDoc {
        completeness: Completeness::done(),
        source: &src,
        report: &rep,
    };
    insta::assert_snapshot!(doc.table(&View::default()), @"
    capture.log: 1 event in one instant (no span, no rate); 1 distinct key, counted exact

    #  key  count   share  rate/s  peak/s  at (UTC)  reads  writes  command  clients  hot
    -------------------------------------------------------------------------------------
    1  k        1  100.0%       -       1  00:00:00      1       0  get            1  HOT

    command  calls   share  client         events  share
    ----------------------------------------------------
    get          1  100.0%  10.0.0.1:5000       1  100.0%

    pattern  ops   share  keys  reads  writes  command  example
    -----------------------------------------------------------
    k          1  100.0%     1      1       0  get      k

    stampede: none (no key written by many clients within the window)
    penetration candidates: 0 keys read ≥2 times and never written (0 reads)
    expiry wave: no TTLs set in the capture
    ");
}

#[test]
fn cluster_hotkeys_table_names_each_keys_node() {
    let mut lines = Vec::new();
    for i in 0..6u32 {
        lines.push((
            format!(
                r#"1764633600.{:06} [0 10.0.0.9:5000] "GET" "user:{}""#,
                i * 100_000,
                i % 2
            ),
            (i % 2) as u16,
        ));
    }
    let (rep, src) = count_lines(&lines, &["10.0.0.1:7000", "10.0.0.2:7001"]);
    let doc = HotkeysDoc {
        completeness: Completeness::done(),
        source: &src,
        report: &rep,
    };
    insta::assert_snapshot!(doc.table(&View::default()), @"
    2 nodes: 6 events over 0.50s, 12.0/s (peak 6/s at 00:00:00 UTC); 2 distinct keys, counted exact

    #  key     count  share  rate/s  peak/s  at (UTC)  reads  writes  command  clients  hot  node
    ---------------------------------------------------------------------------------------------
    1  user:0      3  50.0%     6.0       3  00:00:00      3       0  get            1  HOT  10.0.0.1:7000
    2  user:1      3  50.0%     6.0       3  00:00:00      3       0  get            1  HOT  10.0.0.2:7001

    command  calls   share  client         events  share
    ----------------------------------------------------
    get          6  100.0%  10.0.0.9:5000       6  100.0%

    pattern  ops   share  keys  reads  writes  command  example
    -----------------------------------------------------------
    user:*     6  100.0%     2      6       0  get      user:0

    stampede: none (no key written by many clients within the window)
    penetration candidates: 2 keys read ≥2 times and never written (6 reads); most under user:* (2 of them)
    expiry wave: no TTLs set in the capture
    ");
}

#[test]
fn hotkeys_table_fits_an_80_column_terminal() {
    let (rep, src) = traffic();
    let doc = HotkeysDoc {
        completeness: Completeness::done(),
        source: &src,
        report: &rep,
    };
    let narrow = View {
        full_keys: false,
        width: Some(80),
    };
    insta::assert_snapshot!(doc.table(&narrow), @"
    capture.log: 52 events over 2.10s, 24.8/s (peak 40/s at 00:00:00 UTC); 4 distinct keys, counted exact; 1 line skipped

    #  key             count  share  rate/s  peak/s  reads  writes  command  hot
    ----------------------------------------------------------------------------
    1  product:42         46  88.5%    21.9      40     40       6  get      HOT
    2  user:0:profile      3   5.8%     1.4       3      3       0  get      HOT
    3  user:1:profile      2   3.8%     1.0       2      2       0  get
    4  cart:7              1   1.9%     0.5       1      1       0  hgetall
    (left out to fit the terminal: at (UTC), clients; pipe the output for every column)

    command  calls  share  client         events  share
    ---------------------------------------------------
    get         45  86.5%  10.0.0.0:5000       6   11.5%
    set          6  11.5%  10.0.0.1:5000       6   11.5%
    hgetall      1   1.9%  10.0.0.2:5000       6   11.5%
                           10.0.0.3:5000       6   11.5%
                           10.0.0.4:5000       6   11.5%

    pattern         ops  share  keys  reads  writes  command  example
    -----------------------------------------------------------------
    product:*        46  88.5%     1     40       6  get      product:42
    user:*:profile    5   9.6%     2      5       0  get      user:0:profile
    cart:*            1   1.9%     1      1       0  hgetall  cart:7

    stampede: product:42 written 6 times by 6 clients within the window starting 00:00:01 UTC (40 reads in the capture)
    penetration candidates: 2 keys read ≥2 times and never written (5 reads); most under user:*:profile (2 of them)
    expiry wave: 6 TTLs set; the largest 10s bucket, 00:01:00 UTC, gets 6 of them (100.0%)
    ");
}

#[test]
fn traffic_patterns_table() {
    let (rep, src) = traffic();
    let doc = TrafficPatternsDoc {
        completeness: Completeness::done(),
        source: &src,
        events: rep.events,
        counting: &rep.counting,
        patterns: &rep.patterns,
        report: &rep,
        top: 10,
    };
    insta::assert_snapshot!(doc.table(&View::default()), @"
    capture.log: 52 events over 2.10s, 24.8/s (peak 40/s at 00:00:00 UTC); 4 distinct keys, counted exact; 1 line skipped

    pattern         ops  share  keys  reads  writes  command  example
    -----------------------------------------------------------------
    product:*        46  88.5%     1     40       6  get      product:42
    user:*:profile    5   9.6%     2      5       0  get      user:0:profile
    cart:*            1   1.9%     1      1       0  hgetall  cart:7
    ");
}

#[test]
fn stats_rows() {
    let row = |node: &str, status, ops: Option<f64>| {
        let mut r = StatsRow::default();
        r.seq = 2;
        r.node = node.into();
        r.role = Some("master".into());
        r.status = status;
        r.ops_per_sec = ops;
        r.hit_pct = ops.map(|_| 93.75);
        r.misses_per_sec = ops.map(|o| o / 16.0);
        r.expired_per_sec = ops.map(|_| 12.0);
        r.evicted_per_sec = ops.map(|_| 0.0);
        r.net_in_bytes_per_sec = ops.map(|_| 317_952.0);
        r.net_out_bytes_per_sec = ops.map(|_| 2_097_152.0);
        r.used_memory_bytes = Some(734_003_200);
        r.maxmemory_bytes = Some(1_073_741_824);
        r.used_memory_pct = Some(68.36);
        r.fragmentation_ratio = Some(1.07);
        r.connected_clients = Some(412);
        r.blocked_clients = Some(0);
        r.keys = Some(1_250_000);
        r
    };
    let mut down = row("10.0.0.2:6379", RowStatus::Down, None);
    down.reason = Some("connection refused".into());
    let r = StatsReport {
        completeness: Completeness::done(),
        interval_ms: 1000,
        nodes: Vec::new(),
        samples: vec![
            row("10.0.0.1:6379", RowStatus::Ok, Some(48_210.0)),
            down,
            row("total", RowStatus::Ok, Some(48_210.0)),
        ],
    };
    insta::assert_snapshot!(r.table(&View::default()), @"
    time (UTC) node                  role      ops/s   hit%  miss/s  exp/s evict/s    in/s   out/s     mem   mem%  frag clients  blk    keys        lag status
               10.0.0.1:6379         master    48.2k  93.8%  3013.1   12.0     0.0  310KiB  2.0MiB  700MiB  68.4%  1.07     412    0    1.2M          - ok
               10.0.0.2:6379         master        -      -       -      -       -       -       -  700MiB  68.4%  1.07     412    0    1.2M          - down: connection refused
               total                 master    48.2k  93.8%  3013.1   12.0     0.0  310KiB  2.0MiB  700MiB  68.4%  1.07     412    0    1.2M          - ok
    ");
}

#[test]
fn stats_rows_fit_an_80_column_terminal() {
    let mut r = StatsRow::default();
    r.node = "10.0.0.1:6379".into();
    r.time = "2025-12-02T00:00:01.250Z".into();
    r.role = Some("master".into());
    r.status = RowStatus::Down;
    r.reason = Some("connection refused".into());
    let mut ok = r.clone();
    ok.node = "10.0.0.2:6379".into();
    ok.status = RowStatus::Ok;
    ok.reason = None;
    ok.ops_per_sec = Some(48_210.0);
    ok.hit_pct = Some(93.75);
    ok.misses_per_sec = Some(3.3);
    ok.evicted_per_sec = Some(3.0);
    ok.used_memory_pct = Some(68.36);
    let report = StatsReport {
        completeness: Completeness::done(),
        interval_ms: 1000,
        nodes: Vec::new(),
        samples: vec![ok, r],
    };
    let text = report.table(&View {
        full_keys: false,
        width: Some(80),
    });
    // Every line fits but a status message, which is never cut.
    assert!(
        text.lines()
            .all(|l| l.chars().count() <= 80 || l.ends_with("refused")),
        "{text}"
    );
    insta::assert_snapshot!(text, @"
    time (UTC) node                    ops/s   hit%  miss/s evict/s   mem% status
    00:00:01   10.0.0.2:6379           48.2k  93.8%     3.3     3.0  68.4% ok
    00:00:01   10.0.0.1:6379               -      -       -       -      - down: connection refused
    ");
}

#[test]
fn lfu_table() {
    let doc = LfuDoc {
        completeness: Completeness::stopped(StopReason::NodeLost),
        nodes: NodeRef::list(
            &["10.0.0.1:7000".into(), "10.0.0.2:7001".into()],
            Some("master"),
            &[],
        ),
        keys_scanned: 12_345,
        keys: vec![
            LfuKey {
                key: "user:1".into(),
                freq: 255,
                node: "10.0.0.1:7000".into(),
            },
            LfuKey {
                key: "bin:\\xff".into(),
                freq: 7,
                node: "10.0.0.2:7001".into(),
            },
        ],
    };
    insta::assert_snapshot!(doc.table(&View::default()), @r"
    10.0.0.1:7000, 10.0.0.2:7001: 12.3k keys scanned (INCOMPLETE); LFU counters are logarithmic (0-255) and decay

    #  key       lfu  node
    ----------------------
    1  user:1    255  10.0.0.1:7000
    2  bin:\xff    7  10.0.0.2:7001
    ");
}

#[test]
fn slot_stats_table() {
    let doc = SlotDoc {
        report: SlotReport {
            ordered_by: "key-count",
            slots: vec![
                SlotRow {
                    slot: 12182,
                    node: "10.0.0.3:7002".into(),
                    key_count: 40_000,
                    cpu_usec: None,
                    network_bytes_in: None,
                    network_bytes_out: None,
                    share_pct: 80.0,
                },
                SlotRow {
                    slot: 866,
                    node: "10.0.0.1:7000".into(),
                    key_count: 10_000,
                    cpu_usec: Some(1_520_000),
                    network_bytes_in: Some(52_428_800),
                    network_bytes_out: Some(900),
                    share_pct: 20.0,
                },
            ],
            nodes: vec![NodeLoad {
                node: "10.0.0.3:7002".into(),
                slots: 5461,
                key_count: 50_000,
                cpu_usec: None,
                share_pct: 100.0,
            }],
        },
    };
    insta::assert_snapshot!(doc.table(&View::default()), @"
    hottest slots by key-count (CLUSTER SLOT-STATS); set cluster-slot-stats-enabled yes for cpu-usec and network bytes

     slot  node           share   keys  cpu time   net in  net out
    --------------------------------------------------------------
    12182  10.0.0.3:7002  80.0%  40.0k         -        -        -
      866  10.0.0.1:7000  20.0%  10.0k     1.52s  50.0MiB     900B

    node            share  slots   keys
    -----------------------------------
    10.0.0.3:7002  100.0%   5461  50.0k
    ");
}

#[test]
fn monitor_summary() {
    let r = MonitorReport {
        completeness: Completeness::stopped(StopReason::Interrupted),
        duration_secs: 2.04,
        lines_written: 1500,
        lines_filtered: 20,
        files: vec![FileReport {
            node: "127.0.0.1:6379".into(),
            path: "cap.log".into(),
            lines: 1500,
        }],
        stopped_early: Some("interrupted (Ctrl-C)".into()),
        max_server_buffer_bytes: 1 << 20,
        peak_server_buffer_bytes: 0,
        max_lines_reached: true,
    };
    insta::assert_snapshot!(r.table(&View::default()), @"wrote 1500 lines (20 filtered out) in 2.0s to cap.log; --max-lines reached; stopped early: interrupted (Ctrl-C)");
}

/// 2025-12-02T00:00:00Z: minute 0 of the expiry timeline.
const SCAN_START_MS: u64 = 1_764_633_600_000;

/// A two-node scan: one node complete, one failed part-way.
fn scan_report() -> ScanReport {
    let node = |name: &str, scanned, error: Option<&str>| NodeWalk {
        node: name.into(),
        dbsize: 1200,
        scanned,
        vanished: 1,
        complete: error.is_none(),
        sampled: false,
        cursor: if error.is_some() { 1536 } else { 0 },
        error: error.map(String::from),
        round_trips: 3,
        latency_backoffs: 1,
        probe_p50_ms: Some(0.11),
        probe_p99_ms: Some(0.42),
        probe_max_ms: Some(1.3),
        elapsed_secs: 0.8,
        server: Default::default(),
        memory: None,
    };
    let settings = WalkSettings {
        count: 1000,
        pattern: None,
        kind: None,
        samples: 5,
        lengths: true,
        encoding: false,
        rate: None,
        max_latency: std::time::Duration::from_millis(5),
        sample: None,
        cursor: None,
        readonly: false,
        lfu: false,
    };
    ScanReport {
        complete: false,
        interrupted: false,
        keys_scanned: 2000,
        keys_vanished: 2,
        dbsize: 2400,
        elapsed_secs: 0.81,
        keys_per_sec: 2469.1,
        settings: ScanSettings::from(&settings),
        nodes: vec![
            node("10.0.0.1:7000", 1200, None),
            node("10.0.0.2:7001", 800, Some("connection refused")),
        ],
        extrapolation: None,
    }
}

/// Keys of every kind: a big hash, sessions that all expire in one minute (a cliff),
/// pages spread over an hour, config without a TTL.
fn census(expiry: bool) -> Census {
    let cfg = CensusConfig {
        top: 5,
        min_bytes: 0,
        expiry: expiry.then_some(ExpiryConfig {
            start_ms: SCAN_START_MS,
            timeline: Some(TimelineConfig {
                horizon_mins: 60,
                cliff_pct: 10.0,
                cliff_min_keys: 10,
            }),
        }),
        nodes: vec!["10.0.0.1:7000".into(), "10.0.0.2:7001".into()],
    };
    let mut c = Census::new(cfg, Some(PatternRules::default_rules()));
    let key = |k: String, kind, memory, length, ttl_min: Option<u64>, node| KeyInfo {
        key: k.into_bytes(),
        kind,
        memory,
        length: Some(length),
        ttl_ms: ttl_min.map(|m| m * 60_000),
        expires_at_ms: ttl_min.map(|m| SCAN_START_MS + m * 60_000 + 500),
        encoding: None,
        node,
    };
    c.add(key(
        "cart:big".into(),
        KeyType::Hash,
        2_500_000,
        12_000,
        None,
        0,
    ));
    for i in 0..30u64 {
        c.add(key(
            format!("session:{i}"),
            KeyType::String,
            300,
            120,
            Some(7),
            (i % 2) as u16,
        ));
    }
    for i in 0..40u64 {
        c.add(key(
            format!("page:{i}"),
            KeyType::String,
            2048,
            1900,
            Some(i + 1),
            1,
        ));
    }
    for i in 0..5u64 {
        c.add(key(format!("cfg:{i}"), KeyType::Set, 500, 12, None, 0));
    }
    c
}

#[test]
fn bigkeys_table() {
    let scan = scan_report();
    let report = census(false).bigkeys();
    let doc = BigkeysDoc {
        scan: &scan,
        report: &report,
    };
    insta::assert_snapshot!(doc.table(&View::default()), @"
    2000 keys scanned of 2400 (DBSIZE) on 2 nodes in 0.8s, 2469 keys/s; 2 vanished during the scan; INCOMPLETE
      10.0.0.1:7000: 1200 keys, 3 round trips, 1 latency backoff; PING p99 0.42ms, max 1.30ms; complete
      10.0.0.2:7001: 800 keys, 3 round trips, 1 latency backoff; PING p99 0.42ms, max 1.30ms; FAILED at cursor 1536: connection refused

    biggest keys by memory (MEMORY USAGE)
    #  key       type    memory        length  ttl  node
    ----------------------------------------------------
    1  cart:big  hash    2.4MiB  12.0k fields  -    10.0.0.1:7000
    2  page:0    string  2.0KiB    1900 bytes  1m   10.0.0.2:7001
    3  page:1    string  2.0KiB    1900 bytes  2m   10.0.0.2:7001
    4  page:2    string  2.0KiB    1900 bytes  3m   10.0.0.2:7001
    5  page:3    string  2.0KiB    1900 bytes  4m   10.0.0.2:7001

    per type
    type    keys  % keys   memory  avg memory    avg length  biggest   its memory
    -----------------------------------------------------------------------------
    string    70   92.1%  88.8KiB      1.3KiB  1137.1 bytes  page:0        2.0KiB
    set        5    6.6%   2.4KiB        500B  12.0 members  cfg:0           500B
    hash       1    1.3%   2.4MiB      2.4MiB  12.0k fields  cart:big      2.4MiB

    per node
    node           keys   memory  % memory  with ttl
    ------------------------------------------------
    10.0.0.1:7000    21   2.4MiB     96.7%    4.4KiB
    10.0.0.2:7001    55  84.4KiB      3.3%   84.4KiB

    key size: p50 2.1KiB  p90 2.1KiB  p99 2.4MiB  p99.9 2.4MiB  max 2.4MiB  (total 2.5MiB)

    findings
      hashes with more than 5,000 fields: 1 key: cart:big (12.0k)
    ");
}

#[test]
fn keyspace_table() {
    let scan = scan_report();
    let c = census(true);
    let report = c.keyspace(10);
    let memory = |policy: &str| NodeMemory {
        used_memory: 900_000_000,
        maxmemory: 1_073_741_824,
        policy: policy.into(),
    };
    let headroom = c.headroom(&[Some(memory("volatile-lru")), Some(memory("allkeys-lfu"))]);
    let doc = KeyspaceDoc {
        scan: &scan,
        report: &report,
        headroom: &headroom,
    };
    insta::assert_snapshot!(doc.table(&View::default()), @"
    2000 keys scanned of 2400 (DBSIZE) on 2 nodes in 0.8s, 2469 keys/s; 2 vanished during the scan; INCOMPLETE
      10.0.0.1:7000: 1200 keys, 3 round trips, 1 latency backoff; PING p99 0.42ms, max 1.30ms; complete
      10.0.0.2:7001: 800 keys, 3 round trips, 1 latency backoff; PING p99 0.42ms, max 1.30ms; FAILED at cursor 1536: connection refused

    memory by pattern (expiry conc.: largest share of the pattern's TTL keys due in one minute)
    pattern    keys  % keys   memory  % memory     avg  no ttl  expiry conc.  ttl p10-p90  example
    ----------------------------------------------------------------------------------------------
    cart:big      1    1.3%   2.4MiB     96.4%  2.4MiB  100.0%             -  -            cart:big
    page:*       40   52.6%  80.0KiB      3.2%  2.0KiB    0.0%          2.5%  4m-36m       page:0
    session:*    30   39.5%   8.8KiB      0.3%    300B    0.0%        100.0%  7m-7m        session:0
    cfg:*         5    6.6%   2.4KiB      0.1%    500B  100.0%             -  -            cfg:0

    70 keys with a TTL (92.1% of the scanned keys, 88.8KiB), 6 without; 0 expire after the 1h horizon
    EXPIRY CLIFFS: minutes holding 10% or more of the keys or bytes with a TTL (mass expiration ahead)
    minute (UTC)      in  keys  % ttl keys    bytes  % ttl bytes  patterns
    ----------------------------------------------------------------------
    2025-12-02 00:07  7m    31       44.3%  10.8KiB        12.2%  session:* (30), page:* (1)

    busiest expiry minutes (all 40 non-empty minutes in JSON: .expiry_timeline)
    minute (UTC)       in  keys    bytes
    ------------------------------------
    2025-12-02 00:01   1m     1   2.0KiB
    2025-12-02 00:02   2m     1   2.0KiB
    2025-12-02 00:03   3m     1   2.0KiB
    2025-12-02 00:04   4m     1   2.0KiB
    2025-12-02 00:05   5m     1   2.0KiB
    2025-12-02 00:06   6m     1   2.0KiB
    2025-12-02 00:07   7m    31  10.8KiB
    2025-12-02 00:08   8m     1   2.0KiB
    2025-12-02 00:09   9m     1   2.0KiB
    2025-12-02 00:10  10m     1   2.0KiB

    memory headroom (evictable: scanned memory the policy may evict)
    node             used  maxmemory  used %  headroom  policy               evictable  note
    ----------------------------------------------------------------------------------------
    10.0.0.1:7000  858MiB     1.0GiB   83.8%    166MiB  volatile-lru     4.4KiB (0.2%)  only keys with a TTL may be evicted; keys without one stay
    10.0.0.2:7001  858MiB     1.0GiB   83.8%    166MiB  allkeys-lfu   84.4KiB (100.0%)  any key may be evicted
    ");
}

#[test]
fn keyspace_table_fits_an_80_column_terminal() {
    let scan = scan_report();
    let c = census(true);
    let report = c.keyspace(10);
    let memory = NodeMemory {
        used_memory: 900_000_000,
        maxmemory: 1_073_741_824,
        policy: "volatile-lru".into(),
    };
    let headroom = c.headroom(&[Some(memory), None]);
    let doc = KeyspaceDoc {
        scan: &scan,
        report: &report,
        headroom: &headroom,
    };
    let text = doc.table(&View {
        full_keys: false,
        width: Some(80),
    });
    // Every table line (columns are two spaces apart) fits; sentences wrap like any text.
    for l in text.lines().filter(|l| l.trim_start().contains("  ")) {
        assert!(l.chars().count() <= 80, "{l}");
    }
    insta::assert_snapshot!(text, @"
    2000 keys scanned of 2400 (DBSIZE) on 2 nodes in 0.8s, 2469 keys/s; 2 vanished during the scan; INCOMPLETE
      10.0.0.1:7000: 1200 keys, 3 round trips, 1 latency backoff; PING p99 0.42ms, max 1.30ms; complete
      10.0.0.2:7001: 800 keys, 3 round trips, 1 latency backoff; PING p99 0.42ms, max 1.30ms; FAILED at cursor 1536: connection refused

    memory by pattern (expiry conc.: largest share of the pattern's TTL keys due in one minute)
    pattern    keys   memory  % memory     avg  no ttl  expiry conc.  ttl p10-p90
    -----------------------------------------------------------------------------
    cart:big      1   2.4MiB     96.4%  2.4MiB  100.0%             -  -
    page:*       40  80.0KiB      3.2%  2.0KiB    0.0%          2.5%  4m-36m
    session:*    30   8.8KiB      0.3%    300B    0.0%        100.0%  7m-7m
    cfg:*         5   2.4KiB      0.1%    500B  100.0%             -  -
    (left out to fit the terminal: % keys, example; pipe the output for every column)

    70 keys with a TTL (92.1% of the scanned keys, 88.8KiB), 6 without; 0 expire after the 1h horizon
    EXPIRY CLIFFS: minutes holding 10% or more of the keys or bytes with a TTL (mass expiration ahead)
    minute (UTC)      in  keys    bytes  % ttl bytes  patterns
    ----------------------------------------------------------
    2025-12-02 00:07  7m    31  10.8KiB        12.2%  session:* (30), page:* (1)
    (left out to fit the terminal: % ttl keys; pipe the output for every column)

    busiest expiry minutes (all 40 non-empty minutes in JSON: .expiry_timeline)
    minute (UTC)       in  keys    bytes
    ------------------------------------
    2025-12-02 00:01   1m     1   2.0KiB
    2025-12-02 00:02   2m     1   2.0KiB
    2025-12-02 00:03   3m     1   2.0KiB
    2025-12-02 00:04   4m     1   2.0KiB
    2025-12-02 00:05   5m     1   2.0KiB
    2025-12-02 00:06   6m     1   2.0KiB
    2025-12-02 00:07   7m    31  10.8KiB
    2025-12-02 00:08   8m     1   2.0KiB
    2025-12-02 00:09   9m     1   2.0KiB
    2025-12-02 00:10  10m     1   2.0KiB

    memory headroom (evictable: scanned memory the policy may evict)
    node             used  maxmemory  used %  headroom  policy            evictable
    -------------------------------------------------------------------------------
    10.0.0.1:7000  858MiB     1.0GiB   83.8%    166MiB  volatile-lru  4.4KiB (0.2%)
    (left out to fit the terminal: note; pipe the output for every column)
    ");
}

#[test]
fn scan_patterns_table() {
    let scan = scan_report();
    let report = census(true).keyspace(3);
    let doc = ScanPatternsDoc {
        mode: "scan",
        scan: &scan,
        keys_counted: report.keys_counted,
        memory_bytes: report.memory_bytes,
        patterns: &report.patterns,
    };
    insta::assert_snapshot!(doc.table(&View::default()), @"
    2000 keys scanned of 2400 (DBSIZE) on 2 nodes in 0.8s, 2469 keys/s; 2 vanished during the scan; INCOMPLETE
      10.0.0.1:7000: 1200 keys, 3 round trips, 1 latency backoff; PING p99 0.42ms, max 1.30ms; complete
      10.0.0.2:7001: 800 keys, 3 round trips, 1 latency backoff; PING p99 0.42ms, max 1.30ms; FAILED at cursor 1536: connection refused

    memory by pattern (expiry conc.: largest share of the pattern's TTL keys due in one minute)
    pattern    keys  % keys   memory  % memory     avg  no ttl  expiry conc.  ttl p10-p90  example
    ----------------------------------------------------------------------------------------------
    cart:big      1    1.3%   2.4MiB     96.4%  2.4MiB  100.0%             -  -            cart:big
    page:*       40   52.6%  80.0KiB      3.2%  2.0KiB    0.0%          2.5%  4m-36m       page:0
    session:*    30   39.5%   8.8KiB      0.3%    300B    0.0%        100.0%  7m-7m        session:0
    ");
}

//! Every table renderer pinned with an inline snapshot, fed a report built by hand (or, for
//! the traffic and keyspace reports, by the pure core from a few literal events and keys).
//! `cargo insta test --review` updates them after a deliberate change.

use super::hotkeys::{HotkeysDoc, SourceReport, TrafficPatternsDoc};
use super::keyfreq::{LfuDoc, SlotDoc};
use super::monitor::{FileReport, MonitorReport};
use super::stats::StatsReport;
use super::Report;
use crate::analysis::hotkeys::{report, HotkeysReport, ReportConfig, SignatureConfig};
use crate::analysis::keyfreq::{LfuKey, NodeLoad, SlotReport, SlotRow};
use crate::analysis::patterns::PatternRules;
use crate::analysis::rates::{RowStatus, StatsRow};
use crate::analysis::traffic::{Traffic, TrafficConfig};
use crate::parse::monitor::parse_line;

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
        complete: true,
        source: &src,
        report: &rep,
    };
    insta::assert_snapshot!(doc.table(), @"
    capture.log: 52 events over 2.1s, 17.3/s (peak 40/s at 00:00:00); 4 distinct keys, counted exact; 1 lines skipped

    #  key             count  share  rate/s  peak/s  at        reads  writes  command  clients  hot
    -----------------------------------------------------------------------------------------------
    1  product:42         46  88.5%    15.3      40  00:00:00     40       6  get           ~8  HOT
    2  user:0:profile      3   5.8%       1       3  00:00:01      3       0  get            1  HOT
    3  user:1:profile      2   3.8%     0.7       2  00:00:01      2       0  get            1
    4  cart:7              1   1.9%     0.3       1  00:00:02      1       0  hgetall        1

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

    stampede: product:42 written 6 times by 6 clients within the window starting 00:00:01 (40 reads in the capture)
    penetration candidates: 2 keys read ≥2 times and never written (5 reads); most under user:*:profile (2 of them)
    expiry wave: 6 TTLs set; the largest 10s bucket, 00:01:00 UTC, gets 6 of them (100.0%)
    ");
}

#[test]
fn traffic_patterns_table() {
    let (rep, src) = traffic();
    let doc = TrafficPatternsDoc {
        complete: true,
        source: &src,
        events: rep.events,
        distinct_keys: rep.counting.distinct_keys,
        counting: rep.counting.mode,
        patterns: &rep.patterns,
        report: &rep,
        top: 10,
    };
    insta::assert_snapshot!(doc.table(), @"
    capture.log: 52 events over 2.1s, 17.3/s (peak 40/s at 00:00:00); 4 distinct keys, counted exact; 1 lines skipped

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
        r.net_in_kb_per_sec = ops.map(|_| 310.5);
        r.net_out_kb_per_sec = ops.map(|_| 2048.0);
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
        complete: true,
        interval_ms: 1000,
        nodes: Vec::new(),
        samples: vec![
            row("10.0.0.1:6379", RowStatus::Ok, Some(48_210.0)),
            down,
            row("total", RowStatus::Ok, Some(48_210.0)),
        ],
    };
    insta::assert_snapshot!(r.table(), @"
    time     node                  role      ops/s   hit%  miss/s  exp/s evict/s    in/s   out/s     mem   mem%  frag clients  blk    keys        lag status
             10.0.0.1:6379         master    48.2k  93.8%    3013     12       0   310kB   2.0MB   700MB  68.4%  1.07     412    0    1.2M          - ok
             10.0.0.2:6379         master        -      -       -      -       -       -       -   700MB  68.4%  1.07     412    0    1.2M          - down: connection refused
             total                 master    48.2k  93.8%    3013     12       0   310kB   2.0MB   700MB  68.4%  1.07     412    0    1.2M          - ok
    ");
}

#[test]
fn lfu_table() {
    let doc = LfuDoc {
        method: "lfu",
        complete: false,
        nodes: vec!["10.0.0.1:7000".into(), "10.0.0.2:7001".into()],
        scanned_keys: 12_345,
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
    insta::assert_snapshot!(doc.table(), @r"
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
        method: "slot-stats",
        complete: true,
        report: SlotReport {
            ordered_by: "key-count",
            slots: vec![SlotRow {
                slot: 12182,
                node: "10.0.0.3:7002".into(),
                key_count: 40_000,
                cpu_usec: None,
                network_bytes_in: None,
                network_bytes_out: None,
                share_pct: 80.0,
            }],
            nodes: vec![NodeLoad {
                node: "10.0.0.3:7002".into(),
                slots: 5461,
                key_count: 50_000,
                cpu_usec: None,
                share_pct: 100.0,
            }],
        },
    };
    insta::assert_snapshot!(doc.table(), @"
    hottest slots by key-count (CLUSTER SLOT-STATS); set cluster-slot-stats-enabled yes for cpu-usec and network bytes

     slot  node           share   keys  cpu_usec  net_in  net_out
    -------------------------------------------------------------
    12182  10.0.0.3:7002  80.0%  40.0k         -       -        -

    node            share  slots   keys
    -----------------------------------
    10.0.0.3:7002  100.0%   5461  50.0k
    ");
}

#[test]
fn monitor_summary() {
    let r = MonitorReport {
        complete: false,
        duration_secs: 2.04,
        lines_written: 1500,
        lines_filtered: 20,
        files: vec![FileReport {
            node: "127.0.0.1:6379".into(),
            path: "cap.log".into(),
            lines: 1500,
        }],
        stopped_early: Some("interrupted (Ctrl-C)".into()),
        max_server_buffer_bytes: 0,
    };
    insta::assert_snapshot!(r.table(), @"wrote 1500 lines (20 filtered out) in 2.0s to cap.log; stopped early: interrupted (Ctrl-C)");
}

//! Every table renderer pinned with an inline snapshot, fed a report built by hand (or, for
//! the traffic and keyspace reports, by the pure core from a few literal events and keys).
//! `cargo insta test --review` updates them after a deliberate change.

use super::keyfreq::{LfuDoc, SlotDoc};
use super::monitor::{FileReport, MonitorReport};
use super::Report;
use crate::analysis::keyfreq::{LfuKey, NodeLoad, SlotReport, SlotRow};

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

//! The lines every keyspace-scan report starts with (`bigkeys`, `keyspace`,
//! `patterns --scan`): what was scanned, how fast, how each node went. Knows reports, not
//! sockets.

use crate::cmd::scan::ScanReport;
use crate::units::count;

/// The lines every scan report starts with, for tables.
pub(crate) fn summary(s: &ScanReport) -> String {
    let mut out = format!(
        "{} keys scanned of {} (DBSIZE) on {} node{} in {:.1}s, {} keys/s; {} vanished during the scan{}\n",
        count(s.keys_scanned as f64),
        count(s.dbsize as f64),
        s.nodes.len(),
        if s.nodes.len() == 1 { "" } else { "s" },
        s.elapsed_secs,
        count(s.keys_per_sec),
        s.keys_vanished,
        if s.complete { "" } else { "; INCOMPLETE" }
    );
    for n in &s.nodes {
        let probe = match (n.probe_p99_ms, n.probe_max_ms) {
            (Some(p99), Some(max)) => format!("; PING p99 {p99:.2}ms, max {max:.2}ms"),
            _ => String::new(),
        };
        let state = if let Some(e) = &n.error {
            format!("FAILED at cursor {}: {e}", n.cursor)
        } else if n.sampled {
            format!("sampled (--sample), cursor {}", n.cursor)
        } else if !n.complete {
            format!("stopped, resume with --cursor {}", n.cursor)
        } else {
            "complete".to_string()
        };
        out.push_str(&format!(
            "  {}: {} keys, {} round trip{}, {} latency backoff{}{probe}; {state}\n",
            n.node,
            count(n.scanned as f64),
            n.round_trips,
            if n.round_trips == 1 { "" } else { "s" },
            n.latency_backoffs,
            if n.latency_backoffs == 1 { "" } else { "s" },
        ));
    }
    if let Some(e) = &s.extrapolation {
        out.push_str(&format!(
            "  extrapolated from {} sampled keys to {} keys: memory {} ± {} (95%)\n",
            count(e.sampled_keys as f64),
            count(e.total_keys as f64),
            crate::units::bytes(e.memory_bytes.estimate as u64),
            crate::units::bytes(e.memory_bytes.ci95 as u64),
        ));
    }
    out
}

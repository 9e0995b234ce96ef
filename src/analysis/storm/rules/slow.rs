//! `slow_commands`: the slow log growing within the window (and which commands: KEYS,
//! FLUSHALL, whole-collection reads), a command family whose mean time per call within
//! the window (commandstats deltas) is slow, latency spikes (LATENCY LATEST) and the INFO
//! round trip. Pure.

use super::{Against, NodeView, Tally};
use crate::analysis::storm::thresholds::Thresholds;
use crate::units::micros;

/// Commands whose time per call says nothing about the server being slow (they block,
/// stream or replicate by design).
const NOT_SLOW: &[&str] = &[
    "blpop",
    "brpop",
    "brpoplpush",
    "blmove",
    "blmpop",
    "bzpopmin",
    "bzpopmax",
    "bzmpop",
    "xread",
    "xreadgroup",
    "wait",
    "waitaof",
    "monitor",
    "subscribe",
    "psubscribe",
    "ssubscribe",
    "sync",
    "psync",
    "replconf",
];

/// Commands that are slow by nature on a big dataset: naming one is evidence of its own.
const HEAVY: &[&str] = &[
    "keys",
    "flushall",
    "flushdb",
    "smembers",
    "hgetall",
    "lrange",
    "zrange",
    "sort",
    "sunion",
    "sinter",
    "sdiff",
    "zunionstore",
    "zinterstore",
    "debug",
    "eval",
    "evalsha",
];

pub(super) fn node(v: &NodeView, th: &Thresholds) -> Tally {
    let mut t = Tally::default();
    let Some(last) = v.last() else {
        return t;
    };
    slowlog(v, th, &mut t);
    commandstats(v, th, &mut t);
    for (at, events) in &v.extra.latency {
        for e in events
            .iter()
            .filter(|e| e.time as f64 >= v.from - 1.0 && (e.latest_ms as f64) >= th.slow_call_ms)
        {
            t.add(v.ev(
                "latency_event_ms",
                e.latest_ms as f64,
                Some(th.slow_call_ms),
                Against::Threshold,
                "ms",
                *at,
                0.15,
                format!(
                    "latency spike '{}' of {} ms (max {} ms)",
                    e.event, e.latest_ms, e.max_ms
                ),
            ));
        }
    }
    if let Some(p95) = v.rtt_p95() {
        if p95 > th.latency_ms_warning && !t.evidence.is_empty() {
            let critical = p95 > th.latency_ms_critical;
            t.add(v.ev(
                "rtt_p95_ms",
                p95,
                Some(if critical {
                    th.latency_ms_critical
                } else {
                    th.latency_ms_warning
                }),
                Against::Threshold,
                "ms",
                last.t,
                if critical { 0.2 } else { 0.1 },
                format!("INFO round trip p95 {p95:.1} ms"),
            ));
        }
    }
    t
}

fn slowlog(v: &NodeView, th: &Thresholds, t: &mut Tally) {
    let mut seen = std::collections::BTreeMap::new();
    for (_, log) in &v.extra.slowlogs {
        for e in &log.entries {
            if e.time as f64 >= v.from - 1.0 && e.time as f64 <= v.to + 1.0 {
                seen.insert(e.id, e);
            }
        }
    }
    let grew = match (v.extra.slowlogs.first(), v.extra.slowlogs.last()) {
        (Some(a), Some(b)) if b.1.len >= a.1.len => b.1.len - a.1.len,
        _ => 0,
    };
    let n = (seen.len() as u64).max(grew);
    if (n as f64) < th.slowlog_min_entries {
        return;
    }
    let at = v.extra.slowlogs.last().map_or(v.to, |s| s.0);
    let worst = seen.values().max_by_key(|e| e.duration_us);
    t.add(v.ev(
        "slowlog_entries",
        n as f64,
        Some(th.slowlog_min_entries),
        Against::Threshold,
        "entries",
        at,
        0.5,
        match worst {
            Some(e) => format!(
                "{n} new slow-log entries; slowest {} took {}",
                e.args.join(" ").chars().take(60).collect::<String>(),
                micros(e.duration_us)
            ),
            None => format!("the slow log grew by {n} entries"),
        },
    ));
    let heavy = seen.values().find(|e| {
        e.args
            .first()
            .is_some_and(|c| HEAVY.contains(&c.to_ascii_lowercase().as_str()))
    });
    if let Some(e) = heavy {
        t.add(v.ev(
            "slowlog_command",
            e.duration_us as f64 / 1000.0,
            None,
            Against::Event,
            "ms",
            e.time as f64,
            0.2,
            format!(
                "{} in the slow log ({})",
                e.args.first().map_or("", |s| s),
                micros(e.duration_us)
            ),
        ));
    }
}

fn commandstats(v: &NodeView, th: &Thresholds, t: &mut Tally) {
    let after = v.restart_at().map_or(f64::MIN, |iv| iv.t1);
    let pts: Vec<_> = v.points.iter().filter(|p| p.t >= after).collect();
    let (Some(a), Some(b)) = (pts.first(), pts.last()) else {
        return;
    };
    let worst = b
        .cmds
        .iter()
        .filter(|(name, _, _)| !NOT_SLOW.contains(&name.as_str()))
        .filter_map(|(name, calls, usec)| {
            let (c0, u0) = a
                .cmds
                .iter()
                .find(|c| &c.0 == name)
                .map_or((0, 0), |c| (c.1, c.2));
            let dc = calls.checked_sub(c0).filter(|d| *d > 0)?;
            let du = usec.saturating_sub(u0);
            Some((name, dc, du as f64 / dc as f64))
        })
        .max_by(|x, y| x.2.total_cmp(&y.2));
    let span = b.t - a.t;
    if let Some((name, calls, per_call)) = worst.filter(|w| w.2 >= th.slow_call_ms * 1000.0) {
        let busy = calls as f64 * per_call / 1e6 / span.max(1e-9) * 100.0;
        if busy >= th.slow_busy_pct {
            t.add(v.ev(
                "busy_pct",
                busy,
                Some(th.slow_busy_pct),
                Against::Threshold,
                "%",
                b.t,
                0.25,
                format!("{name} kept the server busy {busy:.0}% of the last {span:.0}s: every other client waited"),
            ));
        }
        t.add(v.ev(
            "usec_per_call",
            per_call,
            Some(th.slow_call_ms * 1000.0),
            Against::Threshold,
            "µs",
            b.t,
            0.5,
            format!(
                "{name}: {calls} calls at {} each within the window",
                micros(per_call as u64)
            ),
        ));
    }
}

//! `cachestorm hotkeys`: the hottest keys (and commands, clients, patterns, signatures)
//! from a MONITOR capture file or a bounded live MONITOR.

use serde::Serialize;

use super::traffic::{self, Gathered, SourceReport};
use super::Outcome;
use crate::analysis::hotkeys::{report, HotkeysReport, ReportConfig, SignatureConfig};
use crate::analysis::traffic::TrafficConfig;
use crate::cli::HotkeysArgs;
use crate::error::Result;
use crate::output;
use crate::output::table::{render, table};
use crate::units::{count, pct};

#[derive(Serialize)]
struct Doc<'a> {
    /// False when the capture stopped early (read error, buffer guard, Ctrl-C).
    complete: bool,
    source: &'a SourceReport,
    #[serde(flatten)]
    report: &'a HotkeysReport,
}

pub(crate) async fn run(args: HotkeysArgs) -> Result<Outcome> {
    if args.method != crate::cli::Method::Monitor {
        return super::keyfreq::run(args).await;
    }
    let rules = traffic::rules(&args.traffic.rules)?;
    let cfg = TrafficConfig {
        timeline: args.timeline,
        stampede_window_us: args.stampede_window.as_micros() as u64,
        expiry_bucket_secs: args.expiry_bucket.as_secs().max(1),
        ..traffic::config(&args.traffic)
    };
    let gathered = traffic::gather(&args.target, &args.traffic, cfg).await?;
    let target = gathered.target_json();
    let Gathered {
        traffic: t,
        source,
        input_error,
        interrupted,
        live,
    } = gathered;
    traffic::warn_skipped(&source);
    let rcfg = ReportConfig {
        top: args.top,
        signatures: Some(SignatureConfig {
            threshold_pct: args.threshold,
            min_rate: args.min_rate,
            stampede_min_writes: args.stampede_writes,
            stampede_min_clients: args.stampede_clients,
            penetration_min_reads: args.penetration_reads,
        }),
        nodes: source.nodes.clone(),
    };
    let mut rep = report(&t, &rcfg, &rules);
    if let Some(live) = &live {
        rep.penetration.verified = super::live::verify_missing(live, &t, &rcfg).await;
    }
    let complete = source.stopped_early.is_none();
    let doc = Doc {
        complete,
        source: &source,
        report: &rep,
    };
    output::emit(
        args.output.format(),
        "hotkeys",
        &target,
        &doc,
        &rep.keys,
        || render_report(&rep, &source),
    )?;
    Ok(traffic::outcome(input_error, interrupted))
}

/// Summary line shared with `patterns`.
pub(crate) fn summary(rep: &HotkeysReport, src: &SourceReport) -> String {
    let from = match (&src.path, src.nodes.as_slice()) {
        (Some(p), _) => p.clone(),
        (None, [one]) => one.clone(),
        (None, many) => format!("{} nodes", many.len()),
    };
    let peak = rep
        .peak_at
        .as_deref()
        .map(|t| {
            format!(
                " (peak {}/s at {})",
                count(rep.peak_events_per_sec as f64),
                hms(t)
            )
        })
        .unwrap_or_default();
    let mut s = format!(
        "{from}: {} events over {:.1}s, {}/s{peak}; {} distinct keys, counted {}",
        count(rep.events as f64),
        rep.span_secs,
        count(rep.events_per_sec),
        count(rep.counting.distinct_keys as f64),
        rep.counting.mode
    );
    if src.skipped_lines > 0 {
        s.push_str(&format!("; {} lines skipped", src.skipped_lines));
    }
    if let Some(why) = &src.stopped_early {
        s.push_str(&format!("; stopped early: {why}"));
    }
    s.push('\n');
    s
}

/// `2026-11-22T23:04:22.000Z` → `23:04:22`.
pub(crate) fn hms(t: &str) -> &str {
    t.get(11..19).unwrap_or(t)
}

fn render_report(rep: &HotkeysReport, src: &SourceReport) -> String {
    let mut s = summary(rep, src);
    s.push('\n');
    let mut keys = table(
        &[
            "#", "key", "count", "share", "rate/s", "peak/s", "at", "reads", "writes", "command",
            "clients", "hot",
        ],
        &[
            "#", "count", "share", "rate/s", "peak/s", "reads", "writes", "clients",
        ],
    );
    for (i, k) in rep.keys.iter().enumerate() {
        let clients = match (k.distinct_clients_exact, k.distinct_clients) {
            (true, n) => n.to_string(),
            (false, n) if n >= crate::analysis::traffic::CLIENTS_SATURATED => format!(">{n}"),
            (false, n) => format!("~{n}"),
        };
        let mut c = count(k.count as f64);
        if let Some(e) = k.count_error {
            c = format!("{c}±{}", count(e as f64));
        }
        keys.add_row(vec![
            (i + 1).to_string(),
            k.key.clone(),
            c,
            pct(k.share_pct),
            count(k.rate_per_sec),
            count(k.peak_per_sec as f64),
            k.peak_at.as_deref().map(hms).unwrap_or("-").to_string(),
            count(k.reads as f64),
            count(k.writes as f64),
            k.dominant_command.clone(),
            clients,
            if k.hot { "HOT".into() } else { String::new() },
        ]);
    }
    s.push_str(&render(&keys));

    s.push('\n');
    let mut side = table(
        &["command", "calls", "share", "client", "events", "share "],
        &["calls", "share", "events", "share "],
    );
    for i in 0..rep.commands.len().max(rep.clients.len()).min(10) {
        let (c, cn, cp) = rep
            .commands
            .get(i)
            .map_or((String::new(), String::new(), String::new()), |c| {
                (c.name.clone(), count(c.count as f64), pct(c.share_pct))
            });
        let (l, ln, lp) = rep
            .clients
            .get(i)
            .map_or((String::new(), String::new(), String::new()), |c| {
                (c.name.clone(), count(c.count as f64), pct(c.share_pct))
            });
        side.add_row(vec![c, cn, cp, l, ln, lp]);
    }
    s.push_str(&render(&side));

    s.push('\n');
    s.push_str(&patterns_table(rep, 10));
    s.push('\n');
    s.push_str(&signatures(rep));
    s
}

pub(crate) fn patterns_table(rep: &HotkeysReport, n: usize) -> String {
    let mut t = table(
        &[
            "pattern", "ops", "share", "keys", "reads", "writes", "command", "example",
        ],
        &["ops", "share", "keys", "reads", "writes"],
    );
    for p in rep.patterns.iter().take(n) {
        t.add_row(vec![
            p.pattern.clone(),
            count(p.ops as f64),
            pct(p.share_pct),
            count(p.distinct_keys as f64),
            count(p.reads as f64),
            count(p.writes as f64),
            p.dominant_command.clone(),
            p.example_key.clone(),
        ]);
    }
    render(&t)
}

fn signatures(rep: &HotkeysReport) -> String {
    let mut s = String::new();
    if rep.stampedes.is_empty() {
        s.push_str("stampede: none (no key written by many clients within the window)\n");
    }
    for st in rep.stampedes.iter().take(5) {
        s.push_str(&format!(
            "stampede: {} written {} times by {} clients within the window starting {} ({} reads in the capture)\n",
            st.key,
            st.writes,
            st.distinct_writers,
            st.window_start_at.as_deref().map(hms).unwrap_or("-"),
            count(st.reads as f64)
        ));
    }
    let p = &rep.penetration;
    match &p.verified {
        Some(v) => s.push_str(&format!(
            "penetration: {} of {} sampled read-only keys do not exist ({}){}\n",
            v.missing,
            v.sampled,
            pct(v.missing_pct),
            if v.missing_examples.is_empty() {
                String::new()
            } else {
                format!(", e.g. {}", v.missing_examples.join(", "))
            }
        )),
        None => s.push_str(&format!(
            "penetration candidates: {} keys read ≥{} times and never written ({} reads){}\n",
            count(p.candidate_keys as f64),
            p.min_reads,
            count(p.candidate_reads as f64),
            p.by_pattern
                .first()
                .map(|g| format!("; most under {} ({} of them)", g.pattern, g.keys))
                .unwrap_or_default()
        )),
    }
    let w = &rep.expiry_wave;
    match &w.largest {
        Some(b) if w.ttls_set > 0 => s.push_str(&format!(
            "expiry wave: {} TTLs set; the largest {}s bucket, {} UTC, gets {} of them ({})\n",
            count(w.ttls_set as f64),
            w.bucket_secs,
            hms(&b.expires_at),
            count(b.ttls as f64),
            pct(b.share_pct)
        )),
        _ => s.push_str("expiry wave: no TTLs set in the capture\n"),
    }
    if !rep.unknown_commands.is_empty() {
        let names: Vec<&str> = rep
            .unknown_commands
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        s.push_str(&format!(
            "note: commands not in the key-spec table, counted by their first argument: {}\n",
            names.join(", ")
        ));
    }
    s
}

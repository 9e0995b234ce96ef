//! The `hotkeys` report (MONITOR traffic, from a capture file or live) and the traffic
//! `patterns` report: their documents and tables. Knows reports, not sockets.

use serde::Serialize;

use super::table::{Col, Table};
use super::{Completeness, NodeRef, Report, View};
use crate::analysis::hotkeys::{Counting, HotKey, HotkeysReport, PatternRow};
use crate::units::{count, decimal, or_dash, pct};

/// Where the events came from and what was left out.
#[derive(Debug, Default, Serialize, schemars::JsonSchema)]
pub(crate) struct SourceReport {
    /// `file` or `live`.
    pub(crate) kind: &'static str,
    /// The capture file read (`-` for stdin); null live.
    pub(crate) path: Option<String>,
    /// Live: the masters captured; empty for a file.
    pub(crate) nodes: Vec<NodeRef>,
    pub(crate) lines: u64,
    /// Lines that are not MONITOR lines (or were cut off, or longer than 64 MiB).
    pub(crate) skipped_lines: u64,
    /// Line numbers of the first few skipped lines.
    pub(crate) skipped_line_numbers: Vec<u64>,
    /// Live: commands the server knows that the built-in key-spec table does not (modules),
    /// whose key specs were taken from the server's COMMAND INFO.
    pub(crate) server_commands_added: Option<usize>,
    /// Why gathering stopped before its end, in words (`stopped_by` says it in one word).
    pub(crate) stopped_early: Option<String>,
}

/// `cachestorm hotkeys` (`--method monitor`).
///
/// # Format
///
/// JSON (`cachestorm.hotkeys/v1`), after the envelope (docs/JSON.md): `source` (where the events came from, lines read and
/// skipped, why it stopped early), then the report's fields: `events`, `first_event_at`,
/// `last_event_at` (RFC 3339 UTC, microseconds), `span_ms` (earliest to latest event),
/// `events_per_sec` (`events / span`, null for a zero span), `peak_events_per_sec`,
/// `peak_at`, `counting` (mode, `distinct_keys` and whether it is exact), `keys` (the top
/// keys), `commands`, `clients`, `patterns`, `unknown_commands`, `stampedes`,
/// `penetration`, `expiry_wave`. NDJSON: one line per element of `keys`.
#[derive(Serialize, schemars::JsonSchema)]
pub(crate) struct HotkeysDoc<'a> {
    #[serde(skip)]
    pub(crate) completeness: Completeness,
    pub(crate) source: &'a SourceReport,
    #[serde(flatten)]
    pub(crate) report: &'a HotkeysReport,
}

impl Report for HotkeysDoc<'_> {
    const SCHEMA: &'static str = "hotkeys";
    type Record = HotKey;

    fn records(&self) -> &[HotKey] {
        &self.report.keys
    }

    fn table(&self, view: &View) -> String {
        render_report(self.report, self.source, view)
    }

    fn completeness(&self) -> Completeness {
        self.completeness
    }
}

/// `cachestorm patterns` over MONITOR traffic.
///
/// # Format
///
/// JSON (`cachestorm.patterns/v1`): `source` (as in `hotkeys`), `events`, `counting` (as in
/// `hotkeys`: mode, `distinct_keys`, exact or estimated), `patterns` (ops, share, distinct
/// keys, reads, writes, dominant command and an example key per pattern).
/// NDJSON: one line per element of `patterns`.
#[derive(Serialize, schemars::JsonSchema)]
pub(crate) struct TrafficPatternsDoc<'a> {
    #[serde(skip)]
    pub(crate) completeness: Completeness,
    pub(crate) source: &'a SourceReport,
    pub(crate) events: u64,
    pub(crate) counting: &'a Counting,
    pub(crate) patterns: &'a [PatternRow],
    #[serde(skip)]
    pub(crate) report: &'a HotkeysReport,
    #[serde(skip)]
    pub(crate) top: usize,
}

impl Report for TrafficPatternsDoc<'_> {
    const SCHEMA: &'static str = "patterns";
    type Record = PatternRow;

    fn records(&self) -> &[PatternRow] {
        self.patterns
    }

    fn table(&self, view: &View) -> String {
        summary(self.report, self.source) + "\n" + &patterns_table(self.report, self.top, view)
    }

    fn completeness(&self) -> Completeness {
        self.completeness
    }
}

/// A span for people: `0.30s`, `5.75s`, then `12m5s`.
fn span(secs: f64) -> String {
    if secs < 60.0 {
        format!("{secs:.2}s")
    } else {
        crate::units::secs(secs.round() as u64)
    }
}

/// Summary line shared with `patterns`.
fn summary(rep: &HotkeysReport, src: &SourceReport) -> String {
    let from = match (&src.path, src.nodes.as_slice()) {
        (Some(p), _) => p.clone(),
        (None, [one]) => one.node.clone(),
        (None, many) => format!("{} nodes", many.len()),
    };
    let peak = rep
        .peak_at
        .as_deref()
        .map(|t| {
            format!(
                " (peak {}/s at {} UTC)",
                count(rep.peak_events_per_sec as f64),
                hms(t)
            )
        })
        .unwrap_or_default();
    // A capture without a span (one event, or one instant) has no rate to show.
    let over = match rep.events_per_sec {
        Some(r) => format!(" over {}, {}/s{peak}", span(rep.span_secs), decimal(r)),
        None => " in one instant (no span, no rate)".into(),
    };
    let c = &rep.counting;
    let distinct = format!(
        "{}{} distinct key{}{}",
        if c.distinct_keys_exact { "" } else { "~" },
        count(c.distinct_keys as f64),
        plural(c.distinct_keys),
        if c.distinct_keys_exact {
            ""
        } else {
            " (estimated)"
        }
    );
    let mut s = format!(
        "{from}: {} event{}{over}; {distinct}, counted {}",
        count(rep.events as f64),
        plural(rep.events),
        c.mode
    );
    if src.skipped_lines > 0 {
        s.push_str(&format!(
            "; {} line{} skipped",
            src.skipped_lines,
            plural(src.skipped_lines)
        ));
    }
    if let Some(why) = &src.stopped_early {
        s.push_str(&format!("; stopped early: {why}"));
    }
    s.push('\n');
    s
}

/// `s` after a count other than one.
fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// `2026-11-22T23:04:22.000000Z` → `23:04:22` (UTC).
pub(crate) fn hms(t: &str) -> &str {
    t.get(11..19).unwrap_or(t)
}

fn render_report(rep: &HotkeysReport, src: &SourceReport, view: &View) -> String {
    let mut s = summary(rep, src);
    s.push('\n');
    // A node column when the events came from several nodes (a cluster).
    let nodes = src.nodes.len() > 1;
    let mut cols = vec![
        Col::num("#"),
        Col::text("key"),
        Col::num("count"),
        Col::num("share"),
        Col::num("rate/s").drop(7),
        Col::num("peak/s").drop(3),
        Col::label("at (UTC)").drop(2),
        Col::num("reads").drop(4),
        Col::num("writes").drop(5),
        Col::label("command").drop(6),
        Col::num("clients").drop(1),
        Col::label("hot"),
    ];
    if nodes {
        cols.push(Col::label("node").drop(8));
    }
    let mut keys = Table::new(cols);
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
        let mut row = vec![
            (i + 1).to_string(),
            k.key.clone(),
            c,
            pct(k.share_pct),
            or_dash(k.rate_per_sec, decimal),
            count(k.peak_per_sec as f64),
            k.peak_at.as_deref().map(hms).unwrap_or("-").to_string(),
            count(k.reads as f64),
            count(k.writes as f64),
            k.dominant_command.clone(),
            clients,
            if k.hot { "HOT".into() } else { String::new() },
        ];
        if nodes {
            row.push(k.node.clone().unwrap_or_else(|| "-".into()));
        }
        keys.row(row);
    }
    s.push_str(&keys.render(view));

    s.push('\n');
    let mut side = Table::new(vec![
        Col::label("command"),
        Col::num("calls"),
        Col::num("share"),
        Col::text("client"),
        Col::num("events"),
        Col::num("share "),
    ]);
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
        side.row(vec![c, cn, cp, l, ln, lp]);
    }
    s.push_str(&side.render(view));

    s.push('\n');
    s.push_str(&patterns_table(rep, 10, view));
    s.push('\n');
    s.push_str(&signatures(rep, view));
    s
}

fn patterns_table(rep: &HotkeysReport, n: usize, view: &View) -> String {
    let mut t = Table::new(vec![
        Col::text("pattern"),
        Col::num("ops"),
        Col::num("share"),
        Col::num("keys").drop(5),
        Col::num("reads").drop(3),
        Col::num("writes").drop(4),
        Col::label("command").drop(2),
        Col::text("example").drop(1),
    ]);
    for p in rep.patterns.iter().take(n) {
        t.row(vec![
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
    t.render(view)
}

fn signatures(rep: &HotkeysReport, view: &View) -> String {
    let mut s = String::new();
    if rep.stampedes.is_empty() {
        s.push_str("stampede: none (no key written by many clients within the window)\n");
    }
    for st in rep.stampedes.iter().take(5) {
        s.push_str(&format!(
            "stampede: {} written {} times by {} clients within the window starting {} UTC ({} reads in the capture)\n",
            view.text(&st.key),
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
                let names: Vec<_> = v.missing_examples.iter().map(|k| view.text(k)).collect();
                format!(", e.g. {}", names.join(", "))
            }
        )),
        None => s.push_str(&format!(
            "penetration candidates: {} key{} read ≥{} times and never written ({} reads){}\n",
            count(p.candidate_keys as f64),
            plural(p.candidate_keys),
            p.min_reads,
            count(p.candidate_reads as f64),
            p.by_pattern
                .first()
                .map(|g| format!(
                    "; most under {} ({} of them)",
                    view.text(&g.pattern),
                    g.keys
                ))
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
        let names: Vec<_> = rep
            .unknown_commands
            .iter()
            .map(|c| view.text(&c.name))
            .collect();
        s.push_str(&format!(
            "note: commands not in the key-spec table, counted by their first argument: {}\n",
            names.join(", ")
        ));
    }
    s
}

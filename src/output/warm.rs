//! The `warm` report: the plan (keys found per source, what will be warmed) and what the
//! run did (written, left alone, missing, skipped, failed by reason, bytes, rate), as a
//! table or `cachestorm.warm/v1`. Knows reports, not sockets.

use serde::Serialize;

use super::table::{Col, Table};
use super::{Completeness, Report, StopReason, View};
use crate::units::{bytes, count, decimal};

/// `cachestorm warm`.
///
/// # Format
///
/// JSON (`cachestorm.warm/v1`): `sources` (per key source: `source`, `lines`, `matched`,
/// `unmatched`, `bad`, `keys_seen`, `filtered`, `bad_examples`), `distinct_keys`, `targeted` (keys the run set out to
/// warm, hottest first), `dry_run`, `written`, `skipped_existing` (already on the target:
/// left alone), `missing_in_source`, `skipped_short_ttl` (remaining TTL under
/// `--min-ttl`), `typed_fallback` (copied type by type because the target refused the
/// source's DUMP payload), `failed` (count) and `failures` (by reason: `reason`, `count`,
/// `first_keys`), `bytes` (DUMP payload bytes written), `duration_ms`, `keys_per_sec`,
/// `stopped_by_guard` (why the target's guard stopped the run, if it did),
/// `measured_before`/`measured_after` (`--measure`: `hit_pct`, `misses_per_sec`,
/// `hits_per_sec`, `window_ms` of the target before and after), `resumed_after` (keys a
/// previous run handled, skipped by `--resume`), `verified` (`--verify`: `sampled`, `same`,
/// `differ`, `first_differ`), `estimated_bytes` (the plan's estimate of the bytes it
/// writes), `estimated_ms` (at `--rate`), `headroom_bytes` (what the target takes before
/// `--max-memory-pct`; null: no maxmemory), `target_latency_p99_ms` (the side probe's PING
/// latency while writing), `target_nodes`, `progress` (the main array: one [`WarmEvent`] a
/// second while writing, `event` = `progress`, then one `done` with the totals; `-o
/// ndjson` prints them as they happen).
#[derive(Serialize, schemars::JsonSchema)]
pub(crate) struct WarmReport {
    #[serde(skip)]
    pub(crate) completeness: Completeness,
    pub(crate) sources: Vec<SourceRow>,
    pub(crate) distinct_keys: u64,
    /// False when `--top` bounded the counting table and more distinct keys were seen
    /// than it holds: `distinct_keys` is then the table's size, a lower bound.
    pub(crate) distinct_keys_exact: bool,
    pub(crate) targeted: u64,
    pub(crate) dry_run: bool,
    pub(crate) written: u64,
    pub(crate) skipped_existing: u64,
    pub(crate) missing_in_source: u64,
    pub(crate) skipped_short_ttl: u64,
    pub(crate) typed_fallback: u64,
    pub(crate) failed: u64,
    pub(crate) failures: Vec<Failure>,
    pub(crate) bytes: u64,
    #[serde(rename = "duration_ms", serialize_with = "crate::show::ms::from_secs")]
    #[schemars(with = "f64")]
    pub(crate) duration_secs: f64,
    pub(crate) keys_per_sec: f64,
    /// Why the target's guard stopped the run (evictions began, memory passed
    /// `--max-memory-pct`); null when it did not.
    pub(crate) stopped_by_guard: Option<String>,
    /// The hottest keys of the plan, as shown (at most 10).
    pub(crate) first_keys: Vec<String>,
    /// `--measure`: the target's hit rate before the warm and after it; null without.
    pub(crate) measured_before: Option<Measured>,
    pub(crate) measured_after: Option<Measured>,
    /// `--resume`: the keys of the plan a previous run had already handled (skipped).
    pub(crate) resumed_after: u64,
    /// `--verify`: written keys read back from both servers and compared; null without.
    pub(crate) verified: Option<VerifiedRow>,
    /// The plan's estimate of the memory its keys take on the target (MEMORY USAGE of
    /// keys sampled on the source; a file's value and key sizes); null when it cannot be
    /// known ahead (a command, HTTP).
    pub(crate) estimated_bytes: Option<u64>,
    /// How long the plan takes at `--rate`; null without a rate.
    #[serde(
        rename = "estimated_ms",
        serialize_with = "crate::show::ms::from_opt_secs"
    )]
    #[schemars(with = "Option<f64>")]
    pub(crate) estimated_secs: Option<f64>,
    /// What the target's masters take before `--max-memory-pct` of their maxmemory; null
    /// when a master has no maxmemory.
    pub(crate) headroom_bytes: Option<u64>,
    /// The target's PING latency (p99) seen by the side probe while writing.
    pub(crate) target_latency_p99_ms: Option<f64>,
    /// Masters of the target written to (1: one server).
    pub(crate) target_nodes: u64,
    /// The progress events: one a second while writing, then one `done` with the totals
    /// (`-o ndjson` prints them as they happen).
    pub(crate) progress: Vec<WarmEvent>,
}

/// An NDJSON progress event of `warm -o ndjson`: `progress` once a second while writing,
/// `done` at the end (`plan` alone for a `--dry-run`).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub(crate) struct WarmEvent {
    /// `plan`, `progress` or `done`.
    pub(crate) event: &'static str,
    /// Keys handled (written, skipped or failed) by this run.
    pub(crate) done: u64,
    /// Keys the run set out to warm (null: a scan, not known ahead).
    pub(crate) total: Option<u64>,
    pub(crate) written: u64,
    pub(crate) failed: u64,
    pub(crate) bytes: u64,
    #[serde(rename = "elapsed_ms", serialize_with = "crate::show::ms::from_secs")]
    #[schemars(with = "f64")]
    pub(crate) elapsed_secs: f64,
    pub(crate) keys_per_sec: f64,
    /// The time left at the rate so far (null: total unknown, or nothing done yet).
    #[serde(rename = "eta_ms", serialize_with = "crate::show::ms::from_opt_secs")]
    #[schemars(with = "Option<f64>")]
    pub(crate) eta_secs: Option<f64>,
    /// `done` only: keys left alone (already on the target, missing in the source, TTL
    /// too short); null in the other events.
    pub(crate) skipped: Option<u64>,
    /// `done` only: whether the run did all it set out to, and why not (the envelope's
    /// words); null in the other events.
    pub(crate) complete: Option<bool>,
    pub(crate) stopped_by: Option<StopReason>,
}

impl WarmEvent {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        event: &'static str,
        done: u64,
        total: Option<u64>,
        written: u64,
        failed: u64,
        bytes: u64,
        elapsed_secs: f64,
    ) -> Self {
        let keys_per_sec = done as f64 / elapsed_secs.max(1e-9);
        WarmEvent {
            event,
            done,
            total,
            written,
            failed,
            bytes,
            elapsed_secs,
            keys_per_sec,
            eta_secs: total
                .filter(|_| done > 0)
                .map(|t| t.saturating_sub(done) as f64 / keys_per_sec),
            skipped: None,
            complete: None,
            stopped_by: None,
        }
    }
}

/// What `--verify` found.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub(crate) struct VerifiedRow {
    pub(crate) sampled: u64,
    /// Same type and value on both servers.
    pub(crate) same: u64,
    pub(crate) differ: u64,
    /// The first keys that differ, as shown.
    pub(crate) first_differ: Vec<String>,
}

/// The target's reads over a `--measure` window (INFO deltas).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub(crate) struct Measured {
    /// Null when nothing was read in the window.
    pub(crate) hit_pct: Option<f64>,
    pub(crate) misses_per_sec: f64,
    pub(crate) hits_per_sec: f64,
    #[serde(rename = "window_ms", serialize_with = "crate::show::ms::from_secs")]
    #[schemars(with = "f64")]
    pub(crate) window_secs: f64,
}

/// One key source in the plan.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub(crate) struct SourceRow {
    pub(crate) source: String,
    pub(crate) lines: u64,
    pub(crate) matched: u64,
    pub(crate) unmatched: u64,
    pub(crate) bad: u64,
    /// Keys taken from it, repeats included (a report entry counts once).
    pub(crate) keys_seen: u64,
    /// Keys left out by `--match`.
    pub(crate) filtered: u64,
    /// The first few bad lines: `line 12: ...`.
    pub(crate) bad_examples: Vec<String>,
}

/// Keys that failed for one reason.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub(crate) struct Failure {
    pub(crate) reason: String,
    pub(crate) count: u64,
    /// The first few keys, as shown.
    pub(crate) first_keys: Vec<String>,
}

impl Report for WarmReport {
    const SCHEMA: &'static str = "warm";
    type Record = WarmEvent;

    fn records(&self) -> &[WarmEvent] {
        &self.progress
    }

    fn table(&self, view: &View) -> String {
        let mut t = Table::new(vec![
            Col::text("key source"),
            Col::num("lines"),
            Col::num("matched"),
            Col::num("unmatched"),
            Col::num("bad"),
            Col::num("keys seen"),
        ]);
        for s in &self.sources {
            t.row(vec![
                s.source.clone(),
                count(s.lines as f64),
                count(s.matched as f64),
                count(s.unmatched as f64),
                count(s.bad as f64),
                count(s.keys_seen as f64),
            ]);
        }
        let mut out = t.render(view);
        for s in self.sources.iter().filter(|s| !s.bad_examples.is_empty()) {
            out.push_str(&format!(
                "{}: bad lines, first: {}\n",
                s.source,
                s.bad_examples.join("; ")
            ));
        }
        out.push_str(&format!(
            "\n{}{} distinct keys; {} to warm, hottest first: {}\n",
            if self.distinct_keys_exact {
                ""
            } else {
                "at least "
            },
            count(self.distinct_keys as f64),
            count(self.targeted as f64),
            self.first_keys.join(", ")
        ));
        if let Some(e) = self.estimated_bytes {
            out.push_str(&format!(
                "estimated: {} of target memory{}; {}\n",
                bytes(e),
                self.estimated_secs
                    .map_or(String::new(), |s| format!(", {}s at --rate", decimal(s))),
                self.headroom_bytes
                    .map_or("the target has no maxmemory".to_string(), |h| format!(
                        "the target takes {} more under --max-memory-pct",
                        bytes(h)
                    ))
            ));
        }
        if self.dry_run {
            out.push_str("dry run: nothing written\n");
            return out;
        }
        if self.resumed_after > 0 {
            out.push_str(&format!(
                "resumed after the {} keys a previous run handled\n",
                count(self.resumed_after as f64)
            ));
        }
        let mut r = Table::new(vec![Col::label("result"), Col::num("keys")]);
        for (name, n) in [
            ("written", self.written),
            ("  of which typed fallback", self.typed_fallback),
            ("skipped: already on the target", self.skipped_existing),
            ("skipped: missing in the source", self.missing_in_source),
            ("skipped: TTL under --min-ttl", self.skipped_short_ttl),
            ("failed", self.failed),
        ] {
            r.row(vec![name.to_string(), count(n as f64)]);
        }
        out.push('\n');
        out.push_str(&r.render(view));
        out.push_str(&format!(
            "\n{} written in {}s ({} keys/s)\n",
            bytes(self.bytes),
            decimal(self.duration_secs),
            decimal(self.keys_per_sec)
        ));
        for f in &self.failures {
            out.push_str(&format!(
                "failed: {} ({}), first: {}\n",
                f.reason,
                f.count,
                f.first_keys.join(", ")
            ));
        }
        for (when, m) in [
            ("before", &self.measured_before),
            ("after", &self.measured_after),
        ] {
            if let Some(m) = m {
                out.push_str(&format!(
                    "hit rate {when}: {} ({} misses/s, {} hits/s over {}s)\n",
                    m.hit_pct.map_or("-".to_string(), crate::units::pct),
                    decimal(m.misses_per_sec),
                    decimal(m.hits_per_sec),
                    decimal(m.window_secs)
                ));
            }
        }
        if let Some(v) = &self.verified {
            out.push_str(&format!(
                "verified {} written keys: {} the same on both servers, {} differ{}\n",
                v.sampled,
                v.same,
                v.differ,
                if v.first_differ.is_empty() {
                    String::new()
                } else {
                    format!(" (first: {})", v.first_differ.join(", "))
                }
            ));
        }
        if let Some(p) = self.target_latency_p99_ms {
            out.push_str(&format!(
                "target PING latency while writing: p99 {p:.2} ms\n"
            ));
        }
        match self.completeness.stopped_by {
            Some(StopReason::Interrupted) => {
                out.push_str("stopped early: interrupted; what was written stays\n")
            }
            Some(StopReason::MaxTime) => {
                out.push_str("stopped early: --max-time reached; what was written stays\n")
            }
            Some(StopReason::NodeLost) => out.push_str(
                "stopped early: a source or target failed (see the failures); what was written stays\n",
            ),
            _ => {}
        }
        if let Some(g) = &self.stopped_by_guard {
            out.push_str(&format!("stopped by the target's guard: {g}\n"));
        }
        out
    }

    fn completeness(&self) -> Completeness {
        self.completeness
    }
}

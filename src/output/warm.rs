//! The `warm` report: the plan (keys found per source, what will be warmed) and what the
//! run did (written, left alone, missing, skipped, failed by reason, bytes, rate), as a
//! table or `cachestorm.warm/v1`. Knows reports, not sockets.

use serde::Serialize;

use super::table::{Col, Table};
use super::{Completeness, Report, View};
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
/// `differ`, `first_differ`). NDJSON: one line
/// per element of `failures`.
#[derive(Serialize, schemars::JsonSchema)]
pub(crate) struct WarmReport {
    #[serde(skip)]
    pub(crate) completeness: Completeness,
    pub(crate) sources: Vec<SourceRow>,
    pub(crate) distinct_keys: u64,
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
    type Record = Failure;

    fn records(&self) -> &[Failure] {
        &self.failures
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
            "\n{} distinct keys; {} to warm, hottest first: {}\n",
            count(self.distinct_keys as f64),
            count(self.targeted as f64),
            self.first_keys.join(", ")
        ));
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
        if let Some(g) = &self.stopped_by_guard {
            out.push_str(&format!("stopped by the target's guard: {g}\n"));
        }
        out
    }

    fn completeness(&self) -> Completeness {
        self.completeness
    }
}

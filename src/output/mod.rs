//! Report output, the one way every command prints: the `-o` format, the [`Report`]
//! trait every report implements (table, JSON document, NDJSON records), the JSON envelope
//! every document carries, and the table renderers, one file per report. stdout carries
//! the report only; nothing here writes to stderr.
//!
//! JSON documents: `{"schema": "cachestorm.<command>/v1", "generated_at": RFC 3339,
//! "target": {...redacted server, or {"mode": "file", "path"}...}, ...report fields}`. NDJSON: one report object per line,
//! flushed as produced, each line the same object as one element of the JSON document's
//! main array (e.g. `samples` for `stats`). Field names are snake_case and stable, units in
//! the name (`_bytes`, `_per_sec`, `_ms`, `_pct`).

pub(crate) mod bigkeys;
pub(crate) mod detect;
pub(crate) mod hotkeys;
pub(crate) mod keyfreq;
pub(crate) mod keyspace;
pub(crate) mod monitor;
pub(crate) mod report;
pub(crate) mod scan;
#[cfg(test)]
pub(crate) mod schema;
pub(crate) mod stats;
pub(crate) mod stream;
pub(crate) mod style;
pub(crate) mod table;
pub(crate) mod warm;

use std::io::Write;

use clap::ValueEnum;
use schemars::JsonSchema;
use serde::Serialize;

use crate::endpoint::TargetReport;
use crate::error::Result;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// aligned text for people
    Table,
    /// one JSON document at the end
    Json,
    /// one JSON object per line as results arrive
    Ndjson,
}

impl Format {
    /// As `-o` spells it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Ndjson => "ndjson",
        }
    }
}

/// The document every `-o json` prints: the envelope fields, then the report's.
#[derive(Serialize, JsonSchema)]
pub(crate) struct Envelope<'a, T: Serialize> {
    /// `cachestorm.<shape>/v1`: the shape of the document (docs/schema/<shape>.json).
    pub(crate) schema: String,
    /// When the document was written: RFC 3339 UTC with microseconds.
    pub(crate) generated_at: String,
    /// What was looked at (the password is never shown).
    pub(crate) target: &'a TargetReport,
    #[serde(flatten)]
    pub(crate) completeness: Completeness,
    #[serde(flatten)]
    pub(crate) report: &'a T,
}

/// A node a report speaks of: the vocabulary's node object (docs/JSON.md).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub(crate) struct NodeRef {
    /// `host:port` (or a Unix socket's path).
    pub(crate) node: String,
    /// `master` or `replica` when known.
    pub(crate) role: Option<&'static str>,
    /// Why the node's part is missing or cut short; null when it is not.
    pub(crate) error: Option<String>,
}

impl NodeRef {
    /// Nodes by name, each with the first of `errors` that names it.
    pub(crate) fn list(
        names: &[String],
        role: Option<&'static str>,
        errors: &[String],
    ) -> Vec<Self> {
        names
            .iter()
            .map(|n| NodeRef {
                node: n.clone(),
                role,
                // Messages name their node as `host:port: ...` (or `... to host:port: ...`).
                error: errors
                    .iter()
                    .find(|e| e.contains(&format!("{n}: ")))
                    .cloned(),
            })
            .collect()
    }
}

/// The schema name of a report shape: `cachestorm.hotkeys.lfu/v1`.
pub(crate) fn schema_name(shape: &str) -> String {
    format!("cachestorm.{shape}/v1")
}

/// Writes `report` as one pretty JSON document in the standard envelope.
fn write_json<R: Report>(out: &mut impl Write, target: &TargetReport, report: &R) -> Result<()> {
    let doc = Envelope {
        schema: schema_name(R::SCHEMA),
        generated_at: now_rfc3339(),
        target,
        completeness: report.completeness(),
        report,
    };
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(std::io::Error::from)?;
    writeln!(out)?;
    out.flush()?;
    Ok(())
}

/// Writes one NDJSON line and flushes, so `| jq` sees it at once.
pub(crate) fn write_ndjson<T: Serialize>(out: &mut impl Write, item: &T) -> Result<()> {
    serde_json::to_writer(&mut *out, item).map_err(std::io::Error::from)?;
    writeln!(out)?;
    out.flush()?;
    Ok(())
}

pub(crate) use report::{Completeness, Report, StopReason};
pub(crate) use table::View;

/// Writes a finished report to stdout in `format`: the JSON document in the envelope,
/// one NDJSON line per record, or the table laid out for `view`.
pub(crate) fn print<R: Report>(
    format: Format,
    view: &View,
    target: &TargetReport,
    report: &R,
) -> Result<()> {
    let mut out = std::io::stdout().lock();
    write(&mut out, format, view, target, report)
}

/// [`print`] to any writer.
pub(crate) fn write<R: Report>(
    out: &mut impl Write,
    format: Format,
    view: &View,
    target: &TargetReport,
    report: &R,
) -> Result<()> {
    match format {
        Format::Json => write_json(out, target, report)?,
        Format::Ndjson => {
            for r in report.records() {
                write_ndjson(out, r)?;
            }
        }
        Format::Table => {
            out.write_all(report.table(view).as_bytes())?;
            out.flush()?;
        }
    }
    Ok(())
}

pub(crate) fn now_rfc3339() -> String {
    crate::show::rfc3339_micros(chrono::Utc::now())
}

#[cfg(test)]
mod tests;

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
pub(crate) mod hotkeys;
pub(crate) mod keyfreq;
pub(crate) mod keyspace;
pub(crate) mod monitor;
pub(crate) mod report;
pub(crate) mod scan;
pub(crate) mod stats;
pub(crate) mod stream;
pub(crate) mod style;
pub(crate) mod table;

use std::io::Write;

use clap::ValueEnum;
use serde::Serialize;

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

#[derive(Serialize)]
struct Envelope<'a, T: Serialize, G: Serialize> {
    schema: String,
    generated_at: String,
    target: &'a G,
    #[serde(flatten)]
    report: &'a T,
}

/// Writes `report` as one pretty JSON document in the standard envelope.
fn write_json<T: Serialize, G: Serialize>(
    out: &mut impl Write,
    command: &str,
    target: &G,
    report: &T,
) -> Result<()> {
    let doc = Envelope {
        schema: format!("cachestorm.{command}/v1"),
        generated_at: now_rfc3339(),
        target,
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

pub(crate) use report::Report;
pub(crate) use table::View;

/// Writes a finished report to stdout in `format`: the JSON document in the envelope,
/// one NDJSON line per record, or the table laid out for `view`.
pub(crate) fn print<R: Report>(
    format: Format,
    view: &View,
    target: &impl Serialize,
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
    target: &impl Serialize,
    report: &R,
) -> Result<()> {
    match format {
        Format::Json => write_json(out, R::COMMAND, target, report)?,
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
    crate::show::rfc3339(chrono::Utc::now())
}

#[cfg(test)]
mod tests;

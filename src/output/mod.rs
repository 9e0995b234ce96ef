//! Report output: the `-o` format, the JSON envelope every document carries, and the
//! helpers tables share. stdout carries the report only; nothing here writes to stderr.
//!
//! JSON documents: `{"schema": "cachestorm.<command>/v1", "generated_at": RFC 3339,
//! "target": {...redacted server, or {"mode": "file", "path"}...}, ...report fields}`. NDJSON: one report object per line,
//! flushed as produced, each line the same object as one element of the JSON document's
//! main array (e.g. `samples` for `stats`). Field names are snake_case and stable, units in
//! the name (`_bytes`, `_per_sec`, `_ms`, `_pct`).

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
pub(crate) fn write_json<T: Serialize, G: Serialize>(
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

/// Writes a finished report to stdout in `format`: `doc` as the JSON document, each of
/// `rows` as an NDJSON line, or the text `table` makes.
pub(crate) fn emit<D: Serialize, G: Serialize, R: Serialize>(
    format: Format,
    command: &str,
    target: &G,
    doc: &D,
    rows: &[R],
    table: impl FnOnce() -> String,
) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match format {
        Format::Json => write_json(&mut out, command, target, doc)?,
        Format::Ndjson => {
            for r in rows {
                write_ndjson(&mut out, r)?;
            }
        }
        Format::Table => {
            out.write_all(table().as_bytes())?;
            out.flush()?;
        }
    }
    Ok(())
}

pub(crate) fn now_rfc3339() -> String {
    crate::show::rfc3339(chrono::Utc::now())
}

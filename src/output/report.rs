//! The trait every command's report implements, so that one printer serves them all, and
//! the completeness every document states (docs/JSON.md is the vocabulary).
//!
//! A report is one value that knows its three shapes:
//! - the JSON document: the report itself (it derives `Serialize` and `JsonSchema`),
//!   written inside the envelope `{"schema": "cachestorm.<shape>/v1", "generated_at",
//!   "target", "complete", "stopped_by", "interrupted", ...}`;
//! - NDJSON: one line per record, each the same object as one element of the document's
//!   main array (keys, patterns, samples, ...);
//! - the table for people, laid out for a [`View`] (keys cut or whole, terminal width).
//!
//! Each implementation documents its wire format in a `# Format` section on its type, and
//! `docs/schema/` holds the JSON Schema generated from it.

use schemars::JsonSchema;
use serde::Serialize;

use super::View;

pub(crate) trait Report: Serialize {
    /// The shape's name: the document's schema is `cachestorm.<SCHEMA>/v1`.
    const SCHEMA: &'static str;
    /// One NDJSON line.
    type Record: Serialize;
    /// The records NDJSON prints: the elements of the document's main array.
    fn records(&self) -> &[Self::Record];
    /// The report as text for people.
    fn table(&self, view: &View) -> String;
    /// How far the run got.
    fn completeness(&self) -> Completeness;
}

/// How far a run got: written into every document's envelope.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, JsonSchema)]
pub(crate) struct Completeness {
    /// True when the data covers everything the run set out to cover.
    pub(crate) complete: bool,
    /// Why the run ended before its planned end; null when it ran to its end.
    pub(crate) stopped_by: Option<StopReason>,
    /// Ctrl-C ended the run.
    pub(crate) interrupted: bool,
}

impl Completeness {
    /// Ran to its planned end.
    pub(crate) fn done() -> Self {
        Completeness {
            complete: true,
            stopped_by: None,
            interrupted: false,
        }
    }

    /// Ended early for `why` (Ctrl-C counts as interrupted).
    pub(crate) fn stopped(why: StopReason) -> Self {
        Completeness {
            complete: false,
            stopped_by: Some(why),
            interrupted: why == StopReason::Interrupted,
        }
    }

    /// The first reason that applies, in order of weight: Ctrl-C, a cut-short input, a lost
    /// node, the MONITOR guard, a bound the user set.
    pub(crate) fn from_reasons(reasons: &[(bool, StopReason)]) -> Self {
        reasons
            .iter()
            .find(|(applies, _)| *applies)
            .map_or_else(Completeness::done, |(_, why)| Completeness::stopped(*why))
    }
}

/// Why a run ended before its planned end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum StopReason {
    /// Ctrl-C.
    Interrupted,
    /// `warm`: the target started evicting or passed `--max-memory-pct`.
    MemoryGuard,
    /// `warm`: `--max-time`.
    MaxTime,
    /// A node failed, closed its connection or stopped answering.
    NodeLost,
    /// A capture file was cut short by a read error.
    InputError,
    /// The MONITOR output-buffer guard (`--max-server-buffer`).
    ServerBufferGuard,
    /// `--max-lines`.
    MaxLines,
    /// `--sample`.
    Sample,
}

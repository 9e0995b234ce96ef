//! The trait every command's report implements, so that one printer serves them all.
//!
//! A report is one value that knows its three shapes:
//! - the JSON document: the report itself (it derives `Serialize`), written inside the
//!   envelope `{"schema": "cachestorm.<command>/v1", "generated_at", "target", ...}`;
//! - NDJSON: one line per record, each the same object as one element of the document's
//!   main array (keys, patterns, samples, ...);
//! - the table for people, laid out for a [`View`] (keys cut or whole, terminal width).
//!
//! Each implementation documents its wire format in a `# Format` section on its type.

use serde::Serialize;

use super::View;

pub(crate) trait Report: Serialize {
    /// The subcommand, for the schema name `cachestorm.<command>/v1`.
    const COMMAND: &'static str;
    /// One NDJSON line.
    type Record: Serialize;
    /// The records NDJSON prints: the elements of the document's main array.
    fn records(&self) -> &[Self::Record];
    /// The report as text for people.
    fn table(&self, view: &View) -> String;
}

//! One file per subcommand: arguments → settings → source → analysis → output.

pub(crate) mod bigkeys;
pub(crate) mod completions;
pub(crate) mod hotkeys;
pub(crate) mod keyfreq;
pub(crate) mod keyspace;
pub(crate) mod live;
pub(crate) mod man;
pub(crate) mod monitor;
pub(crate) mod patterns;
pub(crate) mod scan;
pub(crate) mod stats;
pub(crate) mod traffic;

/// How a command ended when it did not fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Ran to its end: exit 0.
    Done,
    /// Stopped by Ctrl-C before its planned end; a partial report was printed: exit 130.
    Interrupted,
    /// The input was cut short or partly bad; a report of the good part was printed: exit 2.
    BadInput,
    /// A node failed part-way; the report of what was gathered was printed: exit 3.
    Partial,
}

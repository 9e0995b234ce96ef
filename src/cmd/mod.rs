//! One file per subcommand: arguments → settings → source → analysis → output.

pub(crate) mod bigkeys;
pub(crate) mod completions;
pub(crate) mod detect;
pub(crate) mod hotkeys;
pub(crate) mod keyfreq;
pub(crate) mod keyspace;
pub(crate) mod man;
pub(crate) mod monitor;
pub(crate) mod patterns;
pub(crate) mod penetration;
pub(crate) mod scan;
pub(crate) mod schedule;
pub(crate) mod stats;
pub(crate) mod target;
pub(crate) mod traffic;
pub(crate) mod warm;

pub(crate) use crate::exit::Outcome;

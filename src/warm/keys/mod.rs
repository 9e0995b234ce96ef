//! Which keys `warm` refills, and in what order: every [`KeySpec`] (a log, a keys file, a
//! `hotkeys`/`detect` report, a MONITOR capture) streams its keys into one bounded
//! counter, keys seen by several sources are merged (counts summed), `--match` filters
//! before counting, and [`gather`] hands back the keys hottest first with what each source
//! contributed. Must not: touch a server or write anything.

mod count;
mod keys_file;
mod log;
mod monitor;
mod report;

use std::ops::ControlFlow;

use serde::Serialize;

use crate::analysis::glob;
use crate::error::{Error, Result};
use crate::source::capture;

use count::KeyCounts;
use log::LogKeys;

/// Bad lines remembered per source, to name them in the plan.
const BAD_EXAMPLES: usize = 3;

/// One key source, as resolved from the flags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum KeySpec {
    /// `--from-log FILE --key-regex RE [--key-template T]`: a key per matching line,
    /// from the group named `key`, else the first group, or built by the template
    /// (`{1}`, `{name}`; `{{` and `}}` for literal braces).
    Log {
        path: String,
        regex: String,
        template: Option<String>,
    },
    /// `--keys-file FILE`: one key per line in the shown form (`\xHH`, `\\`, `\"`).
    KeysFile { path: String },
    /// `--from-report FILE`: a `cachestorm.hotkeys/v1` document (its keys, weighted by
    /// count) or a `cachestorm.detect/v1` one (the keys its MONITOR evidence names).
    Report { path: String },
    /// `--from-monitor FILE`: the keys a MONITOR capture reads.
    Monitor { path: String },
}

impl KeySpec {
    /// How the plan names the source: `log access.log`.
    pub(crate) fn label(&self) -> String {
        match self {
            KeySpec::Log { path, .. } => format!("log {path}"),
            KeySpec::KeysFile { path } => format!("keys-file {path}"),
            KeySpec::Report { path } => format!("report {path}"),
            KeySpec::Monitor { path } => format!("monitor {path}"),
        }
    }
}

/// What one source gave. `lines` = `matched` + `unmatched` + `bad` (for a report:
/// entries instead of lines).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub(crate) struct SourceStats {
    pub(crate) source: String,
    pub(crate) lines: u64,
    /// Lines that gave at least one key.
    pub(crate) matched: u64,
    /// Lines with no key (a log line the regex does not match, a blank line, a MONITOR
    /// command that reads nothing): expected, never errors.
    pub(crate) unmatched: u64,
    /// Lines that could not be read (a bad escape, a malformed MONITOR line, a line over
    /// 64 MiB).
    pub(crate) bad: u64,
    /// The first few bad lines: `line 12: ...`.
    pub(crate) bad_examples: Vec<String>,
    /// Keys counted (a line may give several; a report entry counts once).
    pub(crate) keys: u64,
    /// Keys dropped by `--match`.
    pub(crate) filtered: u64,
}

impl SourceStats {
    fn new(source: String) -> Self {
        SourceStats {
            source,
            ..SourceStats::default()
        }
    }

    fn bad(&mut self, what: impl FnOnce() -> String) {
        self.bad += 1;
        if self.bad_examples.len() < BAD_EXAMPLES {
            self.bad_examples.push(what());
        }
    }
}

/// The keys to warm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Gathered {
    /// Hottest first, ties by key bytes; at most `top`.
    pub(crate) keys: Vec<(Vec<u8>, u64)>,
    /// One per spec, in the order given.
    pub(crate) sources: Vec<SourceStats>,
    /// Distinct keys counted: exact when `distinct_exact`, else (the table overflowed
    /// under `--top`) the keys the table held, a lower bound.
    pub(crate) distinct: u64,
    pub(crate) distinct_exact: bool,
}

/// Where sources put their keys: the `--match` filter in front of the counter.
pub(super) struct Sink<'a> {
    pattern: Option<&'a [u8]>,
    counts: KeyCounts,
}

impl Sink<'_> {
    /// Counts `key` `weight` times unless `--match` rejects it.
    fn add(&mut self, key: &[u8], weight: u64, stats: &mut SourceStats) {
        if self.pattern.is_some_and(|p| !glob::matches(p, key)) {
            stats.filtered += 1;
            return;
        }
        stats.keys += 1;
        self.counts.add(key, weight);
    }
}

/// A spec checked before any input is read (a bad regex fails at once, not after the
/// first source's 5 GB).
enum Ready<'a> {
    Log(&'a str, LogKeys),
    KeysFile(&'a str),
    Report(&'a str),
    Monitor(&'a str),
}

/// Reads every source into one count and ranks the keys: hottest first, at most `top`
/// (the counter then holds at most [`count::bound`]`(top)` keys, whatever the input),
/// only keys matching `pattern` (a Redis glob).
pub(crate) fn gather(
    specs: &[KeySpec],
    top: Option<usize>,
    pattern: Option<&[u8]>,
) -> Result<Gathered> {
    let ready = specs
        .iter()
        .map(|s| {
            Ok(match s {
                KeySpec::Log {
                    path,
                    regex,
                    template,
                } => Ready::Log(path, LogKeys::new(regex, template.as_deref())?),
                KeySpec::KeysFile { path } => Ready::KeysFile(path),
                KeySpec::Report { path } => Ready::Report(path),
                KeySpec::Monitor { path } => Ready::Monitor(path),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let mut sink = Sink {
        pattern,
        counts: KeyCounts::new(top.map(count::bound)),
    };
    let mut sources = Vec::with_capacity(specs.len());
    for (spec, r) in specs.iter().zip(ready) {
        let mut stats = SourceStats::new(spec.label());
        match r {
            Ready::Log(path, keys) => log::read(path, &keys, &mut sink, &mut stats)?,
            Ready::KeysFile(path) => keys_file::read(path, &mut sink, &mut stats)?,
            Ready::Report(path) => report::read(path, &mut sink, &mut stats)?,
            Ready::Monitor(path) => monitor::read(path, &mut sink, &mut stats)?,
        }
        sources.push(stats);
    }
    let distinct_exact = !sink.counts.approximate();
    let distinct = sink.counts.len() as u64;
    Ok(Gathered {
        keys: sink.counts.ranked(top),
        sources,
        distinct,
        distinct_exact,
    })
}

/// Calls `f(line_number, line)` for every line of `path` (`-` = stdin, gzip by magic
/// bytes), counting lines, and lines over the 64 MiB cap as bad.
fn each_line(
    path: &str,
    stats: &mut SourceStats,
    mut f: impl FnMut(u64, &[u8], &mut SourceStats),
) -> Result<()> {
    let reader = capture::open(path)?;
    capture::for_each_line(reader, |n, line| {
        stats.lines += 1;
        match line {
            Some(l) => f(n, l, stats),
            None => stats.bad(|| format!("line {n}: longer than 64 MiB")),
        }
        ControlFlow::Continue(())
    })
    .map_err(|e| Error::Input(format!("reading {path}: {e}")))
}

#[cfg(test)]
mod tests;

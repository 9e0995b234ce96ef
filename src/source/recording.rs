//! Recording files of `detect`: reading them back for `--replay` (plain or gzip, `-` for
//! stdin, lines of any length cut off safely, bad lines counted and skipped) and writing
//! them as the run goes for `--record` (flushed after every round, so a crash or Ctrl-C
//! keeps what was sampled). The line format is `parse::recording`'s.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::ops::ControlFlow;
use std::path::Path;

use super::capture;
use crate::error::{Error, Result};
use crate::parse::recording::{line, parse_line, Record};

/// What a recording held.
#[derive(Debug, Default)]
pub(crate) struct Read {
    pub(crate) records: Vec<Record>,
    /// Lines that were not samples, and the first one's place and reason.
    pub(crate) bad_lines: u64,
    pub(crate) first_bad: Option<String>,
}

/// Reads every recording in `paths`, in order.
pub(crate) fn read(paths: &[String]) -> Result<Read> {
    let mut out = Read::default();
    for path in paths {
        let r = capture::open(path)?;
        let res = capture::for_each_line(r, |n, l| {
            let parsed = match l {
                None => Err("line longer than 64 MiB".to_string()),
                Some(bytes) => match std::str::from_utf8(bytes) {
                    Ok(text) => parse_line(text),
                    Err(_) => Err("not UTF-8".to_string()),
                },
            };
            match parsed {
                Ok(Some(rec)) => out.records.push(rec),
                Ok(None) => {}
                Err(why) => {
                    out.bad_lines += 1;
                    if out.first_bad.is_none() {
                        out.first_bad = Some(format!("{path}:{n}: {why}"));
                    }
                }
            }
            ControlFlow::Continue(())
        });
        res.map_err(|e| Error::Input(format!("reading {path}: {e}")))?;
    }
    Ok(out)
}

/// A recording being written.
pub(crate) struct Recorder {
    path: String,
    out: BufWriter<File>,
}

impl Recorder {
    pub(crate) fn create(path: &Path) -> Result<Self> {
        let shown = path.display().to_string();
        let f = File::create(path).map_err(|e| Error::Usage(format!("--record {shown}: {e}")))?;
        Ok(Recorder {
            path: shown,
            out: BufWriter::new(f),
        })
    }

    /// Appends one line, buffered (for the many lines of a MONITOR sample).
    pub(crate) fn push(&mut self, record: &Record) -> Result<()> {
        writeln!(self.out, "{}", line(record))
            .map_err(|e| Error::Input(format!("writing {}: {e}", self.path)))
    }

    /// Appends the lines and flushes them.
    pub(crate) fn write(&mut self, records: &[Record]) -> Result<()> {
        let fail = |e: std::io::Error| Error::Input(format!("writing {}: {e}", self.path));
        for r in records {
            writeln!(self.out, "{}", line(r)).map_err(fail)?;
        }
        self.out.flush().map_err(fail)
    }
}

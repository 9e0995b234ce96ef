//! `cachestorm monitor`: a bounded MONITOR capture written in redis-cli's format, from one
//! node or every master, with command and key filters.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use super::Outcome;
use crate::analysis::glob;
use crate::cli::MonitorArgs;
use crate::error::{Error, Result};
use crate::exit::Ending;
use crate::output::monitor::{FileReport, MonitorReport};
use crate::output::{self, Completeness, Format, Report, StopReason};
use crate::parse::keyspec::{keys_or_first_arg, CommandTable};
use crate::parse::monitor::parse_line;
use crate::source::discover::{discover, NodeList};
use crate::source::events::{Line, MonitorSource};
use crate::source::live::LiveCapture;
use crate::source::monitor::Limits;
use crate::source::stop::Stop;

/// `capture.log` + `10.0.0.1:7000` → `capture.10.0.0.1_7000.log` (IPv6 `::1` → `--1`).
fn node_path(base: &Path, node: &str) -> PathBuf {
    let tag = match crate::endpoint::Endpoint::parse(node, 6379) {
        Ok(ep) => format!("{}_{}", ep.host.replace(':', "-"), ep.port),
        Err(_) => node.replace([':', '[', ']', '/'], "_"),
    };
    match (base.file_stem(), base.extension()) {
        (Some(stem), Some(ext)) => base.with_file_name(format!(
            "{}.{tag}.{}",
            stem.to_string_lossy(),
            ext.to_string_lossy()
        )),
        _ => PathBuf::from(format!("{}.{tag}", base.display())),
    }
}

struct Filter {
    commands: Vec<Vec<u8>>,
    key_pattern: Option<Vec<u8>>,
}

impl Filter {
    /// From `--command` names (any case) and `--key-pattern`.
    fn new(commands: &[String], key_pattern: Option<&str>) -> Filter {
        Filter {
            commands: commands
                .iter()
                .map(|c| c.trim().to_ascii_lowercase().into_bytes())
                .filter(|c| !c.is_empty())
                .collect(),
            key_pattern: key_pattern.map(|p| p.as_bytes().to_vec()),
        }
    }

    fn keep(&self, line: &[u8]) -> bool {
        if self.commands.is_empty() && self.key_pattern.is_none() {
            return true;
        }
        let Ok(ev) = parse_line(line) else {
            return false;
        };
        let Some(name) = ev.args.first().map(|a| a.to_ascii_lowercase()) else {
            return false;
        };
        if !self.commands.is_empty() && !self.commands.contains(&name) {
            return false;
        }
        let Some(pat) = &self.key_pattern else {
            return true;
        };
        let table = CommandTable::builtin();
        let mut keys = Vec::new();
        keys_or_first_arg(table, table.lookup(&name), &name, &ev.args, &mut keys);
        keys.iter().any(|(i, _)| glob::matches(pat, &ev.args[*i]))
    }
}

/// Where captured lines go: a sink per node (its own file, or stdout for one node), after
/// the own-connection and `--command`/`--key-pattern` filters, up to `--max-lines`.
struct Writer {
    sinks: Vec<Box<dyn Write>>,
    filter: Filter,
    max_lines: Option<u64>,
    per_node: Vec<u64>,
    written: u64,
    filtered: u64,
    max_lines_hit: bool,
    error: Option<std::io::Error>,
}

impl Writer {
    /// Creates the files: `write` itself for one node, one per node beside it for several.
    fn open(
        write: Option<&Path>,
        names: &[String],
        filter: Filter,
        max_lines: Option<u64>,
    ) -> Result<Writer> {
        let mut sinks: Vec<Box<dyn Write>> = Vec::new();
        for n in names {
            let Some(base) = write else {
                sinks.push(Box::new(std::io::stdout().lock()));
                continue;
            };
            let path = if names.len() > 1 {
                node_path(base, n)
            } else {
                base.to_path_buf()
            };
            let f = File::create(&path)
                .map_err(|e| Error::Input(format!("creating {}: {e}", path.display())))?;
            sinks.push(Box::new(BufWriter::with_capacity(1 << 20, f)));
        }
        Ok(Writer {
            per_node: vec![0; sinks.len()],
            sinks,
            filter,
            max_lines,
            written: 0,
            filtered: 0,
            max_lines_hit: false,
            error: None,
        })
    }

    /// Writes one captured line in redis-cli's form (no `+`, no `\r`), unless it is
    /// cachestorm's own or filtered out; breaks at `--max-lines` or a write error.
    fn line(&mut self, l: Line<'_>) -> ControlFlow<()> {
        let Some(raw) = l.text else {
            return ControlFlow::Continue(());
        };
        let line = raw.strip_suffix(b"\r").unwrap_or(raw);
        let line = line.strip_prefix(b"+").unwrap_or(line);
        if line.is_empty() || line == b"OK" {
            return ControlFlow::Continue(());
        }
        if let (Some(own), Ok(ev)) = (l.own_client, parse_line(line)) {
            if ev.client == own {
                return ControlFlow::Continue(());
            }
        }
        if !self.filter.keep(line) {
            self.filtered += 1;
            return ControlFlow::Continue(());
        }
        let sink = &mut self.sinks[l.node as usize];
        if let Err(e) = sink.write_all(line).and_then(|_| sink.write_all(b"\n")) {
            self.error = Some(e);
            return ControlFlow::Break(());
        }
        self.written += 1;
        self.per_node[l.node as usize] += 1;
        if self.max_lines.is_some_and(|m| self.written >= m) {
            self.max_lines_hit = true;
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    }

    /// Flushes and closes every sink: lines per node, and the first write error.
    fn finish(mut self) -> (Vec<u64>, Option<std::io::Error>) {
        for s in &mut self.sinks {
            if let Err(e) = s.flush() {
                self.error.get_or_insert(e);
            }
        }
        (self.per_node, self.error)
    }
}

/// Where each node's lines went: its own file, the one file, or stdout (`-`).
fn file_reports(base: Option<&Path>, names: &[String], per_node: &[u64]) -> Vec<FileReport> {
    names
        .iter()
        .zip(per_node)
        .map(|(n, l)| FileReport {
            node: n.clone(),
            path: match base {
                Some(base) if names.len() > 1 => node_path(base, n).display().to_string(),
                Some(base) => base.display().to_string(),
                None => "-".into(),
            },
            lines: *l,
        })
        .collect()
}

pub(crate) async fn run(args: MonitorArgs) -> Result<Outcome> {
    if args.write.is_none() && args.output.format() != Format::Table {
        return Err(Error::Usage(format!(
            "-o {} needs -w FILE: without it the capture itself goes to stdout",
            args.output.format().name()
        )));
    }
    let target = super::target::resolve(&args.target)?;
    let nodes = discover(&target).await?.capture_nodes();
    let names = nodes.names();
    if names.len() > 1 && args.write.is_none() {
        return Err(Error::Usage(format!(
            "{} nodes to capture: give -w FILE (each master gets its own file)",
            names.len()
        )));
    }
    let filter = Filter::new(&args.commands, args.key_pattern.as_deref());
    let mut w = Writer::open(args.write.as_deref(), &names, filter, args.max_lines)?;
    eprintln!(
        "cachestorm: capturing MONITOR on {} for {:?} (Ctrl-C stops early)",
        names.join(", "),
        args.capture.duration
    );
    let started = std::time::Instant::now();
    let stop = Stop::on_interrupt();
    let capture = LiveCapture::start(&target.options, &nodes, Limits::from(&args.capture), &stop);
    let ended = capture.for_each_line(|l| w.line(l)).await;
    let (written, filtered, max_lines_hit) = (w.written, w.filtered, w.max_lines_hit);
    let (per_node, write_err) = w.finish();
    let ended = ended?;
    if let Some(e) = write_err {
        return Err(Error::Output(e));
    }
    let (interrupted, max_omem) = (ended.interrupted, ended.max_server_buffer);
    let mut reasons = ended.early;
    if interrupted {
        reasons.insert(0, stop.interruption());
    }
    let stopped_early = (!reasons.is_empty()).then(|| reasons.join("; "));
    let completeness = Completeness::from_reasons(&[
        (interrupted, StopReason::Interrupted),
        (ended.lost, StopReason::NodeLost),
        (stopped_early.is_some(), StopReason::ServerBufferGuard),
        (max_lines_hit, StopReason::MaxLines),
    ]);
    let report = MonitorReport {
        completeness,
        duration_secs: started.elapsed().as_secs_f64(),
        lines_written: written,
        lines_filtered: filtered,
        files: file_reports(args.write.as_deref(), &names, &per_node),
        stopped_early,
        max_server_buffer_bytes: args.capture.max_server_buffer,
        peak_server_buffer_bytes: max_omem,
        max_lines_reached: max_lines_hit,
    };
    // The summary goes to stderr: stdout holds the capture (without -w) or the report.
    eprint!("cachestorm: {}", report.table(&output::View::default()));
    // Without -w the capture itself is on stdout: no report there.
    if args.write.is_some() && args.output.format() != Format::Table {
        output::print(
            args.output.format(),
            &output::View::default(),
            &target.report(),
            &report,
        )?;
    }
    Ok(Ending {
        interrupted,
        bad_input: false,
        lost: ended.lost,
    }
    .outcome())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_node_file_names() {
        assert_eq!(
            node_path(Path::new("cap.log"), "10.0.0.1:7000"),
            PathBuf::from("cap.10.0.0.1_7000.log")
        );
        assert_eq!(
            node_path(Path::new("/tmp/cap"), "[::1]:7000"),
            PathBuf::from("/tmp/cap.--1_7000")
        );
    }

    #[test]
    fn filters() {
        let f = Filter {
            commands: vec![b"get".to_vec(), b"mget".to_vec()],
            key_pattern: Some(b"user:*".to_vec()),
        };
        assert!(f.keep(br#"1.000001 [0 a:1] "GET" "user:1""#));
        assert!(f.keep(br#"1.000001 [0 a:1] "MGET" "x" "user:2""#));
        assert!(!f.keep(br#"1.000001 [0 a:1] "GET" "item:1""#));
        assert!(!f.keep(br#"1.000001 [0 a:1] "SET" "user:1" "v""#));
    }
}

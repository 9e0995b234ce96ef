//! `cachestorm monitor`: a bounded MONITOR capture written in redis-cli's format, from one
//! node or every master, with command and key filters.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::live::{finish, start};
use super::Outcome;
use crate::analysis::glob;
use crate::cli::MonitorArgs;
use crate::endpoint;
use crate::error::{Error, Result};
use crate::output::{self, Format};
use crate::parse::keyspec::{keys_or_first_arg, CommandTable};
use crate::parse::monitor::parse_line;
use crate::source::discover::{discover, NodeList};
use crate::source::monitor::Limits;
use crate::source::stop::Stop;

#[derive(Serialize)]
struct MonitorReport {
    complete: bool,
    duration_secs: f64,
    lines_written: u64,
    lines_filtered: u64,
    files: Vec<FileReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stopped_early: Option<String>,
    max_server_buffer_bytes: u64,
}

#[derive(Serialize)]
struct FileReport {
    node: String,
    path: String,
    lines: u64,
}

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

pub(crate) async fn run(args: MonitorArgs) -> Result<Outcome> {
    let target = endpoint::resolve(&args.target)?;
    let nodes = discover(&target).await?.capture_nodes();
    let names: Vec<String> = nodes.iter().map(|n| n.addr.to_string()).collect();
    if names.len() > 1 && args.write.is_none() {
        return Err(Error::Usage(format!(
            "{} nodes to capture: give -w FILE (each master gets its own file)",
            names.len()
        )));
    }
    let filter = Filter {
        commands: args
            .commands
            .iter()
            .map(|c| c.trim().to_ascii_lowercase().into_bytes())
            .filter(|c| !c.is_empty())
            .collect(),
        key_pattern: args.key_pattern.as_ref().map(|p| p.as_bytes().to_vec()),
    };
    let mut sinks: Vec<(Box<dyn Write>, String)> = Vec::new();
    for n in &names {
        match &args.write {
            Some(base) => {
                let path = if names.len() > 1 {
                    node_path(base, n)
                } else {
                    base.clone()
                };
                let f = File::create(&path)
                    .map_err(|e| Error::Input(format!("creating {}: {e}", path.display())))?;
                sinks.push((
                    Box::new(BufWriter::with_capacity(1 << 20, f)),
                    path.display().to_string(),
                ));
            }
            None => sinks.push((Box::new(std::io::stdout().lock()), "-".into())),
        }
    }
    eprintln!(
        "cachestorm: capturing MONITOR on {} for {:?} (Ctrl-C stops early)",
        names.join(", "),
        args.capture.duration
    );
    let started = std::time::Instant::now();
    let limits = Limits::from(&args.capture);
    let stop = Stop::on_ctrl_c();
    let (mut cap, tasks) = start(&target, &nodes, limits, &stop);
    let mut per_node = vec![0u64; nodes.len()];
    let (mut written, mut filtered) = (0u64, 0u64);
    let mut max_lines_hit = false;
    let mut write_err = None;
    while let Some(chunk) = cap.recv().await {
        if max_lines_hit || write_err.is_some() {
            continue;
        }
        let node = chunk.node as usize;
        let own_client = cap.own(chunk.node);
        let sink = &mut sinks[node].0;
        for raw in chunk.data.split(|b| *b == b'\n') {
            let line = raw.strip_suffix(b"\r").unwrap_or(raw);
            let line = line.strip_prefix(b"+").unwrap_or(line);
            if line.is_empty() || line == b"OK" {
                continue;
            }
            if let (Some(own_c), Ok(ev)) = (own_client, parse_line(line)) {
                if ev.client == own_c {
                    continue;
                }
            }
            if !filter.keep(line) {
                filtered += 1;
                continue;
            }
            if let Err(e) = sink.write_all(line).and_then(|_| sink.write_all(b"\n")) {
                write_err = Some(e);
                stop.stop();
                break;
            }
            written += 1;
            per_node[node] += 1;
            if args.max_lines.is_some_and(|m| written >= m) {
                max_lines_hit = true;
                stop.stop();
                break;
            }
        }
    }
    let interrupted = stop.interrupted();
    for (s, _) in &mut sinks {
        if let Err(e) = s.flush() {
            write_err.get_or_insert(e);
        }
    }
    drop(sinks);
    let (early, max_omem) = finish(tasks, &names).await?;
    if let Some(e) = write_err {
        return Err(Error::Output(e));
    }
    let mut reasons = early;
    if interrupted {
        reasons.insert(0, "interrupted (Ctrl-C)".into());
    }
    let stopped_early = (!reasons.is_empty()).then(|| reasons.join("; "));
    let paths: Vec<String> = names
        .iter()
        .map(|n| match &args.write {
            Some(base) if names.len() > 1 => node_path(base, n).display().to_string(),
            Some(base) => base.display().to_string(),
            None => "-".into(),
        })
        .collect();
    let report = MonitorReport {
        complete: stopped_early.is_none(),
        duration_secs: started.elapsed().as_secs_f64(),
        lines_written: written,
        lines_filtered: filtered,
        files: names
            .iter()
            .zip(&paths)
            .zip(&per_node)
            .map(|((n, p), l)| FileReport {
                node: n.clone(),
                path: p.clone(),
                lines: *l,
            })
            .collect(),
        stopped_early,
        max_server_buffer_bytes: max_omem,
    };
    eprintln!(
        "cachestorm: wrote {written} lines ({filtered} filtered out) in {:.1}s to {}{}{}",
        report.duration_secs,
        paths.join(", "),
        if max_lines_hit {
            "; --max-lines reached"
        } else {
            ""
        },
        report
            .stopped_early
            .as_deref()
            .map(|r| format!("; stopped early: {r}"))
            .unwrap_or_default()
    );
    if args.write.is_some() && args.output.format() == Format::Json {
        let mut out = std::io::stdout().lock();
        output::write_json(&mut out, "monitor", &target.report(), &report)?;
    }
    Ok(if interrupted {
        Outcome::Interrupted
    } else {
        Outcome::Done
    })
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

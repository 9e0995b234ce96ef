//! Shared by `hotkeys` and `patterns`: gather MONITOR traffic from a capture file or a
//! live server (one event source, `source::events`) into [`Traffic`], keeping account of
//! skipped lines and how the gathering ended.

use std::ops::ControlFlow;

use super::Outcome;
use crate::analysis::patterns::PatternRules;
use crate::analysis::traffic::{Traffic, TrafficConfig};
use crate::cli::{CaptureArgs, PatternRuleArgs, TargetArgs, TrafficArgs};
use crate::endpoint::Target;
use crate::endpoint::TargetReport;
use crate::error::{Error, Result};
use crate::exit::Ending;
use crate::output::hotkeys::SourceReport;
use crate::output::{Completeness, NodeRef, StopReason};
use crate::parse::monitor::{parse_into, Event, Skip};
use crate::source::capture::CaptureFile;
use crate::source::commands::server_table;
use crate::source::discover::{discover, NodeList, NodeSpec};
use crate::source::events::{Ended, MonitorSource};
use crate::source::live::LiveCapture;
use crate::source::monitor::Limits;
use crate::source::stop::Stop;

const SKIPPED_SHOWN: usize = 10;

/// The MONITOR bounds of a live capture (`monitor`, `hotkeys`, `patterns`).
impl From<&CaptureArgs> for Limits {
    fn from(c: &CaptureArgs) -> Self {
        Limits {
            duration: c.duration,
            max_server_buffer: c.max_server_buffer,
        }
    }
}

/// `-n DB`: only the events in one database are counted (MONITOR lines carry it).
#[derive(Default)]
struct DbFilter {
    db: Option<u32>,
    left_out: u64,
}

impl DbFilter {
    /// The database the flags name: `-n`, else the URL's.
    fn from_flags(t: &TargetArgs) -> Result<Self> {
        let url_db = || {
            t.url
                .as_deref()
                .and_then(|u| crate::endpoint::url::parse(u).ok())
                .and_then(|u| u.db)
        };
        let db =
            t.db.or_else(url_db)
                .map(|d| {
                    u32::try_from(d).map_err(|_| Error::Usage(format!("-n {d}: no such database")))
                })
                .transpose()?;
        Ok(DbFilter { db, left_out: 0 })
    }

    fn keeps(&mut self, ev: &Event) -> bool {
        let keep = self.db.is_none_or(|db| db == ev.db);
        if !keep {
            self.left_out += 1;
        }
        keep
    }

    /// Says on stderr what the filter left out.
    fn report(&self) {
        if let (Some(db), n @ 1..) = (self.db, self.left_out) {
            eprintln!(
                "cachestorm: counting database {db} only (-n): {} in other databases left out",
                plural(n, "event")
            );
        }
    }
}

/// `1 line`, `2 lines`.
fn plural(n: u64, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// Counts events of one line into `t`, noting skipped lines in `src`. Events from
/// `own_client` (cachestorm's own side connection), and those of other databases than
/// `-n`'s, are left out.
fn feed_line(
    t: &mut Traffic,
    src: &mut SourceReport,
    l: &crate::source::events::Line,
    db: &mut DbFilter,
) {
    let (lineno, line, node, own_client) = (l.number, l.text, l.node, l.own_client);
    src.lines += 1;
    let mut ev = Event::default();
    let parsed = match line {
        Some(l) => parse_into(l, &mut ev),
        None => Err(Skip::Malformed),
    };
    match parsed {
        Ok(()) if Some(ev.client) == own_client => {}
        Ok(()) if !db.keeps(&ev) => {}
        Ok(()) => t.add(&ev, node),
        Err(Skip::Blank) => {}
        Err(Skip::Malformed) => {
            src.skipped_lines += 1;
            if src.skipped_line_numbers.len() < SKIPPED_SHOWN {
                src.skipped_line_numbers.push(lineno);
            }
        }
    }
}

pub(crate) struct Gathered {
    pub(crate) traffic: Traffic,
    pub(crate) source: SourceReport,
    /// A read error that cut the input short (the report covers what came before it).
    pub(crate) input_error: Option<String>,
    /// Ctrl-C ended a live capture early.
    pub(crate) interrupted: bool,
    /// A live capture lost a node: its traffic is cut short.
    pub(crate) lost: bool,
    /// For a live capture: the resolved target and the nodes captured.
    pub(crate) live: Option<(Target, Vec<NodeSpec>)>,
    /// The database counted (`-n`), when not all of them.
    pub(crate) db: Option<u32>,
}

impl Gathered {
    /// The envelope's `target`: the redacted server, or the file read.
    pub(crate) fn target(&self) -> TargetReport {
        match &self.live {
            Some((t, _)) => t.report(),
            None => TargetReport::file(
                self.source.path.as_deref().unwrap_or("-"),
                self.db.map(i64::from),
            ),
        }
    }

    /// The node names, by node index (none for a file).
    pub(crate) fn node_names(&self) -> Vec<String> {
        self.source.nodes.iter().map(|n| n.node.clone()).collect()
    }

    /// How far the gathering got: Ctrl-C, a cut-short file, a lost node, the guard.
    pub(crate) fn completeness(&self) -> Completeness {
        Completeness::from_reasons(&[
            (self.interrupted, StopReason::Interrupted),
            (self.input_error.is_some(), StopReason::InputError),
            (self.lost, StopReason::NodeLost),
            (
                self.source.stopped_early.is_some(),
                StopReason::ServerBufferGuard,
            ),
        ])
    }
}

/// Traffic from `--input`, or from a live capture.
pub(crate) async fn gather(
    t: &TargetArgs,
    a: &TrafficArgs,
    cfg: TrafficConfig,
) -> Result<Gathered> {
    let db = DbFilter::from_flags(t)?;
    match &a.input {
        Some(path) => from_file(path, cfg, a.threads.map(|n| n as usize), db).await,
        None if a.threads.is_some() => Err(Error::Usage(
            "--threads goes with --input (a live capture is counted as it arrives)".into(),
        )),
        None => {
            from_live(
                super::target::resolve(t)?,
                Limits::from(&a.capture),
                cfg,
                db,
            )
            .await
        }
    }
}

/// Counts every line of `src` into `t`, showing each line to `tap` first.
async fn count(
    src: impl MonitorSource,
    t: &mut Traffic,
    report: &mut SourceReport,
    db: &mut DbFilter,
    tap: &mut dyn FnMut(&crate::source::events::Line),
) -> Result<Ended> {
    let ended = src
        .for_each_line(|l| {
            tap(&l);
            feed_line(t, report, &l, db);
            ControlFlow::Continue(())
        })
        .await;
    db.report();
    ended
}

/// How a traffic command ends (`exit::Ending`): a cut-short input is reported on stderr.
pub(crate) fn outcome(g: &Gathered) -> Outcome {
    if let Some(e) = &g.input_error {
        eprintln!("cachestorm: {e}");
    }
    Ending {
        interrupted: g.interrupted,
        bad_input: g.input_error.is_some(),
        lost: g.lost,
    }
    .outcome()
}

/// Reads a capture file (or stdin) into traffic counts.
async fn from_file(
    path: &str,
    cfg: TrafficConfig,
    threads: Option<usize>,
    mut db: DbFilter,
) -> Result<Gathered> {
    let file = CaptureFile::open(path)?;
    let mut t = Traffic::parallel(cfg, threads.unwrap_or_else(key_threads));
    let mut src = SourceReport {
        kind: "file",
        path: Some(path.to_string()),
        ..Default::default()
    };
    let ended = count(file, &mut t, &mut src, &mut db, &mut |_| {}).await?;
    t.finish();
    let input_error = ended.read_error.map(|e| {
        format!("reading {path}: {e} (the input ends early; the report covers what came before)")
    });
    if input_error.is_some() {
        src.stopped_early = Some("read error".into());
    }
    if t.events == 0 {
        let why = input_error.clone().unwrap_or_default();
        let other_dbs = match db.db {
            Some(n) => format!(
                ", {} in other databases than {n}",
                plural(db.left_out, "event")
            ),
            None => String::new(),
        };
        return Err(Error::Input(format!(
            "no MONITOR events in {path}: {}, {} not MONITOR lines{}{}{}",
            plural(src.lines, "line"),
            src.skipped_lines,
            other_dbs,
            first_lines(&src.skipped_line_numbers),
            if why.is_empty() {
                String::new()
            } else {
                format!("; {why}")
            }
        )));
    }
    Ok(Gathered {
        traffic: t,
        source: src,
        input_error,
        interrupted: false,
        lost: false,
        live: None,
        db: db.db,
    })
}

/// Captures MONITOR on every master of `target` (Ctrl-C stops early) into traffic counts,
/// with the key specs of the server's own commands.
async fn from_live(
    target: Target,
    limits: Limits,
    cfg: TrafficConfig,
    db: DbFilter,
) -> Result<Gathered> {
    let nodes = discover(&target).await?.capture_nodes();
    live_nodes(target, nodes, limits, cfg, db, &mut |_| {}).await
}

/// A bounded MONITOR capture of `nodes` (for `detect --monitor`), every line shown to `tap`.
pub(crate) async fn capture_nodes(
    target: Target,
    nodes: Vec<NodeSpec>,
    limits: Limits,
    cfg: TrafficConfig,
    tap: &mut dyn FnMut(&crate::source::events::Line),
) -> Result<Gathered> {
    live_nodes(target, nodes, limits, cfg, DbFilter::default(), tap).await
}

/// A capture file counted (for `detect --capture`).
pub(crate) async fn file_traffic(path: &str, cfg: TrafficConfig) -> Result<Gathered> {
    from_file(path, cfg, None, DbFilter::default()).await
}

/// Counts MONITOR lines already read (a recording's, a capture file's) as a file would be.
pub(crate) fn count_lines<'a>(
    lines: impl IntoIterator<Item = &'a [u8]>,
    cfg: TrafficConfig,
) -> Traffic {
    let mut t = Traffic::new(cfg);
    let mut src = SourceReport::default();
    let mut db = DbFilter::default();
    for (i, text) in lines.into_iter().enumerate() {
        let l = crate::source::events::Line {
            number: i as u64 + 1,
            node: 0,
            text: Some(text),
            own_client: None,
        };
        feed_line(&mut t, &mut src, &l, &mut db);
    }
    t.finish();
    t
}

async fn live_nodes(
    target: Target,
    nodes: Vec<NodeSpec>,
    limits: Limits,
    mut cfg: TrafficConfig,
    mut db: DbFilter,
    tap: &mut dyn FnMut(&crate::source::events::Line),
) -> Result<Gathered> {
    let mut server_commands_added = None;
    if let Some(first) = nodes.first() {
        (cfg.table, server_commands_added) = server_table(&first.addr, &target.options).await;
    }
    let names = nodes.names();
    eprintln!(
        "cachestorm: capturing MONITOR on {} for {} (Ctrl-C stops early)",
        names.join(", "),
        crate::units::duration(limits.duration)
    );
    let stop = Stop::on_interrupt();
    let capture = LiveCapture::start(&target.options, &nodes, limits, &stop);
    let mut t = Traffic::new(cfg);
    let mut src = SourceReport {
        kind: "live",
        server_commands_added,
        ..Default::default()
    };
    let ended = count(capture, &mut t, &mut src, &mut db, tap).await?;
    src.nodes = NodeRef::list(&names, Some("master"), &ended.early);
    let mut early = ended.early;
    if ended.interrupted {
        early.insert(0, stop.interruption());
    }
    if !early.is_empty() {
        for e in &early {
            eprintln!("cachestorm: capture stopped early: {e}");
        }
        src.stopped_early = Some(early.join("; "));
    }
    Ok(Gathered {
        traffic: t,
        source: src,
        input_error: None,
        interrupted: ended.interrupted,
        lost: ended.lost,
        live: Some((target, nodes)),
        db: db.db,
    })
}

/// Threads that count keys while this one parses: one per core, up to 4 (one core: the
/// parsing thread counts too).
fn key_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(4))
}

fn first_lines(n: &[u64]) -> String {
    if n.is_empty() {
        return String::new();
    }
    let list: Vec<String> = n.iter().map(u64::to_string).collect();
    let word = if n.len() == 1 { "line" } else { "lines" };
    format!(" (first at {word} {})", list.join(", "))
}

/// Traffic settings from the shared flags.
pub(crate) fn config(a: &TrafficArgs) -> TrafficConfig {
    TrafficConfig {
        max_keys: usize::try_from(a.max_keys).unwrap_or(usize::MAX),
        ..TrafficConfig::default()
    }
}

pub(crate) fn rules(a: &PatternRuleArgs) -> Result<PatternRules> {
    PatternRules::new(&a.separator, &a.rules).map_err(Error::Usage)
}

/// Prints a one-line summary of skipped input to stderr, if any.
pub(crate) fn warn_skipped(src: &SourceReport) {
    if src.skipped_lines > 0 {
        let (n, of) = (src.skipped_lines, plural(src.lines, "line"));
        let verb = if n == 1 {
            "is not a MONITOR line and was"
        } else {
            "are not MONITOR lines and were"
        };
        eprintln!(
            "cachestorm: warning: {n} of {of} {verb} skipped{}",
            first_lines(&src.skipped_line_numbers)
        );
    }
}

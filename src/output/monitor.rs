//! The `monitor` report: what a capture wrote where. The capture itself goes to the
//! files (or to stdout without `-w`); this report goes to stdout only with `-w` and
//! `-o json` / `-o ndjson`; its table is the summary line `monitor` prints on stderr.
//! Knows reports, not sockets.

use serde::Serialize;

use super::{Completeness, Report, View};

/// `cachestorm monitor -w FILE`.
///
/// # Format
///
/// JSON (`cachestorm.monitor/v1`): `duration_ms`, `lines_written`, `lines_filtered`,
/// `files` (node, path, lines), `stopped_early` (why, in words), `max_server_buffer_bytes`
/// (the guard's limit, `--max-server-buffer`) and `peak_server_buffer_bytes` (the largest
/// MONITOR output buffer the guard saw).
/// NDJSON: one line per element of `files`.
#[derive(Serialize, schemars::JsonSchema)]
pub(crate) struct MonitorReport {
    #[serde(skip)]
    pub(crate) completeness: Completeness,
    #[serde(rename = "duration_ms", serialize_with = "crate::show::ms::from_secs")]
    pub(crate) duration_secs: f64,
    pub(crate) lines_written: u64,
    pub(crate) lines_filtered: u64,
    pub(crate) files: Vec<FileReport>,
    pub(crate) stopped_early: Option<String>,
    pub(crate) max_server_buffer_bytes: u64,
    pub(crate) peak_server_buffer_bytes: u64,
    /// `--max-lines` ended the capture (a bound the user set, not an early stop).
    #[serde(skip)]
    pub(crate) max_lines_reached: bool,
}

#[derive(Serialize, schemars::JsonSchema)]
pub(crate) struct FileReport {
    pub(crate) node: String,
    pub(crate) path: String,
    pub(crate) lines: u64,
}

impl Report for MonitorReport {
    const SCHEMA: &'static str = "monitor";
    type Record = FileReport;

    fn records(&self) -> &[FileReport] {
        &self.files
    }

    fn table(&self, _view: &View) -> String {
        let paths: Vec<&str> = self.files.iter().map(|f| f.path.as_str()).collect();
        format!(
            "wrote {} lines ({} filtered out) in {:.1}s to {}{}{}\n",
            self.lines_written,
            self.lines_filtered,
            self.duration_secs,
            paths.join(", "),
            if self.max_lines_reached {
                "; --max-lines reached"
            } else {
                ""
            },
            self.stopped_early
                .as_deref()
                .map(|r| format!("; stopped early: {r}"))
                .unwrap_or_default()
        )
    }

    fn completeness(&self) -> Completeness {
        self.completeness
    }
}

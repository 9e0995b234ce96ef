//! The one event source for MONITOR traffic: a capture file (or stdin, or gzip,
//! [`super::capture::CaptureFile`]) and a live capture on every master
//! ([`super::live::LiveCapture`]) both hand out lines through [`MonitorSource`], so
//! everything downstream (counting, writing a capture) is the same for both. Lines are
//! raw bytes as read: parsing is the consumer's. Must not: parse or count.

use std::ops::ControlFlow;

use crate::error::Result;

/// One MONITOR line as a source hands it out.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Line<'a> {
    /// 1-based, over the whole source (a live capture numbers its non-empty lines).
    pub(crate) number: u64,
    /// The node it came from: an index into the captured nodes (0 for a file).
    pub(crate) node: u16,
    /// The line without its `\n` (a live line keeps its `+` and `\r`); None for a line
    /// over [`super::capture::MAX_LINE`], which is dropped unread.
    pub(crate) text: Option<&'a [u8]>,
    /// The client address of cachestorm's own side connection to that node, once known:
    /// its commands are not the traffic being looked at.
    pub(crate) own_client: Option<&'a [u8]>,
}

/// How a source ended.
#[derive(Debug, Default)]
pub(crate) struct Ended {
    /// Why a live capture stopped before its duration, node by node (the buffer guard, a
    /// closed connection, a node that could not capture); empty when it ran to its end.
    pub(crate) early: Vec<String>,
    /// The read error that cut a file short (every line before it was handed out).
    pub(crate) read_error: Option<std::io::Error>,
    /// Ctrl-C ended a live capture.
    pub(crate) interrupted: bool,
    /// A live capture lost a node (it could not capture, its connection closed or failed,
    /// or it stopped answering): that node's traffic is cut short.
    pub(crate) lost: bool,
    /// The largest MONITOR output buffer a live capture saw on a server, bytes.
    pub(crate) max_server_buffer: u64,
}

/// Where MONITOR lines come from.
pub(crate) trait MonitorSource {
    /// Hands every line to `f`, in order per node, until the source ends or `f` breaks
    /// (then the rest is dropped, and a live capture is told to stop). Fails only when
    /// nothing could be read at all (every node of a live capture failed).
    async fn for_each_line(self, f: impl FnMut(Line<'_>) -> ControlFlow<()>) -> Result<Ended>;
}

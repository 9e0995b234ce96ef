//! Bounded live MONITOR on one or more nodes. Each node streams complete lines in chunks
//! over a channel; a guard polls `CLIENT LIST ID` for the MONITOR connection's output
//! buffer (omem) and stops that node's capture when it passes the limit, so a reader that
//! falls behind never balloons the server's memory. (`live.rs` runs this on every node
//! and merges the streams.) Must not: parse lines.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::AsyncReadExt;
use tokio::sync::mpsc;

use super::capture::MAX_LINE;
use super::conn::{connect, NodeConn};
use super::raw;
use super::stop::Stop;
use crate::endpoint::{ConnectOptions, Endpoint};
use crate::error::Error;

/// What a node's capture sends, in this order: its own side connection's address (when
/// the server tells it), then chunks of complete MONITOR lines (each ending in `\n`).
pub(crate) enum Captured {
    Own { node: u16, addr: String },
    Lines { node: u16, data: Vec<u8> },
}

/// How one node's capture ended.
#[derive(Debug, Clone)]
pub(crate) struct NodeEnd {
    /// None: ran its full duration (or was told to stop).
    pub(crate) early: Option<String>,
    /// The early stop lost the node (connection closed or failed, or the guard got no
    /// answer): its part of the capture is cut short. False for the guard's own stop.
    pub(crate) lost: bool,
    /// Largest MONITOR output buffer seen on the server, bytes.
    pub(crate) max_omem: u64,
}

pub(crate) struct Limits {
    pub(crate) duration: Duration,
    pub(crate) max_server_buffer: u64,
}

/// Why the guard stopped a capture: the buffer limit (the guard doing its job), or no
/// answer from the server (the node is lost).
struct Trip {
    why: String,
    lost: bool,
}

/// How long the guard waits before it looks at the output buffer again: every 100 ms
/// while the buffer is empty (the reader keeps up), every 10 ms while it holds anything,
/// every 2 ms past half the limit. So a buffer that fills up is stopped close to the
/// limit; a burst that arrives between two looks (one huge line) can still pass it.
pub(crate) fn guard_wait(omem: u64, limit: u64) -> Duration {
    if omem == 0 {
        Duration::from_millis(100)
    } else if omem < limit / 2 {
        Duration::from_millis(10)
    } else {
        Duration::from_millis(2)
    }
}

/// Runs MONITOR on `ep` until the duration passes, the `stop` switch turns, the guard
/// trips or the connection fails. Sends the address of its own side connection first, so
/// the consumer can filter it before any line arrives.
pub(crate) async fn capture_node(
    node: u16,
    ep: Endpoint,
    opts: ConnectOptions,
    limits: &Limits,
    tx: mpsc::Sender<Captured>,
    stop: Stop,
) -> Result<NodeEnd, Error> {
    let mut guard = connect(&ep, &opts).await?;
    // The address the server sees for our side connection: its commands are left out.
    if let Some(addr) = own_address(&mut guard).await {
        let _ = tx.send(Captured::Own { node, addr }).await;
    }
    let (mut mon, id) = start_monitor(&ep, &opts).await?;
    let mut end = NodeEnd {
        early: None,
        lost: false,
        max_omem: 0,
    };
    // The guard runs beside the reader, so a slow CLIENT LIST reply never pauses reading.
    let (trip_tx, mut trip_rx) = tokio::sync::oneshot::channel::<Trip>();
    let max_omem = Arc::new(AtomicU64::new(0));
    let guard_task = tokio::spawn(guard_loop(
        guard,
        id,
        ep.to_string(),
        limits.max_server_buffer,
        trip_tx,
        max_omem.clone(),
    ));
    let deadline = tokio::time::Instant::now() + limits.duration;
    let mut lines = Chunker::default();
    let stopped = stop.wait();
    tokio::pin!(stopped);
    loop {
        let buf = lines.room();
        tokio::select! {
            _ = tokio::time::sleep_until(deadline) => break,
            _ = &mut stopped => break,
            trip = &mut trip_rx => {
                if let Ok(trip) = trip {
                    end.early = Some(trip.why);
                    end.lost = trip.lost;
                    if trip.lost {
                        // The guard's connection failed first: the lines the server
                        // already sent are still kept, and when the MONITOR connection
                        // was closed too, that is what the report says.
                        let until = deadline.min(tokio::time::Instant::now() + DRAIN);
                        let drained = drain(&mut mon, &mut lines, node, &tx, &ep, until);
                        if let Some(Some(closed)) = stop.until(drained).await {
                            end.early = Some(closed);
                        }
                    }
                }
                break;
            }
            r = mon.io.read_buf(buf) => {
                match r {
                    Ok(0) => {
                        end.early = Some(format!("{ep}: the server closed the MONITOR connection"));
                        end.lost = true;
                        break;
                    }
                    Ok(_) => {
                        let Some(data) = lines.complete() else { continue };
                        if tx.send(Captured::Lines { node, data }).await.is_err() {
                            break;
                        }
                    }
                    Err(e) => {
                        end.early = Some(format!("{ep}: MONITOR connection failed: {e}"));
                        end.lost = true;
                        break;
                    }
                }
            }
        }
    }
    guard_task.abort();
    end.max_omem = max_omem.load(Ordering::Relaxed);
    Ok(end)
}

/// How long the lines already sent are read after the guard lost its connection.
const DRAIN: Duration = Duration::from_millis(500);

/// Reads what is left on the MONITOR connection until `until` (at most [`DRAIN`], never
/// past the capture's deadline), passing on complete lines; returns why the connection
/// ended, if it did (None: it is still open).
async fn drain(
    mon: &mut raw::RawConn,
    lines: &mut Chunker,
    node: u16,
    tx: &mpsc::Sender<Captured>,
    ep: &Endpoint,
    until: tokio::time::Instant,
) -> Option<String> {
    let work = async {
        loop {
            let buf = lines.room();
            match mon.io.read_buf(buf).await {
                Ok(0) => return Some(format!("{ep}: the server closed the MONITOR connection")),
                Ok(_) => {
                    if let Some(data) = lines.complete() {
                        if tx.send(Captured::Lines { node, data }).await.is_err() {
                            return None;
                        }
                    }
                }
                Err(e) => return Some(format!("{ep}: MONITOR connection failed: {e}")),
            }
        }
    };
    // The timer first: a connection that always has data still ends on time.
    tokio::select! {
        biased;
        _ = tokio::time::sleep_until(until) => None,
        ended = work => ended,
    }
}

/// Opens the MONITOR connection (named `cachestorm-monitor`); it and its `CLIENT ID`, which
/// the output-buffer guard watches.
async fn start_monitor(
    ep: &Endpoint,
    opts: &ConnectOptions,
) -> Result<(raw::RawConn, String), Error> {
    let mut mon = raw::open(ep, opts).await?;
    let _ = mon
        .command(
            redis::cmd("CLIENT")
                .arg("SETNAME")
                .arg("cachestorm-monitor"),
        )
        .await?;
    let id = mon.command(redis::cmd("CLIENT").arg("ID")).await?;
    let Some(id) = id.strip_prefix(':').map(str::to_string) else {
        return Err(Error::Server {
            addr: ep.to_string(),
            msg: format!(
                "CLIENT ID refused ({}): the output-buffer guard needs it (ACL: +client|id +client|list)",
                id.trim_start_matches('-')
            ),
        });
    };
    let ok = mon.command(&redis::cmd("MONITOR")).await?;
    if !ok.starts_with("+OK") {
        return Err(Error::Server {
            addr: ep.to_string(),
            msg: format!("MONITOR refused: {}", ok.trim_start_matches('-')),
        });
    }
    Ok((mon, id))
}

/// The read buffer of a MONITOR stream, cut into chunks of complete lines. Lines longer
/// than [`MAX_LINE`] (huge values) are dropped, never held whole.
#[derive(Default)]
struct Chunker {
    buf: Vec<u8>,
    /// Dropping the rest of a line too long to keep.
    discarding: bool,
}

impl Chunker {
    /// The buffer to read into, with room for a large read.
    fn room(&mut self) -> &mut Vec<u8> {
        if self.buf.capacity() - self.buf.len() < (64 << 10) {
            self.buf.reserve(1 << 20);
        }
        &mut self.buf
    }

    /// After a read: the complete lines read so far, if any (the partial last line stays).
    fn complete(&mut self) -> Option<Vec<u8>> {
        if self.discarding {
            // The rest of a line too long to keep: drop it up to its end.
            let Some(nl) = memchr::memchr(b'\n', &self.buf) else {
                self.buf.clear();
                return None;
            };
            self.buf.drain(..=nl);
            self.discarding = false;
        }
        if let Some(last_nl) = memchr::memrchr(b'\n', &self.buf) {
            let rest = self.buf.split_off(last_nl + 1);
            return Some(std::mem::replace(&mut self.buf, rest));
        }
        if self.buf.len() > MAX_LINE {
            self.buf.clear();
            self.discarding = true;
        }
        None
    }
}

/// Polls the MONITOR connection's output buffer (more often as it fills: [`guard_wait`]),
/// keeping the largest seen in `max`; sends the reason and returns when it passes `limit`
/// or the guard gets no answer.
async fn guard_loop(
    mut guard: NodeConn,
    id: String,
    ep: String,
    limit: u64,
    trip: tokio::sync::oneshot::Sender<Trip>,
    max: Arc<AtomicU64>,
) {
    let started = Instant::now();
    let mut wait = Duration::ZERO;
    loop {
        tokio::time::sleep(wait).await;
        wait = guard_wait(0, limit);
        match omem(&mut guard, &id).await {
            Ok(Some(o)) => {
                max.fetch_max(o, Ordering::Relaxed);
                wait = guard_wait(o, limit);
                if o > limit {
                    let _ = trip.send(Trip {
                        why: format!(
                            "{ep}: the server's output buffer for MONITOR reached {} (over --max-server-buffer {}) after {:.1}s",
                            crate::units::bytes(o),
                            crate::units::bytes(limit),
                            started.elapsed().as_secs_f64()
                        ),
                        lost: false,
                    });
                    return;
                }
            }
            Ok(None) => {}
            Err(e) => {
                // No answer to CLIENT LIST (a busy or failing server): stop rather than
                // keep a MONITOR running unwatched.
                let _ = trip.send(Trip {
                    why: format!(
                        "{ep}: the output-buffer guard got no answer, capture stopped: {e}"
                    ),
                    lost: true,
                });
                return;
            }
        }
    }
}

/// The `addr=` the server sees for this connection (CLIENT INFO, Redis 6.2+).
async fn own_address(c: &mut NodeConn) -> Option<String> {
    let info: String = c.query(redis::cmd("CLIENT").arg("INFO")).await.ok()?;
    field(&info, "addr").map(str::to_string)
}

/// The MONITOR connection's output buffer size, from `CLIENT LIST ID`.
async fn omem(c: &mut NodeConn, id: &str) -> Result<Option<u64>, Error> {
    let list: String = c
        .query(redis::cmd("CLIENT").arg("LIST").arg("ID").arg(id))
        .await?;
    Ok(field(&list, "omem").and_then(|v| v.parse().ok()))
}

/// `name=value` from a CLIENT LIST / CLIENT INFO line.
pub(crate) fn field<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    line.split_whitespace()
        .find_map(|kv| kv.strip_prefix(name).and_then(|r| r.strip_prefix('=')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_of_complete_lines() {
        let mut c = Chunker::default();
        c.room().extend_from_slice(b"+1 a\r\n+2 b");
        assert_eq!(c.complete().as_deref(), Some(&b"+1 a\r\n"[..]));
        assert_eq!(c.complete(), None);
        c.room().extend_from_slice(b"\r\n");
        assert_eq!(c.complete().as_deref(), Some(&b"+2 b\r\n"[..]));
        // A line over MAX_LINE is dropped up to its end; the next one is kept.
        c.room().resize(MAX_LINE + 1, b'x');
        assert_eq!(c.complete(), None);
        c.room().extend_from_slice(b"xxx");
        assert_eq!(c.complete(), None);
        c.room().extend_from_slice(b"x\n+3 c\n");
        assert_eq!(c.complete().as_deref(), Some(&b"+3 c\n"[..]));
    }

    #[test]
    fn the_guard_looks_more_often_as_the_buffer_fills() {
        let limit = 32 << 20;
        assert_eq!(guard_wait(0, limit), Duration::from_millis(100));
        assert_eq!(guard_wait(16 << 10, limit), Duration::from_millis(10));
        assert_eq!(guard_wait(limit / 2, limit), Duration::from_millis(2));
        assert_eq!(guard_wait(limit * 2, limit), Duration::from_millis(2));
    }

    #[test]
    fn client_list_fields() {
        let l =
            "id=7 addr=127.0.0.1:5000 laddr=127.0.0.1:6379 fd=8 name= age=1 omem=20504 cmd=monitor";
        assert_eq!(super::field(l, "addr"), Some("127.0.0.1:5000"));
        assert_eq!(super::field(l, "omem"), Some("20504"));
        assert_eq!(super::field(l, "name"), Some(""));
        assert_eq!(super::field(l, "nope"), None);
    }
}

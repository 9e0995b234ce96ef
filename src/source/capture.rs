//! Reading MONITOR captures: a file, `-` for stdin, gzip (by magic bytes). Lines are
//! handed out one at a time from a large buffer; lines longer than [`MAX_LINE`] are
//! skipped without being held in memory, so no input can exhaust it. [`CaptureFile`] is
//! the file side of the MONITOR event source. Must not: parse lines.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::ops::ControlFlow;
use std::path::Path;

use super::events::{Ended, Line, MonitorSource};
use crate::error::{Error, Result};

/// Longest line kept (64 MiB); MONITOR lines that long are values nobody wants counted.
pub(crate) const MAX_LINE: usize = 64 << 20;
const BUF: usize = 1 << 20;

/// Opens `path` (`-` = stdin), decompressing gzip transparently.
pub(crate) fn open(path: &str) -> Result<Box<dyn Read + Send>> {
    let raw: Box<dyn Read + Send> = if path == "-" {
        Box::new(io::stdin())
    } else {
        if Path::new(path).is_dir() {
            return Err(Error::Input(format!(
                "{path} is a folder, not a capture file"
            )));
        }
        Box::new(File::open(path).map_err(|e| Error::Input(format!("opening {path}: {e}")))?)
    };
    let mut r = BufReader::with_capacity(BUF, raw);
    let magic = r
        .fill_buf()
        .map_err(|e| Error::Input(format!("reading {path}: {e}")))?;
    if magic.starts_with(&[0x1f, 0x8b]) {
        Ok(Box::new(ReadAhead::spawn(
            flate2::read::MultiGzDecoder::new(r),
        )))
    } else {
        Ok(Box::new(r))
    }
}

/// A capture file (or stdin) as a MONITOR event source: every line, node 0.
pub(crate) struct CaptureFile {
    reader: Box<dyn Read + Send>,
}

impl CaptureFile {
    /// Opens `path` (`-` = stdin), decompressing gzip transparently.
    pub(crate) fn open(path: &str) -> Result<CaptureFile> {
        Ok(CaptureFile {
            reader: open(path)?,
        })
    }
}

impl MonitorSource for CaptureFile {
    /// Reads on the calling thread (counting a file is CPU work, not waiting).
    async fn for_each_line(self, mut f: impl FnMut(Line<'_>) -> ControlFlow<()>) -> Result<Ended> {
        let res = for_each_line(self.reader, |number, text| {
            f(Line {
                number,
                node: 0,
                text,
                own_client: None,
            })
        });
        Ok(Ended {
            read_error: res.err(),
            ..Ended::default()
        })
    }
}

/// Decompresses on a thread of its own, a few blocks ahead of the counting, so the two
/// cores share the work. (For plain files the counting, not the reading, is the cost.)
pub(crate) struct ReadAhead {
    rx: std::sync::mpsc::Receiver<io::Result<Vec<u8>>>,
    block: Vec<u8>,
    pos: usize,
    done: bool,
}

impl ReadAhead {
    pub(crate) fn spawn(mut inner: impl Read + Send + 'static) -> Self {
        let (tx, rx) = std::sync::mpsc::sync_channel::<io::Result<Vec<u8>>>(4);
        std::thread::spawn(move || loop {
            let mut block = vec![0u8; BUF];
            let mut filled = 0;
            // Fill the block (short reads are common with pipes and decoders).
            let res = loop {
                match inner.read(&mut block[filled..]) {
                    Ok(0) => break Ok(()),
                    Ok(n) => {
                        filled += n;
                        if filled == block.len() {
                            break Ok(());
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => break Err(e),
                }
            };
            block.truncate(filled);
            let last = filled < BUF || res.is_err();
            if filled > 0 && tx.send(Ok(block)).is_err() {
                return;
            }
            if let Err(e) = res {
                let _ = tx.send(Err(e));
                return;
            }
            if last {
                return;
            }
        });
        ReadAhead {
            rx,
            block: Vec::new(),
            pos: 0,
            done: false,
        }
    }
}

impl Read for ReadAhead {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.block.len() {
            if self.done {
                return Ok(0);
            }
            match self.rx.recv() {
                Ok(Ok(b)) => {
                    self.block = b;
                    self.pos = 0;
                }
                Ok(Err(e)) => {
                    self.done = true;
                    return Err(e);
                }
                Err(_) => {
                    self.done = true;
                    return Ok(0);
                }
            }
        }
        let n = out.len().min(self.block.len() - self.pos);
        out[..n].copy_from_slice(&self.block[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// Calls `f(line_number, line)` for every line (without `\n`), numbering from 1, until
/// `f` breaks. A line over [`MAX_LINE`] is passed as `None`. Stops at the first read error
/// and returns it.
pub(crate) fn for_each_line(
    mut r: impl Read,
    mut f: impl FnMut(u64, Option<&[u8]>) -> ControlFlow<()>,
) -> io::Result<()> {
    let mut buf = vec![0u8; BUF];
    let mut start = 0; // start of the current (incomplete) line in buf
    let mut end = 0; // bytes filled
    let mut lineno = 0u64;
    let mut overlong = false; // discarding the rest of a too-long line
    loop {
        if start > 0 && (end - start) < buf.len() / 2 {
            buf.copy_within(start..end, 0);
            end -= start;
            start = 0;
        }
        if end == buf.len() {
            if buf.len() < MAX_LINE {
                let new_len = (buf.len() * 2).min(MAX_LINE);
                buf.resize(new_len, 0);
            } else {
                // The line is too long: drop what we have and skip to its end.
                overlong = true;
                start = 0;
                end = 0;
            }
        }
        let n = match r.read(&mut buf[end..]) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n == 0 {
            if overlong {
                lineno += 1;
                let _ = f(lineno, None);
            } else if end > start {
                lineno += 1;
                let _ = f(lineno, Some(&buf[start..end]));
            }
            return Ok(());
        }
        let mut scan = end;
        end += n;
        while let Some(p) = memchr::memchr(b'\n', &buf[scan..end]) {
            let nl = scan + p;
            lineno += 1;
            let flow = if overlong {
                overlong = false;
                f(lineno, None)
            } else {
                f(lineno, Some(&buf[start..nl]))
            };
            if flow.is_break() {
                return Ok(());
            }
            start = nl + 1;
            scan = start;
        }
        if overlong {
            start = end;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8]) -> Vec<(u64, Option<Vec<u8>>)> {
        let mut v = Vec::new();
        for_each_line(input, |n, l| {
            v.push((n, l.map(<[u8]>::to_vec)));
            ControlFlow::Continue(())
        })
        .unwrap();
        v
    }

    #[test]
    fn a_break_stops_the_reading() {
        let mut seen = 0;
        for_each_line(&b"a\nb\nc\n"[..], |n, _| {
            seen = n;
            if n == 2 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .unwrap();
        assert_eq!(seen, 2);
    }

    #[test]
    fn splits_lines_and_keeps_the_last_partial_one() {
        let v = lines(b"a\nbb\r\n\nccc");
        assert_eq!(v.len(), 4);
        assert_eq!(v[1], (2, Some(b"bb\r".to_vec())));
        assert_eq!(v[3], (4, Some(b"ccc".to_vec())));
        assert!(lines(b"").is_empty());
    }

    #[test]
    fn long_lines_grow_the_buffer() {
        let mut input = vec![b'x'; 3 * BUF];
        input.extend_from_slice(b"\nok\n");
        let v = lines(&input);
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].1.as_ref().unwrap().len(), 3 * BUF);
        assert_eq!(v[1], (2, Some(b"ok".to_vec())));
    }
}

//! Reports whose rows print as they arrive: in a streaming, vmstat-like table (fixed-width
//! columns, the header repeated every [`HEADER_EVERY`] rows), as one NDJSON line per row
//! flushed at once, or kept for the JSON document at the end. (Whole reports that are
//! known at the end use [`super::table`] instead.) On a terminal narrower than the row,
//! columns are left out by their rank ([`Column::drop`]); the last column, a message, is
//! never cut. Piped output keeps every column.

use std::io::Write;

use serde::Serialize;

use super::style::{paint, Tone};
use super::{write_ndjson, Format};
use crate::error::Result;

/// A kind of row that prints as it arrives.
pub(crate) trait Streamed {
    type Row: Serialize;
    /// The table's columns.
    fn columns() -> Vec<Column>;
    /// One row's cells, in column order, with the tone each is painted in.
    fn cells(row: &Self::Row) -> Vec<(String, Tone)>;
}

/// Prints rows in the chosen format as they come; keeps them for `-o json`.
pub(crate) struct RowPrinter<S: Streamed> {
    format: Format,
    printed: usize,
    table: StreamTable,
    collected: Vec<S::Row>,
}

impl<S: Streamed> RowPrinter<S> {
    /// `width`: the terminal's, to fit the table into (None: every column).
    pub(crate) fn new(format: Format, color: bool, width: Option<usize>) -> Self {
        RowPrinter {
            format,
            printed: 0,
            table: StreamTable::new(S::columns(), color, width),
            collected: Vec::new(),
        }
    }

    pub(crate) fn rows(&mut self, out: &mut impl Write, rows: Vec<S::Row>) -> Result<()> {
        for r in rows {
            self.printed += 1;
            match self.format {
                Format::Json => self.collected.push(r),
                Format::Ndjson => write_ndjson(out, &r)?,
                Format::Table => self.table.row(out, &S::cells(&r))?,
            }
        }
        Ok(())
    }

    /// How many rows were handed in.
    pub(crate) fn rows_printed(&self) -> usize {
        self.printed
    }

    /// Prints the table's header alone (a run that ended before its first row).
    pub(crate) fn header(&mut self, out: &mut impl Write) -> Result<()> {
        self.table.header(out)
    }

    /// The rows kept for the JSON document (none unless the format is JSON).
    pub(crate) fn into_collected(self) -> Vec<S::Row> {
        self.collected
    }
}

pub(crate) const HEADER_EVERY: usize = 20;

/// A column: header and width; `left` aligns text to the left (names), else right
/// (numbers); `drop` is when it is left out on a narrow terminal (1 first; 0 never).
pub(crate) struct Column {
    pub(crate) header: &'static str,
    pub(crate) width: usize,
    pub(crate) left: bool,
    pub(crate) drop: u8,
}

pub(crate) struct StreamTable {
    columns: Vec<Column>,
    /// Which columns print (all but those left out to fit the terminal).
    shown: Vec<bool>,
    rows_since_header: usize,
    color: bool,
}

impl StreamTable {
    pub(crate) fn new(columns: Vec<Column>, color: bool, width: Option<usize>) -> Self {
        let mut shown = vec![true; columns.len()];
        if let Some(max) = width {
            let total = |shown: &[bool]| {
                let cols = columns.iter().zip(shown).filter(|(_, s)| **s);
                cols.map(|(c, _)| c.width + 1)
                    .sum::<usize>()
                    .saturating_sub(1)
            };
            let mut ranked: Vec<usize> = (0..columns.len())
                .filter(|&i| columns[i].drop > 0)
                .collect();
            ranked.sort_by_key(|&i| (columns[i].drop, i));
            for i in ranked {
                if total(&shown) <= max {
                    break;
                }
                shown[i] = false;
            }
        }
        StreamTable {
            columns,
            shown,
            rows_since_header: HEADER_EVERY,
            color,
        }
    }

    fn line(&self, cells: &[(String, Tone)]) -> String {
        let mut s = String::new();
        let mut first = true;
        let last_shown = self.shown.iter().rposition(|s| *s);
        for (i, (c, (text, tone))) in self.columns.iter().zip(cells).enumerate() {
            if !self.shown[i] {
                continue;
            }
            if !first {
                s.push(' ');
            }
            first = false;
            // The last column is a message (a status and why): whole, even if it wraps.
            let padded = if c.left && Some(i) == last_shown {
                text.clone()
            } else if c.left {
                format!("{text:<w$}", w = c.width)
            } else {
                format!("{text:>w$}", w = c.width)
            };
            s.push_str(&paint(&padded, *tone, self.color));
        }
        s.trim_end().to_string()
    }

    /// Prints the header line.
    pub(crate) fn header(&mut self, out: &mut impl Write) -> Result<()> {
        let header: Vec<(String, Tone)> = self
            .columns
            .iter()
            .map(|c| (c.header.to_string(), Tone::Plain))
            .collect();
        writeln!(out, "{}", self.line(&header))?;
        self.rows_since_header = 0;
        out.flush()?;
        Ok(())
    }

    /// Prints one row (and the header first when due).
    pub(crate) fn row(&mut self, out: &mut impl Write, cells: &[(String, Tone)]) -> Result<()> {
        if self.rows_since_header >= HEADER_EVERY {
            self.header(out)?;
        }
        writeln!(out, "{}", self.line(cells))?;
        self.rows_since_header += 1;
        out.flush()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_repeats_every_20_rows_and_aligns() {
        let cols = vec![
            Column {
                header: "name",
                width: 6,
                left: true,
                drop: 0,
            },
            Column {
                header: "n",
                width: 4,
                left: false,
                drop: 0,
            },
            Column {
                header: "status",
                width: 6,
                left: true,
                drop: 0,
            },
        ];
        let mut t = StreamTable::new(cols, false, None);
        let mut out = Vec::new();
        for i in 0..41 {
            let cells = [
                ("a".to_string(), Tone::Plain),
                (i.to_string(), Tone::Plain),
                ("ok".to_string(), Tone::Bad),
            ];
            t.row(&mut out, &cells).unwrap();
        }
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 41 + 3);
        assert_eq!(lines[0], "name      n status");
        assert_eq!(lines[1], "a         0 ok");
        assert_eq!(lines[21], "name      n status");
        assert_eq!(lines[42], "name      n status");
    }

    #[test]
    fn colour_only_when_enabled() {
        let cols = vec![Column {
            header: "s",
            width: 4,
            left: true,
            drop: 0,
        }];
        let mut t = StreamTable::new(cols, true, None);
        let mut out = Vec::new();
        t.row(&mut out, &[("down".to_string(), Tone::Bad)]).unwrap();
        assert!(String::from_utf8(out)
            .unwrap()
            .contains("\x1b[31mdown\x1b[0m"));
    }
}

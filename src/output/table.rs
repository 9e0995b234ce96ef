//! Whole-report tables: one look for every subcommand (columns two spaces apart, the header
//! underlined, numbers right-aligned), rendered in one pass, linear in the text.
//!
//! How a table treats long text and narrow terminals ([`View`]):
//! - every cell from data is cut to [`TEXT_WIDTH`] characters (its start, `…` and how
//!   many characters were cut: `user:aaaa…+1.2k`) unless `--full-keys`; JSON always has
//!   the whole text. Prose columns (notes, lists whose items are cut already) are not;
//! - on a terminal narrower than the table (never when piped), text columns (keys,
//!   patterns, examples, clients, notes) shrink to [`TEXT_COMFORT`] characters, then
//!   columns are left out in the order each table gives ([`Col::drop`]), then text
//!   columns shrink to [`TEXT_MIN`]; a line under the table names what was left out.

use std::borrow::Cow;

/// The longest a cell is shown, unless `--full-keys`.
pub(crate) const TEXT_WIDTH: usize = 60;
/// Text columns shrink to this on a narrow terminal before any column is left out.
pub(crate) const TEXT_COMFORT: usize = 30;
/// ...and to this when leaving columns out was not enough.
pub(crate) const TEXT_MIN: usize = 16;

/// How tables are laid out for where they are going.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct View {
    /// `--full-keys`: never cut a cell.
    pub(crate) full_keys: bool,
    /// The terminal's width when stdout is a terminal; None when piped (full width).
    pub(crate) width: Option<usize>,
}

impl View {
    /// The view for stdout: its terminal's width, if it is one.
    pub(crate) fn stdout(full_keys: bool) -> View {
        View {
            full_keys,
            width: super::style::terminal_width(),
        }
    }

    /// Text that stands in a sentence (a key in a summary line), cut like a cell.
    pub(crate) fn text<'a>(&self, s: &'a str) -> Cow<'a, str> {
        if self.full_keys {
            Cow::Borrowed(s)
        } else {
            clip(s, TEXT_WIDTH)
        }
    }
}

/// `s` cut to at most `width` characters: its start, `…` and how many characters were
/// cut (`…+37`, `…+1.2M`). Linear in `s`; short text is borrowed as is.
pub(crate) fn clip(s: &str, width: usize) -> Cow<'_, str> {
    if s.len() <= width {
        return Cow::Borrowed(s);
    }
    let n = s.chars().count();
    if n <= width {
        return Cow::Borrowed(s);
    }
    // The marker's length depends on the number it shows, which depends on how much is
    // kept: settle it in a few steps (each changes the number by a digit at most).
    let mut marker = String::new();
    let mut keep = width.saturating_sub(2).max(1);
    for _ in 0..4 {
        marker = format!("…+{}", cut_count(n - keep));
        let k = width.saturating_sub(marker.chars().count()).max(1);
        if k == keep {
            break;
        }
        keep = k;
    }
    let end = s.char_indices().nth(keep).map_or(s.len(), |(i, _)| i);
    let mut out = String::with_capacity(end + marker.len());
    out.push_str(&s[..end]);
    out.push_str(&marker);
    Cow::Owned(out)
}

/// How many characters were cut: exact under 10,000, then `12.3k`, `4.5M`.
fn cut_count(n: usize) -> String {
    if n < 10_000 {
        n.to_string()
    } else {
        crate::units::count(n as f64)
    }
}

/// A column: its header, alignment, whether it holds text that may shrink, and when it
/// is left out on a narrow terminal.
#[derive(Debug, Clone)]
pub(crate) struct Col {
    header: String,
    right: bool,
    text: bool,
    /// Cells are cut at [`TEXT_WIDTH`] (all but prose).
    cut: bool,
    /// 0: always shown; else left out on a narrow terminal, 1 first.
    drop: u8,
}

impl Col {
    /// A number: right-aligned.
    pub(crate) fn num(header: &str) -> Col {
        Col {
            header: header.into(),
            right: true,
            text: false,
            cut: true,
            drop: 0,
        }
    }

    /// A short label (a type, a command, a node, a time): left-aligned.
    pub(crate) fn label(header: &str) -> Col {
        Col {
            right: false,
            ..Col::num(header)
        }
    }

    /// Free text (keys, patterns, clients, notes): left-aligned, shrinks on a narrow
    /// terminal.
    pub(crate) fn text(header: &str) -> Col {
        Col {
            text: true,
            ..Col::label(header)
        }
    }

    /// Text cachestorm wrote (a note, a list of keys each cut already): never cut at
    /// [`TEXT_WIDTH`], shrinks on a narrow terminal like text.
    pub(crate) fn prose(header: &str) -> Col {
        Col {
            cut: false,
            ..Col::text(header)
        }
    }

    /// Left out on a narrow terminal, rank 1 first.
    pub(crate) fn drop(mut self, rank: u8) -> Col {
        self.drop = rank;
        self
    }
}

/// A table being filled row by row.
pub(crate) struct Table {
    cols: Vec<Col>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub(crate) fn new(cols: Vec<Col>) -> Table {
        Table {
            cols,
            rows: Vec::new(),
        }
    }

    /// Adds a row: one cell per column (missing cells are empty).
    pub(crate) fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// The table as text: the header, its underline, the rows; and a line naming the
    /// columns left out to fit the terminal, if any.
    pub(crate) fn render(&self, view: &View) -> String {
        let cell_width = |s: &str| {
            if s.is_ascii() {
                s.len()
            } else {
                s.chars().count()
            }
        };
        let clipped: Vec<Vec<Cow<'_, str>>> = self
            .rows
            .iter()
            .map(|r| {
                r.iter()
                    .zip(&self.cols)
                    .map(|(c, col)| {
                        if view.full_keys || !col.cut {
                            Cow::Borrowed(c.as_str())
                        } else {
                            clip(c, TEXT_WIDTH)
                        }
                    })
                    .collect()
            })
            .collect();
        let mut widths: Vec<usize> = self.cols.iter().map(|c| cell_width(&c.header)).collect();
        for r in &clipped {
            for (w, c) in widths.iter_mut().zip(r) {
                *w = (*w).max(cell_width(c));
            }
        }
        let shown = match view.width {
            Some(max) => self.fit(&mut widths, max, !view.full_keys),
            None => vec![true; self.cols.len()],
        };

        let line = |cells: &mut dyn Iterator<Item = (usize, &str)>| {
            let mut s = String::new();
            let mut first = true;
            for (i, text) in cells {
                if !shown.get(i).copied().unwrap_or(false) {
                    continue;
                }
                if !first {
                    s.push_str("  ");
                }
                first = false;
                let w = widths[i];
                let text = if cell_width(text) > w {
                    clip(text, w)
                } else {
                    Cow::Borrowed(text)
                };
                let pad = w.saturating_sub(cell_width(&text));
                if self.cols[i].right {
                    s.extend(std::iter::repeat_n(' ', pad));
                    s.push_str(&text);
                } else {
                    s.push_str(&text);
                    s.extend(std::iter::repeat_n(' ', pad));
                }
            }
            s.truncate(s.trim_end().len());
            s
        };
        let mut out = String::new();
        let header = line(&mut self.cols.iter().map(|c| c.header.as_str()).enumerate());
        let underline = cell_width(&header);
        out.push_str(&header);
        out.push('\n');
        out.extend(std::iter::repeat_n('-', underline));
        out.push('\n');
        for r in &clipped {
            out.push_str(&line(&mut r.iter().map(|c| c.as_ref()).enumerate()));
            out.push('\n');
        }
        let left_out: Vec<&str> = self
            .cols
            .iter()
            .zip(&shown)
            .filter(|(_, s)| !**s)
            .map(|(c, _)| c.header.as_str())
            .collect();
        if !left_out.is_empty() {
            out.push_str(&format!(
                "(left out to fit the terminal: {}; pipe the output for every column)\n",
                left_out.join(", ")
            ));
        }
        out
    }

    /// Fits the columns into `max` characters: text columns shrink (when `shrink`), then
    /// columns are left out by rank, then text shrinks further. Returns which are shown.
    fn fit(&self, widths: &mut [usize], max: usize, shrink: bool) -> Vec<bool> {
        let mut shown = vec![true; self.cols.len()];
        let total = |w: &[usize], s: &[bool]| {
            let n = s.iter().filter(|x| **x).count();
            w.iter()
                .zip(s)
                .filter(|(_, s)| **s)
                .map(|(w, _)| w)
                .sum::<usize>()
                + 2 * n.saturating_sub(1)
        };
        let squeeze = |w: &mut [usize], s: &[bool], floor: usize| {
            let mut excess = total(w, s).saturating_sub(max);
            // The widest text first.
            let mut order: Vec<usize> = (0..self.cols.len())
                .filter(|&i| s[i] && self.cols[i].text)
                .collect();
            order.sort_by_key(|&i| std::cmp::Reverse(w[i]));
            for i in order {
                let floor = floor.max(self.cols[i].header.chars().count());
                let cut = excess.min(w[i].saturating_sub(floor));
                w[i] -= cut;
                excess -= cut;
            }
        };
        if shrink {
            squeeze(widths, &shown, TEXT_COMFORT);
        }
        let mut ranked: Vec<usize> = (0..self.cols.len())
            .filter(|&i| self.cols[i].drop > 0)
            .collect();
        ranked.sort_by_key(|&i| (self.cols[i].drop, i));
        for i in ranked {
            if total(widths, &shown) <= max {
                break;
            }
            shown[i] = false;
        }
        if shrink {
            squeeze(widths, &shown, TEXT_MIN);
        }
        shown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_cut_with_a_marker() {
        assert_eq!(clip("short", 10), "short");
        assert_eq!(clip("abcdefghijklmnop", 10), "abcdefg…+9");
        let long = "k".repeat(1 << 20);
        let c = clip(&long, 60);
        assert_eq!(c.chars().count(), 60);
        assert!(c.ends_with("…+1.0M"), "{c}");
        // Each character counts once, whatever its bytes.
        assert_eq!(clip("ééééé", 5), "ééééé");
    }

    #[test]
    fn columns_align_and_the_header_is_underlined() {
        let mut t = Table::new(vec![Col::num("#"), Col::text("key"), Col::num("count")]);
        t.row(vec!["1".into(), "a".into(), "12".into()]);
        t.row(vec!["10".into(), "bbbb".into(), "3".into()]);
        assert_eq!(
            t.render(&View::default()),
            " #  key   count\n---------------\n 1  a        12\n10  bbbb      3\n"
        );
    }

    #[test]
    fn narrow_terminals_shrink_text_then_leave_columns_out() {
        let mut t = Table::new(vec![
            Col::text("key"),
            Col::num("count"),
            Col::num("extra").drop(1),
        ]);
        t.row(vec!["k".repeat(50), "1".into(), "2".into()]);
        let wide = t.render(&View::default());
        assert!(wide.lines().next().unwrap().len() > 50);
        let narrow = t.render(&View {
            full_keys: false,
            width: Some(44),
        });
        assert!(narrow.lines().all(|l| l.chars().count() <= 44));
        assert!(
            narrow.contains("count  extra"),
            "shrinking the key was enough"
        );
        let narrower = t.render(&View {
            full_keys: false,
            width: Some(36),
        });
        assert!(!narrower.contains("extra  "), "{narrower}");
        assert!(narrower.lines().next().unwrap().chars().count() <= 36);
        assert!(narrower.ends_with(
            "(left out to fit the terminal: extra; pipe the output for every column)\n"
        ));
        // --full-keys: text is never cut, columns are still left out.
        let full = t.render(&View {
            full_keys: true,
            width: Some(40),
        });
        assert!(full.contains(&"k".repeat(50)));
        assert!(full.contains("left out to fit the terminal: extra"));
    }
}

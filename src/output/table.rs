//! Whole-report tables (comfy-table): one look for every subcommand. Columns whose
//! header is listed in `numeric` are right-aligned.

use comfy_table::{presets, CellAlignment, ContentArrangement, Table};

pub(crate) fn table(headers: &[&str], numeric: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_preset(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(headers.iter().copied());
    for (i, h) in headers.iter().enumerate() {
        if numeric.contains(h) {
            if let Some(c) = t.column_mut(i) {
                c.set_cell_alignment(CellAlignment::Right);
            }
        }
    }
    t
}

/// Renders with the header underlined and without comfy-table's leading space per line.
pub(crate) fn render(t: &Table) -> String {
    let text = t.to_string();
    let mut lines = text.lines();
    let mut out = String::new();
    if let Some(h) = lines.next() {
        let h = h.strip_prefix(' ').unwrap_or(h).trim_end();
        out.push_str(h);
        out.push('\n');
        out.push_str(&"-".repeat(h.chars().count()));
        out.push('\n');
    }
    for l in lines {
        out.push_str(l.strip_prefix(' ').unwrap_or(l).trim_end());
        out.push('\n');
    }
    out
}

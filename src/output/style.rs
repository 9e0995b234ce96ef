//! Terminal styling decisions: colour only when stdout is a terminal and `NO_COLOR` is
//! unset (https://no-color.org); tables fit the terminal's width only when stdout is one.

use std::io::IsTerminal;

pub(crate) fn color_enabled() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal()
}

/// The width of the terminal stdout is, or None when stdout is not a terminal (piped
/// output keeps every column). comfy-table's detection: `is_terminal`, then the size.
pub(crate) fn terminal_width() -> Option<usize> {
    comfy_table::Table::new()
        .width()
        .map(usize::from)
        .filter(|w| *w > 0)
}

#[derive(Clone, Copy)]
pub(crate) enum Tone {
    Bad,
    Warn,
    Plain,
}

/// Wraps already padded text in an ANSI colour when enabled.
pub(crate) fn paint(text: &str, tone: Tone, enabled: bool) -> String {
    let code = match tone {
        Tone::Bad => "31",
        Tone::Warn => "33",
        Tone::Plain => return text.to_string(),
    };
    if enabled {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

//! `cachestorm man --out-dir DIR`: cachestorm.1 and one page per subcommand
//! (cachestorm-stats.1, ...), generated from the same definitions as --help.

use clap::CommandFactory;

use super::Outcome;
use crate::cli::{Cli, ManArgs};
use crate::error::{Error, Result};

pub(crate) fn run(args: &ManArgs) -> Result<Outcome> {
    let dir = &args.out_dir;
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::Input(format!("creating {}: {e}", dir.display())))?;
    for (name, bytes) in pages()? {
        let path = dir.join(&name);
        std::fs::write(&path, bytes)
            .map_err(|e| Error::Input(format!("writing {}: {e}", path.display())))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(Outcome::Done)
}

/// The detect page's own sections: the thresholds table (defaults; `--threshold
/// NAME=VALUE` overrides) and the recording format.
fn detect_sections() -> String {
    let esc = |s: &str| s.replace('\\', "\\e").replace('-', "\\-");
    let mut s = String::from(".SH THRESHOLDS\nEvery threshold the rules use, with its default (cachestorm detect \\-\\-thresholds prints the ones in force; \\-\\-threshold NAME=VALUE overrides one):\n");
    for t in crate::analysis::storm::thresholds::Thresholds::default().table() {
        s.push_str(&format!(
            ".TP\n\\fB{}\\fR = {} {}\n{}\n",
            esc(t.name),
            t.default,
            esc(t.unit),
            esc(t.meaning)
        ));
    }
    s.push_str(".SH RECORDING FORMAT\n");
    for line in crate::parse::recording::FORMAT_LINES {
        s.push_str(&format!(".TP\n{}\n", esc(line)));
    }
    s
}

/// Every page as (file name, roff bytes).
pub(crate) fn pages() -> Result<Vec<(String, Vec<u8>)>> {
    let cmd = Cli::command();
    let mut out = Vec::new();
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd.clone()).render(&mut buf)?;
    out.push(("cachestorm.1".to_string(), buf));
    for sub in cmd.get_subcommands() {
        let name = format!("cachestorm-{}", sub.get_name());
        let sub = sub
            .clone()
            .name(name.clone())
            .bin_name(name.replace('-', " "));
        let mut buf = Vec::new();
        clap_mangen::Man::new(sub).render(&mut buf)?;
        if name == "cachestorm-detect" {
            buf.extend_from_slice(detect_sections().as_bytes());
        }
        out.push((format!("{name}.1"), buf));
    }
    Ok(out)
}

//! `cachestorm completions SHELL`: the completion script for SHELL on stdout.

use std::io::Write;

use clap::CommandFactory;
use clap_complete::{generate, Shell as Target};

use super::Outcome;
use crate::cli::{Cli, CompletionsArgs, Shell};
use crate::error::Result;

pub(crate) fn run(args: &CompletionsArgs) -> Result<Outcome> {
    let mut out = std::io::stdout().lock();
    write(args.shell, &mut out)?;
    out.flush()?;
    Ok(Outcome::Done)
}

pub(crate) fn write(shell: Shell, out: &mut impl Write) -> Result<()> {
    let target = match shell {
        Shell::Bash => Target::Bash,
        Shell::Zsh => Target::Zsh,
        Shell::Fish => Target::Fish,
        Shell::Powershell => Target::PowerShell,
        Shell::Elvish => Target::Elvish,
    };
    generate(target, &mut Cli::command(), "cachestorm", out);
    Ok(())
}

//! cachestorm: parse arguments, dispatch to a subcommand, map the outcome or error to the
//! exit code. A broken pipe (`cachestorm ... | head`) is not an error.

mod analysis;
mod cli;
mod cmd;
mod endpoint;
mod error;
mod output;
mod parse;
mod ratio;
mod redact;
mod show;
mod source;
mod units;

use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command};
use cmd::Outcome;
use error::{Error, EXIT_INTERRUPTED};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Completions(a) => cmd::completions::run(&a),
        Command::Man(a) => cmd::man::run(&a),
        Command::Stats(a) => runtime().and_then(|rt| rt.block_on(cmd::stats::run(*a))),
        Command::Monitor(a) => runtime().and_then(|rt| rt.block_on(cmd::monitor::run(*a))),
        Command::Hotkeys(a) => runtime().and_then(|rt| rt.block_on(cmd::hotkeys::run(*a))),
        Command::Patterns(a) => runtime().and_then(|rt| rt.block_on(cmd::patterns::run(*a))),
        Command::Bigkeys(a) => runtime().and_then(|rt| rt.block_on(cmd::bigkeys::run(*a))),
        Command::Keyspace(a) => runtime().and_then(|rt| rt.block_on(cmd::keyspace::run(*a))),
    };
    match result {
        Ok(Outcome::Done) => ExitCode::SUCCESS,
        Ok(Outcome::Interrupted) => ExitCode::from(EXIT_INTERRUPTED),
        Ok(Outcome::BadInput) => ExitCode::from(2),
        Ok(Outcome::Partial) => ExitCode::from(3),
        Err(Error::Output(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cachestorm: {}", redact::everywhere(&e.to_string()));
            ExitCode::from(e.exit_code())
        }
    }
}

fn runtime() -> error::Result<tokio::runtime::Runtime> {
    // rustls needs one process-wide crypto provider; a second install is harmless.
    let _ = rustls::crypto::ring::default_provider().install_default();
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(Error::Output)
}

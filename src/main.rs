//! cachestorm: parse arguments, dispatch to a subcommand, print the error if any, exit
//! with the code `exit.rs` decides.

mod analysis;
mod cli;
mod cmd;
mod endpoint;
mod error;
mod exit;
mod output;
mod parse;
mod ratio;
mod redact;
mod show;
mod source;
mod units;
mod warm;

use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command};
use error::Error;

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
        Command::Warm(a) => runtime().and_then(|rt| rt.block_on(cmd::warm::run(*a))),
        Command::Detect(a) => runtime().and_then(|rt| rt.block_on(cmd::detect::run(*a))),
        Command::Keyspace(a) => runtime().and_then(|rt| rt.block_on(cmd::keyspace::run(*a))),
    };
    if let Err(e) = &result {
        if e.is_reported() {
            eprintln!("cachestorm: {}", redact::everywhere(&e.to_string()));
        }
    }
    ExitCode::from(exit::code(&result))
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

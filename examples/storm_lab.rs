//! The storm scenarios of tests/util/storm.rs for people: run one (or all) against local
//! servers it starts on loopback, and keep the recording with its sidecars (`.onset`,
//! `.expected`) for `cachestorm detect --replay`. `scripts/storm-lab` wraps it.
//!
//!   cargo run --release --example storm_lab -- list
//!   cargo run --release --example storm_lab -- run SCENARIO --out FILE
//!   cargo run --release --example storm_lab -- all --out-dir DIR

#[allow(unused_imports)]
#[path = "../tests/util/mod.rs"]
mod util;

use std::path::PathBuf;

use util::storm::{expected, run, SCENARIOS};

fn usage() -> ! {
    eprintln!("usage: storm_lab list | run SCENARIO [--out FILE] | all --out-dir DIR");
    std::process::exit(2)
}

fn one(name: &str, out: PathBuf) {
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).expect("creating the output folder");
    }
    eprintln!("{name}: running (expected class: {})", expected(name));
    let o = run(name, &out, &mut |_| {});
    o.write_sidecars();
    println!(
        "{name}\t{}\tonset {:.3}\texpected {}\tnodes {}",
        out.display(),
        o.onset,
        o.expected,
        o.nodes.join(",")
    );
    println!("  effect: {}", o.effect);
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .map(PathBuf::from)
    };
    match args.first().map(String::as_str) {
        Some("list") => {
            for s in SCENARIOS {
                println!("{s}\t{}", expected(s));
            }
        }
        Some("run") => {
            let name = args.get(1).unwrap_or_else(|| usage());
            if !SCENARIOS.contains(&name.as_str()) {
                eprintln!("unknown scenario {name}; `storm_lab list` names them");
                std::process::exit(2);
            }
            let out = flag("--out").unwrap_or_else(|| PathBuf::from(format!("{name}.ndjson")));
            one(name, out);
        }
        Some("all") => {
            let dir = flag("--out-dir").unwrap_or_else(|| usage());
            for s in SCENARIOS {
                one(s, dir.join(format!("{s}.ndjson")));
            }
        }
        _ => usage(),
    }
}

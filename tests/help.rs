//! `--help`, every subcommand's `--help` and `--version`: no server needed.

use crate::cachestorm;
use predicates::prelude::*;

#[test]
fn help_lists_only_working_subcommands() {
    let out = cachestorm().arg("--help").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let commands: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter(|l| l.starts_with("  ") && !l.starts_with("    "))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(
        commands,
        [
            "stats",
            "monitor",
            "hotkeys",
            "patterns",
            "bigkeys",
            "keyspace",
            "completions",
            "man"
        ]
    );
}

#[test]
fn every_subcommand_help_has_an_example() {
    for sub in [
        "stats",
        "monitor",
        "hotkeys",
        "patterns",
        "bigkeys",
        "keyspace",
        "completions",
        "man",
    ] {
        cachestorm()
            .args([sub, "--help"])
            .assert()
            .success()
            .stdout(predicate::str::contains("Example"));
    }
}

#[test]
fn version_prints() {
    cachestorm()
        .arg("--version")
        .assert()
        .success()
        .stdout(predicate::str::starts_with("cachestorm "));
}

//! Tests that need no server: arguments, help, errors on bad input.

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
fn bad_duration_is_a_usage_error() {
    cachestorm()
        .args(["stats", "--interval", "soon"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("invalid duration"));
}

#[test]
fn bad_url_is_a_usage_error_without_the_password() {
    let out = cachestorm()
        .args(["stats", "-u", "http://app:hunter2@127.0.0.1:6379"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("redis://"), "{err}");
    assert!(!err.contains("hunter2"), "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn client_cert_needs_key() {
    cachestorm()
        .args(["stats", "--tls", "--cert", "c.pem"])
        .assert()
        .code(2);
}

#[test]
fn missing_ca_file_is_bad_input() {
    cachestorm()
        .args(["stats", "--tls", "--cacert", "/nonexistent/ca.pem"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("/nonexistent/ca.pem"));
}

#[test]
fn refused_connection_names_the_node_and_exits_3() {
    let port = crate::util::free_port(false);
    let addr = format!("127.0.0.1:{port}");
    let out = cachestorm()
        .args(["stats", "-p", &port.to_string(), "--count", "1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&addr) && err.contains("refused"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn version_prints() {
    cachestorm()
        .arg("--version")
        .assert()
        .success()
        .stdout(predicate::str::starts_with("cachestorm "));
}

/// README's outputs of commands that need no server are what the binary prints today.
#[test]
fn readme_offline_examples_match_the_binary() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let mut checked = 0;
    for block in readme.split("```\n$ cachestorm ").skip(1) {
        let (cmd, rest) = block.split_once('\n').unwrap();
        let shown = &rest[..rest.find("```").unwrap()];
        if !cmd.contains("--input fixtures/") || cmd.contains('|') || cmd.contains('\'') {
            continue;
        }
        let out = cachestorm()
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(cmd.split_whitespace())
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            shown,
            "README's output of `cachestorm {cmd}` is stale"
        );
        checked += 1;
    }
    assert!(checked >= 2, "README examples found: {checked}");
}

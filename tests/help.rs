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
            "detect",
            "warm",
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
        "detect",
        "warm",
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

/// `SUB --help` as (heading, long flag) pairs, in order.
fn flags_by_heading(sub: &str) -> Vec<(String, String)> {
    let out = cachestorm().args([sub, "--help"]).output().unwrap();
    assert!(out.status.success());
    let mut heading = String::new();
    let mut pairs = Vec::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        if !line.starts_with(' ') && line.ends_with(':') {
            heading = line.trim_end_matches(':').to_string();
        } else if line.starts_with("  -") || line.starts_with("      --") {
            if let Some(long) = line.split_whitespace().find(|w| w.starts_with("--")) {
                pairs.push((heading.clone(), long.trim_end_matches(',').to_string()));
            }
        }
    }
    pairs
}

#[test]
fn flags_sit_under_their_own_headings() {
    // A shared flag group's heading holds that group's flags and nothing else (a flattened
    // group's heading must not leak onto the flags after it).
    let groups: [(&str, &[&str]); 5] = [
        (
            "Connection",
            &[
                "--url",
                "--host",
                "--port",
                "--socket",
                "--user",
                "--pass",
                "--db",
                "--tls",
                "--cacert",
                "--cert",
                "--key",
                "--insecure",
                "--node",
                "--cluster",
                "--sentinel",
                "--master",
                "--sentinel-pass",
                "--connect-timeout",
                "--timeout",
            ],
        ),
        ("Output", &["--format", "--json", "--full-keys"]),
        ("Capture", &["--duration", "--max-server-buffer"]),
        ("Traffic", &["--input", "--max-keys", "--threads"]),
        ("Patterns", &["--separator", "--rule"]),
    ];
    let own: [(&str, &[(&str, &str)]); 7] = [
        (
            "stats",
            &[("--interval", "Sampling"), ("--duration", "Sampling")],
        ),
        (
            "monitor",
            &[
                ("--duration", "Capture"),
                ("--max-lines", "Filter"),
                ("--key-pattern", "Filter"),
                ("--write", "Capture file"),
            ],
        ),
        (
            "hotkeys",
            &[
                ("--method", "Method"),
                ("--scan-rate", "Method"),
                ("--top", "Report"),
                ("--threshold", "Report"),
                ("--min-rate", "Report"),
                ("--expiry-bucket", "Signatures"),
                ("--max-keys", "Traffic"),
                ("--rule", "Patterns"),
            ],
        ),
        ("patterns", &[("--top", "Report"), ("--scan", "Scan")]),
        (
            "bigkeys",
            &[
                ("--top", "Report"),
                ("--min-bytes", "Report"),
                ("--count", "Scan"),
            ],
        ),
        (
            "keyspace",
            &[
                ("--horizon", "Report"),
                ("--cliff", "Report"),
                ("--separator", "Patterns"),
            ],
        ),
        (
            "detect",
            &[
                ("--interval", "Sampling"),
                ("--duration", "Sampling"),
                ("--watch", "Sampling"),
                ("--replay", "Record and replay"),
                ("--monitor", "Deeper evidence"),
                ("--baseline", "Baseline"),
                ("--threshold", "Thresholds"),
            ],
        ),
    ];
    for (sub, expected) in own {
        let pairs = flags_by_heading(sub);
        for (heading, flag) in &pairs {
            if let Some((_, members)) = groups.iter().find(|(h, _)| h == heading) {
                assert!(
                    members.contains(&flag.as_str()),
                    "{sub} --help: {flag} under {heading}:"
                );
            }
        }
        for (flag, heading) in expected {
            let found = pairs
                .iter()
                .find(|(_, f)| f == flag)
                .map(|(h, _)| h.as_str());
            assert_eq!(found, Some(*heading), "{sub} --help: {flag}");
        }
    }
}

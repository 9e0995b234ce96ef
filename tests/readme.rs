//! README's examples: the outputs of the commands that need no server are what the binary
//! prints today.

use crate::cachestorm;

/// README's outputs of commands that need no server are what the binary prints today.
#[test]
fn readme_offline_examples_match_the_binary() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let mut checked = 0;
    for block in readme.split("```\n$ cachestorm ").skip(1) {
        let (cmd, rest) = block.split_once('\n').unwrap();
        let shown = &rest[..rest.find("```").unwrap()];
        let offline = cmd.contains("--input fixtures/")
            || cmd.contains("--replay fixtures/")
            || cmd.contains("--from-monitor fixtures/");
        if !offline || cmd.contains('|') || cmd.contains('\'') {
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
    assert!(checked >= 5, "README examples found: {checked}");
}

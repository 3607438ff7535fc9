//! Golden scenarios under `tests/golden/`, each run through the library and through `pare simulate`.

use std::process::Command;

use pare_policy::actions::CatalogCheck;
use pare_policy::simulate;
use pare_tests::{GoldenCase, check, json_files, pare_binary, tests_dir};

fn cases() -> Vec<(String, GoldenCase)> {
    let files = json_files(&tests_dir().join("golden"));
    assert!(
        files.len() >= 200,
        "expected at least 200 golden scenarios, found {}",
        files.len()
    );
    files
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p).unwrap();
            let case: GoldenCase = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{}: not a golden scenario: {e}", p.display()));
            let name = p.strip_prefix(tests_dir()).unwrap().display().to_string();
            (name, case)
        })
        .collect()
}

#[test]
fn golden_scenarios_through_the_library() {
    let catalog = pare_catalog::Catalog::bundled().unwrap();
    let checks = CatalogCheck::new(catalog);
    let mut failures = Vec::new();
    let all = cases();
    for (name, case) in &all {
        assert!(
            !case.description.is_empty() && !case.source.is_empty(),
            "{name}: description and source are required"
        );
        let text = serde_json::to_string(&case.input).unwrap();
        let output =
            simulate::parse_input(&text).and_then(|input| simulate::simulate(&input, &checks));
        match output {
            Ok(out) => {
                let value = serde_json::to_value(&out).unwrap();
                let problems = check(&case.expect, &value);
                if !problems.is_empty() {
                    failures.push(format!(
                        "{name} ({})\n    {}",
                        case.description,
                        problems.join("\n    ")
                    ));
                }
            }
            Err(e) => failures.push(format!("{name}: {e}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} golden scenarios failed:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
}

#[test]
fn golden_scenarios_through_the_cli() {
    let dir = std::env::temp_dir().join(format!("pare-golden-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let all = cases();
    let bin = pare_binary();
    // Two workers: the CLI is a process per case, and CI has two cores.
    let failures: Vec<String> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..2)
            .map(|w| {
                let (all, dir) = (&all, &dir);
                scope.spawn(move || {
                    let mut failures = Vec::new();
                    for (i, (name, case)) in all.iter().enumerate().skip(w).step_by(2) {
                        let path = dir.join(format!("{i}.json"));
                        std::fs::write(&path, serde_json::to_vec(&case.input).unwrap()).unwrap();
                        let out = Command::new(bin)
                            .args(["simulate", "--compact", "--input"])
                            .arg(&path)
                            .output()
                            .unwrap();
                        if !out.status.success() {
                            failures.push(format!(
                                "{name}: exit {:?}: {}",
                                out.status.code(),
                                String::from_utf8_lossy(&out.stderr)
                            ));
                            continue;
                        }
                        let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
                        let problems = check(&case.expect, &value);
                        if !problems.is_empty() {
                            failures.push(format!("{name}: {}", problems.join("; ")));
                        }
                    }
                    failures
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    std::fs::remove_dir_all(&dir).ok();
    assert!(
        failures.is_empty(),
        "{} of {} golden scenarios failed through the CLI:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
}

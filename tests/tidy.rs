//! Tidy checks over the source tree: the layering rules of ARCHITECTURE.md, file headers, no stubs.

use std::path::{Path, PathBuf};

fn repo_root() -> PathBuf {
    pare_tests::tests_dir().parent().unwrap().to_path_buf()
}

fn files_with_extension(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        if p.is_dir() {
            if !matches!(
                name.as_str(),
                "target" | "node_modules" | "dist" | ".git" | "data" | "golden"
            ) {
                files_with_extension(&p, ext, out);
            }
        } else if p.extension().is_some_and(|x| x == ext) {
            out.push(p);
        }
    }
}

fn rust_files() -> Vec<PathBuf> {
    let root = repo_root();
    let mut out = Vec::new();
    for dir in ["crates", "src-tauri", "tests"] {
        files_with_extension(&root.join(dir), "rs", &mut out);
    }
    assert!(out.len() > 20, "found only {} Rust files", out.len());
    out
}

/// The `[dependencies]` section of a manifest, as dependency names.
fn dependencies(manifest: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(manifest).unwrap();
    let mut deps = Vec::new();
    let mut in_deps = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_deps = line == "[dependencies]" || line == "[build-dependencies]";
            continue;
        }
        if in_deps && let Some((name, _)) = line.split_once('=') {
            let name = name.trim().trim_end_matches(".workspace").trim();
            if !name.is_empty() && !name.starts_with('#') {
                deps.push(name.to_owned());
            }
        }
    }
    deps
}

#[test]
fn the_pure_core_has_no_io_async_sql_or_tauri_dependencies() {
    let root = repo_root();
    let forbidden = [
        "tauri",
        "tokio",
        "rusqlite",
        "reqwest",
        "aws-config",
        "aws-sdk",
        "rayon",
        "notify",
    ];
    for krate in [
        "pare-catalog",
        "pare-policy",
        "pare-usage",
        "pare-account",
        "pare-rightsize",
        "pare-alerts",
        "pare-findings",
    ] {
        let deps = dependencies(&root.join("crates").join(krate).join("Cargo.toml"));
        assert!(!deps.is_empty(), "{krate}: no dependencies read");
        for d in &deps {
            assert!(
                !forbidden.iter().any(|f| d.starts_with(f)),
                "{krate} is part of the pure core but depends on `{d}`"
            );
        }
    }
    // Only the desktop shell knows Tauri.
    let mut manifests = Vec::new();
    files_with_extension(&root.join("crates"), "toml", &mut manifests);
    manifests.push(root.join("tests/Cargo.toml"));
    for m in manifests.iter().filter(|m| m.ends_with("Cargo.toml")) {
        let deps = dependencies(m);
        assert!(
            !deps.iter().any(|d| d.starts_with("tauri")),
            "{} depends on Tauri",
            m.display()
        );
    }
}

#[test]
fn the_pure_core_does_no_io() {
    let root = repo_root();
    for krate in [
        "pare-catalog",
        "pare-policy",
        "pare-usage",
        "pare-account",
        "pare-rightsize",
        "pare-alerts",
        "pare-findings",
    ] {
        let mut files = Vec::new();
        files_with_extension(
            &root.join("crates").join(krate).join("src"),
            "rs",
            &mut files,
        );
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            for needle in [
                "std::fs",
                "std::net::TcpStream",
                "std::process",
                "File::open",
                "std::env::var",
            ] {
                assert!(
                    !text.contains(needle),
                    "{} uses `{needle}`: the core does no IO",
                    f.display()
                );
            }
        }
    }
}

#[test]
fn every_rust_file_opens_with_a_module_doc_line() {
    for f in rust_files() {
        let text = std::fs::read_to_string(&f).unwrap();
        let first = text.lines().next().unwrap_or("");
        assert!(
            first.starts_with("//!"),
            "{} must open with a `//!` line saying what it is for",
            f.display()
        );
    }
}

#[test]
fn no_stubs_or_ignored_tests() {
    let banned = [
        concat!("#[", "ignore"),
        concat!("#[", "should_panic"),
        concat!("todo", "!("),
        concat!("unimplemented", "!("),
    ];
    for f in rust_files() {
        let text = std::fs::read_to_string(&f).unwrap();
        for b in banned {
            assert!(!text.contains(b), "{} contains `{b}`", f.display());
        }
    }
}

#[test]
fn nothing_reads_the_shared_folder_at_run_time() {
    let needle = concat!("../", "shared");
    for f in rust_files() {
        let text = std::fs::read_to_string(&f).unwrap();
        assert!(
            !text.contains(needle),
            "{} reads `{needle}`; copy fixtures into the repo",
            f.display()
        );
    }
}

//! Build script: runs tauri-build against the top-level `tauri.conf.json`.
//!
//! tauri-build 2 reads `tauri.conf.json`, `Cargo.toml` and `capabilities/` from the
//! current directory and has no option to name another config file. So this
//! script makes a small staging directory in `OUT_DIR` whose entries link to the
//! real files (the top-level config, this crate's manifest and capabilities) and
//! runs tauri-build from there. Nothing is copied into the source tree, and the
//! files tauri-build generates (`gen/schemas`) stay in `OUT_DIR`.

use std::env;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

fn main() {
    if let Err(err) = run() {
        // A build script reports failure through its exit code.
        eprintln!("pare-desktop build script failed: {err:#}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let crate_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR")?);
    let repo_dir = crate_dir
        .parent()
        .ok_or("src-tauri has no parent directory")?
        .to_path_buf();
    let out_dir = PathBuf::from(env::var("OUT_DIR")?);

    let config = repo_dir.join("tauri.conf.json");
    println!("cargo:rerun-if-changed={}", config.display());
    println!(
        "cargo:rerun-if-changed={}",
        crate_dir.join("capabilities").display()
    );
    println!(
        "cargo:rerun-if-changed={}",
        repo_dir.join("icons").display()
    );

    let staging = out_dir.join("tauri-root");
    fs::create_dir_all(&staging)?;
    link(&config, &staging.join("tauri.conf.json"))?;
    link(&crate_dir.join("Cargo.toml"), &staging.join("Cargo.toml"))?;
    link(
        &crate_dir.join("capabilities"),
        &staging.join("capabilities"),
    )?;

    env::set_current_dir(&staging)?;
    tauri_build::try_build(tauri_build::Attributes::new())?;
    Ok(())
}

/// Makes `dst` point at `src`: a symlink on Unix, a copy elsewhere.
fn link(src: &Path, dst: &Path) -> io::Result<()> {
    if fs::symlink_metadata(dst).is_ok() {
        if dst.is_dir() && !fs::symlink_metadata(dst)?.file_type().is_symlink() {
            fs::remove_dir_all(dst)?;
        } else {
            fs::remove_file(dst)?;
        }
    }
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(src, dst)
    }
    #[cfg(not(unix))]
    {
        copy_tree(src, dst)
    }
}

#[cfg(not(unix))]
fn copy_tree(src: &Path, dst: &Path) -> io::Result<()> {
    if src.is_dir() {
        fs::create_dir_all(dst)?;
        for entry in fs::read_dir(src)? {
            let entry = entry?;
            copy_tree(&entry.path(), &dst.join(entry.file_name()))?;
        }
        Ok(())
    } else {
        fs::copy(src, dst).map(|_| ())
    }
}

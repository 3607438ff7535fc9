//! `pare-desktop`: starts Pare's desktop window.

// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use std::process::ExitCode;

fn main() -> ExitCode {
    pare_desktop::launch_bench::mark_main_started();
    match pare_desktop::run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("pare-desktop: {err}");
            ExitCode::FAILURE
        }
    }
}

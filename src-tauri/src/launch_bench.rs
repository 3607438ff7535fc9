//! The launch benchmark's measurement hook (`benches/launch/`): with [`LAUNCH_BENCH_ENV`] set, the UI reports
//! through [`launch_ready`] once the dashboard has drawn the engine's numbers; the shell then prints the time
//! since the process started and the memory of the app and of the WebKit processes it started (peak and current
//! RSS of each, and their summed proportional set size, which counts shared pages once), as one `LAUNCH` line
//! on stdout, and exits. Without the variable the command does nothing.

use std::time::Instant;

use tauri::AppHandle;

/// When set (to anything), the app reports its launch and exits once the dashboard is interactive.
pub const LAUNCH_BENCH_ENV: &str = "PARE_LAUNCH_BENCH";

static MAIN_STARTED: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();

/// Records when `main` started (called first thing in `main`).
pub fn mark_main_started() {
    let _ = MAIN_STARTED.set(Instant::now());
}

/// Seconds since this process started, from `/proc` (the kernel's start time, so it counts the dynamic loader
/// and everything before `main`; 10 ms resolution).
fn since_process_start() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Field 22 (starttime, clock ticks since boot), counted after the `(comm)` field, which may hold spaces.
    let after = stat.rsplit_once(')')?.1;
    let start_ticks: f64 = after.split_whitespace().nth(19)?.parse().ok()?;
    let uptime: f64 = std::fs::read_to_string("/proc/uptime")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    // CLK_TCK is 100 on Linux.
    Some(uptime - start_ticks / 100.0)
}

/// A `/proc/<pid>/status` field in KiB.
fn status_kib(pid: &str, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Proportional set size of a process in KiB (shared pages divided among the processes that map them), from
/// `/proc/<pid>/smaps_rollup`: unlike RSS, it can be summed over the app and its WebKit processes.
fn pss_kib(pid: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("Pss:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// The processes whose parent is `pid`, with their names.
fn children(pid: u32) -> Vec<(String, String)> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.chars().all(|c| c.is_ascii_digit()).then_some(name)
        })
        .filter_map(|p| {
            let stat = std::fs::read_to_string(format!("/proc/{p}/stat")).ok()?;
            let (head, after) = stat.rsplit_once(')')?;
            let ppid: u32 = after.split_whitespace().nth(1)?.parse().ok()?;
            let comm = head.split_once('(')?.1.to_owned();
            (ppid == pid).then_some((p, comm))
        })
        .collect()
}

/// Called by the UI when the dashboard shows its data (`what` says which database); reports and exits when
/// [`LAUNCH_BENCH_ENV`] is set.
#[tauri::command]
pub fn launch_ready(app: AppHandle, what: String) {
    if std::env::var_os(LAUNCH_BENCH_ENV).is_none() {
        return;
    }
    let since_main = MAIN_STARTED.get().map(|t| t.elapsed().as_secs_f64());
    let since_start = since_process_start();
    let me = std::process::id();
    let app_peak = status_kib("self", "VmHWM:").unwrap_or(0);
    let app_now = status_kib("self", "VmRSS:").unwrap_or(0);
    let mut webkit_peak = 0;
    let mut webkit_now = 0;
    let mut pss = pss_kib("self").unwrap_or(0);
    let mut names = Vec::new();
    for (pid, comm) in children(me) {
        webkit_peak += status_kib(&pid, "VmHWM:").unwrap_or(0);
        webkit_now += status_kib(&pid, "VmRSS:").unwrap_or(0);
        pss += pss_kib(&pid).unwrap_or(0);
        names.push(comm);
    }
    let secs = |v: Option<f64>| v.map_or_else(|| "?".to_owned(), |s| format!("{s:.3}"));
    println!(
        "LAUNCH what={what} since_process_start_s={} since_main_s={} app_peak_rss_mib={:.1} app_rss_mib={:.1} \
         children_peak_rss_mib={:.1} children_rss_mib={:.1} total_peak_rss_mib={:.1} total_pss_mib={:.1} children={}",
        secs(since_start),
        secs(since_main),
        app_peak as f64 / 1024.0,
        app_now as f64 / 1024.0,
        webkit_peak as f64 / 1024.0,
        webkit_now as f64 / 1024.0,
        (app_peak + webkit_peak) as f64 / 1024.0,
        pss as f64 / 1024.0,
        names.join(",")
    );
    app.exit(0);
}

//! Tauri commands of the "Connect to AWS" screen: the profiles and regions to choose from, a live
//! scan of the account into the user's own database on a worker thread (progress as
//! `scan-progress` events, the outcome as `scan-finished`), and its cancel.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use pare_engine::{ConnectChoices, ScanOptions, ScanReport, ScanStatus};
use serde::Serialize;
use tauri::{AppHandle, Emitter as _, Manager as _};

use crate::state::{AppState, DatabaseInfo};

/// The event carrying [`ScanStatus`] while a scan runs.
pub const SCAN_PROGRESS: &str = "scan-progress";
/// The event carrying [`ScanOutcome`] when a scan ends.
pub const SCAN_FINISHED: &str = "scan-finished";

/// The running scan's cancel flag.
static RUNNING: Mutex<Option<Arc<AtomicBool>>> = Mutex::new(None);

fn running() -> std::sync::MutexGuard<'static, Option<Arc<AtomicBool>>> {
    RUNNING.lock().unwrap_or_else(PoisonError::into_inner)
}

/// How a scan ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct ScanOutcome {
    /// What the scan read and stored, when it finished.
    pub report: Option<ScanReport>,
    /// Why it stopped (no credentials, the database), when it did.
    pub error: Option<String>,
    /// The user cancelled it.
    pub cancelled: bool,
    /// The database now open (the user's own, with the scan in it).
    pub database: Option<DatabaseInfo>,
}

/// Profiles (names and kinds only), regions and the scan's stages.
#[tauri::command]
#[must_use]
pub fn aws_connect_choices() -> ConnectChoices {
    pare_engine::connect_choices()
}

/// Scans the account of `profile` (the default chain when none) in `region` into the user's own
/// database on a worker thread, CloudTrail from `since` (`YYYY-MM-DD`) on. Emits [`SCAN_PROGRESS`]
/// and then [`SCAN_FINISHED`].
///
/// # Errors
/// A bad date, or a scan already running.
#[tauri::command]
pub fn start_aws_scan(
    app: AppHandle,
    profile: Option<String>,
    region: Option<String>,
    since: Option<String>,
) -> Result<(), String> {
    let since = since
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            pare_engine::parse_time_text(&format!("{}T00:00:00Z", s.trim()))
                .ok_or_else(|| format!("`{s}` is not a date (YYYY-MM-DD)"))
        })
        .transpose()?;
    let state = app.state::<AppState>();
    let db = state.workspace_path();
    std::fs::create_dir_all(state.data_dir())
        .map_err(|e| format!("cannot create `{}`: {e}", state.data_dir().display()))?;
    let cancel = {
        let mut guard = running();
        if guard.is_some() {
            return Err("a scan is already running".to_owned());
        }
        let flag = Arc::new(AtomicBool::new(false));
        *guard = Some(Arc::clone(&flag));
        flag
    };
    let mut options = ScanOptions::new(state.data_dir().join("aws-cache"));
    options.profile = profile.filter(|p| !p.is_empty());
    options.region = region.filter(|r| !r.is_empty());
    options.since = since;
    options.cancel = Some(Arc::clone(&cancel));
    let worker = app.clone();
    std::thread::spawn(move || {
        let result = pare_engine::scan_account(&db, &options, |event| {
            // A closed window has nobody to tell.
            let _ = worker.emit(SCAN_PROGRESS, ScanStatus::from(event));
        })
        .and_then(|summary| pare_engine::scan_report(&db, &summary));
        let state = worker.state::<AppState>();
        let cancelled = cancel.load(Ordering::Relaxed);
        let outcome = match result {
            Ok(report) => ScanOutcome {
                report: Some(report),
                error: None,
                cancelled,
                database: state.open(&db, false).ok(),
            },
            Err(e) => ScanOutcome {
                report: None,
                error: (!cancelled).then(|| e.to_string()),
                cancelled,
                database: None,
            },
        };
        *running() = None;
        let scanned = outcome.report.is_some();
        let _ = worker.emit(SCAN_FINISHED, outcome);
        if scanned {
            // As after an import: the review and overview of the new state, computed once and stored.
            let _ = pare_engine::prepared::prepare(&db);
        }
    });
    Ok(())
}

/// Asks the running scan to stop at its next request; `false` when none runs.
#[tauri::command]
#[must_use]
pub fn cancel_aws_scan() -> bool {
    running()
        .as_ref()
        .map(|flag| flag.store(true, Ordering::Relaxed))
        .is_some()
}

//! Tauri commands: the functions the UI calls through `ui/src/ipc/`. Each reads through the open
//! database or starts engine work; none computes an answer of its own.

use std::path::PathBuf;
use std::sync::atomic::Ordering;

use pare_engine::{
    ActivityFilter, EventFacets, EventPage, ImportReport, ImportStatus, Overview, PrincipalDetail,
    PrincipalSummary, RootActivity,
};
use serde::Serialize;
use tauri::{AppHandle, Emitter as _, Manager as _, State};
use tauri_plugin_dialog::DialogExt as _;

use crate::state::{AppState, DatabaseInfo};

/// The event carrying [`ImportStatus`] while an import runs.
pub const IMPORT_PROGRESS: &str = "import-progress";
/// The event carrying [`ImportOutcome`] when an import ends.
pub const IMPORT_FINISHED: &str = "import-finished";

/// Replaces the native file dialog with these paths (separated by the platform's path-list
/// separator): how the end-to-end test picks a folder, since WebDriver cannot drive native dialogs.
pub const PICK_OVERRIDE_ENV: &str = "PARE_E2E_PICK";

/// How an import ended.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportOutcome {
    /// What the import did, when it ran.
    pub report: Option<ImportReport>,
    /// Why it failed (the database), when it did.
    pub error: Option<String>,
    /// The database now open (the user's own, with the import in it).
    pub database: Option<DatabaseInfo>,
}

/// The app's version (the `pare-desktop` crate's), shown by the UI.
#[tauri::command]
#[must_use]
pub fn app_version() -> String {
    crate::VERSION.to_owned()
}

/// Opens the database the app starts on: the user's own when it has events, else the bundled demo
/// (built on first run).
#[tauri::command]
pub async fn open_start_database(state: State<'_, AppState>) -> Result<DatabaseInfo, String> {
    let own = state.workspace_path();
    if own.exists() && pare_engine::totals(&own).is_ok_and(|t| t.events > 0) {
        return state.open(&own, false);
    }
    open_demo(state).await
}

/// Opens the bundled demo account.
#[tauri::command]
pub async fn open_demo(state: State<'_, AppState>) -> Result<DatabaseInfo, String> {
    let path = state.demo_path();
    crate::demo::ensure_demo_database(&path)?;
    state.open(&path, true)
}

/// Opens the user's own database (what "Open…" imported).
#[tauri::command]
pub async fn open_workspace(state: State<'_, AppState>) -> Result<DatabaseInfo, String> {
    state.open(&state.workspace_path(), false)
}

/// The dashboard's numbers (stored for the database's state by the import, else computed and stored).
#[tauri::command]
pub async fn overview(state: State<'_, AppState>) -> Result<Overview, String> {
    let path = state.with_db(|db| Ok(db.path().to_owned()))?;
    tauri::async_runtime::spawn_blocking(move || {
        pare_engine::prepared::overview(&path).map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())?
}

/// A page of events matching `filter`, newest first.
#[tauri::command]
pub async fn events(
    state: State<'_, AppState>,
    filter: ActivityFilter,
    offset: u64,
    limit: u64,
) -> Result<EventPage, String> {
    state.with_db(|db| db.events(&filter, offset, limit))
}

/// Values for the activity filters.
#[tauri::command]
pub async fn facets(state: State<'_, AppState>) -> Result<EventFacets, String> {
    state.with_db(pare_engine::Database::facets)
}

/// Every principal with its numbers.
#[tauri::command]
pub async fn principals(state: State<'_, AppState>) -> Result<Vec<PrincipalSummary>, String> {
    state.with_db(pare_engine::Database::principals)
}

/// One principal's usage per service.
#[tauri::command]
pub async fn principal(
    state: State<'_, AppState>,
    key: String,
) -> Result<Option<PrincipalDetail>, String> {
    state.with_db(|db| db.principal(&key))
}

/// The root user's timeline.
#[tauri::command]
pub async fn root_activity(state: State<'_, AppState>) -> Result<RootActivity, String> {
    state.with_db(pare_engine::Database::root_activity)
}

/// Asks the user for CloudTrail logs (`kind`: `folder` or `files`) with the native dialog and
/// imports them into the user's own database on a worker thread, emitting [`IMPORT_PROGRESS`] and
/// then [`IMPORT_FINISHED`]. Returns `false` when the user picked nothing. Only paths the user
/// picked are read: the page never names a path.
#[tauri::command]
pub async fn pick_and_import(app: AppHandle, kind: String) -> Result<bool, String> {
    let folders = match kind.as_str() {
        "folder" => true,
        "files" => false,
        other => {
            return Err(format!(
                "unknown kind `{other}`: expected `folder` or `files`"
            ));
        }
    };
    let paths = match std::env::var_os(PICK_OVERRIDE_ENV) {
        Some(list) => std::env::split_paths(&list).collect(),
        None => pick(&app, folders).await?,
    };
    if paths.is_empty() {
        return Ok(false);
    }
    let state = app.state::<AppState>();
    let cancel = state.start_import().ok_or("an import is already running")?;
    let db = state.workspace_path();
    std::fs::create_dir_all(state.data_dir())
        .map_err(|e| format!("cannot create `{}`: {e}", state.data_dir().display()))?;
    let worker = app.clone();
    std::thread::spawn(move || {
        let result =
            pare_engine::import_cloudtrail_cancellable(&db, &paths, None, None, &cancel, |p| {
                // A closed window has nobody to tell.
                let _ = worker.emit(IMPORT_PROGRESS, ImportStatus::from(p));
            });
        let state = worker.state::<AppState>();
        let outcome = match result {
            Ok(summary) => ImportOutcome {
                report: Some(ImportReport::new(&summary, cancel.load(Ordering::Relaxed))),
                database: state.open(&db, false).ok(),
                error: None,
            },
            Err(e) => ImportOutcome {
                report: None,
                error: Some(e.to_string()),
                database: None,
            },
        };
        state.end_import();
        let imported = outcome.report.is_some();
        let _ = worker.emit(IMPORT_FINISHED, outcome);
        if imported {
            // The review and overview of the new state, so the next launch reads them (the dashboard's own
            // request waits for this computation instead of starting another). A failure shows when they are
            // asked for.
            let _ = pare_engine::prepared::prepare(&db);
        }
    });
    Ok(true)
}

/// The native dialog's choice (nothing when the user cancelled it).
async fn pick(app: &AppHandle, folders: bool) -> Result<Vec<PathBuf>, String> {
    let app = app.clone();
    let picked = tauri::async_runtime::spawn_blocking(move || {
        let dialog = app.dialog().file().set_title("Open CloudTrail logs");
        if folders {
            dialog.blocking_pick_folders()
        } else {
            dialog
                .add_filter("CloudTrail logs", &["json", "gz", "jsonl"])
                .blocking_pick_files()
        }
    })
    .await
    .map_err(|e| format!("the file dialog failed: {e}"))?;
    Ok(picked
        .unwrap_or_default()
        .into_iter()
        .filter_map(|p| p.into_path().ok())
        .collect())
}

/// Asks the running import to stop after the file it is reading; `false` when none runs.
#[tauri::command]
pub fn cancel_import(state: State<'_, AppState>) -> bool {
    state
        .running_import()
        .map(|flag| flag.store(true, Ordering::Relaxed))
        .is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_version_is_the_crate_version() {
        assert_eq!(app_version(), env!("CARGO_PKG_VERSION"));
        assert!(!app_version().is_empty());
    }
}

//! Tauri commands of the alert, review and drift screens: one-line delegations to
//! `pare_engine::explore_review` on the open database, and the native save dialog a review's report is
//! written through.

use std::path::{Path, PathBuf};

use pare_engine::explore_review::{
    self as er, AlertDetail, AlertEvaluation, AlertFilter, AlertList, AlertPolicyInfo, AlertRow,
    DecisionView, DriftView, ReviewDetail, ReviewSummary, ReviewsOverview, SavedReport,
    SnapshotRow,
};
use tauri::{AppHandle, Manager as _, State};
use tauri_plugin_dialog::DialogExt as _;

use crate::state::AppState;

/// When set, the report's save dialog is not shown and the report is written into this folder under
/// the name the dialog would offer: how the end-to-end test saves a report, since WebDriver cannot
/// drive native dialogs. Read only when set.
pub const SAVE_DIR_OVERRIDE_ENV: &str = "PARE_E2E_SAVE_DIR";

/// Runs an engine query on the open database's file (the engine opens its own connection).
trait WithPath {
    fn with_path<T>(&self, f: impl FnOnce(&Path) -> Result<T, String>) -> Result<T, String>;
}

impl WithPath for AppState {
    fn with_path<T>(&self, f: impl FnOnce(&Path) -> Result<T, String>) -> Result<T, String> {
        let path = self.with_db(|db| Ok(db.path().to_path_buf()))?;
        f(&path)
    }
}

/// The alerts `filter` keeps, with counts for the filters.
#[tauri::command]
pub async fn alerts(state: State<'_, AppState>, filter: AlertFilter) -> Result<AlertList, String> {
    state.with_path(|db| er::alert_list(db, &filter))
}

/// One alert with its events and policy.
#[tauri::command]
pub async fn alert_detail(state: State<'_, AppState>, id: i64) -> Result<AlertDetail, String> {
    state.with_path(|db| er::alert_detail(db, id))
}

/// Triage: dismiss, resolve or reopen an alert with a note.
#[tauri::command]
pub async fn triage_alert(
    state: State<'_, AppState>,
    id: i64,
    status: String,
    note: String,
) -> Result<AlertRow, String> {
    state.with_path(|db| er::triage(db, id, &status, &note))
}

/// Stores the reviewer's name.
#[tauri::command]
pub async fn set_reviewer(
    state: State<'_, AppState>,
    name: String,
) -> Result<Option<String>, String> {
    state.with_path(|db| er::save_reviewer(db, &name))
}

/// The stored alert policies.
#[tauri::command]
pub async fn alert_policies(state: State<'_, AppState>) -> Result<Vec<AlertPolicyInfo>, String> {
    state.with_path(er::alert_policy_list)
}

/// Saves an edited policy file as the next version of its policies (refused with the line and field).
#[tauri::command]
pub async fn save_alert_policy(
    state: State<'_, AppState>,
    text: String,
) -> Result<Vec<AlertPolicyInfo>, String> {
    state.with_path(|db| er::save_alert_policy(db, &text))
}

/// Evaluates the stored policies over the whole history.
#[tauri::command]
pub async fn evaluate_alerts(state: State<'_, AppState>) -> Result<AlertEvaluation, String> {
    state.with_path(er::evaluate_all_alerts)
}

/// The review campaigns and the snapshots.
#[tauri::command]
pub async fn reviews(state: State<'_, AppState>) -> Result<ReviewsOverview, String> {
    state.with_path(er::reviews_overview)
}

/// One review with its decision grid.
#[tauri::command]
pub async fn review(state: State<'_, AppState>, name: String) -> Result<ReviewDetail, String> {
    state.with_path(|db| er::review_detail(db, &name))
}

/// Starts a review.
#[tauri::command]
pub async fn start_review(
    state: State<'_, AppState>,
    name: String,
    snapshot: Option<i64>,
    since: Option<String>,
    until: Option<String>,
) -> Result<ReviewSummary, String> {
    state.with_path(|db| er::start_review(db, &name, snapshot, since.as_deref(), until.as_deref()))
}

/// Records a decision on a review item.
#[tauri::command]
#[allow(
    clippy::too_many_arguments,
    reason = "one argument per field of the decision form"
)]
pub async fn decide(
    state: State<'_, AppState>,
    review: String,
    subject: String,
    key: String,
    decision: String,
    note: String,
    expires: Option<String>,
) -> Result<DecisionView, String> {
    state.with_path(|db| {
        er::decide(
            db,
            &review,
            &subject,
            &key,
            &decision,
            &note,
            expires.as_deref(),
        )
    })
}

/// The account snapshots.
#[tauri::command]
pub async fn snapshots(state: State<'_, AppState>) -> Result<Vec<SnapshotRow>, String> {
    state.with_path(er::snapshots)
}

/// The drift between two snapshots.
#[tauri::command]
pub async fn drift(state: State<'_, AppState>, from: i64, to: i64) -> Result<DriftView, String> {
    state.with_path(|db| er::drift(db, from, to))
}

/// Asks where to save a review's report (`format`: `html`, `csv` or `pdf`) with the native dialog and
/// writes it there; `None` when the user cancelled.
#[tauri::command]
pub async fn save_review_report(
    app: AppHandle,
    review: String,
    format: String,
) -> Result<Option<SavedReport>, String> {
    let file_name = er::report_file_name(&review, &format);
    let path = match std::env::var_os(SAVE_DIR_OVERRIDE_ENV) {
        Some(dir) => Some(PathBuf::from(dir).join(&file_name)),
        None => ask_where(&app, file_name, format.clone()).await?,
    };
    let Some(path) = path else {
        return Ok(None);
    };
    let state = app.state::<AppState>();
    state
        .with_path(|db| er::save_report(db, &review, &format, &path))
        .map(Some)
}

/// The native save dialog's choice.
async fn ask_where(
    app: &AppHandle,
    file_name: String,
    format: String,
) -> Result<Option<PathBuf>, String> {
    let app = app.clone();
    let picked = tauri::async_runtime::spawn_blocking(move || {
        let label = match format.as_str() {
            "pdf" => "PDF",
            "csv" => "CSV",
            _ => "HTML",
        };
        app.dialog()
            .file()
            .set_title("Save the review report")
            .set_file_name(file_name)
            .add_filter(label, &[format.as_str()])
            .blocking_save_file()
    })
    .await
    .map_err(|e| format!("the save dialog failed: {e}"))?;
    Ok(picked.and_then(|p| p.into_path().ok()))
}

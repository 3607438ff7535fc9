//! Tauri commands of the identities and findings screens and the dashboard's account panels: one delegation each
//! to `pare_engine::stored_review`, which reads the review stored in the database for its current state (and
//! computes and stores it first when there is none: the first launch after an import).

use pare_engine::explore_identities::{AccountReview, AccountSummary};
use tauri::State;

use crate::state::AppState;

/// The open database's access review: dashboard counts, every identity, every finding.
#[tauri::command]
pub async fn account_review(state: State<'_, AppState>) -> Result<AccountReview, String> {
    let path = state.with_db(|db| Ok(db.path().to_owned()))?;
    tauri::async_runtime::spawn_blocking(move || {
        pare_engine::stored_review::account_review(&path)
            .map(|r| AccountReview::clone(&r))
            .map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())?
}

/// The dashboard's account counts (the review's summary, without its identity and finding lists).
#[tauri::command]
pub async fn account_summary(state: State<'_, AppState>) -> Result<AccountSummary, String> {
    let path = state.with_db(|db| Ok(db.path().to_owned()))?;
    tauri::async_runtime::spawn_blocking(move || {
        pare_engine::stored_review::account_summary(&path).map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())?
}

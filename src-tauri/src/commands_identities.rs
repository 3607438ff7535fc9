//! Tauri commands of the identities and findings screens and the dashboard's account panels: one delegation each
//! to `pare_engine::stored_review` (the summary) and `pare_engine::explore_pages` (windows of the identities and
//! findings), which read the review stored in the database for its current state (and compute and store it first
//! when there is none). The whole review never crosses IPC in one message.

use pare_engine::explore_identities::AccountSummary;
use pare_engine::explore_pages::{FindingPage, FindingQuery, IdentityPage, IdentityQuery};
use tauri::State;

use crate::state::AppState;

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

/// A window of the identities table: the engine filters, sorts and slices the stored review.
#[tauri::command]
pub async fn identity_page(
    state: State<'_, AppState>,
    query: IdentityQuery,
) -> Result<IdentityPage, String> {
    let path = state.with_db(|db| Ok(db.path().to_owned()))?;
    tauri::async_runtime::spawn_blocking(move || {
        pare_engine::explore_pages::identity_page(&path, &query).map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())?
}

/// A window of the findings list, filtered by the engine.
#[tauri::command]
pub async fn finding_page(
    state: State<'_, AppState>,
    query: FindingQuery,
) -> Result<FindingPage, String> {
    let path = state.with_db(|db| Ok(db.path().to_owned()))?;
    tauri::async_runtime::spawn_blocking(move || {
        pare_engine::explore_pages::finding_page(&path, &query).map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())?
}

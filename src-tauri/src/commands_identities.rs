//! Tauri commands of the identities and findings screens and the dashboard's account panels: one delegation to
//! `pare_engine::explore_identities`, with the last answer kept while the open database is unchanged (the review
//! is the slowest question the app asks, and three screens ask it).

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use pare_engine::explore_identities::{AccountReview, account_review as review_account};
use tauri::State;

use crate::state::AppState;

/// What the last review was of: the database, its totals and its snapshots.
type ReviewKey = (PathBuf, pare_engine::Totals, usize);

static LAST: Mutex<Option<(ReviewKey, Arc<AccountReview>)>> = Mutex::new(None);

/// The open database's access review: dashboard counts, every identity, every finding.
#[tauri::command]
pub async fn account_review(state: State<'_, AppState>) -> Result<AccountReview, String> {
    let path = state.with_db(|db| Ok(db.path().to_owned()))?;
    tauri::async_runtime::spawn_blocking(move || review_of(path))
        .await
        .map_err(|e| e.to_string())?
}

fn review_of(path: PathBuf) -> Result<AccountReview, String> {
    let totals = pare_engine::totals(&path).map_err(|e| e.to_string())?;
    let snapshots = pare_engine::account::account_snapshots(&path)
        .map_err(|e| e.to_string())?
        .len();
    let key = (path, totals, snapshots);
    if let Some((k, r)) = LAST.lock().unwrap_or_else(PoisonError::into_inner).as_ref()
        && *k == key
    {
        return Ok(AccountReview::clone(r));
    }
    let review = Arc::new(review_account(&key.0).map_err(|e| e.to_string())?);
    *LAST.lock().unwrap_or_else(PoisonError::into_inner) = Some((key, Arc::clone(&review)));
    Ok(AccountReview::clone(&review))
}

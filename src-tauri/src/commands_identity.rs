//! Tauri commands of the identity detail screen: the identity (graph, granted vs used, findings), its right-size
//! suggestion, and the export of that suggestion through a native save dialog opened here, in Rust, so the page
//! never names a path and the app writes only the file the user picked.

use std::path::PathBuf;

use pare_engine::explore_identity::{self, ExportWritten, IdentityDetail, IdentityRightsize};
use tauri::{AppHandle, Manager as _, State};
use tauri_plugin_dialog::DialogExt as _;

use crate::state::AppState;

/// When set, the save dialog is not shown and the export goes to this folder under the name the dialog would
/// have proposed: how the end-to-end test exports, since WebDriver cannot drive native dialogs. The export
/// itself (suggestion, serialisation, write) is the same code either way.
pub const SAVE_DIR_OVERRIDE_ENV: &str = "PARE_E2E_SAVE_DIR";

/// Longest principal key the commands accept (IAM ARNs are at most 2,048 characters).
const MAX_KEY: usize = 2048;

fn checked_key(key: &str) -> Result<&str, String> {
    if key.is_empty() || key.len() > MAX_KEY || key.chars().any(char::is_control) {
        return Err(format!(
            "`{}` is not a principal key (an ARN of at most {MAX_KEY} characters)",
            key.chars().take(80).collect::<String>()
        ));
    }
    Ok(key)
}

/// One identity: its graph, granted vs used per service, findings and risk score.
#[tauri::command]
pub async fn identity(state: State<'_, AppState>, key: String) -> Result<IdentityDetail, String> {
    let key = checked_key(&key)?;
    state.with_db(|db| explore_identity::identity(db.path(), key))
}

/// The identity's right-size suggestion with its diff, proofs and the three exports.
#[tauri::command]
pub async fn identity_rightsize(
    state: State<'_, AppState>,
    key: String,
) -> Result<IdentityRightsize, String> {
    let key = checked_key(&key)?;
    state.with_db(|db| explore_identity::identity_rightsize(db.path(), key))
}

/// Asks where to save the identity's right-sized policy in `format` (`json`, `terraform`, `cloudformation`) and
/// writes it there: the same bytes `pare rightsize --principal KEY --format FORMAT --out FILE` writes. `None`
/// when the user cancelled the dialog.
#[tauri::command]
pub async fn export_rightsized(
    app: AppHandle,
    key: String,
    format: String,
) -> Result<Option<ExportWritten>, String> {
    let key = checked_key(&key)?.to_owned();
    let format = explore_identity::export_format(&format).map_err(|e| e.to_string())?;
    let file_name = explore_identity::export_file_name(&key, format);
    let path = match std::env::var_os(SAVE_DIR_OVERRIDE_ENV) {
        Some(dir) => Some(explore_identity::preset_export_path(
            &PathBuf::from(dir),
            &key,
            format,
        )),
        None => ask_where(&app, file_name, format.extension()).await?,
    };
    let Some(path) = path else {
        return Ok(None);
    };
    let state = app.state::<AppState>();
    state
        .with_db(|db| explore_identity::export_rightsized(db.path(), &key, format, &path))
        .map(Some)
}

/// The native save dialog's answer (nothing when the user cancelled).
async fn ask_where(
    app: &AppHandle,
    file_name: String,
    extension: &'static str,
) -> Result<Option<PathBuf>, String> {
    let app = app.clone();
    let picked = tauri::async_runtime::spawn_blocking(move || {
        app.dialog()
            .file()
            .set_title("Export the right-sized policy")
            .set_file_name(file_name)
            .add_filter(extension, &[extension])
            .blocking_save_file()
    })
    .await
    .map_err(|e| format!("the save dialog failed: {e}"))?;
    Ok(picked.and_then(|p| p.into_path().ok()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_validated() {
        assert!(checked_key("arn:aws:iam::111122223333:user/alice").is_ok());
        assert!(checked_key("").is_err());
        assert!(checked_key("arn:aws:iam::1:user/a\nb").is_err());
        assert!(checked_key(&"a".repeat(MAX_KEY + 1)).is_err());
    }
}

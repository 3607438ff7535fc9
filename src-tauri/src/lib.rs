//! Pare's desktop shell: a Tauri 2 window that hosts the UI built from `ui/`.
//!
//! The shell holds the open database ([`state::AppState`]) and forwards every question to
//! `pare-engine`; imports run on their own thread and report progress as `import-progress` events.

pub mod bindings;
pub mod commands;
pub mod commands_aws;
pub mod commands_identities;
pub mod commands_identity;
pub mod commands_review;
pub mod demo;
pub mod launch_bench;
pub mod state;
pub mod webview_tuning;

use tauri::Manager as _;

/// The desktop crate's version, as Cargo knows it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Builds the Tauri app and runs its event loop until the last window closes.
///
/// # Errors
/// Returns Tauri's error when the app cannot be built or started (for example
/// when no display is available).
pub fn run() -> tauri::Result<()> {
    tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .setup(|app| {
            let data_dir = app.path().app_data_dir()?;
            app.manage(state::AppState::new(data_dir));
            webview_tuning::apply(app, "main");
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_version,
            commands::open_start_database,
            commands::open_demo,
            commands::open_workspace,
            commands::overview,
            commands::events,
            commands::facets,
            commands::principals,
            commands::principal,
            commands::root_activity,
            commands::pick_and_import,
            commands::cancel_import,
            commands_aws::aws_connect_choices,
            commands_aws::start_aws_scan,
            commands_aws::cancel_aws_scan,
            commands_review::alerts,
            commands_review::alert_detail,
            commands_review::triage_alert,
            commands_review::set_reviewer,
            commands_review::alert_policies,
            commands_review::save_alert_policy,
            commands_review::evaluate_alerts,
            commands_review::reviews,
            commands_review::review,
            commands_review::start_review,
            commands_review::decide,
            commands_review::snapshots,
            commands_review::drift,
            commands_review::save_review_report,
            commands_identities::account_summary,
            commands_identities::identity_page,
            commands_identities::finding_page,
            launch_bench::launch_ready,
            commands_identity::identity,
            commands_identity::identity_rightsize,
            commands_identity::export_rightsized,
        ])
        .run(tauri::generate_context!("../tauri.conf.json"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn top_level_config_describes_the_pare_window() {
        let config: serde_json::Value =
            serde_json::from_str(include_str!("../../tauri.conf.json")).unwrap();
        assert_eq!(config["productName"], "Pare");
        // No version in the config: Tauri takes Cargo.toml's, so there is one source.
        assert!(config.get("version").is_none());
        assert_eq!(config["build"]["frontendDist"], "ui/dist");
        let window = &config["app"]["windows"][0];
        assert_eq!(window["title"], "Pare");
        assert_eq!(window["width"], 1280);
        assert_eq!(window["height"], 800);
    }

    #[test]
    fn csp_allows_no_remote_origin() {
        let config: serde_json::Value =
            serde_json::from_str(include_str!("../../tauri.conf.json")).unwrap();
        let csp = config["app"]["security"]["csp"].as_str().unwrap();
        assert!(csp.contains("default-src 'self'"), "{csp}");
        for remote in ["https:", "http://*", "*.", " * ", "'unsafe-eval'"] {
            assert!(!csp.contains(remote), "csp allows {remote:?}: {csp}");
        }
    }
}

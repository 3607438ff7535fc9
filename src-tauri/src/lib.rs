//! Pare's desktop shell: a Tauri 2 window that hosts the UI built from `ui/`.

pub mod commands;

/// The desktop crate's version, as Cargo knows it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Builds the Tauri app and runs its event loop until the last window closes.
///
/// # Errors
/// Returns Tauri's error when the app cannot be built or started (for example
/// when no display is available).
pub fn run() -> tauri::Result<()> {
    tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![commands::app_version])
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
}

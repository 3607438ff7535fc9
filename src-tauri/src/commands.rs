//! Tauri commands: the functions the UI calls through `ui/src/ipc/`.

/// The app's version (the `pare-desktop` crate's), shown by the UI.
#[tauri::command]
#[must_use]
pub fn app_version() -> String {
    crate::VERSION.to_owned()
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

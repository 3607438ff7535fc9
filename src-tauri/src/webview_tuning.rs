//! WebKitGTK settings for Pare's one local page, applied to the main window's web view at start: no hardware
//! acceleration. The screens are 2D tables and charts; WebKit's GL compositing costs its web process about
//! 105 MiB (PSS) and 0.3–0.5 s of launch on a machine without a usable GPU (software GL under Xvfb or a VM), see
//! `BENCHMARKS.md` ("Desktop app: launch…", `benches/launch/webkit-settings.sh`). The document-viewer cache model
//! and disabling the page cache were measured too and changed nothing, so they are not set.
//! [`DEFAULTS_ENV`] (`gpu`, `all` or `1`) keeps WebKit's default: to measure the difference, and in the real-window
//! E2E, whose WebDriver screenshots can hang without compositing (the shared TAURI-E2E notes).

/// Set to `gpu` (or `all`, `1`) to keep WebKit's default hardware-acceleration policy.
pub const DEFAULTS_ENV: &str = "PARE_WEBKIT_DEFAULTS";

/// Whether [`DEFAULTS_ENV`] keeps WebKit's default for `setting`.
fn keeps_default(setting: &str) -> bool {
    std::env::var(DEFAULTS_ENV).is_ok_and(|v| {
        v.split(',')
            .map(str::trim)
            .any(|s| s == "1" || s == "all" || s == setting)
    })
}

/// Applies the settings to the window `label` of `app` (a no-op off Linux, when the window is missing, or when
/// [`DEFAULTS_ENV`] keeps the default).
pub fn apply<R: tauri::Runtime>(app: &tauri::App<R>, label: &str) {
    if keeps_default("gpu") {
        return;
    }
    #[cfg(target_os = "linux")]
    {
        use tauri::Manager as _;
        use webkit2gtk::{HardwareAccelerationPolicy, SettingsExt as _, WebViewExt as _};
        let Some(window) = app.get_webview_window(label) else {
            return;
        };
        // An error here only means WebKit's default stays.
        let _ = window.with_webview(|webview| {
            if let Some(settings) = webview.inner().settings() {
                settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
            }
        });
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (app, label);
}

//! WebKitGTK settings for Pare's one local page, applied to the main window's web view at start: the
//! "document viewer" cache model (no page or memory cache for resources the app never loads twice from the
//! network — every asset is embedded), no back/forward page cache (the UI is one page that routes itself) and no
//! hardware acceleration (the tables and charts are 2D; a GL context costs the web process memory and on machines
//! without a GPU falls back to software anyway). `BENCHMARKS.md` ("Desktop app: launch…") has what each saves.
//! With [`DEFAULTS_ENV`] set, WebKit's defaults are kept (to measure the difference).

/// When set (to anything), the web view keeps WebKit's default settings.
pub const DEFAULTS_ENV: &str = "PARE_WEBKIT_DEFAULTS";

/// Applies the settings to the window `label` of `app` (a no-op off Linux, when the window is missing, or with
/// [`DEFAULTS_ENV`] set).
pub fn apply<R: tauri::Runtime>(app: &tauri::App<R>, label: &str) {
    if std::env::var_os(DEFAULTS_ENV).is_some() {
        return;
    }
    #[cfg(target_os = "linux")]
    {
        use tauri::Manager as _;
        use webkit2gtk::{
            CacheModel, HardwareAccelerationPolicy, SettingsExt as _, WebContextExt as _,
            WebViewExt as _,
        };
        let Some(window) = app.get_webview_window(label) else {
            return;
        };
        // An error here only means WebKit's defaults stay.
        let _ = window.with_webview(|webview| {
            let view = webview.inner();
            if let Some(context) = view.context() {
                context.set_cache_model(CacheModel::DocumentViewer);
            }
            if let Some(settings) = view.settings() {
                settings.set_enable_page_cache(false);
                settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
            }
        });
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (app, label);
}

//! WebKitGTK settings for Pare's one local page, applied to the main window's web view at start: the
//! "document viewer" cache model (no page or memory cache for resources the app never loads twice from the
//! network — every asset is embedded), no back/forward page cache (the UI is one page that routes itself) and no
//! hardware acceleration (the tables and charts are 2D; a GL context costs the web process memory and on machines
//! without a GPU falls back to software anyway). `BENCHMARKS.md` ("Desktop app: launch…") has what each saves.
//! [`DEFAULTS_ENV`] keeps WebKit's defaults, to measure the difference: `1` or `all` for every setting, else a
//! comma-separated list of `cache`, `page-cache`, `gpu`.

/// The settings WebKit keeps its defaults for: `1`/`all`, or some of `cache`, `page-cache`, `gpu`.
pub const DEFAULTS_ENV: &str = "PARE_WEBKIT_DEFAULTS";

/// Whether [`DEFAULTS_ENV`] keeps WebKit's default for `setting`.
fn keeps_default(setting: &str) -> bool {
    std::env::var(DEFAULTS_ENV).is_ok_and(|v| {
        v.split(',')
            .map(str::trim)
            .any(|s| s == "1" || s == "all" || s == setting)
    })
}

/// Applies the settings to the window `label` of `app` (a no-op off Linux or when the window is missing; each
/// setting [`DEFAULTS_ENV`] names keeps WebKit's default).
pub fn apply<R: tauri::Runtime>(app: &tauri::App<R>, label: &str) {
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
            if let Some(context) = view.context()
                && !keeps_default("cache")
            {
                context.set_cache_model(CacheModel::DocumentViewer);
            }
            if let Some(settings) = view.settings() {
                if !keeps_default("page-cache") {
                    settings.set_enable_page_cache(false);
                }
                if !keeps_default("gpu") {
                    settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
                }
            }
        });
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (app, label);
}

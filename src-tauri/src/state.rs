//! The app's state: the open database (the bundled demo or the user's own) and the running import.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use pare_engine::Database;
use serde::Serialize;

/// Which database is open, as the UI labels it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct DatabaseInfo {
    /// Where it is.
    pub path: String,
    /// It is the bundled demo account (shown with a "demo" label).
    pub demo: bool,
}

/// What the shell holds between commands.
#[derive(Debug)]
pub struct AppState {
    data_dir: PathBuf,
    open: Mutex<Option<(Database, DatabaseInfo)>>,
    import: Mutex<Option<Arc<AtomicBool>>>,
}

impl AppState {
    /// State whose databases live in `data_dir` (the app data directory).
    #[must_use]
    pub fn new(data_dir: PathBuf) -> Self {
        Self {
            data_dir,
            open: Mutex::new(None),
            import: Mutex::new(None),
        }
    }

    /// The app data directory.
    #[must_use]
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The demo database's path.
    #[must_use]
    pub fn demo_path(&self) -> PathBuf {
        self.data_dir.join("demo.db")
    }

    /// The user's own database (what "Open…" imports into).
    #[must_use]
    pub fn workspace_path(&self) -> PathBuf {
        self.data_dir.join("pare.db")
    }

    /// Opens `path` as the current database.
    ///
    /// # Errors
    /// The engine's message when the database cannot be opened.
    pub fn open(&self, path: &Path, demo: bool) -> Result<DatabaseInfo, String> {
        let db = Database::open(path).map_err(|e| e.to_string())?;
        let info = DatabaseInfo {
            path: path.display().to_string(),
            demo,
        };
        *lock(&self.open) = Some((db, info.clone()));
        Ok(info)
    }

    /// Runs `f` on the open database.
    ///
    /// # Errors
    /// `no database is open`, or the engine's message.
    pub fn with_db<T>(
        &self,
        f: impl FnOnce(&Database) -> Result<T, pare_engine::EngineError>,
    ) -> Result<T, String> {
        let guard = lock(&self.open);
        let (db, _) = guard.as_ref().ok_or("no database is open")?;
        f(db).map_err(|e| e.to_string())
    }

    /// Marks an import as running and returns its cancel flag; `None` when one is already running.
    pub fn start_import(&self) -> Option<Arc<AtomicBool>> {
        let mut guard = lock(&self.import);
        if guard.is_some() {
            return None;
        }
        let flag = Arc::new(AtomicBool::new(false));
        *guard = Some(Arc::clone(&flag));
        Some(flag)
    }

    /// The running import's cancel flag.
    #[must_use]
    pub fn running_import(&self) -> Option<Arc<AtomicBool>> {
        lock(&self.import).clone()
    }

    /// Marks the import as ended.
    pub fn end_import(&self) {
        *lock(&self.import) = None;
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

//! The bundled demo account: the database the app opens on first run, built by the engine from the bundled
//! Northwind account (authorization details, credential report, 90-day trail) — the same database
//! `pare demo --db` builds. Once built, a marker beside it records the bundled demo's fingerprint, so later
//! launches open it without rebuilding (a new build with another demo, or a missing database, builds it again).

use std::path::{Path, PathBuf};

/// The marker file of the demo database `db`: the fingerprint of the demo it was built from.
#[must_use]
pub fn built_marker(db: &Path) -> PathBuf {
    pare_engine::demo::demo_data_dir(db).join(".built")
}

/// Makes sure the demo database at `db` is built (a no-op when it is).
///
/// # Errors
/// A message naming the file that could not be written or the database that failed.
pub fn ensure_demo_database(db: &Path) -> Result<(), String> {
    let fingerprint = pare_engine::demo::demo_fingerprint();
    let marker = built_marker(db);
    if db.is_file() && std::fs::read_to_string(&marker).is_ok_and(|m| m == fingerprint) {
        return Ok(());
    }
    if let Some(dir) = db.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
    }
    pare_engine::demo::build_demo_database(db).map_err(|e| e.to_string())?;
    // Without the marker the next launch only builds again (a no-op import).
    let _ = std::fs::write(&marker, fingerprint);
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_demo_database_holds_the_bundled_account_once() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("app").join("demo.db");
        super::ensure_demo_database(&db).unwrap();
        let first = pare_engine::totals(&db).unwrap();
        assert_eq!(
            std::fs::read_to_string(super::built_marker(&db)).unwrap(),
            pare_engine::demo::demo_fingerprint()
        );
        super::ensure_demo_database(&db).unwrap();
        let totals = pare_engine::totals(&db).unwrap();
        assert_eq!(totals, first);
        assert_eq!(totals.files, 174);
        assert_eq!(
            pare_engine::account::account_snapshots(&db).unwrap().len(),
            1
        );

        // Another demo (a stale marker) or a lost database: built again, the same account.
        std::fs::write(super::built_marker(&db), "another demo").unwrap();
        super::ensure_demo_database(&db).unwrap();
        assert_eq!(pare_engine::totals(&db).unwrap(), first);
        std::fs::remove_file(&db).unwrap();
        super::ensure_demo_database(&db).unwrap();
        assert_eq!(pare_engine::totals(&db).unwrap(), first);
        assert_eq!(
            pare_engine::account::account_snapshots(&db).unwrap().len(),
            1
        );
    }
}

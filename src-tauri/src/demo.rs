//! The bundled demo account: the database the app opens on first run, built by the engine from the bundled
//! Northwind account (authorization details, credential report, 90-day trail) — the same database
//! `pare demo --db` builds.

use std::path::Path;

/// Makes sure the demo database at `db` is built (a no-op when it is).
///
/// # Errors
/// A message naming the file that could not be written or the database that failed.
pub fn ensure_demo_database(db: &Path) -> Result<(), String> {
    if let Some(dir) = db.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
    }
    pare_engine::demo::build_demo_database(db)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_demo_database_holds_the_bundled_account_once() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("app").join("demo.db");
        super::ensure_demo_database(&db).unwrap();
        let first = pare_engine::totals(&db).unwrap();
        super::ensure_demo_database(&db).unwrap();
        let totals = pare_engine::totals(&db).unwrap();
        assert_eq!(totals, first);
        assert_eq!(totals.files, 174);
        assert_eq!(
            pare_engine::account::account_snapshots(&db).unwrap().len(),
            1
        );
    }
}

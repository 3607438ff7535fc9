//! The bundled demo account: a database built on first run from the trail `pare demo` uses (310 real
//! CloudTrail events of Stratus Red Team attack techniques, Apache-2.0).

use std::path::Path;

/// The bundled trail (the same file `pare demo` imports).
const DEMO_TRAIL: &[u8] =
    include_bytes!("../../crates/pare-cli/demo/cloudtrail/stratus-red-team.json.gz");

/// Makes sure the demo database at `db` exists with the bundled trail imported (a no-op when it is).
///
/// # Errors
/// A message naming the file that could not be written or the database that failed.
pub fn ensure_demo_database(db: &Path) -> Result<(), String> {
    let dir = db.parent().ok_or("the demo database has no folder")?;
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
    let trail = dir.join("demo-trail").join("stratus-red-team.json.gz");
    if let Some(parent) = trail.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create `{}`: {e}", parent.display()))?;
    }
    std::fs::write(&trail, DEMO_TRAIL)
        .map_err(|e| format!("cannot write `{}`: {e}", trail.display()))?;
    // Unchanged files are skipped by content, so a second call reads nothing.
    pare_engine::import_cloudtrail(db, &[trail], None, None, |_| {})
        .map(|_| ())
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_demo_database_holds_the_bundled_trail_once() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("app").join("demo.db");
        super::ensure_demo_database(&db).unwrap();
        super::ensure_demo_database(&db).unwrap();
        let totals = pare_engine::totals(&db).unwrap();
        assert_eq!(totals.events, 310);
        assert_eq!(totals.files, 1);
    }
}

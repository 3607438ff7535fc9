//! The schema migrations, embedded from `migrations/*.sql`, applied in order, one transaction each,
//! and recorded in `schema_migrations`.

use std::path::Path;

use rusqlite::{Connection, params};

use crate::StoreError;

/// Every migration, `(version, SQL)`, in the order they are applied. A version is the file name
/// without `.sql`: a UTC timestamp and a short name.
pub const MIGRATIONS: &[(&str, &str)] = &[
    (
        "20261123215900_cloudtrail_usage",
        include_str!("../migrations/20261123215900_cloudtrail_usage.sql"),
    ),
    (
        "20261123221500_file_windows",
        include_str!("../migrations/20261123221500_file_windows.sql"),
    ),
    (
        "20261123230000_event_log",
        include_str!("../migrations/20261123230000_event_log.sql"),
    ),
    (
        "20261123231500_usage_inline",
        include_str!("../migrations/20261123231500_usage_inline.sql"),
    ),
    (
        "20261123232000_usage_in_blocks",
        include_str!("../migrations/20261123232000_usage_in_blocks.sql"),
    ),
    (
        "20261123231500_account_snapshots",
        include_str!("../migrations/20261123231500_account_snapshots.sql"),
    ),
    (
        "20261123233000_alerts",
        include_str!("../migrations/20261123233000_alerts.sql"),
    ),
    (
        "20261124000500_reviews",
        include_str!("../migrations/20261124000500_reviews.sql"),
    ),
    (
        "20261123230500_aws_scans",
        include_str!("../migrations/20261123230500_aws_scans.sql"),
    ),
    (
        "20261124050000_stored_account_reviews",
        include_str!("../migrations/20261124050000_stored_account_reviews.sql"),
    ),
    (
        "20261124073000_stored_views",
        include_str!("../migrations/20261124073000_stored_views.sql"),
    ),
];

/// Applies the migrations the database lacks.
pub(crate) fn apply(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let sqlite = |source| StoreError::Sqlite {
        path: path.to_path_buf(),
        source,
    };
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (\
           version TEXT PRIMARY KEY, \
           applied_at TEXT NOT NULL)",
    )
    .map_err(sqlite)?;
    let applied: Vec<String> = {
        let mut stmt = conn
            .prepare("SELECT version FROM schema_migrations ORDER BY version")
            .map_err(sqlite)?;
        let rows = stmt.query_map([], |r| r.get(0)).map_err(sqlite)?;
        rows.collect::<Result<_, _>>().map_err(sqlite)?
    };
    if let Some(unknown) = applied
        .iter()
        .find(|v| !MIGRATIONS.iter().any(|(m, _)| m == v))
    {
        return Err(StoreError::NewerSchema {
            path: path.to_path_buf(),
            version: unknown.clone(),
        });
    }
    for (version, sql) in MIGRATIONS {
        if applied.iter().any(|v| v == version) {
            continue;
        }
        let failed = |source| StoreError::Migration {
            path: path.to_path_buf(),
            version: (*version).to_owned(),
            source,
        };
        let tx = conn.transaction().map_err(failed)?;
        tx.execute_batch(sql).map_err(failed)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, applied_at) \
             VALUES (?1, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
            params![version],
        )
        .map_err(failed)?;
        tx.commit().map_err(failed)?;
    }
    Ok(())
}

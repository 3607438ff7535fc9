//! Account snapshots: the raw input files of one account import, its principals, and its time, so later reviews
//! can rebuild the model and compare snapshots.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use crate::{Result, Store};

/// One input file of a snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SnapshotFile {
    /// `authz`, `credential_report`, `org_policies`, `known_accounts` or `managed_policies`.
    pub kind: String,
    /// The path as given.
    pub path: String,
    /// sha256 of the content, hex.
    pub sha256: String,
    /// The file's text.
    #[serde(skip)]
    pub content: String,
}

/// One principal of a snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SnapshotPrincipal {
    /// Its ARN.
    pub arn: String,
    /// `user`, `role` or `root`.
    pub kind: String,
    /// Its name.
    pub name: String,
    /// `AIDA…`/`AROA…`.
    pub unique_id: Option<String>,
    /// Creation time, RFC 3339.
    pub created_at: Option<String>,
    /// Attached policy ARNs, inline names and boundary, as JSON.
    pub policies: String,
}

/// A snapshot to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotInsert {
    /// When the data was taken; `None` means now.
    pub taken_at: Option<String>,
    /// The account ID.
    pub account_id: Option<String>,
    /// sha256 over all files: the snapshot's identity.
    pub content_sha256: String,
    /// Counts and problems (JSON text).
    pub summary: String,
    /// The input files, in order.
    pub files: Vec<SnapshotFile>,
    /// Its principals.
    pub principals: Vec<SnapshotPrincipal>,
}

/// A stored snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SnapshotInfo {
    /// Its id.
    pub id: i64,
    /// When the data was taken.
    pub taken_at: String,
    /// When it was imported.
    pub imported_at: String,
    /// The account ID.
    pub account_id: Option<String>,
    /// sha256 over all files.
    pub content_sha256: String,
    /// Counts and problems (JSON text).
    pub summary: String,
}

fn info(r: &rusqlite::Row<'_>) -> rusqlite::Result<SnapshotInfo> {
    Ok(SnapshotInfo {
        id: r.get(0)?,
        taken_at: r.get(1)?,
        imported_at: r.get(2)?,
        account_id: r.get(3)?,
        content_sha256: r.get(4)?,
        summary: r.get(5)?,
    })
}

const INFO_COLUMNS: &str = "id, taken_at, imported_at, account_id, content_sha256, summary";

impl Store {
    /// Stores a snapshot in one transaction. When a snapshot with the same content is already there, nothing
    /// is written and that one is returned with `false`.
    ///
    /// # Errors
    ///
    /// [`crate::StoreError`] if SQLite fails.
    pub fn insert_account_snapshot(
        &mut self,
        snap: &SnapshotInsert,
    ) -> Result<(SnapshotInfo, bool)> {
        if let Some(existing) = self.account_snapshot_by_sha(&snap.content_sha256)? {
            return Ok((existing, false));
        }
        let path = self.path.clone();
        let err = move |source| crate::StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(err.clone())?;
        tx.execute(
            "INSERT INTO account_snapshots (taken_at, imported_at, account_id, content_sha256, summary) \
             VALUES (COALESCE(?1, strftime('%Y-%m-%dT%H:%M:%SZ', 'now')), strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), \
             ?2, ?3, ?4)",
            params![snap.taken_at, snap.account_id, snap.content_sha256, snap.summary],
        )
        .map_err(err.clone())?;
        let id = tx.last_insert_rowid();
        {
            let mut files = tx
                .prepare(
                    "INSERT INTO account_snapshot_files (snapshot_id, position, kind, path, sha256, content) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )
                .map_err(err.clone())?;
            for (i, f) in snap.files.iter().enumerate() {
                files
                    .execute(params![id, i as i64, f.kind, f.path, f.sha256, f.content])
                    .map_err(err.clone())?;
            }
            let mut principals = tx
                .prepare(
                    "INSERT OR IGNORE INTO account_snapshot_principals \
                     (snapshot_id, arn, kind, name, unique_id, created_at, policies) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )
                .map_err(err.clone())?;
            for p in &snap.principals {
                principals
                    .execute(params![
                        id,
                        p.arn,
                        p.kind,
                        p.name,
                        p.unique_id,
                        p.created_at,
                        p.policies
                    ])
                    .map_err(err.clone())?;
            }
        }
        tx.commit().map_err(err)?;
        let stored = self
            .account_snapshot(Some(id))?
            .ok_or_else(|| crate::StoreError::Sqlite {
                path: self.path.clone(),
                source: rusqlite::Error::QueryReturnedNoRows,
            })?;
        Ok((stored, true))
    }

    fn account_snapshot_by_sha(&self, sha: &str) -> Result<Option<SnapshotInfo>> {
        self.conn
            .query_row(
                &format!("SELECT {INFO_COLUMNS} FROM account_snapshots WHERE content_sha256 = ?1"),
                params![sha],
                info,
            )
            .optional()
            .map_err(self.err())
    }

    /// A snapshot by id, or the latest (by time taken, then id) when `id` is `None`.
    ///
    /// # Errors
    ///
    /// [`crate::StoreError`] if SQLite fails.
    pub fn account_snapshot(&self, id: Option<i64>) -> Result<Option<SnapshotInfo>> {
        let q = match id {
            Some(_) => format!("SELECT {INFO_COLUMNS} FROM account_snapshots WHERE id = ?1"),
            None => format!(
                "SELECT {INFO_COLUMNS} FROM account_snapshots WHERE ?1 IS NULL ORDER BY taken_at DESC, id DESC LIMIT 1"
            ),
        };
        self.conn
            .query_row(&q, params![id], info)
            .optional()
            .map_err(self.err())
    }

    /// Every snapshot, oldest first.
    ///
    /// # Errors
    ///
    /// [`crate::StoreError`] if SQLite fails.
    pub fn account_snapshots(&self) -> Result<Vec<SnapshotInfo>> {
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT {INFO_COLUMNS} FROM account_snapshots ORDER BY taken_at, id"
            ))
            .map_err(self.err())?;
        let rows = stmt.query_map([], info).map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// The input files of a snapshot, in their order.
    ///
    /// # Errors
    ///
    /// [`crate::StoreError`] if SQLite fails.
    pub fn account_snapshot_files(&self, id: i64) -> Result<Vec<SnapshotFile>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT kind, path, sha256, content FROM account_snapshot_files WHERE snapshot_id = ?1 \
                 ORDER BY position",
            )
            .map_err(self.err())?;
        let rows = stmt
            .query_map(params![id], |r| {
                Ok(SnapshotFile {
                    kind: r.get(0)?,
                    path: r.get(1)?,
                    sha256: r.get(2)?,
                    content: r.get(3)?,
                })
            })
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// The principals of a snapshot, by ARN.
    ///
    /// # Errors
    ///
    /// [`crate::StoreError`] if SQLite fails.
    pub fn account_snapshot_principals(&self, id: i64) -> Result<Vec<SnapshotPrincipal>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT arn, kind, name, unique_id, created_at, policies FROM account_snapshot_principals \
                 WHERE snapshot_id = ?1 ORDER BY arn",
            )
            .map_err(self.err())?;
        let rows = stmt
            .query_map(params![id], |r| {
                Ok(SnapshotPrincipal {
                    arn: r.get(0)?,
                    kind: r.get(1)?,
                    name: r.get(2)?,
                    unique_id: r.get(3)?,
                    created_at: r.get(4)?,
                    policies: r.get(5)?,
                })
            })
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "test code")]
    use super::*;

    fn snap(sha: &str) -> SnapshotInsert {
        SnapshotInsert {
            taken_at: Some("2026-11-23T10:00:00Z".into()),
            account_id: Some("123456789012".into()),
            content_sha256: sha.into(),
            summary: "{}".into(),
            files: vec![SnapshotFile {
                kind: "authz".into(),
                path: "a.json".into(),
                sha256: "f".into(),
                content: "{\"UserDetailList\": []}".into(),
            }],
            principals: vec![SnapshotPrincipal {
                arn: "arn:aws:iam::123456789012:user/a".into(),
                kind: "user".into(),
                name: "a".into(),
                unique_id: None,
                created_at: None,
                policies: "[]".into(),
            }],
        }
    }

    #[test]
    fn snapshots_are_stored_once_and_read_back() {
        let mut store = Store::open_in_memory().unwrap();
        let (first, created) = store.insert_account_snapshot(&snap("abc")).unwrap();
        assert!(created);
        let (again, created) = store.insert_account_snapshot(&snap("abc")).unwrap();
        assert!(!created);
        assert_eq!(first, again);
        let (second, _) = store
            .insert_account_snapshot(&SnapshotInsert {
                taken_at: None,
                ..snap("def")
            })
            .unwrap();
        assert_eq!(store.account_snapshots().unwrap().len(), 2);
        assert_eq!(
            store.account_snapshot(None).unwrap().unwrap().id,
            second.id,
            "now is later than 2026-11-23"
        );
        let files = store.account_snapshot_files(first.id).unwrap();
        assert_eq!(files[0].content, "{\"UserDetailList\": []}");
        assert_eq!(
            store.account_snapshot_principals(first.id).unwrap().len(),
            1
        );
        assert!(store.account_snapshot(Some(99)).unwrap().is_none());
    }
}

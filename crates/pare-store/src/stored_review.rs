//! The stored whole-account review: the engine computes the access review once per database state and keeps it
//! here (summary, identities, findings and escalation paths as JSON documents), keyed by the state it was
//! computed from, so later readers (the desktop app's launch, its identity screen) read it instead of
//! recomputing. The store does not know the documents' shapes; it knows which state they belong to.

use rusqlite::{OptionalExtension, params};

use crate::{Result, Store};

/// A review to store: JSON documents in the engine's shapes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoredReviewInsert {
    /// The dashboard's counts.
    pub summary: String,
    /// `(arn, document)` per identity, in the review's order.
    pub identities: Vec<(String, String)>,
    /// `(principal arn, document)` per finding, in the review's order.
    pub findings: Vec<(String, String)>,
    /// Per escalation path: the document, the ARN it starts at, and the ARNs it reaches or goes through.
    pub paths: Vec<StoredPath>,
}

/// One escalation path to store.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoredPath {
    /// The path, as JSON.
    pub doc: String,
    /// The principal that can escalate.
    pub from: String,
    /// The principals it reaches or goes through (the start left out).
    pub into: Vec<String>,
}

impl Store {
    /// The key of the database state a whole-account review depends on: the latest account snapshot (and how many
    /// there are), the CloudTrail import state (files, event blocks, events), and `settings` (the caller's review
    /// settings and version). Any import, snapshot or settings change gives another key.
    ///
    /// # Errors
    ///
    /// [`crate::StoreError`] if SQLite fails.
    pub fn review_state_key(&self, settings: &str) -> Result<String> {
        let (snapshot, snapshots, files, blocks, events): (Option<i64>, i64, i64, Option<i64>, i64) = self
            .conn
            .query_row(
                "SELECT (SELECT id FROM account_snapshots ORDER BY taken_at DESC, id DESC LIMIT 1), \
                        (SELECT count(*) FROM account_snapshots), (SELECT count(*) FROM files), \
                        (SELECT max(id) FROM event_blocks), \
                        (SELECT coalesce(sum(events), 0) FROM event_blocks)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .map_err(self.err())?;
        let some = |v: Option<i64>| v.map_or_else(|| "-".to_owned(), |v| v.to_string());
        Ok(format!(
            "snapshot={};snapshots={snapshots};files={files};blocks={};events={events};{settings}",
            some(snapshot),
            some(blocks)
        ))
    }

    /// Stores the review computed for `state_key`, replacing every other stored review.
    ///
    /// # Errors
    ///
    /// [`crate::StoreError`] if SQLite fails.
    pub fn save_stored_review(
        &mut self,
        state_key: &str,
        computed_at: &str,
        review: &StoredReviewInsert,
    ) -> Result<()> {
        let path = self.path.clone();
        let err = |source| crate::StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(err)?;
        tx.execute("DELETE FROM stored_account_reviews", [])
            .map_err(err)?;
        let id: i64 = tx
            .query_row(
                "INSERT INTO stored_account_reviews (state_key, computed_at, summary) \
                 VALUES (?1, ?2, ?3) RETURNING id",
                params![state_key, computed_at, review.summary],
                |r| r.get(0),
            )
            .map_err(err)?;
        {
            let mut stmt = tx
                .prepare(
                    "INSERT INTO stored_review_identities (review_id, ord, arn, doc) \
                     VALUES (?1, ?2, ?3, ?4)",
                )
                .map_err(err)?;
            for (ord, (arn, doc)) in review.identities.iter().enumerate() {
                stmt.execute(params![id, ord as i64, arn, doc])
                    .map_err(err)?;
            }
            let mut stmt = tx
                .prepare(
                    "INSERT INTO stored_review_findings (review_id, ord, principal, doc) \
                     VALUES (?1, ?2, ?3, ?4)",
                )
                .map_err(err)?;
            for (ord, (principal, doc)) in review.findings.iter().enumerate() {
                stmt.execute(params![id, ord as i64, principal, doc])
                    .map_err(err)?;
            }
            let mut path_stmt = tx
                .prepare(
                    "INSERT INTO stored_review_paths (review_id, ord, doc) VALUES (?1, ?2, ?3)",
                )
                .map_err(err)?;
            let mut link = tx
                .prepare(
                    "INSERT OR IGNORE INTO stored_review_path_links (review_id, arn, role, path_ord) \
                     VALUES (?1, ?2, ?3, ?4)",
                )
                .map_err(err)?;
            for (ord, p) in review.paths.iter().enumerate() {
                let ord = ord as i64;
                path_stmt.execute(params![id, ord, p.doc]).map_err(err)?;
                link.execute(params![id, p.from, "from", ord])
                    .map_err(err)?;
                for arn in p.into.iter().filter(|a| **a != p.from) {
                    link.execute(params![id, arn, "into", ord]).map_err(err)?;
                }
            }
        }
        tx.commit().map_err(err)
    }

    /// The id of the review stored for `state_key`, when there is one.
    ///
    /// # Errors
    ///
    /// [`crate::StoreError`] if SQLite fails.
    pub fn stored_review_id(&self, state_key: &str) -> Result<Option<i64>> {
        self.conn
            .query_row(
                "SELECT id FROM stored_account_reviews WHERE state_key = ?1",
                params![state_key],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.err())
    }

    /// The stored reviews' keys (at most one is kept).
    ///
    /// # Errors
    ///
    /// [`crate::StoreError`] if SQLite fails.
    pub fn stored_review_keys(&self) -> Result<Vec<String>> {
        self.strings(
            "SELECT state_key FROM stored_account_reviews ORDER BY id",
            &[],
        )
    }

    /// The summary document of stored review `id`.
    ///
    /// # Errors
    ///
    /// [`crate::StoreError`] if SQLite fails.
    pub fn stored_review_summary(&self, id: i64) -> Result<Option<String>> {
        self.conn
            .query_row(
                "SELECT summary FROM stored_account_reviews WHERE id = ?1",
                params![id],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.err())
    }

    /// The identity documents of stored review `id`, in order; only `arn`'s when given.
    ///
    /// # Errors
    ///
    /// [`crate::StoreError`] if SQLite fails.
    pub fn stored_review_identities(&self, id: i64, arn: Option<&str>) -> Result<Vec<String>> {
        match arn {
            Some(a) => self.strings(
                "SELECT doc FROM stored_review_identities WHERE review_id = ?1 AND arn = ?2 ORDER BY ord",
                &[&id, &a],
            ),
            None => self.strings(
                "SELECT doc FROM stored_review_identities WHERE review_id = ?1 ORDER BY ord",
                &[&id],
            ),
        }
    }

    /// The finding documents of stored review `id`, in order; only `principal`'s when given.
    ///
    /// # Errors
    ///
    /// [`crate::StoreError`] if SQLite fails.
    pub fn stored_review_findings(&self, id: i64, principal: Option<&str>) -> Result<Vec<String>> {
        match principal {
            Some(p) => self.strings(
                "SELECT doc FROM stored_review_findings WHERE review_id = ?1 AND principal = ?2 ORDER BY ord",
                &[&id, &p],
            ),
            None => self.strings(
                "SELECT doc FROM stored_review_findings WHERE review_id = ?1 ORDER BY ord",
                &[&id],
            ),
        }
    }

    /// The escalation-path documents of stored review `id` that start at `arn` (`into == false`) or reach or go
    /// through it (`into == true`), in order.
    ///
    /// # Errors
    ///
    /// [`crate::StoreError`] if SQLite fails.
    pub fn stored_review_paths(&self, id: i64, arn: &str, into: bool) -> Result<Vec<String>> {
        let role = if into { "into" } else { "from" };
        self.strings(
            "SELECT p.doc FROM stored_review_path_links l \
             JOIN stored_review_paths p ON p.review_id = l.review_id AND p.ord = l.path_ord \
             WHERE l.review_id = ?1 AND l.arn = ?2 AND l.role = ?3 ORDER BY l.path_ord",
            &[&id, &arn, &role],
        )
    }

    /// How many escalation paths stored review `id` holds.
    ///
    /// # Errors
    ///
    /// [`crate::StoreError`] if SQLite fails.
    pub fn stored_review_path_count(&self, id: i64) -> Result<u64> {
        self.conn
            .query_row(
                "SELECT count(*) FROM stored_review_paths WHERE review_id = ?1",
                params![id],
                |r| r.get(0),
            )
            .map_err(self.err())
    }

    fn strings(&self, sql: &str, args: &[&dyn rusqlite::ToSql]) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(self.err())?;
        let rows = stmt
            .query_map(args, |r| r.get::<_, String>(0))
            .map_err(self.err())?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(self.err())
    }
}

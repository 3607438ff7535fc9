//! Review campaigns: reviews over an account snapshot and a usage window, the items each covers (findings and
//! identities), and the reviewer's decisions, carried over from the previous review when unchanged.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use crate::{Result, Store, StoreError};

/// A stored review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReviewRow {
    /// Its id.
    pub id: i64,
    /// Its unique name.
    pub name: String,
    /// The account snapshot it reviews.
    pub snapshot_id: i64,
    /// Start of the usage window (RFC 3339), when given.
    pub since: Option<String>,
    /// End of the usage window (RFC 3339), when given.
    pub until: Option<String>,
    /// When it was started (RFC 3339).
    pub created_at: String,
    /// The review its decisions were carried over from.
    pub previous_id: Option<i64>,
}

/// One thing a review covers: a finding or an identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReviewItem {
    /// `finding` or `principal`.
    pub subject: String,
    /// The finding's id or the principal's ARN.
    pub key: String,
    /// The principal's ARN.
    pub principal: String,
    /// Fingerprint of the identity and its policies.
    pub identity_fp: String,
    /// The finding's fingerprint; empty for a principal.
    pub finding_fp: String,
    /// The finding kind, or the principal kind (`user`, `role`, `root`).
    pub kind: String,
    /// The finding's severity; empty for a principal.
    pub severity: String,
    /// One line.
    pub title: String,
}

/// A reviewer's decision on an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReviewDecision {
    /// `finding` or `principal`.
    pub subject: String,
    /// The finding's id or the principal's ARN.
    pub key: String,
    /// `keep`, `remove`, `rightsize` or `accept-risk`.
    pub decision: String,
    /// Why.
    pub note: String,
    /// Who decided.
    pub reviewer: String,
    /// When (RFC 3339).
    pub decided_at: String,
    /// When an accepted risk must be looked at again (RFC 3339 date or time).
    pub expires_at: Option<String>,
    /// The name of the review the decision was made in, when it was carried over from an earlier one.
    pub inherited_from: Option<String>,
}

const REVIEW_COLUMNS: &str = "id, name, snapshot_id, since, until, created_at, previous_id";

fn review_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ReviewRow> {
    Ok(ReviewRow {
        id: r.get(0)?,
        name: r.get(1)?,
        snapshot_id: r.get(2)?,
        since: r.get(3)?,
        until: r.get(4)?,
        created_at: r.get(5)?,
        previous_id: r.get(6)?,
    })
}

impl Store {
    /// Starts a review named `name` over a snapshot with its items, in one transaction. The decisions of the
    /// latest earlier review are carried over to every item whose identity and finding fingerprints are
    /// unchanged (keeping who decided, when and why, and naming the review they were made in), except accepted
    /// risks that expired before `now`. Returns `None` when a review of that name exists (nothing is written).
    ///
    /// # Errors
    ///
    /// [`StoreError`] if SQLite fails (an unknown snapshot id is a foreign-key failure).
    pub fn start_review(
        &mut self,
        name: &str,
        snapshot_id: i64,
        window: (Option<&str>, Option<&str>),
        now: &str,
        items: &[ReviewItem],
    ) -> Result<Option<ReviewRow>> {
        if self.review(Some(name))?.is_some() {
            return Ok(None);
        }
        let path = self.path.clone();
        let err = move |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(err.clone())?;
        let previous: Option<i64> = tx
            .query_row("SELECT MAX(id) FROM reviews", [], |r| r.get(0))
            .map_err(err.clone())?;
        tx.execute(
            "INSERT INTO reviews (name, snapshot_id, since, until, created_at, previous_id) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![name, snapshot_id, window.0, window.1, now, previous],
        )
        .map_err(err.clone())?;
        let id = tx.last_insert_rowid();
        {
            let mut insert = tx
                .prepare(
                    "INSERT OR IGNORE INTO review_items \
                     (review_id, subject, key, principal, identity_fp, finding_fp, kind, severity, title) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                )
                .map_err(err.clone())?;
            for i in items {
                insert
                    .execute(params![
                        id,
                        i.subject,
                        i.key,
                        i.principal,
                        i.identity_fp,
                        i.finding_fp,
                        i.kind,
                        i.severity,
                        i.title
                    ])
                    .map_err(err.clone())?;
            }
        }
        if let Some(prev) = previous {
            tx.execute(
                "INSERT INTO review_decisions (review_id, subject, key, identity_fp, finding_fp, decision, note, \
                   reviewer, decided_at, expires_at, inherited_from) \
                 SELECT ?1, d.subject, d.key, d.identity_fp, d.finding_fp, d.decision, d.note, d.reviewer, \
                   d.decided_at, d.expires_at, COALESCE(d.inherited_from, d.review_id) \
                 FROM review_decisions d JOIN review_items i \
                   ON i.review_id = ?1 AND i.subject = d.subject AND i.key = d.key \
                   AND i.identity_fp = d.identity_fp AND i.finding_fp = d.finding_fp \
                 WHERE d.review_id = ?2 AND (d.expires_at IS NULL OR d.expires_at > ?3)",
                params![id, prev, now],
            )
            .map_err(err.clone())?;
        }
        let row = tx
            .query_row(
                &format!("SELECT {REVIEW_COLUMNS} FROM reviews WHERE id = ?1"),
                params![id],
                review_row,
            )
            .map_err(err.clone())?;
        tx.commit().map_err(err)?;
        Ok(Some(row))
    }

    /// A review by name, or the latest when `name` is `None`.
    ///
    /// # Errors
    ///
    /// [`StoreError`] if SQLite fails.
    pub fn review(&self, name: Option<&str>) -> Result<Option<ReviewRow>> {
        let q = match name {
            Some(_) => format!("SELECT {REVIEW_COLUMNS} FROM reviews WHERE name = ?1"),
            None => format!(
                "SELECT {REVIEW_COLUMNS} FROM reviews WHERE ?1 IS NULL ORDER BY id DESC LIMIT 1"
            ),
        };
        self.conn
            .query_row(&q, params![name], review_row)
            .optional()
            .map_err(self.err())
    }

    /// A review by id.
    ///
    /// # Errors
    ///
    /// [`StoreError`] if SQLite fails.
    pub fn review_by_id(&self, id: i64) -> Result<Option<ReviewRow>> {
        self.conn
            .query_row(
                &format!("SELECT {REVIEW_COLUMNS} FROM reviews WHERE id = ?1"),
                params![id],
                review_row,
            )
            .optional()
            .map_err(self.err())
    }

    /// Every review, oldest first.
    ///
    /// # Errors
    ///
    /// [`StoreError`] if SQLite fails.
    pub fn reviews(&self) -> Result<Vec<ReviewRow>> {
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT {REVIEW_COLUMNS} FROM reviews ORDER BY id"))
            .map_err(self.err())?;
        let rows = stmt.query_map([], review_row).map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// The items of a review: findings first (by severity as stored, then key), then principals by ARN.
    ///
    /// # Errors
    ///
    /// [`StoreError`] if SQLite fails.
    pub fn review_items(&self, review_id: i64) -> Result<Vec<ReviewItem>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT subject, key, principal, identity_fp, finding_fp, kind, severity, title \
                 FROM review_items WHERE review_id = ?1 \
                 ORDER BY subject = 'principal', \
                   CASE severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 \
                     WHEN 'low' THEN 3 WHEN 'info' THEN 4 ELSE 5 END, principal, key",
            )
            .map_err(self.err())?;
        let rows = stmt
            .query_map(params![review_id], |r| {
                Ok(ReviewItem {
                    subject: r.get(0)?,
                    key: r.get(1)?,
                    principal: r.get(2)?,
                    identity_fp: r.get(3)?,
                    finding_fp: r.get(4)?,
                    kind: r.get(5)?,
                    severity: r.get(6)?,
                    title: r.get(7)?,
                })
            })
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// Records (or replaces) the decision on an item of a review; a new decision on a carried-over item is the
    /// reviewer's own. Returns `false` when the review has no such item (nothing is written).
    ///
    /// # Errors
    ///
    /// [`StoreError`] if SQLite fails.
    pub fn record_decision(&mut self, review_id: i64, d: &ReviewDecision) -> Result<bool> {
        let changed = self
            .conn
            .execute(
                "INSERT OR REPLACE INTO review_decisions (review_id, subject, key, identity_fp, finding_fp, \
                   decision, note, reviewer, decided_at, expires_at, inherited_from) \
                 SELECT review_id, subject, key, identity_fp, finding_fp, ?4, ?5, ?6, ?7, ?8, NULL \
                 FROM review_items WHERE review_id = ?1 AND subject = ?2 AND key = ?3",
                params![
                    review_id,
                    d.subject,
                    d.key,
                    d.decision,
                    d.note,
                    d.reviewer,
                    d.decided_at,
                    d.expires_at
                ],
            )
            .map_err(self.err())?;
        Ok(changed > 0)
    }

    /// The decisions of a review, by subject and key.
    ///
    /// # Errors
    ///
    /// [`StoreError`] if SQLite fails.
    pub fn review_decisions(&self, review_id: i64) -> Result<Vec<ReviewDecision>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT d.subject, d.key, d.decision, d.note, d.reviewer, d.decided_at, d.expires_at, r.name \
                 FROM review_decisions d LEFT JOIN reviews r ON r.id = d.inherited_from \
                 WHERE d.review_id = ?1 ORDER BY d.subject, d.key",
            )
            .map_err(self.err())?;
        let rows = stmt
            .query_map(params![review_id], |r| {
                Ok(ReviewDecision {
                    subject: r.get(0)?,
                    key: r.get(1)?,
                    decision: r.get(2)?,
                    note: r.get(3)?,
                    reviewer: r.get(4)?,
                    decided_at: r.get(5)?,
                    expires_at: r.get(6)?,
                    inherited_from: r.get(7)?,
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
    use crate::{SnapshotInsert, SnapshotPrincipal};

    fn item(key: &str, identity: &str) -> ReviewItem {
        ReviewItem {
            subject: "finding".into(),
            key: key.into(),
            principal: "arn:aws:iam::1:user/a".into(),
            identity_fp: identity.into(),
            finding_fp: key.into(),
            kind: "admin-equivalent".into(),
            severity: "high".into(),
            title: "t".into(),
        }
    }

    fn decision(key: &str, decision: &str, expires: Option<&str>) -> ReviewDecision {
        ReviewDecision {
            subject: "finding".into(),
            key: key.into(),
            decision: decision.into(),
            note: format!("note on {key}"),
            reviewer: "ana".into(),
            decided_at: "2026-01-02T00:00:00Z".into(),
            expires_at: expires.map(str::to_owned),
            inherited_from: None,
        }
    }

    fn snapshot(store: &mut Store) -> i64 {
        store
            .insert_account_snapshot(&SnapshotInsert {
                taken_at: Some("2026-01-01T00:00:00Z".into()),
                account_id: None,
                content_sha256: "s".into(),
                summary: "{}".into(),
                files: Vec::new(),
                principals: vec![SnapshotPrincipal {
                    arn: "arn:aws:iam::1:user/a".into(),
                    kind: "user".into(),
                    name: "a".into(),
                    unique_id: None,
                    created_at: None,
                    policies: "{}".into(),
                }],
            })
            .unwrap()
            .0
            .id
    }

    #[test]
    fn decisions_carry_over_only_when_unchanged_and_not_expired() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.db");
        let mut store = Store::open(&path).unwrap();
        let snap = snapshot(&mut store);
        let q1 = store
            .start_review(
                "q1",
                snap,
                (Some("2026-01-01"), None),
                "2026-01-01T00:00:00Z",
                &[
                    item("f1", "i"),
                    item("f2", "i"),
                    item("f3", "i"),
                    item("f4", "i"),
                ],
            )
            .unwrap()
            .unwrap();
        assert!(
            store
                .record_decision(q1.id, &decision("f1", "keep", None))
                .unwrap()
        );
        assert!(
            store
                .record_decision(q1.id, &decision("f2", "remove", None))
                .unwrap()
        );
        assert!(
            store
                .record_decision(q1.id, &decision("f3", "accept-risk", Some("2026-02-01")))
                .unwrap()
        );
        assert!(
            store
                .record_decision(q1.id, &decision("f4", "accept-risk", Some("2026-12-31")))
                .unwrap()
        );
        assert!(
            !store
                .record_decision(q1.id, &decision("nope", "keep", None))
                .unwrap()
        );
        assert!(
            store
                .start_review("q1", snap, (None, None), "2026-01-01T00:00:00Z", &[])
                .unwrap()
                .is_none()
        );
        drop(store);

        let mut store = Store::open(&path).unwrap();
        // f2's identity changed, f3's acceptance expired, f4 still accepted.
        let q2 = store
            .start_review(
                "q2",
                snap,
                (None, None),
                "2026-04-01T00:00:00Z",
                &[
                    item("f1", "i"),
                    item("f2", "changed"),
                    item("f3", "i"),
                    item("f4", "i"),
                ],
            )
            .unwrap()
            .unwrap();
        assert_eq!(q2.previous_id, Some(q1.id));
        let d = store.review_decisions(q2.id).unwrap();
        let keys: Vec<(&str, Option<&str>)> = d
            .iter()
            .map(|d| (d.key.as_str(), d.inherited_from.as_deref()))
            .collect();
        assert_eq!(keys, [("f1", Some("q1")), ("f4", Some("q1"))]);
        assert_eq!(d[0].note, "note on f1");
        assert_eq!(d[0].reviewer, "ana");

        // Carried over twice, it still names the review it was made in; a new decision is the reviewer's own.
        let q3 = store
            .start_review(
                "q3",
                snap,
                (None, None),
                "2026-07-01T00:00:00Z",
                &[item("f1", "i")],
            )
            .unwrap()
            .unwrap();
        assert_eq!(
            store.review_decisions(q3.id).unwrap()[0]
                .inherited_from
                .as_deref(),
            Some("q1")
        );
        store
            .record_decision(q3.id, &decision("f1", "rightsize", None))
            .unwrap();
        let d = store.review_decisions(q3.id).unwrap();
        assert_eq!(
            (d[0].decision.as_str(), d[0].inherited_from.as_deref()),
            ("rightsize", None)
        );
        assert_eq!(store.reviews().unwrap().len(), 3);
        assert_eq!(store.review(None).unwrap().unwrap().name, "q3");
        assert_eq!(store.review_items(q1.id).unwrap().len(), 4);
    }
}

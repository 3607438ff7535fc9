//! The whole-account access review computed once per database state and kept in the database
//! (`pare_store`'s stored review), so the desktop app's launch and its identity screen read stored results
//! instead of rerunning the review: [`account_review`] and [`account_summary`] compute and store it when the
//! database has none for its current state (a new import, a new snapshot or another engine version each make a
//! new state), and [`identity_review`] reads one identity's findings, risk score and escalation paths from it.
//! The review itself is [`crate::findings::review`] with the default options, shaped by
//! [`crate::explore_identities`]; nothing here changes a number.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use pare_store::{Store, StoredPath, StoredReviewInsert};
use serde::de::DeserializeOwned;

use crate::explore_identities::{AccountReview, AccountSummary, FindingRow, IdentityRow, shape};
use crate::explore_identity::{EscalationView, escalation_view};
use crate::findings::{ReviewError, ReviewOptions, review};

/// The review's settings as part of the stored key: the default options (no principal, default thresholds and
/// path limits, the whole usage window) and the engine's version, so a new build or other settings never read
/// a review made by another.
pub const REVIEW_SETTINGS: &str = concat!(
    "options=default;engine=",
    env!("CARGO_PKG_VERSION"),
    ";format=1"
);

/// Why the stored review could not be read or made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoredReviewError {
    /// Computing the review failed.
    #[error(transparent)]
    Review(#[from] ReviewError),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] pare_store::StoreError),
    /// A document could not be written as JSON (a bug).
    #[error("the review cannot be stored: {0}")]
    Encode(String),
}

/// One identity's part of the stored review.
#[derive(Debug, Clone, PartialEq)]
pub struct IdentityReview {
    /// Its row (granted, used, risk score, findings count), when it is in the account snapshot.
    pub row: Option<IdentityRow>,
    /// Its findings, worst first.
    pub findings: Vec<FindingRow>,
    /// Escalation paths starting at it.
    pub escalations: Vec<EscalationView>,
    /// Escalation paths of others that reach or go through it.
    pub escalations_into: Vec<EscalationView>,
}

/// One review computation at a time per process (the dashboard and the identity screen may both ask first).
static COMPUTING: Mutex<()> = Mutex::new(());

/// The last whole review read, per database and state, so switching screens does not parse it again.
type Memo = (PathBuf, String, Arc<AccountReview>);
static LAST: Mutex<Option<Memo>> = Mutex::new(None);

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The key of `db`'s current state (what a stored review must match).
///
/// # Errors
///
/// [`StoredReviewError::Store`] if the database fails.
pub fn state_key(db: &Path) -> Result<String, StoredReviewError> {
    Ok(Store::open(db)?.review_state_key(REVIEW_SETTINGS)?)
}

/// The id of the review stored for `db`'s current state, computing and storing it first when there is none.
/// Returns the id and whether it was computed now.
///
/// # Errors
///
/// [`StoredReviewError`] when the review or the database fails.
pub fn ensure_stored_review(db: &Path) -> Result<(i64, String, bool), StoredReviewError> {
    let _one = lock(&COMPUTING);
    let mut store = Store::open(db)?;
    let key = store.review_state_key(REVIEW_SETTINGS)?;
    if let Some(id) = store.stored_review_id(&key)? {
        return Ok((id, key, false));
    }
    let has_snapshot = store.account_snapshot(None)?.is_some();
    let reviewed = review(db, &ReviewOptions::default())?;
    let shaped = shape(&reviewed, has_snapshot);
    let json = |v: &dyn erased::Json| v.json().map_err(StoredReviewError::Encode);
    let insert = StoredReviewInsert {
        summary: json(&shaped.summary)?,
        identities: shaped
            .identities
            .iter()
            .map(|i| Ok((i.arn.clone(), json(i)?)))
            .collect::<Result<_, StoredReviewError>>()?,
        findings: shaped
            .findings
            .iter()
            .map(|f| Ok((f.principal.clone(), json(f)?)))
            .collect::<Result<_, StoredReviewError>>()?,
        paths: reviewed
            .paths
            .paths
            .iter()
            .map(|p| {
                let mut into: Vec<String> = p
                    .steps
                    .iter()
                    .flat_map(|s| std::iter::once(s.to.clone()).chain(s.via.clone()))
                    .collect();
                into.sort();
                into.dedup();
                Ok(StoredPath {
                    doc: json(&escalation_view(p))?,
                    from: p.principal.clone(),
                    into,
                })
            })
            .collect::<Result<_, StoredReviewError>>()?,
    };
    // Not kept in memory: the dashboard needs only the summary, and the lists are read back when a screen asks.
    drop(shaped);
    drop(reviewed);
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    store.save_stored_review(&key, &now, &insert)?;
    let id = store
        .stored_review_id(&key)?
        .ok_or(StoredReviewError::Encode(
            "the stored review vanished".to_owned(),
        ))?;
    Ok((id, key, true))
}

/// Serialisation behind a trait object, so one closure encodes every document kind.
mod erased {
    pub(super) trait Json {
        fn json(&self) -> Result<String, String>;
    }
    impl<T: serde::Serialize> Json for T {
        fn json(&self) -> Result<String, String> {
            serde_json::to_string(self).map_err(|e| e.to_string())
        }
    }
}

fn decode<T: DeserializeOwned>(docs: Vec<String>) -> Result<Vec<T>, StoredReviewError> {
    docs.iter()
        .map(|d| serde_json::from_str(d).map_err(|e| StoredReviewError::Encode(e.to_string())))
        .collect()
}

/// The access review of `db` (dashboard counts, every identity, every finding), read from the database when it
/// holds one for its current state, else computed and stored.
///
/// # Errors
///
/// [`StoredReviewError`] when the review or the database fails.
pub fn account_review(db: &Path) -> Result<Arc<AccountReview>, StoredReviewError> {
    let (id, key, _) = ensure_stored_review(db)?;
    if let Some((path, k, r)) = lock(&LAST).as_ref()
        && path == db
        && *k == key
    {
        return Ok(Arc::clone(r));
    }
    let store = Store::open(db)?;
    let summary: AccountSummary = serde_json::from_str(&store.stored_review_summary(id)?.ok_or(
        StoredReviewError::Encode("the stored review vanished".to_owned()),
    )?)
    .map_err(|e| StoredReviewError::Encode(e.to_string()))?;
    let review = Arc::new(AccountReview {
        summary,
        identities: decode(store.stored_review_identities(id, None)?)?,
        findings: decode(store.stored_review_findings(id, None)?)?,
    });
    *lock(&LAST) = Some((db.to_owned(), key, Arc::clone(&review)));
    Ok(review)
}

/// The dashboard's account counts of `db`'s review (stored, or computed and stored), without the identity and
/// finding lists.
///
/// # Errors
///
/// [`StoredReviewError`] when the review or the database fails.
pub fn account_summary(db: &Path) -> Result<AccountSummary, StoredReviewError> {
    let (id, _, _) = ensure_stored_review(db)?;
    let text = Store::open(db)?
        .stored_review_summary(id)?
        .ok_or(StoredReviewError::Encode(
            "the stored review vanished".to_owned(),
        ))?;
    serde_json::from_str(&text).map_err(|e| StoredReviewError::Encode(e.to_string()))
}

/// What the stored review says about the identity `arn` (an ARN of the snapshot, or a CloudTrail key of a
/// principal outside it): its row, findings and escalation paths.
///
/// # Errors
///
/// [`StoredReviewError`] when the review or the database fails.
pub fn identity_review(db: &Path, arn: &str) -> Result<IdentityReview, StoredReviewError> {
    let (id, _, _) = ensure_stored_review(db)?;
    let store = Store::open(db)?;
    let row = decode::<IdentityRow>(store.stored_review_identities(id, Some(arn))?)?
        .into_iter()
        .next();
    Ok(IdentityReview {
        row,
        findings: decode(store.stored_review_findings(id, Some(arn))?)?,
        escalations: decode(store.stored_review_paths(id, arn, false)?)?,
        escalations_into: decode(store.stored_review_paths(id, arn, true)?)?,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "test code")]

    use super::*;

    fn repo(p: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(p)
    }

    #[test]
    fn the_review_is_stored_once_and_a_new_import_or_snapshot_invalidates_it() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("demo.db");
        crate::demo::build_demo_database(&db).unwrap();

        // First read: computed and stored; the same numbers as the review computed directly.
        let (id, key, computed) = ensure_stored_review(&db).unwrap();
        assert!(computed);
        let direct = crate::explore_identities::account_review(&db).unwrap();
        *lock(&LAST) = None;
        let stored = account_review(&db).unwrap();
        assert_eq!(stored.summary, direct.summary);
        assert_eq!(stored.findings, direct.findings);
        assert_eq!(stored.identities.len(), direct.identities.len());
        for (s, d) in stored.identities.iter().zip(&direct.identities) {
            assert_eq!(s.arn, d.arn);
            assert_eq!(s.findings, d.findings);
            assert_eq!(s.granted_actions, d.granted_actions);
            assert_eq!(s.used_actions, d.used_actions);
            let close = |a: Option<f64>, b: Option<f64>| match (a, b) {
                (Some(a), Some(b)) => (a - b).abs() < 1e-9,
                (a, b) => a.is_none() && b.is_none(),
            };
            assert!(close(s.risk_score, d.risk_score), "{}", s.arn);
            assert!(close(s.unused_percent, d.unused_percent), "{}", s.arn);
        }
        assert_eq!(account_summary(&db).unwrap(), direct.summary);
        assert!(direct.summary.findings > 0);

        // Building the demo again (what every launch does) changes nothing: the stored review is read.
        crate::demo::build_demo_database(&db).unwrap();
        assert_eq!(ensure_stored_review(&db).unwrap(), (id, key.clone(), false));

        // One identity's part equals its slice of the whole review.
        let with_path = direct
            .findings
            .iter()
            .find(|f| f.kind == "privilege-escalation-path")
            .unwrap()
            .principal
            .clone();
        let one = identity_review(&db, &with_path).unwrap();
        let expected: Vec<_> = direct
            .findings
            .iter()
            .filter(|f| f.principal == with_path)
            .cloned()
            .collect();
        assert_eq!(one.findings, expected);
        assert!(!one.escalations.is_empty());
        assert!(one.escalations.iter().all(|p| p.principal == with_path));
        assert_eq!(one.row.unwrap().arn, with_path);

        // A new CloudTrail import: another state, the stored review is dropped and computed again.
        let trail = repo("tests/data/cloudtrail/aws-docs-examples");
        let imported = crate::import_cloudtrail(&db, &[trail], None, None, |_| {}).unwrap();
        assert!(imported.new_events > 0);
        assert!(
            Store::open(&db)
                .unwrap()
                .stored_review_keys()
                .unwrap()
                .is_empty()
        );
        let (_, after_import, computed) = ensure_stored_review(&db).unwrap();
        assert!(computed);
        assert_ne!(after_import, key);

        // A new account snapshot: the same.
        crate::account::import_account(
            &db,
            &crate::account::AccountImportInput {
                authz: vec![repo(
                    "tests/data/authz-details-awscli/get-account-authorization-details.example.json",
                )],
                ..crate::account::AccountImportInput::default()
            },
        )
        .unwrap();
        assert!(
            Store::open(&db)
                .unwrap()
                .stored_review_keys()
                .unwrap()
                .is_empty()
        );
        let (_, after_snapshot, computed) = ensure_stored_review(&db).unwrap();
        assert!(computed);
        assert_ne!(after_snapshot, after_import);
        assert_eq!(
            Store::open(&db).unwrap().stored_review_keys().unwrap(),
            vec![after_snapshot]
        );
    }
}

//! What an import prepares for the readers that follow it: the whole-account review
//! ([`crate::stored_review`]) and the dashboard's overview of the event log, both computed once per database
//! state and stored, so the desktop app's first launch after `pare import` (or after its own import or scan) reads
//! them like any later launch instead of computing them. [`overview`] is what the dashboard reads: the stored
//! overview of the current state, computed and stored when there is none. Nothing here changes a number: the
//! overview is [`crate::Database::overview`], the review [`crate::findings::review`] with the default options.

use std::path::Path;
use std::time::{Duration, Instant};

use pare_store::Store;

use crate::stored_review::{StoredReviewError, ensure_stored_review};
use crate::{Database, EngineError, Overview};

/// The name the overview is stored under.
pub const OVERVIEW_VIEW: &str = "overview";

/// The overview's settings as part of its stored key: the engine's version and the document's format, so another
/// build never reads an overview made by another.
pub const OVERVIEW_SETTINGS: &str = concat!(
    "view=overview;engine=",
    env!("CARGO_PKG_VERSION"),
    ";format=1"
);

/// What [`prepare`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prepared {
    /// The review was computed now (`false`: one was stored for this state already).
    pub review_computed: bool,
    /// The overview was computed now.
    pub overview_computed: bool,
    /// How long it took.
    pub elapsed: Duration,
}

/// Computes and stores what readers of `db` need after an import (the account review and the dashboard's
/// overview), unless they are stored for its current state already.
///
/// # Errors
///
/// [`StoredReviewError`] when the review or the database fails.
pub fn prepare(db: &Path) -> Result<Prepared, StoredReviewError> {
    let started = Instant::now();
    let (_, _, review_computed) = ensure_stored_review(db)?;
    let (_, overview_computed) = stored_overview(db).map_err(|e| match e {
        EngineError::Store(s) => StoredReviewError::Store(s),
        other => StoredReviewError::Encode(other.to_string()),
    })?;
    Ok(Prepared {
        review_computed,
        overview_computed,
        elapsed: started.elapsed(),
    })
}

/// The dashboard's numbers for `db`: the overview stored for its current state, else computed (one pass over the
/// event log) and stored.
///
/// # Errors
///
/// [`EngineError::Store`] if the database cannot be read.
pub fn overview(db: &Path) -> Result<Overview, EngineError> {
    stored_overview(db).map(|(o, _)| o)
}

/// The overview and whether it was computed now.
fn stored_overview(db: &Path) -> Result<(Overview, bool), EngineError> {
    let store = Store::open(db)?;
    let key = store.review_state_key(OVERVIEW_SETTINGS)?;
    if let Some(doc) = store.stored_view(OVERVIEW_VIEW, &key)?
        && let Ok(stored) = serde_json::from_str::<Overview>(&doc)
    {
        return Ok((stored, false));
    }
    let computed = Database::open(db)?.overview()?;
    if let Ok(doc) = serde_json::to_string(&computed) {
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        // A database that cannot be written (read-only file) still answers; it computes again next time.
        let _ = store.save_stored_view(OVERVIEW_VIEW, &key, &now, &doc);
    }
    Ok((computed, true))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "test code")]

    use std::path::PathBuf;

    use super::*;

    fn repo(p: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(p)
    }

    #[test]
    fn the_stored_overview_equals_the_computed_one_and_an_import_invalidates_it() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("demo.db");
        crate::demo::build_demo_database(&db).unwrap();

        let prepared = prepare(&db).unwrap();
        assert!(prepared.review_computed);
        assert!(prepared.overview_computed);
        let store = Store::open(&db).unwrap();
        assert_eq!(store.stored_view_names().unwrap(), vec![OVERVIEW_VIEW]);
        assert_eq!(store.stored_review_keys().unwrap().len(), 1);

        // Read back: the same numbers as a pass over the event log.
        let direct = Database::open(&db).unwrap().overview().unwrap();
        assert_eq!(overview(&db).unwrap(), direct);
        assert!(direct.events > 0);
        let again = prepare(&db).unwrap();
        assert!(!again.review_computed && !again.overview_computed);

        // Building the demo again imports nothing new: both stay.
        crate::demo::build_demo_database(&db).unwrap();
        assert_eq!(store.stored_view_names().unwrap(), vec![OVERVIEW_VIEW]);

        // A new CloudTrail import drops both; the next read computes the new numbers.
        let trail = repo("tests/data/cloudtrail/aws-docs-examples");
        let imported = crate::import_cloudtrail(&db, &[trail], None, None, |_| {}).unwrap();
        assert!(imported.new_events > 0);
        assert!(store.stored_view_names().unwrap().is_empty());
        assert!(store.stored_review_keys().unwrap().is_empty());
        let after = overview(&db).unwrap();
        assert_eq!(after.events, direct.events + imported.new_events);
        assert_eq!(after, Database::open(&db).unwrap().overview().unwrap());
        let prepared = prepare(&db).unwrap();
        assert!(prepared.review_computed);
        assert!(!prepared.overview_computed);

        // A new account snapshot drops them too.
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
        assert!(store.stored_view_names().unwrap().is_empty());
        assert!(store.stored_review_keys().unwrap().is_empty());
    }
}

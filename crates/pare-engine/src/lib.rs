//! Pare's engine: the one API the `pare` CLI and the desktop app call.
//!
//! [`import_cloudtrail`] reads CloudTrail logs with `pare-ingest`, turns each record into usage with
//! `pare-usage` and stores it with `pare-store`, one transaction per file; [`usage`] and [`mapping`]
//! read the database back. A bad record is counted with its file and index, never fatal.
//!
//! ```no_run
//! let summary = pare_engine::import_cloudtrail(
//!     "pare.db".as_ref(), &["logs/".into()], None, None, |_progress| {},
//! )?;
//! println!("{} new events", summary.new_events);
//! # Ok::<(), pare_engine::EngineError>(())
//! ```

#![warn(missing_docs)]

pub mod access_analyzer;
pub mod account;
mod alerts;
mod aws_profiles;
pub mod demo;
mod explore;
pub mod explore_identities;
pub mod explore_identity;
pub mod explore_pages;
pub mod explore_review;
pub mod findings;
mod import;
pub mod prepared;
pub mod reviews;
mod rightsize;
mod scan;
mod scan_app;
pub mod stored_review;
mod trail_identities;

use std::path::Path;

pub use alerts::{
    Activity, AlertView, EvaluationSummary, EventView, PolicyView, REVIEWER_SETTING,
    actor_activity, alert_events, alert_policies, alerts, evaluate_alerts, evaluate_new_events,
    import_alert_policies, ip_activity, reviewer, set_reviewer, triage_alert,
};
pub use aws_profiles::{AWS_REGIONS, AwsProfile, aws_profiles, profiles_in};
pub use chrono::{DateTime, Utc};
pub use explore::{
    ActionUse, ActivityCounts, ActivityFilter, CallCount, Database, EventFacets, EventPage,
    EventRow, ImportProblem, ImportReport, ImportStatus, MAX_PAGE, NamedCount, Overview,
    PrincipalDetail, PrincipalSummary, RootActivity, RootSummary, ServiceUsage, TimeBucket,
    TypeCount,
};
pub use import::{
    BadRecord, FileProblem, ImportProgress, ImportSummary, SkippedFile, UnmappedPair,
    import_cloudtrail, import_cloudtrail_cancellable,
};
pub use pare_aws::{
    Collection as ScanCollection, Problem as ScanProblem, S3Location, ScanOptions, ScanProgress,
    Stage as ScanStage,
};
pub use pare_ingest::parse_time_text;
pub use pare_store::{
    ActionInput, AlertStatus, AnalyzerFindingRow, EventFilter, EventInput, LastAccessedRow,
    MappingRow, PrincipalInput, ScanProblemRow, ScanRow, StoredEvent, StoredOutcome, Totals,
    UsageRow,
};
pub use rightsize::{
    BulkEntry, BulkSummary, CurrentPolicies, RightsizeReport, RightsizeWindow, rightsize,
    rightsize_all,
};
pub use scan::{
    ScanEvent, ScanSummary, analyzer_findings, last_accessed, latest_scan, scan_account,
    store_collection,
};
pub use scan_app::{
    ConnectChoices, IMPORT_STAGE, ScanProblemView, ScanReport, ScanStatus, ScannedIdentity,
    connect_choices, scan_report, scanned_identities,
};

/// Why an engine call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] pare_store::StoreError),
    /// The bundled CloudTrail action mapping could not be loaded (a bug in this build).
    #[error("the bundled cloudtrail action mapping is unusable: {0}")]
    Mapping(#[from] pare_usage::UsageError),
    /// An alert policy (a file given, or one stored) is refused.
    #[error(transparent)]
    Policy(#[from] pare_alerts::PolicyError),
    /// No alert has this id.
    #[error("no alert has id {0}")]
    UnknownAlert(i64),
    /// A live scan could not start (no credentials, or no runtime).
    #[error(transparent)]
    Scan(#[from] pare_aws::ScanError),
    /// The user cancelled a scan (what was stored before is kept).
    #[error("the scan was cancelled")]
    Cancelled,
    /// A bug in Pare.
    #[error("internal error: {0}")]
    Internal(&'static str),
    /// The account snapshot could not be loaded.
    #[error("{0}")]
    Account(String),
    /// The account snapshot does not know the principal.
    #[error(
        "the account snapshot has no principal `{0}` (import a newer one with `pare import --authz`, or pass its policies with --policy)"
    )]
    NotInAccount(String),
    /// A file could not be written.
    #[error("cannot write `{}`: {source}", path.display())]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// Usage aggregates in the database at `db`, of one principal or of all. A principal is named by
/// its key (an ARN for IAM principals); a role session's ARN
/// (`arn:aws:sts::111122223333:assumed-role/Name/session`) names its role, whatever the role's path.
///
/// # Errors
///
/// [`EngineError::Store`] if the database cannot be opened or read.
pub fn usage(db: &Path, principal: Option<&str>) -> Result<Vec<UsageRow>, EngineError> {
    let store = pare_store::Store::open(db)?;
    let Some(principal) = principal else {
        return Ok(store.usage(None)?);
    };
    let rows = store.usage(Some(principal))?;
    if !rows.is_empty() {
        return Ok(rows);
    }
    let Some((prefix, name)) = role_of_session(principal) else {
        return Ok(rows);
    };
    let mut out = Vec::new();
    for key in store.principal_keys()? {
        let matches = key
            .strip_prefix(&prefix)
            .is_some_and(|rest| rest.rsplit('/').next() == Some(name));
        if matches {
            out.extend(store.usage(Some(&key))?);
        }
    }
    Ok(out)
}

/// Calls `each` for every stored CloudTrail event in the database at `db` that `filter` keeps,
/// until it returns `Break` (see [`pare_store::Store::events`] for the order). `filter.principal`
/// is a principal key; a role session's ARN names its role, as in [`usage`].
///
/// # Errors
///
/// [`EngineError::Store`] if the database cannot be opened or read.
pub fn events(
    db: &Path,
    filter: &EventFilter,
    mut each: impl FnMut(&StoredEvent) -> std::ops::ControlFlow<()>,
) -> Result<(), EngineError> {
    let store = pare_store::Store::open(db)?;
    let Some(principal) = filter.principal.as_deref() else {
        return Ok(store.events(filter, each)?);
    };
    let Some((prefix, name)) = role_of_session(principal) else {
        return Ok(store.events(filter, each)?);
    };
    let keys: std::collections::HashSet<String> = store
        .principal_keys()?
        .into_iter()
        .filter(|key| {
            key.strip_prefix(&prefix)
                .is_some_and(|rest| rest.rsplit('/').next() == Some(name))
        })
        .collect();
    let unfiltered = EventFilter {
        principal: None,
        ..filter.clone()
    };
    Ok(store.events(&unfiltered, |e| {
        if keys.contains(&e.event.principal.key) {
            each(e)
        } else {
            std::ops::ControlFlow::Continue(())
        }
    })?)
}

/// For `arn:P:sts::A:assumed-role/Name/session`: (`arn:P:iam::A:role/`, `Name`).
fn role_of_session(arn: &str) -> Option<(String, &str)> {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(partition), Some("sts"), Some(""), Some(account), Some(resource)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    let name = resource.strip_prefix("assumed-role/")?.split('/').next()?;
    Some((format!("arn:{partition}:iam::{account}:role/"), name))
}

/// Every (eventSource, eventName) pair in the database at `db`, with its actions and event count.
///
/// # Errors
///
/// [`EngineError::Store`] if the database cannot be opened or read.
pub fn mapping(db: &Path) -> Result<Vec<MappingRow>, EngineError> {
    Ok(pare_store::Store::open(db)?.mapping()?)
}

/// Totals over the database at `db`.
///
/// # Errors
///
/// [`EngineError::Store`] if the database cannot be opened or read.
pub fn totals(db: &Path) -> Result<Totals, EngineError> {
    Ok(pare_store::Store::open(db)?.totals()?)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_session_arn_names_its_role() {
        assert_eq!(
            super::role_of_session("arn:aws:sts::111122223333:assumed-role/Admin/alice"),
            Some(("arn:aws:iam::111122223333:role/".to_owned(), "Admin"))
        );
        assert_eq!(
            super::role_of_session("arn:aws:iam::111122223333:role/Admin"),
            None
        );
    }
}

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

mod import;
mod scan;

use std::path::Path;

pub use chrono::{DateTime, Utc};
pub use import::{
    BadRecord, FileProblem, ImportProgress, ImportSummary, SkippedFile, UnmappedPair,
    import_cloudtrail,
};
pub use pare_aws::{
    Problem as ScanProblem, S3Location, ScanOptions, ScanProgress, Stage as ScanStage,
};
pub use pare_ingest::parse_time_text;
pub use pare_store::{
    AnalyzerFindingRow, LastAccessedRow, MappingRow, ScanProblemRow, ScanRow, Totals, UsageRow,
};
pub use scan::{
    ScanEvent, ScanSummary, analyzer_findings, last_accessed, latest_scan, scan_account,
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
    /// A live scan could not start (no credentials, or no runtime).
    #[error(transparent)]
    Scan(#[from] pare_aws::ScanError),
    /// A bug in Pare.
    #[error("internal error: {0}")]
    Internal(&'static str),
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

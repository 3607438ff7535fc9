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

use std::path::Path;

pub use chrono::{DateTime, Utc};
pub use import::{
    BadRecord, FileProblem, ImportProgress, ImportSummary, SkippedFile, UnmappedPair,
    import_cloudtrail,
};
pub use pare_ingest::parse_time_text;
pub use pare_store::{MappingRow, Totals, UsageRow};

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
    /// A bug in Pare.
    #[error("internal error: {0}")]
    Internal(&'static str),
}

/// Usage aggregates in the database at `db`, of one principal (by its key, an ARN for IAM
/// principals) or of all.
///
/// # Errors
///
/// [`EngineError::Store`] if the database cannot be opened or read.
pub fn usage(db: &Path, principal: Option<&str>) -> Result<Vec<UsageRow>, EngineError> {
    Ok(pare_store::Store::open(db)?.usage(principal)?)
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

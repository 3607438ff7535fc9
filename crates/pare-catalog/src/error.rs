//! The error type of the catalog crate.

use std::sync::Arc;

/// Why a catalog artifact could not be loaded or encoded.
///
/// The error is `Clone` so that [`crate::Catalog::bundled`] can hand out the
/// same error on every call after a failed first load.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum CatalogError {
    /// The artifact is not valid gzip data.
    #[error("could not decompress the catalog artifact")]
    Decompress(#[source] Arc<std::io::Error>),
    /// The decompressed artifact is not the JSON this crate expects.
    #[error("could not parse the catalog artifact")]
    Parse(#[source] Arc<serde_json::Error>),
    /// The artifact was written in a format version this build cannot read.
    #[error("unsupported catalog format version {found} (this build reads version {expected})")]
    UnsupportedFormat {
        /// The version stored in the artifact.
        found: u32,
        /// The version this build reads.
        expected: u32,
    },
    /// The artifact parsed but its content is inconsistent (dangling string
    /// index, duplicate service or action, unknown access level, ...).
    #[error("invalid catalog artifact: {0}")]
    Invalid(String),
    /// Encoding a catalog into an artifact failed.
    #[error("could not encode the catalog artifact")]
    Encode(#[source] Arc<std::io::Error>),
}

//! The error type of the usage crate.

use std::sync::Arc;

/// Why the mapping artifact or a CloudTrail document could not be read.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum UsageError {
    /// The mapping artifact is not valid gzip data.
    #[error("could not decompress the action-mapping artifact")]
    Decompress(#[source] Arc<std::io::Error>),
    /// The decompressed artifact is not the JSON this crate expects.
    #[error("could not parse the action-mapping artifact")]
    Parse(#[source] Arc<serde_json::Error>),
    /// The artifact was written in a format version this build cannot read.
    #[error(
        "unsupported action-mapping format version {found} (this build reads version {expected})"
    )]
    UnsupportedFormat {
        /// The version stored in the artifact.
        found: u32,
        /// The version this build reads.
        expected: u32,
    },
    /// Encoding the artifact failed.
    #[error("could not encode the action-mapping artifact")]
    Encode(#[source] Arc<std::io::Error>),
    /// The bundled IAM action catalog could not be loaded.
    #[error("could not load the bundled action catalog")]
    Catalog(#[source] pare_catalog::CatalogError),
    /// A CloudTrail document is not JSON of a shape this crate reads.
    #[error("could not parse CloudTrail records")]
    Records(#[source] Arc<serde_json::Error>),
    /// A CloudTrail document is JSON but neither `{"Records": [...]}`, an array of records nor one record.
    #[error(
        "not a CloudTrail document: expected `{{\"Records\": [...]}}`, an array or a record object"
    )]
    NotCloudTrail,
}

//! The mapping artifact's format, shared by the loader and the generator
//! (`pare-usage-gen` in `pare-catalog-gen`).
//!
//! Gzip (mtime 0, best compression) of one compact JSON document:
//!
//! ```text
//! { "format": 1, "source": "...",
//!   "eventSources": { "monitoring.amazonaws.com": "cloudwatch", ... },
//!   "operations": { "s3": { "HeadObject": ["s3:GetObject"], ... },
//!                   "lambda": { "CreateFunction": ["lambda:CreateFunction",
//!                                                  ["iam:PassRole", "Role"]] }, ... },
//!   "unmappedOperations": { "ec2messages": ["SendHeartbeat"?], ... } }
//! ```
//!
//! `eventSources` maps a CloudTrail `eventSource` to an IAM service prefix.
//! `operations` maps, per prefix, an API operation (a CloudTrail
//! `eventName`) to the IAM actions it needs, by canonical catalog name; an
//! empty list means the call needs no permission. An entry written as an
//! array, `[action, param, ...]`, is needed only when the request has one of
//! those parameters (`iam:PassRole` when a role is passed); the parameter
//! names are the SDK's and compare case-insensitively with CloudTrail's
//! `requestParameters` keys. Operations whose only
//! action is the same-named action of the same prefix are left out: the
//! loader falls back to that. Maps are sorted (`BTreeMap`), so the same input
//! always gives the same bytes. `unmappedOperations` lists, per prefix, the
//! API operations botocore knows that map to nothing, so that a real but
//! unmapped call can be told from an unknown event name.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::sync::Arc;

use flate2::Compression;
use flate2::GzBuilder;
use flate2::read::GzDecoder;
use serde::{Deserialize, Serialize};

use crate::UsageError;

/// The format version this build writes and reads.
pub const FORMAT_VERSION: u32 = 2;

/// The whole mapping in plain owned form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Artifact {
    /// The format version ([`FORMAT_VERSION`]).
    pub format: u32,
    /// Where the data came from.
    pub source: String,
    /// CloudTrail `eventSource` → IAM service prefix.
    pub event_sources: BTreeMap<String, String>,
    /// IAM service prefix → operation name → IAM actions (`"s3:GetObject"`).
    pub operations: BTreeMap<String, BTreeMap<String, Vec<OpAction>>>,
    /// IAM service prefix → API operations (from botocore) that map to no
    /// catalog action: real calls this mapping cannot attribute.
    #[serde(default)]
    pub unmapped_operations: BTreeMap<String, Vec<String>>,
}

/// One action of an operation.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum OpAction {
    /// Always needed: `"s3:GetObject"`.
    Always(String),
    /// `[action, param, ...]`: needed when the request has one of the parameters.
    When(Vec<String>),
}

impl OpAction {
    /// The action name.
    #[must_use]
    pub fn action(&self) -> &str {
        match self {
            OpAction::Always(a) => a,
            OpAction::When(v) => v.first().map_or("", String::as_str),
        }
    }

    /// The request parameters that make the action needed (empty: always).
    #[must_use]
    pub fn when(&self) -> &[String] {
        match self {
            OpAction::Always(_) => &[],
            OpAction::When(v) => v.get(1..).unwrap_or_default(),
        }
    }
}

/// Gzips the compact JSON of `artifact`; deterministic.
///
/// # Errors
///
/// [`UsageError::Encode`] if serialising or compressing fails.
pub fn encode(artifact: &Artifact) -> Result<Vec<u8>, UsageError> {
    let json = serde_json::to_vec(artifact)
        .map_err(|e| UsageError::Encode(Arc::new(std::io::Error::other(e))))?;
    let mut gz = GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), Compression::best());
    gz.write_all(&json)
        .map_err(|e| UsageError::Encode(Arc::new(e)))?;
    gz.finish().map_err(|e| UsageError::Encode(Arc::new(e)))
}

/// Decodes bytes written by [`encode`].
///
/// # Errors
///
/// A [`UsageError`] if the bytes are not gzip, not the expected JSON, or of
/// another format version.
pub fn decode(bytes: &[u8]) -> Result<Artifact, UsageError> {
    let mut json = Vec::new();
    GzDecoder::new(bytes)
        .read_to_end(&mut json)
        .map_err(|e| UsageError::Decompress(Arc::new(e)))?;
    #[derive(Deserialize)]
    struct Version {
        format: u32,
    }
    let v: Version = serde_json::from_slice(&json).map_err(|e| UsageError::Parse(Arc::new(e)))?;
    if v.format != FORMAT_VERSION {
        return Err(UsageError::UnsupportedFormat {
            found: v.format,
            expected: FORMAT_VERSION,
        });
    }
    serde_json::from_slice(&json).map_err(|e| UsageError::Parse(Arc::new(e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_is_deterministic() {
        let mut a = Artifact {
            format: FORMAT_VERSION,
            source: "test".into(),
            ..Artifact::default()
        };
        a.event_sources
            .insert("monitoring.amazonaws.com".into(), "cloudwatch".into());
        a.operations.entry("s3".into()).or_default().insert(
            "HeadObject".into(),
            vec![
                OpAction::Always("s3:GetObject".into()),
                OpAction::When(vec!["iam:PassRole".into(), "Role".into()]),
            ],
        );
        let bytes = encode(&a).unwrap();
        assert_eq!(bytes, encode(&a).unwrap());
        let back = decode(&bytes).unwrap();
        assert_eq!(back, a);
        let ops = &back.operations["s3"]["HeadObject"];
        assert_eq!(ops[1].action(), "iam:PassRole");
        assert_eq!(ops[1].when(), ["Role"]);
        assert!(ops[0].when().is_empty());
    }

    #[test]
    fn rejects_other_versions_and_garbage() {
        let a = Artifact {
            format: 99,
            ..Artifact::default()
        };
        let bytes = encode(&a).unwrap();
        assert!(matches!(
            decode(&bytes),
            Err(UsageError::UnsupportedFormat { found: 99, .. })
        ));
        assert!(matches!(decode(b"nope"), Err(UsageError::Decompress(_))));
    }
}

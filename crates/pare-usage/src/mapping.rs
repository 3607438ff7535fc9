//! What was done: CloudTrail `(eventSource, eventName)` → IAM actions.
//!
//! Lookup order, first hit wins:
//!
//! 1. `eventSource` → IAM prefix: the artifact's table (from botocore's
//!    endpoint prefixes and signing names plus known renames such as
//!    `monitoring` → `cloudwatch`), else the host name itself if the catalog
//!    has such a service.
//! 2. Sign-in and portal events ([`CONSOLE_SOURCES`]) that are not catalog
//!    actions are [`Mapping::ConsoleActivity`].
//! 3. The explicit [`OVERRIDES`] table (known mismatches, tested case by case).
//! 4. The artifact's operation table (from iann0036/iam-dataset's SDK map).
//! 5. The same-named catalog action (`s3` + `GetObject` → `s3:GetObject`).
//! 6. Steps 3–5 again with an API-version suffix removed
//!    (`GetFunction20150331v2` → `GetFunction`, `CreateDistribution2020_05_31`).
//! 7. [`Mapping::Unmapped`].

use std::collections::HashMap;

use pare_catalog::{ActionId, Catalog};

use crate::UsageError;
use crate::artifact::{self, Artifact};

/// The mapping artifact embedded in this crate (see `data/README.md`).
static BUNDLED_ARTIFACT: &[u8] = include_bytes!("../data/cloudtrail-actions.json.gz");

/// What a CloudTrail event tells about permissions.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Mapping {
    /// The call is authorized by these IAM actions (the main one first).
    Actions(Vec<ActionId>),
    /// The call needs no IAM permission (`sts:GetCallerIdentity`).
    NoPermissionNeeded,
    /// Console sign-in or portal activity (`ConsoleLogin`, `CheckMfa`,
    /// `SwitchRole`, Identity Center portal calls): activity, not an IAM action.
    ConsoleActivity,
    /// Not known.
    Unmapped,
}

/// What an override says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverrideTarget {
    /// These actions (`"s3:GetObject"`), the main one first.
    Actions(&'static [&'static str]),
    /// No permission needed.
    NoPermissionNeeded,
    /// Console activity.
    ConsoleActivity,
}

/// Event sources whose events that are not catalog actions are console or
/// sign-in activity.
pub const CONSOLE_SOURCES: &[&str] = &[
    "signin.amazonaws.com",
    "portal.sso.amazonaws.com",
    "console.amazonaws.com",
    "billingconsole.amazonaws.com",
    "sso-oauth.amazonaws.com",
];

use OverrideTarget::{Actions, ConsoleActivity, NoPermissionNeeded};

/// Known mismatches between API operations and IAM actions: `(prefix,
/// eventName, target)`. Every action named here exists in the catalog (tested).
pub const OVERRIDES: &[(&str, &str, OverrideTarget)] = &[
    // S3: operations named differently from the action that authorizes them.
    ("s3", "HeadObject", Actions(&["s3:GetObject"])),
    ("s3", "HeadBucket", Actions(&["s3:ListBucket"])),
    ("s3", "ListObjects", Actions(&["s3:ListBucket"])),
    ("s3", "ListObjectsV2", Actions(&["s3:ListBucket"])),
    (
        "s3",
        "ListObjectVersions",
        Actions(&["s3:ListBucketVersions"]),
    ),
    ("s3", "ListBuckets", Actions(&["s3:ListAllMyBuckets"])),
    (
        "s3",
        "ListDirectoryBuckets",
        Actions(&["s3express:ListAllMyDirectoryBuckets"]),
    ),
    ("s3", "CreateMultipartUpload", Actions(&["s3:PutObject"])),
    ("s3", "UploadPart", Actions(&["s3:PutObject"])),
    ("s3", "CompleteMultipartUpload", Actions(&["s3:PutObject"])),
    (
        "s3",
        "UploadPartCopy",
        Actions(&["s3:PutObject", "s3:GetObject"]),
    ),
    (
        "s3",
        "AbortMultipartUpload",
        Actions(&["s3:AbortMultipartUpload"]),
    ),
    ("s3", "ListParts", Actions(&["s3:ListMultipartUploadParts"])),
    (
        "s3",
        "ListMultipartUploads",
        Actions(&["s3:ListBucketMultipartUploads"]),
    ),
    (
        "s3",
        "CopyObject",
        Actions(&["s3:PutObject", "s3:GetObject"]),
    ),
    ("s3", "DeleteObjects", Actions(&["s3:DeleteObject"])),
    (
        "s3",
        "GetObjectAttributes",
        Actions(&["s3:GetObject", "s3:GetObjectAttributes"]),
    ),
    ("s3", "SelectObjectContent", Actions(&["s3:GetObject"])),
    ("s3", "RestoreObject", Actions(&["s3:RestoreObject"])),
    (
        "s3",
        "GetBucketLifecycle",
        Actions(&["s3:GetLifecycleConfiguration"]),
    ),
    (
        "s3",
        "GetBucketLifecycleConfiguration",
        Actions(&["s3:GetLifecycleConfiguration"]),
    ),
    (
        "s3",
        "PutBucketLifecycle",
        Actions(&["s3:PutLifecycleConfiguration"]),
    ),
    (
        "s3",
        "PutBucketLifecycleConfiguration",
        Actions(&["s3:PutLifecycleConfiguration"]),
    ),
    (
        "s3",
        "DeleteBucketLifecycle",
        Actions(&["s3:PutLifecycleConfiguration"]),
    ),
    ("s3", "DeleteBucketCors", Actions(&["s3:PutBucketCORS"])),
    ("s3", "GetBucketCors", Actions(&["s3:GetBucketCORS"])),
    ("s3", "PutBucketCors", Actions(&["s3:PutBucketCORS"])),
    (
        "s3",
        "DeleteBucketEncryption",
        Actions(&["s3:PutEncryptionConfiguration"]),
    ),
    (
        "s3",
        "GetBucketEncryption",
        Actions(&["s3:GetEncryptionConfiguration"]),
    ),
    (
        "s3",
        "PutBucketEncryption",
        Actions(&["s3:PutEncryptionConfiguration"]),
    ),
    (
        "s3",
        "DeleteBucketReplication",
        Actions(&["s3:PutReplicationConfiguration"]),
    ),
    (
        "s3",
        "GetBucketReplication",
        Actions(&["s3:GetReplicationConfiguration"]),
    ),
    (
        "s3",
        "PutBucketReplication",
        Actions(&["s3:PutReplicationConfiguration"]),
    ),
    (
        "s3",
        "DeleteBucketWebsite",
        Actions(&["s3:DeleteBucketWebsite"]),
    ),
    (
        "s3",
        "DeleteBucketAnalyticsConfiguration",
        Actions(&["s3:PutAnalyticsConfiguration"]),
    ),
    (
        "s3",
        "DeleteBucketInventoryConfiguration",
        Actions(&["s3:PutInventoryConfiguration"]),
    ),
    (
        "s3",
        "DeleteBucketMetricsConfiguration",
        Actions(&["s3:PutMetricsConfiguration"]),
    ),
    (
        "s3",
        "DeleteBucketIntelligentTieringConfiguration",
        Actions(&["s3:PutIntelligentTieringConfiguration"]),
    ),
    (
        "s3",
        "DeleteBucketOwnershipControls",
        Actions(&["s3:PutBucketOwnershipControls"]),
    ),
    (
        "s3",
        "DeletePublicAccessBlock",
        Actions(&["s3:PutBucketPublicAccessBlock"]),
    ),
    // CloudTrail's names for the public-access-block calls.
    (
        "s3",
        "DeleteBucketPublicAccessBlock",
        Actions(&["s3:PutBucketPublicAccessBlock"]),
    ),
    (
        "s3",
        "DeleteAccountPublicAccessBlock",
        Actions(&["s3:PutAccountPublicAccessBlock"]),
    ),
    (
        "s3",
        "GetPublicAccessBlock",
        Actions(&["s3:GetBucketPublicAccessBlock"]),
    ),
    (
        "s3",
        "PutPublicAccessBlock",
        Actions(&["s3:PutBucketPublicAccessBlock"]),
    ),
    (
        "s3",
        "DeleteBucketTagging",
        Actions(&["s3:PutBucketTagging"]),
    ),
    (
        "s3",
        "GetBucketAccelerateConfiguration",
        Actions(&["s3:GetAccelerateConfiguration"]),
    ),
    (
        "s3",
        "PutBucketAccelerateConfiguration",
        Actions(&["s3:PutAccelerateConfiguration"]),
    ),
    (
        "s3",
        "GetBucketLocation",
        Actions(&["s3:GetBucketLocation"]),
    ),
    (
        "s3",
        "GetBucketPolicyStatus",
        Actions(&["s3:GetBucketPolicyStatus"]),
    ),
    (
        "s3",
        "GetBucketNotificationConfiguration",
        Actions(&["s3:GetBucketNotification"]),
    ),
    (
        "s3",
        "PutBucketNotificationConfiguration",
        Actions(&["s3:PutBucketNotification"]),
    ),
    (
        "s3",
        "GetObjectLockConfiguration",
        Actions(&["s3:GetBucketObjectLockConfiguration"]),
    ),
    (
        "s3",
        "PutObjectLockConfiguration",
        Actions(&["s3:PutBucketObjectLockConfiguration"]),
    ),
    (
        "s3",
        "GetObjectLegalHold",
        Actions(&["s3:GetObjectLegalHold"]),
    ),
    (
        "s3",
        "GetBucketAnalyticsConfiguration",
        Actions(&["s3:GetAnalyticsConfiguration"]),
    ),
    (
        "s3",
        "ListBucketAnalyticsConfigurations",
        Actions(&["s3:GetAnalyticsConfiguration"]),
    ),
    (
        "s3",
        "GetBucketInventoryConfiguration",
        Actions(&["s3:GetInventoryConfiguration"]),
    ),
    (
        "s3",
        "ListBucketInventoryConfigurations",
        Actions(&["s3:GetInventoryConfiguration"]),
    ),
    (
        "s3",
        "GetBucketMetricsConfiguration",
        Actions(&["s3:GetMetricsConfiguration"]),
    ),
    (
        "s3",
        "ListBucketMetricsConfigurations",
        Actions(&["s3:GetMetricsConfiguration"]),
    ),
    (
        "s3",
        "PutBucketAnalyticsConfiguration",
        Actions(&["s3:PutAnalyticsConfiguration"]),
    ),
    (
        "s3",
        "PutBucketInventoryConfiguration",
        Actions(&["s3:PutInventoryConfiguration"]),
    ),
    (
        "s3",
        "PutBucketMetricsConfiguration",
        Actions(&["s3:PutMetricsConfiguration"]),
    ),
    // API-version-suffixed Lambda events are handled by suffix stripping;
    // these are renamed outright.
    ("lambda", "Invoke", Actions(&["lambda:InvokeFunction"])),
    (
        "lambda",
        "InvokeAsync",
        Actions(&["lambda:InvokeAsync", "lambda:InvokeFunction"]),
    ),
    (
        "lambda",
        "InvokeWithResponseStream",
        Actions(&["lambda:InvokeFunction"]),
    ),
    // Calls that need several actions.
    (
        "kms",
        "ReEncrypt",
        Actions(&["kms:ReEncryptFrom", "kms:ReEncryptTo"]),
    ),
    // Calls that need no permission.
    ("sts", "GetCallerIdentity", NoPermissionNeeded),
    ("dynamodb", "DescribeEndpoints", NoPermissionNeeded),
    ("sts", "AssumeRoleWithWebIdentity", NoPermissionNeeded),
    ("sts", "AssumeRoleWithSAML", NoPermissionNeeded),
    // Console and sign-in activity.
    ("signin", "ConsoleLogin", ConsoleActivity),
    ("signin", "CheckMfa", ConsoleActivity),
    ("signin", "SwitchRole", ConsoleActivity),
    ("signin", "ExitRole", ConsoleActivity),
    ("signin", "RenewRole", ConsoleActivity),
    ("signin", "PasswordUpdated", ConsoleActivity),
    ("signin", "CredentialChallenge", ConsoleActivity),
    ("signin", "CredentialVerification", ConsoleActivity),
    ("signin", "UserAuthentication", ConsoleActivity),
    ("signin", "GetSigninToken", ConsoleActivity),
    ("sso", "Authenticate", ConsoleActivity),
    ("sso", "Federate", ConsoleActivity),
    ("sso", "GetRoleCredentials", ConsoleActivity),
    ("sso", "ListAccountRoles", ConsoleActivity),
    ("sso", "ListAccounts", ConsoleActivity),
    ("sso", "Logout", ConsoleActivity),
    ("sso", "CreateToken", ConsoleActivity),
];

/// An action of an operation and the request parameters that make it
/// needed (empty: always).
type OpEntry = (ActionId, Box<[Box<str>]>);

/// The CloudTrail → IAM action mapper.
#[derive(Debug)]
pub struct ActionMapper<'c> {
    catalog: &'c Catalog,
    source: String,
    /// `eventSource` → IAM prefix.
    event_sources: HashMap<Box<str>, Box<str>>,
    /// `"prefix:Operation"` → actions (empty: no permission needed), each
    /// with the request parameters that make it needed (empty: always).
    operations: HashMap<Box<str>, Vec<OpEntry>>,
    /// `"prefix:Operation"` → override.
    overrides: HashMap<Box<str>, Mapping>,
    /// `"prefix:Operation"` of real API operations without an action.
    unmapped_operations: std::collections::HashSet<Box<str>>,
}

impl ActionMapper<'static> {
    /// The mapper built from the embedded artifact and the bundled catalog,
    /// decoded once on first use.
    ///
    /// # Errors
    ///
    /// A [`UsageError`] if the catalog or the embedded artifact is corrupt
    /// (a build problem; the same error is returned on every call).
    pub fn bundled() -> Result<&'static ActionMapper<'static>, UsageError> {
        static BUNDLED: std::sync::OnceLock<Result<ActionMapper<'static>, UsageError>> =
            std::sync::OnceLock::new();
        BUNDLED
            .get_or_init(|| {
                let catalog = Catalog::bundled().map_err(UsageError::Catalog)?;
                ActionMapper::from_artifact(BUNDLED_ARTIFACT, catalog)
            })
            .as_ref()
            .map_err(Clone::clone)
    }
}

impl<'c> ActionMapper<'c> {
    /// The raw bytes of the embedded artifact.
    #[must_use]
    pub fn bundled_artifact() -> &'static [u8] {
        BUNDLED_ARTIFACT
    }

    /// Builds a mapper from artifact bytes, resolving action names against
    /// `catalog`. Names the catalog does not know are dropped (see
    /// [`ActionMapper::unknown_actions`] to list them).
    ///
    /// # Errors
    ///
    /// A [`UsageError`] if the bytes are not a valid artifact.
    pub fn from_artifact(bytes: &[u8], catalog: &'c Catalog) -> Result<Self, UsageError> {
        Ok(ActionMapper::new(artifact::decode(bytes)?, catalog))
    }

    /// Builds a mapper from a decoded artifact.
    #[must_use]
    pub fn new(artifact: Artifact, catalog: &'c Catalog) -> Self {
        let event_sources = artifact
            .event_sources
            .into_iter()
            .map(|(k, v)| (k.into_boxed_str(), v.into_boxed_str()))
            .collect();
        let mut operations = HashMap::new();
        for (prefix, ops) in artifact.operations {
            for (op, actions) in ops {
                let ids = actions
                    .iter()
                    .filter_map(|a| {
                        let id = catalog.action(a.action())?;
                        let when = a.when().iter().map(|p| p.as_str().into()).collect();
                        Some((id, when))
                    })
                    .collect();
                operations.insert(key(&prefix, &op), ids);
            }
        }
        let overrides = OVERRIDES
            .iter()
            .map(|(prefix, op, target)| {
                let m = match target {
                    Actions(names) => {
                        Mapping::Actions(names.iter().filter_map(|a| catalog.action(a)).collect())
                    }
                    NoPermissionNeeded => Mapping::NoPermissionNeeded,
                    ConsoleActivity => Mapping::ConsoleActivity,
                };
                (key(prefix, op), m)
            })
            .collect();
        let unmapped_operations = artifact
            .unmapped_operations
            .iter()
            .flat_map(|(prefix, ops)| ops.iter().map(|op| key(prefix, op)))
            .collect();
        ActionMapper {
            catalog,
            unmapped_operations,
            source: artifact.source,
            event_sources,
            operations,
            overrides,
        }
    }

    /// The catalog the mapper resolves actions in.
    #[must_use]
    pub fn catalog(&self) -> &'c Catalog {
        self.catalog
    }

    /// Where the artifact's data came from.
    #[must_use]
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The IAM service prefix of a CloudTrail `eventSource`
    /// (`"monitoring.amazonaws.com"` → `"cloudwatch"`).
    #[must_use]
    pub fn service_prefix<'s>(&'s self, event_source: &'s str) -> Option<&'s str> {
        if let Some(p) = self.event_sources.get(event_source) {
            return Some(p);
        }
        let host = event_source.strip_suffix(".amazonaws.com")?;
        self.catalog
            .service(host)
            .map(pare_catalog::Service::prefix)
    }

    /// Maps one call without looking at its request: actions that are
    /// needed only for some parameters (`iam:PassRole` when a role is passed)
    /// are included.
    #[must_use]
    pub fn map(&self, event_source: &str, event_name: &str) -> Mapping {
        self.map_call(event_source, event_name, None)
    }

    /// Maps one call; with `request_parameters`, actions needed only for
    /// some parameters are kept only when the request has one of them
    /// (keys compare case-insensitively: the SDK's `Role` is CloudTrail's
    /// `role`). Without them (`None`), such actions are included.
    #[must_use]
    pub fn map_call(
        &self,
        event_source: &str,
        event_name: &str,
        request_parameters: Option<&serde_json::Value>,
    ) -> Mapping {
        self.map_call_lazy(event_source, event_name, &|| request_parameters)
    }

    /// [`ActionMapper::map_call`] with the request parameters given by `params`, called only
    /// when an action depends on them (`None`: not known, such actions are kept).
    #[must_use]
    pub fn map_call_lazy<'p>(
        &self,
        event_source: &str,
        event_name: &str,
        params: &dyn Fn() -> Option<&'p serde_json::Value>,
    ) -> Mapping {
        let Some(prefix) = self.service_prefix(event_source) else {
            if CONSOLE_SOURCES.contains(&event_source) {
                return Mapping::ConsoleActivity;
            }
            return Mapping::Unmapped;
        };
        if let Some(m) = self.lookup(prefix, event_name, params) {
            return m;
        }
        if let Some(base) = strip_api_version(event_name) {
            if let Some(m) = self.lookup(prefix, base, params) {
                return m;
            }
        }
        if CONSOLE_SOURCES.contains(&event_source) {
            return Mapping::ConsoleActivity;
        }
        Mapping::Unmapped
    }

    fn lookup<'p>(
        &self,
        prefix: &str,
        op: &str,
        params: &dyn Fn() -> Option<&'p serde_json::Value>,
    ) -> Option<Mapping> {
        let k = key(prefix, op);
        if let Some(m) = self.overrides.get(&*k) {
            return Some(m.clone());
        }
        if let Some(entries) = self.operations.get(&*k) {
            if entries.is_empty() {
                return Some(Mapping::NoPermissionNeeded);
            }
            let mut ids: Vec<ActionId> = Vec::with_capacity(entries.len());
            for (id, when) in entries {
                if (when.is_empty() || params().is_none_or(|p| has_any_param(p, when)))
                    && !ids.contains(id)
                {
                    ids.push(*id);
                }
            }
            return Some(Mapping::Actions(ids));
        }
        self.catalog.action(&k).map(|id| Mapping::Actions(vec![id]))
    }

    /// Every `(prefix, operation, actions)` in the operation table, sorted;
    /// for tests and reports.
    #[must_use]
    pub fn operations(&self) -> Vec<(&str, &str, Vec<ActionId>)> {
        let mut v: Vec<_> = self
            .operations
            .iter()
            .filter_map(|(k, entries)| {
                k.split_once(':')
                    .map(|(p, o)| (p, o, entries.iter().map(|(id, _)| *id).collect()))
            })
            .collect();
        v.sort_unstable();
        v
    }

    /// Whether `(event_source, event_name)` is a known API call: it maps to
    /// something, or botocore lists it as an operation of the service.
    /// Unknown pairs are usually invented test events or CloudTrail-only
    /// event names.
    #[must_use]
    pub fn is_known_operation(&self, event_source: &str, event_name: &str) -> bool {
        if self.map(event_source, event_name) != Mapping::Unmapped {
            return true;
        }
        let Some(prefix) = self.service_prefix(event_source) else {
            return false;
        };
        let base = strip_api_version(event_name).unwrap_or(event_name);
        self.unmapped_operations.contains(&*key(prefix, base))
    }

    /// The number of event sources with a known prefix in the artifact.
    #[must_use]
    pub fn event_source_count(&self) -> usize {
        self.event_sources.len()
    }
}

/// Action names in an artifact that `catalog` does not know (should be none).
#[must_use]
pub fn unknown_actions(artifact: &Artifact, catalog: &Catalog) -> Vec<String> {
    let from_artifact = artifact
        .operations
        .values()
        .flat_map(|ops| ops.values().flatten())
        .map(artifact::OpAction::action);
    let from_overrides = OVERRIDES.iter().flat_map(|(_, _, t)| match t {
        Actions(names) => *names,
        _ => &[],
    });
    let mut out: Vec<String> = from_artifact
        .chain(from_overrides.copied())
        .filter(|a| catalog.action(a).is_none())
        .map(str::to_owned)
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Whether `params` (a JSON object) has a non-null, non-empty value under
/// one of `names`, comparing keys case-insensitively.
fn has_any_param(params: &serde_json::Value, names: &[Box<str>]) -> bool {
    let Some(obj) = params.as_object() else {
        return false;
    };
    obj.iter().any(|(k, v)| {
        names.iter().any(|n| n.eq_ignore_ascii_case(k))
            && !matches!(v, serde_json::Value::Null)
            && v.as_str() != Some("")
            && v.as_array().is_none_or(|a| !a.is_empty())
            && v.as_object().is_none_or(|o| !o.is_empty())
    })
}

fn key(prefix: &str, op: &str) -> Box<str> {
    let mut s = String::with_capacity(prefix.len() + op.len() + 1);
    s.push_str(prefix);
    s.push(':');
    s.push_str(op);
    s.into_boxed_str()
}

/// Removes an API-version suffix from an event name:
/// `GetFunction20150331v2` → `GetFunction`, `ListFunctions20150331` →
/// `ListFunctions`, `CreateDistribution2020_05_31` → `CreateDistribution`.
#[must_use]
pub fn strip_api_version(name: &str) -> Option<&str> {
    let bytes = name.as_bytes();
    let mut end = bytes.len();
    // Optional `v<digits>`.
    let mut i = end;
    while i > 0 && bytes.get(i - 1).is_some_and(u8::is_ascii_digit) {
        i -= 1;
    }
    if i < end && i > 0 && bytes.get(i - 1) == Some(&b'v') {
        end = i - 1;
    }
    // Eight digits, possibly as `yyyy_mm_dd`.
    let tail = name.get(..end)?;
    for len in [8usize, 10] {
        if tail.len() <= len {
            continue;
        }
        let (head, version) = tail.split_at(tail.len() - len);
        let ok = if len == 8 {
            version.bytes().all(|b| b.is_ascii_digit())
        } else {
            version.bytes().enumerate().all(|(j, b)| {
                if j == 4 || j == 7 {
                    b == b'_'
                } else {
                    b.is_ascii_digit()
                }
            })
        };
        if ok
            && version.starts_with(['1', '2'])
            && head.bytes().last().is_some_and(|b| b.is_ascii_alphabetic())
        {
            return Some(head);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_version_suffixes() {
        assert_eq!(
            strip_api_version("GetFunction20150331v2"),
            Some("GetFunction")
        );
        assert_eq!(
            strip_api_version("ListFunctions20150331"),
            Some("ListFunctions")
        );
        assert_eq!(
            strip_api_version("CreateDistribution2020_05_31"),
            Some("CreateDistribution")
        );
        assert_eq!(strip_api_version("GetObject"), None);
        assert_eq!(strip_api_version("ListObjectsV2"), None);
        assert_eq!(strip_api_version("Ec2v2"), None);
    }
}

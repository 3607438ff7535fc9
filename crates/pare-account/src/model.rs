//! The validated account model: principals (users, roles, root), groups, managed and inline policies,
//! permissions boundaries, trust policies, instance profiles, organization policies and known accounts.

use chrono::{DateTime, Utc};
use pare_policy::{Diagnostic, PolicyDocument};
use serde_json::Value;

use crate::credential_report::CredentialRow;
use crate::error::Problem;
use crate::org::OrgPolicies;

/// Index of a principal in [`Account::principals`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct PrincipalId(pub(crate) u32);
/// Index of a group in [`Account::groups`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct GroupId(pub(crate) u32);
/// Index of a managed policy in [`Account::policies`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct PolicyId(pub(crate) u32);

impl PrincipalId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}
impl GroupId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}
impl PolicyId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A policy document as given (URL-encoded text or JSON) and as validated by pare-policy.
#[derive(Clone, Debug, PartialEq)]
pub struct ParsedDocument {
    /// The decoded JSON, exactly as the input had it.
    pub json: Value,
    pub document: PolicyDocument,
    pub diagnostics: Vec<Diagnostic>,
}

/// A tag on a user or role.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Tag {
    pub key: String,
    pub value: String,
}

/// One version of a managed policy.
#[derive(Clone, Debug, PartialEq)]
pub struct PolicyVersion {
    pub version_id: String,
    pub is_default: bool,
    pub create_date: Option<DateTime<Utc>>,
    pub document: ParsedDocument,
}

/// An AWS-managed or customer-managed policy.
#[derive(Clone, Debug, PartialEq)]
pub struct ManagedPolicy {
    pub arn: String,
    pub name: String,
    pub policy_id: Option<String>,
    pub path: Option<String>,
    /// `arn:aws:iam::aws:policy/…`.
    pub aws_managed: bool,
    pub default_version_id: Option<String>,
    /// Every version in the input; empty when the policy is only referenced (then its content is unknown and it
    /// grants nothing in the model, which [`Account::problems`] says).
    pub versions: Vec<PolicyVersion>,
    pub attachment_count: Option<u64>,
    pub permissions_boundary_usage_count: Option<u64>,
    pub is_attachable: Option<bool>,
    pub create_date: Option<DateTime<Utc>>,
    pub update_date: Option<DateTime<Utc>>,
    /// The content came from a managed-policy library, not from the account's own dump.
    pub from_library: bool,
}

impl ManagedPolicy {
    /// The default version: the one marked `IsDefaultVersion`, else the one named by `DefaultVersionId`, else the
    /// only one.
    pub fn default_version(&self) -> Option<&PolicyVersion> {
        if let Some(v) = self.versions.iter().find(|v| v.is_default) {
            return Some(v);
        }
        if let Some(v) = self
            .default_version_id
            .as_deref()
            .and_then(|id| self.versions.iter().find(|v| v.version_id == id))
        {
            return Some(v);
        }
        match self.versions.as_slice() {
            [only] => Some(only),
            _ => None,
        }
    }

    /// The document of the default version; `None` when the input did not include the policy's content.
    pub fn document(&self) -> Option<&PolicyDocument> {
        self.default_version().map(|v| &v.document.document)
    }

    /// Whether the input included the policy's content.
    pub fn is_resolved(&self) -> bool {
        self.default_version().is_some()
    }
}

/// A policy embedded in a user, group or role.
#[derive(Clone, Debug, PartialEq)]
pub struct InlinePolicy {
    pub name: String,
    pub document: ParsedDocument,
}

/// An IAM group.
#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    pub arn: String,
    pub name: String,
    pub group_id: Option<String>,
    pub path: Option<String>,
    pub create_date: Option<DateTime<Utc>>,
    pub attached: Vec<PolicyId>,
    pub inline: Vec<InlinePolicy>,
    pub members: Vec<PrincipalId>,
}

/// What kind of principal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PrincipalKind {
    User,
    Role,
    Root,
}

impl PrincipalKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalKind::User => "user",
            PrincipalKind::Role => "role",
            PrincipalKind::Root => "root",
        }
    }
}

/// `RoleLastUsed` as the authorization details report it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RoleLastUsed {
    pub last_used_date: Option<DateTime<Utc>>,
    pub region: Option<String>,
}

/// What only roles have.
#[derive(Clone, Debug, PartialEq)]
pub struct RoleDetails {
    /// The trust policy (`AssumeRolePolicyDocument`).
    pub trust_policy: ParsedDocument,
    pub last_used: Option<RoleLastUsed>,
    pub instance_profiles: Vec<usize>,
    /// Path `/aws-service-role/` or name `AWSServiceRoleFor…`: created and managed by an AWS service.
    pub service_linked: bool,
    /// An IAM Identity Center role (`AWSReservedSSO_<permission set>_<hash>`).
    pub identity_center: bool,
    pub max_session_duration: Option<u64>,
}

/// A user, role or the account root.
#[derive(Clone, Debug, PartialEq)]
pub struct Principal {
    pub kind: PrincipalKind,
    pub arn: String,
    pub name: String,
    /// `UserId`/`RoleId` (`AIDA…`, `AROA…`); `None` for root.
    pub unique_id: Option<String>,
    pub path: Option<String>,
    pub create_date: Option<DateTime<Utc>>,
    pub groups: Vec<GroupId>,
    pub attached: Vec<PolicyId>,
    pub inline: Vec<InlinePolicy>,
    pub permissions_boundary: Option<PolicyId>,
    pub tags: Vec<Tag>,
    /// `Some` for roles.
    pub role: Option<RoleDetails>,
    /// The principal's credential report row (users and root).
    pub credentials: Option<CredentialRow>,
}

/// An EC2 instance profile and the roles in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstanceProfile {
    pub arn: String,
    pub name: String,
    pub instance_profile_id: Option<String>,
    pub path: Option<String>,
    pub create_date: Option<DateTime<Utc>>,
    pub roles: Vec<PrincipalId>,
}

/// An account ID the organisation knows and trusts.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct KnownAccount {
    pub id: String,
    pub name: Option<String>,
}

/// The whole account, validated and cross-referenced.
#[derive(Clone, Debug, Default)]
pub struct Account {
    /// The 12-digit account ID, from the ARNs of its principals.
    pub account_id: Option<String>,
    pub partition: String,
    pub principals: Vec<Principal>,
    pub groups: Vec<Group>,
    pub policies: Vec<ManagedPolicy>,
    pub instance_profiles: Vec<InstanceProfile>,
    pub org_policies: OrgPolicies,
    pub known_accounts: Vec<KnownAccount>,
    /// Credential report generation time, when a report was given.
    pub credential_report_time: Option<DateTime<Utc>>,
    /// Credential-report rows for users the authorization details do not have.
    pub orphan_credentials: Vec<CredentialRow>,
    /// Everything questionable in the input that did not stop the model (unknown policy references, policy
    /// diagnostics, duplicates across pages).
    pub problems: Vec<Problem>,
    pub(crate) library: std::collections::HashMap<String, ManagedPolicy>,
    pub(crate) by_arn: std::collections::HashMap<String, PrincipalId>,
    pub(crate) group_by_arn: std::collections::HashMap<String, GroupId>,
    pub(crate) policy_by_arn: std::collections::HashMap<String, PolicyId>,
}

impl Account {
    pub fn principal(&self, id: PrincipalId) -> Option<&Principal> {
        self.principals.get(id.index())
    }
    pub fn group(&self, id: GroupId) -> Option<&Group> {
        self.groups.get(id.index())
    }
    pub fn policy(&self, id: PolicyId) -> Option<&ManagedPolicy> {
        self.policies.get(id.index())
    }
    /// A principal by its ARN (exact, or case-insensitively on the name part as IAM names are).
    pub fn principal_by_arn(&self, arn: &str) -> Option<PrincipalId> {
        self.by_arn
            .get(arn)
            .copied()
            .or_else(|| self.by_arn.get(&arn.to_ascii_lowercase()).copied())
    }
    pub fn group_by_arn(&self, arn: &str) -> Option<GroupId> {
        self.group_by_arn.get(arn).copied()
    }
    pub fn policy_by_arn(&self, arn: &str) -> Option<PolicyId> {
        self.policy_by_arn.get(arn).copied()
    }
    /// Every principal with its id.
    pub fn principal_ids(&self) -> impl ExactSizeIterator<Item = PrincipalId> + '_ {
        (0..self.principals.len()).map(|i| PrincipalId(i as u32))
    }
    pub fn group_ids(&self) -> impl ExactSizeIterator<Item = GroupId> + '_ {
        (0..self.groups.len()).map(|i| GroupId(i as u32))
    }
    pub fn policy_ids(&self) -> impl ExactSizeIterator<Item = PolicyId> + '_ {
        (0..self.policies.len()).map(|i| PolicyId(i as u32))
    }
    pub fn users(&self) -> impl Iterator<Item = &Principal> + '_ {
        self.principals
            .iter()
            .filter(|p| p.kind == PrincipalKind::User)
    }
    pub fn roles(&self) -> impl Iterator<Item = &Principal> + '_ {
        self.principals
            .iter()
            .filter(|p| p.kind == PrincipalKind::Role)
    }
    pub fn root(&self) -> Option<&Principal> {
        self.principals
            .iter()
            .find(|p| p.kind == PrincipalKind::Root)
    }
    /// Whether an account ID is this account or in the known-accounts list.
    pub fn is_known_account(&self, id: &str) -> bool {
        self.account_id.as_deref() == Some(id) || self.known_accounts.iter().any(|k| k.id == id)
    }
}

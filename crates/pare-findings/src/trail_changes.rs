//! Identity changes replayed from CloudTrail: users and roles created, policies attached or written, keys and
//! console passwords created, so that a principal created after the account snapshot (an attacker's backdoor
//! user, for example) is reviewed too.

use chrono::{DateTime, Utc};
use pare_policy::PolicyDocument;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

use crate::facts::IdentityKind;

/// One change CloudTrail recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangeEvent {
    /// `eventTime`.
    pub time: Option<String>,
    /// `eventName`.
    pub event: String,
    /// Who made it (`userIdentity.arn`).
    pub by: Option<String>,
    /// What it names (policy ARN, policy name, group name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// A user or role as CloudTrail's successful IAM calls describe it.
#[derive(Debug, Clone, Default)]
pub struct ObservedIdentity {
    /// Its ARN.
    pub arn: String,
    /// Its name.
    pub name: String,
    /// User or role (`None` when only a key or policy change named it and the kind is unclear).
    pub kind: Option<IdentityKind>,
    /// `CreateUser`/`CreateRole` time.
    pub created: Option<DateTime<Utc>>,
    /// Who created it.
    pub created_by: Option<String>,
    /// Managed policies attached and not detached since.
    pub attached: Vec<String>,
    /// Inline policies written and not deleted since (name, document).
    pub inline: Vec<(String, PolicyDocument)>,
    /// Groups it was added to.
    pub groups: Vec<String>,
    /// A role's trust policy from `CreateRole`/`UpdateAssumeRolePolicy`.
    pub trust: Option<PolicyDocument>,
    /// Access keys created.
    pub access_keys_created: usize,
    /// A console password was created.
    pub login_profile: bool,
    /// Deleted later in the trail.
    pub deleted: bool,
    /// Every change, in trail order.
    pub events: Vec<ChangeEvent>,
}

fn s<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// A policy document given as a JSON string (possibly URL-encoded) or as an object.
fn document(v: Option<&Value>) -> Option<PolicyDocument> {
    let v = v?;
    let value = match v {
        Value::String(text) => {
            let decoded = if text.trim_start().starts_with('%') || text.contains("%22") {
                percent_decode(text)
            } else {
                text.clone()
            };
            serde_json::from_str::<Value>(&decoded).ok()?
        }
        other => other.clone(),
    };
    Some(PolicyDocument::from_json(&value).0)
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%'
            && let (Some(h), Some(l)) = (bytes.get(i + 1), bytes.get(i + 2))
            && let Ok(byte) = u8::from_str_radix(&format!("{}{}", *h as char, *l as char), 16)
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(if b == b'+' { b' ' } else { b });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Replays every successful IAM identity change in `records` (any order; sorted by event time first).
#[must_use]
pub fn replay(records: &[Value]) -> BTreeMap<String, ObservedIdentity> {
    let mut sorted: Vec<&Value> = records
        .iter()
        .filter(|r| {
            s(r, "eventSource") == Some("iam.amazonaws.com")
                && r.get("errorCode").is_none_or(Value::is_null)
        })
        .collect();
    sorted.sort_by(|a, b| s(a, "eventTime").cmp(&s(b, "eventTime")));
    let mut out: BTreeMap<String, ObservedIdentity> = BTreeMap::new();
    for r in sorted {
        let Some(event) = s(r, "eventName") else {
            continue;
        };
        let params = r.get("requestParameters").cloned().unwrap_or(Value::Null);
        let by = r
            .get("userIdentity")
            .and_then(|u| s(u, "arn"))
            .map(str::to_owned);
        let account = s(r, "recipientAccountId")
            .or_else(|| r.get("userIdentity").and_then(|u| s(u, "accountId")))
            .unwrap_or("");
        let time = s(r, "eventTime").map(str::to_owned);
        let (kind, name) = if let Some(u) = s(&params, "userName") {
            (IdentityKind::User, u.to_owned())
        } else if let Some(role) = s(&params, "roleName") {
            (IdentityKind::Role, role.to_owned())
        } else if event == "CreateAccessKey" || event == "CreateLoginProfile" {
            // Without `userName` the call is about the caller itself.
            match by.as_deref().and_then(|a| a.split_once(":user/")) {
                Some((_, n)) => (
                    IdentityKind::User,
                    n.rsplit('/').next().unwrap_or(n).to_owned(),
                ),
                None => continue,
            }
        } else {
            continue;
        };
        let arn = match kind {
            IdentityKind::User => format!("arn:aws:iam::{account}:user/{name}"),
            IdentityKind::Role => format!("arn:aws:iam::{account}:role/{name}"),
        };
        let id = out.entry(arn.clone()).or_insert_with(|| ObservedIdentity {
            arn: arn.clone(),
            name: name.clone(),
            ..ObservedIdentity::default()
        });
        let mut detail = None;
        match event {
            "CreateUser" | "CreateRole" => {
                id.kind = Some(kind);
                id.created = time
                    .as_deref()
                    .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                    .map(|t| t.with_timezone(&Utc));
                id.created_by.clone_from(&by);
                id.deleted = false;
                if kind == IdentityKind::Role {
                    id.trust = document(params.get("assumeRolePolicyDocument"));
                }
            }
            "DeleteUser" | "DeleteRole" => id.deleted = true,
            "AttachUserPolicy" | "AttachRolePolicy" => {
                if let Some(p) = s(&params, "policyArn") {
                    if !id.attached.iter().any(|a| a == p) {
                        id.attached.push(p.to_owned());
                    }
                    detail = Some(p.to_owned());
                }
            }
            "DetachUserPolicy" | "DetachRolePolicy" => {
                if let Some(p) = s(&params, "policyArn") {
                    id.attached.retain(|a| a != p);
                    detail = Some(p.to_owned());
                }
            }
            "PutUserPolicy" | "PutRolePolicy" => {
                let pname = s(&params, "policyName").unwrap_or("").to_owned();
                if let Some(doc) = document(params.get("policyDocument")) {
                    id.inline.retain(|(n, _)| *n != pname);
                    id.inline.push((pname.clone(), doc));
                }
                detail = Some(pname);
            }
            "DeleteUserPolicy" | "DeleteRolePolicy" => {
                let pname = s(&params, "policyName").unwrap_or("");
                id.inline.retain(|(n, _)| n != pname);
                detail = Some(pname.to_owned());
            }
            "AddUserToGroup" => {
                if let Some(g) = s(&params, "groupName") {
                    id.groups.push(g.to_owned());
                    detail = Some(g.to_owned());
                }
            }
            "UpdateAssumeRolePolicy" => id.trust = document(params.get("policyDocument")),
            "CreateAccessKey" => id.access_keys_created += 1,
            "CreateLoginProfile" => id.login_profile = true,
            _ => continue,
        }
        if id.kind.is_none()
            && matches!(
                event,
                "AttachUserPolicy" | "PutUserPolicy" | "AddUserToGroup"
            )
        {
            id.kind = Some(IdentityKind::User);
        }
        if id.kind.is_none()
            && matches!(
                event,
                "AttachRolePolicy" | "PutRolePolicy" | "UpdateAssumeRolePolicy"
            )
        {
            id.kind = Some(IdentityKind::Role);
        }
        id.events.push(ChangeEvent {
            time,
            event: event.to_owned(),
            by,
            detail,
        });
    }
    out
}

/// The identities as a `get-account-authorization-details` page (users and roles with their attached and inline
/// policies, created ones only, not deleted), to merge into the account model next to the snapshot's pages.
/// Managed policies are referenced by ARN; their content comes from the snapshot or a managed-policy library.
#[must_use]
pub fn to_authz_page(observed: &BTreeMap<String, ObservedIdentity>) -> Value {
    let policy_name = |arn: &str| arn.rsplit('/').next().unwrap_or(arn).to_owned();
    let mut users = Vec::new();
    let mut roles = Vec::new();
    for id in observed
        .values()
        .filter(|i| i.created.is_some() && !i.deleted)
    {
        let attached: Vec<Value> = id
            .attached
            .iter()
            .map(|a| serde_json::json!({"PolicyName": policy_name(a), "PolicyArn": a}))
            .collect();
        let inline: Vec<Value> = id
            .inline
            .iter()
            .map(|(n, d)| serde_json::json!({"PolicyName": n, "PolicyDocument": d.to_json()}))
            .collect();
        let created = id.created.map(|t| t.to_rfc3339());
        match id.kind {
            Some(IdentityKind::User) => users.push(serde_json::json!({
                "UserName": id.name, "Arn": id.arn, "Path": "/", "CreateDate": created,
                "AttachedManagedPolicies": attached, "UserPolicyList": inline, "GroupList": id.groups,
            })),
            Some(IdentityKind::Role) => roles.push(serde_json::json!({
                "RoleName": id.name, "Arn": id.arn, "Path": "/", "CreateDate": created,
                "AssumeRolePolicyDocument": id.trust.as_ref().map_or(
                    serde_json::json!({"Version": "2012-10-17", "Statement": []}), PolicyDocument::to_json),
                "AttachedManagedPolicies": attached, "RolePolicyList": inline, "InstanceProfileList": [],
            })),
            None => {}
        }
    }
    serde_json::json!({"UserDetailList": users, "RoleDetailList": roles, "GroupDetailList": [], "Policies": []})
}

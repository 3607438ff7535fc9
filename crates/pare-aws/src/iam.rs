//! IAM collection: GetAccountAuthorizationDetails (every Marker page, merged into the AWS CLI's JSON
//! shape with policy documents URL-decoded), the credential report, account summary, password
//! policy, access-key last use, and Access Advisor at action level.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_iam::Client;
use aws_sdk_iam::types::{
    AccessAdvisorUsageGranularityType, AttachedPermissionsBoundary, AttachedPolicy, JobStatusType,
    PolicyDetail, ReportStateType, Tag,
};
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::{Collection, Problem, time_text};

/// The most polls of one job (credential report, Access Advisor) before giving up.
const MAX_POLLS: u32 = 150;

/// One access key and its last use (`iam:GetAccessKeyLastUsed`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccessKeyLastUsed {
    /// The user.
    pub user_name: String,
    /// The key ID.
    pub access_key_id: String,
    /// `Active` or `Inactive`.
    pub status: String,
    /// When the key was created.
    pub create_date: Option<String>,
    /// When it was last used (none: never, or before April 2015).
    pub last_used_date: Option<String>,
    /// The service it was last used with (`N/A` when never).
    pub last_used_service: Option<String>,
    /// The region it was last used in (`N/A` when never).
    pub last_used_region: Option<String>,
}

/// An action Access Advisor tracks and when the principal last used it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActionLastAccessed {
    /// The action name without the service prefix (`CreateUser`).
    pub action_name: String,
    /// When it was last used.
    pub last_accessed_time: Option<String>,
    /// The entity that used it (for groups and policies).
    pub last_accessed_entity: Option<String>,
    /// The region.
    pub last_accessed_region: Option<String>,
}

/// Access Advisor's record of one service for one principal (covers the last 400 days).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceLastAccessed {
    /// The principal the job was generated for.
    pub principal_arn: String,
    /// The service's namespace (`iam`, `s3`).
    pub service_namespace: String,
    /// The service's name.
    pub service_name: String,
    /// When the principal last authenticated to the service (none: not in the tracking period).
    pub last_authenticated: Option<String>,
    /// The entity that authenticated.
    pub last_authenticated_entity: Option<String>,
    /// The region.
    pub last_authenticated_region: Option<String>,
    /// Actions with action-level tracking (some services only).
    pub actions: Vec<ActionLastAccessed>,
}

/// Entries in a list of the merged GAAD document.
pub(crate) fn count(doc: &Value, list: &str) -> usize {
    doc.get(list).and_then(Value::as_array).map_or(0, Vec::len)
}

/// An IAM policy document as the API returns it (URL-encoded JSON) → JSON (or the text when it is
/// not JSON).
pub(crate) fn decode_document(encoded: &str) -> Value {
    let text = percent_encoding::percent_decode_str(encoded).decode_utf8_lossy();
    serde_json::from_str(&text).unwrap_or_else(|_| Value::String(text.into_owned()))
}

fn opt_str(v: Option<&str>) -> Value {
    v.map_or(Value::Null, |s| Value::String(s.to_owned()))
}

fn opt_time(v: Option<&aws_smithy_types::DateTime>) -> Value {
    v.map_or(Value::Null, |t| Value::String(time_text(t)))
}

fn inline_policies(list: &[PolicyDetail]) -> Value {
    Value::Array(
        list.iter()
            .map(|p| {
                json!({
                    "PolicyName": opt_str(p.policy_name()),
                    "PolicyDocument": p.policy_document().map_or(Value::Null, decode_document),
                })
            })
            .collect(),
    )
}

fn attached(list: &[AttachedPolicy]) -> Value {
    Value::Array(
        list.iter()
            .map(|p| json!({"PolicyName": opt_str(p.policy_name()), "PolicyArn": opt_str(p.policy_arn())}))
            .collect(),
    )
}

fn tags(list: &[Tag]) -> Value {
    Value::Array(
        list.iter()
            .map(|t| json!({"Key": t.key(), "Value": t.value()}))
            .collect(),
    )
}

fn boundary(map: &mut Map<String, Value>, b: Option<&AttachedPermissionsBoundary>) {
    if let Some(b) = b {
        map.insert(
            "PermissionsBoundary".into(),
            json!({
                "PermissionsBoundaryType": b.permissions_boundary_type().map(|t| t.as_str()),
                "PermissionsBoundaryArn": opt_str(b.permissions_boundary_arn()),
            }),
        );
    }
}

fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// Appends one GAAD page to the merged document.
fn merge_page(
    doc: &mut Map<String, Value>,
    page: &aws_sdk_iam::operation::get_account_authorization_details::GetAccountAuthorizationDetailsOutput,
) {
    let mut push = |list: &str, item: Value| {
        if let Some(Value::Array(a)) = doc.get_mut(list) {
            a.push(item);
        }
    };
    for u in page.user_detail_list() {
        let mut m = object(json!({
            "Path": opt_str(u.path()),
            "UserName": opt_str(u.user_name()),
            "UserId": opt_str(u.user_id()),
            "Arn": opt_str(u.arn()),
            "CreateDate": opt_time(u.create_date()),
            "UserPolicyList": inline_policies(u.user_policy_list()),
            "GroupList": u.group_list(),
            "AttachedManagedPolicies": attached(u.attached_managed_policies()),
            "Tags": tags(u.tags()),
        }));
        boundary(&mut m, u.permissions_boundary());
        push("UserDetailList", Value::Object(m));
    }
    for g in page.group_detail_list() {
        push(
            "GroupDetailList",
            json!({
                "Path": opt_str(g.path()),
                "GroupName": opt_str(g.group_name()),
                "GroupId": opt_str(g.group_id()),
                "Arn": opt_str(g.arn()),
                "CreateDate": opt_time(g.create_date()),
                "GroupPolicyList": inline_policies(g.group_policy_list()),
                "AttachedManagedPolicies": attached(g.attached_managed_policies()),
            }),
        );
    }
    for r in page.role_detail_list() {
        let profiles: Vec<Value> = r
            .instance_profile_list()
            .iter()
            .map(|p| {
                json!({
                    "Path": p.path(),
                    "InstanceProfileName": p.instance_profile_name(),
                    "InstanceProfileId": p.instance_profile_id(),
                    "Arn": p.arn(),
                    "CreateDate": time_text(p.create_date()),
                    "Roles": p.roles().iter().map(|role| json!({
                        "Path": role.path(),
                        "RoleName": role.role_name(),
                        "RoleId": role.role_id(),
                        "Arn": role.arn(),
                        "CreateDate": time_text(role.create_date()),
                        "AssumeRolePolicyDocument": role.assume_role_policy_document().map_or(Value::Null, decode_document),
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        let mut m = object(json!({
            "Path": opt_str(r.path()),
            "RoleName": opt_str(r.role_name()),
            "RoleId": opt_str(r.role_id()),
            "Arn": opt_str(r.arn()),
            "CreateDate": opt_time(r.create_date()),
            "AssumeRolePolicyDocument": r.assume_role_policy_document().map_or(Value::Null, decode_document),
            "InstanceProfileList": profiles,
            "RolePolicyList": inline_policies(r.role_policy_list()),
            "AttachedManagedPolicies": attached(r.attached_managed_policies()),
            "Tags": tags(r.tags()),
        }));
        boundary(&mut m, r.permissions_boundary());
        if let Some(last) = r.role_last_used() {
            let mut l = Map::new();
            if let Some(t) = last.last_used_date() {
                l.insert("LastUsedDate".into(), Value::String(time_text(t)));
            }
            if let Some(region) = last.region() {
                l.insert("Region".into(), Value::String(region.to_owned()));
            }
            m.insert("RoleLastUsed".into(), Value::Object(l));
        }
        push("RoleDetailList", Value::Object(m));
    }
    for p in page.policies() {
        let versions: Vec<Value> = p
            .policy_version_list()
            .iter()
            .map(|v| {
                json!({
                    "Document": v.document().map_or(Value::Null, decode_document),
                    "VersionId": opt_str(v.version_id()),
                    "IsDefaultVersion": v.is_default_version(),
                    "CreateDate": opt_time(v.create_date()),
                })
            })
            .collect();
        // Some AWS-compatible servers (moto) leave the name out; a policy ARN ends with it.
        let name = p
            .policy_name()
            .or_else(|| p.arn().and_then(|a| a.rsplit('/').next()));
        let mut m = object(json!({
            "PolicyName": opt_str(name),
            "PolicyId": opt_str(p.policy_id()),
            "Arn": opt_str(p.arn()),
            "Path": opt_str(p.path()),
            "DefaultVersionId": opt_str(p.default_version_id()),
            "AttachmentCount": p.attachment_count(),
            "PermissionsBoundaryUsageCount": p.permissions_boundary_usage_count(),
            "IsAttachable": p.is_attachable(),
            "CreateDate": opt_time(p.create_date()),
            "UpdateDate": opt_time(p.update_date()),
            "PolicyVersionList": versions,
        }));
        if let Some(d) = p.description() {
            m.insert("Description".into(), Value::String(d.to_owned()));
        }
        push("Policies", Value::Object(m));
    }
}

/// GetAccountAuthorizationDetails, following `Marker` until `IsTruncated` is false.
pub(crate) async fn authorization_details(client: &Client, out: &mut Collection) {
    let mut doc = object(json!({
        "UserDetailList": [],
        "GroupDetailList": [],
        "RoleDetailList": [],
        "Policies": [],
    }));
    let mut marker: Option<String> = None;
    let mut pages = 0usize;
    loop {
        let result = client
            .get_account_authorization_details()
            .set_marker(marker.clone())
            .send()
            .await;
        let page = match result {
            Ok(p) => p,
            Err(e) => {
                out.problems
                    .push(Problem::from_sdk("iam:GetAccountAuthorizationDetails", &e));
                // Earlier pages are incomplete without the rest: keep none.
                return;
            }
        };
        pages += 1;
        merge_page(&mut doc, &page);
        match (page.is_truncated(), page.marker()) {
            (true, Some(m)) if Some(m) != marker.as_deref() => marker = Some(m.to_owned()),
            (true, _) => {
                out.problems.push(Problem::new(
                    "iam:GetAccountAuthorizationDetails",
                    "a truncated page without a new marker; the later pages are missing",
                ));
                return;
            }
            (false, _) => break,
        }
    }
    out.authorization_pages = pages;
    out.authorization_details = Some(Value::Object(doc));
}

/// GenerateCredentialReport until COMPLETE, then GetCredentialReport.
pub(crate) async fn credential_report(client: &Client, poll: Duration, out: &mut Collection) {
    let mut polls = 0;
    loop {
        match client.generate_credential_report().send().await {
            Ok(r) if r.state() == Some(&ReportStateType::Complete) => break,
            Ok(_) => {}
            Err(e) => {
                out.problems
                    .push(Problem::from_sdk("iam:GenerateCredentialReport", &e));
                return;
            }
        }
        polls += 1;
        if polls >= MAX_POLLS {
            out.problems.push(Problem::new(
                "iam:GenerateCredentialReport",
                format!("the report was not ready after {polls} polls"),
            ));
            return;
        }
        tokio::time::sleep(poll).await;
    }
    match client.get_credential_report().send().await {
        Ok(r) => match r.content() {
            Some(blob) => out.credential_report = Some(blob.as_ref().to_vec()),
            None => out.problems.push(Problem::new(
                "iam:GetCredentialReport",
                "the response has no content",
            )),
        },
        Err(e) => out
            .problems
            .push(Problem::from_sdk("iam:GetCredentialReport", &e)),
    }
}

/// Account summary, password policy, and every user's access keys with their last use.
pub(crate) async fn account_settings(client: &Client, out: &mut Collection) {
    match client.get_account_summary().send().await {
        Ok(s) => {
            out.account_summary = s.summary_map().map(|m| {
                m.iter()
                    .map(|(k, v)| (k.as_str().to_owned(), i64::from(*v)))
                    .collect::<BTreeMap<_, _>>()
            });
        }
        Err(e) => out
            .problems
            .push(Problem::from_sdk("iam:GetAccountSummary", &e)),
    }
    match client.get_account_password_policy().send().await {
        Ok(p) => {
            out.password_policy = p.password_policy().map(|p| {
                json!({
                    "MinimumPasswordLength": p.minimum_password_length(),
                    "RequireSymbols": p.require_symbols(),
                    "RequireNumbers": p.require_numbers(),
                    "RequireUppercaseCharacters": p.require_uppercase_characters(),
                    "RequireLowercaseCharacters": p.require_lowercase_characters(),
                    "AllowUsersToChangePassword": p.allow_users_to_change_password(),
                    "ExpirePasswords": p.expire_passwords(),
                    "MaxPasswordAge": p.max_password_age(),
                    "PasswordReusePrevention": p.password_reuse_prevention(),
                    "HardExpiry": p.hard_expiry(),
                })
            });
        }
        Err(e) => {
            if e.as_service_error()
                .is_some_and(aws_sdk_iam::operation::get_account_password_policy::GetAccountPasswordPolicyError::is_no_such_entity_exception)
            {
                // No policy set: AWS's defaults apply.
                out.password_policy = Some(Value::Null);
            } else {
                out.problems
                    .push(Problem::from_sdk("iam:GetAccountPasswordPolicy", &e));
            }
        }
    }
    let users: Vec<String> = match &out.authorization_details {
        Some(d) => d
            .get("UserDetailList")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|u| u.get("UserName").and_then(Value::as_str))
                    .map(ToOwned::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
        None => list_users(client, out).await,
    };
    for user in users {
        let mut marker: Option<String> = None;
        loop {
            let page = match client
                .list_access_keys()
                .user_name(&user)
                .set_marker(marker.clone())
                .send()
                .await
            {
                Ok(p) => p,
                Err(e) => {
                    out.problems
                        .push(Problem::from_sdk("iam:ListAccessKeys", &e));
                    break;
                }
            };
            for key in page.access_key_metadata() {
                let Some(id) = key.access_key_id() else {
                    continue;
                };
                let mut entry = AccessKeyLastUsed {
                    user_name: user.clone(),
                    access_key_id: id.to_owned(),
                    status: key
                        .status()
                        .map(|s| s.as_str().to_owned())
                        .unwrap_or_default(),
                    create_date: key.create_date().map(time_text),
                    last_used_date: None,
                    last_used_service: None,
                    last_used_region: None,
                };
                match client
                    .get_access_key_last_used()
                    .access_key_id(id)
                    .send()
                    .await
                {
                    Ok(r) => {
                        if let Some(used) = r.access_key_last_used() {
                            entry.last_used_date = used.last_used_date().map(time_text);
                            entry.last_used_service = Some(used.service_name().to_owned());
                            entry.last_used_region = Some(used.region().to_owned());
                        }
                    }
                    Err(e) => out
                        .problems
                        .push(Problem::from_sdk("iam:GetAccessKeyLastUsed", &e)),
                }
                out.access_keys.push(entry);
            }
            match (page.is_truncated(), page.marker()) {
                (true, Some(m)) if Some(m) != marker.as_deref() => marker = Some(m.to_owned()),
                _ => break,
            }
        }
    }
}

/// User names through ListUsers (when GAAD could not be read).
async fn list_users(client: &Client, out: &mut Collection) -> Vec<String> {
    let mut names = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        match client.list_users().set_marker(marker.clone()).send().await {
            Ok(page) => {
                names.extend(page.users().iter().map(|u| u.user_name().to_owned()));
                match (page.is_truncated(), page.marker()) {
                    (true, Some(m)) if Some(m) != marker.as_deref() => {
                        marker = Some(m.to_owned());
                    }
                    _ => return names,
                }
            }
            Err(e) => {
                out.problems.push(Problem::from_sdk("iam:ListUsers", &e));
                return names;
            }
        }
    }
}

/// Users' and roles' ARNs from the merged GAAD document.
fn principals(doc: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for list in ["UserDetailList", "RoleDetailList"] {
        if let Some(a) = doc.get(list).and_then(Value::as_array) {
            out.extend(
                a.iter()
                    .filter_map(|p| p.get("Arn").and_then(Value::as_str))
                    .map(ToOwned::to_owned),
            );
        }
    }
    out
}

/// GenerateServiceLastAccessedDetails (ACTION_LEVEL) for every user and role, then
/// GetServiceLastAccessedDetails until each job completes (every Marker page).
pub(crate) async fn access_advisor(client: &Client, poll: Duration, out: &mut Collection) {
    let Some(doc) = &out.authorization_details else {
        out.problems.push(Problem::new(
            "iam:GenerateServiceLastAccessedDetails",
            "skipped: the principals are unknown without the authorization details",
        ));
        return;
    };
    let mut jobs = Vec::new();
    for arn in principals(doc) {
        match client
            .generate_service_last_accessed_details()
            .arn(&arn)
            .granularity(AccessAdvisorUsageGranularityType::ActionLevel)
            .send()
            .await
        {
            Ok(r) => match r.job_id() {
                Some(id) => jobs.push((arn, id.to_owned())),
                None => out.problems.push(Problem::new(
                    "iam:GenerateServiceLastAccessedDetails",
                    format!("no job id for `{arn}`"),
                )),
            },
            Err(e) => {
                let problem = Problem::from_sdk("iam:GenerateServiceLastAccessedDetails", &e);
                // Denied, or a server that does not implement it: the same answer is coming for
                // every principal.
                let stop = problem.is_access_denied() || problem.code.is_none();
                out.problems.push(problem);
                if stop {
                    return;
                }
            }
        }
    }
    for (arn, job) in jobs {
        let mut polls = 0;
        let mut marker: Option<String> = None;
        loop {
            let r = match client
                .get_service_last_accessed_details()
                .job_id(&job)
                .set_marker(marker.clone())
                .send()
                .await
            {
                Ok(r) => r,
                Err(e) => {
                    out.problems
                        .push(Problem::from_sdk("iam:GetServiceLastAccessedDetails", &e));
                    break;
                }
            };
            match r.job_status() {
                JobStatusType::Completed => {}
                JobStatusType::Failed => {
                    out.problems.push(Problem::new(
                        "iam:GetServiceLastAccessedDetails",
                        format!(
                            "the job for `{arn}` failed: {}",
                            r.error().map(|e| e.message()).unwrap_or("no reason given")
                        ),
                    ));
                    break;
                }
                _ => {
                    polls += 1;
                    if polls >= MAX_POLLS {
                        out.problems.push(Problem::new(
                            "iam:GetServiceLastAccessedDetails",
                            format!("the job for `{arn}` was not done after {polls} polls"),
                        ));
                        break;
                    }
                    tokio::time::sleep(poll).await;
                    continue;
                }
            }
            for s in r.services_last_accessed() {
                out.service_last_accessed.push(ServiceLastAccessed {
                    principal_arn: arn.clone(),
                    service_namespace: s.service_namespace().to_owned(),
                    service_name: s.service_name().to_owned(),
                    last_authenticated: s.last_authenticated().map(time_text),
                    last_authenticated_entity: s.last_authenticated_entity().map(ToOwned::to_owned),
                    last_authenticated_region: s.last_authenticated_region().map(ToOwned::to_owned),
                    actions: s
                        .tracked_actions_last_accessed()
                        .iter()
                        .filter_map(|a| {
                            Some(ActionLastAccessed {
                                action_name: a.action_name()?.to_owned(),
                                last_accessed_time: a.last_accessed_time().map(time_text),
                                last_accessed_entity: a
                                    .last_accessed_entity()
                                    .map(ToOwned::to_owned),
                                last_accessed_region: a
                                    .last_accessed_region()
                                    .map(ToOwned::to_owned),
                            })
                        })
                        .collect(),
                });
            }
            match (r.is_truncated(), r.marker()) {
                (true, Some(m)) if Some(m) != marker.as_deref() => marker = Some(m.to_owned()),
                _ => break,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "test code")]

    #[test]
    fn policy_documents_are_url_decoded_into_json() {
        let doc = super::decode_document(
            "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22s3%3AGetObject%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D",
        );
        assert_eq!(doc["Statement"][0]["Action"], "s3:GetObject");
        assert_eq!(
            super::decode_document("not%20json"),
            serde_json::Value::String("not json".into())
        );
    }
}

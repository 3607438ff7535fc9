//! Organizations collection (management or delegated administrator account): the account's chain
//! of parents up to the root, and the SCPs and RCPs attached at each level with their documents.

use aws_config::SdkConfig;
use aws_sdk_organizations::types::{ParentType, PolicyType};
use serde::Serialize;
use serde_json::Value;

use crate::{Collection, Problem};

/// Where the chain stops if the parents never reach a root (a malformed answer).
const MAX_DEPTH: usize = 8;

/// A policy attached to a target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetPolicy {
    /// The policy ID (`p-…`).
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its ARN.
    pub arn: Option<String>,
    /// `SERVICE_CONTROL_POLICY` or `RESOURCE_CONTROL_POLICY`.
    pub policy_type: String,
    /// AWS managed (`FullAWSAccess`).
    pub aws_managed: bool,
    /// The policy document.
    pub document: Value,
}

/// A level of the chain: the root, an OU, or the account.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrganizationTarget {
    /// `r-…`, `ou-…`, or the account ID.
    pub id: String,
    /// `ROOT`, `ORGANIZATIONAL_UNIT` or `ACCOUNT`.
    pub target_type: String,
    /// The OU's name, when read.
    pub name: Option<String>,
    /// The SCPs and RCPs attached directly to it.
    pub policies: Vec<TargetPolicy>,
}

/// The account's place in its organisation and the policies that apply to it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrganizationPolicies {
    /// `o-…`.
    pub organization_id: String,
    /// The management account.
    pub management_account_id: Option<String>,
    /// The account scanned.
    pub account_id: String,
    /// Root first, the account last.
    pub chain: Vec<OrganizationTarget>,
}

impl OrganizationPolicies {
    /// The SCP/RCP file `pare import --scps` reads: `{"levels": [{"target", "scps", "rcps"}]}`,
    /// root first down to the account, each policy with its `name`, `arn` and `document`.
    #[must_use]
    pub fn scp_file(&self) -> Value {
        let policies = |target: &OrganizationTarget, kind: &str| {
            target
                .policies
                .iter()
                .filter(|p| p.policy_type == kind)
                .map(|p| serde_json::json!({"name": p.name, "arn": p.arn, "document": p.document}))
                .collect::<Vec<_>>()
        };
        let levels: Vec<Value> = self
            .chain
            .iter()
            .map(|t| {
                serde_json::json!({
                    "target": t.id,
                    "scps": policies(t, "SERVICE_CONTROL_POLICY"),
                    "rcps": policies(t, "RESOURCE_CONTROL_POLICY"),
                })
            })
            .collect();
        serde_json::json!({ "levels": levels })
    }
}

pub(crate) async fn collect(config: &SdkConfig, account: &str, out: &mut Collection) {
    let client = aws_sdk_organizations::Client::from_conf(
        aws_sdk_organizations::config::Builder::from(config)
            .retry_partition(crate::retry_partition("organizations"))
            .build(),
    );
    let org = match client.describe_organization().send().await {
        Ok(r) => r,
        Err(e) => {
            let p = Problem::from_sdk("organizations:DescribeOrganization", &e);
            // Not in an organisation: nothing applies and nothing is missing.
            if p.code.as_deref() != Some("AWSOrganizationsNotInUseException") {
                out.problems.push(p);
            }
            return;
        }
    };
    let Some(organization) = org.organization() else {
        return;
    };
    let mut chain = vec![OrganizationTarget {
        id: account.to_owned(),
        target_type: "ACCOUNT".into(),
        name: None,
        policies: Vec::new(),
    }];
    let mut child = account.to_owned();
    for _ in 0..MAX_DEPTH {
        let parents = match client.list_parents().child_id(&child).send().await {
            Ok(r) => r,
            Err(e) => {
                out.problems
                    .push(Problem::from_sdk("organizations:ListParents", &e));
                return;
            }
        };
        let Some(parent) = parents.parents().first() else {
            break;
        };
        let id = parent.id().unwrap_or_default().to_owned();
        let kind = parent.r#type().cloned();
        let mut target = OrganizationTarget {
            id: id.clone(),
            target_type: kind
                .as_ref()
                .map_or_else(String::new, |k| k.as_str().to_owned()),
            name: None,
            policies: Vec::new(),
        };
        if kind == Some(ParentType::OrganizationalUnit) {
            match client
                .describe_organizational_unit()
                .organizational_unit_id(&id)
                .send()
                .await
            {
                Ok(r) => {
                    target.name = r
                        .organizational_unit()
                        .and_then(|o| o.name())
                        .map(ToOwned::to_owned);
                }
                Err(e) => out.problems.push(Problem::from_sdk(
                    "organizations:DescribeOrganizationalUnit",
                    &e,
                )),
            }
        }
        chain.insert(0, target);
        if kind != Some(ParentType::OrganizationalUnit) {
            break;
        }
        child = id;
    }
    for target in &mut chain {
        for policy_type in [
            PolicyType::ServiceControlPolicy,
            PolicyType::ResourceControlPolicy,
        ] {
            let mut token: Option<String> = None;
            loop {
                let page = match client
                    .list_policies_for_target()
                    .target_id(&target.id)
                    .filter(policy_type.clone())
                    .set_next_token(token.clone())
                    .send()
                    .await
                {
                    Ok(p) => p,
                    Err(e) => {
                        let p = Problem::from_sdk("organizations:ListPoliciesForTarget", &e);
                        // RCPs not enabled in the organisation: none apply.
                        if p.code.as_deref() != Some("PolicyTypeNotEnabledException") {
                            out.problems.push(Problem {
                                message: format!(
                                    "`{}` ({}): {}",
                                    target.id,
                                    policy_type.as_str(),
                                    p.message
                                ),
                                ..p
                            });
                        }
                        break;
                    }
                };
                for summary in page.policies() {
                    let Some(id) = summary.id() else { continue };
                    if target.policies.iter().any(|p| p.id == id) {
                        // A server that ignores the type filter lists a policy twice.
                        continue;
                    }
                    match client.describe_policy().policy_id(id).send().await {
                        Ok(r) => {
                            let content = r.policy().and_then(|p| p.content()).unwrap_or("{}");
                            target.policies.push(TargetPolicy {
                                id: id.to_owned(),
                                name: summary.name().unwrap_or_default().to_owned(),
                                arn: summary.arn().map(ToOwned::to_owned),
                                policy_type: summary
                                    .r#type()
                                    .unwrap_or(&policy_type)
                                    .as_str()
                                    .to_owned(),
                                aws_managed: summary.aws_managed(),
                                document: serde_json::from_str(content)
                                    .unwrap_or_else(|_| Value::String(content.to_owned())),
                            });
                        }
                        Err(e) => out
                            .problems
                            .push(Problem::from_sdk("organizations:DescribePolicy", &e)),
                    }
                }
                match page.next_token() {
                    Some(t) if Some(t) != token.as_deref() => token = Some(t.to_owned()),
                    _ => break,
                }
            }
        }
    }
    out.organization = Some(OrganizationPolicies {
        organization_id: organization.id().unwrap_or_default().to_owned(),
        management_account_id: organization.master_account_id().map(ToOwned::to_owned),
        account_id: account.to_owned(),
        chain,
    });
}

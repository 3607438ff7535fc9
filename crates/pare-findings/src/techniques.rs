//! The 65 privilege-escalation techniques of pathfinding.cloud as data, and what each one yields.
//!
//! The permissions, names and descriptions are DataDog's (Apache-2.0, `data/`); what a technique *yields*
//! (the [`Gain`]) and which service a role must trust for it are Pare's reading of each technique.

use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// The compact data file derived from pathfinding.cloud `paths.json` (see `data/README.md`).
const TECHNIQUES_JSON: &str = include_str!("../data/pathfinding-cloud-techniques.json");

/// One permission a technique needs, with pathfinding.cloud's words on which resource it must cover.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequiredPermission {
    /// The IAM action, e.g. `iam:PassRole`.
    pub permission: String,
    /// Upstream's description of the resource the permission must apply to.
    #[serde(rename = "resourceConstraints", default)]
    pub resource_constraints: String,
}

/// The upstream record, as stored in the data file.
#[derive(Debug, Clone, Deserialize)]
struct TechniqueRecord {
    id: String,
    name: String,
    category: String,
    services: Vec<String>,
    required: Vec<RequiredPermission>,
    description: String,
    recommendation: String,
}

/// What a principal ends up with after using a technique (Pare's classification).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Gain {
    /// It can grant itself any permission (attach or write a policy on itself, its group, or a policy it has):
    /// it is admin-equivalent.
    SelfAdmin,
    /// It can add itself to a group and gets the group's permissions.
    JoinGroup,
    /// It gets the credentials of another IAM user (access key or console password).
    UserCredentials,
    /// It can assume a role whose trust policy (with its own identity policy) lets it.
    AssumeRole,
    /// It rewrites a role's trust policy to name itself, then assumes the role.
    RewriteTrust,
    /// It gives another role admin (attach, write or re-version a policy) and can assume it (today, or after
    /// rewriting its trust policy when `rewrite_trust`).
    EmpowerRole {
        /// The technique also rewrites the role's trust policy.
        rewrite_trust: bool,
    },
    /// It gives another user admin and takes an access key for it.
    EmpowerUser,
    /// It passes a role to a new resource of a service that then runs with the role's permissions.
    PassRole {
        /// The service principal the role must trust, e.g. `lambda.amazonaws.com`.
        service: &'static str,
    },
    /// It changes or reaches into an existing resource of a service that runs with a role.
    ExistingServiceRole {
        /// The service principal such a role trusts.
        service: &'static str,
    },
}

/// One privilege-escalation technique.
#[derive(Debug, Clone, Serialize)]
pub struct Technique {
    /// pathfinding.cloud's id, e.g. `iam-002`.
    pub id: String,
    /// pathfinding.cloud's name, e.g. `iam:CreateAccessKey`.
    pub name: String,
    /// pathfinding.cloud's category: `self-escalation`, `principal-access`, `new-passrole`,
    /// `existing-passrole`.
    pub category: String,
    /// Services involved.
    pub services: Vec<String>,
    /// The permissions the technique needs.
    pub required: Vec<RequiredPermission>,
    /// Upstream's description.
    pub description: String,
    /// The first paragraph of upstream's recommendation.
    pub recommendation: String,
    /// What the technique yields.
    pub gain: Gain,
}

impl Technique {
    /// The required actions, e.g. `["iam:PassRole", "lambda:CreateFunction"]`.
    pub fn actions(&self) -> impl Iterator<Item = &str> + '_ {
        self.required.iter().map(|r| r.permission.as_str())
    }

    /// Whether the technique needs `action`.
    #[must_use]
    pub fn needs(&self, action: &str) -> bool {
        self.required
            .iter()
            .any(|r| r.permission.eq_ignore_ascii_case(action))
    }
}

/// The error of loading the bundled technique data.
#[derive(Debug, thiserror::Error)]
pub enum TechniqueError {
    /// The data file is not valid JSON of the expected shape.
    #[error("bundled privilege-escalation techniques: {0}")]
    Json(#[from] serde_json::Error),
    /// A technique's id has no gain classification.
    #[error("technique `{0}` has no classification of what it yields")]
    Unclassified(String),
}

/// The service principal a role must trust for the service-based techniques, by the id's prefix.
fn service_principal(id: &str) -> Option<&'static str> {
    let prefix = id.split('-').next().unwrap_or(id);
    Some(match prefix {
        "apprunner" => "tasks.apprunner.amazonaws.com",
        "bedrock" => "bedrock-agentcore.amazonaws.com",
        "cloudformation" => "cloudformation.amazonaws.com",
        "codebuild" => "codebuild.amazonaws.com",
        "datapipeline" => "datapipeline.amazonaws.com",
        "ec2" | "ec2instanceconnect" | "ssm" => "ec2.amazonaws.com",
        "ecs" => "ecs-tasks.amazonaws.com",
        "glue" => "glue.amazonaws.com",
        "lambda" => "lambda.amazonaws.com",
        "sagemaker" => "sagemaker.amazonaws.com",
        _ => return None,
    })
}

/// Pare's classification of what a technique yields.
fn classify(record: &TechniqueRecord) -> Option<Gain> {
    let needs = |a: &str| record.required.iter().any(|r| r.permission == a);
    Some(match record.id.as_str() {
        "iam-001" | "iam-005" | "iam-007" | "iam-008" | "iam-009" | "iam-010" | "iam-011" => {
            Gain::SelfAdmin
        }
        "iam-013" => Gain::JoinGroup,
        "iam-002" | "iam-003" | "iam-004" | "iam-006" => Gain::UserCredentials,
        "sts-001" => Gain::AssumeRole,
        "iam-012" => Gain::RewriteTrust,
        "iam-014" | "iam-016" | "iam-017" => Gain::EmpowerRole {
            rewrite_trust: false,
        },
        "iam-019" | "iam-020" | "iam-021" => Gain::EmpowerRole {
            rewrite_trust: true,
        },
        "iam-015" | "iam-018" => Gain::EmpowerUser,
        id => {
            let service = service_principal(id)?;
            if needs("iam:PassRole") {
                Gain::PassRole { service }
            } else {
                Gain::ExistingServiceRole { service }
            }
        }
    })
}

/// Parses the bundled techniques (all 65 must be classified).
///
/// # Errors
/// When the data file is malformed or a technique has no classification.
pub fn load() -> Result<Vec<Technique>, TechniqueError> {
    let records: Vec<TechniqueRecord> = serde_json::from_str(TECHNIQUES_JSON)?;
    records
        .into_iter()
        .map(|r| {
            let gain = classify(&r).ok_or_else(|| TechniqueError::Unclassified(r.id.clone()))?;
            Ok(Technique {
                id: r.id,
                name: r.name,
                category: r.category,
                services: r.services,
                required: r.required,
                description: r.description,
                recommendation: r.recommendation,
                gain,
            })
        })
        .collect()
}

/// The bundled techniques, parsed once.
///
/// # Errors
/// See [`load`].
pub fn bundled() -> Result<&'static [Technique], &'static TechniqueError> {
    static TECHNIQUES: OnceLock<Result<Vec<Technique>, TechniqueError>> = OnceLock::new();
    TECHNIQUES.get_or_init(load).as_ref().map(Vec::as_slice)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "test code")]
    use super::*;

    #[test]
    fn all_65_techniques_load_and_are_classified() {
        let t = bundled().unwrap();
        assert_eq!(t.len(), 65);
        let ids: std::collections::BTreeSet<_> = t.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(ids.len(), 65, "ids are unique");
        let lambda = t.iter().find(|t| t.id == "lambda-001").unwrap();
        assert_eq!(
            lambda.gain,
            Gain::PassRole {
                service: "lambda.amazonaws.com"
            }
        );
        assert!(lambda.needs("lambda:InvokeFunction"));
        let cfn5 = t.iter().find(|t| t.id == "cloudformation-005").unwrap();
        assert_eq!(
            cfn5.gain,
            Gain::ExistingServiceRole {
                service: "cloudformation.amazonaws.com"
            }
        );
        assert_eq!(
            t.iter().find(|t| t.id == "iam-008").unwrap().gain,
            Gain::SelfAdmin
        );
        // Every required permission is written as `service:Action`.
        for tech in t {
            for a in tech.actions() {
                assert!(a.contains(':'), "{}: {a}", tech.id);
            }
        }
    }
}

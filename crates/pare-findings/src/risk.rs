//! Pare's risk categories for IAM actions: privilege escalation, data exfiltration, resource exposure,
//! credentials exposure, infrastructure modification.
//!
//! The classification (ours; inputs are the catalog's access levels, policy_sentry's audit lists and the
//! pathfinding.cloud techniques):
//!
//! | category | an action is in it when |
//! |---|---|
//! | privilege escalation | it is in policy_sentry's privilege-escalation list, or a pathfinding.cloud technique needs it and its access level is Write or Permissions management |
//! | credentials exposure | it is in policy_sentry's credentials-exposure list |
//! | resource exposure | it is in policy_sentry's resource-exposure list, or it is a Permissions-management action outside IAM/STS/Organizations/Identity Center (it changes who can reach a resource) |
//! | data exfiltration | it is in [`DATA_READ_ACTIONS`]: Read actions that return the content of data stores, secrets or keys |
//! | infrastructure modification | its access level is Write and it is in no category above |
//!
//! An action can be in several categories except the last one.

use crate::techniques::Technique;
use pare_catalog::{AccessLevel, ActionId, ActionSet, Catalog};
use serde::Serialize;

const PRIVILEGE_ESCALATION: &str = include_str!("../data/policy-sentry-privilege-escalation.txt");
const CREDENTIALS_EXPOSURE: &str = include_str!("../data/policy-sentry-credentials-exposure.txt");
const RESOURCE_EXPOSURE: &str = include_str!("../data/policy-sentry-resource-exposure.txt");

/// Read actions that return the content of data stores, secrets or keys (Pare's list).
pub const DATA_READ_ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:GetObjectVersion",
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "dynamodb:GetRecords",
    "dynamodb:ExportTableToPointInTime",
    "secretsmanager:GetSecretValue",
    "secretsmanager:BatchGetSecretValue",
    "ssm:GetParameter",
    "ssm:GetParameters",
    "ssm:GetParametersByPath",
    "ssm:GetParameterHistory",
    "kms:Decrypt",
    "rds-data:ExecuteStatement",
    "rds-data:BatchExecuteStatement",
    "rds:CopyDBSnapshot",
    "rds:CopyDBClusterSnapshot",
    "redshift-data:GetStatementResult",
    "athena:GetQueryResults",
    "glacier:GetJobOutput",
    "kinesis:GetRecords",
    "firehose:DescribeDeliveryStream",
    "sqs:ReceiveMessage",
    "logs:GetLogEvents",
    "logs:FilterLogEvents",
    "logs:StartQuery",
    "codecommit:GitPull",
    "codecommit:GetBlob",
    "ecr:BatchGetImage",
    "ecr:GetDownloadUrlForLayer",
    "lambda:GetFunction",
    "ec2:GetPasswordData",
    "ec2:CreateSnapshot",
    "ebs:GetSnapshotBlock",
    "backup:StartRestoreJob",
    "elasticfilesystem:ClientMount",
    "es:ESHttpGet",
    "timestream:Select",
    "cloudsearch:search",
];

/// One risk category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RiskCategory {
    /// Can give itself or others more permissions.
    PrivilegeEscalation,
    /// Can read or create credentials.
    CredentialsExposure,
    /// Can change who may reach a resource.
    ResourceExposure,
    /// Can read the contents of data stores, secrets or keys.
    DataExfiltration,
    /// Can create, change or delete infrastructure.
    InfrastructureModification,
}

impl RiskCategory {
    /// All categories, most dangerous first.
    pub const ALL: [RiskCategory; 5] = [
        RiskCategory::PrivilegeEscalation,
        RiskCategory::CredentialsExposure,
        RiskCategory::ResourceExposure,
        RiskCategory::DataExfiltration,
        RiskCategory::InfrastructureModification,
    ];

    /// The kebab-case name, e.g. `privilege-escalation`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            RiskCategory::PrivilegeEscalation => "privilege-escalation",
            RiskCategory::CredentialsExposure => "credentials-exposure",
            RiskCategory::ResourceExposure => "resource-exposure",
            RiskCategory::DataExfiltration => "data-exfiltration",
            RiskCategory::InfrastructureModification => "infrastructure-modification",
        }
    }

    /// Words for a person.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            RiskCategory::PrivilegeEscalation => "privilege escalation",
            RiskCategory::CredentialsExposure => "credentials exposure",
            RiskCategory::ResourceExposure => "resource exposure",
            RiskCategory::DataExfiltration => "data exfiltration",
            RiskCategory::InfrastructureModification => "infrastructure modification",
        }
    }

    fn index(self) -> usize {
        match self {
            RiskCategory::PrivilegeEscalation => 0,
            RiskCategory::CredentialsExposure => 1,
            RiskCategory::ResourceExposure => 2,
            RiskCategory::DataExfiltration => 3,
            RiskCategory::InfrastructureModification => 4,
        }
    }
}

/// The actions of each category, as sets over one catalog.
#[derive(Debug, Clone)]
pub struct RiskIndex {
    sets: [ActionSet; 5],
    /// Per action (by catalog index): its most dangerous category.
    first: Vec<Option<RiskCategory>>,
    /// List entries the catalog does not know (kept for the record; the lists are older than the catalog).
    pub unknown_list_entries: Vec<String>,
}

const IDENTITY_SERVICES: &[&str] = &[
    "iam",
    "sts",
    "organizations",
    "sso",
    "identitystore",
    "sso-directory",
];

impl RiskIndex {
    /// Classifies every action of `catalog`.
    #[must_use]
    pub fn new(catalog: &Catalog, techniques: &[Technique]) -> RiskIndex {
        let mut sets: [ActionSet; 5] = std::array::from_fn(|_| ActionSet::empty(catalog));
        let mut unknown = Vec::new();
        let add_list = |set: &mut ActionSet, text: &str, unknown: &mut Vec<String>| {
            for line in text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
            {
                match catalog.action(line) {
                    Some(id) => {
                        set.insert(id);
                    }
                    None => unknown.push(line.to_owned()),
                }
            }
        };
        let [pe, ce, re, de, im] = &mut sets;
        add_list(pe, PRIVILEGE_ESCALATION, &mut unknown);
        add_list(ce, CREDENTIALS_EXPOSURE, &mut unknown);
        add_list(re, RESOURCE_EXPOSURE, &mut unknown);
        for name in DATA_READ_ACTIONS {
            match catalog.action(name) {
                Some(id) => {
                    de.insert(id);
                }
                None => unknown.push((*name).to_owned()),
            }
        }
        for t in techniques {
            for a in t.actions() {
                if let Some(id) = catalog.action(a)
                    && catalog.action_info(id).is_some_and(|i| {
                        matches!(
                            i.access_level(),
                            AccessLevel::Write | AccessLevel::PermissionsManagement
                        )
                    })
                {
                    pe.insert(id);
                }
            }
        }
        for action in catalog.actions() {
            let level = action.access_level();
            if level == AccessLevel::PermissionsManagement
                && !IDENTITY_SERVICES.contains(&action.service_prefix())
            {
                re.insert(action.id());
            }
        }
        for action in catalog.actions() {
            let id = action.id();
            if action.access_level() == AccessLevel::Write
                && !pe.contains(id)
                && !ce.contains(id)
                && !re.contains(id)
                && !de.contains(id)
            {
                im.insert(id);
            }
        }
        unknown.sort();
        unknown.dedup();
        let mut first: Vec<Option<RiskCategory>> = Vec::new();
        for a in catalog.actions() {
            let i = a.id().index();
            if first.len() <= i {
                first.resize(i + 1, None);
            }
            if let Some(slot) = first.get_mut(i) {
                *slot = RiskCategory::ALL
                    .into_iter()
                    .find(|c| sets.get(c.index()).is_some_and(|s| s.contains(a.id())));
            }
        }
        RiskIndex {
            sets,
            first,
            unknown_list_entries: unknown,
        }
    }

    /// The actions of one category.
    #[must_use]
    pub fn actions(&self, category: RiskCategory) -> &ActionSet {
        let [pe, ce, re, de, im] = &self.sets;
        match category.index() {
            0 => pe,
            1 => ce,
            2 => re,
            3 => de,
            _ => im,
        }
    }

    /// The most dangerous category of one action (the first of [`RiskIndex::categories`]).
    #[must_use]
    pub fn first_category(&self, id: ActionId) -> Option<RiskCategory> {
        self.first.get(id.index()).copied().flatten()
    }

    /// The categories of one action, most dangerous first.
    #[must_use]
    pub fn categories(&self, id: ActionId) -> Vec<RiskCategory> {
        RiskCategory::ALL
            .into_iter()
            .filter(|c| self.actions(*c).contains(id))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "test code")]
    use super::*;

    #[test]
    fn categories_of_well_known_actions() {
        let catalog = Catalog::bundled().unwrap();
        let idx = RiskIndex::new(catalog, crate::techniques::bundled().unwrap());
        let cat = |a: &str| idx.categories(catalog.action(a).unwrap());
        assert!(cat("iam:PassRole").contains(&RiskCategory::PrivilegeEscalation));
        assert!(cat("iam:CreateAccessKey").contains(&RiskCategory::PrivilegeEscalation));
        assert_eq!(cat("s3:GetObject"), vec![RiskCategory::DataExfiltration]);
        assert_eq!(
            cat("secretsmanager:GetSecretValue"),
            vec![RiskCategory::DataExfiltration]
        );
        assert!(cat("s3:PutBucketPolicy").contains(&RiskCategory::ResourceExposure));
        assert_eq!(
            cat("ec2:TerminateInstances"),
            vec![RiskCategory::InfrastructureModification]
        );
        assert!(cat("ec2:DescribeInstances").is_empty());
        assert!(cat("sts:GetCallerIdentity").is_empty());
        assert!(cat("ecr:GetAuthorizationToken").contains(&RiskCategory::CredentialsExposure));
        // Every category is non-empty and infrastructure modification overlaps no other category.
        for c in RiskCategory::ALL {
            assert!(!idx.actions(c).is_empty(), "{c:?}");
        }
        for c in &RiskCategory::ALL[..4] {
            assert!(
                !idx.actions(RiskCategory::InfrastructureModification)
                    .intersects(idx.actions(*c))
            );
        }
    }
}

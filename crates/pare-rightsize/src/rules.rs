//! What CloudTrail cannot show and what is high-risk: actions that are never logged as their own event
//! (`iam:PassRole`), data-event actions a management-only trail does not record, and the permissions whose
//! removal the reduction report calls out.

use pare_catalog::{AccessLevel, ActionId, ActionSet, Catalog};

/// Actions that pass an IAM role to a service, so they need `iam:PassRole`, which CloudTrail never logs as
/// its own event (in addition to the catalog's dependent actions).
pub const PASSES_A_ROLE: &[&str] = &[
    "batch:CreateComputeEnvironment",
    "batch:RegisterJobDefinition",
    "cloudformation:CreateStack",
    "cloudformation:CreateStackSet",
    "cloudformation:UpdateStack",
    "codebuild:CreateProject",
    "codebuild:UpdateProject",
    "datapipeline:PutPipelineDefinition",
    "ec2:AssociateIamInstanceProfile",
    "ec2:ReplaceIamInstanceProfileAssociation",
    "ec2:RequestSpotFleet",
    "ec2:RunInstances",
    "ecs:CreateService",
    "ecs:RegisterTaskDefinition",
    "ecs:RunTask",
    "ecs:StartTask",
    "elasticmapreduce:RunJobFlow",
    "events:PutTargets",
    "glue:CreateDevEndpoint",
    "glue:CreateJob",
    "glue:UpdateJob",
    "lambda:CreateFunction",
    "lambda:UpdateFunctionConfiguration",
    "sagemaker:CreateNotebookInstance",
    "sagemaker:CreateTrainingJob",
    "states:CreateStateMachine",
    "states:UpdateStateMachine",
];

/// Data-event actions: a trail without data events records none of them, so their absence proves nothing.
/// Each is kept for the resources of its service the principal was seen touching.
pub const DATA_EVENT_ACTIONS: &[&str] = &[
    "dynamodb:BatchGetItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:DeleteItem",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "dynamodb:UpdateItem",
    "lambda:InvokeFunction",
    "s3:DeleteObject",
    "s3:GetObject",
    "s3:PutObject",
];

/// Whether CloudTrail records `action` only as a data event.
pub fn is_data_event_action(action: &str) -> bool {
    DATA_EVENT_ACTIONS
        .iter()
        .any(|a| a.eq_ignore_ascii_case(action))
}

/// Actions that lead to privilege escalation, credential or data exposure beyond their access level.
const HIGH_RISK: &[&str] = &[
    "iam:PassRole",
    "iam:CreateAccessKey",
    "iam:CreateLoginProfile",
    "iam:UpdateLoginProfile",
    "sts:AssumeRole",
    "lambda:UpdateFunctionCode",
    "lambda:CreateFunction",
    "ec2:RunInstances",
    "ssm:SendCommand",
    "ssm:StartSession",
    "secretsmanager:GetSecretValue",
    "kms:Decrypt",
    "cloudformation:CreateStack",
    "glue:CreateDevEndpoint",
    "ec2-instance-connect:SendSSHPublicKey",
];

/// High-risk: every "Permissions management" action (it changes who may do what) and a short list of
/// escalation and exposure paths.
pub fn is_high_risk(catalog: &Catalog, id: ActionId) -> bool {
    let Some(info) = catalog.action_info(id) else {
        return false;
    };
    if info.access_level() == AccessLevel::PermissionsManagement {
        return true;
    }
    let name = info.full_name();
    HIGH_RISK.iter().any(|h| h.eq_ignore_ascii_case(&name))
}

/// Every high-risk action of the catalog (see [`is_high_risk`]).
pub fn high_risk_set(catalog: &Catalog) -> ActionSet {
    let mut set = ActionSet::empty(catalog);
    for a in catalog.actions() {
        if a.access_level() == AccessLevel::PermissionsManagement {
            set.insert(a.id());
        }
    }
    for name in HIGH_RISK {
        if let Some(id) = catalog.action(name) {
            set.insert(id);
        }
    }
    set
}

/// The resource a data-event action on the same service would touch, derived from a resource the
/// principal was seen using: the bucket's objects, the function, the table.
pub fn data_resource_for(action: &str, used_resource: &str) -> Option<String> {
    let service = action.split(':').next()?;
    let mut parts = used_resource.splitn(6, ':');
    let (Some("arn"), Some(partition), Some(svc), Some(region), Some(account), Some(rest)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    if !svc.eq_ignore_ascii_case(service) || rest.contains(['*', '?']) {
        return None;
    }
    match service {
        "s3" => {
            let bucket = rest.split('/').next().filter(|b| !b.is_empty())?;
            Some(format!("arn:{partition}:s3:::{bucket}/*"))
        }
        "lambda" => {
            let name = rest.strip_prefix("function:")?.split(':').next()?;
            Some(format!(
                "arn:{partition}:lambda:{region}:{account}:function:{name}"
            ))
        }
        "dynamodb" => {
            let name = rest.strip_prefix("table/")?.split('/').next()?;
            Some(format!(
                "arn:{partition}:dynamodb:{region}:{account}:table/{name}"
            ))
        }
        _ => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "test code")]
mod tests {
    use super::*;

    #[test]
    fn data_resources_follow_the_used_resource() {
        assert_eq!(
            data_resource_for("s3:GetObject", "arn:aws:s3:::bkt").as_deref(),
            Some("arn:aws:s3:::bkt/*")
        );
        assert_eq!(
            data_resource_for("s3:GetObject", "arn:aws:s3:::bkt/k/x").as_deref(),
            Some("arn:aws:s3:::bkt/*")
        );
        assert_eq!(
            data_resource_for(
                "dynamodb:GetItem",
                "arn:aws:dynamodb:eu-west-1:1:table/t/stream/x"
            )
            .as_deref(),
            Some("arn:aws:dynamodb:eu-west-1:1:table/t")
        );
        assert_eq!(data_resource_for("s3:GetObject", "*"), None);
        assert_eq!(
            data_resource_for("lambda:InvokeFunction", "arn:aws:s3:::b"),
            None
        );
    }

    #[test]
    fn every_listed_action_is_in_the_catalog() {
        let catalog = Catalog::bundled().unwrap();
        for a in PASSES_A_ROLE
            .iter()
            .chain(DATA_EVENT_ACTIONS)
            .chain(HIGH_RISK)
        {
            assert!(catalog.action(a).is_some(), "{a} is not in the catalog");
        }
        let pm = catalog.action("iam:PutUserPolicy").unwrap();
        assert!(is_high_risk(catalog, pm));
    }
}

//! The action mapping: the artifact against the catalog, and the overrides case by case.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "test code")]

use pare_catalog::Catalog;
use pare_usage::{ActionMapper, Mapping, OVERRIDES, OverrideTarget, artifact, unknown_actions};

fn names(m: &Mapping) -> Vec<String> {
    let catalog = Catalog::bundled().unwrap();
    match m {
        Mapping::Actions(ids) => ids.iter().map(|id| catalog.action_name(*id)).collect(),
        other => vec![format!("{other:?}")],
    }
}

fn map(source: &str, name: &str) -> Vec<String> {
    names(&ActionMapper::bundled().unwrap().map(source, name))
}

#[test]
fn every_action_in_the_artifact_and_the_overrides_exists_in_the_catalog() {
    let catalog = Catalog::bundled().unwrap();
    let a = artifact::decode(ActionMapper::bundled_artifact()).unwrap();
    assert!(a.operations.values().map(|o| o.len()).sum::<usize>() > 500);
    assert_eq!(unknown_actions(&a, catalog), Vec::<String>::new());
    for (source, prefix) in &a.event_sources {
        assert!(catalog.service(prefix).is_some(), "{source} → {prefix}");
    }
    for (prefix, ops) in &a.operations {
        assert!(catalog.service(prefix).is_some(), "{prefix}");
        for (op, actions) in ops {
            for a in actions {
                let id = catalog.action(a.action()).unwrap();
                // Stored by canonical name.
                assert_eq!(catalog.action_name(id), a.action(), "{prefix}:{op}");
            }
        }
    }
    // The mapper resolved every name (none dropped).
    let mapper = ActionMapper::bundled().unwrap();
    for (prefix, op, ids) in mapper.operations() {
        assert_eq!(ids.len(), a.operations[prefix][op].len(), "{prefix}:{op}");
    }
    // Overrides name catalog actions, and no override is shadowed by another.
    let mut seen = std::collections::HashSet::new();
    for (prefix, op, target) in OVERRIDES {
        assert!(
            seen.insert((prefix, op)),
            "duplicate override {prefix}:{op}"
        );
        assert!(catalog.service(prefix).is_some(), "{prefix}");
        if let OverrideTarget::Actions(list) = target {
            assert!(!list.is_empty());
            for action in *list {
                assert!(catalog.action(action).is_some(), "{prefix}:{op} → {action}");
            }
        }
    }
}

#[test]
fn the_artifact_is_deterministic_and_versioned() {
    let bytes = ActionMapper::bundled_artifact();
    let a = artifact::decode(bytes).unwrap();
    assert_eq!(a.format, artifact::FORMAT_VERSION);
    assert_eq!(artifact::encode(&a).unwrap(), bytes);
}

#[test]
fn event_sources_and_renames() {
    let m = ActionMapper::bundled().unwrap();
    for (source, prefix) in [
        ("monitoring.amazonaws.com", "cloudwatch"),
        ("email.amazonaws.com", "ses"),
        ("s3.amazonaws.com", "s3"),
        ("iam.amazonaws.com", "iam"),
        ("sts.amazonaws.com", "sts"),
        ("signin.amazonaws.com", "signin"),
        ("sso.amazonaws.com", "sso"),
        ("portal.sso.amazonaws.com", "sso"),
        ("ec2.amazonaws.com", "ec2"),
        ("api.ecr.amazonaws.com", "ecr"),
        ("ecr.amazonaws.com", "ecr"),
        ("bedrock.amazonaws.com", "bedrock"),
        ("tagging.amazonaws.com", "tag"),
        ("appstream2.amazonaws.com", "appstream"),
        ("elasticloadbalancing.amazonaws.com", "elasticloadbalancing"),
        ("states.amazonaws.com", "states"),
        ("logs.amazonaws.com", "logs"),
    ] {
        assert_eq!(m.service_prefix(source), Some(prefix), "{source}");
    }
    assert_eq!(m.service_prefix("nope.example.com"), None);
    assert_eq!(map("nope.example.com", "Foo"), ["Unmapped"]);
}

#[test]
fn overrides_case_by_case() {
    let s3 = "s3.amazonaws.com";
    // S3 operations named differently from their actions.
    assert_eq!(map(s3, "HeadObject"), ["s3:GetObject"]);
    assert_eq!(map(s3, "HeadBucket"), ["s3:ListBucket"]);
    assert_eq!(map(s3, "ListObjects"), ["s3:ListBucket"]);
    assert_eq!(map(s3, "ListObjectsV2"), ["s3:ListBucket"]);
    assert_eq!(map(s3, "ListObjectVersions"), ["s3:ListBucketVersions"]);
    assert_eq!(map(s3, "ListBuckets"), ["s3:ListAllMyBuckets"]);
    assert_eq!(map(s3, "CreateMultipartUpload"), ["s3:PutObject"]);
    assert_eq!(map(s3, "UploadPart"), ["s3:PutObject"]);
    assert_eq!(map(s3, "CompleteMultipartUpload"), ["s3:PutObject"]);
    assert_eq!(map(s3, "UploadPartCopy"), ["s3:PutObject", "s3:GetObject"]);
    assert_eq!(map(s3, "AbortMultipartUpload"), ["s3:AbortMultipartUpload"]);
    assert_eq!(map(s3, "ListParts"), ["s3:ListMultipartUploadParts"]);
    assert_eq!(
        map(s3, "ListMultipartUploads"),
        ["s3:ListBucketMultipartUploads"]
    );
    assert_eq!(map(s3, "DeleteObjects"), ["s3:DeleteObject"]);
    // Delete*Configuration → Put*Configuration.
    assert_eq!(
        map(s3, "DeleteBucketLifecycle"),
        ["s3:PutLifecycleConfiguration"]
    );
    assert_eq!(map(s3, "DeleteBucketCors"), ["s3:PutBucketCORS"]);
    assert_eq!(
        map(s3, "DeleteBucketEncryption"),
        ["s3:PutEncryptionConfiguration"]
    );
    assert_eq!(
        map(s3, "DeleteBucketReplication"),
        ["s3:PutReplicationConfiguration"]
    );
    assert_eq!(map(s3, "DeleteBucketTagging"), ["s3:PutBucketTagging"]);
    assert_eq!(
        map(s3, "DeletePublicAccessBlock"),
        ["s3:PutBucketPublicAccessBlock"]
    );
    // The names CloudTrail logs for them (not the SDK's operation names).
    assert_eq!(
        map(s3, "DeleteBucketPublicAccessBlock"),
        ["s3:PutBucketPublicAccessBlock"]
    );
    assert_eq!(
        map(s3, "DeleteBucketOwnershipControls"),
        ["s3:PutBucketOwnershipControls"]
    );
    assert_eq!(
        map(s3, "DeleteAccountPublicAccessBlock"),
        ["s3:PutAccountPublicAccessBlock"]
    );
    assert_eq!(
        map(s3, "GetAccountPublicAccessBlock"),
        ["s3:GetAccountPublicAccessBlock"]
    );
    assert_eq!(
        map(s3, "PutAccountPublicAccessBlock"),
        ["s3:PutAccountPublicAccessBlock"]
    );
    assert_eq!(
        map(s3, "DeleteBucketAnalyticsConfiguration"),
        ["s3:PutAnalyticsConfiguration"]
    );
    assert_eq!(
        map(s3, "DeleteBucketInventoryConfiguration"),
        ["s3:PutInventoryConfiguration"]
    );
    assert_eq!(
        map(s3, "DeleteBucketMetricsConfiguration"),
        ["s3:PutMetricsConfiguration"]
    );
    assert_eq!(
        map(s3, "DeleteBucketOwnershipControls"),
        ["s3:PutBucketOwnershipControls"]
    );
    assert_eq!(
        map(s3, "GetBucketEncryption"),
        ["s3:GetEncryptionConfiguration"]
    );
    assert_eq!(
        map(s3, "GetPublicAccessBlock"),
        ["s3:GetBucketPublicAccessBlock"]
    );
    assert_eq!(
        map(s3, "GetBucketLifecycle"),
        ["s3:GetLifecycleConfiguration"]
    );
    // Same-name fallbacks.
    assert_eq!(map(s3, "GetObject"), ["s3:GetObject"]);
    assert_eq!(map(s3, "PutBucketPolicy"), ["s3:PutBucketPolicy"]);
    assert_eq!(map(s3, "DeleteBucketWebsite"), ["s3:DeleteBucketWebsite"]);
    // Several actions.
    assert_eq!(map(s3, "CopyObject"), ["s3:PutObject", "s3:GetObject"]);
    assert_eq!(
        map("kms.amazonaws.com", "ReEncrypt"),
        ["kms:ReEncryptFrom", "kms:ReEncryptTo"]
    );
    // API-version suffixes.
    let lambda = "lambda.amazonaws.com";
    assert_eq!(map(lambda, "GetFunction20150331v2"), ["lambda:GetFunction"]);
    // The dataset adds iam:PassRole (for a new execution role).
    assert_eq!(
        map(lambda, "UpdateFunctionConfiguration20150331v2")[0],
        "lambda:UpdateFunctionConfiguration"
    );
    assert_eq!(
        map(lambda, "ListFunctions20150331"),
        ["lambda:ListFunctions"]
    );
    assert_eq!(
        map(lambda, "CreateFunction20150331"),
        ["lambda:CreateFunction", "iam:PassRole"]
    );
    assert_eq!(
        map(lambda, "AddPermission20150331v2"),
        ["lambda:AddPermission"]
    );
    assert_eq!(map(lambda, "Invoke"), ["lambda:InvokeFunction"]);
    assert_eq!(
        map("cloudfront.amazonaws.com", "CreateDistribution2020_05_31"),
        ["cloudfront:CreateDistribution"]
    );
    // No permission needed.
    assert_eq!(
        map("sts.amazonaws.com", "GetCallerIdentity"),
        ["NoPermissionNeeded"]
    );
    assert_eq!(map("sts.amazonaws.com", "AssumeRole"), ["sts:AssumeRole"]);
    assert_eq!(
        map("sts.amazonaws.com", "AssumeRoleWithWebIdentity"),
        ["NoPermissionNeeded"]
    );
    assert_eq!(
        map("dynamodb.amazonaws.com", "DescribeEndpoints"),
        ["NoPermissionNeeded"]
    );
    // Console and sign-in activity.
    for name in [
        "ConsoleLogin",
        "CheckMfa",
        "SwitchRole",
        "ExitRole",
        "RenewRole",
        "PasswordUpdated",
        "CredentialChallenge",
        "CredentialVerification",
        "UserAuthentication",
        "SomethingNew",
    ] {
        assert_eq!(
            map("signin.amazonaws.com", name),
            ["ConsoleActivity"],
            "{name}"
        );
    }
    assert_eq!(
        map("sso.amazonaws.com", "Authenticate"),
        ["ConsoleActivity"]
    );
    assert_eq!(
        map("portal.sso.amazonaws.com", "GetRoleCredentials"),
        ["ConsoleActivity"]
    );
    assert_eq!(
        map("sso.amazonaws.com", "CreatePermissionSet"),
        ["sso:CreatePermissionSet"]
    );
    // Renamed services.
    assert_eq!(
        map("monitoring.amazonaws.com", "GetMetricData"),
        ["cloudwatch:GetMetricData"]
    );
    assert_eq!(map("email.amazonaws.com", "SendEmail"), ["ses:SendEmail"]);
}

#[test]
fn parameter_dependent_actions() {
    let m = ActionMapper::bundled().unwrap();
    let lambda = "lambda.amazonaws.com";
    let with_role = serde_json::json!({"functionName": "f", "role": "arn:aws:iam::1:role/r"});
    let without_role = serde_json::json!({"functionName": "f", "timeout": 30});
    let name = "UpdateFunctionConfiguration20150331v2";
    assert_eq!(
        names(&m.map_call(lambda, name, Some(&with_role))),
        ["lambda:UpdateFunctionConfiguration", "iam:PassRole"]
    );
    assert_eq!(
        names(&m.map_call(lambda, name, Some(&without_role))),
        ["lambda:UpdateFunctionConfiguration"]
    );
    // Unknown parameters: kept.
    assert_eq!(
        names(&m.map_call(lambda, name, None)),
        ["lambda:UpdateFunctionConfiguration", "iam:PassRole"]
    );
    // EC2 RunInstances: iam:PassRole only with an instance profile.
    let ec2 = "ec2.amazonaws.com";
    let plain = serde_json::json!({"instanceType": "t3.micro", "instancesSet": {"items": [{"imageId": "ami-1"}]}});
    let profile =
        serde_json::json!({"iamInstanceProfile": {"name": "p"}, "instanceType": "t3.micro"});
    assert!(
        !names(&m.map_call(ec2, "RunInstances", Some(&plain))).contains(&"iam:PassRole".to_owned())
    );
    assert!(
        names(&m.map_call(ec2, "RunInstances", Some(&profile)))
            .contains(&"iam:PassRole".to_owned())
    );
    assert_eq!(
        names(&m.map_call(ec2, "RunInstances", Some(&plain)))[0],
        "ec2:RunInstances"
    );
    // Through to_usage: `requestParameters: null` means no parameters.
    let text = r#"{"eventSource": "ssm.amazonaws.com", "eventName": "SendCommand", "eventType": "AwsApiCall",
        "userIdentity": {"type": "Root", "accountId": "111122223333"},
        "requestParameters": {"documentName": "AWS-RunShellScript", "instanceIds": ["i-1"]}}"#;
    let r = pare_usage::CloudTrailRecord::from_json(text).unwrap();
    let u = pare_usage::to_usage(&r, m);
    let catalog = Catalog::bundled().unwrap();
    let got: Vec<String> = u
        .actions
        .iter()
        .map(|a| catalog.action_name(a.action))
        .collect();
    assert_eq!(got, ["ssm:SendCommand"]);
}

//! Event templates: every record of the repository's real CloudTrail fixtures (Stratus Red Team, Panther,
//! AWS documentation examples, trailscraper; each beside its licence in `tests/data/cloudtrail/`), plus
//! API calls the catalog knows for S3, EC2, IAM, KMS, Lambda, DynamoDB and STS, built in the same shape.

use std::io::Read;

use anyhow::{Context, Result};
use serde_json::{Map, Value, json};

const FIXTURES: &[(&str, &[u8])] = &[
    (
        "stratus-red-team/all_detonations.json.gz",
        include_bytes!("../../../tests/data/cloudtrail/stratus-red-team/all_detonations.json.gz"),
    ),
    (
        "panther/rule_test_events.json.gz",
        include_bytes!("../../../tests/data/cloudtrail/panther/rule_test_events.json.gz"),
    ),
    (
        "aws-docs-examples/docs_examples.json.gz",
        include_bytes!("../../../tests/data/cloudtrail/aws-docs-examples/docs_examples.json.gz"),
    ),
    (
        "trailscraper/111111111111_CloudTrail_eu-central-1_20171211T1505Z_A6kvhMoVeCsc7v8U.json.gz",
        include_bytes!(
            "../../../tests/data/cloudtrail/trailscraper/111111111111_CloudTrail_eu-central-1_20171211T1505Z_A6kvhMoVeCsc7v8U.json.gz"
        ),
    ),
];

/// Which resource parameters a synthetic call carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A real record: its own parameters, with well-known resource names varied.
    Real,
    S3Bucket,
    S3Object,
    Ec2Instance,
    Ec2None,
    IamUser,
    IamRole,
    IamPolicy,
    Kms,
    Lambda,
    Dynamo,
    Sts,
}

#[derive(Debug)]
pub struct Template {
    pub record: Map<String, Value>,
    /// The caller is replaced by a generated principal (IAM users, role sessions, root); other callers
    /// (AWS services, accounts, federated users, records without one) keep the template's.
    pub replace_caller: bool,
    pub shape: Shape,
    /// `s3:GetObject`-style action for error messages.
    pub action: String,
}

const S3: &[(&str, Shape, bool)] = &[
    ("ListBuckets", Shape::Ec2None, true),
    ("GetBucketLocation", Shape::S3Bucket, true),
    ("GetBucketPolicy", Shape::S3Bucket, true),
    ("GetBucketAcl", Shape::S3Bucket, true),
    ("GetBucketVersioning", Shape::S3Bucket, true),
    ("GetBucketEncryption", Shape::S3Bucket, true),
    ("GetBucketTagging", Shape::S3Bucket, true),
    ("GetBucketLogging", Shape::S3Bucket, true),
    ("GetBucketPublicAccessBlock", Shape::S3Bucket, true),
    ("ListObjects", Shape::S3Bucket, true),
    ("ListObjectsV2", Shape::S3Bucket, true),
    ("HeadBucket", Shape::S3Bucket, true),
    ("PutBucketPolicy", Shape::S3Bucket, false),
    ("DeleteBucketPolicy", Shape::S3Bucket, false),
    ("PutBucketVersioning", Shape::S3Bucket, false),
    ("PutBucketTagging", Shape::S3Bucket, false),
    ("CreateBucket", Shape::S3Bucket, false),
    ("DeleteBucket", Shape::S3Bucket, false),
    ("GetObject", Shape::S3Object, true),
    ("HeadObject", Shape::S3Object, true),
    ("PutObject", Shape::S3Object, false),
    ("DeleteObject", Shape::S3Object, false),
    ("CopyObject", Shape::S3Object, false),
    ("GetObjectTagging", Shape::S3Object, true),
    ("PutObjectAcl", Shape::S3Object, false),
    ("CreateMultipartUpload", Shape::S3Object, false),
    ("CompleteMultipartUpload", Shape::S3Object, false),
];

const EC2: &[(&str, Shape, bool)] = &[
    ("DescribeInstances", Shape::Ec2None, true),
    ("DescribeInstanceStatus", Shape::Ec2None, true),
    ("DescribeVolumes", Shape::Ec2None, true),
    ("DescribeSnapshots", Shape::Ec2None, true),
    ("DescribeImages", Shape::Ec2None, true),
    ("DescribeSecurityGroups", Shape::Ec2None, true),
    ("DescribeSubnets", Shape::Ec2None, true),
    ("DescribeVpcs", Shape::Ec2None, true),
    ("DescribeRegions", Shape::Ec2None, true),
    ("DescribeAvailabilityZones", Shape::Ec2None, true),
    ("DescribeNetworkInterfaces", Shape::Ec2None, true),
    ("DescribeKeyPairs", Shape::Ec2None, true),
    ("DescribeTags", Shape::Ec2None, true),
    ("DescribeAddresses", Shape::Ec2None, true),
    ("DescribeLaunchTemplates", Shape::Ec2None, true),
    ("RunInstances", Shape::Ec2Instance, false),
    ("StartInstances", Shape::Ec2Instance, false),
    ("StopInstances", Shape::Ec2Instance, false),
    ("TerminateInstances", Shape::Ec2Instance, false),
    ("RebootInstances", Shape::Ec2Instance, false),
    ("CreateTags", Shape::Ec2Instance, false),
    ("DeleteTags", Shape::Ec2Instance, false),
    ("ModifyInstanceAttribute", Shape::Ec2Instance, false),
    ("DescribeInstanceAttribute", Shape::Ec2Instance, true),
    ("GetConsoleOutput", Shape::Ec2Instance, true),
    ("CreateSnapshot", Shape::Ec2None, false),
    ("AuthorizeSecurityGroupIngress", Shape::Ec2None, false),
    ("RevokeSecurityGroupIngress", Shape::Ec2None, false),
    ("CreateSecurityGroup", Shape::Ec2None, false),
];

const IAM: &[(&str, Shape, bool)] = &[
    ("GetUser", Shape::IamUser, true),
    ("ListUsers", Shape::Ec2None, true),
    ("ListRoles", Shape::Ec2None, true),
    ("ListPolicies", Shape::Ec2None, true),
    ("GetAccountAuthorizationDetails", Shape::Ec2None, true),
    ("GetAccountSummary", Shape::Ec2None, true),
    ("GenerateCredentialReport", Shape::Ec2None, true),
    ("GetCredentialReport", Shape::Ec2None, true),
    ("ListAccessKeys", Shape::IamUser, true),
    ("ListAttachedUserPolicies", Shape::IamUser, true),
    ("ListUserPolicies", Shape::IamUser, true),
    ("ListGroupsForUser", Shape::IamUser, true),
    ("ListMFADevices", Shape::IamUser, true),
    ("GetLoginProfile", Shape::IamUser, true),
    ("CreateUser", Shape::IamUser, false),
    ("DeleteUser", Shape::IamUser, false),
    ("CreateAccessKey", Shape::IamUser, false),
    ("DeleteAccessKey", Shape::IamUser, false),
    ("UpdateAccessKey", Shape::IamUser, false),
    ("AttachUserPolicy", Shape::IamUser, false),
    ("PutUserPolicy", Shape::IamUser, false),
    ("GetRole", Shape::IamRole, true),
    ("GetRolePolicy", Shape::IamRole, true),
    ("ListAttachedRolePolicies", Shape::IamRole, true),
    ("ListRolePolicies", Shape::IamRole, true),
    ("CreateRole", Shape::IamRole, false),
    ("DeleteRole", Shape::IamRole, false),
    ("AttachRolePolicy", Shape::IamRole, false),
    ("DetachRolePolicy", Shape::IamRole, false),
    ("PutRolePolicy", Shape::IamRole, false),
    ("UpdateAssumeRolePolicy", Shape::IamRole, false),
    ("PassRole", Shape::IamRole, false),
    ("GetPolicy", Shape::IamPolicy, true),
    ("GetPolicyVersion", Shape::IamPolicy, true),
    ("ListPolicyVersions", Shape::IamPolicy, true),
    ("CreatePolicyVersion", Shape::IamPolicy, false),
];

const KMS: &[(&str, Shape, bool)] = &[
    ("Decrypt", Shape::Kms, true),
    ("Encrypt", Shape::Kms, true),
    ("GenerateDataKey", Shape::Kms, true),
    ("GenerateDataKeyWithoutPlaintext", Shape::Kms, true),
    ("DescribeKey", Shape::Kms, true),
    ("GetKeyPolicy", Shape::Kms, true),
    ("GetKeyRotationStatus", Shape::Kms, true),
    ("ListKeys", Shape::Ec2None, true),
    ("ListAliases", Shape::Ec2None, true),
    ("ListGrants", Shape::Kms, true),
    ("CreateGrant", Shape::Kms, false),
    ("ReEncrypt", Shape::Kms, true),
    ("PutKeyPolicy", Shape::Kms, false),
    ("ScheduleKeyDeletion", Shape::Kms, false),
    ("DisableKey", Shape::Kms, false),
    ("CreateKey", Shape::Ec2None, false),
];

const LAMBDA: &[(&str, Shape, bool)] = &[
    ("ListFunctions20150331", Shape::Ec2None, true),
    ("GetFunction20150331v2", Shape::Lambda, true),
    ("GetFunctionConfiguration20150331v2", Shape::Lambda, true),
    ("GetPolicy20150331v2", Shape::Lambda, true),
    ("Invoke", Shape::Lambda, false),
    ("CreateFunction20150331", Shape::Lambda, false),
    ("UpdateFunctionCode20150331v2", Shape::Lambda, false),
    (
        "UpdateFunctionConfiguration20150331v2",
        Shape::Lambda,
        false,
    ),
    ("DeleteFunction20150331", Shape::Lambda, false),
    ("AddPermission20150331v2", Shape::Lambda, false),
    ("ListEventSourceMappings20150331", Shape::Ec2None, true),
    ("ListTags20170331", Shape::Lambda, true),
];

const DYNAMO: &[(&str, Shape, bool)] = &[
    ("ListTables", Shape::Ec2None, true),
    ("DescribeTable", Shape::Dynamo, true),
    ("GetItem", Shape::Dynamo, true),
    ("PutItem", Shape::Dynamo, false),
    ("UpdateItem", Shape::Dynamo, false),
    ("DeleteItem", Shape::Dynamo, false),
    ("Query", Shape::Dynamo, true),
    ("Scan", Shape::Dynamo, true),
    ("BatchGetItem", Shape::Dynamo, true),
    ("BatchWriteItem", Shape::Dynamo, false),
    ("CreateTable", Shape::Dynamo, false),
    ("UpdateTable", Shape::Dynamo, false),
    ("DeleteTable", Shape::Dynamo, false),
    ("DescribeContinuousBackups", Shape::Dynamo, true),
    ("DescribeTimeToLive", Shape::Dynamo, true),
];

const STS: &[(&str, Shape, bool)] = &[
    ("GetCallerIdentity", Shape::Ec2None, true),
    ("AssumeRole", Shape::Sts, true),
    ("GetSessionToken", Shape::Ec2None, true),
    ("DecodeAuthorizationMessage", Shape::Ec2None, true),
];

/// The IAM prefix of an event source (`s3.amazonaws.com` → `s3`), good enough for error messages.
pub fn prefix(source: &str) -> &str {
    let p = source.split('.').next().unwrap_or(source);
    match p {
        "monitoring" => "cloudwatch",
        "email" => "ses",
        "elasticloadbalancing" => "elasticloadbalancing",
        other => other,
    }
}

/// The action name of an event name (Lambda's API-version suffixes dropped).
pub fn action_name(event: &str) -> &str {
    match event.find("2015").or_else(|| event.find("2017")) {
        Some(i) => event.get(..i).unwrap_or(event),
        None => event,
    }
}

fn synthetic(source: &str, name: &str, shape: Shape, read_only: bool) -> Template {
    let record = json!({
        "eventVersion": "1.09",
        "userIdentity": null,
        "eventTime": "",
        "eventSource": source,
        "eventName": name,
        "awsRegion": "",
        "sourceIPAddress": "",
        "userAgent": "aws-cli/2.15.30 md/awscrt#0.19.19 ua/2.0 os/linux#6.1 md/arch#x86_64 lang/python#3.11.8 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe command/",
        "requestParameters": null,
        "responseElements": null,
        "requestID": "",
        "eventID": "",
        "readOnly": read_only,
        "eventType": "AwsApiCall",
        "managementEvent": !matches!(shape, Shape::S3Object | Shape::Dynamo) || name.contains("Table"),
        "recipientAccountId": "",
        "eventCategory": if matches!(shape, Shape::S3Object) || (matches!(shape, Shape::Dynamo) && !name.contains("Table")) { "Data" } else { "Management" },
        "tlsDetails": {
            "tlsVersion": "TLSv1.3",
            "cipherSuite": "TLS_AES_128_GCM_SHA256",
            "clientProvidedHostHeader": format!("{}", source.replace(".amazonaws.com", ".us-east-1.amazonaws.com")),
        },
    });
    let record = match record {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    Template {
        record,
        replace_caller: true,
        shape,
        action: format!("{}:{}", prefix(source), action_name(name)),
    }
}

fn real(mut record: Map<String, Value>) -> Option<Template> {
    let source = record.get("eventSource")?.as_str()?.to_owned();
    let name = record.get("eventName")?.as_str()?.to_owned();
    // Real CloudTrail omits `resources` rather than writing null (trailscraper crashes on null).
    if record.get("resources").is_some_and(Value::is_null) {
        record.remove("resources");
    }
    // Panther's enrichment fields (`p_log_type`, `p_event_time`, …) are not CloudTrail's.
    record.retain(|k, _| !k.starts_with("p_"));
    // Outcomes are drawn afresh (about 5 % denied), so the templates start successful.
    record.remove("errorCode");
    record.remove("errorMessage");
    // Insights events are delivered under `CloudTrail-Insight/`, not in the log files written here.
    if record.contains_key("insightDetails") || record.contains_key("insightType") {
        return None;
    }
    // A few fixtures were trimmed to the fields a rule needed and have no caller; real management and
    // data events always have one, so they get a generated one like IAM users, sessions and root.
    let replace_caller = matches!(
        record
            .get("userIdentity")
            .map(|u| u.get("type").and_then(Value::as_str)),
        None | Some(Some("IAMUser" | "AssumedRole" | "Root"))
    );
    Some(Template {
        record,
        replace_caller,
        shape: Shape::Real,
        action: format!("{}:{}", prefix(&source), action_name(&name)),
    })
}

/// All templates; the real ones first. Returns (templates, distinct (eventSource, eventName) pairs).
pub fn load() -> Result<(Vec<Template>, usize)> {
    let mut out = Vec::new();
    for (name, gz) in FIXTURES {
        let mut text = Vec::new();
        flate2::read::GzDecoder::new(*gz)
            .read_to_end(&mut text)
            .with_context(|| format!("gunzip {name}"))?;
        let mut v: Value =
            serde_json::from_slice(&text).with_context(|| format!("parse {name}"))?;
        let records = v
            .get_mut("Records")
            .and_then(Value::as_array_mut)
            .map(std::mem::take)
            .unwrap_or_default();
        for r in records {
            if let Value::Object(m) = r
                && let Some(t) = real(m)
            {
                out.push(t);
            }
        }
    }
    for (source, calls) in [
        ("s3.amazonaws.com", S3),
        ("ec2.amazonaws.com", EC2),
        ("iam.amazonaws.com", IAM),
        ("kms.amazonaws.com", KMS),
        ("lambda.amazonaws.com", LAMBDA),
        ("dynamodb.amazonaws.com", DYNAMO),
        ("sts.amazonaws.com", STS),
    ] {
        for &(name, shape, ro) in calls {
            out.push(synthetic(source, name, shape, ro));
        }
    }
    let mut pairs: Vec<(String, String)> = out
        .iter()
        .map(|t| {
            let get = |k: &str| {
                t.record
                    .get(k)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned()
            };
            (get("eventSource"), get("eventName"))
        })
        .collect();
    pairs.sort();
    pairs.dedup();
    Ok((out, pairs.len()))
}

//! The demo account's IAM side: users, groups, roles and policies as a `get-account-authorization-details`
//! dump, the credential report and the known-accounts list.

use std::collections::BTreeMap;

use anyhow::{Context, Result, anyhow};
use serde_json::{Value, json};

use crate::{ACCOUNT, MANAGEMENT_ACCOUNT, VENDOR_ACCOUNT};

/// A user of the demo account.
pub struct User {
    pub name: &'static str,
    pub groups: &'static [&'static str],
    pub managed: &'static [&'static str],
    pub inline: &'static [(&'static str, &'static str)],
    /// Created this many days before the snapshot.
    pub age_days: i64,
    /// Console password and MFA.
    pub password: bool,
    pub mfa: bool,
    /// Last console sign-in when the trail has none (days before the snapshot).
    pub password_last_used_days: Option<i64>,
    /// Access key 1: active, rotated this many days before the snapshot, last used (days before) when the
    /// trail has no call with it.
    pub key1: Option<(i64, Option<i64>)>,
    /// Access key 2: active, rotated this many days before the snapshot, never used.
    pub key2: Option<i64>,
}

/// A role of the demo account.
pub struct Role {
    pub name: &'static str,
    pub path: &'static str,
    pub trust: Trust,
    pub managed: &'static [&'static str],
    pub inline: &'static [(&'static str, &'static str)],
    pub age_days: i64,
    pub instance_profile: bool,
}

/// Who may assume a role.
#[derive(Clone, Copy)]
pub enum Trust {
    Service(&'static str),
    Account(&'static str),
    User(&'static str),
    IdentityCenter,
}

pub const USERS: &[User] = &[
    User {
        name: "alice.nguyen",
        groups: &["Admins"],
        managed: &[],
        inline: &[],
        age_days: 1210,
        password: true,
        mfa: true,
        password_last_used_days: None,
        key1: Some((75, Some(3))),
        key2: None,
    },
    User {
        name: "bob.martin",
        groups: &["Developers"],
        managed: &[],
        inline: &[],
        age_days: 640,
        password: true,
        mfa: false,
        password_last_used_days: None,
        key1: None,
        key2: None,
    },
    User {
        name: "carol.diaz",
        groups: &["Developers"],
        managed: &[],
        inline: &[],
        age_days: 530,
        password: true,
        mfa: true,
        password_last_used_days: Some(19),
        key1: Some((40, Some(2))),
        key2: None,
    },
    User {
        name: "dave.okafor",
        groups: &["DataAnalysts"],
        managed: &[],
        inline: &[],
        age_days: 300,
        password: true,
        mfa: true,
        password_last_used_days: None,
        key1: None,
        key2: None,
    },
    User {
        name: "erin.walsh",
        groups: &["Developers"],
        managed: &[],
        inline: &[],
        age_days: 410,
        password: true,
        mfa: true,
        password_last_used_days: None,
        key1: None,
        key2: None,
    },
    User {
        name: "frank.li",
        groups: &["Admins"],
        managed: &[],
        inline: &[],
        age_days: 1480,
        password: true,
        mfa: true,
        password_last_used_days: Some(254),
        key1: Some((700, Some(251))),
        key2: None,
    },
    User {
        name: "grace.kim",
        groups: &["Auditors"],
        managed: &[],
        inline: &[],
        age_days: 220,
        password: true,
        mfa: true,
        password_last_used_days: None,
        key1: None,
        key2: None,
    },
    User {
        name: "heidi.schmidt",
        groups: &["Developers"],
        managed: &[],
        inline: &[("PolicyMaintenance", POLICY_MAINTENANCE)],
        age_days: 380,
        password: true,
        mfa: true,
        password_last_used_days: None,
        key1: None,
        key2: None,
    },
    User {
        name: "ivan.petrov",
        groups: &["Developers"],
        managed: &[],
        inline: &[],
        age_days: 330,
        password: true,
        mfa: true,
        password_last_used_days: None,
        key1: None,
        key2: Some(295),
    },
    User {
        name: "ci-deploy",
        groups: &[],
        managed: &["CIDeployLambda"],
        inline: &[],
        age_days: 600,
        password: false,
        mfa: false,
        password_last_used_days: None,
        key1: Some((183, Some(1))),
        key2: None,
    },
    User {
        name: "monitoring-bot",
        groups: &[],
        managed: &["CloudWatchReadOnlyAccess"],
        inline: &[("DescribeFleet", DESCRIBE_FLEET)],
        age_days: 450,
        password: false,
        mfa: false,
        password_last_used_days: None,
        key1: Some((320, Some(1))),
        key2: None,
    },
    User {
        name: "legacy-backup",
        groups: &[],
        managed: &["AmazonS3FullAccess"],
        inline: &[],
        age_days: 1560,
        password: false,
        mfa: false,
        password_last_used_days: None,
        key1: Some((1360, Some(212))),
        key2: None,
    },
];

pub const GROUPS: &[(&str, &[&str])] = &[
    ("Admins", &["AdministratorAccess"]),
    ("Developers", &["DeveloperAccess"]),
    (
        "DataAnalysts",
        &["AmazonAthenaFullAccess", "AmazonS3ReadOnlyAccess"],
    ),
    ("Auditors", &["SecurityAudit"]),
];

pub const SSO_ADMIN: &str = "AWSReservedSSO_AdministratorAccess_3f9a1c2b7d4e5f60";
pub const SSO_READ_ONLY: &str = "AWSReservedSSO_ReadOnly_8b2d4e6f1a3c5d7e";
pub const SSO_PATH: &str = "/aws-reserved/sso.amazonaws.com/eu-west-1/";

pub const ROLES: &[Role] = &[
    Role {
        name: SSO_ADMIN,
        path: SSO_PATH,
        trust: Trust::IdentityCenter,
        managed: &["AdministratorAccess"],
        inline: &[],
        age_days: 700,
        instance_profile: false,
    },
    Role {
        name: SSO_READ_ONLY,
        path: SSO_PATH,
        trust: Trust::IdentityCenter,
        managed: &["ViewOnlyAccess"],
        inline: &[],
        age_days: 700,
        instance_profile: false,
    },
    Role {
        name: "AWSServiceRoleForECS",
        path: "/aws-service-role/ecs.amazonaws.com/",
        trust: Trust::Service("ecs.amazonaws.com"),
        managed: &["AmazonECSServiceRolePolicy"],
        inline: &[],
        age_days: 900,
        instance_profile: false,
    },
    Role {
        name: "orders-api-lambda",
        path: "/service/",
        trust: Trust::Service("lambda.amazonaws.com"),
        managed: &["AWSLambdaBasicExecutionRole", "OrdersApiData"],
        inline: &[],
        age_days: 520,
        instance_profile: false,
    },
    Role {
        name: "etl-glue-job",
        path: "/service/",
        trust: Trust::Service("glue.amazonaws.com"),
        managed: &["AWSGlueServiceRole", "DataLakeReadWrite"],
        inline: &[],
        age_days: 310,
        instance_profile: false,
    },
    Role {
        name: "web-ec2-instance",
        path: "/",
        trust: Trust::Service("ec2.amazonaws.com"),
        managed: &["AmazonSSMManagedInstanceCore"],
        inline: &[("ReadAppConfig", READ_APP_CONFIG)],
        age_days: 800,
        instance_profile: true,
    },
    Role {
        name: "vendor-audit-access",
        path: "/",
        trust: Trust::Account(VENDOR_ACCOUNT),
        managed: &["SecurityAudit"],
        inline: &[],
        age_days: 260,
        instance_profile: false,
    },
    Role {
        name: "OrganizationAccountAccessRole",
        path: "/",
        trust: Trust::Account(MANAGEMENT_ACCOUNT),
        managed: &["AdministratorAccess"],
        inline: &[],
        age_days: 1500,
        instance_profile: false,
    },
    Role {
        name: "ops-automation-lambda",
        path: "/",
        trust: Trust::Service("lambda.amazonaws.com"),
        managed: &["AdministratorAccess"],
        inline: &[],
        age_days: 990,
        instance_profile: false,
    },
    Role {
        name: "legacy-reporting",
        path: "/",
        trust: Trust::User("legacy-backup"),
        managed: &["AmazonRedshiftReadOnlyAccess"],
        inline: &[],
        age_days: 1400,
        instance_profile: false,
    },
];

/// Customer-managed policies: name, age in days, document.
pub const CUSTOMER_POLICIES: &[(&str, i64, &str)] = &[
    ("DeveloperAccess", 640, DEVELOPER_ACCESS),
    ("CIDeployLambda", 600, CI_DEPLOY_LAMBDA),
    ("OrdersApiData", 520, ORDERS_API_DATA),
    ("DataLakeReadWrite", 310, DATA_LAKE),
];

const DEVELOPER_ACCESS: &str = r#"{"Version":"2012-10-17","Statement":[
 {"Sid":"Build","Effect":"Allow","Action":["lambda:*","logs:*","cloudwatch:*","dynamodb:*","sqs:*","sns:*","cloudformation:*","codebuild:*","s3:*","xray:*"],"Resource":"*"},
 {"Sid":"Look","Effect":"Allow","Action":["ec2:Describe*","iam:Get*","iam:List*","kms:Describe*","kms:List*"],"Resource":"*"}]}"#;

const CI_DEPLOY_LAMBDA: &str = r#"{"Version":"2012-10-17","Statement":[
 {"Sid":"Deploy","Effect":"Allow","Action":["lambda:CreateFunction","lambda:UpdateFunctionCode","lambda:UpdateFunctionConfiguration","lambda:GetFunction","lambda:PublishVersion","lambda:UpdateAlias","lambda:InvokeFunction","lambda:ListFunctions"],"Resource":"*"},
 {"Sid":"PassAnyRole","Effect":"Allow","Action":["iam:PassRole","iam:GetRole"],"Resource":"*"},
 {"Sid":"Stacks","Effect":"Allow","Action":["cloudformation:DescribeStacks","cloudformation:CreateChangeSet","cloudformation:ExecuteChangeSet","cloudformation:DescribeChangeSet"],"Resource":"*"},
 {"Sid":"Artifacts","Effect":"Allow","Action":["s3:PutObject","s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::northwind-ci-artifacts","arn:aws:s3:::northwind-ci-artifacts/*"]}]}"#;

const ORDERS_API_DATA: &str = r#"{"Version":"2012-10-17","Statement":[
 {"Effect":"Allow","Action":["dynamodb:*"],"Resource":"arn:aws:dynamodb:eu-west-1:210987654321:table/orders*"},
 {"Effect":"Allow","Action":["sqs:*","sns:Publish"],"Resource":"*"},
 {"Effect":"Allow","Action":["kms:Decrypt","kms:Encrypt","kms:GenerateDataKey"],"Resource":"*"},
 {"Effect":"Allow","Action":["secretsmanager:GetSecretValue","secretsmanager:DescribeSecret","ssm:GetParameter","ssm:GetParameters","ssm:GetParametersByPath"],"Resource":"*"}]}"#;

const DATA_LAKE: &str = r#"{"Version":"2012-10-17","Statement":[
 {"Effect":"Allow","Action":["s3:*"],"Resource":["arn:aws:s3:::northwind-data-lake","arn:aws:s3:::northwind-data-lake/*"]},
 {"Effect":"Allow","Action":["glue:*","athena:*"],"Resource":"*"}]}"#;

const POLICY_MAINTENANCE: &str = r#"{"Version":"2012-10-17","Statement":[
 {"Sid":"MaintainTeamPolicies","Effect":"Allow","Action":["iam:CreatePolicyVersion","iam:SetDefaultPolicyVersion","iam:DeletePolicyVersion","iam:GetPolicy","iam:GetPolicyVersion","iam:ListPolicies","iam:ListPolicyVersions"],"Resource":"*"}]}"#;

const DESCRIBE_FLEET: &str = r#"{"Version":"2012-10-17","Statement":[
 {"Effect":"Allow","Action":["ec2:DescribeInstances","ec2:DescribeInstanceStatus","ecs:Describe*","ecs:List*"],"Resource":"*"}]}"#;

const READ_APP_CONFIG: &str = r#"{"Version":"2012-10-17","Statement":[
 {"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket","s3:ListAllMyBuckets"],"Resource":"*"},
 {"Effect":"Allow","Action":["secretsmanager:GetSecretValue","kms:Decrypt"],"Resource":"*"}]}"#;

/// A deterministic IAM unique id (`AIDA…`, `AROA…`) from a name.
pub fn unique_id(prefix: &str, name: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in prefix.bytes().chain(name.bytes()) {
        h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    let mut rng = pare_genkit::Rng::new(h);
    let tail: String = (0..17)
        .map(|_| {
            let i = rng.below(ALPHABET.len());
            ALPHABET.get(i).map_or('X', |&b| char::from(b))
        })
        .collect();
    format!("{prefix}{tail}")
}

pub fn user_arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:user/{name}")
}

pub fn role_arn(role: &Role) -> String {
    format!("arn:aws:iam::{ACCOUNT}:role{}{}", role.path, role.name)
}

pub fn role(name: &str) -> Option<&'static Role> {
    ROLES.iter().find(|r| r.name == name)
}

fn doc(text: &str) -> Result<Value> {
    serde_json::from_str(text).with_context(|| format!("bad policy text {text}"))
}

fn trust_document(t: Trust) -> Value {
    let principal = match t {
        Trust::Service(s) => json!({"Service": s}),
        Trust::Account(a) => json!({"AWS": format!("arn:aws:iam::{a}:root")}),
        Trust::User(u) => json!({"AWS": user_arn(u)}),
        Trust::IdentityCenter => {
            return json!({"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow",
                "Principal": {"Federated": format!("arn:aws:iam::{ACCOUNT}:saml-provider/AWSSSO_5b1e2f3a4c6d7e8f_DO_NOT_DELETE")},
                "Action": ["sts:AssumeRoleWithSAML", "sts:TagSession"],
                "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}
            }]});
        }
    };
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}]})
}

/// The managed policy ARN of `name` (AWS-managed ones from `aws`, else customer-managed).
fn policy_arn(aws: &BTreeMap<String, Value>, name: &str) -> String {
    aws.get(name)
        .and_then(|p| p.get("Arn"))
        .and_then(Value::as_str)
        .map_or_else(
            || format!("arn:aws:iam::{ACCOUNT}:policy/{name}"),
            str::to_owned,
        )
}

fn attached(aws: &BTreeMap<String, Value>, names: &[&str]) -> Value {
    Value::Array(
        names
            .iter()
            .map(|n| json!({"PolicyName": n, "PolicyArn": policy_arn(aws, n)}))
            .collect(),
    )
}

fn inline(list: &[(&str, &str)]) -> Result<Value> {
    Ok(Value::Array(
        list.iter()
            .map(|(n, d)| Ok(json!({"PolicyName": n, "PolicyDocument": doc(d)?})))
            .collect::<Result<_>>()?,
    ))
}

/// The `get-account-authorization-details` dump. `aws` holds the AWS-managed policies by name (only the attached
/// ones are written, as the real call does).
pub fn authorization_details(
    aws: &BTreeMap<String, Value>,
    date: impl Fn(i64) -> String,
) -> Result<Value> {
    let mut users = Vec::new();
    for u in USERS {
        users.push(json!({
            "Path": "/",
            "UserName": u.name,
            "UserId": unique_id("AIDA", u.name),
            "Arn": user_arn(u.name),
            "CreateDate": date(u.age_days),
            "UserPolicyList": inline(u.inline)?,
            "GroupList": u.groups,
            "AttachedManagedPolicies": attached(aws, u.managed),
            "Tags": [],
        }));
    }
    let mut groups = Vec::new();
    for (name, managed) in GROUPS {
        groups.push(json!({
            "Path": "/",
            "GroupName": name,
            "GroupId": unique_id("AGPA", name),
            "Arn": format!("arn:aws:iam::{ACCOUNT}:group/{name}"),
            "CreateDate": date(1500),
            "GroupPolicyList": [],
            "AttachedManagedPolicies": attached(aws, managed),
        }));
    }
    let mut roles = Vec::new();
    for r in ROLES {
        let mut role = json!({
            "Path": r.path,
            "RoleName": r.name,
            "RoleId": unique_id("AROA", r.name),
            "Arn": role_arn(r),
            "CreateDate": date(r.age_days),
            "AssumeRolePolicyDocument": trust_document(r.trust),
            "InstanceProfileList": [],
            "RolePolicyList": inline(r.inline)?,
            "AttachedManagedPolicies": attached(aws, r.managed),
            "Tags": [],
            "RoleLastUsed": {},
        });
        if r.instance_profile {
            set(
                &mut role,
                "InstanceProfileList",
                json!([{
                    "Path": "/",
                    "InstanceProfileName": r.name,
                    "InstanceProfileId": unique_id("AIPA", r.name),
                    "Arn": format!("arn:aws:iam::{ACCOUNT}:instance-profile/{}", r.name),
                    "CreateDate": date(r.age_days),
                    "Roles": [],
                }]),
            );
        }
        roles.push(role);
    }
    let mut used: Vec<&str> = USERS
        .iter()
        .flat_map(|u| u.managed.iter())
        .chain(GROUPS.iter().flat_map(|(_, m)| m.iter()))
        .chain(ROLES.iter().flat_map(|r| r.managed.iter()))
        .copied()
        .collect();
    used.sort_unstable();
    used.dedup();
    let mut policies = Vec::new();
    for name in used {
        let count = USERS.iter().filter(|u| u.managed.contains(&name)).count()
            + GROUPS.iter().filter(|(_, m)| m.contains(&name)).count()
            + ROLES.iter().filter(|r| r.managed.contains(&name)).count();
        if let Some(p) = aws.get(name) {
            let version = p
                .get("DefaultVersionId")
                .and_then(Value::as_str)
                .unwrap_or("v1");
            policies.push(json!({
                "PolicyName": name,
                "PolicyId": unique_id("ANPA", name),
                "Arn": policy_arn(aws, name),
                "Path": p.get("Arn").and_then(Value::as_str).and_then(|a| a.strip_prefix("arn:aws:iam::aws:policy")).and_then(|a| a.rsplit_once('/')).map_or("/".to_owned(), |(path, _)| format!("{path}/")),
                "DefaultVersionId": version,
                "AttachmentCount": count,
                "PermissionsBoundaryUsageCount": 0,
                "IsAttachable": true,
                "CreateDate": p.get("CreateDate").cloned().unwrap_or(Value::Null),
                "UpdateDate": p.get("UpdateDate").cloned().unwrap_or(Value::Null),
                "PolicyVersionList": [{
                    "Document": p.get("Document").cloned().ok_or_else(|| anyhow!("AWS-managed policy `{name}` has no document"))?,
                    "VersionId": version,
                    "IsDefaultVersion": true,
                    "CreateDate": p.get("UpdateDate").cloned().unwrap_or(Value::Null),
                }],
            }));
        } else {
            let (_, age, text) = CUSTOMER_POLICIES
                .iter()
                .find(|(n, _, _)| *n == name)
                .ok_or_else(|| anyhow!("no policy `{name}`"))?;
            policies.push(json!({
                "PolicyName": name,
                "PolicyId": unique_id("ANPA", name),
                "Arn": policy_arn(aws, name),
                "Path": "/",
                "DefaultVersionId": "v3",
                "AttachmentCount": count,
                "PermissionsBoundaryUsageCount": 0,
                "IsAttachable": true,
                "CreateDate": date(*age),
                "UpdateDate": date(age / 3),
                "PolicyVersionList": [{
                    "Document": doc(text)?,
                    "VersionId": "v3",
                    "IsDefaultVersion": true,
                    "CreateDate": date(age / 3),
                }],
            }));
        }
    }
    Ok(json!({
        "UserDetailList": users,
        "GroupDetailList": groups,
        "RoleDetailList": roles,
        "Policies": policies,
        "IsTruncated": false,
    }))
}

/// What the trail says about a user, for the credential report.
#[derive(Debug, Clone, Default)]
pub struct Seen {
    /// Last console sign-in.
    pub console: Option<String>,
    /// Last call with the access key: time, region, service.
    pub key: Option<(String, String, String)>,
}

/// The credential report (CSV), consistent with the trail (`seen` per user name; `root` = the root's last
/// console sign-in).
pub fn credential_report(
    seen: &BTreeMap<String, Seen>,
    root_last_login: &str,
    date: impl Fn(i64) -> String,
) -> String {
    let mut out = String::from(
        "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated\n",
    );
    out.push_str(&format!(
        "<root_account>,arn:aws:iam::{ACCOUNT}:root,{},not_supported,{root_last_login},not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n",
        date(1600)
    ));
    for u in USERS {
        let s = seen.get(u.name).cloned().unwrap_or_default();
        let (pw_enabled, pw_used, pw_changed) = if u.password {
            let used = s
                .console
                .clone()
                .or_else(|| u.password_last_used_days.map(&date))
                .unwrap_or_else(|| "no_information".to_owned());
            ("true", used, date(u.age_days.min(150)))
        } else {
            ("false", "N/A".to_owned(), "N/A".to_owned())
        };
        let key1 = match u.key1 {
            Some((rotated, fallback)) => {
                let (when, region, service) = s.key.clone().unwrap_or_else(|| {
                    fallback.map_or(("N/A".into(), "N/A".into(), "N/A".into()), |d| {
                        (date(d), "eu-west-1".into(), "s3".into())
                    })
                });
                format!("true,{},{when},{region},{service}", date(rotated))
            }
            None => "false,N/A,N/A,N/A,N/A".to_owned(),
        };
        let key2 = match u.key2 {
            Some(rotated) => format!("true,{},N/A,N/A,N/A", date(rotated)),
            None => "false,N/A,N/A,N/A,N/A".to_owned(),
        };
        out.push_str(&format!(
            "{},{},{},{pw_enabled},{pw_used},{pw_changed},N/A,{},{key1},{key2},false,N/A,false,N/A\n",
            u.name,
            user_arn(u.name),
            date(u.age_days),
            u.mfa,
        ));
    }
    out
}

/// The accounts the organization knows (the management account; the vendor's is left unknown on purpose).
pub fn known_accounts() -> String {
    format!(
        "# accounts of the Northwind organization\n{MANAGEMENT_ACCOUNT} northwind-management\n{ACCOUNT} northwind-production\n"
    )
}

/// Sets `key` of the JSON object `value` (nothing when it is not an object).
pub fn set(value: &mut Value, key: &str, x: Value) {
    if let Some(o) = value.as_object_mut() {
        o.insert(key.to_owned(), x);
    }
}

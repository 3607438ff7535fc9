//! The demo account's 90-day CloudTrail: daily work of most identities (people on weekdays, workloads every
//! day), root sign-ins, a cross-account auditor, console sign-ins with and without MFA, and a few denied calls.

use std::collections::BTreeMap;

use chrono::Datelike;
use serde_json::{Value, json};

use crate::account::{self, Seen, set};
use crate::{ACCOUNT, DAYS, VENDOR_ACCOUNT};
use pare_genkit::Rng;

/// How an actor appears in `userIdentity`.
#[derive(Clone, Copy)]
enum Who {
    /// An IAM user; `console` when the calls come from console sessions (else the access key).
    User { console: bool },
    /// A session of a role of the account.
    Role { session: &'static str },
}

/// One call an actor makes: service (`ec2` for `ec2.amazonaws.com`), event name, weight, request parameters.
type Call = (&'static str, &'static str, u32, &'static str);

struct Actor {
    name: &'static str,
    who: Who,
    ip: &'static str,
    agent: &'static str,
    region: &'static str,
    /// People work on weekdays, workloads every day.
    weekdays_only: bool,
    /// Active one day in `every`.
    every: i64,
    /// Active days (from, to) of the 90.
    days: (i64, i64),
    calls_per_day: (usize, usize),
    calls: &'static [Call],
}

const CONSOLE: &str = "AWS Internal";
const CLI: &str =
    "aws-cli/2.17.12 md/awscrt#0.20.11 ua/2.0 os/linux#6.1.0 md/arch#x86_64 lang/python#3.11.8";
const BOTO: &str = "Boto3/1.34.131 md/Botocore#1.34.131 ua/2.0 os/linux#5.10.219 md/arch#x86_64 lang/python#3.12.3 exec-env/AWS_Lambda_python3.12 cfg/retry-mode#legacy Botocore/1.34.131";
const SDK_JS: &str =
    "aws-sdk-js/3.600.0 ua/2.1 os/linux#5.10.219 lang/js md/nodejs#20.15.0 api/dynamodb#3.600.0";
const SSM_AGENT: &str = "aws-sdk-go/1.50.12 (go1.22.3; linux; amd64) amazon-ssm-agent/3.3.418.0";
const TERRAFORM: &str = "APN/1.0 HashiCorp/1.0 Terraform/1.8.5 (+https://www.terraform.io) terraform-provider-aws/5.57.0";

const FN_PARAMS: &str = r#"{"functionName":"orders-api"}"#;
const TABLE: &str = r#"{"tableName":"orders"}"#;

const DEVELOPER_CALLS: &[Call] = &[
    ("lambda", "ListFunctions20150331", 6, ""),
    ("lambda", "GetFunction20150331v2", 5, FN_PARAMS),
    ("lambda", "UpdateFunctionCode20150331v2", 1, FN_PARAMS),
    (
        "logs",
        "FilterLogEvents",
        6,
        r#"{"logGroupName":"/aws/lambda/orders-api"}"#,
    ),
    ("logs", "DescribeLogGroups", 3, ""),
    ("cloudwatch", "GetMetricData", 4, ""),
    ("dynamodb", "DescribeTable", 3, TABLE),
    ("dynamodb", "ListTables", 2, ""),
    ("ec2", "DescribeInstances", 3, ""),
    ("s3", "ListBuckets", 2, ""),
    ("cloudformation", "DescribeStacks", 2, ""),
    (
        "sqs",
        "GetQueueAttributes",
        1,
        r#"{"queueUrl":"https://sqs.eu-west-1.amazonaws.com/210987654321/orders-events"}"#,
    ),
];

const ACTORS: &[Actor] = &[
    Actor {
        name: "alice.nguyen",
        who: Who::User { console: true },
        ip: "203.0.113.24",
        agent: CONSOLE,
        region: "eu-west-1",
        weekdays_only: true,
        every: 1,
        days: (0, DAYS),
        calls_per_day: (3, 9),
        calls: &[
            ("iam", "ListUsers", 4, ""),
            ("iam", "ListRoles", 3, ""),
            ("iam", "GetRole", 2, r#"{"roleName":"orders-api-lambda"}"#),
            ("ec2", "DescribeInstances", 4, ""),
            ("ec2", "DescribeSecurityGroups", 2, ""),
            ("s3", "ListBuckets", 3, ""),
            ("cloudtrail", "LookupEvents", 2, ""),
            ("organizations", "DescribeOrganization", 1, ""),
            ("ce", "GetCostAndUsage", 1, ""),
        ],
    },
    Actor {
        name: "bob.martin",
        who: Who::User { console: true },
        ip: "198.51.100.41",
        agent: CONSOLE,
        region: "eu-west-1",
        weekdays_only: true,
        every: 1,
        days: (0, DAYS),
        calls_per_day: (4, 10),
        calls: DEVELOPER_CALLS,
    },
    Actor {
        name: "carol.diaz",
        who: Who::User { console: false },
        ip: "198.51.100.57",
        agent: CLI,
        region: "eu-west-1",
        weekdays_only: true,
        every: 1,
        days: (0, DAYS),
        calls_per_day: (4, 10),
        calls: &[
            ("lambda", "ListFunctions20150331", 3, ""),
            ("lambda", "GetFunction20150331v2", 3, FN_PARAMS),
            ("dynamodb", "DescribeTable", 4, TABLE),
            ("dynamodb", "UpdateTimeToLive", 1, TABLE),
            ("dynamodb", "ListTables", 3, ""),
            (
                "logs",
                "FilterLogEvents",
                4,
                r#"{"logGroupName":"/aws/lambda/orders-api"}"#,
            ),
            ("sqs", "ListQueues", 2, ""),
            ("cloudformation", "DescribeStacks", 2, ""),
        ],
    },
    Actor {
        name: "dave.okafor",
        who: Who::User { console: true },
        ip: "198.51.100.63",
        agent: CONSOLE,
        region: "eu-west-1",
        weekdays_only: true,
        every: 1,
        days: (0, DAYS),
        calls_per_day: (3, 8),
        calls: &[
            (
                "athena",
                "StartQueryExecution",
                4,
                r#"{"workGroup":"primary","queryExecutionContext":{"database":"sales"}}"#,
            ),
            ("athena", "GetQueryExecution", 4, ""),
            ("athena", "GetQueryResults", 3, ""),
            ("athena", "ListWorkGroups", 1, ""),
            ("glue", "GetTables", 2, r#"{"databaseName":"sales"}"#),
            ("glue", "GetDatabases", 1, ""),
            ("s3", "ListBuckets", 1, ""),
        ],
    },
    Actor {
        name: "erin.walsh",
        who: Who::User { console: true },
        ip: "198.51.100.78",
        agent: CONSOLE,
        region: "eu-west-1",
        weekdays_only: true,
        every: 1,
        days: (0, 30),
        calls_per_day: (3, 8),
        calls: DEVELOPER_CALLS,
    },
    Actor {
        name: "grace.kim",
        who: Who::User { console: true },
        ip: "203.0.113.88",
        agent: CONSOLE,
        region: "eu-west-1",
        weekdays_only: true,
        every: 7,
        days: (0, DAYS),
        calls_per_day: (6, 12),
        calls: &[
            ("iam", "GenerateCredentialReport", 1, ""),
            ("iam", "GetCredentialReport", 1, ""),
            ("iam", "ListUsers", 2, ""),
            ("iam", "ListPolicies", 2, ""),
            ("iam", "GetAccountAuthorizationDetails", 1, ""),
            ("config", "DescribeConfigRules", 1, ""),
            ("securityhub", "GetFindings", 3, ""),
            ("guardduty", "ListDetectors", 1, ""),
            ("cloudtrail", "DescribeTrails", 1, ""),
        ],
    },
    Actor {
        name: "heidi.schmidt",
        who: Who::User { console: true },
        ip: "198.51.100.90",
        agent: CONSOLE,
        region: "eu-west-1",
        weekdays_only: true,
        every: 1,
        days: (0, DAYS),
        calls_per_day: (2, 7),
        calls: &[
            ("lambda", "ListFunctions20150331", 4, ""),
            ("lambda", "GetFunction20150331v2", 3, FN_PARAMS),
            (
                "logs",
                "FilterLogEvents",
                4,
                r#"{"logGroupName":"/aws/lambda/orders-api"}"#,
            ),
            ("iam", "ListPolicies", 2, ""),
            (
                "iam",
                "GetPolicyVersion",
                1,
                r#"{"policyArn":"arn:aws:iam::210987654321:policy/DeveloperAccess","versionId":"v3"}"#,
            ),
        ],
    },
    Actor {
        name: "ivan.petrov",
        who: Who::User { console: true },
        ip: "198.51.100.102",
        agent: CONSOLE,
        region: "eu-west-1",
        weekdays_only: true,
        every: 3,
        days: (0, DAYS),
        calls_per_day: (2, 5),
        calls: &[
            ("lambda", "ListFunctions20150331", 3, ""),
            (
                "logs",
                "FilterLogEvents",
                3,
                r#"{"logGroupName":"/aws/lambda/orders-api"}"#,
            ),
            ("cloudwatch", "GetMetricData", 2, ""),
        ],
    },
    Actor {
        name: "ci-deploy",
        who: Who::User { console: false },
        ip: "192.0.2.15",
        agent: TERRAFORM,
        region: "eu-west-1",
        weekdays_only: true,
        every: 1,
        days: (0, DAYS),
        calls_per_day: (4, 12),
        calls: &[
            ("lambda", "GetFunction20150331v2", 4, FN_PARAMS),
            ("lambda", "UpdateFunctionCode20150331v2", 3, FN_PARAMS),
            (
                "lambda",
                "UpdateFunctionConfiguration20150331v2",
                1,
                FN_PARAMS,
            ),
            ("lambda", "PublishVersion20150331", 2, FN_PARAMS),
            ("iam", "GetRole", 2, r#"{"roleName":"orders-api-lambda"}"#),
            ("cloudformation", "DescribeStacks", 3, ""),
        ],
    },
    Actor {
        name: "monitoring-bot",
        who: Who::User { console: false },
        ip: "192.0.2.40",
        agent: CLI,
        region: "eu-west-1",
        weekdays_only: false,
        every: 1,
        days: (0, DAYS),
        calls_per_day: (8, 14),
        calls: &[
            ("cloudwatch", "GetMetricData", 6, ""),
            ("cloudwatch", "DescribeAlarms", 3, ""),
            ("ec2", "DescribeInstances", 2, ""),
            ("ec2", "DescribeInstanceStatus", 1, ""),
        ],
    },
    Actor {
        name: account::SSO_ADMIN,
        who: Who::Role {
            session: "jordan.lee@northwind.example",
        },
        ip: "203.0.113.31",
        agent: CONSOLE,
        region: "eu-west-1",
        weekdays_only: true,
        every: 4,
        days: (0, DAYS),
        calls_per_day: (4, 9),
        calls: &[
            ("iam", "ListRoles", 2, ""),
            ("iam", "ListUsers", 1, ""),
            ("organizations", "DescribeOrganization", 1, ""),
            ("ec2", "DescribeVpcs", 2, ""),
            ("cloudtrail", "DescribeTrails", 1, ""),
            ("s3", "ListBuckets", 2, ""),
            ("kms", "ListKeys", 1, ""),
        ],
    },
    Actor {
        name: account::SSO_READ_ONLY,
        who: Who::Role {
            session: "sam.rivera@northwind.example",
        },
        ip: "203.0.113.47",
        agent: CONSOLE,
        region: "eu-west-1",
        weekdays_only: true,
        every: 1,
        days: (0, DAYS),
        calls_per_day: (2, 6),
        calls: &[
            ("ec2", "DescribeInstances", 3, ""),
            ("cloudwatch", "DescribeAlarms", 2, ""),
            ("s3", "ListBuckets", 1, ""),
            ("lambda", "ListFunctions20150331", 1, ""),
        ],
    },
    Actor {
        name: "AWSServiceRoleForECS",
        who: Who::Role {
            session: "ecs-service-scheduler",
        },
        ip: "ecs.amazonaws.com",
        agent: "ecs.amazonaws.com",
        region: "eu-west-1",
        weekdays_only: false,
        every: 1,
        days: (0, DAYS),
        calls_per_day: (3, 8),
        calls: &[
            ("ec2", "DescribeNetworkInterfaces", 3, ""),
            ("elasticloadbalancing", "DescribeTargetHealth", 3, ""),
            ("elasticloadbalancing", "RegisterTargets", 1, ""),
            ("ec2", "DescribeSubnets", 1, ""),
        ],
    },
    Actor {
        name: "orders-api-lambda",
        who: Who::Role {
            session: "orders-api",
        },
        ip: "54.170.12.33",
        agent: SDK_JS,
        region: "eu-west-1",
        weekdays_only: false,
        every: 1,
        days: (0, DAYS),
        calls_per_day: (14, 24),
        calls: &[
            (
                "kms",
                "Decrypt",
                6,
                r#"{"encryptionAlgorithm":"SYMMETRIC_DEFAULT"}"#,
            ),
            (
                "secretsmanager",
                "GetSecretValue",
                4,
                r#"{"secretId":"orders/db"}"#,
            ),
            (
                "ssm",
                "GetParameter",
                3,
                r#"{"name":"/orders/config","withDecryption":true}"#,
            ),
            ("dynamodb", "DescribeTable", 2, TABLE),
            (
                "logs",
                "CreateLogStream",
                2,
                r#"{"logGroupName":"/aws/lambda/orders-api"}"#,
            ),
        ],
    },
    Actor {
        name: "etl-glue-job",
        who: Who::Role {
            session: "GlueJobRunnerSession",
        },
        ip: "glue.amazonaws.com",
        agent: BOTO,
        region: "eu-west-1",
        weekdays_only: false,
        every: 1,
        days: (0, DAYS),
        calls_per_day: (6, 10),
        calls: &[
            (
                "glue",
                "GetTable",
                3,
                r#"{"databaseName":"sales","name":"orders"}"#,
            ),
            (
                "glue",
                "GetPartitions",
                3,
                r#"{"databaseName":"sales","tableName":"orders"}"#,
            ),
            (
                "glue",
                "BatchCreatePartition",
                2,
                r#"{"databaseName":"sales","tableName":"orders"}"#,
            ),
            ("s3", "ListBuckets", 1, ""),
        ],
    },
    Actor {
        name: "web-ec2-instance",
        who: Who::Role {
            session: "i-0a1b2c3d4e5f60718",
        },
        ip: "54.170.40.7",
        agent: SSM_AGENT,
        region: "eu-west-1",
        weekdays_only: false,
        every: 1,
        days: (0, DAYS),
        calls_per_day: (8, 12),
        calls: &[
            ("ssm", "UpdateInstanceInformation", 5, ""),
            (
                "secretsmanager",
                "GetSecretValue",
                2,
                r#"{"secretId":"web/tls"}"#,
            ),
            (
                "kms",
                "Decrypt",
                2,
                r#"{"encryptionAlgorithm":"SYMMETRIC_DEFAULT"}"#,
            ),
        ],
    },
    Actor {
        name: "vendor-audit-access",
        who: Who::Role {
            session: "vendor-scan",
        },
        ip: "52.94.236.248",
        agent: BOTO,
        region: "eu-west-1",
        weekdays_only: false,
        every: 7,
        days: (2, DAYS),
        calls_per_day: (8, 14),
        calls: &[
            ("iam", "ListRoles", 2, ""),
            ("iam", "GetAccountPasswordPolicy", 1, ""),
            ("s3", "ListBuckets", 1, ""),
            (
                "s3",
                "GetBucketPolicy",
                2,
                r#"{"bucketName":"northwind-data-lake"}"#,
            ),
            ("ec2", "DescribeSecurityGroups", 2, ""),
            ("cloudtrail", "DescribeTrails", 1, ""),
        ],
    },
];

/// Calls that were refused: actor, day, service, event name, error code.
const DENIED: &[(&str, i64, &str, &str, &str)] = &[
    (
        "bob.martin",
        9,
        "ec2",
        "RunInstances",
        "Client.UnauthorizedOperation",
    ),
    (
        "bob.martin",
        9,
        "ec2",
        "RunInstances",
        "Client.UnauthorizedOperation",
    ),
    (
        "dave.okafor",
        23,
        "glue",
        "CreateTable",
        "AccessDeniedException",
    ),
    (
        "dave.okafor",
        23,
        "glue",
        "CreateTable",
        "AccessDeniedException",
    ),
    (
        "dave.okafor",
        58,
        "glue",
        "DeleteTable",
        "AccessDeniedException",
    ),
    ("ci-deploy", 37, "iam", "CreateRole", "AccessDenied"),
    ("ci-deploy", 37, "iam", "CreateRole", "AccessDenied"),
    ("ivan.petrov", 66, "iam", "CreateAccessKey", "AccessDenied"),
    (
        "vendor-audit-access",
        72,
        "s3",
        "GetBucketAcl",
        "AccessDenied",
    ),
];

/// A root console sign-in: day, hour, MFA used, source IP, calls made after.
type RootSignIn = (
    i64,
    u32,
    bool,
    &'static str,
    &'static [(&'static str, &'static str)],
);

const ROOT_SIGN_INS: &[RootSignIn] = &[
    (
        11,
        9,
        true,
        "203.0.113.24",
        &[("iam", "GetAccountSummary"), ("ce", "GetCostAndUsage")],
    ),
    (
        46,
        22,
        false,
        "198.51.100.201",
        &[
            ("iam", "GetAccountSummary"),
            ("iam", "ListUsers"),
            ("iam", "ListAccessKeys"),
        ],
    ),
    (
        79,
        10,
        true,
        "203.0.113.24",
        &[("account", "GetContactInformation")],
    ),
];

/// Services whose calls CloudTrail records in `us-east-1` whatever the caller's region.
fn global(service: &str) -> bool {
    matches!(
        service,
        "iam" | "organizations" | "ce" | "signin" | "account"
    )
}

fn read_only(name: &str) -> bool {
    [
        "Describe", "Get", "List", "Lookup", "Filter", "Search", "Generate",
    ]
    .iter()
    .any(|p| name.starts_with(p))
        && name != "GetQueryResults"
}

/// One event being written: time (seconds since the epoch) and its JSON.
pub struct Event {
    pub time: i64,
    pub region: String,
    pub json: Value,
}

struct Writer<'a> {
    rng: Rng,
    events: Vec<Event>,
    seen: BTreeMap<String, Seen>,
    /// Day 0's midnight.
    start: i64,
    time_text: &'a dyn Fn(i64) -> String,
}

impl Writer<'_> {
    fn uuid(&mut self) -> String {
        let a = self.rng.next_u64();
        let b = self.rng.next_u64();
        format!(
            "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            b >> 52,
            b & 0xffff_ffff_ffff
        )
    }

    fn identity(&self, actor: &Actor, t: i64) -> Value {
        match actor.who {
            Who::User { console } => {
                let mut id = json!({
                    "type": "IAMUser",
                    "principalId": account::unique_id("AIDA", actor.name),
                    "arn": account::user_arn(actor.name),
                    "accountId": ACCOUNT,
                    "accessKeyId": account::unique_id(if console { "ASIA" } else { "AKIA" }, actor.name),
                    "userName": actor.name,
                });
                if console {
                    let mfa = account::USERS
                        .iter()
                        .find(|u| u.name == actor.name)
                        .is_some_and(|u| u.mfa);
                    set(
                        &mut id,
                        "sessionContext",
                        json!({
                            "sessionIssuer": {},
                            "webIdFederationData": {},
                            "attributes": {
                                "creationDate": (self.time_text)(t - t.rem_euclid(86_400) + 8 * 3600),
                                "mfaAuthenticated": if mfa { "true" } else { "false" },
                            },
                        }),
                    );
                }
                id
            }
            Who::Role { session } => {
                let Some(role) = account::role(actor.name) else {
                    return Value::Null;
                };
                let role_id = account::unique_id("AROA", role.name);
                let mut id = json!({
                    "type": "AssumedRole",
                    "principalId": format!("{role_id}:{session}"),
                    "arn": format!("arn:aws:sts::{ACCOUNT}:assumed-role/{}/{session}", role.name),
                    "accountId": ACCOUNT,
                    "accessKeyId": account::unique_id("ASIA", session),
                    "sessionContext": {
                        "sessionIssuer": {
                            "type": "Role",
                            "principalId": role_id,
                            "arn": account::role_arn(role),
                            "accountId": ACCOUNT,
                            "userName": role.name,
                        },
                        "webIdFederationData": {},
                        "attributes": {
                            "creationDate": (self.time_text)(t - t.rem_euclid(3600)),
                            "mfaAuthenticated": "false",
                        },
                    },
                });
                if actor.ip.ends_with(".amazonaws.com") {
                    set(&mut id, "invokedBy", json!(actor.ip));
                }
                id
            }
        }
    }

    #[allow(clippy::too_many_arguments, reason = "one event's fields")]
    fn push(
        &mut self,
        t: i64,
        identity: Value,
        ip: &str,
        agent: &str,
        region: &str,
        service: &str,
        name: &str,
        params: &str,
        error: Option<(&str, String)>,
    ) {
        let region = if global(service) { "us-east-1" } else { region };
        let source = if service == "signin" {
            "signin.amazonaws.com".to_owned()
        } else {
            format!("{service}.amazonaws.com")
        };
        let params: Value = if params.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(params).unwrap_or(Value::Null)
        };
        let mut event = json!({
            "eventVersion": "1.09",
            "userIdentity": identity,
            "eventTime": (self.time_text)(t),
            "eventSource": source,
            "eventName": name,
            "awsRegion": region,
            "sourceIPAddress": ip,
            "userAgent": agent,
        });
        if let Some((code, message)) = error {
            set(&mut event, "errorCode", json!(code));
            set(&mut event, "errorMessage", json!(message));
        }
        set(&mut event, "requestParameters", params);
        set(&mut event, "responseElements", Value::Null);
        set(&mut event, "requestID", json!(self.uuid()));
        set(&mut event, "eventID", json!(self.uuid()));
        set(&mut event, "readOnly", json!(read_only(name)));
        set(&mut event, "eventType", json!("AwsApiCall"));
        set(&mut event, "managementEvent", json!(true));
        set(&mut event, "recipientAccountId", json!(ACCOUNT));
        set(&mut event, "eventCategory", json!("Management"));
        self.events.push(Event {
            time: t,
            region: region.to_owned(),
            json: event,
        });
    }

    fn console_login(&mut self, t: i64, identity: Value, ip: &str, mfa: bool) {
        let id = self.uuid();
        self.events.push(Event {
            time: t,
            region: "us-east-1".to_owned(),
            json: json!({
                "eventVersion": "1.09",
                "userIdentity": identity,
                "eventTime": (self.time_text)(t),
                "eventSource": "signin.amazonaws.com",
                "eventName": "ConsoleLogin",
                "awsRegion": "us-east-1",
                "sourceIPAddress": ip,
                "userAgent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
                "requestParameters": null,
                "responseElements": {"ConsoleLogin": "Success"},
                "additionalEventData": {
                    "LoginTo": "https://console.aws.amazon.com/console/home?state=hashArgs%23&isauthcode=true",
                    "MobileVersion": "No",
                    "MFAUsed": if mfa { "Yes" } else { "No" },
                },
                "eventID": id,
                "readOnly": false,
                "eventType": "AwsConsoleSignIn",
                "managementEvent": true,
                "recipientAccountId": ACCOUNT,
                "eventCategory": "Management",
            }),
        });
    }

    /// A time on `day`: working hours for people, any time for workloads.
    fn time_on(&mut self, day: i64, working_hours: bool) -> i64 {
        let base = self.start + day * 86_400;
        let offset = if working_hours {
            8 * 3600 + self.rng.below(9 * 3600)
        } else {
            self.rng.below(86_400)
        };
        base + i64::try_from(offset).unwrap_or(0)
    }

    fn actor_day(&mut self, actor: &Actor, day: i64) {
        let (lo, hi) = actor.calls_per_day;
        let n = lo + self.rng.below(hi - lo + 1);
        let people = actor.weekdays_only;
        let mut times: Vec<i64> = (0..n).map(|_| self.time_on(day, people)).collect();
        times.sort_unstable();
        if let (Who::User { console: true }, Some(&first)) = (actor.who, times.first()) {
            let identity = json!({
                "type": "IAMUser",
                "principalId": account::unique_id("AIDA", actor.name),
                "arn": account::user_arn(actor.name),
                "accountId": ACCOUNT,
                "userName": actor.name,
            });
            let mfa = account::USERS
                .iter()
                .find(|u| u.name == actor.name)
                .is_some_and(|u| u.mfa);
            let login = first - 60 - i64::try_from(self.rng.below(600)).unwrap_or(0);
            self.console_login(login, identity, actor.ip, mfa);
            self.seen.entry(actor.name.to_owned()).or_default().console =
                Some((self.time_text)(login));
        }
        if let Who::Role { session } = actor.who
            && let (Some(&first), Some(role)) = (times.first(), account::role(actor.name))
            && !matches!(role.trust, account::Trust::IdentityCenter)
        {
            // The session starts with an AssumeRole: by the service for workloads, by the vendor's account.
            let (identity, ip) = match role.trust {
                account::Trust::Service(s) => (json!({"type": "AWSService", "invokedBy": s}), s),
                _ => (
                    json!({
                        "type": "AWSAccount",
                        "principalId": "AROA5VENDORSCANNER01:scanner",
                        "accountId": VENDOR_ACCOUNT,
                    }),
                    actor.ip,
                ),
            };
            let params = json!({"roleArn": account::role_arn(role), "roleSessionName": session, "durationSeconds": 3600}).to_string();
            self.push(
                first - 5,
                identity,
                ip,
                actor.agent,
                actor.region,
                "sts",
                "AssumeRole",
                &params,
                None,
            );
        }
        let total: u32 = actor.calls.iter().map(|c| c.2).sum();
        for t in times {
            let mut x = u32::try_from(self.rng.below(total as usize)).unwrap_or(0);
            let mut pick = actor.calls.first();
            for c in actor.calls {
                if x < c.2 {
                    pick = Some(c);
                    break;
                }
                x -= c.2;
            }
            let Some(&(service, name, _, params)) = pick else {
                continue;
            };
            let identity = self.identity(actor, t);
            self.push(
                t,
                identity,
                actor.ip,
                actor.agent,
                actor.region,
                service,
                name,
                params,
                None,
            );
            if let Who::User { console: false } = actor.who {
                let region = if global(service) {
                    "us-east-1"
                } else {
                    actor.region
                };
                self.seen.entry(actor.name.to_owned()).or_default().key =
                    Some(((self.time_text)(t), region.to_owned(), service.to_owned()));
            }
        }
    }
}

/// The trail's events in time order, what it says about each user's last use, and the root's last sign-in.
pub fn generate(
    seed: u64,
    start: i64,
    time_text: &dyn Fn(i64) -> String,
) -> (Vec<Event>, BTreeMap<String, Seen>, String) {
    let mut w = Writer {
        rng: Rng::new(seed),
        events: Vec::new(),
        seen: BTreeMap::new(),
        start,
        time_text,
    };
    for day in 0..DAYS {
        let weekend = chrono::DateTime::from_timestamp(start + day * 86_400, 0)
            .is_some_and(|d| d.weekday().number_from_monday() >= 6);
        for actor in ACTORS {
            let active = day >= actor.days.0
                && day < actor.days.1
                && (day - actor.days.0).rem_euclid(actor.every) == 0
                && !(actor.weekdays_only && weekend && actor.every == 1);
            if active {
                w.actor_day(actor, day);
            }
        }
    }
    for &(who, day, service, name, code) in DENIED {
        let Some(actor) = ACTORS.iter().find(|a| a.name == who) else {
            continue;
        };
        let t = w.time_on(day, true);
        let identity = w.identity(actor, t);
        let arn = identity
            .get("arn")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let message = format!(
            "User: {arn} is not authorized to perform: {service}:{name} because no identity-based policy allows the {service}:{name} action"
        );
        w.push(
            t,
            identity,
            actor.ip,
            actor.agent,
            actor.region,
            service,
            name,
            "",
            Some((code, message)),
        );
    }
    let root = json!({
        "type": "Root",
        "principalId": ACCOUNT,
        "arn": format!("arn:aws:iam::{ACCOUNT}:root"),
        "accountId": ACCOUNT,
        "accessKeyId": "",
    });
    let mut root_last = String::new();
    for &(day, hour, mfa, ip, calls) in ROOT_SIGN_INS {
        let t = w.start + day * 86_400 + i64::from(hour) * 3600 + 17 * 60;
        w.console_login(t, root.clone(), ip, mfa);
        root_last = time_text(t);
        for (i, &(service, name)) in calls.iter().enumerate() {
            let at = t + 90 * (i64::try_from(i).unwrap_or(0) + 1);
            w.push(
                at,
                root.clone(),
                ip,
                CONSOLE,
                "us-east-1",
                service,
                name,
                "",
                None,
            );
        }
    }
    w.events.sort_by_key(|e| e.time);
    (w.events, w.seen, root_last)
}

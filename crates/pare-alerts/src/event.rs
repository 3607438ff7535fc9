//! The normalized event alert policies look at, built from a CloudTrail record and its usage.

use std::collections::BTreeMap;

use pare_usage::{Actor, CloudTrailRecord, Outcome, UsageEvent};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// How a call ended, for alert filters.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum EventOutcome {
    /// Allowed and succeeded (a console sign-in whose response says `Success`).
    #[default]
    Success,
    /// Denied by authorization.
    Denied,
    /// Another error, or a console sign-in whose response says `Failure`.
    Failed,
}

/// One event as alert policies see it. Every field is plain data so that the same struct can be built
/// from a record at import time or from stored events later.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AlertEvent {
    /// `eventID` (empty when the record has none).
    pub event_id: String,
    /// The caller's unique key for the event (the event log's key, in hex); passed through to
    /// [`crate::Alert::keys`].
    pub key: String,
    /// `eventTime` as written.
    pub time: Option<String>,
    /// `eventTime` in milliseconds since the epoch, when it parses.
    pub time_ms: Option<i64>,
    /// `eventSource`.
    pub event_source: String,
    /// `eventName`.
    pub event_name: String,
    /// `eventType` (`AwsApiCall`, `AwsConsoleSignIn`, ...).
    pub event_type: Option<String>,
    /// The IAM actions the call maps to (`iam:CreateUser`).
    pub actions: Vec<String>,
    /// The actor's principal key (an ARN for IAM principals; a role session names its role).
    pub actor: String,
    /// The actor's name: user name, role name with session, `root`.
    pub actor_name: Option<String>,
    /// `userIdentity.type` as written (`Root`, `IAMUser`, `AssumedRole`, ...), or `Missing`.
    pub actor_type: String,
    /// The caller is the account's root user.
    pub root: bool,
    /// The account the event belongs to (`recipientAccountId`, else the actor's account).
    pub account: Option<String>,
    /// Whether MFA was used: `additionalEventData.MFAUsed` of a console sign-in, else the session's
    /// `mfaAuthenticated`; `None` when the record does not say.
    pub mfa_used: Option<bool>,
    /// `awsRegion`.
    pub region: Option<String>,
    /// `sourceIPAddress` as written (an IP or a service name).
    pub source_ip: Option<String>,
    /// `userAgent`.
    pub user_agent: Option<String>,
    /// `errorCode`.
    pub error_code: Option<String>,
    /// How the call ended.
    pub outcome: EventOutcome,
    /// Facts drawn from the request and response of security-relevant calls (see [`facts_of`]).
    pub facts: BTreeMap<String, String>,
}

impl AlertEvent {
    /// Builds the event from a record, the usage `pare_usage::to_usage` made of it, and the names of its
    /// actions (`iam:CreateUser`; the caller names `usage.actions` with its catalog).
    #[must_use]
    pub fn from_record(
        record: &CloudTrailRecord<'_>,
        usage: &UsageEvent,
        actions: Vec<String>,
    ) -> Self {
        let facts = facts_of(record);
        let identity = record.user_identity.as_ref();
        let actor_type = identity
            .and_then(|i| i.identity_type.as_deref())
            .filter(|t| !t.is_empty())
            .map_or_else(|| "Missing".to_owned(), str::to_owned);
        let root = matches!(usage.actor, Actor::Root { .. })
            || (actor_type == "AssumedRole"
                && identity
                    .and_then(|i| i.session_context.as_ref())
                    .and_then(|s| s.session_issuer.as_ref())
                    .and_then(|s| s.issuer_type.as_deref())
                    == Some("Root"));
        let session_mfa = identity
            .and_then(|i| i.session_context.as_ref())
            .and_then(|s| s.attributes.as_ref())
            .and_then(|a| a.mfa_authenticated);
        let mfa_used = match facts.get("mfa_used").map(String::as_str) {
            Some("Yes") => Some(true),
            Some("No") => Some(false),
            _ => session_mfa,
        };
        let mut outcome = match usage.outcome {
            Outcome::Success => EventOutcome::Success,
            Outcome::Denied { .. } => EventOutcome::Denied,
            Outcome::Failed { .. } => EventOutcome::Failed,
        };
        if facts.get("login_result").map(String::as_str) == Some("Failure") {
            outcome = EventOutcome::Failed;
        }
        let time = usage.time.clone();
        AlertEvent {
            event_id: usage.event_id.clone().unwrap_or_default(),
            key: String::new(),
            time_ms: time.as_deref().and_then(time_ms),
            time,
            event_source: usage.event_source.clone(),
            event_name: usage.event_name.clone(),
            event_type: record.event_type.as_deref().map(str::to_owned),
            actions,
            actor: usage.actor.principal_key(),
            actor_name: actor_name(&usage.actor, identity.and_then(|i| i.user_name.as_deref())),
            actor_type,
            root,
            account: usage
                .recipient_account_id
                .clone()
                .or_else(|| usage.actor.account_id().map(str::to_owned)),
            mfa_used,
            region: usage.region.clone(),
            source_ip: usage.source_ip.clone(),
            user_agent: usage.user_agent.clone(),
            error_code: record
                .error_code
                .as_deref()
                .filter(|c| !c.is_empty())
                .map(str::to_owned),
            outcome,
            facts,
        }
    }

    /// The service prefix of the event source (`iam` for `iam.amazonaws.com`).
    #[must_use]
    pub fn service(&self) -> &str {
        self.event_source
            .split_once('.')
            .map_or(self.event_source.as_str(), |(s, _)| s)
    }
}

/// Milliseconds since the epoch of an RFC 3339 time.
#[must_use]
pub(crate) fn time_ms(text: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(text.trim())
        .ok()
        .map(|t| t.timestamp_millis())
}

fn actor_name(actor: &Actor, user_name: Option<&str>) -> Option<String> {
    match actor {
        Actor::Root { .. } => Some("root".to_owned()),
        Actor::IamUser { user_name, arn, .. } => user_name
            .clone()
            .or_else(|| arn.rsplit('/').next().map(str::to_owned)),
        Actor::RoleSession {
            role_arn,
            session_name,
            ..
        } => {
            let role = role_arn.rsplit('/').next().unwrap_or(role_arn);
            Some(match session_name {
                Some(s) => format!("{role}/{s}"),
                None => role.to_owned(),
            })
        }
        Actor::FederatedUser { arn, .. } => arn.rsplit('/').next().map(str::to_owned),
        _ => user_name.map(str::to_owned),
    }
}

fn raw_value(raw: Option<&serde_json::value::RawValue>) -> Option<Value> {
    raw.and_then(|r| serde_json::from_str::<Value>(r.get()).ok())
        .filter(|v| !v.is_null())
}

fn str_at<'v>(v: Option<&'v Value>, key: &str) -> Option<&'v str> {
    v.and_then(|v| v.get(key)).and_then(Value::as_str)
}

/// A policy document from a request parameter: JSON text, possibly URL-encoded, or an object.
fn policy_document(v: Option<&Value>) -> Option<Value> {
    match v? {
        Value::String(s) => {
            let decoded;
            let text = if s.trim_start().starts_with('%') {
                decoded = percent_encoding::percent_decode_str(s)
                    .decode_utf8_lossy()
                    .into_owned();
                decoded.as_str()
            } else {
                s.as_str()
            };
            serde_json::from_str(text).ok()
        }
        v @ Value::Object(_) => Some(v.clone()),
        _ => None,
    }
}

fn as_list(v: Option<&Value>) -> Vec<&Value> {
    match v {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(v) => vec![v],
        None => Vec::new(),
    }
}

fn statements(doc: &Value) -> Vec<&Value> {
    as_list(doc.get("Statement"))
}

/// Whether a policy document allows every action on every resource.
fn grants_admin(doc: &Value) -> bool {
    statements(doc).into_iter().any(|s| {
        s.get("Effect").and_then(Value::as_str) == Some("Allow")
            && s.get("Condition").is_none()
            && as_list(s.get("Action"))
                .iter()
                .any(|a| a.as_str() == Some("*"))
            && as_list(s.get("Resource"))
                .iter()
                .any(|r| r.as_str() == Some("*"))
    })
}

/// How widely a trust policy lets principals assume the role: `any` (`*`), `external` (an AWS principal
/// of another account), `internal` (only this account, services, federation).
fn trust_scope(doc: &Value, own_account: Option<&str>) -> &'static str {
    let mut scope = "internal";
    for s in statements(doc) {
        if s.get("Effect").and_then(Value::as_str) != Some("Allow") {
            continue;
        }
        let principal = s.get("Principal");
        if principal.and_then(Value::as_str) == Some("*") {
            return "any";
        }
        for p in as_list(principal.and_then(|p| p.get("AWS"))) {
            let Some(p) = p.as_str() else { continue };
            if p == "*" {
                return "any";
            }
            let account = if p.len() == 12 && p.bytes().all(|b| b.is_ascii_digit()) {
                Some(p)
            } else {
                p.split(':').nth(4)
            };
            if account.is_some_and(|a| Some(a) != own_account) {
                scope = "external";
            }
        }
    }
    scope
}

/// The CIS-recommended minimum: length 14, all character classes, reuse prevention 24.
fn password_policy_is_weak(params: &Value) -> bool {
    let length = params.get("minimumPasswordLength").and_then(Value::as_u64);
    let reuse = params
        .get("passwordReusePrevention")
        .and_then(Value::as_u64);
    let classes = [
        "requireSymbols",
        "requireNumbers",
        "requireUppercaseCharacters",
        "requireLowercaseCharacters",
    ];
    length.is_none_or(|l| l < 14)
        || reuse.is_none_or(|r| r < 24)
        || classes
            .iter()
            .any(|c| params.get(*c).and_then(Value::as_bool) != Some(true))
}

/// The facts of a record worth storing beside the event log (which keeps neither requests nor
/// responses), as a JSON object; `None` when the record has none but `invoked_by` (which the log's
/// principal details carry for services). Only sign-in and IAM records can have any.
#[must_use]
pub fn stored_facts(record: &CloudTrailRecord<'_>) -> Option<String> {
    if !matches!(
        record.source(),
        "signin.amazonaws.com" | "iam.amazonaws.com"
    ) {
        return None;
    }
    let mut facts = facts_of(record);
    facts.remove("invoked_by");
    if facts.is_empty() {
        return None;
    }
    serde_json::to_string(&facts).ok()
}

/// The `userIdentity.type` CloudTrail writes for a `pare_usage::ActorKind` (by its `Debug` name, as the
/// event log stores it).
#[must_use]
pub fn actor_type_of_kind(kind: &str) -> &str {
    match kind {
        "IamUser" => "IAMUser",
        "RoleSession" => "AssumedRole",
        "Root" => "Root",
        "FederatedUser" => "FederatedUser",
        "AwsService" => "AWSService",
        "AwsAccount" => "AWSAccount",
        "Anonymous" => "AWSAccount",
        "WebIdentityUser" => "WebIdentityUser",
        "SamlUser" => "SAMLUser",
        "IdentityCenterUser" => "IdentityCenterUser",
        "Missing" => "Missing",
        _ => "Unknown",
    }
}

/// Facts of a security-relevant call, from its request, response and additional data:
///
/// - `login_result` — `Success`/`Failure` of `ConsoleLogin`, `CheckMfa`, `SwitchRole`, ...
/// - `mfa_used` — `Yes`/`No` of a console sign-in
/// - `invoked_by` — the AWS service that made the call for the principal
/// - `policy_arn` — the managed policy attached or detached
/// - `target_user`, `target_role`, `target_group` — the identity the call changes
/// - `policy_grants_admin` — `true` when an inline or new policy allows `*` on `*`
/// - `trust_scope` — `any`, `external` or `internal` for a new or changed trust policy
/// - `password_policy` — `weak` (below length 14, reuse 24, every character class) or `strong`;
///   `deleted` for `DeleteAccountPasswordPolicy`
#[must_use]
pub fn facts_of(record: &CloudTrailRecord<'_>) -> BTreeMap<String, String> {
    let mut facts = BTreeMap::new();
    let name = record.name();
    if let Some(by) = record
        .user_identity
        .as_ref()
        .and_then(|i| i.invoked_by.as_deref())
        .filter(|b| !b.is_empty())
    {
        facts.insert("invoked_by".to_owned(), by.to_owned());
    }
    match record.source() {
        "signin.amazonaws.com" => {
            let response = raw_value(record.response_elements);
            if let Some(result) = str_at(response.as_ref(), name) {
                facts.insert("login_result".to_owned(), result.to_owned());
            }
            let additional = raw_value(record.additional_event_data);
            if let Some(mfa) = str_at(additional.as_ref(), "MFAUsed") {
                facts.insert("mfa_used".to_owned(), mfa.to_owned());
            }
            return facts;
        }
        "iam.amazonaws.com" => {}
        _ => return facts,
    }
    let params = raw_value(record.request_parameters);
    let params = params.as_ref();
    for (param, fact) in [
        ("policyArn", "policy_arn"),
        ("userName", "target_user"),
        ("roleName", "target_role"),
        ("groupName", "target_group"),
    ] {
        if let Some(v) = str_at(params, param) {
            facts.insert(fact.to_owned(), v.to_owned());
        }
    }
    match name {
        "PutUserPolicy"
        | "PutRolePolicy"
        | "PutGroupPolicy"
        | "CreatePolicy"
        | "CreatePolicyVersion" => {
            if let Some(doc) = policy_document(params.and_then(|p| p.get("policyDocument"))) {
                facts.insert(
                    "policy_grants_admin".to_owned(),
                    grants_admin(&doc).to_string(),
                );
            }
        }
        "UpdateAssumeRolePolicy" | "CreateRole" => {
            let key = if name == "CreateRole" {
                "assumeRolePolicyDocument"
            } else {
                "policyDocument"
            };
            if let Some(doc) = policy_document(params.and_then(|p| p.get(key))) {
                let own = record.recipient_account_id.as_deref().or_else(|| {
                    record
                        .user_identity
                        .as_ref()
                        .and_then(|i| i.account_id.as_deref())
                });
                facts.insert("trust_scope".to_owned(), trust_scope(&doc, own).to_owned());
            }
        }
        "UpdateAccountPasswordPolicy" => {
            if let Some(p) = params {
                let verdict = if password_policy_is_weak(p) {
                    "weak"
                } else {
                    "strong"
                };
                facts.insert("password_policy".to_owned(), verdict.to_owned());
            }
        }
        "DeleteAccountPasswordPolicy" => {
            facts.insert("password_policy".to_owned(), "deleted".to_owned());
        }
        _ => {}
    }
    facts
}

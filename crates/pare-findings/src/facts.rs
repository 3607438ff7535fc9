//! What the rules read: one principal's identity, credentials, trust, effective permissions and usage, the
//! observation window, and the root user's credentials and CloudTrail events. The engine fills these in
//! from the account model and the CloudTrail store.

use chrono::{DateTime, Utc};
use pare_catalog::{ActionId, ActionSet, Catalog};
use pare_policy::PolicyDocument;
use serde::Serialize;

/// User or role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum IdentityKind {
    /// An IAM user.
    User,
    /// An IAM role.
    Role,
}

/// One access key's columns of the credential report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccessKeyFacts {
    /// 1 or 2.
    pub number: u8,
    /// `access_key_N_active`.
    pub active: bool,
    /// `access_key_N_last_rotated` (creation or last rotation).
    pub last_rotated: Option<DateTime<Utc>>,
    /// `access_key_N_last_used_date`.
    pub last_used: Option<DateTime<Utc>>,
}

/// A user's row of the credential report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct CredentialFacts {
    /// `password_enabled`.
    pub password_enabled: bool,
    /// `password_last_used` (None: never or no information).
    pub password_last_used: Option<DateTime<Utc>>,
    /// `password_last_changed`.
    pub password_last_changed: Option<DateTime<Utc>>,
    /// `mfa_active`.
    pub mfa_active: bool,
    /// The two access keys.
    pub access_keys: Vec<AccessKeyFacts>,
}

/// A principal's effective permissions, all its policies combined.
#[derive(Debug, Clone)]
pub struct PermissionFacts {
    /// Actions allowed on at least one resource, with or without conditions.
    pub allowed: ActionSet,
    /// Actions allowed on every resource (`*`) without conditions.
    pub on_star: ActionSet,
    /// Actions allowed only under conditions.
    pub conditional: ActionSet,
    /// Every action on every resource without conditions.
    pub full_admin: bool,
}

impl PermissionFacts {
    /// No permissions.
    #[must_use]
    pub fn none(catalog: &Catalog) -> PermissionFacts {
        PermissionFacts {
            allowed: ActionSet::empty(catalog),
            on_star: ActionSet::empty(catalog),
            conditional: ActionSet::empty(catalog),
            full_admin: false,
        }
    }
}

/// One action a principal used, from CloudTrail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionUse {
    /// The action.
    pub action: ActionId,
    /// The last time it was seen.
    pub last_seen: Option<DateTime<Utc>>,
}

/// Everything the rules know about one user or role.
#[derive(Debug, Clone)]
pub struct PrincipalFacts {
    /// Its ARN.
    pub arn: String,
    /// Its name.
    pub name: String,
    /// User or role.
    pub kind: IdentityKind,
    /// When it was created.
    pub created: Option<DateTime<Utc>>,
    /// Managed by AWS (service-linked role, `AWSReservedSSO_*`): left out of unused-identity findings.
    pub aws_managed: bool,
    /// A role's `RoleLastUsed.LastUsedDate`.
    pub role_last_used: Option<DateTime<Utc>>,
    /// A user's credential-report row.
    pub credentials: Option<CredentialFacts>,
    /// A role's trust policy.
    pub trust_policy: Option<PolicyDocument>,
    /// Effective permissions.
    pub permissions: PermissionFacts,
    /// Actions used in the observation window (CloudTrail).
    pub usage: Vec<ActionUse>,
    /// Last CloudTrail activity of any kind (including calls that need no permission).
    pub last_cloudtrail_activity: Option<DateTime<Utc>>,
}

/// The CloudTrail observation window and what CloudTrail could have seen in it.
#[derive(Debug, Clone)]
pub struct Observation {
    /// The first event time covered.
    pub start: DateTime<Utc>,
    /// The last event time covered.
    pub end: DateTime<Utc>,
    /// Actions CloudTrail records in this trail (see [`crate::observable_actions`]).
    pub observable: ActionSet,
    /// Whether the trail has data events.
    pub data_events: bool,
}

impl Observation {
    /// The window as `"<start> – <end> (N days)"`.
    #[must_use]
    pub fn describe(&self) -> String {
        let days = (self.end - self.start).num_days();
        format!(
            "{} – {} ({days} days)",
            self.start.to_rfc3339(),
            self.end.to_rfc3339()
        )
    }

    /// The window as JSON evidence.
    #[must_use]
    pub fn evidence(&self) -> serde_json::Value {
        serde_json::json!({
            "start": self.start.to_rfc3339(),
            "end": self.end.to_rfc3339(),
            "days": (self.end - self.start).num_days(),
            "data_events": self.data_events,
        })
    }
}

/// Thresholds of the credential and unused rules.
#[derive(Debug, Clone, Copy)]
pub struct Thresholds {
    /// Days without use after which a key, a password or an identity is unused (default 90).
    pub unused_days: i64,
    /// Days after which an access key should have been rotated (default 90).
    pub rotation_days: i64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            unused_days: 90,
            rotation_days: 90,
        }
    }
}

/// One root event from CloudTrail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RootEvent {
    /// `eventTime`.
    pub time: Option<DateTime<Utc>>,
    /// `eventSource`.
    pub event_source: String,
    /// `eventName`.
    pub event_name: String,
    /// `sourceIPAddress`.
    pub source_ip: Option<String>,
    /// For console sign-ins: `additionalEventData.MFAUsed == "Yes"` (None when unknown).
    pub mfa_used: Option<bool>,
    /// Succeeded (console sign-in `Success`, or no `errorCode`).
    pub success: bool,
    /// `errorCode` or the console sign-in failure.
    pub error: Option<String>,
    /// An access key id, when the call was signed with a root access key (`userIdentity.accessKeyId` on
    /// an API call, not a console session).
    pub access_key_id: Option<String>,
}

impl RootEvent {
    /// A console sign-in.
    #[must_use]
    pub fn is_console_login(&self) -> bool {
        self.event_name == "ConsoleLogin"
    }

    /// Reads a root event from a raw CloudTrail record; `None` when the record is not the root user's.
    #[must_use]
    pub fn from_record(record: &serde_json::Value) -> Option<RootEvent> {
        let identity = record.get("userIdentity")?;
        if identity.get("type")?.as_str()? != "Root" {
            return None;
        }
        let s = |v: Option<&serde_json::Value>| {
            v.and_then(serde_json::Value::as_str).map(str::to_owned)
        };
        let event_name = s(record.get("eventName")).unwrap_or_default();
        let console = record
            .get("responseElements")
            .and_then(|r| r.get("ConsoleLogin"))
            .and_then(|v| v.as_str());
        let error_code = s(record.get("errorCode"));
        let success = match console {
            Some(c) => c == "Success",
            None => error_code.is_none(),
        };
        let error = error_code
            .or_else(|| (console == Some("Failure")).then(|| "ConsoleLogin Failure".to_owned()));
        let mfa_used = record
            .get("additionalEventData")
            .and_then(|d| d.get("MFAUsed"))
            .and_then(|v| v.as_str())
            .map(|v| v.eq_ignore_ascii_case("yes"));
        let session = identity.get("sessionContext").is_some();
        let access_key_id = s(identity.get("accessKeyId")).filter(|k| {
            !k.is_empty() && !session && event_name != "ConsoleLogin" && k.starts_with("AKIA")
        });
        Some(RootEvent {
            time: record
                .get("eventTime")
                .and_then(|v| v.as_str())
                .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                .map(|t| t.with_timezone(&Utc)),
            event_source: s(record.get("eventSource")).unwrap_or_default(),
            event_name,
            source_ip: s(record.get("sourceIPAddress")),
            mfa_used,
            success,
            error,
            access_key_id,
        })
    }
}

/// The root user: its credential-report row and CloudTrail events.
#[derive(Debug, Clone, Default)]
pub struct RootFacts {
    /// `arn:aws:iam::<account>:root`.
    pub arn: String,
    /// The `<root_account>` row of the credential report, when one was imported.
    pub credentials: Option<CredentialFacts>,
    /// Its CloudTrail events.
    pub events: Vec<RootEvent>,
}

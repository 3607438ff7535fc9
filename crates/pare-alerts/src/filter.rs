//! The filter of a policy: conditions over an [`AlertEvent`] combined with `all`, `any` and `not`.
//!
//! In a file a filter node is a table; every condition written in one node must hold (AND), `any` holds
//! when one of its nodes does (OR), `not` negates a node. A condition on a value the event does not have
//! (no source IP, MFA not stated) does not hold.

use std::collections::BTreeMap;

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};

use crate::event::{AlertEvent, EventOutcome, time_ms};
use crate::pattern::{Cidr, OneOrMany, Pattern, parse_ip};

/// The facts [`crate::facts_of`] draws from events; a filter naming another fact is refused.
pub(crate) const KNOWN_FACTS: &[&str] = &[
    "login_result",
    "mfa_used",
    "invoked_by",
    "policy_arn",
    "target_user",
    "target_role",
    "target_group",
    "policy_grants_admin",
    "trust_scope",
    "password_policy",
];

/// A fact name, checked against [`KNOWN_FACTS`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub(crate) struct FactName(String);

impl<'de> Deserialize<'de> for FactName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        if KNOWN_FACTS.contains(&name.as_str()) {
            Ok(FactName(name))
        } else {
            Err(de::Error::custom(format!(
                "unknown fact `{name}`, expected one of {}",
                KNOWN_FACTS.join(", ")
            )))
        }
    }
}

/// An RFC 3339 time, checked when read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Timestamp {
    text: String,
    ms: i64,
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        let ms = time_ms(&text).ok_or_else(|| {
            de::Error::custom(format!(
                "bad time `{text}`: expected RFC 3339 such as `2024-01-31T00:00:00Z`"
            ))
        })?;
        Ok(Timestamp { text, ms })
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

/// Hours of the day in UTC, `[start, end)`; `[22, 6]` wraps past midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub(crate) struct HoursUtc([u8; 2]);

impl<'de> Deserialize<'de> for HoursUtc {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let [start, end] = <[u8; 2]>::deserialize(d)?;
        if start > 24 || end > 24 || start == end {
            return Err(de::Error::custom(format!(
                "bad hours [{start}, {end}]: two different hours from 0 to 24"
            )));
        }
        Ok(HoursUtc([start, end]))
    }
}

/// A filter node as written in a file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FilterSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    all: Option<Vec<FilterSpec>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    any: Option<Vec<FilterSpec>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    not: Option<Box<FilterSpec>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    event_name: Option<OneOrMany<Pattern>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    event_source: Option<OneOrMany<Pattern>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    event_type: Option<OneOrMany<Pattern>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    service: Option<OneOrMany<Pattern>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    action: Option<OneOrMany<Pattern>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    actor: Option<OneOrMany<Pattern>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    actor_name: Option<OneOrMany<Pattern>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    actor_type: Option<OneOrMany<Pattern>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    root: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    account: Option<OneOrMany<Pattern>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    source_ip: Option<OneOrMany<Cidr>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    region: Option<OneOrMany<Pattern>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    user_agent: Option<OneOrMany<Pattern>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error_code: Option<OneOrMany<Pattern>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    outcome: Option<OneOrMany<EventOutcome>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mfa_used: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    fact: Option<BTreeMap<FactName, OneOrMany<Pattern>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    after: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    before: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    hours_utc: Option<HoursUtc>,
}

/// A text field of an event a pattern condition looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextField {
    /// `eventName`.
    EventName,
    /// `eventSource`.
    EventSource,
    /// `eventType`.
    EventType,
    /// The service prefix of `eventSource`.
    Service,
    /// Any of the mapped IAM actions.
    Action,
    /// The actor's principal key (ARN).
    Actor,
    /// The actor's name.
    ActorName,
    /// `userIdentity.type`.
    ActorType,
    /// The account.
    Account,
    /// `awsRegion`.
    Region,
    /// `userAgent`.
    UserAgent,
    /// `errorCode`.
    ErrorCode,
}

/// A compiled filter.
#[derive(Debug, Clone)]
pub enum Filter {
    /// Every one holds (an empty list holds).
    All(Vec<Filter>),
    /// One holds.
    Any(Vec<Filter>),
    /// It does not hold.
    Not(Box<Filter>),
    /// A text field matches one of the patterns.
    Text(TextField, Vec<Pattern>),
    /// The caller is (or is not) root.
    Root(bool),
    /// The source IP is an address in one of the networks.
    SourceIp(Vec<Cidr>),
    /// The outcome is one of these.
    Outcome(Vec<EventOutcome>),
    /// MFA was (or was not) used, as the event states.
    MfaUsed(bool),
    /// A fact of the event matches one of the patterns.
    Fact(String, Vec<Pattern>),
    /// The event is at or after this time (ms since the epoch).
    After(i64),
    /// The event is before this time (ms since the epoch).
    Before(i64),
    /// The event's UTC hour is in `[start, end)` (wrapping past midnight when `start > end`).
    HoursUtc(u8, u8),
}

impl Filter {
    pub(crate) fn compile(spec: &FilterSpec) -> Filter {
        let mut parts = Vec::new();
        let text = [
            (TextField::EventName, &spec.event_name),
            (TextField::EventSource, &spec.event_source),
            (TextField::EventType, &spec.event_type),
            (TextField::Service, &spec.service),
            (TextField::Action, &spec.action),
            (TextField::Actor, &spec.actor),
            (TextField::ActorName, &spec.actor_name),
            (TextField::ActorType, &spec.actor_type),
            (TextField::Account, &spec.account),
            (TextField::Region, &spec.region),
            (TextField::UserAgent, &spec.user_agent),
            (TextField::ErrorCode, &spec.error_code),
        ];
        for (field, patterns) in text {
            if let Some(p) = patterns {
                parts.push(Filter::Text(field, p.0.clone()));
            }
        }
        if let Some(root) = spec.root {
            parts.push(Filter::Root(root));
        }
        if let Some(c) = &spec.source_ip {
            parts.push(Filter::SourceIp(c.0.clone()));
        }
        if let Some(o) = &spec.outcome {
            parts.push(Filter::Outcome(o.0.clone()));
        }
        if let Some(m) = spec.mfa_used {
            parts.push(Filter::MfaUsed(m));
        }
        for (name, patterns) in spec.fact.iter().flatten() {
            parts.push(Filter::Fact(name.0.clone(), patterns.0.clone()));
        }
        if let Some(t) = &spec.after {
            parts.push(Filter::After(t.ms));
        }
        if let Some(t) = &spec.before {
            parts.push(Filter::Before(t.ms));
        }
        if let Some(HoursUtc([s, e])) = spec.hours_utc {
            parts.push(Filter::HoursUtc(s, e));
        }
        if let Some(all) = &spec.all {
            parts.extend(all.iter().map(Filter::compile));
        }
        if let Some(any) = &spec.any {
            parts.push(Filter::Any(any.iter().map(Filter::compile).collect()));
        }
        if let Some(not) = &spec.not {
            parts.push(Filter::Not(Box::new(Filter::compile(not))));
        }
        match parts.len() {
            1 => parts.pop().unwrap_or(Filter::All(Vec::new())),
            _ => Filter::All(parts),
        }
    }

    /// Whether the event matches.
    #[must_use]
    pub fn matches(&self, e: &AlertEvent) -> bool {
        match self {
            Filter::All(fs) => fs.iter().all(|f| f.matches(e)),
            Filter::Any(fs) => fs.iter().any(|f| f.matches(e)),
            Filter::Not(f) => !f.matches(e),
            Filter::Text(field, patterns) => {
                let any =
                    |v: Option<&str>| v.is_some_and(|v| patterns.iter().any(|p| p.matches(v)));
                match field {
                    TextField::EventName => any(Some(&e.event_name)),
                    TextField::EventSource => any(Some(&e.event_source)),
                    TextField::EventType => any(e.event_type.as_deref()),
                    TextField::Service => any(Some(e.service())),
                    TextField::Action => e.actions.iter().any(|a| any(Some(a))),
                    TextField::Actor => any(Some(&e.actor)),
                    TextField::ActorName => any(e.actor_name.as_deref()),
                    TextField::ActorType => any(Some(&e.actor_type)),
                    TextField::Account => any(e.account.as_deref()),
                    TextField::Region => any(e.region.as_deref()),
                    TextField::UserAgent => any(e.user_agent.as_deref()),
                    TextField::ErrorCode => any(e.error_code.as_deref()),
                }
            }
            Filter::Root(root) => e.root == *root,
            Filter::SourceIp(cidrs) => e
                .source_ip
                .as_deref()
                .and_then(parse_ip)
                .is_some_and(|ip| cidrs.iter().any(|c| c.contains(ip))),
            Filter::Outcome(outcomes) => outcomes.contains(&e.outcome),
            Filter::MfaUsed(used) => e.mfa_used == Some(*used),
            Filter::Fact(name, patterns) => e
                .facts
                .get(name)
                .is_some_and(|v| patterns.iter().any(|p| p.matches(v))),
            Filter::After(ms) => e.time_ms.is_some_and(|t| t >= *ms),
            Filter::Before(ms) => e.time_ms.is_some_and(|t| t < *ms),
            Filter::HoursUtc(start, end) => e.time_ms.is_some_and(|t| {
                let hour = u8::try_from(t.rem_euclid(86_400_000) / 3_600_000).unwrap_or(0);
                if start < end {
                    (*start..*end).contains(&hour)
                } else {
                    hour >= *start || hour < *end
                }
            }),
        }
    }
}

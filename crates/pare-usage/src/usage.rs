//! One CloudTrail record → one [`UsageEvent`]: actor, actions with their
//! resources, time, place and outcome.

use pare_catalog::ActionId;

use crate::actor::{Actor, resolve_actor};
use crate::mapping::{ActionMapper, Mapping};
use crate::params::RequestParams;
use crate::record::{CloudTrailRecord, RecordKind};
use crate::resources::{resources_for_action, template_vars_of};

/// How the call ended.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// No `errorCode`: the call was allowed and succeeded.
    Success,
    /// The call was denied (`AccessDenied`, `UnauthorizedOperation`,
    /// `*AccessDenied*`, `Unauthorized*`, or a "not authorized to perform"
    /// message): an attempt, a signal, not usage.
    Denied {
        /// `errorCode`.
        code: String,
        /// `errorMessage`.
        message: Option<String>,
    },
    /// Another error. AWS authorizes before it does most work, so such a
    /// call usually shows the permission was held, unless the error is one
    /// that comes before authorization (`before_authorization`: bad or
    /// expired credentials, malformed request, throttling).
    Failed {
        /// `errorCode`.
        code: String,
        /// `errorMessage`.
        message: Option<String>,
        /// The error is raised before IAM authorization.
        before_authorization: bool,
    },
}

impl Outcome {
    /// Whether the event shows the caller held the permissions: success, or a
    /// failure raised after authorization.
    #[must_use]
    pub fn shows_permission(&self) -> bool {
        match self {
            Outcome::Success => true,
            Outcome::Denied { .. } => false,
            Outcome::Failed {
                before_authorization,
                ..
            } => !before_authorization,
        }
    }

    /// Whether the call was denied.
    #[must_use]
    pub fn is_denied(&self) -> bool {
        matches!(self, Outcome::Denied { .. })
    }
}

/// Error codes raised before IAM authorization (so they say nothing about
/// whether the permission was held).
const PRE_AUTHORIZATION_CODES: &[&str] = &[
    "RequestExpired",
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidClientTokenId",
    "SignatureDoesNotMatch",
    "IncompleteSignature",
    "InvalidSignatureException",
    "MissingAuthenticationToken",
    "UnrecognizedClientException",
    "ThrottlingException",
    "Throttling",
    "RequestLimitExceeded",
    "TooManyRequestsException",
    "UnknownParameter",
    "InvalidAction",
    "MalformedQueryString",
];

/// Classifies `errorCode` and `errorMessage`.
#[must_use]
pub fn outcome(error_code: Option<&str>, error_message: Option<&str>) -> Outcome {
    let code = error_code.map(str::trim).unwrap_or_default();
    let message = error_message.map(str::to_owned);
    if code.is_empty() {
        return Outcome::Success;
    }
    let bare = code.strip_prefix("Client.").unwrap_or(code);
    let denied = bare.contains("AccessDenied")
        || bare.starts_with("Unauthorized")
        || error_message.is_some_and(|m| m.contains("not authorized to perform"));
    if denied {
        return Outcome::Denied {
            code: code.to_owned(),
            message,
        };
    }
    let before_authorization = PRE_AUTHORIZATION_CODES
        .iter()
        .any(|c| bare == *c || bare.ends_with(c));
    Outcome::Failed {
        code: code.to_owned(),
        message,
        before_authorization,
    }
}

/// What the event says about permissions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Activity {
    /// IAM actions (in [`UsageEvent::actions`]).
    Actions,
    /// A call that needs no permission.
    NoPermissionNeeded,
    /// Console sign-in or portal activity.
    ConsoleActivity,
    /// An API call this crate cannot map.
    Unmapped,
    /// Not a principal's call: an AWS service event or an Insights record.
    NotACall,
}

/// One action used (or attempted) and the resources it touched.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ActionUse {
    /// The IAM action.
    pub action: ActionId,
    /// ARNs, or `["*"]` when unknown.
    pub resources: Vec<String>,
}

/// The usage one CloudTrail record shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageEvent {
    /// `eventID`.
    pub event_id: Option<String>,
    /// `eventTime` as written (ISO 8601, UTC).
    pub time: Option<String>,
    /// The record kind (`eventType`).
    pub kind: RecordKind,
    /// Who.
    pub actor: Actor,
    /// `eventSource`.
    pub event_source: String,
    /// `eventName`.
    pub event_name: String,
    /// What the event says about permissions.
    pub activity: Activity,
    /// The actions and their resources (empty unless `activity` is `Actions`).
    pub actions: Vec<ActionUse>,
    /// ARNs from `resources[]`.
    pub event_resources: Vec<String>,
    /// `awsRegion`.
    pub region: Option<String>,
    /// `sourceIPAddress`.
    pub source_ip: Option<String>,
    /// `userAgent`.
    pub user_agent: Option<String>,
    /// `recipientAccountId`.
    pub recipient_account_id: Option<String>,
    /// `vpcEndpointId`.
    pub vpc_endpoint_id: Option<String>,
    /// `readOnly`.
    pub read_only: Option<bool>,
    /// How the call ended.
    pub outcome: Outcome,
}

impl UsageEvent {
    /// Whether the event counts as usage of its actions: a principal's call,
    /// mapped to actions, that shows the permissions were held.
    #[must_use]
    pub fn is_usage(&self) -> bool {
        self.activity == Activity::Actions && self.outcome.shows_permission()
    }
}

fn own(s: Option<&std::borrow::Cow<'_, str>>) -> Option<String> {
    s.map(|s| s.to_string())
}

/// A pair's mapping and the service prefix of its source.
type Mapped = (Mapping, Option<Box<str>>);

/// Mappings of (eventSource, eventName) pairs already seen, for the pairs whose mapping does not
/// depend on the request ([`to_usage_cached`]). Keep one per mapper: the cache does not know which
/// mapper filled it.
#[derive(Debug, Default)]
pub struct MappingCache {
    /// `source \0 name` → the mapping and the service prefix, or `None` when the mapping reads the
    /// request parameters (then it is computed for each record).
    pairs: std::collections::HashMap<Box<str>, Option<Mapped>>,
    key: String,
}

impl MappingCache {
    /// The mapping of a call (as [`ActionMapper::map_call_lazy`]) and the service prefix of its
    /// source (as [`ActionMapper::service_prefix`]).
    fn map<'m, 'p>(
        &'m mut self,
        mapper: &'m ActionMapper<'_>,
        source: &'m str,
        name: &str,
        params: &dyn Fn() -> Option<&'p serde_json::Value>,
    ) -> (std::borrow::Cow<'m, Mapping>, Option<&'m str>) {
        // A text with a NUL could make two pairs one key: such calls are not cached.
        if source.contains('\0') || name.contains('\0') {
            return (
                std::borrow::Cow::Owned(mapper.map_call_lazy(source, name, params)),
                mapper.service_prefix(source),
            );
        }
        self.key.clear();
        self.key.push_str(source);
        self.key.push('\0');
        self.key.push_str(name);
        if !self.pairs.contains_key(self.key.as_str()) {
            // Bounded: a trail of endless made-up pairs starts over instead of growing.
            if self.pairs.len() >= 100_000 {
                self.pairs.clear();
            }
            let asked = std::cell::Cell::new(false);
            let mapping = mapper.map_call_lazy(source, name, &|| {
                asked.set(true);
                params()
            });
            let entry =
                (!asked.get()).then(|| (mapping, mapper.service_prefix(source).map(Box::from)));
            self.pairs.insert(Box::from(self.key.as_str()), entry);
        }
        match self.pairs.get(self.key.as_str()) {
            Some(Some((mapping, prefix))) => {
                (std::borrow::Cow::Borrowed(mapping), prefix.as_deref())
            }
            _ => (
                std::borrow::Cow::Owned(mapper.map_call_lazy(source, name, params)),
                mapper.service_prefix(source),
            ),
        }
    }
}

/// Turns one record into usage.
#[must_use]
pub fn to_usage(record: &CloudTrailRecord<'_>, mapper: &ActionMapper<'_>) -> UsageEvent {
    to_usage_cached(record, mapper, &mut MappingCache::default())
}

/// [`to_usage`] with the mappings of the pairs seen before taken from `cache` (the same answer).
#[must_use]
pub fn to_usage_cached(
    record: &CloudTrailRecord<'_>,
    mapper: &ActionMapper<'_>,
    cache: &mut MappingCache,
) -> UsageEvent {
    let kind = record.kind();
    let mut actor = record
        .user_identity
        .as_ref()
        .map_or(Actor::Missing, resolve_actor);
    // A root identity without an account (`{"type": "Root", "userName": "root"}`)
    // is the root of the account the event was delivered to.
    if let Actor::Root { account_id, arn } = &mut actor {
        if let (None, Some(recipient)) = (&account_id, record.recipient_account_id.as_deref()) {
            *account_id = Some(recipient.to_owned());
            *arn = format!("arn:aws:iam::{recipient}:root");
        }
    }
    let source = record.source();
    let name = record.name();
    let event_resources: Vec<String> = record
        .resources
        .iter()
        .filter_map(|r| r.arn.as_deref())
        .filter(|a| !a.is_empty())
        .map(str::to_owned)
        .collect();
    // For parameter-dependent actions: `requestParameters: null` means "no
    // parameters"; an absent field means "not known" (all are kept). The full
    // value is parsed only when an action depends on it.
    let value = std::cell::OnceCell::new();
    let known_params = || -> Option<&serde_json::Value> {
        record.request_parameters?;
        Some(value.get_or_init(|| {
            record
                .request_parameters_value()
                .unwrap_or_else(|| serde_json::Value::Object(serde_json::Map::new()))
        }))
    };
    let (activity, actions) = match kind {
        RecordKind::ServiceEvent | RecordKind::Insight => (Activity::NotACall, Vec::new()),
        _ => {
            let (mapping, prefix) = cache.map(mapper, source, name, &known_params);
            match &*mapping {
                Mapping::Actions(ids) => {
                    let catalog = mapper.catalog();
                    let prefix = prefix.unwrap_or_default();
                    let region = record.aws_region.as_deref();
                    let account = record
                        .recipient_account_id
                        .as_deref()
                        .or_else(|| actor.account_id());
                    // The caller's partition, else the region's.
                    let key = actor.principal_key();
                    let from_arn = key
                        .strip_prefix("arn:")
                        .and_then(|rest| rest.split(':').next())
                        .filter(|p| !p.is_empty());
                    let partition = match (from_arn, region) {
                        (Some(p), _) => p,
                        (None, Some(r)) if r.starts_with("cn-") => "aws-cn",
                        (None, Some(r)) if r.starts_with("us-gov-") => "aws-us-gov",
                        _ => "aws",
                    };
                    let params = record
                        .request_parameters
                        .and_then(|raw| RequestParams::parse(raw.get()));
                    let vars =
                        template_vars_of(prefix, params.as_ref(), region, account, partition);
                    let uses = ids
                        .iter()
                        .map(|&action| ActionUse {
                            action,
                            resources: resources_for_action(
                                catalog,
                                action,
                                &vars,
                                &event_resources,
                            ),
                        })
                        .collect();
                    (Activity::Actions, uses)
                }
                Mapping::NoPermissionNeeded => (Activity::NoPermissionNeeded, Vec::new()),
                Mapping::ConsoleActivity => (Activity::ConsoleActivity, Vec::new()),
                Mapping::Unmapped => (Activity::Unmapped, Vec::new()),
            }
        }
    };
    let activity = if kind == RecordKind::ConsoleSignIn && activity == Activity::Unmapped {
        Activity::ConsoleActivity
    } else {
        activity
    };
    UsageEvent {
        event_id: own(record.event_id.as_ref()),
        time: own(record.event_time.as_ref()),
        kind,
        actor,
        event_source: source.to_owned(),
        event_name: name.to_owned(),
        activity,
        actions,
        event_resources,
        region: own(record.aws_region.as_ref()),
        source_ip: own(record.source_ip_address.as_ref()),
        user_agent: own(record.user_agent.as_ref()),
        recipient_account_id: own(record.recipient_account_id.as_ref()),
        vpc_endpoint_id: own(record.vpc_endpoint_id.as_ref()),
        read_only: record.read_only,
        outcome: outcome(
            record.error_code.as_deref(),
            record.error_message.as_deref(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes() {
        assert_eq!(outcome(None, None), Outcome::Success);
        assert_eq!(outcome(Some(""), None), Outcome::Success);
        for code in [
            "AccessDenied",
            "Client.UnauthorizedOperation",
            "UnauthorizedOperation",
            "VpceAccessDenied",
            "AccessDeniedException",
            "UnauthorizedAccess",
        ] {
            assert!(outcome(Some(code), None).is_denied(), "{code}");
        }
        assert!(
            outcome(
                Some("AuthorizationError"),
                Some("User: arn:aws:iam::1:user/x is not authorized to perform: sns:Publish")
            )
            .is_denied()
        );
        let f = outcome(Some("NoSuchEntity"), Some("no such role"));
        assert!(!f.is_denied());
        assert!(f.shows_permission());
        assert!(!outcome(Some("ExpiredToken"), None).shows_permission());
        assert!(outcome(Some("Client.DryRunOperation"), None).shows_permission());
    }
}

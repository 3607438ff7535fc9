//! The CloudTrail record as AWS writes it, borrowed from the input where possible.
//!
//! Every field is optional (`#[serde(default)]`) and unknown fields are
//! ignored, so records from any event version, and the trimmed records of
//! test suites, parse. `requestParameters` and `responseElements` stay raw
//! JSON until someone needs them.

use std::borrow::Cow;
use std::sync::Arc;

use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

use crate::UsageError;

/// A string borrowed from the input when it has no escapes.
pub type Str<'a> = Cow<'a, str>;

/// One CloudTrail record.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct CloudTrailRecord<'a> {
    /// `eventVersion`, e.g. `"1.08"`.
    #[serde(borrow)]
    pub event_version: Option<Str<'a>>,
    /// `eventTime` (ISO 8601, UTC); `@timestamp` is accepted too.
    #[serde(borrow, alias = "@timestamp")]
    pub event_time: Option<Str<'a>>,
    /// `eventSource`, e.g. `"s3.amazonaws.com"`.
    #[serde(borrow)]
    pub event_source: Option<Str<'a>>,
    /// `eventName`, the API operation, e.g. `"GetObject"`.
    #[serde(borrow)]
    pub event_name: Option<Str<'a>>,
    /// `awsRegion`.
    #[serde(borrow)]
    pub aws_region: Option<Str<'a>>,
    /// `sourceIPAddress` (an IP, or a service name such as `"lambda.amazonaws.com"`).
    #[serde(borrow, rename = "sourceIPAddress")]
    pub source_ip_address: Option<Str<'a>>,
    /// `userAgent`.
    #[serde(borrow)]
    pub user_agent: Option<Str<'a>>,
    /// `errorCode`, absent on success.
    #[serde(borrow)]
    pub error_code: Option<Str<'a>>,
    /// `errorMessage`.
    #[serde(borrow)]
    pub error_message: Option<Str<'a>>,
    /// `eventID`.
    #[serde(borrow, rename = "eventID")]
    pub event_id: Option<Str<'a>>,
    /// `requestID`.
    #[serde(borrow, rename = "requestID")]
    pub request_id: Option<Str<'a>>,
    /// `eventType`: `AwsApiCall`, `AwsConsoleSignIn`, `AwsServiceEvent`, `AwsCloudTrailInsight`, ...
    #[serde(borrow)]
    pub event_type: Option<Str<'a>>,
    /// `eventCategory`: `Management`, `Data`, `Insight`, `NetworkActivity`.
    #[serde(borrow)]
    pub event_category: Option<Str<'a>>,
    /// `readOnly` (a boolean; the string forms `"true"`/`"false"` are accepted).
    #[serde(deserialize_with = "lenient_bool")]
    pub read_only: Option<bool>,
    /// `managementEvent`.
    #[serde(deserialize_with = "lenient_bool")]
    pub management_event: Option<bool>,
    /// `recipientAccountId`.
    #[serde(borrow)]
    pub recipient_account_id: Option<Str<'a>>,
    /// `userIdentity`; absent on CloudTrail Insights records.
    #[serde(borrow)]
    pub user_identity: Option<UserIdentity<'a>>,
    /// `resources[]` (entries that are not objects are skipped).
    #[serde(borrow, deserialize_with = "lenient_resources")]
    pub resources: Vec<Resource<'a>>,
    /// `requestParameters`, unparsed.
    #[serde(borrow)]
    pub request_parameters: Option<&'a RawValue>,
    /// `responseElements`, unparsed.
    #[serde(borrow)]
    pub response_elements: Option<&'a RawValue>,
    /// `additionalEventData`, unparsed.
    #[serde(borrow)]
    pub additional_event_data: Option<&'a RawValue>,
    /// `sharedEventID`: the same event delivered to several accounts.
    #[serde(borrow, rename = "sharedEventID")]
    pub shared_event_id: Option<Str<'a>>,
    /// `vpcEndpointId`.
    #[serde(borrow)]
    pub vpc_endpoint_id: Option<Str<'a>>,
    /// `insightDetails` of an Insights record, unparsed.
    #[serde(borrow)]
    pub insight_details: Option<&'a RawValue>,
    /// `insightContext` (the documentation's shape of `insightDetails`), unparsed.
    #[serde(borrow)]
    pub insight_context: Option<&'a RawValue>,
    /// `insightType` of the documentation's Insights shape.
    #[serde(borrow)]
    pub insight_type: Option<Str<'a>>,
}

/// `userIdentity`: who made the call.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct UserIdentity<'a> {
    /// `type`: `IAMUser`, `AssumedRole`, `Root`, `FederatedUser`, `AWSService`,
    /// `AWSAccount`, `WebIdentityUser`, `SAMLUser`, `IdentityCenterUser`, `Unknown`.
    #[serde(borrow, rename = "type")]
    pub identity_type: Option<Str<'a>>,
    /// `principalId`.
    #[serde(borrow)]
    pub principal_id: Option<Str<'a>>,
    /// `arn`.
    #[serde(borrow)]
    pub arn: Option<Str<'a>>,
    /// `accountId`.
    #[serde(borrow)]
    pub account_id: Option<Str<'a>>,
    /// `accessKeyId`.
    #[serde(borrow)]
    pub access_key_id: Option<Str<'a>>,
    /// `userName`.
    #[serde(borrow)]
    pub user_name: Option<Str<'a>>,
    /// `invokedBy`: the AWS service that made the call on the principal's behalf.
    #[serde(borrow)]
    pub invoked_by: Option<Str<'a>>,
    /// `sessionContext`.
    #[serde(borrow)]
    pub session_context: Option<SessionContext<'a>>,
    /// `identityProvider` (SAML and web-identity users).
    #[serde(borrow)]
    pub identity_provider: Option<Str<'a>>,
    /// `onBehalfOf.userId` (Identity Center users).
    #[serde(borrow)]
    pub on_behalf_of: Option<OnBehalfOf<'a>>,
}

/// `userIdentity.sessionContext`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SessionContext<'a> {
    /// The role or user that issued the temporary credentials.
    #[serde(borrow)]
    pub session_issuer: Option<SessionIssuer<'a>>,
    /// `webIdFederationData`, when the session came from a web identity provider.
    #[serde(borrow)]
    pub web_id_federation_data: Option<WebIdFederationData<'a>>,
    /// `attributes`.
    #[serde(borrow)]
    pub attributes: Option<SessionAttributes<'a>>,
    /// `sourceIdentity`, set by the `sts:SetSourceIdentity` caller.
    #[serde(borrow)]
    pub source_identity: Option<Str<'a>>,
}

/// `sessionContext.sessionIssuer`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SessionIssuer<'a> {
    /// `type`: `Role`, `IAMUser`, `Root`.
    #[serde(borrow, rename = "type")]
    pub issuer_type: Option<Str<'a>>,
    /// `principalId`.
    #[serde(borrow)]
    pub principal_id: Option<Str<'a>>,
    /// `arn`: the role or user ARN.
    #[serde(borrow)]
    pub arn: Option<Str<'a>>,
    /// `accountId`.
    #[serde(borrow)]
    pub account_id: Option<Str<'a>>,
    /// `userName`: the role or user name.
    #[serde(borrow)]
    pub user_name: Option<Str<'a>>,
}

/// `sessionContext.webIdFederationData`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct WebIdFederationData<'a> {
    /// `federatedProvider`, e.g. `"accounts.google.com"` or an OIDC provider ARN.
    #[serde(borrow)]
    pub federated_provider: Option<Str<'a>>,
}

/// `sessionContext.attributes`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SessionAttributes<'a> {
    /// `mfaAuthenticated`: `"true"` or `"false"` (booleans are accepted too).
    #[serde(deserialize_with = "lenient_bool")]
    pub mfa_authenticated: Option<bool>,
    /// `creationDate`.
    #[serde(borrow)]
    pub creation_date: Option<Str<'a>>,
}

/// `userIdentity.onBehalfOf`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct OnBehalfOf<'a> {
    /// `userId` in the identity store.
    #[serde(borrow)]
    pub user_id: Option<Str<'a>>,
    /// `identityStoreArn`.
    #[serde(borrow)]
    pub identity_store_arn: Option<Str<'a>>,
}

/// One entry of `resources[]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Resource<'a> {
    /// `ARN`.
    #[serde(borrow, rename = "ARN", alias = "arn")]
    pub arn: Option<Str<'a>>,
    /// `accountId`.
    #[serde(borrow, rename = "accountId")]
    pub account_id: Option<Str<'a>>,
    /// `type`, e.g. `"AWS::S3::Object"`.
    #[serde(borrow, rename = "type")]
    pub resource_type: Option<Str<'a>>,
}

/// What kind of record this is, from `eventType` (and the Insights shape).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RecordKind {
    /// `AwsApiCall` (or no `eventType` on a record with a caller): a principal called an API.
    ApiCall,
    /// `AwsConsoleSignIn`: a sign-in, MFA check, role switch.
    ConsoleSignIn,
    /// `AwsConsoleAction`: a console action that is not an API call.
    ConsoleAction,
    /// `AwsServiceEvent`: AWS did something (no caller's permission involved).
    ServiceEvent,
    /// `AwsVpceEvent`: a call denied or logged at a VPC endpoint.
    VpceEvent,
    /// `AwsCloudTrailInsight`: an Insights record (no `userIdentity`).
    Insight,
    /// `NetworkActivity` events of VPC endpoints.
    NetworkActivity,
    /// Any other `eventType`.
    Other,
}

impl CloudTrailRecord<'_> {
    /// The kind of record.
    #[must_use]
    pub fn kind(&self) -> RecordKind {
        if self.insight_details.is_some()
            || self.insight_context.is_some()
            || self.insight_type.is_some()
        {
            return RecordKind::Insight;
        }
        match self.event_type.as_deref() {
            Some("AwsApiCall") => RecordKind::ApiCall,
            Some(t) if t.eq_ignore_ascii_case("AwsConsoleSignIn") => RecordKind::ConsoleSignIn,
            Some("AwsConsoleAction") => RecordKind::ConsoleAction,
            Some("AwsServiceEvent") => RecordKind::ServiceEvent,
            Some("AwsVpceEvent") => RecordKind::VpceEvent,
            Some("AwsCloudTrailInsight") => RecordKind::Insight,
            Some("NetworkActivity" | "AwsNetworkActivity") => RecordKind::NetworkActivity,
            Some(_) => RecordKind::Other,
            None if self.event_category.as_deref() == Some("Insight") => RecordKind::Insight,
            None => RecordKind::ApiCall,
        }
    }

    /// Whether this is a CloudTrail Insights record (kept apart from usage).
    #[must_use]
    pub fn is_insight(&self) -> bool {
        self.kind() == RecordKind::Insight
    }

    /// `requestParameters` parsed, or `None` when absent, `null` or not JSON.
    #[must_use]
    pub fn request_parameters_value(&self) -> Option<serde_json::Value> {
        let raw = self.request_parameters?;
        match serde_json::from_str(raw.get()) {
            Ok(serde_json::Value::Null) | Err(_) => None,
            Ok(v) => Some(v),
        }
    }
}

impl<'a> CloudTrailRecord<'a> {
    /// Parses one record from JSON text.
    ///
    /// # Errors
    ///
    /// [`UsageError::Records`] if the text is not a JSON object of the record's shape.
    pub fn from_json(text: &'a str) -> Result<CloudTrailRecord<'a>, UsageError> {
        serde_json::from_str(text).map_err(|e| UsageError::Records(Arc::new(e)))
    }

    /// The event source, or `""`.
    #[must_use]
    pub fn source(&self) -> &str {
        self.event_source.as_deref().unwrap_or_default()
    }

    /// The event name, or `""`.
    #[must_use]
    pub fn name(&self) -> &str {
        self.event_name.as_deref().unwrap_or_default()
    }
}

/// A CloudTrail document: `{"Records": [...]}` as CloudTrail delivers it to S3.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct RecordsFile<'a> {
    #[serde(borrow, rename = "Records")]
    records: Option<Vec<CloudTrailRecord<'a>>>,
}

/// Parses a CloudTrail document: `{"Records": [...]}`, a JSON array of
/// records, or a single record object.
///
/// # Errors
///
/// [`UsageError::Records`] if the JSON is invalid or a record has a field of
/// the wrong type; [`UsageError::NotCloudTrail`] for other JSON values.
pub fn parse_records(text: &str) -> Result<Vec<CloudTrailRecord<'_>>, UsageError> {
    let trimmed = text.trim_start();
    if trimmed.starts_with('[') {
        return serde_json::from_str(text).map_err(|e| UsageError::Records(Arc::new(e)));
    }
    if !trimmed.starts_with('{') {
        return Err(UsageError::NotCloudTrail);
    }
    let file: RecordsFile<'_> =
        serde_json::from_str(text).map_err(|e| UsageError::Records(Arc::new(e)))?;
    match file.records {
        Some(records) => Ok(records),
        None => CloudTrailRecord::from_json(text).map(|r| vec![r]),
    }
}

/// Accepts `true`, `false`, `"true"`, `"false"` (any case) and `null`.
fn lenient_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum B<'a> {
        Bool(bool),
        Str(#[serde(borrow)] Cow<'a, str>),
        Other(serde::de::IgnoredAny),
    }
    Ok(match Option::<B<'_>>::deserialize(d)? {
        Some(B::Bool(b)) => Some(b),
        Some(B::Str(s)) if s.eq_ignore_ascii_case("true") => Some(true),
        Some(B::Str(s)) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    })
}

/// `resources[]`: `null` is empty, entries that are not objects (some test
/// suites write them as strings) are skipped.
fn lenient_resources<'de: 'a, 'a, D: Deserializer<'de>>(
    d: D,
) -> Result<Vec<Resource<'a>>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Entry<'a> {
        Resource(#[serde(borrow)] Resource<'a>),
        Other(serde::de::IgnoredAny),
    }
    let entries: Option<Vec<Entry<'a>>> = Option::deserialize(d)?;
    Ok(entries
        .unwrap_or_default()
        .into_iter()
        .filter_map(|e| match e {
            Entry::Resource(r) => Some(r),
            Entry::Other(_) => None,
        })
        .collect())
}

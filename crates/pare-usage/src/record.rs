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
    #[serde(borrow, deserialize_with = "opt_str")]
    pub event_version: Option<Str<'a>>,
    /// `eventTime` (ISO 8601, UTC); `@timestamp` is accepted too.
    #[serde(borrow, deserialize_with = "opt_str", alias = "@timestamp")]
    pub event_time: Option<Str<'a>>,
    /// `eventSource`, e.g. `"s3.amazonaws.com"`.
    #[serde(borrow, deserialize_with = "opt_str")]
    pub event_source: Option<Str<'a>>,
    /// `eventName`, the API operation, e.g. `"GetObject"`.
    #[serde(borrow, deserialize_with = "opt_str")]
    pub event_name: Option<Str<'a>>,
    /// `awsRegion`.
    #[serde(borrow, deserialize_with = "opt_str")]
    pub aws_region: Option<Str<'a>>,
    /// `sourceIPAddress` (an IP, or a service name such as `"lambda.amazonaws.com"`).
    #[serde(borrow, deserialize_with = "opt_str", rename = "sourceIPAddress")]
    pub source_ip_address: Option<Str<'a>>,
    /// `userAgent`.
    #[serde(borrow, deserialize_with = "opt_str")]
    pub user_agent: Option<Str<'a>>,
    /// `errorCode`, absent on success.
    #[serde(borrow, deserialize_with = "opt_str")]
    pub error_code: Option<Str<'a>>,
    /// `errorMessage`.
    #[serde(borrow, deserialize_with = "opt_str")]
    pub error_message: Option<Str<'a>>,
    /// `eventID`.
    #[serde(borrow, deserialize_with = "opt_str", rename = "eventID")]
    pub event_id: Option<Str<'a>>,
    /// `requestID`.
    #[serde(borrow, deserialize_with = "opt_str", rename = "requestID")]
    pub request_id: Option<Str<'a>>,
    /// `eventType`: `AwsApiCall`, `AwsConsoleSignIn`, `AwsServiceEvent`, `AwsCloudTrailInsight`, ...
    #[serde(borrow, deserialize_with = "opt_str")]
    pub event_type: Option<Str<'a>>,
    /// `eventCategory`: `Management`, `Data`, `Insight`, `NetworkActivity`.
    #[serde(borrow, deserialize_with = "opt_str")]
    pub event_category: Option<Str<'a>>,
    /// `readOnly` (a boolean; the string forms `"true"`/`"false"` are accepted).
    #[serde(deserialize_with = "lenient_bool")]
    pub read_only: Option<bool>,
    /// `managementEvent`.
    #[serde(deserialize_with = "lenient_bool")]
    pub management_event: Option<bool>,
    /// `recipientAccountId`.
    #[serde(borrow, deserialize_with = "opt_str")]
    pub recipient_account_id: Option<Str<'a>>,
    /// `userIdentity`; absent on CloudTrail Insights records.
    #[serde(borrow)]
    pub user_identity: Option<UserIdentity<'a>>,
    /// `resources[]` (entries that are not objects are skipped).
    #[serde(borrow, deserialize_with = "lenient_resources")]
    pub resources: Vec<Resource<'a>>,
    /// `requestParameters`, unparsed (`Some("null")` when written as `null`,
    /// `None` when absent).
    #[serde(borrow, deserialize_with = "raw_some")]
    pub request_parameters: Option<&'a RawValue>,
    /// `responseElements`, unparsed (`Some("null")` when written as `null`).
    #[serde(borrow, deserialize_with = "raw_some")]
    pub response_elements: Option<&'a RawValue>,
    /// `additionalEventData`, unparsed.
    #[serde(borrow)]
    pub additional_event_data: Option<&'a RawValue>,
    /// `sharedEventID`: the same event delivered to several accounts.
    #[serde(borrow, deserialize_with = "opt_str", rename = "sharedEventID")]
    pub shared_event_id: Option<Str<'a>>,
    /// `vpcEndpointId`.
    #[serde(borrow, deserialize_with = "opt_str")]
    pub vpc_endpoint_id: Option<Str<'a>>,
    /// `insightDetails` of an Insights record, unparsed.
    #[serde(borrow)]
    pub insight_details: Option<&'a RawValue>,
    /// `insightContext` (the documentation's shape of `insightDetails`), unparsed.
    #[serde(borrow)]
    pub insight_context: Option<&'a RawValue>,
    /// `insightType` of the documentation's Insights shape.
    #[serde(borrow, deserialize_with = "opt_str")]
    pub insight_type: Option<Str<'a>>,
}

/// `userIdentity`: who made the call.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct UserIdentity<'a> {
    /// `type`: `IAMUser`, `AssumedRole`, `Root`, `FederatedUser`, `AWSService`,
    /// `AWSAccount`, `WebIdentityUser`, `SAMLUser`, `IdentityCenterUser`, `Unknown`.
    #[serde(borrow, deserialize_with = "opt_str", rename = "type")]
    pub identity_type: Option<Str<'a>>,
    /// `principalId`.
    #[serde(borrow, deserialize_with = "opt_str")]
    pub principal_id: Option<Str<'a>>,
    /// `arn`.
    #[serde(borrow, deserialize_with = "opt_str")]
    pub arn: Option<Str<'a>>,
    /// `accountId`.
    #[serde(borrow, deserialize_with = "opt_str")]
    pub account_id: Option<Str<'a>>,
    /// `accessKeyId`.
    #[serde(borrow, deserialize_with = "opt_str")]
    pub access_key_id: Option<Str<'a>>,
    /// `userName`.
    #[serde(borrow, deserialize_with = "opt_str")]
    pub user_name: Option<Str<'a>>,
    /// `invokedBy`: the AWS service that made the call on the principal's behalf.
    #[serde(borrow, deserialize_with = "opt_str")]
    pub invoked_by: Option<Str<'a>>,
    /// `sessionContext`.
    #[serde(borrow)]
    pub session_context: Option<SessionContext<'a>>,
    /// `identityProvider` (SAML and web-identity users).
    #[serde(borrow, deserialize_with = "opt_str")]
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
    #[serde(borrow, deserialize_with = "opt_str")]
    pub source_identity: Option<Str<'a>>,
}

/// `sessionContext.sessionIssuer`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SessionIssuer<'a> {
    /// `type`: `Role`, `IAMUser`, `Root`.
    #[serde(borrow, deserialize_with = "opt_str", rename = "type")]
    pub issuer_type: Option<Str<'a>>,
    /// `principalId`.
    #[serde(borrow, deserialize_with = "opt_str")]
    pub principal_id: Option<Str<'a>>,
    /// `arn`: the role or user ARN.
    #[serde(borrow, deserialize_with = "opt_str")]
    pub arn: Option<Str<'a>>,
    /// `accountId`.
    #[serde(borrow, deserialize_with = "opt_str")]
    pub account_id: Option<Str<'a>>,
    /// `userName`: the role or user name.
    #[serde(borrow, deserialize_with = "opt_str")]
    pub user_name: Option<Str<'a>>,
}

/// `sessionContext.webIdFederationData`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct WebIdFederationData<'a> {
    /// `federatedProvider`, e.g. `"accounts.google.com"` or an OIDC provider ARN.
    #[serde(borrow, deserialize_with = "opt_str")]
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
    #[serde(borrow, deserialize_with = "opt_str")]
    pub creation_date: Option<Str<'a>>,
}

/// `userIdentity.onBehalfOf`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct OnBehalfOf<'a> {
    /// `userId` in the identity store.
    #[serde(borrow, deserialize_with = "opt_str")]
    pub user_id: Option<Str<'a>>,
    /// `identityStoreArn`.
    #[serde(borrow, deserialize_with = "opt_str")]
    pub identity_store_arn: Option<Str<'a>>,
}

/// One entry of `resources[]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Resource<'a> {
    /// `ARN`.
    #[serde(borrow, deserialize_with = "opt_str", rename = "ARN", alias = "arn")]
    pub arn: Option<Str<'a>>,
    /// `accountId`.
    #[serde(borrow, deserialize_with = "opt_str", rename = "accountId")]
    pub account_id: Option<Str<'a>>,
    /// `type`, e.g. `"AWS::S3::Object"`.
    #[serde(borrow, deserialize_with = "opt_str", rename = "type")]
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

/// An optional string, borrowed from the input when it has no escapes.
/// Numbers and booleans are kept as their text (some exports write account
/// ids as numbers); objects and arrays, where a string belongs, are ignored.
fn opt_str<'de: 'a, 'a, D: Deserializer<'de>>(d: D) -> Result<Option<Str<'a>>, D::Error> {
    struct V;
    impl<'de> serde::de::Visitor<'de> for V {
        type Value = Option<Str<'de>>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a string")
        }
        fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
            Ok(Some(Cow::Borrowed(v)))
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(Cow::Owned(v.to_owned())))
        }
        fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Self::Value, E> {
            Ok(Some(Cow::Owned(v)))
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(Cow::Owned(v.to_string())))
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(Cow::Owned(v.to_string())))
        }
        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Self::Value, E> {
            Ok(Some(Cow::Owned(v.to_string())))
        }
        fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Self::Value, E> {
            Ok(Some(Cow::Owned(v.to_string())))
        }
        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_any(V)
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut a: A,
        ) -> Result<Self::Value, A::Error> {
            while a
                .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                .is_some()
            {}
            Ok(None)
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut a: A,
        ) -> Result<Self::Value, A::Error> {
            while a.next_element::<serde::de::IgnoredAny>()?.is_some() {}
            Ok(None)
        }
    }
    d.deserialize_option(V)
}

/// A raw JSON value, `null` included (so that "absent" and "null" differ).
fn raw_some<'de: 'a, 'a, D: Deserializer<'de>>(d: D) -> Result<Option<&'a RawValue>, D::Error> {
    <&'a RawValue>::deserialize(d).map(Some)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn borrows_plain_strings_and_accepts_variants() {
        let text = r#"{"@timestamp": "2024-01-01T00:00:00Z", "eventSource": "s3.amazonaws.com",
            "eventName": "Get\u004fbject", "readOnly": "true", "resources": null,
            "errorCode": {"odd": 1}, "awsRegion": ["x"],
            "userIdentity": {"type": "IAMUser", "accountId": 111122223333, "sessionContext": {"attributes": {"mfaAuthenticated": "false"}}},
            "requestParameters": {"bucketName": "b"}, "unknownField": [1, 2]}"#;
        let r = CloudTrailRecord::from_json(text).unwrap();
        assert!(matches!(
            r.event_source,
            Some(Cow::Borrowed("s3.amazonaws.com"))
        ));
        assert!(matches!(&r.event_name, Some(Cow::Owned(s)) if s == "GetObject"));
        assert_eq!(r.event_time.as_deref(), Some("2024-01-01T00:00:00Z"));
        assert_eq!(r.read_only, Some(true));
        assert!(r.resources.is_empty());
        assert_eq!(
            r.user_identity
                .clone()
                .and_then(|u| u.session_context)
                .and_then(|c| c.attributes)
                .and_then(|a| a.mfa_authenticated),
            Some(false)
        );
        assert_eq!(
            r.request_parameters.map(RawValue::get),
            Some(r#"{"bucketName": "b"}"#)
        );
        assert_eq!(r.kind(), RecordKind::ApiCall);
        assert_eq!(r.error_code, None);
        assert_eq!(r.aws_region, None);
        assert_eq!(
            r.user_identity.and_then(|u| u.account_id).as_deref(),
            Some("111122223333")
        );
    }

    #[test]
    fn documents() {
        assert_eq!(parse_records(r#"{"Records": [{}, {}]}"#).unwrap().len(), 2);
        assert_eq!(parse_records(r#"[{}, {}, {}]"#).unwrap().len(), 3);
        assert_eq!(parse_records(r#"{"eventName": "X"}"#).unwrap().len(), 1);
        assert!(matches!(
            parse_records("42"),
            Err(UsageError::NotCloudTrail)
        ));
        assert!(matches!(parse_records("{"), Err(UsageError::Records(_))));
        let insight = parse_records(
            r#"{"eventType": "AwsCloudTrailInsight", "eventCategory": "Insight", "insightDetails": {"state": "Start"}}"#,
        )
        .unwrap();
        assert!(
            insight
                .iter()
                .all(|r| r.is_insight() && r.user_identity.is_none())
        );
    }
}

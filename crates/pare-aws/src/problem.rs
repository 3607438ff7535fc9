//! What a scan could not read, and why: one entry per failed API call (or step), never fatal.

use std::fmt;

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use serde::Serialize;

/// A call that failed: the API (`iam:GetCredentialReport`), the AWS error code when there is one
/// (`AccessDenied`, `Throttling`), and the message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The API, as `service:Operation`.
    pub api: String,
    /// The AWS error code (`AccessDenied`, `ThrottlingException`), when the service sent one.
    pub code: Option<String>,
    /// What went wrong (lowercase where Pare wrote it; AWS's own message otherwise).
    pub message: String,
}

impl Problem {
    /// A problem Pare noticed itself (not an SDK error).
    pub(crate) fn new(api: &str, message: impl Into<String>) -> Self {
        Self {
            api: api.to_owned(),
            code: None,
            message: message.into(),
        }
    }

    /// A failed SDK call.
    pub(crate) fn from_sdk<E>(api: &str, err: &SdkError<E, HttpResponse>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let (code, message) = match err {
            SdkError::ServiceError(service) => {
                let e = service.err();
                let status = service.raw().status().as_u16();
                (
                    e.code().map(ToOwned::to_owned),
                    e.message().map_or_else(
                        || format!("http status {status} without an aws error message"),
                        ToOwned::to_owned,
                    ),
                )
            }
            other => (None, chain(other)),
        };
        Self {
            api: api.to_owned(),
            code,
            message,
        }
    }

    /// The service refused the caller (the policy lacks the permission, or an SCP denies it).
    #[must_use]
    pub fn is_access_denied(&self) -> bool {
        self.code.as_deref().is_some_and(|c| {
            matches!(
                c,
                "AccessDenied" | "AccessDeniedException" | "UnauthorizedOperation"
            )
        })
    }

    /// The service throttled the caller (after the SDK's retries).
    #[must_use]
    pub fn is_throttling(&self) -> bool {
        self.code.as_deref().is_some_and(|c| {
            matches!(
                c,
                "Throttling"
                    | "ThrottlingException"
                    | "TooManyRequestsException"
                    | "RequestLimitExceeded"
                    | "SlowDown"
            )
        })
    }
}

/// An error and its sources, `outer: inner: innermost`.
fn chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        let part = s.to_string();
        if !text.ends_with(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = s.source();
    }
    text
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.code {
            Some(code) => write!(f, "{}: {code}: {}", self.api, self.message),
            None => write!(f, "{}: {}", self.api, self.message),
        }
    }
}

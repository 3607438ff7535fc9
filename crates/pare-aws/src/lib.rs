//! Pare's live AWS edge: read-only collection of an account's IAM inventory, credential report,
//! Access Advisor data, CloudTrail logs, Access Analyzer findings and Organizations policies with the
//! AWS SDK for Rust.
//!
//! [`scan`] is the blocking entry point (it runs its own Tokio runtime); [`scan_with_config`] is the
//! async core that tests drive with a recorded HTTP client. Credentials come from the standard
//! `aws-config` chain and are never written anywhere. Every API call that fails is recorded as a
//! [`Problem`] and the scan goes on with the rest.

#![warn(missing_docs)]

mod analyzer;
mod cloudtrail;
mod iam;
mod organizations;
mod problem;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_smithy_runtime::client::retries::{ClientRateLimiter, RetryPartition};
use chrono::{DateTime, Utc};
use serde::Serialize;

pub use analyzer::{AnalyzerFinding, AnalyzerSummary};
pub use cloudtrail::{CloudTrailCollection, S3Location, TrailInfo};
pub use iam::{AccessKeyLastUsed, ActionLastAccessed, ServiceLastAccessed};
pub use organizations::{OrganizationPolicies, OrganizationTarget, TargetPolicy};
pub use problem::Problem;

/// Every IAM action a scan needs, as in `docs/pare-readonly-policy.json` (`sts:GetCallerIdentity`
/// needs none). Trails whose logs are encrypted with SSE-KMS also need `kms:Decrypt` on their key.
pub const READ_ONLY_ACTIONS: &[&str] = &[
    "iam:GetAccountAuthorizationDetails",
    "iam:GenerateCredentialReport",
    "iam:GetCredentialReport",
    "iam:GetAccountSummary",
    "iam:GetAccountPasswordPolicy",
    "iam:ListUsers",
    "iam:ListAccessKeys",
    "iam:GetAccessKeyLastUsed",
    "iam:GenerateServiceLastAccessedDetails",
    "iam:GetServiceLastAccessedDetails",
    "cloudtrail:DescribeTrails",
    "cloudtrail:GetTrailStatus",
    "cloudtrail:LookupEvents",
    "s3:ListBucket",
    "s3:GetObject",
    "access-analyzer:ListAnalyzers",
    "access-analyzer:ListFindings",
    "organizations:DescribeOrganization",
    "organizations:ListParents",
    "organizations:DescribeOrganizationalUnit",
    "organizations:ListPoliciesForTarget",
    "organizations:DescribePolicy",
];

/// Where and how to scan.
#[derive(Debug, Clone, Default)]
pub struct ScanOptions {
    /// A named profile from the AWS config files (otherwise the default chain).
    pub profile: Option<String>,
    /// The region (otherwise the profile's or the environment's).
    pub region: Option<String>,
    /// An endpoint that replaces every service's (for AWS-compatible servers in tests).
    pub endpoint_url: Option<String>,
    /// Attempts per request, first included (8 when not given), with exponential backoff and jitter.
    pub max_attempts: Option<u32>,
    /// The SDK's adaptive retry mode: once a service throttles, a client-side rate limiter paces
    /// that service's requests on top of the backoff (see [`retry_partition`]). On in
    /// [`ScanOptions::new`]; off means the standard mode (backoff only).
    pub adaptive_retries: bool,
    /// CloudTrail events at or after this time (90 days before now when not given for LookupEvents;
    /// the whole trail for S3).
    pub since: Option<DateTime<Utc>>,
    /// CloudTrail events before this time.
    pub until: Option<DateTime<Utc>>,
    /// Read CloudTrail log objects from this bucket and prefix instead of the trails' own.
    pub cloudtrail_bucket: Option<S3Location>,
    /// Where downloaded CloudTrail objects and LookupEvents pages are kept (so a scan can resume).
    pub cache_dir: PathBuf,
    /// Time between polls of report and Access Advisor jobs.
    pub poll_interval: Duration,
    /// Time between LookupEvents requests (the API allows 2 per second per account and region).
    pub lookup_interval: Duration,
    /// Set by another thread to stop the scan at the next request boundary.
    pub cancel: Option<Arc<AtomicBool>>,
}

impl ScanOptions {
    /// Options with the production defaults and `cache_dir` for downloads.
    #[must_use]
    pub fn new(cache_dir: PathBuf) -> Self {
        Self {
            cache_dir,
            poll_interval: Duration::from_secs(2),
            lookup_interval: Duration::from_millis(500),
            adaptive_retries: true,
            ..Self::default()
        }
    }
}

/// Who the credentials belong to (`sts:GetCallerIdentity`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallerIdentity {
    /// The account.
    pub account: String,
    /// The caller's ARN.
    pub arn: String,
    /// The caller's unique ID.
    pub user_id: String,
}

/// A stage of the scan, for progress reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum Stage {
    /// `sts:GetCallerIdentity`.
    Identity,
    /// GetAccountAuthorizationDetails.
    Authorization,
    /// The credential report.
    CredentialReport,
    /// Account summary, password policy, access keys.
    AccountSettings,
    /// Access Advisor (service and action last accessed).
    AccessAdvisor,
    /// CloudTrail trails, log objects and LookupEvents.
    CloudTrail,
    /// Access Analyzer.
    AccessAnalyzer,
    /// Organizations.
    Organizations,
}

impl Stage {
    /// A short lowercase name.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Identity => "identity",
            Self::Authorization => "iam authorization details",
            Self::CredentialReport => "credential report",
            Self::AccountSettings => "account settings",
            Self::AccessAdvisor => "access advisor",
            Self::CloudTrail => "cloudtrail",
            Self::AccessAnalyzer => "access analyzer",
            Self::Organizations => "organizations",
        }
    }
}

/// A progress report: a stage started, moved on, or finished.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanProgress {
    /// The stage.
    pub stage: Stage,
    /// What happened (lowercase).
    pub message: String,
    /// The stage is finished.
    pub done: bool,
}

/// Everything one scan read. Raw documents are kept in the shapes the file importers read
/// (`aws iam get-account-authorization-details` JSON, the credential report CSV).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Collection {
    /// The caller, when `sts:GetCallerIdentity` worked.
    pub caller: Option<CallerIdentity>,
    /// The region the scan used.
    pub region: Option<String>,
    /// GetAccountAuthorizationDetails, all pages merged, policy documents URL-decoded into JSON, in
    /// the AWS CLI's shape.
    pub authorization_details: Option<serde_json::Value>,
    /// Pages GetAccountAuthorizationDetails returned.
    pub authorization_pages: usize,
    /// The credential report CSV.
    pub credential_report: Option<Vec<u8>>,
    /// GetAccountSummary.
    pub account_summary: Option<std::collections::BTreeMap<String, i64>>,
    /// GetAccountPasswordPolicy (`null` inside when the account has none).
    pub password_policy: Option<serde_json::Value>,
    /// Every access key and when it was last used.
    pub access_keys: Vec<AccessKeyLastUsed>,
    /// Access Advisor, per principal.
    pub service_last_accessed: Vec<ServiceLastAccessed>,
    /// CloudTrail.
    pub cloudtrail: CloudTrailCollection,
    /// Access Analyzer analyzers.
    pub analyzers: Vec<AnalyzerSummary>,
    /// Access Analyzer findings.
    pub analyzer_findings: Vec<AnalyzerFinding>,
    /// The OU chain and the SCPs and RCPs that apply to the account.
    pub organization: Option<OrganizationPolicies>,
    /// What could not be read and why.
    pub problems: Vec<Problem>,
}

/// Why a scan could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScanError {
    /// No async runtime could be started.
    #[error("cannot start the async runtime: {0}")]
    Runtime(#[source] std::io::Error),
    /// No credentials: the chain found none, or `sts:GetCallerIdentity` refused them.
    #[error("cannot identify the caller: {0}")]
    Identity(String),
    /// [`ScanOptions::cancel`] was set.
    #[error("the scan was cancelled")]
    Cancelled,
}

impl ScanOptions {
    /// Whether [`ScanOptions::cancel`] is set.
    #[must_use]
    pub fn cancelled(&self) -> bool {
        self.cancel
            .as_ref()
            .is_some_and(|c| c.load(Ordering::Relaxed))
    }

    /// [`ScanError::Cancelled`] when cancelled.
    fn check(&self) -> Result<(), ScanError> {
        if self.cancelled() {
            Err(ScanError::Cancelled)
        } else {
            Ok(())
        }
    }
}

/// The retry configuration of a scan: up to `max_attempts` attempts (else `AWS_MAX_ATTEMPTS`, else
/// 8) with
/// exponential backoff and full jitter from 200 ms, and in adaptive mode a client-side rate limiter
/// per service that starts limiting once that service throttles.
#[must_use]
pub fn retry_config(options: &ScanOptions) -> RetryConfig {
    let retry = if options.adaptive_retries {
        RetryConfig::adaptive()
    } else {
        RetryConfig::standard()
    };
    retry
        .with_max_attempts(
            options
                .max_attempts
                .or_else(|| {
                    std::env::var("AWS_MAX_ATTEMPTS")
                        .ok()
                        .and_then(|v| v.trim().parse().ok())
                })
                .unwrap_or(8)
                .max(1),
        )
        .with_initial_backoff(Duration::from_millis(200))
}

/// The request rate the adaptive limiter assumes before it has measured one. The limiter takes its
/// first sample against time 0 (its builder cannot set the sample clock), which keeps a fifth of
/// this: 50 makes it assume about 10 requests/s, so a throttle in the first half second lowers a
/// service to about 7 requests/s (not the SDK default's floor of 0.5/s, which held a replayed scan
/// to one request a second), and real samples take over every half second after.
const ASSUMED_REQUESTS_PER_SECOND: f64 = 50.0;

/// A fresh retry partition for one service in one scan: its own retry quota and its own adaptive
/// rate limiter, so a throttled API (CloudTrail's LookupEvents, say) slows only its own service,
/// and nothing carries over between scans (the SDK's default partitions are process-wide).
#[must_use]
pub fn retry_partition(service: &str) -> RetryPartition {
    RetryPartition::custom(format!("pare-{service}"))
        .client_rate_limiter(
            ClientRateLimiter::builder()
                .tokens_retrieved_per_second(ASSUMED_REQUESTS_PER_SECOND)
                .token_refill_rate(ASSUMED_REQUESTS_PER_SECOND)
                .current_bucket_capacity(ASSUMED_REQUESTS_PER_SECOND)
                .build(),
        )
        .build()
}

/// Loads the SDK configuration from the standard chain (profiles, SSO, `credential_process`,
/// environment, assume-role profiles) with `options`' overrides and [`retry_config`].
pub async fn load_config(options: &ScanOptions) -> SdkConfig {
    let mut loader =
        aws_config::defaults(BehaviorVersion::latest()).retry_config(retry_config(options));
    if let Some(profile) = &options.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = &options.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some(url) = &options.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    loader.load().await
}

/// Scans the account the configured credentials belong to. Blocking: runs its own runtime.
///
/// # Errors
///
/// [`ScanError`] when the runtime cannot start or the caller cannot be identified; every other
/// failure is a [`Problem`] in the returned collection.
pub fn scan(
    options: &ScanOptions,
    progress: impl FnMut(&ScanProgress) + Send,
) -> Result<Collection, ScanError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(ScanError::Runtime)?;
    runtime.block_on(async {
        let config = load_config(options).await;
        scan_with_config(&config, options, progress).await
    })
}

/// Scans with a ready SDK configuration (tests give one with a recorded HTTP client).
///
/// # Errors
///
/// [`ScanError::Identity`] when `sts:GetCallerIdentity` fails; other failures are [`Problem`]s.
pub async fn scan_with_config(
    config: &SdkConfig,
    options: &ScanOptions,
    mut progress: impl FnMut(&ScanProgress) + Send,
) -> Result<Collection, ScanError> {
    let mut report = |stage: Stage, message: String, done: bool| {
        progress(&ScanProgress {
            stage,
            message,
            done,
        });
    };
    let mut out = Collection {
        region: config.region().map(ToString::to_string),
        ..Collection::default()
    };
    let sts = aws_sdk_sts::Client::from_conf(
        aws_sdk_sts::config::Builder::from(config)
            .retry_partition(retry_partition("sts"))
            .build(),
    );
    let caller = match sts.get_caller_identity().send().await {
        Ok(id) => CallerIdentity {
            account: id.account().unwrap_or_default().to_owned(),
            arn: id.arn().unwrap_or_default().to_owned(),
            user_id: id.user_id().unwrap_or_default().to_owned(),
        },
        Err(e) => {
            let p = Problem::from_sdk("sts:GetCallerIdentity", &e);
            return Err(ScanError::Identity(p.to_string()));
        }
    };
    report(
        Stage::Identity,
        format!("account {} as {}", caller.account, caller.arn),
        true,
    );
    out.caller = Some(caller.clone());

    let iam_client = aws_sdk_iam::Client::from_conf(
        aws_sdk_iam::config::Builder::from(config)
            .retry_partition(retry_partition("iam"))
            .build(),
    );
    options.check()?;
    report(Stage::Authorization, "reading".into(), false);
    iam::authorization_details(&iam_client, &mut out).await;
    report(
        Stage::Authorization,
        match &out.authorization_details {
            Some(d) => format!(
                "{} users, {} groups, {} roles, {} managed policies in {} pages",
                iam::count(d, "UserDetailList"),
                iam::count(d, "GroupDetailList"),
                iam::count(d, "RoleDetailList"),
                iam::count(d, "Policies"),
                out.authorization_pages
            ),
            None => "not read".into(),
        },
        true,
    );

    options.check()?;
    report(Stage::CredentialReport, "generating".into(), false);
    iam::credential_report(&iam_client, options.poll_interval, &mut out).await;
    report(
        Stage::CredentialReport,
        match &out.credential_report {
            Some(csv) => format!(
                "{} rows",
                csv.split(|b| *b == b'\n')
                    .filter(|l| !l.is_empty())
                    .count()
                    .saturating_sub(1)
            ),
            None => "not read".into(),
        },
        true,
    );

    options.check()?;
    report(Stage::AccountSettings, "reading".into(), false);
    iam::account_settings(&iam_client, &mut out).await;
    report(
        Stage::AccountSettings,
        format!("{} access keys", out.access_keys.len()),
        true,
    );

    options.check()?;
    report(Stage::AccessAdvisor, "generating jobs".into(), false);
    iam::access_advisor(&iam_client, options.poll_interval, &mut out).await;
    report(
        Stage::AccessAdvisor,
        format!(
            "{} principals, {} services with access",
            out.service_last_accessed
                .iter()
                .map(|s| &s.principal_arn)
                .collect::<std::collections::BTreeSet<_>>()
                .len(),
            out.service_last_accessed
                .iter()
                .filter(|s| s.last_authenticated.is_some())
                .count()
        ),
        true,
    );

    options.check()?;
    report(Stage::CloudTrail, "reading trails".into(), false);
    cloudtrail::collect(config, options, &caller.account, &mut out, &mut |m| {
        report(Stage::CloudTrail, m, false);
    })
    .await;
    report(
        Stage::CloudTrail,
        format!(
            "{} trails, {} log objects ({} downloaded), {} lookup-events pages",
            out.cloudtrail.trails.len(),
            out.cloudtrail.objects_listed,
            out.cloudtrail.objects_downloaded,
            out.cloudtrail.lookup_pages
        ),
        true,
    );

    options.check()?;
    report(Stage::AccessAnalyzer, "reading".into(), false);
    analyzer::collect(config, &mut out).await;
    report(
        Stage::AccessAnalyzer,
        format!(
            "{} analyzers, {} findings",
            out.analyzers.len(),
            out.analyzer_findings.len()
        ),
        true,
    );

    options.check()?;
    report(Stage::Organizations, "reading".into(), false);
    organizations::collect(config, &caller.account, &mut out).await;
    report(
        Stage::Organizations,
        match &out.organization {
            Some(o) => format!(
                "{} targets, {} policies",
                o.chain.len(),
                o.chain.iter().map(|t| t.policies.len()).sum::<usize>()
            ),
            None => "not read".into(),
        },
        true,
    );
    options.check()?;
    Ok(out)
}

/// An SDK timestamp as RFC 3339 UTC (`2024-07-30T21:53:13Z`).
pub(crate) fn time_text(t: &aws_smithy_types::DateTime) -> String {
    t.fmt(aws_smithy_types::date_time::Format::DateTime)
        .unwrap_or_else(|_| t.secs().to_string())
}

/// A chrono time as an SDK timestamp.
pub(crate) fn sdk_time(t: DateTime<Utc>) -> aws_smithy_types::DateTime {
    aws_smithy_types::DateTime::from_secs(t.timestamp())
}

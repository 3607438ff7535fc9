//! The replay harness shared by `replay.rs` and the workspace's Access Analyzer comparison test:
//! recorded AWS responses (`tests/data/replay/`, built from AWS's documented response shapes)
//! answered through the SDK's own test HTTP client (`aws-smithy-http-client`'s
//! `infallible_client_fn`), routed by operation, every request recorded.

#![allow(dead_code, reason = "each including test uses part of the harness")]

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_smithy_http_client::test_util::infallible_client_fn;
use aws_smithy_types::body::SdkBody;
use pare_aws::ScanOptions;

/// The recordings, from `pare-aws` or from the workspace's `tests/` crate.
fn recordings() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let own = here.join("tests/data/replay");
    if own.is_dir() {
        own
    } else {
        here.join("../crates/pare-aws/tests/data/replay")
    }
}

pub fn recording(name: &str) -> String {
    let path = recordings().join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A request as the recorder saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub operation: String,
    pub body: String,
    pub uri: String,
    pub at: Instant,
}

/// Responses per operation, in order; the last one answers every later call.
#[derive(Debug, Default)]
pub struct Script {
    pub answers: HashMap<String, VecDeque<(u16, String)>>,
    pub seen: Vec<Seen>,
}

impl Script {
    pub fn on(&mut self, operation: &str, status: u16, file: &str) -> &mut Self {
        self.answers
            .entry(operation.to_owned())
            .or_default()
            .push_back((status, recording(file)));
        self
    }
}

/// The operation a request calls: the query protocol's `Action=` (IAM, STS), the JSON protocols'
/// `X-Amz-Target` (CloudTrail, Organizations), Access Analyzer's REST paths, S3's list call.
fn operation(req: &http::Request<SdkBody>, body: &str) -> String {
    if let Some(target) = req.headers().get("x-amz-target") {
        let t = target.to_str().unwrap();
        return t.rsplit('.').next().unwrap().to_owned();
    }
    if let Some(action) = body.split('&').find_map(|kv| kv.strip_prefix("Action=")) {
        return action.to_owned();
    }
    let path = req.uri().path();
    let host = req.uri().host().unwrap_or_default();
    if host.starts_with("access-analyzer.") {
        return match path {
            "/analyzer" => "ListAnalyzers".into(),
            "/findingv2" => {
                let arn = serde_json::from_str::<serde_json::Value>(body).unwrap()["analyzerArn"]
                    .as_str()
                    .unwrap()
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_owned();
                format!("ListFindingsV2/{arn}")
            }
            other => panic!("unexpected access analyzer call {other}"),
        };
    }
    if host.contains(".s3.") || host.starts_with("s3.") {
        return if req
            .uri()
            .query()
            .unwrap_or_default()
            .contains("list-type=2")
        {
            "ListObjectsV2".into()
        } else {
            "GetObject".into()
        };
    }
    panic!("unrecognised request {} {}", req.method(), req.uri())
}

pub fn config(script: Arc<Mutex<Script>>, max_attempts: u32) -> SdkConfig {
    let client = infallible_client_fn(move |req: http::Request<SdkBody>| {
        let body = String::from_utf8_lossy(req.body().bytes().unwrap_or_default()).into_owned();
        let op = operation(&req, &body);
        let mut s = script.lock().unwrap();
        s.seen.push(Seen {
            operation: op.clone(),
            body: body.clone(),
            uri: req.uri().to_string(),
            at: Instant::now(),
        });
        let queue = s
            .answers
            .get_mut(&op)
            .unwrap_or_else(|| panic!("no recording for {op}"));
        let (status, text) = if queue.len() > 1 {
            queue.pop_front().unwrap()
        } else {
            queue.front().unwrap().clone()
        };
        let content_type = if text.starts_with('{') {
            "application/x-amz-json-1.1"
        } else {
            "text/xml"
        };
        http::Response::builder()
            .status(status)
            .header("content-type", content_type)
            .header("x-amzn-requestid", "7a62c49f-347e-4fc4-9331-6e8eEXAMPLE")
            .body(SdkBody::from(text))
            .unwrap()
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(
        aws_config::defaults(BehaviorVersion::latest())
            .http_client(client)
            .region(Region::new("us-east-1"))
            .credentials_provider(aws_sdk_iam::config::Credentials::new(
                "AKIDEXAMPLE",
                "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                None,
                None,
                "recorded",
            ))
            .retry_config(pare_aws::retry_config(&ScanOptions {
                max_attempts: Some(max_attempts),
                adaptive_retries: true,
                ..ScanOptions::default()
            }))
            .load(),
    )
}

pub fn common(script: &mut Script) {
    script
        .on("GetCallerIdentity", 200, "sts-GetCallerIdentity.xml")
        .on(
            "GetAccountAuthorizationDetails",
            200,
            "iam-GetAccountAuthorizationDetails-page1.xml",
        )
        .on(
            "GetAccountAuthorizationDetails",
            200,
            "iam-GetAccountAuthorizationDetails-page2.xml",
        )
        .on(
            "GenerateCredentialReport",
            200,
            "iam-GenerateCredentialReport-STARTED.xml",
        )
        .on(
            "GenerateCredentialReport",
            200,
            "iam-GenerateCredentialReport-COMPLETE.xml",
        )
        .on("GetCredentialReport", 200, "iam-GetCredentialReport.xml")
        .on("GetAccountSummary", 200, "iam-GetAccountSummary.xml")
        .on(
            "GetAccountPasswordPolicy",
            403,
            "iam-AccessDenied-GetAccountPasswordPolicy.xml",
        )
        .on("ListAccessKeys", 200, "iam-ListAccessKeys.xml")
        .on("GetAccessKeyLastUsed", 200, "iam-GetAccessKeyLastUsed.xml")
        .on(
            "GenerateServiceLastAccessedDetails",
            200,
            "iam-GenerateServiceLastAccessedDetails.xml",
        )
        .on(
            "GetServiceLastAccessedDetails",
            200,
            "iam-GetServiceLastAccessedDetails-IN_PROGRESS.xml",
        )
        .on(
            "GetServiceLastAccessedDetails",
            200,
            "iam-GetServiceLastAccessedDetails-COMPLETED.xml",
        )
        .on("DescribeTrails", 200, "cloudtrail-DescribeTrails.json")
        .on("GetTrailStatus", 200, "cloudtrail-GetTrailStatus.json")
        .on("ListObjectsV2", 403, "s3-AccessDenied.xml")
        .on("ListAnalyzers", 200, "access-analyzer-ListAnalyzers.json")
        .on(
            "ListFindingsV2/external",
            200,
            "access-analyzer-ListFindingsV2-external.json",
        )
        .on(
            "ListFindingsV2/unused",
            200,
            "access-analyzer-ListFindingsV2-unused.json",
        )
        .on(
            "DescribeOrganization",
            400,
            "organizations-AWSOrganizationsNotInUseException.json",
        );
}

//! The scan against recorded AWS responses (`tests/data/replay/`) replayed through the SDK's own
//! test HTTP client (`aws-smithy-http-client`'s `infallible_client_fn`), routed by operation: what
//! moto lacks (GetAccountAuthorizationDetails `Marker` paging, Access Advisor, LookupEvents, Access
//! Analyzer) and AWS's exact error bodies (an AccessDenied, a ThrottlingException). Every request
//! the SDK sent is checked too (the marker, the granularity, the LookupEvents pacing).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code"
)]

mod replay_harness;

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_config::SdkConfig;
use pare_aws::{Collection, ScanOptions};
use replay_harness::{Script, Seen, common, config, recording};

fn scan(config: &SdkConfig, cache: &Path) -> Collection {
    let mut options = ScanOptions::new(cache.to_path_buf());
    options.poll_interval = Duration::from_millis(5);
    options.lookup_interval = Duration::from_millis(120);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut stages = Vec::new();
    let out = runtime
        .block_on(pare_aws::scan_with_config(config, &options, |p| {
            stages.push(p.clone());
        }))
        .unwrap();
    assert_eq!(
        stages.first().unwrap().message,
        "account 123456789012 as arn:aws:sts::123456789012:assumed-role/PareReadOnly/alice"
    );
    assert_eq!(stages.iter().filter(|p| p.done).count(), 8, "{stages:?}");
    out
}

#[test]
fn an_access_denied_and_a_throttled_api_are_reported_and_the_rest_is_read() {
    let mut script = Script::default();
    common(&mut script);
    script.on("LookupEvents", 400, "cloudtrail-ThrottlingException.json");
    let script = Arc::new(Mutex::new(script));
    let dir = tempfile::tempdir().unwrap();
    let out = scan(&config(script.clone(), 1), dir.path());

    // Both failures listed with AWS's codes and messages; nothing else failed.
    let problems: Vec<(&str, Option<&str>)> = out
        .problems
        .iter()
        .map(|p| (p.api.as_str(), p.code.as_deref()))
        .collect();
    assert_eq!(
        problems,
        [
            ("iam:GetAccountPasswordPolicy", Some("AccessDenied")),
            ("s3:ListBucket", Some("AccessDenied")),
            ("cloudtrail:LookupEvents", Some("ThrottlingException")),
        ],
        "{:#?}",
        out.problems
    );
    assert!(out.problems[0].is_access_denied());
    assert!(
        out.problems[0]
            .message
            .contains("explicit deny in a service control policy")
    );
    assert!(
        out.problems[1]
            .message
            .starts_with("s3://org-trail-logs/central: ")
    );
    assert!(out.problems[2].is_throttling());
    assert_eq!(out.password_policy, None);

    // GAAD: both Marker pages merged, documents decoded.
    assert_eq!(out.authorization_pages, 2);
    let gaad = out.authorization_details.as_ref().unwrap();
    assert_eq!(gaad["UserDetailList"][0]["UserName"], "Alice");
    assert_eq!(
        gaad["UserDetailList"][0]["UserPolicyList"][0]["PolicyDocument"]["Statement"][0]["Resource"],
        "arn:aws:s3:::reports/*"
    );
    assert_eq!(gaad["UserDetailList"][0]["Tags"][0]["Value"], "data");
    assert_eq!(
        gaad["GroupDetailList"][0]["AttachedManagedPolicies"][0]["PolicyArn"],
        "arn:aws:iam::aws:policy/AdministratorAccess"
    );
    let role = &gaad["RoleDetailList"][0];
    assert_eq!(
        role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Service"],
        "lambda.amazonaws.com"
    );
    assert_eq!(
        role["PermissionsBoundary"]["PermissionsBoundaryType"],
        "Policy"
    );
    assert_eq!(role["RoleLastUsed"]["LastUsedDate"], "2024-07-30T21:53:13Z");
    let policy = &gaad["Policies"][0];
    assert_eq!(
        policy["PolicyVersionList"][0]["Document"]["Statement"][0]["Action"][1],
        "dynamodb:Query"
    );
    assert_eq!(policy["PolicyVersionList"][0]["IsDefaultVersion"], true);

    // The credential report, byte for byte (root row included).
    assert_eq!(
        out.credential_report.as_deref().unwrap(),
        recording("credential-report.csv").as_bytes()
    );
    assert_eq!(
        out.account_summary.as_ref().unwrap()["AccountMFAEnabled"],
        1
    );
    assert_eq!(out.access_keys.len(), 1);
    assert_eq!(out.access_keys[0].last_used_service.as_deref(), Some("s3"));
    assert_eq!(
        out.access_keys[0].last_used_date.as_deref(),
        Some("2024-07-30T21:53:00Z")
    );

    // Access Advisor: one job per user and role, polled until done, action level.
    let principals: Vec<&str> = out
        .service_last_accessed
        .iter()
        .map(|s| s.principal_arn.as_str())
        .collect();
    assert_eq!(
        principals,
        [
            "arn:aws:iam::123456789012:user/Alice",
            "arn:aws:iam::123456789012:user/Alice",
            "arn:aws:iam::123456789012:role/service-role/orders-fn",
            "arn:aws:iam::123456789012:role/service-role/orders-fn",
        ]
    );
    let s3 = &out.service_last_accessed[0];
    assert_eq!(s3.service_namespace, "s3");
    assert_eq!(s3.actions.len(), 2);
    assert_eq!(s3.actions[0].action_name, "GetObject");
    assert_eq!(
        s3.actions[0].last_accessed_time.as_deref(),
        Some("2024-07-30T21:53:00Z")
    );
    assert_eq!(s3.actions[1].last_accessed_time, None);
    assert_eq!(out.service_last_accessed[1].last_authenticated, None);

    // CloudTrail: the organisation trail and its status, no objects (denied), no lookup pages.
    assert_eq!(out.cloudtrail.trails.len(), 1);
    let trail = &out.cloudtrail.trails[0];
    assert!(trail.organization && trail.multi_region);
    assert_eq!(trail.logging, Some(true));
    assert_eq!(
        trail.latest_delivery.as_deref(),
        Some("2024-07-30T21:53:13Z")
    );
    assert!(out.cloudtrail.files.is_empty());

    // Access Analyzer: both analyzers, each one's findings.
    assert_eq!(out.analyzers.len(), 2);
    assert_eq!(out.analyzers[1].analyzer_type, "ACCOUNT_UNUSED_ACCESS");
    let findings: Vec<(&str, &str)> = out
        .analyzer_findings
        .iter()
        .map(|f| (f.finding_type.as_deref().unwrap(), f.resource_type.as_str()))
        .collect();
    assert_eq!(
        findings,
        [
            ("ExternalAccess", "AWS::S3::Bucket"),
            ("UnusedPermission", "AWS::IAM::Role"),
            ("UnusedIAMUserPassword", "AWS::IAM::User"),
        ]
    );
    // Not in an organisation: nothing applies, nothing is missing.
    assert_eq!(out.organization, None);

    // The requests: the second GAAD page asked with the first page's marker; action-level jobs.
    let seen = script.lock().unwrap().seen.clone();
    let gaad: Vec<&Seen> = seen
        .iter()
        .filter(|s| s.operation == "GetAccountAuthorizationDetails")
        .collect();
    assert_eq!(gaad.len(), 2);
    assert!(!gaad[0].body.contains("Marker="));
    assert!(gaad[1].body.contains("Marker=EXAMPLEkakv9BCuUNFDtxWSyfzetYwEx2ADc8dnzfvERF5S6YMvXKx41t6gCl%2FeeaCX3Jo94%2FbKqezEAg8TEVS99EKFLxm3jtbpl25FDWEXAMPLE"), "{}", gaad[1].body);
    let jobs: Vec<&Seen> = seen
        .iter()
        .filter(|s| s.operation == "GenerateServiceLastAccessedDetails")
        .collect();
    assert_eq!(jobs.len(), 2);
    assert!(
        jobs.iter()
            .all(|j| j.body.contains("Granularity=ACTION_LEVEL"))
    );
    let listed = seen
        .iter()
        .find(|s| s.operation == "ListObjectsV2")
        .unwrap();
    assert!(
        listed.uri.contains("prefix=central%2FAWSLogs%2F"),
        "{}",
        listed.uri
    );
    // One attempt each: the throttled call was not retried.
    assert_eq!(
        seen.iter()
            .filter(|s| s.operation == "LookupEvents")
            .count(),
        1
    );
}

#[test]
fn throttling_is_retried_and_lookup_events_pages_are_paced_and_written_for_the_importer() {
    let mut script = Script::default();
    common(&mut script);
    script
        .on("LookupEvents", 400, "cloudtrail-ThrottlingException.json")
        .on("LookupEvents", 200, "cloudtrail-LookupEvents-page1.json")
        .on("LookupEvents", 200, "cloudtrail-LookupEvents-page2.json");
    // An IAM call is throttled once too (the query protocol's error body).
    let summary = script.answers.get_mut("GetAccountSummary").unwrap();
    summary.push_front((400, recording("iam-Throttling.xml")));
    let script = Arc::new(Mutex::new(script));
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let out = scan(&config(script.clone(), 3), dir.path());
    let took = started.elapsed();

    let apis: Vec<&str> = out.problems.iter().map(|p| p.api.as_str()).collect();
    assert_eq!(apis, ["iam:GetAccountPasswordPolicy", "s3:ListBucket"]);
    assert_eq!(out.authorization_pages, 2);
    assert_eq!(out.cloudtrail.lookup_pages, 2);
    assert_eq!(out.cloudtrail.lookup_events, 3);
    assert_eq!(out.cloudtrail.files.len(), 2);
    // Each page is `aws cloudtrail lookup-events` output: the importer's own format.
    let page: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&out.cloudtrail.files[0]).unwrap()).unwrap();
    let events = page["Events"].as_array().unwrap();
    assert_eq!(events.len(), 2);
    let record: serde_json::Value =
        serde_json::from_str(events[0]["CloudTrailEvent"].as_str().unwrap()).unwrap();
    assert_eq!(record["eventName"], "ListBuckets");
    assert_eq!(events[0]["EventTime"], "2024-07-30T21:51:00Z");

    let seen = script.lock().unwrap().seen.clone();
    let lookups: Vec<&Seen> = seen
        .iter()
        .filter(|s| s.operation == "LookupEvents")
        .collect();
    assert_eq!(lookups.len(), 3, "throttled once, then two pages");
    assert!(
        lookups[2].body.contains("\"NextToken\":\"kbOt5LlZe"),
        "{}",
        lookups[2].body
    );
    assert!(lookups[1].body.contains("\"StartTime\""));
    // Pages are at least the configured interval apart (2 requests/s in production).
    assert!(
        lookups[2].at.duration_since(lookups[1].at) >= Duration::from_millis(120),
        "{:?}",
        lookups[2].at.duration_since(lookups[1].at)
    );
    assert_eq!(
        seen.iter()
            .filter(|s| s.operation == "GetAccountSummary")
            .count(),
        2,
        "throttled once, then answered"
    );
    assert_eq!(out.account_summary.as_ref().unwrap()["Users"], 1);
    // The retry came after the throttled attempt and the call succeeded on it.
    let summaries: Vec<&Seen> = seen
        .iter()
        .filter(|s| s.operation == "GetAccountSummary")
        .collect();
    assert!(summaries[1].at >= summaries[0].at);
    // Adaptive retries rate-limit only the throttled service, from a realistic starting rate: the
    // whole scan (about 30 requests, two of them throttled, LookupEvents paced at 120 ms) is not
    // held to the SDK default's floor of one request every two seconds (23 s before).
    assert!(took < Duration::from_secs(8), "{took:?}");
    let after_throttle: Vec<&Seen> = seen
        .iter()
        .skip_while(|s| s.operation != "GetAccountSummary")
        .filter(|s| s.operation.starts_with("Get") || s.operation.starts_with("List"))
        .collect();
    assert!(after_throttle.len() > 5, "{after_throttle:?}");
}

#[test]
fn each_scan_gets_its_own_retry_partitions() {
    // A custom partition per service and scan: its own rate limiter and retry quota, named after the
    // service (the SDK's default partitions are shared by the whole process).
    assert_eq!(pare_aws::retry_partition("iam").to_string(), "pare-iam");
    let options = ScanOptions::new(std::env::temp_dir());
    assert!(options.adaptive_retries);
    let retry = pare_aws::retry_config(&options);
    assert_eq!(retry.mode(), aws_config::retry::RetryMode::Adaptive);
    assert_eq!(retry.max_attempts(), 8);
    assert_eq!(retry.initial_backoff(), Duration::from_millis(200));
}

#[test]
fn without_authorization_details_users_are_listed_for_their_access_keys() {
    // GetAccountAuthorizationDetails denied: the scan lists users (every Marker page) to still read
    // each one's access keys and their last use.
    let mut script = Script::default();
    common(&mut script);
    script.answers.remove("GetAccountAuthorizationDetails");
    script
        .on(
            "GetAccountAuthorizationDetails",
            403,
            "iam-AccessDenied-GetAccountAuthorizationDetails.xml",
        )
        .on("ListUsers", 200, "iam-ListUsers-page1.xml")
        .on("ListUsers", 200, "iam-ListUsers-page2.xml")
        .on("LookupEvents", 200, "cloudtrail-LookupEvents-page2.json");
    let script = Arc::new(Mutex::new(script));
    let dir = tempfile::tempdir().unwrap();
    let out = scan(&config(script.clone(), 1), dir.path());

    let problems: Vec<(&str, Option<&str>)> = out
        .problems
        .iter()
        .map(|p| (p.api.as_str(), p.code.as_deref()))
        .collect();
    assert_eq!(
        problems.first(),
        Some(&("iam:GetAccountAuthorizationDetails", Some("AccessDenied"))),
        "{:#?}",
        out.problems
    );
    assert!(
        !problems.iter().any(|(api, _)| *api == "iam:ListUsers"),
        "{problems:?}"
    );
    assert_eq!(out.authorization_details, None);

    // Both ListUsers pages, the second asked with the first one's marker.
    let seen = script.lock().unwrap().seen.clone();
    let lists: Vec<&Seen> = seen.iter().filter(|s| s.operation == "ListUsers").collect();
    assert_eq!(lists.len(), 2);
    assert!(!lists[0].body.contains("Marker="), "{}", lists[0].body);
    assert!(
        lists[1].body.contains("Marker=AAIXqvP3EXAMPLEuZ1b2r3w"),
        "{}",
        lists[1].body
    );
    // Each listed user's keys asked for, in order, and their last use read.
    let asked: Vec<&str> = seen
        .iter()
        .filter(|s| s.operation == "ListAccessKeys")
        .filter_map(|s| {
            s.body
                .split('&')
                .find_map(|kv| kv.strip_prefix("UserName="))
        })
        .collect();
    assert_eq!(asked, ["Andrew", "Jackie", "Alice"]);
    let users: Vec<&str> = out
        .access_keys
        .iter()
        .map(|k| k.user_name.as_str())
        .collect();
    assert_eq!(users, ["Andrew", "Jackie", "Alice"]);
    assert!(
        out.access_keys
            .iter()
            .all(|k| k.last_used_service.as_deref() == Some("s3"))
    );
    // No inventory, so no Access Advisor jobs either (they need the principals' ARNs).
    assert!(
        !seen
            .iter()
            .any(|s| s.operation == "GenerateServiceLastAccessedDetails")
    );
    assert!(out.service_last_accessed.is_empty());
}

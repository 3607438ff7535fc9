//! IAM Access Analyzer beside Pare's own findings, on an account read from recorded AWS responses
//! (`crates/pare-aws/tests/data/replay/`, built from AWS's documented response shapes) replayed
//! through the SDK's test HTTP client: the scan is stored by the engine (account snapshot, usage,
//! analyzer findings), then `compare_access_analyzer` and `pare scan-report` mark per principal or
//! resource where the two agree and where they do not.

#[path = "../crates/pare-aws/tests/replay_harness/mod.rs"]
mod replay_harness;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pare_engine::access_analyzer::{Agreement, AnalyzerTopic, compare_access_analyzer};
use pare_tests::pare_binary;
use replay_harness::{Script, common, config};

/// Scans the recorded account into `dir/pare.db` through the engine, with `extra` recordings on top.
fn replayed_scan(dir: &Path, extra: impl FnOnce(&mut Script)) -> PathBuf {
    let mut script = Script::default();
    common(&mut script);
    script
        .on("LookupEvents", 200, "cloudtrail-LookupEvents-page1.json")
        .on("LookupEvents", 200, "cloudtrail-LookupEvents-page2.json");
    extra(&mut script);
    let script = Arc::new(Mutex::new(script));
    let sdk = config(script, 1);
    let mut options = pare_engine::ScanOptions::new(dir.join("cache"));
    options.poll_interval = Duration::from_millis(5);
    options.lookup_interval = Duration::from_millis(1);
    let started = chrono::Utc::now();
    let collection = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(pare_aws::scan_with_config(&sdk, &options, |_| {}))
        .unwrap();
    let db = dir.join("pare.db");
    let summary =
        pare_engine::store_collection(&db, &options, &collection, started, |_| {}).unwrap();
    assert!(
        summary.account_import.as_ref().is_some_and(|a| a.created),
        "{:#?}",
        summary.problems
    );
    db
}

#[test]
fn access_analyzer_and_pare_agree_and_disagree_per_principal_and_resource() {
    let dir = tempfile::tempdir().unwrap();
    let db = replayed_scan(dir.path(), |_| {});
    let cmp = compare_access_analyzer(&db).unwrap();
    assert_eq!(
        cmp.analyzers,
        [
            (
                "external".to_owned(),
                "ACCOUNT".to_owned(),
                "ACTIVE".to_owned()
            ),
            (
                "unused".to_owned(),
                "ACCOUNT_UNUSED_ACCESS".to_owned(),
                "ACTIVE".to_owned()
            ),
        ]
    );
    let rows: Vec<(Agreement, AnalyzerTopic, &str)> = cmp
        .rows
        .iter()
        .map(|r| (r.agreement, r.topic, r.subject.as_str()))
        .collect();
    let alice = "arn:aws:iam::123456789012:user/Alice";
    assert_eq!(
        rows,
        [
            // Both: Alice's console password (last used 2024-07-29) is unused.
            (Agreement::Agree, AnalyzerTopic::UnusedPassword, alice),
            // Access Analyzer's unused-permission finding on the role; Pare sees no unused
            // permission finding for it.
            (
                Agreement::OnlyAccessAnalyzer,
                AnalyzerTopic::UnusedPermissions,
                "arn:aws:iam::123456789012:role/service-role/orders-fn"
            ),
            // Pare: Alice's key unused since 2024-07-30; the unused-access analyzer reported none.
            (Agreement::OnlyPare, AnalyzerTopic::UnusedAccessKey, alice),
            // An S3 bucket shared outside the account: a resource policy Pare does not read.
            (
                Agreement::NotModelledByPare,
                AnalyzerTopic::ExternalAccess,
                "arn:aws:s3:::reports"
            ),
        ],
        "{:#?}",
        cmp.rows
    );
    let agree = &cmp.rows[0];
    assert_eq!(
        agree.access_analyzer[0].id,
        "a1b2c3d4-5678-90ab-cdef-EXAMPLE33333"
    );
    assert_eq!(agree.pare[0].kind, "password-unused");
    assert_eq!(
        agree.summary,
        "Access Analyzer says `arn:aws:iam::123456789012:user/Alice` has an unused console password; Pare says so too (password-unused)"
    );
    assert_eq!(cmp.inactive_findings, 0);

    // `pare scan-report` prints the same, marked.
    let out = Command::new(pare_binary())
        .args(["scan-report", "--db", db.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("access analyzer vs pare: 1 agree, 1 only access analyzer, 1 only pare, 1 not modelled by pare, 0 without an analyzer"),
        "{text}"
    );
    assert!(
        text.contains(&format!("  [agree] {}", agree.summary)),
        "{text}"
    );
    assert!(
        text.contains("  [not modelled by pare] Access Analyzer says `arn:aws:s3:::reports` is shared outside the account; Pare does not read this resource's policy"),
        "{text}"
    );
    let out = Command::new(pare_binary())
        .args(["scan-report", "--db", db.to_str().unwrap(), "--json"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = json["access_analyzer_comparison"]["rows"]
        .as_array()
        .unwrap();
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[0]["agreement"], "agree");
    assert_eq!(rows[0]["topic"], "unused-password");
}

#[test]
fn without_an_unused_access_analyzer_pare_only_findings_are_not_disagreements() {
    let dir = tempfile::tempdir().unwrap();
    // Only the external-access analyzer exists.
    let db = replayed_scan(dir.path(), |s| {
        s.answers.insert(
            "ListAnalyzers".into(),
            [(
                200,
                r#"{"analyzers":[{"arn":"arn:aws:access-analyzer:us-east-1:123456789012:analyzer/external","name":"external","type":"ACCOUNT","createdAt":"2024-01-10T12:00:00Z","status":"ACTIVE"}]}"#.to_owned(),
            )]
            .into(),
        );
    });
    let cmp = compare_access_analyzer(&db).unwrap();
    let rows: Vec<(Agreement, AnalyzerTopic)> =
        cmp.rows.iter().map(|r| (r.agreement, r.topic)).collect();
    assert_eq!(
        rows,
        [
            (Agreement::NotModelledByPare, AnalyzerTopic::ExternalAccess),
            (Agreement::NoAnalyzer, AnalyzerTopic::UnusedAccessKey),
            (Agreement::NoAnalyzer, AnalyzerTopic::UnusedPassword),
        ],
        "{:#?}",
        cmp.rows
    );
}

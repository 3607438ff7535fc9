//! IAM Access Analyzer beside Pare's own findings, on an account read from recorded AWS responses
//! (`crates/pare-aws/tests/data/replay/`, built from AWS's documented response shapes) replayed
//! through the SDK's test HTTP client: the scan is stored by the engine (account snapshot, usage,
//! analyzer findings), then `compare_access_analyzer` and `pare scan-report` mark per principal or
//! resource where the two agree and where they do not.

#[path = "../crates/pare-aws/tests/replay_harness/mod.rs"]
mod replay_harness;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pare_engine::access_analyzer::{Agreement, AnalyzerTopic, compare_access_analyzer};
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
    eprintln!("{:#?}", cmp.rows);
    assert!(!rows.is_empty(), "{rows:?}");
}

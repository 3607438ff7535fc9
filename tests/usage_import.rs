//! CloudTrail import end to end on the real fixtures: `pare import`/`usage`/`mapping` and `pare_engine`,
//! exact counts, idempotent re-import, corrupted files reported with file and record, S3 trees.

use std::io::Write;
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::write::GzEncoder;
use pare_tests::{pare, pare_json, tests_dir};
use serde_json::Value;

fn cloudtrail_dir() -> PathBuf {
    tests_dir().join("data/cloudtrail")
}

fn stratus() -> PathBuf {
    cloudtrail_dir().join("stratus-red-team/all_detonations.json.gz")
}

/// The Stratus Red Team records, as JSON values.
fn stratus_records() -> Vec<Value> {
    let mut text = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::GzDecoder::new(std::fs::File::open(stratus()).unwrap()),
        &mut text,
    )
    .unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    doc["Records"].as_array().unwrap().clone()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

fn import(db: &Path, paths: &[PathBuf]) -> pare_engine::ImportSummary {
    pare_engine::import_cloudtrail(db, paths, None, None, |_| {}).unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The attacker's IAM user in the `aws.persistence.iam-create-admin-user` detonation.
const ATTACKER: &str = "arn:aws:iam::229654561268:user/christophe";

#[test]
fn stratus_import_via_the_cli_counts_every_event_and_usage_per_principal() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("pare.db");
    let summary = pare_json(&[
        "import",
        "--db",
        s(&db),
        "--cloudtrail",
        s(&stratus()),
        "--json",
    ]);
    assert_eq!(summary["records"], 310);
    assert_eq!(summary["new_events"], 310);
    assert_eq!(summary["totals"]["events"], 310);
    assert_eq!(summary["bad_records"].as_array().unwrap().len(), 0);
    assert_eq!(summary["file_problems"].as_array().unwrap().len(), 0);

    let usage = pare_json(&["usage", "--db", s(&db), "--principal", ATTACKER, "--json"]);
    let rows = usage.as_array().unwrap();
    let actions: Vec<(&str, u64)> = rows
        .iter()
        .map(|r| (r["action"].as_str().unwrap(), r["count"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        actions,
        [
            ("iam:AttachUserPolicy", 1),
            ("iam:CreateAccessKey", 1),
            ("iam:CreateUser", 1)
        ]
    );
    for r in rows {
        assert_eq!(r["principal"], ATTACKER);
        for field in ["resource", "first_seen", "last_seen"] {
            assert!(r[field].is_string(), "{field} in {r}");
        }
        assert!(!r["regions"].as_array().unwrap().is_empty(), "{r}");
        assert!(!r["source_ips"].as_array().unwrap().is_empty(), "{r}");
    }
    // A role session's ARN names its role.
    let role = "arn:aws:iam::494659789341:role/test-role";
    let by_role = pare_json(&["usage", "--db", s(&db), "--principal", role, "--json"]);
    assert!(by_role.as_array().unwrap().len() >= 4, "{by_role}");
    let session = "arn:aws:sts::494659789341:assumed-role/test-role/s";
    let by_session = pare_json(&["usage", "--db", s(&db), "--principal", session, "--json"]);
    assert_eq!(by_session, by_role);
    // The human summary names the counts.
    let (code, stdout, _) = pare(&["import", "--db", s(&db), "--cloudtrail", s(&stratus())]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("unchanged since an earlier import"),
        "{stdout}"
    );
    // Unknown databases are a usage error, not a new empty file.
    let (code, _, stderr) = pare(&["usage", "--db", s(&dir.path().join("nope.db"))]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("nope.db"), "{stderr}");
}

#[test]
fn mapping_lists_every_pair_with_counts_and_empty_actions_only_when_not_mapped() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("pare.db");
    let summary = import(&db, &[cloudtrail_dir()]);
    let mapping = pare_json(&["mapping", "--db", s(&db), "--json"]);
    let rows = mapping.as_array().unwrap();
    let total: u64 = rows.iter().map(|r| r["count"].as_u64().unwrap()).sum();
    assert_eq!(total, summary.totals.events);
    for r in rows {
        let actions = r["actions"].as_array().unwrap();
        assert_eq!(actions.is_empty(), r["status"] != "actions", "{r}");
        assert!(r["count"].as_u64().unwrap() > 0, "{r}");
    }
    let unmapped: Vec<(&str, &str)> = rows
        .iter()
        .filter(|r| r["status"] == "unmapped")
        .map(|r| {
            (
                r["event_source"].as_str().unwrap(),
                r["event_name"].as_str().unwrap(),
            )
        })
        .collect();
    let mut expected: Vec<(&str, &str)> = summary
        .unmapped
        .iter()
        .map(|u| (u.event_source.as_str(), u.event_name.as_str()))
        .collect();
    expected.sort_unstable();
    assert_eq!(unmapped, expected);
    let stored_unmapped: u64 = rows
        .iter()
        .filter(|r| r["status"] == "unmapped")
        .map(|r| r["count"].as_u64().unwrap())
        .sum();
    assert_eq!(stored_unmapped, summary.totals.unmapped_events);
    let create_user = rows
        .iter()
        .find(|r| r["event_source"] == "iam.amazonaws.com" && r["event_name"] == "CreateUser")
        .unwrap();
    assert_eq!(
        create_user["actions"],
        serde_json::json!(["iam:CreateUser"])
    );
}

#[test]
fn reimport_is_idempotent_and_skips_unchanged_files() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("pare.db");
    let first = import(&db, &[cloudtrail_dir()]);
    assert!(first.bad_records.is_empty(), "{:?}", first.bad_records);
    assert!(first.new_events > 310);
    let usage = pare_engine::usage(&db, None).unwrap();
    let mapping = pare_engine::mapping(&db).unwrap();
    let second = import(&db, &[cloudtrail_dir()]);
    assert_eq!(second.records, 0);
    assert_eq!(second.new_events, 0);
    assert_eq!(second.files_read, 0);
    assert_eq!(
        second.files_unchanged,
        first.files_read + first.files_unchanged
    );
    assert_eq!(second.totals, first.totals);
    assert_eq!(pare_engine::usage(&db, None).unwrap(), usage);
    assert_eq!(pare_engine::mapping(&db).unwrap(), mapping);
}

/// The Stratus records as a CloudTrail S3 tree: 7 gzipped objects of up to 50 records, plus a digest.
fn s3_tree(root: &Path) -> usize {
    let records = stratus_records();
    let day = root.join("AWSLogs/751353041310/CloudTrail/us-east-1/2024/07/30");
    std::fs::create_dir_all(&day).unwrap();
    let mut files = 0;
    for (i, chunk) in records.chunks(50).enumerate() {
        let doc = serde_json::json!({ "Records": chunk });
        let name =
            format!("751353041310_CloudTrail_us-east-1_20240730T21{i:02}Z_abcdEFGH{i}.json.gz");
        std::fs::write(day.join(name), gzip(doc.to_string().as_bytes())).unwrap();
        files += 1;
    }
    let digest = root.join("AWSLogs/751353041310/CloudTrail-Digest/us-east-1/2024/07/30");
    std::fs::create_dir_all(&digest).unwrap();
    std::fs::write(
        digest.join("751353041310_CloudTrail-Digest_us-east-1_x_us-east-1_20240730T2200Z.json.gz"),
        gzip(b"{}"),
    )
    .unwrap();
    files
}

#[test]
fn an_s3_tree_is_imported_and_events_are_deduplicated_across_files() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("bucket");
    let files = s3_tree(&tree);
    assert_eq!(files, 7);
    let db = dir.path().join("pare.db");
    let mut progress = Vec::new();
    let summary =
        pare_engine::import_cloudtrail(&db, &[tree], None, None, |p| progress.push(*p)).unwrap();
    assert_eq!(summary.files_read, 7);
    assert_eq!(summary.new_events, 310);
    assert_eq!(progress.len(), 8, "{progress:?}");
    assert_eq!(progress[6].files_done, 7);
    let last = progress.last().unwrap();
    assert!(last.finished && !progress[6].finished);
    assert_eq!(
        (last.files_done, last.records, last.new_events),
        (7, 310, 310)
    );
    assert!(summary.skipped.iter().any(|s| s.reason.contains("digest")));
    // The same events in another file: read, but nothing new.
    let again = import(&db, &[stratus()]);
    assert_eq!(
        (again.records, again.new_events, again.duplicate_events),
        (310, 0, 310)
    );
    assert_eq!(again.totals.events, 310);
}

#[test]
fn since_and_until_keep_only_the_window() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("pare.db");
    let records = stratus_records();
    let since = "2024-07-31";
    let until = "2024-08-01T00:00:00Z";
    let expected = records
        .iter()
        .filter(|r| {
            let t = r["eventTime"].as_str().unwrap();
            t >= "2024-07-31T00:00:00Z" && t < until
        })
        .count();
    assert!(expected > 0 && expected < 310);
    let summary = pare_json(&[
        "import",
        "--db",
        s(&db),
        "--cloudtrail",
        s(&stratus()),
        "--since",
        since,
        "--until",
        until,
        "--json",
    ]);
    assert_eq!(summary["new_events"].as_u64().unwrap(), expected as u64);
    // The same window again: the file is unchanged and skipped; without a window it is read again.
    let again = pare_engine::import_cloudtrail(
        &db,
        &[stratus()],
        pare_engine::parse_time_text("2024-07-31T00:00:00Z"),
        pare_engine::parse_time_text(until),
        |_| {},
    )
    .unwrap();
    assert_eq!((again.files_unchanged, again.records), (1, 0));
    let all = import(&db, &[stratus()]);
    assert_eq!(all.files_read, 1);
    assert_eq!(all.new_events, 310 - expected as u64);
    assert_eq!(all.totals.events, 310);
    let (code, _, stderr) = pare(&[
        "import",
        "--db",
        s(&db),
        "--cloudtrail",
        "x",
        "--since",
        "july",
    ]);
    assert_eq!(code, 2);
    assert!(stderr.contains("`july`"), "{stderr}");
}

#[test]
fn corrupted_files_are_reported_with_file_and_record_and_the_rest_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    let records = stratus_records();
    // A truncated gzip file: the records before the cut are kept.
    let whole = std::fs::read(stratus()).unwrap();
    let truncated = logs.join("truncated.json.gz");
    std::fs::write(&truncated, &whole[..whole.len() / 2]).unwrap();
    // JSON Lines with invalid JSON on the third line (record 2).
    let mut lines: Vec<String> = records[100..105].iter().map(Value::to_string).collect();
    lines[2] = r#"{"eventID": "broken", "eventName": "#.to_owned();
    let jsonl = logs.join("broken.jsonl");
    std::fs::write(&jsonl, lines.join("\n")).unwrap();
    // A record with a duplicate field (record 1): valid JSON, framed, but not a CloudTrail record.
    let texts: Vec<String> = records[110..113].iter().map(Value::to_string).collect();
    let duplicated = texts[1].replacen('{', r#"{"eventName": "Twice","#, 1);
    let wrong_type = logs.join("wrong_type.json");
    std::fs::write(
        &wrong_type,
        format!(
            r#"{{"Records": [{}, {duplicated}, {}]}}"#,
            texts[0], texts[2]
        ),
    )
    .unwrap();
    // A good file.
    let good = logs.join("good.json");
    std::fs::write(
        &good,
        serde_json::json!({ "Records": &records[200..210] }).to_string(),
    )
    .unwrap();

    let db = dir.path().join("pare.db");
    let (code, stdout, stderr) = pare(&["import", "--db", s(&db), "--cloudtrail", s(&logs)]);
    assert_eq!(code, 1, "problems exit 1: {stderr}");
    let b_db = dir.path().join("b.db");
    let (code, json, _) = pare(&[
        "import",
        "--db",
        s(&b_db),
        "--cloudtrail",
        s(&logs),
        "--json",
    ]);
    assert_eq!(code, 1);
    let summary: Value = serde_json::from_str(&json).unwrap();
    let problems = summary["file_problems"].as_array().unwrap();
    let problem = |file: &Path| {
        problems
            .iter()
            .find(|p| p["file"] == s(file))
            .unwrap_or_else(|| panic!("no problem reported for {}: {problems:?}", file.display()))
    };
    assert_eq!(problem(&jsonl)["record"], 2);
    assert!(
        problem(&truncated)["message"]
            .as_str()
            .unwrap()
            .contains("truncated.json.gz")
    );
    let bad_records = summary["bad_records"].as_array().unwrap();
    assert_eq!(bad_records.len(), 1, "{bad_records:?}");
    assert_eq!(bad_records[0]["file"], s(&wrong_type));
    assert_eq!(bad_records[0]["index"], 1);
    // The human output names each file and place.
    assert!(
        stdout.contains("broken.jsonl") && stdout.contains("record 2"),
        "{stdout}"
    );
    assert!(stdout.contains("wrong_type.json`: record 1"), "{stdout}");
    assert!(stdout.contains("truncated.json.gz"), "{stdout}");
    // Everything else is kept: the good file, the other JSON Lines, the good records, and what the
    // truncated file held before the cut.
    let new = summary["new_events"].as_u64().unwrap();
    let truncated_kept = new - 10 - 4 - 2;
    assert!(truncated_kept > 0 && truncated_kept < 310, "{summary}");
    assert_eq!(pare_engine::totals(&db).unwrap().events, new);
    // Files with problems are not read again while unchanged.
    let again = import(&db, &[logs]);
    assert_eq!((again.files_read, again.new_events), (0, 0));
    assert_eq!(again.files_unchanged, 4);
}

#[test]
fn stored_events_are_read_back_per_principal_and_time() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("pare.db");
    import(&db, &[stratus()]);
    let collect = |filter: &pare_engine::EventFilter| {
        let mut out = Vec::new();
        pare_engine::events(&db, filter, |e| {
            out.push(e.event.clone());
            std::ops::ControlFlow::Continue(())
        })
        .unwrap();
        out
    };
    let all = collect(&pare_engine::EventFilter::default());
    assert_eq!(all.len(), 310);
    let mut ids: Vec<&str> = all.iter().filter_map(|e| e.event_id.as_deref()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 310);
    // The records' own fields, for the attacker's events.
    let by_attacker = collect(&pare_engine::EventFilter {
        principal: Some(ATTACKER.to_owned()),
        ..Default::default()
    });
    let expected: Vec<&Value> = stratus_records()
        .iter()
        .filter(|r| r["userIdentity"]["arn"] == ATTACKER)
        .map(|_| &Value::Null)
        .collect();
    assert_eq!(by_attacker.len(), expected.len());
    let create = by_attacker
        .iter()
        .find(|e| e.event_name == "CreateUser")
        .unwrap();
    assert_eq!(create.event_source, "iam.amazonaws.com");
    assert_eq!(create.actions[0].action, "iam:CreateUser");
    assert!(create.source_ip.is_some() && create.user_agent.is_some());
    let details: Value = serde_json::from_str(&create.principal.details).unwrap();
    assert_eq!(details["type"], "IAMUser");
    // A session ARN names its role; a time window keeps only its events.
    let role = collect(&pare_engine::EventFilter {
        principal: Some("arn:aws:sts::494659789341:assumed-role/test-role/s".to_owned()),
        ..Default::default()
    });
    assert!(!role.is_empty());
    assert!(
        role.iter()
            .all(|e| e.principal.key == "arn:aws:iam::494659789341:role/test-role")
    );
    let since = "2024-07-31T00:00:00Z";
    let window = collect(&pare_engine::EventFilter {
        since: Some(since.to_owned()),
        ..Default::default()
    });
    let in_window = stratus_records()
        .iter()
        .filter(|r| r["eventTime"].as_str().unwrap() >= since)
        .count();
    assert_eq!(window.len(), in_window);
}

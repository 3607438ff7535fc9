//! The `pare` command line: the `simulate` and `expand` contracts and their error messages.

use std::io::Write;
use std::process::{Command, Stdio};

use pare_tests::pare_binary;

fn pare(args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    let mut child = Command::new(pare_binary())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn expand_prints_catalog_actions_one_per_line() {
    let (code, out, _) = pare(&["expand", "s3:GetObject*"], None);
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines.contains(&"s3:GetObject"));
    assert!(lines.contains(&"s3:GetObjectAcl"));
    assert!(lines.iter().all(|l| l.starts_with("s3:GetObject")));
    let (_, upper, _) = pare(&["expand", "S3:GETOBJECT*"], None);
    assert_eq!(out, upper, "patterns are case-insensitive");
}

#[test]
fn expand_warns_on_patterns_matching_nothing() {
    let (code, out, err) = pare(&["expand", "s3:GetObject", "nosuch:*"], None);
    assert_eq!(code, 1);
    assert_eq!(out, "s3:GetObject\n");
    assert!(err.contains("`nosuch:*` matches no action"), "{err}");
}

#[test]
fn simulate_reads_standard_input_and_prints_the_contract() {
    let input = r#"{"request": {"principal": "arn:aws:iam::111122223333:user/alice", "action": "s3:GetObject",
        "resource": "arn:aws:s3:::b/k"},
      "identity_policies": ["{\"Version\":\"2012-10-17\",\"Statement\":{\"Sid\":\"R\",\"Effect\":\"Allow\",\"Action\":\"s3:Get*\",\"Resource\":\"*\"}}"],
      "resource_policy": null}"#;
    let (code, out, err) = pare(&["simulate", "--input", "-"], Some(input));
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["decision"], "Allowed");
    assert_eq!(v["blocked_by"], serde_json::json!([]));
    assert_eq!(v["matched_statements"][0]["sid"], "R");
    assert_eq!(v["matched_statements"][0]["policy_type"], "identity");
    assert_eq!(v["depends_on"], serde_json::json!([]));
}

#[test]
fn simulate_errors_name_the_file_and_the_place() {
    let (code, _, err) = pare(&["simulate", "--input", "/nonexistent/case.json"], None);
    assert_eq!(code, 2);
    assert!(err.contains("`/nonexistent/case.json`"), "{err}");

    let bad_field = r#"{"request": {"principal": "p", "action": "s3:GetObject", "resource": "*", "contxt": {}}}"#;
    let (code, _, err) = pare(&["simulate", "--input", "-"], Some(bad_field));
    assert_eq!(code, 2);
    assert!(err.contains("request"), "{err}");
    assert!(err.contains("contxt"), "{err}");

    let bad_policy = r#"{"request": {"principal": "p", "action": "s3:GetObject", "resource": "*"},
      "identity_policies": [{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]},
                            {"Version": "2012-10-17", "Statement": [{"Effect": "Alow", "Action": "s3:*", "Resource": "*"}]}]}"#;
    let (code, _, err) = pare(&["simulate", "--input", "-"], Some(bad_policy));
    assert_eq!(code, 2);
    assert!(err.contains("`/identity_policies/1`"), "{err}");
    assert!(err.contains("`/Statement/0/Effect`"), "{err}");
    assert!(err.contains("`Alow`"), "{err}");
}

#[test]
fn simulate_warns_about_unknown_actions_without_dropping_them() {
    let input = r#"{"request": {"principal": "arn:aws:iam::1:user/a", "action": "s3:GetObjekt", "resource": "*"},
      "identity_policies": [{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObjekt", "Resource": "*"}]}]}"#;
    let (code, out, _) = pare(&["simulate", "--input", "-"], Some(input));
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["decision"], "Allowed",
        "the statement still takes part in the decision"
    );
    assert_eq!(v["warnings"][0]["path"], "/Statement/0/Action/0");
    assert_eq!(v["warnings"][0]["document"], "/identity_policies/0");
}

#[test]
fn demo_runs_on_the_bundled_scenarios() {
    let (code, out, err) = pare(&["demo"], None);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("22"), "{out}");
    assert!(out.contains("decision: ExplicitlyDenied"));
    assert!(out.contains("depends on: `aws:MultiFactorAuthPresent`"));
    assert!(
        out.contains("Demo account 210987654321 (Northwind production): 12 users, 4 groups, 10 roles (2 Identity Center, 1 service-linked); 8867 CloudTrail events over 90 days, 9 denied"),
        "{out}"
    );
    assert!(
        out.contains(
            "120 findings (6 critical, 28 high, 33 low, 53 medium), 19 privilege-escalation paths"
        ),
        "{out}"
    );
    assert!(out.contains("15 alerts raised"), "{out}");
}

#[test]
fn demo_database_is_the_one_the_app_builds() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let (code, out, err) = pare(&["demo", "--db", db.to_str().unwrap()], None);
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("(already built)"), "{out}");
    // The trail stays beside the database: the review reads root sign-ins back from it.
    assert!(
        dir.path()
            .join("demo-data/trail/AWSLogs/210987654321/CloudTrail")
            .is_dir()
    );
    let (code, out, err) = pare(&["demo", "--db", db.to_str().unwrap()], None);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("(already built)"), "{out}");
    let (code, findings, err) = pare(&["findings", "--db", db.to_str().unwrap(), "--json"], None);
    assert_eq!(code, 0, "{err}");
    let findings: serde_json::Value = serde_json::from_str(&findings).unwrap();
    let titles: Vec<&str> = findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["title"].as_str().unwrap())
        .collect();
    for want in [
        "console user `bob.martin` has no MFA",
        "root signed in to the console without MFA 1 times",
        "role `vendor-audit-access` can be assumed from unknown account 870123456789",
        "user `frank.li` unused in the window (last used 2026-02-22T02:43:00+00:00)",
        "access key 1 of `legacy-backup` unused for 235 days",
        "access key 2 of `ivan.petrov` never used",
    ] {
        assert!(titles.contains(&want), "{want} not in {titles:#?}");
    }
    assert!(
        titles
            .iter()
            .any(|t| t.starts_with("`heidi.schmidt` can escalate to admin")),
        "{titles:#?}"
    );
}

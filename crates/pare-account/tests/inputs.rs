//! Credential report, organization policies and known accounts: edge cases and errors with their places.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed unwrap is a failed test"
)]

use base64::Engine;
use pare_account::credential_report::COLUMNS;
use pare_account::{
    Field, parse_credential_report, parse_known_accounts, parse_org_policies, parse_time,
};

const REPORT: &str =
    include_str!("../../../tests/data/credential-report/awscli-example-account.csv");

#[test]
fn credential_report_markers_and_rows() {
    let r = parse_credential_report("creds.csv", REPORT).unwrap();
    assert_eq!(r.rows.len(), 5);
    let root = r.root().unwrap();
    assert_eq!(root.line, 2);
    assert_eq!(root.password_last_changed, Field::NotSupported);
    assert_eq!(
        root.password_last_used,
        Field::Value(parse_time("2026-11-02T08:14:51+00:00").unwrap())
    );
    let charlie = &r.rows[3];
    assert_eq!(charlie.user, "Charlie");
    assert_eq!(charlie.password_enabled, Field::Value(false));
    assert!(!charlie.has_password());
    assert_eq!(charlie.password_last_used, Field::NotApplicable);
    assert_eq!(charlie.access_keys[0].last_used_date, Field::NotApplicable);
    assert_eq!(
        charlie.access_keys[0].last_used_service,
        Field::NotApplicable
    );
    assert!(charlie.certificates[0].active);
    let alice = &r.rows[1];
    assert_eq!(
        alice.access_keys[0].last_used_service,
        Field::Value("s3".to_owned())
    );
    assert!(alice.mfa_active);
}

#[test]
fn credential_report_from_get_credential_report_json_and_crlf() {
    let crlf = REPORT.replace('\n', "\r\n");
    let content = base64::engine::general_purpose::STANDARD.encode(crlf.as_bytes());
    let json = format!(
        r#"{{"Content": "{content}", "ReportFormat": "text/csv", "GeneratedTime": "2026-11-23T10:00:00+00:00"}}"#
    );
    let r = parse_credential_report("report.json", &json).unwrap();
    assert_eq!(r.rows.len(), 5);
    assert_eq!(r.generated_time, parse_time("2026-11-23T10:00:00Z"));
    assert_eq!(r.rows[4].user, "Dave");
}

#[test]
fn credential_report_errors_name_line_and_column() {
    let header = COLUMNS.join(",");
    let e = parse_credential_report("c.csv", "user,arn\nx,y\n").unwrap_err();
    assert_eq!(e.place, "line 1");
    assert!(
        e.message.contains("missing columns [user_creation_time"),
        "{e}"
    );
    let bad_bool = REPORT.replacen(",true,2026-11-20", ",yes,2026-11-20", 1);
    let e = parse_credential_report("c.csv", &bad_bool).unwrap_err();
    assert_eq!(
        e.to_string(),
        "`c.csv` at `line 3 column password_enabled`: `yes` is not true or false"
    );
    let e = parse_credential_report(
        "c.csv",
        &format!("{header}\nBob,arn:aws:iam::1:user/Bob,2020\n"),
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "`c.csv` at `line 2`: expected 22 columns, found 3"
    );
    let bad_time = REPORT.replacen("2013-10-14T18:33:56+00:00", "yesterday", 1);
    let e = parse_credential_report("c.csv", &bad_time).unwrap_err();
    assert_eq!(e.place, "line 5 column user_creation_time");
}

#[test]
fn org_policies_levels_root_first() {
    let text = r#"{"levels": [
      {"target": "r-ab12", "scps": [{"name": "FullAWSAccess", "document": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}}]},
      {"target": "ou-ab12-11111111", "scps": [{"name": "DenyLeave", "arn": "arn:aws:organizations::1:policy/o-1/service_control_policy/p-1",
        "document": "{\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\": \"Deny\", \"Action\": \"organizations:LeaveOrganization\", \"Resource\": \"*\"}]}"}],
       "rcps": [{"name": "RCPFullAWSAccess", "document": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]}}]}
    ]}"#;
    let mut problems = Vec::new();
    let org = parse_org_policies("scps.json", text, &mut problems).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(org.levels.len(), 2);
    assert_eq!(org.levels[1].scps[0].document.document.statements.len(), 1);
    assert_eq!(org.levels[1].rcps.len(), 1);
    let e = parse_org_policies(
        "scps.json",
        r#"{"levels": [{"target": "r", "scps": [{"name": "x"}]}]}"#,
        &mut problems,
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "`scps.json` at `/levels/0/scps/0`: missing `document`"
    );
}

#[test]
fn known_accounts_text_and_json() {
    let k = parse_known_accounts(
        "k.txt",
        "# ours\n111111111111 prod\n222222222222\n\n111111111111\n",
    )
    .unwrap();
    assert_eq!(k.len(), 2);
    assert_eq!(k[0].name.as_deref(), Some("prod"));
    let j = parse_known_accounts(
        "k.json",
        r#"[{"id": "333333333333", "name": "audit"}, "444444444444"]"#,
    )
    .unwrap();
    assert_eq!(j.len(), 2);
    let e = parse_known_accounts("k.txt", "111111111111\n12345\n").unwrap_err();
    assert_eq!(
        e.to_string(),
        "`k.txt` at `line 2`: `12345` is not a 12-digit account ID"
    );
}

//! Review campaigns end to end through the `pare` CLI: decisions that survive reopening the database and a
//! re-import, a second review that inherits them (and not where the identity changed), drift between two
//! snapshots of a cloudsplaining dump where the second is a modified copy (a user added, a policy detached, a
//! statement changed, a key rotated): exactly those changes; the sealed HTML report, the CSV, and the PDF and
//! HTML through a real headless Chromium when one is installed.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine as _;
use pare_tests::{pare_binary, tests_dir};
use serde_json::{Value, json};

const ACCOUNT: &str = "012345678901";

fn arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:user/{name}")
}

fn pare(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(pare_binary())
        .args(args)
        .env("PARE_REVIEWER", "auditor")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn pare_ok(args: &[&str]) -> String {
    let (code, stdout, stderr) = pare(args);
    assert_eq!(code, 0, "pare {args:?}: {stderr}");
    stdout
}

fn pare_json(args: &[&str]) -> Value {
    serde_json::from_str(&pare_ok(args)).unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The cloudsplaining example dump (3 users, 2 groups, 3 roles, 32 policies).
fn dump() -> Value {
    let path = tests_dir()
        .join("data")
        .join("authz-details-cloudsplaining")
        .join("example-authz-details.json.gz");
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    serde_json::from_str(&text).unwrap()
}

const HEADER: &str = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated";

/// A credential report row: a user without a password, with access key 1 active and rotated at `rotated`.
fn row(user: &str, rotated: &str) -> String {
    format!(
        "{user},{},2019-12-18T19:10:08+00:00,false,N/A,N/A,N/A,false,true,{rotated},2026-11-19T10:00:00+00:00,us-east-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A",
        arn(user)
    )
}

/// `aws iam get-credential-report` output (its `GeneratedTime` is the snapshot's time).
fn credential_report(generated: &str, rows: &[String]) -> String {
    let csv = format!("{HEADER}\n{}\n", rows.join("\n"));
    json!({
        "Content": base64::engine::general_purpose::STANDARD.encode(csv),
        "ReportFormat": "text/csv",
        "GeneratedTime": generated,
    })
    .to_string()
}

struct Account {
    _dir: tempfile::TempDir,
    db: PathBuf,
    first: (PathBuf, PathBuf),
    second: (PathBuf, PathBuf),
}

/// The dump as is (snapshot 1) and modified (snapshot 2): user `carol` added, `AWSLambdaFullAccess` detached
/// from `biden`, the `VisualEditor0` statement of `InsecurePolicy` changed, `biden`'s access key 1 rotated.
fn two_snapshots() -> Account {
    let dir = tempfile::tempdir().unwrap();
    let original = dump();
    let mut modified = original.clone();
    let users = modified["UserDetailList"].as_array_mut().unwrap();
    let biden = users.iter_mut().find(|u| u["UserName"] == "biden").unwrap();
    biden["AttachedManagedPolicies"] = json!([]);
    users.push(json!({
        "Path": "/", "UserName": "carol", "UserId": "AIDACAROLEXAMPLE0001", "Arn": arn("carol"),
        "CreateDate": "2026-11-21 09:00:00+00:00", "GroupList": [], "Tags": [], "UserPolicyList": [],
        "AttachedManagedPolicies": [{"PolicyArn": "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
                                     "PolicyName": "AmazonS3ReadOnlyAccess"}],
    }));
    let insecure = modified["Policies"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|p| p["PolicyName"] == "InsecurePolicy")
        .unwrap();
    insecure["PolicyVersionList"][0]["Document"]["Statement"][0]["Action"] =
        json!(["s3:PutObject", "s3:PutObjectAcl", "s3:DeleteObject"]);

    let write = |name: &str, text: String| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let first_rows = [
        row("obama", "2026-10-01T00:00:00+00:00"),
        row("userwithlotsofpermissions", "2026-10-01T00:00:00+00:00"),
        row("biden", "2024-01-15T00:00:00+00:00"),
    ];
    let mut second_rows = first_rows.to_vec();
    second_rows[2] = row("biden", "2026-11-21T12:00:00+00:00");
    second_rows.push(row("carol", "2026-11-21T09:05:00+00:00"));
    let first = (
        write("authz-1.json", original.to_string()),
        write(
            "creds-1.json",
            credential_report("2026-11-20T00:00:00Z", &first_rows),
        ),
    );
    let second = (
        write("authz-2.json", modified.to_string()),
        write(
            "creds-2.json",
            credential_report("2026-11-22T00:00:00Z", &second_rows),
        ),
    );
    Account {
        db: dir.path().join("pare.db"),
        _dir: dir,
        first,
        second,
    }
}

fn import(db: &Path, files: &(PathBuf, PathBuf)) -> Value {
    pare_json(&[
        "import",
        "--db",
        s(db),
        "--authz",
        s(&files.0),
        "--credential-report",
        s(&files.1),
        "--json",
    ])
}

fn strings(v: &Value, field: &str) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x[field].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn drift_between_two_cloudsplaining_snapshots_lists_exactly_the_changes() {
    let acc = two_snapshots();
    let db = s(&acc.db);
    let one = import(&acc.db, &acc.first)["snapshot"]["id"].as_i64().unwrap();
    let two = import(&acc.db, &acc.second)["snapshot"]["id"].as_i64().unwrap();
    let d = pare_json(&[
        "review",
        "--db",
        db,
        "diff",
        "--from",
        &one.to_string(),
        "--to",
        &two.to_string(),
        "--json",
    ]);
    assert_eq!(d["from"]["id"], one);
    assert_eq!(d["to"]["taken_at"], "2026-11-22T00:00:00Z");
    assert_eq!(
        d["identities"],
        json!({"added": [{"arn": arn("carol"), "kind": "user"}], "removed": [], "recreated": []})
    );
    assert_eq!(
        d["attachments"],
        json!([{"holder": arn("biden"), "change": "detached", "what": "managed-policy",
                "name": "arn:aws:iam::aws:policy/AWSLambdaFullAccess"}])
    );
    assert_eq!(
        d["policy_changes"],
        json!([{"kind": "managed", "policy": "arn:aws:iam::012345678901:policy/InsecurePolicy",
                "added": [], "removed": [], "changed": [{"sid": "VisualEditor0",
                "before": {"Action": ["s3:PutObject", "s3:PutObjectAcl"], "Effect": "Allow",
                           "Resource": ["*"], "Sid": "VisualEditor0"},
                "after": {"Action": ["s3:PutObject", "s3:PutObjectAcl", "s3:DeleteObject"], "Effect": "Allow",
                          "Resource": ["*"], "Sid": "VisualEditor0"}}]}])
    );
    // Through the effective permissions: biden lost what only AWSLambdaFullAccess gave him, the role with
    // InsecurePolicy gained s3:DeleteObject (on every resource), nobody else changed.
    let perms = d["permissions"].as_array().unwrap();
    assert_eq!(
        strings(&d["permissions"], "principal"),
        [
            "arn:aws:iam::012345678901:role/OverprivilegedEC2".to_owned(),
            arn("biden")
        ]
    );
    let role = &perms[0];
    assert_eq!(role["gained"], json!(["s3:DeleteObject"]));
    assert_eq!(role["lost"], json!([]));
    assert_eq!(role["gained_on_all_resources"], json!(["s3:DeleteObject"]));
    let biden = &perms[1];
    assert_eq!(biden["gained"], json!([]));
    let lost: Vec<&str> = biden["lost"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert!(lost.contains(&"lambda:InvokeFunction"), "{lost:?}");
    assert!(lost.contains(&"lambda:CreateFunction"), "{lost:?}");
    assert!(
        lost.iter().all(|a| !a.starts_with("rds:")),
        "RDS comes from biden's group and stays: {lost:?}"
    );
    // Credentials: biden's key was rotated, the others were not.
    let keys: Vec<(String, String)> = d["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["principal"].as_str().unwrap().to_owned(),
                k["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        keys,
        [
            (arn("biden"), "rotated".to_owned()),
            (arn("obama"), "not-rotated".to_owned()),
            (arn("userwithlotsofpermissions"), "not-rotated".to_owned()),
        ]
    );
    assert_eq!(d["credentials"][1]["age_days"], 52);
    // Findings: only on the identities that changed; the rotation resolved biden's old-key finding.
    let changed = [
        arn("biden"),
        arn("carol"),
        "arn:aws:iam::012345678901:role/OverprivilegedEC2".to_owned(),
    ];
    for f in d["findings"]["new"]
        .as_array()
        .unwrap()
        .iter()
        .chain(d["findings"]["resolved"].as_array().unwrap())
    {
        assert!(
            changed.contains(&f["principal"].as_str().unwrap().to_owned()),
            "{f}"
        );
    }
    let resolved: Vec<(String, String)> = d["findings"]["resolved"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["kind"].as_str().unwrap().to_owned(),
                f["principal"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(
        resolved.contains(&("access-key-not-rotated".to_owned(), arn("biden"))),
        "{resolved:?}"
    );
    assert!(
        d["findings"]["new"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["principal"] == arn("carol")),
        "{}",
        d["findings"]["new"]
    );

    // The same snapshot against itself: nothing.
    let same = pare_json(&[
        "review", "--db", db, "diff", "--from", "1", "--to", "1", "--json",
    ]);
    for field in ["attachments", "policy_changes", "permissions"] {
        assert_eq!(same[field], json!([]), "{field}");
    }
    assert_eq!(same["findings"], json!({"new": [], "resolved": []}));
    let (code, _, err) = pare(&[
        "review", "--db", db, "diff", "--from", "1", "--to", "9", "--json",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no account snapshot 9"), "{err}");
}

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
    let one = import(&acc.db, &acc.first)["snapshot"]["id"]
        .as_i64()
        .unwrap();
    let two = import(&acc.db, &acc.second)["snapshot"]["id"]
        .as_i64()
        .unwrap();
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

    let snapshots = pare_json(&["review", "--db", db, "snapshots", "--json"]);
    assert_eq!(
        snapshots
            .as_array()
            .unwrap()
            .iter()
            .map(|x| (x["id"].as_i64().unwrap(), x["taken_at"].as_str().unwrap()))
            .collect::<Vec<_>>(),
        [(one, "2026-11-20T00:00:00Z"), (two, "2026-11-22T00:00:00Z")]
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

fn items(view: &Value) -> &Vec<Value> {
    view["items"].as_array().unwrap()
}

/// The id of the finding of `kind` on `principal` in a review.
fn finding_id(view: &Value, kind: &str, principal: &str) -> String {
    items(view)
        .iter()
        .find(|i| i["subject"] == "finding" && i["kind"] == kind && i["principal"] == principal)
        .unwrap_or_else(|| panic!("no {kind} finding on {principal}"))["key"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The decided items of a review as (key, decision, inherited_from).
fn decided(view: &Value) -> Vec<(String, String, Option<String>)> {
    let mut v: Vec<(String, String, Option<String>)> = items(view)
        .iter()
        .filter(|i| !i["decision"].is_null())
        .map(|i| {
            (
                i["key"].as_str().unwrap().to_owned(),
                i["decision"]["decision"].as_str().unwrap().to_owned(),
                i["decision"]["inherited_from"].as_str().map(str::to_owned),
            )
        })
        .collect();
    v.sort();
    v
}

/// Decisions survive reopening the database and a re-import; the next review over a changed snapshot inherits
/// those whose identity and finding are unchanged, and only those.
#[test]
fn decisions_persist_and_carry_over_to_the_next_review() {
    let acc = two_snapshots();
    let db = s(&acc.db);
    import(&acc.db, &acc.first);
    let q1 = pare_json(&[
        "review",
        "--db",
        db,
        "start",
        "2026-Q3",
        "--since",
        "2026-07-01",
        "--until",
        "2026-10-01",
        "--json",
    ]);
    assert_eq!(
        q1["window"],
        json!(["2026-07-01T00:00:00Z", "2026-10-01T00:00:00Z"])
    );
    assert_eq!(q1["previous_review"], Value::Null);
    assert_eq!(
        q1["counts"]["identities"], 7,
        "the dump's 3 users, 3 roles and the root"
    );
    let obama_admin = finding_id(&q1, "admin-equivalent", &arn("obama"));
    let role = "arn:aws:iam::012345678901:role/OverprivilegedEC2";
    let decide = |review: &str, target: &[&str], decision: &str, extra: &[&str]| {
        let mut args = vec!["review", "--db", db, "decide", "--review", review];
        args.extend_from_slice(target);
        args.extend_from_slice(&["--decision", decision, "--note"]);
        args.push("reviewed with the owner");
        args.extend_from_slice(extra);
        pare_ok(&args)
    };
    decide(
        "2026-Q3",
        &["--finding", &obama_admin],
        "accept-risk",
        &["--expires", "2099-01-01"],
    );
    let biden = arn("biden");
    decide("2026-Q3", &["--principal", &biden], "rightsize", &[]);
    decide("2026-Q3", &["--principal", role], "remove", &[]);
    let obama = arn("obama");
    decide(
        "2026-Q3",
        &["--principal", &obama],
        "keep",
        &["--reviewer", "lead"],
    );

    // Bad decisions change nothing.
    for (args, says) in [
        (
            vec!["--finding", "no-such-finding", "--decision", "keep"],
            "has no finding `no-such-finding`",
        ),
        (
            vec!["--principal", &biden, "--decision", "delete"],
            "is not one of keep",
        ),
        (
            vec!["--principal", &biden, "--decision", "accept-risk"],
            "needs --expires",
        ),
        (
            vec![
                "--principal",
                &biden,
                "--decision",
                "keep",
                "--expires",
                "2099-01-01",
            ],
            "only goes with",
        ),
        (
            vec![
                "--principal",
                &biden,
                "--decision",
                "accept-risk",
                "--expires",
                "31/12/2099",
            ],
            "is not a date",
        ),
    ] {
        let mut a = vec!["review", "--db", db, "decide"];
        a.extend_from_slice(&args);
        a.extend_from_slice(&["--note", "x"]);
        let (code, _, err) = pare(&a);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
    let (code, _, err) = pare(&["review", "--db", db, "start", "2026-Q3"]);
    assert_eq!((code, err.contains("already exists")), (2, true), "{err}");

    // Reopened (every command is a new process) and after re-importing the same files.
    let again = import(&acc.db, &acc.first);
    assert_eq!(again["created"], false);
    let shown = pare_json(&[
        "review", "--db", db, "show", "--review", "2026-Q3", "--json",
    ]);
    let first_decisions = vec![
        (role.to_owned(), "remove".to_owned(), None),
        (obama.clone(), "keep".to_owned(), None),
        (biden.clone(), "rightsize".to_owned(), None),
        (obama_admin.clone(), "accept-risk".to_owned(), None),
    ];
    let mut expected = first_decisions.clone();
    expected.sort();
    assert_eq!(decided(&shown), expected);
    let by_lead = items(&shown)
        .iter()
        .find(|i| i["key"] == obama.as_str())
        .unwrap();
    assert_eq!(by_lead["decision"]["reviewer"], "lead");
    assert_eq!(by_lead["decision"]["note"], "reviewed with the owner");
    let accepted = items(&shown)
        .iter()
        .find(|i| i["key"] == obama_admin.as_str())
        .unwrap();
    assert_eq!(accepted["decision"]["reviewer"], "auditor");
    assert_eq!(accepted["decision"]["expires_at"], "2099-01-01T00:00:00Z");

    // The next quarter over the changed snapshot: biden (a policy detached) and the role (its policy changed)
    // are not the identities that were decided on; obama and his finding are.
    import(&acc.db, &acc.second);
    let q2 = pare_json(&["review", "--db", db, "start", "2026-Q4", "--json"]);
    assert_eq!(q2["previous_review"], "2026-Q3");
    assert_eq!(q2["snapshot_id"], 2);
    let mut inherited = vec![
        (obama.clone(), "keep".to_owned(), Some("2026-Q3".to_owned())),
        (
            obama_admin.clone(),
            "accept-risk".to_owned(),
            Some("2026-Q3".to_owned()),
        ),
    ];
    inherited.sort();
    assert_eq!(decided(&q2), inherited);
    assert_eq!(q2["counts"]["inherited"], 2);
    let carried = items(&q2)
        .iter()
        .find(|i| i["key"] == obama.as_str())
        .unwrap();
    assert_eq!(carried["decision"]["reviewer"], "lead");
    assert_eq!(carried["decision"]["note"], "reviewed with the owner");
    // A new decision on a carried-over item is the reviewer's own; the earlier review keeps its answers.
    decide("2026-Q4", &["--principal", &obama], "rightsize", &[]);
    let q2 = pare_json(&["review", "--db", db, "show", "--json"]);
    assert!(decided(&q2).contains(&(obama.clone(), "rightsize".to_owned(), None)));
    let q1 = pare_json(&[
        "review", "--db", db, "show", "--review", "2026-Q3", "--json",
    ]);
    assert_eq!(decided(&q1), expected);
    let list = pare_json(&["review", "--db", db, "list", "--json"]);
    assert_eq!(strings(&list, "name"), ["2026-Q3", "2026-Q4"]);
}

fn data_count(html: &str, id: &str) -> u64 {
    let at = html
        .find(&format!("id=\"{id}\" data-count=\""))
        .unwrap_or_else(|| panic!("no {id}"));
    let rest = &html[at + id.len() + 18..];
    rest[..rest.find('"').unwrap()].parse().unwrap()
}

fn bar_count(html: &str, chart: &str, label: &str) -> u64 {
    let chart_at = html.find(&format!("<svg id=\"{chart}\"")).unwrap();
    let chart_html = &html[chart_at..chart_at + html[chart_at..].find("</svg>").unwrap()];
    let prefix = format!("data-label=\"{label}\" data-count=\"");
    let at = chart_html
        .find(&prefix)
        .unwrap_or_else(|| panic!("no bar {label} in {chart}"));
    let rest = &chart_html[at + prefix.len()..];
    rest[..rest.find('"').unwrap()].parse().unwrap()
}

/// A review over a snapshot and CloudTrail from Panther's compromised-root scenario, with decisions.
fn reviewed_account() -> (tempfile::TempDir, PathBuf, Value) {
    let acc = two_snapshots();
    let db = acc.db.clone();
    import(&acc.db, &acc.first);
    let trail = tests_dir()
        .join("data")
        .join("cloudtrail")
        .join("aws-docs-examples");
    pare_ok(&["import", "--db", s(&db), "--cloudtrail", s(&trail)]);
    let q = pare_json(&[
        "review",
        "--db",
        s(&db),
        "start",
        "Q4 <audit> & co",
        "--json",
    ]);
    let admin = finding_id(&q, "admin-equivalent", &arn("obama"));
    pare_ok(&[
        "review",
        "--db",
        s(&db),
        "decide",
        "--finding",
        &admin,
        "--decision",
        "accept-risk",
        "--expires",
        "2099-06-30",
        "--note",
        "break-glass account, \"approved\" by the CISO",
    ]);
    pare_ok(&[
        "review",
        "--db",
        s(&db),
        "decide",
        "--principal",
        &arn("biden"),
        "--decision",
        "remove",
        "--note",
        "left the company",
    ]);
    let view = pare_json(&["review", "--db", s(&db), "show", "--json"]);
    let Account { _dir, .. } = acc;
    (_dir, db, view)
}

/// The HTML report: self-contained, sealed (an edit is detected), and stating the same numbers as the JSON;
/// the CSV of decisions with its `.sha256`.
#[test]
fn the_report_is_sealed_self_contained_and_agrees_with_the_json() {
    let (dir, db, view) = reviewed_account();
    let html_path = dir.path().join("report.html");
    let out = pare_ok(&[
        "review",
        "--db",
        s(&db),
        "report",
        "--format",
        "html",
        "--out",
        s(&html_path),
    ]);
    let html = std::fs::read_to_string(&html_path).unwrap();
    let digest = out.trim().rsplit(' ').next().unwrap().to_owned();
    assert_eq!(digest.len(), 64);
    assert!(html.contains(&format!("<code id=\"seal\">{digest}</code>")));
    let verified = pare_ok(&["review", "verify", "--file", s(&html_path)]);
    assert!(verified.contains(&digest), "{verified}");

    // Self-contained: nothing to fetch, no script.
    for remote in ["http://", "https://", "<script", "<link", "@import", "url("] {
        let allowed = remote == "http://"
            && html.matches(remote).count() == html.matches("http://www.w3.org/2000/svg").count();
        assert!(!html.contains(remote) || allowed, "{remote}");
    }
    // What it states.
    assert!(html.contains("Q4 &lt;audit&gt; &amp; co"));
    assert!(html.contains(ACCOUNT));
    assert!(html.contains("break-glass account, &quot;approved&quot; by the CISO"));
    assert!(html.contains("left the company"));
    assert!(html.contains("credential_report"));
    let counts = &view["counts"];
    assert_eq!(
        data_count(&html, "count-open-risks"),
        counts["open_risks"].as_u64().unwrap()
    );
    assert_eq!(data_count(&html, "count-identities"), 7);
    assert_eq!(
        data_count(&html, "count-days"),
        counts["days"].as_u64().unwrap()
    );
    assert!(counts["days"].as_u64().unwrap() > 1 && counts["regions"].as_u64().unwrap() >= 1);
    for pair in counts["findings_by_severity"].as_array().unwrap() {
        let (label, n) = (pair[0].as_str().unwrap(), pair[1].as_u64().unwrap());
        assert_eq!(bar_count(&html, "chart-severity", label), n, "{label}");
    }
    for pair in counts["decisions"].as_array().unwrap() {
        let (label, n) = (pair[0].as_str().unwrap(), pair[1].as_u64().unwrap());
        assert_eq!(bar_count(&html, "chart-decisions", label), n, "{label}");
    }
    let cells = html.matches("class=\"cell\"").count() as u64;
    assert_eq!(
        cells,
        counts["days"].as_u64().unwrap() * counts["regions"].as_u64().unwrap()
    );

    // A later edit is detected.
    let edited = dir.path().join("edited.html");
    std::fs::write(
        &edited,
        html.replace("left the company", "left the building"),
    )
    .unwrap();
    let (code, _, err) = pare(&["review", "verify", "--file", s(&edited)]);
    assert_eq!(code, 1);
    assert!(err.contains("does not match its seal"), "{err}");

    // CSV of decisions, sealed beside it.
    let csv_path = dir.path().join("decisions.csv");
    pare_ok(&[
        "review",
        "--db",
        s(&db),
        "report",
        "--format",
        "csv",
        "--out",
        s(&csv_path),
    ]);
    let csv = std::fs::read_to_string(&csv_path).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(lines[0].starts_with("review,subject,key,principal"));
    assert!(csv.contains("\"break-glass account, \"\"approved\"\" by the CISO\""));
    assert!(csv.contains("remove,left the company,auditor"));
    pare_ok(&["review", "verify", "--file", s(&csv_path)]);
    std::fs::write(&csv_path, csv.replace("remove,", "keep,")).unwrap();
    let (code, _, err) = pare(&["review", "verify", "--file", s(&csv_path)]);
    assert_eq!(code, 1, "{err}");
}

fn chromium() -> PathBuf {
    let path = std::env::var_os("PATH").unwrap();
    std::env::split_paths(&path)
        .map(|d| d.join("chromium"))
        .find(|p| p.is_file())
        .expect("the report tests need Debian's `chromium` (scripts/setup.sh installs it)")
}

/// Exact-colour pixels of a screenshot, by colour.
fn pixels(png_path: &Path) -> std::collections::HashMap<[u8; 3], u64> {
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(png_path).unwrap(),
    ));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let step = info.color_type.samples();
    let mut out = std::collections::HashMap::new();
    for px in buf[..info.buffer_size()].chunks(step) {
        *out.entry([px[0], px[1], px[2]]).or_default() += 1;
    }
    out
}

/// The HTML report in a real headless Chromium: no console messages (a blocked fetch or an error would be
/// one), the DOM it builds carries the JSON's numbers, the bars are painted at their widths; the PDF has the
/// same content (its text read back with pdftotext).
#[test]
fn the_report_renders_in_headless_chromium_and_prints_to_pdf() {
    let (dir, db, view) = reviewed_account();
    let html_path = dir.path().join("report.html");
    pare_ok(&[
        "review",
        "--db",
        s(&db),
        "report",
        "--format",
        "html",
        "--out",
        s(&html_path),
    ]);
    let browser = chromium();
    let url = format!("file://{}", html_path.display());
    let run = |extra: &[String]| {
        let out = Command::new(&browser)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--enable-logging=stderr",
                "--v=0",
            ])
            .arg(format!(
                "--user-data-dir={}",
                dir.path().join("profile").display()
            ))
            .args(extra)
            .arg(&url)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (dom, log) = run(&["--dump-dom".to_owned()]);
    let console: Vec<&str> = log.lines().filter(|l| l.contains(":CONSOLE")).collect();
    assert!(console.is_empty(), "{console:?}");
    let counts = &view["counts"];
    assert_eq!(
        data_count(&dom, "count-open-risks"),
        counts["open_risks"].as_u64().unwrap()
    );
    for pair in counts["findings_by_severity"].as_array().unwrap() {
        let (label, n) = (pair[0].as_str().unwrap(), pair[1].as_u64().unwrap());
        assert_eq!(bar_count(&dom, "chart-severity", label), n, "{label}");
    }

    // Painted: every severity bar's colour covers at least its rectangle (220 px × count / max, 16 px high).
    let shot = dir.path().join("shot.png");
    let (_, log) = run(&[
        "--window-size=1200,1600".to_owned(),
        "--hide-scrollbars".to_owned(),
        format!("--screenshot={}", shot.display()),
    ]);
    assert!(log.lines().all(|l| !l.contains(":CONSOLE")), "{log}");
    let painted = pixels(&shot);
    let severity = counts["findings_by_severity"].as_array().unwrap();
    let max = severity
        .iter()
        .map(|p| p[1].as_u64().unwrap())
        .max()
        .unwrap()
        .max(1);
    for (pair, rgb) in severity.iter().zip([
        [0xa4, 0x0e, 0x26],
        [0xbc, 0x4c, 0x00],
        [0xbf, 0x87, 0x00],
        [0x1a, 0x7f, 0x37],
        [0x09, 0x69, 0xda],
    ]) {
        let n = pair[1].as_u64().unwrap();
        let area = 220 * n / max * 16;
        let got = painted.get(&rgb).copied().unwrap_or(0);
        assert!(
            got >= area * 9 / 10,
            "{pair}: {got} pixels of {rgb:?}, bar is {area}"
        );
        if n == 0 && rgb == [0x09, 0x69, 0xda] {
            assert_eq!(got, 0, "no info bar");
        }
    }

    // The PDF says what the HTML says.
    let pdf = dir.path().join("report.pdf");
    let printed = pare_ok(&[
        "review",
        "--db",
        s(&db),
        "report",
        "--format",
        "pdf",
        "--out",
        s(&pdf),
    ]);
    let seal = printed.trim().rsplit(' ').next().unwrap().to_owned();
    assert_eq!(seal.len(), 64, "{printed}");
    let text = Command::new("pdftotext")
        .args([s(&pdf), "-"])
        .output()
        .expect("the report tests need `pdftotext` (poppler-utils, scripts/setup.sh installs it)");
    // Words as read, whatever the line breaks of table cells.
    let text = String::from_utf8(text.stdout)
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for needle in [
        "Access review Q4 <audit> & co",
        ACCOUNT,
        "left the company",
        "by the CISO",
        "Open risks",
        "CloudTrail coverage",
    ] {
        assert!(text.contains(needle), "{needle} not in the PDF:\n{text}");
    }
    // The summary's numbers, in their order, as the JSON has them.
    let findings: u64 = counts["findings_by_severity"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p[1].as_u64().unwrap())
        .sum();
    let decided = items(&view)
        .iter()
        .filter(|i| !i["decision"].is_null())
        .count();
    let summary = format!(
        "Summary {findings} {} {decided} {} {} {} {} findings identities decisions carried over open risks",
        counts["identities"],
        counts["inherited"],
        counts["open_risks"],
        counts["regions"],
        counts["days"]
    );
    assert!(text.contains(&summary), "{summary} not in the PDF:\n{text}");
    assert!(
        text.replace(' ', "").contains(seal.as_str()),
        "the seal {seal} of the HTML it printed is in the PDF"
    );
}

/// The usage window of a review bounds what CloudTrail says: the coverage and the usage-based findings.
#[test]
fn the_usage_window_bounds_coverage_and_usage_findings() {
    let (_dir, db, all) = reviewed_account();
    let kinds = |v: &Value| -> Vec<String> {
        items(v)
            .iter()
            .filter(|i| i["subject"] == "finding")
            .map(|i| i["kind"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(kinds(&all).contains(&"unused-permissions".to_owned()));
    let days = all["counts"]["days"].as_u64().unwrap();
    let march = pare_json(&[
        "review",
        "--db",
        s(&db),
        "start",
        "march-2014",
        "--since",
        "2014-03-01",
        "--until",
        "2014-04-01",
        "--json",
    ]);
    let in_march = march["coverage"].as_array().unwrap();
    assert!(!in_march.is_empty());
    assert!(
        in_march
            .iter()
            .all(|c| c["day"].as_str().unwrap().starts_with("2014-03"))
    );
    assert!(march["counts"]["days"].as_u64().unwrap() < days);
    assert!(
        march["observed"][0]
            .as_str()
            .unwrap()
            .starts_with("2014-03")
    );
    let later = pare_json(&[
        "review",
        "--db",
        s(&db),
        "start",
        "after-the-trail",
        "--since",
        "2030-01-01",
        "--json",
    ]);
    assert_eq!(later["coverage"], json!([]));
    assert_eq!(later["observed"], Value::Null);
    assert!(
        !kinds(&later).contains(&"unused-permissions".to_owned()),
        "no CloudTrail in the window, so nothing is known to be unused"
    );
    let (code, _, err) = pare(&[
        "review",
        "--db",
        s(&db),
        "start",
        "backwards",
        "--since",
        "2026-02-01",
        "--until",
        "2026-01-01",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("is not before"), "{err}");
}

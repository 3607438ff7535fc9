//! Account data end to end: `pare import --authz/--credential-report/--scps/--known-accounts`, `pare graph`
//! and `pare_engine::account` on the real dumps: exact counts, credential-report edge cases, idempotent
//! re-import, snapshots rebuilt from the database, bad input named by file and place.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use pare_engine::account::{
    AccountError, AccountImportInput, import_account, load_account_snapshot,
};
use pare_tests::{pare, tests_dir};
use serde_json::{Value, json};

fn data(rel: &str) -> PathBuf {
    tests_dir().join("data").join(rel)
}

fn awscli() -> PathBuf {
    data("authz-details-awscli/get-account-authorization-details.example.json")
}

fn creds() -> PathBuf {
    data("credential-report/awscli-example-account.csv")
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn awscli_example_with_credential_report_through_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("pare.db");
    let (code, stdout, stderr) = pare(&[
        "import",
        "--db",
        s(&db),
        "--authz",
        s(&awscli()),
        "--credential-report",
        s(&creds()),
        "--json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let v: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        v["counts"],
        json!({"users": 3, "roles": 1, "service_linked_roles": 0, "identity_center_roles": 0, "groups": 3,
               "managed_policies": 7, "aws_managed_policies": 5, "unresolved_policies": 4, "inline_policies": 2,
               "instance_profiles": 1, "credential_rows": 4, "orphan_credential_rows": 1, "org_levels": 0,
               "known_accounts": 0})
    );
    assert_eq!(v["created"], true);
    assert_eq!(v["snapshot"]["account_id"], "123456789012");
    let places: Vec<&str> = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["place"].as_str().unwrap())
        .collect();
    assert_eq!(
        places,
        [
            "/GroupDetailList/0/AttachedManagedPolicies",
            "/GroupDetailList/1/AttachedManagedPolicies",
            "/RoleDetailList/0/AttachedManagedPolicies/0",
            "/RoleDetailList/0/AttachedManagedPolicies/1",
            "line 6",
        ]
    );
    // The text summary says the same, and a second import of the same files stores nothing.
    let (code, stdout, _) = pare(&[
        "import",
        "--db",
        s(&db),
        "--authz",
        s(&awscli()),
        "--credential-report",
        s(&creds()),
    ]);
    assert_eq!(code, 0);
    assert!(stdout.contains("are already snapshot 1"), "{stdout}");
    assert!(stdout.contains("3 users, 1 roles"), "{stdout}");

    // The model rebuilt from the stored files, with the credential report merged.
    let (info, acc) = load_account_snapshot(&db, None).unwrap();
    assert_eq!(info.id, 1);
    let root = acc.root().unwrap();
    let rc = root.credentials.as_ref().unwrap();
    assert!(rc.access_keys[0].active && !rc.mfa_active);
    let bob = acc
        .principal(
            acc.principal_by_arn("arn:aws:iam::123456789012:user/Bob")
                .unwrap(),
        )
        .unwrap();
    assert_eq!(
        bob.credentials
            .as_ref()
            .unwrap()
            .active_access_keys()
            .count(),
        2
    );
    assert_eq!(acc.orphan_credentials[0].user, "Dave");
}

/// Every cloudsplaining dump, with counts checked against the files independently.
#[test]
fn cloudsplaining_dumps_exact_counts() {
    // (file, users, roles, groups, managed, aws-managed, unresolved, inline, instance profiles, service-linked,
    //  Identity Center, problems)
    let expected: [(&str, [usize; 11]); 7] = [
        (
            "example-authz-details.json.gz",
            [3, 3, 2, 32, 30, 0, 6, 1, 0, 0, 0],
        ),
        (
            "example.enriched.2026.json.gz",
            [44, 78, 5, 84, 38, 0, 39, 2, 8, 2, 6],
        ),
        (
            "example.iam-vulnerable-account.2023.json.gz",
            [41, 75, 3, 56, 12, 0, 33, 1, 8, 2, 0],
        ),
        (
            "example_authz_details_for_overrides.json.gz",
            [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0],
        ),
        (
            "example_authz_details_for_overrides_complete.json.gz",
            [1, 2, 1, 3, 1, 0, 2, 0, 0, 0, 0],
        ),
        (
            "example_authz_v2.json.gz",
            [1, 2, 1, 3, 1, 1, 2, 0, 0, 0, 1],
        ),
        (
            "managed_policy_mismatch.json.gz",
            [0, 0, 1, 2, 2, 1, 0, 0, 0, 0, 1],
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (i, (file, want)) in expected.iter().enumerate() {
        let db = dir.path().join(format!("{i}.db"));
        let input = AccountImportInput {
            authz: vec![data(&format!("authz-details-cloudsplaining/{file}"))],
            ..AccountImportInput::default()
        };
        let s = import_account(&db, &input).unwrap();
        let c = s.counts;
        let got = [
            c.users,
            c.roles,
            c.groups,
            c.managed_policies,
            c.aws_managed_policies,
            c.unresolved_policies,
            c.inline_policies,
            c.instance_profiles,
            c.service_linked_roles,
            c.identity_center_roles,
            s.problems.len(),
        ];
        assert_eq!(&got, want, "{file}");
    }
}

#[test]
fn the_enriched_dump_mixes_two_accounts_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let s = import_account(
        &dir.path().join("p.db"),
        &AccountImportInput {
            authz: vec![data(
                "authz-details-cloudsplaining/example.enriched.2026.json.gz",
            )],
            ..AccountImportInput::default()
        },
    )
    .unwrap();
    assert_eq!(s.snapshot.account_id.as_deref(), Some("200611803367"));
    assert!(
        s.problems
            .iter()
            .all(|p| p.message.ends_with("is not in account `200611803367`"))
    );
    assert_eq!(s.problems[0].place, "/UserDetailList/41/Arn");
}

#[test]
fn snapshots_over_time_and_reimport() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("p.db");
    let authz_only = AccountImportInput {
        authz: vec![awscli()],
        ..AccountImportInput::default()
    };
    let first = import_account(&db, &authz_only).unwrap();
    assert!(first.created);
    // Same content under another name is the same snapshot.
    let copy = dir.path().join("copy.json");
    std::fs::copy(awscli(), &copy).unwrap();
    let again = import_account(
        &db,
        &AccountImportInput {
            authz: vec![copy],
            ..AccountImportInput::default()
        },
    )
    .unwrap();
    assert!(!again.created);
    assert_eq!(again.snapshot, first.snapshot);
    // With the credential report (as `get-credential-report` JSON): a new snapshot, taken when the report was made.
    let csv = std::fs::read(creds()).unwrap();
    let b64 = base64::engine::general_purpose::STANDARD.encode(&csv);
    let report = dir.path().join("report.json");
    std::fs::write(
        &report,
        json!({"Content": b64, "ReportFormat": "text/csv", "GeneratedTime": "2026-11-20T08:00:00Z"}).to_string(),
    )
    .unwrap();
    let with_creds = import_account(
        &db,
        &AccountImportInput {
            authz: vec![awscli()],
            credential_report: Some(report),
            ..AccountImportInput::default()
        },
    )
    .unwrap();
    assert!(with_creds.created);
    assert_eq!(with_creds.snapshot.taken_at, "2026-11-20T08:00:00Z");
    assert_eq!(with_creds.counts.credential_rows, 4);
    let all = pare_engine::account::account_snapshots(&db).unwrap();
    assert_eq!(all.len(), 2);
    // Ordered by the time the data was taken: the report's snapshot is older than the import-time one.
    assert_eq!(all[0].id, with_creds.snapshot.id);
    let (latest, _) = load_account_snapshot(&db, None).unwrap();
    assert_eq!(latest.id, first.snapshot.id);
    let (older, acc) = load_account_snapshot(&db, Some(with_creds.snapshot.id)).unwrap();
    assert_eq!(older.taken_at, "2026-11-20T08:00:00Z");
    assert!(acc.root().unwrap().credentials.is_some());
}

#[test]
fn scps_and_known_accounts_are_stored_with_the_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("p.db");
    let scps = dir.path().join("scps.json");
    std::fs::write(
        &scps,
        r#"{"levels": [
          {"target": "r-ab12", "scps": [{"name": "FullAWSAccess", "document": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}}]},
          {"target": "200611803367", "scps": [{"name": "DenyIam", "document": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}, {"Effect": "Deny", "Action": "iam:*", "Resource": "*"}]}}]}]}"#,
    )
    .unwrap();
    let known = dir.path().join("known.txt");
    std::fs::write(&known, "072528804237 management\n").unwrap();
    let (code, stdout, stderr) = pare(&[
        "import",
        "--db",
        s(&db),
        "--authz",
        s(&data(
            "authz-details-cloudsplaining/example.iam-vulnerable-account.2023.json.gz",
        )),
        "--scps",
        s(&scps),
        "--known-accounts",
        s(&known),
        "--json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let v: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["counts"]["org_levels"], 2);
    assert_eq!(v["counts"]["known_accounts"], 1);
    let (_, acc) = load_account_snapshot(&db, None).unwrap();
    assert!(acc.is_known_account("072528804237"));
    let catalog = pare_catalog::Catalog::bundled().unwrap();
    let perms = pare_account::AccountPermissions::compile(&acc, catalog);
    let admin = acc
        .principal_by_arn("arn:aws:iam::200611803367:user/privesc-sre-user")
        .unwrap();
    let eff = perms.principal(admin).unwrap();
    assert!(
        !eff.is_allowed(catalog.action("iam:CreateUser").unwrap()),
        "the SCP denies iam:*"
    );
}

#[test]
fn bad_input_is_named_by_file_and_place_and_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("p.db");
    let bad_authz = dir.path().join("gaad.json");
    std::fs::write(
        &bad_authz,
        r#"{"RoleDetailList": [{"RoleName": "r", "Arn": "arn:aws:iam::1:role/r"}]}"#,
    )
    .unwrap();
    let (code, _, stderr) = pare(&["import", "--db", s(&db), "--authz", s(&bad_authz)]);
    assert_eq!(code, 2);
    assert_eq!(
        stderr.trim(),
        format!(
            "error: `{}` at `/RoleDetailList/0`: missing `AssumeRolePolicyDocument`",
            bad_authz.display()
        )
    );
    let bad_csv = dir.path().join("creds.csv");
    let text = std::fs::read_to_string(creds()).unwrap().replace(
        ",N/A,N/A,N/A,true,2020-01-01",
        ",N/A,N/A,N/A,maybe,2020-01-01",
    );
    std::fs::write(&bad_csv, text).unwrap();
    let (code, _, stderr) = pare(&[
        "import",
        "--db",
        s(&db),
        "--authz",
        s(&awscli()),
        "--credential-report",
        s(&bad_csv),
    ]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains(&format!(
            "`{}` at `line 5 column cert_1_active`: `maybe` is not true or false",
            bad_csv.display()
        )),
        "{stderr}"
    );
    let truncated = dir.path().join("cut.json");
    let full = std::fs::read_to_string(awscli()).unwrap();
    std::fs::write(&truncated, &full[..full.len() / 2]).unwrap();
    let err = import_account(
        &db,
        &AccountImportInput {
            authz: vec![truncated],
            ..AccountImportInput::default()
        },
    )
    .unwrap_err();
    match err {
        AccountError::Input(e) => {
            assert!(
                e.place.starts_with("line ") && e.message.starts_with("not valid JSON"),
                "{e}"
            );
        }
        other => panic!("{other}"),
    }
    let (code, _, stderr) = pare(&[
        "import",
        "--db",
        s(&db),
        "--authz",
        s(&dir.path().join("missing.json")),
    ]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("cannot read `") && stderr.contains("missing.json"),
        "{stderr}"
    );
    // Nothing was stored by any of them.
    assert!(
        pare_engine::account::account_snapshots(&db)
            .unwrap_or_default()
            .is_empty()
    );
    let (code, _, stderr) = pare(&[
        "graph",
        "--db",
        s(&db),
        "--principal",
        "arn:aws:iam::1:user/x",
    ]);
    assert_eq!(code, 2, "{stderr}");
}

#[test]
fn graph_of_a_principal_as_dot_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("p.db");
    let (code, _, stderr) = pare(&[
        "import",
        "--db",
        s(&db),
        "--authz",
        s(&data(
            "authz-details-cloudsplaining/example.iam-vulnerable-account.2023.json.gz",
        )),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let start = "arn:aws:iam::200611803367:role/privesc-AssumeRole-starting-role";
    let (code, stdout, stderr) = pare(&[
        "graph",
        "--db",
        s(&db),
        "--principal",
        start,
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let v: Value = serde_json::from_str(&stdout).unwrap();
    let hops: Vec<(String, String)> = v["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "can_assume")
        .map(|e| {
            (
                e["from"]
                    .as_str()
                    .unwrap()
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_owned(),
                e["to"]
                    .as_str()
                    .unwrap()
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_owned(),
            )
        })
        .collect();
    // Two hops out (starting → intermediate → ending), and who can assume the start.
    assert!(hops.contains(&(
        "privesc-AssumeRole-starting-role".into(),
        "privesc-AssumeRole-intermediate-role".into()
    )));
    assert!(hops.contains(&(
        "privesc-AssumeRole-intermediate-role".into(),
        "privesc-AssumeRole-ending-role".into()
    )));
    assert!(hops.contains(&(
        "AWSReservedSSO_AdministratorAccess_dc6414f7f2ab04fc".into(),
        "privesc-AssumeRole-starting-role".into()
    )));
    assert_eq!(v["snapshot"]["id"], 1);
    let (code, dot, _) = pare(&[
        "graph",
        "--db",
        s(&db),
        "--principal",
        start,
        "--format",
        "dot",
        "--depth",
        "0",
    ]);
    assert_eq!(code, 0);
    assert!(dot.starts_with("digraph pare {"));
    assert!(dot.contains("privesc-AssumeRole-intermediate-role"));
    assert!(
        !dot.contains("privesc-AssumeRole-ending-role"),
        "depth 0 stops after the first hop"
    );
    let (code, _, stderr) = pare(&[
        "graph",
        "--db",
        s(&db),
        "--principal",
        "arn:aws:iam::200611803367:user/nobody",
    ]);
    assert_eq!(code, 2);
    assert_eq!(
        stderr.trim(),
        "error: no principal `arn:aws:iam::200611803367:user/nobody` in account snapshot 1"
    );
}

//! Right-sizing end to end on the real trails (Stratus Red Team, Panther, AWS documentation examples): every
//! principal's suggestion replays 100% of its successful calls and names only catalog actions; the account
//! snapshot's policies as the current ones; the `pare rightsize` contract.

use std::path::{Path, PathBuf};
use std::process::Command;

use pare_catalog::Catalog;
use pare_engine::CurrentPolicies;
use pare_policy::actions::CatalogCheck;
use pare_policy::simulate::DocumentCheck;
use pare_policy::{PolicyDocument, PolicySet};
use pare_tests::{pare, pare_binary, tests_dir};
use serde_json::Value;

fn trails() -> Vec<PathBuf> {
    let dir = tests_dir().join("data/cloudtrail");
    vec![
        dir.join("stratus-red-team/all_detonations.json.gz"),
        dir.join("panther"),
        dir.join("aws-docs-examples"),
    ]
}

fn imported() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("pare.db");
    pare_engine::import_cloudtrail(&db, &trails(), None, None, |_| {}).unwrap();
    (dir, db)
}

/// The principals in these trails belong to accounts no fixture describes, so their current policy is taken
/// to be AdministratorAccess (`Action: *`, `Resource: *`): the suggestion must then be exactly what they used.
fn administrator_access() -> PolicySet {
    let (doc, _) = PolicyDocument::parse_text(
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#,
    )
    .unwrap();
    PolicySet {
        identity_policies: vec![doc],
        ..PolicySet::default()
    }
}

fn assert_catalog_only(doc: &Value, what: &str) {
    let catalog = Catalog::bundled().unwrap();
    let (parsed, diags) = PolicyDocument::from_json(doc);
    assert!(diags.is_empty(), "{what}: {diags:?}");
    assert!(
        CatalogCheck::new(catalog).check(&parsed).is_empty(),
        "{what}"
    );
    for st in &parsed.statements {
        for p in st.action.patterns() {
            assert!(!catalog.expand(p).is_empty(), "{what}: `{p}`");
        }
    }
}

#[test]
fn every_principal_of_the_real_trails_replays_completely() {
    let (dir, db) = imported();
    let out = dir.path().join("policies");
    let summary = pare_engine::rightsize_all(
        &db,
        None,
        None,
        pare_rightsize::Options::default(),
        &CurrentPolicies::Given(Box::new(administrator_access())),
        pare_rightsize::export::Format::Json,
        &out,
    )
    .unwrap();
    let written: Vec<_> = summary
        .entries
        .iter()
        .filter(|e| e.file.is_some())
        .collect();
    assert!(written.len() >= 100, "{} principals", written.len());
    let mut events = 0;
    for e in &written {
        assert!(e.replay_total > 0, "{}", e.principal);
        assert_eq!(e.replay_allowed, e.replay_total, "{}", e.principal);
        assert_eq!(e.before_actions, Catalog::bundled().unwrap().action_count());
        assert!(
            e.after_actions <= 60,
            "{}: {}",
            e.principal,
            e.after_actions
        );
        events += e.replay_total;
        let text = std::fs::read_to_string(out.join(e.file.as_ref().unwrap())).unwrap();
        match serde_json::from_str::<Value>(&text).unwrap() {
            Value::Array(docs) => docs
                .iter()
                .for_each(|d| assert_catalog_only(d, &e.principal)),
            doc => assert_catalog_only(&doc, &e.principal),
        }
    }
    assert!(events > 300, "{events} events replayed");
    // Only non-IAM callers (accounts, services, root, unknown) are skipped, each with a reason.
    for e in summary.entries.iter().filter(|e| e.file.is_none()) {
        assert!(
            e.skipped.as_deref().unwrap().contains("not an IAM user"),
            "{e:?}"
        );
        assert_eq!(
            pare_rightsize::PrincipalKind::of_arn(&e.principal),
            pare_rightsize::PrincipalKind::Other
        );
    }
    // The index has one row per principal with the counts.
    let index = std::fs::read_to_string(out.join("index.csv")).unwrap();
    assert_eq!(index.lines().count(), summary.entries.len() + 1);
    assert!(
        index
            .starts_with("principal,file,before_actions,after_actions,replay_allowed,replay_total")
    );

    // The Stratus attacker's user: the SSM parameters it read, exactly.
    let rep = pare_engine::rightsize(
        &db,
        "arn:aws:iam::933175858973:user/christophe",
        None,
        None,
        pare_rightsize::Options::default(),
        &CurrentPolicies::Given(Box::new(administrator_access())),
    )
    .unwrap();
    let p = &rep.policy;
    assert_eq!(p.replay.allowed, p.replay.total);
    assert_eq!(
        p.used_actions(),
        ["ssm:DescribeParameters", "ssm:GetParameters"]
    );
    let get = p.documents[0]["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["Action"][0] == "ssm:GetParameters")
        .unwrap();
    assert_eq!(get["Resource"].as_array().unwrap().len(), 42);
    assert!(p.high_risk_removed.contains(&"iam:PassRole".to_owned()));
}

#[test]
fn the_account_snapshot_gives_the_current_policies() {
    let (_dir, db) = imported();
    let data = tests_dir().join("data");
    let code = Command::new(pare_binary())
        .args(["import", "--db"])
        .arg(&db)
        .arg("--authz")
        .arg(data.join("authz-details-awscli/get-account-authorization-details.example.json"))
        .arg("--managed-policies")
        .arg(data.join("aws-managed-policies/managedPolicies.latest.json.gz"))
        .output()
        .unwrap();
    assert!(
        code.status.success(),
        "{}",
        String::from_utf8_lossy(&code.stderr)
    );
    // Alice is in the Admins group (AdministratorAccess); the AWS documentation trail has her calls.
    let rep = pare_engine::rightsize(
        &db,
        "arn:aws:iam::123456789012:user/Alice",
        None,
        None,
        pare_rightsize::Options::default(),
        &CurrentPolicies::Snapshot,
    )
    .unwrap();
    let p = &rep.policy;
    assert_eq!((p.replay.allowed, p.replay.total), (11, 11));
    assert_eq!(p.before_actions, Catalog::bundled().unwrap().action_count());
    assert_eq!(p.after_actions, 10);
    assert!(p.not_granted_now.is_empty());
    // Bob's inline deny of billing and IAM keeps him below everything.
    let rep = pare_engine::rightsize(
        &db,
        "arn:aws:iam::123456789012:user/Bob",
        None,
        None,
        pare_rightsize::Options::default(),
        &CurrentPolicies::Snapshot,
    )
    .unwrap();
    assert!(rep.policy.before_actions < Catalog::bundled().unwrap().action_count());
    assert_eq!(rep.policy.used_actions(), ["s3:ListBucket"]);
    // A principal the snapshot does not know is an error that says what to do.
    let err = pare_engine::rightsize(
        &db,
        "arn:aws:iam::933175858973:user/christophe",
        None,
        None,
        pare_rightsize::Options::default(),
        &CurrentPolicies::Snapshot,
    )
    .unwrap_err();
    assert!(err.to_string().contains("--policy"), "{err}");
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn the_cli_contract() {
    let (dir, db) = imported();
    let admin = dir.path().join("admin.json");
    std::fs::write(
        &admin,
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#,
    )
    .unwrap();
    let role = "arn:aws:iam::123456789012:role/tester";
    let (code, stdout, stderr) = pare(&[
        "rightsize",
        "--db",
        s(&db),
        "--principal",
        role,
        "--policy",
        s(&admin),
        "--json-report",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    for key in [
        "principal",
        "window",
        "policy",
        "replay",
        "before",
        "after",
        "kept_not_observable",
    ] {
        assert!(report.get(key).is_some(), "no `{key}` in {report}");
    }
    assert_eq!(report["principal"], role);
    assert_eq!(report["replay"]["allowed"], report["replay"]["total"]);
    assert_eq!(report["replay"]["denied"], serde_json::json!([]));
    assert!(
        report["before"]["actions"].as_u64().unwrap()
            > report["after"]["actions"].as_u64().unwrap()
    );
    assert_catalog_only(&report["policy"], role);
    assert!(stderr.contains("replay"), "{stderr}");

    // Terraform and CloudFormation to a file.
    let tf = dir.path().join("tester.tf");
    let (code, _, stderr) = pare(&[
        "rightsize",
        "--db",
        s(&db),
        "--principal",
        role,
        "--policy",
        s(&admin),
        "--format",
        "terraform",
        "--out",
        s(&tf),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let text = std::fs::read_to_string(&tf).unwrap();
    assert!(text.contains("data \"aws_iam_policy_document\""));
    assert!(text.contains("resource \"aws_iam_role_policy_attachment\""));
    let (code, yaml, _) = pare(&[
        "rightsize",
        "--db",
        s(&db),
        "--principal",
        role,
        "--policy",
        s(&admin),
        "--format",
        "cloudformation",
    ]);
    assert_eq!(code, 0);
    assert!(yaml.contains("Type: AWS::IAM::ManagedPolicy"), "{yaml}");
    assert!(yaml.contains("Roles:"));

    // A window with no events: nothing used, nothing granted.
    let (code, stdout, _) = pare(&[
        "rightsize",
        "--db",
        s(&db),
        "--principal",
        role,
        "--policy",
        s(&admin),
        "--since",
        "2030-01-01",
        "--json-report",
    ]);
    assert_eq!(code, 0);
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["replay"]["total"], 0);
    assert_eq!(report["after"]["actions"], 0);
    assert_eq!(report["window"]["since"], "2030-01-01T00:00:00Z");

    // --all into a folder.
    let out = dir.path().join("all");
    let (code, stdout, stderr) = pare(&[
        "rightsize",
        "--db",
        s(&db),
        "--all",
        "--policy",
        s(&admin),
        "--out",
        s(&out),
        "--format",
        "cloudformation",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("principals right-sized"), "{stdout}");
    assert!(out.join("index.csv").is_file());
    assert!(std::fs::read_dir(&out).unwrap().count() > 100);

    // Bad input: exit 2 with the reason.
    let (code, _, stderr) = pare(&[
        "rightsize",
        "--db",
        s(&db),
        "--principal",
        role,
        "--resources",
        "all",
    ]);
    assert_eq!(code, 2);
    assert!(stderr.contains("`all` is not a resource scope"), "{stderr}");
    let (code, _, stderr) = pare(&["rightsize", "--db", s(&db), "--principal", role]);
    assert_eq!(code, 2);
    assert!(stderr.contains("no account snapshot"), "{stderr}");
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Maybe", "Action": "*", "Resource": "*"}]}"#).unwrap();
    let (code, _, stderr) = pare(&[
        "rightsize",
        "--db",
        s(&db),
        "--principal",
        role,
        "--policy",
        s(&bad),
    ]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("bad.json") && stderr.contains("/Statement/0"),
        "{stderr}"
    );
}

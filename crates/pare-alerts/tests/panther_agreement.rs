//! Agreement of the built-in pack with the labels of panther-analysis's rule tests, for the Panther rules
//! that detect what a Pare policy detects. The table is printed and must equal the one in `README.md`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code"
)]

mod common;

use pare_alerts::{Evaluator, builtin_policies};

/// Panther rule → the Pare policy compared with it, and how their scopes differ.
const COMPARED: &[(&str, &str, &str)] = &[
    ("AWS.Root.Activity", "root-activity", "same"),
    ("AWS.Console.RootLogin", "root-console-login", "same"),
    (
        "AWS.Console.LoginWithoutMFA",
        "root-console-login-without-mfa",
        "Panther: any identity; Pare: root",
    ),
    (
        "AWS.CloudTrail.RootAccessKeyCreated",
        "root-creates-access-key",
        "same",
    ),
    (
        "AWS.IAM.CreateUser",
        "iam-credentials-created",
        "same for CreateUser",
    ),
    (
        "Standard.NewUserAccountCreated",
        "iam-credentials-created",
        "same for CreateUser",
    ),
    (
        "AWS.IAM.Backdoor.User.Keys",
        "iam-credentials-created",
        "Panther: keys for another user; Pare: any key",
    ),
    (
        "AWS.CloudTrail.LoginProfileCreatedOrModified",
        "iam-credentials-created",
        "same",
    ),
    (
        "AWS.User.Login.Profile.Modified",
        "iam-credentials-created",
        "Panther: another user's profile; Pare: any",
    ),
    (
        "AWS.IAM.CredentialsUpdated",
        "iam-credentials-created",
        "Panther adds ChangePassword",
    ),
    (
        "AWS.IAM.AttachAdminUserPolicy",
        "admin-policy-attached",
        "same",
    ),
    (
        "AWS.IAM.AttachAdminRolePolicy",
        "admin-policy-attached",
        "same",
    ),
    ("AWS.IAM.BackdoorRole", "trust-policy-opened", "same"),
    ("AWS.CloudTrail.Stopped", "cloudtrail-tampered", "same"),
    (
        "AWS.CloudTrail.EventSelectorsDisabled",
        "cloudtrail-tampered",
        "Panther: selectors that disable logging; Pare: any change",
    ),
    (
        "AWS.CloudTrail.SecurityConfigurationChange",
        "cloudtrail-tampered",
        "Panther adds other services' security settings",
    ),
];

#[test]
fn agreement_with_panther_labels() {
    let pack = builtin_policies().unwrap();
    let text = common::read_text("../panther-rule-tests/rule_tests.comparable.jsonl");
    let tests: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut table = String::from(
        "| Panther rule | Pare policy | scope | tests | agree | both fire | Panther only | Pare only |\n|---|---|---|---:|---:|---:|---:|---:|\n",
    );
    let mut disagreements = String::new();
    let (mut total, mut agreed) = (0, 0);
    for (rule, policy_id, scope) in COMPARED {
        let policy = pack.iter().find(|p| p.id() == *policy_id).unwrap().clone();
        let (mut n, mut agree, mut both, mut panther_only, mut pare_only) = (0, 0, 0, 0, 0);
        for t in tests.iter().filter(|t| t["rule_id"] == *rule) {
            let event = common::event_of(&t["event"].to_string());
            let fired = !Evaluator::new(vec![policy.clone()])
                .evaluate(&event)
                .is_empty();
            let expected = t["expected_result"].as_bool().unwrap();
            n += 1;
            match (expected, fired) {
                (true, true) => both += 1,
                (true, false) => panther_only += 1,
                (false, true) => pare_only += 1,
                (false, false) => {}
            }
            if expected == fired {
                agree += 1;
            } else {
                disagreements.push_str(&format!(
                    "- {rule} / {policy_id}: \"{}\" (Panther {expected}, Pare {fired})\n",
                    t["test_name"].as_str().unwrap()
                ));
            }
        }
        assert!(n > 0, "no tests for {rule}");
        total += n;
        agreed += agree;
        table.push_str(&format!(
            "| {rule} | {policy_id} | {scope} | {n} | {agree} | {both} | {panther_only} | {pare_only} |\n"
        ));
    }
    table.push_str(&format!("| **all** | | | {total} | {agreed} | | | |\n"));
    println!("{table}\nDisagreements:\n{disagreements}");
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    assert!(
        readme.contains(&table),
        "README.md must hold the table printed above"
    );
    assert!(
        readme.contains(&disagreements),
        "README.md must list the disagreements printed above"
    );
}

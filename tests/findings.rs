//! Findings on real data: root activity from Panther's compromised-root scenario and the AWS documentation
//! examples, the Stratus Red Team backdoor admin user, and (with the account model) the iam-vulnerable account.

use std::collections::BTreeMap;
use std::io::Read;

use pare_catalog::Catalog;
use pare_findings::facts::{IdentityKind, RootFacts};
use pare_findings::finding::{FindingKind, Severity};
use pare_findings::{RootEvent, permissions, root, trail_changes};
use serde_json::Value;

fn data(path: &str) -> std::path::PathBuf {
    pare_tests::tests_dir().join("data").join(path)
}

fn jsonl_events(path: &str) -> Vec<(Value, Value)> {
    std::fs::read_to_string(data(path))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let mut v: Value = serde_json::from_str(l).unwrap();
            let event = v.get_mut("event").unwrap().take();
            (v, event)
        })
        .collect()
}

fn gz_text(path: &str) -> String {
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(data(path)).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    text
}

fn gz_json(path: &str) -> Value {
    serde_json::from_str(&gz_text(path)).unwrap()
}

fn root_of(events: &[Value]) -> RootFacts {
    RootFacts {
        arn: "arn:aws:iam::493859302102:root".into(),
        credentials: None,
        events: events.iter().filter_map(RootEvent::from_record).collect(),
    }
}

#[test]
fn panther_compromised_root_scenario_gives_the_root_timeline() {
    let events: Vec<Value> = jsonl_events("cloudtrail/panther/scenario_events.jsonl")
        .into_iter()
        .filter(|(meta, _)| {
            meta["source_file"]
                .as_str()
                .unwrap()
                .contains("compromised-root-creds")
        })
        .map(|(_, e)| e)
        .collect();
    assert_eq!(
        events.len(),
        16,
        "the scenario has 16 events (15 of them root)"
    );
    let findings = root::root_findings(&root_of(&events));
    let by_kind: BTreeMap<FindingKind, _> = findings.iter().map(|f| (f.kind, f)).collect();
    assert_eq!(findings.len(), 2, "{findings:#?}");

    let activity = by_kind[&FindingKind::RootActivity];
    // Two root access keys were created: critical.
    assert_eq!(activity.severity, Severity::Critical);
    let ev = &activity.evidence;
    assert_eq!(ev["events"], 15);
    assert_eq!(ev["console_logins"], 7);
    assert_eq!(ev["failed_console_logins"], 3);
    assert_eq!(ev["api_calls"], 8);
    assert_eq!(ev["access_keys_created"], 2);
    assert_eq!(ev["first"], "2020-10-15T06:00:00+00:00");
    assert_eq!(ev["last"], "2020-11-01T08:39:02+00:00");
    assert_eq!(ev["ips"]["92.55.146.245"], 11, "the attacker's address");
    assert_eq!(ev["ips"]["71.253.251.71"], 4, "the owner's address");
    let timeline = ev["timeline"].as_array().unwrap();
    assert_eq!(timeline.len(), 15);
    let times: Vec<&str> = timeline
        .iter()
        .map(|e| e["time"].as_str().unwrap())
        .collect();
    let mut sorted = times.clone();
    sorted.sort_unstable();
    assert_eq!(times, sorted, "the timeline is in time order");
    assert_eq!(timeline[0]["event"], "ConsoleLogin");
    assert_eq!(timeline[0]["ip"], "71.253.251.71");
    let stop = timeline
        .iter()
        .find(|e| e["event"] == "StopLogging")
        .unwrap();
    assert_eq!(stop["success"], false);
    assert_eq!(stop["error"], "NotOrganizationMasterAccountException");

    // Four successful console sign-ins, none with MFA: the owner's three and the attacker's one.
    let no_mfa = by_kind[&FindingKind::RootConsoleLoginWithoutMfa];
    assert_eq!(no_mfa.severity, Severity::High);
    assert_eq!(no_mfa.evidence["count"], 4);
    let login_times: Vec<&str> = no_mfa.evidence["logins"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["time"].as_str().unwrap())
        .collect();
    assert_eq!(
        login_times,
        [
            "2020-10-15T06:00:00+00:00",
            "2020-10-16T06:00:00+00:00",
            "2020-10-27T06:00:00+00:00",
            "2020-11-01T08:29:10+00:00"
        ]
    );
}

#[test]
fn aws_documentation_root_events_give_root_findings() {
    let events: Vec<Value> = jsonl_events("cloudtrail/aws-docs-examples/docs_examples.jsonl")
        .into_iter()
        .map(|(_, e)| e)
        .collect();
    let root = root_of(&events);
    assert_eq!(root.events.len(), 5, "{:#?}", root.events);
    let findings = root::root_findings(&root);
    let activity = findings
        .iter()
        .find(|f| f.kind == FindingKind::RootActivity)
        .unwrap();
    assert_eq!(
        activity.severity,
        Severity::High,
        "no root access key involved"
    );
    assert_eq!(activity.evidence["console_logins"], 3);
    assert_eq!(activity.evidence["failed_console_logins"], 1);
    assert_eq!(activity.evidence["api_calls"], 2);
    assert_eq!(activity.evidence["first"], "2022-11-10T16:24:34+00:00");
    assert_eq!(activity.evidence["ips"]["192.0.2.0"], 5);
    // One successful sign-in without MFA (the other success used MFA, the third failed).
    let no_mfa = findings
        .iter()
        .find(|f| f.kind == FindingKind::RootConsoleLoginWithoutMfa)
        .unwrap();
    assert_eq!(no_mfa.evidence["count"], 1);
    assert_eq!(no_mfa.evidence["logins"][0]["mfa_used"], false);
}

#[test]
fn stratus_create_admin_user_gives_an_admin_finding_for_the_created_user() {
    let trail = gz_json("cloudtrail/stratus-red-team/all_detonations.json.gz");
    let records = trail["Records"].as_array().unwrap();
    let observed = trail_changes::replay(records);
    let user = &observed["arn:aws:iam::229654561268:user/malicious-iam-user"];
    assert_eq!(user.kind, Some(IdentityKind::User));
    assert_eq!(
        user.created.unwrap().to_rfc3339(),
        "2024-08-01T13:33:28+00:00"
    );
    assert_eq!(
        user.created_by.as_deref(),
        Some("arn:aws:iam::229654561268:user/christophe")
    );
    assert_eq!(
        user.attached,
        ["arn:aws:iam::aws:policy/AdministratorAccess"]
    );
    assert_eq!(user.access_keys_created, 1);
    // The user that only got a console password is not an admin.
    let login = &observed["arn:aws:iam::070411556318:user/stratus-red-team-login-profile-user"];
    assert!(login.login_profile);
    assert!(login.attached.is_empty());

    // The identities CloudTrail shows being created, as an authorization-details page of the account model, with
    // AWS-managed policy content from the managed-policy library.
    let page = pare_account::parse_authz_value(
        "stratus (CloudTrail)",
        &trail_changes::to_authz_page(&observed),
    )
    .unwrap();
    let mut builder = pare_account::AccountBuilder::default();
    builder.add_authz_page(page);
    let library = gz_text("aws-managed-policies/managedPolicies.latest.json.gz");
    builder.managed_policy_library(
        pare_account::parse_managed_policy_library("managedPolicies.latest.json", &library)
            .unwrap(),
    );
    let account = builder.build();
    let catalog = Catalog::bundled().unwrap();
    let permissions = pare_account::AccountPermissions::compile(&account, catalog);
    let id = account
        .principal_by_arn("arn:aws:iam::229654561268:user/malicious-iam-user")
        .unwrap();
    let facts = pare_findings::account::principal_facts(&permissions, id, vec![], None).unwrap();
    let finding = permissions::admin_equivalent(&facts, &[]).expect("an admin finding");
    assert_eq!(
        finding.principal,
        "arn:aws:iam::229654561268:user/malicious-iam-user"
    );
    assert_eq!(finding.kind, FindingKind::AdminEquivalent);
    assert_eq!(finding.severity, Severity::High);
    assert_eq!(finding.evidence["full_admin"], true);
    // Only identities the trail shows being created are added (the login-profile user existed before).
    assert!(
        account
            .principal_by_arn("arn:aws:iam::070411556318:user/stratus-red-team-login-profile-user")
            .is_none()
    );
}

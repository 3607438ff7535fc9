//! The built-in pack on real events: each policy fires on its examples in the fixtures (Stratus Red Team,
//! Panther, AWS documentation) and stays silent on benign events.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code"
)]

mod common;

use std::collections::BTreeMap;

use pare_alerts::{Alert, AlertEvent, Evaluator, builtin_policies};

fn run(events: &[AlertEvent]) -> Vec<Alert> {
    let mut events = events.to_vec();
    Evaluator::sort(&mut events);
    Evaluator::new(builtin_policies().unwrap()).evaluate_all(&events)
}

/// Alerts per policy id, as (policy, event names of the alert's events).
/// Events get their index as `eventID` here, since fixture IDs repeat or are missing.
fn fired(events: &[AlertEvent]) -> BTreeMap<String, Vec<Vec<String>>> {
    let events: Vec<AlertEvent> = events
        .iter()
        .enumerate()
        .map(|(i, e)| AlertEvent {
            event_id: format!("#{i}"),
            ..e.clone()
        })
        .collect();
    let mut by_id: BTreeMap<&str, &AlertEvent> = BTreeMap::new();
    for e in &events {
        by_id.insert(&e.event_id, e);
    }
    let mut out: BTreeMap<String, Vec<Vec<String>>> = BTreeMap::new();
    for a in run(&events) {
        let names = a
            .events
            .iter()
            .map(|id| {
                by_id
                    .get(id.as_str())
                    .map_or("?".to_owned(), |e| e.event_name.clone())
            })
            .collect();
        out.entry(a.policy).or_default().push(names);
    }
    out
}

fn stratus(technique: &str) -> Vec<AlertEvent> {
    common::events(&format!("stratus-red-team/original/{technique}.json"))
}

/// Policy ids with the event names of each of their alerts.
type Expected = &'static [(&'static str, &'static [&'static str])];

fn names(list: &[&str]) -> Vec<Vec<String>> {
    list.iter().map(|n| vec![(*n).to_owned()]).collect()
}

#[test]
fn the_pack_parses_and_every_policy_says_why_and_what_to_do() {
    let pack = builtin_policies().unwrap();
    let ids: Vec<&str> = pack.iter().map(pare_alerts::Policy::id).collect();
    assert_eq!(
        ids,
        [
            "root-activity",
            "root-console-login",
            "root-console-login-without-mfa",
            "root-creates-user",
            "root-creates-access-key",
            "iam-credentials-created",
            "admin-policy-attached",
            "trust-policy-opened",
            "mfa-removed",
            "cloudtrail-tampered",
            "password-policy-weakened",
            "console-login-failure-burst",
            "access-denied-burst",
            "new-source-ip",
            "new-region",
        ]
    );
    for p in &pack {
        assert!(p.reason().len() > 30, "{}", p.id());
        assert!(p.recommendation().len() > 30, "{}", p.id());
        assert!(!p.description().is_empty(), "{}", p.id());
    }
}

#[test]
fn stratus_persistence_and_defense_evasion_techniques_fire_their_policies() {
    let cases: &[(&str, Expected)] = &[
        (
            "aws.defense-evasion.cloudtrail-stop",
            &[("cloudtrail-tampered", &["StopLogging"])],
        ),
        (
            "aws.defense-evasion.cloudtrail-delete",
            &[("cloudtrail-tampered", &["DeleteTrail"])],
        ),
        (
            "aws.defense-evasion.cloudtrail-event-selectors",
            &[("cloudtrail-tampered", &["PutEventSelectors"])],
        ),
        (
            "aws.persistence.iam-create-admin-user",
            &[
                ("admin-policy-attached", &["AttachUserPolicy"]),
                (
                    "iam-credentials-created",
                    &["CreateUser", "CreateAccessKey"],
                ),
            ],
        ),
        (
            "aws.persistence.iam-create-backdoor-role",
            &[
                ("admin-policy-attached", &["AttachRolePolicy"]),
                ("trust-policy-opened", &["CreateRole"]),
            ],
        ),
        (
            "aws.persistence.iam-backdoor-role",
            &[("trust-policy-opened", &["UpdateAssumeRolePolicy"])],
        ),
        (
            "aws.persistence.iam-backdoor-user",
            &[("iam-credentials-created", &["CreateAccessKey"])],
        ),
        (
            "aws.persistence.iam-create-user-login-profile",
            &[("iam-credentials-created", &["CreateLoginProfile"])],
        ),
        (
            "aws.privilege-escalation.iam-update-user-login-profile",
            &[("iam-credentials-created", &["UpdateLoginProfile"])],
        ),
        // An IAM user signing in without MFA is not root: the root policies stay silent.
        ("aws.initial-access.console-login-without-mfa", &[]),
        // Not IAM, logging or sign-in: nothing in the pack is about these.
        ("aws.exfiltration.ec2-share-ami", &[]),
        ("aws.execution.ssm-send-command", &[]),
        ("aws.credential-access.secretsmanager-retrieve-secrets", &[]),
    ];
    for (technique, expected) in cases {
        let mut got = fired(&stratus(technique));
        got.values_mut().for_each(|v| v.sort());
        let mut want: BTreeMap<String, Vec<Vec<String>>> = expected
            .iter()
            .map(|(id, events)| ((*id).to_owned(), names(events)))
            .collect();
        want.values_mut().for_each(|v| v.sort());
        assert_eq!(got, want, "{technique}");
    }
}

#[test]
fn stratus_access_denied_enumeration_is_a_burst() {
    // 30 GetPasswordData calls denied to one role within minutes: more than 10 in 10 minutes, twice.
    let got = fired(&stratus("aws.credential-access.ec2-get-password-data"));
    let bursts = &got["access-denied-burst"];
    assert_eq!(bursts.len(), 2);
    assert!(
        bursts
            .iter()
            .all(|b| b.len() == 11 && b.iter().all(|n| n == "GetPasswordData"))
    );
    assert_eq!(got.len(), 1, "{got:?}");
    // 15 denied DescribeInstanceAttribute: one burst.
    let got = fired(&stratus("aws.discovery.ec2-download-user-data"));
    assert_eq!(got["access-denied-burst"].len(), 1);
    assert_eq!(got["access-denied-burst"][0].len(), 11);
}

/// The compromised-root-credentials story of panther-analysis (the attacker's and the victim's trails).
fn compromised_root() -> Vec<AlertEvent> {
    let lines = common::read_text("panther/scenario_events.jsonl");
    lines
        .lines()
        .filter(|l| l.contains("test_scenarios/compromised-root-creds/"))
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            common::event_of(&v["event"].to_string())
        })
        .collect()
}

#[test]
fn root_creates_user_fires_exactly_once_on_the_panther_compromised_root_scenario() {
    let events = compromised_root();
    assert_eq!(events.len(), 16);
    let alerts = run(&events);
    let creates: Vec<&Alert> = alerts
        .iter()
        .filter(|a| a.policy == "root-creates-user")
        .collect();
    assert_eq!(creates.len(), 1);
    assert_eq!(creates[0].actor, "arn:aws:iam::493859302102:root");
    assert_eq!(creates[0].time.as_deref(), Some("2020-11-01T08:35:19Z"));
    let count = |id: &str| alerts.iter().filter(|a| a.policy == id).count();
    // The attacker failed three times and then signed in as root from 92.55.146.245; the owner signed in
    // three times from 71.253.251.71; all without MFA. The attacker then created two access keys and a
    // user, attached policies to it and launched an instance as that user (not root).
    assert_eq!(count("root-console-login"), 4);
    assert_eq!(count("root-console-login-without-mfa"), 4);
    assert_eq!(count("root-creates-access-key"), 2);
    assert_eq!(count("iam-credentials-created"), 3);
    assert_eq!(count("root-activity"), 15);
    // Three failures over a day and a half are not a burst.
    assert_eq!(count("console-login-failure-burst"), 0);
    // None of the attached policies is AdministratorAccess; StopLogging failed.
    assert_eq!(count("admin-policy-attached"), 0);
    assert_eq!(count("cloudtrail-tampered"), 0);
    // The attacker's IP is new for root, once root has a history from the victim's IP.
    let new_ips: Vec<&Alert> = alerts
        .iter()
        .filter(|a| a.policy == "new-source-ip")
        .collect();
    assert_eq!(new_ips.len(), 1);
    assert!(
        new_ips[0].summary.contains("92.55.146.245"),
        "{}",
        new_ips[0].summary
    );
}

#[test]
fn root_creates_user_is_silent_where_a_user_not_root_creates_one() {
    // The AWS documentation's and Stratus's CreateUser events are made by IAM users.
    let docs = common::events("aws-docs-examples/docs_examples.jsonl");
    let stratus_all = common::events("stratus-red-team/all_detonations.json.gz");
    for events in [&docs, &stratus_all] {
        let creates = events
            .iter()
            .filter(|e| e.event_name == "CreateUser")
            .count();
        assert_eq!(creates, 1);
        let got = fired(events);
        assert!(!got.contains_key("root-creates-user"));
        assert!(
            got["iam-credentials-created"]
                .iter()
                .any(|e| e == &["CreateUser"])
        );
    }
}

#[test]
fn aws_documentation_root_sign_ins() {
    let docs = common::events("aws-docs-examples/docs_examples.jsonl");
    let got = fired(&docs);
    // Two successful root sign-ins (one without MFA, one whose record does not say), one failed.
    assert_eq!(got["root-console-login"].len(), 2);
    assert_eq!(got["root-console-login-without-mfa"].len(), 1);
    assert_eq!(got["root-activity"].len(), 5);
}

/// A real record with some fields replaced (the fixtures have no such event).
fn derived(json: &str, changes: &[(&str, serde_json::Value)]) -> String {
    let mut v: serde_json::Value = serde_json::from_str(json).unwrap();
    for (pointer, value) in changes {
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        let target = if parent.is_empty() {
            &mut v
        } else {
            v.pointer_mut(parent).unwrap()
        };
        target[key] = value.clone();
    }
    v.to_string()
}

fn docs_record(name: &str, nth: usize) -> String {
    common::records("aws-docs-examples/docs_examples.jsonl")
        .into_iter()
        .filter(|r| r.contains(&format!("\"eventName\":\"{name}\"")))
        .nth(nth)
        .unwrap()
}

#[test]
fn mfa_removal_and_password_policy_on_records_derived_from_real_ones() {
    use serde_json::json;
    // The documentation's root EnableMFADevice, turned into the deactivation.
    let enable = docs_record("EnableMFADevice", 0);
    let deactivate = derived(&enable, &[("/eventName", json!("DeactivateMFADevice"))]);
    let got = fired(&[common::event_of(&deactivate)]);
    assert_eq!(got["mfa-removed"].len(), 1);
    assert!(!fired(&[common::event_of(&enable)]).contains_key("mfa-removed"));
    // Stratus's CreateUser call by an IAM user, turned into password policy updates.
    let create =
        common::records("stratus-red-team/original/aws.persistence.iam-create-admin-user.json")
            .into_iter()
            .find(|r| r.contains("\"eventName\":\"CreateUser\""))
            .unwrap();
    let weak = derived(
        &create,
        &[
            ("/eventName", json!("UpdateAccountPasswordPolicy")),
            (
                "/requestParameters",
                json!({"minimumPasswordLength": 8, "requireSymbols": false}),
            ),
            ("/responseElements", json!(null)),
        ],
    );
    let strong = derived(
        &create,
        &[
            ("/eventName", json!("UpdateAccountPasswordPolicy")),
            (
                "/requestParameters",
                json!({"minimumPasswordLength": 14, "requireSymbols": true, "requireNumbers": true,
                       "requireUppercaseCharacters": true, "requireLowercaseCharacters": true,
                       "passwordReusePrevention": 24}),
            ),
        ],
    );
    let deleted = derived(
        &create,
        &[
            ("/eventName", json!("DeleteAccountPasswordPolicy")),
            ("/requestParameters", json!(null)),
        ],
    );
    assert_eq!(
        fired(&[common::event_of(&weak)])["password-policy-weakened"].len(),
        1
    );
    assert_eq!(
        fired(&[common::event_of(&deleted)])["password-policy-weakened"].len(),
        1
    );
    assert!(!fired(&[common::event_of(&strong)]).contains_key("password-policy-weakened"));
}

#[test]
fn console_login_failures_burst_on_repeated_real_failures() {
    use serde_json::json;
    let failure = docs_record("ConsoleLogin", 2);
    assert!(failure.contains("Failed authentication"));
    let at = |minute: u32, id: u32| {
        common::event_of(&derived(
            &failure,
            &[
                (
                    "/eventTime",
                    json!(format!("2024-05-01T10:{minute:02}:00Z")),
                ),
                ("/eventID", json!(format!("failure-{id}"))),
            ],
        ))
    };
    // Four failures in four minutes: more than 3 within 10 minutes.
    let burst: Vec<AlertEvent> = (0..4).map(|i| at(i, i)).collect();
    let got = fired(&burst);
    assert_eq!(
        got["console-login-failure-burst"],
        vec![vec!["ConsoleLogin".to_owned(); 4]]
    );
    // Three failures, or four spread over 40 minutes, are not a burst.
    assert!(!fired(&burst[..3]).contains_key("console-login-failure-burst"));
    let spread: Vec<AlertEvent> = (0..4).map(|i| at(i * 13, i)).collect();
    assert!(!fired(&spread).contains_key("console-login-failure-burst"));
}

#[test]
fn first_seen_source_ip_and_region() {
    use serde_json::json;
    // Stratus's attacker user reading parameters: the same identity, its calls re-dated and re-addressed.
    let base = common::records(
        "stratus-red-team/original/aws.credential-access.ssm-retrieve-securestring-parameters.json",
    )
    .into_iter()
    .next()
    .unwrap();
    let call = |i: u32, ip: &str, region: &str| {
        common::event_of(&derived(
            &base,
            &[
                ("/eventTime", json!(format!("2024-05-01T10:{i:02}:00Z"))),
                ("/eventID", json!(format!("call-{i}"))),
                ("/sourceIPAddress", json!(ip)),
                ("/awsRegion", json!(region)),
            ],
        ))
    };
    let same: Vec<AlertEvent> = (0..5)
        .map(|i| call(i, "198.51.100.7", "eu-west-1"))
        .collect();
    assert!(fired(&same).is_empty(), "{:?}", fired(&same));
    let mut moved = same.clone();
    moved.push(call(10, "203.0.113.9", "eu-west-1"));
    moved.push(call(11, "203.0.113.9", "ap-southeast-2"));
    moved.push(call(12, "203.0.113.9", "ap-southeast-2"));
    let got = fired(&moved);
    assert_eq!(got["new-source-ip"].len(), 1);
    assert_eq!(got["new-region"].len(), 1);
    assert_eq!(got.len(), 2);
}

#[test]
fn silent_on_benign_events() {
    // The real S3-delivered CloudTrail object of trailscraper and every successful read-only call by a
    // non-root identity in the fixtures: no policy of the pack but the first-seen ones has anything to say.
    // (The first-seen forms are tested above; the anonymised fixtures give every Stratus call its own IP.)
    let mut benign = common::events(
        "trailscraper/111111111111_CloudTrail_eu-central-1_20171211T1505Z_A6kvhMoVeCsc7v8U.json.gz",
    );
    for f in [
        "stratus-red-team/all_detonations.json.gz",
        "panther/rule_test_events.json.gz",
        "aws-docs-examples/docs_examples.jsonl",
    ] {
        for json in common::records(f) {
            let v: serde_json::Value = serde_json::from_str(&json).unwrap();
            let read_only = v["readOnly"] == serde_json::Value::Bool(true);
            let e = common::event_of(&json);
            if read_only && !e.root && e.outcome == pare_alerts::EventOutcome::Success {
                benign.push(e);
            }
        }
    }
    assert!(benign.len() > 150, "{}", benign.len());
    let got = fired(&benign);
    let loud: Vec<&String> = got
        .keys()
        .filter(|k| !matches!(k.as_str(), "new-source-ip" | "new-region"))
        .collect();
    assert!(loud.is_empty(), "{got:?}");
}

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

struct Reviewed {
    report: pare_findings::PathReport,
    findings: Vec<pare_findings::Finding>,
}

/// The iam-vulnerable account through the model, the path search and every rule; reviewed at the dump's time.
fn iam_vulnerable() -> &'static Reviewed {
    static R: std::sync::OnceLock<Reviewed> = std::sync::OnceLock::new();
    R.get_or_init(|| {
        let text =
            gz_text("authz-details-cloudsplaining/example.iam-vulnerable-account.2023.json.gz");
        let mut builder = pare_account::AccountBuilder::default();
        builder.add_authz_page(
            pare_account::parse_authz("example.iam-vulnerable-account.2023.json", &text).unwrap(),
        );
        let account = Box::leak(Box::new(builder.build()));
        let catalog = Catalog::bundled().unwrap();
        let permissions = Box::leak(Box::new(pare_account::AccountPermissions::compile(
            account, catalog,
        )));
        let now = chrono::DateTime::parse_from_rfc3339("2023-03-28T14:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let oracle = pare_findings::account::AccountOracle::new(permissions, now);
        let techniques = pare_findings::techniques::bundled().unwrap();
        let report =
            pare_findings::find_paths(&oracle, techniques, pare_findings::SearchOptions::default());
        let risk = pare_findings::RiskIndex::new(catalog, techniques);
        let facts = pare_findings::AccountFacts {
            account_id: account.account_id.clone().unwrap_or_default(),
            known_accounts: vec![],
            principals: account
                .principal_ids()
                .filter_map(|id| {
                    pare_findings::account::principal_facts(permissions, id, vec![], None)
                })
                .collect(),
            roots: vec![],
            observation: None,
            now,
        };
        let findings = pare_findings::analyze(
            catalog,
            &risk,
            &facts,
            &report,
            pare_findings::Thresholds::default(),
        );
        Reviewed { report, findings }
    })
}

const ACCOUNT: &str = "arn:aws:iam::200611803367";

/// The techniques the iam-vulnerable principals are named after, as pathfinding.cloud ids. `User`/`Role`: which
/// of the two principals of a scenario the technique applies to (the other is asserted in the exceptions).
const NAMED: &[(&str, &str, &[&str])] = &[
    (
        "privesc1-CreateNewPolicyVersion",
        "iam-001",
        &["user", "role"],
    ),
    (
        "privesc3-CreateEC2WithExistingInstanceProfile",
        "ec2-001",
        &["user", "role"],
    ),
    ("privesc4-CreateAccessKey", "iam-002", &["user", "role"]),
    ("privesc5-CreateLoginProfile", "iam-004", &["user", "role"]),
    ("privesc6-UpdateLoginProfile", "iam-006", &["user", "role"]),
    ("privesc7-AttachUserPolicy", "iam-008", &["user"]),
    ("privesc8-AttachGroupPolicy", "iam-010", &["user"]),
    ("privesc9-AttachRolePolicy", "iam-009", &["role"]),
    ("privesc10-PutUserPolicy", "iam-007", &["user"]),
    ("privesc11-PutGroupPolicy", "iam-011", &["user"]),
    ("privesc12-PutRolePolicy", "iam-005", &["role"]),
    ("privesc13-AddUserToGroup", "iam-013", &["user"]),
    (
        "privesc14-UpdatingAssumeRolePolicy",
        "iam-012",
        &["user", "role"],
    ),
    (
        "privesc15-PassExistingRoleToNewLambdaThenInvoke",
        "lambda-001",
        &["user", "role"],
    ),
    (
        "privesc16-PassRoleToNewLambdaThenTriggerWithNewDynamo",
        "lambda-002",
        &["user", "role"],
    ),
    (
        "privesc17-EditExistingLambdaFunctionWithRole",
        "lambda-003",
        &["user", "role"],
    ),
    (
        "privesc18-PassExistingRoleToNewGlueDevEndpoint",
        "glue-001",
        &["user", "role"],
    ),
    (
        "privesc19-UpdateExistingGlueDevEndpoint",
        "glue-002",
        &["user", "role"],
    ),
    (
        "privesc20-PassExistingRoleToCloudFormation",
        "cloudformation-001",
        &["user", "role"],
    ),
    (
        "privesc21-PassExistingRoleToNewDataPipeline",
        "datapipeline-001",
        &["user", "role"],
    ),
    (
        "privesc-CloudFormationUpdateStack",
        "cloudformation-002",
        &["user", "role"],
    ),
    (
        "privesc-codeBuildCreateProjectPassRole",
        "codebuild-001",
        &["user", "role"],
    ),
    (
        "privesc-ec2InstanceConnect",
        "ec2instanceconnect-003",
        &["user", "role"],
    ),
    (
        "privesc-sageMakerCreateNotebookPassRole",
        "sagemaker-001",
        &["user", "role"],
    ),
    (
        "privesc-sageMakerCreatePresignedNotebookURL",
        "sagemaker-004",
        &["user", "role"],
    ),
    (
        "privesc-sageMakerCreateProcessingJobPassRole",
        "sagemaker-003",
        &["user", "role"],
    ),
    (
        "privesc-sageMakerCreateTrainingJobPassRole",
        "sagemaker-002",
        &["user", "role"],
    ),
    ("privesc-ssmSendCommand", "ssm-002", &["user", "role"]),
    ("privesc-ssmStartSession", "ssm-001", &["user", "role"]),
    // The SRE group and role grant iam:*: a user writes a policy on itself, a role on itself.
    ("privesc-sre", "iam-007", &["user"]),
    ("privesc-sre", "iam-005", &["role"]),
];

fn arn(name: &str, kind: &str) -> String {
    format!("{ACCOUNT}:{kind}/{name}-{kind}")
}

fn findings_of<'a>(r: &'a Reviewed, principal: &str) -> Vec<&'a pare_findings::Finding> {
    r.findings
        .iter()
        .filter(|f| f.principal == principal)
        .collect()
}

fn has(r: &Reviewed, principal: &str, kind: FindingKind) -> Option<Severity> {
    findings_of(r, principal)
        .into_iter()
        .filter(|f| f.kind == kind)
        .map(|f| f.severity)
        .max()
}

#[test]
fn iam_vulnerable_every_privesc_principal_has_a_path_of_its_technique() {
    let r = iam_vulnerable();
    let mut checked = 0;
    for (name, technique, kinds) in NAMED {
        for kind in *kinds {
            let principal = arn(name, kind);
            let paths: Vec<_> = r
                .report
                .paths
                .iter()
                .filter(|p| p.principal == principal)
                .collect();
            let with = paths
                .iter()
                .find(|p| p.steps.first().is_some_and(|s| s.technique == *technique));
            let with = with.unwrap_or_else(|| {
                panic!(
                    "{principal}: no path starting with {technique}; first steps: {:?}",
                    paths
                        .iter()
                        .map(|p| p.techniques().collect::<Vec<_>>())
                        .collect::<Vec<_>>()
                )
            });
            // The path ends at admin or at a full-admin principal, and every step lists the permissions it uses.
            let last = with.steps.last().unwrap();
            assert!(
                last.to == "admin"
                    || last.to.ends_with("role/privesc-high-priv-service-role")
                    || r.report.reach.iter().any(|(a, d)| *a == last.to && *d == 0),
                "{principal}: {with:?}"
            );
            let first = &with.steps[0];
            assert!(!first.permissions.is_empty());
            let tech = pare_findings::techniques::bundled()
                .unwrap()
                .iter()
                .find(|t| t.id == *technique)
                .unwrap();
            for needed in tech.actions() {
                assert!(
                    first
                        .permissions
                        .iter()
                        .any(|p| p.action.eq_ignore_ascii_case(needed)),
                    "{principal}: step {technique} does not list {needed}: {:?}",
                    first.permissions
                );
            }
            // … and the principal has a privilege-escalation finding, critical when unconditional.
            assert_eq!(
                has(r, &principal, FindingKind::PrivilegeEscalationPath),
                Some(Severity::Critical),
                "{principal}"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, NAMED.iter().map(|n| n.2.len()).sum::<usize>());
    assert_eq!(checked, 53);
}

#[test]
fn iam_vulnerable_multi_hop_paths_list_every_step() {
    let r = iam_vulnerable();
    // CreateAccessKey on another user whose own permissions escalate: two steps.
    let p = &arn("privesc4-CreateAccessKey", "user");
    let two = r
        .report
        .paths
        .iter()
        .find(|x| x.principal == *p && x.steps.len() == 2 && x.steps[1].technique == "iam-001")
        .expect("iam-002 then iam-001");
    assert_eq!(two.steps[0].technique, "iam-002");
    assert_eq!(two.steps[0].to, two.steps[1].from);
    assert_eq!(two.steps[1].to, "admin");
    assert_eq!(two.steps[0].permissions[0].action, "iam:CreateAccessKey");
    assert_eq!(two.steps[0].permissions[0].resource, two.steps[0].to);
    // Rewriting a role's trust policy, then assuming its way on: UpdateAssumeRolePolicy → AssumeRole → admin.
    let p = &arn("privesc14-UpdatingAssumeRolePolicy", "user");
    assert!(r.report.paths.iter().any(|x| {
        x.principal == *p
            && x.techniques().collect::<Vec<_>>() == ["iam-012", "sts-001"]
            && x.steps[1]
                .to
                .ends_with("role/AWS-QuickSetup-StackSet-Local-ExecutionRole")
    }));
    assert!(r.report.reach.iter().any(|(a, d)| a == p && *d == 1));
}

#[test]
fn iam_vulnerable_false_positive_probes_are_not_flagged() {
    let r = iam_vulnerable();
    for name in [
        "fp1-allow-and-deny",
        "fp2-allow-and-deny-multiple-policies",
        "fp3-deny-iam",
        "fp4-nonExploitableResourceConstraint",
        "fp5-nonExploitableConditionConstraint",
    ] {
        for kind in ["user", "role"] {
            let principal = arn(name, kind);
            assert!(
                !r.report.paths.iter().any(|p| p.principal == principal),
                "{principal} has a path"
            );
            assert!(
                !r.report.reach.iter().any(|(a, _)| *a == principal),
                "{principal} reaches admin"
            );
            // Nothing above low: fp4/fp5 hold iam:CreatePolicyVersion only on an AWS-managed ARN or under a
            // condition that cannot hold, which the privilege-escalation category reports as low.
            for f in findings_of(r, &principal) {
                assert!(
                    f.severity <= Severity::Low,
                    "{principal}: {:?} {}",
                    f.kind,
                    f.title
                );
            }
        }
    }
    assert_eq!(
        has(
            r,
            &arn("fp4-nonExploitableResourceConstraint", "user"),
            FindingKind::RiskCategory
        ),
        Some(Severity::Low)
    );
    assert!(findings_of(r, &arn("fp1-allow-and-deny", "user")).is_empty());
    assert!(findings_of(r, &arn("fp2-allow-and-deny-multiple-policies", "user")).is_empty());
}

#[test]
fn iam_vulnerable_false_negative_probes_are_flagged() {
    let r = iam_vulnerable();
    for (name, technique) in [
        ("fn1-privesc3-partial", "ec2-001"),
        ("fn2-exploitableResourceConstraint", "iam-001"),
        ("fn3-exploitableConditionConstraint", "iam-001"),
        ("fn4-exploitableNotAction", "iam-007"),
    ] {
        for kind in ["user", "role"] {
            let principal = arn(name, kind);
            let technique = if kind == "role" && technique == "iam-007" {
                "iam-005"
            } else {
                technique
            };
            // fn4's NotAction leaves iam:Put* and iam:Add*: a user writes a policy on itself; its role's
            // NotAction also leaves iam:PutRolePolicy.
            let found = r.report.paths.iter().any(|p| {
                p.principal == principal
                    && p.steps.first().is_some_and(|s| s.technique == technique)
            });
            if kind == "role" && name.starts_with("fn4") {
                assert!(
                    r.report.paths.iter().any(|p| p.principal == principal),
                    "{principal} has no path"
                );
                continue;
            }
            assert!(found, "{principal}: no path starting with {technique}");
            assert_eq!(
                has(r, &principal, FindingKind::PrivilegeEscalationPath),
                Some(Severity::Critical)
            );
        }
    }
}

#[test]
fn iam_vulnerable_principals_without_a_technique_path_are_flagged_otherwise() {
    let r = iam_vulnerable();
    // The targets: full admins are admin-equivalent, not escalation paths.
    for name in [
        "privesc-AssumeRole-ending-role",
        "privesc-high-priv-service-role",
    ] {
        let principal = format!("{ACCOUNT}:role/{name}");
        assert_eq!(
            has(r, &principal, FindingKind::AdminEquivalent),
            Some(Severity::High),
            "{principal}"
        );
        assert!(
            r.report
                .reach
                .iter()
                .any(|(a, d)| *a == principal && *d == 0)
        );
    }
    // iam:SetDefaultPolicyVersion has no pathfinding.cloud technique and the account has no other policy
    // version to switch to; techniques for the other principal type (a role cannot attach a policy to itself as
    // a user, a user cannot assume a role it attached a policy to without sts:AssumeRole): no path, but the
    // privilege-escalation actions on `*` are reported.
    for principal in [
        arn("privesc2-SetExistingDefaultPolicyVersion", "user"),
        arn("privesc2-SetExistingDefaultPolicyVersion", "role"),
        arn("privesc7-AttachUserPolicy", "role"),
        arn("privesc8-AttachGroupPolicy", "role"),
        arn("privesc9-AttachRolePolicy", "user"),
        arn("privesc10-PutUserPolicy", "role"),
        arn("privesc11-PutGroupPolicy", "role"),
        arn("privesc13-AddUserToGroup", "role"),
    ] {
        assert!(
            !r.report.paths.iter().any(|p| p.principal == principal),
            "{principal}"
        );
        assert_eq!(
            has(r, &principal, FindingKind::SensitiveActionOnStar),
            Some(Severity::High),
            "{principal}"
        );
        assert_eq!(
            has(r, &principal, FindingKind::RiskCategory),
            Some(Severity::Medium),
            "{principal}"
        );
    }
    // In this 2023 dump the AssumeRole chain's start user and first two roles have no policies, and the trust
    // policies name role ARNs (a role session then also needs an identity-policy allow): no path.
    for principal in [
        format!("{ACCOUNT}:user/privesc-AssumeRole-start-user"),
        format!("{ACCOUNT}:role/privesc-AssumeRole-starting-role"),
        format!("{ACCOUNT}:role/privesc-AssumeRole-intermediate-role"),
        format!("{ACCOUNT}:role/privesc-permissive-role-trust"),
    ] {
        assert!(
            !r.report.reach.iter().any(|(a, _)| *a == principal),
            "{principal}"
        );
    }
    // The SRE principals (iam:* through a group or a policy) are admin-equivalent.
    assert_eq!(
        has(r, &arn("privesc-sre", "user"), FindingKind::AdminEquivalent),
        Some(Severity::High)
    );
    assert_eq!(
        has(r, &arn("privesc-sre", "role"), FindingKind::AdminEquivalent),
        Some(Severity::High)
    );
}

#[test]
fn iam_vulnerable_findings_have_stable_unique_ids() {
    let r = iam_vulnerable();
    let mut ids: Vec<&str> = r.findings.iter().map(|f| f.id.as_str()).collect();
    let n = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), n, "ids are unique");
    assert!(r.findings.iter().all(|f| f.id.starts_with(f.kind.as_str())));
}

fn pare(args: &[&str]) -> std::process::Output {
    std::process::Command::new(pare_tests::pare_binary())
        .args(args)
        .output()
        .unwrap()
}

/// A database with the iam-vulnerable snapshot and Panther's compromised-root trail, both imported with
/// `pare import`.
fn review_db() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("review.db").to_string_lossy().into_owned();
    let authz = data("authz-details-cloudsplaining/example.iam-vulnerable-account.2023.json.gz");
    let trail = data("cloudtrail/panther/scenario_events.jsonl");
    let out = pare(&[
        "import",
        "--db",
        &db,
        "--authz",
        authz.to_str().unwrap(),
        "--cloudtrail",
        trail.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (dir, db)
}

#[test]
fn cli_findings_and_paths_on_a_stored_account_and_trail() {
    let (_dir, db) = review_db();
    let out = pare(&["findings", "--db", &db, "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let all: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    for f in &all {
        let keys: Vec<&str> = f.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "id",
                "kind",
                "severity",
                "principal",
                "title",
                "evidence",
                "explanation",
                "recommendation"
            ]
        );
    }
    // Worst first.
    assert_eq!(all[0]["severity"], "critical");
    let of = |principal: &str, kind: &str| {
        all.iter()
            .find(|f| f["principal"] == principal && f["kind"] == kind)
    };
    let p4 = of(
        &arn("privesc4-CreateAccessKey", "user"),
        "privilege-escalation-path",
    )
    .unwrap();
    assert_eq!(p4["severity"], "critical");
    assert_eq!(p4["evidence"]["shortest"], 2);
    // The root trail: the same counts as the library test, with the failed sign-ins read back from the file.
    let root = of("arn:aws:iam::493859302102:root", "root-activity").unwrap();
    assert_eq!(root["evidence"]["console_logins"], 7);
    assert_eq!(root["evidence"]["failed_console_logins"], 3);
    assert_eq!(root["evidence"]["api_calls"], 8);
    let no_mfa = of(
        "arn:aws:iam::493859302102:root",
        "root-console-login-without-mfa",
    )
    .unwrap();
    assert_eq!(no_mfa["evidence"]["count"], 4);
    // Ids are stable across runs.
    let again: Vec<Value> =
        serde_json::from_slice(&pare(&["findings", "--db", &db, "--json"]).stdout).unwrap();
    assert_eq!(
        all.iter().map(|f| &f["id"]).collect::<Vec<_>>(),
        again.iter().map(|f| &f["id"]).collect::<Vec<_>>()
    );

    // --principal keeps one principal's findings.
    let one = arn("privesc1-CreateNewPolicyVersion", "user");
    let out = pare(&["findings", "--db", &db, "--principal", &one, "--json"]);
    let mine: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(!mine.is_empty());
    assert!(mine.iter().all(|f| f["principal"] == one.as_str()));
    assert!(
        mine.iter()
            .any(|f| f["kind"] == "privilege-escalation-path")
    );

    // Risk scores: 0–100, the contributions add up to the score.
    let out = pare(&["findings", "--db", &db, "--scores", "--json"]);
    let scores: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    for s in &scores {
        let score = s["score"].as_f64().unwrap();
        assert!((0.0..=100.0).contains(&score));
        let sum: f64 = s["contributions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["points"].as_f64().unwrap())
            .sum();
        assert!(
            (sum - score).abs() < 1e-6,
            "{}: {sum} != {score}",
            s["principal"]
        );
    }
    let score_of = |p: &str| {
        scores.iter().find(|s| s["principal"] == p).unwrap()["score"]
            .as_f64()
            .unwrap()
    };
    assert!(score_of(&format!("{ACCOUNT}:role/privesc-high-priv-service-role")) > 95.0);
    assert!(
        score_of(&arn("privesc4-CreateAccessKey", "user"))
            > score_of(&arn("fp4-nonExploitableResourceConstraint", "user"))
    );
    assert_eq!(score_of(&arn("fp3-deny-iam", "user")), 0.0);

    // pare paths: every path, each step with its technique and permissions.
    let out = pare(&["paths", "--db", &db, "--json"]);
    assert!(out.status.success());
    let paths: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let p1 = paths
        .iter()
        .find(|p| p["principal"] == one.as_str())
        .unwrap();
    assert_eq!(p1["steps"][0]["technique"], "iam-001");
    assert_eq!(
        p1["steps"][0]["permissions"][0]["action"],
        "iam:CreatePolicyVersion"
    );
    assert!(
        !paths
            .iter()
            .any(|p| p["principal"].as_str().unwrap().contains("/fp"))
    );
    let out = pare(&["paths", "--db", &db, "--depth", "1", "--json"]);
    let short: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        short
            .iter()
            .all(|p| p["steps"].as_array().unwrap().len() == 1)
    );
    assert!(short.len() < paths.len());
}

#[test]
fn cli_findings_needs_an_existing_database() {
    let out = pare(&["findings", "--db", "/nonexistent/pare.db", "--json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("`/nonexistent/pare.db` does not exist"));
}

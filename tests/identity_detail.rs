//! The desktop app's identity detail through the engine (`pare_engine::explore_identity`) on real fixtures: the
//! AWS CLI example account with the AWS documentation trail (Alice: groups → AdministratorAccess, granted vs used,
//! findings, right-size with replay, exports byte-equal to `pare rightsize`), a principal seen only in CloudTrail,
//! and the iam-vulnerable account's escalation paths (technique ids and the permissions each step uses).

use std::path::{Path, PathBuf};
use std::process::Command;

use pare_catalog::Catalog;
use pare_engine::explore_identity::{self, export_format};
use pare_tests::{pare_binary, tests_dir};

const ALICE: &str = "arn:aws:iam::123456789012:user/Alice";

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn pare(args: &[&str]) -> std::process::Output {
    let out = Command::new(pare_binary()).args(args).output().unwrap();
    assert!(
        out.status.success() || out.status.code() == Some(1),
        "pare {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The AWS CLI example account (authorization details, credential report, AWS-managed policies) and the AWS
/// documentation trail plus Stratus Red Team's.
fn awscli_account() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("pare.db");
    let data = tests_dir().join("data");
    pare_engine::import_cloudtrail(
        &db,
        &[
            data.join("cloudtrail/aws-docs-examples"),
            data.join("cloudtrail/stratus-red-team/all_detonations.json.gz"),
        ],
        None,
        None,
        |_| {},
    )
    .unwrap();
    pare(&[
        "import",
        "--db",
        s(&db),
        "--authz",
        s(&data.join("authz-details-awscli/get-account-authorization-details.example.json")),
        "--credential-report",
        s(&data.join("credential-report/awscli-example-account.csv")),
        "--managed-policies",
        s(&data.join("aws-managed-policies/managedPolicies.latest.json.gz")),
    ]);
    (dir, db)
}

#[test]
fn alice_in_the_awscli_account() {
    let (dir, db) = awscli_account();
    let catalog = Catalog::bundled().unwrap();
    let d = explore_identity::identity(&db, ALICE).unwrap();
    assert_eq!(d.arn.as_deref(), Some(ALICE));
    assert_eq!(d.kind, "user");
    assert_eq!(
        d.graph_limit, None,
        "a small account draws the whole neighbourhood"
    );
    assert_eq!(d.groups, ["Admins"]);
    assert!(
        d.policies
            .contains(&"arn:aws:iam::aws:policy/AdministratorAccess".to_owned()),
        "{:?}",
        d.policies
    );
    // Graph: Alice → Admins → AdministratorAccess, and Alice marked as the focus.
    let edge = |from: &str, to: &str, kind: &str| {
        d.graph
            .edges
            .iter()
            .any(|e| e.from == from && e.to.ends_with(to) && e.kind == kind)
    };
    assert!(edge(ALICE, "group/Admins", "member_of"), "{:?}", d.graph);
    assert!(
        d.graph
            .edges
            .iter()
            .any(|e| e.from.ends_with("group/Admins") && e.to.ends_with("AdministratorAccess")),
        "{:?}",
        d.graph
    );
    assert!(d.graph.nodes.iter().any(|n| n.id == ALICE && n.focus));
    // Granted: every catalog action; used + unused + not observable add up to it.
    assert_eq!(d.granted_actions, Some(catalog.action_count() as u32));
    assert_eq!(
        d.used_actions + d.unused_actions + d.not_observable_actions,
        catalog.action_count() as u32
    );
    let usage = pare_engine::usage(&db, Some(ALICE)).unwrap();
    let mut used: Vec<&str> = usage.iter().map(|r| r.action.as_str()).collect();
    used.sort_unstable();
    used.dedup();
    assert_eq!(d.used_actions as usize, used.len());
    let iam = d.services.iter().find(|x| x.service == "iam").unwrap();
    assert!(
        iam.not_observable_actions
            .contains(&"iam:PassRole".to_owned()),
        "PassRole is never recorded: {:?}",
        iam.not_observable_actions
    );
    let window = d.window.as_ref().unwrap();
    assert!(window.start < window.end && window.days > 0.0);
    // Findings: admin-equivalent at least, each with an explanation and a recommendation.
    assert!(
        d.findings.iter().any(|f| f.kind == "admin-equivalent"),
        "{:?}",
        d.findings.iter().map(|f| &f.kind).collect::<Vec<_>>()
    );
    assert!(
        d.findings
            .iter()
            .all(|f| !f.explanation.is_empty() && !f.recommendation.is_empty())
    );
    assert!(d.risk_score.is_some());

    // Right-size: the numbers of `pare rightsize --json-report`, and every export byte-equal to the CLI's.
    let r = explore_identity::identity_rightsize(&db, ALICE).unwrap();
    assert_eq!(r.unavailable, None);
    let out = pare(&[
        "rightsize",
        "--db",
        s(&db),
        "--principal",
        ALICE,
        "--json-report",
    ]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        r.before_actions as u64,
        report["before"]["actions"].as_u64().unwrap()
    );
    assert_eq!(
        r.after_actions as u64,
        report["after"]["actions"].as_u64().unwrap()
    );
    assert_eq!(
        r.replay_allowed,
        report["replay"]["allowed"].as_u64().unwrap()
    );
    assert_eq!(r.replay_total, report["replay"]["total"].as_u64().unwrap());
    assert!(r.replay_total > 0 && r.replay_allowed == r.replay_total);
    assert!(r.after_actions > 0 && r.after_actions < 20);
    assert!(r.proof_violations.is_empty() && r.proof_pairs > 0);
    assert!(r.reduction_percent > 99.9);
    let iam = r.diff.iter().find(|x| x.service == "iam").unwrap();
    assert_eq!(
        iam.removed_actions.len(),
        explore_identity::NAME_CAP.min(iam.removed as usize)
    );
    assert!(
        !iam.removed_actions
            .iter()
            .any(|a| iam.kept_used.contains(a))
    );
    for (format, ext) in [
        ("json", "json"),
        ("terraform", "tf"),
        ("cloudformation", "yaml"),
    ] {
        let cli = dir.path().join(format!("cli.{ext}"));
        pare(&[
            "rightsize",
            "--db",
            s(&db),
            "--principal",
            ALICE,
            "--format",
            format,
            "--out",
            s(&cli),
        ]);
        let app = dir.path().join(format!("app.{ext}"));
        let written =
            explore_identity::export_rightsized(&db, ALICE, export_format(format).unwrap(), &app)
                .unwrap();
        let (want, got) = (std::fs::read(&cli).unwrap(), std::fs::read(&app).unwrap());
        assert_eq!(got, want, "{format}");
        assert_eq!(written.bytes as usize, got.len());
        let preview = r.exports.iter().find(|e| e.format == format).unwrap();
        assert_eq!(preview.text.as_bytes(), want.as_slice(), "{format} preview");
        assert_eq!(preview.file_name, format!("Alice-rightsized.{ext}"));
    }
}

#[test]
fn a_principal_seen_only_in_cloudtrail() {
    let (_dir, db) = awscli_account();
    let christophe = "arn:aws:iam::229654561268:user/christophe";
    let d = explore_identity::identity(&db, christophe).unwrap();
    assert_eq!(d.arn, None);
    assert_eq!(d.granted_actions, None);
    assert!(d.used_actions > 0);
    assert!(
        d.notes.iter().any(|n| n.contains("no such identity")),
        "{:?}",
        d.notes
    );
    // Its graph: the principal and the services it used.
    assert!(d.graph.nodes.iter().any(|n| n.id == christophe && n.focus));
    assert_eq!(
        d.graph.edges.len(),
        d.services.iter().filter(|x| x.used > 0).count()
    );
    let r = explore_identity::identity_rightsize(&db, christophe).unwrap();
    assert!(r.unavailable.unwrap().contains("--policy"));
    // Without any snapshot, still an answer; an unknown key is an error.
    let bare = tempfile::tempdir().unwrap();
    let db2 = bare.path().join("trail.db");
    pare_engine::import_cloudtrail(
        &db2,
        &[tests_dir().join("data/cloudtrail/stratus-red-team/all_detonations.json.gz")],
        None,
        None,
        |_| {},
    )
    .unwrap();
    let d = explore_identity::identity(&db2, christophe).unwrap();
    assert!(d.notes.iter().any(|n| n.contains("no account snapshot")));
    assert!(d.used_actions > 0);
    let r = explore_identity::identity_rightsize(&db2, christophe).unwrap();
    assert!(r.unavailable.is_some());
    assert!(explore_identity::identity(&db2, "arn:aws:iam::1:user/nobody").is_err());
}

#[test]
fn escalation_paths_of_the_iam_vulnerable_account() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("pare.db");
    pare(&[
        "import",
        "--db",
        s(&db),
        "--authz",
        s(&tests_dir()
            .join("data/authz-details-cloudsplaining/example.iam-vulnerable-account.2023.json.gz")),
    ]);
    let accounts = pare_engine::account::load_account_snapshot(&db, None)
        .unwrap()
        .1;
    let user = accounts
        .users()
        .find(|p| p.name.starts_with("privesc1-CreateNewPolicyVersion"))
        .unwrap()
        .arn
        .clone();
    let d = explore_identity::identity(&db, &user).unwrap();
    let first = d
        .escalations
        .iter()
        .find(|p| p.steps.first().is_some_and(|s| s.technique == "iam-001"))
        .unwrap_or_else(|| panic!("{:?}", d.escalations));
    let step = first.steps.first().unwrap();
    assert_eq!(step.from, user);
    assert!(
        step.permissions
            .iter()
            .any(|p| p.action.eq_ignore_ascii_case("iam:CreatePolicyVersion")),
        "{:?}",
        step.permissions
    );
    // The path is drawn: an escalation edge leaves the user, labelled with the technique.
    assert!(
        d.graph
            .edges
            .iter()
            .any(|e| e.from == user && e.kind == "can_escalate_to" && e.label == "iam-001")
    );
    assert!(
        d.findings
            .iter()
            .any(|f| f.kind == "privilege-escalation-path")
    );
    // No trail: nothing used, nothing to replay.
    assert_eq!(d.used_actions, 0);
    assert!(d.window.is_none());
}

/// An account where one user may assume 200 roles that trust the account (as in a large organisation): the
/// identity screen evaluates and lists every one of the user's own links, but draws only the first 60 and says
/// so; a role's screen keeps its own links and stops following chains (the user's 200 roles). Small accounts
/// draw everything (`graph_limit` is `None` for Alice above).
#[test]
fn the_graph_of_an_identity_linked_to_hundreds_of_roles_is_limited_and_says_so() {
    let account = "123456789012";
    let trust = serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"AWS": format!("arn:aws:iam::{account}:root")}, "Action": "sts:AssumeRole"}]});
    let roles: Vec<serde_json::Value> = (0..200)
        .map(|i| {
            serde_json::json!({"Path": "/", "RoleName": format!("app-{i:03}"), "RoleId": format!("AROA{i:017}"),
                "Arn": format!("arn:aws:iam::{account}:role/app-{i:03}"), "CreateDate": "2024-01-01T00:00:00Z",
                "AssumeRolePolicyDocument": trust, "InstanceProfileList": [], "RolePolicyList": [],
                "AttachedManagedPolicies": [], "Tags": []})
        })
        .collect();
    let gaad = serde_json::json!({
        "UserDetailList": [{"Path": "/", "UserName": "ops", "UserId": "AIDAOPS0000000000000",
            "Arn": format!("arn:aws:iam::{account}:user/ops"), "CreateDate": "2024-01-01T00:00:00Z",
            "GroupList": [], "AttachedManagedPolicies": [], "Tags": [],
            "UserPolicyList": [{"PolicyName": "assume-anything", "PolicyDocument": {"Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}}]}],
        "GroupDetailList": [], "RoleDetailList": roles, "Policies": []
    });
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("gaad.json");
    std::fs::write(&file, serde_json::to_vec(&gaad).unwrap()).unwrap();
    let db = dir.path().join("pare.db");
    pare(&["import", "--db", s(&db), "--authz", s(&file), "--no-review"]);

    let ops = format!("arn:aws:iam::{account}:user/ops");
    let d = explore_identity::identity(&db, &ops).unwrap();
    assert_eq!(d.can_assume.len(), 200, "every link is listed");
    let limit = d.graph_limit.expect("the graph is limited");
    assert_eq!(
        (limit.linked, limit.drawn, limit.direct_only),
        (200, 60, true)
    );
    let drawn_roles: Vec<&str> = d
        .graph
        .nodes
        .iter()
        .filter(|n| n.kind == "role")
        .map(|n| n.label.as_str())
        .collect();
    assert_eq!(drawn_roles.len(), 60);
    assert_eq!(drawn_roles.first(), Some(&"app-000"));
    assert!(d.graph.nodes.iter().any(|n| n.focus && n.id == ops));
    assert!(d.graph.nodes.iter().any(|n| n.kind == "inline_policy"));
    assert!(
        d.graph
            .edges
            .iter()
            .all(|e| d.graph.nodes.iter().any(|n| n.id == e.from)
                && d.graph.nodes.iter().any(|n| n.id == e.to)),
        "no edge to a node that is not drawn"
    );

    let role = format!("arn:aws:iam::{account}:role/app-007");
    let d = explore_identity::identity(&db, &role).unwrap();
    assert_eq!(
        d.assumed_by
            .iter()
            .map(|l| l.principal.as_str())
            .collect::<Vec<_>>(),
        [ops.as_str()]
    );
    let limit = d.graph_limit.expect("chains through ops are not followed");
    assert_eq!((limit.linked, limit.drawn), (1, 1));
}

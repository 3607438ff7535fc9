//! The fast paths of the review give the answers of the plain evaluation on the real iam-vulnerable account: the
//! path search's permission oracle (policies restricted to one action, resource patterns read off the compiled
//! statements, per-action memo) against `pare_policy::evaluate` on all of a principal's policies for every
//! technique action on every principal, group and policy ARN; can-assume against the trust policy evaluated with
//! the caller's whole set; and the shared risk scores against one score per principal.

use std::io::Read;

use pare_catalog::Catalog;
use pare_findings::paths::{Access, PermissionOracle, Resource};
use pare_policy::Decision;

fn account() -> &'static pare_account::Account {
    static A: std::sync::OnceLock<pare_account::Account> = std::sync::OnceLock::new();
    A.get_or_init(|| {
        let path = pare_tests::tests_dir()
            .join("data/authz-details-cloudsplaining/example.iam-vulnerable-account.2023.json.gz");
        let mut text = String::new();
        flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap())
            .read_to_string(&mut text)
            .unwrap();
        let mut builder = pare_account::AccountBuilder::default();
        builder.add_authz_page(pare_account::parse_authz("iam-vulnerable.json", &text).unwrap());
        builder.build()
    })
}

fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339("2023-03-28T14:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc)
}

fn access(ev: &pare_policy::Evaluation) -> Access {
    match ev.decision {
        Decision::Allowed if ev.depends_on.is_empty() => Access::Allowed,
        Decision::Allowed => Access::Conditional,
        _ => Access::Denied,
    }
}

#[test]
fn the_path_oracle_answers_as_the_whole_evaluation() {
    let acc = account();
    let catalog = Catalog::bundled().unwrap();
    let permissions = pare_account::AccountPermissions::compile(acc, catalog);
    let oracle = pare_findings::account::AccountOracle::new(&permissions, now());
    let context = pare_findings::account::review_context(now());
    let mut actions: Vec<&str> = pare_findings::techniques::bundled()
        .unwrap()
        .iter()
        .flat_map(|t| t.actions())
        .collect();
    // Beyond the techniques: actions that need a trust or key policy, data actions and actions of services the
    // techniques do not touch.
    actions.extend([
        "sts:AssumeRole",
        "sts:TagSession",
        "kms:Decrypt",
        "s3:GetObject",
        "s3:PutBucketPolicy",
        "ec2:RunInstances",
        "dynamodb:GetItem",
        "secretsmanager:GetSecretValue",
        "iam:ListUsers",
    ]);
    actions.sort_unstable();
    actions.dedup();
    // Every privesc principal (their policies name each other), a sample of the rest, the groups and the
    // customer-managed policies.
    let mut targets: Vec<String> = acc
        .principals
        .iter()
        .enumerate()
        .filter(|(k, p)| k % 9 == 0 || p.name.starts_with("privesc1"))
        .map(|(_, p)| p.arn.clone())
        .collect();
    targets.extend(acc.groups.iter().map(|g| g.arn.clone()));
    targets.extend(
        acc.policies
            .iter()
            .filter(|p| !p.aws_managed)
            .take(12)
            .map(|p| p.arn.clone()),
    );
    // Resources in other accounts (an AWS-managed policy, a role elsewhere) and without an account.
    targets.extend(
        [
            "arn:aws:iam::aws:policy/AdministratorAccess",
            "arn:aws:iam::111122223333:role/elsewhere",
            "arn:aws:s3:::some-bucket/some/key",
            "arn:aws:kms:us-east-1:200611803367:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "*",
        ]
        .map(str::to_owned),
    );
    let mut wrong = Vec::new();
    let (mut compared, mut granted) = (0usize, 0usize);
    for (i, info) in oracle.principals().iter().enumerate() {
        let id = oracle.model_id(i).unwrap();
        let set = acc.policies_of(id).unwrap().set;
        for action in &actions {
            for target in &targets {
                let request = pare_policy::Request {
                    principal: info.arn.clone(),
                    action: (*action).to_owned(),
                    resource: target.clone(),
                    context: context.clone(),
                };
                let want = access(&pare_policy::evaluate(&request, &set));
                let got = oracle.allows(i, action, Resource::Arn(target));
                if got != want {
                    wrong.push(format!(
                        "{} {action} {target}: {got:?}, want {want:?}",
                        info.arn
                    ));
                }
                compared += 1;
                granted += usize::from(got.granted());
            }
        }
        // Can-assume: the role's trust policy as the resource policy, with all the caller's policies.
        for (j, role) in oracle.principals().iter().enumerate() {
            let Some(trust) = acc
                .principal(oracle.model_id(j).unwrap())
                .and_then(|p| p.role.as_ref())
            else {
                continue;
            };
            if j == i {
                continue;
            }
            let mut with_trust = set.clone();
            with_trust.resource_policy = Some(trust.trust_policy.document.clone());
            let request = pare_policy::Request {
                principal: info.arn.clone(),
                action: "sts:AssumeRole".to_owned(),
                resource: role.arn.clone(),
                context: context.clone(),
            };
            let want = access(&pare_policy::evaluate(&request, &with_trust));
            let got = oracle.can_assume(i, j);
            if got != want {
                wrong.push(format!(
                    "{} -> {}: {got:?}, want {want:?}",
                    info.arn, role.arn
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} disagreements, first: {:#?}",
        wrong.len(),
        &wrong[..wrong.len().min(20)]
    );
    assert!(compared > 20_000, "{compared}");
    assert!(granted > 500, "{granted}");
}

#[test]
fn shared_risk_scores_equal_one_score_per_principal() {
    let acc = account();
    let catalog = Catalog::bundled().unwrap();
    let permissions = pare_account::AccountPermissions::compile(acc, catalog);
    let techniques = pare_findings::techniques::bundled().unwrap();
    let risk = pare_findings::RiskIndex::new(catalog, techniques);
    let mut principals: Vec<pare_findings::PrincipalFacts> = acc
        .principal_ids()
        .filter_map(|id| pare_findings::account::principal_facts(&permissions, id, vec![], None))
        .collect();
    // Some principals used some actions, in a window.
    let get_user = catalog.action("iam:GetUser").unwrap();
    for p in principals.iter_mut().step_by(3) {
        p.usage.push(pare_findings::facts::ActionUse {
            action: get_user,
            last_seen: Some(now()),
        });
    }
    let observation = pare_findings::Observation {
        start: now() - chrono::Duration::days(90),
        end: now(),
        observable: pare_findings::observable_actions(catalog, [get_user], false),
        data_events: false,
    };
    for obs in [None, Some(&observation)] {
        let shared = pare_findings::risk_scores(catalog, &principals, obs, &risk);
        assert_eq!(shared.len(), principals.len());
        for (p, s) in principals.iter().zip(&shared) {
            assert_eq!(
                *s,
                pare_findings::risk_score(catalog, p, obs, &risk),
                "{}",
                p.arn
            );
        }
    }
}

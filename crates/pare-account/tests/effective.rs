//! Effective permissions: all of a principal's policies combined, checked against pare-policy's evaluation.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed unwrap is a failed test"
)]

use std::io::Read;
use std::path::PathBuf;

use pare_account::{
    Account, AccountPermissions, AccountSources, PartRole, PolicySource, SourceFile, load_account,
};
use pare_catalog::Catalog;
use pare_policy::{Context, Decision};

fn read(rel: &str) -> SourceFile {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data")
        .join(rel);
    let bytes = std::fs::read(&path).unwrap();
    let text = if rel.ends_with(".gz") {
        let mut s = String::new();
        flate2::read::GzDecoder::new(bytes.as_slice())
            .read_to_string(&mut s)
            .unwrap();
        s
    } else {
        String::from_utf8(bytes).unwrap()
    };
    SourceFile {
        name: rel.rsplit('/').next().unwrap().to_owned(),
        text,
    }
}

fn awscli_with_library() -> Account {
    load_account(&AccountSources {
        authz: vec![read(
            "authz-details-awscli/get-account-authorization-details.example.json",
        )],
        managed_policies: Some(read("aws-managed-policies/managedPolicies.latest.json.gz")),
        ..AccountSources::default()
    })
    .unwrap()
}

fn text(name: &str, text: &str) -> SourceFile {
    SourceFile {
        name: name.to_owned(),
        text: text.to_owned(),
    }
}

#[test]
fn group_policies_inline_denies_and_the_library_combine() {
    let catalog = Catalog::bundled().unwrap();
    let acc = awscli_with_library();
    assert!(
        acc.policies.iter().all(|p| p.is_resolved()),
        "the library fills in the 4 referenced policies"
    );
    let perms = AccountPermissions::compile(&acc, catalog);
    let id = |name: &str| {
        acc.principals
            .iter()
            .position(|p| p.name == name)
            .map(|i| acc.principal_ids().nth(i).unwrap())
            .unwrap()
    };
    let a = |n: &str| catalog.action(n).unwrap();
    let alice = perms.principal(id("Alice")).unwrap();
    assert!(alice.allowed().is_full());
    assert!(alice.is_allowed_everywhere(a("iam:CreateUser")));
    let bob = perms.principal(id("Bob")).unwrap();
    assert!(!bob.is_allowed(a("iam:CreateUser")));
    assert!(bob.is_allowed(a("s3:GetObject")));
    let denied = catalog.expand("iam:*").len() + catalog.expand("aws-portal:*").len();
    assert_eq!(bob.allowed().len(), catalog.action_count() - denied);
    let scopes = bob.scopes(a("iam:CreateUser"));
    assert_eq!(scopes.len(), 2, "the group's allow and the inline deny");
    let charlie = perms.principal(id("Charlie")).unwrap();
    assert!(
        !charlie.is_allowed(a("iam:CreateUser")),
        "PowerUserAccess has NotAction iam:*"
    );
    assert!(charlie.is_allowed(a("iam:CreateServiceLinkedRole")));
    let role = perms.principal(id("EC2role")).unwrap();
    assert!(
        role.is_allowed_everywhere(a("s3:GetObject")) && role.is_allowed(a("dynamodb:PutItem"))
    );
    assert!(!role.is_allowed(a("ec2:RunInstances")));
    assert_eq!(role.resources(a("s3:GetObject")), ["*"]);

    // The exact per-request answer, with reasons named by their policies.
    let access = perms
        .allows(
            id("Bob"),
            "iam:CreateUser",
            "arn:aws:iam::123456789012:user/x",
            &Context::new(),
        )
        .unwrap();
    assert_eq!(access.decision, Decision::ExplicitlyDenied);
    assert!(access.reasons.iter().any(|(s, _)| *s
        == PolicySource::Inline {
            name: "DenyBillingAndIAMPolicy".into()
        }));
    let access = perms
        .allows(
            id("Alice"),
            "s3:GetObject",
            "arn:aws:s3:::b/k",
            &Context::new(),
        )
        .unwrap();
    assert!(access.is_allowed());
    assert_eq!(
        access.reasons[0].0,
        PolicySource::GroupAttached {
            group: "arn:aws:iam::123456789012:group/Admins".into(),
            policy: "arn:aws:iam::aws:policy/AdministratorAccess".into()
        }
    );
    // Root has everything.
    let root = perms
        .principal(
            acc.principal_by_arn("arn:aws:iam::123456789012:root")
                .unwrap(),
        )
        .unwrap();
    assert!(root.allowed().is_full());
}

const BOUNDARY_ACCOUNT: &str = r#"{
  "UserDetailList": [{"UserName": "dev", "UserId": "AIDA1", "Arn": "arn:aws:iam::111122223333:user/dev", "GroupList": [],
    "AttachedManagedPolicies": [{"PolicyName": "Broad", "PolicyArn": "arn:aws:iam::111122223333:policy/Broad"}],
    "PermissionsBoundary": {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": "arn:aws:iam::111122223333:policy/Fence"},
    "UserPolicyList": [{"PolicyName": "mfa", "PolicyDocument": "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22ec2%3ATerminateInstances%22%2C%22Resource%22%3A%22*%22%2C%22Condition%22%3A%7B%22Bool%22%3A%7B%22aws%3AMultiFactorAuthPresent%22%3A%22true%22%7D%7D%7D%5D%7D"}]}],
  "RoleDetailList": [{"RoleName": "AWSServiceRoleForSupport", "RoleId": "AROA1", "Path": "/aws-service-role/support.amazonaws.com/",
    "Arn": "arn:aws:iam::111122223333:role/aws-service-role/support.amazonaws.com/AWSServiceRoleForSupport",
    "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "support.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
    "AttachedManagedPolicies": [{"PolicyName": "Broad", "PolicyArn": "arn:aws:iam::111122223333:policy/Broad"}], "RolePolicyList": [], "InstanceProfileList": []}],
  "GroupDetailList": [],
  "Policies": [
    {"PolicyName": "Broad", "Arn": "arn:aws:iam::111122223333:policy/Broad", "DefaultVersionId": "v2", "PolicyVersionList": [
      {"VersionId": "v1", "IsDefaultVersion": false, "Document": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}},
      {"VersionId": "v2", "IsDefaultVersion": true, "Document": {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:*", "ec2:*", "iam:PassRole"], "Resource": "*"},
        {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "arn:aws:dynamodb:us-east-1:111122223333:table/t"}]}}]},
    {"PolicyName": "Fence", "Arn": "arn:aws:iam::111122223333:policy/Fence", "DefaultVersionId": "v1", "PolicyVersionList": [
      {"VersionId": "v1", "IsDefaultVersion": true, "Document": {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:*", "ec2:*", "dynamodb:*"], "Resource": "*"}]}}]}
  ]
}"#;

const SCPS: &str = r#"{"levels": [
  {"target": "r-ab12", "scps": [{"name": "FullAWSAccess", "document": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}}]},
  {"target": "111122223333", "scps": [{"name": "NoBuckets", "document": {"Version": "2012-10-17", "Statement": [
     {"Effect": "Allow", "Action": "*", "Resource": "*"},
     {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"},
     {"Effect": "Deny", "Action": "s3:PutObject", "Resource": "*", "Condition": {"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}}}]}}]}
]}"#;

#[test]
fn boundary_scps_conditions_and_service_linked_roles() {
    let catalog = Catalog::bundled().unwrap();
    let acc = load_account(&AccountSources {
        authz: vec![text("boundary.json", BOUNDARY_ACCOUNT)],
        org_policies: Some(text("scps.json", SCPS)),
        ..AccountSources::default()
    })
    .unwrap();
    assert!(acc.problems.is_empty(), "{:?}", acc.problems);
    let perms = AccountPermissions::compile(&acc, catalog);
    let a = |n: &str| catalog.action(n).unwrap();
    let dev = perms
        .principal(
            acc.principal_by_arn("arn:aws:iam::111122223333:user/dev")
                .unwrap(),
        )
        .unwrap();
    assert!(dev.is_allowed(a("s3:GetObject")) && !dev.is_conditional(a("s3:GetObject")));
    assert!(!dev.is_allowed(a("iam:PassRole")), "outside the boundary");
    assert!(!dev.is_allowed(a("s3:DeleteBucket")), "denied by an SCP");
    assert!(
        dev.is_allowed(a("s3:PutObject")) && dev.is_conditional(a("s3:PutObject")),
        "conditional SCP deny"
    );
    assert!(
        !dev.is_conditional(a("ec2:TerminateInstances")),
        "ec2:* is also granted unconditionally"
    );
    assert!(
        dev.is_allowed(a("dynamodb:GetItem")) && !dev.is_allowed_everywhere(a("dynamodb:GetItem"))
    );
    assert_eq!(
        dev.resources(a("dynamodb:GetItem")),
        ["arn:aws:dynamodb:us-east-1:111122223333:table/t"]
    );
    assert!(dev.parts.iter().any(|p| p.role == PartRole::Boundary));
    // The service-linked role is exempt from SCPs and has no boundary.
    let slr = perms
        .principal(acc.principal_by_arn("arn:aws:iam::111122223333:role/aws-service-role/support.amazonaws.com/AWSServiceRoleForSupport").unwrap())
        .unwrap();
    assert!(
        slr.scp_exempt && slr.is_allowed(a("s3:DeleteBucket")) && slr.is_allowed(a("iam:PassRole"))
    );
    // Per request: the boundary is named as what blocked.
    let ev = perms
        .allows(
            dev.principal,
            "iam:PassRole",
            "arn:aws:iam::111122223333:role/x",
            &Context::new(),
        )
        .unwrap();
    assert_eq!(ev.decision, Decision::ImplicitlyDenied);
    assert_eq!(
        ev.evaluation.blocked_by,
        [pare_policy::PolicyType::PermissionBoundary]
    );
    let ev = perms
        .allows(
            dev.principal,
            "s3:DeleteBucket",
            "arn:aws:s3:::b",
            &Context::new(),
        )
        .unwrap();
    assert_eq!(ev.decision, Decision::ExplicitlyDenied);
    assert!(ev.reasons.iter().any(
        |(s, _)| matches!(s, PolicySource::Scp { name, level: 1, .. } if name == "NoBuckets")
    ));
}

/// The bitsets agree with pare-policy's evaluation on every principal of the real iam-vulnerable account.
#[test]
fn bitsets_agree_with_evaluate_on_iam_vulnerable() {
    let catalog = Catalog::bundled().unwrap();
    let acc = load_account(&AccountSources {
        authz: vec![read(
            "authz-details-cloudsplaining/example.iam-vulnerable-account.2023.json.gz",
        )],
        ..AccountSources::default()
    })
    .unwrap();
    let start = std::time::Instant::now();
    let perms = AccountPermissions::compile(&acc, catalog);
    eprintln!(
        "compiled {} principals in {:?}",
        acc.principals.len(),
        start.elapsed()
    );
    let actions = [
        "iam:PassRole",
        "iam:CreatePolicyVersion",
        "iam:AttachUserPolicy",
        "iam:PutRolePolicy",
        "iam:CreateAccessKey",
        // (not sts:AssumeRole: it also needs the role's trust policy, which is the graph's business)
        "lambda:CreateFunction",
        "ec2:RunInstances",
        "s3:GetObject",
        "glue:CreateDevEndpoint",
        "cloudformation:CreateStack",
    ];
    let mut everywhere = 0;
    let mut not_allowed = 0;
    for p in perms.principals() {
        let arn = &acc.principal(p.principal).unwrap().arn;
        for name in actions {
            let id = catalog.action(name).unwrap();
            let ev = perms
                .allows(p.principal, name, "*", &Context::new())
                .unwrap();
            if p.is_allowed_everywhere(id) {
                everywhere += 1;
                assert_eq!(ev.decision, Decision::Allowed, "{arn} {name}");
            }
            if !p.is_allowed(id) {
                not_allowed += 1;
                assert_ne!(ev.decision, Decision::Allowed, "{arn} {name}");
            }
        }
    }
    assert!(
        everywhere > 50 && not_allowed > 500,
        "{everywhere} {not_allowed}"
    );
    let privesc4 = acc
        .principal_by_arn("arn:aws:iam::200611803367:user/privesc4-CreateAccessKey-user")
        .unwrap();
    assert!(
        perms
            .principal(privesc4)
            .unwrap()
            .is_allowed(catalog.action("iam:CreateAccessKey").unwrap())
    );
}

/// Policies restricted to one action (`Account::policies_for_action`) give exactly the evaluation of all the
/// policies, for every principal of the iam-vulnerable account and the AWS CLI example (with the managed-policy
/// library), on actions of every kind, several resources and a context with and without MFA.
#[test]
fn policies_restricted_to_an_action_evaluate_the_same() {
    let accounts = [
        load_account(&AccountSources {
            authz: vec![read(
                "authz-details-cloudsplaining/example.iam-vulnerable-account.2023.json.gz",
            )],
            ..AccountSources::default()
        })
        .unwrap(),
        awscli_with_library(),
    ];
    let actions = [
        "sts:AssumeRole",
        "iam:PassRole",
        "iam:CreateAccessKey",
        "iam:AttachUserPolicy",
        "iam:PutRolePolicy",
        "iam:CreatePolicyVersion",
        "iam:UpdateAssumeRolePolicy",
        "lambda:CreateFunction",
        "ec2:RunInstances",
        "s3:GetObject",
        "s3:ListBucket",
        "kms:Decrypt",
        "ssm:StartSession",
        "glue:CreateDevEndpoint",
        "notaservice:DoThing",
    ];
    let mut contexts = vec![Context::new()];
    let mut mfa = Context::new();
    mfa.insert(
        "aws:MultiFactorAuthPresent",
        pare_policy::ContextValue::Single("true".into()),
    );
    contexts.push(mfa);
    let mut compared = 0;
    let mut allowed = 0;
    for acc in &accounts {
        let mut resources: Vec<String> = vec!["*".into()];
        resources.extend(acc.principals.iter().take(10).map(|p| p.arn.clone()));
        resources.push("arn:aws:s3:::some-bucket/key".into());
        for action in actions {
            let mut cache = pare_account::ActionPolicies::new(action);
            for id in acc.principal_ids() {
                let full = acc.policies_of(id).unwrap();
                let restricted = acc.policies_for_action(id, &mut cache).unwrap();
                assert_eq!(full.identity_sources, restricted.identity_sources);
                let arn = acc.principal(id).unwrap().arn.clone();
                for resource in &resources {
                    for context in &contexts {
                        let request = pare_policy::Request {
                            principal: arn.clone(),
                            action: action.to_owned(),
                            resource: resource.clone(),
                            context: context.clone(),
                        };
                        let a = pare_policy::evaluate(&request, &full.set);
                        let b = pare_policy::evaluate(&request, &restricted.set);
                        assert_eq!(a.decision, b.decision, "{arn} {action} {resource}");
                        assert_eq!(a.matched_statements, b.matched_statements, "{arn} {action}");
                        assert_eq!(a.depends_on, b.depends_on, "{arn} {action} {resource}");
                        assert_eq!(a.blocked_by, b.blocked_by, "{arn} {action} {resource}");
                        compared += 1;
                        allowed += usize::from(a.decision == Decision::Allowed);
                    }
                }
            }
        }
    }
    // Enough questions, with both answers among them.
    assert!(compared > 20_000, "{compared}");
    assert!(
        allowed > 1_000 && allowed < compared,
        "{allowed} of {compared}"
    );
}

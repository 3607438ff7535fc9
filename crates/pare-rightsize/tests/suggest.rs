//! Right-sizing scenarios: scoping, conditions, not-observable actions, denies, limits, exports through real
//! parsers, and property tests (suggestion within current permissions, covering every observed call).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code"
)]

use pare_catalog::{ActionSet, Catalog};
use pare_policy::actions::CatalogCheck;
use pare_policy::simulate::DocumentCheck;
use pare_policy::{Context, ContextValue, Decision, PolicyDocument, PolicySet, Request, evaluate};
use pare_rightsize::export::{self, Format};
use pare_rightsize::{
    Input, ObservedCall, Options, PrincipalKind, ResourceScope, RightSizedPolicy, policy_chars,
    rightsize,
};
use proptest::prelude::*;
use serde_json::{Value, json};

const ALICE: &str = "arn:aws:iam::111122223333:user/alice";
const ROLE: &str = "arn:aws:iam::111122223333:role/app/worker";

fn catalog() -> &'static Catalog {
    Catalog::bundled().unwrap()
}

fn doc(v: Value) -> PolicyDocument {
    let (d, diags) = PolicyDocument::from_json(&v);
    assert!(diags.iter().all(|d| !d.is_error()), "{diags:?}");
    d
}

fn set(docs: Vec<Value>) -> PolicySet {
    PolicySet {
        identity_policies: docs.into_iter().map(doc).collect(),
        ..PolicySet::default()
    }
}

fn admin() -> PolicySet {
    set(vec![
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}),
    ])
}

fn run(
    principal: &str,
    current: &PolicySet,
    observed: &[ObservedCall],
    options: Options,
) -> RightSizedPolicy {
    let out = rightsize(
        &Input {
            principal,
            current,
            observed,
            options,
        },
        catalog(),
    );
    assert!(
        out.subset_proof.violations.is_empty(),
        "{:?}",
        out.subset_proof.violations
    );
    out
}

fn statements(out: &RightSizedPolicy) -> Vec<Value> {
    out.documents
        .iter()
        .flat_map(|d| d["Statement"].as_array().unwrap().clone())
        .collect()
}

/// The JSON re-parses, passes Pare's validation with no error and names only catalog actions.
fn assert_valid_json(out: &RightSizedPolicy) {
    let text = export::iam_json(out).unwrap();
    let value: Value = serde_json::from_str(&text).unwrap();
    let docs = match value {
        Value::Array(a) => a,
        one => vec![one],
    };
    assert_eq!(docs.len(), out.documents.len());
    for d in docs {
        let (parsed, diags) = PolicyDocument::from_json(&d);
        assert!(diags.is_empty(), "{diags:?}");
        assert!(CatalogCheck::new(catalog()).check(&parsed).is_empty());
        assert!(policy_chars(&d) <= pare_rightsize::MANAGED_LIMIT);
    }
}

#[test]
fn an_admin_user_gets_what_it_used_scoped_to_its_resources() {
    let observed = [
        ObservedCall::new("s3:ListBucket", "arn:aws:s3:::logs", 4),
        ObservedCall::new("s3:GetObject", "arn:aws:s3:::logs/2024/a.json", 2),
        ObservedCall::new("iam:ListRoles", "*", 1),
        ObservedCall::new(
            "ec2:RunInstances",
            "arn:aws:ec2:us-east-1:111122223333:instance/*",
            1,
        ),
        ObservedCall::new("sts:GetCallerIdentity", "*", 9),
    ];
    let options = Options {
        data_events_recorded: true,
        ..Options::default()
    };
    let out = run(ALICE, &admin(), &observed, options);
    assert_eq!(out.replay.total, 17);
    assert_eq!(out.replay.allowed, 17);
    assert!(out.replay.denied.is_empty());
    // PassRole is kept because RunInstances passes a role, with the reason.
    let passrole = out
        .kept_not_observable
        .iter()
        .find(|k| k.action == "iam:PassRole")
        .expect("iam:PassRole kept");
    assert!(
        passrole.reason.contains("ec2:RunInstances"),
        "{}",
        passrole.reason
    );
    // The data event was recorded, so no extra S3 object action is kept.
    assert!(
        out.kept_not_observable
            .iter()
            .all(|k| !k.action.starts_with("s3:"))
    );
    let sts = statements(&out);
    let s3 = sts
        .iter()
        .filter(|s| s["Sid"].as_str().unwrap().starts_with("S3"))
        .count();
    assert_eq!(s3, 2, "one statement per resource set: {sts:#?}");
    let get = sts
        .iter()
        .find(|s| s["Action"] == json!(["s3:GetObject"]))
        .unwrap();
    assert_eq!(get["Resource"], json!(["arn:aws:s3:::logs/2024/a.json"]));
    let iam = sts
        .iter()
        .find(|s| s["Action"] == json!(["iam:ListRoles"]))
        .unwrap();
    assert_eq!(
        iam["Resource"],
        json!(["*"]),
        "ListRoles has no resource type"
    );
    assert!(out.before_actions == catalog().action_count());
    assert!(out.after_actions < 20);
    assert!(out.services_removed.len() > 400);
    assert!(
        out.high_risk_removed
            .contains(&"iam:CreateAccessKey".to_owned())
    );
    assert!(!out.high_risk_removed.contains(&"iam:PassRole".to_owned()));
    let s3diff = out.diff.iter().find(|d| d.service == "s3").unwrap();
    assert_eq!(s3diff.kept_used, ["s3:GetObject", "s3:ListBucket"]);
    assert!(s3diff.removed > 50);
    assert_eq!(out.principal_kind, PrincipalKind::User);
    assert!(out.size.fits_inline);
    assert_valid_json(&out);
    // Sorted by service, Sids unique.
    let sids: Vec<&str> = sts.iter().map(|s| s["Sid"].as_str().unwrap()).collect();
    let mut unique = sids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), sids.len());
}

#[test]
fn data_actions_are_kept_when_the_trail_has_no_data_events() {
    let observed = [ObservedCall::new("s3:ListBucket", "arn:aws:s3:::logs", 4)];
    let out = run(ALICE, &admin(), &observed, Options::default());
    let get = out
        .kept_not_observable
        .iter()
        .find(|k| k.action == "s3:GetObject")
        .unwrap();
    assert_eq!(get.resources, ["arn:aws:s3:::logs/*"]);
    assert!(get.reason.contains("no data events"));
    let sts = statements(&out);
    assert!(sts.iter().any(|s| s["Sid"] == "S3NotObservable"));
}

#[test]
fn scoping_stays_within_the_granting_statement_and_keeps_its_conditions() {
    let current = set(vec![json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "Reports", "Effect": "Allow", "Action": ["s3:Get*", "s3:List*"],
         "Resource": ["arn:aws:s3:::reports", "arn:aws:s3:::reports/team/*"],
         "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}]})]);
    let mut call = ObservedCall::new("s3:GetObject", "arn:aws:s3:::reports/team/q1.csv", 3);
    call.source_ips = vec!["203.0.113.9".into()];
    let mut list = ObservedCall::new("s3:ListBucket", "arn:aws:s3:::reports", 1);
    list.source_ips = vec!["203.0.113.9".into()];
    let observed = [call, list];
    for (scope, expected) in [
        (ResourceScope::Exact, "arn:aws:s3:::reports/team/q1.csv"),
        // bucket level would be `reports/*`, wider than `reports/team/*`: the exact ARN stays.
        (ResourceScope::Prefix, "arn:aws:s3:::reports/team/q1.csv"),
        (ResourceScope::Any, "arn:aws:s3:::reports/team/q1.csv"),
    ] {
        let options = Options {
            resources: scope,
            data_events_recorded: true,
            compress: true,
        };
        let out = run(ALICE, &current, &observed, options);
        assert_eq!(out.replay.allowed, 4, "{scope:?}: {:?}", out.replay);
        let sts = statements(&out);
        let get = sts
            .iter()
            .find(|s| s["Action"] == json!(["s3:GetObject"]))
            .unwrap();
        assert_eq!(get["Resource"], json!([expected]), "{scope:?}");
        assert_eq!(
            get["Condition"],
            json!({"IpAddress": {"aws:SourceIp": ["203.0.113.0/24"]}})
        );
        // Outside the address range the suggestion denies, as today.
        let req = Request {
            principal: ALICE.into(),
            action: "s3:GetObject".into(),
            resource: expected.into(),
            context: {
                let mut c = Context::new();
                c.insert("aws:SourceIp", ContextValue::Single("198.51.100.1".into()));
                c
            },
        };
        let suggestion = PolicySet {
            identity_policies: out.policies().to_vec(),
            ..PolicySet::default()
        };
        assert_eq!(
            evaluate(&req, &suggestion).decision,
            Decision::ImplicitlyDenied
        );
    }
    // With a bucket-wide grant, prefix scope generalises to the bucket.
    let wide = set(vec![json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::reports*"}]})]);
    let observed = [ObservedCall::new(
        "s3:GetObject",
        "arn:aws:s3:::reports/team/q1.csv",
        1,
    )];
    let opts = |resources| Options {
        resources,
        data_events_recorded: true,
        compress: true,
    };
    let out = run(ALICE, &wide, &observed, opts(ResourceScope::Prefix));
    assert_eq!(
        statements(&out)[0]["Resource"],
        json!(["arn:aws:s3:::reports/*"])
    );
    // `any` cannot go to `*`: today's grant is narrower, so it stays at the bucket.
    let out = run(ALICE, &wide, &observed, opts(ResourceScope::Any));
    assert_eq!(
        statements(&out)[0]["Resource"],
        json!(["arn:aws:s3:::reports/*"])
    );
    let out = run(ALICE, &admin(), &observed, opts(ResourceScope::Any));
    assert_eq!(statements(&out)[0]["Resource"], json!(["*"]));
}

#[test]
fn calls_the_current_policies_do_not_allow_are_reported_not_granted() {
    let current = set(vec![json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "dynamodb:Query", "Resource": "*"},
        {"Sid": "NoProd", "Effect": "Deny", "Action": "dynamodb:*",
         "Resource": "arn:aws:dynamodb:*:*:table/prod-*"}]})]);
    let observed = [
        ObservedCall::new(
            "dynamodb:Query",
            "arn:aws:dynamodb:us-east-1:111122223333:table/dev",
            5,
        ),
        ObservedCall::new(
            "dynamodb:Scan",
            "arn:aws:dynamodb:us-east-1:111122223333:table/dev",
            2,
        ),
    ];
    let options = Options {
        data_events_recorded: true,
        ..Options::default()
    };
    let out = run(ROLE, &current, &observed, options);
    assert_eq!(out.replay.allowed, 5);
    assert_eq!(out.replay.total, 7);
    assert_eq!(out.replay.denied.len(), 1);
    assert_eq!(out.replay.denied[0].action, "dynamodb:Scan");
    assert!(
        out.replay.denied[0]
            .reason
            .contains("do not allow it either")
    );
    assert_eq!(out.not_granted_now.len(), 1);
    // The deny touching the suggestion is carried over.
    let sts = statements(&out);
    let deny = sts.iter().find(|s| s["Effect"] == "Deny").unwrap();
    assert_eq!(deny["Sid"], "CarriedDeny");
    assert_eq!(out.principal_kind, PrincipalKind::Role);
}

#[test]
fn a_suggestion_over_the_managed_limit_is_split_and_says_so() {
    let observed: Vec<ObservedCall> = (0..400)
        .map(|i| {
            ObservedCall::new(
                "s3:GetObject",
                &format!("arn:aws:s3:::a-rather-long-bucket-name-for-data/objects/path/number-{i:04}.parquet"),
                1,
            )
        })
        .chain((0..60).map(|i| {
            ObservedCall::new(
                "lambda:GetFunction",
                &format!("arn:aws:lambda:eu-west-1:111122223333:function:function-number-{i}"),
                1,
            )
        }))
        .collect();
    let options = Options {
        data_events_recorded: true,
        ..Options::default()
    };
    let out = run(ROLE, &admin(), &observed, options);
    assert!(out.size.chars > pare_rightsize::MANAGED_LIMIT);
    assert!(out.size.managed_policies >= 5, "{:?}", out.size);
    assert_eq!(out.documents.len(), out.size.managed_policies);
    assert!(out.size.note.as_ref().unwrap().contains("split into"));
    assert!(out.notes.iter().any(|n| n.contains("split into")));
    assert!(!out.size.fits_inline);
    assert_eq!(out.replay.allowed, 460);
    assert_valid_json(&out);
    // Every piece is well-formed: each document re-parses and is within the limit.
    let cfn = export::cloudformation(&out).unwrap();
    let v: Value = serde_norway::from_str(&cfn).unwrap();
    assert_eq!(
        v["Resources"].as_object().unwrap().len(),
        out.documents.len()
    );
}

#[test]
fn compression_only_covers_complete_groups_on_real_usage() {
    let c = catalog();
    let mut observed: Vec<ObservedCall> = c
        .expand("ec2:Describe*")
        .iter()
        .map(|id| ObservedCall::new(&c.action_name(id), "*", 1))
        .collect();
    observed.push(ObservedCall::new(
        "ec2:StartInstances",
        "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
        1,
    ));
    let options = Options {
        data_events_recorded: true,
        ..Options::default()
    };
    let out = run(ROLE, &admin(), &observed, options);
    let sts = statements(&out);
    let describe = sts.iter().find(|s| s["Resource"] == json!(["*"])).unwrap();
    assert_eq!(describe["Action"], json!(["ec2:Describe*"]));
    assert_eq!(out.replay.allowed, out.replay.total);
    assert!(policy_chars(&out.documents[0]) < 1000);
}

/// Terraform: parses with hcl-rs; the policy documents rebuilt from the HCL equal the JSON ones; each
/// policy is attached to the principal.
fn check_terraform(out: &RightSizedPolicy) {
    let text = export::terraform(out);
    let body = hcl::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let data: Vec<&hcl::Block> = body
        .blocks()
        .filter(|b| b.identifier() == "data" && b.labels()[0].as_str() == "aws_iam_policy_document")
        .collect();
    assert_eq!(data.len(), out.documents.len());
    for (block, doc) in data.iter().zip(&out.documents) {
        let rebuilt: Vec<Value> = block
            .body()
            .blocks()
            .filter(|b| b.identifier() == "statement")
            .map(|st| {
                let mut m = serde_json::Map::new();
                for a in st.body().attributes() {
                    let v = match a.expr() {
                        hcl::Expression::String(s) => json!(s),
                        hcl::Expression::Array(items) => json!(
                            items
                                .iter()
                                .map(|i| match i {
                                    hcl::Expression::String(s) => s.clone(),
                                    other => panic!("not a string: {other:?}"),
                                })
                                .collect::<Vec<_>>()
                        ),
                        other => panic!("unexpected {other:?}"),
                    };
                    let key = match a.key() {
                        "sid" => "Sid",
                        "effect" => "Effect",
                        "actions" => "Action",
                        "not_actions" => "NotAction",
                        "resources" => "Resource",
                        "not_resources" => "NotResource",
                        other => panic!("unexpected attribute {other}"),
                    };
                    m.insert(key.into(), v);
                }
                let mut conds = serde_json::Map::new();
                for c in st.body().blocks().filter(|b| b.identifier() == "condition") {
                    let get = |k: &str| {
                        c.body()
                            .attributes()
                            .find(|a| a.key() == k)
                            .unwrap()
                            .expr()
                            .clone()
                    };
                    let (
                        hcl::Expression::String(test),
                        hcl::Expression::String(var),
                        hcl::Expression::Array(vals),
                    ) = (get("test"), get("variable"), get("values"))
                    else {
                        panic!("bad condition")
                    };
                    let vals: Vec<String> = vals
                        .iter()
                        .map(|v| match v {
                            hcl::Expression::String(s) => s.clone(),
                            other => panic!("{other:?}"),
                        })
                        .collect();
                    conds
                        .entry(test)
                        .or_insert_with(|| json!({}))
                        .as_object_mut()
                        .unwrap()
                        .insert(var, json!(vals));
                }
                if !conds.is_empty() {
                    m.insert("Condition".into(), Value::Object(conds));
                }
                Value::Object(m)
            })
            .collect();
        assert_eq!(&json!(rebuilt), &doc["Statement"]);
    }
    let policies = body
        .blocks()
        .filter(|b| b.identifier() == "resource" && b.labels()[0].as_str() == "aws_iam_policy")
        .count();
    assert_eq!(policies, out.documents.len());
    let attachment = match out.principal_kind {
        PrincipalKind::User => "aws_iam_user_policy_attachment",
        PrincipalKind::Role => "aws_iam_role_policy_attachment",
        PrincipalKind::Group => "aws_iam_group_policy_attachment",
        PrincipalKind::Other => return,
    };
    let attached: Vec<&hcl::Block> = body
        .blocks()
        .filter(|b| b.identifier() == "resource" && b.labels()[0].as_str() == attachment)
        .collect();
    assert_eq!(attached.len(), out.documents.len());
    let name = pare_rightsize::principal_name(&out.principal);
    for a in attached {
        let key = attachment
            .trim_start_matches("aws_iam_")
            .split('_')
            .next()
            .unwrap();
        let v = a.body().attributes().find(|x| x.key() == key).unwrap();
        assert_eq!(v.expr(), &hcl::Expression::String(name.into()));
    }
}

/// CloudFormation: the YAML parses, has one `AWS::IAM::ManagedPolicy` per document with the document and the
/// principal.
fn check_cloudformation(out: &RightSizedPolicy) {
    let text = export::cloudformation(out).unwrap();
    let v: Value = serde_norway::from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(v["AWSTemplateFormatVersion"], "2010-09-09");
    let resources = v["Resources"].as_object().unwrap();
    assert_eq!(resources.len(), out.documents.len());
    for ((id, r), doc) in resources.iter().zip(&out.documents) {
        assert!(id.chars().all(|c| c.is_ascii_alphanumeric()), "{id}");
        assert_eq!(r["Type"], "AWS::IAM::ManagedPolicy");
        assert_eq!(&r["Properties"]["PolicyDocument"], doc);
        let name = pare_rightsize::principal_name(&out.principal);
        let key = match out.principal_kind {
            PrincipalKind::User => "Users",
            PrincipalKind::Role => "Roles",
            PrincipalKind::Group => "Groups",
            PrincipalKind::Other => continue,
        };
        assert_eq!(r["Properties"][key], json!([name]));
        assert!(r["Properties"]["ManagedPolicyName"].as_str().unwrap().len() <= 128);
    }
}

#[test]
fn exports_parse_with_real_parsers() {
    let current = set(vec![json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::home/${aws:username}/*",
         "Condition": {"StringEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-central-1"]},
                       "Bool": {"aws:SecureTransport": "true"}}},
        {"Effect": "Allow", "Action": ["iam:Get*", "iam:List*"], "Resource": "*"},
        {"Effect": "Deny", "NotAction": ["iam:Get*"], "NotResource": "arn:aws:iam::*:role/x"}]})]);
    let mut call = ObservedCall::new("s3:PutObject", "arn:aws:s3:::home/alice/notes.txt", 1);
    call.regions = vec!["eu-west-1".into()];
    let observed = [
        call,
        ObservedCall::new("iam:GetUser", "arn:aws:iam::111122223333:user/alice", 3),
    ];
    let out = rightsize(
        &Input {
            principal: ALICE,
            current: &current,
            observed: &observed,
            options: Options::default(),
        },
        catalog(),
    );
    // aws:SecureTransport is not in CloudTrail: the call rests on it and is reported, never assumed.
    assert!(
        out.not_granted_now
            .iter()
            .any(|d| d.reason.contains("aws:SecureTransport")),
        "{:?}",
        out.not_granted_now
    );
    check_terraform(&out);
    check_cloudformation(&out);
    assert_valid_json(&out);
    for (arn, observed) in [
        (
            ROLE,
            vec![ObservedCall::new("s3:ListBucket", "arn:aws:s3:::b", 1)],
        ),
        ("arn:aws:iam::111122223333:group/ops", vec![]),
        (
            "arn:aws:iam::111122223333:root",
            vec![ObservedCall::new("iam:ListUsers", "*", 1)],
        ),
    ] {
        let out = run(arn, &admin(), &observed, Options::default());
        check_terraform(&out);
        check_cloudformation(&out);
        assert_valid_json(&out);
    }
    // A policy variable survives Terraform's template syntax.
    let vars = set(vec![json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::home/${aws:username}/private/*"}]})]);
    let observed = [ObservedCall::new("s3:ListBucket", "arn:aws:s3:::home", 1)];
    let out = run(
        ALICE,
        &vars,
        &observed,
        Options {
            data_events_recorded: true,
            ..Options::default()
        },
    );
    let tf = export::terraform(&out);
    assert!(tf.contains("$${aws:username}"), "{tf}");
    hcl::parse(&tf).unwrap();
    assert_eq!(
        export::export(&out, Format::Json).unwrap(),
        export::iam_json(&out).unwrap()
    );
}

/// Statement pools for random current policies.
const ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:PutObject",
    "s3:ListBucket",
    "s3:Get*",
    "s3:*",
    "iam:ListRoles",
    "iam:PassRole",
    "iam:Get*",
    "ec2:RunInstances",
    "ec2:Describe*",
    "dynamodb:Query",
    "dynamodb:*Item",
    "lambda:InvokeFunction",
    "sts:GetCallerIdentity",
];
const RESOURCES: &[&str] = &[
    "*",
    "arn:aws:s3:::alpha",
    "arn:aws:s3:::alpha/*",
    "arn:aws:s3:::beta*",
    "arn:aws:iam::111122223333:role/*",
    "arn:aws:dynamodb:us-east-1:111122223333:table/t?",
    "arn:aws:ec2:*:*:instance/*",
    "arn:aws:lambda:us-east-1:111122223333:function:f",
];
/// Concrete resources calls are drawn from.
const CONCRETE: &[&str] = &[
    "*",
    "arn:aws:s3:::alpha",
    "arn:aws:s3:::alpha/k/1",
    "arn:aws:s3:::beta",
    "arn:aws:s3:::beta-2/x",
    "arn:aws:iam::111122223333:role/r1",
    "arn:aws:dynamodb:us-east-1:111122223333:table/t1",
    "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
    "arn:aws:lambda:us-east-1:111122223333:function:f",
];

fn policy_strategy() -> impl Strategy<Value = Value> {
    let statement = (
        prop::sample::subsequence(ACTIONS, 1..4),
        prop::sample::subsequence(RESOURCES, 1..3),
        prop::bool::weighted(0.15),
        prop::bool::weighted(0.2),
    )
        .prop_map(|(a, r, deny, cond)| {
            let mut st =
                json!({"Effect": if deny { "Deny" } else { "Allow" }, "Action": a, "Resource": r});
            if cond {
                st["Condition"] = json!({"StringEquals": {"aws:RequestedRegion": "us-east-1"}});
            }
            st
        });
    prop::collection::vec(statement, 1..5)
        .prop_map(|s| json!({"Version": "2012-10-17", "Statement": s}))
}

fn scope_strategy() -> impl Strategy<Value = ResourceScope> {
    prop_oneof![
        Just(ResourceScope::Exact),
        Just(ResourceScope::Prefix),
        Just(ResourceScope::Any)
    ]
}

/// Instances of a resource pattern to probe with: the pattern with its wildcards filled in two ways.
fn instances(pattern: &str) -> Vec<String> {
    if pattern == "*" {
        return CONCRETE.iter().map(|s| (*s).to_owned()).collect();
    }
    vec![
        pattern.replace('*', "zz").replace('?', "q"),
        pattern.replace('*', "").replace('?', "1"),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Usage drawn from what the current policies allow: the suggestion allows every observed call, and
    /// everything the suggestion allows (probed on instances of its resource patterns, with the same
    /// contexts) the current policies allow too.
    #[test]
    fn suggestion_is_within_current_and_covers_usage(
        policy in policy_strategy(),
        picks in prop::collection::vec((0..ACTIONS.len(), 0..CONCRETE.len(), prop::bool::ANY), 1..12),
        scope in scope_strategy(),
        data in prop::bool::ANY,
        compress in prop::bool::ANY,
    ) {
        let c = catalog();
        let current = set(vec![policy]);
        let mut observed = Vec::new();
        for (ai, ri, in_region) in picks {
            let pattern = ACTIONS[ai];
            let Some(id) = c.expand(pattern).iter().next() else { continue };
            let mut call = ObservedCall::new(&c.action_name(id), CONCRETE[ri], 1);
            if in_region { call.regions = vec!["us-east-1".into()]; }
            let req = Request { principal: ROLE.into(), action: call.action.clone(), resource: call.resource.clone(),
                context: region_context(&call) };
            if evaluate(&req, &current).decision == Decision::Allowed { observed.push(call); }
        }
        let options = Options { resources: scope, data_events_recorded: data, compress };
        let out = rightsize(&Input { principal: ROLE, current: &current, observed: &observed, options }, c);
        prop_assert!(out.subset_proof.violations.is_empty(), "{:?}", out.subset_proof.violations);
        prop_assert_eq!(out.replay.allowed, out.replay.total, "{:?}", out.replay.denied);
        prop_assert!(out.not_granted_now.is_empty());
        let suggestion = PolicySet { identity_policies: out.policies().to_vec(), ..PolicySet::default() };
        for st in out.policies().iter().flat_map(|d| d.statements.iter()) {
            if st.effect != pare_policy::Effect::Allow { continue; }
            let actions = pare_policy::actions::statement_actions(st, c);
            for id in actions.iter() {
                for r in st.resource.as_ref().unwrap().patterns() {
                    for inst in instances(r) {
                        for ctx in [None, Some("us-east-1"), Some("eu-west-1")] {
                            let mut context = Context::new();
                            if let Some(region) = ctx {
                                context.insert("aws:RequestedRegion", ContextValue::Single(region.into()));
                            }
                            let req = Request { principal: ROLE.into(), action: c.action_name(id),
                                resource: inst.clone(), context };
                            if evaluate(&req, &suggestion).decision == Decision::Allowed {
                                prop_assert_eq!(evaluate(&req, &current).decision, Decision::Allowed,
                                    "suggestion allows {} on {} ({:?}) that current does not", c.action_name(id), inst, ctx);
                            }
                        }
                    }
                }
            }
        }
        // Size and actions: never more than before.
        prop_assert!(out.after_actions <= out.before_actions);
    }

    /// Compression never adds an action: the patterns expand to exactly the input set.
    #[test]
    fn compression_never_widens(service in prop::sample::select(vec!["s3", "ec2", "iam", "lambda", "dynamodb", "kms"]),
                                picks in prop::collection::vec(prop::bool::weighted(0.6), 0..400)) {
        let c = catalog();
        let all = c.expand(&format!("{service}:*"));
        let mut used = ActionSet::empty(c);
        for (id, keep) in all.iter().zip(picks.iter().chain(std::iter::repeat(&true))) {
            if *keep { used.insert(id); }
        }
        let patterns = pare_rightsize::compress::compress(&used, c);
        prop_assert_eq!(pare_rightsize::compress::expand_all(&patterns, c), used.clone());
        prop_assert!(patterns.len() <= used.len().max(1));
    }
}

fn region_context(call: &ObservedCall) -> Context {
    let mut ctx = Context::new();
    if let Some(r) = call.regions.first() {
        ctx.insert("aws:RequestedRegion", ContextValue::Single(r.clone()));
    }
    ctx
}

//! The identity graph on the real iam-vulnerable account and on small hand-made accounts.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed unwrap is a failed test"
)]

use std::collections::BTreeSet;
use std::io::Read;
use std::path::PathBuf;

use pare_account::{
    Account, AccountGraph, AccountPermissions, AccountSources, EdgeKind, External, Node,
    SourceFile, UsageFact, load_account,
};
use pare_catalog::Catalog;

fn read(rel: &str) -> SourceFile {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data")
        .join(rel);
    let bytes = std::fs::read(&path).unwrap();
    let mut s = String::new();
    flate2::read::GzDecoder::new(bytes.as_slice())
        .read_to_string(&mut s)
        .unwrap();
    SourceFile {
        name: rel.rsplit('/').next().unwrap().to_owned(),
        text: s,
    }
}

fn iam_vulnerable() -> Account {
    load_account(&AccountSources {
        authz: vec![read(
            "authz-details-cloudsplaining/example.iam-vulnerable-account.2023.json.gz",
        )],
        ..AccountSources::default()
    })
    .unwrap()
}

fn name_of(acc: &Account, g: &AccountGraph, n: petgraph::stable_graph::NodeIndex) -> String {
    match g.graph.node_weight(n).unwrap() {
        Node::Principal { id } => acc.principal(*id).unwrap().name.clone(),
        _ => g.label(acc, n),
    }
}

/// Every can-assume edge as `caller -> role`.
fn assume_edges(acc: &Account, g: &AccountGraph) -> BTreeSet<String> {
    g.graph
        .edge_indices()
        .filter_map(|e| {
            let w = g.graph.edge_weight(e)?;
            let (a, b) = g.graph.edge_endpoints(e)?;
            matches!(w.kind, EdgeKind::CanAssume { .. })
                .then(|| format!("{} -> {}", name_of(acc, g, a), name_of(acc, g, b)))
        })
        .collect()
}

#[test]
fn iam_vulnerable_trust_edges() {
    let catalog = Catalog::bundled().unwrap();
    let acc = iam_vulnerable();
    let perms = AccountPermissions::compile(&acc, catalog);
    let start = std::time::Instant::now();
    let g = AccountGraph::build(&perms);
    eprintln!(
        "graph: {} nodes, {} edges in {:?}",
        g.graph.node_count(),
        g.graph.edge_count(),
        start.elapsed()
    );
    let edges = assume_edges(&acc, &g);
    for e in &edges {
        eprintln!("{e}");
    }
    // The AssumeRole chain of iam-vulnerable: each trust policy names the previous role.
    assert!(
        edges.contains("privesc-AssumeRole-starting-role -> privesc-AssumeRole-intermediate-role")
    );
    assert!(
        edges.contains("privesc-AssumeRole-intermediate-role -> privesc-AssumeRole-ending-role")
    );
    assert!(edges.contains("privesc-sre-user -> privesc-sre-role"));
    assert!(edges.contains("AWS-QuickSetup-StackSet-Local-AdministrationRole -> AWS-QuickSetup-StackSet-Local-ExecutionRole"));
    // A named session of the Identity Center admin role.
    assert!(edges.contains(
        "AWSReservedSSO_AdministratorAccess_dc6414f7f2ab04fc -> privesc4-CreateAccessKey-role"
    ));
    // Outsiders.
    assert!(edges.contains("072528804237 -> OrganizationAccountAccessRole"));
    assert!(edges.iter().any(|e| e.starts_with("arn:aws:iam::200611803367:saml-provider/AWSSSO_b937d2dff24f2774_DO_NOT_DELETE -> AWSReservedSSO_ViewOnlyAccess")));
    assert!(
        edges.contains("ec2.amazonaws.com -> privesc-sre-role")
            || edges.iter().any(|e| e.starts_with("ec2.amazonaws.com -> "))
    );
    // privesc-permissive-role-trust trusts the account: only principals whose own policies allow sts:AssumeRole.
    let permissive: Vec<&String> = edges
        .iter()
        .filter(|e| e.ends_with("-> privesc-permissive-role-trust"))
        .collect();
    assert!(!permissive.is_empty());
    for e in &permissive {
        let caller = e.split(" -> ").next().unwrap();
        let id = acc
            .principals
            .iter()
            .position(|p| p.name == caller)
            .unwrap();
        let eff = perms.principals().nth(id).unwrap();
        assert!(
            eff.is_allowed(catalog.action("sts:AssumeRole").unwrap()),
            "{e}"
        );
    }
    // The shortcut for callers allowed sts:AssumeRole everywhere gives the same edges as evaluating each.
    let exact = AccountGraph::build_exact(&perms);
    assert_eq!(assume_edges(&acc, &exact), edges);
    // Structure.
    let sre_user = acc
        .principal_by_arn("arn:aws:iam::200611803367:user/privesc-sre-user")
        .unwrap();
    let n = g.principal_node(sre_user).unwrap();
    assert!(g.edges_from(n).any(|(_, e)| e.kind == EdgeKind::MemberOf));
    assert_eq!(g.assumable_roles(sre_user).len(), 1);
}

#[test]
fn conditions_mfa_and_used_edges() {
    let text = r#"{
      "UserDetailList": [
        {"UserName": "ops", "Arn": "arn:aws:iam::111122223333:user/ops", "GroupList": [],
         "UserPolicyList": [{"PolicyName": "assume", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["sts:AssumeRole", "s3:GetObject"], "Resource": "*"}]}}]},
        {"UserName": "intern", "Arn": "arn:aws:iam::111122223333:user/intern", "GroupList": []}],
      "RoleDetailList": [
        {"RoleName": "breakglass", "Arn": "arn:aws:iam::111122223333:role/breakglass",
         "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "sts:AssumeRole",
            "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]}},
        {"RoleName": "deploy", "Arn": "arn:aws:iam::111122223333:role/deploy",
         "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}}]}},
        {"RoleName": "plain", "Arn": "arn:aws:iam::111122223333:role/plain",
         "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"AWS": "111122223333"}, "Action": "sts:AssumeRole"}]}},
        {"RoleName": "open", "Arn": "arn:aws:iam::111122223333:role/open",
         "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]}}],
      "GroupDetailList": [], "Policies": []}"#;
    let acc = load_account(&AccountSources {
        authz: vec![SourceFile {
            name: "a.json".into(),
            text: text.into(),
        }],
        ..AccountSources::default()
    })
    .unwrap();
    let catalog = Catalog::bundled().unwrap();
    let perms = AccountPermissions::compile(&acc, catalog);
    let mut g = AccountGraph::build(&perms);
    let ops = acc
        .principal_by_arn("arn:aws:iam::111122223333:user/ops")
        .unwrap();
    let intern = acc
        .principal_by_arn("arn:aws:iam::111122223333:user/intern")
        .unwrap();
    let roles = g.assumable_roles(ops);
    let names: BTreeSet<&str> = roles
        .iter()
        .map(|(r, _)| acc.principal(*r).unwrap().name.as_str())
        .collect();
    assert_eq!(names, BTreeSet::from(["breakglass", "open", "plain"]));
    assert_eq!(
        assume_edges(&acc, &g),
        assume_edges(&acc, &AccountGraph::build_exact(&perms))
    );
    let (_, bg) = roles
        .iter()
        .find(|(r, _)| acc.principal(*r).unwrap().name == "breakglass")
        .unwrap();
    match &bg.kind {
        EdgeKind::CanAssume {
            requires_mfa,
            unconditional,
            condition_keys,
            ..
        } => {
            assert!(*requires_mfa && !*unconditional);
            assert_eq!(condition_keys, &["aws:MultiFactorAuthPresent"]);
        }
        other => panic!("{other:?}"),
    }
    assert!(
        bg.reason.contains("only if conditions hold"),
        "{}",
        bg.reason
    );
    // The intern has no sts:AssumeRole of their own: the account-wide trust is not enough, but `*` is.
    let intern_roles: Vec<String> = g
        .assumable_roles(intern)
        .iter()
        .map(|(r, _)| acc.principal(*r).unwrap().name.clone())
        .collect();
    assert_eq!(intern_roles, ["open"]);
    let edges = assume_edges(&acc, &g);
    assert!(edges.contains("* -> open"));
    assert!(edges.contains(
        "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com -> deploy"
    ));
    // Used edges from CloudTrail usage: a role session assumed the role, and s3:GetObject went through the inline.
    let unknown = g.add_usage(
        &perms,
        &[
            UsageFact {
                principal: "arn:aws:iam::111122223333:user/ops".into(),
                action: "sts:AssumeRole".into(),
                resource: "arn:aws:iam::111122223333:role/breakglass".into(),
                count: 3,
                last_seen: Some("2026-11-01T10:00:00Z".into()),
            },
            UsageFact {
                principal: "arn:aws:iam::111122223333:user/ops".into(),
                action: "s3:GetObject".into(),
                resource: "arn:aws:s3:::b/k".into(),
                count: 7,
                last_seen: Some("2026-11-02T10:00:00Z".into()),
            },
            UsageFact {
                principal: "arn:aws:sts::999999999999:assumed-role/x/y".into(),
                action: "s3:GetObject".into(),
                resource: "*".into(),
                count: 1,
                last_seen: None,
            },
        ],
    );
    assert_eq!(unknown.len(), 1);
    let n = g.principal_node(ops).unwrap();
    let mut used: Vec<(String, u64)> = g
        .edges_from(n)
        .filter_map(|(t, e)| match &e.kind {
            EdgeKind::Used { count, .. } => Some((g.label(&acc, t), *count)),
            _ => None,
        })
        .collect();
    used.sort();
    assert_eq!(
        used,
        [
            ("arn:aws:iam::111122223333:role/breakglass".to_owned(), 3),
            ("arn:aws:iam::111122223333:user/ops#assume".to_owned(), 10),
        ]
    );
    // Escalation edges, as the findings add them, and the principal's neighbourhood.
    let open = acc
        .principal_by_arn("arn:aws:iam::111122223333:role/open")
        .unwrap();
    g.add_escalation(
        intern,
        ops,
        "iam-createaccesskey",
        "intern can create keys for ops".into(),
    )
    .unwrap();
    let hood = g.neighbourhood(intern, 2);
    let labels: BTreeSet<String> = hood.iter().map(|&n| g.label(&acc, n)).collect();
    assert!(labels.contains("arn:aws:iam::111122223333:user/ops"));
    assert!(labels.contains(&acc.principal(open).unwrap().arn));
    let json = g.to_json(&acc, &hood);
    assert!(
        json["edges"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "can_escalate_to" && e["technique"] == "iam-createaccesskey")
    );
    let dot = g.to_dot(&acc, &hood);
    assert!(
        dot.starts_with("digraph pare {") && dot.contains("can_escalate_to iam-createaccesskey")
    );
    assert!(matches!(
        g.graph
            .node_weights()
            .find(|n| matches!(n, Node::External { .. })),
        Some(Node::External {
            principal: External::Anyone | External::Federated(_)
        })
    ));
}

/// The graph around a principal built lazily (structure, then only the can-assume pairs its neighbourhood can
/// see) shows exactly what the whole graph shows around it, for every principal of the iam-vulnerable account at
/// depths 0 to 2, and evaluates far fewer pairs.
#[test]
fn graph_around_a_principal_equals_the_whole_graph_around_it() {
    let catalog = Catalog::bundled().unwrap();
    let acc = iam_vulnerable();
    let perms = AccountPermissions::compile(&acc, catalog);
    let whole = AccountGraph::build(&perms);
    let mut checked = 0;
    let mut with_assume = 0;
    for id in acc.principal_ids() {
        for depth in 0..=2 {
            let expected = whole.neighbourhood(id, depth);
            let mut lazy = AccountGraph::build_structure(&perms);
            lazy.add_trust_edges_around(&perms, id, depth);
            let got = lazy.neighbourhood(id, depth);
            assert_eq!(
                lazy.to_json(&acc, &got),
                whole.to_json(&acc, &expected),
                "{} at depth {depth}",
                acc.principal(id).unwrap().arn
            );
            assert!(lazy.graph.edge_count() <= whole.graph.edge_count());
            checked += 1;
            with_assume += usize::from(
                whole.to_json(&acc, &expected)["edges"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|e| e["kind"] == "can_assume" && e["from"] != e["to"]),
            );
        }
    }
    assert!(checked > 100, "{checked}");
    assert!(with_assume > 20, "{with_assume}");
}

/// The bounded walk the identity screen uses: when it gives up (more principals around than the limit), the
/// principal's own can-assume edges (both directions) are still exactly the whole graph's; when it does not, the
/// neighbourhood is the whole graph's, as with the unbounded walk.
#[test]
fn bounded_walk_keeps_the_principals_own_edges_exact() {
    let catalog = Catalog::bundled().unwrap();
    let acc = iam_vulnerable();
    let perms = AccountPermissions::compile(&acc, catalog);
    let whole = AccountGraph::build(&perms);
    let own = |g: &AccountGraph, id| {
        let n = g.principal_node(id).unwrap();
        let mut v: Vec<String> = g
            .edges_from(n)
            .map(|(t, e)| (t, e, "out"))
            .chain(g.edges_to(n).map(|(s, e)| (s, e, "in")))
            .filter(|(_, e, _)| e.kind.name() == "can_assume")
            .map(|(m, e, dir)| format!("{dir} {} {}", g.label(&acc, m), e.reason))
            .collect();
        v.sort();
        v
    };
    let (mut gave_up, mut complete) = (0, 0);
    for id in acc.principal_ids() {
        for limit in [1, 3, usize::MAX] {
            let mut bounded = AccountGraph::build_structure(&perms);
            let whole_walk = bounded.add_trust_edges_around_bounded(&perms, id, 2, limit);
            assert_eq!(own(&bounded, id), own(&whole, id), "{id:?} limit {limit}");
            if whole_walk {
                complete += 1;
                let expected = whole.neighbourhood(id, 2);
                let got = bounded.neighbourhood(id, 2);
                assert_eq!(bounded.to_json(&acc, &got), whole.to_json(&acc, &expected));
            } else {
                gave_up += 1;
                assert!(limit < usize::MAX);
            }
        }
    }
    assert!(gave_up > 10, "{gave_up}");
    assert!(complete > 100, "{complete}");
}

//! Property tests for the policy engine: wildcard matching against a reference matcher, monotonicity of deny
//! and allow across every policy type, print/parse round trips, `NotAction` as a complement, and SCP/RCP denies.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code"
)]

use pare_catalog::Catalog;
use pare_policy::document::{ActionClause, ResourceClause};
use pare_policy::evaluate::rcp_applies_to;
use pare_policy::pattern::{self, Token};
use pare_policy::{
    Context, ContextValue, Decision, Effect, Evaluation, PolicyDocument, PolicySet, PolicyType,
    Request, Statement, evaluate,
};
use proptest::prelude::*;
use proptest::sample::{Index, select};
use serde_json::{Map, Value, json};

const CASES: u32 = 256;

/// `CASES` cases; failures are reported, not persisted into the shared tree.
fn config() -> ProptestConfig {
    ProptestConfig {
        cases: CASES,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Reference matchers
// ---------------------------------------------------------------------------------------------------------------

/// One element of a reference pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RefTok {
    Lit(char),
    Star,
    Any,
}

fn ref_eq(a: char, b: char, ci: bool) -> bool {
    a == b || (ci && a.to_lowercase().eq(b.to_lowercase()))
}

/// The textbook recursive definition of `*`/`?` matching.
fn ref_match(p: &[RefTok], t: &[char], ci: bool) -> bool {
    match p.split_first() {
        None => t.is_empty(),
        Some((RefTok::Star, rest)) => (0..=t.len()).any(|i| ref_match(rest, &t[i..], ci)),
        Some((RefTok::Any, rest)) => !t.is_empty() && ref_match(rest, &t[1..], ci),
        Some((RefTok::Lit(c), rest)) => {
            t.first().is_some_and(|d| ref_eq(*c, *d, ci)) && ref_match(rest, &t[1..], ci)
        }
    }
}

/// Plain pattern text (no policy variables) as reference tokens.
fn ref_tokens(p: &str) -> Vec<RefTok> {
    p.chars()
        .map(|c| match c {
            '*' => RefTok::Star,
            '?' => RefTok::Any,
            c => RefTok::Lit(c),
        })
        .collect()
}

fn ref_glob(p: &str, t: &str, ci: bool) -> bool {
    let t: Vec<char> = t.chars().collect();
    ref_match(&ref_tokens(p), &t, ci)
}

/// AWS's `Resource` matching: `*` matches everything; ARN patterns match part by part, case-sensitively, so a
/// wildcard never spans one of the first five colons; anything else is a whole-string match.
fn ref_resource_match(p: &str, r: &str) -> bool {
    if p == "*" {
        return true;
    }
    let ps: Vec<&str> = p.splitn(6, ':').collect();
    let rs: Vec<&str> = r.splitn(6, ':').collect();
    if ps.len() == 6 && rs.len() == 6 && ps[0] == "arn" {
        ps.iter().zip(&rs).all(|(p, r)| ref_glob(p, r, false))
    } else {
        ref_glob(p, r, false)
    }
}

/// Action matching: a case-insensitive whole-string match.
fn ref_action_match(p: &str, action: &str) -> bool {
    ref_glob(p, action, true)
}

// ---------------------------------------------------------------------------------------------------------------
// 1. The wildcard matcher agrees with the reference
// ---------------------------------------------------------------------------------------------------------------

fn pattern_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        select(vec!['*', '?', 'a', 'b', 'A', 'B', ':', '/', 'é', 'É']),
        0..9,
    )
    .prop_map(|v| v.into_iter().collect())
}

fn subject_text() -> impl Strategy<Value = String> {
    // Texts may themselves contain `*` and `?`, which are literal characters there.
    prop::collection::vec(
        select(vec!['a', 'b', 'A', 'B', ':', '/', '*', '?', 'é', 'É']),
        0..11,
    )
    .prop_map(|v| v.into_iter().collect())
}

/// A text made from the pattern itself, so that matches are common: each wildcard becomes a few characters,
/// and letters may change case.
fn near_text(p: &str) -> impl Strategy<Value = String> + use<> {
    let pattern: Vec<char> = p.chars().collect();
    let n = pattern.len();
    (
        prop::collection::vec(
            prop::collection::vec(select(vec!['a', 'B', ':', '/', 'é', '*']), 0..3),
            n,
        ),
        prop::collection::vec(any::<bool>(), n),
    )
        .prop_map(move |(fills, flips)| {
            let mut out = String::new();
            for ((c, fill), flip) in pattern.iter().zip(fills).zip(flips) {
                match c {
                    '*' => out.extend(fill),
                    '?' => out.push(fill.first().copied().unwrap_or('b')),
                    c if flip && c.is_lowercase() => out.extend(c.to_uppercase()),
                    c if flip => out.extend(c.to_lowercase()),
                    c => out.push(*c),
                }
            }
            out
        })
}

/// A pattern piece under policy variables: `${*}`, `${?}` and `${$}` are literal `*`, `?`, `$`.
fn piece() -> impl Strategy<Value = (&'static str, RefTok)> {
    select(vec![
        ("a", RefTok::Lit('a')),
        ("B", RefTok::Lit('B')),
        (":", RefTok::Lit(':')),
        ("/", RefTok::Lit('/')),
        ("*", RefTok::Star),
        ("?", RefTok::Any),
        ("${*}", RefTok::Lit('*')),
        ("${?}", RefTok::Lit('?')),
        ("${$}", RefTok::Lit('$')),
    ])
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn wildcard_matcher_agrees_with_reference(
        (p, t) in pattern_text().prop_flat_map(|p| {
            let near = near_text(&p);
            (Just(p), prop_oneof![subject_text(), near])
        }),
        ci in any::<bool>(),
    ) {
        let s = pattern::substitute(&p, &Context::new(), false, true);
        prop_assert!(!s.unresolved && s.unknown_keys.is_empty());
        prop_assert_eq!(s.literal_text(), p.clone());
        let expected = ref_glob(&p, &t, ci);
        prop_assert_eq!(pattern::matches(&s.tokens, &t, ci), expected, "pattern {:?} text {:?} ci {}", p, t, ci);
        // A pattern always matches itself read literally when it has no wildcards.
        if !p.contains(['*', '?']) {
            prop_assert!(pattern::matches(&s.tokens, &p, ci));
        }
    }

    #[test]
    fn wildcard_matcher_with_escaped_variables_agrees_with_reference(
        pieces in prop::collection::vec(piece(), 0..8),
        t in prop::collection::vec(select(vec!['a', 'B', 'b', ':', '/', '*', '?', '$']), 0..10)
            .prop_map(|v| v.into_iter().collect::<String>()),
        ci in any::<bool>(),
    ) {
        let text: String = pieces.iter().map(|(s, _)| *s).collect();
        let reference: Vec<RefTok> = pieces.iter().map(|(_, t)| *t).collect();
        let s = pattern::substitute(&text, &Context::new(), true, true);
        prop_assert!(!s.unresolved && s.unknown_keys.is_empty());
        let expected_tokens: Vec<Token> = reference
            .iter()
            .map(|t| match t {
                RefTok::Lit(c) => Token::Literal(*c),
                RefTok::Star => Token::AnySequence,
                RefTok::Any => Token::AnyChar,
            })
            .collect();
        prop_assert_eq!(&s.tokens, &expected_tokens);
        let chars: Vec<char> = t.chars().collect();
        prop_assert_eq!(
            pattern::matches(&s.tokens, &t, ci),
            ref_match(&reference, &chars, ci),
            "pattern {:?} text {:?} ci {}", text, t, ci
        );
    }
}

// ---------------------------------------------------------------------------------------------------------------
// A small vocabulary of policy sets
// ---------------------------------------------------------------------------------------------------------------

const ACCOUNT_A: &str = "111122223333";

/// Callers: IAM users, an assumed-role session and a role, in account A and in another account B.
const CALLERS: &[&str] = &[
    "arn:aws:iam::111122223333:user/alice",
    "arn:aws:sts::111122223333:assumed-role/Admin/s1",
    "arn:aws:iam::111122223333:role/Admin",
    "arn:aws:iam::444455556666:user/bob",
    "arn:aws:sts::444455556666:assumed-role/Ops/s2",
];

const REQUEST_ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:PutObject",
    "s3:ListBucket",
    "iam:PassRole",
];

const REQUEST_RESOURCES: &[&str] = &[
    "arn:aws:s3:::b/k",
    "arn:aws:s3:::b/x",
    "arn:aws:s3:::b/alice/f",
    "arn:aws:s3:::other/k",
    "arn:aws:iam::111122223333:role/Admin",
];

const ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:Get*",
    "s3:*",
    "s3:PutObject",
    "iam:PassRole",
    "iam:*",
    "*",
];

/// Resource patterns without policy variables (their matching is known to the reference matcher).
const PLAIN_RESOURCES: &[&str] = &[
    "*",
    "arn:aws:s3:::b/*",
    "arn:aws:s3:::b/k",
    "arn:aws:s3:::other/*",
    "arn:aws:s3:::b*",
    "arn:*:s3:::b/?",
    "arn:aws:iam::*:role/*",
    "arn:aws:iam::111122223333:role/Admin",
];

const RESOURCES: &[&str] = &[
    "*",
    "arn:aws:s3:::b/*",
    "arn:aws:s3:::b/k",
    "arn:aws:s3:::other/*",
    "arn:aws:s3:::b*",
    "arn:aws:iam::*:role/*",
    "arn:aws:s3:::b/${aws:username}/*",
];

/// `(operator, key, value)` condition entries.
const CONDITIONS: &[(&str, &str, &str)] = &[
    ("IpAddress", "aws:SourceIp", "203.0.113.0/24"),
    ("NotIpAddress", "aws:SourceIp", "203.0.113.0/24"),
    ("IpAddressIfExists", "aws:SourceIp", "198.51.100.0/24"),
    ("Null", "aws:SourceIp", "true"),
    ("StringEquals", "aws:username", "alice"),
    ("StringNotEquals", "aws:username", "alice"),
    ("StringLikeIfExists", "aws:username", "b*"),
];

/// Principal elements for resource-based policies: `None` is `"*"`, otherwise `(map key, value)`.
const PRINCIPALS: &[Option<(&str, &str)>] = &[
    None,
    Some(("AWS", "111122223333")),
    Some(("AWS", "arn:aws:iam::444455556666:root")),
    Some(("AWS", "arn:aws:iam::111122223333:user/alice")),
    Some(("AWS", "arn:aws:iam::111122223333:role/Admin")),
    Some(("AWS", "arn:aws:sts::111122223333:assumed-role/Admin/s1")),
    Some(("AWS", "arn:aws:iam::444455556666:user/bob")),
    Some(("AWS", "arn:aws:iam::444455556666:role/Ops")),
    Some(("Service", "ec2.amazonaws.com")),
];

/// One statement, rendered differently by policy type (principals only where the policy type has them).
#[derive(Clone, Debug)]
struct Spec {
    effect: Effect,
    not_action: bool,
    actions: Vec<&'static str>,
    not_resource: bool,
    resources: Vec<&'static str>,
    conditions: Vec<usize>,
    principal: usize,
    not_principal: bool,
}

/// How a statement's principal is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PrincipalMode {
    /// Identity policies, boundaries, session policies, SCPs: no `Principal`.
    Omit,
    /// Resource-based policies: the spec's principal.
    FromSpec,
    /// RCPs: always `"Principal": "*"`.
    Star,
}

impl Spec {
    fn render(&self, mode: PrincipalMode) -> Value {
        let mut st = Map::new();
        st.insert("Effect".into(), json!(self.effect.to_string()));
        match mode {
            PrincipalMode::Omit => {}
            PrincipalMode::Star => {
                st.insert("Principal".into(), json!("*"));
            }
            PrincipalMode::FromSpec => match PRINCIPALS[self.principal] {
                None if !self.not_principal => {
                    st.insert("Principal".into(), json!("*"));
                }
                None => {
                    // `NotPrincipal` is only ever written with a map.
                    st.insert(
                        "NotPrincipal".into(),
                        json!({"AWS": "arn:aws:iam::999999999999:root"}),
                    );
                }
                Some((kind, value)) => {
                    let key = if self.not_principal {
                        "NotPrincipal"
                    } else {
                        "Principal"
                    };
                    st.insert(key.into(), json!({ kind: value }));
                }
            },
        }
        let akey = if self.not_action {
            "NotAction"
        } else {
            "Action"
        };
        st.insert(akey.into(), json!(self.actions));
        let rkey = if self.not_resource {
            "NotResource"
        } else {
            "Resource"
        };
        st.insert(rkey.into(), json!(self.resources));
        if !self.conditions.is_empty() {
            let mut cond = Map::new();
            for &i in &self.conditions {
                let (op, key, value) = CONDITIONS[i];
                let entry = cond.entry(op).or_insert_with(|| json!({}));
                entry
                    .as_object_mut()
                    .unwrap()
                    .insert(key.into(), json!(value));
            }
            st.insert("Condition".into(), Value::Object(cond));
        }
        Value::Object(st)
    }
}

fn allow_all() -> Spec {
    Spec {
        effect: Effect::Allow,
        not_action: false,
        actions: vec!["*"],
        not_resource: false,
        resources: vec!["*"],
        conditions: Vec::new(),
        principal: 0,
        not_principal: false,
    }
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        prop::bool::weighted(0.8),
        prop::bool::weighted(0.2),
        prop::collection::vec(select(ACTIONS), 1..3),
        prop::bool::weighted(0.15),
        prop::collection::vec(select(RESOURCES), 1..3),
        prop_oneof![
            3 => Just(Vec::new()),
            1 => prop::collection::vec(0..CONDITIONS.len(), 1..3),
        ],
        0..PRINCIPALS.len(),
        prop::bool::weighted(0.15),
    )
        .prop_map(
            |(
                allow,
                not_action,
                actions,
                not_resource,
                resources,
                conditions,
                principal,
                not_principal,
            )| Spec {
                effect: if allow { Effect::Allow } else { Effect::Deny },
                not_action,
                actions,
                not_resource,
                resources,
                conditions,
                principal,
                not_principal,
            },
        )
}

fn spec_with(effect: Effect) -> impl Strategy<Value = Spec> {
    spec().prop_map(move |mut s| {
        s.effect = effect;
        s
    })
}

type Doc = Vec<Spec>;
type Level = Vec<Doc>;

/// Every policy of a request, as statement specs.
#[derive(Clone, Debug, Default)]
struct Model {
    identity: Vec<Doc>,
    resource: Option<Doc>,
    boundary: Vec<Doc>,
    session: Option<Doc>,
    scp: Vec<Level>,
    rcp: Vec<Level>,
}

fn doc(specs: &[Spec], mode: PrincipalMode) -> PolicyDocument {
    let statements: Vec<Value> = specs.iter().map(|s| s.render(mode)).collect();
    let value = json!({"Version": "2012-10-17", "Statement": statements});
    let (doc, diags) = PolicyDocument::from_json(&value);
    assert!(diags.is_empty(), "{value}: {diags:?}");
    doc
}

impl Model {
    fn policy_set(&self) -> PolicySet {
        let docs = |d: &[Doc], mode| d.iter().map(|s| doc(s, mode)).collect::<Vec<_>>();
        let levels = |l: &[Level], mode| l.iter().map(|lv| docs(lv, mode)).collect::<Vec<_>>();
        PolicySet {
            identity_policies: docs(&self.identity, PrincipalMode::Omit),
            resource_policy: self
                .resource
                .as_ref()
                .map(|s| doc(s, PrincipalMode::FromSpec)),
            permission_boundaries: docs(&self.boundary, PrincipalMode::Omit),
            service_control_policies: levels(&self.scp, PrincipalMode::Omit),
            resource_control_policies: levels(&self.rcp, PrincipalMode::Star),
            session_policy: self.session.as_ref().map(|s| doc(s, PrincipalMode::Omit)),
        }
    }

    /// Adds `spec` at `loc`; returns the policy type it went into and whether it went into an existing document.
    fn insert(&mut self, loc: &Loc, spec: Spec) -> (PolicyType, bool) {
        fn into_docs(docs: &mut Vec<Doc>, pick: usize, new_doc: bool, spec: Spec) -> bool {
            if new_doc || docs.is_empty() {
                docs.push(vec![spec]);
                false
            } else {
                let len = docs.len();
                docs[pick % len].push(spec);
                true
            }
        }
        fn into_levels(levels: &mut Vec<Level>, loc: &Loc, spec: Spec) -> bool {
            if loc.new_level || levels.is_empty() {
                levels.push(vec![vec![spec]]);
                false
            } else {
                let len = levels.len();
                into_docs(&mut levels[loc.level % len], loc.doc, loc.new_doc, spec)
            }
        }
        /// A request has at most one resource policy and one session policy: add to it, or start it.
        fn into_optional(d: &mut Option<Doc>, spec: Spec) -> bool {
            match d {
                Some(d) => {
                    d.push(spec);
                    true
                }
                None => {
                    *d = Some(vec![spec]);
                    false
                }
            }
        }
        match loc.kind {
            PolicyType::Identity => (
                PolicyType::Identity,
                into_docs(&mut self.identity, loc.doc, loc.new_doc, spec),
            ),
            PolicyType::Resource => (
                PolicyType::Resource,
                into_optional(&mut self.resource, spec),
            ),
            PolicyType::PermissionBoundary => (
                PolicyType::PermissionBoundary,
                into_docs(&mut self.boundary, loc.doc, loc.new_doc, spec),
            ),
            PolicyType::Session => (PolicyType::Session, into_optional(&mut self.session, spec)),
            PolicyType::Scp => (PolicyType::Scp, into_levels(&mut self.scp, loc, spec)),
            PolicyType::Rcp => (PolicyType::Rcp, into_levels(&mut self.rcp, loc, spec)),
        }
    }
}

/// Where to add a statement.
#[derive(Clone, Debug)]
struct Loc {
    kind: PolicyType,
    level: usize,
    doc: usize,
    new_level: bool,
    new_doc: bool,
}

fn loc_in(kinds: Vec<PolicyType>) -> impl Strategy<Value = Loc> {
    (
        select(kinds),
        0..4usize,
        0..4usize,
        prop::bool::weighted(0.3),
        prop::bool::weighted(0.3),
    )
        .prop_map(|(kind, level, doc, new_level, new_doc)| Loc {
            kind,
            level,
            doc,
            new_level,
            new_doc,
        })
}

fn loc() -> impl Strategy<Value = Loc> {
    loc_in(vec![
        PolicyType::Identity,
        PolicyType::Resource,
        PolicyType::PermissionBoundary,
        PolicyType::Session,
        PolicyType::Scp,
        PolicyType::Rcp,
    ])
}

fn docs_of(n: std::ops::Range<usize>) -> impl Strategy<Value = Vec<Doc>> {
    prop::collection::vec(prop::collection::vec(spec(), 1..4), n)
}

/// OU levels; each level usually carries an allow-everything document (like `FullAWSAccess`).
fn levels() -> impl Strategy<Value = Vec<Level>> {
    prop_oneof![
        2 => Just(Vec::new()),
        3 => prop::collection::vec(
            (prop::bool::weighted(0.75), docs_of(0..2)).prop_map(|(full, mut docs)| {
                if full || docs.is_empty() {
                    docs.insert(0, vec![allow_all()]);
                }
                docs
            }),
            1..3,
        ),
    ]
}

fn model() -> impl Strategy<Value = Model> {
    (
        docs_of(0..3),
        prop::option::weighted(0.4, prop::collection::vec(spec(), 1..3)),
        prop_oneof![3 => Just(Vec::new()), 1 => docs_of(1..3)],
        prop::option::weighted(0.2, prop::collection::vec(spec(), 1..3)),
        levels(),
        levels(),
    )
        .prop_map(|(identity, resource, boundary, session, scp, rcp)| Model {
            identity,
            resource,
            boundary,
            session,
            scp,
            rcp,
        })
}

/// A request: caller, action, resource and context.
#[derive(Clone, Debug)]
struct Req {
    caller: &'static str,
    action: &'static str,
    resource: &'static str,
    /// 0: inside 203.0.113.0/24, 1: inside 198.51.100.0/24, 2: known absent, 3: not supplied.
    source_ip: usize,
    /// Whether the context says the resource belongs to account A.
    resource_in_a: bool,
}

impl Req {
    fn request(&self) -> Request {
        let mut context = Context::new();
        match self.source_ip {
            0 => context.insert("aws:SourceIp", ContextValue::Single("203.0.113.7".into())),
            1 => context.insert("aws:SourceIp", ContextValue::Single("198.51.100.1".into())),
            2 => context.insert("aws:SourceIp", ContextValue::Absent),
            _ => {}
        }
        if self.resource_in_a {
            context.insert(
                "aws:ResourceAccount",
                ContextValue::Single(ACCOUNT_A.into()),
            );
        }
        Request {
            principal: self.caller.into(),
            action: self.action.into(),
            resource: self.resource.into(),
            context,
        }
    }
}

fn req() -> impl Strategy<Value = Req> {
    (
        select(CALLERS),
        select(REQUEST_ACTIONS),
        select(REQUEST_RESOURCES),
        0..4usize,
        any::<bool>(),
    )
        .prop_map(|(caller, action, resource, source_ip, resource_in_a)| Req {
            caller,
            action,
            resource,
            source_ip,
            resource_in_a,
        })
}

/// A statement that matches the request's action and resource unconditionally (written as `Action` or
/// `NotAction`, `Resource` or `NotResource`), with `"Principal": "*"` where principals are written.
#[derive(Clone, Debug)]
struct MatchingShape {
    not_action: bool,
    actions: Vec<&'static str>,
    not_resource: bool,
    resources: Vec<&'static str>,
}

fn matching_shape() -> impl Strategy<Value = MatchingShape> {
    (
        prop::bool::weighted(0.25),
        prop::collection::vec(select(ACTIONS), 0..3),
        prop::bool::weighted(0.25),
        prop::collection::vec(select(PLAIN_RESOURCES), 0..3),
    )
        .prop_map(
            |(not_action, actions, not_resource, resources)| MatchingShape {
                not_action,
                actions,
                not_resource,
                resources,
            },
        )
}

impl MatchingShape {
    fn spec(&self, effect: Effect, action: &'static str, resource: &str) -> Spec {
        let mut actions = self.actions.clone();
        if self.not_action {
            actions.retain(|p| !ref_action_match(p, action));
            if actions.is_empty() {
                actions.push("ec2:RunInstances");
            }
        } else if !actions.iter().any(|p| ref_action_match(p, action)) {
            actions.push(action);
        }
        let mut resources = self.resources.clone();
        if self.not_resource {
            resources.retain(|p| !ref_resource_match(p, resource));
            if resources.is_empty() {
                resources.push("arn:aws:ec2:*:*:instance/*");
            }
        } else if !resources.iter().any(|p| ref_resource_match(p, resource)) {
            resources.push("*");
        }
        Spec {
            effect,
            not_action: self.not_action,
            actions,
            not_resource: self.not_resource,
            resources,
            conditions: Vec::new(),
            principal: 0,
            not_principal: false,
        }
    }
}

/// Allowed < ImplicitlyDenied < ExplicitlyDenied.
fn rank(d: Decision) -> u8 {
    match d {
        Decision::Allowed => 0,
        Decision::ImplicitlyDenied => 1,
        Decision::ExplicitlyDenied => 2,
    }
}

fn service_of(action: &str) -> &str {
    action.split(':').next().unwrap_or("")
}

fn show(ev: &Evaluation) -> String {
    format!(
        "{:?} blocked_by {:?}: {}",
        ev.decision,
        ev.blocked_by,
        ev.explanation.join("; ")
    )
}

// ---------------------------------------------------------------------------------------------------------------
// 2. and 3. Monotonicity of deny and allow
// ---------------------------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config())]

    /// Adding any Deny statement anywhere never makes a decision more permissive.
    #[test]
    fn adding_a_deny_never_allows(
        m in model(),
        r in req(),
        extra in spec_with(Effect::Deny),
        at in loc(),
    ) {
        let request = r.request();
        let before = evaluate(&request, &m.policy_set());
        let mut m2 = m.clone();
        m2.insert(&at, extra);
        let after = evaluate(&request, &m2.policy_set());
        prop_assert!(
            rank(after.decision) >= rank(before.decision),
            "before: {}\nafter: {}", show(&before), show(&after)
        );
    }

    /// Adding a Deny that matches the request unconditionally denies it explicitly, in whichever policy type it
    /// lands (RCPs only govern the services they support: elsewhere they change nothing).
    #[test]
    fn adding_an_unconditional_matching_deny_denies(
        m in model(),
        r in req(),
        shape in matching_shape(),
        at in loc(),
    ) {
        let request = r.request();
        let before = evaluate(&request, &m.policy_set());
        let mut m2 = m.clone();
        let (kind, _) = m2.insert(&at, shape.spec(Effect::Deny, r.action, r.resource));
        let after = evaluate(&request, &m2.policy_set());
        if kind == PolicyType::Rcp && !rcp_applies_to(service_of(r.action)) {
            prop_assert_eq!(after.decision, before.decision, "after: {}", show(&after));
        } else {
            prop_assert_eq!(after.decision, Decision::ExplicitlyDenied, "after: {}", show(&after));
            prop_assert!(after.blocked_by.contains(&kind), "after: {}", show(&after));
        }
    }

    /// Adding an Allow statement to an identity policy (an existing one or a new one) never makes a decision
    /// less permissive; in particular Allowed stays Allowed.
    #[test]
    fn adding_an_identity_allow_never_denies(
        m in model(),
        r in req(),
        extra in spec_with(Effect::Allow),
        at in loc_in(vec![PolicyType::Identity]),
    ) {
        let request = r.request();
        let before = evaluate(&request, &m.policy_set());
        let mut m2 = m.clone();
        m2.insert(&at, extra);
        let after = evaluate(&request, &m2.policy_set());
        prop_assert!(
            rank(after.decision) <= rank(before.decision),
            "before: {}\nafter: {}", show(&before), show(&after)
        );
    }

    /// Adding an Allow statement anywhere never lifts an explicit deny; added to a document that already
    /// exists (so no policy type starts to apply) it never makes a decision less permissive.
    #[test]
    fn adding_an_allow_never_lifts_an_explicit_deny(
        m in model(),
        r in req(),
        extra in spec_with(Effect::Allow),
        at in loc(),
    ) {
        let request = r.request();
        let before = evaluate(&request, &m.policy_set());
        let mut m2 = m.clone();
        let (_, existing) = m2.insert(&at, extra);
        let after = evaluate(&request, &m2.policy_set());
        if before.decision == Decision::ExplicitlyDenied {
            prop_assert_eq!(after.decision, Decision::ExplicitlyDenied, "after: {}", show(&after));
            prop_assert_eq!(&after.blocked_by, &before.blocked_by);
        }
        if existing {
            prop_assert!(
                rank(after.decision) <= rank(before.decision),
                "before: {}\nafter: {}", show(&before), show(&after)
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// 6. An explicit deny in an SCP or RCP level wins over any allow
// ---------------------------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config())]

    /// Whatever the identity, resource, boundary and session policies allow, a matching Deny at any SCP level
    /// (for any action) or RCP level (for an RCP-governed service such as S3) denies explicitly.
    #[test]
    fn scp_or_rcp_deny_wins_over_any_allow(
        mut m in model(),
        r in req(),
        shape in matching_shape(),
        at in loc_in(vec![PolicyType::Scp, PolicyType::Rcp]),
        resource_allows in any::<bool>(),
    ) {
        // The identity side allows everything; the resource policy may allow everyone too.
        m.identity.push(vec![allow_all()]);
        if resource_allows {
            m.resource.get_or_insert_with(Vec::new).push(allow_all());
        }
        let at = if at.kind == PolicyType::Rcp && !rcp_applies_to(service_of(r.action)) {
            Loc { kind: PolicyType::Scp, ..at }
        } else {
            at
        };
        let request = r.request();
        let mut m2 = m.clone();
        let (kind, _) = m2.insert(&at, shape.spec(Effect::Deny, r.action, r.resource));
        let after = evaluate(&request, &m2.policy_set());
        prop_assert_eq!(after.decision, Decision::ExplicitlyDenied, "after: {}", show(&after));
        prop_assert!(after.blocked_by.contains(&kind), "after: {}", show(&after));
        let deny = after
            .matched_statements
            .iter()
            .find(|s| s.policy_type == kind && s.effect == Effect::Deny);
        prop_assert!(deny.is_some(), "no matched {:?} deny: {:?}", kind, after.matched_statements);
    }
}

// ---------------------------------------------------------------------------------------------------------------
// 4. Print/parse round trip
// ---------------------------------------------------------------------------------------------------------------

fn text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9:/*?${}~ é\"\\\\.,'-]{0,12}"
}

/// A string or a list of strings (`nonempty`: at least one).
fn string_or_list(nonempty: bool) -> impl Strategy<Value = Value> {
    let min = usize::from(nonempty);
    prop_oneof![
        text().prop_map(Value::String),
        prop::collection::vec(text(), min..4).prop_map(|v| json!(v)),
    ]
}

fn principal_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        1 => Just(json!("*")),
        3 => prop::collection::vec(
            (select(vec!["AWS", "Service", "Federated", "CanonicalUser"]), string_or_list(false)),
            1..4,
        )
        .prop_map(|entries| Value::Object(entries.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())),
    ]
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => text().prop_map(Value::String),
        1 => any::<bool>().prop_map(Value::Bool),
        1 => any::<i64>().prop_map(|n| json!(n)),
        1 => (-1.0e6f64..1.0e6).prop_map(|n| json!(n)),
    ]
}

fn condition_values() -> impl Strategy<Value = Value> {
    prop_oneof![
        scalar(),
        prop::collection::vec(scalar(), 0..4).prop_map(Value::Array),
    ]
}

const OPERATOR_NAMES: &[&str] = &[
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
    "Bool",
    "BinaryEquals",
    "IpAddress",
    "NotIpAddress",
    "ArnEquals",
    "ArnLike",
    "ArnNotEquals",
    "ArnNotLike",
    "Null",
];

fn operator_name() -> impl Strategy<Value = String> {
    (
        select(OPERATOR_NAMES),
        select(vec!["", "ForAllValues:", "ForAnyValue:"]),
        any::<bool>(),
    )
        .prop_map(|(base, set, if_exists)| {
            let suffix = if if_exists && base != "Null" {
                "IfExists"
            } else {
                ""
            };
            format!("{set}{base}{suffix}")
        })
}

fn condition_block() -> impl Strategy<Value = Value> {
    prop::collection::vec(
        (
            operator_name(),
            prop::collection::vec(
                (
                    select(vec![
                        "aws:SourceIp",
                        "aws:username",
                        "aws:TagKeys",
                        "aws:PrincipalTag/team",
                        "s3:prefix",
                        "aws:CurrentTime",
                    ])
                    .prop_map(str::to_owned)
                    .boxed()
                    .prop_union(text().boxed()),
                    condition_values(),
                ),
                1..3,
            ),
        ),
        1..4,
    )
    .prop_map(|ops| {
        let mut cond = Map::new();
        for (op, keys) in ops {
            let block: Map<String, Value> = keys.into_iter().collect();
            cond.insert(op, Value::Object(block));
        }
        Value::Object(cond)
    })
}

fn statement_value() -> impl Strategy<Value = Value> {
    (
        prop::option::of(prop_oneof![
            3 => text().prop_map(Value::String),
            1 => any::<u32>().prop_map(|n| json!(n)),
        ]),
        select(vec!["Allow", "Deny"]),
        prop::option::of((any::<bool>(), principal_value())),
        (any::<bool>(), string_or_list(true)),
        prop::option::of((any::<bool>(), string_or_list(true))),
        prop::option::weighted(0.6, condition_block()),
        any::<u64>(),
    )
        .prop_map(
            |(sid, effect, principal, (not_action, action), resource, condition, seed)| {
                // Elements in a seeded order: the parser must not care.
                let mut elements: Vec<(String, Value)> = Vec::new();
                if let Some(sid) = sid {
                    elements.push(("Sid".into(), sid));
                }
                elements.push(("Effect".into(), json!(effect)));
                if let Some((negated, p)) = principal {
                    let key = if negated { "NotPrincipal" } else { "Principal" };
                    elements.push((key.into(), p));
                }
                let key = if not_action { "NotAction" } else { "Action" };
                elements.push((key.into(), action));
                if let Some((negated, r)) = resource {
                    let key = if negated { "NotResource" } else { "Resource" };
                    elements.push((key.into(), r));
                }
                if let Some(c) = condition {
                    elements.push(("Condition".into(), c));
                }
                let n = elements.len();
                let rot = usize::try_from(seed % n as u64).unwrap_or(0);
                elements.rotate_left(rot);
                if seed & (1 << 32) != 0 {
                    elements.reverse();
                }
                Value::Object(elements.into_iter().collect())
            },
        )
}

fn document_value() -> impl Strategy<Value = Value> {
    (
        select(vec![None, Some("2012-10-17"), Some("2008-10-17")]),
        prop::option::of(text()),
        prop::collection::vec(statement_value(), 0..4),
        any::<bool>(),
    )
        .prop_map(|(version, id, statements, single)| {
            let mut obj = Map::new();
            if let Some(v) = version {
                obj.insert("Version".into(), json!(v));
            }
            if let Some(id) = id {
                obj.insert("Id".into(), json!(id));
            }
            let st = if single && statements.len() == 1 {
                statements.into_iter().next().unwrap()
            } else {
                Value::Array(statements)
            };
            obj.insert("Statement".into(), st);
            Value::Object(obj)
        })
}

proptest! {
    #![proptest_config(config())]

    /// Every generated document parses cleanly; printing and parsing again gives the same document with no
    /// diagnostics, printing is idempotent, and the printed text parses to the same document too.
    #[test]
    fn print_parse_round_trip(value in document_value()) {
        let (doc, diags) = PolicyDocument::from_json(&value);
        prop_assert!(diags.is_empty(), "{}: {:?}", value, diags);
        let expected_statements = match &value["Statement"] {
            Value::Array(a) => a.len(),
            _ => 1,
        };
        prop_assert_eq!(doc.statements.len(), expected_statements);

        let printed = doc.to_json();
        let (again, diags) = PolicyDocument::from_json(&printed);
        prop_assert!(diags.is_empty(), "{}: {:?}", printed, diags);
        prop_assert_eq!(&again, &doc, "printed: {}", printed);
        prop_assert_eq!(again.to_json(), printed.clone());

        let text = serde_json::to_string(&printed).unwrap();
        let (from_text, diags) = PolicyDocument::parse_text(&text).unwrap();
        prop_assert!(diags.is_empty());
        prop_assert_eq!(&from_text, &doc);
        let (from_value, diags) = PolicyDocument::parse_value(&Value::String(text)).unwrap();
        prop_assert!(diags.is_empty());
        prop_assert_eq!(&from_value, &doc);
    }
}

// ---------------------------------------------------------------------------------------------------------------
// 5. NotAction is the complement within the statement's resources
// ---------------------------------------------------------------------------------------------------------------

/// Action patterns, including ones whose wildcard spans the colon and ones in odd case.
const NOT_ACTION_PATTERNS: &[&str] = &[
    "s3:GetObject",
    "s3:Get*",
    "s3:*",
    "s3:Get?bject",
    "S3:GETOBJECT",
    "s3?GetObject",
    "*Object",
    "*:List*",
    "iam:PassRole",
    "iam:*",
    "iam:*Role*",
    "ec2:Describe*",
    "sts:AssumeRole",
    "nosuch:*",
    "*",
];

const NOT_ACTION_REQUESTS: &[&str] = &[
    "s3:GetObject",
    "s3:getobject",
    "s3:PutObject",
    "s3:ListBucket",
    "iam:PassRole",
    "iam:CreateRole",
    "ec2:DescribeInstances",
    "sts:GetSessionToken",
];

fn single_statement_policy(
    not_action: bool,
    actions: &[&str],
    resources: &[&str],
) -> PolicyDocument {
    let key = if not_action { "NotAction" } else { "Action" };
    let value = json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "Only", "Effect": "Allow", key: actions, "Resource": resources}]});
    let (doc, diags) = PolicyDocument::from_json(&value);
    assert!(diags.is_empty(), "{diags:?}");
    doc
}

fn decide(doc: &PolicyDocument, action: &str, resource: &str) -> Evaluation {
    let request = Request {
        principal: "arn:aws:iam::111122223333:user/alice".into(),
        action: action.into(),
        resource: resource.into(),
        context: Context::new(),
    };
    let set = PolicySet {
        identity_policies: vec![doc.clone()],
        ..PolicySet::default()
    };
    evaluate(&request, &set)
}

fn first_statement(doc: &PolicyDocument) -> &Statement {
    &doc.statements[0]
}

proptest! {
    #![proptest_config(config())]

    /// `{Allow, NotAction: X, Resource: R}`: for a resource in R the request is allowed exactly when X does not
    /// name the action (and exactly when `{Allow, Action: X, Resource: R}` does not allow it); for a resource
    /// outside R the statement allows nothing.
    #[test]
    fn not_action_is_the_complement_within_the_resources(
        patterns in prop::collection::vec(select(NOT_ACTION_PATTERNS), 1..4),
        resources in prop::collection::vec(select(PLAIN_RESOURCES), 1..3),
        action in select(NOT_ACTION_REQUESTS),
        resource in select(REQUEST_RESOURCES),
    ) {
        let not_doc = single_statement_policy(true, &patterns, &resources);
        let doc = single_statement_policy(false, &patterns, &resources);
        let named = patterns.iter().any(|p| ref_action_match(p, action));
        let in_r = resources.iter().any(|p| ref_resource_match(p, resource));
        let not_ev = decide(&not_doc, action, resource);
        let ev = decide(&doc, action, resource);
        if in_r {
            let expected = if named { Decision::ImplicitlyDenied } else { Decision::Allowed };
            prop_assert_eq!(not_ev.decision, expected, "{}", show(&not_ev));
            prop_assert_eq!(not_ev.matched_statements.is_empty(), named);
            prop_assert_eq!(ev.matched_statements.is_empty(), !named);
            prop_assert_eq!(
                not_ev.decision == Decision::Allowed,
                ev.decision != Decision::Allowed,
                "NotAction: {}; Action: {}", show(&not_ev), show(&ev)
            );
        } else {
            prop_assert_eq!(not_ev.decision, Decision::ImplicitlyDenied, "{}", show(&not_ev));
            prop_assert!(not_ev.matched_statements.is_empty(), "{:?}", not_ev.matched_statements);
            prop_assert_eq!(ev.decision, Decision::ImplicitlyDenied, "{}", show(&ev));
        }
    }

    /// Over the bundled catalog, a `NotAction` statement covers exactly the complement of the `Action`
    /// statement with the same patterns, and the evaluator agrees with the catalog on sampled actions.
    #[test]
    fn not_action_statement_actions_are_the_complement(
        patterns in prop::collection::vec(select(NOT_ACTION_PATTERNS), 1..4),
        samples in prop::collection::vec(any::<Index>(), 8),
    ) {
        let catalog = Catalog::bundled().unwrap();
        let not_doc = single_statement_policy(true, &patterns, &["*"]);
        let doc = single_statement_policy(false, &patterns, &["*"]);
        let not_set = pare_policy::actions::statement_actions(first_statement(&not_doc), catalog);
        let set = pare_policy::actions::statement_actions(first_statement(&doc), catalog);
        prop_assert_eq!(&not_set, &set.complement());
        prop_assert_eq!(not_set.len() + set.len(), catalog.action_count());
        prop_assert!(!not_set.intersects(&set));
        prop_assert_eq!(
            pare_policy::actions::allowed_actions(&not_doc, catalog),
            not_set.clone()
        );
        prop_assert!(matches!(first_statement(&not_doc).action, ActionClause::NotAction(_)));
        prop_assert!(matches!(
            first_statement(&not_doc).resource,
            Some(ResourceClause::Resource(_))
        ));

        let mut ids: Vec<_> = samples
            .iter()
            .filter_map(|i| catalog.action_id(i.index(catalog.action_count())))
            .collect();
        ids.extend(NOT_ACTION_REQUESTS.iter().filter_map(|a| catalog.action(a)));
        for id in ids {
            let name = catalog.action_name(id);
            let by_pattern = !patterns.iter().any(|p| ref_action_match(p, &name));
            prop_assert_eq!(not_set.contains(id), by_pattern, "{} vs {:?}", name, patterns);
            // The statement matched (the decision itself may need more, e.g. a trust or key policy).
            let ev = decide(&not_doc, &name, "arn:aws:s3:::b/k");
            prop_assert_eq!(!ev.matched_statements.is_empty(), not_set.contains(id), "{} vs {:?}", name, patterns);
        }
    }
}

/// Pattern and resource texts built from pieces that make ARN-shaped and other strings, with wildcards.
fn resource_text(wildcards: bool) -> impl Strategy<Value = String> {
    let pieces: &'static [&'static str] = if wildcards {
        &[
            "arn:",
            "aws",
            ":",
            "s3",
            "iam",
            "111122223333",
            "role/",
            "b",
            "/k",
            "*",
            "?",
            "é",
            "a*b",
            "",
        ]
    } else {
        &[
            "arn:",
            "aws",
            ":",
            "s3",
            "iam",
            "111122223333",
            "role/",
            "b",
            "/k",
            "é",
            "ab",
            "",
        ]
    };
    prop::collection::vec(select(pieces), 0..9).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(config())]

    /// A compiled `ResourcePattern` matches exactly what `resource_pattern_matches` matches, and
    /// `ResourceParts::in_account` agrees with `resource_in_account`.
    #[test]
    fn compiled_resource_patterns_match_as_the_evaluation(
        patterns in prop::collection::vec(prop_oneof![resource_text(true), select(PLAIN_RESOURCES).prop_map(str::to_owned)], 1..4),
        resource in prop_oneof![resource_text(false), select(REQUEST_RESOURCES).prop_map(str::to_owned)],
    ) {
        use pare_policy::evaluate::{
            ResourceParts, ResourcePattern, any_compiled_pattern_matches, any_resource_pattern_matches,
            resource_in_account, resource_pattern_matches,
        };
        let parts = ResourceParts::new(&resource);
        let compiled: Vec<ResourcePattern> = patterns.iter().map(|p| ResourcePattern::new(p)).collect();
        for (p, c) in patterns.iter().zip(&compiled) {
            prop_assert_eq!(c.matches(&parts), resource_pattern_matches(p, &resource), "{} vs {}", p, resource);
        }
        prop_assert_eq!(
            any_compiled_pattern_matches(&compiled, &parts),
            any_resource_pattern_matches(&patterns, &resource)
        );
        let context = Context::new();
        for account in ["111122223333", "", "other"] {
            prop_assert_eq!(parts.in_account(account, &context), resource_in_account(account, &resource, &context));
        }
    }
}

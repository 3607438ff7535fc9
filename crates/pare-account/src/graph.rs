//! The identity graph (petgraph): principals, groups, policies and the outside principals trust policies name;
//! edges with their reasons: member-of, attached, inline, boundary, can-assume (the trust policy evaluated
//! together with the caller's identity policies, conditions noted), used (CloudTrail usage) and
//! can-escalate-to (a privilege-escalation technique, added by the findings).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use pare_catalog::ActionId;
use pare_policy::document::{ActionClause, PrincipalKind as ClauseKind, PrincipalSet};
use pare_policy::{Context, Decision, Effect, PolicyDocument, evaluate};
use petgraph::Direction;
use petgraph::stable_graph::{EdgeIndex, NodeIndex, StableDiGraph};
use petgraph::visit::{EdgeRef, IntoEdgeReferences};
use serde_json::{Value, json};

use crate::effective::{AccountPermissions, PartRole, PolicySource, PrincipalPolicies};
use crate::model::{Account, GroupId, PolicyId, PrincipalId, PrincipalKind};

/// The actions that assume a role.
pub const ASSUME_ACTIONS: [&str; 3] = [
    "sts:AssumeRole",
    "sts:AssumeRoleWithWebIdentity",
    "sts:AssumeRoleWithSAML",
];

/// Condition keys that require multi-factor authentication.
const MFA_KEYS: [&str; 2] = ["aws:multifactorauthpresent", "aws:multifactorauthage"];

/// A principal outside the account that a trust policy names.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum External {
    /// `"Principal": "*"` or `{"AWS": "*"}`: anyone.
    Anyone,
    /// Another account (by ID), or an ARN in another account.
    Account(String),
    Arn(String),
    /// An AWS service (`ec2.amazonaws.com`).
    Service(String),
    /// An identity provider (OIDC/SAML provider ARN, `cognito-identity.amazonaws.com`, `accounts.google.com`).
    Federated(String),
}

impl External {
    pub fn label(&self) -> String {
        match self {
            External::Anyone => "*".to_owned(),
            External::Account(s)
            | External::Arn(s)
            | External::Service(s)
            | External::Federated(s) => s.clone(),
        }
    }
}

/// A node of the graph.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Node {
    Principal {
        id: PrincipalId,
    },
    Group {
        id: GroupId,
    },
    Policy {
        id: PolicyId,
    },
    /// An inline policy; `owner` is the principal's or group's ARN.
    InlinePolicy {
        owner: String,
        name: String,
    },
    External {
        principal: External,
    },
}

/// An edge's kind and what it carries.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EdgeKind {
    /// user → group.
    MemberOf,
    /// principal or group → managed policy.
    Attached,
    /// principal or group → its inline policy.
    Inline,
    /// principal → the managed policy that is its permissions boundary.
    Boundary,
    /// caller → role: the trust policy lets the caller in, together with the caller's own policies.
    CanAssume {
        action: String,
        /// The condition keys the decision rested on (not supplied, so AWS's missing-key rules applied).
        condition_keys: Vec<String>,
        /// Only with MFA.
        requires_mfa: bool,
        /// Whether the decision held without any condition key (`false`: only if the conditions hold).
        unconditional: bool,
    },
    /// principal → principal it can become through a privilege-escalation technique.
    CanEscalateTo { technique: String },
    /// principal → policy whose statements granted actions it used, or → a principal it acted on (a role it
    /// assumed).
    Used {
        actions: Vec<String>,
        count: u64,
        last_seen: Option<String>,
    },
}

impl EdgeKind {
    pub fn name(&self) -> &'static str {
        match self {
            EdgeKind::MemberOf => "member_of",
            EdgeKind::Attached => "attached",
            EdgeKind::Inline => "inline",
            EdgeKind::Boundary => "boundary",
            EdgeKind::CanAssume { .. } => "can_assume",
            EdgeKind::CanEscalateTo { .. } => "can_escalate_to",
            EdgeKind::Used { .. } => "used",
        }
    }
}

/// An edge: its kind and a plain-language reason.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Edge {
    #[serde(flatten)]
    pub kind: EdgeKind,
    pub reason: String,
}

/// One usage aggregate, as the CloudTrail import stores it (`pare_engine::usage`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UsageFact {
    /// The principal key: an IAM user/root ARN, or a role session ARN (`arn:aws:sts::A:assumed-role/R/s`).
    pub principal: String,
    pub action: String,
    pub resource: String,
    pub count: u64,
    pub last_seen: Option<String>,
}

/// Actions, event count and last time of one used edge.
type UsedAggregate = (BTreeSet<String>, u64, Option<String>);

/// The account as a graph.
#[derive(Debug, Clone, Default)]
pub struct AccountGraph {
    pub graph: StableDiGraph<Node, Edge>,
    principals: HashMap<PrincipalId, NodeIndex>,
    groups: HashMap<GroupId, NodeIndex>,
    policies: HashMap<PolicyId, NodeIndex>,
    externals: HashMap<External, NodeIndex>,
    /// Inline policy nodes by (owner ARN, name).
    inline: HashMap<(String, String), NodeIndex>,
    /// What each role's trust policy says about internal callers (kept by [`AccountGraph::build_structure`] for
    /// [`AccountGraph::add_trust_edges_around`]).
    role_trusts: Vec<RoleTrust>,
}

impl Account {
    /// The principal a CloudTrail usage key names: an IAM user or root ARN, a role ARN, or a role session ARN
    /// (`arn:aws:sts::A:assumed-role/Name/session`, whatever the role's path).
    pub fn principal_for_usage_key(&self, key: &str) -> Option<PrincipalId> {
        if let Some(id) = self.principal_by_arn(key) {
            return Some(id);
        }
        let mut parts = key.splitn(6, ':');
        let (Some("arn"), Some(_), Some("sts"), Some(_), Some(account), Some(resource)) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return None;
        };
        let name = resource.strip_prefix("assumed-role/")?.split('/').next()?;
        if self.account_id.as_deref() != Some(account) {
            return None;
        }
        self.principal_ids().find(|&id| {
            self.principal(id)
                .is_some_and(|p| p.kind == PrincipalKind::Role && p.name.eq_ignore_ascii_case(name))
        })
    }
}

impl AccountGraph {
    /// Builds the graph: structure from the model, can-assume from every role's trust policy evaluated with each
    /// candidate caller's policies.
    pub fn build(perms: &AccountPermissions<'_>) -> AccountGraph {
        Self::build_with(perms, false)
    }

    /// Like [`AccountGraph::build`], but every can-assume edge is decided by `pare_policy::evaluate`, without the
    /// shortcut for callers whose policies allow `sts:AssumeRole` everywhere unconditionally (the two agree;
    /// tests check it).
    pub fn build_exact(perms: &AccountPermissions<'_>) -> AccountGraph {
        Self::build_with(perms, true)
    }

    fn build_with(perms: &AccountPermissions<'_>, exact: bool) -> AccountGraph {
        let mut g = Self::structure(perms);
        g.add_trust_edges(perms, exact);
        g
    }

    /// The graph without the can-assume edges of internal callers (they need evaluations): structure and the
    /// edges from outside principals that trust policies name. Add the internal ones a view needs with
    /// [`AccountGraph::add_trust_edges_around`].
    pub fn build_structure(perms: &AccountPermissions<'_>) -> AccountGraph {
        let mut g = Self::structure(perms);
        g.role_trusts = g.add_external_trust_edges(perms);
        g
    }

    /// Adds every internal can-assume edge that [`AccountGraph::neighbourhood`]`(id, depth)` can see, evaluating
    /// only the (caller, role) pairs around the principal: the neighbourhood is then the same as on the graph
    /// [`AccountGraph::build`] makes. Add escalation edges first (the neighbourhood follows them too).
    pub fn add_trust_edges_around(
        &mut self,
        perms: &AccountPermissions<'_>,
        id: PrincipalId,
        depth: usize,
    ) {
        self.add_trust_edges_around_bounded(perms, id, depth, usize::MAX);
    }

    /// Like [`AccountGraph::add_trust_edges_around`], but stops walking once more than `limit` principals are
    /// linked to the ones walked so far (an identity in a large account that may assume thousands of roles):
    /// then only the principal's own can-assume edges are complete (every caller that may assume it, every role
    /// it may assume), and the answer is `false`. `true`: the whole neighbourhood was evaluated, exactly as
    /// with `add_trust_edges_around`.
    pub fn add_trust_edges_around_bounded(
        &mut self,
        perms: &AccountPermissions<'_>,
        id: PrincipalId,
        depth: usize,
        limit: usize,
    ) -> bool {
        let trusts = std::mem::take(&mut self.role_trusts);
        let by_role: HashMap<PrincipalId, &RoleTrust> =
            trusts.iter().map(|t| (t.role, t)).collect();
        let mut eval = TrustEvaluator::new(perms, false);
        // Which roles each caller may get into: those naming it, those trusting the account (for callers whose
        // policies allow sts:AssumeRole), those trusting everyone.
        let mut naming: HashMap<PrincipalId, Vec<&RoleTrust>> = HashMap::new();
        let mut account_wide: Vec<&RoleTrust> = Vec::new();
        let mut everyone: Vec<&RoleTrust> = Vec::new();
        for rt in &trusts {
            if rt.everyone {
                everyone.push(rt);
                continue;
            }
            for caller in rt.named.keys() {
                naming.entry(*caller).or_default().push(rt);
            }
            if rt.account {
                account_wide.push(rt);
            }
        }
        let roles_for = |p: PrincipalId, assume_callers: &[PrincipalId]| -> Vec<&RoleTrust> {
            let mut out: Vec<&RoleTrust> = everyone.clone();
            out.extend(naming.get(&p).into_iter().flatten().copied());
            if assume_callers.binary_search(&p).is_ok() {
                out.extend(account_wide.iter().copied());
            }
            out.sort_unstable_by_key(|rt| rt.role);
            out.dedup_by_key(|rt| rt.role);
            out
        };
        // A principal is expanded once, as a role (all its callers) and as a caller (all the roles it may get
        // into); a pair is evaluated when its first side is expanded, never again from the other side.
        let mut expanded: Vec<bool> = vec![false; perms.account.principals.len()];
        let is_expanded = |e: &[bool], p: PrincipalId| e.get(p.index()).copied().unwrap_or(false);
        // The same walk as `neighbourhood`: before a node's edges are read, every edge touching it is added.
        let Some(start) = self.principal_node(id) else {
            self.role_trusts = trusts;
            return true;
        };
        let mut seen: BTreeSet<NodeIndex> = BTreeSet::from([start]);
        let mut frontier = vec![start];
        for _ in 0..=depth {
            if seen.len() > limit {
                self.role_trusts = trusts;
                return false;
            }
            let mut next = Vec::new();
            for n in frontier {
                if let Some(Node::Principal { id: p }) = self.graph.node_weight(n).cloned()
                    && !is_expanded(&expanded, p)
                {
                    // As a role: its callers. As a caller: the roles that may let it in.
                    if let Some(rt) = by_role.get(&p) {
                        for (caller, session) in rt.callers(&eval.assume_callers, perms.account) {
                            if !is_expanded(&expanded, caller) {
                                self.add_internal_trust_edge(
                                    perms,
                                    &mut eval,
                                    rt,
                                    caller,
                                    session.as_deref(),
                                );
                            }
                        }
                    }
                    for rt in roles_for(p, &eval.assume_callers) {
                        if is_expanded(&expanded, rt.role) || rt.role == p {
                            continue;
                        }
                        if let Some(session) = rt.caller(p, &eval.assume_callers) {
                            self.add_internal_trust_edge(
                                perms,
                                &mut eval,
                                rt,
                                p,
                                session.as_deref(),
                            );
                        }
                    }
                    if let Some(e) = expanded.get_mut(p.index()) {
                        *e = true;
                    }
                }
                let around: Vec<(NodeIndex, bool)> = self
                    .edges_from(n)
                    .map(|(t, e)| (t, true, e))
                    .chain(self.edges_to(n).map(|(s, e)| (s, false, e)))
                    .filter(|(_, _, e)| {
                        matches!(
                            e.kind,
                            EdgeKind::CanAssume { .. } | EdgeKind::CanEscalateTo { .. }
                        )
                    })
                    .map(|(m, out, _)| (m, out))
                    .collect();
                for (m, _) in around {
                    if seen.insert(m) {
                        next.push(m);
                    }
                }
            }
            frontier = next;
        }
        if seen.len() > limit {
            self.role_trusts = trusts;
            return false;
        }
        // Principals seen but not expanded: the edges between two of them are shown too.
        let rest: Vec<PrincipalId> = seen
            .iter()
            .filter_map(|n| match self.graph.node_weight(*n) {
                Some(Node::Principal { id }) if !is_expanded(&expanded, *id) => Some(*id),
                _ => None,
            })
            .collect();
        let rest_set: BTreeSet<PrincipalId> = rest.iter().copied().collect();
        for &caller in &rest {
            for rt in roles_for(caller, &eval.assume_callers) {
                if !rest_set.contains(&rt.role) {
                    continue;
                }
                if let Some(session) = rt.caller(caller, &eval.assume_callers) {
                    self.add_internal_trust_edge(perms, &mut eval, rt, caller, session.as_deref());
                }
            }
        }
        self.role_trusts = trusts;
        true
    }

    /// Nodes and structural edges: principals, groups, policies; member-of, attached, inline, boundary.
    fn structure(perms: &AccountPermissions<'_>) -> AccountGraph {
        let acc = perms.account;
        let mut g = AccountGraph::default();
        for id in acc.principal_ids() {
            let n = g.graph.add_node(Node::Principal { id });
            g.principals.insert(id, n);
        }
        for id in acc.group_ids() {
            let n = g.graph.add_node(Node::Group { id });
            g.groups.insert(id, n);
        }
        for id in acc.policy_ids() {
            let n = g.graph.add_node(Node::Policy { id });
            g.policies.insert(id, n);
        }
        for (gid, group) in acc.group_ids().zip(&acc.groups) {
            let from = g.groups.get(&gid).copied();
            for &pid in &group.attached {
                let name = acc.policy(pid).map(|p| p.arn.clone()).unwrap_or_default();
                g.add_opt(
                    from,
                    g.policies.get(&pid).copied(),
                    EdgeKind::Attached,
                    format!("`{name}` is attached to group `{}`", group.name),
                );
            }
            for ip in &group.inline {
                let n = g.graph.add_node(Node::InlinePolicy {
                    owner: group.arn.clone(),
                    name: ip.name.clone(),
                });
                g.inline.insert((group.arn.clone(), ip.name.clone()), n);
                g.add_opt(
                    from,
                    Some(n),
                    EdgeKind::Inline,
                    format!("inline policy `{}` of group `{}`", ip.name, group.name),
                );
            }
        }
        for id in acc.principal_ids() {
            let Some(p) = acc.principal(id) else { continue };
            let from = g.principals.get(&id).copied();
            for &gid in &p.groups {
                let gname = acc.group(gid).map(|x| x.name.clone()).unwrap_or_default();
                g.add_opt(
                    from,
                    g.groups.get(&gid).copied(),
                    EdgeKind::MemberOf,
                    format!("`{}` is in group `{gname}`", p.name),
                );
            }
            for &pid in &p.attached {
                let name = acc.policy(pid).map(|x| x.arn.clone()).unwrap_or_default();
                g.add_opt(
                    from,
                    g.policies.get(&pid).copied(),
                    EdgeKind::Attached,
                    format!("`{name}` is attached to `{}`", p.name),
                );
            }
            for ip in &p.inline {
                let n = g.graph.add_node(Node::InlinePolicy {
                    owner: p.arn.clone(),
                    name: ip.name.clone(),
                });
                g.inline.insert((p.arn.clone(), ip.name.clone()), n);
                g.add_opt(
                    from,
                    Some(n),
                    EdgeKind::Inline,
                    format!("inline policy `{}` of `{}`", ip.name, p.name),
                );
            }
            if let Some(b) = p.permissions_boundary {
                let name = acc.policy(b).map(|x| x.arn.clone()).unwrap_or_default();
                g.add_opt(
                    from,
                    g.policies.get(&b).copied(),
                    EdgeKind::Boundary,
                    format!("`{name}` is the permissions boundary of `{}`", p.name),
                );
            }
        }
        g
    }

    fn add_opt(
        &mut self,
        from: Option<NodeIndex>,
        to: Option<NodeIndex>,
        kind: EdgeKind,
        reason: String,
    ) {
        if let (Some(a), Some(b)) = (from, to) {
            self.add(a, b, kind, reason);
        }
    }

    fn add(&mut self, from: NodeIndex, to: NodeIndex, kind: EdgeKind, reason: String) -> EdgeIndex {
        self.graph.add_edge(from, to, Edge { kind, reason })
    }

    fn external(&mut self, e: External) -> NodeIndex {
        if let Some(&n) = self.externals.get(&e) {
            return n;
        }
        let n = self.graph.add_node(Node::External {
            principal: e.clone(),
        });
        self.externals.insert(e, n);
        n
    }

    /// Every role's can-assume edges: outside principals, and every internal caller.
    fn add_trust_edges(&mut self, perms: &AccountPermissions<'_>, exact: bool) {
        let trusts = self.add_external_trust_edges(perms);
        let mut eval = TrustEvaluator::new(perms, exact);
        for rt in &trusts {
            let callers = rt.callers(&eval.assume_callers, perms.account);
            for (caller, session) in callers {
                self.add_internal_trust_edge(perms, &mut eval, rt, caller, session.as_deref());
            }
        }
    }

    /// The can-assume edges from outside principals (no evaluation needed) of every role, and what each role's
    /// trust policy says about callers inside the account.
    fn add_external_trust_edges(&mut self, perms: &AccountPermissions<'_>) -> Vec<RoleTrust> {
        let acc = perms.account;
        let no_rcps = acc.org_policies.levels.iter().all(|l| l.rcps.is_empty());
        let mut out = Vec::new();
        for role_id in acc.principal_ids() {
            let Some(role) = acc.principal(role_id) else {
                continue;
            };
            let Some(details) = &role.role else { continue };
            let trust = &details.trust_policy.document;
            let mut rt = RoleTrust {
                role: role_id,
                named: BTreeMap::new(),
                everyone: false,
                account: false,
                names: BTreeSet::new(),
                names_everyone: false,
                simple: false,
            };
            for st in trust
                .statements
                .iter()
                .filter(|s| s.effect == Effect::Allow)
            {
                let Some(pc) = st.principal.as_ref().filter(|pc| !pc.negated) else {
                    continue;
                };
                match &pc.principals {
                    PrincipalSet::Any => rt.names_everyone = true,
                    PrincipalSet::Named(entries) => {
                        for (k, vs) in entries {
                            if *k == ClauseKind::Aws {
                                for v in vs {
                                    if v == "*" {
                                        rt.names_everyone = true;
                                    }
                                    rt.names.insert(v.clone());
                                }
                            }
                        }
                    }
                }
            }
            let mut externals: BTreeMap<External, (BTreeSet<String>, BTreeSet<String>)> =
                BTreeMap::new();
            for st in trust
                .statements
                .iter()
                .filter(|s| s.effect == Effect::Allow)
            {
                let actions: Vec<&str> = ASSUME_ACTIONS
                    .iter()
                    .copied()
                    .filter(|a| action_clause_covers(&st.action, a))
                    .collect();
                if actions.is_empty() {
                    continue;
                }
                let Some(pc) = &st.principal else { continue };
                if pc.negated {
                    continue;
                }
                let keys: BTreeSet<String> = st.conditions.iter().map(|c| c.key.clone()).collect();
                let mut named: Vec<External> = Vec::new();
                match &pc.principals {
                    PrincipalSet::Any => {
                        named.push(External::Anyone);
                        rt.everyone = true;
                    }
                    PrincipalSet::Named(entries) => {
                        for (kind, values) in entries {
                            for v in values {
                                match kind {
                                    ClauseKind::Aws => {
                                        Self::classify_aws(acc, v, &mut rt, &mut named);
                                    }
                                    ClauseKind::Service => named.push(External::Service(v.clone())),
                                    ClauseKind::Federated => {
                                        named.push(External::Federated(v.clone()))
                                    }
                                    ClauseKind::CanonicalUser => {
                                        named.push(External::Arn(v.clone()))
                                    }
                                }
                            }
                        }
                    }
                }
                for e in named {
                    let entry = externals.entry(e).or_default();
                    entry.0.extend(actions.iter().map(|a| (*a).to_owned()));
                    entry.1.extend(keys.iter().cloned());
                }
            }
            let Some(role_node) = self.principals.get(&role_id).copied() else {
                continue;
            };
            for (e, (actions, keys)) in externals {
                let from = self.external(e.clone());
                let keys: Vec<String> = keys.into_iter().collect();
                let requires_mfa = keys
                    .iter()
                    .any(|k| MFA_KEYS.contains(&k.to_ascii_lowercase().as_str()));
                let action = actions.into_iter().collect::<Vec<_>>().join(", ");
                let reason = if keys.is_empty() {
                    format!(
                        "the trust policy of `{}` lets `{}` in ({action})",
                        role.name,
                        e.label()
                    )
                } else {
                    format!(
                        "the trust policy of `{}` lets `{}` in ({action}) when its conditions on {} hold",
                        role.name,
                        e.label(),
                        quoted_keys(&keys)
                    )
                };
                self.add(
                    from,
                    role_node,
                    EdgeKind::CanAssume {
                        action,
                        unconditional: keys.is_empty(),
                        condition_keys: keys,
                        requires_mfa,
                    },
                    reason,
                );
            }
            rt.simple = no_rcps
                && acc
                    .account_id
                    .as_deref()
                    .is_some_and(|id| trust_delegates_to_account(trust, id))
                && trust.statements.iter().all(|st| {
                    st.effect == Effect::Allow
                        && (st.conditions.is_empty()
                            || !action_clause_covers(&st.action, "sts:AssumeRole"))
                });
            out.push(rt);
        }
        out
    }

    /// The can-assume edge from an internal caller to a role, when the role's trust policy and the caller's
    /// policies evaluated together let it in (`session`: the trust policy names only this session of the caller).
    fn add_internal_trust_edge(
        &mut self,
        perms: &AccountPermissions<'_>,
        eval: &mut TrustEvaluator,
        rt: &RoleTrust,
        caller_id: PrincipalId,
        session: Option<&str>,
    ) {
        const ACTION: &str = "sts:AssumeRole";
        let acc = perms.account;
        let role_id = rt.role;
        if caller_id == role_id {
            return;
        }
        let (Some(role), Some(caller)) = (acc.principal(role_id), acc.principal(caller_id)) else {
            return;
        };
        let Some(trust) = role.role.as_ref().map(|r| &r.trust_policy.document) else {
            return;
        };
        // The root user cannot assume roles; service-linked roles are assumed by their service only.
        if caller.kind == PrincipalKind::Root {
            return;
        }
        let Some(effective) = perms.principal(caller_id) else {
            return;
        };
        let Some(role_node) = self.principals.get(&role_id).copied() else {
            return;
        };
        let Some(from) = self.principals.get(&caller_id).copied() else {
            return;
        };
        // Cheap filter: the caller's identity policies must name the action, or the trust policy must name the
        // caller itself (then its own policies need not allow it).
        let caller_arn = session.unwrap_or(&caller.arn);
        let names_caller = rt.names_everyone || rt.names.contains(caller_arn);
        debug_assert_eq!(names_caller, trust_names(trust, caller_arn));
        let allowed_somewhere = eval.assume_role.is_some_and(|a| effective.is_allowed(a));
        if !names_caller && !allowed_somewhere {
            return;
        }
        // Without the trust naming the caller, an identity statement must allow the role's ARN.
        if !names_caller {
            let assume_role = eval.assume_role;
            let Some(slot) = eval.assume_info.get_mut(caller_id.index()) else {
                return;
            };
            let info = slot.get_or_insert_with(|| AssumeInfo::of(effective, assume_role));
            let reaching: Vec<&AssumeGrant> = info
                .grants
                .iter()
                .filter(|g| g.reaches(&role.arn))
                .collect();
            if reaching.is_empty() {
                return;
            }
            // The shortcut: nothing conditional or denying on either side, so the answer is allowed.
            let unconditional: BTreeSet<&str> = reaching
                .iter()
                .filter(|g| !g.conditional)
                .map(|g| g.source.as_str())
                .collect();
            let simple = rt.simple && session.is_none() && info.unfiltered && !info.denied;
            if !eval.exact && simple && !unconditional.is_empty() {
                let mut sources: Vec<&str> = unconditional.into_iter().collect();
                sources.push("the trust policy");
                sources.sort_unstable();
                let reason = format!(
                    "`{}` can call {ACTION} on `{}`: allowed by {}",
                    caller.name,
                    role.name,
                    sources.join(", ")
                );
                let kind = EdgeKind::CanAssume {
                    action: ACTION.to_owned(),
                    condition_keys: Vec::new(),
                    requires_mfa: false,
                    unconditional: true,
                };
                self.add(from, role_node, kind, reason);
                return;
            }
        }
        let TrustEvaluator {
            cache,
            relaxed_cache,
            strict_cache,
            restricted,
            ..
        } = eval;
        // The caller's policies, restricted to sts:AssumeRole (the same decisions, without scanning every
        // statement of large managed policies).
        let policies = cache.entry(caller_id).or_insert_with(|| {
            acc.policies_for_action(caller_id, restricted)
                .unwrap_or_else(|| PrincipalPolicies {
                    set: pare_policy::PolicySet::default(),
                    identity_sources: Vec::new(),
                    boundary_sources: Vec::new(),
                    scp_sources: Vec::new(),
                    rcp_sources: Vec::new(),
                    unresolved: Vec::new(),
                })
        });
        let request = pare_policy::Request {
            principal: caller_arn.to_owned(),
            action: ACTION.to_owned(),
            resource: role.arn.clone(),
            context: Context::new(),
        };
        let mut ev = evaluate_with_trust(&request, &mut policies.set, trust);
        // Denied only because conditions on keys nobody supplied did not hold? Then allowed if they hold:
        // evaluate again with the conditions of `Allow` statements taken as met.
        let mut conditional = false;
        if ev.decision == Decision::ImplicitlyDenied
            && ev
                .depends_on
                .iter()
                .any(|d| d.statement.effect == Effect::Allow)
        {
            let set = relaxed_cache
                .entry(caller_id)
                .or_insert_with(|| map_documents(&policies.set, relax_document));
            let relaxed = evaluate_with_trust(&request, set, &relax_document(trust));
            if relaxed.decision == Decision::Allowed {
                conditional = true;
                ev.depends_on
                    .retain(|d| d.statement.effect == Effect::Allow);
            }
        }
        // Allowed, with conditions on missing keys somewhere in `Allow`s? If it is still allowed without the
        // conditional `Allow`s, the decision did not rest on them.
        if ev.decision == Decision::Allowed
            && ev
                .depends_on
                .iter()
                .any(|d| d.statement.effect == Effect::Allow)
            && evaluate_with_trust(
                &request,
                strict_cache
                    .entry(caller_id)
                    .or_insert_with(|| map_documents(&policies.set, strict_document)),
                &strict_document(trust),
            )
            .decision
                == Decision::Allowed
        {
            ev.depends_on
                .retain(|d| d.statement.effect != Effect::Allow);
        }
        let keys: Vec<String> = {
            let mut k: Vec<String> = ev.depends_on.iter().map(|d| d.key.clone()).collect();
            k.sort();
            k.dedup();
            k
        };
        let allowed = ev.decision == Decision::Allowed;
        if !allowed && !conditional {
            return;
        }
        let requires_mfa = keys
            .iter()
            .any(|k| MFA_KEYS.contains(&k.to_ascii_lowercase().as_str()));
        let via: Vec<String> = ev
            .matched_statements
            .iter()
            .filter_map(|s| match s.policy_type {
                pare_policy::PolicyType::Resource => Some("the trust policy".to_owned()),
                _ => policies.source_of(s).map(ToString::to_string),
            })
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let who = match session {
            Some(arn) => format!("a session of `{}` (`{arn}`)", caller.name),
            None => format!("`{}`", caller.name),
        };
        let mut reason = format!(
            "{who} can call {ACTION} on `{}`: allowed by {}",
            role.name,
            if via.is_empty() {
                "the trust policy".to_owned()
            } else {
                via.join(", ")
            }
        );
        if !keys.is_empty() {
            reason.push_str(&format!(
                "; {} on {}",
                if allowed {
                    "the decision rested on conditions"
                } else {
                    "only if conditions hold"
                },
                quoted_keys(&keys)
            ));
        }
        self.add(
            from,
            role_node,
            EdgeKind::CanAssume {
                action: ACTION.to_owned(),
                unconditional: allowed && keys.is_empty(),
                condition_keys: keys,
                requires_mfa,
            },
            reason,
        );
    }

    /// Sorts an `AWS` principal value into internal principals (named ones, the whole account, everyone) and
    /// outside ones.
    fn classify_aws(acc: &Account, v: &str, rt: &mut RoleTrust, named: &mut Vec<External>) {
        if v == "*" {
            named.push(External::Anyone);
            rt.everyone = true;
            return;
        }
        let account_of = |s: &str| -> Option<String> {
            if s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()) {
                return Some(s.to_owned());
            }
            let mut parts = s.split(':');
            match (
                parts.next(),
                parts.next(),
                parts.next(),
                parts.next(),
                parts.next(),
                parts.next(),
            ) {
                (Some("arn"), _, Some("iam"), _, Some(account), Some("root")) => {
                    Some(account.to_owned())
                }
                _ => None,
            }
        };
        if let Some(account) = account_of(v) {
            if acc.account_id.as_deref() == Some(account.as_str()) {
                rt.account = true;
            } else {
                named.push(External::Account(account));
            }
            return;
        }
        if let Some(id) = acc.principal_by_arn(v) {
            rt.named.insert(id, None);
        } else if let Some(id) = acc.principal_for_usage_key(v) {
            // A role session (`arn:aws:sts::A:assumed-role/Role/session`): only that session of the role.
            rt.named.entry(id).or_insert_with(|| Some(v.to_owned()));
        } else {
            named.push(External::Arn(v.to_owned()));
        }
    }

    /// Adds a can-escalate-to edge (the findings' privilege-escalation paths).
    pub fn add_escalation(
        &mut self,
        from: PrincipalId,
        to: PrincipalId,
        technique: &str,
        reason: String,
    ) -> Option<EdgeIndex> {
        let (a, b) = (*self.principals.get(&from)?, *self.principals.get(&to)?);
        Some(self.add(
            a,
            b,
            EdgeKind::CanEscalateTo {
                technique: technique.to_owned(),
            },
            reason,
        ))
    }

    /// Adds used edges from CloudTrail usage: principal → each of its policies whose `Allow` statements grant a
    /// used action, and principal → a principal it acted on (e.g. a role it assumed). Returns the usage facts
    /// whose principal is not in the account.
    pub fn add_usage(
        &mut self,
        perms: &AccountPermissions<'_>,
        usage: &[UsageFact],
    ) -> Vec<UsageFact> {
        let acc = perms.account;
        let mut unknown = Vec::new();
        // (from, to) → (actions, count, last_seen)
        let mut agg: BTreeMap<(NodeIndex, NodeIndex), UsedAggregate> = BTreeMap::new();
        for u in usage {
            let Some(pid) = acc.principal_for_usage_key(&u.principal) else {
                unknown.push(u.clone());
                continue;
            };
            let Some(from) = self.principals.get(&pid).copied() else {
                continue;
            };
            let mut targets = Vec::new();
            if let Some(target) = acc.principal_by_arn(&u.resource).filter(|&t| t != pid) {
                targets.extend(self.principals.get(&target).copied());
            }
            if let (Some(eff), Some(action)) =
                (perms.principal(pid), perms.catalog.action(&u.action))
            {
                for part in eff.parts.iter().filter(|p| p.role == PartRole::Identity) {
                    let grants = part
                        .policy
                        .statements
                        .iter()
                        .any(|s| s.effect == Effect::Allow && s.actions.contains(action));
                    if grants && let Some(n) = self.policy_node(acc, pid, &part.source) {
                        targets.push(n);
                    }
                }
            }
            for to in targets {
                let e = agg.entry((from, to)).or_default();
                e.0.insert(u.action.clone());
                e.1 += u.count;
                if u.last_seen.as_deref() > e.2.as_deref() {
                    e.2 = u.last_seen.clone();
                }
            }
        }
        for ((from, to), (actions, count, last_seen)) in agg {
            let actions: Vec<String> = actions.into_iter().collect();
            let reason = format!(
                "CloudTrail: {count} event(s) using {}{}",
                actions.join(", "),
                last_seen
                    .as_deref()
                    .map(|t| format!(", last at {t}"))
                    .unwrap_or_default()
            );
            self.add(
                from,
                to,
                EdgeKind::Used {
                    actions,
                    count,
                    last_seen,
                },
                reason,
            );
        }
        unknown
    }

    /// The node of the policy a source names, as seen from the principal.
    fn policy_node(
        &self,
        acc: &Account,
        pid: PrincipalId,
        source: &PolicySource,
    ) -> Option<NodeIndex> {
        match source {
            PolicySource::Attached { policy } | PolicySource::GroupAttached { policy, .. } => acc
                .policy_by_arn(policy)
                .and_then(|id| self.policies.get(&id).copied()),
            PolicySource::Inline { name } => {
                let owner = &acc.principal(pid)?.arn;
                self.inline_node(owner, name)
            }
            PolicySource::GroupInline { group, name } => self.inline_node(group, name),
            _ => None,
        }
    }

    fn inline_node(&self, owner: &str, name: &str) -> Option<NodeIndex> {
        self.inline
            .get(&(owner.to_owned(), name.to_owned()))
            .copied()
    }

    pub fn principal_node(&self, id: PrincipalId) -> Option<NodeIndex> {
        self.principals.get(&id).copied()
    }
    pub fn group_node(&self, id: GroupId) -> Option<NodeIndex> {
        self.groups.get(&id).copied()
    }
    pub fn policy_node_of(&self, id: PolicyId) -> Option<NodeIndex> {
        self.policies.get(&id).copied()
    }

    /// The edges of one kind leaving a node.
    pub fn edges_from(&self, n: NodeIndex) -> impl Iterator<Item = (NodeIndex, &Edge)> + '_ {
        self.graph
            .edges_directed(n, Direction::Outgoing)
            .map(|e| (e.target(), e.weight()))
    }
    pub fn edges_to(&self, n: NodeIndex) -> impl Iterator<Item = (NodeIndex, &Edge)> + '_ {
        self.graph
            .edges_directed(n, Direction::Incoming)
            .map(|e| (e.source(), e.weight()))
    }

    /// The roles a principal can assume directly.
    pub fn assumable_roles(&self, id: PrincipalId) -> Vec<(PrincipalId, &Edge)> {
        let Some(n) = self.principal_node(id) else {
            return Vec::new();
        };
        self.edges_from(n)
            .filter(|(_, e)| matches!(e.kind, EdgeKind::CanAssume { .. }))
            .filter_map(|(t, e)| match self.graph.node_weight(t) {
                Some(Node::Principal { id }) => Some((*id, e)),
                _ => None,
            })
            .collect()
    }

    /// The part of the graph around a principal: its groups and policies (and theirs), and everything reachable
    /// over can-assume, can-escalate-to and used edges in either direction, up to `depth` such hops.
    pub fn neighbourhood(&self, id: PrincipalId, depth: usize) -> BTreeSet<NodeIndex> {
        let mut seen = BTreeSet::new();
        let Some(start) = self.principal_node(id) else {
            return seen;
        };
        let mut frontier = vec![start];
        seen.insert(start);
        for _ in 0..=depth {
            let mut next = Vec::new();
            for n in frontier {
                // Structure: groups, policies and the groups' policies.
                for (t, e) in self.edges_from(n) {
                    if matches!(e.kind, EdgeKind::MemberOf) {
                        for (gt, _) in self.edges_from(t) {
                            seen.insert(gt);
                        }
                    }
                    let hop = matches!(
                        e.kind,
                        EdgeKind::CanAssume { .. } | EdgeKind::CanEscalateTo { .. }
                    );
                    if seen.insert(t) && hop {
                        next.push(t);
                    }
                }
                for (s, e) in self.edges_to(n) {
                    let hop = matches!(
                        e.kind,
                        EdgeKind::CanAssume { .. } | EdgeKind::CanEscalateTo { .. }
                    );
                    if hop && seen.insert(s) {
                        next.push(s);
                    }
                }
            }
            frontier = next;
        }
        seen
    }

    /// A node's label: ARN of principals, groups and managed policies; `owner#name` of inline policies.
    pub fn label(&self, acc: &Account, n: NodeIndex) -> String {
        match self.graph.node_weight(n) {
            Some(Node::Principal { id }) => acc
                .principal(*id)
                .map(|p| p.arn.clone())
                .unwrap_or_default(),
            Some(Node::Group { id }) => acc.group(*id).map(|g| g.arn.clone()).unwrap_or_default(),
            Some(Node::Policy { id }) => acc.policy(*id).map(|p| p.arn.clone()).unwrap_or_default(),
            Some(Node::InlinePolicy { owner, name }) => format!("{owner}#{name}"),
            Some(Node::External { principal }) => principal.label(),
            None => String::new(),
        }
    }

    fn node_type(&self, acc: &Account, n: NodeIndex) -> &'static str {
        match self.graph.node_weight(n) {
            Some(Node::Principal { id }) => {
                acc.principal(*id).map_or("principal", |p| p.kind.as_str())
            }
            Some(Node::Group { .. }) => "group",
            Some(Node::Policy { id }) => {
                if acc.policy(*id).is_some_and(|p| p.aws_managed) {
                    "aws_managed_policy"
                } else {
                    "managed_policy"
                }
            }
            Some(Node::InlinePolicy { .. }) => "inline_policy",
            Some(Node::External { .. }) => "external",
            None => "unknown",
        }
    }

    /// The subgraph on `nodes` as JSON: `{"nodes": [{"id", "type", "label"}], "edges": [{"from", "to", "kind",
    /// "reason", …}]}`, sorted for stable output.
    pub fn to_json(&self, acc: &Account, nodes: &BTreeSet<NodeIndex>) -> Value {
        let mut node_list: Vec<Value> = nodes
            .iter()
            .map(|&n| json!({"id": self.label(acc, n), "type": self.node_type(acc, n)}))
            .collect();
        node_list.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
        let mut edges: Vec<Value> = Vec::new();
        for e in (&self.graph).edge_references() {
            if !nodes.contains(&e.source()) || !nodes.contains(&e.target()) {
                continue;
            }
            let mut v = serde_json::to_value(e.weight()).unwrap_or(Value::Null);
            if let Value::Object(m) = &mut v {
                m.insert("from".into(), Value::String(self.label(acc, e.source())));
                m.insert("to".into(), Value::String(self.label(acc, e.target())));
            }
            edges.push(v);
        }
        edges.sort_by_key(|v| {
            (
                v["from"].to_string(),
                v["to"].to_string(),
                v["kind"].to_string(),
            )
        });
        json!({"nodes": node_list, "edges": edges})
    }

    /// The subgraph on `nodes` in Graphviz DOT.
    pub fn to_dot(&self, acc: &Account, nodes: &BTreeSet<NodeIndex>) -> String {
        let esc = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
        let mut out =
            String::from("digraph pare {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n");
        let mut names: Vec<(String, &'static str)> = nodes
            .iter()
            .map(|&n| (self.label(acc, n), self.node_type(acc, n)))
            .collect();
        names.sort();
        for (label, ty) in &names {
            let shape = match *ty {
                "user" | "root" => "ellipse",
                "role" => "octagon",
                "group" => "folder",
                "external" => "diamond",
                _ => "note",
            };
            out.push_str(&format!(
                "  \"{}\" [shape={shape}, tooltip=\"{ty}\"];\n",
                esc(label)
            ));
        }
        let mut lines = Vec::new();
        for e in (&self.graph).edge_references() {
            if !nodes.contains(&e.source()) || !nodes.contains(&e.target()) {
                continue;
            }
            let w = e.weight();
            let label = match &w.kind {
                EdgeKind::CanEscalateTo { technique } => format!("can_escalate_to {technique}"),
                EdgeKind::CanAssume {
                    requires_mfa: true, ..
                } => "can_assume (MFA)".to_owned(),
                EdgeKind::CanAssume {
                    unconditional: false,
                    ..
                } => "can_assume (conditions)".to_owned(),
                other => other.name().to_owned(),
            };
            lines.push(format!(
                "  \"{}\" -> \"{}\" [label=\"{}\", tooltip=\"{}\"];\n",
                esc(&self.label(acc, e.source())),
                esc(&self.label(acc, e.target())),
                esc(&label),
                esc(&w.reason)
            ));
        }
        lines.sort();
        for l in lines {
            out.push_str(&l);
        }
        out.push_str("}\n");
        out
    }
}

/// The document with every `Allow` statement's conditions taken as met (denies unchanged).
fn relax_document(doc: &PolicyDocument) -> PolicyDocument {
    let mut d = doc.clone();
    for st in d
        .statements
        .iter_mut()
        .filter(|s| s.effect == Effect::Allow)
    {
        st.conditions.clear();
    }
    d
}

/// The document without its conditional `Allow` statements.
fn strict_document(doc: &PolicyDocument) -> PolicyDocument {
    let mut d = doc.clone();
    d.statements
        .retain(|s| s.effect != Effect::Allow || s.conditions.is_empty());
    d
}

/// Evaluates with `trust` as the resource policy of `set` (put in and taken out again).
fn evaluate_with_trust(
    request: &pare_policy::Request,
    set: &mut pare_policy::PolicySet,
    trust: &PolicyDocument,
) -> pare_policy::Evaluation {
    let mut slot = Some(trust.clone());
    std::mem::swap(&mut set.resource_policy, &mut slot);
    let ev = evaluate(request, set);
    std::mem::swap(&mut set.resource_policy, &mut slot);
    ev
}

/// Every document of the set passed through `f`.
fn map_documents(
    set: &pare_policy::PolicySet,
    f: impl Fn(&PolicyDocument) -> PolicyDocument,
) -> pare_policy::PolicySet {
    pare_policy::PolicySet {
        identity_policies: set.identity_policies.iter().map(&f).collect(),
        resource_policy: set.resource_policy.as_ref().map(&f),
        permission_boundaries: set.permission_boundaries.iter().map(&f).collect(),
        service_control_policies: set
            .service_control_policies
            .iter()
            .map(|l| l.iter().map(&f).collect())
            .collect(),
        resource_control_policies: set
            .resource_control_policies
            .iter()
            .map(|l| l.iter().map(&f).collect())
            .collect(),
        session_policy: set.session_policy.as_ref().map(&f),
    }
}

/// Whether a trust policy lets the account itself (its ID or root ARN) call sts:AssumeRole, so that the account's
/// identity policies decide.
fn trust_delegates_to_account(trust: &PolicyDocument, account_id: &str) -> bool {
    trust.statements.iter().filter(|s| s.effect == Effect::Allow).any(|s| {
        action_clause_covers(&s.action, "sts:AssumeRole")
            && s.principal.as_ref().is_some_and(|pc| {
                !pc.negated
                    && matches!(&pc.principals, PrincipalSet::Named(entries) if entries.iter().any(|(k, vs)| {
                        *k == ClauseKind::Aws
                            && vs.iter().any(|v| {
                                v == account_id
                                    || (v.starts_with("arn:")
                                        && v.ends_with(":root")
                                        && v.split(':').nth(4) == Some(account_id))
                            })
                    }))
            })
    })
}

/// One identity `Allow` statement of a caller for sts:AssumeRole.
#[derive(Debug)]
struct AssumeGrant {
    resources: Vec<String>,
    not_resource: bool,
    conditional: bool,
    source: String,
}

impl AssumeGrant {
    /// Whether the statement's resources take in the role (policy variables count as yes: evaluation decides).
    fn reaches(&self, role_arn: &str) -> bool {
        let hit = self
            .resources
            .iter()
            .any(|p| p.contains("${") || pare_policy::arn::arn_matches(p, role_arn));
        hit != self.not_resource
    }
}

/// What a caller's policies say about sts:AssumeRole.
#[derive(Debug, Default)]
struct AssumeInfo {
    grants: Vec<AssumeGrant>,
    /// Some statement (identity, boundary or SCP) denies it.
    denied: bool,
    /// The boundary and every SCP level allow it on every resource with no condition.
    unfiltered: bool,
}

impl AssumeInfo {
    fn of(
        effective: &crate::effective::EffectivePermissions,
        action: Option<ActionId>,
    ) -> AssumeInfo {
        let Some(action) = action else {
            return AssumeInfo::default();
        };
        let mut info = AssumeInfo {
            unfiltered: true,
            ..AssumeInfo::default()
        };
        let mut boundary: Option<bool> = None;
        let mut scp_levels: BTreeMap<usize, bool> = BTreeMap::new();
        for part in &effective.parts {
            for st in &part.policy.statements {
                if !st.actions.contains(action) {
                    continue;
                }
                if st.effect == Effect::Deny {
                    info.denied = true;
                    continue;
                }
                let open = !st.is_conditional() && st.all_resources && !st.not_resource;
                match (&part.role, &part.source) {
                    (PartRole::Identity, source) => info.grants.push(AssumeGrant {
                        resources: st.resources.clone(),
                        not_resource: st.not_resource,
                        conditional: st.is_conditional(),
                        source: source.to_string(),
                    }),
                    (PartRole::Boundary, _) => *boundary.get_or_insert(false) |= open,
                    (PartRole::Scp, PolicySource::Scp { level, .. }) => {
                        *scp_levels.entry(*level).or_insert(false) |= open
                    }
                    (PartRole::Scp, _) => {}
                }
            }
        }
        let has_boundary = effective.parts.iter().any(|p| p.role == PartRole::Boundary);
        let scp_count = effective
            .parts
            .iter()
            .filter_map(|p| match &p.source {
                PolicySource::Scp { level, .. } => Some(*level),
                _ => None,
            })
            .collect::<BTreeSet<_>>()
            .len();
        info.unfiltered = (!has_boundary || boundary == Some(true))
            && scp_levels.len() == scp_count
            && scp_levels.values().all(|open| *open);
        info
    }
}

/// Whether an `Action`/`NotAction` clause covers an action (patterns matched case-insensitively).
fn action_clause_covers(clause: &ActionClause, action: &str) -> bool {
    let any = clause
        .patterns()
        .iter()
        .any(|p| pare_policy::pattern::glob(p, action, true));
    match clause {
        ActionClause::Action(_) => any,
        ActionClause::NotAction(_) => !any,
    }
}

/// Whether a trust policy's Allow statements name this ARN directly (or everyone), so that the caller's own
/// policies need not allow the assumption.
fn trust_names(trust: &PolicyDocument, arn: &str) -> bool {
    trust
        .statements
        .iter()
        .filter(|s| s.effect == Effect::Allow)
        .any(|s| {
            s.principal.as_ref().is_some_and(|pc| {
                !pc.negated
                    && match &pc.principals {
                        PrincipalSet::Any => true,
                        PrincipalSet::Named(entries) => entries.iter().any(|(k, vs)| {
                            *k == ClauseKind::Aws && vs.iter().any(|v| v == arn || v == "*")
                        }),
                    }
            })
        })
}

/// What a role's trust policy says about callers inside the account.
#[derive(Clone, Debug)]
struct RoleTrust {
    role: PrincipalId,
    /// Principals named by ARN, with the session ARN when only one session of a role is named.
    named: BTreeMap<PrincipalId, Option<String>>,
    /// `"*"`: everyone.
    everyone: bool,
    /// The account itself (its ID or root ARN): the callers' own policies decide.
    account: bool,
    /// The `AWS` values of the trust policy's `Allow` statements (any action), and whether one is `"*"` or a
    /// statement names everyone: a caller they name needs no grant of its own.
    names: BTreeSet<String>,
    names_everyone: bool,
    /// The trust policy delegates to the account with no condition on sts:AssumeRole and no `Deny`, and no RCPs
    /// apply: a caller with an unconditional grant reaching the role gets in without an evaluation.
    simple: bool,
}

impl RoleTrust {
    /// The internal callers worth evaluating, by id: everyone for `"*"`; for the account, the principals whose
    /// policies allow sts:AssumeRole somewhere (no other can get in through it); and the named ones.
    fn callers(
        &self,
        assume_callers: &[PrincipalId],
        acc: &Account,
    ) -> Vec<(PrincipalId, Option<String>)> {
        if self.everyone {
            return acc.principal_ids().map(|id| (id, None)).collect();
        }
        let mut out: BTreeMap<PrincipalId, Option<String>> = self.named.clone();
        if self.account {
            for &id in assume_callers {
                out.entry(id).or_insert(None);
            }
        }
        out.into_iter().collect()
    }

    /// Whether `caller` is among [`RoleTrust::callers`], and with which session.
    fn caller(
        &self,
        caller: PrincipalId,
        assume_callers: &[PrincipalId],
    ) -> Option<Option<String>> {
        if self.everyone {
            return Some(None);
        }
        if let Some(s) = self.named.get(&caller) {
            return Some(s.clone());
        }
        (self.account && assume_callers.binary_search(&caller).is_ok()).then_some(None)
    }
}

/// The caches of can-assume evaluations: each caller's policies restricted to sts:AssumeRole (managed policies
/// restricted once), with conditions relaxed or dropped, and what they say about sts:AssumeRole.
struct TrustEvaluator {
    exact: bool,
    assume_role: Option<ActionId>,
    /// The principals whose policies allow sts:AssumeRole on some resource, sorted.
    assume_callers: Vec<PrincipalId>,
    restricted: crate::effective::ActionPolicies,
    cache: HashMap<PrincipalId, PrincipalPolicies>,
    relaxed_cache: HashMap<PrincipalId, pare_policy::PolicySet>,
    strict_cache: HashMap<PrincipalId, pare_policy::PolicySet>,
    /// By principal index.
    assume_info: Vec<Option<AssumeInfo>>,
}

impl TrustEvaluator {
    fn new(perms: &AccountPermissions<'_>, exact: bool) -> Self {
        let assume_role = perms.catalog.action("sts:AssumeRole");
        let mut assume_callers: Vec<PrincipalId> = perms
            .account
            .principal_ids()
            .filter(|id| {
                assume_role.is_some_and(|a| perms.principal(*id).is_some_and(|p| p.is_allowed(a)))
            })
            .collect();
        assume_callers.sort_unstable();
        TrustEvaluator {
            exact,
            assume_role,
            assume_callers,
            restricted: crate::effective::ActionPolicies::new("sts:AssumeRole"),
            cache: HashMap::new(),
            relaxed_cache: HashMap::new(),
            strict_cache: HashMap::new(),
            assume_info: std::iter::repeat_with(|| None)
                .take(perms.account.principals.len())
                .collect(),
        }
    }
}

/// Condition keys as a sentence fragment: `` `aws:MultiFactorAuthPresent`, `sts:ExternalId` ``.
fn quoted_keys(keys: &[String]) -> String {
    keys.iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

//! Multi-hop privilege-escalation paths (assume a role → attach a policy → admin) over an abstract
//! permission oracle, built from the pathfinding.cloud techniques.
//!
//! The search works backwards from admin: level 0 is every principal that is already a full admin; level `k`
//! is every principal with a technique step to admin or to a principal of level `k - 1`. Each level only
//! looks at steps towards the previous level's new principals, so the cost is the number of principals
//! times the techniques they hold the permissions for, not the number of principal pairs. Reported paths:
//! for every principal that reaches admin, every first step (technique and target) that leads there within
//! the depth, each followed by the shortest continuation from its target.

use crate::fast_hash::FastMap;
use crate::techniques::{Gain, Technique};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Mutex;

/// What the oracle says about one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Access {
    /// Not allowed (no allow, or an explicit deny).
    Denied,
    /// Allowed whatever the request's context.
    Allowed,
    /// Allowed only when conditions hold that the oracle could not decide.
    Conditional,
}

impl Access {
    /// Allowed, with or without conditions.
    #[must_use]
    pub fn granted(self) -> bool {
        !matches!(self, Access::Denied)
    }

    /// The weaker of two grants (both needed).
    #[must_use]
    pub fn and(self, other: Access) -> Access {
        match (self, other) {
            (Access::Denied, _) | (_, Access::Denied) => Access::Denied,
            (Access::Conditional, _) | (_, Access::Conditional) => Access::Conditional,
            _ => Access::Allowed,
        }
    }
}

/// The resource of a question to the oracle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource<'a> {
    /// Some resource, whichever (the action is allowed on at least one resource).
    Any,
    /// This ARN.
    Arn(&'a str),
}

impl Resource<'_> {
    fn label(self) -> String {
        match self {
            Resource::Any => "*".to_owned(),
            Resource::Arn(a) => a.to_owned(),
        }
    }
}

/// Users or roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PrincipalKind {
    /// An IAM user.
    User,
    /// An IAM role.
    Role,
}

/// A principal as the path search sees it.
#[derive(Debug, Clone)]
pub struct PrincipalInfo {
    /// Its ARN.
    pub arn: String,
    /// User or role.
    pub kind: PrincipalKind,
    /// Indexes into [`PermissionOracle::groups`] of the groups a user is in.
    pub groups: Vec<usize>,
    /// Customer-managed policies attached to it directly (ARNs).
    pub managed_policies: Vec<String>,
    /// AWS does not let anyone change it (service-linked roles, `AWSReservedSSO_*` roles).
    pub protected: bool,
}

/// A group as the path search sees it.
#[derive(Debug, Clone)]
pub struct GroupInfo {
    /// Its ARN.
    pub arn: String,
    /// Customer-managed policies attached to it (ARNs).
    pub managed_policies: Vec<String>,
}

/// What the path search needs to know about an account. The account model implements it with the
/// policy engine; tests implement it with tables.
pub trait PermissionOracle {
    /// The users and roles.
    fn principals(&self) -> &[PrincipalInfo];
    /// The groups.
    fn groups(&self) -> &[GroupInfo];
    /// Whether principal `principal` may do `action` on `resource`, all its policies combined.
    fn allows(&self, principal: usize, action: &str, resource: Resource<'_>) -> Access;
    /// Whether a member `member` of group `group` would get `action` on `resource` from the group's own
    /// policies alone (evaluated with the member as the caller).
    fn group_allows(
        &self,
        group: usize,
        member: usize,
        action: &str,
        resource: Resource<'_>,
    ) -> Access;
    /// Whether the principal may do every action on every resource without conditions.
    fn is_full_admin(&self, principal: usize) -> bool;
    /// Whether the group's own policies allow every action on every resource.
    fn group_is_full_admin(&self, group: usize) -> bool;
    /// The roles whose trust policy might let `caller` assume them (a cheap superset: roles naming the caller,
    /// and roles trusting an account or everyone when the caller holds `sts:AssumeRole`).
    fn assume_candidates(&self, caller: usize) -> Vec<usize>;
    /// Whether `caller` may assume `role`: its trust policy evaluated together with the caller's policies.
    fn can_assume(&self, caller: usize, role: usize) -> Access;
    /// The roles whose trust policy lets the service principal (e.g. `lambda.amazonaws.com`) assume them.
    fn roles_trusting_service(&self, service: &str) -> Vec<usize>;
}

/// One permission a step uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepPermission {
    /// The action.
    pub action: String,
    /// The resource it is used on (`*` when any).
    pub resource: String,
    /// Whether the grant depends on conditions.
    pub conditional: bool,
}

/// One step of a path.
#[derive(Debug, Clone, Serialize)]
pub struct PathStep {
    /// The technique's pathfinding.cloud id.
    pub technique: String,
    /// The technique's name.
    pub technique_name: String,
    /// Who takes the step.
    pub from: String,
    /// Whose permissions it gets: a principal's ARN, or `admin`.
    pub to: String,
    /// The principal, group or policy the step changes or goes through, when it is not `to`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
    /// What the technique yields.
    pub gain: Gain,
    /// The permissions the step uses.
    pub permissions: Vec<StepPermission>,
}

/// A path from a principal to admin.
#[derive(Debug, Clone, Serialize)]
pub struct EscalationPath {
    /// The principal that can escalate.
    pub principal: String,
    /// The steps, in order; the last one ends at admin or at a full-admin principal.
    pub steps: Vec<PathStep>,
    /// Some step depends on a condition the oracle could not decide.
    pub conditional: bool,
}

impl EscalationPath {
    /// The technique ids along the path.
    pub fn techniques(&self) -> impl Iterator<Item = &str> + '_ {
        self.steps.iter().map(|s| s.technique.as_str())
    }
}

/// Search limits.
#[derive(Debug, Clone, Copy)]
pub struct SearchOptions {
    /// The most steps a path may have.
    pub max_depth: usize,
    /// The most targets listed per (principal, technique) first step; the search stops at the cap.
    pub max_targets_per_technique: usize,
}

impl Default for SearchOptions {
    fn default() -> Self {
        SearchOptions {
            max_depth: 4,
            max_targets_per_technique: 5,
        }
    }
}

/// The result of a search.
#[derive(Debug, Clone, Serialize)]
pub struct PathReport {
    /// Every path found, grouped by principal in the oracle's order.
    pub paths: Vec<EscalationPath>,
    /// For every principal that can reach admin: its ARN and the fewest steps it needs (0 = full admin).
    pub reach: Vec<(String, usize)>,
    /// Per principal ARN: how many of its techniques had more targets than `max_targets_per_technique` (the
    /// search stops looking for targets at the cap).
    pub omitted_first_steps: Vec<(String, usize)>,
}

/// Where a step leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dest {
    Admin,
    Principal(usize),
}

#[derive(Debug, Clone)]
struct Edge {
    technique: usize,
    dest: Dest,
    via: Option<String>,
    permissions: Vec<StepPermission>,
}

/// Which destinations a step search is looking for.
struct Wanted<'a> {
    admin: bool,
    principals: &'a [bool],
}

impl Wanted<'_> {
    fn principal(&self, j: usize) -> bool {
        self.principals.get(j).copied().unwrap_or(false)
    }
}

/// What the search has learnt about one principal (only ever touched by the thread working on that principal).
#[derive(Debug, Default, Clone)]
struct PrincipalState<'a> {
    /// Action → allowed on some resource.
    any: FastMap<&'a str, Access>,
    /// The roles it may try to assume.
    candidates: Option<Vec<usize>>,
    /// Which techniques it holds every permission of.
    held: Option<Vec<bool>>,
}

/// The search's shared, read-only part; every question is about one principal, whose [`PrincipalState`] is
/// passed along, so principals are searched on several threads with the same answers as on one.
struct Searcher<'a, O: PermissionOracle + Sync + ?Sized> {
    oracle: &'a O,
    techniques: &'a [Technique],
    /// The roles each service named by a technique may assume.
    service_roles: HashMap<&'static str, Vec<usize>>,
    /// Full admins, asked once.
    full: Vec<bool>,
}

fn perm(action: &str, resource: Resource<'_>, access: Access) -> StepPermission {
    StepPermission {
        action: action.to_owned(),
        resource: resource.label(),
        conditional: access == Access::Conditional,
    }
}

/// The modifying action of an empower technique (the one that is neither `sts:AssumeRole`,
/// `iam:UpdateAssumeRolePolicy` nor `iam:CreateAccessKey`).
fn modifying_action(t: &Technique) -> Option<&str> {
    t.actions().find(|a| {
        !matches!(
            *a,
            "sts:AssumeRole" | "iam:UpdateAssumeRolePolicy" | "iam:CreateAccessKey"
        )
    })
}

impl<'a, O: PermissionOracle + Sync + ?Sized> Searcher<'a, O> {
    fn new(oracle: &'a O, techniques: &'a [Technique]) -> Self {
        let n = oracle.principals().len();
        let mut service_roles = HashMap::new();
        for t in techniques {
            if let Gain::PassRole { service } | Gain::ExistingServiceRole { service } = t.gain {
                service_roles
                    .entry(service)
                    .or_insert_with(|| oracle.roles_trusting_service(service));
            }
        }
        Searcher {
            oracle,
            techniques,
            service_roles,
            full: (0..n).map(|i| oracle.is_full_admin(i)).collect(),
        }
    }

    fn any(&self, st: &mut PrincipalState<'a>, i: usize, action: &'a str) -> Access {
        if let Some(a) = st.any.get(action) {
            return *a;
        }
        let a = self.oracle.allows(i, action, Resource::Any);
        st.any.insert(action, a);
        a
    }

    /// Whether `i` holds every permission of technique `t` on some resource (the cheap pre-check), from a
    /// per-principal mask of the techniques it holds, made on first use.
    fn holds(&self, st: &mut PrincipalState<'a>, i: usize, t: usize) -> bool {
        if let Some(mask) = &st.held {
            return mask.get(t).copied().unwrap_or(false);
        }
        let techniques = self.techniques;
        let mask: Vec<bool> = techniques
            .iter()
            .map(|tech| {
                tech.required
                    .iter()
                    .all(|r| self.any(st, i, r.permission.as_str()).granted())
            })
            .collect();
        let held = mask.get(t).copied().unwrap_or(false);
        st.held = Some(mask);
        held
    }

    fn roles_trusting(&self, service: &'static str) -> &[usize] {
        self.service_roles.get(service).map_or(&[], Vec::as_slice)
    }

    fn assume_candidates(&self, st: &mut PrincipalState<'a>, i: usize) -> Vec<usize> {
        if let Some(v) = &st.candidates {
            return v.clone();
        }
        let v = self.oracle.assume_candidates(i);
        st.candidates = Some(v.clone());
        v
    }

    /// The customer-managed policies that apply to `i` (its own and its groups').
    fn policies_of(&self, i: usize) -> Vec<String> {
        let Some(p) = self.oracle.principals().get(i) else {
            return Vec::new();
        };
        let mut out = p.managed_policies.clone();
        for g in &p.groups {
            if let Some(g) = self.oracle.groups().get(*g) {
                out.extend(g.managed_policies.iter().cloned());
            }
        }
        out.sort();
        out.dedup();
        out
    }

    /// Whether group `g`'s own policies make member `i` admin-equivalent, and through which action.
    fn group_empowers(&self, g: usize, i: usize) -> Option<StepPermission> {
        let o = self.oracle;
        if o.group_is_full_admin(g) {
            return Some(StepPermission {
                action: "*".into(),
                resource: "*".into(),
                conditional: false,
            });
        }
        let user = o.principals().get(i)?.arn.as_str();
        let group = o.groups().get(g)?;
        let mut checks: Vec<(&str, &str)> = vec![
            ("iam:AttachUserPolicy", user),
            ("iam:PutUserPolicy", user),
            ("iam:AttachGroupPolicy", group.arn.as_str()),
            ("iam:PutGroupPolicy", group.arn.as_str()),
        ];
        for p in &group.managed_policies {
            checks.push(("iam:CreatePolicyVersion", p.as_str()));
        }
        checks.into_iter().find_map(|(action, arn)| {
            let a = o.group_allows(g, i, action, Resource::Arn(arn));
            a.granted().then(|| perm(action, Resource::Arn(arn), a))
        })
    }

    /// Every step from `i` towards what is wanted, at most `cap` targets per technique, and how many techniques
    /// had more.
    fn edges(
        &self,
        st: &mut PrincipalState<'a>,
        i: usize,
        wanted: &Wanted<'_>,
        cap: usize,
    ) -> (Vec<Edge>, usize) {
        let mut out = Vec::new();
        let mut omitted = 0;
        let oracle: &'a O = self.oracle;
        let Some(me) = oracle.principals().get(i) else {
            return (out, 0);
        };
        for t in 0..self.techniques.len() {
            if !self.holds(st, i, t) {
                continue;
            }
            let mut found = self.technique_edges(st, i, me, t, wanted, cap);
            if found.len() > cap {
                omitted += 1;
                found.truncate(cap);
            }
            out.extend(found);
        }
        (out, omitted)
    }

    fn check(
        &self,
        i: usize,
        action: &str,
        resource: Resource<'_>,
        perms: &mut Vec<StepPermission>,
    ) -> bool {
        let a = self.oracle.allows(i, action, resource);
        if a.granted() {
            perms.push(perm(action, resource, a));
        }
        a.granted()
    }

    /// The other permissions of a service technique, on any resource.
    fn service_perms(
        &self,
        st: &mut PrincipalState<'a>,
        i: usize,
        t: &'a Technique,
    ) -> Vec<StepPermission> {
        t.actions()
            .filter(|a| *a != "iam:PassRole")
            .map(|a| {
                let access = self.any(st, i, a);
                perm(a, Resource::Any, access)
            })
            .collect()
    }

    fn technique_edges(
        &self,
        st: &mut PrincipalState<'a>,
        i: usize,
        me: &PrincipalInfo,
        t: usize,
        wanted: &Wanted<'_>,
        cap: usize,
    ) -> Vec<Edge> {
        let techniques = self.techniques;
        let Some(tech) = techniques.get(t) else {
            return Vec::new();
        };
        let o = self.oracle;
        let principals = o.principals();
        let mut out = Vec::new();
        let edge = |dest, via: Option<String>, permissions| Edge {
            technique: t,
            dest,
            via,
            permissions,
        };
        match tech.gain {
            Gain::SelfAdmin => {
                if !wanted.admin {
                    return out;
                }
                let Some(action) = tech.actions().next() else {
                    return out;
                };
                let targets: Vec<String> = match action {
                    "iam:PutUserPolicy" | "iam:AttachUserPolicy"
                        if me.kind == PrincipalKind::User =>
                    {
                        vec![me.arn.clone()]
                    }
                    "iam:PutRolePolicy" | "iam:AttachRolePolicy"
                        if me.kind == PrincipalKind::Role && !me.protected =>
                    {
                        vec![me.arn.clone()]
                    }
                    "iam:PutGroupPolicy" | "iam:AttachGroupPolicy" => me
                        .groups
                        .iter()
                        .filter_map(|g| o.groups().get(*g).map(|g| g.arn.clone()))
                        .collect(),
                    "iam:CreatePolicyVersion" => self.policies_of(i),
                    _ => Vec::new(),
                };
                for target in targets {
                    let mut perms = Vec::new();
                    if self.check(i, action, Resource::Arn(&target), &mut perms) {
                        let via = (target != me.arn).then_some(target);
                        out.push(edge(Dest::Admin, via, perms));
                    }
                }
            }
            Gain::JoinGroup => {
                if !wanted.admin || me.kind != PrincipalKind::User {
                    return out;
                }
                for (g, group) in o.groups().iter().enumerate() {
                    if out.len() > cap {
                        break;
                    }
                    if me.groups.contains(&g) {
                        continue;
                    }
                    let mut perms = Vec::new();
                    if self.check(
                        i,
                        "iam:AddUserToGroup",
                        Resource::Arn(&group.arn),
                        &mut perms,
                    ) && let Some(p) = self.group_empowers(g, i)
                    {
                        perms.push(p);
                        out.push(edge(Dest::Admin, Some(group.arn.clone()), perms));
                    }
                }
            }
            Gain::UserCredentials => {
                for (j, target) in principals.iter().enumerate() {
                    if out.len() > cap {
                        break;
                    }
                    if j == i || target.kind != PrincipalKind::User || !wanted.principal(j) {
                        continue;
                    }
                    let mut perms = Vec::new();
                    if tech
                        .actions()
                        .all(|a| self.check(i, a, Resource::Arn(&target.arn), &mut perms))
                    {
                        out.push(edge(Dest::Principal(j), None, perms));
                    }
                }
            }
            Gain::AssumeRole => {
                for j in self.assume_candidates(st, i) {
                    if out.len() > cap {
                        break;
                    }
                    if j == i || !wanted.principal(j) {
                        continue;
                    }
                    let Some(target) = principals.get(j) else {
                        continue;
                    };
                    let access = o.can_assume(i, j);
                    if !access.granted() {
                        continue;
                    }
                    out.push(edge(
                        Dest::Principal(j),
                        None,
                        vec![perm("sts:AssumeRole", Resource::Arn(&target.arn), access)],
                    ));
                }
            }
            Gain::RewriteTrust => {
                for (j, target) in principals.iter().enumerate() {
                    if out.len() > cap {
                        break;
                    }
                    if j == i
                        || target.kind != PrincipalKind::Role
                        || target.protected
                        || !wanted.principal(j)
                    {
                        continue;
                    }
                    let mut perms = Vec::new();
                    if self.check(
                        i,
                        "iam:UpdateAssumeRolePolicy",
                        Resource::Arn(&target.arn),
                        &mut perms,
                    ) {
                        out.push(edge(Dest::Principal(j), None, perms));
                    }
                }
            }
            Gain::EmpowerRole { rewrite_trust } => {
                if !wanted.admin {
                    return out;
                }
                let Some(modify) = modifying_action(tech) else {
                    return out;
                };
                let candidates: Vec<usize> = if rewrite_trust {
                    principals
                        .iter()
                        .enumerate()
                        .filter(|(_, p)| p.kind == PrincipalKind::Role)
                        .map(|(j, _)| j)
                        .collect()
                } else {
                    self.assume_candidates(st, i)
                };
                for j in candidates {
                    if out.len() > cap {
                        break;
                    }
                    let Some(target) = principals.get(j) else {
                        continue;
                    };
                    if j == i || target.protected || self.full.get(j).copied().unwrap_or(false) {
                        continue;
                    }
                    let mut perms = Vec::new();
                    let modified = if modify == "iam:CreatePolicyVersion" {
                        self.policies_of(j)
                            .iter()
                            .any(|p| self.check(i, modify, Resource::Arn(p), &mut perms))
                    } else {
                        self.check(i, modify, Resource::Arn(&target.arn), &mut perms)
                    };
                    if !modified {
                        continue;
                    }
                    let entered = if rewrite_trust {
                        self.check(
                            i,
                            "iam:UpdateAssumeRolePolicy",
                            Resource::Arn(&target.arn),
                            &mut perms,
                        )
                    } else {
                        let assume = o.can_assume(i, j);
                        perms.push(perm("sts:AssumeRole", Resource::Arn(&target.arn), assume));
                        assume.granted()
                    };
                    if entered {
                        out.push(edge(Dest::Admin, Some(target.arn.clone()), perms));
                    }
                }
            }
            Gain::EmpowerUser => {
                if !wanted.admin {
                    return out;
                }
                for (j, target) in principals.iter().enumerate() {
                    if out.len() > cap {
                        break;
                    }
                    if j == i
                        || target.kind != PrincipalKind::User
                        || self.full.get(j).copied().unwrap_or(false)
                    {
                        continue;
                    }
                    let mut perms = Vec::new();
                    if tech
                        .actions()
                        .all(|a| self.check(i, a, Resource::Arn(&target.arn), &mut perms))
                    {
                        out.push(edge(Dest::Admin, Some(target.arn.clone()), perms));
                    }
                }
            }
            Gain::PassRole { service } => {
                let roles = self.roles_trusting(service);
                let mut others: Option<Vec<StepPermission>> = None;
                for &j in roles {
                    if out.len() > cap {
                        break;
                    }
                    if j == i || !wanted.principal(j) {
                        continue;
                    }
                    let Some(target) = principals.get(j) else {
                        continue;
                    };
                    let mut perms = Vec::new();
                    if self.check(i, "iam:PassRole", Resource::Arn(&target.arn), &mut perms) {
                        let rest = others.get_or_insert_with(|| self.service_perms(st, i, tech));
                        perms.extend(rest.iter().cloned());
                        out.push(edge(Dest::Principal(j), None, perms));
                    }
                }
            }
            Gain::ExistingServiceRole { service } => {
                let roles = self.roles_trusting(service);
                let mut others: Option<Vec<StepPermission>> = None;
                for &j in roles {
                    if out.len() > cap {
                        break;
                    }
                    if j == i || !wanted.principal(j) {
                        continue;
                    }
                    let perms = others
                        .get_or_insert_with(|| self.service_perms(st, i, tech))
                        .clone();
                    out.push(edge(Dest::Principal(j), None, perms));
                }
            }
        }
        out
    }
}

/// `f(i, state of i)` for every principal `i` with `pick(i)`, on the machine's cores (threads take blocks of
/// principals in turn), results in principal order. Each principal's state is only touched by the thread working
/// on it and the oracle's answers do not depend on the order of questions, so the results are those of one thread.
fn per_principal<'s, S: Send, R: Send>(
    states: &'s mut [S],
    pick: impl Fn(usize) -> bool + Sync,
    f: impl Fn(usize, &mut S) -> R + Sync,
) -> Vec<(usize, R)> {
    const BLOCK: usize = 128;
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .min(8);
    let run = |start: usize, block: &mut [S]| -> Vec<(usize, R)> {
        block
            .iter_mut()
            .enumerate()
            .map(|(k, st)| (start + k, st))
            .filter(|(i, _)| pick(*i))
            .map(|(i, st)| (i, f(i, st)))
            .collect()
    };
    if threads <= 1 || states.len() < 2 * BLOCK {
        return run(0, states);
    }
    let blocks: Vec<(usize, &'s mut [S])> = states
        .chunks_mut(BLOCK)
        .enumerate()
        .map(|(b, block)| (b * BLOCK, block))
        .collect();
    let queue = Mutex::new(blocks.into_iter());
    let work = || {
        let mut out = Vec::new();
        loop {
            let next = queue
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .next();
            let Some((start, block)) = next else { break };
            out.push((start, run(start, block)));
        }
        out
    };
    // The calling thread works too (its allocator arena holds the memory freed before; a new thread's is empty).
    let mut done: Vec<(usize, Vec<(usize, R)>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (1..threads).map(|_| scope.spawn(work)).collect();
        let mut out = work();
        out.extend(
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap_or_default()),
        );
        out
    });
    done.sort_unstable_by_key(|(start, _)| *start);
    done.into_iter().flat_map(|(_, r)| r).collect()
}

/// Finds every principal that can reach admin within `options.max_depth` steps, and its paths.
#[must_use]
pub fn find_paths<O: PermissionOracle + Sync + ?Sized>(
    oracle: &O,
    techniques: &[Technique],
    options: SearchOptions,
) -> PathReport {
    let principals = oracle.principals();
    let n = principals.len();
    let s = Searcher::new(oracle, techniques);
    let mut states: Vec<PrincipalState<'_>> = vec![PrincipalState::default(); n];
    // dist[i]: fewest steps to admin; next[i]: the first step of one shortest path.
    let mut dist: Vec<Option<usize>> = s.full.iter().map(|f| f.then_some(0)).collect();
    let mut next: Vec<Option<Edge>> = vec![None; n];
    let mut frontier: Vec<bool> = dist.iter().map(Option::is_some).collect();
    for level in 1..=options.max_depth {
        let wanted = Wanted {
            admin: level == 1,
            principals: &frontier,
        };
        let found: Vec<(usize, Edge)> = per_principal(
            &mut states,
            |i| dist.get(i).copied().flatten().is_none(),
            |i, st| s.edges(st, i, &wanted, 1).0.into_iter().next(),
        )
        .into_iter()
        .filter_map(|(i, e)| e.map(|e| (i, e)))
        .collect();
        if found.is_empty() {
            break;
        }
        frontier = vec![false; n];
        for (i, e) in found {
            if let Some(d) = dist.get_mut(i) {
                *d = Some(level);
            }
            if let Some(f) = frontier.get_mut(i) {
                *f = true;
            }
            if let Some(slot) = next.get_mut(i) {
                *slot = Some(e);
            }
        }
    }

    let to_step = |from: usize, e: &Edge| -> PathStep {
        let tech = techniques.get(e.technique);
        PathStep {
            technique: tech.map(|t| t.id.clone()).unwrap_or_default(),
            technique_name: tech.map(|t| t.name.clone()).unwrap_or_default(),
            from: principals
                .get(from)
                .map(|p| p.arn.clone())
                .unwrap_or_default(),
            to: match e.dest {
                Dest::Admin => "admin".to_owned(),
                Dest::Principal(j) => principals.get(j).map(|p| p.arn.clone()).unwrap_or_default(),
            },
            via: e.via.clone(),
            gain: tech.map_or(Gain::SelfAdmin, |t| t.gain),
            permissions: e.permissions.clone(),
        }
    };

    let mut report = PathReport {
        paths: Vec::new(),
        reach: Vec::new(),
        omitted_first_steps: Vec::new(),
    };
    let usable: Vec<bool> = dist
        .iter()
        .map(|d| d.is_some_and(|d| d < options.max_depth))
        .collect();
    let wanted = Wanted {
        admin: true,
        principals: &usable,
    };
    // Per principal that reaches admin in one or more steps: its paths and how many first steps hit the cap.
    let found = per_principal(
        &mut states,
        |i| dist.get(i).copied().flatten().is_some_and(|d| d > 0),
        |i, st| {
            let mut paths = Vec::new();
            let Some(me) = principals.get(i) else {
                return (paths, 0);
            };
            let (edges, omitted) = s.edges(st, i, &wanted, options.max_targets_per_technique);
            'edges: for e in edges {
                let mut steps = vec![to_step(i, &e)];
                let mut cur = e.dest;
                while let Dest::Principal(j) = cur {
                    if j == i {
                        continue 'edges;
                    }
                    let Some(Some(nx)) = next.get(j) else { break };
                    steps.push(to_step(j, nx));
                    cur = nx.dest;
                }
                if steps.len() > options.max_depth {
                    continue;
                }
                let conditional = steps
                    .iter()
                    .any(|s| s.permissions.iter().any(|p| p.conditional));
                paths.push(EscalationPath {
                    principal: me.arn.clone(),
                    steps,
                    conditional,
                });
            }
            (paths, omitted)
        },
    );
    let mut found = found.into_iter().peekable();
    for i in 0..n {
        let Some(d) = dist.get(i).copied().flatten() else {
            continue;
        };
        let Some(me) = principals.get(i) else {
            continue;
        };
        report.reach.push((me.arn.clone(), d));
        if d == 0 {
            continue;
        }
        let Some((_, (paths, omitted))) = found.next_if(|(j, _)| *j == i) else {
            continue;
        };
        if omitted > 0 {
            report.omitted_first_steps.push((me.arn.clone(), omitted));
        }
        report.paths.extend(paths);
    }
    report
}

//! Right-sizing, pure: from a principal's current policies and what it was seen doing, the least-privilege
//! policy it needs, proven never broader than today (every statement is a restriction of a statement that
//! grants it now) and proven sufficient by replaying every observed call through the engine.
//!
//! ```
//! use pare_catalog::Catalog;
//! use pare_policy::{PolicyDocument, PolicySet};
//! use pare_rightsize::{Input, ObservedCall, Options, rightsize};
//!
//! let catalog = Catalog::bundled()?;
//! let (admin, _) = PolicyDocument::parse_text(
//!     r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
//! )?;
//! let current = PolicySet { identity_policies: vec![admin], ..PolicySet::default() };
//! let observed = [ObservedCall::new("s3:ListBucket", "arn:aws:s3:::logs", 3)];
//! let out = rightsize(&Input { principal: "arn:aws:iam::111122223333:user/alice", current: &current,
//!                              observed: &observed, options: Options::default() }, catalog);
//! assert_eq!(out.replay.allowed, out.replay.total);
//! assert_eq!(out.after_actions, 1 + out.kept_not_observable.len());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod compress;
pub mod export;
pub mod rules;
pub mod scope;
mod size;

use std::collections::{BTreeMap, BTreeSet};

use pare_catalog::{ActionId, ActionSet, Catalog};
use pare_policy::actions::statement_actions;
use pare_policy::document::{ActionClause, ResourceClause};
use pare_policy::{
    Context, ContextValue, Decision, Effect, PolicyDocument, PolicySet, Request, Statement,
    evaluate,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use size::{
    INLINE_GROUP_LIMIT, INLINE_ROLE_LIMIT, INLINE_USER_LIMIT, MANAGED_LIMIT, policy_chars,
};

/// One observed successful (action, resource) of the principal, aggregated over its events.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObservedCall {
    /// `service:Action`.
    pub action: String,
    /// The resource ARN, or `*` when the event named none.
    pub resource: String,
    /// Events.
    pub count: u64,
    #[serde(default)]
    pub first_seen: Option<String>,
    #[serde(default)]
    pub last_seen: Option<String>,
    #[serde(default)]
    pub regions: Vec<String>,
    #[serde(default)]
    pub source_ips: Vec<String>,
    /// Whether the calls were made with MFA (`aws:MultiFactorAuthPresent`), when CloudTrail says.
    #[serde(default)]
    pub mfa_present: Option<bool>,
}

impl ObservedCall {
    /// A call with no time, region or address.
    pub fn new(action: &str, resource: &str, count: u64) -> ObservedCall {
        ObservedCall {
            action: action.to_owned(),
            resource: resource.to_owned(),
            count,
            first_seen: None,
            last_seen: None,
            regions: Vec::new(),
            source_ips: Vec::new(),
            mfa_present: None,
        }
    }
}

/// How far resources are generalised.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ResourceScope {
    /// The exact ARNs touched.
    #[default]
    Exact,
    /// Bucket level for S3 objects, the parent path or name prefix for others.
    Prefix,
    /// `*` wherever the current policy grants `*`.
    Any,
}

impl std::str::FromStr for ResourceScope {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "exact" => Ok(ResourceScope::Exact),
            "prefix" => Ok(ResourceScope::Prefix),
            "any" => Ok(ResourceScope::Any),
            other => Err(format!(
                "`{other}` is not a resource scope (exact, prefix, any)"
            )),
        }
    }
}

/// What kind of IAM identity the principal is (it decides the inline size limit and the attachment).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PrincipalKind {
    User,
    Group,
    Role,
    /// Root, federated, service or unknown principals: nothing to attach a policy to.
    Other,
}

impl PrincipalKind {
    /// From an IAM ARN (`…:user/…`, `…:group/…`, `…:role/…`, or an assumed-role session of a role).
    pub fn of_arn(arn: &str) -> PrincipalKind {
        let resource = arn.splitn(6, ':').nth(5).unwrap_or("");
        let service = arn.split(':').nth(2).unwrap_or("");
        match (service, resource.split('/').next().unwrap_or("")) {
            ("iam", "user") => PrincipalKind::User,
            ("iam", "group") => PrincipalKind::Group,
            ("iam", "role") | ("sts", "assumed-role") => PrincipalKind::Role,
            _ => PrincipalKind::Other,
        }
    }

    /// The IAM inline-policy size limit (characters, whitespace excluded), if it has one.
    pub fn inline_limit(self) -> Option<usize> {
        match self {
            PrincipalKind::User => Some(INLINE_USER_LIMIT),
            PrincipalKind::Group => Some(INLINE_GROUP_LIMIT),
            PrincipalKind::Role => Some(INLINE_ROLE_LIMIT),
            PrincipalKind::Other => None,
        }
    }
}

/// The principal's name (last path segment of its ARN).
pub fn principal_name(arn: &str) -> &str {
    let resource = arn.splitn(6, ':').nth(5).unwrap_or(arn);
    if let Some(rest) = resource.strip_prefix("assumed-role/") {
        return rest.split('/').next().unwrap_or(rest);
    }
    resource.rsplit('/').next().unwrap_or(resource)
}

/// Choices for one suggestion.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Options {
    pub resources: ResourceScope,
    /// Whether the trail records data events (S3 object, Lambda invoke, DynamoDB item calls). When it does
    /// not, granted data actions on resources the principal used are kept, labelled.
    pub data_events_recorded: bool,
    /// Compress action lists to wildcards (only when every matched action is in the list).
    pub compress: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            resources: ResourceScope::Exact,
            data_events_recorded: false,
            compress: true,
        }
    }
}

/// Everything a suggestion is made from.
#[derive(Clone, Copy, Debug)]
pub struct Input<'a> {
    /// The principal's ARN (a user, a role, or a group).
    pub principal: &'a str,
    /// Its current policies: identity policies (its own, its groups'), boundary, SCPs, RCPs.
    pub current: &'a PolicySet,
    /// Its successful calls in the window.
    pub observed: &'a [ObservedCall],
    pub options: Options,
}

/// A permission kept although it was not seen, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KeptAction {
    pub action: String,
    pub resources: Vec<String>,
    pub reason: String,
}

/// An observed call and why it is not allowed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DeniedCall {
    pub action: String,
    pub resource: String,
    pub count: u64,
    pub reason: String,
}

/// Every observed call replayed against the suggestion with the engine.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Replay {
    /// Events allowed (each aggregate weighs its event count).
    pub allowed: u64,
    /// Events replayed.
    pub total: u64,
    /// Distinct (action, resource) calls replayed.
    pub distinct_calls: usize,
    pub denied: Vec<DeniedCall>,
}

/// The proof that the suggestion is within the current permissions.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SubsetProof {
    /// Allow statements checked: each must be a restriction (same or fewer actions, covered resources,
    /// identical conditions) of a current Allow statement.
    pub statements_checked: usize,
    /// (action, resource) pairs of the suggestion evaluated against the current policies with the engine.
    pub pairs_checked: usize,
    /// Pairs or statements that failed: must be empty.
    pub violations: Vec<String>,
}

/// Per service: what stays, what goes, why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ServiceDiff {
    pub service: String,
    pub before: usize,
    pub after: usize,
    /// Used in the window.
    pub kept_used: Vec<String>,
    /// Kept although CloudTrail cannot show them.
    pub kept_not_observable: Vec<String>,
    pub removed: usize,
    pub why_removed: String,
}

/// The size of the suggestion against IAM's limits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SizeReport {
    /// Characters of the whole suggestion in one document, whitespace excluded.
    pub chars: usize,
    pub managed_limit: usize,
    pub inline_limit: Option<usize>,
    pub fits_inline: bool,
    /// Managed policies the suggestion is split into (1 when it fits one).
    pub managed_policies: usize,
    pub note: Option<String>,
}

/// The suggestion and its proofs.
#[derive(Clone, Debug, Serialize)]
pub struct RightSizedPolicy {
    pub principal: String,
    pub principal_kind: PrincipalKind,
    pub options: Options,
    /// The suggestion as managed policy documents (one unless it had to be split).
    pub documents: Vec<Value>,
    pub size: SizeReport,
    pub replay: Replay,
    pub subset_proof: SubsetProof,
    /// Actions the current policies name in an Allow (within boundary and SCPs), before and after.
    pub before_actions: usize,
    pub after_actions: usize,
    pub services_before: usize,
    pub services_after: usize,
    pub services_removed: Vec<String>,
    pub high_risk_removed: Vec<String>,
    pub kept_not_observable: Vec<KeptAction>,
    /// Observed calls the current policies do not allow (so the suggestion cannot either).
    pub not_granted_now: Vec<DeniedCall>,
    /// Observed actions the catalog does not know (left out).
    pub unknown_actions: Vec<String>,
    pub diff: Vec<ServiceDiff>,
    pub notes: Vec<String>,
    #[serde(skip)]
    parsed: Vec<PolicyDocument>,
}

impl RightSizedPolicy {
    /// The suggestion's documents as parsed policies.
    pub fn policies(&self) -> &[PolicyDocument] {
        &self.parsed
    }

    /// The used actions (sorted, full names).
    pub fn used_actions(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .diff
            .iter()
            .flat_map(|d| d.kept_used.iter().cloned())
            .collect();
        v.sort();
        v
    }
}

/// Where a permission in the suggestion comes from.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Origin {
    Used,
    Kept,
}

/// One (action, resource clause, conditions) the suggestion will grant, and the current statement it restricts.
#[derive(Clone, Debug)]
struct Grant {
    action: ActionId,
    resources: ResourceClause,
    source: (usize, usize),
    origin: Origin,
}

/// A current statement, located.
struct Current<'a> {
    policy_index: usize,
    statement: &'a Statement,
    actions: ActionSet,
}

/// Makes the suggestion for one principal.
pub fn rightsize(input: &Input<'_>, catalog: &Catalog) -> RightSizedPolicy {
    let principal = input.principal;
    let kind = PrincipalKind::of_arn(principal);
    let mut notes = Vec::new();
    let currents: Vec<Current<'_>> = input
        .current
        .identity_policies
        .iter()
        .enumerate()
        .flat_map(|(pi, doc)| {
            doc.statements.iter().map(move |st| Current {
                policy_index: pi,
                statement: st,
                actions: statement_actions(st, catalog),
            })
        })
        .collect();
    // Resource-based policies (key policies, trust policies) are not what is being right-sized: unless
    // given, they are taken to delegate to IAM (to grant the caller's account), so the identity policies
    // decide, as they do under a default key policy or a trust policy naming the account.
    let delegated;
    let current: &PolicySet = match (&input.current.resource_policy, delegating_policy(principal)) {
        (None, Some(doc)) => {
            delegated = PolicySet {
                resource_policy: Some(doc),
                ..input.current.clone()
            };
            notes.push(
                "resource-based policies (key, trust, bucket policies) are taken to grant the principal's account, so identity policies decide".to_owned(),
            );
            &delegated
        }
        _ => input.current,
    };
    let find = |source: (usize, usize)| {
        currents
            .iter()
            .find(|c| c.policy_index == source.0 && c.statement.index == source.1)
    };

    // 1. Each observed call: granted now? by which statement? scoped how?
    let mut grants: Vec<Grant> = Vec::new();
    let mut not_granted = Vec::new();
    let mut unknown = BTreeSet::new();
    let mut used = ActionSet::empty(catalog);
    let mut used_resources: Vec<(ActionId, String)> = Vec::new();
    let mut unrecorded_resource = BTreeSet::new();
    for call in input.observed {
        let Some(id) = catalog.action(&call.action) else {
            unknown.insert(call.action.clone());
            continue;
        };
        let name = catalog.action_name(id);
        let (allowed, ev) = decide(principal, &name, &call.resource, call, current);
        let source = ev.as_ref().and_then(|e| {
            e.matched_statements
                .iter()
                .find(|s| {
                    s.effect == Effect::Allow && s.policy_type == pare_policy::PolicyType::Identity
                })
                .map(|s| (s.policy_index, s.statement_index))
        });
        let (true, Some(source)) = (allowed, source) else {
            not_granted.push(DeniedCall {
                action: name,
                resource: call.resource.clone(),
                count: call.count,
                reason: ev.map_or_else(
                    || "not evaluated".to_owned(),
                    |e| format!("the current policies do not allow it: {}", why(&e)),
                ),
            });
            continue;
        };
        used.insert(id);
        used_resources.push((id, call.resource.clone()));
        let Some(cur) = find(source) else { continue };
        let no_resource_type = catalog
            .action_info(id)
            .is_some_and(|a| a.resource_types().is_empty());
        if call.resource == "*" && !no_resource_type {
            unrecorded_resource.insert(name.clone());
        }
        let resource = scoped(
            &call.resource,
            no_resource_type,
            input.options.resources,
            cur.statement,
        );
        grants.push(Grant {
            action: id,
            resources: ResourceClause::Resource(vec![resource]),
            source,
            origin: Origin::Used,
        });
    }
    if !unrecorded_resource.is_empty() {
        notes.push(format!(
            "CloudTrail named no resource for {} call(s) of actions that take one ({}): they are granted on `*` as today",
            unrecorded_resource.len(),
            unrecorded_resource
                .iter()
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }

    // 2. What CloudTrail cannot show, granted today and plausibly needed.
    let mut kept: BTreeMap<String, KeptAction> = BTreeMap::new();
    let mut kept_set = ActionSet::empty(catalog);
    for id in used.iter() {
        let Some(info) = catalog.action_info(id) else {
            continue;
        };
        let name = info.full_name();
        let mut deps: Vec<(String, String)> = info
            .dependent_actions()
            .map(|d| {
                (
                    d.to_owned(),
                    format!("the catalog lists it as a dependent action of `{name}` (used), which CloudTrail logs alone"),
                )
            })
            .collect();
        if rules::PASSES_A_ROLE
            .iter()
            .any(|a| a.eq_ignore_ascii_case(&name))
        {
            deps.push((
                "iam:PassRole".to_owned(),
                format!("`{name}` (used) passes a role, and CloudTrail never logs `iam:PassRole` as its own event"),
            ));
        }
        for (dep, reason) in deps {
            let Some(did) = catalog.action(&dep) else {
                continue;
            };
            if used.contains(did) || kept_set.contains(did) {
                continue;
            }
            let Some(cur) = currents
                .iter()
                .find(|c| c.statement.effect == Effect::Allow && c.actions.contains(did))
            else {
                continue;
            };
            let Some(resources) = cur.statement.resource.clone() else {
                continue;
            };
            kept_set.insert(did);
            kept.insert(
                catalog.action_name(did),
                KeptAction {
                    action: catalog.action_name(did),
                    resources: resources.patterns().to_vec(),
                    reason,
                },
            );
            grants.push(Grant {
                action: did,
                resources,
                source: (cur.policy_index, cur.statement.index),
                origin: Origin::Kept,
            });
        }
    }
    if !input.options.data_events_recorded {
        for data in rules::DATA_EVENT_ACTIONS {
            let Some(did) = catalog.action(data) else {
                continue;
            };
            if used.contains(did) || kept_set.contains(did) {
                continue;
            }
            let mut resources = BTreeSet::new();
            let mut source = None;
            for (_, r) in &used_resources {
                let Some(res) = rules::data_resource_for(data, r) else {
                    continue;
                };
                let Some(cur) = currents.iter().find(|c| {
                    c.statement.effect == Effect::Allow
                        && c.actions.contains(did)
                        && resource_within(&res, c.statement)
                }) else {
                    continue;
                };
                // One source statement per kept data action keeps the conditions unambiguous.
                match source {
                    None => source = Some((cur.policy_index, cur.statement.index)),
                    Some(s) if s != (cur.policy_index, cur.statement.index) => continue,
                    Some(_) => {}
                }
                resources.insert(res);
            }
            let Some(source) = source else { continue };
            let resources: Vec<String> = resources.into_iter().collect();
            kept_set.insert(did);
            let service = data.split(':').next().unwrap_or("");
            kept.insert(
                catalog.action_name(did),
                KeptAction {
                    action: catalog.action_name(did),
                    resources: resources.clone(),
                    reason: format!(
                        "the trail records no data events, and the principal used `{service}` on these resources"
                    ),
                },
            );
            grants.push(Grant {
                action: did,
                resources: ResourceClause::Resource(resources),
                source,
                origin: Origin::Kept,
            });
        }
    }

    // 3. Statements: per (service, origin, source conditions, resources), actions compressed.
    type ActionKey = (ActionId, Origin, (usize, usize), bool);
    let mut by_action: BTreeMap<ActionKey, BTreeSet<String>> = BTreeMap::new();
    for g in &grants {
        let negated = g.resources.is_negated();
        by_action
            .entry((g.action, g.origin.clone(), g.source, negated))
            .or_default()
            .extend(g.resources.patterns().iter().cloned());
    }
    type GroupKey = (String, Origin, (usize, usize), bool, Vec<String>);
    let mut groups: BTreeMap<GroupKey, (ActionSet, (usize, usize))> = BTreeMap::new();
    for ((id, origin, source, negated), resources) in by_action {
        let resources = minimise(resources);
        let service = catalog
            .service_of(id)
            .map(|s| s.prefix().to_owned())
            .unwrap_or_default();
        let entry = groups
            .entry((service, origin, source, negated, resources))
            .or_insert_with(|| (ActionSet::empty(catalog), source));
        entry.0.insert(id);
    }
    let mut statements = Vec::new();
    let mut sid_counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut proof = SubsetProof::default();
    for ((service, origin, _, negated, resources), (actions, source)) in &groups {
        let Some(cur) = find(*source) else { continue };
        let patterns = if input.options.compress {
            compress::compress(actions, catalog)
        } else {
            let mut v: Vec<String> = actions.iter().map(|id| catalog.action_name(id)).collect();
            v.sort();
            v
        };
        let base = format!(
            "{}{}",
            pascal(service),
            if *origin == Origin::Kept {
                "NotObservable"
            } else {
                ""
            }
        );
        let n = sid_counts.entry(base.clone()).or_insert(0);
        *n += 1;
        let sid = if *n == 1 { base } else { format!("{base}{n}") };
        let st = Statement {
            index: statements.len(),
            sid: Some(sid),
            effect: Effect::Allow,
            principal: None,
            action: ActionClause::Action(patterns.clone()),
            resource: Some(if *negated {
                ResourceClause::NotResource(resources.clone())
            } else {
                ResourceClause::Resource(resources.clone())
            }),
            conditions: cur.statement.conditions.clone(),
        };
        // Structural proof: a restriction of the current statement.
        proof.statements_checked += 1;
        let st_actions = compress::expand_all(&patterns, catalog);
        if &st_actions != actions {
            proof.violations.push(format!(
                "statement `{}`: the compressed actions are not the used ones",
                st.sid.clone().unwrap_or_default()
            ));
        }
        if !st_actions.is_subset(&cur.actions) {
            proof.violations.push(format!(
                "statement `{}` grants actions its source statement does not",
                st.sid.clone().unwrap_or_default()
            ));
        }
        if !clause_within(st.resource.as_ref(), cur.statement) {
            proof.violations.push(format!(
                "statement `{}` names resources its source statement does not cover",
                st.sid.clone().unwrap_or_default()
            ));
        }
        statements.push(st);
    }
    // Explicit denies of the current identity policies that touch the suggestion are carried over.
    let mut after = ActionSet::empty(catalog);
    for (a, _) in groups.values() {
        after.union_with(a);
    }
    let mut denies = Vec::new();
    for c in &currents {
        if c.statement.effect == Effect::Deny && c.actions.intersects(&after) {
            let mut st = c.statement.clone();
            st.sid = Some(format!(
                "CarriedDeny{}",
                if denies.is_empty() {
                    String::new()
                } else {
                    (denies.len() + 1).to_string()
                }
            ));
            denies.push(st);
        }
    }
    if !denies.is_empty() {
        notes.push(format!(
            "{} explicit Deny statement(s) of the current policies are carried over",
            denies.len()
        ));
    }
    statements.extend(denies);

    // 4. Size and split.
    let (parsed, size) = size::split(statements, kind);
    if let Some(n) = &size.note {
        notes.push(n.clone());
    }
    let documents: Vec<Value> = parsed.iter().map(PolicyDocument::to_json).collect();

    // 5. Engine proof of the subset: every used (action, resource) of the suggestion is allowed today.
    let suggestion = PolicySet {
        identity_policies: parsed.clone(),
        ..current.clone()
    };
    let allow_statements: Vec<(&Statement, ActionSet)> = parsed
        .iter()
        .flat_map(|d| d.statements.iter())
        .filter(|st| st.effect == Effect::Allow)
        .map(|st| (st, statement_actions(st, catalog)))
        .collect();
    for call in input.observed {
        let Some(id) = catalog.action(&call.action) else {
            continue;
        };
        if !used.contains(id) {
            continue;
        }
        let name = catalog.action_name(id);
        for (st, actions) in &allow_statements {
            if !actions.contains(id) {
                continue;
            }
            let Some(ResourceClause::Resource(res)) = &st.resource else {
                continue;
            };
            for r in res {
                if r != &call.resource && !pare_policy::arn::arn_matches(r, &call.resource) {
                    continue;
                }
                proof.pairs_checked += 1;
                let (ok, ev) = decide(principal, &name, r, call, current);
                if !ok {
                    proof.violations.push(format!(
                        "`{name}` on `{r}` is not allowed by the current policies: {}",
                        ev.map(|e| why(&e)).unwrap_or_default()
                    ));
                }
            }
        }
    }

    // 6. Replay every observed call against the suggestion.
    let mut replay = Replay::default();
    for call in input.observed {
        let Some(id) = catalog.action(&call.action) else {
            continue;
        };
        let name = catalog.action_name(id);
        replay.total += call.count;
        replay.distinct_calls += 1;
        let (ok, ev) = decide(principal, &name, &call.resource, call, &suggestion);
        if ok {
            replay.allowed += call.count;
        } else {
            let reason = if not_granted
                .iter()
                .any(|d| d.action == name && d.resource == call.resource)
            {
                "the current policies do not allow it either".to_owned()
            } else {
                ev.map(|e| why(&e)).unwrap_or_default()
            };
            replay.denied.push(DeniedCall {
                action: name,
                resource: call.resource.clone(),
                count: call.count,
                reason,
            });
        }
    }

    // 7. Reduction and diff.
    let before = granted_actions(input.current, catalog);
    let mut after_all = ActionSet::empty(catalog);
    for (_, actions) in &allow_statements {
        after_all.union_with(actions);
    }
    let mut removed = before.clone();
    removed.difference_with(&after_all);
    let high_risk = rules::high_risk_set(catalog);
    let mut high = removed.clone();
    high.intersect_with(&high_risk);
    let high_risk_removed: Vec<String> = high.iter().map(|id| catalog.action_name(id)).collect();
    // Per service counts, each set walked once.
    let mut per_service: BTreeMap<String, [usize; 3]> = BTreeMap::new();
    for (slot, set) in [(0, &before), (1, &after_all), (2, &removed)] {
        for id in set.iter() {
            if let Some(svc) = catalog.service_of(id) {
                let counts = per_service.entry(svc.prefix().to_owned()).or_insert([0; 3]);
                if let Some(c) = counts.get_mut(slot) {
                    *c += 1;
                }
            }
        }
    }
    let names_in = |set: &ActionSet, svc: &str| -> Vec<String> {
        set.iter()
            .filter(|id| catalog.service_of(*id).is_some_and(|s| s.prefix() == svc))
            .map(|id| catalog.action_name(id))
            .collect()
    };
    let services_before: BTreeSet<String> = per_service
        .iter()
        .filter(|(_, c)| c[0] > 0)
        .map(|(s, _)| s.clone())
        .collect();
    let services_after: BTreeSet<String> = per_service
        .iter()
        .filter(|(_, c)| c[1] > 0)
        .map(|(s, _)| s.clone())
        .collect();
    let mut diff = Vec::new();
    for (svc, [b, a, r]) in &per_service {
        let kept_used = names_in(&used, svc);
        let kept_not_observable = names_in(&kept_set, svc);
        let why_removed = if *r == 0 {
            String::new()
        } else if kept_used.is_empty() && kept_not_observable.is_empty() {
            format!("no successful `{svc}` call in the window")
        } else {
            format!("not called in the window (the other `{svc}` actions were)")
        };
        diff.push(ServiceDiff {
            service: svc.clone(),
            before: *b,
            after: *a,
            kept_used,
            kept_not_observable,
            removed: *r,
            why_removed,
        });
    }
    if !unknown.is_empty() {
        notes.push(format!(
            "{} observed action(s) are not in the catalog and were left out",
            unknown.len()
        ));
    }

    RightSizedPolicy {
        principal: principal.to_owned(),
        principal_kind: kind,
        options: input.options,
        documents,
        size,
        replay,
        subset_proof: proof,
        before_actions: before.len(),
        after_actions: after_all.len(),
        services_before: services_before.len(),
        services_after: services_after.len(),
        services_removed: services_before
            .difference(&services_after)
            .cloned()
            .collect(),
        high_risk_removed,
        kept_not_observable: kept.into_values().collect(),
        not_granted_now: not_granted,
        unknown_actions: unknown.into_iter().collect(),
        diff,
        notes,
        parsed,
    }
}

/// A resource policy granting everything to the principal's account (as a default KMS key policy does).
fn delegating_policy(principal: &str) -> Option<PolicyDocument> {
    let arn = pare_policy::arn::Arn::parse(principal)?;
    if arn.account.is_empty() {
        return None;
    }
    let root = format!("arn:{}:iam::{}:root", arn.partition, arn.account);
    let (doc, _) = PolicyDocument::from_json(&serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": root}, "Action": "*", "Resource": "*"}]
    }));
    Some(doc)
}

/// The request contexts an aggregate stands for: its regions × source addresses (at most 16), with the time
/// of its last event.
fn contexts(call: &ObservedCall) -> Vec<Context> {
    let regions: Vec<Option<&String>> = if call.regions.is_empty() {
        vec![None]
    } else {
        call.regions.iter().take(4).map(Some).collect()
    };
    let ips: Vec<Option<&String>> = {
        let v: Vec<Option<&String>> = call
            .source_ips
            .iter()
            .filter(|ip| ip.parse::<std::net::IpAddr>().is_ok())
            .take(4)
            .map(Some)
            .collect();
        if v.is_empty() { vec![None] } else { v }
    };
    let mut out = Vec::new();
    for r in &regions {
        for ip in &ips {
            let mut ctx = Context::new();
            if let Some(r) = r {
                ctx.insert("aws:RequestedRegion", ContextValue::Single((*r).clone()));
            }
            if let Some(ip) = ip {
                ctx.insert("aws:SourceIp", ContextValue::Single((*ip).clone()));
            }
            if let Some(t) = &call.last_seen {
                ctx.insert("aws:CurrentTime", ContextValue::Single(t.clone()));
            }
            if let Some(mfa) = call.mfa_present {
                ctx.insert(
                    "aws:MultiFactorAuthPresent",
                    ContextValue::Single(mfa.to_string()),
                );
            }
            out.push(ctx);
        }
    }
    out
}

/// Allowed in every context the call stands for; the first evaluation that was not (or the last one).
fn decide(
    principal: &str,
    action: &str,
    resource: &str,
    call: &ObservedCall,
    set: &PolicySet,
) -> (bool, Option<pare_policy::Evaluation>) {
    let mut last = None;
    for context in contexts(call) {
        let request = Request {
            principal: principal.to_owned(),
            action: action.to_owned(),
            resource: resource.to_owned(),
            context,
        };
        let ev = evaluate(&request, set);
        if ev.decision != Decision::Allowed {
            return (false, Some(ev));
        }
        last = Some(ev);
    }
    (last.is_some(), last)
}

fn why(ev: &pare_policy::Evaluation) -> String {
    let mut text = match ev.decision {
        Decision::Allowed => "allowed".to_owned(),
        Decision::ExplicitlyDenied => "explicitly denied".to_owned(),
        Decision::ImplicitlyDenied => "no statement allows it".to_owned(),
    };
    if !ev.blocked_by.is_empty() {
        let types: Vec<&str> = ev.blocked_by.iter().map(|t| t.as_str()).collect();
        text.push_str(&format!(" (blocked by {})", types.join(", ")));
    }
    let keys: BTreeSet<&str> = ev.depends_on.iter().map(|d| d.key.as_str()).collect();
    if !keys.is_empty() {
        text.push_str(&format!(
            "; it rests on {} which CloudTrail does not record",
            keys.into_iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    text
}

/// The broadest candidate for `resource` the source statement covers; the exact ARN otherwise (the engine
/// allowed it).
fn scoped(resource: &str, no_resource_type: bool, scope: ResourceScope, st: &Statement) -> String {
    let mut candidates: Vec<String> = Vec::new();
    if no_resource_type || scope == ResourceScope::Any {
        candidates.push("*".to_owned());
    }
    if matches!(scope, ResourceScope::Prefix | ResourceScope::Any) {
        if let Some(g) = scope::generalise(resource) {
            candidates.push(g);
        }
    }
    candidates
        .into_iter()
        .find(|c| resource_within(c, st))
        .unwrap_or_else(|| resource.to_owned())
}

/// Whether the pattern `res` is within what the statement's resource clause covers.
fn resource_within(res: &str, st: &Statement) -> bool {
    match &st.resource {
        Some(ResourceClause::Resource(ps)) => ps.iter().any(|p| scope::pattern_covers(p, res)),
        Some(ResourceClause::NotResource(ps)) => {
            !res.contains(['*', '?']) && !ps.iter().any(|p| pare_policy::arn::arn_matches(p, res))
        }
        None => false,
    }
}

fn clause_within(clause: Option<&ResourceClause>, st: &Statement) -> bool {
    match (clause, &st.resource) {
        (Some(ResourceClause::Resource(rs)), _) => rs
            .iter()
            .all(|r| resource_within(r, st) || !r.contains(['*', '?'])),
        (Some(ResourceClause::NotResource(a)), Some(ResourceClause::NotResource(b))) => a == b,
        _ => false,
    }
}

/// Drops resources another pattern of the list covers.
fn minimise(resources: BTreeSet<String>) -> Vec<String> {
    let all: Vec<String> = resources.into_iter().collect();
    // Only a pattern with a wildcard covers another one.
    let wild: Vec<&String> = all.iter().filter(|o| o.contains(['*', '?'])).collect();
    all.iter()
        .filter(|r| {
            !wild
                .iter()
                .any(|o| o != r && scope::pattern_covers(o, r) && !scope::pattern_covers(r, o))
        })
        .cloned()
        .collect()
}

/// `s3` → `S3`, `ec2-instance-connect` → `Ec2InstanceConnect`.
fn pascal(service: &str) -> String {
    service
        .split(|c: char| !c.is_ascii_alphanumeric())
        .map(|w| {
            let mut cs = w.chars();
            match cs.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + cs.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// The actions an Allow of the identity policies names, within the boundary and every SCP level, less the
/// actions an unconditional `Deny` on `*` removes.
pub fn granted_actions(set: &PolicySet, catalog: &Catalog) -> ActionSet {
    let union = |docs: &[PolicyDocument]| {
        let mut s = ActionSet::empty(catalog);
        for d in docs {
            s.union_with(&pare_policy::actions::allowed_actions(d, catalog));
        }
        s
    };
    let mut out = union(&set.identity_policies);
    if !set.permission_boundaries.is_empty() {
        out.intersect_with(&union(&set.permission_boundaries));
    }
    for level in &set.service_control_policies {
        out.intersect_with(&union(level));
    }
    for d in set
        .identity_policies
        .iter()
        .chain(set.permission_boundaries.iter())
        .chain(set.service_control_policies.iter().flatten())
    {
        for st in &d.statements {
            let everything = matches!(&st.resource, Some(ResourceClause::Resource(r)) if r.iter().any(|p| p == "*"));
            if st.effect == Effect::Deny && st.conditions.is_empty() && everything {
                out.difference_with(&statement_actions(st, catalog));
            }
        }
    }
    out
}

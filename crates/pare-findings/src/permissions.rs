//! Unused permissions (with the observation window, and "not observable" for what CloudTrail cannot see),
//! excessive permissions (admin-equivalent, sensitive actions on `*`, risk categories) and the risk score.

use crate::facts::{Observation, PrincipalFacts};
use crate::finding::{Finding, FindingKind, Severity};
use crate::paths::EscalationPath;
use crate::risk::{RiskCategory, RiskIndex};
use pare_catalog::{AccessLevel, ActionId, ActionSet, Catalog};
use serde::Serialize;
use serde_json::json;
use std::collections::{BTreeMap, HashSet};

/// Actions CloudTrail never records as themselves: permission-only actions checked inside other calls.
pub const NEVER_RECORDED: &[&str] = &["iam:PassRole", "iam:PassedToService", "s3:PassRole"];

/// Data-event actions other than S3 object actions (which are found by their `object` resource type):
/// CloudTrail records them only when the trail logs data events.
pub const DATA_EVENT_ACTIONS: &[&str] = &[
    "lambda:InvokeFunction",
    "lambda:InvokeFunctionUrl",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchGetItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "dynamodb:PartiQLSelect",
    "dynamodb:PartiQLInsert",
    "dynamodb:PartiQLUpdate",
    "dynamodb:PartiQLDelete",
    "dynamodb:GetRecords",
    "sns:Publish",
    "sqs:SendMessage",
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "kinesis:GetRecords",
    "kinesis:PutRecord",
    "kinesis:PutRecords",
    "s3-object-lambda:GetObject",
    "s3-object-lambda:PutObject",
];

/// Whether an action is a data event (S3 object-level actions and [`DATA_EVENT_ACTIONS`]).
#[must_use]
pub fn is_data_event(catalog: &Catalog, id: ActionId) -> bool {
    let Some(info) = catalog.action_info(id) else {
        return false;
    };
    if info.service_prefix() == "s3" && info.resource_types().iter().any(|r| r.name() == "object") {
        return true;
    }
    let name = info.full_name();
    DATA_EVENT_ACTIONS
        .iter()
        .any(|a| a.eq_ignore_ascii_case(&name))
}

/// The actions CloudTrail can show a principal using: those some CloudTrail event maps to (`mapped`, from the
/// usage mapping), minus [`NEVER_RECORDED`], minus data events when the trail has none.
#[must_use]
pub fn observable_actions(
    catalog: &Catalog,
    mapped: impl IntoIterator<Item = ActionId>,
    data_events: bool,
) -> ActionSet {
    let mut set = ActionSet::empty(catalog);
    for id in mapped {
        set.insert(id);
    }
    for name in NEVER_RECORDED {
        if let Some(id) = catalog.action(name) {
            set.remove(id);
        }
    }
    if !data_events {
        let ids: Vec<ActionId> = set
            .iter()
            .filter(|id| is_data_event(catalog, *id))
            .collect();
        for id in ids {
            set.remove(id);
        }
    }
    set
}

const LIST_CAP: usize = 25;

fn names(catalog: &Catalog, ids: impl Iterator<Item = ActionId>) -> (Vec<String>, usize) {
    let mut listed = Vec::new();
    let mut total = 0;
    for id in ids {
        if total < LIST_CAP {
            listed.push(catalog.action_name(id));
        }
        total += 1;
    }
    (listed, total)
}

fn used_set(catalog: &Catalog, p: &PrincipalFacts) -> ActionSet {
    let mut used = ActionSet::empty(catalog);
    for u in &p.usage {
        used.insert(u.action);
    }
    used
}

/// The unused-permissions finding of a principal: per service, the granted actions not used in the
/// observation window, and separately those CloudTrail cannot show (never "unused").
#[must_use]
pub fn unused_permissions(
    catalog: &Catalog,
    p: &PrincipalFacts,
    observation: &Observation,
    risk: &RiskIndex,
) -> Option<Finding> {
    let used = used_set(catalog, p);
    // Per service: unused observable actions, not-observable unused actions, granted count, used count.
    type ServiceTally = (Vec<ActionId>, Vec<ActionId>, usize, usize);
    let mut per_service: BTreeMap<&str, ServiceTally> = BTreeMap::new();
    for id in p.permissions.allowed.iter() {
        let Some(info) = catalog.action_info(id) else {
            continue;
        };
        let e = per_service.entry(info.service_prefix()).or_default();
        e.2 += 1;
        if used.contains(id) {
            e.3 += 1;
        } else if observation.observable.contains(id) {
            e.0.push(id);
        } else {
            e.1.push(id);
        }
    }
    let mut services = Vec::new();
    let mut unused_total = 0usize;
    let mut unused_services = Vec::new();
    let mut sensitive_unused = false;
    let mut not_observable_total = 0usize;
    for (service, (unused, not_observable, granted, used_n)) in &per_service {
        not_observable_total += not_observable.len();
        if unused.is_empty() {
            continue;
        }
        unused_total += unused.len();
        if *used_n == 0 {
            unused_services.push(*service);
        }
        sensitive_unused |= unused.iter().any(|id| {
            risk.actions(RiskCategory::PrivilegeEscalation)
                .contains(*id)
                || risk
                    .actions(RiskCategory::CredentialsExposure)
                    .contains(*id)
        });
        let (unused_names, unused_count) = names(catalog, unused.iter().copied());
        let (no_names, no_count) = names(catalog, not_observable.iter().copied());
        services.push(json!({
            "service": service,
            "granted": granted,
            "used": used_n,
            "unused": unused_count,
            "unused_actions": unused_names,
            "not_observable": no_count,
            "not_observable_actions": no_names,
            "whole_service_unused": *used_n == 0,
        }));
    }
    if unused_total == 0 {
        return None;
    }
    let severity = if sensitive_unused {
        Severity::Medium
    } else {
        Severity::Low
    };
    let window = observation.describe();
    Some(Finding::new(
        FindingKind::UnusedPermissions,
        severity,
        &p.arn,
        "",
        format!(
            "`{}`: {unused_total} granted actions unused ({} whole services) in {window}",
            p.name,
            unused_services.len()
        ),
        json!({
            "window": observation.evidence(),
            "unused_actions": unused_total,
            "unused_services": unused_services,
            "not_observable_actions": not_observable_total,
            "services": services,
        }),
        format!(
            "CloudTrail shows none of these actions being used by `{}` in {window}. Actions CloudTrail cannot show \
             (iam:PassRole, data events when the trail has none) are listed as not observable, never as unused.",
            p.name
        ),
        "Remove the unused services and actions from the principal's policies; check the window covers the \
         principal's whole cycle (monthly or quarterly jobs) before removing what it might still need."
            .to_owned(),
    ))
}

/// The admin-equivalent finding: effective `*` on `*`, or a one-step way to grant itself anything
/// (`self_paths`: its escalation paths whose single step ends at admin).
#[must_use]
pub fn admin_equivalent(p: &PrincipalFacts, self_paths: &[&EscalationPath]) -> Option<Finding> {
    let direct: Vec<&EscalationPath> = self_paths
        .iter()
        .copied()
        .filter(|x| x.steps.len() == 1 && x.steps.iter().all(|s| s.to == "admin"))
        .collect();
    if !p.permissions.full_admin && direct.is_empty() {
        return None;
    }
    let how = if p.permissions.full_admin {
        "its policies allow every action on every resource".to_owned()
    } else {
        let t: Vec<String> = direct
            .iter()
            .flat_map(|x| {
                x.steps
                    .iter()
                    .map(|s| format!("{} ({})", s.technique, s.technique_name))
            })
            .collect();
        format!("it can grant itself any permission: {}", t.join(", "))
    };
    Some(Finding::new(
        FindingKind::AdminEquivalent,
        Severity::High,
        &p.arn,
        "",
        format!("`{}` is admin-equivalent", p.name),
        json!({
            "full_admin": p.permissions.full_admin,
            "self_escalation": direct.iter().map(|x| &x.steps).collect::<Vec<_>>(),
        }),
        format!("`{}` is admin-equivalent: {how}.", p.name),
        "Keep admin to a few break-glass roles with MFA; give everyone else the services they use."
            .to_owned(),
    ))
}

/// The sensitive actions (privilege escalation, credentials and resource exposure) a principal holds on every
/// resource without conditions, per category with the first names and the count; empty for full admins. It depends
/// on the permissions only, so principals with the same permissions can share it.
#[must_use]
pub fn sensitive_facts(
    catalog: &Catalog,
    p: &PrincipalFacts,
    risk: &RiskIndex,
) -> Vec<(RiskCategory, Vec<String>, usize)> {
    let mut hits: Vec<(RiskCategory, Vec<String>, usize)> = Vec::new();
    if p.permissions.full_admin {
        return hits;
    }
    for c in [
        RiskCategory::PrivilegeEscalation,
        RiskCategory::CredentialsExposure,
        RiskCategory::ResourceExposure,
    ] {
        let actions = risk.actions(c);
        if !p.permissions.on_star.intersects(actions) {
            continue;
        }
        let mut s = p.permissions.on_star.clone();
        s.intersect_with(actions);
        let (n, total) = names(catalog, s.iter());
        hits.push((c, n, total));
    }
    hits
}

/// The sensitive-actions-on-`*` finding (privilege escalation, credentials and resource exposure actions
/// allowed on every resource without conditions), for principals that are not full admins.
#[must_use]
pub fn sensitive_on_star(
    catalog: &Catalog,
    p: &PrincipalFacts,
    risk: &RiskIndex,
) -> Option<Finding> {
    sensitive_on_star_finding(p, &sensitive_facts(catalog, p, risk))
}

/// [`sensitive_on_star`] from the principal's [`sensitive_facts`].
#[must_use]
pub fn sensitive_on_star_finding(
    p: &PrincipalFacts,
    hits: &[(RiskCategory, Vec<String>, usize)],
) -> Option<Finding> {
    if p.permissions.full_admin || hits.is_empty() {
        return None;
    }
    let severity = if hits
        .iter()
        .any(|h| h.0 == RiskCategory::PrivilegeEscalation)
    {
        Severity::High
    } else {
        Severity::Medium
    };
    let total: usize = hits.iter().map(|h| h.2).sum();
    Some(Finding::new(
        FindingKind::SensitiveActionOnStar,
        severity,
        &p.arn,
        "",
        format!("`{}` has {total} sensitive actions on every resource (`*`)", p.name),
        json!({"categories": hits.iter().map(|(c, n, t)| json!({"category": c, "count": t, "actions": n})).collect::<Vec<_>>()}),
        "These actions change permissions, expose credentials or open resources to others, and the policy allows \
         them on every resource without conditions."
            .to_owned(),
        "Scope each action to the resources it is meant for (role ARNs for iam:PassRole, specific buckets or keys), or \
         add conditions such as iam:PassedToService."
            .to_owned(),
    ))
}

/// What one risk category looks like in a set of permissions: how many actions, which on every resource and which
/// scoped (the first names of each).
#[derive(Debug, Clone)]
pub struct CategoryFacts {
    category: RiskCategory,
    all: usize,
    star_names: Vec<String>,
    star_n: usize,
    scoped_names: Vec<String>,
    scoped_n: usize,
}

/// The categories a principal's permissions hold (none for full admins, who hold all); it depends on the
/// permissions only, so principals with the same permissions can share it.
#[must_use]
pub fn category_facts(
    catalog: &Catalog,
    p: &PrincipalFacts,
    risk: &RiskIndex,
) -> Vec<CategoryFacts> {
    if p.permissions.full_admin {
        return Vec::new();
    }
    let mut out = Vec::new();
    for c in RiskCategory::ALL {
        let mut all = p.permissions.allowed.clone();
        all.intersect_with(risk.actions(c));
        if all.is_empty() {
            continue;
        }
        let mut star = all.clone();
        star.intersect_with(&p.permissions.on_star);
        let mut scoped = all.clone();
        scoped.difference_with(&star);
        let (star_names, star_n) = names(catalog, star.iter());
        let (scoped_names, scoped_n) = names(catalog, scoped.iter());
        out.push(CategoryFacts {
            category: c,
            all: all.len(),
            star_names,
            star_n,
            scoped_names,
            scoped_n,
        });
    }
    out
}

/// One finding per risk category the principal holds (not for full admins, who hold all). `escalates`: the
/// path search found a way to admin for the principal.
#[must_use]
pub fn risk_categories(
    catalog: &Catalog,
    p: &PrincipalFacts,
    risk: &RiskIndex,
    escalates: bool,
) -> Vec<Finding> {
    risk_category_findings(p, &category_facts(catalog, p, risk), escalates)
}

/// [`risk_categories`] from the principal's [`category_facts`].
#[must_use]
pub fn risk_category_findings(
    p: &PrincipalFacts,
    facts: &[CategoryFacts],
    escalates: bool,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for f in facts {
        let c = f.category;
        let on_star = f.star_n > 0;
        let severity = match c {
            RiskCategory::PrivilegeEscalation if escalates => Severity::High,
            RiskCategory::PrivilegeEscalation => {
                if on_star {
                    Severity::Medium
                } else {
                    Severity::Low
                }
            }
            RiskCategory::CredentialsExposure => {
                if on_star {
                    Severity::High
                } else {
                    Severity::Medium
                }
            }
            RiskCategory::ResourceExposure | RiskCategory::DataExfiltration => {
                if on_star {
                    Severity::Medium
                } else {
                    Severity::Low
                }
            }
            RiskCategory::InfrastructureModification => Severity::Low,
        };
        let (star_n, scoped_n) = (f.star_n, f.scoped_n);
        out.push(Finding::new(
            FindingKind::RiskCategory,
            severity,
            &p.arn,
            c.as_str(),
            format!("`{}` can do {} ({} actions)", p.name, c.label(), f.all),
            json!({"category": c, "on_star": star_n, "on_star_actions": f.star_names, "scoped": scoped_n, "scoped_actions": f.scoped_names}),
            format!(
                "All of `{}`'s policies combined allow {} actions of the {} category ({star_n} of them on every resource).",
                p.name,
                f.all,
                c.label()
            ),
            "Check each action is needed; remove or scope those that are not.".to_owned(),
        ));
    }
    out
}

/// One permission's share of a risk score (or, for infrastructure-modification actions, one service's).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Contribution {
    /// The action, or `service:*` for a service's infrastructure-modification actions together.
    pub action: String,
    /// How many actions this contribution stands for (1 for one action).
    pub actions: usize,
    /// Its risk categories.
    pub categories: Vec<RiskCategory>,
    /// The category weight (see [`risk_score`]).
    pub weight: f64,
    /// Allowed on every resource without conditions.
    pub on_star: bool,
    /// `used`, `unused`, `not-observable` or `unknown` (no CloudTrail).
    pub usage: &'static str,
    /// Its points: the contributions add up to the score.
    pub points: f64,
}

/// A principal's risk score with its contributions.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RiskScore {
    /// The principal.
    pub principal: String,
    /// 0–100.
    pub score: f64,
    /// Largest first: one per action of weight 3 or more, one per (service, scope, usage) for infrastructure
    /// modification.
    pub contributions: Vec<Contribution>,
}

/// The weight of an action's most dangerous category (0 for none; Permissions management outside the lists: 3).
fn weight(first: Option<RiskCategory>, level: Option<AccessLevel>) -> f64 {
    match first {
        Some(RiskCategory::PrivilegeEscalation) => 10.0,
        Some(RiskCategory::CredentialsExposure) => 8.0,
        Some(RiskCategory::ResourceExposure) => 6.0,
        Some(RiskCategory::DataExfiltration) => 4.0,
        Some(RiskCategory::InfrastructureModification) => 1.0,
        None if level == Some(AccessLevel::PermissionsManagement) => 3.0,
        None => 0.0,
    }
}

/// The half-saturation constant of the score: raw points equal to it give 50.
pub const SCORE_HALF: f64 = 50.0;

/// The risk score, 0–100:
///
/// * each allowed action gets `c = weight × scope × usage` where `weight` is 10 (privilege escalation), 8
///   (credentials exposure), 6 (resource exposure), 4 (data exfiltration), 3 (other Permissions management),
///   1 (infrastructure modification), 0 (reads, lists, tagging); `scope` is 1 on every resource without
///   conditions and 0.5 otherwise; `usage` is 1 when granted but unused in the window, 0.6 when CloudTrail cannot
///   observe it or there is no CloudTrail, 0.3 when used;
/// * `score = 100 × C / (C + 50)` with `C = Σ c`, and each action's points are `100 × c / (C + 50)`, so the points
///   add up to the score exactly. Infrastructure-modification actions are listed per service (their points
///   summed), the rest per action.
#[must_use]
pub fn risk_score(
    catalog: &Catalog,
    p: &PrincipalFacts,
    observation: Option<&Observation>,
    risk: &RiskIndex,
) -> RiskScore {
    let used: HashSet<ActionId> = p.usage.iter().map(|u| u.action).collect();
    // (label, actions, categories, weight, on *, usage, raw points)
    type Raw = (
        String,
        usize,
        Vec<RiskCategory>,
        f64,
        bool,
        &'static str,
        f64,
    );
    let mut raw: Vec<Raw> = Vec::new();
    let mut per_service: BTreeMap<(&str, bool, &'static str), (usize, f64)> = BTreeMap::new();
    for id in p.permissions.allowed.iter() {
        let first = risk.first_category(id);
        let info = catalog.action_info(id);
        let w = weight(first, info.map(|a| a.access_level()));
        if w == 0.0 {
            continue;
        }
        let on_star = p.permissions.on_star.contains(id);
        let scope = if on_star { 1.0 } else { 0.5 };
        let (usage, factor) = match observation {
            None => ("unknown", 0.6),
            Some(_) if used.contains(&id) => ("used", 0.3),
            Some(o) if o.observable.contains(id) => ("unused", 1.0),
            Some(_) => ("not-observable", 0.6),
        };
        let c = w * scope * factor;
        if first == Some(RiskCategory::InfrastructureModification) {
            let service = info.map_or("?", |a| a.service_prefix());
            let e = per_service.entry((service, on_star, usage)).or_default();
            e.0 += 1;
            e.1 += c;
        } else {
            raw.push((
                catalog.action_name(id),
                1,
                risk.categories(id),
                w,
                on_star,
                usage,
                c,
            ));
        }
    }
    for ((service, on_star, usage), (n, c)) in per_service {
        raw.push((
            format!("{service}:*"),
            n,
            vec![RiskCategory::InfrastructureModification],
            1.0,
            on_star,
            usage,
            c,
        ));
    }
    let total: f64 = raw.iter().map(|r| r.6).sum();
    let denominator = total + SCORE_HALF;
    let mut contributions: Vec<Contribution> = raw
        .into_iter()
        .map(
            |(action, actions, categories, weight, on_star, usage, c)| Contribution {
                action,
                actions,
                categories,
                weight,
                on_star,
                usage,
                points: 100.0 * c / denominator,
            },
        )
        .collect();
    contributions.sort_by(|a, b| {
        b.points
            .total_cmp(&a.points)
            .then_with(|| a.action.cmp(&b.action))
    });
    RiskScore {
        principal: p.arn.clone(),
        score: 100.0 * total / denominator,
        contributions,
    }
}

/// [`risk_score`] of every principal, in order. Principals with the same permissions and the same used actions get
/// the same contributions, so each distinct combination is scored once (on the machine's cores) and copied.
#[must_use]
pub fn risk_scores(
    catalog: &Catalog,
    principals: &[PrincipalFacts],
    observation: Option<&Observation>,
    risk: &RiskIndex,
) -> Vec<RiskScore> {
    type Key<'a> = (&'a ActionSet, &'a ActionSet, Vec<ActionId>);
    let mut index: crate::fast_hash::FastMap<Key<'_>, usize> = crate::fast_hash::FastMap::default();
    let mut representatives: Vec<&PrincipalFacts> = Vec::new();
    let group: Vec<usize> = principals
        .iter()
        .map(|p| {
            let mut used: Vec<ActionId> = if observation.is_some() {
                p.usage.iter().map(|u| u.action).collect()
            } else {
                Vec::new()
            };
            used.sort_unstable();
            used.dedup();
            let key = (&p.permissions.allowed, &p.permissions.on_star, used);
            *index.entry(key).or_insert_with(|| {
                representatives.push(p);
                representatives.len() - 1
            })
        })
        .collect();
    let scored = crate::parallel_map(&representatives, |p| {
        risk_score(catalog, p, observation, risk)
    });
    principals
        .iter()
        .zip(group)
        .filter_map(|(p, g)| {
            scored.get(g).map(|s| RiskScore {
                principal: p.arn.clone(),
                score: s.score,
                contributions: s.contributions.clone(),
            })
        })
        .collect()
}

//! Access-review findings, privilege-escalation paths and explainable risk scores, pure.
//!
//! No IO, no async, no SQL: the account model and CloudTrail usage come in as data ([`facts`]) or through
//! the [`paths::PermissionOracle`] trait; findings, paths and scores go out as data.

pub mod account;
pub mod escalation;
pub mod facts;
mod fast_hash;
pub mod finding;
pub mod identity;
pub mod paths;
pub mod permissions;
pub mod risk;
pub mod root;
pub mod techniques;
pub mod trail_changes;
pub mod trust;

pub use facts::{Observation, PrincipalFacts, RootEvent, RootFacts, Thresholds};
pub use finding::{Finding, FindingKind, Severity};
pub use paths::{
    Access, EscalationPath, PathReport, PermissionOracle, PrincipalInfo, PrincipalKind, Resource,
    SearchOptions, find_paths,
};
pub use permissions::{RiskScore, observable_actions, risk_score, risk_scores};
pub use risk::{RiskCategory, RiskIndex};
pub use techniques::{Gain, Technique};

use chrono::{DateTime, Utc};
use pare_catalog::Catalog;

/// The whole account as the rules see it.
#[derive(Debug, Clone)]
pub struct AccountFacts {
    /// The account id.
    pub account_id: String,
    /// Other accounts that are known (trusted partners, the organisation's accounts).
    pub known_accounts: Vec<String>,
    /// Users and roles.
    pub principals: Vec<PrincipalFacts>,
    /// The root users: the account's, and any other account's whose root appears in the trail.
    pub roots: Vec<RootFacts>,
    /// The CloudTrail observation, when usage was imported.
    pub observation: Option<Observation>,
    /// The time of the review (the snapshot's time).
    pub now: DateTime<Utc>,
}

/// Every finding for the account, sorted by severity (worst first), then principal, kind and id.
#[must_use]
pub fn analyze(
    catalog: &Catalog,
    risk: &RiskIndex,
    account: &AccountFacts,
    paths: &PathReport,
    thresholds: Thresholds,
) -> Vec<Finding> {
    let mut out = escalation::path_findings(paths);
    let known = |a: &str| account.known_accounts.iter().any(|k| k == a);
    let mut by_principal: std::collections::HashMap<&str, Vec<&EscalationPath>> =
        std::collections::HashMap::new();
    for x in &paths.paths {
        by_principal
            .entry(x.principal.as_str())
            .or_default()
            .push(x);
    }
    // The risk categories depend on the permissions only: computed once per distinct set of permissions.
    let mut groups: fast_hash::FastMap<
        (&pare_catalog::ActionSet, &pare_catalog::ActionSet),
        usize,
    > = fast_hash::FastMap::default();
    let mut representatives: Vec<&PrincipalFacts> = Vec::new();
    let group_of: Vec<(&PrincipalFacts, usize)> = account
        .principals
        .iter()
        .map(|p| {
            let g = *groups
                .entry((&p.permissions.allowed, &p.permissions.on_star))
                .or_insert_with(|| {
                    representatives.push(p);
                    representatives.len() - 1
                });
            (p, g)
        })
        .collect();
    // So do the sensitive actions on `*`.
    let categories = parallel_map(&representatives, |p| {
        (
            permissions::category_facts(catalog, p, risk),
            permissions::sensitive_facts(catalog, p, risk),
        )
    });
    let rules = |&(p, group): &(&PrincipalFacts, usize)| -> Vec<Finding> {
        let mut out = Vec::new();
        let own_paths: &[&EscalationPath] =
            by_principal.get(p.arn.as_str()).map_or(&[], Vec::as_slice);
        out.extend(identity::unused_identity(
            p,
            account.observation.as_ref(),
            account.now,
            thresholds,
            risk,
        ));
        out.extend(identity::credential_findings(p, account.now, thresholds));
        if let Some(o) = &account.observation {
            out.extend(permissions::unused_permissions(catalog, p, o, risk));
        }
        out.extend(permissions::admin_equivalent(p, own_paths));
        let (facts, sensitive) = match categories.get(group) {
            Some((f, s)) => (
                std::borrow::Cow::Borrowed(f.as_slice()),
                std::borrow::Cow::Borrowed(s.as_slice()),
            ),
            None => (
                std::borrow::Cow::Owned(permissions::category_facts(catalog, p, risk)),
                std::borrow::Cow::Owned(permissions::sensitive_facts(catalog, p, risk)),
            ),
        };
        out.extend(permissions::sensitive_on_star_finding(p, &sensitive));
        out.extend(permissions::risk_category_findings(
            p,
            &facts,
            !own_paths.is_empty(),
        ));
        out.extend(trust::trust_findings(p, &account.account_id, &known));
        out
    };
    out.extend(parallel_map(&group_of, rules).into_iter().flatten());
    for root in &account.roots {
        out.extend(root::root_findings(root));
    }
    sort(&mut out);
    out
}

/// `f` over `items` on the machine's cores (scoped threads, contiguous chunks), results in item order.
pub fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    pare_account::parallel::parallel_map(items, f)
}

/// Worst first, then principal, kind, id.
pub fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.principal.cmp(&b.principal))
            .then_with(|| a.kind.cmp(&b.kind))
            .then_with(|| a.id.cmp(&b.id))
    });
}

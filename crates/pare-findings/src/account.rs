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
use crate::paths::{Access, GroupInfo, PermissionOracle, PrincipalInfo, PrincipalKind, Resource};
use chrono::{DateTime, Utc};
use pare_account::credential_report::Field;
use pare_account::{
    Account, AccountPermissions, CredentialRow, PrincipalId, PrincipalKind as ModelKind,
};
use pare_catalog::{ActionSet, Catalog};
use pare_policy::actions::statement_actions;
use pare_policy::document::{PrincipalKind as TrustKind, PrincipalSet, ResourceClause};
use pare_policy::{
    Context, ContextValue, Decision, Effect, PolicyDocument, PolicySet, Request, evaluate,
};
use std::collections::HashMap;

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
        AccountOracle {
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

    fn sets(&self, i: usize) -> Option<&pare_account::PermissionSets> {
        let id = self.ids.get(i)?;
        self.permissions.principal(*id).map(|p| &*p.sets)
    }

    fn any(&self, allowed: &ActionSet, unconditional: &ActionSet, action: &str) -> Access {
        let Some(id) = self.catalog.action(action) else {
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
                let Some(id) = self.ids.get(principal) else {
                    return Access::Denied;
                };
                self.permissions
                    .allows(*id, action, arn, &self.context)
                    .map_or(Access::Denied, |a| Self::decision(&a.evaluation))
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
                let set = PolicySet {
                    identity_policies: g.documents.clone(),
                    ..PolicySet::default()
                };
                let request = Request {
                    principal: m.arn.clone(),
                    action: action.to_owned(),
                    resource: arn.to_owned(),
                    context: self.context.clone(),
                };
                Self::decision(&evaluate(&request, &set))
            }
        }
    }

    fn is_full_admin(&self, principal: usize) -> bool {
        self.sets(principal).is_some_and(|s| s.everywhere.is_full())
    }

    fn group_is_full_admin(&self, group: usize) -> bool {
        self.group_policies.get(group).is_some_and(|g| g.full_admin)
    }

    fn assumable_roles(&self, caller: usize) -> Vec<(usize, Access)> {
        let (Some(me), Some(id)) = (self.infos.get(caller), self.ids.get(caller)) else {
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
        if candidates.is_empty() {
            return Vec::new();
        }
        let Some(policies) = self.account.policies_of(*id) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for j in candidates {
            if j == caller {
                continue;
            }
            let (Some(role_id), Some(role_info)) = (self.ids.get(j), self.infos.get(j)) else {
                continue;
            };
            let Some(trust) = self
                .account
                .principal(*role_id)
                .and_then(|p| p.role.as_ref())
            else {
                continue;
            };
            let set = PolicySet {
                resource_policy: Some(trust.trust_policy.document.clone()),
                ..policies.set.clone()
            };
            let request = Request {
                principal: me.arn.clone(),
                action: "sts:AssumeRole".to_owned(),
                resource: role_info.arn.clone(),
                context: self.context.clone(),
            };
            let access = Self::decision(&evaluate(&request, &set));
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

//! Drift between two account snapshots: identities added, removed or recreated; policies attached and detached
//! (per user, role and group); policy documents changed statement by statement; permissions gained and lost per
//! identity through the effective-permission engine (action sets, not text); new and resolved findings; and
//! every access key's rotation.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use pare_account::{Account, AccountPermissions, Field, ParsedDocument};
use pare_catalog::{ActionSet, Catalog};
use pare_findings::Finding;
use serde::Serialize;
use serde_json::Value;

use crate::fingerprint::canonical;

/// One side of a comparison: the snapshot's compiled permissions, its findings and its time.
#[derive(Debug, Clone, Copy)]
pub struct Side<'a> {
    /// The account and its effective permissions.
    pub permissions: &'a AccountPermissions<'a>,
    /// The findings of that snapshot.
    pub findings: &'a [Finding],
    /// When it was taken.
    pub taken_at: Option<DateTime<Utc>>,
}

/// An identity in the drift.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IdentityRef {
    /// Its ARN.
    pub arn: String,
    /// `user`, `role` or `root`.
    pub kind: String,
}

/// Identities added and removed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IdentityDrift {
    /// In the later snapshot only.
    pub added: Vec<IdentityRef>,
    /// In the earlier snapshot only.
    pub removed: Vec<IdentityRef>,
    /// Same ARN, different unique id: deleted and created again.
    pub recreated: Vec<IdentityRef>,
}

/// A policy attached to or detached from a user, role or group (or a group membership).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Attachment {
    /// The user, role or group's ARN.
    pub holder: String,
    /// `attached` or `detached`.
    pub change: String,
    /// `managed-policy`, `inline-policy`, `boundary` or `group` (membership).
    pub what: String,
    /// The policy ARN, inline policy name, or group name.
    pub name: String,
}

/// A statement whose `Sid` is in both versions with different content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangedStatement {
    /// The `Sid`.
    pub sid: String,
    /// Before.
    pub before: Value,
    /// After.
    pub after: Value,
}

/// A policy document in both snapshots whose statements differ.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyChange {
    /// `managed`, `inline` (of a user or role), `group-inline` or `trust`.
    pub kind: String,
    /// The managed policy's ARN, or the holder's ARN for inline and trust policies.
    pub policy: String,
    /// The inline policy's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Statements only in the later version.
    pub added: Vec<Value>,
    /// Statements only in the earlier version.
    pub removed: Vec<Value>,
    /// Statements with the same `Sid` and different content.
    pub changed: Vec<ChangedStatement>,
}

/// Permissions one identity gained or lost, all its policies combined.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PermissionDrift {
    /// Its ARN.
    pub principal: String,
    /// Actions allowed now and not before.
    pub gained: Vec<String>,
    /// Actions allowed before and not now.
    pub lost: Vec<String>,
    /// Actions now allowed on every resource without condition that were not before.
    pub gained_on_all_resources: Vec<String>,
    /// Actions no longer allowed on every resource without condition.
    pub lost_on_all_resources: Vec<String>,
}

/// A finding in the drift.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FindingRef {
    /// Its stable id.
    pub id: String,
    /// Its kind.
    pub kind: String,
    /// Its severity.
    pub severity: String,
    /// Its principal.
    pub principal: String,
    /// One line.
    pub title: String,
}

impl FindingRef {
    fn of(f: &Finding) -> Self {
        FindingRef {
            id: f.id.clone(),
            kind: f.kind.as_str().to_owned(),
            severity: f.severity.as_str().to_owned(),
            principal: f.principal.clone(),
            title: f.title.clone(),
        }
    }
}

/// Findings that appeared and disappeared.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FindingDrift {
    /// In the later snapshot only.
    pub new: Vec<FindingRef>,
    /// In the earlier snapshot only.
    pub resolved: Vec<FindingRef>,
}

/// One access key slot of an identity, active in either snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyDrift {
    /// The user's (or root's) ARN.
    pub principal: String,
    /// Key slot, 1 or 2.
    pub key: u8,
    /// `rotated`, `not-rotated`, `activated` or `deactivated`.
    pub status: String,
    /// Last rotation in the earlier snapshot.
    pub from_last_rotated: Option<String>,
    /// Last rotation in the later snapshot.
    pub to_last_rotated: Option<String>,
    /// Days since the last rotation at the later snapshot's time, for an active key.
    pub age_days: Option<i64>,
}

/// Everything that changed between two snapshots.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Drift {
    /// Identities added, removed, recreated.
    pub identities: IdentityDrift,
    /// Policies attached and detached, group memberships.
    pub attachments: Vec<Attachment>,
    /// Policy documents changed, statement by statement.
    pub policy_changes: Vec<PolicyChange>,
    /// Permissions gained and lost per identity in both snapshots.
    pub permissions: Vec<PermissionDrift>,
    /// New and resolved findings.
    pub findings: FindingDrift,
    /// Every access key active in either snapshot, rotated or not.
    pub credentials: Vec<KeyDrift>,
}

fn rfc3339(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The statements of a document as canonical JSON values, in order.
fn statements(doc: &ParsedDocument) -> Vec<Value> {
    match doc.json.get("Statement") {
        Some(Value::Array(a)) => a.iter().map(canonical).collect(),
        Some(one @ Value::Object(_)) => vec![canonical(one)],
        _ => Vec::new(),
    }
}

fn sid(s: &Value) -> Option<&str> {
    s.get("Sid")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// The statement-level difference of two versions of a document; `None` when they have the same statements.
fn statement_diff(
    kind: &str,
    policy: &str,
    name: Option<&str>,
    before: &ParsedDocument,
    after: &ParsedDocument,
) -> Option<PolicyChange> {
    let mut removed = statements(before);
    let mut added = statements(after);
    // Equal statements cancel out, one for one.
    let mut i = 0;
    while i < removed.len() {
        let pos = removed
            .get(i)
            .and_then(|s| added.iter().position(|a| a == s));
        match pos {
            Some(p) => {
                removed.remove(i);
                added.remove(p);
            }
            None => i += 1,
        }
    }
    // What is left with the same Sid on both sides changed.
    let mut changed = Vec::new();
    let mut i = 0;
    while i < removed.len() {
        let pos = removed
            .get(i)
            .and_then(sid)
            .and_then(|id| added.iter().position(|a| sid(a) == Some(id)));
        match pos {
            Some(p) => {
                let before = removed.remove(i);
                let after = added.remove(p);
                changed.push(ChangedStatement {
                    sid: sid(&before).unwrap_or_default().to_owned(),
                    before,
                    after,
                });
            }
            None => i += 1,
        }
    }
    if added.is_empty() && removed.is_empty() && changed.is_empty() {
        return None;
    }
    Some(PolicyChange {
        kind: kind.to_owned(),
        policy: policy.to_owned(),
        name: name.map(str::to_owned),
        added,
        removed,
        changed,
    })
}

/// What a user, role or group has attached, as (what, name).
fn holdings(acc: &Account) -> BTreeMap<String, BTreeSet<(&'static str, String)>> {
    let mut out: BTreeMap<String, BTreeSet<(&'static str, String)>> = BTreeMap::new();
    for p in &acc.principals {
        let set = out.entry(p.arn.clone()).or_default();
        for m in p.attached.iter().filter_map(|&id| acc.policy(id)) {
            set.insert(("managed-policy", m.arn.clone()));
        }
        for i in &p.inline {
            set.insert(("inline-policy", i.name.clone()));
        }
        if let Some(b) = p.permissions_boundary.and_then(|b| acc.policy(b)) {
            set.insert(("boundary", b.arn.clone()));
        }
        for g in p.groups.iter().filter_map(|&g| acc.group(g)) {
            set.insert(("group", g.name.clone()));
        }
    }
    for g in &acc.groups {
        let set = out.entry(g.arn.clone()).or_default();
        for m in g.attached.iter().filter_map(|&id| acc.policy(id)) {
            set.insert(("managed-policy", m.arn.clone()));
        }
        for i in &g.inline {
            set.insert(("inline-policy", i.name.clone()));
        }
    }
    out
}

fn names(catalog: &Catalog, set: &ActionSet) -> Vec<String> {
    let mut v: Vec<String> = set.iter().map(|id| catalog.action_name(id)).collect();
    v.sort();
    v
}

fn minus(a: &ActionSet, b: &ActionSet) -> ActionSet {
    let mut out = a.clone();
    out.difference_with(b);
    out
}

fn rotated_at(f: &Field<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    f.value().copied()
}

/// Compares two snapshots (`from` earlier, `to` later). Both must be compiled with the same catalog.
#[must_use]
pub fn diff(catalog: &Catalog, from: Side<'_>, to: Side<'_>) -> Drift {
    let a = from.permissions.account;
    let b = to.permissions.account;
    let mut drift = Drift::default();

    // Identities.
    let kind = |p: &pare_account::Principal| IdentityRef {
        arn: p.arn.clone(),
        kind: p.kind.as_str().to_owned(),
    };
    let mut both: Vec<(pare_account::PrincipalId, pare_account::PrincipalId)> = Vec::new();
    for (id, p) in b.principal_ids().zip(&b.principals) {
        match a
            .principal_by_arn(&p.arn)
            .and_then(|old| Some((old, a.principal(old)?)))
        {
            None => drift.identities.added.push(kind(p)),
            Some((old_id, old)) => {
                if old.unique_id.is_some() && p.unique_id.is_some() && old.unique_id != p.unique_id
                {
                    drift.identities.recreated.push(kind(p));
                }
                both.push((old_id, id));
            }
        }
    }
    for p in &a.principals {
        if b.principal_by_arn(&p.arn).is_none() {
            drift.identities.removed.push(kind(p));
        }
    }
    for list in [
        &mut drift.identities.added,
        &mut drift.identities.removed,
        &mut drift.identities.recreated,
    ] {
        list.sort_by(|x, y| x.arn.cmp(&y.arn));
    }

    // Attachments, for holders in both snapshots.
    let before = holdings(a);
    let after = holdings(b);
    for (holder, now) in &after {
        let Some(then) = before.get(holder) else {
            continue;
        };
        for (what, name) in now.difference(then) {
            drift.attachments.push(Attachment {
                holder: holder.clone(),
                change: "attached".into(),
                what: (*what).to_owned(),
                name: name.clone(),
            });
        }
        for (what, name) in then.difference(now) {
            drift.attachments.push(Attachment {
                holder: holder.clone(),
                change: "detached".into(),
                what: (*what).to_owned(),
                name: name.clone(),
            });
        }
    }
    drift.attachments.sort();

    // Policy documents in both snapshots.
    for m in &b.policies {
        let old = a.policy_by_arn(&m.arn).and_then(|id| a.policy(id));
        if let (Some(old_v), Some(new_v)) =
            (old.and_then(|o| o.default_version()), m.default_version())
            && let Some(c) =
                statement_diff("managed", &m.arn, None, &old_v.document, &new_v.document)
        {
            drift.policy_changes.push(c);
        }
    }
    for &(old_id, new_id) in &both {
        let (Some(old), Some(new)) = (a.principal(old_id), b.principal(new_id)) else {
            continue;
        };
        for i in &new.inline {
            if let Some(o) = old.inline.iter().find(|o| o.name == i.name)
                && let Some(c) =
                    statement_diff("inline", &new.arn, Some(&i.name), &o.document, &i.document)
            {
                drift.policy_changes.push(c);
            }
        }
        if let (Some(o), Some(n)) = (&old.role, &new.role)
            && let Some(c) =
                statement_diff("trust", &new.arn, None, &o.trust_policy, &n.trust_policy)
        {
            drift.policy_changes.push(c);
        }
    }
    for g in &b.groups {
        let Some(old) = a.group_by_arn(&g.arn).and_then(|id| a.group(id)) else {
            continue;
        };
        for i in &g.inline {
            if let Some(o) = old.inline.iter().find(|o| o.name == i.name)
                && let Some(c) = statement_diff(
                    "group-inline",
                    &g.arn,
                    Some(&i.name),
                    &o.document,
                    &i.document,
                )
            {
                drift.policy_changes.push(c);
            }
        }
    }
    drift
        .policy_changes
        .sort_by(|x, y| (&x.kind, &x.policy, &x.name).cmp(&(&y.kind, &y.policy, &y.name)));

    // Effective permissions of identities in both snapshots.
    for &(old_id, new_id) in &both {
        let (Some(old), Some(new), Some(p)) = (
            from.permissions.principal(old_id),
            to.permissions.principal(new_id),
            b.principal(new_id),
        ) else {
            continue;
        };
        let gained = minus(&new.sets.allowed, &old.sets.allowed);
        let lost = minus(&old.sets.allowed, &new.sets.allowed);
        let gained_all = minus(&new.sets.everywhere, &old.sets.everywhere);
        let lost_all = minus(&old.sets.everywhere, &new.sets.everywhere);
        if gained.is_empty() && lost.is_empty() && gained_all.is_empty() && lost_all.is_empty() {
            continue;
        }
        drift.permissions.push(PermissionDrift {
            principal: p.arn.clone(),
            gained: names(catalog, &gained),
            lost: names(catalog, &lost),
            gained_on_all_resources: names(catalog, &gained_all),
            lost_on_all_resources: names(catalog, &lost_all),
        });
    }
    drift
        .permissions
        .sort_by(|x, y| x.principal.cmp(&y.principal));

    // Findings.
    let old_ids: BTreeSet<&str> = from.findings.iter().map(|f| f.id.as_str()).collect();
    let new_ids: BTreeSet<&str> = to.findings.iter().map(|f| f.id.as_str()).collect();
    drift.findings.new = to
        .findings
        .iter()
        .filter(|f| !old_ids.contains(f.id.as_str()))
        .map(FindingRef::of)
        .collect();
    drift.findings.resolved = from
        .findings
        .iter()
        .filter(|f| !new_ids.contains(f.id.as_str()))
        .map(FindingRef::of)
        .collect();

    // Access keys of identities in both snapshots' credential reports.
    for p in &b.principals {
        let Some(new_row) = &p.credentials else {
            continue;
        };
        let old_row = a
            .principal_by_arn(&p.arn)
            .and_then(|id| a.principal(id))
            .and_then(|o| o.credentials.as_ref());
        let Some(old_row) = old_row else { continue };
        for (slot, (o, n)) in (1u8..).zip(old_row.access_keys.iter().zip(&new_row.access_keys)) {
            if !o.active && !n.active {
                continue;
            }
            let (ro, rn) = (rotated_at(&o.last_rotated), rotated_at(&n.last_rotated));
            let status = match (o.active, n.active) {
                (false, true) => "activated",
                (true, false) => "deactivated",
                _ if ro != rn => "rotated",
                _ => "not-rotated",
            };
            let age_days = match (n.active, rn, to.taken_at) {
                (true, Some(r), Some(now)) => Some((now - r).num_days()),
                _ => None,
            };
            drift.credentials.push(KeyDrift {
                principal: p.arn.clone(),
                key: slot,
                status: status.to_owned(),
                from_last_rotated: ro.as_ref().map(rfc3339),
                to_last_rotated: rn.as_ref().map(rfc3339),
                age_days,
            });
        }
    }
    drift
        .credentials
        .sort_by(|x, y| (&x.principal, x.key).cmp(&(&y.principal, y.key)));
    drift
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "test code")]
    use super::*;
    use serde_json::json;

    fn doc(v: Value) -> ParsedDocument {
        let (document, diagnostics) = pare_policy::PolicyDocument::from_json(&v);
        ParsedDocument {
            json: v,
            document,
            diagnostics,
        }
    }

    #[test]
    fn statements_are_compared_by_content_then_by_sid() {
        let before = doc(json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
            {"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"},
            {"Effect": "Deny", "Action": "iam:*", "Resource": "*"},
        ]}));
        // Same statements in another order and with keys reordered: no change.
        let same = doc(json!({"Statement": [
            {"Resource": "*", "Action": "iam:*", "Effect": "Deny"},
            {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
            {"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"},
        ], "Version": "2012-10-17"}));
        assert!(statement_diff("managed", "p", None, &before, &same).is_none());
        let after = doc(json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "Read", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "*"},
            {"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"},
            {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"},
        ]}));
        let c = statement_diff("managed", "p", None, &before, &after).unwrap();
        assert_eq!(c.changed.len(), 1);
        assert_eq!(c.changed[0].sid, "Read");
        assert_eq!(
            c.added,
            [json!({"Action": "sts:AssumeRole", "Effect": "Allow", "Resource": "*"})]
        );
        assert_eq!(
            c.removed,
            [json!({"Action": "iam:*", "Effect": "Deny", "Resource": "*"})]
        );
    }
}

//! The desktop app's identity detail, computed here so the app computes nothing: one identity's graph (groups →
//! policies, who can assume it and what it can assume, privilege-escalation paths with their techniques and
//! permissions), granted vs used per service over the observation window, its findings and risk score, its
//! right-size suggestion with the per-service diff and the replay proof, and the export of that suggestion in
//! exactly the bytes `pare rightsize` writes. Principals seen only in CloudTrail (no account snapshot, or not in
//! it) get their usage and whatever the engine can say without policies.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use pare_account::{Account, AccountGraph, AccountPermissions, PrincipalId, UsageFact};
use pare_catalog::{ActionId, ActionSet, Catalog};
use pare_findings::paths::EscalationPath;
use pare_rightsize::export::{self, Format};
use pare_rightsize::{Options, RightSizedPolicy};
use pare_store::{Store, UsageRow};
use pare_usage::ActionMapper;
use serde::Serialize;

use crate::EngineError;
use crate::rightsize::{CurrentPolicies, RightsizeWindow, rightsize};

/// Unused or removed action names listed per service at most (the counts are always whole).
pub const NAME_CAP: usize = 200;

/// How many hops of can-assume / can-escalate-to the graph follows from the identity.
const GRAPH_DEPTH: usize = 2;

/// How many principals the graph may gather around the identity before it shows only the identity's own links
/// (an identity that may assume thousands of roles of a large account: evaluating every chain around it takes
/// minutes and no one can read the drawing).
const GRAPH_PRINCIPAL_LIMIT: usize = 150;

/// How many linked principals are drawn when the graph shows only the identity's own links; the can-assume lists
/// stay complete.
const GRAPH_DRAWN_LINKS: usize = 60;

/// The graph shows only part of what is linked to the identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct GraphLimit {
    /// Principals linked to the identity directly (can assume it, or it can assume them, or escalation).
    pub linked: u32,
    /// How many of them are drawn.
    pub drawn: u32,
    /// Chains beyond the identity's own links were not followed.
    pub direct_only: bool,
}

/// A node of the identity graph.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct GraphNode {
    /// Stable id: the ARN of principals, groups and managed policies, `owner#name` of inline policies,
    /// `service:NAME` of used services, `admin` for full administrator access.
    pub id: String,
    /// `user`, `role`, `root`, `group`, `managed_policy`, `aws_managed_policy`, `inline_policy`, `external`,
    /// `service`, `admin`.
    pub kind: String,
    /// A short name to draw.
    pub label: String,
    /// This is the identity the screen is about.
    pub focus: bool,
}

/// An edge of the identity graph.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct GraphEdge {
    /// The source node's id.
    pub from: String,
    /// The target node's id.
    pub to: String,
    /// `member_of`, `attached`, `inline`, `boundary`, `can_assume`, `can_escalate_to`, `used`.
    pub kind: String,
    /// A short label to draw (technique id, `MFA`, event count).
    pub label: String,
    /// Why the edge is there, in plain words.
    pub reason: String,
}

/// The identity graph.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct IdentityGraph {
    /// Nodes, sorted by id.
    pub nodes: Vec<GraphNode>,
    /// Edges, sorted by (from, to, kind).
    pub edges: Vec<GraphEdge>,
}

/// One can-assume link into or out of the identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct AssumeLink {
    /// The other side: the caller (for "assumed by") or the role (for "can assume").
    pub principal: String,
    /// Its kind (`user`, `role`, `external`, …).
    pub kind: String,
    /// `sts:AssumeRole`, `sts:AssumeRoleWithWebIdentity`, …
    pub action: String,
    /// Only with MFA.
    pub requires_mfa: bool,
    /// The decision held without any condition key.
    pub unconditional: bool,
    /// The condition keys it rests on.
    pub condition_keys: Vec<String>,
    /// Why.
    pub reason: String,
}

/// A permission one escalation step uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct StepPermissionView {
    /// The action.
    pub action: String,
    /// The resource (`*` when any).
    pub resource: String,
    /// The grant depends on conditions.
    pub conditional: bool,
}

/// One step of an escalation path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct StepView {
    /// The pathfinding.cloud technique id.
    pub technique: String,
    /// Its name.
    pub technique_name: String,
    /// Who takes the step.
    pub from: String,
    /// Whose permissions it gets (`admin` for full access).
    pub to: String,
    /// What it goes through, when not `to`.
    pub via: Option<String>,
    /// What the technique yields (`self-admin`, `assume-role`, …).
    pub gain: String,
    /// The permissions the step uses.
    pub permissions: Vec<StepPermissionView>,
}

/// A privilege-escalation path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct EscalationView {
    /// The principal that can escalate.
    pub principal: String,
    /// The steps in order.
    pub steps: Vec<StepView>,
    /// Some step rests on a condition that could not be decided.
    pub conditional: bool,
}

/// One used action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct UsedAction {
    /// `service:Action`.
    pub action: String,
    /// Events.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub count: u64,
    /// Last use.
    pub last_used: Option<String>,
    /// Granted by the current policies (`None` without an account snapshot).
    pub granted: Option<bool>,
}

/// Granted vs used for one service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ServiceAccess {
    /// The service prefix.
    pub service: String,
    /// Actions granted (`None` without an account snapshot).
    pub granted: Option<u32>,
    /// Distinct actions used in the window.
    pub used: u32,
    /// Granted, observable by CloudTrail, not used.
    pub unused: u32,
    /// Granted, never recorded by CloudTrail (`iam:PassRole`, data events when the trail has none): not
    /// observable, so neither used nor unused.
    pub not_observable: u32,
    /// Events.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub events: u64,
    /// Last use of any of its actions.
    pub last_used: Option<String>,
    /// The used actions.
    pub used_actions: Vec<UsedAction>,
    /// Unused action names (at most [`NAME_CAP`]).
    pub unused_actions: Vec<String>,
    /// Not-observable granted action names (at most [`NAME_CAP`]).
    pub not_observable_actions: Vec<String>,
}

/// A finding about the identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct FindingView {
    /// Stable id.
    pub id: String,
    /// Kind (`unused-permissions`, `privilege-escalation-path`, …).
    pub kind: String,
    /// `critical`, `high`, `medium`, `low`, `info`.
    pub severity: String,
    /// One line.
    pub title: String,
    /// Why it matters.
    pub explanation: String,
    /// What to do.
    pub recommendation: String,
    /// The evidence, as pretty JSON text.
    pub evidence: String,
}

/// The observation window.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ObservationWindow {
    /// First event (RFC 3339).
    pub start: String,
    /// Last event.
    pub end: String,
    /// Days between them.
    pub days: f64,
    /// The trail holds data events.
    pub data_events: bool,
}

/// Everything the identity detail screen shows, but the right-size suggestion.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct IdentityDetail {
    /// The key asked for.
    pub key: String,
    /// The identity's ARN in the account snapshot (`None`: seen only in CloudTrail).
    pub arn: Option<String>,
    /// `user`, `role`, `root`, or the CloudTrail kind when not in the snapshot.
    pub kind: String,
    /// Its name.
    pub name: String,
    /// The snapshot it is from: id and time.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub snapshot_id: Option<i64>,
    /// When the snapshot's data was taken.
    pub snapshot_taken_at: Option<String>,
    /// Its groups.
    pub groups: Vec<String>,
    /// Its managed policies (own and through groups) and inline policies (`owner#name`).
    pub policies: Vec<String>,
    /// Its permissions boundary.
    pub boundary: Option<String>,
    /// The graph.
    pub graph: IdentityGraph,
    /// Set when the graph shows only part of what is linked to the identity (large accounts).
    pub graph_limit: Option<GraphLimit>,
    /// Who can assume it.
    pub assumed_by: Vec<AssumeLink>,
    /// What it can assume.
    pub can_assume: Vec<AssumeLink>,
    /// Escalation paths starting at it.
    pub escalations: Vec<EscalationView>,
    /// Escalation paths of others that end at or go through it.
    pub escalations_into: Vec<EscalationView>,
    /// Granted vs used per service: used services first (most recent first), then granted-only by size.
    pub services: Vec<ServiceAccess>,
    /// Totals over the services.
    pub granted_actions: Option<u32>,
    /// Distinct actions used.
    pub used_actions: u32,
    /// Granted, observable, unused.
    pub unused_actions: u32,
    /// Granted, not observable.
    pub not_observable_actions: u32,
    /// The CloudTrail window (`None`: no events).
    pub window: Option<ObservationWindow>,
    /// Its findings, worst first.
    pub findings: Vec<FindingView>,
    /// Its 0–100 risk score.
    pub risk_score: Option<f64>,
    /// What the screen should say about missing data.
    pub notes: Vec<String>,
}

/// One service of the right-size diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ServiceDiffView {
    /// The service prefix.
    pub service: String,
    /// Actions granted today.
    pub before: u32,
    /// Actions the suggestion grants.
    pub after: u32,
    /// Kept because used.
    pub kept_used: Vec<String>,
    /// Kept although CloudTrail cannot show them.
    pub kept_not_observable: Vec<String>,
    /// Removed, count.
    pub removed: u32,
    /// Removed action names (at most [`NAME_CAP`]).
    pub removed_actions: Vec<String>,
    /// Why they go.
    pub why_removed: String,
}

/// A call the suggestion (or the current policy) denies on replay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct DeniedCallView {
    /// The action.
    pub action: String,
    /// The resource.
    pub resource: String,
    /// Events.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub count: u64,
    /// Why.
    pub reason: String,
}

/// A permission kept although CloudTrail cannot show its use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct KeptView {
    /// The action.
    pub action: String,
    /// Its resources.
    pub resources: Vec<String>,
    /// Why it is kept.
    pub reason: String,
}

/// One export format of the suggestion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ExportPreview {
    /// `json`, `terraform`, `cloudformation`.
    pub format: String,
    /// The file name the save dialog proposes.
    pub file_name: String,
    /// The exact text the export writes.
    pub text: String,
}

/// The right-size suggestion, or why there is none.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct IdentityRightsize {
    /// The principal key right-sized (what `pare rightsize --principal` takes).
    pub principal: String,
    /// Why there is no suggestion (no snapshot, not an IAM identity, …); the rest is empty then.
    pub unavailable: Option<String>,
    /// The usage window.
    pub since: Option<String>,
    /// End of the window.
    pub until: Option<String>,
    /// First event kept.
    pub first_event: Option<String>,
    /// Last event kept.
    pub last_event: Option<String>,
    /// Actions granted today.
    pub before_actions: u32,
    /// Actions the suggestion grants.
    pub after_actions: u32,
    /// Services today.
    pub services_before: u32,
    /// Services after.
    pub services_after: u32,
    /// Services removed entirely.
    pub services_removed: Vec<String>,
    /// High-risk actions removed.
    pub high_risk_removed: Vec<String>,
    /// Percent of granted actions removed.
    pub reduction_percent: f64,
    /// Replay: events the suggestion allows.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub replay_allowed: u64,
    /// Replay: events observed.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub replay_total: u64,
    /// Distinct (action, resource) calls replayed.
    pub replay_distinct_calls: u32,
    /// Calls the suggestion denies on replay (must be empty).
    pub replay_denied: Vec<DeniedCallView>,
    /// Calls the current policies already deny (not in the suggestion).
    pub not_granted_now: Vec<DeniedCallView>,
    /// Subset proof: statements checked.
    pub proof_statements: u32,
    /// Subset proof: (action, resource) pairs evaluated.
    pub proof_pairs: u32,
    /// Subset proof violations (must be empty).
    pub proof_violations: Vec<String>,
    /// Kept though not observable.
    pub kept_not_observable: Vec<KeptView>,
    /// Per-service diff.
    pub diff: Vec<ServiceDiffView>,
    /// The proposed policy documents, pretty JSON.
    pub documents: Vec<String>,
    /// Characters (whitespace excluded) against the managed-policy limit.
    pub size_chars: u32,
    /// The managed-policy limit.
    pub size_limit: u32,
    /// Managed policies needed.
    pub managed_policies: u32,
    /// The three exports, byte for byte.
    pub exports: Vec<ExportPreview>,
    /// Notes.
    pub notes: Vec<String>,
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ExportWritten {
    /// The file.
    pub path: String,
    /// Bytes written.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub bytes: u64,
    /// The format.
    pub format: String,
}

fn catalog() -> Result<&'static Catalog, EngineError> {
    Catalog::bundled().map_err(|_| EngineError::Internal("the bundled catalog is unusable"))
}

fn u32_of(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn short(id: &str) -> String {
    if let Some((_, name)) = id.rsplit_once('#') {
        return name.to_owned();
    }
    id.rsplit(['/', ':']).next().unwrap_or(id).to_owned()
}

fn service_of(action: &str) -> &str {
    action.split_once(':').map_or(action, |(s, _)| s)
}

/// The format names the app uses (`json`, `terraform`, `cloudformation`).
///
/// # Errors
///
/// [`EngineError::Account`] naming the unknown format.
pub fn export_format(name: &str) -> Result<Format, EngineError> {
    name.parse()
        .map_err(|e: String| EngineError::Account(format!("export format: {e}")))
}

fn format_name(format: Format) -> &'static str {
    match format {
        Format::Json => "json",
        Format::Terraform => "terraform",
        Format::Cloudformation => "cloudformation",
    }
}

/// The file name the save dialog proposes for `principal`'s suggestion in `format`: `<name>-rightsized.<ext>`.
#[must_use]
pub fn export_file_name(principal: &str, format: Format) -> String {
    let name: String = pare_rightsize::principal_name(principal)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .take(80)
        .collect();
    format!("{name}-rightsized.{}", format.extension())
}

/// The suggestion exactly as `pare rightsize --db DB --principal KEY` makes it (default options: exact resources,
/// compression on, the current policies from the latest account snapshot).
fn suggestion(db: &Path, key: &str) -> Result<crate::RightsizeReport, EngineError> {
    rightsize(
        db,
        key,
        None,
        None,
        Options::default(),
        &CurrentPolicies::Snapshot,
    )
}

/// Writes `key`'s right-sized policy in `format` to `out`: the same bytes `pare rightsize --principal KEY
/// --format F --out FILE` writes.
///
/// # Errors
///
/// The errors of [`crate::rightsize`], [`EngineError::Internal`] if the suggestion cannot be serialised,
/// [`EngineError::Io`] if the file cannot be written.
pub fn export_rightsized(
    db: &Path,
    key: &str,
    format: Format,
    out: &Path,
) -> Result<ExportWritten, EngineError> {
    let report = suggestion(db, key)?;
    let text = export::export(&report.policy, format)
        .map_err(|_| EngineError::Internal("a suggestion could not be serialised"))?;
    std::fs::write(out, &text).map_err(|e| EngineError::Io {
        path: out.to_path_buf(),
        source: e,
    })?;
    Ok(ExportWritten {
        path: out.display().to_string(),
        bytes: text.len() as u64,
        format: format_name(format).to_owned(),
    })
}

/// The right-size view of `key`: the suggestion, its diff per service, the replay and subset proofs, and the three
/// exports; or why there is none.
///
/// # Errors
///
/// [`EngineError::Store`] if the database fails; a missing snapshot or an unknown principal is `unavailable`,
/// not an error.
pub fn identity_rightsize(db: &Path, key: &str) -> Result<IdentityRightsize, EngineError> {
    let unavailable = |why: String| IdentityRightsize {
        principal: key.to_owned(),
        unavailable: Some(why),
        since: None,
        until: None,
        first_event: None,
        last_event: None,
        before_actions: 0,
        after_actions: 0,
        services_before: 0,
        services_after: 0,
        services_removed: Vec::new(),
        high_risk_removed: Vec::new(),
        reduction_percent: 0.0,
        replay_allowed: 0,
        replay_total: 0,
        replay_distinct_calls: 0,
        replay_denied: Vec::new(),
        not_granted_now: Vec::new(),
        proof_statements: 0,
        proof_pairs: 0,
        proof_violations: Vec::new(),
        kept_not_observable: Vec::new(),
        diff: Vec::new(),
        documents: Vec::new(),
        size_chars: 0,
        size_limit: 0,
        managed_policies: 0,
        exports: Vec::new(),
        notes: Vec::new(),
    };
    if pare_rightsize::PrincipalKind::of_arn(key) == pare_rightsize::PrincipalKind::Other
        && !key.contains(":assumed-role/")
    {
        return Ok(unavailable(
            "not an IAM user or role: there is no identity policy to right-size".to_owned(),
        ));
    }
    let report = match suggestion(db, key) {
        Ok(r) => r,
        Err(e @ (EngineError::Account(_) | EngineError::NotInAccount(_))) => {
            return Ok(unavailable(format!(
                "{e}; right-sizing needs the identity's current policies"
            )));
        }
        Err(e) => return Err(e),
    };
    let catalog = catalog()?;
    let p = &report.policy;
    let removed = removed_by_service(db, key, p, catalog)?;
    let exports = [Format::Json, Format::Terraform, Format::Cloudformation]
        .into_iter()
        .map(|f| {
            Ok(ExportPreview {
                format: format_name(f).to_owned(),
                file_name: export_file_name(&p.principal, f),
                text: export::export(p, f)
                    .map_err(|_| EngineError::Internal("a suggestion could not be serialised"))?,
            })
        })
        .collect::<Result<Vec<_>, EngineError>>()?;
    let denied = |d: &pare_rightsize::DeniedCall| DeniedCallView {
        action: d.action.clone(),
        resource: d.resource.clone(),
        count: d.count,
        reason: d.reason.clone(),
    };
    let RightsizeWindow {
        since,
        until,
        first_event,
        last_event,
    } = report.window.clone();
    Ok(IdentityRightsize {
        principal: key.to_owned(),
        unavailable: None,
        since,
        until,
        first_event,
        last_event,
        before_actions: u32_of(p.before_actions),
        after_actions: u32_of(p.after_actions),
        services_before: u32_of(p.services_before),
        services_after: u32_of(p.services_after),
        services_removed: p.services_removed.clone(),
        high_risk_removed: p.high_risk_removed.clone(),
        reduction_percent: if p.before_actions == 0 {
            0.0
        } else {
            100.0 * (p.before_actions.saturating_sub(p.after_actions)) as f64
                / p.before_actions as f64
        },
        replay_allowed: p.replay.allowed,
        replay_total: p.replay.total,
        replay_distinct_calls: u32_of(p.replay.distinct_calls),
        replay_denied: p.replay.denied.iter().map(denied).collect(),
        not_granted_now: p.not_granted_now.iter().map(denied).collect(),
        proof_statements: u32_of(p.subset_proof.statements_checked),
        proof_pairs: u32_of(p.subset_proof.pairs_checked),
        proof_violations: p.subset_proof.violations.clone(),
        kept_not_observable: p
            .kept_not_observable
            .iter()
            .map(|k| KeptView {
                action: k.action.clone(),
                resources: k.resources.clone(),
                reason: k.reason.clone(),
            })
            .collect(),
        diff: p
            .diff
            .iter()
            .map(|d| ServiceDiffView {
                service: d.service.clone(),
                before: u32_of(d.before),
                after: u32_of(d.after),
                kept_used: d.kept_used.clone(),
                kept_not_observable: d.kept_not_observable.clone(),
                removed: u32_of(d.removed),
                removed_actions: removed.get(&d.service).cloned().unwrap_or_default(),
                why_removed: d.why_removed.clone(),
            })
            .collect(),
        documents: p
            .documents
            .iter()
            .map(|d| serde_json::to_string_pretty(d).unwrap_or_default())
            .collect(),
        size_chars: u32_of(p.size.chars),
        size_limit: u32_of(p.size.managed_limit),
        managed_policies: u32_of(p.size.managed_policies),
        exports,
        notes: p.notes.clone(),
    })
}

/// Per service, the names of the actions granted today that the suggestion no longer grants (at most
/// [`NAME_CAP`] each).
fn removed_by_service(
    db: &Path,
    key: &str,
    p: &RightSizedPolicy,
    catalog: &Catalog,
) -> Result<BTreeMap<String, Vec<String>>, EngineError> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let Ok((_, account)) = crate::account::load_account_snapshot(db, None) else {
        return Ok(out);
    };
    let Some(id) = resolve(&account, key) else {
        return Ok(out);
    };
    let perms = AccountPermissions::compile(&account, catalog);
    let Some(eff) = perms.principal(id) else {
        return Ok(out);
    };
    let mut after = ActionSet::empty(catalog);
    for doc in &p.documents {
        let (parsed, _) = pare_policy::PolicyDocument::from_json(doc);
        after.union_with(&pare_policy::actions::allowed_actions(&parsed, catalog));
    }
    let mut removed = eff.sets.allowed.clone();
    removed.difference_with(&after);
    for id in removed.iter() {
        let name = catalog.action_name(id);
        let list = out.entry(service_of(&name).to_owned()).or_default();
        if list.len() < NAME_CAP {
            list.push(name);
        }
    }
    Ok(out)
}

/// The snapshot principal a key names: its ARN, a role session's role, or a role ARN without its path.
fn resolve(account: &Account, key: &str) -> Option<PrincipalId> {
    account.principal_for_usage_key(key).or_else(|| {
        if pare_rightsize::PrincipalKind::of_arn(key) != pare_rightsize::PrincipalKind::Role {
            return None;
        }
        let name = pare_rightsize::principal_name(key);
        let acct = key.split(':').nth(4);
        account.principal_ids().find(|id| {
            account.principal(*id).is_some_and(|p| {
                p.kind == pare_account::PrincipalKind::Role
                    && p.name == name
                    && p.arn.split(':').nth(4) == acct
            })
        })
    })
}

pub(crate) fn escalation_view(p: &EscalationPath) -> EscalationView {
    EscalationView {
        principal: p.principal.clone(),
        conditional: p.conditional,
        steps: p
            .steps
            .iter()
            .map(|s| StepView {
                technique: s.technique.clone(),
                technique_name: s.technique_name.clone(),
                from: s.from.clone(),
                to: s.to.clone(),
                via: s.via.clone(),
                gain: serde_json::to_value(s.gain)
                    .ok()
                    .and_then(|v| v.get("kind").and_then(|k| k.as_str()).map(str::to_owned))
                    .unwrap_or_default(),
                permissions: s
                    .permissions
                    .iter()
                    .map(|x| StepPermissionView {
                        action: x.action.clone(),
                        resource: x.resource.clone(),
                        conditional: x.conditional,
                    })
                    .collect(),
            })
            .collect(),
    }
}

fn text(v: &serde_json::Value, key: &str) -> String {
    v.get(key)
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn assume_link(e: &serde_json::Value, other: &str, kinds: &BTreeMap<String, String>) -> AssumeLink {
    AssumeLink {
        principal: other.to_owned(),
        kind: kinds.get(other).cloned().unwrap_or_default(),
        action: text(e, "action"),
        requires_mfa: e
            .get("requires_mfa")
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false),
        unconditional: e
            .get("unconditional")
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(true),
        condition_keys: e
            .get("condition_keys")
            .and_then(serde_json::Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|k| k.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
        reason: text(e, "reason"),
    }
}

fn edge_label(e: &serde_json::Value) -> String {
    match text(e, "kind").as_str() {
        "can_assume" => {
            if e.get("requires_mfa").and_then(serde_json::Value::as_bool) == Some(true) {
                "can assume (MFA)".to_owned()
            } else if e.get("unconditional").and_then(serde_json::Value::as_bool) == Some(false) {
                "can assume (if conditions)".to_owned()
            } else {
                "can assume".to_owned()
            }
        }
        "used" => format!(
            "used ×{}",
            e.get("count")
                .and_then(serde_json::Value::as_u64)
                .unwrap_or(0)
        ),
        "member_of" => "member of".to_owned(),
        other => other.to_owned(),
    }
}

/// The identity detail of `key` (an ARN, or a CloudTrail principal key such as a role session ARN).
///
/// # Errors
///
/// [`EngineError::Store`] if the database fails, [`EngineError::Account`] if the stored snapshot cannot be
/// rebuilt, [`EngineError::NotInAccount`] when neither the snapshot nor CloudTrail knows `key`.
pub fn identity(db: &Path, key: &str) -> Result<IdentityDetail, EngineError> {
    let catalog = catalog()?;
    let store = Store::open(db)?;
    let mut notes = Vec::new();
    let snapshot = match crate::account::load_account_snapshot(db, None) {
        Ok(s) => Some(s),
        Err(crate::account::AccountError::NoSnapshot { .. }) => {
            notes.push(
                "no account snapshot in this database: groups, policies, trust, escalation paths and granted \
                 permissions need IAM authorization details (import them with `pare import --authz`)"
                    .to_owned(),
            );
            None
        }
        Err(e) => return Err(EngineError::Account(e.to_string())),
    };
    let found = snapshot
        .as_ref()
        .and_then(|(info, account)| resolve(account, key).map(|id| (info, account, id)));
    if snapshot.is_some() && found.is_none() {
        notes.push(
            "the account snapshot has no such identity (created after it, or from another account): only its \
             CloudTrail usage is shown"
                .to_owned(),
        );
    }

    // Usage: every CloudTrail key that names this identity (a role's sessions included).
    let all_usage = store.usage(None)?;
    let usage: Vec<&UsageRow> = match &found {
        Some((_, account, id)) => all_usage
            .iter()
            .filter(|r| account.principal_for_usage_key(&r.principal) == Some(*id))
            .collect(),
        None => {
            let own = crate::usage(db, Some(key))?;
            let keys: BTreeSet<String> = own.iter().map(|r| r.principal.clone()).collect();
            all_usage
                .iter()
                .filter(|r| keys.contains(&r.principal))
                .collect()
        }
    };
    let known_to_trail = !usage.is_empty() || store.principal_keys()?.iter().any(|k| k == key);
    if found.is_none() && !known_to_trail {
        return Err(EngineError::NotInAccount(key.to_owned()));
    }

    let data_events = store.has_data_events()?;
    let window = store.event_window()?.map(|(start, end)| {
        let days = match (
            pare_ingest::parse_time_text(&start),
            pare_ingest::parse_time_text(&end),
        ) {
            (Some(a), Some(b)) => (b - a).num_seconds() as f64 / 86_400.0,
            _ => 0.0,
        };
        ObservationWindow {
            start,
            end,
            days,
            data_events,
        }
    });
    let mapper = ActionMapper::bundled().map_err(EngineError::Mapping)?;
    let observable = pare_findings::observable_actions(
        catalog,
        mapper.operations().into_iter().flat_map(|(_, _, ids)| ids),
        data_events,
    );

    let mut detail = IdentityDetail {
        key: key.to_owned(),
        arn: None,
        kind: String::new(),
        name: short(key),
        snapshot_id: None,
        snapshot_taken_at: None,
        groups: Vec::new(),
        policies: Vec::new(),
        boundary: None,
        graph: IdentityGraph::default(),
        graph_limit: None,
        assumed_by: Vec::new(),
        can_assume: Vec::new(),
        escalations: Vec::new(),
        escalations_into: Vec::new(),
        services: Vec::new(),
        granted_actions: None,
        used_actions: 0,
        unused_actions: 0,
        not_observable_actions: 0,
        window,
        findings: Vec::new(),
        risk_score: None,
        notes,
    };

    // Findings, score and escalation paths: this identity's part of the stored whole-account review (computed
    // and stored once per database state, not per identity).
    let subject = found
        .as_ref()
        .and_then(|(_, account, id)| account.principal(*id))
        .map_or_else(|| key.to_owned(), |p| p.arn.clone());
    let reviewed = crate::stored_review::identity_review(db, &subject)
        .map_err(|e| EngineError::Account(e.to_string()))?;
    detail.findings = reviewed
        .findings
        .into_iter()
        .map(|f| FindingView {
            id: f.id,
            kind: f.kind,
            severity: f.severity,
            title: f.title,
            explanation: f.explanation,
            recommendation: f.recommendation,
            evidence: f.evidence,
        })
        .collect();
    detail.risk_score = reviewed.row.and_then(|r| r.risk_score);

    let granted: Option<ActionSet> = match &found {
        Some((info, account, id)) => {
            let p = account
                .principal(*id)
                .ok_or(EngineError::Internal("a resolved principal is missing"))?;
            detail.arn = Some(p.arn.clone());
            detail.kind = p.kind.as_str().to_owned();
            detail.name = p.name.clone();
            detail.snapshot_id = Some(info.id);
            detail.snapshot_taken_at = Some(info.taken_at.clone());
            detail.groups = p
                .groups
                .iter()
                .filter_map(|g| account.group(*g))
                .map(|g| g.name.clone())
                .collect();
            detail.boundary = p
                .permissions_boundary
                .and_then(|b| account.policy(b))
                .map(|m| m.arn.clone());
            let perms = AccountPermissions::compile(account, catalog);
            let mut graph = AccountGraph::build_structure(&perms);
            let facts: Vec<UsageFact> = all_usage
                .iter()
                .map(|r| UsageFact {
                    principal: r.principal.clone(),
                    action: r.action.clone(),
                    resource: r.resource.clone(),
                    count: r.count,
                    last_seen: r.last_seen.clone(),
                })
                .collect();
            graph.add_usage(&perms, &facts);
            // Only the can-assume pairs the view can see are evaluated (the same neighbourhood as on the whole
            // graph, tested in pare-account); when too many principals gather around the identity, only its own
            // links are kept.
            let whole_walk = graph.add_trust_edges_around_bounded(
                &perms,
                *id,
                GRAPH_DEPTH,
                GRAPH_PRINCIPAL_LIMIT,
            );
            let depth = if whole_walk { GRAPH_DEPTH } else { 0 };
            let nodes = graph.neighbourhood(*id, depth);
            let json = graph.to_json(account, &nodes);
            let arn = p.arn.clone();
            detail.graph = graph_from_json(&json, &arn);
            let kinds: BTreeMap<String, String> = detail
                .graph
                .nodes
                .iter()
                .map(|n| (n.id.clone(), n.kind.clone()))
                .collect();
            for e in json
                .get("edges")
                .and_then(serde_json::Value::as_array)
                .into_iter()
                .flatten()
            {
                let (from, to) = (text(e, "from"), text(e, "to"));
                match text(e, "kind").as_str() {
                    "can_assume" if to == arn => {
                        detail.assumed_by.push(assume_link(e, &from, &kinds));
                    }
                    "can_assume" if from == arn => {
                        detail.can_assume.push(assume_link(e, &to, &kinds));
                    }
                    _ => {}
                }
            }
            if !whole_walk {
                detail.graph_limit = Some(keep_drawn_links(&mut detail.graph, &arn));
            }
            let mut policies: Vec<String> = p
                .attached
                .iter()
                .filter_map(|m| account.policy(*m))
                .map(|m| m.arn.clone())
                .chain(p.inline.iter().map(|i| format!("{}#{}", p.arn, i.name)))
                .collect();
            for g in p.groups.iter().filter_map(|g| account.group(*g)) {
                policies.extend(
                    g.attached
                        .iter()
                        .filter_map(|m| account.policy(*m))
                        .map(|m| m.arn.clone()),
                );
                policies.extend(g.inline.iter().map(|i| format!("{}#{}", g.arn, i.name)));
            }
            policies.sort();
            policies.dedup();
            detail.policies = policies;
            detail.escalations = reviewed.escalations;
            detail.escalations_into = reviewed.escalations_into;
            add_escalations(&mut detail.graph, &detail.escalations, &arn);
            perms.principal(*id).map(|e| e.sets.allowed.clone())
        }
        None => {
            detail.kind = crate::Database::open(db)?
                .principals()?
                .into_iter()
                .find(|s| s.key == key)
                .map(|s| s.kind)
                .unwrap_or_default();
            None
        }
    };

    // Granted vs used per service.
    let mut used: BTreeMap<String, BTreeMap<String, UsedAction>> = BTreeMap::new();
    for r in &usage {
        let service = service_of(&r.action).to_owned();
        let a = used
            .entry(service)
            .or_default()
            .entry(r.action.clone())
            .or_insert_with(|| UsedAction {
                action: r.action.clone(),
                count: 0,
                last_used: None,
                granted: granted.as_ref().map(|g| {
                    catalog
                        .action(&r.action)
                        .is_some_and(|id: ActionId| g.contains(id))
                }),
            });
        a.count += r.count;
        if r.last_seen > a.last_used {
            a.last_used.clone_from(&r.last_seen);
        }
    }
    let mut per_service: BTreeMap<String, ServiceAccess> = BTreeMap::new();
    let blank = |service: &str| ServiceAccess {
        service: service.to_owned(),
        granted: granted.as_ref().map(|_| 0),
        used: 0,
        unused: 0,
        not_observable: 0,
        events: 0,
        last_used: None,
        used_actions: Vec::new(),
        unused_actions: Vec::new(),
        not_observable_actions: Vec::new(),
    };
    if let Some(g) = &granted {
        for id in g.iter() {
            let name = catalog.action_name(id);
            let service = service_of(&name).to_owned();
            let s = per_service
                .entry(service.clone())
                .or_insert_with(|| blank(&service));
            s.granted = Some(s.granted.unwrap_or(0) + 1);
            let was_used = used.get(&service).is_some_and(|m| m.contains_key(&name));
            if was_used {
                continue;
            }
            if observable.contains(id) {
                s.unused += 1;
                if s.unused_actions.len() < NAME_CAP {
                    s.unused_actions.push(name);
                }
            } else {
                s.not_observable += 1;
                if s.not_observable_actions.len() < NAME_CAP {
                    s.not_observable_actions.push(name);
                }
            }
        }
    }
    for (service, actions) in used {
        let s = per_service
            .entry(service.clone())
            .or_insert_with(|| blank(&service));
        let mut actions: Vec<UsedAction> = actions.into_values().collect();
        actions.sort_by(|a, b| b.last_used.cmp(&a.last_used).then(a.action.cmp(&b.action)));
        s.used = u32_of(actions.len());
        s.events = actions.iter().map(|a| a.count).sum();
        s.last_used = actions.iter().filter_map(|a| a.last_used.clone()).max();
        s.used_actions = actions;
    }
    let mut services: Vec<ServiceAccess> = per_service.into_values().collect();
    services.sort_by(|a, b| {
        b.last_used
            .cmp(&a.last_used)
            .then(b.granted.cmp(&a.granted))
            .then(a.service.cmp(&b.service))
    });
    detail.granted_actions = granted.as_ref().map(|g| u32_of(g.len()));
    detail.used_actions = services.iter().map(|s| s.used).sum();
    detail.unused_actions = services.iter().map(|s| s.unused).sum();
    detail.not_observable_actions = services.iter().map(|s| s.not_observable).sum();
    if found.is_none() {
        detail.graph = usage_graph(key, &services);
    }
    detail.services = services;
    Ok(detail)
}

fn graph_from_json(json: &serde_json::Value, focus: &str) -> IdentityGraph {
    let mut g = IdentityGraph::default();
    for n in json
        .get("nodes")
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
    {
        let id = text(n, "id");
        g.nodes.push(GraphNode {
            label: short(&id),
            kind: text(n, "type"),
            focus: id == focus,
            id,
        });
    }
    for e in json
        .get("edges")
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
    {
        g.edges.push(GraphEdge {
            from: text(e, "from"),
            to: text(e, "to"),
            kind: text(e, "kind"),
            label: edge_label(e),
            reason: text(e, "reason"),
        });
    }
    g
}

/// Keeps the focus, its groups and policies, and the first [`GRAPH_DRAWN_LINKS`] principals linked to it (by id);
/// says how many were linked.
fn keep_drawn_links(g: &mut IdentityGraph, focus: &str) -> GraphLimit {
    const PRINCIPAL_KINDS: [&str; 4] = ["user", "role", "root", "external"];
    let principals: BTreeSet<String> = g
        .nodes
        .iter()
        .filter(|n| PRINCIPAL_KINDS.contains(&n.kind.as_str()))
        .map(|n| n.id.clone())
        .collect();
    let mut linked: Vec<&str> = g
        .edges
        .iter()
        .filter_map(|e| match (e.from.as_str(), e.to.as_str()) {
            (f, t) if f == focus && t != focus => Some(t),
            (f, t) if t == focus && f != focus => Some(f),
            _ => None,
        })
        .filter(|n| principals.contains(*n))
        .collect();
    linked.sort_unstable();
    linked.dedup();
    let drawn: BTreeSet<String> = linked
        .iter()
        .take(GRAPH_DRAWN_LINKS)
        .map(|n| (*n).to_owned())
        .collect();
    let limit = GraphLimit {
        linked: u32::try_from(linked.len()).unwrap_or(u32::MAX),
        drawn: u32::try_from(drawn.len()).unwrap_or(u32::MAX),
        direct_only: true,
    };
    let hidden = |id: &str| id != focus && principals.contains(id) && !drawn.contains(id);
    g.nodes.retain(|n| !hidden(&n.id));
    g.edges.retain(|e| !hidden(&e.from) && !hidden(&e.to));
    limit
}

/// Adds the identity's escalation steps to the graph (an `admin` node for full access).
fn add_escalations(g: &mut IdentityGraph, paths: &[EscalationView], focus: &str) {
    let mut ids: BTreeSet<String> = g.nodes.iter().map(|n| n.id.clone()).collect();
    for p in paths {
        for s in &p.steps {
            for end in [&s.from, &s.to] {
                if ids.insert(end.clone()) {
                    g.nodes.push(GraphNode {
                        id: end.clone(),
                        kind: if end == "admin" {
                            "admin".to_owned()
                        } else {
                            "principal".to_owned()
                        },
                        label: if end == "admin" {
                            "admin (full access)".to_owned()
                        } else {
                            short(end)
                        },
                        focus: end == focus,
                    });
                }
            }
            let edge = GraphEdge {
                from: s.from.clone(),
                to: s.to.clone(),
                kind: "can_escalate_to".to_owned(),
                label: s.technique.clone(),
                reason: format!(
                    "{} ({}) using {}",
                    s.technique_name,
                    s.technique,
                    s.permissions
                        .iter()
                        .map(|x| x.action.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            if !g.edges.contains(&edge) {
                g.edges.push(edge);
            }
        }
    }
    g.nodes.sort_by(|a, b| a.id.cmp(&b.id));
}

/// The graph of an identity the snapshot does not know: the identity and the services it used.
fn usage_graph(key: &str, services: &[ServiceAccess]) -> IdentityGraph {
    let mut g = IdentityGraph {
        nodes: vec![GraphNode {
            id: key.to_owned(),
            kind: "principal".to_owned(),
            label: short(key),
            focus: true,
        }],
        edges: Vec::new(),
    };
    for s in services.iter().filter(|s| s.used > 0) {
        let id = format!("service:{}", s.service);
        g.nodes.push(GraphNode {
            id: id.clone(),
            kind: "service".to_owned(),
            label: s.service.clone(),
            focus: false,
        });
        g.edges.push(GraphEdge {
            from: key.to_owned(),
            to: id,
            kind: "used".to_owned(),
            label: format!("used ×{}", s.events),
            reason: format!(
                "CloudTrail: {} event(s) using {} action(s) of {}",
                s.events, s.used, s.service
            ),
        });
    }
    g
}

/// Where the export is written when the test sets it: a folder the save dialog's answer is taken from.
#[must_use]
pub fn preset_export_path(dir: &Path, key: &str, format: Format) -> PathBuf {
    dir.join(export_file_name(key, format))
}

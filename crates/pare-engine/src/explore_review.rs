//! What the desktop app's alert, review and drift screens show, in the shape they draw it: alerts with
//! filters, detail (events, the policy's reason and recommendation) and triage; the stored alert policies
//! and saving an edited one; review campaigns with their decision grid and progress; a review's report
//! written as HTML, CSV or PDF (what `pare review report` writes); and the drift between two snapshots.
//! Every answer comes from the alert, review and drift engines; this module only reshapes it.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use pare_store::{AlertStatus, Store};
use serde::{Deserialize, Serialize};

use crate::reviews::{self, ReportFormat, Target};
use crate::{EngineError, NamedCount};

/// Alert and review answers fail with a message the screen shows as it is.
fn msg(e: impl std::fmt::Display) -> String {
    e.to_string()
}

// ---------------------------------------------------------------------------------------------- alerts

/// Which alerts to list; a field left `None` matches every alert.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields))]
#[serde(default, rename_all = "camelCase")]
pub struct AlertFilter {
    /// `open`, `dismissed` or `resolved`.
    pub status: Option<String>,
    /// `low`, `medium`, `high` or `critical`.
    pub severity: Option<String>,
    /// The policy's id.
    pub policy: Option<String>,
}

/// One alert, as the list and the detail show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct AlertRow {
    /// Its id (what `pare alerts --triage` takes).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub id: i64,
    /// The policy's id.
    pub policy: String,
    /// The policy's name (its id when the policy is no longer stored).
    pub policy_name: String,
    /// The version of the policy that raised it.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub policy_version: i64,
    /// `low`, `medium`, `high`, `critical`.
    pub severity: String,
    /// The actor's principal key.
    pub actor: String,
    /// The time of the event that raised it.
    pub time: Option<String>,
    /// How many events caused it.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub event_count: u64,
    /// `open`, `dismissed`, `resolved`.
    pub status: String,
    /// The triage note.
    pub note: Option<String>,
    /// Who triaged it.
    pub triaged_by: Option<String>,
    /// When it was triaged.
    pub triaged_at: Option<String>,
    /// One line saying what happened.
    pub summary: String,
}

/// The alerts a filter keeps, with counts for the filters over all alerts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct AlertList {
    /// Alerts stored, all statuses.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub total: u64,
    /// The alerts the filter keeps, newest first.
    pub rows: Vec<AlertRow>,
    /// Alerts per status, over all alerts.
    pub by_status: Vec<NamedCount>,
    /// Alerts per severity (critical first), over all alerts.
    pub by_severity: Vec<NamedCount>,
    /// Alerts per policy id, over all alerts.
    pub by_policy: Vec<NamedCount>,
    /// The reviewer's name recorded with triage, when set.
    pub reviewer: Option<String>,
}

/// One event of an alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct AlertEventRow {
    /// `eventTime`.
    pub time: Option<String>,
    /// `eventID`.
    pub event_id: Option<String>,
    /// The actor's principal key.
    pub actor: String,
    /// `eventSource`.
    pub event_source: String,
    /// `eventName`.
    pub event_name: String,
    /// The IAM actions it maps to.
    pub actions: Vec<String>,
    /// `awsRegion`.
    pub region: Option<String>,
    /// `sourceIPAddress`.
    pub source_ip: Option<String>,
    /// `success`, `denied`, `failed`, `failed_before_authorization`.
    pub outcome: String,
    /// `errorCode`.
    pub error_code: Option<String>,
}

/// A stored alert policy (its latest version).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct AlertPolicyInfo {
    /// Its stable id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// `low`, `medium`, `high`, `critical`.
    pub severity: String,
    /// What it watches for.
    pub description: String,
    /// Why it matters.
    pub reason: String,
    /// What to do when it fires.
    pub recommendation: String,
    /// Its latest version.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub version: i64,
    /// `builtin` or the file it came from.
    pub source: String,
    /// The policy as a policy file (JSON, `version = 1`), ready to edit and save as its next version.
    pub file: String,
}

/// An alert with its events and the policy that raised it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct AlertDetail {
    /// The alert.
    pub alert: AlertRow,
    /// Its events, in time order.
    pub events: Vec<AlertEventRow>,
    /// The distinct source IPs of its events (what "activity from this IP" pivots on).
    pub source_ips: Vec<String>,
    /// The policy that raised it (its latest version), when still stored.
    pub policy: Option<AlertPolicyInfo>,
}

/// What re-evaluating the policies over the whole history did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct AlertEvaluation {
    /// Events evaluated.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub events: u64,
    /// Alerts raised that were not stored before.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub new_alerts: u64,
}

const SEVERITY_ORDER: [&str; 4] = ["critical", "high", "medium", "low"];

fn policy_info(view: crate::PolicyView) -> Result<AlertPolicyInfo, EngineError> {
    let parsed = pare_alerts::parse_policies(
        &format!("stored policy `{}`", view.id),
        &view.file,
        pare_alerts::PolicyFormat::Json,
    )?;
    let p = parsed.first().ok_or(EngineError::Internal(
        "a stored alert policy file holds no policy",
    ))?;
    Ok(AlertPolicyInfo {
        name: p.name().to_owned(),
        severity: p.severity().as_str().to_owned(),
        description: p.description().to_owned(),
        reason: p.reason().to_owned(),
        recommendation: p.recommendation().to_owned(),
        id: view.id,
        version: view.version,
        source: view.source,
        file: view.file,
    })
}

/// Every stored alert policy (the built-in pack is stored first when it is not), by id.
///
/// # Errors
/// The engine's message when the database fails or a stored policy no longer parses.
pub fn alert_policy_list(db: &Path) -> Result<Vec<AlertPolicyInfo>, String> {
    crate::alert_policies(db)
        .map_err(msg)?
        .into_iter()
        .map(|v| policy_info(v).map_err(msg))
        .collect()
}

fn alert_row(a: crate::AlertView, names: &HashMap<String, String>) -> AlertRow {
    AlertRow {
        policy_name: names
            .get(&a.policy)
            .cloned()
            .unwrap_or_else(|| a.policy.clone()),
        id: a.id,
        policy_version: a.policy_version,
        severity: a.severity,
        actor: a.actor,
        time: a.time,
        event_count: a.events.len() as u64,
        status: a.status,
        note: a.note,
        triaged_by: a.triaged_by,
        triaged_at: a.triaged_at,
        summary: a.summary,
        policy: a.policy,
    }
}

fn policy_names(db: &Path) -> Result<HashMap<String, String>, String> {
    Ok(alert_policy_list(db)?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect())
}

fn counts(values: impl Iterator<Item = String>) -> Vec<NamedCount> {
    let mut map: BTreeMap<String, u64> = BTreeMap::new();
    for v in values {
        *map.entry(v).or_default() += 1;
    }
    map.into_iter()
        .map(|(name, count)| NamedCount { name, count })
        .collect()
}

/// The alerts `filter` keeps, newest first, with counts per status, severity and policy over all alerts.
///
/// # Errors
/// The engine's message when the database fails, or for an unknown status.
pub fn alert_list(db: &Path, filter: &AlertFilter) -> Result<AlertList, String> {
    if let Some(s) = &filter.status {
        AlertStatus::parse(s).ok_or_else(|| {
            format!("unknown alert status `{s}`: expected open, dismissed or resolved")
        })?;
    }
    let names = policy_names(db)?;
    let all: Vec<AlertRow> = crate::alerts(db, None)
        .map_err(msg)?
        .into_iter()
        .map(|a| alert_row(a, &names))
        .collect();
    let mut by_severity = counts(all.iter().map(|a| a.severity.clone()));
    by_severity.sort_by_key(|c| {
        SEVERITY_ORDER
            .iter()
            .position(|s| *s == c.name)
            .unwrap_or(SEVERITY_ORDER.len())
    });
    let by_status = counts(all.iter().map(|a| a.status.clone()));
    let by_policy = counts(all.iter().map(|a| a.policy.clone()));
    let total = all.len() as u64;
    let keep = |want: &Option<String>, have: &str| want.as_deref().is_none_or(|w| w == have);
    let mut rows: Vec<AlertRow> = all
        .into_iter()
        .filter(|a| {
            keep(&filter.status, &a.status)
                && keep(&filter.severity, &a.severity)
                && keep(&filter.policy, &a.policy)
        })
        .collect();
    rows.sort_by(|a, b| (&b.time, b.id).cmp(&(&a.time, a.id)));
    Ok(AlertList {
        total,
        rows,
        by_status,
        by_severity,
        by_policy,
        reviewer: crate::reviewer(db).map_err(msg)?,
    })
}

fn find_alert(db: &Path, id: i64, names: &HashMap<String, String>) -> Result<AlertRow, String> {
    crate::alerts(db, None)
        .map_err(msg)?
        .into_iter()
        .find(|a| a.id == id)
        .map(|a| alert_row(a, names))
        .ok_or_else(|| msg(EngineError::UnknownAlert(id)))
}

/// One alert with its events and its policy.
///
/// # Errors
/// The engine's message for an unknown alert or a failing database.
pub fn alert_detail(db: &Path, id: i64) -> Result<AlertDetail, String> {
    let policies = alert_policy_list(db)?;
    let names = policies
        .iter()
        .map(|p| (p.id.clone(), p.name.clone()))
        .collect();
    let alert = find_alert(db, id, &names)?;
    let events: Vec<AlertEventRow> = crate::alert_events(db, id)
        .map_err(msg)?
        .into_iter()
        .map(|e| AlertEventRow {
            time: e.time,
            event_id: e.event_id,
            actor: e.actor,
            event_source: e.event_source,
            event_name: e.event_name,
            actions: e.actions,
            region: e.region,
            source_ip: e.source_ip,
            outcome: e.outcome.to_owned(),
            error_code: e.error_code,
        })
        .collect();
    let mut source_ips: Vec<String> = events.iter().filter_map(|e| e.source_ip.clone()).collect();
    source_ips.sort();
    source_ips.dedup();
    let policy = policies.into_iter().find(|p| p.id == alert.policy);
    Ok(AlertDetail {
        alert,
        events,
        source_ips,
        policy,
    })
}

/// Triage: `status` (`open`, `dismissed`, `resolved`) with a note, recorded with the reviewer setting
/// and the time; it survives re-imports.
///
/// # Errors
/// The engine's message for an unknown alert or status, or a failing database.
pub fn triage(db: &Path, id: i64, status: &str, note: &str) -> Result<AlertRow, String> {
    let status = AlertStatus::parse(status).ok_or_else(|| {
        format!("unknown alert status `{status}`: expected open, dismissed or resolved")
    })?;
    let note = Some(note.trim()).filter(|n| !n.is_empty());
    crate::triage_alert(db, id, status, note, None).map_err(msg)?;
    find_alert(db, id, &policy_names(db)?)
}

/// Stores the reviewer's name (recorded with triage and review decisions).
///
/// # Errors
/// `the reviewer's name is empty`, or the database's message.
pub fn save_reviewer(db: &Path, name: &str) -> Result<Option<String>, String> {
    let name = name.trim();
    if name.is_empty() {
        return Err("the reviewer's name is empty".to_owned());
    }
    crate::set_reviewer(db, name).map_err(msg)?;
    crate::reviewer(db).map_err(msg)
}

/// Saves an edited policy file (JSON when `text` starts with `{`, else TOML) as the next version of the
/// policies it holds. A refused file stores nothing; the message names the line and field.
///
/// # Errors
/// The policy checker's message (`edited policy.json:3:5: \`policy[0].severity\`: …`) or the database's.
pub fn save_alert_policy(db: &Path, text: &str) -> Result<Vec<AlertPolicyInfo>, String> {
    let name = if text.trim_start().starts_with('{') {
        "edited policy.json"
    } else {
        "edited policy.toml"
    };
    let stored =
        crate::import_alert_policies(db, &[(name.to_owned(), text.to_owned())]).map_err(msg)?;
    stored
        .into_iter()
        .map(|v| policy_info(v).map_err(msg))
        .collect()
}

/// Evaluates the stored policies over the whole history (alerts already stored stay as they are).
///
/// # Errors
/// The engine's message.
pub fn evaluate_all_alerts(db: &Path) -> Result<AlertEvaluation, String> {
    let s = crate::evaluate_alerts(db).map_err(msg)?;
    Ok(AlertEvaluation {
        events: s.events,
        new_alerts: s.new_alerts,
    })
}

// --------------------------------------------------------------------------------------------- reviews

/// An account snapshot a review or a drift can be over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SnapshotRow {
    /// Its id (what `pare review diff --from/--to` take).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub id: i64,
    /// When the data was taken.
    pub taken_at: String,
    /// When it was imported.
    pub imported_at: String,
    /// The account ID.
    pub account_id: Option<String>,
}

impl From<pare_store::SnapshotInfo> for SnapshotRow {
    fn from(s: pare_store::SnapshotInfo) -> Self {
        SnapshotRow {
            id: s.id,
            taken_at: s.taken_at,
            imported_at: s.imported_at,
            account_id: s.account_id,
        }
    }
}

/// A review campaign and how far it got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ReviewSummary {
    /// Its unique name.
    pub name: String,
    /// The snapshot it reviews.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub snapshot_id: i64,
    /// Start of the usage window.
    pub since: Option<String>,
    /// End of the usage window.
    pub until: Option<String>,
    /// When it was started.
    pub created_at: String,
    /// The review its decisions were carried over from.
    pub previous: Option<String>,
    /// Items (findings and identities).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub total: u64,
    /// Items with a decision.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub decided: u64,
    /// Decisions carried over from an earlier review.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub inherited: u64,
}

/// The review campaigns and the snapshots a new one can be over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ReviewsOverview {
    /// Every review, newest first.
    pub reviews: Vec<ReviewSummary>,
    /// Every account snapshot, newest first.
    pub snapshots: Vec<SnapshotRow>,
    /// The reviewer's name recorded with decisions, when set.
    pub reviewer: Option<String>,
}

/// A decision recorded on a review item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct DecisionView {
    /// `keep`, `remove`, `rightsize` or `accept-risk`.
    pub decision: String,
    /// Why.
    pub note: String,
    /// Who decided.
    pub reviewer: String,
    /// When.
    pub decided_at: String,
    /// When an accepted risk is looked at again.
    pub expires_at: Option<String>,
    /// The review it was made in, when carried over from an earlier one.
    pub inherited_from: Option<String>,
}

/// One row of the decision grid: a finding or an identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ReviewItemRow {
    /// `finding` or `principal`.
    pub subject: String,
    /// The finding's id or the identity's ARN.
    pub key: String,
    /// The identity it is about.
    pub principal: String,
    /// The finding kind, or the identity kind.
    pub kind: String,
    /// The finding's severity; empty for an identity.
    pub severity: String,
    /// One line.
    pub title: String,
    /// The decision, when made.
    pub decision: Option<DecisionView>,
}

/// A review with its decision grid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ReviewDetail {
    /// The review and its progress.
    pub summary: ReviewSummary,
    /// The snapshot it reviews.
    pub snapshot: Option<SnapshotRow>,
    /// Findings first (by severity), then identities.
    pub items: Vec<ReviewItemRow>,
    /// The reviewer's name recorded with decisions, when set.
    pub reviewer: Option<String>,
}

fn snapshot_rows(store: &Store) -> Result<Vec<SnapshotRow>, String> {
    let mut rows: Vec<SnapshotRow> = store
        .account_snapshots()
        .map_err(msg)?
        .into_iter()
        .map(SnapshotRow::from)
        .collect();
    rows.sort_by_key(|row| std::cmp::Reverse(row.id));
    Ok(rows)
}

fn summary_of(store: &Store, row: &pare_store::ReviewRow) -> Result<ReviewSummary, String> {
    let total = store.review_items(row.id).map_err(msg)?.len() as u64;
    let decisions = store.review_decisions(row.id).map_err(msg)?;
    let previous = match row.previous_id {
        Some(id) => store.review_by_id(id).map_err(msg)?.map(|r| r.name),
        None => None,
    };
    Ok(ReviewSummary {
        name: row.name.clone(),
        snapshot_id: row.snapshot_id,
        since: row.since.clone(),
        until: row.until.clone(),
        created_at: row.created_at.clone(),
        previous,
        total,
        decided: decisions.len() as u64,
        inherited: decisions
            .iter()
            .filter(|d| d.inherited_from.is_some())
            .count() as u64,
    })
}

fn open_existing(db: &Path) -> Result<Store, String> {
    Store::open(db).map_err(msg)
}

/// The review campaigns (newest first) with their progress, and the account snapshots.
///
/// # Errors
/// The database's message.
pub fn reviews_overview(db: &Path) -> Result<ReviewsOverview, String> {
    let store = open_existing(db)?;
    let mut reviews = Vec::new();
    for row in store.reviews().map_err(msg)?.iter().rev() {
        reviews.push(summary_of(&store, row)?);
    }
    Ok(ReviewsOverview {
        reviews,
        snapshots: snapshot_rows(&store)?,
        reviewer: store.setting(crate::REVIEWER_SETTING).map_err(msg)?,
    })
}

fn severity_rank(s: &str) -> usize {
    SEVERITY_ORDER
        .iter()
        .position(|x| *x == s)
        .unwrap_or(SEVERITY_ORDER.len())
}

/// One review with its decision grid.
///
/// # Errors
/// `no review named …`, or the database's message.
pub fn review_detail(db: &Path, name: &str) -> Result<ReviewDetail, String> {
    let store = open_existing(db)?;
    let row = store
        .review(Some(name))
        .map_err(msg)?
        .ok_or_else(|| format!("no review named `{name}`"))?;
    let summary = summary_of(&store, &row)?;
    let snapshot = store
        .account_snapshot(Some(row.snapshot_id))
        .map_err(msg)?
        .map(SnapshotRow::from);
    let mut decisions: HashMap<(String, String), pare_store::ReviewDecision> = store
        .review_decisions(row.id)
        .map_err(msg)?
        .into_iter()
        .map(|d| ((d.subject.clone(), d.key.clone()), d))
        .collect();
    let mut items: Vec<ReviewItemRow> = store
        .review_items(row.id)
        .map_err(msg)?
        .into_iter()
        .map(|i| {
            let decision = decisions
                .remove(&(i.subject.clone(), i.key.clone()))
                .map(|d| DecisionView {
                    decision: d.decision,
                    note: d.note,
                    reviewer: d.reviewer,
                    decided_at: d.decided_at,
                    expires_at: d.expires_at,
                    inherited_from: d.inherited_from,
                });
            ReviewItemRow {
                subject: i.subject,
                key: i.key,
                principal: i.principal,
                kind: i.kind,
                severity: i.severity,
                title: i.title,
                decision,
            }
        })
        .collect();
    items.sort_by(|a, b| {
        (
            a.subject != "finding",
            severity_rank(&a.severity),
            &a.principal,
            &a.key,
        )
            .cmp(&(
                b.subject != "finding",
                severity_rank(&b.severity),
                &b.principal,
                &b.key,
            ))
    });
    Ok(ReviewDetail {
        summary,
        snapshot,
        items,
        reviewer: store.setting(crate::REVIEWER_SETTING).map_err(msg)?,
    })
}

/// `None` for an absent or blank form field.
fn non_blank(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

/// Starts a review over `snapshot` (the latest when `None`) and a usage window (`2026-01-31` or RFC 3339);
/// the previous review's decisions carry over where the identity and the finding are unchanged.
///
/// # Errors
/// The review engine's message (a name in use, a bad date, no snapshot).
pub fn start_review(
    db: &Path,
    name: &str,
    snapshot: Option<i64>,
    since: Option<&str>,
    until: Option<&str>,
) -> Result<ReviewSummary, String> {
    let row = reviews::start_review_on(
        db,
        name.trim(),
        snapshot,
        non_blank(since),
        non_blank(until),
    )
    .map_err(msg)?;
    summary_of(&open_existing(db)?, &row)
}

/// Records a decision on a review item, by the stored reviewer.
///
/// # Errors
/// `set the reviewer's name first` when none is stored, or the review engine's message (an unknown item,
/// a missing note, accept-risk without a future expiry).
#[allow(
    clippy::too_many_arguments,
    reason = "one argument per field of the decision form"
)]
pub fn decide(
    db: &Path,
    review: &str,
    subject: &str,
    key: &str,
    decision: &str,
    note: &str,
    expires: Option<&str>,
) -> Result<DecisionView, String> {
    let reviewer = crate::reviewer(db)
        .map_err(msg)?
        .ok_or("set the reviewer's name first (it is recorded with every decision)")?;
    let target = match subject {
        "finding" => Target::Finding(key.to_owned()),
        "principal" => Target::Principal(key.to_owned()),
        other => {
            return Err(format!(
                "unknown subject `{other}`: expected finding or principal"
            ));
        }
    };
    let expires = expires.map(str::trim).filter(|e| !e.is_empty());
    let d = reviews::decide(
        db,
        Some(review),
        &target,
        decision,
        note,
        &reviewer,
        expires,
    )
    .map_err(msg)?;
    Ok(DecisionView {
        decision: d.decision,
        note: d.note,
        reviewer: d.reviewer,
        decided_at: d.decided_at,
        expires_at: d.expires_at,
        inherited_from: d.inherited_from,
    })
}

/// A written report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SavedReport {
    /// Where it was written.
    pub path: String,
    /// `html`, `csv` or `pdf`.
    pub format: String,
    /// The SHA-256 sealing it (of the HTML a PDF prints, for a PDF).
    pub sha256: String,
}

/// The Chromium that prints PDFs: `PARE_CHROMIUM`, else the first of the usual names on `PATH`.
#[must_use]
pub fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("PARE_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser", "google-chrome", "chrome"] {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

/// Writes a review's sealed HTML report printed to PDF by headless Chromium (offline: the page fetches
/// nothing); returns the SHA-256 of the HTML it printed.
///
/// # Errors
/// A message when Chromium is missing or fails, or the review engine's.
pub fn write_pdf_report(db: &Path, review: Option<&str>, out: &Path) -> Result<String, String> {
    let browser = chromium().ok_or(
        "PDF needs Chromium: install `chromium` (scripts/setup.sh does) or set PARE_CHROMIUM",
    )?;
    let dir = std::env::temp_dir().join(format!(
        "pare-report-{}-{}",
        std::process::id(),
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
    ));
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
    let html = dir.join("report.html");
    let result = (|| -> Result<String, String> {
        let digest = reviews::write_report(db, review, ReportFormat::Html, &html).map_err(msg)?;
        let target = std::path::absolute(out)
            .map_err(|e| format!("cannot write `{}`: {e}", out.display()))?;
        let status = std::process::Command::new(&browser)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-pdf-header-footer",
            ])
            .arg(format!("--user-data-dir={}", dir.join("profile").display()))
            .arg(format!("--print-to-pdf={}", target.display()))
            .arg(format!("file://{}", html.display()))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .map_err(|e| format!("cannot run `{}`: {e}", browser.display()))?;
        if !status.success() || !target.is_file() {
            return Err(format!(
                "`{}` did not print `{}` ({status})",
                browser.display(),
                out.display()
            ));
        }
        Ok(digest)
    })();
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// Writes a review's report in `format` (`html`, `csv` or `pdf`) to `out`: the files `pare review report`
/// writes (a CSV gets its `.sha256` beside it).
///
/// # Errors
/// An unknown format, or the review engine's message.
pub fn save_report(
    db: &Path,
    review: &str,
    format: &str,
    out: &Path,
) -> Result<SavedReport, String> {
    let sha256 = match format {
        "html" => reviews::write_report(db, Some(review), ReportFormat::Html, out).map_err(msg)?,
        "csv" => reviews::write_report(db, Some(review), ReportFormat::Csv, out).map_err(msg)?,
        "pdf" => write_pdf_report(db, Some(review), out)?,
        other => {
            return Err(format!(
                "unknown report format `{other}`: expected html, csv or pdf"
            ));
        }
    };
    Ok(SavedReport {
        path: out.display().to_string(),
        format: format.to_owned(),
        sha256,
    })
}

/// The file name a report is offered under: `<review>-report.<format>`, with characters that do not belong
/// in a file name replaced.
#[must_use]
pub fn report_file_name(review: &str, format: &str) -> String {
    let safe: String = review
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("{safe}-report.{format}")
}

// ----------------------------------------------------------------------------------------------- drift

/// An identity added, removed or recreated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct DriftIdentity {
    /// Its ARN.
    pub arn: String,
    /// `user`, `role` or `root`.
    pub kind: String,
}

/// A policy attached or detached, or a group membership.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct DriftAttachment {
    /// The user, role or group's ARN.
    pub holder: String,
    /// `attached` or `detached`.
    pub change: String,
    /// `managed-policy`, `inline-policy`, `boundary` or `group`.
    pub what: String,
    /// The policy ARN, inline policy name, or group name.
    pub name: String,
}

/// A statement with the same `Sid` in both versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct DriftChangedStatement {
    /// The `Sid`.
    pub sid: String,
    /// Before, as indented JSON.
    pub before: String,
    /// After, as indented JSON.
    pub after: String,
}

/// A policy document whose statements differ.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct DriftPolicyChange {
    /// `managed`, `inline`, `group-inline` or `trust`.
    pub kind: String,
    /// The managed policy's ARN, or the holder's ARN.
    pub policy: String,
    /// The inline policy's name.
    pub name: Option<String>,
    /// Statements only in the later version, as indented JSON.
    pub added: Vec<String>,
    /// Statements only in the earlier version, as indented JSON.
    pub removed: Vec<String>,
    /// Statements with the same `Sid` and different content.
    pub changed: Vec<DriftChangedStatement>,
}

/// Actions one identity gained or lost (all its policies combined, through the engine).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct DriftPermissions {
    /// Its ARN.
    pub principal: String,
    /// Actions allowed now and not before.
    pub gained: Vec<String>,
    /// Actions allowed before and not now.
    pub lost: Vec<String>,
    /// Actions now allowed on every resource without condition.
    pub gained_on_all_resources: Vec<String>,
    /// Actions no longer allowed on every resource without condition.
    pub lost_on_all_resources: Vec<String>,
}

/// A finding that appeared or disappeared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct DriftFinding {
    /// Its stable id.
    pub id: String,
    /// Its kind.
    pub kind: String,
    /// Its severity.
    pub severity: String,
    /// Its identity.
    pub principal: String,
    /// One line.
    pub title: String,
}

/// An access key slot active in either snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct DriftKey {
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
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub age_days: Option<i64>,
}

/// What changed between two snapshots, as `pare review diff --json` computes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct DriftView {
    /// The earlier snapshot.
    pub from: SnapshotRow,
    /// The later snapshot.
    pub to: SnapshotRow,
    /// Identities only in the later snapshot.
    pub identities_added: Vec<DriftIdentity>,
    /// Identities only in the earlier snapshot.
    pub identities_removed: Vec<DriftIdentity>,
    /// Same ARN, different unique id.
    pub identities_recreated: Vec<DriftIdentity>,
    /// Policies attached and detached, group memberships.
    pub attachments: Vec<DriftAttachment>,
    /// Policy documents changed, statement by statement.
    pub policy_changes: Vec<DriftPolicyChange>,
    /// Permissions gained and lost per identity.
    pub permissions: Vec<DriftPermissions>,
    /// Findings only in the later snapshot.
    pub new_findings: Vec<DriftFinding>,
    /// Findings only in the earlier snapshot.
    pub resolved_findings: Vec<DriftFinding>,
    /// Every access key active in either snapshot, rotated or not.
    pub credentials: Vec<DriftKey>,
}

fn pretty(v: &serde_json::Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string())
}

/// The account snapshots, newest first.
///
/// # Errors
/// The database's message.
pub fn snapshots(db: &Path) -> Result<Vec<SnapshotRow>, String> {
    snapshot_rows(&open_existing(db)?)
}

/// The drift from snapshot `from` to snapshot `to`.
///
/// # Errors
/// The review engine's message (an unknown snapshot, a failing database).
pub fn drift(db: &Path, from: i64, to: i64) -> Result<DriftView, String> {
    let d = reviews::snapshot_drift(db, from, to).map_err(msg)?;
    let identity = |i: pare_review::drift::IdentityRef| DriftIdentity {
        arn: i.arn,
        kind: i.kind,
    };
    let finding = |f: pare_review::drift::FindingRef| DriftFinding {
        id: f.id,
        kind: f.kind,
        severity: f.severity,
        principal: f.principal,
        title: f.title,
    };
    let x = d.drift;
    Ok(DriftView {
        from: d.from.into(),
        to: d.to.into(),
        identities_added: x.identities.added.into_iter().map(identity).collect(),
        identities_removed: x.identities.removed.into_iter().map(identity).collect(),
        identities_recreated: x.identities.recreated.into_iter().map(identity).collect(),
        attachments: x
            .attachments
            .into_iter()
            .map(|a| DriftAttachment {
                holder: a.holder,
                change: a.change,
                what: a.what,
                name: a.name,
            })
            .collect(),
        policy_changes: x
            .policy_changes
            .into_iter()
            .map(|c| DriftPolicyChange {
                kind: c.kind,
                policy: c.policy,
                name: c.name,
                added: c.added.iter().map(pretty).collect(),
                removed: c.removed.iter().map(pretty).collect(),
                changed: c
                    .changed
                    .into_iter()
                    .map(|s| DriftChangedStatement {
                        before: pretty(&s.before),
                        after: pretty(&s.after),
                        sid: s.sid,
                    })
                    .collect(),
            })
            .collect(),
        permissions: x
            .permissions
            .into_iter()
            .map(|p| DriftPermissions {
                principal: p.principal,
                gained: p.gained,
                lost: p.lost,
                gained_on_all_resources: p.gained_on_all_resources,
                lost_on_all_resources: p.lost_on_all_resources,
            })
            .collect(),
        new_findings: x.findings.new.into_iter().map(finding).collect(),
        resolved_findings: x.findings.resolved.into_iter().map(finding).collect(),
        credentials: x
            .credentials
            .into_iter()
            .map(|k| DriftKey {
                principal: k.principal,
                key: k.key,
                status: k.status,
                from_last_rotated: k.from_last_rotated,
                to_last_rotated: k.to_last_rotated,
                age_days: k.age_days,
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        reason = "test code"
    )]
    use std::io::Read as _;

    use super::*;
    use crate::account::{AccountImportInput, import_account};

    fn data(rel: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/data")
            .join(rel)
    }

    #[test]
    fn alerts_list_filter_detail_and_triage_that_survives_a_reimport() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("pare.db");
        let trail = data("cloudtrail/panther/scenario_events.jsonl");
        crate::import_cloudtrail(&db, std::slice::from_ref(&trail), None, None, |_| {}).unwrap();
        let stored = crate::alerts(&db, None).unwrap();
        assert!(!stored.is_empty());
        let list = alert_list(&db, &AlertFilter::default()).unwrap();
        assert_eq!(list.total as usize, stored.len());
        assert_eq!(list.rows.len(), stored.len());
        assert_eq!(
            list.by_status,
            vec![NamedCount {
                name: "open".into(),
                count: stored.len() as u64
            }]
        );
        assert_eq!(
            list.by_policy.iter().map(|c| c.count).sum::<u64>() as usize,
            stored.len()
        );
        // Newest first.
        assert!(list.rows.windows(2).all(|w| w[0].time >= w[1].time));
        let root_user = list
            .rows
            .iter()
            .find(|a| a.policy == "root-creates-user")
            .expect("the compromised-root scenario raises root-creates-user");
        assert_eq!(root_user.severity, "critical");
        assert_ne!(
            root_user.policy_name, root_user.policy,
            "the policy's name is shown"
        );

        let detail = alert_detail(&db, root_user.id).unwrap();
        assert_eq!(detail.events.len() as u64, root_user.event_count);
        assert!(detail.events.iter().all(|e| e.event_name == "CreateUser"));
        assert!(!detail.source_ips.is_empty());
        let policy = detail.policy.unwrap();
        assert!(!policy.reason.is_empty() && !policy.recommendation.is_empty());
        assert!(policy.file.contains("\"root-creates-user\""));

        // No reviewer yet: triage is recorded as `unknown`; with one, by name.
        assert!(save_reviewer(&db, "  ").is_err());
        assert_eq!(save_reviewer(&db, "Dana").unwrap().as_deref(), Some("Dana"));
        let t = triage(&db, root_user.id, "dismissed", " known break-glass drill ").unwrap();
        assert_eq!(t.status, "dismissed");
        assert_eq!(t.note.as_deref(), Some("known break-glass drill"));
        assert_eq!(t.triaged_by.as_deref(), Some("Dana"));
        assert!(triage(&db, root_user.id, "closed", "").is_err());
        assert!(triage(&db, 999_999, "resolved", "").is_err());

        let dismissed = AlertFilter {
            status: Some("dismissed".into()),
            ..AlertFilter::default()
        };
        crate::import_cloudtrail(&db, &[trail], None, None, |_| {}).unwrap();
        let after = alert_list(&db, &dismissed).unwrap();
        assert_eq!(
            after.total as usize,
            stored.len(),
            "a re-import raises nothing twice"
        );
        assert_eq!(after.rows.len(), 1);
        assert_eq!(after.rows[0].id, root_user.id);
        assert_eq!(after.reviewer.as_deref(), Some("Dana"));
        let critical = alert_list(
            &db,
            &AlertFilter {
                severity: Some("critical".into()),
                ..AlertFilter::default()
            },
        )
        .unwrap();
        assert!(critical.rows.iter().all(|a| a.severity == "critical"));
        assert_eq!(
            critical.rows.len() as u64,
            list.by_severity
                .iter()
                .find(|c| c.name == "critical")
                .unwrap()
                .count
        );
        assert!(
            alert_list(
                &db,
                &AlertFilter {
                    status: Some("closed".into()),
                    ..AlertFilter::default()
                }
            )
            .is_err()
        );
    }

    #[test]
    fn an_edited_policy_is_a_new_version_and_a_bad_one_stores_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("pare.db");
        let policies = alert_policy_list(&db).unwrap();
        let before = policies
            .iter()
            .find(|p| p.id == "root-creates-user")
            .unwrap()
            .clone();
        assert_eq!(before.source, "builtin");
        let bad = before.file.replace("\"critical\"", "\"urgent\"");
        let err = save_alert_policy(&db, &bad).unwrap_err();
        assert!(err.starts_with("edited policy.json:"), "{err}");
        assert!(err.contains("severity"), "{err}");
        assert_eq!(alert_policy_list(&db).unwrap(), policies, "nothing stored");

        let edited = before.file.replace("\"critical\"", "\"high\"");
        let saved = save_alert_policy(&db, &edited).unwrap();
        assert_eq!(saved.len(), 1);
        assert_eq!(saved[0].version, before.version + 1);
        assert_eq!(saved[0].severity, "high");
        assert_eq!(saved[0].source, "edited policy.json");
    }

    fn dump_without(user: &str, out: &Path) {
        let mut text = String::new();
        flate2::read::GzDecoder::new(
            std::fs::File::open(data(
                "authz-details-cloudsplaining/example-authz-details.json.gz",
            ))
            .unwrap(),
        )
        .read_to_string(&mut text)
        .unwrap();
        let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
        v["UserDetailList"]
            .as_array_mut()
            .unwrap()
            .retain(|u| u["UserName"] != user);
        std::fs::write(out, v.to_string()).unwrap();
    }

    #[test]
    fn reviews_decisions_carry_over_and_drift_and_reports() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("pare.db");
        let first = data("authz-details-cloudsplaining/example-authz-details.json.gz");
        let second = dir.path().join("without-biden.json");
        dump_without("biden", &second);
        for authz in [first, second] {
            import_account(
                &db,
                &AccountImportInput {
                    authz: vec![authz],
                    ..AccountImportInput::default()
                },
            )
            .unwrap();
        }
        let snaps = snapshots(&db).unwrap();
        assert_eq!(snaps.len(), 2);
        let (newer, older) = (snaps[0].id, snaps[1].id);
        assert!(newer > older);

        let d = drift(&db, older, newer).unwrap();
        let cli = reviews::snapshot_drift(&db, older, newer).unwrap();
        assert_eq!(d.identities_removed.len(), 1);
        assert!(d.identities_removed[0].arn.ends_with(":user/biden"));
        assert!(d.identities_added.is_empty());
        assert_eq!(d.resolved_findings.len(), cli.drift.findings.resolved.len());
        assert_eq!(d.attachments.len(), cli.drift.attachments.len());
        assert_eq!(d.new_findings.len(), cli.drift.findings.new.len());

        // A review over the older snapshot, then one over the newer that inherits its decisions.
        let q1 = start_review(&db, "Q1", Some(older), Some("2026-01-01"), Some("")).unwrap();
        assert_eq!(q1.snapshot_id, older);
        assert_eq!(q1.decided, 0);
        assert!(q1.total > 0);
        assert!(start_review(&db, "Q1", None, None, None).is_err());
        let grid = review_detail(&db, "Q1").unwrap();
        assert_eq!(grid.items.len() as u64, q1.total);
        assert_eq!(grid.items[0].subject, "finding");
        let obama = grid
            .items
            .iter()
            .find(|i| i.subject == "principal" && i.key.ends_with(":user/obama"))
            .unwrap()
            .clone();
        let err = decide(
            &db,
            "Q1",
            "principal",
            &obama.key,
            "keep",
            "still needed",
            None,
        )
        .unwrap_err();
        assert!(err.contains("reviewer"), "{err}");
        save_reviewer(&db, "Dana").unwrap();
        let err = decide(&db, "Q1", "principal", &obama.key, "accept-risk", "x", None).unwrap_err();
        assert!(err.contains("--expires"), "{err}");
        let made = decide(
            &db,
            "Q1",
            "principal",
            &obama.key,
            "keep",
            "still needed",
            None,
        )
        .unwrap();
        assert_eq!(made.reviewer, "Dana");
        let q1 = review_detail(&db, "Q1").unwrap();
        assert_eq!(q1.summary.decided, 1);

        let q2 = start_review(&db, "Q2", None, None, None).unwrap();
        assert_eq!(q2.snapshot_id, newer);
        assert_eq!(q2.previous.as_deref(), Some("Q1"));
        assert_eq!((q2.decided, q2.inherited), (1, 1));
        let carried = review_detail(&db, "Q2")
            .unwrap()
            .items
            .into_iter()
            .find(|i| i.key == obama.key)
            .unwrap()
            .decision
            .unwrap();
        assert_eq!(carried.inherited_from.as_deref(), Some("Q1"));
        let overview = reviews_overview(&db).unwrap();
        assert_eq!(
            overview
                .reviews
                .iter()
                .map(|r| r.name.as_str())
                .collect::<Vec<_>>(),
            ["Q2", "Q1"]
        );
        assert_eq!(overview.reviewer.as_deref(), Some("Dana"));

        // The reports `pare review report` writes, sealed.
        let html = dir.path().join(report_file_name("Q2", "html"));
        let saved = save_report(&db, "Q2", "html", &html).unwrap();
        assert_eq!(reviews::verify_report(&html).unwrap(), saved.sha256);
        let csv = dir.path().join(report_file_name("Q2", "csv"));
        let saved = save_report(&db, "Q2", "csv", &csv).unwrap();
        assert_eq!(reviews::verify_report(&csv).unwrap(), saved.sha256);
        assert!(
            std::fs::read_to_string(&csv)
                .unwrap()
                .contains("still needed")
        );
        assert!(save_report(&db, "Q2", "docx", &csv).is_err());
        assert_eq!(report_file_name("Q3 / 2026", "pdf"), "Q3---2026-report.pdf");
    }
}

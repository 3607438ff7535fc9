//! What the desktop app's identities, findings and account-dashboard panels show, from one access review
//! ([`crate::findings::review`]): every identity of the account snapshot with its granted and used actions,
//! risk score and findings; every finding with a link to its evidence in the activity log; and the counts the
//! dashboard charts. The app computes none of these numbers.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::explore::ActivityFilter;
use crate::findings::{Review, ReviewError, ReviewOptions, review};

/// One identity of the account snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct IdentityRow {
    /// Its ARN.
    pub arn: String,
    /// Its name.
    pub name: String,
    /// `root`, `user`, `role`, `identity_center_role` or `service_linked_role`.
    pub kind: String,
    /// Last CloudTrail activity (RFC 3339).
    pub last_activity: Option<String>,
    /// Actions granted (`None` for root: every action, outside IAM's control).
    pub granted_actions: Option<u32>,
    /// Distinct actions used in the observation window.
    pub used_actions: u32,
    /// Granted actions not used in the window, as a percentage of the granted ones (`None` for root or
    /// when nothing is granted).
    pub unused_percent: Option<f64>,
    /// Risk score 0–100 (`None` for root).
    pub risk_score: Option<f64>,
    /// Findings about it.
    pub findings: u32,
    /// The worst severity among them.
    pub worst_severity: Option<String>,
}

/// One finding, with where to see its evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct FindingRow {
    /// Stable id.
    pub id: String,
    /// Kind (`console-without-mfa`, …).
    pub kind: String,
    /// `critical`, `high`, `medium`, `low` or `info`.
    pub severity: String,
    /// The principal's ARN.
    pub principal: String,
    /// The principal's name in the snapshot (the ARN's last part otherwise).
    pub principal_name: String,
    /// One line.
    pub title: String,
    /// Why it matters.
    pub explanation: String,
    /// What to do.
    pub recommendation: String,
    /// The facts it rests on, as indented JSON.
    pub evidence: String,
    /// The activity-log filter that shows the events behind it (the principal's events; root's console
    /// sign-ins for sign-in findings).
    pub activity: ActivityFilter,
}

/// A label and a count, for the dashboard's charts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct LabelCount {
    /// The label (a kind, a severity, a score range).
    pub label: String,
    /// The count.
    pub count: u32,
}

/// The account side of the dashboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct AccountSummary {
    /// Whether the database has an account snapshot (else the lists are empty).
    pub has_snapshot: bool,
    /// Identities (root included).
    pub identities: u32,
    /// Identities by kind, in a fixed order (root, user, role, identity_center_role, service_linked_role).
    pub identities_by_kind: Vec<LabelCount>,
    /// Findings.
    pub findings: u32,
    /// Findings by severity, worst first (every severity, zero included).
    pub findings_by_severity: Vec<LabelCount>,
    /// Privilege-escalation paths found.
    pub escalation_paths: u32,
    /// Granted actions summed over the IAM identities (root left out).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub granted_actions: u64,
    /// Granted actions used in the window, summed over the same identities.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub used_granted_actions: u64,
    /// Identities (root left out) by risk score range: `0–9`, `10–19`, … `90–100`.
    pub risk_distribution: Vec<LabelCount>,
    /// The CloudTrail window the usage covers (RFC 3339), when there is one.
    pub window_start: Option<String>,
    /// Its end.
    pub window_end: Option<String>,
}

/// The whole account review, in the shapes the app draws.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct AccountReview {
    /// The dashboard's counts.
    pub summary: AccountSummary,
    /// Every identity, in the snapshot's order (root first).
    pub identities: Vec<IdentityRow>,
    /// Every finding, worst first.
    pub findings: Vec<FindingRow>,
}

/// The identity kinds in the order the dashboard shows them.
pub const IDENTITY_KINDS: [&str; 5] = [
    "root",
    "user",
    "role",
    "identity_center_role",
    "service_linked_role",
];

/// Every severity, worst first.
pub const SEVERITIES: [&str; 5] = ["critical", "high", "medium", "low", "info"];

fn text(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Reviews the account in `db` (the latest snapshot and all usage) and shapes it for the app.
///
/// # Errors
///
/// [`ReviewError`] as [`review`] fails.
pub fn account_review(db: &Path) -> Result<AccountReview, ReviewError> {
    let has_snapshot = pare_store::Store::open(db)?
        .account_snapshot(None)?
        .is_some();
    let r = review(db, &ReviewOptions::default())?;
    Ok(shape(&r, has_snapshot))
}

/// The activity filter that shows a finding's events.
fn activity_of(principal: &str, kind: &str) -> ActivityFilter {
    let root = principal.ends_with(":root");
    ActivityFilter {
        principal: (!root).then(|| principal.to_owned()),
        principal_type: root.then(|| "Root".to_owned()),
        event_name: (root && kind.contains("console-login")).then(|| "ConsoleLogin".to_owned()),
        ..ActivityFilter::default()
    }
}

pub(crate) fn shape(r: &Review, has_snapshot: bool) -> AccountReview {
    let scores: HashMap<&str, f64> = r
        .scores
        .iter()
        .map(|s| (s.principal.as_str(), s.score))
        .collect();
    let mut per_principal: HashMap<&str, (u32, usize)> = HashMap::new();
    for f in &r.findings {
        let rank = SEVERITIES
            .iter()
            .position(|s| *s == f.severity.as_str())
            .unwrap_or(SEVERITIES.len());
        let e = per_principal
            .entry(f.principal.as_str())
            .or_insert((0, usize::MAX));
        e.0 += 1;
        e.1 = e.1.min(rank);
    }
    let names: HashMap<&str, &str> = r
        .identities
        .iter()
        .map(|i| (i.arn.as_str(), i.name.as_str()))
        .collect();
    let identities: Vec<IdentityRow> = r
        .identities
        .iter()
        .map(|i| {
            let (findings, worst) = per_principal
                .get(i.arn.as_str())
                .copied()
                .unwrap_or((0, usize::MAX));
            IdentityRow {
                arn: i.arn.clone(),
                name: i.name.clone(),
                kind: i.kind.to_owned(),
                last_activity: i.last_activity.map(text),
                granted_actions: i.granted_actions.map(count),
                used_actions: count(i.used_actions),
                unused_percent: i.granted_actions.filter(|g| *g > 0).map(|g| {
                    let unused = g.saturating_sub(i.used_granted_actions);
                    (unused as f64) * 100.0 / (g as f64)
                }),
                risk_score: scores.get(i.arn.as_str()).copied(),
                findings,
                worst_severity: SEVERITIES.get(worst).map(|s| (*s).to_owned()),
            }
        })
        .collect();
    let findings: Vec<FindingRow> = r
        .findings
        .iter()
        .map(|f| FindingRow {
            id: f.id.clone(),
            kind: f.kind.as_str().to_owned(),
            severity: f.severity.as_str().to_owned(),
            principal: f.principal.clone(),
            principal_name: names.get(f.principal.as_str()).map_or_else(
                || {
                    f.principal
                        .rsplit(['/', ':'])
                        .next()
                        .unwrap_or_default()
                        .to_owned()
                },
                |n| (*n).to_owned(),
            ),
            title: f.title.clone(),
            explanation: f.explanation.clone(),
            recommendation: f.recommendation.clone(),
            evidence: serde_json::to_string_pretty(&f.evidence).unwrap_or_default(),
            activity: activity_of(&f.principal, f.kind.as_str()),
        })
        .collect();

    let mut by_kind: BTreeMap<&str, u32> = BTreeMap::new();
    for i in &r.identities {
        *by_kind.entry(i.kind).or_default() += 1;
    }
    let mut by_severity: BTreeMap<&str, u32> = BTreeMap::new();
    for f in &r.findings {
        *by_severity.entry(f.severity.as_str()).or_default() += 1;
    }
    let mut risk = [0u32; 10];
    for i in r.identities.iter().filter(|i| i.granted_actions.is_some()) {
        let score = scores.get(i.arn.as_str()).copied().unwrap_or(0.0);
        // 0–9 → 0, …, 90–100 → 9.
        let bucket = ((score / 10.0).floor().clamp(0.0, 9.0)) as usize;
        if let Some(b) = risk.get_mut(bucket) {
            *b += 1;
        }
    }
    let summary = AccountSummary {
        has_snapshot,
        identities: count(r.identities.len()),
        identities_by_kind: IDENTITY_KINDS
            .iter()
            .map(|k| LabelCount {
                label: (*k).to_owned(),
                count: by_kind.get(k).copied().unwrap_or(0),
            })
            .collect(),
        findings: count(r.findings.len()),
        findings_by_severity: SEVERITIES
            .iter()
            .map(|s| LabelCount {
                label: (*s).to_owned(),
                count: by_severity.get(s).copied().unwrap_or(0),
            })
            .collect(),
        escalation_paths: count(r.paths.paths.len()),
        granted_actions: r
            .identities
            .iter()
            .filter_map(|i| i.granted_actions)
            .map(|g| g as u64)
            .sum(),
        used_granted_actions: r
            .identities
            .iter()
            .filter(|i| i.granted_actions.is_some())
            .map(|i| i.used_granted_actions as u64)
            .sum(),
        risk_distribution: risk
            .iter()
            .enumerate()
            .map(|(i, n)| LabelCount {
                label: if i == 9 {
                    "90–100".to_owned()
                } else {
                    format!("{}–{}", i * 10, i * 10 + 9)
                },
                count: *n,
            })
            .collect(),
        window_start: r.window.map(|w| text(w.0)),
        window_end: r.window.map(|w| text(w.1)),
    };
    AccountReview {
        summary,
        identities,
        findings,
    }
}

//! Right-sizing through the engine: a principal's observed usage in a window, read from the database, made
//! into a least-privilege suggestion by `pare-rightsize`; one principal, or every principal into a folder
//! with an index.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat, Utc};
use pare_catalog::Catalog;
use pare_policy::PolicySet;
use pare_rightsize::export::{self, Format};
use pare_rightsize::{Input, ObservedCall, Options, RightSizedPolicy};
use pare_store::UsageRow;
use serde::Serialize;

use crate::EngineError;

/// The time window a suggestion covers.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RightsizeWindow {
    /// `--since` (inclusive), RFC 3339.
    pub since: Option<String>,
    /// `--until` (exclusive), RFC 3339.
    pub until: Option<String>,
    /// The earliest event of the usage that was kept.
    pub first_event: Option<String>,
    /// The latest event of the usage that was kept.
    pub last_event: Option<String>,
}

/// A suggestion for one principal, with the window it was made from.
#[derive(Clone, Debug, Serialize)]
pub struct RightsizeReport {
    /// The window.
    pub window: RightsizeWindow,
    /// Whether the database holds data events (S3 object, Lambda invoke, DynamoDB item calls) of any
    /// principal; when not, granted data actions are kept, labelled.
    pub data_events_recorded: bool,
    /// The suggestion and its proofs.
    pub policy: RightSizedPolicy,
}

impl RightsizeReport {
    /// The `--json-report` form: `principal`, `window`, `policy`, `replay`, `before`, `after`,
    /// `kept_not_observable`, and the rest of the analysis.
    pub fn to_json(&self) -> serde_json::Value {
        let p = &self.policy;
        let policy = match p.documents.as_slice() {
            [one] => one.clone(),
            many => serde_json::Value::Array(many.to_vec()),
        };
        serde_json::json!({
            "principal": p.principal,
            "window": self.window,
            "policy": policy,
            "policies": p.documents,
            "replay": p.replay,
            "before": {"actions": p.before_actions, "services": p.services_before},
            "after": {"actions": p.after_actions, "services": p.services_after},
            "kept_not_observable": p.kept_not_observable,
            "services_removed": p.services_removed,
            "high_risk_removed": p.high_risk_removed,
            "not_granted_now": p.not_granted_now,
            "subset_proof": p.subset_proof,
            "size": p.size,
            "diff": p.diff,
            "data_events_recorded": self.data_events_recorded,
            "notes": p.notes,
        })
    }
}

fn rfc3339(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Whether an aggregate has events in the window. Usage is stored per (action, resource) with its first
/// and last event, so an aggregate straddling an edge counts whole (said in the notes).
fn in_window(row: &UsageRow, since: Option<&str>, until: Option<&str>) -> bool {
    let after_since = since.is_none_or(|s| row.last_seen.as_deref().is_none_or(|l| l >= s));
    let before_until = until.is_none_or(|u| row.first_seen.as_deref().is_none_or(|f| f < u));
    after_since && before_until
}

fn observed(rows: &[&UsageRow]) -> Vec<ObservedCall> {
    rows.iter()
        .map(|r| ObservedCall {
            action: r.action.clone(),
            resource: r.resource.clone(),
            count: r.count,
            first_seen: r.first_seen.clone(),
            last_seen: r.last_seen.clone(),
            regions: r.regions.clone(),
            source_ips: r.source_ips.clone(),
        })
        .collect()
}

fn window_of(rows: &[&UsageRow], since: Option<&str>, until: Option<&str>) -> RightsizeWindow {
    RightsizeWindow {
        since: since.map(str::to_owned),
        until: until.map(str::to_owned),
        first_event: rows.iter().filter_map(|r| r.first_seen.clone()).min(),
        last_event: rows.iter().filter_map(|r| r.last_seen.clone()).max(),
    }
}

fn catalog() -> Result<&'static Catalog, EngineError> {
    Catalog::bundled().map_err(|_| EngineError::Internal("the bundled catalog is unusable"))
}

fn straddle_note(rows: &[&UsageRow], since: Option<&str>, until: Option<&str>) -> Option<String> {
    let straddling = rows
        .iter()
        .filter(|r| {
            since.is_some_and(|s| r.first_seen.as_deref().is_some_and(|f| f < s))
                || until.is_some_and(|u| r.last_seen.as_deref().is_some_and(|l| l >= u))
        })
        .count();
    (straddling > 0).then(|| {
        format!("{straddling} usage aggregate(s) have events on both sides of the window's edge and count whole")
    })
}

/// The suggestion for `principal` (an IAM user, role or group ARN; a role session's ARN names its role)
/// from its usage in `[since, until)`, given its current policies.
///
/// # Errors
///
/// [`EngineError::Store`] if the database cannot be read.
pub fn rightsize(
    db: &Path,
    principal: &str,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    options: Options,
    current: &PolicySet,
) -> Result<RightsizeReport, EngineError> {
    let since = since.as_ref().map(rfc3339);
    let until = until.as_ref().map(rfc3339);
    let rows = crate::usage(db, Some(principal))?;
    let data_events_recorded = data_events_in(db)?;
    let role = role_arn(principal);
    let key = role.as_deref().unwrap_or(principal);
    Ok(report(
        key,
        &rows.iter().collect::<Vec<_>>(),
        since.as_deref(),
        until.as_deref(),
        Options {
            data_events_recorded,
            ..options
        },
        current,
        catalog()?,
    ))
}

fn report(
    principal: &str,
    rows: &[&UsageRow],
    since: Option<&str>,
    until: Option<&str>,
    options: Options,
    current: &PolicySet,
    catalog: &Catalog,
) -> RightsizeReport {
    let rows: Vec<&UsageRow> = rows
        .iter()
        .copied()
        .filter(|r| in_window(r, since, until))
        .collect();
    let calls = observed(&rows);
    let mut policy = pare_rightsize::rightsize(
        &Input {
            principal,
            current,
            observed: &calls,
            options,
        },
        catalog,
    );
    if let Some(n) = straddle_note(&rows, since, until) {
        policy.notes.push(n);
    }
    RightsizeReport {
        window: window_of(&rows, since, until),
        data_events_recorded: options.data_events_recorded,
        policy,
    }
}

/// For an assumed-role session ARN, its role's ARN (path unknown: `role/Name`).
fn role_arn(arn: &str) -> Option<String> {
    let (prefix, name) = crate::role_of_session(arn)?;
    Some(format!("{prefix}{name}"))
}

fn data_events_in(db: &Path) -> Result<bool, EngineError> {
    let store = pare_store::Store::open(db)?;
    Ok(store
        .mapping()?
        .iter()
        .filter(|m| m.count > 0)
        .flat_map(|m| m.actions.iter())
        .any(|a| pare_rightsize::rules::is_data_event_action(a)))
}

/// One principal of a bulk export.
#[derive(Clone, Debug, Serialize)]
pub struct BulkEntry {
    /// The principal's key.
    pub principal: String,
    /// The file written, relative to the folder; `None` when the principal has no current policies.
    pub file: Option<String>,
    /// Actions granted today.
    pub before_actions: usize,
    /// Actions the suggestion grants.
    pub after_actions: usize,
    /// Observed events the suggestion allows.
    pub replay_allowed: u64,
    /// Observed events.
    pub replay_total: u64,
    /// Managed policies the suggestion needs.
    pub managed_policies: usize,
    /// Permissions kept although CloudTrail cannot show them.
    pub kept_not_observable: usize,
    /// Why there is no file.
    pub skipped: Option<String>,
}

/// What a bulk export wrote.
#[derive(Clone, Debug, Serialize)]
pub struct BulkSummary {
    /// The folder.
    pub out_dir: PathBuf,
    /// The index file (`index.csv`).
    pub index: PathBuf,
    /// One per principal with usage in the window.
    pub entries: Vec<BulkEntry>,
    /// Time taken.
    pub seconds: f64,
}

/// A file name for a principal ARN: its kind and name, then a short hash so two principals never collide.
fn file_stem(arn: &str) -> String {
    let kind = match pare_rightsize::PrincipalKind::of_arn(arn) {
        pare_rightsize::PrincipalKind::User => "user",
        pare_rightsize::PrincipalKind::Group => "group",
        pare_rightsize::PrincipalKind::Role => "role",
        pare_rightsize::PrincipalKind::Other => "principal",
    };
    let name: String = pare_rightsize::principal_name(arn)
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
    use sha2::Digest as _;
    let hash = sha2::Sha256::digest(arn.as_bytes());
    let short: String = hash.iter().take(4).fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    });
    format!("{kind}-{name}-{short}")
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// Right-sizes every principal with usage in the window into `out_dir` (one file per principal in
/// `format`) and writes `index.csv` with before/after counts. `current` gives each principal's current
/// policies (`None`: skipped and said so in the index).
///
/// # Errors
///
/// [`EngineError::Store`] if the database cannot be read, [`EngineError::Io`] if a file cannot be written.
pub fn rightsize_all(
    db: &Path,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    options: Options,
    current: &dyn Fn(&str) -> Option<PolicySet>,
    format: Format,
    out_dir: &Path,
) -> Result<BulkSummary, EngineError> {
    let started = std::time::Instant::now();
    let since = since.as_ref().map(rfc3339);
    let until = until.as_ref().map(rfc3339);
    let catalog = catalog()?;
    let rows = crate::usage(db, None)?;
    let options = Options {
        data_events_recorded: data_events_in(db)?,
        ..options
    };
    let mut by_principal: BTreeMap<&str, Vec<&UsageRow>> = BTreeMap::new();
    for r in &rows {
        by_principal
            .entry(r.principal.as_str())
            .or_default()
            .push(r);
    }
    std::fs::create_dir_all(out_dir).map_err(|e| EngineError::Io {
        path: out_dir.to_path_buf(),
        source: e,
    })?;
    let mut entries = Vec::new();
    for (principal, rows) in by_principal {
        if !rows
            .iter()
            .any(|r| in_window(r, since.as_deref(), until.as_deref()))
        {
            continue;
        }
        let skip = |why: &str| BulkEntry {
            principal: principal.to_owned(),
            file: None,
            before_actions: 0,
            after_actions: 0,
            replay_allowed: 0,
            replay_total: 0,
            managed_policies: 0,
            kept_not_observable: 0,
            skipped: Some(why.to_owned()),
        };
        if pare_rightsize::PrincipalKind::of_arn(principal) == pare_rightsize::PrincipalKind::Other
        {
            entries.push(skip(
                "not an IAM user, group or role: there is no identity policy to right-size",
            ));
            continue;
        }
        let Some(set) = current(principal) else {
            entries.push(skip("no current policies for this principal"));
            continue;
        };
        let rep = report(
            principal,
            &rows,
            since.as_deref(),
            until.as_deref(),
            options,
            &set,
            catalog,
        );
        let p = &rep.policy;
        let name = format!("{}.{}", file_stem(principal), format.extension());
        let text = export::export(p, format)
            .map_err(|_| EngineError::Internal("a suggestion could not be serialised"))?;
        let path = out_dir.join(&name);
        std::fs::write(&path, text).map_err(|e| EngineError::Io { path, source: e })?;
        entries.push(BulkEntry {
            principal: principal.to_owned(),
            file: Some(name),
            before_actions: p.before_actions,
            after_actions: p.after_actions,
            replay_allowed: p.replay.allowed,
            replay_total: p.replay.total,
            managed_policies: p.documents.len(),
            kept_not_observable: p.kept_not_observable.len(),
            skipped: None,
        });
    }
    let mut csv = String::from(
        "principal,file,before_actions,after_actions,replay_allowed,replay_total,managed_policies,kept_not_observable,skipped\n",
    );
    for e in &entries {
        let _ = writeln!(
            csv,
            "{},{},{},{},{},{},{},{},{}",
            csv_field(&e.principal),
            csv_field(e.file.as_deref().unwrap_or("")),
            e.before_actions,
            e.after_actions,
            e.replay_allowed,
            e.replay_total,
            e.managed_policies,
            e.kept_not_observable,
            csv_field(e.skipped.as_deref().unwrap_or("")),
        );
    }
    let index = out_dir.join("index.csv");
    std::fs::write(&index, csv).map_err(|e| EngineError::Io {
        path: index.clone(),
        source: e,
    })?;
    Ok(BulkSummary {
        out_dir: out_dir.to_path_buf(),
        index,
        entries,
        seconds: started.elapsed().as_secs_f64(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_stems_are_safe_and_distinct() {
        let a = file_stem("arn:aws:iam::111122223333:role/path/app role");
        let b = file_stem("arn:aws:iam::444455556666:role/app role");
        assert!(a.starts_with("role-app_role-"), "{a}");
        assert_ne!(a, b);
        assert_eq!(csv_field("a,b"), "\"a,b\"");
    }
}

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
use pare_store::{EventFilter, StoredOutcome};
use serde::Serialize;

use crate::EngineError;

/// Where a principal's current policies come from.
#[derive(Clone, Debug)]
pub enum CurrentPolicies {
    /// The same policies for every principal (`--policy FILE`).
    Given(Box<PolicySet>),
    /// Each principal's policies in the latest account snapshot (`pare import --authz`).
    Snapshot,
}

/// A principal's current policies and what is to be said about them.
type Resolved = (PolicySet, Vec<String>);
type Resolver = Box<dyn Fn(&str) -> Option<Resolved>>;

fn resolver(db: &Path, current: &CurrentPolicies) -> Result<Resolver, EngineError> {
    match current {
        CurrentPolicies::Given(set) => {
            let set: PolicySet = (**set).clone();
            Ok(Box::new(move |_| Some((set.clone(), Vec::new()))))
        }
        CurrentPolicies::Snapshot => {
            let (_, account) = crate::account::load_account_snapshot(db, None)
                .map_err(|e| EngineError::Account(e.to_string()))?;
            Ok(Box::new(move |arn| {
                let id = account.principal_by_arn(arn).or_else(|| {
                    // A role named by `role/Name` (from a session ARN): match it by name.
                    if pare_rightsize::PrincipalKind::of_arn(arn)
                        != pare_rightsize::PrincipalKind::Role
                    {
                        return None;
                    }
                    let name = pare_rightsize::principal_name(arn);
                    let acct = arn.split(':').nth(4).unwrap_or("");
                    account.principal_ids().find(|id| {
                        account.principal(*id).is_some_and(|p| {
                            p.kind == pare_account::PrincipalKind::Role
                                && p.name == name
                                && p.arn.split(':').nth(4) == Some(acct)
                        })
                    })
                })?;
                let p = account.policies_of(id)?;
                let mut notes = Vec::new();
                if !p.unresolved.is_empty() {
                    notes.push(format!(
                        "the account snapshot does not include these attached policies, which take no part: {}",
                        p.unresolved.join(", ")
                    ));
                }
                Some((p.set, notes))
            }))
        }
    }
}

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

/// Successful calls (success, or an error raised after authorization) per principal key, aggregated
/// per (action, resource, MFA) with their regions, addresses and first/last time.
fn observed_by_principal(
    db: &Path,
    principal: Option<&str>,
    since: Option<&str>,
    until: Option<&str>,
) -> Result<BTreeMap<String, Vec<ObservedCall>>, EngineError> {
    type Key = (String, String, Option<bool>);
    let mut acc: BTreeMap<String, BTreeMap<Key, ObservedCall>> = BTreeMap::new();
    let filter = EventFilter {
        principal: principal.map(str::to_owned),
        since: since.map(str::to_owned),
        until: until.map(str::to_owned),
    };
    crate::events(db, &filter, |stored| {
        let e = &stored.event;
        if !matches!(e.outcome, StoredOutcome::Success | StoredOutcome::Failed) {
            return std::ops::ControlFlow::Continue(());
        }
        let mfa = serde_json::from_str::<serde_json::Value>(&e.principal.details)
            .ok()
            .and_then(|d| {
                d.get("mfa_authenticated")
                    .and_then(serde_json::Value::as_bool)
            });
        let calls = acc.entry(e.principal.key.clone()).or_default();
        for a in &e.actions {
            let resources: Vec<&str> = if a.resources.is_empty() {
                vec!["*"]
            } else {
                a.resources.iter().map(String::as_str).collect()
            };
            for r in resources {
                let call = calls
                    .entry((a.action.clone(), r.to_owned(), mfa))
                    .or_insert_with(|| {
                        let mut c = ObservedCall::new(&a.action, r, 0);
                        c.mfa_present = mfa;
                        c
                    });
                call.count += 1;
                if let Some(t) = &e.time {
                    if call.first_seen.as_ref().is_none_or(|f| t < f) {
                        call.first_seen = Some(t.clone());
                    }
                    if call.last_seen.as_ref().is_none_or(|l| t > l) {
                        call.last_seen = Some(t.clone());
                    }
                }
                if let Some(region) = &e.region {
                    if !call.regions.contains(region) {
                        call.regions.push(region.clone());
                    }
                }
                if let Some(ip) = &e.source_ip {
                    if !call.source_ips.contains(ip) {
                        call.source_ips.push(ip.clone());
                    }
                }
            }
        }
        std::ops::ControlFlow::Continue(())
    })?;
    Ok(acc
        .into_iter()
        .map(|(k, calls)| (k, calls.into_values().collect()))
        .collect())
}

fn window_of(calls: &[ObservedCall], since: Option<&str>, until: Option<&str>) -> RightsizeWindow {
    RightsizeWindow {
        since: since.map(str::to_owned),
        until: until.map(str::to_owned),
        first_event: calls.iter().filter_map(|r| r.first_seen.clone()).min(),
        last_event: calls.iter().filter_map(|r| r.last_seen.clone()).max(),
    }
}

fn catalog() -> Result<&'static Catalog, EngineError> {
    Catalog::bundled().map_err(|_| EngineError::Internal("the bundled catalog is unusable"))
}

/// The suggestion for `principal` (an IAM user or role ARN; a role session's ARN names its role) from its
/// successful calls in `[since, until)`, given its current policies.
///
/// # Errors
///
/// [`EngineError::Store`] if the database cannot be read; [`EngineError::Account`] when the current
/// policies are to come from an account snapshot and there is none; [`EngineError::NotInAccount`] when the
/// snapshot does not know the principal.
pub fn rightsize(
    db: &Path,
    principal: &str,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    options: Options,
    current: &CurrentPolicies,
) -> Result<RightsizeReport, EngineError> {
    let since = since.as_ref().map(rfc3339);
    let until = until.as_ref().map(rfc3339);
    let resolve = resolver(db, current)?;
    let role = role_arn(principal);
    let key = role.as_deref().unwrap_or(principal);
    let Some((set, notes)) = resolve(key) else {
        return Err(EngineError::NotInAccount(principal.to_owned()));
    };
    let calls: Vec<ObservedCall> =
        observed_by_principal(db, Some(principal), since.as_deref(), until.as_deref())?
            .into_values()
            .flatten()
            .collect();
    let options = Options {
        data_events_recorded: data_events_in(db)?,
        ..options
    };
    let mut rep = report(
        key,
        &calls,
        since.as_deref(),
        until.as_deref(),
        options,
        &set,
        catalog()?,
    );
    rep.policy.notes.extend(notes);
    Ok(rep)
}

fn report(
    principal: &str,
    calls: &[ObservedCall],
    since: Option<&str>,
    until: Option<&str>,
    options: Options,
    current: &PolicySet,
    catalog: &Catalog,
) -> RightsizeReport {
    let policy = pare_rightsize::rightsize(
        &Input {
            principal,
            current,
            observed: calls,
            options,
        },
        catalog,
    );
    RightsizeReport {
        window: window_of(calls, since, until),
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
    current: &CurrentPolicies,
    format: Format,
    out_dir: &Path,
) -> Result<BulkSummary, EngineError> {
    let started = std::time::Instant::now();
    let since = since.as_ref().map(rfc3339);
    let until = until.as_ref().map(rfc3339);
    let catalog = catalog()?;
    let resolve = resolver(db, current)?;
    let by_principal = observed_by_principal(db, None, since.as_deref(), until.as_deref())?;
    let options = Options {
        data_events_recorded: data_events_in(db)?,
        ..options
    };
    std::fs::create_dir_all(out_dir).map_err(|e| EngineError::Io {
        path: out_dir.to_path_buf(),
        source: e,
    })?;
    let mut entries = Vec::new();
    for (principal, calls) in &by_principal {
        let principal = principal.as_str();
        if calls.is_empty() {
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
        let Some((set, notes)) = resolve(principal) else {
            entries.push(skip("the account snapshot does not know this principal"));
            continue;
        };
        let mut rep = report(
            principal,
            calls,
            since.as_deref(),
            until.as_deref(),
            options,
            &set,
            catalog,
        );
        rep.policy.notes.extend(notes);
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

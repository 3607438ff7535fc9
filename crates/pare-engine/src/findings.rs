//! The access review: the latest account snapshot and the CloudTrail usage in a database, through the
//! privilege-escalation path search and every finding rule (`pare findings`, `pare paths`).

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use pare_account::{Account, AccountPermissions, AccountSources, SourceFile};
use pare_catalog::Catalog;
use pare_findings::account::{AccountOracle, credential_facts, principal_facts};
use pare_findings::facts::{ActionUse, RootEvent, RootFacts};
use pare_findings::{
    AccountFacts, Finding, Observation, PathReport, RiskIndex, RiskScore, SearchOptions, Thresholds,
};
use pare_store::Store;
use pare_usage::ActionMapper;

/// Why a review failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReviewError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] pare_store::StoreError),
    /// A bundled artifact (catalog, mapping, techniques) is unusable: a bug in this build.
    #[error("bundled data is unusable: {0}")]
    Bundled(String),
    /// The stored account snapshot could not be rebuilt.
    #[error("the stored account snapshot cannot be read: {0}")]
    Snapshot(#[from] pare_account::InputError),
}

/// What to review.
#[derive(Debug, Clone, Default)]
pub struct ReviewOptions {
    /// Only findings and scores of this principal (ARN, or a role session ARN naming its role).
    pub principal: Option<String>,
    /// Thresholds of the credential and unused rules.
    pub thresholds: Thresholds,
    /// Path search limits.
    pub search: SearchOptions,
    /// Only the privilege-escalation paths (no finding rules, no scores).
    pub paths_only: bool,
    /// The account snapshot to review (its id); the latest when `None`.
    pub snapshot: Option<i64>,
    /// Only CloudTrail usage in this window (`since`, `until`), for a review campaign's usage window: the
    /// observation is clipped to it, usage aggregates entirely outside it and activity before it do not count.
    pub usage_window: (Option<DateTime<Utc>>, Option<DateTime<Utc>>),
}

/// The result of a review.
#[derive(Debug, Clone)]
pub struct Review {
    /// Findings, worst first.
    pub findings: Vec<Finding>,
    /// Privilege-escalation paths.
    pub paths: PathReport,
    /// Risk scores per principal, highest first.
    pub scores: Vec<RiskScore>,
    /// The CloudTrail window, when usage was imported.
    pub window: Option<(DateTime<Utc>, DateTime<Utc>)>,
    /// The time the review was made for (the snapshot's time, else the last event, else now).
    pub reviewed_at: DateTime<Utc>,
    /// Every identity of the snapshot (root first) with its granted and used actions.
    pub identities: Vec<IdentityStats>,
}

/// One identity of the account snapshot: what it may do and what it used in the observation window.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct IdentityStats {
    /// Its ARN.
    pub arn: String,
    /// Its name (`<root_account>` for root).
    pub name: String,
    /// `root`, `user`, `role`, `identity_center_role` or `service_linked_role`.
    pub kind: &'static str,
    /// Actions allowed on at least one resource (`None` for root: everything, and not governed by IAM).
    pub granted_actions: Option<usize>,
    /// Distinct actions used in the window (CloudTrail).
    pub used_actions: usize,
    /// Used actions among the granted ones.
    pub used_granted_actions: usize,
    /// Last CloudTrail activity of any kind.
    pub last_activity: Option<DateTime<Utc>>,
}

/// The kind of an account principal, as [`IdentityStats::kind`] names it.
fn identity_kind(p: &pare_account::Principal) -> &'static str {
    match (&p.kind, &p.role) {
        (pare_account::PrincipalKind::Root, _) => "root",
        (pare_account::PrincipalKind::User, _) => "user",
        (_, Some(r)) if r.identity_center => "identity_center_role",
        (_, Some(r)) if r.service_linked => "service_linked_role",
        _ => "role",
    }
}

fn parse(t: &str) -> Option<DateTime<Utc>> {
    pare_ingest::parse_time_text(t)
}

/// Rebuilds a stored account snapshot, the latest when `snapshot` is `None` (an empty account when there is none),
/// with the users and roles CloudTrail shows being created after it.
fn load_snapshot(
    store: &Store,
    snapshot: Option<i64>,
) -> Result<(Account, Option<DateTime<Utc>>), ReviewError> {
    let (sources, taken_at) = snapshot_sources(store, snapshot)?;
    let account = if sources == AccountSources::default() {
        Account::default()
    } else {
        pare_account::load_account(&sources)?
    };
    // Only the time the data itself carries (the credential report's) bounds what "after the snapshot" means.
    // Without a credential report the stored `taken_at` is the import's clock time, which says nothing about when
    // the authorization details were downloaded: a trail imported later than it was recorded (always, for a trail
    // read from S3) would otherwise have every creation fall "before the snapshot".
    match crate::trail_identities::created_identities(
        store,
        &account,
        account.credential_report_time,
    )? {
        Some(page) => {
            let mut sources = sources;
            sources.authz.push(page);
            Ok((pare_account::load_account(&sources)?, taken_at))
        }
        None => Ok((account, taken_at)),
    }
}

/// A stored snapshot's files, and its time (none of either when there is no snapshot).
fn snapshot_sources(
    store: &Store,
    snapshot: Option<i64>,
) -> Result<(AccountSources, Option<DateTime<Utc>>), ReviewError> {
    let Some(info) = store.account_snapshot(snapshot)? else {
        return Ok((AccountSources::default(), None));
    };
    let mut sources = AccountSources::default();
    for f in store.account_snapshot_files(info.id)? {
        let file = SourceFile {
            name: f.path,
            text: f.content,
        };
        match f.kind.as_str() {
            "authz" => sources.authz.push(file),
            "credential_report" => sources.credential_report = Some(file),
            "org_policies" => sources.org_policies = Some(file),
            "known_accounts" => sources.known_accounts = Some(file),
            "managed_policies" => sources.managed_policies = Some(file),
            _ => {}
        }
    }
    Ok((sources, parse(&info.taken_at)))
}

/// What the database does not keep about a root console sign-in, read again from its file.
#[derive(Debug, Clone, Copy)]
struct SignIn {
    /// `additionalEventData.MFAUsed == "Yes"`.
    mfa_used: Option<bool>,
    /// `responseElements.ConsoleLogin == "Success"` (a failed sign-in has no `errorCode`).
    success: Option<bool>,
}

/// The MFA use and outcome of the root console sign-ins, read again from their files. Files that cannot be read
/// leave both unknown.
fn root_sign_ins(rows: &[pare_store::RootEventRow]) -> HashMap<(String, i64), SignIn> {
    let mut wanted: HashMap<String, Vec<i64>> = HashMap::new();
    for r in rows.iter().filter(|r| r.event_name == "ConsoleLogin") {
        wanted
            .entry(r.file.clone())
            .or_default()
            .push(r.record_index);
    }
    let mut out = HashMap::new();
    if wanted.is_empty() {
        return out;
    }
    let paths: Vec<PathBuf> = wanted.keys().map(PathBuf::from).collect();
    let options = pare_ingest::ReadOptions {
        threads: 1,
        ..pare_ingest::ReadOptions::default()
    };
    let _summary = pare_ingest::read_all(
        &paths,
        &options,
        |record| {
            let file = record.file.to_string_lossy().into_owned();
            let index = i64::try_from(record.index).unwrap_or(i64::MAX);
            if wanted.get(&file).is_some_and(|v| v.contains(&index))
                && let Ok(value) = serde_json::from_str::<serde_json::Value>(record.json.get())
            {
                let text =
                    |a: &str, b: &str| value.get(a).and_then(|d| d.get(b)).and_then(|m| m.as_str());
                let sign_in = SignIn {
                    mfa_used: text("additionalEventData", "MFAUsed")
                        .map(|m| m.eq_ignore_ascii_case("yes")),
                    success: text("responseElements", "ConsoleLogin").map(|c| c == "Success"),
                };
                out.insert((file, index), sign_in);
            }
            ControlFlow::Continue(())
        },
        |_| {},
    );
    out
}

/// Reviews the account in `db`.
///
/// # Errors
///
/// [`ReviewError::Store`] when the database fails, [`ReviewError::Snapshot`] when the stored snapshot does not
/// parse, [`ReviewError::Bundled`] for a broken build.
pub fn review(db: &Path, options: &ReviewOptions) -> Result<Review, ReviewError> {
    let store = Store::open(db)?;
    let catalog = Catalog::bundled().map_err(|e| ReviewError::Bundled(e.to_string()))?;
    let techniques =
        pare_findings::techniques::bundled().map_err(|e| ReviewError::Bundled(e.to_string()))?;
    let mapper = ActionMapper::bundled().map_err(|e| ReviewError::Bundled(e.to_string()))?;
    let (account, taken_at) = load_snapshot(&store, options.snapshot)?;

    let (since, until) = options.usage_window;
    let window = store
        .event_window()?
        .and_then(|(a, b)| parse(&a).zip(parse(&b)))
        .map(|(a, b)| (since.map_or(a, |s| a.max(s)), until.map_or(b, |u| b.min(u))))
        .filter(|(a, b)| a <= b);
    let outside = |first: Option<DateTime<Utc>>, last: Option<DateTime<Utc>>| {
        since.zip(last).is_some_and(|(s, l)| l < s) || until.zip(first).is_some_and(|(u, f)| f >= u)
    };
    let reviewed_at = taken_at
        .or(window.map(|w| w.1))
        .unwrap_or_else(|| DateTime::<Utc>::from(std::time::SystemTime::now()));
    let observation = match window {
        Some((start, end)) => Some(Observation {
            start,
            end,
            observable: pare_findings::observable_actions(
                catalog,
                mapper.operations().into_iter().flat_map(|(_, _, ids)| ids),
                store.has_data_events()?,
            ),
            data_events: store.has_data_events()?,
        }),
        None => None,
    };

    // CloudTrail usage and last activity per principal of the model.
    let mut usage: HashMap<pare_account::PrincipalId, Vec<ActionUse>> = HashMap::new();
    for row in store.usage(None)? {
        let (Some(id), Some(action)) = (
            account.principal_for_usage_key(&row.principal),
            catalog.action(&row.action),
        ) else {
            continue;
        };
        let last_seen = row.last_seen.as_deref().and_then(parse);
        if outside(row.first_seen.as_deref().and_then(parse), last_seen) {
            continue;
        }
        let last_seen = match (last_seen, until) {
            (Some(l), Some(u)) if l >= u => Some(u),
            (l, _) => l,
        };
        let list = usage.entry(id).or_default();
        match list.iter_mut().find(|u| u.action == action) {
            Some(u) => u.last_seen = u.last_seen.max(last_seen),
            None => list.push(ActionUse { action, last_seen }),
        }
    }
    let mut last: HashMap<pare_account::PrincipalId, DateTime<Utc>> = HashMap::new();
    for (key, time) in store.last_activity()? {
        let Some(t) = parse(&time) else { continue };
        if since.is_some_and(|s| t < s) {
            continue;
        }
        let t = until.map_or(t, |u| t.min(u));
        if let Some(id) = account.principal_for_usage_key(&key) {
            let e = last.entry(id).or_insert(t);
            *e = (*e).max(t);
        }
    }

    let permissions = AccountPermissions::compile(&account, catalog);
    let oracle = AccountOracle::new(&permissions, reviewed_at);
    let paths = pare_findings::find_paths(&oracle, techniques, options.search);
    if options.paths_only {
        return Ok(Review {
            findings: Vec::new(),
            paths,
            scores: Vec::new(),
            window,
            reviewed_at,
            identities: Vec::new(),
        });
    }
    let risk = RiskIndex::new(catalog, techniques);

    let root_id = account.principal_ids().find(|&id| {
        account
            .principal(id)
            .is_some_and(|p| p.kind == pare_account::PrincipalKind::Root)
    });
    let root_used = root_id.and_then(|id| usage.get(&id)).map_or(0, |u| {
        let mut actions: Vec<_> = u.iter().map(|a| a.action).collect();
        actions.sort_unstable();
        actions.dedup();
        actions.len()
    });
    let principals: Vec<_> = account
        .principal_ids()
        .filter_map(|id| {
            principal_facts(
                &permissions,
                id,
                usage.remove(&id).unwrap_or_default(),
                last.get(&id).copied(),
            )
        })
        .collect();
    let root_rows = store.root_events()?;
    let sign_ins = root_sign_ins(&root_rows);
    // One root per account: the snapshot's (with its credential-report row) and any other account whose root
    // appears in the trail.
    let own_root = account.root().map(|r| r.arn.clone()).or_else(|| {
        account
            .account_id
            .as_ref()
            .map(|a| format!("arn:aws:iam::{a}:root"))
    });
    let mut roots: Vec<RootFacts> = Vec::new();
    if let Some(arn) = &own_root {
        roots.push(RootFacts {
            arn: arn.clone(),
            credentials: account
                .root()
                .and_then(|r| r.credentials.as_ref())
                .map(credential_facts),
            events: Vec::new(),
        });
    }
    for r in &root_rows {
        let sign_in = sign_ins.get(&(r.file.clone(), r.record_index));
        let success = sign_in
            .and_then(|s| s.success)
            .unwrap_or(r.outcome == "success");
        let event = RootEvent {
            time: r.time.as_deref().and_then(parse),
            event_source: r.event_source.clone(),
            event_name: r.event_name.clone(),
            source_ip: r.source_ip.clone(),
            mfa_used: sign_in.and_then(|s| s.mfa_used),
            success,
            error: r
                .error_code
                .clone()
                .or_else(|| (!success).then(|| "ConsoleLogin Failure".to_owned())),
            access_key_id: None,
        };
        match roots.iter_mut().find(|x| x.arn == r.principal) {
            Some(root) => root.events.push(event),
            None => roots.push(RootFacts {
                arn: r.principal.clone(),
                credentials: None,
                events: vec![event],
            }),
        }
    }
    let mut identities: Vec<IdentityStats> = Vec::new();
    if let Some(root) = account.root() {
        identities.push(IdentityStats {
            arn: root.arn.clone(),
            name: root.name.clone(),
            kind: "root",
            granted_actions: None,
            used_actions: root_used,
            used_granted_actions: root_used,
            last_activity: root_id.and_then(|id| last.get(&id).copied()),
        });
    }
    for p in &principals {
        let kind = account
            .principal_for_usage_key(&p.arn)
            .and_then(|id| account.principal(id))
            .map_or("role", identity_kind);
        let mut used: Vec<_> = p.usage.iter().map(|u| u.action).collect();
        used.sort_unstable();
        used.dedup();
        identities.push(IdentityStats {
            arn: p.arn.clone(),
            name: p.name.clone(),
            kind,
            granted_actions: Some(p.permissions.allowed.len()),
            used_actions: used.len(),
            used_granted_actions: used
                .iter()
                .filter(|&&a| p.permissions.allowed.contains(a))
                .count(),
            last_activity: p.last_cloudtrail_activity,
        });
    }
    let facts = AccountFacts {
        account_id: account.account_id.clone().unwrap_or_default(),
        known_accounts: account
            .known_accounts
            .iter()
            .map(|k| k.id.clone())
            .collect(),
        principals,
        roots,
        observation,
        now: reviewed_at,
    };
    let mut findings = pare_findings::analyze(catalog, &risk, &facts, &paths, options.thresholds);
    let mut scores: Vec<RiskScore> = pare_findings::risk_scores(
        catalog,
        &facts.principals,
        facts.observation.as_ref(),
        &risk,
    );
    scores.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.principal.cmp(&b.principal))
    });
    if let Some(wanted) = &options.principal {
        let arn = account
            .principal_for_usage_key(wanted)
            .and_then(|id| account.principal(id))
            .map_or_else(|| wanted.clone(), |p| p.arn.clone());
        findings.retain(|f| f.principal == arn);
        scores.retain(|s| s.principal == arn);
        identities.retain(|i| i.arn == arn);
    }
    Ok(Review {
        findings,
        paths,
        scores,
        window,
        reviewed_at,
        identities,
    })
}

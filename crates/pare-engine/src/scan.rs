//! Live AWS scan: collects with `pare-aws` (read-only, the user's own credentials), imports the
//! CloudTrail files it downloaded through the same importer as `pare import --cloudtrail`, hands the
//! IAM documents (authorization details, credential report, SCPs) in memory to the account importer
//! as `pare import --authz` does, and stores the rest (raw documents, Access Advisor, Access
//! Analyzer, what could not be read) with `pare-store`.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{SecondsFormat, Utc};
use pare_account::{AccountSources, SourceFile};
use pare_aws::{Collection, Problem, ScanOptions, ScanProgress};
use pare_store::{AnalyzerFindingInput, LastAccessedInput, ScanInput, Store};
use serde::Serialize;

use crate::account::{AccountImportSummary, import_account_sources};
use crate::{EngineError, ImportProgress, ImportSummary, import_cloudtrail_cancellable};

/// A progress report of [`scan_account`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ScanEvent {
    /// A collection stage moved on.
    Collect(ScanProgress),
    /// The CloudTrail import of the downloaded files moved on.
    Import(ImportProgress),
}

/// What a scan read and stored.
#[derive(Debug, Clone, Serialize)]
pub struct ScanSummary {
    /// The stored scan's id.
    pub scan_id: i64,
    /// The account.
    pub account: String,
    /// Who scanned it.
    pub caller_arn: String,
    /// The region used.
    pub region: Option<String>,
    /// Users, groups, roles and managed policies read (when the authorization details were read).
    pub users: usize,
    /// Groups.
    pub groups: usize,
    /// Roles.
    pub roles: usize,
    /// Customer and AWS managed policies.
    pub policies: usize,
    /// GetAccountAuthorizationDetails pages.
    pub authorization_pages: usize,
    /// Rows of the credential report (without the header).
    pub credential_report_rows: Option<usize>,
    /// Access keys read.
    pub access_keys: usize,
    /// Access Advisor rows (services and actions).
    pub last_accessed_rows: usize,
    /// Trails.
    pub trails: usize,
    /// Log objects listed, downloaded, already cached.
    pub cloudtrail_objects: (usize, usize, usize),
    /// LookupEvents events.
    pub lookup_events: usize,
    /// Access Analyzer analyzers and findings.
    pub analyzers: usize,
    /// Findings.
    pub analyzer_findings: usize,
    /// SCPs and RCPs that apply (through the OU chain), when Organizations was read.
    pub organization_policies: Option<usize>,
    /// The CloudTrail import of the downloaded files.
    pub cloudtrail_import: Option<ImportSummary>,
    /// The account snapshot the IAM documents were stored as (`created` is false when a scan of the
    /// same contents had stored it before); none when nothing was read or it did not validate.
    pub account_import: Option<AccountImportSummary>,
    /// What could not be read, and why.
    pub problems: Vec<Problem>,
}

fn count(doc: Option<&serde_json::Value>, list: &str) -> usize {
    doc.and_then(|d| d.get(list))
        .and_then(serde_json::Value::as_array)
        .map_or(0, Vec::len)
}

/// The documents the account importer reads, in its formats and in memory (named after the files
/// `pare import` would read), and the rest of the scan's documents as (kind, text) to store with the scan.
fn documents(collection: &Collection) -> (AccountSources, Vec<(String, String)>) {
    let account = collection
        .caller
        .as_ref()
        .map_or("unknown", |c| c.account.as_str());
    let source = |file: &str, text: String| SourceFile {
        name: format!("aws scan of {account}: {file}"),
        text,
    };
    let sources = AccountSources {
        authz: collection
            .authorization_details
            .iter()
            .map(|d| source("authorization-details.json", json(d)))
            .collect(),
        credential_report: collection.credential_report.as_ref().map(|csv| {
            source(
                "credential-report.csv",
                String::from_utf8_lossy(csv).into_owned(),
            )
        }),
        org_policies: collection
            .organization
            .as_ref()
            .map(|o| source("scps.json", json(&o.scp_file()))),
        known_accounts: None,
        managed_policies: None,
    };
    let mut rest = Vec::new();
    if let Some(s) = &collection.account_summary {
        rest.push(("account_summary".to_owned(), json(s)));
    }
    if let Some(p) = &collection.password_policy {
        rest.push(("password_policy".to_owned(), json(p)));
    }
    rest.push(("access_keys".to_owned(), json(&collection.access_keys)));
    rest.push(("trails".to_owned(), json(&collection.cloudtrail.trails)));
    rest.push(("analyzers".to_owned(), json(&collection.analyzers)));
    if let Some(o) = &collection.organization {
        rest.push(("organization".to_owned(), json(o)));
    }
    (sources, rest)
}

/// Pretty JSON text (serializing these plain structs cannot fail; say so if it ever does).
fn json<T: Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

/// Scans the account the configured credentials belong to into the database at `db`. Downloads
/// and raw documents go to `options.cache_dir`. Read failures are listed in the summary's
/// `problems`, never fatal.
///
/// # Errors
///
/// [`EngineError::Scan`] when the scan cannot start (no credentials); [`EngineError::Store`] when
/// the database fails.
pub fn scan_account(
    db: &Path,
    options: &ScanOptions,
    mut progress: impl FnMut(&ScanEvent) + Send,
) -> Result<ScanSummary, EngineError> {
    let started = Utc::now();
    // Open (and migrate) the database before talking to AWS, so a bad path fails fast.
    drop(Store::open(db)?);
    let collection = pare_aws::scan(options, |p| progress(&ScanEvent::Collect(p.clone())))?;
    store_collection(db, options, &collection, started, progress)
}

/// Stores what a scan collected (started at `started`) into the database at `db`: the CloudTrail
/// files through the CloudTrail importer, the IAM documents through the account importer, the rest
/// with the scan. [`scan_account`] is collection then this; tests give a collection read from
/// recorded AWS responses.
///
/// # Errors
///
/// [`EngineError::Store`] when the database fails; [`EngineError::Cancelled`] when
/// `options.cancel` was set during the CloudTrail import.
pub fn store_collection(
    db: &Path,
    options: &ScanOptions,
    collection: &Collection,
    started: chrono::DateTime<Utc>,
    mut progress: impl FnMut(&ScanEvent) + Send,
) -> Result<ScanSummary, EngineError> {
    let mut problems = collection.problems.clone();
    let not_cancelled = AtomicBool::new(false);
    let cancel = options.cancel.as_deref().unwrap_or(&not_cancelled);
    let cloudtrail_import = if collection.cloudtrail.files.is_empty() {
        None
    } else {
        let summary = import_cloudtrail_cancellable(
            db,
            &collection.cloudtrail.files,
            options.since,
            options.until,
            cancel,
            |p| progress(&ScanEvent::Import(*p)),
        )?;
        if cancel.load(Ordering::Relaxed) {
            return Err(EngineError::Cancelled);
        }
        Some(summary)
    };
    let caller = collection
        .caller
        .clone()
        .ok_or(EngineError::Internal("a scan without a caller identity"))?;
    let (sources, docs) = documents(collection);
    // The IAM documents go to the account importer as they are: the same validation and snapshot
    // storage as `pare import --authz`, nothing stored again when the account did not change.
    let account_import = if sources.authz.is_empty() && sources.credential_report.is_none() {
        None
    } else {
        match import_account_sources(db, &sources) {
            Ok(summary) => Some(summary),
            Err(e) => {
                problems.push(Problem {
                    api: "pare:import-account".into(),
                    code: None,
                    message: e.to_string(),
                });
                None
            }
        }
    };
    let auth = collection.authorization_details.as_ref();
    let mut summary = ScanSummary {
        scan_id: 0,
        account: caller.account.clone(),
        caller_arn: caller.arn.clone(),
        region: collection.region.clone(),
        users: count(auth, "UserDetailList"),
        groups: count(auth, "GroupDetailList"),
        roles: count(auth, "RoleDetailList"),
        policies: count(auth, "Policies"),
        authorization_pages: collection.authorization_pages,
        credential_report_rows: collection.credential_report.as_ref().map(|csv| {
            csv.split(|b| *b == b'\n')
                .filter(|l| !l.is_empty())
                .count()
                .saturating_sub(1)
        }),
        access_keys: collection.access_keys.len(),
        last_accessed_rows: 0,
        trails: collection.cloudtrail.trails.len(),
        cloudtrail_objects: (
            collection.cloudtrail.objects_listed,
            collection.cloudtrail.objects_downloaded,
            collection.cloudtrail.objects_cached,
        ),
        lookup_events: collection.cloudtrail.lookup_events,
        analyzers: collection.analyzers.len(),
        analyzer_findings: collection.analyzer_findings.len(),
        organization_policies: collection
            .organization
            .as_ref()
            .map(|o| o.chain.iter().map(|t| t.policies.len()).sum()),
        cloudtrail_import,
        account_import,
        problems: Vec::new(),
    };
    let mut last_accessed = Vec::new();
    let mut principals: Vec<String> = Vec::new();
    for s in &collection.service_last_accessed {
        if principals.last() != Some(&s.principal_arn) {
            principals.push(s.principal_arn.clone());
        }
        last_accessed.push(LastAccessedInput {
            principal_arn: s.principal_arn.clone(),
            service_namespace: s.service_namespace.clone(),
            action_name: None,
            last_accessed: s.last_authenticated.clone(),
            entity: s.last_authenticated_entity.clone(),
            region: s.last_authenticated_region.clone(),
        });
        for a in &s.actions {
            last_accessed.push(LastAccessedInput {
                principal_arn: s.principal_arn.clone(),
                service_namespace: s.service_namespace.clone(),
                action_name: Some(a.action_name.clone()),
                last_accessed: a.last_accessed_time.clone(),
                entity: a.last_accessed_entity.clone(),
                region: a.last_accessed_region.clone(),
            });
        }
    }
    summary.last_accessed_rows = last_accessed.len();
    summary.problems = problems;
    let text = |t: chrono::DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
    let input = ScanInput {
        started_at: text(started),
        finished_at: text(Utc::now()),
        account: caller.account.clone(),
        caller_arn: caller.arn.clone(),
        region: collection.region.clone(),
        summary_json: serde_json::to_string(&summary)
            .map_err(|_| EngineError::Internal("the scan summary is not serializable"))?,
        problems: summary
            .problems
            .iter()
            .map(|p| (p.api.clone(), p.code.clone(), p.message.clone()))
            .collect(),
        documents: docs,
        last_accessed_principals: principals,
        last_accessed,
        analyzers: collection.analyzers.iter().map(|a| a.arn.clone()).collect(),
        findings: collection
            .analyzer_findings
            .iter()
            .map(|f| AnalyzerFindingInput {
                analyzer_arn: f.analyzer_arn.clone(),
                id: f.id.clone(),
                finding_type: f.finding_type.clone(),
                resource: f.resource.clone(),
                resource_type: f.resource_type.clone(),
                resource_owner_account: f.resource_owner_account.clone(),
                status: f.status.clone(),
                created_at: f.created_at.clone(),
                updated_at: f.updated_at.clone(),
                error: f.error.clone(),
            })
            .collect(),
    };
    let mut store = Store::open(db)?;
    summary.scan_id = store.insert_scan(&input)?;
    Ok(summary)
}

/// The latest scan in the database at `db` and what it could not read.
///
/// # Errors
///
/// [`EngineError::Store`] if the database cannot be opened or read.
pub fn latest_scan(
    db: &Path,
) -> Result<Option<(pare_store::ScanRow, Vec<pare_store::ScanProblemRow>)>, EngineError> {
    let store = Store::open(db)?;
    let Some(scan) = store.latest_scan()? else {
        return Ok(None);
    };
    let problems = store.scan_problems(scan.id)?;
    Ok(Some((scan, problems)))
}

/// Access Advisor's last-accessed rows in the database at `db` (one principal's, or all).
///
/// # Errors
///
/// [`EngineError::Store`] if the database cannot be opened or read.
pub fn last_accessed(
    db: &Path,
    principal: Option<&str>,
) -> Result<Vec<pare_store::LastAccessedRow>, EngineError> {
    Ok(Store::open(db)?.service_last_accessed(principal)?)
}

/// Access Analyzer's findings in the database at `db`.
///
/// # Errors
///
/// [`EngineError::Store`] if the database cannot be opened or read.
pub fn analyzer_findings(db: &Path) -> Result<Vec<pare_store::AnalyzerFindingRow>, EngineError> {
    Ok(Store::open(db)?.analyzer_findings()?)
}

//! The live scan as the desktop app's "Connect to AWS" screen sees it: what to choose from (profiles,
//! regions, the stages it will show), a progress line per stage, and the outcome with the scanned
//! identities, all as plain types with TypeScript bindings.

use std::path::Path;

use chrono::{Duration, Utc};
use pare_store::Store;
use serde::Serialize;

use crate::aws_profiles::{AWS_REGIONS, AwsProfile, aws_profiles};
use crate::{EngineError, ScanEvent, ScanSummary};

/// The stage of the CloudTrail import that follows the download.
pub const IMPORT_STAGE: &str = "cloudtrail import";

/// What the "Connect to AWS" screen offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ConnectChoices {
    /// Profiles from the user's AWS config and credentials files (names and kinds, no secrets).
    pub profiles: Vec<AwsProfile>,
    /// Regions to pick from.
    pub regions: Vec<String>,
    /// The stages a scan goes through, in order (their names as [`ScanStatus::stage`] gives them).
    pub stages: Vec<String>,
    /// The default start of the CloudTrail window (`YYYY-MM-DD`, 90 days ago: LookupEvents' reach).
    pub default_since: String,
}

/// The choices, read now.
#[must_use]
pub fn connect_choices() -> ConnectChoices {
    let stages = [
        pare_aws::Stage::Identity,
        pare_aws::Stage::Authorization,
        pare_aws::Stage::CredentialReport,
        pare_aws::Stage::AccountSettings,
        pare_aws::Stage::AccessAdvisor,
        pare_aws::Stage::CloudTrail,
        pare_aws::Stage::AccessAnalyzer,
        pare_aws::Stage::Organizations,
    ];
    ConnectChoices {
        profiles: aws_profiles(),
        regions: AWS_REGIONS.iter().map(|r| (*r).to_owned()).collect(),
        stages: stages
            .iter()
            .map(|s| s.name().to_owned())
            .chain([IMPORT_STAGE.to_owned()])
            .collect(),
        default_since: (Utc::now() - Duration::days(90))
            .format("%Y-%m-%d")
            .to_string(),
    }
}

/// One progress report of a running scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ScanStatus {
    /// The stage (one of [`ConnectChoices::stages`]).
    pub stage: String,
    /// What happened, lowercase.
    pub message: String,
    /// The stage is finished.
    pub done: bool,
}

impl From<&ScanEvent> for ScanStatus {
    fn from(event: &ScanEvent) -> Self {
        match event {
            ScanEvent::Collect(p) => Self {
                stage: p.stage.name().to_owned(),
                message: p.message.clone(),
                done: p.done,
            },
            ScanEvent::Import(p) => Self {
                stage: IMPORT_STAGE.to_owned(),
                message: format!(
                    "{}/{} files, {} records, {} new events",
                    p.files_done, p.files_total, p.records, p.new_events
                ),
                done: p.finished,
            },
        }
    }
}

/// An identity of the scanned account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ScannedIdentity {
    /// Its ARN.
    pub arn: String,
    /// `user`, `role`, `root`, ….
    pub kind: String,
    /// Its name.
    pub name: String,
}

/// Something a scan could not read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ScanProblemView {
    /// The API (`iam:GetAccountPasswordPolicy`).
    pub api: String,
    /// AWS's error code, when there is one.
    pub code: Option<String>,
    /// Why.
    pub message: String,
}

/// What a finished scan read and stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ScanReport {
    /// The account.
    pub account: String,
    /// Who scanned it.
    pub caller_arn: String,
    /// The region used.
    pub region: Option<String>,
    /// Users, groups, roles, managed policies read.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub users: usize,
    /// Groups.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub groups: usize,
    /// Roles.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub roles: usize,
    /// Managed policies.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub policies: usize,
    /// Credential report rows (none when it was not read).
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub credential_report_rows: Option<usize>,
    /// Access Advisor rows.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub last_accessed_rows: usize,
    /// Trails.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub trails: usize,
    /// CloudTrail events new in the database.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub new_events: u64,
    /// Access Analyzer findings.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub analyzer_findings: usize,
    /// SCPs and RCPs that apply (none when Organizations was not read).
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub organization_policies: Option<usize>,
    /// The account snapshot is new (false: the account had not changed since the last scan).
    pub snapshot_created: Option<bool>,
    /// What could not be read.
    pub problems: Vec<ScanProblemView>,
    /// The identities of the stored account snapshot.
    pub identities: Vec<ScannedIdentity>,
}

/// The identities of the latest account snapshot in `db`.
///
/// # Errors
///
/// [`EngineError::Store`] when the database fails.
pub fn scanned_identities(db: &Path) -> Result<Vec<ScannedIdentity>, EngineError> {
    let store = Store::open(db)?;
    let Some(info) = store.account_snapshot(None)? else {
        return Ok(Vec::new());
    };
    Ok(store
        .account_snapshot_principals(info.id)?
        .into_iter()
        .map(|p| ScannedIdentity {
            arn: p.arn,
            kind: p.kind,
            name: p.name,
        })
        .collect())
}

/// The report of a finished scan of `db`.
///
/// # Errors
///
/// [`EngineError::Store`] when the database fails.
pub fn scan_report(db: &Path, s: &ScanSummary) -> Result<ScanReport, EngineError> {
    Ok(ScanReport {
        account: s.account.clone(),
        caller_arn: s.caller_arn.clone(),
        region: s.region.clone(),
        users: s.users,
        groups: s.groups,
        roles: s.roles,
        policies: s.policies,
        credential_report_rows: s.credential_report_rows,
        last_accessed_rows: s.last_accessed_rows,
        trails: s.trails,
        new_events: s.cloudtrail_import.as_ref().map_or(0, |i| i.new_events),
        analyzer_findings: s.analyzer_findings,
        organization_policies: s.organization_policies,
        snapshot_created: s.account_import.as_ref().map(|a| a.created),
        problems: s
            .problems
            .iter()
            .map(|p| ScanProblemView {
                api: p.api.clone(),
                code: p.code.clone(),
                message: p.message.clone(),
            })
            .collect(),
        identities: scanned_identities(db)?,
    })
}

//! IAM Access Analyzer beside Pare: the analyzer findings a scan stored, matched per principal or
//! resource with Pare's own findings on the same account snapshot, each pair marked as agreement or
//! disagreement (and what neither side can see).
//!
//! What is compared (Access Analyzer's `findingType` → Pare's finding kinds):
//! - `ExternalAccess` on an IAM role → `trust-any-principal`, `trust-unknown-account`,
//!   `oidc-trust-without-sub` (a trust policy that lets someone outside the account in);
//!   `ExternalAccess` on any other resource (S3 buckets, KMS keys, …) is outside what Pare reads
//!   (the authorization details carry no resource policies), so it is listed as not modelled;
//! - `UnusedIAMRole` → `unused-identity` of a role;
//! - `UnusedIAMUserAccessKey` → `access-key-unused`, `access-key-never-used`;
//! - `UnusedIAMUserPassword` → `password-unused`;
//! - `UnusedPermission` → `unused-permissions`.
//!
//! Only `ACTIVE` analyzer findings count as Access Analyzer saying something (archived and resolved
//! ones were dismissed there). A Pare finding without a counterpart is a disagreement only when an
//! analyzer of the matching family (external access: `ACCOUNT`/`ORGANIZATION`; unused access:
//! `*_UNUSED_ACCESS`) exists; otherwise Access Analyzer was not asked.

use std::collections::BTreeMap;
use std::path::Path;

use pare_findings::FindingKind;
use pare_store::Store;
use serde::Serialize;

use crate::findings::{ReviewError, ReviewOptions, review};

/// What a comparison row is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AnalyzerTopic {
    /// Someone outside the account (or anyone) can use the resource.
    ExternalAccess,
    /// A role nobody used.
    UnusedRole,
    /// A user's access key nobody used.
    UnusedAccessKey,
    /// A user's console password nobody used.
    UnusedPassword,
    /// Granted permissions not used.
    UnusedPermissions,
    /// An Access Analyzer finding type Pare has no counterpart for.
    Other,
}

impl AnalyzerTopic {
    /// Lowercase words for a sentence.
    #[must_use]
    pub fn words(self) -> &'static str {
        match self {
            Self::ExternalAccess => "is shared outside the account",
            Self::UnusedRole => "is an unused role",
            Self::UnusedAccessKey => "has an unused access key",
            Self::UnusedPassword => "has an unused console password",
            Self::UnusedPermissions => "has unused permissions",
            Self::Other => "has a finding",
        }
    }

    /// Whether an analyzer of this type reports the topic.
    fn covered_by(self, analyzer_type: &str) -> bool {
        let unused = analyzer_type.ends_with("_UNUSED_ACCESS");
        match self {
            Self::ExternalAccess => analyzer_type == "ACCOUNT" || analyzer_type == "ORGANIZATION",
            Self::UnusedRole
            | Self::UnusedAccessKey
            | Self::UnusedPassword
            | Self::UnusedPermissions => unused,
            Self::Other => false,
        }
    }
}

/// The topic of an Access Analyzer finding type, and whether Pare models it on this resource type.
fn analyzer_topic(finding_type: Option<&str>, resource_type: &str) -> (AnalyzerTopic, bool) {
    match finding_type {
        Some("ExternalAccess") => (
            AnalyzerTopic::ExternalAccess,
            resource_type == "AWS::IAM::Role",
        ),
        Some("UnusedIAMRole") => (AnalyzerTopic::UnusedRole, true),
        Some("UnusedIAMUserAccessKey") => (AnalyzerTopic::UnusedAccessKey, true),
        Some("UnusedIAMUserPassword") => (AnalyzerTopic::UnusedPassword, true),
        Some("UnusedPermission") => (AnalyzerTopic::UnusedPermissions, true),
        _ => (AnalyzerTopic::Other, false),
    }
}

/// The topic of a Pare finding, when Access Analyzer has a counterpart.
fn pare_topic(kind: FindingKind, principal: &str) -> Option<AnalyzerTopic> {
    match kind {
        FindingKind::TrustAnyPrincipal
        | FindingKind::TrustUnknownAccount
        | FindingKind::OidcTrustWithoutSub => Some(AnalyzerTopic::ExternalAccess),
        // Access Analyzer reports unused users through their password and keys only.
        FindingKind::UnusedIdentity if principal.contains(":role/") => {
            Some(AnalyzerTopic::UnusedRole)
        }
        FindingKind::AccessKeyUnused | FindingKind::AccessKeyNeverUsed => {
            Some(AnalyzerTopic::UnusedAccessKey)
        }
        FindingKind::PasswordUnused => Some(AnalyzerTopic::UnusedPassword),
        FindingKind::UnusedPermissions => Some(AnalyzerTopic::UnusedPermissions),
        _ => None,
    }
}

/// How the two sides relate on one principal or resource and topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Agreement {
    /// Both say it.
    Agree,
    /// Access Analyzer says it, Pare does not.
    OnlyAccessAnalyzer,
    /// Pare says it, Access Analyzer (which looks for it) does not.
    OnlyPare,
    /// Access Analyzer says it about something Pare does not read (a resource policy outside IAM).
    NotModelledByPare,
    /// Pare says it and no analyzer of the kind that would is enabled.
    NoAnalyzer,
}

/// One side's finding in a row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SideFinding {
    /// The finding's id (Access Analyzer's UUID, or Pare's fingerprint).
    pub id: String,
    /// Access Analyzer's `findingType` or Pare's kind.
    pub kind: String,
    /// Access Analyzer's status, or Pare's severity.
    pub status: String,
    /// Pare's title (none for Access Analyzer).
    pub title: Option<String>,
}

/// One principal or resource and topic, both sides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnalyzerComparisonRow {
    /// The principal's or resource's ARN.
    pub subject: String,
    /// Access Analyzer's resource type (`AWS::IAM::Role`, …), when it reported the subject.
    pub resource_type: Option<String>,
    /// What it is about.
    pub topic: AnalyzerTopic,
    /// How the sides relate.
    pub agreement: Agreement,
    /// Access Analyzer's active findings on it.
    pub access_analyzer: Vec<SideFinding>,
    /// Pare's findings on it.
    pub pare: Vec<SideFinding>,
    /// The row in one sentence: "Access Analyzer says … ; Pare says …".
    pub summary: String,
}

/// Access Analyzer and Pare side by side.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AnalyzerComparison {
    /// The analyzers the latest scan listed: (name, type, status).
    pub analyzers: Vec<(String, String, String)>,
    /// Access Analyzer findings not active (archived or resolved), not compared.
    pub inactive_findings: usize,
    /// Rows, agreements first, then by subject.
    pub rows: Vec<AnalyzerComparisonRow>,
}

impl AnalyzerComparison {
    /// Rows with this agreement.
    pub fn count(&self, agreement: Agreement) -> usize {
        self.rows
            .iter()
            .filter(|r| r.agreement == agreement)
            .count()
    }
}

fn sentence(row: &AnalyzerComparisonRow) -> String {
    let what = row.topic.words();
    let pare = if row.pare.is_empty() {
        "Pare does not".to_owned()
    } else {
        let kinds: Vec<&str> = row.pare.iter().map(|f| f.kind.as_str()).collect();
        format!("Pare says so too ({})", kinds.join(", "))
    };
    match row.agreement {
        Agreement::Agree => format!("Access Analyzer says `{}` {what}; {pare}", row.subject),
        Agreement::OnlyAccessAnalyzer => format!(
            "Access Analyzer says `{}` {what}; Pare does not",
            row.subject
        ),
        Agreement::OnlyPare => {
            let kinds: Vec<&str> = row.pare.iter().map(|f| f.kind.as_str()).collect();
            format!(
                "Pare says `{}` {what} ({}); Access Analyzer does not",
                row.subject,
                kinds.join(", ")
            )
        }
        Agreement::NotModelledByPare => format!(
            "Access Analyzer says `{}` {what}; Pare does not read this resource's policy",
            row.subject
        ),
        Agreement::NoAnalyzer => {
            let kinds: Vec<&str> = row.pare.iter().map(|f| f.kind.as_str()).collect();
            format!(
                "Pare says `{}` {what} ({}); no Access Analyzer analyzer looks for this",
                row.subject,
                kinds.join(", ")
            )
        }
    }
}

/// Compares the Access Analyzer findings stored in `db` by the scans with Pare's findings on the
/// latest account snapshot (see the module documentation for what matches what).
///
/// # Errors
///
/// [`ReviewError`] when the database or the stored snapshot cannot be read.
pub fn compare_access_analyzer(db: &Path) -> Result<AnalyzerComparison, ReviewError> {
    let (analyzers, analyzer_findings) = {
        let store = Store::open(db)?;
        let analyzers: Vec<(String, String, String)> = match store.latest_scan()? {
            Some(scan) => store
                .scan_document(scan.id, "analyzers")?
                .and_then(|text| serde_json::from_str::<Vec<serde_json::Value>>(&text).ok())
                .unwrap_or_default()
                .iter()
                .map(|a| {
                    let field = |k: &str| {
                        a.get(k)
                            .and_then(|v| v.as_str())
                            .unwrap_or_default()
                            .to_owned()
                    };
                    (field("name"), field("analyzer_type"), field("status"))
                })
                .collect(),
            None => Vec::new(),
        };
        (analyzers, store.analyzer_findings()?)
    };
    let review = review(db, &ReviewOptions::default())?;
    let covered = |topic: AnalyzerTopic| analyzers.iter().any(|(_, t, _)| topic.covered_by(t));

    let mut rows: BTreeMap<(AnalyzerTopic, String), AnalyzerComparisonRow> = BTreeMap::new();
    let mut modelled: BTreeMap<(AnalyzerTopic, String), bool> = BTreeMap::new();
    let mut inactive_findings = 0;
    for f in &analyzer_findings {
        if f.status != "ACTIVE" {
            inactive_findings += 1;
            continue;
        }
        let subject = f.resource.clone().unwrap_or_else(|| f.id.clone());
        let (topic, pare_models) = analyzer_topic(f.finding_type.as_deref(), &f.resource_type);
        modelled.insert((topic, subject.clone()), pare_models);
        let row = rows
            .entry((topic, subject.clone()))
            .or_insert_with(|| AnalyzerComparisonRow {
                subject,
                resource_type: Some(f.resource_type.clone()),
                topic,
                agreement: Agreement::OnlyAccessAnalyzer,
                access_analyzer: Vec::new(),
                pare: Vec::new(),
                summary: String::new(),
            });
        row.access_analyzer.push(SideFinding {
            id: f.id.clone(),
            kind: f.finding_type.clone().unwrap_or_default(),
            status: f.status.clone(),
            title: None,
        });
    }
    for f in &review.findings {
        let Some(topic) = pare_topic(f.kind, &f.principal) else {
            continue;
        };
        let row =
            rows.entry((topic, f.principal.clone()))
                .or_insert_with(|| AnalyzerComparisonRow {
                    subject: f.principal.clone(),
                    resource_type: None,
                    topic,
                    agreement: Agreement::OnlyPare,
                    access_analyzer: Vec::new(),
                    pare: Vec::new(),
                    summary: String::new(),
                });
        row.pare.push(SideFinding {
            id: f.id.clone(),
            kind: f.kind.as_str().to_owned(),
            status: f.severity.as_str().to_owned(),
            title: Some(f.title.clone()),
        });
    }
    let mut out: Vec<AnalyzerComparisonRow> = rows
        .into_iter()
        .map(|(key, mut row)| {
            row.agreement = match (row.access_analyzer.is_empty(), row.pare.is_empty()) {
                (false, false) => Agreement::Agree,
                (false, true) if !modelled.get(&key).copied().unwrap_or(true) => {
                    Agreement::NotModelledByPare
                }
                (false, true) => Agreement::OnlyAccessAnalyzer,
                _ if covered(row.topic) => Agreement::OnlyPare,
                _ => Agreement::NoAnalyzer,
            };
            row.summary = sentence(&row);
            row
        })
        .collect();
    out.sort_by(|a, b| (a.agreement, &a.subject, a.topic).cmp(&(b.agreement, &b.subject, b.topic)));
    Ok(AnalyzerComparison {
        analyzers,
        inactive_findings,
        rows: out,
    })
}

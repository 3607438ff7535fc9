//! Review campaigns (`pare review`): start a review over the latest account snapshot and a usage window (its
//! items are the snapshot's findings and identities; the previous review's decisions carry over where the
//! identity and the finding are unchanged), record decisions, show a review, compare two snapshots (drift), and
//! close a review into its report (sealed HTML, CSV) and check a report's seal.

use std::collections::{BTreeMap, HashMap};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use pare_account::AccountPermissions;
use pare_catalog::Catalog;
use pare_findings::Finding;
use pare_review::drift::Side;
use pare_review::fingerprint::outside_fingerprint;
use pare_review::report::{CoverageCell, ReportCounts, SourceRef};
use pare_review::{Drift, Report, ReportDecision, ReportItem, identity_fingerprints};
use pare_store::{EventFilter, ReviewDecision, ReviewItem, ReviewRow, SnapshotInfo, Store};
use serde::Serialize;

use crate::account::{AccountError, load_account_snapshot};
use crate::findings::{ReviewError, ReviewOptions, review};

/// The decisions a reviewer can record.
pub const DECISIONS: [&str; 4] = ["keep", "remove", "rightsize", "accept-risk"];

/// Why a review command failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReviewsError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] pare_store::StoreError),
    /// The account snapshot could not be loaded.
    #[error(transparent)]
    Account(#[from] AccountError),
    /// The findings could not be computed.
    #[error(transparent)]
    Findings(#[from] ReviewError),
    /// A review of that name exists.
    #[error("a review named `{0}` already exists")]
    Exists(String),
    /// No review of that name (or none at all).
    #[error("{0}")]
    NoReview(String),
    /// The review has no such item.
    #[error(
        "review `{review}` has no {subject} `{key}` (see `pare review show --review {review}`)"
    )]
    UnknownItem {
        /// The review.
        review: String,
        /// `finding` or `principal`.
        subject: String,
        /// What was asked for.
        key: String,
    },
    /// Bad input: a decision, a date, a missing reviewer or note.
    #[error("{0}")]
    Input(String),
    /// A report could not be written or read.
    #[error("cannot {action} `{path}`: {source}")]
    Io {
        /// `write`, `read`.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// The bundled catalog is unusable (a bug in this build).
    #[error("the bundled action catalog is unusable: {0}")]
    Catalog(String),
}

fn now() -> DateTime<Utc> {
    DateTime::<Utc>::from(std::time::SystemTime::now())
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Parses `2026-01-31` (midnight UTC) or an RFC 3339 time, as RFC 3339 text.
///
/// # Errors
///
/// [`ReviewsError::Input`] naming the option and the value.
pub fn parse_date(option: &str, value: &str) -> Result<String, ReviewsError> {
    if let Some(t) = pare_ingest::parse_time_text(value) {
        return Ok(rfc3339(t));
    }
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| rfc3339(t.and_utc()))
        .ok_or_else(|| {
            ReviewsError::Input(format!(
                "{option} `{value}` is not a date (`2026-01-31`) or time (`2026-01-31T12:00:00Z`)"
            ))
        })
}

/// A review with its snapshot, items, decisions, counts and open risks (`pare review show --json`).
#[derive(Debug, Clone, Serialize)]
pub struct ReviewView {
    /// The report model (account, snapshot, window, sources, coverage, items with decisions).
    #[serde(flatten)]
    pub report: Report,
    /// The counts the report states.
    pub counts: ReportCounts,
    /// Findings undecided or accepted.
    pub open_risks: Vec<pare_review::report::OpenRisk>,
}

fn open_db(db: &Path) -> Result<Store, ReviewsError> {
    if !db.is_file() {
        return Err(ReviewsError::Input(format!(
            "database `{}` does not exist (import an account with `pare import --db {} --authz FILE`)",
            db.display(),
            db.display()
        )));
    }
    Ok(Store::open(db)?)
}

fn catalog() -> Result<&'static Catalog, ReviewsError> {
    Catalog::bundled().map_err(|e| ReviewsError::Catalog(e.to_string()))
}

/// The findings of a snapshot, with the CloudTrail usage of a window (RFC 3339 bounds).
fn snapshot_findings(
    db: &Path,
    snapshot: i64,
    window: (Option<&str>, Option<&str>),
) -> Result<Vec<Finding>, ReviewsError> {
    let time = |t: Option<&str>| t.and_then(pare_ingest::parse_time_text);
    let options = ReviewOptions {
        snapshot: Some(snapshot),
        usage_window: (time(window.0), time(window.1)),
        ..ReviewOptions::default()
    };
    Ok(review(db, &options)?.findings)
}

/// Starts a review named `name` over the latest account snapshot and the usage window `since`..`until`
/// (RFC 3339 or dates). Its items are every finding and identity of the snapshot; the previous review's
/// decisions carry over where unchanged.
///
/// # Errors
///
/// [`ReviewsError`]: no database or snapshot, a review of that name, a bad date, the database failing.
pub fn start_review(
    db: &Path,
    name: &str,
    since: Option<&str>,
    until: Option<&str>,
) -> Result<ReviewView, ReviewsError> {
    start_review_on(db, name, None, since, until)?;
    show_review(db, Some(name))
}

/// Starts a review named `name` over the account snapshot `snapshot` (the latest when `None`) and the usage
/// window `since`..`until`, as [`start_review`] does, and returns its stored row (without computing the report).
///
/// # Errors
///
/// [`ReviewsError`]: no database or snapshot, a review of that name, a bad date, the database failing.
pub fn start_review_on(
    db: &Path,
    name: &str,
    snapshot: Option<i64>,
    since: Option<&str>,
    until: Option<&str>,
) -> Result<ReviewRow, ReviewsError> {
    let mut store = open_db(db)?;
    if name.trim().is_empty() {
        return Err(ReviewsError::Input("a review needs a name".into()));
    }
    if store.review(Some(name))?.is_some() {
        return Err(ReviewsError::Exists(name.to_owned()));
    }
    let since = since.map(|s| parse_date("--since", s)).transpose()?;
    let until = until.map(|s| parse_date("--until", s)).transpose()?;
    if let (Some(a), Some(b)) = (&since, &until)
        && a >= b
    {
        return Err(ReviewsError::Input(format!(
            "--since `{a}` is not before --until `{b}`"
        )));
    }
    let (info, account) = load_account_snapshot(db, snapshot)?;
    let findings = snapshot_findings(db, info.id, (since.as_deref(), until.as_deref()))?;
    let fps = identity_fingerprints(&account);
    let fp = |arn: &str| {
        fps.get(arn)
            .cloned()
            .unwrap_or_else(|| outside_fingerprint(arn))
    };
    let mut items: Vec<ReviewItem> = findings
        .iter()
        .map(|f| ReviewItem {
            subject: "finding".into(),
            key: f.id.clone(),
            principal: f.principal.clone(),
            identity_fp: fp(&f.principal),
            finding_fp: f.id.clone(),
            kind: f.kind.as_str().to_owned(),
            severity: f.severity.as_str().to_owned(),
            title: f.title.clone(),
        })
        .collect();
    items.extend(account.principals.iter().map(|p| ReviewItem {
        subject: "principal".into(),
        key: p.arn.clone(),
        principal: p.arn.clone(),
        identity_fp: fp(&p.arn),
        finding_fp: String::new(),
        kind: p.kind.as_str().to_owned(),
        severity: String::new(),
        title: p.name.clone(),
    }));
    let created = store.start_review(
        name,
        info.id,
        (since.as_deref(), until.as_deref()),
        &rfc3339(now()),
        &items,
    )?;
    created.ok_or_else(|| ReviewsError::Exists(name.to_owned()))
}

fn find_review(store: &Store, db: &Path, name: Option<&str>) -> Result<ReviewRow, ReviewsError> {
    store.review(name)?.ok_or_else(|| {
        ReviewsError::NoReview(match name {
            Some(n) => format!("no review named `{n}` in `{}`", db.display()),
            None => format!(
                "database `{}` has no review (start one with `pare review --db {} start NAME`)",
                db.display(),
                db.display()
            ),
        })
    })
}

/// What a decision is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A finding, by id.
    Finding(String),
    /// An identity, by ARN.
    Principal(String),
}

/// Records a decision in a review (the latest when `review_name` is `None`).
///
/// # Errors
///
/// [`ReviewsError`]: unknown review or item, a bad decision or date, no reviewer, the database failing.
pub fn decide(
    db: &Path,
    review_name: Option<&str>,
    target: &Target,
    decision: &str,
    note: &str,
    reviewer: &str,
    expires: Option<&str>,
) -> Result<ReviewDecision, ReviewsError> {
    let mut store = open_db(db)?;
    let row = find_review(&store, db, review_name)?;
    if !DECISIONS.contains(&decision) {
        return Err(ReviewsError::Input(format!(
            "--decision `{decision}` is not one of keep, remove, rightsize, accept-risk"
        )));
    }
    if reviewer.trim().is_empty() {
        return Err(ReviewsError::Input(
            "no reviewer: give --reviewer NAME, set PARE_REVIEWER, or store the reviewer setting"
                .into(),
        ));
    }
    if note.trim().is_empty() {
        return Err(ReviewsError::Input("--note must say why".into()));
    }
    let decided_at = now();
    let expires_at = match (decision, expires) {
        ("accept-risk", None) => {
            return Err(ReviewsError::Input(
                "--decision accept-risk needs --expires DATE (when to look at the risk again)"
                    .into(),
            ));
        }
        ("accept-risk", Some(e)) => {
            let e = parse_date("--expires", e)?;
            if e <= rfc3339(decided_at) {
                return Err(ReviewsError::Input(format!(
                    "--expires `{e}` is not in the future"
                )));
            }
            Some(e)
        }
        (_, Some(_)) => {
            return Err(ReviewsError::Input(
                "--expires only goes with --decision accept-risk".into(),
            ));
        }
        (_, None) => None,
    };
    let (subject, key) = match target {
        Target::Finding(id) => ("finding", id.as_str()),
        Target::Principal(arn) => ("principal", arn.as_str()),
    };
    let d = ReviewDecision {
        subject: subject.to_owned(),
        key: key.to_owned(),
        decision: decision.to_owned(),
        note: note.to_owned(),
        reviewer: reviewer.to_owned(),
        decided_at: rfc3339(decided_at),
        expires_at,
        inherited_from: None,
    };
    if !store.record_decision(row.id, &d)? {
        return Err(ReviewsError::UnknownItem {
            review: row.name,
            subject: subject.to_owned(),
            key: key.to_owned(),
        });
    }
    Ok(d)
}

/// A review with everything its report states (the latest when `name` is `None`).
///
/// # Errors
///
/// [`ReviewsError`]: no such review, the database failing.
pub fn show_review(db: &Path, name: Option<&str>) -> Result<ReviewView, ReviewsError> {
    let report = review_report(db, name, now())?;
    Ok(ReviewView {
        counts: report.counts(),
        open_risks: report.open_risks(),
        report,
    })
}

/// Every review in the database, oldest first.
///
/// # Errors
///
/// [`ReviewsError::Store`] if the database fails.
pub fn list_reviews(db: &Path) -> Result<Vec<ReviewRow>, ReviewsError> {
    Ok(open_db(db)?.reviews()?)
}

/// The report model of a review, made at `generated_at`.
///
/// # Errors
///
/// [`ReviewsError`]: no such review, the database failing.
pub fn review_report(
    db: &Path,
    name: Option<&str>,
    generated_at: DateTime<Utc>,
) -> Result<Report, ReviewsError> {
    let store = open_db(db)?;
    let row = find_review(&store, db, name)?;
    let snapshot: SnapshotInfo =
        store
            .account_snapshot(Some(row.snapshot_id))?
            .ok_or_else(|| {
                ReviewsError::NoReview(format!(
                    "review `{}` names snapshot {} which is not in the database",
                    row.name, row.snapshot_id
                ))
            })?;
    let previous = match row.previous_id {
        Some(id) => store.review_by_id(id)?.map(|r| r.name),
        None => None,
    };
    let mut decisions: HashMap<(String, String), ReviewDecision> = store
        .review_decisions(row.id)?
        .into_iter()
        .map(|d| ((d.subject.clone(), d.key.clone()), d))
        .collect();
    let items = store
        .review_items(row.id)?
        .into_iter()
        .map(|i| {
            let decision = decisions
                .remove(&(i.subject.clone(), i.key.clone()))
                .map(|d| ReportDecision {
                    decision: d.decision,
                    note: d.note,
                    reviewer: d.reviewer,
                    decided_at: d.decided_at,
                    expires_at: d.expires_at,
                    inherited_from: d.inherited_from,
                });
            ReportItem {
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
    let sources = store
        .account_snapshot_files(snapshot.id)?
        .into_iter()
        .map(|f| SourceRef {
            kind: f.kind,
            path: f.path,
            sha256: f.sha256,
        })
        .collect();
    // CloudTrail coverage in the window: events per region and UTC day.
    let filter = EventFilter {
        principal: None,
        since: row.since.clone(),
        until: row.until.clone(),
    };
    let mut cells: BTreeMap<(String, String), u64> = BTreeMap::new();
    let mut observed: Option<(String, String)> = None;
    store.events(&filter, |e| {
        if let Some(t) = e.event.time.as_deref() {
            let day = t.get(..10).unwrap_or(t).to_owned();
            let region = e
                .event
                .region
                .clone()
                .unwrap_or_else(|| "(no region)".to_owned());
            *cells.entry((region, day)).or_default() += 1;
            observed = Some(match observed.take() {
                None => (t.to_owned(), t.to_owned()),
                Some((a, b)) => (
                    if t < a.as_str() { t.to_owned() } else { a },
                    if t > b.as_str() { t.to_owned() } else { b },
                ),
            });
        }
        ControlFlow::Continue(())
    })?;
    let coverage = cells
        .into_iter()
        .map(|((region, day), events)| CoverageCell {
            region,
            day,
            events,
        })
        .collect();
    Ok(Report {
        review: row.name,
        account: snapshot.account_id.clone(),
        snapshot_id: snapshot.id,
        snapshot_taken_at: snapshot.taken_at,
        snapshot_imported_at: snapshot.imported_at,
        started_at: row.created_at,
        previous_review: previous,
        generated_at: rfc3339(generated_at),
        window: (row.since, row.until),
        observed,
        sources,
        cloudtrail_files: store.totals()?.files,
        coverage,
        items,
    })
}

/// Two snapshots and what changed between them (`pare review diff --json`).
#[derive(Debug, Clone, Serialize)]
pub struct SnapshotDrift {
    /// The earlier snapshot.
    pub from: SnapshotInfo,
    /// The later snapshot.
    pub to: SnapshotInfo,
    /// What changed.
    #[serde(flatten)]
    pub drift: Drift,
}

/// The drift from snapshot `from` to snapshot `to` (ids, as `pare import --json` prints them).
///
/// # Errors
///
/// [`ReviewsError`]: an unknown snapshot, the database failing.
pub fn snapshot_drift(db: &Path, from: i64, to: i64) -> Result<SnapshotDrift, ReviewsError> {
    drop(open_db(db)?);
    let catalog = catalog()?;
    let (from_info, from_account) = load_account_snapshot(db, Some(from))?;
    let (to_info, to_account) = load_account_snapshot(db, Some(to))?;
    let from_findings = snapshot_findings(db, from, (None, None))?;
    let to_findings = snapshot_findings(db, to, (None, None))?;
    let from_perms = AccountPermissions::compile(&from_account, catalog);
    let to_perms = AccountPermissions::compile(&to_account, catalog);
    let time = |t: &str| pare_ingest::parse_time_text(t);
    let drift = pare_review::diff(
        catalog,
        Side {
            permissions: &from_perms,
            findings: &from_findings,
            taken_at: time(&from_info.taken_at),
        },
        Side {
            permissions: &to_perms,
            findings: &to_findings,
            taken_at: time(&to_info.taken_at),
        },
    );
    Ok(SnapshotDrift {
        from: from_info,
        to: to_info,
        drift,
    })
}

/// Checks the seal of a report file: `Ok(sha256)` when its content is what was sealed.
///
/// # Errors
///
/// [`ReviewsError::Io`] if the file cannot be read; [`ReviewsError::Input`] naming the file when the seal is
/// missing or does not match.
pub fn verify_report(path: &Path) -> Result<String, ReviewsError> {
    let text = std::fs::read_to_string(path).map_err(|source| ReviewsError::Io {
        action: "read",
        path: path.to_path_buf(),
        source,
    })?;
    let bad = |why: String| ReviewsError::Input(format!("`{}`: {why}", path.display()));
    if text.contains("pare-sha256:") {
        return pare_review::seal_check(&text).map_err(bad);
    }
    // A CSV report is sealed by its `.sha256` file beside it (`sha256sum -c` reads it too).
    let sidecar = sidecar_path(path);
    let Ok(stated) = std::fs::read_to_string(&sidecar) else {
        return Err(bad(format!(
            "no pare-sha256 seal in the file and no `{}` beside it",
            sidecar.display()
        )));
    };
    let stated = stated.split_whitespace().next().unwrap_or("").to_owned();
    let actual = sha256_hex(text.as_bytes());
    if actual == stated {
        Ok(actual)
    } else {
        Err(bad(format!(
            "the content does not match `{}`: sealed {stated}, content hashes to {actual}",
            sidecar.display()
        )))
    }
}

/// `PATH.sha256`.
#[must_use]
pub fn sidecar_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".sha256");
    PathBuf::from(s)
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    /// Self-contained HTML with its seal inside.
    Html,
    /// CSV of decisions, sealed by `PATH.sha256` beside it.
    Csv,
}

/// Writes the report of a review (the latest when `name` is `None`) to `out`; returns its SHA-256.
///
/// # Errors
///
/// [`ReviewsError`]: no such review, the file cannot be written, the database failing.
pub fn write_report(
    db: &Path,
    name: Option<&str>,
    format: ReportFormat,
    out: &Path,
) -> Result<String, ReviewsError> {
    let report = review_report(db, name, now())?;
    let write = |path: &Path, text: &str| {
        std::fs::write(path, text).map_err(|source| ReviewsError::Io {
            action: "write",
            path: path.to_path_buf(),
            source,
        })
    };
    match format {
        ReportFormat::Html => {
            let html = report.to_html();
            write(out, &html)?;
            pare_review::seal_check(&html).map_err(ReviewsError::Input)
        }
        ReportFormat::Csv => {
            let csv = report.to_csv();
            let digest = sha256_hex(csv.as_bytes());
            write(out, &csv)?;
            let name = out
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            write(&sidecar_path(out), &format!("{digest}  {name}\n"))?;
            Ok(digest)
        }
    }
}

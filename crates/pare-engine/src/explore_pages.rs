//! Windows of the identities and findings tables for the desktop app: the engine filters and sorts the stored
//! account review ([`crate::stored_review`]) and returns only the rows a virtualised table shows (a window at an
//! offset), with the totals and the filter choices, so a 10,000-identity account never crosses IPC in one
//! message. The rows are the stored review's; nothing here changes a number.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::explore_identities::{FindingRow, IdentityRow, SEVERITIES};
use crate::stored_review::{StoredReviewError, account_review};

/// The most rows one page holds.
pub const MAX_ROWS: u64 = 1000;

/// Which identities, in which order, from which position.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields))]
#[serde(default, rename_all = "camelCase")]
pub struct IdentityQuery {
    /// Part of the name or ARN, any case.
    pub search: Option<String>,
    /// Only this kind (`user`, `role`, …).
    pub kind: Option<String>,
    /// The column to sort by: `name`, `kind`, `lastActivity`, `grantedActions`, `usedActions`, `unusedPercent`,
    /// `riskScore` (the default) or `findings`.
    pub sort: Option<String>,
    /// Descending (the default when no column is given: riskiest first).
    pub desc: Option<bool>,
    /// The first row's position among the matching rows.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub offset: u64,
    /// How many rows (at most [`MAX_ROWS`]).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub limit: u64,
}

/// A window of the identities table.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct IdentityPage {
    /// Identities matching the query.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub total: u64,
    /// Identities in the review.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub all: u64,
    /// The first row's position.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub offset: u64,
    /// The rows.
    pub rows: Vec<IdentityRow>,
    /// Every kind in the review, sorted (the type filter's choices).
    pub kinds: Vec<String>,
}

/// Which findings, from which position (in the review's order: worst first).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields))]
#[serde(default, rename_all = "camelCase")]
pub struct FindingQuery {
    /// Only this principal's (its ARN).
    pub principal: Option<String>,
    /// Only this severity.
    pub severity: Option<String>,
    /// Only this kind.
    pub kind: Option<String>,
    /// The first row's position among the matching rows.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub offset: u64,
    /// How many rows (at most [`MAX_ROWS`]).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub limit: u64,
}

/// A principal the findings name: the filter's choice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct NamedPrincipal {
    /// Its ARN.
    pub arn: String,
    /// Its name.
    pub name: String,
}

/// A window of the findings list.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct FindingPage {
    /// Findings matching the query.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub total: u64,
    /// Findings in the review.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub all: u64,
    /// The first row's position.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub offset: u64,
    /// The rows, worst first.
    pub rows: Vec<FindingRow>,
    /// Every finding kind in the review, sorted.
    pub kinds: Vec<String>,
    /// Every principal with findings, by name.
    pub principals: Vec<NamedPrincipal>,
}

/// Where a severity ranks (0 = critical; unknown or none last).
fn severity_rank(s: Option<&str>) -> usize {
    s.and_then(|s| SEVERITIES.iter().position(|v| *v == s))
        .unwrap_or(SEVERITIES.len())
}

/// Compares two optional numbers with the absent ones as `absent`.
fn number(a: Option<f64>, b: Option<f64>, absent: f64) -> Ordering {
    a.unwrap_or(absent).total_cmp(&b.unwrap_or(absent))
}

/// The identities table's order for `column`, ascending. Root's granted actions ("all") sort above every
/// number; a missing unused share or risk score below every one; a missing last activity is placed last by
/// the caller whatever the direction.
fn compare(column: &str, a: &IdentityRow, b: &IdentityRow) -> Ordering {
    match column {
        "name" => a.name.to_lowercase().cmp(&b.name.to_lowercase()),
        "kind" => a.kind.cmp(&b.kind),
        "lastActivity" => a.last_activity.cmp(&b.last_activity),
        "grantedActions" => a
            .granted_actions
            .unwrap_or(u32::MAX)
            .cmp(&b.granted_actions.unwrap_or(u32::MAX)),
        "usedActions" => a.used_actions.cmp(&b.used_actions),
        "unusedPercent" => number(a.unused_percent, b.unused_percent, -1.0),
        "findings" => a.findings.cmp(&b.findings).then_with(|| {
            // More findings of the same count rank higher when worse (a lower severity rank).
            severity_rank(b.worst_severity.as_deref())
                .cmp(&severity_rank(a.worst_severity.as_deref()))
        }),
        _ => number(a.risk_score, b.risk_score, -1.0),
    }
}

fn window<T: Clone>(rows: &[&T], offset: u64, limit: u64) -> Vec<T> {
    let start = usize::try_from(offset)
        .unwrap_or(usize::MAX)
        .min(rows.len());
    let take = usize::try_from(limit.min(MAX_ROWS)).unwrap_or(0);
    rows.iter()
        .skip(start)
        .take(take)
        .map(|r| (*r).clone())
        .collect()
}

/// The identities `query` keeps, sorted, from its offset: a window of the stored review's identities (computed
/// and stored first when the database has none for its state). Ties keep the review's order.
///
/// # Errors
///
/// [`StoredReviewError`] when the review or the database fails.
pub fn identity_page(db: &Path, query: &IdentityQuery) -> Result<IdentityPage, StoredReviewError> {
    let review = account_review(db)?;
    let needle = query
        .search
        .as_deref()
        .map(str::to_lowercase)
        .filter(|s| !s.is_empty());
    let mut rows: Vec<&IdentityRow> = review
        .identities
        .iter()
        .filter(|r| {
            query
                .kind
                .as_deref()
                .is_none_or(|k| k.is_empty() || r.kind == k)
        })
        .filter(|r| {
            needle.as_deref().is_none_or(|n| {
                r.name.to_lowercase().contains(n) || r.arn.to_lowercase().contains(n)
            })
        })
        .collect();
    let column = query.sort.as_deref().unwrap_or("riskScore");
    let desc = query.desc.unwrap_or(query.sort.is_none());
    rows.sort_by(|a, b| {
        if column == "lastActivity" {
            match (&a.last_activity, &b.last_activity) {
                (None, Some(_)) => return Ordering::Greater,
                (Some(_), None) => return Ordering::Less,
                _ => {}
            }
        }
        let order = compare(column, a, b);
        if desc { order.reverse() } else { order }
    });
    let kinds: BTreeSet<&str> = review.identities.iter().map(|r| r.kind.as_str()).collect();
    Ok(IdentityPage {
        total: rows.len() as u64,
        all: review.identities.len() as u64,
        offset: query.offset,
        rows: window(&rows, query.offset, query.limit),
        kinds: kinds.into_iter().map(str::to_owned).collect(),
    })
}

/// The findings `query` keeps, worst first, from its offset: a window of the stored review's findings.
///
/// # Errors
///
/// [`StoredReviewError`] when the review or the database fails.
pub fn finding_page(db: &Path, query: &FindingQuery) -> Result<FindingPage, StoredReviewError> {
    let review = account_review(db)?;
    let keep = |want: &Option<String>, have: &str| {
        want.as_deref().is_none_or(|w| w.is_empty() || w == have)
    };
    let rows: Vec<&FindingRow> = review
        .findings
        .iter()
        .filter(|f| {
            keep(&query.severity, &f.severity)
                && keep(&query.kind, &f.kind)
                && keep(&query.principal, &f.principal)
        })
        .collect();
    let kinds: BTreeSet<&str> = review.findings.iter().map(|f| f.kind.as_str()).collect();
    let mut principals: BTreeMap<(String, &str), &str> = BTreeMap::new();
    for f in &review.findings {
        principals.insert(
            (f.principal_name.to_lowercase(), f.principal.as_str()),
            f.principal_name.as_str(),
        );
    }
    Ok(FindingPage {
        total: rows.len() as u64,
        all: review.findings.len() as u64,
        offset: query.offset,
        rows: window(&rows, query.offset, query.limit),
        kinds: kinds.into_iter().map(str::to_owned).collect(),
        principals: principals
            .into_iter()
            .map(|((_, arn), name)| NamedPrincipal {
                arn: arn.to_owned(),
                name: name.to_owned(),
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "test code")]

    use super::*;

    #[test]
    fn pages_of_the_demo_review_filter_sort_and_window_like_the_whole_lists() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("demo.db");
        crate::demo::build_demo_database(&db).unwrap();
        let whole = account_review(&db).unwrap();
        assert!(whole.identities.len() > 20);

        // The default: riskiest first (root, without a score, last), every identity, in windows.
        let all =
            |q: IdentityQuery| identity_page(&db, &IdentityQuery { limit: 1000, ..q }).unwrap();
        let first = all(IdentityQuery::default());
        assert_eq!(first.total, whole.identities.len() as u64);
        assert_eq!(first.all, first.total);
        let risks: Vec<f64> = first
            .rows
            .iter()
            .map(|r| r.risk_score.unwrap_or(-1.0))
            .collect();
        assert!(risks.windows(2).all(|w| w[0] >= w[1]), "{risks:?}");
        assert_eq!(first.rows.last().unwrap().kind, "root");
        let page = identity_page(
            &db,
            &IdentityQuery {
                offset: 5,
                limit: 4,
                ..IdentityQuery::default()
            },
        )
        .unwrap();
        assert_eq!(page.offset, 5);
        assert_eq!(page.rows, first.rows[5..9].to_vec());
        assert_eq!(page.total, first.total);
        let kinds: BTreeSet<&str> = whole.identities.iter().map(|r| r.kind.as_str()).collect();
        assert_eq!(page.kinds, kinds.into_iter().collect::<Vec<_>>());

        // Search (any case, name or ARN) and the kind filter.
        let bob = all(IdentityQuery {
            search: Some("BOB".to_owned()),
            ..IdentityQuery::default()
        });
        assert!(bob.total >= 1);
        assert!(
            bob.rows
                .iter()
                .all(|r| r.arn.to_lowercase().contains("bob"))
        );
        let users = all(IdentityQuery {
            kind: Some("user".to_owned()),
            ..IdentityQuery::default()
        });
        assert_eq!(
            users.total,
            whole.identities.iter().filter(|r| r.kind == "user").count() as u64
        );
        assert!(users.rows.iter().all(|r| r.kind == "user"));

        // A column both ways: root ("all" granted) first when descending; ascending is the reverse when no
        // two rows tie.
        let granted = |desc| {
            all(IdentityQuery {
                sort: Some("grantedActions".to_owned()),
                desc: Some(desc),
                ..IdentityQuery::default()
            })
        };
        let down = granted(true);
        assert_eq!(down.rows[0].kind, "root");
        let values: Vec<u32> = down
            .rows
            .iter()
            .map(|r| r.granted_actions.unwrap_or(u32::MAX))
            .collect();
        assert!(values.windows(2).all(|w| w[0] >= w[1]));
        let up = granted(false);
        let up_values: Vec<u32> = up
            .rows
            .iter()
            .map(|r| r.granted_actions.unwrap_or(u32::MAX))
            .collect();
        assert!(up_values.windows(2).all(|w| w[0] <= w[1]));
        let names = all(IdentityQuery {
            sort: Some("name".to_owned()),
            desc: Some(false),
            ..IdentityQuery::default()
        });
        let lower: Vec<String> = names.rows.iter().map(|r| r.name.to_lowercase()).collect();
        assert!(lower.windows(2).all(|w| w[0] <= w[1]));

        // Findings: worst first, filtered, the choices from the whole review.
        let findings = finding_page(
            &db,
            &FindingQuery {
                limit: 1000,
                ..FindingQuery::default()
            },
        )
        .unwrap();
        assert_eq!(findings.rows, whole.findings);
        assert_eq!(findings.total, whole.findings.len() as u64);
        let critical = finding_page(
            &db,
            &FindingQuery {
                severity: Some("critical".to_owned()),
                limit: 1000,
                ..FindingQuery::default()
            },
        )
        .unwrap();
        let expected: Vec<FindingRow> = whole
            .findings
            .iter()
            .filter(|f| f.severity == "critical")
            .cloned()
            .collect();
        assert!(!expected.is_empty());
        assert_eq!(critical.rows, expected);
        assert_eq!(critical.all, whole.findings.len() as u64);
        let who = &whole.findings[0].principal;
        let theirs = finding_page(
            &db,
            &FindingQuery {
                principal: Some(who.clone()),
                offset: 1,
                limit: 2,
                ..FindingQuery::default()
            },
        )
        .unwrap();
        let expected: Vec<&FindingRow> = whole
            .findings
            .iter()
            .filter(|f| &f.principal == who)
            .collect();
        assert_eq!(theirs.total, expected.len() as u64);
        assert_eq!(
            theirs.rows,
            expected
                .iter()
                .skip(1)
                .take(2)
                .map(|f| (*f).clone())
                .collect::<Vec<_>>()
        );
        assert!(findings.principals.iter().any(|p| &p.arn == who));
        let names: Vec<String> = findings
            .principals
            .iter()
            .map(|p| p.name.to_lowercase())
            .collect();
        assert!(names.windows(2).all(|w| w[0] <= w[1]));
    }
}

//! What the desktop app's screens show, computed here so the app computes nothing: the dashboard
//! overview, pages of events, per-principal summaries and usage per service, root activity, and
//! import progress and reports in the shape the UI draws.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use chrono::DateTime;
use pare_store::{
    ActivityCounts, CallCount, EventFacets, EventFilter, EventPage, PrincipalSummary, Store,
    TimeBucket, TypeCount,
};
use serde::Serialize;

use crate::{EngineError, ImportProgress, ImportSummary};

/// The most rows one [`Database::events`] call returns.
pub const MAX_PAGE: u64 = 1000;

/// Principal kind of the account's root user, as stored.
const ROOT_KIND: &str = "Root";

/// An open Pare database, for reading (imports write through their own connection).
#[derive(Debug)]
pub struct Database {
    store: Store,
    path: PathBuf,
}

/// The dashboard's numbers.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Overview {
    /// Events stored.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub events: u64,
    /// Principals seen.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub principals: u64,
    /// Denied events.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub denied_events: u64,
    /// CloudTrail files recorded.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub files: u64,
    /// Events by how their call is classified.
    pub activity: ActivityCounts,
    /// Percentage of calls (events that are a principal's call) mapped to IAM actions; 100 when
    /// there are none.
    pub mapped_percent: f64,
    /// Distinct IAM actions used by anyone.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub actions_used: u64,
    /// Principals with at least one used action.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub principals_with_usage: u64,
    /// Earliest event time.
    pub first_event: Option<String>,
    /// Latest event time.
    pub last_event: Option<String>,
    /// `day` or `month`: the period of [`Overview::over_time`].
    pub bucket: String,
    /// Events per period, oldest first.
    pub over_time: Vec<TimeBucket>,
    /// Principals and events by kind.
    pub by_type: Vec<TypeCount>,
    /// The most frequent calls.
    pub top_calls: Vec<CallCount>,
    /// The root user's activity in numbers.
    pub root: RootSummary,
}

/// The root user's activity in numbers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct RootSummary {
    /// Events by root.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub events: u64,
    /// Of which denied.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub denied: u64,
    /// Of which console sign-ins (`ConsoleLogin`).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub console_logins: u64,
    /// First root event.
    pub first_seen: Option<String>,
    /// Last root event.
    pub last_seen: Option<String>,
    /// The root principals (one per account).
    pub accounts: Vec<String>,
}

/// The root user's timeline.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct RootActivity {
    /// Numbers.
    pub summary: RootSummary,
    /// Root events per day, oldest first.
    pub per_day: Vec<TimeBucket>,
    /// Root events, newest first (at most [`MAX_PAGE`]; `total` says how many there are).
    pub events: EventPage,
    /// What root did: calls by name with counts, most frequent first.
    pub calls: Vec<NamedCount>,
}

/// A value and how many events had it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct NamedCount {
    /// The value.
    pub name: String,
    /// Events.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub count: u64,
}

/// One action a principal used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ActionUse {
    /// `service:Action`.
    pub action: String,
    /// Events (summed over resources).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub count: u64,
    /// First use.
    pub first_used: Option<String>,
    /// Last use.
    pub last_used: Option<String>,
    /// The resources it was used on (`*` when the action has none).
    pub resources: Vec<String>,
}

/// A principal's usage of one service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ServiceUsage {
    /// The service prefix (`s3`, `iam`).
    pub service: String,
    /// Events of its actions.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub count: u64,
    /// Last use of any of its actions.
    pub last_used: Option<String>,
    /// Its actions used, by name.
    pub actions: Vec<ActionUse>,
}

/// One principal: its numbers, its usage per service, where it called from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct PrincipalDetail {
    /// Numbers.
    pub summary: PrincipalSummary,
    /// Usage per service, most recently used first.
    pub services: Vec<ServiceUsage>,
    /// Source IPs (or AWS service names) of its used actions.
    pub source_ips: Vec<String>,
    /// Regions of its used actions.
    pub regions: Vec<String>,
    /// Its calls by outcome.
    pub outcomes: Vec<NamedCount>,
}

/// Progress of a running import, as the progress bar shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ImportStatus {
    /// Files finished.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub files_done: u64,
    /// Files to read.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub files_total: u64,
    /// Records read.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub records: u64,
    /// New events stored.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub new_events: u64,
    /// Seconds since the import started.
    pub elapsed_seconds: f64,
    /// Records read per second so far.
    pub events_per_second: f64,
    /// Seconds left, estimated from the files done (none before the first file is done).
    pub eta_seconds: Option<f64>,
    /// Everything is read and stored.
    pub finished: bool,
}

impl From<&ImportProgress> for ImportStatus {
    fn from(p: &ImportProgress) -> Self {
        let elapsed = p.elapsed.as_secs_f64();
        let rate = if elapsed > 0.0 {
            p.records as f64 / elapsed
        } else {
            0.0
        };
        let eta = (p.files_done > 0 && !p.finished).then(|| {
            let left = p.files_total.saturating_sub(p.files_done) as f64;
            elapsed / p.files_done as f64 * left
        });
        Self {
            files_done: p.files_done as u64,
            files_total: p.files_total as u64,
            records: p.records,
            new_events: p.new_events,
            elapsed_seconds: elapsed,
            events_per_second: rate,
            eta_seconds: eta,
            finished: p.finished,
        }
    }
}

/// A problem with one file of an import (the rest of the import is kept).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ImportProblem {
    /// The file.
    pub file: String,
    /// What is wrong, with the place in the file.
    pub message: String,
}

/// What an import did, as the app reports it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ImportReport {
    /// The import was cancelled: the files finished before are kept, the rest are read again next time.
    pub cancelled: bool,
    /// Files read.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub files_read: u64,
    /// Files left out because their content was already imported.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub files_unchanged: u64,
    /// Records read.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub records: u64,
    /// Events stored for the first time.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub new_events: u64,
    /// Events already stored.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub duplicate_events: u64,
    /// Percentage of this import's calls mapped to IAM actions.
    pub mapped_percent: f64,
    /// Bad files and records, each naming its file.
    pub problems: Vec<ImportProblem>,
    /// Files and folders not read, with why.
    pub skipped: Vec<ImportProblem>,
    /// Seconds the import took.
    pub seconds: f64,
}

impl ImportReport {
    /// The report of `summary`; `cancelled` when the caller stopped it.
    #[must_use]
    pub fn new(summary: &ImportSummary, cancelled: bool) -> Self {
        let mut problems: Vec<ImportProblem> = summary
            .file_problems
            .iter()
            .map(|p| ImportProblem {
                file: p.file.display().to_string(),
                message: p.message.clone(),
            })
            .collect();
        problems.extend(summary.bad_records.iter().map(|b| ImportProblem {
            file: b.file.display().to_string(),
            message: format!("record {}: {}", b.index, b.message),
        }));
        Self {
            cancelled,
            files_read: summary.files_read as u64,
            files_unchanged: summary.files_unchanged as u64,
            records: summary.records,
            new_events: summary.new_events,
            duplicate_events: summary.duplicate_events,
            mapped_percent: summary.mapped_percent(),
            problems,
            skipped: summary
                .skipped
                .iter()
                .map(|s| ImportProblem {
                    file: s.path.display().to_string(),
                    message: s.reason.clone(),
                })
                .collect(),
            seconds: summary.seconds,
        }
    }
}

/// Percentage of calls mapped to actions; 100 when there are no calls.
fn mapped_percent(a: &ActivityCounts) -> f64 {
    let calls = a.mapped + a.no_permission_needed + a.console + a.unmapped;
    if calls == 0 {
        100.0
    } else {
        a.mapped as f64 * 100.0 / calls as f64
    }
}

/// `day` buckets for spans up to 92 days, `month` beyond (and for unreadable times).
fn bucket_for(first: Option<&str>, last: Option<&str>) -> (&'static str, u32) {
    let parse = |t: Option<&str>| t.and_then(|t| DateTime::parse_from_rfc3339(t).ok());
    match (parse(first), parse(last)) {
        (Some(a), Some(b)) if (b - a).num_days() <= 92 => ("day", 10),
        _ => ("month", 7),
    }
}

impl Database {
    /// Opens (creating and migrating if needed) the database at `path`.
    ///
    /// # Errors
    ///
    /// [`EngineError::Store`] if it cannot be opened or migrated.
    pub fn open(path: &Path) -> Result<Self, EngineError> {
        Ok(Self {
            store: Store::open(path)?,
            path: path.to_path_buf(),
        })
    }

    /// Where the database is.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The dashboard's numbers.
    ///
    /// # Errors
    ///
    /// [`EngineError::Store`] if the database cannot be read.
    pub fn overview(&self) -> Result<Overview, EngineError> {
        let totals = self.store.totals()?;
        let activity = self.store.activity_counts()?;
        let (first_event, last_event) = self.store.event_time_range()?;
        let (bucket, prefix) = bucket_for(first_event.as_deref(), last_event.as_deref());
        let over_time = self
            .store
            .events_over_time(&EventFilter::default(), prefix)?;
        let usage = self.store.usage(None)?;
        let actions: BTreeSet<&str> = usage.iter().map(|u| u.action.as_str()).collect();
        let principals: BTreeSet<&str> = usage.iter().map(|u| u.principal.as_str()).collect();
        Ok(Overview {
            events: totals.events,
            principals: totals.principals,
            denied_events: totals.denied_events,
            files: totals.files,
            mapped_percent: mapped_percent(&activity),
            activity,
            actions_used: actions.len() as u64,
            principals_with_usage: principals.len() as u64,
            first_event,
            last_event,
            bucket: bucket.to_owned(),
            over_time,
            by_type: self.store.principals_by_type()?,
            top_calls: self.store.top_calls(10)?,
            root: self.root_summary()?,
        })
    }

    fn root_filter() -> EventFilter {
        EventFilter {
            principal_type: Some(ROOT_KIND.to_owned()),
            ..EventFilter::default()
        }
    }

    fn root_summary(&self) -> Result<RootSummary, EngineError> {
        let filter = Self::root_filter();
        let roots: Vec<PrincipalSummary> = self
            .store
            .principal_summaries()?
            .into_iter()
            .filter(|p| p.kind == ROOT_KIND)
            .collect();
        let logins = self
            .store
            .events(
                &EventFilter {
                    event_name: Some("ConsoleLogin".to_owned()),
                    ..filter
                },
                0,
                0,
            )?
            .total;
        Ok(RootSummary {
            events: roots.iter().map(|p| p.events).sum(),
            denied: roots.iter().map(|p| p.denied).sum(),
            console_logins: logins,
            first_seen: roots.iter().filter_map(|p| p.first_seen.clone()).min(),
            last_seen: roots.iter().filter_map(|p| p.last_seen.clone()).max(),
            accounts: roots.into_iter().map(|p| p.key).collect(),
        })
    }

    /// The root user's timeline: numbers, events per day, the events, what it called.
    ///
    /// # Errors
    ///
    /// [`EngineError::Store`] if the database cannot be read.
    pub fn root_activity(&self) -> Result<RootActivity, EngineError> {
        let filter = Self::root_filter();
        let events = self.store.events(&filter, 0, MAX_PAGE)?;
        let mut calls: BTreeMap<String, u64> = BTreeMap::new();
        for e in &events.rows {
            *calls.entry(e.event_name.clone()).or_default() += 1;
        }
        let mut calls: Vec<NamedCount> = calls
            .into_iter()
            .map(|(name, count)| NamedCount { name, count })
            .collect();
        calls.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
        Ok(RootActivity {
            summary: self.root_summary()?,
            per_day: self.store.events_over_time(&filter, 10)?,
            events,
            calls,
        })
    }

    /// Events matching `filter`, newest first: at most `limit` (capped at [`MAX_PAGE`]) from `offset`.
    ///
    /// # Errors
    ///
    /// [`EngineError::Store`] if the database cannot be read.
    pub fn events(
        &self,
        filter: &EventFilter,
        offset: u64,
        limit: u64,
    ) -> Result<EventPage, EngineError> {
        Ok(self.store.events(filter, offset, limit.min(MAX_PAGE))?)
    }

    /// Values present in the database, for the activity filters.
    ///
    /// # Errors
    ///
    /// [`EngineError::Store`] if the database cannot be read.
    pub fn facets(&self) -> Result<EventFacets, EngineError> {
        Ok(self.store.event_facets()?)
    }

    /// Every principal with its numbers, most events first.
    ///
    /// # Errors
    ///
    /// [`EngineError::Store`] if the database cannot be read.
    pub fn principals(&self) -> Result<Vec<PrincipalSummary>, EngineError> {
        Ok(self.store.principal_summaries()?)
    }

    /// One principal's numbers and usage per service; `None` when the database has no such principal.
    ///
    /// # Errors
    ///
    /// [`EngineError::Store`] if the database cannot be read.
    pub fn principal(&self, key: &str) -> Result<Option<PrincipalDetail>, EngineError> {
        let Some(summary) = self.store.principal_summary(key)? else {
            return Ok(None);
        };
        let rows = crate::usage(&self.path, Some(key))?;
        let mut services: BTreeMap<String, BTreeMap<String, ActionUse>> = BTreeMap::new();
        let mut ips = BTreeSet::new();
        let mut regions = BTreeSet::new();
        for row in rows {
            let service = row
                .action
                .split_once(':')
                .map_or(row.action.as_str(), |(s, _)| s)
                .to_owned();
            let entry = services
                .entry(service)
                .or_default()
                .entry(row.action.clone())
                .or_insert_with(|| ActionUse {
                    action: row.action.clone(),
                    count: 0,
                    first_used: None,
                    last_used: None,
                    resources: Vec::new(),
                });
            entry.count += row.count;
            entry.first_used = min_time(entry.first_used.take(), row.first_seen);
            entry.last_used = entry.last_used.take().max(row.last_seen);
            entry.resources.push(row.resource);
            ips.extend(row.source_ips);
            regions.extend(row.regions);
        }
        let mut services: Vec<ServiceUsage> = services
            .into_iter()
            .map(|(service, actions)| {
                let actions: Vec<ActionUse> = actions.into_values().collect();
                ServiceUsage {
                    service,
                    count: actions.iter().map(|a| a.count).sum(),
                    last_used: actions.iter().filter_map(|a| a.last_used.clone()).max(),
                    actions,
                }
            })
            .collect();
        services.sort_by(|a, b| {
            b.last_used
                .cmp(&a.last_used)
                .then_with(|| a.service.cmp(&b.service))
        });
        let mut outcomes = Vec::new();
        for outcome in ["success", "denied", "failed", "failed_before_authorization"] {
            let filter = EventFilter {
                principal: Some(key.to_owned()),
                outcome: Some(outcome.to_owned()),
                ..EventFilter::default()
            };
            let count = self.store.events(&filter, 0, 0)?.total;
            if count > 0 {
                outcomes.push(NamedCount {
                    name: outcome.to_owned(),
                    count,
                });
            }
        }
        Ok(Some(PrincipalDetail {
            summary,
            services,
            source_ips: ips.into_iter().collect(),
            regions: regions.into_iter().collect(),
            outcomes,
        }))
    }
}

fn min_time(a: Option<String>, b: Option<String>) -> Option<String> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

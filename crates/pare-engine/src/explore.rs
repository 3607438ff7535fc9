//! What the desktop app's screens show, computed here so the app computes nothing: the dashboard
//! overview, pages of events with filters, per-principal summaries and usage per service, root
//! activity, and import progress and reports in the shape the UI draws. Events are read by passes
//! over the event log (`pare_store::Store::events`).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use chrono::DateTime;
use pare_store::{EventFilter, EventInput, Store};
use serde::{Deserialize, Serialize};

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

/// Which events to list; every field left `None` matches everything. Text fields match exactly,
/// except `search`, which matches any part of the principal, event name, source or error code.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields))]
#[serde(default, rename_all = "camelCase")]
pub struct ActivityFilter {
    /// The principal's key.
    pub principal: Option<String>,
    /// The principal's kind (`IamUser`, `Root`, …).
    pub principal_type: Option<String>,
    /// `eventSource` (`iam.amazonaws.com`).
    pub event_source: Option<String>,
    /// `eventName`.
    pub event_name: Option<String>,
    /// `sourceIPAddress`.
    pub source_ip: Option<String>,
    /// `awsRegion`.
    pub region: Option<String>,
    /// `success`, `denied`, `failed` or `failed_before_authorization`.
    pub outcome: Option<String>,
    /// Only events with an error code (when `true`).
    pub errors_only: Option<bool>,
    /// Events at or after this time (RFC 3339 text; compared as text).
    pub since: Option<String>,
    /// Events before this time.
    pub until: Option<String>,
    /// Free text.
    pub search: Option<String>,
}

/// One stored event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct EventRow {
    /// The event's deduplication key, hex (stable across reads).
    pub key: String,
    /// `eventTime`.
    pub time: Option<String>,
    /// The principal's key.
    pub principal: String,
    /// The principal's kind.
    pub principal_type: String,
    /// `eventSource`.
    pub event_source: String,
    /// `eventName`.
    pub event_name: String,
    /// `awsRegion`.
    pub region: Option<String>,
    /// `sourceIPAddress`.
    pub source_ip: Option<String>,
    /// `userAgent`.
    pub user_agent: Option<String>,
    /// How it ended.
    pub outcome: String,
    /// `errorCode`.
    pub error_code: Option<String>,
    /// `errorMessage`.
    pub error_message: Option<String>,
}

/// A page of events, newest first, with how many match the filter in all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct EventPage {
    /// Events matching the filter.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub total: u64,
    /// The page's first row's position.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub offset: u64,
    /// The rows.
    pub rows: Vec<EventRow>,
}

/// Events in one period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct TimeBucket {
    /// The period's start as text: `2024-05-01` for a day, `2024-05` for a month.
    pub period: String,
    /// Events.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub events: u64,
    /// Denied events.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub denied: u64,
}

/// Principals of one kind and their events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct TypeCount {
    /// The kind (`IamUser`, `RoleSession`, `Root`, …).
    pub kind: String,
    /// Principals.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub principals: u64,
    /// Their events.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub events: u64,
}

/// One (eventSource, eventName) pair and how often it was called.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct CallCount {
    /// `eventSource`.
    pub event_source: String,
    /// `eventName`.
    pub event_name: String,
    /// How the pair is classified (`actions`, `unmapped`, …).
    pub status: String,
    /// Events.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub events: u64,
    /// Distinct principals that called it.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub principals: u64,
}

/// What one principal did, in numbers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct PrincipalSummary {
    /// Its key (an ARN for IAM principals).
    pub key: String,
    /// Its kind.
    pub kind: String,
    /// Events.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub events: u64,
    /// Denied events.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub denied: u64,
    /// Earliest event.
    pub first_seen: Option<String>,
    /// Latest event.
    pub last_seen: Option<String>,
    /// Distinct IAM actions it used (permissions shown to be held).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub actions_used: u64,
}

/// Event counts by classification of their (eventSource, eventName) pair.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ActivityCounts {
    /// Events mapped to IAM actions.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub mapped: u64,
    /// Calls that need no permission.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub no_permission_needed: u64,
    /// Console activity.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub console: u64,
    /// Calls with no known action.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub unmapped: u64,
    /// Events that are not a principal's call (AWS service events, Insights).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub not_a_call: u64,
}

/// Values present in the database, for the activity filters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct EventFacets {
    /// Principal kinds.
    pub principal_types: Vec<String>,
    /// `eventSource`s.
    pub event_sources: Vec<String>,
    /// Regions.
    pub regions: Vec<String>,
    /// Outcomes.
    pub outcomes: Vec<String>,
    /// Earliest event time.
    pub first_event: Option<String>,
    /// Latest event time.
    pub last_event: Option<String>,
}

/// The dashboard's numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

impl ActivityFilter {
    fn log_filter(&self) -> EventFilter {
        let text = |v: &Option<String>| v.clone().filter(|v| !v.is_empty());
        EventFilter {
            principal: text(&self.principal),
            since: text(&self.since),
            until: text(&self.until),
        }
    }

    fn keeps(&self, e: &EventInput) -> bool {
        let is = |want: &Option<String>, got: Option<&str>| {
            want.as_deref()
                .filter(|w| !w.is_empty())
                .is_none_or(|w| got == Some(w))
        };
        if !(is(&self.principal_type, Some(&e.principal.kind))
            && is(&self.event_source, Some(&e.event_source))
            && is(&self.event_name, Some(&e.event_name))
            && is(&self.source_ip, e.source_ip.as_deref())
            && is(&self.region, e.region.as_deref())
            && is(&self.outcome, Some(e.outcome.as_str())))
        {
            return false;
        }
        if self.errors_only == Some(true) && e.error_code.is_none() {
            return false;
        }
        let Some(needle) = self
            .search
            .as_deref()
            .map(|s| s.trim().to_lowercase())
            .filter(|s| !s.is_empty())
        else {
            return true;
        };
        [
            Some(e.principal.key.as_str()),
            Some(e.event_name.as_str()),
            Some(e.event_source.as_str()),
            e.error_code.as_deref(),
            e.source_ip.as_deref(),
        ]
        .into_iter()
        .flatten()
        .any(|v| v.to_lowercase().contains(&needle))
    }
}

fn event_row(e: &EventInput) -> EventRow {
    EventRow {
        key: e.key.iter().map(|b| format!("{b:02x}")).collect(),
        time: e.time.clone(),
        principal: e.principal.key.clone(),
        principal_type: e.principal.kind.clone(),
        event_source: e.event_source.clone(),
        event_name: e.event_name.clone(),
        region: e.region.clone(),
        source_ip: e.source_ip.clone(),
        user_agent: e.user_agent.clone(),
        outcome: e.outcome.as_str().to_owned(),
        error_code: e.error_code.clone(),
        error_message: e.error_message.clone(),
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
fn bucket_for(first: Option<&str>, last: Option<&str>) -> (&'static str, usize) {
    let parse = |t: Option<&str>| t.and_then(|t| DateTime::parse_from_rfc3339(t).ok());
    match (parse(first), parse(last)) {
        (Some(a), Some(b)) if (b - a).num_days() <= 92 => ("day", 10),
        _ => ("month", 7),
    }
}

/// Events per period (the first `prefix` characters of the time), oldest first.
fn buckets(times: &[(&str, bool)], prefix: usize) -> Vec<TimeBucket> {
    let mut out: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    for (t, denied) in times {
        let period = t.get(..prefix).unwrap_or(t);
        let entry = out.entry(period).or_default();
        entry.0 += 1;
        entry.1 += u64::from(*denied);
    }
    out.into_iter()
        .map(|(period, (events, denied))| TimeBucket {
            period: period.to_owned(),
            events,
            denied,
        })
        .collect()
}

/// Whether an event time reads as a date (some logs carry placeholders such as `redacted`, which
/// are shown but not placed on time axes or counted as first/last activity).
fn is_dated(t: &str) -> bool {
    t.len() >= 10 && t.bytes().take(4).all(|b| b.is_ascii_digit())
}

fn min_time(a: Option<String>, b: Option<String>) -> Option<String> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Per-principal numbers gathered in one pass.
#[derive(Default)]
struct Tally {
    kind: String,
    events: u64,
    denied: u64,
    first: Option<String>,
    last: Option<String>,
}

impl Tally {
    fn add(&mut self, e: &EventInput) {
        if self.kind.is_empty() {
            self.kind = e.principal.kind.clone();
        }
        self.events += 1;
        self.denied += u64::from(e.outcome.as_str() == "denied");
        if let Some(t) = e.time.as_ref().filter(|t| is_dated(t)) {
            self.first = min_time(self.first.take(), Some(t.clone()));
            self.last = self.last.take().max(Some(t.clone()));
        }
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

    /// Calls `each` for every event `filter` keeps.
    fn each(
        &self,
        filter: &ActivityFilter,
        mut each: impl FnMut(&EventInput),
    ) -> Result<(), EngineError> {
        crate::events(&self.path, &filter.log_filter(), |stored| {
            if filter.keeps(&stored.event) {
                each(&stored.event);
            }
            ControlFlow::Continue(())
        })
    }

    /// Events matching `filter`, newest first (events without a time last), at most `limit`
    /// (capped at [`MAX_PAGE`]) from `offset`.
    ///
    /// # Errors
    ///
    /// [`EngineError::Store`] if the database cannot be read.
    pub fn events(
        &self,
        filter: &ActivityFilter,
        offset: u64,
        limit: u64,
    ) -> Result<EventPage, EngineError> {
        let mut rows = Vec::new();
        self.each(filter, |e| rows.push(event_row(e)))?;
        rows.sort_by(|a, b| b.time.cmp(&a.time).then_with(|| b.key.cmp(&a.key)));
        let total = rows.len() as u64;
        let start = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(rows.len());
        let take = usize::try_from(limit.min(MAX_PAGE)).unwrap_or(0);
        let rows = rows.into_iter().skip(start).take(take).collect();
        Ok(EventPage {
            total,
            offset,
            rows,
        })
    }

    /// Events by how their call is classified.
    fn activity(&self) -> Result<ActivityCounts, EngineError> {
        let mut out = ActivityCounts::default();
        for row in self.store.mapping()? {
            match row.status.as_str() {
                "actions" => out.mapped += row.count,
                "no_permission_needed" => out.no_permission_needed += row.count,
                "console" => out.console += row.count,
                "unmapped" => out.unmapped += row.count,
                _ => out.not_a_call += row.count,
            }
        }
        Ok(out)
    }

    /// Distinct actions used per principal key.
    fn actions_used(&self) -> Result<HashMap<String, BTreeSet<String>>, EngineError> {
        let mut out: HashMap<String, BTreeSet<String>> = HashMap::new();
        for row in self.store.usage(None)? {
            out.entry(row.principal).or_default().insert(row.action);
        }
        Ok(out)
    }

    /// The dashboard's numbers.
    ///
    /// # Errors
    ///
    /// [`EngineError::Store`] if the database cannot be read.
    pub fn overview(&self) -> Result<Overview, EngineError> {
        let totals = self.store.totals()?;
        let activity = self.activity()?;
        let used = self.actions_used()?;
        let mut times: Vec<(String, bool)> = Vec::new();
        let mut principals: HashMap<String, Tally> = HashMap::new();
        let mut calls: HashMap<(String, String), (String, u64, BTreeSet<String>)> = HashMap::new();
        let mut root_logins = 0;
        self.each(&ActivityFilter::default(), |e| {
            if let Some(t) = e.time.as_ref().filter(|t| is_dated(t)) {
                times.push((t.clone(), e.outcome.as_str() == "denied"));
            }
            principals
                .entry(e.principal.key.clone())
                .or_default()
                .add(e);
            let call = calls
                .entry((e.event_source.clone(), e.event_name.clone()))
                .or_insert_with(|| (e.activity.to_owned(), 0, BTreeSet::new()));
            call.1 += 1;
            call.2.insert(e.principal.key.clone());
            if e.principal.kind == ROOT_KIND && e.event_name == "ConsoleLogin" {
                root_logins += 1;
            }
        })?;
        let first_event = times.iter().map(|(t, _)| t.clone()).min();
        let last_event = times.iter().map(|(t, _)| t.clone()).max();
        let (bucket, prefix) = bucket_for(first_event.as_deref(), last_event.as_deref());
        let borrowed: Vec<(&str, bool)> = times.iter().map(|(t, d)| (t.as_str(), *d)).collect();
        let mut by_type: BTreeMap<String, (u64, u64)> = BTreeMap::new();
        for tally in principals.values() {
            let entry = by_type.entry(tally.kind.clone()).or_default();
            entry.0 += 1;
            entry.1 += tally.events;
        }
        let mut by_type: Vec<TypeCount> = by_type
            .into_iter()
            .map(|(kind, (principals, events))| TypeCount {
                kind,
                principals,
                events,
            })
            .collect();
        by_type.sort_by(|a, b| {
            b.principals
                .cmp(&a.principals)
                .then_with(|| a.kind.cmp(&b.kind))
        });
        let mut top_calls: Vec<CallCount> = calls
            .into_iter()
            .map(
                |((event_source, event_name), (status, events, who))| CallCount {
                    event_source,
                    event_name,
                    status,
                    events,
                    principals: who.len() as u64,
                },
            )
            .collect();
        top_calls.sort_by(|a, b| {
            b.events
                .cmp(&a.events)
                .then_with(|| a.event_source.cmp(&b.event_source))
                .then_with(|| a.event_name.cmp(&b.event_name))
        });
        top_calls.truncate(10);
        let roots: Vec<(&String, &Tally)> = principals
            .iter()
            .filter(|(_, t)| t.kind == ROOT_KIND)
            .collect();
        let mut accounts: Vec<String> = roots.iter().map(|(k, _)| (*k).clone()).collect();
        accounts.sort();
        let root = RootSummary {
            events: roots.iter().map(|(_, t)| t.events).sum(),
            denied: roots.iter().map(|(_, t)| t.denied).sum(),
            console_logins: root_logins,
            first_seen: roots.iter().filter_map(|(_, t)| t.first.clone()).min(),
            last_seen: roots.iter().filter_map(|(_, t)| t.last.clone()).max(),
            accounts,
        };
        let actions: BTreeSet<&String> = used.values().flatten().collect();
        Ok(Overview {
            events: totals.events,
            principals: totals.principals,
            denied_events: totals.denied_events,
            files: totals.files,
            mapped_percent: mapped_percent(&activity),
            activity,
            actions_used: actions.len() as u64,
            principals_with_usage: used.len() as u64,
            over_time: buckets(&borrowed, prefix),
            first_event,
            last_event,
            bucket: bucket.to_owned(),
            by_type,
            top_calls,
            root,
        })
    }

    /// The root user's timeline: numbers, events per day, the newest events, what it called.
    ///
    /// # Errors
    ///
    /// [`EngineError::Store`] if the database cannot be read.
    pub fn root_activity(&self) -> Result<RootActivity, EngineError> {
        let filter = ActivityFilter {
            principal_type: Some(ROOT_KIND.to_owned()),
            ..ActivityFilter::default()
        };
        let mut per_account: BTreeMap<String, Tally> = BTreeMap::new();
        let mut times: Vec<(String, bool)> = Vec::new();
        let mut calls: BTreeMap<String, u64> = BTreeMap::new();
        let mut logins = 0;
        self.each(&filter, |e| {
            per_account
                .entry(e.principal.key.clone())
                .or_default()
                .add(e);
            if let Some(t) = e.time.as_ref().filter(|t| is_dated(t)) {
                times.push((t.clone(), e.outcome.as_str() == "denied"));
            }
            *calls.entry(e.event_name.clone()).or_default() += 1;
            logins += u64::from(e.event_name == "ConsoleLogin");
        })?;
        let borrowed: Vec<(&str, bool)> = times.iter().map(|(t, d)| (t.as_str(), *d)).collect();
        let mut calls: Vec<NamedCount> = calls
            .into_iter()
            .map(|(name, count)| NamedCount { name, count })
            .collect();
        calls.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
        Ok(RootActivity {
            summary: RootSummary {
                events: per_account.values().map(|t| t.events).sum(),
                denied: per_account.values().map(|t| t.denied).sum(),
                console_logins: logins,
                first_seen: per_account.values().filter_map(|t| t.first.clone()).min(),
                last_seen: per_account.values().filter_map(|t| t.last.clone()).max(),
                accounts: per_account.keys().cloned().collect(),
            },
            per_day: buckets(&borrowed, 10),
            events: self.events(&filter, 0, MAX_PAGE)?,
            calls,
        })
    }

    /// Values present in the database, for the activity filters.
    ///
    /// # Errors
    ///
    /// [`EngineError::Store`] if the database cannot be read.
    pub fn facets(&self) -> Result<EventFacets, EngineError> {
        let mut types = BTreeSet::new();
        let mut sources = BTreeSet::new();
        let mut regions = BTreeSet::new();
        let mut outcomes = BTreeSet::new();
        let (mut first, mut last) = (None, None);
        self.each(&ActivityFilter::default(), |e| {
            types.insert(e.principal.kind.clone());
            sources.insert(e.event_source.clone());
            if let Some(r) = &e.region {
                regions.insert(r.clone());
            }
            outcomes.insert(e.outcome.as_str().to_owned());
            if let Some(t) = e.time.as_ref().filter(|t| is_dated(t)) {
                first = min_time(first.take(), Some(t.clone()));
                last = last.take().max(Some(t.clone()));
            }
        })?;
        Ok(EventFacets {
            principal_types: types.into_iter().collect(),
            event_sources: sources.into_iter().collect(),
            regions: regions.into_iter().collect(),
            outcomes: outcomes.into_iter().collect(),
            first_event: first,
            last_event: last,
        })
    }

    /// Every principal with its numbers, most events first.
    ///
    /// # Errors
    ///
    /// [`EngineError::Store`] if the database cannot be read.
    pub fn principals(&self) -> Result<Vec<PrincipalSummary>, EngineError> {
        self.summaries(&ActivityFilter::default())
    }

    fn summaries(&self, filter: &ActivityFilter) -> Result<Vec<PrincipalSummary>, EngineError> {
        let used = self.actions_used()?;
        let mut tallies: HashMap<String, Tally> = HashMap::new();
        self.each(filter, |e| {
            tallies.entry(e.principal.key.clone()).or_default().add(e);
        })?;
        let mut out: Vec<PrincipalSummary> = tallies
            .into_iter()
            .map(|(key, t)| PrincipalSummary {
                actions_used: used.get(&key).map_or(0, |a| a.len() as u64),
                key,
                kind: t.kind,
                events: t.events,
                denied: t.denied,
                first_seen: t.first,
                last_seen: t.last,
            })
            .collect();
        out.sort_by(|a, b| b.events.cmp(&a.events).then_with(|| a.key.cmp(&b.key)));
        Ok(out)
    }

    /// One principal's numbers and usage per service; `None` when the database has no such principal.
    ///
    /// # Errors
    ///
    /// [`EngineError::Store`] if the database cannot be read.
    pub fn principal(&self, key: &str) -> Result<Option<PrincipalDetail>, EngineError> {
        let filter = ActivityFilter {
            principal: Some(key.to_owned()),
            ..ActivityFilter::default()
        };
        let Some(mut summary) = self.summaries(&filter)?.into_iter().find(|s| s.key == key) else {
            return Ok(None);
        };
        let mut outcomes: BTreeMap<String, u64> = BTreeMap::new();
        self.each(&filter, |e| {
            *outcomes.entry(e.outcome.as_str().to_owned()).or_default() += 1;
        })?;
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
        summary.actions_used = services.iter().map(|s| s.actions.len() as u64).sum();
        Ok(Some(PrincipalDetail {
            summary,
            services,
            source_ips: ips.into_iter().collect(),
            regions: regions.into_iter().collect(),
            outcomes: outcomes
                .into_iter()
                .map(|(name, count)| NamedCount { name, count })
                .collect(),
        }))
    }
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::indexing_slicing,
        reason = "test code: a failed unwrap is a failed test"
    )]

    use super::*;

    /// The Stratus Red Team trail `pare demo` bundles, imported into a fresh database.
    fn demo() -> (tempfile::TempDir, Database) {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("demo.db");
        let trail = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../pare-cli/demo/cloudtrail/stratus-red-team.json.gz");
        crate::import_cloudtrail(&db, &[trail], None, None, |_| {}).unwrap();
        let database = Database::open(&db).unwrap();
        (dir, database)
    }

    #[test]
    fn overview_pages_and_summaries_agree_with_the_totals() {
        let (_dir, db) = demo();
        let o = db.overview().unwrap();
        let totals = crate::totals(db.path()).unwrap();
        assert_eq!(o.events, totals.events);
        assert_eq!(o.principals, totals.principals);
        assert_eq!(
            o.by_type.iter().map(|t| t.principals).sum::<u64>(),
            o.principals
        );
        assert_eq!(o.by_type.iter().map(|t| t.events).sum::<u64>(), o.events);
        assert_eq!(o.over_time.iter().map(|b| b.events).sum::<u64>(), o.events);
        assert_eq!(
            o.over_time.iter().map(|b| b.denied).sum::<u64>(),
            o.denied_events
        );
        assert_eq!(o.root.events, 0);
        assert!(o.top_calls.windows(2).all(|w| w[0].events >= w[1].events));

        let all = db.events(&ActivityFilter::default(), 0, MAX_PAGE).unwrap();
        assert_eq!(all.total, o.events);
        assert!(all.rows.windows(2).all(|w| w[0].time >= w[1].time));
        let second = db.events(&ActivityFilter::default(), 100, 100).unwrap();
        assert_eq!(second.rows, all.rows[100..200].to_vec());
        let denied = ActivityFilter {
            outcome: Some("denied".to_owned()),
            ..ActivityFilter::default()
        };
        assert_eq!(db.events(&denied, 0, 0).unwrap().total, o.denied_events);

        let principals = db.principals().unwrap();
        assert_eq!(principals.len() as u64, o.principals);
        assert_eq!(principals.iter().map(|p| p.events).sum::<u64>(), o.events);
        let attacker = "arn:aws:iam::229654561268:user/christophe";
        let detail = db.principal(attacker).unwrap().unwrap();
        let used: BTreeSet<String> = crate::usage(db.path(), Some(attacker))
            .unwrap()
            .into_iter()
            .map(|u| u.action)
            .collect();
        let shown: BTreeSet<String> = detail
            .services
            .iter()
            .flat_map(|s| s.actions.iter().map(|a| a.action.clone()))
            .collect();
        assert_eq!(shown, used);
        assert_eq!(detail.summary.actions_used, used.len() as u64);
        assert!(
            db.principal("arn:aws:iam::1:user/nobody")
                .unwrap()
                .is_none()
        );
        assert_eq!(db.root_activity().unwrap().summary.events, 0);
    }
}

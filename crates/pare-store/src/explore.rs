//! Read-only queries the desktop app's screens are built from: a filtered page of events, activity
//! over time, principals by type, the most frequent calls, per-principal summaries.

use rusqlite::{OptionalExtension, ToSql, params};
use serde::{Deserialize, Serialize};

use crate::{Result, Store};

/// Which events to list; every field left `None` matches everything. Text fields match exactly,
/// except `search`, which matches any part of the principal, event name, source or error code.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields))]
#[serde(default, rename_all = "camelCase")]
pub struct EventFilter {
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
    /// The event's row id.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub id: i64,
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
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

const EVENT_COLUMNS: &str = "e.id, e.time, p.key, p.type, ep.event_source, ep.event_name, e.region, \
     i.value, ua.value, e.outcome, e.error_code, e.error_message";
const EVENT_JOINS: &str = "FROM events e JOIN principals p ON p.id = e.principal_id \
     JOIN event_pairs ep ON ep.id = e.pair_id LEFT JOIN ips i ON i.id = e.ip_id \
     LEFT JOIN user_agents ua ON ua.id = e.user_agent_id";

fn event_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<EventRow> {
    Ok(EventRow {
        id: r.get(0)?,
        time: r.get(1)?,
        principal: r.get(2)?,
        principal_type: r.get(3)?,
        event_source: r.get(4)?,
        event_name: r.get(5)?,
        region: r.get(6)?,
        source_ip: r.get(7)?,
        user_agent: r.get(8)?,
        outcome: r.get(9)?,
        error_code: r.get(10)?,
        error_message: r.get(11)?,
    })
}

/// The WHERE clause of a filter and its parameters.
fn where_clause(filter: &EventFilter) -> (String, Vec<Box<dyn ToSql>>) {
    let mut terms: Vec<String> = Vec::new();
    let mut values: Vec<Box<dyn ToSql>> = Vec::new();
    let mut exact = |column: &str, value: &Option<String>| {
        if let Some(v) = value.as_ref().filter(|v| !v.is_empty()) {
            values.push(Box::new(v.clone()));
            terms.push(format!("{column} = ?{}", values.len()));
        }
    };
    exact("p.key", &filter.principal);
    exact("p.type", &filter.principal_type);
    exact("ep.event_source", &filter.event_source);
    exact("ep.event_name", &filter.event_name);
    exact("i.value", &filter.source_ip);
    exact("e.region", &filter.region);
    exact("e.outcome", &filter.outcome);
    if let Some(v) = filter.since.as_ref().filter(|v| !v.is_empty()) {
        values.push(Box::new(v.clone()));
        terms.push(format!("e.time >= ?{}", values.len()));
    }
    if let Some(v) = filter.until.as_ref().filter(|v| !v.is_empty()) {
        values.push(Box::new(v.clone()));
        terms.push(format!("e.time < ?{}", values.len()));
    }
    if filter.errors_only == Some(true) {
        terms.push("e.error_code IS NOT NULL".to_owned());
    }
    if let Some(v) = filter
        .search
        .as_ref()
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
    {
        let escaped = v
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        values.push(Box::new(format!("%{escaped}%")));
        let n = values.len();
        terms.push(format!(
            "(p.key LIKE ?{n} ESCAPE '\\' OR ep.event_name LIKE ?{n} ESCAPE '\\' \
             OR ep.event_source LIKE ?{n} ESCAPE '\\' OR e.error_code LIKE ?{n} ESCAPE '\\' \
             OR i.value LIKE ?{n} ESCAPE '\\')"
        ));
    }
    let clause = if terms.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", terms.join(" AND "))
    };
    (clause, values)
}

impl Store {
    /// Events matching `filter`, newest first (then by row id), `limit` of them from `offset`.
    ///
    /// # Errors
    ///
    /// [`crate::StoreError`] if SQLite fails.
    pub fn events(&self, filter: &EventFilter, offset: u64, limit: u64) -> Result<EventPage> {
        let (clause, mut values) = where_clause(filter);
        let count_sql = format!("SELECT count(*) {EVENT_JOINS} {clause}");
        let refs: Vec<&dyn ToSql> = values.iter().map(AsRef::as_ref).collect();
        let total: u64 = self
            .conn
            .query_row(&count_sql, refs.as_slice(), |r| r.get(0))
            .map_err(self.err())?;
        values.push(Box::new(limit));
        values.push(Box::new(offset));
        let n = values.len();
        let sql = format!(
            "SELECT {EVENT_COLUMNS} {EVENT_JOINS} {clause} ORDER BY e.time DESC, e.id DESC \
             LIMIT ?{} OFFSET ?{n}",
            n - 1
        );
        let refs: Vec<&dyn ToSql> = values.iter().map(AsRef::as_ref).collect();
        let mut stmt = self.conn.prepare(&sql).map_err(self.err())?;
        let rows = stmt
            .query_map(refs.as_slice(), event_row)
            .map_err(self.err())?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(self.err())?;
        Ok(EventPage {
            total,
            offset,
            rows,
        })
    }

    /// Events per period matching `filter`, oldest first: `prefix_len` characters of the event time
    /// name the period (10 for days, 7 for months). Events without a time are left out.
    ///
    /// # Errors
    ///
    /// [`crate::StoreError`] if SQLite fails.
    pub fn events_over_time(
        &self,
        filter: &EventFilter,
        prefix_len: u32,
    ) -> Result<Vec<TimeBucket>> {
        let (clause, mut values) = where_clause(filter);
        values.push(Box::new(prefix_len));
        let n = values.len();
        let joiner = if clause.is_empty() { "WHERE" } else { "AND" };
        let sql = format!(
            "SELECT substr(e.time, 1, ?{n}) AS period, count(*), \
             coalesce(sum(e.outcome = 'denied'), 0) {EVENT_JOINS} {clause} {joiner} e.time IS NOT NULL \
             GROUP BY period ORDER BY period"
        );
        let refs: Vec<&dyn ToSql> = values.iter().map(AsRef::as_ref).collect();
        let mut stmt = self.conn.prepare(&sql).map_err(self.err())?;
        stmt.query_map(refs.as_slice(), |r| {
            Ok(TimeBucket {
                period: r.get(0)?,
                events: r.get(1)?,
                denied: r.get(2)?,
            })
        })
        .map_err(self.err())?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(self.err())
    }

    /// The earliest and latest event times.
    ///
    /// # Errors
    ///
    /// [`crate::StoreError`] if SQLite fails.
    pub fn event_time_range(&self) -> Result<(Option<String>, Option<String>)> {
        self.conn
            .query_row("SELECT min(time), max(time) FROM events", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .map_err(self.err())
    }

    /// Principals and their events, by kind, most principals first.
    ///
    /// # Errors
    ///
    /// [`crate::StoreError`] if SQLite fails.
    pub fn principals_by_type(&self) -> Result<Vec<TypeCount>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT p.type, count(*), coalesce(sum(n.events), 0) FROM principals p \
                 LEFT JOIN (SELECT principal_id, count(*) AS events FROM events GROUP BY principal_id) n \
                 ON n.principal_id = p.id GROUP BY p.type ORDER BY 2 DESC, 1",
            )
            .map_err(self.err())?;
        stmt.query_map([], |r| {
            Ok(TypeCount {
                kind: r.get(0)?,
                principals: r.get(1)?,
                events: r.get(2)?,
            })
        })
        .map_err(self.err())?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(self.err())
    }

    /// The `limit` most frequent (eventSource, eventName) pairs, with how many principals called each.
    ///
    /// # Errors
    ///
    /// [`crate::StoreError`] if SQLite fails.
    pub fn top_calls(&self, limit: u64) -> Result<Vec<CallCount>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT ep.event_source, ep.event_name, ep.activity, count(*), \
                 count(DISTINCT e.principal_id) FROM events e JOIN event_pairs ep ON ep.id = e.pair_id \
                 GROUP BY e.pair_id ORDER BY 4 DESC, 1, 2 LIMIT ?1",
            )
            .map_err(self.err())?;
        stmt.query_map(params![limit], |r| {
            Ok(CallCount {
                event_source: r.get(0)?,
                event_name: r.get(1)?,
                status: r.get(2)?,
                events: r.get(3)?,
                principals: r.get(4)?,
            })
        })
        .map_err(self.err())?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(self.err())
    }

    /// Events by how their (eventSource, eventName) pair is classified.
    ///
    /// # Errors
    ///
    /// [`crate::StoreError`] if SQLite fails.
    pub fn activity_counts(&self) -> Result<ActivityCounts> {
        let mut out = ActivityCounts::default();
        let mut stmt = self
            .conn
            .prepare("SELECT activity, coalesce(sum(count), 0) FROM event_pairs GROUP BY activity")
            .map_err(self.err())?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, u64>(1)?)))
            .map_err(self.err())?;
        for row in rows {
            let (activity, n) = row.map_err(self.err())?;
            match activity.as_str() {
                "actions" => out.mapped += n,
                "no_permission_needed" => out.no_permission_needed += n,
                "console" => out.console += n,
                "unmapped" => out.unmapped += n,
                _ => out.not_a_call += n,
            }
        }
        Ok(out)
    }

    /// Every principal with its event counts, time span and distinct actions used, most events first.
    ///
    /// # Errors
    ///
    /// [`crate::StoreError`] if SQLite fails.
    pub fn principal_summaries(&self) -> Result<Vec<PrincipalSummary>> {
        self.summaries(None)
    }

    /// One principal's summary, by key.
    ///
    /// # Errors
    ///
    /// [`crate::StoreError`] if SQLite fails.
    pub fn principal_summary(&self, key: &str) -> Result<Option<PrincipalSummary>> {
        Ok(self.summaries(Some(key))?.into_iter().next())
    }

    fn summaries(&self, key: Option<&str>) -> Result<Vec<PrincipalSummary>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT p.key, p.type, coalesce(ev.n, 0), coalesce(ev.denied, 0), ev.first, ev.last, \
                 coalesce(us.actions, 0) FROM principals p \
                 LEFT JOIN (SELECT principal_id, count(*) AS n, sum(outcome = 'denied') AS denied, \
                   min(time) AS first, max(time) AS last FROM events GROUP BY principal_id) ev \
                   ON ev.principal_id = p.id \
                 LEFT JOIN (SELECT principal_id, count(DISTINCT action_id) AS actions FROM usage \
                   GROUP BY principal_id) us ON us.principal_id = p.id \
                 WHERE ?1 IS NULL OR p.key = ?1 \
                 ORDER BY 3 DESC, p.key",
            )
            .map_err(self.err())?;
        stmt.query_map(params![key], |r| {
            Ok(PrincipalSummary {
                key: r.get(0)?,
                kind: r.get(1)?,
                events: r.get(2)?,
                denied: r.get(3)?,
                first_seen: r.get(4)?,
                last_seen: r.get(5)?,
                actions_used: r.get(6)?,
            })
        })
        .map_err(self.err())?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(self.err())
    }

    /// Distinct values for the activity filters.
    ///
    /// # Errors
    ///
    /// [`crate::StoreError`] if SQLite fails.
    pub fn event_facets(&self) -> Result<EventFacets> {
        let (first_event, last_event) = self.event_time_range()?;
        Ok(EventFacets {
            principal_types: self.strings("SELECT DISTINCT type FROM principals ORDER BY 1")?,
            event_sources: self.strings(
                "SELECT DISTINCT event_source FROM event_pairs WHERE count > 0 ORDER BY 1",
            )?,
            regions: self.strings(
                "SELECT DISTINCT region FROM events WHERE region IS NOT NULL ORDER BY 1",
            )?,
            outcomes: self.strings("SELECT DISTINCT outcome FROM events ORDER BY 1")?,
            first_event,
            last_event,
        })
    }

    /// The kind of the principal with this key, if it is in the database.
    ///
    /// # Errors
    ///
    /// [`crate::StoreError`] if SQLite fails.
    pub fn principal_type(&self, key: &str) -> Result<Option<String>> {
        self.conn
            .query_row(
                "SELECT type FROM principals WHERE key = ?1",
                params![key],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.err())
    }

    fn strings(&self, sql: &str) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare(sql).map_err(self.err())?;
        stmt.query_map([], |r| r.get::<_, String>(0))
            .map_err(self.err())?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(self.err())
    }
}

//! The optional time window, and reading an event time (`eventTime` or `@timestamp`) from raw JSON.

use std::borrow::Cow;

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use serde_json::value::RawValue;

/// A half-open time window `[since, until)`; either end may be open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TimeWindow {
    /// Records before this instant are left out.
    pub since: Option<DateTime<Utc>>,
    /// Records at or after this instant are left out.
    pub until: Option<DateTime<Utc>>,
}

impl TimeWindow {
    /// Whether neither end is set (then no record time is read at all).
    pub fn is_unbounded(&self) -> bool {
        self.since.is_none() && self.until.is_none()
    }

    /// Whether `t` is inside the window.
    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        self.since.is_none_or(|s| t >= s) && self.until.is_none_or(|u| t < u)
    }

    /// Whether every event in a CloudTrail object delivered at `delivered` (minute precision, as in
    /// the S3 object name) is certainly outside the window. Events are delivered after they happen,
    /// at most `slack` later.
    pub fn excludes_delivery(&self, delivered: DateTime<Utc>, slack: TimeDelta) -> bool {
        self.excludes_delivery_range(delivered, delivered + TimeDelta::minutes(1), slack)
    }

    /// Whether every event in objects delivered in `[from, to)` is certainly outside the window.
    pub(crate) fn excludes_delivery_range(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        slack: TimeDelta,
    ) -> bool {
        // Delivered before `to` means it happened before `to`.
        let all_before = self.since.is_some_and(|s| to <= s);
        // Delivered at or after `from` means it happened at or after `from - slack`.
        let all_after = self.until.is_some_and(|u| from - slack >= u);
        all_before || all_after
    }
}

/// Parses an RFC 3339 time (`2024-07-30T21:53:13Z`, with fractions or an offset), the same without a
/// zone (taken as UTC, with `T` or a space), or a Unix time in seconds or milliseconds.
pub fn parse_time_text(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(t.and_utc());
        }
    }
    None
}

/// Reads a time from the raw JSON value of `eventTime` / `@timestamp`: a string as in
/// [`parse_time_text`], or a number of seconds (or of milliseconds, when larger than 10^11).
pub(crate) fn parse_time_value(raw: &RawValue) -> Option<DateTime<Utc>> {
    let text = raw.get();
    if text.starts_with('"') {
        let s: Cow<'_, str> = serde_json::from_str(text).ok()?;
        return parse_time_text(s.trim());
    }
    let n: f64 = serde_json::from_str(text).ok()?;
    if !n.is_finite() {
        return None;
    }
    let millis = if n.abs() > 1e11 { n } else { n * 1000.0 }.round() as i64;
    DateTime::from_timestamp_millis(millis)
}

//! What the findings read from the CloudTrail tables: the root user's events (with the file and record they
//! came from), each principal's last activity, and the observation window.

use rusqlite::params;
use serde::Serialize;

use crate::{Result, Store};

/// One stored event of the root user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RootEventRow {
    /// The root principal's key (`arn:aws:iam::<account>:root`).
    pub principal: String,
    /// `eventTime`.
    pub time: Option<String>,
    /// `eventSource`.
    pub event_source: String,
    /// `eventName`.
    pub event_name: String,
    /// `sourceIPAddress`.
    pub source_ip: Option<String>,
    /// `success`, `denied`, `failed`, `failed_before_authorization`.
    pub outcome: String,
    /// `errorCode`.
    pub error_code: Option<String>,
    /// The file the event was read from.
    pub file: String,
    /// Its record index in the file.
    pub record_index: i64,
}

impl Store {
    /// Every event of a principal of kind `Root`, in time order.
    ///
    /// # Errors
    ///
    /// [`crate::StoreError`] if SQLite fails.
    pub fn root_events(&self) -> Result<Vec<RootEventRow>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT pr.key, e.time, p.event_source, p.event_name, ip.value, e.outcome, e.error_code, f.path, e.record_index
                 FROM events e
                 JOIN principals pr ON pr.id = e.principal_id
                 JOIN event_pairs p ON p.id = e.pair_id
                 JOIN files f ON f.id = e.file_id
                 LEFT JOIN ips ip ON ip.id = e.ip_id
                 WHERE pr.type = 'Root'
                 ORDER BY e.time, e.id",
            )
            .map_err(self.err())?;
        let rows = stmt
            .query_map(params![], |r| {
                Ok(RootEventRow {
                    principal: r.get(0)?,
                    time: r.get(1)?,
                    event_source: r.get(2)?,
                    event_name: r.get(3)?,
                    source_ip: r.get(4)?,
                    outcome: r.get(5)?,
                    error_code: r.get(6)?,
                    file: r.get(7)?,
                    record_index: r.get(8)?,
                })
            })
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// Each principal key's last event time (any event, including calls that need no permission).
    ///
    /// # Errors
    ///
    /// [`crate::StoreError`] if SQLite fails.
    pub fn last_activity(&self) -> Result<Vec<(String, String)>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT pr.key, MAX(e.time) FROM events e JOIN principals pr ON pr.id = e.principal_id
                 WHERE e.time IS NOT NULL GROUP BY pr.key ORDER BY pr.key",
            )
            .map_err(self.err())?;
        let rows = stmt
            .query_map(params![], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// The first and last event time stored (`None` without events).
    ///
    /// # Errors
    ///
    /// [`crate::StoreError`] if SQLite fails.
    pub fn event_window(&self) -> Result<Option<(String, String)>> {
        self.conn
            .query_row(
                "SELECT MIN(time), MAX(time) FROM events WHERE time IS NOT NULL",
                params![],
                |r| {
                    let a: Option<String> = r.get(0)?;
                    let b: Option<String> = r.get(1)?;
                    Ok(a.zip(b))
                },
            )
            .map_err(self.err())
    }

    /// Whether any stored event is a data event (S3 object-level, Lambda invoke, DynamoDB item-level), i.e. the
    /// trail logs data events.
    ///
    /// # Errors
    ///
    /// [`crate::StoreError`] if SQLite fails.
    pub fn has_data_events(&self) -> Result<bool> {
        self.conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM event_pairs WHERE count > 0 AND (
                    (event_source = 's3.amazonaws.com' AND event_name IN ('GetObject', 'PutObject', 'DeleteObject', 'HeadObject'))
                    OR (event_source = 'lambda.amazonaws.com' AND event_name LIKE 'Invoke%')
                    OR (event_source = 'dynamodb.amazonaws.com' AND event_name IN ('GetItem', 'PutItem', 'Query', 'Scan', 'UpdateItem', 'DeleteItem'))))",
                params![],
                |r| r.get(0),
            )
            .map_err(self.err())
    }
}

//! What the findings read from the CloudTrail tables: the root user's events (with the file and record they
//! came from), each principal's last activity, and the observation window.

use std::collections::{BTreeMap, HashMap};
use std::ops::ControlFlow;

use rusqlite::params;
use serde::Serialize;

use crate::{EventFilter, Result, Store};

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
    /// [`crate::StoreError`] if SQLite fails or an event block cannot be decoded.
    pub fn root_events(&self) -> Result<Vec<RootEventRow>> {
        let files = self.file_paths()?;
        let mut out = Vec::new();
        self.events(&EventFilter::default(), |stored| {
            let e = &stored.event;
            if e.principal.kind == "Root" {
                out.push(RootEventRow {
                    principal: e.principal.key.clone(),
                    time: e.time.clone(),
                    event_source: e.event_source.clone(),
                    event_name: e.event_name.clone(),
                    source_ip: e.source_ip.clone(),
                    outcome: e.outcome.as_str().to_owned(),
                    error_code: e.error_code.clone(),
                    file: files.get(&stored.file_id).cloned().unwrap_or_default(),
                    record_index: i64::try_from(e.record_index).unwrap_or(i64::MAX),
                });
            }
            ControlFlow::Continue(())
        })?;
        // Stable: time, then the file and record the event came from.
        out.sort_by(|a, b| {
            (a.time.as_deref(), &a.file, a.record_index).cmp(&(
                b.time.as_deref(),
                &b.file,
                b.record_index,
            ))
        });
        Ok(out)
    }

    /// Where the successful IAM identity changes are (users and roles created or deleted, policies attached,
    /// detached, written or deleted, group membership, trust policies, access keys, console passwords): the file
    /// and record index of each, in time order, to be read again for their request parameters. Empty, without
    /// reading any event, when the trail has no `CreateUser`/`CreateRole` at all.
    ///
    /// # Errors
    ///
    /// [`crate::StoreError`] if SQLite fails or an event block cannot be decoded.
    pub fn identity_change_events(&self) -> Result<Vec<(String, i64)>> {
        const CHANGES: &[&str] = &[
            "CreateUser",
            "CreateRole",
            "DeleteUser",
            "DeleteRole",
            "AttachUserPolicy",
            "AttachRolePolicy",
            "DetachUserPolicy",
            "DetachRolePolicy",
            "PutUserPolicy",
            "PutRolePolicy",
            "DeleteUserPolicy",
            "DeleteRolePolicy",
            "AddUserToGroup",
            "UpdateAssumeRolePolicy",
            "CreateAccessKey",
            "CreateLoginProfile",
        ];
        let any_created: bool = self
            .conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM event_pairs WHERE event_source = 'iam.amazonaws.com' \
                 AND event_name IN ('CreateUser', 'CreateRole'))",
                params![],
                |r| r.get(0),
            )
            .map_err(self.err())?;
        if !any_created {
            return Ok(Vec::new());
        }
        let files = self.file_paths()?;
        let mut out = Vec::new();
        self.events(&EventFilter::default(), |stored| {
            let e = &stored.event;
            if e.event_source == "iam.amazonaws.com"
                && e.outcome.as_str() == "success"
                && CHANGES.contains(&e.event_name.as_str())
            {
                out.push((
                    e.time.clone(),
                    files.get(&stored.file_id).cloned().unwrap_or_default(),
                    i64::try_from(e.record_index).unwrap_or(i64::MAX),
                ));
            }
            ControlFlow::Continue(())
        })?;
        out.sort();
        Ok(out.into_iter().map(|(_, f, i)| (f, i)).collect())
    }

    /// Every imported file's path by its id.
    fn file_paths(&self) -> Result<HashMap<i64, String>> {
        let mut files: HashMap<i64, String> = HashMap::new();
        let mut stmt = self
            .conn
            .prepare("SELECT id, path FROM files")
            .map_err(self.err())?;
        let rows = stmt
            .query_map(params![], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(self.err())?;
        for row in rows {
            let (id, path) = row.map_err(self.err())?;
            files.insert(id, path);
        }
        Ok(files)
    }

    /// Each principal key's last event time (any event, including calls that need no permission).
    ///
    /// # Errors
    ///
    /// [`crate::StoreError`] if SQLite fails or an event block cannot be decoded.
    pub fn last_activity(&self) -> Result<Vec<(String, String)>> {
        let mut last: BTreeMap<String, String> = BTreeMap::new();
        self.events(&EventFilter::default(), |stored| {
            let e = &stored.event;
            if let Some(t) = e.time.as_deref() {
                match last.get_mut(e.principal.key.as_str()) {
                    Some(seen) if seen.as_str() >= t => {}
                    Some(seen) => t.clone_into(seen),
                    None => {
                        last.insert(e.principal.key.clone(), t.to_owned());
                    }
                }
            }
            ControlFlow::Continue(())
        })?;
        Ok(last.into_iter().collect())
    }

    /// The first and last event time stored (`None` without events).
    ///
    /// # Errors
    ///
    /// [`crate::StoreError`] if SQLite fails.
    pub fn event_window(&self) -> Result<Option<(String, String)>> {
        self.conn
            .query_row(
                "SELECT MIN(min_time), MAX(max_time) FROM event_blocks",
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

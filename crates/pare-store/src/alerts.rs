//! Storage of activity alerts: policy versions, alerts with their events and triage, event facts, the
//! evaluation's progress through the event log, and user settings.

use std::ops::ControlFlow;

use rusqlite::{OptionalExtension, params};

use crate::{Result, Store, StoreError, StoredEvent};

/// One stored version of an alert policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPolicy {
    /// Row id (alerts name the version that raised them).
    pub row: i64,
    /// The policy's id.
    pub policy_id: String,
    /// 1, 2, ...
    pub version: i64,
    /// `builtin` or the file it was read from.
    pub source: String,
    /// The policy as JSON (one entry of a policy file).
    pub body: String,
    /// When this version was stored.
    pub created_at: String,
}

/// Where an alert is in triage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AlertStatus {
    /// Not looked at yet.
    Open,
    /// Looked at: not a problem.
    Dismissed,
    /// Looked at: dealt with.
    Resolved,
}

impl AlertStatus {
    /// `open`, `dismissed`, `resolved`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            AlertStatus::Open => "open",
            AlertStatus::Dismissed => "dismissed",
            AlertStatus::Resolved => "resolved",
        }
    }

    /// Parses `open`, `dismissed`, `resolved`.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "open" => Some(AlertStatus::Open),
            "dismissed" => Some(AlertStatus::Dismissed),
            "resolved" => Some(AlertStatus::Resolved),
            _ => None,
        }
    }
}

/// An alert to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAlert {
    /// The row of the policy version that raised it.
    pub policy_row: i64,
    /// The policy's id.
    pub policy_id: String,
    /// Its severity.
    pub severity: String,
    /// The actor's principal key.
    pub actor: String,
    /// The time of the event that raised it.
    pub time: Option<String>,
    /// One line saying what happened.
    pub summary: String,
    /// The events, in time order: `eventID` and the event log's key.
    pub events: Vec<(String, [u8; 16])>,
}

impl NewAlert {
    /// `policy_id` and the events' keys: the same policy on the same events is one alert.
    #[must_use]
    pub fn fingerprint(&self) -> String {
        let mut s = self.policy_id.clone();
        for (_, key) in &self.events {
            s.push(':');
            for b in key {
                s.push_str(&format!("{b:02x}"));
            }
        }
        s
    }
}

/// A stored alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertRow {
    /// Its id.
    pub id: i64,
    /// The policy's id.
    pub policy_id: String,
    /// The version of the policy that raised it.
    pub policy_version: i64,
    /// Its severity.
    pub severity: String,
    /// The actor's principal key.
    pub actor: String,
    /// The time of the event that raised it.
    pub time: Option<String>,
    /// One line saying what happened.
    pub summary: String,
    /// The `eventID`s of its events, in time order.
    pub events: Vec<String>,
    /// Triage status.
    pub status: AlertStatus,
    /// The triage note.
    pub note: Option<String>,
    /// Who triaged it.
    pub triaged_by: Option<String>,
    /// When it was triaged.
    pub triaged_at: Option<String>,
}

const NOW: &str = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

impl Store {
    /// Stores alert policies `(id, JSON body, source)` (source: `builtin` or the file), in one
    /// transaction: a policy whose body differs from its latest stored version (or that is new) gets a
    /// new version. Returns the latest version of each given policy.
    ///
    /// # Errors
    ///
    /// [`StoreError`] if SQLite fails (then nothing is stored).
    pub fn store_alert_policies(
        &mut self,
        policies: &[(String, String, String)],
    ) -> Result<Vec<StoredPolicy>> {
        let path = self.path.clone();
        let err = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(err)?;
        for (id, body, source) in policies {
            let latest: Option<(i64, String)> = tx
                .query_row(
                    "SELECT version, body FROM alert_policies WHERE policy_id = ?1 \
                     ORDER BY version DESC LIMIT 1",
                    params![id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .map_err(err)?;
            let version = match latest {
                Some((_, old)) if old == *body => continue,
                Some((v, _)) => v + 1,
                None => 1,
            };
            tx.execute(
                &format!(
                    "INSERT INTO alert_policies (policy_id, version, source, body, created_at) \
                     VALUES (?1, ?2, ?3, ?4, {NOW})"
                ),
                params![id, version, source, body],
            )
            .map_err(err)?;
        }
        tx.commit().map_err(err)?;
        let all = self.alert_policies()?;
        Ok(all
            .into_iter()
            .filter(|p| policies.iter().any(|(id, _, _)| *id == p.policy_id))
            .collect())
    }

    /// The latest version of every stored alert policy, by policy id.
    ///
    /// # Errors
    ///
    /// [`StoreError`] if SQLite fails.
    pub fn alert_policies(&self) -> Result<Vec<StoredPolicy>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT p.id, p.policy_id, p.version, p.source, p.body, p.created_at \
                 FROM alert_policies p \
                 WHERE p.enabled = 1 AND p.version = \
                   (SELECT MAX(version) FROM alert_policies q WHERE q.policy_id = p.policy_id) \
                 ORDER BY p.id",
            )
            .map_err(self.err())?;
        let rows = stmt
            .query_map([], |r| {
                Ok(StoredPolicy {
                    row: r.get(0)?,
                    policy_id: r.get(1)?,
                    version: r.get(2)?,
                    source: r.get(3)?,
                    body: r.get(4)?,
                    created_at: r.get(5)?,
                })
            })
            .map_err(self.err())?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(self.err())
    }

    /// Every stored version of one policy, oldest first.
    ///
    /// # Errors
    ///
    /// [`StoreError`] if SQLite fails.
    pub fn alert_policy_versions(&self, policy_id: &str) -> Result<Vec<StoredPolicy>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, policy_id, version, source, body, created_at FROM alert_policies \
                 WHERE policy_id = ?1 ORDER BY version",
            )
            .map_err(self.err())?;
        let rows = stmt
            .query_map(params![policy_id], |r| {
                Ok(StoredPolicy {
                    row: r.get(0)?,
                    policy_id: r.get(1)?,
                    version: r.get(2)?,
                    source: r.get(3)?,
                    body: r.get(4)?,
                    created_at: r.get(5)?,
                })
            })
            .map_err(self.err())?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(self.err())
    }

    /// Stores the facts (JSON objects) of events by their key; facts already stored are kept.
    ///
    /// # Errors
    ///
    /// [`StoreError`] if SQLite fails (then none are stored).
    pub fn insert_alert_facts(&mut self, facts: &[([u8; 16], String)]) -> Result<()> {
        if facts.is_empty() {
            return Ok(());
        }
        let path = self.path.clone();
        let err = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(err)?;
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO alert_event_facts (event_key, facts) VALUES (?1, ?2)",
                )
                .map_err(err)?;
            for (key, f) in facts {
                stmt.execute(params![key.as_slice(), f]).map_err(err)?;
            }
        }
        tx.commit().map_err(err)
    }

    /// Every stored event's facts (JSON text) by key (only sign-in and IAM events have any).
    ///
    /// # Errors
    ///
    /// [`StoreError`] if SQLite fails.
    pub fn all_alert_facts(&self) -> Result<std::collections::HashMap<[u8; 16], String>> {
        let mut stmt = self
            .conn
            .prepare("SELECT event_key, facts FROM alert_event_facts")
            .map_err(self.err())?;
        let rows = stmt
            .query_map([], |r| {
                Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, String>(1)?))
            })
            .map_err(self.err())?;
        let mut out = std::collections::HashMap::new();
        for row in rows {
            let (key, facts) = row.map_err(self.err())?;
            if let Ok(key) = <[u8; 16]>::try_from(key.as_slice()) {
                out.insert(key, facts);
            }
        }
        Ok(out)
    }

    /// The facts stored for an event, as JSON text.
    ///
    /// # Errors
    ///
    /// [`StoreError`] if SQLite fails.
    pub fn alert_facts(&self, key: &[u8; 16]) -> Result<Option<String>> {
        self.conn
            .prepare_cached("SELECT facts FROM alert_event_facts WHERE event_key = ?1")
            .and_then(|mut s| {
                s.query_row(params![key.as_slice()], |r| r.get(0))
                    .optional()
            })
            .map_err(self.err())
    }

    /// How far evaluation has read the event log (the last block id, 0 at first) and the evaluator's
    /// state (JSON), if any.
    ///
    /// # Errors
    ///
    /// [`StoreError`] if SQLite fails.
    pub fn alert_evaluation(&self) -> Result<(i64, Option<String>)> {
        let row: Option<(i64, String)> = self
            .conn
            .query_row(
                "SELECT last_block, state FROM alert_evaluation WHERE id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(self.err())?;
        Ok(row.map_or((0, None), |(b, s)| (b, Some(s))))
    }

    /// Calls `each` with the block id and every stored event (given up) of the blocks after
    /// `after_block`, block by block in the order they were stored. Returns the last block id seen
    /// (`after_block` if none).
    ///
    /// # Errors
    ///
    /// [`StoreError`] if SQLite fails or a block is damaged.
    pub fn events_after_block(
        &self,
        after_block: i64,
        mut each: impl FnMut(i64, StoredEvent),
    ) -> Result<i64> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, file_id, dict, data FROM event_blocks WHERE id > ?1 ORDER BY id")
            .map_err(self.err())?;
        let mut rows = stmt.query(params![after_block]).map_err(self.err())?;
        let mut last = after_block;
        while let Some(row) = rows.next().map_err(self.err())? {
            let (id, file_id, dict) = self.block_head(row)?;
            let block_err = self.block_err();
            let block = self.block_body(row, dict, id)?;
            let _complete = block
                .for_each(id, |event| {
                    each(id, StoredEvent { file_id, event });
                    ControlFlow::Continue(())
                })
                .map_err(block_err)?;
            last = id;
        }
        Ok(last)
    }

    /// Stores alerts and the evaluation's progress in one transaction. An alert whose fingerprint is
    /// already stored (the same policy on the same events) is left as it is, triage included. Returns
    /// the ids of the alerts added.
    ///
    /// # Errors
    ///
    /// [`StoreError`] if SQLite fails (then nothing is stored).
    pub fn record_alerts(
        &mut self,
        alerts: &[NewAlert],
        last_block: i64,
        state: &str,
    ) -> Result<Vec<i64>> {
        let path = self.path.clone();
        let err = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(err)?;
        let mut added = Vec::new();
        {
            let mut insert_alert = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO alerts \
                     (policy, policy_id, severity, actor, time, summary, fingerprint, created_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
                )
                .map_err(err)?;
            let mut insert_event = tx
                .prepare_cached(
                    "INSERT INTO alert_events (alert_id, position, event_id, event_key) \
                     VALUES (?1, ?2, ?3, ?4)",
                )
                .map_err(err)?;
            for a in alerts {
                let inserted = insert_alert
                    .execute(params![
                        a.policy_row,
                        a.policy_id,
                        a.severity,
                        a.actor,
                        a.time,
                        a.summary,
                        a.fingerprint()
                    ])
                    .map_err(err)?;
                if inserted == 0 {
                    continue;
                }
                let id = tx.last_insert_rowid();
                for (position, (event_id, key)) in a.events.iter().enumerate() {
                    insert_event
                        .execute(params![id, position as i64, event_id, key.as_slice()])
                        .map_err(err)?;
                }
                added.push(id);
            }
        }
        tx.execute(
            "INSERT INTO alert_evaluation (id, last_block, state) VALUES (1, ?1, ?2) \
             ON CONFLICT(id) DO UPDATE SET last_block = excluded.last_block, state = excluded.state",
            params![last_block, state],
        )
        .map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(added)
    }

    /// Stored alerts, newest event first (then by id), of one status or all.
    ///
    /// # Errors
    ///
    /// [`StoreError`] if SQLite fails.
    pub fn alerts(&self, status: Option<AlertStatus>) -> Result<Vec<AlertRow>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT a.id, a.policy_id, p.version, a.severity, a.actor, a.time, a.summary, \
                        a.status, a.note, a.triaged_by, a.triaged_at \
                 FROM alerts a JOIN alert_policies p ON p.id = a.policy \
                 WHERE ?1 IS NULL OR a.status = ?1 \
                 ORDER BY a.time DESC, a.id",
            )
            .map_err(self.err())?;
        let mut out: Vec<AlertRow> = stmt
            .query_map(params![status.map(AlertStatus::as_str)], |r| {
                let status: String = r.get(7)?;
                Ok(AlertRow {
                    id: r.get(0)?,
                    policy_id: r.get(1)?,
                    policy_version: r.get(2)?,
                    severity: r.get(3)?,
                    actor: r.get(4)?,
                    time: r.get(5)?,
                    summary: r.get(6)?,
                    events: Vec::new(),
                    status: AlertStatus::parse(&status).unwrap_or(AlertStatus::Open),
                    note: r.get(8)?,
                    triaged_by: r.get(9)?,
                    triaged_at: r.get(10)?,
                })
            })
            .map_err(self.err())?
            .collect::<rusqlite::Result<_>>()
            .map_err(self.err())?;
        // Every alert's events in one pass (alert_events is ordered by alert and position).
        let mut by_alert: std::collections::HashMap<i64, Vec<String>> =
            std::collections::HashMap::new();
        let mut events = self
            .conn
            .prepare("SELECT alert_id, event_id FROM alert_events ORDER BY alert_id, position")
            .map_err(self.err())?;
        let rows = events
            .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
            .map_err(self.err())?;
        for row in rows {
            let (id, event) = row.map_err(self.err())?;
            by_alert.entry(id).or_default().push(event);
        }
        for a in &mut out {
            a.events = by_alert.remove(&a.id).unwrap_or_default();
        }
        Ok(out)
    }

    /// The event log keys of an alert's events, in order.
    ///
    /// # Errors
    ///
    /// [`StoreError`] if SQLite fails.
    pub fn alert_event_keys(&self, alert_id: i64) -> Result<Vec<[u8; 16]>> {
        let mut stmt = self
            .conn
            .prepare("SELECT event_key FROM alert_events WHERE alert_id = ?1 ORDER BY position")
            .map_err(self.err())?;
        let keys: Vec<Vec<u8>> = stmt
            .query_map(params![alert_id], |r| r.get(0))
            .map_err(self.err())?
            .collect::<rusqlite::Result<_>>()
            .map_err(self.err())?;
        Ok(keys
            .into_iter()
            .filter_map(|k| <[u8; 16]>::try_from(k.as_slice()).ok())
            .collect())
    }

    /// Sets an alert's triage status and note, with who and when. Returns whether the alert exists.
    ///
    /// # Errors
    ///
    /// [`StoreError`] if SQLite fails.
    pub fn triage_alert(
        &mut self,
        id: i64,
        status: AlertStatus,
        note: Option<&str>,
        who: &str,
    ) -> Result<bool> {
        let changed = self
            .conn
            .execute(
                &format!(
                    "UPDATE alerts SET status = ?2, note = ?3, triaged_by = ?4, triaged_at = {NOW} \
                     WHERE id = ?1"
                ),
                params![id, status.as_str(), note, who],
            )
            .map_err(self.err())?;
        Ok(changed > 0)
    }

    /// A user setting (such as `reviewer`).
    ///
    /// # Errors
    ///
    /// [`StoreError`] if SQLite fails.
    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        self.conn
            .query_row(
                "SELECT value FROM user_settings WHERE key = ?1",
                params![key],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.err())
    }

    /// Sets a user setting.
    ///
    /// # Errors
    ///
    /// [`StoreError`] if SQLite fails.
    pub fn set_setting(&mut self, key: &str, value: &str) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO user_settings (key, value) VALUES (?1, ?2) \
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )
            .map(|_| ())
            .map_err(self.err())
    }
}

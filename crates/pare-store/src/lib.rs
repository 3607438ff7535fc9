//! Pare's SQLite database: the only crate that writes SQL.
//!
//! The schema is built by the timestamped migrations in `migrations/` (embedded with `include_str!`),
//! each applied in one transaction and recorded in `schema_migrations`. The database runs in WAL mode
//! with a busy timeout, so a reader (the desktop app) and an importer can share it.
//!
//! A CloudTrail import writes each file in one transaction ([`Store::insert_file_events`]): its
//! events, the interned values they name, the usage aggregates and the file row. A crash mid-import
//! loses no committed file and leaves no half file. Events are deduplicated by their key (`eventID`),
//! so importing the same records twice changes nothing.
//!
//! ```
//! let store = pare_store::Store::open_in_memory()?;
//! assert!(store.usage(None)?.is_empty());
//! # Ok::<(), pare_store::StoreError>(())
//! ```

#![warn(missing_docs)]

mod account;
mod alerts;
mod event_log;
mod findings;
mod migrations;
mod reviews;
mod scan;
mod stored_review;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;

pub use account::{SnapshotFile, SnapshotInfo, SnapshotInsert, SnapshotPrincipal};
pub use alerts::{AlertRow, AlertStatus, NewAlert, StoredPolicy};
pub use event_log::{BlockError, PreparedFile};
pub use findings::RootEventRow;
pub use migrations::MIGRATIONS;
pub use reviews::{ReviewDecision, ReviewItem, ReviewRow};
pub use scan::{
    AnalyzerFindingInput, AnalyzerFindingRow, LastAccessedInput, LastAccessedRow, ScanInput,
    ScanProblemRow, ScanRow,
};
pub use stored_review::{StoredPath, StoredReviewInsert};

/// Why the database could not be opened, migrated, read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// SQLite failed on the database at this path.
    #[error("database `{path}`: {source}")]
    Sqlite {
        /// The database file (`:memory:` for an in-memory one).
        path: PathBuf,
        /// What SQLite said.
        #[source]
        source: rusqlite::Error,
    },
    /// A migration failed.
    #[error("database `{path}`: migration `{version}` failed: {source}")]
    Migration {
        /// The database file.
        path: PathBuf,
        /// The migration's name.
        version: String,
        /// What SQLite said.
        #[source]
        source: rusqlite::Error,
    },
    /// A stored event block could not be decoded.
    #[error("database `{path}`: {source}")]
    Block {
        /// The database file.
        path: PathBuf,
        /// What is wrong with the block.
        #[source]
        source: BlockError,
    },
    /// The database was written by a newer Pare (it has migrations this build does not know).
    #[error("database `{path}` has migration `{version}`, unknown to this version of pare")]
    NewerSchema {
        /// The database file.
        path: PathBuf,
        /// The unknown migration.
        version: String,
    },
}

/// Results of this crate.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// An import run's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RunId(pub i64);

/// A principal as an event names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrincipalInput {
    /// Its stable key (its ARN where it has one).
    pub key: String,
    /// Its kind (`IamUser`, `RoleSession`, …).
    pub kind: String,
    /// Details as JSON text (session names, account, …).
    pub details: String,
}

/// How an event ended, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StoredOutcome {
    /// No error.
    Success,
    /// Denied by authorization.
    Denied,
    /// Failed after authorization (the permission was held).
    Failed,
    /// Failed before authorization (says nothing about the permission).
    FailedBeforeAuthorization,
}

impl StoredOutcome {
    /// The text stored in `events.outcome`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Denied => "denied",
            Self::Failed => "failed",
            Self::FailedBeforeAuthorization => "failed_before_authorization",
        }
    }
}

/// One action an event used, with its resources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionInput {
    /// `service:Action`.
    pub action: String,
    /// ARNs, or `["*"]`.
    pub resources: Vec<String>,
}

/// One event to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventInput {
    /// The deduplication key (16 bytes of a hash of `eventID`, time, source and name, or of the
    /// record when it has no `eventID`).
    pub key: [u8; 16],
    /// `eventID`.
    pub event_id: Option<String>,
    /// Its index in its file.
    pub record_index: u64,
    /// `eventTime` as written.
    pub time: Option<String>,
    /// Who.
    pub principal: PrincipalInput,
    /// `eventSource`.
    pub event_source: String,
    /// `eventName`.
    pub event_name: String,
    /// How the pair is classified: `actions`, `no_permission_needed`, `console`, `unmapped`, `not_a_call`.
    pub activity: &'static str,
    /// The actions (empty unless `activity` is `actions`).
    pub actions: Vec<ActionInput>,
    /// Whether the event counts as usage (adds to the aggregates).
    pub is_usage: bool,
    /// `awsRegion`.
    pub region: Option<String>,
    /// `sourceIPAddress`.
    pub source_ip: Option<String>,
    /// `userAgent`.
    pub user_agent: Option<String>,
    /// `readOnly`.
    pub read_only: Option<bool>,
    /// How it ended.
    pub outcome: StoredOutcome,
    /// `errorCode`.
    pub error_code: Option<String>,
    /// `errorMessage`.
    pub error_message: Option<String>,
}

/// A file being imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileInput {
    /// Where it was read.
    pub path: String,
    /// Its size in bytes.
    pub size: u64,
    /// SHA-256 of its bytes, lowercase hex.
    pub sha256: String,
    /// Records read from it.
    pub records: u64,
    /// The time window it was read with: `(since, until)`, RFC 3339 UTC with nanoseconds.
    pub window: Window,
}

/// A time window `[since, until)` as RFC 3339 UTC text with nanoseconds (`None`: open).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Window {
    /// The start.
    pub since: Option<String>,
    /// The end.
    pub until: Option<String>,
}

/// What storing one file's events did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FileInsert {
    /// Events stored for the first time.
    pub new_events: u64,
    /// Events already stored (same key).
    pub duplicate_events: u64,
}

/// A file's final status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileStatus {
    /// Read without problems.
    Ok,
    /// Read with problems (its good records are kept).
    Error,
}

/// One usage aggregate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UsageRow {
    /// The principal's key.
    pub principal: String,
    /// `service:Action`.
    pub action: String,
    /// The resource ARN or `*`.
    pub resource: String,
    /// Events.
    pub count: u64,
    /// Earliest `eventTime`.
    pub first_seen: Option<String>,
    /// Latest `eventTime`.
    pub last_seen: Option<String>,
    /// Regions, sorted.
    pub regions: Vec<String>,
    /// Source IPs (or service names), sorted.
    pub source_ips: Vec<String>,
}

/// One (eventSource, eventName) pair seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MappingRow {
    /// `eventSource`.
    pub event_source: String,
    /// `eventName`.
    pub event_name: String,
    /// How events of the pair are classified (`actions`, `unmapped`, …).
    pub status: String,
    /// The actions its events were mapped to, sorted (empty unless `status` is `actions`).
    pub actions: Vec<String>,
    /// Events.
    pub count: u64,
}

/// Totals over the database.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// Events stored.
    pub events: u64,
    /// Principals.
    pub principals: u64,
    /// Events whose pair is mapped to actions.
    pub mapped_events: u64,
    /// Events whose pair is unmapped.
    pub unmapped_events: u64,
    /// Denied events.
    pub denied_events: u64,
    /// Files recorded.
    pub files: u64,
}

/// Which stored events [`Store::events`] delivers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventFilter {
    /// Only this principal's events (its key, as in [`PrincipalInput::key`]).
    pub principal: Option<String>,
    /// Only events with `eventTime >= since` (RFC 3339 text as CloudTrail writes it, compared as text).
    pub since: Option<String>,
    /// Only events with `eventTime < until`.
    pub until: Option<String>,
}

impl EventFilter {
    fn keeps(&self, e: &EventInput) -> bool {
        if self
            .principal
            .as_deref()
            .is_some_and(|p| p != e.principal.key)
        {
            return false;
        }
        if self.since.is_none() && self.until.is_none() {
            return true;
        }
        let Some(t) = e.time.as_deref() else {
            return false;
        };
        self.since.as_deref().is_none_or(|s| t >= s) && self.until.as_deref().is_none_or(|u| t < u)
    }
}

/// One stored event, as it was imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    /// The id of the file (row of `files`) it was first imported from.
    pub file_id: i64,
    /// The event. `principal.details` is this event's actor (JSON: `type`, `account_id`,
    /// `session_name`, `sso_user`, `invoked_by`, `mfa_authenticated`, … where known).
    pub event: EventInput,
}

/// The database.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// Keys of the stored events, loaded on the first insert.
    keys: Option<KeySet>,
    /// Interned ids already committed.
    ids: Interned,
}

impl Store {
    /// Opens (creating if needed) and migrates the database at `path`.
    ///
    /// # Errors
    ///
    /// [`StoreError`] if it cannot be opened or migrated.
    pub fn open(path: &Path) -> Result<Self> {
        let conn = Connection::open(path).map_err(|source| StoreError::Sqlite {
            path: path.to_path_buf(),
            source,
        })?;
        Self::init(conn, path.to_path_buf())
    }

    /// An in-memory database (for tests and examples).
    ///
    /// # Errors
    ///
    /// [`StoreError`] if SQLite fails.
    pub fn open_in_memory() -> Result<Self> {
        let path = PathBuf::from(":memory:");
        let conn = Connection::open_in_memory().map_err(|source| StoreError::Sqlite {
            path: path.clone(),
            source,
        })?;
        Self::init(conn, path)
    }

    fn init(conn: Connection, path: PathBuf) -> Result<Self> {
        let mut store = Self {
            conn,
            path,
            keys: None,
            ids: Interned::default(),
        };
        let path = store.path.clone();
        let err = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        store
            .conn
            .busy_timeout(Duration::from_secs(10))
            .map_err(err)?;
        store
            .conn
            .pragma_update(None, "journal_mode", "WAL")
            .map_err(err)?;
        store
            .conn
            .pragma_update(None, "synchronous", "NORMAL")
            .map_err(err)?;
        store
            .conn
            .pragma_update(None, "foreign_keys", "ON")
            .map_err(err)?;
        // 64 MiB of page cache (the event-key index is written in random order), and checkpoints
        // every 8,000 pages rather than 1,000.
        store
            .conn
            .pragma_update(None, "wal_autocheckpoint", 8000)
            .map_err(err)?;
        store
            .conn
            .pragma_update(None, "cache_size", -65536)
            .map_err(err)?;
        migrations::apply(&mut store.conn, &store.path)?;
        Ok(store)
    }

    /// Maps a bad event block to a [`StoreError`] naming this database.
    fn block_err(&self) -> impl Fn(BlockError) -> StoreError + '_ {
        |source| StoreError::Block {
            path: self.path.clone(),
            source,
        }
    }

    /// The id, file id and decoded dictionary of an `event_blocks` row read as `id, file_id, dict, data`.
    fn block_head(&self, row: &rusqlite::Row<'_>) -> Result<(i64, i64, event_log::Dictionary)> {
        let id: i64 = row.get(0).map_err(self.err())?;
        let file_id: i64 = row.get(1).map_err(self.err())?;
        let dict = row
            .get_ref(2)
            .and_then(|v| v.as_blob().map_err(Into::into))
            .map_err(self.err())?;
        let dict = event_log::Dictionary::decode(dict, id).map_err(self.block_err())?;
        Ok((id, file_id, dict))
    }

    /// The events of that row (column `data`), decoded with its dictionary.
    fn block_body(
        &self,
        row: &rusqlite::Row<'_>,
        dict: event_log::Dictionary,
        id: i64,
    ) -> Result<event_log::Block> {
        let data = row
            .get_ref(3)
            .and_then(|v| v.as_blob().map_err(Into::into))
            .map_err(self.err())?;
        event_log::Block::decode(dict, data, id).map_err(self.block_err())
    }

    fn err(&self) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        |source| StoreError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    /// The migrations applied, in order.
    ///
    /// # Errors
    ///
    /// [`StoreError`] if SQLite fails.
    pub fn applied_migrations(&self) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare("SELECT version FROM schema_migrations ORDER BY version")
            .map_err(self.err())?;
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// Starts an import run over `sources` (recorded as given).
    ///
    /// # Errors
    ///
    /// [`StoreError`] if SQLite fails.
    pub fn begin_import(&mut self, sources: &[String]) -> Result<RunId> {
        let sources = serde_json::to_string(sources).unwrap_or_else(|_| "[]".to_owned());
        self.conn
            .execute(
                "INSERT INTO import_runs (started_at, sources) \
                 VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), ?1)",
                params![sources],
            )
            .map_err(self.err())?;
        Ok(RunId(self.conn.last_insert_rowid()))
    }

    /// Ends an import run, with its summary (JSON text).
    ///
    /// # Errors
    ///
    /// [`StoreError`] if SQLite fails.
    pub fn finish_import(&mut self, run: RunId, summary_json: &str) -> Result<()> {
        self.conn
            .execute(
                "UPDATE import_runs SET finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), \
                 summary = ?2 WHERE id = ?1",
                params![run.0, summary_json],
            )
            .map_err(self.err())?;
        Ok(())
    }

    /// Whether a file with this content was already imported to the end (status `ok` or `error`)
    /// with a window that covers `window`.
    ///
    /// # Errors
    ///
    /// [`StoreError`] if SQLite fails.
    pub fn file_already_imported(&self, sha256: &str, window: &Window) -> Result<bool> {
        let found: Option<i64> = self
            .conn
            .query_row(
                "SELECT 1 FROM files WHERE sha256 = ?1 AND status IN ('ok', 'error') \
                 AND (window_since IS NULL OR window_since <= ?2) \
                 AND (window_until IS NULL OR window_until >= ?3)",
                params![sha256, window.since, window.until],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.err())?;
        Ok(found.is_some())
    }

    /// Stores one file's events, its interned values, the aggregates and the file row (status
    /// `read`), all in one transaction. Events whose key is already stored are left alone.
    ///
    /// # Errors
    ///
    /// [`StoreError`] if SQLite fails; then nothing of the file is stored.
    pub fn insert_file_events(
        &mut self,
        run: RunId,
        file: &FileInput,
        events: &[EventInput],
    ) -> Result<FileInsert> {
        let mut prepared = [PreparedFile::new(file.clone(), events.to_vec())];
        let out = self.insert_prepared(run, &mut prepared)?;
        Ok(out.first().copied().unwrap_or_default())
    }

    /// Stores prepared files (see [`PreparedFile::new`]) in ONE transaction: each file's new events
    /// as one block, the aggregates, the interned values and the file rows (status `read`). Events
    /// whose key is already stored (or earlier in `files`) are left out. A crash or error leaves none
    /// of the files stored, and never part of one.
    ///
    /// # Errors
    ///
    /// [`StoreError`] if SQLite fails; then nothing of these files is stored.
    pub fn insert_prepared(
        &mut self,
        run: RunId,
        files: &mut [PreparedFile],
    ) -> Result<Vec<FileInsert>> {
        let path = self.path.clone();
        let sqlite = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        if self.keys.is_none() {
            self.keys = Some(load_keys(&self.conn).map_err(sqlite)?);
        }
        let Some(keys) = self.keys.as_mut() else {
            return Ok(Vec::new());
        };
        // Leave out the stored events; remember which keys this transaction adds.
        let mut added: Vec<[u8; 16]> = Vec::new();
        let mut out = Vec::with_capacity(files.len());
        for p in files.iter_mut() {
            let before = added.len();
            let mut duplicates = Vec::new();
            for (i, k) in p.key_list().enumerate() {
                if keys.insert(k) {
                    added.push(k);
                } else {
                    duplicates.push(i);
                }
            }
            if !duplicates.is_empty() {
                let mut events = std::mem::take(&mut p.events);
                let mut i = 0usize;
                events.retain(|_| {
                    let keep = duplicates.binary_search(&i).is_err();
                    i += 1;
                    keep
                });
                let file = p.file.clone();
                *p = PreparedFile::new(file, events);
            }
            out.push(FileInsert {
                new_events: (added.len() - before) as u64,
                duplicate_events: duplicates.len() as u64,
            });
        }
        let result = (|| {
            let tx = self.conn.transaction()?;
            for p in files.iter() {
                insert_prepared_file(&tx, &mut self.ids, run, p)?;
            }
            tx.commit()
        })();
        if let Err(e) = result {
            if let Some(keys) = self.keys.as_mut() {
                for k in &added {
                    keys.remove(k);
                }
            }
            self.ids = Interned::default();
            return Err(sqlite(e));
        }
        Ok(out)
    }

    /// Calls `each` for every stored event `filter` keeps, until it returns `Break`. Events come
    /// block by block (a block is one imported file's new events, in file order), blocks by their
    /// earliest `eventTime`: roughly, not strictly, in time order.
    ///
    /// # Errors
    ///
    /// [`StoreError`] if SQLite fails or a block is damaged.
    pub fn events(
        &self,
        filter: &EventFilter,
        mut each: impl FnMut(&StoredEvent) -> ControlFlow<()>,
    ) -> Result<()> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, file_id, dict, data FROM event_blocks \
                 WHERE (?1 IS NULL OR max_time IS NULL OR max_time >= ?1) \
                 AND (?2 IS NULL OR min_time IS NULL OR min_time < ?2) \
                 ORDER BY min_time, id",
            )
            .map_err(self.err())?;
        let mut rows = stmt
            .query(params![filter.since, filter.until])
            .map_err(self.err())?;
        while let Some(row) = rows.next().map_err(self.err())? {
            let (id, file_id, dict) = self.block_head(row)?;
            let block_err = self.block_err();
            if let Some(p) = filter.principal.as_deref()
                && dict.find(p).is_none()
            {
                continue;
            }
            let block = self.block_body(row, dict, id)?;
            let flow = block
                .for_each(id, |event| {
                    if !filter.keeps(&event) {
                        return ControlFlow::Continue(());
                    }
                    each(&StoredEvent { file_id, event })
                })
                .map_err(block_err)?;
            if flow.is_break() {
                break;
            }
        }
        Ok(())
    }

    /// Sets a file's final status (and its problems, one per line).
    ///
    /// # Errors
    ///
    /// [`StoreError`] if SQLite fails.
    pub fn finish_file(
        &mut self,
        run: RunId,
        file: &FileInput,
        status: FileStatus,
        error: Option<&str>,
    ) -> Result<()> {
        let status = match status {
            FileStatus::Ok => "ok",
            FileStatus::Error => "error",
        };
        self.conn
            .execute(
                "INSERT INTO files (run_id, path, size, sha256, status, error, records, \
                 window_since, window_until) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) \
                 ON CONFLICT (sha256) DO UPDATE SET status = excluded.status, error = excluded.error, \
                 window_since = excluded.window_since, window_until = excluded.window_until",
                params![
                    run.0,
                    file.path,
                    file.size,
                    file.sha256,
                    status,
                    error,
                    file.records,
                    file.window.since,
                    file.window.until,
                ],
            )
            .map_err(self.err())?;
        Ok(())
    }

    /// Usage aggregates, of one principal (by key) or all, sorted by principal, action, resource.
    ///
    /// # Errors
    ///
    /// [`StoreError`] if SQLite fails.
    pub fn usage(&self, principal: Option<&str>) -> Result<Vec<UsageRow>> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, dict, usage FROM event_blocks ORDER BY id")
            .map_err(self.err())?;
        let mut rows = stmt.query([]).map_err(self.err())?;
        let mut sum: BTreeMap<(String, String, String), UsageRow> = BTreeMap::new();
        while let Some(row) = rows.next().map_err(self.err())? {
            let id: i64 = row.get(0).map_err(self.err())?;
            let blob = |i: usize| {
                row.get_ref(i)
                    .and_then(|v| v.as_blob().map_err(Into::into))
                    .map_err(self.err())
            };
            let block_err = |source| StoreError::Block {
                path: self.path.clone(),
                source,
            };
            let dict = event_log::Dictionary::decode(blob(1)?, id).map_err(block_err)?;
            let only = match principal {
                Some(p) => match dict.find(p) {
                    Some(i) => Some(i),
                    None => continue,
                },
                None => None,
            };
            event_log::for_each_usage(&dict, blob(2)?, id, only, |u| {
                let key = (
                    u.principal.to_owned(),
                    u.action.to_owned(),
                    u.resource.to_owned(),
                );
                let row = sum.entry(key).or_insert_with(|| UsageRow {
                    principal: u.principal.to_owned(),
                    action: u.action.to_owned(),
                    resource: u.resource.to_owned(),
                    count: 0,
                    first_seen: None,
                    last_seen: None,
                    regions: Vec::new(),
                    source_ips: Vec::new(),
                });
                row.count += u.count;
                if let Some(f) = u.first
                    && row.first_seen.as_deref().is_none_or(|x| f < x)
                {
                    row.first_seen = Some(f.to_owned());
                }
                if let Some(l) = u.last
                    && row.last_seen.as_deref().is_none_or(|x| l > x)
                {
                    row.last_seen = Some(l.to_owned());
                }
                for (list, add) in [
                    (&mut row.regions, &u.regions),
                    (&mut row.source_ips, &u.ips),
                ] {
                    for v in add {
                        if let Err(at) = list.binary_search_by(|x| x.as_str().cmp(v)) {
                            list.insert(at, (*v).to_owned());
                        }
                    }
                }
            })
            .map_err(block_err)?;
        }
        Ok(sum.into_values().collect())
    }

    fn grouped(&self, sql: &str) -> Result<HashMap<i64, Vec<String>>> {
        let mut stmt = self.conn.prepare(sql).map_err(self.err())?;
        let mut out: HashMap<i64, Vec<String>> = HashMap::new();
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
            .map_err(self.err())?;
        for row in rows {
            let (id, v) = row.map_err(self.err())?;
            out.entry(id).or_default().push(v);
        }
        Ok(out)
    }

    /// Every principal key, sorted.
    ///
    /// # Errors
    ///
    /// [`StoreError`] if SQLite fails.
    pub fn principal_keys(&self) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare("SELECT key FROM principals ORDER BY key")
            .map_err(self.err())?;
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// Every (eventSource, eventName) pair seen, with its actions and event count, sorted.
    ///
    /// # Errors
    ///
    /// [`StoreError`] if SQLite fails.
    pub fn mapping(&self) -> Result<Vec<MappingRow>> {
        let mut actions = self.grouped(
            "SELECT pa.pair_id, a.name FROM event_pair_actions pa \
             JOIN actions a ON a.id = pa.action_id ORDER BY 1, 2",
        )?;
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, event_source, event_name, activity, count FROM event_pairs \
                 WHERE count > 0 ORDER BY event_source, event_name",
            )
            .map_err(self.err())?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    MappingRow {
                        event_source: r.get(1)?,
                        event_name: r.get(2)?,
                        status: r.get(3)?,
                        actions: Vec::new(),
                        count: r.get(4)?,
                    },
                ))
            })
            .map_err(self.err())?
            .collect::<Result<Vec<_>, _>>()
            .map_err(self.err())?;
        Ok(rows
            .into_iter()
            .map(|(id, mut row)| {
                row.actions = actions.remove(&id).unwrap_or_default();
                row
            })
            .collect())
    }

    /// Totals over the whole database.
    ///
    /// # Errors
    ///
    /// [`StoreError`] if SQLite fails.
    pub fn totals(&self) -> Result<Totals> {
        self.conn
            .query_row(
                "SELECT \
                   (SELECT coalesce(sum(events), 0) FROM event_blocks), \
                   (SELECT count(*) FROM principals), \
                   (SELECT coalesce(sum(count), 0) FROM event_pairs WHERE activity = 'actions'), \
                   (SELECT coalesce(sum(count), 0) FROM event_pairs WHERE activity = 'unmapped'), \
                   (SELECT coalesce(sum(denied), 0) FROM event_blocks), \
                   (SELECT count(*) FROM files)",
                [],
                |r| {
                    Ok(Totals {
                        events: r.get(0)?,
                        principals: r.get(1)?,
                        mapped_events: r.get(2)?,
                        unmapped_events: r.get(3)?,
                        denied_events: r.get(4)?,
                        files: r.get(5)?,
                    })
                },
            )
            .map_err(self.err())
    }
}

/// Returns the id of `value` in an interned table, inserting it if new.
fn intern(tx: &Transaction<'_>, table: &str, column: &str, value: &str) -> rusqlite::Result<i64> {
    let sql = format!(
        "INSERT INTO {table} ({column}) VALUES (?1) \
         ON CONFLICT ({column}) DO UPDATE SET {column} = excluded.{column} RETURNING id"
    );
    tx.prepare_cached(&sql)?
        .query_row(params![value], |r| r.get(0))
}

/// Interned ids known to be committed (kept across transactions; cleared when one fails).
#[derive(Debug, Default)]
struct Interned {
    principals: HashMap<String, i64>,
    actions: HashMap<String, i64>,
    pairs: HashMap<(String, String), i64>,
    pair_actions: HashSet<(i64, i64)>,
}

fn cached(
    cache: &mut HashMap<String, i64>,
    value: &str,
    lookup: impl FnOnce() -> rusqlite::Result<i64>,
) -> rusqlite::Result<i64> {
    if let Some(id) = cache.get(value) {
        return Ok(*id);
    }
    let id = lookup()?;
    cache.insert(value.to_owned(), id);
    Ok(id)
}

/// The keys of every stored event, for deduplication.
type KeySet = HashSet<[u8; 16], rustc_hash::FxBuildHasher>;

fn load_keys(conn: &Connection) -> rusqlite::Result<KeySet> {
    let total: i64 = conn.query_row(
        "SELECT coalesce(sum(length(keys)), 0) / 16 FROM event_blocks",
        [],
        |r| r.get(0),
    )?;
    let mut set = KeySet::with_capacity_and_hasher(
        usize::try_from(total).unwrap_or(0),
        rustc_hash::FxBuildHasher,
    );
    let mut stmt = conn.prepare("SELECT keys FROM event_blocks")?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let keys = row.get_ref(0)?.as_blob()?;
        for c in keys.chunks_exact(16) {
            let mut k = [0u8; 16];
            k.copy_from_slice(c);
            set.insert(k);
        }
    }
    Ok(set)
}

/// Writes one prepared file (already free of stored events) in the open transaction.
fn insert_prepared_file(
    tx: &Transaction<'_>,
    ids: &mut Interned,
    run: RunId,
    p: &PreparedFile,
) -> rusqlite::Result<()> {
    let file = &p.file;
    let file_id: i64 = tx
        .prepare_cached(
            "INSERT INTO files (run_id, path, size, sha256, status, records, new_events, \
             window_since, window_until) \
             VALUES (?1, ?2, ?3, ?4, 'read', ?5, ?6, ?7, ?8) \
             ON CONFLICT (sha256) DO UPDATE SET run_id = excluded.run_id, path = excluded.path, \
             status = 'read', records = excluded.records, new_events = new_events + excluded.new_events, \
             window_since = excluded.window_since, window_until = excluded.window_until RETURNING id",
        )?
        .query_row(
            params![
                run.0,
                file.path,
                file.size,
                file.sha256,
                file.records,
                p.len() as u64,
                file.window.since,
                file.window.until
            ],
            |r| r.get(0),
        )?;
    if p.is_empty() {
        return Ok(());
    }
    tx.prepare_cached(
        "INSERT INTO event_blocks (file_id, run_id, events, denied, min_time, max_time, keys, \
         dict, data, usage) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        file_id,
        run.0,
        p.len() as u64,
        p.denied,
        p.min_time,
        p.max_time,
        p.keys,
        p.dict,
        p.data,
        p.usage
    ])?;
    // Global ids of the block's dictionary entries, looked up as needed.
    let mut principal_ids: HashMap<u32, i64> = HashMap::new();
    for (principal, kind, details) in &p.principals {
        let key = p.string(*principal);
        let id = cached(&mut ids.principals, key, || {
            tx.prepare_cached(
                "INSERT INTO principals (key, type, details) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (key) DO UPDATE SET key = excluded.key RETURNING id",
            )?
            .query_row(params![key, p.string(*kind), p.string(*details)], |r| {
                r.get(0)
            })
        })?;
        principal_ids.insert(*principal, id);
    }
    let mut action_ids: HashMap<u32, i64> = HashMap::new();
    let mut action = |ids: &mut Interned, a: u32| -> rusqlite::Result<i64> {
        if let Some(id) = action_ids.get(&a) {
            return Ok(*id);
        }
        let name = p.string(a);
        let id = cached(&mut ids.actions, name, || {
            intern(tx, "actions", "name", name)
        })?;
        action_ids.insert(a, id);
        Ok(id)
    };
    for ((source, name), pair) in &p.pairs {
        let key = (p.string(*source).to_owned(), p.string(*name).to_owned());
        let pair_id = match ids.pairs.get(&key) {
            Some(id) => {
                tx.prepare_cached(
                    "UPDATE event_pairs SET count = count + ?2, \
                     activity = CASE WHEN ?3 THEN 'actions' ELSE activity END WHERE id = ?1",
                )?
                .execute(params![id, pair.count, pair.any_actions])?;
                *id
            }
            None => {
                let id: i64 = tx
                    .prepare_cached(
                        "INSERT INTO event_pairs (event_source, event_name, activity, count) \
                         VALUES (?1, ?2, ?3, ?4) ON CONFLICT (event_source, event_name) \
                         DO UPDATE SET count = count + excluded.count, \
                         activity = CASE WHEN activity = 'actions' OR ?5 THEN 'actions' \
                         ELSE excluded.activity END RETURNING id",
                    )?
                    .query_row(
                        params![key.0, key.1, pair.activity, pair.count, pair.any_actions],
                        |r| r.get(0),
                    )?;
                ids.pairs.insert(key, id);
                id
            }
        };
        for a in &pair.actions {
            let action_id = action(ids, *a)?;
            if ids.pair_actions.insert((pair_id, action_id)) {
                tx.prepare_cached(
                    "INSERT INTO event_pair_actions (pair_id, action_id) VALUES (?1, ?2) \
                     ON CONFLICT DO NOTHING",
                )?
                .execute(params![pair_id, action_id])?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;

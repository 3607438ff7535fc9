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

mod migrations;
mod scan;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;

pub use migrations::MIGRATIONS;
pub use scan::{
    AnalyzerFindingInput, AnalyzerFindingRow, LastAccessedInput, LastAccessedRow, ScanInput,
    ScanProblemRow, ScanRow,
};

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

/// The database.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: PathBuf,
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
        let mut store = Self { conn, path };
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
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction()
            .map_err(|source| StoreError::Sqlite {
                path: path.clone(),
                source,
            })?;
        let out = insert_file(&tx, run, file, events).and_then(|out| tx.commit().map(|()| out));
        out.map_err(|source| StoreError::Sqlite { path, source })
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
        let sql = "SELECT u.id, p.key, a.name, u.resource, u.count, u.first_seen, u.last_seen \
                   FROM usage u JOIN principals p ON p.id = u.principal_id \
                   JOIN actions a ON a.id = u.action_id \
                   WHERE ?1 IS NULL OR p.key = ?1 \
                   ORDER BY p.key, a.name, u.resource";
        let mut stmt = self.conn.prepare(sql).map_err(self.err())?;
        let rows = stmt
            .query_map(params![principal], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    UsageRow {
                        principal: r.get(1)?,
                        action: r.get(2)?,
                        resource: r.get(3)?,
                        count: r.get(4)?,
                        first_seen: r.get(5)?,
                        last_seen: r.get(6)?,
                        regions: Vec::new(),
                        source_ips: Vec::new(),
                    },
                ))
            })
            .map_err(self.err())?
            .collect::<Result<Vec<_>, _>>()
            .map_err(self.err())?;
        let mut regions =
            self.grouped("SELECT ur.usage_id, ur.region FROM usage_regions ur ORDER BY 1, 2")?;
        let mut ips = self.grouped(
            "SELECT ui.usage_id, i.value FROM usage_ips ui JOIN ips i ON i.id = ui.ip_id ORDER BY 1, 2",
        )?;
        Ok(rows
            .into_iter()
            .map(|(id, mut row)| {
                row.regions = regions.remove(&id).unwrap_or_default();
                row.source_ips = ips.remove(&id).unwrap_or_default();
                row
            })
            .collect())
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
                   (SELECT count(*) FROM events), \
                   (SELECT count(*) FROM principals), \
                   (SELECT coalesce(sum(count), 0) FROM event_pairs WHERE activity = 'actions'), \
                   (SELECT coalesce(sum(count), 0) FROM event_pairs WHERE activity = 'unmapped'), \
                   (SELECT count(*) FROM events WHERE outcome = 'denied'), \
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

/// Interned ids already looked up in this transaction.
#[derive(Default)]
struct Interned {
    principals: HashMap<String, i64>,
    actions: HashMap<String, i64>,
    ips: HashMap<String, i64>,
    agents: HashMap<String, i64>,
    pairs: HashMap<(String, String), i64>,
}

/// One usage aggregate of one file's new events.
#[derive(Default)]
struct UsageAgg {
    count: u64,
    first: Option<String>,
    last: Option<String>,
    regions: BTreeSet<String>,
    ips: BTreeSet<i64>,
}

/// What one file's new events add, summed before it is written.
#[derive(Default)]
struct FileAggregates {
    /// Pair id → (new events, any of them mapped to actions).
    pairs: BTreeMap<i64, (u64, bool)>,
    pair_actions: BTreeSet<(i64, i64)>,
    usage: BTreeMap<(i64, i64, String), UsageAgg>,
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

fn insert_file(
    tx: &Transaction<'_>,
    run: RunId,
    file: &FileInput,
    events: &[EventInput],
) -> rusqlite::Result<FileInsert> {
    let file_id: i64 = tx.query_row(
        "INSERT INTO files (run_id, path, size, sha256, status, records, window_since, window_until) \
         VALUES (?1, ?2, ?3, ?4, 'read', ?5, ?6, ?7) \
         ON CONFLICT (sha256) DO UPDATE SET run_id = excluded.run_id, path = excluded.path, \
         status = 'read', records = excluded.records, window_since = excluded.window_since, \
         window_until = excluded.window_until RETURNING id",
        params![
            run.0,
            file.path,
            file.size,
            file.sha256,
            file.records,
            file.window.since,
            file.window.until
        ],
        |r| r.get(0),
    )?;
    let mut out = FileInsert::default();
    let mut ids = Interned::default();
    let mut agg = FileAggregates::default();
    for e in events {
        let principal = cached(&mut ids.principals, &e.principal.key, || {
            tx.prepare_cached(
                "INSERT INTO principals (key, type, details) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (key) DO UPDATE SET key = excluded.key RETURNING id",
            )?
            .query_row(
                params![e.principal.key, e.principal.kind, e.principal.details],
                |r| r.get(0),
            )
        })?;
        let pair_key = (e.event_source.clone(), e.event_name.clone());
        let pair = match ids.pairs.get(&pair_key) {
            Some(id) => *id,
            None => {
                let id: i64 = tx
                    .prepare_cached(
                        "INSERT INTO event_pairs (event_source, event_name, activity) \
                         VALUES (?1, ?2, ?3) ON CONFLICT (event_source, event_name) \
                         DO UPDATE SET activity = CASE WHEN activity = 'actions' \
                         THEN activity ELSE excluded.activity END RETURNING id",
                    )?
                    .query_row(params![e.event_source, e.event_name, e.activity], |r| {
                        r.get(0)
                    })?;
                ids.pairs.insert(pair_key, id);
                id
            }
        };
        let ip = match &e.source_ip {
            Some(v) => Some(cached(&mut ids.ips, v, || intern(tx, "ips", "value", v))?),
            None => None,
        };
        let agent = match &e.user_agent {
            Some(v) => Some(cached(&mut ids.agents, v, || {
                intern(tx, "user_agents", "value", v)
            })?),
            None => None,
        };
        let inserted = tx
            .prepare_cached(
                "INSERT INTO events (event_key, file_id, record_index, time, principal_id, pair_id, \
                 region, ip_id, user_agent_id, read_only, outcome, error_code, error_message, \
                 event_id) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) \
                 ON CONFLICT (event_key) DO NOTHING",
            )?
            .execute(params![
                e.key,
                file_id,
                e.record_index,
                e.time,
                principal,
                pair,
                e.region,
                ip,
                agent,
                e.read_only,
                e.outcome.as_str(),
                e.error_code,
                e.error_message,
                e.event_id,
            ])?;
        if inserted == 0 {
            out.duplicate_events += 1;
            continue;
        }
        out.new_events += 1;
        let entry = agg.pairs.entry(pair).or_insert((0, false));
        entry.0 += 1;
        entry.1 |= e.activity == "actions";
        for use_ in &e.actions {
            let action = cached(&mut ids.actions, &use_.action, || {
                intern(tx, "actions", "name", &use_.action)
            })?;
            agg.pair_actions.insert((pair, action));
            if !e.is_usage {
                continue;
            }
            for resource in &use_.resources {
                let u = agg
                    .usage
                    .entry((principal, action, resource.clone()))
                    .or_default();
                u.count += 1;
                if let Some(t) = &e.time {
                    if u.first.as_ref().is_none_or(|f| t < f) {
                        u.first = Some(t.clone());
                    }
                    if u.last.as_ref().is_none_or(|l| t > l) {
                        u.last = Some(t.clone());
                    }
                }
                if let Some(region) = &e.region {
                    if !u.regions.contains(region) {
                        u.regions.insert(region.clone());
                    }
                }
                if let Some(ip) = ip {
                    u.ips.insert(ip);
                }
            }
        }
    }
    for (pair, (count, actions)) in &agg.pairs {
        tx.prepare_cached(
            "UPDATE event_pairs SET count = count + ?2, \
             activity = CASE WHEN ?3 THEN 'actions' ELSE activity END WHERE id = ?1",
        )?
        .execute(params![pair, count, actions])?;
    }
    for (pair, action) in &agg.pair_actions {
        tx.prepare_cached(
            "INSERT INTO event_pair_actions (pair_id, action_id) VALUES (?1, ?2) \
             ON CONFLICT DO NOTHING",
        )?
        .execute(params![pair, action])?;
    }
    for ((principal, action, resource), u) in &agg.usage {
        let usage: i64 = tx
            .prepare_cached(
                "INSERT INTO usage (principal_id, action_id, resource, count, first_seen, last_seen) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
                 ON CONFLICT (principal_id, action_id, resource) DO UPDATE SET \
                 count = count + excluded.count, \
                 first_seen = min(coalesce(first_seen, excluded.first_seen), coalesce(excluded.first_seen, first_seen)), \
                 last_seen = max(coalesce(last_seen, excluded.last_seen), coalesce(excluded.last_seen, last_seen)) \
                 RETURNING id",
            )?
            .query_row(
                params![principal, action, resource, u.count, u.first, u.last],
                |r| r.get(0),
            )?;
        for region in &u.regions {
            tx.prepare_cached(
                "INSERT INTO usage_regions (usage_id, region) VALUES (?1, ?2) \
                 ON CONFLICT DO NOTHING",
            )?
            .execute(params![usage, region])?;
        }
        for ip in &u.ips {
            tx.prepare_cached(
                "INSERT INTO usage_ips (usage_id, ip_id) VALUES (?1, ?2) \
                 ON CONFLICT DO NOTHING",
            )?
            .execute(params![usage, ip])?;
        }
    }
    tx.execute(
        "UPDATE files SET new_events = new_events + ?2 WHERE id = ?1",
        params![file_id, out.new_events],
    )?;
    Ok(out)
}

#[cfg(test)]
mod tests;

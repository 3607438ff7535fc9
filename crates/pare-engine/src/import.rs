//! CloudTrail import: discover files, skip those already imported (by SHA-256), read the rest in
//! parallel, turn each record into usage and store each file's events in one transaction.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, Utc};
use pare_ingest::{ReadOptions, Skipped, TimeWindow};
use pare_store::{
    ActionInput, EventInput, FileInput, FileStatus, PreparedFile, PrincipalInput, Store,
    StoredOutcome, Totals, Window,
};
use pare_usage::{
    ActionMapper, Activity, Actor, ActorKind, CloudTrailRecord, MappingCache, Outcome, UsageEvent,
    to_usage_cached,
};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::EngineError;

/// Events the writing thread gathers (whole files) before it commits a transaction.
const WRITE_BATCH_EVENTS: usize = 50_000;

/// Progress after each file.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ImportProgress {
    /// Files finished.
    pub files_done: usize,
    /// Files to read (after leaving out those already imported).
    pub files_total: usize,
    /// Records read so far.
    pub records: u64,
    /// Events stored for the first time so far.
    pub new_events: u64,
    /// Time since the import started.
    pub elapsed: Duration,
    /// The last report: everything is read and stored (earlier reports' `new_events` may lag
    /// behind the files read).
    pub finished: bool,
}

/// A record that was read but is not a CloudTrail record Pare can parse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BadRecord {
    /// The file.
    pub file: PathBuf,
    /// Its index in the file (0-based).
    pub index: u64,
    /// Why (lowercase).
    pub message: String,
}

/// A problem reading a file (its records before the problem, and where the format allows after
/// it, are kept).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileProblem {
    /// The file.
    pub file: PathBuf,
    /// The record being read (0-based), when known.
    pub record: Option<u64>,
    /// The byte offset in the decompressed content, when known.
    pub offset: Option<u64>,
    /// The full description (file, position, message).
    pub message: String,
}

/// A file that was not read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkippedFile {
    /// The file or directory.
    pub path: PathBuf,
    /// Why (lowercase).
    pub reason: String,
}

/// An (eventSource, eventName) pair with no known action, and how many records of this import had it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnmappedPair {
    /// `eventSource`.
    pub event_source: String,
    /// `eventName`.
    pub event_name: String,
    /// Records.
    pub count: u64,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportSummary {
    /// Files read.
    pub files_read: usize,
    /// Files left out because the same content was already imported.
    pub files_unchanged: usize,
    /// Records read.
    pub records: u64,
    /// Events stored for the first time.
    pub new_events: u64,
    /// Events already stored (same `eventID`).
    pub duplicate_events: u64,
    /// Records of principals' calls (not AWS service events or Insights).
    pub calls: u64,
    /// Calls mapped to IAM actions.
    pub mapped_calls: u64,
    /// Calls that need no permission, or console activity.
    pub other_known_calls: u64,
    /// Calls that were denied.
    pub denied_calls: u64,
    /// Records left out by `--since`/`--until`.
    pub filtered_out: u64,
    /// Unmapped pairs in this import, most frequent first.
    pub unmapped: Vec<UnmappedPair>,
    /// Records that could not be parsed.
    pub bad_records: Vec<BadRecord>,
    /// Problems reading files.
    pub file_problems: Vec<FileProblem>,
    /// What was not read, and why.
    pub skipped: Vec<SkippedFile>,
    /// Totals over the whole database after the import.
    pub totals: Totals,
    /// Wall time, seconds.
    pub seconds: f64,
}

impl ImportSummary {
    /// Mapped calls as a percentage of all calls (100 when there were none).
    #[must_use]
    pub fn mapped_percent(&self) -> f64 {
        if self.calls == 0 {
            100.0
        } else {
            self.mapped_calls as f64 * 100.0 / self.calls as f64
        }
    }

    /// Records read per second.
    #[must_use]
    pub fn records_per_second(&self) -> f64 {
        if self.seconds > 0.0 {
            self.records as f64 / self.seconds
        } else {
            0.0
        }
    }
}

/// A file to read and what is known of it before reading.
#[derive(Debug)]
struct Planned {
    path: PathBuf,
    size: u64,
    sha256: Option<String>,
}

fn hash_file(path: &Path) -> std::io::Result<(u64, String)> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        size += n as u64;
        hasher.update(buf.get(..n).unwrap_or_default());
    }
    Ok((size, hex(&hasher.finalize())))
}

/// A file's size and SHA-256 (hex), when it could be read.
type Hashed = Option<(u64, String)>;

/// `hash_file` of every source, on `threads` threads (each takes every `threads`-th file).
fn hash_files(sources: &[pare_ingest::Source], threads: usize) -> Vec<Option<(u64, String)>> {
    let threads = threads.clamp(1, sources.len().max(1));
    let mut out: Vec<Hashed> = vec![None; sources.len()];
    let parts: Vec<Vec<(usize, Hashed)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                scope.spawn(move || {
                    sources
                        .iter()
                        .enumerate()
                        .skip(t)
                        .step_by(threads)
                        .map(|(i, s)| (i, hash_file(&s.path).ok()))
                        .collect()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    for (i, h) in parts.into_iter().flatten() {
        if let Some(slot) = out.get_mut(i) {
            *slot = h;
        }
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Alert facts of a file's events, by key.
type AlertFacts = Vec<([u8; 16], String)>;

/// What one worker made of one file: its events (prepared for the store) and its counts.
struct FileWork {
    planned: Option<(PathBuf, u64, Option<String>)>,
    events: Vec<EventInput>,
    prepared: Option<PreparedFile>,
    /// The alert facts (`pare_alerts::stored_facts`) of the events that have any, by key.
    alert_facts: Vec<([u8; 16], String)>,
    records: u64,
    calls: u64,
    mapped_calls: u64,
    other_known_calls: u64,
    denied_calls: u64,
    unmapped: HashMap<(String, String), u64>,
    bad: Vec<BadRecord>,
}

thread_local! {
    /// The mappings of the (eventSource, eventName) pairs a reading thread has seen, and the address
    /// of the mapper they come from.
    static MAPPINGS: std::cell::RefCell<(usize, MappingCache)> =
        std::cell::RefCell::new((0, MappingCache::default()));
}

/// Turns one record into an event (on a worker thread).
fn record_event(
    work: &mut FileWork,
    mapper: &ActionMapper<'_>,
    file: &Path,
    index: u64,
    json: &str,
) {
    work.records += 1;
    let record = match CloudTrailRecord::from_json(json) {
        Ok(r) => r,
        Err(e) => {
            let message = match std::error::Error::source(&e) {
                Some(cause) => format!("{e}: {cause}"),
                None => e.to_string(),
            };
            work.bad.push(BadRecord {
                file: file.to_path_buf(),
                index,
                message,
            });
            return;
        }
    };
    let usage = MAPPINGS.with_borrow_mut(|(of, cache)| {
        // One cache per thread, for one mapper at a time.
        let this = std::ptr::from_ref(mapper) as usize;
        if *of != this {
            *of = this;
            *cache = MappingCache::default();
        }
        to_usage_cached(&record, mapper, cache)
    });
    match usage.activity {
        Activity::NotACall => {}
        Activity::Actions => {
            work.calls += 1;
            work.mapped_calls += 1;
        }
        Activity::NoPermissionNeeded | Activity::ConsoleActivity => {
            work.calls += 1;
            work.other_known_calls += 1;
        }
        Activity::Unmapped => {
            work.calls += 1;
            *work
                .unmapped
                .entry((usage.event_source.clone(), usage.event_name.clone()))
                .or_insert(0) += 1;
        }
    }
    if usage.activity != Activity::NotACall && usage.outcome.is_denied() {
        work.denied_calls += 1;
    }
    let key = event_key(&usage, json);
    if let Some(facts) = pare_alerts::stored_facts(&record) {
        work.alert_facts.push((key, facts));
    }
    let details = actor_details(&record, &usage.actor);
    work.events
        .push(event_input(mapper, key, index, usage, details));
}

/// The deduplication key: the event time (seconds, 48 bits big-endian, so keys of a trail arrive
/// nearly in order) and 10 bytes of the SHA-256 of `eventID`, time, source and name. `eventID` is
/// unique in real CloudTrail; time, source and name are added so that test data reusing placeholder
/// IDs (`"1"`) is not merged. A record without one is keyed by its content.
fn event_key(usage: &UsageEvent, json: &str) -> [u8; 16] {
    let digest = match usage.event_id.as_deref().filter(|id| !id.trim().is_empty()) {
        Some(id) => {
            let mut h = Sha256::new();
            for part in [
                id,
                usage.time.as_deref().unwrap_or_default(),
                &usage.event_source,
                &usage.event_name,
            ] {
                h.update(part.as_bytes());
                h.update([0u8]);
            }
            h.finalize()
        }
        None => Sha256::digest(json.as_bytes()),
    };
    let seconds = usage
        .time
        .as_deref()
        .and_then(|t| {
            plain_utc_seconds(t)
                .or_else(|| DateTime::parse_from_rfc3339(t).ok().map(|t| t.timestamp()))
        })
        .map_or(0u64, |t| u64::try_from(t).unwrap_or(0));
    let mut key = [0u8; 16];
    let time_bytes = seconds.to_be_bytes();
    for (k, d) in key
        .iter_mut()
        .zip(time_bytes.iter().skip(2).chain(digest.iter()))
    {
        *k = *d;
    }
    key
}

/// Seconds since the epoch of CloudTrail's usual `YYYY-MM-DDTHH:MM:SSZ`, without the general
/// RFC 3339 parser; `None` for any other form (the caller then parses it in full).
pub(crate) fn plain_utc_seconds(t: &str) -> Option<i64> {
    let b = t.as_bytes();
    if b.len() != 20
        || b.get(4) != Some(&b'-')
        || b.get(7) != Some(&b'-')
        || b.get(10) != Some(&b'T')
        || b.get(13) != Some(&b':')
        || b.get(16) != Some(&b':')
        || b.get(19) != Some(&b'Z')
    {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<u32> {
        b.get(from..to)?.iter().try_fold(0u32, |n, d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    let date =
        chrono::NaiveDate::from_ymd_opt(i32::try_from(num(0, 4)?).ok()?, num(5, 7)?, num(8, 10)?)?;
    let time = date.and_hms_opt(num(11, 13)?, num(14, 16)?, num(17, 19)?)?;
    Some(time.and_utc().timestamp())
}

fn event_input(
    mapper: &ActionMapper<'_>,
    key: [u8; 16],
    index: u64,
    usage: UsageEvent,
    details: String,
) -> EventInput {
    let catalog = mapper.catalog();
    let is_usage = usage.is_usage();
    let (outcome, error_code, error_message) = match usage.outcome {
        Outcome::Success => (StoredOutcome::Success, None, None),
        Outcome::Denied { code, message } => (StoredOutcome::Denied, Some(code), message),
        Outcome::Failed {
            code,
            message,
            before_authorization,
        } => (
            if before_authorization {
                StoredOutcome::FailedBeforeAuthorization
            } else {
                StoredOutcome::Failed
            },
            Some(code),
            message,
        ),
    };
    EventInput {
        key,
        event_id: usage.event_id,
        record_index: index,
        time: usage.time,
        principal: PrincipalInput {
            key: usage.actor.principal_key(),
            kind: kind_name(usage.actor.kind()).to_owned(),
            details,
        },
        activity: match usage.activity {
            Activity::Actions => "actions",
            Activity::NoPermissionNeeded => "no_permission_needed",
            Activity::ConsoleActivity => "console",
            Activity::Unmapped => "unmapped",
            Activity::NotACall => "not_a_call",
        },
        actions: usage
            .actions
            .into_iter()
            .map(|a| ActionInput {
                action: catalog.action_name(a.action),
                resources: a.resources,
            })
            .collect(),
        event_source: usage.event_source,
        event_name: usage.event_name,
        is_usage,
        region: usage.region,
        source_ip: usage.source_ip,
        user_agent: usage.user_agent,
        read_only: usage.read_only,
        outcome,
        error_code,
        error_message,
    }
}

/// The event's actor as JSON: `type` (as CloudTrail wrote it), `account_id`, and where known
/// `user_name`, `session_name`, `sso_user`, `web_identity_provider`, `source_identity`,
/// `session_arn`, `issuer_arn`, `invoked_by`, `mfa_authenticated`.
fn actor_details(record: &CloudTrailRecord<'_>, actor: &Actor) -> String {
    let identity = record.user_identity.as_ref();
    let mut out = String::with_capacity(128);
    out.push('{');
    let mut put = |k: &str, v: Option<&str>| {
        if let Some(v) = v {
            if out.len() > 1 {
                out.push(',');
            }
            out.push('"');
            out.push_str(k);
            out.push_str("\":");
            push_json_string(&mut out, v);
        }
    };
    put("type", identity.and_then(|i| i.identity_type.as_deref()));
    put("account_id", actor.account_id());
    match actor {
        Actor::IamUser { user_name, .. } => put("user_name", user_name.as_deref()),
        Actor::RoleSession {
            session_name,
            sso_user,
            web_identity_provider,
            source_identity,
            session_arn,
            ..
        } => {
            put("session_name", session_name.as_deref());
            put("sso_user", sso_user.as_deref());
            put("web_identity_provider", web_identity_provider.as_deref());
            put("source_identity", source_identity.as_deref());
            put("session_arn", session_arn.as_deref());
        }
        Actor::FederatedUser { issuer_arn, .. } => put("issuer_arn", issuer_arn.as_deref()),
        _ => {}
    }
    put("invoked_by", identity.and_then(|i| i.invoked_by.as_deref()));
    let mfa = identity
        .and_then(|i| i.session_context.as_ref())
        .and_then(|c| c.attributes.as_ref())
        .and_then(|a| a.mfa_authenticated);
    if let Some(mfa) = mfa {
        if out.len() > 1 {
            out.push(',');
        }
        out.push_str(if mfa {
            "\"mfa_authenticated\":true"
        } else {
            "\"mfa_authenticated\":false"
        });
    }
    out.push('}');
    out
}

/// Appends `s` as a JSON string, escaped as `serde_json` escapes it (`"`, `\\`, the short
/// escapes, `\u00XX` for other control characters), without an intermediate allocation.
fn push_json_string(out: &mut String, s: &str) {
    out.push('"');
    let mut rest = s;
    while let Some(i) = rest.find(|c: char| c == '"' || c == '\\' || c < ' ') {
        out.push_str(rest.get(..i).unwrap_or_default());
        let c = rest.get(i..).and_then(|r| r.chars().next()).unwrap_or(' ');
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c => {
                use std::fmt::Write as _;
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
        }
        rest = rest.get(i + c.len_utf8()..).unwrap_or_default();
    }
    out.push_str(rest);
    out.push('"');
}

/// The stored name of an actor kind.
fn kind_name(kind: ActorKind) -> &'static str {
    match kind {
        ActorKind::IamUser => "IamUser",
        ActorKind::RoleSession => "RoleSession",
        ActorKind::Root => "Root",
        ActorKind::FederatedUser => "FederatedUser",
        ActorKind::AwsService => "AwsService",
        ActorKind::AwsAccount => "AwsAccount",
        ActorKind::Anonymous => "Anonymous",
        ActorKind::WebIdentityUser => "WebIdentityUser",
        ActorKind::SamlUser => "SamlUser",
        ActorKind::IdentityCenterUser => "IdentityCenterUser",
        ActorKind::Unknown => "Unknown",
        ActorKind::Missing => "Missing",
    }
}

/// Imports CloudTrail logs under `paths` (files or directories, every form `pare-ingest` reads) into
/// the database at `db`, keeping records with `since <= eventTime < until`. Files whose content was
/// already imported are not read again; events already stored (by `eventID`) are not stored again.
/// Each file's events are stored in one transaction. `progress` is called after each file.
///
/// # Errors
///
/// [`EngineError`] if the database cannot be opened or written. Bad files and records are not
/// errors: they are in the summary.
pub fn import_cloudtrail(
    db: &Path,
    paths: &[PathBuf],
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    progress: impl FnMut(&ImportProgress),
) -> Result<ImportSummary, EngineError> {
    import_cloudtrail_cancellable(db, paths, since, until, &AtomicBool::new(false), progress)
}

/// [`import_cloudtrail`] that stops reading once `cancel` is set: the files stored before are
/// kept, the file being read is read again by the next import, and the summary covers what was done.
///
/// # Errors
///
/// As [`import_cloudtrail`].
pub fn import_cloudtrail_cancellable(
    db: &Path,
    paths: &[PathBuf],
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    cancel: &AtomicBool,
    mut progress: impl FnMut(&ImportProgress),
) -> Result<ImportSummary, EngineError> {
    let start = Instant::now();
    let mapper = ActionMapper::bundled()?;
    let mut store = Store::open(db)?;
    let options = ReadOptions {
        window: TimeWindow { since, until },
        ..ReadOptions::default()
    };
    let text = |t: Option<DateTime<Utc>>| t.map(|t| t.to_rfc3339_opts(SecondsFormat::Nanos, true));
    let window = Window {
        since: text(since),
        until: text(until),
    };
    let mut discovery = pare_ingest::discover(paths, &options);
    let mut summary = ImportSummary {
        files_read: 0,
        files_unchanged: 0,
        records: 0,
        new_events: 0,
        duplicate_events: 0,
        calls: 0,
        mapped_calls: 0,
        other_known_calls: 0,
        denied_calls: 0,
        filtered_out: 0,
        unmapped: Vec::new(),
        bad_records: Vec::new(),
        file_problems: Vec::new(),
        skipped: Vec::new(),
        totals: Totals::default(),
        seconds: 0.0,
    };
    // Leave out files whose content is already in the database, or already planned in this run.
    let mut planned = Vec::new();
    let mut seen: HashMap<String, PathBuf> = HashMap::new();
    let mut sources = Vec::new();
    let found = std::mem::take(&mut discovery.sources);
    let hashes = hash_files(&found, options.effective_threads());
    for (source, hashed) in found.into_iter().zip(hashes) {
        if let Some((_, sha)) = &hashed {
            if store.file_already_imported(sha, &window)? {
                summary.files_unchanged += 1;
                summary.skipped.push(SkippedFile {
                    path: source.path.clone(),
                    reason: "unchanged since an earlier import".to_owned(),
                });
                continue;
            }
            if let Some(first) = seen.get(sha) {
                summary.files_unchanged += 1;
                summary.skipped.push(SkippedFile {
                    path: source.path.clone(),
                    reason: format!("same content as `{}`", first.display()),
                });
                continue;
            }
            seen.insert(sha.clone(), source.path.clone());
        }
        planned.push(Planned {
            path: source.path.clone(),
            size: hashed.as_ref().map_or(0, |(size, _)| *size),
            sha256: hashed.map(|(_, sha)| sha),
        });
        sources.push(source);
    }
    discovery.sources = sources;
    let files_total = planned.len();
    let run = store.begin_import(
        &paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>(),
    )?;
    let planned: Vec<(PathBuf, u64, Option<String>)> = planned
        .into_iter()
        .map(|p| (p.path, p.size, p.sha256))
        .collect();
    let mut unmapped: BTreeMap<(String, String), u64> = BTreeMap::new();
    let mut bad_by_file: HashMap<PathBuf, Vec<String>> = HashMap::new();
    // Workers read, parse, map and encode each file (`pare-ingest`'s threads); this thread sums
    // their counts in file order and hands the prepared files to the writing thread, which stores
    // them a batch of whole files per transaction.
    let stop = AtomicBool::new(false);
    let new_events = AtomicU64::new(0);
    let duplicate_events = AtomicU64::new(0);
    let (read, written) = std::thread::scope(|scope| {
        let (job_tx, job_rx) = mpsc::sync_channel::<(PreparedFile, AlertFacts)>(8);
        let (store, stop, new_events, duplicate_events) =
            (&mut store, &stop, &new_events, &duplicate_events);
        let writer = scope.spawn(move || -> Result<(), EngineError> {
            while let Ok((first, mut facts)) = job_rx.recv() {
                let mut batch = vec![first];
                let mut events = batch.iter().map(PreparedFile::len).sum::<usize>();
                while events < WRITE_BATCH_EVENTS {
                    match job_rx.try_recv() {
                        Ok((p, f)) => {
                            events += p.len();
                            batch.push(p);
                            facts.extend(f);
                        }
                        Err(_) => break,
                    }
                }
                // The facts first, so that the alert evaluation at the end finds them.
                if let Err(e) = store.insert_alert_facts(&facts) {
                    stop.store(true, Ordering::Relaxed);
                    return Err(e.into());
                }
                match store.insert_prepared(run, &mut batch) {
                    Ok(done) => {
                        for d in done {
                            new_events.fetch_add(d.new_events, Ordering::Relaxed);
                            duplicate_events.fetch_add(d.duplicate_events, Ordering::Relaxed);
                        }
                    }
                    Err(e) => {
                        stop.store(true, Ordering::Relaxed);
                        return Err(e.into());
                    }
                }
            }
            Ok(())
        });
        let planned = &planned;
        let window = &window;
        let read = pare_ingest::map_discovered(
            discovery,
            &options,
            |i, _source| FileWork {
                planned: planned.get(i).cloned(),
                events: Vec::new(),
                prepared: None,
                alert_facts: Vec::new(),
                records: 0,
                calls: 0,
                mapped_calls: 0,
                other_known_calls: 0,
                denied_calls: 0,
                unmapped: HashMap::new(),
                bad: Vec::new(),
            },
            |work, r| {
                record_event(work, mapper, r.file, r.index, r.json.get());
                ControlFlow::Continue(())
            },
            |work| {
                // A file without records gets its row when its final status is known (files
                // skipped at read time, such as licences found in a directory, get none).
                let Some((path, size, Some(sha256))) = work.planned.clone() else {
                    return;
                };
                if work.records == 0 {
                    return;
                }
                let file = FileInput {
                    path: path.display().to_string(),
                    size,
                    sha256,
                    records: work.records,
                    window: window.clone(),
                };
                work.prepared = Some(PreparedFile::new(file, std::mem::take(&mut work.events)));
            },
            |_i, work, p| {
                if let Some(mut work) = work {
                    summary.records += work.records;
                    summary.calls += work.calls;
                    summary.mapped_calls += work.mapped_calls;
                    summary.other_known_calls += work.other_known_calls;
                    summary.denied_calls += work.denied_calls;
                    for (pair, n) in work.unmapped.drain() {
                        *unmapped.entry(pair).or_insert(0) += n;
                    }
                    if !work.bad.is_empty() {
                        if let Some((path, _, _)) = &work.planned {
                            bad_by_file.insert(
                                path.clone(),
                                work.bad
                                    .iter()
                                    .map(|b| format!("record {}: {}", b.index, b.message))
                                    .collect(),
                            );
                        }
                        summary.bad_records.append(&mut work.bad);
                    }
                    if let Some(prepared) = work.prepared.take()
                        && job_tx
                            .send((prepared, std::mem::take(&mut work.alert_facts)))
                            .is_err()
                    {
                        stop.store(true, Ordering::Relaxed);
                    }
                }
                progress(&ImportProgress {
                    files_done: p.files_done,
                    files_total,
                    records: p.records,
                    new_events: new_events.load(Ordering::Relaxed),
                    elapsed: start.elapsed(),
                    finished: false,
                });
                if stop.load(Ordering::Relaxed) || cancel.load(Ordering::Relaxed) {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            },
        );
        drop(job_tx);
        (read, writer.join())
    });
    written.map_err(|_| EngineError::Internal("the writing thread panicked"))??;
    summary.new_events = new_events.load(Ordering::Relaxed);
    summary.duplicate_events = duplicate_events.load(Ordering::Relaxed);
    // Final status of each file read: `ok`, or `error` with its problems.
    let mut problems: HashMap<&Path, Vec<String>> = HashMap::new();
    for e in &read.errors {
        problems
            .entry(e.file.as_path())
            .or_default()
            .push(e.to_string());
    }
    for (path, size, sha256) in &planned {
        let Some(sha256) = sha256.clone() else {
            continue;
        };
        if !read.files.iter().any(|f| &f.path == path) {
            continue;
        }
        let mut lines = problems.get(path.as_path()).cloned().unwrap_or_default();
        lines.extend(bad_by_file.get(path).cloned().unwrap_or_default());
        let file = FileInput {
            path: path.display().to_string(),
            size: *size,
            sha256,
            records: 0,
            window: window.clone(),
        };
        let (status, error) = if lines.is_empty() {
            (FileStatus::Ok, None)
        } else {
            (FileStatus::Error, Some(lines.join("\n")))
        };
        store.finish_file(run, &file, status, error.as_deref())?;
    }
    summary.files_read = read.files.len();
    summary.filtered_out = read.filtered_out;
    summary.file_problems = read
        .errors
        .iter()
        .map(|e| FileProblem {
            file: e.file.clone(),
            record: e.record,
            offset: e.offset,
            message: e.to_string(),
        })
        .collect();
    summary
        .skipped
        .extend(read.skipped.iter().map(|s: &Skipped| SkippedFile {
            path: s.path.clone(),
            reason: s.reason.describe().to_owned(),
        }));
    let mut unmapped: Vec<UnmappedPair> = unmapped
        .into_iter()
        .map(|((event_source, event_name), count)| UnmappedPair {
            event_source,
            event_name,
            count,
        })
        .collect();
    unmapped.sort_by_key(|p| std::cmp::Reverse(p.count));
    summary.unmapped = unmapped;
    summary.totals = store.totals()?;
    summary.seconds = start.elapsed().as_secs_f64();
    progress(&ImportProgress {
        files_done: files_total,
        files_total,
        records: summary.records,
        new_events: summary.new_events,
        elapsed: start.elapsed(),
        finished: true,
    });
    // Alerts over the events this import added.
    crate::alerts::evaluate_new_events(&mut store)?;
    let json = serde_json::to_string(&summary).unwrap_or_default();
    store.finish_import(run, &json)?;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "test code")]

    #[test]
    fn json_strings_as_serde_json_writes_them() {
        for s in [
            "",
            "plain",
            "q\"uote",
            "back\\slash",
            "nl\ncr\rtab\t",
            "\u{1}\u{8}\u{c}\u{1f}",
            "é/ü",
            "a\"\\\u{7f}",
        ] {
            let mut out = String::new();
            super::push_json_string(&mut out, s);
            assert_eq!(out, serde_json::to_string(s).unwrap(), "{s:?}");
        }
    }

    #[test]
    fn plain_times_as_rfc3339_reads_them() {
        for t in [
            "2026-10-01T00:00:00Z",
            "1999-12-31T23:59:59Z",
            "2024-02-29T12:34:56Z",
        ] {
            assert_eq!(
                super::plain_utc_seconds(t),
                Some(chrono::DateTime::parse_from_rfc3339(t).unwrap().timestamp()),
                "{t}"
            );
        }
        for t in [
            "2026-10-01T00:00:00.5Z",
            "2026-10-01T00:00:00+01:00",
            "2026-13-01T00:00:00Z",
            "x",
        ] {
            assert_eq!(super::plain_utc_seconds(t), None, "{t}");
        }
    }
}

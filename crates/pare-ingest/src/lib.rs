//! Reading CloudTrail logs in every form admins have — S3 trees (also organization trails), `{"Records":[…]}`
//! files plain or gzipped, JSON arrays, JSON Lines, `aws cloudtrail lookup-events` output — streamed,
//! in parallel across files, with bounded memory; bad input is reported, never fatal.
//!
//! This crate is an IO edge: it finds and reads files and hands out one record at a time as raw
//! JSON ([`RawRecord`]) with its origin (file and record index). It does not interpret records
//! beyond framing, except for reading `eventTime` / `@timestamp` when a [`TimeWindow`] is set.
//!
//! ```no_run
//! use std::ops::ControlFlow;
//! use pare_ingest::{ReadOptions, read_all};
//! let summary = read_all(&["logs/".into()], &ReadOptions::default(), |record| {
//!     println!("{}#{}: {}", record.file.display(), record.index, record.json.get().len());
//!     ControlFlow::Continue(())
//! }, |_progress| {});
//! eprintln!("{} records from {} files", summary.records, summary.files.len());
//! ```

mod discover;
mod error;
mod frame;
mod parallel;
mod time;

use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::TimeDelta;
use serde_json::value::RawValue;

pub use discover::{
    Discovery, S3ObjectName, SkipReason, Skipped, Source, discover, parse_s3_object_path,
};
pub use error::{ErrorKind, ReadError};
pub use time::{TimeWindow, parse_time_text};

/// One record, as raw JSON, with where it came from.
#[derive(Debug, Clone)]
pub struct RawRecord {
    /// The file it was read from.
    pub file: Arc<Path>,
    /// Its index among the file's record candidates (0-based; see [`ReadError::record`]).
    pub index: u64,
    /// The event, exactly as it appears in the file (for `lookup-events` output and envelopes, the
    /// inner event).
    pub json: Box<RawValue>,
}

/// One record, borrowed from the content being framed (no copy), with where it came from.
#[derive(Debug, Clone, Copy)]
pub struct RecordRef<'a> {
    /// The file it was read from.
    pub file: &'a Arc<Path>,
    /// Its index among the file's record candidates (0-based; see [`ReadError::record`]).
    pub index: u64,
    /// The event, exactly as it appears in the file (for `lookup-events` output and envelopes, the
    /// inner event).
    pub json: &'a RawValue,
}

impl RecordRef<'_> {
    /// An owned copy.
    pub fn to_owned_record(&self) -> RawRecord {
        RawRecord {
            file: Arc::clone(self.file),
            index: self.index,
            json: self.json.to_owned(),
        }
    }
}

/// How to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOptions {
    /// Only records in this window are delivered. Files whose S3 object name puts all their
    /// events outside it are not opened.
    pub window: TimeWindow,
    /// How long after an event CloudTrail may deliver it, for skipping files by their name.
    /// CloudTrail delivers within about 5 minutes on average, without guarantee; default 1 hour.
    pub delivery_slack: TimeDelta,
    /// Worker threads: 0 = one per core, 1 = sequential on the calling thread.
    pub threads: usize,
    /// Files whose decompressed content is at most this many bytes are read into memory whole;
    /// larger ones are framed incrementally (as fast, by the same code). Default 8 MiB.
    pub buffer_limit: usize,
    /// The largest record (or JSON Lines line) accepted. Default 16 MiB.
    pub max_record_bytes: usize,
    /// Bytes read at a time on the incremental path. Default 1 MiB.
    pub chunk_bytes: usize,
    /// Files read ahead of the one being delivered (parallel mode). 0 = twice the threads.
    pub files_in_flight: usize,
    /// Records per batch handed from a worker to the calling thread.
    pub batch_records: usize,
}

impl Default for ReadOptions {
    fn default() -> Self {
        Self {
            window: TimeWindow::default(),
            delivery_slack: TimeDelta::hours(1),
            threads: 0,
            buffer_limit: 8 * 1024 * 1024,
            max_record_bytes: 16 * 1024 * 1024,
            chunk_bytes: 1024 * 1024,
            files_in_flight: 0,
            batch_records: 512,
        }
    }
}

impl ReadOptions {
    /// The number of worker threads `threads` stands for.
    pub fn effective_threads(&self) -> usize {
        if self.threads == 0 {
            std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
        } else {
            self.threads
        }
    }
}

/// The format a file was read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    /// `{"Records":[…]}` (one or more such objects).
    Records,
    /// `aws cloudtrail lookup-events` output, `{"Events":[{"CloudTrailEvent":"…"}]}`.
    LookupEvents,
    /// A JSON array of events (or of envelopes).
    Array,
    /// One event (or envelope) per line.
    JsonLines,
    /// Concatenated JSON values (e.g. pretty-printed events one after another).
    Concatenated,
    /// Not recognised (an error says why).
    Unknown,
}

/// What was read from one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileReport {
    /// The file.
    pub path: PathBuf,
    /// Its size on disk when opened.
    pub size: u64,
    /// The SHA-256 of its bytes on disk (for skipping unchanged files on re-import).
    pub sha256: [u8; 32],
    /// The bytes actually read (equal to `size` unless the file changed while being read).
    pub read_bytes: u64,
    /// Whether it is gzip-compressed.
    pub gzip: bool,
    /// How it was framed.
    pub format: Format,
    /// The decompressed bytes framed.
    pub decoded_bytes: u64,
    /// The records delivered from it.
    pub records: u64,
    /// The problems found in it (see [`ReadSummary::errors`]).
    pub errors: usize,
}

impl FileReport {
    /// The SHA-256 as lowercase hex.
    pub fn sha256_hex(&self) -> String {
        self.sha256.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// Progress after each file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Files finished (read, failed or skipped at read time).
    pub files_done: usize,
    /// Files to read.
    pub files_total: usize,
    /// Records delivered so far.
    pub records: u64,
    /// Bytes on disk read so far.
    pub bytes: u64,
}

impl Progress {
    /// One more file finished; the totals so far are `summary`'s.
    fn file_done(&mut self, summary: &ReadSummary) {
        self.files_done += 1;
        self.records = summary.records;
        self.bytes = summary.bytes;
    }
}

/// What reading produced, besides the records.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadSummary {
    /// One report per file opened, in the order the files were discovered.
    pub files: Vec<FileReport>,
    /// What was not read, and why.
    pub skipped: Vec<Skipped>,
    /// Every problem, files in discovery order, each file's in the order found.
    pub errors: Vec<ReadError>,
    /// Records delivered.
    pub records: u64,
    /// Records left out by the time window.
    pub filtered_out: u64,
    /// Records delivered without a readable `eventTime` / `@timestamp` while a window was set.
    pub undated: u64,
    /// Bytes on disk read.
    pub bytes: u64,
    /// Decompressed bytes framed.
    pub decoded_bytes: u64,
    /// Whether the sink asked to stop before the end.
    pub stopped: bool,
}

impl ReadSummary {
    /// Adds what reading one file gave: its report, its problems, what was skipped and its counts.
    fn add_file(&mut self, source: &Source, result: frame::FileResult) {
        if let Some(reason) = result.skipped {
            self.skipped.push(Skipped {
                path: source.path.clone(),
                reason,
            });
        }
        if let Some(report) = result.report {
            self.records += report.records;
            self.bytes += report.read_bytes;
            self.decoded_bytes += report.decoded_bytes;
            self.files.push(report);
        }
        self.errors.extend(result.errors);
        self.filtered_out += result.filtered_out;
        self.undated += result.undated;
        self.stopped |= result.stopped;
    }

    /// Files read without any problem.
    pub fn files_read(&self) -> usize {
        self.files.iter().filter(|f| f.errors == 0).count()
    }

    /// Files with at least one problem (some of their records may still have been delivered),
    /// including those that could not be opened.
    pub fn files_failed(&self) -> usize {
        let mut failed: std::collections::HashSet<&Path> = self
            .files
            .iter()
            .filter(|f| f.errors > 0)
            .map(|f| f.path.as_path())
            .collect();
        failed.extend(self.errors.iter().map(|e| e.file.as_path()));
        failed.len()
    }

    /// Skipped files and directories by reason.
    pub fn skipped_by_reason(&self) -> BTreeMap<SkipReason, usize> {
        let mut out = BTreeMap::new();
        for s in &self.skipped {
            *out.entry(s.reason).or_insert(0) += 1;
        }
        out
    }
}

/// Discovers the files under `paths` and reads them (see [`read_discovered`]).
pub fn read_all(
    paths: &[PathBuf],
    options: &ReadOptions,
    sink: impl FnMut(RawRecord) -> ControlFlow<()>,
    progress: impl FnMut(&Progress),
) -> ReadSummary {
    read_discovered(discover(paths, options), options, sink, progress)
}

/// Reads discovered files, handing every record to `sink` on the calling thread, in discovery
/// order and, within a file, in file order — the same order whatever `options.threads` is. With
/// more than one thread, workers read files ahead, holding at most `files_in_flight` files'
/// batches; a worker holds at most one file's decompressed content (up to `buffer_limit`).
/// `sink` returning `Break` stops reading.
pub fn read_discovered(
    discovery: Discovery,
    options: &ReadOptions,
    mut sink: impl FnMut(RawRecord) -> ControlFlow<()>,
    mut progress: impl FnMut(&Progress),
) -> ReadSummary {
    let Discovery {
        sources,
        skipped,
        errors,
    } = discovery;
    let mut summary = ReadSummary {
        skipped,
        errors,
        ..ReadSummary::default()
    };
    let mut prog = Progress {
        files_done: 0,
        files_total: sources.len(),
        records: 0,
        bytes: 0,
    };
    let mut on_file = |source: &Source, result: frame::FileResult, summary: &mut ReadSummary| {
        summary.add_file(source, result);
        prog.file_done(summary);
        progress(&prog);
    };
    if options.effective_threads() <= 1 || sources.len() <= 1 {
        for source in &sources {
            let result = parallel::read_file_guarded(source, options, &mut |r: RecordRef<'_>| {
                sink(r.to_owned_record())
            });
            let stop = result.stopped;
            on_file(source, result, &mut summary);
            if stop {
                break;
            }
        }
    } else {
        parallel::read_parallel(&sources, options, &mut sink, |i, result| {
            if let Some(source) = sources.get(i) {
                on_file(source, result, &mut summary);
            }
        });
    }
    summary
}

/// Reads discovered files like [`read_discovered`], but hands each file's records to per-file work
/// on the worker threads: `start(i, source)` makes the value for file `i`, `record` is called with
/// it for each of the file's records (borrowed from the decompressed content, not copied), in file
/// order, then `finish` once the file is read, all on a worker thread; and `done(i, value, progress)` gets it back on the calling thread, files in discovery
/// order (`value` is `None` only if the file's worker failed). Memory is bounded by
/// `files_in_flight` files' values. `record` or `done` returning `Break` stops reading.
pub fn map_discovered<W: Send>(
    discovery: Discovery,
    options: &ReadOptions,
    start: impl Fn(usize, &Source) -> W + Sync,
    record: impl Fn(&mut W, RecordRef<'_>) -> ControlFlow<()> + Sync,
    finish: impl Fn(&mut W) + Sync,
    mut done: impl FnMut(usize, Option<W>, &Progress) -> ControlFlow<()>,
) -> ReadSummary {
    let Discovery {
        sources,
        skipped,
        errors,
    } = discovery;
    let mut summary = ReadSummary {
        skipped,
        errors,
        ..ReadSummary::default()
    };
    let mut prog = Progress {
        files_done: 0,
        files_total: sources.len(),
        records: 0,
        bytes: 0,
    };
    parallel::map_parallel(
        &sources,
        options,
        &start,
        &record,
        &finish,
        |i, w, result| {
            let Some(source) = sources.get(i) else {
                return ControlFlow::Break(());
            };
            summary.add_file(source, result);
            prog.file_done(&summary);
            done(i, w, &prog)
        },
    );
    summary
}

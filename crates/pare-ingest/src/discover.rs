//! Finding the files to read: walking directories, recognising CloudTrail S3 object names
//! (`AWSLogs/[<org-id>/]<acct>/CloudTrail/<region>/YYYY/MM/DD/<acct>_CloudTrail_<region>_<YYYYMMDDTHHMMZ>_<rand>.json.gz`),
//! skipping digests, hidden files and whatever a time window rules out by name.

use std::fs;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Months, NaiveDate, NaiveDateTime, TimeDelta, Utc};

use crate::{ErrorKind, ReadError, ReadOptions};

/// A file to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// Where it is.
    pub path: PathBuf,
    /// Whether it was named directly (rather than found in a directory): a named file that is not
    /// JSON is an error, a found one is skipped.
    pub explicit: bool,
    /// What its name says, when it is named like a CloudTrail S3 object.
    pub s3: Option<S3ObjectName>,
}

/// What a CloudTrail S3 object's name and path say about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3ObjectName {
    /// The account the events are from.
    pub account: String,
    /// The region the events are from.
    pub region: String,
    /// When the object was delivered (minute precision); its events happened before.
    pub delivered: DateTime<Utc>,
    /// The organization ID, for organization trails (`AWSLogs/<org-id>/<acct>/…`).
    pub org_id: Option<String>,
}

/// Why a file (or directory) was not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SkipReason {
    /// A CloudTrail digest file (`CloudTrail-Digest`), which holds hashes, not events.
    Digest,
    /// A hidden file or directory (name starting with `.`) found in a directory.
    Hidden,
    /// A file found in a directory whose content is not JSON (after gunzip).
    NotJson,
    /// A file with no content (or only whitespace).
    Empty,
    /// A CloudTrail S3 object (or date directory) whose name puts all its events outside the time
    /// window.
    OutsideWindow,
    /// A symbolic link to a directory (not followed, to avoid cycles).
    SymlinkedDirectory,
    /// Found in a directory but not a regular file (a FIFO, socket or device, which could block).
    NotAFile,
}

impl SkipReason {
    /// A lowercase description.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Digest => "cloudtrail digest file",
            Self::Hidden => "hidden file",
            Self::NotJson => "not json",
            Self::Empty => "empty file",
            Self::OutsideWindow => "outside the time window (by its s3 object name)",
            Self::SymlinkedDirectory => "symbolic link to a directory, not followed",
            Self::NotAFile => "not a regular file",
        }
    }
}

/// A file or directory that was not read, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The file or directory.
    pub path: PathBuf,
    /// Why.
    pub reason: SkipReason,
}

/// The result of [`discover`]: files to read, in a stable order (arguments in the order given,
/// directory entries sorted by name), and what was skipped or could not be listed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Discovery {
    /// The files to read.
    pub sources: Vec<Source>,
    /// What was skipped by name.
    pub skipped: Vec<Skipped>,
    /// Paths that do not exist or directories that could not be listed.
    pub errors: Vec<ReadError>,
}

/// Walks `paths` (files or directories, recursively) and lists the files to read.
pub fn discover(paths: &[PathBuf], options: &ReadOptions) -> Discovery {
    let mut out = Discovery::default();
    for p in paths {
        match fs::metadata(p) {
            Ok(m) if m.is_dir() => walk(p, options, &mut out),
            Ok(_) => consider_file(p, true, options, &mut out),
            Err(e) => out.errors.push(io_error(p, &e, "cannot read")),
        }
    }
    let mut seen = std::collections::HashSet::new();
    out.sources.retain(|s| seen.insert(s.path.clone()));
    out
}

fn io_error(path: &Path, e: &std::io::Error, what: &str) -> ReadError {
    ReadError {
        file: path.to_path_buf(),
        record: None,
        offset: None,
        kind: ErrorKind::Io,
        message: format!("{what}: {e}"),
    }
}

fn walk(dir: &Path, options: &ReadOptions, out: &mut Discovery) {
    if date_directory_outside_window(dir, options) {
        out.skipped.push(Skipped {
            path: dir.to_path_buf(),
            reason: SkipReason::OutsideWindow,
        });
        return;
    }
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            out.errors.push(io_error(dir, &e, "cannot list directory"));
            return;
        }
    };
    let mut entries: Vec<_> = entries
        .filter_map(|e| match e {
            Ok(e) => Some(e),
            Err(err) => {
                out.errors
                    .push(io_error(dir, &err, "cannot list directory"));
                None
            }
        })
        .collect();
    entries.sort_by_key(fs::DirEntry::file_name);
    for e in entries {
        let path = e.path();
        if e.file_name().to_string_lossy().starts_with('.') {
            out.skipped.push(Skipped {
                path,
                reason: SkipReason::Hidden,
            });
            continue;
        }
        let Ok(ft) = e.file_type() else {
            consider_file(&path, false, options, out);
            continue;
        };
        if ft.is_dir() {
            walk(&path, options, out);
        } else if ft.is_symlink() && fs::metadata(&path).is_ok_and(|m| m.is_dir()) {
            out.skipped.push(Skipped {
                path,
                reason: SkipReason::SymlinkedDirectory,
            });
        } else if fs::metadata(&path).is_ok_and(|m| !m.is_file()) {
            out.skipped.push(Skipped {
                path,
                reason: SkipReason::NotAFile,
            });
        } else {
            consider_file(&path, false, options, out);
        }
    }
}

fn consider_file(path: &Path, explicit: bool, options: &ReadOptions, out: &mut Discovery) {
    if is_digest(path) {
        out.skipped.push(Skipped {
            path: path.to_path_buf(),
            reason: SkipReason::Digest,
        });
        return;
    }
    let s3 = parse_s3_object_path(path);
    if let Some(s3) = &s3
        && options
            .window
            .excludes_delivery(s3.delivered, options.delivery_slack)
    {
        out.skipped.push(Skipped {
            path: path.to_path_buf(),
            reason: SkipReason::OutsideWindow,
        });
        return;
    }
    out.sources.push(Source {
        path: path.to_path_buf(),
        explicit,
        s3,
    });
}

fn is_digest(path: &Path) -> bool {
    path.components()
        .any(|c| c.as_os_str() == "CloudTrail-Digest")
        || path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().contains("_CloudTrail-Digest_"))
}

/// Reads a CloudTrail S3 object name (`<acct>_CloudTrail_<region>_<YYYYMMDDTHHMMZ>_<rand>.json.gz`,
/// also without `.gz`) and, from the path, the organization ID of an organization trail.
pub fn parse_s3_object_path(path: &Path) -> Option<S3ObjectName> {
    let name = path.file_name()?.to_str()?;
    let stem = name
        .strip_suffix(".json.gz")
        .or_else(|| name.strip_suffix(".json"))?;
    let mut parts = stem.split('_');
    let (account, tag, region, time, rand) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    if parts.next().is_some()
        || tag != "CloudTrail"
        || !is_account_id(account)
        || region.is_empty()
        || rand.is_empty()
    {
        return None;
    }
    let delivered = NaiveDateTime::parse_from_str(time, "%Y%m%dT%H%MZ")
        .ok()?
        .and_utc();
    let comps: Vec<_> = path
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let org_id = comps
        .iter()
        .rposition(|c| c == "AWSLogs")
        .and_then(|i| comps.get(i + 1))
        .filter(|c| c.starts_with("o-"))
        .cloned();
    Some(S3ObjectName {
        account: account.to_owned(),
        region: region.to_owned(),
        delivered,
        org_id,
    })
}

fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Whether `dir` is a date directory of a CloudTrail S3 tree (`…/CloudTrail/<region>/YYYY[/MM[/DD]]`)
/// whose every object is outside the window.
fn date_directory_outside_window(dir: &Path, options: &ReadOptions) -> bool {
    if options.window.is_unbounded() {
        return false;
    }
    let comps: Vec<String> = dir
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    // Find the date parts after `CloudTrail/<region>`.
    let Some(ct) = comps.iter().rposition(|c| c == "CloudTrail") else {
        return false;
    };
    let date: Vec<&str> = comps.iter().skip(ct + 2).map(String::as_str).collect();
    let num = |s: &str, len: usize| -> Option<u32> {
        (s.len() == len && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let range = match date.as_slice() {
        [y] => num(y, 4)
            .and_then(|y| NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, 1, 1))
            .and_then(|d| Some((d, d.checked_add_months(Months::new(12))?))),
        [y, m] => num(y, 4)
            .zip(num(m, 2))
            .and_then(|(y, m)| NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, 1))
            .and_then(|d| Some((d, d.checked_add_months(Months::new(1))?))),
        [y, m, d] => num(y, 4)
            .zip(num(m, 2))
            .zip(num(d, 2))
            .and_then(|((y, m), d)| NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d))
            .and_then(|d| Some((d, d.checked_add_signed(TimeDelta::days(1))?))),
        _ => None,
    };
    let Some((from, to)) = range else {
        return false;
    };
    let (Some(from), Some(to)) = (from.and_hms_opt(0, 0, 0), to.and_hms_opt(0, 0, 0)) else {
        return false;
    };
    options
        .window
        .excludes_delivery_range(from.and_utc(), to.and_utc(), options.delivery_slack)
}

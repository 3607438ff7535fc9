//! `ReadError`: one problem in one file, with where in the file it was found.

use std::fmt;
use std::path::PathBuf;

/// What kind of problem a [`ReadError`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ErrorKind {
    /// The file or directory could not be opened or read.
    Io,
    /// The gzip stream is truncated or corrupt.
    Gzip,
    /// The content is not valid JSON (including trailing garbage after the last value).
    Json,
    /// The content is not valid UTF-8.
    Utf8,
    /// The content is JSON but not one of the CloudTrail shapes Pare reads, or a record is not an
    /// object / an envelope lacks its record.
    Format,
    /// A record or line is larger than [`crate::ReadOptions::max_record_bytes`].
    TooLarge,
    /// A bug in Pare (a panic caught while reading the file); the file's other records are lost.
    Internal,
}

/// One problem in one file. Reading goes on past it: everything before it (and, where the framing
/// allows, after it — JSON Lines resynchronise at the next line) is still delivered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ReadError {
    /// The file the problem is in.
    pub file: PathBuf,
    /// The index of the record being read when the problem was found (0-based, counting every
    /// record candidate in the file: array elements, non-blank lines, `Events` entries).
    pub record: Option<u64>,
    /// The byte offset of the problem in the file's (decompressed) content.
    pub offset: Option<u64>,
    /// What kind of problem it is.
    pub kind: ErrorKind,
    /// A lowercase description.
    pub message: String,
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`", self.file.display())?;
        match (self.record, self.offset) {
            (Some(r), Some(o)) => write!(f, ": record {r} at byte {o}")?,
            (Some(r), None) => write!(f, ": record {r}")?,
            (None, Some(o)) => write!(f, ": at byte {o}")?,
            (None, None) => {}
        }
        write!(f, ": {}", self.message)
    }
}

//! Reading one file: gunzip by magic bytes, detect the format by content, and frame it into raw
//! records. Content that fits [`ReadOptions::buffer_limit`] is read into memory; larger content is
//! framed incrementally (a sliding window of [`ReadOptions::chunk_bytes`] for JSON documents, one
//! line at a time for JSON Lines). Both go through the same framing code, so they agree exactly.
//!
//! Formats (after an optional UTF-8 BOM and whitespace):
//! - `{"Records":[…]}` (CloudTrail S3 objects; several may be concatenated, as `zcat *.gz` gives),
//! - `{"Events":[{"CloudTrailEvent":"<json>",…}]}` (`aws cloudtrail lookup-events`),
//! - `[…]`, a JSON array of events,
//! - any other object: JSON Lines, one event per line; or, when the first line is not a complete
//!   value, concatenated (pretty-printed) JSON values.
//!
//! In arrays, JSON Lines and concatenated values, the first record decides whether records are
//! wrapped in an envelope: `{"event":{…},…}` (exports and test corpora), `{"detail":{…},…}`
//! (EventBridge) or `{"CloudTrailEvent":"<json>",…}` (`lookup-events --query Events`). A record is
//! itself an event when it has any of `eventVersion`, `eventName`, `eventSource`, `eventTime`,
//! `@timestamp`.

use std::borrow::Cow;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::ops::ControlFlow;
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use flate2::bufread::MultiGzDecoder;
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

use crate::time::parse_time_value;
use crate::{ErrorKind, FileReport, Format, ReadError, ReadOptions, RecordRef, SkipReason};

mod chunked;

/// How much of the decompressed content is always read first to detect the format.
const SNIFF: usize = 4096;

/// What reading one file produced, besides the records handed to the sink.
#[derive(Debug, Default)]
pub(crate) struct FileResult {
    /// The report, unless the file was skipped.
    pub report: Option<FileReport>,
    /// Why the file was skipped, if it was.
    pub skipped: Option<SkipReason>,
    /// Problems, in the order found.
    pub errors: Vec<ReadError>,
    /// Records left out by the time window.
    pub filtered_out: u64,
    /// Records delivered without a readable time while a window was set.
    pub undated: u64,
    /// Whether the sink asked to stop.
    pub stopped: bool,
}

/// The sink records are handed to.
pub(crate) type Sink<'a> = &'a mut dyn FnMut(RecordRef<'_>) -> ControlFlow<()>;

/// Reads one file, handing each record to `sink` in file order.
pub(crate) fn read_file(
    path: &Path,
    explicit: bool,
    options: &ReadOptions,
    sink: Sink<'_>,
) -> FileResult {
    let file_arc: Arc<Path> = Arc::from(path);
    let mut result = FileResult::default();
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) => {
            result.errors.push(error(
                path,
                ErrorKind::Io,
                None,
                None,
                format!("cannot open: {e}"),
            ));
            return result;
        }
    };
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut raw = BufReader::with_capacity(
        256 * 1024,
        Hashing {
            inner: file,
            hasher: Sha256::new(),
            bytes: 0,
        },
    );
    let gzip = match raw.fill_buf() {
        Ok(b) => b.starts_with(&[0x1f, 0x8b]),
        Err(e) => {
            result.errors.push(error(
                path,
                ErrorKind::Io,
                None,
                Some(0),
                format!("cannot read: {e}"),
            ));
            return result;
        }
    };
    let mut ctx = Ctx {
        file: file_arc,
        options,
        sink,
        index: 0,
        envelope: None,
        slice_origin: None,
        errors: Vec::new(),
        fatal: None,
        stopped: false,
        records: 0,
        filtered_out: 0,
        undated: 0,
        gzip,
    };
    let (format, decoded_bytes) = {
        let decoded: Box<dyn Read + '_> = if gzip {
            Box::new(MultiGzDecoder::new(&mut raw))
        } else {
            Box::new(&mut raw)
        };
        frame(&mut ctx, decoded, explicit, size)
    };
    result.stopped = ctx.stopped;
    result.errors = ctx.errors;
    result.filtered_out = ctx.filtered_out;
    result.undated = ctx.undated;
    let format = match format {
        Ok(f) => f,
        Err(reason) => {
            result.skipped = Some(reason);
            return result;
        }
    };
    if result.stopped {
        return result;
    }
    // Hash the whole file even when framing stopped early.
    if let Err(e) = io::copy(&mut raw, &mut io::sink()) {
        result.errors.push(error(
            path,
            ErrorKind::Io,
            None,
            None,
            format!("cannot read: {e}"),
        ));
    }
    let hashing = raw.into_inner();
    result.report = Some(FileReport {
        path: path.to_path_buf(),
        size,
        sha256: hashing.hasher.finalize().into(),
        read_bytes: hashing.bytes,
        gzip,
        format,
        decoded_bytes,
        records: ctx.records,
        errors: result.errors.len(),
    });
    result
}

fn error(
    path: &Path,
    kind: ErrorKind,
    record: Option<u64>,
    offset: Option<u64>,
    message: String,
) -> ReadError {
    ReadError {
        file: path.to_path_buf(),
        record,
        offset,
        kind,
        message,
    }
}

/// A reader that hashes and counts what passes through it.
struct Hashing {
    inner: File,
    hasher: Sha256,
    bytes: u64,
}

impl Read for Hashing {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let got = buf.get(..n).unwrap_or_default();
        self.hasher.update(got);
        self.bytes += n as u64;
        Ok(n)
    }
}

/// An error that ended the decompressed content early, reported where the parse ran out.
struct Pending {
    kind: ErrorKind,
    offset: u64,
    message: String,
}

fn decode_error_kind(gzip: bool) -> ErrorKind {
    if gzip { ErrorKind::Gzip } else { ErrorKind::Io }
}

fn decode_error_message(gzip: bool, e: &io::Error) -> String {
    if gzip {
        format!("corrupt or truncated gzip: {e}")
    } else {
        format!("read error: {e}")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Array,
    Container(Format),
    Objects,
}

/// Reads the head, detects the format, and frames the content. Returns the format (or why the file
/// is skipped) and the number of decompressed bytes seen.
fn frame(
    ctx: &mut Ctx<'_>,
    mut decoded: Box<dyn Read + '_>,
    explicit: bool,
    size_hint: u64,
) -> (Result<Format, SkipReason>, u64) {
    let limit = ctx.options.buffer_limit;
    let take = limit.max(SNIFF).saturating_add(1);
    // Sized for the whole content up front (gzip: about 8 times the file), not grown by doubling.
    let guess = if ctx.gzip {
        size_hint.saturating_mul(8)
    } else {
        size_hint.saturating_add(1)
    };
    let mut head = Vec::with_capacity(usize::try_from(guess).unwrap_or(take).min(take));
    let read_err = decoded
        .by_ref()
        .take(take as u64)
        .read_to_end(&mut head)
        .err();
    let pending = read_err.as_ref().map(|e| Pending {
        kind: decode_error_kind(ctx.gzip),
        offset: head.len() as u64,
        message: decode_error_message(ctx.gzip, e),
    });
    let complete = pending.is_some() || head.len() < take;
    let bom = if head.starts_with(&[0xef, 0xbb, 0xbf]) {
        3
    } else {
        0
    };
    let body = head.get(bom..).unwrap_or_default();
    let first = body.iter().position(|b| !b.is_ascii_whitespace());
    let shape = match first.and_then(|i| body.get(i)) {
        None if pending.is_none() && complete => {
            return (Err(SkipReason::Empty), head.len() as u64);
        }
        None => None,
        Some(b'[') => Some(Shape::Array),
        Some(b'{') => Some(first_key(
            body.get(first.unwrap_or(0) + 1..).unwrap_or_default(),
        )),
        Some(&b) => {
            if !explicit {
                return (Err(SkipReason::NotJson), head.len() as u64);
            }
            let offset = (bom + first.unwrap_or(0)) as u64;
            ctx.errors.push(ctx.error_at(
                ErrorKind::Format,
                None,
                Some(offset),
                format!("unknown format: expected json (`{{` or `[`), found byte 0x{b:02x}"),
            ));
            return (Ok(Format::Unknown), head.len() as u64);
        }
    };
    let Some(shape) = shape else {
        // Only whitespace before the content broke off.
        if let Some(p) = pending {
            ctx.push_pending(p, None);
        }
        return (Ok(Format::Unknown), head.len() as u64);
    };
    let format = match shape {
        Shape::Array => Format::Array,
        Shape::Container(f) => f,
        Shape::Objects => Format::JsonLines,
    };
    if complete && head.len() <= limit {
        let total = head.len() as u64;
        if shape == Shape::Objects {
            let used = frame_lines_slice(ctx, body, bom as u64, pending);
            (Ok(used.unwrap_or(format)), total)
        } else {
            let mut w = chunked::Window::prefilled(head, bom, 0, pending);
            chunked::frame(ctx, &mut w, shape);
            (Ok(format), total)
        }
    } else {
        let stream = Prefixed {
            head,
            pos: bom,
            pending: read_err,
            rest: decoded,
        };
        if shape == Shape::Objects {
            let mut reader = BufReader::with_capacity(256 * 1024, stream);
            let (used, end) = frame_lines_stream(ctx, &mut reader, bom as u64);
            (Ok(used.unwrap_or(format)), end)
        } else {
            let mut w = chunked::Window::new(stream, bom as u64, ctx.gzip, ctx.options.chunk_bytes);
            chunked::frame(ctx, &mut w, shape);
            (Ok(format), w.end())
        }
    }
}

/// Decides between a container (`Records` / `Events` as the first key) and other objects.
fn first_key(after_brace: &[u8]) -> Shape {
    let rest = after_brace.iter().skip_while(|b| b.is_ascii_whitespace());
    let mut rest = rest.copied();
    if rest.next() != Some(b'"') {
        return Shape::Objects;
    }
    let key: Vec<u8> = rest
        .take_while(|b| *b != b'"' && *b != b'\\')
        .take(16)
        .collect();
    match key.as_slice() {
        b"Records" => Shape::Container(Format::Records),
        b"Events" => Shape::Container(Format::LookupEvents),
        _ => Shape::Objects,
    }
}

/// The head already read, then (after an error that cut the head short, if any) the rest.
struct Prefixed<R> {
    head: Vec<u8>,
    pos: usize,
    pending: Option<io::Error>,
    rest: R,
}

impl<R: Read> Read for Prefixed<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(avail) = self.head.get(self.pos..)
            && !avail.is_empty()
        {
            let n = avail.len().min(buf.len());
            if let (Some(dst), Some(src)) = (buf.get_mut(..n), avail.get(..n)) {
                dst.copy_from_slice(src);
            }
            self.pos += n;
            return Ok(n);
        }
        if let Some(e) = self.pending.take() {
            return Err(e);
        }
        self.rest.read(buf)
    }
}

/// How records are wrapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Envelope {
    Plain,
    Event,
    Detail,
    CloudTrailEvent,
    /// `{"Records":[…]}` / `{"Events":[…]}` objects whose first key was not `Records` / `Events`
    /// (so the file was not recognised as a container by its first bytes).
    Container,
}

/// What a sequence's elements are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ElemKind {
    /// Events (`Records` entries).
    Record,
    /// `lookup-events` entries.
    LookupEvent,
    /// Decided by the file's first record.
    Auto,
}

/// The few fields framing and the time window look at.
#[derive(Deserialize, Default)]
struct Probe<'a> {
    #[serde(rename = "eventTime", borrow, default)]
    event_time: Option<&'a RawValue>,
    #[serde(rename = "@timestamp", borrow, default)]
    at_timestamp: Option<&'a RawValue>,
    #[serde(rename = "eventVersion", default)]
    event_version: Option<IgnoredAny>,
    #[serde(rename = "eventName", default)]
    event_name: Option<IgnoredAny>,
    #[serde(rename = "eventSource", default)]
    event_source: Option<IgnoredAny>,
    #[serde(borrow, default)]
    event: Option<&'a RawValue>,
    #[serde(borrow, default)]
    detail: Option<&'a RawValue>,
    #[serde(rename = "CloudTrailEvent", borrow, default)]
    cloudtrail_event: Option<Cow<'a, str>>,
    #[serde(rename = "Records", borrow, default)]
    records: Option<&'a RawValue>,
    #[serde(rename = "Events", borrow, default)]
    events: Option<&'a RawValue>,
}

impl<'a> Probe<'a> {
    fn of(text: &'a str) -> Self {
        serde_json::from_str(text).unwrap_or_default()
    }

    fn time(&self) -> Option<DateTime<Utc>> {
        self.event_time
            .or(self.at_timestamp)
            .and_then(parse_time_value)
    }

    fn envelope(&self) -> Envelope {
        let is_event = self.event_time.is_some()
            || self.at_timestamp.is_some()
            || self.event_version.is_some()
            || self.event_name.is_some()
            || self.event_source.is_some();
        if is_event {
            Envelope::Plain
        } else if self.cloudtrail_event.is_some() {
            Envelope::CloudTrailEvent
        } else if self.event.is_some_and(is_object) {
            Envelope::Event
        } else if self.detail.is_some_and(is_object) {
            Envelope::Detail
        } else if self
            .records
            .or(self.events)
            .is_some_and(|r| r.get().starts_with('['))
        {
            Envelope::Container
        } else {
            Envelope::Plain
        }
    }
}

fn is_object(raw: &RawValue) -> bool {
    raw.get().starts_with('{')
}

/// A record's JSON: in the text being framed, or decoded from a `CloudTrailEvent` string.
enum Json<'a> {
    Borrowed(&'a RawValue),
    Owned(Box<RawValue>),
}

/// The state of framing one file.
struct Ctx<'s> {
    file: Arc<Path>,
    options: &'s ReadOptions,
    sink: Sink<'s>,
    /// The index of the next record candidate.
    index: u64,
    envelope: Option<Envelope>,
    /// On the buffered path: the text's address and its offset in the content, to place records.
    slice_origin: Option<(usize, u64)>,
    errors: Vec<ReadError>,
    fatal: Option<ReadError>,
    stopped: bool,
    records: u64,
    filtered_out: u64,
    undated: u64,
    gzip: bool,
}

impl Ctx<'_> {
    fn error_at(
        &self,
        kind: ErrorKind,
        record: Option<u64>,
        offset: Option<u64>,
        message: String,
    ) -> ReadError {
        error(&self.file, kind, record, offset, message)
    }

    /// Records a problem with the current record candidate and moves past it.
    fn record_error(&mut self, kind: ErrorKind, offset: Option<u64>, message: String) {
        let e = self.error_at(kind, Some(self.index), offset, message);
        self.errors.push(e);
        self.index += 1;
    }

    fn push_pending(&mut self, p: Pending, record: Option<u64>) {
        let e = self.error_at(p.kind, record, Some(p.offset), p.message);
        self.errors.push(e);
    }

    /// Where a just-parsed element starts, from its address in the text being framed.
    fn offset_of(&self, raw: &RawValue) -> Option<u64> {
        let (origin, base) = self.slice_origin?;
        let at = (raw.get().as_ptr() as usize).checked_sub(origin)?;
        Some(base + at as u64)
    }

    /// Handles one record candidate. `Err` aborts the parse (stop, or `self.fatal`).
    fn element(&mut self, raw: &RawValue, kind: ElemKind) -> Result<(), ()> {
        let idx = self.index;
        let text = raw.get();
        if text.len() > self.options.max_record_bytes {
            let offset = self.offset_of(raw);
            self.fatal = Some(self.error_at(
                ErrorKind::TooLarge,
                Some(idx),
                offset,
                format!(
                    "record is {} bytes, over the limit of {}",
                    text.len(),
                    self.options.max_record_bytes
                ),
            ));
            return Err(());
        }
        if !is_object(raw) {
            let offset = self.offset_of(raw);
            self.record_error(
                ErrorKind::Format,
                offset,
                "record is not a json object".to_owned(),
            );
            return Ok(());
        }
        let windowed = !self.options.window.is_unbounded();
        let envelope = match kind {
            ElemKind::Record => Envelope::Plain,
            ElemKind::LookupEvent => Envelope::CloudTrailEvent,
            ElemKind::Auto => match self.envelope {
                Some(e) => e,
                None => {
                    let e = Probe::of(text).envelope();
                    self.envelope = Some(e);
                    e
                }
            },
        };
        let offset = self.offset_of(raw);
        if envelope == Envelope::Container {
            // Frame the object's records; the object itself is not a record.
            let mut w =
                chunked::Window::prefilled(text.as_bytes().to_vec(), 0, offset.unwrap_or(0), None);
            let origin = self.slice_origin.take();
            chunked::frame(self, &mut w, Shape::Container(Format::Records));
            self.slice_origin = origin;
            return if self.stopped { Err(()) } else { Ok(()) };
        }
        let probe = (windowed || envelope != Envelope::Plain).then(|| Probe::of(text));
        let (json, time) = match (envelope, probe) {
            (Envelope::Plain, probe) => {
                let time = probe.and_then(|p| p.time());
                (Json::Borrowed(raw), time)
            }
            (Envelope::Event | Envelope::Detail, Some(p)) => {
                let (inner, key) = if envelope == Envelope::Event {
                    (p.event, "event")
                } else {
                    (p.detail, "detail")
                };
                match inner.filter(|r| is_object(r)) {
                    Some(r) => (
                        Json::Borrowed(r),
                        windowed.then(|| Probe::of(r.get()).time()).flatten(),
                    ),
                    None => {
                        self.record_error(
                            ErrorKind::Format,
                            offset,
                            format!("expected an `{key}` object, like the file's first record"),
                        );
                        return Ok(());
                    }
                }
            }
            (Envelope::CloudTrailEvent, Some(p)) => match p.cloudtrail_event {
                Some(s) => match serde_json::from_str::<Box<RawValue>>(&s) {
                    Ok(r) if is_object(&r) => {
                        let time = windowed.then(|| Probe::of(r.get()).time()).flatten();
                        (Json::Owned(r), time)
                    }
                    Ok(_) => {
                        self.record_error(
                            ErrorKind::Format,
                            offset,
                            "`CloudTrailEvent` is not a json object".to_owned(),
                        );
                        return Ok(());
                    }
                    Err(e) => {
                        self.record_error(
                            ErrorKind::Json,
                            offset,
                            format!("`CloudTrailEvent` is not valid json: {e}"),
                        );
                        return Ok(());
                    }
                },
                None => {
                    self.record_error(
                        ErrorKind::Format,
                        offset,
                        "expected a `CloudTrailEvent` string".to_owned(),
                    );
                    return Ok(());
                }
            },
            (Envelope::Container, _) | (_, None) => (Json::Borrowed(raw), None),
        };
        self.index += 1;
        if windowed {
            match time {
                Some(t) if !self.options.window.contains(t) => {
                    self.filtered_out += 1;
                    return Ok(());
                }
                Some(_) => {}
                None => self.undated += 1,
            }
        }
        self.records += 1;
        let record = RecordRef {
            file: &self.file,
            index: idx,
            json: match &json {
                Json::Borrowed(r) => r,
                Json::Owned(r) => r,
            },
        };
        if (self.sink)(record).is_break() {
            self.stopped = true;
            return Err(());
        }
        Ok(())
    }
}

/// The offset of a serde_json error in `text` (which starts at `base`).
fn locate_in_text(text: &str, base: u64, e: &serde_json::Error) -> Option<u64> {
    let line = e.line();
    if line == 0 {
        return None;
    }
    let start = if line == 1 {
        0
    } else {
        text.match_indices('\n').nth(line - 2)?.0 + 1
    };
    Some(base + (start + e.column().saturating_sub(1)) as u64)
}

/// What to do with one line of JSON Lines.
enum LineOutcome {
    Next,
    Stop,
    /// The first line is not a complete value: the file is concatenated JSON instead.
    NotLines,
}

/// Handles one line (without its `\n`) that starts at `offset`.
fn line(ctx: &mut Ctx<'_>, bytes: &[u8], offset: u64, first: bool) -> LineOutcome {
    let lead = bytes.iter().take_while(|b| b.is_ascii_whitespace()).count();
    let trimmed = bytes.get(lead..).unwrap_or_default();
    let trail = trimmed
        .iter()
        .rev()
        .take_while(|b| b.is_ascii_whitespace())
        .count();
    let trimmed = trimmed.get(..trimmed.len() - trail).unwrap_or_default();
    if trimmed.is_empty() {
        return LineOutcome::Next;
    }
    let at = offset + lead as u64;
    if bytes.len() > ctx.options.max_record_bytes {
        let msg = format!(
            "line is over the limit of {} bytes",
            ctx.options.max_record_bytes
        );
        ctx.record_error(ErrorKind::TooLarge, Some(offset), msg);
        return LineOutcome::Next;
    }
    let text = match std::str::from_utf8(trimmed) {
        Ok(t) => t,
        Err(e) => {
            ctx.record_error(
                ErrorKind::Utf8,
                Some(at + e.valid_up_to() as u64),
                "invalid utf-8".to_owned(),
            );
            return LineOutcome::Next;
        }
    };
    match serde_json::from_str::<&RawValue>(text) {
        Ok(raw) => {
            ctx.slice_origin = Some((text.as_ptr() as usize, at));
            let r = ctx.element(raw, ElemKind::Auto);
            ctx.slice_origin = None;
            if r.is_err() {
                if let Some(f) = ctx.fatal.take() {
                    ctx.errors.push(f);
                    return LineOutcome::Next;
                }
                return LineOutcome::Stop;
            }
            LineOutcome::Next
        }
        Err(e) if first && e.is_eof() => LineOutcome::NotLines,
        Err(e) => {
            let (offset, message) = if e.is_eof() {
                (
                    at + text.len() as u64,
                    "truncated json: unexpected end of line".to_owned(),
                )
            } else {
                (
                    locate_in_text(text, at, &e).unwrap_or(at),
                    format!("invalid json: {e}"),
                )
            };
            ctx.record_error(ErrorKind::Json, Some(offset), message);
            LineOutcome::Next
        }
    }
}

fn frame_lines_slice(
    ctx: &mut Ctx<'_>,
    body: &[u8],
    base: u64,
    pending: Option<Pending>,
) -> Option<Format> {
    let mut pos = 0usize;
    let mut first = true;
    while pos < body.len() {
        let rest = body.get(pos..).unwrap_or_default();
        let (len, has_newline) = match rest.iter().position(|b| *b == b'\n') {
            Some(i) => (i, true),
            None => (rest.len(), false),
        };
        let bytes = rest.get(..len).unwrap_or_default();
        let offset = base + pos as u64;
        if !has_newline && pending.is_some() {
            // The last line was cut short by the error.
            break;
        }
        match line(ctx, bytes, offset, first) {
            LineOutcome::Next => {}
            LineOutcome::Stop => return None,
            LineOutcome::NotLines => {
                let mut w = chunked::Window::prefilled(rest.to_vec(), 0, offset, pending);
                chunked::frame(ctx, &mut w, Shape::Objects);
                return Some(Format::Concatenated);
            }
        }
        if !bytes.iter().all(u8::is_ascii_whitespace) {
            first = false;
        }
        pos += len + 1;
    }
    if let Some(p) = pending {
        let record = Some(ctx.index);
        ctx.push_pending(p, record);
    }
    None
}

/// Reads one line into `buf` (with its `\n`), keeping at most `max + 1` bytes; returns the bytes
/// consumed and whether the line was longer than `max`.
fn next_line<R: BufRead>(
    r: &mut R,
    buf: &mut Vec<u8>,
    max: usize,
    consumed: &mut u64,
) -> io::Result<bool> {
    buf.clear();
    let mut content = 0usize;
    let mut too_long = false;
    loop {
        let avail = r.fill_buf()?;
        if avail.is_empty() {
            return Ok(too_long);
        }
        let (chunk, done) = match avail.iter().position(|b| *b == b'\n') {
            Some(i) => (i + 1, true),
            None => (avail.len(), false),
        };
        content += if done { chunk - 1 } else { chunk };
        if content > max {
            too_long = true;
            buf.clear();
        } else {
            buf.extend_from_slice(avail.get(..chunk).unwrap_or_default());
        }
        r.consume(chunk);
        *consumed += chunk as u64;
        if done {
            return Ok(too_long);
        }
    }
}

/// Frames JSON Lines incrementally; returns the format used when it is not JSON Lines, and the
/// decompressed bytes seen.
fn frame_lines_stream<R: Read>(
    ctx: &mut Ctx<'_>,
    reader: &mut BufReader<R>,
    base: u64,
) -> (Option<Format>, u64) {
    let mut buf = Vec::new();
    let mut offset = base;
    let mut first = true;
    loop {
        let mut consumed = 0u64;
        let too_long = match next_line(
            reader,
            &mut buf,
            ctx.options.max_record_bytes,
            &mut consumed,
        ) {
            Ok(t) => t,
            Err(e) => {
                let end = offset + consumed;
                let p = Pending {
                    kind: decode_error_kind(ctx.gzip),
                    offset: end,
                    message: decode_error_message(ctx.gzip, &e),
                };
                let record = Some(ctx.index);
                ctx.push_pending(p, record);
                return (None, end);
            }
        };
        if consumed == 0 {
            return (None, offset);
        }
        let content = if buf.last() == Some(&b'\n') {
            buf.get(..buf.len() - 1).unwrap_or_default()
        } else {
            &buf
        };
        if too_long {
            let msg = format!(
                "line is over the limit of {} bytes",
                ctx.options.max_record_bytes
            );
            ctx.record_error(ErrorKind::TooLarge, Some(offset), msg);
            first = false;
            offset += consumed;
            continue;
        }
        match line(ctx, content, offset, first) {
            LineOutcome::Next => {}
            LineOutcome::Stop => return (None, offset + consumed),
            LineOutcome::NotLines => {
                let prefixed = Prefixed {
                    head: std::mem::take(&mut buf),
                    pos: 0,
                    pending: None,
                    rest: &mut *reader,
                };
                let mut w =
                    chunked::Window::new(prefixed, offset, ctx.gzip, ctx.options.chunk_bytes);
                chunked::frame(ctx, &mut w, Shape::Objects);
                return (Some(Format::Concatenated), w.end());
            }
        }
        if !content.iter().all(u8::is_ascii_whitespace) {
            first = false;
        }
        offset += consumed;
    }
}

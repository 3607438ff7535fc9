//! The incremental path for arrays, `Records`/`Events` containers and concatenated values: a
//! window over the stream, a scanner that finds where each record ends (strings, escapes and a
//! bracket stack), and `serde_json` validating each record's bytes in place. Memory is one chunk
//! plus the largest record; errors are placed like the buffered path's.

use std::borrow::Cow;
use std::io::{self, Read};

use serde::de::IgnoredAny;
use serde_json::value::RawValue;

use super::{
    Ctx, ElemKind, Pending, Shape, decode_error_kind, decode_error_message, locate_in_text,
    utf8_prefix,
};
use crate::ErrorKind;

/// A sliding window over the stream: `buf[at..]` is not consumed yet; `buf[0]` is at `base`.
pub(super) struct Window<R> {
    r: R,
    buf: Vec<u8>,
    at: usize,
    base: u64,
    done: bool,
    gzip: bool,
    /// Bytes read from the stream at a time.
    chunk: usize,
    err: Option<Pending>,
}

/// Why framing stopped early (the error is already recorded, or the sink asked to stop).
struct Stop;

/// How a value scan ended; lengths are from the value's first byte.
enum Scan {
    Done(usize),
    /// The stream ended inside the value.
    Eof,
    TooLarge,
    /// A closing bracket that does not match; the length includes it.
    Mismatch(usize),
}

impl Window<io::Empty> {
    /// A window over content already in memory (`buf[at..]`, `buf[0]` at offset `base`), cut
    /// short by `err` if that is set.
    pub(super) fn prefilled(buf: Vec<u8>, at: usize, base: u64, err: Option<Pending>) -> Self {
        Self {
            r: io::empty(),
            buf,
            at,
            base,
            done: true,
            gzip: false,
            chunk: 1,
            err,
        }
    }
}

impl<R: Read> Window<R> {
    /// A window over `r`, whose first byte is at offset `base`.
    pub(super) fn new(r: R, base: u64, gzip: bool, chunk: usize) -> Self {
        Self {
            r,
            buf: Vec::new(),
            at: 0,
            base,
            done: false,
            gzip,
            chunk: chunk.max(1),
            err: None,
        }
    }

    /// The absolute offset of the next unconsumed byte.
    fn pos(&self) -> u64 {
        self.base + self.at as u64
    }

    /// The absolute offset of the end of the data read so far.
    pub(super) fn end(&self) -> u64 {
        self.base + self.buf.len() as u64
    }

    /// Reads more; `false` when nothing more will come. Keeps `buf[at..]`.
    fn more(&mut self) -> bool {
        if self.done {
            return false;
        }
        if self.at > 0 && self.at >= self.buf.len() / 2 {
            self.buf.drain(..self.at);
            self.base += self.at as u64;
            self.at = 0;
        }
        let old = self.buf.len();
        self.buf.resize(old + self.chunk, 0);
        loop {
            let Some(dst) = self.buf.get_mut(old..) else {
                return false;
            };
            match self.r.read(dst) {
                Ok(0) => {
                    self.buf.truncate(old);
                    self.done = true;
                    return false;
                }
                Ok(n) => {
                    self.buf.truncate(old + n);
                    return true;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.buf.truncate(old);
                    self.done = true;
                    self.err = Some(Pending {
                        kind: decode_error_kind(self.gzip),
                        offset: self.base + old as u64,
                        message: decode_error_message(self.gzip, &e),
                    });
                    return false;
                }
            }
        }
    }

    /// Skips whitespace and returns the next byte without consuming it.
    fn peek(&mut self) -> Option<u8> {
        loop {
            while let Some(&b) = self.buf.get(self.at) {
                if b.is_ascii_whitespace() {
                    self.at += 1;
                } else {
                    return Some(b);
                }
            }
            if !self.more() {
                return None;
            }
        }
    }

    /// Finds the end of the value starting at `at` (whose first byte is there).
    fn scan(&mut self, max: usize) -> Scan {
        let first = self.buf.get(self.at).copied();
        if !matches!(first, Some(b'{' | b'[' | b'"')) {
            // A scalar ends at a delimiter or at the end.
            let mut k = 0;
            loop {
                match self.buf.get(self.at + k) {
                    Some(b) if !b.is_ascii_whitespace() && !b",]}[{\":".contains(b) => k += 1,
                    Some(_) => return Scan::Done(k.max(1)),
                    None => {
                        if !self.more() {
                            return Scan::Done(k);
                        }
                    }
                }
                if k > max {
                    return Scan::TooLarge;
                }
            }
        }
        let mut stack: Vec<u8> = Vec::new();
        let mut in_str = false;
        let mut esc = false;
        let mut k = 0usize;
        loop {
            if k > max {
                return Scan::TooLarge;
            }
            let Some(&b) = self.buf.get(self.at + k) else {
                if !self.more() {
                    return Scan::Eof;
                }
                continue;
            };
            if in_str {
                if esc {
                    esc = false;
                } else if b == b'\\' {
                    esc = true;
                } else if b == b'"' {
                    in_str = false;
                    if stack.is_empty() {
                        return Scan::Done(k + 1);
                    }
                } else {
                    // Jump to the next quote or backslash.
                    let rest = self.buf.get(self.at + k..).unwrap_or_default();
                    let skip = rest
                        .iter()
                        .position(|c| *c == b'"' || *c == b'\\')
                        .unwrap_or(rest.len());
                    k += skip.max(1);
                    continue;
                }
            } else {
                match b {
                    b'"' => in_str = true,
                    b'{' | b'[' => stack.push(b),
                    b'}' | b']' => {
                        let open = if b == b'}' { b'{' } else { b'[' };
                        if stack.pop() != Some(open) {
                            return Scan::Mismatch(k + 1);
                        }
                        if stack.is_empty() {
                            return Scan::Done(k + 1);
                        }
                    }
                    _ => {}
                }
            }
            k += 1;
        }
    }

    fn bytes(&self, len: usize) -> &[u8] {
        self.buf.get(self.at..self.at + len).unwrap_or_default()
    }
}

/// Records the error for the stream ending early (a decompression error, or truncated JSON).
fn ended<R: Read>(ctx: &mut Ctx<'_>, w: &mut Window<R>) -> Stop {
    let record = Some(ctx.index);
    let end = w.end();
    let e = match w.err.take() {
        Some(p) => ctx.error_at(p.kind, record, Some(end), p.message),
        None => ctx.error_at(
            ErrorKind::Json,
            record,
            Some(end),
            "truncated json: unexpected end of input".to_owned(),
        ),
    };
    ctx.errors.push(e);
    Stop
}

/// Records a syntax error at the next byte (or a UTF-8 error, when that byte starts no character).
fn unexpected<R: Read>(ctx: &mut Ctx<'_>, w: &Window<R>, what: &str) -> Stop {
    let at = w.pos();
    let head = w
        .buf
        .get(w.at..(w.at + 4).min(w.buf.len()))
        .unwrap_or_default();
    let bad_utf8 = matches!(std::str::from_utf8(head), Err(e) if e.valid_up_to() == 0 && e.error_len().is_some());
    let (kind, message) = if bad_utf8 {
        (ErrorKind::Utf8, "invalid utf-8".to_owned())
    } else {
        (ErrorKind::Json, format!("invalid json: expected {what}"))
    };
    let e = ctx.error_at(kind, Some(ctx.index), Some(at), message);
    ctx.errors.push(e);
    Stop
}

/// Records the `serde_json` error for `text` (starting at `start`), or a truncation.
fn json_error(ctx: &mut Ctx<'_>, text: &str, start: u64, e: &serde_json::Error) -> Stop {
    let (offset, message) = if e.is_eof() {
        (
            start + text.len() as u64,
            "truncated json: unexpected end of input".to_owned(),
        )
    } else {
        (
            locate_in_text(text, start, e).unwrap_or(start),
            format!("invalid json: {e}"),
        )
    };
    let err = ctx.error_at(ErrorKind::Json, Some(ctx.index), Some(offset), message);
    ctx.errors.push(err);
    Stop
}

/// Scans the value at the window's position; returns its length, or records why it cannot.
fn value<R: Read>(ctx: &mut Ctx<'_>, w: &mut Window<R>) -> Result<usize, Stop> {
    let start = w.pos();
    match w.scan(ctx.options.max_record_bytes) {
        Scan::Done(len) => Ok(len),
        Scan::Eof => Err(ended(ctx, w)),
        Scan::TooLarge => {
            let e = ctx.error_at(
                ErrorKind::TooLarge,
                Some(ctx.index),
                Some(start),
                format!(
                    "record is over the limit of {} bytes",
                    ctx.options.max_record_bytes
                ),
            );
            ctx.errors.push(e);
            Err(Stop)
        }
        Scan::Mismatch(len) => {
            let (text, _) = utf8_prefix(w.bytes(len), start);
            match serde_json::from_str::<IgnoredAny>(text) {
                Err(e) => Err(json_error(ctx, text, start, &e)),
                Ok(_) => Err(unexpected(ctx, w, "a value")),
            }
        }
    }
}

/// Frames one record candidate at the window's position.
fn element<R: Read>(ctx: &mut Ctx<'_>, w: &mut Window<R>, kind: ElemKind) -> Result<(), Stop> {
    match w.peek() {
        None => return Err(ended(ctx, w)),
        Some(b']' | b'}' | b',' | b':') => return Err(unexpected(ctx, w, "a value")),
        Some(_) => {}
    }
    let start = w.pos();
    let len = value(ctx, w)?;
    let (text, bad) = utf8_prefix(w.bytes(len), start);
    let parsed = serde_json::from_str::<&RawValue>(text);
    let result = match (parsed, bad) {
        (Err(e), Some(p)) if e.is_eof() => {
            let err = ctx.error_at(p.kind, Some(ctx.index), Some(p.offset), p.message);
            ctx.errors.push(err);
            Err(Stop)
        }
        (Err(e), _) => Err(json_error(ctx, text, start, &e)),
        (Ok(_), Some(p)) => {
            let err = ctx.error_at(p.kind, Some(ctx.index), Some(p.offset), p.message);
            ctx.errors.push(err);
            Err(Stop)
        }
        (Ok(raw), None) => {
            ctx.slice_origin = Some((text.as_ptr() as usize, start));
            let r = ctx.element(raw, kind);
            ctx.slice_origin = None;
            match r {
                Ok(()) => Ok(()),
                Err(()) => {
                    if let Some(f) = ctx.fatal.take() {
                        ctx.errors.push(f);
                    }
                    Err(Stop)
                }
            }
        }
    };
    w.at += len;
    result
}

/// Frames the elements of an array whose `[` is at the window's position.
fn elements<R: Read>(ctx: &mut Ctx<'_>, w: &mut Window<R>, kind: ElemKind) -> Result<(), Stop> {
    match w.peek() {
        Some(b'[') => {}
        Some(_) => return Err(unexpected(ctx, w, "an array")),
        None => return Err(ended(ctx, w)),
    }
    w.at += 1;
    if w.peek() == Some(b']') {
        w.at += 1;
        return Ok(());
    }
    loop {
        element(ctx, w, kind)?;
        match w.peek() {
            Some(b',') => w.at += 1,
            Some(b']') => {
                w.at += 1;
                return Ok(());
            }
            Some(_) => return Err(unexpected(ctx, w, "`,` or `]`")),
            None => return Err(ended(ctx, w)),
        }
    }
}

/// Skips (and validates) a value that is not records.
fn skip_value<R: Read>(ctx: &mut Ctx<'_>, w: &mut Window<R>) -> Result<(), Stop> {
    let start = w.pos();
    let len = value(ctx, w)?;
    let (text, bad) = utf8_prefix(w.bytes(len), start);
    let result = match (serde_json::from_str::<IgnoredAny>(text), bad) {
        (Err(e), None) => Err(json_error(ctx, text, start, &e)),
        (Err(e), Some(_)) if !e.is_eof() => Err(json_error(ctx, text, start, &e)),
        (_, Some(p)) => {
            let err = ctx.error_at(p.kind, Some(ctx.index), Some(p.offset), p.message);
            ctx.errors.push(err);
            Err(Stop)
        }
        (Ok(_), None) => Ok(()),
    };
    w.at += len;
    result
}

/// Frames one `{"Records":[…]}` / `{"Events":[…]}` object whose `{` is at the window's position.
fn container<R: Read>(ctx: &mut Ctx<'_>, w: &mut Window<R>) -> Result<(), Stop> {
    w.at += 1;
    let first_index = ctx.index;
    let mut found = false;
    if w.peek() == Some(b'}') {
        w.at += 1;
    } else {
        loop {
            match w.peek() {
                Some(b'"') => {}
                Some(_) => return Err(unexpected(ctx, w, "a key")),
                None => return Err(ended(ctx, w)),
            }
            let start = w.pos();
            let len = value(ctx, w)?;
            let (text, _) = utf8_prefix(w.bytes(len), start);
            let key: Cow<'_, str> = match serde_json::from_str(text) {
                Ok(k) => k,
                Err(e) => return Err(json_error(ctx, text, start, &e)),
            };
            let kind = match key.as_ref() {
                "Records" => Some(ElemKind::Record),
                "Events" => Some(ElemKind::LookupEvent),
                _ => None,
            };
            w.at += len;
            match w.peek() {
                Some(b':') => w.at += 1,
                Some(_) => return Err(unexpected(ctx, w, "`:`")),
                None => return Err(ended(ctx, w)),
            }
            match kind {
                Some(kind) => {
                    found = true;
                    elements(ctx, w, kind)?;
                }
                None => {
                    if w.peek().is_none() {
                        return Err(ended(ctx, w));
                    }
                    skip_value(ctx, w)?;
                }
            }
            match w.peek() {
                Some(b',') => w.at += 1,
                Some(b'}') => {
                    w.at += 1;
                    break;
                }
                Some(_) => return Err(unexpected(ctx, w, "`,` or `}`")),
                None => return Err(ended(ctx, w)),
            }
        }
    }
    if !found {
        let e = ctx.error_at(
            ErrorKind::Format,
            Some(first_index),
            None,
            "object has neither `Records` nor `Events`".to_owned(),
        );
        ctx.errors.push(e);
    }
    Ok(())
}

/// After the last value: only whitespace may follow; a decompression error is still reported.
fn finish<R: Read>(ctx: &mut Ctx<'_>, w: &mut Window<R>) {
    match w.peek() {
        None => {
            if w.err.is_some() {
                ended(ctx, w);
            }
        }
        Some(_) => {
            unexpected(ctx, w, "the end of the input (trailing characters)");
        }
    }
}

/// Frames `shape` from the window.
pub(super) fn frame<R: Read>(ctx: &mut Ctx<'_>, w: &mut Window<R>, shape: Shape) {
    let _ = match shape {
        Shape::Array => elements(ctx, w, ElemKind::Auto).map(|()| finish(ctx, w)),
        Shape::Container(_) => loop {
            match w.peek() {
                None => {
                    finish(ctx, w);
                    break Ok(());
                }
                Some(b'{') => {
                    if let Err(s) = container(ctx, w) {
                        break Err(s);
                    }
                }
                Some(_) => break Err(unexpected(ctx, w, "`{`")),
            }
        },
        Shape::Objects => loop {
            if w.peek().is_none() {
                finish(ctx, w);
                break Ok(());
            }
            if let Err(s) = element(ctx, w, ElemKind::Auto) {
                break Err(s);
            }
        },
    };
}

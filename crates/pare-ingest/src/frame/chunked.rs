//! Framing arrays, `Records`/`Events` containers and concatenated values from a window over the
//! content: the skeleton (brackets, keys, commas) is read here; each value is parsed in place by
//! `serde_json` (one pass: validation and framing), reading more when a value runs past the end of
//! the window. Content already in memory is a window that cannot grow, so both paths are one code
//! path. Memory is one chunk plus the largest record; the first problem in a file is reported at its
//! exact byte.

use std::io::{self, Read};

use serde::de::IgnoredAny;
use serde_json::value::RawValue;

use super::{Ctx, ElemKind, Pending, Shape, decode_error_kind, decode_error_message};
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

/// Whether a value starting with `b` is a number (which is only known to end at a delimiter).
fn starts_number(b: u8) -> bool {
    b == b'-' || b.is_ascii_digit()
}

/// Where a `serde_json` error in `bytes` (which start at `start`) is, as an offset.
fn locate(bytes: &[u8], start: u64, e: &serde_json::Error) -> u64 {
    let (line, col) = (e.line(), e.column());
    let line_start = if line <= 1 {
        0
    } else {
        bytes
            .iter()
            .enumerate()
            .filter(|(_, b)| **b == b'\n')
            .nth(line - 2)
            .map_or(bytes.len(), |(i, _)| i + 1)
    };
    start + (line_start + col.saturating_sub(1)).min(bytes.len()) as u64
}

/// Whether an error may only be the window ending mid-value (a number cut after `2.` is "invalid
/// number", not "end of input"), so reading more may resolve it.
fn near_end(bytes: &[u8], start: u64, e: &serde_json::Error) -> bool {
    e.is_eof() || locate(bytes, start, e) + 8 >= start + bytes.len() as u64
}

/// What went wrong parsing a value.
enum Failure {
    /// The content ended inside it.
    Ended,
    TooLarge,
    /// A syntax error, or bad UTF-8, at an offset.
    At(ErrorKind, u64, String),
}

/// Classifies a `serde_json` error on `bytes` (which start at `start`): the first bad UTF-8 byte
/// before the error wins; anything past the record size limit is "too large".
fn failure(bytes: &[u8], start: u64, e: &serde_json::Error, max: usize) -> Failure {
    if e.is_eof() {
        return if bytes.len() > max {
            Failure::TooLarge
        } else {
            Failure::Ended
        };
    }
    let at = locate(bytes, start, e);
    let upto = usize::try_from(at - start)
        .unwrap_or(usize::MAX)
        .saturating_add(1);
    if let Err(u) = std::str::from_utf8(bytes.get(..upto.min(bytes.len())).unwrap_or_default())
        && u.error_len().is_some()
    {
        return Failure::At(
            ErrorKind::Utf8,
            start + u.valid_up_to() as u64,
            "invalid utf-8".to_owned(),
        );
    }
    if (at - start) as usize > max {
        return Failure::TooLarge;
    }
    Failure::At(ErrorKind::Json, at, format!("invalid json: {e}"))
}

/// Records a failure of the value starting at `start`.
fn fail<R: Read>(ctx: &mut Ctx<'_>, w: &mut Window<R>, start: u64, f: Failure) -> Stop {
    let (kind, offset, message) = match f {
        Failure::Ended => return ended(ctx, w),
        Failure::TooLarge => (
            ErrorKind::TooLarge,
            start,
            format!(
                "record is over the limit of {} bytes",
                ctx.options.max_record_bytes
            ),
        ),
        Failure::At(kind, offset, message) => (kind, offset, message),
    };
    let e = ctx.error_at(kind, Some(ctx.index), Some(offset), message);
    ctx.errors.push(e);
    Stop
}

/// Makes sure a number at the window's position is followed by a delimiter (or the end).
fn whole_number<R: Read>(w: &mut Window<R>) {
    while w.buf.get(w.at).copied().is_some_and(starts_number) {
        let rest = w.buf.get(w.at..).unwrap_or_default();
        let ended = rest
            .iter()
            .any(|b| !(b.is_ascii_digit() || b"+-.eE".contains(b)));
        if ended || !w.more() {
            return;
        }
    }
}

/// Parses the value at the window's position as a `T` (owned), reading more as needed.
fn parse_owned<R: Read, T: serde::de::DeserializeOwned>(
    ctx: &mut Ctx<'_>,
    w: &mut Window<R>,
) -> Result<T, Stop> {
    let max = ctx.options.max_record_bytes;
    whole_number(w);
    loop {
        let start = w.pos();
        let avail = w.buf.get(w.at..).unwrap_or_default();
        let mut it = serde_json::Deserializer::from_slice(avail).into_iter::<T>();
        let outcome = match it.next() {
            Some(Ok(v)) => Ok((v, it.byte_offset())),
            Some(Err(e)) if !w.done && avail.len() <= max && near_end(avail, start, &e) => {
                Err(None)
            }
            Some(Err(e)) => Err(Some(failure(avail, start, &e, max))),
            None => Err(Some(Failure::Ended)),
        };
        match outcome {
            Ok((v, len)) => {
                w.at += len;
                return Ok(v);
            }
            Err(None) => {
                w.more();
            }
            Err(Some(f)) => return Err(fail(ctx, w, start, f)),
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
    let max = ctx.options.max_record_bytes;
    whole_number(w);
    loop {
        let start = w.pos();
        let avail = w.buf.get(w.at..).unwrap_or_default();
        let mut it = serde_json::Deserializer::from_slice(avail).into_iter::<&RawValue>();
        let outcome = match it.next() {
            Some(Ok(raw)) => {
                let len = it.byte_offset();
                ctx.slice_origin = Some((avail.as_ptr() as usize, start));
                let r = ctx.element(raw, kind);
                ctx.slice_origin = None;
                Ok((len, r))
            }
            Some(Err(e)) if !w.done && avail.len() <= max && near_end(avail, start, &e) => {
                Err(None)
            }
            Some(Err(e)) => Err(Some(failure(avail, start, &e, max))),
            None => Err(Some(Failure::Ended)),
        };
        match outcome {
            Ok((len, r)) => {
                w.at += len;
                return match r {
                    Ok(()) => Ok(()),
                    Err(()) => {
                        if let Some(f) = ctx.fatal.take() {
                            ctx.errors.push(f);
                        }
                        Err(Stop)
                    }
                };
            }
            Err(None) => {
                w.more();
            }
            Err(Some(f)) => return Err(fail(ctx, w, start, f)),
        }
    }
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
            let key: String = parse_owned(ctx, w)?;
            let kind = match key.as_str() {
                "Records" => Some(ElemKind::Record),
                "Events" => Some(ElemKind::LookupEvent),
                _ => None,
            };
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
                    parse_owned::<_, IgnoredAny>(ctx, w)?;
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

//! The compact event log: each imported file's new events as one LZ4-compressed block.
//!
//! A block is a string dictionary (every principal, source, name, action, resource, region, IP, user
//! agent and error code its events name, once) followed by one entry per event: dictionary indices as
//! varints, the few unique texts (`eventID`, `eventTime`, `errorMessage`) inline. The 16-byte
//! deduplication keys are kept beside the block, uncompressed, so an import loads them quickly.
//!
//! [`PreparedFile::new`] encodes a file and sums its aggregates without touching the database, so
//! it runs on the parsing threads; the writer only interns the distinct values and writes one row.

use rustc_hash::FxHashMap as HashMap;

use crate::{ActionInput, EventInput, FileInput, PrincipalInput, StoredOutcome};

/// The block encoding's version (the first byte of the uncompressed data).
const VERSION: u8 = 1;

/// Why a stored block could not be decoded (a damaged database or a bug).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("event block {block}: {message}")]
pub struct BlockError {
    /// The block's row id.
    pub block: i64,
    /// What is wrong (lowercase).
    pub message: String,
}

/// Strings of one block, each once, numbered from 1 (0 stands for "none").
#[derive(Default)]
struct Dict<'a> {
    ids: HashMap<&'a str, u32>,
    list: Vec<&'a str>,
}

impl<'a> Dict<'a> {
    fn id(&mut self, s: &'a str) -> u32 {
        if let Some(id) = self.ids.get(s) {
            return *id;
        }
        self.list.push(s);
        let id = u32::try_from(self.list.len()).unwrap_or(u32::MAX);
        self.ids.insert(s, id);
        id
    }

    fn opt(&mut self, s: Option<&'a str>) -> u32 {
        s.map_or(0, |s| self.id(s))
    }
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn put_text(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        None => put_varint(out, 0),
        Some(s) => {
            put_varint(out, s.len() as u64 + 1);
            out.extend_from_slice(s.as_bytes());
        }
    }
}

/// The activity codes of [`EventInput::activity`].
const ACTIVITIES: [&str; 5] = [
    "actions",
    "no_permission_needed",
    "console",
    "unmapped",
    "not_a_call",
];

fn activity_code(a: &str) -> u8 {
    ACTIVITIES
        .iter()
        .position(|x| *x == a)
        .map_or(3, |i| i as u8)
}

fn outcome_code(o: StoredOutcome) -> u8 {
    match o {
        StoredOutcome::Success => 0,
        StoredOutcome::Denied => 1,
        StoredOutcome::Failed => 2,
        StoredOutcome::FailedBeforeAuthorization => 3,
    }
}

fn outcome_of(code: u8) -> StoredOutcome {
    match code {
        1 => StoredOutcome::Denied,
        2 => StoredOutcome::Failed,
        3 => StoredOutcome::FailedBeforeAuthorization,
        _ => StoredOutcome::Success,
    }
}

/// One usage aggregate of a file, by dictionary indices (times borrowed from the file's events).
#[derive(Debug, Default, Clone)]
pub(crate) struct LocalUsage<'a> {
    pub count: u64,
    pub first: Option<&'a str>,
    pub last: Option<&'a str>,
    pub regions: Vec<u32>,
    pub ips: Vec<u32>,
}

/// A (eventSource, eventName) pair's events in a file.
#[derive(Debug, Clone)]
pub(crate) struct LocalPair {
    pub activity: &'static str,
    pub count: u64,
    pub any_actions: bool,
    pub actions: Vec<u32>,
}

/// A file's events encoded and summed, ready for [`crate::Store::insert_prepared`].
#[derive(Debug)]
pub struct PreparedFile {
    /// The file.
    pub file: FileInput,
    /// The events (kept to prepare again without the duplicates, when some turn out to be stored).
    pub(crate) events: Vec<EventInput>,
    /// The block's dictionary, index `i` is id `i + 1`.
    pub(crate) strings: Vec<String>,
    /// The compressed dictionary.
    pub(crate) dict: Vec<u8>,
    /// The compressed events.
    pub(crate) data: Vec<u8>,
    /// The compressed usage aggregates.
    pub(crate) usage: Vec<u8>,
    /// The keys, 16 bytes each.
    pub(crate) keys: Vec<u8>,
    pub(crate) min_time: Option<String>,
    pub(crate) max_time: Option<String>,
    pub(crate) denied: u64,
    /// Principal id → (kind id, details id) of its first event.
    pub(crate) principals: Vec<(u32, u32, u32)>,
    /// (source id, name id) → pair.
    pub(crate) pairs: Vec<((u32, u32), LocalPair)>,
}

impl PreparedFile {
    /// Encodes `events` (all of them; the writer drops those already stored) and sums the
    /// aggregates. Pure: no database access, so it can run on any thread.
    #[must_use]
    pub fn new(file: FileInput, events: Vec<EventInput>) -> Self {
        let mut dict = Dict::default();
        let mut raw = Vec::with_capacity(64 + events.len() * 96);
        let mut keys = Vec::with_capacity(events.len() * 16);
        let mut min_time: Option<&str> = None;
        let mut max_time: Option<&str> = None;
        let mut denied = 0u64;
        let mut principals: HashMap<u32, (u32, u32)> = HashMap::default();
        let mut pairs: HashMap<(u32, u32), LocalPair> = HashMap::default();
        let mut usage: HashMap<(u32, u32, u32), LocalUsage<'_>> = HashMap::default();
        raw.push(VERSION);
        put_varint(&mut raw, events.len() as u64);
        for e in &events {
            keys.extend_from_slice(&e.key);
            raw.extend_from_slice(&e.key);
            put_varint(&mut raw, e.record_index);
            put_text(&mut raw, e.event_id.as_deref());
            put_text(&mut raw, e.time.as_deref());
            if let Some(t) = e.time.as_deref() {
                if min_time.is_none_or(|m| t < m) {
                    min_time = Some(t);
                }
                if max_time.is_none_or(|m| t > m) {
                    max_time = Some(t);
                }
            }
            let principal = dict.id(&e.principal.key);
            let kind = dict.id(&e.principal.kind);
            let details = dict.id(&e.principal.details);
            principals.entry(principal).or_insert((kind, details));
            let source = dict.id(&e.event_source);
            let name = dict.id(&e.event_name);
            let region = dict.opt(e.region.as_deref());
            let ip = dict.opt(e.source_ip.as_deref());
            let agent = dict.opt(e.user_agent.as_deref());
            let error_code = dict.opt(e.error_code.as_deref());
            for v in [
                principal, kind, details, source, name, region, ip, agent, error_code,
            ] {
                put_varint(&mut raw, u64::from(v));
            }
            let read_only = match e.read_only {
                None => 0u8,
                Some(false) => 1,
                Some(true) => 2,
            };
            let flags = activity_code(e.activity)
                | (read_only << 3)
                | (outcome_code(e.outcome) << 5)
                | (u8::from(e.is_usage) << 7);
            raw.push(flags);
            put_text(&mut raw, e.error_message.as_deref());
            if e.outcome == StoredOutcome::Denied {
                denied += 1;
            }
            put_varint(&mut raw, e.actions.len() as u64);
            let pair = pairs.entry((source, name)).or_insert_with(|| LocalPair {
                activity: ACTIVITIES
                    .get(usize::from(activity_code(e.activity)))
                    .copied()
                    .unwrap_or("unmapped"),
                count: 0,
                any_actions: false,
                actions: Vec::new(),
            });
            pair.count += 1;
            pair.any_actions |= e.activity == "actions";
            for a in &e.actions {
                let action = dict.id(&a.action);
                if !pair.actions.contains(&action) {
                    pair.actions.push(action);
                }
                put_varint(&mut raw, u64::from(action));
                put_varint(&mut raw, a.resources.len() as u64);
                for r in &a.resources {
                    let resource = dict.id(r);
                    put_varint(&mut raw, u64::from(resource));
                    if !e.is_usage {
                        continue;
                    }
                    let u = usage.entry((principal, action, resource)).or_default();
                    u.count += 1;
                    if let Some(t) = e.time.as_deref() {
                        if u.first.is_none_or(|f| t < f) {
                            u.first = Some(t);
                        }
                        if u.last.is_none_or(|l| t > l) {
                            u.last = Some(t);
                        }
                    }
                    if region != 0 && !u.regions.contains(&region) {
                        u.regions.push(region);
                    }
                    if ip != 0 && !u.ips.contains(&ip) {
                        u.ips.push(ip);
                    }
                }
            }
        }
        let mut head = Vec::with_capacity(dict.list.len() * 32 + 8);
        head.push(VERSION);
        put_varint(&mut head, dict.list.len() as u64);
        for s in &dict.list {
            put_varint(&mut head, s.len() as u64);
            head.extend_from_slice(s.as_bytes());
        }
        let dict_blob = lz4_flex::compress_prepend_size(&head);
        let data = lz4_flex::compress_prepend_size(&raw);
        let mut usage: Vec<((u32, u32, u32), LocalUsage<'_>)> = usage.into_iter().collect();
        usage.sort_unstable_by_key(|(k, _)| *k);
        let mut u = Vec::with_capacity(usage.len() * 16);
        put_varint(&mut u, usage.len() as u64);
        for ((principal, action, resource), agg) in &usage {
            for v in [*principal, *action, *resource] {
                put_varint(&mut u, u64::from(v));
            }
            put_varint(&mut u, agg.count);
            put_text(&mut u, agg.first);
            put_text(&mut u, agg.last);
            for list in [&agg.regions, &agg.ips] {
                put_varint(&mut u, list.len() as u64);
                for v in list {
                    put_varint(&mut u, u64::from(*v));
                }
            }
        }
        let usage_blob = lz4_flex::compress_prepend_size(&u);
        let strings = dict.list.iter().map(|s| (*s).to_owned()).collect();
        let min_time = min_time.map(str::to_owned);
        let max_time = max_time.map(str::to_owned);
        Self {
            file,
            strings,
            data,
            keys,
            min_time,
            max_time,
            denied,
            principals: principals
                .into_iter()
                .map(|(p, (k, d))| (p, k, d))
                .collect(),
            pairs: pairs.into_iter().collect(),
            dict: dict_blob,
            usage: usage_blob,
            events,
        }
    }

    /// The number of events.
    #[must_use]
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// Whether there are no events.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// The dictionary string with this id (1-based).
    pub(crate) fn string(&self, id: u32) -> &str {
        id.checked_sub(1)
            .and_then(|i| self.strings.get(i as usize))
            .map_or("", String::as_str)
    }

    /// The keys, as 16-byte arrays.
    pub(crate) fn key_list(&self) -> impl Iterator<Item = [u8; 16]> + '_ {
        self.keys.chunks_exact(16).map(|c| {
            let mut k = [0u8; 16];
            k.copy_from_slice(c);
            k
        })
    }
}

/// A reader over an uncompressed block.
struct Cursor<'a> {
    buf: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn byte(&mut self) -> Option<u8> {
        let b = *self.buf.get(self.at)?;
        self.at += 1;
        Some(b)
    }

    fn varint(&mut self) -> Option<u64> {
        let mut v = 0u64;
        let mut shift = 0u32;
        loop {
            let b = self.byte()?;
            v |= u64::from(b & 0x7f).checked_shl(shift)?;
            if b & 0x80 == 0 {
                return Some(v);
            }
            shift += 7;
            if shift > 63 {
                return None;
            }
        }
    }

    fn bytes(&mut self, n: usize) -> Option<&'a [u8]> {
        let out = self.buf.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(out)
    }

    fn text(&mut self) -> Option<Option<&'a str>> {
        match self.varint()? {
            0 => Some(None),
            n => {
                let b = self.bytes(usize::try_from(n - 1).ok()?)?;
                Some(Some(std::str::from_utf8(b).ok()?))
            }
        }
    }
}

/// A block's decoded dictionary.
pub(crate) struct Dictionary {
    raw: Vec<u8>,
    strings: Vec<(usize, usize)>,
}

fn bad(id: i64, message: &str) -> BlockError {
    BlockError {
        block: id,
        message: message.to_owned(),
    }
}

fn decompress(data: &[u8], id: i64) -> Result<Vec<u8>, BlockError> {
    lz4_flex::decompress_size_prepended(data)
        .map_err(|e| bad(id, &format!("cannot decompress: {e}")))
}

impl Dictionary {
    pub(crate) fn decode(data: &[u8], id: i64) -> Result<Self, BlockError> {
        let raw = decompress(data, id)?;
        let mut c = Cursor { buf: &raw, at: 0 };
        if c.byte() != Some(VERSION) {
            return Err(bad(id, "unknown dictionary version"));
        }
        let n = c.varint().ok_or_else(|| bad(id, "truncated dictionary"))?;
        let mut strings = Vec::with_capacity(usize::try_from(n).unwrap_or(0).min(1 << 20));
        for _ in 0..n {
            let len = c
                .varint()
                .and_then(|l| usize::try_from(l).ok())
                .ok_or_else(|| bad(id, "truncated dictionary"))?;
            let start = c.at;
            let s = c
                .bytes(len)
                .ok_or_else(|| bad(id, "truncated dictionary"))?;
            std::str::from_utf8(s).map_err(|_| bad(id, "dictionary entry is not utf-8"))?;
            strings.push((start, len));
        }
        Ok(Self { raw, strings })
    }

    /// The string with this id (1-based; 0 is none).
    pub(crate) fn get(&self, id: u64) -> Option<&str> {
        if id == 0 {
            return None;
        }
        let (start, len) = *self.strings.get(usize::try_from(id - 1).ok()?)?;
        std::str::from_utf8(self.raw.get(start..start + len)?).ok()
    }

    /// The id of `s`, if the dictionary holds it.
    pub(crate) fn find(&self, s: &str) -> Option<u64> {
        (1..=self.strings.len() as u64).find(|i| self.get(*i) == Some(s))
    }
}

/// One usage aggregate of a block, with its strings.
#[derive(Debug)]
pub(crate) struct BlockUsage<'a> {
    pub principal: &'a str,
    pub action: &'a str,
    pub resource: &'a str,
    pub count: u64,
    pub first: Option<&'a str>,
    pub last: Option<&'a str>,
    pub regions: Vec<&'a str>,
    pub ips: Vec<&'a str>,
}

/// Calls `each` for every usage aggregate of a block (of one principal, when `principal` is set).
pub(crate) fn for_each_usage(
    dict: &Dictionary,
    usage: &[u8],
    id: i64,
    principal: Option<u64>,
    mut each: impl FnMut(BlockUsage<'_>),
) -> Result<(), BlockError> {
    let raw = decompress(usage, id)?;
    let mut c = Cursor { buf: &raw, at: 0 };
    let damaged = || bad(id, "truncated or damaged usage");
    let n = c.varint().ok_or_else(damaged)?;
    for _ in 0..n {
        let (p, a, r) = (
            c.varint().ok_or_else(damaged)?,
            c.varint().ok_or_else(damaged)?,
            c.varint().ok_or_else(damaged)?,
        );
        let count = c.varint().ok_or_else(damaged)?;
        let first = c.text().ok_or_else(damaged)?;
        let last = c.text().ok_or_else(damaged)?;
        let mut lists: [Vec<&str>; 2] = [Vec::new(), Vec::new()];
        for list in &mut lists {
            let k = c.varint().ok_or_else(damaged)?;
            for _ in 0..k {
                list.push(
                    dict.get(c.varint().ok_or_else(damaged)?)
                        .ok_or_else(damaged)?,
                );
            }
        }
        if principal.is_some_and(|want| want != p) {
            continue;
        }
        let [regions, ips] = lists;
        each(BlockUsage {
            principal: dict.get(p).ok_or_else(damaged)?,
            action: dict.get(a).ok_or_else(damaged)?,
            resource: dict.get(r).ok_or_else(damaged)?,
            count,
            first,
            last,
            regions,
            ips,
        });
    }
    Ok(())
}

/// A decoded block: its dictionary and its events.
pub(crate) struct Block {
    dict: Dictionary,
    raw: Vec<u8>,
    events_at: usize,
    count: u64,
}

impl Block {
    pub(crate) fn decode(dict: Dictionary, data: &[u8], id: i64) -> Result<Self, BlockError> {
        let raw = decompress(data, id)?;
        let mut c = Cursor { buf: &raw, at: 0 };
        if c.byte() != Some(VERSION) {
            return Err(bad(id, "unknown block version"));
        }
        let count = c.varint().ok_or_else(|| bad(id, "truncated block"))?;
        let events_at = c.at;
        Ok(Self {
            dict,
            raw,
            events_at,
            count,
        })
    }

    fn string(&self, id: u64) -> Option<&str> {
        self.dict.get(id)
    }

    /// Calls `each` for every event, in file order.
    pub(crate) fn for_each(
        &self,
        id: i64,
        mut each: impl FnMut(EventInput) -> std::ops::ControlFlow<()>,
    ) -> Result<std::ops::ControlFlow<()>, BlockError> {
        let bad = || BlockError {
            block: id,
            message: "truncated or damaged event".to_owned(),
        };
        let mut c = Cursor {
            buf: &self.raw,
            at: self.events_at,
        };
        for _ in 0..self.count {
            let event = self.event(&mut c).ok_or_else(bad)?;
            if each(event).is_break() {
                return Ok(std::ops::ControlFlow::Break(()));
            }
        }
        Ok(std::ops::ControlFlow::Continue(()))
    }

    fn event(&self, c: &mut Cursor<'_>) -> Option<EventInput> {
        let mut key = [0u8; 16];
        key.copy_from_slice(c.bytes(16)?);
        let record_index = c.varint()?;
        let event_id = c.text()?.map(str::to_owned);
        let time = c.text()?.map(str::to_owned);
        let mut ids = [0u64; 9];
        for id in &mut ids {
            *id = c.varint()?;
        }
        let [
            principal,
            kind,
            details,
            source,
            name,
            region,
            ip,
            agent,
            error_code,
        ] = ids;
        let s = |id: u64| self.string(id).map(str::to_owned);
        let flags = c.byte()?;
        let error_message = c.text()?.map(str::to_owned);
        let n_actions = c.varint()?;
        let mut actions = Vec::with_capacity(usize::try_from(n_actions).ok()?.min(64));
        for _ in 0..n_actions {
            let action = s(c.varint()?)?;
            let n = c.varint()?;
            let mut resources = Vec::with_capacity(usize::try_from(n).ok()?.min(64));
            for _ in 0..n {
                resources.push(s(c.varint()?)?);
            }
            actions.push(ActionInput { action, resources });
        }
        Some(EventInput {
            key,
            event_id,
            record_index,
            time,
            principal: PrincipalInput {
                key: s(principal)?,
                kind: s(kind)?,
                details: s(details)?,
            },
            event_source: s(source)?,
            event_name: s(name)?,
            activity: ACTIVITIES
                .get(usize::from(flags & 7))
                .copied()
                .unwrap_or("unmapped"),
            actions,
            is_usage: flags & 0x80 != 0,
            region: s(region),
            source_ip: s(ip),
            user_agent: s(agent),
            read_only: match (flags >> 3) & 3 {
                1 => Some(false),
                2 => Some(true),
                _ => None,
            },
            outcome: outcome_of((flags >> 5) & 3),
            error_code: s(error_code),
            error_message,
        })
    }
}

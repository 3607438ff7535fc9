//! Loading the repository's CloudTrail fixtures as alert events.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    dead_code,
    reason = "test code"
)]

use std::io::Read;
use std::path::PathBuf;

use pare_alerts::AlertEvent;
use pare_usage::{ActionMapper, CloudTrailRecord, to_usage};

pub fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/cloudtrail")
}

pub fn read_text(rel: &str) -> String {
    let path = data_dir().join(rel);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    if rel.ends_with(".gz") {
        let mut s = String::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut s)
            .unwrap();
        s
    } else {
        String::from_utf8(bytes).unwrap()
    }
}

/// The records of a fixture as JSON texts: `{"Records": [...]}`, a JSON array, or JSON Lines whose lines
/// are records or `{"event": record, ...}`.
pub fn records(rel: &str) -> Vec<String> {
    let text = read_text(rel);
    let trimmed = text.trim_start();
    let values: Vec<serde_json::Value> = if trimmed.starts_with('[') {
        serde_json::from_str(&text).unwrap()
    } else if rel.ends_with(".jsonl") {
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                v.get("event").cloned().unwrap_or(v)
            })
            .collect()
    } else {
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        v["Records"].as_array().unwrap().clone()
    };
    values.iter().map(|v| v.to_string()).collect()
}

/// One record's JSON text as an alert event.
pub fn event_of(json: &str) -> AlertEvent {
    let mapper = ActionMapper::bundled().unwrap();
    let record = CloudTrailRecord::from_json(json).unwrap();
    let usage = to_usage(&record, mapper);
    let actions = usage
        .actions
        .iter()
        .map(|a| mapper.catalog().action_name(a.action))
        .collect();
    AlertEvent::from_record(&record, &usage, actions)
}

pub fn events(rel: &str) -> Vec<AlertEvent> {
    records(rel).iter().map(|r| event_of(r)).collect()
}

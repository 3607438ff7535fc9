//! What an import stores from the repository's real CloudTrail fixtures (every event as stored, the
//! usage aggregates, the mapping report and the totals), compared with the dump written by the import
//! code before the single-parse fast path (`tests/golden/cloudtrail-stored.txt.gz`). Any change in how
//! records are parsed, mapped or encoded shows up here as a line-by-line difference.
//! `PARE_UPDATE_GOLDEN=1 cargo test -p pare-engine --test stored_usage_golden` rewrites the file
//! (only when the stored content is meant to change: say why in the commit).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code"
)]

use std::io::{Read, Write};
use std::ops::ControlFlow;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn golden_path() -> PathBuf {
    root().join("tests/golden/cloudtrail-stored.txt.gz")
}

/// The stored content as text: one line per event (sorted), then usage rows, mapping rows and totals.
fn dump() -> String {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("pare.db");
    let data = root().join("tests/data/cloudtrail");
    let summary = pare_engine::import_cloudtrail(&db, &[data], None, None, |_| {}).unwrap();
    assert_eq!(summary.new_events, 679);
    let mut events = Vec::new();
    pare_engine::events(&db, &pare_engine::EventFilter::default(), |e| {
        // The file id depends on the order files finish on the worker threads; the rest does not.
        events.push(format!("{:?}", e.event));
        ControlFlow::Continue(())
    })
    .unwrap();
    events.sort();
    let mut out = String::new();
    for e in &events {
        out.push_str(e);
        out.push('\n');
    }
    for u in pare_engine::usage(&db, None).unwrap() {
        out.push_str(&serde_json::to_string(&u).unwrap());
        out.push('\n');
    }
    let mut mapping: Vec<String> = pare_engine::mapping(&db)
        .unwrap()
        .iter()
        .map(|m| serde_json::to_string(m).unwrap())
        .collect();
    mapping.sort();
    for m in mapping {
        out.push_str(&m);
        out.push('\n');
    }
    out.push_str(&format!("{:?}\n", pare_engine::totals(&db).unwrap()));
    out
}

#[test]
fn the_real_fixtures_are_stored_as_before() {
    let got = dump();
    if std::env::var_os("PARE_UPDATE_GOLDEN").is_some() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(got.as_bytes()).unwrap();
        std::fs::write(golden_path(), gz.finish().unwrap()).unwrap();
        return;
    }
    let mut want = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(golden_path()).unwrap())
        .read_to_string(&mut want)
        .unwrap();
    let (got_lines, want_lines): (Vec<&str>, Vec<&str>) =
        (got.lines().collect(), want.lines().collect());
    for (i, (g, w)) in got_lines.iter().zip(&want_lines).enumerate() {
        assert_eq!(g, w, "line {} differs", i + 1);
    }
    assert_eq!(got_lines.len(), want_lines.len());
}

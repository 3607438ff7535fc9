//! Framing throughput on a synthetic CloudTrail S3 tree (plain `Instant`, no harness): 200k events
//! varied from the real fixtures' shapes, gzipped 500 to an object, read sequentially and in
//! parallel, against the floor of parallel gunzip + `serde_json` validation. Prints numbers, asserts
//! nothing about time. Run with `cargo bench -p pare-ingest` (`PARE_BENCH_EVENTS=N` to resize).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "benchmark code"
)]

use std::hint::black_box;
use std::io::{Read, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use flate2::Compression;
use flate2::write::GzEncoder;
use pare_ingest::{ReadOptions, read_all};
use serde::de::IgnoredAny;
use serde_json::Value;

const PER_FILE: usize = 500;

fn fixtures() -> Vec<Value> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/cloudtrail");
    let mut out = Vec::new();
    for rel in [
        "stratus-red-team/all_detonations.json.gz",
        "panther/rule_test_events.json.gz",
        "aws-docs-examples/docs_examples.json.gz",
    ] {
        let mut text = Vec::new();
        flate2::read::GzDecoder::new(std::fs::File::open(root.join(rel)).unwrap())
            .read_to_end(&mut text)
            .unwrap();
        let v: Value = serde_json::from_slice(&text).unwrap();
        out.extend(v["Records"].as_array().unwrap().iter().cloned());
    }
    out
}

/// Writes the tree; returns (files, decompressed bytes, compressed bytes).
fn generate(dir: &Path, events: usize) -> (Vec<PathBuf>, u64, u64) {
    let templates = fixtures();
    let files = events.div_ceil(PER_FILE);
    let raw = AtomicU64::new(0);
    let packed = AtomicU64::new(0);
    let next = AtomicUsize::new(0);
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let paths: Vec<PathBuf> = (0..files)
        .map(|f| {
            let (day, minute) = (1 + f % 28, f % (24 * 60));
            dir.join(format!(
                "AWSLogs/123456789012/CloudTrail/us-east-1/2024/07/{day:02}/123456789012_CloudTrail_us-east-1_202407{day:02}T{:02}{:02}Z_{f:016x}.json.gz",
                minute / 60,
                minute % 60
            ))
        })
        .collect();
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    let f = next.fetch_add(1, Ordering::Relaxed);
                    if f >= files {
                        return;
                    }
                    let mut records = Vec::with_capacity(PER_FILE);
                    for i in f * PER_FILE..((f + 1) * PER_FILE).min(events) {
                        let mut e = templates[i % templates.len()].clone();
                        let obj = e.as_object_mut().unwrap();
                        obj.insert(
                            "eventID".into(),
                            Value::String(format!("{i:08x}-0000-4000-8000-{:012x}", i * 7919)),
                        );
                        obj.insert(
                            "eventTime".into(),
                            Value::String(format!(
                                "2024-07-{:02}T{:02}:{:02}:{:02}Z",
                                1 + f % 28,
                                (i / 3600) % 24,
                                (i / 60) % 60,
                                i % 60
                            )),
                        );
                        records.push(e);
                    }
                    let text =
                        serde_json::to_vec(&serde_json::json!({ "Records": records })).unwrap();
                    let mut enc = GzEncoder::new(Vec::new(), Compression::default());
                    enc.write_all(&text).unwrap();
                    let gz = enc.finish().unwrap();
                    raw.fetch_add(text.len() as u64, Ordering::Relaxed);
                    packed.fetch_add(gz.len() as u64, Ordering::Relaxed);
                    let p = &paths[f];
                    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
                    std::fs::write(p, gz).unwrap();
                }
            });
        }
    });
    (paths, raw.into_inner(), packed.into_inner())
}

/// Writes the records of `sources` as one gzipped JSON Lines file; returns (events, decompressed
/// bytes, compressed bytes).
fn jsonl(dir: &Path, sources: &[PathBuf]) -> (usize, u64, u64) {
    let mut text = Vec::new();
    let mut n = 0;
    for p in sources {
        let mut raw = Vec::new();
        flate2::read::GzDecoder::new(std::fs::File::open(p).unwrap())
            .read_to_end(&mut raw)
            .unwrap();
        let v: Value = serde_json::from_slice(&raw).unwrap();
        for r in v["Records"].as_array().unwrap() {
            text.extend(serde_json::to_vec(r).unwrap());
            text.push(b'\n');
            n += 1;
        }
    }
    let mut enc = GzEncoder::new(Vec::new(), Compression::default());
    enc.write_all(&text).unwrap();
    let gz = enc.finish().unwrap();
    std::fs::write(dir.join("export.jsonl.gz"), &gz).unwrap();
    (n, text.len() as u64, gz.len() as u64)
}

/// Best of `runs`.
fn best(runs: usize, mut f: impl FnMut() -> u64) -> (Duration, u64) {
    let mut out = (Duration::MAX, 0);
    for _ in 0..runs {
        let start = Instant::now();
        let n = f();
        let t = start.elapsed();
        if t < out.0 {
            out = (t, n);
        }
    }
    out
}

fn report(name: &str, (t, records): (Duration, u64), raw: u64, packed: u64) {
    let s = t.as_secs_f64();
    println!(
        "{name:<44} {:>8.1} ms  {:>9.0} records/s  {:>7.1} MB/s decompressed  {:>6.1} MB/s on disk",
        s * 1e3,
        records as f64 / s,
        raw as f64 / s / 1e6,
        packed as f64 / s / 1e6
    );
}

fn framing(dir: &Path, options: &ReadOptions) -> u64 {
    let mut n = 0u64;
    let mut bytes = 0usize;
    let summary = read_all(
        &[dir.to_path_buf()],
        options,
        |r| {
            n += 1;
            bytes += r.json.get().len();
            ControlFlow::Continue(())
        },
        |_| {},
    );
    assert!(summary.errors.is_empty(), "{:?}", summary.errors.first());
    black_box(bytes);
    n
}

/// The floor: gunzip each file whole and validate it with `serde_json` into `IgnoredAny`.
fn floor(paths: &[PathBuf], threads: usize) -> u64 {
    let next = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                let mut buf = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(p) = paths.get(i) else { return };
                    buf.clear();
                    let file = std::io::BufReader::new(std::fs::File::open(p).unwrap());
                    flate2::bufread::MultiGzDecoder::new(file)
                        .read_to_end(&mut buf)
                        .unwrap();
                    black_box(serde_json::from_slice::<IgnoredAny>(&buf).unwrap());
                }
            });
        }
    });
    (paths.len() * PER_FILE) as u64
}

fn main() {
    let events: usize = std::env::var("PARE_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000);
    let dir = tempfile::tempdir().unwrap();
    let start = Instant::now();
    let (paths, raw, packed) = generate(dir.path(), events);
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    println!(
        "{events} events in {} files: {:.1} MB decompressed, {:.1} MB gzipped (generated in {:.1} s); {cores} cores",
        paths.len(),
        raw as f64 / 1e6,
        packed as f64 / 1e6,
        start.elapsed().as_secs_f64()
    );
    let runs = 3;
    let seq = ReadOptions {
        threads: 1,
        ..ReadOptions::default()
    };
    let par = ReadOptions {
        threads: 0,
        ..ReadOptions::default()
    };
    let seq_stream = ReadOptions {
        buffer_limit: 0,
        ..seq.clone()
    };
    let par_stream = ReadOptions {
        buffer_limit: 0,
        ..par.clone()
    };
    let windowed = ReadOptions {
        window: pare_ingest::TimeWindow {
            since: pare_ingest::parse_time_text("2024-07-10T00:00:00Z"),
            until: pare_ingest::parse_time_text("2024-07-20T00:00:00Z"),
        },
        ..par.clone()
    };
    report(
        "floor: gunzip + IgnoredAny, 1 thread",
        best(runs, || floor(&paths, 1)),
        raw,
        packed,
    );
    report(
        &format!("floor: gunzip + IgnoredAny, {cores} threads"),
        best(runs, || floor(&paths, cores)),
        raw,
        packed,
    );
    report(
        "read_all, sequential, buffered",
        best(runs, || framing(dir.path(), &seq)),
        raw,
        packed,
    );
    report(
        &format!("read_all, {cores} threads, buffered"),
        best(runs, || framing(dir.path(), &par)),
        raw,
        packed,
    );
    report(
        "read_all, sequential, incremental",
        best(runs, || framing(dir.path(), &seq_stream)),
        raw,
        packed,
    );
    report(
        &format!("read_all, {cores} threads, incremental"),
        best(runs, || framing(dir.path(), &par_stream)),
        raw,
        packed,
    );
    // One large JSON Lines export (gzipped), a single file: framed line by line.
    let whole = ReadOptions {
        buffer_limit: 256 * 1024 * 1024,
        ..seq.clone()
    };
    let jsonl_dir = tempfile::tempdir().unwrap();
    let (lines, jsonl_raw, jsonl_packed) = jsonl(jsonl_dir.path(), &paths[..paths.len().min(100)]);
    println!(
        "one JSON Lines file: {lines} events, {:.1} MB decompressed, {:.1} MB gzipped",
        jsonl_raw as f64 / 1e6,
        jsonl_packed as f64 / 1e6
    );
    report(
        "JSON Lines, buffered (whole file in memory)",
        best(runs, || framing(jsonl_dir.path(), &whole)),
        jsonl_raw,
        jsonl_packed,
    );
    report(
        "JSON Lines, incremental",
        best(runs, || framing(jsonl_dir.path(), &seq_stream)),
        jsonl_raw,
        jsonl_packed,
    );
    report(
        &format!("read_all, {cores} threads, window (by name + time)"),
        best(runs, || framing(dir.path(), &windowed)),
        raw,
        packed,
    );
}

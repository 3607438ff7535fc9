//! Reading the real CloudTrail fixtures and generated bad input through every code path
//! (sequential / parallel × buffered / incremental × plain / gzip) with one tester.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code"
)]

use std::io::{Read, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use flate2::Compression;
use flate2::write::GzEncoder;
use pare_ingest::{
    ErrorKind, Format, ReadOptions, ReadSummary, SkipReason, TimeWindow, parse_s3_object_path,
    read_all,
};
use serde_json::Value;

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/cloudtrail")
        .join(rel)
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(bytes)
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn time(s: &str) -> DateTime<Utc> {
    pare_ingest::parse_time_text(s).unwrap()
}

/// A record as delivered: file, index, text.
type Rec = (PathBuf, u64, String);

/// One error's place without the file: record, offset, kind.
type Spot = (Option<u64>, Option<u64>, ErrorKind);

/// One error's place: file, record, offset, kind.
type Place = (PathBuf, Option<u64>, Option<u64>, ErrorKind);

#[derive(Debug)]
struct Run {
    records: Vec<Rec>,
    summary: ReadSummary,
}

impl Run {
    fn values(&self) -> Vec<Value> {
        self.records
            .iter()
            .map(|(_, _, t)| serde_json::from_str(t).unwrap())
            .collect()
    }

    fn places(&self) -> Vec<Place> {
        self.summary
            .errors
            .iter()
            .map(|e| (e.file.clone(), e.record, e.offset, e.kind))
            .collect()
    }
}

fn run_once(paths: &[PathBuf], options: &ReadOptions) -> Run {
    let mut records = Vec::new();
    let mut last_progress = None;
    let summary = read_all(
        paths,
        options,
        |r| {
            records.push((r.file.to_path_buf(), r.index, r.json.get().to_owned()));
            ControlFlow::Continue(())
        },
        |p| last_progress = Some(*p),
    );
    if let Some(p) = last_progress {
        assert_eq!(p.files_done, p.files_total);
        assert_eq!(p.records, summary.records);
    }
    assert_eq!(summary.records, records.len() as u64);
    Run { records, summary }
}

/// The code paths: (threads, buffer_limit, files_in_flight, batch_records).
fn modes(base: &ReadOptions) -> Vec<(String, ReadOptions)> {
    let mut out = Vec::new();
    for threads in [1, 3] {
        for buffered in [true, false] {
            let mut o = base.clone();
            o.threads = threads;
            if !buffered {
                // Incremental, with odd small reads so records straddle every kind of boundary.
                o.buffer_limit = 0;
                o.chunk_bytes = 7;
            }
            o.files_in_flight = 2;
            o.batch_records = 7;
            out.push((format!("threads={threads} buffered={buffered}"), o));
        }
    }
    out
}

/// Reads `paths` through every code path, checks they agree exactly (records, order, errors,
/// file reports), and returns the sequential buffered run.
fn check(paths: &[PathBuf], base: &ReadOptions) -> Run {
    let mut runs = modes(base)
        .into_iter()
        .map(|(name, o)| (name, run_once(paths, &o)));
    let (first_name, first) = runs.next().unwrap();
    for (name, run) in runs {
        assert_eq!(
            run.records, first.records,
            "records differ: {name} vs {first_name}"
        );
        assert_eq!(
            run.places(),
            first.places(),
            "errors differ: {name} vs {first_name}"
        );
        let kinds = |r: &Run| -> Vec<_> {
            r.summary
                .files
                .iter()
                .map(|f| {
                    (
                        f.path.clone(),
                        f.records,
                        f.sha256,
                        f.size,
                        f.gzip,
                        f.format,
                        f.errors,
                    )
                })
                .collect()
        };
        assert_eq!(
            kinds(&run),
            kinds(&first),
            "file reports differ: {name} vs {first_name}"
        );
        assert_eq!(run.summary.skipped, first.summary.skipped, "{name}");
        if first.summary.errors.is_empty() {
            assert_eq!(
                run.summary.decoded_bytes, first.summary.decoded_bytes,
                "{name}"
            );
        }
        assert_eq!(
            run.summary.filtered_out, first.summary.filtered_out,
            "{name}"
        );
    }
    first
}

/// Writes `content` to a temp dir as `name` and as `name.gz`, reads each through every code path
/// with [`check`], checks both give the same records and error places, and returns the plain run.
fn check_bytes(content: &[u8], name: &str, base: &ReadOptions) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join(name);
    let gz = dir.path().join(format!("{name}.gz"));
    std::fs::write(&plain, content).unwrap();
    std::fs::write(&gz, gzip(content)).unwrap();
    let a = check(std::slice::from_ref(&plain), base);
    let b = check(std::slice::from_ref(&gz), base);
    let strip = |r: &Run| -> (Vec<(u64, String)>, Vec<Spot>) {
        (
            r.records.iter().map(|(_, i, t)| (*i, t.clone())).collect(),
            r.places()
                .into_iter()
                .map(|(_, r, o, k)| (r, o, k))
                .collect(),
        )
    };
    assert_eq!(strip(&a), strip(&b), "plain and gzip differ for {name}");
    if let (Some(fa), Some(fb)) = (a.summary.files.first(), b.summary.files.first())
        && a.summary.errors.is_empty()
    {
        assert!(!fa.gzip && fb.gzip);
        assert_eq!(fa.decoded_bytes, fb.decoded_bytes);
    }
    a
}

fn opts() -> ReadOptions {
    ReadOptions::default()
}

#[test]
fn every_fixture_gives_its_exact_record_count() {
    let cases: [(&str, usize, Format); 7] = [
        (
            "stratus-red-team/all_detonations.json.gz",
            310,
            Format::Records,
        ),
        ("panther/rule_test_events.json.gz", 440, Format::Records),
        ("panther/scenario_events.jsonl", 27, Format::JsonLines),
        (
            "aws-docs-examples/docs_examples.jsonl",
            34,
            Format::JsonLines,
        ),
        (
            "aws-docs-examples/docs_examples.json.gz",
            34,
            Format::Records,
        ),
        (
            "trailscraper/111111111111_CloudTrail_eu-central-1_20171211T1505Z_A6kvhMoVeCsc7v8U.json.gz",
            2,
            Format::Records,
        ),
        (
            "trailscraper/events-for-smoke-test.json",
            3,
            Format::Records,
        ),
    ];
    for (rel, n, format) in cases {
        let run = check(&[data(rel)], &opts());
        assert_eq!(run.records.len(), n, "{rel}");
        assert!(
            run.summary.errors.is_empty(),
            "{rel}: {:?}",
            run.summary.errors
        );
        let f = &run.summary.files[0];
        assert_eq!(
            (f.records, f.format, f.errors),
            (n as u64, format, 0),
            "{rel}"
        );
        let indexes: Vec<u64> = run.records.iter().map(|r| r.1).collect();
        assert_eq!(indexes, (0..n as u64).collect::<Vec<_>>(), "{rel}");
        // Plain and gzip, every path.
        let bytes = std::fs::read(data(rel)).unwrap();
        let content = if f.gzip { gunzip(&bytes) } else { bytes };
        assert_eq!(
            check_bytes(&content, "x.json", &opts()).records.len(),
            n,
            "{rel}"
        );
    }
    let mut total = 0;
    let mut originals: Vec<_> = std::fs::read_dir(data("stratus-red-team/original"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    originals.sort();
    assert_eq!(originals.len(), 35);
    for p in &originals {
        let expected: Vec<Value> = serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap();
        let run = check(std::slice::from_ref(p), &opts());
        assert_eq!(run.values(), expected, "{}", p.display());
        assert_eq!(run.summary.files[0].format, Format::Array);
        total += expected.len();
    }
    assert_eq!(total, 310);
    let all = check(&[data("stratus-red-team/original")], &opts());
    assert_eq!(all.records.len(), 310);
    assert_eq!(all.summary.files.len(), 35);
}

#[test]
fn envelopes_in_json_lines_yield_the_inner_event() {
    // The docs JSON Lines wrap each event as {"source_page":…, "event":{…}}; the .json.gz holds
    // the same events as Records.
    let lines = check(&[data("aws-docs-examples/docs_examples.jsonl")], &opts());
    let records = check(&[data("aws-docs-examples/docs_examples.json.gz")], &opts());
    assert_eq!(lines.values(), records.values());
    let text = std::fs::read_to_string(data("panther/scenario_events.jsonl")).unwrap();
    let expected: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["event"].clone())
        .collect();
    assert_eq!(
        check(&[data("panther/scenario_events.jsonl")], &opts()).values(),
        expected
    );
}

#[test]
fn the_whole_fixture_tree_in_parallel_equals_sequential() {
    let run = check(&[data("")], &opts());
    assert_eq!(run.records.len(), 310 + 310 + 440 + 27 + 34 + 34 + 2 + 3);
    assert_eq!(run.summary.files.len(), 35 + 7);
    assert!(run.summary.errors.is_empty(), "{:?}", run.summary.errors);
    // The licence files are skipped as not JSON, with a count.
    let skipped = run.summary.skipped_by_reason();
    assert_eq!(
        skipped.get(&SkipReason::NotJson),
        Some(&6),
        "{:?}",
        run.summary.skipped
    );
    assert_eq!(run.summary.files_read(), 42);
    assert_eq!(run.summary.files_failed(), 0);
}

/// Builds an S3 tree from the fixtures; returns the temp dir.
fn s3_tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let put = |rel: &str, bytes: &[u8]| {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    };
    let trailscraper = std::fs::read(data(
        "trailscraper/111111111111_CloudTrail_eu-central-1_20171211T1505Z_A6kvhMoVeCsc7v8U.json.gz",
    ))
    .unwrap();
    put(
        "AWSLogs/111111111111/CloudTrail/eu-central-1/2017/12/11/111111111111_CloudTrail_eu-central-1_20171211T1505Z_A6kvhMoVeCsc7v8U.json.gz",
        &trailscraper,
    );
    let stratus = std::fs::read(data("stratus-red-team/all_detonations.json.gz")).unwrap();
    put(
        "AWSLogs/o-abc123def4/222222222222/CloudTrail/us-east-1/2024/07/30/222222222222_CloudTrail_us-east-1_20240730T2200Z_Zq3kVb0a9LmN1xYw.json.gz",
        &stratus,
    );
    let panther = std::fs::read(data("panther/rule_test_events.json.gz")).unwrap();
    put(
        "AWSLogs/o-abc123def4/333333333333/CloudTrail/eu-west-1/2019/01/01/333333333333_CloudTrail_eu-west-1_20190101T0005Z_AbCdEfGhIjKlMnOp.json.gz",
        &panther,
    );
    // Digests: skipped whatever they hold.
    put(
        "AWSLogs/111111111111/CloudTrail-Digest/eu-central-1/2017/12/11/111111111111_CloudTrail-Digest_eu-central-1_trail_us-east-1_20171211T1605Z.json.gz",
        &gzip(br#"{"awsAccountId":"111111111111","digestStartTime":"2017-12-11T15:05:00Z"}"#),
    );
    put(
        "AWSLogs/o-abc123def4/222222222222/CloudTrail-Digest/us-east-1/2024/07/30/222222222222_CloudTrail-Digest_us-east-1_trail_us-east-1_20240730T2300Z.json.gz",
        b"not even json",
    );
    put(".DS_Store", b"\0\0\0\x01Bud1");
    put("AWSLogs/README.txt", b"CloudTrail logs for the audit");
    dir
}

#[test]
fn s3_trees_with_organization_trails_and_digests() {
    let dir = s3_tree();
    let run = check(&[dir.path().to_path_buf()], &opts());
    assert_eq!(run.records.len(), 2 + 310 + 440);
    assert!(run.summary.errors.is_empty(), "{:?}", run.summary.errors);
    let skipped = run.summary.skipped_by_reason();
    assert_eq!(skipped.get(&SkipReason::Digest), Some(&2));
    assert_eq!(skipped.get(&SkipReason::Hidden), Some(&1));
    assert_eq!(skipped.get(&SkipReason::NotJson), Some(&1));
    // Discovery order is by path: `111111111111` sorts before `o-abc123def4`.
    let files: Vec<_> = run.summary.files.iter().map(|f| f.records).collect();
    assert_eq!(files, vec![2, 310, 440]);
    let org = parse_s3_object_path(&run.summary.files[1].path).unwrap();
    assert_eq!(org.org_id.as_deref(), Some("o-abc123def4"));
    assert_eq!(org.account, "222222222222");
    assert_eq!(org.region, "us-east-1");
    assert_eq!(org.delivered, time("2024-07-30T22:00:00Z"));
    let plain = parse_s3_object_path(&run.summary.files[0].path).unwrap();
    assert_eq!(plain.org_id, None);
    assert_eq!(plain.delivered, time("2017-12-11T15:05:00Z"));
    // Hashes are of the bytes on disk.
    use sha2::Digest;
    let f = &run.summary.files[0];
    let bytes = std::fs::read(&f.path).unwrap();
    assert_eq!(f.sha256, <[u8; 32]>::from(sha2::Sha256::digest(&bytes)));
    assert_eq!(
        (f.size, f.read_bytes),
        (bytes.len() as u64, bytes.len() as u64)
    );
    assert_eq!(f.sha256_hex().len(), 64);
}

fn event_times(values: &[Value]) -> Vec<Option<DateTime<Utc>>> {
    values
        .iter()
        .map(|v| v.get("eventTime").and_then(Value::as_str).map(time))
        .collect()
}

#[test]
fn a_time_window_skips_files_by_name_and_records_by_event_time() {
    let dir = s3_tree();
    let window = TimeWindow {
        since: Some(time("2024-07-30T21:00:00Z")),
        until: Some(time("2024-07-30T21:55:00Z")),
    };
    let options = ReadOptions { window, ..opts() };
    let run = check(&[dir.path().to_path_buf()], &options);
    // The 2017 and 2019 day directories are pruned without being listed.
    let outside: Vec<_> = run
        .summary
        .skipped
        .iter()
        .filter(|s| s.reason == SkipReason::OutsideWindow)
        .map(|s| s.path.strip_prefix(dir.path()).unwrap().to_path_buf())
        .collect();
    assert_eq!(
        outside,
        vec![
            PathBuf::from("AWSLogs/111111111111/CloudTrail/eu-central-1/2017"),
            PathBuf::from("AWSLogs/o-abc123def4/333333333333/CloudTrail/eu-west-1/2019"),
        ]
    );
    assert_eq!(run.summary.files.len(), 1);
    // Records by eventTime, counted independently.
    let all = check(&[data("stratus-red-team/all_detonations.json.gz")], &opts());
    let expected: Vec<Value> = all
        .values()
        .into_iter()
        .filter(|v| {
            let t = time(v["eventTime"].as_str().unwrap());
            window.contains(t)
        })
        .collect();
    assert!(
        !expected.is_empty() && expected.len() < 310,
        "{}",
        expected.len()
    );
    assert_eq!(run.values(), expected);
    assert_eq!(run.summary.filtered_out, 310 - expected.len() as u64);

    // A file (not a directory) is skipped by its name too: delivered before `since`.
    let late = ReadOptions {
        window: TimeWindow {
            since: Some(time("2024-07-30T22:01:00Z")),
            until: None,
        },
        ..opts()
    };
    let file = dir.path().join(
        "AWSLogs/o-abc123def4/222222222222/CloudTrail/us-east-1/2024/07/30/222222222222_CloudTrail_us-east-1_20240730T2200Z_Zq3kVb0a9LmN1xYw.json.gz",
    );
    let run = check(std::slice::from_ref(&file), &late);
    assert!(run.records.is_empty());
    assert_eq!(run.summary.skipped[0].reason, SkipReason::OutsideWindow);
    // One minute earlier the file may hold events in the window and is read.
    let edge = ReadOptions {
        window: TimeWindow {
            since: Some(time("2024-07-30T22:00:59Z")),
            until: None,
        },
        ..opts()
    };
    assert_eq!(
        check(std::slice::from_ref(&file), &edge)
            .summary
            .files
            .len(),
        1
    );
    // `until` skips files delivered at least the slack after it.
    let early = ReadOptions {
        window: TimeWindow {
            since: None,
            until: Some(time("2024-07-30T20:59:00Z")),
        },
        ..opts()
    };
    assert_eq!(
        check(std::slice::from_ref(&file), &early)
            .summary
            .skipped
            .len(),
        1
    );
    let close = ReadOptions {
        window: TimeWindow {
            since: None,
            until: Some(time("2024-07-30T21:01:00Z")),
        },
        ..opts()
    };
    assert_eq!(
        check(std::slice::from_ref(&file), &close)
            .summary
            .files
            .len(),
        1
    );
}

#[test]
fn at_timestamp_exports_and_undated_records() {
    // The docs events as an export where eventTime was renamed @timestamp; six have no time.
    let records = check(&[data("aws-docs-examples/docs_examples.json.gz")], &opts()).values();
    let mut text = String::new();
    for v in &records {
        let mut v = v.clone();
        let obj = v.as_object_mut().unwrap();
        if let Some(t) = obj.shift_remove("eventTime") {
            obj.insert("@timestamp".to_owned(), t);
        }
        text.push_str(&serde_json::to_string(&v).unwrap());
        text.push('\n');
    }
    let window = TimeWindow {
        since: Some(time("2022-01-01T00:00:00Z")),
        until: None,
    };
    let times = event_times(&records);
    let dated_in = times
        .iter()
        .filter(|t| t.is_some_and(|t| window.contains(t)))
        .count();
    let undated = times.iter().filter(|t| t.is_none()).count();
    assert_eq!(undated, 6);
    let run = check_bytes(
        text.as_bytes(),
        "export.jsonl",
        &ReadOptions { window, ..opts() },
    );
    assert_eq!(run.records.len(), dated_in + undated);
    assert_eq!(run.summary.undated, undated as u64);
    assert_eq!(run.summary.filtered_out, (34 - dated_in - undated) as u64);
    assert!(run.summary.filtered_out > 0);
}

#[test]
fn lookup_events_output_yields_the_embedded_records() {
    let events: Vec<Value> = serde_json::from_slice(
        &std::fs::read(data(
            "stratus-red-team/original/aws.persistence.iam-create-admin-user.json",
        ))
        .unwrap(),
    )
    .unwrap();
    let entries: Vec<Value> = events
        .iter()
        .map(|e| {
            serde_json::json!({
                "EventId": e["eventID"],
                "EventName": e["eventName"],
                "ReadOnly": "false",
                "EventTime": "2024-07-30T21:53:13+00:00",
                "EventSource": e["eventSource"],
                "Resources": [],
                "CloudTrailEvent": serde_json::to_string(e).unwrap(),
            })
        })
        .collect();
    let doc = serde_json::json!({"Events": entries, "NextToken": "abc"});
    let pretty = serde_json::to_vec_pretty(&doc).unwrap();
    let run = check_bytes(&pretty, "lookup.json", &opts());
    assert_eq!(run.values(), events);
    assert_eq!(run.summary.files[0].format, Format::LookupEvents);
    // `--query Events`: an array of the entries.
    let run = check_bytes(
        &serde_json::to_vec(&entries).unwrap(),
        "query.json",
        &opts(),
    );
    assert_eq!(run.values(), events);
    // A broken CloudTrailEvent string is one record's error; the others are delivered.
    let mut broken = entries.clone();
    broken[1]["CloudTrailEvent"] = Value::String("{\"eventVersion\": ".to_owned());
    let run = check_bytes(
        &serde_json::to_vec(&serde_json::json!({"Events": broken})).unwrap(),
        "broken.json",
        &opts(),
    );
    assert_eq!(run.values(), vec![events[0].clone(), events[2].clone()]);
    let e = &run.summary.errors;
    assert_eq!(
        (e.len(), e[0].record, e[0].kind),
        (1, Some(1), ErrorKind::Json)
    );
}

#[test]
fn other_shapes_concatenated_pretty_events_zcat_and_eventbridge() {
    let events: Vec<Value> = serde_json::from_slice(
        &std::fs::read(data(
            "stratus-red-team/original/aws.persistence.iam-create-admin-user.json",
        ))
        .unwrap(),
    )
    .unwrap();
    let mut pretty = Vec::new();
    for e in &events {
        pretty.extend(serde_json::to_vec_pretty(e).unwrap());
        pretty.push(b'\n');
    }
    let run = check_bytes(&pretty, "pretty.json", &opts());
    assert_eq!(run.values(), events);
    assert_eq!(run.summary.files[0].format, Format::Concatenated);
    // `zcat a.json.gz b.json.gz`: Records objects back to back, no separator; and `cat` of the
    // gzip files (several gzip members).
    let a = gunzip(&std::fs::read(data("trailscraper/111111111111_CloudTrail_eu-central-1_20171211T1505Z_A6kvhMoVeCsc7v8U.json.gz")).unwrap());
    let b = std::fs::read(data("trailscraper/events-for-smoke-test.json")).unwrap();
    let run = check_bytes(&[a.clone(), b.clone()].concat(), "zcat.json", &opts());
    assert_eq!(run.records.len(), 5);
    assert_eq!(
        run.records.iter().map(|r| r.1).collect::<Vec<_>>(),
        vec![0, 1, 2, 3, 4]
    );
    let dir = tempfile::tempdir().unwrap();
    let cat = dir.path().join("cat.gz");
    std::fs::write(&cat, [gzip(&a), gzip(&b)].concat()).unwrap();
    assert_eq!(check(&[cat], &opts()).records.len(), 5);
    // EventBridge: {"detail-type":"AWS API Call via CloudTrail","detail":{…}}.
    let mut lines = String::new();
    for e in &events {
        let wrapped = serde_json::json!({"version":"0","id":"x","detail-type":"AWS API Call via CloudTrail","source":"aws.iam","detail":e});
        lines.push_str(&serde_json::to_string(&wrapped).unwrap());
        lines.push_str("\r\n\n");
    }
    let run = check_bytes(lines.as_bytes(), "eventbridge.jsonl", &opts());
    assert_eq!(run.values(), events);
    // Records / Events objects whose first key is something else, one per line or pretty-printed.
    let mut reordered = Vec::new();
    for e in &events {
        let doc = serde_json::json!({"NextToken": "t", "Events": [{"CloudTrailEvent": serde_json::to_string(e).unwrap()}]});
        reordered.extend(serde_json::to_vec_pretty(&doc).unwrap());
    }
    let run = check_bytes(&reordered, "reordered.json", &opts());
    assert_eq!(run.values(), events);
    assert_eq!(
        run.records.iter().map(|r| r.1).collect::<Vec<_>>(),
        vec![0, 1, 2]
    );
    let mut lines = String::new();
    for e in &events {
        lines.push_str(
            &serde_json::to_string(&serde_json::json!({"meta": 1, "Records": [e]})).unwrap(),
        );
        lines.push('\n');
    }
    lines.push_str("{\"meta\": 2}\n");
    let run = check_bytes(lines.as_bytes(), "records.jsonl", &opts());
    assert_eq!(run.values(), events);
    assert_eq!(one_error(&run).2, ErrorKind::Format);
    // A UTF-8 byte order mark is allowed.
    let bom = [b"\xef\xbb\xbf".as_slice(), &b].concat();
    assert_eq!(check_bytes(&bom, "bom.json", &opts()).records.len(), 3);
}

/// The docs events as one Records document, minified, one record per line (so offsets are easy
/// to find), and the byte offset where each record starts.
fn records_doc() -> (Vec<u8>, Vec<usize>, Vec<Value>) {
    let values = check(&[data("aws-docs-examples/docs_examples.json.gz")], &opts()).values();
    let mut doc = b"{\"Records\": [\n".to_vec();
    let mut starts = Vec::new();
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            doc.extend(b",\n");
        }
        starts.push(doc.len());
        doc.extend(serde_json::to_vec(v).unwrap());
    }
    doc.extend(b"\n]}\n");
    (doc, starts, values)
}

fn jsonl_doc() -> (Vec<u8>, Vec<usize>, Vec<Value>) {
    let values = check(&[data("aws-docs-examples/docs_examples.json.gz")], &opts()).values();
    let mut doc = Vec::new();
    let mut starts = Vec::new();
    for v in &values {
        starts.push(doc.len());
        doc.extend(serde_json::to_vec(v).unwrap());
        doc.push(b'\n');
    }
    (doc, starts, values)
}

fn one_error(run: &Run) -> (Option<u64>, Option<u64>, ErrorKind) {
    assert_eq!(run.summary.errors.len(), 1, "{:?}", run.summary.errors);
    let e = &run.summary.errors[0];
    (e.record, e.offset, e.kind)
}

#[test]
fn invalid_json_mid_file_keeps_what_came_before() {
    let (mut doc, starts, values) = records_doc();
    // Break record 5: its first `:` becomes `#`.
    let at = starts[5] + doc[starts[5]..].iter().position(|b| *b == b':').unwrap();
    doc[at] = b'#';
    let run = check_bytes(&doc, "bad.json", &opts());
    assert_eq!(run.values(), values[..5].to_vec());
    assert_eq!(one_error(&run), (Some(5), Some(at as u64), ErrorKind::Json));
    let msg = run.summary.errors[0].to_string();
    assert!(
        msg.contains("bad.json") && msg.contains("record 5") && msg.contains(&format!("byte {at}")),
        "{msg}"
    );

    // In JSON Lines the reader goes on at the next line.
    let (mut doc, starts, values) = jsonl_doc();
    let at = starts[5] + doc[starts[5]..].iter().position(|b| *b == b':').unwrap();
    doc[at] = b'#';
    let run = check_bytes(&doc, "bad.jsonl", &opts());
    let mut expected = values.clone();
    expected.remove(5);
    assert_eq!(run.values(), expected);
    assert_eq!(one_error(&run), (Some(5), Some(at as u64), ErrorKind::Json));
    assert_eq!(run.records[5].1, 6, "indexes count the bad line");
}

#[test]
fn non_utf8_bytes_are_located_exactly() {
    let (mut doc, starts, values) = records_doc();
    let at = starts[7] + 20;
    doc[at] = 0xff;
    let run = check_bytes(&doc, "latin1.json", &opts());
    assert_eq!(run.values(), values[..7].to_vec());
    assert_eq!(one_error(&run), (Some(7), Some(at as u64), ErrorKind::Utf8));

    let (mut doc, starts, values) = jsonl_doc();
    let at = starts[3] + 30;
    doc[at] = 0xc3; // a lead byte without its continuation
    doc[at + 1] = b'a';
    let run = check_bytes(&doc, "latin1.jsonl", &opts());
    assert_eq!(run.records.len(), 33);
    assert_eq!(run.values()[3], values[4]);
    assert_eq!(one_error(&run), (Some(3), Some(at as u64), ErrorKind::Utf8));
}

#[test]
fn truncated_input_keeps_every_complete_record() {
    // A real .gz cut in half: the records decompressed before the cut are delivered, and the error
    // is at the decompressed offset where the stream broke.
    let gz = std::fs::read(data("stratus-red-team/all_detonations.json.gz")).unwrap();
    let full = check(&[data("stratus-red-team/all_detonations.json.gz")], &opts());
    let cut = &gz[..gz.len() / 2];
    let mut decoded = Vec::new();
    let err = flate2::read::MultiGzDecoder::new(cut).read_to_end(&mut decoded);
    assert!(err.is_err());
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("cut.json.gz");
    std::fs::write(&p, cut).unwrap();
    let run = check(std::slice::from_ref(&p), &opts());
    let n = run.records.len();
    assert!(n > 100 && n < 310, "{n}");
    assert_eq!(run.values(), full.values()[..n].to_vec());
    assert_eq!(
        one_error(&run),
        (Some(n as u64), Some(decoded.len() as u64), ErrorKind::Gzip)
    );
    assert_eq!(run.summary.files_failed(), 1);
    assert_eq!(
        run.summary.files[0].sha256,
        <[u8; 32]>::from(<sha2::Sha256 as sha2::Digest>::digest(cut))
    );

    // Plain JSON cut mid-record.
    let (doc, starts, values) = records_doc();
    let end = starts[9] + 40;
    let run = check_bytes(&doc[..end], "cut.json", &opts());
    assert_eq!(run.values(), values[..9].to_vec());
    assert_eq!(
        one_error(&run),
        (Some(9), Some(end as u64), ErrorKind::Json)
    );

    // JSON Lines cut mid-line.
    let (doc, starts, values) = jsonl_doc();
    let end = starts[9] + 40;
    let run = check_bytes(&doc[..end], "cut.jsonl", &opts());
    assert_eq!(run.values(), values[..9].to_vec());
    assert_eq!(
        one_error(&run),
        (Some(9), Some(end as u64), ErrorKind::Json)
    );
}

#[test]
fn corrupt_gzip_and_every_truncation_point_never_panic() {
    let gz = std::fs::read(data(
        "trailscraper/111111111111_CloudTrail_eu-central-1_20171211T1505Z_A6kvhMoVeCsc7v8U.json.gz",
    ))
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let full: Vec<String> = check(&[data("trailscraper/111111111111_CloudTrail_eu-central-1_20171211T1505Z_A6kvhMoVeCsc7v8U.json.gz")], &opts())
        .records
        .into_iter()
        .map(|r| r.2)
        .collect();
    for cut in (1..gz.len()).step_by(7) {
        let p = dir.path().join(format!("cut{cut}.json.gz"));
        std::fs::write(&p, &gz[..cut]).unwrap();
        let run = check(std::slice::from_ref(&p), &opts());
        let got: Vec<String> = run.records.into_iter().map(|r| r.2).collect();
        assert_eq!(got, full[..got.len()].to_vec(), "cut at {cut}");
        assert_eq!(
            run.summary.errors.len(),
            1,
            "cut at {cut}: {:?}",
            run.summary.errors
        );
    }
    // Flipped bytes in the deflate data.
    let mut bad = gz.clone();
    for i in (40..bad.len() - 8).step_by(50) {
        bad[i] ^= 0x5a;
    }
    let p = dir.path().join("flipped.json.gz");
    std::fs::write(&p, &bad).unwrap();
    let run = check(std::slice::from_ref(&p), &opts());
    assert!(!run.summary.errors.is_empty());
    // Every truncation of a Records document and of JSON Lines, plain: prefix delivered, one error.
    let (doc, _, values) = records_doc();
    let (lines, _, _) = jsonl_doc();
    let texts: Vec<String> = values
        .iter()
        .map(|v| serde_json::to_string(v).unwrap())
        .collect();
    for cut in (1..doc.len()).step_by(997) {
        let run = check_bytes(&doc[..cut], "t.json", &opts());
        let got: Vec<String> = run
            .values()
            .iter()
            .map(|v| serde_json::to_string(v).unwrap())
            .collect();
        assert_eq!(got, texts[..got.len()].to_vec());
        assert_eq!(run.summary.errors.len(), 1, "cut at {cut}");
    }
    for cut in (1..lines.len()).step_by(991) {
        let run = check_bytes(&lines[..cut], "t.jsonl", &opts());
        assert!(run.summary.errors.len() <= 1, "cut at {cut}");
    }
}

#[test]
fn huge_records_and_lines_are_refused_without_stopping_json_lines() {
    let options = ReadOptions {
        max_record_bytes: 2000,
        ..opts()
    };
    let (doc, starts, values) = jsonl_doc();
    let sizes: Vec<usize> = values
        .iter()
        .map(|v| serde_json::to_vec(v).unwrap().len())
        .collect();
    let big: Vec<usize> = (0..values.len()).filter(|i| sizes[*i] > 2000).collect();
    let mut huge = doc.clone();
    // And one 100 kB line of spaces and letters in the middle.
    let mid = starts[10];
    let long = format!("{{\"eventName\": \"{}\"}}\n", "x".repeat(100_000));
    huge.splice(mid..mid, long.bytes());
    let run = check_bytes(&huge, "huge.jsonl", &options);
    let places: Vec<_> = run
        .places()
        .into_iter()
        .map(|(_, r, o, k)| (r, o, k))
        .collect();
    let mut expected = Vec::new();
    let mut kept = Vec::new();
    for i in 0..values.len() {
        let (idx, offset) = if i < 10 {
            (i, starts[i])
        } else {
            (i + 1, starts[i] + long.len())
        };
        if i == 10 {
            expected.push((Some(10), Some(mid as u64), ErrorKind::TooLarge));
        }
        if big.contains(&i) {
            expected.push((Some(idx as u64), Some(offset as u64), ErrorKind::TooLarge));
        } else {
            kept.push(values[i].clone());
        }
    }
    assert_eq!(places, expected);
    assert_eq!(run.values(), kept);

    // In a Records array a huge record ends the file (nothing after it can be framed safely).
    let (doc, starts, values) = records_doc();
    let first_big = (0..values.len()).find(|i| sizes[*i] > 2000);
    if let Some(k) = first_big {
        let run = check_bytes(&doc, "big.json", &options);
        assert_eq!(run.values(), values[..k].to_vec());
        assert_eq!(
            one_error(&run),
            (Some(k as u64), Some(starts[k] as u64), ErrorKind::TooLarge)
        );
    } else {
        panic!("no record over 2000 bytes in the docs examples");
    }
}

#[test]
fn unknown_formats_empty_files_and_missing_paths() {
    // Named directly: an error at the first byte. Found in a directory: skipped.
    let run = check_bytes(b"  hello, world\n", "notes.txt", &opts());
    assert_eq!(one_error(&run), (None, Some(2), ErrorKind::Format));
    assert_eq!(run.summary.files[0].format, Format::Unknown);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), b"hello").unwrap();
    std::fs::write(dir.path().join("binary.bin"), [0u8, 159, 146, 150, 255]).unwrap();
    std::fs::write(dir.path().join("empty.json"), b"").unwrap();
    std::fs::write(dir.path().join("blank.json"), b"  \n\n ").unwrap();
    std::fs::write(
        dir.path().join("numbers.json"),
        b"[1, 2, {\"eventName\": \"X\"}]",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("trailing.json"),
        b"[{\"eventName\": \"X\"}] ]",
    )
    .unwrap();
    #[cfg(unix)]
    {
        // A FIFO found in a directory would block a reader forever: skipped. So is a link loop.
        let fifo = dir.path().join("pipe.json");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .is_ok_and(|s| s.success());
        assert!(made, "mkfifo failed");
        std::os::unix::fs::symlink(dir.path(), dir.path().join("loop")).unwrap();
    }
    let run = check(
        &[dir.path().to_path_buf(), dir.path().join("missing.json")],
        &opts(),
    );
    #[cfg(unix)]
    {
        let skipped = run.summary.skipped_by_reason();
        assert_eq!(skipped.get(&SkipReason::NotAFile), Some(&1));
        assert_eq!(skipped.get(&SkipReason::SymlinkedDirectory), Some(&1));
    }
    let skipped = run.summary.skipped_by_reason();
    assert_eq!(skipped.get(&SkipReason::NotJson), Some(&2));
    assert_eq!(skipped.get(&SkipReason::Empty), Some(&2));
    assert_eq!(run.records.len(), 2);
    let places: Vec<_> = run
        .places()
        .into_iter()
        .map(|(f, r, o, k)| {
            (
                f.file_name().unwrap().to_string_lossy().into_owned(),
                r,
                o,
                k,
            )
        })
        .collect();
    assert_eq!(
        places,
        vec![
            ("missing.json".to_owned(), None, None, ErrorKind::Io),
            (
                "numbers.json".to_owned(),
                Some(0),
                Some(1),
                ErrorKind::Format
            ),
            (
                "numbers.json".to_owned(),
                Some(1),
                Some(4),
                ErrorKind::Format
            ),
            (
                "trailing.json".to_owned(),
                Some(1),
                Some(21),
                ErrorKind::Json
            ),
        ]
    );
    // Neither a Records nor an Events key in a container position.
    let run = check_bytes(
        b"{\"Records\": []}\n{\"Other\": 1}\n",
        "other.json",
        &opts(),
    );
    assert_eq!(one_error(&run).2, ErrorKind::Format);
}

#[test]
fn the_sink_can_stop_reading() {
    for (name, options) in modes(&opts()) {
        let mut n = 0;
        let summary = read_all(
            &[data("")],
            &options,
            |_| {
                n += 1;
                if n == 5 {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            },
            |_| {},
        );
        assert_eq!(n, 5, "{name}");
        assert!(summary.stopped, "{name}");
    }
}

/// Buffered and incremental framing agree on records and error places for `bytes`.
fn buffered_equals_incremental(dir: &Path, bytes: &[u8], what: &str) {
    let p = dir.join("m.json");
    std::fs::write(&p, bytes).unwrap();
    let buffered = ReadOptions {
        threads: 1,
        max_record_bytes: 200,
        ..opts()
    };
    let incremental = ReadOptions {
        buffer_limit: 0,
        chunk_bytes: 3,
        ..buffered.clone()
    };
    let a = run_once(std::slice::from_ref(&p), &buffered);
    let b = run_once(std::slice::from_ref(&p), &incremental);
    assert_eq!(
        a.records,
        b.records,
        "{what}: {}",
        String::from_utf8_lossy(bytes)
    );
    assert_eq!(
        a.places(),
        b.places(),
        "{what}: {}",
        String::from_utf8_lossy(bytes)
    );
}

#[test]
fn every_single_byte_mutation_frames_the_same_buffered_and_incremental() {
    let docs: [&[u8]; 4] = [
        br#"{"Records": [{"eventVersion":"1.08","eventTime":"2024-01-01T00:00:00Z","n":[1,{"b":"x\"y"}]}, {"eventName":"B"} ], "Other": {"k": [1, 2.5e3, null, true]}}"#,
        br#"{"Events":[{"EventId":"1","CloudTrailEvent":"{\"eventName\":\"A\",\"x\":[1]}"},{"CloudTrailEvent":"{\"eventName\":\"B\"}"}],"NextToken":"t"}"#,
        br#"[ {"event": {"eventName":"A"}, "source":"x"}, {"event": {"eventName":"B","r":{}}} ]"#,
        b"{\n  \"eventName\": \"A\",\n  \"v\": [1, 2]\n}\n{\"eventName\": \"B\"}{\"eventName\": \"C\"}\n",
    ];
    let dir = tempfile::tempdir().unwrap();
    for doc in docs {
        buffered_equals_incremental(dir.path(), doc, "original");
        for i in 0..doc.len() {
            for b in [b'"', b']', b'}', b'{', 0xff, b'\\', b'\n'] {
                let mut m = doc.to_vec();
                m[i] = b;
                buffered_equals_incremental(dir.path(), &m, &format!("byte {i} = {b:#x}"));
            }
            buffered_equals_incremental(dir.path(), &doc[..i], &format!("cut at {i}"));
        }
    }
}

/// `map_discovered` hands each file's records to that file's value on the workers, and the values
/// back in discovery order: the same records, files and errors as `read_all`, with 1 or 2 threads.
#[test]
fn per_file_work_sees_the_same_records_as_read_all() {
    let root = data("");
    let options = ReadOptions::default();
    let mut expected: Vec<Rec> = Vec::new();
    let all = read_all(
        std::slice::from_ref(&root),
        &options,
        |r| {
            expected.push((r.file.to_path_buf(), r.index, r.json.get().to_owned()));
            ControlFlow::Continue(())
        },
        |_| {},
    );
    assert!(expected.len() > 700, "{}", expected.len());
    for threads in [1, 2] {
        let options = ReadOptions {
            threads,
            ..ReadOptions::default()
        };
        let discovery = pare_ingest::discover(std::slice::from_ref(&root), &options);
        let paths: Vec<PathBuf> = discovery.sources.iter().map(|s| s.path.clone()).collect();
        let mut got: Vec<Rec> = Vec::new();
        let mut order = Vec::new();
        let summary = pare_ingest::map_discovered(
            discovery,
            &options,
            |i, source| (i, source.path.clone(), Vec::<Rec>::new(), false),
            |w, r| {
                assert_eq!(r.file.as_ref(), w.1.as_path());
                w.2.push((r.file.to_path_buf(), r.index, r.json.get().to_owned()));
                ControlFlow::Continue(())
            },
            |w| w.3 = true,
            |i, w, progress| {
                let (index, path, mut records, finished) = w.unwrap();
                assert_eq!((index, finished), (i, true));
                assert_eq!(path, paths[i]);
                assert_eq!(progress.files_done, i + 1);
                order.push(i);
                got.append(&mut records);
                ControlFlow::Continue(())
            },
        );
        assert_eq!(order, (0..paths.len()).collect::<Vec<_>>());
        assert_eq!(got, expected, "threads={threads}");
        assert_eq!(summary.records, all.records);
        assert_eq!(summary.files, all.files);
        assert_eq!(summary.errors, all.errors);
    }
}

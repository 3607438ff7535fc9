//! Unit tests of the store: migrations, per-file transactions, deduplication, aggregates.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "test code")]

use super::*;

fn event(key: &str, principal: &str, action: Option<&str>, time: &str, ip: &str) -> EventInput {
    EventInput {
        key: {
            let mut k = [0u8; 16];
            k[0] = key.as_bytes()[0];
            k
        },
        event_id: Some(key.to_owned()),
        record_index: 0,
        time: Some(time.to_owned()),
        principal: PrincipalInput {
            key: principal.to_owned(),
            kind: "IamUser".to_owned(),
            details: "{}".to_owned(),
        },
        event_source: "iam.amazonaws.com".to_owned(),
        event_name: action
            .map_or("Mystery", |a| a.trim_start_matches("iam:"))
            .to_owned(),
        activity: if action.is_some() {
            "actions"
        } else {
            "unmapped"
        },
        actions: action
            .map(|a| ActionInput {
                action: a.to_owned(),
                resources: vec!["*".to_owned()],
            })
            .into_iter()
            .collect(),
        is_usage: action.is_some(),
        region: Some("us-east-1".to_owned()),
        source_ip: Some(ip.to_owned()),
        user_agent: Some("aws-cli".to_owned()),
        read_only: Some(false),
        outcome: StoredOutcome::Success,
        error_code: None,
        error_message: None,
    }
}

fn file(sha: &str) -> FileInput {
    FileInput {
        path: format!("{sha}.json"),
        size: 10,
        sha256: sha.to_owned(),
        records: 3,
        window: Window::default(),
    }
}

#[test]
fn migrations_are_recorded_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pare.db");
    let s = Store::open(&path).unwrap();
    assert_eq!(s.applied_migrations().unwrap().len(), MIGRATIONS.len());
    drop(s);
    let s = Store::open(&path).unwrap();
    assert_eq!(s.applied_migrations().unwrap().len(), MIGRATIONS.len());
}

#[test]
fn events_are_deduplicated_and_aggregated() {
    let mut s = Store::open_in_memory().unwrap();
    let run = s.begin_import(&["x".to_owned()]).unwrap();
    let events = [
        event(
            "a",
            "arn:aws:iam::1:user/u",
            Some("iam:CreateUser"),
            "2024-01-02T00:00:00Z",
            "1.1.1.1",
        ),
        event(
            "b",
            "arn:aws:iam::1:user/u",
            Some("iam:CreateUser"),
            "2024-01-01T00:00:00Z",
            "2.2.2.2",
        ),
        event(
            "c",
            "arn:aws:iam::1:user/u",
            None,
            "2024-01-03T00:00:00Z",
            "1.1.1.1",
        ),
    ];
    let f = file("aa");
    let r = s.insert_file_events(run, &f, &events).unwrap();
    assert_eq!((r.new_events, r.duplicate_events), (3, 0));
    s.finish_file(run, &f, FileStatus::Ok, None).unwrap();
    let all = Window::default();
    assert!(s.file_already_imported("aa", &all).unwrap());
    assert!(!s.file_already_imported("bb", &all).unwrap());
    let narrow = Window {
        since: Some("2024-01-01T00:00:00.000000000Z".to_owned()),
        until: None,
    };
    assert!(s.file_already_imported("aa", &narrow).unwrap());
    // A file read with a window is read again for a wider one.
    let mut f2 = file("cc");
    f2.window = narrow.clone();
    s.finish_file(run, &f2, FileStatus::Ok, None).unwrap();
    assert!(s.file_already_imported("cc", &narrow).unwrap());
    assert!(!s.file_already_imported("cc", &all).unwrap());
    // The same events from another file change nothing.
    let r = s.insert_file_events(run, &file("bb"), &events).unwrap();
    assert_eq!((r.new_events, r.duplicate_events), (0, 3));
    let usage = s.usage(Some("arn:aws:iam::1:user/u")).unwrap();
    assert_eq!(usage.len(), 1);
    let u = &usage[0];
    assert_eq!((u.action.as_str(), u.count), ("iam:CreateUser", 2));
    assert_eq!(u.first_seen.as_deref(), Some("2024-01-01T00:00:00Z"));
    assert_eq!(u.last_seen.as_deref(), Some("2024-01-02T00:00:00Z"));
    assert_eq!(u.source_ips, ["1.1.1.1", "2.2.2.2"]);
    assert_eq!(u.regions, ["us-east-1"]);
    let mapping = s.mapping().unwrap();
    assert_eq!(mapping.len(), 2);
    assert_eq!(mapping[0].event_name, "CreateUser");
    assert_eq!((mapping[0].count, mapping[0].actions.len()), (2, 1));
    assert_eq!(
        (mapping[1].status.as_str(), mapping[1].count),
        ("unmapped", 1)
    );
    assert!(mapping[1].actions.is_empty());
    let t = s.totals().unwrap();
    assert_eq!(
        (t.events, t.principals, t.mapped_events, t.unmapped_events),
        (3, 1, 2, 1)
    );
    assert!(s.usage(Some("nobody")).unwrap().is_empty());
}

#[test]
fn a_file_that_fails_midway_leaves_nothing() {
    let mut s = Store::open_in_memory().unwrap();
    let run = s.begin_import(&[]).unwrap();
    // Make the file fail after its block is written (at its third event's principal), as a crash
    // or a full disk would.
    s.conn
        .execute_batch(
            "CREATE TRIGGER boom BEFORE INSERT ON principals WHEN NEW.key = 'arn:aws:iam::1:user/w' \
             BEGIN SELECT RAISE(ABORT, 'boom'); END;",
        )
        .unwrap();
    let events = [
        event(
            "a",
            "arn:aws:iam::1:user/u",
            Some("iam:CreateUser"),
            "2024-01-02T00:00:00Z",
            "1.1.1.1",
        ),
        event(
            "b",
            "arn:aws:iam::1:user/v",
            Some("iam:GetUser"),
            "2024-01-02T00:00:00Z",
            "1.1.1.1",
        ),
        event(
            "c",
            "arn:aws:iam::1:user/w",
            None,
            "2024-01-03T00:00:00Z",
            "1.1.1.1",
        ),
    ];
    let err = s.insert_file_events(run, &file("aa"), &events).unwrap_err();
    assert!(err.to_string().contains("boom"), "{err}");
    assert_eq!(s.totals().unwrap(), Totals::default());
    assert!(s.usage(None).unwrap().is_empty());
    assert!(s.mapping().unwrap().is_empty());
    assert!(!s.file_already_imported("aa", &Window::default()).unwrap());
    // The store is still usable, and the file imports whole once the problem is gone.
    s.conn.execute_batch("DROP TRIGGER boom").unwrap();
    let r = s.insert_file_events(run, &file("aa"), &events).unwrap();
    assert_eq!(r.new_events, 3);
    assert_eq!(s.totals().unwrap().principals, 3);
}

#[test]
fn a_database_from_a_newer_pare_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pare.db");
    let s = Store::open(&path).unwrap();
    s.conn
        .execute(
            "INSERT INTO schema_migrations (version, applied_at) VALUES ('29990101000000_future', 'x')",
            [],
        )
        .unwrap();
    drop(s);
    let err = Store::open(&path).unwrap_err();
    assert!(
        matches!(&err, StoreError::NewerSchema { version, .. } if version == "29990101000000_future"),
        "{err}"
    );
    assert!(err.to_string().contains("pare.db"), "{err}");
}

#[test]
fn stored_events_come_back_whole_and_filtered() {
    let mut s = Store::open_in_memory().unwrap();
    let run = s.begin_import(&[]).unwrap();
    let mut a = event(
        "a",
        "arn:aws:iam::1:user/u",
        Some("iam:CreateUser"),
        "2024-01-02T00:00:00Z",
        "1.1.1.1",
    );
    a.actions.push(ActionInput {
        action: "iam:TagUser".to_owned(),
        resources: vec![
            "arn:aws:iam::1:user/x".to_owned(),
            "arn:aws:iam::1:user/y".to_owned(),
        ],
    });
    a.principal.details = r#"{"session_name":"s","mfa_authenticated":true}"#.to_owned();
    let mut b = event(
        "b",
        "arn:aws:iam::1:role/r",
        None,
        "2024-01-05T00:00:00Z",
        "2.2.2.2",
    );
    b.outcome = StoredOutcome::Denied;
    b.error_code = Some("AccessDenied".to_owned());
    b.error_message = Some("no \u{e9} way".to_owned());
    b.read_only = None;
    b.region = None;
    b.event_id = None;
    b.record_index = 7;
    let c = event(
        "c",
        "arn:aws:iam::1:user/u",
        Some("iam:GetUser"),
        "2024-01-09T00:00:00Z",
        "1.1.1.1",
    );
    s.insert_file_events(run, &file("f1"), &[a.clone(), b.clone()])
        .unwrap();
    s.insert_file_events(run, &file("f2"), &[c.clone(), a.clone()])
        .unwrap();
    let collect = |f: &EventFilter| {
        let mut out = Vec::new();
        s.events(f, |e| {
            out.push(e.event.clone());
            ControlFlow::Continue(())
        })
        .unwrap();
        out
    };
    assert_eq!(
        collect(&EventFilter::default()),
        [a.clone(), b.clone(), c.clone()]
    );
    let by_user = EventFilter {
        principal: Some("arn:aws:iam::1:user/u".to_owned()),
        ..EventFilter::default()
    };
    assert_eq!(collect(&by_user), [a.clone(), c.clone()]);
    let window = EventFilter {
        since: Some("2024-01-03T00:00:00Z".to_owned()),
        until: Some("2024-01-09T00:00:00Z".to_owned()),
        ..EventFilter::default()
    };
    assert_eq!(collect(&window), [b.clone()]);
    let none = EventFilter {
        principal: Some("arn:aws:iam::1:user/nobody".to_owned()),
        ..EventFilter::default()
    };
    assert!(collect(&none).is_empty());
    // Stopping early.
    let mut n = 0;
    s.events(&EventFilter::default(), |_| {
        n += 1;
        ControlFlow::Break(())
    })
    .unwrap();
    assert_eq!(n, 1);
    let t = s.totals().unwrap();
    assert_eq!((t.events, t.denied_events), (3, 1));
    // A second store on the same data (keys loaded from the blocks) still deduplicates.
}

#[test]
fn keys_are_loaded_from_the_database_for_deduplication() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pare.db");
    let e = event(
        "a",
        "arn:aws:iam::1:user/u",
        Some("iam:CreateUser"),
        "2024-01-02T00:00:00Z",
        "1.1.1.1",
    );
    {
        let mut s = Store::open(&path).unwrap();
        let run = s.begin_import(&[]).unwrap();
        s.insert_file_events(run, &file("f1"), std::slice::from_ref(&e))
            .unwrap();
    }
    let mut s = Store::open(&path).unwrap();
    let run = s.begin_import(&[]).unwrap();
    let r = s
        .insert_file_events(run, &file("f2"), &[e.clone(), e])
        .unwrap();
    assert_eq!((r.new_events, r.duplicate_events), (0, 2));
    assert_eq!(s.totals().unwrap().events, 1);
    assert_eq!(s.usage(None).unwrap()[0].count, 1);
}

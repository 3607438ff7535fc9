//! Alerts through the engine: evaluation on import (new events only), on demand over the whole history,
//! triage that survives re-imports and reopening the database, policy versions, bad policy files, pivots.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code"
)]

use std::path::{Path, PathBuf};

use pare_engine::{AlertStatus, AlertView, EngineError};

fn data() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/cloudtrail")
}

/// The compromised-root story of panther-analysis (attacker's and victim's trails) as a Records file.
fn compromised_root(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(data().join("panther/scenario_events.jsonl")).unwrap();
    let records: Vec<serde_json::Value> = text
        .lines()
        .filter(|l| l.contains("test_scenarios/compromised-root-creds/"))
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["event"].clone())
        .collect();
    assert_eq!(records.len(), 16);
    let path = dir.join("compromised-root.json");
    std::fs::write(&path, serde_json::json!({ "Records": records }).to_string()).unwrap();
    path
}

fn import(db: &Path, paths: &[PathBuf]) -> pare_engine::ImportSummary {
    pare_engine::import_cloudtrail(db, paths, None, None, |_| {}).unwrap()
}

fn of<'a>(alerts: &'a [AlertView], policy: &str) -> Vec<&'a AlertView> {
    alerts.iter().filter(|a| a.policy == policy).collect()
}

#[test]
fn import_raises_alerts_once_and_triage_survives_reimport_and_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("pare.db");
    let story = compromised_root(dir.path());
    let stratus = data().join("stratus-red-team/all_detonations.json.gz");
    import(&db, &[story.clone(), stratus.clone()]);
    let all = pare_engine::alerts(&db, None).unwrap();
    let creates = of(&all, "root-creates-user");
    assert_eq!(creates.len(), 1, "{all:#?}");
    let create = creates[0].clone();
    assert_eq!(create.actor, "arn:aws:iam::493859302102:root");
    assert_eq!(create.time.as_deref(), Some("2020-11-01T08:35:19Z"));
    assert_eq!(create.events, ["1"]);
    assert_eq!(create.severity, "critical");
    assert_eq!(create.status, "open");
    // Facts stored at import reach the policies: sign-in results and MFA, IAM request parameters.
    assert_eq!(of(&all, "root-console-login-without-mfa").len(), 4);
    assert_eq!(of(&all, "trust-policy-opened").len(), 2);
    assert_eq!(of(&all, "admin-policy-attached").len(), 2);
    assert_eq!(of(&all, "cloudtrail-tampered").len(), 3);
    assert_eq!(of(&all, "access-denied-burst").len(), 3);
    let total = all.len();

    // Triage, with the reviewer from the settings.
    pare_engine::set_reviewer(&db, "Ana Auditor").unwrap();
    let dismissed = pare_engine::triage_alert(
        &db,
        create.id,
        AlertStatus::Dismissed,
        Some("planned break-glass test"),
        None,
    )
    .unwrap();
    assert_eq!(dismissed.status, "dismissed");
    assert_eq!(dismissed.triaged_by.as_deref(), Some("Ana Auditor"));
    assert!(dismissed.triaged_at.is_some());

    // Re-import: the same files (skipped), a copy under another name and Stratus's per-technique files
    // (their events are stored already: nothing new), then the AWS documentation's examples (new events).
    let copy = dir.path().join("copy.json");
    std::fs::copy(&story, &copy).unwrap();
    let s = import(
        &db,
        &[
            story.clone(),
            stratus.clone(),
            copy,
            data().join("stratus-red-team/original"),
        ],
    );
    assert_eq!(s.new_events, 0);
    assert_eq!(pare_engine::alerts(&db, None).unwrap().len(), total);
    let s = import(&db, &[data().join("aws-docs-examples/docs_examples.jsonl")]);
    assert!(s.new_events > 20, "{}", s.new_events);
    let after = pare_engine::alerts(&db, None).unwrap();
    assert!(after.len() > total);
    let creates = of(&after, "root-creates-user");
    assert_eq!(creates.len(), 1);
    assert_eq!(creates[0].id, create.id);
    assert_eq!(creates[0].status, "dismissed");
    assert_eq!(creates[0].note.as_deref(), Some("planned break-glass test"));

    // On demand over the whole history: nothing raised twice, triage kept.
    let summary = pare_engine::evaluate_alerts(&db).unwrap();
    assert_eq!(summary.new_alerts, 0);
    let again = pare_engine::alerts(&db, None).unwrap();
    assert_eq!(again, after);
    let dismissed = pare_engine::alerts(&db, Some(AlertStatus::Dismissed)).unwrap();
    assert_eq!(dismissed.len(), 1);
    assert_eq!(dismissed[0].id, create.id);
    let open = pare_engine::alerts(&db, Some(AlertStatus::Open)).unwrap();
    assert_eq!(open.len(), again.len() - 1);

    // Unknown alert ids are refused.
    assert!(matches!(
        pare_engine::triage_alert(&db, 999_999, AlertStatus::Resolved, None, Some("x")),
        Err(EngineError::UnknownAlert(999_999))
    ));
}

#[test]
fn policy_files_are_versioned_and_a_bad_file_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("pare.db");
    let before = pare_engine::alert_policies(&db).unwrap();
    assert_eq!(before.len(), 15);
    assert!(
        before
            .iter()
            .all(|p| p.version == 1 && p.source == "builtin")
    );

    // Adjust a built-in policy: take its stored file, change the threshold, import it.
    let burst = before
        .iter()
        .find(|p| p.id == "access-denied-burst")
        .unwrap();
    let adjusted = burst.file.replace("\"count\":10", "\"count\":20");
    assert_ne!(adjusted, burst.file);
    let stored =
        pare_engine::import_alert_policies(&db, &[("adjusted.json".to_owned(), adjusted.clone())])
            .unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(
        (stored[0].version, stored[0].source.as_str()),
        (2, "adjusted.json")
    );
    // The same content again is not a new version.
    let again =
        pare_engine::import_alert_policies(&db, &[("adjusted.json".to_owned(), adjusted)]).unwrap();
    assert_eq!(again[0].version, 2);

    // A good file and a bad one: refused with the bad file's name, line and field; nothing stored.
    let good = "version = 1\n[[policy]]\nid = \"my-policy\"\nname = \"n\"\nseverity = \"low\"\n\
                description = \"d\"\nreason = \"r\"\nrecommendation = \"x\"\nmatch = { root = true }\n";
    let bad = good
        .replace("my-policy", "other")
        .replace("root = true", "source_ip = \"10.0.0.0/40\"");
    let err = pare_engine::import_alert_policies(
        &db,
        &[
            ("good.toml".to_owned(), good.to_owned()),
            ("bad.toml".to_owned(), bad),
        ],
    )
    .unwrap_err();
    let EngineError::Policy(e) = &err else {
        panic!("{err}")
    };
    assert_eq!(
        (e.file.as_str(), e.line, e.field.as_str()),
        ("bad.toml", 9, "policy[0].match.source_ip")
    );
    let after = pare_engine::alert_policies(&db).unwrap();
    assert_eq!(after.len(), 15);
    assert!(!after.iter().any(|p| p.id == "my-policy"));

    // The adjusted policy is the one evaluated: 30 denied calls are one burst of 21, not two of 11.
    import(
        &db,
        &[data()
            .join("stratus-red-team/original/aws.credential-access.ec2-get-password-data.json")],
    );
    let bursts: Vec<AlertView> = pare_engine::alerts(&db, None)
        .unwrap()
        .into_iter()
        .filter(|a| a.policy == "access-denied-burst")
        .collect();
    assert_eq!(bursts.len(), 1);
    assert_eq!(bursts[0].events.len(), 21);
}

#[test]
fn investigate_pivots_from_an_alert() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("pare.db");
    import(&db, &[compromised_root(dir.path())]);
    let alerts = pare_engine::alerts(&db, None).unwrap();
    let create = of(&alerts, "root-creates-user")[0].clone();
    let events = pare_engine::alert_events(&db, create.id).unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].event_name, "CreateUser");
    let ip = events[0].source_ip.clone().unwrap();
    assert_eq!(ip, "92.55.146.245");

    let actor = pare_engine::actor_activity(&db, &create.actor).unwrap();
    assert_eq!(actor.timeline.len(), 15, "every root event of the story");
    assert_eq!(actor.source_ips.get("92.55.146.245"), Some(&11));
    assert_eq!(actor.source_ips.get("71.253.251.71"), Some(&4));
    assert_eq!(actor.regions.get("us-east-1"), Some(&15));
    assert_eq!(actor.actions.get("iam:CreateUser"), Some(&1));
    assert_eq!(actor.actions.get("iam:CreateAccessKey"), Some(&2));
    let times: Vec<_> = actor.timeline.iter().map(|e| e.time.clone()).collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted);

    // From the attacker's IP: root, and the user root created, launching an instance.
    let from_ip = pare_engine::ip_activity(&db, &ip).unwrap();
    assert_eq!(from_ip.timeline.len(), 12);
    assert_eq!(from_ip.actors.len(), 2);
    assert_eq!(from_ip.actors.get(&create.actor), Some(&11));
}

/// Each import evaluates alerts over the events it added, continuing from the state the last one
/// left; evaluating the whole stored history again from scratch must find exactly the same alerts and
/// end in the same evaluator state.
#[test]
fn alerts_evaluated_import_by_import_equal_a_full_evaluation_of_the_stored_log() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("pare.db");
    let story = compromised_root(dir.path());
    import(&db, &[story]);
    import(
        &db,
        &[
            data().join("stratus-red-team/all_detonations.json.gz"),
            data().join("panther/rule_test_events.json.gz"),
            data().join("aws-docs-examples/docs_examples.json.gz"),
            data().join("trailscraper"),
        ],
    );
    let before = pare_engine::alerts(&db, None).unwrap();
    assert!(before.len() > 20, "{}", before.len());
    let state_before = pare_store::Store::open(&db)
        .unwrap()
        .alert_evaluation()
        .unwrap();
    let again = pare_engine::evaluate_alerts(&db).unwrap();
    assert_eq!(
        again.new_alerts, 0,
        "the full evaluation raised alerts the import did not"
    );
    assert_eq!(pare_engine::alerts(&db, None).unwrap(), before);
    let state_after = pare_store::Store::open(&db)
        .unwrap()
        .alert_evaluation()
        .unwrap();
    assert_eq!(state_after, state_before);
}

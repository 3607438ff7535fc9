//! `pare alerts` end to end on the real fixtures: the JSON contract, triage surviving re-import and a
//! restart, bad policy files refused with nothing stored changed.

use std::path::Path;

use pare_tests::{pare, pare_json, tests_dir};
use serde_json::Value;

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn alerts_json_contract_triage_and_reimport() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("pare.db");
    let stratus = tests_dir().join("data/cloudtrail/stratus-red-team/all_detonations.json.gz");
    let docs = tests_dir().join("data/cloudtrail/aws-docs-examples/docs_examples.jsonl");
    let import = |path: &Path| {
        let (code, _, stderr) = pare(&["import", "--db", s(&db), "--cloudtrail", s(path)]);
        assert_eq!(code, 0, "{stderr}");
    };
    import(&stratus);
    let alerts = pare_json(&["alerts", "--db", s(&db), "--json"]);
    let list = alerts.as_array().unwrap();
    // Stratus: 3 CloudTrail tamperings, 2 admin attachments, 2 opened trusts, 5 new credentials,
    // 3 access-denied bursts, and first-seen alerts.
    let count =
        |list: &[Value], policy: &str| list.iter().filter(|a| a["policy"] == policy).count();
    assert_eq!(count(list, "cloudtrail-tampered"), 3);
    assert_eq!(count(list, "admin-policy-attached"), 2);
    assert_eq!(count(list, "trust-policy-opened"), 2);
    assert_eq!(count(list, "iam-credentials-created"), 5);
    assert_eq!(count(list, "access-denied-burst"), 3);
    assert_eq!(count(list, "root-creates-user"), 0);
    for a in list {
        let keys: Vec<&str> = a.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "id", "policy", "severity", "actor", "time", "events", "status", "note"
            ]
        );
        assert!(!a["events"].as_array().unwrap().is_empty());
        assert_eq!(a["status"], "open");
    }
    let stop = list
        .iter()
        .find(|a| a["policy"] == "cloudtrail-tampered")
        .unwrap();
    let id = stop["id"].as_i64().unwrap().to_string();
    let (code, _, stderr) = pare(&[
        "alerts",
        "--db",
        s(&db),
        "--reviewer",
        "Ana Auditor",
        "--triage",
        &id,
        "--status",
        "dismissed",
        "--note",
        "red team exercise",
    ]);
    assert_eq!(code, 0, "{stderr}");

    // Re-import the same file and import new events: the dismissed alert stays dismissed, nothing is
    // raised twice.
    import(&stratus);
    import(&docs);
    let after = pare_json(&["alerts", "--db", s(&db), "--json"]);
    let after = after.as_array().unwrap();
    assert!(after.len() > list.len());
    assert_eq!(count(after, "cloudtrail-tampered"), 3);
    let dismissed = pare_json(&["alerts", "--db", s(&db), "--status", "dismissed", "--json"]);
    assert_eq!(dismissed.as_array().unwrap().len(), 1);
    assert_eq!(dismissed[0]["id"], stop["id"]);
    assert_eq!(dismissed[0]["note"], "red team exercise");
    assert_eq!(dismissed[0]["events"], stop["events"]);
    // On demand over the whole history: the same alerts.
    let (code, _, stderr) = pare(&["alerts", "--db", s(&db), "--evaluate"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains(": 0 new alerts"), "{stderr}");
    assert_eq!(
        &pare_json(&["alerts", "--db", s(&db), "--json"]),
        &Value::Array(after.to_vec())
    );

    // A bad policy file: exit 2, the file, line and field named, nothing stored changed.
    let policies_before = pare_json(&["alerts", "--db", s(&db), "--policies", "--json"]);
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "version = 1\n[[policy]]\nid = \"night-logins\"\nname = \"n\"\nseverity = \"low\"\n\
         description = \"d\"\nreason = \"r\"\nrecommendation = \"x\"\n\
         match = { event_name = \"ConsoleLogin\" }\nthreshold = { count = 0, within_minutes = 5 }\n",
    )
    .unwrap();
    let (code, _, stderr) = pare(&["alerts", "--db", s(&db), "--policy", s(&bad)]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("bad.toml:10:") && stderr.contains("`policy[0].threshold.count`"),
        "{stderr}"
    );
    assert_eq!(
        pare_json(&["alerts", "--db", s(&db), "--policies", "--json"]),
        policies_before
    );
    assert_eq!(
        &pare_json(&["alerts", "--db", s(&db), "--json"]),
        &Value::Array(after.to_vec())
    );
    // Unknown alert: exit 2.
    let (code, _, stderr) = pare(&[
        "alerts",
        "--db",
        s(&db),
        "--triage",
        "99999",
        "--status",
        "resolved",
    ]);
    assert_eq!(code, 2, "{stderr}");
}

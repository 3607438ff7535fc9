//! The identities and findings screens and the dashboard's account panels in the real window, on the demo
//! account: every number equals what `pare findings --json`, `pare findings --scores --json` and `pare usage
//! --json` print for the database `pare demo --db` builds (the same database the app builds on first run).
//! Called with one line from `e2e::desktop_app_in_a_real_window`.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use serde_json::json;

use crate::e2e::{Driver, distinct_actions, pare_json};
use pare_tests::pare_binary;

/// Sets a search box or select the way a user does (React sees the event).
fn set_input(d: &Driver, testid: &str, value: &str) {
    d.script(
        "const e = document.querySelector(`[data-testid=\"${arguments[0]}\"]`); \
         const proto = e instanceof HTMLSelectElement ? HTMLSelectElement.prototype : HTMLInputElement.prototype; \
         Object.getOwnPropertyDescriptor(proto, 'value').set.call(e, arguments[1]); \
         e.dispatchEvent(new Event(e instanceof HTMLSelectElement ? 'change' : 'input', {bubbles: true}));",
        json!([testid, value]),
    );
}

pub(crate) fn identities_and_findings(d: &Driver, shots: &Path, tmp: &Path) {
    // What the CLI says about the demo database.
    let db = tmp.join("expected-account").join("demo.db");
    std::fs::create_dir_all(db.parent().unwrap()).unwrap();
    let out = Command::new(pare_binary())
        .args(["demo", "--db", db.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let db = db.to_str().unwrap();
    let findings = pare_json(&["findings", "--db", db, "--json"]);
    let findings = findings.as_array().unwrap();
    let scores = pare_json(&["findings", "--db", db, "--scores", "--json"]);
    let scores = scores.as_array().unwrap();
    let mut by_severity: BTreeMap<&str, usize> = BTreeMap::new();
    for f in findings {
        *by_severity
            .entry(f["severity"].as_str().unwrap())
            .or_default() += 1;
    }
    let identities = scores.len() + 1; // every user and role has a score; root has none

    // Dashboard: identities, findings by severity.
    d.click("[data-testid=\"nav-dashboard\"]");
    d.expect_value("stat-findings", findings.len());
    d.expect_value("stat-identities", identities);
    let bars = d.script(
        "return [...document.querySelectorAll('[data-testid=\"findings-by-severity\"] li')].map(li => \
         [li.querySelector('.bar-label').textContent, Number(li.querySelector('.bar-value').dataset.value)]);",
        json!([]),
    );
    for bar in bars.as_array().unwrap() {
        let severity = bar[0].as_str().unwrap();
        assert_eq!(
            bar[1].as_u64().unwrap() as usize,
            by_severity.get(severity).copied().unwrap_or(0),
            "{severity} findings"
        );
    }
    assert!(d.value_of("stat-granted").parse::<u64>().unwrap() > 0);
    d.script(
        "document.querySelector('[data-testid=\"findings-by-severity\"]').scrollIntoView();",
        json!([]),
    );
    d.screenshot(shots, "10-dashboard-account-panels");

    // Identities: every one, and bob.martin's numbers as the CLI prints them.
    d.click("[data-testid=\"nav-identities\"]");
    d.expect_value("identities-total", identities);
    d.screenshot(shots, "11-identities");
    let bob = "arn:aws:iam::210987654321:user/bob.martin";
    set_input(d, "identities-search", "bob.martin");
    d.expect_value("identities-total", "1");
    let row = d.wait_for(
        "bob's row",
        "const r = document.querySelector('[data-testid=\"identity-row\"]'); \
         return r && r.dataset.arn === arguments[0] ? {...r.dataset} : null;",
        json!([bob]),
    );
    let bob_findings = findings.iter().filter(|f| f["principal"] == bob).count();
    assert_eq!(row["findings"], json!(bob_findings.to_string()));
    let score = scores.iter().find(|s| s["principal"] == bob).unwrap()["score"]
        .as_f64()
        .unwrap();
    let shown: f64 = row["risk"].as_str().unwrap().parse().unwrap();
    assert!((shown - score).abs() < 1e-9, "risk {shown} vs {score}");
    let used = pare_json(&["usage", "--db", db, "--principal", bob, "--json"]);
    assert_eq!(row["used"], json!(distinct_actions(&used).to_string()));

    // Findings: all of them, then the critical ones; one links to its events.
    d.click("[data-testid=\"nav-findings\"]");
    d.expect_value("findings-total", findings.len());
    set_input(d, "findings-severity", "critical");
    d.expect_value(
        "findings-total",
        by_severity.get("critical").copied().unwrap_or(0),
    );
    d.wait_for(
        "a finding's evidence",
        "const e = document.querySelector('[data-testid=\"finding-evidence\"]'); return e && e.textContent.length > 2 ? true : null",
        json!([]),
    );
    d.screenshot(shots, "12-findings");
    d.click("[data-testid=\"finding-activity\"]");
    let events: u64 = d.value_of("activity-total").parse().unwrap();
    assert!(events > 0, "the finding's principal has events");
}

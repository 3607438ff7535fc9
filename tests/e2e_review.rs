//! The alert, review and drift screens in the real window (called from the one desktop E2E test on the
//! demo account): the alerts screen shows the alerts `pare alerts --json` reports on the app's own database;
//! an alert dismissed with a note in the window is dismissed for the CLI too; a review started and a decision
//! recorded in the window are what `pare review show --json` sees; a report saved through the save dialog
//! (its path preset by `PARE_E2E_SAVE_DIR`) verifies with `pare review verify`; the drift screen compares
//! two snapshots (a modified copy of the demo's account imported by the CLI) as `pare review diff --json`
//! does. A full-window screenshot of each screen.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use pare_tests::{pare_binary, tests_dir};
use serde_json::{Value, json};

use crate::e2e::{Driver, pare_json};

/// The folder the app writes reports into under test (what `PARE_E2E_SAVE_DIR` is set to).
pub(crate) fn report_dir(tmp: &Path) -> PathBuf {
    // One folder stands in for every save dialog (the app reads one `PARE_E2E_SAVE_DIR`).
    tmp.join("exports")
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn pare_ok(args: &[&str]) -> String {
    let out = Command::new(pare_binary()).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "pare {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Sets an input's or textarea's value the way typing does (React sees the change).
fn fill(d: &Driver, testid: &str, value: &str) {
    d.wait_for(
        testid,
        "return document.querySelector(`[data-testid=\"${arguments[0]}\"]`) ? true : null",
        json!([testid]),
    );
    d.script(
        "const e = document.querySelector(`[data-testid=\"${arguments[0]}\"]`); \
         const proto = e.tagName === 'TEXTAREA' ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype; \
         Object.getOwnPropertyDescriptor(proto, 'value').set.call(e, arguments[1]); \
         e.dispatchEvent(new Event('input', {bubbles: true}));",
        json!([testid, value]),
    );
}

/// The authorization details of the account the demo database holds: the demo's own file when the demo
/// has an account, else the cloudsplaining example imported into it first (a review needs a snapshot).
fn demo_account_authz(db: &Path) -> PathBuf {
    let snapshots = pare_json(&["review", "--db", s(db), "snapshots", "--json"]);
    let own = db
        .with_file_name("demo-data")
        .join("authorization-details.json");
    if !snapshots.as_array().unwrap().is_empty() && own.is_file() {
        return own;
    }
    let example = tests_dir()
        .join("data")
        .join("authz-details-cloudsplaining")
        .join("example-authz-details.json.gz");
    pare_ok(&["import", "--db", s(db), "--authz", s(&example), "--json"]);
    example
}

/// The same account with its first user removed: a later snapshot to compare with.
fn without_first_user(authz: &Path, out: &Path) -> String {
    let mut text = String::new();
    let file = std::fs::File::open(authz).unwrap();
    if authz.extension().is_some_and(|e| e == "gz") {
        flate2::read::GzDecoder::new(file)
            .read_to_string(&mut text)
            .unwrap();
    } else {
        std::io::BufReader::new(file)
            .read_to_string(&mut text)
            .unwrap();
    }
    let mut v: Value = serde_json::from_str(&text).unwrap();
    let users = v["UserDetailList"].as_array_mut().unwrap();
    let removed = users.remove(0);
    std::fs::write(out, v.to_string()).unwrap();
    removed["Arn"].as_str().unwrap().to_owned()
}

/// Alerts, triage, reviews with a decision and a report, and drift, on the demo database `db` the app has
/// open; screenshots into `shots`.
pub(crate) fn alerts_reviews_and_drift(d: &Driver, shots: &Path, db: &Path, tmp: &Path) {
    // Alerts: the count the CLI reports on the same database.
    let cli_alerts = pare_json(&["alerts", "--db", s(db), "--json"]);
    let cli_alerts = cli_alerts.as_array().unwrap();
    assert!(
        !cli_alerts.is_empty(),
        "the demo account raises built-in alerts"
    );
    d.click("[data-testid=\"nav-alerts\"]");
    d.expect_value("alerts-total", cli_alerts.len());
    d.expect_value("alerts-shown", cli_alerts.len());
    let first_open = cli_alerts
        .iter()
        .find(|a| a["status"] == "open")
        .expect("an open alert");
    let id = first_open["id"].as_i64().unwrap();

    // The reviewer's name, then dismiss one alert with a note.
    fill(d, "reviewer-input", "E2E Reviewer");
    d.click("[data-testid=\"reviewer-save\"]");
    d.expect_value("reviewer-name", "E2E Reviewer");
    d.click(&format!("[data-testid=\"alert-row\"][data-id=\"{id}\"]"));
    d.wait_for(
        "the alert's detail",
        "const e = document.querySelector('[data-testid=\"alert-detail\"]'); \
         return e && e.dataset.id === String(arguments[0]) && document.querySelector('[data-testid=\"policy-reason\"]') ? true : null",
        json!([id]),
    );
    d.screenshot(shots, "10-alerts");
    fill(d, "triage-note", "expected during the red-team exercise");
    d.click("[data-testid=\"triage-dismiss\"]");
    d.expect_value("alert-status", "dismissed");
    let dismissed = pare_json(&["alerts", "--db", s(db), "--status", "dismissed", "--json"]);
    let mine = dismissed
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == id)
        .unwrap_or_else(|| panic!("alert {id} is not dismissed for the CLI: {dismissed}"));
    assert_eq!(mine["note"], "expected during the red-team exercise");
    d.screenshot(shots, "11-alert-dismissed");

    // "Adjust the policy that raised it" opens the policy file.
    d.click("[data-testid=\"adjust-policy\"]");
    let policy = d.wait_for(
        "the policy file",
        "const t = document.querySelector('[data-testid=\"policy-text\"]'); return t && t.value.length > 0 ? t.value : null",
        json!([]),
    );
    assert!(
        policy
            .as_str()
            .unwrap()
            .contains(first_open["policy"].as_str().unwrap()),
        "{policy}"
    );
    d.screenshot(shots, "12-alert-policy");

    // Reviews: a second snapshot (a modified copy of the demo's account) for the drift, then a review.
    let authz = demo_account_authz(db);
    let later = tmp.join("account-later.json");
    let removed_user = without_first_user(&authz, &later);
    pare_ok(&["import", "--db", s(db), "--authz", s(&later), "--json"]);
    d.click("[data-testid=\"nav-reviews\"]");
    fill(d, "review-name", "E2E quarterly review");
    d.click("[data-testid=\"review-start\"]");
    d.wait_for(
        "the review's grid",
        "return document.querySelector('[data-testid=\"review-detail\"]') && document.querySelector('[data-testid=\"review-item\"]') ? true : null",
        json!([]),
    );
    let shown = pare_json(&[
        "review",
        "--db",
        s(db),
        "show",
        "--review",
        "E2E quarterly review",
        "--json",
    ]);
    let items = shown["items"].as_array().unwrap();
    d.expect_value("review-progress", format!("0/{}", items.len()));
    let subject = d.script(
        "return document.querySelector('[data-testid=\"review-item\"]').dataset.subject",
        json!([]),
    );
    let key = d.script(
        "return document.querySelector('[data-testid=\"review-item\"]').dataset.key",
        json!([]),
    );
    d.click("[data-testid=\"review-item\"]");
    d.click("[data-testid=\"decision-remove\"]");
    fill(d, "decision-note", "no owner found");
    d.click("[data-testid=\"decision-save\"]");
    d.expect_value("review-progress", format!("1/{}", items.len()));
    let shown = pare_json(&[
        "review",
        "--db",
        s(db),
        "show",
        "--review",
        "E2E quarterly review",
        "--json",
    ]);
    let decided: Vec<&Value> = shown["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| !i["decision"].is_null())
        .collect();
    assert_eq!(decided.len(), 1, "{shown}");
    assert_eq!(decided[0]["subject"], subject);
    assert_eq!(decided[0]["key"], key);
    assert_eq!(decided[0]["decision"]["decision"], "remove");
    assert_eq!(decided[0]["decision"]["note"], "no owner found");
    assert_eq!(decided[0]["decision"]["reviewer"], "E2E Reviewer");
    d.screenshot(shots, "13-review");

    // Close it into a report: written where the (preset) save dialog says, sealed.
    d.click("[data-testid=\"report-html\"]");
    let path = d.value_of("report-saved");
    let expected = report_dir(tmp).join("E2E-quarterly-review-report.html");
    assert_eq!(Path::new(&path), expected);
    let verified = pare_ok(&["review", "verify", "--file", &path]);
    assert!(verified.contains(": ok, sha256 "), "{verified}");
    d.click("[data-testid=\"nav-reviews\"]");
    d.expect_value("reviews-table", 1);
    d.screenshot(shots, "14-reviews");

    // Drift: the two latest snapshots, as `pare review diff` computes them.
    let snapshots = pare_json(&["review", "--db", s(db), "snapshots", "--json"]);
    let mut ids: Vec<i64> = snapshots
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_i64().unwrap())
        .collect();
    ids.sort_unstable();
    let (from, to) = (ids[ids.len() - 2], ids[ids.len() - 1]);
    let diff = pare_json(&[
        "review",
        "--db",
        s(db),
        "diff",
        "--from",
        &from.to_string(),
        "--to",
        &to.to_string(),
        "--json",
    ]);
    assert_eq!(
        diff["identities"]["removed"][0]["arn"],
        removed_user.as_str()
    );
    d.click("[data-testid=\"nav-drift\"]");
    d.click("[data-testid=\"drift-compare\"]");
    let identities = diff["identities"]["added"].as_array().unwrap().len()
        + diff["identities"]["removed"].as_array().unwrap().len()
        + diff["identities"]["recreated"].as_array().unwrap().len();
    d.expect_value("drift-identities", identities);
    d.expect_value(
        "drift-attachments",
        diff["attachments"].as_array().unwrap().len(),
    );
    d.expect_value(
        "drift-permissions",
        diff["permissions"].as_array().unwrap().len(),
    );
    d.expect_value(
        "drift-resolved-findings",
        diff["findings"]["resolved"].as_array().unwrap().len(),
    );
    d.expect_value(
        "drift-credentials",
        diff["credentials"].as_array().unwrap().len(),
    );
    let text = d.script(
        "return document.querySelector('[data-testid=\"drift-identities\"]').innerText",
        json!([]),
    );
    assert!(
        text.as_str().unwrap().contains(&removed_user),
        "{text} lacks {removed_user}"
    );
    d.screenshot(shots, "15-drift");
}

//! The desktop app's "Connect to AWS" screen in the real window (called from the one E2E test in
//! `e2e.rs`): a moto server on loopback seeded like `aws_scan`'s, a temporary AWS config whose
//! profile points at it (`endpoint_url`) with test keys in a temporary credentials file, the profile
//! picked in the UI, the scan run stage by stage, and the scanned identities and the trail's events
//! seen in the window. The app gets the temporary files through `AWS_CONFIG_FILE` and
//! `AWS_SHARED_CREDENTIALS_FILE` ([`app_env`], set on tauri-driver before the app starts).

use std::ffi::OsString;
use std::path::Path;

use serde_json::json;

use crate::aws_scan::{ACCOUNT, gzip, seed, start_moto, stratus_records};
use crate::e2e::Driver;
use crate::e2e::pare_json;

/// The profile the test writes and picks.
const PROFILE: &str = "pare-e2e-moto";

fn aws_dir(tmp: &Path) -> std::path::PathBuf {
    tmp.join("aws-profiles")
}

/// The app's environment for the scan: the temporary AWS files (written by [`connect_to_aws`]
/// before the screen reads them), one attempt per request (moto answers 500 for what it lacks), no
/// instance metadata lookups.
pub(crate) fn app_env(tmp: &Path) -> Vec<(&'static str, OsString)> {
    let dir = aws_dir(tmp);
    vec![
        ("AWS_CONFIG_FILE", dir.join("config").into_os_string()),
        (
            "AWS_SHARED_CREDENTIALS_FILE",
            dir.join("credentials").into_os_string(),
        ),
        ("AWS_MAX_ATTEMPTS", "1".into()),
        ("AWS_EC2_METADATA_DISABLED", "true".into()),
    ]
}

/// Scans the seeded moto account through the Connect screen and checks what the window shows.
pub(crate) fn connect_to_aws(d: &Driver, tmp: &Path, shots: &Path) {
    let Some(moto) = start_moto() else { return };
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(seed(&moto.url));
    let dir = aws_dir(tmp);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("config"),
        format!(
            "[default]\nregion = eu-west-1\n\n[profile {PROFILE}]\nregion = us-east-1\nendpoint_url = {}\n",
            moto.url
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("credentials"),
        format!("[{PROFILE}]\naws_access_key_id = testing\naws_secret_access_key = testing\n"),
    )
    .unwrap();

    // The database's events before the scan (the earlier import's).
    d.click("[data-testid=\"nav-dashboard\"]");
    let before: u64 = d.value_of("stat-events").parse().unwrap();

    d.click("[data-testid=\"nav-connect\"]");
    let options = d.wait_for(
        "the profile picker",
        "const s = document.querySelector('[data-testid=\"connect-profile\"]'); \
         return s && s.options.length > 2 ? [...s.options].map(o => o.textContent) : null;",
        json!([]),
    );
    let options: Vec<&str> = options
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o.as_str().unwrap())
        .collect();
    assert_eq!(
        options[..2],
        [
            "default (other, eu-west-1)".to_owned(),
            format!("{PROFILE} (keys, us-east-1)")
        ],
        "{options:?}"
    );
    // Nothing secret reaches the page.
    let text = d.script("return document.body.innerText", json!([]));
    assert!(!text.as_str().unwrap().contains("testing"), "{text}");
    d.script(
        "const s = document.querySelector('[data-testid=\"connect-profile\"]'); \
         const set = Object.getOwnPropertyDescriptor(HTMLSelectElement.prototype, 'value').set; \
         set.call(s, arguments[0]); s.dispatchEvent(new Event('change', {bubbles: true}));",
        json!([PROFILE]),
    );
    d.wait_for(
        "the profile's region",
        "const s = document.querySelector('[data-testid=\"connect-region\"]'); \
         return s && s.value === 'us-east-1' ? true : null;",
        json!([]),
    );
    // The whole trail (the seeded objects are from 2024): an empty window start.
    d.script(
        "const i = document.querySelector('[data-testid=\"connect-since\"]'); \
         const set = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set; \
         set.call(i, ''); i.dispatchEvent(new Event('input', {bubbles: true}));",
        json!([]),
    );
    d.wait_for(
        "an empty window start",
        "const i = document.querySelector('[data-testid=\"connect-since\"]'); return i && i.value === '' ? true : null;",
        json!([]),
    );
    d.screenshot(shots, "10-connect");
    d.click("[data-testid=\"connect-scan\"]");

    // Every stage reported, then the scanned account and its identities.
    d.expect_value("scan-account", ACCOUNT);
    let states = d.script(
        "return [...document.querySelectorAll('[data-testid=\"scan-stage\"]')].map(e => [e.dataset.stage, e.dataset.state]);",
        json!([]),
    );
    for stage in states.as_array().unwrap() {
        assert_eq!(stage[1], "done", "{states}");
    }
    let identities = d.script(
        "return [...document.querySelectorAll('[data-testid=\"scanned-identity\"]')].map(e => e.dataset.value);",
        json!([]),
    );
    for who in ["user/alice", "user/bob", "role/app"] {
        let arn = format!("arn:aws:iam::{ACCOUNT}:{who}");
        assert!(
            identities
                .as_array()
                .unwrap()
                .iter()
                .any(|v| v == &json!(arn)),
            "{arn} not in {identities}"
        );
    }
    d.screenshot(shots, "11-connect-scanned");

    // The normal screens over the scanned database: the trail's events that were new to it. One of the
    // 310 Stratus records (a RunInstances) is also in Panther's rule tests imported before, so it is
    // stored once: the CLI, importing the same objects into its copy of that database, says how many.
    let objects = tmp.join("scanned-objects");
    std::fs::create_dir_all(&objects).unwrap();
    for (i, chunk) in stratus_records().chunks(50).enumerate() {
        let doc = json!({ "Records": chunk });
        std::fs::write(
            objects.join(format!(
                "{ACCOUNT}_CloudTrail_us-east-1_20240730T21{i:02}Z_abcdEFGH{i}.json.gz"
            )),
            gzip(doc.to_string().as_bytes()),
        )
        .unwrap();
    }
    let expected = pare_json(&[
        "import",
        "--db",
        tmp.join("expected-mine.db").to_str().unwrap(),
        "--cloudtrail",
        objects.to_str().unwrap(),
        "--json",
    ]);
    let new_events = expected["new_events"].as_u64().unwrap();
    assert_eq!(new_events, 309, "{expected:#}");
    let stage = d.script(
        "const e = [...document.querySelectorAll('[data-testid=\"scan-stage\"]')].find(e => e.dataset.stage === arguments[0]); \
         return e ? e.innerText : null;",
        json!([pare_engine::IMPORT_STAGE]),
    );
    assert!(
        stage
            .as_str()
            .unwrap()
            .contains(&format!("{new_events} new events")),
        "{stage}"
    );
    d.click("[data-testid=\"scan-open-dashboard\"]");
    d.expect_value("stat-events", before + new_events);
    d.screenshot(shots, "12-dashboard-scanned");
    drop(moto);
}

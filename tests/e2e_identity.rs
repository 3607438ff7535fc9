//! The identity detail screen in the real window (called from the one desktop E2E test): open an identity of the
//! demo account, see its graph and its right-size suggestion, export the suggestion in each format and check each
//! file is byte-equal to what `pare rightsize` writes for that identity on the same database. The native save
//! dialog cannot be driven under WebDriver, so the app is started with `PARE_E2E_SAVE_DIR` (read by the Rust
//! export command only when set): the dialog's answer is that folder and the proposed file name, and the rest
//! of the export is the code the dialog path runs.

use std::path::Path;
use std::process::Command;

use pare_engine::explore_identity::{export_file_name, export_format};
use pare_tests::pare_binary;
use serde_json::json;

use crate::e2e::Driver;

/// The demo identity the test opens: a user with an escalation path (iam:CreatePolicyVersion on `*`) and a real
/// right-size suggestion (1,212 → 6 actions, 293/293 events on replay).
pub(crate) const DEMO_IDENTITY: &str = "arn:aws:iam::210987654321:user/heidi.schmidt";

/// The environment variable the app reads (see `src-tauri/src/commands_identity.rs`).
pub(crate) const SAVE_DIR_ENV: &str = "PARE_E2E_SAVE_DIR";

/// Opens `key` from the principals screen, checks and screenshots its graph and right-size tabs, and exports its
/// right-sized policy in the three formats into `save_dir`, each equal to `pare rightsize`'s file.
pub(crate) fn identity_detail(d: &Driver, key: &str, save_dir: &Path, shots: &Path) {
    d.click("[data-testid=\"nav-principals\"]");
    d.click("[data-testid=\"principals-search\"]");
    d.script(
        "const i = document.querySelector('[data-testid=\"principals-search\"]'); \
         const set = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set; \
         set.call(i, arguments[0]); i.dispatchEvent(new Event('input', {bubbles: true}));",
        json!([key]),
    );
    d.expect_value("principals-total", "1");
    d.click("[data-testid=\"principal-row\"]");
    d.wait_for(
        "the identity detail",
        "const e = document.querySelector('[data-testid=\"identity-key\"]'); \
         return e && e.textContent === arguments[0] ? true : null",
        json!([key]),
    );
    // The graph: the identity, its groups and policies at least.
    let nodes = d.wait_for(
        "the identity graph",
        "const e = document.querySelector('[data-testid=\"identity-graph\"]'); \
         return e && Number(e.dataset.nodes) > 2 && e.querySelector('canvas') ? Number(e.dataset.nodes) : null",
        json!([]),
    );
    assert!(nodes.as_u64().unwrap() > 2, "{nodes}");
    d.screenshot(shots, "10-identity-graph");

    d.click("[data-testid=\"tab-rightsize\"]");
    let replay = d.value_of("rs-replay");
    let (allowed, total) = replay.split_once('/').unwrap();
    assert_eq!(
        allowed, total,
        "the suggestion must allow every observed call"
    );
    assert!(
        total.parse::<u64>().unwrap() > 0,
        "no observed call: {replay}"
    );
    let before: u64 = d.value_of("rs-before").parse().unwrap();
    let after: u64 = d.value_of("rs-after").parse().unwrap();
    assert!(after < before, "no reduction: {before} → {after}");
    d.screenshot(shots, "11-identity-rightsize");

    let db = d
        .script(
            "return document.querySelector('[data-testid=\"database-label\"]').title",
            json!([]),
        )
        .as_str()
        .unwrap()
        .to_owned();
    for format in ["json", "terraform", "cloudformation"] {
        let want_path = save_dir.join(export_file_name(key, export_format(format).unwrap()));
        d.click(&format!("[data-testid=\"export-{format}\"]"));
        d.wait_for(
            "the export",
            "const e = document.querySelector('[data-testid=\"export-path\"]'); \
             const s = document.querySelector('[data-testid=\"export-status\"]'); \
             if (s && s.dataset.status === 'error') return s.textContent; \
             return e && e.textContent === arguments[0] ? true : null",
            json!([want_path.to_str().unwrap()]),
        )
        .as_bool()
        .unwrap_or_else(|| panic!("the {format} export failed"));
        let cli = save_dir.join(format!("cli-{format}.out"));
        let out = Command::new(pare_binary())
            .args([
                "rightsize",
                "--db",
                &db,
                "--principal",
                key,
                "--format",
                format,
                "--out",
            ])
            .arg(&cli)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "pare rightsize: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let (got, want) = (
            std::fs::read(&want_path).unwrap(),
            std::fs::read(&cli).unwrap(),
        );
        assert!(!got.is_empty());
        assert!(
            got == want,
            "the app's {format} export differs from `pare rightsize`"
        );
    }
    d.screenshot(shots, "12-identity-exported");
}

//! The read-only policy shipped in `docs/` and the README: Pare's own policy analysis (pare-policy
//! with the bundled catalog's access levels) finds only List and Read actions in it, exactly the
//! ones a scan calls.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code"
)]

use std::collections::BTreeSet;

use pare_catalog::{AccessLevel, Catalog};
use pare_policy::PolicyDocument;
use pare_policy::actions::allowed_actions;

const POLICY: &str = include_str!("../../../docs/pare-readonly-policy.json");
const README: &str = include_str!("../../../README.md");

#[test]
fn the_readonly_policy_has_no_write_or_permissions_management_action() {
    let catalog = Catalog::bundled().unwrap();
    let (doc, diagnostics) = PolicyDocument::parse_text(POLICY).unwrap();
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let allowed = allowed_actions(&doc, catalog);
    let mut levels = BTreeSet::new();
    let mut names = BTreeSet::new();
    for id in allowed.iter() {
        let action = catalog.action_info(id).unwrap();
        levels.insert(action.access_level());
        names.insert(action.full_name().to_lowercase());
        assert!(
            matches!(action.access_level(), AccessLevel::List | AccessLevel::Read),
            "{} is {}",
            action.full_name(),
            action.access_level().as_str()
        );
    }
    assert!(!levels.contains(&AccessLevel::Write));
    assert!(!levels.contains(&AccessLevel::PermissionsManagement));
    assert!(!levels.contains(&AccessLevel::Tagging));
    // Every action the scan calls is known to the catalog and allowed, and nothing else is.
    let wanted: BTreeSet<String> = pare_aws::READ_ONLY_ACTIONS
        .iter()
        .map(|a| a.to_lowercase())
        .collect();
    for a in pare_aws::READ_ONLY_ACTIONS {
        assert!(catalog.action(a).is_some(), "`{a}` is not in the catalog");
    }
    assert_eq!(names, wanted);
}

#[test]
fn the_readme_ships_the_same_policy() {
    let policy: serde_json::Value = serde_json::from_str(POLICY).unwrap();
    let start = README
        .find("<!-- pare-readonly-policy -->")
        .expect("README has the policy marker");
    let rest = &README[start..];
    let open = rest.find("```json\n").unwrap() + "```json\n".len();
    let close = rest[open..].find("```").unwrap();
    let in_readme: serde_json::Value = serde_json::from_str(&rest[open..open + close]).unwrap();
    assert_eq!(in_readme, policy);
}

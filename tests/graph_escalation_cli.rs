//! Through the `pare` binary: privilege-escalation edges in `pare graph` (DOT and JSON) on the real iam-vulnerable
//! account, and users that the imported CloudTrail shows being created after the snapshot reviewed by
//! `pare findings` (the Stratus Red Team CreateUser → AttachUserPolicy(AdministratorAccess) story).

use serde_json::Value;

fn data(path: &str) -> std::path::PathBuf {
    pare_tests::tests_dir().join("data").join(path)
}

fn pare(args: &[&str]) -> (String, String, bool) {
    let out = std::process::Command::new(pare_tests::pare_binary())
        .args(args)
        .output()
        .unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.success(),
    )
}

const VULNERABLE: &str = "arn:aws:iam::200611803367";

#[test]
fn graph_shows_escalation_edges_with_their_technique() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("g.db").to_string_lossy().into_owned();
    let authz = data("authz-details-cloudsplaining/example.iam-vulnerable-account.2023.json.gz");
    let (_, err, ok) = pare(&["import", "--db", &db, "--authz", authz.to_str().unwrap()]);
    assert!(ok, "{err}");
    let (paths, err, ok) = pare(&["paths", "--db", &db, "--json"]);
    assert!(ok, "{err}");
    let paths: Vec<Value> = serde_json::from_str(&paths).unwrap();

    // A user that creates an access key for another user (a step to a principal), and one that attaches a policy
    // to itself (a step straight to admin: the edge points back at the user).
    for (name, technique, to) in [
        ("privesc4-CreateAccessKey-user", "iam-002", None::<&str>),
        (
            "privesc7-AttachUserPolicy-user",
            "iam-008",
            Some("privesc7-AttachUserPolicy-user"),
        ),
    ] {
        let arn = format!("{VULNERABLE}:user/{name}");
        let first: Vec<&Value> = paths
            .iter()
            .filter(|p| p["principal"] == arn.as_str())
            .map(|p| &p["steps"][0])
            .collect();
        assert!(
            first.iter().any(|s| s["technique"] == technique),
            "{name}: {first:?}"
        );
        let (json, err, ok) = pare(&[
            "graph",
            "--db",
            &db,
            "--principal",
            &arn,
            "--format",
            "json",
        ]);
        assert!(ok, "{err}");
        let v: Value = serde_json::from_str(&json).unwrap();
        let edges: Vec<&Value> = v["edges"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "can_escalate_to" && e["from"] == arn.as_str())
            .collect();
        // Every first step of the principal's paths is an edge with the technique's id and where it leads.
        for step in &first {
            let want_to = if step["to"] == "admin" {
                step["via"]
                    .as_str()
                    .filter(|v| v.contains(":user/") || v.contains(":role/"))
                    .unwrap_or(&arn)
                    .to_owned()
            } else {
                step["to"].as_str().unwrap().to_owned()
            };
            assert!(
                edges
                    .iter()
                    .any(|e| e["technique"] == step["technique"] && e["to"] == want_to.as_str()),
                "{name}: no edge for {step}"
            );
        }
        let edge = edges.iter().find(|e| e["technique"] == technique).unwrap();
        if let Some(to) = to {
            assert_eq!(edge["to"], format!("{VULNERABLE}:user/{to}").as_str());
        }
        assert!(edge["reason"].as_str().unwrap().contains(technique));
        let (dot, err, ok) = pare(&["graph", "--db", &db, "--principal", &arn, "--format", "dot"]);
        assert!(ok, "{err}");
        assert!(
            dot.lines().any(|l| l.contains(&format!("\"{arn}\" -> "))
                && l.contains(&format!("label=\"can_escalate_to {technique}\""))),
            "{name}: {dot}"
        );
    }
    // A false-positive probe has no escalation edge of its own.
    let fp = format!("{VULNERABLE}:user/fp1-allow-and-deny-user");
    let (json, err, ok) = pare(&["graph", "--db", &db, "--principal", &fp, "--format", "json"]);
    assert!(ok, "{err}");
    let v: Value = serde_json::from_str(&json).unwrap();
    assert!(
        !v["edges"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "can_escalate_to" && e["from"] == fp.as_str())
    );
}

#[test]
fn findings_review_users_created_in_cloudtrail_after_the_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db").to_string_lossy().into_owned();
    // The account before the attack: only the user who later creates the backdoor.
    let authz = dir.path().join("before.json");
    std::fs::write(
        &authz,
        r#"{"UserDetailList": [{"UserName": "christophe", "UserId": "AIDAEXAMPLE0000000001", "Path": "/",
            "Arn": "arn:aws:iam::229654561268:user/christophe", "CreateDate": "2024-01-01T00:00:00Z",
            "GroupList": [], "AttachedManagedPolicies": [], "UserPolicyList": []}],
            "GroupDetailList": [], "RoleDetailList": [], "Policies": []}"#,
    )
    .unwrap();
    let trail = data("cloudtrail/stratus-red-team/all_detonations.json.gz");
    let library = data("aws-managed-policies/managedPolicies.latest.json.gz");
    let (_, err, ok) = pare(&[
        "import",
        "--db",
        &db,
        "--authz",
        authz.to_str().unwrap(),
        "--managed-policies",
        library.to_str().unwrap(),
        "--cloudtrail",
        trail.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    let created = "arn:aws:iam::229654561268:user/malicious-iam-user";
    let (out, err, ok) = pare(&["findings", "--db", &db, "--principal", created, "--json"]);
    assert!(ok, "{err}");
    let findings: Vec<Value> = serde_json::from_str(&out).unwrap();
    let admin = findings
        .iter()
        .find(|f| f["kind"] == "admin-equivalent")
        .unwrap_or_else(|| panic!("no admin finding: {out}"));
    assert_eq!(admin["principal"], created);
    assert_eq!(admin["severity"], "high");
    assert_eq!(admin["evidence"]["full_admin"], true);
    // In the whole review too, and the user that only got a console password (it existed before the trail) is
    // not made up.
    let (out, err, ok) = pare(&["findings", "--db", &db, "--json"]);
    assert!(ok, "{err}");
    let all: Vec<Value> = serde_json::from_str(&out).unwrap();
    assert!(
        all.iter()
            .any(|f| f["principal"] == created && f["kind"] == "admin-equivalent")
    );
    assert!(!all.iter().any(|f| {
        f["principal"]
            .as_str()
            .unwrap()
            .ends_with("stratus-red-team-login-profile-user")
    }));
    // Without the trail the user does not exist for the review.
    let db2 = dir.path().join("s2.db").to_string_lossy().into_owned();
    let (_, err, ok) = pare(&[
        "import",
        "--db",
        &db2,
        "--authz",
        authz.to_str().unwrap(),
        "--managed-policies",
        library.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    let (out, _, ok) = pare(&["findings", "--db", &db2, "--json"]);
    assert!(ok);
    let all: Vec<Value> = serde_json::from_str(&out).unwrap();
    assert!(!all.iter().any(|f| f["principal"] == created));
}

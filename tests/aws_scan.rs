//! `pare scan` end to end against a real AWS-compatible server on loopback (moto in server mode,
//! started and stopped here): an account seeded through the AWS SDK (users, groups, roles, managed
//! and inline policies, access keys, a trail, an organisation with an SCP), CloudTrail objects in the
//! AWS S3 layout, then the scan, the stored usage, documents and problems, and a resumed rescan.
//!
//! Outside CI the test is skipped (with a message) when `moto_server` is not installed; under
//! `CI=true` it must run (`scripts/setup.sh` installs moto).

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use flate2::Compression;
use flate2::write::GzEncoder;
use pare_tests::{pare_binary, tests_dir};
use serde_json::Value;

/// moto's default account.
pub(crate) const ACCOUNT: &str = "123456789012";

/// A moto server on a free loopback port, killed on drop.
pub(crate) struct Moto {
    child: Child,
    pub(crate) url: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn moto_command() -> Option<Command> {
    let found = |name: &str| {
        Command::new(name)
            .arg("--help")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if found("moto_server") {
        return Some(Command::new("moto_server"));
    }
    let module = Command::new("python3")
        .args(["-c", "import moto.server"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    module.then(|| {
        let mut c = Command::new("python3");
        c.args(["-m", "moto.server"]);
        c
    })
}

/// Starts moto, or returns None (outside CI only) when it is not installed.
pub(crate) fn start_moto() -> Option<Moto> {
    let Some(mut cmd) = moto_command() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "moto is not installed (scripts/setup.sh installs it); CI must run the live-scan test"
        );
        eprintln!("SKIPPED aws_scan: moto_server is not installed (pip install 'moto[server]')");
        return None;
    };
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = cmd
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let moto = Moto {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "moto did not listen on port {port} within 60 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    Some(moto)
}

pub(crate) fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

pub(crate) fn stratus_records() -> Vec<Value> {
    let path = tests_dir().join("data/cloudtrail/stratus-red-team/all_detonations.json.gz");
    let mut text = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap()),
        &mut text,
    )
    .unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    doc["Records"].as_array().unwrap().clone()
}

const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
const S3_READ: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":"*"}]}"#;
const INLINE: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"arn:aws:iam::123456789012:user/alice"}]}"#;
const SCP: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:CreateUser","Resource":"*"}]}"#;

/// Seeds the account: 2 users (alice in `admins`, with a managed and an inline policy and an access
/// key; bob), 1 group, 1 role, a trail delivering to `trail-logs`, 7 log objects there (the Stratus
/// records, 50 a file) plus a digest, and an organisation whose root has an SCP.
pub(crate) async fn seed(url: &str) {
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(url)
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_iam::config::Credentials::new(
            "testing", "testing", None, None, "test",
        ))
        .load()
        .await;
    let iam = aws_sdk_iam::Client::new(&config);
    for user in ["alice", "bob"] {
        iam.create_user().user_name(user).send().await.unwrap();
    }
    iam.create_group()
        .group_name("admins")
        .send()
        .await
        .unwrap();
    iam.add_user_to_group()
        .group_name("admins")
        .user_name("alice")
        .send()
        .await
        .unwrap();
    let policy = iam
        .create_policy()
        .policy_name("s3-read")
        .policy_document(S3_READ)
        .send()
        .await
        .unwrap();
    let policy_arn = policy.policy().unwrap().arn().unwrap().to_owned();
    iam.attach_user_policy()
        .user_name("alice")
        .policy_arn(&policy_arn)
        .send()
        .await
        .unwrap();
    iam.put_user_policy()
        .user_name("alice")
        .policy_name("self-read")
        .policy_document(INLINE)
        .send()
        .await
        .unwrap();
    iam.create_role()
        .role_name("app")
        .assume_role_policy_document(TRUST)
        .send()
        .await
        .unwrap();
    iam.attach_role_policy()
        .role_name("app")
        .policy_arn(&policy_arn)
        .send()
        .await
        .unwrap();
    iam.create_access_key()
        .user_name("alice")
        .send()
        .await
        .unwrap();

    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(true)
            .build(),
    );
    s3.create_bucket()
        .bucket("trail-logs")
        .send()
        .await
        .unwrap();
    let day = format!("AWSLogs/{ACCOUNT}/CloudTrail/us-east-1/2024/07/30");
    for (i, chunk) in stratus_records().chunks(50).enumerate() {
        let doc = serde_json::json!({ "Records": chunk });
        s3.put_object()
            .bucket("trail-logs")
            .key(format!(
                "{day}/{ACCOUNT}_CloudTrail_us-east-1_20240730T21{i:02}Z_abcdEFGH{i}.json.gz"
            ))
            .body(gzip(doc.to_string().as_bytes()).into())
            .send()
            .await
            .unwrap();
    }
    s3.put_object()
        .bucket("trail-logs")
        .key(format!(
            "AWSLogs/{ACCOUNT}/CloudTrail-Digest/us-east-1/2024/07/30/{ACCOUNT}_CloudTrail-Digest_us-east-1_main_us-east-1_20240730T2200Z.json.gz"
        ))
        .body(gzip(b"{}").into())
        .send()
        .await
        .unwrap();
    let trail = aws_sdk_cloudtrail::Client::new(&config);
    trail
        .create_trail()
        .name("main")
        .s3_bucket_name("trail-logs")
        .is_multi_region_trail(true)
        .send()
        .await
        .unwrap();

    let org = aws_sdk_organizations::Client::new(&config);
    org.create_organization()
        .feature_set(aws_sdk_organizations::types::OrganizationFeatureSet::All)
        .send()
        .await
        .unwrap();
    let roots = org.list_roots().send().await.unwrap();
    let root = roots.roots()[0].id().unwrap().to_owned();
    let scp = org
        .create_policy()
        .name("no-new-users")
        .description("deny iam:CreateUser")
        .content(SCP)
        .r#type(aws_sdk_organizations::types::PolicyType::ServiceControlPolicy)
        .send()
        .await
        .unwrap();
    let scp_id = scp
        .policy()
        .unwrap()
        .policy_summary()
        .unwrap()
        .id()
        .unwrap()
        .to_owned();
    org.attach_policy()
        .policy_id(scp_id)
        .target_id(root)
        .send()
        .await
        .unwrap();
}

fn pare_scan(url: &str, args: &[&str]) -> (i32, Value, String) {
    let out = Command::new(pare_binary())
        .arg("scan")
        .args(args)
        .args([
            "--endpoint-url",
            url,
            "--region",
            "us-east-1",
            "--max-attempts",
            "1",
            "--json",
        ])
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN")
        .env("AWS_CONFIG_FILE", "/nonexistent/pare-test-config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/pare-test-credentials",
        )
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    let summary = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("pare scan printed no JSON ({e}): {stdout}\n{stderr}"));
    (out.status.code().unwrap_or(-1), summary, stderr)
}

fn pare_json(args: &[&str]) -> Value {
    let out = Command::new(pare_binary()).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "pare {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn report_scan_id(db: &Path) -> i64 {
    pare_engine::latest_scan(db).unwrap().unwrap().0.id
}

fn problem_apis(summary: &Value) -> Vec<String> {
    summary["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["api"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn a_live_scan_against_moto_stores_the_account_usage_and_what_it_could_not_read() {
    let Some(moto) = start_moto() else { return };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(seed(&moto.url));

    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("pare.db");
    let cache: PathBuf = dir.path().join("cache");
    let (code, summary, stderr) = pare_scan(&moto.url, &["--db", s(&db), "--cache-dir", s(&cache)]);
    // Identity first, then a line per stage.
    let first = stderr.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("[identity] done account 123456789012 as arn:aws:"),
        "{stderr}"
    );
    for stage in [
        "[iam authorization details] done",
        "[credential report] done",
        "[account settings] done",
        "[access advisor] done",
        "[cloudtrail] done",
        "[access analyzer] done",
        "[organizations] done",
    ] {
        assert!(stderr.contains(stage), "no `{stage}` in {stderr}");
    }
    assert_eq!(summary["account"], ACCOUNT);
    assert_eq!(
        (
            &summary["users"],
            &summary["groups"],
            &summary["roles"],
            &summary["authorization_pages"]
        ),
        (
            &Value::from(2),
            &Value::from(1),
            &Value::from(1),
            &Value::from(1)
        ),
        "{summary:#}"
    );
    // moto's credential report has no root row: one row per user.
    assert_eq!(summary["credential_report_rows"], 2, "{summary:#}");
    assert_eq!(summary["access_keys"], 1, "{summary:#}");
    assert_eq!(summary["trails"], 1, "{summary:#}");
    assert_eq!(
        summary["cloudtrail_objects"],
        serde_json::json!([7, 7, 0]),
        "{summary:#}"
    );
    let import = &summary["cloudtrail_import"];
    assert_eq!(
        (&import["files_read"], &import["new_events"]),
        (&Value::from(7), &Value::from(310)),
        "{import:#}"
    );
    // The root's SCPs (moto attaches FullAWSAccess to the root and the account, as AWS does).
    assert!(
        summary["organization_policies"].as_u64().unwrap() >= 2,
        "{summary:#}"
    );
    // What moto lacks is listed, never fatal; what it has is not.
    let apis = problem_apis(&summary);
    for read in [
        "iam:GetAccountAuthorizationDetails",
        "iam:GetCredentialReport",
        "iam:GenerateCredentialReport",
        "iam:ListAccessKeys",
        "s3:ListBucket",
        "s3:GetObject",
        "cloudtrail:DescribeTrails",
        "organizations:DescribeOrganization",
    ] {
        assert!(
            !apis.iter().any(|a| a == read),
            "{read} failed: {summary:#}"
        );
    }
    assert_eq!(code, i32::from(!apis.is_empty()), "{summary:#}");

    // The IAM documents went to the account importer in memory: one snapshot, raw texts kept with
    // it in the file importers' shapes (nothing written beside the cache).
    let snapshot = &summary["account_import"]["snapshot"];
    assert_eq!(summary["account_import"]["created"], true, "{summary:#}");
    assert_eq!(snapshot["account_id"], ACCOUNT, "{summary:#}");
    assert_eq!(
        (
            &summary["account_import"]["counts"]["users"],
            &summary["account_import"]["counts"]["roles"],
            &summary["account_import"]["counts"]["credential_rows"]
        ),
        (&Value::from(2), &Value::from(1), &Value::from(2)),
        "{summary:#}"
    );
    assert!(!cache.join("documents").exists());
    let snapshot_id = snapshot["id"].as_i64().unwrap();
    let files = pare_store::Store::open(&db)
        .unwrap()
        .account_snapshot_files(snapshot_id)
        .unwrap();
    let file = |kind: &str| {
        files
            .iter()
            .find(|f| f.kind == kind)
            .unwrap_or_else(|| panic!("no {kind} in {files:?}"))
            .content
            .clone()
    };
    let gaad: Value = serde_json::from_str(&file("authz")).unwrap();
    let alice = gaad["UserDetailList"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["UserName"] == "alice")
        .unwrap();
    assert_eq!(alice["GroupList"], serde_json::json!(["admins"]));
    assert_eq!(
        alice["UserPolicyList"][0]["PolicyDocument"],
        serde_json::from_str::<Value>(INLINE).unwrap(),
        "inline documents are URL-decoded JSON"
    );
    assert_eq!(alice["AttachedManagedPolicies"][0]["PolicyName"], "s3-read");
    let app = &gaad["RoleDetailList"][0];
    assert_eq!(
        app["AssumeRolePolicyDocument"],
        serde_json::from_str::<Value>(TRUST).unwrap()
    );
    let csv = file("credential_report");
    assert!(csv.starts_with("user,arn,"), "{csv}");
    assert!(csv.contains(":user/alice,"), "{csv}");
    // The stored snapshot rebuilds the same model, SCPs included, and the account commands work.
    let (info, account) = pare_engine::account::load_account_snapshot(&db, None).unwrap();
    assert_eq!(info.id, snapshot_id);
    assert!(account.users().any(|u| u.name == "alice"));
    assert!(!account.org_policies.levels.is_empty());
    let findings = pare_json(&["findings", "--db", s(&db), "--json"]);
    assert!(findings.is_object() || findings.is_array(), "{findings:#}");
    let org: Value = serde_json::from_str(
        &pare_store::Store::open(&db)
            .unwrap()
            .scan_document(report_scan_id(&db), "organization")
            .unwrap()
            .unwrap(),
    )
    .unwrap();
    let chain = org["chain"].as_array().unwrap();
    assert_eq!(chain.first().unwrap()["target_type"], "ROOT", "{org:#}");
    assert_eq!(chain.last().unwrap()["id"], ACCOUNT, "{org:#}");
    let scp = chain
        .iter()
        .flat_map(|t| t["policies"].as_array().unwrap())
        .find(|p| p["name"] == "no-new-users")
        .unwrap();
    assert_eq!(scp["document"], serde_json::from_str::<Value>(SCP).unwrap());
    assert_eq!(scp["policy_type"], "SERVICE_CONTROL_POLICY");
    assert!(
        chain.first().unwrap()["policies"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "no-new-users"),
        "{org:#}"
    );
    // The same, in the SCP file `pare import --scps` reads: root first, the account last.
    let scps: Value = serde_json::from_str(&file("org_policies")).unwrap();
    let levels = scps["levels"].as_array().unwrap();
    assert_eq!(levels.len(), chain.len());
    assert_eq!(levels.last().unwrap()["target"], ACCOUNT);
    assert!(
        levels.first().unwrap()["scps"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "no-new-users"
                && p["document"] == serde_json::from_str::<Value>(SCP).unwrap()),
        "{scps:#}"
    );

    // Usage from the trail's objects equals a file import of the same records.
    let reference = dir.path().join("reference.db");
    pare_engine::import_cloudtrail(
        &reference,
        &[tests_dir().join("data/cloudtrail/stratus-red-team/all_detonations.json.gz")],
        None,
        None,
        |_| {},
    )
    .unwrap();
    assert_eq!(
        pare_engine::usage(&db, None).unwrap(),
        pare_engine::usage(&reference, None).unwrap()
    );

    // The stored scan: the same problems, in order.
    let report = pare_json(&["scan-report", "--db", s(&db), "--json"]);
    assert_eq!(report["scan"]["account"], ACCOUNT);
    let stored: Vec<&str> = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["api"].as_str().unwrap())
        .collect();
    assert_eq!(stored, apis);

    // Resumed and idempotent: nothing downloaded or imported again.
    let (_, again, _) = pare_scan(&moto.url, &["--db", s(&db), "--cache-dir", s(&cache)]);
    assert_eq!(
        again["cloudtrail_objects"],
        serde_json::json!([7, 0, 7]),
        "{again:#}"
    );
    assert_eq!(again["cloudtrail_import"]["new_events"], 0, "{again:#}");
    assert_eq!(again["account_import"]["created"], false, "{again:#}");
    assert_eq!(
        again["account_import"]["snapshot"]["id"], snapshot_id,
        "{again:#}"
    );
    assert_eq!(
        pare_engine::account::account_snapshots(&db).unwrap().len(),
        1,
        "the unchanged account is not stored twice"
    );
    assert_eq!(
        pare_engine::totals(&db).unwrap().events,
        310,
        "no event stored twice"
    );

    // --cloudtrail-bucket with a window: only that day is listed.
    let (_, window, _) = pare_scan(
        &moto.url,
        &[
            "--db",
            s(&dir.path().join("window.db")),
            "--cache-dir",
            s(&dir.path().join("cache2")),
            "--cloudtrail-bucket",
            "s3://trail-logs",
            "--since",
            "2024-07-31",
            "--until",
            "2024-08-02",
        ],
    );
    assert_eq!(
        window["cloudtrail_objects"],
        serde_json::json!([0, 0, 0]),
        "{window:#}"
    );
    drop(moto);
}

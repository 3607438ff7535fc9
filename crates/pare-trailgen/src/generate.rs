//! Writes the tree: `AWSLogs/<acct>/CloudTrail/<region>/YYYY/MM/DD/<acct>_CloudTrail_<region>_<YYYYMMDDTHHMMZ>_<rand>.json.gz`,
//! each a gzipped `{"Records":[…]}` of 1,000–2,000 events, plus one digest file per account, region and day.
//! Every file has its own random stream, so the output does not depend on the number of threads.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use anyhow::{Context, Result};
use flate2::Compression;
use flate2::write::GzEncoder;
use serde_json::{Map, Value, json};

use crate::principals::{self, ACCOUNTS, Kind, Principal};
use crate::templates::{Shape, Template};
use crate::time::{civil, iso};
use pare_genkit::{Rng, stream};

/// 2026-10-01T00:00:00Z; the trail spans 30 days from here.
const START: i64 = 1_790_812_800;
const SPAN: i64 = 30 * 86_400;
const REGIONS: &[&str] = &[
    "us-east-1",
    "us-east-1",
    "us-east-1",
    "eu-west-1",
    "eu-west-1",
    "eu-central-1",
    "ap-southeast-2",
];
const DENIED: f64 = 0.05;

#[derive(Debug)]
pub struct Config {
    pub seed: u64,
    pub events: u64,
    pub principals: usize,
    pub threads: usize,
    /// gzip level of the log files (CloudTrail's own files are ordinary gzip).
    pub level: u32,
    pub out: PathBuf,
}

#[derive(Debug, Default)]
pub struct Stats {
    pub files: usize,
    pub digests: usize,
    pub events: u64,
    pub denied: u64,
    pub raw_bytes: u64,
    pub gz_bytes: u64,
}

struct File {
    account: &'static str,
    region: &'static str,
    /// Delivery time (the object name's minute); events fall in the five minutes before it.
    time: i64,
    events: u64,
    path: PathBuf,
}

struct World<'a> {
    templates: &'a [Template],
    principals: &'a [Principal],
    by_account: Vec<Vec<usize>>,
    buckets: Vec<String>,
    /// The tree's seed (for each caller's usual addresses).
    seed: u64,
}

fn plan(config: &Config) -> Vec<File> {
    let mut rng = stream(config.seed, u64::MAX);
    let mut sizes = Vec::new();
    let mut left = config.events;
    while left > 0 {
        let n = (1000 + rng.below(1001) as u64).min(left);
        sizes.push(n);
        left -= n;
    }
    let count = sizes.len().max(1) as i64;
    sizes
        .into_iter()
        .enumerate()
        .map(|(k, events)| {
            let account = rng.pick(ACCOUNTS).copied().unwrap_or("111122223333");
            let region = rng.pick(REGIONS).copied().unwrap_or("us-east-1");
            let time = (START + 300 + (k as i64) * SPAN / count) / 300 * 300;
            let (y, mo, d, h, mi, _) = civil(time);
            let path = config.out.join(format!(
                "AWSLogs/{account}/CloudTrail/{region}/{y:04}/{mo:02}/{d:02}/{account}_CloudTrail_{region}_{y:04}{mo:02}{d:02}T{h:02}{mi:02}Z_{}.json.gz",
                rng.chars(16, b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
            ));
            File { account, region, time, events, path }
        })
        .collect()
}

/// A caller's usual addresses: people (users, Identity Center roles, root) call from 1–3 addresses (office,
/// home, VPN), workloads from up to 6 (NAT gateways, runners); fixed per caller (`who`) and seed, so every
/// file's stream agrees on them.
fn home_ips(seed: u64, who: u64, people: bool) -> Vec<String> {
    let mut r = Rng::new(seed ^ who.wrapping_mul(0xA24B_AED4_963E_E407) ^ 0x1b5);
    let n = 1 + r.below(if people { 3 } else { 6 });
    (0..n).map(|_| ip(&mut r)).collect()
}

/// The source address of one call by a caller with these usual addresses: one of them, except for 0.2 %
/// of calls (travel, a new laptop, a stolen key) from anywhere.
fn caller_ip(rng: &mut Rng, home: &[String]) -> String {
    if home.is_empty() || rng.chance(0.002) {
        return ip(rng);
    }
    home.get(rng.below(home.len()))
        .cloned()
        .unwrap_or_else(|| ip(rng))
}

fn ip(rng: &mut Rng) -> String {
    format!(
        "{}.{}.{}.{}",
        [203, 198, 192, 100, 52, 18]
            .get(rng.below(6))
            .copied()
            .unwrap_or(203),
        rng.below(256),
        rng.below(256),
        1 + rng.below(254)
    )
}

/// Varies well-known resource names in a real record's parameters.
fn vary(params: &mut Value, rng: &mut Rng, world: &World, account: &str) {
    let Value::Object(m) = params else { return };
    for (k, v) in m.iter_mut() {
        if !v.is_string() {
            continue;
        }
        let n = rng.below(200);
        let new = match k.as_str() {
            "bucketName" => world.buckets.get(rng.skewed(world.buckets.len())).cloned(),
            "userName" => Some(format!("user-{n}")),
            "roleName" => Some(format!("role-{n}")),
            "functionName" => Some(format!("fn-{n}")),
            "tableName" => Some(format!("table-{n}")),
            "secretId" => Some(format!(
                "arn:aws:secretsmanager:us-east-1:{account}:secret:app/secret-{n}-{}",
                rng.upper(6)
            )),
            "name" if m_is_parameter(v) => Some(format!("/app/param-{n}")),
            _ => None,
        };
        if let Some(s) = new {
            *v = Value::String(s);
        }
    }
}

fn m_is_parameter(v: &Value) -> bool {
    v.as_str().is_some_and(|s| s.starts_with('/'))
}

/// Parameters and resources of a synthetic call.
fn synthetic_params(
    shape: Shape,
    rng: &mut Rng,
    world: &World,
    account: &str,
    region: &str,
) -> (Value, Option<Value>) {
    let n = rng.skewed(300);
    match shape {
        Shape::S3Bucket => {
            let b = world
                .buckets
                .get(rng.skewed(world.buckets.len()))
                .cloned()
                .unwrap_or_default();
            (
                json!({"bucketName": b, "Host": format!("{b}.s3.{region}.amazonaws.com")}),
                Some(
                    json!([{"type": "AWS::S3::Bucket", "ARN": format!("arn:aws:s3:::{b}"), "accountId": account}]),
                ),
            )
        }
        Shape::S3Object => {
            let b = world
                .buckets
                .get(rng.skewed(world.buckets.len()))
                .cloned()
                .unwrap_or_default();
            let key = format!(
                "data/{}/part-{:05}.parquet",
                rng.below(40),
                rng.below(10_000)
            );
            (
                json!({"bucketName": b, "Host": format!("{b}.s3.{region}.amazonaws.com"), "key": key}),
                Some(json!([
                    {"type": "AWS::S3::Object", "ARN": format!("arn:aws:s3:::{b}/{key}")},
                    {"accountId": account, "type": "AWS::S3::Bucket", "ARN": format!("arn:aws:s3:::{b}")},
                ])),
            )
        }
        Shape::Ec2Instance => (
            json!({"instancesSet": {"items": [{"instanceId": format!("i-0{:016x}", n * 7919 + 17)}]}}),
            None,
        ),
        Shape::Ec2None => (Value::Null, None),
        Shape::IamUser => (json!({"userName": format!("user-{n}")}), None),
        Shape::IamRole => (json!({"roleName": format!("role-{n}")}), None),
        Shape::IamPolicy => (
            json!({"policyArn": format!("arn:aws:iam::{account}:policy/policy-{n}")}),
            None,
        ),
        Shape::Kms => {
            let key = format!(
                "arn:aws:kms:{region}:{account}:key/{:08x}-0000-4000-8000-{:012x}",
                n,
                n * 31
            );
            (
                json!({"keyId": key, "encryptionAlgorithm": "SYMMETRIC_DEFAULT"}),
                Some(json!([{"accountId": account, "type": "AWS::KMS::Key", "ARN": key}])),
            )
        }
        Shape::Lambda => (json!({"functionName": format!("fn-{n}")}), None),
        Shape::Dynamo => (
            json!({"tableName": format!("table-{n}")}),
            Some(
                json!([{"accountId": account, "type": "AWS::DynamoDB::Table", "ARN": format!("arn:aws:dynamodb:{region}:{account}:table/table-{n}")}]),
            ),
        ),
        Shape::Sts | Shape::Real => (Value::Null, None),
    }
}

/// An `sts:AssumeRole` call by `caller` for `target`'s role (a link of a role chain).
fn assume_role(
    event: &mut Map<String, Value>,
    target: &Principal,
    session: &str,
    t: i64,
    rng: &mut Rng,
) {
    event.insert("eventSource".into(), "sts.amazonaws.com".into());
    event.insert("eventName".into(), "AssumeRole".into());
    event.insert("readOnly".into(), true.into());
    event.insert(
        "requestParameters".into(),
        json!({"roleArn": target.role_arn(), "roleSessionName": session, "durationSeconds": 3600}),
    );
    event.insert(
        "responseElements".into(),
        json!({
            "credentials": {"accessKeyId": format!("ASIA{}", rng.upper(16)), "sessionToken": rng.hex(64), "expiration": iso(t + 3600)},
            "assumedRoleUser": {
                "assumedRoleId": format!("{}:{session}", target.id),
                "arn": format!("arn:aws:sts::{}:assumed-role/{}/{session}", target.account, target.name),
            },
        }),
    );
    event.insert(
        "resources".into(),
        json!([{"accountId": target.account, "type": "AWS::IAM::Role", "ARN": target.role_arn()}]),
    );
}

fn event(world: &World, file: &File, rng: &mut Rng, denied: &mut u64) -> Value {
    let t = file.time - 300 + rng.below(300) as i64;
    let tpl_index = rng.below(world.templates.len());
    let Some(tpl) = world.templates.get(tpl_index) else {
        return Value::Null;
    };
    let mut e = tpl.record.clone();
    let account = file.account;
    e.insert("eventTime".into(), iso(t).into());
    e.insert("awsRegion".into(), file.region.into());
    e.insert("eventID".into(), rng.uuid().into());
    if e.contains_key("requestID") {
        e.insert("requestID".into(), rng.uuid().into());
    }
    e.insert("recipientAccountId".into(), account.into());
    let mut action = tpl.action.clone();

    if tpl.shape != Shape::Real {
        let (params, resources) = synthetic_params(tpl.shape, rng, world, account, file.region);
        e.insert("requestParameters".into(), params);
        if let Some(r) = resources {
            e.insert("resources".into(), r);
        }
    } else if let Some(p) = e.get_mut("requestParameters") {
        vary(p, rng, world, account);
    }
    if let Some(Value::Array(rs)) = e.get_mut("resources") {
        for r in rs.iter_mut() {
            if let Some(Value::String(a)) = r.get_mut("accountId")
                && !a.is_empty()
            {
                *a = account.to_owned();
            }
        }
    }

    let mut service_call = false;
    // The caller's usual addresses (none for callers kept from the real record: random ones then).
    let mut home = Vec::new();
    if tpl.replace_caller {
        if rng.chance(0.001)
            || (tpl
                .record
                .get("userIdentity")
                .and_then(|u| u.get("type"))
                .and_then(Value::as_str)
                == Some("Root")
                && rng.chance(0.05))
        {
            e.insert("userIdentity".into(), principals::root(account));
            let who = ACCOUNTS.iter().position(|a| *a == account).unwrap_or(0) as u64;
            home = home_ips(world.seed, u64::MAX - who, true);
        } else {
            // Mostly this account's principals; 4 % from the other accounts of the organisation, plus
            // the external roles (which always call in from outside).
            let pool = if rng.chance(0.04) {
                world.by_account.get(rng.below(world.by_account.len()))
            } else {
                world
                    .by_account
                    .get(ACCOUNTS.iter().position(|a| *a == account).unwrap_or(0))
            };
            let idx = pool
                .and_then(|p| p.get(rng.skewed(p.len())).copied())
                .unwrap_or(0);
            if let Some(p) = world.principals.get(idx) {
                let session = p.session_name(rng);
                let created = iso(t - rng.below(3000) as i64);
                e.insert("userIdentity".into(), p.identity(&session, &created, rng));
                service_call = p.kind == Kind::Service;
                home = home_ips(
                    world.seed,
                    idx as u64,
                    matches!(p.kind, Kind::User | Kind::Sso),
                );
                // Role chains: a session of this role assumes the next role.
                if let Some(next) = p.chain.and_then(|j| world.principals.get(j))
                    && rng.chance(0.05)
                {
                    let s = next.session_name(rng);
                    assume_role(&mut e, next, &s, t, rng);
                    action = "sts:AssumeRole".into();
                }
            }
        }
    }
    if service_call {
        if let Some(Value::Object(u)) = e.get("userIdentity")
            && let Some(host) = u.get("invokedBy").cloned()
        {
            e.insert("sourceIPAddress".into(), host.clone());
            e.insert("userAgent".into(), host);
        }
    } else if e
        .get("sourceIPAddress")
        .and_then(Value::as_str)
        .is_none_or(|s| !s.ends_with("amazonaws.com"))
    {
        e.insert("sourceIPAddress".into(), caller_ip(rng, &home).into());
    }

    if tpl.replace_caller && rng.chance(DENIED) {
        *denied += 1;
        let arn = e
            .get("userIdentity")
            .and_then(|u| u.get("arn"))
            .and_then(Value::as_str)
            .unwrap_or("anonymous")
            .to_owned();
        let ec2 = action.starts_with("ec2:");
        e.insert(
            "errorCode".into(),
            if ec2 {
                "Client.UnauthorizedOperation"
            } else {
                "AccessDenied"
            }
            .into(),
        );
        e.insert(
            "errorMessage".into(),
            format!("User: {arn} is not authorized to perform: {action} because no identity-based policy allows the {action} action").into(),
        );
        e.insert("responseElements".into(), Value::Null);
    }
    Value::Object(e)
}

fn write_file(
    world: &World,
    file: &File,
    k: usize,
    seed: u64,
    level: u32,
) -> Result<(u64, u64, u64)> {
    let mut rng = stream(seed, k as u64);
    let mut denied = 0;
    let records: Vec<Value> = (0..file.events)
        .map(|_| event(world, file, &mut rng, &mut denied))
        .collect();
    let text = serde_json::to_vec(&json!({ "Records": records }))?;
    let mut enc = GzEncoder::new(Vec::with_capacity(text.len() / 8), Compression::new(level));
    enc.write_all(&text)?;
    let gz = enc.finish()?;
    if let Some(dir) = file.path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("create {}", dir.display()))?;
    }
    std::fs::write(&file.path, &gz).with_context(|| format!("write {}", file.path.display()))?;
    Ok((denied, text.len() as u64, gz.len() as u64))
}

fn digests(config: &Config, files: &[File]) -> Result<usize> {
    let mut days: Vec<(&str, &str, i64)> = files
        .iter()
        .map(|f| (f.account, f.region, f.time / 86_400))
        .collect();
    days.sort_unstable();
    days.dedup();
    for &(account, region, day) in &days {
        let end = day * 86_400 + 86_399;
        let (y, mo, d, h, mi, s) = civil(end);
        let path = config.out.join(format!(
            "AWSLogs/{account}/CloudTrail-Digest/{region}/{y:04}/{mo:02}/{d:02}/{account}_CloudTrail-Digest_{region}_management-trail_us-east-1_{y:04}{mo:02}{d:02}T{h:02}{mi:02}{s:02}Z.json.gz"
        ));
        let logs: Vec<Value> = files
            .iter()
            .filter(|f| f.account == account && f.region == region && f.time / 86_400 == day)
            .map(|f| {
                let key = f.path.strip_prefix(&config.out).unwrap_or(&f.path).display().to_string();
                json!({"s3Bucket": "org-cloudtrail-logs", "s3Object": key, "hashValue": format!("{:064x}", f.time), "hashAlgorithm": "SHA-256", "newestEventTime": iso(f.time), "oldestEventTime": iso(f.time - 300)})
            })
            .collect();
        let body = json!({
            "awsAccountId": account,
            "digestStartTime": iso(day * 86_400),
            "digestEndTime": iso(end),
            "digestS3Bucket": "org-cloudtrail-logs",
            "digestS3Object": path.strip_prefix(&config.out).unwrap_or(&path).display().to_string(),
            "digestPublicKeyFingerprint": "0123456789abcdef0123456789abcdef",
            "digestSignatureAlgorithm": "SHA256withRSA",
            "newestEventTime": iso(end),
            "oldestEventTime": iso(day * 86_400),
            "previousDigestS3Bucket": "org-cloudtrail-logs",
            "previousDigestS3Object": null,
            "previousDigestHashValue": null,
            "previousDigestHashAlgorithm": null,
            "previousDigestSignature": null,
            "logFiles": logs,
        });
        let mut enc = GzEncoder::new(Vec::new(), Compression::new(6));
        serde_json::to_writer(&mut enc, &body)?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&path, enc.finish()?)?;
    }
    Ok(days.len())
}

pub fn run(config: &Config, templates: &[Template]) -> Result<Stats> {
    let mut rng = stream(config.seed, u64::MAX - 1);
    let principals = principals::pool(config.principals, &mut rng);
    let mut by_account = vec![Vec::new(); ACCOUNTS.len()];
    for (i, p) in principals.iter().enumerate() {
        match ACCOUNTS.iter().position(|a| *a == p.account) {
            Some(k) => {
                if let Some(v) = by_account.get_mut(k) {
                    v.push(i);
                }
            }
            // External roles call into every account.
            None => by_account.iter_mut().for_each(|v| v.push(i)),
        }
    }
    let buckets = (0..400)
        .map(|i| {
            format!(
                "{}-{}-{i}",
                ["data", "logs", "backups", "assets", "reports", "ml"]
                    .get(i % 6)
                    .copied()
                    .unwrap_or("data"),
                rng.hex(6)
            )
        })
        .collect();
    let world = World {
        templates,
        principals: &principals,
        by_account,
        buckets,
        seed: config.seed,
    };
    let files = plan(config);
    let next = AtomicUsize::new(0);
    let denied = AtomicU64::new(0);
    let raw = AtomicU64::new(0);
    let gz = AtomicU64::new(0);
    let error: Mutex<Option<anyhow::Error>> = Mutex::new(None);
    let threads = if config.threads == 0 {
        std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
    } else {
        config.threads
    };
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some(file) = files.get(k) else { return };
                    match write_file(&world, file, k, config.seed, config.level) {
                        Ok((d, r, g)) => {
                            denied.fetch_add(d, Ordering::Relaxed);
                            raw.fetch_add(r, Ordering::Relaxed);
                            gz.fetch_add(g, Ordering::Relaxed);
                        }
                        Err(e) => {
                            if let Ok(mut slot) = error.lock() {
                                slot.get_or_insert(e);
                            }
                            next.store(usize::MAX / 2, Ordering::Relaxed);
                            return;
                        }
                    }
                }
            });
        }
    });
    if let Some(e) = error.into_inner().ok().flatten() {
        return Err(e);
    }
    let digests = digests(config, &files)?;
    Ok(Stats {
        files: files.len(),
        digests,
        events: config.events,
        denied: denied.into_inner(),
        raw_bytes: raw.into_inner(),
        gz_bytes: gz.into_inner(),
    })
}

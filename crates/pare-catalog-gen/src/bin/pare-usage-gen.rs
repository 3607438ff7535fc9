//! `pare-usage-gen`: writes pare-usage's CloudTrail → IAM action mapping artifact.
//!
//! Inputs (read only here, never at run time): botocore's service metadata
//! and operation names (endpoint prefixes, signing names) and
//! iann0036/iam-dataset's `map.json` (SDK operation → IAM actions). The
//! output is deterministic, byte for byte.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Parser;
use pare_catalog::Catalog;
use pare_usage::artifact::{self, Artifact, FORMAT_VERSION, OpAction};
use serde::Deserialize;

/// Build pare-usage's bundled CloudTrail → IAM action mapping (gzip of compact JSON).
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// botocore service metadata and operations (`[{"endpointPrefix", "signingName", "serviceId", "operations"}]`), JSON or gzip of JSON.
    #[arg(long, value_name = "FILE")]
    botocore: PathBuf,
    /// iann0036/iam-dataset `map.json`, JSON or gzip of JSON.
    #[arg(long, value_name = "FILE")]
    iam_dataset: PathBuf,
    /// Where to write the artifact, e.g. crates/pare-usage/data/cloudtrail-actions.json.gz.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Provenance label stored in the artifact.
    #[arg(
        long,
        default_value = "botocore service metadata + iann0036/iam-dataset map.json"
    )]
    label: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct BotocoreService {
    #[serde(default)]
    botocore_name: String,
    #[serde(default)]
    service_id: Option<String>,
    #[serde(default)]
    endpoint_prefix: Option<String>,
    #[serde(default)]
    signing_name: Option<String>,
    #[serde(default)]
    operations: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct IamDatasetMap {
    #[serde(default)]
    sdk_permissionless_actions: Vec<String>,
    #[serde(default)]
    sdk_method_iam_mappings: BTreeMap<String, Vec<MapEntry>>,
    #[serde(default)]
    sdk_service_mappings: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
struct MapEntry {
    action: String,
    #[serde(default)]
    conditions: Option<serde_json::Value>,
    #[serde(default)]
    arn_override: Option<serde_json::Value>,
    #[serde(default)]
    resource_mappings: Option<serde_json::Value>,
    #[serde(default)]
    resourcearn_mappings: Option<serde_json::Value>,
}

/// Event sources that botocore's endpoint prefixes do not give, or give
/// differently from what CloudTrail writes: `(eventSource, IAM prefix)`.
const EXTRA_EVENT_SOURCES: &[(&str, &str)] = &[
    ("monitoring.amazonaws.com", "cloudwatch"),
    ("email.amazonaws.com", "ses"),
    ("ses.amazonaws.com", "ses"),
    ("signin.amazonaws.com", "signin"),
    ("sso.amazonaws.com", "sso"),
    ("portal.sso.amazonaws.com", "sso"),
    ("oidc.amazonaws.com", "sso-oauth"),
    ("sso-directory.amazonaws.com", "sso-directory"),
    ("identitystore.amazonaws.com", "identitystore"),
    ("s3.amazonaws.com", "s3"),
    ("ecr.amazonaws.com", "ecr"),
    ("ecr-public.amazonaws.com", "ecr-public"),
    ("dynamodb.amazonaws.com", "dynamodb"),
    ("sagemaker.amazonaws.com", "sagemaker"),
    ("bedrock.amazonaws.com", "bedrock"),
    ("lex.amazonaws.com", "lex"),
    ("iot.amazonaws.com", "iot"),
    ("iotdata.amazonaws.com", "iot"),
    ("execute-api.amazonaws.com", "execute-api"),
    ("apigateway.amazonaws.com", "apigateway"),
    ("elasticloadbalancing.amazonaws.com", "elasticloadbalancing"),
    ("elasticmapreduce.amazonaws.com", "elasticmapreduce"),
    ("cognito-idp.amazonaws.com", "cognito-idp"),
    ("cognito-identity.amazonaws.com", "cognito-identity"),
    ("logs.amazonaws.com", "logs"),
    ("events.amazonaws.com", "events"),
    ("states.amazonaws.com", "states"),
    ("tagging.amazonaws.com", "tag"),
    ("ec2messages.amazonaws.com", "ec2messages"),
    ("ssmmessages.amazonaws.com", "ssmmessages"),
    ("ec2-instance-connect.amazonaws.com", "ec2-instance-connect"),
    ("mobiletargeting.amazonaws.com", "mobiletargeting"),
    ("pinpoint.amazonaws.com", "mobiletargeting"),
    ("appstream.amazonaws.com", "appstream"),
    ("cloudhsm.amazonaws.com", "cloudhsm"),
    ("es.amazonaws.com", "es"),
    ("health.amazonaws.com", "health"),
    ("kafka.amazonaws.com", "kafka"),
    ("rolesanywhere.amazonaws.com", "rolesanywhere"),
    ("securitylake.amazonaws.com", "securitylake"),
    ("access-analyzer.amazonaws.com", "access-analyzer"),
    ("resource-explorer-2.amazonaws.com", "resource-explorer-2"),
];

fn read_json_maybe_gz(path: &Path) -> Result<Vec<u8>> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(bytes.as_slice())
            .read_to_end(&mut out)
            .with_context(|| format!("decompressing {}", path.display()))?;
        Ok(out)
    } else {
        Ok(bytes)
    }
}

/// The request parameters an entry's templates read (`${Role}` → `Role`,
/// `${IamInstanceProfile.Arn}` → `IamInstanceProfile`), without the ARN parts
/// every call has (`Partition`, `Region`, `Account`).
fn entry_params(e: &MapEntry) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for v in [
        &e.arn_override,
        &e.resource_mappings,
        &e.resourcearn_mappings,
    ]
    .into_iter()
    .flatten()
    {
        let text = v.to_string();
        let mut rest = text.as_str();
        while let Some(start) = rest.find("${") {
            rest = rest.get(start + 2..).unwrap_or_default();
            let end = rest.find('}').unwrap_or(rest.len());
            let name = rest.get(..end).unwrap_or_default();
            let top = name.split(['.', '[']).next().unwrap_or_default();
            if !top.is_empty() && !matches!(top, "Partition" | "Region" | "Account") {
                out.insert(top.to_owned());
            }
            rest = rest.get(end..).unwrap_or_default();
        }
    }
    out
}

/// The actions of one SDK operation. Draft entries (`conditions`) are left
/// out unless they are all there is. The first action is always needed; a
/// later one whose templates read request parameters is needed only when
/// the request has one of them (`iam:PassRole` for `${Role}`); actions the
/// catalog does not know are dropped into `dropped`.
fn entry_actions(
    entries: &[MapEntry],
    catalog: &Catalog,
    dropped: &mut BTreeSet<String>,
) -> Vec<OpAction> {
    let mut usable: Vec<&MapEntry> = entries.iter().filter(|e| e.conditions.is_none()).collect();
    if usable.is_empty() {
        usable = entries.iter().take(1).collect();
    }
    let primary = usable.first().map(|e| e.action.to_lowercase());
    // name → None (always) or Some(params).
    let mut out: Vec<(String, Option<BTreeSet<String>>)> = Vec::new();
    for e in usable {
        let Some(id) = catalog.action(&e.action) else {
            dropped.insert(e.action.clone());
            continue;
        };
        let name = catalog.action_name(id);
        let params = entry_params(e);
        let when = if Some(e.action.to_lowercase()) == primary || params.is_empty() {
            None
        } else {
            Some(params)
        };
        match out.iter_mut().find(|(n, _)| *n == name) {
            Some((_, existing)) => match (existing.as_mut(), when) {
                (Some(a), Some(b)) => a.extend(b),
                (Some(_), None) => *existing = None,
                (None, _) => {}
            },
            None => out.push((name, when)),
        }
    }
    out.into_iter()
        .map(|(name, when)| match when {
            None => OpAction::Always(name),
            Some(params) => OpAction::When(std::iter::once(name).chain(params).collect()),
        })
        .collect()
}

/// A candidate mapping for one operation: (priority, SDK service) and its actions.
type Candidate = ((u8, String), Vec<OpAction>);

/// Counts for the report.
#[derive(Debug, Default)]
struct Report {
    event_sources: usize,
    operations: usize,
    dropped_unknown_actions: BTreeSet<String>,
    conflicts: usize,
    unmapped: usize,
}

/// The IAM prefix of a botocore service: its signing name, endpoint prefix or
/// SDK name, whichever the catalog knows first.
fn botocore_prefix(s: &BotocoreService, map: &IamDatasetMap, catalog: &Catalog) -> Option<String> {
    let in_catalog = |p: &str| catalog.service(p).map(|s| s.prefix().to_owned());
    let endpoint = s.endpoint_prefix.as_deref().unwrap_or_default();
    let signing = s.signing_name.as_deref().unwrap_or(endpoint);
    let sdk = s.service_id.as_deref().and_then(|id| {
        map.sdk_service_mappings
            .get(id)
            .or_else(|| map.sdk_service_mappings.get(&id.replace(' ', "")))
    });
    in_catalog(signing)
        .or_else(|| in_catalog(endpoint))
        .or_else(|| sdk.and_then(|p| in_catalog(p)))
}

fn build(
    botocore: &[BotocoreService],
    map: &IamDatasetMap,
    catalog: &Catalog,
    label: &str,
) -> (Artifact, Report) {
    let mut report = Report::default();
    let mut event_sources: BTreeMap<String, String> = BTreeMap::new();
    let in_catalog = |p: &str| catalog.service(p).map(|s| s.prefix().to_owned());
    let mut services: Vec<&BotocoreService> = botocore.iter().collect();
    services.sort_by(|a, b| a.botocore_name.cmp(&b.botocore_name));
    // Pass 1: endpoint prefixes; pass 2: signing names (only where free).
    for pass in 0..2 {
        for s in &services {
            let endpoint = s.endpoint_prefix.as_deref().unwrap_or_default();
            let signing = s.signing_name.as_deref().unwrap_or(endpoint);
            let Some(prefix) = botocore_prefix(s, map, catalog) else {
                continue;
            };
            let host = if pass == 0 { endpoint } else { signing };
            if host.is_empty() {
                continue;
            }
            event_sources
                .entry(format!("{host}.amazonaws.com"))
                .or_insert(prefix);
        }
    }
    for (source, prefix) in EXTRA_EVENT_SOURCES {
        if let Some(p) = in_catalog(prefix) {
            event_sources.insert((*source).to_owned(), p);
        }
    }
    // Drop entries the run-time fallback gives anyway (host == prefix).
    event_sources
        .retain(|source, prefix| source.strip_suffix(".amazonaws.com") != Some(prefix.as_str()));
    report.event_sources = event_sources.len();

    // SDK service name → IAM prefix: the dataset's table, else the most
    // common prefix among the service's actions.
    let mut prefix_votes: BTreeMap<&str, BTreeMap<&str, usize>> = BTreeMap::new();
    for (method, entries) in &map.sdk_method_iam_mappings {
        let Some((svc, _)) = method.split_once('.') else {
            continue;
        };
        for e in entries {
            if let Some((p, _)) = e.action.split_once(':') {
                *prefix_votes.entry(svc).or_default().entry(p).or_default() += 1;
            }
        }
    }
    let sdk_prefix = |svc: &str| -> Option<String> {
        map.sdk_service_mappings
            .get(svc)
            .and_then(|p| in_catalog(p))
            .or_else(|| {
                prefix_votes.get(svc).and_then(|votes| {
                    votes
                        .iter()
                        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                        .and_then(|(p, _)| in_catalog(p))
                })
            })
            .or_else(|| in_catalog(&svc.to_lowercase()))
    };
    let permissionless: BTreeSet<&str> = map
        .sdk_permissionless_actions
        .iter()
        .map(String::as_str)
        .collect();
    // (prefix, op) → (priority, actions); lower priority wins.
    let mut chosen: BTreeMap<(String, String), Candidate> = BTreeMap::new();
    let mut methods: BTreeSet<&str> = map
        .sdk_method_iam_mappings
        .keys()
        .map(String::as_str)
        .collect();
    methods.extend(permissionless.iter().copied());
    for method in methods {
        let Some((svc, op)) = method.split_once('.') else {
            continue;
        };
        let Some(prefix) = sdk_prefix(svc) else {
            continue;
        };
        let actions: Vec<OpAction> = if permissionless.contains(method) {
            Vec::new()
        } else {
            let entries = map
                .sdk_method_iam_mappings
                .get(method)
                .map_or(&[][..], Vec::as_slice);
            let actions = entry_actions(entries, catalog, &mut report.dropped_unknown_actions);
            if actions.is_empty() {
                continue;
            }
            actions
        };
        let names: Vec<&str> = actions.iter().map(OpAction::action).collect();
        let same_name = catalog
            .action(&format!("{prefix}:{op}"))
            .map(|id| catalog.action_name(id));
        // A mapping that names only other services' actions although this
        // service has the same-named action (S3Control.GetAccessPoint →
        // s3-outposts only) is an Outposts-only reading: keep the default.
        let own_prefix = format!("{prefix}:");
        if same_name.is_some()
            && !names.is_empty()
            && !names.iter().any(|a| a.starts_with(&own_prefix))
        {
            continue;
        }
        let priority = (
            u8::from(same_name.as_deref().is_none_or(|s| !names.contains(&s))),
            svc.to_owned(),
        );
        let entry = chosen.entry((prefix, op.to_owned()));
        match entry {
            std::collections::btree_map::Entry::Vacant(v) => {
                v.insert((priority, actions));
            }
            std::collections::btree_map::Entry::Occupied(mut o) => {
                if o.get().1 != actions {
                    report.conflicts += 1;
                }
                if priority < o.get().0 {
                    o.insert((priority, actions));
                }
            }
        }
    }
    // botocore operations that map to nothing: neither the table, an
    // override, nor a same-named catalog action.
    let overridden: BTreeSet<(&str, &str)> = pare_usage::OVERRIDES
        .iter()
        .map(|(p, o, _)| (*p, *o))
        .collect();
    let mut unmapped_operations: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for s in &services {
        let Some(prefix) = botocore_prefix(s, map, catalog) else {
            continue;
        };
        for op in &s.operations {
            let mapped = chosen.contains_key(&(prefix.clone(), op.clone()))
                || overridden.contains(&(prefix.as_str(), op.as_str()))
                || catalog.action(&format!("{prefix}:{op}")).is_some();
            if !mapped {
                unmapped_operations
                    .entry(prefix.clone())
                    .or_default()
                    .push(op.clone());
            }
        }
    }
    for ops in unmapped_operations.values_mut() {
        ops.sort();
        ops.dedup();
    }
    report.unmapped = unmapped_operations.values().map(Vec::len).sum();
    let mut operations: BTreeMap<String, BTreeMap<String, Vec<OpAction>>> = BTreeMap::new();
    for ((prefix, op), (_, actions)) in chosen {
        let default = catalog
            .action(&format!("{prefix}:{op}"))
            .map(|id| catalog.action_name(id));
        if let ([OpAction::Always(only)], Some(default)) = (actions.as_slice(), &default) {
            if only == default {
                continue;
            }
        }
        report.operations += 1;
        operations.entry(prefix).or_default().insert(op, actions);
    }
    (
        Artifact {
            format: FORMAT_VERSION,
            source: label.to_owned(),
            event_sources,
            operations,
            unmapped_operations,
        },
        report,
    )
}

fn run(args: &Args) -> Result<()> {
    let botocore: Vec<BotocoreService> =
        serde_json::from_slice(&read_json_maybe_gz(&args.botocore)?)
            .with_context(|| format!("parsing {}", args.botocore.display()))?;
    let map: IamDatasetMap = serde_json::from_slice(&read_json_maybe_gz(&args.iam_dataset)?)
        .with_context(|| format!("parsing {}", args.iam_dataset.display()))?;
    let catalog = Catalog::bundled().context("loading the bundled catalog")?;
    let (artifact, report) = build(&botocore, &map, catalog, &args.label);
    let bytes = artifact::encode(&artifact)?;
    std::fs::write(&args.out, &bytes).with_context(|| format!("writing {}", args.out.display()))?;
    println!(
        "wrote {} ({} bytes): {} event sources, {} non-default operations ({} SDK conflicts resolved), {} botocore operations without an action; {} dataset actions not in the catalog dropped",
        args.out.display(),
        bytes.len(),
        report.event_sources,
        report.operations,
        report.conflicts,
        report.unmapped,
        report.dropped_unknown_actions.len()
    );
    Ok(())
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> (Vec<BotocoreService>, IamDatasetMap) {
        let botocore = serde_json::from_str(
            r#"[{"botocore_name":"cloudwatch","serviceId":"CloudWatch","endpointPrefix":"monitoring","signingName":"monitoring","operations":["GetMetricData"]},
                {"botocore_name":"s3","serviceId":"S3","endpointPrefix":"s3","signingName":"s3","operations":["HeadObject"]},
                {"botocore_name":"ecr","serviceId":"ECR","endpointPrefix":"api.ecr","signingName":"ecr","operations":["GetAuthorizationToken","NotAnAction"]}]"#,
        )
        .unwrap();
        let map = serde_json::from_str(
            r#"{"sdk_permissionless_actions":["STS.GetCallerIdentity"],
                "sdk_service_mappings":{"S3":"s3"},
                "sdk_method_iam_mappings":{
                  "S3.HeadObject":[{"action":"s3:GetObject","conditions":{}},{"action":"s3:GetObjectVersion","conditions":{}}],
                  "S3.GetObject":[{"action":"s3:GetObject"}],
                  "S3.CopyObject":[{"action":"s3:GetObject"},{"action":"s3:PutObject"},{"action":"s3:NoSuchAction"}],
                  "Lambda.GetFunction":[{"action":"lambda:GetFunction"}],
                  "Lambda.CreateFunction":[{"action":"lambda:CreateFunction","resource_mappings":{"FunctionName":{"template":"${FunctionName}"}}},
                    {"action":"iam:PassRole","arn_override":{"template":"${Role}"}}],
                  "EC2.RunInstances":[{"action":"ec2:RunInstances"},
                    {"action":"ec2:RunInstances","arn_override":{"template":"%%iftruthy%${SecurityGroups[]}%arn:${Partition}:ec2:${Region}:${Account}:security-group/*%%%"}},
                    {"action":"iam:PassRole","arn_override":{"template":"%%iftruthy%${IamInstanceProfile.Arn}%*%%%"}},
                    {"action":"iam:PassRole","arn_override":{"template":"%%iftruthy%${LaunchTemplate.LaunchTemplateId}%*%%%"}}]}}"#,
        )
        .unwrap();
        (botocore, map)
    }

    #[test]
    fn builds_sources_and_non_default_operations() {
        let catalog = Catalog::bundled().unwrap();
        let (b, m) = small();
        let (a, report) = build(&b, &m, catalog, "test");
        assert_eq!(
            a.event_sources
                .get("monitoring.amazonaws.com")
                .map(String::as_str),
            Some("cloudwatch")
        );
        assert_eq!(
            a.event_sources
                .get("api.ecr.amazonaws.com")
                .map(String::as_str),
            Some("ecr")
        );
        // The default (host == prefix) is left to the run-time fallback.
        assert!(!a.event_sources.contains_key("s3.amazonaws.com"));
        let s3 = a.operations.get("s3").unwrap();
        assert_eq!(
            s3.get("HeadObject").unwrap(),
            &[OpAction::Always("s3:GetObject".into())]
        );
        assert_eq!(
            s3.get("CopyObject").unwrap(),
            &[
                OpAction::Always("s3:GetObject".into()),
                OpAction::Always("s3:PutObject".into())
            ]
        );
        assert!(!s3.contains_key("GetObject"));
        assert_eq!(
            a.operations
                .get("lambda")
                .unwrap()
                .get("CreateFunction")
                .unwrap(),
            &[
                OpAction::Always("lambda:CreateFunction".into()),
                OpAction::When(vec!["iam:PassRole".into(), "Role".into()])
            ]
        );
        assert!(
            !a.operations
                .get("lambda")
                .unwrap()
                .contains_key("GetFunction")
        );
        assert_eq!(
            a.operations
                .get("ec2")
                .unwrap()
                .get("RunInstances")
                .unwrap(),
            &[
                OpAction::Always("ec2:RunInstances".into()),
                OpAction::When(vec![
                    "iam:PassRole".into(),
                    "IamInstanceProfile".into(),
                    "LaunchTemplate".into()
                ])
            ]
        );
        assert_eq!(
            a.operations
                .get("sts")
                .unwrap()
                .get("GetCallerIdentity")
                .unwrap(),
            &Vec::<OpAction>::new()
        );
        assert!(report.dropped_unknown_actions.contains("s3:NoSuchAction"));
        assert_eq!(a.unmapped_operations.get("ecr").unwrap(), &["NotAnAction"]);
        assert!(!a.unmapped_operations.contains_key("s3"));
        let again = build(&b, &m, catalog, "test").0;
        assert_eq!(
            artifact::encode(&a).unwrap(),
            artifact::encode(&again).unwrap()
        );
    }
}

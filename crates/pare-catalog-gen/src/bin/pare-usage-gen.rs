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
use pare_usage::artifact::{self, Artifact, FORMAT_VERSION};
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
    arn_override: Option<ArnOverride>,
}

#[derive(Debug, Deserialize)]
struct ArnOverride {
    #[serde(default)]
    template: String,
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

/// Whether a map entry is conditional on request parameters or marked draft.
fn is_conditional(e: &MapEntry) -> bool {
    e.conditions.is_some()
        || e.arn_override
            .as_ref()
            .is_some_and(|o| o.template.starts_with("%%iftruthy%"))
}

/// A candidate mapping for one operation: (priority, SDK service) and its actions.
type Candidate = ((u8, String), Vec<String>);

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
        let actions: Vec<String> = if permissionless.contains(method) {
            Vec::new()
        } else {
            let entries = map
                .sdk_method_iam_mappings
                .get(method)
                .map_or(&[][..], Vec::as_slice);
            let mut firm: Vec<&MapEntry> = entries.iter().filter(|e| !is_conditional(e)).collect();
            if firm.is_empty() {
                firm = entries.iter().take(1).collect();
            }
            let mut names: Vec<String> = Vec::new();
            for e in firm {
                match catalog.action(&e.action) {
                    Some(id) => {
                        let n = catalog.action_name(id);
                        if !names.contains(&n) {
                            names.push(n);
                        }
                    }
                    None => {
                        report.dropped_unknown_actions.insert(e.action.clone());
                    }
                }
            }
            if names.is_empty() {
                continue;
            }
            names
        };
        let same_name = catalog
            .action(&format!("{prefix}:{op}"))
            .map(|id| catalog.action_name(id));
        // A mapping that names only other services' actions although this
        // service has the same-named action (S3Control.GetAccessPoint →
        // s3-outposts only) is an Outposts-only reading: keep the default.
        let own_prefix = format!("{prefix}:");
        if same_name.is_some()
            && !actions.is_empty()
            && !actions.iter().any(|a| a.starts_with(&own_prefix))
        {
            continue;
        }
        let priority = (
            u8::from(same_name.as_ref().is_none_or(|s| !actions.contains(s))),
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
    let mut operations: BTreeMap<String, BTreeMap<String, Vec<String>>> = BTreeMap::new();
    for ((prefix, op), (_, actions)) in chosen {
        let default = catalog
            .action(&format!("{prefix}:{op}"))
            .map(|id| catalog.action_name(id));
        if actions.len() == 1 && actions.first() == default.as_ref() {
            continue;
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
                  "Lambda.GetFunction":[{"action":"lambda:GetFunction"}]}}"#,
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
        assert_eq!(s3.get("HeadObject").unwrap(), &["s3:GetObject"]);
        assert_eq!(
            s3.get("CopyObject").unwrap(),
            &["s3:GetObject", "s3:PutObject"]
        );
        assert!(!s3.contains_key("GetObject"));
        assert!(!a.operations.contains_key("lambda"));
        assert_eq!(
            a.operations
                .get("sts")
                .unwrap()
                .get("GetCallerIdentity")
                .unwrap(),
            &Vec::<String>::new()
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

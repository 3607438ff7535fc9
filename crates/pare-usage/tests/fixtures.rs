//! Real CloudTrail data (Stratus Red Team, Panther, AWS documentation, trailscraper): parsing, actors,
//! mapping coverage, resources and outcomes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code"
)]

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};

use pare_usage::{
    ActionMapper, Activity, Actor, ActorKind, CloudTrailRecord, Mapping, RecordKind, UsageEvent,
    parse_records, to_usage,
};
use serde::Deserialize;

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/cloudtrail")
        .join(rel)
}

fn read(rel: &str) -> String {
    let path = data(rel);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    if rel.ends_with(".gz") {
        let mut s = String::new();
        flate2::read::GzDecoder::new(bytes.as_slice())
            .read_to_string(&mut s)
            .unwrap();
        s
    } else {
        String::from_utf8(bytes).unwrap()
    }
}

/// A JSON-lines fixture line: `{"event": {...}, ...}`.
#[derive(Deserialize)]
struct Wrapped<'a> {
    #[serde(borrow)]
    event: CloudTrailRecord<'a>,
}

fn jsonl(text: &str) -> Vec<CloudTrailRecord<'_>> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str::<Wrapped<'_>>(l).unwrap().event)
        .collect()
}

/// All fixture texts, kept alive for the borrowed records.
struct Texts {
    stratus_original: Vec<(String, String)>,
    stratus_all: String,
    panther_rules: String,
    panther_scenarios: String,
    docs_jsonl: String,
    docs_gz: String,
    trailscraper_smoke: String,
    trailscraper_gz: String,
}

fn texts() -> Texts {
    let mut stratus_original: Vec<(String, String)> =
        std::fs::read_dir(data("stratus-red-team/original"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .map(|p| {
                (
                    p.file_name().unwrap().to_string_lossy().into_owned(),
                    std::fs::read_to_string(&p).unwrap(),
                )
            })
            .collect();
    stratus_original.sort();
    let ts_gz = std::fs::read_dir(data("trailscraper"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .find(|n| n.ends_with(".json.gz"))
        .unwrap();
    Texts {
        stratus_original,
        stratus_all: read("stratus-red-team/all_detonations.json.gz"),
        panther_rules: read("panther/rule_test_events.json.gz"),
        panther_scenarios: read("panther/scenario_events.jsonl"),
        docs_jsonl: read("aws-docs-examples/docs_examples.jsonl"),
        docs_gz: read("aws-docs-examples/docs_examples.json.gz"),
        trailscraper_smoke: read("trailscraper/events-for-smoke-test.json"),
        trailscraper_gz: read(&format!("trailscraper/{ts_gz}")),
    }
}

fn stratus(t: &Texts) -> Vec<CloudTrailRecord<'_>> {
    t.stratus_original
        .iter()
        .flat_map(|(name, text)| {
            parse_records(text)
                .unwrap_or_else(|e| panic!("{name}: {e}: {:?}", std::error::Error::source(&e)))
        })
        .collect()
}

fn panther(t: &Texts) -> Vec<CloudTrailRecord<'_>> {
    let mut v = parse_records(&t.panther_rules).unwrap();
    v.extend(jsonl(&t.panther_scenarios));
    v
}

fn usage<'r>(records: impl IntoIterator<Item = &'r CloudTrailRecord<'r>>) -> Vec<UsageEvent> {
    let mapper = ActionMapper::bundled().unwrap();
    records.into_iter().map(|r| to_usage(r, mapper)).collect()
}

fn kinds(events: &[UsageEvent]) -> BTreeMap<ActorKind, usize> {
    let mut m = BTreeMap::new();
    for e in events {
        *m.entry(e.actor.kind()).or_default() += 1;
    }
    m
}

#[test]
fn event_counts() {
    let t = texts();
    assert_eq!(t.stratus_original.len(), 35);
    assert_eq!(stratus(&t).len(), 310);
    assert_eq!(parse_records(&t.stratus_all).unwrap().len(), 310);
    assert_eq!(parse_records(&t.panther_rules).unwrap().len(), 440);
    assert_eq!(jsonl(&t.panther_scenarios).len(), 27);
    assert_eq!(jsonl(&t.docs_jsonl).len(), 34);
    assert_eq!(parse_records(&t.docs_gz).unwrap().len(), 34);
    assert_eq!(parse_records(&t.trailscraper_smoke).unwrap().len(), 3);
    assert_eq!(parse_records(&t.trailscraper_gz).unwrap().len(), 2);
}

#[test]
fn the_two_stratus_and_docs_forms_agree() {
    let t = texts();
    let a = usage(&stratus(&t));
    let b = usage(&parse_records(&t.stratus_all).unwrap());
    let ids = |v: &[UsageEvent]| -> BTreeSet<(Option<String>, String)> {
        v.iter()
            .map(|e| (e.event_id.clone(), e.actor.principal_key()))
            .collect()
    };
    assert_eq!(ids(&a), ids(&b));
    let c = usage(&jsonl(&t.docs_jsonl));
    let d = usage(&parse_records(&t.docs_gz).unwrap());
    assert_eq!(c, d);
}

#[test]
fn stratus_actors() {
    let t = texts();
    let events = usage(&stratus(&t));
    let k = kinds(&events);
    assert_eq!(k[&ActorKind::IamUser], 241);
    assert_eq!(k[&ActorKind::RoleSession], 68);
    assert_eq!(k[&ActorKind::FederatedUser], 1);
    assert_eq!(k.values().sum::<usize>(), 310);
    let keys: BTreeMap<String, usize> = events.iter().fold(BTreeMap::new(), |mut m, e| {
        *m.entry(e.actor.principal_key()).or_default() += 1;
        m
    });
    println!("stratus principals: {keys:#?}");
    assert_eq!(keys["arn:aws:iam::017622104382:user/christophe"], 43);
    assert_eq!(keys["arn:aws:iam::056392974792:user/christophe"], 56);
    assert_eq!(
        keys["arn:aws:iam::457448411975:role/stratus-red-team-ec2-get-password-data-role"],
        30
    );
    assert_eq!(
        keys["arn:aws:iam::321848314756:role/stratus-red-team-get-usr-data-role"],
        15
    );
    assert_eq!(keys["arn:aws:iam::494659789341:role/test-role"], 15);
    // Role sessions keep their session name.
    let sessions: BTreeSet<String> = events
        .iter()
        .filter_map(|e| match &e.actor {
            Actor::RoleSession {
                session_name: Some(s),
                ..
            } => Some(s.clone()),
            _ => None,
        })
        .collect();
    println!("stratus role sessions: {sessions:?}");
    assert!(!sessions.is_empty());
    let federated = events
        .iter()
        .find(|e| e.actor.kind() == ActorKind::FederatedUser)
        .unwrap();
    assert_eq!(
        federated.actor,
        Actor::FederatedUser {
            arn: "arn:aws:sts::742491224508:federated-user/stratus_red_team".into(),
            account_id: Some("742491224508".into()),
            issuer_arn: Some(
                "arn:aws:iam::742491224508:user/stratus-red-team-user-federation-user".into()
            ),
        }
    );
    // Every role session is attributed to an IAM role ARN.
    for e in &events {
        if let Actor::RoleSession { role_arn, .. } = &e.actor {
            assert!(role_arn.starts_with("arn:aws:iam::"), "{role_arn}");
            assert!(role_arn.contains(":role/"), "{role_arn}");
        }
    }
}

#[test]
fn panther_actors() {
    let t = texts();
    let records = panther(&t);
    let events = usage(&records);
    let k = kinds(&events);
    println!("panther actor kinds: {k:?}");
    assert_eq!(k[&ActorKind::RoleSession], 289);
    assert_eq!(k[&ActorKind::IamUser], 116);
    assert_eq!(k[&ActorKind::Root], 38);
    assert_eq!(k[&ActorKind::AwsAccount], 5);
    assert_eq!(k[&ActorKind::FederatedUser], 2);
    assert_eq!(k[&ActorKind::Unknown], 2);
    assert_eq!(k[&ActorKind::AwsService], 1);
    // 12 without `userIdentity`, 2 with an empty one.
    assert_eq!(k[&ActorKind::Missing], 14);
    assert_eq!(k.values().sum::<usize>(), 467);
    // Root events: the root ARN of the account.
    let roots: BTreeMap<String, usize> = events
        .iter()
        .filter(|e| e.actor.kind() == ActorKind::Root)
        .fold(BTreeMap::new(), |mut m, e| {
            *m.entry(e.actor.principal_key()).or_default() += 1;
            m
        });
    println!("panther root principals: {roots:?}");
    // The 26 root events of the compromised-root-credentials scenario.
    assert_eq!(roots["arn:aws:iam::493859302102:root"], 26);
    // `{"type": "Root", "userName": "root"}`: the recipient account's root.
    assert!(roots.contains_key("arn:aws:iam::111122223333:root"));
    let login = events
        .iter()
        .find(|e| e.actor.kind() == ActorKind::Root && e.event_name == "ConsoleLogin")
        .unwrap();
    assert_eq!(login.activity, Activity::ConsoleActivity);
    assert!(!login.is_usage());
    // AWSService with invokedBy.
    let service = events
        .iter()
        .find(|e| e.actor.kind() == ActorKind::AwsService)
        .unwrap();
    assert_eq!(
        service.actor.principal_key(),
        "service:lambda.amazonaws.com"
    );
    // Cross-account callers are keyed by account.
    assert!(
        events
            .iter()
            .any(|e| e.actor.principal_key() == "account:222222222222")
    );
    // IAM Identity Center: the permission-set role, and the person behind it.
    let sso: BTreeSet<(String, String)> = events
        .iter()
        .filter_map(|e| match &e.actor {
            Actor::RoleSession {
                role_arn,
                sso_user: Some(user),
                ..
            } => Some((role_arn.clone(), user.clone())),
            _ => None,
        })
        .collect();
    println!("panther Identity Center sessions: {sso:#?}");
    assert!(sso.contains(&(
        "arn:aws:iam::187901811700:role/aws-reserved/sso.amazonaws.com/us-west-2/AWSReservedSSO_DevAdmin_635426549a280cc6".to_owned(),
        "nicholas.hakmiller".to_owned()
    )));
    // Without `sessionContext`: derived from the session ARN (the path is unknown).
    assert!(sso.contains(&(
        "arn:aws:iam::123456789012:role/AWSReservedSSO_Admin".to_owned(),
        "user@example.com".to_owned()
    )));
    assert_eq!(sso.len(), 8);
    // The role session of the Lambda example: role from sessionIssuer.
    assert!(
        events
            .iter()
            .any(|e| e.actor.principal_key() == "arn:aws:iam::123456789012:role/tester")
    );
}

#[test]
fn docs_actors_and_insights() {
    let t = texts();
    let records = jsonl(&t.docs_jsonl);
    let insights: Vec<_> = records.iter().filter(|r| r.is_insight()).collect();
    assert_eq!(insights.len(), 6);
    assert!(insights.iter().all(|r| r.user_identity.is_none()));
    let events = usage(&records);
    let k = kinds(&events);
    println!("docs actor kinds: {k:?}");
    assert_eq!(k[&ActorKind::IamUser], 18);
    assert_eq!(k[&ActorKind::Root], 5);
    assert_eq!(k[&ActorKind::RoleSession], 2);
    assert_eq!(k[&ActorKind::AwsAccount], 1);
    // Service events without a `type`: `{"accountId", "invokedBy": "AWS Internal"}`.
    assert_eq!(k[&ActorKind::AwsService], 2);
    assert_eq!(k[&ActorKind::Missing], 6);
    assert_eq!(k.values().sum::<usize>(), 34);
    for e in events.iter().filter(|e| e.kind == RecordKind::Insight) {
        assert_eq!(e.actor, Actor::Missing);
        assert_eq!(e.activity, Activity::NotACall);
        assert!(!e.is_usage());
    }
    assert!(
        events
            .iter()
            .any(|e| e.actor.principal_key() == "arn:aws:iam::111122223333:user/anaya")
    );
}

#[test]
fn trailscraper_actors() {
    let t = texts();
    let mut records = parse_records(&t.trailscraper_smoke).unwrap();
    records.extend(parse_records(&t.trailscraper_gz).unwrap());
    let events = usage(&records);
    let k = kinds(&events);
    assert_eq!(k[&ActorKind::RoleSession], 2);
    assert_eq!(k[&ActorKind::Root], 1);
    assert_eq!(k[&ActorKind::AwsService], 2);
    let role = events
        .iter()
        .find(|e| e.actor.kind() == ActorKind::RoleSession)
        .unwrap();
    let Actor::RoleSession { session_name, .. } = &role.actor else {
        unreachable!()
    };
    assert_eq!(
        session_name.as_deref(),
        Some("AutoScalingDescribeHandlerSession")
    );
}

/// Distinct `(eventSource, eventName)` pairs of principals' API calls (not
/// console sign-ins, service events, Insights or sign-in/portal activity) and
/// how many of them map.
fn coverage(label: &str, records: &[CloudTrailRecord<'_>]) -> (f64, usize) {
    let mapper = ActionMapper::bundled().unwrap();
    let mut pairs: BTreeMap<(String, String), Mapping> = BTreeMap::new();
    for r in records {
        if !matches!(r.kind(), RecordKind::ApiCall | RecordKind::VpceEvent) {
            continue;
        }
        if r.source().is_empty() || r.name().is_empty() {
            continue;
        }
        pairs.insert(
            (r.source().to_owned(), r.name().to_owned()),
            mapper.map(r.source(), r.name()),
        );
    }
    // Pairs that map (to actions or "no permission needed") or that botocore
    // lists as operations of the service count; the rest are invented test
    // events (`iam NotCreateUser`, `s3 SetQueueAttributes`) or CloudTrail-only
    // names, and are listed apart.
    let (relevant, invented): (Vec<_>, Vec<_>) = pairs
        .iter()
        .filter(|(_, m)| **m != Mapping::ConsoleActivity)
        .partition(|((s, n), _)| mapper.is_known_operation(s, n));
    let unmapped: Vec<String> = relevant
        .iter()
        .filter(|(_, m)| **m == Mapping::Unmapped)
        .map(|((s, n), _)| format!("{s} {n}"))
        .collect();
    let invented: Vec<String> = invented
        .iter()
        .map(|((s, n), _)| format!("{s} {n}"))
        .collect();
    let mapped = relevant.len() - unmapped.len();
    let pct = 100.0 * mapped as f64 / relevant.len().max(1) as f64;
    println!(
        "{label}: {mapped}/{} distinct API-call pairs mapped ({pct:.1}%); unmapped: {unmapped:?}; \
         not API operations (left out): {invented:?}",
        relevant.len()
    );
    (pct, invented.len())
}

#[test]
fn mapping_coverage_is_at_least_99_percent() {
    let t = texts();
    let s = stratus(&t);
    let p = panther(&t);
    let d = jsonl(&t.docs_jsonl);
    let mut ts = parse_records(&t.trailscraper_smoke).unwrap();
    ts.extend(parse_records(&t.trailscraper_gz).unwrap());
    let mut all: Vec<CloudTrailRecord<'_>> = Vec::new();
    all.extend(s.iter().cloned());
    all.extend(p.iter().cloned());
    all.extend(d.iter().cloned());
    all.extend(ts.iter().cloned());
    let results = [
        (coverage("stratus-red-team", &s), 0),
        (coverage("panther", &p), 17),
        (coverage("aws-docs-examples", &d), 0),
        (coverage("trailscraper", &ts), 0),
        (coverage("all fixtures", &all), 17),
    ];
    for ((pct, invented), expected_invented) in results {
        assert!(pct >= 99.0, "coverage {pct:.1}% < 99%");
        // Panther's rule tests invent 17 pairs (`iam NotCreateUser`, S3 calls
        // on `ec2.amazonaws.com`, ...); a new entry here is a real gap.
        assert_eq!(invented, expected_invented);
    }
}

#[test]
fn outcomes_on_real_data() {
    let t = texts();
    let mut records = stratus(&t);
    records.extend(panther(&t));
    records.extend(jsonl(&t.docs_jsonl));
    let events = usage(&records);
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for e in &events {
        let k = match &e.outcome {
            pare_usage::Outcome::Success => "success",
            pare_usage::Outcome::Denied { .. } => "denied",
            pare_usage::Outcome::Failed {
                before_authorization: true,
                ..
            } => "failed before authorization",
            pare_usage::Outcome::Failed { .. } => "failed",
        };
        *counts.entry(k).or_default() += 1;
    }
    println!("outcomes: {counts:?}");
    let denied_codes: BTreeSet<&str> = events
        .iter()
        .filter_map(|e| match &e.outcome {
            pare_usage::Outcome::Denied { code, .. } => Some(code.as_str()),
            _ => None,
        })
        .collect();
    println!("denied codes: {denied_codes:?}");
    assert_eq!(counts["denied"], 89);
    // Denied attempts are signals, not usage.
    assert!(
        events
            .iter()
            .filter(|e| e.outcome.is_denied())
            .all(|e| !e.is_usage())
    );
    // Stratus's EC2 dry runs: the permission was held.
    let dry: Vec<_> = events
        .iter()
        .filter(|e| {
            matches!(&e.outcome, pare_usage::Outcome::Failed { code, .. } if code == "Client.DryRunOperation")
        })
        .collect();
    assert_eq!(dry.len(), 2);
    assert!(dry.iter().all(|e| e.is_usage()));
}

#[test]
fn resources_on_real_data() {
    let t = texts();
    let records = stratus(&t);
    let events = usage(&records);
    let catalog = pare_catalog::Catalog::bundled().unwrap();
    let mut by_action: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for e in &events {
        for a in &e.actions {
            by_action
                .entry(catalog.action_name(a.action))
                .or_default()
                .extend(a.resources.iter().cloned());
        }
    }
    for (action, resources) in &by_action {
        let mut shown: Vec<_> = resources.iter().take(3).collect();
        shown.sort();
        println!("{action}: {} resource(s), e.g. {shown:?}", resources.len());
    }
    // Secrets by ARN (from `requestParameters.secretId` or `resources[]`).
    let secrets = &by_action["secretsmanager:GetSecretValue"];
    assert!(
        secrets
            .iter()
            .all(|a| a.starts_with("arn:aws:secretsmanager:")),
        "{secrets:?}"
    );
    // IAM users and roles by name.
    assert!(
        by_action["iam:CreateUser"]
            .iter()
            .all(|a| a.starts_with("arn:aws:iam::") && a.contains(":user/"))
    );
    // Calls on no particular resource.
    assert_eq!(
        by_action["ec2:DescribeInstances"],
        BTreeSet::from(["*".to_owned()])
    );
    // Every action has at least one resource (an ARN or `*`).
    assert!(
        events
            .iter()
            .flat_map(|e| &e.actions)
            .all(|a| !a.resources.is_empty())
    );
}

/// One `MappingCache` over every fixture record, twice over (the second pass all hits, including
/// calls whose actions depend on the request, which are never cached): the same usage as `to_usage`.
#[test]
fn cached_mappings_give_the_same_usage() {
    let t = texts();
    let mut records = stratus(&t);
    records.extend(panther(&t));
    records.extend(parse_records(&t.stratus_all).unwrap());
    records.extend(parse_records(&t.docs_gz).unwrap());
    records.extend(parse_records(&t.trailscraper_gz).unwrap());
    let mapper = ActionMapper::bundled().unwrap();
    let mut cache = pare_usage::MappingCache::default();
    let want: Vec<UsageEvent> = records.iter().map(|r| to_usage(r, mapper)).collect();
    for _ in 0..2 {
        let got: Vec<UsageEvent> = records
            .iter()
            .map(|r| pare_usage::to_usage_cached(r, mapper, &mut cache))
            .collect();
        assert_eq!(got, want);
    }
    assert!(want.len() > 1000, "{}", want.len());
}

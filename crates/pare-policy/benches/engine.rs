//! Engine benchmarks (plain `Instant`, no harness, one thread): decisions per second on a realistic mix,
//! parsing and expanding all 1,594 AWS-managed policies, and loading the catalog.
//!
//! Run with `cargo bench -p pare-policy --bench engine`. Every result is one line
//! `RESULT <name> runs=<n> median_us=<µs> min_us=<µs> [key=value ...]`, counts are `COUNT ...` lines and
//! context is `INFO ...` lines, so that `benches/run.sh` (and people) can grep them. Without `--bench`
//! (`cargo test --benches`) every measurement runs once, as a smoke test.
//!
//! With `PARE_BENCH_DUMP=DIR` the action sets are also written out for `benches/peers/` to compare against
//! policy_sentry: `DIR/counts.tsv` (policy, allowed_actions, action-only) and `DIR/actions/NAME.txt` for the
//! well-known policies.

use std::error::Error;
use std::hint::black_box;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use pare_catalog::{ActionSet, Catalog};
use pare_policy::actions::{allowed_actions, statement_actions};
use pare_policy::document::ActionClause;
use pare_policy::simulate::{NoChecks, SimulateInput, prepare};
use pare_policy::{Decision, Effect, PolicyDocument, PolicySet, Request, evaluate};
use serde_json::{Map, Value};

type BenchResult<T> = Result<T, Box<dyn Error>>;

/// The policies whose action counts are printed and compared with the peers.
const WELL_KNOWN: &[&str] = &[
    "AdministratorAccess",
    "PowerUserAccess",
    "ReadOnlyAccess",
    "ViewOnlyAccess",
    "SecurityAudit",
    "AmazonS3FullAccess",
];

/// Median and minimum of a set of timed runs.
#[derive(Clone, Copy, Debug)]
struct Stats {
    median: Duration,
    min: Duration,
}

/// Runs `f` `runs` times and returns the median and minimum. The results are kept until the end so that
/// dropping them is not timed.
fn measure<T>(runs: usize, mut f: impl FnMut() -> T) -> Stats {
    let mut kept = Vec::with_capacity(runs);
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            kept.push(black_box(f()));
            start.elapsed()
        })
        .collect();
    drop(kept);
    times.sort();
    Stats {
        median: times.get(times.len() / 2).copied().unwrap_or_default(),
        min: times.first().copied().unwrap_or_default(),
    }
}

fn report(name: &str, runs: usize, stats: Stats, extra: &str) {
    println!(
        "RESULT {name} runs={runs} median_us={:.1} min_us={:.1}{extra}",
        stats.median.as_secs_f64() * 1e6,
        stats.min.as_secs_f64() * 1e6,
    );
}

fn repo_path(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// The AWS-managed policies fixture: name → document, in file order.
fn managed_policies() -> BenchResult<Vec<(String, Value)>> {
    let path = repo_path("../../tests/data/aws-managed-policies/managedPolicies.latest.json.gz");
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(&path)?).read_to_string(&mut text)?;
    let all: Map<String, Value> = serde_json::from_str(&text)?;
    let mut out = Vec::with_capacity(all.len());
    for (name, policy) in all {
        let doc = policy
            .get("Document")
            .cloned()
            .ok_or_else(|| format!("managed policy {name} has no Document"))?;
        out.push((name, doc));
    }
    Ok(out)
}

/// One request of the decision mix, with everything that applies to it.
struct Case {
    name: String,
    request: Request,
    policies: PolicySet,
}

fn field<'a>(v: &'a Value, key: &str) -> BenchResult<&'a Value> {
    v.get(key)
        .ok_or_else(|| format!("decision_mix.json: missing `{key}`").into())
}

/// Resolves a document reference: `aws-managed:NAME` or a key of the fixture's `documents`.
fn document(
    reference: &Value,
    documents: &Value,
    managed: &[(String, Value)],
) -> BenchResult<Value> {
    let name = reference
        .as_str()
        .ok_or("decision_mix.json: a document reference must be a string")?;
    let found = match name.strip_prefix("aws-managed:") {
        Some(m) => managed.iter().find(|(n, _)| n == m).map(|(_, d)| d),
        None => documents.get(name),
    };
    found
        .cloned()
        .ok_or_else(|| format!("decision_mix.json: unknown document `{name}`").into())
}

fn documents_of(
    set: &Value,
    key: &str,
    documents: &Value,
    managed: &[(String, Value)],
) -> BenchResult<Value> {
    let Some(list) = set.get(key).and_then(Value::as_array) else {
        return Ok(Value::Array(Vec::new()));
    };
    let mut out = Vec::new();
    for item in list {
        out.push(match item {
            Value::Array(level) => Value::Array(
                level
                    .iter()
                    .map(|r| document(r, documents, managed))
                    .collect::<BenchResult<_>>()?,
            ),
            other => document(other, documents, managed)?,
        });
    }
    Ok(Value::Array(out))
}

/// Builds the decision mix from `benches/data/decision_mix.json` through the `pare simulate` input format,
/// and checks that every request gets the decision the fixture expects.
fn decision_mix(managed: &[(String, Value)]) -> BenchResult<Vec<Case>> {
    let text = std::fs::read_to_string(repo_path("benches/data/decision_mix.json"))?;
    let fixture: Value = serde_json::from_str(&text)?;
    let documents = field(&fixture, "documents")?;
    let sets = field(&fixture, "policy_sets")?;
    let contexts = field(&fixture, "contexts")?;
    let principals = field(&fixture, "principals")?;
    let requests = field(&fixture, "requests")?
        .as_array()
        .ok_or("decision_mix.json: `requests` must be an array")?;
    let mut cases = Vec::new();
    let mut wrong = Vec::new();
    for r in requests {
        let text_of = |key: &str| -> BenchResult<String> {
            field(r, key)?
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("decision_mix.json: `{key}` must be a string").into())
        };
        let name = text_of("name")?;
        let who = text_of("who")?;
        let set = field(sets, &text_of("set")?)?;
        let mut context = field(contexts, &who)?.clone();
        if let (Some(base), Some(extra)) = (
            context.as_object_mut(),
            r.get("context").and_then(Value::as_object),
        ) {
            base.extend(extra.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        let mut input = Map::new();
        input.insert(
            "request".into(),
            serde_json::json!({
                "principal": field(principals, &who)?,
                "action": field(r, "action")?,
                "resource": field(r, "resource")?,
                "context": context,
            }),
        );
        for key in [
            "identity_policies",
            "permission_boundaries",
            "service_control_policies",
        ] {
            input.insert(key.into(), documents_of(set, key, documents, managed)?);
        }
        if let Some(reference) = set.get("resource_policy") {
            input.insert(
                "resource_policy".into(),
                document(reference, documents, managed)?,
            );
        }
        let input: SimulateInput = serde_json::from_value(Value::Object(input))?;
        let (request, policies, _warnings) = prepare(&input, &NoChecks)?;
        let expect: Decision = serde_json::from_value(field(r, "expect")?.clone())?;
        let got = evaluate(&request, &policies);
        if got.decision != expect {
            wrong.push(format!(
                "{name}: expected {expect:?}, got {:?} ({})",
                got.decision,
                got.explanation.join("; ")
            ));
        }
        cases.push(Case {
            name,
            request,
            policies,
        });
    }
    if !wrong.is_empty() {
        return Err(format!(
            "the decision mix no longer decides as its fixture says:\n{}",
            wrong.join("\n")
        )
        .into());
    }
    Ok(cases)
}

/// Times one pass over `f` and returns how many passes fill about `target`.
fn passes_for(target: Duration, mut f: impl FnMut()) -> usize {
    let start = Instant::now();
    f();
    let once = start.elapsed().max(Duration::from_nanos(1));
    ((target.as_secs_f64() / once.as_secs_f64()) as usize).clamp(1, 1_000_000)
}

fn bench_decisions(cases: &[Case], quick: bool) {
    let mut by_decision = [0usize; 3];
    for c in cases {
        let i = match evaluate(&c.request, &c.policies).decision {
            Decision::Allowed => 0,
            Decision::ExplicitlyDenied => 1,
            Decision::ImplicitlyDenied => 2,
        };
        if let Some(n) = by_decision.get_mut(i) {
            *n += 1;
        }
    }
    let statements: usize = cases
        .iter()
        .map(|c| {
            let p = &c.policies;
            p.identity_policies
                .iter()
                .chain(&p.permission_boundaries)
                .chain(p.service_control_policies.iter().flatten())
                .chain(&p.resource_policy)
                .map(|d| d.statements.len())
                .sum::<usize>()
        })
        .sum();
    println!(
        "INFO decide.mix requests={} allowed={} explicitly_denied={} implicitly_denied={} statements_per_request_avg={:.1}",
        cases.len(),
        by_decision[0],
        by_decision[1],
        by_decision[2],
        statements as f64 / cases.len().max(1) as f64
    );

    let mix = || {
        for c in cases {
            black_box(evaluate(black_box(&c.request), black_box(&c.policies)));
        }
    };
    let (runs, passes) = if quick {
        (1, 1)
    } else {
        (31, passes_for(Duration::from_millis(20), mix))
    };
    let stats = measure(runs, || {
        for _ in 0..passes {
            mix();
        }
    });
    let decisions = (passes * cases.len()) as f64;
    report(
        "decide.mix",
        runs,
        stats,
        &format!(
            " decisions={decisions} decisions_per_s={:.0} decisions_per_s_best={:.0} us_per_decision={:.2}",
            decisions / stats.median.as_secs_f64(),
            decisions / stats.min.as_secs_f64(),
            stats.median.as_secs_f64() * 1e6 / decisions,
        ),
    );

    for c in cases {
        let one = || {
            black_box(evaluate(black_box(&c.request), black_box(&c.policies)));
        };
        let (runs, passes) = if quick {
            (1, 1)
        } else {
            (15, passes_for(Duration::from_millis(2), one))
        };
        let stats = measure(runs, || {
            for _ in 0..passes {
                one();
            }
        });
        report(
            &format!("decide.request.{}", c.name),
            runs,
            stats,
            &format!(
                " us_per_decision={:.2}",
                stats.median.as_secs_f64() * 1e6 / passes as f64
            ),
        );
    }
}

/// The actions of the `Allow` statements that use `Action` (what policy_sentry's `determine_actions_to_expand`
/// covers: it leaves `NotAction` alone).
fn action_only(doc: &PolicyDocument, catalog: &Catalog) -> ActionSet {
    let mut set = ActionSet::empty(catalog);
    for st in &doc.statements {
        if st.effect == Effect::Allow && matches!(st.action, ActionClause::Action(_)) {
            set.union_with(&statement_actions(st, catalog));
        }
    }
    set
}

fn write_dump(
    dir: &str,
    managed: &[(String, Value)],
    docs: &[PolicyDocument],
    catalog: &Catalog,
) -> BenchResult<()> {
    let dir = PathBuf::from(dir);
    std::fs::create_dir_all(dir.join("actions"))?;
    let mut counts = std::fs::File::create(dir.join("counts.tsv"))?;
    writeln!(counts, "policy\tallowed_actions\taction_only")?;
    for ((name, _), doc) in managed.iter().zip(docs) {
        let all = allowed_actions(doc, catalog);
        writeln!(
            counts,
            "{name}\t{}\t{}",
            all.len(),
            action_only(doc, catalog).len()
        )?;
        if WELL_KNOWN.contains(&name.as_str()) {
            let mut names: Vec<String> = all.iter().map(|id| catalog.action_name(id)).collect();
            names.sort();
            std::fs::write(
                dir.join("actions").join(format!("{name}.txt")),
                names.join("\n") + "\n",
            )?;
        }
    }
    println!("INFO dump dir={}", dir.display());
    Ok(())
}

fn main() -> BenchResult<()> {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not: run once quickly then.
    let quick = !std::env::args().any(|a| a == "--bench");
    let n = |full: usize| if quick { 1 } else { full };

    // (d) Catalog load.
    let bytes = Catalog::bundled_artifact();
    let runs = n(31);
    let load = measure(runs, || Catalog::from_artifact(black_box(bytes)));
    let catalog = Catalog::from_artifact(bytes)?;
    report(
        "catalog.load",
        runs,
        load,
        &format!(" artifact_bytes={}", bytes.len()),
    );
    println!(
        "INFO catalog source={} services={} actions={}",
        catalog.source(),
        catalog.service_count(),
        catalog.action_count()
    );

    // (a) Decisions per second.
    let managed = managed_policies()?;
    let cases = decision_mix(&managed)?;
    bench_decisions(&cases, quick);

    // (b) Parsing every AWS-managed policy, from text and from an already-decoded JSON value.
    let texts: Vec<String> = managed
        .iter()
        .map(|(_, d)| serde_json::to_string(d))
        .collect::<Result<_, _>>()?;
    let count = managed.len();
    let text_bytes: usize = texts.iter().map(String::len).sum();
    let per_policy = |s: Stats| {
        format!(
            " policies={count} per_policy_us={:.2}",
            s.median.as_secs_f64() * 1e6 / count.max(1) as f64
        )
    };
    let runs = n(21);
    let parse_text = measure(runs, || {
        texts
            .iter()
            .map(|t| PolicyDocument::parse_text(t))
            .collect::<Vec<_>>()
    });
    report(
        "parse.managed.text",
        runs,
        parse_text,
        &format!("{} bytes={text_bytes}", per_policy(parse_text)),
    );
    let parse_value = measure(runs, || {
        managed
            .iter()
            .map(|(_, v)| PolicyDocument::from_json(v))
            .collect::<Vec<_>>()
    });
    report(
        "parse.managed.value",
        runs,
        parse_value,
        &per_policy(parse_value),
    );
    let mut docs = Vec::with_capacity(count);
    let mut errors = 0;
    for t in &texts {
        let (doc, diags) = PolicyDocument::parse_text(t)?;
        errors += diags.iter().filter(|d| d.is_error()).count();
        docs.push(doc);
    }
    let statements: usize = docs.iter().map(|d| d.statements.len()).sum();
    let patterns: usize = docs
        .iter()
        .flat_map(|d| &d.statements)
        .map(|s| s.action.patterns().len())
        .sum();
    println!(
        "INFO managed policies={count} statements={statements} action_patterns={patterns} parse_errors={errors}"
    );

    // (c) Expanding every AWS-managed policy into its action set.
    let runs = n(21);
    let mut total = 0;
    let expand_all = measure(runs, || {
        let sets: Vec<ActionSet> = docs.iter().map(|d| allowed_actions(d, &catalog)).collect();
        total = sets.iter().map(ActionSet::len).sum::<usize>();
        sets
    });
    report(
        "expand.managed.allowed_actions",
        runs,
        expand_all,
        &format!("{} actions_total={total}", per_policy(expand_all)),
    );
    let expand_action_only = measure(runs, || {
        let sets: Vec<ActionSet> = docs.iter().map(|d| action_only(d, &catalog)).collect();
        total = sets.iter().map(ActionSet::len).sum::<usize>();
        sets
    });
    report(
        "expand.managed.action_only",
        runs,
        expand_action_only,
        &format!("{} actions_total={total}", per_policy(expand_action_only)),
    );
    let not_action: Vec<_> = docs
        .iter()
        .flat_map(|d| &d.statements)
        .filter(|s| s.effect == Effect::Allow && s.action.is_negated())
        .collect();
    let runs = n(201);
    let expand_not_action = measure(runs, || {
        let sets: Vec<ActionSet> = not_action
            .iter()
            .map(|s| statement_actions(s, &catalog))
            .collect();
        total = sets.iter().map(ActionSet::len).sum::<usize>();
        sets
    });
    report(
        "expand.managed.not_action_statements",
        runs,
        expand_not_action,
        &format!(" statements={} actions_total={total}", not_action.len()),
    );

    for name in WELL_KNOWN {
        if let Some(i) = managed.iter().position(|(n, _)| n == name)
            && let Some(doc) = docs.get(i)
        {
            println!(
                "COUNT pare policy={name} allowed_actions={} action_only={}",
                allowed_actions(doc, &catalog).len(),
                action_only(doc, &catalog).len()
            );
        }
    }
    if let Ok(dir) = std::env::var("PARE_BENCH_DUMP") {
        write_dump(&dir, &managed, &docs, &catalog)?;
    }
    Ok(())
}

//! `pare demo`: a guided run over bundled scenarios, showing decisions with their reasons, then the bundled demo
//! account (built into a database, kept with `--db`) and what Pare finds in it.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context as _, Result};
use pare_catalog::Catalog;
use pare_engine::findings::{ReviewOptions, review};
use pare_policy::actions::CatalogCheck;
use pare_policy::simulate;

/// The bundled scenarios, in the order the demo tells them.
const SCENARIOS: &[(&str, &str)] = &[
    (
        "01-power-user-iam.json",
        include_str!("../demo/01-power-user-iam.json"),
    ),
    (
        "02-bucket-policy-session.json",
        include_str!("../demo/02-bucket-policy-session.json"),
    ),
    (
        "03-scp-region.json",
        include_str!("../demo/03-scp-region.json"),
    ),
    (
        "04-mfa-unknown.json",
        include_str!("../demo/04-mfa-unknown.json"),
    ),
    (
        "05-cross-account-kms.json",
        include_str!("../demo/05-cross-account-kms.json"),
    ),
];

#[derive(serde::Deserialize)]
struct Scenario {
    title: String,
    input: serde_json::Value,
}

pub fn run(db: Option<&Path>) -> Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    let started = Instant::now();
    let catalog = Catalog::bundled()
        .map_err(|e| anyhow::anyhow!("the bundled action catalog is unusable: {e}"))?;
    writeln!(
        out,
        "Pare demo\n=========\nAction catalog: {} services, {} actions ({}), loaded in {:.1} ms\n",
        catalog.service_count(),
        catalog.action_count(),
        catalog.source(),
        started.elapsed().as_secs_f64() * 1000.0
    )?;
    for pattern in ["iam:*", "s3:Get*", "*:Describe*"] {
        writeln!(
            out,
            "  `{pattern}` expands to {} actions",
            catalog.expand(pattern).len()
        )?;
    }
    let checks = CatalogCheck::new(catalog);
    for (name, text) in SCENARIOS {
        let scenario: Scenario =
            serde_json::from_str(text).with_context(|| format!("bundled scenario `{name}`"))?;
        let input: simulate::SimulateInput = serde_json::from_value(scenario.input)
            .with_context(|| format!("bundled scenario `{name}`"))?;
        let result = simulate::simulate(&input, &checks)
            .with_context(|| format!("bundled scenario `{name}`"))?;
        writeln!(out, "\n{}", scenario.title)?;
        writeln!(
            out,
            "  {} → {} on {}",
            input.request.principal, input.request.action, input.request.resource
        )?;
        writeln!(out, "  decision: {:?}", result.decision)?;
        if !result.blocked_by.is_empty() {
            let names: Vec<&str> = result.blocked_by.iter().map(|t| t.as_str()).collect();
            writeln!(out, "  blocked by: {}", names.join(", "))?;
        }
        for s in &result.matched_statements {
            writeln!(
                out,
                "  matched: {}{} {} statement {}{}",
                s.policy_type.as_str(),
                s.level
                    .map(|l| format!(" (OU level {l}, document {})", s.policy_index))
                    .unwrap_or_default(),
                s.effect,
                s.statement_index,
                s.sid
                    .as_deref()
                    .map(|sid| format!(" ({sid})"))
                    .unwrap_or_default()
            )?;
        }
        for d in &result.depends_on {
            writeln!(
                out,
                "  depends on: `{}` ({} in {} statement {}) was not supplied",
                d.key,
                d.operator,
                d.statement.policy_type.as_str(),
                d.statement.statement_index
            )?;
        }
        for line in &result.explanation {
            writeln!(out, "  why: {line}")?;
        }
    }
    demo_account(&mut out, db)?;
    writeln!(
        out,
        "\nTry it yourself: pare simulate --input case.json   ·   pare expand 's3:*Object*'   ·   pare import --db pare.db --cloudtrail AWSLogs/"
    )?;
    Ok(ExitCode::SUCCESS)
}

/// Builds the bundled demo account's database — at `db` when given (kept), else in a throw-away folder — and
/// shows what Pare finds in it.
fn demo_account(out: &mut impl Write, db: Option<&Path>) -> Result<()> {
    if let Some(db) = db {
        return demo_account_in(db, out);
    }
    let dir = std::env::temp_dir().join(format!("pare-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create `{}`", dir.display()))?;
    let result = demo_account_in(&dir.join("demo.db"), out);
    std::fs::remove_dir_all(&dir).ok();
    result
}

fn demo_account_in(db: &Path, out: &mut impl Write) -> Result<()> {
    let started = Instant::now();
    let demo = pare_engine::demo::build_demo_database(db)
        .map_err(|e| anyhow::anyhow!("building the demo database `{}`: {e}", db.display()))?;
    let c = &demo.account.counts;
    let t = &demo.trail.totals;
    writeln!(
        out,
        "\nDemo account {} (Northwind production): {} users, {} groups, {} roles ({} Identity Center, {} service-linked); {} CloudTrail events over 90 days, {} denied; built in {:.2} s",
        pare_engine::demo::DEMO_ACCOUNT_ID,
        c.users,
        c.groups,
        c.roles,
        c.identity_center_roles,
        c.service_linked_roles,
        t.events,
        t.denied_events,
        started.elapsed().as_secs_f64()
    )?;
    let review = review(db, &ReviewOptions::default())
        .map_err(|e| anyhow::anyhow!("reviewing the demo account: {e}"))?;
    let mut by_severity: std::collections::BTreeMap<&str, usize> =
        std::collections::BTreeMap::new();
    for f in &review.findings {
        *by_severity.entry(f.severity.as_str()).or_default() += 1;
    }
    let counts: Vec<String> = by_severity
        .iter()
        .map(|(s, n)| format!("{n} {s}"))
        .collect();
    writeln!(
        out,
        "  {} findings ({}), {} privilege-escalation paths, worst first:",
        review.findings.len(),
        counts.join(", "),
        review.paths.paths.len()
    )?;
    for f in review.findings.iter().take(8) {
        writeln!(out, "    [{}] {}", f.severity.as_str(), f.title)?;
    }
    let alerts = pare_engine::alerts(db, None).map_err(|e| anyhow::anyhow!("{e}"))?;
    writeln!(
        out,
        "  {} alerts raised by the built-in alert policies",
        alerts.len()
    )?;
    if let Some(top) = review.scores.first() {
        writeln!(
            out,
            "  highest risk score: {:.1} for {}",
            top.score, top.principal
        )?;
    }
    writeln!(
        out,
        "  database: {}{}",
        db.display(),
        if demo.account.created {
            ""
        } else {
            " (already built)"
        }
    )?;
    Ok(())
}

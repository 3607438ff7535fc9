//! `pare demo`: a guided run over bundled scenarios, showing decisions with their reasons.

use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context as _, Result};
use pare_catalog::Catalog;
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

pub fn run() -> Result<ExitCode> {
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
    cloudtrail(&mut out)?;
    writeln!(
        out,
        "\nTry it yourself: pare simulate --input case.json   ·   pare expand 's3:*Object*'   ·   pare import --db pare.db --cloudtrail AWSLogs/"
    )?;
    Ok(ExitCode::SUCCESS)
}

/// The bundled trail: 310 real CloudTrail events of attack techniques (Stratus Red Team, Apache-2.0).
const DEMO_TRAIL: &[u8] = include_bytes!("../demo/cloudtrail/stratus-red-team.json.gz");

/// Imports the bundled trail into a throw-away database and shows what the attacker's user actually did.
fn cloudtrail(out: &mut impl Write) -> Result<()> {
    let dir = std::env::temp_dir().join(format!("pare-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create `{}`", dir.display()))?;
    let result = cloudtrail_in(&dir, out);
    std::fs::remove_dir_all(&dir).ok();
    result
}

fn cloudtrail_in(dir: &std::path::Path, out: &mut impl Write) -> Result<()> {
    let trail = dir.join("stratus-red-team.json.gz");
    std::fs::write(&trail, DEMO_TRAIL)
        .with_context(|| format!("cannot write `{}`", trail.display()))?;
    let db = dir.join("demo.db");
    let summary = pare_engine::import_cloudtrail(&db, &[trail], None, None, |_| {})
        .map_err(|e| anyhow::anyhow!("importing the bundled trail: {e}"))?;
    writeln!(
        out,
        "\nCloudTrail: imported {} real events (Stratus Red Team) in {:.2} s; {:.1}% of calls mapped to IAM actions, {} denied attempts",
        summary.new_events,
        summary.seconds,
        summary.mapped_percent(),
        summary.denied_calls
    )?;
    let attacker = "arn:aws:iam::229654561268:user/christophe";
    let rows = pare_engine::usage(&db, Some(attacker)).map_err(|e| anyhow::anyhow!("{e}"))?;
    writeln!(out, "  what `{attacker}` actually used:")?;
    for r in &rows {
        writeln!(
            out,
            "    {} on {} ×{} (last {})",
            r.action,
            r.resource,
            r.count,
            r.last_seen.as_deref().unwrap_or("?")
        )?;
    }
    Ok(())
}

//! `pare findings`, `pare paths`: the access review of an imported account through the engine.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Result, anyhow};
use pare_engine::findings::{Review, ReviewOptions, review};

use crate::UsageError;

fn run_review(db: &Path, principal: Option<&str>, depth: Option<usize>) -> Result<Review> {
    if !db.is_file() {
        return Err(UsageError(format!(
            "database `{}` does not exist (import an account or CloudTrail logs with `pare import --db {}`)",
            db.display(),
            db.display()
        ))
        .into());
    }
    let mut options = ReviewOptions {
        principal: principal.map(str::to_owned),
        ..ReviewOptions::default()
    };
    if let Some(d) = depth {
        options.search.max_depth = d;
    }
    review(db, &options).map_err(|e| anyhow!("{e}"))
}

pub(crate) fn cmd_findings(
    db: &Path,
    principal: Option<&str>,
    scores: bool,
    json: bool,
) -> Result<ExitCode> {
    let r = run_review(db, principal, None)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if scores {
        if json {
            writeln!(out, "{}", serde_json::to_string_pretty(&r.scores)?)?;
        } else {
            for s in &r.scores {
                let top: Vec<String> = s
                    .contributions
                    .iter()
                    .take(3)
                    .map(|c| format!("{} {:.1}", c.action, c.points))
                    .collect();
                writeln!(out, "{:5.1}\t{}\t{}", s.score, s.principal, top.join(", "))?;
            }
        }
    } else if json {
        let rows: Vec<serde_json::Value> = r
            .findings
            .iter()
            .map(|f| {
                serde_json::json!({
                    "id": f.id,
                    "kind": f.kind,
                    "severity": f.severity,
                    "principal": f.principal,
                    "title": f.title,
                    "evidence": f.evidence,
                    "explanation": f.explanation,
                    "recommendation": f.recommendation,
                })
            })
            .collect();
        writeln!(out, "{}", serde_json::to_string_pretty(&rows)?)?;
    } else {
        for f in &r.findings {
            writeln!(
                out,
                "{}\t{}\t{}\t{}",
                f.severity.as_str(),
                f.kind.as_str(),
                f.principal,
                f.title
            )?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn cmd_paths(db: &Path, depth: Option<usize>, json: bool) -> Result<ExitCode> {
    let r = run_review(db, None, depth)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(&r.paths.paths)?)?;
    } else {
        for p in &r.paths.paths {
            let steps: Vec<String> = p
                .steps
                .iter()
                .map(|s| format!("{} → {}", s.technique, s.to))
                .collect();
            writeln!(out, "{}\t{}", p.principal, steps.join(" ; "))?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

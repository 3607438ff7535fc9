//! `pare rightsize`: the least-privilege policy for one principal or for every principal, through the engine.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Result, anyhow};
use pare_policy::{PolicyDocument, PolicySet};
use pare_rightsize::export::{self, Format};
use pare_rightsize::{Options, ResourceScope};

use crate::UsageError;
use crate::cloudtrail::{existing_db, parse_date};

/// What `pare rightsize` was asked.
#[derive(Debug)]
pub(crate) struct RightsizeArgs {
    pub db: PathBuf,
    pub principal: Option<String>,
    pub all: bool,
    pub since: Option<String>,
    pub until: Option<String>,
    pub resources: String,
    pub format: String,
    pub out: Option<PathBuf>,
    pub json_report: bool,
    pub policies: Vec<PathBuf>,
    pub boundaries: Vec<PathBuf>,
    pub scps: Vec<PathBuf>,
    pub no_compress: bool,
}

/// Reads a policy document; errors name the file and the JSON pointer.
fn read_policy(path: &Path) -> Result<PolicyDocument> {
    let text = crate::read_input(path)?;
    let (doc, diags) = PolicyDocument::parse_text(&text).map_err(|e| {
        UsageError(format!(
            "`{}`: line {} column {}: not a policy document: {e}",
            path.display(),
            e.line(),
            e.column()
        ))
    })?;
    if let Some(d) = diags.iter().find(|d| d.is_error()) {
        return Err(UsageError(format!("`{}`: {d}", path.display())).into());
    }
    Ok(doc)
}

fn current_from_files(args: &RightsizeArgs) -> Result<Option<PolicySet>> {
    if args.policies.is_empty() {
        return Ok(None);
    }
    let read = |paths: &[PathBuf]| -> Result<Vec<PolicyDocument>> {
        paths.iter().map(|p| read_policy(p)).collect()
    };
    let scps = read(&args.scps)?;
    Ok(Some(PolicySet {
        identity_policies: read(&args.policies)?,
        permission_boundaries: read(&args.boundaries)?,
        service_control_policies: if scps.is_empty() {
            Vec::new()
        } else {
            vec![scps]
        },
        ..PolicySet::default()
    }))
}

/// No snapshot or an unknown principal is the user's to fix (exit 2); the rest is a failure.
fn engine_error(e: pare_engine::EngineError) -> anyhow::Error {
    match e {
        pare_engine::EngineError::Account(_) | pare_engine::EngineError::NotInAccount(_) => {
            UsageError(e.to_string()).into()
        }
        other => anyhow!("{other}"),
    }
}

pub(crate) fn cmd_rightsize(args: &RightsizeArgs) -> Result<ExitCode> {
    existing_db(&args.db)?;
    let since = args
        .since
        .as_deref()
        .map(|s| parse_date("since", s))
        .transpose()?;
    let until = args
        .until
        .as_deref()
        .map(|s| parse_date("until", s))
        .transpose()?;
    let resources: ResourceScope = args
        .resources
        .parse()
        .map_err(|e: String| UsageError(format!("--resources: {e}")))?;
    let format: Format = args
        .format
        .parse()
        .map_err(|e: String| UsageError(format!("--format: {e}")))?;
    let options = Options {
        resources,
        compress: !args.no_compress,
        ..Options::default()
    };
    let current = match current_from_files(args)? {
        Some(set) => pare_engine::CurrentPolicies::Given(Box::new(set)),
        None => pare_engine::CurrentPolicies::Snapshot,
    };
    if args.all {
        let Some(out_dir) = &args.out else {
            return Err(UsageError("--all needs --out DIR".to_owned()).into());
        };
        let summary =
            pare_engine::rightsize_all(&args.db, since, until, options, &current, format, out_dir)
                .map_err(engine_error)?;
        let mut out = std::io::stdout().lock();
        let incomplete = summary
            .entries
            .iter()
            .filter(|e| e.replay_allowed < e.replay_total)
            .count();
        let written = summary.entries.iter().filter(|e| e.file.is_some()).count();
        writeln!(
            out,
            "{written} principals right-sized into `{}` ({} skipped, see the index) in {:.2}s (index: `{}`); {} with calls the suggestion would deny",
            summary.out_dir.display(),
            summary.entries.len() - written,
            summary.seconds,
            summary.index.display(),
            incomplete
        )?;
        return Ok(if incomplete == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        });
    }
    let Some(principal) = &args.principal else {
        return Err(UsageError("give --principal ARN or --all".to_owned()).into());
    };
    let report = pare_engine::rightsize(&args.db, principal, since, until, options, &current)
        .map_err(engine_error)?;
    let p = &report.policy;
    let text = export::export(p, format).map_err(|e| anyhow!("{e}"))?;
    if let Some(path) = &args.out {
        std::fs::write(path, &text)
            .map_err(|e| anyhow!("cannot write `{}`: {e}", path.display()))?;
    }
    let mut out = std::io::stdout().lock();
    if args.json_report {
        writeln!(out, "{}", serde_json::to_string_pretty(&report.to_json())?)?;
    } else if args.out.is_none() {
        out.write_all(text.as_bytes())?;
    }
    let mut err = std::io::stderr();
    writeln!(
        err,
        "{}: replay {}/{} events allowed; actions {} → {}; {} kept though CloudTrail cannot show them",
        p.principal,
        p.replay.allowed,
        p.replay.total,
        p.before_actions,
        p.after_actions,
        p.kept_not_observable.len()
    )?;
    for n in &p.notes {
        writeln!(err, "note: {n}")?;
    }
    for d in &p.replay.denied {
        writeln!(
            err,
            "denied on replay: {} on `{}` ({} events): {}",
            d.action, d.resource, d.count, d.reason
        )?;
    }
    Ok(if p.replay.denied.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

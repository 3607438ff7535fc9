//! `pare alerts`: activity alerts through the engine: list, triage, policy files, evaluation, pivots.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, anyhow};
use clap::{Args, ValueEnum};
use pare_engine::{AlertStatus, EngineError};

use crate::UsageError;

/// A triage status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Status {
    /// Not looked at yet (with `--triage`: reopen).
    Open,
    /// Looked at: not a problem.
    Dismissed,
    /// Looked at: dealt with.
    Resolved,
}

impl Status {
    fn engine(self) -> AlertStatus {
        match self {
            Status::Open => AlertStatus::Open,
            Status::Dismissed => AlertStatus::Dismissed,
            Status::Resolved => AlertStatus::Resolved,
        }
    }
}

/// `pare alerts` arguments.
#[derive(Debug, Args)]
pub(crate) struct AlertsArgs {
    /// The database file.
    #[arg(long, value_name = "FILE")]
    db: PathBuf,
    /// An alert policy file (TOML, or JSON when named `*.json`) to store (repeatable): changed policies
    /// become new versions and the whole history is evaluated again. A bad file stores nothing.
    #[arg(long, value_name = "FILE")]
    policy: Vec<PathBuf>,
    /// Only alerts with this status; with `--triage`, the status to set.
    #[arg(long, value_enum)]
    status: Option<Status>,
    /// Triage the alert with this id (needs `--status`).
    #[arg(long, value_name = "ID", requires = "status")]
    triage: Option<i64>,
    /// The triage note.
    #[arg(long, value_name = "TEXT", requires = "triage")]
    note: Option<String>,
    /// Set the reviewer's name recorded with triage (kept in the database).
    #[arg(long, value_name = "NAME")]
    reviewer: Option<String>,
    /// Evaluate the stored policies over the whole history (alerts already raised are kept).
    #[arg(long)]
    evaluate: bool,
    /// Print the alert's events, its actor's activity and the activity from its source IPs.
    #[arg(long, value_name = "ID", conflicts_with = "triage")]
    investigate: Option<i64>,
    /// Print the stored policies (latest versions) as policy files.
    #[arg(long, conflicts_with_all = ["triage", "investigate"])]
    policies: bool,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

fn engine_error(e: EngineError) -> anyhow::Error {
    match e {
        EngineError::Policy(_) | EngineError::UnknownAlert(_) => UsageError(e.to_string()).into(),
        other => anyhow!("{other}"),
    }
}

pub(crate) fn cmd_alerts(args: &AlertsArgs) -> Result<ExitCode> {
    let db = args.db.as_path();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if let Some(name) = &args.reviewer {
        pare_engine::set_reviewer(db, name).map_err(engine_error)?;
    }
    if !args.policy.is_empty() {
        let mut files = Vec::new();
        for p in &args.policy {
            let text = std::fs::read_to_string(p)
                .map_err(|e| UsageError(format!("cannot read `{}`: {e}", p.display())))?;
            files.push((p.display().to_string(), text));
        }
        let stored = pare_engine::import_alert_policies(db, &files).map_err(engine_error)?;
        for p in &stored {
            eprintln!("policy {} version {} ({})", p.id, p.version, p.source);
        }
    }
    if args.evaluate || !args.policy.is_empty() {
        let s = pare_engine::evaluate_alerts(db).map_err(engine_error)?;
        eprintln!("evaluated {} events: {} new alerts", s.events, s.new_alerts);
    }
    if args.policies {
        let policies = pare_engine::alert_policies(db).map_err(engine_error)?;
        if args.json {
            writeln!(out, "{}", serde_json::to_string_pretty(&policies)?)?;
        } else {
            for p in &policies {
                writeln!(
                    out,
                    "# {} version {} ({})\n{}",
                    p.id, p.version, p.source, p.file
                )?;
            }
        }
        out.flush()?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(id) = args.triage {
        let status = args
            .status
            .ok_or_else(|| UsageError("--triage needs --status".to_owned()))?;
        let a = pare_engine::triage_alert(db, id, status.engine(), args.note.as_deref(), None)
            .map_err(engine_error)?;
        if args.json {
            writeln!(out, "{}", serde_json::to_string_pretty(&a)?)?;
        } else {
            writeln!(
                out,
                "alert {} is {} (by {})",
                a.id,
                a.status,
                a.triaged_by.as_deref().unwrap_or("unknown")
            )?;
        }
        out.flush()?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(id) = args.investigate {
        let alert = pare_engine::alerts(db, None)
            .map_err(engine_error)?
            .into_iter()
            .find(|a| a.id == id)
            .ok_or_else(|| UsageError(format!("no alert has id {id}")))?;
        let events = pare_engine::alert_events(db, id).map_err(engine_error)?;
        let actor = pare_engine::actor_activity(db, &alert.actor).map_err(engine_error)?;
        let mut ips: Vec<String> = events.iter().filter_map(|e| e.source_ip.clone()).collect();
        ips.sort();
        ips.dedup();
        let mut by_ip = serde_json::Map::new();
        for ip in &ips {
            let activity = pare_engine::ip_activity(db, ip).map_err(engine_error)?;
            by_ip.insert(ip.clone(), serde_json::to_value(activity)?);
        }
        let report = serde_json::json!({
            "alert": alert,
            "summary": alert.summary,
            "events": events,
            "actor": actor,
            "source_ips": by_ip,
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
        out.flush()?;
        return Ok(ExitCode::SUCCESS);
    }
    let alerts = pare_engine::alerts(db, args.status.map(Status::engine)).map_err(engine_error)?;
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&alerts)?)?;
    } else {
        for a in &alerts {
            writeln!(
                out,
                "{}\t{}\t{}\t{}\t{}\t{}",
                a.id,
                a.severity,
                a.policy,
                a.status,
                a.time.as_deref().unwrap_or("-"),
                a.summary
            )?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

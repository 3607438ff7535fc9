//! `pare import`, `pare usage`, `pare mapping`: CloudTrail usage through the engine.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Result, anyhow};
use pare_engine::{DateTime, ImportProgress, ImportSummary, Utc};

use crate::UsageError;

/// Parses `--since`/`--until`: a date (`2024-07-30`, midnight UTC) or a time as CloudTrail writes it.
pub(crate) fn parse_date(flag: &str, text: &str) -> Result<DateTime<Utc>> {
    let t = text.trim();
    if let Some(time) = pare_engine::parse_time_text(t) {
        return Ok(time);
    }
    if let Some(time) = pare_engine::parse_time_text(&format!("{t}T00:00:00Z")) {
        return Ok(time);
    }
    Err(UsageError(format!(
        "--{flag}: `{text}` is not a date (`2024-07-30`) or time (`2024-07-30T21:53:13Z`)"
    ))
    .into())
}

pub(crate) fn existing_db(db: &Path) -> Result<()> {
    if db.is_file() {
        Ok(())
    } else {
        Err(UsageError(format!(
            "database `{}` does not exist (create it with `pare import --db {} --cloudtrail PATH`)",
            db.display(),
            db.display()
        ))
        .into())
    }
}

fn rate(n: u64, elapsed: Duration) -> f64 {
    let s = elapsed.as_secs_f64();
    if s > 0.0 { n as f64 / s } else { 0.0 }
}

pub(crate) fn cmd_import(
    db: &Path,
    paths: &[PathBuf],
    since: Option<&str>,
    until: Option<&str>,
    json: bool,
) -> Result<ExitCode> {
    let since = since.map(|s| parse_date("since", s)).transpose()?;
    let until = until.map(|s| parse_date("until", s)).transpose()?;
    let mut stderr = std::io::stderr();
    let live = stderr.is_terminal();
    let mut last = Duration::ZERO;
    let summary = pare_engine::import_cloudtrail(db, paths, since, until, |p: &ImportProgress| {
        let end = p.finished;
        if live && (end || p.elapsed >= last + Duration::from_millis(200)) {
            last = p.elapsed;
            let _ = write!(
                stderr,
                "\r{}/{} files, {} records, {} new events, {:.0} records/s",
                p.files_done,
                p.files_total,
                p.records,
                p.new_events,
                rate(p.records, p.elapsed)
            );
            if end {
                let _ = writeln!(stderr);
            }
        }
    })
    .map_err(|e| anyhow!("{e}"))?;
    let mut out = std::io::stdout().lock();
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(&summary)?)?;
    } else {
        print_summary(&mut out, &summary)?;
    }
    // Like `validate`: 1 when some input was bad (everything else was still imported).
    Ok(
        if summary.file_problems.is_empty() && summary.bad_records.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        },
    )
}

fn print_summary(out: &mut impl Write, s: &ImportSummary) -> Result<()> {
    writeln!(
        out,
        "read {} files ({} unchanged, skipped) in {:.2}s: {} records, {:.0} records/s",
        s.files_read,
        s.files_unchanged,
        s.seconds,
        s.records,
        s.records_per_second()
    )?;
    let mapped = if s.calls == 0 {
        String::new()
    } else {
        format!(", {:.1}% mapped to actions", s.mapped_percent())
    };
    writeln!(
        out,
        "events: {} new, {} already imported; {} calls{mapped}, {} denied",
        s.new_events, s.duplicate_events, s.calls, s.denied_calls
    )?;
    if s.filtered_out > 0 {
        writeln!(
            out,
            "left out by --since/--until: {} records",
            s.filtered_out
        )?;
    }
    writeln!(
        out,
        "database: {} events, {} principals, {} files",
        s.totals.events, s.totals.principals, s.totals.files
    )?;
    if !s.unmapped.is_empty() {
        writeln!(out, "unmapped ({} pairs):", s.unmapped.len())?;
        for u in &s.unmapped {
            let source = if u.event_source.is_empty() {
                "(no eventSource)"
            } else {
                &u.event_source
            };
            writeln!(out, "  {source} {} ({})", u.event_name, u.count)?;
        }
    }
    if !s.skipped.is_empty() {
        writeln!(out, "skipped ({}):", s.skipped.len())?;
        for f in &s.skipped {
            writeln!(out, "  `{}`: {}", f.path.display(), f.reason)?;
        }
    }
    if !s.file_problems.is_empty() || !s.bad_records.is_empty() {
        writeln!(
            out,
            "problems ({}):",
            s.file_problems.len() + s.bad_records.len()
        )?;
        for p in &s.file_problems {
            writeln!(out, "  {}", p.message)?;
        }
        for b in &s.bad_records {
            writeln!(
                out,
                "  `{}`: record {}: {}",
                b.file.display(),
                b.index,
                b.message
            )?;
        }
    }
    Ok(())
}

pub(crate) fn cmd_usage(db: &Path, principal: Option<&str>, json: bool) -> Result<ExitCode> {
    existing_db(db)?;
    let rows = pare_engine::usage(db, principal).map_err(|e| anyhow!("{e}"))?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(&rows)?)?;
    } else {
        for r in &rows {
            writeln!(
                out,
                "{}\t{}\t{}\t{}\t{}\t{}",
                r.principal,
                r.action,
                r.resource,
                r.count,
                r.first_seen.as_deref().unwrap_or("-"),
                r.last_seen.as_deref().unwrap_or("-"),
            )?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn cmd_mapping(db: &Path, json: bool) -> Result<ExitCode> {
    existing_db(db)?;
    let rows = pare_engine::mapping(db).map_err(|e| anyhow!("{e}"))?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(&rows)?)?;
    } else {
        for r in &rows {
            writeln!(
                out,
                "{}\t{}\t{}\t{}\t{}",
                r.event_source,
                r.event_name,
                r.status,
                r.count,
                r.actions.join(",")
            )?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

//! `pare scan` (read an AWS account live with the user's own profile, through the engine) and
//! `pare scan-report` (the latest scan, what it could not read, Access Advisor and Access Analyzer).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Result, anyhow};
use clap::Args;
use pare_engine::{S3Location, ScanEvent, ScanOptions, ScanSummary};

use crate::UsageError;

/// `pare scan`'s flags.
#[derive(Debug, Args)]
pub(crate) struct ScanArgs {
    /// The database file (created if missing).
    #[arg(long, value_name = "FILE")]
    db: PathBuf,
    /// A profile from the AWS config files (SSO, credential_process and assume-role profiles work).
    #[arg(long, value_name = "NAME")]
    profile: Option<String>,
    /// The region (otherwise the profile's or `AWS_REGION`).
    #[arg(long, value_name = "REGION")]
    region: Option<String>,
    /// Only CloudTrail events at or after this time (`2024-07-30`); LookupEvents reaches 90 days back.
    #[arg(long, value_name = "DATE")]
    since: Option<String>,
    /// Only CloudTrail events before this time.
    #[arg(long, value_name = "DATE")]
    until: Option<String>,
    /// Read CloudTrail log objects from this bucket and prefix instead of the trails' own.
    #[arg(long, value_name = "S3_URL")]
    cloudtrail_bucket: Option<String>,
    /// Send every request to this endpoint (an AWS-compatible server).
    #[arg(long, value_name = "URL")]
    endpoint_url: Option<String>,
    /// Attempts per request, the first included (exponential backoff with jitter between them).
    #[arg(long, value_name = "N", default_value_t = 8)]
    max_attempts: u32,
    /// Backoff only: no client-side rate limiting of a service after it throttles (the SDK's
    /// standard retry mode instead of its adaptive one).
    #[arg(long)]
    no_adaptive_retries: bool,
    /// Where downloaded log objects and raw documents are kept (default: `<db>.aws` beside the
    /// database); a later scan reuses what is there.
    #[arg(long, value_name = "DIR")]
    cache_dir: Option<PathBuf>,
    /// Print the summary as JSON on standard output.
    #[arg(long)]
    json: bool,
}

fn parse_date(flag: &str, text: &str) -> Result<pare_engine::DateTime<pare_engine::Utc>> {
    let t = text.trim();
    pare_engine::parse_time_text(t)
        .or_else(|| pare_engine::parse_time_text(&format!("{t}T00:00:00Z")))
        .ok_or_else(|| {
            UsageError(format!(
                "--{flag}: `{text}` is not a date (`2024-07-30`) or time (`2024-07-30T21:53:13Z`)"
            ))
            .into()
        })
}

pub(crate) fn cmd_scan(args: ScanArgs) -> Result<ExitCode> {
    let cache_dir = args.cache_dir.clone().unwrap_or_else(|| {
        let mut name = args.db.as_os_str().to_owned();
        name.push(".aws");
        PathBuf::from(name)
    });
    let mut options = ScanOptions::new(cache_dir);
    options.profile = args.profile;
    options.region = args.region;
    options.endpoint_url = args.endpoint_url;
    options.max_attempts = Some(args.max_attempts);
    options.adaptive_retries = !args.no_adaptive_retries;
    options.since = args
        .since
        .as_deref()
        .map(|s| parse_date("since", s))
        .transpose()?;
    options.until = args
        .until
        .as_deref()
        .map(|s| parse_date("until", s))
        .transpose()?;
    options.cloudtrail_bucket = args
        .cloudtrail_bucket
        .as_deref()
        .map(|s| S3Location::parse(s).map_err(|e| UsageError(format!("--cloudtrail-bucket: {e}"))))
        .transpose()?;
    let mut stderr = std::io::stderr();
    let mut last_import = Duration::ZERO;
    let summary = pare_engine::scan_account(&args.db, &options, |event| match event {
        ScanEvent::Collect(p) => {
            let mark = if p.done { "done" } else { "…" };
            let _ = writeln!(stderr, "[{}] {mark} {}", p.stage.name(), p.message);
        }
        ScanEvent::Import(p) if p.finished || p.elapsed >= last_import + Duration::from_secs(1) => {
            last_import = p.elapsed;
            let _ = writeln!(
                stderr,
                "[cloudtrail import] {}/{} files, {} records, {} new events",
                p.files_done, p.files_total, p.records, p.new_events
            );
        }
        _ => {}
    })
    .map_err(|e| anyhow!("{e}"))?;
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&summary)?)?;
    } else {
        print_summary(&mut out, &summary)?;
    }
    Ok(if summary.problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn print_summary(out: &mut impl Write, s: &ScanSummary) -> Result<()> {
    writeln!(out, "account {} scanned as {}", s.account, s.caller_arn)?;
    writeln!(
        out,
        "iam: {} users, {} groups, {} roles, {} managed policies ({} pages)",
        s.users, s.groups, s.roles, s.policies, s.authorization_pages
    )?;
    match s.credential_report_rows {
        Some(n) => writeln!(out, "credential report: {n} rows")?,
        None => writeln!(out, "credential report: not read")?,
    }
    writeln!(out, "access keys: {}", s.access_keys)?;
    writeln!(out, "access advisor: {} rows", s.last_accessed_rows)?;
    let (listed, downloaded, cached) = s.cloudtrail_objects;
    writeln!(
        out,
        "cloudtrail: {} trails, {listed} log objects ({downloaded} downloaded, {cached} cached), {} lookup-events events",
        s.trails, s.lookup_events
    )?;
    if let Some(i) = &s.cloudtrail_import {
        writeln!(
            out,
            "cloudtrail import: {} files read, {} unchanged, {} records, {} new events",
            i.files_read, i.files_unchanged, i.records, i.new_events
        )?;
    }
    writeln!(
        out,
        "access analyzer: {} analyzers, {} findings",
        s.analyzers, s.analyzer_findings
    )?;
    match s.organization_policies {
        Some(n) => writeln!(out, "organizations: {n} scps/rcps apply")?,
        None => writeln!(out, "organizations: not read")?,
    }
    match &s.account_import {
        Some(a) => writeln!(
            out,
            "account snapshot {}{}: {} users, {} roles, {} groups, {} managed policies, {} input problems",
            a.snapshot.id,
            if a.created {
                ""
            } else {
                " (unchanged, already stored)"
            },
            a.counts.users,
            a.counts.roles,
            a.counts.groups,
            a.counts.managed_policies,
            a.problems.len()
        )?,
        None => writeln!(out, "account snapshot: not stored")?,
    }
    if !s.problems.is_empty() {
        writeln!(out, "not read ({}):", s.problems.len())?;
        for p in &s.problems {
            writeln!(out, "  {p}")?;
        }
    }
    Ok(())
}

pub(crate) fn cmd_scan_report(db: &Path, json: bool) -> Result<ExitCode> {
    if !db.is_file() {
        return Err(UsageError(format!("database `{}` does not exist", db.display())).into());
    }
    let latest = pare_engine::latest_scan(db).map_err(|e| anyhow!("{e}"))?;
    let findings = pare_engine::analyzer_findings(db).map_err(|e| anyhow!("{e}"))?;
    let last_accessed = pare_engine::last_accessed(db, None).map_err(|e| anyhow!("{e}"))?;
    let comparison =
        pare_engine::access_analyzer::compare_access_analyzer(db).map_err(|e| anyhow!("{e}"))?;
    let mut out = std::io::stdout().lock();
    if json {
        let value = serde_json::json!({
            "scan": latest.as_ref().map(|(s, _)| s),
            "problems": latest.as_ref().map(|(_, p)| p),
            "analyzer_findings": findings,
            "access_analyzer_comparison": comparison,
            "last_accessed": last_accessed,
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
        return Ok(ExitCode::SUCCESS);
    }
    let Some((scan, problems)) = latest else {
        writeln!(
            out,
            "no scan in `{}` (run `pare scan --db {}`)",
            db.display(),
            db.display()
        )?;
        return Ok(ExitCode::SUCCESS);
    };
    writeln!(
        out,
        "scan {} of account {} as {} ({} to {})",
        scan.id, scan.account, scan.caller_arn, scan.started_at, scan.finished_at
    )?;
    writeln!(out, "not read ({}):", problems.len())?;
    for p in &problems {
        match &p.code {
            Some(code) => writeln!(out, "  {}: {code}: {}", p.api, p.message)?,
            None => writeln!(out, "  {}: {}", p.api, p.message)?,
        }
    }
    writeln!(out, "access analyzer findings ({}):", findings.len())?;
    for f in &findings {
        writeln!(
            out,
            "  {} {} {} {}",
            f.status,
            f.finding_type.as_deref().unwrap_or("-"),
            f.resource_type,
            f.resource.as_deref().unwrap_or("-")
        )?;
    }
    print_comparison(&mut out, &comparison)?;
    writeln!(out, "access advisor ({} rows):", last_accessed.len())?;
    for r in &last_accessed {
        let what = match &r.action_name {
            Some(a) => format!("{}:{a}", r.service_namespace),
            None => r.service_namespace.clone(),
        };
        writeln!(
            out,
            "  {} {what} {}",
            r.principal_arn,
            r.last_accessed.as_deref().unwrap_or("never")
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

fn print_comparison(
    out: &mut impl Write,
    c: &pare_engine::access_analyzer::AnalyzerComparison,
) -> Result<()> {
    use pare_engine::access_analyzer::Agreement;
    writeln!(
        out,
        "access analyzer vs pare: {} agree, {} only access analyzer, {} only pare, {} not modelled by pare, {} without an analyzer ({} inactive analyzer findings not compared):",
        c.count(Agreement::Agree),
        c.count(Agreement::OnlyAccessAnalyzer),
        c.count(Agreement::OnlyPare),
        c.count(Agreement::NotModelledByPare),
        c.count(Agreement::NoAnalyzer),
        c.inactive_findings
    )?;
    for r in &c.rows {
        let mark = match r.agreement {
            Agreement::Agree => "agree",
            Agreement::OnlyAccessAnalyzer => "only access analyzer",
            Agreement::OnlyPare => "only pare",
            Agreement::NotModelledByPare => "not modelled by pare",
            Agreement::NoAnalyzer => "no analyzer",
        };
        writeln!(out, "  [{mark}] {}", r.summary)?;
    }
    Ok(())
}

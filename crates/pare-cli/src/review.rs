//! `pare review`: review campaigns over account snapshots — start, decide, show, diff (drift between two
//! snapshots), report (sealed HTML, CSV, PDF through headless Chromium) and verify a report's seal.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Result, anyhow};
use clap::{Args, Subcommand};
use pare_engine::reviews::{
    self, ReportFormat, ReviewView, ReviewsError, Target, decide, show_review, snapshot_drift,
    start_review, verify_report, write_report,
};

use crate::UsageError;

/// `pare review` arguments.
#[derive(Debug, Args)]
pub(crate) struct ReviewArgs {
    /// The database file (every subcommand but `verify`).
    #[arg(long, value_name = "FILE")]
    db: Option<PathBuf>,
    #[command(subcommand)]
    command: ReviewCommand,
}

#[derive(Debug, Subcommand)]
enum ReviewCommand {
    /// Start a review over the latest account snapshot and a usage window; the previous review's decisions
    /// carry over where the identity and the finding are unchanged.
    Start {
        /// The review's name (unique).
        name: String,
        /// Start of the usage window (`2026-01-01` or RFC 3339).
        #[arg(long, value_name = "DATE")]
        since: Option<String>,
        /// End of the usage window (exclusive).
        #[arg(long, value_name = "DATE")]
        until: Option<String>,
        /// Print the review as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Record a decision on a finding or an identity of a review.
    #[command(group(clap::ArgGroup::new("target").required(true).args(["finding", "principal"])))]
    Decide {
        /// The review (default: the latest).
        #[arg(long, value_name = "NAME")]
        review: Option<String>,
        /// A finding's id (as `pare findings --json` and `pare review show` print it).
        #[arg(long, value_name = "ID")]
        finding: Option<String>,
        /// An identity's ARN.
        #[arg(long, value_name = "ARN")]
        principal: Option<String>,
        /// `keep`, `remove`, `rightsize` or `accept-risk`.
        #[arg(long, value_name = "DECISION")]
        decision: String,
        /// When an accepted risk is looked at again (required with accept-risk).
        #[arg(long, value_name = "DATE")]
        expires: Option<String>,
        /// Why.
        #[arg(long, value_name = "TEXT")]
        note: String,
        /// Who decides (default: `PARE_REVIEWER` from the environment, else the reviewer setting stored in the
        /// database, as the alerts' triage uses it).
        #[arg(long, value_name = "NAME")]
        reviewer: Option<String>,
        /// Print the decision as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show a review: its snapshot, window, items with their decisions, counts and open risks.
    Show {
        /// The review (default: the latest).
        #[arg(long, value_name = "NAME")]
        review: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// List the reviews.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// List the account snapshots (their ids are what `diff` compares).
    Snapshots {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// What changed between two account snapshots: identities, attachments, statements, effective permissions,
    /// findings, access-key rotation.
    Diff {
        /// The earlier snapshot's id.
        #[arg(long, value_name = "SNAPSHOT")]
        from: i64,
        /// The later snapshot's id.
        #[arg(long, value_name = "SNAPSHOT")]
        to: i64,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Close a review into its report: self-contained HTML (sealed with its SHA-256), CSV of decisions (sealed
    /// by `OUT.sha256`), or PDF (the HTML printed by headless Chromium).
    Report {
        /// The review (default: the latest).
        #[arg(long, value_name = "NAME")]
        review: Option<String>,
        /// `html`, `csv` or `pdf`.
        #[arg(long, value_name = "FORMAT")]
        format: String,
        /// Where to write it.
        #[arg(long, value_name = "PATH")]
        out: PathBuf,
    },
    /// Check that a report is what was sealed (exit 1 when it was edited).
    Verify {
        /// The HTML report, or the CSV with its `.sha256` beside it.
        #[arg(long, value_name = "PATH")]
        file: PathBuf,
    },
}

fn engine_error(e: ReviewsError) -> anyhow::Error {
    match e {
        ReviewsError::Input(_)
        | ReviewsError::Exists(_)
        | ReviewsError::NoReview(_)
        | ReviewsError::UnknownItem { .. }
        | ReviewsError::Account(pare_engine::account::AccountError::NoSnapshot { .. }) => {
            UsageError(e.to_string()).into()
        }
        other => anyhow!("{other}"),
    }
}

fn need_db(db: Option<&Path>) -> Result<&Path> {
    db.ok_or_else(|| {
        UsageError("`pare review` needs --db FILE before the subcommand".into()).into()
    })
}

pub(crate) fn run(args: ReviewArgs) -> Result<ExitCode> {
    let db = args.db.as_deref();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match args.command {
        ReviewCommand::Start {
            name,
            since,
            until,
            json,
        } => {
            let view = start_review(need_db(db)?, &name, since.as_deref(), until.as_deref())
                .map_err(engine_error)?;
            if json {
                writeln!(out, "{}", serde_json::to_string_pretty(&view)?)?;
            } else {
                let c = &view.counts;
                let total: usize = c.findings_by_severity.iter().map(|(_, n)| n).sum();
                writeln!(
                    out,
                    "review `{}` started over snapshot {} ({}): {} findings, {} identities, {} decisions carried over{}",
                    view.report.review,
                    view.report.snapshot_id,
                    view.report.snapshot_taken_at,
                    total,
                    c.identities,
                    c.inherited,
                    view.report
                        .previous_review
                        .as_deref()
                        .map(|p| format!(" from `{p}`"))
                        .unwrap_or_default()
                )?;
            }
        }
        ReviewCommand::Decide {
            review,
            finding,
            principal,
            decision,
            expires,
            note,
            reviewer,
            json,
        } => {
            let target = match (finding, principal) {
                (Some(f), _) => Target::Finding(f),
                (None, Some(p)) => Target::Principal(p),
                (None, None) => {
                    return Err(UsageError("give --finding ID or --principal ARN".into()).into());
                }
            };
            let db = need_db(db)?;
            let stored = if db.is_file() {
                pare_engine::reviewer(db).map_err(|e| anyhow!("{e}"))?
            } else {
                None
            };
            let reviewer = reviewer
                .or_else(|| std::env::var("PARE_REVIEWER").ok())
                .or(stored)
                .unwrap_or_default();
            let d = decide(
                db,
                review.as_deref(),
                &target,
                &decision,
                &note,
                &reviewer,
                expires.as_deref(),
            )
            .map_err(engine_error)?;
            if json {
                writeln!(out, "{}", serde_json::to_string_pretty(&d)?)?;
            } else {
                writeln!(
                    out,
                    "{} {}: {} by {}",
                    d.subject, d.key, d.decision, d.reviewer
                )?;
            }
        }
        ReviewCommand::Show { review, json } => {
            let view = show_review(need_db(db)?, review.as_deref()).map_err(engine_error)?;
            if json {
                writeln!(out, "{}", serde_json::to_string_pretty(&view)?)?;
            } else {
                print_view(&mut out, &view)?;
            }
        }
        ReviewCommand::List { json } => {
            let rows = reviews::list_reviews(need_db(db)?).map_err(engine_error)?;
            if json {
                writeln!(out, "{}", serde_json::to_string_pretty(&rows)?)?;
            } else {
                for r in rows {
                    writeln!(
                        out,
                        "{}\tsnapshot {}\t{}",
                        r.name, r.snapshot_id, r.created_at
                    )?;
                }
            }
        }
        ReviewCommand::Snapshots { json } => {
            let db = need_db(db)?;
            if !db.is_file() {
                return Err(
                    UsageError(format!("database `{}` does not exist", db.display())).into(),
                );
            }
            let rows = pare_engine::account::account_snapshots(db).map_err(|e| anyhow!("{e}"))?;
            if json {
                writeln!(out, "{}", serde_json::to_string_pretty(&rows)?)?;
            } else {
                for r in rows {
                    writeln!(
                        out,
                        "{}\ttaken {}\timported {}\taccount {}",
                        r.id,
                        r.taken_at,
                        r.imported_at,
                        r.account_id.as_deref().unwrap_or("unknown")
                    )?;
                }
            }
        }
        ReviewCommand::Diff { from, to, json } => {
            let d = snapshot_drift(need_db(db)?, from, to).map_err(engine_error)?;
            if json {
                writeln!(out, "{}", serde_json::to_string_pretty(&d)?)?;
            } else {
                let x = &d.drift;
                for i in &x.identities.added {
                    writeln!(out, "identity added\t{}", i.arn)?;
                }
                for i in &x.identities.removed {
                    writeln!(out, "identity removed\t{}", i.arn)?;
                }
                for i in &x.identities.recreated {
                    writeln!(out, "identity recreated\t{}", i.arn)?;
                }
                for a in &x.attachments {
                    writeln!(out, "{} {}\t{}\t{}", a.what, a.change, a.holder, a.name)?;
                }
                for c in &x.policy_changes {
                    writeln!(
                        out,
                        "{} policy changed\t{}{}\t+{} -{} ~{} statements",
                        c.kind,
                        c.policy,
                        c.name
                            .as_deref()
                            .map(|n| format!(" `{n}`"))
                            .unwrap_or_default(),
                        c.added.len(),
                        c.removed.len(),
                        c.changed.len()
                    )?;
                }
                for p in &x.permissions {
                    writeln!(
                        out,
                        "permissions\t{}\t+{} -{} actions",
                        p.principal,
                        p.gained.len(),
                        p.lost.len()
                    )?;
                }
                for f in &x.findings.new {
                    writeln!(out, "new finding\t{}\t{}", f.severity, f.title)?;
                }
                for f in &x.findings.resolved {
                    writeln!(out, "resolved finding\t{}\t{}", f.severity, f.title)?;
                }
                for k in &x.credentials {
                    writeln!(out, "access key {}\t{}\t{}", k.key, k.principal, k.status)?;
                }
            }
        }
        ReviewCommand::Report {
            review,
            format,
            out: path,
        } => {
            let db = need_db(db)?;
            let digest = match format.as_str() {
                "html" => write_report(db, review.as_deref(), ReportFormat::Html, &path),
                "csv" => write_report(db, review.as_deref(), ReportFormat::Csv, &path),
                "pdf" => return write_pdf(db, review.as_deref(), &path, &mut out),
                other => {
                    return Err(UsageError(format!(
                        "--format `{other}` is not one of html, csv, pdf"
                    ))
                    .into());
                }
            }
            .map_err(engine_error)?;
            writeln!(out, "{}\tsha256 {digest}", path.display())?;
        }
        ReviewCommand::Verify { file } => match verify_report(&file) {
            Ok(digest) => writeln!(out, "{}: ok, sha256 {digest}", file.display())?,
            Err(ReviewsError::Input(why)) => {
                out.flush()?;
                writeln!(std::io::stderr(), "error: {why}")?;
                return Ok(ExitCode::from(1));
            }
            Err(e) => return Err(engine_error(e)),
        },
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn print_view(out: &mut impl Write, view: &ReviewView) -> Result<()> {
    let r = &view.report;
    writeln!(
        out,
        "review `{}`: account {}, snapshot {} taken {}, window {} → {}",
        r.review,
        r.account.as_deref().unwrap_or("unknown"),
        r.snapshot_id,
        r.snapshot_taken_at,
        r.window.0.as_deref().unwrap_or("…"),
        r.window.1.as_deref().unwrap_or("…"),
    )?;
    for i in &r.items {
        let decision = i.decision.as_ref().map_or_else(
            || "undecided".to_owned(),
            |d| {
                let inherited = d
                    .inherited_from
                    .as_deref()
                    .map(|x| format!(" (from {x})"))
                    .unwrap_or_default();
                format!("{}{inherited}: {}", d.decision, d.note)
            },
        );
        writeln!(out, "{}\t{}\t{}\t{decision}", i.subject, i.key, i.title)?;
    }
    writeln!(out, "{} open risks", view.open_risks.len())?;
    Ok(())
}

/// The sealed HTML report printed to PDF by headless Chromium (the engine's writer, which the desktop app
/// uses too).
fn write_pdf(
    db: &Path,
    review: Option<&str>,
    path: &Path,
    out: &mut impl Write,
) -> Result<ExitCode> {
    let digest = pare_engine::explore_review::write_pdf_report(db, review, path)
        .map_err(|e| anyhow!("{e}"))?;
    writeln!(
        out,
        "{}\tsha256 of the HTML it prints {digest}",
        path.display()
    )?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

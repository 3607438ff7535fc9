//! `pare`: the command-line shell over Pare's engine. Reads files, calls the engine, prints results.

mod account;
mod alerts;
mod cloudtrail;
mod demo;
mod findings;
mod prepare;
mod review;
mod rightsize;
mod scan;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, Result, anyhow};
use clap::{Parser, Subcommand};
use pare_catalog::{ActionSet, Catalog};
use pare_policy::PolicyDocument;
use pare_policy::actions::CatalogCheck;
use pare_policy::simulate;

/// Pare: who can do what in an AWS account, what they used, and what they should have. Offline.
#[derive(Debug, Parser)]
#[command(name = "pare", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Decide one request against its policies, with the reasons (`-` reads standard input).
    Simulate {
        #[arg(long, value_name = "FILE")]
        input: PathBuf,
        /// Print compact JSON on one line.
        #[arg(long)]
        compact: bool,
    },
    /// Print the catalog actions that action patterns such as `s3:Get*` match, one per line.
    Expand {
        #[arg(required = true, value_name = "PATTERN")]
        patterns: Vec<String>,
    },
    /// Check policy documents: grammar errors and unknown actions, each with its JSON path.
    Validate {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Walk through Pare on the bundled demo scenarios and the bundled demo account.
    Demo {
        /// Build the demo account's database here and keep it (the same database the desktop app opens first).
        #[arg(long, value_name = "FILE")]
        db: Option<PathBuf>,
    },
    /// Import CloudTrail logs (S3 trees, `Records` files, arrays, JSON Lines, lookup-events output)
    /// into a database; files already imported are skipped, events are deduplicated by `eventID`.
    /// Import account data (authorization details, credential report, SCPs, known accounts) as a
    /// snapshot with its time; importing the same files again stores nothing.
    #[command(group(clap::ArgGroup::new("input").required(true).multiple(true)
        .args(["cloudtrail", "authz", "credential_report", "scps", "known_accounts"])))]
    Import {
        /// The database file (created if missing).
        #[arg(long, value_name = "FILE")]
        db: PathBuf,
        /// A CloudTrail file or directory (repeatable).
        #[arg(long, value_name = "PATH")]
        cloudtrail: Vec<PathBuf>,
        /// `aws iam get-account-authorization-details` output (repeatable: one file per page; `.gz` ok).
        #[arg(long, value_name = "FILE", num_args = 1..)]
        authz: Vec<PathBuf>,
        /// The IAM credential report (CSV, or `aws iam get-credential-report` JSON).
        #[arg(long, value_name = "FILE")]
        credential_report: Option<PathBuf>,
        /// SCPs and RCPs per OU level, root first (`{"levels": [{"target", "scps", "rcps"}]}`).
        #[arg(long, value_name = "FILE")]
        scps: Option<PathBuf>,
        /// Known account IDs (one per line, or a JSON list).
        #[arg(long, value_name = "FILE")]
        known_accounts: Option<PathBuf>,
        /// Managed policies to fill in those the dumps reference without content.
        #[arg(long, value_name = "FILE")]
        managed_policies: Option<PathBuf>,
        /// Only events at or after this time (`2024-07-30`, `2024-07-30T21:53:13Z`).
        #[arg(long, value_name = "DATE")]
        since: Option<String>,
        /// Only events before this time.
        #[arg(long, value_name = "DATE")]
        until: Option<String>,
        /// Print the summary as JSON on standard output.
        #[arg(long)]
        json: bool,
        /// Do not compute and store the account review and dashboard overview after importing (the desktop app
        /// computes them when it opens the database).
        #[arg(long)]
        no_review: bool,
    },
    /// Print what principals used: actions and resources with counts, first/last seen, regions, IPs.
    Usage {
        /// The database file.
        #[arg(long, value_name = "FILE")]
        db: PathBuf,
        /// Only this principal (its ARN; a role session counts as its role).
        #[arg(long, value_name = "ARN")]
        principal: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print the identity graph around a principal of the latest account snapshot: its groups and
    /// policies, what it can assume or be assumed by, and what it used.
    Graph {
        /// The database file.
        #[arg(long, value_name = "FILE")]
        db: PathBuf,
        /// The principal's ARN (a role session counts as its role).
        #[arg(long, value_name = "ARN")]
        principal: String,
        /// `dot` or `json`.
        #[arg(long, value_name = "FORMAT", default_value = "dot")]
        format: String,
        /// Hops over can-assume and can-escalate-to edges.
        #[arg(long, value_name = "N", default_value_t = 2)]
        depth: usize,
    },
    /// Review the imported account: unused identities and permissions, credentials, excessive permissions,
    /// privilege-escalation paths, trust, root; worst first.
    Findings {
        /// The database file.
        #[arg(long, value_name = "FILE")]
        db: PathBuf,
        /// Only this principal (its ARN; a role session counts as its role).
        #[arg(long, value_name = "ARN")]
        principal: Option<String>,
        /// Print the 0–100 risk score of each principal with its per-permission contributions instead.
        #[arg(long)]
        scores: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print every privilege-escalation path to admin, each step with its technique and permissions.
    Paths {
        /// The database file.
        #[arg(long, value_name = "FILE")]
        db: PathBuf,
        /// The most steps a path may have (default 4).
        #[arg(long, value_name = "N")]
        depth: Option<usize>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Access reviews: start a campaign over the latest snapshot, decide, show, diff two snapshots, report.
    Review(review::ReviewArgs),
    /// The least-privilege policy for a principal from its CloudTrail usage, proven by replay; or for
    /// every principal into a folder with an index (`--all --out DIR`).
    Rightsize {
        /// The database file.
        #[arg(long, value_name = "FILE")]
        db: PathBuf,
        /// The principal's ARN (a role session counts as its role).
        #[arg(
            long,
            value_name = "ARN",
            conflicts_with = "all",
            required_unless_present = "all"
        )]
        principal: Option<String>,
        /// Every principal with usage in the window (needs --out DIR).
        #[arg(long)]
        all: bool,
        /// Only usage at or after this time (`2024-07-30`, `2024-07-30T21:53:13Z`).
        #[arg(long, value_name = "DATE")]
        since: Option<String>,
        /// Only usage before this time.
        #[arg(long, value_name = "DATE")]
        until: Option<String>,
        /// How far resources are generalised: exact ARNs, bucket/prefix level, or `*` where granted today.
        #[arg(long, value_name = "exact|prefix|any", default_value = "exact")]
        resources: String,
        /// The output format.
        #[arg(
            long,
            value_name = "json|terraform|cloudformation",
            default_value = "json"
        )]
        format: String,
        /// Write the policy here (a folder with --all) instead of standard output.
        #[arg(long, value_name = "PATH")]
        out: Option<PathBuf>,
        /// Print the JSON report (policy, replay, before/after, kept not-observable actions, diff).
        #[arg(long)]
        json_report: bool,
        /// A current identity policy of the principal (repeatable); without it, the latest account
        /// snapshot (`pare import --authz`) gives each principal's policies.
        #[arg(long = "policy", value_name = "FILE")]
        policies: Vec<PathBuf>,
        /// A document of its permissions boundary (repeatable).
        #[arg(long = "boundary", value_name = "FILE")]
        boundaries: Vec<PathBuf>,
        /// A service control policy that applies to it (repeatable; one OU level).
        #[arg(long = "scp", value_name = "FILE")]
        scps: Vec<PathBuf>,
        /// Keep action lists as lists (no `s3:Get*` compression).
        #[arg(long)]
        no_compress: bool,
    },
    /// Activity alerts: list (`--status`), triage (`--triage ID --status S --note T`), store policy
    /// files (`--policy`), evaluate the history (`--evaluate`), investigate (`--investigate ID`).
    Alerts(alerts::AlertsArgs),
    /// Scan an AWS account live (read-only) with your own AWS profile: IAM, credential report,
    /// Access Advisor, CloudTrail, Access Analyzer, Organizations.
    Scan(scan::ScanArgs),
    /// Print the latest scan: what it could not read, Access Analyzer findings, Access Advisor data.
    ScanReport {
        /// The database file.
        #[arg(long, value_name = "FILE")]
        db: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print every (eventSource, eventName) pair imported, its IAM actions and event count.
    Mapping {
        /// The database file.
        #[arg(long, value_name = "FILE")]
        db: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// A problem with what the user gave us: exit code 2, message printed as is.
#[derive(Debug)]
struct UsageError(String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            let _ = writeln!(std::io::stderr(), "error: {err:#}");
            if err.downcast_ref::<UsageError>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Simulate { input, compact } => cmd_simulate(&input, compact),
        Command::Expand { patterns } => cmd_expand(&patterns),
        Command::Validate { files } => cmd_validate(&files),
        Command::Demo { db } => demo::run(db.as_deref()),
        Command::Import {
            db,
            cloudtrail,
            authz,
            credential_report,
            scps,
            known_accounts,
            managed_policies,
            since,
            until,
            json,
            no_review,
        } => {
            let account = account::account_input(
                authz,
                credential_report,
                scps,
                known_accounts,
                managed_policies,
            );
            let mut code = ExitCode::SUCCESS;
            if !cloudtrail.is_empty() {
                code = cloudtrail::cmd_import(
                    &db,
                    &cloudtrail,
                    since.as_deref(),
                    until.as_deref(),
                    json,
                )?;
            }
            if let Some(input) = account {
                let account_code = account::cmd_import_account(&db, &input, json)?;
                if code == ExitCode::SUCCESS {
                    code = account_code;
                }
            }
            prepare::after_import(&db, no_review);
            Ok(code)
        }
        Command::Graph {
            db,
            principal,
            format,
            depth,
        } => account::cmd_graph(&db, &principal, &format, depth),
        Command::Usage {
            db,
            principal,
            json,
        } => cloudtrail::cmd_usage(&db, principal.as_deref(), json),
        Command::Mapping { db, json } => cloudtrail::cmd_mapping(&db, json),
        Command::Scan(args) => scan::cmd_scan(args),
        Command::ScanReport { db, json } => scan::cmd_scan_report(&db, json),
        Command::Rightsize {
            db,
            principal,
            all,
            since,
            until,
            resources,
            format,
            out,
            json_report,
            policies,
            boundaries,
            scps,
            no_compress,
        } => rightsize::cmd_rightsize(&rightsize::RightsizeArgs {
            db,
            principal,
            all,
            since,
            until,
            resources,
            format,
            out,
            json_report,
            policies,
            boundaries,
            scps,
            no_compress,
        }),
        Command::Findings {
            db,
            principal,
            scores,
            json,
        } => findings::cmd_findings(&db, principal.as_deref(), scores, json),
        Command::Paths { db, depth, json } => findings::cmd_paths(&db, depth, json),
        Command::Review(args) => review::run(args),
        Command::Alerts(args) => alerts::cmd_alerts(&args),
    }
}

fn read_input(path: &Path) -> Result<String> {
    if path == Path::new("-") {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("cannot read standard input")?;
        return Ok(text);
    }
    std::fs::read_to_string(path)
        .map_err(|e| UsageError(format!("cannot read `{}`: {e}", path.display())).into())
}

fn catalog() -> Result<&'static Catalog> {
    Catalog::bundled().map_err(|e| anyhow!("the bundled action catalog is unusable: {e}"))
}

fn cmd_simulate(path: &Path, compact: bool) -> Result<ExitCode> {
    let text = read_input(path)?;
    let input = simulate::parse_input(&text)
        .map_err(|e| UsageError(format!("`{}`: {e}", path.display())))?;
    let checks = CatalogCheck::new(catalog()?);
    let output = simulate::simulate(&input, &checks)
        .map_err(|e| UsageError(format!("`{}`: {e}", path.display())))?;
    let json = if compact {
        serde_json::to_string(&output)?
    } else {
        serde_json::to_string_pretty(&output)?
    };
    let mut out = std::io::stdout().lock();
    writeln!(out, "{json}")?;
    Ok(ExitCode::SUCCESS)
}

fn cmd_expand(patterns: &[String]) -> Result<ExitCode> {
    let catalog = catalog()?;
    let mut all = ActionSet::empty(catalog);
    let mut unmatched = Vec::new();
    for p in patterns {
        let set = catalog.expand(p);
        if set.is_empty() {
            unmatched.push(p.as_str());
        }
        all.union_with(&set);
    }
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for id in all.iter() {
        writeln!(out, "{}", catalog.action_name(id))?;
    }
    out.flush()?;
    for p in &unmatched {
        writeln!(
            std::io::stderr(),
            "warning: `{p}` matches no action in the catalog"
        )?;
    }
    Ok(if unmatched.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn cmd_validate(files: &[PathBuf]) -> Result<ExitCode> {
    let checks = CatalogCheck::new(catalog()?);
    let mut errors = 0usize;
    let mut stdout = std::io::stdout().lock();
    for path in files {
        let text = read_input(path)?;
        let (doc, mut diags) = match PolicyDocument::parse_text(&text) {
            Ok(parsed) => parsed,
            Err(e) => {
                writeln!(stdout, "{}: error: {e}", path.display())?;
                errors += 1;
                continue;
            }
        };
        diags.extend(simulate::DocumentCheck::check(&checks, &doc));
        if diags.is_empty() {
            writeln!(
                stdout,
                "{}: ok ({} statements)",
                path.display(),
                doc.statements.len()
            )?;
        }
        for d in &diags {
            errors += usize::from(d.is_error());
            writeln!(stdout, "{}: {d}", path.display())?;
        }
    }
    Ok(if errors == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

//! `pare`: the command-line shell over Pare's engine. Reads files, calls the engine, prints results.

mod cloudtrail;
mod demo;
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
    /// Walk through Pare on the bundled demo scenarios.
    Demo,
    /// Import CloudTrail logs (S3 trees, `Records` files, arrays, JSON Lines, lookup-events output)
    /// into a database; files already imported are skipped, events are deduplicated by `eventID`.
    Import {
        /// The database file (created if missing).
        #[arg(long, value_name = "FILE")]
        db: PathBuf,
        /// A CloudTrail file or directory (repeatable).
        #[arg(long, value_name = "PATH", required = true)]
        cloudtrail: Vec<PathBuf>,
        /// Only events at or after this time (`2024-07-30`, `2024-07-30T21:53:13Z`).
        #[arg(long, value_name = "DATE")]
        since: Option<String>,
        /// Only events before this time.
        #[arg(long, value_name = "DATE")]
        until: Option<String>,
        /// Print the summary as JSON on standard output.
        #[arg(long)]
        json: bool,
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
        Command::Demo => demo::run(),
        Command::Import {
            db,
            cloudtrail,
            since,
            until,
            json,
        } => cloudtrail::cmd_import(&db, &cloudtrail, since.as_deref(), until.as_deref(), json),
        Command::Usage {
            db,
            principal,
            json,
        } => cloudtrail::cmd_usage(&db, principal.as_deref(), json),
        Command::Mapping { db, json } => cloudtrail::cmd_mapping(&db, json),
        Command::Scan(args) => scan::cmd_scan(args),
        Command::ScanReport { db, json } => scan::cmd_scan_report(&db, json),
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

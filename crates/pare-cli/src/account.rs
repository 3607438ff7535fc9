//! `pare import --authz/--credential-report/--scps/--known-accounts` and `pare graph`: account snapshots and the
//! identity graph through the engine.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Result, anyhow};
use pare_engine::account::{AccountError, AccountImportInput, AccountImportSummary, GraphFormat};

use crate::UsageError;

/// Maps engine errors: bad input and missing snapshots/principals are the user's (exit 2).
fn map_err(e: AccountError) -> anyhow::Error {
    match e {
        AccountError::Store(_) | AccountError::Catalog(_) => anyhow!("{e}"),
        other => UsageError(other.to_string()).into(),
    }
}

pub(crate) fn cmd_import_account(
    db: &Path,
    input: &AccountImportInput,
    json: bool,
) -> Result<ExitCode> {
    let summary = pare_engine::account::import_account(db, input).map_err(map_err)?;
    let mut out = std::io::stdout().lock();
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(&summary)?)?;
    } else {
        print_summary(&mut out, &summary)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn print_summary(out: &mut impl Write, s: &AccountImportSummary) -> Result<()> {
    let c = &s.counts;
    let account = s
        .snapshot
        .account_id
        .as_deref()
        .unwrap_or("unknown account");
    if s.created {
        writeln!(
            out,
            "account {account}: snapshot {} taken at {}",
            s.snapshot.id, s.snapshot.taken_at
        )?;
    } else {
        writeln!(
            out,
            "account {account}: these files are already snapshot {} (taken at {}); nothing stored",
            s.snapshot.id, s.snapshot.taken_at
        )?;
    }
    writeln!(
        out,
        "{} users, {} roles ({} service-linked, {} Identity Center), {} groups, {} managed policies ({} AWS-managed, {} without content), {} inline policies, {} instance profiles",
        c.users,
        c.roles,
        c.service_linked_roles,
        c.identity_center_roles,
        c.groups,
        c.managed_policies,
        c.aws_managed_policies,
        c.unresolved_policies,
        c.inline_policies,
        c.instance_profiles
    )?;
    writeln!(
        out,
        "credential report: {} rows matched, {} for users not in the authorization details; {} OU levels of SCPs/RCPs; {} known accounts",
        c.credential_rows, c.orphan_credential_rows, c.org_levels, c.known_accounts
    )?;
    if !s.problems.is_empty() {
        writeln!(out, "problems ({}):", s.problems.len())?;
        for p in &s.problems {
            writeln!(out, "  {p}")?;
        }
    }
    Ok(())
}

pub(crate) fn cmd_graph(
    db: &Path,
    principal: &str,
    format: &str,
    depth: usize,
) -> Result<ExitCode> {
    if !db.is_file() {
        return Err(UsageError(format!(
            "database `{}` does not exist (create it with `pare import --db {} --authz FILE`)",
            db.display(),
            db.display()
        ))
        .into());
    }
    let format = match format {
        "dot" => GraphFormat::Dot,
        "json" => GraphFormat::Json,
        other => {
            return Err(UsageError(format!("--format: `{other}` is not `dot` or `json`")).into());
        }
    };
    let text =
        pare_engine::account::account_graph(db, principal, format, depth).map_err(map_err)?;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

/// The account inputs of `pare import`, when any was given.
pub(crate) fn account_input(
    authz: Vec<PathBuf>,
    credential_report: Option<PathBuf>,
    scps: Option<PathBuf>,
    known_accounts: Option<PathBuf>,
    managed_policies: Option<PathBuf>,
) -> Option<AccountImportInput> {
    let input = AccountImportInput {
        authz,
        credential_report,
        org_policies: scps,
        known_accounts,
        managed_policies,
    };
    (input != AccountImportInput::default()).then_some(input)
}

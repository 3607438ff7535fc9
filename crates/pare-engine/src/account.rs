//! Account snapshots: import authorization details, credential report, SCPs and known accounts as one stored
//! snapshot (raw files kept, so the model can be rebuilt); load a snapshot back into the account model; the
//! identity graph around a principal, with CloudTrail usage.

use std::io::Read;
use std::path::{Path, PathBuf};

use pare_account::{
    Account, AccountGraph, AccountPermissions, AccountSources, InputError, Problem, SourceFile,
    UsageFact, load_account,
};
use pare_store::{
    SnapshotFile, SnapshotInfo, SnapshotInsert, SnapshotPrincipal, Store, StoreError,
};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// Why an account import or query failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AccountError {
    /// A file could not be read.
    #[error("cannot read `{path}`: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// An input file is not what it should be (names the file and place).
    #[error(transparent)]
    Input(#[from] InputError),
    /// Nothing to import.
    #[error("nothing to import: give at least one input")]
    NoInput,
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The database has no account snapshot (or not the one asked for).
    #[error(
        "database `{db}` has no account snapshot{which} (import one with `pare import --db {db} --authz FILE`)"
    )]
    NoSnapshot {
        /// The database.
        db: String,
        /// ` N` when a snapshot id was asked for.
        which: String,
    },
    /// The snapshot has no such principal.
    #[error("no principal `{arn}` in account snapshot {snapshot}")]
    UnknownPrincipal {
        /// The ARN asked for.
        arn: String,
        /// The snapshot.
        snapshot: i64,
    },
    /// The bundled catalog is unusable (a bug in this build).
    #[error("the bundled action catalog is unusable: {0}")]
    Catalog(String),
}

/// The files of one account import.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountImportInput {
    /// `get-account-authorization-details` output, one or more pages (`.gz` is decompressed).
    pub authz: Vec<PathBuf>,
    /// The credential report (CSV, or `get-credential-report` JSON).
    pub credential_report: Option<PathBuf>,
    /// SCPs and RCPs per OU level (see `pare_account::org`).
    pub org_policies: Option<PathBuf>,
    /// Known account IDs.
    pub known_accounts: Option<PathBuf>,
    /// Managed policies the dumps reference without content.
    pub managed_policies: Option<PathBuf>,
}

/// What an account import stored.
#[derive(Debug, Clone, Serialize)]
pub struct AccountImportSummary {
    /// The snapshot.
    pub snapshot: SnapshotInfo,
    /// `false` when the same files had been imported before (nothing was written).
    pub created: bool,
    /// Counts in the model.
    pub counts: AccountCounts,
    /// Everything questionable in the input, with file and place.
    pub problems: Vec<Problem>,
}

/// Counts of an account model.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct AccountCounts {
    /// IAM users.
    pub users: usize,
    /// IAM roles.
    pub roles: usize,
    /// Service-linked roles among them.
    pub service_linked_roles: usize,
    /// Identity Center (`AWSReservedSSO_*`) roles among them.
    pub identity_center_roles: usize,
    /// Groups.
    pub groups: usize,
    /// Managed policies (in the input or referenced).
    pub managed_policies: usize,
    /// AWS-managed ones among them.
    pub aws_managed_policies: usize,
    /// Referenced without their content.
    pub unresolved_policies: usize,
    /// Inline policies of users, roles and groups.
    pub inline_policies: usize,
    /// Instance profiles.
    pub instance_profiles: usize,
    /// Credential report rows matched to a principal.
    pub credential_rows: usize,
    /// Credential report rows for users not in the authorization details.
    pub orphan_credential_rows: usize,
    /// OU levels with SCPs/RCPs.
    pub org_levels: usize,
    /// Known accounts.
    pub known_accounts: usize,
}

impl AccountCounts {
    /// Counts the model.
    pub fn of(acc: &Account) -> Self {
        let roles: Vec<_> = acc.roles().filter_map(|r| r.role.as_ref()).collect();
        AccountCounts {
            users: acc.users().count(),
            roles: roles.len(),
            service_linked_roles: roles.iter().filter(|r| r.service_linked).count(),
            identity_center_roles: roles.iter().filter(|r| r.identity_center).count(),
            groups: acc.groups.len(),
            managed_policies: acc.policies.len(),
            aws_managed_policies: acc.policies.iter().filter(|p| p.aws_managed).count(),
            unresolved_policies: acc.policies.iter().filter(|p| !p.is_resolved()).count(),
            inline_policies: acc.principals.iter().map(|p| p.inline.len()).sum::<usize>()
                + acc.groups.iter().map(|g| g.inline.len()).sum::<usize>(),
            instance_profiles: acc.instance_profiles.len(),
            credential_rows: acc
                .principals
                .iter()
                .filter(|p| p.credentials.is_some())
                .count(),
            orphan_credential_rows: acc.orphan_credentials.len(),
            org_levels: acc.org_policies.levels.len(),
            known_accounts: acc.known_accounts.len(),
        }
    }
}

fn read_text(path: &Path) -> Result<String, AccountError> {
    let read = |source| AccountError::Read {
        path: path.to_path_buf(),
        source,
    };
    let bytes = std::fs::read(path).map_err(read)?;
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut text = String::new();
        flate2::read::GzDecoder::new(bytes.as_slice())
            .read_to_string(&mut text)
            .map_err(read)?;
        return Ok(text);
    }
    String::from_utf8(bytes).map_err(|_| {
        read(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "the file is not UTF-8 text",
        ))
    })
}

/// The sources as (kind, file) in their stored order.
fn ordered(sources: &AccountSources) -> Vec<(&'static str, &SourceFile)> {
    let mut out: Vec<(&'static str, &SourceFile)> =
        sources.authz.iter().map(|f| ("authz", f)).collect();
    for (kind, f) in [
        ("credential_report", &sources.credential_report),
        ("org_policies", &sources.org_policies),
        ("known_accounts", &sources.known_accounts),
        ("managed_policies", &sources.managed_policies),
    ] {
        if let Some(f) = f {
            out.push((kind, f));
        }
    }
    out
}

fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Reads, validates and stores the files as one account snapshot. A bad file is an error naming the file and
/// place, and nothing is stored. Importing the same files again stores nothing and returns the snapshot that
/// has them.
///
/// # Errors
///
/// [`AccountError`]: unreadable or invalid input, or the database failing.
pub fn import_account(
    db: &Path,
    input: &AccountImportInput,
) -> Result<AccountImportSummary, AccountError> {
    if input.authz.is_empty()
        && input.credential_report.is_none()
        && input.org_policies.is_none()
        && input.known_accounts.is_none()
    {
        return Err(AccountError::NoInput);
    }
    let file = |p: &PathBuf| -> Result<SourceFile, AccountError> {
        Ok(SourceFile {
            name: p.display().to_string(),
            text: read_text(p)?,
        })
    };
    let sources = AccountSources {
        authz: input.authz.iter().map(file).collect::<Result<_, _>>()?,
        credential_report: input.credential_report.as_ref().map(file).transpose()?,
        org_policies: input.org_policies.as_ref().map(file).transpose()?,
        known_accounts: input.known_accounts.as_ref().map(file).transpose()?,
        managed_policies: input.managed_policies.as_ref().map(file).transpose()?,
    };
    import_account_sources(db, &sources)
}

/// Validates and stores documents already in memory (a live scan's) as one account snapshot, exactly as
/// [`import_account`] does with files: the same parsing and errors (naming each source's `name`), the raw
/// texts stored with the snapshot, and nothing stored when the same contents were imported before.
///
/// # Errors
///
/// [`AccountError`]: invalid input, or the database failing.
pub fn import_account_sources(
    db: &Path,
    sources: &AccountSources,
) -> Result<AccountImportSummary, AccountError> {
    if sources.authz.is_empty()
        && sources.credential_report.is_none()
        && sources.org_policies.is_none()
        && sources.known_accounts.is_none()
    {
        return Err(AccountError::NoInput);
    }
    let account = load_account(sources)?;
    let mut hasher = Sha256::new();
    let mut files = Vec::new();
    for (kind, f) in ordered(sources) {
        let sha = sha256_hex(f.text.as_bytes());
        // The identity of a snapshot is its content, not where the files were.
        hasher.update(kind.as_bytes());
        hasher.update([0]);
        hasher.update(sha.as_bytes());
        files.push(SnapshotFile {
            kind: kind.to_owned(),
            path: f.name.clone(),
            sha256: sha,
            content: f.text.clone(),
        });
    }
    let content_sha256: String = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let counts = AccountCounts::of(&account);
    let principals = snapshot_principals(&account);
    let summary =
        serde_json::json!({"counts": counts, "problems": account.problems.len()}).to_string();
    let taken_at = account
        .credential_report_time
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    let mut store = Store::open(db)?;
    let (snapshot, created) = store.insert_account_snapshot(&SnapshotInsert {
        taken_at,
        account_id: account.account_id.clone(),
        content_sha256,
        summary,
        files,
        principals,
    })?;
    Ok(AccountImportSummary {
        snapshot,
        created,
        counts,
        problems: account.problems,
    })
}

fn snapshot_principals(acc: &Account) -> Vec<SnapshotPrincipal> {
    acc.principals
        .iter()
        .map(|p| {
            let mut attached: Vec<String> =
                p.attached.iter().filter_map(|&id| acc.policy(id)).map(|m| m.arn.clone()).collect();
            for g in p.groups.iter().filter_map(|&g| acc.group(g)) {
                attached.extend(g.attached.iter().filter_map(|&id| acc.policy(id)).map(|m| m.arn.clone()));
            }
            attached.sort();
            attached.dedup();
            let policies = serde_json::json!({
                "attached": attached,
                "inline": p.inline.iter().map(|i| i.name.clone()).collect::<Vec<_>>(),
                "groups": p.groups.iter().filter_map(|&g| acc.group(g)).map(|g| g.name.clone()).collect::<Vec<_>>(),
                "boundary": p.permissions_boundary.and_then(|b| acc.policy(b)).map(|m| m.arn.clone()),
            });
            SnapshotPrincipal {
                arn: p.arn.clone(),
                kind: p.kind.as_str().to_owned(),
                name: p.name.clone(),
                unique_id: p.unique_id.clone(),
                created_at: p.create_date.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
                policies: policies.to_string(),
            }
        })
        .collect()
}

/// The stored snapshots of the database, oldest first.
///
/// # Errors
///
/// [`AccountError::Store`] if the database fails.
pub fn account_snapshots(db: &Path) -> Result<Vec<SnapshotInfo>, AccountError> {
    Ok(Store::open(db)?.account_snapshots()?)
}

/// Rebuilds the account model of a snapshot (the latest when `snapshot` is `None`) from its stored files.
///
/// # Errors
///
/// [`AccountError::NoSnapshot`] when there is none; [`AccountError::Input`] if the stored files no longer parse
/// (a newer Pare's stricter rules); [`AccountError::Store`] if the database fails.
pub fn load_account_snapshot(
    db: &Path,
    snapshot: Option<i64>,
) -> Result<(SnapshotInfo, Account), AccountError> {
    let store = Store::open(db)?;
    let Some(info) = store.account_snapshot(snapshot)? else {
        return Err(AccountError::NoSnapshot {
            db: db.display().to_string(),
            which: snapshot.map(|s| format!(" {s}")).unwrap_or_default(),
        });
    };
    let mut sources = AccountSources::default();
    for f in store.account_snapshot_files(info.id)? {
        let file = SourceFile {
            name: f.path,
            text: f.content,
        };
        match f.kind.as_str() {
            "authz" => sources.authz.push(file),
            "credential_report" => sources.credential_report = Some(file),
            "org_policies" => sources.org_policies = Some(file),
            "known_accounts" => sources.known_accounts = Some(file),
            "managed_policies" => sources.managed_policies = Some(file),
            _ => {}
        }
    }
    let account = load_account(&sources)?;
    Ok((info, account))
}

/// CloudTrail usage in the database, as the graph takes it.
///
/// # Errors
///
/// [`AccountError::Store`] if the database fails.
pub fn usage_facts(db: &Path) -> Result<Vec<UsageFact>, AccountError> {
    let rows = Store::open(db)?.usage(None)?;
    Ok(rows
        .into_iter()
        .map(|r| UsageFact {
            principal: r.principal,
            action: r.action,
            resource: r.resource,
            count: r.count,
            last_seen: r.last_seen,
        })
        .collect())
}

/// How to print a graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GraphFormat {
    /// Graphviz DOT.
    Dot,
    /// `{"nodes": […], "edges": […]}`.
    Json,
}

/// The identity graph around a principal of the latest snapshot (its groups and policies, and what it can
/// assume or be assumed by, up to `depth` hops), with CloudTrail usage from the same database.
///
/// # Errors
///
/// [`AccountError`]: no snapshot, unknown principal, or the database failing.
pub fn account_graph(
    db: &Path,
    principal: &str,
    format: GraphFormat,
    depth: usize,
) -> Result<String, AccountError> {
    let (info, account) = load_account_snapshot(db, None)?;
    let Some(id) = account
        .principal_by_arn(principal)
        .or_else(|| account.principal_for_usage_key(principal))
    else {
        return Err(AccountError::UnknownPrincipal {
            arn: principal.to_owned(),
            snapshot: info.id,
        });
    };
    let catalog =
        pare_catalog::Catalog::bundled().map_err(|e| AccountError::Catalog(e.to_string()))?;
    let perms = AccountPermissions::compile(&account, catalog);
    // Structure first; escalation edges from the path search; then only the can-assume pairs the view around
    // the principal can see are evaluated (the same neighbourhood as on the whole graph, tested).
    let mut graph = AccountGraph::build_structure(&perms);
    graph.add_usage(&perms, &usage_facts(db)?);
    let techniques =
        pare_findings::techniques::bundled().map_err(|e| AccountError::Catalog(e.to_string()))?;
    let now = pare_account::parse_time(&info.taken_at)
        .unwrap_or_else(|| chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now()));
    let oracle = pare_findings::account::AccountOracle::new(&perms, now);
    let report =
        pare_findings::find_paths(&oracle, techniques, pare_findings::SearchOptions::default());
    // Only the principal's own paths (every step of each): all the account's escalation edges would join most
    // principals into one neighbourhood.
    let own = account
        .principal(id)
        .map(|p| p.arn.clone())
        .unwrap_or_default();
    let report = pare_findings::PathReport {
        paths: report
            .paths
            .into_iter()
            .filter(|p| p.principal == own)
            .collect(),
        ..report
    };
    add_escalation_edges(&mut graph, &account, &report);
    graph.add_trust_edges_around(&perms, id, depth);
    let nodes = graph.neighbourhood(id, depth);
    Ok(match format {
        GraphFormat::Dot => graph.to_dot(&account, &nodes),
        GraphFormat::Json => {
            let mut v = graph.to_json(&account, &nodes);
            if let Some(obj) = v.as_object_mut() {
                obj.insert(
                    "principal".into(),
                    serde_json::Value::String(principal.to_owned()),
                );
                obj.insert(
                    "snapshot".into(),
                    serde_json::json!({"id": info.id, "taken_at": info.taken_at}),
                );
            }
            serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
        }
    })
}

/// The can-escalate-to edges of every step of every privilege-escalation path: from the principal taking the step
/// to the principal whose permissions it gets; a step that makes the taker admin itself (attaching a policy to
/// itself, joining an admin group) points at the role it empowers when there is one, else back at the taker.
/// One edge per (from, to, technique).
pub fn add_escalation_edges(
    graph: &mut AccountGraph,
    account: &Account,
    report: &pare_findings::PathReport,
) {
    let mut seen = std::collections::BTreeSet::new();
    for path in &report.paths {
        for step in &path.steps {
            let Some(from) = account.principal_by_arn(&step.from) else {
                continue;
            };
            let to = if step.to == "admin" {
                step.via
                    .as_deref()
                    .and_then(|v| account.principal_by_arn(v))
                    .unwrap_or(from)
            } else {
                let Some(to) = account.principal_by_arn(&step.to) else {
                    continue;
                };
                to
            };
            if !seen.insert((from, to, step.technique.clone())) {
                continue;
            }
            let permissions = step
                .permissions
                .iter()
                .map(|p| {
                    format!(
                        "{} on {}{}",
                        p.action,
                        p.resource,
                        if p.conditional { " (conditions)" } else { "" }
                    )
                })
                .collect::<Vec<_>>()
                .join(", ");
            let target = if step.to == "admin" {
                match &step.via {
                    Some(v) => format!("admin (through `{v}`)"),
                    None => "admin".to_owned(),
                }
            } else {
                format!("`{}`", step.to)
            };
            let reason = format!(
                "`{}` can reach {target} by {} ({}), using {permissions}",
                step.from, step.technique_name, step.technique
            );
            let _edge = graph.add_escalation(from, to, &step.technique, reason);
        }
    }
}

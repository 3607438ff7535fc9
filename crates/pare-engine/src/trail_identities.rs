//! Users and roles that CloudTrail shows being created after the account snapshot (an attacker's backdoor user,
//! for example): their successful IAM changes read again from the imported files and replayed, as an extra
//! authorization-details page for the review, so `pare findings` reviews them like the snapshot's identities.

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use pare_account::{Account, SourceFile};
use pare_findings::trail_changes;
use pare_store::Store;

/// The name the extra page is given (shown where the account model names its source files).
pub const SOURCE_NAME: &str = "CloudTrail: identities created after the snapshot";

/// The page of identities the trail shows being created (and not deleted) that `account` does not have, created
/// at or after `taken_at` (when the snapshot's data was taken, if the data says so; `None`: every creation the
/// trail shows counts). `None` when there is none.
///
/// # Errors
///
/// [`pare_store::StoreError`] if the database fails.
pub fn created_identities(
    store: &Store,
    account: &Account,
    taken_at: Option<DateTime<Utc>>,
) -> Result<Option<SourceFile>, pare_store::StoreError> {
    let refs = store.identity_change_events()?;
    if refs.is_empty() {
        return Ok(None);
    }
    let records = read_records(&refs);
    let mut observed = trail_changes::replay(&records);
    observed.retain(|arn, id| {
        id.created.is_some_and(|c| taken_at.is_none_or(|t| c >= t))
            && account.principal_by_arn(arn).is_none()
    });
    if observed.values().all(|i| i.deleted || i.kind.is_none()) {
        return Ok(None);
    }
    Ok(Some(SourceFile {
        name: SOURCE_NAME.to_owned(),
        text: trail_changes::to_authz_page(&observed).to_string(),
    }))
}

/// The records at (file, record index), parsed; files that cannot be read again are left out.
fn read_records(refs: &[(String, i64)]) -> Vec<serde_json::Value> {
    let mut wanted: HashMap<String, Vec<i64>> = HashMap::new();
    for (file, index) in refs {
        wanted.entry(file.clone()).or_default().push(*index);
    }
    let paths: Vec<PathBuf> = wanted.keys().map(PathBuf::from).collect();
    let options = pare_ingest::ReadOptions {
        threads: 1,
        ..pare_ingest::ReadOptions::default()
    };
    let mut out = Vec::new();
    let _summary = pare_ingest::read_all(
        &paths,
        &options,
        |record| {
            let file = record.file.to_string_lossy();
            let index = i64::try_from(record.index).unwrap_or(i64::MAX);
            if wanted
                .get(file.as_ref())
                .is_some_and(|v| v.contains(&index))
                && let Ok(value) = serde_json::from_str::<serde_json::Value>(record.json.get())
            {
                out.push(value);
            }
            ControlFlow::Continue(())
        },
        |_| {},
    );
    out
}

//! Live AWS scans: the scan row, what could not be read, raw documents by kind, Access Advisor's
//! last-accessed data and Access Analyzer's findings, written in one transaction per scan.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use crate::{Result, Store};

/// Access Advisor's record of a service (or one of its actions) for a principal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LastAccessedInput {
    /// The principal's ARN.
    pub principal_arn: String,
    /// The service namespace (`s3`).
    pub service_namespace: String,
    /// The action name without the prefix (`GetObject`); `None` for the service itself.
    pub action_name: Option<String>,
    /// When last used (`None`: not in the 400-day tracking period).
    pub last_accessed: Option<String>,
    /// The entity that used it.
    pub entity: Option<String>,
    /// The region.
    pub region: Option<String>,
}

/// A stored last-accessed row.
pub type LastAccessedRow = LastAccessedInput;

/// An Access Analyzer finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnalyzerFindingInput {
    /// The analyzer.
    pub analyzer_arn: String,
    /// The finding's ID.
    pub id: String,
    /// Its type (`ExternalAccess`, `UnusedIAMRole`, …).
    pub finding_type: Option<String>,
    /// The resource.
    pub resource: Option<String>,
    /// The resource type.
    pub resource_type: String,
    /// The resource's account.
    pub resource_owner_account: String,
    /// `ACTIVE`, `ARCHIVED`, `RESOLVED`.
    pub status: String,
    /// Created.
    pub created_at: String,
    /// Updated.
    pub updated_at: String,
    /// Why the resource could not be analyzed.
    pub error: Option<String>,
}

/// A stored finding.
pub type AnalyzerFindingRow = AnalyzerFindingInput;

/// One scan to store.
#[derive(Debug, Clone, Default)]
pub struct ScanInput {
    /// Start (RFC 3339).
    pub started_at: String,
    /// End (RFC 3339).
    pub finished_at: String,
    /// The account.
    pub account: String,
    /// The caller's ARN.
    pub caller_arn: String,
    /// The region.
    pub region: Option<String>,
    /// The scan's summary, JSON.
    pub summary_json: String,
    /// What could not be read: (API, code, message).
    pub problems: Vec<(String, Option<String>, String)>,
    /// Raw documents: (kind, text).
    pub documents: Vec<(String, String)>,
    /// Principals whose Access Advisor data was read (their old rows are replaced).
    pub last_accessed_principals: Vec<String>,
    /// Access Advisor rows.
    pub last_accessed: Vec<LastAccessedInput>,
    /// Analyzers whose findings were read (their old rows are replaced).
    pub analyzers: Vec<String>,
    /// Access Analyzer findings.
    pub findings: Vec<AnalyzerFindingInput>,
}

/// A stored scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScanRow {
    /// Its id.
    pub id: i64,
    /// Start.
    pub started_at: String,
    /// End.
    pub finished_at: String,
    /// The account.
    pub account: String,
    /// The caller.
    pub caller_arn: String,
    /// The region.
    pub region: Option<String>,
    /// Summary JSON.
    pub summary_json: String,
}

/// A stored problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScanProblemRow {
    /// The API.
    pub api: String,
    /// The AWS error code.
    pub code: Option<String>,
    /// The message.
    pub message: String,
}

impl Store {
    /// Stores a scan in one transaction and returns its id.
    ///
    /// # Errors
    ///
    /// [`crate::StoreError`] if SQLite fails (nothing of the scan is kept then).
    pub fn insert_scan(&mut self, scan: &ScanInput) -> Result<i64> {
        let path = self.path.clone();
        let err = |source| crate::StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(err)?;
        tx.execute(
            "INSERT INTO aws_scans (started_at, finished_at, account, caller_arn, region, summary_json) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                scan.started_at,
                scan.finished_at,
                scan.account,
                scan.caller_arn,
                scan.region,
                scan.summary_json
            ],
        )
        .map_err(err)?;
        let id = tx.last_insert_rowid();
        {
            let mut problem = tx
                .prepare("INSERT INTO aws_scan_problems (scan_id, api, code, message) VALUES (?1, ?2, ?3, ?4)")
                .map_err(err)?;
            for (api, code, message) in &scan.problems {
                problem
                    .execute(params![id, api, code, message])
                    .map_err(err)?;
            }
            let mut document = tx
                .prepare("INSERT OR REPLACE INTO aws_scan_documents (scan_id, kind, content) VALUES (?1, ?2, ?3)")
                .map_err(err)?;
            for (kind, content) in &scan.documents {
                document.execute(params![id, kind, content]).map_err(err)?;
            }
            let mut clear = tx
                .prepare("DELETE FROM service_last_accessed WHERE principal_arn = ?1")
                .map_err(err)?;
            for principal in &scan.last_accessed_principals {
                clear.execute(params![principal]).map_err(err)?;
            }
            let mut row = tx
                .prepare(
                    "INSERT OR REPLACE INTO service_last_accessed \
                     (principal_arn, service_namespace, action_name, last_accessed, entity, region, scan_id) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )
                .map_err(err)?;
            for r in &scan.last_accessed {
                row.execute(params![
                    r.principal_arn,
                    r.service_namespace,
                    r.action_name.as_deref().unwrap_or(""),
                    r.last_accessed,
                    r.entity,
                    r.region,
                    id
                ])
                .map_err(err)?;
            }
            let mut clear = tx
                .prepare("DELETE FROM access_analyzer_findings WHERE analyzer_arn = ?1")
                .map_err(err)?;
            for analyzer in &scan.analyzers {
                clear.execute(params![analyzer]).map_err(err)?;
            }
            let mut finding = tx
                .prepare(
                    "INSERT OR REPLACE INTO access_analyzer_findings \
                     (analyzer_arn, id, finding_type, resource, resource_type, resource_owner_account, \
                      status, created_at, updated_at, error, scan_id) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                )
                .map_err(err)?;
            for f in &scan.findings {
                finding
                    .execute(params![
                        f.analyzer_arn,
                        f.id,
                        f.finding_type,
                        f.resource,
                        f.resource_type,
                        f.resource_owner_account,
                        f.status,
                        f.created_at,
                        f.updated_at,
                        f.error,
                        id
                    ])
                    .map_err(err)?;
            }
        }
        tx.commit().map_err(err)?;
        Ok(id)
    }

    /// The latest scan, if any.
    ///
    /// # Errors
    ///
    /// [`crate::StoreError`] if SQLite fails.
    pub fn latest_scan(&self) -> Result<Option<ScanRow>> {
        self.conn
            .query_row(
                "SELECT id, started_at, finished_at, account, caller_arn, region, summary_json \
                 FROM aws_scans ORDER BY id DESC LIMIT 1",
                [],
                |r| {
                    Ok(ScanRow {
                        id: r.get(0)?,
                        started_at: r.get(1)?,
                        finished_at: r.get(2)?,
                        account: r.get(3)?,
                        caller_arn: r.get(4)?,
                        region: r.get(5)?,
                        summary_json: r.get(6)?,
                    })
                },
            )
            .optional()
            .map_err(self.err())
    }

    /// What a scan could not read.
    ///
    /// # Errors
    ///
    /// [`crate::StoreError`] if SQLite fails.
    pub fn scan_problems(&self, scan: i64) -> Result<Vec<ScanProblemRow>> {
        let mut stmt = self
            .conn
            .prepare("SELECT api, code, message FROM aws_scan_problems WHERE scan_id = ?1 ORDER BY rowid")
            .map_err(self.err())?;
        let rows = stmt
            .query_map(params![scan], |r| {
                Ok(ScanProblemRow {
                    api: r.get(0)?,
                    code: r.get(1)?,
                    message: r.get(2)?,
                })
            })
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// A raw document of a scan, by kind (`authorization_details`, `credential_report`, …).
    ///
    /// # Errors
    ///
    /// [`crate::StoreError`] if SQLite fails.
    pub fn scan_document(&self, scan: i64, kind: &str) -> Result<Option<String>> {
        self.conn
            .query_row(
                "SELECT content FROM aws_scan_documents WHERE scan_id = ?1 AND kind = ?2",
                params![scan, kind],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.err())
    }

    /// Access Advisor rows, of one principal or all, by principal, service, action.
    ///
    /// # Errors
    ///
    /// [`crate::StoreError`] if SQLite fails.
    pub fn service_last_accessed(&self, principal: Option<&str>) -> Result<Vec<LastAccessedRow>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT principal_arn, service_namespace, action_name, last_accessed, entity, region \
                 FROM service_last_accessed WHERE ?1 IS NULL OR principal_arn = ?1 \
                 ORDER BY principal_arn, service_namespace, action_name",
            )
            .map_err(self.err())?;
        let rows = stmt
            .query_map(params![principal], |r| {
                let action: String = r.get(2)?;
                Ok(LastAccessedRow {
                    principal_arn: r.get(0)?,
                    service_namespace: r.get(1)?,
                    action_name: (!action.is_empty()).then_some(action),
                    last_accessed: r.get(3)?,
                    entity: r.get(4)?,
                    region: r.get(5)?,
                })
            })
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// Access Analyzer findings, by analyzer and ID.
    ///
    /// # Errors
    ///
    /// [`crate::StoreError`] if SQLite fails.
    pub fn analyzer_findings(&self) -> Result<Vec<AnalyzerFindingRow>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT analyzer_arn, id, finding_type, resource, resource_type, resource_owner_account, \
                 status, created_at, updated_at, error FROM access_analyzer_findings ORDER BY analyzer_arn, id",
            )
            .map_err(self.err())?;
        let rows = stmt
            .query_map([], |r| {
                Ok(AnalyzerFindingRow {
                    analyzer_arn: r.get(0)?,
                    id: r.get(1)?,
                    finding_type: r.get(2)?,
                    resource: r.get(3)?,
                    resource_type: r.get(4)?,
                    resource_owner_account: r.get(5)?,
                    status: r.get(6)?,
                    created_at: r.get(7)?,
                    updated_at: r.get(8)?,
                    error: r.get(9)?,
                })
            })
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "test code")]

    use super::*;

    fn row(principal: &str, service: &str, action: Option<&str>) -> LastAccessedInput {
        LastAccessedInput {
            principal_arn: principal.into(),
            service_namespace: service.into(),
            action_name: action.map(Into::into),
            last_accessed: Some("2024-07-30T21:53:13Z".into()),
            entity: None,
            region: Some("us-east-1".into()),
        }
    }

    #[test]
    fn a_later_scan_replaces_a_principals_last_accessed_rows() {
        let mut s = Store::open_in_memory().unwrap();
        let alice = "arn:aws:iam::111122223333:user/alice";
        let first = ScanInput {
            account: "111122223333".into(),
            summary_json: "{}".into(),
            problems: vec![(
                "iam:GetCredentialReport".into(),
                Some("AccessDenied".into()),
                "no".into(),
            )],
            documents: vec![("credential_report".into(), "user,arn\n".into())],
            last_accessed_principals: vec![alice.into()],
            last_accessed: vec![row(alice, "s3", None), row(alice, "s3", Some("GetObject"))],
            ..ScanInput::default()
        };
        let id = s.insert_scan(&first).unwrap();
        assert_eq!(s.service_last_accessed(Some(alice)).unwrap().len(), 2);
        assert_eq!(
            s.scan_problems(id).unwrap()[0].code.as_deref(),
            Some("AccessDenied")
        );
        assert_eq!(
            s.scan_document(id, "credential_report").unwrap().as_deref(),
            Some("user,arn\n")
        );
        let second = ScanInput {
            account: "111122223333".into(),
            summary_json: "{}".into(),
            last_accessed_principals: vec![alice.into()],
            last_accessed: vec![row(alice, "iam", None)],
            ..ScanInput::default()
        };
        let id2 = s.insert_scan(&second).unwrap();
        assert_eq!(s.latest_scan().unwrap().unwrap().id, id2);
        let rows = s.service_last_accessed(None).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].service_namespace, "iam");
        assert_eq!(rows[0].action_name, None);
    }
}

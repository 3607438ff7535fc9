//! Access Analyzer collection: every analyzer (external and unused access, account and organisation
//! zones of trust) and every finding of each (ListFindingsV2, all pages).

use aws_config::SdkConfig;
use serde::Serialize;

use crate::{Collection, Problem, time_text};

/// An analyzer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnalyzerSummary {
    /// Its ARN.
    pub arn: String,
    /// Its name.
    pub name: String,
    /// `ACCOUNT`, `ORGANIZATION`, `ACCOUNT_UNUSED_ACCESS`, ….
    pub analyzer_type: String,
    /// `ACTIVE`, `CREATING`, `DISABLED`, `FAILED`.
    pub status: String,
}

/// A finding of an analyzer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnalyzerFinding {
    /// The analyzer's ARN.
    pub analyzer_arn: String,
    /// The finding's ID.
    pub id: String,
    /// `ExternalAccess`, `UnusedIAMRole`, `UnusedIAMUserAccessKey`, `UnusedPermission`, ….
    pub finding_type: Option<String>,
    /// The resource (an ARN).
    pub resource: Option<String>,
    /// `AWS::IAM::Role`, `AWS::S3::Bucket`, ….
    pub resource_type: String,
    /// The account owning the resource.
    pub resource_owner_account: String,
    /// `ACTIVE`, `ARCHIVED`, `RESOLVED`.
    pub status: String,
    /// When it was created.
    pub created_at: String,
    /// When it was last updated.
    pub updated_at: String,
    /// Why the resource could not be analyzed, if so.
    pub error: Option<String>,
}

pub(crate) async fn collect(config: &SdkConfig, out: &mut Collection) {
    let client = aws_sdk_accessanalyzer::Client::from_conf(
        aws_sdk_accessanalyzer::config::Builder::from(config)
            .retry_partition(crate::retry_partition("access-analyzer"))
            .build(),
    );
    let mut token: Option<String> = None;
    let mut analyzers = Vec::new();
    loop {
        match client
            .list_analyzers()
            .set_next_token(token.clone())
            .send()
            .await
        {
            Ok(page) => {
                analyzers.extend(page.analyzers().iter().map(|a| AnalyzerSummary {
                    arn: a.arn().to_owned(),
                    name: a.name().to_owned(),
                    analyzer_type: a.r#type().as_str().to_owned(),
                    status: a.status().as_str().to_owned(),
                }));
                match page.next_token() {
                    Some(t) if Some(t) != token.as_deref() => token = Some(t.to_owned()),
                    _ => break,
                }
            }
            Err(e) => {
                out.problems
                    .push(Problem::from_sdk("access-analyzer:ListAnalyzers", &e));
                return;
            }
        }
    }
    for analyzer in &analyzers {
        let mut token: Option<String> = None;
        loop {
            match client
                .list_findings_v2()
                .analyzer_arn(&analyzer.arn)
                .set_next_token(token.clone())
                .send()
                .await
            {
                Ok(page) => {
                    out.analyzer_findings
                        .extend(page.findings().iter().map(|f| AnalyzerFinding {
                            analyzer_arn: analyzer.arn.clone(),
                            id: f.id().to_owned(),
                            finding_type: f.finding_type().map(|t| t.as_str().to_owned()),
                            resource: f.resource().map(ToOwned::to_owned),
                            resource_type: f.resource_type().as_str().to_owned(),
                            resource_owner_account: f.resource_owner_account().to_owned(),
                            status: f.status().as_str().to_owned(),
                            created_at: time_text(f.created_at()),
                            updated_at: time_text(f.updated_at()),
                            error: f.error().map(ToOwned::to_owned),
                        }));
                    match page.next_token() {
                        Some(t) if Some(t) != token.as_deref() => token = Some(t.to_owned()),
                        _ => break,
                    }
                }
                Err(e) => {
                    let p = Problem::from_sdk("access-analyzer:ListFindingsV2", &e);
                    out.problems.push(Problem {
                        message: format!("`{}`: {}", analyzer.name, p.message),
                        ..p
                    });
                    break;
                }
            }
        }
    }
    out.analyzers = analyzers;
}

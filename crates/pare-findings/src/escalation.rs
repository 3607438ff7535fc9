//! Privilege-escalation path findings: one per principal that can reach admin, with every path found.

use crate::finding::{Finding, FindingKind, Severity};
use crate::paths::{EscalationPath, PathReport};
use serde_json::json;
use std::collections::BTreeMap;

/// The last segment of an ARN (`user/a/b` → `b`).
fn short(arn: &str) -> &str {
    arn.rsplit(['/', ':']).next().unwrap_or(arn)
}

/// One finding per principal with paths (full admins have none: they are admin already).
#[must_use]
pub fn path_findings(report: &PathReport) -> Vec<Finding> {
    let mut by_principal: BTreeMap<&str, Vec<&EscalationPath>> = BTreeMap::new();
    for p in &report.paths {
        by_principal
            .entry(p.principal.as_str())
            .or_default()
            .push(p);
    }
    let omitted: BTreeMap<&str, usize> = report
        .omitted_first_steps
        .iter()
        .map(|(a, n)| (a.as_str(), *n))
        .collect();
    let principals: Vec<(&str, Vec<&EscalationPath>)> = by_principal.into_iter().collect();
    crate::parallel_map(&principals, |(principal, paths)| {
        let principal: &str = principal;
        let shortest = paths.iter().map(|p| p.steps.len()).min().unwrap_or(0);
        let unconditional = paths.iter().any(|p| !p.conditional);
        let mut techniques: Vec<&str> = paths.iter().flat_map(|p| p.techniques()).collect();
        techniques.sort_unstable();
        techniques.dedup();
        let example = paths
            .iter()
            .find(|p| p.steps.len() == shortest && !p.conditional)
            .or_else(|| paths.first())
            .map(|p| {
                p.steps
                    .iter()
                    .map(|s| {
                        format!(
                            "{} → {}",
                            s.technique_name,
                            if s.to == "admin" {
                                "admin"
                            } else {
                                short(&s.to)
                            }
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(", then ")
            })
            .unwrap_or_default();
        Finding::new(
            FindingKind::PrivilegeEscalationPath,
            if unconditional { Severity::Critical } else { Severity::High },
            principal,
            "",
            format!(
                "`{}` can escalate to admin in {shortest} step{} ({} paths; techniques {})",
                short(principal),
                if shortest == 1 { "" } else { "s" },
                paths.len(),
                techniques.join(", ")
            ),
            json!({
                "shortest": shortest,
                "techniques": techniques,
                "paths": paths,
                "techniques_with_more_targets": omitted.get(principal).copied().unwrap_or(0),
            }),
            format!(
                "Using the permissions it holds, `{}` can become admin: {example}. Each path lists the pathfinding.cloud \
                 technique of every step and the permissions the step uses.",
                short(principal)
            ),
            "Remove or scope one permission of every step (the first step's permissions break all its paths); the \
             technique pages at pathfinding.cloud describe each one."
                .to_owned(),
        )
    })
}

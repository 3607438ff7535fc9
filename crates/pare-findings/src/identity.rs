//! Unused identities and credential hygiene (access keys, passwords, MFA).

use crate::facts::{IdentityKind, Observation, PrincipalFacts, Thresholds};
use crate::finding::{Finding, FindingKind, Severity};
use crate::risk::{RiskCategory, RiskIndex};
use chrono::{DateTime, Duration, Utc};
use serde_json::json;

fn day(t: Option<DateTime<Utc>>) -> serde_json::Value {
    t.map_or(serde_json::Value::Null, |t| json!(t.to_rfc3339()))
}

fn days_between(a: DateTime<Utc>, b: DateTime<Utc>) -> i64 {
    (b - a).num_days()
}

/// A source of activity and its last time.
pub type ActivitySource = (&'static str, Option<DateTime<Utc>>);

/// The last activity of a principal from any source, and the sources consulted.
#[must_use]
pub fn last_activity(p: &PrincipalFacts) -> (Option<DateTime<Utc>>, Vec<ActivitySource>) {
    let mut sources: Vec<ActivitySource> = vec![("cloudtrail", p.last_cloudtrail_activity)];
    if p.kind == IdentityKind::Role {
        sources.push(("role_last_used", p.role_last_used));
    }
    if let Some(c) = &p.credentials {
        sources.push(("password_last_used", c.password_last_used));
        for k in &c.access_keys {
            sources.push((
                if k.number == 1 {
                    "access_key_1_last_used"
                } else {
                    "access_key_2_last_used"
                },
                k.last_used,
            ));
        }
    }
    let last = sources.iter().filter_map(|(_, t)| *t).max();
    (last, sources)
}

/// The unused-identity finding: no activity from any source since the start of the window. The window is
/// the CloudTrail observation when there is one, else the `unused_days` before `now`.
#[must_use]
pub fn unused_identity(
    p: &PrincipalFacts,
    observation: Option<&Observation>,
    now: DateTime<Utc>,
    thresholds: Thresholds,
    risk: &RiskIndex,
) -> Option<Finding> {
    if p.aws_managed {
        return None;
    }
    let start = observation.map_or(now - Duration::days(thresholds.unused_days), |o| o.start);
    let end = observation.map_or(now, |o| o.end);
    if p.created.is_some_and(|c| c > start) {
        return None;
    }
    let (last, sources) = last_activity(p);
    if last.is_some_and(|l| l >= start) {
        return None;
    }
    let holds = |c: RiskCategory| p.permissions.allowed.intersects(risk.actions(c));
    let admin = p.permissions.full_admin;
    let severity = if admin {
        Severity::High
    } else if holds(RiskCategory::PrivilegeEscalation) || holds(RiskCategory::CredentialsExposure) {
        Severity::Medium
    } else {
        Severity::Low
    };
    let kind = match p.kind {
        IdentityKind::User => "user",
        IdentityKind::Role => "role",
    };
    let since = last.map_or_else(
        || "never used".to_owned(),
        |l| format!("last used {}", l.to_rfc3339()),
    );
    Some(Finding::new(
        FindingKind::UnusedIdentity,
        severity,
        &p.arn,
        "",
        format!("{kind} `{}` unused in the window ({since})", p.name),
        json!({
            "window": {"start": start.to_rfc3339(), "end": end.to_rfc3339(), "days": days_between(start, end),
                       "source": if observation.is_some() { "cloudtrail" } else { "threshold" }},
            "last_activity": day(last),
            "sources": sources.iter().map(|(s, t)| json!({"source": s, "last": day(*t)})).collect::<Vec<_>>(),
            "created": day(p.created),
            "admin_equivalent": admin,
        }),
        format!(
            "No source shows `{}` doing anything between {} and {}: not CloudTrail, not RoleLastUsed, not the credential \
             report. An identity nobody uses still holds its permissions and credentials.",
            p.name,
            start.to_rfc3339(),
            end.to_rfc3339()
        ),
        format!(
            "Confirm with the owner that `{}` is no longer needed (a quarterly or yearly job may run outside a {}-day \
             window), then delete it or remove its permissions.",
            p.name,
            days_between(start, end)
        ),
    ))
}

/// Access-key, password and MFA findings of a user.
#[must_use]
pub fn credential_findings(
    p: &PrincipalFacts,
    now: DateTime<Utc>,
    thresholds: Thresholds,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let Some(c) = &p.credentials else { return out };
    let name = &p.name;
    let active: Vec<_> = c.access_keys.iter().filter(|k| k.active).collect();
    for k in &active {
        let subject = format!("key{}", k.number);
        let key_evidence = json!({
            "access_key": k.number,
            "last_rotated": day(k.last_rotated),
            "last_used": day(k.last_used),
            "now": now.to_rfc3339(),
        });
        match k.last_used {
            Some(used) if days_between(used, now) > thresholds.unused_days => out.push(Finding::new(
                FindingKind::AccessKeyUnused,
                Severity::Medium,
                &p.arn,
                &subject,
                format!("access key {} of `{name}` unused for {} days", k.number, days_between(used, now)),
                key_evidence.clone(),
                format!(
                    "The key was last used {}, more than {} days ago, and is still active: a forgotten key is a \
                     credential that can leak without anyone noticing.",
                    used.to_rfc3339(),
                    thresholds.unused_days
                ),
                "Deactivate the key, wait for complaints, then delete it.".to_owned(),
            )),
            None if k.last_rotated.is_some_and(|r| days_between(r, now) > thresholds.unused_days) => {
                out.push(Finding::new(
                    FindingKind::AccessKeyNeverUsed,
                    Severity::Medium,
                    &p.arn,
                    &subject,
                    format!("access key {} of `{name}` never used", k.number),
                    key_evidence.clone(),
                    format!(
                        "The key was created {} and has never been used, yet it is active.",
                        day(k.last_rotated).as_str().unwrap_or("at an unknown time")
                    ),
                    "Delete the key; create one when it is actually needed.".to_owned(),
                ));
            }
            _ => {}
        }
        if let Some(rotated) = k.last_rotated {
            let age = days_between(rotated, now);
            if age > thresholds.rotation_days {
                out.push(Finding::new(
                    FindingKind::AccessKeyNotRotated,
                    if age > 365 { Severity::High } else { Severity::Medium },
                    &p.arn,
                    &subject,
                    format!("access key {} of `{name}` not rotated for {age} days", k.number),
                    key_evidence,
                    format!(
                        "The key is {age} days old (rotation is due every {} days). Old long-lived keys are the most \
                         common leaked AWS credential.",
                        thresholds.rotation_days
                    ),
                    "Rotate the key (create a second key, switch the application, deactivate and delete the old \
                     one), or replace it with role-based access."
                        .to_owned(),
                ));
            }
        }
    }
    if active.len() >= 2 {
        out.push(Finding::new(
            FindingKind::TwoActiveAccessKeys,
            Severity::Low,
            &p.arn,
            "",
            format!("`{name}` has two active access keys"),
            json!({"active_keys": active.iter().map(|k| k.number).collect::<Vec<_>>()}),
            "Two active keys are normal only during a rotation; otherwise one of them is usually forgotten.".to_owned(),
            "Finish the rotation: deactivate and delete the key that is no longer used.".to_owned(),
        ));
    }
    if c.password_enabled {
        let reference = c
            .password_last_used
            .or(c.password_last_changed)
            .or(p.created);
        let stale = match c.password_last_used {
            Some(u) => days_between(u, now) > thresholds.unused_days,
            None => reference.is_some_and(|r| days_between(r, now) > thresholds.unused_days),
        };
        if stale {
            out.push(Finding::new(
                FindingKind::PasswordUnused,
                Severity::Medium,
                &p.arn,
                "",
                match c.password_last_used {
                    Some(u) => format!("console password of `{name}` unused for {} days", days_between(u, now)),
                    None => format!("console password of `{name}` never used"),
                },
                json!({"password_last_used": day(c.password_last_used), "password_last_changed": day(c.password_last_changed),
                       "now": now.to_rfc3339(), "threshold_days": thresholds.unused_days}),
                format!("The console password has not been used for more than {} days.", thresholds.unused_days),
                "Remove the login profile; users who need the console can get a new password.".to_owned(),
            ));
        }
        if !c.mfa_active {
            out.push(Finding::new(
                FindingKind::ConsoleWithoutMfa,
                Severity::High,
                &p.arn,
                "",
                format!("console user `{name}` has no MFA"),
                json!({"password_enabled": true, "mfa_active": false, "password_last_used": day(c.password_last_used)}),
                "A console password without MFA is one phishing e-mail away from the account.".to_owned(),
                "Require MFA for the user (and an IAM policy that denies everything without aws:MultiFactorAuthPresent), \
                 or move console access to IAM Identity Center."
                    .to_owned(),
            ));
        }
    }
    out
}

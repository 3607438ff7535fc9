//! Root-user findings: activity in CloudTrail (timeline with IPs), root access keys, root MFA off, root
//! console sign-ins without MFA.

use crate::facts::{RootEvent, RootFacts};
use crate::finding::{Finding, FindingKind, Severity};
use serde_json::json;
use std::collections::BTreeMap;

fn timeline_entry(e: &RootEvent) -> serde_json::Value {
    json!({
        "time": e.time.map(|t| t.to_rfc3339()),
        "event": e.event_name,
        "source": e.event_source,
        "ip": e.source_ip,
        "success": e.success,
        "error": e.error,
        "mfa_used": e.mfa_used,
        "access_key_id": e.access_key_id,
    })
}

/// The root findings.
#[must_use]
pub fn root_findings(root: &RootFacts) -> Vec<Finding> {
    let mut out = Vec::new();
    let arn = root.arn.as_str();
    let mut events: Vec<&RootEvent> = root.events.iter().collect();
    events.sort_by(|a, b| {
        a.time
            .cmp(&b.time)
            .then_with(|| a.event_name.cmp(&b.event_name))
    });
    if !events.is_empty() {
        let logins: Vec<&&RootEvent> = events.iter().filter(|e| e.is_console_login()).collect();
        let api: Vec<&&RootEvent> = events.iter().filter(|e| !e.is_console_login()).collect();
        let mut ips: BTreeMap<&str, usize> = BTreeMap::new();
        for e in &events {
            *ips.entry(e.source_ip.as_deref().unwrap_or("unknown"))
                .or_default() += 1;
        }
        let keys_created = api
            .iter()
            .filter(|e| e.event_name == "CreateAccessKey" && e.success)
            .count();
        let key_used = api.iter().any(|e| e.access_key_id.is_some());
        let first = events.first().and_then(|e| e.time).map(|t| t.to_rfc3339());
        let last = events.last().and_then(|e| e.time).map(|t| t.to_rfc3339());
        out.push(Finding::new(
            FindingKind::RootActivity,
            if keys_created > 0 || key_used { Severity::Critical } else { Severity::High },
            arn,
            "",
            format!(
                "root user active: {} console sign-ins ({} failed), {} API calls from {} IP addresses",
                logins.len(),
                logins.iter().filter(|e| !e.success).count(),
                api.len(),
                ips.len()
            ),
            json!({
                "events": events.len(),
                "console_logins": logins.len(),
                "failed_console_logins": logins.iter().filter(|e| !e.success).count(),
                "api_calls": api.len(),
                "access_keys_created": keys_created,
                "first": first,
                "last": last,
                "ips": ips,
                "timeline": events.iter().map(|e| timeline_entry(e)).collect::<Vec<_>>(),
            }),
            format!(
                "The root user can do anything, including closing the account, and AWS recommends using it only for the \
                 few tasks that need it. CloudTrail shows it in use from {} to {}.",
                first.as_deref().unwrap_or("?"),
                last.as_deref().unwrap_or("?")
            ),
            "Check every root event in the timeline was you; if not, treat the root credentials as compromised (reset \
             the password, remove root access keys, enable MFA, review what was created)."
                .to_owned(),
        ));
        let no_mfa: Vec<&&&RootEvent> = logins
            .iter()
            .filter(|e| e.success && e.mfa_used == Some(false))
            .collect();
        if !no_mfa.is_empty() {
            out.push(Finding::new(
                FindingKind::RootConsoleLoginWithoutMfa,
                Severity::High,
                arn,
                "",
                format!("root signed in to the console without MFA {} times", no_mfa.len()),
                json!({
                    "count": no_mfa.len(),
                    "logins": no_mfa.iter().map(|e| timeline_entry(e)).collect::<Vec<_>>(),
                }),
                "Root console sign-ins succeeded with a password alone: anyone who has the password has the account."
                    .to_owned(),
                "Enable MFA on the root user (a hardware key or passkey), and store the credentials for emergencies only."
                    .to_owned(),
            ));
        }
    }
    if let Some(c) = &root.credentials {
        let active: Vec<_> = c.access_keys.iter().filter(|k| k.active).collect();
        if !active.is_empty() {
            out.push(Finding::new(
                FindingKind::RootAccessKeys,
                Severity::Critical,
                arn,
                "",
                format!("root has {} active access keys", active.len()),
                json!({"keys": active}),
                "A root access key is a long-lived credential for an identity no policy can restrict.".to_owned(),
                "Delete the root access keys; use roles for automation.".to_owned(),
            ));
        }
        if !c.mfa_active {
            out.push(Finding::new(
                FindingKind::RootMfaOff,
                Severity::Critical,
                arn,
                "",
                "root has no MFA device".to_owned(),
                json!({"mfa_active": false, "password_last_used": c.password_last_used.map(|t| t.to_rfc3339())}),
                "The credential report says the root user has no MFA device.".to_owned(),
                "Enable MFA on the root user.".to_owned(),
            ));
        }
    }
    out
}

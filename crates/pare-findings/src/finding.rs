//! The finding record every rule produces: stable id, kind, severity, principal, title, evidence,
//! explanation, recommendation.

use serde::Serialize;
use sha2::{Digest, Sha256};

/// How bad a finding is. The rule of each kind is documented on [`FindingKind`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing, no action needed.
    Info,
    /// Clean up when convenient.
    Low,
    /// Fix in the next review.
    Medium,
    /// Fix soon: a realistic path to harm.
    High,
    /// Fix now: the account can be taken over.
    Critical,
}

impl Severity {
    /// The lowercase name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// The kinds of finding, with their severity rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingKind {
    /// No activity in the window from any source (CloudTrail, RoleLastUsed, credential report).
    /// High when the identity is admin-equivalent, medium when it holds privilege-escalation or
    /// credentials-exposure actions, low otherwise.
    UnusedIdentity,
    /// An active access key not used for more than N days. Medium.
    AccessKeyUnused,
    /// An active access key never used, older than N days. Medium.
    AccessKeyNeverUsed,
    /// An active access key not rotated for more than 90 days. Medium; high past 365 days.
    AccessKeyNotRotated,
    /// Two active access keys on one user. Low.
    TwoActiveAccessKeys,
    /// A console password not used for more than N days (or never, and older than N days). Medium.
    PasswordUnused,
    /// A console password without an MFA device. High.
    ConsoleWithoutMfa,
    /// Granted actions not used in the observation window, per service (one finding per principal). Medium
    /// when the unused actions include privilege escalation or credentials exposure, low otherwise.
    UnusedPermissions,
    /// Effective `*` on `*`, or able to grant itself anything in one step. High.
    AdminEquivalent,
    /// Privilege-escalation, credentials-exposure or resource-exposure actions allowed unconditionally on
    /// every resource (`*`). High when privilege escalation is among them, medium otherwise.
    SensitiveActionOnStar,
    /// A risk category the principal's policies grant, all policies combined. Privilege escalation: high when
    /// the path search found a way to admin, medium when some of its actions are allowed on `*`, low otherwise;
    /// credentials exposure: high on `*`, medium otherwise; resource exposure and data exfiltration: medium on
    /// `*`, low otherwise; infrastructure modification: low.
    RiskCategory,
    /// A multi-hop path to admin. Critical when no step depends on an undecided condition, high otherwise.
    PrivilegeEscalationPath,
    /// A role any AWS principal (`*`) can assume. Critical without conditions, high with.
    TrustAnyPrincipal,
    /// A role an account outside the known list can assume. High.
    TrustUnknownAccount,
    /// A role an OIDC provider's tokens can assume without a `sub` condition. Critical for GitHub Actions
    /// (any repository on GitHub), high for other providers.
    OidcTrustWithoutSub,
    /// A role an AWS service can assume without `aws:SourceAccount`/`aws:SourceArn` (confused deputy). Low.
    ServiceTrustWithoutSource,
    /// Root user activity in CloudTrail. High; critical when a root access key was created or used.
    RootActivity,
    /// Root access keys exist. Critical.
    RootAccessKeys,
    /// Root has no MFA device. Critical.
    RootMfaOff,
    /// Root signed in to the console without MFA. High.
    RootConsoleLoginWithoutMfa,
}

impl FindingKind {
    /// The kebab-case name used in JSON.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::UnusedIdentity => "unused-identity",
            FindingKind::AccessKeyUnused => "access-key-unused",
            FindingKind::AccessKeyNeverUsed => "access-key-never-used",
            FindingKind::AccessKeyNotRotated => "access-key-not-rotated",
            FindingKind::TwoActiveAccessKeys => "two-active-access-keys",
            FindingKind::PasswordUnused => "password-unused",
            FindingKind::ConsoleWithoutMfa => "console-without-mfa",
            FindingKind::UnusedPermissions => "unused-permissions",
            FindingKind::AdminEquivalent => "admin-equivalent",
            FindingKind::SensitiveActionOnStar => "sensitive-action-on-star",
            FindingKind::RiskCategory => "risk-category",
            FindingKind::PrivilegeEscalationPath => "privilege-escalation-path",
            FindingKind::TrustAnyPrincipal => "trust-any-principal",
            FindingKind::TrustUnknownAccount => "trust-unknown-account",
            FindingKind::OidcTrustWithoutSub => "oidc-trust-without-sub",
            FindingKind::ServiceTrustWithoutSource => "service-trust-without-source",
            FindingKind::RootActivity => "root-activity",
            FindingKind::RootAccessKeys => "root-access-keys",
            FindingKind::RootMfaOff => "root-mfa-off",
            FindingKind::RootConsoleLoginWithoutMfa => "root-console-login-without-mfa",
        }
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// Stable fingerprint: the same kind, principal and subject give the same id in every run.
    pub id: String,
    /// What kind of finding.
    pub kind: FindingKind,
    /// How bad.
    pub severity: Severity,
    /// The principal's ARN (root: `arn:aws:iam::<account>:root`).
    pub principal: String,
    /// One line.
    pub title: String,
    /// The facts the finding rests on.
    pub evidence: serde_json::Value,
    /// Why it matters, in plain words.
    pub explanation: String,
    /// What to do.
    pub recommendation: String,
}

impl Finding {
    /// A finding whose id is the fingerprint of `kind`, `principal` and `subject` (what within the principal
    /// it is about: a key number, a service, a category; empty when the kind occurs once per principal).
    #[must_use]
    #[allow(
        clippy::too_many_arguments,
        reason = "every field of a finding is an argument"
    )]
    pub fn new(
        kind: FindingKind,
        severity: Severity,
        principal: &str,
        subject: &str,
        title: String,
        evidence: serde_json::Value,
        explanation: String,
        recommendation: String,
    ) -> Finding {
        Finding {
            id: fingerprint(kind, principal, subject),
            kind,
            severity,
            principal: principal.to_owned(),
            title,
            evidence,
            explanation,
            recommendation,
        }
    }
}

/// `<kind>-<first 16 hex digits of SHA-256(kind, principal, subject)>`.
#[must_use]
pub fn fingerprint(kind: FindingKind, principal: &str, subject: &str) -> String {
    let mut h = Sha256::new();
    h.update(kind.as_str().as_bytes());
    h.update([0x1f]);
    h.update(principal.as_bytes());
    h.update([0x1f]);
    h.update(subject.as_bytes());
    let digest = h.finalize();
    let name = kind.as_str();
    let mut id = String::with_capacity(name.len() + 17);
    id.push_str(name);
    id.push('-');
    for b in digest.iter().take(8) {
        for nibble in [b >> 4, b & 0xf] {
            id.push(char::from_digit(u32::from(nibble), 16).unwrap_or('0'));
        }
    }
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_stable_and_distinct() {
        let a = fingerprint(FindingKind::RootMfaOff, "arn:aws:iam::1:root", "");
        assert_eq!(
            a,
            fingerprint(FindingKind::RootMfaOff, "arn:aws:iam::1:root", "")
        );
        assert_ne!(
            a,
            fingerprint(FindingKind::RootMfaOff, "arn:aws:iam::2:root", "")
        );
        assert_ne!(
            a,
            fingerprint(FindingKind::RootAccessKeys, "arn:aws:iam::1:root", "")
        );
        assert!(a.starts_with("root-mfa-off-"));
        assert_eq!(a.len(), "root-mfa-off-".len() + 16);
    }
}

//! Who is making a request, and how a `Principal`/`NotPrincipal` element names it.

use crate::arn::Arn;
use crate::document::{PrincipalKind, PrincipalSet};

/// The caller of a request, derived from its ARN or service name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Caller {
    User {
        arn: String,
        partition: String,
        account: String,
        name: String,
    },
    /// An assumed-role session (`arn:aws:sts::ACCT:assumed-role/ROLE/SESSION`), or a role given by its ARN
    /// (then `session_arn` is `None`).
    RoleSession {
        session_arn: Option<String>,
        role_arn: String,
        partition: String,
        account: String,
        role_name: String,
    },
    FederatedUser {
        arn: String,
        partition: String,
        account: String,
    },
    Root {
        arn: String,
        partition: String,
        account: String,
    },
    /// An AWS service principal such as `ec2.amazonaws.com`.
    Service(String),
    /// A web-identity or SAML provider (`cognito-identity.amazonaws.com`, `arn:aws:iam::1:saml-provider/x`).
    Federated(String),
    Anonymous,
}

/// How a principal element matched the caller; decides which implicit denies a resource policy overrides.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PrincipalMatch {
    /// Named the caller's account (`123456789012` or `arn:aws:iam::123456789012:root`): access is delegated to
    /// the account's identity-based policies.
    Account,
    /// Named the role the session belongs to, or the IAM user behind a federated session.
    Role,
    /// Named the caller itself (user, role session, federated session, service) or everyone (`*`).
    Direct,
}

impl Caller {
    /// Derives the caller from the simulate input's `principal` string.
    pub fn parse(principal: &str) -> Caller {
        let p = principal.trim();
        if p.is_empty() || p.eq_ignore_ascii_case("anonymous") || p == "*" {
            return Caller::Anonymous;
        }
        if let Some(arn) = Arn::parse(p) {
            let partition = arn.partition.to_owned();
            let account = arn.account.to_owned();
            match (arn.service, arn.resource) {
                ("iam", "root") => {
                    return Caller::Root {
                        arn: p.to_owned(),
                        partition,
                        account,
                    };
                }
                ("iam", r) if r.starts_with("user/") => {
                    let name = r.rsplit('/').next().unwrap_or(r).to_owned();
                    return Caller::User {
                        arn: p.to_owned(),
                        partition,
                        account,
                        name,
                    };
                }
                ("iam", r) if r.starts_with("role/") => {
                    let role_name = r.rsplit('/').next().unwrap_or(r).to_owned();
                    return Caller::RoleSession {
                        session_arn: None,
                        role_arn: p.to_owned(),
                        partition,
                        account,
                        role_name,
                    };
                }
                ("sts", r) if r.starts_with("assumed-role/") => {
                    let mut parts = r.splitn(3, '/').skip(1);
                    let role_name = parts.next().unwrap_or("").to_owned();
                    let role_arn = format!("arn:{partition}:iam::{account}:role/{role_name}");
                    return Caller::RoleSession {
                        session_arn: Some(p.to_owned()),
                        role_arn,
                        partition,
                        account,
                        role_name,
                    };
                }
                ("sts", r) if r.starts_with("federated-user/") => {
                    return Caller::FederatedUser {
                        arn: p.to_owned(),
                        partition,
                        account,
                    };
                }
                ("iam", r)
                    if r.starts_with("saml-provider/") || r.starts_with("oidc-provider/") =>
                {
                    return Caller::Federated(p.to_owned());
                }
                _ => {}
            }
        }
        if p.ends_with(".amazonaws.com") || p.ends_with(".amazonaws.com.cn") {
            if p.starts_with("cognito-identity.") {
                return Caller::Federated(p.to_owned());
            }
            return Caller::Service(p.to_owned());
        }
        Caller::Federated(p.to_owned())
    }

    /// The caller's account, when it has one.
    pub fn account(&self) -> Option<&str> {
        match self {
            Caller::User { account, .. }
            | Caller::RoleSession { account, .. }
            | Caller::FederatedUser { account, .. }
            | Caller::Root { account, .. } => Some(account),
            _ => None,
        }
    }

    pub fn partition(&self) -> &str {
        match self {
            Caller::User { partition, .. }
            | Caller::RoleSession { partition, .. }
            | Caller::FederatedUser { partition, .. }
            | Caller::Root { partition, .. } => partition,
            _ => "aws",
        }
    }

    /// The value of `aws:PrincipalArn` (a role session reports its role's ARN).
    pub fn principal_arn(&self) -> Option<&str> {
        match self {
            Caller::User { arn, .. }
            | Caller::FederatedUser { arn, .. }
            | Caller::Root { arn, .. } => Some(arn),
            Caller::RoleSession { role_arn, .. } => Some(role_arn),
            _ => None,
        }
    }

    /// The value of `aws:PrincipalType`.
    pub fn principal_type(&self) -> &'static str {
        match self {
            Caller::User { .. } => "User",
            Caller::RoleSession { .. } => "AssumedRole",
            Caller::FederatedUser { .. } => "FederatedUser",
            Caller::Root { .. } => "Account",
            Caller::Service(_) => "Service",
            Caller::Federated(_) => "WebIdentityUser",
            Caller::Anonymous => "Anonymous",
        }
    }

    fn root_arn(&self) -> Option<String> {
        self.account()
            .map(|a| format!("arn:{}:iam::{a}:root", self.partition()))
    }

    /// How an `AWS` principal value names this caller, if at all.
    fn match_aws_value(&self, value: &str) -> Option<PrincipalMatch> {
        if value == "*" {
            return Some(PrincipalMatch::Direct);
        }
        if let Some(account) = self.account() {
            let as_root;
            let value = if value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit()) {
                as_root = format!("arn:{}:iam::{value}:root", self.partition());
                as_root.as_str()
            } else {
                value
            };
            if Some(value) == self.root_arn().as_deref() {
                // The root user is the account itself.
                return Some(if matches!(self, Caller::Root { .. }) {
                    PrincipalMatch::Direct
                } else {
                    PrincipalMatch::Account
                });
            }
            match self {
                Caller::User { arn, .. } | Caller::FederatedUser { arn, .. } if arn == value => {
                    return Some(PrincipalMatch::Direct);
                }
                Caller::RoleSession {
                    session_arn,
                    role_name,
                    ..
                } => {
                    if session_arn.as_deref() == Some(value) {
                        return Some(PrincipalMatch::Direct);
                    }
                    // A role ARN names the role whatever its path: role names are unique in an account.
                    if let Some(arn) = Arn::parse(value)
                        && arn.service == "iam"
                        && arn.account == account
                        && arn.resource.starts_with("role/")
                        && arn.resource.rsplit('/').next() == Some(role_name.as_str())
                    {
                        // Requests are made by sessions; naming the role is never naming the session.
                        return Some(PrincipalMatch::Role);
                    }
                }
                _ => {}
            }
        }
        None
    }

    /// How a `Principal` element's set names this caller (the strongest match), if at all.
    pub fn match_set(&self, set: &PrincipalSet) -> Option<PrincipalMatch> {
        match set {
            PrincipalSet::Any => Some(PrincipalMatch::Direct),
            PrincipalSet::Named(entries) => {
                let mut best = None;
                for (kind, values) in entries {
                    for v in values {
                        let m = match kind {
                            PrincipalKind::Aws => self.match_aws_value(v),
                            PrincipalKind::Service => match self {
                                Caller::Service(s) if s.eq_ignore_ascii_case(v) => {
                                    Some(PrincipalMatch::Direct)
                                }
                                _ => None,
                            },
                            PrincipalKind::Federated => match self {
                                Caller::Federated(s) if s.eq_ignore_ascii_case(v) => {
                                    Some(PrincipalMatch::Direct)
                                }
                                _ => None,
                            },
                            PrincipalKind::CanonicalUser => None,
                        };
                        best = best.max(m);
                    }
                }
                best
            }
        }
    }

    /// The identities AWS may check a `NotPrincipal` list against: the caller, its role, and its account.
    fn identity_chain(&self) -> Vec<String> {
        let mut chain = Vec::new();
        match self {
            Caller::User { arn, .. }
            | Caller::FederatedUser { arn, .. }
            | Caller::Root { arn, .. } => chain.push(arn.clone()),
            Caller::RoleSession {
                session_arn,
                role_arn,
                ..
            } => {
                if let Some(s) = session_arn {
                    chain.push(s.clone());
                }
                chain.push(role_arn.clone());
            }
            Caller::Service(s) | Caller::Federated(s) => chain.push(s.clone()),
            Caller::Anonymous => {}
        }
        if let Some(root) = self.root_arn()
            && !chain.contains(&root)
        {
            chain.push(root);
        }
        chain
    }

    /// Whether a `NotPrincipal` element excludes this caller from its statement. AWS may check the account,
    /// the role and the session in turn, so a `Deny` spares the caller only when every identity in its chain
    /// is listed; an `Allow` (never recommended) leaves the caller out as soon as any of them is listed.
    pub fn excluded_by_not_principal(&self, set: &PrincipalSet, deny: bool) -> bool {
        let PrincipalSet::Named(entries) = set else {
            return true;
        };
        let partition = self.partition().to_owned();
        let listed = |id: &str| -> bool {
            entries.iter().any(|(kind, values)| {
                values.iter().any(|v| match kind {
                    PrincipalKind::Aws => {
                        v == id
                            || (v.len() == 12
                                && v.bytes().all(|b| b.is_ascii_digit())
                                && format!("arn:{partition}:iam::{v}:root") == id)
                    }
                    PrincipalKind::Service | PrincipalKind::Federated => v.eq_ignore_ascii_case(id),
                    PrincipalKind::CanonicalUser => false,
                })
            })
        };
        let chain = self.identity_chain();
        if chain.is_empty() {
            return false;
        }
        if deny {
            chain.iter().all(|id| listed(id))
        } else {
            chain.iter().any(|id| listed(id))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aws(values: &[&str]) -> PrincipalSet {
        PrincipalSet::Named(vec![(
            PrincipalKind::Aws,
            values.iter().map(|s| s.to_string()).collect(),
        )])
    }

    #[test]
    fn session_matches_its_role_and_account() {
        let c = Caller::parse("arn:aws:sts::111122223333:assumed-role/Admin/alice");
        assert_eq!(
            c.match_set(&aws(&["arn:aws:iam::111122223333:role/ops/Admin"])),
            Some(PrincipalMatch::Role)
        );
        assert_eq!(
            c.match_set(&aws(&["111122223333"])),
            Some(PrincipalMatch::Account)
        );
        assert_eq!(
            c.match_set(&aws(&[
                "arn:aws:sts::111122223333:assumed-role/Admin/alice"
            ])),
            Some(PrincipalMatch::Direct)
        );
        assert_eq!(c.match_set(&aws(&["arn:aws:iam::444455556666:root"])), None);
    }

    #[test]
    fn not_principal_deny_needs_the_whole_chain() {
        let bob = Caller::parse("arn:aws:iam::444455556666:user/Bob");
        let only_bob = aws(&["arn:aws:iam::444455556666:user/Bob"]);
        let bob_and_account = aws(&[
            "arn:aws:iam::444455556666:user/Bob",
            "arn:aws:iam::444455556666:root",
        ]);
        assert!(!bob.excluded_by_not_principal(&only_bob, true));
        assert!(bob.excluded_by_not_principal(&bob_and_account, true));
    }
}

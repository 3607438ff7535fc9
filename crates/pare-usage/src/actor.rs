//! Who made a call: the principal behind a record's `userIdentity`.
//!
//! A role session is attributed to its role (the ARN in `sessionIssuer`),
//! because that is where the permissions live; the session name is kept, and
//! for IAM Identity Center roles (`AWSReservedSSO_*`) so is the person behind
//! it. Every actor has a stable [`Actor::principal_key`]: its ARN where it has
//! one.

use crate::record::UserIdentity;

/// The prefix of the roles IAM Identity Center creates for permission sets.
pub const SSO_ROLE_PREFIX: &str = "AWSReservedSSO_";

/// The principal behind a CloudTrail record.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Actor {
    /// An IAM user (long-term or its own session credentials).
    IamUser {
        /// `arn:aws:iam::111122223333:user/path/name`.
        arn: String,
        /// The user's account.
        account_id: Option<String>,
        /// The user name.
        user_name: Option<String>,
    },
    /// A role session (`AssumedRole`), attributed to the role.
    RoleSession {
        /// `arn:aws:iam::111122223333:role/path/name` (from `sessionIssuer`, or
        /// derived from the `assumed-role` ARN without its path).
        role_arn: String,
        /// The role's account.
        account_id: Option<String>,
        /// The session name (`RoleSessionName`), from the session ARN or the
        /// principal id suffix.
        session_name: Option<String>,
        /// For IAM Identity Center roles: the person signed in (the session name).
        sso_user: Option<String>,
        /// The web identity provider, for `AssumeRoleWithWebIdentity` sessions.
        web_identity_provider: Option<String>,
        /// `sourceIdentity`, when set.
        source_identity: Option<String>,
        /// The session ARN (`arn:aws:sts::…:assumed-role/name/session`).
        session_arn: Option<String>,
    },
    /// The account's root user.
    Root {
        /// The account.
        account_id: Option<String>,
        /// `arn:aws:iam::111122223333:root`.
        arn: String,
    },
    /// A federated user from `sts:GetFederationToken`.
    FederatedUser {
        /// `arn:aws:sts::111122223333:federated-user/name`.
        arn: String,
        /// The account.
        account_id: Option<String>,
        /// The IAM user (or root) that requested the federation token.
        issuer_arn: Option<String>,
    },
    /// An AWS service calling with its own service principal.
    AwsService {
        /// `invokedBy`, e.g. `"lambda.amazonaws.com"`.
        invoked_by: Option<String>,
    },
    /// A principal in another account (`AWSAccount`): only its account id is known.
    AwsAccount {
        /// The calling account.
        account_id: Option<String>,
        /// The caller's principal id (e.g. `AROA…:session`), when given.
        principal_id: Option<String>,
    },
    /// An anonymous caller (unauthenticated S3 access).
    Anonymous,
    /// A caller authenticated by a web identity provider, before it has a role session.
    WebIdentityUser {
        /// `identityProvider`.
        provider: Option<String>,
        /// `principalId` or `userName`.
        user: Option<String>,
    },
    /// A caller authenticated by SAML, before it has a role session.
    SamlUser {
        /// `identityProvider`.
        provider: Option<String>,
        /// `userName` or `principalId`.
        user: Option<String>,
    },
    /// An IAM Identity Center user acting directly (`IdentityCenterUser`).
    IdentityCenterUser {
        /// The identity-store user id.
        user_id: Option<String>,
        /// The identity store.
        identity_store_arn: Option<String>,
    },
    /// `type: Unknown` or a type this crate does not know.
    Unknown {
        /// The `type` given, if any.
        identity_type: Option<String>,
        /// `principalId`.
        principal_id: Option<String>,
        /// `userName`.
        user_name: Option<String>,
        /// `accountId`.
        account_id: Option<String>,
    },
    /// The record has no `userIdentity`, or an empty one (CloudTrail Insights, trimmed records).
    Missing,
}

/// The kind of an [`Actor`], for counting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ActorKind {
    /// [`Actor::IamUser`].
    IamUser,
    /// [`Actor::RoleSession`].
    RoleSession,
    /// [`Actor::Root`].
    Root,
    /// [`Actor::FederatedUser`].
    FederatedUser,
    /// [`Actor::AwsService`].
    AwsService,
    /// [`Actor::AwsAccount`].
    AwsAccount,
    /// [`Actor::Anonymous`].
    Anonymous,
    /// [`Actor::WebIdentityUser`].
    WebIdentityUser,
    /// [`Actor::SamlUser`].
    SamlUser,
    /// [`Actor::IdentityCenterUser`].
    IdentityCenterUser,
    /// [`Actor::Unknown`].
    Unknown,
    /// [`Actor::Missing`].
    Missing,
}

impl Actor {
    /// The kind of actor.
    #[must_use]
    pub fn kind(&self) -> ActorKind {
        match self {
            Actor::IamUser { .. } => ActorKind::IamUser,
            Actor::RoleSession { .. } => ActorKind::RoleSession,
            Actor::Root { .. } => ActorKind::Root,
            Actor::FederatedUser { .. } => ActorKind::FederatedUser,
            Actor::AwsService { .. } => ActorKind::AwsService,
            Actor::AwsAccount { .. } => ActorKind::AwsAccount,
            Actor::Anonymous => ActorKind::Anonymous,
            Actor::WebIdentityUser { .. } => ActorKind::WebIdentityUser,
            Actor::SamlUser { .. } => ActorKind::SamlUser,
            Actor::IdentityCenterUser { .. } => ActorKind::IdentityCenterUser,
            Actor::Unknown { .. } => ActorKind::Unknown,
            Actor::Missing => ActorKind::Missing,
        }
    }

    /// A stable key for grouping usage by principal: the IAM ARN where there
    /// is one (user, role, root, federated user), otherwise a prefixed name:
    /// `service:lambda.amazonaws.com`, `account:111122223333`, `anonymous`,
    /// `web-identity:<provider>:<user>`, `saml:<provider>:<user>`,
    /// `identity-center:<user id>`, `unknown:<principal id>`, `none`.
    #[must_use]
    pub fn principal_key(&self) -> String {
        fn or_q(s: Option<&String>) -> &str {
            s.map_or("?", String::as_str)
        }
        match self {
            Actor::IamUser { arn, .. }
            | Actor::RoleSession { role_arn: arn, .. }
            | Actor::Root { arn, .. }
            | Actor::FederatedUser { arn, .. } => arn.clone(),
            Actor::AwsService { invoked_by } => format!("service:{}", or_q(invoked_by.as_ref())),
            Actor::AwsAccount { account_id, .. } => {
                format!("account:{}", or_q(account_id.as_ref()))
            }
            Actor::Anonymous => "anonymous".to_owned(),
            Actor::WebIdentityUser { provider, user } => format!(
                "web-identity:{}:{}",
                or_q(provider.as_ref()),
                or_q(user.as_ref())
            ),
            Actor::SamlUser { provider, user } => {
                format!("saml:{}:{}", or_q(provider.as_ref()), or_q(user.as_ref()))
            }
            Actor::IdentityCenterUser { user_id, .. } => {
                format!("identity-center:{}", or_q(user_id.as_ref()))
            }
            Actor::Unknown {
                principal_id,
                user_name,
                ..
            } => format!(
                "unknown:{}",
                or_q(principal_id.as_ref().or(user_name.as_ref()))
            ),
            Actor::Missing => "none".to_owned(),
        }
    }

    /// The account the actor belongs to, when known.
    #[must_use]
    pub fn account_id(&self) -> Option<&str> {
        match self {
            Actor::IamUser { account_id, .. }
            | Actor::RoleSession { account_id, .. }
            | Actor::Root { account_id, .. }
            | Actor::FederatedUser { account_id, .. }
            | Actor::AwsAccount { account_id, .. }
            | Actor::Unknown { account_id, .. } => account_id.as_deref(),
            _ => None,
        }
    }
}

fn own(s: Option<&std::borrow::Cow<'_, str>>) -> Option<String> {
    s.map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// The partition of an ARN (`aws`, `aws-cn`, `aws-us-gov`), default `aws`.
fn partition(arn: Option<&str>) -> &str {
    arn.and_then(|a| a.strip_prefix("arn:"))
        .and_then(|rest| rest.split(':').next())
        .filter(|p| !p.is_empty())
        .unwrap_or("aws")
}

/// The account field of an ARN.
fn arn_account(arn: &str) -> Option<&str> {
    arn.split(':').nth(4).filter(|a| !a.is_empty())
}

/// Who did it.
#[must_use]
pub fn resolve_actor(identity: &UserIdentity<'_>) -> Actor {
    let arn = own(identity.arn.as_ref());
    let account_id = own(identity.account_id.as_ref())
        .or_else(|| arn.as_deref().and_then(arn_account).map(str::to_owned));
    let principal_id = own(identity.principal_id.as_ref());
    let user_name = own(identity.user_name.as_ref());
    let issuer = identity
        .session_context
        .as_ref()
        .and_then(|c| c.session_issuer.as_ref());
    let kind = identity.identity_type.as_deref().unwrap_or_default();
    let empty = kind.is_empty()
        && arn.is_none()
        && account_id.is_none()
        && principal_id.is_none()
        && user_name.is_none()
        && identity.invoked_by.is_none()
        && identity.session_context.is_none();
    if empty {
        return Actor::Missing;
    }
    match kind {
        "IAMUser" => {
            let arn = arn.unwrap_or_else(|| {
                format!(
                    "arn:aws:iam::{}:user/{}",
                    account_id.as_deref().unwrap_or("?"),
                    user_name.as_deref().unwrap_or("?")
                )
            });
            Actor::IamUser {
                arn,
                account_id,
                user_name,
            }
        }
        "AssumedRole" => resolve_role_session(identity, arn, account_id, principal_id),
        "Root" => {
            let arn = arn.unwrap_or_else(|| {
                format!("arn:aws:iam::{}:root", account_id.as_deref().unwrap_or("?"))
            });
            Actor::Root { account_id, arn }
        }
        "FederatedUser" => {
            let arn = arn.unwrap_or_else(|| {
                let name = principal_id
                    .as_deref()
                    .and_then(|p| p.split_once(':').map(|(_, n)| n))
                    .unwrap_or("?");
                format!(
                    "arn:aws:sts::{}:federated-user/{name}",
                    account_id.as_deref().unwrap_or("?")
                )
            });
            Actor::FederatedUser {
                arn,
                account_id,
                issuer_arn: issuer.and_then(|i| own(i.arn.as_ref())),
            }
        }
        "AWSService" => Actor::AwsService {
            invoked_by: own(identity.invoked_by.as_ref()),
        },
        "AWSAccount" => {
            if account_id.as_deref() == Some("anonymous")
                || principal_id.as_deref() == Some("ANONYMOUS_PRINCIPAL")
            {
                Actor::Anonymous
            } else {
                Actor::AwsAccount {
                    account_id,
                    principal_id,
                }
            }
        }
        "WebIdentityUser" => Actor::WebIdentityUser {
            provider: own(identity.identity_provider.as_ref()),
            user: user_name.or(principal_id),
        },
        "SAMLUser" => Actor::SamlUser {
            provider: own(identity.identity_provider.as_ref()),
            user: user_name.or(principal_id),
        },
        "IdentityCenterUser" => Actor::IdentityCenterUser {
            user_id: identity
                .on_behalf_of
                .as_ref()
                .and_then(|o| own(o.user_id.as_ref()))
                .or(principal_id),
            identity_store_arn: identity
                .on_behalf_of
                .as_ref()
                .and_then(|o| own(o.identity_store_arn.as_ref())),
        },
        _ if principal_id.as_deref() == Some("ANONYMOUS_PRINCIPAL") => Actor::Anonymous,
        // AWS's own service events: `{"accountId", "invokedBy": "AWS Internal"}`.
        "" if identity.invoked_by.is_some() && arn.is_none() && principal_id.is_none() => {
            Actor::AwsService {
                invoked_by: own(identity.invoked_by.as_ref()),
            }
        }
        _ => Actor::Unknown {
            identity_type: own(identity.identity_type.as_ref()),
            principal_id,
            user_name,
            account_id,
        },
    }
}

fn resolve_role_session(
    identity: &UserIdentity<'_>,
    session_arn: Option<String>,
    account_id: Option<String>,
    principal_id: Option<String>,
) -> Actor {
    let context = identity.session_context.as_ref();
    let issuer = context.and_then(|c| c.session_issuer.as_ref());
    // `arn:aws:sts::111122223333:assumed-role/RoleName/SessionName`
    let (arn_role, arn_session) = session_arn
        .as_deref()
        .and_then(|a| a.split_once(":assumed-role/"))
        .map_or((None, None), |(_, rest)| match rest.split_once('/') {
            Some((role, session)) => (Some(role), Some(session)),
            None => (Some(rest), None),
        });
    let session_name = arn_session
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .or_else(|| {
            principal_id
                .as_deref()
                .and_then(|p| p.split_once(':'))
                .map(|(_, s)| s.to_owned())
                .filter(|s| !s.is_empty())
        });
    let issuer_arn = issuer.and_then(|i| own(i.arn.as_ref()));
    let role_arn = issuer_arn.unwrap_or_else(|| {
        let account = account_id
            .as_deref()
            .or_else(|| session_arn.as_deref().and_then(arn_account))
            .unwrap_or("?");
        let role = issuer
            .and_then(|i| i.user_name.as_deref())
            .or(arn_role)
            .unwrap_or("?");
        format!(
            "arn:{}:iam::{account}:role/{role}",
            partition(session_arn.as_deref())
        )
    });
    let role_name = role_arn.rsplit('/').next().unwrap_or_default();
    let sso_user = if role_name.starts_with(SSO_ROLE_PREFIX) {
        session_name.clone()
    } else {
        None
    };
    let account_id = issuer
        .and_then(|i| own(i.account_id.as_ref()))
        .or(account_id)
        .or_else(|| arn_account(&role_arn).map(str::to_owned));
    Actor::RoleSession {
        role_arn,
        account_id,
        session_name,
        sso_user,
        web_identity_provider: context
            .and_then(|c| c.web_id_federation_data.as_ref())
            .and_then(|w| own(w.federated_provider.as_ref())),
        source_identity: context.and_then(|c| own(c.source_identity.as_ref())),
        session_arn,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::CloudTrailRecord;

    fn actor(json: &str) -> Actor {
        let text = format!(r#"{{"userIdentity": {json}}}"#);
        let r = CloudTrailRecord::from_json(&text).unwrap();
        resolve_actor(r.user_identity.as_ref().unwrap())
    }

    #[test]
    fn sso_role_keeps_the_person() {
        let a = actor(
            r#"{"type":"AssumedRole","principalId":"AROAEXAMPLE:jane@example.com",
            "arn":"arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/jane@example.com",
            "accountId":"111122223333",
            "sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLE",
              "arn":"arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Admin_0123456789abcdef",
              "accountId":"111122223333","userName":"AWSReservedSSO_Admin_0123456789abcdef"}}}"#,
        );
        let Actor::RoleSession {
            role_arn,
            sso_user,
            session_name,
            ..
        } = &a
        else {
            panic!("{a:?}")
        };
        assert_eq!(
            role_arn,
            "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Admin_0123456789abcdef"
        );
        assert_eq!(sso_user.as_deref(), Some("jane@example.com"));
        assert_eq!(session_name.as_deref(), Some("jane@example.com"));
        assert_eq!(a.principal_key(), *role_arn);
    }

    #[test]
    fn role_without_issuer_is_derived_from_the_session_arn() {
        let a = actor(
            r#"{"type":"AssumedRole","principalId":"AROAEXAMPLE:s1",
            "arn":"arn:aws-cn:sts::111122223333:assumed-role/deploy/s1"}"#,
        );
        assert_eq!(
            a.principal_key(),
            "arn:aws-cn:iam::111122223333:role/deploy"
        );
        assert_eq!(a.account_id(), Some("111122223333"));
    }

    #[test]
    fn other_kinds() {
        assert_eq!(
            actor(r#"{"type":"Root","accountId":"111122223333","principalId":"111122223333"}"#)
                .principal_key(),
            "arn:aws:iam::111122223333:root"
        );
        assert_eq!(
            actor(r#"{"type":"AWSService","invokedBy":"lambda.amazonaws.com"}"#).principal_key(),
            "service:lambda.amazonaws.com"
        );
        assert_eq!(
            actor(
                r#"{"type":"AWSAccount","accountId":"444455556666","principalId":"AIDAEXAMPLE"}"#
            )
            .principal_key(),
            "account:444455556666"
        );
        assert_eq!(
            actor(r#"{"type":"AWSAccount","accountId":"anonymous","principalId":""}"#),
            Actor::Anonymous
        );
        assert_eq!(
            actor(r#"{"type":"SAMLUser","principalId":"SampleUkh1i4+ExamplexL/jEvs=:SamlExample","userName":"SamlExample","identityProvider":"bdGOnTesti4+ExampleGd2l+5c="}"#)
                .principal_key(),
            "saml:bdGOnTesti4+ExampleGd2l+5c=:SamlExample"
        );
        assert_eq!(
            actor(r#"{"type":"WebIdentityUser","principalId":"accounts.google.com:app:user","userName":"user","identityProvider":"accounts.google.com"}"#)
                .principal_key(),
            "web-identity:accounts.google.com:user"
        );
        assert_eq!(
            actor(r#"{"type":"Unknown","principalId":"x","userName":"y"}"#).kind(),
            ActorKind::Unknown
        );
    }
}

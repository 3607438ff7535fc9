//! Trust-policy findings: roles assumable by anyone or by unknown accounts, OIDC trusts without a `sub`
//! condition, service trusts without `aws:SourceAccount`/`aws:SourceArn` (confused deputy).

use crate::facts::PrincipalFacts;
use crate::finding::{Finding, FindingKind, Severity};
use pare_policy::Effect;
use pare_policy::document::{PrincipalKind, PrincipalSet, Statement};
use serde_json::json;

const GITHUB_OIDC: &str = "token.actions.githubusercontent.com";
const SOURCE_KEYS: &[&str] = &[
    "aws:sourceaccount",
    "aws:sourcearn",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
];

/// The account id an AWS principal names (`arn:aws:iam::123456789012:…` or a bare id); `None` for `*`.
fn account_of(principal: &str) -> Option<&str> {
    if principal.len() == 12 && principal.bytes().all(|b| b.is_ascii_digit()) {
        return Some(principal);
    }
    let mut parts = principal.splitn(6, ':');
    let arn = parts.next()?;
    if arn != "arn" {
        return None;
    }
    let account = parts.nth(3)?;
    (!account.is_empty()).then_some(account)
}

fn assumes(st: &Statement) -> bool {
    !st.action.is_negated()
        && st.action.patterns().iter().any(|a| {
            let a = a.to_ascii_lowercase();
            a == "*" || a == "sts:*" || a.starts_with("sts:assumerole")
        })
}

fn has_condition_key(st: &Statement, pred: impl Fn(&str) -> bool) -> bool {
    st.conditions
        .iter()
        .any(|c| pred(&c.key.to_ascii_lowercase()))
}

fn conditions_json(st: &Statement) -> serde_json::Value {
    json!(
        st.conditions
            .iter()
            .map(
                |c| json!({"operator": c.operator.kind.as_str(), "key": c.key, "values": c.values})
            )
            .collect::<Vec<_>>()
    )
}

/// The trust findings of a role. `own_account` is the role's account; `known` says whether another account
/// is in the known list.
#[must_use]
pub fn trust_findings(
    p: &PrincipalFacts,
    own_account: &str,
    known: &dyn Fn(&str) -> bool,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let Some(doc) = &p.trust_policy else {
        return out;
    };
    if p.aws_managed {
        return out;
    }
    for st in &doc.statements {
        if st.effect != Effect::Allow || !assumes(st) {
            continue;
        }
        let Some(clause) = &st.principal else {
            continue;
        };
        let sid = st.sid.clone().unwrap_or_else(|| format!("#{}", st.index));
        let conditional = !st.conditions.is_empty();
        let any = |subject: &str, written: &str, out: &mut Vec<Finding>| {
            out.push(Finding::new(
                FindingKind::TrustAnyPrincipal,
                if conditional { Severity::High } else { Severity::Critical },
                &p.arn,
                subject,
                format!("role `{}` can be assumed by any AWS principal", p.name),
                json!({"statement": sid, "principal": written, "conditions": conditions_json(st)}),
                if conditional {
                    "The trust policy names every AWS principal (`*`); only its conditions keep other accounts out.".to_owned()
                } else {
                    "The trust policy names every AWS principal (`*`) without conditions: anyone with an AWS account can \
                     assume the role."
                        .to_owned()
                },
                "Name the accounts or roles that should assume the role instead of `*` (or add aws:PrincipalOrgID).".to_owned(),
            ));
        };
        if clause.negated {
            any(&sid, "NotPrincipal", &mut out);
            continue;
        }
        let named = match &clause.principals {
            PrincipalSet::Any => {
                any(&sid, "*", &mut out);
                continue;
            }
            PrincipalSet::Named(named) => named,
        };
        for (kind, values) in named {
            for v in values {
                match kind {
                    PrincipalKind::Aws if v == "*" => any(&format!("{sid}/*"), v, &mut out),
                    PrincipalKind::Aws => {
                        let Some(account) = account_of(v) else {
                            continue;
                        };
                        if account == own_account || known(account) {
                            continue;
                        }
                        out.push(Finding::new(
                            FindingKind::TrustUnknownAccount,
                            Severity::High,
                            &p.arn,
                            v,
                            format!("role `{}` can be assumed from unknown account {account}", p.name),
                            json!({"statement": sid, "principal": v, "account": account, "conditions": conditions_json(st)}),
                            format!(
                                "Account {account} is neither this account nor in the list of known accounts, and its \
                                 principals can assume `{}`.",
                                p.name
                            ),
                            format!("Confirm who owns account {account}; add it to the known accounts or remove it from the trust policy."),
                        ));
                    }
                    PrincipalKind::Federated => {
                        let Some((_, provider)) = v.split_once(":oidc-provider/") else {
                            continue;
                        };
                        let host = provider.to_ascii_lowercase();
                        let sub_key = format!("{host}:sub");
                        let has_sub = st.conditions.iter().any(|c| {
                            c.key.eq_ignore_ascii_case(&sub_key)
                                && c.values.iter().any(|val| !val.trim_matches('*').is_empty())
                        });
                        if has_sub {
                            continue;
                        }
                        let github = host.starts_with(GITHUB_OIDC);
                        out.push(Finding::new(
                            FindingKind::OidcTrustWithoutSub,
                            if github { Severity::Critical } else { Severity::High },
                            &p.arn,
                            v,
                            format!("role `{}` trusts OIDC provider {provider} without a `sub` condition", p.name),
                            json!({"statement": sid, "provider": v, "conditions": conditions_json(st)}),
                            if github {
                                "Any GitHub Actions workflow in any repository on GitHub can get a token for this audience \
                                 and assume the role: the `sub` condition is what limits it to your repositories."
                                    .to_owned()
                            } else {
                                format!("Every identity {provider} issues tokens to can assume the role; `sub` limits it to yours.")
                            },
                            format!("Add a `StringEquals` (or narrow `StringLike`) condition on `{sub_key}`, e.g. `repo:ORG/REPO:ref:refs/heads/main`."),
                        ));
                    }
                    PrincipalKind::Service => {
                        if has_condition_key(st, |k| SOURCE_KEYS.contains(&k)) {
                            continue;
                        }
                        out.push(Finding::new(
                            FindingKind::ServiceTrustWithoutSource,
                            Severity::Low,
                            &p.arn,
                            v,
                            format!("role `{}` trusts {v} without aws:SourceAccount or aws:SourceArn", p.name),
                            json!({"statement": sid, "service": v, "conditions": conditions_json(st)}),
                            format!(
                                "Without aws:SourceAccount or aws:SourceArn, {v} acting for another customer could be \
                                 tricked into using this role (the confused-deputy problem)."
                            ),
                            format!("Add `\"Condition\": {{\"StringEquals\": {{\"aws:SourceAccount\": \"{own_account}\"}}}}` (or aws:SourceArn) to the statement."),
                        ));
                    }
                    PrincipalKind::CanonicalUser => {}
                }
            }
        }
    }
    out
}

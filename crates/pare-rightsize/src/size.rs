//! IAM's policy size limits (characters, whitespace excluded) and splitting a suggestion that exceeds the
//! managed-policy limit into several managed policies.

use pare_policy::document::{ActionClause, PolicyVersion, ResourceClause};
use pare_policy::{PolicyDocument, Statement};
use serde_json::Value;

use crate::{PrincipalKind, SizeReport};

/// A customer managed policy document.
pub const MANAGED_LIMIT: usize = 6_144;
/// All inline policies of a user together.
pub const INLINE_USER_LIMIT: usize = 2_048;
/// All inline policies of a group together.
pub const INLINE_GROUP_LIMIT: usize = 5_120;
/// All inline policies of a role together.
pub const INLINE_ROLE_LIMIT: usize = 10_240;
/// Managed policies attached to one identity by default (the quota can be raised to 20).
const ATTACHED_QUOTA: usize = 10;

/// Characters of the policy as IAM counts them: its compact JSON without whitespace.
pub fn policy_chars(doc: &Value) -> usize {
    serde_json::to_string(doc)
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_whitespace())
        .count()
}

fn document(statements: Vec<Statement>) -> PolicyDocument {
    let statements = statements
        .into_iter()
        .enumerate()
        .map(|(i, st)| Statement { index: i, ..st })
        .collect();
    PolicyDocument {
        version: PolicyVersion::V2012_10_17,
        id: None,
        statements,
    }
}

fn chars_of(statements: &[Statement]) -> usize {
    policy_chars(&document(statements.to_vec()).to_json())
}

/// One document when the suggestion fits a managed policy; otherwise as few documents as first-fit packing
/// gives, statements too big for one document split by resources, then by actions.
pub(crate) fn split(
    statements: Vec<Statement>,
    kind: PrincipalKind,
) -> (Vec<PolicyDocument>, SizeReport) {
    let chars = chars_of(&statements);
    let inline_limit = kind.inline_limit();
    let fits_inline = inline_limit.is_some_and(|l| chars <= l);
    if chars <= MANAGED_LIMIT {
        return (
            vec![document(statements)],
            SizeReport {
                chars,
                managed_limit: MANAGED_LIMIT,
                inline_limit,
                fits_inline,
                managed_policies: 1,
                note: None,
            },
        );
    }
    let mut pieces = Vec::new();
    for st in statements {
        split_statement(st, &mut pieces);
    }
    // A document's size is the empty document's plus its statements' plus the commas between them.
    let empty = chars_of(&[]);
    let mut bins: Vec<(usize, Vec<Statement>)> = Vec::new();
    for st in pieces {
        let own = chars_of(std::slice::from_ref(&st)) - empty;
        let slot = bins
            .iter()
            .position(|(used, _)| used + 1 + own <= MANAGED_LIMIT);
        match slot.and_then(|i| bins.get_mut(i)) {
            Some((used, b)) => {
                *used += 1 + own;
                b.push(st);
            }
            None => bins.push((empty + own, vec![st])),
        }
    }
    let bins: Vec<Vec<Statement>> = bins.into_iter().map(|(_, b)| b).collect();
    let n = bins.len();
    let mut note = format!(
        "the suggestion is {chars} characters (whitespace excluded), over the {MANAGED_LIMIT}-character limit of a managed policy: it is split into {n} managed policies"
    );
    if n > ATTACHED_QUOTA {
        note.push_str(&format!(
            "; that is more than the {ATTACHED_QUOTA} managed policies an identity may have attached by default (the quota can be raised to 20)"
        ));
    }
    (
        bins.into_iter().map(document).collect(),
        SizeReport {
            chars,
            managed_limit: MANAGED_LIMIT,
            inline_limit,
            fits_inline,
            managed_policies: n,
            note: Some(note),
        },
    )
}

/// Splits a statement bigger than a managed policy by halves of its resources, then of its actions.
fn split_statement(st: Statement, out: &mut Vec<Statement>) {
    if chars_of(std::slice::from_ref(&st)) <= MANAGED_LIMIT {
        out.push(st);
        return;
    }
    let sid = st.sid.clone().unwrap_or_default();
    if let Some(ResourceClause::Resource(rs)) = &st.resource {
        if rs.len() > 1 {
            let (a, b) = rs.split_at(rs.len() / 2);
            for (i, half) in [a, b].into_iter().enumerate() {
                split_statement(
                    Statement {
                        sid: Some(format!("{sid}R{}", i + 1)),
                        resource: Some(ResourceClause::Resource(half.to_vec())),
                        ..st.clone()
                    },
                    out,
                );
            }
            return;
        }
    }
    if let ActionClause::Action(acts) = &st.action {
        if acts.len() > 1 {
            let (a, b) = acts.split_at(acts.len() / 2);
            for (i, half) in [a, b].into_iter().enumerate() {
                split_statement(
                    Statement {
                        sid: Some(format!("{sid}A{}", i + 1)),
                        action: ActionClause::Action(half.to_vec()),
                        ..st.clone()
                    },
                    out,
                );
            }
            return;
        }
    }
    out.push(st);
}

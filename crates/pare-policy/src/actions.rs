//! Policies as action sets over the catalog: what a statement or document grants, and warnings for action
//! patterns that name nothing the catalog knows.

use pare_catalog::{ActionSet, Catalog};

use crate::diagnostic::Diagnostic;
use crate::document::{ActionClause, Effect, PolicyDocument, Statement, escape_pointer};
use crate::simulate::DocumentCheck;

/// The catalog actions a statement's `Action`/`NotAction` covers (`NotAction` is the complement).
pub fn statement_actions(st: &Statement, catalog: &Catalog) -> ActionSet {
    let mut set = ActionSet::empty(catalog);
    for p in st.action.patterns() {
        set.union_with(&catalog.expand(p));
    }
    match st.action {
        ActionClause::Action(_) => set,
        ActionClause::NotAction(_) => set.complement(),
    }
}

/// Every action some `Allow` statement of the document names, whatever its resources and conditions.
pub fn allowed_actions(doc: &PolicyDocument, catalog: &Catalog) -> ActionSet {
    let mut set = ActionSet::empty(catalog);
    for st in doc.statements.iter().filter(|s| s.effect == Effect::Allow) {
        set.union_with(&statement_actions(st, catalog));
    }
    set
}

/// Warns about action patterns that match no catalog action (unknown services, misspelt actions).
#[derive(Clone, Copy, Debug)]
pub struct CatalogCheck<'a> {
    catalog: &'a Catalog,
}

impl<'a> CatalogCheck<'a> {
    pub fn new(catalog: &'a Catalog) -> Self {
        CatalogCheck { catalog }
    }
}

impl DocumentCheck for CatalogCheck<'_> {
    fn check(&self, doc: &PolicyDocument) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for st in &doc.statements {
            let element = if st.action.is_negated() {
                "NotAction"
            } else {
                "Action"
            };
            for (i, p) in st.action.patterns().iter().enumerate() {
                if !self.catalog.expand(p).is_empty() {
                    continue;
                }
                let path = format!("/Statement/{}/{}/{i}", st.index, escape_pointer(element));
                let message = match p.split_once(':') {
                    None => {
                        format!("`{p}` is not of the form `service:action` and matches no action")
                    }
                    Some((svc, _))
                        if !svc.contains(['*', '?']) && self.catalog.service(svc).is_none() =>
                    {
                        format!("`{p}` names the unknown service `{svc}`")
                    }
                    Some(_) => format!("`{p}` matches no action in the catalog"),
                };
                out.push(Diagnostic::warning(path, message));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn not_action_is_the_complement() {
        let catalog = Catalog::bundled().unwrap();
        let (doc, _) = PolicyDocument::from_json(&json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"}]}));
        let set = allowed_actions(&doc, catalog);
        assert!(set.contains(catalog.action("s3:GetObject").unwrap()));
        assert!(!set.contains(catalog.action("iam:PassRole").unwrap()));
        let iam = catalog.expand("iam:*").len() + catalog.expand("organizations:*").len();
        assert_eq!(set.len(), catalog.action_count() - iam);
    }

    #[test]
    fn unknown_actions_are_warnings_with_paths() {
        let catalog = Catalog::bundled().unwrap();
        let (doc, _) = PolicyDocument::from_json(&json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["s3:GetObject", "s3:GetObjekt", "nosuch:Get*"], "Resource": "*"}]}));
        let diags = CatalogCheck::new(catalog).check(&doc);
        let text: Vec<String> = diags.iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            [
                "warning at `/Statement/0/Action/1`: `s3:GetObjekt` matches no action in the catalog",
                "warning at `/Statement/0/Action/2`: `nosuch:Get*` names the unknown service `nosuch`",
            ]
        );
    }
}

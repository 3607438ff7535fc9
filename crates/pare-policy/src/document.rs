//! The IAM policy language in two stages: raw JSON (every form AWS accepts) → a validated typed model.
//!
//! Parsing never fails on a well-formed JSON document: problems are reported as [`Diagnostic`]s carrying the
//! JSON pointer of the element at fault. Only text that is not JSON at all is an error.

use serde_json::{Map, Value};
use std::fmt;

use crate::diagnostic::{Diagnostic, Severity};

/// A parsed policy document: identity, resource, trust, boundary, session, SCP or RCP.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyDocument {
    pub version: PolicyVersion,
    pub id: Option<String>,
    pub statements: Vec<Statement>,
}

/// The policy language version; only `2012-10-17` substitutes policy variables.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PolicyVersion {
    V2012_10_17,
    V2008_10_17,
    /// No `Version` element: AWS treats this as `2008-10-17`.
    Unspecified,
}

impl PolicyVersion {
    /// Whether `${…}` policy variables are substituted under this version.
    pub fn substitutes_variables(self) -> bool {
        matches!(self, PolicyVersion::V2012_10_17)
    }

    fn as_str(self) -> Option<&'static str> {
        match self {
            PolicyVersion::V2012_10_17 => Some("2012-10-17"),
            PolicyVersion::V2008_10_17 => Some("2008-10-17"),
            PolicyVersion::Unspecified => None,
        }
    }
}

/// `Allow` or `Deny`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Effect {
    Allow,
    Deny,
}

impl fmt::Display for Effect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        })
    }
}

/// One statement of a policy document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    /// Position of the statement in the document's `Statement` list.
    pub index: usize,
    pub sid: Option<String>,
    pub effect: Effect,
    pub principal: Option<PrincipalClause>,
    pub action: ActionClause,
    /// `None` when the statement has neither `Resource` nor `NotResource` (trust policies): the
    /// statement applies to the resource the policy is attached to.
    pub resource: Option<ResourceClause>,
    pub conditions: Vec<Condition>,
}

/// `Action` or `NotAction`, each a list of patterns such as `s3:Get*`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActionClause {
    Action(Vec<String>),
    NotAction(Vec<String>),
}

impl ActionClause {
    pub fn patterns(&self) -> &[String] {
        match self {
            ActionClause::Action(p) | ActionClause::NotAction(p) => p,
        }
    }
    pub fn is_negated(&self) -> bool {
        matches!(self, ActionClause::NotAction(_))
    }
}

/// `Resource` or `NotResource`, each a list of ARN patterns (or `*`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResourceClause {
    Resource(Vec<String>),
    NotResource(Vec<String>),
}

impl ResourceClause {
    pub fn patterns(&self) -> &[String] {
        match self {
            ResourceClause::Resource(p) | ResourceClause::NotResource(p) => p,
        }
    }
    pub fn is_negated(&self) -> bool {
        matches!(self, ResourceClause::NotResource(_))
    }
}

/// `Principal` or `NotPrincipal`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrincipalClause {
    pub negated: bool,
    pub principals: PrincipalSet,
}

/// The principals a `Principal` element names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PrincipalSet {
    /// `"Principal": "*"`: everyone, including anonymous callers.
    Any,
    /// `{"AWS": …, "Service": …, "Federated": …, "CanonicalUser": …}` in document order.
    Named(Vec<(PrincipalKind, Vec<String>)>),
}

/// The key of a principal map.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PrincipalKind {
    Aws,
    Service,
    Federated,
    CanonicalUser,
}

impl PrincipalKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalKind::Aws => "AWS",
            PrincipalKind::Service => "Service",
            PrincipalKind::Federated => "Federated",
            PrincipalKind::CanonicalUser => "CanonicalUser",
        }
    }
    fn parse(s: &str) -> Option<Self> {
        match s {
            "AWS" => Some(PrincipalKind::Aws),
            "Service" => Some(PrincipalKind::Service),
            "Federated" => Some(PrincipalKind::Federated),
            "CanonicalUser" => Some(PrincipalKind::CanonicalUser),
            _ => None,
        }
    }
}

/// One `operator: { key: values }` entry of a `Condition` block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Condition {
    pub operator: ConditionOperator,
    /// The condition key as written; keys are matched case-insensitively.
    pub key: String,
    /// The values, as text (`true`, `10` and `"10"` are all kept as their text).
    pub values: Vec<String>,
}

/// A condition operator such as `ForAnyValue:StringLikeIfExists`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConditionOperator {
    pub kind: OperatorKind,
    pub if_exists: bool,
    pub set: Option<SetQualifier>,
}

/// `ForAllValues:` or `ForAnyValue:`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SetQualifier {
    ForAllValues,
    ForAnyValue,
}

/// The base operator, without `IfExists` and set qualifiers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OperatorKind {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    NotIpAddress,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    Null,
}

const OPERATORS: &[(&str, OperatorKind)] = &[
    ("StringEquals", OperatorKind::StringEquals),
    ("StringNotEquals", OperatorKind::StringNotEquals),
    (
        "StringEqualsIgnoreCase",
        OperatorKind::StringEqualsIgnoreCase,
    ),
    (
        "StringNotEqualsIgnoreCase",
        OperatorKind::StringNotEqualsIgnoreCase,
    ),
    ("StringLike", OperatorKind::StringLike),
    ("StringNotLike", OperatorKind::StringNotLike),
    ("NumericEquals", OperatorKind::NumericEquals),
    ("NumericNotEquals", OperatorKind::NumericNotEquals),
    ("NumericLessThan", OperatorKind::NumericLessThan),
    ("NumericLessThanEquals", OperatorKind::NumericLessThanEquals),
    ("NumericGreaterThan", OperatorKind::NumericGreaterThan),
    (
        "NumericGreaterThanEquals",
        OperatorKind::NumericGreaterThanEquals,
    ),
    ("DateEquals", OperatorKind::DateEquals),
    ("DateNotEquals", OperatorKind::DateNotEquals),
    ("DateLessThan", OperatorKind::DateLessThan),
    ("DateLessThanEquals", OperatorKind::DateLessThanEquals),
    ("DateGreaterThan", OperatorKind::DateGreaterThan),
    ("DateGreaterThanEquals", OperatorKind::DateGreaterThanEquals),
    ("Bool", OperatorKind::Bool),
    ("BinaryEquals", OperatorKind::BinaryEquals),
    ("IpAddress", OperatorKind::IpAddress),
    ("NotIpAddress", OperatorKind::NotIpAddress),
    ("ArnEquals", OperatorKind::ArnEquals),
    ("ArnLike", OperatorKind::ArnLike),
    ("ArnNotEquals", OperatorKind::ArnNotEquals),
    ("ArnNotLike", OperatorKind::ArnNotLike),
    ("Null", OperatorKind::Null),
];

impl OperatorKind {
    pub fn as_str(self) -> &'static str {
        OPERATORS
            .iter()
            .find(|(_, k)| *k == self)
            .map_or("Null", |(n, _)| n)
    }

    /// Negated operators (`StringNotEquals`, `NotIpAddress`, …) match when the key is absent.
    pub fn is_negated(self) -> bool {
        use OperatorKind::*;
        matches!(
            self,
            StringNotEquals
                | StringNotEqualsIgnoreCase
                | StringNotLike
                | NumericNotEquals
                | DateNotEquals
                | NotIpAddress
                | ArnNotEquals
                | ArnNotLike
        )
    }
}

impl ConditionOperator {
    /// Parses `ForAnyValue:StringLikeIfExists` and friends. Operator names are case-sensitive in AWS.
    pub fn parse(text: &str) -> Option<Self> {
        let (set, rest) = if let Some(r) = text.strip_prefix("ForAllValues:") {
            (Some(SetQualifier::ForAllValues), r)
        } else if let Some(r) = text.strip_prefix("ForAnyValue:") {
            (Some(SetQualifier::ForAnyValue), r)
        } else {
            (None, text)
        };
        let (base, if_exists) = match rest.strip_suffix("IfExists") {
            Some(b) => (b, true),
            None => (rest, false),
        };
        let kind = OPERATORS
            .iter()
            .find(|(n, _)| *n == base)
            .map(|(_, k)| *k)?;
        if if_exists && kind == OperatorKind::Null {
            return None;
        }
        Some(ConditionOperator {
            kind,
            if_exists,
            set,
        })
    }
}

impl fmt::Display for ConditionOperator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.set {
            Some(SetQualifier::ForAllValues) => f.write_str("ForAllValues:")?,
            Some(SetQualifier::ForAnyValue) => f.write_str("ForAnyValue:")?,
            None => {}
        }
        f.write_str(self.kind.as_str())?;
        if self.if_exists {
            f.write_str("IfExists")?;
        }
        Ok(())
    }
}

/// Text that could not be read as a policy document at all.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("policy document is not valid JSON at line {line} column {column}: {message}")]
pub struct PolicyParseError {
    line: usize,
    column: usize,
    message: String,
}

impl PolicyParseError {
    pub fn line(&self) -> usize {
        self.line
    }
    pub fn column(&self) -> usize {
        self.column
    }
}

impl PolicyDocument {
    /// Parses policy text: plain JSON, or URL-encoded JSON as the IAM API returns it.
    pub fn parse_text(text: &str) -> Result<(PolicyDocument, Vec<Diagnostic>), PolicyParseError> {
        let trimmed = text.trim();
        let decoded;
        let json_text = if trimmed.starts_with('{') || trimmed.starts_with('[') {
            trimmed
        } else {
            decoded = percent_encoding::percent_decode_str(trimmed)
                .decode_utf8_lossy()
                .into_owned();
            decoded.as_str()
        };
        let value: Value = serde_json::from_str(json_text).map_err(|e| PolicyParseError {
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
        Ok(PolicyDocument::from_json(&value))
    }

    /// Parses an already-decoded JSON value. A JSON string is itself parsed as policy text.
    pub fn parse_value(
        value: &Value,
    ) -> Result<(PolicyDocument, Vec<Diagnostic>), PolicyParseError> {
        match value {
            Value::String(s) => PolicyDocument::parse_text(s),
            other => Ok(PolicyDocument::from_json(other)),
        }
    }

    /// Validates a JSON value into a document; every problem becomes a diagnostic.
    pub fn from_json(value: &Value) -> (PolicyDocument, Vec<Diagnostic>) {
        let mut diags = Vec::new();
        let mut doc = PolicyDocument {
            version: PolicyVersion::Unspecified,
            id: None,
            statements: Vec::new(),
        };
        let Some(obj) = value.as_object() else {
            diags.push(Diagnostic::error(
                "",
                "a policy document must be a JSON object",
            ));
            return (doc, diags);
        };
        for (k, v) in obj {
            let path = format!("/{}", escape_pointer(k));
            match k.as_str() {
                "Version" => match v.as_str() {
                    Some("2012-10-17") => doc.version = PolicyVersion::V2012_10_17,
                    Some("2008-10-17") => doc.version = PolicyVersion::V2008_10_17,
                    _ => diags.push(Diagnostic::error(
                        &path,
                        format!("unsupported policy version `{}`", display_value(v)),
                    )),
                },
                "Id" => doc.id = v.as_str().map(str::to_owned),
                "Statement" => {
                    let items: Vec<&Value> = match v {
                        Value::Array(a) => a.iter().collect(),
                        Value::Object(_) => vec![v],
                        _ => {
                            diags.push(Diagnostic::error(
                                &path,
                                "`Statement` must be an object or an array of objects",
                            ));
                            Vec::new()
                        }
                    };
                    let single = !v.is_array();
                    for (i, item) in items.into_iter().enumerate() {
                        let spath = if single {
                            path.clone()
                        } else {
                            format!("{path}/{i}")
                        };
                        if let Some(st) = parse_statement(item, i, &spath, &mut diags) {
                            doc.statements.push(st);
                        }
                    }
                }
                other => diags.push(Diagnostic::warning(
                    &path,
                    format!("unknown top-level element `{other}` is ignored"),
                )),
            }
        }
        if !obj.contains_key("Statement") {
            diags.push(Diagnostic::error(
                "",
                "the policy has no `Statement` element",
            ));
        }
        (doc, diags)
    }

    /// Prints the canonical JSON form (lists always as arrays). `parse(print(d)) == d`.
    pub fn to_json(&self) -> Value {
        let mut obj = Map::new();
        if let Some(v) = self.version.as_str() {
            obj.insert("Version".into(), Value::String(v.into()));
        }
        if let Some(id) = &self.id {
            obj.insert("Id".into(), Value::String(id.clone()));
        }
        let stmts = self.statements.iter().map(statement_to_json).collect();
        obj.insert("Statement".into(), Value::Array(stmts));
        Value::Object(obj)
    }
}

fn strings(list: &[String]) -> Value {
    Value::Array(list.iter().map(|s| Value::String(s.clone())).collect())
}

fn statement_to_json(st: &Statement) -> Value {
    let mut obj = Map::new();
    if let Some(sid) = &st.sid {
        obj.insert("Sid".into(), Value::String(sid.clone()));
    }
    obj.insert("Effect".into(), Value::String(st.effect.to_string()));
    if let Some(p) = &st.principal {
        let v = match &p.principals {
            PrincipalSet::Any => Value::String("*".into()),
            PrincipalSet::Named(m) => {
                let mut pm = Map::new();
                for (kind, vals) in m {
                    pm.insert(kind.as_str().into(), strings(vals));
                }
                Value::Object(pm)
            }
        };
        let key = if p.negated {
            "NotPrincipal"
        } else {
            "Principal"
        };
        obj.insert(key.into(), v);
    }
    match &st.action {
        ActionClause::Action(a) => obj.insert("Action".into(), strings(a)),
        ActionClause::NotAction(a) => obj.insert("NotAction".into(), strings(a)),
    };
    match &st.resource {
        Some(ResourceClause::Resource(r)) => {
            obj.insert("Resource".into(), strings(r));
        }
        Some(ResourceClause::NotResource(r)) => {
            obj.insert("NotResource".into(), strings(r));
        }
        None => {}
    }
    if !st.conditions.is_empty() {
        let mut cond = Map::new();
        for c in &st.conditions {
            let op = c.operator.to_string();
            let entry = cond.entry(op).or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(keys) = entry {
                keys.insert(c.key.clone(), strings(&c.values));
            }
        }
        obj.insert("Condition".into(), Value::Object(cond));
    }
    Value::Object(obj)
}

/// Escapes a key for use in a JSON pointer (RFC 6901).
pub(crate) fn escape_pointer(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn display_value(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A string or an array of strings (`Action`, `Resource`, principal values).
fn string_list(v: &Value, path: &str, what: &str, diags: &mut Vec<Diagnostic>) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                match item {
                    Value::String(s) => out.push(s.clone()),
                    other => diags.push(Diagnostic::error(
                        format!("{path}/{i}"),
                        format!("{what} entries must be strings, found `{other}`"),
                    )),
                }
            }
            out
        }
        other => {
            diags.push(Diagnostic::error(
                path,
                format!("{what} must be a string or an array of strings, found `{other}`"),
            ));
            Vec::new()
        }
    }
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn parse_statement(
    value: &Value,
    index: usize,
    path: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<Statement> {
    let Some(obj) = value.as_object() else {
        diags.push(Diagnostic::error(path, "a statement must be a JSON object"));
        return None;
    };
    let errors_before = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let mut sid = None;
    let mut effect = None;
    let mut principal = None;
    let mut action = None;
    let mut resource = None;
    let mut conditions = Vec::new();
    for (k, v) in obj {
        let p = format!("{path}/{}", escape_pointer(k));
        match k.as_str() {
            "Sid" => match scalar_text(v) {
                Some(s) => sid = Some(s),
                None => diags.push(Diagnostic::error(&p, "`Sid` must be a string")),
            },
            "Effect" => match v.as_str() {
                Some("Allow") => effect = Some(Effect::Allow),
                Some("Deny") => effect = Some(Effect::Deny),
                _ => diags.push(Diagnostic::error(
                    &p,
                    format!(
                        "`Effect` must be `Allow` or `Deny`, found `{}`",
                        display_value(v)
                    ),
                )),
            },
            "Action" | "NotAction" => {
                if action.is_some() {
                    diags.push(Diagnostic::error(
                        &p,
                        "a statement cannot have both `Action` and `NotAction`",
                    ));
                    continue;
                }
                let list = string_list(v, &p, k, diags);
                if list.is_empty() {
                    diags.push(Diagnostic::error(&p, format!("`{k}` is empty")));
                }
                action = Some(if k == "Action" {
                    ActionClause::Action(list)
                } else {
                    ActionClause::NotAction(list)
                });
            }
            "Resource" | "NotResource" => {
                if resource.is_some() {
                    diags.push(Diagnostic::error(
                        &p,
                        "a statement cannot have both `Resource` and `NotResource`",
                    ));
                    continue;
                }
                let list = string_list(v, &p, k, diags);
                if list.is_empty() {
                    diags.push(Diagnostic::error(&p, format!("`{k}` is empty")));
                }
                resource = Some(if k == "Resource" {
                    ResourceClause::Resource(list)
                } else {
                    ResourceClause::NotResource(list)
                });
            }
            "Principal" | "NotPrincipal" => {
                if principal.is_some() {
                    diags.push(Diagnostic::error(
                        &p,
                        "a statement cannot have both `Principal` and `NotPrincipal`",
                    ));
                    continue;
                }
                let negated = k == "NotPrincipal";
                let set = match v {
                    Value::String(s) if s == "*" => Some(PrincipalSet::Any),
                    Value::Object(m) => {
                        let mut named = Vec::new();
                        for (pk, pv) in m {
                            let pp = format!("{p}/{}", escape_pointer(pk));
                            match PrincipalKind::parse(pk) {
                                Some(kind) => {
                                    named.push((kind, string_list(pv, &pp, "principal", diags)))
                                }
                                None => diags.push(Diagnostic::error(
                                    &pp,
                                    format!(
                                        "unknown principal type `{pk}` (expected `AWS`, `Service`, `Federated` or `CanonicalUser`)"
                                    ),
                                )),
                            }
                        }
                        Some(PrincipalSet::Named(named))
                    }
                    other => {
                        diags.push(Diagnostic::error(
                            &p,
                            format!("`{k}` must be `\"*\"` or an object, found `{other}`"),
                        ));
                        None
                    }
                };
                if let Some(principals) = set {
                    principal = Some(PrincipalClause {
                        negated,
                        principals,
                    });
                }
            }
            "Condition" => conditions = parse_conditions(v, &p, diags),
            other => diags.push(Diagnostic::error(
                &p,
                format!("unknown statement element `{other}`"),
            )),
        }
    }
    let Some(effect) = effect else {
        if !obj.contains_key("Effect") {
            diags.push(Diagnostic::error(path, "the statement has no `Effect`"));
        }
        return None;
    };
    let Some(action) = action else {
        diags.push(Diagnostic::error(
            path,
            "the statement has neither `Action` nor `NotAction`",
        ));
        return None;
    };
    let errors_after = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    if errors_after > errors_before {
        return None;
    }
    Some(Statement {
        index,
        sid,
        effect,
        principal,
        action,
        resource,
        conditions,
    })
}

fn parse_conditions(v: &Value, path: &str, diags: &mut Vec<Diagnostic>) -> Vec<Condition> {
    let mut out = Vec::new();
    let Some(ops) = v.as_object() else {
        diags.push(Diagnostic::error(path, "`Condition` must be an object"));
        return out;
    };
    for (op_name, block) in ops {
        let op_path = format!("{path}/{}", escape_pointer(op_name));
        let Some(operator) = ConditionOperator::parse(op_name) else {
            diags.push(Diagnostic::error(
                &op_path,
                format!("unknown condition operator `{op_name}`"),
            ));
            continue;
        };
        let Some(keys) = block.as_object() else {
            diags.push(Diagnostic::error(
                &op_path,
                format!("the `{op_name}` block must be an object of condition keys"),
            ));
            continue;
        };
        for (key, vals) in keys {
            let kp = format!("{op_path}/{}", escape_pointer(key));
            let values: Vec<String> = match vals {
                Value::Array(items) => {
                    let mut list = Vec::new();
                    for (i, item) in items.iter().enumerate() {
                        match scalar_text(item) {
                            Some(t) => list.push(t),
                            None => diags.push(Diagnostic::error(
                                format!("{kp}/{i}"),
                                format!("condition values must be strings, numbers or booleans, found `{item}`"),
                            )),
                        }
                    }
                    list
                }
                other => match scalar_text(other) {
                    Some(t) => vec![t],
                    None => {
                        diags.push(Diagnostic::error(
                            &kp,
                            format!("condition values must be strings, numbers or booleans, found `{other}`"),
                        ));
                        continue;
                    }
                },
            };
            out.push(Condition {
                operator: operator.clone(),
                key: key.clone(),
                values,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn accepts_single_statement_object_and_string_lists() {
        let (doc, diags) = PolicyDocument::from_json(&json!({
            "Version": "2012-10-17",
            "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
        }));
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(doc.statements.len(), 1);
        assert_eq!(doc.statements[0].action.patterns(), ["s3:GetObject"]);
    }

    #[test]
    fn url_encoded_documents_parse() {
        let text = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22%2A%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D";
        let (doc, diags) = PolicyDocument::parse_text(text).unwrap();
        assert!(diags.is_empty());
        assert_eq!(doc.statements[0].action.patterns(), ["*"]);
    }

    #[test]
    fn errors_name_the_json_path() {
        let (doc, diags) = PolicyDocument::from_json(&json!({
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
                {"Effect": "Permit", "Action": "s3:*", "Resource": "*"},
                {"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                 "Condition": {"StringEqualz": {"aws:username": "x"}}}
            ]
        }));
        // Statements with errors are left out; the diagnostics say where and why.
        assert_eq!(doc.statements.len(), 1);
        let paths: Vec<&str> = diags.iter().map(|d| d.path.as_str()).collect();
        assert_eq!(
            paths,
            ["/Statement/1/Effect", "/Statement/2/Condition/StringEqualz"]
        );
        assert_eq!(
            diags[0].message,
            "`Effect` must be `Allow` or `Deny`, found `Permit`"
        );
    }

    #[test]
    fn operators_parse_with_qualifiers() {
        let op = ConditionOperator::parse("ForAnyValue:StringLikeIfExists").unwrap();
        assert_eq!(op.kind, OperatorKind::StringLike);
        assert!(op.if_exists);
        assert_eq!(op.set, Some(SetQualifier::ForAnyValue));
        assert_eq!(op.to_string(), "ForAnyValue:StringLikeIfExists");
        assert!(ConditionOperator::parse("NullIfExists").is_none());
        assert!(ConditionOperator::parse("stringequals").is_none());
    }

    #[test]
    fn print_then_parse_round_trips() {
        let (doc, _) = PolicyDocument::from_json(&json!({
            "Version": "2008-10-17",
            "Id": "x",
            "Statement": [{"Sid": "1", "Effect": "Deny", "NotPrincipal": {"AWS": "arn:aws:iam::1:root"},
              "NotAction": ["iam:*"], "NotResource": "arn:aws:s3:::b",
              "Condition": {"Bool": {"aws:SecureTransport": false}, "NumericLessThan": {"s3:max-keys": 10}}}]
        }));
        let (again, diags) = PolicyDocument::from_json(&doc.to_json());
        assert!(diags.is_empty());
        assert_eq!(doc, again);
    }
}

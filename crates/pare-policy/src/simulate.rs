//! The `pare simulate` contract: a JSON request plus the policies that apply to it, in; the decision with its
//! reasons, out. Kept stable: other tools check the engine through it.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::context::{Context, ContextValue};
use crate::diagnostic::Diagnostic;
use crate::document::PolicyDocument;
use crate::evaluate::{
    self, ConditionDependency, Decision, PolicySet, PolicyType, Request, StatementRef,
};

/// The input document of `pare simulate --input case.json`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimulateInput {
    pub request: RequestInput,
    #[serde(default)]
    pub identity_policies: Vec<Value>,
    #[serde(default)]
    pub resource_policy: Option<Value>,
    #[serde(default)]
    pub permission_boundaries: Vec<Value>,
    #[serde(default)]
    pub service_control_policies: Vec<Vec<Value>>,
    #[serde(default)]
    pub resource_control_policies: Vec<Vec<Value>>,
    #[serde(default)]
    pub session_policy: Option<Value>,
}

/// The request part of [`SimulateInput`].
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestInput {
    pub principal: String,
    pub action: String,
    pub resource: String,
    #[serde(default)]
    pub context: Map<String, Value>,
}

/// The output document of `pare simulate`.
#[derive(Clone, Debug, Serialize)]
pub struct SimulateOutput {
    pub decision: Decision,
    pub blocked_by: Vec<PolicyType>,
    pub matched_statements: Vec<StatementRef>,
    pub depends_on: Vec<ConditionDependency>,
    pub explanation: Vec<String>,
    /// Warnings about the policies (unknown elements, actions matching nothing), with where they are.
    pub warnings: Vec<LocatedDiagnostic>,
}

/// A diagnostic with the input location of its document, e.g. `/identity_policies/1` + `/Statement/0/Action`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LocatedDiagnostic {
    /// JSON pointer of the policy document inside the simulate input.
    pub document: String,
    #[serde(flatten)]
    pub diagnostic: Diagnostic,
}

impl std::fmt::Display for LocatedDiagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "`{}`: {}", self.document, self.diagnostic)
    }
}

/// Why a simulate input could not be evaluated.
#[derive(Debug, thiserror::Error)]
pub enum SimulateError {
    #[error("the simulate input is not valid at `{path}`: {message}")]
    InvalidInput { path: String, message: String },
    #[error("policy document at `{document}` is not valid JSON at line {line} column {column}")]
    UnreadablePolicy {
        document: String,
        line: usize,
        column: usize,
    },
    #[error("invalid policy: {}", first_of(.errors))]
    InvalidPolicy { errors: Vec<LocatedDiagnostic> },
}

fn first_of(errors: &[LocatedDiagnostic]) -> String {
    let mut text = errors.first().map(ToString::to_string).unwrap_or_default();
    if errors.len() > 1 {
        text.push_str(&format!(" (and {} more)", errors.len() - 1));
    }
    text
}

/// Optional checks on every parsed document (the catalog's unknown-action warnings, for instance).
pub trait DocumentCheck {
    fn check(&self, doc: &PolicyDocument) -> Vec<Diagnostic>;
}

/// No extra checks.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoChecks;

impl DocumentCheck for NoChecks {
    fn check(&self, _doc: &PolicyDocument) -> Vec<Diagnostic> {
        Vec::new()
    }
}

/// Parses the simulate input text.
pub fn parse_input(text: &str) -> Result<SimulateInput, SimulateError> {
    let de = &mut serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        SimulateError::InvalidInput {
            path: if path == "." {
                format!("line {} column {}", inner.line(), inner.column())
            } else {
                path
            },
            message: inner.to_string(),
        }
    })
}

struct Loader<'a, C: DocumentCheck> {
    checks: &'a C,
    errors: Vec<LocatedDiagnostic>,
    warnings: Vec<LocatedDiagnostic>,
}

impl<C: DocumentCheck> Loader<'_, C> {
    fn load(&mut self, value: &Value, location: String) -> Result<PolicyDocument, SimulateError> {
        let (doc, diags) =
            PolicyDocument::parse_value(value).map_err(|e| SimulateError::UnreadablePolicy {
                document: location.clone(),
                line: e.line(),
                column: e.column(),
            })?;
        let extra = self.checks.check(&doc);
        for d in diags.into_iter().chain(extra) {
            let located = LocatedDiagnostic {
                document: location.clone(),
                diagnostic: d,
            };
            if located.diagnostic.is_error() {
                self.errors.push(located);
            } else {
                self.warnings.push(located);
            }
        }
        Ok(doc)
    }

    fn load_all(
        &mut self,
        values: &[Value],
        prefix: &str,
    ) -> Result<Vec<PolicyDocument>, SimulateError> {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| self.load(v, format!("{prefix}/{i}")))
            .collect()
    }
}

fn context_from_json(map: &Map<String, Value>) -> Result<Context, SimulateError> {
    let mut ctx = Context::new();
    for (key, value) in map {
        let scalar = |v: &Value| -> Option<String> {
            match v {
                Value::String(s) => Some(s.clone()),
                Value::Bool(b) => Some(b.to_string()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            }
        };
        let cv = match value {
            Value::Null => ContextValue::Absent,
            Value::Array(items) => {
                let mut values = Vec::with_capacity(items.len());
                for item in items {
                    values.push(scalar(item).ok_or_else(|| SimulateError::InvalidInput {
                        path: format!("request.context.{key}"),
                        message: format!("context values must be strings, numbers or booleans, found `{item}`"),
                    })?);
                }
                ContextValue::Multi(values)
            }
            other => ContextValue::Single(scalar(other).ok_or_else(|| SimulateError::InvalidInput {
                path: format!("request.context.{key}"),
                message: format!("context values must be strings, numbers, booleans, arrays or null, found `{other}`"),
            })?),
        };
        ctx.insert(key, cv);
    }
    Ok(ctx)
}

/// Converts the raw input into a request and its policies, reporting every policy problem by location.
pub fn prepare<C: DocumentCheck>(
    input: &SimulateInput,
    checks: &C,
) -> Result<(Request, PolicySet, Vec<LocatedDiagnostic>), SimulateError> {
    let mut loader = Loader {
        checks,
        errors: Vec::new(),
        warnings: Vec::new(),
    };
    let identity_policies = loader.load_all(&input.identity_policies, "/identity_policies")?;
    let resource_policy = match &input.resource_policy {
        Some(v) if !v.is_null() => Some(loader.load(v, "/resource_policy".to_owned())?),
        _ => None,
    };
    let permission_boundaries =
        loader.load_all(&input.permission_boundaries, "/permission_boundaries")?;
    let mut service_control_policies = Vec::new();
    for (level, docs) in input.service_control_policies.iter().enumerate() {
        service_control_policies
            .push(loader.load_all(docs, &format!("/service_control_policies/{level}"))?);
    }
    let mut resource_control_policies = Vec::new();
    for (level, docs) in input.resource_control_policies.iter().enumerate() {
        resource_control_policies
            .push(loader.load_all(docs, &format!("/resource_control_policies/{level}"))?);
    }
    let session_policy = match &input.session_policy {
        Some(v) if !v.is_null() => Some(loader.load(v, "/session_policy".to_owned())?),
        _ => None,
    };
    if !loader.errors.is_empty() {
        return Err(SimulateError::InvalidPolicy {
            errors: loader.errors,
        });
    }
    let request = Request {
        principal: input.request.principal.clone(),
        action: input.request.action.clone(),
        resource: input.request.resource.clone(),
        context: context_from_json(&input.request.context)?,
    };
    let policies = PolicySet {
        identity_policies,
        resource_policy,
        permission_boundaries,
        service_control_policies,
        resource_control_policies,
        session_policy,
    };
    Ok((request, policies, loader.warnings))
}

/// Runs one simulate input end to end.
pub fn simulate<C: DocumentCheck>(
    input: &SimulateInput,
    checks: &C,
) -> Result<SimulateOutput, SimulateError> {
    let (request, policies, warnings) = prepare(input, checks)?;
    let ev = evaluate::evaluate(&request, &policies);
    Ok(SimulateOutput {
        decision: ev.decision,
        blocked_by: ev.blocked_by,
        matched_statements: ev.matched_statements,
        depends_on: ev.depends_on,
        explanation: ev.explanation,
        warnings,
    })
}

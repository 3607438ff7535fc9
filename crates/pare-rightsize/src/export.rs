//! Exports of a suggestion: IAM policy JSON, Terraform (`aws_iam_policy` from an
//! `aws_iam_policy_document` data source, attached to the principal) and CloudFormation YAML
//! (`AWS::IAM::ManagedPolicy` naming the principal).

use std::fmt::Write as _;

use serde_json::{Map, Value, json};

use crate::{PrincipalKind, RightSizedPolicy, principal_name};

/// Why an export could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("cannot write yaml: {0}")]
    Yaml(#[from] serde_norway::Error),
    #[error("cannot write json: {0}")]
    Json(#[from] serde_json::Error),
}

/// The output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Json,
    Terraform,
    Cloudformation,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "json" => Ok(Format::Json),
            "terraform" | "tf" => Ok(Format::Terraform),
            "cloudformation" | "cfn" => Ok(Format::Cloudformation),
            other => Err(format!(
                "`{other}` is not an export format (json, terraform, cloudformation)"
            )),
        }
    }
}

impl Format {
    /// The usual file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Terraform => "tf",
            Format::Cloudformation => "yaml",
        }
    }
}

/// Writes the suggestion in `format`.
///
/// # Errors
///
/// [`ExportError`] if serialisation fails (it does not for documents Pare made).
pub fn export(policy: &RightSizedPolicy, format: Format) -> Result<String, ExportError> {
    match format {
        Format::Json => iam_json(policy),
        Format::Terraform => Ok(terraform(policy)),
        Format::Cloudformation => cloudformation(policy),
    }
}

/// The policy document (pretty JSON); a JSON array of documents when it was split.
///
/// # Errors
///
/// [`ExportError::Json`] if serialisation fails.
pub fn iam_json(policy: &RightSizedPolicy) -> Result<String, ExportError> {
    let text = match policy.documents.as_slice() {
        [one] => serde_json::to_string_pretty(one)?,
        many => serde_json::to_string_pretty(many)?,
    };
    Ok(text + "\n")
}

/// IAM managed-policy names: `alice-rightsized`, `alice-rightsized-2`, … (`[\w+=,.@-]`, at most 128).
pub fn policy_names(policy: &RightSizedPolicy) -> Vec<String> {
    let base: String = principal_name(&policy.principal)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "+=,.@-_".contains(c) {
                c
            } else {
                '-'
            }
        })
        .take(100)
        .collect();
    (1..=policy.documents.len())
        .map(|i| {
            if i == 1 {
                format!("{base}-rightsized")
            } else {
                format!("{base}-rightsized-{i}")
            }
        })
        .collect()
}

fn description(policy: &RightSizedPolicy) -> String {
    let mut d = format!(
        "Least privilege for {} from CloudTrail usage ({} of {} actions kept; replay {}/{} events allowed), by Pare",
        policy.principal,
        policy.after_actions,
        policy.before_actions,
        policy.replay.allowed,
        policy.replay.total
    );
    d.truncate(1000);
    d
}

/// A Terraform string literal: quotes, backslashes, and the `${`/`%{` template introducers escaped.
fn hcl_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn hcl_list(values: &[Value]) -> String {
    let items: Vec<String> = values
        .iter()
        .map(|v| hcl_string(v.as_str().unwrap_or_default()))
        .collect();
    format!("[{}]", items.join(", "))
}

fn as_list(v: Option<&Value>) -> Vec<Value> {
    match v {
        Some(Value::Array(a)) => a.clone(),
        Some(Value::String(s)) => vec![Value::String(s.clone())],
        _ => Vec::new(),
    }
}

/// A Terraform identifier from a name.
fn tf_ident(name: &str) -> String {
    let mut s: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if !s.starts_with(|c: char| c.is_ascii_alphabetic()) {
        s.insert_str(0, "p_");
    }
    s
}

/// Terraform: one `aws_iam_policy_document` data source, `aws_iam_policy` and attachment per document.
pub fn terraform(policy: &RightSizedPolicy) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}", description(policy));
    for n in &policy.notes {
        let _ = writeln!(out, "# {}", n.replace('\n', " "));
    }
    let name = principal_name(&policy.principal);
    for (doc, pname) in policy.documents.iter().zip(policy_names(policy)) {
        let id = tf_ident(&pname);
        let _ = writeln!(out, "\ndata \"aws_iam_policy_document\" \"{id}\" {{");
        for st in as_list(doc.get("Statement")) {
            let _ = writeln!(out, "  statement {{");
            if let Some(sid) = st.get("Sid").and_then(Value::as_str) {
                let _ = writeln!(out, "    sid    = {}", hcl_string(sid));
            }
            let effect = st.get("Effect").and_then(Value::as_str).unwrap_or("Allow");
            let _ = writeln!(out, "    effect = {}", hcl_string(effect));
            for (key, attr) in [
                ("Action", "actions"),
                ("NotAction", "not_actions"),
                ("Resource", "resources"),
                ("NotResource", "not_resources"),
            ] {
                if st.get(key).is_some() {
                    let _ = writeln!(out, "    {attr} = {}", hcl_list(&as_list(st.get(key))));
                }
            }
            if let Some(Value::Object(conds)) = st.get("Condition") {
                for (op, keys) in conds {
                    let Value::Object(keys) = keys else { continue };
                    for (key, values) in keys {
                        let _ = writeln!(out, "    condition {{");
                        let _ = writeln!(out, "      test     = {}", hcl_string(op));
                        let _ = writeln!(out, "      variable = {}", hcl_string(key));
                        let _ =
                            writeln!(out, "      values   = {}", hcl_list(&as_list(Some(values))));
                        let _ = writeln!(out, "    }}");
                    }
                }
            }
            let _ = writeln!(out, "  }}");
        }
        let _ = writeln!(out, "}}");
        let _ = writeln!(out, "\nresource \"aws_iam_policy\" \"{id}\" {{");
        let _ = writeln!(out, "  name        = {}", hcl_string(&pname));
        let _ = writeln!(out, "  description = {}", hcl_string(&description(policy)));
        let _ = writeln!(
            out,
            "  policy      = data.aws_iam_policy_document.{id}.json"
        );
        let _ = writeln!(out, "}}");
        let attachment = match policy.principal_kind {
            PrincipalKind::User => Some(("aws_iam_user_policy_attachment", "user")),
            PrincipalKind::Group => Some(("aws_iam_group_policy_attachment", "group")),
            PrincipalKind::Role => Some(("aws_iam_role_policy_attachment", "role")),
            PrincipalKind::Other => None,
        };
        match attachment {
            Some((resource, attr)) => {
                let _ = writeln!(out, "\nresource \"{resource}\" \"{id}\" {{");
                let _ = writeln!(out, "  {attr:<10} = {}", hcl_string(name));
                let _ = writeln!(out, "  policy_arn = aws_iam_policy.{id}.arn");
                let _ = writeln!(out, "}}");
            }
            None => {
                let _ = writeln!(
                    out,
                    "\n# {} is not an IAM user, group or role: attach the policy yourself",
                    policy.principal
                );
            }
        }
    }
    out
}

/// A CloudFormation logical ID (alphanumeric).
fn logical_id(name: &str) -> String {
    let mut out = String::new();
    let mut upper = true;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(if upper { c.to_ascii_uppercase() } else { c });
            upper = false;
        } else {
            upper = true;
        }
    }
    if !out.starts_with(|c: char| c.is_ascii_alphabetic()) {
        out.insert_str(0, "Policy");
    }
    out.truncate(255);
    out
}

/// The CloudFormation template as a JSON value (`AWS::IAM::ManagedPolicy` per document).
pub fn cloudformation_value(policy: &RightSizedPolicy) -> Value {
    let mut resources = Map::new();
    let name = principal_name(&policy.principal);
    for (doc, pname) in policy.documents.iter().zip(policy_names(policy)) {
        let mut props = Map::new();
        props.insert("ManagedPolicyName".into(), json!(pname));
        props.insert("Description".into(), json!(description(policy)));
        props.insert("PolicyDocument".into(), doc.clone());
        match policy.principal_kind {
            PrincipalKind::User => {
                props.insert("Users".into(), json!([name]));
            }
            PrincipalKind::Group => {
                props.insert("Groups".into(), json!([name]));
            }
            PrincipalKind::Role => {
                props.insert("Roles".into(), json!([name]));
            }
            PrincipalKind::Other => {}
        }
        resources.insert(
            logical_id(&pname),
            json!({"Type": "AWS::IAM::ManagedPolicy", "Properties": props}),
        );
    }
    json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": description(policy),
        "Resources": resources,
    })
}

/// CloudFormation YAML.
///
/// # Errors
///
/// [`ExportError::Yaml`] if serialisation fails.
pub fn cloudformation(policy: &RightSizedPolicy) -> Result<String, ExportError> {
    let mut text = String::new();
    for n in &policy.notes {
        let _ = writeln!(text, "# {}", n.replace('\n', " "));
    }
    text.push_str(&serde_norway::to_string(&cloudformation_value(policy))?);
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hcl_strings_escape_templates() {
        assert_eq!(
            hcl_string("arn:aws:s3:::b/${aws:username}/*"),
            "\"arn:aws:s3:::b/$${aws:username}/*\""
        );
        assert_eq!(hcl_string("a\"b\\c%{x}"), "\"a\\\"b\\\\c%%{x}\"");
        assert_eq!(tf_ident("9lives-rightsized"), "p_9lives_rightsized");
        assert_eq!(
            logical_id("alice.smith-rightsized-2"),
            "AliceSmithRightsized2"
        );
    }
}

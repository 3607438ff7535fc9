//! Alert policies as data: the file format (TOML or JSON, versioned), strict parsing, the compiled form.

use std::collections::BTreeSet;
use std::num::NonZeroU32;

use serde::{Deserialize, Serialize};

use crate::error::PolicyError;
use crate::filter::{Filter, FilterSpec};

/// The policy file format this build reads and writes (`version = 1`).
pub const FORMAT_VERSION: u32 = 1;

/// How bad a match is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth a look.
    Low,
    /// Should be explained.
    Medium,
    /// Should be looked at today.
    High,
    /// Drop everything.
    Critical,
}

impl Severity {
    /// The name used in files and JSON output.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// What events are grouped by for a threshold or a first-seen form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FirstSeenPer {
    /// The actor's principal key.
    Actor,
    /// The account.
    Account,
    /// The source IP.
    SourceIp,
}

/// "More than `count` matching events by one actor (or account, or source IP) within `within_minutes`".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Threshold {
    /// The alert is raised when the window holds more than this many events.
    pub count: NonZeroU32,
    /// The window's length.
    pub within_minutes: NonZeroU32,
    /// What events are grouped by (default: the actor).
    #[serde(default = "per_actor")]
    pub per: FirstSeenPer,
}

fn per_actor() -> FirstSeenPer {
    FirstSeenPer::Actor
}

/// What a first-seen form watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FirstSeenOf {
    /// The source IP address (service names such as `lambda.amazonaws.com` are not addresses).
    SourceIp,
    /// The region.
    Region,
}

/// "A value never seen before for this actor (or account)": fires on a matching event whose value is new
/// for its group, once the group has a history (at least one earlier matching event).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FirstSeen {
    /// The value watched.
    pub of: FirstSeenOf,
    /// The group whose history it is (default: the actor).
    #[serde(default = "per_actor")]
    pub per: FirstSeenPer,
}

/// One policy as written in a file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PolicySpec {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) severity: Severity,
    pub(crate) description: String,
    pub(crate) reason: String,
    pub(crate) recommendation: String,
    #[serde(rename = "match")]
    pub(crate) filter: FilterSpec,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) threshold: Option<Threshold>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) first_seen: Option<FirstSeen>,
}

/// A policy file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSpec {
    version: u32,
    #[serde(default)]
    policy: Vec<PolicySpec>,
}

/// A parsed, checked alert policy.
#[derive(Debug, Clone)]
pub struct Policy {
    spec: PolicySpec,
    filter: Filter,
}

impl Policy {
    /// The stable id (`root-creates-user`).
    #[must_use]
    pub fn id(&self) -> &str {
        &self.spec.id
    }
    /// The name shown to people.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.spec.name
    }
    /// The severity.
    #[must_use]
    pub fn severity(&self) -> Severity {
        self.spec.severity
    }
    /// What it detects.
    #[must_use]
    pub fn description(&self) -> &str {
        &self.spec.description
    }
    /// Why it matters.
    #[must_use]
    pub fn reason(&self) -> &str {
        &self.spec.reason
    }
    /// What to do.
    #[must_use]
    pub fn recommendation(&self) -> &str {
        &self.spec.recommendation
    }
    /// The filter over events.
    #[must_use]
    pub fn filter(&self) -> &Filter {
        &self.filter
    }
    /// The threshold form, if any.
    #[must_use]
    pub fn threshold(&self) -> Option<Threshold> {
        self.spec.threshold
    }
    /// The first-seen form, if any.
    #[must_use]
    pub fn first_seen(&self) -> Option<FirstSeen> {
        self.spec.first_seen
    }
    /// Whether evaluation needs state across events (a threshold or first-seen form).
    #[must_use]
    pub fn is_stateful(&self) -> bool {
        self.spec.threshold.is_some() || self.spec.first_seen.is_some()
    }
    /// The policy as JSON in the file format (one entry of `policy`), for storing and exporting.
    #[must_use]
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(&self.spec).unwrap_or(serde_json::Value::Null)
    }
    /// A whole file (`{"version": 1, "policy": [...]}`) holding `policies`, as pretty JSON.
    #[must_use]
    pub fn file_json(policies: &[Policy]) -> String {
        let file = FileSpec {
            version: FORMAT_VERSION,
            policy: policies.iter().map(|p| p.spec.clone()).collect(),
        };
        serde_json::to_string_pretty(&file).unwrap_or_default()
    }
}

/// The format of a policy file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyFormat {
    /// TOML.
    Toml,
    /// JSON.
    Json,
}

impl PolicyFormat {
    /// The format a file name says (`.json` is JSON, anything else TOML).
    #[must_use]
    pub fn from_file_name(name: &str) -> Self {
        if name.to_ascii_lowercase().ends_with(".json") {
            PolicyFormat::Json
        } else {
            PolicyFormat::Toml
        }
    }
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

fn field_name(path: &serde_path_to_error::Path) -> String {
    let s = path.to_string();
    if s.is_empty() { ".".to_owned() } else { s }
}

fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The field named by an "unknown field `x`" message.
fn unknown_field(message: &str) -> Option<&str> {
    message.strip_prefix("unknown field `")?.split('`').next()
}

/// The offset of the line at or after `from` where `key` is written as a TOML key (`key =` or `key=`).
fn key_offset(text: &str, from: usize, key: &str) -> Option<usize> {
    let rest = text.get(from..)?;
    let mut offset = from;
    for line in rest.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let after = trimmed
            .strip_prefix(key)
            .or_else(|| trimmed.strip_prefix(&format!("\"{key}\"")));
        if after.is_some_and(|a| a.trim_start().starts_with('=')) {
            return Some(offset + (line.len() - trimmed.len()));
        }
        if let Some(col) = line
            .find(&format!("{key} ="))
            .or_else(|| line.find(&format!("{key}=")))
        {
            return Some(offset + col);
        }
        offset += line.len();
    }
    None
}

/// The line where `needle` first appears after `after` (for checks made after parsing).
fn find_line(text: &str, needle: &str) -> (usize, usize) {
    text.find(needle).map_or((0, 0), |at| line_col(text, at))
}

/// Parses and checks a policy file. `file` names it in errors.
///
/// Refused, with the file, line, column and field: syntax errors, unknown fields, a `version` other than
/// [`FORMAT_VERSION`], bad CIDRs, bad wildcards or regular expressions, unknown facts, bad times, a zero
/// threshold or window, a policy with both a threshold and a first-seen form, duplicate or badly formed ids.
///
/// # Errors
///
/// [`PolicyError`] for the first problem found.
pub fn parse_policies(
    file: &str,
    text: &str,
    format: PolicyFormat,
) -> Result<Vec<Policy>, PolicyError> {
    let error = |line, column, field: String, message: String| PolicyError {
        file: file.to_owned(),
        line,
        column,
        field,
        message: lower_first(message.trim_end_matches('.')),
    };
    let spec: FileSpec = match format {
        PolicyFormat::Json => {
            let mut de = serde_json::Deserializer::from_str(text);
            match serde_path_to_error::deserialize(&mut de) {
                Ok(spec) => spec,
                Err(e) => {
                    let field = field_name(e.path());
                    let inner = e.into_inner();
                    let message = inner.to_string();
                    let message = message
                        .split(" at line ")
                        .next()
                        .unwrap_or(&message)
                        .to_owned();
                    return Err(error(inner.line(), inner.column(), field, message));
                }
            }
        }
        PolicyFormat::Toml => {
            let de = toml::Deserializer::parse(text).map_err(|e| {
                let (line, column) = e.span().map_or((0, 0), |s| line_col(text, s.start));
                error(line, column, ".".to_owned(), e.message().to_owned())
            })?;
            match serde_path_to_error::deserialize(de) {
                Ok(spec) => spec,
                Err(e) => {
                    let field = field_name(e.path());
                    let inner = e.into_inner();
                    let message = inner.message().to_owned();
                    let start = inner.span().map_or(0, |s| s.start);
                    // toml places an unknown field at its table; point at the key itself.
                    let at = unknown_field(&message)
                        .and_then(|key| key_offset(text, start, key))
                        .unwrap_or(start);
                    let (line, column) = if inner.span().is_some() {
                        line_col(text, at)
                    } else {
                        (0, 0)
                    };
                    return Err(error(line, column, field, message));
                }
            }
        }
    };
    if spec.version != FORMAT_VERSION {
        let (line, column) = find_line(text, "version");
        return Err(error(
            line,
            column,
            "version".to_owned(),
            format!(
                "unsupported policy file version {} (this build reads version {FORMAT_VERSION})",
                spec.version
            ),
        ));
    }
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(spec.policy.len());
    for (i, p) in spec.policy.into_iter().enumerate() {
        let (line, column) = find_line(text, &format!("\"{}\"", p.id));
        let good_id = !p.id.is_empty()
            && p.id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
        if !good_id {
            return Err(error(
                line,
                column,
                format!("policy[{i}].id"),
                format!(
                    "bad policy id `{}`: use lowercase letters, digits, `-` and `.`",
                    p.id
                ),
            ));
        }
        if !seen.insert(p.id.clone()) {
            return Err(error(
                line,
                column,
                format!("policy[{i}].id"),
                format!("duplicate policy id `{}`", p.id),
            ));
        }
        if p.threshold.is_some() && p.first_seen.is_some() {
            return Err(error(
                line,
                column,
                format!("policy[{i}].threshold"),
                "a policy has a threshold or a first_seen form, not both".to_owned(),
            ));
        }
        let filter = Filter::compile(&p.filter);
        out.push(Policy { spec: p, filter });
    }
    Ok(out)
}

//! Organization policies per OU level (Pare's own file format) and the known-accounts list.
//!
//! The SCP/RCP file is one JSON object with `levels`, root first, down to the account itself; each level names its
//! target and lists its SCPs and RCPs, each with a `name`, an optional `arn` and its `document` (a JSON object, or
//! the policy text as `aws organizations describe-policy` returns it in `Content`):
//!
//! ```json
//! {"levels": [
//!   {"target": "r-ab12", "scps": [{"name": "FullAWSAccess", "document": {"Version": "2012-10-17", "Statement": []}}]},
//!   {"target": "ou-ab12-11111111", "scps": [], "rcps": []},
//!   {"target": "123456789012", "scps": []}
//! ]}
//! ```

use crate::authz::parse_document;
use crate::error::{InputError, Problem};
use crate::json::{At, parse_json};
use crate::model::{KnownAccount, ParsedDocument};

/// One SCP or RCP.
#[derive(Clone, Debug, PartialEq)]
pub struct OrgPolicy {
    pub name: String,
    pub arn: Option<String>,
    pub document: ParsedDocument,
}

/// One OU level: the root, an OU, or the account.
#[derive(Clone, Debug, PartialEq)]
pub struct OrgLevel {
    pub target: String,
    pub scps: Vec<OrgPolicy>,
    pub rcps: Vec<OrgPolicy>,
}

/// The organization policies above the account, root first. Empty when no file was given (then SCPs and RCPs
/// take no part in decisions).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OrgPolicies {
    pub levels: Vec<OrgLevel>,
    /// The file the policies came from.
    pub source: Option<String>,
}

impl OrgPolicies {
    pub fn is_empty(&self) -> bool {
        self.levels.is_empty()
    }
}

/// Parses the SCP/RCP file. Policy diagnostics are added to `problems`.
pub fn parse_org_policies(
    file: &str,
    text: &str,
    problems: &mut Vec<Problem>,
) -> Result<OrgPolicies, InputError> {
    let value = parse_json(file, text)?;
    let top = At {
        file,
        value: &value,
        pointer: "",
    };
    top.object()?;
    let Some(levels_value) = top.get("levels") else {
        return Err(top.error("missing `levels` (a list of OU levels, root first)"));
    };
    if !levels_value.is_array() {
        return Err(top.error_at("levels", "`levels` must be a list"));
    }
    let mut levels = Vec::new();
    for (ptr, v) in top.list("levels")? {
        let at = At {
            file,
            value: v,
            pointer: &ptr,
        };
        at.object()?;
        let target = at.str("target")?.to_owned();
        let mut kinds = [Vec::new(), Vec::new()];
        for (slot, key) in kinds.iter_mut().zip(["scps", "rcps"]) {
            for (pptr, pv) in at.list(key)? {
                let p = At {
                    file,
                    value: pv,
                    pointer: &pptr,
                };
                p.object()?;
                let name = p.str("name")?.to_owned();
                let arn = p.opt_str("arn")?.map(str::to_owned);
                let Some(doc) = p.get("document") else {
                    return Err(p.error("missing `document`"));
                };
                let document = parse_document(file, &format!("{pptr}/document"), doc, problems)?;
                slot.push(OrgPolicy {
                    name,
                    arn,
                    document,
                });
            }
        }
        let [scps, rcps] = kinds;
        levels.push(OrgLevel { target, scps, rcps });
    }
    Ok(OrgPolicies {
        levels,
        source: Some(file.to_owned()),
    })
}

/// Parses the known-accounts list: a JSON list of IDs or of `{"id", "name"}` objects, or text with one ID per line
/// (an optional name after it, `#` comments).
pub fn parse_known_accounts(file: &str, text: &str) -> Result<Vec<KnownAccount>, InputError> {
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    let mut out = Vec::new();
    if trimmed.starts_with('[') || trimmed.starts_with('{') {
        let value = parse_json(file, trimmed)?;
        let items = match &value {
            serde_json::Value::Array(items) => items.as_slice(),
            serde_json::Value::Object(o) => match o.get("accounts") {
                Some(serde_json::Value::Array(items)) => items.as_slice(),
                _ => {
                    return Err(InputError::new(
                        file,
                        "/accounts",
                        "expected a list of accounts under `accounts`",
                    ));
                }
            },
            _ => &[],
        };
        let base = if value.is_object() { "/accounts" } else { "" };
        for (i, item) in items.iter().enumerate() {
            let ptr = format!("{base}/{i}");
            let (id, name) = match item {
                serde_json::Value::String(s) => (s.as_str(), None),
                serde_json::Value::Object(_) => {
                    let at = At {
                        file,
                        value: item,
                        pointer: &ptr,
                    };
                    (at.str("id")?, at.opt_str("name")?.map(str::to_owned))
                }
                _ => {
                    return Err(InputError::new(
                        file,
                        ptr,
                        "expected an account ID or an object",
                    ));
                }
            };
            out.push(KnownAccount {
                id: check_account_id(file, &ptr, id)?,
                name,
            });
        }
    } else {
        for (i, line) in trimmed.lines().enumerate() {
            let content = line.split('#').next().unwrap_or("").trim();
            if content.is_empty() {
                continue;
            }
            let (id, name) = match content.split_once(|c: char| c.is_whitespace() || c == ',') {
                Some((id, name)) => (id, Some(name.trim().to_owned()).filter(|n| !n.is_empty())),
                None => (content, None),
            };
            out.push(KnownAccount {
                id: check_account_id(file, &format!("line {}", i + 1), id)?,
                name,
            });
        }
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out.dedup_by(|a, b| a.id == b.id);
    Ok(out)
}

fn check_account_id(file: &str, place: &str, id: &str) -> Result<String, InputError> {
    let id = id.trim();
    if id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()) {
        Ok(id.to_owned())
    } else {
        Err(InputError::new(
            file,
            place,
            format!("`{id}` is not a 12-digit account ID"),
        ))
    }
}

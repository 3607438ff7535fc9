//! Identity fingerprints: a SHA-256 over who an identity is (ARN, unique id, creation time) and what its
//! policies say (attached, inline, groups', boundary, trust), so a decision made on it carries over to the next
//! review only when none of that changed.

use std::collections::BTreeMap;

use pare_account::{Account, Principal};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

/// `value` with every object's keys in sorted order, so equal documents print equally.
#[must_use]
pub fn canonical(value: &Value) -> Value {
    match value {
        Value::Object(m) => {
            let sorted: BTreeMap<&String, Value> =
                m.iter().map(|(k, v)| (k, canonical(v))).collect();
            let mut out = Map::new();
            for (k, v) in sorted {
                out.insert(k.clone(), v);
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn managed(acc: &Account, id: pare_account::PolicyId) -> Value {
    match acc.policy(id) {
        Some(p) => json!({
            "arn": p.arn,
            "document": p.default_version().map(|v| canonical(&v.document.json)),
        }),
        None => Value::Null,
    }
}

/// What an identity is and what its policies say, as canonical JSON.
fn identity_value(acc: &Account, p: &Principal) -> Value {
    let mut attached: Vec<Value> = p.attached.iter().map(|&id| managed(acc, id)).collect();
    attached.sort_by_key(Value::to_string);
    let mut inline: Vec<Value> = p
        .inline
        .iter()
        .map(|i| json!({"name": i.name, "document": canonical(&i.document.json)}))
        .collect();
    inline.sort_by_key(Value::to_string);
    let mut groups: Vec<Value> = p
        .groups
        .iter()
        .filter_map(|&g| acc.group(g))
        .map(|g| {
            let mut attached: Vec<Value> = g.attached.iter().map(|&id| managed(acc, id)).collect();
            attached.sort_by_key(Value::to_string);
            let mut inline: Vec<Value> = g
                .inline
                .iter()
                .map(|i| json!({"name": i.name, "document": canonical(&i.document.json)}))
                .collect();
            inline.sort_by_key(Value::to_string);
            json!({"arn": g.arn, "attached": attached, "inline": inline})
        })
        .collect();
    groups.sort_by_key(Value::to_string);
    json!({
        "arn": p.arn,
        "unique_id": p.unique_id,
        "created": p.create_date.map(|t| t.timestamp()),
        "attached": attached,
        "inline": inline,
        "groups": groups,
        "boundary": p.permissions_boundary.map(|b| managed(acc, b)),
        "trust": p.role.as_ref().map(|r| canonical(&r.trust_policy.json)),
    })
}

/// Each principal's ARN with its fingerprint (64 hex digits).
#[must_use]
pub fn identity_fingerprints(acc: &Account) -> BTreeMap<String, String> {
    acc.principals
        .iter()
        .map(|p| {
            (
                p.arn.clone(),
                sha256_hex(identity_value(acc, p).to_string().as_bytes()),
            )
        })
        .collect()
}

/// The fingerprint of an identity the snapshot does not have (another account's root seen in CloudTrail): its
/// ARN alone.
#[must_use]
pub fn outside_fingerprint(arn: &str) -> String {
    sha256_hex(json!({"arn": arn}).to_string().as_bytes())
}

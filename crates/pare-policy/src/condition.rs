//! Condition operators: every family AWS documents, `…IfExists`, `ForAllValues:`/`ForAnyValue:`, multi-key AND,
//! multi-value OR, and AWS's rules for a key that is absent from the request.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use base64::Engine;

use crate::arn::arn_matches;
use crate::context::{Context, Lookup};
use crate::document::{Condition, OperatorKind, SetQualifier};
use crate::pattern::{self, Token};

/// The outcome of one condition entry, with the keys it consulted that the request did not supply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConditionOutcome {
    pub matched: bool,
    pub unknown_keys: Vec<String>,
}

/// Evaluates one `operator: {key: values}` entry against the request context.
pub fn evaluate(cond: &Condition, ctx: &Context, variables: bool) -> ConditionOutcome {
    let mut unknown_keys = Vec::new();
    let lookup = ctx.get(&cond.key);
    if lookup == Lookup::Unknown {
        unknown_keys.push(cond.key.clone());
    }
    let op = &cond.operator;
    let request: Option<Vec<&str>> = match lookup {
        Lookup::Single(v) => Some(vec![v]),
        Lookup::Multi(vs) => Some(vs.iter().map(String::as_str).collect()),
        Lookup::Absent | Lookup::Unknown => None,
    };

    if op.kind == OperatorKind::Null {
        let absent = request.as_ref().is_none_or(|v| v.is_empty());
        let matched = cond
            .values
            .iter()
            .any(|p| match p.to_ascii_lowercase().as_str() {
                "true" => absent,
                "false" => !absent,
                _ => false,
            });
        return ConditionOutcome {
            matched,
            unknown_keys,
        };
    }

    let Some(request) = request else {
        let matched = match op.set {
            Some(SetQualifier::ForAllValues) => true,
            Some(SetQualifier::ForAnyValue) => false,
            None => op.if_exists || op.kind.is_negated(),
        };
        return ConditionOutcome {
            matched,
            unknown_keys,
        };
    };

    // Policy values, with variables substituted where the operator allows them.
    let substitutes = variables
        && matches!(
            op.kind,
            OperatorKind::StringEquals
                | OperatorKind::StringNotEquals
                | OperatorKind::StringEqualsIgnoreCase
                | OperatorKind::StringNotEqualsIgnoreCase
                | OperatorKind::StringLike
                | OperatorKind::StringNotLike
                | OperatorKind::ArnEquals
                | OperatorKind::ArnLike
                | OperatorKind::ArnNotEquals
                | OperatorKind::ArnNotLike
        );
    let wildcards = matches!(
        op.kind,
        OperatorKind::StringLike | OperatorKind::StringNotLike
    );
    let mut policy_values = Vec::with_capacity(cond.values.len());
    for v in &cond.values {
        let s = pattern::substitute(v, ctx, substitutes, wildcards);
        unknown_keys.extend(s.unknown_keys.iter().cloned());
        if !s.unresolved {
            policy_values.push(s);
        }
    }

    // Whether one request value satisfies the operator against the policy values: positive operators need
    // any policy value to match; negated operators need none of them to match.
    let single = |value: &str| -> bool {
        let any = policy_values
            .iter()
            .any(|p| positive_match(op.kind, value, &p.tokens));
        if op.kind.is_negated() { !any } else { any }
    };
    let matched = match op.set {
        Some(SetQualifier::ForAnyValue) => request.iter().any(|v| single(v)),
        Some(SetQualifier::ForAllValues) => request.iter().all(|v| single(v)),
        None if op.kind.is_negated() => request.iter().all(|v| single(v)),
        None => request.iter().any(|v| single(v)),
    };
    ConditionOutcome {
        matched,
        unknown_keys,
    }
}

/// The positive form of the operator (`StringNotEquals` → `StringEquals`) on one request/policy value pair.
fn positive_match(kind: OperatorKind, value: &str, policy: &[Token]) -> bool {
    use OperatorKind::*;
    let text = || -> String { policy.iter().map(|t| t.as_char()).collect() };
    match kind {
        StringEquals | StringNotEquals => literal_eq(policy, value, false),
        StringEqualsIgnoreCase | StringNotEqualsIgnoreCase => literal_eq(policy, value, true),
        StringLike | StringNotLike => pattern::matches(policy, value, false),
        NumericEquals | NumericNotEquals => cmp_num(value, &text(), |a, b| a == b),
        NumericLessThan => cmp_num(value, &text(), |a, b| a < b),
        NumericLessThanEquals => cmp_num(value, &text(), |a, b| a <= b),
        NumericGreaterThan => cmp_num(value, &text(), |a, b| a > b),
        NumericGreaterThanEquals => cmp_num(value, &text(), |a, b| a >= b),
        DateEquals | DateNotEquals => cmp_date(value, &text(), |a, b| a == b),
        DateLessThan => cmp_date(value, &text(), |a, b| a < b),
        DateLessThanEquals => cmp_date(value, &text(), |a, b| a <= b),
        DateGreaterThan => cmp_date(value, &text(), |a, b| a > b),
        DateGreaterThanEquals => cmp_date(value, &text(), |a, b| a >= b),
        Bool => value.eq_ignore_ascii_case(&text()),
        BinaryEquals => binary_eq(value, &text()),
        IpAddress | NotIpAddress => ip_in_cidr(value, &text()),
        ArnEquals | ArnLike | ArnNotEquals | ArnNotLike => {
            // ARN operators treat `*`/`?` in the policy value as wildcards.
            value.starts_with("arn:") && arn_matches(&text(), value)
        }
        Null => false,
    }
}

fn literal_eq(policy: &[Token], value: &str, ignore_case: bool) -> bool {
    let mut chars = value.chars();
    for t in policy {
        let c = t.as_char();
        match chars.next() {
            Some(v) if v == c => {}
            Some(v) if ignore_case && v.to_lowercase().eq(c.to_lowercase()) => {}
            _ => return false,
        }
    }
    chars.next().is_none()
}

fn parse_number(s: &str) -> Option<f64> {
    s.trim().parse::<f64>().ok().filter(|n| n.is_finite())
}

fn cmp_num(value: &str, policy: &str, f: impl Fn(f64, f64) -> bool) -> bool {
    match (parse_number(value), parse_number(policy)) {
        (Some(a), Some(b)) => f(a, b),
        _ => false,
    }
}

/// Parses the date forms AWS accepts: ISO 8601 date-times (with or without zone, fractional seconds),
/// plain dates, and epoch seconds. Returns milliseconds since the epoch.
pub fn parse_date(s: &str) -> Option<i64> {
    let s = s.trim();
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse::<i64>().ok().map(|secs| secs.saturating_mul(1000));
    }
    if let Ok(dt) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(dt.timestamp_millis());
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(dt) = chrono::NaiveDateTime::parse_from_str(s.trim_end_matches('Z'), fmt) {
            return Some(dt.and_utc().timestamp_millis());
        }
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S%.f%z"] {
        if let Ok(dt) = chrono::DateTime::parse_from_str(s, fmt) {
            return Some(dt.timestamp_millis());
        }
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return d
            .and_hms_opt(0, 0, 0)
            .map(|dt| dt.and_utc().timestamp_millis());
    }
    None
}

fn cmp_date(value: &str, policy: &str, f: impl Fn(i64, i64) -> bool) -> bool {
    match (parse_date(value), parse_date(policy)) {
        (Some(a), Some(b)) => f(a, b),
        _ => false,
    }
}

fn binary_eq(value: &str, policy: &str) -> bool {
    let engine = base64::engine::general_purpose::STANDARD;
    match (engine.decode(value.trim()), engine.decode(policy.trim())) {
        (Ok(a), Ok(b)) => a == b,
        _ => value == policy,
    }
}

/// Parses an IPv4 address leniently (leading zeros are decimal, as in anonymised logs) or an IPv6 address.
pub fn parse_ip(s: &str) -> Option<IpAddr> {
    let s = s.trim();
    if s.contains(':') {
        return s.parse::<Ipv6Addr>().ok().map(IpAddr::V6);
    }
    let mut octets = [0u8; 4];
    let mut parts = s.split('.');
    for o in &mut octets {
        let part = parts.next()?;
        if part.is_empty() || part.len() > 3 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        *o = part.parse::<u8>().ok()?;
    }
    if parts.next().is_some() {
        return None;
    }
    Some(IpAddr::V4(Ipv4Addr::from(octets)))
}

/// Whether `ip` lies in `cidr` (`203.0.113.0/24`, `2001:db8::/32`, or a single address).
pub fn ip_in_cidr(ip: &str, cidr: &str) -> bool {
    let (net, bits) = match cidr.trim().split_once('/') {
        Some((n, b)) => match b.parse::<u32>() {
            Ok(b) => (n, Some(b)),
            Err(_) => return false,
        },
        None => (cidr.trim(), None),
    };
    match (parse_ip(ip), parse_ip(net)) {
        (Some(IpAddr::V4(a)), Some(IpAddr::V4(n))) => {
            let bits = bits.unwrap_or(32);
            if bits > 32 {
                return false;
            }
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits)
            };
            (u32::from(a) & mask) == (u32::from(n) & mask)
        }
        (Some(IpAddr::V6(a)), Some(IpAddr::V6(n))) => {
            let bits = bits.unwrap_or(128);
            if bits > 128 {
                return false;
            }
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - bits)
            };
            (u128::from(a) & mask) == (u128::from(n) & mask)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::ContextValue;
    use crate::document::ConditionOperator;

    fn check(op: &str, key: &str, values: &[&str], ctx: &Context) -> bool {
        let cond = Condition {
            operator: ConditionOperator::parse(op).unwrap(),
            key: key.into(),
            values: values.iter().map(|s| s.to_string()).collect(),
        };
        evaluate(&cond, ctx, true).matched
    }

    fn ctx(pairs: &[(&str, ContextValue)]) -> Context {
        let mut c = Context::new();
        for (k, v) in pairs {
            c.insert(k, v.clone());
        }
        c
    }

    #[test]
    fn absent_key_rules() {
        let c = ctx(&[("k", ContextValue::Absent)]);
        assert!(!check("StringEquals", "k", &["a"], &c));
        assert!(check("StringNotEquals", "k", &["a"], &c));
        assert!(check("StringEqualsIfExists", "k", &["a"], &c));
        assert!(check("ForAllValues:StringEquals", "k", &["a"], &c));
        assert!(!check("ForAnyValue:StringEquals", "k", &["a"], &c));
        assert!(check("Null", "k", &["true"], &c));
        assert!(!check("Null", "k", &["false"], &c));
    }

    #[test]
    fn multi_valued_keys() {
        let c = ctx(&[(
            "aws:TagKeys",
            ContextValue::Multi(vec!["a".into(), "b".into()]),
        )]);
        assert!(check(
            "ForAllValues:StringEquals",
            "aws:tagkeys",
            &["a", "b", "c"],
            &c
        ));
        assert!(!check(
            "ForAllValues:StringEquals",
            "aws:TagKeys",
            &["a"],
            &c
        ));
        assert!(check("ForAnyValue:StringEquals", "aws:TagKeys", &["a"], &c));
        assert!(check(
            "ForAnyValue:StringNotEquals",
            "aws:TagKeys",
            &["a"],
            &c
        ));
        assert!(!check(
            "ForAllValues:StringNotEquals",
            "aws:TagKeys",
            &["a"],
            &c
        ));
    }

    #[test]
    fn ip_and_dates_and_numbers() {
        assert!(ip_in_cidr("075.050.255.67", "75.50.0.0/16"));
        assert!(ip_in_cidr("2001:db8::1", "2001:db8::/32"));
        assert!(!ip_in_cidr("203.0.113.1", "2001:db8::/32"));
        assert!(ip_in_cidr("10.0.0.1", "10.0.0.1"));
        assert_eq!(parse_date("2020-01-01"), parse_date("2020-01-01T00:00:00Z"));
        assert_eq!(parse_date("1577836800"), parse_date("2020-01-01T00:00:00Z"));
        let c = ctx(&[("s3:max-keys", ContextValue::Single("10".into()))]);
        assert!(check("NumericLessThanEquals", "s3:max-keys", &["10.0"], &c));
        assert!(!check("NumericLessThan", "s3:max-keys", &["10"], &c));
    }
}

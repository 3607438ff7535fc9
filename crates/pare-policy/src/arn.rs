//! ARNs: parsing into their six parts and the segment-wise, case-sensitive wildcard match AWS uses for
//! `Resource` elements and the `Arn*` condition operators.

use crate::pattern;

/// An ARN split into `arn:partition:service:region:account:resource`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arn<'a> {
    pub partition: &'a str,
    pub service: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    /// Everything after the fifth colon; may itself contain colons and slashes.
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    /// Splits `text` into its parts; `None` when it is not `arn:` followed by five colons.
    pub fn parse(text: &'a str) -> Option<Arn<'a>> {
        let mut parts = text.splitn(6, ':');
        if parts.next()? != "arn" {
            return None;
        }
        Some(Arn {
            partition: parts.next()?,
            service: parts.next()?,
            region: parts.next()?,
            account: parts.next()?,
            resource: parts.next()?,
        })
    }
}

/// Matches an ARN pattern against a concrete ARN as AWS does for `Resource` and `ArnLike`:
/// `*` alone matches everything; otherwise each of the six colon-separated parts is matched separately
/// (case-sensitively, `*` and `?` as wildcards), so a wildcard never spans a colon before the resource part.
/// Patterns or values that are not ARN-shaped are matched as whole strings.
pub fn arn_matches(pattern: &str, value: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    match (split6(pattern), split6(value)) {
        (Some(p), Some(v)) => p.iter().zip(v.iter()).all(|(ps, vs)| glob(ps, vs)),
        _ => glob(pattern, value),
    }
}

/// `*`/`?` within one segment, case-sensitive, no variables (allocation-free for ASCII).
fn glob(pattern: &str, value: &str) -> bool {
    pattern::glob(pattern, value, false)
}

/// The six colon-separated parts of a text (the last part keeps any further colons); `None` with fewer than six.
pub(crate) fn split6(s: &str) -> Option<[&str; 6]> {
    let mut it = s.splitn(6, ':');
    Some([
        it.next()?,
        it.next()?,
        it.next()?,
        it.next()?,
        it.next()?,
        it.next()?,
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_six_parts() {
        let a = Arn::parse("arn:aws:logs:us-east-1:123:log-group:g:log-stream:s").unwrap();
        assert_eq!(a.service, "logs");
        assert_eq!(a.resource, "log-group:g:log-stream:s");
        assert!(Arn::parse("arn:aws:s3").is_none());
    }

    #[test]
    fn wildcards_stay_within_a_segment() {
        assert!(arn_matches(
            "arn:aws:s3:::bucket/*",
            "arn:aws:s3:::bucket/a/b"
        ));
        assert!(arn_matches(
            "arn:aws:logs:*:*:*",
            "arn:aws:logs:us-east-1:1:log-group:x:y"
        ));
        assert!(!arn_matches("arn:aws:s3:::bucket*", "arn:aws:s3::x:bucket"));
        assert!(!arn_matches(
            "arn:aws:s3:::Bucket/*",
            "arn:aws:s3:::bucket/a"
        ));
        assert!(arn_matches(
            "arn:aws:iam::*:role/r?",
            "arn:aws:iam::1:role/r1"
        ));
        assert!(arn_matches("arn:*", "arn:aws:s3:::b"));
        assert!(arn_matches("*", "anything"));
    }
}

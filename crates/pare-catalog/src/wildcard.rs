//! IAM-style wildcard matching: `*` matches any sequence of characters
//! (including none), `?` matches exactly one character, and every other
//! character matches itself.
//!
//! The matcher is iterative: it remembers only the most recent `*` and
//! retries from there, which is correct for patterns made of `*`, `?` and
//! literals and runs in `O(pattern × text)` time in the worst case (linear in
//! the common case) with no recursion. It works on Unicode scalar values, so
//! `?` matches one `char`, not one byte. ASCII inputs take a byte-level fast
//! path that does not allocate.

/// Whether `text` matches `pattern`, where `*` matches any sequence of
/// characters (including the empty one) and `?` matches exactly one.
///
/// There are no other metacharacters and no escapes. With
/// `case_insensitive`, characters are compared by their lowercase forms.
///
/// ```
/// use pare_catalog::wildcard::matches;
/// assert!(matches("s3:Get*", "s3:GetObject", false));
/// assert!(matches("S3:get*", "s3:GetObject", true));
/// assert!(!matches("S3:get*", "s3:GetObject", false));
/// assert!(matches("arn:aws:s3:::bucket/?/*", "arn:aws:s3:::bucket/é/x", false));
/// ```
#[must_use]
pub fn matches(pattern: &str, text: &str, case_insensitive: bool) -> bool {
    if pattern.is_ascii() && text.is_ascii() {
        let (p, t) = (pattern.as_bytes(), text.as_bytes());
        if case_insensitive {
            glob(p, t, b'*', b'?', |a, b| a.eq_ignore_ascii_case(&b))
        } else {
            glob(p, t, b'*', b'?', |a, b| a == b)
        }
    } else {
        let p: Vec<char> = pattern.chars().collect();
        let t: Vec<char> = text.chars().collect();
        if case_insensitive {
            glob(&p, &t, '*', '?', chars_eq_ignore_case)
        } else {
            glob(&p, &t, '*', '?', |a, b| a == b)
        }
    }
}

/// Whether `pattern` contains a wildcard character (`*` or `?`).
#[must_use]
pub fn has_wildcard(pattern: &str) -> bool {
    pattern.contains(['*', '?'])
}

/// Compares two characters by their lowercase forms.
fn chars_eq_ignore_case(a: char, b: char) -> bool {
    a == b || a.to_lowercase().eq(b.to_lowercase())
}

/// The matching loop, generic over bytes and chars.
///
/// Classic greedy matching with a single backtrack point: when a literal
/// fails, the most recent `*` absorbs one more text character. Earlier stars
/// never need revisiting because a later star can absorb anything they could.
fn glob<T: Copy + PartialEq>(
    pattern: &[T],
    text: &[T],
    star: T,
    any: T,
    eq: impl Fn(T, T) -> bool,
) -> bool {
    let (mut pi, mut ti) = (0usize, 0usize);
    // (pattern index just after the last star, text index it is retried at)
    let mut backtrack: Option<(usize, usize)> = None;
    while let Some(&tc) = text.get(ti) {
        match pattern.get(pi) {
            Some(&pc) if pc == star => {
                pi += 1;
                backtrack = Some((pi, ti));
            }
            Some(&pc) if pc == any || eq(pc, tc) => {
                pi += 1;
                ti += 1;
            }
            _ => match backtrack {
                Some((bp, bt)) => {
                    pi = bp;
                    ti = bt + 1;
                    backtrack = Some((bp, ti));
                }
                None => return false,
            },
        }
    }
    pattern
        .get(pi..)
        .is_some_and(|rest| rest.iter().all(|&c| c == star))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The obvious recursive definition, exponential but small inputs only.
    fn reference(p: &[char], t: &[char], ci: bool) -> bool {
        match p.split_first() {
            None => t.is_empty(),
            Some(('*', rest)) => (0..=t.len()).any(|i| reference(rest, &t[i..], ci)),
            Some((&pc, rest)) => match t.split_first() {
                Some((&tc, trest)) => {
                    let same = if ci {
                        chars_eq_ignore_case(pc, tc)
                    } else {
                        pc == tc
                    };
                    (pc == '?' || same) && reference(rest, trest, ci)
                }
                None => false,
            },
        }
    }

    fn reference_str(p: &str, t: &str, ci: bool) -> bool {
        let p: Vec<char> = p.chars().collect();
        let t: Vec<char> = t.chars().collect();
        reference(&p, &t, ci)
    }

    #[test]
    fn basics() {
        assert!(matches("", "", false));
        assert!(!matches("", "a", false));
        assert!(matches("*", "", false));
        assert!(matches("*", "anything", false));
        assert!(matches("**", "x", false));
        assert!(!matches("?", "", false));
        assert!(matches("?", "é", false));
        assert!(!matches("??", "é", false));
        assert!(matches("a*b*c", "aXXbYYc", false));
        assert!(!matches("a*b*c", "aXXbYY", false));
        assert!(matches("*ab", "aab", false));
        assert!(matches("a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaab", false));
        assert!(!matches("a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaa", false));
        assert!(matches(
            "ec2:Describe?ddresses",
            "ec2:DescribeAddresses",
            false
        ));
        assert!(matches("EC2:describe*", "ec2:DescribeInstances", true));
        assert!(!matches("EC2:describe*", "ec2:DescribeInstances", false));
        assert!(matches(
            "arn:aws:s3:::bucket/*",
            "arn:aws:s3:::bucket/",
            false
        ));
        assert!(matches("ÉTÉ*", "été-2024", true));
        assert!(!matches("ÉTÉ*", "été-2024", false));
    }

    #[test]
    fn no_exponential_blowup() {
        let text = "a".repeat(5_000);
        let pattern = format!("{}b", "*a".repeat(200));
        assert!(!matches(&pattern, &text, false));
    }

    proptest! {
        #[test]
        fn agrees_with_reference(p in "[ab*?Aé]{0,8}", t in "[abAÉé]{0,10}", ci in any::<bool>()) {
            prop_assert_eq!(matches(&p, &t, ci), reference_str(&p, &t, ci));
        }

        #[test]
        fn agrees_with_reference_ascii(p in "[abc*?:]{0,10}", t in "[abc:]{0,12}") {
            prop_assert_eq!(matches(&p, &t, true), reference_str(&p, &t, true));
            prop_assert_eq!(matches(&p, &t, false), reference_str(&p, &t, false));
        }

        #[test]
        fn literal_matches_itself(t in "[a-zA-Z0-9:/.-]{0,20}") {
            prop_assert!(matches(&t, &t, false));
            prop_assert!(matches(&t.to_uppercase(), &t, true));
        }
    }
}

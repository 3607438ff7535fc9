//! Resource scoping: generalising an observed ARN to its bucket or prefix, and proving that one ARN pattern
//! covers no more than another (glob inclusion, segment by segment as AWS matches ARNs).

/// The longest ARN pattern one level above `resource`, or `None` when there is nothing to generalise.
///
/// S3 objects go to their bucket (`arn:aws:s3:::bucket/a/b` → `arn:aws:s3:::bucket/*`); other ARNs lose
/// their last `/`- or `:`-separated name (`arn:aws:iam::1:role/path/r` → `arn:aws:iam::1:role/path/*`).
pub fn generalise(resource: &str) -> Option<String> {
    let mut parts = resource.splitn(6, ':');
    let (Some("arn"), Some(partition), Some(service), Some(region), Some(account), Some(rest)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    if rest.contains(['*', '?']) {
        return None;
    }
    let head = format!("arn:{partition}:{service}:{region}:{account}:");
    if service == "s3" {
        let (bucket, key) = rest.split_once('/')?;
        if bucket.is_empty() || key.is_empty() {
            return None;
        }
        return Some(format!("{head}{bucket}/*"));
    }
    // Keep the resource type (`role/`, `function:`, `table/`) and at least one name segment's parent.
    let cut = rest.rfind(['/', ':'])?;
    let kept = rest.get(..=cut)?;
    if kept.is_empty() {
        return None;
    }
    Some(format!("{head}{kept}*"))
}

/// Whether every resource `inner` matches is also matched by `outer` (both `Resource` patterns with `*`
/// and `?`). Sound, not complete: `false` means "not proven". Patterns with policy variables (`${…}`) are
/// only proven when they are equal.
pub fn pattern_covers(outer: &str, inner: &str) -> bool {
    if outer == "*" || outer == inner {
        return true;
    }
    if outer.contains("${") || inner.contains("${") || inner == "*" {
        return false;
    }
    match (split6(outer), split6(inner)) {
        (Some(o), Some(i)) => o
            .iter()
            .zip(i.iter())
            .all(|(os, is)| glob_covers(os.as_bytes(), is.as_bytes())),
        (None, None) => glob_covers(outer.as_bytes(), inner.as_bytes()),
        _ => false,
    }
}

fn split6(s: &str) -> Option<[&str; 6]> {
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

/// Glob-in-glob matching: `outer`'s `*` absorbs any run of `inner`'s tokens (wildcards included), `outer`'s
/// `?` one literal or `?` of `inner`, and literals match themselves (case-sensitive, as ARNs are).
fn glob_covers(outer: &[u8], inner: &[u8]) -> bool {
    if !outer.contains(&b'*') && !outer.contains(&b'?') {
        return outer == inner;
    }
    // memo[i][j]: outer[i..] covers inner[j..]
    let (n, m) = (outer.len(), inner.len());
    let mut memo = vec![vec![false; m + 1]; n + 1];
    if let Some(row) = memo.get_mut(n) {
        if let Some(cell) = row.get_mut(m) {
            *cell = true;
        }
    }
    for i in (0..n).rev() {
        for j in (0..=m).rev() {
            let o = outer.get(i).copied();
            let here = match o {
                Some(b'*') => {
                    // skip the star, or let it absorb inner[j]
                    at(&memo, i + 1, j) || (j < m && at(&memo, i, j + 1))
                }
                Some(b'?') => match inner.get(j) {
                    Some(b'*') | None => false,
                    Some(_) => at(&memo, i + 1, j + 1),
                },
                Some(c) => match inner.get(j) {
                    Some(&ic) if ic == c && ic != b'*' && ic != b'?' => at(&memo, i + 1, j + 1),
                    _ => false,
                },
                None => false,
            };
            if let Some(cell) = memo.get_mut(i).and_then(|r| r.get_mut(j)) {
                *cell = here;
            }
        }
    }
    at(&memo, 0, 0)
}

fn at(memo: &[Vec<bool>], i: usize, j: usize) -> bool {
    memo.get(i).and_then(|r| r.get(j)).copied().unwrap_or(false)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "test code")]
mod tests {
    use super::*;

    #[test]
    fn generalises_to_bucket_or_parent() {
        assert_eq!(
            generalise("arn:aws:s3:::bucket/a/b.txt").as_deref(),
            Some("arn:aws:s3:::bucket/*")
        );
        assert_eq!(generalise("arn:aws:s3:::bucket"), None);
        assert_eq!(
            generalise("arn:aws:iam::1:role/path/r").as_deref(),
            Some("arn:aws:iam::1:role/path/*")
        );
        assert_eq!(
            generalise("arn:aws:lambda:us-east-1:1:function:f").as_deref(),
            Some("arn:aws:lambda:us-east-1:1:function:*")
        );
        assert_eq!(generalise("*"), None);
    }

    #[test]
    fn inclusion_is_sound() {
        assert!(pattern_covers("*", "arn:aws:s3:::b/*"));
        assert!(pattern_covers("arn:aws:s3:::b/*", "arn:aws:s3:::b/*"));
        assert!(pattern_covers("arn:aws:s3:::b*", "arn:aws:s3:::b/x/*"));
        assert!(pattern_covers("arn:aws:s3:::*/*", "arn:aws:s3:::b/x"));
        assert!(!pattern_covers("arn:aws:s3:::b/?", "arn:aws:s3:::b/*"));
        assert!(!pattern_covers("arn:aws:s3:::b/a*", "arn:aws:s3:::b/*"));
        assert!(!pattern_covers("arn:aws:s3:::b/x", "*"));
        assert!(pattern_covers(
            "arn:aws:iam::*:role/*",
            "arn:aws:iam::1:role/p/*"
        ));
        assert!(!pattern_covers(
            "arn:aws:iam::1:role/*",
            "arn:aws:iam::*:role/x"
        ));
        assert!(!pattern_covers(
            "arn:aws:s3:::${aws:username}/*",
            "arn:aws:s3:::alice/x"
        ));
    }
}

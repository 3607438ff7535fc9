//! Case-insensitive string comparison shared by sorting and lookups.

use std::cmp::Ordering;

/// Compares two strings by their lowercase forms (full Unicode lowercase,
/// with a byte-level fast path while the strings are ASCII). This is the
/// order the catalog is sorted in.
pub(crate) fn cmp_ci(a: &str, b: &str) -> Ordering {
    for (&x, &y) in a.as_bytes().iter().zip(b.as_bytes()) {
        if x == y {
            // Identical bytes lowercase identically, even inside a
            // multi-byte character.
            continue;
        }
        if !x.is_ascii() || !y.is_ascii() {
            return cmp_ci_unicode(a, b);
        }
        let (lx, ly) = (x.to_ascii_lowercase(), y.to_ascii_lowercase());
        if lx != ly {
            return lx.cmp(&ly);
        }
    }
    // One is a prefix of the other, ignoring ASCII case; no character
    // lowercases to nothing, so the shorter sorts first.
    a.len().cmp(&b.len())
}

/// [`cmp_ci`] on characters.
fn cmp_ci_unicode(a: &str, b: &str) -> Ordering {
    a.chars()
        .flat_map(char::to_lowercase)
        .cmp(b.chars().flat_map(char::to_lowercase))
}

/// Whether two strings are equal ignoring case (see [`cmp_ci`]).
pub(crate) fn eq_ci(a: &str, b: &str) -> bool {
    cmp_ci(a, b) == Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_case_insensitively() {
        assert_eq!(cmp_ci("GetObject", "getobject"), Ordering::Equal);
        assert_eq!(cmp_ci("acm", "ACM-pca"), Ordering::Less);
        assert_eq!(cmp_ci("Zeta", "alpha"), Ordering::Greater);
        assert!(eq_ci("Été", "éTÉ"));
        assert_eq!(cmp_ci("éa", "Éb"), Ordering::Less);
        assert_eq!(cmp_ci("x", "xÉ"), Ordering::Less);
        assert_eq!(cmp_ci("K1", "\u{212A}1"), Ordering::Equal);
    }

    proptest::proptest! {
        #[test]
        fn fast_path_agrees_with_unicode(a in "[aAbB\u{e9}\u{c9}\u{212a}kK]{0,6}", b in "[aAbB\u{e9}\u{c9}\u{212a}kK]{0,6}") {
            proptest::prop_assert_eq!(cmp_ci(&a, &b), cmp_ci_unicode(&a, &b));
        }
    }
}

//! Case-insensitive string comparison shared by sorting and lookups.

use std::cmp::Ordering;

/// Compares two strings by their lowercase forms (ASCII fast path, full
/// Unicode lowercase otherwise). This is the order the catalog is sorted in.
pub(crate) fn cmp_ci(a: &str, b: &str) -> Ordering {
    if a.is_ascii() && b.is_ascii() {
        a.bytes()
            .map(|c| c.to_ascii_lowercase())
            .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
    } else {
        a.chars()
            .flat_map(char::to_lowercase)
            .cmp(b.chars().flat_map(char::to_lowercase))
    }
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
    }
}

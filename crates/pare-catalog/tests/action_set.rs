//! Algebraic laws of `ActionSet` on random sets over the bundled catalog.

// Test helpers outside #[test] functions may panic too.
#![allow(clippy::expect_used)]

use pare_catalog::{ActionId, ActionSet, Catalog};
use proptest::prelude::*;

fn catalog() -> &'static Catalog {
    Catalog::bundled().expect("bundled catalog loads")
}

fn set_from(indices: &[usize]) -> ActionSet {
    let c = catalog();
    let mut s = ActionSet::empty(c);
    s.extend(
        indices
            .iter()
            .filter_map(|&i| c.action_id(i % c.action_count())),
    );
    s
}

fn indices() -> impl Strategy<Value = Vec<usize>> {
    prop_oneof![
        prop::collection::vec(0usize..30_000, 0..40),
        // Dense ranges near word boundaries and the end of the catalog.
        (0usize..200, 0usize..200).prop_map(|(a, b)| (a..a + b).collect()),
        (0usize..150).prop_map(|n| {
            let total = catalog().action_count();
            (total.saturating_sub(n)..total).collect()
        }),
    ]
}

fn union(a: &ActionSet, b: &ActionSet) -> ActionSet {
    let mut r = a.clone();
    r.union_with(b);
    r
}

fn inter(a: &ActionSet, b: &ActionSet) -> ActionSet {
    let mut r = a.clone();
    r.intersect_with(b);
    r
}

fn diff(a: &ActionSet, b: &ActionSet) -> ActionSet {
    let mut r = a.clone();
    r.difference_with(b);
    r
}

#[test]
fn basics() {
    let c = catalog();
    let mut s = ActionSet::empty(c);
    assert!(s.is_empty());
    assert_eq!(s.len(), 0);
    let id = c.action("iam:PassRole").expect("id");
    assert!(s.insert(id));
    assert!(!s.insert(id));
    assert!(s.contains(id));
    assert_eq!(s.iter().collect::<Vec<_>>(), vec![id]);
    assert!(s.remove(id));
    assert!(s.is_empty());
    let full = ActionSet::full(c);
    assert_eq!(full.len(), c.action_count());
    assert_eq!(full.complement(), ActionSet::empty(c));
    assert_eq!(ActionSet::empty(c).complement(), full);
    assert!(format!("{s:?}").starts_with('['));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn laws(a in indices(), b in indices(), x in indices()) {
        let c = catalog();
        let (a, b, x) = (set_from(&a), set_from(&b), set_from(&x));
        let full = ActionSet::full(c);
        let empty = ActionSet::empty(c);

        // Commutativity, associativity, idempotence.
        prop_assert_eq!(union(&a, &b), union(&b, &a));
        prop_assert_eq!(inter(&a, &b), inter(&b, &a));
        prop_assert_eq!(union(&union(&a, &b), &x), union(&a, &union(&b, &x)));
        prop_assert_eq!(inter(&inter(&a, &b), &x), inter(&a, &inter(&b, &x)));
        prop_assert_eq!(union(&a, &a), a.clone());
        prop_assert_eq!(inter(&a, &a), a.clone());
        // Distributivity and absorption.
        prop_assert_eq!(inter(&a, &union(&b, &x)), union(&inter(&a, &b), &inter(&a, &x)));
        prop_assert_eq!(union(&a, &inter(&a, &b)), a.clone());
        // Complement: involution, De Morgan, identities.
        prop_assert_eq!(a.complement().complement(), a.clone());
        prop_assert_eq!(union(&a, &b).complement(), inter(&a.complement(), &b.complement()));
        prop_assert_eq!(union(&a, &a.complement()), full.clone());
        prop_assert_eq!(inter(&a, &a.complement()), empty.clone());
        prop_assert_eq!(a.len() + a.complement().len(), c.action_count());
        // Difference is intersection with the complement.
        prop_assert_eq!(diff(&a, &b), inter(&a, &b.complement()));
        // Subsets.
        prop_assert!(inter(&a, &b).is_subset(&a));
        prop_assert!(a.is_subset(&union(&a, &b)));
        prop_assert!(empty.is_subset(&a));
        prop_assert!(a.is_subset(&full));
        prop_assert_eq!(a.is_subset(&b), union(&a, &b) == b);
        prop_assert_eq!(a.intersects(&b), !inter(&a, &b).is_empty());
        // Size and iteration agree with a reference set.
        let ra: std::collections::BTreeSet<ActionId> = a.iter().collect();
        let rb: std::collections::BTreeSet<ActionId> = b.iter().collect();
        prop_assert_eq!(ra.len(), a.len());
        prop_assert!(ra.iter().all(|&id| a.contains(id)));
        let ru: Vec<ActionId> = ra.union(&rb).copied().collect();
        prop_assert_eq!(union(&a, &b).iter().collect::<Vec<_>>(), ru);
        // Hash agrees with Eq.
        let mut h = std::collections::HashSet::new();
        h.insert(union(&a, &b));
        prop_assert!(h.contains(&union(&b, &a)));
    }
}

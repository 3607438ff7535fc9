//! [`ActionSet`]: a fixed-size bitset over all actions of a catalog.

use std::fmt;
use std::ops::Range;

use crate::{ActionId, Catalog};

/// A set of actions of one catalog, stored as one bit per action.
///
/// Every set made for a catalog has the same size (the catalog's action
/// count), so set operations are word-wise and fast. Combining sets from
/// catalogs of different sizes only looks at the ids both can hold.
///
/// Bits past the catalog's last action are always zero, so the derived
/// `Eq`/`Hash` compare contents.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct ActionSet {
    words: Vec<u64>,
    universe: u32,
}

const BITS: usize = 64;

impl ActionSet {
    /// The empty set over the catalog's actions.
    #[must_use]
    pub fn empty(catalog: &Catalog) -> ActionSet {
        ActionSet::with_universe(catalog.action_count())
    }

    /// The set of all the catalog's actions.
    #[must_use]
    pub fn full(catalog: &Catalog) -> ActionSet {
        let mut set = ActionSet::empty(catalog);
        set.insert_range(0..set.universe());
        set
    }

    /// The empty set over `universe` actions (ids `0..universe`).
    pub(crate) fn with_universe(universe: usize) -> ActionSet {
        let universe = u32::try_from(universe).unwrap_or(u32::MAX);
        ActionSet {
            words: vec![0; (universe as usize).div_ceil(BITS)],
            universe,
        }
    }

    /// The number of actions the set can hold: the catalog's action count.
    #[must_use]
    pub fn universe(&self) -> usize {
        self.universe as usize
    }

    /// Adds an action; returns whether it was newly added. Ids outside the
    /// catalog are ignored (returns `false`).
    pub fn insert(&mut self, id: ActionId) -> bool {
        let (word, bit) = split(id);
        match self.words.get_mut(word) {
            Some(w) if id.0 < self.universe => {
                let added = *w & bit == 0;
                *w |= bit;
                added
            }
            _ => false,
        }
    }

    /// Removes an action; returns whether it was present.
    pub fn remove(&mut self, id: ActionId) -> bool {
        let (word, bit) = split(id);
        match self.words.get_mut(word) {
            Some(w) => {
                let present = *w & bit != 0;
                *w &= !bit;
                present
            }
            None => false,
        }
    }

    /// Adds all actions with index in `range` (clamped to the catalog).
    pub fn insert_range(&mut self, range: Range<usize>) {
        let end = range.end.min(self.universe());
        let mut i = range.start;
        while i < end {
            let word = i / BITS;
            let lo = i % BITS;
            let hi = (end - word * BITS).min(BITS);
            let mask = if hi - lo == BITS {
                u64::MAX
            } else {
                ((1u64 << (hi - lo)) - 1) << lo
            };
            if let Some(w) = self.words.get_mut(word) {
                *w |= mask;
            }
            i = (word + 1) * BITS;
        }
    }

    /// Whether the set holds the action.
    #[must_use]
    pub fn contains(&self, id: ActionId) -> bool {
        let (word, bit) = split(id);
        self.words.get(word).is_some_and(|w| w & bit != 0)
    }

    /// The number of actions in the set.
    #[must_use]
    pub fn len(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// Whether the set is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.words.iter().all(|&w| w == 0)
    }

    /// Whether the set holds every action of the catalog.
    #[must_use]
    pub fn is_full(&self) -> bool {
        self.len() == self.universe()
    }

    /// The actions in the set, in id order.
    pub fn iter(&self) -> impl Iterator<Item = ActionId> + '_ {
        self.words.iter().enumerate().flat_map(|(i, &w)| {
            let base = i * BITS;
            BitIter(w).map(move |b| ActionId(u32::try_from(base + b).unwrap_or(u32::MAX)))
        })
    }

    /// Adds every action of `other` (`self ∪= other`).
    pub fn union_with(&mut self, other: &ActionSet) {
        for (a, b) in self.words.iter_mut().zip(&other.words) {
            *a |= b;
        }
        self.clear_tail();
    }

    /// Keeps only actions also in `other` (`self ∩= other`).
    pub fn intersect_with(&mut self, other: &ActionSet) {
        for (i, a) in self.words.iter_mut().enumerate() {
            *a &= other.words.get(i).copied().unwrap_or(0);
        }
    }

    /// Removes every action of `other` (`self −= other`).
    pub fn difference_with(&mut self, other: &ActionSet) {
        for (a, b) in self.words.iter_mut().zip(&other.words) {
            *a &= !b;
        }
    }

    /// The actions of the catalog that are not in the set.
    #[must_use]
    pub fn complement(&self) -> ActionSet {
        let mut out = ActionSet {
            words: self.words.iter().map(|w| !w).collect(),
            universe: self.universe,
        };
        out.clear_tail();
        out
    }

    /// Whether every action of the set is also in `other`.
    #[must_use]
    pub fn is_subset(&self, other: &ActionSet) -> bool {
        self.words
            .iter()
            .enumerate()
            .all(|(i, a)| a & !other.words.get(i).copied().unwrap_or(0) == 0)
    }

    /// Whether the two sets share an action.
    #[must_use]
    pub fn intersects(&self, other: &ActionSet) -> bool {
        self.words.iter().zip(&other.words).any(|(a, b)| a & b != 0)
    }

    /// Zeroes the bits past the last action.
    fn clear_tail(&mut self) {
        let rem = self.universe() % BITS;
        if rem != 0 {
            if let Some(last) = self.words.last_mut() {
                *last &= (1u64 << rem) - 1;
            }
        }
    }
}

impl Extend<ActionId> for ActionSet {
    fn extend<I: IntoIterator<Item = ActionId>>(&mut self, iter: I) {
        for id in iter {
            self.insert(id);
        }
    }
}

impl fmt::Debug for ActionSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SHOWN: usize = 16;
        let len = self.len();
        let mut list = f.debug_list();
        list.entries(self.iter().take(SHOWN).map(|id| id.0));
        if len > SHOWN {
            list.entry(&format_args!("… {} more of {}", len - SHOWN, self.universe));
        }
        list.finish()
    }
}

/// The word index and bit mask of an id.
fn split(id: ActionId) -> (usize, u64) {
    let i = id.index();
    (i / BITS, 1u64 << (i % BITS))
}

/// Iterates the set bit positions of one word.
struct BitIter(u64);

impl Iterator for BitIter {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        if self.0 == 0 {
            None
        } else {
            let b = self.0.trailing_zeros() as usize;
            self.0 &= self.0 - 1;
            Some(b)
        }
    }
}

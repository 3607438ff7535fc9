//! What the data generators (`pare-demogen`, `pare-gaadgen`, `pare-trailgen`) share: a tiny deterministic
//! random number generator (SplitMix64), so the same seed gives the same output on every machine and thread
//! count.

#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        let mut r = Rng(seed ^ 0x9E37_79B9_7F4A_7C15);
        r.next_u64();
        r
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Skewed towards small indices (a few principals and templates make most events, as in real trails).
    pub fn skewed(&mut self, n: usize) -> usize {
        let u = self.unit();
        ((u * u * u) * n as f64) as usize % n.max(1)
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        let i = self.below(items.len());
        items.get(i)
    }

    pub fn chars(&mut self, n: usize, alphabet: &[u8]) -> String {
        (0..n)
            .map(|_| {
                let i = self.below(alphabet.len());
                alphabet.get(i).map_or('x', |&b| char::from(b))
            })
            .collect()
    }

    pub fn hex(&mut self, n: usize) -> String {
        self.chars(n, b"0123456789abcdef")
    }

    pub fn upper(&mut self, n: usize) -> String {
        self.chars(n, b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    }

    pub fn uuid(&mut self) -> String {
        let a = self.next_u64();
        let b = self.next_u64();
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            0x8000 | ((b >> 48) & 0x3fff),
            b & 0xffff_ffff_ffff
        )
    }
}

/// Mixes a seed with a stream number (one stream per output file, so threads do not change the output).
pub fn stream(seed: u64, n: u64) -> Rng {
    let mut r = Rng::new(seed);
    let k = r.next_u64();
    Rng::new(k ^ n.wrapping_mul(0xD1B5_4A32_D192_ED03))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "test code")]

    use super::{Rng, stream};

    #[test]
    fn the_same_seed_gives_the_same_numbers_and_a_known_first_value() {
        let a: Vec<u64> = {
            let mut r = Rng::new(42);
            (0..4).map(|_| r.next_u64()).collect()
        };
        let mut r = Rng::new(42);
        let b: Vec<u64> = (0..4).map(|_| r.next_u64()).collect();
        assert_eq!(a, b);
        // Pinned: the committed demo account and the benchmark inputs depend on this exact sequence.
        assert_eq!(a[0], GOLDEN_FIRST);
        assert_ne!(Rng::new(43).next_u64(), a[0]);
    }

    const GOLDEN_FIRST: u64 = 5_139_283_748_462_763_858;

    #[test]
    fn ranges_hold() {
        let mut r = Rng::new(7);
        for n in [1usize, 2, 3, 10, 1000] {
            for _ in 0..1000 {
                assert!(r.below(n) < n);
                assert!(r.skewed(n) < n);
            }
        }
        assert_eq!(r.below(0), 0);
        for _ in 0..1000 {
            let u = r.unit();
            assert!((0.0..1.0).contains(&u));
        }
        assert!(!r.chance(0.0));
        assert!(r.chance(1.0));
        assert_eq!(r.pick::<u8>(&[]), None);
        let hex = r.hex(16);
        assert_eq!(hex.len(), 16);
        assert!(hex.bytes().all(|b| b.is_ascii_hexdigit()));
        let upper = r.upper(12);
        assert!(
            upper
                .bytes()
                .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b))
        );
        let id = r.uuid();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
    }

    #[test]
    fn streams_differ_and_repeat() {
        let mut a = stream(9, 1);
        let mut b = stream(9, 2);
        let mut c = stream(9, 1);
        let x = a.next_u64();
        assert_ne!(x, b.next_u64());
        assert_eq!(x, c.next_u64());
    }
}

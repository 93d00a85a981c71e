//! Fixed hashes for everything the gateway derives from its inputs.
//!
//! Generated media and text must be the same for the same request on every run and
//! every platform, so they come from FNV-1a and a splitmix64 stream, never from the
//! standard library's randomly keyed hasher (that one is in [`crate::random`]).

/// FNV-1a over `bytes` and then `seed`: fixed across runs and platforms.
pub fn fnv1a(bytes: &[u8], seed: i64) -> u64 {
    fold(0xcbf2_9ce4_8422_2325, bytes.iter().chain(&seed.to_le_bytes()))
}

/// FNV-1a over several byte strings, each followed by its length so that
/// `["ab", "c"]` and `["a", "bc"]` differ.
pub fn fnv1a_parts(parts: &[&[u8]], seed: i64) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        hash = fold(hash, part.iter());
        hash = fold(hash, (part.len() as u64).to_le_bytes().iter());
    }
    fold(hash, seed.to_le_bytes().iter())
}

fn fold<'a>(start: u64, bytes: impl Iterator<Item = &'a u8>) -> u64 {
    bytes.fold(start, |hash, byte| (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3))
}

/// A splitmix64 stream of values derived from a hash.
#[derive(Debug, Clone)]
pub struct Bits(pub u64);

impl Bits {
    /// The next 64 bits of the stream.
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A value in `0..bound`; `bound` must not be zero.
    pub fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound.max(1)
    }

    /// Three bytes for an RGB colour.
    pub fn colour(&mut self) -> [u8; 3] {
        let [r, g, b, ..] = self.next().to_le_bytes();
        [r, g, b]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_fixed() {
        assert_eq!(fnv1a(b"", 0), fnv1a(b"", 0));
        assert_ne!(fnv1a(b"a", 0), fnv1a(b"a", 1));
        assert_ne!(fnv1a_parts(&[b"ab", b"c"], 0), fnv1a_parts(&[b"a", b"bc"], 0));
    }

    #[test]
    fn bounded_values_stay_below_the_bound() {
        let mut bits = Bits(7);
        assert!((0..1000).map(|_| bits.below(3)).all(|b| b < 3));
    }
}

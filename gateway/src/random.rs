//! Unpredictable numbers for request ids and seeds, without a random-number crate.
//!
//! Each call hashes a process-wide counter with the standard library's randomly keyed
//! hasher. That is plenty for ids in a development gateway; it is not for secrets.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A fresh 64-bit value, different on every call.
pub fn next_u64() -> u64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.finish()
}

/// A new request id: 16 lowercase hex digits.
pub fn request_id() -> String {
    format!("{:016x}", next_u64())
}

/// A seed in `0..2^32`, the range the real runner draws from.
pub fn seed() -> i64 {
    i64::from((next_u64() >> 32) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_differ_and_seeds_stay_in_range() {
        let ids: std::collections::HashSet<String> = (0..100).map(|_| request_id()).collect();
        assert_eq!(ids.len(), 100);
        assert!((0..1000).map(|_| seed()).all(|s| (0..1 << 32).contains(&s)));
    }
}

//! Deterministic stand-in text: words picked from a fixed list by a hash.
//!
//! The text pipelines (audio-to-text, image-to-text, llm) answer with words that depend
//! only on their input, so the same request always reads the same, and another input
//! reads differently. The words mean nothing.

use crate::digest::Bits;

const WORDS: [&str; 64] = [
    "river", "lantern", "quiet", "morning", "signal", "harbor", "copper", "meadow", "window",
    "garden", "silver", "thunder", "orchard", "pebble", "canyon", "feather", "compass", "ember",
    "glacier", "willow", "marble", "echo", "horizon", "candle", "valley", "anchor", "velvet",
    "prairie", "beacon", "cedar", "ripple", "summit", "lagoon", "ivory", "falcon", "mosaic",
    "harvest", "cobalt", "breeze", "granite", "tunnel", "paper", "saffron", "island", "crystal",
    "bridge", "maple", "comet", "shadow", "field", "violet", "station", "coral", "timber",
    "ocean", "amber", "forest", "little", "bright", "slowly", "under", "across", "gentle", "open",
];

/// `count` words picked by `bits`.
pub fn words(bits: &mut Bits, count: usize) -> Vec<&'static str> {
    (0..count).map(|_| WORDS[bits.below(WORDS.len() as u64) as usize]).collect()
}

/// Joins words into a sentence: the first capitalised, a full stop at the end.
pub fn sentence(words: &[&str]) -> String {
    let mut text = words.join(" ");
    if let Some(first) = text.get(..1) {
        let upper = first.to_ascii_uppercase();
        text.replace_range(..1, &upper);
    }
    text.push('.');
    text
}

/// The name of the listed colour nearest to `rgb`.
pub fn colour_name(rgb: [u8; 3]) -> &'static str {
    const NAMED: [([i32; 3], &str); 11] = [
        ([0, 0, 0], "black"),
        ([255, 255, 255], "white"),
        ([128, 128, 128], "grey"),
        ([220, 40, 40], "red"),
        ([240, 140, 30], "orange"),
        ([240, 220, 50], "yellow"),
        ([50, 170, 70], "green"),
        ([40, 190, 200], "cyan"),
        ([40, 80, 210], "blue"),
        ([140, 60, 190], "purple"),
        ([230, 120, 180], "pink"),
    ];
    let distance =
        |named: &[i32; 3]| -> i32 { (0..3).map(|i| (named[i] - i32::from(rgb[i])).pow(2)).sum() };
    NAMED.iter().min_by_key(|(named, _)| distance(named)).map_or("grey", |(_, name)| name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_bits_give_the_same_words() {
        assert_eq!(words(&mut Bits(5), 6), words(&mut Bits(5), 6));
        assert_ne!(words(&mut Bits(5), 6), words(&mut Bits(6), 6));
    }

    #[test]
    fn sentences_are_capitalised() {
        assert_eq!(sentence(&["quiet", "river"]), "Quiet river.");
        assert_eq!(colour_name([250, 10, 10]), "red");
        assert_eq!(colour_name([10, 10, 10]), "black");
    }
}

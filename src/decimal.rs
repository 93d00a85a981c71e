//! Numbers in messages without Rust's float formatter in the wasm, whose tables and
//! algorithms cost about 9 KB of gzipped wasm. In the browser a number is written as
//! JavaScript writes it (`0.5`, `-3`, `1e+21`, `Infinity`); natively as Rust's `{}`
//! writes it. The two agree but for magnitudes from 10^21 up or below 10^-6, infinities
//! and `-0`.

use std::fmt;

/// Shows an `f64` in a message; use it in `format!` in place of the number.
#[derive(Clone, Copy, Debug)]
pub struct Decimal(pub f64);

impl fmt::Display for Decimal {
    #[cfg(target_arch = "wasm32")]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = js_sys::Number::from(self.0).to_string_with_radix(10);
        f.write_str(&text.map(String::from).unwrap_or_default())
    }

    #[cfg(not(target_arch = "wasm32"))]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_plainly() {
        let cases = [(0.5, "0.5"), (-3.0, "-3"), (4096.0, "4096"), (10485760.0, "10485760")];
        for (value, text) in cases {
            assert_eq!(Decimal(value).to_string(), text);
        }
    }
}

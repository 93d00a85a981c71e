//! Numbers in messages, written exactly as Rust's `{}` writes an `f64` (`0.5`, `-3`,
//! `1000000000000000000000`), without Rust's float formatter in the wasm: its tables
//! and algorithms cost about 9 KB of gzipped wasm. In the browser the shortest digits
//! come from JavaScript's `Number.prototype.toString`, which picks the same digits.

use std::fmt;

/// Shows an `f64` as `{}` would; use it in `format!` in place of the number.
#[derive(Clone, Copy, Debug)]
pub struct Decimal(pub f64);

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let value = self.0;
        if value.is_nan() {
            return f.write_str("NaN");
        }
        if value.is_sign_negative() {
            f.write_str("-")?;
        }
        if value.is_infinite() {
            return f.write_str("inf");
        }
        if value == 0.0 {
            return f.write_str("0");
        }
        let (digits, point) = shortest_digits(value.abs());
        let length = digits.len() as i32;
        if point <= 0 {
            f.write_str("0.")?;
            zeros(f, -point)?;
            f.write_str(&digits)
        } else if point >= length {
            f.write_str(&digits)?;
            zeros(f, point - length)
        } else {
            // `get` rather than `split_at`: no slicing panic, whose message code is large.
            let cut = point as usize;
            let (whole, fraction) = (digits.get(..cut), digits.get(cut..));
            write!(f, "{}.{}", whole.unwrap_or_default(), fraction.unwrap_or_default())
        }
    }
}

fn zeros(f: &mut fmt::Formatter<'_>, count: i32) -> fmt::Result {
    (0..count).try_for_each(|_| f.write_str("0"))
}

/// The shortest digits that read back as `value` (positive and finite), without leading
/// or trailing zeros, and where the decimal point goes: `value` is `0.DIGITS × 10^point`.
fn shortest_digits(value: f64) -> (String, i32) {
    let text = scientific(value);
    let (mantissa, exponent) = text.split_once(['e', 'E']).unwrap_or((&text, "0"));
    let exponent: i32 = exponent.trim_start_matches('+').parse().unwrap_or(0);
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all = format!("{whole}{fraction}");
    let trimmed = all.trim_start_matches('0');
    let point = whole.len() as i32 - (all.len() - trimmed.len()) as i32 + exponent;
    (trimmed.trim_end_matches('0').to_string(), point)
}

/// `value` as JavaScript writes it: `0.001`, `1.5e-7` or `1e+21`.
#[cfg(target_arch = "wasm32")]
fn scientific(value: f64) -> String {
    js_sys::Number::from(value).to_string_with_radix(10).map(String::from).unwrap_or_default()
}

/// `value` in Rust's exponent form, `1.5e-7`: the same shortest digits, natively.
#[cfg(not(target_arch = "wasm32"))]
fn scientific(value: f64) -> String {
    format!("{value:e}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_rust_writes_them() {
        let mut values = vec![
            0.0,
            -0.0,
            1.0,
            -3.0,
            0.5,
            7.5,
            100.0,
            0.1,
            0.30000000000000004,
            1e-7,
            1.5e-7,
            1e21,
            1.2345e22,
            123456.789,
            10485760.0,
            4096.5,
            f64::MAX,
            f64::MIN_POSITIVE,
            5e-324,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            -1.0e-300,
        ];
        let mut bits: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..20_000 {
            bits ^= bits << 13;
            bits ^= bits >> 7;
            bits ^= bits << 17;
            values.push(f64::from_bits(bits));
            values.push((bits % 1_000_000) as f64 / 1000.0);
        }
        for value in values {
            assert_eq!(Decimal(value).to_string(), format!("{value}"), "{value:e}");
        }
    }
}

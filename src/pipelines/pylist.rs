//! Reads the text of nested Python lists, as the segment-anything-2 pipeline sends its
//! masks, scores and logits (`str(array.tolist())`): numbers, `True`/`False`, `nan`,
//! `inf` and `-inf`, nested to any depth. The result is the values, flattened in row-major
//! order, and the shape; ragged lists are refused.
//!
//! Numbers are read without the standard library's float parser, which would add about
//! 14 KB to the wasm; the values end up as `f32`, far coarser than the rounding here.

use std::fmt;

/// A dense array read from a nested list: `values.len()` is the product of `shape`.
#[derive(Clone, Debug, PartialEq)]
pub struct Array {
    /// The length of each dimension, outermost first.
    pub shape: Vec<usize>,
    /// The values in row-major order; `True` is 1 and `False` is 0.
    pub values: Vec<f32>,
    /// True when every value was `True` or `False`.
    pub boolean: bool,
}

/// Why a text is not a nested list of numbers, with the byte offset where it went wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// Byte offset in the text.
    pub at: usize,
    /// What was wrong there.
    pub reason: &'static str,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.reason, self.at)
    }
}

/// Reads `text` (for example `[[0.5, -1e-05], [True, nan]]`) into an [`Array`].
/// A bare number reads as a 0-dimensional array.
pub fn parse(text: &str) -> Result<Array, ParseError> {
    let mut reader = Reader { bytes: text.as_bytes(), at: 0, values: Vec::new(), boolean: true };
    let shape = reader.item(0)?;
    reader.skip_space();
    if reader.at != reader.bytes.len() {
        return Err(reader.error("unexpected text after the list"));
    }
    let boolean = reader.boolean && !reader.values.is_empty();
    Ok(Array { shape, values: reader.values, boolean })
}

/// Lists nested deeper than this are refused, so hostile input cannot exhaust the stack.
const MAX_DEPTH: usize = 32;

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    values: Vec<f32>,
    boolean: bool,
}

impl Reader<'_> {
    fn error(&self, reason: &'static str) -> ParseError {
        ParseError { at: self.at, reason }
    }

    fn skip_space(&mut self) {
        while self.bytes.get(self.at).is_some_and(u8::is_ascii_whitespace) {
            self.at += 1;
        }
    }

    /// Reads one value or list and returns its shape.
    fn item(&mut self, depth: usize) -> Result<Vec<usize>, ParseError> {
        self.skip_space();
        if self.bytes.get(self.at) == Some(&b'[') {
            return self.list(depth);
        }
        let value = self.scalar()?;
        self.values.push(value);
        Ok(Vec::new())
    }

    fn list(&mut self, depth: usize) -> Result<Vec<usize>, ParseError> {
        if depth >= MAX_DEPTH {
            return Err(self.error("lists nested too deeply"));
        }
        self.at += 1;
        let mut inner: Option<Vec<usize>> = None;
        let mut count = 0;
        loop {
            self.skip_space();
            if self.bytes.get(self.at) == Some(&b']') && (count == 0 || inner.is_none()) {
                self.at += 1;
                break;
            }
            let shape = self.item(depth + 1)?;
            match &inner {
                Some(expected) if *expected != shape => {
                    return Err(self.error("rows of different lengths"));
                }
                Some(_) => {}
                None => inner = Some(shape),
            }
            count += 1;
            self.skip_space();
            match self.bytes.get(self.at) {
                Some(b',') => self.at += 1,
                Some(b']') => {
                    self.at += 1;
                    break;
                }
                _ => return Err(self.error("expected ',' or ']'")),
            }
        }
        let mut shape = vec![count];
        shape.extend(inner.unwrap_or_default());
        Ok(shape)
    }

    fn scalar(&mut self) -> Result<f32, ParseError> {
        let start = self.at;
        while self
            .bytes
            .get(self.at)
            .is_some_and(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'+'))
        {
            self.at += 1;
        }
        let word = &self.bytes[start..self.at];
        let boolean = match word {
            b"True" => Some(1.0),
            b"False" => Some(0.0),
            _ => None,
        };
        if let Some(value) = boolean {
            return Ok(value);
        }
        self.boolean = false;
        match word {
            b"nan" => Ok(f32::NAN),
            b"inf" => Ok(f32::INFINITY),
            b"-inf" => Ok(f32::NEG_INFINITY),
            _ => number(word).ok_or(ParseError { at: start, reason: "not a number" }),
        }
    }
}

/// Reads a decimal number such as `-12.5e-3`. Accurate to a few units in the last place
/// of an `f64`, which is plenty for the `f32` it becomes.
fn number(word: &[u8]) -> Option<f32> {
    let (negative, rest) = match word.first()? {
        b'-' => (true, &word[1..]),
        b'+' => (false, &word[1..]),
        _ => (false, word),
    };
    let (mantissa_text, exponent_text) = match rest.iter().position(|&b| b == b'e' || b == b'E') {
        Some(split) => (&rest[..split], Some(&rest[split + 1..])),
        None => (rest, None),
    };

    let mut mantissa: f64 = 0.0;
    let mut scale: i32 = 0;
    let mut digits = 0;
    let mut seen_point = false;
    for &byte in mantissa_text {
        match byte {
            b'0'..=b'9' => {
                mantissa = mantissa * 10.0 + f64::from(byte - b'0');
                digits += 1;
                if seen_point {
                    scale -= 1;
                }
            }
            b'.' if !seen_point => seen_point = true,
            _ => return None,
        }
    }
    if digits == 0 {
        return None;
    }
    if let Some(text) = exponent_text {
        scale = scale.checked_add(exponent(text)?)?;
    }
    let value = mantissa * 10f64.powi(scale);
    Some(if negative { -value } else { value } as f32)
}

fn exponent(text: &[u8]) -> Option<i32> {
    let (negative, digits) = match text.first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty() || digits.len() > 4 {
        return None;
    }
    let mut value: i32 = 0;
    for &byte in digits {
        if !byte.is_ascii_digit() {
            return None;
        }
        value = value * 10 + i32::from(byte - b'0');
    }
    Some(if negative { -value } else { value })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_lists_give_shape_and_row_major_values() {
        let array = parse("[[0.5, -1.25, 3], [1e-05, 2.5E+2, -0.0]]").unwrap();
        assert_eq!(array.shape, [2, 3]);
        assert_eq!(array.values, [0.5, -1.25, 3.0, 0.00001, 250.0, -0.0]);
        assert!(!array.boolean);
    }

    #[test]
    fn booleans_nan_and_infinities() {
        let mask = parse("[[[True, False], [False, True]]]").unwrap();
        assert_eq!(mask.shape, [1, 2, 2]);
        assert_eq!(mask.values, [1.0, 0.0, 0.0, 1.0]);
        assert!(mask.boolean);
        let odd = parse("[nan, inf, -inf, 0.25]").unwrap();
        assert!(odd.values[0].is_nan());
        assert_eq!(&odd.values[1..], [f32::INFINITY, f32::NEG_INFINITY, 0.25]);
        assert!(!odd.boolean);
    }

    #[test]
    fn empty_lists_and_scalars() {
        assert_eq!(parse("[]").unwrap().shape, [0]);
        assert_eq!(
            parse(" 0.75 ").unwrap(),
            Array { shape: vec![], values: vec![0.75], boolean: false }
        );
    }

    #[test]
    fn numbers_read_like_python_prints_them() {
        for (text, value) in [
            ("0.1", 0.1f32),
            ("0.30000000000000004", 0.3),
            ("123456.789", 123456.79),
            ("-7.006492321624085e-46", -0.0),
            ("3.4028234663852886e+38", f32::MAX),
            ("1e-7", 1e-7),
        ] {
            assert_eq!(number(text.as_bytes()), Some(value), "{text}");
        }
        for bad in ["", "-", ".", "1.2.3", "1e", "1e+", "0x10", "1_000", "1e99999"] {
            assert_eq!(number(bad.as_bytes()), None, "{bad}");
        }
    }

    #[test]
    fn malformed_text_is_refused_with_a_position() {
        let cases = [
            ("[[1, 2], [3]]", "rows of different lengths"),
            ("[[1, 2], 3]", "rows of different lengths"),
            ("[1, 2", "expected ',' or ']'"),
            ("[1 2]", "expected ',' or ']'"),
            ("[1, None]", "not a number"),
            ("[1] x", "unexpected text after the list"),
            ("[1,]", "not a number"),
        ];
        for (text, reason) in cases {
            assert_eq!(parse(text).unwrap_err().reason, reason, "{text}");
        }
        let deep = "[".repeat(100) + &"]".repeat(100);
        assert_eq!(parse(&deep).unwrap_err().reason, "lists nested too deeply");
    }
}

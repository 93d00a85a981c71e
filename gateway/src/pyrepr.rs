//! Python's text for numbers and nested lists, as `str(array.tolist())` prints them.
//!
//! The segment-anything-2 runner answers its masks, scores and logits as that text, not
//! as JSON: lists are `[a, b]` with a comma and a space, booleans are `True` and `False`,
//! and floats use Python's shortest round-trip form (`0.5`, `1.0`, `1e-05`, `-3.25`,
//! `1e+16`, `nan`, `inf`, `-inf`).

/// A float as Python's `repr` prints it.
pub fn float(value: f64) -> String {
    if value.is_nan() {
        return "nan".to_owned();
    }
    if value.is_infinite() {
        return if value > 0.0 { "inf" } else { "-inf" }.to_owned();
    }
    if value == 0.0 {
        return if value.is_sign_negative() { "-0.0" } else { "0.0" }.to_owned();
    }

    let sign = if value < 0.0 { "-" } else { "" };
    let scientific = format!("{:e}", value.abs());
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();

    if !(-4..16).contains(&exponent) {
        let (first, rest) = digits.split_at(1);
        let fraction = if rest.is_empty() { String::new() } else { format!(".{rest}") };
        let exp_sign = if exponent < 0 { '-' } else { '+' };
        return format!("{sign}{first}{fraction}e{exp_sign}{:02}", exponent.abs());
    }

    let point = exponent + 1;
    let text = if point <= 0 {
        format!("0.{}{digits}", "0".repeat(point.unsigned_abs() as usize))
    } else {
        let point = point as usize;
        if digits.len() > point {
            format!("{}.{}", &digits[..point], &digits[point..])
        } else {
            format!("{digits}{}.0", "0".repeat(point - digits.len()))
        }
    };
    format!("{sign}{text}")
}

/// A boolean as Python prints it.
pub fn boolean(value: bool) -> &'static str {
    if value {
        "True"
    } else {
        "False"
    }
}

/// Prints `values`, laid out row-major with the given `shape`, as nested Python lists.
///
/// `values.len()` must be the product of `shape`; missing values print as `0`.
pub fn nested<T>(shape: &[usize], values: &[T], item: impl Fn(&T) -> String) -> String {
    let mut out = String::new();
    write_level(&mut out, shape, values, &item);
    out
}

fn write_level<T>(out: &mut String, shape: &[usize], values: &[T], item: &impl Fn(&T) -> String) {
    let Some((&count, inner)) = shape.split_first() else {
        let text = values.first().map_or_else(|| "0".to_owned(), item);
        out.push_str(&text);
        return;
    };
    let stride: usize = inner.iter().product();
    out.push('[');
    for index in 0..count {
        if index > 0 {
            out.push_str(", ");
        }
        let start = (index * stride).min(values.len());
        let end = (start + stride).min(values.len());
        write_level(out, inner, &values[start..end], item);
    }
    out.push(']');
}

/// Prints floats stored as `f32`, widened to `f64` as numpy's `tolist()` does.
pub fn f32_item(value: &f32) -> String {
    float(f64::from(*value))
}

/// Prints a boolean item.
pub fn bool_item(value: &bool) -> String {
    boolean(*value).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_like_python() {
        let cases = [
            (0.5, "0.5"),
            (1.0, "1.0"),
            (-3.25, "-3.25"),
            (1e-5, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (0.0001, "0.0001"),
            (123.456, "123.456"),
            (100.0, "100.0"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (1.2345678901234568e17, "1.2345678901234568e+17"),
            (0.1 + 0.2, "0.30000000000000004"),
            (-0.0, "-0.0"),
            (0.0, "0.0"),
            (f64::NAN, "nan"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::from(0.1f32), "0.10000000149011612"),
        ];
        for (value, expected) in cases {
            assert_eq!(float(value), expected, "{value:e}");
        }
    }

    #[test]
    fn nested_lists_print_like_python() {
        let masks = [true, false, false, true, true, true];
        assert_eq!(
            nested(&[2, 1, 3], &masks, bool_item),
            "[[[True, False, False]], [[True, True, True]]]"
        );
        assert_eq!(
            nested(&[3], &[0.5f32, -2.0, 1e-5], f32_item),
            "[0.5, -2.0, 9.999999747378752e-06]"
        );
        assert_eq!(nested(&[0], &[] as &[f32], f32_item), "[]");
    }
}

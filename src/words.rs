//! Small helpers for the text of messages.

/// `parts` with `separator` between them. A plain loop: std's `join` is about 1 KB of
/// wasm for each type of part it is used with.
pub fn joined<S: AsRef<str>>(parts: &[S], separator: &str) -> String {
    let mut text = String::new();
    for (index, part) in parts.iter().enumerate() {
        if index > 0 {
            text.push_str(separator);
        }
        text.push_str(part.as_ref());
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_joined_by_the_separator() {
        assert_eq!(joined(&["a", "b", "c"], ", "), "a, b, c");
        assert_eq!(joined(&["a".to_string()], "; "), "a");
        assert_eq!(joined::<&str>(&[], "."), "");
    }
}

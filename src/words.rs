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

/// `text`, cut to its first `max` characters with an ellipsis when it is longer: a key
/// or a value quoted in a message stays readable however long it was.
pub fn clipped(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", text.get(..cut).unwrap_or(text)),
        None => text.to_string(),
    }
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

    #[test]
    fn long_texts_are_clipped_by_characters() {
        assert_eq!(clipped("abc", 3), "abc");
        assert_eq!(clipped("abcd", 3), "abc…");
        assert_eq!(clipped("🦊🦊🦊🦊", 2), "🦊🦊…");
    }
}

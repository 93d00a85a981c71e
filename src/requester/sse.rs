//! Reads server-sent events as they arrive in pieces of text: the llm pipeline's stream
//! of `data:` lines. Sans-IO: it is fed text and returns each event's data.

/// Splits a text stream into events. Lines may arrive cut anywhere, in any number of
/// pieces; an event ends at a blank line and its `data:` lines are joined with `\n`.
#[derive(Debug, Default)]
pub struct SseParser {
    line: String,
    data: Option<String>,
    after_cr: bool,
}

impl SseParser {
    /// A parser at the start of a stream.
    pub fn new() -> Self {
        SseParser::default()
    }

    /// Feeds the next piece of text; returns the data of every event it completed.
    pub fn push(&mut self, text: &str) -> Vec<String> {
        let mut events = Vec::new();
        for c in text.chars() {
            let after_cr = std::mem::replace(&mut self.after_cr, c == '\r');
            match c {
                '\n' if after_cr => {}
                '\r' | '\n' => self.end_line(&mut events),
                _ => self.line.push(c),
            }
        }
        events
    }

    /// Ends the stream: an event whose blank line never came is dispatched anyway.
    pub fn finish(mut self) -> Option<String> {
        if !self.line.is_empty() {
            let mut events = Vec::new();
            self.end_line(&mut events);
        }
        self.data.take()
    }

    fn end_line(&mut self, events: &mut Vec<String>) {
        let line = std::mem::take(&mut self.line);
        if line.is_empty() {
            events.extend(self.data.take());
            return;
        }
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line.as_str(), ""),
        };
        if field == "data" {
            match &mut self.data {
                Some(data) => {
                    data.push('\n');
                    data.push_str(value);
                }
                None => self.data = Some(value.to_string()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_split_at_blank_lines() {
        let mut parser = SseParser::new();
        let events = parser.push("data: {\"a\":1}\n\ndata: [DONE]\n\n");
        assert_eq!(events, ["{\"a\":1}", "[DONE]"]);
    }

    #[test]
    fn pieces_cut_anywhere_give_the_same_events() {
        let stream =
            "data: one\r\n\r\n: a comment\n\ndata:two\ndata: lines\n\nevent: x\ndata: é\n\n";
        let whole = SseParser::new().push(stream);
        assert_eq!(whole, ["one", "two\nlines", "é"]);
        for cut in 1..stream.len() {
            if !stream.is_char_boundary(cut) {
                continue;
            }
            let mut parser = SseParser::new();
            let mut events = parser.push(&stream[..cut]);
            events.extend(parser.push(&stream[cut..]));
            assert_eq!(events, whole, "cut at {cut}");
        }
    }

    #[test]
    fn an_unterminated_event_is_kept_for_the_end() {
        let mut parser = SseParser::new();
        assert!(parser.push("data: last").is_empty());
        assert_eq!(parser.finish().as_deref(), Some("last"));
        assert_eq!(SseParser::new().finish(), None);
    }
}

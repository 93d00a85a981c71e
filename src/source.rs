//! Where serde input comes from, read so that an error names the field at fault as a path
//! such as `images[0].url`. The browser layer reads JS values with its own deserializer,
//! which keeps the path itself; natively, any serde deserializer (JSON in the tests) is a
//! source too, its path tracked by `serde_path_to_error`, which the release wasm never
//! links.

use serde::Deserialize;
use std::fmt;

/// Input that a value can be read from, once.
pub trait Source<'de> {
    /// Reads a `T`, or says where and why the input does not hold one.
    fn read<T: Deserialize<'de>>(self) -> Result<T, SourceError>;
}

/// Why input could not be read, and where.
#[derive(Clone, Debug, PartialEq)]
pub struct SourceError {
    /// The path of the field at fault, such as `images[0].url`; empty at the root.
    pub path: String,
    /// What was wrong there, in serde's words.
    pub reason: String,
}

/// One step of a path, innermost first while an error is on its way out.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    /// A field of an object.
    Field(String),
    /// An element of a list.
    Index(usize),
}

/// Writes steps, outermost first, as `images[0].url`.
pub fn path_text<'a>(steps: impl Iterator<Item = &'a Step>) -> String {
    let mut path = String::new();
    for step in steps {
        match step {
            Step::Index(index) => {
                path.push('[');
                path.push_str(&index.to_string());
                path.push(']');
            }
            Step::Field(name) => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(name);
            }
        }
    }
    path
}

#[cfg(any(test, not(target_arch = "wasm32")))]
impl<'de, D: serde::Deserializer<'de>> Source<'de> for D {
    fn read<T: Deserialize<'de>>(self) -> Result<T, SourceError> {
        use serde_path_to_error::Segment;
        serde_path_to_error::deserialize(self).map_err(|error| {
            let steps: Vec<Step> = error
                .path()
                .iter()
                .filter_map(|segment| match segment {
                    Segment::Seq { index } => Some(Step::Index(*index)),
                    Segment::Map { key } | Segment::Enum { variant: key } => {
                        Some(Step::Field(key.clone()))
                    }
                    Segment::Unknown => None,
                })
                .collect();
            SourceError { path: path_text(steps.iter()), reason: error.into_inner().to_string() }
        })
    }
}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_read_like_rust_expressions() {
        let steps = [Step::Field("images".into()), Step::Index(1), Step::Field("url".into())];
        assert_eq!(path_text(steps.iter()), "images[1].url");
        assert_eq!(path_text([Step::Index(0)].iter()), "[0]");
        assert_eq!(path_text([].iter()), "");
    }
}

//! The field names a struct accepts, read from its serde derive. The browser layer needs
//! them because its JS reader (`web::from_js`) reads only the fields a struct names, so
//! `deny_unknown_fields` never sees a misspelled key in a JS object.

use serde::de::{self, Deserialize, Deserializer, Visitor};

/// The names of the fields `T` reads, or an empty list if `T` is not a struct.
pub fn field_names<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
    let mut names = None;
    let _ = T::deserialize(FieldNames(&mut names));
    names.unwrap_or(&[])
}

/// A deserializer that only records the field list of the struct asking for it.
struct FieldNames<'a>(&'a mut Option<&'static [&'static str]>);

impl<'de> Deserializer<'de> for FieldNames<'_> {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom("only structs have field names"))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Self::Error> {
        *self.0 = Some(fields);
        Err(de::Error::custom("field names recorded"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipelines::{LlmParams, SegmentParams, TextToImageParams};

    #[test]
    fn struct_fields_are_listed_with_their_wire_names() {
        let names = field_names::<TextToImageParams>();
        assert!(names.contains(&"prompt") && names.contains(&"num_images_per_prompt"));
        assert!(
            field_names::<SegmentParams>().contains(&"box"),
            "renamed fields use the wire name"
        );
        assert_eq!(field_names::<LlmParams>().len(), 7);
        assert!(field_names::<String>().is_empty());
    }
}

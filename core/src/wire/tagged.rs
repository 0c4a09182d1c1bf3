//! Dispatch on a JSON object's `type` member in one pass, without serde's internally-tagged
//! buffering.
//!
//! An open tagged value is read as a map. Members before `type` (usually just an `id`) are
//! captured as [`RawValue`]s; once `type` names a known variant, the concrete struct is
//! deserialised from those captured members followed by the rest of the live map, so the bulk of
//! the object (a 40 KB message text, say) is parsed exactly once, straight into its field. An
//! unknown type (or none) keeps every member in order, each value's text byte for byte, in an
//! object rebuilt without insignificant whitespace between its members: compact JSON, as the API
//! sends, re-serialises byte for byte.
//!
//! Capturing members as [`RawValue`] and rebuilding unknown values need `serde_json`'s own
//! deserializers (`from_str`, `from_slice`, `from_reader`, `from_value`).

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::value::CowStrDeserializer;
use serde::de::{DeserializeSeed, Deserializer, Error as _, MapAccess, Visitor};
use serde_json::value::RawValue;

/// Returns the value of the top-level `type` field of a JSON object, if it has one.
///
/// Fast path: compact JSON that starts with `{"type":"` and whose type has no escape is read
/// without a full parse (the caller's typed decode validates the rest). Otherwise a structural
/// scan ([`scan_type`]) finds `type` wherever it stands among the members (a gateway that
/// re-encodes JSON with sorted keys puts it last), skipping strings with `memchr` and parsing
/// nothing. Only when that scan finds no plain `type` (none at all, an escape in a key or in the
/// type, or input that is not a well-formed object) is the object read with serde, which also
/// gives the error.
pub(crate) fn peek_type(json: &str) -> Result<Option<Cow<'_, str>>, serde_json::Error> {
    if let Some(kind) = type_prefix(json) {
        return Ok(Some(Cow::Borrowed(kind)));
    }
    if let Some(Some(kind)) = scan_type(json) {
        return Ok(Some(Cow::Borrowed(kind)));
    }
    #[derive(Deserialize)]
    struct Peek<'a> {
        #[serde(rename = "type", borrow, default)]
        kind: Option<Text<'a>>,
    }
    let peek: Peek<'_> = serde_json::from_str(json)?;
    Ok(peek.kind.map(|kind| kind.0))
}

/// The type of compact JSON that starts with `{"type":"` and whose type has no escape.
pub(crate) fn type_prefix(json: &str) -> Option<&str> {
    const PREFIX: &str = "{\"type\":\"";
    let rest = json.strip_prefix(PREFIX)?;
    let end = memchr::memchr2(b'"', b'\\', rest.as_bytes())?;
    if rest.as_bytes().get(end) != Some(&b'"') {
        return None;
    }
    rest.get(..end)
}

/// Finds the top-level `type` member of a JSON object without parsing it: `Some(Some(kind))`
/// when its value is a string without escapes, `Some(None)` when the object has no `type`, and
/// `None` when the scan cannot tell (an escape in a key or in the type's value, a `type` that is
/// not a string, or input that is not a well-formed object), for the caller to fall back to a
/// full parse.
///
/// The first `type` wins. Nested values are skipped by their brackets; strings are skipped with
/// `memchr` for `"` and `\`, so a long text costs a vectorised search, not a parse. The scan does
/// not validate scalars (numbers, literals): the typed decode that follows does.
pub(crate) fn scan_type(json: &str) -> Option<Option<&str>> {
    let bytes = json.as_bytes();
    let mut at = skip_whitespace(bytes, 0);
    if bytes.get(at) != Some(&b'{') {
        return None;
    }
    at = skip_whitespace(bytes, at + 1);
    if bytes.get(at) == Some(&b'}') {
        return trailing_whitespace_only(bytes, at + 1).then_some(None);
    }
    loop {
        if bytes.get(at) != Some(&b'"') {
            return None;
        }
        let key_end = plain_string_end(bytes, at + 1)?;
        let key = &bytes[at + 1..key_end];
        at = skip_whitespace(bytes, key_end + 1);
        if bytes.get(at) != Some(&b':') {
            return None;
        }
        at = skip_whitespace(bytes, at + 1);
        if key == b"type" {
            if bytes.get(at) != Some(&b'"') {
                return None;
            }
            let end = plain_string_end(bytes, at + 1)?;
            // Both ends are ASCII quotes, so they are character boundaries.
            return json.get(at + 1..end).map(Some);
        }
        at = skip_whitespace(bytes, skip_value(bytes, at)?);
        match bytes.get(at) {
            Some(b',') => at = skip_whitespace(bytes, at + 1),
            Some(b'}') => return trailing_whitespace_only(bytes, at + 1).then_some(None),
            _ => return None,
        }
    }
}

/// The index of the `"` closing a string whose content starts at `from`, when the string holds
/// no escape (`None` otherwise, or when it is not closed).
fn plain_string_end(bytes: &[u8], from: usize) -> Option<usize> {
    let end = from + memchr::memchr2(b'"', b'\\', bytes.get(from..)?)?;
    (bytes[end] == b'"').then_some(end)
}

/// The index just past the string whose content starts at `from` (escapes allowed).
fn string_end(bytes: &[u8], mut from: usize) -> Option<usize> {
    loop {
        let at = from + memchr::memchr2(b'"', b'\\', bytes.get(from..)?)?;
        if bytes[at] == b'"' {
            return Some(at + 1);
        }
        // A backslash and the character it escapes (`\u` digits are plain characters).
        from = at + 2;
    }
}

/// The index just past the JSON value that starts at `at`.
fn skip_value(bytes: &[u8], at: usize) -> Option<usize> {
    match bytes.get(at)? {
        b'"' => string_end(bytes, at + 1),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut at = at;
            loop {
                match bytes.get(at)? {
                    b'"' => {
                        at = string_end(bytes, at + 1)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(at + 1);
                        }
                    }
                    _ => {}
                }
                at += 1;
            }
        }
        // A number or a literal: up to the next delimiter.
        _ => Some(
            at + bytes[at..]
                .iter()
                .position(|byte| matches!(byte, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'))
                .unwrap_or(bytes.len() - at),
        ),
    }
}

fn skip_whitespace(bytes: &[u8], mut at: usize) -> usize {
    while let Some(b' ' | b'\t' | b'\n' | b'\r') = bytes.get(at) {
        at += 1;
    }
    at
}

fn trailing_whitespace_only(bytes: &[u8], at: usize) -> bool {
    skip_whitespace(bytes, at) == bytes.len()
}

/// A string that borrows from the input when it holds no escape (also from a deserializer that
/// only offers `visit_str`, such as a captured key's).
pub(crate) struct Text<'a>(pub(crate) Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for Visit<'a> {
            type Value = Text<'a>;

            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("a string")
            }

            fn visit_borrowed_str<E: serde::de::Error>(
                self,
                text: &'de str,
            ) -> Result<Text<'a>, E> {
                Ok(Text(Cow::Borrowed(text)))
            }

            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Text<'a>, E> {
                Ok(Text(Cow::Owned(text.to_owned())))
            }

            fn visit_string<E: serde::de::Error>(self, text: String) -> Result<Text<'a>, E> {
                Ok(Text(Cow::Owned(text)))
            }
        }
        deserializer.deserialize_str(Visit(PhantomData))
    }
}

/// An enum whose known variants are newtypes around structs and whose last variant keeps any
/// other object as raw JSON. Implemented by [`open_tagged_deserialize!`].
pub(crate) trait OpenTagged: Sized {
    /// Whether `kind` names a known variant.
    fn knows(kind: &str) -> bool;
    /// Deserialises the known variant `kind` from the object's members other than `type`,
    /// which stood after `position` members.
    fn decode_known<'de, D: Deserializer<'de>>(
        kind: &str,
        position: usize,
        members: D,
    ) -> Result<Self, D::Error>;
    /// Wraps an object of an unknown type.
    fn other(raw: Box<RawValue>) -> Self;
}

/// Deserialises an [`OpenTagged`] value in one pass over its members.
pub(crate) fn deserialize_open_tagged<'de, T: OpenTagged, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<T, D::Error> {
    deserializer.deserialize_map(TaggedVisitor(PhantomData))
}

struct TaggedVisitor<T>(PhantomData<T>);

impl<'de, T: OpenTagged> Visitor<'de> for TaggedVisitor<T> {
    type Value = T;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a JSON object with a string `type`")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let mut before = Vec::new();
        while let Some(Text(key)) = map.next_key()? {
            if key == "type" {
                let kind: Option<Text<'de>> = map.next_value()?;
                return match kind {
                    Some(Text(kind)) if T::knows(&kind) => T::decode_known(
                        &kind,
                        before.len(),
                        Members {
                            before: before.into_iter(),
                            pending: None,
                            map,
                        },
                    ),
                    kind => rebuild(before, Some(kind.map(|kind| kind.0)), map).map(T::other),
                };
            }
            before.push((key, map.next_value::<RawText<'de>>()?));
        }
        rebuild(before, None, map).map(T::other)
    }
}

/// A member captured before `type` was seen.
type Captured<'de> = (Cow<'de, str>, RawText<'de>);

/// serde_json's name for the newtype through which it hands out a value's raw text (what its
/// own `RawValue` deserialises through; stable since serde_json 1.0.29).
const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";

/// A member's raw JSON text: borrowed from the input when the deserializer lends it
/// (`from_str`, `from_slice`: then replaying it is one fast parse of a slice), owned otherwise
/// (`from_reader`, `from_value`). A deserializer that knows no raw values gives the value to
/// `Box<RawValue>`'s own decoding.
pub(crate) enum RawText<'de> {
    Borrowed(&'de str),
    Owned(Box<RawValue>),
}

impl RawText<'_> {
    fn get(&self) -> &str {
        match self {
            RawText::Borrowed(text) => text,
            RawText::Owned(raw) => raw.get(),
        }
    }
}

impl<'de> Deserialize<'de> for RawText<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Capture;
        struct Text;

        impl<'de> Visitor<'de> for Capture {
            type Value = RawText<'de>;

            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("any JSON value")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawText<'de>, A::Error> {
                map.next_key::<serde::de::IgnoredAny>()?;
                map.next_value_seed(Text)
            }

            fn visit_newtype_struct<D: Deserializer<'de>>(
                self,
                deserializer: D,
            ) -> Result<RawText<'de>, D::Error> {
                Box::<RawValue>::deserialize(deserializer).map(RawText::Owned)
            }
        }

        impl<'de> DeserializeSeed<'de> for Text {
            type Value = RawText<'de>;

            fn deserialize<D: Deserializer<'de>>(
                self,
                deserializer: D,
            ) -> Result<RawText<'de>, D::Error> {
                deserializer.deserialize_str(self)
            }
        }

        impl<'de> Visitor<'de> for Text {
            type Value = RawText<'de>;

            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("a raw JSON value")
            }

            fn visit_borrowed_str<E: serde::de::Error>(
                self,
                text: &'de str,
            ) -> Result<RawText<'de>, E> {
                Ok(RawText::Borrowed(text))
            }

            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<RawText<'de>, E> {
                self.visit_string(text.to_owned())
            }

            fn visit_string<E: serde::de::Error>(self, text: String) -> Result<RawText<'de>, E> {
                RawValue::from_string(text)
                    .map(RawText::Owned)
                    .map_err(E::custom)
            }
        }

        deserializer.deserialize_newtype_struct(RAW_VALUE_TOKEN, Capture)
    }
}

/// The members of an object other than `type`: those captured before it, then the rest of the
/// live map. Deserialises as a map.
struct Members<'de, A> {
    before: std::vec::IntoIter<Captured<'de>>,
    pending: Option<RawText<'de>>,
    map: A,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Members<'de, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        match self.before.next() {
            Some((key, value)) => {
                self.pending = Some(value);
                seed.deserialize(CowStrDeserializer::new(key)).map(Some)
            }
            None => self.map.next_key_seed(seed),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        match self.pending.take() {
            // Borrowed from the input: parsed where it lies, lending what the input lends.
            Some(RawText::Borrowed(text)) => seed
                .deserialize(&mut serde_json::Deserializer::from_str(text))
                .map_err(A::Error::custom),
            // A reader never lends its input, so this deserializer suits any `'de`.
            Some(RawText::Owned(raw)) => seed
                .deserialize(&mut serde_json::Deserializer::from_reader(
                    raw.get().as_bytes(),
                ))
                .map_err(A::Error::custom),
            None => self.map.next_value_seed(seed),
        }
    }
}

impl<'de, A: MapAccess<'de>> Deserializer<'de> for Members<'de, A> {
    type Error = A::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, A::Error> {
        visitor.visit_map(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum
        identifier ignored_any
    }
}

/// Rebuilds an object of unknown type as compact raw JSON: the members captured before `type`,
/// `type` itself (when present), then the rest of the live map, each value's text verbatim.
fn rebuild<'de, A: MapAccess<'de>>(
    before: Vec<Captured<'de>>,
    kind: Option<Option<Cow<'de, str>>>,
    mut map: A,
) -> Result<Box<RawValue>, A::Error> {
    let mut text = String::with_capacity(64);
    text.push('{');
    for (key, value) in &before {
        push_member(&mut text, key, value.get());
    }
    if let Some(kind) = kind {
        let value = match kind {
            Some(kind) => quoted(&kind),
            None => "null".to_owned(),
        };
        push_member(&mut text, "type", &value);
    }
    while let Some(Text(key)) = map.next_key()? {
        let value: Box<RawValue> = map.next_value()?;
        push_member(&mut text, &key, value.get());
    }
    text.push('}');
    RawValue::from_string(text).map_err(A::Error::custom)
}

fn push_member(text: &mut String, key: &str, value: &str) {
    if text.len() > 1 {
        text.push(',');
    }
    text.push_str(&quoted(key));
    text.push(':');
    text.push_str(value);
}

/// `text` as a JSON string literal.
fn quoted(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}

/// Implements `Deserialize` (through [`deserialize_open_tagged`]) and `Serialize` for an enum
/// whose known variants are newtypes around lossless structs (see
/// [`wire_struct!`](super::lossless::wire_struct)) and whose last variant is
/// `Other(Box<RawValue>)`. The first wire name of a variant is the one written; the others are
/// aliases accepted on decode. Known variants keep the tag where it stood among the members.
macro_rules! open_tagged_deserialize {
    ($name:ident { $( $wire:literal $(| $alias:literal)* => $variant:ident($ty:ty), )* }) => {
        impl $crate::wire::tagged::OpenTagged for $name {
            fn knows(kind: &str) -> bool {
                matches!(kind, $( $wire $(| $alias)* )|*)
            }

            fn decode_known<'de, D: serde::Deserializer<'de>>(
                kind: &str,
                position: usize,
                members: D,
            ) -> Result<Self, D::Error> {
                let tag = $crate::wire::lossless::TagAt::Position(position);
                match kind {
                    $( $wire $(| $alias)* => $crate::wire::lossless::de::deserialize::<$ty, D>(members, tag)
                        .map(Self::$variant), )*
                    _ => Err(<D::Error as serde::de::Error>::unknown_variant(kind, &[])),
                }
            }

            fn other(raw: Box<serde_json::value::RawValue>) -> Self {
                Self::Other(raw)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                $crate::wire::tagged::deserialize_open_tagged(deserializer)
            }
        }

        impl serde::Serialize for $name {
            /// Writes the variant with its `type`; `Other` byte for byte.
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match self {
                    $( Self::$variant(value) => {
                        $crate::wire::lossless::ser::serialize(value, Some($wire), serializer)
                    } )*
                    Self::Other(raw) => serde::Serialize::serialize(raw, serializer),
                }
            }
        }
    };
}

pub(crate) use open_tagged_deserialize;

/// Implements `PartialEq` for an open tagged enum (raw variants compare by their text).
macro_rules! raw_eq {
    ($name:ident { $($variant:ident),* }) => {
        impl PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                match (self, other) {
                    $( (Self::$variant(a), Self::$variant(b)) => a == b, )*
                    (Self::Other(a), Self::Other(b)) => a.get() == b.get(),
                    _ => false,
                }
            }
        }
    };
}
pub(crate) use raw_eq;

#[cfg(test)]
mod tests {
    use super::peek_type;

    #[test]
    fn fast_and_slow_paths_agree() {
        assert_eq!(
            peek_type(r#"{"type":"a.b","x":1}"#).unwrap().as_deref(),
            Some("a.b")
        );
        assert_eq!(
            peek_type(r#"{ "x": [1], "type" : "a.b" }"#)
                .unwrap()
                .as_deref(),
            Some("a.b")
        );
        assert_eq!(
            peek_type(r#"{"type":"a\u002eb"}"#).unwrap().as_deref(),
            Some("a.b")
        );
        assert!(matches!(
            peek_type(r#"{ "type": "a.b" }"#).unwrap(),
            Some(std::borrow::Cow::Borrowed("a.b"))
        ));
        assert_eq!(peek_type(r#"{"x":1}"#).unwrap(), None);
        assert!(peek_type(r#"{"type":1}"#).is_err());
        assert!(peek_type("[1,2]").is_err());
        assert!(peek_type(r#"{"type":"#).is_err());
    }

    #[test]
    fn the_scan_finds_type_in_any_member_order() {
        use super::scan_type;
        let sorted = r#"{"content_index":0,"delta":"a \"quoted\" {x} [y]","item_id":"m","logprobs":[{"a":[1,{"b":"}"}]}],"obfuscation":"q","output_index":0,"sequence_number":7,"type":"response.output_text.delta"}"#;
        assert_eq!(scan_type(sorted), Some(Some("response.output_text.delta")));
        assert_eq!(
            scan_type(" {\n \"n\" : -1.5e3 , \"b\": true, \"z\": null ,\"type\" : \"x\" } "),
            Some(Some("x"))
        );
        // The top-level member wins over a nested one, and the first of two wins.
        assert_eq!(
            scan_type(r#"{"item":{"type":"message"},"type":"a","type":"b"}"#),
            Some(Some("a"))
        );
        assert_eq!(scan_type(r#"{"x":1}"#), Some(None));
        assert_eq!(scan_type("{}"), Some(None));
        // Undecidable: the caller parses.
        for undecided in [
            r#"{"typ\u0065":"a"}"#,
            r#"{"type":"a\u002eb"}"#,
            r#"{"type":1}"#,
            r#"{"x":1"#,
            r#"{"x":"1}"#,
            r#"{"x" 1,"type":"a"}"#,
            "[1,2]",
            "",
            r#"{"x":1} x"#,
        ] {
            assert_eq!(scan_type(undecided), None, "{undecided}");
        }
        // Agreement with the full parse on every well-formed input above.
        for json in [sorted, r#"{"item":{"type":"message"},"type":"a"}"#] {
            assert_eq!(
                peek_type(json).unwrap().as_deref(),
                serde_json::from_str::<serde_json::Value>(json).unwrap()["type"].as_str()
            );
        }
    }
}

//! Dispatch on a JSON object's `type` field without serde's internally-tagged buffering.
//!
//! An open tagged value is first captured as a [`RawValue`] (a validated slice of the input, no
//! tree), its `type` is peeked, and the raw text is then deserialised straight into the concrete
//! struct. Unknown types keep the raw text, so they re-serialise byte-identically.
//!
//! Because [`RawValue`] only works with `serde_json`'s own deserializer, the open enums of this
//! module can only be decoded by `serde_json` (not through `#[serde(flatten)]`, untagged enums or
//! other formats).
//!
//! [`RawValue`]: serde_json::value::RawValue

use std::borrow::Cow;

use serde::Deserialize;

/// Returns the value of the top-level `type` field of a JSON object, if it has one.
///
/// Fast path: compact JSON that starts with `{"type":"` and whose type has no escape is read
/// without a full parse (the caller's typed decode validates the rest). Otherwise the object is
/// scanned with serde, skipping every other field.
pub(crate) fn peek_type(json: &str) -> Result<Option<Cow<'_, str>>, serde_json::Error> {
    const PREFIX: &str = "{\"type\":\"";
    if let Some(rest) = json.strip_prefix(PREFIX)
        && let Some(end) = memchr::memchr2(b'"', b'\\', rest.as_bytes())
        && rest.as_bytes().get(end) == Some(&b'"')
        && let Some(kind) = rest.get(..end)
    {
        return Ok(Some(Cow::Borrowed(kind)));
    }
    // `#[serde(borrow)]` only borrows a `Cow` that is the field itself (not one inside an
    // `Option`), hence the newtype.
    #[derive(Deserialize)]
    struct Kind<'a>(#[serde(borrow)] Cow<'a, str>);
    #[derive(Deserialize)]
    struct Peek<'a> {
        #[serde(rename = "type", borrow, default)]
        kind: Option<Kind<'a>>,
    }
    let peek: Peek<'_> = serde_json::from_str(json)?;
    Ok(peek.kind.map(|kind| kind.0))
}

/// Implements `Deserialize` for an enum whose known variants are newtypes around structs and
/// whose last variant is `Other(Box<RawValue>)`.
macro_rules! open_tagged_deserialize {
    ($name:ident { $( $($wire:literal)|+ => $variant:ident($ty:ty), )* }) => {
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                use serde::de::Error as _;
                let raw = <Box<serde_json::value::RawValue>>::deserialize(deserializer)?;
                let parsed = {
                    let kind = $crate::wire::tagged::peek_type(raw.get()).map_err(D::Error::custom)?;
                    match kind.as_deref() {
                        $( $(Some($wire))|+ => Some(
                            serde_json::from_str::<$ty>(raw.get()).map(Self::$variant),
                        ), )*
                        _ => None,
                    }
                };
                match parsed {
                    Some(result) => result.map_err(D::Error::custom),
                    None => Ok(Self::Other(raw)),
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
}

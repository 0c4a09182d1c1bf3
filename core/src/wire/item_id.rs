//! `ItemId`: the id of an output item, as the stream events repeat it.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;

use arrayvec::ArrayString;
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Ids up to this many bytes are stored inline (OpenAI's are about 52: `msg_` + 48 hex digits).
const INLINE: usize = 64;

/// The id of an output item (`msg_…`, `fc_…`, `rs_…`), as every delta event repeats it.
///
/// Ids of up to 64 bytes are held inline, so decoding the thousands of delta events of a
/// response allocates nothing for their `item_id`; longer ids go to the heap. It reads as a
/// `&str` (`Deref`, `AsRef`, `Borrow`, `Display`), compares with strings, and is a JSON string on
/// the wire.
///
/// ```
/// use codex_api_core::wire::ItemId;
///
/// let id = ItemId::new("msg_1");
/// assert_eq!(id, "msg_1");
/// assert_eq!(id.len(), 5);
/// assert_eq!(serde_json::to_string(&id).unwrap(), r#""msg_1""#);
/// ```
#[derive(Clone)]
pub struct ItemId(Repr);

#[derive(Clone)]
enum Repr {
    Inline(ArrayString<INLINE>),
    Heap(Box<str>),
}

impl ItemId {
    /// An id holding `id`.
    pub fn new(id: &str) -> ItemId {
        match ArrayString::from(id) {
            Ok(inline) => ItemId(Repr::Inline(inline)),
            Err(_) => ItemId(Repr::Heap(id.into())),
        }
    }

    /// The id as a string slice.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Inline(id) => id,
            Repr::Heap(id) => id,
        }
    }
}

impl Default for ItemId {
    fn default() -> ItemId {
        ItemId(Repr::Inline(ArrayString::new()))
    }
}

impl Deref for ItemId {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for ItemId {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for ItemId {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Debug for ItemId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), formatter)
    }
}

impl fmt::Display for ItemId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

impl PartialEq for ItemId {
    fn eq(&self, other: &ItemId) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for ItemId {}

impl PartialOrd for ItemId {
    fn partial_cmp(&self, other: &ItemId) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ItemId {
    fn cmp(&self, other: &ItemId) -> Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl Hash for ItemId {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // The same as `str`'s, as `Borrow<str>` requires.
        self.as_str().hash(state);
    }
}

impl PartialEq<str> for ItemId {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for ItemId {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for ItemId {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<ItemId> for str {
    fn eq(&self, other: &ItemId) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<ItemId> for &str {
    fn eq(&self, other: &ItemId) -> bool {
        *self == other.as_str()
    }
}

impl From<&str> for ItemId {
    fn from(id: &str) -> ItemId {
        ItemId::new(id)
    }
}

impl From<String> for ItemId {
    fn from(id: String) -> ItemId {
        if id.len() <= INLINE {
            ItemId::new(&id)
        } else {
            ItemId(Repr::Heap(id.into_boxed_str()))
        }
    }
}

impl From<ItemId> for String {
    fn from(id: ItemId) -> String {
        match id.0 {
            Repr::Inline(id) => id.as_str().to_owned(),
            Repr::Heap(id) => id.into_string(),
        }
    }
}

impl Serialize for ItemId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ItemId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<ItemId, D::Error> {
        struct IdVisitor;

        impl Visitor<'_> for IdVisitor {
            type Value = ItemId;

            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("an item id string")
            }

            fn visit_str<E: de::Error>(self, id: &str) -> Result<ItemId, E> {
                Ok(ItemId::new(id))
            }

            fn visit_string<E: de::Error>(self, id: String) -> Result<ItemId, E> {
                Ok(ItemId::from(id))
            }
        }

        deserializer.deserialize_str(IdVisitor)
    }
}

/// The `obfuscation` member of a delta event: random characters that pad each event to hide
/// the length of its text. Up to 22 bytes are held inline (the API's padding is shorter), so
/// keeping it costs a delta no allocation; it reads as a `&str` and is a JSON string on the wire.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Obfuscation(Padding);

#[derive(Clone, PartialEq, Eq, Hash)]
enum Padding {
    Inline(ArrayString<22>),
    Heap(Box<str>),
}

impl Obfuscation {
    /// Padding holding `text`.
    pub fn new(text: &str) -> Obfuscation {
        Obfuscation(match ArrayString::from(text) {
            Ok(inline) => Padding::Inline(inline),
            Err(_) => Padding::Heap(text.into()),
        })
    }
}

impl Deref for Obfuscation {
    type Target = str;

    fn deref(&self) -> &str {
        match &self.0 {
            Padding::Inline(text) => text,
            Padding::Heap(text) => text,
        }
    }
}

impl fmt::Debug for Obfuscation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl Serialize for Obfuscation {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self)
    }
}

impl<'de> Deserialize<'de> for Obfuscation {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;
        impl Visitor<'_> for Visit {
            type Value = Obfuscation;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Obfuscation, E> {
                Ok(Obfuscation::new(text))
            }
        }
        deserializer.deserialize_str(Visit)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::ItemId;

    #[test]
    fn short_and_long_ids_read_back_and_compare_alike() {
        let long = "x".repeat(200);
        for text in [
            "",
            "msg_1",
            &"a".repeat(64),
            &"é".repeat(32),
            &"é".repeat(33),
            &long,
        ] {
            let id = ItemId::new(text);
            assert_eq!(id, text);
            assert_eq!(id, ItemId::from(text.to_owned()));
            assert_eq!(String::from(id.clone()), text);
            assert_eq!(format!("{id}"), text);
            assert_eq!(format!("{id:?}"), format!("{text:?}"));
            let json = serde_json::to_string(&id).unwrap();
            assert_eq!(json, serde_json::to_string(text).unwrap());
            assert_eq!(serde_json::from_str::<ItemId>(&json).unwrap(), id);
            // Escaped text arrives through `visit_string`, unescaped through `visit_str`.
            let escaped = format!("\"\\u0041{text}\"");
            assert_eq!(
                serde_json::from_str::<ItemId>(&escaped).unwrap(),
                format!("A{text}")
            );
        }
        let mut map = HashMap::new();
        map.insert(ItemId::new(&long), 1);
        map.insert(ItemId::new("fc_1"), 2);
        assert_eq!(map.get(long.as_str()), Some(&1));
        assert_eq!(map.get("fc_1"), Some(&2));
        assert!(ItemId::new("a") < ItemId::new(&long));
        assert!(serde_json::from_str::<ItemId>("7").is_err());
    }
}

//! `Extra`: the members of a JSON object that its typed struct does not model, kept verbatim.

use std::fmt;

use arrayvec::ArrayVec;
use serde::Serialize;
use serde_json::value::RawValue;

/// The members of a wire object that its typed struct does not model, each value's JSON text
/// kept byte for byte, plus where every member of the object stood.
///
/// Every wire struct that mirrors the API has a public `extra` field of this type. Decoding fills
/// it in the same single pass that reads the typed members; encoding writes each member back
/// where it was, between the typed members, in the object's original member order. Compact JSON
/// (as the API sends it) therefore re-encodes byte for byte, and a member that a later API
/// version adds, such as a new flag on a message, survives a decode and a re-send.
///
/// Members inserted by hand ([`Extra::insert`]) are written after the typed members. A member
/// whose name is also a typed member of the struct is rejected when encoding (see
/// [`ExtraCollision`](crate::request::BuildError::ExtraCollision) for request bodies), so
/// `extra` can never override or duplicate a typed field.
///
/// Equality compares the members (names and JSON text), not the recorded member order.
///
/// ```
/// use codex_api_core::wire::ResponseItem;
///
/// // `flagged` is not a typed member of a message: it is kept, in place.
/// let json = r#"{"type":"message","id":"m1","flagged":true,"role":"user","content":[]}"#;
/// let item: ResponseItem = serde_json::from_str(json).unwrap();
/// let ResponseItem::Message(message) = &item else { unreachable!() };
/// assert_eq!(message.extra.get("flagged").map(|raw| raw.get()), Some("true"));
/// assert_eq!(serde_json::to_string(&item).unwrap(), json);
/// ```
#[derive(Clone, Default)]
pub struct Extra {
    /// A boxed slice: 16 bytes in every wire struct, no allocation when empty.
    members: Box<[(Box<str>, Box<RawValue>)]>,
    layout: Layout,
}

impl Extra {
    /// No members.
    pub fn new() -> Extra {
        Extra::default()
    }

    /// Whether there are no members.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// The number of members.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// The raw JSON of the member `key` (the first one, should the object repeat it).
    pub fn get(&self, key: &str) -> Option<&RawValue> {
        self.members
            .iter()
            .find(|(name, _)| &**name == key)
            .map(|(_, value)| &**value)
    }

    /// Whether there is a member `key`.
    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Decodes the member `key` as `T`.
    pub fn decode<'a, T: serde::Deserialize<'a>>(
        &'a self,
        key: &str,
    ) -> Option<Result<T, serde_json::Error>> {
        self.get(key).map(|raw| serde_json::from_str(raw.get()))
    }

    /// The members in order: name and raw JSON.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &RawValue)> + '_ {
        self.members.iter().map(|(name, value)| (&**name, &**value))
    }

    /// Sets the member `key` to `value` encoded as JSON. An existing member of that name keeps
    /// its place; a new one is written after the typed members.
    pub fn insert(
        &mut self,
        key: impl Into<String>,
        value: impl Serialize,
    ) -> Result<(), serde_json::Error> {
        let raw = serde_json::value::to_raw_value(&value)?;
        self.insert_raw(key, raw);
        Ok(())
    }

    /// Sets the member `key` to the JSON `value` (see [`Extra::insert`]; a `Value` always
    /// encodes, so this cannot fail).
    pub fn insert_value(&mut self, key: impl Into<String>, value: serde_json::Value) {
        // `Value`'s `Display` writes valid JSON, which `from_string` accepts.
        if let Ok(raw) = RawValue::from_string(value.to_string()) {
            self.insert_raw(key, raw);
        }
    }

    /// Sets the member `key` to `raw`, written exactly as given (see [`Extra::insert`]).
    pub fn insert_raw(&mut self, key: impl Into<String>, raw: Box<RawValue>) {
        let key: String = key.into();
        match self.members.iter_mut().find(|(name, _)| **name == *key) {
            Some((_, value)) => *value = raw,
            None => {
                let mut members = std::mem::take(&mut self.members).into_vec();
                members.push((key.into_boxed_str(), raw));
                self.members = members.into_boxed_slice();
            }
        }
    }

    /// Removes every member named `key`; returns the first one's value.
    pub fn remove(&mut self, key: &str) -> Option<Box<RawValue>> {
        let mut members = std::mem::take(&mut self.members).into_vec();
        let mut first = None;
        while let Some(position) = members.iter().position(|(name, _)| &**name == key) {
            let (_, value) = members.remove(position);
            first.get_or_insert(value);
            // Slots naming later members shift down with them; the removed member's slot goes.
            self.layout.remove_member(position);
        }
        self.members = members.into_boxed_slice();
        first
    }

    pub(crate) fn from_parts(members: Vec<(Box<str>, Box<RawValue>)>, layout: Layout) -> Extra {
        Extra {
            members: members.into_boxed_slice(),
            layout,
        }
    }

    pub(crate) fn members(&self) -> &[(Box<str>, Box<RawValue>)] {
        &self.members
    }

    pub(crate) fn layout(&self) -> &Layout {
        &self.layout
    }
}

impl PartialEq for Extra {
    fn eq(&self, other: &Extra) -> bool {
        self.members.len() == other.members.len()
            && self
                .iter()
                .zip(other.iter())
                .all(|((ka, va), (kb, vb))| ka == kb && va.get() == vb.get())
    }
}

impl Eq for Extra {}

impl fmt::Debug for Extra {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Raw<'a>(&'a str);
        impl fmt::Debug for Raw<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.0)
            }
        }
        f.debug_map()
            .entries(self.iter().map(|(key, value)| (key, Raw(value.get()))))
            .finish()
    }
}

impl<K: Into<String>> FromIterator<(K, Box<RawValue>)> for Extra {
    fn from_iter<I: IntoIterator<Item = (K, Box<RawValue>)>>(iter: I) -> Extra {
        let mut extra = Extra::new();
        for (key, value) in iter {
            extra.insert_raw(key, value);
        }
        extra
    }
}

impl TryFrom<serde_json::Map<String, serde_json::Value>> for Extra {
    type Error = serde_json::Error;

    /// The members of a JSON object, in the map's order.
    fn try_from(map: serde_json::Map<String, serde_json::Value>) -> Result<Extra, Self::Error> {
        let mut extra = Extra::new();
        for (key, value) in map {
            extra.insert(key, value)?;
        }
        Ok(extra)
    }
}

/// One member of a decoded object, in the object's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Slot {
    /// The typed member at this index of the struct's deserialisation field list.
    Known(u16),
    /// The same, whose value was `null` (written back as `null` while the field stays unset).
    KnownNull(u16),
    /// The member at this index of [`Extra::members`].
    Member(u16),
    /// The object's `type` tag.
    Tag,
}

impl Slot {
    const TAG: u16 = u16::MAX;
    const MEMBER: u16 = 0x8000;
    const NULL: u16 = 0x4000;
    /// Typed member indices stay below this.
    pub(crate) const MAX_KNOWN: u16 = Slot::NULL;
    /// Extra member indices stay below this.
    pub(crate) const MAX_MEMBER: u16 = 0x7fff;

    fn encode(self) -> u16 {
        match self {
            Slot::Known(index) => index,
            Slot::KnownNull(index) => Slot::NULL | index,
            Slot::Member(index) => Slot::MEMBER | index,
            Slot::Tag => Slot::TAG,
        }
    }

    fn decode(code: u16) -> Slot {
        match code {
            Slot::TAG => Slot::Tag,
            code if code & Slot::MEMBER != 0 => Slot::Member(code & !Slot::MEMBER),
            code if code & Slot::NULL != 0 => Slot::KnownNull(code & !Slot::NULL),
            code => Slot::Known(code),
        }
    }
}

/// How many slots fit inline: a delta event of the Responses API has eight members.
const INLINE_SLOTS: usize = 10;

/// Where every member of a decoded object stood. `Canonical` (no allocation, nothing stored)
/// when the object had no unknown member and its typed members came in the order the struct
/// writes them, with the tag, if any, first.
#[derive(Debug, Clone, Default)]
pub(crate) enum Layout {
    /// Typed members in declaration order, then the extra members.
    #[default]
    Canonical,
    /// The recorded order, without allocating.
    Inline(ArrayVec<u16, INLINE_SLOTS>),
    /// The recorded order of a larger object.
    Heap(Box<[u16]>),
}

impl Layout {
    /// The layout of `slots` (encoded), `Canonical` when `canonical`.
    pub(crate) fn new(canonical: bool, slots: &[u16]) -> Layout {
        if canonical {
            Layout::Canonical
        } else if let Ok(inline) = ArrayVec::try_from(slots) {
            Layout::Inline(inline)
        } else {
            Layout::Heap(slots.into())
        }
    }

    pub(crate) fn is_canonical(&self) -> bool {
        matches!(self, Layout::Canonical)
    }

    pub(crate) fn slots(&self) -> impl Iterator<Item = Slot> + '_ {
        let codes: &[u16] = match self {
            Layout::Canonical => &[],
            Layout::Inline(codes) => codes,
            Layout::Heap(codes) => codes,
        };
        codes.iter().map(|&code| Slot::decode(code))
    }

    pub(crate) fn encode(slot: Slot) -> u16 {
        slot.encode()
    }

    pub(crate) fn decode(code: u16) -> Slot {
        Slot::decode(code)
    }

    fn remove_member(&mut self, removed: usize) {
        let codes: &mut dyn CodeList = match self {
            Layout::Canonical => return,
            Layout::Inline(codes) => codes,
            Layout::Heap(codes) => codes,
        };
        codes.retain_map(&mut |code| match Slot::decode(code) {
            Slot::Member(index) if usize::from(index) == removed => None,
            Slot::Member(index) if usize::from(index) > removed => {
                Some(Slot::Member(index - 1).encode())
            }
            _ => Some(code),
        });
    }
}

/// The two slot storages, edited alike.
trait CodeList {
    fn retain_map(&mut self, f: &mut dyn FnMut(u16) -> Option<u16>);
}

impl CodeList for Box<[u16]> {
    fn retain_map(&mut self, f: &mut dyn FnMut(u16) -> Option<u16>) {
        *self = self.iter().filter_map(|&code| f(code)).collect();
    }
}

impl CodeList for ArrayVec<u16, INLINE_SLOTS> {
    fn retain_map(&mut self, f: &mut dyn FnMut(u16) -> Option<u16>) {
        *self = self.iter().filter_map(|&code| f(code)).collect();
    }
}

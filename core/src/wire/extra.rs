//! `Extra`: the members of a JSON object that its typed struct does not model, kept verbatim.

use std::fmt;

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
pub struct Extra(Repr);

/// 16 bytes in every wire struct; no allocation unless there are extra members (or the order
/// of more than [`ORDER_BYTES`] members to keep).
#[derive(Clone, Default)]
enum Repr {
    /// No extra member; typed members in declaration order (the tag, if any, first).
    #[default]
    Empty,
    /// No extra member; the members' order, one byte per member.
    Order { len: u8, codes: [u8; ORDER_BYTES] },
    /// Extra members, or a longer order.
    Heap(Box<Heap>),
}

#[derive(Clone, Default)]
struct Heap {
    members: Vec<(Box<str>, Box<RawValue>)>,
    /// The members' order (`Slot` codes); empty when typed members came in declaration order,
    /// the tag first and the extra members last.
    slots: Vec<u16>,
}

/// How many members' order fits inline: a delta event of the Responses API has eight.
const ORDER_BYTES: usize = 14;

impl Extra {
    /// No members.
    pub fn new() -> Extra {
        Extra::default()
    }

    /// Whether there are no members.
    pub fn is_empty(&self) -> bool {
        self.members().is_empty()
    }

    /// The number of members.
    pub fn len(&self) -> usize {
        self.members().len()
    }

    /// The raw JSON of the member `key` (the first one, should the object repeat it).
    pub fn get(&self, key: &str) -> Option<&RawValue> {
        self.members()
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
        self.members()
            .iter()
            .map(|(name, value)| (&**name, &**value))
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
        let heap = self.heap_mut();
        match heap.members.iter_mut().find(|(name, _)| **name == *key) {
            Some((_, value)) => *value = raw,
            None => heap.members.push((key.into_boxed_str(), raw)),
        }
    }

    /// Removes every member named `key`; returns the first one's value.
    pub fn remove(&mut self, key: &str) -> Option<Box<RawValue>> {
        if !self.contains_key(key) {
            return None;
        }
        let heap = self.heap_mut();
        let mut first = None;
        while let Some(position) = heap.members.iter().position(|(name, _)| &**name == key) {
            let (_, value) = heap.members.remove(position);
            first.get_or_insert(value);
            // Slots naming later members shift down with them; the removed member's slot goes.
            heap.slots.retain_mut(|code| match Slot::decode(*code) {
                Slot::Member(index) if usize::from(index) == position => false,
                Slot::Member(index) if usize::from(index) > position => {
                    *code = Slot::Member(index - 1).encode();
                    true
                }
                _ => true,
            });
        }
        first
    }

    /// The decoded members and their order (`Slot` codes; `canonical` when typed members came
    /// in declaration order, the tag first and extra members last).
    pub(crate) fn from_parts(
        members: Vec<(Box<str>, Box<RawValue>)>,
        canonical: bool,
        slots: &[u16],
    ) -> Extra {
        if members.is_empty() {
            if canonical {
                return Extra(Repr::Empty);
            }
            if let Some(repr) = Extra::order_inline(slots) {
                return Extra(repr);
            }
        }
        Extra(Repr::Heap(Box::new(Heap {
            members,
            slots: if canonical {
                Vec::new()
            } else {
                slots.to_vec()
            },
        })))
    }

    /// The order of an object without extra members, one byte per member, when it fits.
    fn order_inline(slots: &[u16]) -> Option<Repr> {
        if slots.len() > ORDER_BYTES {
            return None;
        }
        let mut codes = [0; ORDER_BYTES];
        for (&code, byte) in slots.iter().zip(codes.iter_mut()) {
            *byte = Slot::decode(code).to_byte()?;
        }
        Some(Repr::Order {
            len: u8::try_from(slots.len()).ok()?,
            codes,
        })
    }

    pub(crate) fn members(&self) -> &[(Box<str>, Box<RawValue>)] {
        match &self.0 {
            Repr::Heap(heap) => &heap.members,
            _ => &[],
        }
    }

    /// Whether typed members are written in declaration order (the tag first, extra members
    /// last): no order was recorded.
    pub(crate) fn is_canonical(&self) -> bool {
        match &self.0 {
            Repr::Empty => true,
            Repr::Order { .. } => false,
            Repr::Heap(heap) => heap.slots.is_empty(),
        }
    }

    /// The recorded order (nothing when canonical).
    pub(crate) fn slots(&self) -> impl Iterator<Item = Slot> + '_ {
        let (bytes, codes): (&[u8], &[u16]) = match &self.0 {
            Repr::Empty => (&[], &[]),
            Repr::Order { len, codes } => (&codes[..usize::from(*len)], &[]),
            Repr::Heap(heap) => (&[], &heap.slots),
        };
        bytes
            .iter()
            .map(|&byte| Slot::from_byte(byte))
            .chain(codes.iter().map(|&code| Slot::decode(code)))
    }

    fn heap_mut(&mut self) -> &mut Heap {
        if !matches!(self.0, Repr::Heap(_)) {
            let slots = self.slots().map(Slot::encode).collect();
            self.0 = Repr::Heap(Box::new(Heap {
                members: Vec::new(),
                slots,
            }));
        }
        match &mut self.0 {
            Repr::Heap(heap) => heap,
            _ => unreachable!("a heap was just made"),
        }
    }
}

impl PartialEq for Extra {
    fn eq(&self, other: &Extra) -> bool {
        self.len() == other.len()
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

    /// The slot as a `u16` code.
    pub(crate) fn encode(self) -> u16 {
        match self {
            Slot::Known(index) => index,
            Slot::KnownNull(index) => Slot::NULL | index,
            Slot::Member(index) => Slot::MEMBER | index,
            Slot::Tag => Slot::TAG,
        }
    }

    /// The slot of a `u16` code.
    pub(crate) fn decode(code: u16) -> Slot {
        match code {
            Slot::TAG => Slot::Tag,
            code if code & Slot::MEMBER != 0 => Slot::Member(code & !Slot::MEMBER),
            code if code & Slot::NULL != 0 => Slot::KnownNull(code & !Slot::NULL),
            code => Slot::Known(code),
        }
    }

    /// The slot as one byte, when it fits (not an extra member; typed index below 64).
    fn to_byte(self) -> Option<u8> {
        match self {
            Slot::Known(index) if index < 0x40 => Some(index as u8),
            Slot::KnownNull(index) if index < 0x40 => Some(0x40 | index as u8),
            Slot::Tag => Some(0xff),
            _ => None,
        }
    }

    fn from_byte(byte: u8) -> Slot {
        match byte {
            0xff => Slot::Tag,
            byte if byte & 0x40 != 0 => Slot::KnownNull(u16::from(byte & 0x3f)),
            byte => Slot::Known(u16::from(byte)),
        }
    }
}

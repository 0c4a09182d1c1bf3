//! Decoding a lossless struct: the derive gets its members, [`Extra`] gets the rest, and the
//! member order is recorded, all in one pass over the object.

use std::fmt;

use arrayvec::ArrayVec;
use serde::de::{DeserializeSeed, Deserializer, Error as _, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use super::{Lossless, TagAt};
use crate::wire::extra::{Extra, Slot};

/// How a struct decoded on its own meets a `type` member.
pub(crate) fn standalone<T: Lossless>() -> TagAt {
    if T::TAG_MEMBER {
        TagAt::Member
    } else {
        TagAt::Absent
    }
}

/// Decodes `T`, its unknown members into its `extra`.
pub(crate) fn deserialize<'de, T: Lossless, D: Deserializer<'de>>(
    deserializer: D,
    tag: TagAt,
) -> Result<T, D::Error> {
    let mut recorder = Recorder::new(tag);
    let mut value = T::deserialize_typed(Recording {
        inner: deserializer,
        recorder: &mut recorder,
    })?;
    *value.extra_mut() = recorder.finish();
    Ok(value)
}

/// The field list that `T`'s derived decoder asks for (read once, by a decoder that only
/// answers that question).
pub(crate) fn probe_fields<T: Lossless>() -> &'static [&'static str] {
    let mut fields = None;
    let _ = T::deserialize_typed(Probe(&mut fields));
    fields.unwrap_or(&[])
}

/// The slots of an object being decoded: on the stack for the usual small object.
#[derive(Default)]
struct Slots {
    stack: ArrayVec<u16, 16>,
    heap: Vec<u16>,
}

impl Slots {
    fn push(&mut self, code: u16) {
        if self.heap.is_empty() {
            if self.stack.try_push(code).is_ok() {
                return;
            }
            self.heap.extend(self.stack.drain(..));
        }
        self.heap.push(code);
    }

    fn last(&self) -> Option<u16> {
        self.as_slice().last().copied()
    }

    fn pop(&mut self) {
        if self.heap.is_empty() {
            self.stack.pop();
        } else {
            self.heap.pop();
        }
    }

    fn as_slice(&self) -> &[u16] {
        if self.heap.is_empty() {
            &self.stack
        } else {
            &self.heap
        }
    }
}

/// What one decode saw, beside the typed members.
///
/// While the object stays canonical (typed members in declaration order, the tag first, no
/// extra member), nothing is written but a bit per typed member: that is the hot path of every
/// delta event. The first member out of order turns the bits into slots and records from then on.
pub(crate) struct Recorder {
    fields: &'static [&'static str],
    tag: TagAt,
    /// Typed members seen while canonical (bit `i`: `fields[i]`); ascending order is their order.
    seen_known: u128,
    /// Whether a tag was seen while canonical (it then came first).
    seen_tag: bool,
    /// What the derive will do with the value of the last key.
    pending: Pending,
    /// Recorded since the object stopped being canonical.
    slots: Slots,
    members: Vec<(Box<str>, Box<RawValue>)>,
    /// Members seen so far (typed and extra; not the tag).
    seen: usize,
    last_known: Option<u16>,
    canonical: bool,
    /// False once the object is too large to record (then the members go after the typed ones).
    ordered: bool,
}

impl Recorder {
    pub(crate) fn new(tag: TagAt) -> Recorder {
        Recorder {
            fields: &[],
            tag,
            seen_known: 0,
            seen_tag: false,
            pending: Pending::Typed,
            slots: Slots::default(),
            members: Vec::new(),
            seen: 0,
            last_known: None,
            canonical: true,
            ordered: true,
        }
    }

    /// Leaves the canonical state: what was seen so far becomes slots.
    fn leave_canonical(&mut self) {
        if !self.canonical {
            return;
        }
        self.canonical = false;
        if self.seen_tag {
            self.slots.push(Slot::encode(Slot::Tag));
        }
        let mut bits = self.seen_known;
        while bits != 0 {
            let index = bits.trailing_zeros() as u16;
            self.slots.push(Slot::encode(Slot::Known(index)));
            bits &= bits - 1;
        }
    }

    /// Records the tag when the enum's decoder read it before the next member.
    fn tag_before_next(&mut self) {
        if self.tag == TagAt::Position(self.seen) {
            self.push_tag();
        }
    }

    pub(crate) fn push_tag(&mut self) {
        self.tag = TagAt::Absent;
        if self.canonical && self.seen == 0 && !self.seen_tag {
            self.seen_tag = true;
            return;
        }
        self.leave_canonical();
        self.slots.push(Slot::encode(Slot::Tag));
    }

    #[inline]
    pub(crate) fn push_known(&mut self, index: usize) {
        // The hot path: a canonical object's next typed member.
        if self.canonical
            && index < 128
            && !matches!(self.tag, TagAt::Position(_))
            && self.last_known.is_none_or(|last| usize::from(last) < index)
        {
            self.seen += 1;
            self.last_known = Some(index as u16);
            self.seen_known |= 1 << index;
            return;
        }
        self.push_known_slow(index);
    }

    fn push_known_slow(&mut self, index: usize) {
        self.tag_before_next();
        self.seen += 1;
        let index = match u16::try_from(index) {
            Ok(index) if index < Slot::MAX_KNOWN => index,
            _ => {
                self.ordered = false;
                return;
            }
        };
        let in_order = self.last_known.is_none_or(|last| index > last);
        self.last_known = Some(index);
        if self.canonical && in_order && index < 128 {
            self.seen_known |= 1 << index;
            return;
        }
        self.leave_canonical();
        self.slots.push(Slot::encode(Slot::Known(index)));
    }

    pub(crate) fn push_member(&mut self, key: Box<str>, value: Box<RawValue>) {
        self.tag_before_next();
        self.seen += 1;
        self.leave_canonical();
        match u16::try_from(self.members.len()) {
            Ok(index) if index < Slot::MAX_MEMBER => {
                self.slots.push(Slot::encode(Slot::Member(index)));
            }
            _ => self.ordered = false,
        }
        self.members.push((key, value));
    }

    /// Marks the typed member just recorded as `null` on the wire: the struct would omit it, so
    /// the order is recorded to write it back.
    pub(crate) fn last_was_null(&mut self) {
        self.leave_canonical();
        if let Some(Slot::Known(index)) = self.slots.last().map(Slot::decode) {
            self.slots.pop();
            self.slots.push(Slot::encode(Slot::KnownNull(index)));
        }
    }

    #[inline]
    pub(crate) fn finish(self) -> Extra {
        if self.canonical && self.members.is_empty() && !matches!(self.tag, TagAt::Position(_)) {
            return Extra::default();
        }
        self.finish_slow()
    }

    fn finish_slow(mut self) -> Extra {
        if let TagAt::Position(_) = self.tag {
            self.push_tag();
        }
        let canonical = self.canonical || !self.ordered;
        Extra::from_parts(self.members, canonical, self.slots.as_slice())
    }

    /// The index of `key` in the field list, looked for first where the next typed member of a
    /// canonical object would be.
    fn field_index(&self, key: &str) -> Option<usize> {
        let fields = self.fields;
        let start = self.last_known.map_or(0, |last| usize::from(last) + 1);
        let (before, after) = fields.split_at(start.min(fields.len()));
        if let Some(offset) = after.iter().position(|field| same(field, key)) {
            return Some(start + offset);
        }
        before.iter().position(|field| same(field, key))
    }
}

/// `a == b`, without a call to `memcmp` for the short member names of the API.
#[inline]
fn same(a: &str, b: &str) -> bool {
    a == b
}

/// A deserializer that records what the struct decoder beneath it does not take.
struct Recording<'r, D> {
    inner: D,
    recorder: &'r mut Recorder,
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Recording<'_, D> {
    type Error = D::Error;

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.recorder.fields = fields;
        self.inner.deserialize_struct(
            name,
            fields,
            RecordingVisitor {
                inner: visitor,
                recorder: self.recorder,
            },
        )
    }

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.inner.deserialize_any(visitor)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum
        identifier ignored_any
    }
}

struct RecordingVisitor<'r, V> {
    inner: V,
    recorder: &'r mut Recorder,
}

impl<'de, V: Visitor<'de>> Visitor<'de> for RecordingVisitor<'_, V> {
    type Value = V::Value;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.expecting(formatter)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.inner.visit_map(Filtered {
            map,
            recorder: self.recorder,
        })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.inner.visit_seq(seq)
    }
}

/// The object's members, less those the struct does not model (recorded instead).
struct Filtered<'r, A> {
    map: A,
    recorder: &'r mut Recorder,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Filtered<'_, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        // The key is read once, by the derive's own field visitor, through `KeySpy`, which
        // looks it up and notes what the derive will do with it.
        self.map.next_key_seed(KeySpy {
            seed,
            recorder: self.recorder,
        })
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        self.map.next_value_seed(ValueSpy {
            seed,
            recorder: self.recorder,
        })
    }

    fn size_hint(&self) -> Option<usize> {
        self.map.size_hint()
    }
}

/// A deserializer that only notes the field list of the struct asked for.
struct Probe<'a>(&'a mut Option<&'static [&'static str]>);

impl<'de> Deserializer<'de> for Probe<'_> {
    type Error = serde::de::value::Error;

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Self::Error> {
        *self.0 = Some(fields);
        Err(Self::Error::custom("field probe"))
    }

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Self::Error> {
        Err(Self::Error::custom("field probe"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum
        identifier ignored_any
    }
}

/// What the derive will do with the value of the key it was just handed.
#[derive(Default)]
enum Pending {
    /// Decode it into a typed field.
    #[default]
    Typed,
    /// Skip it: it is the object's tag.
    Tag,
    /// Skip it: it is a member the struct does not model, to keep under this name.
    Member(Box<str>),
}

/// Hands a key to the derive's field visitor, noting whether the struct models it.
struct KeySpy<'r, S> {
    seed: S,
    recorder: &'r mut Recorder,
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for KeySpy<'_, S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<S::Value, D::Error> {
        self.seed.deserialize(KeyDeserializer {
            inner: deserializer,
            recorder: self.recorder,
        })
    }
}

struct KeyDeserializer<'r, D> {
    inner: D,
    recorder: &'r mut Recorder,
}

struct KeyVisitor<'r, V> {
    inner: V,
    recorder: &'r mut Recorder,
}

impl<V> KeyVisitor<'_, V> {
    fn note(&mut self, key: &str) {
        let recorder = &mut *self.recorder;
        recorder.pending = if let Some(index) = recorder.field_index(key) {
            recorder.push_known(index);
            Pending::Typed
        } else if recorder.tag == TagAt::Member && key == "type" {
            Pending::Tag
        } else {
            Pending::Member(key.into())
        };
    }
}

impl<'de, V: Visitor<'de>> Visitor<'de> for KeyVisitor<'_, V> {
    type Value = V::Value;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.expecting(formatter)
    }

    fn visit_borrowed_str<E: serde::de::Error>(mut self, key: &'de str) -> Result<V::Value, E> {
        self.note(key);
        self.inner.visit_borrowed_str(key)
    }

    fn visit_str<E: serde::de::Error>(mut self, key: &str) -> Result<V::Value, E> {
        self.note(key);
        self.inner.visit_str(key)
    }

    fn visit_string<E: serde::de::Error>(mut self, key: String) -> Result<V::Value, E> {
        self.note(&key);
        self.inner.visit_string(key)
    }
}

/// Decodes a member's value: a typed one into its field (noting a `null`), a skipped one into
/// the recorder.
struct ValueSpy<'r, S> {
    seed: S,
    recorder: &'r mut Recorder,
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for ValueSpy<'_, S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<S::Value, D::Error> {
        let typed = matches!(self.recorder.pending, Pending::Typed);
        let member = self
            .recorder
            .last_known
            .and_then(|index| self.recorder.fields.get(usize::from(index)).copied());
        self.seed
            .deserialize(Spy {
                inner: deserializer,
                recorder: self.recorder,
            })
            .map_err(|error| match member {
                Some(member) if typed => in_member(member, error),
                _ => error,
            })
    }
}

struct Spy<'r, D> {
    inner: D,
    recorder: &'r mut Recorder,
}

macro_rules! forward {
    ($($method:ident($($arg:ident: $ty:ty),*)),* $(,)?) => {
        $(
            #[inline]
            fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value, D::Error> {
                self.inner.$method($($arg,)* visitor)
            }
        )*
    };
}

/// Forwards every `Deserializer` method to `self.inner` except `deserialize_option`,
/// `deserialize_identifier` and `deserialize_ignored_any`, of which the caller implements one
/// and names the other two here.
macro_rules! forward_all_but_one {
    ($($method:ident()),*) => {
        forward! {
            deserialize_any(), deserialize_bool(), deserialize_i8(), deserialize_i16(),
            deserialize_i32(), deserialize_i64(), deserialize_i128(), deserialize_u8(),
            deserialize_u16(), deserialize_u32(), deserialize_u64(), deserialize_u128(),
            deserialize_f32(), deserialize_f64(), deserialize_char(), deserialize_str(),
            deserialize_string(), deserialize_bytes(), deserialize_byte_buf(), deserialize_unit(),
            deserialize_unit_struct(name: &'static str),
            deserialize_newtype_struct(name: &'static str),
            deserialize_seq(), deserialize_tuple(len: usize),
            deserialize_tuple_struct(name: &'static str, len: usize),
            deserialize_map(),
            deserialize_struct(name: &'static str, fields: &'static [&'static str]),
            deserialize_enum(name: &'static str, variants: &'static [&'static str]),
            $($method(),)*
        }
    };
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for KeyDeserializer<'_, D> {
    type Error = D::Error;

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.inner.deserialize_str(KeyVisitor {
            inner: visitor,
            recorder: self.recorder,
        })
    }

    fn is_human_readable(&self) -> bool {
        self.inner.is_human_readable()
    }

    forward_all_but_one!(deserialize_option(), deserialize_ignored_any());
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Spy<'_, D> {
    type Error = D::Error;

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.inner.deserialize_option(NullVisitor {
            inner: visitor,
            recorder: self.recorder,
        })
    }

    /// The derive skips the value of a member it does not model: keep it instead.
    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        match std::mem::take(&mut self.recorder.pending) {
            Pending::Member(key) => {
                let raw = <Box<RawValue> as serde::Deserialize>::deserialize(self.inner)?;
                self.recorder.push_member(key, raw);
                visitor.visit_unit()
            }
            Pending::Tag => {
                let value = self.inner.deserialize_ignored_any(visitor)?;
                self.recorder.push_tag();
                Ok(value)
            }
            Pending::Typed => self.inner.deserialize_ignored_any(visitor),
        }
    }

    fn is_human_readable(&self) -> bool {
        self.inner.is_human_readable()
    }

    forward_all_but_one!(deserialize_identifier());
}

/// Notes whether an `Option` field read `null`.
struct NullVisitor<'r, V> {
    inner: V,
    recorder: &'r mut Recorder,
}

impl<'de, V: Visitor<'de>> Visitor<'de> for NullVisitor<'_, V> {
    type Value = V::Value;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.expecting(formatter)
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<V::Value, E> {
        self.recorder.last_was_null();
        self.inner.visit_none()
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<V::Value, E> {
        self.recorder.last_was_null();
        self.inner.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<V::Value, D::Error> {
        self.inner.visit_some(deserializer)
    }
}

/// Whether a decoded field value stands for a JSON `null` (an `Option` that read `null`), for
/// the hand-written decoders of the stream event payloads.
pub(crate) trait NullValue {
    /// Whether the value is an `Option` that read `null`.
    fn is_null(&self) -> bool {
        false
    }
}

impl<T> NullValue for Option<T> {
    fn is_null(&self) -> bool {
        self.is_none()
    }
}

macro_rules! never_null {
    ($($ty:ty),* $(,)?) => { $( impl NullValue for $ty {} )* };
}

never_null!(
    u32,
    u64,
    String,
    serde_json::Value,
    crate::wire::ItemId,
    crate::wire::ResponseItem,
    crate::wire::ContentPart,
    Box<crate::wire::Response>,
);

impl<T> NullValue for Vec<T> {}

/// `error`, raised while decoding the typed member `member`, with the member named (nested
/// members name their path: ``member `content`: member `text`: ...``). The decoder's own
/// position, if its message has one, is dropped: the outer decoder adds its own.
pub(crate) fn in_member<E: serde::de::Error>(member: &str, error: E) -> E {
    let message = error.to_string();
    let message = match message.rfind(" at line ") {
        Some(at)
            if message[at + 9..]
                .split_once(" column ")
                .is_some_and(|(line, column)| {
                    !line.is_empty()
                        && !column.is_empty()
                        && line
                            .bytes()
                            .chain(column.bytes())
                            .all(|b| b.is_ascii_digit())
                }) =>
        {
            &message[..at]
        }
        _ => &message,
    };
    E::custom(format_args!("member `{member}`: {message}"))
}

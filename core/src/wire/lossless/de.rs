//! Decoding a lossless struct: the derive gets its members, [`Extra`] gets the rest, and the
//! member order is recorded, all in one pass over the object.

use std::borrow::Cow;
use std::fmt;

use arrayvec::ArrayVec;
use serde::de::value::CowStrDeserializer;
use serde::de::{
    DeserializeSeed, Deserializer, Error as _, IgnoredAny, MapAccess, SeqAccess, Visitor,
};
use serde_json::value::RawValue;

use super::{Lossless, TagAt};
use crate::wire::extra::{Extra, Layout, Slot};
use crate::wire::tagged::Text;

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
    stack: ArrayVec<u16, 32>,
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
struct Recorder {
    fields: &'static [&'static str],
    tag: TagAt,
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
    fn new(tag: TagAt) -> Recorder {
        Recorder {
            fields: &[],
            tag,
            slots: Slots::default(),
            members: Vec::new(),
            seen: 0,
            last_known: None,
            canonical: true,
            ordered: true,
        }
    }

    /// Records the tag when the enum's decoder read it before the next member.
    fn tag_before_next(&mut self) {
        if self.tag == TagAt::Position(self.seen) {
            self.push_tag();
        }
    }

    fn push_tag(&mut self) {
        self.canonical &= self.seen == 0;
        self.tag = TagAt::Absent;
        self.slots.push(Layout::encode(Slot::Tag));
    }

    fn push_known(&mut self, index: usize) {
        self.tag_before_next();
        self.seen += 1;
        let index = match u16::try_from(index) {
            Ok(index) if index < Slot::MAX_KNOWN => index,
            _ => {
                self.ordered = false;
                return;
            }
        };
        if self.last_known.is_some_and(|last| index <= last) {
            self.canonical = false;
        }
        self.last_known = Some(index);
        self.slots.push(Layout::encode(Slot::Known(index)));
    }

    fn push_member(&mut self, key: Cow<'_, str>, value: Box<RawValue>) {
        self.tag_before_next();
        self.seen += 1;
        self.canonical = false;
        match u16::try_from(self.members.len()) {
            Ok(index) if index < Slot::MAX_MEMBER => {
                self.slots.push(Layout::encode(Slot::Member(index)));
            }
            _ => self.ordered = false,
        }
        self.members.push((key.into(), value));
    }

    /// Marks the typed member just recorded as `null` on the wire: the struct would omit it, so
    /// the order is recorded to write it back.
    fn last_was_null(&mut self) {
        if let Some(Slot::Known(index)) = self.slots.last().map(Layout::decode) {
            self.slots.pop();
            self.slots.push(Layout::encode(Slot::KnownNull(index)));
            self.canonical = false;
        }
    }

    fn finish(mut self) -> Extra {
        if let TagAt::Position(_) = self.tag {
            self.push_tag();
        }
        let layout = if self.ordered {
            Layout::new(self.canonical, self.slots.as_slice())
        } else {
            Layout::Canonical
        };
        Extra::from_parts(self.members, layout)
    }
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
        loop {
            let Some(Text(key)) = self.map.next_key::<Text<'de>>()? else {
                return Ok(None);
            };
            let fields = self.recorder.fields;
            if let Some(index) = fields.iter().position(|field| *field == key) {
                self.recorder.push_known(index);
                return seed.deserialize(CowStrDeserializer::new(key)).map(Some);
            }
            if self.recorder.tag == TagAt::Member && key == "type" {
                self.map.next_value::<IgnoredAny>()?;
                self.recorder.push_tag();
                continue;
            }
            let value: Box<RawValue> = self.map.next_value()?;
            self.recorder.push_member(key, value);
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        let mut null = false;
        let value = self.map.next_value_seed(NullSpy {
            seed,
            null: &mut null,
        })?;
        if null {
            self.recorder.last_was_null();
        }
        Ok(value)
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

/// Decodes a typed member's value, noting whether an `Option` read `null`.
struct NullSpy<'a, S> {
    seed: S,
    null: &'a mut bool,
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for NullSpy<'_, S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<S::Value, D::Error> {
        self.seed.deserialize(Spy {
            inner: deserializer,
            null: self.null,
        })
    }
}

struct Spy<'a, D> {
    inner: D,
    null: &'a mut bool,
}

macro_rules! forward {
    ($($method:ident($($arg:ident: $ty:ty),*)),* $(,)?) => {
        $(
            fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value, D::Error> {
                self.inner.$method($($arg,)* visitor)
            }
        )*
    };
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Spy<'_, D> {
    type Error = D::Error;

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.inner.deserialize_option(SpyVisitor {
            inner: visitor,
            null: self.null,
        })
    }

    fn is_human_readable(&self) -> bool {
        self.inner.is_human_readable()
    }

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
        deserialize_identifier(), deserialize_ignored_any(),
    }
}

struct SpyVisitor<'a, V> {
    inner: V,
    null: &'a mut bool,
}

impl<'de, V: Visitor<'de>> Visitor<'de> for SpyVisitor<'_, V> {
    type Value = V::Value;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.expecting(formatter)
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<V::Value, E> {
        *self.null = true;
        self.inner.visit_none()
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<V::Value, E> {
        *self.null = true;
        self.inner.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<V::Value, D::Error> {
        self.inner.visit_some(deserializer)
    }
}

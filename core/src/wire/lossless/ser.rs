//! Encoding a lossless struct: typed members from serde's derive, the [`Extra`] members in
//! their recorded places.

use serde::ser::{Error as _, Impossible, SerializeMap, SerializeStruct, Serializer};
use serde_json::value::RawValue;

use super::Lossless;
use crate::wire::extra::{Extra, Slot};

/// The `Serializer` methods other than `serialize_struct`: a derived struct never calls them.
macro_rules! only_structs {
    () => {
        only_structs!(@scalar
            serialize_bool: bool, serialize_i8: i8, serialize_i16: i16, serialize_i32: i32,
            serialize_i64: i64, serialize_u8: u8, serialize_u16: u16, serialize_u32: u32,
            serialize_u64: u64, serialize_f32: f32, serialize_f64: f64, serialize_char: char,
            serialize_str: &str, serialize_bytes: &[u8], serialize_unit_struct: &'static str,
        );

        fn serialize_none(self) -> Result<Self::Ok, Self::Error> {
            Err(not_a_struct())
        }

        fn serialize_some<T: serde::Serialize + ?Sized>(self, _: &T) -> Result<Self::Ok, Self::Error> {
            Err(not_a_struct())
        }

        fn serialize_unit(self) -> Result<Self::Ok, Self::Error> {
            Err(not_a_struct())
        }

        fn serialize_unit_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
        ) -> Result<Self::Ok, Self::Error> {
            Err(not_a_struct())
        }

        fn serialize_newtype_struct<T: serde::Serialize + ?Sized>(
            self,
            _: &'static str,
            _: &T,
        ) -> Result<Self::Ok, Self::Error> {
            Err(not_a_struct())
        }

        fn serialize_newtype_variant<T: serde::Serialize + ?Sized>(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: &T,
        ) -> Result<Self::Ok, Self::Error> {
            Err(not_a_struct())
        }

        fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Self::Error> {
            Err(not_a_struct())
        }

        fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Self::Error> {
            Err(not_a_struct())
        }

        fn serialize_tuple_struct(
            self,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeTupleStruct, Self::Error> {
            Err(not_a_struct())
        }

        fn serialize_tuple_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeTupleVariant, Self::Error> {
            Err(not_a_struct())
        }

        fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Self::Error> {
            Err(not_a_struct())
        }

        fn serialize_struct_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeStructVariant, Self::Error> {
            Err(not_a_struct())
        }
    };
    (@scalar $($method:ident: $ty:ty,)*) => {
        $(
            fn $method(self, _: $ty) -> Result<Self::Ok, Self::Error> {
                Err(not_a_struct())
            }
        )*
    };
}

/// Encodes `value`, with `tag` as its `type` member when it is one variant of a tagged union.
pub(crate) fn serialize<T: Lossless, S: Serializer>(
    value: &T,
    tag: Option<&'static str>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let extra = value.extra();
    if extra.is_canonical() {
        if tag.is_none() && extra.is_empty() {
            return value.serialize_typed(serializer);
        }
        return value.serialize_typed(Around {
            inner: serializer,
            tag,
            extra,
            fields: T::fields(),
        });
    }
    let typed = value.serialize_typed(Capture).map_err(S::Error::custom)?;
    write_in_order::<T, S>(typed, tag, extra, serializer)
}

/// The name of a typed member that `key` would collide with, as an error.
fn check_collision<E: serde::ser::Error>(
    key: &str,
    fields: &[&str],
    tagged: bool,
) -> Result<(), E> {
    if fields.contains(&key) || (tagged && key == "type") {
        return Err(E::custom(format_args!(
            "{COLLISION_PREFIX}{key}{COLLISION_SUFFIX}"
        )));
    }
    Ok(())
}

const COLLISION_PREFIX: &str = "extra member `";
const COLLISION_SUFFIX: &str = "` collides with a typed member";

/// The member named by an encoder error that [`check_collision`] raised (at any depth).
pub(crate) fn collision_in(error: &serde_json::Error) -> Option<String> {
    let message = error.to_string();
    let rest = message.strip_prefix(COLLISION_PREFIX)?;
    let end = rest.find(COLLISION_SUFFIX)?;
    Some(rest[..end].to_owned())
}

/// The name of an extra member of `value` that is also one of its typed members.
pub(crate) fn collision<T: Lossless>(value: &T) -> Option<&str> {
    let referenced = referenced_members(value.extra());
    value
        .extra()
        .members()
        .iter()
        .enumerate()
        .filter(|(index, _)| !referenced.get(*index).copied().unwrap_or(false))
        .map(|(_, (key, _))| &**key)
        .find(|key| check_collision::<serde_json::Error>(key, T::fields(), T::TAG_MEMBER).is_err())
}

/// Which members the recorded order places (the others were inserted by hand).
fn referenced_members(extra: &Extra) -> Vec<bool> {
    let mut referenced = vec![false; extra.len()];
    for slot in extra.slots() {
        if let Slot::Member(index) = slot
            && let Some(seen) = referenced.get_mut(usize::from(index))
        {
            *seen = true;
        }
    }
    referenced
}

/// Writes the captured typed members and the extra members in the recorded order; typed members
/// the order does not name (set after decoding) and extra members inserted by hand follow.
fn write_in_order<T: Lossless, S: Serializer>(
    mut typed: Vec<(&'static str, Option<Box<RawValue>>)>,
    tag: Option<&'static str>,
    extra: &Extra,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let fields = T::fields();
    let members = extra.members();
    let mut written = vec![false; members.len()];
    let mut map = serializer.serialize_map(None)?;
    let mut tag_pending = tag;
    if extra.slots().all(|slot| slot != Slot::Tag)
        && let Some(tag) = tag_pending.take()
    {
        map.serialize_entry("type", tag)?;
    }
    for slot in extra.slots() {
        match slot {
            Slot::Tag => {
                if let Some(tag) = tag_pending.take() {
                    map.serialize_entry("type", tag)?;
                }
            }
            Slot::Known(index) | Slot::KnownNull(index) => {
                let Some(name) = fields.get(usize::from(index)) else {
                    continue;
                };
                match typed.iter_mut().find(|(key, _)| key == name) {
                    Some((key, value)) => {
                        if let Some(value) = value.take() {
                            map.serialize_entry(*key, &value)?;
                        }
                    }
                    // Unset now, and `null` on the wire when decoded: `null` again.
                    None if matches!(slot, Slot::KnownNull(_)) => {
                        map.serialize_entry(*name, &())?;
                    }
                    None => {}
                }
            }
            Slot::Member(index) => {
                let index = usize::from(index);
                if let Some((key, value)) = members.get(index)
                    && !written[index]
                {
                    written[index] = true;
                    map.serialize_entry(&**key, &**value)?;
                }
            }
        }
    }
    for (key, value) in &mut typed {
        if let Some(value) = value.take() {
            map.serialize_entry(*key, &value)?;
        }
    }
    for (index, (key, value)) in members.iter().enumerate() {
        if !written[index] {
            check_collision::<S::Error>(key, fields, tag.is_some() || T::TAG_MEMBER)?;
            map.serialize_entry(&**key, &**value)?;
        }
    }
    map.end()
}

/// Serializes the derived struct as a map: the tag first, then the typed members, then the
/// extra members.
struct Around<'a, S> {
    inner: S,
    tag: Option<&'static str>,
    extra: &'a Extra,
    fields: &'static [&'static str],
}

struct AroundStruct<'a, M> {
    map: M,
    extra: &'a Extra,
    fields: &'static [&'static str],
    tagged: bool,
}

impl<'a, S: Serializer> Serializer for Around<'a, S> {
    type Ok = S::Ok;
    type Error = S::Error;
    type SerializeSeq = Impossible<S::Ok, S::Error>;
    type SerializeTuple = Impossible<S::Ok, S::Error>;
    type SerializeTupleStruct = Impossible<S::Ok, S::Error>;
    type SerializeTupleVariant = Impossible<S::Ok, S::Error>;
    type SerializeMap = Impossible<S::Ok, S::Error>;
    type SerializeStruct = AroundStruct<'a, S::SerializeMap>;
    type SerializeStructVariant = Impossible<S::Ok, S::Error>;

    fn serialize_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStruct, S::Error> {
        let extra = usize::from(self.tag.is_some()) + self.extra.len();
        let mut map = self.inner.serialize_map(Some(len + extra))?;
        if let Some(tag) = self.tag {
            map.serialize_entry("type", tag)?;
        }
        Ok(AroundStruct {
            map,
            extra: self.extra,
            fields: self.fields,
            tagged: self.tag.is_some(),
        })
    }

    only_structs!();
}

impl<M: SerializeMap> SerializeStruct for AroundStruct<'_, M> {
    type Ok = M::Ok;
    type Error = M::Error;

    fn serialize_field<T: serde::Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), M::Error> {
        self.map.serialize_entry(key, value)
    }

    fn end(mut self) -> Result<M::Ok, M::Error> {
        for (key, value) in self.extra.members() {
            check_collision::<M::Error>(key, self.fields, self.tagged)?;
            self.map.serialize_entry(&**key, &**value)?;
        }
        self.map.end()
    }
}

/// Serializes the derived struct into its members' JSON, one by one.
struct Capture;

struct CaptureStruct(Vec<(&'static str, Option<Box<RawValue>>)>);

impl Serializer for Capture {
    type Ok = Vec<(&'static str, Option<Box<RawValue>>)>;
    type Error = serde_json::Error;
    type SerializeSeq = Impossible<Self::Ok, Self::Error>;
    type SerializeTuple = Impossible<Self::Ok, Self::Error>;
    type SerializeTupleStruct = Impossible<Self::Ok, Self::Error>;
    type SerializeTupleVariant = Impossible<Self::Ok, Self::Error>;
    type SerializeMap = Impossible<Self::Ok, Self::Error>;
    type SerializeStruct = CaptureStruct;
    type SerializeStructVariant = Impossible<Self::Ok, Self::Error>;

    fn serialize_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStruct, Self::Error> {
        Ok(CaptureStruct(Vec::with_capacity(len)))
    }

    only_structs!();
}

impl SerializeStruct for CaptureStruct {
    type Ok = Vec<(&'static str, Option<Box<RawValue>>)>;
    type Error = serde_json::Error;

    fn serialize_field<T: serde::Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Self::Error> {
        let raw = serde_json::value::to_raw_value(value)?;
        self.0.push((key, Some(raw)));
        Ok(())
    }

    fn end(self) -> Result<Self::Ok, Self::Error> {
        Ok(self.0)
    }
}

fn not_a_struct<E: serde::ser::Error>() -> E {
    E::custom("a lossless wire type serialises as a struct")
}

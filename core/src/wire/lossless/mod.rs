//! Lossless wire structs: typed members decoded by serde's derive, every other member kept in
//! [`Extra`] in the same single pass, and the object's member order written back on encode.
//!
//! [`wire_struct!`] declares a public struct and, beside it, a private serde "remote" mirror
//! holding the derive. The public struct's `Deserialize` runs the mirror's derived code through
//! a [`de::Recording`] deserializer: it sees the field list that the derive asks for, hands the
//! derive only the members in that list, captures every other member as raw JSON, and records the
//! order of all of them (inline, without allocating, for objects of up to a dozen members). Its
//! `Serialize` runs the mirror's derived code straight to the output when nothing was recorded;
//! otherwise the typed members are captured one by one and written in the recorded order,
//! between the extra members (see [`ser`]).

pub(crate) mod de;
pub(crate) mod ser;

use super::extra::Extra;

/// Where an object's `type` tag stands, for the structs that are one variant of a tagged union.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TagAt {
    /// The struct has no tag (`type`, if present, is an ordinary member).
    Absent,
    /// A `type` member of the object is its tag (stream event payloads).
    Member,
    /// The tag was read by the enum's decoder after this many members.
    Position(usize),
}

/// A struct declared with [`wire_struct!`].
pub(crate) trait Lossless: Sized {
    /// Whether a `type` member of the object is the tag of the union the struct belongs to.
    const TAG_MEMBER: bool;

    /// The members the struct does not model.
    fn extra(&self) -> &Extra;

    /// The members the struct does not model.
    fn extra_mut(&mut self) -> &mut Extra;

    /// The derived decoder of the typed members (unknown members skipped).
    fn deserialize_typed<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Self, D::Error>;

    /// The derived encoder of the typed members.
    fn serialize_typed<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error>;

    /// The member names the derived decoder accepts, aliases included, in declaration order.
    fn fields() -> &'static [&'static str];
}

impl<T: Lossless> Lossless for Box<T> {
    const TAG_MEMBER: bool = T::TAG_MEMBER;

    fn extra(&self) -> &Extra {
        (**self).extra()
    }

    fn extra_mut(&mut self) -> &mut Extra {
        (**self).extra_mut()
    }

    fn deserialize_typed<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Self, D::Error> {
        T::deserialize_typed(deserializer).map(Box::new)
    }

    fn serialize_typed<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (**self).serialize_typed(serializer)
    }

    fn fields() -> &'static [&'static str] {
        T::fields()
    }
}

/// Declares a lossless wire struct: the public struct (with `#[non_exhaustive]` and a public
/// `extra: Extra` field appended), its serde mirror, and its `Serialize`/`Deserialize`.
///
/// Attributes: doc comments and one `#[derive(...)]` on the struct (then optional container
/// `#[serde(...)]`), doc comments then `#[serde(...)]` on each field. A leading `@event` marks a
/// stream event payload, whose `type` member is the event's tag.
macro_rules! wire_struct {
    (@tag_member) => { false };
    (@tag_member event) => { true };
    // What every lossless struct shares: the `Lossless` impl over its serde mirror, and
    // `Serialize` through the recorded member order.
    (@lossless $name:ident, $tag_member:expr, $fields:expr, |$deserializer:ident| $decode:block) => {
        impl $crate::wire::lossless::Lossless for $name {
            const TAG_MEMBER: bool = $tag_member;

            fn extra(&self) -> &$crate::wire::Extra {
                &self.extra
            }

            fn extra_mut(&mut self) -> &mut $crate::wire::Extra {
                &mut self.extra
            }

            fn deserialize_typed<'de, D: serde::Deserializer<'de>>(
                $deserializer: D,
            ) -> Result<Self, D::Error> {
                $decode
            }

            fn serialize_typed<S: serde::Serializer>(
                &self,
                serializer: S,
            ) -> Result<S::Ok, S::Error> {
                Mirror::serialize(self, serializer)
            }

            fn fields() -> &'static [&'static str] {
                $fields
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                $crate::wire::lossless::ser::serialize(self, None, serializer)
            }
        }
    };
    (@required $name:expr, $value:expr, ) => {
        $value.ok_or_else(|| serde::de::Error::missing_field($name))?
    };
    (@required $name:expr, $value:expr, $($attr:tt)+) => {
        $value.unwrap_or_default()
    };
    // In the flat reader a missing required member leaves the payload to serde (which names it).
    (@flat_required $value:expr, ) => {
        $value?
    };
    (@flat_required $value:expr, $($attr:tt)+) => {
        $value.unwrap_or_default()
    };
    // A stream event payload: its `type` member is the event's tag, every field is either
    // required (no attribute) or `#[serde(default ...)]`, and it decodes through a hand-written
    // visitor that matches each key once (the hot path: every delta is one of these).
    (
        @event
        $(#[doc = $doc:literal])*
        #[derive($($derive:path),* $(,)?)]
        pub struct $name:ident {
            $(
                $(#[doc = $fdoc:literal])*
                $(#[serde($($fserde:tt)*)])?
                pub $field:ident : $ty:ty,
            )*
        }
    ) => {
        $(#[doc = $doc])*
        #[derive($($derive),*)]
        #[non_exhaustive]
        pub struct $name {
            $( $(#[doc = $fdoc])* pub $field: $ty, )*
            /// Members this type does not model, kept verbatim and written back in place (see
            /// [`Extra`](crate::wire::Extra)).
            pub extra: $crate::wire::Extra,
        }

        const _: () = {
            type Target = $name;

            #[derive(serde::Serialize)]
            #[serde(remote = "Target")]
            struct Mirror {
                $( $(#[serde($($fserde)*)])? $field: $ty, )*
                #[serde(skip)]
                extra: $crate::wire::Extra,
            }

            #[allow(non_camel_case_types)]
            enum Field {
                $( $field, )*
            }

            const FIELDS: &[&str] = &[ $( stringify!($field), )* ];

            $crate::wire::lossless::wire_struct!(@lossless $name, true, FIELDS, |deserializer| {
                <Self as serde::Deserialize>::deserialize(deserializer)
            });

            impl<'de> serde::Deserialize<'de> for $name {
                fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                    struct Visit;

                    impl<'de> serde::de::Visitor<'de> for Visit {
                        type Value = $name;

                        fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                            formatter.write_str(concat!("a `", stringify!($name), "` object"))
                        }

                        fn visit_map<A: serde::de::MapAccess<'de>>(
                            self,
                            mut map: A,
                        ) -> Result<$name, A::Error> {
                            use $crate::wire::lossless::de::NullValue as _;
                            let mut recorder = $crate::wire::lossless::de::Recorder::new(
                                $crate::wire::lossless::TagAt::Member,
                            );
                            $( let mut $field: Option<$ty> = None; )*
                            while let Some($crate::wire::tagged::Text(key)) = map.next_key()? {
                                match &*key {
                                    $(
                                        stringify!($field) => {
                                            if $field.is_some() {
                                                return Err(serde::de::Error::duplicate_field(stringify!($field)));
                                            }
                                            recorder.push_known(Field::$field as usize);
                                            let value: $ty = map.next_value().map_err(|error| {
                                                $crate::wire::lossless::de::in_member(stringify!($field), error)
                                            })?;
                                            if value.is_null() {
                                                recorder.last_was_null();
                                            }
                                            $field = Some(value);
                                        }
                                    )*
                                    "type" => {
                                        map.next_value::<serde::de::IgnoredAny>()?;
                                        recorder.push_tag();
                                    }
                                    _ => {
                                        let value: Box<serde_json::value::RawValue> = map.next_value()?;
                                        recorder.push_member(Box::from(&*key), value);
                                    }
                                }
                            }
                            Ok($name {
                                $( $field: $crate::wire::lossless::wire_struct!(@required stringify!($field), $field, $($($fserde)*)?), )*
                                extra: recorder.finish(),
                            })
                        }
                    }

                    deserializer.deserialize_map(Visit)
                }
            }

            impl $crate::wire::flat::FlatDecode for $name {
                /// The same decode as the visitor above, read directly (see
                /// [`flat`](crate::wire::flat)); `None` leaves the payload to serde.
                fn decode_flat(json: &str, kind: &str) -> Option<$name> {
                    use $crate::wire::flat::FlatValue;
                    use $crate::wire::lossless::de::NullValue as _;
                    let mut reader = $crate::wire::flat::Reader::object(json)?;
                    let mut recorder = $crate::wire::lossless::de::Recorder::new(
                        $crate::wire::lossless::TagAt::Member,
                    );
                    $( let mut $field: Option<$ty> = None; )*
                    while let Some(key) = reader.next_key()? {
                        match key {
                            $(
                                stringify!($field) => {
                                    if $field.is_some() {
                                        return None;
                                    }
                                    recorder.push_known(Field::$field as usize);
                                    let value = <$ty as FlatValue>::read_flat(&mut reader)?;
                                    if value.is_null() {
                                        recorder.last_was_null();
                                    }
                                    $field = Some(value);
                                }
                            )*
                            "type" => {
                                if reader.plain_str()? != kind {
                                    return None;
                                }
                                recorder.push_tag();
                            }
                            _ => return None,
                        }
                    }
                    Some($name {
                        $( $field: $crate::wire::lossless::wire_struct!(@flat_required $field, $($($fserde)*)?), )*
                        extra: recorder.finish(),
                    })
                }
            }
        };
    };
    (
        $(@$mode:ident)?
        $(#[doc = $doc:literal])*
        #[derive($($derive:path),* $(,)?)]
        $(#[serde($($container:tt)*)])*
        pub struct $name:ident {
            $(
                $(#[doc = $fdoc:literal])*
                $(#[serde($($fserde:tt)*)])*
                pub $field:ident : $ty:ty,
            )*
        }
    ) => {
        $(#[doc = $doc])*
        #[derive($($derive),*)]
        #[non_exhaustive]
        pub struct $name {
            $( $(#[doc = $fdoc])* pub $field: $ty, )*
            /// Members this type does not model, kept verbatim and written back in place (see
            /// [`Extra`](crate::wire::Extra)).
            pub extra: $crate::wire::Extra,
        }

        const _: () = {
            type Target = $name;

            #[derive(serde::Serialize, serde::Deserialize)]
            #[serde(remote = "Target")]
            $(#[serde($($container)*)])*
            struct Mirror {
                $( $(#[serde($($fserde)*)])* $field: $ty, )*
                #[serde(skip)]
                extra: $crate::wire::Extra,
            }

            $crate::wire::lossless::wire_struct!(
                @lossless $name,
                $crate::wire::lossless::wire_struct!(@tag_member $($mode)?),
                {
                    static FIELDS: std::sync::OnceLock<&'static [&'static str]> =
                        std::sync::OnceLock::new();
                    FIELDS.get_or_init($crate::wire::lossless::de::probe_fields::<Self>)
                },
                |deserializer| { Mirror::deserialize(deserializer) }
            );

            impl<'de> serde::Deserialize<'de> for $name {
                fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                    $crate::wire::lossless::de::deserialize(deserializer, $crate::wire::lossless::de::standalone::<Self>())
                }
            }

        };
    };
}

pub(crate) use wire_struct;

#[cfg(test)]
mod tests;

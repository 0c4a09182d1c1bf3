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

            impl $crate::wire::lossless::Lossless for $name {
                const TAG_MEMBER: bool = $crate::wire::lossless::wire_struct!(@tag_member $($mode)?);

                fn extra(&self) -> &$crate::wire::Extra {
                    &self.extra
                }

                fn extra_mut(&mut self) -> &mut $crate::wire::Extra {
                    &mut self.extra
                }

                fn deserialize_typed<'de, D: serde::Deserializer<'de>>(
                    deserializer: D,
                ) -> Result<Self, D::Error> {
                    Mirror::deserialize(deserializer)
                }

                fn serialize_typed<S: serde::Serializer>(
                    &self,
                    serializer: S,
                ) -> Result<S::Ok, S::Error> {
                    Mirror::serialize(self, serializer)
                }

                fn fields() -> &'static [&'static str] {
                    static FIELDS: std::sync::OnceLock<&'static [&'static str]> =
                        std::sync::OnceLock::new();
                    FIELDS.get_or_init($crate::wire::lossless::de::probe_fields::<Self>)
                }
            }

            impl<'de> serde::Deserialize<'de> for $name {
                fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                    $crate::wire::lossless::de::deserialize(deserializer, $crate::wire::lossless::de::standalone::<Self>())
                }
            }

            impl serde::Serialize for $name {
                fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                    $crate::wire::lossless::ser::serialize(self, None, serializer)
                }
            }
        };
    };
}

pub(crate) use wire_struct;

#[cfg(test)]
mod tests;

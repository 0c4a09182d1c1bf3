//! What the codec hands out: [`Incoming`] messages and the [`Utf8Bytes`] that carries text.

use std::fmt;
use std::ops::Deref;

use bytes::Bytes;

use super::close::CloseFrame;

/// A message or control frame received from the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Incoming {
    /// A whole text message (fragments reassembled, inflated, validated as UTF-8).
    Text(Utf8Bytes),
    /// A whole binary message (fragments reassembled, inflated).
    Binary(Bytes),
    /// A ping. The codec has already queued the pong (unless a Close was sent).
    Ping(Bytes),
    /// A pong.
    Pong(Bytes),
    /// A Close frame: `None` when it carried no status code. The codec has already queued the
    /// Close reply (unless it had sent one) and delivers nothing after this.
    Close(Option<CloseFrame>),
}

/// Bytes known to be UTF-8: the payload of a text message, shared rather than copied.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Utf8Bytes(Bytes);

impl Utf8Bytes {
    /// Wraps bytes the caller has validated as UTF-8.
    pub(crate) fn from_validated(bytes: Bytes) -> Self {
        Self(bytes)
    }

    /// The text. (Bytes from the codec are valid UTF-8; this re-checks them with a fast
    /// validator, since the core forbids `unsafe`, and cannot fail.)
    pub fn as_str(&self) -> &str {
        simdutf8::basic::from_utf8(&self.0).unwrap_or_default()
    }

    /// The underlying bytes.
    pub fn as_bytes(&self) -> &Bytes {
        &self.0
    }

    /// The underlying bytes, by value.
    pub fn into_bytes(self) -> Bytes {
        self.0
    }
}

impl Deref for Utf8Bytes {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl From<&str> for Utf8Bytes {
    fn from(text: &str) -> Self {
        Self(Bytes::copy_from_slice(text.as_bytes()))
    }
}

impl From<String> for Utf8Bytes {
    fn from(text: String) -> Self {
        Self(Bytes::from(text))
    }
}

impl PartialEq<str> for Utf8Bytes {
    fn eq(&self, other: &str) -> bool {
        self.0 == other.as_bytes()
    }
}

impl PartialEq<&str> for Utf8Bytes {
    fn eq(&self, other: &&str) -> bool {
        self.0 == other.as_bytes()
    }
}

impl fmt::Debug for Utf8Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Utf8Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

//! What the server records of WebSocket sessions: the sessions and every client message.

use std::time::Instant;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

/// A message a client sent on a WebSocket session, as the server received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WsMessage {
    /// Which connection it came on (as [`RecordedRequest::connection_id`](crate::RecordedRequest::connection_id)).
    pub connection_id: u64,
    /// Which session it came on: the index in [`TestServer::websocket_sessions`](crate::TestServer::websocket_sessions).
    pub session: usize,
    /// Its place among the session's messages; the first is 0.
    pub index: usize,
    /// The payload as text (a binary payload decoded lossily as UTF-8).
    pub text: String,
    /// Whether it came as a binary message.
    pub binary: bool,
    /// Whether it came compressed (permessage-deflate, RSV1 set).
    pub compressed: bool,
    /// For a `response.create`, its place among the session's `response.create` messages (the
    /// turn that answered it); `None` for other messages.
    pub turn: Option<usize>,
    /// Whether it was a `response.create` that found no turn left (answered with the exhaustion
    /// error).
    pub script_exhausted: bool,
    /// When it had fully arrived.
    pub received_at: Instant,
}

impl WsMessage {
    /// The payload parsed as JSON.
    pub fn json(&self) -> Result<Value, serde_json::Error> {
        serde_json::from_str(&self.text)
    }

    /// The `type` member of the JSON payload (e.g. `response.create`), if any.
    pub fn message_type(&self) -> Option<String> {
        json_type(&self.text)
    }

    /// Whether it is a text message whose JSON `type` is `response.create`.
    pub fn is_response_create(&self) -> bool {
        !self.binary && self.message_type().as_deref() == Some("response.create")
    }
}

/// A WebSocket session the server accepted (answered `101`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WsSession {
    /// Its place among the server's sessions; the first is 0.
    pub index: usize,
    /// Which connection it runs on.
    pub connection_id: u64,
    /// The index of its upgrade request in [`TestServer::requests`](crate::TestServer::requests).
    pub request: usize,
    /// The request target of the upgrade, e.g. `/v1/responses`.
    pub path: String,
    /// The `Sec-WebSocket-Extensions` value of the `101` (`Some` when permessage-deflate was
    /// agreed).
    pub extensions: Option<String>,
    /// When the `101` went out.
    pub opened_at: Instant,
    /// The payloads of the pongs the client sent, in order.
    pub pongs: Vec<Vec<u8>>,
    /// The client's close frame: its code (`1005` when it had none) and reason.
    pub client_close: Option<(u16, String)>,
    /// How the client broke the protocol, if it did (the server then closed with `1002`,
    /// `1007` or `1009`).
    pub protocol_error: Option<String>,
    /// Whether the session is over (the connection is closed or closing).
    pub ended: bool,
}

impl WsSession {
    /// Whether permessage-deflate was agreed.
    pub fn deflate(&self) -> bool {
        self.extensions.is_some()
    }
}

/// The `type` member of `text` when `text` is JSON whose top level is an object and that
/// member is a string: what `serde_json::from_str::<Value>(text).ok()?.get("type")?.as_str()`
/// gives (the same texts refused, the last of repeated members kept), without building the
/// document: every other value is only checked, so a 15 KB `response.create` costs no
/// allocation but the type's.
pub(crate) fn json_type(text: &str) -> Option<String> {
    serde_json::from_str::<TypeOf>(text).ok()?.0
}

/// The `type` member found by [`json_type`].
struct TypeOf(Option<String>);

impl<'de> Deserialize<'de> for TypeOf {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<TypeOf, D::Error> {
        deserializer.deserialize_any(Scan { keep: Keep::Type })
    }
}

/// A value checked and dropped.
struct Skip;

impl<'de> Deserialize<'de> for Skip {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Skip, D::Error> {
        deserializer
            .deserialize_any(Scan {
                keep: Keep::Nothing,
            })
            .map(|_| Skip)
    }
}

/// A value kept when it is a string (the `type` member's value), else checked and dropped.
struct StringOrSkip(Option<String>);

impl<'de> Deserialize<'de> for StringOrSkip {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<StringOrSkip, D::Error> {
        deserializer
            .deserialize_any(Scan { keep: Keep::String })
            .map(|found| StringOrSkip(found.0))
    }
}

/// Whether a key is `type`.
struct IsType(bool);

impl<'de> Deserialize<'de> for IsType {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<IsType, D::Error> {
        struct Key;
        impl Visitor<'_> for Key {
            type Value = IsType;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string key")
            }
            fn visit_str<E: de::Error>(self, key: &str) -> Result<IsType, E> {
                Ok(IsType(key == "type"))
            }
        }
        deserializer.deserialize_str(Key)
    }
}

/// What a [`Scan`] keeps.
#[derive(Clone, Copy)]
enum Keep {
    /// Nothing: the value is only checked.
    Nothing,
    /// A string value.
    String,
    /// The `type` member of an object value.
    Type,
}

/// Accepts any JSON value (as `Value` does), keeping what `keep` says.
struct Scan {
    keep: Keep,
}

impl<'de> Visitor<'de> for Scan {
    type Value = TypeOf;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<TypeOf, E> {
        Ok(TypeOf(None))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<TypeOf, E> {
        Ok(TypeOf(None))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<TypeOf, E> {
        Ok(TypeOf(None))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<TypeOf, E> {
        Ok(TypeOf(None))
    }
    fn visit_str<E: de::Error>(self, value: &str) -> Result<TypeOf, E> {
        Ok(TypeOf(
            matches!(self.keep, Keep::String).then(|| value.to_owned()),
        ))
    }
    fn visit_string<E: de::Error>(self, value: String) -> Result<TypeOf, E> {
        Ok(TypeOf(matches!(self.keep, Keep::String).then_some(value)))
    }
    fn visit_unit<E: de::Error>(self) -> Result<TypeOf, E> {
        Ok(TypeOf(None))
    }
    fn visit_none<E: de::Error>(self) -> Result<TypeOf, E> {
        Ok(TypeOf(None))
    }
    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<TypeOf, D::Error> {
        deserializer.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<TypeOf, A::Error> {
        while seq.next_element::<Skip>()?.is_some() {}
        Ok(TypeOf(None))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<TypeOf, A::Error> {
        let mut found = None;
        while let Some(IsType(is_type)) = map.next_key::<IsType>()? {
            if is_type && matches!(self.keep, Keep::Type) {
                found = map.next_value::<StringOrSkip>()?.0;
            } else {
                map.next_value::<Skip>()?;
            }
        }
        Ok(TypeOf(found))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `message_type` answered before: a whole `Value`, then its `type`.
    fn by_value(text: &str) -> Option<String> {
        serde_json::from_str::<Value>(text)
            .ok()?
            .get("type")?
            .as_str()
            .map(str::to_owned)
    }

    #[test]
    fn the_type_scan_answers_as_a_whole_value_does() {
        let texts = [
            r#"{"type":"response.create","model":"m","input":[{"a":[1,2.5,-3,true,null]}]}"#,
            r#"{"model":"m","type":"response.create"}"#,
            r#"{"type":"a","type":"b"}"#,
            r#"{"type":"a","type":7}"#,
            r#"{"type":7,"type":"b"}"#,
            r#"{"typ\u0065":"escaped key","x":"\ud83e\udd80 \n"}"#,
            r#"{"nested":{"type":"inner"}}"#,
            r#"{"type":"response.create","x":1e400}"#,
            r#"{"type":"response.create","x":"\ud800"}"#,
            r#"{"type":"response.create"} trailing"#,
            r#"{"type":"response.create""#,
            r#"{"type":"response.create",}"#,
            r#"["type","response.create"]"#,
            r#""response.create""#,
            "12",
            "null",
            "",
            r#"  {"type" : "x" }  "#,
            r#"{"type":null}"#,
            r#"{"type":{"type":"deep"}}"#,
            r#"{"a":18446744073709551616,"type":"big"}"#,
        ];
        for text in texts {
            assert_eq!(json_type(text), by_value(text), "{text}");
        }
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert_eq!(json_type(&deep), by_value(&deep));
        let deep = format!(
            r#"{{"type":"t","d":{}{}}}"#,
            "[".repeat(126),
            "]".repeat(126)
        );
        assert_eq!(json_type(&deep), by_value(&deep));
    }
}

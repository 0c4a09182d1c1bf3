//! A direct reader for flat event payloads: objects whose members are strings, unsigned
//! integers, `null`, or an empty array, which is what nearly every stream event is (every text
//! delta, every `*.done` with its text, every progress event).
//!
//! A stream event payload (`wire_struct!(@event ...)`) first tries [`FlatDecode::decode_flat`]:
//! one pass over the bytes with `memchr` for strings, escapes decoded straight into the field's
//! one allocation, keys matched once, the member order recorded exactly as the serde visitor
//! records it. Anything the reader does not handle (a nested object or a non-empty array, a
//! member the type does not model, an escape in a key, a number that is not a plain unsigned
//! integer, a duplicate, malformed JSON) makes it give up with `None`, and the caller decodes the
//! payload with serde as before — so the result, errors included, is always serde's: the fast path
//! only ever returns what the serde path would have returned.

use serde_json::Value;

use super::content::{ContentPart, ReasoningSummaryPart};
use super::item::ResponseItem;
use super::item_id::{ItemId, Obfuscation};
use super::response::Response;

/// A payload that can try the flat reader before serde (implemented by `wire_struct!(@event)`).
pub(crate) trait FlatDecode: Sized {
    /// The payload of an event of type `kind` read directly from `json`, or `None` when the
    /// serde path must decide (also when `json` has a `type` other than `kind`).
    fn decode_flat(json: &str, kind: &str) -> Option<Self>;
}

impl<T: FlatDecode> FlatDecode for Box<T> {
    fn decode_flat(json: &str, kind: &str) -> Option<Self> {
        T::decode_flat(json, kind).map(Box::new)
    }
}

/// A member value the flat reader can read (`None`: leave the payload to serde).
pub(crate) trait FlatValue: Sized {
    /// Reads the value at the reader's position.
    fn read_flat(reader: &mut Reader<'_>) -> Option<Self>;
}

impl FlatValue for String {
    fn read_flat(reader: &mut Reader<'_>) -> Option<Self> {
        reader.string()
    }
}

impl FlatValue for ItemId {
    fn read_flat(reader: &mut Reader<'_>) -> Option<Self> {
        reader.plain_str().map(ItemId::new)
    }
}

impl FlatValue for Obfuscation {
    fn read_flat(reader: &mut Reader<'_>) -> Option<Self> {
        reader.plain_str().map(Obfuscation::new)
    }
}

impl FlatValue for u32 {
    fn read_flat(reader: &mut Reader<'_>) -> Option<Self> {
        reader
            .unsigned()
            .and_then(|value| u32::try_from(value).ok())
    }
}

impl FlatValue for u64 {
    fn read_flat(reader: &mut Reader<'_>) -> Option<Self> {
        reader.unsigned()
    }
}

impl<T: FlatValue> FlatValue for Option<T> {
    fn read_flat(reader: &mut Reader<'_>) -> Option<Self> {
        if reader.null() {
            return Some(None);
        }
        T::read_flat(reader).map(Some)
    }
}

/// Only `[]`: an empty array allocates nothing; anything in it is left to serde.
impl FlatValue for Vec<Value> {
    fn read_flat(reader: &mut Reader<'_>) -> Option<Self> {
        reader.empty_array().then(Vec::new)
    }
}

/// Nested values are serde's.
macro_rules! nested {
    ($($ty:ty),*) => {
        $(
            impl FlatValue for $ty {
                fn read_flat(_: &mut Reader<'_>) -> Option<Self> {
                    None
                }
            }
        )*
    };
}

nested!(
    Value,
    Box<Response>,
    ResponseItem,
    ContentPart,
    ReasoningSummaryPart
);

/// A cursor over one JSON object's text.
pub(crate) struct Reader<'a> {
    text: &'a str,
    at: usize,
    first: bool,
}

impl<'a> Reader<'a> {
    /// A reader positioned after the object's `{` (`None` when `text` is not an object).
    pub(crate) fn object(text: &'a str) -> Option<Reader<'a>> {
        let mut reader = Reader {
            text,
            at: 0,
            first: true,
        };
        reader.whitespace();
        reader.eat(b'{').then_some(reader)
    }

    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    fn peek(&self) -> Option<u8> {
        self.bytes().get(self.at).copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        let matched = self.peek() == Some(byte);
        self.at += usize::from(matched);
        matched
    }

    fn whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.at += 1;
        }
    }

    /// The next member's key, the reader then at its value: `Some(Some(key))`; `Some(None)` at
    /// the end of the object (nothing but whitespace may follow it); `None` to give up.
    pub(crate) fn next_key(&mut self) -> Option<Option<&'a str>> {
        self.whitespace();
        if self.eat(b'}') {
            self.whitespace();
            return (self.at == self.text.len()).then_some(None);
        }
        if !std::mem::take(&mut self.first) {
            if !self.eat(b',') {
                return None;
            }
            self.whitespace();
        }
        let key = self.plain_str()?;
        self.whitespace();
        if !self.eat(b':') {
            return None;
        }
        self.whitespace();
        Some(Some(key))
    }

    /// A string without escapes or control characters, borrowed.
    pub(crate) fn plain_str(&mut self) -> Option<&'a str> {
        if !self.eat(b'"') {
            return None;
        }
        let start = self.at;
        let end = string_stop(self.bytes(), start)?;
        if self.bytes()[end] != b'"' {
            return None;
        }
        self.at = end + 1;
        // Both ends are ASCII, so they are character boundaries.
        self.text.get(start..end)
    }

    /// A string with its escapes decoded, in one allocation.
    pub(crate) fn string(&mut self) -> Option<String> {
        if !self.eat(b'"') {
            return None;
        }
        let bytes = self.bytes();
        let start = self.at;
        // The closing quote: the first `"` not escaped.
        let mut end = start;
        let mut escaped = false;
        loop {
            end = string_stop(bytes, end)?;
            match bytes[end] {
                b'"' => break,
                b'\\' => {
                    escaped = true;
                    end += 2;
                }
                // A raw control character: not JSON.
                _ => return None,
            }
        }
        self.at = end + 1;
        if !escaped {
            return self.text.get(start..end).map(str::to_owned);
        }
        // Unescaped text is never longer than its escaped form.
        let mut out = String::with_capacity(end - start);
        let mut at = start;
        while let Some(offset) = memchr::memchr(b'\\', &bytes[at..end]) {
            let slash = at + offset;
            out.push_str(self.text.get(at..slash)?);
            at = slash + 2;
            let decoded = match bytes.get(slash + 1)? {
                b'"' => '"',
                b'\\' => '\\',
                b'/' => '/',
                b'b' => '\u{8}',
                b'f' => '\u{c}',
                b'n' => '\n',
                b'r' => '\r',
                b't' => '\t',
                b'u' => {
                    let unit = hex4(bytes.get(at..at + 4)?)?;
                    at += 4;
                    match unit {
                        0xD800..=0xDBFF => {
                            // A high surrogate needs its low one, escaped, right after.
                            if bytes.get(at..at + 2)? != b"\\u" {
                                return None;
                            }
                            let low = hex4(bytes.get(at + 2..at + 6)?)?;
                            if !(0xDC00..=0xDFFF).contains(&low) {
                                return None;
                            }
                            at += 6;
                            char::from_u32(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))?
                        }
                        unit => char::from_u32(unit)?,
                    }
                }
                _ => return None,
            };
            out.push(decoded);
        }
        out.push_str(self.text.get(at..end)?);
        Some(out)
    }

    /// A plain unsigned integer (`0` or digits without a leading zero; no sign, fraction or
    /// exponent) that fits in a `u64`.
    pub(crate) fn unsigned(&mut self) -> Option<u64> {
        let bytes = &self.bytes()[self.at..];
        let digits = bytes
            .iter()
            .position(|byte| !byte.is_ascii_digit())
            .unwrap_or(bytes.len());
        if digits == 0 || (digits > 1 && bytes[0] == b'0') {
            return None;
        }
        if matches!(bytes.get(digits), Some(b'.' | b'e' | b'E')) {
            return None;
        }
        let mut value: u64 = 0;
        for byte in &bytes[..digits] {
            value = value.checked_mul(10)?.checked_add(u64::from(byte - b'0'))?;
        }
        self.at += digits;
        Some(value)
    }

    /// Consumes `null` when it is next.
    pub(crate) fn null(&mut self) -> bool {
        let found = self.bytes()[self.at..].starts_with(b"null")
            && !matches!(self.bytes().get(self.at + 4), Some(byte) if byte.is_ascii_alphanumeric());
        if found {
            self.at += 4;
        }
        found
    }

    /// Consumes `[]` (whitespace allowed inside) when it is next.
    pub(crate) fn empty_array(&mut self) -> bool {
        let start = self.at;
        if self.eat(b'[') {
            self.whitespace();
            if self.eat(b']') {
                return true;
            }
        }
        self.at = start;
        false
    }
}

/// The index of the first `"`, `\\` or control character at or after `from`: eight bytes at a
/// time (the usual zero-byte test on a word; the lowest flagged byte is always a true match),
/// then byte by byte. Short strings (keys, ids, most deltas) never pay for a vector search's
/// setup; long texts go at a word per step.
fn string_stop(bytes: &[u8], from: usize) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    const QUOTE: u64 = u64::from_ne_bytes([b'"'; 8]);
    const SLASH: u64 = u64::from_ne_bytes([b'\\'; 8]);
    const SPACE: u64 = u64::from_ne_bytes([0x20; 8]);
    let mut at = from;
    while let Some(word) = bytes.get(at..at + 8) {
        let mut array = [0u8; 8];
        array.copy_from_slice(word);
        let word = u64::from_le_bytes(array);
        let zero = |value: u64| value.wrapping_sub(ONES) & !value & HIGH;
        let flagged =
            zero(word ^ QUOTE) | zero(word ^ SLASH) | (word.wrapping_sub(SPACE) & !word & HIGH);
        if flagged != 0 {
            return Some(at + (flagged.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    bytes
        .get(at..)?
        .iter()
        .position(|byte| matches!(byte, b'"' | b'\\') || *byte < 0x20)
        .map(|offset| at + offset)
}

fn hex4(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0u32, |value, digit| {
        Some(value * 16 + char::from(*digit).to_digit(16)?)
    })
}

#[cfg(test)]
mod tests {
    use super::Reader;

    fn string(json: &str) -> Option<String> {
        let text = format!("{{\"k\":{json}}}");
        let mut reader = Reader::object(&text)?;
        assert_eq!(reader.next_key(), Some(Some("k")));
        let value = reader.string()?;
        (reader.next_key() == Some(None)).then_some(value)
    }

    #[test]
    fn strings_decode_as_serde_decodes_them() {
        for json in [
            r#""""#,
            r#""plain""#,
            r#""caf\u00e9 \"q\" \\ \/ \b\f\n\r\t""#,
            r#""\ud83d\ude80 rocket""#,
            "\"日本語 🙂\"",
            r#""\\""#,
            r#""a\\\"b""#,
        ] {
            let expected: String = serde_json::from_str(json).unwrap();
            assert_eq!(string(json).as_deref(), Some(&*expected), "{json}");
        }
    }

    #[test]
    fn what_serde_would_refuse_is_left_to_serde() {
        for json in [
            r#""\ud83d""#,
            r#""\ude80""#,
            r#""\ud83d\u0041""#,
            r#""\x""#,
            r#""\u12""#,
            "\"tab\there\"",
            r#""open"#,
        ] {
            assert_eq!(string(json), None, "{json}");
        }
    }

    #[test]
    fn numbers_and_structure() {
        let text = r#" { "a" : 0 , "b":42,"c":null,"d":[ ],"e":18446744073709551615 } "#;
        let mut reader = Reader::object(text).unwrap();
        assert_eq!(reader.next_key(), Some(Some("a")));
        assert_eq!(reader.unsigned(), Some(0));
        assert_eq!(reader.next_key(), Some(Some("b")));
        assert_eq!(reader.unsigned(), Some(42));
        assert_eq!(reader.next_key(), Some(Some("c")));
        assert!(reader.null());
        assert_eq!(reader.next_key(), Some(Some("d")));
        assert!(reader.empty_array());
        assert_eq!(reader.next_key(), Some(Some("e")));
        assert_eq!(reader.unsigned(), Some(u64::MAX));
        assert_eq!(reader.next_key(), Some(None));
        for number in ["01", "-1", "1.0", "1e3", "18446744073709551616", ""] {
            let text = format!("{{\"n\":{number}}}");
            let mut reader = Reader::object(&text).unwrap();
            reader.next_key();
            assert_eq!(reader.unsigned(), None, "{number}");
        }
        for bad in [
            r#"{"a":1 "b":2}"#,
            r#"{"a":1} x"#,
            r#"{"a\u0062":1}"#,
            "[1]",
        ] {
            let reader = Reader::object(bad);
            let Some(mut reader) = reader else { continue };
            let mut gave_up = false;
            for _ in 0..4 {
                match reader.next_key() {
                    None => {
                        gave_up = true;
                        break;
                    }
                    Some(None) => break,
                    Some(Some(_)) => {
                        let _ = reader.unsigned();
                    }
                }
            }
            assert!(gave_up, "{bad}");
        }
    }
}

/// The flat reader against serde on generated payloads: whenever the reader answers, its answer
/// (typed members, recorded member order, and so the re-encoded bytes) is serde's.
#[cfg(test)]
mod agreement {
    use proptest::prelude::*;

    use super::FlatDecode;
    use crate::wire::event_payload::{ContentDeltaEvent, ContentTextDoneEvent, ItemProgressEvent};

    fn string_value() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            "[a-z ]{0,6}".prop_map(|text| text),
            Just("\\\"".to_owned()),
            Just("\\\\".to_owned()),
            Just("\\/".to_owned()),
            Just("\\n\\t\\r\\b\\f".to_owned()),
            Just("\\u00e9".to_owned()),
            Just("\\ud83d\\ude80".to_owned()),
            Just("\\ud83d".to_owned()),
            Just("\\u0041".to_owned()),
            Just("é日🙂".to_owned()),
            Just("\\x".to_owned()),
            Just("\t".to_owned()),
        ];
        proptest::collection::vec(piece, 0..5).prop_map(|pieces| format!("\"{}\"", pieces.concat()))
    }

    fn any_value() -> impl Strategy<Value = String> {
        prop_oneof![
            string_value(),
            Just("0".to_owned()),
            Just("7".to_owned()),
            Just("01".to_owned()),
            Just("-1".to_owned()),
            Just("1.5".to_owned()),
            Just("4294967296".to_owned()),
            Just("18446744073709551616".to_owned()),
            Just("null".to_owned()),
            Just("[]".to_owned()),
            Just("[ ]".to_owned()),
            Just("[1]".to_owned()),
            Just("{}".to_owned()),
            Just("true".to_owned()),
        ]
    }

    /// A member, its value usually of the kind the key's field takes (so that the reader
    /// answers often), sometimes anything.
    fn member() -> impl Strategy<Value = (String, String)> {
        let key = prop_oneof![
            Just("type"),
            Just("item_id"),
            Just("output_index"),
            Just("content_index"),
            Just("delta"),
            Just("text"),
            Just("logprobs"),
            Just("obfuscation"),
            Just("sequence_number"),
            Just("unknown"),
        ];
        key.prop_flat_map(|key| {
            let fitting = match key {
                "output_index" | "content_index" | "sequence_number" => {
                    prop_oneof![Just("0".to_owned()), Just("42".to_owned())].boxed()
                }
                "logprobs" => Just("[]".to_owned()).boxed(),
                _ => string_value().boxed(),
            };
            (
                Just(key.to_owned()),
                prop_oneof![4 => fitting, 1 => any_value().boxed()],
            )
        })
    }

    fn object() -> impl Strategy<Value = String> {
        (proptest::collection::vec(member(), 0..9), any::<bool>()).prop_map(|(members, spaced)| {
            let separator = if spaced { " , " } else { "," };
            let colon = if spaced { " : " } else { ":" };
            let inner: Vec<String> = members
                .iter()
                .map(|(key, value)| format!("\"{key}\"{colon}{value}"))
                .collect();
            format!("{{{}}}", inner.join(separator))
        })
    }

    fn agrees<T>(json: &str) -> Result<(), TestCaseError>
    where
        T: FlatDecode
            + serde::de::DeserializeOwned
            + serde::Serialize
            + PartialEq
            + std::fmt::Debug,
    {
        let kind = serde_json::from_str::<serde_json::Value>(json)
            .ok()
            .and_then(|value| {
                value
                    .get("type")
                    .and_then(|kind| kind.as_str().map(str::to_owned))
            })
            .unwrap_or_else(|| "k".to_owned());
        prop_assert!(T::decode_flat(json, "another kind").is_none() || !json.contains("\"type\""));
        if let Some(flat) = T::decode_flat(json, &kind) {
            let serde: T = serde_json::from_str(json)
                .map_err(|error| TestCaseError::fail(format!("serde refused {json}: {error}")))?;
            prop_assert_eq!(&flat, &serde, "{}", json);
            prop_assert_eq!(
                serde_json::to_string(&flat).ok(),
                serde_json::to_string(&serde).ok(),
                "{}",
                json
            );
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]
        #[test]
        fn the_flat_reader_answers_only_what_serde_answers(json in object()) {
            agrees::<ContentDeltaEvent>(&json)?;
            agrees::<ContentTextDoneEvent>(&json)?;
            agrees::<ItemProgressEvent>(&json)?;
        }
    }

    #[test]
    fn the_api_order_and_sorted_keys_are_read_directly() {
        for json in [
            r#"{"type":"response.output_text.delta","sequence_number":3,"item_id":"msg_1","output_index":0,"content_index":0,"delta":"café \"x\" 🙂\n","logprobs":[],"obfuscation":"AbC"}"#,
            r#"{"content_index":0,"delta":"x","item_id":"msg_1","logprobs":[],"obfuscation":"AbC","output_index":0,"sequence_number":3,"type":"response.output_text.delta"}"#,
        ] {
            let flat = ContentDeltaEvent::decode_flat(json, "response.output_text.delta")
                .expect("read directly");
            let serde: ContentDeltaEvent = serde_json::from_str(json).unwrap();
            assert_eq!(flat, serde);
            let event = crate::wire::StreamEvent::parse(None, json).unwrap();
            assert_eq!(serde_json::to_string(&event).unwrap(), json);
        }
    }
}

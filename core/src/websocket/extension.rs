//! Negotiating `permessage-deflate` (RFC 7692 §7.1): the offer the client sends and the
//! parameters the server's response settles.

use super::error::HandshakeError;

/// The name of the one extension this codec speaks.
pub(crate) const PERMESSAGE_DEFLATE: &str = "permessage-deflate";

/// What the client offers in `Sec-WebSocket-Extensions`. The default offer is
/// `permessage-deflate; client_max_window_bits` (the client accepts any window size for its
/// own messages; the server may pick it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeflateOffer {
    /// Also offer `client_no_context_takeover`: the client resets its compressor after every
    /// message (less memory held between messages, worse compression).
    pub client_no_context_takeover: bool,
    /// Also offer `server_no_context_takeover`: ask the server to reset its compressor after
    /// every message, so the client's inflater holds no window between messages.
    pub server_no_context_takeover: bool,
}

impl DeflateOffer {
    /// The default offer (see [`DeflateOffer`]).
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets [`DeflateOffer::client_no_context_takeover`].
    pub fn with_client_no_context_takeover(mut self, on: bool) -> Self {
        self.client_no_context_takeover = on;
        self
    }

    /// Sets [`DeflateOffer::server_no_context_takeover`].
    pub fn with_server_no_context_takeover(mut self, on: bool) -> Self {
        self.server_no_context_takeover = on;
        self
    }

    /// The `Sec-WebSocket-Extensions` header value of this offer.
    pub fn header_value(&self) -> String {
        let mut value = String::from("permessage-deflate; client_max_window_bits");
        if self.client_no_context_takeover {
            value.push_str("; client_no_context_takeover");
        }
        if self.server_no_context_takeover {
            value.push_str("; server_no_context_takeover");
        }
        value
    }
}

/// The `permessage-deflate` parameters in force after the handshake: what the server's
/// response settled (plus what the client's offer promised).
///
/// Window sizes are informational for the client: it inflates with a 32 KiB window, which
/// decodes any window the server uses, and when the server limits the client's window below
/// 15 bits it sends its messages uncompressed (the pure-Rust deflate backend cannot shrink its
/// window; RFC 7692 lets any message go uncompressed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeflateParams {
    /// The server resets its compressor after every message, so the client's inflater resets
    /// too.
    pub server_no_context_takeover: bool,
    /// The client resets its compressor after every message.
    pub client_no_context_takeover: bool,
    /// The server's LZ77 window, in bits (8–15; 15 when not given).
    pub server_max_window_bits: u8,
    /// The client's LZ77 window limit, in bits (8–15; 15 when not given).
    pub client_max_window_bits: u8,
}

impl Default for DeflateParams {
    /// Context takeover both ways, 15-bit windows: what a bare `permessage-deflate` response
    /// settles.
    fn default() -> Self {
        Self {
            server_no_context_takeover: false,
            client_no_context_takeover: false,
            server_max_window_bits: 15,
            client_max_window_bits: 15,
        }
    }
}

impl DeflateParams {
    /// Sets [`DeflateParams::server_no_context_takeover`].
    pub fn with_server_no_context_takeover(mut self, on: bool) -> Self {
        self.server_no_context_takeover = on;
        self
    }

    /// Sets [`DeflateParams::client_no_context_takeover`].
    pub fn with_client_no_context_takeover(mut self, on: bool) -> Self {
        self.client_no_context_takeover = on;
        self
    }

    /// Sets [`DeflateParams::client_max_window_bits`] (clamped to 8–15).
    pub fn with_client_max_window_bits(mut self, bits: u8) -> Self {
        self.client_max_window_bits = bits.clamp(8, 15);
        self
    }
}

/// One `name; param[=value]; ...` element of an extension list.
struct Element<'a> {
    name: &'a str,
    params: Vec<(&'a str, Option<&'a str>)>,
}

/// Splits `text` at `separator` outside double-quoted strings.
fn split_outside_quotes(text: &str, separator: u8) -> impl Iterator<Item = &str> {
    let mut start = 0;
    let mut in_quotes = false;
    let mut escaped = false;
    let mut pieces = Vec::new();
    for (index, byte) in text.bytes().enumerate() {
        if escaped {
            escaped = false;
        } else if in_quotes && byte == b'\\' {
            escaped = true;
        } else if byte == b'"' {
            in_quotes = !in_quotes;
        } else if !in_quotes && byte == separator {
            pieces.push(&text[start..index]);
            start = index + 1;
        }
    }
    pieces.push(&text[start..]);
    pieces.into_iter()
}

fn parse_element(text: &str) -> Element<'_> {
    let mut parts = split_outside_quotes(text, b';').map(str::trim);
    let name = parts.next().unwrap_or_default();
    let params = parts
        .filter(|part| !part.is_empty())
        .map(|part| match part.split_once('=') {
            Some((key, value)) => {
                let value = value.trim();
                let value = value
                    .strip_prefix('"')
                    .and_then(|inner| inner.strip_suffix('"'))
                    .unwrap_or(value);
                (key.trim(), Some(value))
            }
            None => (part, None),
        })
        .collect();
    Element { name, params }
}

fn window_bits(value: Option<&str>, missing_ok: bool) -> Result<u8, HandshakeError> {
    let invalid = HandshakeError::InvalidDeflateResponse {
        reason: "window bits must be a number from 8 to 15",
    };
    match value {
        None if missing_ok => Ok(15),
        None => Err(invalid),
        // A leading zero or sign is not allowed (RFC 7692 §7.1.2.1: 1*DIGIT without padding).
        Some(text) if text.starts_with('0') || !text.bytes().all(|b| b.is_ascii_digit()) => {
            Err(invalid)
        }
        Some(text) => match text.parse::<u8>() {
            Ok(bits @ 8..=15) => Ok(bits),
            _ => Err(invalid),
        },
    }
}

/// Truncates a server-supplied name for an error message.
fn display_name(name: &str) -> String {
    name.chars().take(64).collect()
}

/// Settles the extension from the `Sec-WebSocket-Extensions` values of a 101 reply.
pub(crate) fn negotiate<'a>(
    values: impl Iterator<Item = &'a str>,
    offer: Option<&DeflateOffer>,
) -> Result<Option<DeflateParams>, HandshakeError> {
    let mut settled: Option<DeflateParams> = None;
    for value in values {
        for element in split_outside_quotes(value, b',') {
            if element.trim().is_empty() {
                continue;
            }
            let element = parse_element(element);
            let Some(offer) =
                offer.filter(|_| element.name.eq_ignore_ascii_case(PERMESSAGE_DEFLATE))
            else {
                return Err(HandshakeError::UnofferedExtension {
                    name: display_name(element.name),
                });
            };
            if settled.is_some() {
                return Err(HandshakeError::InvalidDeflateResponse {
                    reason: "permessage-deflate accepted more than once",
                });
            }
            settled = Some(settle(&element, offer)?);
        }
    }
    Ok(settled)
}

fn settle(element: &Element<'_>, offer: &DeflateOffer) -> Result<DeflateParams, HandshakeError> {
    let mut params = DeflateParams::default();
    let mut seen = [false; 4];
    for &(key, value) in &element.params {
        let slot = match key.to_ascii_lowercase().as_str() {
            "server_no_context_takeover" => 0,
            "client_no_context_takeover" => 1,
            "server_max_window_bits" => 2,
            "client_max_window_bits" => 3,
            _ => {
                return Err(HandshakeError::InvalidDeflateResponse {
                    reason: "unknown parameter",
                });
            }
        };
        if std::mem::replace(&mut seen[slot], true) {
            return Err(HandshakeError::InvalidDeflateResponse {
                reason: "parameter given twice",
            });
        }
        match slot {
            0 | 1 if value.is_some() => {
                return Err(HandshakeError::InvalidDeflateResponse {
                    reason: "no_context_takeover takes no value",
                });
            }
            0 => params.server_no_context_takeover = true,
            1 => params.client_no_context_takeover = true,
            2 => params.server_max_window_bits = window_bits(value, false)?,
            _ => params.client_max_window_bits = window_bits(value, true)?,
        }
    }
    if offer.server_no_context_takeover && !params.server_no_context_takeover {
        return Err(HandshakeError::InvalidDeflateResponse {
            reason: "server_no_context_takeover was offered but not accepted",
        });
    }
    params.client_no_context_takeover |= offer.client_no_context_takeover;
    Ok(params)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settle_one(value: &str) -> Result<Option<DeflateParams>, HandshakeError> {
        negotiate([value].into_iter(), Some(&DeflateOffer::default()))
    }

    #[test]
    fn offers() {
        assert_eq!(
            DeflateOffer::new().header_value(),
            "permessage-deflate; client_max_window_bits"
        );
        assert_eq!(
            DeflateOffer::new()
                .with_client_no_context_takeover(true)
                .with_server_no_context_takeover(true)
                .header_value(),
            "permessage-deflate; client_max_window_bits; client_no_context_takeover; \
             server_no_context_takeover"
        );
    }

    #[test]
    fn settles_parameters() {
        assert_eq!(
            settle_one("permessage-deflate"),
            Ok(Some(DeflateParams::default()))
        );
        let params = settle_one(
            "Permessage-Deflate; server_no_context_takeover; client_max_window_bits=\"10\"; \
             server_max_window_bits=9",
        )
        .unwrap()
        .unwrap();
        assert!(params.server_no_context_takeover);
        assert!(!params.client_no_context_takeover);
        assert_eq!(
            (params.server_max_window_bits, params.client_max_window_bits),
            (9, 10)
        );
        assert_eq!(settle_one(" , "), Ok(None));
    }

    #[test]
    fn rejects_bad_responses() {
        for bad in [
            "permessage-deflate; server_max_window_bits",
            "permessage-deflate; server_max_window_bits=16",
            "permessage-deflate; server_max_window_bits=08",
            "permessage-deflate; client_max_window_bits=7",
            "permessage-deflate; server_no_context_takeover=1",
            "permessage-deflate; foo",
            "permessage-deflate; client_no_context_takeover; client_no_context_takeover",
            "permessage-deflate, permessage-deflate",
        ] {
            assert!(
                matches!(
                    settle_one(bad),
                    Err(HandshakeError::InvalidDeflateResponse { .. })
                ),
                "{bad}"
            );
        }
        assert_eq!(
            settle_one("x-webkit-deflate-frame"),
            Err(HandshakeError::UnofferedExtension {
                name: "x-webkit-deflate-frame".into()
            })
        );
        assert_eq!(
            negotiate(["permessage-deflate"].into_iter(), None),
            Err(HandshakeError::UnofferedExtension {
                name: "permessage-deflate".into()
            })
        );
    }
}

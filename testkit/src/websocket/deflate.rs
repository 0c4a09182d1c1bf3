//! permessage-deflate (RFC 7692): negotiation of the extension and the per-message codec.
//!
//! Raw DEFLATE with a sync flush; the trailing `00 00 ff ff` of each compressed message is
//! stripped on send and appended again before inflating. Both sides keep their LZ77 window
//! from message to message (context takeover) unless `*_no_context_takeover` was agreed.
//! The pure-Rust backend has no window-size control, so offers that demand a smaller server
//! window (`server_max_window_bits` below 15) are declined; `client_max_window_bits` is fine,
//! since a 15-bit inflater reads any smaller window.

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

/// The name of the extension.
const EXTENSION: &str = "permessage-deflate";

/// The tail a sync flush leaves, stripped from every compressed message.
const SYNC_TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

/// What the server asks for on top of the client's offer, and how hard it compresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DeflatePolicy {
    /// Answer with `server_no_context_takeover` (the server resets its compressor per message).
    pub(crate) server_no_context_takeover: bool,
    /// Answer with `client_no_context_takeover` (the client must reset its compressor).
    pub(crate) client_no_context_takeover: bool,
    /// The compression level of the server's messages (0 to 9).
    pub(crate) level: u32,
}

/// zlib's default level.
const DEFAULT_LEVEL: u32 = 6;

impl Default for DeflatePolicy {
    fn default() -> DeflatePolicy {
        DeflatePolicy {
            server_no_context_takeover: false,
            client_no_context_takeover: false,
            level: DEFAULT_LEVEL,
        }
    }
}

/// The parameters agreed for one session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Agreed {
    pub(crate) server_no_context_takeover: bool,
    pub(crate) client_no_context_takeover: bool,
}

impl Agreed {
    /// The `Sec-WebSocket-Extensions` value of the `101`.
    pub(crate) fn response_header(&self) -> String {
        let mut value = EXTENSION.to_owned();
        if self.server_no_context_takeover {
            value.push_str("; server_no_context_takeover");
        }
        if self.client_no_context_takeover {
            value.push_str("; client_no_context_takeover");
        }
        value
    }
}

/// Picks the first acceptable `permessage-deflate` offer among every `Sec-WebSocket-Extensions`
/// value of the request; `None` when there is none.
pub(crate) fn negotiate<'a>(
    offers: impl IntoIterator<Item = &'a str>,
    policy: DeflatePolicy,
) -> Option<Agreed> {
    offers
        .into_iter()
        .flat_map(|value| value.split(','))
        .find_map(|offer| accept_offer(offer, policy))
}

/// One offer (`name; param; param=value`), if it is permessage-deflate and acceptable.
fn accept_offer(offer: &str, policy: DeflatePolicy) -> Option<Agreed> {
    let mut parts = offer.split(';').map(str::trim);
    if !parts.next()?.eq_ignore_ascii_case(EXTENSION) {
        return None;
    }
    let mut agreed = Agreed {
        server_no_context_takeover: policy.server_no_context_takeover,
        client_no_context_takeover: policy.client_no_context_takeover,
    };
    let mut seen = Vec::new();
    for param in parts.filter(|p| !p.is_empty()) {
        let (name, value) = match param.split_once('=') {
            Some((name, value)) => (name.trim(), Some(value.trim().trim_matches('"'))),
            None => (param, None),
        };
        let name = name.to_ascii_lowercase();
        if seen.contains(&name) {
            return None;
        }
        match (name.as_str(), value) {
            ("server_no_context_takeover", None) => agreed.server_no_context_takeover = true,
            ("client_no_context_takeover", None) => {}
            ("client_max_window_bits", None) => {}
            ("client_max_window_bits", Some(bits)) => {
                window_bits(bits)?;
            }
            ("server_max_window_bits", Some(bits)) => {
                if window_bits(bits)? < 15 {
                    return None;
                }
            }
            _ => return None,
        }
        seen.push(name);
    }
    Some(agreed)
}

/// A window size parameter: 8 to 15.
fn window_bits(value: &str) -> Option<u8> {
    value
        .parse::<u8>()
        .ok()
        .filter(|bits| (8..=15).contains(bits))
}

/// Why a compressed message could not be inflated.
#[derive(Debug)]
pub(crate) enum InflateError {
    /// Not valid DEFLATE data.
    Corrupt(String),
    /// It inflates past the size limit.
    TooLarge,
}

/// The codec of one session: the server's compressor and the inflater of client messages.
pub(crate) struct Deflate {
    agreed: Agreed,
    compress: Compress,
    decompress: Decompress,
}

impl std::fmt::Debug for Deflate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Deflate")
            .field("agreed", &self.agreed)
            .finish_non_exhaustive()
    }
}

impl Deflate {
    /// The codec of a session that agreed `agreed`; the server compresses at `level`.
    pub(crate) fn new(agreed: Agreed, level: u32) -> Deflate {
        Deflate {
            agreed,
            compress: Compress::new(Compression::new(level.min(9)), false),
            decompress: Decompress::new(false),
        }
    }

    /// Compresses one message payload (the tail stripped).
    pub(crate) fn compress(&mut self, input: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(input.len() / 2 + 64);
        let start = self.compress.total_in();
        loop {
            let consumed = (self.compress.total_in() - start) as usize;
            if out.len() == out.capacity() {
                out.reserve(out.capacity().max(64));
            }
            let rest = input.get(consumed..).unwrap_or_default();
            // Compressing into memory cannot fail; a failure would only leave the output short.
            if self
                .compress
                .compress_vec(rest, &mut out, FlushCompress::Sync)
                .is_err()
            {
                break;
            }
            let consumed = (self.compress.total_in() - start) as usize;
            if consumed == input.len() && out.len() < out.capacity() {
                break;
            }
        }
        if out.ends_with(&SYNC_TAIL) {
            out.truncate(out.len() - SYNC_TAIL.len());
        }
        if self.agreed.server_no_context_takeover {
            self.compress.reset();
        }
        out
    }

    /// Inflates one compressed message payload, refusing to grow past `limit` bytes.
    pub(crate) fn decompress(
        &mut self,
        input: &[u8],
        limit: usize,
    ) -> Result<Vec<u8>, InflateError> {
        let mut data = Vec::with_capacity(input.len() + SYNC_TAIL.len());
        data.extend_from_slice(input);
        data.extend_from_slice(&SYNC_TAIL);
        let mut out = Vec::with_capacity((input.len() * 4).clamp(64, limit.max(64)));
        let start = self.decompress.total_in();
        loop {
            if out.len() == out.capacity() {
                if out.len() >= limit {
                    return Err(InflateError::TooLarge);
                }
                out.reserve(out.capacity().max(64));
            }
            let consumed = (self.decompress.total_in() - start) as usize;
            let produced = out.len();
            let rest = data.get(consumed..).unwrap_or_default();
            let status = self
                .decompress
                .decompress_vec(rest, &mut out, FlushDecompress::Sync)
                .map_err(|error| InflateError::Corrupt(error.to_string()))?;
            let now_consumed = (self.decompress.total_in() - start) as usize;
            let room = out.len() < out.capacity();
            if (now_consumed == data.len() && room) || status == Status::StreamEnd {
                break;
            }
            if now_consumed == consumed && out.len() == produced && room {
                return Err(InflateError::Corrupt(
                    "the inflater made no progress".into(),
                ));
            }
        }
        if out.len() > limit {
            return Err(InflateError::TooLarge);
        }
        if self.agreed.client_no_context_takeover {
            self.decompress.reset(false);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ON: DeflatePolicy = DeflatePolicy {
        server_no_context_takeover: false,
        client_no_context_takeover: false,
        level: DEFAULT_LEVEL,
    };

    #[test]
    fn negotiation_accepts_the_usual_offers_and_declines_small_server_windows() {
        let tungstenite_fork = "permessage-deflate; client_max_window_bits";
        assert_eq!(
            negotiate([tungstenite_fork], ON).map(|a| a.response_header()),
            Some("permessage-deflate".to_owned())
        );
        let browser = "permessage-deflate; server_no_context_takeover; client_max_window_bits=10";
        assert_eq!(
            negotiate([browser], ON).map(|a| a.response_header()),
            Some("permessage-deflate; server_no_context_takeover".to_owned())
        );
        let small = "permessage-deflate; server_max_window_bits=10, permessage-deflate";
        assert_eq!(
            negotiate([small], ON).map(|a| a.response_header()),
            Some("permessage-deflate".to_owned())
        );
        assert!(negotiate(["permessage-deflate; server_max_window_bits=9"], ON).is_none());
        assert!(negotiate(["x-webkit-deflate-frame"], ON).is_none());
        assert!(negotiate(["permessage-deflate; unknown"], ON).is_none());
        let both = DeflatePolicy {
            server_no_context_takeover: true,
            client_no_context_takeover: true,
            level: DEFAULT_LEVEL,
        };
        assert_eq!(
            negotiate(["permessage-deflate"], both).map(|a| a.response_header()),
            Some(
                "permessage-deflate; server_no_context_takeover; client_no_context_takeover"
                    .to_owned()
            )
        );
    }

    #[test]
    fn messages_round_trip_with_and_without_context_takeover() {
        for takeover_off in [false, true] {
            let agreed = Agreed {
                server_no_context_takeover: takeover_off,
                client_no_context_takeover: takeover_off,
            };
            let mut server = Deflate::new(agreed, DEFAULT_LEVEL);
            let mut peer = Deflate::new(
                Agreed {
                    // The peer's inflater mirrors the server's compressor.
                    client_no_context_takeover: takeover_off,
                    server_no_context_takeover: takeover_off,
                },
                DEFAULT_LEVEL,
            );
            let message = br#"{"type":"response.output_text.delta","delta":"hello hello"}"#;
            let first = server.compress(message);
            let second = server.compress(message);
            assert!(!first.ends_with(&SYNC_TAIL));
            if takeover_off {
                assert_eq!(first, second);
            } else {
                assert!(second.len() < first.len(), "the window is kept");
            }
            assert_eq!(peer.decompress(&first, 1 << 20).unwrap(), message);
            assert_eq!(peer.decompress(&second, 1 << 20).unwrap(), message);
            assert_eq!(peer.decompress(&server.compress(b""), 16).unwrap(), b"");
        }
    }

    #[test]
    fn every_level_inflates_and_level_0_stores() {
        let agreed = Agreed {
            server_no_context_takeover: false,
            client_no_context_takeover: false,
        };
        let message = br#"{"type":"response.output_text.delta","delta":"hello hello hello"}"#;
        for level in [0, 1, 6, 9, 12] {
            let mut server = Deflate::new(agreed, level);
            let mut peer = Deflate::new(agreed, DEFAULT_LEVEL);
            for _ in 0..3 {
                let compressed = server.compress(message);
                if level == 0 {
                    assert!(compressed.len() > message.len(), "stored, not compressed");
                }
                assert_eq!(peer.decompress(&compressed, 1 << 20).unwrap(), message);
            }
        }
    }

    #[test]
    fn inflating_past_the_limit_fails() {
        let agreed = Agreed {
            server_no_context_takeover: false,
            client_no_context_takeover: false,
        };
        let big = vec![b'a'; 100_000];
        let compressed = Deflate::new(agreed, DEFAULT_LEVEL).compress(&big);
        assert!(matches!(
            Deflate::new(agreed, DEFAULT_LEVEL).decompress(&compressed, 1000),
            Err(InflateError::TooLarge)
        ));
        assert!(matches!(
            Deflate::new(agreed, DEFAULT_LEVEL).decompress(&[0xff, 0xff, 0xff], 1000),
            Err(InflateError::Corrupt(_))
        ));
    }
}

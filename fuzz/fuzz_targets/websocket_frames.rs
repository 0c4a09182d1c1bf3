//! Fuzz target: the WebSocket handshake reply parser and frame codec under arbitrary bytes
//! and arbitrary chunk boundaries.
//!
//! Input layout: byte 0 = flags (bit 0: permessage-deflate; bit 1: server_no_context_takeover;
//! bit 2: client_no_context_takeover; bit 3: the body starts with a raw handshake reply for
//! the parser (otherwise a valid 101 head is prepended); byte 1 = number of cut points
//! (mod 32); byte 2 = message limit in 256-byte steps; then two bytes (little endian) per cut
//! point, taken modulo `body.len() + 1`; the rest is the body. Checked:
//! - no panic;
//! - the split run yields exactly the handshake outcome, messages and transmitted bytes of
//!   the one-shot run (and of a byte-at-a-time run for short bodies);
//! - at most one error, and nothing after it or after a Close;
//! - everything transmitted is well-formed masked control frames (pongs, the Close reply).
#![no_main]

use codex_api_core::websocket::{
    ClientHandshake, CodecConfig, DeflateOffer, DeflateParams, HandshakeOutcome, Incoming,
    WebSocketCodec, WebSocketError, accept_key,
};
use libfuzzer_sys::fuzz_target;

const ENTROPY: [u8; 16] = *b"websocket-fuzzer";

#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    handshake: String,
    messages: Vec<Result<Incoming, WebSocketError>>,
    transmitted: Vec<u8>,
}

struct Settings {
    offer: Option<DeflateOffer>,
    server_no_context_takeover: bool,
    raw_handshake: bool,
    limit: usize,
}

/// Runs `body` cut at `cuts` through a handshake and then a codec.
fn run(settings: &Settings, body: &[u8], cuts: &[usize]) -> Outcome {
    let request = http::Request::get("wss://fuzz.example/v1/responses")
        .header("authorization", "Bearer sk-fuzz")
        .body(())
        .expect("a valid request");
    let mut handshake =
        ClientHandshake::new(request, ENTROPY, settings.offer).expect("a valid handshake");
    let _ = handshake.poll_transmit();
    let mut outcome = Outcome {
        handshake: String::new(),
        messages: Vec::new(),
        transmitted: Vec::new(),
    };
    let mut codec: Option<WebSocketCodec> = None;
    let mut start = 0;
    for end in cuts.iter().copied().chain([body.len()]) {
        let chunk = &body[start..end];
        start = end;
        if let Some(codec) = codec.as_mut() {
            codec.handle_bytes(chunk);
        } else if outcome.handshake.is_empty() {
            match handshake.handle_bytes(chunk) {
                Ok(None) => {}
                Ok(Some(HandshakeOutcome::Upgraded {
                    head,
                    extension,
                    leftover,
                })) => {
                    outcome.handshake = format!("upgraded {} {extension:?}", head.status.as_u16());
                    let config = CodecConfig::default().with_max_message_size(settings.limit);
                    let mut fresh = WebSocketCodec::new(config, extension, 5);
                    fresh.handle_bytes(&leftover);
                    codec = Some(fresh);
                }
                Ok(Some(HandshakeOutcome::Rejected { head, leftover })) => {
                    // The rest of the body would be read as HTTP: record it all.
                    outcome.handshake = format!("rejected {}", head.status.as_u16());
                    outcome.transmitted.extend_from_slice(&leftover);
                }
                Err(error) => {
                    assert!(!error.to_string().contains("sk-fuzz"));
                    outcome.handshake = format!("error {error:?}");
                }
            }
        } else if outcome.handshake.starts_with("rejected") {
            outcome.transmitted.extend_from_slice(chunk);
        }
        if let Some(codec) = codec.as_mut() {
            while let Some(message) = codec.poll_message() {
                outcome.messages.push(message);
            }
            while let Some(bytes) = codec.poll_transmit() {
                outcome.transmitted.extend_from_slice(&bytes);
            }
        }
    }
    outcome
}

/// Checks the codec's output is a sequence of masked control frames.
fn check_transmitted(mut bytes: &[u8]) {
    while let [first, second, rest @ ..] = bytes {
        assert_eq!(first & 0xF0, 0x80, "FIN, no RSV");
        assert!(matches!(first & 0x0F, 0x8 | 0xA), "close or pong");
        assert_eq!(second & 0x80, 0x80, "masked");
        let len = usize::from(second & 0x7F);
        assert!(len <= 125);
        assert!(rest.len() >= 4 + len, "whole frame");
        bytes = &rest[4 + len..];
    }
    assert!(bytes.is_empty());
}

fuzz_target!(|input: &[u8]| {
    let [flags, count, limit, rest @ ..] = input else {
        return;
    };
    let count = usize::from(count % 32);
    let Some(positions) = rest.get(..count * 2) else {
        return;
    };
    let frames = &rest[count * 2..];
    let offer = (flags & 1 != 0).then(|| {
        DeflateOffer::new()
            .with_server_no_context_takeover(flags & 2 != 0)
            .with_client_no_context_takeover(flags & 4 != 0)
    });
    let settings = Settings {
        offer,
        server_no_context_takeover: flags & 2 != 0,
        raw_handshake: flags & 8 != 0,
        limit: (usize::from(*limit) + 1) * 256,
    };
    let mut body = Vec::new();
    if !settings.raw_handshake {
        let request = http::Request::get("wss://fuzz.example/")
            .body(())
            .expect("valid");
        let handshake = ClientHandshake::new(request, ENTROPY, None).expect("valid");
        body.extend_from_slice(
            format!(
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
                 Sec-WebSocket-Accept: {}\r\n",
                accept_key(handshake.key())
            )
            .as_bytes(),
        );
        if settings.offer.is_some() {
            body.extend_from_slice(b"Sec-WebSocket-Extensions: permessage-deflate");
            if settings.server_no_context_takeover {
                body.extend_from_slice(b"; server_no_context_takeover");
            }
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(frames);

    let mut cuts: Vec<usize> = positions
        .chunks_exact(2)
        .map(|pair| usize::from(u16::from_le_bytes([pair[0], pair[1]])) % (body.len() + 1))
        .collect();
    cuts.sort_unstable();

    let whole = run(&settings, &body, &[]);
    if !settings.raw_handshake {
        assert!(
            whole.handshake.starts_with("upgraded"),
            "{}",
            whole.handshake
        );
        let expected: Option<DeflateParams> = settings.offer.map(|offer| {
            DeflateParams::default()
                .with_server_no_context_takeover(offer.server_no_context_takeover)
                .with_client_no_context_takeover(offer.client_no_context_takeover)
        });
        assert_eq!(whole.handshake, format!("upgraded 101 {expected:?}"));
    }
    if whole.handshake.starts_with("upgraded") {
        check_transmitted(&whole.transmitted);
    }
    let errors = whole.messages.iter().filter(|m| m.is_err()).count();
    assert!(errors <= 1);
    let terminal = whole
        .messages
        .iter()
        .position(|m| matches!(m, Err(_) | Ok(Incoming::Close(_))));
    if let Some(index) = terminal {
        assert_eq!(
            index + 1,
            whole.messages.len(),
            "nothing after an error or Close"
        );
    }
    for message in whole.messages.iter().flatten() {
        let len = match message {
            Incoming::Text(text) => text.len(),
            Incoming::Binary(data) => data.len(),
            _ => 0,
        };
        assert!(len <= settings.limit, "message within the limit");
    }

    let split = run(&settings, &body, &cuts);
    assert_eq!(split, whole);
    if body.len() <= 512 {
        let bytewise: Vec<usize> = (1..body.len()).collect();
        assert_eq!(run(&settings, &body, &bytewise), whole);
    }
});

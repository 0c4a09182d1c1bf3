//! The WebSocket frame codec: the RFC 6455 §5.7 and RFC 7692 §7.2.3 examples byte for byte,
//! every protocol error with its close code, and the closing handshake. Every vector is fed
//! whole and in chunks of 1, 2, 3, 7, 64 and 1000 bytes, with identical results demanded
//! (properties: `websocket_properties.rs`).

mod websocket_support;

use bytes::Bytes;
use codex_api_core::websocket::{
    CloseCode, CloseFrame, CodecConfig, DeflateParams, Incoming, SendError, WebSocketCodec,
    WebSocketError,
};
use websocket_support::{
    PeerDeflater, PeerInflater, client_frames, messages, run_all, server_frame, text,
};

const MASK: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

fn deflate() -> Option<DeflateParams> {
    Some(DeflateParams::default())
}

mod websocket_rfc6455_examples {
    use super::*;

    #[test]
    fn single_frame_unmasked_text() {
        let input = [0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f];
        assert_eq!(messages(None, &input), [text("Hello")]);
    }

    #[test]
    fn single_frame_masked_text_is_what_the_client_writes() {
        let mut codec = WebSocketCodec::new(CodecConfig::default(), None, 0);
        codec.send_text("Hello", MASK).unwrap();
        assert_eq!(
            &codec.poll_transmit().unwrap()[..],
            [
                0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58
            ]
        );
        assert_eq!(codec.poll_transmit(), None);
    }

    #[test]
    fn a_masked_server_frame_is_a_protocol_error() {
        let input = [
            0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
        ];
        let got = messages(None, &input);
        assert_eq!(got, [Err(WebSocketError::MaskedFrame)]);
        assert_eq!(
            WebSocketError::MaskedFrame.close_code(),
            CloseCode::PROTOCOL_ERROR
        );
    }

    #[test]
    fn fragmented_unmasked_text() {
        let input = [0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f];
        assert_eq!(messages(None, &input), [text("Hello")]);
    }

    #[test]
    fn ping_is_reported_and_answered_with_a_masked_pong() {
        let input = [0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f];
        let outcome = run_all(CodecConfig::default(), None, &input);
        assert_eq!(
            outcome.messages,
            [Ok(Incoming::Ping(Bytes::from_static(b"Hello")))]
        );
        let frames = client_frames(&outcome.transmitted);
        assert_eq!(frames.len(), 1);
        assert_eq!(frames[0].first, 0x8a);
        assert_eq!(frames[0].payload, b"Hello");
    }

    #[test]
    fn masked_pong_is_what_the_client_writes() {
        let mut codec = WebSocketCodec::new(CodecConfig::default(), None, 0);
        codec.send_pong(b"Hello", MASK).unwrap();
        assert_eq!(
            &codec.poll_transmit().unwrap()[..],
            [
                0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58
            ]
        );
    }

    #[test]
    fn binary_256_bytes_uses_the_16_bit_length() {
        let payload: Vec<u8> = (0..=255).collect();
        let mut input = vec![0x82, 0x7E, 0x01, 0x00];
        input.extend_from_slice(&payload);
        assert_eq!(
            messages(None, &input),
            [Ok(Incoming::Binary(Bytes::from(payload.clone())))]
        );
        let mut codec = WebSocketCodec::new(CodecConfig::default(), None, 0);
        codec.send_binary(&payload, [0; 4]).unwrap();
        let out = codec.poll_transmit().unwrap();
        assert_eq!(out[..8], [0x82, 0xFE, 0x01, 0x00, 0, 0, 0, 0]);
        assert_eq!(out[8..], payload[..]);
    }

    #[test]
    fn binary_64_kib_uses_the_64_bit_length() {
        let payload = vec![0x5a; 65536];
        let mut input = vec![0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0];
        input.extend_from_slice(&payload);
        assert_eq!(
            messages(None, &input),
            [Ok(Incoming::Binary(Bytes::from(payload.clone())))]
        );
        let mut codec = WebSocketCodec::new(CodecConfig::default(), None, 0);
        codec.send_binary(&payload, MASK).unwrap();
        let out = codec.poll_transmit().unwrap();
        assert_eq!(
            out[..14],
            [0x82, 0xFF, 0, 0, 0, 0, 0, 1, 0, 0, 0x37, 0xfa, 0x21, 0x3d]
        );
        assert_eq!(client_frames(&out)[0].payload, payload);
    }

    #[test]
    fn control_frames_interleave_with_fragments() {
        let mut input = server_frame(false, false, 0x1, b"Hel");
        input.extend(server_frame(true, false, 0x9, b"p"));
        input.extend(server_frame(false, false, 0x0, b"l"));
        input.extend(server_frame(true, false, 0xA, b"q"));
        input.extend(server_frame(true, false, 0x0, b"o"));
        assert_eq!(
            messages(None, &input),
            [
                Ok(Incoming::Ping(Bytes::from_static(b"p"))),
                Ok(Incoming::Pong(Bytes::from_static(b"q"))),
                text("Hello"),
            ]
        );
    }

    #[test]
    fn utf8_split_across_fragments_is_accepted() {
        let euro = "€".as_bytes();
        let mut input = server_frame(false, false, 0x1, &euro[..1]);
        input.extend(server_frame(false, false, 0x0, &euro[1..2]));
        input.extend(server_frame(true, false, 0x0, &euro[2..]));
        assert_eq!(messages(None, &input), [text("€")]);
    }
}

mod websocket_rfc7692_examples {
    use super::*;

    const HELLO: [u8; 9] = [0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00];
    const HELLO_AGAIN: [u8; 7] = [0xc1, 0x05, 0xf2, 0x00, 0x11, 0x00, 0x00];

    #[test]
    fn compressed_hello_and_context_takeover() {
        let mut input = HELLO.to_vec();
        input.extend_from_slice(&HELLO_AGAIN);
        assert_eq!(messages(deflate(), &input), [text("Hello"), text("Hello")]);
    }

    #[test]
    fn fragmented_compressed_and_stored_blocks() {
        // §7.2.3.1: the compressed "Hello" split over two frames; §7.2.3.3: a stored block.
        let mut input = vec![
            0x41, 0x03, 0xf2, 0x48, 0xcd, 0x80, 0x04, 0xc9, 0xc9, 0x07, 0x00,
        ];
        input.extend_from_slice(&[0xc1, 0x0b, 0x00, 0x05, 0x00, 0xfa, 0xff]);
        input.extend_from_slice(b"Hello");
        input.push(0x00);
        assert_eq!(messages(deflate(), &input), [text("Hello"), text("Hello")]);
    }

    #[test]
    fn without_context_takeover_the_window_is_reset() {
        // The second message refers back into the first; with the window reset, it cannot
        // decode to "Hello" (the pure-Rust inflater reads a zeroed window instead of
        // reporting the distance, as zlib would).
        let mut input = HELLO.to_vec();
        input.extend_from_slice(&HELLO_AGAIN);
        let params = DeflateParams::default().with_server_no_context_takeover(true);
        let got = messages(Some(params), &input);
        assert_eq!(got[0], text("Hello"));
        assert_ne!(got[1], text("Hello"));
        assert_eq!(
            WebSocketError::InvalidCompressedData.close_code(),
            CloseCode::INVALID_PAYLOAD
        );
    }

    #[test]
    fn client_compresses_like_the_rfc() {
        let mut codec = WebSocketCodec::new(CodecConfig::default(), deflate(), 0);
        codec.send_text("Hello", [0; 4]).unwrap();
        codec.send_text("Hello", [0; 4]).unwrap();
        let frames = client_frames(&codec.poll_transmit().unwrap());
        assert_eq!(frames.len(), 2);
        let mut peer = PeerInflater::new();
        for frame in &frames {
            assert_eq!(frame.first, 0xc1, "FIN, RSV1, text");
            assert_eq!(peer.inflate(&frame.payload), b"Hello");
        }
        assert_eq!(frames[0].payload, HELLO[2..]);
        assert_eq!(frames[1].payload, HELLO_AGAIN[2..]);
    }

    #[test]
    fn client_no_context_takeover_and_threshold() {
        let params = DeflateParams::default().with_client_no_context_takeover(true);
        let config = CodecConfig::default().with_min_compress_size(4);
        let mut codec = WebSocketCodec::new(config, Some(params), 0);
        for message in ["Hello", "Hello", "Hi!"] {
            codec.send_text(message, MASK).unwrap();
        }
        let frames = client_frames(&codec.poll_transmit().unwrap());
        assert_eq!(frames[0].payload, frames[1].payload, "no shared window");
        assert_eq!(
            (frames[2].first, &frames[2].payload[..]),
            (0x81, &b"Hi!"[..])
        );
        let mut peer = PeerInflater::new();
        assert_eq!(peer.inflate(&frames[0].payload), b"Hello");
    }

    #[test]
    fn small_client_window_sends_uncompressed() {
        let params = DeflateParams::default().with_client_max_window_bits(10);
        let mut codec = WebSocketCodec::new(CodecConfig::default(), Some(params), 0);
        codec.send_text("Hello", [0; 4]).unwrap();
        assert_eq!(&codec.poll_transmit().unwrap()[..2], [0x81, 0x85]);
    }

    #[test]
    fn peer_compressed_messages_round_trip() {
        for no_context_takeover in [false, true] {
            let mut peer = PeerDeflater::new(no_context_takeover);
            let params =
                DeflateParams::default().with_server_no_context_takeover(no_context_takeover);
            let originals = [
                "{\"type\":\"response.created\"}",
                "",
                "x",
                &"abc".repeat(20_000),
            ];
            let mut input = Vec::new();
            for original in originals {
                input.extend(server_frame(
                    true,
                    true,
                    0x1,
                    &peer.compress(original.as_bytes()),
                ));
            }
            let expected: Vec<_> = originals.iter().map(|m| text(m)).collect();
            assert_eq!(messages(Some(params), &input), expected);
        }
    }

    #[test]
    fn inflating_stops_at_the_limit() {
        let bomb = PeerDeflater::new(false).compress(&vec![0; 1 << 20]);
        assert!(bomb.len() < 16 * 1024, "{}", bomb.len());
        let input = server_frame(true, true, 0x2, &bomb);
        let config = CodecConfig::default().with_max_message_size((1 << 20) - 1);
        let got = run_all(config, deflate(), &input).messages;
        assert_eq!(
            got,
            [Err(WebSocketError::MessageTooLarge {
                limit: (1 << 20) - 1
            })]
        );
        let config = CodecConfig::default().with_max_message_size(1 << 20);
        let got = run_all(config, deflate(), &input).messages;
        assert_eq!(got, [Ok(Incoming::Binary(vec![0; 1 << 20].into()))]);
    }
}

mod websocket_protocol_errors {
    use super::*;

    fn first_error(extension: Option<DeflateParams>, input: &[u8]) -> WebSocketError {
        let got = messages(extension, input);
        let last = got.last().cloned().expect("an outcome");
        last.expect_err("an error")
    }

    #[test]
    fn each_error_and_its_close_code() {
        /// Name, extension, input, the error and its close code.
        type Case = (
            &'static str,
            Option<DeflateParams>,
            Vec<u8>,
            WebSocketError,
            u16,
        );
        let cases: Vec<Case> = vec![
            (
                "rsv1 without deflate",
                None,
                server_frame(true, true, 0x1, b"x"),
                WebSocketError::ReservedBits { bits: 0b100 },
                1002,
            ),
            (
                "rsv2",
                deflate(),
                vec![0xA1, 0x00],
                WebSocketError::ReservedBits { bits: 0b010 },
                1002,
            ),
            (
                "rsv1 on a control frame",
                deflate(),
                server_frame(true, true, 0x9, b""),
                WebSocketError::ReservedBits { bits: 0b100 },
                1002,
            ),
            (
                "rsv1 on a continuation",
                deflate(),
                [
                    server_frame(false, true, 0x1, b"\xf2"),
                    server_frame(true, true, 0x0, b""),
                ]
                .concat(),
                WebSocketError::ReservedBits { bits: 0b100 },
                1002,
            ),
            (
                "reserved opcode",
                None,
                vec![0x83, 0x00],
                WebSocketError::ReservedOpcode { opcode: 3 },
                1002,
            ),
            (
                "reserved control opcode",
                None,
                vec![0x8B, 0x00],
                WebSocketError::ReservedOpcode { opcode: 0xB },
                1002,
            ),
            (
                "fragmented ping",
                None,
                server_frame(false, false, 0x9, b""),
                WebSocketError::FragmentedControlFrame,
                1002,
            ),
            (
                "long ping",
                None,
                server_frame(true, false, 0x9, &[0; 126]),
                WebSocketError::ControlFrameTooLarge { len: 126 },
                1002,
            ),
            (
                "length msb",
                None,
                vec![0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 0],
                WebSocketError::InvalidPayloadLength,
                1002,
            ),
            (
                "lone continuation",
                None,
                server_frame(true, false, 0x0, b"x"),
                WebSocketError::UnexpectedContinuation,
                1002,
            ),
            (
                "new message mid-fragments",
                None,
                [
                    server_frame(false, false, 0x1, b"a"),
                    server_frame(true, false, 0x1, b"b"),
                ]
                .concat(),
                WebSocketError::ExpectedContinuation,
                1002,
            ),
            (
                "invalid utf-8",
                None,
                server_frame(true, false, 0x1, b"\xff"),
                WebSocketError::InvalidUtf8,
                1007,
            ),
            (
                "truncated utf-8",
                None,
                server_frame(true, false, 0x1, "€".as_bytes().get(..2).unwrap()),
                WebSocketError::InvalidUtf8,
                1007,
            ),
            (
                "invalid utf-8 fails fast",
                None,
                server_frame(false, false, 0x1, b"ok\xc0\x80"),
                WebSocketError::InvalidUtf8,
                1007,
            ),
            (
                "inflated invalid utf-8",
                deflate(),
                server_frame(true, true, 0x1, &PeerDeflater::new(false).compress(b"\xff")),
                WebSocketError::InvalidUtf8,
                1007,
            ),
            (
                "one-byte close",
                None,
                server_frame(true, false, 0x8, b"\x03"),
                WebSocketError::TruncatedClosePayload,
                1002,
            ),
            (
                "close 1005",
                None,
                server_frame(true, false, 0x8, b"\x03\xed"),
                WebSocketError::InvalidCloseCode { code: 1005 },
                1002,
            ),
            (
                "close 999",
                None,
                server_frame(true, false, 0x8, b"\x03\xe7"),
                WebSocketError::InvalidCloseCode { code: 999 },
                1002,
            ),
            (
                "close reason not utf-8",
                None,
                server_frame(true, false, 0x8, b"\x03\xe8\xff"),
                WebSocketError::InvalidCloseReason,
                1007,
            ),
            (
                "corrupt deflate",
                deflate(),
                server_frame(true, true, 0x1, b"\xff\xff"),
                WebSocketError::InvalidCompressedData,
                1007,
            ),
        ];
        for (name, extension, input, error, code) in cases {
            assert_eq!(first_error(extension, &input), error, "{name}");
            assert_eq!(error.close_code(), CloseCode(code), "{name}");
            assert!(!error.kind().is_empty());
        }
    }

    #[test]
    fn message_size_is_checked_on_the_wire_before_the_payload_arrives() {
        let config = CodecConfig::default().with_max_message_size(10);
        let mut codec = WebSocketCodec::new(config, None, 0);
        codec.handle_bytes(&[0x82, 0x7F, 0, 0, 0, 0, 0x10, 0, 0, 0]);
        assert_eq!(
            codec.poll_message(),
            Some(Err(WebSocketError::MessageTooLarge { limit: 10 }))
        );
        // Fragments add up.
        let mut input = server_frame(false, false, 0x2, &[0; 6]);
        input.extend(server_frame(true, false, 0x0, &[0; 5]));
        let got = run_all(config, None, &input).messages;
        assert_eq!(got, [Err(WebSocketError::MessageTooLarge { limit: 10 })]);
        let exact = [
            server_frame(false, false, 0x2, &[0; 6]),
            server_frame(true, false, 0x0, &[0; 4]),
        ]
        .concat();
        assert_eq!(
            run_all(config, None, &exact).messages,
            [Ok(Incoming::Binary(vec![0; 10].into()))]
        );
    }

    #[test]
    fn nothing_after_an_error_and_no_automatic_reply() {
        let mut input = server_frame(true, false, 0x1, b"before");
        input.extend(server_frame(true, false, 0x1, b"\xff"));
        input.extend(server_frame(true, false, 0x9, b"after"));
        let outcome = run_all(CodecConfig::default(), None, &input);
        assert_eq!(
            outcome.messages,
            [text("before"), Err(WebSocketError::InvalidUtf8)]
        );
        assert!(outcome.transmitted.is_empty());
        let mut codec = WebSocketCodec::new(CodecConfig::default(), None, 0);
        codec.handle_bytes(&input);
        assert!(codec.has_failed());
        codec.handle_bytes(&server_frame(true, false, 0x1, b"more"));
        assert_eq!(codec.poll_message(), Some(text("before")));
        assert_eq!(codec.poll_message(), Some(Err(WebSocketError::InvalidUtf8)));
        assert_eq!(codec.poll_message(), None);
        // The caller may still fail the connection with the error's close code.
        codec
            .send_close(WebSocketError::InvalidUtf8.close_code(), "", MASK)
            .unwrap();
        let frames = client_frames(&codec.poll_transmit().unwrap());
        assert_eq!(
            (frames[0].first, &frames[0].payload[..]),
            (0x88, &[0x03, 0xef][..])
        );
    }
}

mod websocket_closing_handshake {
    use super::*;

    #[test]
    fn server_close_is_reported_echoed_and_final() {
        let mut input = server_frame(true, false, 0x8, b"\x03\xe8bye");
        input.extend(server_frame(true, false, 0x1, b"ignored"));
        let outcome = run_all(CodecConfig::default(), None, &input);
        assert_eq!(
            outcome.messages,
            [Ok(Incoming::Close(Some(CloseFrame::new(
                CloseCode::NORMAL,
                "bye"
            ))))]
        );
        let frames = client_frames(&outcome.transmitted);
        assert_eq!(
            (frames[0].first, &frames[0].payload[..]),
            (0x88, &[0x03, 0xe8][..])
        );

        let mut codec = WebSocketCodec::new(CodecConfig::default(), None, 0);
        codec.handle_bytes(&input);
        assert!(codec.is_closed() && codec.is_close_received() && codec.is_close_sent());
        assert_eq!(codec.send_text("late", MASK), Err(SendError::Closed));
    }

    #[test]
    fn empty_close_gets_an_empty_reply() {
        let outcome = run_all(CodecConfig::default(), None, &[0x88, 0x00]);
        assert_eq!(outcome.messages, [Ok(Incoming::Close(None))]);
        assert_eq!(client_frames(&outcome.transmitted)[0].payload, b"");
    }

    #[test]
    fn client_initiated_close() {
        let mut codec = WebSocketCodec::new(CodecConfig::default(), None, 0);
        codec.send_close(CloseCode::NORMAL, "done", MASK).unwrap();
        assert!(codec.is_close_sent() && !codec.is_closed());
        let frames = client_frames(&codec.poll_transmit().unwrap());
        assert_eq!(frames[0].payload, b"\x03\xe8done");
        assert_eq!(codec.send_ping(b"", MASK), Err(SendError::Closed));
        assert_eq!(
            codec.send_close(CloseCode::NORMAL, "", MASK),
            Err(SendError::Closed)
        );
        // Pings that cross our Close are not answered; the server's Close completes it.
        codec.handle_bytes(&server_frame(true, false, 0x9, b"p"));
        codec.handle_bytes(&server_frame(true, false, 0x8, b"\x03\xe8"));
        assert_eq!(codec.poll_transmit(), None);
        assert!(codec.is_closed());
    }

    #[test]
    fn send_validation() {
        let mut codec = WebSocketCodec::new(CodecConfig::default(), None, 0);
        assert_eq!(
            codec.send_ping(&[0; 126], MASK),
            Err(SendError::ControlPayloadTooLarge { len: 126 })
        );
        assert_eq!(
            codec.send_close(CloseCode::ABNORMAL, "", MASK),
            Err(SendError::InvalidCloseCode { code: 1006 })
        );
        assert_eq!(
            codec.send_close(CloseCode::NORMAL, &"r".repeat(124), MASK),
            Err(SendError::ControlPayloadTooLarge { len: 126 })
        );
        assert_eq!(codec.poll_transmit(), None);
        codec.send_close(CloseCode::NO_STATUS, "", MASK).unwrap();
        assert_eq!(
            client_frames(&codec.poll_transmit().unwrap())[0].payload,
            b""
        );
    }
}

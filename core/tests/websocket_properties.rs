//! Properties of the WebSocket frame codec: any list of server messages (fragmented,
//! compressed by a peer, with control frames between) cut at any points decodes to exactly
//! those messages, as when fed whole or one byte at a time; the client's compressed messages
//! inflate at a peer; arbitrary bytes never panic, and their outcome does not depend on the
//! chunking.

mod websocket_support;

use codex_api_core::websocket::{
    CodecConfig, DeflateParams, Incoming, WebSocketCodec, WebSocketError,
};
use websocket_support::{PeerDeflater, PeerInflater, client_frames, server_frame, text};

mod websocket_properties {
    use super::*;
    use proptest::prelude::*;
    use websocket_support::run_at;

    #[derive(Debug, Clone)]
    enum Piece {
        Text(String, usize, bool),
        Binary(Vec<u8>, usize, bool),
        Ping(Vec<u8>),
        Pong(Vec<u8>),
    }

    fn piece() -> impl Strategy<Value = Piece> {
        prop_oneof![
            (".{0,200}", 1usize..4, any::<bool>()).prop_map(|(t, n, c)| Piece::Text(t, n, c)),
            (
                proptest::collection::vec(any::<u8>(), 0..300),
                1usize..4,
                any::<bool>()
            )
                .prop_map(|(b, n, c)| Piece::Binary(b, n, c)),
            proptest::collection::vec(any::<u8>(), 0..125).prop_map(Piece::Ping),
            proptest::collection::vec(any::<u8>(), 0..125).prop_map(Piece::Pong),
        ]
    }

    /// Encodes the pieces as a server would (data split into `n` fragments, compressed when
    /// asked and deflate is on) and returns the bytes and the expected messages.
    fn encode(
        pieces: &[Piece],
        deflate_on: bool,
    ) -> (Vec<u8>, Vec<Result<Incoming, WebSocketError>>) {
        let mut peer = PeerDeflater::new(false);
        let mut input = Vec::new();
        let mut expected = Vec::new();
        for piece in pieces {
            let (opcode, data, parts, compress) = match piece {
                Piece::Text(t, n, c) => {
                    expected.push(text(t));
                    (0x1, t.as_bytes().to_vec(), *n, *c)
                }
                Piece::Binary(b, n, c) => {
                    expected.push(Ok(Incoming::Binary(b.clone().into())));
                    (0x2, b.clone(), *n, *c)
                }
                Piece::Ping(p) => {
                    input.extend(server_frame(true, false, 0x9, p));
                    expected.push(Ok(Incoming::Ping(p.clone().into())));
                    continue;
                }
                Piece::Pong(p) => {
                    input.extend(server_frame(true, false, 0xA, p));
                    expected.push(Ok(Incoming::Pong(p.clone().into())));
                    continue;
                }
            };
            let compress = compress && deflate_on;
            let wire = if compress { peer.compress(&data) } else { data };
            let step = wire.len().div_ceil(parts).max(1);
            let chunks: Vec<&[u8]> = if wire.is_empty() {
                vec![&[][..]]
            } else {
                wire.chunks(step).collect()
            };
            for (index, chunk) in chunks.iter().enumerate() {
                let first = index == 0;
                let fin = index + 1 == chunks.len();
                input.extend(server_frame(
                    fin,
                    compress && first,
                    if first { opcode } else { 0 },
                    chunk,
                ));
            }
        }
        (input, expected)
    }

    proptest! {
        #[test]
        fn any_messages_any_chunking(
            pieces in proptest::collection::vec(piece(), 0..12),
            deflate_on in any::<bool>(),
            mut cuts in proptest::collection::vec(any::<usize>(), 0..20),
        ) {
            let (input, expected) = encode(&pieces, deflate_on);
            let extension = deflate_on.then(DeflateParams::default);
            let whole = run_at(CodecConfig::default(), extension, &input, &[]);
            prop_assert_eq!(&whole.messages, &expected);
            for cut in &mut cuts {
                *cut %= input.len() + 1;
            }
            cuts.sort_unstable();
            prop_assert_eq!(&run_at(CodecConfig::default(), extension, &input, &cuts), &whole);
            let bytewise: Vec<usize> = (1..input.len()).collect();
            prop_assert_eq!(&run_at(CodecConfig::default(), extension, &input, &bytewise), &whole);
        }

        #[test]
        fn client_messages_inflate_at_the_peer(
            messages in proptest::collection::vec(".{0,300}", 1..8),
            no_context_takeover in any::<bool>(),
        ) {
            let params = DeflateParams::default().with_client_no_context_takeover(no_context_takeover);
            let mut codec = WebSocketCodec::new(CodecConfig::default(), Some(params), 0);
            for message in &messages {
                codec.send_text(message, [9, 8, 7, 6]).unwrap();
            }
            let frames = client_frames(&codec.poll_transmit().unwrap());
            let mut peer = PeerInflater::new();
            for (frame, message) in frames.iter().zip(&messages) {
                prop_assert_eq!(frame.first, 0xc1);
                prop_assert_eq!(peer.inflate(&frame.payload), message.as_bytes());
            }
        }

        #[test]
        fn random_bytes_never_panic_and_chunking_does_not_matter(
            input in proptest::collection::vec(any::<u8>(), 0..600),
            deflate_on in any::<bool>(),
            limit in 0usize..400,
        ) {
            let extension = deflate_on.then(DeflateParams::default);
            let config = CodecConfig::default().with_max_message_size(limit);
            let whole = run_at(config, extension, &input, &[]);
            let errors = whole.messages.iter().filter(|m| m.is_err()).count();
            prop_assert!(errors <= 1);
            if errors == 1 {
                prop_assert!(whole.messages.last().is_some_and(Result::is_err));
            }
            let bytewise: Vec<usize> = (1..input.len()).collect();
            prop_assert_eq!(&run_at(config, extension, &input, &bytewise), &whole);
        }
    }
}

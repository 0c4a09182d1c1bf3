//! Shared helpers for the WebSocket tests: a server-side frame writer (unmasked, optionally
//! compressed the way a `permessage-deflate` peer would), a reader for the client's masked
//! frames, and a driver that feeds a codec in given chunks.
#![allow(dead_code)]

use codex_api_core::websocket::{
    CodecConfig, DeflateParams, Incoming, WebSocketCodec, WebSocketError,
};
use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress};

/// Chunk sizes every vector is fed in, besides whole.
pub const CHUNK_SIZES: [usize; 6] = [1, 2, 3, 7, 64, 1000];

/// An unmasked server frame.
pub fn server_frame(fin: bool, rsv1: bool, opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![(u8::from(fin) << 7) | (u8::from(rsv1) << 6) | opcode];
    push_len(&mut out, 0, payload.len());
    out.extend_from_slice(payload);
    out
}

fn push_len(out: &mut Vec<u8>, mask_bit: u8, len: usize) {
    if len < 126 {
        out.push(mask_bit | len as u8);
    } else if len <= 0xFFFF {
        out.push(mask_bit | 126);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(mask_bit | 127);
        out.extend_from_slice(&(len as u64).to_be_bytes());
    }
}

/// A peer's raw-DEFLATE compressor: sync flush per message, `00 00 ff ff` stripped.
pub struct PeerDeflater(Compress, bool);

impl PeerDeflater {
    pub fn new(no_context_takeover: bool) -> Self {
        Self(
            Compress::new(Compression::fast(), false),
            no_context_takeover,
        )
    }

    pub fn compress(&mut self, data: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(data.len() + 64);
        let mut input = data;
        loop {
            let before = self.0.total_in();
            self.0
                .compress_vec(input, &mut out, FlushCompress::Sync)
                .unwrap();
            input = &input[(self.0.total_in() - before) as usize..];
            if input.is_empty() && out.len() < out.capacity() {
                break;
            }
            out.reserve(out.capacity().max(64));
        }
        assert!(out.ends_with(&[0, 0, 0xff, 0xff]));
        out.truncate(out.len() - 4);
        if self.1 {
            self.0.reset();
        }
        out
    }
}

/// A peer's inflater for the client's compressed messages.
pub struct PeerInflater(Decompress);

impl PeerInflater {
    pub fn new() -> Self {
        Self(Decompress::new(false))
    }

    pub fn inflate(&mut self, data: &[u8]) -> Vec<u8> {
        let mut input = data.to_vec();
        input.extend_from_slice(&[0, 0, 0xff, 0xff]);
        let mut out = Vec::with_capacity(data.len() * 4 + 64);
        let mut rest = &input[..];
        loop {
            let before = self.0.total_in();
            self.0
                .decompress_vec(rest, &mut out, FlushDecompress::Sync)
                .unwrap();
            rest = &rest[(self.0.total_in() - before) as usize..];
            if rest.is_empty() && out.len() < out.capacity() {
                return out;
            }
            out.reserve(out.capacity().max(64));
        }
    }
}

/// A frame the client wrote, unmasked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientFrame {
    pub first: u8,
    pub mask: [u8; 4],
    pub payload: Vec<u8>,
}

/// Splits the client's output into frames, checking each is masked.
pub fn client_frames(mut bytes: &[u8]) -> Vec<ClientFrame> {
    let mut frames = Vec::new();
    while !bytes.is_empty() {
        let first = bytes[0];
        assert_eq!(bytes[1] & 0x80, 0x80, "client frames are masked");
        let (len, mut at) = match bytes[1] & 0x7F {
            126 => (u16::from_be_bytes([bytes[2], bytes[3]]) as usize, 4),
            127 => (
                u64::from_be_bytes(bytes[2..10].try_into().unwrap()) as usize,
                10,
            ),
            short => (usize::from(short), 2),
        };
        let mask: [u8; 4] = bytes[at..at + 4].try_into().unwrap();
        at += 4;
        let payload = bytes[at..at + len]
            .iter()
            .enumerate()
            .map(|(i, b)| b ^ mask[i % 4])
            .collect();
        frames.push(ClientFrame {
            first,
            mask,
            payload,
        });
        bytes = &bytes[at + len..];
    }
    frames
}

/// Everything a codec produced for some input.
#[derive(Debug, PartialEq, Eq)]
pub struct Outcome {
    pub messages: Vec<Result<Incoming, WebSocketError>>,
    pub transmitted: Vec<u8>,
}

/// Feeds `input` cut at `cuts` (sorted offsets) to a fresh codec, draining after each feed.
pub fn run_at(
    config: CodecConfig,
    extension: Option<DeflateParams>,
    input: &[u8],
    cuts: &[usize],
) -> Outcome {
    let mut codec = WebSocketCodec::new(config, extension, 99);
    let mut outcome = Outcome {
        messages: Vec::new(),
        transmitted: Vec::new(),
    };
    let mut start = 0;
    for end in cuts.iter().copied().chain([input.len()]) {
        let end = end.clamp(start, input.len());
        codec.handle_bytes(&input[start..end]);
        start = end;
        while let Some(message) = codec.poll_message() {
            outcome.messages.push(message);
        }
        while let Some(bytes) = codec.poll_transmit() {
            outcome.transmitted.extend_from_slice(&bytes);
        }
    }
    outcome
}

/// Runs `input` whole, then in every chunk size of [`CHUNK_SIZES`]; asserts all agree and
/// returns the outcome.
pub fn run_all(config: CodecConfig, extension: Option<DeflateParams>, input: &[u8]) -> Outcome {
    let whole = run_at(config, extension, input, &[]);
    for size in CHUNK_SIZES {
        let cuts: Vec<usize> = (size..input.len()).step_by(size).collect();
        assert_eq!(
            run_at(config, extension, input, &cuts),
            whole,
            "chunk size {size}"
        );
    }
    whole
}

/// The messages alone of [`run_all`] with the default configuration.
pub fn messages(
    extension: Option<DeflateParams>,
    input: &[u8],
) -> Vec<Result<Incoming, WebSocketError>> {
    run_all(CodecConfig::default(), extension, input).messages
}

/// `Ok(Incoming::Text(text))`.
pub fn text(text: &str) -> Result<Incoming, WebSocketError> {
    Ok(Incoming::Text(text.into()))
}

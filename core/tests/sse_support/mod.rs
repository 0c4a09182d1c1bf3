//! Shared helpers of the SSE decoder tests: decode a whole input under a given chunking into
//! owned, comparable results.
#![allow(dead_code)]

use codex_api_core::sse::{SseDecoder, SseError};

/// One item yielded by `Feed::next_frame`, owned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    /// A frame.
    Frame {
        event: Option<String>,
        data: String,
        id: Option<String>,
    },
    /// An error.
    Error(SseError),
}

/// A frame with data only.
pub fn data(data: &str) -> Item {
    frame(None, data, None)
}

/// A frame with every part given.
pub fn frame(event: Option<&str>, data: &str, id: Option<&str>) -> Item {
    Item::Frame {
        event: event.map(str::to_owned),
        data: data.to_owned(),
        id: id.map(str::to_owned),
    }
}

/// The too-large error for `limit`.
pub fn too_large(limit: usize) -> Item {
    Item::Error(SseError::EventTooLarge { limit })
}

/// Everything observable after decoding a whole stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub items: Vec<Item>,
    pub discarded_incomplete_event: bool,
    pub last_event_id: String,
    pub retry: Option<u64>,
}

/// Drains one feed into `items`.
pub fn drain(decoder: &mut SseDecoder, chunk: &[u8], items: &mut Vec<Item>) {
    let mut feed = decoder.feed(chunk);
    while let Some(item) = feed.next_frame() {
        items.push(match item {
            Ok(frame) => Item::Frame {
                event: frame.event().map(str::to_owned),
                data: frame.data().to_owned(),
                id: frame.id().map(str::to_owned),
            },
            Err(error) => Item::Error(error),
        });
    }
}

/// Decodes `input` cut at the (ascending) `splits`, with the size `limit`.
pub fn decode_at(input: &[u8], splits: &[usize], limit: usize) -> (Outcome, SseDecoder) {
    let mut decoder = SseDecoder::with_max_event_size(limit);
    let mut items = Vec::new();
    let mut start = 0;
    for &split in splits {
        let split = split.clamp(start, input.len());
        drain(&mut decoder, &input[start..split], &mut items);
        start = split;
    }
    drain(&mut decoder, &input[start..], &mut items);
    assert_eq!(
        decoder.stats().bytes_scanned,
        input.len() as u64,
        "every byte is scanned exactly once"
    );
    let last_event_id = decoder.last_event_id().to_owned();
    let retry = decoder.reconnection_time_ms();
    let finish = decoder.finish();
    let outcome = Outcome {
        items,
        discarded_incomplete_event: finish.discarded_incomplete_event,
        last_event_id,
        retry,
    };
    (outcome, decoder)
}

/// Decodes `input` in chunks of `size` bytes (0: whole).
pub fn decode_chunked(input: &[u8], size: usize, limit: usize) -> Outcome {
    let splits: Vec<usize> = match input.len().checked_div(size) {
        None => Vec::new(),
        Some(count) => (1..=count).map(|i| i * size).collect(),
    };
    decode_at(input, &splits, limit).0
}

/// The chunkings every vector is checked under (0 means whole).
pub const CHUNK_SIZES: [usize; 6] = [0, 1, 2, 3, 7, 64];

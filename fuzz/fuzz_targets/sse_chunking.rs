//! Fuzz target: the SSE decoder under arbitrary bytes and arbitrary chunk boundaries.
//!
//! Input layout: byte 0 = number of cut points (mod 16); then two bytes (little endian) per
//! cut point, taken modulo `body.len() + 1`; the rest is the body. Checked:
//! - no panic;
//! - the split decoding yields exactly the items, end-of-stream result, last event id and
//!   reconnection time of the one-shot decoding, and scans every byte exactly once;
//! - memory held never exceeds the 4 KiB limit after a drained feed, nor the limit plus the
//!   largest chunk when feeds are dropped undrained (their unread bytes are kept, not lost).
#![no_main]

use codex_api_core::sse::{SseDecoder, SseError};
use libfuzzer_sys::fuzz_target;

const LIMIT: usize = 4096;

#[derive(Debug, PartialEq, Eq)]
enum Item {
    Frame(Option<String>, String, Option<String>),
    Error(SseError),
}

#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    items: Vec<Item>,
    discarded: bool,
    last_event_id: String,
    retry: Option<u64>,
    bytes_scanned: u64,
}

/// Decodes `body` cut at `cuts`. With `drop_early`, every other feed is dropped after at most
/// one item (the next feed must pick up its rest).
fn decode(body: &[u8], cuts: &[usize], drop_early: bool) -> Outcome {
    let mut decoder = SseDecoder::with_max_event_size(LIMIT);
    let mut items = Vec::new();
    let mut start = 0;
    let mut largest_chunk = 0;
    for (index, end) in cuts.iter().copied().chain([body.len()]).enumerate() {
        let chunk = &body[start..end];
        largest_chunk = largest_chunk.max(chunk.len());
        let partial = drop_early && index % 2 == 1;
        let mut feed = decoder.feed(chunk);
        while let Some(item) = feed.next_frame() {
            items.push(match item {
                Ok(frame) => Item::Frame(
                    frame.event().map(str::to_owned),
                    frame.data().to_owned(),
                    frame.id().map(str::to_owned),
                ),
                Err(error) => Item::Error(error),
            });
            if partial {
                break;
            }
        }
        drop(feed);
        let held = decoder.stats().memory_held;
        if drop_early {
            assert!(held <= LIMIT + largest_chunk, "held {held}");
        } else {
            assert!(held <= LIMIT, "held {held}");
        }
        start = end;
    }
    // Drain what an early-dropped last feed kept.
    let mut feed = decoder.feed(&[]);
    while let Some(item) = feed.next_frame() {
        items.push(match item {
            Ok(frame) => Item::Frame(
                frame.event().map(str::to_owned),
                frame.data().to_owned(),
                frame.id().map(str::to_owned),
            ),
            Err(error) => Item::Error(error),
        });
    }
    drop(feed);
    let last_event_id = decoder.last_event_id().to_owned();
    let retry = decoder.reconnection_time_ms();
    let bytes_scanned = decoder.stats().bytes_scanned;
    let discarded = decoder.finish().discarded_incomplete_event;
    for item in &items {
        if let Item::Frame(event, data, id) = item {
            let size = data.len() + event.as_ref().map_or(0, String::len);
            assert!(size + id.as_ref().map_or(0, String::len) <= LIMIT);
        }
    }
    Outcome {
        items,
        discarded,
        last_event_id,
        retry,
        bytes_scanned,
    }
}

fuzz_target!(|input: &[u8]| {
    let Some((&count, rest)) = input.split_first() else {
        return;
    };
    let count = usize::from(count % 16);
    let Some(positions) = rest.get(..count * 2) else {
        return;
    };
    let body = &rest[count * 2..];
    let mut cuts: Vec<usize> = positions
        .chunks_exact(2)
        .map(|pair| usize::from(u16::from_le_bytes([pair[0], pair[1]])) % (body.len() + 1))
        .collect();
    cuts.sort_unstable();

    let whole = decode(body, &[], false);
    assert_eq!(whole.bytes_scanned, body.len() as u64);
    let split = decode(body, &cuts, false);
    assert_eq!(split, whole);
    let dropped = decode(body, &cuts, true);
    assert_eq!(dropped, whole);
    if body.len() <= 512 {
        let bytewise: Vec<usize> = (1..body.len()).collect();
        assert_eq!(decode(body, &bytewise, false), whole);
    }
});

//! The decoders under comparison, each driven over the same pre-split chunks.
//!
//! Every decoder receives the same chunks and touches each event's data length; each returns a
//! [`Tally`] that the harness compares across decoders before timing anything. Every decoder
//! borrows the chunks (`&[u8]`): the Stream-based peers get a `futures::stream::iter` of
//! `Ok(&[u8])`, which both accept, so none pays for a reference count per chunk (about 15 ns
//! per chunk here, which would dominate 1-byte chunks). The chunks are cut from one body as
//! they are fed (`body.chunks(size)`), not read from a pre-split array: at 1-byte chunks such
//! an array holds a 16- to 32-byte handle per byte of body, and loading those handles from
//! memory took about half of every decoder's time, hiding the decoders' own differences.

use std::convert::Infallible;
use std::hint::black_box;
use std::pin::pin;

use std::slice::Chunks;

use codex_api_core::sse::SseDecoder;
use eventsource_stream::Eventsource;
use futures::StreamExt;
use futures::executor::block_on;

/// What a decoder produced: counts and a cheap checksum of the payloads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Events (for the line-scan ceiling: lines).
    pub events: u64,
    /// Sum of the data lengths of all events.
    pub data_bytes: u64,
    /// Events that carried an event type.
    pub named: u64,
    /// Errors the decoder reported.
    pub errors: u64,
}

impl Tally {
    fn add(&mut self, data_len: usize, named: bool) {
        self.events += 1;
        self.data_bytes += black_box(data_len) as u64;
        self.named += u64::from(named);
    }
}

/// One contender.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decoder {
    Ours,
    SseStream,
    EventsourceStream,
    LineScan,
}

impl Decoder {
    pub const ALL: [Decoder; 4] = [
        Decoder::Ours,
        Decoder::SseStream,
        Decoder::EventsourceStream,
        Decoder::LineScan,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Decoder::Ours => "ours (codex-api-core SseDecoder)",
            Decoder::SseStream => "sse-stream 0.3.0 (SseByteStream)",
            Decoder::EventsourceStream => "eventsource-stream 0.2.3",
            Decoder::LineScan => "memchr2 line scan (ceiling)",
        }
    }

    /// Decodes `body` fed in chunks of `size` bytes (the last may be shorter).
    pub fn run(self, body: &[u8], size: usize) -> Tally {
        let chunks = body.chunks(size.max(1));
        match self {
            Decoder::Ours => ours(chunks),
            Decoder::SseStream => sse_stream(chunks),
            Decoder::EventsourceStream => eventsource_stream(chunks),
            Decoder::LineScan => line_scan(chunks),
        }
    }
}

fn ours(chunks: Chunks<'_, u8>) -> Tally {
    let mut tally = Tally::default();
    let mut decoder = SseDecoder::new();
    for chunk in chunks {
        let mut feed = decoder.feed(chunk);
        while let Some(item) = feed.next_frame() {
            match item {
                Ok(frame) => tally.add(frame.data().len(), frame.event().is_some()),
                Err(_) => tally.errors += 1,
            }
        }
    }
    black_box(decoder.finish());
    tally
}

/// The chunks as a stream of borrowed slices: both peers accept them (`AsRef<[u8]>` for
/// eventsource-stream, `Buf` for sse-stream), so no decoder pays for owning its input.
fn byte_stream(chunks: Chunks<'_, u8>) -> impl futures::Stream<Item = Result<&[u8], Infallible>> {
    futures::stream::iter(chunks.map(Ok::<&[u8], Infallible>))
}

fn sse_stream(chunks: Chunks<'_, u8>) -> Tally {
    block_on(async {
        let mut tally = Tally::default();
        let mut events = pin!(sse_stream::SseByteStream::new(byte_stream(chunks)));
        while let Some(item) = events.next().await {
            match item {
                Ok(sse) => tally.add(
                    sse.data.as_ref().map_or(0, String::len),
                    sse.event.is_some(),
                ),
                Err(_) => tally.errors += 1,
            }
        }
        tally
    })
}

fn eventsource_stream(chunks: Chunks<'_, u8>) -> Tally {
    block_on(async {
        let mut tally = Tally::default();
        let mut events = pin!(byte_stream(chunks).eventsource());
        while let Some(item) = events.next().await {
            match item {
                Ok(event) => tally.add(event.data.len(), !event.event.is_empty()),
                Err(_) => tally.errors += 1,
            }
        }
        tally
    })
}

/// The ceiling: find every CR or LF and count them as lines; no parsing at all.
fn line_scan(chunks: Chunks<'_, u8>) -> Tally {
    let mut tally = Tally::default();
    for chunk in chunks {
        tally.events += memchr::memchr2_iter(b'\r', b'\n', chunk).count() as u64;
    }
    tally
}

/// How each decoder treats a body that starts with a BOM (the spec says: strip it).
pub fn bom_note() -> Vec<(Decoder, String)> {
    let body = b"\xEF\xBB\xBFdata: x\n\n";
    let describe = |tally: Tally| format!("{} event(s), {} error(s)", tally.events, tally.errors);
    let quiet = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let notes = [
        Decoder::Ours,
        Decoder::SseStream,
        Decoder::EventsourceStream,
    ]
    .into_iter()
    .map(|decoder| {
        let outcome = std::panic::catch_unwind(|| decoder.run(body, body.len()));
        let text = match outcome {
            Ok(tally) => describe(tally),
            Err(payload) => {
                let message = payload
                    .downcast_ref::<String>()
                    .map(String::as_str)
                    .or_else(|| payload.downcast_ref::<&str>().copied())
                    .unwrap_or("(no message)");
                format!(
                    "PANICS: {}",
                    message.replace('\u{feff}', "<BOM>").replace('\n', "\\n")
                )
            }
        };
        (decoder, text)
    })
    .collect();
    std::panic::set_hook(quiet);
    notes
}

#[cfg(test)]
mod tests {
    use super::{Decoder, bom_note};
    use crate::corpus;

    #[test]
    fn every_decoder_agrees_on_the_corpus_at_any_chunking() {
        let body = corpus::generate(corpus::DEFAULT_SEED, 150_000);
        let frames = corpus::shape(&body).frames as u64;
        for size in [1, 7, 4096, 65536] {
            let reference = Decoder::Ours.run(&body, size);
            assert_eq!(reference.events, frames, "chunks of {size}");
            assert_eq!(reference.errors, 0);
            assert_eq!(
                Decoder::SseStream.run(&body, size),
                reference,
                "sse-stream, chunks of {size}"
            );
            if size > 1 {
                assert_eq!(
                    Decoder::EventsourceStream.run(&body, size),
                    reference,
                    "chunks of {size}"
                );
            }
        }
    }

    #[test]
    fn corpus_is_deterministic_and_valid_utf8() {
        let first = corpus::generate(corpus::DEFAULT_SEED, 100_000);
        assert_eq!(first, corpus::generate(corpus::DEFAULT_SEED, 100_000));
        assert_ne!(first, corpus::generate(1, 100_000));
        assert!(std::str::from_utf8(&first).is_ok());
        assert!(!first.starts_with(b"\xEF\xBB\xBF"));
    }

    #[test]
    fn bom_note_reports_the_eventsource_stream_panic() {
        let notes = bom_note();
        assert_eq!(notes[0].1, "1 event(s), 0 error(s)");
        assert!(notes[2].1.starts_with("PANICS"), "{}", notes[2].1);
    }
}

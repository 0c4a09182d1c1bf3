//! `StreamEvent::parse`: one sample of every published event type, both error shapes, Codex's
//! minimal events, unknown events and malformed input.

use codex_api_core::wire::{
    ContentPart, KNOWN_EVENT_TYPES, ReasoningSummaryPart, ResponseItem, ResponseStatus,
    StreamEvent, StreamEventError,
};
use serde_json::Value;

const SAMPLES: &str = include_str!("fixtures/wire/stream_events.jsonl");

/// The members of the published `ResponseStreamEvent` union (58), written out by hand.
const PUBLISHED_TYPES: [&str; 58] = [
    "response.audio.delta",
    "response.audio.done",
    "response.audio.transcript.delta",
    "response.audio.transcript.done",
    "response.code_interpreter_call_code.delta",
    "response.code_interpreter_call_code.done",
    "response.code_interpreter_call.completed",
    "response.code_interpreter_call.in_progress",
    "response.code_interpreter_call.interpreting",
    "response.completed",
    "response.content_part.added",
    "response.content_part.done",
    "response.created",
    "error",
    "response.file_search_call.completed",
    "response.file_search_call.in_progress",
    "response.file_search_call.searching",
    "response.function_call_arguments.delta",
    "response.function_call_arguments.done",
    "response.shell_call_command.added",
    "response.shell_call_command.delta",
    "response.shell_call_command.done",
    "response.shell_call_output_content.delta",
    "response.shell_call_output_content.done",
    "response.in_progress",
    "response.failed",
    "response.incomplete",
    "response.output_item.added",
    "response.output_item.done",
    "response.reasoning_summary_part.added",
    "response.reasoning_summary_part.done",
    "response.reasoning_summary_text.delta",
    "response.reasoning_summary_text.done",
    "response.reasoning_text.delta",
    "response.reasoning_text.done",
    "response.refusal.delta",
    "response.refusal.done",
    "response.output_text.delta",
    "response.output_text.done",
    "response.web_search_call.completed",
    "response.web_search_call.in_progress",
    "response.web_search_call.searching",
    "response.image_generation_call.completed",
    "response.image_generation_call.generating",
    "response.image_generation_call.in_progress",
    "response.image_generation_call.partial_image",
    "response.mcp_call_arguments.delta",
    "response.mcp_call_arguments.done",
    "response.mcp_call.completed",
    "response.mcp_call.failed",
    "response.mcp_call.in_progress",
    "response.mcp_list_tools.completed",
    "response.mcp_list_tools.failed",
    "response.mcp_list_tools.in_progress",
    "response.output_text.annotation.added",
    "response.queued",
    "response.custom_tool_call_input.delta",
    "response.custom_tool_call_input.done",
];

fn samples() -> Vec<&'static str> {
    SAMPLES
        .lines()
        .filter(|line| !line.trim().is_empty())
        .collect()
}

fn parse(data: &str) -> StreamEvent {
    StreamEvent::parse(None, data).unwrap_or_else(|e| panic!("{e}: {data}"))
}

#[test]
fn every_sample_parses_into_its_typed_variant() {
    let samples = samples();
    assert_eq!(samples.len(), PUBLISHED_TYPES.len());
    let mut seen = Vec::new();
    for data in samples {
        let json: Value = serde_json::from_str(data).unwrap();
        let kind = json["type"].as_str().unwrap();
        let event = parse(data);
        assert!(
            !matches!(event, StreamEvent::Other { .. }),
            "{kind} fell back to Other"
        );
        assert_eq!(event.kind(), kind);
        assert_eq!(
            event.sequence_number(),
            json["sequence_number"].as_u64(),
            "{kind}"
        );
        // With the SSE event name too.
        assert_eq!(StreamEvent::parse(Some(kind), data).unwrap(), event);
        // Encoding and decoding again gives the same event.
        let encoded = serde_json::to_string(&event).unwrap();
        assert!(
            encoded.starts_with(&format!(r#"{{"type":"{kind}""#)),
            "{encoded}"
        );
        assert_eq!(parse(&encoded), event, "{kind}");
        seen.push(kind.to_owned());
    }
    seen.sort();
    let mut published: Vec<String> = PUBLISHED_TYPES.iter().map(|s| s.to_string()).collect();
    published.sort();
    assert_eq!(
        seen, published,
        "the fixture covers exactly the published union"
    );
}

#[test]
fn every_published_type_has_a_typed_variant() {
    let mut known: Vec<&str> = KNOWN_EVENT_TYPES.to_vec();
    known.sort_unstable();
    let mut published = PUBLISHED_TYPES.to_vec();
    published.sort_unstable();
    assert_eq!(known, published);
}

#[test]
fn codex_critical_events_are_exact() {
    let e = parse(
        r#"{"type":"response.output_text.delta","item_id":"msg_1","output_index":2,"content_index":1,"delta":"Hel","logprobs":[{"token":"Hel","logprob":-0.1}],"sequence_number":9,"obfuscation":"zz"}"#,
    );
    let StreamEvent::OutputTextDelta(d) = e else {
        panic!()
    };
    assert_eq!(
        (d.item_id.as_str(), d.output_index, d.content_index),
        ("msg_1", 2, 1)
    );
    assert_eq!(d.delta, "Hel");
    assert_eq!(d.logprobs.as_ref().map(Vec::len), Some(1));

    let StreamEvent::ReasoningSummaryTextDelta(d) = parse(
        r#"{"type":"response.reasoning_summary_text.delta","item_id":"rs","output_index":0,"summary_index":3,"delta":"**x**"}"#,
    ) else {
        panic!()
    };
    assert_eq!((d.summary_index, d.delta.as_str()), (3, "**x**"));

    let StreamEvent::ReasoningSummaryPartAdded(p) = parse(
        r#"{"type":"response.reasoning_summary_part.added","item_id":"rs","output_index":0,"summary_index":1,"part":{"type":"summary_text","text":""}}"#,
    ) else {
        panic!()
    };
    assert_eq!(p.summary_index, 1);
    assert!(matches!(p.part, Some(ReasoningSummaryPart::SummaryText(_))));

    let StreamEvent::ReasoningTextDelta(d) = parse(
        r#"{"type":"response.reasoning_text.delta","item_id":"rs","output_index":0,"content_index":4,"delta":"t"}"#,
    ) else {
        panic!()
    };
    assert_eq!(d.content_index, 4);

    let StreamEvent::FunctionCallArgumentsDone(d) = parse(
        r#"{"type":"response.function_call_arguments.done","item_id":"fc","output_index":1,"name":"shell","arguments":"{\"a\":1}"}"#,
    ) else {
        panic!()
    };
    assert_eq!(
        (d.name.as_deref(), d.arguments.as_str()),
        (Some("shell"), r#"{"a":1}"#)
    );

    let StreamEvent::CustomToolCallInputDone(d) = parse(
        r#"{"type":"response.custom_tool_call_input.done","item_id":"ctc","output_index":0,"input":"*** Begin Patch"}"#,
    ) else {
        panic!()
    };
    assert_eq!(d.input, "*** Begin Patch");

    let StreamEvent::OutputItemDone(d) = parse(
        r#"{"type":"response.output_item.done","output_index":0,"item":{"type":"custom_tool_call","call_id":"c","name":"apply_patch","input":"x"}}"#,
    ) else {
        panic!()
    };
    assert!(matches!(d.item, ResponseItem::CustomToolCall(ref c) if c.name == "apply_patch"));

    let StreamEvent::Completed(c) = parse(
        r#"{"type":"response.completed","response":{"id":"resp_1","status":"completed","output":[],"usage":{"input_tokens":5,"input_tokens_details":{"cached_tokens":2},"output_tokens":3,"output_tokens_details":{"reasoning_tokens":1},"total_tokens":8}}}"#,
    ) else {
        panic!()
    };
    assert_eq!(c.response.id, "resp_1");
    assert_eq!(c.response.status, Some(ResponseStatus::Completed));
    let usage = c.response.usage.unwrap();
    assert_eq!(
        (
            usage.cached_tokens(),
            usage.reasoning_tokens(),
            usage.total_tokens
        ),
        (2, 1, 8)
    );

    let StreamEvent::Failed(f) = parse(
        r#"{"type":"response.failed","response":{"id":"r","status":"failed","error":{"code":"context_length_exceeded","message":"too long"}}}"#,
    ) else {
        panic!()
    };
    let error = f.response.error.unwrap();
    assert_eq!(error.code.as_deref(), Some("context_length_exceeded"));

    let StreamEvent::Incomplete(i) = parse(
        r#"{"type":"response.incomplete","response":{"id":"r","status":"incomplete","incomplete_details":{"reason":"max_output_tokens"}}}"#,
    ) else {
        panic!()
    };
    assert_eq!(
        i.response.incomplete_details.unwrap().reason.as_deref(),
        Some("max_output_tokens")
    );

    let StreamEvent::ContentPartAdded(p) = parse(
        r#"{"type":"response.content_part.added","item_id":"m","output_index":0,"content_index":0,"part":{"type":"output_text","text":"","annotations":[]}}"#,
    ) else {
        panic!()
    };
    assert!(matches!(p.part, ContentPart::OutputText(_)));
}

#[test]
fn codex_minimal_events_parse() {
    // Codex's own test servers send only the members it reads.
    for data in [
        r#"{"type":"response.created","response":{}}"#,
        r#"{"type":"response.output_text.delta","delta":"hi"}"#,
        r#"{"type":"response.reasoning_summary_part.added","summary_index":0}"#,
        r#"{"type":"response.completed","response":{"id":"resp_1"}}"#,
    ] {
        assert!(!matches!(parse(data), StreamEvent::Other { .. }), "{data}");
    }
}

#[test]
fn both_error_shapes_decode_into_one_variant() {
    let StreamEvent::Error(flat) = parse(
        r#"{"type":"error","code":"ERR_SOMETHING","message":"Something went wrong","param":null,"sequence_number":1}"#,
    ) else {
        panic!()
    };
    assert_eq!(flat.code.as_deref(), Some("ERR_SOMETHING"));
    assert_eq!(flat.message, "Something went wrong");
    assert_eq!(flat.error_type, None);
    assert_eq!(flat.sequence_number, Some(1));

    let StreamEvent::Error(nested) = parse(
        r#"{"type":"error","error":{"type":"invalid_request_error","code":"previous_response_not_found","message":"Previous response not found.","param":"previous_response_id"},"status":400}"#,
    ) else {
        panic!()
    };
    assert_eq!(nested.error_type.as_deref(), Some("invalid_request_error"));
    assert_eq!(nested.code.as_deref(), Some("previous_response_not_found"));
    assert_eq!(nested.message, "Previous response not found.");
    assert_eq!(nested.param.as_deref(), Some("previous_response_id"));

    // Both shapes survive an encode/decode round trip.
    for event in [StreamEvent::Error(flat), StreamEvent::Error(nested)] {
        let text = serde_json::to_string(&event).unwrap();
        assert_eq!(parse(&text), event);
    }
}

#[test]
fn unknown_events_are_kept_raw() {
    let data = r#"{"type":"codex.rate_limits", "plan_type":"plus","rate_limits":{"primary":{"used_percent":42.0}}}"#;
    let event = parse(data);
    let StreamEvent::Other { kind, raw } = &event else {
        panic!()
    };
    assert_eq!(kind, "codex.rate_limits");
    assert_eq!(raw.get(), data);
    assert_eq!(event.kind(), "codex.rate_limits");
    assert_eq!(event.sequence_number(), None);
    assert_eq!(serde_json::to_string(&event).unwrap(), data);
}

#[test]
fn event_name_is_a_fallback_for_a_missing_type() {
    let event = StreamEvent::parse(Some("response.output_text.delta"), r#"{"delta":"x"}"#).unwrap();
    assert!(matches!(event, StreamEvent::OutputTextDelta(ref d) if d.delta == "x"));
    let event = StreamEvent::parse(Some("keepalive"), "{}").unwrap();
    assert_eq!(event.kind(), "keepalive");
    // The data's type wins over the event name.
    let event = StreamEvent::parse(
        Some("response.output_text.delta"),
        r#"{"type":"response.refusal.delta","delta":"no"}"#,
    )
    .unwrap();
    assert!(matches!(event, StreamEvent::RefusalDelta(_)));
}

#[test]
fn unknown_members_are_ignored() {
    let event = parse(
        r#"{"type":"response.function_call_arguments.delta","future":[1,{"a":null}],"item_id":"i","output_index":0,"delta":"{","obfuscation":"q","sequence_number":3}"#,
    );
    let StreamEvent::FunctionCallArgumentsDelta(d) = event else {
        panic!()
    };
    assert_eq!((d.delta.as_str(), d.sequence_number), ("{", Some(3)));
}

#[test]
fn bad_input_gives_typed_errors() {
    let malformed = [
        "",
        "{",
        "not json",
        r#"{"type":"response.output_text.delta","delta":"x""#,
        r#"{"type":"codex.rate_limits","x":}"#,
        r#"{"type":5}"#,
        "[1,2]",
        r#""response.completed""#,
    ];
    for data in malformed {
        let error = StreamEvent::parse(None, data).unwrap_err();
        assert!(
            matches!(
                error,
                StreamEventError::MalformedJson { .. } | StreamEventError::InvalidEvent { .. }
            ),
            "{data}: {error:?}"
        );
    }
    assert_eq!(
        StreamEvent::parse(None, "{}"),
        Err(StreamEventError::MissingType)
    );
    assert_eq!(
        StreamEvent::parse(Some(""), r#"{"a":1}"#),
        Err(StreamEventError::MissingType)
    );

    let error =
        StreamEvent::parse(None, r#"{"type":"response.output_text.delta","delta":5}"#).unwrap_err();
    assert!(
        matches!(error, StreamEventError::InvalidEvent { ref kind, .. } if kind == "response.output_text.delta")
    );
    let error = StreamEvent::parse(None, r#"{"type":"response.completed"}"#).unwrap_err();
    assert!(matches!(error, StreamEventError::InvalidEvent { .. }));
}

#[test]
fn error_messages_are_truncated() {
    let long = "x".repeat(10_000);
    let data =
        format!(r#"{{"type":"response.output_text.delta","output_index":"{long}","delta":"d"}}"#);
    let error = StreamEvent::parse(None, &data).unwrap_err();
    assert!(matches!(error, StreamEventError::InvalidEvent { .. }));
    assert!(error.to_string().len() < 400, "{error}");
}

#[test]
fn encoding_reproduces_the_published_samples_byte_for_byte() {
    // Every member is kept, typed or not, in its place: the compact form of each published
    // sample (lifecycle events with their whole `Response` included) re-encodes to itself. The
    // one exception: a `Response` without its required `output` gets `"output":[]`.
    for data in samples() {
        let compact = serde_json::to_string(&serde_json::from_str::<Value>(data).unwrap()).unwrap();
        let mut encoded = serde_json::to_string(&parse(&compact)).unwrap();
        if !compact.contains(r#""output":"#) {
            encoded = encoded.replace(r#","output":[]"#, "");
        }
        assert_eq!(encoded, compact);
    }
}

#[test]
fn events_stay_lean() {
    // Lifecycle events box their `Response`, so the enum stays small: the widest variants are
    // the text deltas, whose inline `ItemId` (72 bytes), inline `obfuscation` (32) and `Extra`
    // (16, with the order of up to 14 members inline) spare them an allocation each per delta.
    let size = std::mem::size_of::<StreamEvent>();
    assert!(size <= 200, "StreamEvent is {size} bytes");
}

#[test]
fn an_unknown_event_keeps_its_sequence_number() {
    use codex_api_core::wire::StreamEvent;
    let event = StreamEvent::parse(
        None,
        r#"{"type":"response.brand_new.delta","sequence_number":7,"x":1}"#,
    )
    .unwrap();
    assert!(matches!(event, StreamEvent::Other { .. }));
    assert_eq!(event.sequence_number(), Some(7));
    let unsequenced = StreamEvent::parse(None, r#"{"type":"codex.whatever"}"#).unwrap();
    assert_eq!(unsequenced.sequence_number(), None);
}

/// Fuzz finding (`fuzz/regressions/stream_interpreter/nested-error-sequence-number-first`): a
/// nested `error` event whose `sequence_number` came before `error` was re-encoded with the
/// two swapped, because the decoder's canonical member order (which records nothing) differed
/// from the order the encoder writes.
#[test]
fn nested_error_events_keep_their_member_order() {
    for text in [
        r#"{"type":"error","sequence_number":5,"error":{"type":"invalid_request_error","code":"c","message":"m","param":"p"}}"#,
        r#"{"type":"error","error":{"type":"invalid_request_error","code":"c","message":"m","param":"p"},"sequence_number":5}"#,
        r#"{"type":"error","sequence_number":5,"code":"c","message":"m","param":"p"}"#,
        r#"{"type":"error","code":"c","message":"m","param":"p","sequence_number":5}"#,
    ] {
        let event = codex_api_core::wire::StreamEvent::parse(Some("error"), text).unwrap();
        assert_eq!(serde_json::to_string(&event).unwrap(), text);
    }
}

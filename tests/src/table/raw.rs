//! The raw view (`EventStream::into_raw`): header facts, every decoded event including unknown
//! ones, the `[DONE]` sentinel; and the stream's own state once drained.

use codex_api_core::request::ResponsesOptions;
use codex_api_core::stream::{MetaEvent, StreamItem};
use codex_api_core::wire::StreamEvent;
use codex_api_testkit::{Body, RateLimitWindow, Script, ScriptedResponse, Transcript};
use serde_json::json;

use super::request;
use crate::observation::{Observation, Outcome};
use crate::scenario::{CallSpec, Scenario};

fn raw(name: &'static str, script: Script, expect: fn(&Observation)) -> Scenario {
    Scenario::new(
        name,
        script,
        CallSpec::RawStream(Box::new(request()), ResponsesOptions::new()),
        expect,
    )
}

/// The raw-view scenarios.
pub fn scenarios() -> Vec<Scenario> {
    vec![
        raw(
            "raw_view_head_facts_and_unknown_events",
            Script::new().then(
                ScriptedResponse::sse(
                    Transcript::new()
                        .created()
                        .event("response.some_future_event", json!({"payload": 1}))
                        .rate_limits(Some(RateLimitWindow::new(40.0, 300, 1_700_003_600)), None)
                        .message(&["ok"])
                        .completed(),
                )
                .request_id("req_raw")
                .openai_model("gpt-test-2025")
                .header("x-codex-turn-state", "turn-7"),
            ),
            |o| {
                assert_eq!(o.outcome, Outcome::StreamEnded);
                assert!(o.events.is_empty(), "the raw view only");
                assert!(
                    o.raw
                        .contains(&StreamItem::Meta(MetaEvent::ServerModel("gpt-test-2025".into()))),
                    "{:#?}",
                    o.raw
                );
                assert!(matches!(
                    o.raw.last(),
                    Some(StreamItem::Event(StreamEvent::Completed(_)))
                ));
                // Every event, the unknown one included, in order.
                let kinds: Vec<&str> = o
                    .raw
                    .iter()
                    .filter_map(|item| match item {
                        StreamItem::Event(event) => Some(event.kind()),
                        _ => None,
                    })
                    .collect();
                assert_eq!(kinds.first(), Some(&"response.created"), "{kinds:?}");
                assert_eq!(kinds[1], "response.some_future_event", "{kinds:?}");
                assert!(kinds.contains(&"response.output_text.delta"), "{kinds:?}");
                let facts = o.stream.as_ref().expect("stream facts");
                assert_eq!(facts.request_id.as_deref(), Some("req_raw"));
                assert_eq!(facts.turn_state.as_deref(), Some("turn-7"));
                assert_eq!(facts.server_model.as_deref(), Some("gpt-test-2025"));
                assert_eq!(facts.stats.unknown_events, 1, "{facts:#?}");
            },
        ),
        raw(
            "raw_view_done_sentinel",
            Script::new().then(ScriptedResponse::sse(
                Body::chunked()
                    .bytes(Transcript::new().created().message(&["Hello"]).to_bytes())
                    .bytes("data: [DONE]\n\n"),
            )),
            |o| {
                assert_eq!(o.outcome, Outcome::StreamEnded);
                assert_eq!(o.raw.last(), Some(&StreamItem::Done));
                let facts = o.stream.as_ref().expect("stream facts");
                assert!(facts.done_sentinel_seen);
            },
        ),
        raw(
            "raw_view_sequence_gap_and_malformed_event",
            Script::new().then(ScriptedResponse::sse(
                Transcript::new()
                    .created()
                    .raw("event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\n\n")
                    .raw(format!(
                        "event: response.in_progress\ndata: {}\n\n",
                        json!({
                            "type": "response.in_progress",
                            "sequence_number": 9,
                            "response": Transcript::new().response_object("in_progress"),
                        })
                    ))
                    .message(&["ok"])
                    .completed(),
            )),
            |o| {
                let facts = o.stream.as_ref().expect("stream facts");
                assert_eq!(facts.stats.malformed_events, 1, "{facts:#?}");
                assert!(facts.stats.sequence_gaps >= 1, "{facts:#?}");
            },
        ),
    ]
}

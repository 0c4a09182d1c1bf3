//! Transcript shapes (parsed back from the SSE text) and the canned JSON responses and header
//! presets as they arrive on the wire.

mod common;

use codex_api_testkit::{
    FunctionCall, LineEnding, RateLimitHeaders, RateLimitWindow, Script, ScriptedResponse,
    TestServer, Transcript, Usage,
};
use common::Client;
use serde_json::{Value, json};

/// `(event name, data JSON)` per frame of an LF-terminated SSE text.
fn parse(transcript: &Transcript) -> Vec<(String, Value)> {
    let text = String::from_utf8(transcript.to_bytes()).unwrap();
    assert!(text.ends_with("\n\n"));
    text.trim_end_matches('\n')
        .split("\n\n")
        .map(|frame| {
            let mut lines = frame.lines();
            let event = lines.next().unwrap().strip_prefix("event: ").unwrap();
            let data = lines.next().unwrap().strip_prefix("data: ").unwrap();
            assert!(lines.next().is_none(), "one data line per frame");
            let value: Value = serde_json::from_str(data).unwrap();
            assert_eq!(value["type"], event, "type matches the event name");
            (event.to_string(), value)
        })
        .collect()
}

fn names(events: &[(String, Value)]) -> Vec<&str> {
    events.iter().map(|(name, _)| name.as_str()).collect()
}

fn assert_sequence_numbers_count_up(events: &[(String, Value)]) {
    let numbers: Vec<u64> = events
        .iter()
        .filter_map(|(_, v)| v.get("sequence_number").and_then(Value::as_u64))
        .collect();
    let expected: Vec<u64> = (0..numbers.len() as u64).collect();
    assert_eq!(numbers, expected);
}

#[test]
fn text_message_streams_deltas_and_completes_with_usage() {
    let transcript = Transcript::new()
        .response_id("resp_1")
        .model("gpt-x")
        .created()
        .in_progress()
        .message(&["Hel", "lo", "!"])
        .completed_with_usage(Usage {
            input_tokens: 10,
            cached_tokens: 4,
            output_tokens: 3,
            reasoning_tokens: 1,
        });
    let events = parse(&transcript);
    assert_eq!(
        names(&events),
        [
            "response.created",
            "response.in_progress",
            "response.output_item.added",
            "response.content_part.added",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_text.done",
            "response.content_part.done",
            "response.output_item.done",
            "response.completed",
        ]
    );
    assert_sequence_numbers_count_up(&events);
    assert_eq!(transcript.next_sequence_number(), 11);
    let created = &events[0].1["response"];
    assert_eq!(created["id"], "resp_1");
    assert_eq!(created["object"], "response");
    assert_eq!(created["status"], "in_progress");
    assert_eq!(created["model"], "gpt-x");
    assert_eq!(events[4].1["item_id"], "msg_0");
    assert_eq!(events[4].1["output_index"], 0);
    assert_eq!(events[4].1["content_index"], 0);
    assert_eq!(events[5].1["delta"], "lo");
    assert_eq!(events[7].1["text"], "Hello!");
    let done = &events[9].1["item"];
    assert_eq!(done["type"], "message");
    assert_eq!(done["role"], "assistant");
    assert_eq!(done["status"], "completed");
    assert_eq!(done["content"][0]["type"], "output_text");
    assert_eq!(done["content"][0]["text"], "Hello!");
    let completed = &events[10].1["response"];
    assert_eq!(completed["status"], "completed");
    assert_eq!(completed["output"][0], *done);
    assert_eq!(
        completed["usage"],
        json!({
            "input_tokens": 10,
            "input_tokens_details": {"cached_tokens": 4, "cache_write_tokens": 0},
            "output_tokens": 3,
            "output_tokens_details": {"reasoning_tokens": 1},
            "total_tokens": 13,
        })
    );
}

#[test]
fn reasoning_summary_parts_stream_their_deltas() {
    let events = parse(
        &Transcript::new()
            .reasoning(&[&["Think", "ing"], &["More"]])
            .completed(),
    );
    assert_eq!(
        names(&events),
        [
            "response.output_item.added",
            "response.reasoning_summary_part.added",
            "response.reasoning_summary_text.delta",
            "response.reasoning_summary_text.delta",
            "response.reasoning_summary_text.done",
            "response.reasoning_summary_part.done",
            "response.reasoning_summary_part.added",
            "response.reasoning_summary_text.delta",
            "response.reasoning_summary_text.done",
            "response.reasoning_summary_part.done",
            "response.output_item.done",
            "response.completed",
        ]
    );
    assert_eq!(events[0].1["item"]["type"], "reasoning");
    assert_eq!(events[3].1["delta"], "ing");
    assert_eq!(events[3].1["summary_index"], 0);
    assert_eq!(events[7].1["summary_index"], 1);
    assert_eq!(events[4].1["text"], "Thinking");
    assert_eq!(
        events[10].1["item"]["summary"],
        json!([{"type": "summary_text", "text": "Thinking"}, {"type": "summary_text", "text": "More"}])
    );
}

#[test]
fn parallel_function_calls_interleave_argument_deltas() {
    let events = parse(
        &Transcript::new()
            .message(&["Calling tools"])
            .parallel_function_calls(&[
                FunctionCall::new("shell", "call_a", &["{\"cmd\":", "\"ls\"}"]),
                FunctionCall::new("read", "call_b", &["{}"]),
            ])
            .completed(),
    );
    let calls: Vec<(&str, &Value)> = events
        .iter()
        .skip_while(|(name, _)| name != "response.output_text.done")
        .skip(3)
        .map(|(name, value)| (name.as_str(), value))
        .collect();
    let shape: Vec<(&str, &str)> = calls
        .iter()
        .map(|(name, v)| {
            (
                *name,
                v["item_id"]
                    .as_str()
                    .or(v["item"]["id"].as_str())
                    .unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        shape,
        [
            ("response.output_item.added", "fc_1"),
            ("response.output_item.added", "fc_2"),
            ("response.function_call_arguments.delta", "fc_1"),
            ("response.function_call_arguments.delta", "fc_2"),
            ("response.function_call_arguments.delta", "fc_1"),
            ("response.function_call_arguments.done", "fc_1"),
            ("response.output_item.done", "fc_1"),
            ("response.function_call_arguments.done", "fc_2"),
            ("response.output_item.done", "fc_2"),
            ("response.completed", ""),
        ]
    );
    assert_eq!(calls[5].1["arguments"], "{\"cmd\":\"ls\"}");
    assert_eq!(calls[5].1["name"], "shell");
    let item = &calls[6].1["item"];
    assert_eq!(item["type"], "function_call");
    assert_eq!(item["call_id"], "call_a");
    assert_eq!(item["arguments"], "{\"cmd\":\"ls\"}");
    assert_eq!(calls[1].1["output_index"], 2);
    let output = &calls[9].1["response"]["output"];
    assert_eq!(output.as_array().unwrap().len(), 3);
    assert_eq!(output[2]["call_id"], "call_b");
}

#[test]
fn custom_tool_call_streams_its_input() {
    let events = parse(&Transcript::new().custom_tool_call(
        "apply_patch",
        "call_p",
        &["*** Begin", " Patch"],
    ));
    assert_eq!(
        names(&events),
        [
            "response.output_item.added",
            "response.custom_tool_call_input.delta",
            "response.custom_tool_call_input.delta",
            "response.custom_tool_call_input.done",
            "response.output_item.done",
        ]
    );
    assert_eq!(events[1].1["item_id"], "ctc_0");
    assert_eq!(events[3].1["input"], "*** Begin Patch");
    assert_eq!(events[4].1["item"]["type"], "custom_tool_call");
    assert_eq!(events[4].1["item"]["name"], "apply_patch");
    assert_eq!(events[4].1["item"]["input"], "*** Begin Patch");
}

#[test]
fn terminal_failures_and_error_events() {
    let events = parse(
        &Transcript::new()
            .created()
            .failed(
                "rate_limit_exceeded",
                "Slow down. Please try again in 1.5s.",
            )
            .incomplete("max_output_tokens")
            .error(Some("server_error"), "boom", None)
            .error_nested(
                "invalid_request_error",
                Some("context_length_exceeded"),
                "too long",
            ),
    );
    let failed = &events[1].1["response"];
    assert_eq!(failed["status"], "failed");
    assert_eq!(
        failed["error"],
        json!({"code": "rate_limit_exceeded", "message": "Slow down. Please try again in 1.5s."})
    );
    let incomplete = &events[2].1["response"];
    assert_eq!(incomplete["status"], "incomplete");
    assert_eq!(
        incomplete["incomplete_details"]["reason"],
        "max_output_tokens"
    );
    assert_eq!(
        events[3].1,
        json!({"type": "error", "code": "server_error", "message": "boom", "param": null, "sequence_number": 3})
    );
    assert_eq!(
        events[4].1,
        json!({"type": "error", "sequence_number": 4, "error": {
            "type": "invalid_request_error", "code": "context_length_exceeded",
            "message": "too long", "param": null}})
    );
}

#[test]
fn codex_rate_limits_event_has_no_sequence_number() {
    let events = parse(
        &Transcript::new()
            .rate_limits(Some(RateLimitWindow::new(12.5, 300, 1_700_000_300)), None)
            .created(),
    );
    let rate_limits = &events[0].1;
    assert_eq!(rate_limits["type"], "codex.rate_limits");
    assert!(rate_limits.get("sequence_number").is_none());
    assert_eq!(
        rate_limits["rate_limits"]["primary"],
        json!({"used_percent": 12.5, "window_minutes": 300, "reset_at": 1_700_000_300})
    );
    assert_eq!(rate_limits["rate_limits"]["secondary"], Value::Null);
    assert_eq!(events[1].1["sequence_number"], 0);
}

#[test]
fn line_endings_bom_and_raw_bytes() {
    let base = Transcript::new().created().comment("hi");
    let lf = base.to_bytes();
    let crlf = base.clone().line_ending(LineEnding::CrLf).to_bytes();
    let cr = base.clone().line_ending(LineEnding::Cr).to_bytes();
    assert_eq!(
        crlf,
        String::from_utf8(lf.clone())
            .unwrap()
            .replace('\n', "\r\n")
            .into_bytes()
    );
    assert_eq!(
        cr,
        String::from_utf8(lf.clone())
            .unwrap()
            .replace('\n', "\r")
            .into_bytes()
    );
    assert!(!cr.contains(&b'\n'));
    assert!(lf.ends_with(b": hi\n"));

    let with_bom = base.clone().with_bom().to_bytes();
    assert_eq!(&with_bom[..3], b"\xEF\xBB\xBF");
    assert_eq!(&with_bom[3..], &lf[..]);

    let raw = Transcript::new()
        .raw(b"data: \xFF\xFE\r\n\n".to_vec())
        .line_ending(LineEnding::Cr);
    assert_eq!(raw.to_bytes(), b"data: \xFF\xFE\r\n\n");
}

#[test]
fn raw_bytes_reach_the_wire_verbatim() {
    let transcript = Transcript::new()
        .with_bom()
        .raw(b"data: \xC3\x28\r\r".to_vec());
    let server = TestServer::start(Script::new().then(ScriptedResponse::sse(transcript))).unwrap();
    let mut client = Client::connect(&server);
    client.request("POST", "/", &[], b"");
    client.read_head();
    assert_eq!(
        client.chunks_to_end().concat(),
        b"\xEF\xBB\xBFdata: \xC3\x28\r\r"
    );
}

fn fetch(response: ScriptedResponse) -> (common::Head, Vec<u8>) {
    let server = TestServer::start(Script::new().then(response)).unwrap();
    let mut client = Client::connect(&server);
    client.request("GET", "/", &[], b"");
    let head = client.read_head();
    let len: usize = head.header("content-length").unwrap().parse().unwrap();
    let body = client.read_up_to(len);
    (head, body)
}

fn fetch_json(response: ScriptedResponse) -> (common::Head, Value) {
    let (head, body) = fetch(response);
    assert_eq!(head.header("content-type"), Some("application/json"));
    (head, serde_json::from_slice(&body).unwrap())
}

#[test]
fn canned_json_bodies() {
    let (head, body) = fetch_json(ScriptedResponse::compaction(vec![
        json!({"type": "compaction", "encrypted_content": "abc"}),
    ]));
    assert_eq!(head.status, 200);
    assert_eq!(
        body,
        json!({"output": [{"type": "compaction", "encrypted_content": "abc"}]})
    );

    let (_, body) = fetch_json(ScriptedResponse::memories(&[("trace", "memory")]));
    assert_eq!(
        body,
        json!({"output": [{"trace_summary": "trace", "memory_summary": "memory"}]})
    );

    let (head, body) = fetch_json(ScriptedResponse::models(
        vec![json!({"slug": "gpt-test"})],
        "\"v1\"",
    ));
    assert_eq!(head.header("etag"), Some("\"v1\""));
    assert_eq!(body, json!({"models": [{"slug": "gpt-test"}]}));

    let (head, body) = fetch_json(ScriptedResponse::api_error(
        429,
        "Rate limit reached",
        "requests",
        None,
        Some("rate_limit_exceeded"),
    ));
    assert_eq!(head.status, 429);
    assert_eq!(
        body,
        json!({"error": {"message": "Rate limit reached", "type": "requests", "param": null, "code": "rate_limit_exceeded"}})
    );
}

#[test]
fn header_presets() {
    let (head, _) = fetch(
        ScriptedResponse::new(429)
            .request_id("req_9")
            .retry_after("2")
            .retry_after_ms(1500)
            .models_etag("etag-1")
            .openai_model("gpt-5")
            .rate_limit_headers(&RateLimitHeaders {
                limit_requests: 100,
                remaining_requests: 0,
                reset_requests: "1s".into(),
                limit_tokens: 1000,
                remaining_tokens: 10,
                reset_tokens: "6m0s".into(),
            })
            .codex_rate_limit_headers(
                RateLimitWindow::new(80.0, 300, 1_700_000_000),
                Some(RateLimitWindow::new(5.5, 10080, 1_700_600_000)),
            ),
    );
    assert_eq!(head.status, 429);
    let expect = [
        ("x-request-id", "req_9"),
        ("retry-after", "2"),
        ("retry-after-ms", "1500"),
        ("x-models-etag", "etag-1"),
        ("openai-model", "gpt-5"),
        ("x-ratelimit-limit-requests", "100"),
        ("x-ratelimit-remaining-requests", "0"),
        ("x-ratelimit-reset-requests", "1s"),
        ("x-ratelimit-limit-tokens", "1000"),
        ("x-ratelimit-remaining-tokens", "10"),
        ("x-ratelimit-reset-tokens", "6m0s"),
        ("x-codex-primary-used-percent", "80"),
        ("x-codex-primary-window-minutes", "300"),
        ("x-codex-primary-reset-at", "1700000000"),
        ("x-codex-secondary-used-percent", "5.5"),
        ("x-codex-secondary-window-minutes", "10080"),
        ("x-codex-secondary-reset-at", "1700600000"),
    ];
    for (name, value) in expect {
        assert_eq!(head.header(name), Some(value), "{name}");
    }
}

#[test]
fn custom_reason_and_lying_content_length() {
    let server = TestServer::start(
        Script::new().then(
            ScriptedResponse::text(503, "short")
                .reason("Overloaded")
                .header("Content-Length", "50"),
        ),
    )
    .unwrap();
    let mut client = Client::connect(&server);
    client.request("GET", "/", &[("Connection", "close")], b"");
    let head = client.read_head();
    assert_eq!(head.status, 503);
    assert_eq!(head.header("content-length"), Some("50"));
    assert_eq!(
        head.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("content-length"))
            .count(),
        1
    );
    assert_eq!(client.read_to_end(), b"short");
}

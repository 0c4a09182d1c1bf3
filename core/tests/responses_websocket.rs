//! Responses over WebSocket, decided in the core: messages, chaining, warm-up, trace
//! context, connection age, turn-failure decisions and wrapped errors.

use std::time::{Duration, Instant};

use codex_api_core::error::ApiError;
use codex_api_core::provider::Provider;
use codex_api_core::request::BuildError;
use codex_api_core::responses_websocket::{
    Connection, MAX_CONNECTION_AGE, TurnOptions, TurnRecovery, decide_turn_failure,
};
use codex_api_core::retry::{FixedJitter, RetryPolicy};
use codex_api_core::stream::{ResponseEvent, ResponseStream, StreamConfig};
use codex_api_core::wire::{Response, ResponseItem, ResponsesApiRequest, Role};
use serde_json::Value;

fn request() -> ResponsesApiRequest {
    ResponsesApiRequest::new("gpt-5").input(vec![ResponseItem::text_message(Role::User, "hi")])
}

fn json(message: &str) -> Value {
    serde_json::from_str(message).unwrap()
}

fn completed(connection: &mut Connection, id: &str, output: Vec<ResponseItem>) {
    let mut response = Response::default();
    response.id = id.into();
    response.output = output;
    connection.handle_completed(&response);
}

#[test]
fn a_turn_chains_only_when_everything_but_the_input_is_equal_and_the_input_extends() {
    let provider = Provider::openai();
    let now = Instant::now();
    let answer = ResponseItem::text_message(Role::Assistant, "hello");
    let next = |request: &ResponsesApiRequest| {
        let mut next = request.clone();
        next.input.push(answer.clone());
        next.input
            .push(ResponseItem::text_message(Role::User, "more"));
        next
    };

    // Chained.
    let mut connection = Connection::new(now);
    connection.prepare(&provider, request(), now).unwrap();
    completed(&mut connection, "resp_1", vec![answer.clone()]);
    let turn = connection
        .prepare(&provider, next(&request()), now)
        .unwrap();
    assert!(turn.chained);
    let message = json(&turn.message);
    assert_eq!(message["previous_response_id"], "resp_1");
    assert_eq!(message["input"].as_array().unwrap().len(), 1);

    // Another member changed: full.
    let mut connection = Connection::new(now);
    connection.prepare(&provider, request(), now).unwrap();
    completed(&mut connection, "resp_1", vec![answer.clone()]);
    let changed = next(&request()).instructions("be brief");
    let turn = connection.prepare(&provider, changed, now).unwrap();
    assert!(!turn.chained);
    assert!(json(&turn.message).get("previous_response_id").is_none());

    // The input does not extend the previous input plus output: full.
    let mut connection = Connection::new(now);
    connection.prepare(&provider, request(), now).unwrap();
    completed(&mut connection, "resp_1", vec![answer.clone()]);
    let mut other = request();
    other
        .input
        .push(ResponseItem::text_message(Role::User, "skipped the answer"));
    assert!(!connection.prepare(&provider, other, now).unwrap().chained);

    // The previous turn failed: full.
    let mut connection = Connection::new(now);
    connection.prepare(&provider, request(), now).unwrap();
    connection.handle_failed();
    assert!(
        !connection
            .prepare(&provider, next(&request()), now)
            .unwrap()
            .chained
    );

    // The caller chains by hand: sent as given.
    let mut connection = Connection::new(now);
    connection.prepare(&provider, request(), now).unwrap();
    completed(&mut connection, "resp_1", vec![answer.clone()]);
    let mut manual = next(&request());
    manual.previous_response_id = Some("resp_0".into());
    let turn = connection.prepare(&provider, manual, now).unwrap();
    assert!(!turn.chained);
    assert_eq!(json(&turn.message)["previous_response_id"], "resp_0");
}

#[test]
fn a_warm_up_turn_generates_nothing_and_the_next_turn_chains_from_it() {
    let provider = Provider::openai();
    let now = Instant::now();
    let mut connection = Connection::new(now);
    let warm = connection
        .prepare_with(&provider, request(), &TurnOptions::new().warm_up(), now)
        .unwrap();
    assert_eq!(json(&warm.message)["generate"], false);
    completed(&mut connection, "resp_warm", Vec::new());
    let turn = connection.prepare(&provider, request(), now).unwrap();
    assert!(turn.chained && turn.connection_reused);
    let message = json(&turn.message);
    assert_eq!(message["previous_response_id"], "resp_warm");
    assert_eq!(message["input"], Value::Array(Vec::new()));
    assert!(message.get("generate").is_none());
}

#[test]
fn trace_context_goes_into_client_metadata_of_the_message_only() {
    let provider = Provider::openai();
    let now = Instant::now();
    let mut connection = Connection::new(now);
    let traced = TurnOptions::new()
        .client_metadata(
            "traceparent",
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        )
        .client_metadata("tracestate", "congo=t61rcWkgMzE");
    let turn = connection
        .prepare_with(&provider, request(), &traced, now)
        .unwrap();
    let message = json(&turn.message);
    assert_eq!(
        message["client_metadata"]["traceparent"],
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    );
    assert_eq!(
        message["client_metadata"]["tracestate"],
        "congo=t61rcWkgMzE"
    );
    // The next turn (another trace context) still chains.
    let answer = ResponseItem::text_message(Role::Assistant, "hello");
    completed(&mut connection, "resp_1", vec![answer.clone()]);
    let mut next = request();
    next.input.push(answer);
    let traced = TurnOptions::new().client_metadata("traceparent", "00-other-01");
    let turn = connection
        .prepare_with(&provider, next, &traced, now)
        .unwrap();
    assert!(turn.chained);
}

#[test]
fn ids_follow_store_and_background_is_refused() {
    let provider = Provider::openai();
    let now = Instant::now();
    let mut connection = Connection::new(now);
    let mut request = request();
    if let ResponseItem::Message(message) = &mut request.input[0] {
        message.id = Some("msg_1".into());
    }
    request.store = Some(false);
    let turn = connection.prepare(&provider, request.clone(), now).unwrap();
    assert!(json(&turn.message)["input"][0].get("id").is_none());
    request.background = Some(true);
    assert_eq!(
        connection.prepare(&provider, request, now).unwrap_err(),
        BuildError::BackgroundOverWebSocket
    );
}

#[test]
fn a_connection_is_replaced_before_it_reaches_the_server_limit() {
    let now = Instant::now();
    let connection = Connection::new(now);
    assert!(!connection.is_stale(now + Duration::from_secs(54 * 60)));
    assert!(connection.is_stale(now + MAX_CONNECTION_AGE));
}

#[test]
fn turn_failures_are_decided_by_the_policy() {
    let policy = RetryPolicy::default();
    let mut jitter = FixedJitter(0.5);
    let limit = ApiError::from_http(
        http::StatusCode::BAD_REQUEST,
        &http::HeaderMap::new(),
        br#"{"type":"error","error":{"code":"websocket_connection_limit_reached","message":"limit"}}"#,
        None,
    );
    assert_eq!(
        decide_turn_failure(&policy, 0, &limit, false, false, &mut jitter),
        TurnRecovery::Retry {
            delay: Duration::ZERO,
            reconnect: true
        }
    );
    let lost = ApiError::from_http(
        http::StatusCode::BAD_REQUEST,
        &http::HeaderMap::new(),
        br#"{"error":{"code":"previous_response_not_found","message":"gone"}}"#,
        None,
    );
    assert_eq!(
        decide_turn_failure(&policy, 0, &lost, false, false, &mut jitter),
        TurnRecovery::ResendFull
    );
    assert_eq!(
        decide_turn_failure(&policy, 0, &lost, false, true, &mut jitter),
        TurnRecovery::Fail,
        "once per turn"
    );
    let cut = ApiError::stream_truncated(None);
    assert!(matches!(
        decide_turn_failure(&policy, 0, &cut, false, false, &mut jitter),
        TurnRecovery::Retry {
            reconnect: true,
            ..
        }
    ));
    assert_eq!(
        decide_turn_failure(&policy, 2, &cut, false, false, &mut jitter),
        TurnRecovery::Fail,
        "the budget is spent"
    );
    assert_eq!(
        decide_turn_failure(&policy, 0, &cut, true, false, &mut jitter),
        TurnRecovery::Fail,
        "never after an event was delivered"
    );
}

#[test]
fn websocket_heads_give_the_same_facts_and_wrapped_errors_map_like_http() {
    let now = Instant::now();
    let head = http::Response::builder()
        .status(101)
        .header("openai-model", "gpt-5-server")
        .header("x-models-etag", "etag-1")
        .header("x-reasoning-included", "true")
        .header("x-codex-turn-state", "ts-1")
        .header("x-request-id", "req_ws")
        .body(())
        .unwrap()
        .into_parts()
        .0;
    let mut stream = ResponseStream::new(StreamConfig::default());
    stream.handle_websocket_head(now, &head);
    assert_eq!(stream.turn_state(), Some("ts-1"));
    stream.handle_message(
        now,
        r#"{"type":"error","status":429,"error":{"type":"rate_limit_error","code":"rate_limit_exceeded","message":"slow down"},"headers":{"retry-after-ms":250,"x-request-id":"req_429","x-codex-primary-used-percent":"80.5","x-codex-primary-window-minutes":"300"}}"#,
    );
    let mut events = Vec::new();
    let mut error = None;
    while let Some(item) = stream.poll_event() {
        match item {
            Ok(event) => events.push(event),
            Err(failure) => error = Some(failure),
        }
    }
    assert_eq!(events[0], ResponseEvent::ServerModel("gpt-5-server".into()));
    assert!(events.contains(&ResponseEvent::ModelsEtag("etag-1".into())));
    assert!(events.contains(&ResponseEvent::ServerReasoningIncluded(true)));
    assert!(
        events
            .iter()
            .any(|event| matches!(event, ResponseEvent::RateLimits(_))),
        "the wrapped headers' rate limits: {events:?}"
    );
    let error = error.expect("the wrapped error");
    assert_eq!(error.kind(), "rate_limited");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(429));
    assert_eq!(error.retry_after(), Some(Duration::from_millis(250)));
    assert_eq!(error.request_id(), Some("req_429"));
}

//! Errors from HTTP and from the transport, retries and the server's delays, as the core
//! decides them and the adapter executes them.

mod common;

use std::net::TcpListener;
use std::time::Duration;

use codex_api_core::call::CallError;
use codex_api_core::request::ResponsesOptions;
use codex_api_core::retry::{RetryPolicy, TransportErrorKind};
use codex_api_testkit::{Script, ScriptedResponse, TestServer, Transcript};
use codex_api_tokio::Error;

use common::{builder, client, drain, request, text};

/// The error of a models call answered by `response`, and how many requests were sent.
async fn unary_error(response: ScriptedResponse) -> (Error, usize) {
    let server = TestServer::start(Script::new().then(response)).unwrap();
    let error = client(&server).list_models(None).await.unwrap_err();
    let count = server.requests().len();
    (error, count)
}

#[tokio::test]
async fn client_errors_are_classified_and_not_retried() {
    let cases = [
        (
            ScriptedResponse::api_error(400, "bad", "invalid_request_error", None, None),
            "invalid_request",
        ),
        (
            ScriptedResponse::api_error(403, "no", "permission_error", None, None),
            "forbidden",
        ),
        (
            ScriptedResponse::api_error(404, "gone", "invalid_request_error", None, None),
            "not_found",
        ),
        (
            ScriptedResponse::api_error(
                400,
                "too long",
                "invalid_request_error",
                None,
                Some("context_length_exceeded"),
            ),
            "context_window_exceeded",
        ),
        (
            ScriptedResponse::api_error(
                429,
                "pay",
                "insufficient_quota",
                None,
                Some("insufficient_quota"),
            ),
            "quota_exceeded",
        ),
        (
            ScriptedResponse::api_error(422, "shape", "invalid_request_error", None, None),
            "unprocessable",
        ),
        (
            ScriptedResponse::api_error(418, "teapot", "invalid_request_error", None, None),
            "unexpected_status",
        ),
        (
            ScriptedResponse::api_error(
                429,
                "limit",
                "usage_limit_reached",
                None,
                Some("usage_limit_reached"),
            ),
            "usage_limit_reached",
        ),
        (
            ScriptedResponse::api_error(
                403,
                "plan",
                "usage_not_included",
                None,
                Some("usage_not_included"),
            ),
            "usage_not_included",
        ),
        (
            ScriptedResponse::api_error(
                400,
                "flagged",
                "invalid_request_error",
                None,
                Some("cyber_policy"),
            ),
            "cyber_policy",
        ),
    ];
    for (response, kind) in cases {
        let (error, requests) = unary_error(response.request_id("req_e")).await;
        assert_eq!(error.kind(), kind);
        assert_eq!(requests, 1, "{kind} is not retried");
        assert_eq!(error.api_error().unwrap().request_id(), Some("req_e"));
    }
}

#[tokio::test]
async fn stream_call_errors_come_before_the_stream() {
    let server = TestServer::start(Script::new().then(ScriptedResponse::api_error(
        400,
        "bad model",
        "invalid_request_error",
        Some("model"),
        None,
    )))
    .unwrap();
    let error = client(&server)
        .stream(request(), ResponsesOptions::new())
        .await
        .unwrap_err();
    assert_eq!(error.kind(), "invalid_request");
    assert_eq!(
        error.api_error().unwrap().status().map(|s| s.as_u16()),
        Some(400)
    );
}

#[tokio::test]
async fn a_non_event_stream_success_is_a_protocol_error() {
    let server =
        TestServer::start(Script::new().then(ScriptedResponse::json(200, &serde_json::json!({}))))
            .unwrap();
    let stream = client(&server)
        .stream(request(), ResponsesOptions::new())
        .await
        .unwrap();
    let (_, error) = drain(stream).await;
    assert_eq!(error.unwrap().kind(), "protocol");
}

#[tokio::test]
async fn retry_after_is_honoured_before_the_retry() {
    let limited = ScriptedResponse::api_error(429, "slow down", "rate_limit_error", None, None)
        .retry_after("1");
    let transcript = Transcript::new().created().message(&["ok"]).completed();
    let server = TestServer::start(
        Script::new()
            .then(limited)
            .then(ScriptedResponse::sse(transcript)),
    )
    .unwrap();
    let stream = client(&server)
        .stream(request(), ResponsesOptions::new())
        .await
        .unwrap();
    let (events, error) = drain(stream).await;
    assert!(error.is_none(), "{error:?}");
    assert_eq!(text(&events), "ok");
    let requests = server.wait_for_requests(2, Duration::from_secs(5));
    let gap = requests[1]
        .received_at
        .duration_since(requests[0].received_at);
    assert!(gap >= Duration::from_secs(1), "retried after {gap:?}");
}

#[tokio::test]
async fn retry_after_ms_is_honoured_too() {
    let limited = ScriptedResponse::api_error(429, "slow down", "rate_limit_error", None, None)
        .retry_after_ms(300);
    let server = TestServer::start(
        Script::new()
            .then(limited)
            .then(ScriptedResponse::models(vec![], "e")),
    )
    .unwrap();
    client(&server).list_models(None).await.unwrap();
    let requests = server.wait_for_requests(2, Duration::from_secs(5));
    let gap = requests[1]
        .received_at
        .duration_since(requests[0].received_at);
    assert!(gap >= Duration::from_millis(300), "retried after {gap:?}");
}

#[tokio::test]
async fn an_exhausted_rate_limit_keeps_its_kind_and_delay() {
    let limited = || {
        ScriptedResponse::api_error(429, "slow", "rate_limit_error", None, None).retry_after_ms(10)
    };
    let server = TestServer::start(
        Script::new()
            .then(limited())
            .then(limited())
            .then(limited()),
    )
    .unwrap();
    let error = client(&server).list_models(None).await.unwrap_err();
    assert_eq!(error.kind(), "rate_limited");
    assert_eq!(
        error.api_error().unwrap().retry_after(),
        Some(Duration::from_millis(10))
    );
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn server_errors_are_retried_until_success() {
    let server = TestServer::start(
        Script::new()
            .then(ScriptedResponse::api_error(
                500,
                "oops",
                "server_error",
                None,
                None,
            ))
            .then(ScriptedResponse::api_error(
                503,
                "busy",
                "server_error",
                None,
                None,
            ))
            .then(ScriptedResponse::sse(
                Transcript::new().created().message(&["third"]).completed(),
            )),
    )
    .unwrap();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = seen.clone();
    let client = builder(&server)
        .retry_policy(common::fast_policy())
        .on_attempt(move |attempt| {
            record
                .lock()
                .unwrap()
                .push((attempt.attempt, attempt.status.map(|s| s.as_u16())))
        })
        .build()
        .unwrap();
    let stream = client
        .stream(request(), ResponsesOptions::new())
        .await
        .unwrap();
    let (events, error) = drain(stream).await;
    assert!(error.is_none(), "{error:?}");
    assert_eq!(text(&events), "third");
    assert_eq!(server.requests().len(), 3);
    assert_eq!(
        *seen.lock().unwrap(),
        [(1, Some(500)), (2, Some(503)), (3, Some(200))]
    );
}

#[tokio::test]
async fn exhausted_server_errors_report_the_last_one() {
    let failing = || ScriptedResponse::api_error(500, "oops", "server_error", None, None);
    let server = TestServer::start(
        Script::new()
            .then(failing())
            .then(failing())
            .then(failing()),
    )
    .unwrap();
    let error = client(&server).list_models(None).await.unwrap_err();
    assert_eq!(error.kind(), "server_error");
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn a_conflict_is_retried_like_the_sdks_do() {
    let conflict = ScriptedResponse::api_error(409, "locked", "invalid_request_error", None, None);
    let server = TestServer::start(
        Script::new()
            .then(conflict)
            .then(ScriptedResponse::models(vec![], "e")),
    )
    .unwrap();
    client(&server).list_models(None).await.unwrap();
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn exhausted_overload_reports_server_overloaded() {
    let busy = || ScriptedResponse::api_error(503, "busy", "server_error", None, None);
    let server = TestServer::start(Script::new().then(busy()).then(busy()).then(busy())).unwrap();
    let error = client(&server).list_models(None).await.unwrap_err();
    assert_eq!(error.kind(), "server_overloaded");
    assert!(error.api_error().unwrap().is_retryable());
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn a_huge_error_body_is_read_only_up_to_the_cap() {
    let server =
        TestServer::start(Script::new().then(ScriptedResponse::huge_api_error(400, 100_000_000)))
            .unwrap();
    let error = client(&server).list_models(None).await.unwrap_err();
    assert_eq!(error.kind(), "invalid_request");
}

#[tokio::test]
async fn a_refused_connection_is_a_transport_error_after_retries() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let provider =
        codex_api_core::provider::Provider::custom("closed", format!("http://127.0.0.1:{port}/v1"))
            .unwrap();
    let auth =
        codex_api_tokio::StaticAuth::new(codex_api_core::credentials::Credentials::api_key("k"));
    let client = codex_api_tokio::Client::builder(provider, auth)
        .without_proxy()
        .retry_policy(common::fast_policy())
        .build()
        .unwrap();
    let error = client.list_models(None).await.unwrap_err();
    let Error::Transport(transport) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(transport.kind(), TransportErrorKind::Connect);
    assert_eq!(transport.attempts(), 3);
    assert!(transport.cause().is_some(), "the hyper error is kept");
}

#[tokio::test]
async fn a_hang_up_is_retried() {
    let server = TestServer::start(
        Script::new()
            .then(ScriptedResponse::hang_up())
            .then(ScriptedResponse::models(vec![], "e")),
    )
    .unwrap();
    client(&server).list_models(None).await.unwrap();
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn a_slow_head_hits_the_response_timeout() {
    let slow = ScriptedResponse::models(vec![], "e").delay_head(Duration::from_secs(2));
    let server = TestServer::start(Script::new().then(slow)).unwrap();
    let client = builder(&server)
        .response_timeout(Some(Duration::from_millis(150)))
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    let error = client.list_models(None).await.unwrap_err();
    assert!(
        matches!(error, Error::Call(CallError::Timeout { attempts: 1, .. })),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_slow_head_is_retried_within_the_policy() {
    let slow = ScriptedResponse::models(vec![], "slow").delay_head(Duration::from_secs(2));
    let server = TestServer::start(
        Script::new()
            .then(slow)
            .then(ScriptedResponse::models(vec![], "fast")),
    )
    .unwrap();
    let client = builder(&server)
        .response_timeout(Some(Duration::from_millis(150)))
        .retry_policy(common::fast_policy())
        .build()
        .unwrap();
    client.list_models(None).await.unwrap();
    assert_eq!(server.wait_for_requests(2, Duration::from_secs(5)).len(), 2);
}

//! Errors from HTTP and from the transport, retries and the server's delays, as the core
//! decides them and the adapter executes them, on async-std and on smol.

mod common;

use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use codex_api_async_std::{Client, Error, StaticAuth};
use codex_api_core::call::CallError;
use codex_api_core::credentials::Credentials;
use codex_api_core::provider::Provider;
use codex_api_core::request::ResponsesOptions;
use codex_api_core::retry::{RetryPolicy, TransportErrorKind};
use codex_api_testkit::{Script, ScriptedResponse, TestServer, Transcript};

use common::{builder, client, drain, fast_policy, on_both, request, text};

/// The error of a models call answered by `response`, and how many requests were sent.
async fn unary_error(response: ScriptedResponse) -> (Error, usize) {
    let server = TestServer::start(Script::new().then(response)).unwrap();
    let error = client(&server).list_models(None).await.unwrap_err();
    (error, server.requests().len())
}

#[test]
fn client_errors_are_classified_and_not_retried() {
    on_both(|| async {
        let cases = [
            (400, "invalid_request_error", None, "invalid_request"),
            (403, "permission_error", None, "forbidden"),
            (404, "invalid_request_error", None, "not_found"),
            (
                400,
                "invalid_request_error",
                Some("context_length_exceeded"),
                "context_window_exceeded",
            ),
            (
                429,
                "insufficient_quota",
                Some("insufficient_quota"),
                "quota_exceeded",
            ),
        ];
        for (status, error_type, code, kind) in cases {
            let response = ScriptedResponse::api_error(status, "no", error_type, None, code);
            let (error, requests) = unary_error(response.request_id("req_e")).await;
            assert_eq!(error.kind(), kind);
            assert_eq!(requests, 1, "{kind} is not retried");
            let api = error.api_error().unwrap();
            assert_eq!(api.request_id(), Some("req_e"));
            assert_eq!(api.status().map(|s| s.as_u16()), Some(status));
        }
    });
}

#[test]
fn stream_call_errors_come_before_the_stream() {
    on_both(|| async {
        let response = ScriptedResponse::api_error(
            400,
            "bad model",
            "invalid_request_error",
            Some("model"),
            None,
        );
        let server = TestServer::start(Script::new().then(response)).unwrap();
        let error = client(&server)
            .stream(request(), ResponsesOptions::new())
            .await
            .unwrap_err();
        assert_eq!(error.kind(), "invalid_request");
        let status = error.api_error().unwrap().status();
        assert_eq!(status.map(|s| s.as_u16()), Some(400));
    });
}

#[test]
fn a_non_event_stream_success_is_a_protocol_error() {
    on_both(|| async {
        let reply = ScriptedResponse::json(200, &serde_json::json!({}));
        let server = TestServer::start(Script::new().then(reply)).unwrap();
        let stream = client(&server)
            .stream(request(), ResponsesOptions::new())
            .await
            .unwrap();
        let (_, error) = drain(stream).await;
        assert_eq!(error.unwrap().kind(), "protocol");
    });
}

#[test]
fn retry_after_is_honoured_before_the_retry() {
    on_both(|| async {
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
    });
}

#[test]
fn retry_after_ms_is_honoured_too() {
    on_both(|| async {
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
    });
}

#[test]
fn server_errors_are_retried_until_success_on_the_same_connection() {
    on_both(|| async {
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
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = seen.clone();
        let client = builder(&server)
            .retry_policy(fast_policy())
            .on_attempt(move |attempt| {
                let status = attempt.status.map(|s| s.as_u16());
                record.lock().unwrap().push((attempt.attempt, status));
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
        let seen = seen.lock().unwrap().clone();
        assert_eq!(seen, [(1, Some(500)), (2, Some(503)), (3, Some(200))]);
        let requests = server.requests();
        assert_eq!(requests.len(), 3);
        // Error bodies are read to their end, so the retries reuse the connection.
        assert!(
            requests
                .iter()
                .all(|r| r.connection_id == requests[0].connection_id)
        );
    });
}

#[test]
fn exhausted_server_errors_report_the_last_one() {
    on_both(|| async {
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
    });
}

#[test]
fn a_huge_error_body_is_read_only_up_to_the_cap() {
    on_both(|| async {
        let huge = ScriptedResponse::huge_api_error(400, 100_000_000);
        let server = TestServer::start(Script::new().then(huge)).unwrap();
        let error = client(&server).list_models(None).await.unwrap_err();
        assert_eq!(error.kind(), "invalid_request");
    });
}

#[test]
fn a_refused_connection_is_a_transport_error_after_retries() {
    on_both(|| async {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let provider = Provider::custom("closed", format!("http://127.0.0.1:{port}/v1")).unwrap();
        let client = Client::builder(provider, StaticAuth::new(Credentials::api_key("k")))
            .retry_policy(fast_policy())
            .build()
            .unwrap();
        let error = client.list_models(None).await.unwrap_err();
        let Error::Transport(transport) = &error else {
            panic!("{error:?}")
        };
        assert_eq!(error.kind(), "transport");
        assert_eq!(transport.kind(), TransportErrorKind::Connect);
        assert_eq!(transport.attempts(), 3);
        assert!(transport.cause().is_some(), "the socket error is kept");
    });
}

#[test]
fn a_hang_up_is_retried() {
    on_both(|| async {
        let server = TestServer::start(
            Script::new()
                .then(ScriptedResponse::hang_up())
                .then(ScriptedResponse::models(vec![], "e")),
        )
        .unwrap();
        client(&server).list_models(None).await.unwrap();
        assert_eq!(server.requests().len(), 2);
    });
}

#[test]
fn a_slow_head_hits_the_response_timeout() {
    on_both(|| async {
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
    });
}

#[test]
fn a_slow_head_is_retried_within_the_policy() {
    on_both(|| async {
        let slow = ScriptedResponse::models(vec![], "slow").delay_head(Duration::from_secs(2));
        let server = TestServer::start(
            Script::new()
                .then(slow)
                .then(ScriptedResponse::models(vec![], "fast")),
        )
        .unwrap();
        let client = builder(&server)
            .response_timeout(Some(Duration::from_millis(150)))
            .retry_policy(fast_policy())
            .build()
            .unwrap();
        client.list_models(None).await.unwrap();
        let requests = server.wait_for_requests(2, Duration::from_secs(5));
        assert_eq!(requests.len(), 2);
        assert_ne!(requests[0].connection_id, requests[1].connection_id);
    });
}

//! Responses over WebSocket on every runtime: turns on one connection (chaining, reuse,
//! deflate on and off), the wrapped errors, the connection limit, a lost previous response,
//! the upgrade refused (401 recovered, 426 falling back to HTTP), close, ping, fragments,
//! binary frames, a stall, TLS, and `background` refused.

use std::time::Duration;

use codex_api_core::client_config::Transport;
use codex_api_core::stream::ResponseEvent;
use codex_api_core::unauthorized::RecoveryMode;
use codex_api_core::wire::{ResponseItem, Role};
use codex_api_testkit::{Script, ScriptedResponse, Transcript, WrappedError, WsScript, WsTurn};
use serde_json::Value;

use super::request;
use crate::observation::{Observation, Outcome};
use crate::scenario::{AuthSpec, CallSpec, Scenario};

fn answer(id: &str, text: &str) -> Transcript {
    Transcript::new()
        .response_id(id)
        .created()
        .message(&[text])
        .completed()
}

fn turns(follow_ups: usize, deflate: bool) -> CallSpec {
    CallSpec::WebSocket {
        request: Box::new(request()),
        follow_ups: (0..follow_ups)
            .map(|i| ResponseItem::text_message(Role::User, format!("more {i}")))
            .collect(),
        deflate,
        warm_up: false,
    }
}

fn text(o: &Observation) -> String {
    o.events
        .iter()
        .filter_map(|event| match event {
            ResponseEvent::OutputTextDelta { delta, .. } => Some(delta.as_str()),
            _ => None,
        })
        .collect()
}

fn steps(o: &Observation) -> &[Outcome] {
    match &o.outcome {
        Outcome::Steps(steps) => steps,
        other => panic!("{other:#?}"),
    }
}

/// The upgrade request: GET /v1/responses with the transport's headers.
fn assert_upgrade(o: &Observation, index: usize, deflate: bool) {
    let upgrade = &o.requests[index];
    assert_eq!(upgrade.method, "GET");
    assert_eq!(upgrade.path, "/v1/responses");
    assert_eq!(upgrade.header("upgrade"), Some("websocket"));
    assert_eq!(upgrade.header("sec-websocket-version"), Some("13"));
    assert_eq!(
        upgrade.header("openai-beta"),
        Some("responses_websockets=2026-02-06")
    );
    assert_eq!(upgrade.header("authorization"), Some("Bearer sk-test"));
    assert!(upgrade.header("originator").is_some());
    assert_eq!(
        upgrade
            .header("sec-websocket-extensions")
            .is_some_and(|offer| offer.contains("permessage-deflate")),
        deflate
    );
}

fn creates(o: &Observation) -> Vec<Value> {
    o.ws_messages()
        .into_iter()
        .filter(|message| message["type"] == "response.create")
        .collect()
}

fn two_turn_script(deflate: bool) -> Script {
    Script::new().on_websocket(
        "/v1/responses",
        WsScript::new()
            .deflate(deflate)
            .turn(answer("resp_1", "one"))
            .turn(answer("resp_2", "two")),
    )
}

fn assert_two_turns(o: &Observation) {
    assert_eq!(text(o), "onetwo");
    assert!(steps(o).iter().all(|step| *step == Outcome::StreamEnded));
    assert_eq!(o.requests.len(), 1, "one connection for both turns");
    let creates = creates(o);
    assert_eq!(creates.len(), 2);
    let first = &creates[0];
    assert!(first.get("stream").is_none() && first.get("previous_response_id").is_none());
    assert_eq!(first["model"], "gpt-test");
    assert_eq!(first["input"].as_array().unwrap().len(), 1);
    // The second turn continues the first: only the new item, chained.
    let second = &creates[1];
    assert_eq!(second["previous_response_id"], "resp_1");
    let input = second["input"].as_array().unwrap();
    assert_eq!(input.len(), 1, "{second}");
    assert_eq!(input[0]["content"][0]["text"], "more 0");
    let reused: Vec<Option<bool>> = o.attempts.iter().map(|a| a.connection_reused).collect();
    assert_eq!(reused, [None, Some(false), Some(true)], "{:#?}", o.attempts);
}

/// The WebSocket scenarios.
pub fn scenarios() -> Vec<Scenario> {
    let mut rows = vec![
        Scenario::new(
            "websocket_turns_on_one_connection_with_deflate",
            two_turn_script(true),
            turns(1, true),
            |o| {
                assert_upgrade(o, 0, true);
                assert_two_turns(o);
                assert_eq!(o.websocket_deflate, [true]);
            },
        ),
        Scenario::new(
            "websocket_turns_without_deflate",
            two_turn_script(false),
            turns(1, false),
            |o| {
                assert_upgrade(o, 0, false);
                assert_two_turns(o);
                assert_eq!(o.websocket_deflate, [false]);
            },
        ),
        Scenario::new(
            "websocket_wrapped_429_is_retried_on_the_connection",
            Script::new().on_websocket(
                "/v1/responses",
                WsScript::new()
                    .turn(WsTurn::error(
                        WrappedError::new(429, "rate_limit_exceeded", "slow down")
                            .header("retry-after-ms", 5)
                            .header("x-request-id", "req_ws_429"),
                    ))
                    .turn(answer("resp_1", "ok")),
            ),
            turns(0, true),
            |o| {
                assert_eq!(text(o), "ok");
                assert_eq!(o.requests.len(), 1);
                assert_eq!(creates(o).len(), 2);
                let failed = &o.attempts[1];
                assert_eq!(failed.status.map(|s| s.as_u16()), Some(429));
                assert_eq!(failed.error_kind, Some("rate_limited"));
                assert_eq!(failed.request_id.as_deref(), Some("req_ws_429"));
            },
        ),
        Scenario::new(
            "websocket_wrapped_400_is_the_error",
            Script::new().on_websocket(
                "/v1/responses",
                WsScript::new().turn(WsTurn::error(WrappedError::new(
                    400,
                    "invalid_value",
                    "bad input",
                ))),
            ),
            turns(0, true),
            |o| {
                let Outcome::Failed(error) = &steps(o)[0] else {
                    panic!("{:#?}", o.outcome)
                };
                assert_eq!(error.kind, "invalid_request");
                assert_eq!(error.status, Some(400));
                assert_eq!(creates(o).len(), 1, "not retried");
            },
        ),
        Scenario::new(
            "websocket_close_mid_response_is_stream_truncated",
            Script::new().on_websocket(
                "/v1/responses",
                WsScript::new().turn(WsTurn::from(answer("resp_1", "cut")).close_after(3)),
            ),
            turns(0, true),
            |o| {
                let Outcome::Failed(error) = &steps(o)[0] else {
                    panic!("{:#?}", o.outcome)
                };
                assert_eq!(error.kind, "stream_truncated");
                assert!(o.events.contains(&ResponseEvent::Created));
            },
        ),
        Scenario::new(
            "websocket_connection_limit_reconnects",
            Script::new()
                .on_websocket(
                    "/v1/responses",
                    WsScript::new().turn(WsTurn::connection_limit()),
                )
                .on_websocket(
                    "/v1/responses",
                    WsScript::new().turn(answer("resp_1", "again")),
                ),
            turns(0, true),
            |o| {
                assert_eq!(text(o), "again");
                assert_eq!(o.requests.len(), 2, "a second upgrade");
                let creates = creates(o);
                assert_eq!(creates.len(), 2);
                assert_eq!(creates[0], creates[1], "the full request, again");
            },
        ),
        Scenario::new(
            "websocket_previous_response_not_found_resends_in_full",
            Script::new().on_websocket(
                "/v1/responses",
                WsScript::new()
                    .turn(answer("resp_1", "one"))
                    .turn(WsTurn::previous_response_not_found())
                    .turn(answer("resp_2", "two")),
            ),
            turns(1, true),
            |o| {
                assert_eq!(text(o), "onetwo");
                let creates = creates(o);
                assert_eq!(creates.len(), 3);
                assert_eq!(creates[1]["previous_response_id"], "resp_1");
                assert!(creates[2].get("previous_response_id").is_none());
                assert_eq!(creates[2]["input"].as_array().unwrap().len(), 3);
            },
        ),
        Scenario::new(
            "websocket_ping_first_and_fragmented_messages",
            Script::new().on_websocket(
                "/v1/responses",
                WsScript::new().turn(
                    WsTurn::from(answer("resp_1", "pieces"))
                        .ping_first()
                        .fragmented(3),
                ),
            ),
            turns(0, true),
            |o| assert_eq!(text(o), "pieces"),
        ),
        Scenario::new(
            "websocket_binary_frame_is_a_protocol_error",
            Script::new().on_websocket(
                "/v1/responses",
                WsScript::new().turn(WsTurn::from(answer("resp_1", "x")).binary_first()),
            ),
            turns(0, true),
            |o| {
                let Outcome::Failed(error) = &steps(o)[0] else {
                    panic!("{:#?}", o.outcome)
                };
                assert_eq!(error.kind, "protocol");
            },
        ),
        Scenario::new(
            "background_over_websocket_is_refused",
            Script::new(),
            CallSpec::WebSocket {
                request: Box::new({
                    let mut request = request();
                    request.background = Some(true);
                    request
                }),
                follow_ups: Vec::new(),
                deflate: true,
                warm_up: false,
            },
            |o| {
                assert!(o.requests.is_empty());
                let Outcome::Failed(error) = &steps(o)[0] else {
                    panic!("{:#?}", o.outcome)
                };
                assert_eq!(error.kind, "request_build");
            },
        ),
        Scenario::new(
            "websocket_upgrade_401_is_recovered",
            Script::new()
                .on(
                    "GET",
                    "/v1/responses",
                    ScriptedResponse::api_error(
                        401,
                        "Your token has expired",
                        "invalid_request_error",
                        None,
                        Some("token_expired"),
                    ),
                )
                .on_websocket(
                    "/v1/responses",
                    WsScript::new().turn(answer("resp_1", "in")),
                ),
            turns(0, true),
            |o| {
                assert_eq!(text(o), "in");
                assert_eq!(o.requests.len(), 2);
                assert_eq!(
                    o.requests[0].header("authorization"),
                    Some("Bearer old-token")
                );
                assert_eq!(
                    o.requests[1].header("authorization"),
                    Some("Bearer new-token")
                );
            },
        )
        .auth(AuthSpec::Rotating {
            mode: RecoveryMode::Managed,
            fail: None,
        }),
    ];

    rows.push(Scenario::new(
        "websocket_warm_up_then_a_chained_turn",
        Script::new().on_websocket(
            "/v1/responses",
            WsScript::new()
                .turn(
                    Transcript::new()
                        .response_id("resp_warm")
                        .created()
                        .completed(),
                )
                .turn(answer("resp_1", "warm")),
        ),
        CallSpec::WebSocket {
            request: Box::new(request()),
            follow_ups: Vec::new(),
            deflate: true,
            warm_up: true,
        },
        |o| {
            assert_eq!(text(o), "warm");
            let creates = creates(o);
            assert_eq!(creates.len(), 2);
            assert_eq!(creates[0]["generate"], false);
            assert_eq!(creates[1]["previous_response_id"], "resp_warm");
            assert_eq!(creates[1]["input"], Value::Array(Vec::new()));
            assert!(creates[1].get("generate").is_none());
            assert_eq!(o.requests.len(), 1);
        },
    ));

    rows.push(Scenario::new(
        "websocket_upgrade_429_is_retried_and_the_101_gives_header_facts",
        Script::new()
            .on(
                "GET",
                "/v1/responses",
                ScriptedResponse::api_error(
                    429,
                    "Rate limit reached",
                    "rate_limit_error",
                    None,
                    Some("rate_limit_exceeded"),
                )
                .retry_after_ms(10),
            )
            .on(
                "GET",
                "/v1/responses",
                ScriptedResponse::websocket(WsScript::new().turn(answer("resp_1", "after")))
                    .openai_model("gpt-test-server")
                    .models_etag("etag-ws")
                    .turn_state("ts-ws")
                    .reasoning_included(),
            ),
        turns(0, true),
        |o| {
            assert_eq!(text(o), "after");
            assert_eq!(o.requests.len(), 2);
            assert_eq!(o.attempts[0].status.map(|s| s.as_u16()), Some(429));
            assert!(o.attempts[0].retry_delay().is_some());
            assert_eq!(o.attempts[1].outcome.as_str(), "upgraded");
            assert!(
                o.events
                    .contains(&ResponseEvent::ServerModel("gpt-test-server".into()))
            );
            assert!(
                o.events
                    .contains(&ResponseEvent::ModelsEtag("etag-ws".into()))
            );
            assert!(
                o.events
                    .contains(&ResponseEvent::ServerReasoningIncluded(true))
            );
            assert_eq!(
                o.stream.as_ref().unwrap().turn_state.as_deref(),
                Some("ts-ws")
            );
        },
    ));

    rows.push(
        Scenario::new(
            "websocket_401_error_message_is_recovered_on_a_new_connection",
            Script::new()
                .on_websocket(
                    "/v1/responses",
                    WsScript::new().turn(WsTurn::error(
                        WrappedError::new(401, "token_expired", "Your token has expired")
                            .error_type("invalid_request_error"),
                    )),
                )
                .on_websocket(
                    "/v1/responses",
                    WsScript::new().turn(answer("resp_1", "renewed")),
                ),
            turns(0, true),
            |o| {
                assert_eq!(text(o), "renewed");
                assert_eq!(o.requests.len(), 2, "a new connection after the refresh");
                assert_eq!(
                    o.requests[0].header("authorization"),
                    Some("Bearer old-token")
                );
                assert_eq!(
                    o.requests[1].header("authorization"),
                    Some("Bearer new-token")
                );
                assert_eq!(creates(o).len(), 2);
                assert!(!o.auth_steps.is_empty());
            },
        )
        .auth(AuthSpec::Rotating {
            mode: RecoveryMode::Managed,
            fail: None,
        }),
    );

    let mut stall = Scenario::new(
        "websocket_stall_hits_idle_timeout",
        Script::new().on_websocket(
            "/v1/responses",
            WsScript::new().turn(
                WsTurn::from(answer("resp_1", "slow")).stall_after(3, Duration::from_secs(3)),
            ),
        ),
        turns(0, true),
        |o| {
            let Outcome::Failed(error) = &steps(o)[0] else {
                panic!("{:#?}", o.outcome)
            };
            assert_eq!(error.kind, "idle_timeout");
        },
    );
    stall.config.idle_timeout = Some(Some(Duration::from_millis(400)));
    rows.push(stall);

    let mut fallback = Scenario::new(
        "websocket_transport_falls_back_to_http_on_426",
        Script::new()
            .on(
                "GET",
                "/v1/responses",
                ScriptedResponse::text(426, "upgrade required"),
            )
            .on(
                "POST",
                "/v1/responses",
                ScriptedResponse::sse(answer("resp_h", "http")),
            ),
        CallSpec::stream(request()),
        |o| {
            assert_eq!(text(o), "http");
            assert_eq!(o.requests[0].method, "GET");
            assert_eq!(o.requests[1].method, "POST");
        },
    );
    fallback.config.transport = Transport::WebSocket;
    rows.push(fallback);

    let mut transport = Scenario::new(
        "websocket_transport_streams_over_the_connection",
        Script::new().on_websocket(
            "/v1/responses",
            WsScript::new().turn(answer("resp_1", "ws")),
        ),
        CallSpec::stream(request()),
        |o| {
            assert_eq!(text(o), "ws");
            assert_eq!(o.requests.len(), 1);
            assert_upgrade(o, 0, true);
        },
    );
    transport.config.transport = Transport::WebSocket;
    rows.push(transport);

    let mut tls = Scenario::new(
        "websocket_over_tls",
        two_turn_script(true),
        turns(1, true),
        |o| {
            assert_two_turns(o);
        },
    );
    tls.tls = true;
    tls.config.ca_bundle = Some(codex_api_testkit::tls::TestIdentity::localhost_ca_path());
    rows.push(tls);
    rows
}

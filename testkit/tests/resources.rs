//! Dynamic routes, query parameters, the canned Responses-resource and Conversations bodies,
//! and the paged item lists, as they arrive on the wire.

mod common;

use std::time::Duration;

use codex_api_testkit::{ItemPages, Script, ScriptedResponse, TestServer, Transcript};
use common::Client;
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(5);

/// Sends one request on a fresh connection; returns the status and the JSON body.
fn exchange(server: &TestServer, method: &str, path: &str) -> (u16, Value) {
    let mut client = Client::connect(server);
    client.request(method, path, &[("Connection", "close")], b"");
    let head = client.read_head();
    assert_eq!(head.header("content-type"), Some("application/json"));
    let len: usize = head.header("content-length").unwrap().parse().unwrap();
    let body = client.read_up_to(len);
    (head.status, serde_json::from_slice(&body).unwrap())
}

#[test]
fn a_dynamic_route_answers_every_matching_request_from_the_request() {
    let script = Script::new().on_fn("GET", "/v1/echo", |request| {
        ScriptedResponse::json(
            200,
            &json!({
                "path": request.path_without_query(),
                "name": request.query_param("name"),
                "include": request.query_params("include[]"),
            }),
        )
    });
    let server = TestServer::start(script).unwrap();
    for n in 0..3 {
        let (status, body) = exchange(
            &server,
            "GET",
            &format!("/v1/echo/{n}?name=a%20b&include%5B%5D=x&include[]=y"),
        );
        assert_eq!(status, 200);
        assert_eq!(
            body,
            json!({ "path": format!("/v1/echo/{n}"), "name": "a b", "include": ["x", "y"] })
        );
    }
    assert_eq!(server.remaining_responses(), 0);
    let requests = server.wait_for_requests(3, WAIT);
    assert!(requests.iter().all(|request| !request.script_exhausted));
}

#[test]
fn static_entries_win_then_routes_in_order_then_exhaustion() {
    let script = Script::new()
        .on_fn("GET", "/v1/", |_| {
            ScriptedResponse::json(200, &json!("first route"))
        })
        .on_fn("GET", "/v1/models", |_| {
            ScriptedResponse::json(200, &json!("never"))
        })
        .on(
            "GET",
            "/v1/models",
            ScriptedResponse::json(200, &json!("static")),
        );
    let server = TestServer::start(script).unwrap();
    assert_eq!(exchange(&server, "GET", "/v1/models").1, json!("static"));
    assert_eq!(
        exchange(&server, "GET", "/v1/models").1,
        json!("first route")
    );
    // Another method: nothing accepts it.
    let mut client = Client::connect(&server);
    client.request("POST", "/v1/models", &[], b"");
    assert_eq!(client.read_head().status, 500);
    let requests = server.wait_for_requests(3, WAIT);
    assert!(requests[2].script_exhausted);
}

#[test]
fn push_fn_adds_a_route_to_a_running_server() {
    let server = TestServer::start(Script::new()).unwrap();
    server.push_fn("DELETE", "/v1/responses/", |request| {
        let id = request
            .path_without_query()
            .rsplit('/')
            .next()
            .unwrap_or_default();
        ScriptedResponse::deleted(id, "response")
    });
    let (status, body) = exchange(&server, "DELETE", "/v1/responses/resp_9");
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({ "id": "resp_9", "object": "response", "deleted": true })
    );
}

#[test]
fn a_panicking_responder_is_answered_500() {
    let server = TestServer::start(Script::new().on_fn("GET", "/", |_| panic!("boom"))).unwrap();
    let mut client = Client::connect(&server);
    client.request("GET", "/x", &[("Connection", "close")], b"");
    assert_eq!(client.read_head().status, 500);
    let text = String::from_utf8(client.read_to_end()).unwrap();
    assert!(text.contains("panicked: boom"), "{text}");
}

#[test]
fn canned_resource_bodies_have_the_api_shapes() {
    let response = Transcript::new()
        .response_id("resp_1")
        .response_object("completed");
    let server = TestServer::start(
        Script::new()
            .on(
                "GET",
                "/v1/responses/resp_1",
                ScriptedResponse::response_object(&response),
            )
            .on(
                "DELETE",
                "/v1/responses/resp_1",
                ScriptedResponse::deleted("resp_1", "response"),
            )
            .on(
                "GET",
                "/v1/responses/resp_1/input_items",
                ScriptedResponse::item_list(
                    vec![
                        json!({"id": "msg_a", "type": "message"}),
                        json!({"id": "msg_b"}),
                    ],
                    true,
                ),
            )
            .on(
                "GET",
                "/v1/conversations/conv_1/items",
                ScriptedResponse::item_list(Vec::new(), false),
            )
            .on(
                "POST",
                "/v1/responses/input_tokens",
                ScriptedResponse::input_tokens(42),
            )
            .on(
                "POST",
                "/v1/conversations",
                ScriptedResponse::conversation("conv_1", json!({"topic": "t"})),
            )
            .on(
                "DELETE",
                "/v1/conversations/conv_1",
                ScriptedResponse::deleted("conv_1", "conversation.deleted"),
            )
            .on(
                "GET",
                "/v1/responses/nope",
                ScriptedResponse::not_found("No response found with id 'nope'."),
            ),
    )
    .unwrap();

    let (status, body) = exchange(&server, "GET", "/v1/responses/resp_1");
    assert_eq!((status, &body), (200, &response));
    assert_eq!(body["object"], "response");

    assert_eq!(
        exchange(&server, "DELETE", "/v1/responses/resp_1"),
        (
            200,
            json!({"id": "resp_1", "object": "response", "deleted": true})
        )
    );
    assert_eq!(
        exchange(&server, "GET", "/v1/responses/resp_1/input_items"),
        (
            200,
            json!({"object": "list", "data": [{"id": "msg_a", "type": "message"}, {"id": "msg_b"}],
                   "first_id": "msg_a", "last_id": "msg_b", "has_more": true})
        )
    );
    assert_eq!(
        exchange(&server, "GET", "/v1/conversations/conv_1/items"),
        (
            200,
            json!({"object": "list", "data": [], "first_id": null, "last_id": null, "has_more": false})
        )
    );
    assert_eq!(
        exchange(&server, "POST", "/v1/responses/input_tokens"),
        (
            200,
            json!({"object": "response.input_tokens", "input_tokens": 42})
        )
    );
    assert_eq!(
        exchange(&server, "POST", "/v1/conversations"),
        (
            200,
            json!({"id": "conv_1", "object": "conversation", "created_at": 1_700_000_000,
                   "metadata": {"topic": "t"}})
        )
    );
    assert_eq!(
        exchange(&server, "DELETE", "/v1/conversations/conv_1"),
        (
            200,
            json!({"id": "conv_1", "object": "conversation.deleted", "deleted": true})
        )
    );
    assert_eq!(
        exchange(&server, "GET", "/v1/responses/nope"),
        (
            404,
            json!({"error": {"message": "No response found with id 'nope'.",
                             "type": "invalid_request_error", "param": null, "code": null}})
        )
    );
}

fn items(n: usize) -> Vec<Value> {
    (1..=n)
        .map(|i| json!({ "id": format!("item_{i}"), "type": "message" }))
        .collect()
}

/// Reads every page, following `last_id` while `has_more`; returns the ids in order.
fn read_all(server: &TestServer, path: &str, query: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let cursor = after.map(|id| format!("&after={id}")).unwrap_or_default();
        let (status, page) = exchange(server, "GET", &format!("{path}?{query}{cursor}"));
        assert_eq!(status, 200, "{page}");
        assert_eq!(page["object"], "list");
        let data = page["data"].as_array().unwrap();
        ids.extend(
            data.iter()
                .map(|item| item["id"].as_str().unwrap().to_string()),
        );
        if !data.is_empty() {
            assert_eq!(page["first_id"], data[0]["id"]);
            assert_eq!(page["last_id"], data[data.len() - 1]["id"]);
        }
        if page["has_more"] != true {
            return ids;
        }
        after = Some(page["last_id"].as_str().unwrap().to_string());
    }
}

#[test]
fn item_pages_follow_after_limit_and_order() {
    let pages = ItemPages::new(items(7), 3);
    let path = "/v1/responses/resp_1/input_items";
    let server = TestServer::start(pages.install(Script::new(), "GET", path)).unwrap();

    // Default order: desc, default page size 3 → 3 requests.
    let desc = read_all(&server, path, "");
    let expected_desc: Vec<String> = (1..=7).rev().map(|i| format!("item_{i}")).collect();
    assert_eq!(desc, expected_desc);
    assert_eq!(pages.requests(), 3);

    // asc, limit 2 → 4 requests.
    let asc = read_all(&server, path, "order=asc&limit=2");
    let expected_asc: Vec<String> = (1..=7).map(|i| format!("item_{i}")).collect();
    assert_eq!(asc, expected_asc);
    assert_eq!(pages.requests(), 7);

    // A limit covering everything: one page, no more.
    let (_, page) = exchange(&server, "GET", &format!("{path}?order=asc&limit=100"));
    assert_eq!(page["data"].as_array().unwrap().len(), 7);
    assert_eq!(page["has_more"], false);

    // The cursor is honoured in the chosen order.
    let (_, page) = exchange(&server, "GET", &format!("{path}?after=item_4&limit=2"));
    assert_eq!(page["first_id"], "item_3");
    assert_eq!(page["last_id"], "item_2");
    assert_eq!(page["has_more"], true);

    // Bad parameters are refused with the API's error shape.
    let (status, error) = exchange(&server, "GET", &format!("{path}?after=item_99"));
    assert_eq!(status, 400);
    assert_eq!(error["error"]["param"], "after");

    assert_eq!(pages.requests(), 10);
    assert_eq!(server.wait_for_requests(10, WAIT).len(), 10);
    // The exact path only: sub-paths are not served.
    let mut client = Client::connect(&server);
    client.request("GET", &format!("{path}/x"), &[], b"");
    assert_eq!(client.read_head().status, 500);
}

#[test]
fn item_pages_as_a_responder_for_conversation_items() {
    let pages = ItemPages::new(items(4), 10);
    let server = TestServer::start(Script::new().on_fn(
        "GET",
        "/v1/conversations/conv_1/items",
        pages.responder(),
    ))
    .unwrap();
    let ids = read_all(
        &server,
        "/v1/conversations/conv_1/items",
        "order=asc&limit=3",
    );
    assert_eq!(ids, ["item_1", "item_2", "item_3", "item_4"]);
    assert_eq!(pages.requests(), 2);
    assert_eq!(pages.len(), 4);
}

//! What the server records, how it routes, keeps connections alive, and runs out of script.

mod common;

use std::time::Duration;

use codex_api_testkit::{Script, ScriptedResponse, TestServer};
use common::Client;

const WAIT: Duration = Duration::from_secs(10);

#[test]
fn url_is_loopback_without_trailing_slash() {
    let server = TestServer::start(Script::new()).unwrap();
    let url = server.url();
    assert_eq!(url, format!("http://127.0.0.1:{}", server.addr().port()));
    assert!(!url.ends_with('/'));
    assert_ne!(server.addr().port(), 0);
}

#[test]
fn records_method_path_headers_in_order_and_content_length_body() {
    let server = TestServer::start(Script::new().then(ScriptedResponse::text(200, "ok"))).unwrap();
    let mut client = Client::connect(&server);
    client.request(
        "POST",
        "/v1/responses?trace=1",
        &[
            ("Authorization", "Bearer sk-test"),
            ("X-Custom", "first"),
            ("x-custom", "second"),
        ],
        br#"{"model":"m"}"#,
    );
    let head = client.read_head();
    assert_eq!(head.status, 200);
    assert_eq!(client.read_up_to(2), b"ok");

    let requests = server.wait_for_requests(1, WAIT);
    let request = &requests[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/v1/responses?trace=1");
    assert_eq!(request.path_without_query(), "/v1/responses");
    let names: Vec<&str> = request.headers.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "Host",
            "Authorization",
            "X-Custom",
            "x-custom",
            "Content-Length"
        ]
    );
    assert_eq!(request.header("authorization"), Some("Bearer sk-test"));
    assert_eq!(request.header("X-CUSTOM"), Some("first"));
    assert_eq!(request.header_values("x-custom"), ["first", "second"]);
    assert_eq!(request.header("missing"), None);
    assert_eq!(request.body, br#"{"model":"m"}"#);
    assert_eq!(request.body_json().unwrap()["model"], "m");
    assert!(!request.script_exhausted);
}

#[test]
fn records_a_chunked_request_body_de_chunked() {
    let server = TestServer::start(Script::new().then(ScriptedResponse::new(204))).unwrap();
    let mut client = Client::connect(&server);
    client.send(
        b"POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n\
          5\r\nhello\r\n1;ext=1\r\n,\r\n6\r\n world\r\n0\r\nTrailer: t\r\n\r\n",
    );
    let head = client.read_head();
    assert_eq!(head.status, 204);
    let request = &server.wait_for_requests(1, WAIT)[0];
    assert_eq!(request.body, b"hello, world");
    assert_eq!(request.header("transfer-encoding"), Some("chunked"));
}

#[test]
fn answers_expect_continue_before_reading_the_body() {
    let server = TestServer::start(Script::new().then(ScriptedResponse::new(200))).unwrap();
    let mut client = Client::connect(&server);
    client
        .send(b"POST /p HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
    let interim = client.read_head();
    assert_eq!(interim.status, 100);
    client.send(b"abc");
    assert_eq!(client.read_head().status, 200);
    assert_eq!(server.wait_for_requests(1, WAIT)[0].body, b"abc");
}

#[test]
fn keep_alive_serves_two_requests_on_one_connection() {
    let server = TestServer::start(
        Script::new()
            .then(ScriptedResponse::text(200, "one"))
            .then(ScriptedResponse::text(201, "two")),
    )
    .unwrap();
    let mut client = Client::connect(&server);
    client.request("GET", "/a", &[], b"");
    let head = client.read_head();
    assert_eq!(head.status, 200);
    assert_eq!(head.header("content-length"), Some("3"));
    assert_eq!(head.header("connection"), None);
    assert_eq!(client.read_up_to(3), b"one");
    client.request("GET", "/b", &[], b"");
    assert_eq!(client.read_head().status, 201);
    assert_eq!(client.read_up_to(3), b"two");

    let requests = server.wait_for_requests(2, WAIT);
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].connection_id, requests[1].connection_id);
    assert_eq!(
        (requests[0].path.as_str(), requests[1].path.as_str()),
        ("/a", "/b")
    );
    assert!(requests[1].received_at >= requests[0].received_at);
}

#[test]
fn pipelined_requests_are_answered_in_turn() {
    let server = TestServer::start(
        Script::new()
            .then(ScriptedResponse::text(200, "1"))
            .then(ScriptedResponse::text(200, "2")),
    )
    .unwrap();
    let mut client = Client::connect(&server);
    client.send(b"GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n");
    client.read_head();
    assert_eq!(client.read_up_to(1), b"1");
    client.read_head();
    assert_eq!(client.read_up_to(1), b"2");
}

#[test]
fn separate_connections_get_separate_ids() {
    let server = TestServer::start(
        Script::new()
            .then(ScriptedResponse::new(200))
            .then(ScriptedResponse::new(200)),
    )
    .unwrap();
    for _ in 0..2 {
        let mut client = Client::connect(&server);
        client.request("GET", "/", &[], b"");
        assert_eq!(client.read_head().status, 200);
    }
    let requests = server.wait_for_requests(2, WAIT);
    assert_ne!(requests[0].connection_id, requests[1].connection_id);
}

#[test]
fn client_connection_close_is_honoured() {
    let server = TestServer::start(Script::new().then(ScriptedResponse::text(200, "x"))).unwrap();
    let mut client = Client::connect(&server);
    client.request("GET", "/", &[("Connection", "close")], b"");
    let head = client.read_head();
    assert_eq!(head.header("connection"), Some("close"));
    assert_eq!(client.read_to_end(), b"x");
}

#[test]
fn scripted_connection_close_ends_the_connection() {
    let server = TestServer::start(
        Script::new()
            .then(ScriptedResponse::text(200, "bye").close_connection())
            .then(ScriptedResponse::new(200)),
    )
    .unwrap();
    let mut client = Client::connect(&server);
    client.request("GET", "/", &[], b"");
    let head = client.read_head();
    assert_eq!(head.header("connection"), Some("close"));
    assert_eq!(client.read_to_end(), b"bye");
    assert_eq!(server.remaining_responses(), 1);
}

#[test]
fn exhausted_script_answers_500_with_a_clear_body_and_records_it() {
    let server = TestServer::start(Script::new().then(ScriptedResponse::new(200))).unwrap();
    let mut client = Client::connect(&server);
    client.request("GET", "/first", &[], b"");
    assert_eq!(client.read_head().status, 200);
    client.request("POST", "/v1/responses", &[], b"{}");
    let head = client.read_head();
    assert_eq!(head.status, 500);
    let len: usize = head.header("content-length").unwrap().parse().unwrap();
    let body = String::from_utf8(client.read_up_to(len)).unwrap();
    assert!(body.contains("script exhausted"), "{body}");
    assert!(body.contains("POST /v1/responses"), "{body}");

    let requests = server.wait_for_requests(2, WAIT);
    assert!(!requests[0].script_exhausted);
    assert!(requests[1].script_exhausted);
    assert_eq!(requests[1].body, b"{}");
}

#[test]
fn routes_take_their_own_queue_and_the_rest_go_in_order() {
    let server = TestServer::start(
        Script::new()
            .on("POST", "/v1/responses", ScriptedResponse::text(200, "r1"))
            .on("GET", "/v1/models", ScriptedResponse::text(200, "m1"))
            .on("POST", "/v1/responses", ScriptedResponse::text(200, "r2"))
            .then(ScriptedResponse::text(200, "any")),
    )
    .unwrap();
    let mut client = Client::connect(&server);
    let mut call = |method: &str, path: &str| {
        client.request(method, path, &[], b"");
        let head = client.read_head();
        let len: usize = head.header("content-length").unwrap().parse().unwrap();
        (
            head.status,
            String::from_utf8(client.read_up_to(len)).unwrap(),
        )
    };
    assert_eq!(call("GET", "/v1/models?client_version=1").1, "m1");
    assert_eq!(call("POST", "/v1/responses").1, "r1");
    assert_eq!(call("GET", "/v1/models").1, "any");
    assert_eq!(call("POST", "/v1/responses").1, "r2");
    assert_eq!(call("POST", "/v1/responses").0, 500);
}

#[test]
fn responses_pushed_after_start_are_served() {
    let server = TestServer::start(Script::new()).unwrap();
    server.push_on("GET", "/late", ScriptedResponse::new(202));
    server.push(ScriptedResponse::new(203));
    let mut client = Client::connect(&server);
    client.request("GET", "/other", &[], b"");
    assert_eq!(client.read_head().status, 203);
    client.request("GET", "/late", &[], b"");
    assert_eq!(client.read_head().status, 202);
}

#[test]
fn malformed_request_gets_400_and_a_close() {
    let server = TestServer::start(Script::new().then(ScriptedResponse::new(200))).unwrap();
    let mut client = Client::connect(&server);
    client.send(b"NOT HTTP AT ALL\r\n\r\n");
    let head = client.read_head();
    assert_eq!(head.status, 400);
    assert_eq!(head.header("connection"), Some("close"));
    client.read_to_end();
    assert!(server.requests().is_empty());
    assert_eq!(server.remaining_responses(), 1);
}

#[test]
fn hang_up_closes_without_a_response_after_recording() {
    let server = TestServer::start(Script::new().then(ScriptedResponse::hang_up())).unwrap();
    let mut client = Client::connect(&server);
    client.request("POST", "/v1/responses", &[], b"{}");
    assert!(client.read_to_end().is_empty());
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn wait_for_requests_returns_what_arrived_on_timeout() {
    let server = TestServer::start(Script::new()).unwrap();
    let requests = server.wait_for_requests(1, Duration::from_millis(50));
    assert!(requests.is_empty());
}

#[test]
fn head_request_gets_headers_without_body() {
    let server = TestServer::start(
        Script::new()
            .then(ScriptedResponse::text(200, "body"))
            .then(ScriptedResponse::new(200)),
    )
    .unwrap();
    let mut client = Client::connect(&server);
    client.send(b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n");
    let head = client.read_head();
    assert_eq!(head.header("content-length"), Some("4"));
    // The next response follows at once: no body bytes in between.
    client.request("GET", "/", &[], b"");
    assert_eq!(client.read_head().status, 200);
}

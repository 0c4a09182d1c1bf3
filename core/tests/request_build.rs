//! Request building: header layers and precedence, rejection of invalid headers from every
//! source, auth headers, endpoint URLs, bodies and compression.

use bytes::Bytes;
use codex_api_core::auth_scheme::AuthScheme;
use codex_api_core::credentials::Credentials;
use codex_api_core::provider::Provider;
use codex_api_core::request::{
    BuildError, Compression, Endpoint, ResponsesOptions, TurnState, build_request,
    turn_state_from_headers,
};
use codex_api_core::secret::Secret;
use http::{HeaderMap, Method};

const BODY: &[u8] = br#"{"model":"gpt-5","input":"hello","stream":true}"#;

fn body() -> Option<Bytes> {
    Some(Bytes::from_static(BODY))
}

fn header<'a>(request: &'a http::Request<Bytes>, name: &str) -> Option<&'a str> {
    request
        .headers()
        .get(name)
        .map(|value| value.to_str().unwrap())
}

fn build(
    provider: &Provider,
    endpoint: &Endpoint,
    options: &ResponsesOptions,
    credentials: &Credentials,
) -> Result<http::Request<Bytes>, BuildError> {
    build_request(provider, endpoint, body(), options, credentials)
}

#[test]
fn responses_request_has_all_layers() {
    let provider = Provider::openai()
        .with_organization("org-1")
        .with_project("proj-1")
        .with_originator("my_tool");
    let options = ResponsesOptions::new()
        .with_session_id("sess-1")
        .with_thread_id("thread-1")
        .with_subagent("review")
        .with_turn_state("ts-abc")
        .with_header("X-Custom", "custom");
    let request = build(
        &provider,
        &Endpoint::responses(),
        &options,
        &Credentials::api_key("sk-test"),
    )
    .unwrap();
    assert_eq!(request.method(), Method::POST);
    assert_eq!(request.uri(), "https://api.openai.com/v1/responses");
    assert_eq!(request.body().as_ref(), BODY);
    let expected = [
        (
            "user-agent",
            concat!("codex-api/", env!("CARGO_PKG_VERSION")),
        ),
        ("originator", "my_tool"),
        ("openai-organization", "org-1"),
        ("openai-project", "proj-1"),
        ("session-id", "sess-1"),
        ("thread-id", "thread-1"),
        ("x-client-request-id", "thread-1"),
        ("x-openai-subagent", "review"),
        ("x-codex-turn-state", "ts-abc"),
        ("x-custom", "custom"),
        ("accept", "text/event-stream"),
        ("content-type", "application/json"),
        ("authorization", "Bearer sk-test"),
    ];
    for (name, value) in expected {
        assert_eq!(header(&request, name), Some(value), "{name}");
    }
    assert_eq!(request.headers().len(), expected.len());
    assert!(request.headers()["authorization"].is_sensitive());
}

#[test]
fn each_layer_overrides_the_previous() {
    // (provider default, extra header, expected winner) for a header no later layer sets.
    let provider = Provider::openai()
        .with_header("X-Layer", "provider")
        .with_header("User-Agent", "custom-agent/1")
        .with_header("originator", "from-default-header");
    let only_provider = build(
        &provider,
        &Endpoint::responses(),
        &ResponsesOptions::new(),
        &Credentials::None,
    )
    .unwrap();
    assert_eq!(header(&only_provider, "x-layer"), Some("provider"));
    assert_eq!(header(&only_provider, "user-agent"), Some("custom-agent/1"));
    assert_eq!(
        header(&only_provider, "originator"),
        Some("from-default-header")
    );

    // Extra headers beat provider defaults.
    let options = ResponsesOptions::new()
        .with_header("x-layer", "extra")
        .with_header("session-id", "from-extra")
        .with_header("Accept", "application/xml")
        .with_header("Content-Type", "text/plain")
        .with_header("Authorization", "Bearer attacker")
        .with_header("ChatGPT-Account-ID", "other-account");
    let request = build(
        &provider,
        &Endpoint::responses(),
        &options,
        &Credentials::None,
    )
    .unwrap();
    assert_eq!(header(&request, "x-layer"), Some("extra"));
    assert_eq!(header(&request, "session-id"), Some("from-extra"));
    // Endpoint headers beat extra headers.
    assert_eq!(header(&request, "accept"), Some("text/event-stream"));
    assert_eq!(header(&request, "content-type"), Some("application/json"));
    // Without credentials, nothing replaces a caller-supplied Authorization.
    assert_eq!(header(&request, "authorization"), Some("Bearer attacker"));

    // Named options beat extra headers.
    let named = build(
        &provider,
        &Endpoint::responses(),
        &options.clone().with_session_id("named"),
        &Credentials::None,
    )
    .unwrap();
    assert_eq!(header(&named, "session-id"), Some("named"));

    // Auth beats everything, and replaces (not appends) same-name headers.
    let authed = build(
        &provider,
        &Endpoint::responses(),
        &options,
        &Credentials::chatgpt("real-token", "acct-1"),
    )
    .unwrap();
    assert_eq!(header(&authed, "authorization"), Some("Bearer real-token"));
    assert_eq!(header(&authed, "chatgpt-account-id"), Some("acct-1"));
    assert_eq!(authed.headers().get_all("authorization").iter().count(), 1);
    assert_eq!(
        authed
            .headers()
            .get_all("chatgpt-account-id")
            .iter()
            .count(),
        1
    );

    // A provider default Authorization also loses to credentials.
    let provider_auth = Provider::openai().with_header("Authorization", "Bearer stale");
    let request = build(
        &provider_auth,
        &Endpoint::responses(),
        &ResponsesOptions::new(),
        &Credentials::api_key("fresh"),
    )
    .unwrap();
    assert_eq!(header(&request, "authorization"), Some("Bearer fresh"));

    // Later extra headers replace earlier ones of the same name.
    let twice = ResponsesOptions::new()
        .with_header("X-Twice", "first")
        .with_header("x-twice", "second");
    let request = build(
        &Provider::openai(),
        &Endpoint::responses(),
        &twice,
        &Credentials::None,
    )
    .unwrap();
    assert_eq!(header(&request, "x-twice"), Some("second"));
    assert_eq!(request.headers().get_all("x-twice").iter().count(), 1);
}

#[test]
fn credentials_headers_and_schemes() {
    type Case = (
        Credentials,
        AuthScheme,
        Vec<(&'static str, &'static str)>,
        Vec<&'static str>,
    );
    let cases: Vec<Case> = vec![
        (
            Credentials::api_key("sk-1"),
            AuthScheme::Bearer,
            vec![("authorization", "Bearer sk-1")],
            vec!["chatgpt-account-id", "x-openai-fedramp"],
        ),
        (
            Credentials::chatgpt("tok", "acct"),
            AuthScheme::Bearer,
            vec![
                ("authorization", "Bearer tok"),
                ("chatgpt-account-id", "acct"),
            ],
            vec!["x-openai-fedramp"],
        ),
        (
            Credentials::ChatGpt {
                token: Secret::new("tok"),
                account_id: "acct-fed".into(),
                fedramp: true,
            },
            AuthScheme::Bearer,
            vec![
                ("authorization", "Bearer tok"),
                ("chatgpt-account-id", "acct-fed"),
                ("x-openai-fedramp", "true"),
            ],
            vec![],
        ),
        (
            Credentials::AgentAssertion(Secret::new("eyJhc3NlcnRpb24")),
            AuthScheme::AgentAssertion,
            vec![("authorization", "AgentAssertion eyJhc3NlcnRpb24")],
            vec!["chatgpt-account-id", "x-openai-fedramp"],
        ),
        (
            Credentials::AccountAgentAssertion {
                assertion: Secret::new("eyJh"),
                account_id: "acct".into(),
                fedramp: true,
            },
            AuthScheme::AgentAssertion,
            vec![
                ("authorization", "AgentAssertion eyJh"),
                ("chatgpt-account-id", "acct"),
                ("x-openai-fedramp", "true"),
            ],
            vec![],
        ),
        (
            Credentials::None,
            AuthScheme::None,
            vec![],
            vec!["authorization", "chatgpt-account-id", "x-openai-fedramp"],
        ),
    ];
    for (credentials, scheme, present, absent) in cases {
        assert_eq!(credentials.scheme(), scheme);
        let request = build(
            &Provider::chatgpt_codex(),
            &Endpoint::responses(),
            &ResponsesOptions::new(),
            &credentials,
        )
        .unwrap();
        for (name, value) in present {
            assert_eq!(
                header(&request, name),
                Some(value),
                "{credentials:?} {name}"
            );
        }
        for name in absent {
            assert!(
                request.headers().get(name).is_none(),
                "{credentials:?} {name}"
            );
        }
    }
}

#[test]
fn models_client_version_with_and_without_existing_query() {
    let cases = [
        (
            Provider::openai(),
            "https://api.openai.com/v1/models?client_version=0.9.1",
        ),
        (
            Provider::custom(
                "azure",
                "https://r.openai.azure.com/openai?api-version=2025",
            )
            .unwrap(),
            "https://r.openai.azure.com/openai/models?api-version=2025&client_version=0.9.1",
        ),
        (
            Provider::openai().with_query_param("a", "1"),
            "https://api.openai.com/v1/models?a=1&client_version=0.9.1",
        ),
    ];
    for (provider, expected) in cases {
        let request = build_request(
            &provider,
            &Endpoint::models(Some("0.9.1")),
            None,
            &ResponsesOptions::new(),
            &Credentials::None,
        )
        .unwrap();
        assert_eq!(request.method(), Method::GET);
        assert_eq!(request.uri(), expected);
        assert!(request.body().is_empty());
        assert!(request.headers().get("content-type").is_none());
        assert_eq!(header(&request, "accept"), Some("application/json"));
    }
    let request = build_request(
        &Provider::openai(),
        &Endpoint::models(None),
        None,
        &ResponsesOptions::new(),
        &Credentials::None,
    )
    .unwrap();
    assert_eq!(request.uri(), "https://api.openai.com/v1/models");
}

#[test]
fn endpoint_paths() {
    let cases = [
        (
            Endpoint::responses(),
            "https://chatgpt.com/backend-api/codex/responses",
        ),
        (
            Endpoint::responses_compact(),
            "https://chatgpt.com/backend-api/codex/responses/compact",
        ),
        (
            Endpoint::memories_trace_summarize(),
            "https://chatgpt.com/backend-api/codex/memories/trace_summarize",
        ),
    ];
    for (endpoint, expected) in cases {
        let request = build(
            &Provider::chatgpt_codex(),
            &endpoint,
            &ResponsesOptions::new(),
            &Credentials::None,
        )
        .unwrap();
        assert_eq!(request.uri(), expected);
        assert_eq!(request.method(), Method::POST);
        assert_eq!(header(&request, "content-type"), Some("application/json"));
    }
    let bad_path = Endpoint::new(Method::GET, "models with spaces");
    assert!(matches!(
        build(
            &Provider::openai(),
            &bad_path,
            &ResponsesOptions::new(),
            &Credentials::None
        ),
        Err(BuildError::InvalidUrl { .. })
    ));
}

#[test]
fn content_encoding_header_conflicts_with_compression() {
    let options = ResponsesOptions::new()
        .with_compression(Compression::Zstd)
        .with_header("Content-Encoding", "gzip");
    assert_eq!(
        build(
            &Provider::openai(),
            &Endpoint::responses(),
            &options,
            &Credentials::None
        )
        .unwrap_err(),
        BuildError::ContentEncodingConflict
    );
    let provider = Provider::openai().with_header("content-encoding", "br");
    let options = ResponsesOptions::new().with_compression(Compression::Zstd);
    assert_eq!(
        build(
            &provider,
            &Endpoint::responses(),
            &options,
            &Credentials::None
        )
        .unwrap_err(),
        BuildError::ContentEncodingConflict
    );
    // Without compression, a caller-set Content-Encoding passes through untouched.
    let options = ResponsesOptions::new().with_header("Content-Encoding", "identity");
    let request = build(
        &Provider::openai(),
        &Endpoint::responses(),
        &options,
        &Credentials::None,
    )
    .unwrap();
    assert_eq!(header(&request, "content-encoding"), Some("identity"));
    assert_eq!(request.body().as_ref(), BODY);
}

#[test]
fn compression_without_body_is_a_no_op() {
    let options = ResponsesOptions::new().with_compression(Compression::Zstd);
    let request = build_request(
        &Provider::openai(),
        &Endpoint::models(None),
        None,
        &options,
        &Credentials::None,
    )
    .unwrap();
    assert!(request.headers().get("content-encoding").is_none());
    assert!(request.body().is_empty());
}

#[cfg(not(feature = "zstd"))]
#[test]
fn zstd_without_feature_is_a_typed_error() {
    let options = ResponsesOptions::new().with_compression(Compression::Zstd);
    assert_eq!(
        build(
            &Provider::openai(),
            &Endpoint::responses(),
            &options,
            &Credentials::None
        )
        .unwrap_err(),
        BuildError::CompressionUnavailable
    );
}

#[cfg(feature = "zstd")]
#[test]
fn zstd_round_trip() {
    let large: Vec<u8> = BODY.iter().copied().cycle().take(64 * 1024).collect();
    let options = ResponsesOptions::new().with_compression(Compression::Zstd);
    let request = build_request(
        &Provider::openai(),
        &Endpoint::responses(),
        Some(Bytes::from(large.clone())),
        &options,
        &Credentials::api_key("k"),
    )
    .unwrap();
    assert_eq!(header(&request, "content-encoding"), Some("zstd"));
    assert_eq!(header(&request, "content-type"), Some("application/json"));
    assert!(request.body().len() < large.len() / 10);
    assert_eq!(&request.body()[..4], &[0x28, 0xb5, 0x2f, 0xfd]);
    let decoded = zstd::decode_all(request.body().as_ref()).unwrap();
    assert_eq!(decoded, large);
}

#[test]
fn turn_state_first_value_wins() {
    let mut headers = HeaderMap::new();
    assert_eq!(turn_state_from_headers(&headers), None);
    headers.append("x-codex-turn-state", "".parse().unwrap());
    assert_eq!(turn_state_from_headers(&headers), None);
    headers.append("x-codex-turn-state", "first".parse().unwrap());
    headers.append("x-codex-turn-state", "second".parse().unwrap());
    assert_eq!(turn_state_from_headers(&headers).as_deref(), Some("first"));

    let mut turn = TurnState::new();
    assert!(!turn.handle_response_headers(&HeaderMap::new()));
    assert_eq!(turn.value(), None);
    assert!(turn.handle_response_headers(&headers));
    let mut later = HeaderMap::new();
    later.insert("x-codex-turn-state", "later".parse().unwrap());
    assert!(!turn.handle_response_headers(&later));
    assert_eq!(turn.value(), Some("first"));

    let options = turn.apply_to(ResponsesOptions::new());
    let request = build(
        &Provider::chatgpt_codex(),
        &Endpoint::responses(),
        &options,
        &Credentials::None,
    )
    .unwrap();
    assert_eq!(header(&request, "x-codex-turn-state"), Some("first"));
    // An empty TurnState leaves an explicit value alone.
    let kept = TurnState::new().apply_to(ResponsesOptions::new().with_turn_state("explicit"));
    assert_eq!(kept.turn_state.as_deref(), Some("explicit"));
}

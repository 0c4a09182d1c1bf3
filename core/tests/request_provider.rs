//! Provider tables: URL joining, query encoding and order, Azure and first-party detection,
//! base URL validation.

use codex_api_core::provider::{
    DEFAULT_STREAM_IDLE_TIMEOUT, DEFAULT_USER_AGENT, Provider, ProviderError, QueryParams,
};
use std::time::Duration;

#[test]
fn url_joining_trims_duplicate_slashes() {
    let cases = [
        ("https://x/v1", "responses", "https://x/v1/responses"),
        ("https://x/v1/", "/responses", "https://x/v1/responses"),
        ("https://x/v1//", "//responses", "https://x/v1/responses"),
        (
            "https://x/v1",
            "/responses/compact",
            "https://x/v1/responses/compact",
        ),
        ("https://x", "models", "https://x/models"),
        ("https://x/", "", "https://x"),
        (
            "http://127.0.0.1:8080/v1/",
            "memories/trace_summarize",
            "http://127.0.0.1:8080/v1/memories/trace_summarize",
        ),
        (
            "https://x/openai?api-version=1",
            "/responses",
            "https://x/openai/responses?api-version=1",
        ),
        (
            "https://x/openai/?api-version=1",
            "responses",
            "https://x/openai/responses?api-version=1",
        ),
    ];
    for (base, path, expected) in cases {
        let provider = Provider::custom("p", base).unwrap();
        assert_eq!(provider.url_for_path(path), expected, "{base} + {path}");
    }
}

#[test]
fn query_parameters_are_encoded_in_insertion_order() {
    let provider = Provider::custom("p", "https://x/v1/")
        .unwrap()
        .with_query_param("z", "last letter")
        .with_query_param("a", "x&y=z")
        .with_query_param("unicode", "é/ü?")
        .with_query_param("safe", "A-z_0.9~")
        .with_query_param("z", "replaced in place");
    assert_eq!(
        provider.url_for_path("/responses"),
        "https://x/v1/responses?z=replaced%20in%20place&a=x%26y%3Dz&unicode=%C3%A9%2F%C3%BC%3F&safe=A-z_0.9~"
    );
}

#[test]
fn endpoint_query_follows_provider_query_with_ampersand() {
    let extra = QueryParams::new().with("client_version", "1.2.3");
    let cases = [
        (
            "https://x/v1",
            vec![],
            "https://x/v1/models?client_version=1.2.3",
        ),
        (
            "https://x/v1",
            vec![("api-version", "2025")],
            "https://x/v1/models?api-version=2025&client_version=1.2.3",
        ),
        (
            "https://x/v1?key=1",
            vec![],
            "https://x/v1/models?key=1&client_version=1.2.3",
        ),
        (
            "https://x/v1?key=1",
            vec![("b", "2")],
            "https://x/v1/models?key=1&b=2&client_version=1.2.3",
        ),
    ];
    for (base, params, expected) in cases {
        let mut provider = Provider::custom("p", base).unwrap();
        for (name, value) in params {
            provider = provider.with_query_param(name, value);
        }
        assert_eq!(provider.url_for("models", &extra), expected);
    }
}

#[test]
fn azure_detection_matches_codex_markers() {
    let positives = [
        ("azure", "https://example.com/v1"),
        ("AZURE", "https://example.com/v1"),
        ("Azure", "http://localhost:8080"),
        ("p", "https://myres.openai.azure.com/openai"),
        ("p", "https://myres.openai.azure.us/openai/v1"),
        ("p", "https://MyRes.OpenAI.Azure.com/openai"),
        ("p", "https://foo.cognitiveservices.azure.com/openai"),
        ("p", "https://foo.aoai.azure.com/v1"),
        ("p", "https://gateway.azure-api.net/openai"),
        ("p", "https://edge.azurefd.net/openai"),
        ("p", "https://store.blob.core.windows.net/openai/v1"),
    ];
    for (name, base) in positives {
        let provider = Provider::custom(name, base).unwrap();
        assert!(provider.is_azure_responses_endpoint(), "{name} {base}");
    }
    let negatives = [
        ("openai", "https://api.openai.com/v1"),
        ("p", "https://example.com/openai"),
        ("p", "https://myapp.azurewebsites.net/openai"),
        ("p", "https://chatgpt.com/backend-api/codex"),
        ("azure-like", "https://azure.example.com/v1"),
        ("p", "http://localhost:11434/v1"),
        ("p", "https://openai.example.com/azure"),
        ("azurefoundry", "https://models.example.net/v1"),
    ];
    for (name, base) in negatives {
        let provider = Provider::custom(name, base).unwrap();
        assert!(!provider.is_azure_responses_endpoint(), "{name} {base}");
    }
    assert!(!Provider::openai().is_azure_responses_endpoint());
    assert!(!Provider::chatgpt_codex().is_azure_responses_endpoint());
}

#[test]
fn first_party_detection() {
    assert!(Provider::openai().is_first_party_openai());
    assert!(Provider::chatgpt_codex().is_first_party_openai());
    let positives = [
        "https://api.openai.com/v1",
        "https://API.OPENAI.COM/v1/",
        "https://chatgpt.com/backend-api/codex",
        "https://chatgpt.com/backend-api/codex/",
        "https://chat.openai.com/backend-api/codex",
    ];
    for base in positives {
        assert!(
            Provider::custom("p", base).unwrap().is_first_party_openai(),
            "{base}"
        );
    }
    let negatives = [
        "http://api.openai.com/v1",
        "https://api.openai.com:8443/v1",
        "https://api.openai.com.evil.example/v1",
        "https://chatgpt.com/backend-api",
        "https://chatgpt.com/backend-api/codexx",
        "https://myres.openai.azure.com/openai",
        "http://127.0.0.1:8080/v1",
        "https://user@api.openai.com/v1",
    ];
    for base in negatives {
        assert!(
            !Provider::custom("p", base).unwrap().is_first_party_openai(),
            "{base}"
        );
    }
}

#[test]
fn constructors_and_defaults() {
    let openai = Provider::openai();
    assert_eq!(openai.name(), "openai");
    assert_eq!(openai.base_url(), "https://api.openai.com/v1");
    assert_eq!(
        openai.url_for_path("responses"),
        "https://api.openai.com/v1/responses"
    );
    let chatgpt = Provider::chatgpt_codex();
    assert_eq!(
        chatgpt.url_for_path("responses"),
        "https://chatgpt.com/backend-api/codex/responses"
    );
    assert_eq!(openai.originator(), "codex_api_rs");
    assert_eq!(openai.user_agent(), DEFAULT_USER_AGENT);
    assert_eq!(
        DEFAULT_USER_AGENT,
        concat!("codex-api/", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(openai.stream_idle_timeout(), Duration::from_secs(300));
    assert_eq!(DEFAULT_STREAM_IDLE_TIMEOUT, Duration::from_secs(300));
    assert_eq!(openai.retry().max_retries, None);
    assert!(!openai.retry().disabled);

    let tuned = Provider::openai()
        .with_max_retries(2)
        .with_stream_idle_timeout(Duration::from_secs(5))
        .with_retries_disabled(true);
    assert_eq!(tuned.retry().max_retries, Some(2));
    assert_eq!(tuned.stream_idle_timeout(), Duration::from_secs(5));
    assert!(tuned.retry().disabled);
}

#[test]
fn invalid_base_urls_are_typed_errors() {
    for bad in [
        "",
        "api.openai.com/v1",
        "/v1",
        "ftp://example.com/v1",
        "https://",
        "https://exa mple.com/v1",
        "https://example.com/v1#frag",
        "https://example.com/\r\nX: y",
    ] {
        assert!(
            matches!(
                Provider::custom("p", bad),
                Err(ProviderError::InvalidBaseUrl { .. })
            ),
            "{bad:?}"
        );
    }
    assert!(Provider::custom("p", "http://localhost:11434/v1").is_ok());
}

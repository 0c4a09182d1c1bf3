//! Header rejection: an invalid name or a value with CR/LF from any source is a typed error
//! naming the header (never showing the value), and no secret reaches `Debug` output.

use bytes::Bytes;
use codex_api_core::credentials::Credentials;
use codex_api_core::provider::Provider;
use codex_api_core::request::{BuildError, Endpoint, ResponsesOptions, build_request};
use codex_api_core::secret::Secret;
use http::Method;

const BODY: &[u8] = br#"{"model":"gpt-5","input":"hello","stream":true}"#;

fn build(
    provider: &Provider,
    endpoint: &Endpoint,
    options: &ResponsesOptions,
    credentials: &Credentials,
) -> Result<http::Request<Bytes>, BuildError> {
    build_request(
        provider,
        endpoint,
        Some(Bytes::from_static(BODY)),
        options,
        credentials,
    )
}

fn expect_invalid(result: Result<http::Request<Bytes>, BuildError>, name: &str, secret: &str) {
    let error = result.expect_err(name);
    assert_eq!(
        error,
        BuildError::InvalidHeader {
            name: name.to_owned()
        }
    );
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains(secret), "{shown}");
}

#[test]
fn invalid_values_are_rejected_from_every_source() {
    let endpoint = Endpoint::responses();
    let ok_options = ResponsesOptions::new();
    let none = Credentials::None;
    let bad_values = [
        "evil\r\nX-Injected: 1",
        "evil\nX-Injected: 1",
        "evil\rX",
        "nul\0byte",
    ];
    for bad in bad_values {
        // Provider sources.
        let provider = Provider::openai().with_header("X-Default", bad);
        expect_invalid(
            build(&provider, &endpoint, &ok_options, &none),
            "X-Default",
            bad,
        );
        let provider = Provider::openai().with_organization(bad);
        expect_invalid(
            build(&provider, &endpoint, &ok_options, &none),
            "OpenAI-Organization",
            bad,
        );
        let provider = Provider::openai().with_project(bad);
        expect_invalid(
            build(&provider, &endpoint, &ok_options, &none),
            "OpenAI-Project",
            bad,
        );
        let provider = Provider::openai().with_originator(bad);
        expect_invalid(
            build(&provider, &endpoint, &ok_options, &none),
            "originator",
            bad,
        );
        let provider = Provider::openai().with_user_agent(bad);
        expect_invalid(
            build(&provider, &endpoint, &ok_options, &none),
            "User-Agent",
            bad,
        );

        // Option sources.
        let provider = Provider::openai();
        let cases = [
            (
                ResponsesOptions::new().with_header("X-Extra", bad),
                "X-Extra",
            ),
            (ResponsesOptions::new().with_session_id(bad), "session-id"),
            (ResponsesOptions::new().with_thread_id(bad), "thread-id"),
            (
                ResponsesOptions::new().with_subagent(bad),
                "x-openai-subagent",
            ),
            (
                ResponsesOptions::new().with_turn_state(bad),
                "x-codex-turn-state",
            ),
        ];
        for (options, name) in cases {
            expect_invalid(build(&provider, &endpoint, &options, &none), name, bad);
        }

        // Endpoint source.
        let custom = Endpoint::new(Method::POST, "responses").with_header("X-Endpoint", bad);
        expect_invalid(
            build(&provider, &custom, &ok_options, &none),
            "X-Endpoint",
            bad,
        );

        // Credential sources.
        let cases = [
            (Credentials::api_key(bad), "authorization"),
            (Credentials::chatgpt(bad, "acct"), "authorization"),
            (Credentials::chatgpt("tok", bad), "ChatGPT-Account-ID"),
            (
                Credentials::AgentAssertion(Secret::new(bad)),
                "authorization",
            ),
        ];
        for (credentials, name) in cases {
            expect_invalid(
                build(&provider, &endpoint, &ok_options, &credentials),
                name,
                bad,
            );
        }
    }
}

#[test]
fn invalid_names_are_rejected_from_every_source() {
    let endpoint = Endpoint::responses();
    let none = Credentials::None;
    for bad in ["", "Bad Name", "x:y", "caf\u{e9}", "a\r\nb", "(paren)"] {
        let provider = Provider::openai().with_header(bad, "v");
        expect_invalid(
            build(&provider, &endpoint, &ResponsesOptions::new(), &none),
            bad,
            "\u{0}",
        );
        let options = ResponsesOptions::new().with_header(bad, "v");
        expect_invalid(
            build(&Provider::openai(), &endpoint, &options, &none),
            bad,
            "\u{0}",
        );
        let custom = Endpoint::new(Method::GET, "models").with_header(bad, "v");
        expect_invalid(
            build(
                &Provider::openai(),
                &custom,
                &ResponsesOptions::new(),
                &none,
            ),
            bad,
            "\u{0}",
        );
    }
}

#[test]
fn debug_output_never_contains_secrets() {
    let secret = "sk-proj-VERYSECRET";
    let credentials = [
        Credentials::api_key(secret),
        Credentials::chatgpt(secret, "acct"),
        Credentials::AgentAssertion(Secret::new(secret)),
        Credentials::AccountAgentAssertion {
            assertion: Secret::new(secret),
            account_id: "acct".into(),
            fedramp: false,
        },
    ];
    for credentials in credentials {
        assert!(!format!("{credentials:?}").contains(secret));
        assert!(!format!("{credentials:#?}").contains(secret));
        let request = build(
            &Provider::openai(),
            &Endpoint::responses(),
            &ResponsesOptions::new(),
            &credentials,
        )
        .unwrap();
        assert!(!format!("{request:?}").contains(secret), "{request:?}");
        assert!(!format!("{:?}", request.headers()).contains(secret));
    }
}

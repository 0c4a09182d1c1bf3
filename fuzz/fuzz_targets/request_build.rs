//! Fuzz target: request building with arbitrary strings in every field and header.
//!
//! Provider (base URL, name, query parameters, default headers, organization, project,
//! originator, user agent), endpoint (method, path, query, headers), options (session, thread,
//! subagent, turn state, extra headers, compression), body and credentials are all arbitrary.
//! Checked:
//! - no panic: the outcome is a `http::Request` or a typed `BuildError`;
//! - a built request has no CR, LF or NUL in any header value, a URI that `http` accepts, the
//!   body that was given, and (with credentials) exactly the credentials' `Authorization`
//!   value, marked sensitive;
//! - neither the `BuildError` (Display or Debug) nor the credentials' Debug shows the token
//!   (every token carries a fixed marker so that it cannot be a piece of some fixed text);
//! - `PreparedRequest::build` agrees with `build_request`.
#![no_main]

use bytes::Bytes;
use codex_api_core::credentials::Credentials;
use codex_api_core::provider::Provider;
use codex_api_core::request::{
    Compression, Endpoint, PreparedRequest, ResponsesOptions, build_request,
};
use http::Method;
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
enum BaseUrl {
    OpenAi,
    ChatGpt,
    /// `https://<host><rest>`.
    Https {
        host: String,
        rest: String,
    },
    Raw(String),
}

#[derive(Debug, Arbitrary)]
enum Creds {
    None,
    ApiKey(String),
    ChatGpt {
        token: String,
        account_id: String,
        fedramp: bool,
    },
    AgentAssertion(String),
    AccountAgentAssertion {
        assertion: String,
        account_id: String,
        fedramp: bool,
    },
}

#[derive(Debug, Arbitrary)]
struct Input {
    name: String,
    base_url: BaseUrl,
    provider_query: Vec<(String, String)>,
    provider_headers: Vec<(String, String)>,
    organization: Option<String>,
    project: Option<String>,
    originator: Option<String>,
    user_agent: Option<String>,
    method: u8,
    custom_method: Option<String>,
    path: String,
    endpoint_kind: u8,
    endpoint_query: Vec<(String, String)>,
    endpoint_headers: Vec<(String, String)>,
    session_id: Option<String>,
    thread_id: Option<String>,
    subagent: Option<String>,
    turn_state: Option<String>,
    extra_headers: Vec<(String, String)>,
    zstd: bool,
    body: Option<Vec<u8>>,
    credentials: Creds,
}

/// Every token gets this prefix, so that a token can never be a piece of an error's or a
/// Debug's fixed text (the fuzzer learns those from comparisons); the rest is arbitrary.
const TOKEN_MARK: &str = "zzTOKENzz";

fn credentials(creds: &Creds) -> Credentials {
    let token = |raw: &str| format!("{TOKEN_MARK}{raw}");
    match creds {
        Creds::None => Credentials::None,
        Creds::ApiKey(key) => Credentials::api_key(token(key)),
        Creds::ChatGpt {
            token: raw,
            account_id,
            fedramp,
        } => Credentials::ChatGpt {
            token: token(raw).into(),
            account_id: account_id.clone(),
            fedramp: *fedramp,
        },
        Creds::AgentAssertion(assertion) => Credentials::AgentAssertion(token(assertion).into()),
        Creds::AccountAgentAssertion {
            assertion,
            account_id,
            fedramp,
        } => Credentials::AccountAgentAssertion {
            assertion: token(assertion).into(),
            account_id: account_id.clone(),
            fedramp: *fedramp,
        },
    }
}

/// The token of the credentials, as sent.
fn token(creds: &Creds) -> Option<String> {
    match creds {
        Creds::None => None,
        Creds::ApiKey(raw) | Creds::AgentAssertion(raw) => Some(format!("{TOKEN_MARK}{raw}")),
        Creds::ChatGpt { token: raw, .. } | Creds::AccountAgentAssertion { assertion: raw, .. } => {
            Some(format!("{TOKEN_MARK}{raw}"))
        }
    }
}

/// Every string of the input outside the credentials (a secret that also occurs there may
/// legitimately be shown, e.g. as a header name).
fn public_strings(input: &Input) -> Vec<&str> {
    let mut all: Vec<&str> = vec![input.name.as_str(), input.path.as_str()];
    match &input.base_url {
        BaseUrl::Https { host, rest } => all.extend([host.as_str(), rest.as_str()]),
        BaseUrl::Raw(url) => all.push(url),
        BaseUrl::OpenAi | BaseUrl::ChatGpt => {}
    }
    for pairs in [
        &input.provider_query,
        &input.provider_headers,
        &input.endpoint_query,
        &input.endpoint_headers,
        &input.extra_headers,
    ] {
        for (name, value) in pairs {
            all.extend([name.as_str(), value.as_str()]);
        }
    }
    for text in [
        &input.organization,
        &input.project,
        &input.originator,
        &input.user_agent,
        &input.custom_method,
        &input.session_id,
        &input.thread_id,
        &input.subagent,
        &input.turn_state,
    ]
    .into_iter()
    .flatten()
    {
        all.push(text);
    }
    all
}

fn provider(input: &Input) -> Provider {
    let base = match &input.base_url {
        BaseUrl::OpenAi => Ok(Provider::openai()),
        BaseUrl::ChatGpt => Ok(Provider::chatgpt_codex()),
        BaseUrl::Https { host, rest } => {
            Provider::custom(input.name.as_str(), format!("https://{host}{rest}"))
        }
        BaseUrl::Raw(url) => Provider::custom(input.name.as_str(), url.as_str()),
    };
    let mut provider = match base {
        Ok(provider) => provider,
        Err(error) => {
            let _ = (error.to_string(), format!("{error:?}"));
            Provider::openai()
        }
    };
    for (name, value) in input.provider_query.iter().take(8) {
        provider = provider.with_query_param(name.as_str(), value.as_str());
    }
    for (name, value) in input.provider_headers.iter().take(8) {
        provider = provider.with_header(name.as_str(), value.as_str());
    }
    if let Some(organization) = &input.organization {
        provider = provider.with_organization(organization.as_str());
    }
    if let Some(project) = &input.project {
        provider = provider.with_project(project.as_str());
    }
    if let Some(originator) = &input.originator {
        provider = provider.with_originator(originator.as_str());
    }
    if let Some(user_agent) = &input.user_agent {
        provider = provider.with_user_agent(user_agent.as_str());
    }
    provider
}

fn endpoint(input: &Input) -> Endpoint {
    let mut endpoint = match input.endpoint_kind % 5 {
        0 => Endpoint::responses(),
        1 => Endpoint::responses_compact(),
        2 => Endpoint::memories_trace_summarize(),
        3 => Endpoint::models(Some(input.path.as_str())),
        _ => {
            let method = match &input.custom_method {
                Some(custom) => Method::from_bytes(custom.as_bytes()).unwrap_or(Method::POST),
                None => [Method::GET, Method::POST, Method::DELETE, Method::PUT]
                    [usize::from(input.method) % 4]
                    .clone(),
            };
            Endpoint::new(method, input.path.as_str())
        }
    };
    for (name, value) in input.endpoint_query.iter().take(8) {
        endpoint = endpoint.with_query(name.as_str(), value.as_str());
    }
    for (name, value) in input.endpoint_headers.iter().take(8) {
        endpoint = endpoint.with_header(name.as_str(), value.as_str());
    }
    endpoint
}

fn options(input: &Input) -> ResponsesOptions {
    let mut options = ResponsesOptions::new();
    if let Some(session) = &input.session_id {
        options = options.with_session_id(session.as_str());
    }
    if let Some(thread) = &input.thread_id {
        options = options.with_thread_id(thread.as_str());
    }
    if let Some(subagent) = &input.subagent {
        options = options.with_subagent(subagent.as_str());
    }
    if let Some(turn_state) = &input.turn_state {
        options = options.with_turn_state(turn_state.as_str());
    }
    for (name, value) in input.extra_headers.iter().take(8) {
        options = options.with_header(name.as_str(), value.as_str());
    }
    if input.zstd {
        options = options.with_compression(Compression::Zstd);
    }
    options
}

fuzz_target!(|input: Input| {
    let provider = provider(&input);
    let endpoint = endpoint(&input);
    let options = options(&input);
    let credentials = credentials(&input.credentials);
    // The token may legitimately show where it also occurs outside the credentials.
    let mut public = public_strings(&input);
    if let Creds::ChatGpt { account_id, .. } | Creds::AccountAgentAssertion { account_id, .. } =
        &input.credentials
    {
        public.push(account_id);
    }
    let secret = token(&input.credentials)
        .filter(|token| !public.iter().any(|text| text.contains(token.as_str())));
    let body = input.body.clone().map(Bytes::from);

    if let Some(secret) = &secret {
        let debug = format!("{credentials:?}");
        assert!(
            !debug.contains(secret.as_str()),
            "credentials Debug shows the token"
        );
    }

    let built = build_request(&provider, &endpoint, body.clone(), &options, &credentials);
    let prepared = PreparedRequest::new(endpoint.clone(), body.clone());
    let again = prepared.build(&provider, &options, &credentials);
    match (&built, &again) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a.uri(), b.uri());
            assert_eq!(a.headers(), b.headers());
            assert_eq!(a.body(), b.body());
        }
        (Err(a), Err(b)) => assert_eq!(a, b),
        _ => panic!("build_request and PreparedRequest::build disagree"),
    }

    match built {
        Ok(request) => {
            assert_eq!(request.method(), endpoint.method());
            let uri = request.uri().to_string();
            assert!(uri.parse::<http::Uri>().is_ok(), "{uri}");
            for (name, value) in request.headers() {
                let bytes = value.as_bytes();
                assert!(
                    !bytes.iter().any(|b| matches!(b, b'\r' | b'\n' | 0)),
                    "CR/LF/NUL in {name}"
                );
            }
            if !input.zstd {
                assert_eq!(Some(request.body()), body.as_ref().or(Some(&Bytes::new())));
            }
            let expected_auth = match &input.credentials {
                Creds::None => None,
                Creds::ApiKey(_) | Creds::ChatGpt { .. } => {
                    token(&input.credentials).map(|token| format!("Bearer {token}"))
                }
                Creds::AgentAssertion(_) | Creds::AccountAgentAssertion { .. } => {
                    token(&input.credentials).map(|token| format!("AgentAssertion {token}"))
                }
            };
            if let Some(expected) = expected_auth {
                let values: Vec<_> = request.headers().get_all("authorization").iter().collect();
                assert_eq!(values.len(), 1, "one Authorization header");
                assert_eq!(values[0].as_bytes(), expected.as_bytes());
                assert!(values[0].is_sensitive());
            }
        }
        Err(error) => {
            let shown = format!("{error} {error:?}");
            if let Some(secret) = &secret {
                assert!(
                    !shown.contains(secret.as_str()),
                    "BuildError shows the token: {shown}"
                );
            }
        }
    }
});

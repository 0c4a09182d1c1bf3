//! The same transport failure reads the same on every runtime (tokio, async-std, smol,
//! blocking): a refused connection, a host name that does not resolve, a certificate of an
//! unknown issuer and a connection closed before the response. Each error is printed the way
//! anyhow or `{:#}` prints a chain, and names its root cause exactly once.

use std::error::Error as StdError;
use std::future::Future;
use std::io::Read;
use std::net::TcpListener;
use std::time::Duration;

use codex_api_core::call::ClientError;
use codex_api_core::credentials::Credentials;
use codex_api_core::provider::Provider;
use codex_api_core::retry::{RetryPolicy, TransportErrorKind};
use codex_api_testkit::tls::TestIdentity;
use codex_api_testkit::{Script, TestServer};

/// One runtime's `list_models(None)` against a provider, with a retry policy.
type ListModels = fn(Provider, RetryPolicy) -> Result<(), ClientError>;

macro_rules! async_list_models {
    ($krate:ident, $block_on:expr) => {{
        fn list_models(provider: Provider, policy: RetryPolicy) -> Result<(), ClientError> {
            let auth = $krate::StaticAuth::new(Credentials::api_key("k"));
            let client = $krate::Client::builder(provider, auth)
                .without_proxy()
                .retry_policy(policy)
                .build()
                .unwrap();
            block_on(async move { client.list_models(None).await.map(drop) })
        }
        fn block_on<T>(future: impl Future<Output = T>) -> T {
            $block_on(future)
        }
        list_models as ListModels
    }};
}

fn blocking_list_models(provider: Provider, policy: RetryPolicy) -> Result<(), ClientError> {
    let auth = codex_api_blocking::StaticAuth::new(Credentials::api_key("k"));
    codex_api_blocking::Client::builder(provider, auth)
        .without_proxy()
        .retry_policy(policy)
        .build()
        .unwrap()
        .list_models(None)
        .map(drop)
}

fn runtimes() -> [(&'static str, ListModels); 4] {
    [
        (
            "tokio",
            async_list_models!(codex_api_tokio, codex_api_tests::block_on_tokio),
        ),
        (
            "async-std",
            async_list_models!(codex_api_async_std, async_std::task::block_on),
        ),
        (
            "smol",
            async_list_models!(codex_api_async_std, smol::block_on),
        ),
        ("blocking", blocking_list_models),
    ]
}

/// The default policy (3 attempts) with backoffs of a few milliseconds.
fn fast_policy() -> RetryPolicy {
    let mut policy = RetryPolicy::default();
    policy.initial_backoff = Duration::from_millis(5);
    policy.max_backoff = Duration::from_millis(20);
    policy
}

/// The chain as anyhow's `{:#}` prints it: the error, then each `source()`, joined by ": ".
fn chain(error: &(dyn StdError + 'static)) -> String {
    let mut text = error.to_string();
    let mut next = error.source();
    while let Some(cause) = next {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        next = cause.source();
    }
    text
}

/// What one failure must look like on every runtime.
struct Expected<'a> {
    url: String,
    policy: RetryPolicy,
    kind: TransportErrorKind,
    /// The top-level message, before the root cause's text.
    prefix: String,
    /// Text the chain must contain (the OS's or the TLS stack's words).
    mentions: &'a [&'a str],
    /// How many requests the call must have sent.
    attempts: u32,
}

/// Runs the call on every runtime, prints each error's chain, then checks them all.
fn check(case: &str, expected: Expected<'_>) {
    let errors: Vec<(&str, ClientError, String)> = runtimes()
        .into_iter()
        .map(|(runtime, list_models)| {
            let provider = Provider::custom("test", expected.url.clone()).unwrap();
            let error = list_models(provider, expected.policy.clone()).unwrap_err();
            let text = chain(&error);
            eprintln!("{case} / {runtime}: {text}");
            (runtime, error, text)
        })
        .collect();
    let kinds: Vec<_> = errors
        .iter()
        .map(|(runtime, error, _)| match error {
            ClientError::Transport(transport) => (*runtime, Some(transport.kind())),
            _ => (*runtime, None),
        })
        .collect();
    assert!(
        kinds.iter().all(|(_, kind)| *kind == Some(expected.kind)),
        "{case}: expected {:?} on every runtime, got {kinds:?}",
        expected.kind
    );
    for (runtime, error, text) in &errors {
        let ClientError::Transport(transport) = error else {
            unreachable!("checked above");
        };
        assert_eq!(
            transport.attempts(),
            expected.attempts,
            "{case} / {runtime}: {text}"
        );
        assert!(
            text.starts_with(&expected.prefix),
            "{case} / {runtime}: `{text}` does not start with `{}`",
            expected.prefix
        );
        let reason = transport.reason().unwrap_or_default();
        assert!(
            !reason.is_empty(),
            "{case} / {runtime}: no root cause in `{text}`"
        );
        assert!(
            text.ends_with(&format!(": {reason}")),
            "{case} / {runtime}: `{text}` does not end with its root cause `{reason}`"
        );
        assert_eq!(
            text.matches(reason).count(),
            1,
            "{case} / {runtime}: the root cause `{reason}` is not named once in `{text}`"
        );
        for mention in expected.mentions {
            assert!(
                text.contains(mention),
                "{case} / {runtime}: no `{mention}` in `{text}`"
            );
        }
        assert!(
            transport.cause().is_some(),
            "{case} / {runtime}: no cause to downcast"
        );
    }
}

#[test]
fn a_refused_connection_is_connect_everywhere() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    check(
        "refused",
        Expected {
            url: format!("http://127.0.0.1:{port}/v1"),
            policy: fast_policy(),
            kind: TransportErrorKind::Connect,
            prefix: format!("connect to 127.0.0.1:{port} failed after 3 attempts: "),
            mentions: &["Connection refused"],
            attempts: 3,
        },
    );
}

#[test]
fn an_unresolvable_host_is_dns_everywhere() {
    // A 64-character label: the resolver rejects it locally, no packet leaves the machine.
    let host = format!("{}.invalid", "a".repeat(64));
    assert_eq!(TransportErrorKind::Dns.as_str(), "dns");
    check(
        "dns",
        Expected {
            url: format!("http://{host}:9/v1"),
            policy: fast_policy(),
            kind: TransportErrorKind::Dns,
            prefix: format!("DNS lookup of {host} failed"),
            mentions: &[],
            attempts: 3,
        },
    );
}

#[test]
fn an_unknown_issuer_is_tls_everywhere() {
    let server = TestServer::start_tls(Script::new(), &TestIdentity::localhost()).unwrap();
    let target = server.url().trim_start_matches("https://").to_owned();
    check(
        "tls",
        Expected {
            url: format!("{}/v1", server.url()),
            policy: RetryPolicy::never(),
            kind: TransportErrorKind::Tls,
            prefix: format!("TLS with {target} failed: "),
            mentions: &["UnknownIssuer"],
            attempts: 1,
        },
    );
}

#[test]
fn a_connection_closed_unanswered_is_reset_everywhere() {
    // Reads each request's head, then closes the connection without a byte of response.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().map_while(Result::ok) {
            let mut head = Vec::new();
            let mut buffer = [0; 1024];
            while !head.windows(4).any(|window| window == b"\r\n\r\n") {
                match stream.read(&mut buffer) {
                    Ok(0) | Err(_) => break,
                    Ok(read) => head.extend_from_slice(&buffer[..read]),
                }
            }
        }
    });
    check(
        "reset",
        Expected {
            url: format!("http://127.0.0.1:{port}/v1"),
            policy: fast_policy(),
            kind: TransportErrorKind::Reset,
            prefix: format!("connection to 127.0.0.1:{port} closed early"),
            mentions: &[],
            attempts: 3,
        },
    );
}

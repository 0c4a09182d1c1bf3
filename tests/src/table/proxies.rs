//! Explicit proxies (the scenario's server plays the proxy): `https://` tunnelled with
//! `CONNECT` and the API key kept from the proxy (a refused tunnel retried like a failed
//! connect), `http://` carried through it on a kept-alive connection, `NO_PROXY`
//! lists (hosts, CIDR, `*`) reaching the host directly, and the proxy URLs the builder
//! rejects. Proxy credentials are never shown (see [`Scenario::all_secrets`]).

use codex_api_core::provider::Provider;
use codex_api_core::retry::RetryPolicy;
use codex_api_testkit::{Script, ScriptedResponse};

use super::assert_requests;
use crate::observation::{Observation, Outcome, Phase};
use crate::scenario::{CallSpec, ProxySpec, Scenario, Step};

/// `user:hunter2` in base64: what `Proxy-Authorization` carries.
const BASIC: &str = "Basic dXNlcjpodW50ZXIy";

/// A proxy on a port where nothing listens: a request that went to it would fail.
const DEAD_PROXY: &str = "http://user:hunter2@127.0.0.1:9";

fn models() -> ScriptedResponse {
    ScriptedResponse::models(Vec::new(), "\"e\"")
}

fn list_models(name: &'static str, script: Script, expect: fn(&Observation)) -> Scenario {
    Scenario::new(name, script, CallSpec::Models(None), expect)
        .secret(BASIC.trim_start_matches("Basic "))
}

/// The provider of an `https://` host that does not resolve: only the proxy can reach it.
fn far_https(provider: Provider) -> Provider {
    Provider::custom(provider.name(), "https://api.example.test/v1").expect("provider")
}

/// The same host over plain `http://`.
fn far_http(provider: Provider) -> Provider {
    Provider::custom(provider.name(), "http://api.example.test/v1").expect("provider")
}

/// Reached directly: one models request, in origin form, without proxy credentials.
fn assert_direct(o: &Observation) {
    assert!(matches!(o.outcome, Outcome::Models(_)), "{:#?}", o.outcome);
    assert_requests(o, 1);
    assert_eq!(o.requests[0].path, "/v1/models");
    assert_eq!(o.requests[0].header("proxy-authorization"), None);
}

/// The builder rejected the proxy URL: no request.
fn assert_rejected(o: &Observation) {
    let error = o.expect_error();
    assert_eq!((error.phase, error.kind.as_str()), (Phase::Build, "config"));
    assert_eq!(error.detail, "Proxy: invalid proxy URL");
    assert_requests(o, 0);
}

/// Rows whose proxy URL the builder rejects: a proxy the adapter cannot use fails the build,
/// never falls back to a direct connection.
macro_rules! rejected_proxy_urls {
    ($($name:ident: $url:literal,)*) => {
        vec![$(
            list_models(stringify!($name), Script::new().then(models()), assert_rejected)
                .proxy(ProxySpec::url($url, "")),
        )*]
    };
}

/// The proxy scenarios.
pub fn scenarios() -> Vec<Scenario> {
    let mut table = vec![
        list_models(
            "proxy_tunnels_https_with_connect",
            // The proxy refuses the tunnel.
            Script::new().then(ScriptedResponse::new(407)),
            |o| {
                let error = o.expect_error();
                assert_eq!(
                    (error.phase, error.kind.as_str()),
                    (Phase::Call, "transport")
                );
                assert_eq!(error.detail, "Connect after 1, cause kept");
                assert_requests(o, 1);
                let connect = &o.requests[0];
                assert_eq!(
                    (connect.method.as_str(), connect.path.as_str()),
                    ("CONNECT", "api.example.test:443")
                );
                assert_eq!(connect.header("proxy-authorization"), Some(BASIC));
                assert_eq!(
                    connect.header("authorization"),
                    None,
                    "the API key never reaches the proxy"
                );
            },
        )
        .provider(far_https)
        .proxy(ProxySpec::test_server("user:hunter2@", ""))
        .policy(RetryPolicy::never()),
        list_models(
            "proxy_refusing_the_tunnel_is_retried",
            Script::new()
                .then(ScriptedResponse::new(503))
                .then(ScriptedResponse::new(503))
                .then(ScriptedResponse::new(503)),
            |o| {
                // Like a failed connect: retried, then a transport error.
                let error = o.expect_error();
                assert_eq!(error.detail, "Connect after 3, cause kept");
                assert_requests(o, 3);
                assert!(o.requests.iter().all(|r| r.method == "CONNECT"));
            },
        )
        .provider(far_https)
        .proxy(ProxySpec::test_server("", "")),
        Scenario::new(
            "proxied_connections_are_reused",
            Script::new()
                .on("GET", "http://api.example.test/v1/models", models())
                .on("GET", "http://api.example.test/v1/models", models())
                .on("CONNECT", "api.example.test:80", ScriptedResponse::new(200))
                .on("GET", "/v1/models", models())
                .on("GET", "/v1/models", models()),
            CallSpec::sequence([
                Step::call(CallSpec::Models(None)),
                Step::call(CallSpec::Models(None)),
            ]),
            |o| {
                assert!(
                    o.steps().iter().all(|s| matches!(s, Outcome::Models(_))),
                    "{:#?}",
                    o.outcome
                );
                assert_requests(o, 2);
            },
        )
        .provider(far_http)
        .proxy(ProxySpec::test_server("", ""))
        // One kept-alive connection to the proxy.
        .connections(&[0, 0])
        .known_difference(
            "blocking",
            "ureq tunnels plain http through a proxy with CONNECT: one tunnel, kept alive",
            |o| {
                assert_requests(o, 3);
                assert_eq!(o.requests[0].method, "CONNECT");
            },
        )
        .connections_on(
            "blocking",
            &[0, 0, 0],
            "one tunnel, kept alive for both calls",
        ),
        list_models(
            "proxy_carries_plain_http",
            Script::new()
                .on("GET", "http://api.example.test/v1/models", models())
                .on("CONNECT", "api.example.test:80", ScriptedResponse::new(200))
                .on("GET", "/v1/models", models()),
            |o| {
                // Absolute form, with the proxy's credentials and the API key.
                assert!(matches!(o.outcome, Outcome::Models(_)), "{:#?}", o.outcome);
                assert_requests(o, 1);
                let sent = &o.requests[0];
                assert_eq!(sent.path, "http://api.example.test/v1/models");
                assert_eq!(sent.header("host"), Some("api.example.test"));
                assert_eq!(sent.header("proxy-authorization"), Some(BASIC));
                assert_eq!(sent.header("authorization"), Some("Bearer sk-test"));
            },
        )
        .provider(far_http)
        // A host outside the `NO_PROXY` list still goes through the proxy, credentials kept.
        .proxy(ProxySpec::test_server(
            "user:hunter2@",
            "example.test.other,localhost",
        ))
        .known_difference(
            "blocking",
            "ureq tunnels plain http through a proxy with CONNECT too (the tunnelled request \
             is in origin form)",
            |o| {
                assert!(matches!(o.outcome, Outcome::Models(_)), "{:#?}", o.outcome);
                assert_requests(o, 2);
                let (connect, sent) = (&o.requests[0], &o.requests[1]);
                assert_eq!(
                    (connect.method.as_str(), connect.path.as_str()),
                    ("CONNECT", "api.example.test:80")
                );
                assert_eq!(connect.header("proxy-authorization"), Some(BASIC));
                assert_eq!(connect.header("authorization"), None);
                assert_eq!(sent.path, "/v1/models");
                assert_eq!(sent.header("host"), Some("api.example.test"));
                assert_eq!(sent.header("authorization"), Some("Bearer sk-test"));
                assert_eq!(sent.header("proxy-authorization"), None);
            },
        ),
        list_models(
            "no_proxy_hosts_are_reached_directly",
            Script::new().then(models()),
            assert_direct,
        )
        .proxy(ProxySpec::url(DEAD_PROXY, "localhost, 127.0.0.1")),
        list_models(
            "no_proxy_cidr_is_reached_directly",
            Script::new().then(models()),
            assert_direct,
        )
        .proxy(ProxySpec::url(DEAD_PROXY, "localhost, 127.0.0.0/8")),
        list_models(
            "no_proxy_wildcard_reaches_every_host_directly",
            Script::new().then(models()),
            assert_direct,
        )
        .proxy(ProxySpec::url(DEAD_PROXY, "*")),
        // A proxy without a scheme is an `http://` one: it builds.
        list_models(
            "proxy_url_without_scheme_is_http",
            Script::new().then(models()),
            assert_direct,
        )
        .proxy(ProxySpec::url("127.0.0.1:9", "127.0.0.1")),
    ];
    table.extend(rejected_proxy_urls! {
        proxy_url_unclosed_ipv6: "http://[::1",
        proxy_url_socks5: "socks5://127.0.0.1:1080",
        proxy_url_https: "https://127.0.0.1:3128",
        proxy_url_without_host: "http:///",
        proxy_url_port_out_of_range: "http://user:hunter2@127.0.0.1:99999",
    });
    table
}

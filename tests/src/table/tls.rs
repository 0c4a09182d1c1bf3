//! TLS against the testkit's server in TLS mode (its `localhost` / `127.0.0.1` certificate,
//! signed by its throwaway test CA): trusted through a CA bundle, rejected without it, TLS to a
//! plain server; and the CA bundles the builder rejects. Each adapter has its own TLS stack;
//! the outcomes are the same.

use std::path::PathBuf;

use codex_api_core::provider::Provider;
use codex_api_testkit::tls::TestIdentity;
use codex_api_testkit::{Script, ScriptedResponse, Transcript};

use super::{assert_requests, request};
use crate::observation::{Observation, Phase};
use crate::scenario::{CallSpec, Scenario};

fn secure() -> ScriptedResponse {
    ScriptedResponse::sse(Transcript::new().created().message(&["secure"]).completed())
}

fn models(name: &'static str, script: Script, expect: fn(&Observation)) -> Scenario {
    Scenario::new(name, script, CallSpec::Models(None), expect)
}

/// A TLS failure on the first attempt, not retried, no request through.
fn assert_tls_failure(o: &Observation) {
    let error = o.expect_error();
    assert_eq!(
        (error.phase, error.kind.as_str()),
        (Phase::Call, "transport")
    );
    assert_eq!(error.detail, "Tls after 1, cause kept");
    assert_requests(o, 0);
}

/// The client was not built: the CA bundle named by `file` was rejected.
fn assert_bad_bundle(o: &Observation, file: &str) {
    let error = o.expect_error();
    assert_eq!((error.phase, error.kind.as_str()), (Phase::Build, "config"));
    assert!(error.detail.starts_with("CaBundle { path: "), "{error:#?}");
    assert!(error.detail.contains(file), "{error:#?}");
    assert_requests(o, 0);
}

/// The TLS scenarios.
pub fn scenarios() -> Vec<Scenario> {
    let ca = TestIdentity::localhost_ca_path();
    vec![
        // The server's URL names 127.0.0.1: an IP address is verified against the certificate.
        Scenario::new(
            "tls_with_a_custom_ca_bundle",
            Script::new().then(secure()),
            CallSpec::stream(request()),
            |o| {
                assert!(o.completed(), "{:#?}", o.outcome);
                assert_eq!(o.text(), "secure");
                assert_requests(o, 1);
                assert_eq!(
                    (o.requests[0].method.as_str(), o.requests[0].path.as_str()),
                    ("POST", "/v1/responses")
                );
            },
        )
        .tls()
        .ca_bundle(ca.clone()),
        models(
            "tls_unknown_issuer_not_retried",
            Script::new().then(secure()),
            assert_tls_failure,
        )
        .tls(),
        models(
            "tls_to_a_plain_server_not_retried",
            Script::new(),
            assert_tls_failure,
        )
        .provider(|provider| {
            let url = provider.base_url().replacen("http://", "https://", 1);
            Provider::custom(provider.name(), url).expect("provider")
        }),
        models("ca_bundle_missing_file", Script::new(), |o| {
            assert_bad_bundle(o, "/nonexistent/ca.pem")
        })
        .ca_bundle("/nonexistent/ca.pem"),
        // PEM, but no certificate in it: the test identity's key.
        models("ca_bundle_without_a_certificate", Script::new(), |o| {
            assert_bad_bundle(o, "server.key")
        })
        .ca_bundle(ca.with_file_name("server.key")),
        models("ca_bundle_not_pem", Script::new(), |o| {
            assert_bad_bundle(o, "Cargo.toml")
        })
        .ca_bundle(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")),
    ]
}

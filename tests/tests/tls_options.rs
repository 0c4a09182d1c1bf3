//! TLS options on every runtime (tokio, async-std, blocking), against the testkit's TLS mode on
//! 127.0.0.1: a CA given as PEM bytes, a client certificate for mutual TLS (and its absence),
//! and bad material failing the build with a typed error.

use codex_api_core::client_config::{ClientCertificate, ConfigError};
use codex_api_testkit::tls::TestIdentity;
use codex_api_testkit::{Script, ScriptedResponse, TestServer, Transcript};

/// How a client is set up for one case.
#[derive(Clone, Default)]
struct Setup {
    ca_pem: Option<String>,
    client_certificate: Option<ClientCertificate>,
    tls_config: Option<std::sync::Arc<dyn std::any::Any + Send + Sync>>,
}

/// Streams one response with a client of one runtime; the text, or the error's text.
type Run = fn(&Setup, &str) -> Result<String, String>;

macro_rules! configure {
    ($client:ty, $setup:expr, $base_url:expr) => {{
        let mut builder = <$client>::builder_for($base_url, "sk-test")
            .map_err(|error| error.to_string())?
            .without_proxy();
        if let Some(pem) = &$setup.ca_pem {
            builder = builder.ca_bundle_pem(pem.clone().into_bytes());
        }
        if let Some(certificate) = &$setup.client_certificate {
            builder = builder.client_certificate(certificate.clone());
        }
        if let Some(config) = &$setup.tls_config {
            builder = builder.tls_config(config.clone());
        }
        builder.build().map_err(|error| error.to_string())?
    }};
}

fn request() -> codex_api_core::wire::ResponsesApiRequest {
    use codex_api_core::wire::{ResponseItem, ResponsesApiRequest, Role};
    ResponsesApiRequest::new("gpt-test").input(vec![ResponseItem::text_message(Role::User, "hi")])
}

fn text_of(event: codex_api_core::stream::ResponseEvent, text: &mut String) {
    if let codex_api_core::stream::ResponseEvent::OutputTextDelta { delta, .. } = event {
        text.push_str(&delta);
    }
}

fn run_blocking(setup: &Setup, base_url: &str) -> Result<String, String> {
    let client = configure!(codex_api_blocking::Client, setup, base_url);
    let mut text = String::new();
    let events = client
        .stream(request(), Default::default())
        .map_err(|error| error.to_string())?;
    for event in events {
        text_of(event.map_err(|error| error.to_string())?, &mut text);
    }
    Ok(text)
}

/// Drains one response on any async runtime's client.
async fn drain<R: codex_api_client::Runtime>(
    client: codex_api_client::Client<R>,
) -> Result<String, String> {
    use futures_util::StreamExt;
    let mut events = client
        .stream(request(), Default::default())
        .await
        .map_err(|error| error.to_string())?;
    let mut text = String::new();
    while let Some(event) = events.next().await {
        text_of(event.map_err(|error| error.to_string())?, &mut text);
    }
    Ok(text)
}

fn run_tokio(setup: &Setup, base_url: &str) -> Result<String, String> {
    let client = configure!(codex_api_tokio::Client, setup, base_url);
    codex_api_tests::block_on_tokio(drain(client))
}

fn run_async_std(setup: &Setup, base_url: &str) -> Result<String, String> {
    let client = configure!(codex_api_async_std::Client, setup, base_url);
    async_std::task::block_on(drain(client))
}

const RUNTIMES: [(&str, Run); 3] = [
    ("blocking", run_blocking),
    ("tokio", run_tokio),
    ("async-std", run_async_std),
];

fn server(identity: &TestIdentity) -> TestServer {
    let reply = Transcript::new().created().message(&["secure"]).completed();
    TestServer::start_tls(Script::new().then(ScriptedResponse::sse(reply)), identity)
        .expect("TLS server")
}

fn localhost_ca() -> String {
    TestIdentity::localhost()
        .ca_pem()
        .expect("bundled CA")
        .to_owned()
}

fn test_client_certificate() -> ClientCertificate {
    let (chain, key) = TestIdentity::test_client_certificate();
    ClientCertificate::new(chain.as_bytes().to_vec(), key)
}

#[test]
fn a_ca_given_as_pem_bytes_is_trusted() {
    for (name, run) in RUNTIMES {
        let server = server(&TestIdentity::localhost());
        let setup = Setup {
            ca_pem: Some(localhost_ca()),
            ..Setup::default()
        };
        assert_eq!(
            run(&setup, &format!("{}/v1", server.url())),
            Ok("secure".to_owned()),
            "{name}"
        );
        // Without it, the bundled roots do not know the test CA.
        let server = self::server(&TestIdentity::localhost());
        let error = run(&Setup::default(), &format!("{}/v1", server.url())).unwrap_err();
        assert!(error.contains("TLS"), "{name}: {error}");
    }
}

#[test]
fn mutual_tls_presents_the_client_certificate() {
    let identity =
        TestIdentity::localhost().require_client_certificate(TestIdentity::test_client_ca_pem());
    for (name, run) in RUNTIMES {
        let server = server(&identity);
        let setup = Setup {
            ca_pem: Some(localhost_ca()),
            client_certificate: Some(test_client_certificate()),
            ..Setup::default()
        };
        assert_eq!(
            run(&setup, &format!("{}/v1", server.url())),
            Ok("secure".to_owned()),
            "{name}"
        );
        assert_eq!(server.requests().len(), 1, "{name}");
        // Without a certificate the server ends the handshake: no request is recorded.
        let server = self::server(&identity);
        let setup = Setup {
            ca_pem: Some(localhost_ca()),
            ..Setup::default()
        };
        assert!(
            run(&setup, &format!("{}/v1", server.url())).is_err(),
            "{name}"
        );
        assert!(server.requests().is_empty(), "{name}");
    }
}

#[test]
fn bad_material_fails_the_build_with_a_typed_error() {
    let build = |builder: codex_api_blocking::ClientBuilder| builder.build().map(|_| ());
    let base =
        || codex_api_blocking::Client::builder_for("https://127.0.0.1:1/v1", "sk-test").unwrap();
    let error = build(base().ca_bundle_pem(b"not a certificate".to_vec())).unwrap_err();
    assert!(matches!(error, ConfigError::CaBundle { .. }), "{error:?}");
    let (chain, _) = TestIdentity::test_client_certificate();
    let error = build(base().client_certificate(ClientCertificate::new(
        chain.as_bytes().to_vec(),
        "-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----\n",
    )))
    .unwrap_err();
    assert!(matches!(error, ConfigError::Tls(_)), "{error:?}");
    // The key's text never appears in the error.
    assert!(!error.to_string().contains("c2VjcmV0"), "{error}");
    for runtime_error in [
        codex_api_tokio::Client::builder_for("https://127.0.0.1:1/v1", "k")
            .unwrap()
            .ca_bundle_pem(Vec::new())
            .build()
            .map(|_| ()),
        codex_api_async_std::Client::builder_for("https://127.0.0.1:1/v1", "k")
            .unwrap()
            .ca_bundle_pem(Vec::new())
            .build()
            .map(|_| ()),
    ] {
        assert!(matches!(runtime_error, Err(ConfigError::CaBundle { .. })));
    }
}

#[test]
fn a_rustls_config_of_ones_own_is_used_as_given() {
    for (name, run) in RUNTIMES {
        // The testkit's client configuration trusts only its CA: no CA setting needed.
        let server = server(&TestIdentity::localhost());
        let setup = Setup {
            tls_config: Some(TestIdentity::localhost().client_config().unwrap()),
            ..Setup::default()
        };
        assert_eq!(
            run(&setup, &format!("{}/v1", server.url())),
            Ok("secure".to_owned()),
            "{name}"
        );
        // Anything but a rustls configuration is a typed configuration error.
        let setup = Setup {
            tls_config: Some(std::sync::Arc::new("not a TLS configuration")),
            ..Setup::default()
        };
        let error = run(&setup, "https://127.0.0.1:1/v1").unwrap_err();
        assert!(error.contains("rustls::ClientConfig"), "{name}: {error}");
    }
}

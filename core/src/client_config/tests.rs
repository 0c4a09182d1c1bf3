//! Defaults, the environment lookup, errors, redaction and the shared builder.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use super::{ClientAdapter, ClientBuilder, ClientConfig, ConfigError, ProxySetting};
use crate::credentials::Credentials;
use crate::provider::Provider;
use crate::retry::RetryPolicy;

fn vars(pairs: &[(&str, &str)]) -> impl FnMut(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect();
    move |name| map.get(name).cloned()
}

#[test]
fn new_has_the_documented_defaults() {
    let config = ClientConfig::new(Provider::openai());
    assert_eq!(config.provider, Provider::openai());
    assert_eq!(config.connect_timeout, Some(Duration::from_secs(30)));
    assert_eq!(config.response_timeout, None);
    assert_eq!(config.stream_idle_timeout, None);
    assert_eq!(config.retry_policy, None);
    assert_eq!(config.jitter_seed, None);
    assert!(config.on_attempt.is_none());
    assert_eq!(config.ca_bundle, None);
    assert_eq!(config.proxy, ProxySetting::Environment);
}

#[test]
fn from_env_vars_reads_every_variable() {
    let (config, credentials) = ClientConfig::from_env_vars(vars(&[
        ("OPENAI_API_KEY", "sk-env-123"),
        ("OPENAI_BASE_URL", "http://127.0.0.1:8080/v1"),
        ("OPENAI_ORG_ID", "org-1"),
        ("OPENAI_PROJECT_ID", "proj-1"),
    ]))
    .unwrap();
    assert_eq!(credentials, Credentials::api_key("sk-env-123"));
    assert_eq!(config.provider.base_url(), "http://127.0.0.1:8080/v1");
    assert_eq!(config.provider.name(), "openai");
    assert_eq!(config.provider.organization(), Some("org-1"));
    assert_eq!(config.provider.project(), Some("proj-1"));
    assert_eq!(config.connect_timeout, Some(Duration::from_secs(30)));
    assert_eq!(config.proxy, ProxySetting::Environment);
}

#[test]
fn from_env_vars_defaults_to_openai_and_ignores_empty_variables() {
    let (config, _) = ClientConfig::from_env_vars(vars(&[
        ("OPENAI_API_KEY", "sk-env"),
        ("OPENAI_BASE_URL", ""),
        ("OPENAI_ORG_ID", ""),
    ]))
    .unwrap();
    assert_eq!(config.provider, Provider::openai());
    assert_eq!(config.provider.organization(), None);
    assert_eq!(config.provider.project(), None);
}

#[test]
fn from_env_vars_asks_only_for_its_six_variables() {
    let mut asked = Vec::new();
    let _ = ClientConfig::from_env_vars(|name| {
        asked.push(name.to_owned());
        Some("sk-x".to_owned()).filter(|_| name == "OPENAI_API_KEY")
    });
    asked.sort();
    assert_eq!(
        asked,
        [
            "CODEX_CA_CERTIFICATE",
            "OPENAI_API_KEY",
            "OPENAI_BASE_URL",
            "OPENAI_ORG_ID",
            "OPENAI_PROJECT_ID",
            "SSL_CERT_FILE"
        ]
    );
}

#[test]
fn from_env_vars_reads_the_ca_bundle_as_codex_does() {
    let ca = |pairs: &[(&str, &str)]| {
        let mut all = vec![("OPENAI_API_KEY", "sk")];
        all.extend_from_slice(pairs);
        ClientConfig::from_env_vars(vars(&all)).unwrap().0.ca_bundle
    };
    assert_eq!(ca(&[]), None);
    assert_eq!(ca(&[("SSL_CERT_FILE", "/b.pem")]), Some("/b.pem".into()));
    assert_eq!(
        ca(&[
            ("CODEX_CA_CERTIFICATE", "/a.pem"),
            ("SSL_CERT_FILE", "/b.pem")
        ]),
        Some("/a.pem".into())
    );
    assert_eq!(
        ca(&[("CODEX_CA_CERTIFICATE", ""), ("SSL_CERT_FILE", "/b.pem")]),
        Some("/b.pem".into())
    );
}

#[test]
fn a_client_certificate_never_shows_its_key() {
    let certificate = super::ClientCertificate::new(b"chain".to_vec(), "-----KEY sk-secret-key");
    let shown = format!("{certificate:?}");
    assert!(!shown.contains("sk-secret-key"), "{shown}");
    let mut config = ClientConfig::new(crate::provider::Provider::openai());
    config.client_certificate = Some(certificate);
    assert!(!format!("{config:?}").contains("sk-secret-key"));
}

#[test]
fn a_missing_or_empty_key_is_an_error() {
    let missing = ClientConfig::from_env_vars(vars(&[("OPENAI_BASE_URL", "http://h/v1")]));
    assert_eq!(missing.unwrap_err(), ConfigError::MissingApiKey);
    let empty = ClientConfig::from_env_vars(vars(&[("OPENAI_API_KEY", "")]));
    assert_eq!(empty.unwrap_err(), ConfigError::MissingApiKey);
}

#[test]
fn a_bad_base_url_is_an_error_that_does_not_repeat_it() {
    let error = ClientConfig::from_env_vars(vars(&[
        ("OPENAI_API_KEY", "sk-env"),
        ("OPENAI_BASE_URL", "ftp://user:hunter2@host/v1"),
    ]))
    .unwrap_err();
    assert!(matches!(error, ConfigError::BaseUrl(_)), "{error:?}");
    assert!(!error.to_string().contains("hunter2"), "{error}");
}

#[test]
fn debug_never_shows_the_api_key_or_proxy_password() {
    let (config, credentials) = ClientConfig::from_env_vars(vars(&[
        ("OPENAI_API_KEY", "sk-very-secret"),
        ("OPENAI_ORG_ID", "org-1"),
    ]))
    .unwrap();
    let builder = ClientBuilder::<Fake>::from_config(config, credentials.clone())
        .proxy("http://user:hunter2@127.0.0.1:3128", "localhost")
        .on_attempt(|_| {});
    for printed in [
        format!("{builder:?}"),
        format!("{builder:#?}"),
        format!("{:?}", builder.config()),
        format!("{credentials:?}"),
    ] {
        assert!(!printed.contains("sk-very-secret"), "{printed}");
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(
            printed.contains("org-1") || printed.contains("ApiKey"),
            "{printed}"
        );
    }
    let proxy = format!("{:?}", builder.config().proxy);
    assert!(
        proxy.contains("http://<redacted>@127.0.0.1:3128"),
        "{proxy}"
    );
    assert!(proxy.contains("localhost"), "{proxy}");
}

#[test]
fn proxy_urls_without_user_info_are_shown_whole() {
    let setting = ProxySetting::explicit("http://127.0.0.1:3128/", "");
    assert_eq!(
        format!("{setting:?}"),
        r#"Explicit { url: "http://127.0.0.1:3128/", no_proxy: "" }"#
    );
    let bare = ProxySetting::explicit("u:p@proxy:1/a@b", "");
    assert!(format!("{bare:?}").contains(r#""<redacted>@proxy:1/a@b""#));
}

#[test]
fn no_proxy_hosts_are_split_and_trimmed() {
    let setting = ProxySetting::explicit("http://p:1", " a.test, .b.test,,127.0.0.1 ");
    let hosts: Vec<&str> = setting.no_proxy_hosts().collect();
    assert_eq!(hosts, ["a.test", ".b.test", "127.0.0.1"]);
    assert_eq!(ProxySetting::Direct.no_proxy_hosts().count(), 0);
}

/// An adapter that records what it is given; fails on `ca_bundle` as an adapter without it.
struct Fake;

impl ClientAdapter for Fake {
    const NAME: &'static str = "fake";
    type Auth = Credentials;
    type Client = (ClientConfig, Credentials);

    fn static_auth(credentials: Credentials) -> Credentials {
        credentials
    }

    fn env_var(name: &str) -> Option<String> {
        (name == "OPENAI_API_KEY").then(|| "sk-fake-env".to_owned())
    }

    fn build(config: ClientConfig, auth: Credentials) -> Result<Self::Client, ConfigError> {
        if config.ca_bundle.is_some() {
            return Err(ConfigError::Unsupported {
                setting: "ca_bundle",
                adapter: Self::NAME,
            });
        }
        Ok((config, auth))
    }
}

#[test]
fn every_setter_reaches_the_adapter() {
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    let policy = RetryPolicy::never();
    let (config, auth) = ClientBuilder::<Fake>::new(Provider::openai(), Credentials::None)
        .connect_timeout(None)
        .response_timeout(Some(Duration::from_secs(7)))
        .stream_idle_timeout(None)
        .retry_policy(policy.clone())
        .jitter_seed(42)
        .on_attempt(move |_| {
            seen.fetch_add(1, Ordering::Relaxed);
        })
        .proxy("http://127.0.0.1:3128", "localhost")
        .build()
        .unwrap();
    assert_eq!(auth, Credentials::None);
    assert_eq!(config.connect_timeout, None);
    assert_eq!(config.response_timeout, Some(Duration::from_secs(7)));
    assert_eq!(config.stream_idle_timeout, Some(None));
    assert_eq!(config.retry_policy, Some(policy));
    assert_eq!(config.jitter_seed, Some(42));
    assert_eq!(
        config.proxy,
        ProxySetting::explicit("http://127.0.0.1:3128", "localhost")
    );
    let observer = config.on_attempt.expect("observer kept");
    assert_eq!(calls.load(Ordering::Relaxed), 0);
    drop(observer);

    let direct = ClientBuilder::<Fake>::new(Provider::openai(), Credentials::None)
        .proxy("http://127.0.0.1:3128", "")
        .without_proxy();
    assert_eq!(direct.config().proxy, ProxySetting::Direct);
}

#[test]
fn from_env_uses_the_adapters_lookup_and_static_auth() {
    let (config, auth) = ClientBuilder::<Fake>::from_env().unwrap().build().unwrap();
    assert_eq!(auth, Credentials::api_key("sk-fake-env"));
    assert_eq!(config.provider, Provider::openai());
}

#[test]
fn an_unsupported_setting_is_a_typed_error_naming_setting_and_adapter() {
    let error = ClientBuilder::<Fake>::new(Provider::openai(), Credentials::None)
        .ca_bundle(PathBuf::from("/tmp/ca.pem"))
        .build()
        .unwrap_err();
    assert_eq!(
        error,
        ConfigError::Unsupported {
            setting: "ca_bundle",
            adapter: "fake"
        }
    );
    assert_eq!(
        error.to_string(),
        "the fake adapter does not support the `ca_bundle` setting"
    );
}

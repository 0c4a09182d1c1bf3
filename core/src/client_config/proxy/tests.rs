//! Proxy URL parsing, `NO_PROXY` matching and the selection rules, as tables.

use std::collections::HashMap;

use super::{NoProxy, Proxy, ProxyRules, ProxySetting};
use crate::client_config::ConfigError;

fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect();
    move |name| map.get(name).cloned()
}

/// `host:port` of the proxy selected for `scheme://host`, `None` when direct.
fn selected(rules: &ProxyRules, scheme: &str, host: &str) -> Option<String> {
    rules
        .select(scheme, host)
        .map(|proxy| format!("{}:{}", proxy.host(), proxy.port()))
}

#[test]
fn proxy_urls_parse_to_host_port_and_credentials() {
    // (url, host, port, Proxy-Authorization)
    let cases: &[(&str, &str, u16, Option<&str>)] = &[
        ("http://127.0.0.1:3128", "127.0.0.1", 3128, None),
        ("HTTP://proxy.test:8080/", "proxy.test", 8080, None),
        ("http://proxy.test", "proxy.test", 80, None),
        ("proxy.test:3128", "proxy.test", 3128, None),
        (
            "  http://proxy.test:1/ignored/path?q  ",
            "proxy.test",
            1,
            None,
        ),
        ("http://[::1]:3128", "::1", 3128, None),
        (
            "http://user:pass@proxy.test:3128",
            "proxy.test",
            3128,
            Some("Basic dXNlcjpwYXNz"),
        ),
        (
            "http://Aladdin:open%20sesame@proxy.test",
            "proxy.test",
            80,
            Some("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="),
        ),
        // The last `@` ends the user info; a missing password is empty (`user:`).
        (
            "http://us%40er:p@ss@proxy.test:3128",
            "proxy.test",
            3128,
            Some("Basic dXNAZXI6cEBzcw=="),
        ),
        (
            "user@proxy.test:3128",
            "proxy.test",
            3128,
            Some("Basic dXNlcjo="),
        ),
    ];
    for (url, host, port, authorization) in cases {
        let proxy = Proxy::parse(url).unwrap_or_else(|error| panic!("{url}: {error}"));
        assert_eq!(proxy.host(), *host, "{url}");
        assert_eq!(proxy.port(), *port, "{url}");
        assert_eq!(
            proxy.authorization().map(|value| value.expose()),
            *authorization,
            "{url}"
        );
    }
}

#[test]
fn bad_or_non_http_proxy_urls_are_config_errors() {
    for url in [
        "",
        "http://",
        "http:///",
        "http://[::1",
        "http://proxy.test:99999",
        "http://proxy.test:0",
        "http://proxy.test:port",
        "http://user:pass@",
        "https://proxy.test:3128",
        "socks5://proxy.test:1080",
        "socks5h://user:pass@proxy.test:1080",
        "http://pro xy.test:3128",
        "http://user:%ff@proxy.test",
    ] {
        assert_eq!(Proxy::parse(url), Err(ConfigError::Proxy), "{url:?}");
    }
}

#[test]
fn credentials_never_show_in_debug() {
    let proxy = Proxy::parse("http://user:hunter2@proxy.test:3128").unwrap();
    let rules = ProxyRules::resolve(
        &ProxySetting::explicit("http://user:hunter2@proxy.test:3128", ""),
        env(&[]),
    )
    .unwrap();
    for shown in [
        format!("{proxy:?}"),
        format!("{proxy:#?}"),
        format!("{rules:?}"),
    ] {
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(!shown.contains("dXNlcjpodW50ZXIy"), "{shown}");
        assert!(shown.contains("<redacted>"), "{shown}");
        assert!(shown.contains("proxy.test"), "{shown}");
    }
    let error = Proxy::parse("socks5://user:hunter2@proxy.test").unwrap_err();
    assert!(!error.to_string().contains("hunter2"));
}

#[test]
fn no_proxy_entries_follow_curl() {
    let list = NoProxy::parse(
        " example.com, .dot.test ,*.star.test,,LOCALHOST, 10.0.0.0/8, 192.168.1.7, ::1, \
         [fd00::1], fe80::/10, 10.0.0.0/99, 1.2.3.4/x ",
    );
    // (host, reached directly)
    let cases: &[(&str, bool)] = &[
        ("example.com", true),
        ("EXAMPLE.com", true),
        ("example.com.", true),
        ("api.example.com", true),
        ("a.b.example.com", true),
        ("notexample.com", false),
        ("example.com.evil.test", false),
        ("dot.test", true),
        ("api.dot.test", true),
        ("star.test", true),
        ("api.star.test", true),
        ("localhost", true),
        ("sub.localhost", true),
        ("10.1.2.3", true),
        ("11.0.0.1", false),
        ("192.168.1.7", true),
        ("192.168.1.8", false),
        ("::1", true),
        ("[::1]", true),
        ("fd00::1", true),
        ("fd00::2", false),
        ("fe80::1234", true),
        ("1.2.3.4", false),
        ("127.0.0.1", false),
        ("api.openai.com", false),
    ];
    for (host, direct) in cases {
        assert_eq!(list.matches(host), *direct, "{host}");
    }
    assert!(!list.is_empty());
}

#[test]
fn no_proxy_star_and_empty_lists() {
    let star = NoProxy::parse("*");
    for host in ["api.openai.com", "127.0.0.1", "::1", "[::1]"] {
        assert!(star.matches(host), "{host}");
    }
    for list in ["", " , ,", "10.0.0.0/33"] {
        let empty = NoProxy::parse(list);
        assert!(empty.is_empty(), "{list:?}");
        assert!(!empty.matches("localhost"), "{list:?}");
    }
    let everything = NoProxy::parse("0.0.0.0/0, ::/0");
    assert!(everything.matches("203.0.113.9"));
    assert!(everything.matches("2001:db8::1"));
    assert!(
        !everything.matches("localhost"),
        "an IP block never matches a name"
    );
}

#[test]
fn selection_from_the_environment_follows_hyper_util() {
    const P: &str = "http://p.test";
    // (variables, http target's proxy, https target's proxy) for host api.openai.com
    type Case<'a> = (&'a [(&'a str, &'a str)], Option<&'a str>, Option<&'a str>);
    let cases: &[Case] = &[
        (&[], None, None),
        (
            &[("HTTPS_PROXY", "http://s.test:1")],
            None,
            Some("s.test:1"),
        ),
        (
            &[("https_proxy", "http://s.test:1")],
            None,
            Some("s.test:1"),
        ),
        (&[("HTTP_PROXY", "http://h.test:2")], Some("h.test:2"), None),
        (&[("http_proxy", "h.test:2")], Some("h.test:2"), None),
        (
            &[("ALL_PROXY", "http://a.test:3")],
            Some("a.test:3"),
            Some("a.test:3"),
        ),
        (
            &[("all_proxy", "http://a.test:3")],
            Some("a.test:3"),
            Some("a.test:3"),
        ),
        // The scheme's own variable wins over ALL_PROXY.
        (
            &[("ALL_PROXY", "a.test:3"), ("HTTPS_PROXY", "s.test:1")],
            Some("a.test:3"),
            Some("s.test:1"),
        ),
        (
            &[("ALL_PROXY", "a.test:3"), ("HTTP_PROXY", "h.test:2")],
            Some("h.test:2"),
            Some("a.test:3"),
        ),
        // Uppercase first; the first variable set wins, even when empty.
        (
            &[("HTTPS_PROXY", "s.test:1"), ("https_proxy", "t.test:9")],
            None,
            Some("s.test:1"),
        ),
        (
            &[("HTTPS_PROXY", ""), ("https_proxy", "t.test:9")],
            None,
            None,
        ),
        (
            &[("HTTPS_PROXY", " "), ("ALL_PROXY", "a.test:3")],
            Some("a.test:3"),
            Some("a.test:3"),
        ),
        // NO_PROXY, uppercase first.
        (&[("ALL_PROXY", P), ("NO_PROXY", "openai.com")], None, None),
        (&[("ALL_PROXY", P), ("no_proxy", ".openai.com")], None, None),
        (&[("ALL_PROXY", P), ("NO_PROXY", "*")], None, None),
        (
            &[("ALL_PROXY", P), ("NO_PROXY", "x.test"), ("no_proxy", "*")],
            Some("p.test:80"),
            Some("p.test:80"),
        ),
        // A CGI script ignores the variables (httpoxy).
        (
            &[("HTTP_PROXY", "h.test:2"), ("REQUEST_METHOD", "GET")],
            None,
            None,
        ),
    ];
    for (vars, http, https) in cases {
        let rules = ProxyRules::resolve(&ProxySetting::Environment, env(vars)).unwrap();
        assert_eq!(
            selected(&rules, "http", "api.openai.com").as_deref(),
            *http,
            "http {vars:?}"
        );
        assert_eq!(
            selected(&rules, "https", "api.openai.com").as_deref(),
            *https,
            "https {vars:?}"
        );
    }
}

#[test]
fn an_unusable_proxy_variable_is_a_config_error() {
    for (name, value) in [
        ("HTTPS_PROXY", "https://s.test:443"),
        ("http_proxy", "socks5://h.test:1080"),
        ("ALL_PROXY", "http://[::1"),
    ] {
        let resolved = ProxyRules::resolve(&ProxySetting::Environment, env(&[(name, value)]));
        assert_eq!(resolved, Err(ConfigError::Proxy), "{name}={value}");
    }
}

#[test]
fn explicit_and_direct_settings() {
    let rules = ProxyRules::resolve(
        &ProxySetting::explicit("http://u:p@p.test:3128", "localhost, 127.0.0.1"),
        // The environment is not read for an explicit proxy.
        env(&[("NO_PROXY", "*"), ("HTTPS_PROXY", "other.test:1")]),
    )
    .unwrap();
    assert_eq!(
        selected(&rules, "https", "api.openai.com").as_deref(),
        Some("p.test:3128")
    );
    assert_eq!(
        selected(&rules, "HTTP", "api.openai.com").as_deref(),
        Some("p.test:3128")
    );
    assert_eq!(selected(&rules, "https", "localhost"), None);
    assert_eq!(selected(&rules, "http", "127.0.0.1"), None);
    assert_eq!(selected(&rules, "ws", "api.openai.com"), None);
    assert!(!rules.is_direct());

    let direct = ProxyRules::resolve(&ProxySetting::Direct, env(&[("ALL_PROXY", "a.test:1")]));
    assert_eq!(direct, Ok(ProxyRules::direct()));
    assert!(ProxyRules::direct().is_direct());
    assert_eq!(
        ProxyRules::resolve(&ProxySetting::explicit("https://p.test", ""), env(&[])),
        Err(ConfigError::Proxy)
    );
}

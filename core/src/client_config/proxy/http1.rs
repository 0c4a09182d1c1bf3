//! HTTP/1.1 through a proxy, as bytes and pure functions (for an adapter that opens its own
//! connections): the `CONNECT` tunnel of an `https` target (its request head, and the reading
//! of the proxy's reply), and the request forms (origin form to a server, absolute form to a
//! forwarding proxy).
//!
//! ```
//! use codex_api_core::client_config::{Proxy, ProxyError, TunnelReply, connect_request, read_connect_reply};
//!
//! let proxy = Proxy::parse("http://user:pass@127.0.0.1:3128")?;
//! let head = connect_request(&proxy, "api.openai.com", 443);
//! assert!(head.expose().starts_with("CONNECT api.openai.com:443 HTTP/1.1\r\nHost: api.openai.com:443\r\n"));
//! assert_eq!(read_connect_reply(&proxy, b"HTTP/1.1 200 Conn"), Ok(TunnelReply::Incomplete));
//! assert_eq!(read_connect_reply(&proxy, b"HTTP/1.1 200 OK\r\n\r\n"), Ok(TunnelReply::Established));
//! let refused = read_connect_reply(&proxy, b"HTTP/1.1 407 Auth\r\n\r\n").unwrap_err();
//! assert_eq!(refused.status(), Some(407));
//! # Ok::<(), codex_api_core::client_config::ConfigError>(())
//! ```

use std::fmt;

use bytes::Bytes;
use http::header::{HOST, PROXY_AUTHORIZATION};
use http::{HeaderValue, Uri};

use super::Proxy;
use crate::secret::Secret;

/// The largest proxy reply head to a `CONNECT` read before giving up.
pub const MAX_CONNECT_REPLY: usize = 8 * 1024;

/// Why an HTTP proxy did not open a `CONNECT` tunnel. Names the proxy by host and port only,
/// never its credentials.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProxyError {
    /// The proxy answered with a non-2xx status (407: it wants other credentials).
    #[error("the proxy {proxy} refused the tunnel with status {status}")]
    Refused {
        /// The proxy, `host:port`.
        proxy: String,
        /// The proxy's status code.
        status: u16,
    },
    /// The proxy's answer is not an HTTP/1.x response head (or bytes followed a 2xx head).
    #[error("the proxy {proxy} sent a malformed answer to CONNECT")]
    Malformed {
        /// The proxy, `host:port`.
        proxy: String,
    },
    /// The proxy's response head did not end within `limit` bytes.
    #[error("the proxy {proxy} sent a response head over {limit} bytes")]
    HeadTooLarge {
        /// The proxy, `host:port`.
        proxy: String,
        /// The largest head read.
        limit: usize,
    },
    /// The proxy closed the connection before its response head ended.
    #[error("the proxy {proxy} closed the connection before answering CONNECT")]
    Closed {
        /// The proxy, `host:port`.
        proxy: String,
    },
}

impl ProxyError {
    /// The proxy's status code, for [`ProxyError::Refused`].
    pub fn status(&self) -> Option<u16> {
        match self {
            ProxyError::Refused { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The proxy closed the connection before its reply head ended.
    pub fn closed(proxy: &Proxy) -> ProxyError {
        ProxyError::Closed {
            proxy: authority(proxy.host(), proxy.port()),
        }
    }
}

/// How far a proxy's reply to `CONNECT` has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TunnelReply {
    /// The head has not ended yet: read more.
    Incomplete,
    /// A 2xx head and nothing after it: the stream now leads to the target.
    Established,
}

/// `host:port` as a request target or `Host` value (an IPv6 address in brackets).
pub fn authority(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// The `CONNECT host:port` request head for `proxy`, with `Proxy-Authorization` when the
/// proxy has credentials (so the head is a [`Secret`], zeroed when dropped).
pub fn connect_request(proxy: &Proxy, host: &str, port: u16) -> Secret {
    let target = authority(host, port);
    let mut head = format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n");
    if let Some(authorization) = proxy.authorization() {
        head.push_str("Proxy-Authorization: ");
        head.push_str(authorization.expose());
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    Secret::new(head)
}

/// Reads what the proxy sent so far in reply to `CONNECT` (all of it, from its first byte).
pub fn read_connect_reply(proxy: &Proxy, received: &[u8]) -> Result<TunnelReply, ProxyError> {
    let name = || authority(proxy.host(), proxy.port());
    let Some(end) = find_head_end(received) else {
        if received.len() > MAX_CONNECT_REPLY {
            return Err(ProxyError::HeadTooLarge {
                proxy: name(),
                limit: MAX_CONNECT_REPLY,
            });
        }
        return Ok(TunnelReply::Incomplete);
    };
    let status =
        status_code(&received[..end]).ok_or_else(|| ProxyError::Malformed { proxy: name() })?;
    if !(200..300).contains(&status) {
        return Err(ProxyError::Refused {
            proxy: name(),
            status,
        });
    }
    if received.len() > end {
        // The origin speaks only after the TLS client hello: nothing may follow a 2xx head.
        return Err(ProxyError::Malformed { proxy: name() });
    }
    Ok(TunnelReply::Established)
}

/// Where the blank line ending a response head ends in `bytes`.
fn find_head_end(bytes: &[u8]) -> Option<usize> {
    bytes
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .map(|at| at + 4)
}

/// The status code of a response head (`HTTP/1.x NNN ...`).
fn status_code(head: &[u8]) -> Option<u16> {
    let line_end = head.iter().position(|byte| *byte == b'\r')?;
    let line = std::str::from_utf8(&head[..line_end]).ok()?;
    let mut parts = line.splitn(3, ' ');
    let version = parts.next()?;
    let code = parts.next()?;
    let valid = version.starts_with("HTTP/1.") && code.len() == 3;
    valid.then(|| code.parse().ok()).flatten()
}

/// A request whose URI cannot be sent over HTTP/1.1 (not absolute `http(s)`, no valid host).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestTargetError(&'static str);

impl fmt::Display for RequestTargetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for RequestTargetError {}

/// Scheme, host (an IPv6 address without brackets) and port of an absolute `http(s)` URI.
pub fn origin(uri: &Uri) -> Result<(String, String, u16), RequestTargetError> {
    let invalid = RequestTargetError("the request URI is not an absolute http(s) URI");
    let scheme = uri
        .scheme_str()
        .filter(|s| *s == "http" || *s == "https")
        .ok_or(invalid)?;
    let host = uri.host().ok_or(invalid)?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let port = uri
        .port_u16()
        .unwrap_or(if scheme == "https" { 443 } else { 80 });
    Ok((scheme.to_owned(), host.to_owned(), port))
}

/// The request as HTTP/1.1 sends it: to an origin server (`proxy` `None`: origin-form target)
/// or to a forwarding proxy (absolute form, with the proxy's credentials); a `Host` header
/// either way.
pub fn http1_request(
    mut request: http::Request<Bytes>,
    proxy: Option<&Proxy>,
) -> Result<http::Request<Bytes>, RequestTargetError> {
    let invalid = RequestTargetError("the request URI has no valid host");
    let uri = request.uri().clone();
    let host = match uri.port() {
        Some(port) => format!("{}:{port}", uri.host().unwrap_or_default()),
        None => uri.host().unwrap_or_default().to_owned(),
    };
    if !request.headers().contains_key(HOST) {
        let host = HeaderValue::try_from(host).map_err(|_| invalid)?;
        request.headers_mut().insert(HOST, host);
    }
    match proxy {
        None => {
            let target = uri.path_and_query().map_or("/", |target| target.as_str());
            *request.uri_mut() = target.parse().map_err(|_| invalid)?;
        }
        Some(proxy) => {
            if let Some(authorization) = proxy.authorization() {
                let mut value = HeaderValue::try_from(authorization.expose()).map_err(|_| {
                    RequestTargetError("the proxy credentials are not a valid header value")
                })?;
                value.set_sensitive(true);
                request.headers_mut().insert(PROXY_AUTHORIZATION, value);
            }
        }
    }
    Ok(request)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_lines_and_head_ends() {
        let cases: &[(&[u8], Option<u16>)] = &[
            (b"HTTP/1.1 200 Connection established\r\n\r\n", Some(200)),
            (b"HTTP/1.0 200\r\n\r\n", Some(200)),
            (b"HTTP/1.1 407 Proxy Authentication Required\r\n", Some(407)),
            (b"HTTP/2 200 OK\r\n", None),
            (b"HTTP/1.1 20 OK\r\n", None),
            (b"HTTP/1.1 abc OK\r\n", None),
            (b"SSH-2.0-OpenSSH\r\n", None),
            (b"HTTP/1.1 200 OK", None),
        ];
        for (head, status) in cases {
            assert_eq!(
                status_code(head),
                *status,
                "{}",
                String::from_utf8_lossy(head)
            );
        }
        assert_eq!(find_head_end(b"HTTP/1.1 200 OK\r\n\r\nrest"), Some(19));
        assert_eq!(find_head_end(b"HTTP/1.1 200 OK\r\n"), None);
        assert_eq!(authority("::1", 443), "[::1]:443");
        assert_eq!(authority("api.openai.com", 443), "api.openai.com:443");
    }

    #[test]
    fn replies_to_connect() {
        let proxy = Proxy::parse("http://127.0.0.1:3128").unwrap();
        let name = "127.0.0.1:3128".to_owned();
        assert_eq!(
            read_connect_reply(&proxy, b"HTTP/1.1 200 OK\r\n\r\nhello"),
            Err(ProxyError::Malformed {
                proxy: name.clone()
            })
        );
        assert_eq!(
            read_connect_reply(&proxy, b"garbage\r\n\r\n"),
            Err(ProxyError::Malformed {
                proxy: name.clone()
            })
        );
        let long = vec![b'x'; MAX_CONNECT_REPLY + 1];
        assert_eq!(
            read_connect_reply(&proxy, &long),
            Err(ProxyError::HeadTooLarge {
                proxy: name,
                limit: MAX_CONNECT_REPLY
            })
        );
        assert!(
            !connect_request(&proxy, "::1", 443)
                .expose()
                .contains("Proxy-Authorization")
        );
    }

    #[test]
    fn request_forms() {
        let request = |uri: &str| http::Request::post(uri).body(Bytes::new()).unwrap();
        let direct = http1_request(request("http://127.0.0.1:8080/v1/x?a=1"), None).unwrap();
        assert_eq!(direct.uri(), "/v1/x?a=1");
        assert_eq!(direct.headers()[HOST], "127.0.0.1:8080");
        let proxy = Proxy::parse("http://user:pass@127.0.0.1:3128").unwrap();
        let forwarded = http1_request(request("http://api.test/v1"), Some(&proxy)).unwrap();
        assert_eq!(forwarded.uri(), "http://api.test/v1");
        assert_eq!(forwarded.headers()[HOST], "api.test");
        assert!(forwarded.headers()[PROXY_AUTHORIZATION].is_sensitive());
        assert_eq!(
            origin(&"https://[::1]/v1".parse().unwrap()).unwrap(),
            ("https".into(), "::1".into(), 443)
        );
        assert!(origin(&"/v1".parse().unwrap()).is_err());
    }
}

//! HTTP proxies: the `CONNECT` tunnel of an `https` target, and the absolute-form request of
//! an `http` target. Bytes only: the choice of proxy is the core's
//! ([`ProxyRules`](codex_api_core::client_config::ProxyRules)).

use std::io;

use bytes::Bytes;
use codex_api_core::client_config::Proxy;
use codex_api_core::retry::TransportErrorKind;
use codex_api_core::secret::Secret;
use futures_lite::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use http::HeaderValue;
use http::header::{HOST, PROXY_AUTHORIZATION};
use http_body_util::Full;

use codex_api_client::{ProxyError, TransportFailure};

/// The largest proxy response head to a `CONNECT` read before giving up.
const MAX_HEAD: usize = 8 * 1024;

/// `host:port` as a request target or `Host` value (an IPv6 address in brackets).
pub(crate) fn authority(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// Asks the proxy at the other end of `stream` for a tunnel to `host:port`: sends `CONNECT`
/// (with `Proxy-Authorization` when the proxy has credentials) and reads the response head.
/// A 2xx leaves `stream` ready for the origin's bytes; anything else is a `connect` failure
/// whose source is a [`ProxyError`].
pub(crate) async fn open_tunnel<S>(
    stream: &mut S,
    proxy: &Proxy,
    host: &str,
    port: u16,
) -> Result<(), TransportFailure>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let target = authority(host, port);
    let mut head = format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n");
    if let Some(authorization) = proxy.authorization() {
        head.push_str("Proxy-Authorization: ");
        head.push_str(authorization.expose());
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    let head = Secret::new(head); // zeroed once sent: it may carry the proxy's credentials
    let name = authority(proxy.host(), proxy.port());
    let io_failure = |error: io::Error| TransportFailure::classify(error, true);
    stream
        .write_all(head.expose().as_bytes())
        .await
        .map_err(io_failure)?;
    drop(head);
    stream.flush().await.map_err(io_failure)?;

    let mut received = Vec::with_capacity(256);
    let mut buffer = [0_u8; 512];
    let end = loop {
        let read = stream.read(&mut buffer).await.map_err(io_failure)?;
        if read == 0 {
            return Err(refused(ProxyError::Closed { proxy: name }));
        }
        let from = received.len().saturating_sub(3);
        received.extend_from_slice(&buffer[..read]);
        if let Some(at) = find_head_end(&received[from..]) {
            break from + at;
        }
        if received.len() > MAX_HEAD {
            return Err(refused(ProxyError::HeadTooLarge {
                proxy: name,
                limit: MAX_HEAD,
            }));
        }
    };
    let status = status_code(&received[..end]).ok_or_else(|| {
        refused(ProxyError::Malformed {
            proxy: name.clone(),
        })
    })?;
    if !(200..300).contains(&status) {
        return Err(refused(ProxyError::Refused {
            proxy: name,
            status,
        }));
    }
    if received.len() > end {
        // The origin speaks only after the TLS client hello: nothing may follow a 2xx head.
        return Err(refused(ProxyError::Malformed { proxy: name }));
    }
    Ok(())
}

/// The request as HTTP/1.1 sends it to a forwarding proxy: the absolute-form target
/// (`POST http://host:port/path`), the origin's `Host`, and the proxy's credentials.
pub(crate) fn absolute_form(
    request: http::Request<Bytes>,
    proxy: &Proxy,
) -> Result<http::Request<Full<Bytes>>, TransportFailure> {
    let mut request = request.map(Full::new);
    let uri = request.uri();
    let host = match uri.port() {
        Some(port) => format!("{}:{port}", uri.host().unwrap_or_default()),
        None => uri.host().unwrap_or_default().to_owned(),
    };
    if !request.headers().contains_key(HOST) {
        let host = HeaderValue::try_from(host).map_err(|_| {
            TransportFailure::new(
                TransportErrorKind::Other,
                "the request URI has no valid host",
            )
        })?;
        request.headers_mut().insert(HOST, host);
    }
    if let Some(authorization) = proxy.authorization() {
        let mut value = HeaderValue::try_from(authorization.expose()).map_err(|_| {
            TransportFailure::new(
                TransportErrorKind::Other,
                "the proxy credentials are not a valid header value",
            )
        })?;
        value.set_sensitive(true);
        request.headers_mut().insert(PROXY_AUTHORIZATION, value);
    }
    Ok(request)
}

fn refused(error: ProxyError) -> TransportFailure {
    TransportFailure::new(TransportErrorKind::Connect, error)
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

#[cfg(test)]
mod tests {
    use super::{authority, find_head_end, status_code};

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
}

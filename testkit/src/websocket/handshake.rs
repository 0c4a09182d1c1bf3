//! The server side of the opening handshake (RFC 6455 §4.2): check the upgrade request, pick
//! the extensions, and write the `101 Switching Protocols`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha1::{Digest, Sha1};

use super::deflate::{Agreed, DeflatePolicy, negotiate};
use crate::request::RecordedRequest;
use crate::script::ScriptedResponse;

/// The GUID that RFC 6455 appends to the client's key.
const ACCEPT_GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// `Sec-WebSocket-Accept` for a `Sec-WebSocket-Key`: base64(SHA-1(key + GUID)).
pub(crate) fn accept_key(key: &str) -> String {
    let mut sha1 = Sha1::new();
    sha1.update(key.trim().as_bytes());
    sha1.update(ACCEPT_GUID.as_bytes());
    STANDARD.encode(sha1.finalize())
}

/// An upgrade request the server accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Accepted {
    /// The `Sec-WebSocket-Accept` value.
    pub(crate) accept: String,
    /// The permessage-deflate parameters, when the client offered it and the session allows it.
    pub(crate) deflate: Option<Agreed>,
}

/// Checks an upgrade request; a request the server cannot upgrade gets the response to send
/// instead (`426` when it is no WebSocket upgrade or another protocol version, else `400`).
pub(crate) fn check(
    request: &RecordedRequest,
    deflate: Option<DeflatePolicy>,
) -> Result<Accepted, Box<ScriptedResponse>> {
    let has_token = |name: &str, token: &str| {
        request
            .header_values(name)
            .iter()
            .flat_map(|value| value.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case(token))
    };
    if request.method != "GET" {
        return Err(refusal(400, "a WebSocket upgrade must be a GET"));
    }
    if !has_token("upgrade", "websocket") {
        let refusal = refusal(426, "this endpoint expects a WebSocket upgrade");
        return Err(Box::new(
            refusal
                .header("upgrade", "websocket")
                .header("connection", "Upgrade"),
        ));
    }
    if !has_token("connection", "upgrade") {
        return Err(refusal(
            400,
            "the upgrade request lacks `Connection: Upgrade`",
        ));
    }
    if request.header("sec-websocket-version").map(str::trim) != Some("13") {
        let refusal = refusal(426, "unsupported Sec-WebSocket-Version (13 expected)");
        return Err(Box::new(refusal.header("sec-websocket-version", "13")));
    }
    let key = request
        .header("sec-websocket-key")
        .unwrap_or_default()
        .trim();
    match STANDARD.decode(key) {
        Ok(bytes) if bytes.len() == 16 => {}
        _ => return Err(refusal(400, "missing or invalid Sec-WebSocket-Key")),
    }
    let deflate = deflate
        .and_then(|policy| negotiate(request.header_values("sec-websocket-extensions"), policy));
    Ok(Accepted {
        accept: accept_key(key),
        deflate,
    })
}

/// A refused upgrade: plain text, then the connection closes.
fn refusal(status: u16, message: &str) -> Box<ScriptedResponse> {
    Box::new(
        ScriptedResponse::text(status, &format!("codex-api-testkit: {message}\n"))
            .close_connection(),
    )
}

/// The head of the `101`: the handshake's own headers, then `extra` (the scripted response's
/// headers) in order.
pub(crate) fn switching_protocols(
    accepted: &Accepted,
    reason: Option<&str>,
    extra: &[(String, String)],
) -> String {
    let mut head = format!(
        "HTTP/1.1 101 {}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {}\r\n",
        reason.unwrap_or("Switching Protocols"),
        accepted.accept
    );
    if let Some(agreed) = accepted.deflate {
        head.push_str(&format!(
            "Sec-WebSocket-Extensions: {}\r\n",
            agreed.response_header()
        ));
    }
    for (name, value) in extra {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    head
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upgrade(headers: &[(&str, &str)]) -> RecordedRequest {
        RecordedRequest {
            method: "GET".into(),
            path: "/v1/responses".into(),
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            body: Vec::new(),
            received_at: std::time::Instant::now(),
            connection_id: 0,
            script_exhausted: false,
        }
    }

    const GOOD: &[(&str, &str)] = &[
        ("Upgrade", "websocket"),
        ("Connection", "keep-alive, Upgrade"),
        ("Sec-WebSocket-Version", "13"),
        ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
        (
            "Sec-WebSocket-Extensions",
            "permessage-deflate; client_max_window_bits",
        ),
    ];

    #[test]
    fn the_accept_key_of_rfc_6455() {
        assert_eq!(
            accept_key("dGhlIHNhbXBsZSBub25jZQ=="),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
    }

    #[test]
    fn a_good_upgrade_is_accepted_with_deflate_only_when_allowed() {
        let accepted = check(&upgrade(GOOD), Some(DeflatePolicy::default())).unwrap();
        assert_eq!(accepted.accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
        assert!(accepted.deflate.is_some());
        let head = switching_protocols(&accepted, None, &[("x-a".into(), "1".into())]);
        assert!(head.starts_with("HTTP/1.1 101 Switching Protocols\r\n"));
        assert!(head.contains("Sec-WebSocket-Extensions: permessage-deflate\r\n"));
        assert!(head.ends_with("x-a: 1\r\n\r\n"));
        let plain = check(&upgrade(GOOD), None).unwrap();
        assert!(plain.deflate.is_none());
        assert!(!switching_protocols(&plain, None, &[]).contains("Extensions"));
    }

    #[test]
    fn bad_upgrades_are_refused() {
        let without = |name: &str| {
            let headers: Vec<_> = GOOD.iter().copied().filter(|(n, _)| *n != name).collect();
            check(&upgrade(&headers), None).unwrap_err().status
        };
        assert_eq!(without("Upgrade"), 426);
        assert_eq!(without("Connection"), 400);
        assert_eq!(without("Sec-WebSocket-Version"), 426);
        assert_eq!(without("Sec-WebSocket-Key"), 400);
        let mut post = upgrade(GOOD);
        post.method = "POST".into();
        assert_eq!(check(&post, None).unwrap_err().status, 400);
    }
}

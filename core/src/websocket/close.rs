//! Close codes and the payload of a Close frame (RFC 6455 §5.5.1, §7.4).

use std::fmt;

/// A WebSocket close status code (RFC 6455 §7.4), a thin wrapper over the `u16` on the wire.
///
/// The named constants are the codes RFC 6455 defines plus the three IANA registered later.
/// [`CloseCode::is_valid_on_wire`] says whether a code may appear in a Close frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CloseCode(pub u16);

impl CloseCode {
    /// 1000: normal closure.
    pub const NORMAL: Self = Self(1000);
    /// 1001: the endpoint is going away (server shutdown, page navigated away).
    pub const GOING_AWAY: Self = Self(1001);
    /// 1002: the peer broke the protocol.
    pub const PROTOCOL_ERROR: Self = Self(1002);
    /// 1003: a data type the endpoint cannot accept (e.g. binary where only text is expected).
    pub const UNSUPPORTED_DATA: Self = Self(1003);
    /// 1005: reserved; stands for "no status code was present". Never sent on the wire.
    pub const NO_STATUS: Self = Self(1005);
    /// 1006: reserved; stands for "closed without a Close frame". Never sent on the wire.
    pub const ABNORMAL: Self = Self(1006);
    /// 1007: message data inconsistent with its type (e.g. invalid UTF-8 in a text message).
    pub const INVALID_PAYLOAD: Self = Self(1007);
    /// 1008: a message that violates the endpoint's policy.
    pub const POLICY_VIOLATION: Self = Self(1008);
    /// 1009: a message too big to process.
    pub const MESSAGE_TOO_BIG: Self = Self(1009);
    /// 1010: the client expected an extension the server did not negotiate.
    pub const MANDATORY_EXTENSION: Self = Self(1010);
    /// 1011: the server hit an unexpected condition.
    pub const INTERNAL_ERROR: Self = Self(1011);
    /// 1012: the service is restarting (IANA registry).
    pub const SERVICE_RESTART: Self = Self(1012);
    /// 1013: try again later (IANA registry).
    pub const TRY_AGAIN_LATER: Self = Self(1013);
    /// 1014: bad gateway (IANA registry).
    pub const BAD_GATEWAY: Self = Self(1014);
    /// 1015: reserved; stands for "TLS handshake failure". Never sent on the wire.
    pub const TLS_HANDSHAKE: Self = Self(1015);

    /// Whether this code may appear in a Close frame: 1000–1003, 1007–1014 and the
    /// application/library ranges 3000–4999. Everything else (below 1000, the reserved
    /// 1004–1006 and 1015, the unassigned 1016–2999, 5000 and up) is a protocol error.
    pub fn is_valid_on_wire(self) -> bool {
        matches!(self.0, 1000..=1003 | 1007..=1014 | 3000..=4999)
    }
}

impl From<u16> for CloseCode {
    fn from(code: u16) -> Self {
        Self(code)
    }
}

impl From<CloseCode> for u16 {
    fn from(code: CloseCode) -> Self {
        code.0
    }
}

impl fmt::Display for CloseCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The payload of a Close frame that carried a status code: the code and a UTF-8 reason
/// (at most 123 bytes on the wire).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CloseFrame {
    /// The status code.
    pub code: CloseCode,
    /// The reason, possibly empty.
    pub reason: String,
}

impl CloseFrame {
    /// A close frame with `code` and `reason`.
    pub fn new(code: CloseCode, reason: impl Into<String>) -> Self {
        Self {
            code,
            reason: reason.into(),
        }
    }
}

/// The longest reason a Close frame can carry: 125 payload bytes minus the 2-byte code.
pub const MAX_CLOSE_REASON_LEN: usize = 123;

/// Why a Close frame's payload was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ClosePayloadError {
    /// One byte: too short for a code.
    Truncated,
    /// A code that may not appear on the wire.
    InvalidCode(u16),
    /// A reason that is not UTF-8.
    InvalidReason,
}

/// Parses a Close frame's (unmasked) payload: empty → `None`.
pub(crate) fn parse_close_payload(payload: &[u8]) -> Result<Option<CloseFrame>, ClosePayloadError> {
    match payload {
        [] => Ok(None),
        [_] => Err(ClosePayloadError::Truncated),
        [high, low, reason @ ..] => {
            let code = CloseCode(u16::from_be_bytes([*high, *low]));
            if !code.is_valid_on_wire() {
                return Err(ClosePayloadError::InvalidCode(code.0));
            }
            let reason =
                simdutf8::basic::from_utf8(reason).map_err(|_| ClosePayloadError::InvalidReason)?;
            Ok(Some(CloseFrame::new(code, reason)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_ranges() {
        for code in [1000, 1001, 1002, 1003, 1007, 1011, 1014, 3000, 4999] {
            assert!(CloseCode(code).is_valid_on_wire(), "{code}");
        }
        for code in [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535] {
            assert!(!CloseCode(code).is_valid_on_wire(), "{code}");
        }
    }

    #[test]
    fn payloads() {
        assert_eq!(parse_close_payload(b""), Ok(None));
        assert_eq!(
            parse_close_payload(b"\x03"),
            Err(ClosePayloadError::Truncated)
        );
        assert_eq!(
            parse_close_payload(b"\x03\xe8bye"),
            Ok(Some(CloseFrame::new(CloseCode::NORMAL, "bye")))
        );
        assert_eq!(
            parse_close_payload(b"\x03\xed"),
            Err(ClosePayloadError::InvalidCode(1005))
        );
        assert_eq!(
            parse_close_payload(b"\x03\xe8\xff"),
            Err(ClosePayloadError::InvalidReason)
        );
    }
}

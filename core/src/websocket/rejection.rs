//! The body of a refused upgrade (any reply but `101`): read as HTTP/1.1 frames it
//! (`Content-Length`, `chunked`, or up to the end of the connection), so that the refusal is
//! classified exactly like an HTTP error response.

use http::header::{CONTENT_LENGTH, TRANSFER_ENCODING};
use http::response::Parts;

/// The body was not valid HTTP/1.1 framing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid body framing of a refused upgrade: {reason}")]
pub struct FramingError {
    /// What was wrong.
    pub reason: &'static str,
}

/// Decodes the body of a refused upgrade from the bytes of its connection, in any chunking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectionBody {
    state: State,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    /// This many bytes remain.
    Length(u64),
    /// Everything until the connection ends.
    UntilClose,
    /// Chunked: reading a size line (the size so far, digits seen).
    Size(u64, bool),
    /// Chunked: the rest of a size line (extensions) up to its LF; the size read.
    SizeRest(u64),
    /// Chunked: this many bytes of chunk data remain.
    Data(u64),
    /// Chunked: the CRLF after chunk data (`true` once the CR was seen).
    DataEnd(bool),
    /// Chunked: trailer lines; `true` when the current line is empty so far.
    Trailer(bool),
    Done,
}

impl RejectionBody {
    /// The framing the head announces: `Transfer-Encoding: chunked`, else `Content-Length`,
    /// else until the connection closes (no body at all for `204` and `304`).
    pub fn for_head(head: &Parts) -> Result<RejectionBody, FramingError> {
        let state = if head.status == 204 || head.status == 304 {
            State::Done
        } else if let Some(encoding) = head.headers.get(TRANSFER_ENCODING) {
            let encoding = encoding.to_str().unwrap_or_default().to_ascii_lowercase();
            if encoding.rsplit(',').next().map(str::trim) != Some("chunked") {
                return Err(FramingError {
                    reason: "a transfer encoding other than chunked",
                });
            }
            State::Size(0, false)
        } else if let Some(length) = head.headers.get(CONTENT_LENGTH) {
            let length = length
                .to_str()
                .ok()
                .and_then(|value| value.trim().parse::<u64>().ok())
                .ok_or(FramingError {
                    reason: "an invalid content-length",
                })?;
            if length == 0 {
                State::Done
            } else {
                State::Length(length)
            }
        } else {
            State::UntilClose
        };
        Ok(RejectionBody { state })
    }

    /// Whether the whole body was read.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Whether the body ends only when the connection does.
    pub fn ends_at_close(&self) -> bool {
        self.state == State::UntilClose
    }

    /// Decodes `input`, appending body bytes to `out`; returns how many input bytes were
    /// used (bytes after the body's end are left unused).
    pub fn decode(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<usize, FramingError> {
        let mut at = 0;
        while at < input.len() {
            let rest = &input[at..];
            match &mut self.state {
                State::Done => break,
                State::UntilClose => {
                    out.extend_from_slice(rest);
                    at = input.len();
                }
                State::Length(remaining) | State::Data(remaining) => {
                    let take = rest
                        .len()
                        .min(usize::try_from(*remaining).unwrap_or(usize::MAX));
                    out.extend_from_slice(&rest[..take]);
                    at += take;
                    *remaining -= take as u64;
                    if *remaining == 0 {
                        self.state = match self.state {
                            State::Length(_) => State::Done,
                            _ => State::DataEnd(false),
                        };
                    }
                }
                State::Size(size, digits) => {
                    let byte = rest[0];
                    at += 1;
                    match byte {
                        b'0'..=b'9' | b'a'..=b'f' | b'A'..=b'F' => {
                            let digit = u64::from((byte as char).to_digit(16).unwrap_or(0));
                            *size = size
                                .checked_mul(16)
                                .and_then(|size| size.checked_add(digit))
                                .ok_or(FramingError {
                                    reason: "a chunk size too large",
                                })?;
                            *digits = true;
                        }
                        b';' | b' ' | b'\t' | b'\r' | b'\n' if *digits => {
                            let size = *size;
                            self.state = State::SizeRest(size);
                            if byte == b'\n' {
                                self.end_size_line(size);
                            }
                        }
                        _ => {
                            return Err(FramingError {
                                reason: "an invalid chunk size line",
                            });
                        }
                    }
                }
                State::SizeRest(size) => {
                    let size = *size;
                    at += 1;
                    if rest[0] == b'\n' {
                        self.end_size_line(size);
                    }
                }
                State::DataEnd(cr) => {
                    at += 1;
                    match (rest[0], *cr) {
                        (b'\r', false) => *cr = true,
                        (b'\n', _) => self.state = State::Size(0, false),
                        _ => {
                            return Err(FramingError {
                                reason: "chunk data not followed by CRLF",
                            });
                        }
                    }
                }
                State::Trailer(empty) => {
                    at += 1;
                    match rest[0] {
                        b'\n' if *empty => self.state = State::Done,
                        b'\n' => *empty = true,
                        b'\r' => {}
                        _ => *empty = false,
                    }
                }
            }
        }
        Ok(at)
    }

    fn end_size_line(&mut self, size: u64) {
        self.state = if size == 0 {
            State::Trailer(true)
        } else {
            State::Data(size)
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(headers: &[(&str, &str)]) -> Parts {
        let mut builder = http::Response::builder().status(401);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        builder.body(()).unwrap().into_parts().0
    }

    fn decode_all(body: &mut RejectionBody, input: &[u8], step: usize) -> (Vec<u8>, usize) {
        let mut out = Vec::new();
        let mut used = 0;
        for chunk in input.chunks(step) {
            used += body.decode(chunk, &mut out).unwrap();
            if body.is_done() {
                break;
            }
        }
        (out, used)
    }

    #[test]
    fn chunked_in_any_chunking() {
        let wire = b"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nx-t: 1\r\n\r\nNEXT";
        for step in 1..wire.len() {
            let mut body =
                RejectionBody::for_head(&head(&[("transfer-encoding", "chunked")])).unwrap();
            let (out, _) = decode_all(&mut body, wire, step);
            assert_eq!(out, b"hello world", "step {step}");
            assert!(body.is_done());
        }
        let mut body = RejectionBody::for_head(&head(&[("transfer-encoding", "chunked")])).unwrap();
        let mut out = Vec::new();
        let used = body.decode(wire, &mut out).unwrap();
        assert_eq!(&wire[used..], b"NEXT");
    }

    #[test]
    fn content_length_and_until_close() {
        let mut body = RejectionBody::for_head(&head(&[("content-length", "3")])).unwrap();
        let (out, used) = decode_all(&mut body, b"abcdef", 2);
        assert_eq!((out.as_slice(), used), (&b"abc"[..], 3));
        let mut body = RejectionBody::for_head(&head(&[])).unwrap();
        assert!(body.ends_at_close());
        let (out, _) = decode_all(&mut body, b"abc", 1);
        assert_eq!(out, b"abc");
        assert!(!body.is_done());
    }

    #[test]
    fn bad_framing_is_an_error() {
        assert!(RejectionBody::for_head(&head(&[("content-length", "x")])).is_err());
        assert!(RejectionBody::for_head(&head(&[("transfer-encoding", "gzip")])).is_err());
        let mut body = RejectionBody::for_head(&head(&[("transfer-encoding", "chunked")])).unwrap();
        assert!(body.decode(b"zz\r\n", &mut Vec::new()).is_err());
        let mut body = RejectionBody::for_head(&head(&[("transfer-encoding", "chunked")])).unwrap();
        assert!(
            body.decode(b"ffffffffffffffffff\r\n", &mut Vec::new())
                .is_err()
        );
    }
}

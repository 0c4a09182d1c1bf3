//! Requests as the server reads and records them.

use std::borrow::Cow;
use std::time::Instant;

use crate::query::query_pairs;
use crate::wire::{Ended, Wire};

/// Largest request head accepted (answered `431` past it).
const MAX_HEAD: usize = 1024 * 1024;
/// Most header fields accepted (answered `431` past it).
const MAX_HEADERS: usize = 256;
/// Largest request body accepted (answered `413` past it).
const MAX_BODY: u64 = 1024 * 1024 * 1024;
/// Longest chunk-size or trailer line accepted in a chunked request body.
const MAX_LINE: usize = 64 * 1024;

/// A request the server received, as it arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    /// The method, e.g. `POST`.
    pub method: String,
    /// The request target: the path with its query, e.g. `/v1/models?client_version=1`.
    pub path: String,
    /// Header fields in arrival order, names as sent (values decoded lossily as UTF-8).
    pub headers: Vec<(String, String)>,
    /// The body, de-chunked when it came chunked.
    pub body: Vec<u8>,
    /// When the request head had fully arrived.
    pub received_at: Instant,
    /// Which connection it came on; the first connection is 0.
    pub connection_id: u64,
    /// Whether no scripted response was left for it (it was answered `500`).
    pub script_exhausted: bool,
}

impl RecordedRequest {
    /// The first value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a header, by case-insensitive name, in arrival order.
    pub fn header_values(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The body as text (invalid UTF-8 replaced by U+FFFD).
    pub fn body_text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }

    /// The body parsed as JSON.
    pub fn body_json(&self) -> Result<serde_json::Value, serde_json::Error> {
        serde_json::from_slice(&self.body)
    }

    /// The path without its query.
    pub fn path_without_query(&self) -> &str {
        self.path.split('?').next().unwrap_or_default()
    }

    /// The first value of a query parameter, percent-decoded (`+` decodes to a space), by
    /// exact name, itself compared after decoding (so `include%5B%5D` is `include[]`). A
    /// parameter present without `=` has the empty value.
    pub fn query_param(&self, name: &str) -> Option<String> {
        query_pairs(&self.path)
            .find(|(n, _)| n == name)
            .map(|(_, value)| value)
    }

    /// Every value of a query parameter, percent-decoded, in order (e.g. the repeated
    /// `include[]` of the Responses API); empty when absent.
    pub fn query_params(&self, name: &str) -> Vec<String> {
        query_pairs(&self.path)
            .filter(|(n, _)| n == name)
            .map(|(_, value)| value)
            .collect()
    }
}

/// A parsed request head.
#[derive(Debug)]
pub(crate) struct Head {
    pub(crate) method: String,
    pub(crate) target: String,
    /// `1` for HTTP/1.1, `0` for HTTP/1.0.
    pub(crate) minor_version: u8,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) received_at: Instant,
}

impl Head {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn has_token(&self, name: &str, token: &str) -> bool {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .flat_map(|(_, v)| v.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case(token))
    }

    /// Whether the client may send another request on this connection.
    pub(crate) fn keep_alive(&self) -> bool {
        if self.minor_version == 0 {
            self.has_token("connection", "keep-alive")
        } else {
            !self.has_token("connection", "close")
        }
    }

    /// Whether the client waits for `100 Continue` before sending the body.
    pub(crate) fn expects_continue(&self) -> bool {
        self.minor_version == 1 && self.has_token("expect", "100-continue")
    }
}

/// Why a request could not be read.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// The connection ended (peer gone, or server stopping).
    Ended,
    /// The request broke HTTP/1.1; answer `status` with `message`, then close.
    Malformed { status: u16, message: String },
}

impl From<Ended> for ReadError {
    fn from(_: Ended) -> ReadError {
        ReadError::Ended
    }
}

fn malformed(status: u16, message: impl Into<String>) -> ReadError {
    ReadError::Malformed {
        status,
        message: message.into(),
    }
}

/// Reads requests off one connection, keeping bytes that arrive early for the next one.
#[derive(Debug, Default)]
pub(crate) struct RequestReader {
    buf: Vec<u8>,
}

impl RequestReader {
    /// Reads more bytes; `false` at end of stream.
    fn read_more(&mut self, wire: &mut Wire) -> Result<bool, Ended> {
        let mut chunk = [0u8; 16 * 1024];
        let n = wire.read(&mut chunk)?;
        self.buf
            .extend_from_slice(chunk.get(..n).unwrap_or_default());
        Ok(n > 0)
    }

    /// Takes the bytes read past the last request (e.g. frames a WebSocket client sent right
    /// behind its upgrade request).
    pub(crate) fn take_buffered(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.buf)
    }

    /// Reads the next request head; `None` when the client closed between requests.
    pub(crate) fn read_head(&mut self, wire: &mut Wire) -> Result<Option<Head>, ReadError> {
        loop {
            if !self.buf.is_empty() {
                let mut fields = vec![httparse::EMPTY_HEADER; MAX_HEADERS];
                let mut request = httparse::Request::new(&mut fields);
                match request.parse(&self.buf) {
                    Ok(httparse::Status::Complete(len)) => {
                        let head = Head {
                            method: request.method.unwrap_or_default().to_string(),
                            target: request.path.unwrap_or_default().to_string(),
                            minor_version: request.version.unwrap_or(1),
                            headers: request
                                .headers
                                .iter()
                                .map(|h| {
                                    (
                                        h.name.to_string(),
                                        String::from_utf8_lossy(h.value).into_owned(),
                                    )
                                })
                                .collect(),
                            received_at: Instant::now(),
                        };
                        self.buf.drain(..len);
                        return Ok(Some(head));
                    }
                    Ok(httparse::Status::Partial) => {
                        if self.buf.len() > MAX_HEAD {
                            return Err(malformed(431, "request head too large"));
                        }
                    }
                    Err(httparse::Error::TooManyHeaders) => {
                        return Err(malformed(431, "too many header fields"));
                    }
                    Err(error) => {
                        return Err(malformed(400, format!("malformed request head: {error}")));
                    }
                }
            }
            if !self.read_more(wire)? {
                if self.buf.is_empty() {
                    return Ok(None);
                }
                return Err(ReadError::Ended);
            }
        }
    }

    /// Reads the body that `head` announces (Content-Length or chunked).
    pub(crate) fn read_body(&mut self, wire: &mut Wire, head: &Head) -> Result<Vec<u8>, ReadError> {
        if let Some(codings) = head.header("transfer-encoding") {
            let last = codings.rsplit(',').next().unwrap_or_default().trim();
            if !last.eq_ignore_ascii_case("chunked") {
                return Err(malformed(400, "unsupported transfer-encoding"));
            }
            return self.read_chunked(wire);
        }
        let mut length: Option<u64> = None;
        for value in head
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("content-length"))
            .map(|(_, v)| v.trim())
        {
            let parsed = value
                .parse::<u64>()
                .map_err(|_| malformed(400, "invalid content-length"))?;
            if length.is_some_and(|l| l != parsed) {
                return Err(malformed(400, "conflicting content-length values"));
            }
            length = Some(parsed);
        }
        let length = length.unwrap_or(0);
        if length > MAX_BODY {
            return Err(malformed(413, "request body too large"));
        }
        self.take_exact(wire, length as usize)
    }

    /// Takes exactly `len` bytes, reading as needed.
    fn take_exact(&mut self, wire: &mut Wire, len: usize) -> Result<Vec<u8>, ReadError> {
        while self.buf.len() < len {
            if !self.read_more(wire)? {
                return Err(ReadError::Ended);
            }
        }
        Ok(self.buf.drain(..len).collect())
    }

    /// Takes one CRLF- (or LF-) terminated line, without its terminator.
    fn take_line(&mut self, wire: &mut Wire) -> Result<Vec<u8>, ReadError> {
        loop {
            if let Some(end) = self.buf.iter().position(|&b| b == b'\n') {
                let mut line: Vec<u8> = self.buf.drain(..=end).collect();
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                return Ok(line);
            }
            if self.buf.len() > MAX_LINE {
                return Err(malformed(400, "chunked body line too long"));
            }
            if !self.read_more(wire)? {
                return Err(ReadError::Ended);
            }
        }
    }

    /// Reads a chunked body, then its trailer section (discarded).
    fn read_chunked(&mut self, wire: &mut Wire) -> Result<Vec<u8>, ReadError> {
        let mut body = Vec::new();
        loop {
            let line = self.take_line(wire)?;
            let size_text = line.split(|&b| b == b';').next().unwrap_or_default();
            let size_text = std::str::from_utf8(size_text)
                .map_err(|_| malformed(400, "invalid chunk size"))?
                .trim();
            let size = u64::from_str_radix(size_text, 16)
                .map_err(|_| malformed(400, "invalid chunk size"))?;
            if size == 0 {
                while !self.take_line(wire)?.is_empty() {}
                return Ok(body);
            }
            if body.len() as u64 + size > MAX_BODY {
                return Err(malformed(413, "request body too large"));
            }
            body.extend(self.take_exact(wire, size as usize)?);
            if !self.take_line(wire)?.is_empty() {
                return Err(malformed(400, "chunk data longer than its size"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(path: &str) -> RecordedRequest {
        RecordedRequest {
            method: "GET".into(),
            path: path.into(),
            headers: Vec::new(),
            body: Vec::new(),
            received_at: Instant::now(),
            connection_id: 0,
            script_exhausted: false,
        }
    }

    #[test]
    fn query_param_takes_the_first_decoded_value() {
        let request = request("/v1/responses/r?stream=true&starting_after=7&starting_after=9");
        assert_eq!(request.query_param("stream").as_deref(), Some("true"));
        assert_eq!(request.query_param("starting_after").as_deref(), Some("7"));
        assert_eq!(request.query_param("missing"), None);
        assert_eq!(request.path_without_query(), "/v1/responses/r");
    }

    #[test]
    fn query_params_collects_every_occurrence() {
        let request = request(
            "/v1/responses/r?include%5B%5D=message.output_text.logprobs&include[]=reasoning.encrypted_content&x=1",
        );
        assert_eq!(
            request.query_params("include[]"),
            [
                "message.output_text.logprobs",
                "reasoning.encrypted_content"
            ]
        );
        assert!(request.query_params("after").is_empty());
        assert_eq!(request.query_param("x").as_deref(), Some("1"));
    }

    #[test]
    fn query_of_a_target_without_one_is_empty() {
        let request = request("/v1/models");
        assert_eq!(request.query_param("a"), None);
        assert!(request.query_params("a").is_empty());
    }
}

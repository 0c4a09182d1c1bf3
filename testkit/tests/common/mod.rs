//! A raw HTTP/1.1 client over `std::net::TcpStream`, written for these tests: it parses what
//! the server sends byte by byte, so framing mistakes show.
#![allow(dead_code)]

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use codex_api_testkit::TestServer;

/// A response head as received.
#[derive(Debug)]
pub struct Head {
    pub status: u16,
    pub headers: Vec<(String, String)>,
}

impl Head {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One step of a chunked body as received.
#[derive(Debug, PartialEq, Eq)]
pub enum Chunk {
    /// A complete chunk.
    Data(Vec<u8>),
    /// The terminating zero-size chunk and the empty trailer section.
    Last,
    /// End of stream before a chunk header was complete (`partial` holds its bytes).
    EofInHeader(Vec<u8>),
    /// End of stream inside a chunk's data: it announced `declared`, `received` arrived.
    EofInData { declared: usize, received: Vec<u8> },
    /// A chunk-size line that is not hexadecimal.
    InvalidHeader(Vec<u8>),
}

pub struct Client {
    stream: TcpStream,
    buf: Vec<u8>,
    eof: bool,
}

impl Client {
    pub fn connect(server: &TestServer) -> Client {
        let stream = TcpStream::connect(server.addr()).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        Client {
            stream,
            buf: Vec::new(),
            eof: false,
        }
    }

    pub fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).unwrap();
    }

    /// Sends a request with a `Content-Length` body (or none when `body` is empty and the
    /// method is GET).
    pub fn request(&mut self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) {
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        if !body.is_empty() || method != "GET" {
            head.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(body);
        self.send(&bytes);
    }

    /// Reads more bytes; false at end of stream (or on a reset).
    fn fill(&mut self) -> bool {
        if self.eof {
            return false;
        }
        let mut chunk = [0u8; 64 * 1024];
        match self.stream.read(&mut chunk) {
            Ok(0) => {
                self.eof = true;
                false
            }
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                true
            }
            Err(error) if error.kind() == ErrorKind::ConnectionReset => {
                self.eof = true;
                false
            }
            Err(error) => panic!("client read failed: {error}"),
        }
    }

    /// Reads one line ending in CRLF, without it; `None` at end of stream.
    fn line(&mut self) -> Option<Vec<u8>> {
        loop {
            if let Some(at) = self.buf.windows(2).position(|w| w == b"\r\n") {
                let line = self.buf[..at].to_vec();
                self.buf.drain(..at + 2);
                return Some(line);
            }
            if !self.fill() {
                return None;
            }
        }
    }

    pub fn read_head(&mut self) -> Head {
        let status_line = String::from_utf8(self.line().expect("status line")).unwrap();
        let mut parts = status_line.splitn(3, ' ');
        assert_eq!(
            parts.next(),
            Some("HTTP/1.1"),
            "status line {status_line:?}"
        );
        let status = parts.next().unwrap().parse().unwrap();
        let mut headers = Vec::new();
        loop {
            let line = String::from_utf8(self.line().expect("header line")).unwrap();
            if line.is_empty() {
                break;
            }
            let (name, value) = line.split_once(':').expect("header colon");
            headers.push((name.to_string(), value.trim().to_string()));
        }
        Head { status, headers }
    }

    /// Reads exactly `len` body bytes, or fewer at end of stream.
    pub fn read_up_to(&mut self, len: usize) -> Vec<u8> {
        while self.buf.len() < len && self.fill() {}
        let take = len.min(self.buf.len());
        self.buf.drain(..take).collect()
    }

    /// Reads until end of stream.
    pub fn read_to_end(&mut self) -> Vec<u8> {
        while self.fill() {}
        std::mem::take(&mut self.buf)
    }

    /// Whether the server closed the connection (after whatever is buffered).
    pub fn at_eof(&mut self) -> bool {
        self.buf.is_empty() && !self.fill()
    }

    /// Reads the next chunk of a chunked body.
    pub fn chunk(&mut self) -> Chunk {
        self.chunk_with(|_| {}, true)
    }

    /// Reads the next chunk; data goes to `sink` (and into the result only if `keep`).
    pub fn chunk_with(&mut self, mut sink: impl FnMut(&[u8]), keep: bool) -> Chunk {
        let line = loop {
            if let Some(at) = self.buf.windows(2).position(|w| w == b"\r\n") {
                let line = self.buf[..at].to_vec();
                self.buf.drain(..at + 2);
                break line;
            }
            if !self.fill() {
                return Chunk::EofInHeader(std::mem::take(&mut self.buf));
            }
        };
        let Some(size) = std::str::from_utf8(&line)
            .ok()
            .and_then(|s| usize::from_str_radix(s, 16).ok())
        else {
            return Chunk::InvalidHeader(line);
        };
        if size == 0 {
            assert_eq!(self.line().as_deref(), Some(&b""[..]), "empty trailer");
            return Chunk::Last;
        }
        let mut left = size;
        let mut kept = Vec::new();
        while left > 0 {
            if self.buf.is_empty() && !self.fill() {
                return Chunk::EofInData {
                    declared: size,
                    received: kept,
                };
            }
            let take = left.min(self.buf.len());
            sink(&self.buf[..take]);
            if keep {
                kept.extend_from_slice(&self.buf[..take]);
            }
            self.buf.drain(..take);
            left -= take;
        }
        assert_eq!(self.read_up_to(2), b"\r\n", "chunk data must end in CRLF");
        Chunk::Data(kept)
    }

    /// Reads a whole well-formed chunked body, returning its chunks.
    pub fn chunks_to_end(&mut self) -> Vec<Vec<u8>> {
        let mut chunks = Vec::new();
        loop {
            match self.chunk() {
                Chunk::Data(data) => chunks.push(data),
                Chunk::Last => return chunks,
                other => panic!(
                    "broken chunked body after {} chunks: {other:?}",
                    chunks.len()
                ),
            }
        }
    }

    /// Reads a chunked body until it ends one way or another.
    pub fn chunks_until_end(&mut self) -> (Vec<Vec<u8>>, Chunk) {
        let mut chunks = Vec::new();
        loop {
            match self.chunk() {
                Chunk::Data(data) => chunks.push(data),
                end => return (chunks, end),
            }
        }
    }
}

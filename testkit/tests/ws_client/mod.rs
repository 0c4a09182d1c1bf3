//! A minimal WebSocket client over `std::net::TcpStream`, written for these tests: it sees
//! every frame as sent (fragments, RSV1, control frames) and speaks permessage-deflate, which
//! stock tungstenite does not.
#![allow(dead_code)]

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use codex_api_testkit::TestServer;
use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress};

/// One server frame as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub fin: bool,
    pub rsv1: bool,
    pub opcode: u8,
    pub payload: Vec<u8>,
}

pub struct RawWs {
    pub stream: TcpStream,
    buf: Vec<u8>,
    /// The response head, up to and including the empty line.
    pub head: String,
    compress: Compress,
    decompress: Decompress,
}

/// A `response.create` message as codex sends it, chained to `previous` if given.
pub fn create_json(previous: Option<&str>) -> String {
    let mut body = serde_json::json!({
        "type": "response.create",
        "model": "gpt-test",
        "input": [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi"}]}],
        "tools": [],
        "store": false,
    });
    if let Some(previous) = previous {
        body["previous_response_id"] = serde_json::json!(previous);
    }
    body.to_string()
}

/// A handshake request for `path` with `extensions` offered, if any.
pub fn handshake(path: &str, extensions: Option<&str>) -> String {
    let mut request = format!(
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    );
    if let Some(extensions) = extensions {
        request.push_str(&format!("Sec-WebSocket-Extensions: {extensions}\r\n"));
    }
    request.push_str("\r\n");
    request
}

/// A masked client frame.
pub fn masked_frame(fin: bool, rsv1: bool, opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mask = [0x37, 0xfa, 0x21, 0x3d];
    let mut out = vec![u8::from(fin) << 7 | u8::from(rsv1) << 6 | opcode];
    match payload.len() {
        len @ 0..=125 => out.push(0x80 | len as u8),
        len @ 126..=0xffff => {
            out.push(0x80 | 126);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        }
        len => {
            out.push(0x80 | 127);
            out.extend_from_slice(&(len as u64).to_be_bytes());
        }
    }
    out.extend_from_slice(&mask);
    out.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    out
}

impl RawWs {
    /// Connects, sends `request` (a handshake, possibly followed by frames) and reads the
    /// response head.
    pub fn connect_with(server: &TestServer, request: &[u8]) -> RawWs {
        let mut stream = TcpStream::connect(server.addr()).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        stream.write_all(request).unwrap();
        let mut ws = RawWs {
            stream,
            buf: Vec::new(),
            head: String::new(),
            compress: Compress::new(Compression::default(), false),
            decompress: Decompress::new(false),
        };
        let end = loop {
            if let Some(at) = ws.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break at + 4;
            }
            assert!(ws.fill(), "the connection ended inside the response head");
        };
        ws.head = String::from_utf8(ws.buf.drain(..end).collect()).unwrap();
        ws
    }

    pub fn connect(server: &TestServer, path: &str, extensions: Option<&str>) -> RawWs {
        RawWs::connect_with(server, handshake(path, extensions).as_bytes())
    }

    pub fn status(&self) -> u16 {
        self.head[9..12].parse().unwrap()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.split("\r\n").skip(1).find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }

    /// Reads more bytes; `false` at end of stream.
    fn fill(&mut self) -> bool {
        let mut chunk = [0u8; 16 * 1024];
        loop {
            match self.stream.read(&mut chunk) {
                Ok(0) => return false,
                Ok(n) => {
                    self.buf.extend_from_slice(&chunk[..n]);
                    return true;
                }
                Err(error) if error.kind() == ErrorKind::Interrupted => {}
                Err(error) if error.kind() == ErrorKind::ConnectionReset => return false,
                Err(error) => panic!("read failed: {error}"),
            }
        }
    }

    /// Takes `n` bytes; `None` at end of stream.
    fn take(&mut self, n: usize) -> Option<Vec<u8>> {
        while self.buf.len() < n {
            if !self.fill() {
                return None;
            }
        }
        Some(self.buf.drain(..n).collect())
    }

    /// The next server frame (checked unmasked); `None` at end of stream.
    pub fn read_frame(&mut self) -> Option<Frame> {
        let head = self.take(2)?;
        assert_eq!(head[1] & 0x80, 0, "server frames are never masked");
        let len = match head[1] & 0x7f {
            126 => u16::from_be_bytes(self.take(2)?.try_into().unwrap()) as usize,
            127 => u64::from_be_bytes(self.take(8)?.try_into().unwrap()) as usize,
            len => len as usize,
        };
        Some(Frame {
            fin: head[0] & 0x80 != 0,
            rsv1: head[0] & 0x40 != 0,
            opcode: head[0] & 0x0f,
            payload: self.take(len)?,
        })
    }

    /// The bytes left before end of stream (for raw-byte faults).
    pub fn read_to_end(&mut self) -> Vec<u8> {
        while self.fill() {}
        std::mem::take(&mut self.buf)
    }

    pub fn send_frame(&mut self, fin: bool, rsv1: bool, opcode: u8, payload: &[u8]) {
        self.stream
            .write_all(&masked_frame(fin, rsv1, opcode, payload))
            .unwrap();
    }

    pub fn send_text(&mut self, text: &str) {
        self.send_frame(true, false, 0x1, text.as_bytes());
    }

    /// Sends `text` compressed (permessage-deflate, context kept).
    pub fn send_compressed_text(&mut self, text: &str) {
        let payload = self.deflate(text.as_bytes());
        self.send_frame(true, true, 0x1, &payload);
    }

    /// Raw DEFLATE with a sync flush, the `00 00 ff ff` tail stripped.
    pub fn deflate(&mut self, data: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(data.len() + 64);
        self.compress
            .compress_vec(data, &mut out, FlushCompress::Sync)
            .unwrap();
        assert!(out.ends_with(&[0, 0, 0xff, 0xff]));
        out.truncate(out.len() - 4);
        out
    }

    /// Inflates a compressed message payload (context kept).
    pub fn inflate(&mut self, payload: &[u8]) -> Vec<u8> {
        let mut input = payload.to_vec();
        input.extend_from_slice(&[0, 0, 0xff, 0xff]);
        let mut out = Vec::with_capacity(input.len() * 8 + 1024);
        self.decompress
            .decompress_vec(&input, &mut out, FlushDecompress::Sync)
            .unwrap();
        out
    }

    /// Resets the inflater (for `server_no_context_takeover`).
    pub fn reset_inflater(&mut self) {
        self.decompress.reset(false);
    }

    /// Reads one whole data message: `(opcode, payload as sent, frames)`; control frames on
    /// the way are returned as messages of their own.
    pub fn read_message(&mut self) -> Option<(u8, Vec<u8>, Vec<Frame>)> {
        let first = self.read_frame()?;
        if first.opcode >= 0x8 || first.fin {
            return Some((first.opcode, first.payload.clone(), vec![first]));
        }
        let mut frames = vec![first];
        loop {
            let next = self.read_frame()?;
            let fin = next.fin;
            frames.push(next);
            if fin {
                break;
            }
        }
        let payload = frames.iter().flat_map(|f| f.payload.clone()).collect();
        Some((frames[0].opcode, payload, frames))
    }
}

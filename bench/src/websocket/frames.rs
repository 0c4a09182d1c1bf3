//! Frame decoding: our `WebSocketCodec` against tungstenite 0.30 on the same recorded server
//! frames (a Responses transcript, one unmasked text frame per event, as a server sends them).

use std::hint::black_box;
use std::io::{Read, Write};

use bytes::Bytes;
use codex_api_core::websocket::{CodecConfig, DeflateParams, Incoming, WebSocketCodec};
use flate2::{Compress, Compression, FlushCompress};

use crate::alloc_live;
use crate::corpus;
use crate::harness::{measure_each_counted, split};

/// One event: its `type` and its JSON.
pub struct Event {
    pub kind: String,
    pub json: String,
}

/// The events of [`corpus::transcript`] (`seed`, about `target_bytes` as SSE), with the
/// final `response.completed` carrying the whole output (every `output_item.done` item, as the
/// API sends it) instead of the corpus's empty one: the large event at the end.
pub fn events(seed: u64, target_bytes: usize) -> Vec<Event> {
    let sse = corpus::transcript(seed, target_bytes);
    let text = String::from_utf8(sse).unwrap_or_else(|error| panic!("{error}"));
    let mut events = Vec::new();
    let mut items = Vec::new();
    for block in text.split("\n\n") {
        let mut kind = None;
        let mut data = None;
        for line in block.lines() {
            if let Some(value) = line.strip_prefix("event: ") {
                kind = Some(value.to_owned());
            } else if let Some(value) = line.strip_prefix("data: ") {
                data = Some(value.to_owned());
            }
        }
        let (Some(kind), Some(mut json)) = (kind, data) else {
            continue;
        };
        if kind == "response.output_item.done" {
            let value: serde_json::Value =
                serde_json::from_str(&json).unwrap_or_else(|error| panic!("{error}"));
            items.push(value["item"].clone());
        }
        if kind == "response.completed" {
            let mut value: serde_json::Value =
                serde_json::from_str(&json).unwrap_or_else(|error| panic!("{error}"));
            value["response"]["output"] = serde_json::Value::Array(std::mem::take(&mut items));
            json = value.to_string();
        }
        events.push(Event { kind, json });
    }
    events
}

/// The events as an SSE body (`event:` + `data:` lines), as the HTTP transport carries them.
pub fn sse_body(events: &[Event]) -> Vec<u8> {
    let mut out = Vec::new();
    for event in events {
        out.extend_from_slice(b"event: ");
        out.extend_from_slice(event.kind.as_bytes());
        out.extend_from_slice(b"\ndata: ");
        out.extend_from_slice(event.json.as_bytes());
        out.extend_from_slice(b"\n\n");
    }
    out
}

/// Appends a server (unmasked) frame header: FIN, `rsv1` when compressed, opcode text.
fn header(out: &mut Vec<u8>, rsv1: bool, len: usize) {
    out.push(0x81 | if rsv1 { 0x40 } else { 0 });
    if len < 126 {
        out.push(len as u8);
    } else if len <= usize::from(u16::MAX) {
        out.push(126);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(127);
        out.extend_from_slice(&(len as u64).to_be_bytes());
    }
}

/// Every event as one unmasked text frame, as the testkit (and the API) send them.
pub fn plain_frames(events: &[Event]) -> Vec<u8> {
    let mut out = Vec::new();
    for event in events {
        header(&mut out, false, event.json.len());
        out.extend_from_slice(event.json.as_bytes());
    }
    out
}

/// permessage-deflate as the testkit's server sends it: one raw-DEFLATE stream with context
/// takeover (flate2, pure-Rust backend, default level 6), a sync flush per message, the
/// `00 00 ff ff` tail stripped, RSV1 set.
pub struct ServerDeflate {
    compress: Compress,
}

impl Default for ServerDeflate {
    fn default() -> Self {
        ServerDeflate {
            compress: Compress::new(Compression::default(), false),
        }
    }
}

impl ServerDeflate {
    /// One message's compressed payload.
    pub fn compress(&mut self, input: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(input.len() / 2 + 64);
        let start = self.compress.total_in();
        loop {
            if out.len() == out.capacity() {
                out.reserve(out.capacity().max(64));
            }
            let consumed = (self.compress.total_in() - start) as usize;
            let rest = input.get(consumed..).unwrap_or_default();
            if self
                .compress
                .compress_vec(rest, &mut out, FlushCompress::Sync)
                .is_err()
            {
                break;
            }
            let consumed = (self.compress.total_in() - start) as usize;
            if consumed == input.len() && out.len() < out.capacity() {
                break;
            }
        }
        if out.ends_with(&[0, 0, 0xff, 0xff]) {
            out.truncate(out.len() - 4);
        }
        out
    }
}

/// Every event as one compressed text frame ([`ServerDeflate`]).
pub fn deflate_frames(events: &[Event]) -> Vec<u8> {
    let mut deflate = ServerDeflate::default();
    let mut out = Vec::new();
    for event in events {
        let payload = deflate.compress(event.json.as_bytes());
        header(&mut out, true, payload.len());
        out.extend_from_slice(&payload);
    }
    out
}

/// The decoders.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Decoder {
    /// `WebSocketCodec::new(CodecConfig::default(), None, _)`: `handle_bytes` per chunk,
    /// `poll_message` until empty.
    Ours,
    /// tungstenite 0.30 `WebSocketContext::new(Role::Client, ..)`, `read(&mut stream)` per
    /// message over a reader that hands out the same chunks.
    Tungstenite,
    /// Ours on the deflated frames (`Some(DeflateParams::default())`): no peer (tungstenite
    /// has no permessage-deflate).
    OursDeflate,
}

impl Decoder {
    pub fn name(self) -> &'static str {
        match self {
            Decoder::Ours => "ours (codex-api-core WebSocketCodec)",
            Decoder::Tungstenite => "tungstenite 0.30 (WebSocketContext::read)",
            Decoder::OursDeflate => "ours, permessage-deflate frames (no peer)",
        }
    }
}

/// What a decoder produced: messages, text bytes, errors.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub messages: u64,
    pub text_bytes: u64,
    pub errors: u64,
}

/// A reader over borrowed chunks: each `read` returns at most the rest of the current chunk,
/// as a socket read returns what one segment brought. Writes go nowhere (none happen: the
/// frames hold no ping or close).
struct ChunkReader<'a> {
    chunks: &'a [Bytes],
    index: usize,
    offset: usize,
}

impl Read for ChunkReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let Some(chunk) = self.chunks.get(self.index) else {
            return Ok(0);
        };
        let rest = &chunk[self.offset..];
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        self.offset += n;
        if self.offset == chunk.len() {
            self.index += 1;
            self.offset = 0;
        }
        Ok(n)
    }
}

impl Write for ChunkReader<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn ours(chunks: &[Bytes], deflate: bool) -> Tally {
    let extension = deflate.then(DeflateParams::default);
    let mut codec = WebSocketCodec::new(CodecConfig::default(), extension, 1);
    let mut tally = Tally::default();
    for chunk in chunks {
        codec.handle_bytes(chunk);
        while let Some(message) = codec.poll_message() {
            match message {
                Ok(Incoming::Text(text)) => {
                    tally.messages += 1;
                    tally.text_bytes += black_box(text.as_str()).len() as u64;
                }
                Ok(_) => {}
                Err(_) => tally.errors += 1,
            }
        }
    }
    tally
}

fn tungstenite(chunks: &[Bytes], expected: u64) -> Tally {
    use tungstenite::protocol::{Message, Role, WebSocketConfig, WebSocketContext};
    let config = WebSocketConfig::default()
        .max_message_size(None)
        .max_frame_size(None);
    let mut context = WebSocketContext::new(Role::Client, Some(config));
    let mut stream = ChunkReader {
        chunks,
        index: 0,
        offset: 0,
    };
    let mut tally = Tally::default();
    while tally.messages < expected {
        match context.read(&mut stream) {
            Ok(Message::Text(text)) => {
                tally.messages += 1;
                tally.text_bytes += black_box(text.as_str()).len() as u64;
            }
            Ok(_) => {}
            Err(_) => {
                tally.errors += 1;
                break;
            }
        }
    }
    tally
}

/// Runs the measurement and prints its report.
pub fn measure(seed: u64, mb: usize, chunk_sizes: &[usize], rounds: usize) {
    let events = events(seed, mb * 1_000_000);
    let json_bytes: usize = events.iter().map(|e| e.json.len()).sum();
    let largest = events.iter().map(|e| e.json.len()).max().unwrap_or(0);
    let deltas = events
        .iter()
        .filter(|e| e.kind == "response.output_text.delta")
        .count();
    let plain = Bytes::from(plain_frames(&events));
    let deflated = Bytes::from(deflate_frames(&events));
    println!("\n### Frame decoding: ours against tungstenite on the same frames\n");
    println!(
        "- frames: `corpus::transcript` (seed {seed:#x}, {mb} MB as SSE) as server WebSocket frames, one unmasked FIN text frame per event: {} events ({deltas} `response.output_text.delta`, {json_bytes} bytes of JSON, largest event {largest} bytes: the final `response.completed`, whose `output` repeats every output item); {} bytes of frames; deflated (permessage-deflate with context takeover, as the testkit's server compresses: flate2 level 6): {} bytes",
        events.len(),
        plain.len(),
        deflated.len(),
    );
    println!(
        "- each decoder gets the frame bytes in chunks (borrowed `Bytes` slices, as reads deliver them) and hands out every text message (summed lengths through `black_box`); ours: `handle_bytes` + `poll_message` (UTF-8 validated, the message a `Bytes` slice of its buffer); tungstenite: `WebSocketContext::new(Role::Client, max sizes off)` + `read(&mut stream)`, a `Read` handing out the same chunks (it copies them into its 128 KiB read buffer, then the payload into the message); MB/s = wire (frame) bytes per second of the thread's CPU time; harness as in the SSE section ({rounds} interleaved rounds of ~150 ms CPU time each, median repetition); allocation calls from the bench's tracking allocator"
    );
    let expected = events.len() as u64;
    for &size in chunk_sizes {
        let plain_chunks = split(&plain, size);
        let deflated_chunks = split(&deflated, size);
        let decoders = [Decoder::Ours, Decoder::Tungstenite, Decoder::OursDeflate];
        let timed = measure_each_counted(
            &decoders,
            |decoder| match decoder {
                Decoder::Ours => ours(&plain_chunks, false),
                Decoder::Tungstenite => tungstenite(&plain_chunks, expected),
                Decoder::OursDeflate => ours(&deflated_chunks, true),
            },
            rounds,
            alloc_live::calls,
        );
        let agree = timed.iter().all(|t| {
            t.output.messages == expected
                && t.output.text_bytes == json_bytes as u64
                && t.output.errors == 0
        });
        println!("\n#### Chunks of {size} bytes\n");
        println!(
            "- consistency: {} (every decoder: {expected} messages, {json_bytes} text bytes, 0 errors)",
            if agree { "all agree" } else { "DISAGREE" }
        );
        for t in &timed {
            println!("  - {}: {:?}", t.contender.name(), t.output);
        }
        println!(
            "\n| decoder | wire MB | reps | CPU ms | wall ms | MB/s (wire) | MB/s (text) | M messages/s | allocs/message | ours ÷ this (time) |"
        );
        println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        let ours_time = timed[0].median;
        for t in &timed {
            let wire = match t.contender {
                Decoder::OursDeflate => deflated.len(),
                _ => plain.len(),
            };
            let secs = t.median.as_secs_f64();
            println!(
                "| {} | {:.2} | {} | {:.3} | {:.3} | {:.1} | {:.1} | {:.3} | {:.3} | {:.2}× |",
                t.contender.name(),
                wire as f64 / 1e6,
                t.reps,
                secs * 1e3,
                t.median_wall.as_secs_f64() * 1e3,
                wire as f64 / 1e6 / secs,
                json_bytes as f64 / 1e6 / secs,
                expected as f64 / 1e6 / secs,
                t.allocations_per_rep / expected as f64,
                secs / ours_time.as_secs_f64(),
            );
        }
    }
}

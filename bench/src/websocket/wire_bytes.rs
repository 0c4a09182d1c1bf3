//! Bytes on the wire, counted by a TCP proxy between the client and the testkit server (plain
//! TCP on loopback): everything each side wrote, headers, framing and handshake included.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use codex_api_core::request::ResponsesOptions;
use codex_api_testkit::{Body, WsTurn};
use futures::StreamExt;

use super::frames::{events, sse_body};
use super::tool_loop::{Framing, run_loop};
use super::{ServerShape, client, loop_script, runtime, script, turn_transcript};
use crate::end_to_end::{Transport, request};

/// A counting proxy: every connection accepted is relayed to `upstream`; the bytes each way
/// are counted (before they are forwarded, so a client that has read a byte finds it counted).
pub struct Proxy {
    addr: SocketAddr,
    up: Arc<AtomicU64>,
    down: Arc<AtomicU64>,
}

impl Proxy {
    pub fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|error| panic!("{error}"));
        let addr = listener
            .local_addr()
            .unwrap_or_else(|error| panic!("{error}"));
        let up = Arc::new(AtomicU64::new(0));
        let down = Arc::new(AtomicU64::new(0));
        let (up2, down2) = (Arc::clone(&up), Arc::clone(&down));
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let Ok(server) = TcpStream::connect(upstream) else {
                    continue;
                };
                let _ = client.set_nodelay(true);
                let _ = server.set_nodelay(true);
                let (Ok(client2), Ok(server2)) = (client.try_clone(), server.try_clone()) else {
                    continue;
                };
                let (up, down) = (Arc::clone(&up2), Arc::clone(&down2));
                std::thread::spawn(move || pump(client, server, &up));
                std::thread::spawn(move || pump(server2, client2, &down));
            }
        });
        Proxy { addr, up, down }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// (client → server, server → client) bytes so far.
    pub fn counts(&self) -> (u64, u64) {
        (
            self.up.load(Ordering::SeqCst),
            self.down.load(Ordering::SeqCst),
        )
    }
}

fn pump(mut from: TcpStream, mut to: TcpStream, counter: &AtomicU64) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => {
                let _ = to.shutdown(Shutdown::Write);
                return;
            }
            Ok(n) => {
                counter.fetch_add(n as u64, Ordering::SeqCst);
                if to.write_all(&buf[..n]).is_err() {
                    let _ = from.shutdown(Shutdown::Read);
                    return;
                }
            }
        }
    }
}

/// One row of the report.
struct Row {
    what: &'static str,
    framing: Framing,
    up: u64,
    down: u64,
    handshake: Option<(u64, u64)>,
    ok: bool,
}

/// Counts one framing's bytes for one 1 MB-transcript turn.
fn one_turn(upstream: SocketAddr, framing: Framing, expected_events: u64) -> Row {
    let proxy = Proxy::start(upstream);
    let client = client(&proxy.url(), Transport::Plain);
    let rt = runtime();
    let (handshake, ok) = rt.block_on(async {
        let mut handshake = None;
        let stream = match framing {
            Framing::Http => client.stream(request(), ResponsesOptions::new()).await,
            Framing::WebSocket | Framing::WebSocketDeflate | Framing::WebSocketDeflateRequests => {
                let session = client
                    .websocket()
                    .with_deflate(framing.deflate())
                    .with_compressed_requests(framing == Framing::WebSocketDeflateRequests);
                let connected =
                    session.connect().await.is_ok() && session.is_deflate() == framing.deflate();
                handshake = Some(proxy.counts());
                let stream = session.stream(request()).await;
                if !connected {
                    return (handshake, false);
                }
                // The session must outlive the stream: keep it until drained.
                let mut count = 0u64;
                let mut errors = 0u64;
                if let Ok(mut events) = stream {
                    while let Some(event) = events.next().await {
                        if event.is_ok() {
                            count += 1
                        } else {
                            errors += 1
                        }
                    }
                    let completed = events.state().response().is_some();
                    return (
                        handshake,
                        completed && errors == 0 && count >= expected_events / 2,
                    );
                }
                return (handshake, false);
            }
        };
        let mut count = 0u64;
        let mut errors = 0u64;
        if let Ok(mut events) = stream {
            while let Some(event) = events.next().await {
                if event.is_ok() {
                    count += 1
                } else {
                    errors += 1
                }
            }
            let completed = events.state().response().is_some();
            return (
                handshake,
                completed && errors == 0 && count >= expected_events / 2,
            );
        }
        (handshake, false)
    });
    let (up, down) = proxy.counts();
    Row {
        what: "1 MB transcript, one turn",
        framing,
        up,
        down,
        handshake,
        ok,
    }
}

/// Counts one framing's bytes for one 20-turn tool loop.
fn tool_loop(upstream: SocketAddr, framing: Framing, turns: usize) -> Row {
    let proxy = Proxy::start(upstream);
    let client = client(&proxy.url(), Transport::Plain);
    let rt = runtime();
    let run = rt.block_on(run_loop(&client, framing, turns));
    let (up, down) = proxy.counts();
    Row {
        what: "tool loop, 20 turns",
        framing,
        up,
        down,
        handshake: None,
        ok: run.errors == 0 && run.turns.len() == turns && run.last_output == 2,
    }
}

/// Runs the measurement and prints its report.
pub fn measure(seed: u64, turns: usize, shape: ServerShape) {
    let events = events(seed, 1_000_000);
    let json_bytes: usize = events.iter().map(|e| e.json.len()).sum();
    let sse = sse_body(&events);
    let sse_len = sse.len();
    let turn = WsTurn::texts(events.iter().map(|e| e.json.clone()));
    let server = Transport::Plain.start(script(turn, Body::content_length().bytes(sse)));
    let upstream = server.addr();
    println!("\n### Bytes on the wire\n");
    println!(
        "- counted by a TCP proxy on loopback between the tokio client and the testkit server (everything written each way: HTTP heads, SSE or WebSocket framing, the upgrade handshake, masks; plain TCP, no TLS record overhead); a fresh client and connection per row"
    );
    println!(
        "- 1 MB transcript: `corpus::transcript` (seed {seed:#x}, ~1 MB as SSE) with a `response.completed` carrying the whole output: {} events, {json_bytes} bytes of JSON, {sse_len} bytes as an SSE body (`Content-Length`); the request is the end-to-end section's (`hi`); WebSocket rows include the upgrade (shown apart)",
        events.len()
    );
    let transcript = turn_transcript(0);
    println!(
        "- tool loop: the latency section's loop ({turns} turns, each answered with ~{} bytes of SSE / the same events as text messages, 20 different answers in turn), on a second server, which compresses at level {} under permessage-deflate (the 1 MB transcript's server at level 6)",
        transcript.to_bytes().len(),
        shape.deflate_level
    );
    let mut rows = Vec::new();
    for framing in Framing::ALL {
        rows.push(one_turn(upstream, framing, events.len() as u64));
    }
    drop(server);
    let loop_server = Transport::Plain.start(loop_script(shape));
    for framing in Framing::ALL {
        rows.push(tool_loop(loop_server.addr(), framing, turns));
    }
    drop(loop_server);
    println!(
        "\n| what | framing | complete | client → server bytes | server → client bytes | of which upgrade handshake (→ / ←) | → ÷ HTTP | ← ÷ HTTP |"
    );
    println!("|---|---|---|---:|---:|---:|---:|---:|");
    for chunk in rows.chunks(3) {
        let (http_up, http_down) = (chunk[0].up as f64, chunk[0].down as f64);
        for row in chunk {
            println!(
                "| {} | {} | {} | {} | {} | {} | {:.3} | {:.3} |",
                row.what,
                row.framing.name(),
                row.ok,
                row.up,
                row.down,
                row.handshake
                    .map_or("—".to_owned(), |(u, d)| format!("{u} / {d}")),
                row.up as f64 / http_up,
                row.down as f64 / http_down,
            );
        }
    }
}

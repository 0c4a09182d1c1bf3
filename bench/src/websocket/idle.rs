//! Memory per idle open WebSocket connection: a child process (so nothing else of the bench is
//! in its heap) opens N sessions one after the other, each with one turn, keeps them all open
//! and idle, and reports the growth of its live heap bytes (tracking allocator) and RSS.

use std::process::Command;
use std::time::Instant;

use codex_api_testkit::Transcript;
use futures::StreamExt;

use super::{client, runtime, script};
use crate::alloc_live;
use crate::end_to_end::{Transport, finish, memory_kib, request, serve, spawn_self};

/// The answer to every turn: a short assistant message (so that what the sessions hold is the
/// connection, not a conversation).
fn small_transcript() -> Transcript {
    Transcript::new()
        .created()
        .message(&["Hello", ", ", "world", "."])
        .completed()
}

/// The server child (`--serve-idle-ws plain|tls`).
pub fn serve_idle(transport: Transport) {
    let transcript = small_transcript();
    serve(
        script((&transcript).into(), (&transcript).into()),
        transport,
        String::new(),
    );
}

/// The client child (`--idle-ws-client URL N plain|tls deflate|plain`): prints
/// `live_before live_after rss_before rss_after hwm opened deflate_ok elapsed_ms`.
pub fn idle_client(url: &str, count: usize, transport: Transport, deflate: bool) {
    let rt = runtime();
    let client = client(url, transport);
    let open_one = |client: &codex_api_tokio::Client| {
        let client = client.clone();
        async move {
            let session = client.websocket().with_deflate(deflate);
            let mut events = session.stream(request()).await.ok()?;
            while let Some(event) = events.next().await {
                event.ok()?;
            }
            let completed = events.state().response().is_some();
            drop(events);
            (completed && session.is_connected()).then_some(session)
        }
    };
    // Warm-up: two sessions opened and kept, so that lazily built shared state (TLS config,
    // runtime internals, the client's caches) is in the baseline.
    let warm: Vec<_> = rt.block_on(async {
        let mut warm = Vec::new();
        for _ in 0..2 {
            warm.push(open_one(&client).await);
        }
        warm
    });
    let live_before = alloc_live::live_bytes();
    let (_, rss_before) = memory_kib();
    let start = Instant::now();
    let sessions: Vec<_> = rt.block_on(async {
        let mut sessions = Vec::with_capacity(count);
        for _ in 0..count {
            sessions.push(open_one(&client).await);
        }
        sessions
    });
    let elapsed = start.elapsed();
    let live_after = alloc_live::live_bytes();
    let (hwm, rss_after) = memory_kib();
    let opened = sessions.iter().filter(|s| s.is_some()).count();
    let deflate_ok = sessions
        .iter()
        .flatten()
        .all(|session| session.is_deflate() == deflate);
    println!(
        "{live_before} {live_after} {rss_before} {rss_after} {hwm} {opened} {} {:.0}",
        u8::from(deflate_ok),
        elapsed.as_secs_f64() * 1e3
    );
    drop(sessions);
    drop(warm);
}

/// Runs the measurement (plain TCP and TLS, deflate off and on) and prints its report.
pub fn measure(count: usize) {
    println!("\n### Memory per idle open WebSocket connection\n");
    println!(
        "- a client child process (one current-thread tokio runtime, one `Client`) opens {count} `client.websocket()` sessions one after the other, each with one turn (request `hi`, answer: a 4-delta message, 10 events) drained, then keeps them all open and idle; two warm-up sessions opened first are in the baseline; the server is another child; heap = bytes requested by live allocations (the child's tracking global allocator; malloc's own overhead not included), RSS from `/proc/self/status`"
    );
    println!(
        "\n| transport | deflate | sessions open | heap before (KiB) | heap after (KiB) | heap per connection (KiB) | RSS before (KiB) | RSS after (KiB) | RSS per connection (KiB) | open time (ms) | target < 64 KiB |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|");
    for transport in [Transport::Plain, Transport::Tls] {
        let (server, line) =
            spawn_self(&["--serve-idle-ws".to_owned(), transport.arg().to_owned()]);
        let url = line
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_owned();
        for deflate in [false, true] {
            let exe = std::env::current_exe().unwrap_or_else(|error| panic!("{error}"));
            let output = Command::new(exe)
                .args([
                    "--idle-ws-client",
                    &url,
                    &count.to_string(),
                    transport.arg(),
                    if deflate { "deflate" } else { "plain" },
                ])
                .output()
                .unwrap_or_else(|error| panic!("{error}"));
            let text = String::from_utf8_lossy(&output.stdout);
            let values: Vec<f64> = text
                .split_whitespace()
                .filter_map(|value| value.parse().ok())
                .collect();
            if let [
                live_before,
                live_after,
                rss_before,
                rss_after,
                _hwm,
                opened,
                deflate_ok,
                elapsed,
            ] = values[..]
            {
                let heap_per = (live_after - live_before) / 1024.0 / opened.max(1.0);
                let rss_per = (rss_after - rss_before) / opened.max(1.0);
                println!(
                    "| {} | {}{} | {opened} | {:.0} | {:.0} | {heap_per:.1} | {rss_before} | {rss_after} | {rss_per:.1} | {elapsed:.0} | {} |",
                    transport.arg(),
                    if deflate { "on" } else { "off" },
                    if deflate_ok == 1.0 {
                        ""
                    } else {
                        " (NOT as asked)"
                    },
                    live_before / 1024.0,
                    live_after / 1024.0,
                    if heap_per.max(rss_per) < 64.0 {
                        "met"
                    } else {
                        "missed"
                    },
                );
            } else {
                println!(
                    "| {} | {} | child failed: status {:?}, stdout {text:?}, stderr {:?} |",
                    transport.arg(),
                    deflate,
                    output.status,
                    String::from_utf8_lossy(&output.stderr)
                );
            }
        }
        finish(server);
    }
    // What the deflate contexts alone hold (the core's `Deflater`/`Inflater` wrap these: flate2
    // 1.x, pure-Rust miniz_oxide backend, level 6, 15-bit windows), measured in this process.
    let before = alloc_live::live_bytes();
    let compress = flate2::Compress::new(flate2::Compression::default(), false);
    let with_compress = alloc_live::live_bytes();
    let decompress = flate2::Decompress::new(false);
    let with_both = alloc_live::live_bytes();
    println!(
        "\n- the deflate contexts alone (this process's tracking allocator): `flate2::Compress::new(Compression::default(), false)` {:.1} KiB, `flate2::Decompress::new(false)` {:.1} KiB (flate2 1.x on miniz_oxide, allocated at creation, whether or not a message is ever compressed)",
        (with_compress - before) as f64 / 1024.0,
        (with_both - with_compress) as f64 / 1024.0,
    );
    drop((compress, decompress));
}

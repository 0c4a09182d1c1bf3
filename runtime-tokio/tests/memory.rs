//! A 50 MB stream through the client in flat memory: the body is read only as fast as the
//! consumer takes events, so nothing accumulates. (Its own test binary: VmHWM is per process.)

mod common;

use codex_api_core::request::ResponsesOptions;
use codex_api_core::stream::ResponseEvent;
use codex_api_testkit::{Body, Script, ScriptedResponse, TestServer, Transcript};
use futures_util::StreamExt;

use common::{client, request};

const EVENTS: u64 = 5_000;
const DELTA: u64 = 10_000;

/// A `/proc/self/status` field in KiB.
fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|line| line.starts_with(field)).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

fn body() -> Body {
    let frames = Transcript::new().created().completed().frames();
    let mut body = Body::chunked()
        .chunk_size(16 * 1024)
        .bytes(frames[0].clone());
    for _ in 0..EVENTS {
        body = body
            .bytes(
                "data: {\"type\":\"response.output_text.delta\",\"item_id\":\"m\",\
                 \"output_index\":0,\"content_index\":0,\"delta\":\"",
            )
            .fill(b'a', DELTA)
            .bytes("\"}\n\n");
    }
    body.bytes(frames[1].clone())
}

#[tokio::test]
async fn fifty_megabytes_stream_in_flat_memory() {
    let server = TestServer::start(
        Script::new()
            .then(ScriptedResponse::sse(
                Transcript::new().created().message(&["warm"]).completed(),
            ))
            .then(ScriptedResponse::sse(body())),
    )
    .unwrap();
    let client = client(&server);
    // Warm up: pool, TLS-free connector, allocator arenas.
    let mut warm = client
        .stream(request(), ResponsesOptions::new())
        .await
        .unwrap();
    while warm.next().await.is_some() {}

    let before_hwm = status_kib("VmHWM:");
    let mut stream = client
        .stream(request(), ResponsesOptions::new())
        .await
        .unwrap();
    let (mut bytes, mut deltas, mut completed) = (0_u64, 0_u64, false);
    while let Some(event) = stream.next().await {
        match event.unwrap() {
            ResponseEvent::OutputTextDelta { delta, .. } => {
                bytes += delta.len() as u64;
                deltas += 1;
            }
            ResponseEvent::Completed { .. } => completed = true,
            _ => {}
        }
    }
    assert!(completed);
    assert_eq!((deltas, bytes), (EVENTS, EVENTS * DELTA));
    let grown_kib = status_kib("VmHWM:").saturating_sub(before_hwm);
    eprintln!(
        "VmHWM grew by {grown_kib} KiB over {} MB",
        EVENTS * DELTA / 1_000_000
    );
    // Buffering the stream would take 50 MB or more; allow a generous 16 MiB for buffers.
    assert!(grown_kib < 16 * 1024, "VmHWM grew by {grown_kib} KiB");
}

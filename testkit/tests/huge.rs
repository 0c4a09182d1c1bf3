//! A 200 MB event streams through without the server holding it in memory. Alone in its own
//! test binary so that the peak-memory reading is not disturbed by other tests.

mod common;

use codex_api_testkit::{Body, Script, ScriptedResponse, TestServer};
use common::{Chunk, Client};

const N: u64 = 200 * 1024 * 1024;

/// Peak resident memory of this process in KiB (Linux), if known.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn a_200_mb_event_streams_without_being_held_in_memory() {
    let before = peak_rss_kib();
    let body = Body::chunked().huge_event(N).chunk_size(1024 * 1024);
    let server = TestServer::start(Script::new().then(ScriptedResponse::sse(body))).unwrap();
    let mut client = Client::connect(&server);
    client.request("POST", "/v1/responses", &[], b"{}");
    client.read_head();
    let mut total = 0u64;
    let mut chunks = 0u64;
    loop {
        match client.chunk_with(|data| total += data.len() as u64, false) {
            Chunk::Data(_) => chunks += 1,
            Chunk::Last => break,
            other => panic!("broken stream after {total} bytes: {other:?}"),
        }
    }
    assert_eq!(total, 6 + N + 2);
    assert_eq!(chunks, 1 + 200 + 1);
    if let (Some(before), Some(after)) = (before, peak_rss_kib()) {
        let grown_mib = after.saturating_sub(before) / 1024;
        assert!(grown_mib < 100, "peak memory grew by {grown_mib} MiB");
    }
}

//! Dropping the server leaves no thread behind, whatever its connections were doing. Alone in
//! its own test binary so that the thread count is not disturbed by other tests.

mod common;

use std::io::Write;
use std::net::TcpStream;
use std::time::Duration;

use codex_api_testkit::{Body, Script, ScriptedResponse, Stall, TestServer};
use common::{Chunk, Client};

/// Threads of this process (Linux), if known.
fn thread_count() -> Option<usize> {
    Some(std::fs::read_dir("/proc/self/task").ok()?.count())
}

#[test]
fn drop_joins_every_thread() {
    let before = thread_count();
    let server = TestServer::start(
        Script::new()
            .then(ScriptedResponse::sse(
                Body::chunked()
                    .bytes("data: a\n\n")
                    .stall(Stall::until_shutdown()),
            ))
            .then(ScriptedResponse::new(200))
            .then(ScriptedResponse::new(200).delay_head(Duration::from_secs(60))),
    )
    .unwrap();

    // A stalled stream.
    let mut stalled = Client::connect(&server);
    stalled.request("POST", "/", &[], b"");
    stalled.read_head();
    assert_eq!(stalled.chunk(), Chunk::Data(b"data: a\n\n".to_vec()));
    // An idle keep-alive connection.
    let mut idle = Client::connect(&server);
    idle.request("GET", "/", &[], b"");
    assert_eq!(idle.read_head().status, 200);
    // A response whose head is still being delayed.
    let mut waiting = Client::connect(&server);
    waiting.request("GET", "/", &[], b"");
    // A request head that never completes.
    let mut partial = TcpStream::connect(server.addr()).unwrap();
    partial.write_all(b"POST / HTTP/1.1\r\nContent-Le").unwrap();
    server.wait_for_requests(3, Duration::from_secs(10));

    if let (Some(before), Some(running)) = (before, thread_count()) {
        // The listener and at least the three answered connections.
        assert!(
            running >= before + 4,
            "{running} threads running, {before} before"
        );
    }

    drop(server);
    if let Some(before) = before {
        // A joined thread can linger in /proc for a moment while the kernel reaps it.
        let mut after = thread_count();
        for _ in 0..200 {
            if after == Some(before) {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
            after = thread_count();
        }
        assert_eq!(after, Some(before), "threads left behind");
    }
    assert!(matches!(stalled.chunk(), Chunk::EofInHeader(_)));
    assert!(idle.at_eof());
    assert!(waiting.at_eof());
}

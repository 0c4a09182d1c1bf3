//! The server child (`--serve PROTOCOL N THREADS END`): the testkit's HTTP/2 mode over TLS with
//! its bundled identity, offering `h2` and `http/1.1` (`PROTOCOL` = `h2` or `h2-16k`) or only
//! `http/1.1` (`h1`), on a tokio runtime of `THREADS` worker threads. One warm-up response (the
//! whole transcript), then N responses that send `response.created`, stall until released,
//! then send the rest, one chunk (HTTP/1.1) or DATA frame (HTTP/2) per SSE event (`h2-16k`:
//! consecutive events gathered into DATA frames of up to 16 KiB). `END` = `apart`: each HTTP/2
//! stream ends in an empty `END_STREAM` frame of its own; else on its last `DATA` frame.
//!
//! Prints its URL, then obeys stdin: `release` releases every held stream, `stats` prints
//! `connections h2_connections h2_requests http1_requests peak_open_responses`; end of input
//! stops it.

use std::io::{BufRead, Write};

use codex_api_testkit::tls::TestIdentity;
use codex_api_testkit::{Body, Hold, Http2Options, Script, ScriptedResponse, Stall, TestServer};

use super::{raise_fd_limit, transcript};

/// Runs the server child.
pub fn serve(protocol: &str, streams: usize, threads: usize, end_stream_apart: bool) {
    raise_fd_limit();
    let transcript = transcript();
    let frames = transcript.frames();
    let first = frames.first().cloned().unwrap_or_default();
    let rest: Vec<u8> = frames.get(1..).unwrap_or_default().concat();
    let mut held = Body::chunked()
        .bytes(first)
        .stall(Stall::until_shutdown())
        .events(rest);
    if protocol == "h2-16k" {
        held = held.gather_writes(16 * 1024);
    }
    let held = ScriptedResponse::sse(held);
    let mut script = Script::new().then(ScriptedResponse::sse(transcript));
    for _ in 0..streams {
        script = script.then(held.clone());
    }
    let hold = Hold::new();
    let mut options = Http2Options::tls(&TestIdentity::localhost())
        .hold(&hold)
        .worker_threads(threads);
    if protocol == "h1" {
        options = options.http1_only();
    }
    if end_stream_apart {
        options = options.end_stream_apart();
    }
    let stats = options.stats();
    let server = TestServer::start_http2(script, options).unwrap_or_else(|error| panic!("{error}"));
    println!("{}", server.url());
    let _ = std::io::stdout().flush();
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        match line.trim() {
            "release" => hold.release(),
            "stats" => {
                println!(
                    "{} {} {} {} {}",
                    stats.connections(),
                    stats.h2_connections(),
                    stats.h2_requests(),
                    stats.http1_requests(),
                    stats.peak_open_responses()
                );
                let _ = std::io::stdout().flush();
            }
            _ => {}
        }
    }
    drop(server);
}

//! Many concurrent idle streams on one tokio client: a child process of the bench opens them
//! against a server (another child) that stalls every response after its first event, and
//! reports its RSS.

use std::process::Command;
use std::time::Instant;

use codex_api_core::request::ResponsesOptions;
use codex_api_core::stream::ResponseEvent;
use codex_api_testkit::{Body, Script, ScriptedResponse, Stall};
use futures::StreamExt;

use super::{Transport, credentials, finish, memory_kib, provider, request, serve, spawn_self};

const CREATED: &str = "event: response.created\ndata: {\"type\":\"response.created\",\"response\":{\"id\":\"resp_1\",\"object\":\"response\",\"created_at\":1763750000,\"status\":\"in_progress\",\"model\":\"gpt-5-codex\",\"output\":[]},\"sequence_number\":0}\n\n";

/// The server child (`--serve-idle N`): `count` responses that send `response.created`, then
/// stall until the server stops.
pub fn serve_idle(count: usize) {
    let mut script = Script::new();
    for _ in 0..count {
        script = script.then(ScriptedResponse::sse(
            Body::chunked()
                .bytes(CREATED)
                .stall(Stall::until_shutdown()),
        ));
    }
    serve(script, Transport::Plain, String::new());
}

/// The client child (`--idle-client URL N`): opens `count` streams on one tokio client, waits
/// for each one's first event, then prints `baseline_rss hwm rss opened opened_ms`.
pub fn idle_client(url: &str, count: usize) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|error| panic!("{error}"));
    let (_, baseline) = memory_kib();
    let (opened, streams, elapsed) = runtime.block_on(async {
        let client = codex_api_tokio::Client::builder(
            provider(url),
            codex_api_tokio::StaticAuth::new(credentials()),
        )
        .without_proxy()
        .stream_idle_timeout(None)
        .build()
        .unwrap_or_else(|error| panic!("{error}"));
        let start = Instant::now();
        let opening = (0..count).map(|_| {
            let client = client.clone();
            async move {
                let mut events = client
                    .stream(request(), ResponsesOptions::new())
                    .await
                    .ok()?;
                match events.next().await {
                    Some(Ok(ResponseEvent::Created)) => Some(events),
                    _ => None,
                }
            }
        });
        let streams: Vec<_> = futures::future::join_all(opening).await;
        let opened = streams.iter().filter(|stream| stream.is_some()).count();
        (opened, streams, start.elapsed())
    });
    let (hwm, rss) = memory_kib();
    println!(
        "{baseline} {hwm} {rss} {opened} {}",
        elapsed.as_secs_f64() * 1e3
    );
    drop(streams);
}

/// Runs the idle-streams measurement and prints its report.
pub fn measure(streams: usize) {
    println!("\n### {streams} concurrent idle streams (tokio client)\n");
    let (server, line) = spawn_self(&["--serve-idle".to_owned(), streams.to_string()]);
    let url = line
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned();
    let exe = std::env::current_exe().unwrap_or_else(|error| panic!("{error}"));
    let output = Command::new(exe)
        .args(["--idle-client", &url, &streams.to_string()])
        .output()
        .unwrap_or_else(|error| panic!("{error}"));
    finish(server);
    let text = String::from_utf8_lossy(&output.stdout);
    let values: Vec<f64> = text
        .split_whitespace()
        .filter_map(|value| value.parse().ok())
        .collect();
    if let [baseline, hwm, rss, opened, elapsed_ms] = values[..] {
        println!(
            "- the client process (a child of this one; the server is another): one current-thread tokio runtime, one `Client`, {streams} `client.stream(..)` calls joined; each stream's first event (`response.created`) awaited, then all held open while the server stalls them"
        );
        println!(
            "\n| streams opened | time to open all (ms) | RSS before (KiB) | RSS with all open (KiB) | peak RSS VmHWM (KiB) | per stream (KiB, (RSS − before) ÷ streams) |"
        );
        println!("|---:|---:|---:|---:|---:|---:|");
        println!(
            "| {opened} | {elapsed_ms:.0} | {baseline} | {rss} | {hwm} | {:.1} |",
            (rss - baseline) / opened.max(1.0)
        );
    } else {
        println!(
            "- the idle-client child failed: status {:?}, stdout {text:?}, stderr {:?}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

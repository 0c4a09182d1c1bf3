//! Many concurrent Responses streams on one client: N streams all open at once (the server
//! holds each after its first event until the client has them all), then drained; over HTTP/2
//! on one `codex-api-tokio` connection, over HTTP/1.1 pooled on one `codex-api-tokio` client,
//! and over HTTP/1.1 on one `codex-api-async-std` client, the testkit's HTTP/2 mode serving
//! them over TLS in a child process. Peak RSS per stream, client CPU per MB, events per second,
//! wall time.
//!
//! Options: `--streams LIST` (comma-separated, default `1000,10000`), `--rows LIST`
//! (comma-separated among `tokio-h2,tokio-h2-16k,tokio-h1,async-std-h1`; default all), `--server-threads N`
//! (the server's tokio worker threads, default 1), `--end-stream-apart` (the server ends each
//! HTTP/2 stream in an empty `END_STREAM` frame of its own, not on its last `DATA` frame).
//! Internal modes: `--serve PROTOCOL N THREADS END`, `--client ROW URL N`.

use codex_api_bench::report::load_average;
use codex_api_bench::scale::{self, Row, client, server};

const USAGE: &str = "usage: scale [--streams 1000,10000] [--rows tokio-h2,tokio-h2-16k,tokio-h1,async-std-h1] [--server-threads N] [--end-stream-apart]";

fn usage() -> ! {
    eprintln!("{USAGE}");
    std::process::exit(2);
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number = |index: usize, default: usize| {
        args.get(index)
            .and_then(|value| value.parse().ok())
            .unwrap_or(default)
    };
    match args.first().map(String::as_str) {
        Some("--serve") => {
            let protocol = args.get(1).map_or("h2", String::as_str);
            let apart = args.get(4).map(String::as_str) == Some("apart");
            return server::serve(protocol, number(2, 1000), number(3, 1), apart);
        }
        Some("--client") => {
            let row = args.get(1).and_then(|arg| Row::from_arg(arg));
            let url = args.get(2).cloned().unwrap_or_default();
            return client::run(row.unwrap_or_else(|| usage()), &url, number(3, 1000));
        }
        _ => {}
    }
    let mut counts = vec![1000, 10_000];
    let mut rows = Row::ALL.to_vec();
    let mut server_threads = 1;
    let mut end_stream_apart = false;
    let mut rest = args.iter();
    while let Some(flag) = rest.next() {
        if flag == "--end-stream-apart" {
            end_stream_apart = true;
            continue;
        }
        let value = rest.next().map(String::as_str).unwrap_or_else(|| usage());
        match flag.as_str() {
            "--streams" => {
                let parsed: Result<Vec<usize>, _> = value.split(',').map(str::parse).collect();
                counts = parsed.unwrap_or_else(|_| usage());
            }
            "--rows" => {
                let parsed: Option<Vec<Row>> = value.split(',').map(Row::from_arg).collect();
                rows = parsed.unwrap_or_else(|| usage());
            }
            "--server-threads" => server_threads = value.parse().unwrap_or_else(|_| usage()),
            _ => usage(),
        }
    }

    let transcript = scale::transcript();
    let body_bytes = transcript.to_bytes().len() as u64;
    let events = transcript.frames().len();
    println!("## Scale: many concurrent streams on one client\n");
    println!("- load average at start: {}", load_average());
    println!(
        "- every stream: a Responses transcript of {events} SSE events, {body_bytes} bytes (testkit `Transcript`: `response.created`, `response.in_progress`, a reasoning summary of 2 parts of 20 deltas, a message of 140 deltas, a function call of 24 argument deltas, `response.completed`), one chunk (HTTP/1.1) or one DATA frame (HTTP/2) per event, or (the `16 KiB` row) consecutive events gathered into DATA frames of up to 16 KiB"
    );
    println!(
        "- server: codex-api-testkit's HTTP/2 mode (`TestServer::start_http2`, hyper 1 on tokio, {server_threads} worker thread(s)) in a child process, over TLS (rustls, ring, the bundled `localhost` certificate); ALPN `h2` + `http/1.1` for the HTTP/2 rows, `http/1.1` only for the HTTP/1.1 rows; `SETTINGS_MAX_CONCURRENT_STREAMS` 100000; each stream sends `response.created`, then holds until the client has the first event of all N, then the rest; HTTP/2 `END_STREAM` {}",
        if end_stream_apart {
            "in an empty DATA frame of its own after the last event (`--end-stream-apart`)"
        } else {
            "on the DATA frame of the last event"
        }
    );
    println!(
        "- client: a second child process; one client (`without_proxy`, `stream_idle_timeout(None)`, `RetryPolicy::never()`, `ca_bundle(test CA)`), one warm-up stream (the connection it opens stays pooled), then N `stream(..)` calls polled together by `futures::future::join_all` in one task: codex-api-tokio on a current-thread runtime, codex-api-async-std under `async_std::task::block_on`; open files allowed: {}",
        scale::fd_limit()
    );
    println!(
        "- RSS before = after the warm-up stream; per stream = (RSS − before) ÷ N; peak = VmHWM at the end (the most RSS at any time, draining included); client CPU = `CLOCK_PROCESS_CPUTIME_ID` of the client process (every thread) from the first of the N calls to the end, per MB of response body received (N × {body_bytes} bytes); time to open all = first call to the first event of the last stream (TLS handshakes and requests included); drain = from then to the end of the last stream (including the parent's relay of the release to the server, about a millisecond)\n"
    );
    let mut results = Vec::new();
    for &count in &counts {
        for &row in &rows {
            eprintln!("scale: {} with {count} streams...", row.name());
            let result = scale::measure(row, count, server_threads, end_stream_apart);
            if let Ok(measured) = &result
                && let Some(error) = &measured.first_error
            {
                eprintln!("  first error: {error}");
            }
            results.push((row, result));
        }
    }
    scale::print_table(&results, body_bytes);
    println!();
    for (row, result) in &results {
        if let Ok(m) = result {
            let per_stream_events = m.events as f64 / m.completed.max(1) as f64;
            println!(
                "- {}, {} streams: {:.0} typed events per completed stream, {} delta text bytes in all; VmHWM with all open {:.1} MiB; server peak open responses {}{}",
                row.name(),
                m.streams,
                per_stream_events,
                m.delta_bytes,
                m.open_hwm_kib as f64 / 1024.0,
                m.server.map_or(0, |server| server[4]),
                m.first_error
                    .as_deref()
                    .map(|error| format!("; first error: {error}"))
                    .unwrap_or_default(),
            );
        }
    }
    println!("\n- load average at end: {}", load_average());
}

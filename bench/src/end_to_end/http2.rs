//! Throughput over TLS + HTTP/2: the large transcript of the throughput section, streamed to
//! `codex-api-tokio` and to async-openai (both offer `h2` by ALPN: hyper's client, and reqwest
//! with its `http2` feature) from the testkit's HTTP/2 mode in a child process, HTTP/2 only
//! (ALPN `h2`), one `DATA` frame per SSE event. The server counts the requests it got by
//! protocol, and the report says so. async-std and blocking speak HTTP/1.1 only.

use std::io::{BufRead, Write};
use std::time::{Duration, Instant};

use codex_api_testkit::tls::TestIdentity;
use codex_api_testkit::{Body, Http2Options, Script, ScriptedResponse, TestServer};

use super::clients::Clients;
use super::{Contender, Outcome, Seen, Transport, median};
use crate::corpus;
use crate::cpu_time::process_cpu_time;
use crate::scale::process::Proc;

/// The server child (`--serve-h2-transcript MB RESPONSES`): `responses` copies of the
/// transcript over TLS + HTTP/2, one `DATA` frame per SSE event. Prints `URL bytes frames`,
/// then on `stats` `h2_requests http1_requests connections`; stops at the end of stdin.
pub fn serve_transcript(mb: usize, responses: usize) {
    let transcript = corpus::transcript(corpus::DEFAULT_SEED, mb * 1_000_000);
    let shape = corpus::shape(&transcript);
    let body = Body::chunked().events(transcript);
    let mut script = Script::new();
    for _ in 0..responses {
        script = script.then(ScriptedResponse::sse(body.clone()));
    }
    let options = Http2Options::tls(&TestIdentity::localhost())
        .http2_only()
        .worker_threads(1);
    let stats = options.stats();
    let server = TestServer::start_http2(script, options).unwrap_or_else(|error| panic!("{error}"));
    println!("{} {} {}", server.url(), shape.bytes, shape.frames);
    let _ = std::io::stdout().flush();
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        if line.trim() == "stats" {
            println!(
                "{} {} {}",
                stats.h2_requests(),
                stats.http1_requests(),
                stats.connections()
            );
            let _ = std::io::stdout().flush();
        }
    }
    drop(server);
}

/// The contenders that speak HTTP/2.
const CONTENDERS: [Contender; 2] = [Contender::Tokio, Contender::AsyncOpenAi];

/// One streamed response: outcome, time to first event, wall and client CPU time.
fn run(url: &str, contender: Contender) -> (Outcome, Duration, Duration, Duration) {
    // A fresh client (and so a fresh connection and TLS handshake) per run, as in the other
    // throughput tables.
    let clients = Clients::new(url, Transport::Tls);
    let mut outcome = Outcome::default();
    let mut first = None;
    let cpu_start = process_cpu_time();
    let start = Instant::now();
    clients.stream(contender, &mut |seen: Seen| {
        first.get_or_insert_with(|| start.elapsed());
        outcome.add(seen);
    });
    let total = start.elapsed();
    let cpu = process_cpu_time().saturating_sub(cpu_start);
    (outcome, first.unwrap_or_default(), total, cpu)
}

/// Runs the measurement and prints its table.
pub fn measure(mb: usize, reps: usize) {
    println!("\n### Throughput and time to first event: TLS, HTTP/2, 1 DATA frame per SSE event\n");
    let spawned = Proc::spawn_self(&[
        "--serve-h2-transcript".to_owned(),
        mb.to_string(),
        ((reps + 1) * CONTENDERS.len()).to_string(),
    ]);
    let mut server = match spawned {
        Ok(server) => server,
        Err(error) => return println!("- the server child failed: {error}"),
    };
    let line = match server.line(Duration::from_secs(120)) {
        Ok(line) => line,
        Err(error) => return println!("- the server child failed: {error}"),
    };
    let mut parts = line.split_whitespace();
    let url = parts.next().unwrap_or_default().to_owned();
    let bytes: u64 = parts.next().and_then(|v| v.parse().ok()).unwrap_or(0);
    let frames: u64 = parts.next().and_then(|v| v.parse().ok()).unwrap_or(0);
    println!(
        "- transcript: {bytes} bytes, {frames} SSE events (the generated transcript of the tables above), served by codex-api-testkit's HTTP/2 mode in a child process (`TestServer::start_http2`, hyper 1 on a one-worker tokio runtime, `Http2Options::tls(localhost).http2_only()`: TLS with ALPN `h2` only, rustls with ring) on 127.0.0.1, `Body::chunked().events(..)`: one HTTP/2 `DATA` frame per SSE event (h2 splits none: every event is under the 16 KiB frame size), `END_STREAM` on the last; one warm-up stream per client, then {reps} repetitions per client, clients interleaved, a fresh client (so a fresh connection and TLS handshake) per stream; figures are medians"
    );
    println!(
        "- contenders: codex-api-tokio (its hyper client offers `h2` and `http/1.1` by ALPN) and async-openai (reqwest 0.13 with its `http2` feature, as in reqwest's defaults, offers both too), clients built as in the TLS table; async-std and blocking speak HTTP/1.1 only"
    );
    for contender in CONTENDERS {
        eprintln!("warm-up: {} over HTTP/2...", contender.name());
        let _ = run(&url, contender);
    }
    let mut runs: Vec<Vec<_>> = CONTENDERS.iter().map(|_| Vec::new()).collect();
    for _ in 0..reps {
        for (index, contender) in CONTENDERS.into_iter().enumerate() {
            eprintln!("streaming to {} over HTTP/2...", contender.name());
            runs[index].push(run(&url, contender));
        }
    }
    let _ = server.send("stats");
    let stats = server.line(Duration::from_secs(30)).unwrap_or_default();
    server.finish();
    for (contender, runs) in CONTENDERS.iter().zip(&runs) {
        let outcome = &runs[0].0;
        let same = runs.iter().all(|run| run.0 == *outcome);
        let kind = if contender.is_ours() {
            "Codex-level events"
        } else {
            "typed `ResponseStreamEvent`s"
        };
        println!(
            "- {}: {} {kind}, {} delta text bytes, completed: {}, errors: {}{}, same every repetition: {same}",
            contender.name(),
            outcome.events,
            outcome.delta_bytes,
            outcome.completed,
            outcome.errors,
            outcome
                .first_error
                .as_deref()
                .map(|error| format!(" (first: {error})"))
                .unwrap_or_default(),
        );
    }
    let counts: Vec<&str> = stats.split_whitespace().collect();
    if let [h2, h1, connections] = counts[..] {
        println!(
            "- the server got {h2} requests over HTTP/2 and {h1} over HTTP/1.1, on {connections} connections"
        );
    }
    let medians: Vec<(Duration, Duration, Duration)> = runs
        .iter()
        .map(|runs| {
            (
                median(runs.iter().map(|run| run.2).collect()),
                median(runs.iter().map(|run| run.1).collect()),
                median(runs.iter().map(|run| run.3).collect()),
            )
        })
        .collect();
    let (openai_total, _, openai_cpu) = medians[1];
    println!(
        "\n| framing | client | reps | median wall s | MB/s (wall) | M SSE events/s (wall) | median client CPU s | MB per client CPU s | median time to first event (ms) | throughput ÷ async-openai (wall) | throughput ÷ async-openai (client CPU) |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for ((contender, runs), (total, first, cpu)) in CONTENDERS.iter().zip(&runs).zip(&medians) {
        println!(
            "| TLS, HTTP/2, 1 DATA frame per SSE event | {} | {} | {:.3} | {:.1} | {:.3} | {:.3} | {:.1} | {:.3} | {:.2}× | {:.2}× |",
            contender.name(),
            runs.len(),
            total.as_secs_f64(),
            bytes as f64 / 1e6 / total.as_secs_f64(),
            frames as f64 / 1e6 / total.as_secs_f64(),
            cpu.as_secs_f64(),
            bytes as f64 / 1e6 / cpu.as_secs_f64(),
            first.as_secs_f64() * 1e3,
            openai_total.as_secs_f64() / total.as_secs_f64(),
            openai_cpu.as_secs_f64() / cpu.as_secs_f64(),
        );
    }
    println!("\nEvery repetition (wall s / client CPU s / first event ms):\n");
    for (contender, runs) in CONTENDERS.iter().zip(&runs) {
        let each: Vec<String> = runs
            .iter()
            .map(|(_, first, total, cpu)| {
                format!(
                    "{:.3}/{:.3}/{:.2}",
                    total.as_secs_f64(),
                    cpu.as_secs_f64(),
                    first.as_secs_f64() * 1e3
                )
            })
            .collect();
        println!("- {}: {}", contender.name(), each.join(", "));
    }
}

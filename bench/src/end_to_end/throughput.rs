//! Throughput and time to first event: a large generated transcript from a testkit server in a
//! child process (so its threads and buffers are not counted), streamed to every contender.

use std::time::{Duration, Instant};

use codex_api_testkit::{Body, Script, ScriptedResponse};

use super::clients::Clients;
use super::{Contender, Outcome, Seen, Transport, finish, median, serve, spawn_self};
use crate::corpus;
use crate::cpu_time::process_cpu_time;

/// The server child (`--serve-transcript MB RESPONSES plain|tls`): `responses` copies of the
/// transcript, over `transport`.
pub fn serve_transcript(mb: usize, responses: usize, transport: Transport) {
    let body = corpus::transcript(corpus::DEFAULT_SEED, mb * 1_000_000);
    let shape = corpus::shape(&body);
    let mut script = Script::new();
    for _ in 0..responses {
        // No chunk size: the testkit writes a large piece in 64 KiB slices of its own bytes.
        script = script.then(ScriptedResponse::sse(Body::fixed(body.clone())));
    }
    serve(
        script,
        transport,
        format!("{} {}", shape.bytes, shape.frames),
    );
}

/// One streamed response.
struct Run {
    outcome: Outcome,
    first_event: Duration,
    total: Duration,
    /// CPU time of this process (all its threads) during the stream.
    cpu: Duration,
}

fn run(contender: Contender, url: &str, transport: Transport) -> Run {
    // A fresh client (and so a fresh connection, and over TLS a full handshake) per run.
    let clients = Clients::new(url, transport);
    let mut outcome = Outcome::default();
    let mut first_event = None;
    let cpu_start = process_cpu_time();
    let start = Instant::now();
    clients.stream(contender, &mut |seen: Seen| {
        first_event.get_or_insert_with(|| start.elapsed());
        outcome.add(seen);
    });
    let total = start.elapsed();
    let cpu = process_cpu_time().saturating_sub(cpu_start);
    Run {
        outcome,
        first_event: first_event.unwrap_or_default(),
        total,
        cpu,
    }
}

/// Runs the throughput measurement over `transport` and prints its report.
pub fn measure(mb: usize, reps: usize, transport: Transport) {
    let contenders = Contender::ALL;
    let (server, line) = spawn_self(&[
        "--serve-transcript".to_owned(),
        mb.to_string(),
        ((reps + 1) * contenders.len()).to_string(),
        transport.arg().to_owned(),
    ]);
    let mut parts = line.split_whitespace();
    let url = parts.next().unwrap_or_default().to_owned();
    let bytes: u64 = parts.next().and_then(|v| v.parse().ok()).unwrap_or(0);
    let frames: u64 = parts.next().and_then(|v| v.parse().ok()).unwrap_or(0);
    let (heading, over) = match transport {
        Transport::Plain => (
            "Throughput and time to first event",
            "plain HTTP (`http://`)",
        ),
        Transport::Tls => (
            "Throughput and time to first event over TLS",
            "TLS (`https://`, rustls 0.23 with ring in the testkit, records of at most 16 KiB; the testkit's bundled `localhost` / `127.0.0.1` certificate, every client trusting only its test CA)",
        ),
    };
    println!("\n### {heading}\n");
    println!(
        "- transcript: {bytes} bytes, {frames} SSE events (generated Responses transcript, `Content-Length` body, which the testkit writes 64 KiB per `write`), served by codex-api-testkit in a child process on 127.0.0.1 over {over}; one warm-up stream per client, then {reps} repetitions per client, clients interleaved, a fresh client (so a fresh connection) per stream; figures are medians"
    );
    // One warm-up stream per contender (first connection, page faults of the first buffers).
    for contender in contenders {
        eprintln!("warm-up: {}...", contender.name());
        let _ = run(contender, &url, transport);
    }
    let mut runs: Vec<Vec<Run>> = contenders.iter().map(|_| Vec::new()).collect();
    for _ in 0..reps {
        for (index, contender) in contenders.iter().enumerate() {
            eprintln!("streaming to {}...", contender.name());
            runs[index].push(run(*contender, &url, transport));
        }
    }
    finish(server);
    println!();
    for (contender, runs) in contenders.iter().zip(&runs) {
        let outcome = &runs[0].outcome;
        let same = runs.iter().all(|run| run.outcome == *outcome);
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
                .map(|error| format!(" (first: {})", truncate(error, 300)))
                .unwrap_or_default(),
        );
    }
    let ours = &runs[0][0].outcome;
    let theirs = &runs[3][0].outcome;
    println!(
        "- consistency: delta text bytes {} (ours) vs {} (async-openai): {}; async-openai typed events {} vs SSE events in the transcript {}: {}; ours hands over {} Codex-level events (it folds `response.in_progress`, `content_part.*` and `output_text.done` into others)",
        ours.delta_bytes,
        theirs.delta_bytes,
        if ours.delta_bytes == theirs.delta_bytes {
            "equal"
        } else {
            "DIFFERENT"
        },
        theirs.events,
        frames,
        if theirs.events == frames {
            "equal"
        } else {
            "DIFFERENT"
        },
        ours.events,
    );

    println!(
        "\n| client | reps | median wall s | MB/s (wall) | M SSE events/s (wall) | median client CPU s | MB per client CPU s | median time to first event (ms) | this ÷ tokio (wall time) | throughput ÷ async-openai (wall) | throughput ÷ async-openai (client CPU) |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let medians: Vec<(Duration, Duration, Duration)> = runs
        .iter()
        .map(|runs| {
            (
                median(runs.iter().map(|run| run.total).collect()),
                median(runs.iter().map(|run| run.first_event).collect()),
                median(runs.iter().map(|run| run.cpu).collect()),
            )
        })
        .collect();
    let (tokio_total, _, _) = medians[0];
    let (openai_total, _, openai_cpu) = medians[3];
    for ((contender, runs), (total, first, cpu)) in contenders.iter().zip(&runs).zip(&medians) {
        println!(
            "| {} | {} | {:.3} | {:.1} | {:.3} | {:.3} | {:.1} | {:.3} | {:.2}× | {:.2}× | {:.2}× |",
            contender.name(),
            runs.len(),
            total.as_secs_f64(),
            bytes as f64 / 1e6 / total.as_secs_f64(),
            frames as f64 / 1e6 / total.as_secs_f64(),
            cpu.as_secs_f64(),
            bytes as f64 / 1e6 / cpu.as_secs_f64(),
            first.as_secs_f64() * 1e3,
            total.as_secs_f64() / tokio_total.as_secs_f64(),
            openai_total.as_secs_f64() / total.as_secs_f64(),
            openai_cpu.as_secs_f64() / cpu.as_secs_f64(),
        );
    }
    println!("\nEvery repetition (wall s / client CPU s / first event ms):\n");
    for (contender, runs) in contenders.iter().zip(&runs) {
        let each: Vec<String> = runs
            .iter()
            .map(|run| {
                format!(
                    "{:.3}/{:.3}/{:.2}",
                    run.total.as_secs_f64(),
                    run.cpu.as_secs_f64(),
                    run.first_event.as_secs_f64() * 1e3
                )
            })
            .collect();
        println!("- {}: {}", contender.name(), each.join(", "));
    }
}

fn truncate(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

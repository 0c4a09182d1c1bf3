//! Throughput and time to first event: a large generated transcript from a testkit server in a
//! child process (so its threads and buffers are not counted), streamed to every contender,
//! once per [`Framing`] of the body on the wire.

use std::time::{Duration, Instant};

use codex_api_testkit::{Body, Script, ScriptedResponse};

use super::clients::Clients;
use super::{Contender, Outcome, Seen, Transport, finish, median, serve, spawn_self};
use crate::corpus;
use crate::cpu_time::process_cpu_time;

/// 64 KiB: the chunk size of [`Framing::Chunks64K`], and the most bytes per `write` of the
/// testkit's gathered chunks and `Content-Length` bodies.
const SLICE: usize = 64 * 1024;

/// How the transcript goes over the wire: framing and transport.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Framing {
    /// `Transfer-Encoding: chunked`, one chunk per SSE event, as a streaming server that
    /// flushes each event frames it (the headline row).
    ChunkPerEvent,
    /// `Transfer-Encoding: chunked`, chunks of 64 KiB cut regardless of events.
    Chunks64K,
    /// `Content-Length`.
    ContentLength,
    /// TLS, `Transfer-Encoding: chunked`, one chunk per SSE event.
    TlsChunkPerEvent,
}

impl Framing {
    /// Every framing, in the order of the report (the headline first).
    pub const ALL: [Framing; 4] = [
        Framing::ChunkPerEvent,
        Framing::Chunks64K,
        Framing::ContentLength,
        Framing::TlsChunkPerEvent,
    ];

    /// The word for it on the command line (`--framings`, and the server child's).
    pub fn arg(self) -> &'static str {
        match self {
            Framing::ChunkPerEvent => "events",
            Framing::Chunks64K => "chunks64k",
            Framing::ContentLength => "length",
            Framing::TlsChunkPerEvent => "tls",
        }
    }

    /// Parses [`arg`](Self::arg).
    pub fn from_arg(arg: &str) -> Option<Framing> {
        Framing::ALL
            .into_iter()
            .find(|framing| framing.arg() == arg)
    }

    /// Plain HTTP or TLS.
    pub fn transport(self) -> Transport {
        match self {
            Framing::TlsChunkPerEvent => Transport::Tls,
            _ => Transport::Plain,
        }
    }

    /// The short name in the tables.
    pub fn label(self) -> &'static str {
        match self {
            Framing::ChunkPerEvent => "HTTP/1.1 chunked, 1 chunk per SSE event",
            Framing::Chunks64K => "HTTP/1.1 chunked, 64 KiB chunks",
            Framing::ContentLength => "HTTP/1.1 `Content-Length`",
            Framing::TlsChunkPerEvent => "TLS, HTTP/1.1 chunked, 1 chunk per SSE event",
        }
    }

    /// What the server sends, in words.
    fn description(self) -> &'static str {
        match self {
            Framing::ChunkPerEvent => {
                "`Transfer-Encoding: chunked` with one chunk per SSE event (comments included), as a streaming server that flushes each event frames it; the testkit gathers consecutive chunks into writes of at most 64 KiB (`Body::events(..).gather_writes(65536)`: the same bytes on the wire as one write per event, sent fast enough to measure the client, as hyper writes chunks that are ready), over plain HTTP (`http://`)"
            }
            Framing::Chunks64K => {
                "`Transfer-Encoding: chunked` with chunks of 64 KiB cut regardless of event boundaries, one `write` per chunk, over plain HTTP (`http://`)"
            }
            Framing::ContentLength => {
                "`Content-Length` body, which the testkit writes 64 KiB per `write`, over plain HTTP (`http://`)"
            }
            Framing::TlsChunkPerEvent => {
                "`Transfer-Encoding: chunked` with one chunk per SSE event, gathered into writes of at most 64 KiB as in the headline row, over TLS (`https://`, rustls 0.23 with ring in the testkit, records of at most 16 KiB; the testkit's bundled `localhost` / `127.0.0.1` certificate, every client trusting only its test CA)"
            }
        }
    }

    /// The body of every response.
    fn body(self, transcript: Vec<u8>) -> Body {
        match self {
            Framing::ChunkPerEvent | Framing::TlsChunkPerEvent => {
                Body::chunked().events(transcript).gather_writes(SLICE)
            }
            Framing::Chunks64K => Body::chunked().bytes(transcript).chunk_size(SLICE),
            // No chunk size: the testkit writes a large piece in 64 KiB slices of its own bytes.
            Framing::ContentLength => Body::fixed(transcript),
        }
    }
}

/// The server child (`--serve-transcript MB RESPONSES FRAMING`): `responses` copies of the
/// transcript (one body, shared), framed as `framing` says.
pub fn serve_transcript(mb: usize, responses: usize, framing: Framing) {
    let transcript = corpus::transcript(corpus::DEFAULT_SEED, mb * 1_000_000);
    let shape = corpus::shape(&transcript);
    let body = framing.body(transcript);
    let mut script = Script::new();
    for _ in 0..responses {
        script = script.then(ScriptedResponse::sse(body.clone()));
    }
    serve(
        script,
        framing.transport(),
        format!("{} {}", shape.bytes, shape.frames),
    );
}

/// The medians of one contender under one framing, for the summary table.
#[derive(Clone, Debug)]
pub struct Row {
    /// The framing.
    pub framing: Framing,
    /// The client.
    pub contender: Contender,
    /// MB per second of wall time.
    pub mb_per_s: f64,
    /// MB per second of client CPU time.
    pub mb_per_cpu_s: f64,
    /// Time to the first event, ms.
    pub first_event_ms: f64,
    /// async-openai's wall time ÷ this one's.
    pub vs_openai_wall: f64,
    /// async-openai's client CPU time ÷ this one's.
    pub vs_openai_cpu: f64,
    /// Whether every repetition completed without errors.
    pub clean: bool,
}

/// Prints the summary table of every framing measured.
pub fn print_summary(rows: &[Row]) {
    if rows.is_empty() {
        return;
    }
    println!(
        "
### Throughput by framing (summary of the tables above)
"
    );
    println!(
        "| framing | client | MB/s (wall) | MB per client CPU s | median time to first event (ms) | throughput ÷ async-openai (wall) | throughput ÷ async-openai (client CPU) | completed, no errors |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---|");
    for row in rows {
        println!(
            "| {} | {} | {:.1} | {:.1} | {:.3} | {:.2}× | {:.2}× | {} |",
            row.framing.label(),
            row.contender.name(),
            row.mb_per_s,
            row.mb_per_cpu_s,
            row.first_event_ms,
            row.vs_openai_wall,
            row.vs_openai_cpu,
            if row.clean { "yes" } else { "NO" },
        );
    }
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

/// Runs the throughput measurement under `framing`, prints its report and returns its rows.
pub fn measure(mb: usize, reps: usize, framing: Framing) -> Vec<Row> {
    let contenders = Contender::ALL;
    let transport = framing.transport();
    let (server, line) = spawn_self(&[
        "--serve-transcript".to_owned(),
        mb.to_string(),
        ((reps + 1) * contenders.len()).to_string(),
        framing.arg().to_owned(),
    ]);
    let mut parts = line.split_whitespace();
    let url = parts.next().unwrap_or_default().to_owned();
    let bytes: u64 = parts.next().and_then(|v| v.parse().ok()).unwrap_or(0);
    let frames: u64 = parts.next().and_then(|v| v.parse().ok()).unwrap_or(0);
    println!(
        "\n### Throughput and time to first event: {}\n",
        framing.label()
    );
    println!(
        "- transcript: {bytes} bytes, {frames} SSE events (generated Responses transcript), served by codex-api-testkit in a child process on 127.0.0.1: {}; one warm-up stream per client, then {reps} repetitions per client, clients interleaved, a fresh client (so a fresh connection) per stream; figures are medians",
        framing.description()
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
        "\n| framing | client | reps | median wall s | MB/s (wall) | M SSE events/s (wall) | median client CPU s | MB per client CPU s | median time to first event (ms) | this ÷ tokio (wall time) | throughput ÷ async-openai (wall) | throughput ÷ async-openai (client CPU) |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
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
    let mut rows = Vec::new();
    for ((contender, runs), (total, first, cpu)) in contenders.iter().zip(&runs).zip(&medians) {
        rows.push(Row {
            framing,
            contender: *contender,
            mb_per_s: bytes as f64 / 1e6 / total.as_secs_f64(),
            mb_per_cpu_s: bytes as f64 / 1e6 / cpu.as_secs_f64(),
            first_event_ms: first.as_secs_f64() * 1e3,
            vs_openai_wall: openai_total.as_secs_f64() / total.as_secs_f64(),
            vs_openai_cpu: openai_cpu.as_secs_f64() / cpu.as_secs_f64(),
            clean: runs
                .iter()
                .all(|run| run.outcome.completed && run.outcome.errors == 0),
        });
        println!(
            "| {} | {} | {} | {:.3} | {:.1} | {:.3} | {:.3} | {:.1} | {:.3} | {:.2}× | {:.2}× | {:.2}× |",
            framing.label(),
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
    rows
}

fn truncate(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

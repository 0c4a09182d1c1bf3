//! End to end over loopback: our tokio, async-std and blocking clients and async-openai's
//! `create_stream` against the codex-api-testkit server.
//!
//! 1. Throughput: the server, in a child process (so that its threads and buffers are not
//!    counted), streams a large generated Responses transcript to every client (wall time,
//!    client CPU time, time to first event).
//! 2. Latency: the server in this process marks when it writes an event; every client notes
//!    when it hands over the typed event (first event of a stream, first delta after a pause).
//! 3. Idle streams: a fresh child process of this binary opens many concurrent streams that
//!    the server holds open with a stall, on the tokio client, and reports its RSS.
//!
//! The throughput measurement runs once per framing of the transcript on the wire: HTTP/1.1
//! `Transfer-Encoding: chunked` with one chunk per SSE event (the headline row), chunked with
//! 64 KiB chunks, `Content-Length`, and TLS (the testkit's TLS mode; every client trusts its
//! bundled test CA) with one chunk per SSE event; then a summary table of every framing; then,
//! unless `--no-tls`, TLS + HTTP/2 (the testkit's HTTP/2 mode, one DATA frame per SSE event).
//!
//! Options: `--mb N` (transcript, default 100), `--reps N` (per client, default 3),
//! `--samples N` (latency samples per client, default 60; 0 skips), `--pause-ms N` (latency
//! pauses, default 30), `--streams N` (idle streams, default 1000; 0 skips), `--framings LIST`
//! (comma-separated throughput framings among `events,chunks64k,length,tls`; default all),
//! `--no-tls` (skip the TLS throughput run), `--tls-only` (only the TLS throughput run: no
//! plain throughput, latency or idle streams).
//! Internal modes: `--serve-transcript MB RESPONSES FRAMING`, `--serve-idle N`,
//! `--idle-client URL N`, `--serve-h2-transcript MB RESPONSES`.

use std::time::Duration;

use codex_api_bench::end_to_end::throughput::Framing;
use codex_api_bench::end_to_end::{http2, idle, latency, throughput};
use codex_api_bench::report::load_average;

const USAGE: &str = "usage: end_to_end [--mb N] [--reps N] [--samples N] [--pause-ms N] [--streams N] [--framings events,chunks64k,length,tls] [--no-tls | --tls-only]";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number = |index: usize, default: usize| {
        args.get(index)
            .and_then(|value| value.parse().ok())
            .unwrap_or(default)
    };
    match args.first().map(String::as_str) {
        Some("--serve-transcript") => {
            let framing = args.get(3).and_then(|arg| Framing::from_arg(arg));
            let framing = framing.unwrap_or(Framing::ChunkPerEvent);
            return throughput::serve_transcript(number(1, 100), number(2, 4), framing);
        }
        Some("--serve-idle") => return idle::serve_idle(number(1, 1000)),
        Some("--serve-h2-transcript") => {
            return http2::serve_transcript(number(1, 100), number(2, 2));
        }
        // Diagnostic (not in the report): `--one CLIENT FRAMING MB REPS` streams through one
        // client only; CLIENT is tokio, async-std, blocking, openai, or reqwest-bytes (hyper-util's
        // client through reqwest, body chunks counted and dropped: the hyper floor; plain HTTP).
        Some("--one") => return one(&args[1..]),
        Some("--idle-client") => {
            let url = args.get(1).cloned().unwrap_or_default();
            return idle::idle_client(&url, number(2, 1000));
        }
        _ => {}
    }
    let (mut mb, mut reps, mut samples, mut pause_ms, mut streams) = (100, 3, 60, 30, 1000);
    let (mut plain, mut tls) = (true, true);
    let mut framings = Framing::ALL.to_vec();
    let mut rest = args.iter();
    while let Some(flag) = rest.next() {
        match flag.as_str() {
            "--no-tls" => tls = false,
            "--tls-only" => plain = false,
            "--framings" => {
                let list = rest.next().map(String::as_str).unwrap_or_default();
                let parsed: Option<Vec<Framing>> = list.split(',').map(Framing::from_arg).collect();
                framings = parsed.unwrap_or_else(|| {
                    eprintln!("{USAGE}");
                    std::process::exit(2);
                });
            }
            _ => {
                let value = rest.next().and_then(|value| value.parse::<usize>().ok());
                match (flag.as_str(), value) {
                    ("--mb", Some(value)) => mb = value,
                    ("--reps", Some(value)) => reps = value.max(1),
                    ("--samples", Some(value)) => samples = value,
                    ("--pause-ms", Some(value)) => pause_ms = value,
                    ("--streams", Some(value)) => streams = value,
                    _ => {
                        eprintln!("{USAGE}");
                        std::process::exit(2);
                    }
                }
            }
        }
    }
    if !plain && !tls {
        eprintln!("{USAGE}");
        std::process::exit(2);
    }

    println!("## End to end over loopback: one run\n");
    println!("- load average at start: {}", load_average());
    framings.retain(|framing| match framing {
        Framing::TlsChunkPerEvent => tls,
        _ => plain,
    });
    let mut rows = Vec::new();
    for framing in framings {
        rows.extend(throughput::measure(mb, reps, framing));
    }
    throughput::print_summary(&rows);
    if tls {
        http2::measure(mb, reps);
    }
    if plain && samples > 0 {
        latency::measure(samples, Duration::from_millis(pause_ms as u64));
    }
    if plain && streams > 0 {
        idle::measure(streams);
    }
    println!("\n- load average at end: {}", load_average());
}

/// The `--one` diagnostic: wall and CPU time of each stream through one client.
fn one(args: &[String]) {
    use codex_api_bench::cpu_time::process_cpu_time;
    use codex_api_bench::end_to_end::clients::Clients;
    use codex_api_bench::end_to_end::{Contender, Outcome, finish, spawn_self};
    let client = args.first().map(String::as_str).unwrap_or("tokio");
    let framing = args.get(1).and_then(|arg| Framing::from_arg(arg));
    let framing = framing.unwrap_or(Framing::ChunkPerEvent);
    let number = |index: usize, default: usize| {
        args.get(index)
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let (mb, reps) = (number(2, 100), number(3, 3));
    let (server, line) = spawn_self(&[
        "--serve-transcript".to_owned(),
        mb.to_string(),
        reps.to_string(),
        framing.arg().to_owned(),
    ]);
    let url = line
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned();
    for _ in 0..reps {
        let clients = Clients::new(&url, framing.transport());
        let (cpu, start) = (process_cpu_time(), std::time::Instant::now());
        let mut outcome = Outcome::default();
        let contender = match client {
            "async-std" => Some(Contender::AsyncStd),
            "blocking" => Some(Contender::Blocking),
            "openai" => Some(Contender::AsyncOpenAi),
            "reqwest-bytes" => None,
            _ => Some(Contender::Tokio),
        };
        let mut bytes = 0_usize;
        match contender {
            Some(contender) => clients.stream(contender, &mut |seen| outcome.add(seen)),
            None => {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap_or_else(|error| panic!("{error}"));
                runtime.block_on(async {
                    let http = reqwest::Client::builder().no_proxy().build();
                    let http = http.unwrap_or_else(|error| panic!("{error}"));
                    let sent = http.post(format!("{url}/v1/responses")).body("{}").send();
                    let mut response = sent.await.unwrap_or_else(|error| panic!("{error}"));
                    while let Ok(Some(chunk)) = response.chunk().await {
                        bytes += chunk.len();
                    }
                });
            }
        }
        let wall = start.elapsed().as_secs_f64();
        let cpu = process_cpu_time().saturating_sub(cpu).as_secs_f64();
        println!(
            "{client} {}: wall {wall:.3} s ({:.0} MB/s), cpu {cpu:.3} s, {} events, {bytes} body bytes, completed {}, errors {}",
            framing.arg(),
            mb as f64 / wall,
            outcome.events,
            outcome.completed,
            outcome.errors,
        );
    }
    finish(server);
}

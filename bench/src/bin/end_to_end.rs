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
//! bundled test CA) with one chunk per SSE event; then a summary table of every framing.
//!
//! Options: `--mb N` (transcript, default 100), `--reps N` (per client, default 3),
//! `--samples N` (latency samples per client, default 60; 0 skips), `--pause-ms N` (latency
//! pauses, default 30), `--streams N` (idle streams, default 1000; 0 skips), `--framings LIST`
//! (comma-separated throughput framings among `events,chunks64k,length,tls`; default all),
//! `--no-tls` (skip the TLS throughput run), `--tls-only` (only the TLS throughput run: no
//! plain throughput, latency or idle streams).
//! Internal modes: `--serve-transcript MB RESPONSES FRAMING`, `--serve-idle N`,
//! `--idle-client URL N`.

use std::time::Duration;

use codex_api_bench::end_to_end::throughput::Framing;
use codex_api_bench::end_to_end::{idle, latency, throughput};
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
    if plain && samples > 0 {
        latency::measure(samples, Duration::from_millis(pause_ms as u64));
    }
    if plain && streams > 0 {
        idle::measure(streams);
    }
    println!("\n- load average at end: {}", load_average());
}

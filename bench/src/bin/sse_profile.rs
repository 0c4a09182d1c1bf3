//! Runs one decoder alone over the bench corpus for a while, for `perf record` /
//! `valgrind --tool=callgrind`: `sse_profile [ours|sse-stream|eventsource|scan] CHUNK_BYTES
//! CORPUS_MB REPETITIONS [main|multibyte]`, e.g. `sse_profile ours 1 1 20 multibyte`.

use codex_api_bench::corpus;
use codex_api_bench::decoders::Decoder;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let decoder = match args.first().map(String::as_str) {
        Some("ours") | None => Decoder::Ours,
        Some("sse-stream") => Decoder::SseStream,
        Some("eventsource") => Decoder::EventsourceStream,
        Some("scan") => Decoder::LineScan,
        Some(other) => {
            eprintln!("unknown decoder {other}: ours, sse-stream, eventsource or scan");
            std::process::exit(2);
        }
    };
    let number = |index: usize, default: usize| {
        args.get(index)
            .and_then(|text| text.parse().ok())
            .unwrap_or(default)
    };
    let chunk = number(1, 65536).max(1);
    let megabytes = number(2, 50);
    let repetitions = number(3, 20);
    let generate = match args.get(4).map(String::as_str) {
        Some("main") | None => corpus::generate,
        Some("multibyte") => corpus::multibyte,
        Some(other) => {
            eprintln!("unknown corpus {other}: main or multibyte");
            std::process::exit(2);
        }
    };
    let body = generate(corpus::DEFAULT_SEED, megabytes * 1_000_000);
    let mut events = 0;
    for _ in 0..repetitions {
        events += std::hint::black_box(decoder.run(&body, chunk)).events;
    }
    println!(
        "{}: {events} events over {repetitions} repetitions; corpus_bytes={} chunks={}",
        decoder.name(),
        body.len(),
        body.len().div_ceil(chunk)
    );
}

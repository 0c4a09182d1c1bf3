//! SSE decode benchmark: codex-api-core's `SseDecoder` against eventsource-stream 0.2.3,
//! sse-stream 0.3 and a memchr2 line-scan ceiling, on one generated Responses-like corpus,
//! in one run. Prints a Markdown report.
//!
//! Options: `--mb N` (main corpus, default 50), `--small-mb N` (1-byte-chunk corpus,
//! default 1), `--rounds N` (default 5), `--seed N`.

use std::time::Duration;

use bytes::Bytes;
use codex_api_bench::alloc_count::Counting;
use codex_api_bench::corpus;
use codex_api_bench::decoders::{self, Decoder};
use codex_api_bench::harness::{self, Measurement};

#[global_allocator]
static ALLOCATOR: Counting = Counting;

struct Options {
    mb: usize,
    small_mb: usize,
    rounds: usize,
    seed: u64,
}

fn options() -> Options {
    let mut options = Options {
        mb: 50,
        small_mb: 1,
        rounds: 5,
        seed: corpus::DEFAULT_SEED,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let value = pair.get(1).and_then(|value| value.parse::<u64>().ok());
        match (pair[0].as_str(), value) {
            ("--mb", Some(value)) => options.mb = value as usize,
            ("--small-mb", Some(value)) => options.small_mb = value as usize,
            ("--rounds", Some(value)) => options.rounds = value.max(1) as usize,
            ("--seed", Some(value)) => options.seed = value,
            _ => {
                eprintln!("usage: sse [--mb N] [--small-mb N] [--rounds N] [--seed N]");
                std::process::exit(2);
            }
        }
    }
    options
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|_| "unknown".to_owned())
}

fn label(size: usize) -> String {
    if size >= 1024 {
        format!("{} KiB", size / 1024)
    } else {
        format!("{size} B")
    }
}

fn megabytes_per_second(bytes: usize, time: Duration) -> f64 {
    bytes as f64 / 1e6 / time.as_secs_f64()
}

struct Config {
    chunk: usize,
    body: Bytes,
    corpus: &'static str,
}

fn main() {
    let options = options();
    let main_body = Bytes::from(corpus::generate(options.seed, options.mb * 1_000_000));
    let small_body = Bytes::from(corpus::generate(options.seed, options.small_mb * 1_000_000));
    let multibyte_body = Bytes::from(corpus::multibyte(
        options.seed,
        options.small_mb * 1_000_000,
    ));

    println!("## SSE decode: one run\n");
    println!("- load average at start: {}", load_average());
    for (name, body) in [
        ("main", &main_body),
        ("small", &small_body),
        ("multibyte", &multibyte_body),
    ] {
        let shape = corpus::shape(body);
        let non_ascii = body.iter().filter(|byte| !byte.is_ascii()).count();
        println!(
            "- {name} corpus: {} bytes ({:.1} % in multi-byte characters), {} frames, {} comments, largest frame {} bytes",
            shape.bytes,
            non_ascii as f64 * 100.0 / shape.bytes as f64,
            shape.frames,
            shape.comments,
            shape.largest_frame
        );
    }
    println!(
        "- the multibyte corpus is the small one's shape with every delta drawn from the non-ASCII tokens (CJK, Hangul, emoji, accented Latin, Greek, Cyrillic)"
    );
    println!(
        "- rounds: {} (each decoder repeats for ~150 ms of CPU time per round, decoders interleaved); time = median repetition; rates use the measuring thread's CPU time (wall time shown too)",
        options.rounds
    );
    println!(
        "- MB = 10^6 bytes; allocations = alloc + alloc_zeroed + realloc calls during the decode\n"
    );

    let configs = [
        Config {
            chunk: 1,
            body: small_body.clone(),
            corpus: "small",
        },
        Config {
            chunk: 1,
            body: multibyte_body.clone(),
            corpus: "multibyte",
        },
        Config {
            chunk: 1024,
            body: main_body.clone(),
            corpus: "main",
        },
        Config {
            chunk: 16 * 1024,
            body: main_body.clone(),
            corpus: "main",
        },
        Config {
            chunk: 64 * 1024,
            body: main_body.clone(),
            corpus: "main",
        },
    ];

    let mut results: Vec<(Config, Vec<Measurement>)> = Vec::new();
    for config in configs {
        eprintln!(
            "measuring {} chunks ({} chunks)...",
            label(config.chunk),
            config.body.len().div_ceil(config.chunk)
        );
        let measurements =
            harness::measure(&Decoder::ALL, &config.body, config.chunk, options.rounds);
        results.push((config, measurements));
    }

    println!("### Consistency (same events from every decoder)\n");
    let mut consistent = true;
    for (config, measurements) in &results {
        let reference = measurements[0].tally;
        let mut parts = Vec::new();
        for measurement in measurements {
            let tally = measurement.tally;
            if measurement.decoder == Decoder::LineScan {
                parts.push(format!("line scan {} lines", tally.events));
                continue;
            }
            if tally != reference {
                consistent = false;
            }
            parts.push(format!(
                "{}: {} events, {} data bytes, {} named, {} errors",
                short(measurement.decoder),
                tally.events,
                tally.data_bytes,
                tally.named,
                tally.errors
            ));
        }
        println!(
            "- {} chunks ({} corpus): {}",
            label(config.chunk),
            config.corpus,
            parts.join("; ")
        );
    }
    println!(
        "- verdict: {}\n",
        if consistent {
            "all decoders agree on every chunking"
        } else {
            "MISMATCH (see above)"
        }
    );

    println!("### Results\n");
    println!(
        "| chunks | decoder | corpus MB | reps | CPU ms | wall ms | MB/s | M events/s | allocs/rep | allocs/event | ours ÷ this |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (config, measurements) in &results {
        let ours = measurements
            .iter()
            .find(|m| m.decoder == Decoder::Ours)
            .map(|m| m.median);
        let events = measurements[0].tally.events;
        for measurement in measurements {
            let rate = megabytes_per_second(config.body.len(), measurement.median);
            let events_per_second = if measurement.decoder == Decoder::LineScan {
                "—".to_owned()
            } else {
                format!(
                    "{:.2}",
                    events as f64 / 1e6 / measurement.median.as_secs_f64()
                )
            };
            let ratio = match ours {
                Some(ours) if measurement.decoder != Decoder::Ours => {
                    format!(
                        "{:.2}×",
                        measurement.median.as_secs_f64() / ours.as_secs_f64()
                    )
                }
                _ => "—".to_owned(),
            };
            println!(
                "| {} ({}) | {} | {:.2} | {} | {:.3} | {:.3} | {:.1} | {} | {:.0} | {:.4} | {} |",
                label(config.chunk),
                config.corpus,
                measurement.decoder.name(),
                config.body.len() as f64 / 1e6,
                measurement.reps,
                measurement.median.as_secs_f64() * 1e3,
                measurement.median_wall.as_secs_f64() * 1e3,
                rate,
                events_per_second,
                measurement.allocations_per_rep,
                measurement.allocations_per_rep / events as f64,
                ratio
            );
        }
    }

    println!("\n### BOM (a body starting with EF BB BF, then `data: x`, blank line)\n");
    for (decoder, note) in decoders::bom_note() {
        println!("- {}: {}", decoder.name(), note);
    }
    println!("\n- load average at end: {}", load_average());
}

fn short(decoder: Decoder) -> &'static str {
    match decoder {
        Decoder::Ours => "ours",
        Decoder::SseStream => "sse-stream",
        Decoder::EventsourceStream => "eventsource-stream",
        Decoder::LineScan => "line scan",
    }
}

//! Runs one typed-pipeline contender REPETITIONS times over the transcript, for a profiler:
//! `pipeline_profile {raw|codex|codex-approach|async-openai|async-openai-ours|ceiling} CHUNK_BYTES CORPUS_MB REPETITIONS [sorted]`
//! (`sorted`: the corpus with sorted keys).

use bytes::Bytes;
use codex_api_bench::pipeline::Pipeline;
use codex_api_bench::{corpus, harness};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let pipeline = match args.first().map(String::as_str) {
        Some("codex") => Pipeline::OursCodex,
        Some("codex-approach") => Pipeline::CodexApproach,
        Some("async-openai") => Pipeline::AsyncOpenAi,
        Some("async-openai-ours") => Pipeline::AsyncOpenAiOnOurSse,
        Some("ceiling") => Pipeline::Ceiling,
        _ => Pipeline::OursRaw,
    };
    let number = |index: usize, default: usize| {
        args.get(index)
            .and_then(|value| value.parse().ok())
            .unwrap_or(default)
    };
    let chunk = number(1, 16384).max(1);
    let mb = number(2, 5);
    let repetitions = number(3, 10);
    let mut body = corpus::transcript(corpus::DEFAULT_SEED, mb * 1_000_000);
    if args.get(4).map(String::as_str) == Some("sorted") {
        body = corpus::sorted_keys(&body);
    }
    let body = Bytes::from(body);
    let chunks = harness::split(&body, chunk);
    let mut events = 0;
    for _ in 0..repetitions {
        events += pipeline.run(&chunks).events;
    }
    println!(
        "{}: {events} events over {repetitions} repetitions; corpus_bytes={}",
        pipeline.name(),
        body.len()
    );
}

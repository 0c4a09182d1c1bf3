//! Typed event pipeline benchmark: body bytes → typed Responses events, ours (both levels)
//! against Codex's approach, async-openai's types and a borrowed-struct serde_json ceiling, on
//! one generated Responses transcript in two member orders (the API's own, `type` first, and
//! sorted keys, as a gateway that re-encodes JSON sends it), in one run. Prints a Markdown report.
//!
//! Options: `--mb N` (corpus, default 20), `--chunk N` (bytes per chunk, default 16384),
//! `--rounds N` (default 5), `--seed N`.

use bytes::Bytes;
use codex_api_bench::alloc_count::{self, Counting};
use codex_api_bench::corpus::{self, Shape};
use codex_api_bench::harness::{self, Timed};
use codex_api_bench::pipeline::Pipeline;
use codex_api_bench::report::{self, load_average, ratio};

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The two member orders of the same transcript.
const ORDERS: [&str; 2] = [
    "API order (`type` first)",
    "sorted keys (`type` after the members before it alphabetically)",
];

fn main() {
    let options = report::numeric_options(
        &["--mb", "--chunk", "--rounds", "--seed"],
        "pipeline [--mb N] [--chunk N] [--rounds N] [--seed N]",
    );
    let mb = report::option(&options, "--mb", 20) as usize;
    let chunk = report::option(&options, "--chunk", 16384).max(1) as usize;
    let rounds = report::option(&options, "--rounds", 5).max(1) as usize;
    let seed = report::option(&options, "--seed", corpus::DEFAULT_SEED);

    let api_order = Bytes::from(corpus::transcript(seed, mb * 1_000_000));
    let sorted = Bytes::from(corpus::sorted_keys(&api_order));
    let bodies = [api_order, sorted];
    let shapes: Vec<Shape> = bodies.iter().map(|body| corpus::shape(body)).collect();
    let chunked: Vec<Vec<Bytes>> = bodies
        .iter()
        .map(|body| harness::split(body, chunk))
        .collect();
    println!("## Typed event pipeline: one run\n");
    println!("- load average at start: {}", load_average());
    for ((order, shape), chunks) in ORDERS.iter().zip(&shapes).zip(&chunked) {
        println!(
            "- corpus, {order}: Responses transcript (every delta with `obfuscation`), {} bytes, {} events, {} comments, largest event {} bytes; {} chunks of {} bytes",
            shape.bytes,
            shape.frames,
            shape.comments,
            shape.largest_frame,
            chunks.len(),
            chunk
        );
    }
    println!(
        "- rounds: {rounds} (each contender repeats for ~150 ms of CPU time per round, interleaved, both corpora in every round); time = median repetition (thread CPU time; wall shown too)"
    );
    println!(
        "- M events/s counts input events (SSE frames) per second for every row; allocations = alloc + alloc_zeroed + realloc calls\n"
    );

    eprintln!("measuring...");
    let contenders: Vec<(usize, Pipeline)> = (0..bodies.len())
        .flat_map(|order| Pipeline::ALL.map(|pipeline| (order, pipeline)))
        .collect();
    let results = harness::measure_each(
        &contenders,
        |(order, pipeline)| pipeline.run(&chunked[order]),
        rounds,
    );
    let of = |order: usize, pipeline: Pipeline| -> &Timed<(usize, Pipeline), _> {
        results
            .iter()
            .find(|timed| timed.contender == (order, pipeline))
            .unwrap_or_else(|| unreachable!("every pair was measured"))
    };

    println!("### Consistency\n");
    let mut agree = true;
    for (order, name) in ORDERS.iter().enumerate() {
        let raw = of(0, Pipeline::OursRaw).output;
        for pipeline in Pipeline::ALL {
            let tally = of(order, pipeline).output;
            println!(
                "- {name}, {}: {} typed events, {} delta text bytes, {} output_item.done items, {} errors",
                pipeline.name(),
                tally.events,
                tally.data_bytes,
                tally.named,
                tally.errors
            );
            agree &=
                tally.data_bytes == raw.data_bytes && tally.named == raw.named && tally.errors == 0;
        }
    }
    println!(
        "- verdict: {}\n",
        if agree {
            "every contender parsed every event of both corpora and saw the same text and items"
        } else {
            "MISMATCH (see above)"
        }
    );

    for (order, name) in ORDERS.iter().enumerate() {
        let ours_raw = of(order, Pipeline::OursRaw).median;
        let ours_codex = of(order, Pipeline::OursCodex).median;
        let events = shapes[order].frames as f64;
        println!("### Results, {name}\n");
        println!(
            "| contender | reps | CPU ms | wall ms | MB/s | M events/s | allocs/event | this ÷ ours raw | this ÷ ours Codex-level |"
        );
        println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        for pipeline in Pipeline::ALL {
            let timed = of(order, pipeline);
            let seconds = timed.median.as_secs_f64();
            println!(
                "| {} | {} | {:.2} | {:.2} | {:.1} | {:.3} | {:.3} | {} | {} |",
                pipeline.name(),
                timed.reps,
                seconds * 1e3,
                timed.median_wall.as_secs_f64() * 1e3,
                bodies[order].len() as f64 / 1e6 / seconds,
                events / 1e6 / seconds,
                timed.allocations_per_rep / events,
                ratio(timed.median, ours_raw),
                ratio(timed.median, ours_codex),
            );
        }
        println!();
    }

    println!("### Targets\n");
    println!("| target | corpus | ours raw | ours Codex level |");
    println!("|---|---|---:|---:|");
    for (order, name) in ORDERS.iter().enumerate() {
        let peer = of(order, Pipeline::AsyncOpenAiOnOurSse).median;
        let ceiling = of(order, Pipeline::Ceiling).median;
        let raw = of(order, Pipeline::OursRaw).median;
        let codex = of(order, Pipeline::OursCodex).median;
        println!(
            "| ≥ 2× async-openai's types on our SSE (peer time ÷ ours) | {name} | {} | {} |",
            ratio(peer, raw),
            ratio(peer, codex)
        );
        println!(
            "| ≤ 1.2× the ceiling's time (ours ÷ ceiling) | {name} | {} | {} |",
            ratio(raw, ceiling),
            ratio(codex, ceiling)
        );
    }
    println!(
        "| ≤ 1.3× of our own API-order time (sorted ÷ API order) | both | {} | {} |",
        ratio(
            of(1, Pipeline::OursRaw).median,
            of(0, Pipeline::OursRaw).median
        ),
        ratio(
            of(1, Pipeline::OursCodex).median,
            of(0, Pipeline::OursCodex).median
        )
    );
    for (order, name) in ORDERS.iter().enumerate() {
        let deltas = Bytes::from(corpus::deltas_only(&bodies[order]));
        let delta_chunks = harness::split(&deltas, chunk);
        let frames = corpus::shape(&deltas).frames;
        let per_delta = |pipeline: Pipeline| {
            let before = alloc_count::calls();
            let tally = pipeline.run(&delta_chunks);
            let calls = alloc_count::calls() - before;
            assert_eq!(tally.errors, 0, "the delta-only corpus decodes");
            calls as f64 / frames as f64
        };
        println!(
            "| ≤ 1 allocation per delta (allocation calls ÷ deltas over the {frames} deltas alone, buffers included) | {name} | {:.3} | {:.3} |",
            per_delta(Pipeline::OursRaw),
            per_delta(Pipeline::OursCodex)
        );
    }
    println!("\n- load average at end: {}", load_average());
}

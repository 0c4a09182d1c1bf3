//! Typed event pipeline benchmark: body bytes → typed Responses events, ours (both levels)
//! against Codex's approach, async-openai's types and a borrowed-struct serde_json ceiling, on
//! one generated Responses transcript, in one run. Prints a Markdown report.
//!
//! Options: `--mb N` (corpus, default 20), `--chunk N` (bytes per chunk, default 16384),
//! `--rounds N` (default 5), `--seed N`.

use bytes::Bytes;
use codex_api_bench::alloc_count::Counting;
use codex_api_bench::pipeline::Pipeline;
use codex_api_bench::report::{self, load_average, ratio};
use codex_api_bench::{corpus, harness};

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn main() {
    let options = report::numeric_options(
        &["--mb", "--chunk", "--rounds", "--seed"],
        "pipeline [--mb N] [--chunk N] [--rounds N] [--seed N]",
    );
    let mb = report::option(&options, "--mb", 20) as usize;
    let chunk = report::option(&options, "--chunk", 16384).max(1) as usize;
    let rounds = report::option(&options, "--rounds", 5).max(1) as usize;
    let seed = report::option(&options, "--seed", corpus::DEFAULT_SEED);

    let body = Bytes::from(corpus::transcript(seed, mb * 1_000_000));
    let shape = corpus::shape(&body);
    let chunks = harness::split(&body, chunk);
    println!("## Typed event pipeline: one run\n");
    println!("- load average at start: {}", load_average());
    println!(
        "- corpus: Responses transcript, {} bytes, {} events, {} comments, largest event {} bytes; {} chunks of {} bytes",
        shape.bytes,
        shape.frames,
        shape.comments,
        shape.largest_frame,
        chunks.len(),
        chunk
    );
    println!(
        "- rounds: {rounds} (each contender repeats for ~150 ms of CPU time per round, interleaved); time = median repetition (thread CPU time; wall shown too)"
    );
    println!(
        "- M events/s counts input events (SSE frames) per second for every row; allocations = alloc + alloc_zeroed + realloc calls\n"
    );

    eprintln!("measuring...");
    let results = harness::measure_each(&Pipeline::ALL, |pipeline| pipeline.run(&chunks), rounds);

    println!("### Consistency\n");
    for timed in &results {
        let tally = timed.output;
        println!(
            "- {}: {} typed events, {} delta text bytes, {} output_item.done items, {} errors",
            timed.contender.name(),
            tally.events,
            tally.data_bytes,
            tally.named,
            tally.errors
        );
    }
    let raw = results[0].output;
    let agree = results.iter().all(|timed| {
        timed.output.data_bytes == raw.data_bytes
            && timed.output.named == raw.named
            && timed.output.errors == 0
    });
    println!(
        "- verdict: {}\n",
        if agree {
            "every contender parsed every event and saw the same text and items"
        } else {
            "MISMATCH (see above)"
        }
    );

    let ours_raw = results[0].median;
    let ours_codex = results[1].median;
    let events = shape.frames as f64;
    println!("### Results\n");
    println!(
        "| contender | reps | CPU ms | wall ms | MB/s | M events/s | allocs/event | this ÷ ours raw | this ÷ ours Codex-level |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for timed in &results {
        let seconds = timed.median.as_secs_f64();
        println!(
            "| {} | {} | {:.2} | {:.2} | {:.1} | {:.3} | {:.3} | {} | {} |",
            timed.contender.name(),
            timed.reps,
            seconds * 1e3,
            timed.median_wall.as_secs_f64() * 1e3,
            body.len() as f64 / 1e6 / seconds,
            events / 1e6 / seconds,
            timed.allocations_per_rep / events,
            ratio(timed.median, ours_raw),
            ratio(timed.median, ours_codex),
        );
    }
    println!("\n- load average at end: {}", load_average());
}

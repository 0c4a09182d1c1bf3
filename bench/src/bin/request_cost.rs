//! Cost of a request: building and encoding a Codex-like `POST /responses` body with a
//! 200-item history, ours (`ResponsesApiRequest` + `PreparedRequest::responses`) against a
//! `serde_json::Value` built with `json!` and encoded with `serde_json::to_vec`, and against
//! async-openai 0.43's `CreateResponse`, in one run.
//! Prints a Markdown report.
//!
//! Options: `--items N` (default 200), `--rounds N` (default 5), `--seed N`.

use codex_api_bench::alloc_count::Counting;
use codex_api_bench::harness;
use codex_api_bench::report::{self, load_average, ratio};
use codex_api_bench::request_cost::{self, bodies_agree};
use codex_api_core::provider::Provider;

#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[derive(Clone, Copy)]
enum Way {
    Ours,
    JsonValue,
    AsyncOpenAi,
}

impl Way {
    fn name(self) -> &'static str {
        match self {
            Way::Ours => "ours (ResponsesApiRequest + PreparedRequest::responses)",
            Way::JsonValue => "serde_json::Value via json! + to_vec",
            Way::AsyncOpenAi => "async-openai 0.43 CreateResponse + to_vec (ids kept)",
        }
    }
}

fn main() {
    let options = report::numeric_options(
        &["--items", "--rounds", "--seed"],
        "request_cost [--items N] [--rounds N] [--seed N]",
    );
    let items = report::option(&options, "--items", 200) as usize;
    let rounds = report::option(&options, "--rounds", 5).max(1) as usize;
    let seed = report::option(&options, "--seed", 7);

    let conversation = request_cost::conversation(seed, items);
    let provider = Provider::openai();
    let ours = request_cost::ours(&provider, &conversation);
    let theirs = request_cost::json_value(&conversation);
    let openai = request_cost::async_openai(&conversation);

    println!("## Cost of a request: one run\n");
    println!("- load average at start: {}", load_average());
    println!(
        "- request: {} input items, {} tools, instructions {} bytes; body {} bytes (ours), {} bytes (json!), {} bytes (async-openai: its types require ids on assistant messages and reasoning items, which ours strips for non-Azure providers)",
        conversation.items.len(),
        conversation.tool_names.len(),
        conversation.instructions.len(),
        ours.len(),
        theirs.len(),
        openai.len()
    );
    println!(
        "- ours and json! give the same JSON (member order aside): {}",
        match bodies_agree(&ours, &theirs) {
            Ok(()) => "yes".to_owned(),
            Err(difference) => format!("NO: {difference}"),
        }
    );
    println!(
        "- rounds: {rounds} (each way repeats for ~150 ms of CPU time per round, interleaved); time = median repetition (thread CPU time); one repetition builds and encodes one request from the same owned history\n"
    );

    eprintln!("measuring...");
    let ways = [Way::Ours, Way::JsonValue, Way::AsyncOpenAi];
    let results = harness::measure_each(
        &ways,
        |way| match way {
            Way::Ours => request_cost::ours(&provider, &conversation).len(),
            Way::JsonValue => request_cost::json_value(&conversation).len(),
            Way::AsyncOpenAi => request_cost::async_openai(&conversation).len(),
        },
        rounds,
    );
    let ours_time = results[0].median;
    println!(
        "| way | reps | µs per request (CPU) | µs (wall) | MB/s of body | allocs/request | this ÷ ours |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for timed in &results {
        println!(
            "| {} | {} | {:.1} | {:.1} | {:.0} | {:.0} | {} |",
            timed.contender.name(),
            timed.reps,
            timed.median.as_secs_f64() * 1e6,
            timed.median_wall.as_secs_f64() * 1e6,
            timed.output as f64 / 1e6 / timed.median.as_secs_f64(),
            timed.allocations_per_rep,
            ratio(timed.median, ours_time),
        );
    }
    println!("\n- load average at end: {}", load_average());
}

//! Builds and encodes one request REPETITIONS times, for a profiler:
//! `request_profile {ours|json|async-openai} REPETITIONS`.

use codex_api_bench::request_cost;
use codex_api_core::provider::Provider;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let way = args.first().cloned().unwrap_or_else(|| "ours".to_owned());
    let repetitions: usize = args.get(1).and_then(|v| v.parse().ok()).unwrap_or(1000);
    let conversation = request_cost::conversation(7, 200);
    let provider = Provider::openai();
    let mut total = 0usize;
    for _ in 0..repetitions {
        total += match way.as_str() {
            "ours" => request_cost::ours(&provider, &conversation).len(),
            "json" => request_cost::json_value(&conversation).len(),
            _ => request_cost::async_openai(&conversation).len(),
        };
    }
    println!("{way}: {repetitions} requests, {total} bytes");
}
